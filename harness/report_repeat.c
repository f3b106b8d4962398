/* report_repeat.c - the repetitions of `oomlab run --repeat` in the reports
 * (report.h): which results are flaky, and the summary after the table.
 *
 * A repetition's result is named "NAME@k" (plan.h plan_repeat); the runs of
 * one scenario are the results with the same base name and vmconfig.  They
 * agree when every finished run had the same verdict and the same observed
 * path; results.json marks each of them "flaky" otherwise. */
#include "report.h"

#include <string.h>

#include "plan.h"

/* The same scenario (base name) on the same vmconfig, both repetitions. */
static bool same_scenario(const struct result *a, const struct result *b)
{
	unsigned ra, rb;
	size_t la = plan_rep_split(a->scenario, &ra), lb = plan_rep_split(b->scenario, &rb);

	return ra && rb && la == lb && !strncmp(a->scenario, b->scenario, la) &&
	       !strcmp(a->vmconfig, b->vmconfig);
}

static bool differ(const struct result *a, const struct result *b)
{
	return a->verdict != b->verdict || a->obs.path != b->obs.path;
}

bool report_flaky(const struct result *r, size_t n, size_t i)
{
	unsigned rep;

	if (i >= n)
		return false;
	plan_rep_split(r[i].scenario, &rep);
	if (!rep)
		return false;
	for (size_t j = 0; j < n; j++)
		if (j != i && same_scenario(&r[i], &r[j]) && differ(&r[i], &r[j]))
			return true;
	return false;
}

/* Counts of one scenario's runs by verdict and by observed path. */
struct tally {
	size_t runs;
	size_t verdicts[VERDICT_SKIP + 1];
	size_t paths[PATH_COUNT];
};

static void tally(const struct result *r, size_t n, size_t first, struct tally *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t j = first; j < n; j++) {
		if (j != first && !same_scenario(&r[first], &r[j]))
			continue;
		t->runs++;
		if ((unsigned)r[j].verdict <= VERDICT_SKIP)
			t->verdicts[r[j].verdict]++;
		if ((unsigned)r[j].obs.path < PATH_COUNT)
			t->paths[r[j].obs.path]++;
	}
}

/* Whether r[i] is the first run of its scenario in r[0..n). */
static bool first_run(const struct result *r, size_t i)
{
	unsigned rep;

	plan_rep_split(r[i].scenario, &rep);
	if (!rep)
		return false;
	for (size_t j = 0; j < i; j++)
		if (same_scenario(&r[i], &r[j]))
			return false;
	return true;
}

/* "PASS x5" or "PASS x4, FAIL x1"; returns how many kinds there were. */
static unsigned print_counts(FILE *f, const size_t *count, size_t kinds, bool verdicts)
{
	unsigned shown = 0;

	for (size_t k = 0; k < kinds; k++) {
		if (!count[k])
			continue;
		fprintf(f, "%s%s x%zu", shown ? ", " : "",
			verdicts ? verdict_name((enum verdict)k) : path_name((enum oom_path)k), count[k]);
		shown++;
	}
	return shown;
}

void report_repeats(FILE *f, const struct result *r, size_t n)
{
	size_t scenarios = 0, flaky = 0;

	for (size_t i = 0; i < n; i++) {
		struct tally t;
		unsigned rep, kinds;
		size_t len = plan_rep_split(r[i].scenario, &rep);

		if (!first_run(r, i))
			continue;
		if (!scenarios++)
			fprintf(f, "repetitions: the runs of each scenario, their verdicts and observed "
				"paths\n");
		tally(r, n, i, &t);
		fprintf(f, "  %.*s (%.*s): %zu run%s: ", (int)len, r[i].scenario,
			(int)strnlen(r[i].vmconfig, sizeof(r[i].vmconfig)), r[i].vmconfig, t.runs,
			t.runs == 1 ? "" : "s");
		kinds = print_counts(f, t.verdicts, VERDICT_SKIP + 1, true);
		fputs("; observed ", f);
		kinds += print_counts(f, t.paths, PATH_COUNT, false);
		fprintf(f, ": %s\n", kinds > 2 ? "FLAKY" : "agree");
		flaky += kinds > 2;
	}
	if (scenarios)
		fprintf(f, "%zu of %zu repeated scenarios flaky%s\n", flaky, scenarios,
			flaky ? " (their results are marked \"flaky\" in results.json)" : "");
}
