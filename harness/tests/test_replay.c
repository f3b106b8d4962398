/* test_replay.c - `oomlab replay`: the derivation (scaling, process set,
 * trigger, the files) on the four shared reports (fixtures/incidents/) and
 * on small logs written here, without booting.  The comparison and the
 * command: test_replay_compare.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "replay.h"
#include "suites.h"

static const struct replay_budget b512 = { 512ULL << 20 };

#define MiB(x) ((unsigned long long)(x) << 20)

static void parse_text(const char *text, struct incident_report *r)
{
	incident_parse(text, strlen(text), r);
}

/* Derive from a fixture report or a text; the derivation must succeed. */
static void derive_text(const char *text, const struct replay_budget *b, struct incident_report *r,
			struct replay_scenario *s)
{
	struct buf err = BUF_INIT;

	parse_text(text, r);
	ck_assert_msg(replay_derive(r, -1, "t", b, s, &err) == 0, "derive: %s", err.s);
	buf_release(&err);
}

static void derive_fixture(const char *name, struct incident_report *r, struct replay_scenario *s)
{
	char path[256];
	char *text;

	snprintf(path, sizeof(path), "fixtures/incidents/%s.log", name);
	text = fixture(path, NULL);
	derive_text(text, &b512, r, s);
	free(text);
}

static void done(struct incident_report *r, struct replay_scenario *s)
{
	replay_scenario_free(s);
	incident_free(r);
}

/* ---- small 6.x reports ---- */

struct syn_task {
	int pid;
	long long rss, swapents;
	int adj;
	const char *name;
};

struct syn {
	const char *kind;          /* "global", "memcg", "alloc", "panic" */
	int order;
	long long ram_pages, swap_kb;        /* < 0: no such line */
	long long limit_kb, swap_limit_kb;   /* memcg v2; < 0: no such line */
	const struct syn_task *t;
	size_t n;
	int victim;                /* pid of the kill line, 0: none */
};

static char *syn_log(const struct syn *y)
{
	struct buf b = BUF_INIT;
	const char *name = "a";

	for (size_t i = 0; i < y->n; i++)
		if (y->t[i].pid == y->victim)
			name = y->t[i].name;
	buf_addf(&b, "[    1.000000] a invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=%d, "
		 "oom_score_adj=0\n", y->order);
	if (y->limit_kb >= 0)
		buf_addf(&b, "[    1.000001] memory: usage %lldkB, limit %lldkB, failcnt 9\n", y->limit_kb,
			 y->limit_kb);
	if (y->swap_limit_kb >= 0)
		buf_addf(&b, "[    1.000001] swap: usage %lldkB, limit %lldkB, failcnt 1\n",
			 y->swap_limit_kb, y->swap_limit_kb);
	if (y->swap_kb >= 0)
		buf_addf(&b, "[    1.000002] Free swap  = 0kB\n[    1.000002] Total swap = %lldkB\n",
			 y->swap_kb);
	if (y->ram_pages >= 0)
		buf_addf(&b, "[    1.000003] %lld pages RAM\n", y->ram_pages);
	buf_addstr(&b, "[    1.000004] Tasks state (memory values in pages):\n[    1.000004] [  pid  ]"
		   "   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name\n");
	for (size_t i = 0; i < y->n; i++)
		buf_addf(&b, "[    1.000005] [%7d]     0 %5d %8lld %8lld    40960 %8lld %13d %s\n",
			 y->t[i].pid, y->t[i].pid, y->t[i].rss * 2, y->t[i].rss, y->t[i].swapents,
			 y->t[i].adj, y->t[i].name);
	if (!strcmp(y->kind, "panic")) {
		buf_addstr(&b, "[    1.000006] Kernel panic - not syncing: Out of memory: system-wide "
			   "panic_on_oom is enabled\n");
		return buf_detach(&b);
	}
	buf_addf(&b, "[    1.000006] oom-kill:constraint=%s,nodemask=(null),cpuset=/,mems_allowed=0,"
		 "task=%s,pid=%d,uid=0\n", y->limit_kb >= 0 ? "CONSTRAINT_MEMCG" : "CONSTRAINT_NONE",
		 name, y->victim);
	buf_addf(&b, "[    1.000007] %s: Killed process %d (%s) total-vm:1000kB, anon-rss:900kB, "
		 "file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:40kB oom_score_adj:0\n",
		 !strcmp(y->kind, "alloc") ? "Out of memory (oom_kill_allocating_task)" :
		 y->limit_kb >= 0 ? "Memory cgroup out of memory" : "Out of memory", y->victim, name);
	return buf_detach(&b);
}

