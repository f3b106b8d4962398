/* replay_compare.c - see replay.h: the report's OOM event against the
 * guest's first OOM report, aspect by aspect, each with why it differs. */
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MEMBER_ROWS 64

static const char *const aspect_names[] = { "kind", "constraint", "order class", "victim" };

static const char *kind_or(enum incident_kind k)
{
	const char *n = incident_kind_name(k);

	return n ? n : "unknown";
}

static const struct incident_event *first_oom(const struct incident_report *g, size_t *idx)
{
	for (size_t i = 0; i < g->n; i++)
		if (replay_kind_ok(g->ev[i].kind)) {
			*idx = i;
			return &g->ev[i];
		}
	return NULL;
}

static void check_kind(const struct incident_event *rep, const struct incident_event *ge,
		       struct replay_check *c)
{
	c->compared = true;
	c->matched = rep->kind == ge->kind;
	snprintf(c->report, sizeof(c->report), "%s", kind_or(rep->kind));
	snprintf(c->replay, sizeof(c->replay), "%s", kind_or(ge->kind));
	if (c->matched)
		return;
	if (rep->kind == INC_MEMCG_OOM || ge->kind == INC_MEMCG_OOM)
		snprintf(c->why, sizeof(c->why), "the %s limit was hit in the guest: the memcg's "
			 "limits and the guest's memory do not stand as they did in the report",
			 ge->kind == INC_MEMCG_OOM ? "cgroup's" : "machine's");
	else
		snprintf(c->why, sizeof(c->why), "the guest's OOM took another path (policy sysctls "
			 "or trigger differ)");
}

static void check_constraint(const struct incident_event *rep, const struct incident_event *ge,
			     struct replay_check *c)
{
	bool ri, gi;
	const char *rc = replay_constraint_of(rep, &ri), *gc = replay_constraint_of(ge, &gi);

	c->compared = true;
	c->matched = !strcmp(rc, gc);
	snprintf(c->report, sizeof(c->report), "%s%s", rc, ri ? " (implied)" : "");
	snprintf(c->replay, sizeof(c->replay), "%s%s", gc, gi ? " (implied)" : "");
	if (!c->matched)
		snprintf(c->why, sizeof(c->why), "%s", strcmp(rc, "CONSTRAINT_NONE") &&
			 strcmp(rc, "CONSTRAINT_MEMCG") ? "the replay confines no task to a node or "
			 "memory policy" : "the guest's OOM was of another scope");
}

static void check_order(const struct replay_scenario *s, const struct incident_event *ge,
			struct replay_check *c)
{
	enum replay_order go = replay_order_of(ge);

	snprintf(c->report, sizeof(c->report), "%s", replay_order_name(s->order));
	if (s->report_order != INC_NONE)
		snprintf(c->report + strlen(c->report), sizeof(c->report) - strlen(c->report),
			 " (order=%lld)", s->report_order);
	snprintf(c->replay, sizeof(c->replay), "%s", replay_order_name(go));
	if (ge->order != INC_NONE)
		snprintf(c->replay + strlen(c->replay), sizeof(c->replay) - strlen(c->replay),
			 " (order=%lld)", ge->order);
	if (s->order == REPLAY_ORDER_UNKNOWN) {
		snprintf(c->why, sizeof(c->why), "not compared: the report does not give the order");
		return;
	}
	c->compared = true;
	c->matched = s->order == go;
	if (!c->matched)
		snprintf(c->why, sizeof(c->why), "%s", !s->order_reproduced ?
			 "no stressor makes a kernel allocation of the report's order; the replay's "
			 "page faults are order 0" : "the guest's OOM came from another allocation");
}

/* Is name the name of more than one member? */
static bool name_shared(const struct replay_scenario *s, const char *name)
{
	int k = 0;

	for (size_t i = 0; i < s->n; i++)
		k += !strcmp(s->m[i].name, name);
	return k > 1;
}

static bool member_name(const struct replay_scenario *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->m[i].name, name))
			return true;
	return false;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* The member the guest killed.  hog and sysrq fork their members in list
 * order (s->fam), so their pids rise with it: the victim's place among the
 * rows of the guest's task table that bear member names (the parent,
 * "oomwl" at -1000, is not one of them).  Returns the member index, -1 for
 * a task that is no member, -2 when the guest printed no task table. */
static int guest_member(const struct replay_scenario *s, const struct incident_event *ge)
{
	long long pids[MAX_MEMBER_ROWS];
	size_t n = 0, place;

	if (!ge->ntasks)
		return -2;
	for (size_t i = 0; i < ge->ntasks && n < MAX_MEMBER_ROWS; i++) {
		const struct incident_task *t = &ge->tasks[i];

		/* pid 1 is the agent; the parent is "oomwl" at -1000 */
		if (t->pid != 1 && member_name(s, t->name) &&
		    !(t->oom_score_adj == -1000 && !strcmp(t->name, "oomwl")))
			pids[n++] = t->pid;
	}
	qsort(pids, n, sizeof(pids[0]), cmp_ll);
	for (place = 0; place < n && pids[place] != ge->victim.pid; place++)
		;
	return place < n && place < s->n ? s->fam[place] : -1;
}

