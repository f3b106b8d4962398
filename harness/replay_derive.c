/* replay_derive.c - see replay.h: from an OOM event of a report to the
 * scenario that mimics it.
 *
 * What decides an OOM's outcome, and so what the derivation keeps:
 *   - which limit is hit: the machine's memory (RAM + swap, scaled into the
 *     guest's 256M-512M) or a memory cgroup's memory.max and swap allowance
 *     (mm/memcontrol.c: v1 "memory+swap" counts both, so v2's memory.swap.max
 *     is their difference);
 *   - who is killed: mm/oom_kill.c oom_badness(), rss + swap + page tables
 *     + oom_score_adj * totalpages / 1000.  The members keep their names and
 *     oom_score_adj; their sizes are chosen so that the report's victim stays
 *     the kernel's clear choice (replay_members.c);
 *   - the policy sysctls the kind implies (oom_kill_allocating_task,
 *     panic_on_oom, memory.oom.group) and the overcommit mode a task's
 *     total-vm implies;
 *   - the trigger: page faults of the hogs, or sysrq f (drivers/tty/sysrq.c)
 *     for a manual OOM.
 */
#include "replay.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

static const char *const order_names[] = {
	[REPLAY_ORDER_UNKNOWN] = "unknown", [REPLAY_ORDER_MANUAL] = "manual (-1)",
	[REPLAY_ORDER_0] = "0", [REPLAY_ORDER_1_3] = "1-3", [REPLAY_ORDER_COSTLY] = ">3",
};

const char *replay_order_name(enum replay_order o)
{
	return (unsigned)o < ARRAY_SIZE(order_names) ? order_names[o] : "unknown";
}

/* include/linux/mmzone.h: PAGE_ALLOC_COSTLY_ORDER is 3.  drivers/tty/
 * sysrq.c moom_callback() asks with .order = -1 since 4.6 (mm/oom_kill.c
 * is_sysrq_oom()), with order 0 before: a sysrq OOM is "manual" whatever
 * it printed. */
enum replay_order replay_order_of(const struct incident_event *e)
{
	if (e->kind == INC_SYSRQ_OOM)
		return REPLAY_ORDER_MANUAL;
	if (e->order == INC_NONE)
		return REPLAY_ORDER_UNKNOWN;
	if (e->order < 0)
		return REPLAY_ORDER_MANUAL;
	if (e->order == 0)
		return REPLAY_ORDER_0;
	return e->order <= 3 ? REPLAY_ORDER_1_3 : REPLAY_ORDER_COSTLY;
}

/* mm/oom_kill.c constrained_alloc(): a memcg OOM is CONSTRAINT_MEMCG; a
 * sysrq OOM has no zonelist (CONSTRAINT_NONE); kernels before 4.x print no
 * constraint at all. */
const char *replay_constraint_of(const struct incident_event *e, bool *implied)
{
	if (implied)
		*implied = !e->constraint[0];
	if (e->constraint[0])
		return e->constraint;
	return e->kind == INC_MEMCG_OOM || e->memcg_report ? "CONSTRAINT_MEMCG" : "CONSTRAINT_NONE";
}

bool replay_kind_ok(enum incident_kind k)
{
	return k == INC_GLOBAL_OOM || k == INC_MEMCG_OOM || k == INC_SYSRQ_OOM ||
	       k == INC_ALLOCATING_TASK_OOM || k == INC_OOM_PANIC || k == INC_NO_KILLABLE;
}

void replay_budget_host(struct replay_budget *b)
{
	_cleanup_buf_ struct buf mi = BUF_INIT;
	const char *p;
	unsigned long long avail_kb = 0, max;

	if (buf_read_file(&mi, "/proc/meminfo", 1 << 16, NULL) == 0 &&
	    (p = strstr(mi.s, "MemAvailable:")))
		avail_kb = strtoull(p + 13, NULL, 10);
	max = (avail_kb << 10) / 3;
	max &= ~((64ULL << 20) - 1);
	b->max_ram = max < REPLAY_RAM_MIN ? REPLAY_RAM_MIN : max > REPLAY_RAM_MAX ? REPLAY_RAM_MAX : max;
}

