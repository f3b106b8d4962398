/* wl_pipe.c - `pipe order=N | size=BYTES [frag=1 keep=BYTES] [fill=1
 * margin=BYTES] [max=N]`: kernel allocations of a chosen order from user
 * space, one pipe ring after another, until the kernel refuses one or the
 * OOM killer has killed the helper.
 *
 * The trigger (fs/pipe.c, 6.1 and 6.12): fcntl(F_SETPIPE_SZ) ->
 * pipe_set_size() -> pipe_resize_ring() -> kcalloc(nr_slots, 40,
 * GFP_KERNEL_ACCOUNT | __GFP_NOWARN); a ring larger than 8 KiB is a page
 * allocation of order get_order(ring) with __GFP_COMP (wl.h), charged to
 * the workload's memory cgroup (__GFP_ACCOUNT: mm/page_alloc.c
 * __alloc_pages -> __memcg_kmem_charge_page).  A failure is ENOMEM.  Root
 * passes the pipe-max-size and pipe-user-pages checks (CAP_SYS_RESOURCE).
 *
 * Each ring is kept, so the rings take the free blocks of that order one
 * by one until none is left: with frag=1 (the fragmenter beside it) the
 * page allocator then fails an order > 3 request without the OOM killer
 * and invokes it for order <= 3 (mm/page_alloc.c __alloc_pages_may_oom);
 * with fill=1 (a cgroup filled up to its memory.max) the charge fails the
 * same way (mm/memcontrol.c mem_cgroup_oom).  The parent sets its own
 * oom_score_adj to -1000, so the victim is the helper, and the request
 * that met the OOM killer then succeeds.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wl.h"

#define PIPE_MAX_DEFAULT 4096
#define POOL_FRAG        64
#define POOL_SLACK       64
#define VICTIM_WAIT_MS   10000
#define PIPE_GFP "GFP_KERNEL_ACCOUNT|__GFP_NOWARN|__GFP_COMP|__GFP_ZERO"

struct ring_run {
	long long pipe_bytes, ring_bytes;
	int order;
	int (*fds)[2];
	int npipes, max;
	int granted;
	int err;                 /* errno of the refused resize, 0 */
	int vmstat;              /* /proc/vmstat, kept open (wl_vmstat_open) */
	long long oom0, oom1;    /* vmstat oom_kill before and after the loop */
	bool exhausted, oom_seen, helper_died;
};

/* Pipes made ahead of the helper: in a filled cgroup, making one later
 * would charge its small objects too (and could meet the limit at order
 * 0 instead of the ring's order). */
static int make_pipes(struct ring_run *r, int n)
{
	while (r->npipes < n && r->npipes < r->max) {
		int *fd = r->fds[r->npipes];

		if (pipe2(fd, O_CLOEXEC))
			return errno;
		r->npipes++;
	}
	return 0;
}

/* Nothing in the loop may allocate but the rings: no output, and the
 * counter is read through the descriptor opened beforehand. */
static void ring_loop(struct ring_run *r, struct wl_helper *h)
{
	r->oom0 = wl_vmstat_oom_kill(r->vmstat);
	for (int i = 0; i < r->max; i++) {
		long long oom;

		if (i >= r->npipes && (r->err = make_pipes(r, i + 1)))
			return;
		if (fcntl(r->fds[i][0], F_SETPIPE_SZ, (int)r->pipe_bytes) < 0) {
			r->err = errno;
			return;
		}
		r->granted++;
		oom = wl_vmstat_oom_kill(r->vmstat);
		if ((oom > r->oom0 && r->oom0 >= 0) || wl_helper_dead(h)) {
			r->oom_seen = true;
			return;
		}
	}
	r->exhausted = true;
}

static void emit_result(const struct ring_run *r, const struct wl_helper *h)
{
	char extra[512];
	size_t o;

	o = (size_t)snprintf(extra, sizeof(extra), ",\"trigger\":\"F_SETPIPE_SZ\",\"order\":%d,"
			     "\"ring_bytes\":%lld,\"gfp\":\"%s\",\"granted\":%d,\"oom_kill_delta\":%lld",
			     r->order, r->ring_bytes, PIPE_GFP, r->granted,
			     r->oom1 >= 0 && r->oom0 >= 0 ? r->oom1 - r->oom0 : -1);
	if (h->pid && o < sizeof(extra))
		o += (size_t)snprintf(extra + o, sizeof(extra) - o, ",\"helper\":%d,\"helper_died\":%s"
				      ",\"helper_signal\":%d", (int)h->pid,
				      r->helper_died ? "true" : "false",
				      r->helper_died && WIFSIGNALED(h->status) ? WTERMSIG(h->status) : 0);
	if (r->err) {
		wl_emit_refused_x("pipe", r->pipe_bytes, r->err, extra);
		return;
	}
	wl_emit("{\"op\":\"pipe\",\"bytes\":%lld,\"ok\":true%s,\"after_oom\":%s,\"exhausted\":%s}",
		r->pipe_bytes, extra, r->oom_seen ? "true" : "false", r->exhausted ? "true" : "false");
}

