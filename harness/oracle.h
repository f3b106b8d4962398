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

#include <limits.h>
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
	/* KReclaimable (4.20+; 0: unknown): KReclaimable - SReclaimable is the
	 * NR_KERNEL_MISC_RECLAIMABLE term of the 4.20..5.1 heuristic. */
	long long kreclaimable_kb;
};

enum oracle_req_kind {
	REQ_MMAP,        /* one private anonymous mmap (touch or not) */
	REQ_HOG,         /* mmap+touch chunk after chunk up to bytes */
	REQ_KALLOC,      /* kernel page allocations of one order, until one meets its
	                  * limit: no free block of that order left (fragmented
	                  * memory) or the cgroup's memory.max (see order) */
};

/* include/linux/mmzone.h PAGE_ALLOC_COSTLY_ORDER (3 since 2.6.23; 6.1, 6.12) */
#define ORACLE_COSTLY_ORDER 3

struct oracle_request {
	enum oracle_req_kind kind;
	long long bytes;
	bool touch;                       /* REQ_MMAP: write every page */
	bool noreserve;                   /* MAP_NORESERVE */
	bool shared;                      /* MAP_SHARED anonymous (shmem) */
	bool cap_sys_admin;               /* the workload runs with CAP_SYS_ADMIN */
	long long task_total_vm_kb;       /* the task's size before the request */
	long long chunk_bytes;            /* REQ_HOG: one mmap per chunk (0: 1 MiB, as wl_hog) */
	int oom_score_adj;                /* the workload's (the agent sets 0) */
	/* REQ_KALLOC: the order of each page allocation, and whether it is
	 * charged to the workload's memory cgroup (__GFP_ACCOUNT). */
	int order;
	bool accounted;
};

struct oracle_prediction {
	enum oom_path path;
	/* How far the request is from the decisive limit, in kB: the largest
	 * request that limit lets through minus this request, so >= 0 means it
	 * fits and < 0 is how far past it.  For no_failure, the nearest of the
	 * limits that apply; 0 when no limit applies (mode 1, untouched).
	 * A request of 0 bytes thus gets the headroom: the largest request
	 * the overcommit check would grant.
	 * Exact for the overcommit paths (up to tolerance_kb); approximate for
	 * the physical ones (OOM, memory.high), see oracle.c. */
	long long margin_kb;
	/* The band within which the kernel may decide either way: mode 2, the
	 * per-CPU batch of vm_committed_as (mm/mm_init.c mm_compute_batch) times
	 * the CPUs; mode 0 before 5.2, the vmstat drift; physical paths, page
	 * tables plus a slack (plus reclaimable caches for a global OOM). */
	long long tolerance_kb;
	long long limit_kb;               /* the limit compared against */
	char why[256];                    /* one sentence, for evidence and `oomlab oracle` */
};

/* The order of the page allocation behind a kmalloc() of bytes: above
 * KMALLOC_MAX_CACHE_SIZE (8 KiB, SLUB) get_order(bytes); -1 when a slab
 * cache serves it or bytes is past the largest order (10). */
int oracle_kmalloc_order(long long bytes);
/* The order of the ring F_SETPIPE_SZ allocates for a pipe of pipe_bytes
 * (fs/pipe.c), -1 when it is not a page allocation or not a valid size. */
int oracle_pipe_ring_order(long long pipe_bytes);

/* Fill ORACLE_UNSET policy fields with the kernel's defaults for facts. */
void oracle_defaults(struct oracle_policy *p, const struct oracle_facts *f);

/* CommitLimit in kB as mm/util.c vm_commit_limit() computes it. */
long long oracle_commit_limit_kb(const struct oracle_policy *p, const struct oracle_facts *f);

void oracle_predict(const struct oracle_policy *p, const struct oracle_facts *f,
		    const struct oracle_request *r, struct oracle_prediction *out);

/* vm_committed_as_batch in pages for an overcommit mode (mm/mm_init.c
 * mm_compute_batch); percpu_counter_read_positive() may lag the true sum by
 * up to this times nr_cpus. */
long long oracle_commit_batch_pages(int overcommit_memory, const struct oracle_facts *f);

/* A task as the OOM killer scores it (mm/oom_kill.c oom_badness). */
struct oracle_task {
	long long rss_pages;              /* get_mm_rss(): file + anon + shmem resident */
	long long swapents;               /* MM_SWAPENTS */
	long long pgtables_bytes;         /* mm_pgtables_bytes() */
	int oom_score_adj;                /* -1000 .. 1000 */
	bool unkillable;                  /* init, kthread, MMF_OOM_SKIP or in vfork */
	bool cap_sys_admin;               /* only used before 4.17 (3% root bonus) */
};

#define ORACLE_BADNESS_NONE LLONG_MIN /* the kernel's LONG_MIN on LP64 */

/* oom_badness() for the kernel version of f (NULL: the newest): 5.9+
 * returns ORACLE_BADNESS_NONE for a task that is never chosen, earlier
 * kernels 0 and at least 1 for an eligible task.  totalpages: see
 * oracle_oom_totalpages(). */
long long oracle_badness(const struct oracle_task *t, long long totalpages,
			 const struct oracle_facts *f);

/* oc->totalpages of an OOM (mm/oom_kill.c constrained_alloc): RAM + swap
 * for a global OOM, mem_cgroup_get_max() for a memcg OOM. */
long long oracle_oom_totalpages(const struct oracle_policy *p, const struct oracle_facts *f,
				bool memcg);

#endif
