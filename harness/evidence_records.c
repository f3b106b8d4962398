/* evidence_records.c - what each record of the channel means, as
 * evidence.h describes it (format: workloads/README.md): typed JSON access,
 * meminfo snapshots, steps, the workload's result, kmsg lines and the other
 * records.  Splitting the channel into lines is evidence.c's. */
#include "evidence.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cleanup.h"
#include "evidence_int.h"

/* ---------- typed JSON access: wrong types count as absent ---------- */

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static bool get_ll(json_object *o, const char *key, long long *out)
{
	json_object *v = get(o, key);

	if (!json_object_is_type(v, json_type_int))
		return false;
	*out = (long long)json_object_get_int64(v);
	return true;
}

static bool get_int(json_object *o, const char *key, int *out)
{
	long long v;

	if (!get_ll(o, key, &v) || v < INT_MIN || v > INT_MAX)
		return false;
	*out = (int)v;
	return true;
}

static long long get_ll_or(json_object *o, const char *key, long long def)
{
	long long v;

	return get_ll(o, key, &v) ? v : def;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool get_bool(json_object *o, const char *key, bool *out)
{
	json_object *v = get(o, key);

	if (!json_object_is_type(v, json_type_boolean))
		return false;
	*out = json_object_get_boolean(v);
	return true;
}

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* ---------- snapshots ---------- */

void ev_snapshot_init(struct mem_snapshot *s)
{
	s->mem_total_kb = s->mem_free_kb = s->mem_available_kb = -1;
	s->swap_total_kb = s->swap_free_kb = -1;
	s->commit_limit_kb = s->committed_as_kb = -1;
	s->hugetlb_kb = s->shmem_kb = s->sreclaimable_kb = s->file_kb = -1;
	s->oom_kill = -1;
	s->memcg_max = s->memcg_oom = s->memcg_oom_kill = s->memcg_oom_group_kill = -1;
	s->memcg_high = -1;
}
static void parse_meminfo(json_object *o, struct mem_snapshot *s)
{
	s->mem_total_kb = get_ll_or(o, "MemTotal", -1);
	s->mem_free_kb = get_ll_or(o, "MemFree", -1);
	s->mem_available_kb = get_ll_or(o, "MemAvailable", -1);
	s->swap_total_kb = get_ll_or(o, "SwapTotal", -1);
	s->swap_free_kb = get_ll_or(o, "SwapFree", -1);
	s->commit_limit_kb = get_ll_or(o, "CommitLimit", -1);
	s->committed_as_kb = get_ll_or(o, "Committed_AS", -1);
	s->hugetlb_kb = get_ll_or(o, "Hugetlb", -1);
	s->shmem_kb = get_ll_or(o, "Shmem", -1);
	s->sreclaimable_kb = get_ll_or(o, "SReclaimable", -1);
	s->file_kb = get_ll_or(o, "Cached", -1);
	if (s->file_kb >= 0)
		s->file_kb += get_ll_or(o, "Buffers", 0) + get_ll_or(o, "SwapCached", 0);
}

static void parse_snapshot(json_object *o, struct mem_snapshot *s)
{
	json_object *ev = get(o, "memory.events");

	ev_snapshot_init(s);
	if (!json_object_is_type(o, json_type_object))
		return;
	parse_meminfo(o, s);
	s->oom_kill = get_ll_or(o, "oom_kill", -1);
	if (!json_object_is_type(ev, json_type_object))
		return;
	s->memcg_max = get_ll_or(ev, "max", -1);
	s->memcg_oom = get_ll_or(ev, "oom", -1);
	s->memcg_oom_kill = get_ll_or(ev, "oom_kill", -1);
	s->memcg_oom_group_kill = get_ll_or(ev, "oom_group_kill", -1);
	s->memcg_high = get_ll_or(ev, "high", -1);
}

/* ---------- steps ---------- */

static void step_init(struct step_evidence *st, int index)
{
	memset(st, 0, sizeof(*st));
	st->index = index;
	st->duration_s = -1;
	st->timeout_s = -1;
	ev_snapshot_init(&st->before);
	ev_snapshot_init(&st->after);
	st->wl.bytes = -1;
	st->wl.touched = -1;
	st->wl.limit_bytes = -1;
	st->wl.committed_as_kb = -1;
	ev_kalloc_init(st);
}

struct step_evidence *ev_step_of(struct parser *ps, json_object *rec, const char *what)
{
	struct evidence *ev = ps->ev;
	int i;

	if (!get_int(rec, "i", &i) || i < 0 || i >= EV_MAX_STEPS) {
		ev_add_error(ev, ps->line, "%s record without a step index in 0..%d", what,
			     EV_MAX_STEPS - 1);
		return NULL;
	}
	if ((size_t)i >= ev->nsteps) {
		ev->steps = ev_must(realloc(ev->steps, ((size_t)i + 1) * sizeof(*ev->steps)));
		for (size_t k = ev->nsteps; k <= (size_t)i; k++)
			step_init(&ev->steps[k], (int)k);
		ev->nsteps = (size_t)i + 1;
	}
	return &ev->steps[i];
}

static char *join_argv(json_object *argv)
{
	struct buf b = BUF_INIT;
	size_t n = json_object_is_type(argv, json_type_array) ? json_object_array_length(argv) : 0;

	for (size_t k = 0; k < n; k++) {
		json_object *a = json_object_array_get_idx(argv, k);
		const char *s = json_object_is_type(a, json_type_string) ?
				json_object_get_string(a) : json_object_to_json_string(a);

		if (k)
			buf_addch(&b, ' ');
		buf_addstr(&b, s ? s : "null");
	}
	return buf_detach(&b);
}

/* A JSON scalar as text: a string as is, anything else as JSON. */
static const char *as_text(json_object *v)
{
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

/* kv_set, bounded to EV_MAX_KV keys. */
static void kv_put(struct parser *ps, struct kv_list *l, const char *key, const char *value)
{
	if (l->n >= EV_MAX_KV && !kv_get(l, key)) {
		ev_add_error(ps->ev, ps->line, "more than %d keys, the rest is left out", EV_MAX_KV);
		return;
	}
	kv_set(l, key, value, ps->line);
}

static void kv_from_object(struct parser *ps, struct kv_list *l, json_object *o)
{
	if (!json_object_is_type(o, json_type_object))
		return;
	json_object_object_foreach(o, key, val) {
		if (val)
			kv_put(ps, l, key, as_text(val));
	}
}

/* "error" of a step record: the step could not run. */
static void step_error(struct step_evidence *st, json_object *rec)
{
	const char *e = get_str(rec, "error");

	if (e && !st->error)
		st->error = ev_must(strndup(e, EV_MAX_ERROR_LEN - 1));
}

/* What the agent says it sent or lost of the step's output. */
static void step_counts(struct step_evidence *st, json_object *rec)
{
	long long lines;

	if (get_ll_or(rec, "kmsg_dropped", 0) > 0 || get_ll_or(rec, "kmsg_overwritten", 0) > 0 ||
	    (get_ll(rec, "kmsg_lines", &lines) && lines > (long long)st->nkmsg))
		st->kmsg_truncated = true;
	if (get_ll_or(rec, "wl_dropped", 0) > 0)
		st->wl_truncated = true;
	if (get_ll_or(rec, "trace_dropped", 0) > 0 ||
	    (get_ll(rec, "trace_lines", &lines) && lines > (long long)st->ntrace))
		st->trace_truncated = true;
}

static void step_begin(struct parser *ps, struct step_evidence *st, json_object *rec)
{
	if (st->begun)
		ev_add_error(ps->ev, ps->line, "step %d began twice", st->index);
	st->begun = true;
	free(st->argv);
	st->argv = join_argv(get(rec, "argv"));
	kv_from_object(ps, &st->exprs, get(rec, "exprs"));
	if (!get_int(rec, "timeout_s", &st->timeout_s) || st->timeout_s < 0)
		st->timeout_s = -1;
	step_error(st, rec);
	parse_snapshot(get(rec, "before"), &st->before);
}

static void step_end(struct parser *ps, struct step_evidence *st, json_object *rec)
{
	json_object *dur = get(rec, "duration_ms");

	if (!st->begun)
		ev_add_error(ps->ev, ps->line, "step %d ended but never began", st->index);
	st->ended = true;
	st->exited = get_int(rec, "exit", &st->exit_code);
	if (!st->exited)
		st->exit_code = 0;
	if (!get_int(rec, "signal", &st->signal))
		st->signal = 0;
	if (!get_bool(rec, "timed_out", &st->timed_out))
		st->timed_out = false;
	if (json_object_is_type(dur, json_type_int) || json_object_is_type(dur, json_type_double))
		st->duration_s = json_object_get_double(dur) / 1000.0;
	if (!(st->duration_s >= 0))     /* negative or NaN */
		st->duration_s = -1;
	step_error(st, rec);
	step_counts(st, rec);
	parse_snapshot(get(rec, "after"), &st->after);
}

static void rec_step(struct parser *ps, json_object *rec)
{
	const char *phase = get_str(rec, "phase");
	struct step_evidence *st;

	if (!phase || (strcmp(phase, "begin") && strcmp(phase, "end"))) {
		ev_add_error(ps->ev, ps->line, "step record without phase begin or end");
		return;
	}
	st = ev_step_of(ps, rec, "step");
	if (!st)
		return;
	if (!strcmp(phase, "begin"))
		step_begin(ps, st, rec);
	else
		step_end(ps, st, rec);
}

static void rec_wl(struct parser *ps, json_object *rec)
{
	struct step_evidence *st = ev_step_of(ps, rec, "wl");
	json_object *data = get(rec, "data");
	struct wl_result *wl;
	long long touched;
	bool ok;

	if (!st || !json_object_is_type(data, json_type_object))
		return;
	wl = &st->wl;
	if (get_ll(data, "touched", &touched))
		wl->touched = touched;
	if (!get(data, "op") || !get_bool(data, "ok", &ok)) {
		ev_wl_kalloc(st, data, false);
		return;
	}
	wl->present = true;
	wl->ok = ok;
	copy_str(wl->op, sizeof(wl->op), as_text(get(data, "op")));
	if (!get_int(data, "errno", &wl->err_no))
		wl->err_no = 0;
	wl->bytes = get_ll_or(data, "bytes", -1);
	wl->limit_bytes = get_ll_or(data, "limit_bytes", -1);
	wl->committed_as_kb = get_ll_or(data, "committed_as_kb", -1);
	ev_wl_kalloc(st, data, true);
}

/* ---------- kmsg ---------- */

static void rec_kmsg(struct parser *ps, json_object *rec)
{
	struct evidence *ev = ps->ev;
	struct kmsg_line **arr, *k;
	size_t *n;
	bool *trunc;
	const char *msg = get_str(rec, "msg");
	long long seq, ts;
	int i, prio;

	if (!msg) {
		ev_add_error(ev, ps->line, "kmsg record without msg");
		return;
	}
	if (get_int(rec, "i", &i) && i == -1) {
		arr = &ev->boot_kmsg;
		n = &ev->nboot_kmsg;
		trunc = &ev->boot_kmsg_truncated;
	} else {
		struct step_evidence *st = ev_step_of(ps, rec, "kmsg");

		if (!st)
			return;
		arr = &st->kmsg;
		n = &st->nkmsg;
		trunc = &st->kmsg_truncated;
	}
	if (*n >= EV_MAX_KMSG) {
		*trunc = true;
		return;
	}
	/* Grow by powers of two: *n is a power of two exactly when full. */
	if (!(*n & (*n - 1)))
		*arr = ev_must(realloc(*arr, (*n ? *n * 2 : 1) * sizeof(**arr)));
	k = &(*arr)[(*n)++];
	seq = get_ll_or(rec, "seq", 0);
	ts = get_ll_or(rec, "ts_us", 0);
	k->prio = get_int(rec, "prio", &prio) && prio >= 0 ? prio & 7 : -1;
	k->seq = seq > 0 ? (unsigned long long)seq : 0;
	k->ts_us = ts > 0 ? (unsigned long long)ts : 0;
	k->msg = ev_must(strndup(msg, EV_MAX_KMSG_MSG - 1));
}

/* ---------- the other records ---------- */

static void rec_hello(struct parser *ps, json_object *rec)
{
	long long v;

	if (!get_ll(rec, "v", &v) || v != 1)
		ev_add_error(ps->ev, ps->line, "hello of an unknown protocol version");
	ps->ev->hello = true;
	copy_str(ps->ev->release, sizeof(ps->ev->release), get_str(rec, "release"));
}

static void rec_setup(struct parser *ps, json_object *rec)
{
	const char *what = get_str(rec, "what"), *key = get_str(rec, "key");
	const char *error = get_str(rec, "error");
	struct buf k = BUF_INIT, v = BUF_INIT;
	bool ok;
	int err;

	if (!what || !get_bool(rec, "ok", &ok)) {
		ev_add_error(ps->ev, ps->line, "setup record without what or ok");
		return;
	}
	if (ok)
		return;
	buf_addstr(&k, what);
	if (key && *key)
		buf_addf(&k, ":%s", key);
	buf_addstr(&v, error ? error : "failed");
	if (get_int(rec, "errno", &err))
		buf_addf(&v, " (errno %d)", err);
	kv_put(ps, &ps->ev->setup_errors, k.s, v.s);
	buf_release(&k);
	buf_release(&v);
}

static void rec_facts(struct parser *ps, json_object *rec)
{
	json_object *mi = get(rec, "meminfo");
	int cpus;

	kv_from_object(ps, &ps->ev->effective, get(rec, "effective"));
	if (json_object_is_type(mi, json_type_object))
		parse_meminfo(mi, &ps->ev->boot);
	else
		ev_add_error(ps->ev, ps->line, "facts record without meminfo");
	if (get_int(rec, "nr_cpus", &cpus) && cpus > 0)
		ps->ev->nr_cpus = cpus;
}

static void rec_done(struct parser *ps, json_object *rec)
{
	long long steps;

	ps->ev->done = true;
	if (get_ll(rec, "steps", &steps) && (steps < 0 || (size_t)steps != ps->ev->nsteps))
		ev_add_error(ps->ev, ps->line, "done says %lld steps, records name %zu", steps,
			     ps->ev->nsteps);
}

static void rec_error(struct parser *ps, json_object *rec)
{
	const char *msg = get_str(rec, "msg");
	char q[EXCERPT_MAX + 8];

	if (!msg)
		msg = "(error record without msg)";
	if (!ps->ev->agent_error) {
		ps->ev->agent_error = ev_must(strndup(msg, EV_MAX_ERROR_LEN - 1));
		return;
	}
	ev_excerpt(q, sizeof(q), msg, strlen(msg));
	ev_add_error(ps->ev, ps->line, "another agent error: %s", q);
}

void ev_dispatch(struct parser *ps, json_object *rec)
{
	static const struct {
		const char *t;
		void (*fn)(struct parser *, json_object *);
	} types[] = {
		{ "hello", rec_hello }, { "setup", rec_setup }, { "facts", rec_facts },
		{ "step", rec_step },   { "wl", rec_wl },       { "kmsg", rec_kmsg },
		{ "done", rec_done },   { "error", rec_error },
		{ "tracing", ev_rec_tracing }, { "trace", ev_rec_trace },
	};
	const char *t = get_str(rec, "t");
	char q[EXCERPT_MAX + 8];

	for (size_t i = 0; t && i < ARRAY_SIZE(types); i++)
		if (!strcmp(t, types[i].t)) {
			types[i].fn(ps, rec);
			return;
		}
	ev_excerpt(q, sizeof(q), t ? t : "", t ? strlen(t) : 0);
	ev_add_error(ps->ev, ps->line, t ? "unknown record type \"%s\"" : "record without type%s", q);
}
