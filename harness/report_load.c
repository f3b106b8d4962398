/* report_load.c - results.json read back (report.h), for --resume; the
 * deep copy of a result; console text made safe for the reports. */
#include "report.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cleanup.h"
#include "plan.h"

void report_tail_copy(char *dst, size_t dstlen, const char *src, size_t len)
{
	const unsigned char *p = (const unsigned char *)src, *end = p + len;
	size_t o = 0;

	if (!dstlen)
		return;
	while (p < end && *p) {
		unsigned char c4[4] = { 0 };
		size_t n = (size_t)(end - p) < 4 ? (size_t)(end - p) : 4;

		memcpy(c4, p, n); /* utf8_seq reads up to 4 bytes; stop at end */
		n = utf8_seq(c4);
		if (!n || (size_t)(end - p) < n || (*p < 0x20 && *p != '\n' && *p != '\t') ||
		    *p == 0x7f) {
			n = 1;
			if (o + 1 >= dstlen)
				break;
			dst[o++] = '?';
		} else {
			if (o + n >= dstlen)
				break;
			memcpy(dst + o, p, n);
			o += n;
		}
		p += n;
	}
	dst[o] = '\0';
}

void result_free(struct result *r)
{
	observed_free(&r->obs);
}

void result_copy(struct result *dst, const struct result *src)
{
	*dst = *src;
	for (size_t i = 0; i < src->obs.nevidence && i < OBS_MAX_EVIDENCE; i++) {
		dst->obs.evidence[i] = src->obs.evidence[i] ? strdup(src->obs.evidence[i]) : NULL;
		if (src->obs.evidence[i] && !dst->obs.evidence[i])
			abort();
	}
}

/* ---- results.json ---- */

struct loader {
	struct buf *err;
	size_t entry;
	bool failed;
};

static void bad(struct loader *ld, const char *key, const char *what)
{
	if (!ld->failed)
		buf_addf(ld->err, "results.json: entry %zu: \"%s\": %s", ld->entry + 1, key, what);
	ld->failed = true;
}

/* obj[key] of type t; NULL when absent or null; a wrong type is an error. */
static struct json_object *get(struct loader *ld, struct json_object *obj, const char *key,
			       json_type t, bool required)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v) || !v) {
		if (required)
			bad(ld, key, "missing");
		return NULL;
	}
	if (json_object_is_type(v, t) || (t == json_type_double && json_object_is_type(v, json_type_int)))
		return v;
	bad(ld, key, t == json_type_string ? "not a string" : t == json_type_int ? "not an integer" :
		     t == json_type_object ? "not an object" : t == json_type_array ? "not an array" :
		     t == json_type_boolean ? "not true or false" : "not a number");
	return NULL;
}

static void get_str(struct loader *ld, struct json_object *obj, const char *key, char *dst,
		    size_t len, bool required)
{
	struct json_object *v = get(ld, obj, key, json_type_string, required);

	dst[0] = '\0';
	if (v)
		text_copy(dst, len, json_object_get_string(v));
}

static long long get_int(struct loader *ld, struct json_object *obj, const char *key,
			 long long missing, long long lo, long long hi)
{
	struct json_object *v = get(ld, obj, key, json_type_int, false);
	long long x;

	if (!v)
		return missing;
	x = json_object_get_int64(v);
	if (x < lo || x > hi) {
		bad(ld, key, "out of range");
		return missing;
	}
	return x;
}

static enum oom_path get_path(struct loader *ld, struct json_object *obj, const char *key,
			      bool required)
{
	struct json_object *v = get(ld, obj, key, json_type_string, required);
	enum oom_path p = PATH_UNKNOWN;

	if (v && !path_from_name(json_object_get_string(v), &p))
		bad(ld, key, "not a path name (oomlab list shows them)");
	return p;
}

static void load_expected(struct loader *ld, struct json_object *o, struct result *r)
{
	struct json_object *exp = get(ld, o, "expected", json_type_object, false), *orc, *b;

	r->expected = r->declared = PATH_UNKNOWN;
	if (!exp)
		return;
	r->expected = get_path(ld, exp, "path", false);
	r->declared = get_path(ld, exp, "declared", false);
	if ((b = get(ld, exp, "oracle_disagrees", json_type_boolean, false)))
		r->oracle_disagrees = json_object_get_boolean(b);
	orc = get(ld, exp, "oracle", json_type_object, false);
	if (!orc)
		return;
	r->oracle.present = true;
	r->oracle.path = get_path(ld, orc, "path", true);
	r->oracle.margin_kb = get_int(ld, orc, "margin_kb", 0, LLONG_MIN, LLONG_MAX);
	r->oracle.tolerance_kb = get_int(ld, orc, "tolerance_kb", 0, LLONG_MIN, LLONG_MAX);
	get_str(ld, orc, "why", r->oracle.why, sizeof(r->oracle.why), false);
}

