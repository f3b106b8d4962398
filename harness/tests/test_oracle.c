/* test_oracle.c - the oracle: every rule with numbers worked by hand from
 * the kernel's formula (the comments show the arithmetic, in 4 KiB pages),
 * boundaries one page either side, and the real 6.1 guests' facts
 * (fixtures/vm/6.1/ *.records.jsonl). */
#include <limits.h>
#include <string.h>

#include "oracle.h"
#include "suites.h"

#define MiB (1LL << 20)
#define PG 4096LL

/* A 6.1 guest with 256M RAM, as the fixtures' `facts` records show it:
 * MemTotal 208732 kB = 52183 pages. */
static struct oracle_facts f61(void)
{
	struct oracle_facts f = {
		.kernel_major = 6, .kernel_minor = 1, .nr_cpus = 1,
		.mem_total_kb = 208732, .mem_free_kb = 180804,
		.swap_total_kb = 0, .swap_free_kb = 0,
		.committed_as_kb = 2052, .hugetlb_kb = 0,
		.file_kb = 1720, .shmem_kb = 1720, .sreclaimable_kb = 8696,
		.totalreserve_kb = 0, .kreclaimable_kb = 8696,
	};
	return f;
}

/* The same guest as 4.19 would run it, with totalreserve 4000 kB. */
static struct oracle_facts f419(void)
{
	struct oracle_facts f = f61();

	f.kernel_major = 4;
	f.kernel_minor = 19;
	f.totalreserve_kb = 4000;
	return f;
}

static struct oracle_policy pol(int mode)
{
	struct oracle_policy p = {
		.overcommit_memory = mode, .overcommit_ratio = ORACLE_UNSET,
		.overcommit_kbytes = ORACLE_UNSET, .admin_reserve_kbytes = ORACLE_UNSET,
		.user_reserve_kbytes = ORACLE_UNSET, .panic_on_oom = 0,
		.nr_hugepages = ORACLE_UNSET, .memcg_max = ORACLE_UNSET,
		.memcg_high = ORACLE_UNSET, .memcg_swap_max = ORACLE_UNSET,
	};
	return p;
}

/* The workloads run as root: CAP_SYS_ADMIN, no admin reserve. */
static struct oracle_request mmap_req(long long bytes)
{
	struct oracle_request r = { .kind = REQ_MMAP, .bytes = bytes, .cap_sys_admin = true };
	return r;
}

static struct oracle_request hog_req(long long bytes)
{
	struct oracle_request r = { .kind = REQ_HOG, .bytes = bytes, .cap_sys_admin = true };
	return r;
}

static struct oracle_prediction run(struct oracle_policy p, struct oracle_facts f,
				    struct oracle_request r)
{
	struct oracle_prediction o;

	memset(&o, 0x5a, sizeof(o));
	oracle_predict(&p, &f, &r, &o);
	ck_assert_msg(memchr(o.why, '\0', sizeof(o.why)), "why not terminated");
	ck_assert_msg(o.path == PATH_UNKNOWN || o.why[0], "empty why");
	return o;
}

#define ck_path(o, want) \
	ck_assert_msg((o).path == (want), "path %s, want %s: %s", path_name((o).path), \
		      path_name(want), (o).why)
#define ck_why(o, s) ck_assert_msg(strstr((o).why, (s)), "why '%s' lacks '%s'", (o).why, (s))

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
	tcase_add_test(tc, global_oom_policies);
	tcase_add_test(tc, memcg_oom_policies);
	tcase_add_test(tc, memory_high);
	tcase_add_test(tc, mode2_hog_commit_or_oom);
	tcase_add_test(tc, old_heuristic_hog);
	tcase_add_test(tc, zero_request_gets_the_headroom);
	tcase_add_test(tc, commit_batch);
	tcase_add_test(tc, badness);
	tcase_add_test(tc, oom_totalpages);
	tcase_add_test(tc, hostile_inputs);
	suite_add_tcase(s, tc);
	return s;
}
