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
	struct {                   /* where the time went (snapshot.h, issue #5) */
		char boot[12];         /* "snapshot", "pvh", "bzimage"; "" unknown */
		double ready_s;        /* QEMU start to the agent's hello (host); -1 unknown */
		double workload_s;     /* the steps' own durations (agent); -1 unknown */
	} timing;
	char dir[64];              /* per-scenario directory, relative to the run dir */
	char console_tail[2048];   /* ERROR rows: the last lines of the guest console */
};

/* Write text to path atomically (temp + fsync + rename).  On failure the
 * old file is untouched, the temp file removed, and err gets one line.
 * libfiu points: oomlab/report/write (ENOSPC), oomlab/report/fsync (EIO),
 * oomlab/report/rename (EXDEV). */
int write_file_atomic(const char *path, const char *data, size_t len, struct buf *err);

void report_json(const struct result *r, size_t n, struct buf *out);
/* Read results.json back (for --resume): every key report_json writes, so
 * that writing the loaded results again gives the same document.  The text
 * is untrusted: strings are cut to their fields and sanitized, unknown
 * path and verdict names are errors.  -1 with err set ("results.json: ..."
 * naming the entry) when it is not such a document; *out (free it with
 * run_results_free or result_free + free) holds *n results on success. */
int report_load_json(const char *text, size_t len, struct result **out, size_t *n,
		     struct buf *err);
/* A deep copy (the evidence strings are duplicated); free with result_free. */
void result_copy(struct result *dst, const struct result *src);
void result_free(struct result *r);
/* Copy len bytes of console text into dst[dstlen]: '\n' and '\t' kept,
 * other control bytes and invalid UTF-8 shown as '?', cut at a character
 * boundary, NUL-terminated. */
void report_tail_copy(char *dst, size_t dstlen, const char *src, size_t len);
void report_junit(const struct result *r, size_t n, const char *suite, struct buf *out);
/* The table: scenario, vmconfig, expected, observed, verdict, time. */
void report_table(FILE *f, const struct result *r, size_t n);
/* "PASS mode0-heuristic-reject (8.1 s)": one finished result in brief. */
void report_brief(const struct result *r, char *out, size_t len);
/* Process exit status for a run: 0 all PASS/SKIP, 1 any FAIL or a flaky
 * scenario (report_flaky), 2 any ERROR. */
int report_exit_status(const struct result *r, size_t n);

/* Repetitions (oomlab run --repeat; plan.h names them "NAME@k"): whether
 * r[i] is a repetition and another repetition of its scenario on the same
 * vmconfig in r[0..n) had another verdict or observed path. */
bool report_flaky(const struct result *r, size_t n, size_t i);
/* Per repeated scenario, in order of first appearance: how many runs, their
 * verdicts and observed paths, and whether they agree ("agree" or "FLAKY");
 * nothing when no result is a repetition.  report_table() ends with it. */
void report_repeats(FILE *f, const struct result *r, size_t n);

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