void replay_scenario_free(struct replay_scenario *s)
{
	buf_release(&s->notes);
}

void replay_note(struct replay_scenario *s, const char *fmt, ...)
{
	va_list ap;

	buf_addstr(&s->notes, "  ");
	va_start(ap, fmt);
	buf_vaddf(&s->notes, fmt, ap);
	va_end(ap);
	buf_addch(&s->notes, '\n');
}

void replay_add_kb(struct buf *b, long long kb)
{
	if (kb >= 1LL << 20)
		buf_addf(b, "%.1f GiB", (double)kb / 1048576.0);
	else if (kb >= 1LL << 10)
		buf_addf(b, "%.1f MiB", (double)kb / 1024.0);
	else
		buf_addf(b, "%lld KiB", kb);
}

/* "replay-" + stem, with every byte a valid name does not allow as '-'. */
static void make_name(char *out, size_t len, const char *stem)
{
	size_t o = (size_t)snprintf(out, len, "replay-");

	for (const char *p = stem; *p && o + 1 < len; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '-' || c == '_' || c == '.';

		out[o++] = ok ? c : '-';
	}
	out[o] = '\0';
	if (o == 7)
		snprintf(out, len, "replay-report");
}

static long pick_event(const struct incident_report *r, long ev, struct buf *err)
{
	if (ev >= 0) {
		if ((size_t)ev >= r->n) {
			buf_addf(err, "event %ld: the log has %zu event%s", ev + 1, r->n, r->n == 1 ? "" : "s");
			return -1;
		}
		if (!replay_kind_ok(r->ev[ev].kind)) {
			const char *k = incident_kind_name(r->ev[ev].kind);

			buf_addf(err, "event %ld is %s%s, not an OOM kill; replay reproduces the OOM "
				 "killer's events", ev + 1, k ? "a " : "an event of unknown kind", k ? k : "");
			return -1;
		}
		return ev;
	}
	for (size_t i = 0; i < r->n; i++)
		if (replay_kind_ok(r->ev[i].kind))
			return (long)i;
	buf_addf(err, "no OOM killer event in the log (%zu other event%s)", r->n, r->n == 1 ? "" : "s");
	return -1;
}

/* The page size of the report (the buddy lines say it), else 4 kB. */
long long replay_page_kb(const struct incident_event *e)
{
	for (size_t z = 0; z < e->nzones; z++)
		if (e->zones[z].page_kb >= 1 && e->zones[z].page_kb <= 256)
			return e->zones[z].page_kb;
	return 4;
}

/* Report sizes are capped at 2^53 by the parser; keep kB below 2^50 so
 * that sums of a few stay far from overflow. */
long long replay_cap_kb(long long kb)
{
	return kb == INC_NONE || kb < 0 ? 0 : kb > (1LL << 50) ? 1LL << 50 : kb;
}

static unsigned long long mib_round(unsigned long long bytes, bool up)
{
	unsigned long long mib = 1ULL << 20;

	return up ? (bytes + mib - 1) / mib * mib : bytes / mib * mib;
}

/* ---- the VM: RAM and swap ---- */

static void derive_global_vm(const struct incident_event *e, const struct replay_budget *b,
			     struct replay_scenario *s)
{
	_cleanup_buf_ struct buf w = BUF_INIT;
	long long pk = replay_page_kb(e);
	long long ram_kb = e->ram_pages == INC_NONE ? 0 : replay_cap_kb(e->ram_pages) * pk;
	long long swap_kb = replay_cap_kb(e->swap_total_kb);
	unsigned long long ram = ram_kb ? (unsigned long long)ram_kb << 10 : b->max_ram;

