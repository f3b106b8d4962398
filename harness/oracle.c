/* oracle.c - a model of the kernel's memory-failure decisions (oracle.h).
 *
 * Each rule names the kernel function it encodes and the versions it was
 * checked against: Debian's linux-source-6.1 (6.1.192) and linux-source-6.12
 * (6.12.117) read in full; v4.19 mm/util.c; the v5.1 -> v5.2 change of
 * mode 0 (8c7829b04c52); the 5.9 changes of mm_compute_batch (56f3547bfa4d)
 * and oom_badness (9066e5cfb73c); the 4.17 removal of the root bonus
 * (d46078b28889).  Pages are 4 KiB (x86-64, PAGE_SHIFT 12), so the kernel's
 * "kbytes >> (PAGE_SHIFT - 10)" is kB / 4.
 *
 * Two kinds of margin.  The overcommit decisions (__vm_enough_memory) are
 * arithmetic on numbers the guest prints, so those margins are exact up to
 * the per-CPU lag of vm_committed_as (tolerance_kb).  Whether touched memory
 * fits is a model: usable memory is MemFree at the step start (MemTotal minus
 * what is in use) plus free swap, or memory.max plus the swap the cgroup may
 * use.  Reclaim, watermarks, page tables and zram's own memory blur the real
 * boundary; tolerance_kb says by how much, roughly.
 */
#include <stdio.h>
#include <string.h>

#include "oracle_int.h"

#define MAX_BYTES (1LL << 60)
#define HOG_CHUNK (1LL << 20)           /* workloads/wl_hog.c default chunk */
#define HPAGE_PAGES 512LL               /* x86-64 default huge page, 2 MiB */
#define PHYS_SLACK_KB 4096LL            /* watermarks, the workload's own pages */
#define VMSTAT_THRESHOLD_MAX 125LL      /* mm/vmstat.c calculate_normal_threshold */


/* PAGE_ALIGN(len) >> PAGE_SHIFT: mm/mmap.c do_mmap(), mm/shmem.c VM_ACCT(). */
static long long byte_pages(long long b)
{
	b = b < 0 ? 0 : minll(b, MAX_BYTES);
	return b / 4096 + (b % 4096 != 0);
}

/* num_present_cpus(), within x86-64's NR_CPUS (8192, Debian's config). */
static long long cpus(const struct oracle_facts *f)
{
	return f && f->nr_cpus > 0 ? minll(f->nr_cpus, 8192) : 1;
}

/* Defaults, mm/util.c (4.19, 6.1, 6.12): sysctl_overcommit_memory =
 * OVERCOMMIT_GUESS, sysctl_overcommit_ratio = 50, sysctl_overcommit_kbytes
 * = 0.  kernel/sysctl.c (6.1) and mm/oom_kill.c accept overcommit_memory and
 * panic_on_oom only in 0..2, so other values leave the default.
 * The reserves: mm/mmap.c init_user_reserve() and init_admin_reserve()
 * (subsys_initcall; same in 4.4 .. 6.12, 6.1 and 6.12 read): free_kbytes =
 * NR_FREE_PAGES in kB at that point of the boot, user = min(free / 32,
 * 128 MiB), admin = min(free / 32, 8 MiB).  That early value is not visible
 * from the guest, so the model uses the facts' MemFree as a stand-in; it is a
 * little lower (the initramfs is unpacked later), so are the reserves. */
void oracle_defaults(struct oracle_policy *p, const struct oracle_facts *f)
{
	long long free_kb = f ? kb(f->mem_free_kb) : MAX_KB;

	if (p->overcommit_memory < 0 || p->overcommit_memory > 2)
		p->overcommit_memory = 0;
	if (p->overcommit_ratio == ORACLE_UNSET)
		p->overcommit_ratio = 50;
	if (p->overcommit_kbytes == ORACLE_UNSET)
		p->overcommit_kbytes = 0;
	if (p->admin_reserve_kbytes == ORACLE_UNSET)
		p->admin_reserve_kbytes = minll(free_kb / 32, 1LL << 13);
	if (p->user_reserve_kbytes == ORACLE_UNSET)
		p->user_reserve_kbytes = minll(free_kb / 32, 1LL << 17);
	if (p->panic_on_oom < 0 || p->panic_on_oom > 2)
		p->panic_on_oom = 0;
	if (p->nr_hugepages == ORACLE_UNSET)
		p->nr_hugepages = 0;
}