static void derive_syn(const struct syn *y, const struct replay_budget *b, struct incident_report *r,
		       struct replay_scenario *s)
{
	char *text = syn_log(y);

	derive_text(text, b, r, s);
	free(text);
}

static const struct syn_task two[] = {
	{ 100, 262144, 0, 0, "big" }, { 101, 1000, 0, 0, "small" },
};

/* ---- the four shared reports ---- */

START_TEST(derive_global_stress_ng)
{
	struct incident_report r;
	struct replay_scenario s;

	derive_fixture("qemu-6.11-global-stress-ng", &r, &s);
	ck_assert_int_eq(s.kind, INC_GLOBAL_OOM);
	ck_assert_str_eq(s.constraint, "CONSTRAINT_NONE");
	ck_assert_int_eq(s.order, REPLAY_ORDER_0);
	ck_assert_int_eq(s.trigger, REPLAY_FAULT);
	ck_assert(!s.memcg);
	/* 8 GiB RAM, no swap: into the guest's 512M, no swap */
	ck_assert_uint_eq(s.ram, MiB(512));
	ck_assert_uint_eq(s.swap, 0);
	/* stress-ng-vm's total-vm 10 GiB > RAM + swap 8 GiB: overcommitted */
	ck_assert_int_eq(s.overcommit_memory, 0);
	ck_assert_uint_eq(s.n, 4);
	ck_assert_int_eq(s.victim, 0);
	ck_assert_str_eq(s.m[0].name, "stress-ng-vm");
	ck_assert_int_eq(s.m[0].adj, 1000);
	ck_assert_int_eq(s.m[0].rank, 1);
	ck_assert(s.m[0].hog);
	ck_assert_uint_eq(s.nhogs, 1);
	ck_assert_str_eq(s.m[1].name, "stress-ng");
	ck_assert_int_eq(s.m[1].adj, -1000);
	ck_assert_str_eq(s.run, "hog size=ram+16M procs=1 sleepers=3 adj=1000,-1000,0,-1000 "
			 "names=stress-ng-vm,stress-ng,sh,stress-ng-vm");
	ck_assert_int_eq(s.expect, PATH_GLOBAL_OOM_KILL);
	ck_assert_str_eq(s.name, "replay-t");
	done(&r, &s);
}
END_TEST

START_TEST(derive_sysrq)
{
	struct incident_report r;
	struct replay_scenario s;
	double unit_kb, tg;

	derive_fixture("rhel7-3.10-sysrq-manual", &r, &s);
	ck_assert_int_eq(s.trigger, REPLAY_SYSRQ);
	ck_assert_int_eq(s.order, REPLAY_ORDER_MANUAL);
	ck_assert_int_eq(s.report_order, 0);
	ck_assert_str_eq(s.constraint, "CONSTRAINT_NONE");
	/* 15.9 GiB RAM and 7.8 GiB swap: 512M and swap in proportion (251M) */
	ck_assert_uint_eq(s.ram, MiB(512));
	ck_assert_uint_eq(s.swap, MiB(251));
	ck_assert_int_eq(s.overcommit_memory, -1);
	ck_assert_uint_eq(s.ntasks, 55);
	ck_assert_uint_eq(s.n, 4);
	ck_assert_str_eq(s.m[0].name, "dockerd-current");
	ck_assert_str_eq(s.m[2].name, "tuned");
	ck_assert_int_eq(s.victim, 2);
	ck_assert_int_eq(s.m[2].rank, 3);
	/* In the guest tuned must still win: over dhclient (same adj) by
	 * size, and dockerd-current's -500 must outweigh its larger size. */
	unit_kb = (double)(s.ram >> 10) * 13 / 16 / REPLAY_UNITS;
	tg = (double)(s.ram >> 10) * 13 / 16 + (double)(s.swap >> 10);
	ck_assert_int_gt(s.m[2].units, s.m[3].units);
	ck_assert((double)(s.m[0].units - s.m[2].units) * unit_kb < 0.5 * tg);
	ck_assert_int_le(s.m[0].units + s.m[1].units + s.m[2].units + s.m[3].units, REPLAY_UNITS / 2 + 2);
	ck_assert_msg(!strncmp(s.run, "sysrq unit=ram/4096 sizes=", 26), "%s", s.run);
	ck_assert_ptr_nonnull(strstr(s.run, " adj=-500,-1000,0,0 names=dockerd-current,dmeventd,tuned,dhclient"));
	ck_assert_int_eq(s.expect, PATH_GLOBAL_OOM_KILL);
	done(&r, &s);
}
END_TEST

