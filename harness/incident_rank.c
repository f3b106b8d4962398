/* incident_rank.c - why this victim: the OOM killer's choice recomputed.
 *
 * mm/oom_kill.c oom_badness(), by version:
 *   2.6.36 - 4.14  points = get_mm_rss() + nr_ptes [+ nr_pmds, 4.8 - 4.14] + MM_SWAPENTS;
 *                  the task table prints nr_ptes (and nr_pmds).
 *   4.15 -         mm_pgtables_bytes() / PAGE_SIZE instead of nr_ptes; the table
 *                  prints pgtables_bytes.
 *   all:           adj *= totalpages / 1000; points += adj  (integer division first);
 *                  oom_score_adj -1000 (OOM_SCORE_ADJ_MIN) is never chosen.
 *   before 5.9     "return points > 0 ? points : 1;" and, before 4.17, root tasks
 *                  (CAP_SYS_ADMIN) lose 30 adj units ("3% bonus"); 5.9 (Yafang Shao,
 *                  "mm, oom: make the calculation of oom badness more accurate")
 *                  returns the long without the clamp.
 *   "Kill process ... score %u" (before 5.1) prints points * 1000 / totalpages.
 * select_bad_process()/oom_evaluate_task() keep the first task with the
 * highest points, replacing it on a tie ("points < chosen_points" skips), so the
 * last of equal tasks wins.
 * totalpages (constrained_alloc()): totalram_pages() + total_swap_pages for a
 * global OOM; for a memcg OOM mem_cgroup_get_max() (mm/memcontrol.c): the
 * memory limit plus min(swap allowance, total_swap_pages), the swap allowance
 * being memsw.max - memory.max on cgroup v1 and swap.max on v2 (3.x:
 * mem_cgroup_get_limit(), the same sum).
 */
#include "incident_int.h"

#include <string.h>

/* Above this a cgroup limit is "max" (PAGE_COUNTER_MAX in kB is ~2^53). */
#define UNLIMITED_KB (1LL << 50)

static long long to_pages(long long kb, long long page_kb)
{
	return kb == INC_NONE || kb < 0 ? INC_NONE : kb / page_kb;
}

static long long memcg_total(const struct incident_event *e, long long pk, bool *guessed)
{
	long long limit = to_pages(e->memcg_limit_kb, pk), allow = 0, sys;

	if (e->memsw_limit_kb != INC_NONE && e->memsw_limit_kb >= e->memcg_limit_kb)
		allow = e->memsw_limit_kb < UNLIMITED_KB ? (e->memsw_limit_kb - e->memcg_limit_kb) / pk
							  : -1;
	else if (e->memcg_swap_limit_kb != INC_NONE)
		allow = e->memcg_swap_limit_kb < UNLIMITED_KB ? e->memcg_swap_limit_kb / pk : -1;
	sys = to_pages(e->swap_total_kb, pk);
	if (sys != INC_NONE) {
		if (allow < 0 || allow > sys)
			allow = sys;
	} else if (allow != 0) {
		/* A memcg report does not print the system's swap. */
		*guessed = true;
		if (allow < 0)
			allow = 0;
	}
	return limit + allow;
}

static long long global_total(const struct incident_event *e, long long pk, bool *guessed)
{
	long long managed = 0, ram = e->ram_pages, swap = to_pages(e->swap_total_kb, pk);
	bool all = e->nzones > 0;

	for (size_t i = 0; i < e->nzones; i++) {
		if (e->zones[i].managed_kb == INC_NONE)
			all = false;
		else
			managed += e->zones[i].managed_kb / pk;
	}
	/* totalram_pages() counts managed pages; "pages RAM" minus "pages
	 * reserved" comes close when the zones do not say. */
	if (!all) {
		if (ram == INC_NONE)
			return INC_NONE;
		managed = ram - (e->reserved_pages != INC_NONE ? e->reserved_pages : 0);
		*guessed = true;
	}
	if (swap == INC_NONE) {
		swap = 0;
		*guessed = true;
	}
	return managed + swap;
}