	ram = ram < REPLAY_RAM_MIN ? REPLAY_RAM_MIN : ram > b->max_ram ? b->max_ram : ram;
	s->ram = mib_round(ram, false);
	if (swap_kb > 0 && ram_kb > 0)
		s->swap = (unsigned long long)((double)swap_kb * 1024.0 * ((double)s->ram / 1024.0 / (double)ram_kb));
	else if (swap_kb > 0)
		s->swap = s->ram / 2;
	if (s->swap > REPLAY_SWAP_MAX_RATIO * s->ram) {
		replay_note(s, "swap: capped at %d times the guest's RAM (the report's swap is larger "
			    "than that in proportion)", REPLAY_SWAP_MAX_RATIO);
		s->swap = REPLAY_SWAP_MAX_RATIO * s->ram;
	}
	if (s->swap)
		s->swap = mib_round(s->swap < (4ULL << 20) ? 4ULL << 20 : s->swap, true);
	if (ram_kb) {
		replay_add_kb(&w, ram_kb);
		replay_note(s, "RAM: the report's %s scaled to %lluM (1/%.1f); swap %s", w.s,
			    s->ram >> 20, (double)ram_kb * 1024.0 / (double)s->ram,
			    swap_kb > 0 ? "scaled alike" : "none, as in the report");
	} else {
		replay_note(s, "RAM: the report does not say (no \"pages RAM\" line); the guest gets %lluM%s",
			    s->ram >> 20, swap_kb > 0 ? ", swap half of it" : "");
	}
}

/* A memcg limit in kB as the report gives it: "unlimited" (v1 prints
 * PAGE_COUNTER_MAX, about 2^53 kB; v2 "max") is anything past 2^40 kB. */
static bool limit_unlimited(long long kb)
{
	return kb != INC_NONE && kb >= (1LL << 40);
}

/* The memcg's swap allowance in kB: v2 "swap: ... limit", v1 "memory+swap
 * limit" minus the memory limit (mm/memcontrol.c: memsw counts memory and
 * swap together).  -1: unlimited; -2: the report does not say. */
static long long memcg_swap_kb(const struct incident_event *e, long long limit_kb)
{
	if (e->memcg_swap_limit_kb != INC_NONE)
		return limit_unlimited(e->memcg_swap_limit_kb) ? -1 : replay_cap_kb(e->memcg_swap_limit_kb);
	if (e->memsw_limit_kb != INC_NONE) {
		if (limit_unlimited(e->memsw_limit_kb))
			return -1;
		return e->memsw_limit_kb > limit_kb ? replay_cap_kb(e->memsw_limit_kb) - limit_kb : 0;
	}
	return -2;
}

static void derive_memcg_vm(const struct incident_event *e, const struct replay_budget *b,
			    struct replay_scenario *s)
{
	_cleanup_buf_ struct buf w = BUF_INIT;
	long long limit_kb = e->memcg_limit_kb, swap_kb;
	double g = 1.0;

	s->memcg = true;
	s->ram = b->max_ram;
	if (limit_kb == INC_NONE || limit_unlimited(limit_kb) || limit_kb <= 0) {
		limit_kb = (long long)(s->ram >> 10) / 4;
		replay_note(s, "memcg: the report gives no memory limit; memory.max is a quarter of the "
			    "guest's RAM");
	}
	swap_kb = memcg_swap_kb(e, limit_kb);
	if ((double)limit_kb * 1024.0 > (double)s->ram * 3 / 8) {
		g = (double)s->ram * 3 / 8 / ((double)limit_kb * 1024.0);
		replay_note(s, "memcg: the limit is scaled by 1/%.1f to fit the guest's %lluM (the "
			    "swap allowance and the task sizes with it)", 1 / g, s->ram >> 20);
	}
	s->memcg_max = mib_round((unsigned long long)((double)limit_kb * 1024.0 * g), true);
	if (s->memcg_max < (16ULL << 20))
		s->memcg_max = 16ULL << 20;
	replay_add_kb(&w, limit_kb);
	s->memcg_swap_set = swap_kb != -2;
	if (swap_kb >= 0) {
		s->memcg_swap_max = mib_round((unsigned long long)((double)swap_kb * 1024.0 * g), true);
		s->swap = s->memcg_swap_max ? s->memcg_swap_max + (64ULL << 20) : 0;
	} else {
		s->memcg_swap_max = REPLAY_LIMIT_MAX;
		s->swap = swap_kb == -1 ? s->memcg_max : 0;
	}
	replay_note(s, "memcg: memory.max %lluM (the report's limit %s)%s", s->memcg_max >> 20, w.s,
		    swap_kb >= 0 ? ", memory.swap.max its swap allowance" :
		    swap_kb == -1 ? ", swap unlimited" : "; the report gives no swap limit, none set");
	if (s->swap)
		replay_note(s, "swap: %lluM of zram, more than the cgroup may use, so that its own limit "
			    "decides", s->swap >> 20);
}

