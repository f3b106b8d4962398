/* predict.h - the oracle (oracle.h) applied to scenarios.
 *
 * Policy comes from the declared settings of the vmconfig and scenario,
 * never from the guest; physical facts come from the guest: measured in the
 * run being judged, or, for `oomlab oracle` without booting, from the facts
 * cache (what an earlier boot of the same kernel and VM shape measured), or
 * estimated when there is none.
 */
#ifndef OOMLAB_PREDICT_H
#define OOMLAB_PREDICT_H

#include <stdbool.h>

#include "buf.h"
#include "evidence.h"
#include "oracle.h"
#include "settings.h"

/* The declared policy, kernel defaults for what is not declared (those that
 * depend on facts are filled by oracle_defaults()). */
void predict_policy(const struct vmconfig *vm, const struct scenario *sc, struct oracle_policy *p);

/* Facts from a guest's boot snapshot (and its release and CPU count). */
void predict_facts(const struct evidence *ev, struct oracle_facts *f);

/* The request of the scenario's run.  Sizes: the step's own report when st
 * is given and has it, else the run's size expressions evaluated on the
 * facts (commit_limit by the oracle).  -1 with err when it cannot. */
int predict_request(const struct scenario *sc, const struct oracle_policy *p,
		    const struct oracle_facts *f, const struct step_evidence *st,
		    struct oracle_request *r, struct buf *err);

/* The highest oom_score_adj of a hog family's adj= list (false: none).
 * With members of equal size, oom_badness() (mm/oom_kill.c, 5.9+: rss +
 * swap + page tables + adj * totalpages / 1000) ranks them by adj, so this
 * member is the predicted victim; -1000 means nobody is killable. */
bool predict_max_adj(const struct scenario *sc, int *adj);

/* The whole prediction for one scenario. */
int predict_scenario(const struct scenario *sc, const struct vmconfig *vm,
		     const struct oracle_facts *f, const struct step_evidence *st,
		     struct oracle_prediction *out, struct buf *err);

/* The facts cache: cache/facts/<release>/<shape>.json, where shape is the
 * VM's memory, CPUs, NUMA nodes and swap. */
int facts_save(const char *cache, const char *release, const struct vmconfig *vm,
	       const struct oracle_facts *f, struct buf *err);
/* true when cached facts were found; else f holds an estimate. */
bool facts_load(const char *cache, const char *release, const struct vmconfig *vm,
		struct oracle_facts *f);

#endif