static bool old_clamp(const struct incident_event *e, int kver)
{
	if (kver)
		return kver < 50900;
	return !(e->task_cols & INC_COL_PGTABLES);
}

static const char *formula(const struct incident_event *e, int kver)
{
	if (e->task_cols & INC_COL_PGTABLES)
		return old_clamp(e, kver) ? "4.15 - 5.8: rss + swapents + pgtables_bytes/PAGE_SIZE"
					    " + adj*(totalpages/1000), at least 1"
					  : "5.9+: rss + swapents + pgtables_bytes/PAGE_SIZE"
					    " + adj*(totalpages/1000)";
	if (e->task_cols & INC_COL_NR_PTES)
		return "2.6.36 - 4.14: rss + nr_ptes + swapents + adj*(totalpages/1000), at least 1";
	return "2.6.36+: rss + page tables + swapents + adj*(totalpages/1000), at least 1";
}

static void badness(const struct incident_task *t, long long pk, long long total, bool clamp,
		    struct incident_badness *b)
{
	long long adj = t->oom_score_adj == INC_NONE ? 0 : t->oom_score_adj;

	/* include/uapi/linux/oom.h: OOM_SCORE_ADJ_MIN/MAX */
	adj = adj < -1000 ? -1000 : adj > 1000 ? 1000 : adj;

	b->rss = t->rss != INC_NONE ? t->rss : 0;
	if (t->rss == INC_NONE && t->rss_anon != INC_NONE)
		b->rss = t->rss_anon + (t->rss_file != INC_NONE ? t->rss_file : 0) +
			 (t->rss_shmem != INC_NONE ? t->rss_shmem : 0);
	b->swapents = t->swapents != INC_NONE ? t->swapents : 0;
	if (t->pgtables_bytes != INC_NONE)
		b->pgtables = t->pgtables_bytes / (pk * 1024);
	else
		b->pgtables = (t->nr_ptes != INC_NONE ? t->nr_ptes : 0) +
			      (t->nr_pmds != INC_NONE ? t->nr_pmds : 0);
	b->adj_points = adj * (total / 1000);
	b->points = b->rss + b->swapents + b->pgtables + b->adj_points;
	if (clamp && b->points <= 0)
		b->points = 1;
}

/* Insert b into the best three; ties go to the later task. */
static void keep_best(struct incident_rank *r, const struct incident_badness *b)
{
	size_t k = r->n < 3 ? r->n : 3;

	while (k > 0 && b->points >= r->best[k - 1].points) {
		if (k < 3)
			r->best[k] = r->best[k - 1];
		k--;
	}
	if (k < 3)
		r->best[k] = *b;
	r->n++;
}

void incident_rank(const struct incident_event *e, struct incident_rank *out)
{
	long long pk = inc_page_kb(e);
	int kver = inc_event_kver(e);
	bool clamp = old_clamp(e, kver);

	memset(out, 0, sizeof(*out));
	out->clamp = clamp;
	out->formula = formula(e, kver);
	out->swapents_known = (e->task_cols & INC_COL_SWAPENTS) != 0;
	if (e->memcg_report && e->memcg_limit_kb != INC_NONE)
		out->totalpages = memcg_total(e, pk, &out->totalpages_guessed);
	else
		out->totalpages = global_total(e, pk, &out->totalpages_guessed);
	if (out->totalpages == INC_NONE || out->totalpages < 0) {
		out->totalpages = 0;
		out->totalpages_guessed = true;
	}
	for (size_t i = 0; i < e->ntasks; i++) {
		struct incident_badness b = { .task = i };

		if (e->tasks[i].oom_score_adj == -1000)
			continue;
		badness(&e->tasks[i], pk, out->totalpages, clamp, &b);
		keep_best(out, &b);
	}
}

bool incident_task_badness(const struct incident_event *e, const struct incident_rank *r, size_t task,
			   struct incident_badness *out)
{
	memset(out, 0, sizeof(*out));
	out->task = task;
	if (task >= e->ntasks || e->tasks[task].oom_score_adj == -1000)
		return false;
	badness(&e->tasks[task], inc_page_kb(e), r->totalpages, r->clamp, out);
	return true;
}
