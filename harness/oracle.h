/* oracle.h - a model of the kernel's memory-failure decisions: given the
 * declared policy, the guest's physical facts and one workload request,
 * which path should fire, and how far the request is from the boundary.
 *
 * Pure C: no I/O, no allocation, no libraries, so the guest agent can link
 * it too (it evaluates `commit_limit` in size expressions with the same code
 * the controller predicts with).  Every rule cites the kernel source it
 * encodes, per version, in oracle.c.
 *
 * Policy (sysctls, memcg limits) comes from the declared settings and the
 * kernel's defaults, never from what a guest happens to have; physical facts
 * (totalram, swap, Committed_AS, hugetlb) come from the guest.
 */
#ifndef OOMLAB_ORACLE_H
#define OOMLAB_ORACLE_H

#include <stdbool.h>

#include "path.h"

#define ORACLE_UNSET (-1LL)

/* Policy: declared, or the kernel default when not declared (ORACLE_UNSET
 * fields are replaced by oracle_defaults()). */
struct oracle_policy {
	int overcommit_memory;            /* 0, 1, 2 (default 0) */
	long long overcommit_ratio;       /* percent (default 50) */
	long long overcommit_kbytes;      /* 0: use the ratio (default 0) */
	long long admin_reserve_kbytes;   /* default: mm/util.c init_admin_reserve */
	long long user_reserve_kbytes;    /* default: mm/util.c init_user_reserve */
	int panic_on_oom;                 /* 0, 1, 2 */
	bool oom_kill_allocating_task;
	long long nr_hugepages;           /* vm.nr_hugepages (default 0) */
	/* The workload's memory cgroup (bytes; ORACLE_UNSET: none / "max"). */
	bool in_memcg;
	long long memcg_max, memcg_high, memcg_swap_max;
	bool memcg_oom_group;
};

/* Physical facts, from the guest (kB as /proc/meminfo prints them). */
struct oracle_facts {
	int kernel_major, kernel_minor;   /* from uname -r */
	int nr_cpus;
	long long mem_total_kb;           /* totalram_pages() * 4 */
	long long mem_free_kb;
	long long swap_total_kb, swap_free_kb;
	long long committed_as_kb;        /* before the request */
	long long hugetlb_kb;             /* Hugetlb: (all sizes) */
	/* For the heuristic before 5.2 (mm/util.c of 4.x): */
	long long file_kb, shmem_kb, sreclaimable_kb, totalreserve_kb;
};

enum oracle_req_kind {
	REQ_MMAP,        /* one private anonymous mmap (touch or not) */
	REQ_HOG,         /* mmap+touch chunk after chunk up to bytes */
};

struct oracle_request {
	enum oracle_req_kind kind;
	long long bytes;
	bool touch;                       /* REQ_MMAP: write every page */
	bool noreserve;                   /* MAP_NORESERVE */
	bool shared;                      /* MAP_SHARED anonymous (shmem) */
	bool cap_sys_admin;               /* the workload runs with CAP_SYS_ADMIN */
	long long task_total_vm_kb;       /* the task's size before the request */
};

struct oracle_prediction {
	enum oom_path path;
	/* How far the request is from the decisive limit, in kB: positive =
	 * room left below it, negative = how far past it.  Meaningful for the
	 * overcommit paths; 0 when there is no such limit. */
	long long margin_kb;
	/* The band within which the kernel may decide either way: the per-CPU
	 * batch of vm_committed_as (mm/util.c, mm_compute_batch). */
	long long tolerance_kb;
	long long limit_kb;               /* the limit compared against */
	char why[256];                    /* one sentence, for evidence and `oomlab oracle` */
};

/* Fill ORACLE_UNSET policy fields with the kernel's defaults for facts. */
void oracle_defaults(struct oracle_policy *p, const struct oracle_facts *f);

/* CommitLimit in kB as mm/util.c vm_commit_limit() computes it. */
long long oracle_commit_limit_kb(const struct oracle_policy *p, const struct oracle_facts *f);

void oracle_predict(const struct oracle_policy *p, const struct oracle_facts *f,
		    const struct oracle_request *r, struct oracle_prediction *out);

#endif