static void victim_text(char *out, size_t len, const struct replay_scenario *s, int member,
			const struct incident_kill *k, bool report)
{
	const struct replay_member *m = member >= 0 ? &s->m[member] : NULL;
	int o = snprintf(out, len, "%s (pid %lld)", k->comm, k->pid);

	if (o < 0 || (size_t)o >= len)
		return;
	if (report && m && m->rank)
		snprintf(out + o, len - (size_t)o, ", rank %d of %zu by rss+swap", m->rank, s->ntasks);
	else if (report && m)
		snprintf(out + o, len - (size_t)o, ", no task table");
	else if (m && m->rank)
		snprintf(out + o, len - (size_t)o, ", the member of rank %d", m->rank);
	else if (m)
		snprintf(out + o, len - (size_t)o, ", the member from the report's kill line");
	else if (member == -2)
		snprintf(out + o, len - (size_t)o, ", no task table");
	else
		snprintf(out + o, len - (size_t)o, ", not a member");
}

static void check_victim(const struct incident_event *rep, const struct replay_scenario *s,
			 const struct incident_event *ge, struct replay_check *c)
{
	const struct replay_member *want = s->victim >= 0 ? &s->m[s->victim] : NULL;
	int got = ge->have_victim ? guest_member(s, ge) : -1;
	bool name_ok;

	c->compared = true;
	if (!rep->have_victim || !want) {
		snprintf(c->report, sizeof(c->report), "none");
		c->matched = !ge->have_victim;
		if (ge->have_victim)
			victim_text(c->replay, sizeof(c->replay), s, got, &ge->victim, false);
		else
			snprintf(c->replay, sizeof(c->replay), "none");
		if (!c->matched)
			snprintf(c->why, sizeof(c->why), "the report killed no task, the guest did");
		return;
	}
	victim_text(c->report, sizeof(c->report), s, s->victim, &rep->victim, true);
	if (!ge->have_victim) {
		snprintf(c->replay, sizeof(c->replay), "none");
		snprintf(c->why, sizeof(c->why), "the guest's OOM killed no task");
		return;
	}
	victim_text(c->replay, sizeof(c->replay), s, got, &ge->victim, false);
	name_ok = !strncmp(ge->victim.comm, want->name, REPLAY_COMM_MAX - 1);
	if (got == -2) {
		c->matched = name_ok && !name_shared(s, want->name);
		snprintf(c->why, sizeof(c->why), "%s", !name_ok ? "the guest killed another task" :
			 c->matched ? "" : "the guest printed no task table: which of the members of that "
			 "name it killed is unknown");
		return;
	}
	c->matched = name_ok && got == s->victim;
	if (!name_ok)
		snprintf(c->why, sizeof(c->why), "the guest killed %s, not %s: %s", ge->victim.comm,
			 want->name, got >= 0 ? "the sizes or oom_score_adj of the process set did not "
			 "keep the report's choice" : "a task outside the process set");
	else if (!c->matched)
		snprintf(c->why, sizeof(c->why), "same name, but the guest killed the member of rank "
			 "%d, not the one of rank %d", got >= 0 ? s->m[got].rank : 0, want->rank);
}

void replay_compare(const struct incident_event *rep, const struct replay_scenario *s,
		    const struct incident_report *guest, struct replay_result *out)
{
	const struct incident_event *ge;

	memset(out, 0, sizeof(*out));
	ge = first_oom(guest, &out->replay_event);
	if (!ge) {
		for (int a = 0; a < REPLAY_ASPECTS; a++) {
			struct replay_check *c = &out->c[a];

			c->compared = true;
			snprintf(c->replay, sizeof(c->replay), "none");
			snprintf(c->why, sizeof(c->why), "the guest's console has no OOM report");
		}
		snprintf(out->c[REPLAY_KIND].report, sizeof(out->c[0].report), "%s", kind_or(rep->kind));
		return;
	}
	out->have_event = true;
	check_kind(rep, ge, &out->c[REPLAY_KIND]);
	check_constraint(rep, ge, &out->c[REPLAY_CONSTRAINT]);
	check_order(s, ge, &out->c[REPLAY_ORDER]);
	check_victim(rep, s, ge, &out->c[REPLAY_VICTIM]);
}

bool replay_matched(const struct replay_result *res)
{
	if (!res->have_event)
		return false;
	for (int a = 0; a < REPLAY_ASPECTS; a++)
		if (res->c[a].compared && !res->c[a].matched)
			return false;
	return true;
}

void replay_result_print(const struct replay_result *res, struct buf *out)
{
	int bad = 0, compared = 0;

	for (int a = 0; a < REPLAY_ASPECTS; a++) {
		const struct replay_check *c = &res->c[a];

		compared += c->compared;
		bad += c->compared && !c->matched;
		buf_addf(out, "  %-12s %-9s report: %s\n  %-12s %-9s replay: %s\n", aspect_names[a],
			 !c->compared ? "-" : c->matched ? "matched" : "DIFFERS", c->report, "", "",
			 c->replay);
		if (c->why[0])
			buf_addf(out, "  %-12s %-9s why: %s\n", "", "", c->why);
	}
	if (!bad)
		buf_addf(out, "all %d compared aspects matched\n", compared);
	else
		buf_addf(out, "%d of %d compared aspects differ\n", bad, compared);
}
