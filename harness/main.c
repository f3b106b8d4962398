/* main.c - the oomlab command line: run, list, fetch, doctor. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "commands.h"
#include "diff.h"
#include "incident.h"
#include "kernel.h"
#include "plan.h"
#include "report.h"
#include "run.h"
#include "settings.h"
#include "spawn.h"
#include "vm.h"

#define PROBE_TIMEOUT_S 10

/* Where the program lives: <root>/build/oomlab, so <root> holds vmconfigs/
 * and results/, and <root>/build/guest the guest binaries. */
struct paths {
	char root[PATH_MAX];
	char bin[PATH_MAX];
	char config[PATH_MAX];
	char guest[PATH_MAX];
};

static void find_paths(struct paths *p)
{
	char exe[PATH_MAX], tmp[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		n = 0;
	exe[n] = '\0';
	snprintf(p->bin, sizeof(p->bin), "%s", dirname(exe));
	snprintf(tmp, sizeof(tmp), "%s", p->bin);
	snprintf(p->root, sizeof(p->root), "%s", dirname(tmp));
	snprintf(p->config, sizeof(p->config), "%s/vmconfigs", p->root);
	snprintf(p->guest, sizeof(p->guest), "%s/guest", p->bin);
	if (getenv("OOMLAB_GUEST_DIR"))
		snprintf(p->guest, sizeof(p->guest), "%s", getenv("OOMLAB_GUEST_DIR"));
}

static const char usage[] =
	"usage: oomlab run [options] [SELECTOR...]   boot a VM per scenario and judge it\n"
	"       oomlab list [--config DIR] [--matrix NAME]  scenarios, vmconfigs and paths\n"
	"       oomlab oracle [--kernel K] [SELECTOR...]  predicted paths and margins, no boot\n"
	"       oomlab fetch [debian|debian:6.12|PACKAGE]  put a Debian kernel in the cache\n"
	"       oomlab klog parse FILE [--json]       OOM reports in a kernel log, explained\n"
	"       oomlab diff BASE NEW                  compare two runs; exit 1 if the gate fails\n"
	"       oomlab doctor                        check QEMU, accelerator, kernel cache, guest\n"
	"\n"
	"run options:\n"
	"  --out DIR        results directory (default: results/<run-id>, results/latest)\n"
	"  --kernel K       debian (default, Debian 6.1), debian:6.12, a Debian package name,\n"
	"                   or the path of a bzImage or vmlinux\n"
	"  --modules DIR    modules tree (lib/modules/<release>) for a --kernel path\n"
	"  --accel A        auto (default: KVM only if a probe boot proves it), tcg or kvm\n"
	"  --jobs N         guests at a time (default: number of CPUs)\n"
	"  --append STR     add STR to every guest's kernel command line\n"
	"  --config DIR     vmconfigs directory (default: vmconfigs/ of this checkout)\n"
	"  --quiet          no progress line\n"
	"  --shard K/N      run only shard K of N (default: from CI_NODE_INDEX/CI_NODE_TOTAL,\n"
	"                   SLURM_ARRAY_TASK_ID/..._COUNT, JOB_COMPLETION_INDEX/OOMLAB_SHARD_TOTAL)\n"
	"SELECTOR: a scenario name, tag:TAG (or @TAG), vm:VMCONFIG; globs allowed;\n"
	"          none means tag:default.\n"
	"exit status: 0 all PASS or SKIP, 1 a FAIL (the kernel did something else),\n"
	"             2 an ERROR (harness or VM problem), 130 interrupted.\n";

struct run_args {
	const char *out, *kernel, *modules, *append, *config;
	enum accel accel;
	unsigned jobs;
	bool quiet;
	const char *shard;        /* "K/N", or NULL: the CI environment's, or all */
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
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "o:k:m:a:j:A:c:qs:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': a->out = optarg; break;
		case 'k': a->kernel = optarg; break;
		case 'm': a->modules = optarg; break;
		case 'A': a->append = optarg; break;
		case 'c': a->config = optarg; break;
		case 'q': a->quiet = true; break;
		case 's': a->shard = optarg; break;
		case 'a':
			if (parse_accel(optarg, &a->accel) < 0) {
				fprintf(stderr, "oomlab: --accel %s: write auto, tcg or kvm\n", optarg);
				return -1;
			}
			break;
		case 'j': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 64) {
				fprintf(stderr, "oomlab: --jobs %s: write a number from 1 to 64\n", optarg);
				return -1;
			}
			a->jobs = (unsigned)v;
			break;
		}
		case 'h': fputs(usage, stdout); exit(0);
		default: fputs(usage, stderr); return -1;
		}
	}
	return 0;
}

