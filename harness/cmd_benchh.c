/* cmd_benchh.c - `oomlab bench --harness` (commands.h): what each speed-up
 * of the run machinery buys, measured with real runs of this oomlab.
 *
 * Three ways to start a guest: the bzImage as it is (--no-pvh
 * --no-snapshot), its vmlinux through the PVH entry (--no-snapshot), and a
 * restore from the snapshot pool (the default).  For each, `oomlab run`
 * runs the boot set (tag:smoke, -n times, one guest at a time so that the
 * times are not shared) and this reads results.json: time from QEMU's start
 * to the agent's hello (timing.ready_s), and the per-scenario overhead, the
 * wall time of a scenario minus its workload's own time (duration_s -
 * timing.workload_s).  With --matrix it then runs the default matrix in
 * each mode with the default job count, times it, and compares the
 * verdicts and observed paths of the three runs.
 *
 * The snapshots are built before the snapshot measurements (a warm-up run
 * of the same selection), as a gate run finds them in its cache.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "cmd_run.h"
#include "commands.h"
#include "report.h"
#include "run.h"
#include "spawn.h"
#include "vm.h"

enum { MODES = 3 };
static const char *const mode_name[MODES] = { "bzimage", "pvh", "snapshot" };
static const char *const mode_args[MODES][2] = {
	{ "--no-pvh", "--no-snapshot" }, { "--no-snapshot", NULL }, { NULL, NULL },
};

struct bench_args {
	const char *kernel, *out, *boot_sel;
	unsigned n;
	bool matrix;
};

struct mode_result {
	double ready[512], over[512];
	size_t n;
	unsigned errors;
	char accel[8];
	double matrix_wall;
	double matrix_cold_wall;  /* snapshot mode: the first run, which saves them */
	struct result *mres;      /* the matrix run's results */
	size_t nmres;
	int matrix_status;
};

static int run_oomlab(const struct paths *p, const struct bench_args *a, int mode,
		      const char *out, bool matrix, double *wall)
{
	struct child c = CHILD_INIT;
	_cleanup_buf_ struct buf err = BUF_INIT;
	double t0;
	int st;

	child_argf(&c, "%s/oomlab", p->bin);
	child_arg(&c, "run");
	child_arg(&c, "--quiet");
	child_arg(&c, "--out");
	child_arg(&c, out);
	for (int k = 0; k < 2; k++)
		if (mode_args[mode][k])
			child_arg(&c, mode_args[mode][k]);
	if (a->kernel) {
		child_arg(&c, "--kernel");
		child_arg(&c, a->kernel);
	}
	if (!matrix) {
		child_arg(&c, "--jobs");
		child_arg(&c, "1");
		child_arg(&c, "--repeat");
		child_argf(&c, "%u", a->n);
		child_arg(&c, a->boot_sel);
	}
	c.stdout_path = "";
	t0 = now_s();
	if (child_start(&c, &err) < 0) {
		fprintf(stderr, "oomlab: bench: %s\n", err.s);
		child_clear(&c);
		return -1;
	}
	st = child_finish(&c);
	*wall = now_s() - t0;
	child_clear(&c);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
}

static int load(const char *dir, struct result **r, size_t *n)
{
	_cleanup_buf_ struct buf path = BUF_INIT, text = BUF_INIT, err = BUF_INIT;

	buf_addf(&path, "%s/results.json", dir);
	if (buf_read_file(&text, path.s, 64u << 20, NULL) < 0 ||
	    report_load_json(text.s, text.len, r, n, &err) < 0) {
		fprintf(stderr, "oomlab: bench: %s: %s\n", path.s, err.len ? err.s : "unreadable");
		return -1;
	}
	return 0;
}

