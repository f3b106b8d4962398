/* incident_gfp.c - GFP masks decoded per kernel version.
 *
 * The ___GFP_* bit values, from include/linux/gfp.h (include/linux/gfp_types.h
 * since 6.2) of each version range; the names and their order are those of
 * the kernel's %pGg (include/trace/events/mmflags.h, __def_gfpflag_names:
 * composite GFP_* masks first, then single bits, leftover bits as hex).
 *
 *   2.6.32 - 4.3   __GFP_WAIT 0x10, COLD 0x100, ... RECLAIMABLE 0x80000, NOTRACK
 *                  0x200000, NO_KSWAPD 0x400000 (2.6.38+), OTHER_NODE 0x800000,
 *                  WRITE 0x1000000 (3.2+); MEMALLOC 0x2000 (3.6+), KMEMCG
 *                  0x100000 (3.8 - 3.14).  GFP_KERNEL = 0xd0.
 *   4.4 - 4.9      d0164adc89f6 ("distinguish between being unable to sleep,
 *                  unwilling to sleep and avoiding waking kswapd"): RECLAIMABLE 0x10,
 *                  ATOMIC 0x80000, ACCOUNT 0x100000 (4.5), DIRECT_RECLAIM 0x400000,
 *                  WRITE 0x1000000, KSWAPD_RECLAIM 0x2000000.  GFP_KERNEL = 0x24000c0.
 *   4.10 - 4.14    41b6167e8f74 ("mm: get rid of __GFP_OTHER_NODE"): WRITE 0x800000,
 *                  KSWAPD_RECLAIM 0x1000000, NOLOCKDEP 0x2000000 (4.12+, lockdep);
 *                  __GFP_REPEAT is __GFP_RETRY_MAYFAIL from 4.13 (dcda9b04713c).
 *                  GFP_KERNEL = 0x14000c0.
 *   4.15 - 5.0     __GFP_COLD and __GFP_NOTRACK (kmemcheck) removed: WRITE 0x100,
 *                  DIRECT_RECLAIM 0x200000, KSWAPD_RECLAIM 0x400000, NOLOCKDEP
 *                  0x800000.  GFP_KERNEL = 0x6000c0.
 *   5.1 -          "mm: shuffle GFP_* flags" (Alexey Dobriyan, 2019): ZERO 0x100,
 *                  ATOMIC 0x200, DIRECT_RECLAIM 0x400, KSWAPD_RECLAIM 0x800, WRITE
 *                  0x1000, NOWARN 0x2000, ... ACCOUNT 0x400000.  GFP_KERNEL = 0xcc0.
 *                  Above ACCOUNT: NOLOCKDEP 0x800000 (lockdep) up to 5.10; 5.15 - 5.17
 *                  ZEROTAGS 0x800000, SKIP_KASAN_POISON 0x1000000 (part of
 *                  GFP_HIGHUSER_MOVABLE: 5.15's "0x1100cca(GFP_HIGHUSER_MOVABLE)"),
 *                  NOLOCKDEP 0x2000000; from 5.18 ZEROTAGS 0x800000 and bits above it
 *                  depend on CONFIG_KASAN_HW_TAGS and CONFIG_LOCKDEP, so they are
 *                  left as hex (as are 5.11 - 5.14's, not checked here).
 *   6.3 -          "mm: discard __GFP_ATOMIC": 0x200 unused.
 * Vendor kernels (RHEL) backport flags; the version is only a guide there.
 */
#include "incident_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gfp_flag {
	const char *name;             /* without "__GFP_" */
	unsigned long long bit;
};

enum { R_WAIT, R_SPLIT };          /* how GFP_KERNEL & co. reclaim */
enum { TH_3X, TH_44, TH_410 };     /* GFP_TRANSHUGE's definition */

