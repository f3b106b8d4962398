/* report_files.c - the report stage's files in a run directory
 * (report_ci.h report_write_dir): results.json, junit.xml, results.ktap,
 * kcidb.json, from the same results.  Used by the run loop after every
 * scenario (run.c) and by `oomlab merge` (cmd_merge.c). */
#include "report_ci.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"

/* The last non-empty component of dir ("results/20261122-071500/" ->
 * "20261122-071500"), at most len - 1 bytes. */
static void dir_name(const char *dir, char *out, size_t len)
{
	size_t end = strlen(dir), start;

	while (end > 1 && dir[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && dir[start - 1] != '/')
		start--;
	if (end - start >= len)
		end = start + len - 1;
	memcpy(out, dir + start, end - start);
	out[end - start] = '\0';
	if (!out[0])
		snprintf(out, len, "run");
}

/* Write dir/name atomically; on failure add the error to err ("; "
 * between several). */
static int write_one(const char *dir, const char *name, const struct buf *data, struct buf *err)
{
	_cleanup_buf_ struct buf path = BUF_INIT, why = BUF_INIT;

	buf_addf(&path, "%s/%s", dir, name);
	if (write_file_atomic(path.s, data->s ? data->s : "", data->len, &why) == 0)
		return 0;
	buf_addf(err, "%s%s", err->len ? "; " : "", why.s);
	return -1;
}

int report_write_dir(const char *dir, const struct result *r, size_t n, const char *run_id,
		     struct buf *err)
{
	_cleanup_buf_ struct buf json = BUF_INIT, xml = BUF_INIT, ktap = BUF_INIT, kcidb = BUF_INIT;
	char name[NAME_MAX + 1];
	int status = 0;

	if (!run_id) {
		dir_name(dir, name, sizeof(name));
		run_id = name;
	}
	report_json(r, n, &json);
	if (write_one(dir, "results.json", &json, err) < 0) {
		buf_addstr(err, " (the previous results.json is intact)");
		return -1; /* no other file gets ahead of results.json */
	}
	report_junit(r, n, "oomlab", &xml);
	report_ktap(r, n, &ktap);
	report_kcidb(r, n, run_id, &kcidb);
	status |= write_one(dir, "junit.xml", &xml, err);
	status |= write_one(dir, "results.ktap", &ktap, err);
	status |= write_one(dir, "kcidb.json", &kcidb, err);
	return status < 0 ? -1 : 0;
}
