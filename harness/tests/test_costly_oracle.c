/* test_costly_oracle.c - the costly-order rule of the oracle (oracle.h:
 * the orders of pipe rings and kmalloc() worked by hand from fs/pipe.c and
 * the slab allocator, PAGE_ALLOC_COSTLY_ORDER for the page allocator and
 * the memcg charge), the mapping of the pipe, sockbuf and frag stressors
 * to oracle requests (predict.h), and the shipped costly scenarios. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracle.h"
#include "predict.h"
#include "settings.h"
#include "suites.h"

#define MiB (1LL << 20)

/* ring = size / 4096 * 40 bytes after rounding up to a power of two; a
 * page allocation of get_order(ring) once past 8 KiB. */
START_TEST(pipe_ring_orders)
{
	ck_assert_int_eq(oracle_pipe_ring_order(512 * 1024), -1);  /* 128 * 40 = 5120: slab */
	ck_assert_int_eq(oracle_pipe_ring_order(1 * MiB), 2);      /* 256 * 40 = 10240 <= 16384 */
	ck_assert_int_eq(oracle_pipe_ring_order(1 * MiB - 1), 2);  /* rounds up to 1 MiB */
	ck_assert_int_eq(oracle_pipe_ring_order(2 * MiB), 3);      /* 20480 <= 32768 */
	ck_assert_int_eq(oracle_pipe_ring_order(3 * MiB), 4);      /* rounds to 4 MiB: 40960 */
	ck_assert_int_eq(oracle_pipe_ring_order(4 * MiB), 4);
	ck_assert_int_eq(oracle_pipe_ring_order(16 * MiB), 6);     /* 163840 <= 262144 */
	ck_assert_int_eq(oracle_pipe_ring_order(64 * MiB), 8);     /* 655360 <= 1048576 */
	ck_assert_int_eq(oracle_pipe_ring_order(256 * MiB), 10);   /* 2621440 <= 4194304 */
	ck_assert_int_eq(oracle_pipe_ring_order(512 * MiB), -1);   /* order 11: none */
	ck_assert_int_eq(oracle_pipe_ring_order((1LL << 31) + 1), -1); /* EINVAL */
	ck_assert_int_eq(oracle_pipe_ring_order(0), -1);
	ck_assert_int_eq(oracle_pipe_ring_order(-5), -1);
	/* the stressor's order=N is a pipe of 2^(N+18) bytes */
	for (int n = 2; n <= 10; n++)
		ck_assert_int_eq(oracle_pipe_ring_order(1LL << (n + 18)), n);
}
END_TEST

START_TEST(kmalloc_orders)
{
	ck_assert_int_eq(oracle_kmalloc_order(8192), -1);          /* kmalloc-8k */
	ck_assert_int_eq(oracle_kmalloc_order(8193), 2);
	ck_assert_int_eq(oracle_kmalloc_order(16384), 2);
	ck_assert_int_eq(oracle_kmalloc_order(16385), 3);
	ck_assert_int_eq(oracle_kmalloc_order(4096LL << 8), 8);
	ck_assert_int_eq(oracle_kmalloc_order(4096LL << 10), 10);
	ck_assert_int_eq(oracle_kmalloc_order((4096LL << 10) + 1), -1);
	ck_assert_int_eq(oracle_kmalloc_order(0), -1);
}
END_TEST

static struct oracle_policy pol(void)
{
	struct oracle_policy p = {
		.overcommit_ratio = ORACLE_UNSET, .overcommit_kbytes = ORACLE_UNSET,
		.admin_reserve_kbytes = ORACLE_UNSET, .user_reserve_kbytes = ORACLE_UNSET,
		.nr_hugepages = ORACLE_UNSET, .memcg_max = ORACLE_UNSET,
		.memcg_high = ORACLE_UNSET, .memcg_swap_max = ORACLE_UNSET,
	};
	return p;
}

static struct oracle_facts facts(void)
{
	struct oracle_facts f = { .kernel_major = 6, .kernel_minor = 1, .nr_cpus = 1,
				  .mem_total_kb = 208732, .mem_free_kb = 180804 };
	return f;
}

static struct oracle_prediction kalloc(const struct oracle_policy *p, int order, bool accounted)
{
	struct oracle_facts f = facts();
	struct oracle_request r = { .kind = REQ_KALLOC, .order = order, .accounted = accounted,
				    .cap_sys_admin = true };
	struct oracle_prediction o;

	oracle_predict(p, &f, &r, &o);
	return o;
}