static void load_observed(struct loader *ld, struct json_object *o, struct result *r)
{
	struct json_object *obs = get(ld, o, "observed", json_type_object, false), *victim;

	observed_init(&r->obs);
	if (!obs)
		return;
	r->obs.path = get_path(ld, obs, "path", false);
	r->obs.err_no = (int)get_int(ld, obs, "errno", 0, INT_MIN, INT_MAX);
	r->obs.signal = (int)get_int(ld, obs, "signal", 0, INT_MIN, INT_MAX);
	r->obs.order = (int)get_int(ld, obs, "order", -1, INT_MIN, INT_MAX);
	get_str(ld, obs, "constraint", r->obs.constraint, sizeof(r->obs.constraint), false);
	victim = get(ld, obs, "victim", json_type_object, false);
	if (victim) {
		r->obs.victim_pid = (int)get_int(ld, victim, "pid", 0, 1, INT_MAX);
		get_str(ld, victim, "comm", r->obs.victim_comm, sizeof(r->obs.victim_comm), false);
	}
}

static void load_evidence(struct loader *ld, struct json_object *o, struct result *r)
{
	struct json_object *a = get(ld, o, "evidence", json_type_array, false);
	size_t n = a ? json_object_array_length(a) : 0;

	for (size_t i = 0; i < n && r->obs.nevidence < OBS_MAX_EVIDENCE; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		char *s;

		if (!json_object_is_type(e, json_type_string)) {
			bad(ld, "evidence", "holds something else than strings");
			return;
		}
		s = malloc(OBS_MAX_SENTENCE);
		if (!s)
			abort();
		text_copy(s, OBS_MAX_SENTENCE, json_object_get_string(e));
		r->obs.evidence[r->obs.nevidence++] = s;
	}
}

/* decided_by, disagree, disagreement (verdict.h, the ranked sources). */
static void load_sources(struct loader *ld, struct json_object *o, struct result *r)
{
	static const char *const sources[] = { "trace", "log", "counter", "errno" };
	struct json_object *b = get(ld, o, "disagree", json_type_boolean, false);
	bool known = false;

	get_str(ld, o, "decided_by", r->obs.decided_by, sizeof(r->obs.decided_by), false);
	for (size_t i = 0; i < ARRAY_SIZE(sources); i++)
		known |= !strcmp(r->obs.decided_by, sources[i]);
	if (r->obs.decided_by[0] && !known)
		bad(ld, "decided_by", "not trace, log, counter, errno or null");
	r->obs.disagree = b && json_object_get_boolean(b);
	get_str(ld, o, "disagreement", r->obs.disagreement, sizeof(r->obs.disagreement), false);
}

/* log_unrecognised, log_unrecognised_first (absent in older runs: 0). */
static void load_unrec(struct loader *ld, struct json_object *o, struct result *r)
{
	r->obs.log_unrec.n = (size_t)get_int(ld, o, "log_unrecognised", 0, 0, LLONG_MAX);
	get_str(ld, o, "log_unrecognised_first", r->obs.log_unrec.first,
		sizeof(r->obs.log_unrec.first), false);
}

/* A repetition (--repeat) is "NAME@k" in memory, as the plan names it
 * (plan.h), and "scenario": NAME, "repeat": k in the file.  "flaky" is
 * checked for its type only: report_json derives it from the results. */
static void load_repeat(struct loader *ld, struct json_object *o, struct result *r)
{
	long long k = get_int(ld, o, "repeat", 0, 1, PLAN_REPEAT_MAX);
	size_t len = strlen(r->scenario);

	get(ld, o, "flaky", json_type_boolean, false);
	if (strchr(r->scenario, PLAN_REP_SEP)) {
		bad(ld, "scenario", "holds '@', which no scenario name does (a repetition's number "
			"is its \"repeat\")");
		return;
	}
	if (!k)
		return;
	if (len + 4 > sizeof(r->scenario)) {
		bad(ld, "scenario", "too long to be repeated (--repeat needs 3 characters more)");
		return;
	}
	snprintf(r->scenario + len, sizeof(r->scenario) - len, "%c%lld", PLAN_REP_SEP, k);
}

static enum verdict get_verdict(struct loader *ld, struct json_object *o)
{
	struct json_object *v = get(ld, o, "verdict", json_type_string, true);

	for (int k = VERDICT_PASS; v && k <= VERDICT_SKIP; k++)
		if (!strcmp(json_object_get_string(v), verdict_name((enum verdict)k)))
			return (enum verdict)k;
	if (v)
		bad(ld, "verdict", "not PASS, FAIL, ERROR or SKIP");
	return VERDICT_ERROR;
}

