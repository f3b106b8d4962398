/* test_oracle.c - the oracle: every rule with numbers worked by hand from
 * the kernel's formula (the comments show the arithmetic, in 4 KiB pages),
 * boundaries one page either side, and the real 6.1 guests' facts
 * (fixtures/vm/6.1/ *.records.jsonl). */
#include <limits.h>
#include <string.h>

#include "suites.h"
#include "test_oracle_int.h"

START_TEST(commit_limit_reproduces_the_guests)
{
	struct oracle_policy p = pol(2);
	struct oracle_facts f = f61();

	/* (52183 - 0) * 50 / 100 = 26091 pages = 104364 kB, no swap */
	ck_assert_int_eq(oracle_commit_limit_kb(&p, &f), 104364);
	/* mode2-zram: SwapTotal 131068 kB = 32767 pages; 26091 + 32767 =
	 * 58858 pages = 235432 kB */
	f.swap_total_kb = f.swap_free_kb = 131068;
	ck_assert_int_eq(oracle_commit_limit_kb(&p, &f), 235432);
	/* mode0-disk-swap: MemTotal 208720 = 52180 pages, * 50 / 100 = 26090;
	 * SwapTotal 262140 = 65535 pages; 91625 pages = 366500 kB */
	f.mem_total_kb = 208720;
	f.swap_total_kb = 262140;
	ck_assert_int_eq(oracle_commit_limit_kb(&p, &f), 366500);
	/* ORACLE_UNSET ratio is the default 50 without oracle_defaults() */
	p.overcommit_ratio = 50;
	ck_assert_int_eq(oracle_commit_limit_kb(&p, &f), 366500);
}
END_TEST

START_TEST(commit_limit_ratio_kbytes_hugetlb)
{
	struct oracle_policy p = pol(2);
	struct oracle_facts f = f61();

	/* ratio 80: 52183 * 80 / 100 = 41746.4 -> 41746 pages = 166984 kB */
	p.overcommit_ratio = 80;
	ck_assert_int_eq(oracle_commit_limit_kb(&p, &f), 166984);
	/* ratio 0: only swap (none) */
	p.overcommit_ratio = 0;
	ck_assert_int_eq(oracle_commit_limit_kb(&p, &f), 0);
	/* kbytes replaces the ratio: 100002 >> 2 = 25000 pages, + swap 32767
	 * pages = 57767 pages = 231068 kB */
	p.overcommit_ratio = 50;
	p.overcommit_kbytes = 100002;
	f.swap_total_kb = 131068;
	ck_assert_int_eq(oracle_commit_limit_kb(&p, &f), 231068);
	/* hugetlb comes off RAM: Hugetlb 20480 kB = 5120 pages;
	 * (52183 - 5120) * 50 / 100 = 23531 pages = 94124 kB */
	p.overcommit_kbytes = 0;
	f.swap_total_kb = 0;
	f.hugetlb_kb = 20480;
	ck_assert_int_eq(oracle_commit_limit_kb(&p, &f), 94124);
	/* before boot, vm.nr_hugepages 10 of 2 MiB gives the same */
	f.hugetlb_kb = 0;
	p.nr_hugepages = 10;
	ck_assert_int_eq(oracle_commit_limit_kb(&p, &f), 94124);
	/* the guest's Hugetlb wins over the declared count (not all allocated) */
	f.hugetlb_kb = 4096;   /* 1024 pages: (52183 - 1024) / 2 = 25579 */
	ck_assert_int_eq(oracle_commit_limit_kb(&p, &f), 102316);
}
END_TEST

