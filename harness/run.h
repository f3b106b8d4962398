/* run.h - one oomlab run: every plan item through VM -> evidence -> verdict,
 * up to `jobs` guests at a time, results written as they finish.
 *
 * Layout of the run directory (out_dir):
 *   results.json, junit.xml      updated atomically after every scenario
 *   run.txt                      kernel, accelerator and why, QEMU version
 *   <scenario>/console.log       the guest console (ttyS0)
 *   <scenario>/records.jsonl     the agent's record channel (ttyS1)
 *   <scenario>/plan.json         what the guest was told
 *   <scenario>/qemu.log          QEMU's own output
 *   <scenario>/console.boot-hang.log (records, qemu.log alike): the first boot
 *                                when it hung before the hello and was retried
 *   run.json                     what --resume needs to run the rest (main.c)
 *   .work/                       private (0700): initramfs and swap images
 *                                while a guest is prepared, removed once QEMU
 *                                holds them (the run locks out_dir itself)
 *
 * Every file the controller writes is written atomically (temp + rename).
 * QEMU's children die with the controller (spawn.h), temporary images are
 * removed once QEMU has them open (vm.h consume_files), and a run into a
 * directory first removes what a killed run left there (stale images, temp
 * files of interrupted atomic writes), so that after a kill -9 at any moment
 * the directory holds valid results.json and junit.xml of every scenario
 * that finished, and `oomlab run --resume DIR` completes it.
 */
#ifndef OOMLAB_RUN_H
#define OOMLAB_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "kernel.h"
#include "plan.h"
#include "report.h"
#include "vm.h"

struct run_opts {
	const char *out_dir;      /* the run directory (created) */
	const char *guest_dir;    /* holds init and oomwl */
	const char *qemu;         /* NULL: qemu-system-x86_64 */
	const struct kernel *kernel;
	enum accel accel;         /* TCG or KVM: decided before */
	const char *accel_why;
	unsigned jobs;
	const char *append;       /* --append: extra kernel command line, or NULL */
	bool quiet;               /* no progress line */
	const char *cache_dir;    /* where measured guest facts are kept, or NULL */
	unsigned watchdog_s;      /* no-output watchdog (vm.h silence_s); 0: the
				   * accelerator's default (TCG 60 s, KVM 20 s) */
	bool no_watchdog;         /* the host timeout only */
	bool no_pvh;              /* boot the image as given, not its PVH vmlinux */
	bool snapshot;            /* restore guests from the snapshot pool */
	unsigned long long snapshot_budget; /* bytes the pool may keep (0: default) */
	unsigned long long mem_budget; /* host memory all guests may take at once
				   * (0: 80% of MemAvailable at the start) */
	const struct result *prior; /* --resume: results finished earlier (copied) */
	size_t nprior;
};

/* Runs the plan (the items not among prior); *results (*nresults entries,
 * caller frees with run_results_free) holds one result per finished item,
 * in plan order (all of them unless interrupted).  Returns the exit status of
 * the run (report_exit_status; 2 also when results.json could not be
 * written), 128 + the signal number if SIGINT, SIGTERM or SIGHUP stopped it
 * (the VMs killed, what finished saved), or -1 with err set when the run
 * could not start at all (out_dir in use by another run, say). */
int run_plan(const struct plan *p, const struct run_opts *o, struct result **results,
	     size_t *nresults, struct buf *err);
void run_results_free(struct result *r, size_t n);

/* Build an initramfs holding the agent, the workloads, the modules, a plan
 * document (NULL: none, a snapshot shape) and optionally a host program with
 * its libraries, and the libfiu files (fiu, or a plan that uses fiu); used
 * for scenarios and for the accelerator probe. */
int run_make_initramfs(const char *path, const char *guest_dir, const char *plan_json,
		       char *const *ko_paths, size_t nko, const char *program, bool fiu,
		       struct buf *err);

#endif