/* hugetlb_total_pages() (mm/hugetlb.c): the facts' Hugetlb (all sizes, kB),
 * or before boot vm.nr_hugepages of the default 2 MiB size. */
static long long hugetlb_pages(const struct oracle_policy *p, const struct oracle_facts *f)
{
	if (f->hugetlb_kb > 0)
		return kb_pages(f->hugetlb_kb);
	if (p->nr_hugepages > 0)
		return minll(p->nr_hugepages, MAX_KB / 4 / HPAGE_PAGES) * HPAGE_PAGES;
	return 0;
}

/* mm/util.c vm_commit_limit() (4.19, 6.1, 6.12 identical; /proc/meminfo
 * CommitLimit prints it, fs/proc/meminfo.c):
 *   allowed = overcommit_kbytes ? kbytes >> (PAGE_SHIFT - 10)
 *             : (totalram_pages() - hugetlb_total_pages()) * ratio / 100;
 *   allowed += total_swap_pages;
 * A write of either sysctl zeroes the other (overcommit_ratio_handler,
 * overcommit_kbytes_handler), so a policy naming both means the kbytes. */
static long long commit_limit_pages(const struct oracle_policy *p, const struct oracle_facts *f)
{
	long long ram = maxll(kb_pages(f->mem_total_kb) - hugetlb_pages(p, f), 0);
	long long ratio = p->overcommit_ratio == ORACLE_UNSET ? 50 : p->overcommit_ratio;
	long long allowed;

	ratio = minll(maxll(ratio, 0), INT_MAX);    /* an int sysctl */
	if (p->overcommit_kbytes > 0)
		allowed = kb_pages(p->overcommit_kbytes);
	else if (ratio > 0 && ram > LLONG_MAX / ratio)
		allowed = MAX_KB / KB_PER_PAGE;     /* saturate absurd ratios */
	else
		allowed = ram * ratio / 100;
	return minll(allowed, MAX_KB / KB_PER_PAGE) + kb_pages(f->swap_total_kb);
}

long long oracle_commit_limit_kb(const struct oracle_policy *p, const struct oracle_facts *f)
{
	return commit_limit_pages(p, f) * KB_PER_PAGE;
}

/* mm/mm_init.c mm_compute_batch(): nr = num_present_cpus(),
 * batch = max(nr * 2, 32), memsized = min(totalram / nr / 256, INT_MAX)
 * (0.4%); since 5.9 (56f3547bfa4d) only for OVERCOMMIT_NEVER, other modes
 * use totalram / nr / 4 (25%).  vm_committed_as_batch = max(memsized,
 * batch); 6.1 and 6.12 read.  Writing vm.overcommit_memory recomputes it
 * (mm/util.c overcommit_policy_handler, 5.9+). */
long long oracle_commit_batch_pages(int overcommit_memory, const struct oracle_facts *f)
{
	long long nr = cpus(f);
	long long ram = f ? kb_pages(f->mem_total_kb) : 0;
	long long div = (overcommit_memory == 2 || before(f, 5, 9)) ? 256 : 4;

	return maxll(minll(ram / nr / div, INT_MAX), maxll(nr * 2, 32));
}

/* The model's view of one step: policy with defaults, numbers in pages. */
struct model {
	struct oracle_policy p;
	const struct oracle_facts *f;
	const struct oracle_request *r;
	int mode;
	bool accounted, old_guess;
	long long req, chunk;              /* pages */
	long long limit, admin, user_max;  /* mode 2 */
	long long committed, total_vm;
	long long guess_free;              /* mode 0 before 5.2, before reserves */
};

/* mm/mmap.c do_mmap(): MAP_NORESERVE sets VM_NORESERVE only when
 * sysctl_overcommit_memory != OVERCOMMIT_NEVER; accountable_mapping()
 * charges private writable mappings without VM_NORESERVE (mmap_region ->
 * security_vm_enough_memory_mm).  MAP_SHARED anonymous memory is charged by
 * mm/shmem.c shmem_acct_size() through shmem_zero_setup(), likewise unless
 * VM_NORESERVE.  Same in 4.19, 6.1 and 6.12.  Mode 1 charges too but
 * never refuses. */
