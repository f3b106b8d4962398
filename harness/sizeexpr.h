/* sizeexpr.h - size expressions over guest facts: "ram+swap+64M",
 * "commit_limit-committed_as+16M", "2*ram", "memcg_max/2".
 *
 * Grammar: expr := term (('+'|'-') term)*; term := factor (('*'|'/') factor)*;
 * factor := NUMBER [k|K|m|M|g|G|t|T] | NAME | '(' expr ')'.  Units are
 * binary (K = 1024).  Names are looked up through a callback, so the same
 * parser checks syntax on the host (any name from a fixed list) and
 * evaluates in the guest.  Shared by the controller and the guest agent.
 */
#ifndef OOMLAB_SIZEEXPR_H
#define OOMLAB_SIZEEXPR_H

#include <stdbool.h>
#include <stddef.h>

/* Returns false if name is unknown. */
typedef bool (*sizeexpr_lookup)(const char *name, long long *value, void *ctx);

/* The names a guest provides (NULL-terminated). */
extern const char *const sizeexpr_names[];

/* Evaluate; on error returns false and writes a message to err. */
bool sizeexpr_eval(const char *s, sizeexpr_lookup lookup, void *ctx, long long *out,
		   char *err, size_t errlen);

/* Syntax check with every name in sizeexpr_names worth 1. */
bool sizeexpr_check(const char *s, char *err, size_t errlen);

#endif
