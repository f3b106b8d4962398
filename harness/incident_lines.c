/* incident_lines.c - the lines of an OOM report's body (see incident_int.h).
 *
 * Formats, from the kernel's printk calls:
 *   lib/dump_stack.c dump_stack_print_info()  "CPU: %d PID: %d Comm: %.20s %s%s %s %.*s"
 *                    (6.x: "CPU: %d UID: %u PID: ..."); the %s before the release is
 *                    print_tainted(): "Not tainted" or "Tainted: " and one letter or
 *                    space per taint flag (kernel/panic.c), never a digit.
 *                    2.6.32: "Pid: %d, comm: %.20s %s %s %.*s" (arch/x86/kernel/process.c)
 *   init/version.c   linux_banner "Linux version %s (...)"
 *   mm/oom_kill.c    dump_tasks()/dump_task(): the header names the columns:
 *                    2.6.32 - 3.x "[ pid ]   uid  tgid total_vm      rss cpu oom_adj oom_score_adj name",
 *                    3.x - 4.14  "... rss nr_ptes [nr_pmds] swapents oom_score_adj name",
 *                    4.15+       "[  pid  ] ... rss pgtables_bytes swapents oom_score_adj name",
 *                    6.x         "... rss rss_anon rss_file rss_shmem pgtables_bytes swapents ...";
 *                    each row "[%7d] %5d %5d %8lu %8lu ... %s" ends with the comm,
 *                    which may contain spaces.
 *   mm/show_mem.c (lib/show_mem.c, mm/page_alloc.c before 6.1) __show_mem():
 *                    "active_anon:%lu inactive_anon:%lu ..." continued on lines that
 *                    start with a space and carry no stamp; per zone
 *                    "Node %d %s free:%lukB boost:%lukB min:%lukB low:%lukB high:%lukB ..."
 *                    ("%s free:..." without "Node" on old UMA kernels), "lowmem_reserve[]: %ld ...",
 *                    the buddy line "Node %d %s: %lu*%lukB (UME) ... = %lukB",
 *                    "%ld total pagecache pages", "%lu pages in swap cache",
 *                    "Free swap  = %ldkB", "Total swap = %lukB", "%lu pages RAM",
 *                    "%lu pages reserved"
 *   mm/memcontrol.c  mem_cgroup_print_oom_meminfo() "Memory cgroup stats for %s:"
 *                    (3.x: "Memory cgroup stats for %s: cache:%luKB ..." on one line)
 */
#include "incident_int.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

