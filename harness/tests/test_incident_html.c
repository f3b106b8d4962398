/* test_incident_html.c - `oomlab klog parse --html`: hostile text stays text,
 * the page keeps its bounds, and the four shared reports render with their
 * victim in the table and an SVG chart.  (The page in a real browser:
 * harness/tests/html-shot.sh.) */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "incident_int.h"
#include "suites.h"

/* Not strstr in a loop: ASan's strstr measures the whole haystack at every
 * call, which makes counting in a 3 MB page quadratic. */
static size_t count(const char *s, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	for (const char *p = s; *p; p++)
		if (*p == needle[0] && !strncmp(p, needle, len)) {
			n++;
			p += len - 1;
		}
	return n;
}

static char *render(const struct incident_report *r, const char *source)
{
	struct buf b = BUF_INIT;

	incident_html(r, source, &b);
	ck_assert_uint_eq(strlen(b.s), b.len);  /* no NUL inside */
	return buf_detach(&b);
}

/* Well-formed enough: every element we open is closed, the text is valid
 * UTF-8 without control characters, and there is one script and one style,
 * both carrying the nonce of the CSP. */
static void check_page(const char *s)
{
	static const char *const pairs[][2] = {
		{ "<section", "</section>" }, { "<svg", "</svg>" }, { "<table", "</table>" },
		{ "<pre", "</pre>" }, { "<tr", "</tr>" }, { "<title>", "</title>" },
	};
	const unsigned char *p = (const unsigned char *)s;
	const char *csp;
	char nonce[33], tag[64];

	ck_assert(!strncmp(s, "<!DOCTYPE html>\n", 16));
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		ck_assert_msg(count(s, pairs[i][0]) == count(s, pairs[i][1]), "%s: %zu open, %zu closed",
			      pairs[i][0], count(s, pairs[i][0]), count(s, pairs[i][1]));
	/* (no ck_assert per byte: each one talks to the runner) */
	while (*p) {
		size_t n = utf8_seq(p);

		if (!n || (*p < 0x20 && *p != '\n'))
			ck_abort_msg("byte %#x at offset %td: invalid UTF-8 or a control character", *p,
				     (const char *)p - s);
		p += n;
	}
	ck_assert_uint_eq(count(s, "<script"), 1);
	ck_assert_uint_eq(count(s, "<style"), 1);
	csp = strstr(s, "Content-Security-Policy\" content=\"default-src 'none'; style-src 'nonce-");
	ck_assert_ptr_nonnull(csp);
	ck_assert_int_eq(sscanf(strstr(csp, "'nonce-") + 7, "%32[0-9a-f]'", nonce), 1);
	ck_assert_uint_eq(strlen(nonce), 32);
	snprintf(tag, sizeof(tag), "<script nonce=\"%s\">", nonce);
	ck_assert_ptr_nonnull(strstr(s, tag));
	snprintf(tag, sizeof(tag), "<style nonce=\"%s\">", nonce);
	ck_assert_ptr_nonnull(strstr(s, tag));
	/* the script is ours: no log text in it */
	ck_assert_ptr_null(strstr(strstr(s, "<script"), "alert"));
	/* no address but the SVG namespace: nothing to fetch */
	ck_assert_ptr_null(strstr(s, "https:"));
	ck_assert_uint_eq(count(s, "http:"), count(s, "http://www.w3.org/2000/svg\""));
	ck_assert_ptr_null(strstr(s, " src=\""));
}

/* A 6.1 report with hostile names everywhere a name goes. */
static const char hostile_log[] =
	"[ 1.0] x invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0\n"
	"[ 1.1] CPU: 0 PID: 7 Comm: x Not tainted 6.1.0-56-amd64 #1\n"
	"[ 1.2] Mem-Info:\n"
	"[ 1.3] active_anon:50000 inactive_anon:10 isolated_anon:0 active_file:30 inactive_file:40 isolated_file:0 unevictable:0 dirty:0 writeback:0 slab_reclaimable:900 slab_unreclaimable:1500 mapped:20 shmem:100 pagetables:200 sec_pagetables:0 bounce:0 kernel_misc_reclaimable:0 free:700 free_pcp:0 free_cma:0\n"
	"[ 1.4] Node 0 DMA32 free:2800kB boost:0kB min:2900kB low:3600kB high:4300kB managed:240000kB\n"
	"[ 1.5] 65406 pages RAM\n"
	"[ 1.6] Tasks state (memory values in pages):\n"
	"[ 1.7] [  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name\n"
	"[ 1.8] [      7]     0     7    50000    40000   400000        0             0 <script>alert(1)</script>\n"
	"[ 1.9] [      8]     0     8     1000      500    40000        0             0 \"&'\n"
	"[ 2.0] [      9]     0     9     1000      400    40000        0             0 bad\xff\xfe\xc3utf\n"
	"[ 2.1] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/</pre><img src=x>,task=x,pid=7,uid=0\n"
	"[ 2.2] Out of memory: Killed process 7 (<script>alert(1)</script>) total-vm:200000kB, anon-rss:160000kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:400kB oom_score_adj:0\n";

