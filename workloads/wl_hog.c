/* wl_hog.c - `hog size=BYTES chunk=BYTES [procs=N] [adj=A,B,..]
 * [sleepers=N] [names=a,b,..]`: map and touch chunk after chunk until size
 * bytes are touched.  Each chunk is its own mapping, so under overcommit_memory=2 the
 * refusal comes as ENOMEM from mmap (reported with how much was touched),
 * and otherwise the page faults drive the OOM killer (global or memcg).
 *
 * Without procs, adj, sleepers and names: one process, which a kill shows
 * as the step's signal.  With any of them, a family (hog_family below): the
 * parent protects itself (oom_score_adj -1000) and forks procs hogs, each
 * touching size bytes, and sleepers idle members, each with its adj and its
 * name (comm); a kill then shows in the lines the parent prints.  Format: workloads/README.md, Stressors.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wl.h"

int wl_hog_run(const struct wl_hog *h)
{
	char extra[128];

	while (*h->touched < h->size) {
		long long want = h->size - *h->touched < h->chunk ? h->size - *h->touched : h->chunk;
		char *p = mmap(NULL, (size_t)want, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		const char *op = "mmap";
		int err = p == MAP_FAILED ? errno : 0;

		if (!err && h->prepare && (err = h->prepare(p, (size_t)want, h->ctx)))
			op = h->prepare_op;
		if (err) {
			snprintf(extra, sizeof(extra), ",\"touched\":%lld%s", *h->touched,
				 h->extra ? h->extra : "");
			wl_emit_refused_x(op, want, err, extra);
			if (h->err)
				*h->err = err;
			return WL_REFUSED;
		}
		wl_touch(p, (size_t)want, h->touched);
	}
	return WL_OK;
}

/* ---- the family: procs hogs and sleepers under a protected parent ---- */

#define HOG_MAX_PROCS    16
#define HOG_MAX_SLEEPERS 16
#define HOG_MAX_MEMBERS  (HOG_MAX_PROCS + HOG_MAX_SLEEPERS)

/* One page shared by the parent and the members (MAP_SHARED, so it
 * survives a member's death): how far each got and why it stopped. */
struct hog_shared {
	int abort;                   /* set by the parent before "go": do not hog */
	struct {
		long long touched;
		long long bytes;         /* the refused chunk */
		int err;                 /* errno of the refused mmap, 0 */
		int adj_err;             /* errno of the oom_score_adj write, 0 */
	} slot[HOG_MAX_MEMBERS];
};

/* A comm is at most 15 bytes (TASK_COMM_LEN 16 with the NUL,
 * include/linux/sched.h; PR_SET_NAME cuts longer names, kernel/sys.c). */
#define HOG_COMM_MAX 16

struct hog_member {
	pid_t pid;
	int adj;
	char name[HOG_COMM_MAX];     /* "": keep the comm "oomwl" */
	bool sleeper, reaped;
	int status;
};

struct hogfam {
	long long size, chunk;
	int procs, sleepers, n;
	struct hog_member m[HOG_MAX_MEMBERS];
	struct hog_shared *sh;
	/* Pipes.  ready: each member writes a byte once its adj is set; go:
	 * the parent closes it to start the hogs; fin: each hog closes it when
	 * it has finished (or died), so EOF means all have; stop: the parent
	 * closes it to end every member. */
	int ready[2], go[2], fin[2], stop[2];
	pid_t parent;
};

/* "A,B,C": each from -1000 to 1000, at most n of them; the rest stay 0. */
static bool parse_adj(const char *s, struct hogfam *f)
{
	int i = 0;

	while (s && *s) {
		char *end;
		long v;

		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || end == s || v < -1000 || v > 1000 || i >= f->n ||
		    (*end && *end != ','))
			return false;
		f->m[i++].adj = (int)v;
		s = *end ? end + 1 : NULL;
		if (s && !*s)
			return false;
	}
	return true;
}

