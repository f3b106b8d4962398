/* bench_int.h - the analysis of `oomlab bench` shared by cmd_bench.c,
 * bench_report.c (loading runs, statistics, bench.json, the table) and
 * bench_html.c (the HTML report). */
#ifndef OOMLAB_BENCH_INT_H
#define OOMLAB_BENCH_INT_H

#include <stdio.h>

#include "bench.h"
#include "buf.h"
#include "stats.h"

#define BENCH_SIDES      2
#define BENCH_MAX_REPS   1000
#define BENCH_ALPHA      0.05
#define BENCH_BOOT_ROUNDS 2000
#define BENCH_SEED       0x6f6f6d6c6162ULL   /* "oomlab": fixed, reports are reproducible */

struct bench_side {
	char dir[4096];             /* OUT/a or OUT/b */
	char label[160];
	char scenario[64], kernel[96], vmconfig[64], accel[16];
	struct bench_rep *rep;      /* one per repetition that left records */
	size_t nrep, nrun;          /* loaded, attempted */
	size_t no_event;            /* repetitions without an OOM kill */
	double *val[BP_COUNT];      /* the first event of each repetition, ms */
	size_t nval[BP_COUNT];
	struct stats_summary sum[BP_COUNT];
};

struct bench_cmp {
	struct stats_mwu t;
	struct stats_ratio r;
	bool have_ratio, tested;
	enum stats_verdict v;
};

struct bench_result {
	char scenario[64];
	struct bench_side side[BENCH_SIDES];
	size_t nsides;
	struct bench_cmp cmp[BP_COUNT];
	size_t rep_side, rep_index; /* the representative event: total nearest A's median */
	bool have_rep;
};

/* bench_report.c */
/* Load side s from its directory (rep-NN/results.json and the records of
 * the scenario named there).  -1 with err when nothing is usable. */
int bench_side_load(struct bench_side *s, struct buf *err);
void bench_analyze(struct bench_result *r);
void bench_result_free(struct bench_result *r);
void bench_print_table(FILE *f, const struct bench_result *r);
int bench_write_json(const struct bench_result *r, const char *path, struct buf *err);

/* bench_html.c: the self-contained report (inline SVG, no script, no
 * network), guest text escaped. */
void bench_html(const struct bench_result *r, struct buf *out);
/* Helpers exported for the tests. */
void bench_svg_text(struct buf *out, double x, double y, const char *anchor, const char *text);

#endif
