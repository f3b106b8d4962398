/* spawn.h - child processes, after git's run-command API.
 *
 *   struct child c = CHILD_INIT;
 *   child_arg(&c, "qemu-system-x86_64"); child_argf(&c, "-m %uM", mb);
 *   c.stdout_path = "console.log";
 *   if (child_start(&c, err) < 0) ...
 *   child_finish(&c);   waits; c.status holds the waitpid status
 *
 * A started child is put in its own process group, so child_kill() reaches
 * everything it spawned, and gets SIGKILL when the controller dies
 * (PR_SET_PDEATHSIG, set before exec), so that no QEMU outlives a controller
 * killed by SIGKILL.  child_clear() frees the argv.
 *
 * libfiu points: oomlab/spawn/fork (fork fails, EAGAIN), oomlab/spawn/exec
 * (exec fails in the child, ENOENT), oomlab/spawn/pipe (EMFILE).
 */
#ifndef OOMLAB_SPAWN_H
#define OOMLAB_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "buf.h"

#define CHILD_KEEP_FDS 4

struct child {
	char **argv;
	size_t argc, alloc;
	const char *stdin_path;  /* NULL: /dev/null */
	const char *stdout_path; /* NULL: inherit; "" : /dev/null */
	const char *stderr_path; /* NULL: inherit; "" : /dev/null; "=stdout": same as stdout */
	const char *cwd;
	int keep_fd[CHILD_KEEP_FDS]; /* open descriptors the child inherits as they are */
	size_t nkeep;
	pid_t pid;
	int status;       /* waitpid status after child_finish/child_poll */
	bool finished;
};

#define CHILD_INIT { .pid = -1 }

void child_arg(struct child *c, const char *arg);
void child_argf(struct child *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void child_clear(struct child *c);
/* The child inherits fd (same number).  Returns -1 when the list is full. */
int child_keep_fd(struct child *c, int fd);

/* fork + exec; on failure (fork, or exec reported back through a CLOEXEC
 * pipe) returns -1 and explains in err. */
int child_start(struct child *c, struct buf *err);
/* Non-blocking: 1 finished, 0 still running, -1 error. */
int child_poll(struct child *c);
/* Blocking wait. */
int child_finish(struct child *c);
/* SIGKILL to the child's process group, then reap it. */
void child_kill(struct child *c);

/* Run argv to completion, capturing stdout into out (bounded by max bytes;
 * out may be NULL).  Returns the exit code, or -1 if it could not run or was
 * killed by a signal (err says which). */
int run_capture(const char *const *argv, struct buf *out, size_t max, struct buf *err);

/* Describe a waitpid status: "exit 3", "signal 9 (Killed)". */
void describe_status(struct buf *b, int status);

#endif
