/* test_report.c - results.json, junit.xml, the table, atomic writes and the
 * progress line. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fiu.h>
#include <fiu-control.h>
#include <json-c/json.h>

#include "suites.h"
#include "report.h"

static void result_set(struct result *r, const char *scenario, enum oom_path expected,
		       enum oom_path observed, enum verdict v, double secs)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->scenario, sizeof(r->scenario), "%s", scenario);
	snprintf(r->vmconfig, sizeof(r->vmconfig), "small");
	snprintf(r->kernel, sizeof(r->kernel), "6.1.0-56-amd64");
	snprintf(r->accel, sizeof(r->accel), "tcg");
	snprintf(r->dir, sizeof(r->dir), "%s", scenario);
	r->expected = expected;
	observed_init(&r->obs);
	r->obs.path = observed;
	r->verdict = v;
	r->duration_s = secs;
}

/* Four results: PASS (a reject), FAIL (an OOM kill), ERROR, SKIP. */
static void results_four(struct result r[4])
{
	result_set(&r[0], "mode0-heuristic-reject", PATH_HEURISTIC_REJECT, PATH_HEURISTIC_REJECT,
		   VERDICT_PASS, 8.1234);
	r[0].obs.err_no = 12;
	observed_add(&r[0].obs, "mmap of 314572800 bytes failed with ENOMEM (errno 12)");
	result_set(&r[1], "memcg-oom", PATH_HEURISTIC_REJECT, PATH_MEMCG_OOM_KILL, VERDICT_FAIL, 30);
	r[1].obs.signal = 9;
	r[1].obs.order = 0;
	r[1].obs.victim_pid = 93;
	snprintf(r[1].obs.victim_comm, sizeof(r[1].obs.victim_comm), "oomwl");
	snprintf(r[1].obs.constraint, sizeof(r[1].obs.constraint), "CONSTRAINT_MEMCG");
	observed_add(&r[1].obs, "vmstat oom_kill +1");
	observed_add(&r[1].obs, "memory.events oom_kill +1");
	snprintf(r[1].reason, sizeof(r[1].reason),
		 "expected heuristic_reject, observed memcg_oom_kill: vmstat oom_kill +1");
	result_set(&r[2], "global-oom", PATH_GLOBAL_OOM_KILL, PATH_UNKNOWN, VERDICT_ERROR, 301.5);
	r[2].kernel[0] = '\0';
	snprintf(r[2].reason, sizeof(r[2].reason), "VM problem: QEMU timed out after 300 s");
	result_set(&r[3], "oom-panic", PATH_OOM_PANIC, PATH_UNKNOWN, VERDICT_SKIP, 0);
	snprintf(r[3].reason, sizeof(r[3].reason), "needs KVM");
}

static void results_free(struct result *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		observed_free(&r[i].obs);
}

/* ---- results.json ---- */

static struct json_object *parse_strict(const char *s)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)strlen(s));
	ck_assert_msg(json_tokener_get_error(tok) == json_tokener_success, "bad JSON: %s",
		      json_tokener_error_desc(json_tokener_get_error(tok)));
	json_tokener_free(tok);
	return o;
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "key %s missing", key);
	return v;
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	ck_assert_msg(json_object_is_type(v, json_type_string), "%s is not a string", key);
	return json_object_get_string(v);
}

static int get_int(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	ck_assert_msg(json_object_is_type(v, json_type_int), "%s is not an int", key);
	return json_object_get_int(v);
}

