/* test_resume.c - what --resume reads back: results.json (every key, a
 * round trip to the same document; hostile documents refused with the entry
 * and key named) and run.json. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "report.h"
#include "resume.h"
#include "suites.h"

static void result_one(struct result *r, const char *name, enum verdict v)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->scenario, sizeof(r->scenario), "%s", name);
	snprintf(r->vmconfig, sizeof(r->vmconfig), "mode2");
	snprintf(r->accel, sizeof(r->accel), "tcg");
	snprintf(r->dir, sizeof(r->dir), "%s", name);
	observed_init(&r->obs);
	r->verdict = v;
	r->duration_s = 8.125;
}

/* Every field report_json writes, with hostile text in the guest's strings. */
static void results_rich(struct result r[3])
{
	result_one(&r[0], "commit", VERDICT_PASS);
	snprintf(r[0].kernel, sizeof(r[0].kernel), "6.1.0-56-amd64");
	r[0].expected = r[0].declared = PATH_COMMIT_REJECT;
	r[0].oracle.present = true;
	r[0].oracle.path = PATH_COMMIT_REJECT;
	r[0].oracle.margin_kb = -65536;
	r[0].oracle.tolerance_kb = 128;
	snprintf(r[0].oracle.why, sizeof(r[0].oracle.why), "mode 2: 1 > 0");
	r[0].obs.path = PATH_COMMIT_REJECT;
	r[0].obs.err_no = 12;
	observed_add(&r[0].obs, "mmap failed with ENOMEM");
	result_one(&r[1], "oom", VERDICT_FAIL);
	r[1].expected = PATH_HEURISTIC_REJECT;
	r[1].oracle_disagrees = true;
	r[1].obs.path = PATH_GLOBAL_OOM_KILL;
	r[1].obs.signal = 9;
	r[1].obs.order = 0;
	r[1].obs.victim_pid = 77;
	snprintf(r[1].obs.victim_comm, sizeof(r[1].obs.victim_comm), "a\"<b>&\xc3\xa9");
	snprintf(r[1].obs.constraint, sizeof(r[1].obs.constraint), "CONSTRAINT_NONE");
	for (int i = 0; i < OBS_MAX_EVIDENCE + 3; i++)
		observed_add(&r[1].obs, "sentence %d \\ \"quoted\"", i);
	snprintf(r[1].reason, sizeof(r[1].reason), "expected heuristic_reject, observed global_oom_kill");
	result_one(&r[2], "hang", VERDICT_ERROR);
	r[2].duration_s = -1;
	snprintf(r[2].reason, sizeof(r[2].reason), "VM problem: no output");
	snprintf(r[2].console_tail, sizeof(r[2].console_tail), "[ 1.0] line one\n\tline two \xe2\x82\xac");
}

START_TEST(results_round_trip)
{
	struct result r[3], *back = NULL;
	struct buf a = BUF_INIT, b = BUF_INIT, err = BUF_INIT;
	size_t n = 0;

	results_rich(r);
	report_json(r, 3, &a);
	ck_assert_msg(report_load_json(a.s, a.len, &back, &n, &err) == 0, "%s", err.s);
	ck_assert_uint_eq(n, 3);
	report_json(back, n, &b);
	ck_assert_str_eq(a.s, b.s);
	ck_assert_str_eq(back[1].obs.victim_comm, "a\"<b>&\xc3\xa9");
	ck_assert_int_eq(back[1].obs.victim_pid, 77);
	ck_assert_uint_eq(back[1].obs.nevidence, OBS_MAX_EVIDENCE);
	ck_assert_str_eq(back[2].console_tail, "[ 1.0] line one\n\tline two \xe2\x82\xac");
	ck_assert(back[2].duration_s < 0);
	ck_assert(back[0].oracle.present && back[0].oracle.margin_kb == -65536);
	for (size_t i = 0; i < 3; i++) {
		result_free(&r[i]);
		result_free(&back[i]);
	}
	free(back);
	buf_release(&a);
	buf_release(&b);
	buf_release(&err);
}
END_TEST

