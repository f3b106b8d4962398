/* incident_explain.c - the plain-text sentence and explanation of an event.
 *
 * Kernel rules cited:
 *   include/linux/mmzone.h  PAGE_ALLOC_COSTLY_ORDER 3
 *   mm/page_alloc.c  __alloc_pages_may_oom(): "The OOM killer will not help higher
 *                    order allocs": order > PAGE_ALLOC_COSTLY_ORDER never calls
 *                    out_of_memory(); neither do __GFP_RETRY_MAYFAIL, __GFP_THISNODE
 *                    or (should_alloc_retry/__alloc_pages_slowpath) __GFP_NORETRY
 *                    allocations; without __GFP_DIRECT_RECLAIM (__GFP_WAIT before 4.4)
 *                    the allocator cannot reclaim at all and fails at once.
 *                    __zone_watermark_ok(): an allocation needs free pages above the
 *                    zone's min watermark (plus lowmem_reserve) after taking 2^order.
 *   include/linux/gfp.h  gfp_zone(): the highest zone the mask allows; lower zones
 *                    are the fallbacks (DMA < DMA32 < Normal < HighMem < Movable).
 *   drivers/tty/sysrq.c  moom_callback(): sysrq-f runs the OOM killer on request.
 *   mm/oom_kill.c    __oom_kill_process(): anon-rss, file-rss, shmem-rss of the victim.
 */
#include "incident_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define COSTLY_ORDER 3

void inc_add_size(struct buf *b, long long kb)
{
	static const char *const units[] = { "MiB", "GiB", "TiB", "PiB", "EiB" };
	char num[64];
	double x = (double)kb / 1024;
	size_t u = 0, n;

	if (kb == INC_NONE) {
		buf_addstr(b, "?");
		return;
	}
	if (kb < 1024) {
		buf_addf(b, "%lld KiB", kb);
		return;
	}
	while (x >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		x /= 1024;
		u++;
	}
	n = (size_t)snprintf(num, sizeof(num), "%.1f", x);
	if (n >= 2 && n < sizeof(num) && !strcmp(num + n - 2, ".0"))
		num[n - 2] = '\0';
	buf_addf(b, "%s %s", num, units[u]);
}

long long inc_page_kb(const struct incident_event *e)
{
	for (size_t i = 0; i < e->nzones; i++)
		if (e->zones[i].norders && e->zones[i].page_kb > 0)
			return e->zones[i].page_kb;
	return 4;
}

int inc_event_kver(const struct incident_event *e)
{
	unsigned long long mask;
	int v = incident_kver(e->kernel_version);

	if (v)
		return v;
	if (e->gfp_flags[0] && inc_gfp_value(e->gfp_mask, &mask) &&
	    (v = incident_gfp_match(mask, e->gfp_flags)))
		return v;
	/* The formats give a lower bound: the oldest version printing them. */
	if (e->task_cols & INC_COL_PGTABLES)
		return 41500;
	/* %pGg names after the mask: 4.5+ (mm/oom_kill.c dump_header()) */
	if (e->gfp_flags[0])
		return 40500;
	if (e->task_cols & (INC_COL_OOM_ADJ | INC_COL_CPU))
		return 20632;
	if (e->task_cols & INC_COL_NR_PTES)
		return 30000;
	/* a mask without names: before 4.5 */
	return e->gfp_mask[0] ? 20632 : 0;
}

static long long kill_kb(const struct incident_kill *k)
{
	long long t = 0;

	if (k->anon_rss_kb != INC_NONE)
		t += k->anon_rss_kb;
	if (k->file_rss_kb != INC_NONE)
		t += k->file_rss_kb;
	if (k->shmem_rss_kb != INC_NONE)
		t += k->shmem_rss_kb;
	return t;
}