static void check_pass_row(struct json_object *o)
{
	struct json_object *obs = get(o, "observed"), *ev = get(o, "evidence");

	ck_assert_int_eq(json_object_object_length(o), 20);
	ck_assert_int_eq(get_int(o, "log_unrecognised"), 0); /* every kernel line parsed */
	ck_assert_ptr_null(get(o, "log_unrecognised_first"));
	ck_assert_ptr_null(get(o, "repeat"));       /* not a repetition */
	ck_assert_ptr_null(get(o, "flaky"));
	ck_assert_ptr_null(get(o, "decided_by"));   /* no source named */
	ck_assert(!json_object_get_boolean(get(o, "disagree")));
	ck_assert_ptr_null(get(o, "disagreement"));
	ck_assert(json_object_object_get_ex(o, "console_tail", &ev) && !ev); /* null for PASS */
	ev = get(o, "evidence");
	ck_assert_str_eq(get_str(o, "scenario"), "mode0-heuristic-reject");
	ck_assert_str_eq(get_str(o, "vmconfig"), "small");
	ck_assert_str_eq(get_str(o, "kernel"), "6.1.0-56-amd64");
	ck_assert_str_eq(get_str(o, "accel"), "tcg");
	ck_assert_str_eq(get_str(get(o, "expected"), "path"), "heuristic_reject");
	ck_assert_int_eq(json_object_object_length(obs), 6);
	ck_assert_str_eq(get_str(obs, "path"), "heuristic_reject");
	ck_assert_int_eq(get_int(obs, "errno"), 12);
	ck_assert_ptr_null(get(obs, "signal"));
	ck_assert_ptr_null(get(obs, "order"));
	ck_assert_ptr_null(get(obs, "constraint"));
	ck_assert_ptr_null(get(obs, "victim"));
	ck_assert_str_eq(get_str(o, "verdict"), "PASS");
	ck_assert_str_eq(get_str(o, "reason"), "");
	ck_assert_int_eq((int)json_object_array_length(ev), 1);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(ev, 0)),
			 "mmap of 314572800 bytes failed with ENOMEM (errno 12)");
	ck_assert(json_object_is_type(get(o, "duration_s"), json_type_double));
	ck_assert_double_eq_tol(json_object_get_double(get(o, "duration_s")), 8.123, 1e-9);
	ck_assert_str_eq(get_str(o, "dir"), "mode0-heuristic-reject");
}

static void check_fail_row(struct json_object *o)
{
	struct json_object *obs = get(o, "observed"), *victim = get(obs, "victim");

	ck_assert_str_eq(get_str(o, "verdict"), "FAIL");
	ck_assert_str_eq(get_str(obs, "path"), "memcg_oom_kill");
	ck_assert_ptr_null(get(obs, "errno"));
	ck_assert_int_eq(get_int(obs, "signal"), 9);
	ck_assert_int_eq(get_int(obs, "order"), 0);
	ck_assert_str_eq(get_str(obs, "constraint"), "CONSTRAINT_MEMCG");
	ck_assert_int_eq(json_object_object_length(victim), 2);
	ck_assert_int_eq(get_int(victim, "pid"), 93);
	ck_assert_str_eq(get_str(victim, "comm"), "oomwl");
	ck_assert_str_eq(get_str(o, "reason"),
			 "expected heuristic_reject, observed memcg_oom_kill: vmstat oom_kill +1");
	ck_assert_int_eq((int)json_object_array_length(get(o, "evidence")), 2);
	ck_assert_double_eq_tol(json_object_get_double(get(o, "duration_s")), 30.0, 1e-9);
}

START_TEST(json_round_trip)
{
	struct result r[4];
	struct buf out = BUF_INIT;
	struct json_object *arr, *err;

	results_four(r);
	report_json(r, 4, &out);
	ck_assert_ptr_nonnull(strstr(out.s, "\n  {"));   /* pretty-printed */
	arr = parse_strict(out.s);
	ck_assert(json_object_is_type(arr, json_type_array));
	ck_assert_int_eq((int)json_object_array_length(arr), 4);
	check_pass_row(json_object_array_get_idx(arr, 0));
	check_fail_row(json_object_array_get_idx(arr, 1));
	err = json_object_array_get_idx(arr, 2);
	ck_assert_str_eq(get_str(err, "verdict"), "ERROR");
	ck_assert_ptr_null(get(err, "kernel"));
	ck_assert_str_eq(get_str(get(err, "observed"), "path"), "unknown");
	ck_assert_int_eq((int)json_object_array_length(get(err, "evidence")), 0);
	ck_assert_str_eq(get_str(json_object_array_get_idx(arr, 3), "verdict"), "SKIP");
	json_object_put(arr);
	buf_release(&out);

	report_json(r, 0, &out);
	arr = parse_strict(out.s);
	ck_assert_int_eq((int)json_object_array_length(arr), 0);
	json_object_put(arr);
	buf_release(&out);
	results_free(r, 4);
}
END_TEST

