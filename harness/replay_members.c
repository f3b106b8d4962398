/* replay_members.c - the process set of a replay: which tasks of the
 * report are mimicked, how big each is in the guest, and the run line.
 *
 * The kernel kills the task with the highest oom_badness() (mm/oom_kill.c,
 * 5.9+: rss + swapents + pgtables_bytes / PAGE_SIZE + oom_score_adj *
 * totalpages / 1000; tasks at -1000 are never chosen).  So each member
 * keeps its name and oom_score_adj, and its size is chosen so that the
 * report's victim is again the clear choice:
 *   - page-fault trigger (hog): every hog touches the same size (hog's
 *     family semantics, workloads/README.md) and sleepers touch nothing.
 *     Of every split into hogs and sleepers, the one whose shares of memory
 *     are closest to the report's and under which the victim leads by a
 *     margin wins (choose_hogs).
 *   - sysrq trigger: each member touches its own size, the report's
 *     footprints times one factor, as large as the guest's RAM allows but
 *     small enough that oom_score_adj differences keep their weight
 *     (sysrq_sizes).
 */
#include "replay.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

/* The victim must lead the runner-up by this share of totalpages in the
 * model (hogs of one family grow a chunk or two apart). */
#define REPLAY_MARGIN 0.05
/* MemTotal of a guest: the Debian 6.1 kernel and firmware keep about 13/16
 * of its RAM for us (a 256M guest has MemTotal 208732 kB). */
#define MEMTOTAL_KB(ram) ((double)((ram) >> 10) * 13.0 / 16.0)

struct row {
	long long kb, pid;
	size_t i;
};

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->kb != y->kb)
		return x->kb > y->kb ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* rss + swap of a task-table row, in kB (pages as printed). */
static long long task_kb(const struct incident_task *t, long long pk)
{
	long long rss = t->rss;

	if (rss == INC_NONE)
		rss = replay_cap_kb(t->rss_anon) + replay_cap_kb(t->rss_file) +
		      replay_cap_kb(t->rss_shmem);
	return replay_cap_kb((replay_cap_kb(rss) + replay_cap_kb(t->swapents)) * pk);
}

/* A comm as a names= entry: 1-15 printable bytes, no blank, ',', quote,
 * backslash, ';' or '#' (those become '_').  True if it had to change. */
static bool clean_name(char *dst, const char *src)
{
	size_t o = 0;
	bool changed = false;

	for (; src[o] && o < REPLAY_COMM_MAX - 1; o++) {
		unsigned char c = (unsigned char)src[o];
		bool ok = c > ' ' && c < 0x7f && c != ',' && c != '"' && c != '\\' && c != ';' && c != '#';

		dst[o] = ok ? (char)c : '_';
		changed |= !ok;
	}
	changed |= src[o] != '\0';
	dst[o] = '\0';
	if (!o) {
		snprintf(dst, REPLAY_COMM_MAX, "task");
		changed = true;
	}
	return changed;
}

static int clamp_adj(long long adj)
{
	return adj == INC_NONE ? 0 : adj < -1000 ? -1000 : adj > 1000 ? 1000 : (int)adj;
}

static void set_name(struct replay_scenario *s, struct replay_member *m, const char *name)
{
	if (clean_name(m->name, name))
		replay_note(s, "process set: the name '%.64s' is passed as '%s' (names= allows 15 "
			    "printable characters, no blanks, commas or quotes)", name, m->name);
}

/* The killed task from its kill line: the report has no row for it. */
static void member_from_kill(const struct incident_event *e, struct replay_scenario *s,
			     struct replay_member *m)
{
	const struct incident_kill *k = &e->victim;
	long long adj = k->oom_score_adj;

	if (adj == INC_NONE && e->invoker_pid != INC_NONE && e->invoker_pid == k->pid)
		adj = e->invoker_oom_score_adj;
	set_name(s, m, k->comm);
	m->pid = k->pid;
	m->footprint_kb = replay_cap_kb(replay_cap_kb(k->anon_rss_kb) + replay_cap_kb(k->file_rss_kb) +
					replay_cap_kb(k->shmem_rss_kb));
	m->adj = clamp_adj(adj);
	m->rank = 0;
}

static void member_from_row(const struct incident_event *e, struct replay_scenario *s,
			    struct replay_member *m, const struct row *r, int rank)
{
	const struct incident_task *t = &e->tasks[r->i];

