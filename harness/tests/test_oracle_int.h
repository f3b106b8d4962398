/* test_oracle_int.h - what the oracle's tests share: the facts of a real
 * 6.1 guest (and the same guest on 4.19), policies and requests, and the
 * checks of a prediction.  test_oracle.c tests the overcommit rules,
 * test_oracle_oom.c the OOM outcomes and the badness formula; both run in
 * suite_oracle. */
#ifndef OOMLAB_TEST_ORACLE_INT_H
#define OOMLAB_TEST_ORACLE_INT_H

#include <string.h>

#include <check.h>

#include "oracle.h"

#define MiB (1LL << 20)
#define PG 4096LL

/* A 6.1 guest with 256M RAM, as the fixtures' `facts` records show it:
 * MemTotal 208732 kB = 52183 pages. */
static inline struct oracle_facts f61(void)
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
static inline struct oracle_facts f419(void)
{
	struct oracle_facts f = f61();

	f.kernel_major = 4;
	f.kernel_minor = 19;
	f.totalreserve_kb = 4000;
	return f;
}

static inline struct oracle_policy pol(int mode)
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
static inline struct oracle_request mmap_req(long long bytes)
{
	struct oracle_request r = { .kind = REQ_MMAP, .bytes = bytes, .cap_sys_admin = true };
	return r;
}

static inline struct oracle_request hog_req(long long bytes)
{
	struct oracle_request r = { .kind = REQ_HOG, .bytes = bytes, .cap_sys_admin = true };
	return r;
}

static inline struct oracle_prediction run(struct oracle_policy p, struct oracle_facts f,
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

/* Adds test_oracle_oom.c's test case to the oracle suite. */
void test_oracle_oom_add(Suite *s);

#endif
