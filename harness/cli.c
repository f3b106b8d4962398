/* cli.c - what the commands of main.c and cmd_run.c share (cmd_run.h):
 * the usage text, the configuration, the kernel, the accelerator. */
#include "cmd_run.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "run.h"

#define PROBE_TIMEOUT_S 10

static const char usage[] =
	"usage: oomlab run [options] [SELECTOR...]   boot a VM per scenario and judge it\n"
	"       oomlab list [--config DIR] [--matrix NAME]  scenarios, vmconfigs and paths\n"
	"       oomlab oracle [--kernel K] [SELECTOR...]  predicted paths and margins, no boot\n"
	"       oomlab fetch [debian|debian:6.12|PACKAGE]  put a Debian kernel in the cache\n"
	"       oomlab klog parse FILE [--json | --html [OUT]]\n"
	"                                            OOM reports in a kernel log, explained; --html:\n"
	"                                            a self-contained page (charts, sortable task\n"
	"                                            table) to OUT or stdout\n"
	"       oomlab replay FILE [--event N] [--out DIR] [--dry-run] [--kernel K] [--accel A]\n"
	"                                            derive a scenario from a log's OOM, run it and\n"
	"                                            compare kind, constraint, order, victim\n"
	"                                            (oomlab replay --help for all options)\n"
	"       oomlab diff BASE NEW                  compare two runs (paths, FAIL/ERROR rows, kernel\n"
	"                                            log format, timings) or two benches (latency);\n"
	"                                            exit 1 if the gate fails\n"
	"       oomlab merge OUT DIR...              join the shard runs DIR... into run OUT\n"
	"       oomlab doctor                        check QEMU, accelerator, kernel cache, guest\n"
	"       oomlab bench --scenario S [-n N] [--kernel A [--kernel B]] [--vmconfig V [--vmconfig W]]\n"
	"                    [--out DIR] [--accel A] [--append STR] [--config DIR] [--quiet]\n"
	"                                            OOM latency phases over N fresh guests (default\n"
	"                                            10); two kernels or vmconfigs: B against A with\n"
	"                                            a CI and a significance test; bench.json, a table,\n"
	"                                            report.html (README.md, OOM latency)\n"
	"       oomlab bench --from DIR [--out DIR2]  analyse an earlier bench again, no boot\n"
	"       oomlab bench --harness [-n N] [--matrix] [--kernel K] [--select SEL] [--out DIR]\n"
	"                                            what the speed-ups buy: bzImage, PVH and\n"
	"                                            snapshot starts timed (make bench)\n"
	"\n"
	"run options:\n"
	"  --out DIR        results directory (default: results/<run-id>, results/latest)\n"
	"  --kernel K       debian (default, Debian 6.1), debian:6.12, a Debian package name,\n"
	"                   the path of a bzImage or vmlinux, or a kernel build directory\n"
	"                   (its bzImage, .config and the modules of its modules.order);\n"
	"                   scenarios needing what the kernel lacks are SKIP, not booted\n"
	"  --modules DIR    modules tree (lib/modules/<release>, or the INSTALL_MOD_PATH of\n"
	"                   make modules_install) for a --kernel path\n"
	"  --accel A        auto (default: KVM only if a probe boot proves it), tcg or kvm\n"
	"  --jobs N         guests at a time (default: number of CPUs), fewer when their\n"
	"                   memory would pass the budget\n"
	"  --mem-budget MiB host memory all guests may take at once, counting each as its RAM\n"
	"                   + 384 MiB for QEMU (default: 80% of MemAvailable at the start)\n"
	"  --no-snapshot    boot every guest (default: restore the snapshot of its shape,\n"
	"                   saved in the cache on first use)\n"
	"  --no-pvh         boot the bzImage as it is (default: its vmlinux, through the\n"
	"                   PVH entry, unpacked into the cache once)\n"
	"  --append STR     add STR to every guest's kernel command line\n"
	"  --config DIR     vmconfigs directory (default: vmconfigs/ of this checkout)\n"
	"  --quiet          no progress line\n"
	"  --shard K/N      run only shard K of N (default: from CI_NODE_INDEX/CI_NODE_TOTAL,\n"
	"                   SLURM_ARRAY_TASK_ID/..._COUNT, JOB_COMPLETION_INDEX/OOMLAB_SHARD_TOTAL)\n"
	"  --watchdog S     kill a guest whose console and records stay unchanged S seconds\n"
	"                   (default: 60 under TCG, 20 under KVM; a step may add its timeout);\n"
	"                   0: only the host timeout\n"
	"  --resume DIR     run what the interrupted run in DIR did not finish, as it was\n"
	"                   asked for (only --jobs, --quiet and --baseline may go with it)\n"
	"  --baseline DIR   at the end, diff against the run in DIR as `oomlab diff` does;\n"
	"                   exit 1 when that gate fails, 0 when it passes (ERRORs stay 2)\n"
	"  --repeat N       run every scenario N times (1-99, default 1), each in a fresh\n"
	"                   guest (results NAME@1..NAME@N); exit 1 when the repetitions of a\n"
	"                   scenario disagree in verdict or observed path (flaky)\n"
	"SELECTOR: a scenario name, tag:TAG (or @TAG), vm:VMCONFIG; globs allowed;\n"
	"          none means tag:default.\n"
	"exit status: 0 all PASS or SKIP, 1 a FAIL (the kernel did something else),\n"
	"             2 an ERROR (harness or VM problem), 128 + N stopped by signal N\n"
	"             (130 SIGINT, 143 SIGTERM, 129 SIGHUP): what finished is saved.\n";

