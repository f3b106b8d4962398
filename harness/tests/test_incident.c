/* test_incident.c - `oomlab klog parse`: real reports (fixtures/incidents/, a
 * copy of /work/shared/incidents with the facts of its README.md and
 * *.expected.json), our own VM consoles (fixtures/vm/), the explanation, and
 * hostile input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "incident_int.h"
#include "suites.h"

static void parse_fixture(const char *path, struct incident_report *r)
{
	size_t len;
	char *text = fixture(path, &len);

	incident_parse(text, len, r);
	free(text);
}

static void parse_str(const char *text, struct incident_report *r)
{
	incident_parse(text, strlen(text), r);
}

/* Our JSON, parsed back: it must be valid JSON whatever the input. */
static struct json_object *report_json(const struct incident_report *r)
{
	struct buf b = BUF_INIT;
	struct json_object *o;

	incident_json(r, &b);
	o = json_tokener_parse(b.s);
	ck_assert_msg(o != NULL, "incident_json() printed invalid JSON");
	buf_release(&b);
	return o;
}

static char *summary(const struct incident_report *r)
{
	struct buf b = BUF_INIT;

	incident_summary(r, &b);
	return buf_detach(&b);
}

/* ---------- the *.expected.json files ---------- */

static const char *const expected_logs[] = {
	"aks-5.15-kubelet-eviction-negative", "aks-5.15-memcg-v2-oom-group",
	"aks-5.15-memcg-v2-syslog-npd", "aws-6.8-dmesg-T-global-oom",
	"centos6-2.6.32-global-oom-slab-leak", "centos7-3.10-docker-memcg-v1-headless",
	"mips-3.4-panic-on-oom-compulsory", "syzkaller-4.20-interleaved-oom-header-panic",
	"syzkaller-5.12-rcu-stall-negative", "ubuntu-5.4-sysrq-manual-oom",
};

/* expected.json key -> our key ("victim.pid": inside "victim") */
static const char *const key_map[][2] = {
	{ "kind", "kind" }, { "invoker_comm", "invoker_comm" }, { "gfp_mask", "gfp_mask" },
	{ "gfp_flags", "gfp_flags" }, { "order", "order" },
	{ "oom_score_adj_invoker", "invoker_oom_score_adj" }, { "constraint", "constraint" },
	{ "memcg", "memcg" }, { "memcg_limit_kb", "memcg_limit_kb" },
	{ "memcg_usage_kb", "memcg_usage_kb" }, { "victim_pid", "victim.pid" },
	{ "victim_comm", "victim.comm" }, { "victim_anon_rss_kb", "victim.anon_rss_kb" },
	{ "victim_total_vm_kb", "victim.total_vm_kb" },
	{ "victim_oom_score_adj", "victim.oom_score_adj" }, { "ram_pages", "ram_pages" },
	{ "swap_total_kb", "swap_total_kb" }, { "swap_free_kb", "swap_free_kb" },
};

static struct json_object *get(struct json_object *o, const char *key)
{
	const char *dot = strchr(key, '.');
	struct json_object *v = NULL;
	char head[32];

	if (!dot)
		return json_object_object_get_ex(o, key, &v) ? v : NULL;
	snprintf(head, sizeof(head), "%.*s", (int)(dot - key), key);
	ck_assert_msg(json_object_object_get_ex(o, head, &v), "no key %s", head);
	return v ? get(v, dot + 1) : NULL;
}

static void same(const char *ctx, size_t ev, const char *key, struct json_object *want,
		 struct json_object *got)
{
	ck_assert_msg(json_object_equal(want, got), "%s event %zu: %s: want %s, got %s", ctx, ev, key,
		      want ? json_object_to_json_string(want) : "null",
		      got ? json_object_to_json_string(got) : "null");
}

