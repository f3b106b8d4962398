/* trace.h - one line of the tracefs `trace` file, as the guest agent sends
 * it in `trace` records (workloads/README.md, Tracing).
 *
 * Format (kernel/trace/trace_output.c trace_print_context() and
 * print_trace_fmt(), default options, 6.1 and 6.12):
 *   "           oomwl-79      [000] .N...     5.324904: reclaim_retry_zone: node=0 zone=DMA32 order=3 ..."
 *   "         oomfrag-80      [000] .....     6.107564: warn_alloc: (warn_alloc+0x0/0x170) gfp=0x442dc0 fmt=\"page allocation failure: order:%u\" order=10"
 *   "           oomwl-79      [000] .N...     5.349225: oom_ret: (__alloc_pages_slowpath.constprop.0+0x67f/0xe70 <- out_of_memory) ret=1"
 * i.e. TASK-PID, [CPU], the latency flags, SECONDS.MICROS, the event's
 * name (a kprobe event's name without its group), and the event's own
 * text: KEY=VALUE fields for the events oomlab enables.  The task name may
 * hold blanks and dashes ("<...>" when the kernel forgot it).
 *
 * Untrusted input: every copy is bounded; a line of another shape
 * ("CPU:0 [LOST 12 EVENTS]") does not parse.
 */
#ifndef OOMLAB_TRACE_H
#define OOMLAB_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#define TRACE_COMM_MAX  64
#define TRACE_EVENT_MAX 48

struct trace_rec {
	char comm[TRACE_COMM_MAX];
	int pid;
	int cpu;
	double ts;                      /* seconds since boot (the trace clock) */
	char event[TRACE_EVENT_MAX];    /* "mark_victim", "mm_page_alloc", "oom" */
	const char *fields;             /* the event's text, inside the parsed line */
};

/* Parse one line; false (out cleared) if it is not an event line. */
bool trace_parse(const char *line, struct trace_rec *out);
/* The same for a line of the dump ftrace_dump() prints on the console at
 * a panic (kernel.ftrace_dump_on_oops), in the latency format:
 *   "   oomwl-79        0d..2. 5325193us : oom: (out_of_memory+0x0/0x4c0) order=0 ..."
 * (the comm cut to 8 bytes, CPU and flags joined, microseconds). */
bool trace_parse_dump(const char *line, struct trace_rec *out);

/* The value of KEY=VALUE in the event's text: VALUE runs to the next blank,
 * or is a "quoted string" (copied without its quotes).  The key must start
 * a word ("order=" does not match "min_order=").  false if absent; the value
 * is cut to fit len. */
bool trace_field(const struct trace_rec *r, const char *key, char *val, size_t len);
/* A numeric field: decimal (signed) or 0x hexadecimal. */
bool trace_field_ll(const struct trace_rec *r, const char *key, long long *v);

/* "lost events" markers: "CPU:N [LOST M EVENTS]" or "CPU:N [LOST EVENTS]"
 * (kernel/trace/trace.c print_trace_line): M, 0 when the kernel did not
 * count them, -1 when the line is not one. */
long long trace_lost(const char *line);

#endif
