/* diff.c - see diff.h */
#include "diff.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#define RESULTS_MAX (64u << 20)

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v) : "";
}

static const char *observed_path(json_object *row)
{
	json_object *obs;

	return json_object_object_get_ex(row, "observed", &obs) ? str(obs, "path") : "";
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

		if (!strcmp(str(row, "scenario"), scenario))
			return row;
	}
	return NULL;
}

static void compare_row(json_object *b, json_object *n, struct diff_summary *s, struct buf *out)
{
	const char *name = str(n, "scenario");
	const char *bp = observed_path(b), *np = observed_path(n);
	const char *bv = str(b, "verdict"), *nv = str(n, "verdict");

	s->compared++;
	if (strcmp(bp, np)) {
		s->path_changes++;
		buf_addf(out, "PATH    %s: %s -> %s (%s -> %s)\n", name, bp, np, bv, nv);
	} else if (bad(nv) && !bad(bv)) {
		buf_addf(out, "NEW %-4s %s: %s\n", nv, name, str(n, "reason"));
	}
	if (bad(nv) && !bad(bv))
		s->new_bad++;
	else if (bad(bv) && !strcmp(nv, "PASS")) {
		s->fixed++;
		buf_addf(out, "FIXED   %s: %s -> PASS\n", name, bv);
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
		json_object *n = json_object_array_get_idx(b, i), *o = find(a, str(n, "scenario"));

		if (o) {
			compare_row(o, n, s, out);
		} else {
			s->only_new++;
			buf_addf(out, "ADDED   %s: %s\n", str(n, "scenario"), str(n, "verdict"));
		}
	}
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i);

		if (!find(b, str(o, "scenario"))) {
			s->only_base++;
			buf_addf(out, "MISSING %s: in the baseline only\n", str(o, "scenario"));
		}
	}
	json_object_put(a);
	json_object_put(b);
	return 0;
}

bool diff_fails(const struct diff_summary *s)
{
	return s->path_changes || s->new_bad;
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

int cmd_diff(int argc, char **argv)
{
	struct buf a = BUF_INIT, b = BUF_INIT, out = BUF_INIT, err = BUF_INIT;
	struct diff_summary s;
	int status = 2;

	if (argc != 3) {
		fputs("usage: oomlab diff BASE NEW   (run directories or results.json files)\n", stderr);
		return 2;
	}
	if (load(argv[1], &a, &err) == 0 && load(argv[2], &b, &err) == 0 &&
	    diff_results(a.s, b.s, &s, &out, &err) == 0) {
		fputs(out.s, stdout);
		printf("%zu compared: %zu path changes, %zu new FAIL/ERROR, %zu fixed, %zu added, "
		       "%zu missing; gate %s\n", s.compared, s.path_changes, s.new_bad, s.fixed,
		       s.only_new, s.only_base, diff_fails(&s) ? "FAILS" : "passes");
		status = diff_fails(&s) ? 1 : 0;
	} else {
		fprintf(stderr, "oomlab diff: %s\n", err.s);
	}
	buf_release(&a);
	buf_release(&b);
	buf_release(&out);
	buf_release(&err);
	return status;
}
