/* report.c - see report.h
 *
 * The results contract (results.json; names never change, keys may be added):
 *
 *   [ {
 *       "scenario":   "mode2-commit-reject",       string (the scenario's name, also
 *                                                  for a repetition)
 *       "repeat":     3,                           --repeat: which run of the scenario
 *                                                  (1..N); null when not repeated
 *       "flaky":      false,                       --repeat: the finished runs of the
 *                                                  scenario (same vmconfig) disagree in
 *                                                  verdict or observed path; null when
 *                                                  not repeated
 *       "vmconfig":   "mode2",                     string
 *       "kernel":     "6.1.0-56-amd64",            string, null if the guest never said
 *       "accel":      "tcg",                       "tcg" | "kvm"
 *       "expected":   {
 *           "path":       "commit_reject",         what the verdict compared with (path.h)
 *           "declared":   "commit_reject",         the scenario's expect, null if none
 *           "oracle":     { "path": ..., "margin_kb": -65536, "tolerance_kb": 128,
 *                           "why": "mode 2: ..." } or null
 *           "oracle_disagrees": false              declared and predicted differ
 *       },
 *       "observed":   {
 *           "path":       "commit_reject",         a path name
 *           "errno":      12,                      int, null when 0
 *           "signal":     9,                       int, null when 0
 *           "order":      0,                       int, null when -1
 *           "constraint": "CONSTRAINT_MEMCG",      string, null when ""
 *           "victim":     { "pid": 93, "comm": "oomwl" }   or null
 *       },
 *       "verdict":    "PASS",                      PASS | FAIL | ERROR | SKIP
 *       "reason":     "",                          why not PASS; "" for PASS
 *       "evidence":   [ "vmstat oom_kill +1", ... ],   short sentences
 *       "decided_by": "trace",                     the best-ranked source that showed the
 *                                                  observed path: trace | log | counter |
 *                                                  errno; null when none did
 *       "disagree":   false,                       two sources contradicted each other
 *       "disagreement": "..."                      what they said; null when they agree
 *       "log_unrecognised": 0,                     kernel log lines that look like memory-
 *                                                  failure messages but no parser accepts
 *                                                  (klog.h klog_unrecognised)
 *       "log_unrecognised_first": "...",           the first of them (cut, '?' for bytes
 *                                                  outside printable ASCII); null when none
 *       "duration_s": 8.123,                       number (ms precision), null if unknown
 *       "timing":     { "boot": "snapshot",        snapshot | pvh | bzimage: how the guest
 *                                                  started; null if unknown
 *                       "ready_s": 0.412,          QEMU start to the agent's hello (host
 *                                                  clock), null if unknown
 *                       "workload_s": 2.171 },     the steps' own time (agent), null if unknown
 *       "dir":        "mode2-commit-reject",       relative to the run directory
 *       "console_tail": "[ 9.1] ...\n..."         ERROR rows: the console's last
 *                                                  lines; null otherwise
 *   }, ... ]
 *
 * Every string is valid UTF-8: guest text has its invalid bytes and control
 * characters replaced by '?' (console_tail keeps its newlines and tabs).
 */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "plan.h"

/* A bounded, sanitized copy of a fixed-size field that might (by a bug
 * elsewhere) lack its NUL. */
#define FIELD(dst, src) field_copy(dst, sizeof(dst), src, sizeof(src))

static void field_copy(char *dst, size_t dstlen, const char *src, size_t srcmax)
{
	size_t n = strnlen(src, srcmax);
	char tmp[1024];

	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	memcpy(tmp, src, n);
	tmp[n] = '\0';
	text_copy(dst, dstlen, tmp);
}

/* Seconds with the given decimals, without the locale's decimal comma. */
static void fmt_seconds(char *out, size_t len, double s, int decimals)
{
	long long scale = decimals == 3 ? 1000 : 10;
	long long t;

	if (!isfinite(s) || s < 0 || s > 1e12) {
		snprintf(out, len, "-");
		return;
	}
	t = llround(s * (double)scale);
	snprintf(out, len, "%lld.%0*lld", t / scale, decimals, t % scale);
}

/* ---- results.json ---- */

