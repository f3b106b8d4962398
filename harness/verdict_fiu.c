/* verdict_fiu.c - injected_fault (verdict_fiu_int.h): a workload failed
 * because libfiu's POSIX preload failed its call in user space, and the
 * kernel refused nothing.
 *
 * A call failed by the preload never enters the kernel: the wrapper
 * returns MAP_FAILED (or NULL) with errno = failinfo before calling libc
 * (libfiu preload/posix/codegen.h mkwrap_body_errno; libfiu/fiu.c
 * fiu_fail(): probability P fires when P > randd(), so 0 never does).  So
 * the kernel-side evidence tells the two apart:
 * - a refusal of __vm_enough_memory() (mm/util.c) shows as the
 *   oomlab/vm_enough_ret kretprobe returning -12, and is logged (rate
 *   limited) as "__vm_enough_memory: pid: N, comm: C, ... not enough
 *   memory for the allocation";
 * - a failed page allocation or memcg charge as mm_page_alloc pfn=0x0,
 *   warn_alloc(), try_charge_memcg() -12, "page allocation failure", or
 *   memory.events max rising; an OOM kill as oom_kill, which classify()
 *   has already taken as an OOM path.
 * Any of them: the kernel refused, and its path is decided as without fiu.
 * None of them is only believed when it is complete: the kretprobe was on
 * and no trace line was lost, or, without it, the request was within what
 * the overcommit policy grants by the numbers (mm/util.c
 * __vm_enough_memory: mode 1 grants all, mode 0 all up to MemTotal +
 * SwapTotal, mode 2 up to CommitLimit - Committed_AS) and the step's
 * kernel log is whole.
 */
#include "verdict_fiu_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"

#define PAGE_KB 4LL

size_t fiu_step_points(const struct step_evidence *st, struct fiu_point *p, size_t max)
{
	const char *s = st && st->argv ? st->argv : "";
	char tok[FIU_NAME_MAX + 32], err[320];
	size_t n = 0;

	while (*s && n < max) {
		size_t len = strcspn(s, " ");

		if (len < sizeof(tok)) {
			memcpy(tok, s, len);
			tok[len] = '\0';
			if (fiu_is_arg(tok) && fiu_parse(tok + strlen(FIU_ARG), &p[n], err, sizeof(err)))
				n++;
		}
		s += len;
		s += strspn(s, " ");
	}
	return n;
}

static void points_text(const struct fiu_point *p, size_t n, char *out, size_t len)
{
	struct buf b = BUF_INIT;
	char prob[16];

	for (size_t i = 0; i < n; i++) {
		fiu_prob_text(p[i].ppm, prob, sizeof(prob));
		buf_addf(&b, "%s%s probability %s", i ? ", " : "", p[i].name, prob);
	}
	text_copy(out, len, b.len ? b.s : "");
	buf_release(&b);
}

/* What the kernel refused in the step, as its own evidence says. */
static bool kernel_refused(const struct oom_scan *s, const struct trace_view *tv)
{
	return tv->nvm_refused || tv->nfail || tv->nwarn || tv->ncharge_fail || s->have_enough ||
	       s->have_alloc_fail || s->cg_maxes > 0;
}

static bool is_commit_op(const char *op)
{
	static const char *const ops[] = { "mmap", "brk", "mremap", "fork", "shm" };

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(op, ops[i]))
			return true;
	return false;
}

static long long pick(long long before, long long boot)
{
	return before >= 0 ? before : boot;
}

/* Without the trace: would the overcommit policy have granted the request?
 * why: the sentence that says so ("" when the request was no overcommit
 * decision); false when it would not, or cannot say. */
