/* wl_sysrq.c - `sysrq [key=C] [unit=BYTES] [sizes=N,..] [adj=A,..]
 * [names=a,..] [wait_ms=MS]`: start a set of members that each touch their
 * own size (sizes[i] * unit bytes) and sit with their oom_score_adj and
 * name (comm), then write the key to /proc/sysrq-trigger: with key f
 * (the default) the kernel runs the OOM killer on request, a manual OOM.
 *
 * drivers/tty/sysrq.c: sysrq_handle_moom() schedules moom_callback(), which
 * calls out_of_memory() with .order = -1 (4.6 and later; order 0 before)
 * from a kworker, so the report is "kworker/N:M invoked oom-killer: ...,
 * order=-1"; mm/oom_kill.c is_sysrq_oom() then skips the "free memory
 * already?" shortcuts and kills the task with the highest oom_badness() even
 * when memory is plentiful.  write_sysrq_trigger() calls __handle_sysrq()
 * with check_mask false, so the key works whatever kernel.sysrq says; we
 * still enable kernel.sysrq (1) first, as a reader of the scenario expects.
 *
 * The parent protects itself (oom_score_adj -1000, as hog's family does) so
 * the choice falls among the members.  It waits until every member has
 * touched its memory, writes the key, waits up to wait_ms for a member to
 * die, then ends the others.  Format: workloads/README.md, Stressors.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "oomwl.h"
#include "wl.h"

#define SQ_MAX 16

struct sq {
	char key;
	long long unit, wait_ms;
	int n;
	struct wl_member m[SQ_MAX];
	long long bytes[SQ_MAX];   /* what each member touches */
	long long *touched;      /* shared: how far each member got */
	int ready[2], stop[2];
	pid_t parent;
};

/* "N,N,..": at most SQ_MAX numbers from 0 to max each. */
static bool parse_sizes(const char *s, struct sq *q, long long max)
{
	while (s && *s) {
		long long v = 0;
		const char *p = s;

		for (; *p >= '0' && *p <= '9'; p++) {
			if (v > max / 10 || v * 10 + (*p - '0') > max)
				return false;
			v = v * 10 + (*p - '0');
		}
		if (p == s || q->n >= SQ_MAX || (*p && *p != ','))
			return false;
		q->bytes[q->n++] = v * q->unit;
		s = *p ? p + 1 : NULL;
		if (s && !*s)
			return false;
	}
	return true;
}

/* In a member: name, adj, touch, say so, report ready, wait for the end. */
static void member_run(int i, void *ctx) __attribute__((noreturn));
static void member_run(int i, void *ctx)
{
	struct sq *q = ctx;
	struct wl_member *m = &q->m[i];
	char extra[48], c = 1;
	int err = 0;
	struct wl_hog h = { .size = q->bytes[i], .chunk = 1LL << 20, .touched = &q->touched[i],
			    .extra = extra, .err = &err };

	close(q->ready[0]);
	close(q->stop[1]);
	err = wl_member_enter(q->parent, m);
	snprintf(extra, sizeof(extra), ",\"pid\":%d,\"adj\":%d", (int)getpid(), m->adj);
	if (err) {
		wl_emit_error("oom_score_adj", err, extra);
		_exit(WL_REFUSED);
	}
	snprintf(extra, sizeof(extra), ",\"pid\":%d", (int)getpid());
	if (wl_hog_run(&h) != WL_OK)
		_exit(WL_REFUSED);
	wl_emit("{\"op\":\"child\",\"pid\":%d,\"adj\":%d,\"name\":\"%s\",\"touched\":%lld}",
		(int)getpid(), m->adj, m->name[0] ? m->name : "oomwl", q->touched[i]);
	(void)!write(q->ready[1], &c, 1);
	close(q->ready[1]);
	wl_wait_eof(q->stop[0]);
	_exit(WL_OK);
}

/* Fork the members and wait until each is ready (or gone): true if all. */
static bool start_members(struct sq *q)
{
	int err = wl_fork_members(q->m, q->n, member_run, q);

	if (err)
		wl_emit_error("fork", err, "");
	close(q->ready[1]);
	return wl_wait_ready(q->ready[0], q->n) == q->n;
}

static void reap_line(const struct wl_member *m, int i, void *ctx)
{
	const struct sq *q = ctx;
	char how[48];

	wl_exit_fields(m->status, how, sizeof(how));
	wl_emit("{\"op\":\"reaped\",\"pid\":%d,\"adj\":%d,\"name\":\"%s\",%s,\"touched\":%lld}",
		(int)m->pid, m->adj, m->name[0] ? m->name : "oomwl", how, q->touched[i]);
}

