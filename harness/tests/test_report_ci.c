/* test_report_ci.c - KTAP and KCIDB output. */
#include <string.h>

#include <json-c/json.h>

#include "report_ci.h"
#include "suites.h"

static void make(struct result *r, const char *name, enum verdict v, const char *reason)
{
	memset(r, 0, sizeof(*r));
	observed_init(&r->obs);
	snprintf(r->scenario, sizeof(r->scenario), "%s", name);
	snprintf(r->vmconfig, sizeof(r->vmconfig), "vm1");
	snprintf(r->kernel, sizeof(r->kernel), "6.1.0-56-amd64");
	snprintf(r->accel, sizeof(r->accel), "tcg");
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	r->expected = PATH_COMMIT_REJECT;
	r->obs.path = PATH_COMMIT_REJECT;
	r->verdict = v;
	r->duration_s = 5.5;
}

START_TEST(ktap_lines)
{
	struct result r[3];
	struct buf out = BUF_INIT;

	make(&r[0], "a", VERDICT_PASS, "");
	observed_add(&r[0].obs, "line one\n1..99 injected");
	make(&r[1], "b", VERDICT_FAIL, "expected x");
	make(&r[2], "c", VERDICT_ERROR, "guest hung\nnot ok 7 fake # SKIP not\\really");
	report_ktap(r, 3, &out);
	ck_assert(!strncmp(out.s, "KTAP version 1\n", 15));
	ck_assert_ptr_nonnull(strstr(out.s, "\n1..3\n"));
	ck_assert_ptr_nonnull(strstr(out.s, "\nok 1 a\n"));
	ck_assert_ptr_nonnull(strstr(out.s, "\nnot ok 2 b\n"));
	/* no second directive: a '#' in the reason is escaped */
	ck_assert_ptr_nonnull(strstr(out.s, "\nnot ok 3 c # ERROR guest hung not ok 7 fake \\# SKIP "
				     "not\\\\really\n"));
	ck_assert_ptr_nonnull(strstr(out.s, "#   line one"));
	ck_assert_ptr_null(strstr(out.s, "\n1..99"));
	for (int i = 0; i < 3; i++)
		observed_free(&r[i].obs);
	buf_release(&out);
}
END_TEST

START_TEST(kcidb_tests)
{
	struct result r[2];
	struct buf out = BUF_INIT;
	json_object *root, *tests, *t, *v;

	make(&r[0], "a", VERDICT_PASS, "");
	r[0].oracle.present = true;
	r[0].oracle.margin_kb = -4096;
	make(&r[1], "b#2/x", VERDICT_ERROR, "hung");
	report_kcidb(r, 2, "20261122-050000", &out);
	root = json_tokener_parse(out.s);
	ck_assert_ptr_nonnull(root);
	ck_assert(json_object_object_get_ex(root, "tests", &tests));
	ck_assert_int_eq(json_object_array_length(tests), 2);
	t = json_object_array_get_idx(tests, 0);
	ck_assert(json_object_object_get_ex(t, "id", &v));
	ck_assert_str_eq(json_object_get_string(v), "oomlab:20261122-050000:a");
	ck_assert(json_object_object_get_ex(t, "path", &v));
	ck_assert_str_eq(json_object_get_string(v), "oomlab.vm1.a");
	ck_assert(json_object_object_get_ex(t, "number", &v));
	ck_assert(json_object_object_get_ex(v, "unit", &v));
	ck_assert_str_eq(json_object_get_string(v), "kB");
	t = json_object_array_get_idx(tests, 1);
	ck_assert(json_object_object_get_ex(t, "status", &v));
	ck_assert_str_eq(json_object_get_string(v), "ERROR");
	/* a test path is [.a-zA-Z0-9_-]* (KCIDB v4.4) */
	ck_assert(json_object_object_get_ex(t, "path", &v));
	ck_assert_str_eq(json_object_get_string(v), "oomlab.vm1.b_2_x");
	ck_assert(json_object_object_get_ex(root, "version", &v));
	ck_assert(json_object_object_get_ex(v, "minor", &v));
	ck_assert_int_eq(json_object_get_int(v), 4);
	json_object_put(root);
	for (int i = 0; i < 2; i++)
		observed_free(&r[i].obs);
	buf_release(&out);
}
END_TEST

Suite *suite_report_ci(void)
{
	Suite *s = suite_create("report_ci");
	TCase *tc = tcase_create("ci");

	tcase_add_test(tc, ktap_lines);
	tcase_add_test(tc, kcidb_tests);
	suite_add_tcase(s, tc);
	return s;
}
