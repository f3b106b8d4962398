/* report_ci.h - the results in the formats kernel CI systems read:
 * KTAP (kselftest, Documentation/dev-tools/ktap.rst) and KCIDB JSON
 * (the kernelci.org KCIDB I/O schema: tests with PASS/FAIL/ERROR/SKIP/MISS
 * and numbers with units).  Same results as results.json and junit.xml. */
#ifndef OOMLAB_REPORT_CI_H
#define OOMLAB_REPORT_CI_H

#include <stddef.h>

#include "buf.h"
#include "report.h"

/* KTAP version 1: one test line per scenario; a SKIP or ERROR is a
 * directive; diagnostics are "# " lines before the test line. */
void report_ktap(const struct result *r, size_t n, struct buf *out);

/* {"version": {"major": 4, "minor": 4}, "tests": [...]} (KCIDB I/O schema
 * v4.4, the first with a test's "number"): one test per scenario, id
 * "oomlab:RUN:SCENARIO", build_id "oomlab:KERNEL", path
 * "oomlab.VMCONFIG.SCENARIO" (bytes outside [.a-zA-Z0-9_-] as '_'), origin
 * "oomlab", status, duration in seconds, the oracle's margin as a number in
 * kB, and expected/observed path, accelerator and reason in misc. */
void report_kcidb(const struct result *r, size_t n, const char *run_id, struct buf *out);

/* The report stage's files in run directory dir, all from the same results:
 * results.json, junit.xml, results.ktap, kcidb.json, each written atomically
 * (write_file_atomic) in that order.  results.json comes first and nothing
 * else is written when it fails, so no other file ever gets ahead of it.
 * run_id names the run in kcidb.json (NULL: the last component of dir).
 * Returns 0, or -1 with err naming the file (for results.json: "the previous
 * results.json is intact"); the files after a failed one are still tried. */
int report_write_dir(const char *dir, const struct result *r, size_t n, const char *run_id,
		     struct buf *err);

#endif
