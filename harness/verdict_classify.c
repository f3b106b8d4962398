/* verdict_classify.c - classify() of verdict.h: which path fired, from the
 * step's kernel log, its counters and the workload's result.  The sentence
 * helpers and judge() are in verdict.c.
 *
 * Kernel facts this file relies on (checked against Linux 6.1 and mainline):
 *
 * - mm/oom_kill.c __oom_kill_process(): every OOM kill, global or memcg,
 *   does count_vm_event(OOM_KILL) (/proc/vmstat oom_kill) and
 *   memcg_memory_event_mm(mm, MEMCG_OOM_KILL) on the VICTIM's cgroup, then
 *   prints "%s: Killed process %d (%s) ..." where %s is "Out of memory" for
 *   out_of_memory() of the machine and "Memory cgroup out of memory" for
 *   mem_cgroup_out_of_memory() (mm/memcontrol.c).  So memory.events oom_kill
 *   rising only says a task of the cgroup was killed by ANY OOM killer
 *   (Documentation/admin-guide/cgroup-v2.rst: "killed by any kind of OOM
 *   killer"); it does not tell a memcg OOM from a global one.  What does is
 *   the kill line's prefix, the summary's constraint (dump_oom_summary():
 *   "oom-kill:constraint=CONSTRAINT_MEMCG,...") and memory.events "oom",
 *   which only mem_cgroup_oom() (and memory_max_write()) in mm/memcontrol.c
 *   raise, i.e. only when a cgroup reached its limit.
 * - mm/oom_kill.c dump_header(): "%s invoked oom-killer: gfp_mask=%#x(%pGg),
 *   order=%d, oom_score_adj=%hd"; check_panic_on_oom(): panic("Out of memory:
 *   %s panic_on_oom is enabled\n", "compulsory"|"system-wide").
 * - mm/util.c __vm_enough_memory() (called for every private writable mmap
 *   through security_vm_enough_memory_mm()):
 *     OVERCOMMIT_ALWAYS (1): return 0, never refuses;
 *     OVERCOMMIT_GUESS (0), since 5.2: refuse when
 *       pages > totalram_pages() + total_swap_pages, i.e. one request larger
 *       than MemTotal + SwapTotal (fs/proc/meminfo.c prints exactly those);
 *     OVERCOMMIT_NEVER (2): allowed = vm_commit_limit() (CommitLimit), minus
 *       admin_reserve_kbytes without CAP_SYS_ADMIN, minus
 *       min(total_vm / 32, user_reserve_kbytes); the request, already added
 *       to vm_committed_as (Committed_AS), must stay below allowed.
 *   On refusal the mmap fails with ENOMEM and the kernel warns (ratelimited)
 *   "__vm_enough_memory: pid: %d, comm: %s, not enough memory for the
 *   allocation" (6.1 does, as the fixtures in tests/fixtures/vm/6.1 show);
 *   6.8+ adds "bytes: %lu " before "not enough".
 */
#include "verdict.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "klog.h"
#include "verdict_int.h"
#include "verdict_fiu_int.h"

#define PAGE_KB 4LL      /* x86-64 guests: 4 KiB pages */

/* ---- what the kernel log and the counters of the step say ---- */

static long long counter_delta(const struct step_evidence *st, long long before, long long after)
{
	if (!st->ended || before < 0 || after < 0 || after < before)
		return 0;
	return after - before;
}

static void scan_line(const char *msg, struct oom_scan *s)
{
	struct klog_killed k;
	struct klog_alloc_fail af;

	if (klog_parse_killed(msg, &k)) {
		if (!s->nkilled)
			s->killed = k;
		s->nkilled++;
	} else if (!s->have_invoked && klog_parse_invoked(msg, &s->invoked)) {
		s->have_invoked = true;
	} else if (!s->have_summary && klog_parse_oom_summary(msg, &s->summary)) {
		s->have_summary = true;
	} else if (!s->have_enough && klog_parse_vm_enough(msg, &s->enough)) {
		s->have_enough = true;
		s->enough_msg = msg;
	} else if (!s->have_select && klog_parse_kill_select(msg, &s->select)) {
		s->have_select = true;
	} else if (!s->have_memcg_task && klog_parse_memcg_task(msg, &s->memcg_task)) {
		s->have_memcg_task = true;
	} else if (!s->have_group && klog_parse_oom_group(msg, s->group_memcg, sizeof(s->group_memcg))) {
		s->have_group = true;
	} else if (klog_parse_alloc_fail(msg, &af)) {
		s->alloc_fail = af;
		s->have_alloc_fail = true;
	}
}