struct gfp_layout {
	int from;                     /* first version (incident_kver()) */
	const char *range;
	const struct gfp_flag *flags;
	size_t n;
	int reclaim, transhuge;
	bool temporary;               /* GFP_TEMPORARY (until 4.13) */
	bool kasan_movable;           /* GFP_HIGHUSER_MOVABLE has SKIP_KASAN_POISON */
};

#define ZONE_BITS { "DMA", 0x01 }, { "HIGHMEM", 0x02 }, { "DMA32", 0x04 }, { "MOVABLE", 0x08 }

static const struct gfp_flag f_old[] = {
	ZONE_BITS, { "WAIT", 0x10 }, { "HIGH", 0x20 }, { "IO", 0x40 }, { "FS", 0x80 },
	{ "COLD", 0x100 }, { "NOWARN", 0x200 }, { "REPEAT", 0x400 }, { "NOFAIL", 0x800 },
	{ "NORETRY", 0x1000 }, { "MEMALLOC", 0x2000 }, { "COMP", 0x4000 }, { "ZERO", 0x8000 },
	{ "NOMEMALLOC", 0x10000 }, { "HARDWALL", 0x20000 }, { "THISNODE", 0x40000 },
	{ "RECLAIMABLE", 0x80000 }, { "KMEMCG", 0x100000 }, { "NOTRACK", 0x200000 },
	{ "NO_KSWAPD", 0x400000 }, { "OTHER_NODE", 0x800000 }, { "WRITE", 0x1000000 },
};

static const struct gfp_flag f_44[] = {
	ZONE_BITS, { "RECLAIMABLE", 0x10 }, { "HIGH", 0x20 }, { "IO", 0x40 }, { "FS", 0x80 },
	{ "COLD", 0x100 }, { "NOWARN", 0x200 }, { "REPEAT", 0x400 }, { "NOFAIL", 0x800 },
	{ "NORETRY", 0x1000 }, { "MEMALLOC", 0x2000 }, { "COMP", 0x4000 }, { "ZERO", 0x8000 },
	{ "NOMEMALLOC", 0x10000 }, { "HARDWALL", 0x20000 }, { "THISNODE", 0x40000 },
	{ "ATOMIC", 0x80000 }, { "ACCOUNT", 0x100000 }, { "NOTRACK", 0x200000 },
	{ "DIRECT_RECLAIM", 0x400000 }, { "OTHER_NODE", 0x800000 }, { "WRITE", 0x1000000 },
	{ "KSWAPD_RECLAIM", 0x2000000 },
};

#define F_410_COMMON                                                                   \
	ZONE_BITS, { "RECLAIMABLE", 0x10 }, { "HIGH", 0x20 }, { "IO", 0x40 }, { "FS", 0x80 }, \
	{ "COLD", 0x100 }, { "NOWARN", 0x200 }, { "NOFAIL", 0x800 }, { "NORETRY", 0x1000 },   \
	{ "MEMALLOC", 0x2000 }, { "COMP", 0x4000 }, { "ZERO", 0x8000 },                       \
	{ "NOMEMALLOC", 0x10000 }, { "HARDWALL", 0x20000 }, { "THISNODE", 0x40000 },          \
	{ "ATOMIC", 0x80000 }, { "ACCOUNT", 0x100000 }, { "DIRECT_RECLAIM", 0x400000 },       \
	{ "WRITE", 0x800000 }, { "KSWAPD_RECLAIM", 0x1000000 }, { "NOLOCKDEP", 0x2000000 }

static const struct gfp_flag f_410[] = { F_410_COMMON, { "REPEAT", 0x400 } };
static const struct gfp_flag f_413[] = { F_410_COMMON, { "RETRY_MAYFAIL", 0x400 } };

