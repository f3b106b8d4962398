/* wl_frag.c - the helper beside a kernel-allocation stressor (wl.h,
 * wl_helper_main) and `frag keep=BYTES drain=N` on its own.
 *
 * frag: leave no free block of a high order while memory is nominally
 * free, so that a kernel allocation of that order fails for fragmentation
 * alone (workloads/README.md, Stressors):
 *   1. lock (mlock) nearly all free memory, in 1 MiB mappings without
 *      transparent huge pages (PR_SET_THP_DISABLE: a huge page would keep
 *      the holes of step 2 allocated until it is split);
 *   2. give back every page whose page frame number is even (read from
 *      /proc/self/pagemap, which shows PFNs to CAP_SYS_ADMIN,
 *      Documentation/admin-guide/mm/pagemap.rst): its order-0 buddy
 *      (pfn ^ 1, mm/internal.h __find_buddy_pfn) stays locked, so the freed
 *      pages never merge (mm/page_alloc.c __free_one_page).  Compaction could
 *      still move the locked pages, unless vm.compact_unevictable_allowed is 0
 *      (mm/compaction.c isolate_migratepages_block skips unevictable pages
 *      then; the vmconfig sets it);
 *   3. take every free block of order 10 down to `drain` (at least 4, so a
 *      failure never invokes the OOM killer: mm/page_alloc.c
 *      __alloc_pages_may_oom) with pipe rings it keeps; what step 1 left
 *      (the zones keep their watermarks and lowmem reserves free) goes here.
 * /proc/buddyinfo is printed before and after.
 *
 * fill: touch memory in the workload's cgroup until memory.max -
 * memory.current is at most `margin`, so that the next charges of the
 * stressor meet the limit (mm/memcontrol.c try_charge_memcg).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "wl.h"

#define PAGE          4096LL
#define CHUNK         (1LL << 20)
#define SMALL_CHUNK   (64LL << 10)
#define KEEP_SLACK_KB 8192LL        /* over the zones' watermarks and reserves */
#define KEEP_DEFAULT_KB 16384LL     /* when /proc/zoneinfo says nothing */
#define MAP_COUNT_SPARE 2048LL      /* mappings left for everything else */
#define DRAIN_MAX_PIPES 2048
#define FILL_MARGIN_DEFAULT (4LL << 20)

#ifndef PR_SET_THP_DISABLE
#define PR_SET_THP_DISABLE 41
#endif

struct chunk {
	char *p;
	long long len;
};

struct frag {
	struct chunk *c;
	size_t n, alloc;
	long long locked, freed, holes;
	bool pagemap;
	int drained[WL_MAX_ORDER + 1];
	int drain_err;
};

/* mm/vmstat.c zoneinfo_show_print(): "        high     N" and
 * "        protection: (a, b, ...)" per zone, in pages.  A zone keeps about
 * its high watermark plus its largest lowmem reserve free. */