static void scan_step(const struct step_evidence *st, struct oom_scan *s)
{
	size_t n = st->kmsg ? st->nkmsg : 0;

	memset(s, 0, sizeof(*s));
	s->vm_kills = counter_delta(st, st->before.oom_kill, st->after.oom_kill);
	s->cg_kills = counter_delta(st, st->before.memcg_oom_kill, st->after.memcg_oom_kill);
	s->cg_ooms = counter_delta(st, st->before.memcg_oom, st->after.memcg_oom);
	s->cg_group_kills = counter_delta(st, st->before.memcg_oom_group_kill,
					  st->after.memcg_oom_group_kill);
	s->cg_highs = counter_delta(st, st->before.memcg_high, st->after.memcg_high);
	s->cg_maxes = counter_delta(st, st->before.memcg_max, st->after.memcg_max);
	if (n > EV_MAX_KMSG)
		n = EV_MAX_KMSG;
	for (size_t i = 0; i < n; i++)
		if (st->kmsg[i].msg)
			scan_line(klog_strip_prefix(st->kmsg[i].msg), s);
}

static bool scan_saw_oom(const struct oom_scan *s)
{
	return s->vm_kills > 0 || s->cg_kills > 0 || s->nkilled || s->have_invoked ||
	       s->have_summary || s->have_select;
}

/* The kill line is about the kill itself, so it decides (before 5.0 it had
 * no prefix, then the "Kill process" selection line carries it, or "Task in
 * ... killed as a result of limit of ..." from mem_cgroup_print_oom_info());
 * then the summary line of the same OOM; only without any line the memcg
 * "oom" counter. */
bool scan_is_memcg(const struct oom_scan *s)
{
	if (s->nkilled && !s->killed.bare)
		return s->killed.memcg;
	if (s->have_select)
		return s->select.memcg;
	if (s->have_memcg_task)
		return true;
	if (s->have_summary)
		return !strcmp(s->summary.constraint, "CONSTRAINT_MEMCG");
	return s->cg_ooms > 0;
}

static const char *kill_prefix(const struct klog_killed *k)
{
	if (k->bare)
		return "";
	if (k->memcg)
		return "Memory cgroup out of memory: ";
	return k->allocating_task ? "Out of memory (oom_kill_allocating_task): " : "Out of memory: ";
}

static void add_kill_lines(const struct oom_scan *s, struct observed *obs)
{
	const struct klog_killed *k = &s->killed;

	if (s->have_select)
		observed_add(obs, "kernel: %sKill process %d (%s) score %lld or sacrifice child",
			     s->select.memcg ? "Memory cgroup out of memory: " : "Out of memory: ",
			     s->select.pid, s->select.comm, s->select.score);
	if (s->have_memcg_task)
		observed_add(obs, "kernel: Task in %s killed as a result of limit of %s",
			     s->memcg_task.task_memcg, s->memcg_task.oom_memcg);
	if (!s->nkilled) {
		observed_add(obs, "no OOM kill line in the step's kernel log");
		return;
	}
	if (k->anon_rss_kb >= 0)
		observed_add(obs, "kernel: %sKilled process %d (%s) anon-rss:%lldkB", kill_prefix(k),
			     k->pid, k->comm, k->anon_rss_kb);
	else
		observed_add(obs, "kernel: %sKilled process %d (%s)", kill_prefix(k), k->pid, k->comm);
	if (s->nkilled > 1)
		observed_add(obs, "%zu OOM kill lines in the step; the first names the victim",
			     s->nkilled);
}