static struct json_object *jstr(const char *s, size_t max)
{
	char tmp[1024];

	field_copy(tmp, sizeof(tmp), s, max);
	return json_object_new_string(tmp);
}

#define JSTR(f) jstr(f, sizeof(f))
#define JSTR_OR_NULL(f) ((f)[0] ? JSTR(f) : NULL)

static struct json_object *jint_or_null(int v, int missing)
{
	return v == missing ? NULL : json_object_new_int(v);
}

static struct json_object *json_observed(const struct observed *o)
{
	struct json_object *obs = json_object_new_object(), *victim = NULL;

	json_object_object_add(obs, "path", json_object_new_string(path_name(o->path)));
	json_object_object_add(obs, "errno", jint_or_null(o->err_no, 0));
	json_object_object_add(obs, "signal", jint_or_null(o->signal, 0));
	json_object_object_add(obs, "order", jint_or_null(o->order, -1));
	json_object_object_add(obs, "constraint", JSTR_OR_NULL(o->constraint));
	if (o->victim_pid > 0) {
		victim = json_object_new_object();
		json_object_object_add(victim, "pid", json_object_new_int(o->victim_pid));
		json_object_object_add(victim, "comm", JSTR(o->victim_comm));
	}
	json_object_object_add(obs, "victim", victim);
	return obs;
}

static struct json_object *json_evidence(const struct observed *o)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < o->nevidence && i < OBS_MAX_EVIDENCE; i++)
		if (o->evidence[i])
			json_object_array_add(a, jstr(o->evidence[i], OBS_MAX_SENTENCE));
	return a;
}

static struct json_object *json_duration(double d)
{
	char s[32];

	size_t n;

	fmt_seconds(s, sizeof(s), d, 3);
	if (s[0] == '-')
		return NULL;
	/* "9.400" -> "9.4", "30.000" -> "30.0" */
	for (n = strlen(s); n > 2 && s[n - 1] == '0' && s[n - 2] != '.'; n--)
		s[n - 1] = '\0';
	return json_object_new_double_s(strtod(s, NULL), s);
}

static struct json_object *json_timing(const struct result *r)
{
	struct json_object *t = json_object_new_object();

	json_object_object_add(t, "boot", r->timing.boot[0] ? json_object_new_string(r->timing.boot)
							    : NULL);
	json_object_object_add(t, "ready_s", json_duration(r->timing.ready_s));
	json_object_object_add(t, "workload_s", json_duration(r->timing.workload_s));
	return t;
}

static struct json_object *json_oracle(const struct result *r)
{
	struct json_object *o;

	if (!r->oracle.present)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(path_name(r->oracle.path)));
	json_object_object_add(o, "margin_kb", json_object_new_int64(r->oracle.margin_kb));
	json_object_object_add(o, "tolerance_kb", json_object_new_int64(r->oracle.tolerance_kb));
	json_object_object_add(o, "why", JSTR(r->oracle.why));
	return o;
}

/* The console's last lines (ERROR rows), newlines kept; null when none. */
static struct json_object *json_tail(const struct result *r)
{
	char tmp[sizeof(r->console_tail)];

	report_tail_copy(tmp, sizeof(tmp), r->console_tail,
			 strnlen(r->console_tail, sizeof(r->console_tail)));
	return tmp[0] ? json_object_new_string(tmp) : NULL;
}

/* "scenario" and "repeat": a repetition's "NAME@k" (plan.h) split. */
static void json_name(struct json_object *o, const struct result *r, bool flaky)
{
	char name[sizeof(r->scenario)];
	unsigned rep;
	size_t len;

	FIELD(name, r->scenario);
	len = plan_rep_split(name, &rep);
	name[len] = '\0';
	json_object_object_add(o, "scenario", json_object_new_string(name));
	json_object_object_add(o, "repeat", rep ? json_object_new_int((int)rep) : NULL);
	json_object_object_add(o, "flaky", rep ? json_object_new_boolean(flaky) : NULL);
}

/* Which source decided, and whether two contradicted each other. */
static void json_sources(struct json_object *o, const struct observed *obs)
{
	json_object_object_add(o, "decided_by", JSTR_OR_NULL(obs->decided_by));
	json_object_object_add(o, "disagree", json_object_new_boolean(obs->disagree));
	json_object_object_add(o, "disagreement", JSTR_OR_NULL(obs->disagreement));
}

