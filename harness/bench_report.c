/* bench_report.c - loading the repetitions of `oomlab bench`, statistics,
 * bench.json and the text table (bench_int.h). */
#include "bench_int.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cleanup.h"
#include "report.h"

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : NULL;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The rep-* directories of dir, sorted; caller frees. */
static size_t rep_dirs(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t n = 0;

	*out = NULL;
	if (!d)
		return 0;
	while ((e = readdir(d)) && n < BENCH_MAX_REPS) {
		char **g;

		if (strncmp(e->d_name, "rep-", 4) || !(g = realloc(v, (n + 1) * sizeof(*v))))
			continue;
		v = g;
		if ((v[n] = strdup(e->d_name)))
			n++;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmp_name);
	*out = v;
	return n;
}

/* rep/results.json: the first row names scenario, vmconfig, kernel, accel
 * and the directory holding records.jsonl. */
static int load_one(struct bench_side *s, const char *rep, struct buf *err)
{
	_cleanup_buf_ struct buf path = BUF_INIT;
	json_object *res, *row;
	const char *dir;
	int rc = -1;

	buf_addf(&path, "%s/%s/results.json", s->dir, rep);
	res = json_object_from_file(path.s);
	row = json_object_is_type(res, json_type_array) && json_object_array_length(res) ?
	      json_object_array_get_idx(res, 0) : NULL;
	if (!row || !(dir = jstr(row, "dir")) || strchr(dir, '/') || !strcmp(dir, "..")) {
		buf_addf(err, "%s: not a results.json with a row naming its \"dir\"\n", path.s);
		json_object_put(res);
		return -1;
	}
	snprintf(s->kernel, sizeof(s->kernel), "%s", jstr(row, "kernel") ? jstr(row, "kernel") : "");
	snprintf(s->vmconfig, sizeof(s->vmconfig), "%s",
		 jstr(row, "vmconfig") ? jstr(row, "vmconfig") : "");
	snprintf(s->accel, sizeof(s->accel), "%s", jstr(row, "accel") ? jstr(row, "accel") : "");
	snprintf(s->scenario, sizeof(s->scenario), "%s",
		 jstr(row, "scenario") ? jstr(row, "scenario") : "");
	buf_reset(&path);
	buf_addf(&path, "%s/%s/%s/records.jsonl", s->dir, rep, dir);
	if (bench_load(path.s, &s->rep[s->nrep], err) == 0) {
		s->nrep++;
		rc = 0;
	} else {
		buf_addch(err, '\n');
	}
	json_object_put(res);
	return rc;
}

int bench_side_load(struct bench_side *s, struct buf *err)
{
	char **reps;
	size_t n = rep_dirs(s->dir, &reps);

	s->rep = calloc(n ? n : 1, sizeof(*s->rep));
	s->nrun = n;
	for (size_t i = 0; i < n; i++) {
		if (s->rep)
			load_one(s, reps[i], err);
		free(reps[i]);
	}
	free(reps);
	if (!s->nrep) {
		buf_addf(err, "%s: no repetition (rep-NN/results.json with records) to analyse\n", s->dir);
		return -1;
	}
	if (!s->label[0])
		snprintf(s->label, sizeof(s->label), "%s on %s", s->kernel, s->vmconfig);
	return 0;
}

static void side_values(struct bench_side *s)
{
	for (int p = 0; p < BP_COUNT; p++) {
		s->val[p] = calloc(s->nrep ? s->nrep : 1, sizeof(double));
		s->nval[p] = 0;
	}
	s->no_event = 0;
	for (size_t i = 0; i < s->nrep; i++) {
		if (!s->rep[i].nev) {
			s->no_event++;
			continue;
		}
		for (int p = 0; p < BP_COUNT; p++) {
			double v = bench_phase_ms(&s->rep[i].ev[0], (enum bench_phase)p);

			if (!isnan(v) && s->val[p])
				s->val[p][s->nval[p]++] = v;
		}
	}
	for (int p = 0; p < BP_COUNT; p++)
		stats_summarize(s->val[p], s->nval[p], &s->sum[p]);
}

/* The repetition of side 0 whose total is nearest its median. */
static void pick_representative(struct bench_result *r)
{
	const struct bench_side *s = &r->side[0];
	double best = INFINITY;

	r->have_rep = false;
	for (size_t i = 0; i < s->nrep; i++) {
		double v;

		if (!s->rep[i].nev || isnan(v = bench_phase_ms(&s->rep[i].ev[0], BP_TOTAL)))
			continue;
		if (fabs(v - s->sum[BP_TOTAL].median) < best) {
			best = fabs(v - s->sum[BP_TOTAL].median);
			r->rep_side = 0;
			r->rep_index = i;
			r->have_rep = true;
		}
	}
}

