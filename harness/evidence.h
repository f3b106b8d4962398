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
#include "settings.h"

#define EV_MAX_LINE      (64 * 1024)  /* longer record lines are errors */
#define EV_MAX_KMSG      4096         /* kernel log lines kept per step */
#define EV_MAX_STEPS     64
#define EV_MAX_ERRORS    32

/* A few /proc/meminfo fields (kB; -1 when absent) and counters. */
struct mem_snapshot {
	long long mem_total_kb, mem_free_kb, mem_available_kb;
	long long swap_total_kb, swap_free_kb;
	long long commit_limit_kb, committed_as_kb;
	long long oom_kill;        /* /proc/vmstat oom_kill; -1 absent */
	/* memory.events of the workload cgroup; -1 when there is none */
	long long memcg_max, memcg_oom, memcg_oom_kill, memcg_oom_group_kill;
};

struct kmsg_line {
	int prio;                  /* syslog level 0-7 */
	unsigned long long seq;
	unsigned long long ts_us;
	char *msg;
};

/* What the workload itself printed (its last JSON result line). */
struct wl_result {
	bool present;
	char op[32];               /* "mmap", "touch", ... */
	bool ok;
	int err_no;                /* 0 when ok */
	long long bytes;           /* what it asked for, -1 unknown */
	long long touched;         /* bytes touched before it stopped, -1 unknown */
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
};

void evidence_init(struct evidence *ev);
void evidence_free(struct evidence *ev);

/* Parse the record channel contents (need not be NUL-terminated). */
void evidence_parse_records(struct evidence *ev, const char *data, size_t len);
/* Scan the console: panics, and keep its tail (tail_lines lines). */
void evidence_scan_console(struct evidence *ev, const char *data, size_t len,
			   unsigned tail_lines);

#endif