static const struct gfp_flag f_415[] = {
	ZONE_BITS, { "RECLAIMABLE", 0x10 }, { "HIGH", 0x20 }, { "IO", 0x40 }, { "FS", 0x80 },
	{ "WRITE", 0x100 }, { "NOWARN", 0x200 }, { "RETRY_MAYFAIL", 0x400 }, { "NOFAIL", 0x800 },
	{ "NORETRY", 0x1000 }, { "MEMALLOC", 0x2000 }, { "COMP", 0x4000 }, { "ZERO", 0x8000 },
	{ "NOMEMALLOC", 0x10000 }, { "HARDWALL", 0x20000 }, { "THISNODE", 0x40000 },
	{ "ATOMIC", 0x80000 }, { "ACCOUNT", 0x100000 }, { "DIRECT_RECLAIM", 0x200000 },
	{ "KSWAPD_RECLAIM", 0x400000 }, { "NOLOCKDEP", 0x800000 },
};

#define F_51_COMMON                                                                        \
	ZONE_BITS, { "RECLAIMABLE", 0x10 }, { "HIGH", 0x20 }, { "IO", 0x40 }, { "FS", 0x80 },     \
	{ "ZERO", 0x100 }, { "DIRECT_RECLAIM", 0x400 }, { "KSWAPD_RECLAIM", 0x800 },              \
	{ "WRITE", 0x1000 }, { "NOWARN", 0x2000 }, { "RETRY_MAYFAIL", 0x4000 },                   \
	{ "NOFAIL", 0x8000 }, { "NORETRY", 0x10000 }, { "MEMALLOC", 0x20000 },                    \
	{ "COMP", 0x40000 }, { "NOMEMALLOC", 0x80000 }, { "HARDWALL", 0x100000 },                 \
	{ "THISNODE", 0x200000 }, { "ACCOUNT", 0x400000 }

static const struct gfp_flag f_51[] = { F_51_COMMON, { "ATOMIC", 0x200 }, { "NOLOCKDEP", 0x800000 } };
static const struct gfp_flag f_511[] = { F_51_COMMON, { "ATOMIC", 0x200 } };
static const struct gfp_flag f_515[] = {
	F_51_COMMON, { "ATOMIC", 0x200 }, { "ZEROTAGS", 0x800000 },
	{ "SKIP_KASAN_POISON", 0x1000000 }, { "NOLOCKDEP", 0x2000000 },
};
static const struct gfp_flag f_518[] = { F_51_COMMON, { "ATOMIC", 0x200 }, { "ZEROTAGS", 0x800000 } };
static const struct gfp_flag f_63[] = { F_51_COMMON, { "ZEROTAGS", 0x800000 } };

#define L(f) f, sizeof(f) / sizeof(f[0])
static const struct gfp_layout layouts[] = {
	{ 0, "2.6.32 - 4.3", L(f_old), R_WAIT, TH_3X, true, false },
	{ 40400, "4.4 - 4.9", L(f_44), R_SPLIT, TH_44, true, false },
	{ 41000, "4.10 - 4.12", L(f_410), R_SPLIT, TH_410, true, false },
	{ 41300, "4.13 - 4.14", L(f_413), R_SPLIT, TH_410, false, false },
	{ 41500, "4.15 - 5.0", L(f_415), R_SPLIT, TH_410, false, false },
	{ 50100, "5.1 - 5.10", L(f_51), R_SPLIT, TH_410, false, false },
	{ 51100, "5.11 - 5.14", L(f_511), R_SPLIT, TH_410, false, false },
	{ 51500, "5.15 - 5.17", L(f_515), R_SPLIT, TH_410, false, true },
	{ 51800, "5.18 - 6.2", L(f_518), R_SPLIT, TH_410, false, false },
	{ 60300, "6.3 and later", L(f_63), R_SPLIT, TH_410, false, false },
};
#define NLAYOUTS (sizeof(layouts) / sizeof(layouts[0]))