static void add_victim(const struct incident_event *e, struct buf *b)
{
	if (!e->have_victim) {
		buf_addstr(b, "no kill line in the report");
		return;
	}
	buf_addf(b, "killed %s (pid %lld", e->victim.comm, e->victim.pid);
	if (e->victim.anon_rss_kb != INC_NONE) {
		buf_addstr(b, ", ");
		inc_add_size(b, e->victim.anon_rss_kb);
		buf_addstr(b, " anon");
	}
	if (e->victim.oom_score_adj != INC_NONE && e->victim.oom_score_adj)
		buf_addf(b, ", oom_score_adj %lld", e->victim.oom_score_adj);
	buf_addch(b, ')');
	if (e->nkills > 1)
		buf_addf(b, " and %zu more (memory.oom.group)", e->nkills - 1);
}

static void add_invoker(const struct incident_event *e, struct buf *b)
{
	if (!e->invoker_comm[0])
		return;
	buf_addf(b, "; invoked by %s", e->invoker_comm);
	if (e->order != INC_NONE && e->gfp_mask[0])
		buf_addf(b, " (order %lld, %s)", e->order, e->gfp_flags[0] ? e->gfp_flags : e->gfp_mask);
	else if (e->order != INC_NONE)
		buf_addf(b, " (order %lld)", e->order);
}

static void add_ram(const struct incident_event *e, struct buf *b)
{
	long long pk = inc_page_kb(e);

	if (e->ram_pages != INC_NONE) {
		buf_addstr(b, ": RAM ");
		inc_add_size(b, e->ram_pages * pk);
	}
	if (e->swap_total_kb != INC_NONE) {
		buf_addstr(b, e->ram_pages != INC_NONE ? ", swap " : ": swap ");
		if (e->swap_total_kb)
			inc_add_size(b, e->swap_total_kb);
		else
			buf_addstr(b, "none");
	}
}

void inc_sentence(const struct incident_event *e, struct buf *b)
{
	switch (e->kind) {
	case INC_MEMCG_OOM:
		buf_addf(b, "memcg OOM in %s: limit ", e->memcg[0] ? e->memcg : "(cgroup not named)");
		inc_add_size(b, e->memcg_limit_kb);
		buf_addstr(b, ", usage ");
		inc_add_size(b, e->memcg_usage_kb);
		buf_addstr(b, ", ");
		add_victim(e, b);
		break;
	case INC_GLOBAL_OOM:
		buf_addf(b, "global OOM (%s)", e->constraint[0] ? e->constraint : "no constraint line");
		add_ram(e, b);
		buf_addstr(b, "; ");
		add_victim(e, b);
		break;
	case INC_SYSRQ_OOM:
		buf_addstr(b, "manual OOM (sysrq f): ");
		add_victim(e, b);
		break;
	case INC_ALLOCATING_TASK_OOM:
		buf_addstr(b, "OOM with vm.oom_kill_allocating_task: ");
		add_victim(e, b);
		break;
	case INC_OOM_PANIC:
		buf_addf(b, "OOM panic (vm.panic_on_oom): \"%s\"; nobody was killed", e->panic_reason);
		break;
	case INC_NO_KILLABLE:
		buf_addf(b, "OOM with no killable task%s%s", e->panic_reason[0] ? ": " : "",
			 e->panic_reason);
		break;
	case INC_PAGE_ALLOC_FAILURE:
		buf_addf(b, "page allocation failure in %s: order %lld, mode %s%s%s%s", e->invoker_comm,
			 e->order, e->gfp_mask, e->gfp_flags[0] ? " (" : "", e->gfp_flags,
			 e->gfp_flags[0] ? ")" : "");
		return;
	case INC_KIND_UNKNOWN:
		buf_addstr(b, "OOM report cut short: kind unknown");
		break;
	}
	add_invoker(e, b);
}

/* ---- GFP ---- */

