/* oomwl.h - a family of member processes under a protected parent, the
 * helpers (in oomwl.c) that `hog` with procs/sleepers (wl_hog.c) and `sysrq`
 * (wl_sysrq.c) share: their adj= and names= lists, the parent's
 * oom_score_adj -1000, a member's first steps after fork(), the pipes that
 * say "ready" and "stop", and reaping the members.  Output lines: see
 * workloads/README.md, Stressors. */
#ifndef OOMLAB_OOMWL_H
#define OOMLAB_OOMWL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A comm is at most 15 bytes (TASK_COMM_LEN 16 with the NUL,
 * include/linux/sched.h; PR_SET_NAME cuts longer names, kernel/sys.c). */
#define WL_COMM_MAX 16

struct wl_member {
	pid_t pid;                /* 0 until forked */
	int adj;                  /* its oom_score_adj */
	char name[WL_COMM_MAX];   /* "": keep the comm "oomwl" */
	bool reaped;
	int status;               /* waitpid's, once reaped */
};

/* "A,B,C": each from -1000 to 1000, at most n of them, into m[].adj; the
 * rest stay as they are.  NULL or "" is no list (true). */
bool wl_parse_adjs(const char *s, struct wl_member *m, int n);
/* "a,b,c": each 1-15 bytes of printable ASCII other than blank, ',', '"'
 * and '\\' (so the lines that quote them stay JSON), at most n of them,
 * into m[].name; the rest keep their comm. */
bool wl_parse_names(const char *s, struct wl_member *m, int n);

/* The parent: oom_score_adj -1000, so the OOM killer chooses among the
 * members, and the line that says whether it worked:
 * {"op":"parent","pid":P,"adj":-1000,"protected":true} or
 * {"op":"parent","protected":false,"errno":E,"pid":P,"adj":A}.
 * Returns 0 or the errno of the write. */
int wl_protect_parent(void);
/* In a member right after fork(): die with the parent (SIGKILL; exit
 * WL_KILLED at once when parent is gone already), take its name as comm
 * (the kernel prints it in its task table and kill line) and set its
 * oom_score_adj.  Returns 0 or the errno of that write. */
int wl_member_enter(pid_t parent, const struct wl_member *m);
/* Fork m[0..n) in order, each running run(i, ctx), which ends the child
 * (_exit); sets m[i].pid.  Returns 0, or the errno of the fork that failed
 * (the members forked before it are running). */
typedef void wl_member_fn(int i, void *ctx);
int wl_fork_members(struct wl_member *m, int n, wl_member_fn *run, void *ctx);
/* Block until every writer of fd has closed it. */
void wl_wait_eof(int fd);
/* Read the one byte each ready member writes to fd, until n have come or
 * every writer is gone; returns how many came. */
int wl_wait_ready(int fd, int n);
/* Reap members of m[0..n) as they end (block: until no child is left),
 * calling line(m, i, ctx) for each as it is reaped; returns how many of
 * them a signal has ended so far. */
/* A reaped member's end as JSON fields: "exit":N,"signal":null, or
 * "exit":null,"signal":S. */
void wl_exit_fields(int status, char *out, size_t len);
typedef void wl_reaped_fn(const struct wl_member *m, int i, void *ctx);
int wl_reap_members(struct wl_member *m, int n, bool block, wl_reaped_fn *line, void *ctx);

#endif
