/* evidence_trace.c - the records of kernel-side tracing and the lines of
 * the kernel-allocation stressors (evidence.h; formats in
 * workloads/README.md, Tracing and Stressors):
 *   {"t":"tracing","name":"oom/mark_victim","kind":"event","ok":true,...}
 *   {"t":"trace","i":0,"msg":"           oomwl-79 [000] ..... 5.3: oom: ..."}
 *   {"op":"buddyinfo","when":"after","zones":{"0/DMA":[n0,..,n10],..},"free_kb":N}
 *   {"op":"pipe",...,"order":4,"gfp":"GFP_KERNEL_ACCOUNT|...","trigger":"F_SETPIPE_SZ",...}
 * All untrusted: bounded copies, bounded counts, wrong types are absent. */
#include "evidence.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "evidence_int.h"
#include "klog.h"
#include "trace.h"

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool get_ll(json_object *o, const char *key, long long *out)
{
	json_object *v = get(o, key);

	if (!json_object_is_type(v, json_type_int))
		return false;
	*out = (long long)json_object_get_int64(v);
	return true;
}

/* ---- tracing (set-up) and trace (lines) ---- */

void ev_rec_tracing(struct parser *ps, json_object *rec)
{
	const char *name = get_str(rec, "name"), *error = get_str(rec, "error");
	json_object *ok = get(rec, "ok");
	struct buf v = BUF_INIT;
	long long err;

	if (!name || !json_object_is_type(ok, json_type_boolean)) {
		ev_add_error(ps->ev, ps->line, "tracing record without name or ok");
		return;
	}
	if (json_object_get_boolean(ok)) {
		buf_addstr(&v, "on");
	} else {
		buf_addstr(&v, error ? error : "failed");
		if (get_ll(rec, "errno", &err))
			buf_addf(&v, " (errno %lld)", err);
	}
	if (ps->ev->tracing.n >= EV_MAX_KV && !kv_get(&ps->ev->tracing, name))
		ev_add_error(ps->ev, ps->line, "more than %d tracing records", EV_MAX_KV);
	else
		kv_set(&ps->ev->tracing, name, v.s, ps->line);
	buf_release(&v);
}

void ev_rec_trace(struct parser *ps, json_object *rec)
{
	const char *msg = get_str(rec, "msg");
	struct step_evidence *st;

	if (!msg) {
		ev_add_error(ps->ev, ps->line, "trace record without msg");
		return;
	}
	st = ev_step_of(ps, rec, "trace");
	if (!st)
		return;
	if (trace_lost(msg) >= 0)
		st->trace_truncated = true;
	if (st->ntrace >= EV_MAX_TRACE) {
		st->trace_truncated = true;
		return;
	}
	/* Grow by powers of two: ntrace is a power of two exactly when full. */
	if (!(st->ntrace & (st->ntrace - 1)))
		st->trace = ev_must(realloc(st->trace, (st->ntrace ? st->ntrace * 2 : 1) *
					    sizeof(*st->trace)));
	st->trace[st->ntrace++] = ev_must(strndup(msg, EV_MAX_TRACE_MSG - 1));
}

void ev_trace_free(struct step_evidence *st)
{
	for (size_t i = 0; i < st->ntrace; i++)
		free(st->trace[i]);
	free(st->trace);
	st->trace = NULL;
	st->ntrace = 0;
}

/* ---- the trace buffer dumped on the console at a panic ---- */

#define DUMP_LINE_MAX 1024     /* console bytes looked at per line */

static void panic_trace_add(struct evidence *ev, const char *s)
{
	if (ev->npanic_trace >= EV_MAX_TRACE) {
		ev->panic_trace_truncated = true;
		return;
	}
	if (!(ev->npanic_trace & (ev->npanic_trace - 1)))
		ev->panic_trace = ev_must(realloc(ev->panic_trace, (ev->npanic_trace ?
					ev->npanic_trace * 2 : 1) * sizeof(*ev->panic_trace)));
	ev->panic_trace[ev->npanic_trace] = ev_must(strndup(s, EV_MAX_TRACE_MSG - 1));
	text_sanitize(ev->panic_trace[ev->npanic_trace++]);
}

/* kernel/trace/trace.c ftrace_dump(): "Dumping ftrace buffer:", a line of
 * 33 dashes, the lines (or "   (ftrace buffer empty)"), the dashes again.
 * Only the first dump counts (later ones would repeat it). */