static void add_oom_evidence(const struct oom_scan *s, struct observed *obs)
{
	add_kill_lines(s, obs);
	if (s->have_summary)
		observed_add(obs, "kernel: oom-kill:constraint=%s%s%s, task=%s, pid=%d",
			     s->summary.constraint, s->summary.oom_memcg[0] ? ", oom_memcg=" : "",
			     s->summary.oom_memcg, s->summary.task, s->summary.pid);
	if (s->have_invoked)
		observed_add(obs, "kernel: %s invoked oom-killer: gfp_mask=%s%s%s%s, order=%d",
			     s->invoked.comm, s->invoked.gfp_mask, s->invoked.gfp_flags[0] ? "(" : "",
			     s->invoked.gfp_flags, s->invoked.gfp_flags[0] ? ")" : "",
			     s->invoked.order);
	if (s->vm_kills > 0)
		observed_add(obs, "vmstat oom_kill +%lld", s->vm_kills);
	if (s->cg_kills > 0)
		observed_add(obs, "memory.events oom_kill +%lld", s->cg_kills);
	if (s->cg_ooms > 0)
		observed_add(obs, "memory.events oom +%lld (the workload cgroup hit its limit)",
			     s->cg_ooms);
}

/* Which OOM kill: the allocating task (mm/oom_kill.c out_of_memory(), the
 * "(oom_kill_allocating_task)" message), a whole memory.oom.group
 * (mm/oom_kill.c oom_kill_process() with mem_cgroup_get_oom_group()), or
 * one victim of a memcg or of the machine. */
static enum oom_path oom_kill_path(const struct oom_scan *s, const struct trace_view *tv,
				   struct observed *obs)
{
	int memcg = trace_view_memcg(tv);

	if (s->nkilled && s->killed.allocating_task)
		return PATH_ALLOCATING_TASK_KILL;
	if (s->have_group || s->cg_group_kills > 0) {
		if (s->have_group)
			observed_add(obs, "kernel: Tasks in %s are going to be killed due to "
				     "memory.oom.group set", s->group_memcg);
		if (s->cg_group_kills > 0)
			observed_add(obs, "memory.events oom_group_kill +%lld", s->cg_group_kills);
		return PATH_OOM_GROUP_KILL;
	}
	/* The trace ranks above the log: out_of_memory() saw oc->memcg. */
	if (memcg < 0)
		memcg = scan_is_memcg(s);
	return memcg ? PATH_MEMCG_OOM_KILL : PATH_GLOBAL_OOM_KILL;
}

/* An OOM invocation that killed nobody (mm/oom_kill.c out_of_memory():
 * "Out of memory and no killable processes...", which for a memcg fails
 * the charge): the header says the OOM killer ran, nothing says it killed. */
static bool killed_nobody(const struct oom_scan *s, const struct trace_view *tv)
{
	return s->have_invoked && !s->nkilled && !s->have_summary && !s->have_select &&
	       !s->vm_kills && !s->cg_kills && !s->cg_group_kills && !s->have_group &&
	       !trace_view_saw_kill(tv);
}

static void classify_oom(const struct oom_scan *s, const struct trace_view *tv,
			 struct observed *obs)
{
	if (killed_nobody(s, tv)) {
		obs->path = PATH_UNKNOWN;
		obs->order = s->invoked.order;
		add_oom_evidence(s, obs);
		observed_add(obs, "the OOM killer was invoked but killed nobody (no kill line, "
			     "oom_kill counters unchanged)");
		return;
	}
	obs->path = oom_kill_path(s, tv, obs);
	if (s->nkilled) {
		obs->victim_pid = s->killed.pid;
		text_copy(obs->victim_comm, sizeof(obs->victim_comm), s->killed.comm);
		obs->victim_adj = s->killed.oom_score_adj;
	} else if (s->have_summary) {
		obs->victim_pid = s->summary.pid;
		text_copy(obs->victim_comm, sizeof(obs->victim_comm), s->summary.task);
	} else if (s->have_select) {
		obs->victim_pid = s->select.pid;
		text_copy(obs->victim_comm, sizeof(obs->victim_comm), s->select.comm);
	} else if (trace_view_saw_kill(tv)) {
		obs->victim_pid = tv->victim_pid;
		text_copy(obs->victim_comm, sizeof(obs->victim_comm), tv->victim_comm);
	}
	if (tv->oom_order >= 0)
		obs->order = tv->oom_order;
	else if (s->have_invoked)
		obs->order = s->invoked.order;
	if (s->have_summary)
		text_copy(obs->constraint, sizeof(obs->constraint), s->summary.constraint);
	add_oom_evidence(s, obs);
}

/* ---- the panic ---- */

/* mm/oom_kill.c: check_panic_on_oom() panics with "Out of memory: %s
 * panic_on_oom is enabled"; out_of_memory() with no killable task panics
 * with "System is deadlocked on memory". */