static bool policy_grants(const struct evidence *ev, const struct step_evidence *st,
			  char *why, size_t len)
{
	const char *mode = kv_get(&ev->effective, "vm.overcommit_memory");
	long long b = st->wl.bytes, req = b >= 0 && b < (1LL << 60) ?
			(b + PAGE_KB * 1024 - 1) / (PAGE_KB * 1024) * PAGE_KB : -1;
	long long as = pick(st->before.committed_as_kb, ev->boot.committed_as_kb);
	long long limit = pick(st->before.commit_limit_kb, ev->boot.commit_limit_kb);
	long long ram = pick(st->before.mem_total_kb, ev->boot.mem_total_kb);
	long long swap = pick(st->before.swap_total_kb, ev->boot.swap_total_kb);

	why[0] = '\0';
	if (!is_commit_op(st->wl.op))
		return true; /* not an overcommit decision: the kernel log alone */
	if (mode && !strcmp(mode, "1")) {
		snprintf(why, len, "vm.overcommit_memory=1 in the guest: the policy refuses nothing");
		return true;
	}
	if (!mode || req < 0 || (!strcmp(mode, "2") && (as < 0 || limit < 0)) ||
	    (!strcmp(mode, "0") && (ram < 0 || swap < 0)) || (strcmp(mode, "0") && strcmp(mode, "2")))
		return false;
	if (!strcmp(mode, "0")) {
		snprintf(why, len, "vm.overcommit_memory=0 in the guest; request %lld kB %s MemTotal "
			     "%lld kB + SwapTotal %lld kB", req, req <= ram + swap ? "<=" : ">", ram, swap);
		return req <= ram + swap;
	}
	snprintf(why, len, "vm.overcommit_memory=2 in the guest; Committed_AS %lld kB + request "
		     "%lld kB %s CommitLimit %lld kB", as, req, as + req <= limit ? "<=" : ">", limit);
	return as + req <= limit;
}

/* The summary sentence, as sources_summary() (verdict_trace.c) words it. */
static void summary(struct observed *obs, size_t ntrace, size_t ncounter, const char *by)
{
	struct buf used = BUF_INIT;

	if (ntrace)
		buf_addf(&used, "trace %zu", ntrace);
	if (ncounter)
		buf_addf(&used, "%scounters %zu", used.len ? ", " : "", ncounter);
	buf_addf(&used, "%serrno/exit 1", used.len ? ", " : "");
	snprintf(obs->decided_by, sizeof(obs->decided_by), "%s", by);
	observed_add(obs, "evidence used: %s; decided by %s", used.s, by);
	buf_release(&used);
}

bool classify_injected(const struct evidence *ev, const struct step_evidence *st,
		       const struct oom_scan *s, const struct trace_view *tv,
		       struct observed *obs)
{
	struct fiu_point p[FIU_MAX_POINTS];
	size_t n = fiu_step_points(st, p, FIU_MAX_POINTS), ncounter = 0;
	bool can_fire = false, traced = tv->on && tv->vm_on && !tv->truncated;
	char pts[FIU_MAX_POINTS * (FIU_NAME_MAX + 24)], why[OBS_MAX_SENTENCE] = "";

	for (size_t i = 0; i < n; i++)
		can_fire |= p[i].ppm > 0;
	if (!can_fire || !st->wl.present || st->wl.ok || st->wl.err_no != ENOMEM ||
	    kernel_refused(s, tv))
		return false;
	/* The trace outranks the numbers; without it they must agree. */
	if (!policy_grants(ev, st, why, sizeof(why)) && !traced)
		return false;
	if (!traced && st->kmsg_truncated)
		return false;
	obs->path = PATH_INJECTED_FAULT;
	points_text(p, n, pts, sizeof(pts));
	if (st->wl.bytes >= 0)
		observed_add(obs, "%s of %lld bytes failed with ENOMEM (errno 12)", st->wl.op,
			     st->wl.bytes);
	else
		observed_add(obs, "%s failed with ENOMEM (errno 12)", st->wl.op);
	observed_add(obs, "fault points enabled in the workload by libfiu's POSIX preload: %s", pts);
	if (traced)
		observed_add(obs, "trace: no __vm_enough_memory() refusal in the step (the kretprobe "
			     "was on, no line lost)%s", tv->alloc_on ? ", no failed page allocation" : "");
	observed_add(obs, "no __vm_enough_memory or page allocation failure line in the step's "
		     "kernel log");
	if (why[0])
		observed_add(obs, "%s", why);
	if (st->before.oom_kill >= 0 && st->after.oom_kill >= 0) {
		observed_add(obs, "vmstat oom_kill unchanged (%lld)", st->after.oom_kill);
		ncounter++;
	}
	observed_add(obs, "the kernel refused nothing: the failure was injected in user space");
	summary(obs, traced, ncounter, traced ? "trace" : "log");
	return true;
}

void fiu_note_kernel_path(const struct step_evidence *st, struct observed *obs)
{
	struct fiu_point p[FIU_MAX_POINTS];
	size_t n = fiu_step_points(st, p, FIU_MAX_POINTS);
	char pts[FIU_MAX_POINTS * (FIU_NAME_MAX + 24)];

	if (!n)
		return;
	points_text(p, n, pts, sizeof(pts));
	observed_add(obs, "fault points were enabled in the workload (libfiu: %s), but the "
		     "kernel-side evidence decides: %s", pts,
		     obs->path == PATH_NO_FAILURE ? "nothing failed" : "the kernel's own path");
}