/* The print order of %pGg. */
static const char *const order[] = {
	"GFP_TRANSHUGE", "GFP_TRANSHUGE_LIGHT", "GFP_HIGHUSER_MOVABLE", "GFP_HIGHUSER", "GFP_USER",
	"GFP_TEMPORARY", "GFP_KERNEL_ACCOUNT", "GFP_KERNEL", "GFP_NOFS", "GFP_ATOMIC", "GFP_NOIO",
	"GFP_NOWAIT", "GFP_DMA", "__GFP_HIGHMEM", "GFP_DMA32", "__GFP_HIGH", "__GFP_ATOMIC",
	"__GFP_IO", "__GFP_FS", "__GFP_COLD", "__GFP_NOWARN", "__GFP_REPEAT", "__GFP_RETRY_MAYFAIL",
	"__GFP_NOFAIL", "__GFP_NORETRY", "__GFP_COMP", "__GFP_ZERO", "__GFP_NOMEMALLOC",
	"__GFP_MEMALLOC", "__GFP_HARDWALL", "__GFP_THISNODE", "__GFP_RECLAIMABLE", "__GFP_MOVABLE",
	"__GFP_ACCOUNT", "__GFP_NOTRACK", "__GFP_WRITE", "__GFP_RECLAIM", "__GFP_DIRECT_RECLAIM",
	"__GFP_KSWAPD_RECLAIM", "__GFP_WAIT", "__GFP_NO_KSWAPD", "__GFP_OTHER_NODE", "__GFP_KMEMCG",
	"__GFP_ZEROTAGS", "__GFP_SKIP_KASAN_POISON", "__GFP_NOLOCKDEP",
};

static unsigned long long bit(const struct gfp_layout *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->flags[i].name, name))
			return l->flags[i].bit;
	return 0;
}

#define B(n) bit(l, n)

static unsigned long long reclaim(const struct gfp_layout *l)
{
	return l->reclaim == R_WAIT ? B("WAIT") : B("DIRECT_RECLAIM") | B("KSWAPD_RECLAIM");
}

static unsigned long long movable(const struct gfp_layout *l)
{
	return reclaim(l) | B("IO") | B("FS") | B("HARDWALL") | B("HIGHMEM") | B("MOVABLE") |
	       (l->kasan_movable ? B("SKIP_KASAN_POISON") : 0);
}

static unsigned long long transhuge(const struct gfp_layout *l, bool light)
{
	unsigned long long light_mask =
		(movable(l) | B("COMP") | B("NOMEMALLOC") | B("NOWARN")) & ~reclaim(l);

	switch (l->transhuge) {
	case TH_3X:
		return light ? 0 : movable(l) | B("COMP") | B("NOMEMALLOC") | B("NORETRY") |
					   B("NOWARN") | B("NO_KSWAPD");
	case TH_44:
		return light ? 0 : (movable(l) | B("COMP") | B("NOMEMALLOC") | B("NORETRY") |
				    B("NOWARN")) & ~B("KSWAPD_RECLAIM");
	default:
		return light ? light_mask : light_mask | B("DIRECT_RECLAIM");
	}
}

/* The value of a name of order[] in layout l; 0 if l has no such thing. */
static unsigned long long value(const struct gfp_layout *l, const char *name)
{
	unsigned long long kernel = reclaim(l) | B("IO") | B("FS");

	if (!strncmp(name, "__GFP_", 6))
		return strcmp(name + 6, "RECLAIM") ? B(name + 6)
						   : (l->reclaim == R_SPLIT ? reclaim(l) : 0);
	if (!strcmp(name, "GFP_TRANSHUGE") || !strcmp(name, "GFP_TRANSHUGE_LIGHT"))
		return transhuge(l, name[13] == '_');
	if (!strcmp(name, "GFP_HIGHUSER_MOVABLE"))
		return movable(l);
	if (!strcmp(name, "GFP_HIGHUSER"))
		return kernel | B("HARDWALL") | B("HIGHMEM");
	if (!strcmp(name, "GFP_USER"))
		return kernel | B("HARDWALL");
	if (!strcmp(name, "GFP_TEMPORARY"))
		return l->temporary ? kernel | B("RECLAIMABLE") : 0;
	if (!strcmp(name, "GFP_KERNEL_ACCOUNT"))
		return B("ACCOUNT") ? kernel | B("ACCOUNT") : 0;
	if (!strcmp(name, "GFP_KERNEL"))
		return kernel;
	if (!strcmp(name, "GFP_NOFS"))
		return reclaim(l) | B("IO");
	if (!strcmp(name, "GFP_NOIO"))
		return reclaim(l);
	if (!strcmp(name, "GFP_ATOMIC"))
		return l->reclaim == R_WAIT ? B("HIGH") : B("HIGH") | B("ATOMIC") | B("KSWAPD_RECLAIM");
	if (!strcmp(name, "GFP_NOWAIT"))
		return l->reclaim == R_WAIT ? 0 : B("KSWAPD_RECLAIM");
	if (!strcmp(name, "GFP_DMA"))
		return B("DMA");
	if (!strcmp(name, "GFP_DMA32"))
		return B("DMA32");
	return 0;
}