START_TEST(expected_json_facts)
{
	char path[256];
	struct json_object *want, *got, *wev, *gev, *kv = NULL;
	struct incident_report r;
	const char *name = expected_logs[_i];

	snprintf(path, sizeof(path), "fixtures/incidents/%s.expected.json", name);
	want = json_object_from_file(path);
	ck_assert_msg(want != NULL, "cannot read %s", path);
	snprintf(path, sizeof(path), "fixtures/incidents/%s.log", name);
	parse_fixture(path, &r);
	got = report_json(&r);
	wev = get(want, "events");
	gev = get(got, "events");
	json_object_object_get_ex(want, "kernel_version", &kv);
	ck_assert_msg(json_object_array_length(gev) == json_object_array_length(wev),
		      "%s: %zu events, want %zu", name, json_object_array_length(gev),
		      json_object_array_length(wev));
	for (size_t i = 0; i < json_object_array_length(wev); i++) {
		struct json_object *w = json_object_array_get_idx(wev, i);
		struct json_object *g = json_object_array_get_idx(gev, i);

		for (size_t k = 0; k < sizeof(key_map) / sizeof(key_map[0]); k++)
			same(name, i, key_map[k][0], get(w, key_map[k][0]), get(g, key_map[k][1]));
		same(name, i, "kernel_version", kv, get(g, "kernel_version"));
		ck_assert_msg(json_object_array_length(get(g, "tasks")) ==
			      (size_t)json_object_get_int(get(w, "tasks_listed")),
			      "%s event %zu: %zu task rows, want %d", name, i,
			      json_object_array_length(get(g, "tasks")),
			      json_object_get_int(get(w, "tasks_listed")));
	}
	json_object_put(want);
	json_object_put(got);
	incident_free(&r);
}
END_TEST

/* ---------- the four logs of the README table ---------- */

