/* test_bench.c - OOM latency phases (bench.h) from records of real Debian
 * 6.1 and 6.12 guests (fixtures/vm/bench: `oomlab bench --kernel debian
 * --kernel debian:6.12 --scenario bench-global-anon` under TCG, records
 * cut to hello and the bench records), hostile records, the analysis of a
 * bench directory and the escaping of the HTML report. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_int.h"
#include "suites.h"

#define FIX "fixtures/vm/bench"
#define NEAR(a, b) ck_assert_msg(fabs((a) - (b)) < 1e-3, "%.6f vs %.6f", (double)(a), (double)(b))

/* 6.1: oomwl-82 stalls at 7.960553 (its own direct reclaim), enters
 * out_of_memory at 7.987239, marks 81 at 8.037353; 81 exits at 8.202633,
 * 82's fault returns at 8.108236 (oom_recover); no reaping. */
START_TEST(phases_61)
{
	struct bench_rep r;
	struct buf err = BUF_INIT;
	const struct bench_event *e;

	ck_assert_int_eq(bench_load(FIX "/a/rep-01/bench-global-anon/records.jsonl", &r, &err), 0);
	ck_assert_str_eq(r.release, "6.1.0-56-amd64");
	ck_assert_uint_eq(r.nev, 1);
	e = &r.ev[0];
	ck_assert_int_eq(e->invoker, 82);
	ck_assert_uint_eq(e->nvictims, 1);
	ck_assert_int_eq(e->victim[0], 81);
	ck_assert(e->stall_own);
	NEAR(bench_phase_ms(e, BP_STALL_INVOKE), 26.686);
	NEAR(bench_phase_ms(e, BP_INVOKE_SELECT), 50.114);
	NEAR(bench_phase_ms(e, BP_SELECT_EXIT), 165.280);
	ck_assert(isnan(bench_phase_ms(e, BP_EXIT_REAPED)));
	NEAR(bench_phase_ms(e, BP_STALL_RECOVER), 147.683);
	NEAR(bench_phase_ms(e, BP_TOTAL), 242.080);
	ck_assert(r.have_end);
	ck_assert_uint_gt(r.ns, 10);
	ck_assert(!isnan(r.s[0].avail_kb) && !isnan(r.s[0].some_us));
	bench_rep_free(&r);
	buf_release(&err);
}
END_TEST

/* 6.12: the invoker (127) has no stall line of its own before the OOM
 * (throttled before the tracepoint): the first of any task (126) counts. */
START_TEST(phases_612)
{
	struct bench_rep r;
	struct buf err = BUF_INIT;
	const struct bench_event *e;

	ck_assert_int_eq(bench_load(FIX "/b/rep-01/bench-global-anon/records.jsonl", &r, &err), 0);
	ck_assert_str_eq(r.release, "6.12.117+deb12-amd64");
	ck_assert_uint_eq(r.nev, 1);
	e = &r.ev[0];
	ck_assert_int_eq(e->invoker, 127);
	ck_assert_int_eq(e->victim[0], 126);
	ck_assert(!e->stall_own);
	NEAR(e->t_stall, 8.939611);
	NEAR(e->t_invoke, 9.016557);
	NEAR(e->t_select, 9.064978);
	NEAR(e->t_exit, 9.262138);
	NEAR(e->t_recover, 9.136600);
	ck_assert(isnan(e->t_reaped));
	bench_rep_free(&r);
	buf_release(&err);
}
END_TEST

#define REC(m) "{\"t\":\"tracing\",\"name\":\"bench\",\"kind\":\"line\",\"ok\":true,\"i\":0,\"msg\":\"" m "\"}\n"

