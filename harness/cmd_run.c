/* cmd_run.c - `oomlab run`: options, the run directory, run.json and
 * --resume, signals around the run (see cmd_run.h, run.h, resume.h). */
#include "cmd_run.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "diff.h"
#include "plan.h"
#include "report.h"
#include "resume.h"
#include "run.h"

struct run_args {
	const char *out, *kernel, *modules, *append, *config;
	enum accel accel;
	unsigned jobs;
	bool quiet;
	const char *shard;        /* "K/N", or NULL: the CI environment's, or all */
	const char *resume;       /* --resume DIR */
	const char *baseline;     /* --baseline DIR: gate on the diff against it */
	unsigned repeat;          /* --repeat N (plan_repeat); 0: once */
	unsigned watchdog_s;
	bool no_watchdog;         /* --watchdog 0 */
	bool no_snapshot;         /* --no-snapshot: every guest boots cold */
	bool no_pvh;              /* --no-pvh: boot the bzImage itself */
	unsigned mem_budget_mib;  /* --mem-budget MiB, 0: the default */
	bool others;              /* an option --resume does not take was given */
};

static int parse_accel(const char *s, enum accel *a)
{
	if (!strcmp(s, "auto"))
		*a = ACCEL_AUTO;
	else if (!strcmp(s, "tcg"))
		*a = ACCEL_TCG;
	else if (!strcmp(s, "kvm"))
		*a = ACCEL_KVM;
	else
		return -1;
	return 0;
}

static int parse_number(const char *opt, const char *s, long lo, long hi, unsigned *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "oomlab: %s %s: write a number from %ld to %ld\n", opt, s, lo, hi);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int parse_one(int c, struct run_args *a)
{
	if (c != 'j' && c != 'q' && c != 'r' && c != 'B')
		a->others = true;
	switch (c) {
	case 'o': a->out = optarg; break;
	case 'k': a->kernel = optarg; break;
	case 'm': a->modules = optarg; break;
	case 'A': a->append = optarg; break;
	case 'c': a->config = optarg; break;
	case 'q': a->quiet = true; break;
	case 'S': a->no_snapshot = true; break;
	case 'P': a->no_pvh = true; break;
	case 'M': return parse_number("--mem-budget", optarg, 64, 16 << 20, &a->mem_budget_mib);
	case 's': a->shard = optarg; break;
	case 'r': a->resume = optarg; break;
	case 'B': a->baseline = optarg; break;
	case 'a':
		if (parse_accel(optarg, &a->accel) == 0)
			break;
		fprintf(stderr, "oomlab: --accel %s: write auto, tcg or kvm\n", optarg);
		return -1;
	case 'j': return parse_number("--jobs", optarg, 1, 64, &a->jobs);
	case 'R': return parse_number("--repeat", optarg, 1, PLAN_REPEAT_MAX, &a->repeat);
	case 'w':
		if (parse_number("--watchdog", optarg, 0, 86400, &a->watchdog_s) < 0)
			return -1;
		a->no_watchdog = a->watchdog_s == 0;
		break;
	case 'h': print_usage(stdout); exit(0);
	default: print_usage(stderr); return -1;
	}
	return 0;
}

static int parse_run_args(int argc, char **argv, struct run_args *a)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "modules", required_argument, NULL, 'm' },
		{ "accel", required_argument, NULL, 'a' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "append", required_argument, NULL, 'A' },
		{ "config", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "shard", required_argument, NULL, 's' },
		{ "resume", required_argument, NULL, 'r' },
		{ "watchdog", required_argument, NULL, 'w' },
		{ "baseline", required_argument, NULL, 'B' },
		{ "repeat", required_argument, NULL, 'R' },
		{ "no-snapshot", no_argument, NULL, 'S' },
		{ "no-pvh", no_argument, NULL, 'P' },
		{ "mem-budget", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "o:k:m:a:j:A:c:qs:r:w:B:R:h", opts, NULL)) != -1)
		if (parse_one(c, a) < 0)
			return -1;
	if (a->resume && (a->others || optind < argc)) {
		fprintf(stderr, "oomlab: --resume DIR runs the rest of the run in DIR as it was asked "
			"for; only --jobs, --quiet and --baseline may go with it\n");
		return -1;
	}
	return 0;
}

/* --shard K/N, else the CI system's (plan.h), else every scenario.  The
 * shard applied goes to *applied ("" for none), for run.json. */
