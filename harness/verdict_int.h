/* verdict_int.h - internal to the verdict stage: what classify()
 * (verdict_classify.c) shares with verdict_trace.c (what the trace of the
 * step says, the ranking of the sources) and verdict_kalloc.c (kernel
 * allocations of a chosen order).  Users include verdict.h only. */
#ifndef OOMLAB_VERDICT_INT_H
#define OOMLAB_VERDICT_INT_H

#include <stdbool.h>

#include "evidence.h"
#include "klog.h"
#include "verdict.h"

/* The comm of the stressors (/bin/oomwl); their helpers rename themselves
 * (oomfrag, oomfill), so trace lines of the trigger carry this one. */
#define WL_COMM "oomwl"

/* What the kernel log and the counters of the step say (verdict_classify.c). */
struct oom_scan {
	long long vm_kills;   /* /proc/vmstat oom_kill delta */
	long long cg_kills;   /* memory.events oom_kill delta */
	long long cg_ooms;    /* memory.events oom delta */
	long long cg_maxes;   /* memory.events max delta */
	size_t nkilled;
	struct klog_killed killed;       /* the first kill line */
	bool have_invoked, have_summary, have_enough, have_select, have_memcg_task;
	struct klog_invoked invoked;
	struct klog_oom_summary summary;
	struct klog_vm_enough enough;
	const char *enough_msg;          /* that line as the kernel printed it */
	struct klog_kill_select select;  /* before 5.3: "...: Kill process N (c) score" */
	struct klog_memcg_task memcg_task; /* before 5.0: "Task in A killed as a result of limit of B" */
	bool have_group;                 /* "Tasks in X are going to be killed due to memory.oom.group set" */
	char group_memcg[KLOG_TEXT_MAX];
	long long cg_group_kills;        /* memory.events oom_group_kill delta */
	long long cg_highs;              /* memory.events high delta */
	bool have_alloc_fail;            /* "COMM: page allocation failure: order:N, mode:..." */
	struct klog_alloc_fail alloc_fail; /* the last such line of the workload */
};

bool scan_is_memcg(const struct oom_scan *s);

/* What the trace of the step says (verdict_trace.c).  Counts are of
 * lines; orders and pids -1 when no line said. */
struct trace_view {
	bool on;                  /* tracing was set up (any event on) */
	bool victim_on, oom_on, alloc_on, vm_on; /* mark_victim, the out_of_memory kprobe,
	                          * mm_page_alloc, the __vm_enough_memory kretprobe */
	bool truncated;           /* lines were dropped or lost */
	bool dumped;              /* from the console's dump at a panic */
	size_t nlines;
	int nvictims, victim_pid;
	char victim_comm[64];
	int noom, oom_order, oom_memcg;   /* out_of_memory() entries; memcg: 0, 1, -1 */
	int nmemcg_oom, memcg_oom_order;  /* mem_cgroup_out_of_memory() entries */
	int nreaped, reaped_pid;
	int nreclaim_retry, ncompact_retry, retry_order;
	int nfail, fail_order;            /* mm_page_alloc failures of the workload (not __GFP_NORETRY) */
	char fail_gfp[128];
	int nwarn, warn_order;            /* warn_alloc() entries of the workload */
	int ncharge_fail;                 /* try_charge_memcg() failures of the workload */
	int nvm_refused;                  /* __vm_enough_memory() refusals */
	long long vm_pages;               /* pages of the workload's last large request, -1 */
};

void trace_view_scan(const struct evidence *ev, const struct step_evidence *st,
		     struct trace_view *tv);
/* The same from the trace buffer the kernel dumped at its panic. */
void trace_view_scan_panic(const struct evidence *ev, struct trace_view *tv);
/* The trace shows an OOM kill (mark_victim). */
bool trace_view_saw_kill(const struct trace_view *tv);
/* The memcg question as the trace answers it: 1 memcg, 0 global, -1 no answer. */
int trace_view_memcg(const struct trace_view *tv);
/* "trace: ..." sentences for the observed path. */
void trace_view_evidence(const struct trace_view *tv, const struct step_evidence *st,
			 struct observed *obs);
/* Compare the sources (trace > kernel log > counters > errno), note any
 * disagreement, set decided_by, and end obs with the summary sentence. */
void sources_summary(const struct step_evidence *st, const struct oom_scan *s,
		     const struct trace_view *tv, struct observed *obs);

/* verdict_kalloc.c: kernel allocations of a chosen order (pipe, sockbuf). */
bool kalloc_step(const struct step_evidence *st);
/* The trigger failed as the kernel refuses (ENOMEM, ENOBUFS; exit 1). */
bool kalloc_failed(const struct step_evidence *st);
void classify_kalloc_failure(const struct step_evidence *st, const struct oom_scan *s,
			     const struct trace_view *tv, struct observed *obs);
/* After an OOM in a kernel-allocation step: the OOM must be for the
 * trigger's order (else the path is unknown), and the buddyinfo facts. */
void kalloc_check_oom(const struct step_evidence *st, const struct oom_scan *s,
		      const struct trace_view *tv, struct observed *obs);

#endif