START_TEST(costly_rule)
{
	struct oracle_policy p = pol(), m = pol();
	struct oracle_prediction o;

	m.in_memcg = true;
	m.memcg_max = 64 * MiB;
	for (int order = 0; order <= 10; order++) {
		o = kalloc(&p, order, true);
		ck_assert_int_eq(o.path, order > 3 ? PATH_COSTLY_ORDER_FAIL : PATH_GLOBAL_OOM_KILL);
		/* margin: 32 kB (order 3) minus the request */
		ck_assert_int_eq(o.margin_kb, 32 - (4LL << order));
		ck_assert_int_eq(o.limit_kb, 32);
		ck_assert_int_eq(o.tolerance_kb, 0);
		o = kalloc(&m, order, true);
		ck_assert_int_eq(o.path, order > 3 ? PATH_COSTLY_ORDER_FAIL : PATH_MEMCG_OOM_KILL);
	}
	o = kalloc(&p, 4, true);
	ck_assert(strstr(o.why, "__alloc_pages_may_oom() does not invoke the OOM killer"));
	o = kalloc(&m, 4, true);
	ck_assert(strstr(o.why, "mem_cgroup_oom() skips the OOM killer"));
	/* not charged (sock_kmalloc): the cgroup's limit does not apply */
	o = kalloc(&m, 2, false);
	ck_assert_int_eq(o.path, PATH_GLOBAL_OOM_KILL);
	o = kalloc(&p, -1, true);
	ck_assert_int_eq(o.path, PATH_UNKNOWN);
	o = kalloc(&p, 11, true);
	ck_assert_int_eq(o.path, PATH_UNKNOWN);
}
END_TEST

/* The OOM policies apply to an order <= 3 OOM as to any. */
START_TEST(costly_rule_and_policies)
{
	struct oracle_policy p = pol(), m = pol();

	p.panic_on_oom = 1;
	ck_assert_int_eq(kalloc(&p, 2, true).path, PATH_OOM_PANIC);
	ck_assert_int_eq(kalloc(&p, 4, true).path, PATH_COSTLY_ORDER_FAIL);
	m.in_memcg = true;
	m.memcg_max = 64 * MiB;
	m.panic_on_oom = 1;
	ck_assert_int_eq(kalloc(&m, 3, true).path, PATH_MEMCG_OOM_KILL);
	m.panic_on_oom = 2;
	ck_assert_int_eq(kalloc(&m, 3, true).path, PATH_OOM_PANIC);
	m.panic_on_oom = 0;
	m.memcg_oom_group = true;
	ck_assert_int_eq(kalloc(&m, 3, true).path, PATH_OOM_GROUP_KILL);
	ck_assert_int_eq(kalloc(&m, 5, true).path, PATH_COSTLY_ORDER_FAIL);
}
END_TEST

/* ---- scenarios to requests ---- */

static void vm_init(struct vmconfig *vm, bool memcg)
{
	memset(vm, 0, sizeof(*vm));
	snprintf(vm->name, sizeof(vm->name), "t");
	vm->memory_bytes = 256 * MiB;
	vm->cpus = 1;
	if (memcg)
		kv_set(&vm->memcg, "memory.max", "64M", 1);
}

static int predict(char **run, size_t nrun, bool memcg, const struct step_evidence *st,
		   struct oracle_prediction *out, struct buf *err)
{
	struct scenario sc = { .run = run, .nrun = nrun, .uid = -1 };
	struct vmconfig vm;
	struct oracle_facts f = facts();
	int r;

	snprintf(sc.name, sizeof(sc.name), "s");
	vm_init(&vm, memcg);
	r = predict_scenario(&sc, &vm, &f, st, out, err);
	kv_free(&vm.memcg);
	return r;
}

