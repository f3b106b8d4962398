/* test_run.c - the run loop under faults: guests that hang, panic, crash or
 * write garbage (played by fake-qemu.sh instead of QEMU), signals and kill -9
 * of the controller, --resume, and libfiu faults in the controller's process,
 * file and memory paths.  Every test asserts the verdict and reason, that
 * results.json is valid, that no QEMU outlives the controller and that no
 * temporary file is left. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fiu.h>
#include <fiu-control.h>

#include "cleanup.h"
#include "run.h"
#include "settings.h"
#include "suites.h"
#include "test_run_int.h"

static void rt_path(char *out, size_t len, const char *rel)
{
	char tmp[PATH_MAX];

	ck_assert_ptr_nonnull(realpath(rel, tmp));
	snprintf(out, len, "%s", tmp);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

void rt_setup(struct rt *t, const char *fixture, const char *const *sel, size_t nsel)
{
	char path[PATH_MAX], rec[PATH_MAX], con[PATH_MAX];
	struct buf err = BUF_INIT;
	FILE *f;

	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/tmp/oomlab-test-run-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	snprintf(t->out, sizeof(t->out), "%s/out", t->dir);
	snprintf(t->guest, sizeof(t->guest), "%s/guest", t->dir);
	snprintf(t->log, sizeof(t->log), "%s/qemu-starts", t->dir);
	ck_assert_int_eq(mkdir(t->guest, 0755), 0);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", t->guest, i ? "oomwl" : "init");
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fputs("#!/bin/sh\n", f);
		fclose(f);
	}
	rt_path(t->qemu, sizeof(t->qemu), "fake-qemu.sh");
	snprintf(path, sizeof(path), "fixtures/vm/6.1/%s.records.jsonl", fixture);
	rt_path(rec, sizeof(rec), path);
	snprintf(path, sizeof(path), "fixtures/vm/6.1/%s.console.log", fixture);
	rt_path(con, sizeof(con), path);
	setenv("FAKE_QEMU_RECORDS", rec, 1);
	setenv("FAKE_QEMU_CONSOLE", con, 1);
	setenv("FAKE_QEMU_LOG", t->log, 1);
	ck_assert_msg(config_load("../../vmconfigs", &t->cfg, &err) == 0, "%s", err.s);
	ck_assert_msg(plan_select(&t->cfg, (char *const *)sel, nsel, &t->plan, &err) == 0, "%s", err.s);
	buf_release(&err);
	rt_path(t->k.image, sizeof(t->k.image), "fake-qemu.sh");
	snprintf(t->k.release, sizeof(t->k.release), "6.1.0-56-amd64");
	t->o = (struct run_opts){ .out_dir = t->out, .guest_dir = t->guest, .qemu = t->qemu,
				  .kernel = &t->k, .accel = ACCEL_TCG, .accel_why = "test", .jobs = 1,
				  .quiet = true, .watchdog_s = 2 };
	ck_assert_int_eq(mkdir(t->out, 0755), 0);
}

void rt_teardown(struct rt *t)
{
	if (t->res)
		run_results_free(t->res, t->n);
	t->res = NULL;
	plan_free(&t->plan);
	config_free(&t->cfg);
	nftw(t->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int rt_run(struct rt *t)
{
	struct buf err = BUF_INIT;
	int status;

	if (t->res)
		run_results_free(t->res, t->n);
	t->res = NULL;
	t->n = 0;
	status = run_plan(&t->plan, &t->o, &t->res, &t->n, &err);
	if (status < 0)
		snprintf(t->err, sizeof(t->err), "%s", err.s);
	buf_release(&err);
	return status;
}

/* results.json read back: what the run saved on disk. */
size_t rt_saved(const struct rt *t, struct result **r)
{
	char path[PATH_MAX];
	struct buf text = BUF_INIT, err = BUF_INIT;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/results.json", t->out);
	ck_assert_int_eq(buf_read_file(&text, path, 64u << 20, NULL), 0);
	ck_assert_msg(report_load_json(text.s, text.len, r, &n, &err) == 0, "%s", err.s);
	buf_release(&text);
	buf_release(&err);
	return n;
}

void rt_free_saved(struct result *r, size_t n)
{
	run_results_free(r, n);
}

bool rt_has_evidence(const struct result *r, const char *needle)
{
	for (size_t i = 0; i < r->obs.nevidence; i++)
		if (r->obs.evidence[i] && strstr(r->obs.evidence[i], needle))
			return true;
	return false;
}

/* Nothing temporary left: no .work, no NAME.tmp.XXXXXX. */
void rt_assert_clean(const struct rt *t)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/.work", t->out);
	ck_assert_msg(stat(path, &st) < 0 && errno == ENOENT, "%s is left", path);
	snprintf(path, sizeof(path), "test -z \"$(find %s -name '*.tmp.*' -o -name '*.cpio' "
		 "-o -name '*.swap')\"", t->out);
	ck_assert_msg(system(path) == 0, "temporary files left in %s", t->out);
}