START_TEST(readme_table_facts)
{
	struct incident_report r;
	const struct incident_event *e;

	parse_fixture("fixtures/incidents/qemu-6.11-global-stress-ng.log", &r);
	ck_assert_uint_eq(r.n, 1);
	e = &r.ev[0];
	ck_assert_int_eq(e->kind, INC_GLOBAL_OOM);
	ck_assert_str_eq(e->constraint, "CONSTRAINT_NONE");
	ck_assert_str_eq(e->kernel_version, "6.11.0-10669-g11a299a7933e-dirty");
	ck_assert_str_eq(e->invoker_comm, "stress-ng-vm");
	ck_assert_str_eq(e->gfp_mask, "0x440dc0");
	ck_assert_str_eq(e->gfp_flags, "GFP_KERNEL_ACCOUNT|__GFP_COMP|__GFP_ZERO");
	ck_assert(e->order == 0 && e->invoker_oom_score_adj == 1000);
	ck_assert(e->victim.pid == 116 && e->victim.total_vm_kb == 10515768);
	ck_assert(e->victim.anon_rss_kb == 7980628 && e->victim.oom_score_adj == 1000);
	ck_assert(e->ram_pages == 2097022 && e->swap_total_kb == 0 && e->swap_free_kb == 0);
	ck_assert_uint_eq(e->ntasks, 4);
	incident_free(&r);

	parse_fixture("fixtures/incidents/rhel7-3.10-sysrq-manual.log", &r);
	ck_assert_uint_eq(r.n, 1);
	e = &r.ev[0];
	ck_assert_int_eq(e->kind, INC_SYSRQ_OOM);
	ck_assert_str_eq(e->constraint, "");
	ck_assert_str_eq(e->kernel_version, "3.10.0-693.el7.x86_64.debug");
	ck_assert_str_eq(e->invoker_comm, "kworker/2:1");
	ck_assert_str_eq(e->gfp_mask, "0xd0");
	ck_assert(e->order == 0 && e->invoker_oom_score_adj == 0);
	ck_assert(e->victim.pid == 1065 && e->victim_score == 0);
	ck_assert_str_eq(e->victim.comm, "tuned");
	ck_assert(e->victim.total_vm_kb == 562324 && e->victim.anon_rss_kb == 10760);
	ck_assert(e->ram_pages == 4180816 && e->swap_total_kb == 8191996 && e->swap_free_kb == 8191996);
	ck_assert_uint_eq(e->ntasks, 55);
	/* the Mem-Info continuation lines carry no stamp */
	ck_assert(e->mem.active_file == 21362 && e->mem.free == 3870360);
	incident_free(&r);

	parse_fixture("fixtures/incidents/rhel7-3.10-docker-memcg-dump-tasks.log", &r);
	ck_assert_uint_eq(r.n, 1);
	e = &r.ev[0];
	ck_assert_int_eq(e->kind, INC_MEMCG_OOM);
	ck_assert(e->invoker_pid == 14726 && !strcmp(e->gfp_mask, "0xd0") && e->order == 0);
	ck_assert(e->victim.pid == 14728 && e->victim_score == 750);
	ck_assert(e->victim.total_vm_kb == 269616 && e->victim.anon_rss_kb == 24064);
	ck_assert(e->memcg_usage_kb == 53824 && e->memcg_limit_kb == 102400 && e->memcg_failcnt == 20427);
	ck_assert(e->memsw_usage_kb == 204800 && e->memsw_limit_kb == 204800);
	ck_assert_uint_eq(e->ntasks, 10);
	ck_assert(!e->have_meminfo && e->ram_pages == INC_NONE);
	incident_free(&r);

	parse_fixture("fixtures/incidents/rhel7-3.10-docker-memcg-no-dump.log", &r);
	ck_assert_uint_eq(r.n, 1);
	e = &r.ev[0];
	ck_assert_int_eq(e->kind, INC_MEMCG_OOM);
	ck_assert(e->invoker_pid == 14806 && e->victim.pid == 14806 && e->victim_score == 634);
	ck_assert(e->victim.anon_rss_kb == 55384 && e->invoker_oom_score_adj == 0);
	ck_assert(e->memcg_usage_kb == 101716 && e->memcg_limit_kb == 102400);
	ck_assert(e->memsw_usage_kb == 204800 && e->memsw_limit_kb == 204800);
	ck_assert_uint_eq(e->ntasks, 0);
	incident_free(&r);
}
END_TEST

/* ---------- our own VM runs ---------- */

struct vm_case {
	const char *file, *version;
	enum incident_kind kind;
	const char *constraint, *memcg, *flags;
	long long limit_kb, pid, anon_kb, ram_pages;
};

static const struct vm_case vm_cases[] = {
	{ "6.1/global-oom", "6.1.0-56-amd64", INC_GLOBAL_OOM, "CONSTRAINT_NONE", "",
	  "GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO", INC_NONE, 79, 179196, 65406 },
	{ "6.1/memcg-oom", "6.1.0-56-amd64", INC_MEMCG_OOM, "CONSTRAINT_MEMCG", "/oomlab",
	  "GFP_KERNEL", 65536, 79, 65148, INC_NONE },
	{ "6.12/global-oom", "6.12.117+deb12-amd64", INC_GLOBAL_OOM, "CONSTRAINT_NONE", "",
	  "GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO", INC_NONE, 125, 192128, 65406 },
	{ "6.12/memcg-oom", "6.12.117+deb12-amd64", INC_MEMCG_OOM, "CONSTRAINT_MEMCG", "/oomlab",
	  "GFP_KERNEL", 65536, 123, 65280, INC_NONE },
};

