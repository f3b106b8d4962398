/* wl_mbind.c - `mbind node=N size=BYTES chunk=BYTES`: hog (chunk after chunk,
 * mapped and touched) with every chunk bound to NUMA node N by mbind(2)
 * with MPOL_BIND before it is touched.
 *
 * The pages may then only come from node N: when it is full the allocator
 * does not fall back to other nodes, and the OOM killer runs with
 * constraint CONSTRAINT_MEMORY_POLICY (mm/oom_kill.c constrained_alloc:
 * the allocation's nodemask does not cover all memory nodes), even while
 * other nodes have free memory.  A node without memory, or one that does
 * not exist, makes mbind fail (EINVAL).
 *
 * Raw system calls, no libnuma (the guest binary is static).  After the
 * first chunk is bound, its first page is touched and get_mempolicy(2)
 * (MPOL_F_NODE|MPOL_F_ADDR) tells where it landed:
 * {"op":"placed","node":N,"want":N}.  The rest as hog; a refused mbind is
 * the refused line with op "mbind"; every result line adds "node". */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wl.h"

/* include/uapi/linux/mempolicy.h: the policies are an enum
 * { MPOL_DEFAULT, MPOL_PREFERRED, MPOL_BIND, ... }; flags of
 * get_mempolicy: MPOL_F_NODE (1<<0), MPOL_F_ADDR (1<<1). */
#define WL_MPOL_BIND   2
#define WL_MPOL_F_NODE (1 << 0)
#define WL_MPOL_F_ADDR (1 << 1)

/* One unsigned long of node bits.  mm/mempolicy.c get_nodes() reads
 * maxnode - 1 bits (a historical off-by-one that libnuma also
 * compensates for), hence 65 for 64 bits. */
#define MASK_BITS 64

struct bind {
	unsigned long mask;
	int node;
	bool placed;
};

static int bind_chunk(void *p, size_t len, void *ctx)
{
	struct bind *b = ctx;
	int where = -1;

	if (syscall(SYS_mbind, p, len, WL_MPOL_BIND, &b->mask, (unsigned long)MASK_BITS + 1, 0UL))
		return errno;
	if (b->placed)
		return 0;
	b->placed = true;
	*(volatile char *)p = 1;
	if (syscall(SYS_get_mempolicy, &where, NULL, 0UL, p, (unsigned long)(WL_MPOL_F_NODE |
									 WL_MPOL_F_ADDR)))
		where = -1;
	wl_emit("{\"op\":\"placed\",\"node\":%d,\"want\":%d}", where, b->node);
	return 0;
}

int wl_mbind(int argc, char **argv)
{
	long long node = 0, size = 0, chunk = 1LL << 20, touched = 0;
	struct wl_arg args[] = {
		{ .key = "node", .value = &node, .min = 0, .max = MASK_BITS - 1, .required = true },
		{ .key = "size", .value = &size, .min = 1, .max = LLONG_MAX, .required = true },
		{ .key = "chunk", .value = &chunk, .min = 1, .max = 1LL << 40 },
	};
	struct bind b = { 0 };
	char extra[32];
	struct wl_hog h = { .touched = &touched, .prepare = bind_chunk, .ctx = &b,
			    .prepare_op = "mbind", .extra = extra };

	if (!wl_parse_args(argc, argv, args, sizeof(args) / sizeof(args[0])))
		return WL_BADARGS;
	b.node = (int)node;
	b.mask = 1UL << node;
	snprintf(extra, sizeof(extra), ",\"node\":%d", b.node);
	h.size = size;
	h.chunk = chunk;
	if (wl_hog_run(&h) != WL_OK)
		return WL_REFUSED;
	wl_emit("{\"op\":\"done\",\"ok\":true,\"bytes\":%lld,\"touched\":%lld,\"node\":%d}", size,
		touched, b.node);
	return WL_OK;
}
