/* diff.c - see diff.h */
#include "diff.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "cleanup.h"
#include "diff_int.h"
#include "klog.h"

#define RESULTS_MAX (64u << 20)

const char *diff_str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v) : "";
}

static const char *observed_path(json_object *row)
{
	json_object *obs;

	return json_object_object_get_ex(row, "observed", &obs) ? diff_str(obs, "path") : "";
}

/* "log_unrecognised" of a row, 0 when absent (runs before it existed). */
static long long unrecognised(json_object *row)
{
	json_object *v;

	return json_object_object_get_ex(row, "log_unrecognised", &v) &&
	       json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : 0;
}

static bool bad(const char *verdict)
{
	return !strcmp(verdict, "FAIL") || !strcmp(verdict, "ERROR");
}

static json_object *parse(const char *text, const char *what, struct buf *err)
{
	json_object *a = json_tokener_parse(text);

	if (!a || !json_object_is_type(a, json_type_array)) {
		buf_addf(err, "%s is not a results.json (a JSON array of results)", what);
		json_object_put(a);
		return NULL;
	}
	return a;
}

static json_object *find(json_object *arr, const char *scenario)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *row = json_object_array_get_idx(arr, i);

		if (!strcmp(diff_str(row, "scenario"), scenario))
			return row;
	}
	return NULL;
}

static void compare_row(json_object *b, json_object *n, struct diff_summary *s, struct buf *out)
{
	const char *name = diff_str(n, "scenario");
	const char *bp = observed_path(b), *np = observed_path(n);
	const char *bv = diff_str(b, "verdict"), *nv = diff_str(n, "verdict");

	s->compared++;
	if (strcmp(bp, np)) {
		s->path_changes++;
		buf_addf(out, "PATH    %s: %s -> %s (%s -> %s)\n", name, bp, np, bv, nv);
	} else if (bad(nv) && !bad(bv)) {
		buf_addf(out, "NEW %-4s %s: %s\n", nv, name, diff_str(n, "reason"));
	}
	if (bad(nv) && !bad(bv))
		s->new_bad++;
	else if (bad(bv) && !strcmp(nv, "PASS")) {
		s->fixed++;
		buf_addf(out, "FIXED   %s: %s -> PASS\n", name, bv);
	}
}

/* Has any row of scenario in arr unrecognised kernel log lines? */
static json_object *with_unrecognised(json_object *arr, const char *scenario)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *row = json_object_array_get_idx(arr, i);

		if (!strcmp(diff_str(row, "scenario"), scenario) && unrecognised(row) > 0)
			return row;
	}
	return NULL;
}

/* Scenarios (once each, repetitions together) whose new run has kernel log
 * lines the parser no longer recognises and whose baseline run had none. */
static void log_format(json_object *a, json_object *b, struct diff_summary *s, struct buf *out)
{
	for (size_t i = 0; i < json_object_array_length(b); i++) {
		json_object *n = json_object_array_get_idx(b, i);
		const char *name = diff_str(n, "scenario");

		if (with_unrecognised(b, name) != n || !find(a, name) || with_unrecognised(a, name))
			continue;
		char line[KLOG_TEXT_MAX];

		/* the file is untrusted: bounded and sanitized again */
		text_copy(line, sizeof(line), diff_str(n, "log_unrecognised_first"));
		s->log_format++;
		buf_addf(out, "log format: %s: the parser no longer recognises: %s\n", name, line);
	}
}

int diff_results(const char *base, const char *new_, struct diff_summary *s, struct buf *out,
		 struct buf *err)
{
	json_object *a = parse(base, "the baseline", err), *b = a ? parse(new_, "the new run", err) : NULL;

	memset(s, 0, sizeof(*s));
	if (!a || !b) {
		json_object_put(a);
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(b); i++) {
		json_object *n = json_object_array_get_idx(b, i), *o = find(a, diff_str(n, "scenario"));

		if (o) {
			compare_row(o, n, s, out);
		} else {
			s->only_new++;
			buf_addf(out, "ADDED   %s: %s\n", diff_str(n, "scenario"), diff_str(n, "verdict"));
		}
	}
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i);

		if (!find(b, diff_str(o, "scenario"))) {
			s->only_base++;
			buf_addf(out, "MISSING %s: in the baseline only\n", diff_str(o, "scenario"));
		}
	}
	log_format(a, b, s, out);
	diff_timing(a, b, s, out);
	json_object_put(a);
	json_object_put(b);
	return 0;
}

bool diff_fails(const struct diff_summary *s)
{
	return s->path_changes || s->new_bad || s->log_format || s->latency_regressions;
}

