/* wl_mmap.c - `mmap size=BYTES touch=0|1 noreserve=0|1 shared=0|1
 * hugetlb=0|1`: one anonymous mapping; touch=1 then writes every page.
 *
 * Where the overcommit policy decides (Linux 6.1):
 * - private (default): mmap_region -> accountable_mapping ->
 *   security_vm_enough_memory_mm -> __vm_enough_memory (mm/mmap.c,
 *   mm/util.c), at mmap() time;
 * - noreserve=1 (MAP_NORESERVE): do_mmap sets VM_NORESERVE only when
 *   vm.overcommit_memory != 2 ("We honor MAP_NORESERVE if allowed to
 *   overcommit", mm/mmap.c): unaccounted in modes 0/1, accounted in mode 2;
 * - shared=1 (MAP_SHARED|MAP_ANONYMOUS): not accountable_mapping, but
 *   shmem_zero_setup -> shmem_acct_size charges the whole size unless
 *   VM_NORESERVE (mm/shmem.c), so the same check runs, for shmem;
 * - hugetlb=1 (MAP_HUGETLB): ksys_mmap_pgoff rounds the size up to the huge
 *   page size and hugetlb_file_setup reserves huge pages from the pool
 *   (vm.nr_hugepages; mm/hugetlb.c hugetlb_reserve_pages); the overcommit
 *   policy is not consulted ("hugetlb has its own accounting", mm/mmap.c),
 *   an empty pool means ENOMEM. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/mman.h>

#include "wl.h"

static void flag_names(char *out, size_t n, int flags)
{
	snprintf(out, n, "%s|MAP_ANONYMOUS%s%s", flags & MAP_SHARED ? "MAP_SHARED" : "MAP_PRIVATE",
		 flags & MAP_NORESERVE ? "|MAP_NORESERVE" : "",
		 flags & MAP_HUGETLB ? "|MAP_HUGETLB" : "");
}

int wl_mmap(int argc, char **argv)
{
	long long size = 0, touch = 0, noreserve = 0, shared = 0, hugetlb = 0, touched = 0;
	struct wl_arg args[] = {
		{ .key = "size", .value = &size, .min = 1, .max = LLONG_MAX, .required = true },
		{ .key = "touch", .value = &touch, .min = 0, .max = 1 },
		{ .key = "noreserve", .value = &noreserve, .min = 0, .max = 1 },
		{ .key = "shared", .value = &shared, .min = 0, .max = 1 },
		{ .key = "hugetlb", .value = &hugetlb, .min = 0, .max = 1 },
	};
	int flags;
	char names[96], extra[128];
	char *p;

	if (!wl_parse_args(argc, argv, args, sizeof(args) / sizeof(args[0])))
		return WL_BADARGS;
	flags = MAP_ANONYMOUS | (shared ? MAP_SHARED : MAP_PRIVATE) |
		(noreserve ? MAP_NORESERVE : 0) | (hugetlb ? MAP_HUGETLB : 0);
	flag_names(names, sizeof(names), flags);
	snprintf(extra, sizeof(extra), ",\"flags\":\"%s\"", names);
	if (!wl_size_ok("mmap", size))
		return WL_REFUSED;
	p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED) {
		wl_emit_refused_x("mmap", size, errno, extra);
		return WL_REFUSED;
	}
	wl_emit("{\"op\":\"mmap\",\"bytes\":%lld,\"ok\":true%s}", size, extra);
	if (!touch)
		return WL_OK;
	wl_touch(p, (size_t)size, &touched);
	wl_emit("{\"op\":\"done\",\"ok\":true,\"bytes\":%lld,\"touched\":%lld}", size, touched);
	return WL_OK;
}