static void explain_gfp(const struct incident_event *e, int kver, struct buf *b)
{
	unsigned long long mask, bitv;
	struct buf dec = BUF_INIT;
	const char *range;

	if (!inc_gfp_value(e->gfp_mask, &mask))
		return;
	range = incident_gfp_decode(mask, kver, &dec);
	buf_addf(b, "  GFP mask %s = %s (bit values of kernels %s%s)", e->gfp_mask, dec.s, range,
		 incident_kver(e->kernel_version) ? "" : kver ? "; the log names no version, its"
		 " formats tell" : "; the log names no version");
	if (e->gfp_flags[0] && strcmp(dec.s, e->gfp_flags))
		buf_addf(b, "; the kernel printed %s (a vendor kernel's own flags?)", e->gfp_flags);
	buf_addstr(b, ".\n  It asks for zones up to ");
	buf_addstr(b, inc_gfp_zone(mask));
	bitv = inc_gfp_bit(kver, "DIRECT_RECLAIM") | inc_gfp_bit(kver, "WAIT");
	buf_addstr(b, (mask & bitv) ? "; it may sleep and reclaim" : "; it cannot sleep, so it cannot reclaim");
	if (!(mask & inc_gfp_bit(kver, "FS")))
		buf_addstr(b, "; no filesystem reclaim (__GFP_FS clear)");
	if (mask & inc_gfp_bit(kver, "ACCOUNT"))
		buf_addstr(b, "; charged to the memory cgroup (__GFP_ACCOUNT)");
	if ((bitv = inc_gfp_bit(kver, "NORETRY")) && (mask & bitv))
		buf_addstr(b, "; __GFP_NORETRY: gives up without the OOM killer");
	if ((bitv = inc_gfp_bit(kver, "RETRY_MAYFAIL")) && (mask & bitv))
		buf_addstr(b, "; __GFP_RETRY_MAYFAIL: may fail, never calls the OOM killer");
	if ((bitv = inc_gfp_bit(kver, "NOFAIL")) && (mask & bitv))
		buf_addstr(b, "; __GFP_NOFAIL: must not fail");
	buf_addstr(b, ".\n");
	buf_release(&dec);
}

void inc_explain(const struct incident_event *e, struct buf *b)
{
	int kver = inc_event_kver(e);

	if (e->kernel_version[0])
		buf_addf(b, "  Kernel %s.\n", e->kernel_version);
	explain_gfp(e, kver, b);
	inc_explain_zones(e, kver, b);
	inc_explain_victim(e, b);
	inc_explain_memory(e, b);
	if (e->reaped == 1)
		buf_addstr(b, "  The oom_reaper freed the victim's memory (\"oom_reaper: reaped process\").\n");
	else if (e->reaped == 0)
		buf_addstr(b, "  The oom_reaper could not reap the victim (\"unable to reap\").\n");
}

/* ---- zones: why the allocation failed ---- */

static const char *const zone_names[] = { "DMA", "DMA32", "Normal", "HighMem", "Movable" };

static int zone_rank(const char *name)
{
	for (int i = 0; i < 5; i++)
		if (!strcmp(name, zone_names[i]))
			return i;
	return 2;
}

/* The index into lowmem_reserve[] of the highest zone the request may use
 * (its classzone): the kernel's zone types are those the report prints
 * plus Normal and Movable, which always exist (include/linux/mmzone.h). */
static int class_index(const struct incident_event *e, int want)
{
	int idx = -1;

	for (int r = 0; r < 5 && r <= want; r++) {
		bool seen = r == 2 || r == 4;

		for (size_t z = 0; !seen && z < e->nzones; z++)
			seen = !strcmp(e->zones[z].name, zone_names[r]);
		idx += seen;
	}
	return idx;
}

/* The largest order with a free block, or -1. */
static int largest_free(const struct incident_zone *z)
{
	for (int k = z->norders; k-- > 0;)
		if (z->nr_free[k] > 0)
			return k;
	return -1;
}

struct zone_tally {
	int eligible, failed, frag;
};

