/* test_trace.c - the trace-line parser (trace.h) on lines of real 6.1 and
 * 6.12 guests and on hostile ones. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "trace.h"

/* Lines as the agent sent them from Debian 6.1 and 6.12 guests. */
#define L_VICTIM "           oomwl-79      [000] .N.1.     3.091138: mark_victim: pid=80 comm=oomfill total-vm=61284kB anon-rss=59952kB file-rss:0kB shmem-rss:580kB uid=0 pgtables=160kB oom_score_adj=0"
#define L_OOM "           oomwl-79      [000] .....     5.325193: oom: (out_of_memory+0x0/0x4c0) gfp=0x442dc0 order=3 memcg=0x0"
#define L_OOM612 "           oomwl-125     [000] .....     5.207685: oom: (out_of_memory+0x4/0x520) gfp=0x400cc0 order=1 memcg=0xff12d6088105a000"
#define L_WARN "         oomfrag-80      [000] .....     6.107564: warn_alloc: (warn_alloc+0x0/0x170) gfp=0x442dc0 fmt=\"page allocation failure: order:%u\" order=10"
#define L_RET "           oomwl-79      [000] .N...     5.349225: oom_ret: (__alloc_pages_slowpath.constprop.0+0x67f/0xe70 <- out_of_memory) ret=1"
#define L_PAGE "           oomwl-79      [000] .....     6.131299: mm_page_alloc: page=0000000000000000 pfn=0x0 order=4 migratetype=0 gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_NOWARN|__GFP_COMP|__GFP_ZERO"
#define L_RETRY "           oomwl-79      [000] .N...     5.324963: reclaim_retry_zone: node=0 zone=DMA      order=3 reclaimable=711 available=1422 min_wmark=34 no_progress_loops=1 wmark_check=0"
#define L_CHARGE "           oomwl-79      [000] .....     2.884882: charge_fail: (__memcg_kmem_charge_page+0xed/0x290 <- try_charge_memcg) ret=-12"

START_TEST(real_lines)
{
	struct trace_rec r;
	char v[64];
	long long n;

	ck_assert(trace_parse(L_VICTIM, &r));
	ck_assert_str_eq(r.comm, "oomwl");
	ck_assert_int_eq(r.pid, 79);
	ck_assert_int_eq(r.cpu, 0);
	ck_assert(r.ts > 3.09 && r.ts < 3.092);
	ck_assert_str_eq(r.event, "mark_victim");
	ck_assert(trace_field_ll(&r, "pid", &n) && n == 80);
	ck_assert(trace_field(&r, "comm", v, sizeof(v)));
	ck_assert_str_eq(v, "oomfill");
	/* "file-rss:0kB" is not a KEY=VALUE field */
	ck_assert(!trace_field(&r, "file-rss", v, sizeof(v)));

	ck_assert(trace_parse(L_OOM, &r));
	ck_assert_str_eq(r.event, "oom");
	ck_assert(trace_field_ll(&r, "order", &n) && n == 3);
	ck_assert(trace_field_ll(&r, "gfp", &n) && n == 0x442dc0);
	ck_assert(trace_field(&r, "memcg", v, sizeof(v)));
	ck_assert_str_eq(v, "0x0");
	ck_assert(trace_parse(L_OOM612, &r));
	ck_assert_int_eq(r.pid, 125);
	ck_assert(trace_field(&r, "memcg", v, sizeof(v)));
	ck_assert_str_eq(v, "0xff12d6088105a000");

	ck_assert(trace_parse(L_WARN, &r));
	ck_assert_str_eq(r.comm, "oomfrag");
	ck_assert(trace_field(&r, "fmt", v, sizeof(v)));
	ck_assert_str_eq(v, "page allocation failure: order:%u");
	/* "order:%u\"" inside the quoted fmt is not the order field */
	ck_assert(trace_field_ll(&r, "order", &n) && n == 10);

	ck_assert(trace_parse(L_RET, &r));
	ck_assert_str_eq(r.event, "oom_ret");
	ck_assert(trace_field_ll(&r, "ret", &n) && n == 1);
	ck_assert(trace_parse(L_CHARGE, &r));
	ck_assert(trace_field_ll(&r, "ret", &n) && n == -12);

	ck_assert(trace_parse(L_PAGE, &r));
	ck_assert(trace_field_ll(&r, "pfn", &n) && n == 0);
	ck_assert(trace_field(&r, "gfp_flags", v, sizeof(v)));
	ck_assert_str_eq(v, "GFP_KERNEL_ACCOUNT|__GFP_NOWARN|__GFP_COMP|__GFP_ZERO");

	/* "min_wmark=" and "no_progress_loops=" are not "order=" */
	ck_assert(trace_parse(L_RETRY, &r));
	ck_assert(trace_field_ll(&r, "order", &n) && n == 3);
	ck_assert(trace_field(&r, "zone", v, sizeof(v)));
	ck_assert_str_eq(v, "DMA");
	ck_assert(!trace_field(&r, "wmark", v, sizeof(v)));
}
END_TEST