static void copy_n(char *dst, size_t size, const char *src, size_t n)
{
	if (!size)
		return;
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

long long inc_cap(long long v)
{
	if (v == INC_NONE)
		return v;
	if (v > (long long)INC_NUM_MAX)
		return (long long)INC_NUM_MAX;
	return v < -(long long)INC_NUM_MAX ? -(long long)INC_NUM_MAX : v;
}

const char *inc_skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

bool inc_num(const char **p, long long *out)
{
	const char *s = *p;
	bool neg = *s == '-';
	unsigned long long v = 0;

	if (neg)
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (INC_NUM_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*p = s;
	*out = neg ? -(long long)v : (long long)v;
	return true;
}

/* A release token: starts with a digit, holds a '.', ends at a blank. */
static bool copy_release(const char *p, char *ver, size_t len)
{
	size_t n = strcspn(p, " \t\r\n");

	if (!n || n >= len || !isdigit((unsigned char)*p) || !memchr(p, '.', n))
		return false;
	copy_n(ver, len, p, n);
	return true;
}

bool inc_cpu_line(const char *msg, char *ver, size_t len, long long *pid)
{
	const char *p = NULL, *t;

	*pid = INC_NONE;
	if (!strncmp(msg, "CPU: ", 5)) {
		if (!strstr(msg, " Comm: "))
			return false;
		p = strstr(msg, " PID: ");
		p = p ? p + 6 : NULL;
	} else if (!strncmp(msg, "Pid: ", 5)) {
		p = msg + 5;
		if (!strstr(msg, ", comm: "))
			return false;
	} else {
		return false;
	}
	if (p && !inc_num(&p, pid))
		*pid = INC_NONE;
	if ((t = strstr(msg, " Not tainted ")))
		return copy_release(t + strlen(" Not tainted "), ver, len);
	if (!(t = strstr(msg, " Tainted: ")))
		return false;
	t += strlen(" Tainted: ");
	for (int i = 0; i < 48 && *t && !isdigit((unsigned char)*t); i++, t++)
		if (!isupper((unsigned char)*t) && *t != ' ')
			return false;
	return copy_release(t, ver, len);
}

bool inc_linux_version(const char *msg, char *ver, size_t len)
{
	return !strncmp(msg, "Linux version ", 14) && copy_release(msg + 14, ver, len);
}

/* ---- task table ---- */

static const struct { const char *name; enum inc_col col; unsigned mask; } columns[] = {
	{ "uid", C_UID, 0 },
	{ "tgid", C_TGID, INC_COL_TGID },
	{ "total_vm", C_TOTAL_VM, 0 },
	{ "rss", C_RSS, 0 },
	{ "rss_anon", C_RSS_ANON, INC_COL_RSS_SPLIT },
	{ "rss_file", C_RSS_FILE, INC_COL_RSS_SPLIT },
	{ "rss_shmem", C_RSS_SHMEM, INC_COL_RSS_SPLIT },
	{ "nr_ptes", C_NR_PTES, INC_COL_NR_PTES },
	{ "nr_pmds", C_NR_PMDS, INC_COL_NR_PMDS },
	{ "pgtables_bytes", C_PGTABLES, INC_COL_PGTABLES },
	{ "swapents", C_SWAPENTS, INC_COL_SWAPENTS },
	{ "oom_adj", C_OOM_ADJ, INC_COL_OOM_ADJ },
	{ "oom_score_adj", C_ADJ, INC_COL_ADJ },
	{ "cpu", C_CPU, INC_COL_CPU },
};

/* "[ pid ]" / "[  pid  ]": just after it, or NULL. */
static const char *skip_pid_bracket(const char *s)
{
	const char *p;

	if (*s != '[')
		return NULL;
	p = inc_skip_ws(s + 1);
	if (strncmp(p, "pid", 3))
		return NULL;
	p = inc_skip_ws(p + 3);
	return *p == ']' ? p + 1 : NULL;
}

static enum inc_col column_of(const char *tok, size_t n, unsigned *mask)
{
	for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
		if (strlen(columns[i].name) == n && !strncmp(tok, columns[i].name, n)) {
			*mask |= columns[i].mask;
			return columns[i].col;
		}
	return C_UNKNOWN;
}

bool inc_task_header(const char *msg, struct inc_layout *lay)
{
	const char *p = skip_pid_bracket(msg);
	struct inc_layout l = { 0 };
	bool uid = false;

	if (!p)
		return false;
	for (;;) {
		size_t n;

		p = inc_skip_ws(p);
		n = strcspn(p, " \t\r\n");
		if (!n)
			return false;
		if (n == 4 && !strncmp(p, "name", 4))
			break;
		if (l.ncols == INC_MAX_COLS)
			return false;
		l.col[l.ncols] = (unsigned char)column_of(p, n, &l.mask);
		uid |= l.col[l.ncols] == C_UID;
		l.ncols++;
		p += n;
	}
	if (!uid || *inc_skip_ws(p + 4) != '\0')
		return false;
	*lay = l;
	return true;
}

static long long *task_field(struct incident_task *t, enum inc_col c)
{
	long long *f[] = {
		[C_UID] = &t->uid, [C_TGID] = &t->tgid, [C_TOTAL_VM] = &t->total_vm,
		[C_RSS] = &t->rss, [C_RSS_ANON] = &t->rss_anon, [C_RSS_FILE] = &t->rss_file,
		[C_RSS_SHMEM] = &t->rss_shmem, [C_NR_PTES] = &t->nr_ptes, [C_NR_PMDS] = &t->nr_pmds,
		[C_PGTABLES] = &t->pgtables_bytes, [C_SWAPENTS] = &t->swapents,
		[C_OOM_ADJ] = &t->oom_adj, [C_ADJ] = &t->oom_score_adj, [C_CPU] = NULL,
		[C_UNKNOWN] = NULL,
	};

	return c < sizeof(f) / sizeof(f[0]) ? f[c] : NULL;
}

static void task_clear(struct incident_task *t)
{
	memset(t, 0, sizeof(*t));
	t->pid = t->uid = t->tgid = t->total_vm = t->rss = INC_NONE;
	t->rss_anon = t->rss_file = t->rss_shmem = t->nr_ptes = t->nr_pmds = INC_NONE;
	t->pgtables_bytes = t->swapents = t->oom_adj = t->oom_score_adj = INC_NONE;
}

bool inc_task_row(const char *msg, const struct inc_layout *lay, struct incident_task *t)
{
	const char *p = msg, *end;
	long long v;

	task_clear(t);
	if (*p != '[')
		return false;
	p = inc_skip_ws(p + 1);
	if (!inc_num(&p, &t->pid) || t->pid < 0 || *p != ']')
		return false;
	p++;
	for (int i = 0; i < lay->ncols; i++) {
		long long *f;

		if (*p != ' ' && *p != '\t')
			return false;
		p = inc_skip_ws(p);
		if (!inc_num(&p, &v))
			return false;
		if ((f = task_field(t, (enum inc_col)lay->col[i])))
			*f = v;
	}
	if (*p != ' ' && *p != '\t')
		return false;
	p = inc_skip_ws(p);
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	if (end == p)
		return false;
	copy_n(t->name, sizeof(t->name), p, (size_t)(end - p));
	return true;
}

/* ---- Mem-Info ---- */

static void meminfo_set(struct incident_meminfo *m, const char *key, size_t n, long long v)
{
	const struct { const char *k; long long *f; } keys[] = {
		{ "active_anon", &m->active_anon }, { "inactive_anon", &m->inactive_anon },
		{ "active_file", &m->active_file }, { "inactive_file", &m->inactive_file },
		{ "unevictable", &m->unevictable }, { "slab_reclaimable", &m->slab_reclaimable },
		{ "slab_unreclaimable", &m->slab_unreclaimable }, { "shmem", &m->shmem },
		{ "mapped", &m->mapped }, { "pagetables", &m->pagetables }, { "free", &m->free },
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].k) == n && !strncmp(key, keys[i].k, n)) {
			*keys[i].f = v;
			return;
		}
}