void ev_console_trace(struct evidence *ev, const char *data, size_t len)
{
	char line[DUMP_LINE_MAX];
	int state = 0;         /* 0 before, 1 header seen, 2 inside, 3 done */
	size_t pos = 0;

	ev_panic_trace_free(ev);
	while (pos < len && state < 3) {
		const char *s = data + pos, *nl = memchr(s, '\n', len - pos), *msg;
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		size_t c = n < sizeof(line) - 1 ? n : sizeof(line) - 1;

		pos += n + 1;
		memcpy(line, s, c);
		line[c] = '\0';
		for (size_t i = 0; i < c; i++)
			if (line[i] == '\0' || line[i] == '\r')
				line[i] = ' ';
		msg = klog_strip_prefix(line);
		if (state == 0 && strstr(msg, "Dumping ftrace buffer:"))
			state = 1;
		else if (state >= 1 && !strncmp(msg, "-----------------", 17))
			state++;
		else if (state == 2)
			panic_trace_add(ev, msg);
	}
}

void ev_panic_trace_free(struct evidence *ev)
{
	for (size_t i = 0; i < ev->npanic_trace; i++)
		free(ev->panic_trace[i]);
	free(ev->panic_trace);
	ev->panic_trace = NULL;
	ev->npanic_trace = 0;
	ev->panic_trace_truncated = false;
}

/* ---- the kernel-allocation lines of the workload ---- */

static void buddy_init(struct buddy_snapshot *b)
{
	memset(b, 0, sizeof(*b));
	for (size_t z = 0; z < EV_BUDDY_ZONES; z++)
		for (size_t o = 0; o < EV_BUDDY_ORDERS; o++)
			b->free[z][o] = -1;
	b->free_kb = -1;
}

void ev_kalloc_init(struct step_evidence *st)
{
	st->wl.order = -1;
	st->wl.gfp[0] = st->wl.trigger[0] = '\0';
	st->wl.granted = -1;
	st->wl.oom_kill_delta = -1;
	st->wl.helper_died = false;
	buddy_init(&st->buddy_before);
	buddy_init(&st->buddy_after);
	buddy_init(&st->buddy_end);
}

static void buddy_parse(struct buddy_snapshot *b, json_object *data)
{
	json_object *zones = get(data, "zones");
	long long kb;

	buddy_init(b);
	if (!json_object_is_type(zones, json_type_object))
		return;
	b->present = true;
	if (get_ll(data, "free_kb", &kb) && kb >= 0)
		b->free_kb = kb;
	json_object_object_foreach(zones, name, arr) {
		size_t z = b->nzones, n;

		if (z >= EV_BUDDY_ZONES)
			break;
		if (!json_object_is_type(arr, json_type_array))
			continue;
		snprintf(b->zone[z], sizeof(b->zone[z]), "%s", name);
		text_sanitize(b->zone[z]);
		n = json_object_array_length(arr);
		for (size_t o = 0; o < n && o < EV_BUDDY_ORDERS; o++) {
			json_object *v = json_object_array_get_idx(arr, o);
			long long c = json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;

			b->free[z][o] = c >= 0 ? c : -1;
		}
		b->nzones++;
	}
}

static void copy_field(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
	text_sanitize(dst);
}

void ev_wl_kalloc(struct step_evidence *st, json_object *data, bool is_result)
{
	const char *op = get_str(data, "op"), *when;
	json_object *died;
	long long v;

	if (!is_result) {
		when = get_str(data, "when");
		if (!op || strcmp(op, "buddyinfo") || !when)
			return;
		if (!strcmp(when, "before"))
			buddy_parse(&st->buddy_before, data);
		else if (!strcmp(when, "after"))
			buddy_parse(&st->buddy_after, data);
		else if (!strcmp(when, "end"))
			buddy_parse(&st->buddy_end, data);
		return;
	}
	st->wl.order = get_ll(data, "order", &v) && v >= 0 && v < 64 ? (int)v : -1;
	copy_field(st->wl.gfp, sizeof(st->wl.gfp), get_str(data, "gfp"));
	copy_field(st->wl.trigger, sizeof(st->wl.trigger), get_str(data, "trigger"));
	st->wl.granted = get_ll(data, "granted", &v) && v >= 0 && v <= INT_MAX ? (int)v : -1;
	st->wl.oom_kill_delta = get_ll(data, "oom_kill_delta", &v) && v >= 0 ? v : -1;
	died = get(data, "helper_died");
	st->wl.helper_died = json_object_is_type(died, json_type_boolean) &&
			     json_object_get_boolean(died);
}
