/* bench.c - see bench.h.  Guest records are untrusted: bounded line and
 * sample counts, every field checked for its type. */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cleanup.h"
#include "trace.h"

#define REC_LINE_MAX (64 * 1024)
#define FILE_MAX     (256 * 1024 * 1024)

static const char *const phase_names[BP_COUNT] = {
	"stall->invoke", "invoke->select", "select->exit", "exit->reaped", "stall->recover", "total",
};

const char *bench_phase_name(enum bench_phase p)
{
	return p < BP_COUNT ? phase_names[p] : "?";
}

/* One parsed trace line, its text copied. */
struct tline {
	struct trace_rec r;
	char text[512];
};

struct parse {
	struct bench_rep *rep;
	struct tline *l;
	size_t nl;
	bool any;
};

static double num_or_nan(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
		return NAN;
	return json_object_get_double(v);
}

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : NULL;
}

static void add_line(struct parse *p, const char *msg)
{
	struct tline *t;

	if (p->nl >= BENCH_MAX_LINES) {
		p->rep->lines_bad++;
		return;
	}
	t = &p->l[p->nl];
	snprintf(t->text, sizeof(t->text), "%s", msg);
	if (!trace_parse(t->text, &t->r)) {
		p->rep->lines_bad++;
		return;
	}
	p->nl++;
	p->rep->lines++;
}

static void add_sample(struct parse *p, json_object *o)
{
	struct bench_rep *r = p->rep;
	struct bench_sample *s;
	double ts = num_or_nan(o, "ts_us");

	if (isnan(ts) || r->ns >= BENCH_MAX_SAMPLES)
		return;
	if (!(r->ns & (r->ns + 1)) || !r->s) {   /* grow at 2^k - 1 */
		struct bench_sample *g = realloc(r->s, (r->ns + 1) * 2 * sizeof(*g));

		if (!g)
			return;
		r->s = g;
	}
	s = &r->s[r->ns++];
	s->t = ts / 1e6;
	s->some_us = num_or_nan(o, "some_us");
	s->full_us = num_or_nan(o, "full_us");
	s->avail_kb = num_or_nan(o, "avail_kb");
	s->cg_kb = num_or_nan(o, "cg_kb");
}

static void one_record(struct parse *p, json_object *o)
{
	const char *t = str_of(o, "t"), *name = str_of(o, "name"), *kind = str_of(o, "kind");

	if (t && !strcmp(t, "hello") && str_of(o, "release"))
		snprintf(p->rep->release, sizeof(p->rep->release), "%s", str_of(o, "release"));
	if (!t || strcmp(t, "tracing") || !name || strcmp(name, "bench") || !kind)
		return;
	p->any = true;
	if (!strcmp(kind, "line") && str_of(o, "msg"))
		add_line(p, str_of(o, "msg"));
	else if (!strcmp(kind, "psi"))
		add_sample(p, o);
	else if (!strcmp(kind, "end")) {
		double d = num_or_nan(o, "lines_dropped");

		p->rep->have_end = true;
		p->rep->lines_dropped += isnan(d) || d < 0 ? 0 : (unsigned)d;
	}
}

static void each_record(struct parse *p, const char *text, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		if (n > 0 && n < REC_LINE_MAX) {
			_cleanup_free_ char *line = strndup(text + pos, n);
			json_object *o = line ? json_tokener_parse(line) : NULL;

			if (json_object_is_type(o, json_type_object))
				one_record(p, o);
			json_object_put(o);
		}
		pos += n + 1;
	}
}

/* ---- events from the lines ---- */

static bool is_stall(const struct tline *t)
{
	return !strcmp(t->r.event, "mm_vmscan_direct_reclaim_begin") ||
	       !strcmp(t->r.event, "mm_vmscan_memcg_reclaim_begin") ||
	       !strcmp(t->r.event, "reclaim_retry_zone");
}

static long long field(const struct tline *t, const char *key)
{
	long long v;

	return trace_field_ll(&t->r, key, &v) ? v : -1;
}

/* The first line of event `ev` after `after` whose `key` field (or, key
 * NULL, whose task) is pid; NAN if none. */
static double first_after(const struct parse *p, const char *ev, const char *key, int pid,
			  double after)
{
	for (size_t i = 0; i < p->nl; i++) {
		const struct tline *t = &p->l[i];

		if (t->r.ts < after || strcmp(t->r.event, ev))
			continue;
		if ((key ? field(t, key) : t->r.pid) == pid)
			return t->r.ts;
	}
	return NAN;
}

static double stall_of(const struct parse *p, int pid, double from, double to, bool *own)
{
	double any = NAN;

	for (size_t i = 0; i < p->nl; i++) {
		const struct tline *t = &p->l[i];

		if (t->r.ts <= from || t->r.ts > to || !is_stall(t))
			continue;
		if (t->r.pid == pid) {
			*own = true;
			return t->r.ts;
		}
		if (isnan(any))
			any = t->r.ts;
	}
	*own = false;
	return any;
}

