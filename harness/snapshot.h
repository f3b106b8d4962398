/* snapshot.h - stage 3: the snapshot pool.  A guest is booted once per
 * shape, saved while its agent waits for a plan, and every scenario of that
 * shape starts from the saved state, so that each still gets a pristine
 * guest without paying for a boot.
 *
 * A shape is everything the saved guest depends on: the QEMU binary, the
 * kernel QEMU boots, the initramfs bytes (agent, workloads, modules, shipped
 * programs, no plan), memory, CPUs, NUMA nodes, the kernel command line,
 * the accelerator and the size of the swap disk.  Its key is a 64-bit
 * FNV-1a of all of them (files by size, mtime and inode; the initramfs by
 * content), so any change of an input makes a new snapshot.
 *
 * Cache layout, CACHE/snapshots/<key>/:
 *   state      the saved guest (QEMU migration stream), written to a temp
 *              name and renamed when complete
 *   initrd     the shape's initramfs, given to QEMU again at restore
 *   shape.txt  what the key was made of, for people
 *   boot.console, boot.records  the saved guest's boot: its console and the
 *              records up to `ready` (the kernel's boot log), which restored
 *              guests do not repeat
 * The newest uses are kept: snapshot_trim() removes the least recently
 * used entries beyond a size budget.
 *
 * The protocol with the agent (workloads/agent.c): an initramfs without
 * /plan.json makes the agent send a `ready` record and block on ttyS2; the
 * builder then stops the guest, migrates it to the state file (QMP
 * migrate to an fd passed with getfd) and quits QEMU.  A restore is QEMU
 * with the same devices plus -incoming fd:N; once QMP reports RESUME,
 * vm_poll() sends the plan (one line) on ttyS2 (vm.h ctl_input).
 */
#ifndef OOMLAB_SNAPSHOT_H
#define OOMLAB_SNAPSHOT_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "buf.h"
#include "vm.h"

struct snapshot {
	char key[17];
	char dir[PATH_MAX];
	char state[PATH_MAX];
	char initrd[PATH_MAX];
	bool ready;               /* state exists */
	char why[256];            /* a failed build: why (the shape boots cold) */
};

/* The entry of the shape of spec (spec->initrd: the shape's initramfs, a
 * temporary file; disk_bytes: the size of the swap disk, 0 for none).
 * Moves the initramfs into the entry when it has none yet, else removes
 * it.  0 with s filled (s->ready: the state exists), -1 with err set. */
int snapshot_lookup(const char *cache_dir, const struct vm_spec *spec,
		    unsigned long long disk_bytes, struct snapshot *s, struct buf *err);

/* One snapshot to build: spec is the boot (its initrd the entry's, ctl set,
 * no incoming); disk_path a fresh swap image (consumed) or NULL. */
struct snapshot_job {
	struct vm_spec spec;
	struct snapshot *snap;
};

/* Build the jobs, up to `jobs` guests at a time; progress lines go to
 * progress (may be NULL).  A failed build sets snap->why and leaves
 * snap->ready false.  Returns how many were built. */
size_t snapshot_build(struct snapshot_job *jobs, size_t n, unsigned parallel, FILE *progress);

/* Remove the least recently used entries of CACHE/snapshots until the rest
 * takes at most budget_bytes. */
void snapshot_trim(const char *cache_dir, unsigned long long budget_bytes);

/* Mark an entry as used now (for snapshot_trim). */
void snapshot_touch(const struct snapshot *s);

#endif
