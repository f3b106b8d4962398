/* cmd_bench.c - `oomlab bench`: N repetitions of one scenario, each a fresh
 * guest run by the ordinary run machinery (run.h run_plan, so it gets
 * whatever makes guests cheap) with oomlab.bench=1 on the kernel command
 * line (the agent's benchmark trace instance and PSI sampler:
 * workloads/agent_trace.c, agent_psi.c), for one or two kernels or
 * vmconfigs, then the phases of the OOM event of each (bench.h), their
 * statistics and the comparison (bench_report.c, stats.h), bench.json, a
 * table on stdout and report.html (bench_html.c).  The repetitions of A
 * and B alternate, so that a change in the host's load falls on both.
 *
 * Layout of OUT: a/rep-01/ (an ordinary run directory: results.json,
 * run.txt, SCENARIO/records.jsonl, ...), a/rep-02/, ..., b/rep-01/, ...;
 * bench.json, report.html.  `--from OUT` analyses such a directory again
 * without booting anything. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bench_int.h"
#include "cleanup.h"
#include "cmd_run.h"
#include "commands.h"
#include "plan.h"
#include "report.h"
#include "run.h"

#define BENCH_MAX_N 200

struct bench_args {
	const char *kernel[BENCH_SIDES], *vmconfig[BENCH_SIDES];
	size_t nkernel, nvmconfig;
	const char *scenario, *out, *from, *config, *append;
	enum accel accel;
	unsigned n;
	bool quiet;
};

static int add_two(const char **v, size_t *n, const char *opt, const char *val)
{
	if (*n >= BENCH_SIDES) {
		fprintf(stderr, "oomlab bench: %s %s: at most two (A and B)\n", opt, val);
		return -1;
	}
	v[(*n)++] = val;
	return 0;
}

static int parse_n(const char *s, unsigned *n)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > BENCH_MAX_N) {
		fprintf(stderr, "oomlab bench: -n %s: write a number from 1 to %d\n", s, BENCH_MAX_N);
		return -1;
	}
	*n = (unsigned)v;
	return 0;
}

static int parse_opt(int c, struct bench_args *a)
{
	switch (c) {
	case 'k': return add_two(a->kernel, &a->nkernel, "--kernel", optarg);
	case 'v': return add_two(a->vmconfig, &a->nvmconfig, "--vmconfig", optarg);
	case 's': a->scenario = optarg; return 0;
	case 'n': return parse_n(optarg, &a->n);
	case 'o': a->out = optarg; return 0;
	case 'f': a->from = optarg; return 0;
	case 'c': a->config = optarg; return 0;
	case 'A': a->append = optarg; return 0;
	case 'q': a->quiet = true; return 0;
	case 'a':
		if (!strcmp(optarg, "tcg") || !strcmp(optarg, "kvm") || !strcmp(optarg, "auto")) {
			a->accel = !strcmp(optarg, "tcg") ? ACCEL_TCG : !strcmp(optarg, "kvm") ?
				   ACCEL_KVM : ACCEL_AUTO;
			return 0;
		}
		fprintf(stderr, "oomlab bench: --accel %s: write auto, tcg or kvm\n", optarg);
		return -1;
	case 'h': print_usage(stdout); exit(0);
	default: print_usage(stderr); return -1;
	}
}

static int parse_args(int argc, char **argv, struct bench_args *a)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' }, { "vmconfig", required_argument, NULL, 'v' },
		{ "scenario", required_argument, NULL, 's' }, { "out", required_argument, NULL, 'o' },
		{ "from", required_argument, NULL, 'f' }, { "config", required_argument, NULL, 'c' },
		{ "append", required_argument, NULL, 'A' }, { "accel", required_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' }, { "help", no_argument, NULL, 'h' }, { 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "k:v:s:n:o:f:c:A:a:qh", opts, NULL)) != -1)
		if (parse_opt(c, a) < 0)
			return -1;
	if (optind < argc) {
		fprintf(stderr, "oomlab bench: %s: unexpected argument (the scenario goes with "
			"--scenario)\n", argv[optind]);
		return -1;
	}
	if (!a->from && !a->scenario) {
		fprintf(stderr, "oomlab bench: write --scenario NAME (oomlab list shows them; "
			"tag bench: the shipped ones), or --from DIR to analyse an earlier bench\n");
		return -1;
	}
	return 0;
}

/* ---- analysis and outputs ---- */

