/* test_run_faults.c - the controller under faults (see test_run.c): SIGINT,
 * SIGTERM and kill -9 mid-run, --resume, libfiu faults in process, file and
 * memory paths, a directory already in use, leftovers of a killed run. */
#include <errno.h>
#include <fcntl.h>
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
#include "suites.h"
#include "run_int.h"
#include "test_run_int.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The controller in a child process, its stderr into errfile. */
static pid_t spawn_controller(struct rt *t, const char *errfile)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0)
			dup2(fd, 2);
		_exit(rt_run(t) & 0xff);
	}
	return pid;
}

/* An orphan comes to us (PR_SET_CHILD_SUBREAPER): it must die of SIGKILL
 * within 5 s, the controller's death signal. */
static void assert_orphan_killed(pid_t pid)
{
	int status = 0;
	pid_t r = 0;

	for (int i = 0; i < 250 && (r = waitpid(pid, &status, WNOHANG)) == 0; i++)
		sleep_ms(20);
	ck_assert_msg(r == pid, "QEMU %d outlived the controller", (int)pid);
	ck_assert_msg(WIFSIGNALED(status), "QEMU %d: status 0x%x", (int)pid, status);
	ck_assert_int_eq(WTERMSIG(status), SIGKILL);
}

static void assert_gone(pid_t pid)
{
	for (int i = 0; i < 250 && kill(pid, 0) == 0; i++)
		sleep_ms(20);
	ck_assert_msg(kill(pid, 0) < 0 && errno == ESRCH, "QEMU %d still runs", (int)pid);
}

/* While a guest runs, nothing temporary is on disk: QEMU holds its images
 * by descriptor. */
static void assert_no_work(const struct rt *t)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/.work", t->out);
	ck_assert_msg(stat(path, &st) < 0, "%s exists while the guest runs", path);
}

/* ---- signals ---- */

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

START_TEST(signal_mid_run)
{
	const char *sel[] = { "global-oom-hog", "mode1-mmap-over-ram-swap" };
	struct rt t;
	struct result *saved;
	char errfile[PATH_MAX];
	pid_t pid, qemu = 0;
	int status;

	rt_setup(&t, "global-oom", sel, 2);
	t.o.watchdog_s = 60;
	setenv("FAKE_QEMU_HANG_ON", t.plan.items[1].sc->name, 1);
	snprintf(errfile, sizeof(errfile), "%s/stderr", t.dir);
	pid = spawn_controller(&t, errfile);
	rt_wait_started(&t, 2);
	rt_started(&t, &qemu);
	assert_no_work(&t);
	ck_assert_int_eq(kill(pid, stop_signals[_i]), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 128 + stop_signals[_i],
		      "controller status 0x%x", status);
	assert_gone(qemu);
	ck_assert_uint_eq(rt_saved(&t, &saved), 1);
	ck_assert_str_eq(saved[0].scenario, t.plan.items[0].sc->name);
	rt_free_saved(saved, 1);
	rt_assert_clean(&t);
	rt_teardown(&t);
}
END_TEST

/* ---- kill -9 and --resume ---- */

/* results.json of r without the durations and timings (they differ
 * between runs). */
static void json_sans_time(struct result *r, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		r[i].duration_s = 0;
		r[i].timing.ready_s = r[i].timing.workload_s = 0;
	}
	report_json(r, n, out);
}

START_TEST(kill9_then_resume)
{
	const char *sel[] = { "global-oom-hog", "mode1-mmap-over-ram-swap", "memcg-oom-hog" };
	struct rt ref, t;
	struct result *saved;
	struct buf a = BUF_INIT, b = BUF_INIT;
	char errfile[PATH_MAX];
	size_t nsaved;
	pid_t pid, qemu = 0;
	int status, ref_status;

	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	rt_setup(&ref, "global-oom", sel, 3);
	ref_status = rt_run(&ref);
	ck_assert_uint_eq(ref.n, 3);

	rt_setup(&t, "global-oom", sel, 3);
	t.o.watchdog_s = 60;
	setenv("FAKE_QEMU_HANG_ON", t.plan.items[2].sc->name, 1);
	snprintf(errfile, sizeof(errfile), "%s/stderr", t.dir);
	pid = spawn_controller(&t, errfile);
	rt_wait_started(&t, 3);
	rt_started(&t, &qemu);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	assert_orphan_killed(qemu);
	rt_assert_clean(&t); /* nothing temporary left even by kill -9 */
	/* Valid JSON for every finished scenario, nothing of the third. */
	nsaved = rt_saved(&t, &saved);
	ck_assert_uint_eq(nsaved, 2);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_str_eq(saved[i].scenario, ref.res[i].scenario);
		ck_assert_int_eq(saved[i].verdict, ref.res[i].verdict);
	}

	/* --resume: only the third runs, and the outputs are the uninterrupted run's. */
	unsetenv("FAKE_QEMU_HANG_ON");
	t.o.prior = saved;
	t.o.nprior = nsaved;
	ck_assert_int_eq(rt_run(&t), ref_status);
	ck_assert_uint_eq(rt_started(&t, NULL), 4);
	ck_assert_uint_eq(t.n, 3);
	json_sans_time(ref.res, ref.n, &a);
	json_sans_time(t.res, t.n, &b);
	ck_assert_str_eq(a.s, b.s);
	rt_free_saved(saved, nsaved);
	nsaved = rt_saved(&t, &saved);
	ck_assert_uint_eq(nsaved, 3);
	rt_free_saved(saved, nsaved);
	rt_assert_clean(&t);
	buf_release(&a);
	buf_release(&b);
	rt_teardown(&t);
	rt_teardown(&ref);
}
END_TEST