START_TEST(hostile_records)
{
	static const char none[] = "{\"t\":\"hello\",\"release\":\"x\"}\n{\"t\":\"step\"}\n";
	static const char text[] =
		"not json\n"
		"{\"t\":\"tracing\",\"name\":\"bench\",\"kind\":\"line\",\"msg\":7}\n"
		REC("garbage line")
		/* a victim without an out_of_memory entry of its task: no event */
		REC("  x-5 [000] ..... 1.000000: mark_victim: pid=6 comm=y")
		REC("  a-10 [000] ..... 2.000000: oom: (out_of_memory+0x0/0x4c0) gfp=0x0 order=0 memcg=0x0")
		REC("  a-10 [000] ..... 2.010000: mark_victim: pid=11 comm=b")
		REC("  a-10 [000] ..... 2.010500: mark_victim: pid=12 comm=c")
		REC("  b-11 [000] ..... 2.100000: sched_process_exit: comm=b pid=11 prio=120")
		REC("  c-12 [000] ..... 2.300000: sched_process_exit: comm=c pid=12 prio=120")
		REC("  oom_reaper-9 [000] ..... 2.250000: finish_task_reaping: pid=12")
		"{\"t\":\"tracing\",\"name\":\"bench\",\"kind\":\"psi\",\"ts_us\":\"x\"}\n";
	struct bench_rep r;
	struct buf err = BUF_INIT;

	ck_assert_int_eq(bench_parse(none, strlen(none), &r, &err), -1);
	ck_assert(strstr(err.s, "oomlab.bench=1"));
	bench_rep_free(&r);
	ck_assert_int_eq(bench_parse(text, strlen(text), &r, &err), 0);
	ck_assert_uint_eq(r.nev, 1);                  /* a group kill is one event */
	ck_assert_uint_eq(r.ev[0].nvictims, 2);
	NEAR(r.ev[0].t_exit, 2.3);                    /* the last victim's exit */
	NEAR(r.ev[0].t_reaped, 2.25);
	ck_assert(isnan(r.ev[0].t_stall));
	ck_assert(isnan(r.ev[0].t_recover));
	NEAR(bench_phase_ms(&r.ev[0], BP_TOTAL), 300);  /* from the invoke: no stall */
	ck_assert_uint_eq(r.ns, 0);
	ck_assert_uint_ge(r.lines_bad, 1);
	bench_rep_free(&r);
	buf_release(&err);
}
END_TEST

START_TEST(analyse_fixture_dir)
{
	struct bench_result r = { .nsides = 2 };
	struct buf err = BUF_INIT, html = BUF_INIT;

	snprintf(r.scenario, sizeof(r.scenario), "bench-global-anon");
	snprintf(r.side[0].dir, sizeof(r.side[0].dir), FIX "/a");
	snprintf(r.side[1].dir, sizeof(r.side[1].dir), FIX "/b");
	ck_assert_int_eq(bench_side_load(&r.side[0], &err), 0);
	ck_assert_int_eq(bench_side_load(&r.side[1], &err), 0);
	ck_assert_uint_eq(r.side[0].nrep, 3);
	ck_assert_str_eq(r.side[0].accel, "tcg");
	bench_analyze(&r);
	ck_assert_uint_eq(r.side[0].sum[BP_TOTAL].n, 3);
	ck_assert_uint_eq(r.side[1].sum[BP_INVOKE_SELECT].n, 3);
	ck_assert(r.cmp[BP_TOTAL].tested);
	ck_assert(r.have_rep);
	bench_html(&r, &html);
	ck_assert(strstr(html.s, "<svg"));
	ck_assert(strstr(html.s, "<circle"));
	ck_assert(strstr(html.s, "<polyline fill=\"none\" stroke=\"#2ca02c\" stroke-width=\"2\" points=\"1"));
	ck_assert(strstr(html.s, "emulation timings"));
	bench_result_free(&r);
	buf_release(&err);
	buf_release(&html);
}
END_TEST

START_TEST(html_escaping)
{
	struct bench_result r = { .nsides = 1 };
	struct buf out = BUF_INIT;

	bench_svg_text(&out, 1, 2, "end", "<b>&\"x'");
	ck_assert(strstr(out.s, "&lt;b&gt;&amp;"));
	ck_assert(!strstr(out.s, "<b>"));
	buf_reset(&out);
	snprintf(r.scenario, sizeof(r.scenario), "<script>alert(1)</script>");
	snprintf(r.side[0].label, sizeof(r.side[0].label), "<img src=x onerror=y>");
	snprintf(r.side[0].kernel, sizeof(r.side[0].kernel), "6.1&<");
	bench_html(&r, &out);
	ck_assert(!strstr(out.s, "<script"));
	ck_assert(!strstr(out.s, "<img"));
	ck_assert(strstr(out.s, "&lt;script&gt;"));
	ck_assert(strstr(out.s, "6.1&amp;&lt;"));
	buf_release(&out);
}
END_TEST

Suite *suite_bench(void)
{
	Suite *s = suite_create("bench");
	TCase *t = tcase_create("bench");

	tcase_add_test(t, phases_61);
	tcase_add_test(t, phases_612);
	tcase_add_test(t, hostile_records);
	tcase_add_test(t, analyse_fixture_dir);
	tcase_add_test(t, html_escaping);
	suite_add_tcase(s, t);
	return s;
}