static void collect(struct mode_result *m, const struct result *r, size_t n)
{
	if (n)
		snprintf(m->accel, sizeof(m->accel), "%s", r[0].accel);
	for (size_t i = 0; i < n && m->n < ARRAY_SIZE(m->ready); i++) {
		if (r[i].verdict == VERDICT_ERROR || r[i].timing.ready_s < 0 ||
		    r[i].timing.workload_s < 0 || r[i].duration_s < 0) {
			m->errors++;
			continue;
		}
		m->ready[m->n] = r[i].timing.ready_s;
		m->over[m->n++] = r[i].duration_s - r[i].timing.workload_s;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	if (!n)
		return -1;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int parse(int argc, char **argv, struct bench_args *a)
{
	static const struct option opts[] = {
		{ "harness", no_argument, NULL, 'H' }, { "kernel", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' }, { "matrix", no_argument, NULL, 'm' },
		{ "select", required_argument, NULL, 's' }, { 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:k:o:ms:", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'H': break;
		case 'k': a->kernel = optarg; break;
		case 'o': a->out = optarg; break;
		case 'm': a->matrix = true; break;
		case 's': a->boot_sel = optarg; break;
		case 'n':
			a->n = (unsigned)strtoul(optarg, &end, 10);
			if (*end || a->n < 1 || a->n > 100) {
				fprintf(stderr, "oomlab: bench --harness -n %s: write 1 to 100\n", optarg);
				return -1;
			}
			break;
		default:
			fprintf(stderr, "usage: oomlab bench --harness [-n N] [--matrix] [--kernel K] "
				"[--select SEL] [--out DIR]\n");
			return -1;
		}
	}
	return 0;
}

/* Rows whose verdict or observed path differ between mode 0 and mode k. */
static size_t compare(const struct mode_result *m, int k, FILE *f)
{
	size_t diffs = 0;

	for (size_t i = 0; i < m[0].nmres; i++) {
		const struct result *x = &m[0].mres[i], *y = NULL;

		for (size_t j = 0; j < m[k].nmres && !y; j++)
			if (!strcmp(m[k].mres[j].scenario, x->scenario))
				y = &m[k].mres[j];
		if (y && y->verdict == x->verdict && y->obs.path == x->obs.path)
			continue;
		diffs++;
		fprintf(f, "  %s: %s %s/%s, %s %s/%s\n", x->scenario, mode_name[0],
			verdict_name(x->verdict), path_name(x->obs.path), mode_name[k],
			y ? verdict_name(y->verdict) : "missing", y ? path_name(y->obs.path) : "-");
	}
	return diffs;
}

static void print_table(struct mode_result *m, const struct bench_args *a)
{
	printf("%-9s %6s %14s %16s %10s %s\n", "BOOT", "RUNS", "READY_S(med)", "OVERHEAD_S(med)",
	       "ERRORS", a->matrix ? "MATRIX_WALL_S" : "");
	for (int k = 0; k < MODES; k++) {
		printf("%-9s %6zu %14.3f %16.3f %10u", mode_name[k], m[k].n, median(m[k].ready, m[k].n),
		       median(m[k].over, m[k].n), m[k].errors);
		if (a->matrix)
			printf(" %13.1f (%zu scenarios, exit %d)", m[k].matrix_wall, m[k].nmres,
			       m[k].matrix_status);
		if (a->matrix && m[k].matrix_cold_wall > 0)
			printf("; %.1f s when its snapshots were saved first", m[k].matrix_cold_wall);
		printf("\n");
	}
}

static int bench_mode(const struct paths *p, const struct bench_args *a, int k,
		      struct mode_result *m)
{
	_cleanup_buf_ struct buf dir = BUF_INIT;
	struct result *r = NULL;
	size_t n = 0;
	double wall;

	if (k == 2) { /* the snapshots of the boot set, as a gate run finds them */
		buf_addf(&dir, "%s/warmup-%s", a->out, mode_name[k]);
		run_oomlab(p, &(struct bench_args){ .kernel = a->kernel, .boot_sel = a->boot_sel,
						   .n = 1 }, k, dir.s, false, &wall);
		buf_reset(&dir);
	}
	buf_addf(&dir, "%s/boot-%s", a->out, mode_name[k]);
	fprintf(stderr, "oomlab: bench: %s: %u x %s, one guest at a time\n", mode_name[k], a->n,
		a->boot_sel);
	run_oomlab(p, a, k, dir.s, false, &wall);
	if (load(dir.s, &r, &n) < 0)
		return -1;
	collect(m, r, n);
	run_results_free(r, n);
	if (!a->matrix)
		return 0;
	if (k == 2) { /* once to save the snapshots of every shape, timed too */
		buf_reset(&dir);
		buf_addf(&dir, "%s/matrix-%s-cold", a->out, mode_name[k]);
		fprintf(stderr, "oomlab: bench: %s: the default matrix, saving its snapshots\n",
			mode_name[k]);
		run_oomlab(p, a, k, dir.s, true, &m->matrix_cold_wall);
	}
	buf_reset(&dir);
	buf_addf(&dir, "%s/matrix-%s", a->out, mode_name[k]);
	fprintf(stderr, "oomlab: bench: %s: the default matrix, default --jobs\n", mode_name[k]);
	m->matrix_status = run_oomlab(p, a, k, dir.s, true, &m->matrix_wall);
	return load(dir.s, &m->mres, &m->nmres);
}

int cmd_bench_harness(const struct paths *p, int argc, char **argv)
{
	struct bench_args a = { .n = 5, .boot_sel = "tag:smoke" };
	struct mode_result *m = calloc(MODES, sizeof(*m));
	_cleanup_buf_ struct buf out = BUF_INIT;
	size_t diffs = 0;
	int status = 0;

	if (!m || parse(argc, argv, &a) < 0) {
		free(m);
		return 2;
	}
	if (!a.out) {
		buf_addf(&out, "%s/results/bench-harness", p->root);
		a.out = out.s;
	}
	mkdir(a.out, 0755);
	for (int k = 0; k < MODES && status == 0; k++)
		if (bench_mode(p, &a, k, &m[k]) < 0)
			status = 2;
	if (status == 0) {
		print_table(m, &a);
		for (int k = 1; a.matrix && k < MODES; k++)
			diffs += compare(m, k, stdout);
		if (a.matrix)
			printf("verdicts and observed paths %s across the three ways to start a guest\n",
			       diffs ? "DIFFER" : "are identical");
		printf("accelerator: %s (TCG times are emulation times, comparable on one host "
		       "only); runs in %s\n", m[0].accel, a.out);
	}
	for (int k = 0; k < MODES; k++)
		run_results_free(m[k].mres, m[k].nmres);
	free(m);
	return status ? status : diffs ? 1 : 0;
}
