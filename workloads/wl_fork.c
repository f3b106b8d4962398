/* wl_fork.c - `fork size=BYTES touch=0|1`: map size bytes (private,
 * anonymous, writable), touch them (touch=1, the default), then fork(); the
 * child exits at once and the parent reaps it.
 *
 * fork copies the address space: dup_mmap charges every VM_ACCOUNT mapping
 * again with security_vm_enough_memory_mm (kernel/fork.c), so in mode 2 the
 * fork fails with ENOMEM when Committed_AS + size would pass the limit,
 * that is for a mapping larger than about half of what was free to
 * commit; in mode 0 each mapping is compared with RAM + swap alone; mode 1
 * never refuses.
 *
 * Lines: {"op":"mmap","bytes":SIZE,"ok":true}, progress, then
 * {"op":"fork","bytes":SIZE,"ok":true,"touched":T,"child":PID} or
 * {"op":"fork","bytes":SIZE,"ok":false,"errno":E,"error":"...","touched":T}
 * (touched is what the parent had touched: the mapping the fork copies). */
#include <errno.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wl.h"

int wl_fork(int argc, char **argv)
{
	long long size = 0, touch = 1, touched = 0;
	struct wl_arg args[] = {
		{ .key = "size", .value = &size, .min = 1, .max = LLONG_MAX, .required = true },
		{ .key = "touch", .value = &touch, .min = 0, .max = 1 },
	};
	pid_t pid;
	char *p;
	int st;

	if (!wl_parse_args(argc, argv, args, sizeof(args) / sizeof(args[0])))
		return WL_BADARGS;
	if (!wl_size_ok("mmap", size))
		return WL_REFUSED;
	p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		wl_emit_refused("mmap", size, errno, -1);
		return WL_REFUSED;
	}
	wl_emit("{\"op\":\"mmap\",\"bytes\":%lld,\"ok\":true}", size);
	if (touch)
		wl_touch(p, (size_t)size, &touched);
	pid = fork();
	if (pid < 0) {
		wl_emit_refused("fork", size, errno, touched);
		return WL_REFUSED;
	}
	if (pid == 0)
		_exit(0);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	wl_emit("{\"op\":\"fork\",\"bytes\":%lld,\"ok\":true,\"touched\":%lld,\"child\":%d}", size,
		touched, (int)pid);
	return WL_OK;
}
