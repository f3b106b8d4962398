/* verdict_fiu_int.h - internal to the verdict stage: a step run under
 * libfiu's POSIX preload (the fiu= option, fiuspec.h), as classify()
 * (verdict_classify.c) asks verdict_fiu.c about it.  Users include
 * verdict.h only. */
#ifndef OOMLAB_VERDICT_FIU_INT_H
#define OOMLAB_VERDICT_FIU_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "fiuspec.h"
#include "verdict_int.h"

/* The fault points the step enabled, read back from its argv, where the
 * agent lists them as fiu=NAME:P (workloads/README.md).  Returns how many
 * (at most max). */
size_t fiu_step_points(const struct step_evidence *st, struct fiu_point *p, size_t max);

/* The step failed with ENOMEM under a point that could fire, and the
 * kernel-side evidence shows no refusal: obs is PATH_INJECTED_FAULT with its
 * sentences and the sources' summary, and true.  Otherwise false and obs
 * untouched: the kernel's own path is decided as without fiu. */
bool classify_injected(const struct evidence *ev, const struct step_evidence *st,
		       const struct oom_scan *s, const struct trace_view *tv,
		       struct observed *obs);

/* A kernel path in a step with fault points: one sentence saying so (the
 * kernel-side evidence outranks the injection); nothing without points. */
void fiu_note_kernel_path(const struct step_evidence *st, struct observed *obs);

#endif