/* Kernel log lines the parsers no longer recognise (a format change). */
static void json_unrec(struct json_object *o, const struct observed *obs)
{
	json_object_object_add(o, "log_unrecognised", json_object_new_int64((int64_t)obs->log_unrec.n));
	json_object_object_add(o, "log_unrecognised_first", JSTR_OR_NULL(obs->log_unrec.first));
}

static struct json_object *json_result(const struct result *r, bool flaky)
{
	struct json_object *o = json_object_new_object(), *exp = json_object_new_object();

	json_name(o, r, flaky);
	json_object_object_add(o, "vmconfig", JSTR(r->vmconfig));
	json_object_object_add(o, "kernel", JSTR_OR_NULL(r->kernel));
	json_object_object_add(o, "accel", JSTR(r->accel));
	json_object_object_add(exp, "path", json_object_new_string(path_name(r->expected)));
	json_object_object_add(exp, "declared", r->declared == PATH_UNKNOWN ? NULL :
			       json_object_new_string(path_name(r->declared)));
	json_object_object_add(exp, "oracle", json_oracle(r));
	json_object_object_add(exp, "oracle_disagrees", json_object_new_boolean(r->oracle_disagrees));
	json_object_object_add(o, "expected", exp);
	json_object_object_add(o, "observed", json_observed(&r->obs));
	json_object_object_add(o, "verdict", json_object_new_string(verdict_name(r->verdict)));
	json_object_object_add(o, "reason", JSTR(r->reason));
	json_object_object_add(o, "evidence", json_evidence(&r->obs));
	json_sources(o, &r->obs);
	json_unrec(o, &r->obs);
	json_object_object_add(o, "duration_s", json_duration(r->duration_s));
	json_object_object_add(o, "timing", json_timing(r));
	json_object_object_add(o, "dir", JSTR(r->dir));
	json_object_object_add(o, "console_tail", json_tail(r));
	return o;
}

void report_json(const struct result *r, size_t n, struct buf *out)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, json_result(&r[i], report_flaky(r, n, i)));
	buf_addstr(out, json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	buf_addch(out, '\n');
	json_object_put(arr);
}

/* ---- junit.xml ----
 *
 * Written by hand on purpose: the document has a handful of element types
 * (testsuites, testsuite, testcase, failure/error/skipped, system-out), and
 * libxml2's xmlTextWriter would still let the C0 control characters that
 * XML 1.0 forbids through into the file, from comms and log text the guest
 * controls.  buf_add_xml() escapes markup and replaces those characters. */

struct counts {
	size_t pass, fail, error, skip;
	double time;
};

static void count(const struct result *r, size_t n, struct counts *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		switch (r[i].verdict) {
		case VERDICT_PASS: c->pass++; break;
		case VERDICT_FAIL: c->fail++; break;
		case VERDICT_SKIP: c->skip++; break;
		default: c->error++; break;
		}
		if (isfinite(r[i].duration_s) && r[i].duration_s > 0)
			c->time += r[i].duration_s;
	}
}

static void xml_field(struct buf *out, const char *s, size_t max)
{
	char tmp[1024];

	field_copy(tmp, sizeof(tmp), s, max);
	buf_add_xml(out, tmp);
}

#define XML(out, f) xml_field(out, f, sizeof(f))

static void xml_evidence(struct buf *out, const struct observed *o)
{
	for (size_t i = 0; i < o->nevidence && i < OBS_MAX_EVIDENCE; i++) {
		if (!o->evidence[i])
			continue;
		xml_field(out, o->evidence[i], OBS_MAX_SENTENCE);
		buf_addch(out, '\n');
	}
}