START_TEST(derive_memcg_dump_tasks)
{
	struct incident_report r;
	struct replay_scenario s;

	derive_fixture("rhel7-3.10-docker-memcg-dump-tasks", &r, &s);
	ck_assert(s.memcg);
	ck_assert_str_eq(s.constraint, "CONSTRAINT_MEMCG");
	/* limit 100 MiB kept; memory+swap 200 MiB: a swap allowance of 100 MiB */
	ck_assert_uint_eq(s.memcg_max, MiB(100));
	ck_assert(s.memcg_swap_set);
	ck_assert_uint_eq(s.memcg_swap_max, MiB(100));
	ck_assert_uint_eq(s.swap, MiB(164));
	ck_assert_int_eq(s.victim, 0);
	ck_assert_int_eq(s.m[0].rank, 1);
	ck_assert_int_eq(s.m[0].footprint_kb, (6605 + 31751) * 4);
	ck_assert_uint_eq(s.nhogs, 1);
	ck_assert_str_eq(s.run, "hog size=memcg_max+100M+16M procs=1 sleepers=3 adj=0,0,0,0 "
			 "names=stress,stress,stress,stress");
	ck_assert_int_eq(s.expect, PATH_MEMCG_OOM_KILL);
	done(&r, &s);
}
END_TEST

START_TEST(derive_memcg_no_dump)
{
	struct incident_report r;
	struct replay_scenario s;

	derive_fixture("rhel7-3.10-docker-memcg-no-dump", &r, &s);
	ck_assert(s.memcg);
	ck_assert_uint_eq(s.ntasks, 0);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_int_eq(s.victim, 0);
	ck_assert_int_eq(s.m[0].rank, 0);
	ck_assert_int_eq(s.m[0].adj, 0);       /* the invoker's: it is the victim */
	ck_assert_str_eq(s.run, "hog size=memcg_max+100M+16M procs=1 adj=0 names=stress");
	ck_assert_ptr_nonnull(strstr(s.notes.s, "no task table"));
	done(&r, &s);
}
END_TEST

/* ---- scaling ---- */

START_TEST(scale_global)
{
	struct incident_report r;
	struct replay_scenario s;
	struct syn y = { "global", 0, 4194304, 4194304, -1, -1, two, 2, 100 };
	const struct replay_budget b256 = { MiB(256) };

	/* 16 GiB + 4 GiB swap: 512M + 128M */
	derive_syn(&y, &b512, &r, &s);
	ck_assert_uint_eq(s.ram, MiB(512));
	ck_assert_uint_eq(s.swap, MiB(128));
	done(&r, &s);
	/* the host allows 256M: 256M + 64M */
	derive_syn(&y, &b256, &r, &s);
	ck_assert_uint_eq(s.ram, MiB(256));
	ck_assert_uint_eq(s.swap, MiB(64));
	done(&r, &s);
	/* 300M RAM fits as it is, 600M swap with it */
	y.ram_pages = 76800;
	y.swap_kb = 614400;
	derive_syn(&y, &b512, &r, &s);
	ck_assert_uint_eq(s.ram, MiB(300));
	ck_assert_uint_eq(s.swap, MiB(600));
	done(&r, &s);
	/* 128M RAM: at least 256M, swap doubled too (and capped at twice the RAM) */
	y.ram_pages = 32768;
	y.swap_kb = 1048576;
	derive_syn(&y, &b512, &r, &s);
	ck_assert_uint_eq(s.ram, MiB(256));
	ck_assert_uint_eq(s.swap, MiB(512));
	ck_assert_ptr_nonnull(strstr(s.notes.s, "capped"));
	ck_assert_str_eq(s.run, "hog size=ram+swap+16M procs=1 sleepers=1 adj=0,0 names=big,small");
	done(&r, &s);
}
END_TEST