/* How many QEMUs were started (lines "PID SCENARIO"), and the pid of the
 * last. */
size_t rt_started(const struct rt *t, pid_t *last)
{
	struct buf text = BUF_INIT;
	size_t n = 0;

	if (buf_read_file(&text, t->log, 1 << 20, NULL) == 0) {
		for (const char *p = text.s; (p = strchr(p, '\n')); p++)
			n++;
		if (last && n) {
			const char *start = text.s + text.len - 1;

			while (start > text.s && start[-1] != '\n')
				start--;
			*last = (pid_t)atoi(start);
		}
	}
	buf_release(&text);
	return n;
}

/* The pid of the (last) QEMU started for scenario, 0 if none. */
pid_t rt_pid_of(const struct rt *t, const char *scenario)
{
	struct buf text = BUF_INIT;
	pid_t pid = 0;
	char *save = NULL;

	if (buf_read_file(&text, t->log, 1 << 20, NULL) == 0 && text.len)
		for (char *l = strtok_r(text.s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char *sp = strchr(l, ' ');

			if (sp && !strcmp(sp + 1, scenario))
				pid = (pid_t)atoi(l);
		}
	buf_release(&text);
	return pid;
}

/* Wait until `count` QEMUs started (or 20 s). */
void rt_wait_started(const struct rt *t, size_t count)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	for (int i = 0; i < 1000 && rt_started(t, NULL) < count; i++)
		nanosleep(&ts, NULL);
	ck_assert_uint_ge(rt_started(t, NULL), count);
}

/* ---- guests that go wrong ---- */

START_TEST(pass_and_files)
{
	const char *sel[] = { "global-oom-hog" };
	struct rt t;
	struct result *saved;
	struct stat st;
	char path[PATH_MAX];

	rt_setup(&t, "global-oom", sel, 1);
	ck_assert_int_eq(rt_run(&t), 0);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_int_eq(t.res[0].verdict, VERDICT_PASS);
	ck_assert(rt_has_evidence(&t.res[0], "QMP SHUTDOWN reason guest-shutdown"));
	ck_assert_str_eq(t.res[0].console_tail, "");
	ck_assert_uint_eq(rt_saved(&t, &saved), 1);
	ck_assert_int_eq(saved[0].verdict, VERDICT_PASS);
	rt_free_saved(saved, 1);
	snprintf(path, sizeof(path), "%s/junit.xml", t.out);
	ck_assert_int_eq(stat(path, &st), 0);
	rt_assert_clean(&t);
	rt_teardown(&t);
}
END_TEST

struct bad_guest {
	const char *fixture, *scenario, *mode, *reason, *console;
	enum verdict verdict;
	const char *want;          /* in the reason */
	const char *tail;          /* in the console tail, or NULL */
};

static const struct bad_guest bad_guests[] = {
	{ "panic-on-oom-global", "panic-on-oom-global", "ok", "guest-reset", NULL,
	  VERDICT_PASS, "", NULL },
	{ "global-oom", "global-oom-hog", "ok", "guest-reset", NULL, VERDICT_ERROR,
	  "the guest did not power off: QEMU reports a reset (QMP SHUTDOWN reason guest-reset) "
	  "and the console shows no kernel panic", "Out of memory: Killed process" },
	{ "global-oom", "global-oom-hog", "ok", "host-signal", NULL, VERDICT_ERROR,
	  "QEMU was stopped from the host (QMP SHUTDOWN reason host-signal)", NULL },
	{ "global-oom", "global-oom-hog", "crash", NULL, NULL, VERDICT_ERROR,
	  "VM problem: QEMU signal 11 (Segmentation fault)", NULL },
	{ "global-oom", "global-oom-hog", "exit1", NULL, NULL, VERDICT_ERROR,
	  "VM problem: QEMU exit 1: qemu-system-x86_64: -kernel /nonexistent: could not load "
	  "kernel", NULL },
	{ "global-oom", "global-oom-hog", "garbage", NULL, NULL, VERDICT_ERROR,
	  "the guest agent never said hello", "Out of memory: Killed process" },
	{ "global-oom", "global-oom-hog", "truncated", "guest-reset", "fixtures/run/agent-killed.console.log",
	  VERDICT_ERROR, "unexpected kernel panic: Attempted to kill init! exitcode=0x00000009",
	  "end Kernel panic - not syncing: Attempted to kill init!" },
	{ "global-oom", "global-oom-hog", "hang-after-hello", NULL, NULL, VERDICT_ERROR,
	  "VM problem: no output from the guest for 2 s (console and records unchanged; watchdog)",
	  NULL },
};

