/* diff.h - compare two runs (results.json of a baseline and of a new run):
 * the kernel-CI gate.  A row "changes" when the observed path differs, or
 * when it was PASS/SKIP in the baseline and is FAIL or ERROR now; rows only
 * one run has are listed too.  A scenario whose new run has kernel log
 * lines the parsers no longer recognise ("log_unrecognised" > 0, klog.h
 * klog_unrecognised) when the baseline's had none is a log format change.
 * Latency (diff_latency.c): the phases of two bench.json files, and the
 * timing.workload_s of scenarios repeated (--repeat) in both runs, with
 * the statistics of `oomlab bench` (stats.h).
 */
#ifndef OOMLAB_DIFF_H
#define OOMLAB_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "buf.h"

struct diff_summary {
	size_t compared;      /* scenarios in both runs */
	size_t path_changes;  /* observed path differs */
	size_t new_bad;       /* PASS/SKIP before, FAIL/ERROR now */
	size_t fixed;         /* FAIL/ERROR before, PASS now */
	size_t only_base, only_new;
	size_t log_format;    /* scenarios with newly unrecognised kernel log lines */
	size_t timing_compared, timing_slower; /* repeated scenarios; slower: warnings */
	bool bench_compared;  /* both had bench.json of the same scenario */
	size_t bench_phases, latency_regressions; /* phases tested; significantly slower */
};

/* Parse both results.json texts and describe the differences in out, one
 * line each.  Returns -1 (err set) when either text is not a results.json. */
int diff_results(const char *base, const char *new_, struct diff_summary *s, struct buf *out,
		 struct buf *err);

/* Two bench.json texts (`oomlab bench`): per phase, the values of the last
 * side of each ("sides"[-1]: A of a one-kernel bench, B of a two-kernel
 * one) compared as `oomlab bench` compares two kernels; a phase is a
 * regression ("LATENCY" line in out) when Mann-Whitney p < 0.05 and the
 * 95% bootstrap interval of the ratio of medians lies above 1.  A note and
 * nothing compared when the scenarios differ; -1 (err set) when either
 * text has no "sides". */
int diff_bench(const char *base, const char *new_, struct diff_summary *s, struct buf *out,
	       struct buf *err);

/* The gate: does this diff fail it?  Path changes, new FAIL/ERROR rows,
 * log format changes and bench latency regressions; never the
 * timing.workload_s warnings. */
bool diff_fails(const struct diff_summary *s);

/* The gate of `oomlab diff` and `oomlab run --baseline`: base and new_ are
 * run directories or results.json files.  Prints the changed rows and a
 * summary line to f; returns 0 when the gate passes, 1 when it fails, -1
 * (err set, naming the file) when either cannot be read.  When both are
 * directories holding bench.json, the benches are compared too (and two
 * bench directories without results.json are compared on that alone). */
int diff_gate(const char *base, const char *new_, FILE *f, struct buf *err);
/* Is base (a run directory or results.json) a baseline diff_gate can read?
 * 0, or -1 with err set.  For --baseline, checked before the run starts. */
int diff_check_base(const char *base, struct buf *err);

/* oomlab diff BASE NEW: two run directories (or results.json files); exit 0
 * when the gate passes, 1 when it fails, 2 on errors. */
int cmd_diff(int argc, char **argv);

#endif