/* "a,b,c": each 1-15 bytes of printable ASCII other than blank, ',' and
 * '"' or '\\' (so the lines that quote them stay JSON), at most n of them;
 * the rest keep their comm. */
static bool parse_names(const char *s, struct hogfam *f)
{
	int i = 0;

	if (s && strlen(s) > WL_TEXT_ARG_MAX)
		return false;
	while (s && *s) {
		size_t len = strcspn(s, ",");

		if (len == 0 || len >= HOG_COMM_MAX || i >= f->n)
			return false;
		for (size_t k = 0; k < len; k++)
			if (s[k] <= ' ' || s[k] >= 0x7f || s[k] == '"' || s[k] == '\\')
				return false;
		memcpy(f->m[i].name, s, len);
		f->m[i++].name[len] = '\0';
		s += len;
		if (*s == ',' && !*++s)
			return false;
	}
	return true;
}

/* Block until every writer of fd has closed it. */
static void wait_eof(int fd)
{
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r == 0 || (r < 0 && errno != EINTR))
			return;
	}
}

/* In a member: drop the pipe ends it does not use, die with the parent,
 * set its oom_score_adj, say so, and tell the parent it is ready.
 * Returns 0 or the errno of the oom_score_adj write. */
static int member_setup(struct hogfam *f, int i)
{
	struct hog_member *m = &f->m[i];
	char extra[64], c = 1;
	int err;

	close(f->ready[0]);
	close(f->go[1]);
	close(f->fin[0]);
	close(f->stop[1]);
	if (m->sleeper)
		close(f->fin[1]);
	/* Die with the parent (the agent kills it at the step's timeout). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != f->parent)
		_exit(WL_KILLED);
	/* The comm the kernel prints in its task table and kill line. */
	if (m->name[0])
		prctl(PR_SET_NAME, m->name, 0, 0, 0);
	err = wl_set_oom_score_adj(m->adj);
	f->sh->slot[i].adj_err = err;
	if (err) {
		snprintf(extra, sizeof(extra), ",\"pid\":%d,\"adj\":%d", (int)getpid(), m->adj);
		wl_emit_error("oom_score_adj", err, extra);
	} else {
		wl_emit("{\"op\":\"child\",\"pid\":%d,\"adj\":%d,\"role\":\"%s\"}", (int)getpid(),
			m->adj, m->sleeper ? "sleeper" : "hog");
	}
	(void)!write(f->ready[1], &c, 1);
	close(f->ready[1]);
	return err;
}

static void member_run(struct hogfam *f, int i) __attribute__((noreturn));
static void member_run(struct hogfam *f, int i)
{
	char extra[32];
	struct wl_hog h = { .size = f->size, .chunk = f->chunk, .touched = &f->sh->slot[i].touched,
			    .extra = extra, .err = &f->sh->slot[i].err };
	int ret;

	if (member_setup(f, i))
		_exit(WL_REFUSED);
	if (f->m[i].sleeper) {
		wait_eof(f->stop[0]);
		_exit(WL_OK);
	}
	wait_eof(f->go[0]);
	if (f->sh->abort)
		_exit(WL_OK);
	snprintf(extra, sizeof(extra), ",\"pid\":%d", (int)getpid());
	ret = wl_hog_run(&h);
	if (ret != WL_OK)
		f->sh->slot[i].bytes = f->size - *h.touched < f->chunk ? f->size - *h.touched : f->chunk;
	/* Keep what it has until every hog has finished, so that their
	 * memory adds up. */
	close(f->fin[1]);
	wait_eof(f->stop[0]);
	_exit(ret);
}

/* Fork every member: 0, or the errno of the fork that failed (the caller
 * then stops the members already running). */
static int fork_members(struct hogfam *f)
{
	for (int i = 0; i < f->n; i++) {
		pid_t pid = fork();

		if (pid == 0)
			member_run(f, i);
		if (pid < 0)
			return errno;
		f->m[i].pid = pid;
	}
	return 0;
}