	set_name(s, m, t->name);
	m->pid = t->pid;
	m->footprint_kb = r->kb;
	m->adj = clamp_adj(t->oom_score_adj);
	m->rank = rank;
}

/* No task table: the victim alone (or, without one, the invoker). */
static void members_without_table(const struct incident_event *e, struct replay_scenario *s)
{
	s->n = 1;
	if (e->have_victim) {
		member_from_kill(e, s, &s->m[0]);
		s->victim = 0;
		replay_note(s, "process set: the report has no task table (vm.oom_dump_tasks=0?): the "
			    "victim %s alone, %s oom_score_adj %d", s->m[0].name,
			    e->victim.oom_score_adj == INC_NONE ? "with the invoker's" : "with its",
			    s->m[0].adj);
		return;
	}
	set_name(s, &s->m[0], e->invoker_comm[0] ? e->invoker_comm : "oomwl");
	s->m[0].pid = e->invoker_pid;
	s->m[0].adj = clamp_adj(e->invoker_oom_score_adj);
	replay_note(s, "process set: no task table and no victim: the invoker %s alone", s->m[0].name);
}

static void pick_members(const struct incident_event *e, struct replay_scenario *s)
{
	long long pk = replay_page_kb(e);
	long long vpid = e->have_victim ? e->victim.pid : e->select_pid;
	size_t n = e->ntasks, take, vrow = SIZE_MAX;
	_cleanup_free_ struct row *rows = NULL;

	s->ntasks = n;
	if (!n) {
		members_without_table(e, s);
		return;
	}
	rows = calloc(n, sizeof(*rows));
	if (!rows)
		abort();
	for (size_t i = 0; i < n; i++)
		rows[i] = (struct row){ task_kb(&e->tasks[i], pk), e->tasks[i].pid, i };
	qsort(rows, n, sizeof(*rows), row_cmp);
	for (size_t k = 0; k < n && vpid != INC_NONE; k++)
		if (rows[k].pid == vpid) {
			vrow = k;
			break;
		}
	take = n < REPLAY_MAX_MEMBERS ? n : REPLAY_MAX_MEMBERS;
	for (size_t k = 0; k < take; k++) {
		size_t at = k + 1 == take && vrow != SIZE_MAX && vrow >= take ? vrow : k;

		member_from_row(e, s, &s->m[k], &rows[at], (int)at + 1);
		if (at == vrow)
			s->victim = (int)k;
	}
	s->n = take;
	replay_note(s, "process set: the top %zu of %zu tasks by rss + swap%s", take - (vrow >= take &&
		    vrow != SIZE_MAX), n, vrow >= take && vrow != SIZE_MAX ? ", and the victim" : "");
	if (vrow == SIZE_MAX && e->have_victim) {
		size_t at = take < REPLAY_MAX_MEMBERS ? take : REPLAY_MAX_MEMBERS - 1;

		member_from_kill(e, s, &s->m[at]);
		s->victim = (int)at;
		s->n = at + 1;
		replay_note(s, "process set: the victim %s (pid %lld) has no row in the task table; "
			    "it comes from its kill line", s->m[at].name, e->victim.pid);
	}
}

/* ---- page-fault trigger: hogs and sleepers ---- */

static int bits(unsigned mask)
{
	return __builtin_popcount(mask);
}

/* Member i's badness in the model, in units of totalpages: at the OOM the
 * hogs share the pool equally, sleepers hold next to nothing. */
static double points(const struct replay_scenario *s, unsigned mask, size_t i, double pool)
{
	return ((mask >> i) & 1 ? pool / bits(mask) : 0.0) + s->m[i].adj / 1000.0;
}

static bool hogs_valid(const struct replay_scenario *s, unsigned mask, double pool)
{
	double bv;

	if (!mask)
		return false;
	if (s->victim < 0)
		return true;
	/* mm/oom_kill.c: oom_kill_allocating_task kills the task that
	 * asked, and only hogs ask. */
	if (s->kind == INC_ALLOCATING_TASK_OOM)
		return mask == 1u << s->victim;
	if (s->m[s->victim].adj == -1000)
		return true;
	bv = points(s, mask, (size_t)s->victim, pool);
	for (size_t j = 0; j < s->n; j++)
		if ((int)j != s->victim && s->m[j].adj != -1000 &&
		    points(s, mask, j, pool) + REPLAY_MARGIN > bv)
			return false;
	return true;
}

