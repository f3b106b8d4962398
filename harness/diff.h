/* diff.h - compare two runs (results.json of a baseline and of a new run):
 * the kernel-CI gate.  A row "changes" when the observed path differs, or
 * when it was PASS/SKIP in the baseline and is FAIL or ERROR now; rows only
 * one run has are listed too.
 */
#ifndef OOMLAB_DIFF_H
#define OOMLAB_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct diff_summary {
	size_t compared;      /* scenarios in both runs */
	size_t path_changes;  /* observed path differs */
	size_t new_bad;       /* PASS/SKIP before, FAIL/ERROR now */
	size_t fixed;         /* FAIL/ERROR before, PASS now */
	size_t only_base, only_new;
};

/* Parse both results.json texts and describe the differences in out, one
 * line each.  Returns -1 (err set) when either text is not a results.json. */
int diff_results(const char *base, const char *new_, struct diff_summary *s, struct buf *out,
		 struct buf *err);

/* The gate: does this diff fail it? */
bool diff_fails(const struct diff_summary *s);

/* oomlab diff BASE NEW: two run directories (or results.json files); exit 0
 * when the gate passes, 1 when it fails, 2 on errors. */
int cmd_diff(int argc, char **argv);

#endif
