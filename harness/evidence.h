/* evidence.h - stage 4: what the guest reported, parsed into plain structs.
 *
 * Input is the record channel (one JSON object per line, written by the
 * guest agent; format in workloads/README.md) and the console log.  Both are
 * untrusted: lines are bounded, counts are bounded, malformed lines are
 * counted and kept as errors rather than aborting the parse.
 */
#ifndef OOMLAB_EVIDENCE_H
#define OOMLAB_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "klog.h"
#include "settings.h"

#define EV_MAX_LINE      (64 * 1024)  /* longer record lines are errors */
#define EV_MAX_KMSG      4096         /* kernel log lines kept per step */
#define EV_MAX_STEPS     64
#define EV_MAX_ERRORS    32
/* Additions (stage 4): */
#define EV_MAX_KMSG_MSG  4096         /* bytes kept of one kmsg text (NUL included) */
#define EV_MAX_ERROR_LEN 256          /* bytes kept of one errors[] entry */
#define EV_CONSOLE_TAIL_MAX (8 * 1024) /* bytes kept in console_tail */
#define EV_MAX_KV        256          /* entries of effective, setup_errors, exprs */
/* Additions (kernel-side tracing and kernel allocations): */
#define EV_MAX_TRACE     1024         /* trace lines kept per step */
#define EV_MAX_TRACE_MSG 1024         /* bytes kept of one trace line (NUL included) */
#define EV_BUDDY_ZONES   8
#define EV_BUDDY_ORDERS  11           /* orders 0..10 (6.1 MAX_ORDER 11, 6.12 NR_PAGE_ORDERS 11) */

/* A few /proc/meminfo fields (kB; -1 when absent) and counters. */
struct mem_snapshot {
	long long mem_total_kb, mem_free_kb, mem_available_kb;
	long long swap_total_kb, swap_free_kb;
	long long commit_limit_kb, committed_as_kb;
	/* Only in the boot facts (the facts record has the whole meminfo): */
	long long hugetlb_kb, shmem_kb, sreclaimable_kb;
	long long file_kb;         /* Cached + Buffers + SwapCached: NR_FILE_PAGES */
	long long oom_kill;        /* /proc/vmstat oom_kill; -1 absent */
	/* memory.events of the workload cgroup; -1 when there is none */
	long long memcg_max, memcg_oom, memcg_oom_kill, memcg_oom_group_kill;
	long long memcg_high;      /* memory.events "high": times over memory.high */
};

struct kmsg_line {
	int prio;                  /* syslog level 0-7 */
	unsigned long long seq;
	unsigned long long ts_us;
	char *msg;
};

/* What the workload itself printed (its last JSON result line).
 *
 * Rule: among the step's `wl` records, the LAST whose `data` object has both
 * an "op" key and a boolean "ok" key is the result: present, op, ok, err_no
 * (its "errno", 0 when absent) and bytes (its "bytes", -1 when absent) come
 * from it.  Progress lines ({"op":"touch","touched":N}) have no "ok" and are
 * not results; `touched` is the "touched" of the last `data` object that has
 * one (result or progress), so a workload killed mid-way still tells how far
 * it got.  `text` records (non-JSON output) are ignored. */
struct wl_result {
	bool present;
	char op[32];               /* "mmap", "touch", ... */
	bool ok;
	int err_no;                /* 0 when ok */
	long long bytes;           /* what it asked for, -1 unknown */
	long long touched;         /* bytes touched before it stopped, -1 unknown */
	long long limit_bytes;     /* bisect: the largest request granted, -1 unknown */
	long long committed_as_kb; /* bisect: Committed_AS before its last probe, -1 unknown */
	/* A kernel allocation the workload triggered (pipe, sockbuf; the
	 * result line's keys): */
	int order;                 /* "order": the page allocation's order, -1 unknown */
	char gfp[128];             /* "gfp": the flags the kernel passes, "" unknown */
	char trigger[48];          /* "trigger": "F_SETPIPE_SZ", ... */
	int granted;               /* "granted": requests granted before the last, -1 */
	long long oom_kill_delta;  /* "oom_kill_delta" the workload measured, -1 */
	bool helper_died;          /* "helper_died": its helper was killed (by the OOM killer) */
};

/* /proc/buddyinfo as the workload printed it ({"op":"buddyinfo"}): free
 * blocks per order of each node/zone ("0/DMA32"), -1 where not given. */
struct buddy_snapshot {
	bool present;
	size_t nzones;
	char zone[EV_BUDDY_ZONES][24];
	long long free[EV_BUDDY_ZONES][EV_BUDDY_ORDERS];
	long long free_kb;         /* MemFree then, -1 */
};

struct step_evidence {
	int index;
	char *argv;                /* resolved argv joined by spaces */
	bool begun, ended;
	bool exited;               /* else killed by a signal */
	int exit_code;
	int signal;
	double duration_s;
	struct mem_snapshot before, after;
	struct wl_result wl;
	struct kmsg_line *kmsg;
	size_t nkmsg;
	bool kmsg_truncated;
	/* Additions (stage 4): */
	bool timed_out;            /* the agent killed it at the step's timeout */
	struct kv_list exprs;      /* "size=EXPR" -> bytes (decimal), from begin */
	int timeout_s;             /* from begin; -1 absent */
	char *error;               /* the agent could not run the step, or NULL */
	bool wl_truncated;         /* the agent dropped workload lines */
	/* Additions (tracing, kernel allocations): */
	char **trace;              /* the step's trace lines, in order */
	size_t ntrace;
	bool trace_truncated;      /* the agent sent only the last lines, or some were lost */
	struct buddy_snapshot buddy_before, buddy_after, buddy_end; /* "when" of the lines */
};

