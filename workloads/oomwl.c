/* oomwl.c - /bin/oomwl NAME key=value...: looks NAME up in the registry and
 * runs it; plus the helpers the stressors share (wl.h).  No libraries
 * beyond libc: the output is a few fixed JSON shapes, written by hand. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wl.h"

#define WL_LINE_MAX 1024

void wl_emit(const char *fmt, ...)
{
	char line[WL_LINE_MAX];
	va_list ap;
	size_t len, off = 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len = (size_t)n < sizeof(line) - 2 ? (size_t)n : sizeof(line) - 2;
	line[len++] = '\n';
	while (off < len) {
		ssize_t w = write(STDOUT_FILENO, line + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

/* Copy s into dst as the inside of a JSON string: quotes and backslashes
 * escaped, control and non-ASCII bytes replaced by '?', bounded by n. */
static void json_inner(char *dst, size_t n, const char *s)
{
	size_t o = 0;

	for (; *s && o + 3 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else {
			dst[o++] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
		}
	}
	dst[o] = '\0';
}

static void emit_bad_args(const char *what, const char *arg)
{
	char esc[256];

	json_inner(esc, sizeof(esc), arg ? arg : "");
	wl_emit("{\"op\":\"args\",\"ok\":false,\"error\":\"%s: %s\"}", what, esc);
}

void wl_emit_refused(const char *op, long long bytes, int err, long long touched)
{
	char esc[128], extra[48] = "";

	json_inner(esc, sizeof(esc), strerror(err));
	if (touched >= 0)
		snprintf(extra, sizeof(extra), ",\"touched\":%lld", touched);
	wl_emit("{\"op\":\"%s\",\"bytes\":%lld,\"ok\":false,\"errno\":%d,\"error\":\"%s\"%s}",
		op, bytes, err, esc, extra);
}

/* A plain decimal number, optionally negative; nothing else. */
static bool parse_ll(const char *s, long long *out)
{
	char *end;

	if (!*s || (*s != '-' && (*s < '0' || *s > '9')))
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return !errno && *end == '\0';
}

static struct wl_arg *find_arg(struct wl_arg *args, size_t n, const char *key, size_t keylen)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(args[i].key) == keylen && !strncmp(args[i].key, key, keylen))
			return &args[i];
	return NULL;
}

bool wl_parse_args(int argc, char **argv, struct wl_arg *args, size_t n)
{
	for (int i = 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		struct wl_arg *a;
		long long v;

		if (!eq) {
			emit_bad_args("not key=value", argv[i]);
			return false;
		}
		a = find_arg(args, n, argv[i], (size_t)(eq - argv[i]));
		if (!a) {
			emit_bad_args("unknown argument", argv[i]);
			return false;
		}
		if (!parse_ll(eq + 1, &v) || v < a->min || v > a->max) {
			emit_bad_args("bad value", argv[i]);
			return false;
		}
		*a->value = v;
		a->seen = true;
	}
	for (size_t i = 0; i < n; i++)
		if (args[i].required && !args[i].seen) {
			emit_bad_args("missing argument", args[i].key);
			return false;
		}
	return true;
}

void wl_touch(char *p, size_t len, long long *touched)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	for (size_t off = 0; off < len; off += page) {
		size_t step = len - off < page ? len - off : page;

		p[off] = 1;
		if ((*touched + (long long)step) / WL_PROGRESS_BYTES > *touched / WL_PROGRESS_BYTES) {
			*touched += (long long)step;
			wl_emit("{\"op\":\"touch\",\"touched\":%lld}", *touched);
		} else {
			*touched += (long long)step;
		}
	}
}

static const struct wl_entry *lookup(const char *name)
{
	for (size_t i = 0; i < wl_registry_len; i++)
		if (!strcmp(wl_registry[i].name, name))
			return &wl_registry[i];
	return NULL;
}

static int usage(const char *name)
{
	char msg[256];
	size_t o;

	o = (size_t)snprintf(msg, sizeof(msg), "%.64s%s(known:", name ? name : "", name ? " " : "");
	for (size_t i = 0; i < wl_registry_len && o < sizeof(msg); i++)
		o += (size_t)snprintf(msg + o, sizeof(msg) - o, " %s", wl_registry[i].name);
	if (o < sizeof(msg))
		snprintf(msg + o, sizeof(msg) - o, ")");
	emit_bad_args(name ? "unknown stressor" : "usage: oomwl NAME key=value...", msg);
	return WL_BADARGS;
}

int main(int argc, char **argv)
{
	const struct wl_entry *e;

	if (argc < 2)
		return usage(NULL);
	e = lookup(argv[1]);
	if (!e)
		return usage(argv[1]);
	return e->fn(argc - 1, argv + 1);
}
