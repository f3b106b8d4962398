/* wl_brk.c - `brk size=BYTES touch=0|1`: grow the heap with sbrk(2) in steps
 * of 1 MiB until it is size bytes larger; touch=1 writes every new page
 * right after each step.
 *
 * Each step is one brk(2) call; do_brk_flags checks it with
 * security_vm_enough_memory_mm (mm/mmap.c), the same __vm_enough_memory
 * (mm/util.c) as mmap: a step is refused with ENOMEM in mode 2 when it would
 * take Committed_AS past the limit, in mode 0 only if 1 MiB exceeded
 * RAM + swap, never in mode 1.  RLIMIT_DATA also limits the heap.
 *
 * Refused: {"op":"brk","bytes":STEP,"ok":false,"errno":E,"error":"...",
 * "grown":G[,"touched":T]}; granted: {"op":"brk","ok":true,"bytes":SIZE,
 * "grown":SIZE[,"touched":T]}. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "wl.h"

#define BRK_STEP (1LL << 20)

static void extras(char *out, size_t n, long long grown, long long touch, long long touched)
{
	if (touch)
		snprintf(out, n, ",\"grown\":%lld,\"touched\":%lld", grown, touched);
	else
		snprintf(out, n, ",\"grown\":%lld", grown);
}

int wl_brk(int argc, char **argv)
{
	long long size = 0, touch = 0, grown = 0, touched = 0;
	struct wl_arg args[] = {
		{ .key = "size", .value = &size, .min = 1, .max = LLONG_MAX, .required = true },
		{ .key = "touch", .value = &touch, .min = 0, .max = 1 },
	};
	char extra[96];

	if (!wl_parse_args(argc, argv, args, sizeof(args) / sizeof(args[0])))
		return WL_BADARGS;
	while (grown < size) {
		long long want = size - grown < BRK_STEP ? size - grown : BRK_STEP;
		char *p = sbrk((intptr_t)want);

		if (p == (void *)-1) {
			int err = errno;

			extras(extra, sizeof(extra), grown, touch, touched);
			wl_emit_refused_x("brk", want, err, extra);
			return WL_REFUSED;
		}
		grown += want;
		if (touch)
			wl_touch(p, (size_t)want, &touched);
	}
	extras(extra, sizeof(extra), grown, touch, touched);
	wl_emit("{\"op\":\"brk\",\"ok\":true,\"bytes\":%lld%s}", size, extra);
	return WL_OK;
}