/* __zone_watermark_ok() (mm/page_alloc.c): after taking 2^order pages the
 * zone must keep more than min + lowmem_reserve[classzone] free. */
static void zone_line(const struct incident_event *e, const struct incident_zone *z, int cls,
		      struct buf *b, struct zone_tally *t)
{
	long long pk = inc_page_kb(e), order = e->order > 0 && e->order < 20 ? e->order : 0;
	long long reserve = cls >= 0 && cls < z->nreserve ? z->reserve[cls] * pk : 0;
	int big = largest_free(z);

	buf_addstr(b, "    ");
	if (z->node >= 0)
		buf_addf(b, "Node %d ", z->node);
	buf_addf(b, "%s: free ", z->name);
	inc_add_size(b, z->free_kb);
	buf_addstr(b, ", min ");
	inc_add_size(b, z->min_kb);
	if (reserve > 0) {
		buf_addstr(b, " + lowmem_reserve ");
		inc_add_size(b, reserve);
	}
	t->eligible++;
	if (z->min_kb != INC_NONE && z->free_kb - ((1LL << order) - 1) * pk <= z->min_kb + reserve) {
		buf_addstr(b, ": fails the watermark check");
		t->failed++;
	} else {
		buf_addstr(b, ": passes");
	}
	if (z->norders) {
		buf_addf(b, "; largest free block order %d", big);
		if (order > 0 && big < order) {
			buf_addf(b, " (none of order %lld)", order);
			t->frag++;
		}
	}
	buf_addstr(b, "\n");
}

static void explain_memcg_limit(const struct incident_event *e, struct buf *b)
{
	buf_addf(b, "  Why: the memory cgroup %s reached its limit: usage ", e->memcg[0] ? e->memcg : "");
	inc_add_size(b, e->memcg_usage_kb);
	buf_addstr(b, " of ");
	inc_add_size(b, e->memcg_limit_kb);
	if (e->memcg_failcnt != INC_NONE)
		buf_addf(b, " (failcnt %lld)", e->memcg_failcnt);
	if (e->memsw_limit_kb != INC_NONE) {
		buf_addstr(b, "; memory+swap ");
		inc_add_size(b, e->memsw_usage_kb);
		buf_addstr(b, " of ");
		inc_add_size(b, e->memsw_limit_kb);
		if (e->memsw_usage_kb >= e->memsw_limit_kb && e->memcg_usage_kb < e->memcg_limit_kb)
			buf_addstr(b, ": the memory+swap limit was hit, memory itself was below its"
				      " limit (the cgroup's swap allowance was used up)");
	}
	buf_addstr(b, ". The charge failed, not the system's memory: a memcg report"
		      " prints no zones.\n");
}

static void explain_order(const struct incident_event *e, struct buf *b)
{
	if (e->order == INC_NONE || e->order <= COSTLY_ORDER)
		return;
	buf_addf(b, "  Order %lld > PAGE_ALLOC_COSTLY_ORDER (3): __alloc_pages_may_oom() never"
		    " invokes the OOM killer for such an allocation, it fails instead%s.\n",
		 e->order, e->kind == INC_PAGE_ALLOC_FAILURE ? " (as here)" : " (this one must have"
		 " had __GFP_NOFAIL on an old kernel)");
}