bool inc_meminfo_line(const char *msg, struct incident_meminfo *m)
{
	struct incident_meminfo tmp = *m;
	const char *p = inc_skip_ws(msg);
	int ntok = 0;

	while (*p) {
		const char *key = p;
		long long v;
		size_t n;

		while (islower((unsigned char)*p) || *p == '_')
			p++;
		n = (size_t)(p - key);
		if (!n || *p != ':')
			return false;
		p++;
		if (*p == '-' || !inc_num(&p, &v) || (*p && *p != ' ' && *p != '\t'))
			return false;
		meminfo_set(&tmp, key, n, v);
		ntok++;
		p = inc_skip_ws(p);
	}
	if (!ntok)
		return false;
	*m = tmp;
	return true;
}

/* ---- zones ---- */

/* "Node N NAME" or "NAME"; *p moves past the name. */
static bool zone_name(const char **p, int *node, char *name, size_t len)
{
	const char *s = *p, *n;
	long long v;

	*node = -1;
	if (!strncmp(s, "Node ", 5)) {
		s += 5;
		if (!inc_num(&s, &v) || v < 0 || v > 65535 || *s != ' ')
			return false;
		*node = (int)v;
		s++;
	}
	for (n = s; isalnum((unsigned char)*n); n++)
		;
	if (n == s || (size_t)(n - s) >= len)
		return false;
	copy_n(name, len, s, (size_t)(n - s));
	*p = n;
	return true;
}

