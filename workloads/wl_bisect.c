/* wl_bisect.c - `bisect size_hi=BYTES size_lo=BYTES step=BYTES`: the largest
 * single private writable anonymous mapping the kernel grants right now,
 * by binary search; each probe is mmap + munmap, nothing is touched.
 *
 * Such a mapping is accounted at mmap() time (mm/mmap.c mmap_region ->
 * __vm_enough_memory, mm/util.c), so the answer is the overcommit limit:
 * in mode 2, CommitLimit - Committed_AS less the reserves __vm_enough_memory
 * subtracts (admin_reserve_kbytes without CAP_SYS_ADMIN; min(total_vm/32,
 * user_reserve_kbytes)); in mode 0, MemTotal + SwapTotal (the heuristic
 * refuses pages > totalram_pages() + total_swap_pages); in mode 1 nothing
 * is refused and the result is capped at size_hi.
 *
 * Invariant: lo is granted (0 counts as granted) and hi is refused; the
 * search stops when hi - lo <= step.  Probes are at lo + a multiple of step.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wl.h"

struct bisect {
	int probes;
	long long committed_as_kb;   /* read right before the newest probe */
	long long commit_limit_kb;
};

/* 0 granted, else the errno. */
static int probe(struct bisect *b, long long size)
{
	void *p;

	b->committed_as_kb = wl_meminfo_kb("Committed_AS");
	b->commit_limit_kb = wl_meminfo_kb("CommitLimit");
	b->probes++;
	p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return errno;
	munmap(p, (size_t)size);
	return 0;
}

static int refused(const struct bisect *b, long long size, int err)
{
	char extra[64];

	snprintf(extra, sizeof(extra), ",\"probes\":%d", b->probes);
	wl_emit_refused_x("bisect", size, err, extra);
	return WL_REFUSED;
}

/* The result, with what __vm_enough_memory also subtracts: the reserves
 * (mm/util.c) and who asked (the admin reserve applies to a caller
 * without CAP_SYS_ADMIN, security/commoncap.c cap_vm_enough_memory). */
static int found(const struct bisect *b, long long limit, bool capped)
{
	wl_emit("{\"op\":\"bisect\",\"ok\":true,\"limit_bytes\":%lld,\"probes\":%d,"
		"\"committed_as_kb\":%lld,\"commit_limit_kb\":%lld,\"capped\":%s,\"uid\":%d,"
		"\"admin_reserve_kbytes\":%lld,\"user_reserve_kbytes\":%lld}",
		limit, b->probes, b->committed_as_kb, b->commit_limit_kb, capped ? "true" : "false",
		(int)geteuid(), wl_read_ll("/proc/sys/vm/admin_reserve_kbytes", -1),
		wl_read_ll("/proc/sys/vm/user_reserve_kbytes", -1));
	return WL_OK;
}

int wl_bisect(int argc, char **argv)
{
	long long lo = 0, hi = 0, step = 4096;
	struct wl_arg args[] = {
		{ .key = "size_lo", .value = &lo, .min = 0, .max = LLONG_MAX },
		{ .key = "size_hi", .value = &hi, .min = 1, .max = LLONG_MAX, .required = true },
		{ .key = "step", .value = &step, .min = 1, .max = LLONG_MAX },
	};
	struct bisect b = { 0, -1, -1 };
	int err;

	if (!wl_parse_args(argc, argv, args, sizeof(args) / sizeof(args[0])))
		return WL_BADARGS;
	if (lo >= hi)
		return wl_bad_args("size_lo must be below size_hi", argv[0]);
	if (!wl_size_ok("bisect", hi))
		return WL_REFUSED;
	err = probe(&b, hi);
	if (!err)
		return found(&b, hi, true);
	if (err != ENOMEM)
		return refused(&b, hi, err);
	if (lo > 0 && (err = probe(&b, lo)))
		return refused(&b, lo, err);
	while (hi - lo > step) {
		long long mid = lo + (hi - lo) / 2 / step * step;

		if (mid <= lo)
			mid = lo + step;
		err = probe(&b, mid);
		if (err && err != ENOMEM)
			return refused(&b, mid, err);
		if (err)
			hi = mid;
		else
			lo = mid;
	}
	return found(&b, lo, false);
}