static const struct {
	const char *doc, *want;
} bad_docs[] = {
	{ "", "results.json: not JSON" },
	{ "{}", "results.json: not an array of results" },
	{ "[] []", "results.json: data after the array" },
	{ "[1]", "results.json: entry 1: not an object" },
	{ "[{\"vmconfig\": \"v\", \"verdict\": \"PASS\"}]", "entry 1: \"scenario\": missing" },
	{ "[{\"scenario\": \"s\", \"vmconfig\": \"v\", \"verdict\": \"MAYBE\"}]",
	  "entry 1: \"verdict\": not PASS, FAIL, ERROR or SKIP" },
	{ "[{\"scenario\": \"s\", \"vmconfig\": \"v\", \"verdict\": \"PASS\"},"
	  " {\"scenario\": 5, \"vmconfig\": \"v\", \"verdict\": \"PASS\"}]",
	  "entry 2: \"scenario\": not a string" },
	{ "[{\"scenario\": \"s\", \"vmconfig\": \"v\", \"verdict\": \"PASS\", "
	  "\"observed\": {\"path\": \"teleported\"}}]", "\"path\": not a path name" },
	{ "[{\"scenario\": \"s\", \"vmconfig\": \"v\", \"verdict\": \"PASS\", "
	  "\"evidence\": [\"a\", 3]}]", "\"evidence\": holds something else than strings" },
	{ "[{\"scenario\": \"s\", \"vmconfig\": \"v\", \"verdict\": \"PASS\", "
	  "\"observed\": {\"errno\": 99999999999}}]", "\"errno\": out of range" },
	{ "[{\"scenario\": \"\", \"vmconfig\": \"v\", \"verdict\": \"PASS\"}]", "\"scenario\": empty" },
};

START_TEST(results_hostile)
{
	struct result *r = (struct result *)1;
	struct buf err = BUF_INIT;
	size_t n = 7;

	ck_assert_int_eq(report_load_json(bad_docs[_i].doc, strlen(bad_docs[_i].doc), &r, &n, &err), -1);
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(n, 0);
	ck_assert_msg(strstr(err.s, bad_docs[_i].want), "'%s' lacks '%s'", err.s, bad_docs[_i].want);
	buf_release(&err);
}
END_TEST

/* Oversized and control-laden strings are cut and cleaned, never overflow. */
START_TEST(results_long_strings)
{
	struct buf doc = BUF_INIT, err = BUF_INIT;
	struct result *r = NULL;
	size_t n = 0;

	buf_addstr(&doc, "[{\"scenario\": \"");
	for (int i = 0; i < 5000; i++)
		buf_addstr(&doc, "\\u00e9x\\u0001");
	buf_addstr(&doc, "\", \"vmconfig\": \"v\", \"verdict\": \"ERROR\", \"console_tail\": \"");
	for (int i = 0; i < 5000; i++)
		buf_addstr(&doc, "ab\\n\\u0000");
	buf_addstr(&doc, "\"}]");
	ck_assert_msg(report_load_json(doc.s, doc.len, &r, &n, &err) == 0, "%s", err.s);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_lt(strlen(r[0].scenario), sizeof(r[0].scenario));
	ck_assert(!strncmp(r[0].scenario, "\xc3\xa9x?\xc3\xa9x?", 8));
	ck_assert_str_eq(r[0].console_tail, "ab\n"); /* a NUL ends a JSON string for us */
	result_free(&r[0]);
	free(r);
	buf_release(&doc);
	buf_release(&err);
}
END_TEST

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

START_TEST(run_record_round_trip)
{
	char dir[] = "/tmp/oomlab-test-resume-XXXXXX";
	char *sel[] = { "tag:smoke", "vm:mode*" }, *sc[] = { "a", "b", "c" };
	struct run_record w = { .selectors = sel, .nsel = 2, .kernel = "/k/bzImage",
				.append = "quiet", .config = "/cfg", .shard = "1/2", .watchdog_s = 7,
				.accel = ACCEL_KVM, .accel_reason = "kvm: requested",
				.release = "6.12.1", .scenarios = sc, .nsc = 3 };
	struct run_record r;
	struct buf err = BUF_INIT;
	struct result *res = (struct result *)1;
	size_t n = 9;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_msg(run_record_write(dir, &w, &err) == 0, "%s", err.s);
	ck_assert_msg(run_record_read(dir, &r, &err) == 0, "%s", err.s);
	ck_assert_uint_eq(r.nsel, 2);
	ck_assert_str_eq(r.selectors[1], "vm:mode*");
	ck_assert_str_eq(r.kernel, "/k/bzImage");
	ck_assert_ptr_null(r.modules);
	ck_assert_str_eq(r.append, "quiet");
	ck_assert_str_eq(r.shard, "1/2");
	ck_assert_uint_eq(r.watchdog_s, 7);
	ck_assert_int_eq(r.accel, ACCEL_KVM);
	ck_assert_str_eq(r.release, "6.12.1");
	ck_assert_uint_eq(r.nsc, 3);
	ck_assert_str_eq(r.scenarios[2], "c");
	run_record_free(&r);
	/* No results.json yet: nothing finished. */
	ck_assert_int_eq(resume_results(dir, &res, &n, &err), 0);
	ck_assert_ptr_null(res);
	ck_assert_uint_eq(n, 0);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	buf_release(&err);
}
END_TEST