static long long keep_default_kb(void)
{
	static char buf[65536];
	int fd = open("/proc/zoneinfo", O_RDONLY | O_CLOEXEC);
	ssize_t r = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	long long pages = 0, prot_max = 0;

	if (fd >= 0)
		close(fd);
	if (r <= 0)
		return KEEP_DEFAULT_KB;
	buf[r] = '\0';
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n'), *s = line;
		long long v;

		if (nl)
			*nl = '\0';
		while (*s == ' ')
			s++;
		if (!strncmp(s, "Node ", 5)) {
			pages += prot_max;
			prot_max = 0;
		} else if (sscanf(s, "high %lld", &v) == 1) {
			pages += v;
		} else if (!strncmp(s, "protection: (", 13)) {
			for (char *q = s + 13; *q && *q != ')';) {
				char *end;

				v = strtoll(q, &end, 10);
				if (end == q)
					break;
				if (v > prot_max)
					prot_max = v;
				q = *end == ',' ? end + 1 : end;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return (pages + prot_max) * (PAGE / 1024) + KEEP_SLACK_KB;
}

static bool add_chunk(struct frag *f, char *p, long long len)
{
	if (f->n == f->alloc) {
		size_t na = f->alloc ? f->alloc * 2 : 256;
		struct chunk *c = realloc(f->c, na * sizeof(*c));

		if (!c)
			return false;
		f->c = c;
		f->alloc = na;
	}
	f->c[f->n++] = (struct chunk){ p, len };
	return true;
}

/* Step 1: lock memory until MemFree is at most keep_kb. */
static int lock_fill(struct frag *f, long long keep_kb)
{
	for (;;) {
		long long free_kb = wl_meminfo_kb("MemFree"), len;
		char *p;

		if (free_kb < 0)
			return EIO;
		if (free_kb <= keep_kb || free_kb - keep_kb < SMALL_CHUNK / 1024)
			return 0;
		len = free_kb - keep_kb >= 4 * CHUNK / 1024 ? CHUNK : SMALL_CHUNK;
		p = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return errno;
		madvise(p, (size_t)len, MADV_NOHUGEPAGE);
		if (mlock(p, (size_t)len)) {
			int err = errno;

			munmap(p, (size_t)len);
			return err;
		}
		if (!add_chunk(f, p, len))
			return ENOMEM;
		f->locked += len;
	}
}

/* Step 2: free the pages of even PFN (every other page when pagemap
 * shows no PFNs), within vm.max_map_count: each hole splits a mapping. */
static void punch_holes(struct frag *f)
{
	long long max_holes = wl_read_ll("/proc/sys/vm/max_map_count", 65530) - MAP_COUNT_SPARE;
	unsigned long long ent[CHUNK / PAGE];
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	f->pagemap = false;
	for (size_t i = 0; i < f->n && f->holes < max_holes; i++) {
		long long pages = f->c[i].len / PAGE;
		off_t off = (off_t)((unsigned long)f->c[i].p / PAGE * 8);
		bool have = pm >= 0 && pread(pm, ent, (size_t)pages * 8, off) == pages * 8;

		for (long long k = 0; k < pages && f->holes < max_holes; k++) {
			/* bit 63 present, bits 0-54 the PFN */
			unsigned long long pfn = have ? ent[k] & ((1ULL << 55) - 1) : 0;
			bool present = have && (ent[k] >> 63);
			bool give;

			if (pfn)
				f->pagemap = true;
			give = pfn ? present && !(pfn & 1) : !(k & 1);
			if (give && !munmap(f->c[i].p + k * PAGE, PAGE)) {
				f->holes++;
				f->freed += PAGE;
			}
		}
	}
	if (pm >= 0)
		close(pm);
}

/* Step 3: pipe rings of order 10 down to min_order, each until ENOMEM. */
static void drain(struct frag *f, int min_order)
{
	int pipes = 0;

	if (min_order <= WL_COSTLY_ORDER)
		return;
	wl_raise_nofile(2LL * DRAIN_MAX_PIPES + 64);
	for (int k = WL_MAX_ORDER; k >= min_order; k--) {
		while (pipes < DRAIN_MAX_PIPES) {
			int fds[2], err = wl_pipe_ring(fds, wl_pipe_bytes_for_order(k));

			if (err) {
				if (fds[0] >= 0) {
					close(fds[0]);
					close(fds[1]);
				}
				if (err != ENOMEM)
					f->drain_err = err;
				break;
			}
			f->drained[k]++;
			pipes++;
		}
	}
}

static void emit_frag(const struct frag *f, long long keep_kb, int drain_order)
{
	char drained[160] = "";
	size_t o = 0;

	for (int k = WL_MAX_ORDER; drain_order > WL_COSTLY_ORDER && k >= drain_order; k--)
		o += (size_t)snprintf(drained + o, sizeof(drained) - o, "%s\"%d\":%d",
				      o ? "," : "", k, f->drained[k]);
	wl_emit("{\"op\":\"frag\",\"locked_kb\":%lld,\"freed_kb\":%lld,\"holes\":%lld,"
		"\"pagemap\":%s,\"keep_kb\":%lld,\"drained\":{%s},\"drain_errno\":%d,"
		"\"compact_unevictable_allowed\":%lld}", f->locked / 1024, f->freed / 1024, f->holes,
		f->pagemap ? "true" : "false", keep_kb, drained, f->drain_err,
		wl_read_ll("/proc/sys/vm/compact_unevictable_allowed", -1));
}

static int frag_main(const struct wl_helper_opts *o)
{
	struct frag f = { 0 };
	long long keep_kb = o->keep_bytes > 0 ? o->keep_bytes / 1024 : keep_default_kb();
	int err;

	prctl(PR_SET_NAME, "oomfrag", 0, 0, 0);
	prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	wl_emit_buddyinfo("before");
	err = lock_fill(&f, keep_kb);
	if (err) {
		wl_emit_refused_x("mlock", f.locked, err, ",\"helper\":\"frag\"");
		return WL_REFUSED;
	}
	punch_holes(&f);
	drain(&f, o->drain_order);
	emit_frag(&f, keep_kb, o->drain_order);
	wl_emit_buddyinfo("after");
	return 0;
}

/* The workload's cgroup directory, from /proc/self/cgroup ("0::/oomlab",
 * Documentation/admin-guide/cgroup-v2.rst). */
static bool own_cgroup(char *dir, size_t n)
{
	char buf[512];
	int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	ssize_t r = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	char *p, *nl;

	if (fd >= 0)
		close(fd);
	if (r <= 0)
		return false;
	buf[r] = '\0';
	p = strstr(buf, "0::");
	if (!p || strstr(p, ".."))
		return false;
	nl = strchr(p, '\n');
	if (nl)
		*nl = '\0';
	return (size_t)snprintf(dir, n, "/sys/fs/cgroup%s", p + 3) < n;
}

static long long cg_read(const char *dir, const char *file)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return wl_read_ll(path, -1);
}

static int fill_main(const struct wl_helper_opts *o)
{
	long long margin = o->margin_bytes > 0 ? o->margin_bytes : FILL_MARGIN_DEFAULT;
	long long max, cur = -1, touched = 0;
	char dir[512];

	prctl(PR_SET_NAME, "oomfill", 0, 0, 0);
	prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	/* "max" reads as no number: there is no limit to fill up to. */
	max = own_cgroup(dir, sizeof(dir)) ? cg_read(dir, "memory.max") : -1;
	if (max <= 0) {
		wl_emit("{\"op\":\"fill\",\"ok\":false,\"error\":\"the cgroup has no memory.max\"}");
		return WL_BADARGS;
	}
	for (;;) {
		long long room, len;
		char *p;

		cur = cg_read(dir, "memory.current");
		room = max - cur;
		if (cur < 0 || room - margin < PAGE)
			break;
		len = room - margin >= CHUNK ? CHUNK : (room - margin) / PAGE * PAGE;
		p = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			wl_emit_refused_x("mmap", len, errno, ",\"helper\":\"fill\"");
			return WL_REFUSED;
		}
		madvise(p, (size_t)len, MADV_NOHUGEPAGE);
		wl_touch(p, (size_t)len, &touched);
	}
	wl_emit("{\"op\":\"fill\",\"touched\":%lld,\"memory.current\":%lld,\"memory.max\":%lld,"
		"\"margin\":%lld}", touched, cur, max, margin);
	return 0;
}