/* How far the split's shares of memory are from the report's. */
static double hogs_distance(const struct replay_scenario *s, unsigned mask, double total)
{
	double d = 0;

	for (size_t i = 0; i < s->n; i++) {
		double want = total > 0 ? (double)s->m[i].footprint_kb / total : 1.0 / (double)s->n;
		double got = (mask >> i) & 1 ? 1.0 / bits(mask) : 0.0;

		d += want > got ? want - got : got - want;
	}
	return d;
}

static void choose_hogs(struct replay_scenario *s)
{
	double pool = s->memcg ? 1.0 : 0.9, total = 0, best = 0;
	unsigned best_mask = 0;
	size_t f = 0;

	for (size_t i = 0; i < s->n; i++)
		total += (double)s->m[i].footprint_kb;
	for (unsigned mask = 1; mask < 1u << s->n; mask++) {
		double d;

		if (!hogs_valid(s, mask, pool))
			continue;
		d = hogs_distance(s, mask, total);
		if (!best_mask || d < best - 1e-9 || (d < best + 1e-9 && bits(mask) < bits(best_mask))) {
			best = d;
			best_mask = mask;
		}
	}
	if (!best_mask) {
		/* hogs_valid() accepts any split when there is no victim */
		best_mask = 1u << s->victim;
		replay_note(s, "process set: no split into hogs and sleepers makes %s the clear choice "
			    "of oom_badness(); the replay may kill another member", s->m[s->victim].name);
	}
	for (size_t i = 0; i < s->n; i++)
		if ((s->m[i].hog = (best_mask >> i) & 1))
			s->fam[f++] = (int)i;
	s->nhogs = f;
	for (size_t i = 0; i < s->n; i++)
		if (!s->m[i].hog)
			s->fam[f++] = (int)i;
	replay_note(s, "process set: %zu hog%s (each touches the same size: hog's family) and %zu "
		    "sleeper%s (next to nothing): of the splits under which the victim stays the "
		    "clear choice, the closest to the report's sizes", s->nhogs,
		    s->nhogs == 1 ? "" : "s", s->n - s->nhogs, s->n - s->nhogs == 1 ? "" : "s");
}

/* ---- sysrq trigger: one size per member ---- */

/* The bounds on the scale g (guest kB per report kB) under which the
 * victim v still beats each candidate j: g (s_v - s_j) + (a_v - a_j) T /
 * 1000 > 0, T the guest's totalpages in kB. */
static void scale_bounds(struct replay_scenario *s, double tg, double *lo, double *hi)
{
	const struct replay_member *v = &s->m[s->victim];

	for (size_t j = 0; j < s->n; j++) {
		const struct replay_member *m = &s->m[j];
		double da = (double)(v->adj - m->adj) / 1000.0 * tg;
		double ds = (double)(v->footprint_kb - m->footprint_kb);

		if ((int)j == s->victim || m->adj == -1000)
			continue;
		if (da > 0 && ds < 0 && da / -ds < *hi)
			*hi = da / -ds;
		else if (da < 0 && ds > 0 && -da / ds > *lo)
			*lo = -da / ds;
		else if (da <= 0 && ds <= 0)
			replay_note(s, "sizes: %s (adj %d) would beat the victim %s in the report's own "
				    "numbers; the replay may kill it", m->name, m->adj, v->name);
	}
}

/* The smallest lead of the victim over a member of the same adj, in kB. */
static void check_lead(struct replay_scenario *s, double g)
{
	const struct replay_member *v = &s->m[s->victim];

	for (size_t j = 0; j < s->n; j++) {
		const struct replay_member *m = &s->m[j];
		double lead = g * (double)(v->footprint_kb - m->footprint_kb);

		if ((int)j != s->victim && m->adj == v->adj && lead > 0 && lead < 1024)
			replay_note(s, "sizes: the victim %s leads %s by only %.0f kB in the guest; the "
				    "replay may kill %s", v->name, m->name, lead, m->name);
	}
}

