/* test_oracle_oom.c - the oracle's OOM outcomes (global and memcg
 * policies, memory.high, hogs under mode 2 and the old heuristic) and
 * oom_badness() with its totalpages, numbers worked by hand as in
 * test_oracle.c. */
#include <limits.h>
#include <string.h>

#include "suites.h"
#include "test_oracle_int.h"

START_TEST(global_oom_policies)
{
	struct oracle_facts f = f61();
	struct oracle_policy p = pol(1);
	struct oracle_request r = hog_req(400 * MiB);
	struct oracle_prediction o;

	o = run(p, f, r);
	ck_path(o, PATH_GLOBAL_OOM_KILL);
	/* 409600 kB touched > MemFree 180804 + SwapFree 0 */
	ck_assert_int_eq(o.margin_kb, 180804 - 409600);
	/* page tables 409600 / 512 = 800, slack 4096, file - shmem 0,
	 * SReclaimable 8696 */
	ck_assert_int_eq(o.tolerance_kb, 800 + 4096 + 8696);
	ck_why(o, "touching 409600 kB > MemFree 180804 kB + SwapFree 0 kB");
	p.panic_on_oom = 1;
	ck_path(run(p, f, r), PATH_OOM_PANIC);
	p.panic_on_oom = 2;
	ck_path(run(p, f, r), PATH_OOM_PANIC);
	p.panic_on_oom = 0;
	p.oom_kill_allocating_task = true;
	o = run(p, f, r);
	ck_path(o, PATH_ALLOCATING_TASK_KILL);
	/* not for an OOM_SCORE_ADJ_MIN task; nothing else is killable */
	r.oom_score_adj = -1000;
	ck_path(run(p, f, r), PATH_NO_KILLABLE_PANIC);
	/* panic_on_oom is checked first */
	p.panic_on_oom = 1;
	ck_path(run(p, f, r), PATH_OOM_PANIC);
	/* swap moves the boundary: 180804 + 262140 > 409600 */
	r.oom_score_adj = 0;
	p = pol(1);
	f.swap_total_kb = f.swap_free_kb = 262140;
	o = run(p, f, r);
	ck_path(o, PATH_NO_FAILURE);
	ck_assert_int_eq(o.margin_kb, 180804 + 262140 - 409600);
	/* a touched mmap behaves the same as a hog */
	r = mmap_req(500 * MiB);
	r.touch = true;
	ck_path(run(pol(1), f, r), PATH_GLOBAL_OOM_KILL);
	r.touch = false;
	ck_path(run(pol(1), f, r), PATH_NO_FAILURE);
}
END_TEST