START_TEST(hostile_names_are_text)
{
	struct incident_report r;
	struct incident_event *e;
	char *s;

	incident_parse(hostile_log, sizeof(hostile_log) - 1, &r);
	ck_assert_uint_eq(r.n, 1);
	e = &r.ev[0];
	ck_assert_uint_eq(e->ntasks, 3);
	/* the escaping must not rely on the parser's sanitising: put raw
	 * bytes back where the parser had replaced them */
	strcpy(e->tasks[2].name, "bad\xff\xfe\xc3utf\x01\x1b[31m");
	strcpy(e->victim.comm, "<script>alert(1)</script>");
	strcpy(e->invoker_comm, "\"><script>alert(2)</script>");
	strcpy(e->kernel_version, "6.1.0<style>*{display:none}</style>");
	s = render(&r, "<b>evil</b>\".log");
	check_page(s);
	ck_assert_ptr_nonnull(strstr(s, "<td class=\"s\">&lt;script&gt;alert(1)&lt;/script&gt;</td></tr>"));
	ck_assert_ptr_nonnull(strstr(s, "<td class=\"s\">&quot;&amp;&#39;</td></tr>"));
	ck_assert_ptr_null(strstr(s, "\"&'"));
	ck_assert_ptr_nonnull(strstr(s, "<td class=\"s\">bad???utf\xef\xbf\xbd\xef\xbf\xbd[31m</td>"));
	ck_assert_ptr_nonnull(strstr(s, "OOM report: &lt;b&gt;evil&lt;/b&gt;&quot;.log</h1>"));
	ck_assert_ptr_nonnull(strstr(s, "victim &lt;script&gt;alert(1)&lt;/script&gt;"));
	ck_assert_ptr_null(strstr(s, "<img"));
	ck_assert_ptr_null(strstr(s, "<b>evil"));
	ck_assert_ptr_nonnull(strstr(s, "6.1.0&lt;style&gt;*{display:none}&lt;/style&gt;"));
	ck_assert_ptr_nonnull(strstr(s, "invoked by &quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
	/* the victim row is marked, and sorts like the others */
	ck_assert_ptr_nonnull(strstr(s, "<tr class=\"victim\"><td>7</td>"));
	ck_assert_ptr_nonnull(strstr(s, "<th data-t=\"n\"><button type=\"button\">rss</button></th>"));
	ck_assert_ptr_nonnull(strstr(s, "addEventListener('click'"));
	free(s);
	incident_free(&r);
}
END_TEST

/* Chart labels are cut at a character, never inside one. */
START_TEST(long_names_cut_whole)
{
	struct incident_report r;
	struct buf want = BUF_INIT, full = BUF_INIT;
	char *s;

	incident_parse(hostile_log, sizeof(hostile_log) - 1, &r);
	for (int i = 0; i < 31; i++)
		buf_addstr(&full, "\xc3\xa9");  /* U+00E9, 2 bytes */
	for (size_t i = 0; i < r.ev[0].ntasks; i++)
		snprintf(r.ev[0].tasks[i].name, sizeof(r.ev[0].tasks[i].name), "%s", full.s);
	s = render(&r, "x");
	check_page(s);
	buf_addch(&want, '>');
	buf_add(&want, full.s, 2 * 25);
	buf_addstr(&want, "\xe2\x80\xa6</text>");
	ck_assert_ptr_nonnull(strstr(s, want.s));
	buf_reset(&want);
	buf_addf(&want, "<td class=\"s\">%s</td></tr>", full.s);
	ck_assert_ptr_nonnull(strstr(s, want.s));
	buf_release(&want);
	buf_release(&full);
	free(s);
	incident_free(&r);
}
END_TEST

START_TEST(nonce_is_fresh)
{
	struct incident_report r;
	char *a, *b;

	incident_parse(hostile_log, sizeof(hostile_log) - 1, &r);
	a = render(&r, "x");
	b = render(&r, "x");
	ck_assert_str_ne(strstr(a, "'nonce-"), strstr(b, "'nonce-"));
	free(a);
	free(b);
	incident_free(&r);
}
END_TEST

/* 100k task rows in 20 events of 5000: the page keeps INC_HTML_MAX_ROWS per
 * event and INC_HTML_MAX_ROWS_TOTAL in all, always with the victim (here
 * the smallest task), and says so. */
START_TEST(huge_tables_are_capped)
{
	struct buf log = BUF_INIT;
	struct incident_report r;
	char *s, want[128];

	for (int ev = 0; ev < 20; ev++) {
		buf_addf(&log, "x invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
			       "CPU: 0 PID: 7 Comm: x Not tainted 6.1.0-56-amd64 #1\n"
			       "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name\n");
		for (int i = 0; i < 5000; i++)
			buf_addf(&log, "[%7d]     0 %5d    50000 %8d   400000        0             0 t%d\n",
				 1000 + i, 1000 + i, 5000 - i, i);
		buf_addf(&log, "Out of memory: Killed process 5999 (t4999) total-vm:200000kB, anon-rss:4kB,"
			       " file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:400kB oom_score_adj:0\n");
	}
	incident_parse(log.s, log.len, &r);
	buf_release(&log);
	ck_assert_uint_eq(r.n, 20);
	ck_assert_uint_eq(r.tasks_total, 100000);
	s = render(&r, "big.log");
	check_page(s);
	ck_assert_msg(strlen(s) < (8u << 20), "page of %zu bytes", strlen(s));
	ck_assert_uint_eq(count(s, "</td></tr>"), INC_HTML_MAX_ROWS_TOTAL);
	ck_assert_uint_eq(count(s, "<tr class=\"victim\"><td>5999</td>"), INC_HTML_MAX_ROWS_TOTAL / INC_HTML_MAX_ROWS);
	snprintf(want, sizeof(want), "%d of 5000 rows are left out", 5000 - INC_HTML_MAX_ROWS);
	ck_assert_uint_eq(count(s, want), INC_HTML_MAX_ROWS_TOTAL / INC_HTML_MAX_ROWS);
	ck_assert_uint_eq(count(s, "The task table (5000 rows) is left out"),
			  20 - INC_HTML_MAX_ROWS_TOTAL / INC_HTML_MAX_ROWS);
	ck_assert_uint_eq(count(s, "<section"), 20);
	free(s);
	incident_free(&r);
}
END_TEST

START_TEST(many_events_are_capped)
{
	struct buf log = BUF_INIT;
	struct incident_report r;
	char *s, want[96];

	for (int i = 0; i < INC_HTML_MAX_EVENTS + 100; i++)
		buf_addstr(&log, "<b> invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n");
	incident_parse(log.s, log.len, &r);
	buf_release(&log);
	ck_assert_uint_eq(r.n, INC_HTML_MAX_EVENTS + 100);
	s = render(&r, "-");
	check_page(s);
	ck_assert_uint_eq(count(s, "<section"), INC_HTML_MAX_EVENTS);
	snprintf(want, sizeof(want), "100 more events are not shown: the page shows the first %d",
		 INC_HTML_MAX_EVENTS);
	ck_assert_ptr_nonnull(strstr(s, want));
	ck_assert_ptr_nonnull(strstr(s, "OOM report: stdin</h1>"));
	ck_assert_ptr_null(strstr(s, "<b> invoked"));
	free(s);
	incident_free(&r);
}
END_TEST

/* The four reports of the README table: the victim is the marked row of
 * the task table (the no-dump report has none: the victim is in the
 * chart), and there is a chart. */
static const struct {
	const char *file, *victim_row, *chart_label;
} shared[] = {
	{ "qemu-6.11-global-stress-ng", "<tr class=\"victim\"><td>116</td>", "victim stress-ng-vm" },
	{ "rhel7-3.10-sysrq-manual", "<tr class=\"victim\"><td>1065</td>", "victim tuned" },
	{ "rhel7-3.10-docker-memcg-dump-tasks", "<tr class=\"victim\"><td>14728</td>", "victim stress" },
	{ "rhel7-3.10-docker-memcg-no-dump", NULL, "victim stress" },
};

START_TEST(shared_reports_render)
{
	struct incident_report r;
	char path[160], *text, *s, *row;
	size_t len;

	snprintf(path, sizeof(path), "fixtures/incidents/%s.log", shared[_i].file);
	text = fixture(path, &len);
	incident_parse(text, len, &r);
	free(text);
	s = render(&r, path);
	check_page(s);
	ck_assert_msg(count(s, "<svg class=\"chart\"") >= (shared[_i].victim_row ? 2u : 1u), "%s: %zu charts", path,
		      count(s, "<svg class=\"chart\""));
	ck_assert_ptr_nonnull(strstr(s, shared[_i].chart_label));
	ck_assert_ptr_nonnull(strstr(s, "<p class=\"sentence\">"));
	ck_assert_ptr_nonnull(strstr(s, "<pre class=\"explain\">"));
	if (shared[_i].victim_row) {
		row = strstr(s, shared[_i].victim_row);
		ck_assert_msg(row != NULL, "%s: no victim row", path);
		ck_assert_uint_eq(count(s, "<tr class=\"victim\">"), 1);
		ck_assert_ptr_nonnull(strstr(row, "killed"));
		ck_assert_ptr_nonnull(strstr(s, "Why this victim"));
	} else {
		ck_assert_ptr_nonnull(strstr(s, "No task table in the report"));
		ck_assert_ptr_null(strstr(s, "<table"));
	}
	free(s);
	incident_free(&r);
}
END_TEST

/* The consoles of our own VMs render too, whatever the kind. */
START_TEST(vm_consoles_render)
{
	static const char *const files[] = {
		"vm/6.1/sysrq-oom", "vm/6.12/oom-group-kill", "vm/6.12/no-killable-panic",
		"vm/6.1/costly-sockbuf-order8-global", "vm/6.12/allocating-task-kill",
	};
	struct incident_report r;
	char path[160], *text, *s;
	size_t len;

	snprintf(path, sizeof(path), "fixtures/%s.console.log", files[_i]);
	text = fixture(path, &len);
	incident_parse(text, len, &r);
	free(text);
	s = render(&r, path);
	check_page(s);
	ck_assert_uint_eq(count(s, "<section"), r.n);
	ck_assert(count(s, "<svg class=\"chart\"") >= 1);
	ck_assert(strstr(s, "RAM by use (Mem-Info)") || strstr(s, "<title>Memory cgroup</title>"));
	free(s);
	incident_free(&r);
}
END_TEST

START_TEST(cli_html)
{
	char dir[] = "/tmp/oomlab-html-XXXXXX", out[PATH_MAX], arg[PATH_MAX + 8];
	const char *log = "fixtures/incidents/rhel7-3.10-docker-memcg-dump-tasks.log";
	char *page;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/a.html", dir);
	{
		char *argv[] = { "parse", (char *)log, "--html", out, NULL };

		ck_assert_int_eq(incident_cli(4, argv), 0);
	}
	page = fixture(out, NULL);
	check_page(page);
	ck_assert_ptr_nonnull(strstr(page, "<tr class=\"victim\"><td>14728</td>"));
	free(page);
	unlink(out);
	snprintf(arg, sizeof(arg), "--html=%s", out);
	{
		char *argv[] = { "parse", arg, (char *)log, NULL };

		ck_assert_int_eq(incident_cli(3, argv), 0);
	}
	page = fixture(out, NULL);
	ck_assert(!strncmp(page, "<!DOCTYPE html>", 15));
	free(page);
	unlink(out);
	{
		char *both[] = { "parse", (char *)log, "--json", "--html", NULL };
		char *second[] = { "parse", (char *)log, out, NULL };
		char *third[] = { "parse", (char *)log, "--html", out, "x", NULL };
		char *twice[] = { "parse", arg, (char *)log, out, NULL };

		ck_assert_int_eq(incident_cli(4, both), 2);
		ck_assert_int_eq(incident_cli(3, second), 2);
		ck_assert_int_eq(incident_cli(5, third), 2);
		ck_assert_int_eq(incident_cli(4, twice), 2);
	}
	ck_assert_int_eq(access(out, F_OK), -1);
	/* an OUT that cannot be written: exit 2 */
	snprintf(out, sizeof(out), "%s/no/such/dir/a.html", dir);
	{
		char *argv[] = { "parse", (char *)log, "--html", out, NULL };

		ck_assert_int_eq(incident_cli(4, argv), 2);
	}
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

TCase *incident_html_tcase(void);

TCase *incident_html_tcase(void)
{
	TCase *t = tcase_create("html");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, hostile_names_are_text);
	tcase_add_test(t, long_names_cut_whole);
	tcase_add_test(t, nonce_is_fresh);
	tcase_add_test(t, huge_tables_are_capped);
	tcase_add_test(t, many_events_are_capped);
	tcase_add_loop_test(t, shared_reports_render, 0, sizeof(shared) / sizeof(shared[0]));
	tcase_add_loop_test(t, vm_consoles_render, 0, 5);
	tcase_add_test(t, cli_html);
	return t;
}