static void zone_set(struct incident_zone *z, const char *key, size_t n, long long v)
{
	const struct { const char *k; long long *f; } keys[] = {
		{ "free", &z->free_kb }, { "min", &z->min_kb }, { "low", &z->low_kb },
		{ "high", &z->high_kb }, { "present", &z->present_kb }, { "managed", &z->managed_kb },
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].k) == n && !strncmp(key, keys[i].k, n)) {
			*keys[i].f = v;
			return;
		}
}

bool inc_zone_line(const char *msg, int *node, char *name, size_t len, struct incident_zone *z)
{
	const char *p = msg;

	if (!zone_name(&p, node, name, len) || strncmp(p, " free:", 6))
		return false;
	/* Tokens "key:NNNkB"; anything else (a cut "lo>", "all_unreclaimable?
	 * no") is skipped. */
	while (*p) {
		const char *key, *colon;
		long long v;

		p = inc_skip_ws(p);
		key = p;
		p += strcspn(p, " \t");
		colon = memchr(key, ':', (size_t)(p - key));
		if (!colon || colon == key)
			continue;
		{
			const char *q = colon + 1;

			if (inc_num(&q, &v) && v >= 0 && (q + 2 == p) &&
			    (!strncmp(q, "kB", 2) || !strncmp(q, "KB", 2)))
				zone_set(z, key, (size_t)(colon - key), v);
		}
	}
	return true;
}

bool inc_reserve_line(const char *msg, struct incident_zone *z)
{
	const char *p;
	long long v;
	int n = 0;

	if (strncmp(msg, "lowmem_reserve[]:", 17))
		return false;
	p = msg + 17;
	while (*(p = inc_skip_ws(p)) && inc_num(&p, &v))
		if (n < INC_MAX_RESERVE)
			z->reserve[n++] = v;
	z->nreserve = n;
	return true;
}

bool inc_buddy_line(const char *msg, int *node, char *name, size_t len, struct incident_zone *z)
{
	const char *p = msg;
	long long cnt, size, nr_free[INC_MAX_ORDERS] = { 0 }, page_kb = 0;
	int n = 0;

	if (!zone_name(&p, node, name, len) || strncmp(p, ": ", 2))
		return false;
	p += 2;
	while (*(p = inc_skip_ws(p))) {
		if (*p == '(') {                 /* migrate types "(UME)" */
			p += strcspn(p, " \t");
			continue;
		}
		if (*p == '=')
			break;
		/* No kernel has 32 orders or pages above INC_PAGE_KB_MAX. */
		if (n == 32 || !inc_num(&p, &cnt) || cnt < 0 || *p++ != '*' || !inc_num(&p, &size) ||
		    size <= 0 || size > INC_PAGE_KB_MAX << n || strncmp(p, "kB", 2))
			return false;
		p += 2;
		if (n == 0)
			page_kb = size;
		else if (size != page_kb << n)
			return false;
		if (n < INC_MAX_ORDERS)
			nr_free[n] = cnt;
		n++;
	}
	if (!n)
		return false;
	z->page_kb = page_kb;
	z->norders = n < INC_MAX_ORDERS ? n : INC_MAX_ORDERS;
	memcpy(z->nr_free, nr_free, sizeof(nr_free));
	return true;
}

/* ---- counters ---- */

bool inc_count_line(const char *msg, const char *suffix, long long *v)
{
	const char *p = msg;
	long long n;
	size_t sl = strlen(suffix);

	if (!inc_num(&p, &n) || n < 0 || *p != ' ' || strncmp(p + 1, suffix, sl) ||
	    *inc_skip_ws(p + 1 + sl) != '\0')
		return false;
	*v = n;
	return true;
}

bool inc_kb_line(const char *msg, const char *prefix, long long *kb)
{
	size_t pl = strlen(prefix);
	const char *p;
	long long n;

	if (strncmp(msg, prefix, pl))
		return false;
	p = inc_skip_ws(msg + pl);
	if (!inc_num(&p, &n) || n < 0 || strncmp(p, "kB", 2) || *inc_skip_ws(p + 2) != '\0')
		return false;
	*kb = n;
	return true;
}

