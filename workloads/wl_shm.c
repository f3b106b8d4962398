/* wl_shm.c - `shm size=BYTES touch=0|1`: one System V segment,
 * shmget(IPC_PRIVATE, size); touch=1 attaches it and writes every page.
 *
 * The segment is a shmem file: newseg (ipc/shm.c) calls
 * shmem_kernel_file_setup with VM_NORESERVE only for SHM_NORESERVE outside
 * mode 2 (not asked for here), and shmem_acct_size (mm/shmem.c) charges the
 * whole size with security_vm_enough_memory_mm at shmget() time: mode 2
 * refuses past the commit limit, mode 0 a size larger than RAM + swap.
 * shmget also fails with EINVAL past kernel.shmmax and ENOSPC past
 * kernel.shmall.  Its pages are Shmem: a kill does not free them while the
 * segment exists, so it is marked for removal (IPC_RMID) as soon as it is
 * attached (or right away with touch=0): the kernel destroys it at the last
 * detach, which an OOM kill also does.
 *
 * Lines: {"op":"shm","bytes":SIZE,"ok":true,"id":ID}, then with touch=1
 * progress and {"op":"done","ok":true,"bytes":SIZE,"touched":T}; a refused
 * shmget is the refused line with op "shm", a failed attach op "shmat". */
#include <errno.h>
#include <limits.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "wl.h"

int wl_shm(int argc, char **argv)
{
	long long size = 0, touch = 0, touched = 0;
	struct wl_arg args[] = {
		{ .key = "size", .value = &size, .min = 1, .max = LLONG_MAX, .required = true },
		{ .key = "touch", .value = &touch, .min = 0, .max = 1 },
	};
	void *p = NULL;
	int id, err = 0;

	if (!wl_parse_args(argc, argv, args, sizeof(args) / sizeof(args[0])))
		return WL_BADARGS;
	if (!wl_size_ok("shm", size))
		return WL_REFUSED;
	id = shmget(IPC_PRIVATE, (size_t)size, IPC_CREAT | 0600);
	if (id < 0) {
		wl_emit_refused("shm", size, errno, -1);
		return WL_REFUSED;
	}
	wl_emit("{\"op\":\"shm\",\"bytes\":%lld,\"ok\":true,\"id\":%d}", size, id);
	if (touch) {
		p = shmat(id, NULL, 0);
		err = p == (void *)-1 ? errno : 0;
	}
	shmctl(id, IPC_RMID, NULL);
	if (err) {
		wl_emit_refused("shmat", size, err, -1);
		return WL_REFUSED;
	}
	if (!touch)
		return WL_OK;
	wl_touch(p, (size_t)size, &touched);
	shmdt(p);
	wl_emit("{\"op\":\"done\",\"ok\":true,\"bytes\":%lld,\"touched\":%lld}", size, touched);
	return WL_OK;
}
