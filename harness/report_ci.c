/* report_ci.c - see report_ci.h */
#include "report_ci.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "path.h"
#include "verdict.h"

/* KTAP lines end at a newline; a reason or evidence sentence from the guest
 * must not start a line of its own. */
static void add_line_text(struct buf *out, const char *s)
{
	for (; *s; s++)
		buf_addch(out, *s == '\n' || *s == '\r' ? ' ' : *s);
}

/* The text after a test line's directive: a '#' there could start a
 * directive of its own (kunit.py takes any " # SKIP" in the line for one),
 * so it is escaped as "\#", and '\' as "\\" (TAP 14 escapes). */
static void add_directive_text(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '#' || *s == '\\')
			buf_addch(out, '\\');
		buf_addch(out, *s == '\n' || *s == '\r' ? ' ' : *s);
	}
}

static void ktap_one(const struct result *r, size_t i, struct buf *out)
{
	bool ok = r->verdict == VERDICT_PASS || r->verdict == VERDICT_SKIP;

	buf_addf(out, "# %s on %s: expected %s, observed %s\n", r->scenario, r->vmconfig,
		 path_name(r->expected), path_name(r->obs.path));
	for (size_t e = 0; e < r->obs.nevidence; e++) {
		buf_addstr(out, "#   ");
		add_line_text(out, r->obs.evidence[e]);
		buf_addch(out, '\n');
	}
	buf_addf(out, "%s %zu %s", ok ? "ok" : "not ok", i + 1, r->scenario);
	if (r->verdict == VERDICT_SKIP || r->verdict == VERDICT_ERROR) {
		buf_addf(out, " # %s ", r->verdict == VERDICT_SKIP ? "SKIP" : "ERROR");
		add_directive_text(out, r->reason);
	}
	buf_addch(out, '\n');
}

void report_ktap(const struct result *r, size_t n, struct buf *out)
{
	buf_addstr(out, "KTAP version 1\n");
	if (n)
		buf_addf(out, "# oomlab: kernel %s, accelerator %s\n", r[0].kernel, r[0].accel);
	buf_addf(out, "1..%zu\n", n);
	for (size_t i = 0; i < n; i++)
		ktap_one(&r[i], i, out);
}

static const char *kcidb_status(enum verdict v)
{
	switch (v) {
	case VERDICT_PASS: return "PASS";
	case VERDICT_FAIL: return "FAIL";
	case VERDICT_SKIP: return "SKIP";
	default: return "ERROR";
	}
}

static json_object *number(double value, const char *unit)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "value", json_object_new_double(value));
	json_object_object_add(o, "unit", json_object_new_string(unit));
	return o;
}

/* A KCIDB test path is "^[.a-zA-Z0-9_-]*$" (kcidb-io v4.4 schema, test
 * "path"): any other byte of a name becomes '_'. */
static void kcidb_path_chars(char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
			*s = '_';
}

static json_object *kcidb_test(const struct result *r, const char *run_id)
{
	json_object *t = json_object_new_object(), *misc = json_object_new_object();
	char buf[256];

	snprintf(buf, sizeof(buf), "oomlab:%s:%s", run_id, r->scenario);
	json_object_object_add(t, "id", json_object_new_string(buf));
	snprintf(buf, sizeof(buf), "oomlab:%s", r->kernel[0] ? r->kernel : "unknown");
	json_object_object_add(t, "build_id", json_object_new_string(buf));
	json_object_object_add(t, "origin", json_object_new_string("oomlab"));
	snprintf(buf, sizeof(buf), "oomlab.%s.%s", r->vmconfig, r->scenario);
	kcidb_path_chars(buf);
	json_object_object_add(t, "path", json_object_new_string(buf));
	json_object_object_add(t, "status", json_object_new_string(kcidb_status(r->verdict)));
	if (r->duration_s >= 0)
		json_object_object_add(t, "duration", json_object_new_double(r->duration_s));
	if (r->oracle.present)
		json_object_object_add(t, "number", number((double)r->oracle.margin_kb, "kB"));
	json_object_object_add(misc, "expected", json_object_new_string(path_name(r->expected)));
	json_object_object_add(misc, "observed", json_object_new_string(path_name(r->obs.path)));
	json_object_object_add(misc, "accelerator", json_object_new_string(r->accel));
	json_object_object_add(misc, "reason", json_object_new_string(r->reason));
	json_object_object_add(t, "misc", misc);
	return t;
}

void report_kcidb(const struct result *r, size_t n, const char *run_id, struct buf *out)
{
	json_object *root = json_object_new_object(), *ver = json_object_new_object();
	json_object *tests = json_object_new_array();

	json_object_object_add(ver, "major", json_object_new_int(4));
	json_object_object_add(ver, "minor", json_object_new_int(4)); /* "number": v4.4 */
	json_object_object_add(root, "version", ver);
	for (size_t i = 0; i < n; i++)
		json_object_array_add(tests, kcidb_test(&r[i], run_id));
	json_object_object_add(root, "tests", tests);
	buf_addstr(out, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	buf_addch(out, '\n');
	json_object_put(root);
}
