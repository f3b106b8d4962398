/* report.h - stage 6: results.json, junit.xml, the table, the progress line.
 *
 * results.json is the public contract described in README.md; every file is
 * written to a temp name and renamed, so a reader never sees half a file.
 */
#ifndef OOMLAB_REPORT_H
#define OOMLAB_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "path.h"
#include "verdict.h"

struct result {
	char scenario[64];
	char vmconfig[64];
	char kernel[128];          /* guest release; "" if the guest never said */
	char accel[8];             /* "tcg" or "kvm" */
	enum oom_path expected;    /* what the verdict compares with */
	enum oom_path declared;    /* the scenario's own expect, PATH_UNKNOWN if none */
	struct {                   /* the oracle's prediction (oracle.h) */
		bool present;
		enum oom_path path;
		long long margin_kb, tolerance_kb;
		char why[256];
	} oracle;
	bool oracle_disagrees;     /* declared and predicted differ */
	struct observed obs;
	enum verdict verdict;
	char reason[512];          /* why not PASS; "" for PASS */
	double duration_s;
	char dir[64];              /* per-scenario directory, relative to the run dir */
};

/* Write text to path atomically (temp + fsync + rename).  On failure the
 * old file is untouched, the temp file removed, and err gets one line.
 * libfiu points: oomlab/report/write (ENOSPC), oomlab/report/fsync (EIO),
 * oomlab/report/rename (EXDEV). */
int write_file_atomic(const char *path, const char *data, size_t len, struct buf *err);

void report_json(const struct result *r, size_t n, struct buf *out);
void report_junit(const struct result *r, size_t n, const char *suite, struct buf *out);
/* The table: scenario, vmconfig, expected, observed, verdict, time. */
void report_table(FILE *f, const struct result *r, size_t n);
/* Process exit status for a run: 0 all PASS/SKIP, 1 any FAIL, 2 any ERROR. */
int report_exit_status(const struct result *r, size_t n);

/* The caller keeps `running` up to date; progress_update() counts `done`. */
struct progress {
	bool tty;
	size_t total, done, running;
	double start;
	size_t last_len;
	char shown[128];           /* the line last drawn on the TTY */
};
void progress_init(struct progress *p, FILE *f, size_t total);
/* On a TTY: redraw one line "[done/total] running N, elapsed 12s, ETA 30s"
 * (only when its text changed); otherwise print one line per finished
 * result, "[3/12] PASS mode0-heuristic-reject (8.1 s)", and nothing else. */
void progress_update(struct progress *p, FILE *f, const struct result *finished);
void progress_end(struct progress *p, FILE *f);

#endif
