/* trace.c - see trace.h */
#include "trace.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRACE_LINE_SCAN 4096      /* bytes of a line looked at */

static size_t digits(const char *s)
{
	size_t n = 0;

	while (isdigit((unsigned char)s[n]))
		n++;
	return n;
}

/* An int of at most 9 digits (pids, CPUs). */
static bool small_int(const char *s, size_t n, int *out)
{
	if (!n || n > 9)
		return false;
	*out = (int)strtol(s, NULL, 10);
	return true;
}

/* ": EVENT: FIELDS" after the timestamp (both formats). */
static bool event_tail(const char *p, struct trace_rec *out)
{
	size_t len;

	if (p[0] != ':' || p[1] != ' ')
		return false;
	p += 2;
	len = strcspn(p, ": ");
	if (!len || p[len] != ':' || len >= sizeof(out->event))
		return false;
	memcpy(out->event, p, len);
	out->event[len] = '\0';
	p += len + 1;
	out->fields = *p == ' ' ? p + 1 : p;
	return true;
}

/* After "[CPU] ": the flags (no blank), blanks, SECONDS.MICROS, ": ",
 * EVENT, ": " (or the end of the line: an event without text). */
static bool parse_tail(const char *p, struct trace_rec *out)
{
	size_t n;
	char *end;

	while (*p && *p != ' ')
		p++;
	while (*p == ' ')
		p++;
	n = digits(p);
	if (!n || p[n] != '.' || !digits(p + n + 1))
		return false;
	errno = 0;
	out->ts = strtod(p, &end);
	return !errno && event_tail(end, out);
}

/* The "-PID" that ends at end (exclusive of the blanks before '['). */
static bool task_pid(const char *line, const char *bracket, struct trace_rec *out)
{
	const char *q = bracket, *dash, *start = line;
	size_t clen;

	while (q > line && q[-1] == ' ')
		q--;
	dash = q;
	while (dash > line && isdigit((unsigned char)dash[-1]))
		dash--;
	if (dash == q || dash == line || dash[-1] != '-' || !small_int(dash, (size_t)(q - dash), &out->pid))
		return false;
	while (*start == ' ')
		start++;
	if (start >= dash - 1)
		return false;
	clen = (size_t)(dash - 1 - start);
	if (clen >= sizeof(out->comm))
		clen = sizeof(out->comm) - 1;
	memcpy(out->comm, start, clen);
	out->comm[clen] = '\0';
	return true;
}

/* The latency format of ftrace_dump() at a panic (kernel/trace/trace.c sets
 * TRACE_FILE_LAT_FMT; trace_output.c lat_print_generic() "%8.8s-%-7d %3d"
 * and the flags, lat_print_timestamp() " %4lldus%c: " in microseconds):
 *   "   oomwl-79        0d..2. 5325193us : oom: (out_of_memory+0x0/0x4c0) order=0" */
static bool parse_lat(const char *line, const char *dash, struct trace_rec *out)
{
	const char *p = dash + 1, *start = line;
	size_t n = digits(p), clen;
	unsigned long long us;

	if (!small_int(p, n, &out->pid) || p[n] != ' ')
		return false;
	p += n;
	while (*p == ' ')
		p++;
	n = digits(p);
	if (!small_int(p, n, &out->cpu))
		return false;
	p += n;
	while (*p && *p != ' ')
		p++;
	while (*p == ' ')
		p++;
	n = digits(p);
	if (!n || n > 18 || p[n] != 'u' || p[n + 1] != 's' || !p[n + 2])
		return false;
	us = strtoull(p, NULL, 10);
	out->ts = (double)us / 1e6;
	if (!event_tail(p + n + 3, out))
		return false;
	while (*start == ' ')
		start++;
	if (start >= dash)
		return false;
	clen = (size_t)(dash - start);
	if (clen >= sizeof(out->comm))
		clen = sizeof(out->comm) - 1;
	memcpy(out->comm, start, clen);
	out->comm[clen] = '\0';
	return true;
}

bool trace_parse_dump(const char *line, struct trace_rec *out)
{
	size_t scan = strnlen(line, TRACE_LINE_SCAN);

	memset(out, 0, sizeof(*out));
	if (!scan || scan >= TRACE_LINE_SCAN)
		return false;
	for (const char *d = strchr(line, '-'); d; d = strchr(d + 1, '-')) {
		struct trace_rec r;

		memset(&r, 0, sizeof(r));
		if (parse_lat(line, d, &r)) {
			*out = r;
			return true;
		}
	}
	return false;
}

bool trace_parse(const char *line, struct trace_rec *out)
{
	size_t scan = strnlen(line, TRACE_LINE_SCAN);

	memset(out, 0, sizeof(*out));
	if (!scan || scan >= TRACE_LINE_SCAN)
		return false;
	/* The first " [CPU] " after a "-PID" that the rest completes: the
	 * task name may itself hold such text, the fields come later. */
	for (const char *b = strstr(line, " ["); b; b = strstr(b + 1, " [")) {
		size_t n = digits(b + 2);
		struct trace_rec r;

		memset(&r, 0, sizeof(r));
		if (!n || b[2 + n] != ']' || b[3 + n] != ' ' || !small_int(b + 2, n, &r.cpu))
			continue;
		if (task_pid(line, b, &r) && parse_tail(b + 4 + n, &r)) {
			*out = r;
			return true;
		}
	}
	return false;
}

/* Where KEY= starts a word of the text, or NULL. */
static const char *find_key(const char *s, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = s; p && *p; p = strchr(p + 1, ' ')) {
		const char *w = p == s ? p : p + 1;

		while (*w == ' ')
			w++;
		if (!strncmp(w, key, klen) && w[klen] == '=')
			return w + klen + 1;
	}
	return NULL;
}

bool trace_field(const struct trace_rec *r, const char *key, char *val, size_t len)
{
	const char *v = r->fields ? find_key(r->fields, key) : NULL;
	size_t n;

	if (!v || !len)
		return false;
	if (*v == '"') {
		const char *e = strchr(v + 1, '"');

		v++;
		n = e ? (size_t)(e - v) : strlen(v);
	} else {
		n = strcspn(v, " ");
	}
	if (n >= len)
		n = len - 1;
	memcpy(val, v, n);
	val[n] = '\0';
	return true;
}

bool trace_field_ll(const struct trace_rec *r, const char *key, long long *v)
{
	char s[32], *end;
	bool hex;

	if (!trace_field(r, key, s, sizeof(s)) || !s[0])
		return false;
	hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	errno = 0;
	if (hex) {
		unsigned long long u = strtoull(s + 2, &end, 16);

		if (end == s + 2)
			return false;
		*v = (long long)u;
	} else {
		*v = strtoll(s, &end, 10);
		if (end == s)
			return false;
	}
	return !errno && *end == '\0';
}

long long trace_lost(const char *line)
{
	int cpu, used = 0;
	long long n;

	if (sscanf(line, "CPU:%d [LOST %lld EVENTS]%n", &cpu, &n, &used) == 2 && used)
		return n >= 0 ? n : -1;
	used = 0;
	if (sscanf(line, "CPU:%d [LOST EVENTS]%n", &cpu, &used) == 1 && used)
		return 0;
	return -1;
}