static int select_shard(const char *shard, bool env, struct plan *plan, char *applied,
			size_t len, struct buf *err)
{
	unsigned k = 0, n = 0;
	int r = shard ? plan_parse_shard(shard, &k, &n, err) : env ? plan_shard_from_env(&k, &n, err) : 0;

	applied[0] = '\0';
	if (r < 0) {
		buf_addch(err, '\n');
		return -1;
	}
	if (shard || r == 1) {
		plan_shard(plan, k, n);
		snprintf(applied, len, "%u/%u", k, n);
		fprintf(stderr, "oomlab: shard %u of %u: %zu scenarios\n", k, n, plan->n);
	}
	return 0;
}

/* results/<YYYYmmdd-HHMMSS>[-N] and the results/latest link. */
static int make_run_dir(const struct paths *p, char *out, size_t len)
{
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	for (int i = 1; i < 100; i++) {
		char link[PATH_MAX], tmp[PATH_MAX + 8];

		if (i == 1)
			snprintf(out, len, "%s/results/%s", p->root, stamp);
		else
			snprintf(out, len, "%s/results/%s-%d", p->root, stamp, i);
		mkdir(dirname(strcpy(link, out)), 0755);
		if (mkdir(out, 0755) < 0) {
			if (errno == EEXIST)
				continue;
			fprintf(stderr, "oomlab: %s: cannot create: %s\n", out, strerror(errno));
			return -1;
		}
		snprintf(link, sizeof(link), "%s/results/latest", p->root);
		snprintf(tmp, sizeof(tmp), "%s.tmp", link);
		unlink(tmp);
		if (symlink(strrchr(out, '/') + 1, tmp) < 0 || rename(tmp, link) < 0)
			fprintf(stderr, "oomlab: %s: cannot update: %s\n", link, strerror(errno));
		return 0;
	}
	fprintf(stderr, "oomlab: %s: too many runs in one second\n", out);
	return -1;
}

static int write_run_txt(const char *dir, const struct kernel *k, enum accel acc,
			 const char *why, const char *append)
{
	_cleanup_buf_ struct buf b = BUF_INIT, err = BUF_INIT, path = BUF_INIT;

	buf_addf(&b, "kernel: %s\nkernel_image: %s\nkernel_package: %s\n", k->release, k->image,
		 k->package);
	buf_addf(&b, "kernel_config: %s\nkernel_modules: %s\n", k->config, k->modules);
	buf_addf(&b, "accel: %s\naccel_reason: %s\n", accel_name(acc), why);
	buf_addf(&b, "append: %s\n", append ? append : "");
	buf_addf(&path, "%s/run.txt", dir);
	if (write_file_atomic(path.s, b.s, b.len, &err) < 0) {
		fprintf(stderr, "oomlab: %s\n", err.s);
		return -1;
	}
	return 0;
}

/* ---- run.json and --resume ---- */

static char *xstrdup_or_null(const char *s)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		abort();
	return d;
}

/* A path as an absolute one (it must work from any cwd on resume). */
static char *absolute(const char *s)
{
	char buf[PATH_MAX];

	if (!s)
		return NULL;
	return xstrdup_or_null(strchr(s, '/') && realpath(s, buf) ? buf : s);
}

static char **strv_dup(char *const *v, size_t n)
{
	char **d = calloc(n + 1, sizeof(*d));

	if (!d)
		abort();
	for (size_t i = 0; i < n; i++)
		d[i] = xstrdup_or_null(v[i]);
	return d;
}

static void record_fill(struct run_record *rec, const struct run_args *a, char *const *sel,
			size_t nsel, const char *config, const char *shard, const struct plan *plan)
{
	rec->selectors = strv_dup(sel, nsel);
	rec->nsel = nsel;
	rec->kernel = absolute(a->kernel);
	rec->modules = absolute(a->modules);
	rec->append = xstrdup_or_null(a->append);
	rec->config = absolute(config);
	rec->shard = shard[0] ? xstrdup_or_null(shard) : NULL;
	rec->watchdog_s = a->watchdog_s;
	rec->no_watchdog = a->no_watchdog;
	rec->no_snapshot = a->no_snapshot;
	rec->no_pvh = a->no_pvh;
	rec->scenarios = calloc(plan->n + 1, sizeof(*rec->scenarios));
	if (!rec->scenarios)
		abort();
	for (size_t i = 0; i < plan->n; i++)
		rec->scenarios[i] = xstrdup_or_null(plan->items[i].sc->name);
	rec->nsc = plan->n;
}