START_TEST(scale_memcg)
{
	struct incident_report r;
	struct replay_scenario s;
	struct syn y = { "memcg", 0, -1, -1, 4194304, 1048576, two, 2, 100 };

	/* a 4 GiB limit with 1 GiB of swap: 3/8 of 512M = 192M, swap 48M */
	derive_syn(&y, &b512, &r, &s);
	ck_assert(s.memcg);
	ck_assert_uint_eq(s.memcg_max, MiB(192));
	ck_assert_uint_eq(s.memcg_swap_max, MiB(48));
	ck_assert_uint_eq(s.swap, MiB(48 + 64));
	ck_assert_ptr_nonnull(strstr(s.run, "size=memcg_max+48M+16M"));
	done(&r, &s);
	/* swap "max" (v2 prints PAGE_COUNTER_MAX): unlimited, the guest's swap */
	y.limit_kb = 65536;
	y.swap_limit_kb = 9007199254740988LL;
	derive_syn(&y, &b512, &r, &s);
	ck_assert_uint_eq(s.memcg_max, MiB(64));
	ck_assert_uint_eq(s.memcg_swap_max, REPLAY_LIMIT_MAX);
	ck_assert_uint_eq(s.swap, MiB(64));
	ck_assert_ptr_nonnull(strstr(s.run, "size=memcg_max+swap+16M"));
	done(&r, &s);
	/* no swap line: memory.swap.max is not set, no swap */
	y.swap_limit_kb = -1;
	derive_syn(&y, &b512, &r, &s);
	ck_assert(!s.memcg_swap_set);
	ck_assert_uint_eq(s.swap, 0);
	ck_assert_ptr_nonnull(strstr(s.run, "size=memcg_max+16M"));
	done(&r, &s);
}
END_TEST

/* ---- the process set ---- */

static void assert_short_lines(const char *s)
{
	for (const char *nl; *s; s = nl + 1) {
		nl = strchr(s, '\n');
		ck_assert_ptr_nonnull(nl);
		ck_assert_msg(nl - s < 199, "INI line too long: %.*s", (int)(nl - s), s);
	}
}


START_TEST(set_victim_outside_top)
{
	static const struct syn_task six[] = {
		{ 10, 9000, 0, 0, "a" }, { 11, 8000, 0, 0, "b" }, { 12, 7000, 0, 0, "c" },
		{ 13, 6000, 0, 0, "d" }, { 14, 5000, 0, 0, "e" }, { 15, 100, 0, 1000, "f,g h" },
	};
	struct syn y = { "global", 0, 262144, 0, -1, -1, six, 6, 15 };
	struct incident_report r;
	struct replay_scenario s;

	derive_syn(&y, &b512, &r, &s);
	ck_assert_uint_eq(s.n, 4);
	ck_assert_str_eq(s.m[0].name, "a");
	ck_assert_str_eq(s.m[2].name, "c");
	/* the killed task (rank 6, adj 1000) takes the last place, cleaned */
	ck_assert_int_eq(s.victim, 3);
	ck_assert_int_eq(s.m[3].rank, 6);
	ck_assert_str_eq(s.m[3].name, "f_g_h");
	ck_assert_ptr_nonnull(strstr(s.notes.s, "is passed as 'f_g_h'"));
	/* a, b and c have a third of the memory each in the report's top
	 * four, as three equal hogs; the victim's adj 1000 wins anyway */
	ck_assert_uint_eq(s.nhogs, 3);
	ck_assert(s.m[0].hog && s.m[1].hog && s.m[2].hog && !s.m[3].hog);
	ck_assert_str_eq(s.run, "hog size=ram/3+16M procs=3 sleepers=1 adj=0,0,0,1000 names=a,b,c,f_g_h");
	done(&r, &s);
}
END_TEST