static bool is_victim(const struct bench_event *e, int pid)
{
	for (size_t k = 0; k < e->nvictims; k++)
		if (e->victim[k] == pid)
			return true;
	return false;
}

static void finish_event(const struct parse *p, struct bench_event *e, double prev)
{
	e->t_stall = stall_of(p, e->invoker, prev, e->t_invoke, &e->stall_own);
	e->t_exit = e->t_reaped = NAN;
	for (size_t k = 0; k < e->nvictims; k++) {
		double x = first_after(p, "sched_process_exit", "pid", e->victim[k], e->t_select);
		double r = first_after(p, "finish_task_reaping", "pid", e->victim[k], e->t_select);

		if (!isnan(x) && (isnan(e->t_exit) || x > e->t_exit))
			e->t_exit = x;
		if (!isnan(r) && (isnan(e->t_reaped) || r > e->t_reaped))
			e->t_reaped = r;
	}
	e->t_recover = is_victim(e, e->invoker) ? NAN :
		       first_after(p, "oom_recover", NULL, e->invoker, e->t_invoke);
}

/* The latest `oom` line of pid at or before index i. */
static const struct tline *invoke_of(const struct parse *p, size_t i, int pid)
{
	while (i-- > 0)
		if (!strcmp(p->l[i].r.event, "oom") && p->l[i].r.pid == pid)
			return &p->l[i];
	return NULL;
}

static void extract(struct parse *p)
{
	struct bench_rep *r = p->rep;
	const struct tline *cur = NULL;

	for (size_t i = 0; i < p->nl; i++) {
		const struct tline *t = &p->l[i], *inv;
		struct bench_event *e;
		long long vp;

		if (strcmp(t->r.event, "mark_victim") || (vp = field(t, "pid")) < 0 ||
		    !(inv = invoke_of(p, i, t->r.pid)))
			continue;
		if (inv != cur) {
			if (r->nev >= BENCH_MAX_EVENTS)
				break;
			cur = inv;
			e = &r->ev[r->nev++];
			memset(e, 0, sizeof(*e));
			e->t_invoke = inv->r.ts;
			e->t_select = t->r.ts;
			e->invoker = inv->r.pid;
			snprintf(e->invoker_comm, sizeof(e->invoker_comm), "%s", inv->r.comm);
		}
		e = &r->ev[r->nev - 1];
		if (e->nvictims < BENCH_MAX_VICTIMS)
			e->victim[e->nvictims++] = (int)vp;
	}
	for (size_t k = 0; k < r->nev; k++)
		finish_event(p, &r->ev[k], k ? r->ev[k - 1].t_select : -INFINITY);
}

int bench_parse(const char *text, size_t len, struct bench_rep *out, struct buf *err)
{
	struct parse p = { .rep = out };

	memset(out, 0, sizeof(*out));
	p.l = malloc(BENCH_MAX_LINES * sizeof(*p.l));
	if (!p.l) {
		buf_addstr(err, "out of memory");
		return -1;
	}
	each_record(&p, text, len);
	extract(&p);
	free(p.l);
	if (!p.any) {
		buf_addstr(err, "no benchmark records (tracing records named \"bench\"): the guest did "
			   "not run with oomlab.bench=1 on its kernel command line");
		return -1;
	}
	return 0;
}

int bench_load(const char *path, struct bench_rep *out, struct buf *err)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	bool trunc = false;

	memset(out, 0, sizeof(*out));
	if (buf_read_file(&b, path, FILE_MAX, &trunc) < 0) {
		buf_addf(err, "%s: cannot read", path);
		return -1;
	}
	if (bench_parse(b.s ? b.s : "", b.len, out, err) < 0) {
		buf_addf(err, " (%s)", path);
		return -1;
	}
	return 0;
}

void bench_rep_free(struct bench_rep *r)
{
	free(r->s);
	r->s = NULL;
	r->ns = 0;
}

static double end_of(const struct bench_event *e)
{
	double t = NAN;
	const double c[3] = { e->t_exit, e->t_reaped, e->t_recover };

	for (int k = 0; k < 3; k++)
		if (!isnan(c[k]) && (isnan(t) || c[k] > t))
			t = c[k];
	return t;
}

double bench_phase_ms(const struct bench_event *e, enum bench_phase p)
{
	double a, b;

	switch (p) {
	case BP_STALL_INVOKE: a = e->t_stall; b = e->t_invoke; break;
	case BP_INVOKE_SELECT: a = e->t_invoke; b = e->t_select; break;
	case BP_SELECT_EXIT: a = e->t_select; b = e->t_exit; break;
	case BP_EXIT_REAPED: a = e->t_exit; b = e->t_reaped; break;
	case BP_STALL_RECOVER: a = e->t_stall; b = e->t_recover; break;
	case BP_TOTAL: a = isnan(e->t_stall) ? e->t_invoke : e->t_stall; b = end_of(e); break;
	default: return NAN;
	}
	return isnan(a) || isnan(b) ? NAN : (b - a) * 1000;
}
