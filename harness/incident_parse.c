/* incident_parse.c - a kernel log into OOM events (see incident.h).
 *
 * The order of an OOM report, from the kernel (mm/oom_kill.c):
 *   out_of_memory() -> [check_panic_on_oom() -> dump_header(); panic()]
 *   oom_kill_process() -> dump_header():
 *     "%s invoked oom-killer: gfp_mask=..., order=%d, oom_score_adj=%hd"
 *     ("%s cpuset=%s mems_allowed=%*pbl" before 4.19), dump_stack() ("CPU: ..."),
 *     mem_cgroup_print_oom_context()/mem_cgroup_print_oom_meminfo() for a memcg
 *     OOM ("Task in ..." before 5.0, "memory: usage ...", "Memory cgroup stats
 *     for ..."), else __show_mem() ("Mem-Info:" ...); dump_tasks(); then
 *     dump_oom_summary() ("oom-kill:constraint=...", 5.0+)
 *   the kill: "Kill process N (x) score N or sacrifice child" + "Killed process ..."
 *     before 5.1, "%s: Killed process ..." since; memory.oom.group kills follow
 *     "Tasks in %s are going to be killed due to memory.oom.group set" (4.19+)
 *   later, from the reaper thread: "oom_reaper: reaped process ..." (4.6+)
 *   with no victim: "Out of memory and no killable processes..." and for a global
 *     OOM panic("System is deadlocked on memory") (4.x+; 3.x panics with the
 *     first text).
 * A sysrq-f OOM (drivers/tty/sysrq.c moom_callback()) runs from the "events"
 * workqueue, order -1 since 4.x ("Workqueue: events moom_callback"), and is
 * announced by "sysrq: Manual OOM execution" ("SysRq : ..." in 3.x).
 * mm/page_alloc.c warn_alloc() prints "%s: page allocation failure: order:%u,
 * mode:%#x(%pGg)" followed by the same stack and Mem-Info.
 *
 * So: a header opens an event; body lines attach to the open event until it
 * has its kill (or panic); OOM lines seen with no open event (the header was
 * cut off) open one.
 */
#include "incident_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum phase { PH_HEAD, PH_MEMINFO, PH_TASKS };

struct pstate {
	struct incident_report *r;
	long cur;                 /* index of the open event, or -1 */
	enum phase phase;
	struct inc_layout lay;    /* the current task table */
	long zone;                /* the last zone line, for lowmem_reserve[] */
	char version[64];         /* the release the last version line named */
	size_t lineno, sysrq_line;
};

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

static struct incident_event *cur_ev(struct pstate *st)
{
	return st->cur >= 0 ? &st->r->ev[st->cur] : NULL;
}

/* The event has what ends a report: its kill, a panic, or no victim. */
static bool ev_done(const struct incident_event *e)
{
	return e->have_victim || e->panic_reason[0] || e->no_killable;
}

static void ev_init(struct incident_event *e, size_t lineno)
{
	memset(e, 0, sizeof(*e));
	e->first_line = e->last_line = lineno;
	e->invoker_pid = e->order = e->invoker_oom_score_adj = INC_NONE;
	e->memcg_usage_kb = e->memcg_limit_kb = e->memcg_failcnt = INC_NONE;
	e->memsw_usage_kb = e->memsw_limit_kb = e->memsw_failcnt = INC_NONE;
	e->memcg_swap_usage_kb = e->memcg_swap_limit_kb = INC_NONE;
	e->victim_score = e->select_pid = INC_NONE;
	e->ram_pages = e->reserved_pages = e->swap_total_kb = e->swap_free_kb = INC_NONE;
	e->pagecache_pages = e->swapcache_pages = INC_NONE;
	e->mem = (struct incident_meminfo){ INC_NONE, INC_NONE, INC_NONE, INC_NONE, INC_NONE,
					    INC_NONE, INC_NONE, INC_NONE, INC_NONE, INC_NONE,
					    INC_NONE };
	e->reaped = -1;
}

static struct incident_event *new_event(struct pstate *st)
{
	struct incident_report *r = st->r;
	struct incident_event *e;