START_TEST(set_hogs)
{
	static const struct syn_task near[] = {
		{ 20, 100000, 0, 0, "x" }, { 21, 95000, 0, 0, "y" }, { 22, 90000, 0, -1000, "z" },
	};
	static const struct syn_task adj[] = {
		{ 30, 100000, 0, 0, "x" }, { 31, 95000, 0, 300, "y" },
	};
	struct syn y = { "global", 0, 1048576, 0, -1, -1, near, 3, 20 };
	struct incident_report r;
	struct replay_scenario s;

	/* x and y of one adj: as equal hogs they would tie, so y sleeps; z
	 * (-1000) can hog without being a candidate */
	derive_syn(&y, &b512, &r, &s);
	ck_assert(s.m[0].hog && !s.m[1].hog && s.m[2].hog);
	ck_assert_str_eq(s.run, "hog size=ram/2+16M procs=2 sleepers=1 adj=0,-1000,0 names=x,z,y");
	ck_assert_int_eq(s.fam[0], 0);
	ck_assert_int_eq(s.fam[1], 2);
	ck_assert_int_eq(s.fam[2], 1);
	done(&r, &s);
	/* the victim y is smaller but has adj 300: both hog, y's adj decides */
	y.t = adj;
	y.n = 2;
	y.victim = 31;
	derive_syn(&y, &b512, &r, &s);
	ck_assert_int_eq(s.victim, 1);
	ck_assert(s.m[0].hog && s.m[1].hog);
	done(&r, &s);
	/* oom_kill_allocating_task: only the killed task may allocate */
	y.kind = "alloc";
	y.victim = 30;
	derive_syn(&y, &b512, &r, &s);
	ck_assert_int_eq(s.kind, INC_ALLOCATING_TASK_OOM);
	ck_assert(s.m[0].hog && !s.m[1].hog);
	ck_assert_int_eq(s.oom_kill_allocating_task, 1);
	ck_assert_int_eq(s.expect, PATH_ALLOCATING_TASK_KILL);
	done(&r, &s);
}
END_TEST