static bool panic_is_deadlock(const struct evidence *ev)
{
	return ev->panic && strstr(ev->panic_reason, "System is deadlocked on memory");
}

static bool panic_is_oom(const struct evidence *ev)
{
	return ev->panic && (strstr(ev->panic_reason, "Out of memory") ||
			     strstr(ev->panic_reason, "panic_on_oom") || panic_is_deadlock(ev));
}

static void classify_panic(const struct evidence *ev, struct observed *obs)
{
	const char *v = kv_get(&ev->effective, "vm.panic_on_oom");

	obs->path = panic_is_deadlock(ev) ? PATH_NO_KILLABLE_PANIC : PATH_OOM_PANIC;
	observed_add(obs, "kernel: Kernel panic - not syncing: %.*s",
		     (int)strnlen(ev->panic_reason, sizeof(ev->panic_reason)), ev->panic_reason);
	if (v)
		observed_add(obs, "vm.panic_on_oom=%s in the guest", v);
}

/* ---- a refused mmap ---- */

/* A meminfo field before the step, else after setup. */
static long long pick(long long before, long long boot)
{
	return before >= 0 ? before : boot;
}

#define SNAP(ev, st, f) pick((st)->before.f, (ev)->boot.f)

/* The request in kB as the kernel counts it: whole pages. */
static long long request_kb(const struct step_evidence *st)
{
	long long b = st->wl.bytes;

	if (b < 0 || b > (1LL << 60))
		return -1;
	return (b + PAGE_KB * 1024 - 1) / (PAGE_KB * 1024) * PAGE_KB;
}

/* Quoted as printed: the wording differs between versions (6.1 says "no
 * enough", 6.8+ adds "bytes:"), and a reader must see what the kernel said. */
static void add_enough_line(const struct oom_scan *s, struct observed *obs)
{
	if (s->have_enough)
		observed_add(obs, "kernel: %s", s->enough_msg);
}

static void classify_mode2(const struct evidence *ev, const struct step_evidence *st,
			   const struct oom_scan *s, struct observed *obs)
{
	long long as = SNAP(ev, st, committed_as_kb), limit = SNAP(ev, st, commit_limit_kb);
	long long req = request_kb(st);
	/* A workload that maps chunk after chunk (hog) had already committed
	 * what it touched since the step's snapshot. */
	long long had = st->wl.touched > 0 && st->wl.touched < (1LL << 60) ? st->wl.touched / 1024 : 0;
	char mapped[64] = "";

	obs->path = PATH_COMMIT_REJECT;
	if (had)
		snprintf(mapped, sizeof(mapped), " + already mapped %lld kB", had);
	if (as < 0 || limit < 0 || req < 0)
		observed_add(obs, "vm.overcommit_memory=2 in the guest; Committed_AS, CommitLimit "
			     "or the request size was not reported");
	else if (as + had + req > limit)
		observed_add(obs, "vm.overcommit_memory=2 in the guest; Committed_AS %lld kB%s + "
			     "request %lld kB > CommitLimit %lld kB", as, mapped, req, limit);
	else
		observed_add(obs, "vm.overcommit_memory=2 in the guest; Committed_AS %lld kB%s + "
			     "request %lld kB <= CommitLimit %lld kB, within the reserves the "
			     "kernel also subtracts (user_reserve_kbytes, admin_reserve_kbytes)",
			     as, mapped, req, limit);
	add_enough_line(s, obs);
}

static void classify_mode0(const struct evidence *ev, const struct step_evidence *st,
			   const struct oom_scan *s, struct observed *obs)
{
	long long ram = SNAP(ev, st, mem_total_kb), swap = SNAP(ev, st, swap_total_kb);
	long long req = request_kb(st);

	add_enough_line(s, obs);
	if (ram < 0 || swap < 0 || req < 0) {
		obs->path = PATH_HEURISTIC_REJECT;
		observed_add(obs, "vm.overcommit_memory=0 in the guest; MemTotal, SwapTotal or the "
			     "request size was not reported, so the request could not be compared");
	} else if (req > ram + swap) {
		obs->path = PATH_HEURISTIC_REJECT;
		observed_add(obs, "vm.overcommit_memory=0 in the guest; request %lld kB > MemTotal "
			     "%lld kB + SwapTotal %lld kB", req, ram, swap);
	} else if (s->have_enough) {
		obs->path = PATH_HEURISTIC_REJECT;
		observed_add(obs, "vm.overcommit_memory=0 in the guest; request %lld kB <= MemTotal "
			     "%lld kB + SwapTotal %lld kB, but the kernel says it refused it",
			     req, ram, swap);
	} else {
		obs->path = PATH_UNKNOWN;
		observed_add(obs, "vm.overcommit_memory=0 in the guest, but request %lld kB <= "
			     "MemTotal %lld kB + SwapTotal %lld kB: mode 0 only refuses a request "
			     "larger than RAM + swap, so this ENOMEM came from elsewhere",
			     req, ram, swap);
	}
}

