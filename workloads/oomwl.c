/* oomwl.c - /bin/oomwl NAME key=value...: looks NAME up in the registry and
 * runs it; plus the helpers the stressors share (wl.h).  No libraries
 * beyond libc: the output is a few fixed JSON shapes, written by hand. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oomwl.h"
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

int wl_bad_args(const char *what, const char *arg)
{
	emit_bad_args(what, arg);
	return WL_BADARGS;
}

void wl_emit_refused_x(const char *op, long long bytes, int err, const char *extra)
{
	char esc[128];

	json_inner(esc, sizeof(esc), strerror(err));
	wl_emit("{\"op\":\"%s\",\"bytes\":%lld,\"ok\":false,\"errno\":%d,\"error\":\"%s\"%s}",
		op, bytes, err, esc, extra ? extra : "");
}

void wl_emit_error(const char *op, int err, const char *extra)
{
	char esc[128];

	json_inner(esc, sizeof(esc), strerror(err));
	wl_emit("{\"op\":\"%s\",\"ok\":false,\"errno\":%d,\"error\":\"%s\"%s}", op, err, esc,
		extra ? extra : "");
}

void wl_emit_refused(const char *op, long long bytes, int err, long long touched)
{
	char extra[48] = "";

	if (touched >= 0)
		snprintf(extra, sizeof(extra), ",\"touched\":%lld", touched);
	wl_emit_refused_x(op, bytes, err, extra);
}

/* A decimal number at the start of s (after blanks), else def. */
static long long parse_ll_prefix(const char *s, long long def)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	return errno || end == s ? def : v;
}

long long wl_read_ll(const char *path, long long def)
{
	char s[32] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return def;
	n = read(fd, s, sizeof(s) - 1);
	close(fd);
	if (n <= 0)
		return def;
	s[n] = '\0';
	return parse_ll_prefix(s, def);
}

int wl_get_oom_score_adj(void)
{
	return (int)wl_read_ll("/proc/self/oom_score_adj", -1001);
}

bool wl_size_ok(const char *op, long long size)
{
	if (size >= 0 && (unsigned long long)size <= (unsigned long long)SIZE_MAX)
		return true;
	wl_emit_refused(op, size, EOVERFLOW, -1);
	return false;
}

long long wl_meminfo_kb(const char *field)
{
	char buf[8192];
	size_t flen = strlen(field), n = 0;
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (n < sizeof(buf) - 1) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	/* Lines are "Name:   123 kB" (fs/proc/meminfo.c). */
	for (char *line = buf; line;) {
		char *nl = strchr(line, '\n');

		if (!strncmp(line, field, flen) && line[flen] == ':')
			return strtoll(line + flen + 1, NULL, 10);
		line = nl ? nl + 1 : NULL;
	}
	return -1;
}

int wl_set_oom_score_adj(int adj)
{
	char s[16];
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC), err = 0;
	int len = snprintf(s, sizeof(s), "%d", adj);

	if (fd < 0)
		return errno;
	if (write(fd, s, (size_t)len) != len)
		err = errno ? errno : EIO;
	close(fd);
	return err;
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
		if (a->text) {
			if (strlen(eq + 1) > WL_TEXT_ARG_MAX) {
				emit_bad_args("value too long", argv[i]);
				return false;
			}
			*a->text = eq + 1;
		} else if (!parse_ll(eq + 1, &v) || v < a->min || v > a->max) {
			emit_bad_args("bad value", argv[i]);
			return false;
		} else {
			*a->value = v;
		}
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

/* ---- a family of members (oomwl.h) ---- */

bool wl_parse_adjs(const char *s, struct wl_member *m, int n)
{
	int i = 0;

	while (s && *s) {
		char *end;
		long v;

		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || end == s || v < -1000 || v > 1000 || i >= n || (*end && *end != ','))
			return false;
		m[i++].adj = (int)v;
		s = *end ? end + 1 : NULL;
		if (s && !*s)
			return false;
	}
	return true;
}

bool wl_parse_names(const char *s, struct wl_member *m, int n)
{
	int i = 0;

	if (s && strlen(s) > WL_TEXT_ARG_MAX)
		return false;
	while (s && *s) {
		size_t len = strcspn(s, ",");

		if (len == 0 || len >= WL_COMM_MAX || i >= n)
			return false;
		for (size_t k = 0; k < len; k++)
			if (s[k] <= ' ' || s[k] >= 0x7f || s[k] == '"' || s[k] == '\\')
				return false;
		memcpy(m[i].name, s, len);
		m[i++].name[len] = '\0';
		s += len;
		if (*s == ',' && !*++s)
			return false;
	}
	return true;
}

int wl_protect_parent(void)
{
	int err = wl_set_oom_score_adj(-1000);

	if (!err)
		wl_emit("{\"op\":\"parent\",\"pid\":%d,\"adj\":-1000,\"protected\":true}", (int)getpid());
	else
		wl_emit("{\"op\":\"parent\",\"protected\":false,\"errno\":%d,\"pid\":%d,\"adj\":%d}", err,
			(int)getpid(), wl_get_oom_score_adj());
	return err;
}

int wl_member_enter(pid_t parent, const struct wl_member *m)
{
	/* Die with the parent (the agent kills it at the step's timeout). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(WL_KILLED);
	if (m->name[0])
		prctl(PR_SET_NAME, m->name, 0, 0, 0);
	return wl_set_oom_score_adj(m->adj);
}

int wl_fork_members(struct wl_member *m, int n, wl_member_fn *run, void *ctx)
{
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			run(i, ctx);
			_exit(WL_REFUSED); /* run() ends the child; this is never reached */
		}
		if (pid < 0)
			return errno;
		m[i].pid = pid;
	}
	return 0;
}

void wl_wait_eof(int fd)
{
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r == 0 || (r < 0 && errno != EINTR))
			return;
	}
}

int wl_wait_ready(int fd, int n)
{
	char c[64];
	int got = 0;

	while (got < n) {
		ssize_t r = read(fd, c, (size_t)(n - got) < sizeof(c) ? (size_t)(n - got) : sizeof(c));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (int)r;
	}
	return got;
}

void wl_exit_fields(int status, char *out, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(out, len, "\"exit\":null,\"signal\":%d", WTERMSIG(status));
	else
		snprintf(out, len, "\"exit\":%d,\"signal\":null", WEXITSTATUS(status));
}

int wl_reap_members(struct wl_member *m, int n, bool block, wl_reaped_fn *line, void *ctx)
{
	int killed = 0;

	for (;;) {
		int st, i;
		pid_t pid = waitpid(-1, &st, block ? 0 : WNOHANG);

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;
		for (i = 0; i < n && m[i].pid != pid; i++)
			;
		if (i == n || m[i].reaped)
			continue;
		m[i].reaped = true;
		m[i].status = st;
		line(&m[i], i, ctx);
	}
	for (int i = 0; i < n; i++)
		killed += m[i].reaped && WIFSIGNALED(m[i].status);
	return killed;
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
