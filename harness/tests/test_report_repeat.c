/* test_report_repeat.c - the repetitions of `oomlab run --repeat` in the
 * reports (flaky, the summary, the exit status) and the ranked-source
 * fields (decided_by, disagree, disagreement) of results.json, written and
 * read back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "report.h"
#include "suites.h"

static void rep_set(struct result *r, const char *name, const char *vm, enum verdict v,
		    enum oom_path observed)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->scenario, sizeof(r->scenario), "%s", name);
	snprintf(r->vmconfig, sizeof(r->vmconfig), "%s", vm);
	snprintf(r->accel, sizeof(r->accel), "tcg");
	snprintf(r->dir, sizeof(r->dir), "%s", name);
	observed_init(&r->obs);
	r->expected = PATH_COSTLY_ORDER_FAIL;
	r->obs.path = observed;
	r->verdict = v;
	r->duration_s = 9.5;
}

/* a@1..3 agree; b@1..2 disagree in the observed path (same verdict);
 * c is not repeated; a@1 on another vmconfig is another scenario. */
static void results_six(struct result r[6])
{
	rep_set(&r[0], "a@1", "v", VERDICT_PASS, PATH_COSTLY_ORDER_FAIL);
	rep_set(&r[1], "a@2", "v", VERDICT_PASS, PATH_COSTLY_ORDER_FAIL);
	rep_set(&r[2], "a@3", "v", VERDICT_PASS, PATH_COSTLY_ORDER_FAIL);
	rep_set(&r[3], "b@1", "v", VERDICT_FAIL, PATH_GLOBAL_OOM_KILL);
	rep_set(&r[4], "b@2", "v", VERDICT_FAIL, PATH_NO_FAILURE);
	rep_set(&r[5], "c", "v", VERDICT_PASS, PATH_COSTLY_ORDER_FAIL);
}

static void results_free(struct result *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		result_free(&r[i]);
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "key %s missing", key);
	return v;
}

START_TEST(flaky_by_verdict_or_path)
{
	struct result r[6];

	results_six(r);
	for (size_t i = 0; i < 3; i++)
		ck_assert(!report_flaky(r, 6, i));
	ck_assert(report_flaky(r, 6, 3));
	ck_assert(report_flaky(r, 6, 4));
	ck_assert(!report_flaky(r, 6, 5));                /* not a repetition */
	ck_assert(!report_flaky(r, 6, 6));                /* out of range */
	r[1].verdict = VERDICT_ERROR;                     /* a verdict differs */
	ck_assert(report_flaky(r, 6, 0));
	snprintf(r[1].vmconfig, sizeof(r[1].vmconfig), "w"); /* another vmconfig */
	ck_assert(!report_flaky(r, 6, 0));
	ck_assert(!report_flaky(r, 6, 1));               /* alone on "w" */
	ck_assert(!report_flaky(r, 3, 3));               /* only what is finished counts */
	results_free(r, 6);
}
END_TEST

START_TEST(flaky_exit_status)
{
	struct result r[6];

	results_six(r);
	r[3].verdict = r[4].verdict = VERDICT_PASS;      /* b: PASS twice, paths differ */
	ck_assert_int_eq(report_exit_status(r, 3), 0);   /* a agrees */
	ck_assert_int_eq(report_exit_status(r, 6), 1);   /* b is flaky */
	r[4].obs.path = PATH_GLOBAL_OOM_KILL;
	ck_assert_int_eq(report_exit_status(r, 6), 0);
	r[4].verdict = VERDICT_ERROR;                    /* ERROR stays 2 */
	ck_assert_int_eq(report_exit_status(r, 6), 2);
	results_free(r, 6);
}
END_TEST

static char *summary_of(const struct result *r, size_t n, bool table)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	ck_assert_ptr_nonnull(f);
	if (table)
		report_table(f, r, n);
	else
		report_repeats(f, r, n);
	fclose(f);
	return s;
}