static void model_init(struct model *m, const struct oracle_policy *p,
		       const struct oracle_facts *f, const struct oracle_request *r)
{
	memset(m, 0, sizeof(*m));
	m->p = *p;
	oracle_defaults(&m->p, f);
	m->f = f;
	m->r = r;
	m->mode = m->p.overcommit_memory;
	m->accounted = !(r->noreserve && m->mode != 2);
	m->old_guess = m->mode == 0 && before(f, 5, 2);
	m->req = byte_pages(r->bytes);
	m->chunk = r->kind == REQ_HOG ? byte_pages(r->chunk_bytes > 0 ? r->chunk_bytes : HOG_CHUNK)
				      : m->req;
	m->chunk = maxll(m->chunk, 1);
	m->limit = commit_limit_pages(&m->p, f);
	m->admin = r->cap_sys_admin ? 0 : kb_pages(m->p.admin_reserve_kbytes);
	m->user_max = kb_pages(m->p.user_reserve_kbytes);
	m->committed = kb_pages(f->committed_as_kb);
	m->total_vm = kb_pages(r->task_total_vm_kb);
	m->guess_free = kb_pages(f->mem_free_kb) + kb_pages(f->file_kb) - kb_pages(f->shmem_kb) +
			kb_pages(f->swap_free_kb) + kb_pages(f->sreclaimable_kb);
	/* 4.20 .. 5.1 add NR_KERNEL_MISC_RECLAIMABLE = KReclaimable - SReclaimable;
	 * 4.17 .. 4.19 add NR_INDIRECTLY_RECLAIMABLE_BYTES, which meminfo does
	 * not show (taken as 0). */
	if (!before(f, 4, 20) && f->kreclaimable_kb > f->sreclaimable_kb)
		m->guess_free += kb_pages(f->kreclaimable_kb) - kb_pages(f->sreclaimable_kb);
}

/* The user reserve of mode 2 for a task of total_vm pages:
 * min_t(long, mm->total_vm / 32, sysctl_user_reserve_kbytes >> 2). */
static long long user_reserve(const struct model *m, long long total_vm)
{
	return minll(total_vm / 32, m->user_max);
}

/* mm/util.c __vm_enough_memory(): the largest request (pages) granted after
 * `done` pages of the same task were mapped (and touched) already.
 * - OVERCOMMIT_ALWAYS (1): everything (4.19, 6.1, 6.12).
 * - OVERCOMMIT_GUESS (0), 5.2+ (8c7829b04c52; 6.1, 6.12 read): refused when
 *   pages > totalram_pages() + total_swap_pages, so exactly that is granted.
 * - OVERCOMMIT_GUESS before 5.2 (v4.19, v5.1): free = NR_FREE_PAGES +
 *   NR_FILE_PAGES - NR_SHMEM + get_nr_swap_pages() + NR_SLAB_RECLAIMABLE
 *   (+ misc reclaimable); error if free <= totalreserve_pages, else free -=
 *   totalreserve_pages, minus the admin reserve without CAP_SYS_ADMIN;
 *   granted only if free > pages.  Touched pages leave free (or free swap)
 *   one for one, so `done` comes off it.
 * - OVERCOMMIT_NEVER (2; 4.19, 6.1, 6.12): vm_acct_memory(pages) first, then
 *   granted only if percpu_counter_read_positive(&vm_committed_as) <
 *   allowed, allowed = vm_commit_limit() - admin reserve (no
 *   CAP_SYS_ADMIN) - min(total_vm / 32, user reserve): committed + pages
 *   equal to allowed is refused. */
static long long limit_at(const struct model *m, long long done)
{
	if (m->mode == 0 && !m->old_guess)
		return kb_pages(m->f->mem_total_kb) + kb_pages(m->f->swap_total_kb);
	if (m->mode == 0)
		return m->guess_free - done - kb_pages(m->f->totalreserve_kb) - m->admin;
	return m->limit - m->admin - user_reserve(m, m->total_vm + done);
}

static long long largest_at(const struct model *m, long long done)
{
	if (!m->accounted || m->mode == 1)
		return LLONG_MAX;
	if (m->mode == 0 && !m->old_guess)
		return limit_at(m, done);
	if (m->mode == 0)
		return limit_at(m, done) - 1;
	return limit_at(m, done) - (m->committed + done) - 1;
}

/* Request of chunk i (pages); the last one is what is left. */
static long long chunk_req(const struct model *m, long long i)
{
	return minll(m->chunk, m->req - i * m->chunk);
}