/* Guest text with invalid UTF-8 and controls still gives valid JSON. */
START_TEST(json_hostile_text)
{
	struct result r;
	struct buf out = BUF_INIT;
	struct json_object *arr, *o;

	result_set(&r, "x", PATH_NO_FAILURE, PATH_GLOBAL_OOM_KILL, VERDICT_FAIL, NAN);
	snprintf(r.kernel, sizeof(r.kernel), "6.1\xff\xfe-evil\"\n");
	r.obs.victim_pid = 5;
	memcpy(r.obs.victim_comm, "<script>&\x01", 11);
	memset(r.reason, 'r', sizeof(r.reason));   /* not NUL-terminated */
	report_json(&r, 1, &out);
	arr = parse_strict(out.s);
	o = json_object_array_get_idx(arr, 0);
	ck_assert_str_eq(get_str(o, "kernel"), "6.1?" "?-evil\"?");
	ck_assert_str_eq(get_str(get(get(o, "observed"), "victim"), "comm"), "<script>&?");
	ck_assert_uint_eq(strlen(get_str(o, "reason")), sizeof(r.reason));
	ck_assert_ptr_null(get(o, "duration_s"));
	json_object_put(arr);
	buf_release(&out);
	results_free(&r, 1);
}
END_TEST

/* ---- junit.xml ---- */

/* A small well-formedness check for what report_junit writes: balanced
 * elements, attributes quoted, only the five XML entities, no raw '<' or
 * '&' in text, no C0 control but tab and newline. */
static const char *xml_check(const char *s)
{
	const char *stack[16];
	size_t depth = 0, nroot = 0;

	if (strncmp(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39))
		return "no XML declaration";
	for (s += 39; *s; s++) {
		if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
			return "control character";
		if (*s == '&') {
			static const char *const ent[] = { "&lt;", "&gt;", "&amp;", "&quot;", "&apos;" };
			size_t k;

			for (k = 0; k < 5 && strncmp(s, ent[k], strlen(ent[k])); k++)
				;
			if (k == 5)
				return "bad entity";
			continue;
		}
		if (*s == '>')
			return "raw '>' in text";
		if (*s != '<')
			continue;
		if (s[1] == '/') {
			size_t n = strcspn(s + 2, ">");

			if (!depth || strncmp(s + 2, stack[depth - 1], n) ||
			    (stack[depth - 1][n] != ' ' && stack[depth - 1][n] != '>' &&
			     stack[depth - 1][n] != '/'))
				return "unbalanced end tag";
			depth--;
			s += 2 + n;
			continue;
		}
		if (!strchr("abcdefghijklmnopqrstuvwxyz", s[1]))
			return "raw '<' in text";
		if (!depth)
			nroot++;
		{
			const char *p = s + 1;
			bool in_quote = false;

			for (; *p && (in_quote || *p != '>'); p++) {
				if (*p == '"')
					in_quote = !in_quote;
				else if (in_quote && (*p == '<' || *p == '>'))
					return "raw markup in an attribute";
			}
			if (!*p)
				return "unterminated tag";
			if (p[-1] != '/') {
				if (depth == 16)
					return "too deep";
				stack[depth++] = s + 1;
			}
			s = p;
		}
	}
	return depth ? "unclosed element" : nroot != 1 ? "not one root" : NULL;
}