	if (r->n == INC_MAX_EVENTS) {
		r->events_cut = true;
		st->cur = -1;
		return NULL;
	}
	if (r->n == r->alloc) {
		size_t n = r->alloc ? r->alloc * 2 : 8;
		struct incident_event *ev = realloc(r->ev, n * sizeof(*ev));

		if (!ev)
			abort();
		r->ev = ev;
		r->alloc = n;
	}
	e = &r->ev[r->n];
	ev_init(e, st->lineno);
	copy_str(e->kernel_version, sizeof(e->kernel_version), st->version);
	st->cur = (long)r->n++;
	st->phase = PH_HEAD;
	st->zone = -1;
	return e;
}

/* The event an OOM line (kill, summary, memcg usage...) belongs to: the open
 * one, or a new one when it is finished or is an allocation failure. */
static struct incident_event *oom_target(struct pstate *st)
{
	struct incident_event *e = cur_ev(st);

	if (e && !ev_done(e) && !e->alloc_failure)
		return e;
	return new_event(st);
}

/* ---- headers ---- */

static bool is_sysrq_oom_line(const char *msg)
{
	return (!strncasecmp(msg, "sysrq", 5)) && strstr(msg, "Manual OOM execution");
}

static bool on_header(struct pstate *st, const char *msg)
{
	struct klog_invoked inv;
	struct klog_alloc_fail af;
	struct incident_event *e;

	if (klog_parse_invoked(msg, &inv)) {
		if (!(e = new_event(st)))
			return true;
		copy_str(e->invoker_comm, sizeof(e->invoker_comm), inv.comm);
		copy_str(e->gfp_mask, sizeof(e->gfp_mask), inv.gfp_mask);
		copy_str(e->gfp_flags, sizeof(e->gfp_flags), inv.gfp_flags);
		e->order = inv.order;
		e->invoker_oom_score_adj = inv.oom_score_adj;
		/* drivers/tty/sysrq.c moom_callback(): .order = -1 (4.x+) */
		e->sysrq = inv.order == -1 || (st->sysrq_line && st->lineno - st->sysrq_line <= 3);
		return true;
	}
	if (klog_parse_alloc_fail(msg, &af)) {
		if (!(e = new_event(st)))
			return true;
		e->alloc_failure = true;
		copy_str(e->invoker_comm, sizeof(e->invoker_comm), af.comm);
		copy_str(e->gfp_mask, sizeof(e->gfp_mask), af.gfp_mask);
		copy_str(e->gfp_flags, sizeof(e->gfp_flags), af.gfp_flags);
		e->order = af.order;
		return true;
	}
	if (is_sysrq_oom_line(msg)) {
		st->sysrq_line = st->lineno;
		return true;
	}
	return false;
}

static bool on_version(struct pstate *st, const char *msg)
{
	struct incident_event *e = cur_ev(st);
	char ver[64];
	long long pid;

	if (inc_linux_version(msg, ver, sizeof(ver))) {
		copy_str(st->version, sizeof(st->version), ver);
	} else if (inc_cpu_line(msg, ver, sizeof(ver), &pid)) {
		copy_str(st->version, sizeof(st->version), ver);
		/* The first CPU line of a report is its dump_stack(). */
		if (e && !ev_done(e) && e->invoker_pid == INC_NONE) {
			copy_str(e->kernel_version, sizeof(e->kernel_version), ver);
			e->invoker_pid = pid;
		}
	} else {
		return false;
	}
	if (!st->r->kernel_version[0])
		copy_str(st->r->kernel_version, sizeof(st->r->kernel_version), ver);
	return true;
}

/* ---- OOM lines ---- */

static void kill_from(struct incident_kill *k, const struct klog_killed *in)
{
	memset(k, 0, sizeof(*k));
	k->pid = in->pid;
	k->uid = in->uid >= 0 ? in->uid : INC_NONE;
	k->oom_score_adj = in->adj_printed ? in->oom_score_adj : INC_NONE;
	k->total_vm_kb = in->total_vm_kb >= 0 ? inc_cap(in->total_vm_kb) : INC_NONE;
	k->anon_rss_kb = in->anon_rss_kb >= 0 ? inc_cap(in->anon_rss_kb) : INC_NONE;
	k->file_rss_kb = in->file_rss_kb >= 0 ? inc_cap(in->file_rss_kb) : INC_NONE;
	k->shmem_rss_kb = in->shmem_rss_kb >= 0 ? inc_cap(in->shmem_rss_kb) : INC_NONE;
	k->pgtables_kb = in->pgtables_kb >= 0 ? inc_cap(in->pgtables_kb) : INC_NONE;
	copy_str(k->comm, sizeof(k->comm), in->comm);
	k->memcg = in->memcg;
}