START_TEST(summary_lines)
{
	struct result r[6];
	char *s;

	results_six(r);
	s = summary_of(r, 6, false);
	ck_assert_str_eq(s,
		"repetitions: the runs of each scenario, their verdicts and observed paths\n"
		"  a (v): 3 runs: PASS x3; observed costly_order_fail x3: agree\n"
		"  b (v): 2 runs: FAIL x2; observed no_failure x1, global_oom_kill x1: FLAKY\n"
		"1 of 2 repeated scenarios flaky (their results are marked \"flaky\" in "
		"results.json)\n");
	free(s);
	s = summary_of(&r[5], 1, false);                 /* nothing repeated: nothing */
	ck_assert_str_eq(s, "");
	free(s);
	s = summary_of(r, 3, true);                      /* the table ends with it */
	ck_assert_ptr_nonnull(strstr(s, "3 passed, 0 failed, 0 errors, 0 skipped\n"
				     "repetitions: "));
	ck_assert_ptr_nonnull(strstr(s, "0 of 1 repeated scenarios flaky\n"));
	free(s);
	results_free(r, 6);
}
END_TEST

/* "scenario" is the name, "repeat" the run; read back, a repetition is its
 * plan name again, so that --resume matches it to its plan item. */
START_TEST(json_repeat_fields)
{
	struct result r[6], *back = NULL;
	struct buf out = BUF_INIT, again = BUF_INIT, err = BUF_INIT;
	struct json_object *arr, *o;
	size_t n = 0;

	results_six(r);
	report_json(r, 6, &out);
	arr = json_tokener_parse(out.s);
	ck_assert_ptr_nonnull(arr);
	o = json_object_array_get_idx(arr, 1);
	ck_assert_str_eq(json_object_get_string(member(o, "scenario")), "a");
	ck_assert_int_eq(json_object_get_int(member(o, "repeat")), 2);
	ck_assert(json_object_is_type(member(o, "flaky"), json_type_boolean));
	ck_assert(!json_object_get_boolean(member(o, "flaky")));
	ck_assert_str_eq(json_object_get_string(member(o, "dir")), "a@2");
	ck_assert(json_object_get_boolean(member(json_object_array_get_idx(arr, 4), "flaky")));
	o = json_object_array_get_idx(arr, 5);
	ck_assert_str_eq(json_object_get_string(member(o, "scenario")), "c");
	ck_assert_ptr_null(member(o, "repeat"));
	ck_assert_ptr_null(member(o, "flaky"));
	json_object_put(arr);
	ck_assert_msg(report_load_json(out.s, out.len, &back, &n, &err) == 0, "%s", err.s);
	ck_assert_uint_eq(n, 6);
	ck_assert_str_eq(back[2].scenario, "a@3");
	ck_assert_str_eq(back[5].scenario, "c");
	report_json(back, n, &again);
	ck_assert_str_eq(out.s, again.s);
	results_free(back, n);
	free(back);
	results_free(r, 6);
	buf_release(&out);
	buf_release(&again);
	buf_release(&err);
}
END_TEST

START_TEST(json_sources_fields)
{
	struct result r[2], *back = NULL;
	struct buf out = BUF_INIT, again = BUF_INIT, err = BUF_INIT;
	struct json_object *arr, *o;
	size_t n = 0;

	rep_set(&r[0], "x", "v", VERDICT_PASS, PATH_COSTLY_ORDER_FAIL);
	snprintf(r[0].obs.decided_by, sizeof(r[0].obs.decided_by), "trace");
	r[0].obs.disagree = true;
	snprintf(r[0].obs.disagreement, sizeof(r[0].obs.disagreement),
		 "trace: no OOM; kernel log: \"invoked oom-killer\"");
	rep_set(&r[1], "y", "v", VERDICT_PASS, PATH_NO_FAILURE);
	report_json(r, 2, &out);
	arr = json_tokener_parse(out.s);
	ck_assert_ptr_nonnull(arr);
	o = json_object_array_get_idx(arr, 0);
	ck_assert_str_eq(json_object_get_string(member(o, "decided_by")), "trace");
	ck_assert(json_object_get_boolean(member(o, "disagree")));
	ck_assert_str_eq(json_object_get_string(member(o, "disagreement")),
			 "trace: no OOM; kernel log: \"invoked oom-killer\"");
	o = json_object_array_get_idx(arr, 1);
	ck_assert_ptr_null(member(o, "decided_by"));
	ck_assert(json_object_is_type(member(o, "disagree"), json_type_boolean));
	ck_assert(!json_object_get_boolean(member(o, "disagree")));
	ck_assert_ptr_null(member(o, "disagreement"));
	json_object_put(arr);
	ck_assert_msg(report_load_json(out.s, out.len, &back, &n, &err) == 0, "%s", err.s);
	ck_assert_str_eq(back[0].obs.decided_by, "trace");
	ck_assert(back[0].obs.disagree && !back[1].obs.disagree);
	ck_assert_str_eq(back[0].obs.disagreement, r[0].obs.disagreement);
	ck_assert_str_eq(back[1].obs.decided_by, "");
	report_json(back, n, &again);
	ck_assert_str_eq(out.s, again.s);
	results_free(back, n);
	free(back);
	results_free(r, 2);
	buf_release(&out);
	buf_release(&again);
	buf_release(&err);
}
END_TEST