START_TEST(defaults_follow_the_kernel)
{
	struct oracle_policy p = pol(ORACLE_UNSET);
	struct oracle_facts f = f61();

	p.panic_on_oom = 7;
	oracle_defaults(&p, &f);
	ck_assert_int_eq(p.overcommit_memory, 0);
	ck_assert_int_eq(p.overcommit_ratio, 50);
	ck_assert_int_eq(p.overcommit_kbytes, 0);
	ck_assert_int_eq(p.panic_on_oom, 0);
	ck_assert_int_eq(p.nr_hugepages, 0);
	/* MemFree 180804 / 32 = 5650: below both caps */
	ck_assert_int_eq(p.admin_reserve_kbytes, 5650);
	ck_assert_int_eq(p.user_reserve_kbytes, 5650);
	/* 16 GiB free: 16777216 / 32 = 524288 -> caps 8 MiB and 128 MiB */
	p = pol(2);
	f.mem_free_kb = 16777216;
	oracle_defaults(&p, &f);
	ck_assert_int_eq(p.admin_reserve_kbytes, 8192);
	ck_assert_int_eq(p.user_reserve_kbytes, 131072);
	ck_assert_int_eq(p.overcommit_memory, 2);
	/* declared values stay, 0 included */
	p = pol(1);
	p.admin_reserve_kbytes = 0;
	p.user_reserve_kbytes = 777;
	p.overcommit_ratio = 0;
	oracle_defaults(&p, &f);
	ck_assert_int_eq(p.admin_reserve_kbytes, 0);
	ck_assert_int_eq(p.user_reserve_kbytes, 777);
	ck_assert_int_eq(p.overcommit_ratio, 0);
	ck_assert_int_eq(p.overcommit_memory, 1);
}
END_TEST

START_TEST(mode2_boundary_is_strict)
{
	struct oracle_facts f = f61();
	struct oracle_prediction o;

	/* allowed = 26091 pages (root, total_vm 0); Committed_AS 2052 kB = 513
	 * pages; granted while 513 + pages < 26091, so 25577 pages is the
	 * largest: committed + request == allowed is refused. */
	o = run(pol(2), f, mmap_req(25577 * PG));
	ck_path(o, PATH_NO_FAILURE);
	ck_assert_int_eq(o.margin_kb, 0);
	ck_assert_int_eq(o.limit_kb, 104364);
	/* batch = max(52183 / 1 / 256, 32) = 203 pages, 1 CPU: 812 kB */
	ck_assert_int_eq(o.tolerance_kb, 812);
	o = run(pol(2), f, mmap_req(25578 * PG));
	ck_path(o, PATH_COMMIT_REJECT);
	ck_assert_int_eq(o.margin_kb, -4);
	ck_why(o, "mode 2: Committed_AS 2052 kB + request 102312 kB >= CommitLimit 104364 kB"
	       " - admin reserve 0 kB - user reserve 0 kB");
	/* a partial page counts as a page: 25576 pages + 1 byte = 25577 */
	o = run(pol(2), f, mmap_req(25576 * PG + 1));
	ck_path(o, PATH_NO_FAILURE);
	o = run(pol(2), f, mmap_req(25577 * PG + 1));
	ck_path(o, PATH_COMMIT_REJECT);
}
END_TEST

START_TEST(mode2_reserves)
{
	struct oracle_facts f = f61();
	struct oracle_request r = mmap_req(24165 * PG);
	struct oracle_prediction o;

	/* without CAP_SYS_ADMIN: admin reserve 5650 kB >> 2 = 1412 pages;
	 * allowed 26091 - 1412 = 24679; largest 24679 - 513 - 1 = 24165 */
	r.cap_sys_admin = false;
	o = run(pol(2), f, r);
	ck_path(o, PATH_NO_FAILURE);
	ck_assert_int_eq(o.margin_kb, 0);
	ck_assert_int_eq(o.limit_kb, 24679 * 4);
	r.bytes += PG;
	o = run(pol(2), f, r);
	ck_path(o, PATH_COMMIT_REJECT);
	ck_why(o, "admin reserve 5648 kB");
	/* the same request as root passes */
	r.cap_sys_admin = true;
	o = run(pol(2), f, r);
	ck_path(o, PATH_NO_FAILURE);
	/* user reserve: total_vm 32000 kB = 8000 pages, / 32 = 250 pages
	 * (below 5650 >> 2 = 1412); largest 26091 - 250 - 513 - 1 = 25327 */
	r = mmap_req(25327 * PG);
	r.task_total_vm_kb = 32000;
	o = run(pol(2), f, r);
	ck_path(o, PATH_NO_FAILURE);
	ck_assert_int_eq(o.margin_kb, 0);
	r.bytes += PG;
	o = run(pol(2), f, r);
	ck_path(o, PATH_COMMIT_REJECT);
	ck_why(o, "user reserve 1000 kB");
	/* a big task: 409600 kB / 4 / 32 = 3200 pages, capped at 1412 */
	r = mmap_req(25577 * PG - 1412 * PG);
	r.task_total_vm_kb = 409600;
	o = run(pol(2), f, r);
	ck_path(o, PATH_NO_FAILURE);
	ck_assert_int_eq(o.margin_kb, 0);
	ck_why(o, "user reserve 5648 kB");
}
END_TEST