START_TEST(memcg_oom_policies)
{
	struct oracle_facts f = f61();
	struct oracle_policy p = pol(0);
	struct oracle_request r = hog_req(128 * MiB);
	struct oracle_prediction o;

	p.in_memcg = true;
	p.memcg_max = 64 * MiB;
	ck_path(run(p, f, r), PATH_MEMCG_OOM_KILL);
	/* panic_on_oom=1 ignores memcg OOMs (check_panic_on_oom), 2 does not */
	p.panic_on_oom = 1;
	o = run(p, f, r);
	ck_path(o, PATH_MEMCG_OOM_KILL);
	ck_why(o, "touching 131072 kB > memory.max 65536 kB + usable swap 0 kB");
	/* page tables 256 + slack 4096, no caches for a memcg */
	ck_assert_int_eq(o.tolerance_kb, 256 + 4096);
	p.panic_on_oom = 2;
	ck_path(run(p, f, r), PATH_OOM_PANIC);
	p.panic_on_oom = 0;
	/* oom_kill_allocating_task is for global OOMs only */
	p.oom_kill_allocating_task = true;
	ck_path(run(p, f, r), PATH_MEMCG_OOM_KILL);
	/* memory.oom.group kills the group */
	p.memcg_oom_group = true;
	ck_path(run(p, f, r), PATH_OOM_GROUP_KILL);
	/* nothing killable in a memcg: no path */
	p.memcg_oom_group = false;
	r.oom_score_adj = -1000;
	ck_path(run(p, f, r), PATH_UNKNOWN);
	r.oom_score_adj = 0;
	/* swap: memory.swap.max unset lets the cgroup use free swap:
	 * 65536 + 131068 >= 131072 */
	p = pol(0);
	p.in_memcg = true;
	p.memcg_max = 64 * MiB;
	f.swap_total_kb = f.swap_free_kb = 131068;
	o = run(p, f, r);
	ck_path(o, PATH_NO_FAILURE);
	ck_assert_int_eq(o.margin_kb, 65536 + 131068 - 131072);
	/* memory.swap.max 32M bounds it: 65536 + 32768 < 131072 */
	p.memcg_swap_max = 32 * MiB;
	o = run(p, f, r);
	ck_path(o, PATH_MEMCG_OOM_KILL);
	ck_assert_int_eq(o.margin_kb, 98304 - 131072);
	/* memory.max above what the machine has: the global OOM comes first,
	 * and memory.oom.group still kills the victim's whole group */
	f = f61();
	p = pol(1);
	p.in_memcg = true;
	p.memcg_max = 1024 * MiB;
	r = hog_req(400 * MiB);
	ck_path(run(p, f, r), PATH_GLOBAL_OOM_KILL);
	p.panic_on_oom = 1;
	ck_path(run(p, f, r), PATH_OOM_PANIC);
	p.panic_on_oom = 0;
	p.memcg_oom_group = true;
	ck_path(run(p, f, r), PATH_OOM_GROUP_KILL);
	/* a group without limits: oom.group applies to a global OOM too */
	p.memcg_max = ORACLE_UNSET;
	ck_path(run(p, f, r), PATH_OOM_GROUP_KILL);
}
END_TEST

START_TEST(memory_high)
{
	struct oracle_facts f = f61();
	struct oracle_policy p = pol(0);
	struct oracle_prediction o;

	p.in_memcg = true;
	p.memcg_high = 32 * MiB;
	p.memcg_max = 64 * MiB;
	o = run(p, f, hog_req(48 * MiB));
	ck_path(o, PATH_MEMCG_HIGH_THROTTLE);
	ck_assert_int_eq(o.margin_kb, 32768 - 49152);
	ck_assert_int_eq(o.limit_kb, 32768);
	ck_why(o, "memory.high 32768 kB");
	/* at memory.high exactly: under it */
	ck_path(run(p, f, hog_req(32 * MiB)), PATH_NO_FAILURE);
	/* above memory.max: the memcg OOM */
	ck_path(run(p, f, hog_req(128 * MiB)), PATH_MEMCG_OOM_KILL);
	/* memory.max "max": high throttles up to what the machine has */
	p.memcg_max = ORACLE_UNSET;
	ck_path(run(p, f, hog_req(150 * MiB)), PATH_MEMCG_HIGH_THROTTLE);
	ck_path(run(p, f, hog_req(200 * MiB)), PATH_GLOBAL_OOM_KILL);
	/* an untouched mapping is never throttled */
	ck_path(run(p, f, mmap_req(100 * MiB)), PATH_NO_FAILURE);
}
END_TEST

