/* evidence.c - see evidence.h.  Record format: workloads/README.md.
 *
 * This file: the life of struct evidence, the record channel's lines
 * (framing, JSON, malformed lines, errors[]) and the console scan.  What
 * each record type means is evidence_records.c. */
#include "evidence.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "evidence_int.h"
#include "klog.h"

/* Console lines are looked at through a buffer this large (longer ones are
 * cut: a panic line is short). */
#define CONSOLE_LINE_MAX 4096

/* Allocation failure aborts, as in buf.h. */
void *ev_must(void *p)
{
	if (!p) {
		fputs("oomlab: out of memory\n", stderr);
		abort();
	}
	return p;
}

void ev_add_error(struct evidence *ev, unsigned line, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (ev->nerrors >= EV_MAX_ERRORS) {
		ev->errors_dropped++;
		return;
	}
	if (line)
		buf_addf(&b, "line %u: ", line);
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (b.len >= EV_MAX_ERROR_LEN)
		buf_setlen(&b, EV_MAX_ERROR_LEN - 1);
	ev->errors[ev->nerrors++] = buf_detach(&b);
}

/* A printable, bounded quote of untrusted bytes. */
void ev_excerpt(char *dst, size_t size, const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 4 < size && i < EXCERPT_MAX; i++)
		dst[n++] = isprint((unsigned char)s[i]) ? s[i] : '?';
	if (len > EXCERPT_MAX && n + 4 < size) {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
}

void evidence_init(struct evidence *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev_snapshot_init(&ev->boot);
	ev->nr_cpus = -1;
}

static void kmsg_free(struct kmsg_line *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(k[i].msg);
	free(k);
}

void evidence_free(struct evidence *ev)
{
	for (size_t i = 0; i < ev->nsteps; i++) {
		free(ev->steps[i].argv);
		free(ev->steps[i].error);
		kmsg_free(ev->steps[i].kmsg, ev->steps[i].nkmsg);
		kv_free(&ev->steps[i].exprs);
		ev_trace_free(&ev->steps[i]);
	}
	free(ev->steps);
	kmsg_free(ev->boot_kmsg, ev->nboot_kmsg);
	free(ev->agent_error);
	for (size_t i = 0; i < ev->nerrors; i++)
		free(ev->errors[i]);
	free(ev->console_tail);
	kv_free(&ev->effective);
	kv_free(&ev->setup_errors);
	kv_free(&ev->tracing);
	ev_panic_trace_free(ev);
	evidence_init(ev);
}

/* ---------- lines ---------- */

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

static void bad_line(struct parser *ps, const char *why, const char *s, size_t len)
{
	char q[EXCERPT_MAX + 8];

	ps->ev->bad_lines++;
	ev_excerpt(q, sizeof(q), s, len);
	ev_add_error(ps->ev, ps->line, "%s: %s", why, q);
}

/* Parse one JSON value filling the whole line; NULL with *why set. */
static json_object *parse_json(json_tokener *tok, const char *s, size_t len, const char **why)
{
	json_object *o;
	enum json_tokener_error err;

	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, s, (int)len);
	err = json_tokener_get_error(tok);
	if (err == json_tokener_continue) {
		/* A bare number may go on; one more space ends it. */
		o = json_tokener_parse_ex(tok, " ", 1);
		err = json_tokener_get_error(tok);
		if (err == json_tokener_continue) {
			*why = "truncated JSON";
			return NULL;
		}
		if (o)
			return o;
	}
	if (!o || err != json_tokener_success) {
		json_object_put(o);
		*why = "not JSON";
		return NULL;
	}
	if (!blank(s + json_tokener_get_parse_end(tok), len - json_tokener_get_parse_end(tok))) {
		json_object_put(o);
		*why = "trailing data after the JSON value";
		return NULL;
	}
	return o;
}

static void parse_line(struct parser *ps, const char *s, size_t len)
{
	const char *why = NULL;
	json_object *rec;

	if (len && s[len - 1] == '\r')
		len--;
	if (blank(s, len))
		return;
	if (len > EV_MAX_LINE) {
		ps->ev->bad_lines++;
		ev_add_error(ps->ev, ps->line, "record longer than %d bytes (%zu)", EV_MAX_LINE, len);
		return;
	}
	if (memchr(s, '\0', len)) {
		bad_line(ps, "NUL byte in record", s, len);
		return;
	}
	rec = parse_json(ps->tok, s, len, &why);
	if (!rec) {
		bad_line(ps, why, s, len);
		return;
	}
	if (!json_object_is_type(rec, json_type_object))
		bad_line(ps, "not a JSON object", s, len);
	else
		ev_dispatch(ps, rec);
	json_object_put(rec);
}

void evidence_parse_records(struct evidence *ev, const char *data, size_t len)
{
	struct parser ps = { .ev = ev, .line = 0, .tok = ev_must(json_tokener_new()) };
	size_t pos = 0;

	while (pos < len) {
		const char *s = data + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;

		ps.line++;
		parse_line(&ps, s, n);
		pos += n + (nl ? 1 : 0);
	}
	json_tokener_free(ps.tok);
}

/* ---------- console ---------- */

/* One console line: the first panic, and lines the parsers do not know. */
static void scan_line(struct evidence *ev, const char *s, size_t len)
{
	char line[CONSOLE_LINE_MAX];
	size_t n = len < sizeof(line) - 1 ? len : sizeof(line) - 1;

	memcpy(line, s, n);
	line[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!line[i])
			line[i] = ' ';
	klog_unrec_note(&ev->console_unrec, klog_kernel_msg(line));
	if (!ev->panic &&
	    klog_parse_panic(klog_strip_prefix(line), ev->panic_reason, sizeof(ev->panic_reason)))
		ev->panic = true;
}

/* Where the last tail_lines lines of data begin, within the byte bound. */
static size_t tail_start(const char *data, size_t len, unsigned tail_lines)
{
	size_t end = len, start;
	unsigned seen = 0;

	if (end && data[end - 1] == '\n')
		end--;
	start = end;
	while (start > 0 && seen < tail_lines) {
		if (data[start - 1] == '\n' && ++seen == tail_lines)
			break;
		start--;
	}
	if (!tail_lines)
		start = len;
	if (len - start > EV_CONSOLE_TAIL_MAX) {
		const char *nl;

		start = len - EV_CONSOLE_TAIL_MAX;
		nl = memchr(data + start, '\n', len - start);
		if (nl && (size_t)(nl - data) + 1 < len)
			start = (size_t)(nl - data) + 1;
	}
	return start;
}

void evidence_scan_console(struct evidence *ev, const char *data, size_t len,
			   unsigned tail_lines)
{
	struct buf b = BUF_INIT;
	size_t pos = 0, start;

	memset(&ev->console_unrec, 0, sizeof(ev->console_unrec));
	while (pos < len) {
		const char *s = data + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;

		scan_line(ev, s, n);
		pos += n + 1;
	}
	ev_console_trace(ev, data, len);
	start = tail_start(data, len, tail_lines);
	buf_grow(&b, len - start);
	for (size_t i = start; i < len; i++) {
		unsigned char c = (unsigned char)data[i];

		if (c == '\r')
			continue;
		buf_addch(&b, (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : (char)c);
	}
	free(ev->console_tail);
	ev->console_tail = buf_detach(&b);
}
