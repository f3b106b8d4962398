/* fuzz_records.c - libFuzzer target: the guest's record channel and console
 * through the parser (evidence.h), the classifier and the verdict
 * (verdict.h), and the reports written from them (report.h).
 *
 * Input: RECORDS [SEPARATOR CONSOLE], SEPARATOR being "\n==console==\n".
 * Both parts are handed over as exactly their bytes (no terminating NUL),
 * as the controller reads them from the files QEMU wrote.  Everything the
 * guest controls (comms, log text, record strings) ends up in results.json,
 * junit.xml and the table; ASan, UBSan and the JSON checks below catch
 * what escapes its bounds.  results.json is also read back as --resume
 * does and must give the same document. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "evidence.h"
#include "report.h"
#include "verdict.h"

static const char separator[] = "\n==console==\n";

static char *copy_of(const uint8_t *p, size_t n)
{
	char *c = malloc(n ? n : 1);

	if (c)
		memcpy(c, p, n);
	return c;
}

static void round_trip(const struct buf *json)
{
	struct result *back = NULL;
	struct buf err = BUF_INIT, again = BUF_INIT;
	size_t n = 0;

	if (report_load_json(json->s, json->len, &back, &n, &err) < 0)
		abort();
	report_json(back, n, &again);
	if (strcmp(again.s, json->s))
		abort();
	for (size_t i = 0; i < n; i++)
		result_free(&back[i]);
	free(back);
	buf_release(&err);
	buf_release(&again);
}

static void report_all(const struct evidence *ev, const struct observed *obs)
{
	static const enum oom_path expect[] = { PATH_UNKNOWN, PATH_GLOBAL_OOM_KILL, PATH_OOM_PANIC };
	struct result res[3];
	struct buf json = BUF_INIT, xml = BUF_INIT;
	struct json_tokener *tok;
	struct json_object *parsed;
	FILE *devnull = fopen("/dev/null", "w");

	for (size_t i = 0; i < 3; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		snprintf(res[i].scenario, sizeof(res[i].scenario), "fuzz-%zu", i);
		snprintf(res[i].kernel, sizeof(res[i].kernel), "%s", ev->release);
		res[i].expected = expect[i];
		res[i].obs = *obs;
		res[i].verdict = judge(expect[i], obs, ev, i == 2 ? "QEMU exit 1" : NULL,
				       res[i].reason, sizeof(res[i].reason));
		snprintf(res[i].console_tail, sizeof(res[i].console_tail), "%s",
			 ev->console_tail ? ev->console_tail : "");
	}
	report_json(res, 3, &json);
	/* What we write must parse back, and read back (--resume) to itself. */
	tok = json_tokener_new();
	parsed = json_tokener_parse_ex(tok, json.s, (int)json.len);
	if (!parsed || json_tokener_get_error(tok) != json_tokener_success)
		abort();
	json_object_put(parsed);
	json_tokener_free(tok);
	round_trip(&json);
	report_junit(res, 3, "fuzz", &xml);
	if (devnull) {
		report_table(devnull, res, 3);
		fclose(devnull);
	}
	buf_release(&json);
	buf_release(&xml);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = memmem(data, size, separator, sizeof(separator) - 1);
	size_t nrec = sep ? (size_t)(sep - data) : size;
	const uint8_t *con = sep ? sep + sizeof(separator) - 1 : data + size;
	size_t ncon = (size_t)(data + size - con);
	char *rec_copy = copy_of(data, nrec), *con_copy = copy_of(con, ncon);
	struct evidence ev;
	struct observed obs;

	if (rec_copy && con_copy) {
		evidence_init(&ev);
		evidence_parse_records(&ev, rec_copy, nrec);
		evidence_scan_console(&ev, con_copy, ncon, 40);
		observed_init(&obs);
		classify(&ev, &obs);
		report_all(&ev, &obs);
		observed_free(&obs);
		evidence_free(&ev);
	}
	free(rec_copy);
	free(con_copy);
	return 0;
}