bool inc_memcg_stats(const char *msg, char *path, size_t len)
{
	static const char mark[] = "Memory cgroup stats for ";
	const char *p, *end;

	if (strncmp(msg, mark, sizeof(mark) - 1))
		return false;
	p = msg + sizeof(mark) - 1;
	end = strstr(p, ": ");
	if (!end) {
		end = p + strlen(p);
		while (end > p && isspace((unsigned char)end[-1]))
			end--;
		if (end == p || end[-1] != ':')
			return false;
		end--;
	}
	if (end == p)
		return false;
	copy_n(path, len, p, (size_t)(end - p));
	return true;
}

/* ---- zones and counters into an event ---- */

static struct incident_zone *zone_get(struct incident_event *e, int node, const char *name)
{
	struct incident_zone *z;

	for (size_t i = 0; i < e->nzones; i++)
		if (e->zones[i].node == node && !strcmp(e->zones[i].name, name))
			return &e->zones[i];
	if (e->nzones == INC_MAX_ZONES)
		return NULL;
	z = &e->zones[e->nzones++];
	memset(z, 0, sizeof(*z));
	z->node = node;
	copy_n(z->name, sizeof(z->name), name, strlen(name));
	z->free_kb = z->min_kb = z->low_kb = z->high_kb = z->present_kb = z->managed_kb = INC_NONE;
	return z;
}

static bool on_zone(struct incident_event *e, const char *t, long *zone)
{
	struct incident_zone tmp, *z;
	char name[16];
	int node;

	memset(&tmp, 0, sizeof(tmp));
	tmp.free_kb = tmp.min_kb = tmp.low_kb = tmp.high_kb = tmp.present_kb = tmp.managed_kb = INC_NONE;
	if (inc_zone_line(t, &node, name, sizeof(name), &tmp)) {
		if ((z = zone_get(e, node, name))) {
			z->free_kb = tmp.free_kb;
			z->min_kb = tmp.min_kb;
			z->low_kb = tmp.low_kb;
			z->high_kb = tmp.high_kb;
			z->present_kb = tmp.present_kb;
			z->managed_kb = tmp.managed_kb;
			*zone = (long)(z - e->zones);
		}
		return true;
	}
	if (inc_buddy_line(t, &node, name, sizeof(name), &tmp)) {
		if ((z = zone_get(e, node, name))) {
			memcpy(z->nr_free, tmp.nr_free, sizeof(z->nr_free));
			z->norders = tmp.norders;
			z->page_kb = tmp.page_kb;
		}
		return true;
	}
	if (inc_reserve_line(t, &tmp)) {
		if (*zone >= 0 && (size_t)*zone < e->nzones) {
			memcpy(e->zones[*zone].reserve, tmp.reserve, sizeof(tmp.reserve));
			e->zones[*zone].nreserve = tmp.nreserve;
		}
		return true;
	}
	return false;
}

/* "N pages RAM", "Free swap  = NkB", ...: the first of each counts. */
static bool on_counts(struct incident_event *e, const char *t)
{
	static const struct { const char *text; bool kb; size_t off; } lines[] = {
		{ "pages RAM", false, offsetof(struct incident_event, ram_pages) },
		{ "pages reserved", false, offsetof(struct incident_event, reserved_pages) },
		{ "total pagecache pages", false, offsetof(struct incident_event, pagecache_pages) },
		{ "pages in swap cache", false, offsetof(struct incident_event, swapcache_pages) },
		{ "Free swap  =", true, offsetof(struct incident_event, swap_free_kb) },
		{ "Total swap =", true, offsetof(struct incident_event, swap_total_kb) },
	};
	long long v;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		long long *f = (long long *)((char *)e + lines[i].off);

		if (lines[i].kb ? !inc_kb_line(t, lines[i].text, &v) : !inc_count_line(t, lines[i].text, &v))
			continue;
		if (*f == INC_NONE)
			*f = v;
		return true;
	}
	return false;
}

bool inc_body_counts(struct incident_event *e, const char *t, long *zone)
{
	return on_zone(e, t, zone) || on_counts(e, t);
}
