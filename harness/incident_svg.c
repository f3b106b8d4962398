/* incident_svg.c - the charts of `oomlab klog parse --html`: inline SVG of
 * the memory picture of an event.
 *
 * Hand-rolled: the charts are a few rectangles and labels.  Debian's C
 * option, cairo's SVG surface, draws text as glyph outlines (large, not
 * selectable, no <title> tooltips) and would add cairo to the controller.
 *
 * Every number is ours; every label that comes from the log (task names,
 * the victim's comm) goes through buf_add_html, cut to LABEL_CHARS code
 * points (the whole name stays in the bar's <title>).  Colours come from the
 * page's stylesheet by class (incident_html.c), so nothing here is CSS.
 *
 * What the bars show (the kernel's meaning of the numbers):
 *   mm/show_mem.c (mm/page_alloc.c before 6.2) show_free_areas(): the
 *     Mem-Info counters, in pages: active/inactive anon and file LRU lists,
 *     unevictable, slab_reclaimable/unreclaimable, shmem, pagetables, free.
 *     The LRU lists, slab, page tables and free pages do not overlap; shmem
 *     sits on the anon LRU and in the page cache, so it is not a slice of
 *     the RAM bar.
 *   "N total pagecache pages": NR_FILE_PAGES (shmem and swap cache included).
 *   mm/oom_kill.c __oom_kill_process(): the victim's anon-rss, file-rss,
 *     shmem-rss in kB.
 */
#include "incident_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SVG_W 740
#define LABEL_X 196     /* right edge of the labels */
#define BAR_X 204
#define BAR_W 300
#define ROW_H 22
#define TOP 28          /* below the chart's title */
#define LABEL_CHARS 26  /* code points of a label before it is cut */
#define MAX_BARS 16

struct bar {
	char label[KLOG_COMM_MAX + 32];
	long long kb;
	const char *cls;        /* a class of the page's stylesheet */
};

struct chart {
	const char *title;
	long long ref_kb;       /* percentages are of this (<= 0: none) */
	const char *ref_name;   /* "RAM", "the limit" */
	struct bar bar[MAX_BARS];
	int n;
};

