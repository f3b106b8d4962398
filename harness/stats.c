/* stats.c - see stats.h */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

double stats_quantile_sorted(const double *sorted, size_t n, double q)
{
	double h, lo;
	size_t i;

	if (n == 1 || q <= 0)
		return sorted[0];
	if (q >= 1)
		return sorted[n - 1];
	h = (double)(n - 1) * q;
	lo = floor(h);
	i = (size_t)lo;
	return sorted[i] + (h - lo) * (sorted[i + 1] - sorted[i]);
}

void stats_summarize(const double *v, size_t n, struct stats_summary *out)
{
	double *s, sum = 0;

	memset(out, 0, sizeof(*out));
	if (!n || !(s = malloc(n * sizeof(*s))))
		return;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += s[i];
	out->n = n;
	out->min = s[0];
	out->max = s[n - 1];
	out->median = stats_quantile_sorted(s, n, 0.5);
	out->p90 = stats_quantile_sorted(s, n, 0.9);
	out->p99 = stats_quantile_sorted(s, n, 0.99);
	out->mean = sum / (double)n;
	free(s);
}

struct tagged {
	double v;
	int from_a;
};

static int cmp_tagged(const void *x, const void *y)
{
	return cmp_double(&((const struct tagged *)x)->v, &((const struct tagged *)y)->v);
}

/* Rank sum of a's values in the pooled sample (mean ranks for ties) and
 * sum(t^3 - t) over the groups of ties. */
static void rank_sum(struct tagged *all, size_t n, double *ra, double *ties)
{
	*ra = 0;
	*ties = 0;
	qsort(all, n, sizeof(*all), cmp_tagged);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		double rank, t;

		while (j + 1 < n && all[j + 1].v == all[i].v)
			j++;
		rank = ((double)i + (double)j) / 2 + 1;   /* ranks i+1 .. j+1 */
		t = (double)(j - i + 1);
		*ties += t * t * t - t;
		for (size_t k = i; k <= j; k++)
			if (all[k].from_a)
				*ra += rank;
		i = j + 1;
	}
}

void stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
			struct stats_mwu *out)
{
	size_t n = na + nb;
	struct tagged *all;
	double ra, ties, mu, var, nn = (double)n;

	memset(out, 0, sizeof(*out));
	out->p = 1;
	if (!na || !nb || !(all = malloc(n * sizeof(*all))))
		return;
	for (size_t i = 0; i < na; i++)
		all[i] = (struct tagged){ a[i], 1 };
	for (size_t i = 0; i < nb; i++)
		all[na + i] = (struct tagged){ b[i], 0 };
	rank_sum(all, n, &ra, &ties);
	free(all);
	out->u_a = ra - (double)na * ((double)na + 1) / 2;
	out->u_b = (double)na * (double)nb - out->u_a;
	mu = (double)na * (double)nb / 2;
	var = (double)na * (double)nb / 12 * ((nn + 1) - ties / (nn * (nn - 1)));
	if (var <= 0)
		return;
	out->z = fmax(fabs(out->u_a - mu) - 0.5, 0) / sqrt(var);
	if (out->u_a < mu)
		out->z = -out->z;
	out->p = erfc(fabs(out->z) / sqrt(2.0));
}

uint64_t stats_rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double median_of(const double *v, size_t n, double *scratch)
{
	memcpy(scratch, v, n * sizeof(*v));
	qsort(scratch, n, sizeof(*scratch), cmp_double);
	return stats_quantile_sorted(scratch, n, 0.5);
}

static double resampled_median(const double *v, size_t n, double *scratch, uint64_t *rng)
{
	for (size_t i = 0; i < n; i++)
		scratch[i] = v[stats_rng_next(rng) % n];
	qsort(scratch, n, sizeof(*scratch), cmp_double);
	return stats_quantile_sorted(scratch, n, 0.5);
}

bool stats_ratio_of_medians(const double *a, size_t na, const double *b, size_t nb,
			    unsigned rounds, double level, uint64_t seed, struct stats_ratio *out)
{
	size_t big = na > nb ? na : nb;
	double *scratch, *ratios;
	double ma, mb;
	uint64_t rng = seed;
	unsigned k = 0;

	memset(out, 0, sizeof(*out));
	if (!na || !nb || !rounds || !(scratch = malloc(big * sizeof(*scratch))))
		return false;
	ma = median_of(a, na, scratch);
	mb = median_of(b, nb, scratch);
	if (ma <= 0 || mb <= 0 || !(ratios = malloc(rounds * sizeof(*ratios)))) {
		free(scratch);
		return false;
	}
	out->ratio = mb / ma;
	for (unsigned r = 0; r < rounds; r++) {
		double ra = resampled_median(a, na, scratch, &rng);
		double rb = resampled_median(b, nb, scratch, &rng);

		if (ra > 0 && rb > 0)
			ratios[k++] = rb / ra;
	}
	free(scratch);
	if (!k) {
		free(ratios);
		return false;
	}
	qsort(ratios, k, sizeof(*ratios), cmp_double);
	out->lo = stats_quantile_sorted(ratios, k, (1 - level) / 2);
	out->hi = stats_quantile_sorted(ratios, k, 1 - (1 - level) / 2);
	free(ratios);
	return true;
}

enum stats_verdict stats_decide(const struct stats_mwu *t, const struct stats_ratio *r,
				bool have_ratio, double alpha)
{
	if (!have_ratio)
		return t->p < alpha ? STATS_UNKNOWN : STATS_SAME;
	if (t->p < alpha && r->lo > 1)
		return STATS_REGRESSION;
	if (t->p < alpha && r->hi < 1)
		return STATS_FASTER;
	return STATS_SAME;
}

const char *stats_verdict_text(enum stats_verdict v)
{
	switch (v) {
	case STATS_REGRESSION: return "regression (B slower, beyond noise)";
	case STATS_FASTER: return "improvement (B faster, beyond noise)";
	case STATS_UNKNOWN: return "distributions differ (no ratio: a median is not positive)";
	default: return "no significant difference";
	}
}