START_TEST(bad_guest)
{
	const struct bad_guest *b = &bad_guests[_i];
	const char *sel[] = { b->scenario };
	struct rt t;
	struct result *saved;
	char con[PATH_MAX];

	rt_setup(&t, b->fixture, sel, 1);
	setenv("FAKE_QEMU_MODE", b->mode, 1);
	if (b->reason)
		setenv("FAKE_QEMU_REASON", b->reason, 1);
	if (b->console) {
		rt_path(con, sizeof(con), b->console);
		setenv("FAKE_QEMU_CONSOLE", con, 1);
	}
	ck_assert_int_eq(rt_run(&t), b->verdict == VERDICT_PASS ? 0 : 2);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_msg(t.res[0].verdict == b->verdict, "%s: verdict %s: %s", b->mode,
		      verdict_name(t.res[0].verdict), t.res[0].reason);
	ck_assert_msg(strstr(t.res[0].reason, b->want), "%s: reason '%s' lacks '%s'", b->mode,
		      t.res[0].reason, b->want);
	if (b->tail)
		ck_assert_msg(strstr(t.res[0].console_tail, b->tail), "console tail '%s' lacks '%s'",
			      t.res[0].console_tail, b->tail);
	if (b->verdict == VERDICT_PASS)
		ck_assert_str_eq(t.res[0].console_tail, "");
	ck_assert_uint_eq(rt_saved(&t, &saved), 1);
	ck_assert_str_eq(saved[0].reason, t.res[0].reason);
	ck_assert_str_eq(saved[0].console_tail, t.res[0].console_tail);
	rt_free_saved(saved, 1);
	rt_assert_clean(&t);
	rt_teardown(&t);
}
END_TEST

/* Without QMP the console tells the expected panic from a poweroff. */
START_TEST(expected_panic_without_qmp)
{
	const char *sel[] = { "panic-on-oom-global" };
	struct rt t;

	rt_setup(&t, "panic-on-oom-global", sel, 1);
	setenv("FAKE_QEMU_REASON", "guest-reset", 1);
	ck_assert_int_eq(fiu_init(0), 0);
	ck_assert_int_eq(fiu_enable("oomlab/qmp/socketpair", 1, NULL, 0), 0);
	ck_assert_int_eq(rt_run(&t), 0);
	fiu_disable("oomlab/qmp/socketpair");
	ck_assert_int_eq(t.res[0].verdict, VERDICT_PASS);
	ck_assert(rt_has_evidence(&t.res[0], "no QMP monitor: socketpair: Too many open files; "
				  "a panic is told from the console"));
	rt_teardown(&t);
}
END_TEST

START_TEST(boot_hang_retried_once)
{
	const char *sel[] = { "global-oom-hog" };
	struct rt t;
	char path[PATH_MAX];
	struct stat st;

	rt_setup(&t, "global-oom", sel, 1);
	setenv("FAKE_QEMU_MODE", "hang", 1);
	t.o.watchdog_s = 1;
	ck_assert_int_eq(rt_run(&t), 2);
	ck_assert_uint_eq(rt_started(&t, NULL), 2);
	ck_assert_int_eq(t.res[0].verdict, VERDICT_ERROR);
	ck_assert_msg(strstr(t.res[0].reason, "no output from the guest for 1 s (console and records "
				 "unchanged; watchdog, before the agent's hello); the boot was retried "
				 "once and hung again"), "%s", t.res[0].reason);
	ck_assert(t.res[0].duration_s >= 2.0);
	snprintf(path, sizeof(path), "%s/global-oom-hog/console.boot-hang.log", t.out);
	ck_assert_int_eq(stat(path, &st), 0);
	rt_assert_clean(&t);
	rt_teardown(&t);
}
END_TEST

START_TEST(boot_hang_once_then_pass)
{
	const char *sel[] = { "global-oom-hog" };
	struct rt t;
	char marker[PATH_MAX];

	rt_setup(&t, "global-oom", sel, 1);
	snprintf(marker, sizeof(marker), "%s/hung-once", t.dir);
	setenv("FAKE_QEMU_HANG_ONCE", marker, 1);
	t.o.watchdog_s = 1;
	ck_assert_int_eq(rt_run(&t), 0);
	ck_assert_uint_eq(rt_started(&t, NULL), 2);
	ck_assert_int_eq(t.res[0].verdict, VERDICT_PASS);
	ck_assert(rt_has_evidence(&t.res[0], "the first boot hung before the agent's hello and was "
				  "retried"));
	rt_teardown(&t);
}
END_TEST

Suite *suite_run(void)
{
	Suite *s = suite_create("run");
	TCase *t = tcase_create("guests");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, pass_and_files);
	tcase_add_loop_test(t, bad_guest, 0, (int)ARRAY_SIZE(bad_guests));
	tcase_add_test(t, expected_panic_without_qmp);
	tcase_add_test(t, boot_hang_retried_once);
	tcase_add_test(t, boot_hang_once_then_pass);
	suite_add_tcase(s, t);
	run_fault_tcases(s);
	return s;
}
