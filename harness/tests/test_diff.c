/* test_diff.c - the CI gate between two runs. */
#include <string.h>

#include "diff.h"
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

Suite *suite_diff(void)
{
	Suite *s = suite_create("diff");
	TCase *tc = tcase_create("diff");

	tcase_add_test(tc, same_runs_pass);
	tcase_add_test(tc, changes_fail_the_gate);
	tcase_add_test(tc, garbage_is_an_error);
	suite_add_tcase(s, tc);
	return s;
}
