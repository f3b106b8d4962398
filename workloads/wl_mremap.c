/* wl_mremap.c - `mremap size=BYTES touch=0|1`: map 1 MiB (private,
 * anonymous, writable), then grow it to size bytes with
 * mremap(MREMAP_MAYMOVE); touch=1 then writes every page.
 *
 * The growth (size - 1 MiB) is accounted at mremap() time: in place,
 * do_mremap calls security_vm_enough_memory_mm for the extension; when it
 * moves, move_vma/vma_to_resize do for the new length (mm/mremap.c).  Both
 * land in __vm_enough_memory (mm/util.c), so mode 2 refuses past the limit
 * and mode 0 refuses a growth larger than RAM + swap.  Since the first
 * 1 MiB was committed during the step, Committed_AS before the step + size
 * is what mode 2 compares.
 *
 * Lines: {"op":"mmap","bytes":1048576,"ok":true}, then
 * {"op":"mremap","bytes":SIZE,"ok":true} or the refused line with
 * "from":1048576. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/mman.h>

#include "wl.h"

#define MREMAP_FROM (1LL << 20)

int wl_mremap(int argc, char **argv)
{
	long long size = 0, touch = 0, touched = 0;
	struct wl_arg args[] = {
		{ .key = "size", .value = &size, .min = MREMAP_FROM + 1, .max = LLONG_MAX,
		  .required = true },
		{ .key = "touch", .value = &touch, .min = 0, .max = 1 },
	};
	char extra[48];
	char *p, *q;

	if (!wl_parse_args(argc, argv, args, sizeof(args) / sizeof(args[0])))
		return WL_BADARGS;
	if (!wl_size_ok("mremap", size))
		return WL_REFUSED;
	p = mmap(NULL, (size_t)MREMAP_FROM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED) {
		wl_emit_refused("mmap", MREMAP_FROM, errno, -1);
		return WL_REFUSED;
	}
	wl_emit("{\"op\":\"mmap\",\"bytes\":%lld,\"ok\":true}", MREMAP_FROM);
	q = mremap(p, (size_t)MREMAP_FROM, (size_t)size, MREMAP_MAYMOVE);
	if (q == MAP_FAILED) {
		int err = errno;

		snprintf(extra, sizeof(extra), ",\"from\":%lld", MREMAP_FROM);
		wl_emit_refused_x("mremap", size, err, extra);
		return WL_REFUSED;
	}
	wl_emit("{\"op\":\"mremap\",\"bytes\":%lld,\"ok\":true,\"from\":%lld}", size, MREMAP_FROM);
	if (!touch)
		return WL_OK;
	wl_touch(q, (size_t)size, &touched);
	wl_emit("{\"op\":\"done\",\"ok\":true,\"bytes\":%lld,\"touched\":%lld}", size, touched);
	return WL_OK;
}