START_TEST(junit_counts_and_shape)
{
	struct result r[4];
	struct buf out = BUF_INIT;
	const char *bad;

	results_four(r);
	report_junit(r, 4, "oomlab", &out);
	bad = xml_check(out.s);
	ck_assert_msg(!bad, "%s in:\n%s", bad, out.s);
	ck_assert_ptr_nonnull(strstr(out.s, "<testsuites name=\"oomlab\" tests=\"4\" failures=\"1\" errors=\"1\" time=\"339.623\">"));
	ck_assert_ptr_nonnull(strstr(out.s, "<testsuite name=\"oomlab\" tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\""));
	ck_assert_ptr_nonnull(strstr(out.s, "<testcase name=\"mode0-heuristic-reject\" classname=\"oomlab.small\" time=\"8.123\">"));
	ck_assert_ptr_nonnull(strstr(out.s, "<failure message=\"expected heuristic_reject, observed memcg_oom_kill: vmstat oom_kill +1\" type=\"FAIL\">vmstat oom_kill +1\nmemory.events oom_kill +1\n</failure>"));
	ck_assert_ptr_nonnull(strstr(out.s, "<error message=\"VM problem: QEMU timed out after 300 s\" type=\"ERROR\">"));
	ck_assert_ptr_nonnull(strstr(out.s, "<skipped>needs KVM</skipped>"));
	ck_assert_ptr_nonnull(strstr(out.s, "victim: pid 93 (oomwl)"));
	ck_assert_ptr_nonnull(strstr(out.s, "<system-out>expected: heuristic_reject\nobserved: heuristic_reject\n"));
	/* No outcome element for the PASS case. */
	{
		char *pass = strstr(out.s, "name=\"mode0-heuristic-reject\"");
		char *end = pass ? strstr(pass, "</testcase>") : NULL;

		ck_assert_ptr_nonnull(end);
		*end = '\0';
		ck_assert_ptr_null(strstr(pass, "<failure"));
		ck_assert_ptr_null(strstr(pass, "<error"));
		ck_assert_ptr_null(strstr(pass, "<skipped"));
	}
	buf_release(&out);
	results_free(r, 4);
}
END_TEST

START_TEST(junit_hostile_text)
{
	struct result r;
	struct buf out = BUF_INIT;
	const char *bad;

	result_set(&r, "a<b>&\"c'", PATH_NO_FAILURE, PATH_GLOBAL_OOM_KILL, VERDICT_FAIL, 1);
	snprintf(r.vmconfig, sizeof(r.vmconfig), "v]]>");
	r.obs.victim_pid = 5;
	snprintf(r.obs.victim_comm, sizeof(r.obs.victim_comm), "<script>&\x01");
	snprintf(r.reason, sizeof(r.reason), "expected no_failure, observed global_oom_kill: <script>&\x01\x1b[31m");
	/* Evidence straight from a guest, bypassing observed_add's filter. */
	r.obs.evidence[0] = strdup("kernel: Killed process 5 (<script>&\x01) \xff");
	ck_assert_ptr_nonnull(r.obs.evidence[0]);
	r.obs.nevidence = 1;
	report_junit(&r, 1, "suite<&>", &out);
	bad = xml_check(out.s);
	ck_assert_msg(!bad, "%s in:\n%s", bad, out.s);
	ck_assert_ptr_null(strstr(out.s, "<script"));
	ck_assert_ptr_null(strchr(out.s, '\x01'));
	ck_assert_ptr_null(strchr(out.s, '\x1b'));
	ck_assert_ptr_null(strstr(out.s, "\xff"));
	ck_assert_ptr_nonnull(strstr(out.s, "victim: pid 5 (&lt;script&gt;&amp;?)"));
	ck_assert_ptr_nonnull(strstr(out.s, "name=\"a&lt;b&gt;&amp;&quot;c&apos;\""));
	ck_assert_ptr_nonnull(strstr(out.s, "classname=\"oomlab.v]]&gt;\""));
	ck_assert_ptr_nonnull(strstr(out.s, "<testsuite name=\"suite&lt;&amp;&gt;\""));
	buf_release(&out);
	results_free(&r, 1);
}
END_TEST

START_TEST(xml_checker_rejects)
{
	/* The checker itself must be able to fail. */
	ck_assert_ptr_null(xml_check("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a><b/>x</a>\n"));
	ck_assert_ptr_nonnull(xml_check("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a><b>x</a>\n"));
	ck_assert_ptr_nonnull(xml_check("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>x < y</a>\n"));
	ck_assert_ptr_nonnull(xml_check("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>&bogus;</a>\n"));
	ck_assert_ptr_nonnull(xml_check("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>\x01</a>\n"));
	ck_assert_ptr_nonnull(xml_check("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a m=\"<\"/>\n"));
}
END_TEST

/* ---- the table ---- */

static char *table_of(const struct result *r, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	report_table(f, r, n);
	fclose(f);
	return text;
}

