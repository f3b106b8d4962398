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
	"  --watchdog S     kill a guest whose console and records stay unchanged S seconds\n"
	"                   (default: 60 under TCG, 20 under KVM; a step may add its timeout);\n"
	"                   0: only the host timeout\n"
	"  --resume DIR     run what the interrupted run in DIR did not finish, as it was\n"
	"                   asked for (only --jobs and --quiet may go with it)\n"
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

int resolve_kernel(const char *kernel, const char *modules, struct kernel *k)
{
	_cleanup_buf_ struct buf err = BUF_INIT;
	const char *what = kernel ? kernel : "debian";
	int r;

	if (strchr(what, '/'))
		r = kernel_from_path(what, modules, k, &err);
	else
		r = kernel_fetch_debian(what, k, &err);
	if (r < 0)
		fprintf(stderr, "oomlab: kernel %s: %s\n", what, err.s);
	return r;
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
	    run_make_initramfs(initrd, p->guest, "{\"v\":1,\"probe\":true}\n", NULL, 0, NULL, &err) < 0) {
		buf_addf(why, "TCG: cannot prepare the KVM probe (%s)", err.s);
		unlink(initrd);
		rmdir(work_dir);
		return ACCEL_TCG;
	}
	probe = (struct vm_spec){ .kernel = k->image, .initrd = initrd, .mem_bytes = 256ULL << 20,
				  .cpus = 1, .console_path = con, .records_path = rec,
				  .consume_files = true };
	acc = accel_decide(ACCEL_AUTO, &probe, PROBE_TIMEOUT_S, cache, why);
	unlink(initrd);
	unlink(rec);
	unlink(con);
	rmdir(work_dir);
	return acc;
}

