/* test_klog_format.c - kernel log lines the parsers no longer recognise
 * (klog_format.c), counted by the evidence stage and classify(), carried
 * in results.json and caught by `oomlab diff`. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "evidence.h"
#include "klog.h"
#include "report.h"
#include "suites.h"
#include "verdict.h"

START_TEST(keyword_lines)
{
	struct klog_unrec u = { 0 };

	/* real 6.1 lines: recognised */
	ck_assert(!klog_unrecognised("Out of memory: Killed process 79 (oomwl) total-vm:180188kB, "
				     "anon-rss:179196kB, file-rss:4kB, shmem-rss:648kB, UID:0 "
				     "pgtables:392kB oom_score_adj:0"));
	ck_assert(klog_looks_like_oom("oomwl invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE"
				      "|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0"));
	ck_assert(!klog_unrecognised("oomwl invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE"
				     "|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0"));
	ck_assert(!klog_unrecognised("Out of memory and no killable processes...\r"));
	/* not about memory failure at all */
	ck_assert(!klog_looks_like_oom("virtio_net virtio0 eth0: renamed from eth0"));
	ck_assert(!klog_unrecognised(NULL));
	/* a format change: the kill line with another verb, a reaper line reworded */
	ck_assert(klog_unrecognised("Out of memory: Killed task 79 (oomwl) total-vm:180188kB"));
	ck_assert(klog_unrecognised("oom_reaper: reclaimed process 79 (oomwl), now anon-rss:0kB"));
	ck_assert(klog_unrecognised("oomwl invoked oom-killer: gfp=0x140dca order=0"));
	/* counted, the first kept sanitized and bounded */
	klog_unrec_note(&u, "Out of memory: Killed task 1 (a\x01" "b)\r\n");
	klog_unrec_note(&u, "Killed process, but not as the kernel prints it");
	klog_unrec_note(&u, "Out of memory: Killed process 79 (oomwl) total-vm:1kB, anon-rss:1kB, "
			"file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:1kB oom_score_adj:0");
	ck_assert_uint_eq(u.n, 2);
	ck_assert_str_eq(u.first, "Out of memory: Killed task 1 (a?b)");
	{
		char long_line[2000];
		struct klog_unrec v = { 0 };

		memset(long_line, 'x', sizeof(long_line) - 1);
		long_line[sizeof(long_line) - 1] = '\0';
		memcpy(long_line, "oom-kill:", 9);
		klog_unrec_note(&v, long_line);
		ck_assert_uint_eq(v.n, 1);
		ck_assert_uint_eq(strlen(v.first), KLOG_TEXT_MAX - 1);
	}
}
END_TEST

/* Replace every from in s by to (no longer than from), in place. */
static void replace_all(char *s, const char *from, const char *to)
{
	size_t nf = from ? strlen(from) : 0, nt = to ? strlen(to) : 0;

	for (char *t = s; nf && (t = strstr(t, from)); t += nt) {
		memmove(t + nt, t + nf, strlen(t + nf) + 1);
		memcpy(t, to, nt);
	}
}

/* Classify one recorded guest (records + console), optionally with every
 * `from` in both replaced by `to` (same length or shorter). */
static void classify_fixture(const char *dir, const char *name, const char *from, const char *to,
			     struct observed *o)
{
	char path[512];
	size_t rlen, clen;
	char *rec, *con;
	struct evidence ev;

	snprintf(path, sizeof(path), "%s/%s.records.jsonl", dir, name);
	rec = fixture(path, &rlen);
	snprintf(path, sizeof(path), "%s/%s.console.log", dir, name);
	con = fixture(path, &clen);
	replace_all(rec, from, to);
	replace_all(con, from, to);
	evidence_init(&ev);
	evidence_parse_records(&ev, rec, strlen(rec));
	evidence_scan_console(&ev, con, strlen(con), 40);
	observed_init(o);
	classify(&ev, o);
	evidence_free(&ev);
	free(rec);
	free(con);
}

/* Every recorded guest of fixtures/vm/6.1 and 6.12: nothing unrecognised. */
START_TEST(real_vm_fixtures_all_recognised)
{
	static const char *const dirs[] = { "fixtures/vm/6.1", "fixtures/vm/6.12" };
	size_t seen = 0;

	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		DIR *dh = opendir(dirs[d]);
		struct dirent *e;

		ck_assert_ptr_nonnull(dh);
		while ((e = readdir(dh))) {
			char name[256];
			char *dot = strstr(e->d_name, ".console.log");
			struct observed o;

			if (!dot || dot[12] || (size_t)(dot - e->d_name) >= sizeof(name))
				continue;
			snprintf(name, sizeof(name), "%.*s", (int)(dot - e->d_name), e->d_name);
			classify_fixture(dirs[d], name, NULL, NULL, &o);
			ck_assert_msg(o.log_unrec.n == 0, "%s/%s: %zu unrecognised, first: %s", dirs[d],
				      name, o.log_unrec.n, o.log_unrec.first);
			observed_free(&o);
			seen++;
		}
		closedir(dh);
	}
	ck_assert_uint_ge(seen, 40);
}
END_TEST