/* The arguments of the run in dir, from its run.json. */
static int resume_args(struct run_args *a, struct run_record *rec)
{
	_cleanup_buf_ struct buf err = BUF_INIT;

	if (run_record_read(a->resume, rec, &err) < 0) {
		fprintf(stderr, "oomlab: --resume: %s\n", err.s);
		return -1;
	}
	a->out = a->resume;
	a->kernel = rec->kernel;
	a->modules = rec->modules;
	a->append = rec->append;
	a->config = rec->config;
	a->shard = rec->shard;
	a->accel = rec->accel;
	a->watchdog_s = rec->watchdog_s;
	a->no_watchdog = rec->no_watchdog;
	a->no_snapshot = rec->no_snapshot;
	a->no_pvh = rec->no_pvh;
	a->repeat = plan_repeat_of(rec->scenarios, rec->nsc); /* "NAME@k" names */
	return 0;
}

/* The plan and the kernel must be the run's own. */
static int resume_check(const struct run_record *rec, const struct plan *plan,
			const struct kernel *k)
{
	for (size_t i = 0; i < plan->n || i < rec->nsc; i++) {
		const char *now = i < plan->n ? plan->items[i].sc->name : "(nothing)";
		const char *then = i < rec->nsc ? rec->scenarios[i] : "(nothing)";

		if (strcmp(now, then)) {
			fprintf(stderr, "oomlab: --resume: the configuration selects another plan than the "
				"run had (scenario %zu: %s now, %s then); start a new run instead\n",
				i + 1, now, then);
			return -1;
		}
	}
	if (rec->release && k->release[0] && strcmp(rec->release, k->release)) {
		fprintf(stderr, "oomlab: --resume: the run had kernel %s, %s is %s now; start a new "
			"run instead\n", rec->release, rec->kernel ? rec->kernel : "debian", k->release);
		return -1;
	}
	return 0;
}

/* ---- signals ---- */