static void sysrq_sizes(struct replay_scenario *s)
{
	double mt = MEMTOTAL_KB(s->ram), tg = mt + (double)(s->swap >> 10), unit = mt / REPLAY_UNITS;
	double sum = 0, max = 0, lo = 0, hi = 1e300, g;

	for (size_t i = 0; i < s->n; i++) {
		sum += (double)s->m[i].footprint_kb;
		if ((double)s->m[i].footprint_kb > max)
			max = (double)s->m[i].footprint_kb;
		s->fam[i] = (int)i;
	}
	if (sum <= 0) {
		for (size_t i = 0; i < s->n; i++)
			s->m[i].units = REPLAY_UNITS / 16;
		replay_note(s, "sizes: the report gives none; every member touches 1/16 of the RAM");
		return;
	}
	g = mt / 2 / sum < mt / 4 / max ? mt / 2 / sum : mt / 4 / max;
	if (s->victim >= 0 && s->m[s->victim].adj != -1000)
		scale_bounds(s, tg, &lo, &hi);
	if (g > 0.8 * hi)
		g = 0.8 * hi;
	if (g < 1.25 * lo) {
		g = 1.25 * lo;
		if (g * sum > mt * 0.75) {
			g = mt * 0.75 / sum;
			replay_note(s, "sizes: the victim's lead needs more than the guest's RAM; the "
				    "members take three quarters of it and the replay may kill another");
		}
	}
	for (size_t i = 0; i < s->n; i++) {
		double u = g * (double)s->m[i].footprint_kb / unit + 0.5;

		s->m[i].units = u > REPLAY_UNITS ? REPLAY_UNITS : (long long)u;
	}
	if (s->victim >= 0)
		check_lead(s, g);
	replay_note(s, "sizes: the report's sizes times %.3g (guest kB per report kB): the largest "
		    "member is %.0f%% of the RAM%s", g, 100.0 * g * max / mt,
		    hi < 1e300 || lo > 0 ? ", and the oom_score_adj terms keep their weight" : "");
}

void replay_members(const struct incident_event *e, struct replay_scenario *s)
{
	pick_members(e, s);
	if (s->trigger == REPLAY_SYSRQ)
		sysrq_sizes(s);
	else
		choose_hogs(s);
}

/* ---- the run line ---- */

static void add_lists(const struct replay_scenario *s, struct buf *b)
{
	buf_addstr(b, " adj=");
	for (size_t i = 0; i < s->n; i++)
		buf_addf(b, "%s%d", i ? "," : "", s->m[s->fam[i]].adj);
	buf_addstr(b, " names=");
	for (size_t i = 0; i < s->n; i++)
		buf_addf(b, "%s%s", i ? "," : "", s->m[s->fam[i]].name);
}

/* What the hogs may fill: the cgroup's memory and swap allowance, or the
 * machine's RAM and swap. */
static void pool_expr(const struct replay_scenario *s, struct buf *b)
{
	if (!s->memcg) {
		buf_addstr(b, s->swap ? "ram+swap" : "ram");
		return;
	}
	buf_addstr(b, "memcg_max");
	if (s->memcg_swap_set && s->memcg_swap_max != REPLAY_LIMIT_MAX && s->memcg_swap_max)
		buf_addf(b, "+%lluM", s->memcg_swap_max >> 20);
	else if ((!s->memcg_swap_set || s->memcg_swap_max == REPLAY_LIMIT_MAX) && s->swap)
		buf_addstr(b, "+swap");
}

void replay_run_line(struct replay_scenario *s)
{
	_cleanup_buf_ struct buf b = BUF_INIT, pool = BUF_INIT;

	if (s->trigger == REPLAY_SYSRQ) {
		buf_addf(&b, "sysrq unit=ram/%d sizes=", REPLAY_UNITS);
		for (size_t i = 0; i < s->n; i++)
			buf_addf(&b, "%s%lld", i ? "," : "", s->m[s->fam[i]].units);
	} else {
		pool_expr(s, &pool);
		/* Each hog touches size; together a little more than the pool,
		 * so the OOM comes, and once a hog is killed the rest fit. */
		if (s->nhogs == 1)
			buf_addf(&b, "hog size=%s+16M procs=1", pool.s);
		else if (strchr(pool.s, '+'))
			buf_addf(&b, "hog size=(%s)/%zu+16M procs=%zu", pool.s, s->nhogs, s->nhogs);
		else
			buf_addf(&b, "hog size=%s/%zu+16M procs=%zu", pool.s, s->nhogs, s->nhogs);
		if (s->n > s->nhogs)
			buf_addf(&b, " sleepers=%zu", s->n - s->nhogs);
	}
	add_lists(s, &b);
	snprintf(s->run, sizeof(s->run), "%s", b.s);
}
