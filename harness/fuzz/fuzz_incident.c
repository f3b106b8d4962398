/* fuzz_incident.c - libFuzzer target: a whole kernel log through the OOM
 * report parser (incident.h), then its JSON and its explanation.
 *
 * incident_parse() takes text[0..len) with NULs allowed, so the input is
 * handed over as exactly size bytes (no terminating NUL): a read past the
 * end is an ASan report. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "incident.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct incident_report rep;
	struct buf out = BUF_INIT;
	char *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (incident_parse(copy, size, &rep) != 0)
		abort(); /* documented: every input parses */
	incident_json(&rep, &out);
	buf_reset(&out);
	incident_summary(&rep, &out);
	for (size_t i = 0; i < rep.n; i++) {
		struct incident_rank rank;

		incident_rank(&rep.ev[i], &rank);
	}
	buf_release(&out);
	incident_free(&rep);
	free(copy);
	return 0;
}