static void add_bar(struct chart *c, const char *cls, long long kb, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add_bar(struct chart *c, const char *cls, long long kb, const char *fmt, ...)
{
	va_list ap;

	if (kb == INC_NONE || kb < 0 || c->n >= MAX_BARS)
		return;
	va_start(ap, fmt);
	vsnprintf(c->bar[c->n].label, sizeof(c->bar[c->n].label), fmt, ap);
	va_end(ap);
	/* a name cut by vsnprintf may end in half a UTF-8 sequence */
	text_sanitize(c->bar[c->n].label);
	c->bar[c->n].kb = kb;
	c->bar[c->n].cls = cls;
	c->n++;
}

/* The label, escaped; past LABEL_CHARS code points, its first
 * LABEL_CHARS - 1 and an ellipsis. */
static void add_label(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *keep = p;
	size_t chars = 0;
	char cut[sizeof(((struct bar *)0)->label)];

	while (*p && chars < LABEL_CHARS) {
		size_t n = utf8_seq(p);

		if (++chars < LABEL_CHARS)
			keep = p + (n ? n : 1);
		p += n ? n : 1;
	}
	if (!*p) {
		buf_add_html(b, s);
		return;
	}
	snprintf(cut, sizeof(cut), "%.*s", (int)((const char *)keep - s), s);
	buf_add_html(b, cut);
	buf_addstr(b, "\xe2\x80\xa6");  /* U+2026 */
}

static void add_value(struct buf *b, const struct chart *c, long long kb)
{
	inc_add_size(b, kb);
	if (c->ref_kb > 0)
		buf_addf(b, " (%.1f%% of %s)", 100.0 * (double)kb / (double)c->ref_kb, c->ref_name);
}

static void svg_open(struct buf *b, const char *title, int height)
{
	buf_addf(b, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
		    " viewBox=\"0 0 %d %d\" role=\"img\"><title>", SVG_W, height, SVG_W, height);
	buf_add_html(b, title);
	buf_addstr(b, "</title>");
	buf_addstr(b, "<text class=\"ctitle\" x=\"4\" y=\"18\">");
	buf_add_html(b, title);
	buf_addstr(b, "</text>");
}

/* Horizontal bars on one scale (the largest bar is BAR_W wide). */
static void svg_hbars(struct buf *b, const struct chart *c)
{
	long long max = 0;

	for (int i = 0; i < c->n; i++)
		if (c->bar[i].kb > max)
			max = c->bar[i].kb;
	if (c->n == 0 || max <= 0)
		return;
	svg_open(b, c->title, TOP + c->n * ROW_H + 6);
	for (int i = 0; i < c->n; i++) {
		const struct bar *r = &c->bar[i];
		int y = TOP + i * ROW_H;
		/* in double: kb is at most 2^53 */
		double w = (double)BAR_W * (double)r->kb / (double)max;

		if (r->kb > 0 && w < 1)
			w = 1;
		buf_addf(b, "<text class=\"lbl\" x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL_X, y + 15);
		add_label(b, r->label);
		buf_addf(b, "</text><rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\"><title>",
			 r->cls, BAR_X, y + 3, w);
		buf_add_html(b, r->label);
		buf_addstr(b, ": ");
		add_value(b, c, r->kb);
		buf_addf(b, "</title></rect><text class=\"val\" x=\"%.1f\" y=\"%d\">", BAR_X + w + 6, y + 15);
		add_value(b, c, r->kb);
		buf_addstr(b, "</text>");
	}
	buf_addstr(b, "</svg>\n");
}

/* One bar of width SVG_W - 8 cut into the slices of c (of c->ref_kb in
 * all), and a legend below it. */
static void svg_stack(struct buf *b, const struct chart *c)
{
	double x = 4, full = SVG_W - 8;

	if (c->n == 0 || c->ref_kb <= 0)
		return;
	svg_open(b, c->title, TOP + 30 + c->n * 18 + 6);
	for (int i = 0; i < c->n; i++) {
		double w = full * (double)c->bar[i].kb / (double)c->ref_kb;

		if (w > SVG_W - 4 - x)
			w = SVG_W - 4 - x;
		if (w <= 0)
			continue;
		buf_addf(b, "<rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"22\"><title>",
			 c->bar[i].cls, x, TOP, w);
		buf_add_html(b, c->bar[i].label);
		buf_addstr(b, ": ");
		add_value(b, c, c->bar[i].kb);
		buf_addstr(b, "</title></rect>");
		x += w;
	}
	for (int i = 0; i < c->n; i++) {
		int y = TOP + 30 + i * 18;

		buf_addf(b, "<rect class=\"%s\" x=\"4\" y=\"%d\" width=\"12\" height=\"12\"/>"
			    "<text class=\"lbl\" x=\"22\" y=\"%d\">", c->bar[i].cls, y + 2, y + 12);
		add_label(b, c->bar[i].label);
		buf_addstr(b, ": ");
		add_value(b, c, c->bar[i].kb);
		buf_addstr(b, "</text>");
	}
	buf_addstr(b, "</svg>\n");
}

static long long pages_kb(long long pages, long long pk)
{
	return pages == INC_NONE ? INC_NONE : pages * pk;
}

static long long sum2(long long a, long long b)
{
	return a == INC_NONE || b == INC_NONE ? INC_NONE : a + b;
}

static long long victim_kb(const struct incident_event *e)
{
	const struct incident_kill *k = &e->victim;
	long long t = 0;

	if (!e->have_victim || k->anon_rss_kb == INC_NONE)
		return INC_NONE;
	t = k->anon_rss_kb;
	if (k->file_rss_kb != INC_NONE)
		t += k->file_rss_kb;
	if (k->shmem_rss_kb != INC_NONE)
		t += k->shmem_rss_kb;
	return t;
}

/* RAM cut into the Mem-Info counters that do not overlap. */
static void ram_stack(const struct incident_event *e, long long ram_kb, struct buf *b)
{
	const struct incident_meminfo *m = &e->mem;
	long long pk = inc_page_kb(e);
	double used = 0;        /* a sum of up to six 2^62: not in a long long */
	struct chart c = { .title = "RAM by use (Mem-Info)", .ref_kb = ram_kb, .ref_name = "RAM" };

	if (!e->have_meminfo || ram_kb <= 0)
		return;
	add_bar(&c, "c-anon", pages_kb(sum2(m->active_anon, m->inactive_anon), pk), "anon (LRU, shmem included)");
	add_bar(&c, "c-file", pages_kb(sum2(m->active_file, m->inactive_file), pk), "file (page cache LRU)");
	add_bar(&c, "c-unev", pages_kb(m->unevictable, pk), "unevictable");
	add_bar(&c, "c-slab", pages_kb(sum2(m->slab_reclaimable, m->slab_unreclaimable), pk), "slab");
	add_bar(&c, "c-pgt", pages_kb(m->pagetables, pk), "page tables");
	add_bar(&c, "c-free", pages_kb(m->free, pk), "free");
	for (int i = 0; i < c.n; i++)
		used += (double)c.bar[i].kb;
	if (used < (double)ram_kb)
		add_bar(&c, "c-other", ram_kb - (long long)used, "other (kernel, reserved)");
	svg_stack(b, &c);
}

static void global_bars(const struct incident_event *e, long long ram_kb, struct buf *b)
{
	const struct incident_meminfo *m = &e->mem;
	long long pk = inc_page_kb(e);
	struct chart c = { .title = "Memory picture", .ref_kb = ram_kb, .ref_name = "RAM" };

	add_bar(&c, "c-ram", ram_kb, "RAM");
	add_bar(&c, "c-free", pages_kb(m->free, pk), "free");
	add_bar(&c, "c-anon", pages_kb(sum2(m->active_anon, m->inactive_anon), pk), "anon");
	add_bar(&c, "c-file", pages_kb(e->pagecache_pages, pk), "page cache");
	add_bar(&c, "c-slab", pages_kb(sum2(m->slab_reclaimable, m->slab_unreclaimable), pk), "slab");
	add_bar(&c, "c-slab", pages_kb(m->slab_unreclaimable, pk), "unreclaimable slab");
	add_bar(&c, "c-shmem", pages_kb(m->shmem, pk), "shmem");
	add_bar(&c, "c-swap", e->swap_total_kb, "swap total");
	if (e->swap_total_kb != INC_NONE && e->swap_free_kb != INC_NONE)
		add_bar(&c, "c-swap", e->swap_total_kb - e->swap_free_kb, "swap used");
	add_bar(&c, "c-victim", victim_kb(e), "victim %s", e->victim.comm);
	if (c.n > 1 || (c.n == 1 && c.bar[0].kb > 0))
		svg_hbars(b, &c);
}

static void memcg_bars(const struct incident_event *e, struct buf *b)
{
	struct chart c = { .title = "Memory cgroup", .ref_kb = e->memcg_limit_kb, .ref_name = "the limit" };

	add_bar(&c, "c-ram", e->memcg_limit_kb, "memory limit");
	add_bar(&c, "c-anon", e->memcg_usage_kb, "memory usage");
	add_bar(&c, "c-swap", e->memsw_limit_kb, "memory+swap limit");
	add_bar(&c, "c-swap", e->memsw_usage_kb, "memory+swap usage");
	add_bar(&c, "c-swap", e->memcg_swap_limit_kb, "swap limit");
	add_bar(&c, "c-swap", e->memcg_swap_usage_kb, "swap usage");
	add_bar(&c, "c-victim", victim_kb(e), "victim %s", e->victim.comm);
	svg_hbars(b, &c);
}

struct held {
	size_t task;
	long long kb;
};

static int held_desc(const void *a, const void *b)
{
	const struct held *x = a, *y = b;

	return x->kb < y->kb ? 1 : x->kb > y->kb ? -1 : x->task < y->task ? -1 : x->task > y->task;
}

static bool killed(const struct incident_event *e, long long pid)
{
	for (size_t k = 0; k < e->nkills && k < INC_MAX_KILLS; k++)
		if (e->kills[k].pid == pid)
			return true;
	return e->have_victim && e->victim.pid == pid;
}

static long long held_kb(const struct incident_event *e, const struct incident_task *t)
{
	long long rss = t->rss;
	double kb;

	if (rss == INC_NONE && t->rss_anon != INC_NONE)
		rss = t->rss_anon + (t->rss_file != INC_NONE ? t->rss_file : 0) +
		      (t->rss_shmem != INC_NONE ? t->rss_shmem : 0);
	if (rss == INC_NONE)
		rss = 0;
	/* in double: four 2^53 page counts times 256 kB pass 2^63 */
	kb = ((double)rss + (t->swapents != INC_NONE ? (double)t->swapents : 0)) * (double)inc_page_kb(e);
	return kb >= 0x1p62 ? 1LL << 62 : kb <= 0 ? 0 : (long long)kb;
}

/* The tasks of the table that held the most (rss + swapents), the killed
 * ones marked and always shown. */
static void task_bars(const struct incident_event *e, long long ref_kb, const char *ref, struct buf *b)
{
	struct chart c = { .title = "Who held the memory (task table: rss + swapents)", .ref_kb = ref_kb,
			   .ref_name = ref };
	struct held *h;
	size_t n = 0, shown = 0;
	bool victim_later = false;

	if (!e->ntasks)
		return;
	h = calloc(e->ntasks, sizeof(*h));
	if (!h)
		abort();  /* as buf_grow: nothing useful to do without memory */
	for (size_t i = 0; i < e->ntasks; i++) {
		h[n++] = (struct held){ i, held_kb(e, &e->tasks[i]) };
		victim_later |= e->have_victim && e->tasks[i].pid == e->victim.pid;
	}
	qsort(h, n, sizeof(*h), held_desc);
	for (size_t i = 0; i < n && shown < INC_HTML_CHART_TASKS; i++) {
		const struct incident_task *t = &e->tasks[h[i].task];
		bool k = killed(e, t->pid);

		/* keep the last slot for the victim when it comes further down */
		if (victim_later && e->victim.pid == t->pid)
			victim_later = false;
		else if (!k && victim_later && shown + 1 == INC_HTML_CHART_TASKS)
			continue;
		add_bar(&c, k ? "c-victim" : "c-task", h[i].kb, "%s (%lld)%s", t->name, t->pid,
			k ? " killed" : "");
		shown++;
	}
	free(h);
	svg_hbars(b, &c);
}

void inc_svg_charts(const struct incident_event *e, struct buf *b)
{
	long long ram_kb = pages_kb(e->ram_pages, inc_page_kb(e));

	buf_addstr(b, "<div class=\"charts\">\n");
	if (e->memcg_report && e->memcg_limit_kb != INC_NONE) {
		memcg_bars(e, b);
		task_bars(e, e->memcg_limit_kb, "the limit", b);
	} else {
		ram_stack(e, ram_kb, b);
		global_bars(e, ram_kb, b);
		task_bars(e, ram_kb, "RAM", b);
	}
	buf_addstr(b, "</div>\n");
}