/* DIR/results.json, or the file itself. */
static int load(const char *arg, struct buf *text, struct buf *err)
{
	struct stat st;
	struct buf path = BUF_INIT;
	int r;

	buf_addstr(&path, arg);
	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
		buf_addstr(&path, "/results.json");
	r = buf_read_file(text, path.s, RESULTS_MAX, NULL);
	if (r < 0)
		buf_addf(err, "%s: cannot read (give a run directory or its results.json)", path.s);
	buf_release(&path);
	return r;
}

int diff_check_base(const char *base, struct buf *err)
{
	_cleanup_buf_ struct buf text = BUF_INIT;
	json_object *a;

	if (load(base, &text, err) < 0)
		return -1;
	a = parse(text.s, "the baseline", err);
	if (!a)
		return -1;
	json_object_put(a);
	return 0;
}

/* path = ARG/NAME; whether ARG is a directory holding NAME. */
static bool dir_has(const char *arg, const char *name, struct buf *path)
{
	struct stat st;

	buf_reset(path);
	buf_addf(path, "%s/%s", arg, name);
	return stat(arg, &st) == 0 && S_ISDIR(st.st_mode) && stat(path->s, &st) == 0;
}

static int load_bench(const char *path, struct buf *text, struct buf *err)
{
	if (buf_read_file(text, path, RESULTS_MAX, NULL) == 0)
		return 0;
	buf_addf(err, "%s: cannot read", path);
	return -1;
}

/* Both bench directories' bench.json, when both have one. */
static int gate_bench(const char *base, const char *new_, struct diff_summary *s, struct buf *out,
		      struct buf *err)
{
	_cleanup_buf_ struct buf pa = BUF_INIT, pb = BUF_INIT, a = BUF_INIT, b = BUF_INIT;
	_cleanup_buf_ struct buf why = BUF_INIT;

	if (!dir_has(base, "bench.json", &pa) || !dir_has(new_, "bench.json", &pb))
		return 0;
	if (load_bench(pa.s, &a, err) < 0 || load_bench(pb.s, &b, err) < 0)
		return -1;
	if (diff_bench(a.s, b.s, s, out, &why) == 0)
		return 0;
	buf_addf(err, "%s, %s: %s", pa.s, pb.s, why.s);
	return -1;
}

static void print_summary(FILE *f, const struct diff_summary *s, bool results)
{
	if (s->timing_compared)
		fprintf(f, "timing: %zu repeated scenarios compared, %zu slower (warnings, not gating)\n",
			s->timing_compared, s->timing_slower);
	if (s->bench_compared)
		fprintf(f, "bench.json: %zu phases compared, %zu latency regressions\n", s->bench_phases,
			s->latency_regressions);
	if (results) {
		fprintf(f, "%zu compared: %zu path changes, %zu new FAIL/ERROR, %zu fixed, %zu added, "
			"%zu missing", s->compared, s->path_changes, s->new_bad, s->fixed, s->only_new,
			s->only_base);
		if (s->log_format)
			fprintf(f, ", %zu log format changes", s->log_format);
		fputs("; ", f);
	}
	fprintf(f, "gate %s\n", diff_fails(s) ? "FAILS" : "passes");
}

int diff_gate(const char *base, const char *new_, FILE *f, struct buf *err)
{
	_cleanup_buf_ struct buf a = BUF_INIT, b = BUF_INIT, out = BUF_INIT, p = BUF_INIT;
	struct diff_summary s;
	/* two bench directories (no results.json of their own) compare on bench.json alone */
	bool results = !(dir_has(base, "bench.json", &p) && dir_has(new_, "bench.json", &p)) ||
		       dir_has(base, "results.json", &p) || dir_has(new_, "results.json", &p);

	memset(&s, 0, sizeof(s));
	if (results && (load(base, &a, err) < 0 || load(new_, &b, err) < 0 ||
			diff_results(a.s, b.s, &s, &out, err) < 0))
		return -1;
	if (gate_bench(base, new_, &s, &out, err) < 0)
		return -1;
	fputs(out.s ? out.s : "", f);
	print_summary(f, &s, results);
	return diff_fails(&s) ? 1 : 0;
}

int cmd_diff(int argc, char **argv)
{
	_cleanup_buf_ struct buf err = BUF_INIT;
	int r;

	if (argc != 3) {
		fputs("usage: oomlab diff BASE NEW   (run directories, results.json files or "
		      "`oomlab bench` directories)\n", stderr);
		return 2;
	}
	r = diff_gate(argv[1], argv[2], stdout, &err);
	if (r < 0)
		fprintf(stderr, "oomlab diff: %s\n", err.s);
	return r < 0 ? 2 : r;
}