void bench_analyze(struct bench_result *r)
{
	for (size_t k = 0; k < r->nsides; k++)
		side_values(&r->side[k]);
	pick_representative(r);
	if (r->nsides < 2)
		return;
	for (int p = 0; p < BP_COUNT; p++) {
		const struct bench_side *a = &r->side[0], *b = &r->side[1];
		struct bench_cmp *c = &r->cmp[p];

		c->tested = a->nval[p] >= 2 && b->nval[p] >= 2;
		if (!c->tested)
			continue;
		stats_mann_whitney(a->val[p], a->nval[p], b->val[p], b->nval[p], &c->t);
		c->have_ratio = stats_ratio_of_medians(a->val[p], a->nval[p], b->val[p], b->nval[p],
						       BENCH_BOOT_ROUNDS, 0.95, BENCH_SEED, &c->r);
		c->v = stats_decide(&c->t, &c->r, c->have_ratio, BENCH_ALPHA);
	}
}

void bench_result_free(struct bench_result *r)
{
	for (size_t k = 0; k < r->nsides; k++) {
		struct bench_side *s = &r->side[k];

		for (size_t i = 0; i < s->nrep; i++)
			bench_rep_free(&s->rep[i]);
		free(s->rep);
		for (int p = 0; p < BP_COUNT; p++)
			free(s->val[p]);
		memset(s, 0, sizeof(*s));
	}
}

void bench_print_table(FILE *f, const struct bench_result *r)
{
	for (size_t k = 0; k < r->nsides; k++) {
		const struct bench_side *s = &r->side[k];

		fprintf(f, "%c: %s (%zu of %zu repetitions with an OOM kill, accelerator %s)\n",
			(int)('A' + k), s->label, s->nrep - s->no_event, s->nrun, s->accel);
		fprintf(f, "  %-15s %4s %9s %9s %9s %9s %9s\n", "PHASE (ms)", "N", "MIN", "MEDIAN",
			"P90", "P99", "MAX");
		for (int p = 0; p < BP_COUNT; p++) {
			const struct stats_summary *m = &s->sum[p];

			if (!m->n) {
				fprintf(f, "  %-15s %4d %9s\n", bench_phase_name((enum bench_phase)p), 0, "-");
				continue;
			}
			fprintf(f, "  %-15s %4zu %9.2f %9.2f %9.2f %9.2f %9.2f\n",
				bench_phase_name((enum bench_phase)p), m->n, m->min, m->median, m->p90,
				m->p99, m->max);
		}
	}
	if (r->nsides < 2)
		return;
	fprintf(f, "B vs A: ratio of medians (95%% bootstrap CI), Mann-Whitney U two-sided p\n");
	for (int p = 0; p < BP_COUNT; p++) {
		const struct bench_cmp *c = &r->cmp[p];

		if (!c->tested) {
			fprintf(f, "  %-15s not tested (fewer than 2 values on a side)\n",
				bench_phase_name((enum bench_phase)p));
			continue;
		}
		if (c->have_ratio)
			fprintf(f, "  %-15s %6.3f [%6.3f, %6.3f]  p=%.4f  %s\n",
				bench_phase_name((enum bench_phase)p), c->r.ratio, c->r.lo, c->r.hi, c->t.p,
				stats_verdict_text(c->v));
		else
			fprintf(f, "  %-15s %6s %18s  p=%.4f  %s\n", bench_phase_name((enum bench_phase)p),
				"-", "", c->t.p, stats_verdict_text(c->v));
	}
	fprintf(f, "verdict (total): %s\n", r->cmp[BP_TOTAL].tested ?
		stats_verdict_text(r->cmp[BP_TOTAL].v) : "not tested");
}

/* ---- bench.json ---- */

static json_object *num(double v)
{
	return isnan(v) ? NULL : json_object_new_double(v);
}

static json_object *summary_json(const struct stats_summary *m)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "n", json_object_new_int64((int64_t)m->n));
	json_object_object_add(o, "min", m->n ? num(m->min) : NULL);
	json_object_object_add(o, "median", m->n ? num(m->median) : NULL);
	json_object_object_add(o, "p90", m->n ? num(m->p90) : NULL);
	json_object_object_add(o, "p99", m->n ? num(m->p99) : NULL);
	json_object_object_add(o, "max", m->n ? num(m->max) : NULL);
	return o;
}

