/* test_diff.c - the CI gate between two runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diff.h"
#include "report.h"
#include "suites.h"

#define ROW(name, path, verdict) \
	"{\"scenario\":\"" name "\",\"verdict\":\"" verdict "\",\"reason\":\"r\"," \
	"\"observed\":{\"path\":\"" path "\"}}"

START_TEST(same_runs_pass)
{
	const char *a = "[" ROW("x", "commit_reject", "PASS") "," ROW("y", "no_failure", "PASS") "]";
	struct diff_summary s;
	struct buf out = BUF_INIT, err = BUF_INIT;

	ck_assert_int_eq(diff_results(a, a, &s, &out, &err), 0);
	ck_assert_uint_eq(s.compared, 2);
	ck_assert(!diff_fails(&s));
	ck_assert_uint_eq(out.len, 0);
	buf_release(&out);
	buf_release(&err);
}
END_TEST

START_TEST(changes_fail_the_gate)
{
	const char *a = "[" ROW("x", "commit_reject", "PASS") "," ROW("y", "no_failure", "PASS") ","
			ROW("z", "global_oom_kill", "FAIL") "," ROW("gone", "no_failure", "PASS") "]";
	const char *b = "[" ROW("x", "allocating_task_kill", "FAIL") "," ROW("y", "no_failure", "ERROR") ","
			ROW("z", "global_oom_kill", "PASS") "," ROW("new", "no_failure", "PASS") "]";
	struct diff_summary s;
	struct buf out = BUF_INIT, err = BUF_INIT;

	ck_assert_int_eq(diff_results(a, b, &s, &out, &err), 0);
	ck_assert_uint_eq(s.compared, 3);
	ck_assert_uint_eq(s.path_changes, 1);
	ck_assert_uint_eq(s.new_bad, 2);
	ck_assert_uint_eq(s.fixed, 1);
	ck_assert_uint_eq(s.only_new, 1);
	ck_assert_uint_eq(s.only_base, 1);
	ck_assert(diff_fails(&s));
	ck_assert_ptr_nonnull(strstr(out.s, "PATH    x: commit_reject -> allocating_task_kill (PASS -> FAIL)"));
	ck_assert_ptr_nonnull(strstr(out.s, "NEW ERROR y: r"));
	ck_assert_ptr_nonnull(strstr(out.s, "FIXED   z: FAIL -> PASS"));
	ck_assert_ptr_nonnull(strstr(out.s, "MISSING gone"));
	ck_assert_ptr_nonnull(strstr(out.s, "ADDED   new: PASS"));
	buf_release(&out);
	buf_release(&err);
}
END_TEST

START_TEST(garbage_is_an_error)
{
	struct diff_summary s;
	struct buf out = BUF_INIT, err = BUF_INIT;

	ck_assert_int_eq(diff_results("{\"not\":\"an array\"}", "[]", &s, &out, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.s, "the baseline is not a results.json"));
	buf_reset(&err);
	ck_assert_int_eq(diff_results("[]", "\x01\x02", &s, &out, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.s, "the new run is not a results.json"));
	buf_release(&out);
	buf_release(&err);
}
END_TEST

/* The gate of `oomlab run --baseline`: run directories, the rows named. */
START_TEST(gate_on_directories)
{
	char dir[] = "/tmp/oomlab-test-diff-XXXXXX", base[64], new_[64], path[96];
	const char *a = "[" ROW("x", "global_oom_kill", "PASS") "," ROW("y", "no_failure", "PASS") "]";
	const char *b = "[" ROW("x", "allocating_task_kill", "FAIL") "," ROW("y", "no_failure", "PASS") "]";
	struct buf err = BUF_INIT, text = BUF_INIT;
	FILE *f = tmpfile();

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(base, sizeof(base), "%s/base", dir);
	snprintf(new_, sizeof(new_), "%s/new", dir);
	ck_assert_int_eq(mkdir(base, 0755), 0);
	ck_assert_int_eq(mkdir(new_, 0755), 0);
	ck_assert_int_eq(diff_check_base(base, &err), -1); /* no results.json yet */
	ck_assert_ptr_nonnull(strstr(err.s, "/base/results.json: cannot read"));
	buf_reset(&err);
	snprintf(path, sizeof(path), "%s/results.json", base);
	ck_assert_int_eq(write_file_atomic(path, a, strlen(a), &err), 0);
	snprintf(path, sizeof(path), "%s/results.json", new_);
	ck_assert_int_eq(write_file_atomic(path, b, strlen(b), &err), 0);
	ck_assert_int_eq(diff_check_base(base, &err), 0);
	ck_assert_int_eq(diff_gate(base, base, f, &err), 0);
	ck_assert_int_eq(diff_gate(base, new_, f, &err), 1);
	rewind(f);
	buf_grow(&text, 4096);
	buf_setlen(&text, fread(text.s, 1, 4095, f));
	ck_assert_ptr_nonnull(strstr(text.s, "2 compared: 0 path changes, 0 new FAIL/ERROR, 0 fixed, 0 "
				     "added, 0 missing; gate passes\n"));
	ck_assert_ptr_nonnull(strstr(text.s, "PATH    x: global_oom_kill -> allocating_task_kill "
				     "(PASS -> FAIL)\n"));
	ck_assert_ptr_nonnull(strstr(text.s, "gate FAILS\n"));
	ck_assert_ptr_null(strstr(text.s, " y:"));
	ck_assert_int_eq(diff_gate(base, "/nonexistent", f, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.s, "/nonexistent: cannot read"));
	fclose(f);
	unlink(path);
	snprintf(path, sizeof(path), "%s/results.json", base);
	unlink(path);
	rmdir(base);
	rmdir(new_);
	rmdir(dir);
	buf_release(&err);
	buf_release(&text);
}
END_TEST