START_TEST(vm_oom_consoles)
{
	const struct vm_case *c = &vm_cases[_i];
	struct incident_report r;
	const struct incident_event *e;
	char path[128];

	snprintf(path, sizeof(path), "fixtures/vm/%s.console.log", c->file);
	parse_fixture(path, &r);
	ck_assert_msg(r.n == 1, "%s: %zu events", c->file, r.n);
	e = &r.ev[0];
	ck_assert_int_eq(e->kind, c->kind);
	ck_assert_str_eq(e->kernel_version, c->version);
	ck_assert_str_eq(e->constraint, c->constraint);
	ck_assert_str_eq(e->memcg, c->memcg);
	ck_assert_str_eq(e->gfp_flags, c->flags);
	ck_assert_str_eq(e->invoker_comm, "oomwl");
	ck_assert_str_eq(e->task_memcg, "/oomlab");
	ck_assert(e->memcg_limit_kb == c->limit_kb && e->ram_pages == c->ram_pages);
	ck_assert(e->victim.pid == c->pid && e->victim.anon_rss_kb == c->anon_kb);
	ck_assert_str_eq(e->victim.comm, "oomwl");
	ck_assert(e->victim.oom_score_adj == 0 && e->invoker_pid == c->pid);
	ck_assert_uint_eq(e->ntasks, 1);
	ck_assert(e->tasks[0].pid == c->pid);
	/* 6.12 splits rss into rss_anon/rss_file/rss_shmem */
	ck_assert(!strncmp(c->file, "6.12", 4) == !!(e->task_cols & INC_COL_RSS_SPLIT));
	if (c->kind == INC_GLOBAL_OOM)
		ck_assert(e->swap_total_kb == 0 && e->nzones == 2 && e->zones[1].min_kb > 0);
	incident_free(&r);
}
END_TEST

static const char *const vm_quiet[] = {
	"memcg-under-limit", "mode0-disk-swap", "mode0-heuristic-reject", "mode1-no-failure",
	"mode2-commit-reject", "mode2-under-limit", "mode2-zram",
};

START_TEST(vm_consoles_without_oom)
{
	static const char *const kernels[] = { "6.1", "6.12" };
	struct incident_report r;
	char path[128];

	for (size_t k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "fixtures/vm/%s/%s.console.log", kernels[k], vm_quiet[_i]);
		parse_fixture(path, &r);
		ck_assert_msg(r.n == 0, "%s: %zu events", path, r.n);
		ck_assert(r.kernel_version[0] == kernels[k][0]);
		incident_free(&r);
	}
}
END_TEST

/* ---------- explanation ---------- */

#define NLOGS incident_test_nlogs

/* Every printed %pGg agrees with our table for that version, and the
 * recomputed badness picks the task the kernel killed. */
START_TEST(decoding_and_choice_agree_with_the_kernel)
{
	struct incident_report r;
	char path[160];

	snprintf(path, sizeof(path), "fixtures/%s", incident_test_logs[_i]);
	parse_fixture(path, &r);
	for (size_t i = 0; i < r.n; i++) {
		const struct incident_event *e = &r.ev[i];
		unsigned long long mask;
		struct incident_rank rank;

		if (e->gfp_flags[0] && incident_kver(e->kernel_version)) {
			struct buf b = BUF_INIT;

			ck_assert(inc_gfp_value(e->gfp_mask, &mask));
			incident_gfp_decode(mask, incident_kver(e->kernel_version), &b);
			ck_assert_msg(!strcmp(b.s, e->gfp_flags), "%s: %s decodes to %s, printed %s", path,
				      e->gfp_mask, b.s, e->gfp_flags);
			buf_release(&b);
		}
		if (!e->have_victim || !e->ntasks)
			continue;
		incident_rank(e, &rank);
		ck_assert(rank.n > 0);
		ck_assert_msg(e->tasks[rank.best[0].task].pid == e->victim.pid, "%s: top %lld, killed %lld",
			      path, e->tasks[rank.best[0].task].pid, e->victim.pid);
	}
	incident_free(&r);
}
END_TEST