START_TEST(mode2_kbytes_and_hugetlb_in_predictions)
{
	struct oracle_policy p = pol(2);
	struct oracle_facts f = f61();
	struct oracle_prediction o;

	/* kbytes 40000 = 10000 pages: largest 10000 - 513 - 1 = 9486 */
	p.overcommit_kbytes = 40000;
	o = run(p, f, mmap_req(9486 * PG));
	ck_path(o, PATH_NO_FAILURE);
	ck_assert_int_eq(o.margin_kb, 0);
	o = run(p, f, mmap_req(9487 * PG));
	ck_path(o, PATH_COMMIT_REJECT);
	/* hugetlb 20480 kB: limit 23531 pages, largest 23531 - 513 - 1 = 23017 */
	p = pol(2);
	f.hugetlb_kb = 20480;
	o = run(p, f, mmap_req(23017 * PG));
	ck_path(o, PATH_NO_FAILURE);
	o = run(p, f, mmap_req(23018 * PG));
	ck_path(o, PATH_COMMIT_REJECT);
	ck_why(o, "CommitLimit 94124 kB");
}
END_TEST

START_TEST(six_one_fixtures)
{
	struct oracle_facts f = f61();
	struct oracle_policy p;
	struct oracle_request r;
	struct oracle_prediction o;

	/* Steps' `before` snapshots: Committed_AS 2200 kB (550 pages). */
	f.committed_as_kb = 2200;
	/* mode2-commit-reject: commit_limit-committed_as+64M = 171724800 B */
	o = run(pol(2), f, mmap_req(171724800));
	ck_path(o, PATH_COMMIT_REJECT);
	ck_why(o, "Committed_AS 2200 kB + request 167700 kB >= CommitLimit 104364 kB");
	/* 26091 - 550 - 1 = 25540 pages = 102160 kB; 102160 - 167700 */
	ck_assert_int_eq(o.margin_kb, -65540);
	/* mode2-under-limit: commit_limit-committed_as-32M, touched */
	r = mmap_req(71061504);
	r.touch = true;
	o = run(pol(2), f, r);
	ck_path(o, PATH_NO_FAILURE);
	/* mode0-heuristic-reject: ram+swap+64M = 280850432 B > 208732 kB */
	o = run(pol(0), f, mmap_req(280850432));
	ck_path(o, PATH_HEURISTIC_REJECT);
	ck_assert_int_eq(o.margin_kb, 208732 - 274268);
	/* mode1-no-failure: the same, untouched */
	r = mmap_req(280850432);
	o = run(pol(1), f, r);
	ck_path(o, PATH_NO_FAILURE);
	ck_assert_int_eq(o.margin_kb, 0);
	/* global-oom: mode 1, hog ram*2 = 427483136 B = 417464 kB > MemFree */
	o = run(pol(1), f, hog_req(427483136));
	ck_path(o, PATH_GLOBAL_OOM_KILL);
	ck_assert_int_eq(o.margin_kb, 180804 - 417464);
	ck_assert_int_eq(o.limit_kb, 180804);
	/* memcg-oom: memory.max 64M, memory.swap.max 0, hog 128M */
	p = pol(0);
	p.in_memcg = true;
	p.memcg_max = 64 * MiB;
	p.memcg_swap_max = 0;
	f.mem_free_kb = 180864;
	o = run(p, f, hog_req(128 * MiB));
	ck_path(o, PATH_MEMCG_OOM_KILL);
	ck_assert_int_eq(o.margin_kb, 65536 - 131072);
	/* memcg-under-limit: hog 32M */
	o = run(p, f, hog_req(32 * MiB));
	ck_path(o, PATH_NO_FAILURE);
	ck_assert_int_eq(o.margin_kb, 32768);
	/* mode2-zram: 305790976 B = 298624 kB > CommitLimit 235432 kB */
	f = f61();
	f.mem_free_kb = 179464;
	f.swap_total_kb = f.swap_free_kb = 131068;
	f.committed_as_kb = 2344;
	o = run(pol(2), f, mmap_req(305790976));
	ck_path(o, PATH_COMMIT_REJECT);
	ck_why(o, "CommitLimit 235432 kB");
	/* mode0-disk-swap: 549269504 B = 536396 kB > 208720 + 262140 kB */
	f.mem_total_kb = 208720;
	f.swap_total_kb = f.swap_free_kb = 262140;
	o = run(pol(0), f, mmap_req(549269504));
	ck_path(o, PATH_HEURISTIC_REJECT);
	ck_why(o, "request 536396 kB > MemTotal 208720 kB + SwapTotal 262140 kB");
}
END_TEST