static void on_kill(struct pstate *st, const struct klog_killed *k)
{
	struct incident_event *e = cur_ev(st);

	/* memory.oom.group: more kills of the same invocation */
	if (e && e->have_victim && e->group_memcg[0]) {
		if (e->nkills < INC_MAX_KILLS)
			kill_from(&e->kills[e->nkills], k);
		e->nkills++;
		e->last_line = st->lineno;
		return;
	}
	if (!(e = oom_target(st)))
		return;
	kill_from(&e->victim, k);
	e->kills[0] = e->victim;
	e->nkills = 1;
	e->have_victim = true;
	e->allocating_task |= k->allocating_task;
	e->memcg_report |= k->memcg;
	e->global_report |= !k->memcg && !k->bare;
	e->last_line = st->lineno;
}

/* The reaper runs after the kill, maybe after the next report began. */
static void on_reap(struct pstate *st, long long pid, int reaped)
{
	for (size_t i = st->r->n, seen = 0; i-- > 0 && seen < 16; seen++) {
		struct incident_event *e = &st->r->ev[i];

		for (size_t k = 0; k < e->nkills && k < INC_MAX_KILLS; k++)
			if (e->kills[k].pid == pid) {
				if (k == 0)
					e->reaped = reaped;
				return;
			}
	}
}

static void on_panic(struct pstate *st, const char *reason)
{
	struct incident_event *e = cur_ev(st);
	bool no_victim = !strncmp(reason, "Out of memory and no killable processes", 39) ||
			 !strncmp(reason, "System is deadlocked on memory", 30);

	if (no_victim && e && e->no_killable && !e->panic_reason[0]) {
		copy_str(e->panic_reason, sizeof(e->panic_reason), reason);
		return;
	}
	/* check_panic_on_oom(): "Out of memory: %s panic_on_oom is enabled" */
	if (!no_victim && strncmp(reason, "Out of memory", 13))
		return;
	if (!(e = oom_target(st)))
		return;
	e->no_killable |= no_victim;
	copy_str(e->panic_reason, sizeof(e->panic_reason), reason);
	e->last_line = st->lineno;
}

static void on_summary(struct pstate *st, const struct klog_oom_summary *s)
{
	struct incident_event *e = oom_target(st);

	if (!e || e->constraint[0])
		return;
	copy_str(e->constraint, sizeof(e->constraint), s->constraint);
	if (s->oom_memcg[0])
		copy_str(e->memcg, sizeof(e->memcg), s->oom_memcg);
	copy_str(e->task_memcg, sizeof(e->task_memcg), s->task_memcg);
	e->memcg_report |= !strcmp(s->constraint, "CONSTRAINT_MEMCG") || s->oom_memcg[0];
	e->global_report |= s->global_oom || (strcmp(s->constraint, "CONSTRAINT_MEMCG") && !s->oom_memcg[0]);
}

static void on_usage(struct pstate *st, const struct klog_memcg_usage *u)
{
	struct incident_event *e = !strcmp(u->counter, "memory") ? oom_target(st) : cur_ev(st);

	if (!e || ev_done(e) || e->alloc_failure)
		return;
	e->memcg_report = true;
	if (!strcmp(u->counter, "memory") && e->memcg_limit_kb == INC_NONE) {
		e->memcg_usage_kb = inc_cap(u->usage_kb);
		e->memcg_limit_kb = inc_cap(u->limit_kb);
		e->memcg_failcnt = inc_cap(u->failcnt);
	} else if (!strcmp(u->counter, "memory+swap") && e->memsw_limit_kb == INC_NONE) {
		e->memsw_usage_kb = inc_cap(u->usage_kb);
		e->memsw_limit_kb = inc_cap(u->limit_kb);
		e->memsw_failcnt = inc_cap(u->failcnt);
	} else if (!strcmp(u->counter, "swap") && e->memcg_swap_limit_kb == INC_NONE) {
		e->memcg_swap_usage_kb = inc_cap(u->usage_kb);
		e->memcg_swap_limit_kb = inc_cap(u->limit_kb);
	}
}