static void classify_enomem(const struct evidence *ev, const struct step_evidence *st,
			    const struct oom_scan *s, struct observed *obs)
{
	const char *mode = kv_get(&ev->effective, "vm.overcommit_memory");

	if (st->wl.bytes >= 0)
		observed_add(obs, "%s of %lld bytes failed with ENOMEM (errno 12)", st->wl.op,
			     st->wl.bytes);
	else
		observed_add(obs, "%s failed with ENOMEM (errno 12); its size was not reported",
			     st->wl.op);
	if (!mode) {
		obs->path = PATH_UNKNOWN;
		observed_add(obs, "the guest did not report its vm.overcommit_memory");
	} else if (!strcmp(mode, "2")) {
		classify_mode2(ev, st, s, obs);
	} else if (!strcmp(mode, "0")) {
		classify_mode0(ev, st, s, obs);
	} else if (!strcmp(mode, "1")) {
		obs->path = PATH_UNKNOWN;
		observed_add(obs, "vm.overcommit_memory=1 in the guest: mode 1 never refuses a "
			     "request for overcommit, so this ENOMEM came from elsewhere "
			     "(RLIMIT_AS, vm.max_map_count, address space)");
	} else {
		obs->path = PATH_UNKNOWN;
		observed_add(obs, "vm.overcommit_memory=%s in the guest is not a known mode", mode);
	}
}

/* ---- nothing, or something else ---- */

static const char *sig_abbrev(int sig)
{
	const char *s = sig > 0 && sig < 65 ? sigabbrev_np(sig) : NULL;

	return s ? s : "?";
}

static const char *errno_name(int e)
{
	const char *s = e > 0 ? strerrorname_np(e) : NULL;

	return s ? s : "?";
}

static void describe_end(const struct step_evidence *st, struct observed *obs)
{
	if (st->error)
		observed_add(obs, "the agent could not run the step: %s", st->error);
	else if (!st->ended)
		observed_add(obs, "the step under test never ended");
	else if (st->timed_out)
		observed_add(obs, "the agent killed the workload at the step's timeout");
	else if (st->exited)
		observed_add(obs, "the workload exited with code %d", st->exit_code);
	else
		observed_add(obs, "the workload was killed by signal %d (SIG%s)", st->signal,
			     sig_abbrev(st->signal));
	if (!st->wl.present)
		observed_add(obs, "the workload printed no result line");
	else if (!st->wl.ok)
		observed_add(obs, "%s failed with errno %d (%s)", st->wl.op[0] ? st->wl.op : "the workload",
			     st->wl.err_no, errno_name(st->wl.err_no));
}

static bool workload_succeeded(const struct step_evidence *st)
{
	return st->ended && st->exited && st->exit_code == 0 && (!st->wl.present || st->wl.ok);
}

static void classify_no_failure(const struct step_evidence *st, struct observed *obs)
{
	obs->path = PATH_NO_FAILURE;
	if (st->wl.present && st->wl.bytes >= 0 && !strcmp(st->wl.op, "mmap"))
		observed_add(obs, "mmap of %lld bytes succeeded", st->wl.bytes);
	else if (st->wl.present && st->wl.bytes >= 0)
		observed_add(obs, "the workload got all %lld bytes it asked for", st->wl.bytes);
	if (st->wl.touched >= 0)
		observed_add(obs, "it touched %lld bytes", st->wl.touched);
	observed_add(obs, "the workload exited with code 0");
	if (st->before.oom_kill >= 0 && st->after.oom_kill >= 0)
		observed_add(obs, "vmstat oom_kill unchanged (%lld)", st->after.oom_kill);
	observed_add(obs, "no OOM line in the step's kernel log");
}

