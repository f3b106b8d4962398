/* vm.h - stage 3: one throwaway QEMU guest.
 *
 * The guest gets -nodefaults, no network device, the kernel and initramfs,
 * ttyS0 = console (to console_path), ttyS1 = the agent's record channel (to
 * records_path), optionally one virtio-blk disk (swap), and -no-reboot with
 * panic=-1 on the command line so that both poweroff and a panic end QEMU.
 * vm_start() does not block: the run loop polls many VMs.
 */
#ifndef OOMLAB_VM_H
#define OOMLAB_VM_H

#include <limits.h>
#include <stdbool.h>

#include "buf.h"
#include "spawn.h"

enum accel { ACCEL_AUTO, ACCEL_TCG, ACCEL_KVM };
const char *accel_name(enum accel a);

struct vm_spec {
	const char *qemu;         /* NULL: qemu-system-x86_64 */
	const char *kernel;
	const char *initrd;
	const char *append;       /* extra kernel command line, may be NULL */
	unsigned long long mem_bytes;
	unsigned cpus;
	unsigned numa_nodes;      /* 0 or 1: no NUMA; N: RAM split evenly over N nodes */
	enum accel accel;         /* TCG or KVM, never AUTO here */
	const char *console_path;
	const char *records_path;
	const char *disk_path;    /* raw image as virtio-blk, or NULL */
	unsigned timeout_s;
	const char *qemu_log_path; /* QEMU's own stderr */
};

struct vm {
	struct child qemu;
	double start;             /* monotonic seconds */
	unsigned timeout_s;
	char log_path[PATH_MAX];  /* QEMU's log, read for the first line on failure */
};

struct vm_outcome {
	bool timed_out;           /* killed by the host timeout */
	bool qemu_failed;         /* QEMU exited non-zero or by a signal */
	int status;               /* QEMU's waitpid status */
	double wall_s;
	char why[256];            /* for a failure: what happened, for the user */
};

/* Monotonic clock in seconds. */
double now_s(void);

/* Append the QEMU command line of spec to c (argv only; vm_start sets the
 * redirections).  -1 with err set when spec lacks something. */
int vm_command(const struct vm_spec *spec, struct child *c, struct buf *err);

int vm_start(const struct vm_spec *spec, struct vm *vm, struct buf *err);
/* 1 when the VM is over (out filled), 0 while it runs.  Enforces the timeout. */
int vm_poll(struct vm *vm, struct vm_outcome *out);
/* Kill and reap (interrupts, errors). */
void vm_kill(struct vm *vm);

/* Decide the accelerator for ACCEL_AUTO: KVM only if /dev/kvm opens and a
 * short probe boot of probe (a spec whose initrd powers off as soon as the
 * agent is up) finishes with the agent's hello record inside probe_timeout_s;
 * else TCG.  The answer is cached in cache_dir per host boot, QEMU binary
 * and kernel.  why says what was decided and why. */
enum accel accel_decide(enum accel want, const struct vm_spec *probe, unsigned probe_timeout_s,
			const char *cache_dir, struct buf *why);

/* The ACCEL_AUTO decision once /dev/kvm is known to open: the cached answer
 * for this host boot, QEMU and kernel, else the probe boot (a probe that timed
 * out or reached hello is cached; a failed start is not). */
enum accel accel_probe(const struct vm_spec *probe, unsigned probe_timeout_s,
		       const char *cache_dir, struct buf *why);

#endif
