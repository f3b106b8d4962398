/* verdict.h - stage 5: which path fired (classify), and was it the expected
 * one (judge).
 *
 * classify() decides from kernel-side evidence only: the workload's errno
 * and exit, /proc/vmstat oom_kill and memory.events deltas, the kernel log
 * lines of the step (klog.h) and the overcommit mode the guest really had.
 * Every fact it relied on is appended to obs->evidence as a short sentence,
 * so a reader of results.json can check the decision.
 */
#ifndef OOMLAB_VERDICT_H
#define OOMLAB_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "evidence.h"
#include "path.h"

#define OBS_MAX_EVIDENCE 24
#define OBS_MAX_SENTENCE 320      /* bytes per evidence sentence, with the NUL */

struct observed {
	enum oom_path path;
	int err_no;               /* errno the workload reported, 0 if none */
	int signal;               /* signal that ended the workload, 0 if none */
	int order;                /* allocation order from the OOM header, -1 */
	char constraint[32];      /* "CONSTRAINT_MEMCG", "" if no OOM */
	int victim_pid;           /* 0 if nobody was killed */
	char victim_comm[64];
	int victim_adj;           /* the victim's oom_score_adj from the kill line; 0 if unknown */
	char *evidence[OBS_MAX_EVIDENCE];
	size_t nevidence;
	/* The sources (verdict_trace.c), ranked trace event > kernel log line >
	 * counter > errno: the best that showed the observed path ("trace",
	 * "log", "counter", "errno"; "" when none did), and whether two
	 * sources contradicted each other (what they said: disagreement). */
	char decided_by[16];
	bool disagree;
	char disagreement[OBS_MAX_SENTENCE];
	/* Kernel log lines that look like memory-failure messages but that no
	 * klog parser accepts (klog.h klog_unrecognised: the kernel changed a
	 * format): the larger count of the steps' kmsg records and of the
	 * console (which repeats them), and the first such line. */
	struct klog_unrec log_unrec;
};

enum verdict { VERDICT_PASS, VERDICT_FAIL, VERDICT_ERROR, VERDICT_SKIP };
const char *verdict_name(enum verdict v);

void observed_init(struct observed *o);
void observed_free(struct observed *o);
/* Append one sentence (cut at OBS_MAX_SENTENCE, sanitized); past
 * OBS_MAX_EVIDENCE - 1 sentences one "(further evidence left out)" ends it. */
void observed_add(struct observed *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Classify the step under test (the last step) of ev.  Sentences from the
 * trace start with "trace: ", kernel log lines with "kernel: "; the last
 * one lists the sources used ("evidence used: trace 2, kernel log 3,
 * counters 2, errno/exit 1; decided by trace"), after a "disagreement: "
 * sentence when sources contradict each other. */
void classify(const struct evidence *ev, struct observed *obs);

/* ERROR when the VM or the agent failed (no hello, no done, agent error,
 * unexpected panic, missing step, timed out: vm_problem non-NULL), else
 * PASS when observed == expected, else FAIL.  reason explains a non-PASS.
 *
 * vm_problem is for host-side failures only (QEMU failed, host timeout, no
 * record file): a guest panic ends QEMU normally (-no-reboot) and is judged
 * from ev, so that an expected oom_panic can PASS.  Details: verdict.c. */
enum verdict judge(enum oom_path expected, const struct observed *obs,
		   const struct evidence *ev, const char *vm_problem,
		   char *reason, size_t len);

#endif
