/* diff_latency.c - latency regressions beyond noise between two runs
 * (diff.h): the phases of two bench.json files (gating) and the
 * timing.workload_s of repeated scenarios in two results.json (warnings).
 *
 * The statistics are those of `oomlab bench` comparing two kernels
 * (bench_report.c bench_analyze): Mann-Whitney U (two-sided) and the
 * bootstrap CI of the ratio of medians, with its alpha, rounds and seed
 * (bench_int.h), decided by stats_decide(): a regression only when p <
 * alpha and the whole 95% interval is above 1.
 */
#include "diff_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench_int.h"
#include "cleanup.h"
#include "stats.h"

#define DIFF_MAX_SAMPLES 10000   /* values read per side and phase (untrusted files) */

struct samples {
	double *v;
	size_t n;
};

static void samples_add(struct samples *s, double x)
{
	double *g;

	if (!isfinite(x) || x < 0 || s->n >= DIFF_MAX_SAMPLES || !(g = realloc(s->v, (s->n + 1) * sizeof(*g))))
		return;
	s->v = g;
	s->v[s->n++] = x;
}

/* The comparison `oomlab bench` makes between A (base) and B (new). */
static void compare(const struct samples *a, const struct samples *b, struct bench_cmp *c)
{
	memset(c, 0, sizeof(*c));
	c->tested = a->n >= 2 && b->n >= 2;
	if (!c->tested)
		return;
	stats_mann_whitney(a->v, a->n, b->v, b->n, &c->t);
	c->have_ratio = stats_ratio_of_medians(a->v, a->n, b->v, b->n, BENCH_BOOT_ROUNDS, 0.95,
					       BENCH_SEED, &c->r);
	c->v = stats_decide(&c->t, &c->r, c->have_ratio, BENCH_ALPHA);
}

/* "median 1.20 -> 2.40 UNIT, x2.000 [1.800, 2.300], p=0.0079, n 5/5" */
static void describe(struct buf *out, const struct samples *a, const struct samples *b,
		     const struct bench_cmp *c, const char *unit)
{
	struct stats_summary sa, sb;

	stats_summarize(a->v, a->n, &sa);
	stats_summarize(b->v, b->n, &sb);
	buf_addf(out, "median %.3f -> %.3f %s, x%.3f [%.3f, %.3f], p=%.4f, n %zu/%zu", sa.median,
		 sb.median, unit, c->r.ratio, c->r.lo, c->r.hi, c->t.p, a->n, b->n);
}

static void accel_text(struct buf *out, const char *a, const char *b)
{
	a = a[0] ? a : "unknown";
	b = b[0] ? b : "unknown";
	if (strcmp(a, b))
		buf_addf(out, "accelerators %s -> %s", a, b);
	else
		buf_addf(out, "accelerator %s", a);
}

/* ---- timing.workload_s of repetitions (results.json) ---- */

static bool same_scenario(json_object *x, json_object *y)
{
	return !strcmp(diff_str(x, "scenario"), diff_str(y, "scenario")) &&
	       !strcmp(diff_str(x, "vmconfig"), diff_str(y, "vmconfig"));
}

static void workload_samples(json_object *arr, json_object *like, struct samples *s)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *row = json_object_array_get_idx(arr, i), *t, *w;

		if (!same_scenario(row, like) || !json_object_object_get_ex(row, "timing", &t) ||
		    !json_object_object_get_ex(t, "workload_s", &w) ||
		    !(json_object_is_type(w, json_type_double) || json_object_is_type(w, json_type_int)))
			continue;
		samples_add(s, json_object_get_double(w));
	}
}

/* Is arr[i] the first row of its scenario (and vmconfig) in arr? */
static bool first_of_scenario(json_object *arr, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (same_scenario(json_object_array_get_idx(arr, k), json_object_array_get_idx(arr, i)))
			return false;
	return true;
}

static void timing_one(json_object *base, json_object *new_, json_object *row,
		       struct diff_summary *s, struct buf *out)
{
	struct samples a = { 0 }, b = { 0 };
	json_object *o = NULL;
	struct bench_cmp c;

