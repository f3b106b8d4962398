/* bench.h - OOM latency: the phases of each OOM event of a benchmark
 * repetition, from the records of its guest (workloads/README.md, records
 * "tracing" named "bench": the lines of the benchmark's trace instance and
 * the PSI/MemAvailable samples, all on the guest's CLOCK_MONOTONIC).
 *
 * Per OOM event (an out_of_memory entry that killed at least one task):
 *   t_invoke   the oomlab/oom kprobe (mm/oom_kill.c out_of_memory entry)
 *   t_select   the first oom/mark_victim after it, in the invoker's context
 *              (several for a memory.oom.group kill: all are its victims)
 *   t_stall    the invoker's first direct-reclaim stall or reclaim retry
 *              (vmscan mm_vmscan_direct_reclaim_begin / memcg_reclaim_begin,
 *              oom reclaim_retry_zone) since the previous event; when it has
 *              none there (a task throttled in throttle_direct_reclaim()
 *              never reaches the tracepoint, mm/vmscan.c), the first of any
 *              task (stall_own false)
 *   t_exit     the last victim's sched_process_exit (kernel/exit.c do_exit,
 *              after exit_mm)
 *   t_reaped   the last oom/finish_task_reaping of a victim (absent when
 *              the victim freed its memory itself: the reaper waits
 *              OOM_REAPER_DELAY, 2 s, mm/oom_kill.c queue_oom_reaper)
 *   t_recover  synthetic oom_recover of the invoker: its first
 *              handle_mm_fault return after t_invoke; absent when the
 *              invoker was a victim or did not fault (a kernel allocation)
 * Times are seconds on the trace clock; absent ones are NAN.
 */
#ifndef OOMLAB_BENCH_H
#define OOMLAB_BENCH_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define BENCH_MAX_VICTIMS 32
#define BENCH_MAX_EVENTS  64
#define BENCH_MAX_SAMPLES 16384
#define BENCH_MAX_LINES   8192

enum bench_phase {
	BP_STALL_INVOKE, BP_INVOKE_SELECT, BP_SELECT_EXIT, BP_EXIT_REAPED, BP_STALL_RECOVER,
	BP_TOTAL, BP_COUNT
};
const char *bench_phase_name(enum bench_phase p);   /* "stall->invoke", ... */

struct bench_event {
	double t_stall, t_invoke, t_select, t_exit, t_reaped, t_recover;
	bool stall_own;
	int invoker;
	char invoker_comm[32];
	int victim[BENCH_MAX_VICTIMS];
	size_t nvictims;
};

struct bench_sample {
	double t;                    /* seconds, trace clock */
	double some_us, full_us;     /* PSI totals; NAN unknown */
	double avail_kb, cg_kb;      /* NAN unknown */
};

struct bench_rep {
	char release[96];            /* the hello record's uname -r */
	struct bench_event ev[BENCH_MAX_EVENTS];
	size_t nev;
	struct bench_sample *s;
	size_t ns;
	unsigned lines, lines_dropped, lines_bad;
	bool have_end;               /* the agent's "end" record came */
};

/* Parse a records.jsonl text.  Returns 0, or -1 with err set when it holds
 * no bench records at all (the guest did not run with oomlab.bench=1). */
int bench_parse(const char *text, size_t len, struct bench_rep *out, struct buf *err);
int bench_load(const char *path, struct bench_rep *out, struct buf *err);
void bench_rep_free(struct bench_rep *r);

/* Milliseconds of phase p of e, NAN when an end is missing. */
double bench_phase_ms(const struct bench_event *e, enum bench_phase p);

#endif