START_TEST(table)
{
	struct result r[4];
	char *t;

	results_four(r);
	snprintf(r[2].reason, sizeof(r[2].reason), "VM problem: \x1b[2J gone");
	t = table_of(r, 4);
	ck_assert_str_eq(t,
		"SCENARIO                VMCONFIG  EXPECTED          OBSERVED          VERDICT  TIME\n"
		"mode0-heuristic-reject  small     heuristic_reject  heuristic_reject  PASS     8.1s\n"
		"memcg-oom               small     heuristic_reject  memcg_oom_kill    FAIL     30.0s\n"
		"global-oom              small     global_oom_kill   unknown           ERROR    301.5s\n"
		"oom-panic               small     oom_panic         -                 SKIP     0.0s\n"
		"1 passed, 1 failed, 1 errors, 1 skipped\n"
		"FAIL memcg-oom: expected heuristic_reject, observed memcg_oom_kill: vmstat oom_kill +1 (see memcg-oom/)\n"
		"ERROR global-oom: VM problem: ?[2J gone (see global-oom/)\n"
		"SKIP oom-panic: needs KVM (see oom-panic/)\n");
	free(t);
	t = table_of(r, 0);
	ck_assert_ptr_nonnull(strstr(t, "0 passed, 0 failed, 0 errors, 0 skipped\n"));
	free(t);
	results_free(r, 4);
}
END_TEST

START_TEST(exit_status)
{
	struct result r[4];

	results_four(r);
	ck_assert_int_eq(report_exit_status(r, 1), 0);     /* PASS */
	ck_assert_int_eq(report_exit_status(r, 2), 1);     /* + FAIL */
	ck_assert_int_eq(report_exit_status(r, 3), 2);     /* + ERROR */
	ck_assert_int_eq(report_exit_status(r + 2, 2), 2); /* ERROR, SKIP */
	ck_assert_int_eq(report_exit_status(r + 3, 1), 0); /* SKIP */
	r[0].verdict = VERDICT_ERROR;
	ck_assert_int_eq(report_exit_status(r, 2), 2);     /* ERROR before FAIL */
	ck_assert_int_eq(report_exit_status(r, 0), 0);
	results_free(r, 4);
}
END_TEST

/* ---- write_file_atomic ---- */

static char *tmpdir_new(void)
{
	char *d = strdup("/tmp/oomlab-report-XXXXXX");

	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static size_t dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void rm_dir(char *dir, const char *file)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	unlink(p);
	ck_assert_int_eq(rmdir(dir), 0);
	free(dir);
}

static void assert_file(const char *path, const char *want)
{
	struct buf b = BUF_INIT;

	ck_assert_int_eq(buf_read_file(&b, path, 1 << 20, NULL), 0);
	ck_assert_str_eq(b.s, want);
	buf_release(&b);
}

START_TEST(atomic_write_and_fault)
{
	char *dir = tmpdir_new();
	char path[512];
	struct buf err = BUF_INIT;

	snprintf(path, sizeof(path), "%s/results.json", dir);
	ck_assert_int_eq(write_file_atomic(path, "[1]\n", 4, &err), 0);
	ck_assert_str_eq(err.s, "");
	assert_file(path, "[1]\n");
	ck_assert_int_eq(write_file_atomic(path, "[2]\n", 4, &err), 0);
	assert_file(path, "[2]\n");

	ck_assert_int_eq(fiu_init(0), 0);
	ck_assert_int_eq(fiu_enable("oomlab/report/write", 1, NULL, 0), 0);
	ck_assert_int_eq(write_file_atomic(path, "[3, 4]\n", 7, &err), -1);
	fiu_disable("oomlab/report/write");
	ck_assert_ptr_nonnull(strstr(err.s, "No space left on device"));
	assert_file(path, "[2]\n");
	ck_assert_uint_eq(dir_entries(dir), 1);
	buf_release(&err);
	ck_assert_int_eq(write_file_atomic(path, "[3, 4]\n", 7, &err), 0);
	assert_file(path, "[3, 4]\n");
	rm_dir(dir, "results.json");
}
END_TEST