	for (size_t i = 0; !o && i < json_object_array_length(base); i++)
		if (same_scenario(json_object_array_get_idx(base, i), row))
			o = json_object_array_get_idx(base, i);
	if (o) {
		workload_samples(base, row, &a);
		workload_samples(new_, row, &b);
	}
	compare(&a, &b, &c);
	if (c.tested)
		s->timing_compared++;
	if (c.tested && c.v == STATS_REGRESSION) {
		s->timing_slower++;
		buf_addf(out, "WARN    timing %s (%s): workload_s ", diff_str(row, "scenario"),
			 diff_str(row, "vmconfig"));
		describe(out, &a, &b, &c, "s");
		buf_addstr(out, "; ");
		accel_text(out, diff_str(o, "accel"), diff_str(row, "accel"));
		buf_addstr(out, ", a warning only: guest timings are noisy\n");
	}
	free(a.v);
	free(b.v);
}

void diff_timing(json_object *base, json_object *new_, struct diff_summary *s, struct buf *out)
{
	for (size_t i = 0; i < json_object_array_length(new_); i++)
		if (first_of_scenario(new_, i))
			timing_one(base, new_, json_object_array_get_idx(new_, i), s, out);
}

/* ---- bench.json ---- */

/* The side compared: the last of "sides" (a one-kernel bench has only A;
 * a two-kernel bench's B is the one under test). */
static json_object *bench_side(json_object *doc)
{
	json_object *sides;
	size_t n;

	if (!json_object_is_type(doc, json_type_object) ||
	    !json_object_object_get_ex(doc, "sides", &sides) ||
	    !json_object_is_type(sides, json_type_array) || !(n = json_object_array_length(sides)) ||
	    !json_object_is_type(json_object_array_get_idx(sides, n - 1), json_type_object))
		return NULL;
	return json_object_array_get_idx(sides, n - 1);
}

/* side.phases_ms[phase].values_ms */
static void phase_samples(json_object *side, const char *phase, struct samples *s)
{
	json_object *ph, *p, *v;

	if (!json_object_object_get_ex(side, "phases_ms", &ph) ||
	    !json_object_object_get_ex(ph, phase, &p) || !json_object_object_get_ex(p, "values_ms", &v) ||
	    !json_object_is_type(v, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		json_object *x = json_object_array_get_idx(v, i);

		if (json_object_is_type(x, json_type_double) || json_object_is_type(x, json_type_int))
			samples_add(s, json_object_get_double(x));
	}
}

static void bench_phase(json_object *sa, json_object *sb, enum bench_phase p, struct diff_summary *s,
			struct buf *out)
{
	struct samples a = { 0 }, b = { 0 };
	struct bench_cmp c;

	phase_samples(sa, bench_phase_name(p), &a);
	phase_samples(sb, bench_phase_name(p), &b);
	compare(&a, &b, &c);
	if (c.tested)
		s->bench_phases++;
	if (c.tested && c.v == STATS_REGRESSION) {
		s->latency_regressions++;
		buf_addf(out, "LATENCY %s: ", bench_phase_name(p));
		describe(out, &a, &b, &c, "ms");
		buf_addstr(out, "; ");
		accel_text(out, diff_str(sa, "accel"), diff_str(sb, "accel"));
		buf_addch(out, '\n');
	}
	free(a.v);
	free(b.v);
}

int diff_bench(const char *base, const char *new_, struct diff_summary *s, struct buf *out,
	       struct buf *err)
{
	json_object *a = json_tokener_parse(base), *b = json_tokener_parse(new_);
	json_object *sa = bench_side(a), *sb = bench_side(b);
	int rc = 0;

	if (!sa || !sb) {
		buf_addf(err, "%s bench.json has no \"sides\" (not written by oomlab bench)",
			 !sa ? "the baseline's" : "the new run's");
		rc = -1;
	} else if (strcmp(diff_str(a, "scenario"), diff_str(b, "scenario"))) {
		buf_addf(out, "NOTE    bench.json: scenario %s in the baseline, %s now: latencies not "
			 "compared\n", diff_str(a, "scenario"), diff_str(b, "scenario"));
	} else {
		for (int p = 0; p < BP_COUNT; p++)
			bench_phase(sa, sb, (enum bench_phase)p, s, out);
		s->bench_compared = true;
	}
	json_object_put(a);
	json_object_put(b);
	return rc;
}