int wl_helper_main(const struct wl_helper_opts *o)
{
	return o->kind == WL_HELPER_FRAG ? frag_main(o) : fill_main(o);
}

/* `frag keep=BYTES drain=N`: fragment, report, let go. */
int wl_frag(int argc, char **argv)
{
	long long drain_order = 4;
	struct wl_helper_opts o = { .kind = WL_HELPER_FRAG };
	struct wl_arg args[] = {
		{ .key = "keep", .value = &o.keep_bytes, .min = 0, .max = 1LL << 40 },
		{ .key = "drain", .value = &drain_order, .min = 0, .max = WL_MAX_ORDER },
	};
	struct wl_helper h;
	int err;

	if (!wl_parse_args(argc, argv, args, sizeof(args) / sizeof(args[0])))
		return WL_BADARGS;
	if (drain_order && drain_order <= WL_COSTLY_ORDER)
		return wl_bad_args("drain must be 0 or above 3 (a failure must not invoke the OOM "
				   "killer)", "drain");
	o.drain_order = (int)drain_order;
	err = wl_helper_start(&h, &o);
	if (err) {
		wl_emit_error("frag", err, "");
		return WL_BADARGS;
	}
	wl_emit("{\"op\":\"frag\",\"ok\":true,\"free_kb\":%lld}", wl_meminfo_kb("MemFree"));
	wl_helper_stop(&h);
	return WL_OK;
}
