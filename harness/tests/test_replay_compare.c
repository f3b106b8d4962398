/* test_replay_compare.c - `oomlab replay`: the comparison of a report's
 * event with a guest's OOM, and the command (without booting).  The guest
 * consoles are excerpts of the real replays of the four shared reports
 * (Debian 6.1 under TCG). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "replay.h"
#include "suites.h"

static const struct replay_budget b512 = { 512ULL << 20 };

static void parse_text(const char *text, struct incident_report *r)
{
	incident_parse(text, strlen(text), r);
}

static void derive_fixture(const char *name, struct incident_report *r, struct replay_scenario *s)
{
	struct buf err = BUF_INIT;
	char path[256];
	char *text;

	snprintf(path, sizeof(path), "fixtures/incidents/%s.log", name);
	text = fixture(path, NULL);
	parse_text(text, r);
	ck_assert_msg(replay_derive(r, -1, "t", &b512, s, &err) == 0, "derive: %s", err.s);
	free(text);
	buf_release(&err);
}

/* ---- comparison: excerpts of the real replays' consoles ---- */

#define L(x) "[    4.300000] " x "\n"

static const char guest_global[] =
	L("stress-ng-vm invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=1000")
	L("Total swap = 0kB") L("130942 pages RAM") L("Tasks state (memory values in pages):")
	L("[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name")
	L("[     79]     0    79      301        1    40960        0         -1000 oomwl")
	L("[     80]     0    80   108845   108515   909312        0          1000 stress-ng-vm")
	L("[     81]     0    81      301       14    40960        0         -1000 stress-ng")
	L("[     82]     0    82      301       14    40960        0             0 sh")
	L("[     83]     0    83      301       14    40960        0         -1000 stress-ng-vm")
	L("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=oomlab,mems_allowed=0,global_oom,task_memcg=/oomlab,task=stress-ng-vm,pid=80,uid=0")
	L("Out of memory: Killed process 80 (stress-ng-vm) total-vm:435380kB, anon-rss:433476kB, file-rss:0kB, shmem-rss:584kB, UID:0 pgtables:888kB oom_score_adj:1000");

static const char guest_sysrq[] =
	L("sysrq: Manual OOM execution")
	L("kworker/0:1 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=-1, oom_score_adj=0")
	L("Total swap = 257020kB") L("130942 pages RAM") L("Tasks state (memory values in pages):")
	L("[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name")
	L("[     79]     0    79      301        1    28672        0         -1000 oomwl")
	L("[     80]     0    80    22819    22650   217088        0          -500 dockerd-current")
	L("[     81]     0    81    14563    14386   151552        0         -1000 dmeventd")
	L("[     82]     0    82    11290    11086   122880        0             0 tuned")
	L("[     83]     0    83    10834    10624   122880        0             0 dhclient")
	L("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/oomlab,task=tuned,pid=82,uid=0")
	L("Out of memory: Killed process 82 (tuned) total-vm:45160kB, anon-rss:43824kB, file-rss:0kB, shmem-rss:520kB, UID:0 pgtables:120kB oom_score_adj:0");

#define MEMCG_HEAD \
	L("stress invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0") \
	L("memory: usage 102400kB, limit 102400kB, failcnt 26481") \
	L("swap: usage 102400kB, limit 102400kB, failcnt 11") \
	L("Tasks state (memory values in pages):") \
	L("[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name") \
	L("[     79]     0    79      301        0    36864       11         -1000 oomwl") \
	L("[     80]     0    80    51501    25513   446464    25575             0 stress")
#define MEMCG_SLEEPERS \
	L("[     81]     0    81      301        5    36864       11             0 stress") \
	L("[     82]     0    82      301        5    36864       11             0 stress") \
	L("[     83]     0    83      301        5    36864       11             0 stress")