static double seconds_or_unknown(struct json_object *t, const char *key)
{
	struct json_object *v;
	double d;

	if (!json_object_object_get_ex(t, key, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return -1;
	d = json_object_get_double(v);
	return isfinite(d) && d >= 0 ? d : -1;
}

/* "timing" (absent in results of older runs: unknown). */
static void load_timing(struct loader *ld, struct json_object *o, struct result *r)
{
	struct json_object *t = get(ld, o, "timing", json_type_object, false), *b;

	r->timing.ready_s = r->timing.workload_s = -1;
	if (!t)
		return;
	if (json_object_object_get_ex(t, "boot", &b) && json_object_is_type(b, json_type_string))
		text_copy(r->timing.boot, sizeof(r->timing.boot), json_object_get_string(b));
	r->timing.ready_s = seconds_or_unknown(t, "ready_s");
	r->timing.workload_s = seconds_or_unknown(t, "workload_s");
}

static void load_result(struct loader *ld, struct json_object *o, struct result *r)
{
	struct json_object *d, *tail;

	memset(r, 0, sizeof(*r));
	get_str(ld, o, "scenario", r->scenario, sizeof(r->scenario), true);
	load_repeat(ld, o, r);
	get_str(ld, o, "vmconfig", r->vmconfig, sizeof(r->vmconfig), true);
	get_str(ld, o, "kernel", r->kernel, sizeof(r->kernel), false);
	get_str(ld, o, "accel", r->accel, sizeof(r->accel), false);
	load_expected(ld, o, r);
	load_observed(ld, o, r);
	r->verdict = get_verdict(ld, o);
	get_str(ld, o, "reason", r->reason, sizeof(r->reason), false);
	load_evidence(ld, o, r);
	load_sources(ld, o, r);
	load_unrec(ld, o, r);
	d = get(ld, o, "duration_s", json_type_double, false);
	r->duration_s = d ? json_object_get_double(d) : -1;
	if (!isfinite(r->duration_s))
		r->duration_s = -1;
	load_timing(ld, o, r);
	get_str(ld, o, "dir", r->dir, sizeof(r->dir), false);
	tail = get(ld, o, "console_tail", json_type_string, false);
	if (tail)
		report_tail_copy(r->console_tail, sizeof(r->console_tail), json_object_get_string(tail),
				 strlen(json_object_get_string(tail)));
	if (!r->scenario[0] && !ld->failed)
		bad(ld, "scenario", "empty");
}

static struct json_object *parse_doc(const char *text, size_t len, struct buf *err)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *doc = NULL;
	size_t used;

	if (!tok)
		abort();
	if (len > INT_MAX) {
		buf_addstr(err, "results.json: too large");
		goto out;
	}
	doc = json_tokener_parse_ex(tok, text, (int)len);
	if (!doc || json_tokener_get_error(tok) != json_tokener_success) {
		buf_addf(err, "results.json: not JSON: %s",
			 json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(doc);
		doc = NULL;
		goto out;
	}
	used = json_tokener_get_parse_end(tok);
	while (used < len && text[used] && strchr(" \t\r\n", text[used]))
		used++;
	if (used < len || !json_object_is_type(doc, json_type_array)) {
		buf_addstr(err, used < len ? "results.json: data after the array" :
					     "results.json: not an array of results");
		json_object_put(doc);
		doc = NULL;
	}
out:
	json_tokener_free(tok);
	return doc;
}

int report_load_json(const char *text, size_t len, struct result **out, size_t *n,
		     struct buf *err)
{
	struct json_object *doc = parse_doc(text, len, err);
	struct loader ld = { .err = err };
	size_t count;
	struct result *r;

	*out = NULL;
	*n = 0;
	if (!doc)
		return -1;
	count = json_object_array_length(doc);
	r = calloc(count + 1, sizeof(*r));
	if (!r)
		abort();
	for (ld.entry = 0; ld.entry < count && !ld.failed; ld.entry++) {
		struct json_object *o = json_object_array_get_idx(doc, ld.entry);

		if (!json_object_is_type(o, json_type_object)) {
			buf_addf(err, "results.json: entry %zu: not an object", ld.entry + 1);
			ld.failed = true;
			break;
		}
		load_result(&ld, o, &r[ld.entry]);
	}
	json_object_put(doc);
	if (ld.failed) {
		for (size_t i = 0; i <= ld.entry && i < count; i++)
			result_free(&r[i]);
		free(r);
		return -1;
	}
	*out = r;
	*n = count;
	return 0;
}
