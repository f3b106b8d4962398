/* report_ci.h - the results in the formats kernel CI systems read:
 * KTAP (kselftest, Documentation/dev-tools/ktap.rst) and KCIDB-style JSON
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

/* {"version": {"major": 4, "minor": 3}, "tests": [...]}: one test per
 * scenario, id "oomlab:RUN:SCENARIO", path "oomlab.VMCONFIG.SCENARIO",
 * origin "oomlab", duration in seconds, the observed path in misc, and the
 * oracle's margin as a number in kB. */
void report_kcidb(const struct result *r, size_t n, const char *run_id, struct buf *out);

#endif