/* ---- settings the report implies ---- */

/* A task whose total-vm exceeds RAM + swap could not have mapped it under
 * overcommit_memory=2 with the default ratio (mm/util.c
 * __vm_enough_memory(): CommitLimit = swap + RAM * 50%), so the machine
 * overcommitted: mode 0 (or 1). */
static void derive_overcommit(const struct incident_event *e, struct replay_scenario *s)
{
	long long pk = replay_page_kb(e), limit, most = replay_cap_kb(e->victim.total_vm_kb);
	const char *who = e->victim.comm;

	if (s->memcg || e->ram_pages == INC_NONE)
		return;
	limit = replay_cap_kb(e->ram_pages) * pk + replay_cap_kb(e->swap_total_kb);
	for (size_t i = 0; i < e->ntasks; i++) {
		long long kb = replay_cap_kb(e->tasks[i].total_vm) * pk;

		if (kb > most) {
			most = kb;
			who = e->tasks[i].name;
		}
	}
	if (most > limit) {
		_cleanup_buf_ struct buf a = BUF_INIT, l = BUF_INIT;

		replay_add_kb(&a, most);
		replay_add_kb(&l, limit);
		s->overcommit_memory = 0;
		replay_note(s, "overcommit: vm.overcommit_memory = 0: %s's total-vm %s exceeds RAM + "
			    "swap %s, which mode 2 refuses (mm/util.c)", who, a.s, l.s);
	} else {
		replay_note(s, "overcommit: the report does not imply a mode; the guest keeps the "
			    "kernel's default (0)");
	}
}

/* mm/oom_kill.c: out_of_memory() kills current under
 * sysctl_oom_kill_allocating_task; check_panic_on_oom() panics for
 * panic_on_oom 1 unless the OOM is constrained (a memcg), for 2 always
 * ("compulsory"); oom_kill_process() kills the whole memory.oom.group. */
static void derive_policy(const struct incident_event *e, struct replay_scenario *s)
{
	if (e->kind == INC_ALLOCATING_TASK_OOM) {
		s->oom_kill_allocating_task = 1;
		replay_note(s, "policy: vm.oom_kill_allocating_task = 1 (the report killed the "
			    "allocating task)");
	}
	if (e->kind == INC_OOM_PANIC) {
		s->panic_on_oom = s->memcg || strstr(e->panic_reason, "compulsory") ? 2 : 1;
		replay_note(s, "policy: vm.panic_on_oom = %d (the report panicked%s)", s->panic_on_oom,
			    s->panic_on_oom == 2 ? ", compulsory" : "");
	}
	if (e->group_memcg[0] && s->memcg) {
		s->oom_group = true;
		replay_note(s, "policy: memory.oom.group = 1 (the report killed the cgroup's tasks "
			    "together)");
	}
}

