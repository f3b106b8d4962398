/* spawn.c - see spawn.h */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fiu-local.h>

#include "cleanup.h"

void child_arg(struct child *c, const char *arg)
{
	if (c->argc + 2 > c->alloc) {
		size_t n = c->alloc ? c->alloc * 2 : 16;
		char **v = realloc(c->argv, n * sizeof(*v));

		if (!v)
			abort();
		c->argv = v;
		c->alloc = n;
	}
	c->argv[c->argc] = strdup(arg);
	if (!c->argv[c->argc])
		abort();
	c->argv[++c->argc] = NULL;
}

void child_argf(struct child *c, const char *fmt, ...)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	child_arg(c, b.s);
}

void child_clear(struct child *c)
{
	for (size_t i = 0; i < c->argc; i++)
		free(c->argv[i]);
	free(c->argv);
	c->argv = NULL;
	c->argc = c->alloc = 0;
}

int child_keep_fd(struct child *c, int fd)
{
	if (fd < 0 || c->nkeep >= CHILD_KEEP_FDS)
		return -1;
	c->keep_fd[c->nkeep++] = fd;
	return 0;
}

static int open_redirect(const char *path, int flags)
{
	if (!path || !*path)
		return open("/dev/null", flags | O_CLOEXEC);
	return open(path, flags | O_CLOEXEC, 0644);
}

/* Die with the controller: SIGKILL when the parent exits, whatever way.
 * If the parent is already gone (it died between fork and prctl), the
 * signal will never come: leave now. */
static int tie_to_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return -1;
	if (getppid() != parent)
		_exit(127);
	return 0;
}

/* The descriptors the child keeps lose FD_CLOEXEC. */
static int keep_fds(const struct child *c)
{
	for (size_t i = 0; i < c->nkeep; i++) {
		int fl = fcntl(c->keep_fd[i], F_GETFD);

		if (fl < 0 || fcntl(c->keep_fd[i], F_SETFD, fl & ~FD_CLOEXEC) < 0)
			return -1;
	}
	return 0;
}

/* Default dispositions and an empty mask: the controller blocks the
 * signals it reads from a signalfd, and exec keeps the mask. */
static void reset_signals(void)
{
	sigset_t none;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* In the child, after fork: never returns. */
static void exec_child(struct child *c, int report_fd, pid_t parent)
{
	int in = open_redirect(c->stdin_path, O_RDONLY);
	int e;

	setpgid(0, 0);
	if (tie_to_parent(parent) < 0 || keep_fds(c) < 0)
		goto fail;
	if (in < 0 || dup2(in, 0) < 0)
		goto fail;
	if (c->stdout_path) {
		int out = open_redirect(c->stdout_path, O_WRONLY | O_CREAT | O_TRUNC);
		if (out < 0 || dup2(out, 1) < 0)
			goto fail;
	}
	if (c->stderr_path) {
		if (!strcmp(c->stderr_path, "=stdout")) {
			if (dup2(1, 2) < 0)
				goto fail;
		} else {
			int fd = open_redirect(c->stderr_path, O_WRONLY | O_CREAT | O_TRUNC);
			if (fd < 0 || dup2(fd, 2) < 0)
				goto fail;
		}
	}
	if (c->cwd && chdir(c->cwd) < 0)
		goto fail;
	reset_signals();
	if (fiu_fail("oomlab/spawn/exec")) {
		errno = ENOENT;
		goto fail;
	}
	execvp(c->argv[0], c->argv);
fail:
	e = errno;
	if (write(report_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

int child_start(struct child *c, struct buf *err)
{
	int pipefd[2], e;
	pid_t parent = getpid();
	ssize_t n;

	c->finished = false;
	if (!c->argc) {
		buf_addstr(err, "internal error: empty command");
		return -1;
	}
	if (fiu_fail("oomlab/spawn/pipe")) {
		buf_addf(err, "cannot run %s: pipe: %s", c->argv[0], strerror(EMFILE));
		return -1;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		buf_addf(err, "cannot run %s: pipe: %s", c->argv[0], strerror(errno));
		return -1;
	}
	if (fiu_fail("oomlab/spawn/fork")) {
		errno = EAGAIN;
		c->pid = -1;
	} else {
		c->pid = fork();
	}
	if (c->pid < 0) {
		buf_addf(err, "cannot run %s: fork: %s", c->argv[0], strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (c->pid == 0) {
		close(pipefd[0]);
		exec_child(c, pipefd[1], parent);
	}
	setpgid(c->pid, c->pid); /* also in the parent: no race with child_kill */
	close(pipefd[1]);
	do
		n = read(pipefd[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n == (ssize_t)sizeof(e)) {
		waitpid(c->pid, &c->status, 0);
		c->finished = true;
		c->pid = -1;
		buf_addf(err, "cannot run %s: %s", c->argv[0], strerror(e));
		return -1;
	}
	return 0;
}

int child_poll(struct child *c)
{
	pid_t r;

	if (c->finished)
		return 1;
	r = waitpid(c->pid, &c->status, WNOHANG);
	if (r < 0)
		return errno == EINTR ? 0 : -1;
	if (r == 0)
		return 0;
	c->finished = true;
	return 1;
}

int child_finish(struct child *c)
{
	while (!c->finished) {
		if (waitpid(c->pid, &c->status, 0) == c->pid)
			c->finished = true;
		else if (errno != EINTR)
			return -1;
	}
	return 0;
}

void child_kill(struct child *c)
{
	if (c->finished || c->pid <= 0)
		return;
	kill(-c->pid, SIGKILL);
	kill(c->pid, SIGKILL);
	child_finish(c);
}

void describe_status(struct buf *b, int status)
{
	if (WIFEXITED(status))
		buf_addf(b, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		buf_addf(b, "signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		buf_addf(b, "status 0x%x", status);
}

static int read_all(int fd, struct buf *out, size_t max)
{
	char tmp[8192];
	ssize_t n;

	while ((n = read(fd, tmp, sizeof(tmp))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (out && out->len < max)
			buf_add(out, tmp, (size_t)n > max - out->len ? max - out->len : (size_t)n);
	}
	return 0;
}

int run_capture(const char *const *argv, struct buf *out, size_t max, struct buf *err)
{
	struct child c = CHILD_INIT;
	char path[] = "/tmp/oomlab-capture-XXXXXX";
	_cleanup_close_ int fd = mkostemp(path, O_CLOEXEC);
	int ret = -1;

	if (fd < 0) {
		buf_addf(err, "cannot run %s: temp file: %s", argv[0], strerror(errno));
		return -1;
	}
	unlink(path);
	for (size_t i = 0; argv[i]; i++)
		child_arg(&c, argv[i]);
	/* The child writes to the unlinked file through /proc/self/fd. */
	char fdpath[64];
	snprintf(fdpath, sizeof(fdpath), "/proc/%d/fd/%d", (int)getpid(), fd);
	c.stdout_path = fdpath;
	if (child_start(&c, err) == 0 && child_finish(&c) == 0) {
		lseek(fd, 0, SEEK_SET);
		if (read_all(fd, out, max) < 0)
			buf_addf(err, "%s: reading its output: %s", argv[0], strerror(errno));
		else if (WIFEXITED(c.status))
			ret = WEXITSTATUS(c.status);
		else {
			buf_addf(err, "%s was killed: ", argv[0]);
			describe_status(err, c.status);
		}
	}
	child_clear(&c);
	return ret;
}