static void reap_line(const struct hogfam *f, const struct hog_member *m)
{
	char how[48];

	if (WIFSIGNALED(m->status))
		snprintf(how, sizeof(how), "\"exit\":null,\"signal\":%d", WTERMSIG(m->status));
	else
		snprintf(how, sizeof(how), "\"exit\":%d,\"signal\":null", WEXITSTATUS(m->status));
	wl_emit("{\"op\":\"reaped\",\"pid\":%d,\"role\":\"%s\",\"adj\":%d,%s,\"touched\":%lld}",
		(int)m->pid, m->sleeper ? "sleeper" : "hog", m->adj, how,
		f->sh->slot[m - f->m].touched);
}

/* Reap every member that was forked. */
static void reap_all(struct hogfam *f)
{
	int left = 0;

	for (int i = 0; i < f->n; i++)
		left += f->m[i].pid > 0;
	while (left > 0) {
		int st, i;
		pid_t pid = waitpid(-1, &st, 0);

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			break;
		for (i = 0; i < f->n && f->m[i].pid != pid; i++)
			;
		if (i == f->n || f->m[i].reaped)
			continue;
		f->m[i].reaped = true;
		f->m[i].status = st;
		left--;
		reap_line(f, &f->m[i]);
	}
}

/* Wait until each member has set its oom_score_adj (one byte each) or
 * ended; true if all succeeded. */
static bool members_ready(struct hogfam *f)
{
	int got = 0;
	char c[HOG_MAX_MEMBERS];

	while (got < f->n) {
		ssize_t r = read(f->ready[0], c, sizeof(c));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (int)r;
	}
	for (int i = 0; i < f->n; i++)
		if (f->sh->slot[i].adj_err)
			return false;
	return got >= f->n;
}

/* The last line: why the family ended; returns the exit code. */
static int family_result(const struct hogfam *f)
{
	long long touched = 0;
	int killed = 0, failed = -1, refused = -1;
	char extra[160];

	for (int i = 0; i < f->n; i++) {
		const struct hog_member *m = &f->m[i];

		touched += f->sh->slot[i].touched;
		if (!m->reaped || WIFSIGNALED(m->status))
			killed++;
		else if (WEXITSTATUS(m->status) == WL_REFUSED && f->sh->slot[i].err)
			refused = refused < 0 ? i : refused;
		else if (WEXITSTATUS(m->status) != WL_OK)
			failed = failed < 0 ? i : failed;
	}
	if (killed || failed >= 0) {
		wl_emit("{\"op\":\"hog\",\"ok\":false,\"error\":\"%d member(s) killed, %s\","
			"\"procs\":%d,\"sleepers\":%d,\"killed\":%d,\"bytes\":%lld,\"touched\":%lld}",
			killed, failed >= 0 ? "one failed" : "none failed", f->procs, f->sleepers,
			killed, f->size * f->procs, touched);
		return WL_KILLED;
	}
	if (refused >= 0) {
		snprintf(extra, sizeof(extra), ",\"touched\":%lld,\"pid\":%d,\"procs\":%d", touched,
			 (int)f->m[refused].pid, f->procs);
		wl_emit_refused_x("mmap", f->sh->slot[refused].bytes, f->sh->slot[refused].err, extra);
		return WL_REFUSED;
	}
	wl_emit("{\"op\":\"done\",\"ok\":true,\"bytes\":%lld,\"touched\":%lld,\"procs\":%d,"
		"\"sleepers\":%d}", f->size * f->procs, touched, f->procs, f->sleepers);
	return WL_OK;
}

