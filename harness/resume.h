/* resume.h - what `oomlab run --resume DIR` needs: DIR/run.json, written
 * (atomically) when a run starts, records how the run was asked for and
 * what it decided; DIR/results.json holds what finished.
 *
 * run.json:
 *   { "version": 1,
 *     "selectors": ["tag:smoke"],          the command line's selectors
 *     "kernel": "debian", "modules": null, --kernel, --modules (paths absolute)
 *     "append": null, "config": "/abs/vmconfigs", "shard": "1/2" or null,
 *     "watchdog_s": 0, "no_watchdog": false,
 *     "no_snapshot": false, "no_pvh": false,  (absent in older runs: false)
 *     "accel": "tcg", "accel_reason": "...", the accelerator decided (a resume
 *                                           does not probe again)
 *     "release": "6.1.0-56-amd64",         the kernel that ran
 *     "scenarios": ["a", "b"] }            the plan, in order
 *
 * A resume selects the same plan from the same configuration and kernel and
 * refuses to go on when they changed (a different plan or kernel would not
 * complete the same run). */
#ifndef OOMLAB_RESUME_H
#define OOMLAB_RESUME_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "report.h"
#include "vm.h"

struct run_record {
	char **selectors;
	size_t nsel;
	char *kernel, *modules, *append, *config, *shard; /* NULL when not given */
	unsigned watchdog_s;
	bool no_watchdog;
	bool no_snapshot, no_pvh; /* --no-snapshot, --no-pvh */
	enum accel accel;
	char *accel_reason;
	char *release;
	char **scenarios;
	size_t nsc;
};

void run_record_free(struct run_record *rec);
/* Write dir/run.json atomically.  -1 with err set. */
int run_record_write(const char *dir, const struct run_record *rec, struct buf *err);
/* Read dir/run.json (untrusted: bounded, types checked).  -1 with err set. */
int run_record_read(const char *dir, struct run_record *rec, struct buf *err);
/* dir/results.json as results (none when the file does not exist yet).
 * -1 with err set when it exists but cannot be read back. */
int resume_results(const char *dir, struct result **r, size_t *n, struct buf *err);

#endif