START_TEST(set_hostile)
{
	static const struct syn_task odd[] = {
		{ 40, 9007199254740992LL, 9007199254740992LL, 0, "\x01\xff;#\"\\x" },
		{ 41, 5, 0, -5000, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
	};
	struct syn y = { "global", 0, 9007199254740992LL, 9007199254740992LL, -1, -1, odd, 2, 40 };
	struct incident_report r;
	struct replay_scenario s;
	struct buf ini = BUF_INIT;

	/* numbers at the parser's cap, names with bytes names= cannot carry */
	derive_syn(&y, &b512, &r, &s);
	ck_assert_uint_eq(s.ram, MiB(512));
	ck_assert_uint_le(s.swap, MiB(1024));
	ck_assert_uint_eq(s.n, 2);
	for (size_t i = 0; i < s.n; i++) {
		ck_assert_uint_ge(strlen(s.m[i].name), 1);
		ck_assert_uint_le(strlen(s.m[i].name), 15);
		ck_assert_uint_eq(strcspn(s.m[i].name, " ,;#\"\\"), strlen(s.m[i].name));
		ck_assert_int_ge(s.m[i].adj, -1000);
	}
	ck_assert_ptr_null(strchr(s.run, '\n'));
	replay_scenario_ini(&s, "a\nb", &ini);
	assert_short_lines(ini.s);
	buf_release(&ini);
	done(&r, &s);
}
END_TEST

/* ---- trigger and order ---- */

START_TEST(trigger_choice)
{
	struct syn y = { "global", 2, 262144, 0, -1, -1, two, 2, 100 };
	struct incident_report r;
	struct replay_scenario s;

	derive_syn(&y, &b512, &r, &s);
	ck_assert_int_eq(s.trigger, REPLAY_FAULT);
	ck_assert_int_eq(s.order, REPLAY_ORDER_1_3);
	ck_assert(!s.order_reproduced);
	ck_assert_ptr_nonnull(strstr(s.notes.s, "order 2 cannot be reproduced"));
	done(&r, &s);
	/* order -1 is sysrq f (Linux 4.6+) */
	y.order = -1;
	derive_syn(&y, &b512, &r, &s);
	ck_assert_int_eq(s.kind, INC_SYSRQ_OOM);
	ck_assert_int_eq(s.trigger, REPLAY_SYSRQ);
	ck_assert(s.order_reproduced);
	done(&r, &s);
	/* a panic: panic_on_oom, no victim, no kill expected */
	y.kind = "panic";
	y.order = 0;
	derive_syn(&y, &b512, &r, &s);
	ck_assert_int_eq(s.kind, INC_OOM_PANIC);
	ck_assert_int_eq(s.panic_on_oom, 1);
	ck_assert_int_eq(s.victim, -1);
	ck_assert_int_eq(s.expect, PATH_OOM_PANIC);
	done(&r, &s);
}
END_TEST

START_TEST(order_and_constraint)
{
	struct incident_event e = { .kind = INC_GLOBAL_OOM };
	static const struct { long long order; enum replay_order want; } cases[] = {
		{ INC_NONE, REPLAY_ORDER_UNKNOWN }, { -1, REPLAY_ORDER_MANUAL }, { 0, REPLAY_ORDER_0 },
		{ 1, REPLAY_ORDER_1_3 }, { 3, REPLAY_ORDER_1_3 }, { 4, REPLAY_ORDER_COSTLY },
		{ 9, REPLAY_ORDER_COSTLY },
	};
	bool implied;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e.order = cases[i].order;
		ck_assert_int_eq(replay_order_of(&e), cases[i].want);
	}
	e.kind = INC_SYSRQ_OOM;
	e.order = 0;
	ck_assert_int_eq(replay_order_of(&e), REPLAY_ORDER_MANUAL);
	ck_assert_str_eq(replay_constraint_of(&e, &implied), "CONSTRAINT_NONE");
	ck_assert(implied);
	e.kind = INC_MEMCG_OOM;
	ck_assert_str_eq(replay_constraint_of(&e, &implied), "CONSTRAINT_MEMCG");
	snprintf(e.constraint, sizeof(e.constraint), "CONSTRAINT_CPUSET");
	ck_assert_str_eq(replay_constraint_of(&e, &implied), "CONSTRAINT_CPUSET");
	ck_assert(!implied);
	ck_assert(!replay_kind_ok(INC_PAGE_ALLOC_FAILURE));
	ck_assert(!replay_kind_ok(INC_KIND_UNKNOWN));
}
END_TEST

START_TEST(event_choice)
{
	struct incident_report r;
	struct replay_scenario s;
	struct buf err = BUF_INIT;
	char *text = fixture("fixtures/incidents/syzkaller-5.12-rcu-stall-negative.log", NULL);

	parse_text(text, &r);
	ck_assert_int_eq(replay_derive(&r, -1, "x", &b512, &s, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.s, "no OOM killer event"));
	replay_scenario_free(&s);
	incident_free(&r);
	free(text);
	buf_reset(&err);
	text = fixture("fixtures/incidents/qemu-6.11-global-stress-ng.log", NULL);
	parse_text(text, &r);
	ck_assert_int_eq(replay_derive(&r, 1, "x", &b512, &s, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.s, "event 2: the log has 1 event"));
	replay_scenario_free(&s);
	ck_assert_int_eq(replay_derive(&r, 0, "a b/c", &b512, &s, &err), 0);
	ck_assert_str_eq(s.name, "replay-a-b-c");
	done(&r, &s);
	free(text);
	buf_release(&err);
}
END_TEST