START_TEST(mode2_hog_commit_or_oom)
{
	struct oracle_facts f = f61();
	struct oracle_policy p = pol(2);
	struct oracle_request r = hog_req(200 * MiB);
	struct oracle_prediction o;

	/* 1 MiB chunks = 256 pages, user reserve max 1412 pages.  Chunk i
	 * (i chunks mapped) is refused when 513 + 256 i + 256 + min(256 i / 32,
	 * 1412) >= 26091.  i = 95: 513 + 24576 + 760 = 25849 < 26091, granted;
	 * i = 96: 513 + 24832 + 768 = 26113, refused after 96 MiB touched,
	 * below MemFree 180804 kB: commit_reject. */
	o = run(p, f, r);
	ck_path(o, PATH_COMMIT_REJECT);
	ck_why(o, "mode 2: Committed_AS 2052 kB + mapped 98304 kB + chunk 1024 kB >= CommitLimit"
	       " 104364 kB - admin reserve 0 kB - user reserve 3072 kB");
	/* room before chunk 96: 26091 - 768 - 513 - 24576 - 1 = 233 pages */
	ck_assert_int_eq(o.margin_kb, (233 - 256) * 4);
	/* 2 MiB chunks: i = 47: 513 + 24064 + 512 + 752 = 25841 < 26091;
	 * i = 48: 513 + 24576 + 512 + 768 = 26369, refused */
	r.chunk_bytes = 2 * MiB;
	o = run(p, f, r);
	ck_path(o, PATH_COMMIT_REJECT);
	ck_why(o, "mapped 98304 kB + chunk 2048 kB");
	/* a hog that fits: 90 MiB = 23040 pages, last chunk i = 89:
	 * 513 + 22784 + 256 + 712 = 24265 < 26091; margin 26091 - 712 - 513
	 * - 23040 - 1 = 1825 pages */
	o = run(p, f, hog_req(90 * MiB));
	ck_path(o, PATH_NO_FAILURE);
	ck_assert_int_eq(o.margin_kb, 1825 * 4);
	ck_assert_int_eq(o.tolerance_kb, 812);
	/* overcommit_kbytes high enough that memory runs out first:
	 * kbytes 800000 = 200000 pages; refusal near 198000 pages touched,
	 * far past MemFree: the global OOM */
	p.overcommit_kbytes = 800000;
	o = run(p, f, hog_req(1024 * MiB));
	ck_path(o, PATH_GLOBAL_OOM_KILL);
	ck_assert_int_eq(o.margin_kb, 180804 - 1048576);
	/* and a hog within the commit limit but past memory: OOM too */
	o = run(p, f, hog_req(300 * MiB));
	ck_path(o, PATH_GLOBAL_OOM_KILL);
	/* a huge first chunk is refused at once */
	p = pol(2);
	r = hog_req(400 * MiB);
	r.chunk_bytes = 400 * MiB;
	o = run(p, f, r);
	ck_path(o, PATH_COMMIT_REJECT);
	ck_why(o, "request 409600 kB >=");
}
END_TEST

START_TEST(old_heuristic_hog)
{
	struct oracle_facts f = f419();
	struct oracle_request r = hog_req(200 * MiB);
	struct oracle_prediction o;

	/* 4.19, no CAP_SYS_ADMIN: free after reserves 44963 pages, each touched
	 * page takes one off.  Chunk i is refused when 256 (i + 1) >= 44963:
	 * i = 175, after 44800 pages = 179200 kB touched, still below MemFree
	 * 180804: heuristic_reject before the OOM. */
	r.cap_sys_admin = false;
	o = run(pol(0), f, r);
	ck_path(o, PATH_HEURISTIC_REJECT);
	ck_why(o, "touched 179200");
	/* as root 46375: i = 181, 46336 pages = 185344 kB > 180804: the OOM
	 * comes first */
	r.cap_sys_admin = true;
	ck_path(run(pol(0), f, r), PATH_GLOBAL_OOM_KILL);
	/* 6.1 never refuses 1 MiB chunks: the OOM */
	r.cap_sys_admin = false;
	ck_path(run(pol(0), f61(), r), PATH_GLOBAL_OOM_KILL);
	/* a hog that fits in 4.19: 100 MiB = 25600 pages < 44963 */
	o = run(pol(0), f, hog_req(100 * MiB));
	ck_path(o, PATH_NO_FAILURE);
}
END_TEST

START_TEST(zero_request_gets_the_headroom)
{
	struct oracle_facts f = f61();
	struct oracle_prediction o;

	/* mode 2: 26091 - 513 - 1 = 25577 pages = 102308 kB can be granted */
	o = run(pol(2), f, mmap_req(0));
	ck_path(o, PATH_NO_FAILURE);
	ck_assert_int_eq(o.margin_kb, 102308);
	/* mode 0: MemTotal + SwapTotal */
	o = run(pol(0), f, mmap_req(0));
	ck_assert_int_eq(o.margin_kb, 208732);
	/* 4.19 mode 0, root: 46374 pages */
	o = run(pol(0), f419(), mmap_req(0));
	ck_assert_int_eq(o.margin_kb, 46374 * 4);
	/* mode 1: no limit */
	o = run(pol(1), f, mmap_req(0));
	ck_assert_int_eq(o.margin_kb, 0);
}
END_TEST