static void xml_outcome(struct buf *out, const struct result *r)
{
	const char *tag = r->verdict == VERDICT_FAIL ? "failure" :
			  r->verdict == VERDICT_SKIP ? "skipped" : "error";

	if (r->verdict == VERDICT_PASS)
		return;
	if (r->verdict == VERDICT_SKIP) {
		/* the Jenkins JUnit schema (junit-4.xsd): <skipped> is a string
		 * element without attributes */
		buf_addstr(out, "      <skipped>");
		XML(out, r->reason);
		buf_addstr(out, "</skipped>\n");
		return;
	}
	buf_addf(out, "      <%s message=\"", tag);
	XML(out, r->reason);
	buf_addf(out, "\" type=\"%s\"", verdict_name(r->verdict));
	buf_addstr(out, ">");
	xml_evidence(out, &r->obs);
	buf_addf(out, "</%s>\n", tag);
}

static void xml_system_out(struct buf *out, const struct result *r)
{
	buf_addstr(out, "      <system-out>expected: ");
	buf_addstr(out, path_name(r->expected));
	buf_addstr(out, "\nobserved: ");
	buf_addstr(out, path_name(r->obs.path));
	if (r->obs.victim_pid > 0) {
		buf_addf(out, "\nvictim: pid %d (", r->obs.victim_pid);
		XML(out, r->obs.victim_comm);
		buf_addstr(out, ")");
	}
	buf_addstr(out, "\nkernel: ");
	XML(out, r->kernel);
	buf_addstr(out, "\ndir: ");
	XML(out, r->dir);
	buf_addstr(out, "\nevidence:\n");
	xml_evidence(out, &r->obs);
	buf_addstr(out, "</system-out>\n");
	if (r->console_tail[0]) {
		char tmp[sizeof(r->console_tail)];

		report_tail_copy(tmp, sizeof(tmp), r->console_tail,
				 strnlen(r->console_tail, sizeof(r->console_tail)));
		buf_addstr(out, "      <system-err>console tail:\n");
		buf_add_xml(out, tmp);
		buf_addstr(out, "\n</system-err>\n");
	}
}

static void xml_testcase(struct buf *out, const struct result *r)
{
	char t[32];

	fmt_seconds(t, sizeof(t), r->duration_s, 3);
	buf_addstr(out, "    <testcase name=\"");
	XML(out, r->scenario);
	buf_addstr(out, "\" classname=\"oomlab.");
	XML(out, r->vmconfig);
	buf_addf(out, "\" time=\"%s\">\n", t[0] == '-' ? "0" : t);
	xml_outcome(out, r);
	xml_system_out(out, r);
	buf_addstr(out, "    </testcase>\n");
}

/* <testsuites> has no "skipped" in the Jenkins JUnit schema; <testsuite> has. */
static void xml_counts(struct buf *out, size_t n, const struct counts *c, bool suite)
{
	char t[32];

	fmt_seconds(t, sizeof(t), c->time, 3);
	buf_addf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\"", n, c->fail, c->error);
	if (suite)
		buf_addf(out, " skipped=\"%zu\"", c->skip);
	buf_addf(out, " time=\"%s\"", t[0] == '-' ? "0" : t);
}

void report_junit(const struct result *r, size_t n, const char *suite, struct buf *out)
{
	struct counts c;

	count(r, n, &c);
	buf_addstr(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"oomlab\"");
	xml_counts(out, n, &c, false);
	buf_addstr(out, ">\n  <testsuite name=\"");
	xml_field(out, suite ? suite : "oomlab", 256);
	buf_addstr(out, "\"");
	xml_counts(out, n, &c, true);
	buf_addstr(out, ">\n");
	for (size_t i = 0; i < n; i++)
		xml_testcase(out, &r[i]);
	buf_addstr(out, "  </testsuite>\n</testsuites>\n");
}

/* ---- the table ---- */

struct row {
	char scenario[64], vmconfig[64], expected[32], observed[32], time[32];
	const char *unit;          /* "s", or "" when time is "-" */
	const char *verdict;
};

static void make_row(const struct result *r, struct row *w)
{
	FIELD(w->scenario, r->scenario);
	FIELD(w->vmconfig, r->vmconfig);
	snprintf(w->expected, sizeof(w->expected), "%s", path_name(r->expected));
	snprintf(w->observed, sizeof(w->observed), "%s",
		 r->verdict == VERDICT_SKIP ? "-" : path_name(r->obs.path));
	fmt_seconds(w->time, sizeof(w->time), r->duration_s, 1);
	w->unit = w->time[0] == '-' ? "" : "s";
	w->verdict = verdict_name(r->verdict);
}