/* --shard K/N, else the CI system's (plan.h), else every scenario. */
static int select_shard(const struct run_args *a, struct plan *plan, struct buf *err)
{
	unsigned k, n;
	int r = a->shard ? plan_parse_shard(a->shard, &k, &n, err) : plan_shard_from_env(&k, &n, err);

	if (r < 0) {
		buf_addch(err, '\n');
		return -1;
	}
	if (a->shard || r == 1) {
		plan_shard(plan, k, n);
		fprintf(stderr, "oomlab: shard %u of %u: %zu scenarios\n", k, n, plan->n);
	}
	return 0;
}

static int load_config(const char *dir, struct oom_config *cfg)
{
	_cleanup_buf_ struct buf err = BUF_INIT;

	if (config_load(dir, cfg, &err) < 0) {
		fprintf(stderr, "%soomlab: the configuration in %s has errors\n", err.s, dir);
		return -1;
	}
	return 0;
}

static int resolve_kernel(const struct run_args *a, struct kernel *k)
{
	_cleanup_buf_ struct buf err = BUF_INIT;
	const char *what = a->kernel ? a->kernel : "debian";
	int r;

	if (strchr(what, '/'))
		r = kernel_from_path(what, a->modules, k, &err);
	else
		r = kernel_fetch_debian(what, k, &err);
	if (r < 0)
		fprintf(stderr, "oomlab: kernel %s: %s\n", what, err.s);
	return r;
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

static enum accel decide_accel(const struct paths *p, const struct run_args *a,
			       const struct kernel *k, const char *out_dir, struct buf *why)
{
	_cleanup_buf_ struct buf err = BUF_INIT;
	char initrd[PATH_MAX], rec[PATH_MAX], con[PATH_MAX], cache[PATH_MAX];
	struct vm_spec probe = { 0 };
	enum accel acc;

	if (a->accel != ACCEL_AUTO)
		return accel_decide(a->accel, NULL, PROBE_TIMEOUT_S, NULL, why);
	snprintf(initrd, sizeof(initrd), "%s/probe.cpio", out_dir);
	snprintf(rec, sizeof(rec), "%s/probe.records", out_dir);
	snprintf(con, sizeof(con), "%s/probe.console", out_dir);
	if (kernel_cache_dir(cache, sizeof(cache), &err) < 0 ||
	    run_make_initramfs(initrd, p->guest, "{\"v\":1,\"probe\":true}\n", NULL, 0, NULL, &err) < 0) {
		buf_addf(why, "TCG: cannot prepare the KVM probe (%s)", err.s);
		return ACCEL_TCG;
	}
	probe = (struct vm_spec){ .kernel = k->image, .initrd = initrd, .mem_bytes = 256ULL << 20,
				  .cpus = 1, .console_path = con, .records_path = rec };
	acc = accel_decide(ACCEL_AUTO, &probe, PROBE_TIMEOUT_S, cache, why);
	unlink(initrd);
	unlink(rec);
	unlink(con);
	return acc;
}

static int write_run_txt(const char *dir, const struct kernel *k, enum accel acc,
			 const char *why, const struct run_args *a)
{
	_cleanup_buf_ struct buf b = BUF_INIT, err = BUF_INIT, path = BUF_INIT;

	buf_addf(&b, "kernel: %s\nkernel_image: %s\nkernel_package: %s\n", k->release, k->image,
		 k->package);
	buf_addf(&b, "accel: %s\naccel_reason: %s\n", accel_name(acc), why);
	buf_addf(&b, "append: %s\n", a->append ? a->append : "");
	buf_addf(&path, "%s/run.txt", dir);
	if (write_file_atomic(path.s, b.s, b.len, &err) < 0) {
		fprintf(stderr, "oomlab: %s\n", err.s);
		return -1;
	}
	return 0;
}

static int cmd_run(const struct paths *p, int argc, char **argv)
{
	struct run_args a = { .accel = ACCEL_AUTO };
	struct oom_config cfg;
	struct plan plan = { 0 };
	struct kernel k;
	struct result *res = NULL;
	size_t nres = 0;
	char out[PATH_MAX];
	_cleanup_buf_ struct buf err = BUF_INIT, why = BUF_INIT;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int status = 2;

	a.jobs = ncpu > 0 ? (unsigned)ncpu : 1;
	if (parse_run_args(argc, argv, &a) < 0)
		return 2;
	if (load_config(a.config ? a.config : p->config, &cfg) < 0)
		return 2;
	if (plan_select(&cfg, argv + optind, (size_t)(argc - optind), &plan, &err) < 0 ||
	    select_shard(&a, &plan, &err) < 0) {
		fprintf(stderr, "oomlab: %s", err.s);
		goto out;
	}
	if (resolve_kernel(&a, &k) < 0)
		goto out;
	if (a.out) {
		snprintf(out, sizeof(out), "%s", a.out);
		if (mkdir(out, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "oomlab: --out %s: cannot create: %s\n", out, strerror(errno));
			goto out;
		}
	} else if (make_run_dir(p, out, sizeof(out)) < 0) {
		goto out;
	}
	char cache[PATH_MAX];
	struct run_opts o = { .out_dir = out, .guest_dir = p->guest, .kernel = &k,
			      .jobs = a.jobs, .append = a.append, .quiet = a.quiet,
			      .cache_dir = kernel_cache_dir(cache, sizeof(cache), &err) == 0 ? cache : NULL };
	o.accel = decide_accel(p, &a, &k, out, &why);
	o.accel_why = why.s;
	write_run_txt(out, &k, o.accel, why.s, &a);
	fprintf(stderr, "oomlab: kernel %s (%s), accelerator %s: %s\n", k.release,
		k.package[0] ? k.package : k.image, accel_name(o.accel), why.s);
	fprintf(stderr, "oomlab: %zu scenarios, %u at a time, results in %s\n", plan.n, a.jobs, out);
	status = run_plan(&plan, &o, &res, &nres, &err);
	if (status < 0) {
		fprintf(stderr, "oomlab: %s\n", err.s);
		status = 2;
		goto out;
	}
	report_table(stdout, res, nres);
	printf("accelerator: %s; results: %s/results.json\n", accel_name(o.accel), out);
	if (status == 130)
		fprintf(stderr, "oomlab: interrupted; %zu of %zu scenarios finished and saved\n",
			nres, plan.n);
	run_results_free(res, nres);
out:
	plan_free(&plan);
	config_free(&cfg);
	return status;
}

/* tag: only scenarios with this tag (NULL: all). */
static void list_scenarios(const struct oom_config *cfg, const char *tag)
{
	printf("%-40s %-16s %-18s %s\n", "SCENARIO", "VMCONFIG", "EXPECT", "TAGS");
	for (size_t i = 0; i < cfg->nsc; i++) {
		const struct scenario *sc = &cfg->sc[i];
		_cleanup_buf_ struct buf tags = BUF_INIT;

		if (tag && !scenario_has_tag(sc, tag))
			continue;
		for (size_t t = 0; t < sc->ntags; t++)
			buf_addf(&tags, "%s%s", t ? "," : "", sc->tags[t]);
		printf("%-40s %-16s %-18s %s\n", sc->name, sc->vmconfig,
		       sc->expect == PATH_UNKNOWN ? "(oracle)" : path_name(sc->expect), tags.s);
		if (sc->description)
			printf("    %s\n", sc->description);
	}
}

static void list_vmconfigs(const struct oom_config *cfg)
{
	static const char *const swaps[] = { "none", "zram", "disk" };

	printf("\n%-16s %-7s %-12s %s\n", "VMCONFIG", "MEMORY", "SWAP", "SETTINGS");
	for (size_t i = 0; i < cfg->nvm; i++) {
		const struct vmconfig *vm = &cfg->vm[i];
		_cleanup_buf_ struct buf set = BUF_INIT, swap = BUF_INIT;

		for (size_t s = 0; s < vm->sysctl.n; s++)
			buf_addf(&set, "%s=%s ", vm->sysctl.v[s].key, vm->sysctl.v[s].value);
		for (size_t s = 0; s < vm->memcg.n; s++)
			buf_addf(&set, "%s=%s ", vm->memcg.v[s].key, vm->memcg.v[s].value);
		buf_addstr(&swap, swaps[vm->swap]);
		if (vm->swap != SWAP_NONE)
			buf_addf(&swap, " %lluM", vm->swap_bytes >> 20);
		printf("%-16s %-7lluM %-12s %s\n", vm->name, vm->memory_bytes >> 20, swap.s, set.s);
	}
}

static int cmd_list(const struct paths *p, int argc, char **argv)
{
	struct oom_config cfg;
	const char *dir = p->config;
	char tag[OOM_NAME_MAX + 8] = "";

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--config")) {
			dir = argv[i + 1];
		} else if (!strcmp(argv[i], "--matrix")) {
			snprintf(tag, sizeof(tag), "matrix:%s", argv[i + 1]);
		} else {
			fprintf(stderr, "oomlab list: %s: allowed: --config DIR, --matrix NAME\n", argv[i]);
			return 2;
		}
	}
	if (load_config(dir, &cfg) < 0)
		return 2;
	list_scenarios(&cfg, tag[0] ? tag : NULL);
	if (tag[0]) {
		config_free(&cfg);
		return 0;
	}
	list_vmconfigs(&cfg);
	printf("\n%-18s %s\n", "PATH", "MEANING");
	for (unsigned i = PATH_UNKNOWN + 1; i < PATH_COUNT; i++)
		printf("%-18s %s\n", path_name((enum oom_path)i), path_describe((enum oom_path)i));
	config_free(&cfg);
	return 0;
}

