/* diff_int.h - what diff.c (results rows, log format, the gate) and
 * diff_latency.c (timing.workload_s of repetitions, bench.json) share. */
#ifndef OOMLAB_DIFF_INT_H
#define OOMLAB_DIFF_INT_H

#include <json-c/json.h>

#include "buf.h"
#include "diff.h"

/* o[key] when it is a string, else "". */
const char *diff_str(json_object *o, const char *key);

/* The workload_s samples of every scenario with at least two rows on each
 * side (--repeat): significantly slower ones are warnings (s->timing_*). */
void diff_timing(json_object *base, json_object *new_, struct diff_summary *s, struct buf *out);

#endif