static json_object *event_json(const struct bench_event *e)
{
	json_object *o = json_object_new_object(), *v = json_object_new_array();

	json_object_object_add(o, "t_stall", num(e->t_stall));
	json_object_object_add(o, "stall_own", json_object_new_boolean(e->stall_own));
	json_object_object_add(o, "t_invoke", num(e->t_invoke));
	json_object_object_add(o, "t_select", num(e->t_select));
	json_object_object_add(o, "t_exit", num(e->t_exit));
	json_object_object_add(o, "t_reaped", num(e->t_reaped));
	json_object_object_add(o, "t_recover", num(e->t_recover));
	json_object_object_add(o, "invoker", json_object_new_int(e->invoker));
	json_object_object_add(o, "invoker_comm", json_object_new_string(e->invoker_comm));
	for (size_t k = 0; k < e->nvictims; k++)
		json_object_array_add(v, json_object_new_int(e->victim[k]));
	json_object_object_add(o, "victims", v);
	return o;
}

static json_object *side_json(const struct bench_side *s)
{
	json_object *o = json_object_new_object(), *ph = json_object_new_object();
	json_object *reps = json_object_new_array();

	json_object_object_add(o, "label", json_object_new_string(s->label));
	json_object_object_add(o, "kernel", json_object_new_string(s->kernel));
	json_object_object_add(o, "vmconfig", json_object_new_string(s->vmconfig));
	json_object_object_add(o, "accel", json_object_new_string(s->accel));
	json_object_object_add(o, "repetitions", json_object_new_int64((int64_t)s->nrun));
	json_object_object_add(o, "without_oom_event", json_object_new_int64((int64_t)s->no_event));
	for (int p = 0; p < BP_COUNT; p++) {
		json_object *ps = summary_json(&s->sum[p]), *vals = json_object_new_array();

		for (size_t i = 0; i < s->nval[p]; i++)
			json_object_array_add(vals, json_object_new_double(s->val[p][i]));
		json_object_object_add(ps, "values_ms", vals);
		json_object_object_add(ph, bench_phase_name((enum bench_phase)p), ps);
	}
	json_object_object_add(o, "phases_ms", ph);
	for (size_t i = 0; i < s->nrep; i++) {
		json_object *ev = json_object_new_array();

		for (size_t k = 0; k < s->rep[i].nev; k++)
			json_object_array_add(ev, event_json(&s->rep[i].ev[k]));
		json_object_array_add(reps, ev);
	}
	json_object_object_add(o, "events", reps);
	return o;
}

static json_object *cmp_json(const struct bench_result *r)
{
	json_object *o = json_object_new_object();

	for (int p = 0; p < BP_COUNT; p++) {
		const struct bench_cmp *c = &r->cmp[p];
		json_object *x = json_object_new_object();

		json_object_object_add(x, "tested", json_object_new_boolean(c->tested));
		json_object_object_add(x, "ratio_of_medians", c->have_ratio ? num(c->r.ratio) : NULL);
		json_object_object_add(x, "ci95_lo", c->have_ratio ? num(c->r.lo) : NULL);
		json_object_object_add(x, "ci95_hi", c->have_ratio ? num(c->r.hi) : NULL);
		json_object_object_add(x, "mann_whitney_u", c->tested ? num(c->t.u_a) : NULL);
		json_object_object_add(x, "z", c->tested ? num(c->t.z) : NULL);
		json_object_object_add(x, "p", c->tested ? num(c->t.p) : NULL);
		json_object_object_add(x, "verdict", json_object_new_string(c->tested ?
				       stats_verdict_text(c->v) : "not tested"));
		json_object_object_add(o, bench_phase_name((enum bench_phase)p), x);
	}
	return o;
}

int bench_write_json(const struct bench_result *r, const char *path, struct buf *err)
{
	json_object *o = json_object_new_object(), *sides = json_object_new_array();
	const char *text;
	int rc;

	json_object_object_add(o, "scenario", json_object_new_string(r->scenario));
	json_object_object_add(o, "clock", json_object_new_string("guest CLOCK_MONOTONIC (trace_clock mono)"));
	json_object_object_add(o, "alpha", json_object_new_double(BENCH_ALPHA));
	json_object_object_add(o, "bootstrap_rounds", json_object_new_int(BENCH_BOOT_ROUNDS));
	for (size_t k = 0; k < r->nsides; k++)
		json_object_array_add(sides, side_json(&r->side[k]));
	json_object_object_add(o, "sides", sides);
	json_object_object_add(o, "comparison", r->nsides > 1 ? cmp_json(r) : NULL);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	rc = write_file_atomic(path, text, strlen(text), err);
	json_object_put(o);
	return rc;
}