void inc_explain_zones(const struct incident_event *e, int kver, struct buf *b)
{
	unsigned long long mask = 0;
	struct zone_tally t = { 0, 0, 0 };
	int top, cls;

	(void)kver;
	if (e->kind == INC_SYSRQ_OOM) {
		buf_addstr(b, "  Why: sysrq f (drivers/tty/sysrq.c moom_callback()) runs the OOM killer"
			      " on request; no allocation failed.\n");
		return;
	}
	if (e->kind == INC_MEMCG_OOM || (e->memcg_report && e->memcg_limit_kb != INC_NONE)) {
		explain_memcg_limit(e, b);
		return;
	}
	explain_order(e, b);
	if (!e->nzones)
		return;
	top = inc_gfp_value(e->gfp_mask, &mask) ? zone_rank(inc_gfp_zone(mask)) : 4;
	cls = class_index(e, top);
	buf_addstr(b, "  Zones the allocation could use (it needs free > min + lowmem_reserve):\n");
	for (size_t i = 0; i < e->nzones; i++)
		if (zone_rank(e->zones[i].name) <= top && e->zones[i].free_kb != INC_NONE)
			zone_line(e, &e->zones[i], cls, b, &t);
	if (t.eligible && t.failed == t.eligible)
		buf_addstr(b, "  Why: every zone it could use failed its watermark check, and"
			      " reclaim could not free enough.\n");
	else if (t.frag && t.frag == t.eligible)
		buf_addf(b, "  Why: no zone had a free block of order %lld: fragmentation.\n", e->order);
	else if (t.eligible)
		buf_addstr(b, "  Why: some zone passed when the report was printed (after the"
			      " failure): memory was freed meanwhile, or a cpuset or mempolicy kept"
			      " the allocation out of it.\n");
}

/* ---- why this victim ---- */

static void add_badness(const struct incident_event *e, const struct incident_badness *x,
			struct buf *b)
{
	const struct incident_task *t = &e->tasks[x->task];

	buf_addf(b, "%s (pid %lld): %lld points = rss %lld + swap %lld + page tables %lld + adj %lld",
		 t->name, t->pid, x->points, x->rss, x->swapents, x->pgtables, x->adj_points);
}

static void victim_compare(const struct incident_event *e, const struct incident_rank *r,
			   struct buf *b)
{
	const struct incident_task *top = &e->tasks[r->best[0].task];
	long long want = e->have_victim ? e->victim.pid : e->select_pid;
	double implied;

	if (want == INC_NONE)
		return;
	if (top->pid == want || top->pid == e->select_pid)
		buf_addstr(b, "    This is the task the kernel chose.\n");
	else
		buf_addf(b, "    The kernel chose pid %lld instead: the table is a snapshot taken"
			    " before the choice; the kernel also skips tasks already reaped or in"
			    " vfork, and before 4.17 took 3%% off tasks with CAP_SYS_ADMIN%s.\n",
			 want, e->select_pid != INC_NONE ? " (and old kernels sacrificed a child"
			 " of the chosen task)" : "");
	if (e->victim_score == INC_NONE || r->totalpages <= 0 || top->pid != e->select_pid)
		return;
	/* in double: the numbers come from the log */
	buf_addf(b, "    The kernel printed score %lld; recomputed %.0f (points*1000/totalpages).\n",
		 e->victim_score, floor((double)r->best[0].points * 1000.0 / (double)r->totalpages));
	/* The score gives the points back, swap included. */
	implied = (double)e->victim_score * (double)r->totalpages / 1000.0 - (double)r->best[0].points;
	if (!r->swapents_known && implied >= 1.0 && implied < 1e15) {
		buf_addstr(b, "    So the task had about ");
		inc_add_size(b, (long long)implied * inc_page_kb(e));
		buf_addstr(b, " more than its rss and page tables: swap, which this table does not show.\n");
	}
}