static int protect_parent(void)
{
	int err = wl_set_oom_score_adj(-1000);
	char extra[64];

	if (!err) {
		wl_emit("{\"op\":\"parent\",\"pid\":%d,\"adj\":-1000,\"protected\":true}", (int)getpid());
		return 0;
	}
	snprintf(extra, sizeof(extra), ",\"pid\":%d,\"adj\":%d", (int)getpid(),
		 wl_get_oom_score_adj());
	wl_emit("{\"op\":\"parent\",\"protected\":false,\"errno\":%d%s}", err, extra);
	return err;
}

static int family_setup(struct hogfam *f)
{
	f->sh = mmap(NULL, sizeof(*f->sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (f->sh == MAP_FAILED) {
		wl_emit_refused("mmap", (long long)sizeof(*f->sh), errno, -1);
		return WL_REFUSED;
	}
	if (pipe(f->ready) || pipe(f->go) || pipe(f->fin) || pipe(f->stop)) {
		wl_emit_error("pipe", errno, "");
		return WL_REFUSED;
	}
	return WL_OK;
}

static int hog_family(struct hogfam *f)
{
	int err, ret;

	protect_parent();
	f->parent = getpid();
	ret = family_setup(f);
	if (ret != WL_OK)
		return ret;
	err = fork_members(f);
	close(f->ready[1]);
	close(f->go[0]);
	close(f->fin[1]);
	close(f->stop[0]);
	if (err || !members_ready(f))
		f->sh->abort = 1;
	close(f->go[1]);
	wait_eof(f->fin[0]);
	close(f->stop[1]);
	reap_all(f);
	if (err) {
		wl_emit_error("fork", err, "");
		return WL_REFUSED;
	}
	for (int i = 0; i < f->n; i++)
		if (f->sh->slot[i].adj_err) {
			wl_emit_error("oom_score_adj", f->sh->slot[i].adj_err, "");
			return WL_REFUSED;
		}
	return family_result(f);
}

int wl_hog(int argc, char **argv)
{
	long long size = 0, chunk = 1LL << 20, procs = 1, sleepers = 0, touched = 0;
	const char *adj = NULL, *names = NULL;
	struct wl_arg args[] = {
		{ .key = "size", .value = &size, .min = 1, .max = LLONG_MAX, .required = true },
		{ .key = "chunk", .value = &chunk, .min = 1, .max = 1LL << 40 },
		{ .key = "procs", .value = &procs, .min = 1, .max = HOG_MAX_PROCS },
		{ .key = "sleepers", .value = &sleepers, .min = 0, .max = HOG_MAX_SLEEPERS },
		{ .key = "adj", .text = &adj },
		{ .key = "names", .text = &names },
	};
	struct wl_hog h = { .touched = &touched };
	struct hogfam f = { 0 };

	if (!wl_parse_args(argc, argv, args, sizeof(args) / sizeof(args[0])))
		return WL_BADARGS;
	h.size = size;
	h.chunk = chunk;
	if (!args[2].seen && !args[3].seen && !args[4].seen && !args[5].seen) {
		if (wl_hog_run(&h) != WL_OK)
			return WL_REFUSED;
		wl_emit("{\"op\":\"done\",\"ok\":true,\"bytes\":%lld,\"touched\":%lld}", size, touched);
		return WL_OK;
	}
	if (size > LLONG_MAX / procs)
		return wl_bad_args("size * procs is too large", argv[0]);
	f.size = size;
	f.chunk = chunk;
	f.procs = (int)procs;
	f.sleepers = (int)sleepers;
	f.n = f.procs + f.sleepers;
	for (int i = 0; i < f.n; i++)
		f.m[i].sleeper = i >= f.procs;
	if (!parse_adj(adj, &f))
		return wl_bad_args("adj: up to procs+sleepers comma-separated values from -1000 to 1000",
				   adj);
	if (!parse_names(names, &f))
		return wl_bad_args("names: up to procs+sleepers comma-separated names of 1-15 "
				   "printable characters, no blanks, quotes or backslashes", names);
	return hog_family(&f);
}