/* ---- latency ---- */

/* A repetition row with its workload_s. */
static void rep_row(struct buf *b, const char *name, int k, double w)
{
	buf_addf(b, "%s{\"scenario\":\"%s\",\"repeat\":%d,\"vmconfig\":\"v\",\"accel\":\"tcg\","
		 "\"verdict\":\"PASS\",\"reason\":\"\",\"observed\":{\"path\":\"no_failure\"},"
		 "\"timing\":{\"boot\":\"pvh\",\"ready_s\":0.5,\"workload_s\":%.3f}}",
		 b->len > 1 ? "," : "", name, k, w);
}

static void rep_run(struct buf *b, const double *w, size_t n)
{
	buf_reset(b);
	buf_addch(b, '[');
	for (size_t i = 0; i < n; i++)
		rep_row(b, "hog", (int)i + 1, w[i]);
	buf_addch(b, ']');
}

/* --repeat runs: equal and noisy-but-equal timings are nothing; a clearly
 * slower one is a warning naming the accelerator, and never fails the gate. */
START_TEST(repeat_timing_warns)
{
	static const double base[] = { 2.00, 2.05, 1.98, 2.02, 2.01, 1.99 };
	static const double noisy[] = { 1.60, 2.60, 1.90, 2.40, 2.10, 1.80 };
	static const double slow[] = { 3.10, 3.00, 3.20, 3.05, 2.95, 3.15 };
	struct buf a = BUF_INIT, b = BUF_INIT, out = BUF_INIT, err = BUF_INIT;
	struct diff_summary s;

	rep_run(&a, base, 6);
	ck_assert_int_eq(diff_results(a.s, a.s, &s, &out, &err), 0);
	ck_assert_uint_eq(s.timing_compared, 1);
	ck_assert_uint_eq(s.timing_slower, 0);
	rep_run(&b, noisy, 6);
	ck_assert_int_eq(diff_results(a.s, b.s, &s, &out, &err), 0);
	ck_assert_uint_eq(s.timing_compared, 1);
	ck_assert_uint_eq(s.timing_slower, 0);
	ck_assert_uint_eq(out.len, 0);
	rep_run(&b, slow, 6);
	ck_assert_int_eq(diff_results(a.s, b.s, &s, &out, &err), 0);
	ck_assert_uint_eq(s.timing_slower, 1);
	ck_assert(!diff_fails(&s));
	ck_assert_ptr_nonnull(strstr(out.s, "WARN    timing hog (v): workload_s median 2.005 -> 3.075 s, "
				     "x1.534 ["));
	ck_assert_ptr_nonnull(strstr(out.s, "n 6/6; accelerator tcg, a warning only"));
	/* faster is not a warning; a single run per side is not tested */
	buf_reset(&out);
	ck_assert_int_eq(diff_results(b.s, a.s, &s, &out, &err), 0);
	ck_assert_uint_eq(s.timing_slower, 0);
	rep_run(&a, base, 1);
	rep_run(&b, slow, 1);
	ck_assert_int_eq(diff_results(a.s, b.s, &s, &out, &err), 0);
	ck_assert_uint_eq(s.timing_compared, 0);
	buf_release(&a);
	buf_release(&b);
	buf_release(&out);
	buf_release(&err);
}
END_TEST

/* A bench.json as bench_write_json writes it (the keys diff reads): one
 * side, every phase with the same values scaled by f[phase]. */
static void bench_doc(struct buf *b, const char *scenario, const double *v, size_t n, double slow_total)
{
	static const char *const phases[] = { "stall->invoke", "invoke->select", "select->exit",
					      "exit->reaped", "stall->recover", "total" };

	buf_reset(b);
	buf_addf(b, "{\"scenario\":\"%s\",\"alpha\":0.05,\"sides\":[{\"label\":\"x\",\"accel\":\"tcg\","
		 "\"phases_ms\":{", scenario);
	for (size_t p = 0; p < 6; p++) {
		buf_addf(b, "%s\"%s\":{\"n\":%zu,\"values_ms\":[", p ? "," : "", phases[p], n);
		for (size_t i = 0; i < n; i++)
			buf_addf(b, "%s%.3f", i ? "," : "", v[i] * (p == 5 ? slow_total : 1));
		buf_addstr(b, "]}");
	}
	buf_addstr(b, "}}]}");
}

