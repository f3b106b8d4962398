/* resume.c - see resume.h */
#include "resume.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cleanup.h"

#define RUN_JSON_MAX (4u << 20)
#define RESULTS_MAX (256u << 20)
#define LIST_MAX 100000

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void run_record_free(struct run_record *rec)
{
	strv_free(rec->selectors, rec->nsel);
	strv_free(rec->scenarios, rec->nsc);
	free(rec->kernel);
	free(rec->modules);
	free(rec->append);
	free(rec->config);
	free(rec->shard);
	free(rec->accel_reason);
	free(rec->release);
	memset(rec, 0, sizeof(*rec));
}

static struct json_object *jstr_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *jlist(char *const *v, size_t n)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

int run_record_write(const char *dir, const struct run_record *rec, struct buf *err)
{
	struct json_object *o = json_object_new_object();
	_cleanup_buf_ struct buf path = BUF_INIT, text = BUF_INIT;

	json_object_object_add(o, "version", json_object_new_int(1));
	json_object_object_add(o, "selectors", jlist(rec->selectors, rec->nsel));
	json_object_object_add(o, "kernel", jstr_or_null(rec->kernel));
	json_object_object_add(o, "modules", jstr_or_null(rec->modules));
	json_object_object_add(o, "append", jstr_or_null(rec->append));
	json_object_object_add(o, "config", jstr_or_null(rec->config));
	json_object_object_add(o, "shard", jstr_or_null(rec->shard));
	json_object_object_add(o, "watchdog_s", json_object_new_int((int)rec->watchdog_s));
	json_object_object_add(o, "no_watchdog", json_object_new_boolean(rec->no_watchdog));
	json_object_object_add(o, "no_snapshot", json_object_new_boolean(rec->no_snapshot));
	json_object_object_add(o, "no_pvh", json_object_new_boolean(rec->no_pvh));
	json_object_object_add(o, "accel", json_object_new_string(accel_name(rec->accel)));
	json_object_object_add(o, "accel_reason", jstr_or_null(rec->accel_reason));
	json_object_object_add(o, "release", jstr_or_null(rec->release));
	json_object_object_add(o, "scenarios", jlist(rec->scenarios, rec->nsc));
	buf_addstr(&text, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
	buf_addch(&text, '\n');
	json_object_put(o);
	buf_addf(&path, "%s/run.json", dir);
	return write_file_atomic(path.s, text.s, text.len, err);
}

/* ---- reading ---- */

struct reader {
	struct buf *err;
	const char *path;
	bool failed;
};

static void bad(struct reader *rd, const char *key, const char *what)
{
	if (!rd->failed)
		buf_addf(rd->err, "%s: \"%s\": %s", rd->path, key, what);
	rd->failed = true;
}

/* A string (NULL for null or absent).  Bounded: PATH_MAX-ish texts. */
static char *get_str(struct reader *rd, struct json_object *o, const char *key, bool required)
{
	struct json_object *v = NULL;
	char *s;

	if (!json_object_object_get_ex(o, key, &v) || !v) {
		if (required)
			bad(rd, key, "missing");
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) > 8192) {
		bad(rd, key, "not a string (of at most 8192 bytes)");
		return NULL;
	}
	s = strdup(json_object_get_string(v));
	if (!s)
		abort();
	if (strlen(s) != (size_t)json_object_get_string_len(v)) {
		free(s);
		bad(rd, key, "holds a NUL byte");
		return NULL;
	}
	return s;
}

static char **get_list(struct reader *rd, struct json_object *o, const char *key, size_t *n)
{
	struct json_object *a = NULL;
	char **v;
	size_t len;

	*n = 0;
	if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array) ||
	    (len = json_object_array_length(a)) > LIST_MAX) {
		bad(rd, key, "not a list of strings");
		return NULL;
	}
	v = calloc(len + 1, sizeof(*v));
	if (!v)
		abort();
	for (size_t i = 0; i < len && !rd->failed; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);

		if (!json_object_is_type(e, json_type_string)) {
			bad(rd, key, "not a list of strings");
			break;
		}
		v[i] = strdup(json_object_get_string(e));
		if (!v[i])
			abort();
		*n = i + 1;
	}
	return v;
}

