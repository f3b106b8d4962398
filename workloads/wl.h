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
#include <sys/types.h>

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


/* ---- kernel allocations of a chosen order (wl_frag.c, wl_pipe.c,
 * wl_sockbuf.c) ---- */

/* The page allocator's limits on x86-64: PAGE_ALLOC_COSTLY_ORDER 3
 * (include/linux/mmzone.h), orders up to 10 (6.1: MAX_ORDER 11 exclusive;
 * 6.12: MAX_PAGE_ORDER 10 inclusive). */
#define WL_COSTLY_ORDER 3
#define WL_MAX_ORDER    10
/* A kmalloc() larger than KMALLOC_MAX_CACHE_SIZE (2 * PAGE_SIZE with SLUB,
 * include/linux/slab.h) goes straight to the page allocator with order
 * get_order(size) and __GFP_COMP (mm/slab_common.c __kmalloc_large_node in
 * 6.1, mm/slub.c ___kmalloc_large_node in 6.12). */
#define WL_KMALLOC_MAX_CACHE 8192LL
/* get_order(bytes) for 4 KiB pages: the smallest order whose block holds
 * bytes; -1 for bytes < 1 or past WL_MAX_ORDER. */
int wl_get_order(long long bytes);

/* fs/pipe.c (6.1 and 6.12): F_SETPIPE_SZ rounds the size up to a power of
 * two (round_pipe_size) and pipe_resize_ring() asks kcalloc() for one
 * struct pipe_buffer (40 bytes on x86-64: page, offset, len, ops, flags,
 * private; include/linux/pipe_fs_i.h) per page of the pipe, with
 * GFP_KERNEL_ACCOUNT | __GFP_NOWARN. */
#define WL_PIPE_BUFFER_BYTES 40LL
/* The ring's size for a pipe of pipe_bytes (after rounding). */
long long wl_pipe_ring_bytes(long long pipe_bytes);
/* The smallest pipe size whose ring is an order-order page allocation:
 * 2^(order + 18) bytes for order 2..10 (1 MiB gives 10240 bytes, order 2). */
long long wl_pipe_bytes_for_order(int order);

/* /proc/buddyinfo as one line {"op":"buddyinfo","when":WHEN,"zones":
 * {"0/DMA":[n0,..,n10],"0/DMA32":[..]},"free_kb":MemFree} (node/zone:
 * free blocks of each order). */
void wl_emit_buddyinfo(const char *when);

/* The helper a kernel-allocation stressor runs beside it (wl_frag.c):
 * frag: mlock nearly all free memory, give back every page with an even
 * page frame number (so no two free pages are buddies), then take every
 * free block of order drain..10 with pipe rings it keeps; fill: touch
 * memory in the workload's cgroup until memory.max - memory.current is
 * at most margin bytes.  The helper then waits to be killed (by the OOM
 * killer, or by wl_helper_stop). */
enum wl_helper_kind { WL_HELPER_NONE, WL_HELPER_FRAG, WL_HELPER_FILL };
struct wl_helper_opts {
	enum wl_helper_kind kind;
	long long keep_bytes;     /* frag: stop locking at MemFree <= this (0: computed) */
	int drain_order;          /* frag: drain orders 10..this (>= 4; 0: none) */
	long long margin_bytes;   /* fill: leave this much below memory.max */
};
struct wl_helper {
	pid_t pid;                /* 0: none */
	int status;
	bool reaped;
};
/* Fork the helper and wait until it is ready: 0, or an errno (its lines
 * say why). */
int wl_helper_start(struct wl_helper *h, const struct wl_helper_opts *o);
/* true once the helper has died (status says how). */
bool wl_helper_dead(struct wl_helper *h);
/* Wait up to ms for the helper to die; true if it did. */
bool wl_helper_wait(struct wl_helper *h, int ms);
void wl_helper_stop(struct wl_helper *h);
/* The helper's work, in the forked child (wl_frag.c): 0 once it is
 * ready, else the exit code of a helper that gave up (it said why). */
int wl_helper_main(const struct wl_helper_opts *o);
/* Read the helper options from key=value arguments shared by pipe,
 * sockbuf and frag: frag=0|1 fill=0|1 keep=BYTES margin=BYTES. */
#define WL_HELPER_ARGS(o, frag, fill) \
	{ .key = "frag", .value = &(frag), .min = 0, .max = 1 }, \
	{ .key = "fill", .value = &(fill), .min = 0, .max = 1 }, \
	{ .key = "keep", .value = &(o).keep_bytes, .min = 0, .max = 1LL << 40 }, \
	{ .key = "margin", .value = &(o).margin_bytes, .min = 0, .max = 1LL << 40 }
/* Raise RLIMIT_NOFILE so that fds more descriptors fit (root may go up to
 * fs.nr_open). */
void wl_raise_nofile(long long fds);
/* /proc/vmstat kept open: the first read sizes the seq_file buffer,
 * which later reads reuse (fs/seq_file.c seq_read_iter), so that reading
 * the counter allocates nothing, not even in a cgroup at its limit (the
 * buffer is charged: GFP_KERNEL_ACCOUNT).  -1 if unreadable. */
int wl_vmstat_open(void);
/* oom_kill from that file descriptor, -1 if unreadable. */
long long wl_vmstat_oom_kill(int fd);
/* Make a pipe and resize it to pipe_bytes: 0 or errno; fds[] are -1 when
 * pipe() itself failed. */
int wl_pipe_ring(int fds[2], long long pipe_bytes);

#endif