static const struct {
	const char *doc, *want;
} bad_docs[] = {
	{ "[{\"scenario\": \"a@2\", \"vmconfig\": \"v\", \"verdict\": \"PASS\"}]",
	  "entry 1: \"scenario\": holds '@'" },
	{ "[{\"scenario\": \"a\", \"repeat\": 0, \"vmconfig\": \"v\", \"verdict\": \"PASS\"}]",
	  "entry 1: \"repeat\": out of range" },
	{ "[{\"scenario\": \"a\", \"repeat\": 100, \"vmconfig\": \"v\", \"verdict\": \"PASS\"}]",
	  "\"repeat\": out of range" },
	{ "[{\"scenario\": \"a\", \"repeat\": \"2\", \"vmconfig\": \"v\", \"verdict\": \"PASS\"}]",
	  "\"repeat\": not an integer" },
	{ "[{\"scenario\": \"a\", \"flaky\": 1, \"vmconfig\": \"v\", \"verdict\": \"PASS\"}]",
	  "\"flaky\": not true or false" },
	{ "[{\"scenario\": \"a\", \"decided_by\": \"guess\", \"vmconfig\": \"v\", \"verdict\": \"PASS\"}]",
	  "\"decided_by\": not trace, log, counter, errno or null" },
	{ "[{\"scenario\": \"a\", \"disagree\": \"yes\", \"vmconfig\": \"v\", \"verdict\": \"PASS\"}]",
	  "\"disagree\": not true or false" },
	{ "[{\"scenario\": \"a\", \"disagreement\": 3, \"vmconfig\": \"v\", \"verdict\": \"PASS\"}]",
	  "\"disagreement\": not a string" },
	{ "[{\"scenario\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\", "
	  "\"repeat\": 2, \"vmconfig\": \"v\", \"verdict\": \"PASS\"}]",
	  "\"scenario\": too long to be repeated" },
};

START_TEST(load_rejects)
{
	struct result *r = NULL;
	struct buf err = BUF_INIT;
	size_t n = 7;

	ck_assert_int_eq(report_load_json(bad_docs[_i].doc, strlen(bad_docs[_i].doc), &r, &n, &err),
			 -1);
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(n, 0);
	ck_assert_msg(strstr(err.s, bad_docs[_i].want), "'%s' lacks '%s'", err.s, bad_docs[_i].want);
	buf_release(&err);
}
END_TEST

Suite *suite_report_repeat(void)
{
	Suite *s = suite_create("report_repeat");
	TCase *tc = tcase_create("repeat");

	tcase_add_test(tc, flaky_by_verdict_or_path);
	tcase_add_test(tc, flaky_exit_status);
	tcase_add_test(tc, summary_lines);
	tcase_add_test(tc, json_repeat_fields);
	tcase_add_test(tc, json_sources_fields);
	tcase_add_loop_test(tc, load_rejects, 0, (int)(sizeof(bad_docs) / sizeof(bad_docs[0])));
	suite_add_tcase(s, tc);
	return s;
}
