/* oracle_int.h - what oracle.c (the overcommit, fit and costly-order rules)
 * shares with oracle_badness.c (whom the OOM killer picks): page and kB
 * arithmetic clamped for untrusted facts, and the kernel-version test.
 * Users of the oracle include oracle.h only. */
#ifndef OOMLAB_ORACLE_INT_H
#define OOMLAB_ORACLE_INT_H

#include <stdbool.h>

#include "oracle.h"

#define KB_PER_PAGE 4LL                 /* x86-64, PAGE_SHIFT 12 */
#define MAX_KB (1LL << 50)              /* clamp for untrusted facts (1 EiB) */
#define OOM_SCORE_ADJ_MIN (-1000)       /* include/uapi/linux/oom.h */

static inline long long minll(long long a, long long b) { return a < b ? a : b; }
static inline long long maxll(long long a, long long b) { return a > b ? a : b; }
/* A kB (or page) count from the guest, within 0 .. MAX_KB. */
static inline long long kb(long long v) { return v < 0 ? 0 : minll(v, MAX_KB); }
static inline long long kb_pages(long long v) { return kb(v) / KB_PER_PAGE; }

/* Whether the facts' kernel is older than major.minor.  Unknown version
 * (0): the newest rules. */
static inline bool before(const struct oracle_facts *f, int major, int minor)
{
	if (!f || f->kernel_major <= 0)
		return false;
	return f->kernel_major < major || (f->kernel_major == major && f->kernel_minor < minor);
}

#endif