START_TEST(bench_latency_regression)
{
	static const double base[] = { 10.0, 10.4, 9.8, 10.1, 10.3, 9.9, 10.2, 10.0 };
	static const double noisy[] = { 7.0, 13.5, 9.0, 12.0, 8.5, 11.5, 10.5, 9.5 };
	struct buf a = BUF_INIT, b = BUF_INIT, out = BUF_INIT, err = BUF_INIT;
	struct diff_summary s;

	bench_doc(&a, "bench-global-anon", base, 8, 1);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(diff_bench(a.s, a.s, &s, &out, &err), 0);
	ck_assert(s.bench_compared);
	ck_assert_uint_eq(s.bench_phases, 6);
	ck_assert_uint_eq(s.latency_regressions, 0);
	bench_doc(&b, "bench-global-anon", noisy, 8, 1);
	ck_assert_int_eq(diff_bench(a.s, b.s, &s, &out, &err), 0);
	ck_assert_uint_eq(s.latency_regressions, 0);
	ck_assert(!diff_fails(&s));
	ck_assert_uint_eq(out.len, 0);
	bench_doc(&b, "bench-global-anon", base, 8, 1.8);   /* total 80% slower */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(diff_bench(a.s, b.s, &s, &out, &err), 0);
	ck_assert_uint_eq(s.latency_regressions, 1);
	ck_assert(diff_fails(&s));
	ck_assert_ptr_nonnull(strstr(out.s, "LATENCY total: median 10.050 -> 18.090 ms, x1.800 ["));
	ck_assert_ptr_nonnull(strstr(out.s, "n 8/8; accelerator tcg\n"));
	ck_assert_ptr_null(strstr(out.s, "LATENCY stall->invoke"));
	/* another scenario: a note, nothing compared; not a bench.json: an error */
	buf_reset(&out);
	memset(&s, 0, sizeof(s));
	bench_doc(&b, "bench-memcg", base, 8, 1.8);
	ck_assert_int_eq(diff_bench(a.s, b.s, &s, &out, &err), 0);
	ck_assert(!s.bench_compared);
	ck_assert_ptr_nonnull(strstr(out.s, "NOTE    bench.json: scenario bench-global-anon in the "
				     "baseline, bench-memcg now"));
	ck_assert_int_eq(diff_bench(a.s, "[1,2]", &s, &out, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.s, "the new run's bench.json has no \"sides\""));
	buf_release(&a);
	buf_release(&b);
	buf_release(&out);
	buf_release(&err);
}
END_TEST

/* `oomlab diff` on two bench directories (bench.json, no results.json). */
START_TEST(gate_on_bench_directories)
{
	static const double base[] = { 10.0, 10.4, 9.8, 10.1, 10.3, 9.9, 10.2, 10.0 };
	char dir[] = "/tmp/oomlab-test-diffb-XXXXXX", path[128];
	struct buf a = BUF_INIT, b = BUF_INIT, err = BUF_INIT, text = BUF_INIT;
	FILE *f = tmpfile();

	ck_assert_ptr_nonnull(mkdtemp(dir));
	bench_doc(&a, "bench-global-anon", base, 8, 1);
	bench_doc(&b, "bench-global-anon", base, 8, 2);
	tmp_put(dir, "base/bench.json", a.s, 0644);
	tmp_put(dir, "same/bench.json", a.s, 0644);
	tmp_put(dir, "slow/bench.json", b.s, 0644);
	snprintf(path, sizeof(path), "%s/base", dir);
	{
		char same[128], slow[128];

		snprintf(same, sizeof(same), "%s/same", dir);
		snprintf(slow, sizeof(slow), "%s/slow", dir);
		ck_assert_int_eq(diff_gate(path, same, f, &err), 0);
		ck_assert_int_eq(diff_gate(path, slow, f, &err), 1);
	}
	rewind(f);
	buf_grow(&text, 8192);
	buf_setlen(&text, fread(text.s, 1, 8191, f));
	ck_assert_ptr_nonnull(strstr(text.s, "bench.json: 6 phases compared, 0 latency regressions\n"
				     "gate passes\n"));
	ck_assert_ptr_nonnull(strstr(text.s, "LATENCY total: "));
	ck_assert_ptr_nonnull(strstr(text.s, "bench.json: 6 phases compared, 1 latency regressions\n"
				     "gate FAILS\n"));
	ck_assert_ptr_null(strstr(text.s, "compared: 0 path changes"));
	fclose(f);
	tmp_rm_tree(dir);
	buf_release(&a);
	buf_release(&b);
	buf_release(&err);
	buf_release(&text);
}
END_TEST

Suite *suite_diff(void)
{
	Suite *s = suite_create("diff");
	TCase *tc = tcase_create("diff");

	tcase_add_test(tc, same_runs_pass);
	tcase_add_test(tc, changes_fail_the_gate);
	tcase_add_test(tc, garbage_is_an_error);
	tcase_add_test(tc, gate_on_directories);
	tcase_add_test(tc, repeat_timing_warns);
	tcase_add_test(tc, bench_latency_regression);
	tcase_add_test(tc, gate_on_bench_directories);
	suite_add_tcase(s, tc);
	return s;
}