START_TEST(mode0_boundary_is_inclusive)
{
	struct oracle_facts f = f61();
	struct oracle_prediction o;

	/* 5.2+: refused only if pages > totalram 52183 + swap 0 */
	o = run(pol(0), f, mmap_req(52183 * PG));
	ck_path(o, PATH_NO_FAILURE);
	ck_assert_int_eq(o.margin_kb, 0);
	ck_assert_int_eq(o.tolerance_kb, 0);
	o = run(pol(0), f, mmap_req(52184 * PG));
	ck_path(o, PATH_HEURISTIC_REJECT);
	ck_assert_int_eq(o.margin_kb, -4);
	/* with swap 32767 pages: 84950 granted, 84951 refused */
	f.swap_total_kb = 131068;
	o = run(pol(0), f, mmap_req(84950 * PG));
	ck_path(o, PATH_NO_FAILURE);
	o = run(pol(0), f, mmap_req(84951 * PG));
	ck_path(o, PATH_HEURISTIC_REJECT);
	/* no admin reserve and no Committed_AS in 5.2+: neither matters */
	f.committed_as_kb = 1LL << 30;
	{
		struct oracle_request r = mmap_req(84950 * PG);

		r.cap_sys_admin = false;
		o = run(pol(0), f, r);
		ck_path(o, PATH_NO_FAILURE);
	}
	/* mode 1 grants anything */
	o = run(pol(1), f, mmap_req(1LL << 50));
	ck_path(o, PATH_NO_FAILURE);
}
END_TEST

