/* stats.h - the statistics of `oomlab bench`: pure functions, no state.
 *
 * Hand-rolled (GSL has quantiles and the normal CDF but no Mann-Whitney
 * test, and pulling it in for a quantile is not worth a dependency): the
 * normal tail comes from libm's erfc.
 */
#ifndef OOMLAB_STATS_H
#define OOMLAB_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Quantile q (0..1) of sorted[0..n-1], linear interpolation between order
 * statistics (Hyndman and Fan type 7, R's default): h = (n-1)q. n > 0. */
double stats_quantile_sorted(const double *sorted, size_t n, double q);

struct stats_summary {
	size_t n;
	double min, median, p90, p99, max, mean;
};
/* Summary of v[0..n-1] (copied and sorted; v is not changed).  n == 0:
 * everything 0. */
void stats_summarize(const double *v, size_t n, struct stats_summary *out);

/* Mann-Whitney U test of a against b, two-sided, normal approximation
 * with tie correction and continuity correction:
 *   U_a = R_a - n_a(n_a+1)/2 (R_a: rank sum of a in the pooled sample,
 *   ties get their mean rank), mu = n_a n_b / 2,
 *   sigma^2 = n_a n_b / 12 * ((N+1) - sum(t^3 - t) / (N(N-1))),
 *   z = (|U_a - mu| - 1/2) / sigma, p = erfc(z / sqrt 2).
 * p is 1 when sigma is 0 (all values equal) or a sample is empty. */
struct stats_mwu {
	double u_a, u_b;   /* u_a + u_b = n_a n_b */
	double z, p;
};
void stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
			struct stats_mwu *out);

/* A reproducible generator for the bootstrap (SplitMix64, Steele et al.
 * 2014): the state is the caller's. */
uint64_t stats_rng_next(uint64_t *state);

/* median(b) / median(a) and its percentile bootstrap confidence interval
 * at level (0.95): `rounds` resamples of each sample with replacement from
 * the seed.  false when a median is not positive (a ratio means nothing). */
struct stats_ratio {
	double ratio, lo, hi;
};
bool stats_ratio_of_medians(const double *a, size_t na, const double *b, size_t nb,
			    unsigned rounds, double level, uint64_t seed, struct stats_ratio *out);

/* The decision: REGRESSION (b slower) only when p < alpha and the whole
 * interval is above 1, FASTER when p < alpha and the interval is below 1;
 * anything else is within the noise. */
enum stats_verdict { STATS_SAME, STATS_REGRESSION, STATS_FASTER, STATS_UNKNOWN };
enum stats_verdict stats_decide(const struct stats_mwu *t, const struct stats_ratio *r,
				bool have_ratio, double alpha);
const char *stats_verdict_text(enum stats_verdict v);

#endif