void block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* A blocked SIGINT, SIGTERM or SIGHUP that waits, or 0. */
static int pending_signal(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	sigset_t set;

	if (sigpending(&set) < 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		if (sigismember(&set, sigs[i]) == 1)
			return sigs[i];
	return 0;
}

/* ---- the command ---- */

/* Refuse a --baseline that cannot be read before booting anything. */
static int check_baseline(const char *base)
{
	_cleanup_buf_ struct buf err = BUF_INIT;

	if (diff_check_base(base, &err) == 0)
		return 0;
	fprintf(stderr, "oomlab: --baseline: %s\n", err.s);
	return -1;
}

struct run_ctx {
	struct run_args a;
	struct run_record rec;
	struct oom_config cfg;
	struct plan plan;
	struct kernel k;
	char out[PATH_MAX], shard[32], cache[PATH_MAX];
};

static int prepare(const struct paths *p, struct run_ctx *x, int argc, char **argv)
{
	_cleanup_buf_ struct buf err = BUF_INIT;
	char *const *sel = x->a.resume ? x->rec.selectors : argv + optind;
	size_t nsel = x->a.resume ? x->rec.nsel : (size_t)(argc - optind);
	const char *config = x->a.config ? x->a.config : p->config;

	if (load_config(config, &x->cfg) < 0)
		return -1;
	if (plan_select(&x->cfg, sel, nsel, &x->plan, &err) < 0 ||
	    select_shard(x->a.shard, !x->a.resume, &x->plan, x->shard, sizeof(x->shard), &err) < 0 ||
	    plan_repeat(&x->plan, x->a.repeat ? x->a.repeat : 1, &err) < 0) {
		fprintf(stderr, "oomlab: %s", err.s);
		return -1;
	}
	if (resolve_kernel(x->a.kernel, x->a.modules, &x->k) < 0)
		return -1;
	if (x->a.resume)
		return resume_check(&x->rec, &x->plan, &x->k) < 0 ? -1 : 0;
	record_fill(&x->rec, &x->a, sel, nsel, config, x->shard, &x->plan);
	return 0;
}

static int make_out(const struct paths *p, struct run_ctx *x)
{
	if (!x->a.out)
		return make_run_dir(p, x->out, sizeof(x->out));
	snprintf(x->out, sizeof(x->out), "%s", x->a.out);
	if (mkdir(x->out, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "oomlab: --out %s: cannot create: %s\n", x->out, strerror(errno));
		return -1;
	}
	return 0;
}

/* The accelerator: decided now, or the run's own decision on resume. */
static enum accel accelerator(const struct paths *p, struct run_ctx *x, struct buf *why)
{
	_cleanup_buf_ struct buf work = BUF_INIT;

	if (x->a.resume) {
		buf_addf(why, "%s (decided when the run started)",
			 x->rec.accel_reason ? x->rec.accel_reason : accel_name(x->rec.accel));
		return x->rec.accel;
	}
	buf_addf(&work, "%s/.work", x->out);
	return decide_accel(p, x->a.accel, &x->k, work.s, why);
}

static void report_end(struct run_ctx *x, int status, size_t nres)
{
	if (status <= 128)
		return;
	fprintf(stderr, "oomlab: interrupted by %s; %zu of %zu scenarios finished and saved in %s\n"
		"oomlab: to run the rest: oomlab run --resume %s\n", strsignal(status - 128), nres,
		x->plan.n, x->out, x->out);
}

/* --baseline DIR: the diff against DIR (diff.h) decides between 0 and 1,
 * but a flaky scenario (--repeat) stays 1 whatever the baseline had; ERROR
 * rows, a failed save (2) and a signal (128 + N) keep their status. */
static int baseline_gate(const struct run_ctx *x, int status, bool flaky)
{
	_cleanup_buf_ struct buf err = BUF_INIT;
	int gate;

	if (!x->a.baseline || status >= 2)
		return status;
	printf("diff against the baseline %s:\n", x->a.baseline);
	gate = diff_gate(x->a.baseline, x->out, stdout, &err);
	if (gate < 0) {
		fprintf(stderr, "oomlab: --baseline: %s\n", err.s);
		return 2;
	}
	return gate ? gate : flaky;
}

static bool any_flaky(const struct result *res, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (report_flaky(res, n, i))
			return true;
	return false;
}

static int go(const struct paths *p, struct run_ctx *x)
{
	_cleanup_buf_ struct buf err = BUF_INIT, why = BUF_INIT;
	struct result *res = NULL, *prior = NULL;
	size_t nres = 0, nprior = 0;
	struct run_opts o = { .out_dir = x->out, .guest_dir = p->guest, .kernel = &x->k,
			      .jobs = x->a.jobs, .append = x->a.append, .quiet = x->a.quiet,
			      .watchdog_s = x->a.watchdog_s, .no_watchdog = x->a.no_watchdog,
			      .snapshot = !x->a.no_snapshot, .no_pvh = x->a.no_pvh,
			      .mem_budget = (unsigned long long)x->a.mem_budget_mib << 20 };
	int status, sig;
	bool flaky;

	o.cache_dir = kernel_cache_dir(x->cache, sizeof(x->cache), &err) == 0 ? x->cache : NULL;
	o.accel = accelerator(p, x, &why);
	o.accel_why = why.s;
	if ((sig = pending_signal())) {
		report_end(x, 128 + sig, 0);
		return 128 + sig;
	}
	if (!x->a.resume) {
		x->rec.accel = o.accel;
		x->rec.accel_reason = xstrdup_or_null(why.s);
		x->rec.release = xstrdup_or_null(x->k.release);
		write_run_txt(x->out, &x->k, o.accel, why.s, x->a.append);
		if (run_record_write(x->out, &x->rec, &err) < 0)
			fprintf(stderr, "oomlab: %s (--resume will not work for this run)\n", err.s);
	} else if (resume_results(x->out, &prior, &nprior, &err) < 0) {
		fprintf(stderr, "oomlab: --resume: %s\n", err.s);
		return 2;
	}
	o.prior = prior;
	o.nprior = nprior;
	fprintf(stderr, "oomlab: kernel %s (%s), accelerator %s: %s\n", x->k.release,
		x->k.package[0] ? x->k.package : x->k.image, accel_name(o.accel), why.s);
	fprintf(stderr, "oomlab: %zu scenarios, %u at a time, results in %s\n", x->plan.n,
		x->a.jobs, x->out);
	status = run_plan(&x->plan, &o, &res, &nres, &err);
	run_results_free(prior, nprior);
	if (status < 0) {
		fprintf(stderr, "oomlab: %s\n", err.s);
		return 2;
	}
	report_table(stdout, res, nres);
	printf("accelerator: %s; results: %s/results.json\n", accel_name(o.accel), x->out);
	report_end(x, status, nres);
	flaky = any_flaky(res, nres);
	run_results_free(res, nres);
	return baseline_gate(x, status, flaky);
}

int cmd_run(const struct paths *p, int argc, char **argv)
{
	struct run_ctx x = { .a = { .accel = ACCEL_AUTO } };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int status = 2;

	x.a.jobs = ncpu > 0 ? (unsigned)ncpu : 1;
	if (parse_run_args(argc, argv, &x.a) < 0)
		return 2;
	if (x.a.resume && resume_args(&x.a, &x.rec) < 0)
		return 2;
	if (x.a.baseline && check_baseline(x.a.baseline) < 0)
		return 2;
	if (prepare(p, &x, argc, argv) == 0 && make_out(p, &x) == 0) {
		/* From here SIGINT, SIGTERM and SIGHUP wait for the run loop (or the
		 * accelerator probe), which stops the VMs and saves what finished. */
		block_signals();
		status = go(p, &x);
	}
	run_record_free(&x.rec);
	plan_free(&x.plan);
	config_free(&x.cfg);
	return status;
}
