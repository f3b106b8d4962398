/* wl_hog.c - `hog size=BYTES chunk=BYTES`: map and touch chunk after chunk
 * until size bytes are touched.  Each chunk is its own mapping, so under
 * overcommit_memory=2 the refusal comes as ENOMEM from mmap (reported with
 * how much was touched), and otherwise the page faults drive the OOM killer
 * (global or memcg), which shows as SIGKILL. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>

#include "wl.h"

int wl_hog(int argc, char **argv)
{
	long long size = 0, chunk = 1LL << 20, touched = 0;
	struct wl_arg args[] = {
		{ .key = "size", .value = &size, .min = 1, .max = LLONG_MAX, .required = true },
		{ .key = "chunk", .value = &chunk, .min = 1, .max = 1LL << 40 },
	};

	if (!wl_parse_args(argc, argv, args, sizeof(args) / sizeof(args[0])))
		return WL_BADARGS;
	while (touched < size) {
		long long want = size - touched < chunk ? size - touched : chunk;
		char *p = mmap(NULL, (size_t)want, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			wl_emit_refused("mmap", want, errno, touched);
			return WL_REFUSED;
		}
		wl_touch(p, (size_t)want, &touched);
	}
	wl_emit("{\"op\":\"done\",\"ok\":true,\"bytes\":%lld,\"touched\":%lld}", size, touched);
	return WL_OK;
}