static enum oom_path expect_of(const struct replay_scenario *s)
{
	switch (s->kind) {
	case INC_OOM_PANIC: return PATH_OOM_PANIC;
	/* mm/oom_kill.c: no killable task panics only a global OOM */
	case INC_NO_KILLABLE: return s->memcg || s->trigger == REPLAY_SYSRQ ? PATH_UNKNOWN
								     : PATH_NO_KILLABLE_PANIC;
	case INC_ALLOCATING_TASK_OOM: return PATH_ALLOCATING_TASK_KILL;
	default: break;
	}
	if (s->oom_group)
		return PATH_OOM_GROUP_KILL;
	return s->memcg ? PATH_MEMCG_OOM_KILL : PATH_GLOBAL_OOM_KILL;
}

static void derive_trigger(const struct incident_event *e, struct replay_scenario *s)
{
	s->trigger = e->kind == INC_SYSRQ_OOM ? REPLAY_SYSRQ : REPLAY_FAULT;
	s->report_order = e->order;
	s->order = replay_order_of(e);
	s->order_reproduced = s->order == REPLAY_ORDER_MANUAL || s->order == REPLAY_ORDER_0 ||
			      s->order == REPLAY_ORDER_UNKNOWN;
	if (s->trigger == REPLAY_SYSRQ)
		replay_note(s, "trigger: sysrq f (the sysrq stressor writes it to /proc/sysrq-trigger); "
			    "Linux 4.6+ prints order=-1%s", e->order == 0 ? ", the report's kernel "
			    "printed order 0 for it" : "");
	else if (s->order_reproduced)
		replay_note(s, "trigger: page faults of the hogs (order 0)");
	else
		replay_note(s, "trigger: page faults of the hogs (order 0); the report's order %lld "
			    "cannot be reproduced: no stressor makes a kernel allocation of a chosen "
			    "order (workloads/README.md)", e->order);
}

static void make_summary(const struct incident_event *e, struct replay_scenario *s)
{
	const char *k = incident_kind_name(e->kind);
	int o = snprintf(s->summary, sizeof(s->summary), "%s (%s), order class %s", k ? k : "OOM",
			 s->constraint, replay_order_name(s->order));

	if (e->have_victim && o > 0 && (size_t)o < sizeof(s->summary))
		snprintf(s->summary + o, sizeof(s->summary) - (size_t)o, ", killed %s (pid %lld)",
			 e->victim.comm, e->victim.pid);
}

int replay_derive(const struct incident_report *r, long ev, const char *stem,
		  const struct replay_budget *b, struct replay_scenario *s, struct buf *err)
{
	const struct incident_event *e;
	bool implied;
	long i;

	memset(s, 0, sizeof(*s));
	buf_init(&s->notes, 256);
	s->overcommit_memory = s->panic_on_oom = s->oom_kill_allocating_task = -1;
	s->victim = -1;
	make_name(s->name, sizeof(s->name), stem ? stem : "");
	i = pick_event(r, ev, err);
	if (i < 0)
		return -1;
	e = &r->ev[i];
	s->event = (size_t)i;
	s->kind = e->kind;
	snprintf(s->constraint, sizeof(s->constraint), "%s", replay_constraint_of(e, &implied));
	if (implied)
		replay_note(s, "constraint: the report prints none; a %s implies %s",
			    incident_kind_name(e->kind), s->constraint);
	if (strcmp(s->constraint, "CONSTRAINT_NONE") && strcmp(s->constraint, "CONSTRAINT_MEMCG"))
		replay_note(s, "constraint: %s is not reproduced (the replay confines no task to a "
			    "node); expect it to differ", s->constraint);
	if (e->kind == INC_MEMCG_OOM || e->memcg_report)
		derive_memcg_vm(e, b, s);
	else
		derive_global_vm(e, b, s);
	derive_overcommit(e, s);
	derive_policy(e, s);
	derive_trigger(e, s);
	replay_members(e, s);
	s->expect = expect_of(s);
	replay_run_line(s);
	make_summary(e, s);
	return 0;
}
