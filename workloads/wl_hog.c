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
#include <sys/wait.h>
#include <unistd.h>

#include "oomwl.h"
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

struct hogfam {
	long long size, chunk;
	int procs, sleepers, n;
	struct wl_member m[HOG_MAX_MEMBERS];   /* hogs first, then sleepers */
	bool sleeper[HOG_MAX_MEMBERS];
	struct hog_shared *sh;
	/* Pipes.  ready: each member writes a byte once its adj is set; go:
	 * the parent closes it to start the hogs; fin: each hog closes it when
	 * it has finished (or died), so EOF means all have; stop: the parent
	 * closes it to end every member. */
	int ready[2], go[2], fin[2], stop[2];
	pid_t parent;
};

/* In a member: drop the pipe ends it does not use, die with the parent,
 * set its oom_score_adj, say so, and tell the parent it is ready.
 * Returns 0 or the errno of the oom_score_adj write. */
static int member_setup(struct hogfam *f, int i)
{
	struct wl_member *m = &f->m[i];
	char extra[64], c = 1;
	int err;

	close(f->ready[0]);
	close(f->go[1]);
	close(f->fin[0]);
	close(f->stop[1]);
	if (f->sleeper[i])
		close(f->fin[1]);
	err = wl_member_enter(f->parent, m);
	f->sh->slot[i].adj_err = err;
	if (err) {
		snprintf(extra, sizeof(extra), ",\"pid\":%d,\"adj\":%d", (int)getpid(), m->adj);
		wl_emit_error("oom_score_adj", err, extra);
	} else {
		wl_emit("{\"op\":\"child\",\"pid\":%d,\"adj\":%d,\"role\":\"%s\"}", (int)getpid(),
			m->adj, f->sleeper[i] ? "sleeper" : "hog");
	}
	(void)!write(f->ready[1], &c, 1);
	close(f->ready[1]);
	return err;
}

static void member_run(int i, void *ctx) __attribute__((noreturn));
static void member_run(int i, void *ctx)
{
	struct hogfam *f = ctx;
	char extra[32];
	struct wl_hog h = { .size = f->size, .chunk = f->chunk, .touched = &f->sh->slot[i].touched,
			    .extra = extra, .err = &f->sh->slot[i].err };
	int ret;

	if (member_setup(f, i))
		_exit(WL_REFUSED);
	if (f->sleeper[i]) {
		wl_wait_eof(f->stop[0]);
		_exit(WL_OK);
	}
	wl_wait_eof(f->go[0]);
	if (f->sh->abort)
		_exit(WL_OK);
	snprintf(extra, sizeof(extra), ",\"pid\":%d", (int)getpid());
	ret = wl_hog_run(&h);
	if (ret != WL_OK)
		f->sh->slot[i].bytes = f->size - *h.touched < f->chunk ? f->size - *h.touched : f->chunk;
	/* Keep what it has until every hog has finished, so that their
	 * memory adds up. */
	close(f->fin[1]);
	wl_wait_eof(f->stop[0]);
	_exit(ret);
}

static void reap_line(const struct wl_member *m, int i, void *ctx)
{
	const struct hogfam *f = ctx;
	char how[48];

	wl_exit_fields(m->status, how, sizeof(how));
	wl_emit("{\"op\":\"reaped\",\"pid\":%d,\"role\":\"%s\",\"adj\":%d,%s,\"touched\":%lld}",
		(int)m->pid, f->sleeper[i] ? "sleeper" : "hog", m->adj, how, f->sh->slot[i].touched);
}

/* Wait until each member has set its oom_score_adj (one byte each) or
 * ended; true if all succeeded. */
static bool members_ready(struct hogfam *f)
{
	int got = wl_wait_ready(f->ready[0], f->n);

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
		const struct wl_member *m = &f->m[i];

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

	wl_protect_parent();
	f->parent = getpid();
	ret = family_setup(f);
	if (ret != WL_OK)
		return ret;
	err = wl_fork_members(f->m, f->n, member_run, f);
	close(f->ready[1]);
	close(f->go[0]);
	close(f->fin[1]);
	close(f->stop[0]);
	if (err || !members_ready(f))
		f->sh->abort = 1;
	close(f->go[1]);
	wl_wait_eof(f->fin[0]);
	close(f->stop[1]);
	wl_reap_members(f->m, f->n, true, reap_line, f);
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
		f.sleeper[i] = i >= f.procs;
	if (!wl_parse_adjs(adj, f.m, f.n))
		return wl_bad_args("adj: up to procs+sleepers comma-separated values from -1000 to 1000",
				   adj);
	if (!wl_parse_names(names, f.m, f.n))
		return wl_bad_args("names: up to procs+sleepers comma-separated names of 1-15 "
				   "printable characters, no blanks, quotes or backslashes", names);
	return hog_family(&f);
}
