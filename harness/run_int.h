/* run_int.h - what run.c (the loop, the work directory, signals) shares
 * with run_item.c (one scenario: prepare, boot, judge).  Users of the run
 * stage include run.h only. */
#ifndef OOMLAB_RUN_INT_H
#define OOMLAB_RUN_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "run.h"
#include "snapshot.h"

struct slot {
	bool busy;
	size_t item;
	unsigned attempt;      /* 0; 1 for the retry of a boot that hung */
	double first_start;    /* when attempt 0 started (monotonic s) */
	bool restored;         /* this attempt restored a snapshot */
	struct vm vm;
};

struct run {
	const struct plan *plan;
	const struct run_opts *o;
	struct result *res;
	bool *finished;
	struct slot *slots;
	char work[PATH_MAX];   /* out_dir/.work (0700): initramfs and swap images,
				* there only while a guest is prepared */
	int lock_fd;           /* flock on out_dir while the run owns it */
	bool save_failed;      /* the last write of results.json or junit.xml failed */
	struct progress prog;
	unsigned long long mem_budget; /* bytes all guests may take (0: no limit) */
	bool budget_noted;     /* the user was told the budget holds guests back */
	struct snapshot *snaps;  /* the shapes of this run (run_snap.c) */
	size_t nsnaps;
	const struct snapshot **snap_of; /* per item: its shape's, or NULL (cold) */
};

/* run.c */
/* Create the work directory, private (0700).  -1 with err set. */
int run_work_dir(struct run *r, struct buf *err);
/* Empty and remove it (QEMU holds what it needs by descriptor). */
void run_work_done(struct run *r);
void run_finish_item(struct run *r, size_t i);
void run_fail_item(struct run *r, size_t i, const char *why);

/* run_item.c */
/* Prepare item i and boot it in slot s (attempt 0 or 1); on failure the
 * item is finished as an ERROR. */
void run_start_item(struct run *r, struct slot *s, size_t i, unsigned attempt);
/* The VM of slot s is over: retry a boot that hung once, else gather the
 * evidence, judge and finish the item. */
void run_collect_item(struct run *r, struct slot *s, const struct vm_outcome *out);
/* The watchdog and the host timeout for a scenario under the run's
 * accelerator (vm.h). */
void run_limits(const struct run_opts *o, const struct scenario *sc, struct vm_spec *spec);
/* What item i's VM is made of, but for its files: kernel, command line
 * (into append, which must outlive spec), memory, CPUs, NUMA, limits. */
void run_item_spec(const struct run *r, size_t i, struct vm_spec *spec, struct buf *append);
/* Item i's initramfs at path (plan_json NULL: a snapshot shape's). */
int run_item_initramfs(struct run *r, size_t i, const char *path, const char *plan_json,
		       struct buf *err);
/* Item i's swap disk (if its vmconfig has one) in the work directory. */
int run_item_disk(struct run *r, size_t i, struct vm_spec *spec, struct buf *err);

/* run_snap.c */
/* Find each item's snapshot and build the missing ones (o->snapshot).
 * Items whose shape could not be saved boot cold; never fails the run. */
void run_snapshots(struct run *r);
void run_snapshots_free(struct run *r);
/* The plan as the one line a restored agent reads, with a fresh "seed". */
int run_snap_line(const char *plan_json, struct buf *line, struct buf *err);

#endif
