/* oracle_badness.c - whom the OOM killer picks (oracle.h): oom_badness()
 * per kernel version, and the totalpages it scales oom_score_adj by.  The
 * sources read are those of oracle.c (Debian's 6.1.192 and 6.12.117 in
 * full, and the older changes named below). */
#include "oracle_int.h"

/* mm/oom_kill.c oom_badness().  5.9+ (9066e5cfb73c; 6.1, 6.12 read): LONG_MIN for
 * unkillable tasks, oom_score_adj OOM_SCORE_ADJ_MIN, MMF_OOM_SKIP or vfork;
 * points = get_mm_rss() + MM_SWAPENTS + mm_pgtables_bytes() / PAGE_SIZE;
 * adj *= totalpages / 1000; points += adj.  4.17 .. 5.8: 0 for those, and
 * an eligible task gets at least 1.  Before 4.17 (d46078b28889 removed it)
 * CAP_SYS_ADMIN tasks lost 3% of points before adj was added. */
long long oracle_badness(const struct oracle_task *t, long long totalpages,
			 const struct oracle_facts *f)
{
	bool old = before(f, 5, 9);
	long long points, adj = t->oom_score_adj;

	if (t->unkillable || adj == OOM_SCORE_ADJ_MIN)
		return old ? 0 : ORACLE_BADNESS_NONE;
	points = kb(t->rss_pages) + kb(t->swapents) + kb(t->pgtables_bytes) / 4096;
	if (before(f, 4, 17) && t->cap_sys_admin)
		points -= points * 3 / 100;
	adj = maxll(minll(adj, 1000), -1000);
	points += adj * (kb(totalpages) / 1000);
	return old && points <= 0 ? 1 : points;
}

/* mm/oom_kill.c constrained_alloc() (6.1, 6.12): a global OOM has totalpages =
 * totalram_pages() + total_swap_pages; a memcg OOM mem_cgroup_get_max() ?: 1
 * (mm/memcontrol.c, v2: memory.max + min(swap.max, total_swap_pages) when
 * swappiness is not 0, the default 60). */
long long oracle_oom_totalpages(const struct oracle_policy *p, const struct oracle_facts *f,
				bool memcg)
{
	long long swap = kb_pages(f->swap_total_kb);

	if (!memcg || !p->in_memcg || p->memcg_max < 0)
		return kb_pages(f->mem_total_kb) + swap;
	if (p->memcg_swap_max >= 0)
		swap = minll(swap, kb_pages(p->memcg_swap_max / 1024));
	return maxll(kb_pages(p->memcg_max / 1024) + swap, 1);
}