/* ---- the files ---- */

START_TEST(write_config)
{
	struct incident_report r;
	struct replay_scenario s;
	struct oom_config cfg;
	struct buf vm = BUF_INIT, sc = BUF_INIT, err = BUF_INIT;
	char dir[] = "/tmp/oomlab-replay-test-XXXXXX";
	const struct vmconfig *v;
	const struct scenario *x;
	int r_load;

	derive_fixture("rhel7-3.10-docker-memcg-dump-tasks", &r, &s);
	replay_vmconfig_ini(&s, "/some/where/rhel7-3.10-docker-memcg-dump-tasks.log", &vm);
	replay_scenario_ini(&s, "/some/where/rhel7-3.10-docker-memcg-dump-tasks.log", &sc);
	assert_short_lines(vm.s);
	assert_short_lines(sc.s);
	ck_assert_ptr_nonnull(strstr(vm.s, "\nmemory = 512M\n"));
	ck_assert_ptr_nonnull(strstr(vm.s, "\nswap = zram 164M\n"));
	ck_assert_ptr_nonnull(strstr(vm.s, "\n[memcg]\nmemory.max = 100M\nmemory.swap.max = 100M\n"));
	ck_assert_ptr_null(strstr(vm.s, "/some/where"));
	ck_assert_ptr_nonnull(strstr(sc.s, "\n[replay-t]\n"));
	ck_assert_ptr_nonnull(strstr(sc.s, "\nexpect = memcg_oom_kill\n"));
	ck_assert_ptr_nonnull(strstr(sc.s, "\nconstraint = CONSTRAINT_MEMCG\n"));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(replay_write(&s, dir, "x.log", &err), 0);
	/* The files load as a config; names= and sizes= need the settings
	 * check to know those list arguments (see the report of issue 7):
	 * any error must be about them and nothing else. */
	r_load = config_load(dir, &cfg, &err);
	for (const char *l = err.s; r_load < 0 && *l; l = strchr(l, '\n') + 1) {
		char line[512];

		snprintf(line, sizeof(line), "%.*s", (int)strcspn(l, "\n"), l);
		ck_assert_msg(strstr(line, "replay.ini:") && strstr(line, "argument 'names="), "%s", line);
	}
	v = config_vm(&cfg, "replay-t");
	x = config_scenario(&cfg, "replay-t");
	ck_assert_ptr_nonnull(v);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(v->memory_bytes, MiB(512));
	ck_assert_int_eq(v->swap, SWAP_ZRAM);
	ck_assert_str_eq(kv_get(&v->memcg, "memory.swap.max"), "100M");
	ck_assert_str_eq(x->vmconfig, "replay-t");
	ck_assert_uint_eq(x->nrun, 6);
	ck_assert_int_eq(x->expect, PATH_MEMCG_OOM_KILL);
	config_free(&cfg);
	buf_reset(&vm);
	buf_addf(&vm, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(vm.s), 0);
	buf_release(&vm);
	buf_release(&sc);
	buf_release(&err);
	done(&r, &s);
}
END_TEST

TCase *replay_compare_tcase(void);

Suite *suite_replay(void)
{
	Suite *s = suite_create("replay");
	TCase *t = tcase_create("replay");

	tcase_add_test(t, derive_global_stress_ng);
	tcase_add_test(t, derive_sysrq);
	tcase_add_test(t, derive_memcg_dump_tasks);
	tcase_add_test(t, derive_memcg_no_dump);
	tcase_add_test(t, scale_global);
	tcase_add_test(t, scale_memcg);
	tcase_add_test(t, set_victim_outside_top);
	tcase_add_test(t, set_hogs);
	tcase_add_test(t, set_hostile);
	tcase_add_test(t, trigger_choice);
	tcase_add_test(t, order_and_constraint);
	tcase_add_test(t, event_choice);
	tcase_add_test(t, write_config);
	suite_add_tcase(s, t);
	suite_add_tcase(s, replay_compare_tcase());
	return s;
}