static const struct gfp_layout *layout_for(int kver)
{
	const struct gfp_layout *l = &layouts[0];

	for (size_t i = 0; i < NLAYOUTS; i++)
		if (kver >= layouts[i].from)
			l = &layouts[i];
	return l;
}

static void decode(const struct gfp_layout *l, unsigned long long mask, struct buf *out)
{
	unsigned long long rem = mask;
	bool first = true;

	if (!mask) {
		buf_addstr(out, "none");
		return;
	}
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]) && rem; i++) {
		unsigned long long v = value(l, order[i]);

		if (!v || (rem & v) != v)
			continue;
		buf_addf(out, "%s%s", first ? "" : "|", order[i]);
		rem &= ~v;
		first = false;
	}
	if (rem)
		buf_addf(out, "%s%#llx", first ? "" : "|", rem);
}

const char *incident_gfp_decode(unsigned long long mask, int kver, struct buf *out)
{
	const struct gfp_layout *l = layout_for(kver);

	decode(l, mask, out);
	return l->range;
}

int incident_gfp_match(unsigned long long mask, const char *printed)
{
	for (size_t i = NLAYOUTS; i-- > 0;) {
		struct buf b = BUF_INIT;
		bool same;

		decode(&layouts[i], mask, &b);
		same = !strcmp(b.s, printed);
		buf_release(&b);
		if (same)
			return layouts[i].from ? layouts[i].from : 20632;
	}
	return 0;
}

unsigned long long inc_gfp_bit(int kver, const char *name)
{
	return bit(layout_for(kver), name);
}

bool inc_gfp_value(const char *s, unsigned long long *mask)
{
	char *end;

	if (!s || (s[0] != '0'))
		return false;
	*mask = strtoull(s, &end, 16);
	return end != s && *end == '\0';
}

/* gfp_zone(): GFP_ZONE_TABLE of include/linux/gfp.h, the same in every
 * version (the four zone modifiers never moved). */
const char *inc_gfp_zone(unsigned long long mask)
{
	static const char *const table[16] = {
		[0x0] = "Normal", [0x1] = "DMA", [0x2] = "HighMem", [0x4] = "DMA32",
		[0x8] = "Normal", [0x9] = "DMA", [0xa] = "Movable", [0xc] = "DMA32",
	};
	const char *z = table[mask & 0xf];

	return z ? z : "invalid";
}

int incident_kver(const char *s)
{
	int v[3] = { 0, 0, 0 };

	for (int i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*s))
			return i >= 2 ? v[0] * 10000 + v[1] * 100 : 0;
		for (; isdigit((unsigned char)*s); s++)
			if (v[i] < 1000)
				v[i] = v[i] * 10 + (*s - '0');
		if (i < 2 && *s != '.')
			return i == 1 ? v[0] * 10000 + (v[1] > 99 ? 99 : v[1]) * 100 : 0;
		if (i < 2)
			s++;
	}
	if (v[1] > 99)
		v[1] = 99;
	return v[0] * 10000 + v[1] * 100 + (v[2] > 99 ? 99 : v[2]);
}