#define MEMCG_KILL(pid) \
	L("oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=oomlab,mems_allowed=0,oom_memcg=/oomlab,task_memcg=/oomlab,task=stress,pid=" #pid ",uid=0") \
	L("Memory cgroup out of memory: Killed process " #pid " (stress) total-vm:206004kB, anon-rss:101468kB, file-rss:0kB, shmem-rss:584kB, UID:0 pgtables:436kB oom_score_adj:0")

static const char guest_memcg[] = MEMCG_HEAD MEMCG_SLEEPERS MEMCG_KILL(80);
static const char guest_memcg_one[] = MEMCG_HEAD MEMCG_KILL(80);
/* the same, had the kernel killed a sleeper: same name, other rank */
static const char guest_memcg_sleeper[] = MEMCG_HEAD MEMCG_SLEEPERS MEMCG_KILL(82);

static void compare_with(const char *report, const char *guest, struct replay_result *res)
{
	struct incident_report r, g;
	struct replay_scenario s;

	derive_fixture(report, &r, &s);
	parse_text(guest, &g);
	replay_compare(&r.ev[s.event], &s, &g, res);
	incident_free(&g);
	replay_scenario_free(&s);
	incident_free(&r);
}

START_TEST(compare_four_matched)
{
	static const struct { const char *report, *guest; } cases[] = {
		{ "qemu-6.11-global-stress-ng", guest_global },
		{ "rhel7-3.10-sysrq-manual", guest_sysrq },
		{ "rhel7-3.10-docker-memcg-dump-tasks", guest_memcg },
		{ "rhel7-3.10-docker-memcg-no-dump", guest_memcg_one },
	};
	struct replay_result res;
	struct buf out = BUF_INIT;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		compare_with(cases[i].report, cases[i].guest, &res);
		buf_reset(&out);
		replay_result_print(&res, &out);
		ck_assert_msg(replay_matched(&res), "%s:\n%s", cases[i].report, out.s);
		for (int a = 0; a < REPLAY_ASPECTS; a++)
			ck_assert_msg(res.c[a].compared, "%s: aspect %d not compared", cases[i].report, a);
		ck_assert_ptr_nonnull(strstr(out.s, "all 4 compared aspects matched"));
	}
	/* the 3.10 sysrq report printed order 0; the guest order -1: both manual */
	compare_with("rhel7-3.10-sysrq-manual", guest_sysrq, &res);
	ck_assert_str_eq(res.c[REPLAY_ORDER].report, "manual (-1) (order=0)");
	ck_assert_str_eq(res.c[REPLAY_ORDER].replay, "manual (-1) (order=-1)");
	ck_assert_str_eq(res.c[REPLAY_CONSTRAINT].report, "CONSTRAINT_NONE (implied)");
	ck_assert_ptr_nonnull(strstr(res.c[REPLAY_VICTIM].report, "rank 3 of 55"));
	buf_release(&out);
}
END_TEST

START_TEST(compare_differences)
{
	struct replay_result res;
	char *vm_memcg = fixture("fixtures/vm/6.1/memcg-oom.console.log", NULL);
	char *sysrq_other = strdup(guest_sysrq);
	char *p;

	/* a sleeper of the same name killed: the name matches, the rank not */
	compare_with("rhel7-3.10-docker-memcg-dump-tasks", guest_memcg_sleeper, &res);
	ck_assert(!replay_matched(&res));
	ck_assert(res.c[REPLAY_KIND].matched && res.c[REPLAY_ORDER].matched);
	ck_assert(!res.c[REPLAY_VICTIM].matched);
	ck_assert_ptr_nonnull(strstr(res.c[REPLAY_VICTIM].why, "rank 3, not the one of rank 1"));
	/* dhclient instead of tuned */
	while ((p = strstr(sysrq_other, "pid=82")))
		memcpy(p, "pid=83", 6);
	p = strstr(sysrq_other, "Killed process 82 (tuned)");
	memcpy(p, "Killed process 83 (dhcli)", 25);
	compare_with("rhel7-3.10-sysrq-manual", sysrq_other, &res);
	ck_assert(!res.c[REPLAY_VICTIM].matched);
	ck_assert_ptr_nonnull(strstr(res.c[REPLAY_VICTIM].why, "the guest killed dhcli, not tuned"));
	/* a memcg OOM of another guest for the global report */
	compare_with("qemu-6.11-global-stress-ng", vm_memcg, &res);
	ck_assert(!res.c[REPLAY_KIND].matched);
	ck_assert(!res.c[REPLAY_CONSTRAINT].matched);
	ck_assert(res.c[REPLAY_ORDER].matched);
	ck_assert(!res.c[REPLAY_VICTIM].matched);
	ck_assert_ptr_nonnull(strstr(res.c[REPLAY_VICTIM].why, "outside the process set"));
	/* no OOM at all */
	compare_with("rhel7-3.10-docker-memcg-no-dump", "[    1.0] hello\n", &res);
	ck_assert(!res.have_event);
	ck_assert(!replay_matched(&res));
	ck_assert_str_eq(res.c[REPLAY_KIND].why, "the guest's console has no OOM report");
	free(vm_memcg);
	free(sysrq_other);
}
END_TEST

/* A report of order 2: the replay's page faults are order 0. */
static const char order2_report[] =
	L("a invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=2, oom_score_adj=0")
	L("262144 pages RAM") L("Total swap = 0kB") L("Tasks state (memory values in pages):")
	L("[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name")
	L("[    100]     0   100   524288   262144    40960        0             0 big")
	L("[    101]     0   101     2000     1000    40960        0             0 small")
	L("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=big,pid=100,uid=0")
	L("Out of memory: Killed process 100 (big) total-vm:1000kB, anon-rss:900kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:40kB oom_score_adj:0");

START_TEST(compare_order_not_reproduced)
{
	struct incident_report r, g;
	struct replay_scenario s;
	struct replay_result res;
	struct buf err = BUF_INIT;
	char *guest = strdup(order2_report);

	parse_text(order2_report, &r);
	ck_assert_int_eq(replay_derive(&r, -1, "o", &b512, &s, &err), 0);
	ck_assert(!s.order_reproduced);
	memcpy(strstr(guest, "order=2"), "order=0", 7);
	parse_text(guest, &g);
	replay_compare(&r.ev[0], &s, &g, &res);
	ck_assert(res.c[REPLAY_KIND].matched && res.c[REPLAY_VICTIM].matched);
	ck_assert(!res.c[REPLAY_ORDER].matched);
	ck_assert_ptr_nonnull(strstr(res.c[REPLAY_ORDER].why, "no stressor"));
	free(guest);
	buf_release(&err);
	incident_free(&g);
	replay_scenario_free(&s);
	incident_free(&r);
}
END_TEST

/* ---- the command, without booting ---- */

START_TEST(command)
{
	char dir[] = "/tmp/oomlab-replay-cmd-XXXXXX", path[128];
	char *ok[] = { "replay", "fixtures/incidents/qemu-6.11-global-stress-ng.log", "--dry-run",
		       "--out", dir, NULL };
	char *none[] = { "replay", "fixtures/incidents/syzkaller-5.12-rcu-stall-negative.log",
			 "--dry-run", "--out", dir, NULL };
	char *ev[] = { "replay", "fixtures/incidents/qemu-6.11-global-stress-ng.log", "--event", "2",
		       "--dry-run", "--out", dir, NULL };
	char *missing[] = { "replay", "fixtures/incidents/no-such.log", NULL };
	char *bad[] = { "replay", "--event", "0", "x.log", NULL };
	struct oom_config cfg;
	struct buf err = BUF_INIT;
	struct stat st;
	int status, loads;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(cmd_replay(1, ok), 2);
	ck_assert_int_eq(cmd_replay(2, missing), 2);
	ck_assert_int_eq(cmd_replay(4, bad), 2);
	ck_assert_int_eq(cmd_replay(5, none), 2);
	ck_assert_int_eq(cmd_replay(7, ev), 2);
	status = cmd_replay(5, ok);
	snprintf(path, sizeof(path), "%s/config/replay-qemu-6.11-global-stress-ng.ini", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/config/scenarios/replay.ini", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	/* --dry-run succeeds exactly when the saved config loads */
	snprintf(path, sizeof(path), "%s/config", dir);
	loads = config_load(path, &cfg, &err) == 0;
	config_free(&cfg);
	ck_assert_int_eq(status, loads ? 0 : 2);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(path), 0);
	buf_release(&err);
}
END_TEST

TCase *replay_compare_tcase(void)
{
	TCase *t = tcase_create("compare");

	tcase_add_test(t, compare_four_matched);
	tcase_add_test(t, compare_differences);
	tcase_add_test(t, compare_order_not_reproduced);
	tcase_add_test(t, command);
	return t;
}