START_TEST(task_names)
{
	struct trace_rec r;

	/* blanks and dashes in the comm; the pid is the digits after the last dash */
	ck_assert(trace_parse("   kworker/u2:1-my-7     [001] d..2.   10.000001: wake_reaper: pid=5", &r));
	ck_assert_str_eq(r.comm, "kworker/u2:1-my");
	ck_assert_int_eq(r.pid, 7);
	ck_assert_int_eq(r.cpu, 1);
	ck_assert(trace_parse("      my task-12 [003] .... 1.5: start_task_reaping: pid=12", &r));
	ck_assert_str_eq(r.comm, "my task");
	ck_assert(trace_parse("           <...>-80      [000] .....     6.1: finish_task_reaping: pid=80", &r));
	ck_assert_str_eq(r.comm, "<...>");
	/* a comm that imitates the context: the real one follows */
	ck_assert(trace_parse("  x-1 [000] y-2 [000] .... 1.0: mark_victim: pid=2", &r));
	ck_assert_str_eq(r.comm, "x-1 [000] y");
	ck_assert_int_eq(r.pid, 2);
	/* an event without text */
	ck_assert(trace_parse("  a-3 [000] .... 2.000000: ev:", &r));
	ck_assert_str_eq(r.event, "ev");
	ck_assert_str_eq(r.fields, "");
}
END_TEST

START_TEST(not_event_lines)
{
	static const char *const bad[] = {
		"", "# tracer: nop", "CPU:0 [LOST 12 EVENTS]", "oomwl-79 [000] .....",
		"oomwl-79 [000] ..... 5.3 oom: x", "oomwl-79 [000] ..... 5.3: oom x",
		"-79 [000] ..... 5.3: oom: x", "oomwl79 [000] ..... 5.3: oom: x",
		"oomwl-79 [abc] ..... 5.3: oom: x", "oomwl-1234567890 [000] ..... 5.3: oom: x",
		"oomwl-79 [000] ..... .3: oom: x",
		"oomwl-79 [000] ..... 5.3: an-event-name-much-longer-than-the-field-keeps-it-for-sure: x",
	};
	struct trace_rec r;
	char *huge = malloc(5000);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!trace_parse(bad[i], &r), "parsed: %s", bad[i]);
	ck_assert_ptr_nonnull(huge);
	memset(huge, 'a', 4999);
	huge[4999] = '\0';
	memcpy(huge, "x-1 [000] .... 1.0: e: ", 23);
	ck_assert(!trace_parse(huge, &r));
	free(huge);
}
END_TEST

