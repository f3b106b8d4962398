/* incident_html.c - `oomlab klog parse FILE --html`: one self-contained page
 * per report (see incident.h).
 *
 * The log is untrusted.  Everything from it reaches the page through
 * buf_add_html (element text and double-quoted attribute values only);
 * the script and the stylesheet are constants of this file and read the
 * table from the DOM, so no log text is ever inside <script> or <style>.  A
 * Content-Security-Policy with a fresh nonce admits only those two elements
 * and forbids every fetch: even markup that slipped through could neither
 * run nor load anything, and the page works offline.  Sizes are capped
 * (INC_HTML_MAX_*), and the page says what it left out.
 */
#include "incident_int.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static const char css[] =
	"body{font:14px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:1100px;padding:0 1em;"
	"color:#1d1d1f;background:#fff}\n"
	"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em;border-top:1px solid #ccc;padding-top:.8em}\n"
	".sentence{font-weight:600}.note{color:#8a5a00}\n"
	"pre.explain{white-space:pre-wrap;background:#f6f6f6;padding:.7em;border-radius:4px}\n"
	".charts svg{display:block;max-width:100%;height:auto;margin:.6em 0}\n"
	".ctitle{font-weight:600;font-size:13px}.lbl,.val{font-size:12px}\n"
	".c-ram{fill:#7f8c8d}.c-free{fill:#8bc34a}.c-anon{fill:#e57373}.c-file{fill:#64b5f6}"
	".c-slab{fill:#ffb74d}.c-shmem{fill:#ba68c8}.c-swap{fill:#4db6ac}.c-unev{fill:#9575cd}"
	".c-pgt{fill:#a1887f}.c-other{fill:#d5d5d5}.c-task{fill:#90a4ae}"
	".c-victim{fill:#c62828;stroke:#7f0000}\n"
	"table.tasks{border-collapse:collapse;font-size:12px;margin:.6em 0}\n"
	"table.tasks th,table.tasks td{border:1px solid #ddd;padding:2px 6px;text-align:right}\n"
	"table.tasks td.s,table.tasks th.s{text-align:left}\n"
	"table.tasks th button{font:inherit;font-weight:600;background:none;border:0;cursor:pointer;"
	"padding:0}\n"
	"table.tasks th[aria-sort=ascending] button::after{content:\" \\25B2\"}\n"
	"table.tasks th[aria-sort=descending] button::after{content:\" \\25BC\"}\n"
	"tr.victim td{background:#ffcdd2;font-weight:600}tr.runner td{background:#fff3cd}\n"
	"tr.killed td{background:#ffe0e0}\n";

/* Sorts every table.tasks by the clicked column: numbers (th data-t="n")
 * largest first, text (localeCompare) A to Z; a second click reverses;
 * empty cells stay last. */
static const char js[] =
	"(function(){\n"
	"function key(r,i,n){var t=r.cells[i].textContent;if(!n)return t;"
	"var v=parseFloat(t);return isNaN(v)?null:v;}\n"
	"document.querySelectorAll('table.tasks').forEach(function(t){\n"
	" var hs=t.tHead.rows[0].cells;\n"
	" Array.prototype.forEach.call(hs,function(th,i){\n"
	"  th.querySelector('button').addEventListener('click',function(){\n"
	"   var n=th.getAttribute('data-t')==='n';\n"
	"   var d=th.getAttribute('aria-sort')==='descending'?1:-1;\n"
	"   if(!n&&!th.hasAttribute('aria-sort'))d=1;\n"
	"   Array.prototype.forEach.call(hs,function(h){h.removeAttribute('aria-sort');});\n"
	"   th.setAttribute('aria-sort',d>0?'ascending':'descending');\n"
	"   var b=t.tBodies[0],rs=Array.prototype.slice.call(b.rows);\n"
	"   rs.sort(function(x,y){var a=key(x,i,n),c=key(y,i,n);\n"
	"    if(a===c)return 0;if(a===null)return 1;if(c===null)return -1;\n"
	"    if(n)return a<c?-d:d;return a.localeCompare(c)*d;});\n"
	"   rs.forEach(function(r){b.appendChild(r);});\n"
	"  });\n"
	" });\n"
	"});\n"
	"})();\n";

