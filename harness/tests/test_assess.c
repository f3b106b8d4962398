/* test_assess.c - evidence + prediction + verdict together: the oracle's
 * expectation, a declared one that disagrees, settings drift. */
#include <stdio.h>
#include <string.h>

#include "assess.h"
#include "suites.h"

static struct oom_config cfg;

static void load(void)
{
	test_config_good(&cfg);
}

static void unload(void)
{
	config_free(&cfg);
}

/* A mode-2 guest (ratio 80, memcg 64M) that refused a 200 MiB mmap. */
#define HELLO "{\"t\":\"hello\",\"v\":1,\"release\":\"6.1.0-56-amd64\",\"uptime_ms\":1}\n"
#define FACTS(mode, max) \
	"{\"t\":\"facts\",\"meminfo\":{\"MemTotal\":471000,\"MemFree\":400000,\"SwapTotal\":0," \
	"\"Committed_AS\":3000,\"CommitLimit\":376800},\"effective\":{\"vm.overcommit_memory\":\"" mode \
	"\",\"vm.overcommit_ratio\":\"80\",\"memory.max\":\"" max "\",\"memory.oom.group\":\"1\"},\"nr_cpus\":2}\n"
#define STEP \
	"{\"t\":\"step\",\"phase\":\"begin\",\"i\":0,\"argv\":[\"mmap\",\"size=524288000\"]," \
	"\"exprs\":{\"size=(commit_limit-committed_as)/2\":524288000},\"before\":{\"Committed_AS\":3000,\"oom_kill\":0}}\n" \
	"{\"t\":\"wl\",\"i\":0,\"data\":{\"op\":\"mmap\",\"bytes\":524288000,\"ok\":false,\"errno\":12}}\n" \
	"{\"t\":\"step\",\"phase\":\"end\",\"i\":0,\"exit\":1,\"signal\":null,\"after\":{\"oom_kill\":0}}\n" \
	"{\"t\":\"done\",\"steps\":1}\n"

static void run_assess(const char *records, const char *scenario, struct result *res)
{
	struct evidence ev;
	struct plan_item it = { config_scenario(&cfg, scenario), NULL };

	ck_assert_ptr_nonnull(it.sc);
	it.vm = config_vm(&cfg, it.sc->vmconfig);
	memset(res, 0, sizeof(*res));
	observed_init(&res->obs);
	evidence_init(&ev);
	evidence_parse_records(&ev, records, strlen(records));
	assess(&it, &ev, NULL, res);
	evidence_free(&ev);
}

START_TEST(oracle_disagrees_with_declared)
{
	struct result res;

	/* "first" declares no_failure; 500 MiB is past the ratio-80 headroom. */
	run_assess(HELLO FACTS("2", "67108864") STEP, "first", &res);
	ck_assert(res.oracle.present);
	ck_assert_int_eq(res.oracle.path, PATH_COMMIT_REJECT);
	ck_assert(res.oracle.margin_kb < 0);
	ck_assert_int_eq(res.declared, PATH_NO_FAILURE);
	ck_assert(res.oracle_disagrees);
	ck_assert_int_eq(res.obs.path, PATH_COMMIT_REJECT);
	ck_assert_int_eq(res.verdict, VERDICT_FAIL); /* judged against the declared path */
	observed_free(&res.obs);
}
END_TEST

START_TEST(drift_is_a_fail_with_its_cause)
{
	struct result res;

	/* The guest ran mode 0 although mode 2 was declared. */
	run_assess(HELLO FACTS("0", "67108864") STEP, "first", &res);
	ck_assert_int_eq(res.verdict, VERDICT_FAIL);
	ck_assert_msg(strstr(res.reason, "vm.overcommit_memory declared 2, the guest had 0"), "%s",
		      res.reason);
	observed_free(&res.obs);
	/* memory.max 64M declared, 32M effective. */
	run_assess(HELLO FACTS("2", "33554432") STEP, "first", &res);
	ck_assert_msg(strstr(res.reason, "memory.max declared 64M, the guest had 33554432"), "%s",
		      res.reason);
	observed_free(&res.obs);
}
END_TEST