static void read_fields(struct reader *rd, struct json_object *o, struct run_record *rec)
{
	struct json_object *v = NULL;
	_cleanup_free_ char *accel = NULL;

	if (!json_object_object_get_ex(o, "version", &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int(v) != 1)
		bad(rd, "version", "not 1 (written by another oomlab version?)");
	rec->selectors = get_list(rd, o, "selectors", &rec->nsel);
	rec->scenarios = get_list(rd, o, "scenarios", &rec->nsc);
	rec->kernel = get_str(rd, o, "kernel", false);
	rec->modules = get_str(rd, o, "modules", false);
	rec->append = get_str(rd, o, "append", false);
	rec->config = get_str(rd, o, "config", true);
	rec->shard = get_str(rd, o, "shard", false);
	rec->accel_reason = get_str(rd, o, "accel_reason", false);
	rec->release = get_str(rd, o, "release", true);
	if (json_object_object_get_ex(o, "watchdog_s", &v) && json_object_is_type(v, json_type_int) &&
	    json_object_get_int(v) >= 0 && json_object_get_int(v) <= 86400)
		rec->watchdog_s = (unsigned)json_object_get_int(v);
	if (json_object_object_get_ex(o, "no_watchdog", &v) && json_object_is_type(v, json_type_boolean))
		rec->no_watchdog = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "no_snapshot", &v) && json_object_is_type(v, json_type_boolean))
		rec->no_snapshot = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "no_pvh", &v) && json_object_is_type(v, json_type_boolean))
		rec->no_pvh = json_object_get_boolean(v);
	accel = get_str(rd, o, "accel", true);
	if (accel && !strcmp(accel, "tcg"))
		rec->accel = ACCEL_TCG;
	else if (accel && !strcmp(accel, "kvm"))
		rec->accel = ACCEL_KVM;
	else if (accel)
		bad(rd, "accel", "not tcg or kvm");
}

int run_record_read(const char *dir, struct run_record *rec, struct buf *err)
{
	_cleanup_buf_ struct buf path = BUF_INIT, text = BUF_INIT;
	struct reader rd = { .err = err };
	struct json_object *o;
	bool cut;

	memset(rec, 0, sizeof(*rec));
	buf_addf(&path, "%s/run.json", dir);
	rd.path = path.s;
	if (buf_read_file(&text, path.s, RUN_JSON_MAX, &cut) < 0) {
		buf_addf(err, "%s: cannot read: %s (is %s the directory of an oomlab run?)", path.s,
			 strerror(errno), dir);
		return -1;
	}
	o = cut ? NULL : json_tokener_parse(text.s);
	if (!o || !json_object_is_type(o, json_type_object)) {
		buf_addf(err, "%s: not the JSON object an oomlab run writes", path.s);
		json_object_put(o);
		return -1;
	}
	read_fields(&rd, o, rec);
	json_object_put(o);
	if (rd.failed) {
		run_record_free(rec);
		return -1;
	}
	return 0;
}

int resume_results(const char *dir, struct result **r, size_t *n, struct buf *err)
{
	_cleanup_buf_ struct buf path = BUF_INIT, text = BUF_INIT, why = BUF_INIT;
	bool cut;

	*r = NULL;
	*n = 0;
	buf_addf(&path, "%s/results.json", dir);
	if (buf_read_file(&text, path.s, RESULTS_MAX, &cut) < 0) {
		if (errno == ENOENT)
			return 0;
		buf_addf(err, "%s: cannot read: %s", path.s, strerror(errno));
		return -1;
	}
	if (cut || report_load_json(text.s, text.len, r, n, &why) < 0) {
		buf_addf(err, "%s: cannot resume from it: %s", path.s, cut ? "too large" : why.s);
		return -1;
	}
	return 0;
}