START_TEST(badness)
{
	struct oracle_facts f = f61(), old = f419(), older = f419();
	struct oracle_task t = { .rss_pages = 1000, .swapents = 100, .pgtables_bytes = 8192 };

	/* 1000 + 100 + 8192 / 4096 = 1102 */
	ck_assert_int_eq(oracle_badness(&t, 52183, &f), 1102);
	/* adj 500: 500 * (52183 / 1000 = 52) = 26000; 27102 */
	t.oom_score_adj = 500;
	ck_assert_int_eq(oracle_badness(&t, 52183, &f), 27102);
	/* adj -500: 1102 - 26000 = -24898 in 5.9+, at least 1 before */
	t.oom_score_adj = -500;
	ck_assert_int_eq(oracle_badness(&t, 52183, &f), -24898);
	ck_assert_int_eq(oracle_badness(&t, 52183, &old), 1);
	/* OOM_SCORE_ADJ_MIN and unkillable tasks: LONG_MIN, 0 before 5.9 */
	t.oom_score_adj = -1000;
	ck_assert(oracle_badness(&t, 52183, &f) == ORACLE_BADNESS_NONE);
	ck_assert_int_eq(oracle_badness(&t, 52183, &old), 0);
	t.oom_score_adj = 0;
	t.unkillable = true;
	ck_assert(oracle_badness(&t, 52183, &f) == ORACLE_BADNESS_NONE);
	ck_assert_int_eq(oracle_badness(&t, 52183, &old), 0);
	/* the 3% root bonus existed before 4.17 only: 10000 -> 9700 */
	t = (struct oracle_task){ .rss_pages = 10000, .cap_sys_admin = true };
	ck_assert_int_eq(oracle_badness(&t, 52183, &old), 10000);
	older.kernel_minor = 14;
	ck_assert_int_eq(oracle_badness(&t, 52183, &older), 9700);
	/* the hog outranks the agent's -1000 and a small shell */
	{
		struct oracle_task hog = { .rss_pages = 45000, .pgtables_bytes = 45000 * 8 };
		struct oracle_task sh = { .rss_pages = 300 };

		ck_assert(oracle_badness(&hog, 52183, NULL) > oracle_badness(&sh, 52183, NULL));
	}
}
END_TEST

START_TEST(oom_totalpages)
{
	struct oracle_facts f = f61();
	struct oracle_policy p = pol(0);

	f.swap_total_kb = 131068;
	/* global: 52183 + 32767 */
	ck_assert_int_eq(oracle_oom_totalpages(&p, &f, false), 84950);
	/* memcg: max 64 MiB = 16384 pages + min(swap.max max, 32767) */
	p.in_memcg = true;
	p.memcg_max = 64 * MiB;
	ck_assert_int_eq(oracle_oom_totalpages(&p, &f, true), 16384 + 32767);
	/* swap.max 16 MiB = 4096 pages */
	p.memcg_swap_max = 16 * MiB;
	ck_assert_int_eq(oracle_oom_totalpages(&p, &f, true), 20480);
	ck_assert_int_eq(oracle_oom_totalpages(&p, &f, false), 84950);
}
END_TEST

void test_oracle_oom_add(Suite *s)
{
	TCase *tc = tcase_create("oom");

	tcase_add_test(tc, global_oom_policies);
	tcase_add_test(tc, memcg_oom_policies);
	tcase_add_test(tc, memory_high);
	tcase_add_test(tc, mode2_hog_commit_or_oom);
	tcase_add_test(tc, old_heuristic_hog);
	tcase_add_test(tc, zero_request_gets_the_headroom);
	tcase_add_test(tc, badness);
	tcase_add_test(tc, oom_totalpages);
	suite_add_tcase(s, tc);
}