START_TEST(gfp_layouts)
{
	static const struct { unsigned long long mask; const char *ver, *names; } cases[] = {
		{ 0x201da, "2.6.32", "GFP_HIGHUSER_MOVABLE|__GFP_COLD" },
		{ 0xd0, "3.10.0", "GFP_KERNEL" },
		{ 0x24201ca, "4.4.0", "GFP_HIGHUSER_MOVABLE|__GFP_COLD" },
		{ 0x14200ca, "4.12.0", "GFP_HIGHUSER_MOVABLE" },
		{ 0x6280ca, "4.15.0", "GFP_HIGHUSER_MOVABLE|__GFP_ZERO" },
		{ 0x6202c2, "4.20.0", "GFP_HIGHUSER|__GFP_NOWARN" },
		{ 0xcc0, "5.4.0", "GFP_KERNEL" },
		{ 0x1100cca, "5.15.0", "GFP_HIGHUSER_MOVABLE" },
		{ 0x140dca, "6.1.0", "GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO" },
		{ 0x440dc0, "6.11.0", "GFP_KERNEL_ACCOUNT|__GFP_COMP|__GFP_ZERO" },
		{ 0xa20, "6.1.0", "GFP_ATOMIC" },
		{ 0x820, "6.12.0", "GFP_ATOMIC" },
		{ 0xa20, "6.12.0", "GFP_ATOMIC|0x200" },
		{ 0x0, "6.1.0", "none" },
		{ 0x40000000cc0ULL, "6.1.0", "GFP_KERNEL|0x40000000000" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;

		incident_gfp_decode(cases[i].mask, incident_kver(cases[i].ver), &b);
		ck_assert_msg(!strcmp(b.s, cases[i].names), "%#llx on %s: %s, want %s", cases[i].mask,
			      cases[i].ver, b.s, cases[i].names);
		buf_release(&b);
	}
	ck_assert_int_eq(incident_gfp_match(0x1100cca, "GFP_HIGHUSER_MOVABLE"), 51500);
	ck_assert_int_eq(incident_gfp_match(0xcc0, "GFP_KERNEL"), 60300);
	ck_assert_int_eq(incident_gfp_match(0xcc0, "GFP_USER"), 0);
	ck_assert_int_eq(incident_kver("2.6.32-279.19.1.el6.x86_64"), 20632);
	ck_assert_int_eq(incident_kver("6.12.117+deb12-amd64"), 61299);
	ck_assert_int_eq(incident_kver("5.4"), 50400);
	ck_assert_int_eq(incident_kver("v6.1"), 0);
	ck_assert_str_eq(inc_gfp_zone(0x140dca), "Movable");
	ck_assert_str_eq(inc_gfp_zone(0xcc0), "Normal");
	ck_assert_str_eq(inc_gfp_zone(0x5), "invalid");
}
END_TEST

START_TEST(summary_explains)
{
	struct incident_report r;
	struct incident_rank rank;
	char *s;

	parse_fixture("fixtures/incidents/rhel7-3.10-docker-memcg-dump-tasks.log", &r);
	s = summary(&r);
	ck_assert_ptr_nonnull(strstr(s, "memcg OOM in /system.slice/docker-15e3eaa960e4ac016d47ea7247961a70254bbbaaaec3981a9090f68606623b50.scope: limit 100 MiB, usage 52.6 MiB, killed stress (pid 14728, 23.5 MiB anon)"));
	ck_assert_ptr_nonnull(strstr(s, "the memory+swap limit was hit"));
	ck_assert_ptr_nonnull(strstr(s, "The kernel printed score 750; recomputed 750"));
	incident_rank(&r.ev[0], &rank);
	ck_assert(rank.totalpages == 51200 && rank.best[0].points == 38439);
	ck_assert(r.ev[0].tasks[rank.best[1].task].pid == 14727 && rank.best[1].points == 7105);
	free(s);
	incident_free(&r);

	parse_fixture("fixtures/incidents/aws-6.8-dmesg-T-global-oom.log", &r);
	s = summary(&r);
	ck_assert_ptr_nonnull(strstr(s, "global OOM (CONSTRAINT_NONE): RAM 31.5 GiB, swap none; killed redis-server (pid 60540, 13.6 GiB anon)"));
	ck_assert_ptr_nonnull(strstr(s, "DMA32: free 117.7 MiB, min 6.2 MiB + lowmem_reserve 111.5 MiB: fails"));
	ck_assert_ptr_nonnull(strstr(s, "every zone it could use failed its watermark check"));
	free(s);
	incident_free(&r);

	parse_fixture("fixtures/incidents/centos6-2.6.32-global-oom-slab-leak.log", &r);
	s = summary(&r);
	ck_assert_ptr_nonnull(strstr(s, "GFP mask 0x201da = GFP_HIGHUSER_MOVABLE|__GFP_COLD (bit values of kernels 2.6.32 - 4.3)"));
	ck_assert_ptr_nonnull(strstr(s, "Unreclaimable slab is more than 30% of RAM"));
	ck_assert_ptr_nonnull(strstr(s, "about 6.2 GiB more than its rss"));
	free(s);
	incident_free(&r);

	parse_fixture("fixtures/incidents/qemu-6.11-global-stress-ng.log", &r);
	incident_rank(&r.ev[0], &rank);
	ck_assert(rank.totalpages == 2029656 && rank.best[0].points == 4028217 && rank.n == 2);
	ck_assert(r.ev[0].tasks[rank.best[1].task].pid == 111);
	incident_free(&r);
}
END_TEST

/* ---------- formats the real logs do not have ---------- */

START_TEST(synthetic_kinds)
{
	struct incident_report r;
	char *s;

	parse_str("[ 5.1] hog: page allocation failure: order:5, mode:0x40cc0(GFP_KERNEL|__GFP_COMP), nodemask=(null)\n"
		  "[ 5.2] CPU: 0 PID: 9 Comm: hog Not tainted 6.1.0-1-amd64 #1\n"
		  "[ 5.3] Mem-Info:\n[ 5.4] active_anon:5 inactive_anon:0 free:100\n"
		  "[ 5.5] Node 0 Normal free:400kB boost:0kB min:100kB low:125kB high:150kB managed:9000kB\n"
		  "[ 5.6] Node 0 Normal: 100*4kB (U) 0*8kB 0*16kB 0*32kB 0*64kB 0*128kB = 400kB\n"
		  "swapper: page allocation failure. order:1, mode:0x20\n", &r);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_int_eq(r.ev[0].kind, INC_PAGE_ALLOC_FAILURE);
	ck_assert(r.ev[0].order == 5 && r.ev[0].mem.free == 100 && r.ev[0].zones[0].nr_free[0] == 100);
	ck_assert_int_eq(r.ev[1].kind, INC_PAGE_ALLOC_FAILURE);
	ck_assert(r.ev[1].order == 1 && !strcmp(r.ev[1].gfp_mask, "0x20"));
	s = summary(&r);
	ck_assert_ptr_nonnull(strstr(s, "Order 5 > PAGE_ALLOC_COSTLY_ORDER (3)"));
	ck_assert_ptr_nonnull(strstr(s, "(none of order 5)"));
	free(s);
	incident_free(&r);

	/* no victim: the warning, then the panic of a global OOM: one event */
	parse_str("a invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
		  "Out of memory and no killable processes...\n"
		  "Kernel panic - not syncing: System is deadlocked on memory\n", &r);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_int_eq(r.ev[0].kind, INC_NO_KILLABLE);
	incident_free(&r);

	parse_str("b invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\r\n"
		  "Out of memory (oom_kill_allocating_task): Killed process 7 (b) total-vm:8kB, anon-rss:4kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0\r\n"
		  "c invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
		  "oom_reaper: reaped process 7 (b), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB\n"
		  "Out of memory: Killed process 8 (c) total-vm:8kB, anon-rss:4kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0\n"
		  "oom_reaper: unable to reap pid:8 (c)\n"
		  "Out of memory: Killed process 9 (d) total-vm:8kB, anon-rss:4kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:5\n",
		  &r);
	ck_assert_uint_eq(r.n, 3);
	ck_assert_int_eq(r.ev[0].kind, INC_ALLOCATING_TASK_OOM);
	ck_assert_int_eq(r.ev[0].reaped, 1);
	ck_assert_int_eq(r.ev[1].kind, INC_GLOBAL_OOM);
	ck_assert_int_eq(r.ev[1].reaped, 0);
	/* a kill line alone is a report whose header was lost */
	ck_assert(r.ev[2].kind == INC_GLOBAL_OOM && r.ev[2].victim.oom_score_adj == 5);
	ck_assert(r.ev[2].reaped == -1 && !r.ev[2].invoker_comm[0]);
	incident_free(&r);

	/* journalctl -o short-precise, RFC 3339 and printk caller prefixes */
	parse_str("Jan  2 03:04:05.123456 h kernel: x invoked oom-killer: gfp_mask=0x0(), order=-1, oom_score_adj=0\n"
		  "2024-01-01T00:00:00.1+00:00 h kernel: sysrq: Manual OOM execution\n"
		  "[   1.000000][  T123] y invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
		  "Jan  2 03:04:06 h myd[1]: z invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n",
		  &r);
	ck_assert_uint_eq(r.n, 2);
	ck_assert(r.ev[0].kind == INC_SYSRQ_OOM && r.ev[0].order == -1);
	ck_assert_str_eq(r.ev[1].invoker_comm, "y");
	incident_free(&r);
}
END_TEST

/* ---------- the command ---------- */

START_TEST(cli_errors)
{
	char *none[] = { "parse", NULL };
	char *html[] = { "parse", "fixtures/incidents/README.md", "--html", "--json", NULL };
	char *two[] = { "parse", "a", "b", NULL };
	char *missing[] = { "parse", "fixtures/incidents/no-such.log", NULL };
	char *bad[] = { "parse", "--jsn", "x", NULL };

	ck_assert_int_eq(incident_cli(1, none), 2);
	ck_assert_int_eq(incident_cli(4, html), 2);
	ck_assert_int_eq(incident_cli(3, two), 2);
	ck_assert_int_eq(incident_cli(2, missing), 2);
	ck_assert_int_eq(incident_cli(3, bad), 2);
}
END_TEST

/* test_incident_hostile.c, test_incident_vm.c, test_incident_html.c */
TCase *incident_hostile_tcase(void);
TCase *incident_vm_tcase(void);
TCase *incident_html_tcase(void);

Suite *suite_incident(void)
{
	Suite *s = suite_create("incident");
	TCase *real = tcase_create("real");

	tcase_set_timeout(real, 60);
	tcase_add_loop_test(real, expected_json_facts, 0, sizeof(expected_logs) / sizeof(expected_logs[0]));
	tcase_add_test(real, readme_table_facts);
	tcase_add_loop_test(real, vm_oom_consoles, 0, sizeof(vm_cases) / sizeof(vm_cases[0]));
	tcase_add_loop_test(real, vm_consoles_without_oom, 0, sizeof(vm_quiet) / sizeof(vm_quiet[0]));
	tcase_add_loop_test(real, decoding_and_choice_agree_with_the_kernel, 0, NLOGS);
	tcase_add_test(real, gfp_layouts);
	tcase_add_test(real, summary_explains);
	tcase_add_test(real, synthetic_kinds);
	tcase_add_test(real, cli_errors);
	suite_add_tcase(s, real);
	suite_add_tcase(s, incident_hostile_tcase());
	suite_add_tcase(s, incident_vm_tcase());
	suite_add_tcase(s, incident_html_tcase());
	return s;
}