/* The real-world incident logs: every kernel line that looks like an OOM
 * message is one a parser accepts. */
START_TEST(real_incidents_all_recognised)
{
	DIR *dh = opendir("fixtures/incidents");
	struct dirent *e;
	size_t logs = 0, oom_lines = 0;

	ck_assert_ptr_nonnull(dh);
	while ((e = readdir(dh))) {
		size_t n = strlen(e->d_name);
		char path[512];
		char *text, *line, *save = NULL;

		if (n < 5 || strcmp(e->d_name + n - 4, ".log"))
			continue;
		snprintf(path, sizeof(path), "fixtures/incidents/%s", e->d_name);
		text = fixture(path, NULL);
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			const char *msg = klog_kernel_msg(line);

			oom_lines += msg && klog_looks_like_oom(msg);
			ck_assert_msg(!klog_unrecognised(msg), "%s: %s", path, line);
		}
		free(text);
		logs++;
	}
	closedir(dh);
	ck_assert_uint_ge(logs, 14);
	ck_assert_uint_ge(oom_lines, 35);
}
END_TEST

static void one_result(struct result *r, const char *scenario, const struct observed *o)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->scenario, sizeof(r->scenario), "%s", scenario);
	snprintf(r->vmconfig, sizeof(r->vmconfig), "mode1-noswap");
	snprintf(r->accel, sizeof(r->accel), "tcg");
	r->expected = r->declared = PATH_GLOBAL_OOM_KILL;
	r->obs = *o;
	r->verdict = o->path == PATH_GLOBAL_OOM_KILL ? VERDICT_PASS : VERDICT_FAIL;
	r->duration_s = 1;
	r->timing.ready_s = r->timing.workload_s = -1;
}

/* A real 6.1 global OOM whose kill line changed its verb: detected by
 * classify(), written to results.json and read back, and it fails the
 * gate against the unchanged run. */
START_TEST(mutated_kill_line_fails_the_gate)
{
	struct observed good, bad;
	struct result r;
	struct result *back = NULL;
	size_t n = 0;
	struct buf base = BUF_INIT, new_ = BUF_INIT, out = BUF_INIT, err = BUF_INIT;
	struct diff_summary s;

	classify_fixture("fixtures/vm/6.1", "global-oom", NULL, NULL, &good);
	classify_fixture("fixtures/vm/6.1", "global-oom", "Killed process", "Killed task", &bad);
	ck_assert_uint_eq(good.log_unrec.n, 0);
	ck_assert_uint_eq(bad.log_unrec.n, 1);
	ck_assert_str_eq(bad.log_unrec.first, "Out of memory: Killed task 79 (oomwl) total-vm:180188kB, "
			 "anon-rss:179196kB, file-rss:4kB, shmem-rss:648kB, UID:0 pgtables:392kB "
			 "oom_score_adj:0");

	one_result(&r, "global-oom", &good);
	report_json(&r, 1, &base);
	ck_assert_ptr_nonnull(strstr(base.s, "\"log_unrecognised\": 0"));
	ck_assert_ptr_nonnull(strstr(base.s, "\"log_unrecognised_first\": null"));
	one_result(&r, "global-oom", &bad);
	report_json(&r, 1, &new_);
	ck_assert_ptr_nonnull(strstr(new_.s, "\"log_unrecognised\": 1"));
	ck_assert_int_eq(report_load_json(new_.s, new_.len, &back, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(back[0].obs.log_unrec.n, 1);
	ck_assert_str_eq(back[0].obs.log_unrec.first, bad.log_unrec.first);
	result_free(&back[0]);
	free(back);

	ck_assert_int_eq(diff_results(base.s, new_.s, &s, &out, &err), 0);
	ck_assert_uint_eq(s.log_format, 1);
	ck_assert(diff_fails(&s));
	ck_assert_ptr_nonnull(strstr(out.s, "log format: global-oom: the parser no longer recognises: "
				     "Out of memory: Killed task 79 (oomwl) total-vm:180188kB"));
	/* the other way round (the new kernel fixed it) and unchanged runs pass */
	buf_reset(&out);
	ck_assert_int_eq(diff_results(new_.s, base.s, &s, &out, &err), 0);
	ck_assert_uint_eq(s.log_format, 0);
	ck_assert_int_eq(diff_results(new_.s, new_.s, &s, &out, &err), 0);
	ck_assert_uint_eq(s.log_format, 0);
	ck_assert(!diff_fails(&s));
	observed_free(&good);
	observed_free(&bad);
	buf_release(&base);
	buf_release(&new_);
	buf_release(&out);
	buf_release(&err);
}
END_TEST

Suite *suite_klog_format(void)
{
	Suite *s = suite_create("klog_format");
	TCase *tc = tcase_create("klog_format");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, keyword_lines);
	tcase_add_test(tc, real_vm_fixtures_all_recognised);
	tcase_add_test(tc, real_incidents_all_recognised);
	tcase_add_test(tc, mutated_kill_line_fails_the_gate);
	suite_add_tcase(s, tc);
	return s;
}
