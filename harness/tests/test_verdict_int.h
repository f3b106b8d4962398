/* test_verdict_int.h - internal to the verdict suite: what test_verdict.c
 * (the helpers, judge, the suite) shares with test_verdict_classify.c (the
 * classify tests), nothing else.  Evidence built by hand is owned as
 * evidence_free() expects; the helpers fail the test on allocation failure. */
#ifndef OOMLAB_TEST_VERDICT_INT_H
#define OOMLAB_TEST_VERDICT_INT_H

#include <stdbool.h>

#include <check.h>

#include "evidence.h"
#include "verdict.h"

/* ---- test_verdict.c ---- */

char *xstrdup(const char *s);
/* A guest that said hello and done, with vm.overcommit_memory=mode (none
 * when mode is NULL), vm.panic_on_oom=0 and boot facts; free with ev_del. */
struct evidence *ev_new(const char *mode);
void ev_del(struct evidence *ev);
/* A step that ran `oomwl mmap` and exited 0 (memcg: memory.events counters). */
struct step_evidence *step_add(struct evidence *ev, bool memcg);
/* A kernel log line of the step (priority 3). */
void kmsg_add(struct step_evidence *st, const char *msg);
/* The workload killed by sig, without a result line. */
void step_killed(struct step_evidence *st, int sig);
/* The workload's request of bytes failed with ENOMEM; it exited 1. */
void step_enomem(struct step_evidence *st, long long bytes);
/* Is sentence one of o's evidence sentences, exactly? */
bool has_evidence(const struct observed *o, const char *sentence);
/* Does one of o's evidence sentences contain part? */
bool evidence_mentions(const struct observed *o, const char *part);

/* ---- test_verdict_classify.c ---- */

/* Add the classify tests to the suite's TCases. */
void verdict_classify_tests(TCase *oom, TCase *rej, TCase *other);

#endif