static int cmd_fetch(int argc, char **argv)
{
	struct run_args a = { .kernel = argc > 1 ? argv[1] : "debian" };
	struct kernel k;

	if (resolve_kernel(&a, &k) < 0)
		return 2;
	printf("%s\t%s\t%s\n", k.release, k.image, k.modules);
	return 0;
}

static bool doctor_line(bool ok, const char *what, const char *detail)
{
	printf("%-4s %-22s %s\n", ok ? "ok" : "FAIL", what, detail);
	return ok;
}

static int cmd_doctor(const struct paths *p)
{
	const char *qv[] = { "qemu-system-x86_64", "--version", NULL };
	_cleanup_buf_ struct buf out = BUF_INIT, err = BUF_INIT, why = BUF_INIT;
	char init[PATH_MAX], cache[PATH_MAX];
	struct run_args a = { .accel = ACCEL_AUTO };
	struct kernel k;
	bool ok = true;

	ok &= doctor_line(run_capture(qv, &out, 4096, &err) == 0, "qemu",
			  out.len ? strtok(out.s, "\n") : err.s);
	snprintf(init, sizeof(init), "%s/init", p->guest);
	ok &= doctor_line(access(init, X_OK) == 0, "guest agent", init);
	ok &= doctor_line(kernel_cache_dir(cache, sizeof(cache), &err) == 0, "cache", cache);
	ok &= doctor_line(resolve_kernel(&a, &k) == 0, "default kernel", k.image);
	if (ok) {
		char tmp[] = "/tmp/oomlab-doctor-XXXXXX";
		enum accel acc = mkdtemp(tmp) ? decide_accel(p, &a, &k, tmp, &why) : ACCEL_TCG;

		doctor_line(true, "accelerator", accel_name(acc));
		printf("     %s\n", why.s);
		rmdir(tmp);
	}
	return ok ? 0 : 2;
}

int main(int argc, char **argv)
{
	struct paths p;

	find_paths(&p);
	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(&p, argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return cmd_list(&p, argc - 1, argv + 1);
	if (!strcmp(argv[1], "fetch"))
		return cmd_fetch(argc - 1, argv + 1);
	if (!strcmp(argv[1], "doctor"))
		return cmd_doctor(&p);
	if (!strcmp(argv[1], "klog") && argc >= 3 && !strcmp(argv[2], "parse"))
		return incident_cli(argc - 2, argv + 2);
	if (!strcmp(argv[1], "diff"))
		return cmd_diff(argc - 1, argv + 1);
	if (!strcmp(argv[1], "oracle"))
		return cmd_oracle(p.config, argc - 1, argv + 1);
	fprintf(stderr, "oomlab: unknown command '%s'\n%s", argv[1], usage);
	return 2;
}