START_TEST(old_heuristic_differs)
{
	struct oracle_facts f = f419();
	struct oracle_request r = mmap_req(44962 * PG);
	struct oracle_prediction o;

	/* 4.19: free = 45201 (MemFree) + 430 (file) - 430 (shmem) + 0 (swap)
	 * + 2174 (SReclaimable) = 47375; - totalreserve 1000 = 46375; - admin
	 * 1412 without CAP_SYS_ADMIN = 44963; granted only if free > pages. */
	r.cap_sys_admin = false;
	o = run(pol(0), f, r);
	ck_path(o, PATH_NO_FAILURE);
	ck_assert_int_eq(o.margin_kb, 0);
	ck_assert_int_eq(o.limit_kb, 44963 * 4);
	ck_assert_int_eq(o.tolerance_kb, 4 * 125 * 4);
	r.bytes += PG;
	o = run(pol(0), f, r);
	ck_path(o, PATH_HEURISTIC_REJECT);
	ck_assert_int_eq(o.margin_kb, -4);
	ck_why(o, "mode 0 (before 5.2): request 179852 kB >= MemFree 180804");
	/* root skips the admin reserve: 46374 granted, 46375 refused */
	r = mmap_req(46374 * PG);
	ck_path(run(pol(0), f, r), PATH_NO_FAILURE);
	r.bytes += PG;
	ck_path(run(pol(0), f, r), PATH_HEURISTIC_REJECT);
	/* the same 190 MiB (48640 pages) on the same numbers: 4.19 refuses,
	 * 6.1 grants (48640 <= 52183) */
	r = mmap_req(190 * MiB);
	ck_path(run(pol(0), f, r), PATH_HEURISTIC_REJECT);
	ck_path(run(pol(0), f61(), r), PATH_NO_FAILURE);
	/* and 230 MiB (58880 pages): 4.19 refuses it too, 6.1 as well */
	r = mmap_req(230 * MiB);
	ck_path(run(pol(0), f61(), r), PATH_HEURISTIC_REJECT);
	/* 5.1 adds KReclaimable - SReclaimable: 2000 kB = 500 pages */
	f.kernel_major = 5;
	f.kernel_minor = 1;
	f.kreclaimable_kb = 8696 + 2000;
	r = mmap_req(46874 * PG);
	ck_path(run(pol(0), f, r), PATH_NO_FAILURE);
	r.bytes += PG;
	ck_path(run(pol(0), f, r), PATH_HEURISTIC_REJECT);
	/* 4.19 has no such term in meminfo: the same KReclaimable is ignored */
	f.kernel_major = 4;
	f.kernel_minor = 19;
	ck_path(run(pol(0), f, mmap_req(46375 * PG)), PATH_HEURISTIC_REJECT);
	/* free <= totalreserve refuses even one page */
	f.totalreserve_kb = 47375 * 4;
	ck_path(run(pol(0), f, mmap_req(PG)), PATH_HEURISTIC_REJECT);
	/* 5.2 uses the new rule */
	f.kernel_major = 5;
	f.kernel_minor = 2;
	ck_path(run(pol(0), f, mmap_req(190 * MiB)), PATH_NO_FAILURE);
}
END_TEST

START_TEST(noreserve_and_shared)
{
	struct oracle_facts f = f61();
	struct oracle_request r = mmap_req(1LL << 40);
	struct oracle_prediction o;

	/* MAP_NORESERVE: not accounted in modes 0 and 1 */
	r.noreserve = true;
	o = run(pol(0), f, r);
	ck_path(o, PATH_NO_FAILURE);
	ck_why(o, "not accounted");
	ck_path(run(pol(0), f419(), r), PATH_NO_FAILURE);
	ck_path(run(pol(1), f, r), PATH_NO_FAILURE);
	/* ... but accounted in mode 2 */
	ck_path(run(pol(2), f, r), PATH_COMMIT_REJECT);
	/* MAP_SHARED anonymous: shmem_acct_size() charges the same way */
	r.noreserve = false;
	r.shared = true;
	ck_path(run(pol(0), f, r), PATH_HEURISTIC_REJECT);
	ck_path(run(pol(2), f, r), PATH_COMMIT_REJECT);
	r.noreserve = true;
	ck_path(run(pol(0), f, r), PATH_NO_FAILURE);
	ck_path(run(pol(2), f, r), PATH_COMMIT_REJECT);
	/* noreserve still touches memory: 400 MiB touched in mode 0 */
	r = mmap_req(400 * MiB);
	r.noreserve = true;
	r.touch = true;
	ck_path(run(pol(0), f, r), PATH_GLOBAL_OOM_KILL);
}
END_TEST