static int finish(const char *dir, const char *out, const char *scenario)
{
	_cleanup_buf_ struct buf err = BUF_INIT, path = BUF_INIT, html = BUF_INIT;
	struct bench_result r = { .nsides = 0 };
	struct stat st;
	int rc = 0;

	snprintf(r.scenario, sizeof(r.scenario), "%s", scenario ? scenario : "");
	for (size_t k = 0; k < BENCH_SIDES; k++) {
		struct bench_side *s = &r.side[r.nsides];

		snprintf(s->dir, sizeof(s->dir), "%s/%c", dir, (int)('a' + k));
		if (stat(s->dir, &st) < 0)
			break;
		if (bench_side_load(s, &err) < 0)
			rc = 2;
		r.nsides++;
	}
	if (err.len)
		fprintf(stderr, "oomlab bench: %s", err.s);
	if (!r.nsides || rc) {
		if (!r.nsides)
			fprintf(stderr, "oomlab bench: %s: no a/ directory of repetitions\n", dir);
		bench_result_free(&r);
		return 2;
	}
	if (!r.scenario[0])
		snprintf(r.scenario, sizeof(r.scenario), "%s", r.side[0].scenario);
	bench_analyze(&r);
	bench_print_table(stdout, &r);
	buf_reset(&err);
	buf_addf(&path, "%s/bench.json", out);
	if (bench_write_json(&r, path.s, &err) < 0)
		rc = 2;
	bench_html(&r, &html);
	buf_reset(&path);
	buf_addf(&path, "%s/report.html", out);
	if (write_file_atomic(path.s, html.s, html.len, &err) < 0)
		rc = 2;
	if (rc)
		fprintf(stderr, "oomlab bench: %s\n", err.s);
	else
		printf("bench.json and report.html in %s\n", out);
	bench_result_free(&r);
	return rc;
}

/* ---- running the repetitions ---- */

struct bench_ctx {
	struct bench_args a;
	struct oom_config cfg;
	const struct scenario *sc;
	const struct vmconfig *vm[BENCH_SIDES];
	struct kernel k[BENCH_SIDES];
	enum accel acc[BENCH_SIDES];
	char why[BENCH_SIDES][512];
	size_t nsides;
	char out[PATH_MAX], cache[PATH_MAX], append[1024];
};

static int bench_prepare(const struct paths *p, struct bench_ctx *x)
{
	const struct bench_args *a = &x->a;

	if (load_config(a->config ? a->config : p->config, &x->cfg) < 0)
		return -1;
	if (!(x->sc = config_scenario(&x->cfg, a->scenario))) {
		fprintf(stderr, "oomlab bench: --scenario %s: no such scenario (oomlab list; "
			"`oomlab list | grep bench` for the shipped ones)\n", a->scenario);
		return -1;
	}
	x->nsides = a->nkernel > a->nvmconfig ? a->nkernel : a->nvmconfig;
	if (!x->nsides)
		x->nsides = 1;
	for (size_t k = 0; k < x->nsides; k++) {
		const char *vm = a->nvmconfig ? a->vmconfig[k < a->nvmconfig ? k : 0] : x->sc->vmconfig;
		const char *ker = a->nkernel ? a->kernel[k < a->nkernel ? k : 0] : NULL;

		if (!(x->vm[k] = config_vm(&x->cfg, vm))) {
			fprintf(stderr, "oomlab bench: --vmconfig %s: no such vmconfig (oomlab list)\n", vm);
			return -1;
		}
		if (resolve_kernel(ker, NULL, &x->k[k]) < 0)
			return -1;
	}
	snprintf(x->append, sizeof(x->append), "oomlab.bench=1%s%s", a->append ? " " : "",
		 a->append ? a->append : "");
	return 0;
}