static bool chunk_refused(const struct model *m, long long i)
{
	return chunk_req(m, i) > largest_at(m, i * m->chunk);
}

static long long nchunks(const struct model *m)
{
	return m->req / m->chunk + (m->req % m->chunk != 0);
}

/* The chunk whose check decides whether the whole request passes: for the
 * 5.2+ heuristic the room is constant and the first chunk is the largest;
 * otherwise the room shrinks as the mapped total grows, so the last. */
static long long decisive_chunk(const struct model *m)
{
	long long n = nchunks(m);

	return (m->mode == 0 && !m->old_guess) || n == 0 ? 0 : n - 1;
}

/* The first refused chunk, or -1.  A REQ_MMAP is one chunk.  Refusal is
 * monotone in i (see decisive_chunk), so a binary search finds it. */
static long long first_refused(const struct model *m)
{
	long long n = nchunks(m), lo = 0, hi = n - 1;

	if (n == 0 || !chunk_refused(m, decisive_chunk(m)))
		return -1;
	if (m->mode == 0 && !m->old_guess)
		return 0;
	while (lo < hi) {
		long long mid = lo + (hi - lo) / 2;

		if (chunk_refused(m, mid))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* tolerance of the overcommit decision, pages. */
static long long overcommit_tolerance(const struct model *m)
{
	long long nr = cpus(m->f);

	if (m->mode == 2)           /* lag of percpu_counter_read() */
		return oracle_commit_batch_pages(2, m->f) * nr;
	if (m->old_guess)           /* per-CPU vmstat drift of 4 counters */
		return 4 * VMSTAT_THRESHOLD_MAX * nr;
	return 0;
}

/* Where touched memory runs out (kB).  Global: MemFree + SwapFree at the
 * step start.  Memory cgroup v2 (Documentation/admin-guide/cgroup-v2.rst):
 * memory.max bounds memory.current, memory.swap.max (default max) the
 * cgroup's swap; the workload's cgroup is empty before the step.  The
 * smaller bound is reached first and decides which OOM comes. */
struct phys {
	long long global_kb, memcg_kb, cap_kb;
	bool memcg;
};

static void phys_capacity(const struct model *m, struct phys *ph)
{
	const struct oracle_policy *p = &m->p;
	long long swap_free = kb(m->f->swap_free_kb);

	ph->global_kb = kb(m->f->mem_free_kb) + swap_free;
	ph->memcg_kb = LLONG_MAX;
	if (p->in_memcg && p->memcg_max >= 0) {
		long long swap = p->memcg_swap_max >= 0 ? minll(kb(p->memcg_swap_max / 1024), swap_free)
							: swap_free;

		ph->memcg_kb = kb(p->memcg_max / 1024) + swap;
	}
	ph->memcg = ph->memcg_kb <= ph->global_kb;
	ph->cap_kb = ph->memcg ? ph->memcg_kb : ph->global_kb;
}

/* The physical band: page tables of the touched range (8 bytes per 4 KiB
 * page, charged to the memcg too), a slack for watermarks and the workload's
 * own pages, and for a global OOM the caches reclaim could still give. */
static long long phys_tolerance(const struct model *m, const struct phys *ph, long long need_kb)
{
	long long t = need_kb / 512 + PHYS_SLACK_KB;

	if (!ph->memcg)
		t += maxll(kb(m->f->file_kb) - kb(m->f->shmem_kb), 0) + kb(m->f->sreclaimable_kb);
	return t;
}

/* mm/oom_kill.c out_of_memory() (6.1, 6.12; same order in 4.19):
 * check_panic_on_oom() first: panic_on_oom 2 always panics, 1 only for
 * CONSTRAINT_NONE (not for a memcg OOM).  Then, for a global OOM only,
 * oom_kill_allocating_task kills current if it has an mm, is killable and
 * its oom_score_adj is not OOM_SCORE_ADJ_MIN.  Else select_bad_process();
 * nothing killable panics a global OOM ("System is deadlocked on memory")
 * and makes a memcg OOM fail the charge (the fault is retried: no path).
 * oom_kill_process() kills the whole memory.oom.group cgroup of the victim
 * (mm/memcontrol.c mem_cgroup_get_oom_group: up to the OOM domain, root for
 * a global OOM; 4.19+).  The workload is the only killable task (the agent
 * is PID 1 with oom_score_adj -1000), so it is the victim. */
static enum oom_path oom_outcome(const struct model *m, bool memcg, const char **how)
{
	const struct oracle_policy *p = &m->p;
	bool killable = m->r->oom_score_adj != OOM_SCORE_ADJ_MIN;

	if (p->panic_on_oom == 2 || (p->panic_on_oom == 1 && !memcg)) {
		*how = p->panic_on_oom == 2 ? "panic_on_oom=2 panics" : "panic_on_oom=1 panics";
		return PATH_OOM_PANIC;
	}
	if (!killable) {
		*how = memcg ? "nothing killable, the charge fails and the fault retries"
			     : "nothing killable: System is deadlocked on memory";
		return memcg ? PATH_UNKNOWN : PATH_NO_KILLABLE_PANIC;
	}
	if (p->in_memcg && p->memcg_oom_group) {
		*how = "memory.oom.group kills the whole cgroup";
		return PATH_OOM_GROUP_KILL;
	}
	if (!memcg && p->oom_kill_allocating_task) {
		*how = "oom_kill_allocating_task kills the workload";
		return PATH_ALLOCATING_TASK_KILL;
	}
	*how = memcg ? "the memcg OOM killer kills the workload"
		     : "the OOM killer kills the workload";
	return memcg ? PATH_MEMCG_OOM_KILL : PATH_GLOBAL_OOM_KILL;
}

static void set(struct oracle_prediction *o, enum oom_path path, long long margin_kb,
		long long limit_kb, long long tol_kb)
{
	o->path = path;
	o->margin_kb = margin_kb;
	o->limit_kb = limit_kb;
	o->tolerance_kb = tol_kb;
}

/* The sentence for an overcommit decision on `req` pages after `done`. */
static void explain_overcommit(const struct model *m, long long done, long long req,
			       bool refused, char *why, size_t n)
{
	const struct oracle_facts *f = m->f;
	const char *verb = refused ? "refused" : "granted";

	if (m->mode == 0 && !m->old_guess) {
		snprintf(why, n, "mode 0: request %lld kB %s MemTotal %lld kB + SwapTotal %lld kB: %s",
			 req * 4, refused ? ">" : "<=", kb(f->mem_total_kb), kb(f->swap_total_kb), verb);
	} else if (m->mode == 0) {
		snprintf(why, n, "mode 0 (before 5.2): request %lld kB %s MemFree %lld + file %lld - shmem %lld"
			 " + SwapFree %lld + SReclaimable %lld - touched %lld - totalreserve %lld"
			 " - admin reserve %lld kB: %s", req * 4, refused ? ">=" : "<",
			 kb(f->mem_free_kb), kb(f->file_kb), kb(f->shmem_kb), kb(f->swap_free_kb),
			 kb(f->sreclaimable_kb), done * 4, kb(f->totalreserve_kb), m->admin * 4, verb);
	} else if (done == 0) {
		snprintf(why, n, "mode 2: Committed_AS %lld kB + request %lld kB %s CommitLimit %lld kB"
			 " - admin reserve %lld kB - user reserve %lld kB: %s", m->committed * 4,
			 req * 4, refused ? ">=" : "<", m->limit * 4, m->admin * 4,
			 user_reserve(m, m->total_vm) * 4, verb);
	} else {
		snprintf(why, n, "mode 2: Committed_AS %lld kB + mapped %lld kB + chunk %lld kB %s"
			 " CommitLimit %lld kB - admin reserve %lld kB - user reserve %lld kB: %s",
			 m->committed * 4, done * 4, req * 4, refused ? ">=" : "<", m->limit * 4,
			 m->admin * 4, user_reserve(m, m->total_vm + done) * 4, verb);
	}
}

/* The overcommit decision on chunk i as a prediction: refused is a
 * rejection path, granted is no_failure with the overcommit margin. */
static void overcommit_fill(const struct model *m, long long i, bool refused,
			    struct oracle_prediction *o)
{
	long long done = i * m->chunk, req = maxll(chunk_req(m, i), 0);

	set(o, refused ? (m->mode == 2 ? PATH_COMMIT_REJECT : PATH_HEURISTIC_REJECT) : PATH_NO_FAILURE,
	    (largest_at(m, done) - req) * KB_PER_PAGE, limit_at(m, done) * KB_PER_PAGE,
	    overcommit_tolerance(m) * KB_PER_PAGE);
	explain_overcommit(m, done, req, refused, o->why, sizeof(o->why));
}

/* Touched memory past the capacity: an OOM of the bounding kind. */
static void predict_oom(const struct model *m, const struct phys *ph, long long need_kb,
			struct oracle_prediction *o)
{
	const char *how = "";
	enum oom_path path = oom_outcome(m, ph->memcg, &how);

	set(o, path, ph->cap_kb - need_kb, ph->cap_kb, phys_tolerance(m, ph, need_kb));
	if (ph->memcg)
		snprintf(o->why, sizeof(o->why), "touching %lld kB > memory.max %lld kB + usable swap"
			 " %lld kB (approximate): memcg OOM, %s", need_kb, kb(m->p.memcg_max / 1024),
			 ph->memcg_kb - kb(m->p.memcg_max / 1024), how);
	else
		snprintf(o->why, sizeof(o->why), "touching %lld kB > MemFree %lld kB + SwapFree %lld kB"
			 " (approximate): global OOM, %s", need_kb, kb(m->f->mem_free_kb),
			 kb(m->f->swap_free_kb), how);
}

/* Everything fits: memory.high below the size throttles, else no failure
 * (memory.high never invokes the OOM killer: cgroup-v2.rst; mm/memcontrol.c
 * mem_cgroup_handle_over_high() reclaims and, in 6.1 and 6.12, sleeps up to
 * MEMCG_MAX_HIGH_DELAY_JIFFIES, 2 s, per return to user space). */
static void predict_fits(const struct model *m, const struct phys *ph, long long need_kb,
			 struct oracle_prediction *o)
{
	long long i = decisive_chunk(m);
	long long room = largest_at(m, i * m->chunk);
	long long oc = room == LLONG_MAX ? LLONG_MAX : (room - maxll(chunk_req(m, i), 0)) * KB_PER_PAGE;
	long long pm = need_kb > 0 ? ph->cap_kb - need_kb : LLONG_MAX;

	if (m->p.in_memcg && m->p.memcg_high >= 0 && need_kb > kb(m->p.memcg_high / 1024)) {
		long long high = kb(m->p.memcg_high / 1024);

		set(o, PATH_MEMCG_HIGH_THROTTLE, high - need_kb, high, phys_tolerance(m, ph, need_kb));
		snprintf(o->why, sizeof(o->why), "touching %lld kB > memory.high %lld kB, within"
			 " memory.max + swap %lld kB: reclaimed and throttled, nothing killed",
			 need_kb, high, ph->cap_kb);
		return;
	}
	set(o, PATH_NO_FAILURE, 0, 0, 0);
	if (oc != LLONG_MAX && oc <= pm) {
		overcommit_fill(m, i, false, o);
	} else if (pm != LLONG_MAX) {
		set(o, PATH_NO_FAILURE, pm, ph->cap_kb, phys_tolerance(m, ph, need_kb));
		snprintf(o->why, sizeof(o->why), "touching %lld kB fits in %s %lld kB (approximate):"
			 " no failure", need_kb, ph->memcg ? "memory.max + usable swap"
			 : "MemFree + SwapFree", ph->cap_kb);
	} else {
		snprintf(o->why, sizeof(o->why), "mode %d: mapping %lld kB is %s and not touched:"
			 " no failure", m->mode, m->req * 4, m->accounted ? "granted" : "not accounted");
	}
}

/* mm/slab_common.c __do_kmalloc_node (6.1) and mm/slub.c (6.12): a size
 * above KMALLOC_MAX_CACHE_SIZE (1 << (PAGE_SHIFT + 1) with SLUB,
 * include/linux/slab.h) goes to the page allocator, order get_order(size);
 * orders end at 10 (6.1 MAX_ORDER 11, 6.12 MAX_PAGE_ORDER 10). */
int oracle_kmalloc_order(long long bytes)
{
	int order = 0;

	if (bytes <= 2 * 4096 || bytes > 4096LL << 10)
		return -1;
	while ((4096LL << order) < bytes)
		order++;
	return order;
}

/* fs/pipe.c (6.1, 6.12): round_pipe_size() gives 0 (EINVAL) past 2^31,
 * PAGE_SIZE below it, else roundup_pow_of_two(size); pipe_resize_ring()
 * kcalloc()s size >> PAGE_SHIFT struct pipe_buffer of 40 bytes
 * (include/linux/pipe_fs_i.h: page, offset + len, ops, flags, private). */
int oracle_pipe_ring_order(long long pipe_bytes)
{
	long long size = 4096;

	if (pipe_bytes < 1 || pipe_bytes > 1LL << 31)
		return -1;
	while (size < pipe_bytes)
		size <<= 1;
	return oracle_kmalloc_order(size / 4096 * 40);
}

/* Kernel allocations of one order until one meets its limit.
 * mm/page_alloc.c __alloc_pages_slowpath() (6.1, 6.12): a costly order
 * without __GFP_RETRY_MAYFAIL gives up after one round of reclaim and
 * compaction, and __alloc_pages_may_oom() returns before out_of_memory()
 * for order > PAGE_ALLOC_COSTLY_ORDER ("The OOM killer will not help
 * higher order allocs"): the allocation fails.  Order <= 3 retries
 * (should_reclaim_retry, should_compact_retry) and then invokes the OOM
 * killer.  A charge (mm/memcontrol.c try_charge_memcg, __GFP_ACCOUNT)
 * over memory.max reclaims, retries and calls mem_cgroup_oom(), which
 * returns false at once for order > PAGE_ALLOC_COSTLY_ORDER, before it
 * raises memory.events "oom": the charge fails with ENOMEM ("max" rose). */
static void predict_kalloc(const struct model *m, struct oracle_prediction *o)
{
	const struct oracle_request *r = m->r;
	bool memcg = r->accounted && m->p.in_memcg && m->p.memcg_max >= 0;
	long long costly_kb = KB_PER_PAGE << ORACLE_COSTLY_ORDER;
	const char *how = "";

	if (r->order < 0 || r->order > 10) {
		set(o, PATH_UNKNOWN, 0, 0, 0);
		snprintf(o->why, sizeof(o->why), "not a page allocation of a known order");
		return;
	}
	set(o, PATH_COSTLY_ORDER_FAIL, costly_kb - (KB_PER_PAGE << r->order), costly_kb, 0);
	if (r->order > ORACLE_COSTLY_ORDER) {
		snprintf(o->why, sizeof(o->why), "order %d > PAGE_ALLOC_COSTLY_ORDER %d: %s", r->order,
			 ORACLE_COSTLY_ORDER, memcg ? "mem_cgroup_oom() skips the OOM killer, the "
			 "charge fails (mm/memcontrol.c)" : "__alloc_pages_may_oom() does not invoke "
			 "the OOM killer, the allocation fails (mm/page_alloc.c)");
		return;
	}
	o->path = oom_outcome(m, memcg, &how);
	if (o->path == PATH_GLOBAL_OOM_KILL || o->path == PATH_MEMCG_OOM_KILL)
		how = "it kills the stressor's helper (the stressor has oom_score_adj -1000)";
	snprintf(o->why, sizeof(o->why), "order %d <= PAGE_ALLOC_COSTLY_ORDER %d: %s OOM, %s",
		 r->order, ORACLE_COSTLY_ORDER, memcg ? "a memcg" : "a global", how);
}

void oracle_predict(const struct oracle_policy *p, const struct oracle_facts *f,
		    const struct oracle_request *r, struct oracle_prediction *out)
{
	struct model m;
	struct phys ph;
	long long refused, need_kb;
	bool touch;

	memset(out, 0, sizeof(*out));
	if (!p || !f || !r) {
		snprintf(out->why, sizeof(out->why), "no policy, facts or request");
		return;
	}
	model_init(&m, p, f, r);
	if (r->kind == REQ_KALLOC) {
		predict_kalloc(&m, out);
		return;
	}
	touch = r->kind == REQ_HOG || r->touch;
	phys_capacity(&m, &ph);
	need_kb = touch ? m.req * KB_PER_PAGE : 0;
	refused = first_refused(&m);
	/* A refused chunk after `done` touched pages: the refusal comes first
	 * unless memory ran out before that much was touched. */
	if (refused >= 0 && (!touch || refused * m.chunk * KB_PER_PAGE <= ph.cap_kb))
		overcommit_fill(&m, refused, true, out);
	else if (touch && need_kb > ph.cap_kb)
		predict_oom(&m, &ph, need_kb, out);
	else
		predict_fits(&m, &ph, need_kb, out);
}