START_TEST(commit_batch)
{
	struct oracle_facts f = f61();

	/* 52183 / 1 / 256 = 203 > 32 */
	ck_assert_int_eq(oracle_commit_batch_pages(2, &f), 203);
	/* 5.9+ modes 0 and 1: 52183 / 4 = 13045 */
	ck_assert_int_eq(oracle_commit_batch_pages(0, &f), 13045);
	ck_assert_int_eq(oracle_commit_batch_pages(1, &f), 13045);
	/* before 5.9 every mode used 0.4% */
	f.kernel_major = 5;
	f.kernel_minor = 8;
	ck_assert_int_eq(oracle_commit_batch_pages(0, &f), 203);
	/* 16 GiB, 4 CPUs: 4194304 / 4 / 256 = 4096 */
	f = f61();
	f.mem_total_kb = 16LL << 20;
	f.nr_cpus = 4;
	ck_assert_int_eq(oracle_commit_batch_pages(2, &f), 4096);
	/* small machine, many CPUs: max(40 * 2, 32) = 80 */
	f.mem_total_kb = 65536;
	f.nr_cpus = 40;
	ck_assert_int_eq(oracle_commit_batch_pages(2, &f), 80);
	/* the band of a mode 2 prediction is batch * CPUs: 4096 * 4 pages */
	f.mem_total_kb = 16LL << 20;
	f.mem_free_kb = 15LL << 20;
	f.nr_cpus = 4;
	ck_assert_int_eq(run(pol(2), f, mmap_req(MiB)).tolerance_kb, 4096 * 4 * 4);
}
END_TEST

START_TEST(hostile_inputs)
{
	struct oracle_facts f = f61();
	struct oracle_policy p = pol(2);
	struct oracle_request r = hog_req(LLONG_MAX);
	struct oracle_prediction o;

	/* absurd sizes and facts: no overflow (UBSan), a path, a sentence */
	r.chunk_bytes = 1;
	r.task_total_vm_kb = LLONG_MAX;
	o = run(p, f, r);
	ck_path(o, PATH_COMMIT_REJECT);
	f.mem_total_kb = f.mem_free_kb = f.swap_total_kb = f.swap_free_kb = LLONG_MAX;
	f.committed_as_kb = f.hugetlb_kb = f.file_kb = LLONG_MAX;
	f.nr_cpus = INT_MAX;
	p.overcommit_ratio = LLONG_MAX;
	p.admin_reserve_kbytes = p.user_reserve_kbytes = LLONG_MAX;
	p.in_memcg = true;
	p.memcg_max = p.memcg_high = p.memcg_swap_max = LLONG_MAX;
	o = run(p, f, r);
	ck_assert(o.path != PATH_COUNT);
	for (int mode = -3; mode <= 4; mode++) {
		p.overcommit_memory = mode;
		run(p, f, r);
		run(p, f, mmap_req(-5));
	}
	f = f61();
	f.mem_total_kb = f.mem_free_kb = f.committed_as_kb = -1;
	f.kernel_major = -7;
	f.nr_cpus = -2;
	o = run(pol(2), f, mmap_req(MiB));
	ck_path(o, PATH_COMMIT_REJECT);   /* no RAM, no swap: nothing fits */
	ck_assert_int_eq(oracle_commit_batch_pages(2, &f), 32);
	ck_assert_int_eq(oracle_commit_batch_pages(2, NULL), 32);
	{
		struct oracle_task t = { .rss_pages = LLONG_MAX, .swapents = LLONG_MAX,
					 .pgtables_bytes = LLONG_MAX, .oom_score_adj = 30000 };

		ck_assert(oracle_badness(&t, LLONG_MAX, NULL) > 0);
	}
	/* NULL arguments leave PATH_UNKNOWN with a reason */
	oracle_predict(NULL, &f, &r, &o);
	ck_path(o, PATH_UNKNOWN);
	ck_assert(o.why[0]);
}
END_TEST

Suite *suite_oracle(void)
{
	Suite *s = suite_create("oracle");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, commit_limit_reproduces_the_guests);
	tcase_add_test(tc, commit_limit_ratio_kbytes_hugetlb);
	tcase_add_test(tc, defaults_follow_the_kernel);
	tcase_add_test(tc, mode2_boundary_is_strict);
	tcase_add_test(tc, mode2_reserves);
	tcase_add_test(tc, mode2_kbytes_and_hugetlb_in_predictions);
	tcase_add_test(tc, six_one_fixtures);
	tcase_add_test(tc, mode0_boundary_is_inclusive);
	tcase_add_test(tc, old_heuristic_differs);
	tcase_add_test(tc, noreserve_and_shared);
	tcase_add_test(tc, commit_batch);
	tcase_add_test(tc, hostile_inputs);
	suite_add_tcase(s, tc);
	test_oracle_oom_add(s);
	return s;
}