static const struct {
	const char *doc, *want;
} bad_records[] = {
	{ NULL, "run.json: cannot read: No such file or directory (is " },
	{ "[]", "run.json: not the JSON object an oomlab run writes" },
	{ "{\"version\": 2}", "\"version\": not 1" },
	{ "{\"version\": 1, \"selectors\": [1], \"scenarios\": []}", "\"selectors\": not a list of strings" },
	{ "{\"version\": 1, \"selectors\": [], \"scenarios\": [], \"config\": \"/c\", "
	  "\"release\": \"r\", \"accel\": \"auto\"}", "\"accel\": not tcg or kvm" },
	{ "{\"version\": 1, \"selectors\": [], \"scenarios\": [], \"config\": \"/c\\u0000x\", "
	  "\"release\": \"r\", \"accel\": \"tcg\"}", "\"config\": holds a NUL byte" },
	{ "{\"version\": 1, \"selectors\": [], \"scenarios\": [], \"release\": \"r\", "
	  "\"accel\": \"tcg\"}", "\"config\": missing" },
};

START_TEST(run_record_hostile)
{
	char dir[] = "/tmp/oomlab-test-resume-XXXXXX", path[64];
	struct run_record r;
	struct buf err = BUF_INIT;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	if (bad_records[_i].doc) {
		snprintf(path, sizeof(path), "%s/run.json", dir);
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fputs(bad_records[_i].doc, f);
		fclose(f);
	}
	ck_assert_int_eq(run_record_read(dir, &r, &err), -1);
	ck_assert_msg(strstr(err.s, bad_records[_i].want), "'%s' lacks '%s'", err.s,
		      bad_records[_i].want);
	ck_assert_ptr_null(r.selectors);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	buf_release(&err);
}
END_TEST

START_TEST(tail_copy)
{
	char out[8];

	report_tail_copy(out, sizeof(out), "a\nb\x01\xff\tc", 8);
	ck_assert_str_eq(out, "a\nb??\tc");
	report_tail_copy(out, sizeof(out), "abcde\xe2\x82\xac", 8);
	ck_assert_str_eq(out, "abcde"); /* the euro sign does not fit whole */
	report_tail_copy(out, sizeof(out), "\xe2\x82", 2); /* cut sequence */
	ck_assert_str_eq(out, "??");
	report_tail_copy(out, sizeof(out), "xy\0zz", 5);
	ck_assert_str_eq(out, "xy");
}
END_TEST

/* The console tail is guest text: escaped in JUnit, valid in JSON, shown in
 * the table (its last lines). */
START_TEST(tail_in_reports)
{
	struct result r;
	struct buf xml = BUF_INIT, json = BUF_INIT;
	char *table = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&table, &len);

	result_one(&r, "hang", VERDICT_ERROR);
	snprintf(r.reason, sizeof(r.reason), "VM problem");
	snprintf(r.console_tail, sizeof(r.console_tail),
		 "one\ntwo <b>&amp;\x01\x1b[31m\nthree\nfour\nfive\nsix ]]>\n");
	report_junit(&r, 1, "s", &xml);
	ck_assert_ptr_nonnull(strstr(xml.s, "<system-err>console tail:\none\ntwo &lt;b&gt;&amp;amp;"
					    "??[31m\n"));
	ck_assert_ptr_nonnull(strstr(xml.s, "six ]]&gt;"));
	ck_assert_ptr_null(strchr(xml.s, '\x01'));
	report_json(&r, 1, &json);
	ck_assert_ptr_nonnull(strstr(json.s, "\"console_tail\": \"one\\ntwo <b>&amp;??[31m\\nthree"));
	ck_assert_ptr_nonnull(f);
	report_table(f, &r, 1);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(table, "  console, last lines:\n  | two <b>&amp;??[31m\n  | three\n"
					    "  | four\n  | five\n  | six ]]>\n"));
	ck_assert_ptr_null(strstr(table, "| one"));
	free(table);
	result_free(&r);
	buf_release(&xml);
	buf_release(&json);
}
END_TEST

Suite *suite_resume(void)
{
	Suite *s = suite_create("resume");
	TCase *t = tcase_create("resume");

	tcase_add_test(t, results_round_trip);
	tcase_add_loop_test(t, results_hostile, 0, (int)ARRAY_SIZE(bad_docs));
	tcase_add_test(t, results_long_strings);
	tcase_add_test(t, run_record_round_trip);
	tcase_add_loop_test(t, run_record_hostile, 0, (int)ARRAY_SIZE(bad_records));
	tcase_add_test(t, tail_copy);
	tcase_add_test(t, tail_in_reports);
	suite_add_tcase(s, t);
	return s;
}