/* Reap what has ended (block: wait for all); returns members killed by a
 * signal so far. */
static int reap(struct sq *q, bool block)
{
	return wl_reap_members(q->m, q->n, block, reap_line, q);
}

/* Write text to a /proc file; on failure print an error line (op). */
static bool write_small(const char *path, const char *text, const char *op)
{
	size_t len = strlen(text);
	int fd;
	bool ok;

	errno = 0;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ok = fd >= 0 && write(fd, text, len) == (ssize_t)len;
	if (!ok)
		wl_emit_error(op, errno ? errno : EIO, "");
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Write the key, then wait up to wait_ms for a member to be killed;
 * returns the members killed, -1 if the key could not be written. */
static int trigger(struct sq *q)
{
	char key[2] = { q->key, '\0' };
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int killed = 0;

	write_small("/proc/sys/kernel/sysrq", "1", "kernel.sysrq");
	if (!write_small("/proc/sysrq-trigger", key, "sysrq-trigger"))
		return -1;
	wl_emit("{\"op\":\"sysrq\",\"key\":\"%c\",\"ok\":true}", q->key);
	for (long long t = 0; t < q->wait_ms && !killed; t += 10) {
		nanosleep(&tick, NULL);
		killed = reap(q, false);
	}
	return killed;
}

static int sysrq_run(struct sq *q)
{
	int killed, wl_ret = WL_OK;
	bool ready;

	q->touched = mmap(NULL, sizeof(long long) * SQ_MAX, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (q->touched == MAP_FAILED) {
		wl_emit_refused("mmap", (long long)(sizeof(long long) * SQ_MAX), errno, -1);
		return WL_REFUSED;
	}
	if (pipe(q->ready) || pipe(q->stop)) {
		wl_emit_error("pipe", errno, "");
		return WL_REFUSED;
	}
	wl_protect_parent();
	q->parent = getpid();
	ready = start_members(q);
	killed = ready ? trigger(q) : -1;
	close(q->stop[1]);
	reap(q, true);
	if (!ready) {
		wl_emit("{\"op\":\"sysrq\",\"ok\":false,\"error\":\"a member could not start\","
			"\"members\":%d}", q->n);
		return WL_REFUSED;
	}
	if (killed < 0)
		return WL_REFUSED;
	killed = 0;
	for (int i = 0; i < q->n; i++)
		killed += q->m[i].reaped && WIFSIGNALED(q->m[i].status);
	if (killed) {
		wl_emit("{\"op\":\"sysrq\",\"ok\":false,\"error\":\"%d member(s) killed\",\"key\":\"%c\","
			"\"members\":%d,\"killed\":%d}", killed, q->key, q->n, killed);
		wl_ret = WL_KILLED;
	} else {
		wl_emit("{\"op\":\"done\",\"ok\":true,\"key\":\"%c\",\"members\":%d,\"killed\":0}",
			q->key, q->n);
	}
	return wl_ret;
}

int wl_sysrq(int argc, char **argv)
{
	long long unit = 1LL << 20, wait_ms = 3000;
	const char *key = "f", *sizes = NULL, *adj = NULL, *names = NULL;
	struct wl_arg args[] = {
		{ .key = "key", .text = &key },
		{ .key = "unit", .value = &unit, .min = 1, .max = 1LL << 40 },
		{ .key = "sizes", .text = &sizes },
		{ .key = "adj", .text = &adj },
		{ .key = "names", .text = &names },
		{ .key = "wait_ms", .value = &wait_ms, .min = 0, .max = 600000 },
	};
	struct sq q = { 0 };

	if (!wl_parse_args(argc, argv, args, sizeof(args) / sizeof(args[0])))
		return WL_BADARGS;
	if (strlen(key) != 1 || !((key[0] >= '0' && key[0] <= '9') || (key[0] >= 'a' && key[0] <= 'z')))
		return wl_bad_args("key: one sysrq key, a letter or digit (f: manual OOM)", key);
	q.key = key[0];
	q.unit = unit;
	q.wait_ms = wait_ms;
	if (!parse_sizes(sizes, &q, (1LL << 40) / unit))
		return wl_bad_args("sizes: up to 16 comma-separated numbers of units", sizes);
	if (!wl_parse_adjs(adj, q.m, q.n))
		return wl_bad_args("adj: up to one comma-separated value per size, -1000 to 1000", adj);
	if (!wl_parse_names(names, q.m, q.n))
		return wl_bad_args("names: up to one comma-separated name per size, 1-15 printable "
				   "characters, no blanks, quotes or backslashes", names);
	return sysrq_run(&q);
}
