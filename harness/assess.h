/* assess.h - from one guest's evidence to its result: classify what fired,
 * judge it against the scenario's expectation (verdict.h).  The run loop
 * calls this once per finished VM; it is the only place where the plan item,
 * the evidence and the result meet. */
#ifndef OOMLAB_ASSESS_H
#define OOMLAB_ASSESS_H

#include "evidence.h"
#include "kernel.h"
#include "plan.h"
#include "report.h"

/* vm_problem: a host-side failure (QEMU failed, timeout, no record file) or
 * NULL.  Fills res->kernel (when the guest said), obs, verdict and reason. */
void assess(const struct plan_item *it, const struct evidence *ev, const char *vm_problem,
	    struct result *res);

/* Before boot: a scenario whose needs (kfeatures.h) the kernel's config
 * (k->config, when known) lacks is a SKIP with the reason.  Returns true
 * when res is decided so (the scenario is not booted, res->dir is ""),
 * false when it is to boot.  assess() then makes it a SKIP all the same
 * when the guest reports a need missing. */
bool assess_before_boot(const struct plan_item *it, const struct kernel *k, struct result *res);

#endif