/* Arguments: order or size, the helper, and the loop's bound. */
static int pipe_args(int argc, char **argv, struct ring_run *r, struct wl_helper_opts *o)
{
	long long order = 0, size = 0, frag = 0, fill = 0, max = PIPE_MAX_DEFAULT;
	struct wl_arg args[] = {
		{ .key = "order", .value = &order, .min = 2, .max = WL_MAX_ORDER },
		{ .key = "size", .value = &size, .min = 1, .max = 1LL << 31 },
		{ .key = "max", .value = &max, .min = 1, .max = 65536 },
		WL_HELPER_ARGS(*o, frag, fill),
	};

	if (!wl_parse_args(argc, argv, args, sizeof(args) / sizeof(args[0])))
		return WL_BADARGS;
	if ((order != 0) == (size != 0))
		return wl_bad_args("give one of order and size", "order");
	if (frag && fill)
		return wl_bad_args("give at most one of frag and fill", "frag");
	r->pipe_bytes = order ? wl_pipe_bytes_for_order((int)order) : size;
	r->ring_bytes = wl_pipe_ring_bytes(r->pipe_bytes);
	if (r->ring_bytes <= WL_KMALLOC_MAX_CACHE)
		return wl_bad_args("the ring of this pipe comes from a slab cache, not an order "
				   "of its own (use 1M or more)", "size");
	r->order = wl_get_order(r->ring_bytes);
	r->max = (int)max;
	o->kind = frag ? WL_HELPER_FRAG : fill ? WL_HELPER_FILL : WL_HELPER_NONE;
	o->drain_order = r->order > WL_COSTLY_ORDER ? r->order : WL_COSTLY_ORDER + 1;
	return WL_OK;
}

/* The pipes a filled cgroup needs: its margin in rings, and some. */
static int pool_size(const struct ring_run *r, const struct wl_helper_opts *o)
{
	long long margin = o->margin_bytes > 0 ? o->margin_bytes : 4LL << 20;
	long long n = o->kind == WL_HELPER_FILL ? margin / (4096LL << r->order) + POOL_SLACK
					       : POOL_FRAG;

	return n < r->max ? (int)n : r->max;
}

/* After the loop: the victim's end, then (a filled cgroup is at its
 * limit, where even reading a /proc file or writing a line is charged and
 * could invoke the OOM killer at order 0) the helper is let go before
 * anything is printed; the fragmenter is kept until buddyinfo shows what
 * the failure met. */
static void finish(struct ring_run *r, struct wl_helper *h, enum wl_helper_kind kind)
{
	r->helper_died = r->oom_seen ? wl_helper_wait(h, VICTIM_WAIT_MS) : wl_helper_dead(h);
	r->oom1 = wl_vmstat_oom_kill(r->vmstat);
	if (kind == WL_HELPER_FILL)
		wl_helper_stop(h);
	else
		wl_emit_buddyinfo("end");
	emit_result(r, h);
	wl_helper_stop(h);
}

int wl_pipe(int argc, char **argv)
{
	struct ring_run r = { .vmstat = -1 };
	struct wl_helper_opts o = { 0 };
	struct wl_helper h = { 0 };
	int rc = pipe_args(argc, argv, &r, &o), err, adj_err;

	if (rc != WL_OK)
		return rc;
	r.fds = calloc((size_t)r.max, sizeof(*r.fds));
	if (!r.fds) {
		wl_emit_error("calloc", ENOMEM, "");
		return WL_BADARGS;
	}
	wl_raise_nofile(2LL * r.max + 64);
	r.vmstat = wl_vmstat_open();
	adj_err = wl_set_oom_score_adj(-1000);
	wl_emit("{\"op\":\"parent\",\"pid\":%d,\"adj\":%d,\"protected\":%s}", (int)getpid(),
		wl_get_oom_score_adj(), adj_err ? "false" : "true");
	err = make_pipes(&r, pool_size(&r, &o));
	if (err)
		wl_emit_error("pipe2", err, "");
	else if ((err = wl_helper_start(&h, &o)))
		wl_emit_error("helper", err, o.kind == WL_HELPER_FRAG ? ",\"helper\":\"frag\"" :
			      ",\"helper\":\"fill\"");
	if (!err) {
		ring_loop(&r, &h);
		finish(&r, &h, o.kind);
	}
	if (r.vmstat >= 0)
		close(r.vmstat);
	free(r.fds);
	return err ? WL_BADARGS : r.err ? WL_REFUSED : WL_OK;
}
