/* wl_mmap.c - `mmap size=BYTES touch=0|1`: one anonymous private mapping
 * without MAP_NORESERVE, so the overcommit policy decides at mmap() time
 * (mm/mmap.c mmap_region -> security_vm_enough_memory_mm ->
 * __vm_enough_memory in mm/util.c); touch=1 then writes every page. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>

#include "wl.h"

int wl_mmap(int argc, char **argv)
{
	long long size = 0, touch = 0, touched = 0;
	struct wl_arg args[] = {
		{ .key = "size", .value = &size, .min = 1, .max = LLONG_MAX, .required = true },
		{ .key = "touch", .value = &touch, .min = 0, .max = 1 },
	};
	char *p;

	if (!wl_parse_args(argc, argv, args, sizeof(args) / sizeof(args[0])))
		return WL_BADARGS;
	if ((unsigned long long)size > (unsigned long long)SIZE_MAX) {
		wl_emit_refused("mmap", size, EOVERFLOW, -1);
		return WL_REFUSED;
	}
	p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		wl_emit_refused("mmap", size, errno, -1);
		return WL_REFUSED;
	}
	wl_emit("{\"op\":\"mmap\",\"bytes\":%lld,\"ok\":true}", size);
	if (!touch)
		return WL_OK;
	wl_touch(p, (size_t)size, &touched);
	wl_emit("{\"op\":\"done\",\"ok\":true,\"bytes\":%lld,\"touched\":%lld}", size, touched);
	return WL_OK;
}
