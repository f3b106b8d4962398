/* evidence_int.h - internal to the evidence stage: what evidence.c (the
 * struct's life, the channel's lines, errors[], the console) shares with
 * evidence_records.c (what each record means), nothing else.  Users of the
 * evidence stage include evidence.h only. */
#ifndef OOMLAB_EVIDENCE_INT_H
#define OOMLAB_EVIDENCE_INT_H

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

#endif
