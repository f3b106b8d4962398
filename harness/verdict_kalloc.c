/* verdict_kalloc.c - kernel allocations of a chosen order (the pipe and
 * sockbuf stressors, workloads/README.md): did the order > 3 request fail
 * without the OOM killer (costly_order_fail), or did the OOM killer run for
 * the trigger's own order?
 *
 * Kernel rules (mm/page_alloc.c __alloc_pages_may_oom: "The OOM killer will
 * not help higher order allocs", order > PAGE_ALLOC_COSTLY_ORDER returns
 * before out_of_memory(); mm/memcontrol.c mem_cgroup_oom() returns false for
 * order > PAGE_ALLOC_COSTLY_ORDER before raising memory.events "oom", so
 * try_charge_memcg() fails with ENOMEM after raising "max"; 6.1 and 6.12).
 * The stressor reports the order it computed, the flags and the trigger;
 * the trace's failed mm_page_alloc ranks above that report.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "oracle.h"
#include "verdict_int.h"

bool kalloc_step(const struct step_evidence *st)
{
	return st && st->wl.present && st->wl.order >= 0 && st->wl.trigger[0] &&
	       (!strcmp(st->wl.op, "pipe") || !strcmp(st->wl.op, "sockbuf"));
}

bool kalloc_failed(const struct step_evidence *st)
{
	return kalloc_step(st) && !st->wl.ok &&
	       (st->wl.err_no == ENOMEM || st->wl.err_no == ENOBUFS) && st->ended && st->exited &&
	       st->exit_code == 1;
}

static const char *errno_name(int e)
{
	const char *s = e > 0 ? strerrorname_np(e) : NULL;

	return s ? s : "?";
}

/* One sentence on the free blocks of order >= order in a buddyinfo. */
static void buddy_sentence(const struct buddy_snapshot *b, const char *when, int order,
			   struct observed *obs)
{
	char zones[200] = "";
	long long total = 0;
	size_t o = 0;

	if (!b->present || order < 0 || order >= EV_BUDDY_ORDERS)
		return;
	for (size_t z = 0; z < b->nzones && z < EV_BUDDY_ZONES; z++) {
		long long n = 0;
		int largest = -1;

		for (int k = 0; k < EV_BUDDY_ORDERS; k++) {
			if (b->free[z][k] > 0)
				largest = k;
			if (k >= order && b->free[z][k] > 0)
				n += b->free[z][k];
		}
		total += n;
		if (o < sizeof(zones))
			o += (size_t)snprintf(zones + o, sizeof(zones) - o, "%s%s %lld (largest %d)",
					      o ? ", " : "", b->zone[z], n, largest);
	}
	observed_add(obs, "buddyinfo %s: %lld free blocks of order %d or more (%s), MemFree %lld kB",
		     when, total, order, zones, b->free_kb);
}

/* After fragmenting, and (for a failure) when it failed; at the end of an
 * OOM the victim's memory is free again, which says nothing. */
static void buddy_sentences(const struct step_evidence *st, int order, bool failed,
			    struct observed *obs)
{
	buddy_sentence(&st->buddy_after, "after fragmenting", order, obs);
	if (failed)
		buddy_sentence(&st->buddy_end, "at the failure", order, obs);
}

void classify_kalloc_failure(const struct step_evidence *st, const struct oom_scan *s,
			     const struct trace_view *tv, struct observed *obs)
{
	const struct wl_result *w = &st->wl;
	int order = tv->nfail ? tv->fail_order : w->order;

	obs->order = order;
	observed_add(obs, "%s (%s) of order %d failed with %s (errno %d) after %d granted; %s",
		     w->op, w->trigger, w->order, errno_name(w->err_no), w->err_no, w->granted,
		     w->gfp[0] ? w->gfp : "flags not reported");
	if (order > ORACLE_COSTLY_ORDER) {
		obs->path = PATH_COSTLY_ORDER_FAIL;
	} else {
		obs->path = PATH_UNKNOWN;
		observed_add(obs, "an order-%d request failed without the OOM killer, which the page "
			     "allocator invokes up to order %d (mm/page_alloc.c)", order,
			     ORACLE_COSTLY_ORDER);
	}
	if (s->have_alloc_fail)
		observed_add(obs, "kernel: %s: page allocation failure: order:%d, mode:%s(%s)",
			     s->alloc_fail.comm, s->alloc_fail.order, s->alloc_fail.gfp_mask,
			     s->alloc_fail.gfp_flags);
	else if (strstr(w->gfp, "__GFP_NOWARN"))
		observed_add(obs, "no page allocation failure line: the request has __GFP_NOWARN");
	if (st->before.oom_kill >= 0 && st->after.oom_kill >= 0)
		observed_add(obs, "vmstat oom_kill unchanged (%lld)", st->after.oom_kill);
	if (s->cg_maxes > 0)
		observed_add(obs, "memory.events max +%lld, oom +%lld: the charge met memory.max%s",
			     s->cg_maxes, s->cg_ooms, s->cg_ooms ? "" :
			     " and the memcg OOM killer was not invoked");
	buddy_sentences(st, order, true, obs);
}

static bool path_is_kill(enum oom_path p)
{
	return p == PATH_GLOBAL_OOM_KILL || p == PATH_MEMCG_OOM_KILL ||
	       p == PATH_ALLOCATING_TASK_KILL || p == PATH_OOM_GROUP_KILL;
}

void kalloc_check_oom(const struct step_evidence *st, const struct oom_scan *s,
		      const struct trace_view *tv, struct observed *obs)
{
	const struct wl_result *w = &st->wl;
	int order = tv->oom_order >= 0 ? tv->oom_order : s->have_invoked ? s->invoked.order : -1;

	if (!kalloc_step(st))
		return;
	observed_add(obs, "%s (%s) of order %d %s after %d granted%s", w->op, w->trigger, w->order,
		     w->ok ? "succeeded" : "failed", w->granted,
		     w->helper_died ? "; its helper was killed" : "");
	if (path_is_kill(obs->path) && order >= 0 && order != w->order) {
		observed_add(obs, "the OOM killer ran for an order-%d request, not for the order-%d "
			     "%s: this is not the trigger's OOM", order, w->order, w->trigger);
		obs->path = PATH_UNKNOWN;
	} else if (path_is_kill(obs->path) && w->order > ORACLE_COSTLY_ORDER) {
		observed_add(obs, "an order-%d request invoked the OOM killer, which the kernel's "
			     "rule keeps to order <= %d", w->order, ORACLE_COSTLY_ORDER);
	}
	buddy_sentences(st, w->order, false, obs);
}