static int make_dirs(const struct paths *p, struct bench_ctx *x)
{
	char sub[PATH_MAX + 8];

	if (x->a.out) {
		snprintf(x->out, sizeof(x->out), "%s", x->a.out);
	} else {
		char stamp[32];
		time_t t = time(NULL);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
		snprintf(sub, sizeof(sub), "%s/results", p->root);
		mkdir(sub, 0755);
		snprintf(x->out, sizeof(x->out), "%s/results/bench-%s-%s", p->root, x->sc->name, stamp);
	}
	if (mkdir(x->out, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "oomlab bench: %s: cannot create: %s\n", x->out, strerror(errno));
		return -1;
	}
	for (size_t k = 0; k < x->nsides; k++) {
		snprintf(sub, sizeof(sub), "%s/%c", x->out, (int)('a' + k));
		if (mkdir(sub, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "oomlab bench: %s: cannot create: %s\n", sub, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void decide(const struct paths *p, struct bench_ctx *x)
{
	for (size_t k = 0; k < x->nsides; k++) {
		_cleanup_buf_ struct buf why = BUF_INIT, work = BUF_INIT;

		buf_addf(&work, "%s/.work-%c", x->out, (int)('a' + k));
		x->acc[k] = decide_accel(p, x->a.accel, &x->k[k], work.s, &why);
		snprintf(x->why[k], sizeof(x->why[k]), "%s", why.s);
		fprintf(stderr, "oomlab bench: %c: kernel %s, vmconfig %s, accelerator %s: %s\n",
			(int)('A' + k), x->k[k].release, x->vm[k]->name, accel_name(x->acc[k]), why.s);
	}
}

/* One repetition of side k: a plan of one item into OUT/<k>/rep-NN. */
static int one_rep(const struct paths *p, struct bench_ctx *x, size_t k, unsigned i)
{
	_cleanup_buf_ struct buf err = BUF_INIT, dir = BUF_INIT;
	struct plan_item it = { .sc = x->sc, .vm = x->vm[k] };
	struct plan plan = { .items = &it, .n = 1 };
	struct result *res = NULL;
	size_t nres = 0;
	struct run_opts o = { .guest_dir = p->guest, .kernel = &x->k[k], .accel = x->acc[k],
			      .accel_why = x->why[k], .jobs = 1, .append = x->append, .quiet = true,
			      .cache_dir = x->cache[0] ? x->cache : NULL };
	int status;

	buf_addf(&dir, "%s/%c/rep-%02u", x->out, (int)('a' + k), i);
	o.out_dir = dir.s;
	if (mkdir(dir.s, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "oomlab bench: %s: cannot create: %s\n", dir.s, strerror(errno));
		return 2;
	}
	status = run_plan(&plan, &o, &res, &nres, &err);
	if (status < 0)
		fprintf(stderr, "oomlab bench: %s: %s\n", dir.s, err.s);
	else if (!x->a.quiet)
		fprintf(stderr, "oomlab bench: %c rep %u/%u: %s %s (%.1f s)\n", (int)('A' + k), i,
			x->a.n, nres ? verdict_name(res[0].verdict) : "-",
			nres ? path_name(res[0].obs.path) : "", nres ? res[0].duration_s : 0.0);
	run_results_free(res, nres);
	return status;
}

static int bench_run(const struct paths *p, struct bench_ctx *x)
{
	_cleanup_buf_ struct buf err = BUF_INIT;
	int st = 0;

	if (kernel_cache_dir(x->cache, sizeof(x->cache), &err) < 0)
		x->cache[0] = '\0';
	block_signals();
	decide(p, x);
	for (unsigned i = 1; i <= x->a.n && st < 128; i++)
		for (size_t k = 0; k < x->nsides && st < 128; k++)
			st = one_rep(p, x, k, i);
	if (st >= 128)
		fprintf(stderr, "oomlab bench: interrupted by %s; analysing what finished\n",
			strsignal(st - 128));
	return st >= 128 ? st : 0;
}

int cmd_bench(const struct paths *p, int argc, char **argv)
{
	struct bench_ctx x = { .a = { .accel = ACCEL_AUTO, .n = 10 } };
	int rc = 2, st;

	if (parse_args(argc, argv, &x.a) < 0)
		return 2;
	if (x.a.from) {
		if (x.a.out && mkdir(x.a.out, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "oomlab bench: --out %s: cannot create: %s\n", x.a.out,
				strerror(errno));
			return 2;
		}
		return finish(x.a.from, x.a.out ? x.a.out : x.a.from, NULL);
	}
	if (bench_prepare(p, &x) == 0 && make_dirs(p, &x) == 0) {
		st = bench_run(p, &x);
		rc = finish(x.out, x.out, x.sc->name);
		if (st)
			rc = st;
	}
	config_free(&x.cfg);
	return rc;
}