/* The operations whose ENOMEM is an overcommit decision: each reaches
 * security_vm_enough_memory_mm() (mm/mmap.c mmap_region, do_brk_flags,
 * mm/mremap.c vma_to_resize, kernel/fork.c dup_mmap, mm/shmem.c
 * shmem_acct_size via ipc/shm.c newseg). */
static bool is_commit_enomem(const struct step_evidence *st)
{
	static const char *const ops[] = { "mmap", "brk", "mremap", "fork", "shm" };

	if (!st->wl.present || st->wl.ok || st->wl.err_no != ENOMEM)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if (!strcmp(st->wl.op, ops[i]))
			return true;
	return false;
}

/* After the path: the trace's sentences and the sources' summary. */
static void finish(const struct step_evidence *st, const struct oom_scan *s,
		   const struct trace_view *tv, struct observed *obs)
{
	trace_view_evidence(tv, st, obs);
	sources_summary(st, s, tv, obs);
}

/* obs->log_unrec: the steps' kmsg lines, or the console when it has more
 * (a panic cuts the records short; the console repeats the kmsg lines). */
static void note_unrecognised(const struct evidence *ev, struct observed *obs)
{
	struct klog_unrec u = { 0 };

	for (size_t k = 0; ev->steps && k < ev->nsteps; k++)
		for (size_t i = 0; ev->steps[k].kmsg && i < ev->steps[k].nkmsg; i++)
			klog_unrec_note(&u, klog_strip_prefix(ev->steps[k].kmsg[i].msg ?
							      ev->steps[k].kmsg[i].msg : ""));
	obs->log_unrec = ev->console_unrec.n > u.n ? ev->console_unrec : u;
}

void classify(const struct evidence *ev, struct observed *obs)
{
	const struct step_evidence *st = ev->nsteps && ev->steps ? &ev->steps[ev->nsteps - 1] : NULL;
	struct oom_scan s;
	struct trace_view tv;

	memset(&s, 0, sizeof(s));
	note_unrecognised(ev, obs);
	if (panic_is_oom(ev)) {
		classify_panic(ev, obs);
		trace_view_scan_panic(ev, &tv);
		finish(NULL, &s, &tv, obs);
		return;
	}
	trace_view_scan(ev, st, &tv);
	if (st) {
		obs->err_no = st->wl.present && !st->wl.ok ? st->wl.err_no : 0;
		obs->signal = st->ended && !st->exited ? st->signal : 0;
		scan_step(st, &s);
		if (st->kmsg_truncated)
			observed_add(obs, "the step's kernel log was cut at %d lines", EV_MAX_KMSG);
		if (scan_saw_oom(&s) || trace_view_saw_kill(&tv)) {
			classify_oom(&s, &tv, obs);
			kalloc_check_oom(st, &s, &tv, obs);
			fiu_note_kernel_path(st, obs);
			finish(st, &s, &tv, obs);
			return;
		}
	}
	if (!st) {
		obs->path = PATH_UNKNOWN;
		observed_add(obs, "no step was recorded");
		return;
	} else if (classify_injected(ev, st, &s, &tv, obs)) {
		return; /* user space failed it, the kernel refused nothing (verdict_fiu.c) */
	} else if (kalloc_failed(st)) {
		classify_kalloc_failure(st, &s, &tv, obs);
	} else if (is_commit_enomem(st)) {
		classify_enomem(ev, st, &s, obs);
	} else if (workload_succeeded(st) && s.cg_highs > 0) {
		classify_no_failure(st, obs);
		obs->path = PATH_MEMCG_HIGH_THROTTLE;
		observed_add(obs, "memory.events high +%lld: the cgroup went over memory.high and "
			     "was throttled (mm/memcontrol.c mem_cgroup_handle_over_high)", s.cg_highs);
	} else if (workload_succeeded(st)) {
		classify_no_failure(st, obs);
	} else {
		obs->path = PATH_UNKNOWN;
		describe_end(st, obs);
		observed_add(obs, "no OOM kill: vmstat oom_kill unchanged, no OOM line in the kernel log");
	}
	fiu_note_kernel_path(st, obs);
	finish(st, &s, &tv, obs);
}
