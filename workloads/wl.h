/* wl.h - the stressors of /bin/oomwl and the helpers they share.
 *
 * A stressor is `int wl_NAME(int argc, char **argv)`: argv[0] is its name,
 * the rest are key=value arguments with plain decimal numbers (the agent has
 * already evaluated size expressions).  It prints JSON lines on stdout and
 * returns WL_OK, WL_REFUSED (the kernel said no; errno in the last line) or
 * WL_BADARGS; hog with several processes also WL_KILLED.  Format:
 * workloads/README.md.
 */
#ifndef OOMLAB_WL_H
#define OOMLAB_WL_H

#include <stdbool.h>
#include <stddef.h>

#include "wl_names.h"

enum { WL_OK = 0, WL_REFUSED = 1, WL_BADARGS = 2, WL_KILLED = 3 };

#define WL_DECL(name, args, summary) int wl_##name(int argc, char **argv);
WL_LIST(WL_DECL)
#undef WL_DECL

struct wl_entry {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *summary;
};

extern const struct wl_entry wl_registry[];
extern const size_t wl_registry_len;

/* One key=value argument: a number (value) or, when text is set, the raw
 * string (at most WL_TEXT_ARG_MAX bytes, checked by the stressor). */
#define WL_TEXT_ARG_MAX 256
struct wl_arg {
	const char *key;
	long long *value;      /* where the number goes */
	long long min, max;    /* accepted range */
	bool required;
	bool seen;
	const char **text;     /* instead of value: the string itself */
};

/* Parse argv[1..] against args; on a problem print an error line and return
 * false (the stressor then returns WL_BADARGS). */
bool wl_parse_args(int argc, char **argv, struct wl_arg *args, size_t n);

/* {"op":"args","ok":false,"error":"WHAT: ARG"}; returns WL_BADARGS. */
int wl_bad_args(const char *what, const char *arg);

/* Print one JSON line on stdout with a single write(2), so that it reaches
 * the agent even if the OOM killer strikes right after (and lines of
 * several processes sharing the pipe never interleave: < PIPE_BUF). */
void wl_emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The result line of a refused call:
 * {"op":OP,"bytes":N,"ok":false,"errno":E,"error":"..."[,"touched":T]}
 * touched < 0 leaves the field out. */
void wl_emit_refused(const char *op, long long bytes, int err, long long touched);
/* The same with extra fields: extra is "" or a JSON fragment that starts
 * with a comma (",\"grown\":1048576"). */
void wl_emit_refused_x(const char *op, long long bytes, int err, const char *extra);

/* A failed call that has no size: {"op":OP,"ok":false,"errno":E,
 * "error":"..."EXTRA}. */
void wl_emit_error(const char *op, int err, const char *extra);

/* Write one byte in every page of [p, p+len); *touched counts the bytes
 * (across calls) and a {"op":"touch","touched":N} line is printed each time
 * it crosses a multiple of WL_PROGRESS_BYTES. */
#define WL_PROGRESS_BYTES (64LL << 20)
void wl_touch(char *p, size_t len, long long *touched);

/* A /proc/meminfo field in kB, -1 if unreadable. */
long long wl_meminfo_kb(const char *field);

/* The number at the start of a small file (/proc/sys/...), else def. */
long long wl_read_ll(const char *path, long long def);

/* Write /proc/self/oom_score_adj; 0 or errno.  Read it: the value, or
 * -1001 if unreadable. */
int wl_set_oom_score_adj(int adj);
int wl_get_oom_score_adj(void);

/* True if size fits in size_t; else prints the refused line (EOVERFLOW). */
bool wl_size_ok(const char *op, long long size);

/* hog's loop (wl_hog.c), also used by mbind and by each process of a hog
 * with procs=N: map chunk after chunk (private, anonymous, accounted),
 * call prepare on each fresh mapping (NULL: none; it returns 0 or an
 * errno), touch it, until size bytes are touched.  *touched may live in
 * shared memory, so a parent sees how far a killed child got.  A refusal
 * prints the refused line (op "mmap", or prepare_op for prepare) with
 * extra appended, stores the errno in *err and returns WL_REFUSED. */
struct wl_hog {
	long long size, chunk;
	long long *touched;
	int (*prepare)(void *p, size_t len, void *ctx);
	void *ctx;
	const char *prepare_op;
	const char *extra;     /* "" or ",\"pid\":N" */
	int *err;
};
int wl_hog_run(const struct wl_hog *h);

#endif