/* 128 random bits in hex.  Without getrandom() (ENOSYS on old kernels)
 * the clock and pid make it at least unguessable in advance; escaping,
 * not the nonce, is what keeps log text inert. */
static void make_nonce(char out[33])
{
	unsigned char r[16];

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		struct timespec ts;
		uint64_t x;

		clock_gettime(CLOCK_REALTIME, &ts);
		x = ((uint64_t)ts.tv_sec * 1000000007ULL) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
		for (size_t i = 0; i < sizeof(r); i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			r[i] = (unsigned char)x;
		}
	}
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

static void page_head(const struct incident_report *r, const char *source, const char *nonce,
		      struct buf *b)
{
	buf_addstr(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
	buf_addf(b, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
		    " style-src 'nonce-%s'; script-src 'nonce-%s'; base-uri 'none'; form-action 'none'\">\n",
		 nonce, nonce);
	buf_addstr(b, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		      "<meta name=\"generator\" content=\"oomlab klog parse --html\">\n<title>OOM report: ");
	buf_add_html(b, source);
	buf_addf(b, "</title>\n<style nonce=\"%s\">\n%s</style>\n</head>\n<body>\n<h1>OOM report: ", nonce, css);
	buf_add_html(b, source);
	buf_addstr(b, "</h1>\n<p>");
	if (!r->n)
		buf_addf(b, "No OOM report or allocation failure in %zu lines.", r->lines);
	else
		buf_addf(b, "%zu event%s in %zu lines", r->n, r->n == 1 ? "" : "s", r->lines);
	if (r->kernel_version[0]) {
		buf_addstr(b, ", kernel ");
		buf_add_html(b, r->kernel_version);
	}
	buf_addstr(b, r->n ? ".</p>\n" : "</p>\n");
	if (r->events_cut)
		buf_addf(b, "<p class=\"note\">Only the first %d events were read.</p>\n", INC_MAX_EVENTS);
	if (r->long_lines)
		buf_addf(b, "<p class=\"note\">%zu lines longer than %u bytes were skipped.</p>\n",
			 r->long_lines, INC_LINE_MAX);
}

static void page_index(const struct incident_report *r, size_t shown, struct buf *b)
{
	if (shown < 2)
		return;
	buf_addstr(b, "<nav><ol>\n");
	for (size_t i = 0; i < shown; i++) {
		struct buf s = BUF_INIT;

		inc_sentence(&r->ev[i], &s);
		buf_addf(b, "<li><a href=\"#ev%zu\">", i + 1);
		buf_add_html(b, s.s);
		buf_addstr(b, "</a></li>\n");
		buf_release(&s);
	}
	buf_addstr(b, "</ol></nav>\n");
	if (shown < r->n)
		buf_addf(b, "<p class=\"note\">%zu more events are not shown: the page shows the first %d"
			    " (<code>oomlab klog parse --json</code> prints them all).</p>\n",
			 r->n - shown, INC_HTML_MAX_EVENTS);
}

/* ---- the task table ---- */

struct col {
	const char *name;
	size_t off;             /* of a long long in struct incident_task */
};

#define COL(f) { #f, offsetof(struct incident_task, f) }
static const struct col cols[] = {
	COL(pid), COL(uid), COL(tgid), COL(total_vm), COL(rss), COL(rss_anon), COL(rss_file),
	COL(rss_shmem), COL(nr_ptes), COL(nr_pmds), COL(pgtables_bytes), COL(swapents), COL(oom_adj),
	COL(oom_score_adj),
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static long long col_val(const struct incident_task *t, size_t c)
{
	long long v;

	memcpy(&v, (const char *)t + cols[c].off, sizeof(v));
	return v;
}

struct pick {
	size_t task;
	long long key;
};

static int pick_key_desc(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? 1 : -1;
	return x->task < y->task ? -1 : x->task > y->task;
}

static int pick_task_asc(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;

	return x->task < y->task ? -1 : x->task > y->task;
}

static bool in_kills(const struct incident_event *e, long long pid)
{
	for (size_t k = 0; k < e->nkills && k < INC_MAX_KILLS; k++)
		if (e->kills[k].pid == pid)
			return true;
	return false;
}

/* The row's part in the event, for the "role" column; *cls its row class. */
static void role(const struct incident_event *e, const struct incident_rank *r, size_t i, struct buf *b,
		 const char **cls)
{
	const struct incident_task *t = &e->tasks[i];
	size_t len = b->len;

	*cls = NULL;
	if (e->have_victim && t->pid == e->victim.pid) {
		buf_addstr(b, "killed, ");
		*cls = "victim";
	} else if (in_kills(e, t->pid)) {
		buf_addstr(b, "killed (group), ");
		*cls = "killed";
	}
	if (e->select_pid != INC_NONE && t->pid == e->select_pid && !*cls)
		buf_addstr(b, "chosen (a child was killed), ");
	if (r->n > 0 && r->best[0].task == i)
		buf_addstr(b, "top badness, ");
	if (r->n > 1 && r->best[1].task == i) {
		buf_addstr(b, "runner-up, ");
		*cls = *cls ? *cls : "runner";
	}
	if (e->invoker_pid != INC_NONE && t->pid == e->invoker_pid)
		buf_addstr(b, "invoker, ");
	if (b->len > len)
		buf_setlen(b, b->len - 2);
}

/* Which rows to print: all, or the cap with the most rss + swapents, the
 * killed, chosen and top-ranked tasks always among them; in table order.
 * Returns the number picked (p has e->ntasks entries). */
static size_t pick_rows(const struct incident_event *e, const struct incident_rank *r, size_t cap,
			struct pick *p)
{
	for (size_t i = 0; i < e->ntasks; i++) {
		const struct incident_task *t = &e->tasks[i];
		long long rss = t->rss != INC_NONE ? t->rss : t->rss_anon != INC_NONE ? t->rss_anon : 0;
		bool must = (e->have_victim && t->pid == e->victim.pid) || in_kills(e, t->pid) ||
			    (e->select_pid != INC_NONE && t->pid == e->select_pid);

		for (size_t k = 0; k < r->n && k < 3; k++)
			must |= r->best[k].task == i;
		p[i] = (struct pick){ i, must ? LLONG_MAX : rss + (t->swapents > 0 ? t->swapents : 0) };
	}
	if (e->ntasks <= cap)
		return e->ntasks;
	qsort(p, e->ntasks, sizeof(*p), pick_key_desc);
	qsort(p, cap, sizeof(*p), pick_task_asc);
	return cap;
}

static void table_head(const struct incident_event *e, const struct incident_rank *r, const bool *show,
		       struct buf *b)
{
	buf_addf(b, "<p>Task table (%zu row%s): memory columns in pages of %lld KiB as the kernel"
		    " printed them, pgtables_bytes in bytes; <b>points</b> is oom_badness() recomputed"
		    " (", e->ntasks, e->ntasks == 1 ? "" : "s", inc_page_kb(e));
	buf_add_html(b, r->formula ? r->formula : "");
	buf_addf(b, "; totalpages %lld%s). Click a header to sort.</p>\n", r->totalpages,
		 r->totalpages_guessed ? ", estimated" : "");
	buf_addstr(b, "<table class=\"tasks\">\n<thead><tr>");
	for (size_t c = 0; c < NCOLS; c++)
		if (show[c])
			buf_addf(b, "<th data-t=\"n\"><button type=\"button\">%s</button></th>", cols[c].name);
	buf_addstr(b, "<th data-t=\"n\"><button type=\"button\">points</button></th>"
		      "<th class=\"s\"><button type=\"button\">role</button></th>"
		      "<th class=\"s\"><button type=\"button\">name</button></th></tr></thead>\n<tbody>\n");
}

static void table_row(const struct incident_event *e, const struct incident_rank *r, size_t i,
		      const bool *show, struct buf *b)
{
	const struct incident_task *t = &e->tasks[i];
	struct incident_badness x;
	struct buf rl = BUF_INIT;
	const char *cls;

	role(e, r, i, &rl, &cls);
	buf_addstr(b, cls ? "<tr class=\"" : "<tr>");
	if (cls)
		buf_addf(b, "%s\">", cls);
	for (size_t c = 0; c < NCOLS; c++) {
		long long v = col_val(t, c);

		if (!show[c])
			continue;
		if (v == INC_NONE)
			buf_addstr(b, "<td></td>");
		else
			buf_addf(b, "<td>%lld</td>", v);
	}
	if (incident_task_badness(e, r, i, &x))
		buf_addf(b, "<td>%lld</td>", x.points);
	else
		buf_addstr(b, "<td></td>");
	buf_addstr(b, "<td class=\"s\">");
	buf_add_html(b, rl.s);
	buf_addstr(b, "</td><td class=\"s\">");
	buf_add_html(b, t->name);
	buf_addstr(b, "</td></tr>\n");
	buf_release(&rl);
}

static void html_tasks(const struct incident_event *e, size_t *rows_left, struct buf *b)
{
	size_t cap = *rows_left < INC_HTML_MAX_ROWS ? *rows_left : INC_HTML_MAX_ROWS, n;
	bool show[NCOLS] = { false };
	struct incident_rank r;
	struct pick *p;

	if (!e->ntasks) {
		if (e->kind != INC_PAGE_ALLOC_FAILURE && e->kind != INC_KIND_UNKNOWN)
			buf_addstr(b, "<p>No task table in the report (vm.oom_dump_tasks=0, or cut).</p>\n");
		return;
	}
	if (!cap) {
		buf_addf(b, "<p class=\"note\">The task table (%zu rows) is left out: the page already"
			    " shows %d rows (<code>--json</code> has them all).</p>\n", e->ntasks,
			 INC_HTML_MAX_ROWS_TOTAL);
		return;
	}
	incident_rank(e, &r);
	p = calloc(e->ntasks, sizeof(*p));
	if (!p)
		abort();  /* as buf_grow: nothing useful to do without memory */
	n = pick_rows(e, &r, cap, p);
	for (size_t k = 0; k < n; k++)
		for (size_t c = 0; c < NCOLS; c++)
			show[c] |= col_val(&e->tasks[p[k].task], c) != INC_NONE;
	table_head(e, &r, show, b);
	for (size_t k = 0; k < n; k++)
		table_row(e, &r, p[k].task, show, b);
	buf_addstr(b, "</tbody>\n</table>\n");
	if (n < e->ntasks)
		buf_addf(b, "<p class=\"note\">%zu of %zu rows are left out: those with the least rss +"
			    " swapents (the killed and top-ranked tasks are always shown;"
			    " <code>--json</code> has every row).</p>\n", e->ntasks - n, e->ntasks);
	if (e->tasks_cut)
		buf_addf(b, "<p class=\"note\">The parser kept the first %zu rows of the report's table.</p>\n",
			 e->ntasks);
	*rows_left -= n;
	free(p);
}

static void html_event(const struct incident_report *r, size_t i, size_t *rows_left, struct buf *b)
{
	const struct incident_event *e = &r->ev[i];
	const char *kind = incident_kind_name(e->kind);
	struct buf t = BUF_INIT;

	buf_addf(b, "<section id=\"ev%zu\">\n<h2>%zu. %s, lines %zu-%zu</h2>\n<p class=\"sentence\">", i + 1,
		 i + 1, kind ? kind : "unknown kind", e->first_line, e->last_line);
	inc_sentence(e, &t);
	buf_add_html(b, t.s);
	buf_addstr(b, "</p>\n<pre class=\"explain\">");
	buf_reset(&t);
	inc_explain(e, &t);
	buf_add_html(b, t.s);
	buf_addstr(b, "</pre>\n");
	buf_release(&t);
	inc_svg_charts(e, b);
	html_tasks(e, rows_left, b);
	buf_addstr(b, "</section>\n");
}

void incident_html(const struct incident_report *r, const char *source, struct buf *out)
{
	size_t shown = r->n < INC_HTML_MAX_EVENTS ? r->n : INC_HTML_MAX_EVENTS;
	size_t rows_left = INC_HTML_MAX_ROWS_TOTAL;
	char nonce[33];

	make_nonce(nonce);
	page_head(r, !source || !strcmp(source, "-") ? "stdin" : source, nonce, out);
	page_index(r, shown, out);
	for (size_t i = 0; i < shown; i++)
		html_event(r, i, &rows_left, out);
	buf_addf(out, "<script nonce=\"%s\">\n%s</script>\n</body>\n</html>\n", nonce, js);
}
