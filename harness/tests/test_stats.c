/* test_stats.c - the statistics of oomlab bench (stats.h) against values
 * worked out by hand (and as R's wilcox.test(..., exact = FALSE,
 * correct = TRUE) and quantile(type = 7) give them). */
#include <math.h>

#include "stats.h"
#include "suites.h"

#define NEAR(a, b, eps) ck_assert_msg(fabs((double)(a) - (double)(b)) < (eps), "%.6f vs %.6f", (double)(a), (double)(b))

START_TEST(quantiles)
{
	const double v[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	const double shuffled[] = { 7, 3, 10, 1, 9, 2, 8, 4, 6, 5 };
	struct stats_summary m;

	NEAR(stats_quantile_sorted(v, 10, 0.5), 5.5, 1e-12);
	NEAR(stats_quantile_sorted(v, 10, 0.9), 9.1, 1e-12);   /* h = 8.1 */
	NEAR(stats_quantile_sorted(v, 10, 0.99), 9.91, 1e-12);
	NEAR(stats_quantile_sorted(v, 10, 0), 1, 1e-12);
	NEAR(stats_quantile_sorted(v, 1, 0.7), 1, 1e-12);
	stats_summarize(shuffled, 10, &m);
	ck_assert_uint_eq(m.n, 10);
	NEAR(m.min, 1, 1e-12);
	NEAR(m.max, 10, 1e-12);
	NEAR(m.median, 5.5, 1e-12);
	NEAR(m.p90, 9.1, 1e-12);
	NEAR(m.mean, 5.5, 1e-12);
	ck_assert(shuffled[0] == 7);   /* the input is not sorted in place */
	stats_summarize(v, 0, &m);
	ck_assert_uint_eq(m.n, 0);
}
END_TEST

/* Ranks: 11 b, 12 b, 16 a, 17 b, 19 a, 20 b, 22 a, 24 a, 29 a: R_a = 32,
 * U_a = 32 - 15 = 17, U_b = 3; mu = 10, sigma^2 = 20/12 * 10,
 * z = (7 - 0.5) / 4.0825 = 1.5922, p = 0.1113. */
START_TEST(mann_whitney_textbook)
{
	const double a[] = { 19, 22, 16, 29, 24 }, b[] = { 20, 11, 17, 12 };
	struct stats_mwu t;

	stats_mann_whitney(a, 5, b, 4, &t);
	NEAR(t.u_a, 17, 1e-12);
	NEAR(t.u_b, 3, 1e-12);
	NEAR(t.z, 1.5922, 1e-4);
	NEAR(t.p, 0.1113, 1e-4);
	stats_mann_whitney(b, 4, a, 5, &t);       /* symmetric */
	NEAR(t.u_a, 3, 1e-12);
	NEAR(t.p, 0.1113, 1e-4);
}
END_TEST

/* Ties: 1 a (rank 1), 2 a a b (3 each), 3 a b (5.5 each), 4 b, 5 b:
 * R_a = 12.5, U_a = 2.5; tie term 24 + 6 = 30; sigma^2 = 16/12 *
 * (9 - 30/56) = 11.2857; z = (5.5 - 0.5) / 3.3594 = 1.4884, p = 0.1366. */
START_TEST(mann_whitney_ties)
{
	const double a[] = { 1, 2, 2, 3 }, b[] = { 2, 3, 4, 5 };
	const double same[] = { 4, 4, 4 };
	struct stats_mwu t;

	stats_mann_whitney(a, 4, b, 4, &t);
	NEAR(t.u_a, 2.5, 1e-12);
	NEAR(t.u_b, 13.5, 1e-12);
	NEAR(fabs(t.z), 1.4884, 1e-4);
	NEAR(t.p, 0.1366, 1e-4);
	stats_mann_whitney(same, 3, same, 3, &t); /* no spread at all */
	NEAR(t.p, 1, 1e-12);
	stats_mann_whitney(a, 4, b, 0, &t);
	NEAR(t.p, 1, 1e-12);
}
END_TEST

START_TEST(separated_samples)
{
	const double a[] = { 1, 2, 3, 4, 5 }, b[] = { 6, 7, 8, 9, 10 };
	struct stats_mwu t;

	/* U_a = 0, mu = 12.5, sigma^2 = 25/12 * 11: z = 12 / 4.7871 = 2.5067 */
	stats_mann_whitney(a, 5, b, 5, &t);
	NEAR(t.u_a, 0, 1e-12);
	NEAR(t.p, 0.01219, 1e-4);
}
END_TEST

START_TEST(bootstrap_ratio)
{
	const double a[] = { 10, 10, 10 }, b[] = { 20, 20, 20 };
	const double x[] = { 9, 10, 11, 10.5, 9.5, 10.2, 9.8, 10.1 };
	const double y[] = { 19, 21, 20, 20.5, 19.5, 20.2, 19.8, 20.1 };
	const double neg[] = { -1, 0, 1 };
	struct stats_ratio r, r2;
	struct stats_mwu t;

	ck_assert(stats_ratio_of_medians(a, 3, b, 3, 500, 0.95, 1, &r));
	NEAR(r.ratio, 2, 1e-12);
	NEAR(r.lo, 2, 1e-12);
	NEAR(r.hi, 2, 1e-12);
	ck_assert(stats_ratio_of_medians(x, 8, y, 8, 2000, 0.95, 42, &r));
	ck_assert(r.lo <= r.ratio && r.ratio <= r.hi);
	ck_assert(r.lo > 1.8 && r.hi < 2.2);
	ck_assert(stats_ratio_of_medians(x, 8, y, 8, 2000, 0.95, 42, &r2));
	ck_assert(r.lo == r2.lo && r.hi == r2.hi);  /* same seed, same interval */
	ck_assert(!stats_ratio_of_medians(neg, 3, b, 3, 100, 0.95, 1, &r));
	stats_mann_whitney(x, 8, y, 8, &t);
	ck_assert(stats_ratio_of_medians(x, 8, y, 8, 2000, 0.95, 42, &r));
	ck_assert_int_eq(stats_decide(&t, &r, true, 0.05), STATS_REGRESSION);
	stats_mann_whitney(y, 8, x, 8, &t);
	ck_assert(stats_ratio_of_medians(y, 8, x, 8, 2000, 0.95, 42, &r));
	ck_assert_int_eq(stats_decide(&t, &r, true, 0.05), STATS_FASTER);
	stats_mann_whitney(x, 8, x, 8, &t);
	ck_assert(stats_ratio_of_medians(x, 8, x, 8, 2000, 0.95, 42, &r));
	ck_assert_int_eq(stats_decide(&t, &r, true, 0.05), STATS_SAME);
	ck_assert_str_eq(stats_verdict_text(STATS_SAME), "no significant difference");
}
END_TEST

START_TEST(rng_reproducible)
{
	uint64_t s1 = 7, s2 = 7;

	for (int i = 0; i < 100; i++)
		ck_assert(stats_rng_next(&s1) == stats_rng_next(&s2));
	s1 = 0;
	/* SplitMix64 from 0: the first output is 0xe220a8397b1dcdaf. */
	ck_assert(stats_rng_next(&s1) == 0xe220a8397b1dcdafULL);
}
END_TEST

Suite *suite_stats(void)
{
	Suite *s = suite_create("stats");
	TCase *t = tcase_create("stats");

	tcase_add_test(t, quantiles);
	tcase_add_test(t, mann_whitney_textbook);
	tcase_add_test(t, mann_whitney_ties);
	tcase_add_test(t, separated_samples);
	tcase_add_test(t, bootstrap_ratio);
	tcase_add_test(t, rng_reproducible);
	suite_add_tcase(s, t);
	return s;
}
