/* evidence_int.h - internal to the evidence stage: what evidence.c (the
 * struct's life, the channel's lines, errors[], the console) shares with
 * evidence_records.c (what each record means), nothing else.  Users of the
 * evidence stage include evidence.h only. */
#ifndef OOMLAB_EVIDENCE_INT_H
#define OOMLAB_EVIDENCE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "evidence.h"

/* Bytes of an offending line quoted in an error. */
#define EXCERPT_MAX 60

/* The state of one evidence_parse_records() call. */
struct parser {
	struct evidence *ev;
	unsigned line;         /* line being parsed, from 1 */
	json_tokener *tok;
};

/* ---- evidence.c ---- */

/* p, or abort on NULL (allocation failure), as in buf.h. */
void *ev_must(void *p);
/* Append "line LINE: " (none when line is 0) and the message to ev->errors,
 * cut at EV_MAX_ERROR_LEN; beyond EV_MAX_ERRORS only errors_dropped counts. */
void ev_add_error(struct evidence *ev, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A printable quote of at most EXCERPT_MAX of len untrusted bytes ("..."
 * when cut) into dst[size]. */
void ev_excerpt(char *dst, size_t size, const char *s, size_t len);

/* ---- evidence_records.c ---- */

/* Every field of s -1 (absent). */
void ev_snapshot_init(struct mem_snapshot *s);
/* Hand a record (a JSON object) to the handler of its type "t"; a missing
 * or unknown type goes to errors. */
void ev_dispatch(struct parser *ps, json_object *rec);
/* The step named by the record's "i", created if need be; NULL (noted in
 * errors, with what as the record's type) when "i" is missing or out of
 * bounds. */
struct step_evidence *ev_step_of(struct parser *ps, json_object *rec, const char *what);

/* ---- evidence_trace.c: tracing, trace lines, kernel allocations ---- */

void ev_rec_tracing(struct parser *ps, json_object *rec);
void ev_rec_trace(struct parser *ps, json_object *rec);
/* A wl record's data object: a buddyinfo line fills the step's
 * buddy_before/_after/_end; is_result: data is the step's result line,
 * whose kernel-allocation keys (order, gfp, trigger, granted,
 * oom_kill_delta, helper_died) go to st->wl. */
void ev_wl_kalloc(struct step_evidence *st, json_object *data, bool is_result);
/* The kernel-allocation fields of a fresh wl_result and buddy snapshots. */
void ev_kalloc_init(struct step_evidence *st);
/* Free the step's trace lines. */
void ev_trace_free(struct step_evidence *st);
/* The console's dump of the trace buffer (evidence.h, panic_trace). */
void ev_console_trace(struct evidence *ev, const char *data, size_t len);
void ev_panic_trace_free(struct evidence *ev);

#endif