void report_brief(const struct result *r, char *out, size_t len)
{
	struct row row;

	make_row(r, &row);
	snprintf(out, len, "%s %s (%s%s%s)", row.verdict, row.scenario, row.time,
		 row.unit[0] ? " " : "", row.unit);
}

static void widen(int *w, const char *s)
{
	int n = (int)strlen(s);

	if (n > *w)
		*w = n;
}

/* The last TABLE_TAIL_LINES console lines of an ERROR row, indented. */
#define TABLE_TAIL_LINES 5
static void table_tail(FILE *f, const struct result *r)
{
	char tmp[sizeof(r->console_tail)];
	const char *p;
	unsigned lines = 0;

	report_tail_copy(tmp, sizeof(tmp), r->console_tail,
			 strnlen(r->console_tail, sizeof(r->console_tail)));
	for (size_t n = strlen(tmp); n && tmp[n - 1] == '\n'; n--)
		tmp[n - 1] = '\0';
	if (!tmp[0])
		return;
	for (p = tmp + strlen(tmp); p > tmp; p--)
		if (p[-1] == '\n' && ++lines == TABLE_TAIL_LINES)
			break;
	fprintf(f, "  console, last lines:\n");
	while (*p) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		fprintf(f, "  | %.*s\n", len, p);
		p += len + (nl ? 1 : 0);
	}
}

void report_table(FILE *f, const struct result *r, size_t n)
{
	int w[5] = { 8, 8, 8, 8, 7 };   /* the header words */
	struct counts c;
	struct row row;

	for (size_t i = 0; i < n; i++) {
		make_row(&r[i], &row);
		widen(&w[0], row.scenario);
		widen(&w[1], row.vmconfig);
		widen(&w[2], row.expected);
		widen(&w[3], row.observed);
	}
	fprintf(f, "%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", w[0], "SCENARIO", w[1], "VMCONFIG",
		w[2], "EXPECTED", w[3], "OBSERVED", w[4], "VERDICT", "TIME");
	for (size_t i = 0; i < n; i++) {
		make_row(&r[i], &row);
		fprintf(f, "%-*s  %-*s  %-*s  %-*s  %-*s  %s%s\n", w[0], row.scenario, w[1],
			row.vmconfig, w[2], row.expected, w[3], row.observed, w[4], row.verdict,
			row.time, row.unit);
	}
	count(r, n, &c);
	fprintf(f, "%zu passed, %zu failed, %zu errors, %zu skipped\n", c.pass, c.fail, c.error,
		c.skip);
	for (size_t i = 0; i < n; i++) {
		char reason[sizeof(r[i].reason)], dir[sizeof(r[i].dir)];

		if (r[i].oracle_disagrees) {
			FIELD(reason, r[i].oracle.why);
			fprintf(f, "NOTE %s: the scenario expects %s but the oracle predicts %s (%s): "
				"the scenario or the model is wrong\n", r[i].scenario,
				path_name(r[i].declared), path_name(r[i].oracle.path), reason);
		}
		if (r[i].verdict == VERDICT_PASS)
			continue;
		make_row(&r[i], &row);
		FIELD(reason, r[i].reason);
		FIELD(dir, r[i].dir);
		fprintf(f, "%s %s: %s%s%s%s\n", row.verdict, row.scenario,
			reason[0] ? reason : "(no reason given)", dir[0] ? " (see " : "", dir,
			dir[0] ? "/)" : "");
		table_tail(f, &r[i]);
	}
	report_repeats(f, r, n);
}

int report_exit_status(const struct result *r, size_t n)
{
	int status = 0;

	for (size_t i = 0; i < n; i++) {
		if (r[i].verdict == VERDICT_FAIL && status < 1)
			status = 1;
		else if (r[i].verdict != VERDICT_PASS && r[i].verdict != VERDICT_SKIP &&
			 r[i].verdict != VERDICT_FAIL)
			status = 2;
		else if (status < 1 && report_flaky(r, n, i))
			status = 1;
	}
	return status;
}
