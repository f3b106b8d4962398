/* vm.h - stage 3: one throwaway QEMU guest.
 *
 * The guest gets -nodefaults, no network device, the kernel and initramfs,
 * ttyS0 = console (to console_path), ttyS1 = the agent's record channel (to
 * records_path), optionally one virtio-blk disk (swap), and -no-reboot with
 * panic=-1 on the command line so that both poweroff and a panic end QEMU.
 * vm_start() does not block: the run loop polls many VMs.
 *
 * A snapshot guest (snapshot.h) has a third serial port, ttyS2, on a
 * socketpair: the control channel on which the plan reaches an agent that
 * waits for it; vm_poll() sends spec->ctl_input there once the guest runs.
 *
 * How a VM ends, as vm_poll() tells it:
 *  - QEMU's QMP monitor (qmp.h) says why the guest stopped: "guest-shutdown"
 *    (poweroff), "guest-reset" (a panic with panic=-1, a triple fault),
 *    "guest-panic" (pvpanic); without QMP the caller reads the console.
 *  - The host timeout kills a VM that runs longer than timeout_s.
 *  - The no-output watchdog kills a VM whose console and record files have
 *    not grown for silence_s seconds (boot_silence_s before the agent's
 *    hello record; during a step, the step's own timeout_s from its begin
 *    record plus silence_s, since the agent ends a step at its timeout).
 *  - before_hello: it ended (whatever way) before the agent's hello, so a
 *    hang there is a boot hang, which the run loop retries once.
 */
#ifndef OOMLAB_VM_H
#define OOMLAB_VM_H

#include <limits.h>
#include <stdbool.h>

#include "buf.h"
#include "qmp.h"
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
	unsigned silence_s;       /* no-output watchdog; 0: off */
	unsigned boot_silence_s;  /* the watchdog before the agent's hello; 0: silence_s */
	const char *incoming;     /* restore the guest from this state file (QEMU
				   * -incoming fd:N) instead of booting it */
	bool ctl;                 /* a third serial port, ttyS2: the control
				   * channel (a socketpair), for snapshot guests */
	const char *ctl_input;    /* sent on it once the guest runs (after the
				   * restore's RESUME event), or NULL */
	int ctl_child_fd;         /* vm_command: QEMU's end of it (vm_start sets it) */
	bool keep_initrd;         /* with consume_files: the initrd is not temporary */
	bool consume_files;       /* initrd and disk_path are temporary: vm_start
				   * opens them, removes them and hands QEMU the
				   * descriptors (/proc/self/fd/N), so nothing is
				   * left on disk whatever becomes of the run */
};

/* What the watchdog knows of the guest, from the sizes of its files and the
 * records read so far. */
struct vm_watch {
	double last_output;       /* monotonic time either file last grew */
	double last_check;
	long long con_size, rec_size;
	long long rec_off;        /* records read up to here (a line start) */
	bool hello;               /* the agent's hello came */
	double hello_at;          /* monotonic time it was seen (checked at every
				   * vm_poll until then), 0 before */
	bool ready;               /* a snapshot boot's agent waits for its plan */
	bool in_step;             /* a step began and has not ended */
	unsigned step_timeout_s;  /* that step's timeout_s */
};

struct vm {
	struct child qemu;
	struct qmp qmp;
	double start;             /* monotonic seconds */
	unsigned timeout_s, silence_s, boot_silence_s;
	struct vm_watch w;
	char log_path[PATH_MAX];  /* QEMU's log, read for the first line on failure */
	char console_path[PATH_MAX], records_path[PATH_MAX];
	int ctl_fd;               /* our end of ttyS2, -1 without one */
	bool incoming;            /* restored: ctl input waits for RESUME */
	struct buf ctl_out;       /* what is still to be sent on ttyS2 */
	size_t ctl_off;
	double resumed_at;        /* monotonic time the restored guest ran, 0 */
	double status_asked;      /* when query-status last went out (restore) */
};

struct vm_outcome {
	bool timed_out;           /* killed by the host timeout or the watchdog */
	bool hung;                /* ... by the watchdog */
	bool before_hello;        /* over before the agent's hello record */
	bool qemu_failed;         /* QEMU exited non-zero or by a signal */
	bool qmp;                 /* QMP worked: reason is QEMU's own word */
	bool guest_panicked;      /* QMP GUEST_PANICKED (pvpanic) */
	char reason[32];          /* QMP SHUTDOWN reason, "" when none came */
	char qmp_error[128];      /* why QMP did not work, "" if it did */
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
/* 1 when the VM is over (out filled), 0 while it runs.  Enforces the timeout
 * and the watchdog. */
int vm_poll(struct vm *vm, struct vm_outcome *out);
/* The watchdog's bookkeeping, for vm_poll and tests: read what the files
 * gained since the last call (at most once a second unless force).
 * Returns the silence limit that applies now, in seconds (0: none). */
unsigned vm_watch_update(struct vm *vm, double now, bool force);
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