START_TEST(fields_bounded)
{
	struct trace_rec r;
	char v[8];
	long long n;

	ck_assert(trace_parse("x-1 [000] .... 1.0: e: a=0123456789abcdef b=\"q r s t u v w\" c=0x d=12x "
			      "e=99999999999999999999 f=-5 g=0xFFFFFFFFFFFFFFFF h=\"open", &r));
	ck_assert(trace_field(&r, "a", v, sizeof(v)));
	ck_assert_str_eq(v, "0123456");
	ck_assert(trace_field(&r, "b", v, sizeof(v)));
	ck_assert_str_eq(v, "q r s t");
	ck_assert(!trace_field_ll(&r, "c", &n));
	ck_assert(!trace_field_ll(&r, "d", &n));
	ck_assert(!trace_field_ll(&r, "e", &n));
	ck_assert(trace_field_ll(&r, "f", &n) && n == -5);
	ck_assert(trace_field_ll(&r, "g", &n) && n == -1);
	ck_assert(trace_field(&r, "h", v, sizeof(v)));
	ck_assert_str_eq(v, "open");
	ck_assert(!trace_field(&r, "zz", v, sizeof(v)));
	ck_assert(!trace_field(&r, "a", v, 0));
}
END_TEST

/* The console dump at a panic (ftrace_dump_on_oops): the latency format. */
START_TEST(dump_lines)
{
	struct trace_rec r;
	long long n;

	ck_assert(trace_parse_dump("   oomwl-79        0..... 1039431us : reclaim_retry_zone: node=0 "
				   "zone=DMA32    order=0 reclaimable=409", &r));
	ck_assert_str_eq(r.comm, "oomwl");
	ck_assert_int_eq(r.pid, 79);
	ck_assert_int_eq(r.cpu, 0);
	ck_assert(r.ts > 1.039 && r.ts < 1.04);
	ck_assert_str_eq(r.event, "reclaim_retry_zone");
	ck_assert(trace_field_ll(&r, "order", &n) && n == 0);
	ck_assert(trace_parse_dump("kworker/-12       1d..2. 12us!: oom: (out_of_memory+0x0/0x4c0) order=3 memcg=0x0", &r));
	ck_assert_str_eq(r.comm, "kworker/");
	ck_assert_int_eq(r.pid, 12);
	ck_assert_int_eq(r.cpu, 1);
	ck_assert_str_eq(r.event, "oom");
	ck_assert(trace_parse_dump(" a-b-5   3.... 7us : ev:", &r));
	ck_assert_str_eq(r.comm, "a-b");
	/* not the dump's format */
	ck_assert(!trace_parse_dump("           oomwl-79      [000] .....     5.3: oom: x", &r));
	ck_assert(!trace_parse_dump("oomwl-79  0..... 1039431 : oom: x", &r));
	ck_assert(!trace_parse_dump("oomwl-79  0..... 1039431us", &r));
	ck_assert(!trace_parse_dump("---------------------------------", &r));
	ck_assert(!trace_parse_dump("   (ftrace buffer empty)", &r));
	ck_assert(!trace_parse_dump("", &r));
}
END_TEST

START_TEST(lost_lines)
{
	ck_assert_int_eq(trace_lost("CPU:0 [LOST 12 EVENTS]"), 12);
	ck_assert_int_eq(trace_lost("CPU:1 [LOST EVENTS]"), 0);
	ck_assert_int_eq(trace_lost("CPU:1 [LOST -3 EVENTS]"), -1);
	ck_assert_int_eq(trace_lost("oomwl-79 [000] ..... 5.3: oom: x"), -1);
	ck_assert_int_eq(trace_lost("CPU:0 [LOST 12"), -1);
}
END_TEST

Suite *suite_trace(void)
{
	Suite *s = suite_create("trace");
	TCase *t = tcase_create("parse");

	tcase_add_test(t, real_lines);
	tcase_add_test(t, task_names);
	tcase_add_test(t, not_event_lines);
	tcase_add_test(t, fields_bounded);
	tcase_add_test(t, dump_lines);
	tcase_add_test(t, lost_lines);
	suite_add_tcase(s, t);
	return s;
}
