/* wl.h - the stressors of /bin/oomwl and the helpers they share.
 *
 * A stressor is `int wl_NAME(int argc, char **argv)`: argv[0] is its name,
 * the rest are key=value arguments with plain decimal numbers (the agent has
 * already evaluated size expressions).  It prints JSON lines on stdout and
 * returns WL_OK, WL_REFUSED (the kernel said no; errno in the last line) or
 * WL_BADARGS.  Format: workloads/README.md.
 */
#ifndef OOMLAB_WL_H
#define OOMLAB_WL_H

#include <stdbool.h>
#include <stddef.h>

#include "wl_names.h"

enum { WL_OK = 0, WL_REFUSED = 1, WL_BADARGS = 2 };

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

/* One key=value argument. */
struct wl_arg {
	const char *key;
	long long *value;      /* where the number goes */
	long long min, max;    /* accepted range */
	bool required;
	bool seen;
};

/* Parse argv[1..] against args; on a problem print an error line and return
 * false (the stressor then returns WL_BADARGS). */
bool wl_parse_args(int argc, char **argv, struct wl_arg *args, size_t n);

/* Print one JSON line on stdout with a single write(2), so that it reaches
 * the agent even if the OOM killer strikes right after. */
void wl_emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The result line of a refused allocation:
 * {"op":OP,"bytes":N,"ok":false,"errno":E,"error":"..."[,"touched":T]}
 * touched < 0 leaves the field out. */
void wl_emit_refused(const char *op, long long bytes, int err, long long touched);

/* Write one byte in every page of [p, p+len); *touched counts the bytes
 * (across calls) and a {"op":"touch","touched":N} line is printed each time
 * it crosses a multiple of WL_PROGRESS_BYTES. */
#define WL_PROGRESS_BYTES (64LL << 20)
void wl_touch(char *p, size_t len, long long *touched);

#endif