START_TEST(atomic_write_faults)
{
	static const struct {
		const char *point, *msg;
	} faults[] = {
		{ "oomlab/report/write", "cannot write %s: No space left on device" },
		{ "oomlab/report/fsync", "cannot sync %s: Input/output error" },
		{ "oomlab/report/rename", "cannot rename the temporary file onto %s: Invalid cross-device link" },
	};
	char *dir = tmpdir_new();
	char path[512], want[700];
	struct buf err = BUF_INIT;

	snprintf(path, sizeof(path), "%s/junit.xml", dir);
	ck_assert_int_eq(write_file_atomic(path, "old", 3, &err), 0);
	ck_assert_int_eq(fiu_init(0), 0);
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		ck_assert_int_eq(fiu_enable(faults[i].point, 1, NULL, 0), 0);
		ck_assert_int_eq(write_file_atomic(path, "new", 3, &err), -1);
		fiu_disable(faults[i].point);
		snprintf(want, sizeof(want), faults[i].msg, path);
		ck_assert_str_eq(err.s, want);
		buf_reset(&err);
		/* The previous file is intact and no temp file is left over. */
		assert_file(path, "old");
		ck_assert_uint_eq(dir_entries(dir), 1);
	}
	buf_release(&err);
	rm_dir(dir, "junit.xml");

	ck_assert_int_eq(write_file_atomic("/nonexistent-dir/x.json", "x", 1, &err), -1);
	ck_assert_str_eq(err.s, "cannot create a temporary file for /nonexistent-dir/x.json: No such file or directory");
	buf_release(&err);
}
END_TEST

/* ---- progress ---- */

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(progress_plain)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct progress p;
	struct result r[4];

	results_four(r);
	progress_init(&p, f, 4);
	ck_assert(!p.tty);
	progress_update(&p, f, NULL);
	progress_update(&p, f, &r[0]);
	progress_update(&p, f, NULL);
	progress_update(&p, f, &r[1]);
	progress_end(&p, f);
	fclose(f);
	ck_assert_str_eq(text, "[1/4] PASS mode0-heuristic-reject (8.1 s)\n"
			       "[2/4] FAIL memcg-oom (30.0 s)\n");
	free(text);
	results_free(r, 4);
}
END_TEST

START_TEST(progress_tty)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct progress p;
	struct result r[4];

	results_four(r);
	progress_init(&p, f, 3);
	p.tty = true;
	p.running = 2;
	p.start = mono() - 12.2;
	progress_update(&p, f, &r[0]);
	progress_update(&p, f, NULL);   /* same text: not drawn again */
	fflush(f);
	ck_assert_str_eq(text, "\r[1/3] running 2, elapsed 12s, ETA 24s\033[K");
	p.running = 1;
	p.start = mono() - 75.5;
	progress_update(&p, f, &r[1]);
	progress_end(&p, f);
	fclose(f);
	ck_assert_str_eq(text, "\r[1/3] running 2, elapsed 12s, ETA 24s\033[K"
			       "\r[2/3] running 1, elapsed 1m15s, ETA 37s\033[K"
			       "\r[2/3] finished in 1m15s\033[K\n");
	free(text);
	results_free(r, 4);

	/* Nothing finished yet: no estimate. */
	text = NULL;
	f = open_memstream(&text, &len);
	progress_init(&p, f, 5);
	p.tty = true;
	progress_update(&p, f, NULL);
	fclose(f);
	ck_assert_str_eq(text, "\r[0/5] running 0, elapsed 0s, ETA ?\033[K");
	free(text);
}
END_TEST

Suite *suite_report(void)
{
	Suite *s = suite_create("report");
	TCase *out = tcase_create("output"), *files = tcase_create("files");
	TCase *prog = tcase_create("progress");

	tcase_add_test(out, json_round_trip);
	tcase_add_test(out, json_hostile_text);
	tcase_add_test(out, junit_counts_and_shape);
	tcase_add_test(out, junit_hostile_text);
	tcase_add_test(out, xml_checker_rejects);
	tcase_add_test(out, table);
	tcase_add_test(out, exit_status);
	tcase_add_test(files, atomic_write_and_fault);
	tcase_add_test(files, atomic_write_faults);
	tcase_add_test(prog, progress_plain);
	tcase_add_test(prog, progress_tty);
	suite_add_tcase(s, out);
	suite_add_tcase(s, files);
	suite_add_tcase(s, prog);
	return s;
}