/* The guest reports the memory controller missing (booted with
 * cgroup_disable=memory): the memcg writes failed, but the scenario needs
 * memcg (memory.max in its vmconfig), so it is a SKIP, not an ERROR. */
START_TEST(guest_lacking_a_need_is_a_skip)
{
	struct result res;
	const char *rec = HELLO
		"{\"t\":\"setup\",\"what\":\"memcg\",\"key\":\"memory.max\",\"value\":\"64M\","
		"\"ok\":false,\"errno\":2,\"error\":\"No such file or directory\"}\n"
		"{\"t\":\"facts\",\"meminfo\":{\"MemTotal\":471000},\"effective\":{"
		"\"feature:memcg\":\"no: /sys/fs/cgroup/cgroup.controllers lacks memory\"}}\n" STEP;

	run_assess(rec, "first", &res);
	ck_assert_int_eq(res.verdict, VERDICT_SKIP);
	ck_assert_str_eq(res.reason, "needs memcg (the cgroup v2 memory controller): the guest's "
			 "/sys/fs/cgroup/cgroup.controllers lacks memory");
	observed_free(&res.obs);
	/* the same guest with the controller: judged as usual (setup failed: ERROR) */
	run_assess(HELLO "{\"t\":\"setup\",\"what\":\"memcg\",\"key\":\"memory.max\","
		   "\"ok\":false,\"errno\":2}\n" FACTS("2", "67108864") STEP, "first", &res);
	ck_assert_int_eq(res.verdict, VERDICT_ERROR);
	observed_free(&res.obs);
}
END_TEST

/* Before boot, from the kernel's config: SKIP with the reason, no dir. */
START_TEST(config_lacking_a_need_skips_before_boot)
{
	struct plan_item it = { config_scenario(&cfg, "second"), NULL };
	struct kernel k;
	struct result res;

	it.vm = config_vm(&cfg, it.sc->vmconfig);
	memset(&k, 0, sizeof(k));
	memset(&res, 0, sizeof(res));
	snprintf(res.dir, sizeof(res.dir), "second");
	snprintf(k.modules, sizeof(k.modules), "/nonexistent/lib/modules/6.1.0-56-amd64");
	observed_init(&res.obs);
	ck_assert(!assess_before_boot(&it, &k, &res)); /* no config: the guest will tell */
	snprintf(k.config, sizeof(k.config), "fixtures/kconfig/debian-6.1.fragment");
	ck_assert(!assess_before_boot(&it, &k, &res)); /* Debian has it all */
	snprintf(k.config, sizeof(k.config), "fixtures/kconfig/debian-6.1-nozram-nomemcg.fragment");
	ck_assert(assess_before_boot(&it, &k, &res));
	ck_assert_int_eq(res.verdict, VERDICT_SKIP);
	ck_assert_str_eq(res.reason, "needs memcg (the cgroup v2 memory controller): CONFIG_MEMCG is "
			 "not set in fixtures/kconfig/debian-6.1-nozram-nomemcg.fragment");
	ck_assert_str_eq(res.dir, "");
	ck_assert_int_eq(res.declared, PATH_MEMCG_OOM_KILL);
	/* Debian's =m modules without a modules directory */
	observed_free(&res.obs);
	memset(&res, 0, sizeof(res));
	observed_init(&res.obs);
	k.modules[0] = '\0';
	snprintf(k.config, sizeof(k.config), "fixtures/kconfig/debian-6.1.fragment");
	ck_assert(assess_before_boot(&it, &k, &res));
	ck_assert_msg(strstr(res.reason, "needs virtio_blk (the virtio-blk disk driver): "
			     "CONFIG_VIRTIO_PCI=m in "), "%s", res.reason);
	observed_free(&res.obs);
}
END_TEST

Suite *suite_assess(void)
{
	Suite *s = suite_create("assess");
	TCase *tc = tcase_create("assess");

	tcase_add_checked_fixture(tc, load, unload);
	tcase_add_test(tc, oracle_disagrees_with_declared);
	tcase_add_test(tc, drift_is_a_fail_with_its_cause);
	tcase_add_test(tc, guest_lacking_a_need_is_a_skip);
	tcase_add_test(tc, config_lacking_a_need_skips_before_boot);
	suite_add_tcase(s, tc);
	return s;
}