static void on_select(struct pstate *st, const struct klog_kill_select *s)
{
	struct incident_event *e = oom_target(st);

	if (!e || e->select_pid != INC_NONE)
		return;
	e->select_pid = s->pid;
	e->victim_score = s->score >= 0 ? inc_cap(s->score) : INC_NONE;
	e->allocating_task |= s->allocating_task;
	e->memcg_report |= s->memcg;
	e->global_report |= !s->memcg;
}

static void on_memcg_task(struct pstate *st, const struct klog_memcg_task *m)
{
	struct incident_event *e = oom_target(st);

	if (!e)
		return;
	e->memcg_report = true;
	if (!e->memcg[0])
		copy_str(e->memcg, sizeof(e->memcg), m->oom_memcg);
	if (!e->task_memcg[0])
		copy_str(e->task_memcg, sizeof(e->task_memcg), m->task_memcg);
}

static bool on_oom_line(struct pstate *st, const char *msg)
{
	union {
		struct klog_killed k;
		struct klog_kill_select sel;
		struct klog_oom_summary sum;
		struct klog_memcg_task mt;
		struct klog_memcg_usage u;
		struct klog_reaped r;
	} u;
	char text[KLOG_TEXT_MAX];
	struct incident_event *e;

	if (klog_parse_reaped(msg, &u.r))
		on_reap(st, u.r.pid, 1);
	else if (klog_parse_reap_failed(msg, &u.r))
		on_reap(st, u.r.pid, 0);
	else if (klog_parse_killed(msg, &u.k))
		on_kill(st, &u.k);
	else if (klog_parse_kill_select(msg, &u.sel))
		on_select(st, &u.sel);
	else if (klog_parse_oom_summary(msg, &u.sum))
		on_summary(st, &u.sum);
	else if (klog_parse_memcg_task(msg, &u.mt))
		on_memcg_task(st, &u.mt);
	else if (klog_parse_memcg_usage(msg, &u.u))
		on_usage(st, &u.u);
	else if (klog_parse_panic(msg, text, sizeof(text)))
		on_panic(st, text);
	else if (klog_parse_oom_group(msg, text, sizeof(text))) {
		if ((e = cur_ev(st)) && e->have_victim && !e->group_memcg[0])
			copy_str(e->group_memcg, sizeof(e->group_memcg), text);
	} else if (!strncmp(msg, "Out of memory and no killable processes", 39)) {
		if ((e = oom_target(st)))
			e->no_killable = true;
	} else {
		return false;
	}
	return true;
}

/* ---- the body ---- */

static void add_task(struct pstate *st, struct incident_event *e, const struct incident_task *t)
{
	if (e->ntasks == INC_MAX_TASKS || st->r->tasks_total == INC_MAX_TASKS_TOTAL) {
		e->tasks_cut = true;
		return;
	}
	if (e->ntasks == e->tasks_alloc) {
		size_t n = e->tasks_alloc ? e->tasks_alloc * 2 : 64;
		struct incident_task *p = realloc(e->tasks, n * sizeof(*p));

		if (!p)
			abort();
		e->tasks = p;
		e->tasks_alloc = n;
	}
	e->tasks[e->ntasks++] = *t;
	st->r->tasks_total++;
}

static void on_body(struct pstate *st, struct incident_event *e, const char *msg)
{
	const char *t = inc_skip_ws(msg);
	struct incident_task row;
	char path[KLOG_TEXT_MAX];

	e->last_line = st->lineno;
	if (!strcmp(t, "Mem-Info:")) {
		st->phase = PH_MEMINFO;
		e->have_meminfo = true;
	} else if (inc_task_header(t, &st->lay)) {
		st->phase = PH_TASKS;
		e->task_cols = st->lay.mask;
	} else if (st->phase == PH_TASKS && inc_task_row(t, &st->lay, &row)) {
		add_task(st, e, &row);
	} else if (st->phase == PH_MEMINFO && inc_meminfo_line(t, &e->mem)) {
		/* parsed */
	} else if (inc_body_counts(e, t, &st->zone)) {
		/* parsed */
	} else if (inc_memcg_stats(t, path, sizeof(path))) {
		e->memcg_report = true;
		if (!e->memcg[0])
			copy_str(e->memcg, sizeof(e->memcg), path);
	} else if (strstr(t, "moom_callback")) {
		/* "Workqueue: events moom_callback" or the call trace */
		e->sysrq = true;
	}
}