void inc_explain_victim(const struct incident_event *e, struct buf *b)
{
	struct incident_rank r;

	if (e->kind == INC_OOM_PANIC || e->kind == INC_PAGE_ALLOC_FAILURE)
		return;
	if (!e->ntasks) {
		if (e->have_victim)
			buf_addstr(b, "  Why this victim: the report has no task table"
				      " (vm.oom_dump_tasks=0, or cut), so the choice cannot be"
				      " recomputed.\n");
		return;
	}
	incident_rank(e, &r);
	buf_addf(b, "  Why this victim: badness of %zu candidate%s (mm/oom_kill.c oom_badness(), %s),"
		    " totalpages %lld%s:\n", r.n, r.n == 1 ? "" : "s", r.formula, r.totalpages,
		 r.totalpages_guessed ? " (estimated)" : "");
	if (!r.n) {
		buf_addstr(b, "    every listed task has oom_score_adj -1000.\n");
		return;
	}
	buf_addstr(b, "    top: ");
	add_badness(e, &r.best[0], b);
	if (r.n > 1) {
		buf_addstr(b, "\n    runner-up: ");
		add_badness(e, &r.best[1], b);
	}
	buf_addstr(b, "\n");
	if (!r.swapents_known)
		buf_addstr(b, "    This table has no swapents column: swapped-out memory is not"
			      " counted here.\n");
	victim_compare(e, &r, b);
}

/* ---- the memory picture ---- */

static void add_pages(struct buf *b, const char *what, long long pages, long long pk)
{
	if (pages == INC_NONE)
		return;
	buf_addf(b, ", %s ", what);
	inc_add_size(b, pages * pk);
}

static void share(const struct incident_event *e, long long whole_kb, const char *of, struct buf *b)
{
	long long v = kill_kb(&e->victim);

	if (!e->have_victim || whole_kb == INC_NONE || whole_kb <= 0)
		return;
	buf_addf(b, "  The victim %s held ", e->victim.comm);
	inc_add_size(b, v);
	buf_addf(b, " (anon + file + shmem): %.1f%% of %s.\n", 100.0 * (double)v / (double)whole_kb, of);
}

void inc_explain_memory(const struct incident_event *e, struct buf *b)
{
	long long pk = inc_page_kb(e), ram_kb = e->ram_pages != INC_NONE ? e->ram_pages * pk : INC_NONE;
	const struct incident_meminfo *m = &e->mem;

	if (e->memcg_limit_kb != INC_NONE && e->memcg_report) {
		share(e, e->memcg_limit_kb, "the cgroup's limit", b);
		return;
	}
	if (ram_kb == INC_NONE && !e->have_meminfo)
		return;
	buf_addstr(b, "  Memory: RAM ");
	inc_add_size(b, ram_kb);
	if (e->swap_total_kb != INC_NONE) {
		buf_addstr(b, ", swap ");
		inc_add_size(b, e->swap_total_kb);
		buf_addstr(b, " (free ");
		inc_add_size(b, e->swap_free_kb);
		buf_addch(b, ')');
	}
	add_pages(b, "free", m->free, pk);
	if (m->active_anon != INC_NONE && m->inactive_anon != INC_NONE)
		add_pages(b, "anon", m->active_anon + m->inactive_anon, pk);
	add_pages(b, "page cache", e->pagecache_pages, pk);
	if (m->slab_reclaimable != INC_NONE && m->slab_unreclaimable != INC_NONE)
		add_pages(b, "slab", m->slab_reclaimable + m->slab_unreclaimable, pk);
	add_pages(b, "unreclaimable slab", m->slab_unreclaimable, pk);
	add_pages(b, "shmem", m->shmem, pk);
	buf_addstr(b, ".\n");
	if (ram_kb != INC_NONE && m->slab_unreclaimable != INC_NONE &&
	    (double)m->slab_unreclaimable * (double)pk > 0.3 * (double)ram_kb)
		buf_addstr(b, "  Unreclaimable slab is more than 30% of RAM: kernel memory, not"
			      " processes, filled it (a kernel leak is likely).\n");
	if (e->kind != INC_SYSRQ_OOM && e->swap_total_kb > 0 && e->swap_free_kb != INC_NONE &&
	    e->swap_free_kb * 2 > e->swap_total_kb)
		buf_addstr(b, "  Swap was mostly free: what filled RAM could not be swapped out"
			      " (kernel memory, shmem, mlocked pages) or not fast enough.\n");
	share(e, ram_kb, "RAM", b);
}