struct evidence {
	bool hello, done;
	char release[128];         /* uname -r of the guest */
	struct kv_list effective;  /* setting -> value the guest actually had */
	struct kv_list setup_errors; /* what -> error, for setup steps that failed */
	struct mem_snapshot boot;  /* facts after setup */
	struct step_evidence *steps;
	size_t nsteps;
	struct kmsg_line *boot_kmsg; /* kernel log before the first step */
	size_t nboot_kmsg;
	char *agent_error;         /* an "error" record, or NULL */
	/* Problems with the channel itself (malformed lines, truncation). */
	char *errors[EV_MAX_ERRORS];
	size_t nerrors;
	size_t bad_lines;
	/* From the console. */
	bool panic;
	char panic_reason[256];
	char *console_tail;        /* last lines of the console, for ERROR rows */
	/* Additions (stage 4): */
	bool boot_kmsg_truncated;  /* more than EV_MAX_KMSG boot lines came */
	size_t errors_dropped;     /* errors beyond EV_MAX_ERRORS, not kept */
	int nr_cpus;               /* from facts; -1 unknown */
	/* Tracing set up by the agent: event name ("oom/mark_victim",
	 * "oomlab/oom") -> "on", or what went wrong. */
	struct kv_list tracing;
	/* The trace buffer as the kernel dumped it on the console at a panic
	 * (kernel.ftrace_dump_on_oops): its lines, in the latency format
	 * (trace_parse_dump), at most EV_MAX_TRACE. */
	char **panic_trace;
	size_t npanic_trace;
	bool panic_trace_truncated;
	/* Console lines that look like memory-failure messages but that no
	 * klog parser accepts (klog.h klog_unrecognised: a format change). */
	struct klog_unrec console_unrec;
};

void evidence_init(struct evidence *ev);
/* Frees everything and re-initialises ev (so it may be freed twice). */
void evidence_free(struct evidence *ev);

/* Parse the record channel contents (need not be NUL-terminated; may hold
 * any bytes).  Adds to what ev already holds.  Per record type:
 *   hello   hello = true, release (truncated to its field)
 *   setup   when "ok" is false: setup_errors["WHAT:KEY"] (or ["WHAT"]) =
 *           "ERROR (errno N)"; successful setup records are not kept
 *   facts   effective[setting] = value as text (a JSON number as its
 *           digits; null values are skipped), boot = the meminfo fields
 *           (kB), nr_cpus
 *   step    begin: begun, argv (the strings joined by one space), exprs,
 *           timeout_s, before;  end: ended, exited + exit_code (when "exit"
 *           is a number) or signal (when "signal" is a number), timed_out,
 *           duration_s (-1 when absent), after; kmsg_truncated also when
 *           the agent reports kmsg_dropped or kmsg_overwritten > 0 or more
 *           kmsg_lines than arrived, wl_truncated when wl_dropped > 0;
 *           error: the first "error" of begin or end
 *   wl      see struct wl_result
 *   kmsg    i = -1: boot_kmsg, else steps[i].kmsg; at most EV_MAX_KMSG
 *           lines each (then *_truncated), texts cut at EV_MAX_KMSG_MSG;
 *           prio is masked to the level (0-7), -1 when absent
 *   tracing tracing[name] = "on" when ok, else "ERROR (errno N)"
 *   trace   steps[i].trace: at most EV_MAX_TRACE lines (then
 *           trace_truncated), each cut at EV_MAX_TRACE_MSG; the step end's
 *           trace_dropped > 0 or a "[LOST N EVENTS]" line sets
 *           trace_truncated too
 *   wl      also a {"op":"buddyinfo","when":W} line: buddy_before/_after/
 *           _end by W ("before", "after", "end"), at most EV_BUDDY_ZONES
 *           zones of EV_BUDDY_ORDERS orders
 *   done    done = true
 *   error   agent_error = its msg (the first one; later ones go to errors)
 * effective, setup_errors and each exprs keep at most EV_MAX_KV keys (more
 * are noted in errors).  Steps: steps[k].index == k and nsteps is one more than the highest index
 * any record named; an index < 0 (but -1 for kmsg) or >= EV_MAX_STEPS is
 * refused (errors).  A record for a step never begun is kept all the same
 * (begun stays false); an end without begin and a second begin are noted in
 * errors.  A line longer than EV_MAX_LINE, not JSON, holding a NUL byte or
 * trailing data, or not an object counts in bad_lines and is described in
 * errors ("line N: ..."); a record of an unknown type or with a missing or
 * mistyped required field is described in errors only. */
void evidence_parse_records(struct evidence *ev, const char *data, size_t len);
/* Scan the console: panic/panic_reason from the first "Kernel panic - not
 * syncing: REASON" line (after klog_strip_prefix), panic_trace from the
 * lines between "Dumping ftrace buffer:" and the dashed line that closes
 * it (kernel/trace/trace.c ftrace_dump), console_unrec from every line
 * (klog_kernel_msg, then klog_unrec_note), and console_tail = its
 * last tail_lines lines, at most EV_CONSOLE_TAIL_MAX bytes (cut at a line
 * start when possible), with '\r' dropped and other control bytes but
 * '\n' and '\t' shown as '?'.  console_tail is never NULL afterwards. */
void evidence_scan_console(struct evidence *ev, const char *data, size_t len,
			   unsigned tail_lines);

#endif