/* ---- the driver ---- */

static void on_line(struct pstate *st, const char *line)
{
	const char *msg = klog_kernel_msg(line);
	struct incident_event *e;

	if (!msg || on_version(st, msg) || on_header(st, msg) || on_oom_line(st, msg))
		return;
	e = cur_ev(st);
	if (e && !ev_done(e))
		on_body(st, e, msg);
}

static enum incident_kind decide(const struct incident_event *e)
{
	if (e->no_killable)
		return INC_NO_KILLABLE;
	if (e->panic_reason[0])
		return INC_OOM_PANIC;
	if (e->alloc_failure)
		return INC_PAGE_ALLOC_FAILURE;
	if (e->sysrq)
		return INC_SYSRQ_OOM;
	if (e->allocating_task)
		return INC_ALLOCATING_TASK_OOM;
	if (e->memcg_report)
		return INC_MEMCG_OOM;
	if (e->global_report ||
	    (e->have_victim && (e->have_meminfo || e->ram_pages != INC_NONE)))
		return INC_GLOBAL_OOM;
	return INC_KIND_UNKNOWN;
}

static void sanitize_event(struct incident_event *e)
{
	char *s[] = { e->kernel_version, e->invoker_comm, e->gfp_mask, e->gfp_flags, e->constraint,
		      e->memcg, e->task_memcg, e->victim.comm, e->group_memcg, e->panic_reason };

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		text_sanitize(s[i]);
	for (size_t k = 0; k < e->nkills && k < INC_MAX_KILLS; k++)
		text_sanitize(e->kills[k].comm);
	for (size_t i = 0; i < e->ntasks; i++)
		text_sanitize(e->tasks[i].name);
	for (size_t i = 0; i < e->nzones; i++)
		text_sanitize(e->zones[i].name);
}

static void finish(struct incident_report *r)
{
	text_sanitize(r->kernel_version);
	for (size_t i = 0; i < r->n; i++) {
		struct incident_event *e = &r->ev[i];

		if (!e->kernel_version[0])
			copy_str(e->kernel_version, sizeof(e->kernel_version), r->kernel_version);
		/* The victim's oom_score_adj and uid from its task-table row when
		 * the kill line does not print them (before 5.x). */
		for (size_t t = 0; e->have_victim && t < e->ntasks; t++)
			if (e->tasks[t].pid == e->victim.pid) {
				if (e->victim.oom_score_adj == INC_NONE)
					e->victim.oom_score_adj = e->tasks[t].oom_score_adj;
				if (e->victim.uid == INC_NONE)
					e->victim.uid = e->tasks[t].uid;
				break;
			}
		e->kind = decide(e);
		sanitize_event(e);
	}
}

int incident_parse(const char *text, size_t len, struct incident_report *out)
{
	struct pstate st = { .r = out, .cur = -1, .zone = -1 };
	char *line = malloc(INC_LINE_MAX + 1);
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	if (!line)
		abort();
	while (text && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t raw = (nl ? (size_t)(nl - text) : len) - pos, n = raw;

		st.lineno = ++out->lines;
		if (n > 0 && text[pos + n - 1] == '\r')
			n--;
		if (n > INC_LINE_MAX) {
			out->long_lines++;
		} else {
			for (size_t i = 0; i < n; i++)
				line[i] = text[pos + i] ? text[pos + i] : ' ';
			line[n] = '\0';
			on_line(&st, line);
		}
		pos += raw + (nl != NULL);
	}
	free(line);
	finish(out);
	return 0;
}

void incident_free(struct incident_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->ev[i].tasks);
	free(r->ev);
	memset(r, 0, sizeof(*r));
}