/* What a killed run leaves is removed by the next run into the directory. */
START_TEST(stale_files_swept)
{
	const char *sel[] = { "global-oom-hog" };
	const char *stale[] = { ".work/global-oom-hog.cpio", "results.json.tmp.Ab12Cd",
				"global-oom-hog/plan.json.tmp.zZ9yY8" };
	struct rt t;
	char path[PATH_MAX];

	rt_setup(&t, "global-oom", sel, 1);
	snprintf(path, sizeof(path), "%s/.work", t.out);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/global-oom-hog", t.out);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	for (size_t i = 0; i < ARRAY_SIZE(stale); i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", t.out, stale[i]);
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fclose(f);
	}
	ck_assert_int_eq(rt_run(&t), 0);
	rt_assert_clean(&t);
	rt_teardown(&t);
}
END_TEST

START_TEST(directory_in_use)
{
	const char *sel[] = { "global-oom-hog" };
	struct rt t;
	int fd;

	rt_setup(&t, "global-oom", sel, 1);
	fd = open(t.out, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	ck_assert_int_eq(rt_run(&t), -1);
	ck_assert_msg(strstr(t.err, "is in use by another oomlab run"), "%s", t.err);
	ck_assert_uint_eq(rt_started(&t, NULL), 0);
	close(fd);
	ck_assert_int_eq(rt_run(&t), 0);
	rt_teardown(&t);
}
END_TEST

/* The work directory is private, even when a killed run left it open. */
START_TEST(work_dir_private)
{
	const char *sel[] = { "global-oom-hog" };
	struct rt t;
	struct run r;
	struct buf err = BUF_INIT;
	char path[PATH_MAX];
	struct stat st;
	FILE *f;

	rt_setup(&t, "global-oom", sel, 1);
	memset(&r, 0, sizeof(r));
	r.o = &t.o;
	snprintf(r.work, sizeof(r.work), "%s/.work", t.out);
	ck_assert_int_eq(mkdir(r.work, 0777), 0);
	ck_assert_int_eq(chmod(r.work, 0777), 0);
	ck_assert_int_eq(run_work_dir(&r, &err), 0);
	ck_assert_int_eq(stat(r.work, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/x.cpio", r.work);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	run_work_done(&r);
	ck_assert_int_eq(stat(r.work, &st), -1);
	buf_release(&err);
	rt_teardown(&t);
}
END_TEST

/* ---- libfiu ---- */

struct fault {
	const char *point;
	const char *want;          /* in the reason of the scenario's ERROR */
};

static const struct fault start_faults[] = {
	{ "oomlab/spawn/fork", ": fork: Resource temporarily unavailable" },
	{ "oomlab/spawn/exec", "fake-qemu.sh: No such file or directory" },
	{ "oomlab/spawn/pipe", ": pipe: Too many open files" },
	{ "oomlab/buf/read", "the record channel file cannot be read: Input/output error" },
	{ "oomlab/report/write", "/plan.json: No space left on device" },
	{ "oomlab/run/mkdir", "global-oom-hog: cannot create: Permission denied" },
};

START_TEST(fault_in_scenario)
{
	const struct fault *f = &start_faults[_i];
	const char *sel[] = { "global-oom-hog" };
	struct rt t;
	struct result *saved;

	rt_setup(&t, "global-oom", sel, 1);
	ck_assert_int_eq(fiu_init(0), 0);
	ck_assert_int_eq(fiu_enable(f->point, 1, NULL, 0), 0);
	ck_assert_int_eq(rt_run(&t), 2);
	fiu_disable(f->point);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_int_eq(t.res[0].verdict, VERDICT_ERROR);
	ck_assert_msg(strstr(t.res[0].reason, f->want), "%s: '%s' lacks '%s'", f->point,
		      t.res[0].reason, f->want);
	if (strcmp(f->point, "oomlab/report/write")) {
		ck_assert_uint_eq(rt_saved(&t, &saved), 1);
		ck_assert_str_eq(saved[0].reason, t.res[0].reason);
		rt_free_saved(saved, 1);
	}
	rt_assert_clean(&t);
	rt_teardown(&t);
}
END_TEST

/* No space for results.json: the one from before stays, whole. */
START_TEST(enospc_keeps_results)
{
	const char *sel[] = { "global-oom-hog" };
	struct rt t;
	struct buf before = BUF_INIT, after = BUF_INIT;
	char path[PATH_MAX];

	rt_setup(&t, "global-oom", sel, 1);
	ck_assert_int_eq(rt_run(&t), 0);
	snprintf(path, sizeof(path), "%s/results.json", t.out);
	ck_assert_int_eq(buf_read_file(&before, path, 1 << 20, NULL), 0);
	ck_assert_int_eq(fiu_init(0), 0);
	ck_assert_int_eq(fiu_enable("oomlab/report/write", 1, NULL, 0), 0);
	ck_assert_int_eq(rt_run(&t), 2);
	fiu_disable("oomlab/report/write");
	ck_assert_int_eq(buf_read_file(&after, path, 1 << 20, NULL), 0);
	ck_assert_str_eq(before.s, after.s);
	rt_assert_clean(&t);
	buf_release(&before);
	buf_release(&after);
	rt_teardown(&t);
}
END_TEST

/* Short reads of the files and of QMP change nothing. */
START_TEST(short_reads_same_result)
{
	const char *sel[] = { "global-oom-hog", "panic-on-oom-global" };
	struct rt t;
	struct buf a = BUF_INIT, b = BUF_INIT;

	rt_setup(&t, "global-oom", sel, 2);
	ck_assert_int_eq(rt_run(&t), 1);
	json_sans_time(t.res, t.n, &a);
	ck_assert_int_eq(fiu_init(0), 0);
	ck_assert_int_eq(fiu_enable("oomlab/buf/short-read", 1, NULL, 0), 0);
	ck_assert_int_eq(fiu_enable("oomlab/qmp/short", 1, NULL, 0), 0);
	ck_assert_int_eq(rt_run(&t), 1);
	fiu_disable("oomlab/buf/short-read");
	fiu_disable("oomlab/qmp/short");
	json_sans_time(t.res, t.n, &b);
	ck_assert_str_eq(a.s, b.s);
	ck_assert(rt_has_evidence(&t.res[0], "QMP SHUTDOWN reason guest-shutdown"));
	buf_release(&a);
	buf_release(&b);
	rt_teardown(&t);
}
END_TEST

static char alloc_log[4096];

/* Memory runs out once a QEMU runs. */
static int fail_once_running(const char *name, int *failnum, void **failinfo, unsigned *flags)
{
	(void)name;
	(void)failnum;
	(void)failinfo;
	(void)flags;
	return access(alloc_log, F_OK) == 0;
}

/* Out of memory mid-run: a clean message, the results so far intact, and the
 * running QEMU dies with the controller. */
START_TEST(alloc_failure_mid_run)
{
	const char *sel[] = { "global-oom-hog", "mode1-mmap-over-ram-swap" };
	struct rt t;
	struct result *saved;
	struct buf err = BUF_INIT;
	char errfile[PATH_MAX];
	pid_t pid, qemu = 0;
	int status;

	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	rt_setup(&t, "global-oom", sel, 2);
	t.o.jobs = 2;
	t.o.watchdog_s = 60;
	setenv("FAKE_QEMU_HANG_ON", t.plan.items[0].sc->name, 1);
	snprintf(alloc_log, sizeof(alloc_log), "%s", t.log);
	snprintf(errfile, sizeof(errfile), "%s/stderr", t.dir);
	ck_assert_int_eq(fiu_init(0), 0);
	ck_assert_int_eq(fiu_enable_external("oomlab/buf/alloc", 1, NULL, 0, fail_once_running), 0);
	pid = spawn_controller(&t, errfile);
	fiu_disable("oomlab/buf/alloc");
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "status 0x%x", status);
	ck_assert_int_eq(buf_read_file(&err, errfile, 1 << 20, NULL), 0);
	ck_assert_msg(strstr(err.s, "oomlab: out of memory\n"), "%s", err.s);
	qemu = rt_pid_of(&t, t.plan.items[0].sc->name);
	ck_assert_int_gt(qemu, 0);
	assert_orphan_killed(qemu);
	ck_assert_uint_eq(rt_saved(&t, &saved), 0);
	rt_free_saved(saved, 0);
	buf_release(&err);
	rt_teardown(&t);
}
END_TEST

void run_fault_tcases(Suite *s)
{
	TCase *t = tcase_create("faults");

	tcase_set_timeout(t, 60);
	tcase_add_loop_test(t, signal_mid_run, 0, (int)ARRAY_SIZE(stop_signals));
	tcase_add_test(t, kill9_then_resume);
	tcase_add_test(t, stale_files_swept);
	tcase_add_test(t, directory_in_use);
	tcase_add_loop_test(t, fault_in_scenario, 0, (int)ARRAY_SIZE(start_faults));
	tcase_add_test(t, enospc_keeps_results);
	tcase_add_test(t, short_reads_same_result);
	tcase_add_test(t, work_dir_private);
	tcase_add_test(t, alloc_failure_mid_run);
	suite_add_tcase(s, t);
}
