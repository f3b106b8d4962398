/* plan.h - stage 2: which scenarios run, and what each guest is told to do.
 *
 * plan_select() turns command-line selectors into a list of plan items
 * (scenario + its vmconfig); plan_guest_json() renders one item as the
 * document the guest agent reads from /plan.json (format: workloads/README.md).
 */
#ifndef OOMLAB_PLAN_H
#define OOMLAB_PLAN_H

#include <stddef.h>

#include "buf.h"
#include "settings.h"

struct plan_item {
	const struct scenario *sc;
	const struct vmconfig *vm;
};

struct plan {
	struct plan_item *items;
	size_t n;
	struct scenario *reps;     /* plan_repeat()'s copies (items point into it) */
};

/* --repeat: at most this many runs of each scenario. */
#define PLAN_REPEAT_MAX 99
/* The separator of a repetition's name: not a character a scenario name
 * may hold (settings.c valid_name), so a name splits without doubt. */
#define PLAN_REP_SEP '@'

/* Selectors: a scenario name, "tag:T" (or "@T"), "vm:NAME"; a glob in any
 * of them (fnmatch).  No selector means "tag:default".  An item is selected
 * when any selector matches.  A selector matching nothing is an error that
 * lists what is known. */
int plan_select(const struct oom_config *cfg, char *const *sel, size_t nsel,
		struct plan *out, struct buf *err);
void plan_free(struct plan *p);

/* Keep only shard k of n (1 <= k <= n): a scenario belongs to the shard its
 * name hashes to (FNV-1a), so adding a scenario never moves the others; the
 * repetitions of a scenario hash by its base name, so they share a shard. */
void plan_shard(struct plan *p, unsigned k, unsigned n);
/* "K/N" -> k, n.  Returns -1 (err set) when it is not a shard. */
int plan_parse_shard(const char *s, unsigned *k, unsigned *n, struct buf *err);
/* The shard a CI system asks for: GitLab (CI_NODE_INDEX, CI_NODE_TOTAL),
 * Slurm arrays (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN + 1 of
 * SLURM_ARRAY_TASK_COUNT), Kubernetes indexed Jobs (JOB_COMPLETION_INDEX + 1
 * of OOMLAB_SHARD_TOTAL, since Kubernetes does not export the count).
 * Returns 1 and sets k, n when one is found, 0 when none, -1 on nonsense. */
int plan_shard_from_env(unsigned *k, unsigned *n, struct buf *err);

/* --repeat N (1 <= N <= PLAN_REPEAT_MAX): every item becomes N items, in a
 * row, each a fresh guest.  Repetition k of scenario NAME is a copy of the
 * scenario named "NAME@k" (PLAN_REP_SEP): the run loop names its directory,
 * its work files and its result after it, so no repetition overwrites
 * another, a --resume matches each finished repetition to its item, and
 * run.json lists every repetition.  N = 1 changes nothing.  Returns -1 with
 * err set when a name would not fit with its number. */
int plan_repeat(struct plan *p, unsigned nrep, struct buf *err);
/* The scenario of a (possibly repetition's) name: the length of its base
 * name, and *rep its repetition number (0 when it is not "NAME@k"). */
size_t plan_rep_split(const char *name, unsigned *rep);
/* The --repeat a plan of these item names was made with (run.json's
 * "scenarios", for --resume): the highest repetition number, 1 if none. */
unsigned plan_repeat_of(char *const *names, size_t n);

/* Kernel modules (by name, without .ko) the guest must load for this item,
 * in no particular order; the kernel stage resolves their dependencies. */
size_t plan_modules(const struct plan_item *it, const char **names, size_t max);

/* The guest plan.  modules: the .ko file names (basename) in load order, as
 * they are stored under /lib/modules/ in the initramfs. */
void plan_guest_json(const struct plan_item *it, char *const *modules, size_t nmod,
		     struct buf *out);

#endif