START_TEST(stressors_to_requests)
{
	char *pipe4[] = { "pipe", "order=4", "frag=1" };
	char *pipe_size[] = { "pipe", "size=3M", "frag=1" };
	char *pipe_fill[] = { "pipe", "order=2", "fill=1" };
	char *pipe_bare[] = { "pipe", "order=4" };
	char *sock[] = { "sockbuf", "size=262144", "frag=1" };
	char *sock_order[] = { "sockbuf", "order=3", "frag=1" };
	char *frag[] = { "frag" };
	char *slab[] = { "pipe", "size=512K", "frag=1" };
	struct oracle_prediction o;
	struct step_evidence st;
	struct buf err = BUF_INIT;

	ck_assert_int_eq(predict(pipe4, 3, false, NULL, &o, &err), 0);
	ck_assert_int_eq(o.path, PATH_COSTLY_ORDER_FAIL);
	ck_assert(strstr(o.why, "order 4 >"));
	ck_assert_int_eq(predict(pipe_size, 3, false, NULL, &o, &err), 0);
	ck_assert(strstr(o.why, "order 4 >"));
	ck_assert_int_eq(predict(pipe_fill, 3, true, NULL, &o, &err), 0);
	ck_assert_int_eq(o.path, PATH_MEMCG_OOM_KILL);
	ck_assert_int_eq(predict(sock, 3, false, NULL, &o, &err), 0);
	ck_assert(strstr(o.why, "order 6 >"));
	/* a sockbuf in a cgroup: not charged, so the global rule */
	ck_assert_int_eq(predict(sock_order, 3, true, NULL, &o, &err), 0);
	ck_assert_int_eq(o.path, PATH_GLOBAL_OOM_KILL);
	ck_assert_int_eq(predict(frag, 1, false, NULL, &o, &err), 0);
	ck_assert_int_eq(o.path, PATH_NO_FAILURE);
	ck_assert_uint_eq(err.len, 0);

	/* the size the guest reported wins over the arguments */
	memset(&st, 0, sizeof(st));
	st.wl.present = true;
	st.wl.bytes = 64 * MiB;
	ck_assert_int_eq(predict(pipe4, 3, false, &st, &o, &err), 0);
	ck_assert(strstr(o.why, "order 8 >"));

	/* no limit to meet, a limit that is not there, no page allocation */
	ck_assert_int_eq(predict(pipe_bare, 2, false, NULL, &o, &err), -1);
	ck_assert(strstr(err.s, "without frag=1 or fill=1"));
	buf_reset(&err);
	ck_assert_int_eq(predict(pipe_fill, 3, false, NULL, &o, &err), -1);
	ck_assert(strstr(err.s, "fill=1 needs a memory.max"));
	buf_reset(&err);
	ck_assert_int_eq(predict(slab, 3, false, NULL, &o, &err), -1);
	ck_assert(strstr(err.s, "no order= or size= that makes a page allocation"));
	buf_release(&err);
}
END_TEST

/* The shipped matrix has the boundary on both sides, global and memcg,
 * and the oracle predicts each from its own rule. */
START_TEST(shipped_costly_scenarios)
{
	static const int orders[] = { 2, 3, 4, 6, 8 };
	bool seen[2][11] = { { false } };
	struct oom_config cfg;
	struct buf err = BUF_INIT;

	ck_assert_msg(config_load("../../vmconfigs", &cfg, &err) == 0, "%s", err.s);
	for (size_t i = 0; i < cfg.nsc; i++) {
		const struct scenario *sc = &cfg.sc[i];
		const struct vmconfig *vm = config_vm(&cfg, sc->vmconfig);
		struct oracle_facts f = facts();
		struct oracle_prediction o;
		long long order;
		bool memcg;

		if (!scenario_has_tag(sc, "costly") || strcmp(sc->run[0], "pipe"))
			continue;
		ck_assert(scenario_has_tag(sc, "default"));
		ck_assert_int_eq(sc->expect, PATH_UNKNOWN);   /* the oracle predicts */
		ck_assert_int_eq(predict_scenario(sc, vm, &f, NULL, &o, &err), 0);
		memcg = kv_get(&vm->memcg, "memory.max") != NULL;
		ck_assert_int_eq(sscanf(sc->run[1], "order=%lld", &order), 1);
		ck_assert(order >= 0 && order <= 10);
		seen[memcg][order] = true;
		ck_assert_msg(o.path == (order > 3 ? PATH_COSTLY_ORDER_FAIL : memcg ?
					 PATH_MEMCG_OOM_KILL : PATH_GLOBAL_OOM_KILL),
			      "%s: %s", sc->name, path_name(o.path));
	}
	for (size_t k = 0; k < sizeof(orders) / sizeof(orders[0]); k++)
		ck_assert_msg(seen[0][orders[k]] && seen[1][orders[k]], "order %d", orders[k]);
	config_free(&cfg);
	buf_release(&err);
}
END_TEST

Suite *suite_costly_oracle(void)
{
	Suite *s = suite_create("costly_oracle");
	TCase *t = tcase_create("rule");

	tcase_add_test(t, pipe_ring_orders);
	tcase_add_test(t, kmalloc_orders);
	tcase_add_test(t, costly_rule);
	tcase_add_test(t, costly_rule_and_policies);
	tcase_add_test(t, stressors_to_requests);
	tcase_add_test(t, shipped_costly_scenarios);
	suite_add_tcase(s, t);
	return s;
}
