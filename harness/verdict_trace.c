/* verdict_trace.c - what the trace of a step says (verdict_int.h), and the
 * ranking of the sources of evidence: trace event > kernel log line >
 * counter > errno.
 *
 * The events and what they mean (the agent enables them: workloads/
 * agent_trace.c; formats include/trace/events/oom.h and kmem.h, 6.1 and
 * 6.12):
 * - oom:mark_victim: mm/oom_kill.c mark_oom_victim(), for each task the OOM
 *   killer kills (__oom_kill_process) or lets die (task_will_free_mem);
 * - oomlab/oom, a kprobe on out_of_memory(oc): oc->order, and oc->memcg
 *   set for a memcg OOM (mem_cgroup_out_of_memory() calls it);
 *   oomlab/memcg_oom on mem_cgroup_out_of_memory(memcg, gfp, order);
 * - oom:reclaim_retry_zone and oom:compact_retry: mm/page_alloc.c
 *   should_reclaim_retry() and should_compact_retry(), which a costly
 *   order without __GFP_RETRY_MAYFAIL never reaches (it goes to nopage
 *   first);
 * - kmem:mm_page_alloc, filtered to failures (pfn -1, printed 0x0) of
 *   order 2+: the end of __alloc_pages(), also after a refused memcg charge;
 * - oomlab/warn_alloc: warn_alloc() is called for every failed allocation
 *   and returns early for __GFP_NOWARN, so the probe sees silent failures;
 * - oomlab/charge_fail: try_charge_memcg() returning -ENOMEM;
 * - oomlab/vm_enough_ret: __vm_enough_memory() returning -ENOMEM (mm/util.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "trace.h"
#include "verdict_int.h"

/* One "trace: ..." sentence. */
static void obs_trace(struct observed *obs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void obs_trace(struct observed *obs, const char *fmt, ...)
{
	char s[OBS_MAX_SENTENCE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	observed_add(obs, "trace: %s", s);
}

static bool event_on(const struct evidence *ev, const char *name)
{
	const char *v = kv_get(&ev->tracing, name);

	return v && !strcmp(v, "on");
}

static long long field(const struct trace_rec *r, const char *key, long long dflt)
{
	long long v;

	return trace_field_ll(r, key, &v) ? v : dflt;
}

static int order_field(const struct trace_rec *r)
{
	long long v = field(r, "order", -1);

	return v >= 0 && v < 64 ? (int)v : -1;
}

static void scan_oom_events(const struct trace_rec *r, struct trace_view *tv)
{
	const char *e = r->event;

	if (!strcmp(e, "mark_victim")) {
		if (!tv->nvictims++) {
			long long pid = field(r, "pid", -1);

			tv->victim_pid = pid > 0 && pid < (1 << 30) ? (int)pid : -1;
			if (!trace_field(r, "comm", tv->victim_comm, sizeof(tv->victim_comm)))
				tv->victim_comm[0] = '\0';
			text_sanitize(tv->victim_comm);
		}
	} else if (!strcmp(e, "oom")) {
		if (!tv->noom++) {
			char memcg[32];

			tv->oom_order = order_field(r);
			/* a pointer: 0x0 for a global OOM */
			tv->oom_memcg = !trace_field(r, "memcg", memcg, sizeof(memcg)) ? -1 :
					strcmp(memcg, "0x0") && strcmp(memcg, "0");
		}
	} else if (!strcmp(e, "memcg_oom")) {
		if (!tv->nmemcg_oom++)
			tv->memcg_oom_order = order_field(r);
	} else if (!strcmp(e, "finish_task_reaping")) {
		if (!tv->nreaped++)
			tv->reaped_pid = (int)field(r, "pid", -1);
	} else if (!strcmp(e, "reclaim_retry_zone") || !strcmp(e, "compact_retry")) {
		if (e[0] == 'r')
			tv->nreclaim_retry++;
		else
			tv->ncompact_retry++;
		tv->retry_order = order_field(r);
	}
}

/* Events of the workload itself (its comm): allocation failures,
 * overcommit refusals. */
static void scan_wl_events(const struct trace_rec *r, struct trace_view *tv)
{
	const char *e = r->event;
	char gfp[128], fmt[64];

	if (!strcmp(e, "vm_enough_ret")) {
		tv->nvm_refused += field(r, "ret", 0) < 0;
	} else if (strcmp(r->comm, WL_COMM)) {
		return;
	} else if (!strcmp(e, "mm_page_alloc") && field(r, "pfn", 1) == 0 && order_field(r) >= 0) {
		/* __GFP_NORETRY: an opportunistic try (a slab's higher order), not a request. */
		if (!trace_field(r, "gfp_flags", gfp, sizeof(gfp)) || strstr(gfp, "__GFP_NORETRY"))
			return;
		tv->nfail++;
		tv->fail_order = order_field(r);
		text_copy(tv->fail_gfp, sizeof(tv->fail_gfp), gfp);
	} else if (!strcmp(e, "warn_alloc") && trace_field(r, "fmt", fmt, sizeof(fmt)) &&
		   strstr(fmt, "page allocation failure")) {
		tv->nwarn++;
		tv->warn_order = order_field(r);
	} else if (!strcmp(e, "charge_fail")) {
		tv->ncharge_fail += field(r, "ret", 0) < 0;
	} else if (!strcmp(e, "vm_enough")) {
		tv->vm_pages = field(r, "pages", -1);
	}
}

static void view_init(const struct evidence *ev, struct trace_view *tv)
{
	memset(tv, 0, sizeof(*tv));
	tv->victim_pid = tv->oom_order = tv->oom_memcg = tv->memcg_oom_order = -1;
	tv->reaped_pid = tv->retry_order = tv->fail_order = tv->warn_order = -1;
	tv->vm_pages = -1;
	for (size_t i = 0; i < ev->tracing.n; i++)
		tv->on |= !strcmp(ev->tracing.v[i].value, "on");
	tv->victim_on = event_on(ev, "oom/mark_victim");
	tv->oom_on = event_on(ev, "oomlab/oom");
	tv->alloc_on = event_on(ev, "kmem/mm_page_alloc");
	tv->vm_on = event_on(ev, "oomlab/vm_enough_ret");
}

static void scan_lines(char *const *lines, size_t n, bool dump, struct trace_view *tv)
{
	for (size_t i = 0; i < n && i < EV_MAX_TRACE; i++) {
		struct trace_rec r;

		if (!lines[i] || !(dump ? trace_parse_dump(lines[i], &r) : trace_parse(lines[i], &r)))
			continue;
		tv->nlines++;
		scan_oom_events(&r, tv);
		scan_wl_events(&r, tv);
	}
}

void trace_view_scan(const struct evidence *ev, const struct step_evidence *st,
		     struct trace_view *tv)
{
	view_init(ev, tv);
	if (!st || !tv->on)
		return;
	tv->truncated = st->trace_truncated;
	scan_lines(st->trace, st->ntrace, false, tv);
}

void trace_view_scan_panic(const struct evidence *ev, struct trace_view *tv)
{
	view_init(ev, tv);
	if (!tv->on)
		return;
	tv->dumped = true;
	/* comm is cut to 8 bytes in the dump: "oomwl" fits */
	tv->truncated = ev->panic_trace_truncated || !ev->npanic_trace;
	scan_lines(ev->panic_trace, ev->npanic_trace, true, tv);
}

bool trace_view_saw_kill(const struct trace_view *tv)
{
	return tv->nvictims > 0;
}

int trace_view_memcg(const struct trace_view *tv)
{
	if (tv->nmemcg_oom)
		return 1;
	return tv->noom ? tv->oom_memcg : -1;
}

/* ---- sentences ---- */

static bool path_is_oom(enum oom_path p)
{
	return p == PATH_GLOBAL_OOM_KILL || p == PATH_MEMCG_OOM_KILL ||
	       p == PATH_ALLOCATING_TASK_KILL || p == PATH_OOM_GROUP_KILL;
}

static bool path_is_panic(enum oom_path p)
{
	return p == PATH_OOM_PANIC || p == PATH_NO_KILLABLE_PANIC;
}

static void oom_sentences(const struct trace_view *tv, struct observed *obs)
{
	if (tv->nvictims)
		obs_trace(obs, "oom:mark_victim pid=%d comm=%s%s", tv->victim_pid, tv->victim_comm,
			  tv->nvictims > 1 ? " (and more)" : "");
	if (tv->noom)
		obs_trace(obs, "out_of_memory() for an order-%d request, %s", tv->oom_order,
			  tv->oom_memcg == 1 ? "memcg (oc->memcg set)" : tv->oom_memcg == 0 ?
			  "global (no oc->memcg)" : "scope not read");
	if (tv->nmemcg_oom)
		obs_trace(obs, "mem_cgroup_out_of_memory() order %d", tv->memcg_oom_order);
	if (tv->nreclaim_retry || tv->ncompact_retry)
		obs_trace(obs, "the allocator retried first: reclaim_retry_zone x%d, compact_retry x%d "
			  "(order %d)", tv->nreclaim_retry, tv->ncompact_retry, tv->retry_order);
	if (tv->nreaped)
		obs_trace(obs, "the OOM reaper reaped pid %d", tv->reaped_pid);
}

static void failure_sentences(const struct trace_view *tv, struct observed *obs)
{
	if (tv->nfail)
		obs_trace(obs, "kmem:mm_page_alloc failed: order %d in " WL_COMM ", gfp_flags=%s%s",
			  tv->fail_order, tv->fail_gfp, tv->nfail > 1 ? " (and more)" : "");
	if (tv->nwarn)
		obs_trace(obs, "warn_alloc() for order %d (page allocation failure)", tv->warn_order);
	if (tv->ncharge_fail)
		obs_trace(obs, "try_charge_memcg() returned -ENOMEM in " WL_COMM);
	if (tv->oom_on && tv->victim_on && !tv->noom && !tv->nvictims && !tv->truncated)
		obs_trace(obs, "no out_of_memory() and no oom:mark_victim in the step");
}

void trace_view_evidence(const struct trace_view *tv, const struct step_evidence *st,
			 struct observed *obs)
{
	(void)st;
	if (!tv->on)
		return;
	if (tv->dumped)
		obs_trace(obs, "%zu lines dumped on the console at the panic%s", tv->nlines,
			  tv->truncated ? " (not all)" : "");
	else if (tv->truncated)
		obs_trace(obs, "lines were dropped or lost; %zu kept", tv->nlines);
	if (path_is_oom(obs->path) || path_is_panic(obs->path) ||
	    (obs->path == PATH_UNKNOWN && (tv->noom || tv->nvictims)))
		oom_sentences(tv, obs);
	else if (obs->path == PATH_COSTLY_ORDER_FAIL || (obs->path == PATH_UNKNOWN && tv->nfail))
		failure_sentences(tv, obs);
	else if ((obs->path == PATH_HEURISTIC_REJECT || obs->path == PATH_COMMIT_REJECT) && tv->vm_on)
		obs_trace(obs, "__vm_enough_memory() returned -ENOMEM x%d%s", tv->nvm_refused,
			  tv->vm_pages >= 0 ? "" : " (the request's pages were not traced)");
	else if ((obs->path == PATH_NO_FAILURE || obs->path == PATH_MEMCG_HIGH_THROTTLE) &&
		 tv->oom_on && tv->victim_on && !tv->truncated)
		obs_trace(obs, "no out_of_memory() and no oom:mark_victim in the step");
	if (tv->vm_pages >= 0 && (obs->path == PATH_HEURISTIC_REJECT || obs->path == PATH_COMMIT_REJECT))
		obs_trace(obs, "__vm_enough_memory() was asked for %lld pages (%lld kB)", tv->vm_pages,
			  tv->vm_pages * 4);
}

/* ---- the sources: what each said, which decided, where they disagree ---- */

enum source { SRC_TRACE, SRC_LOG, SRC_COUNTER, SRC_ERRNO, SRC_OTHER, SRC_N };

static enum source source_of(const char *sentence)
{
	static const char *const counters[] = { "vmstat ", "memory.events ", "buddyinfo " };
	static const char *const errnos[] = { "errno", "ENOMEM", "ENOBUFS", "exited with code",
					      "killed by signal", "succeeded", "got all" };

	if (!strncmp(sentence, "trace: ", 7))
		return SRC_TRACE;
	if (!strncmp(sentence, "kernel: ", 8))
		return SRC_LOG;
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		if (!strncmp(sentence, counters[i], strlen(counters[i])))
			return SRC_COUNTER;
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (strstr(sentence, errnos[i]))
			return SRC_ERRNO;
	return SRC_OTHER;
}

static bool log_killed(const struct oom_scan *s)
{
	return s->nkilled || s->have_select || s->have_summary || s->have_invoked;
}

static bool counters_killed(const struct oom_scan *s)
{
	return s->vm_kills > 0 || s->cg_kills > 0 || s->cg_ooms > 0;
}

/* The best source that showed the observed path. */
static const char *decided_by(const struct step_evidence *st, const struct oom_scan *s,
			      const struct trace_view *tv, enum oom_path p)
{
	bool quiet = tv->on && !tv->truncated && tv->victim_on && tv->oom_on && !tv->noom &&
		     !tv->nvictims;

	if (path_is_oom(p))
		return tv->nvictims || tv->noom ? "trace" : log_killed(s) ? "log" :
		       counters_killed(s) ? "counter" : "errno";
	if (p == PATH_HEURISTIC_REJECT || p == PATH_COMMIT_REJECT)
		return tv->nvm_refused ? "trace" : s->have_enough ? "log" : "errno";
	if (p == PATH_COSTLY_ORDER_FAIL)
		return tv->nfail ? "trace" : s->have_alloc_fail ? "log" : s->cg_maxes > 0 ?
		       "counter" : "errno";
	if (p == PATH_NO_FAILURE || p == PATH_MEMCG_HIGH_THROTTLE)
		return quiet ? "trace" : st && st->before.oom_kill >= 0 && st->after.oom_kill >= 0 ?
		       "counter" : "errno";
	if (p == PATH_OOM_PANIC || p == PATH_NO_KILLABLE_PANIC)
		return "log";
	return "";
}

static void disagree(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void disagree(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	if (b->len)
		buf_addstr(b, "; ");
	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

/* Trace against the kernel log and the counters, about the OOM kill. */
static void check_kill(const struct step_evidence *st, const struct oom_scan *s,
		       const struct trace_view *tv, struct buf *b)
{
	bool trace_full = tv->on && !tv->truncated, log_full = !st->kmsg_truncated;
	int memcg = trace_view_memcg(tv);

	if (tv->nvictims && log_full && !s->nkilled && !s->have_select && !counters_killed(s))
		disagree(b, "the trace shows oom:mark_victim of pid %d, no kill line or oom_kill "
			 "counter does", tv->victim_pid);
	if (trace_full && tv->victim_on && !tv->nvictims && (s->nkilled || s->vm_kills > 0))
		disagree(b, "the kernel log or vmstat shows an OOM kill, the trace has no "
			 "oom:mark_victim");
	if (tv->nvictims == 1 && s->nkilled == 1 && tv->victim_pid != s->killed.pid)
		disagree(b, "the trace's victim is pid %d, the kill line's pid %d", tv->victim_pid,
			 s->killed.pid);
	if (memcg >= 0 && ((s->nkilled && !s->killed.bare) || s->have_summary) &&
	    memcg != scan_is_memcg(s))
		disagree(b, "the trace says a %s OOM, the kernel log a %s one",
			 memcg ? "memcg" : "global", memcg ? "global" : "memcg");
	if (tv->oom_order >= 0 && s->have_invoked && tv->oom_order != s->invoked.order)
		disagree(b, "out_of_memory() was traced for order %d, the log says order=%d",
			 tv->oom_order, s->invoked.order);
	if (s->nkilled && !s->killed.bare && st->before.oom_kill >= 0 && st->after.oom_kill >= 0 &&
	    st->ended && s->vm_kills == 0)
		disagree(b, "a kill line, but vmstat oom_kill did not rise");
}

static void check_failures(const struct step_evidence *st, const struct trace_view *tv,
			   enum oom_path p, struct buf *b)
{
	if (tv->nfail && st->wl.order >= 0 && !st->wl.ok && tv->fail_order != st->wl.order)
		disagree(b, "the trace's failed allocation is order %d, the workload's order %d",
			 tv->fail_order, st->wl.order);
	if (p == PATH_COSTLY_ORDER_FAIL && tv->alloc_on && !tv->truncated && !tv->nfail)
		disagree(b, "the workload says its allocation failed, the trace shows no failed "
			 "mm_page_alloc");
	if ((p == PATH_HEURISTIC_REJECT || p == PATH_COMMIT_REJECT) && tv->vm_on && !tv->truncated &&
	    !tv->nvm_refused)
		disagree(b, "the workload's request failed with ENOMEM, the trace shows no "
			 "__vm_enough_memory() refusal");
}

void sources_summary(const struct step_evidence *st, const struct oom_scan *s,
		     const struct trace_view *tv, struct observed *obs)
{
	static const char *const names[SRC_N] = { "trace", "kernel log", "counters", "errno/exit",
						  "other" };
	size_t count[SRC_N] = { 0 };
	struct buf b = BUF_INIT, used = BUF_INIT;

	for (size_t i = 0; i < obs->nevidence && i < OBS_MAX_EVIDENCE; i++)
		count[source_of(obs->evidence[i])]++;
	snprintf(obs->decided_by, sizeof(obs->decided_by), "%s", decided_by(st, s, tv, obs->path));
	if (st) {
		check_kill(st, s, tv, &b);
		check_failures(st, tv, obs->path, &b);
	}
	if (b.len) {
		obs->disagree = true;
		text_copy(obs->disagreement, sizeof(obs->disagreement), b.s);
		observed_add(obs, "disagreement: %s", b.s);
	}
	for (int k = SRC_TRACE; k < SRC_OTHER; k++)
		if (count[k])
			buf_addf(&used, "%s%s %zu", used.len ? ", " : "", names[k], count[k]);
	observed_add(obs, "evidence used: %s; decided by %s%s", used.len ? used.s : "none",
		     obs->decided_by[0] ? obs->decided_by : "nothing",
		     tv->on ? "" : " (no trace: tracing was not set up)");
	buf_release(&b);
	buf_release(&used);
}
