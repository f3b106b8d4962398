/* test_spawn.c - child processes: start and wait, failures of pipe, fork
 * and exec (real and injected with libfiu), inherited descriptors, and the
 * death signal that takes a child down with its parent. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fiu.h>
#include <fiu-control.h>

#include "cleanup.h"
#include "spawn.h"
#include "suites.h"

START_TEST(start_and_finish)
{
	struct child c = CHILD_INIT;
	struct buf err = BUF_INIT;

	child_arg(&c, "sh");
	child_arg(&c, "-c");
	child_argf(&c, "exit %d", 3);
	ck_assert_int_eq(child_start(&c, &err), 0);
	ck_assert_int_eq(child_finish(&c), 0);
	ck_assert(WIFEXITED(c.status));
	ck_assert_int_eq(WEXITSTATUS(c.status), 3);
	child_clear(&c);
	buf_release(&err);
}
END_TEST

START_TEST(exec_fails_cleanly)
{
	struct child c = CHILD_INIT;
	struct buf err = BUF_INIT;

	child_arg(&c, "/nonexistent/qemu");
	ck_assert_int_eq(child_start(&c, &err), -1);
	ck_assert_str_eq(err.s, "cannot run /nonexistent/qemu: No such file or directory");
	ck_assert(c.finished);
	child_clear(&c);
	buf_release(&err);
}
END_TEST

static const struct {
	const char *point, *want;
} spawn_faults[] = {
	{ "oomlab/spawn/fork", "cannot run true: fork: Resource temporarily unavailable" },
	{ "oomlab/spawn/exec", "cannot run true: No such file or directory" },
	{ "oomlab/spawn/pipe", "cannot run true: pipe: Too many open files" },
};

START_TEST(injected_faults)
{
	struct child c = CHILD_INIT;
	struct buf err = BUF_INIT;
	const char *argv[] = { "true", NULL };

	child_arg(&c, "true");
	ck_assert_int_eq(fiu_init(0), 0);
	ck_assert_int_eq(fiu_enable(spawn_faults[_i].point, 1, NULL, 0), 0);
	ck_assert_int_eq(child_start(&c, &err), -1);
	ck_assert_str_eq(err.s, spawn_faults[_i].want);
	buf_reset(&err);
	ck_assert_int_eq(run_capture(argv, NULL, 0, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.s, "cannot run true"));
	fiu_disable(spawn_faults[_i].point);
	buf_reset(&err);
	ck_assert_int_eq(run_capture(argv, NULL, 0, &err), 0);
	child_clear(&c);
	buf_release(&err);
}
END_TEST

START_TEST(keeps_only_given_fds)
{
	struct child c = CHILD_INIT;
	struct buf err = BUF_INIT;
	int kept[2], other[2];
	char got[16] = "";

	ck_assert_int_eq(pipe2(kept, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(other, O_CLOEXEC), 0);
	child_arg(&c, "sh");
	child_arg(&c, "-c");
	child_argf(&c, "echo kept >&%d && { echo leak >&%d; } 2>/dev/null; exit 0", kept[1], other[1]);
	ck_assert_int_eq(child_keep_fd(&c, kept[1]), 0);
	ck_assert_int_eq(child_start(&c, &err), 0);
	ck_assert_int_eq(child_finish(&c), 0);
	close(kept[1]);
	close(other[1]);
	ck_assert_int_eq(read(kept[0], got, sizeof(got) - 1), 5);
	ck_assert_str_eq(got, "kept\n");
	ck_assert_int_eq(read(other[0], got, sizeof(got)), 0); /* never inherited */
	for (int i = 0; i < CHILD_KEEP_FDS - 1; i++)
		ck_assert_int_eq(child_keep_fd(&c, 0), 0);
	ck_assert_int_eq(child_keep_fd(&c, 0), -1);
	close(kept[0]);
	close(other[0]);
	child_clear(&c);
	buf_release(&err);
}
END_TEST

/* The parent (a controller) is killed with SIGKILL: its child (a QEMU)
 * gets SIGKILL too, and, reparented to us (a subreaper), is reaped here. */
START_TEST(child_dies_with_parent)
{
	int pidpipe[2], status = 0;
	pid_t controller, qemu = 0, r = 0;

	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	ck_assert_int_eq(pipe(pidpipe), 0);
	controller = fork();
	ck_assert_int_ge(controller, 0);
	if (controller == 0) {
		struct child c = CHILD_INIT;
		struct buf err = BUF_INIT;

		child_arg(&c, "sleep");
		child_arg(&c, "1000");
		if (child_start(&c, &err) < 0)
			_exit(1);
		if (write(pidpipe[1], &c.pid, sizeof(c.pid)) != sizeof(c.pid))
			_exit(1);
		pause();
		_exit(0);
	}
	ck_assert_int_eq(read(pidpipe[0], &qemu, sizeof(qemu)), (ssize_t)sizeof(qemu));
	ck_assert_int_eq(kill(controller, SIGKILL), 0);
	ck_assert_int_eq(waitpid(controller, &status, 0), controller);
	for (int i = 0; i < 250 && (r = waitpid(qemu, &status, WNOHANG)) == 0; i++) {
		struct timespec ts = { 0, 20000000 };

		nanosleep(&ts, NULL);
	}
	ck_assert_int_eq(r, qemu);
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_eq(WTERMSIG(status), SIGKILL);
	close(pidpipe[0]);
	close(pidpipe[1]);
}
END_TEST

/* The controller blocks SIGTERM for its signalfd: a child must not inherit
 * the mask (QEMU would then ignore a SIGTERM). */
START_TEST(child_mask_is_clear)
{
	struct child c = CHILD_INIT;
	struct buf err = BUF_INIT;
	sigset_t set, old;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	child_arg(&c, "sleep");
	child_arg(&c, "1000");
	ck_assert_int_eq(child_start(&c, &err), 0);
	{
		struct timespec ts = { 0, 100000000 };

		nanosleep(&ts, NULL);
	}
	ck_assert_int_eq(kill(c.pid, SIGTERM), 0);
	ck_assert_int_eq(child_finish(&c), 0);
	ck_assert(WIFSIGNALED(c.status));
	ck_assert_int_eq(WTERMSIG(c.status), SIGTERM);
	sigprocmask(SIG_SETMASK, &old, NULL);
	child_clear(&c);
	buf_release(&err);
}
END_TEST

START_TEST(capture_and_describe)
{
	const char *argv[] = { "sh", "-c", "printf 'hello world'; kill -9 $$", NULL };
	const char *ok[] = { "printf", "abcdef", NULL };
	struct buf out = BUF_INIT, err = BUF_INIT;

	ck_assert_int_eq(run_capture(ok, &out, 3, &err), 0);
	ck_assert_str_eq(out.s, "abc");
	buf_reset(&out);
	ck_assert_int_eq(run_capture(argv, &out, 100, &err), -1);
	ck_assert_str_eq(err.s, "sh was killed: signal 9 (Killed)");
	buf_release(&out);
	buf_release(&err);
}
END_TEST

Suite *suite_spawn(void)
{
	Suite *s = suite_create("spawn");
	TCase *t = tcase_create("spawn");

	tcase_add_test(t, start_and_finish);
	tcase_add_test(t, exec_fails_cleanly);
	tcase_add_loop_test(t, injected_faults, 0, (int)ARRAY_SIZE(spawn_faults));
	tcase_add_test(t, keeps_only_given_fds);
	tcase_add_test(t, child_dies_with_parent);
	tcase_add_test(t, child_mask_is_clear);
	tcase_add_test(t, capture_and_describe);
	suite_add_tcase(s, t);
	return s;
}
