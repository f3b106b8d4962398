/* agent.h - the guest agent (/init, PID 1), split by concern:
 *   agent.c        main flow, fatal errors, power-off
 *   agent_rec.c    the record channel (/dev/ttyS1) and small file helpers
 *   agent_setup.c  mounts, self-protection, modules, sysctls, memcg, facts
 *   agent_swap.c   zram and disk swap (with a hand-written swap header)
 *   agent_wlout.c  the workload's stdout, line by line, as wl records
 *   agent_step.c   one workload step: expressions, snapshots, child, output
 *   agent_kmsg.c   the kernel log (/dev/kmsg)
 *   agent_trace.c  tracefs: OOM and page allocator events, kprobes
 *   agent_psi.c    PSI and MemAvailable samples during a benchmark step
 * Format of the plan and of the records: workloads/README.md.  No global
 * state: everything lives in struct agent, passed down.
 */
#ifndef OOMLAB_AGENT_H
#define OOMLAB_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <json-c/json.h>

#define AGENT_CGROUP     "/sys/fs/cgroup/agent"
#define WL_CGROUP        "/sys/fs/cgroup/oomlab"
#define WL_BINARY        "/bin/oomwl"
#define STRESS_NG_BINARY "/usr/bin/stress-ng"
#define PLAN_PATH        "/plan.json"
#define REC_TTY          "/dev/ttyS1"
#define CTL_TTY          "/dev/ttyS2"  /* the plan, after a snapshot restore */
#define PLAN_MAX_BYTES   (256 * 1024)
#define KMSG_MAX_LINES   4096       /* per step, and for boot + setup */
#define STEP_MAX_ARGS    32
#define STEP_MAX_ARGLEN  512
#define STEP_DEFAULT_TIMEOUT_S 120
#define STEP_MAX_TIMEOUT_S     3600
#define KMSG_SETTLE_MS   100

struct mount_result {
	const char *target;
	int err;                    /* 0 or errno */
};

struct agent {
	int rec;                    /* record channel, -1 while closed */
	int kmsg;                   /* /dev/kmsg, -1 if it did not open */
	json_object *plan;          /* parsed /plan.json, NULL if unusable */
	char plan_err[256];
	bool wl_cgroup;             /* WL_CGROUP exists */
	struct mount_result mounts[5];
	size_t nmounts;
	bool tracing;               /* at least one trace event is enabled */
	bool traced;                /* trace_setup ran (before a snapshot) */
	json_object *held;          /* records held back (an array), or NULL: a
				     * snapshot guest sets up tracing before it
				     * is saved and sends those records after
				     * its hello, once restored */
	bool bench;                 /* the benchmark's trace instance is on (agent_trace.c) */
};

/* agent.c */
void agent_fatal(struct agent *ag, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
void agent_poweroff(struct agent *ag) __attribute__((noreturn));

/* agent_rec.c: records.  rec_send() writes one line and drops the object;
 * write errors are ignored (nobody to tell), so callers never check. */
int rec_open(struct agent *ag);
json_object *rec_new(const char *type);
void rec_send(struct agent *ag, json_object *rec);
void rec_drain(struct agent *ag);
/* Send the records held back since ag->held was set, then stop holding. */
void rec_release(struct agent *ag);
void rec_setup(struct agent *ag, const char *what, const char *key, const char *value, int err,
	       const char *error);
long long uptime_ms(void);

/* Small file helpers (agent_rec.c).  read_text() reads at most max-1
 * bytes and NUL-terminates; returns the length or -1 (errno). */
ssize_t read_text(const char *path, char *buf, size_t max);
int write_text(const char *path, const char *s);   /* 0 or -errno */
void rtrim(char *s);
/* "Key: 123 kB" / "key 123" lines into {key: 123}; NULL if unreadable. */
json_object *read_keyed(const char *path);
long long json_get_ll(json_object *o, const char *key, long long def);

/* agent_setup.c */
void setup_mounts(struct agent *ag);
void setup_stdio(void);
void report_mounts(struct agent *ag);
void setup_protect(struct agent *ag);
void setup_plan(struct agent *ag);
void send_facts(struct agent *ag);

/* agent_swap.c */
void setup_swap(struct agent *ag, json_object *swap);

/* agent_step.c */
void run_step(struct agent *ag, int i, json_object *step);

/* agent_wlout.c: splits the workload's stdout into lines.  A line that is
 * a JSON object goes out as `data`, anything else as `text` (escaped, at
 * most WL_TEXT_MAX bytes).  After WL_MAX_RECORDS records the rest is
 * counted as dropped, except the last line, which is sent at the end: it
 * is the result line. */
#define WL_LINE_MAX    4096
#define WL_TEXT_MAX    1024
#define WL_MAX_RECORDS 256
struct wlout {
	int i;
	char line[WL_LINE_MAX];
	size_t len;
	bool overlong;             /* the current line was cut at WL_LINE_MAX */
	char held[WL_LINE_MAX];    /* the newest line past WL_MAX_RECORDS */
	size_t held_len;
	bool have_held;
	unsigned sent, dropped;
};
void wlout_init(struct wlout *w, int i);
void wlout_feed(struct agent *ag, struct wlout *w, const char *data, size_t len);
void wlout_finish(struct agent *ag, struct wlout *w);

/* agent_kmsg.c */
struct kmsg_stats {
	unsigned sent, dropped, overwritten;
};
void kmsg_open(struct agent *ag);
void kmsg_seek_end(struct agent *ag);
/* Send what is readable now as kmsg records with index i. */
void kmsg_send(struct agent *ag, int i, struct kmsg_stats *st);


/* agent_trace.c: tracing records at setup, the trace buffer per step.
 * trace_send() sends the last TRACE_MAX_LINES lines as trace records
 * with index i (each cut at TRACE_LINE_MAX bytes, escaped). */
#define TRACE_MAX_LINES 1024
#define TRACE_LINE_MAX  512
struct trace_stats {
	unsigned sent, dropped;
};
void trace_setup(struct agent *ag);
void trace_clear(struct agent *ag);
void trace_send(struct agent *ag, int i, struct trace_stats *st);
/* The benchmark's trace instance (oomlab.bench=1 on the kernel command
 * line): set-up, cleared before a step, its lines sent after it as tracing
 * records named "bench" (kind "line"). */
void trace_bench_setup(struct agent *ag);
void trace_bench_clear(struct agent *ag);
void trace_bench_send(struct agent *ag, int i, struct trace_stats *st);
/* Escape a trace line into dst (TRACE_LINE_MAX bytes), as trace records do. */
void trace_escape(char *dst, const char *s, size_t len);

/* agent_psi.c: around a step when ag->bench: clears the instance and
 * samples PSI and MemAvailable (NULL when off); after the step sends the
 * lines and samples and frees it. */
struct bench_step;
struct bench_step *bench_step_begin(struct agent *ag);
void bench_step_end(struct agent *ag, int i, struct bench_step *b);

#endif