void print_usage(FILE *f)
{
	fputs(usage, f);
}

int load_config(const char *dir, struct oom_config *cfg)
{
	_cleanup_buf_ struct buf err = BUF_INIT;

	if (config_load(dir, cfg, &err) < 0) {
		fprintf(stderr, "%soomlab: the configuration in %s has errors\n", err.s, dir);
		return -1;
	}
	return 0;
}

/* The PVH vmlinux of k (kernel.h), unpacked into the cache on first use; a
 * kernel without one boots as it is, with a note saying why. */
static void find_pvh(struct kernel *k)
{
	_cleanup_buf_ struct buf why = BUF_INIT;
	char cache[PATH_MAX];

	if (kernel_cache_dir(cache, sizeof(cache), &why) < 0 ||
	    kernel_pvh_image(k->image, cache, k->pvh, sizeof(k->pvh), &why) < 0) {
		k->pvh[0] = '\0';
		fprintf(stderr, "oomlab: note: booting %s without PVH: %s\n", k->image, why.s);
	}
}

int resolve_kernel(const char *kernel, const char *modules, struct kernel *k)
{
	_cleanup_buf_ struct buf err = BUF_INIT;
	const char *what = kernel ? kernel : "debian";
	int r;

	if (strchr(what, '/'))
		r = kernel_from_path(what, modules, k, &err);
	else
		r = kernel_fetch_debian(what, k, &err);
	if (r < 0) {
		fprintf(stderr, "oomlab: kernel %s: %s\n", what, err.s);
		return r;
	}
	find_pvh(k);
	return 0;
}

static int make_private_dir(const char *dir, struct buf *err)
{
	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) || chmod(dir, 0700) < 0) {
		buf_addf(err, "%s: cannot create: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

enum accel decide_accel(const struct paths *p, enum accel want, const struct kernel *k,
			const char *work_dir, struct buf *why)
{
	_cleanup_buf_ struct buf err = BUF_INIT;
	char initrd[PATH_MAX], rec[PATH_MAX], con[PATH_MAX], cache[PATH_MAX];
	struct vm_spec probe = { 0 };
	enum accel acc;

	if (want != ACCEL_AUTO)
		return accel_decide(want, NULL, PROBE_TIMEOUT_S, NULL, why);
	snprintf(initrd, sizeof(initrd), "%s/probe.cpio", work_dir);
	snprintf(rec, sizeof(rec), "%s/probe.records", work_dir);
	snprintf(con, sizeof(con), "%s/probe.console", work_dir);
	if (make_private_dir(work_dir, &err) < 0 || kernel_cache_dir(cache, sizeof(cache), &err) < 0 ||
	    run_make_initramfs(initrd, p->guest, "{\"v\":1,\"probe\":true}\n", NULL, 0, NULL, false,
			       &err) < 0) {
		buf_addf(why, "TCG: cannot prepare the KVM probe (%s)", err.s);
		unlink(initrd);
		rmdir(work_dir);
		return ACCEL_TCG;
	}
	probe = (struct vm_spec){ .kernel = k->pvh[0] ? k->pvh : k->image, .initrd = initrd, .mem_bytes = 256ULL << 20,
				  .cpus = 1, .console_path = con, .records_path = rec,
				  .consume_files = true };
	acc = accel_decide(ACCEL_AUTO, &probe, PROBE_TIMEOUT_S, cache, why);
	unlink(initrd);
	unlink(rec);
	unlink(con);
	rmdir(work_dir);
	return acc;
}

