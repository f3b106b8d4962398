/* wl_sockbuf.c - `sockbuf order=N | size=BYTES [frag=1 keep=BYTES]
 * [max=N]`: a kernel allocation of a chosen order that warns when it
 * fails: the control buffer of sendmsg(2).
 *
 * The trigger (net/socket.c ____sys_sendmsg, 6.1 and 6.12): a
 * msg_controllen larger than the 36-byte stack buffer is copied into
 * sock_kmalloc(sk, ctl_len, GFP_KERNEL) (net/core/sock.c), which refuses
 * sizes at or past net.core.optmem_max (20480 in 6.1, 131072 in 6.12: the
 * vmconfig raises it) and otherwise calls kmalloc(): above 8 KiB a page
 * allocation of order get_order(ctl_len) with __GFP_COMP (wl.h).  No
 * __GFP_NOWARN, so a failure prints "page allocation failure: order:N"
 * (mm/page_alloc.c warn_alloc, at most once per 10 s); no __GFP_ACCOUNT, so
 * it is not charged to a memory cgroup.  sendmsg then fails with ENOBUFS.
 * The buffer holds one control message of a level other than SOL_SOCKET,
 * which net/core/scm.c __scm_send() skips, so a granted buffer sends the
 * datagram.
 *
 * The buffer is freed when sendmsg returns, so a granted one does not use
 * up its block: for order > 3 each success is followed by one pipe ring of
 * the same order, kept (wl_pipe.c), before the next try, until sendmsg
 * fails or max tries.  Order <= 3 tries once (a pipe ring of that order
 * could invoke the OOM killer itself).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wl.h"

#define SOCKBUF_MAX_DEFAULT 1024
#define SOCKBUF_GFP "GFP_KERNEL|__GFP_COMP"

struct sb_run {
	long long len;
	int order, max, tries, grabbed;
	int err;
	int vmstat;
	long long oom0;
};

/* One sendmsg with a control buffer of r->len bytes: 0 or errno. */
static int send_once(int sv[2], char *ctl, long long len)
{
	char byte = 'x', in[8];
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = (size_t)len };
	struct cmsghdr *c = (struct cmsghdr *)ctl;

	memset(ctl, 0, (size_t)len);
	c->cmsg_len = (size_t)len;
	c->cmsg_level = SOL_IP;
	c->cmsg_type = 1;
	if (sendmsg(sv[0], &m, 0) < 0)
		return errno;
	(void)!recv(sv[1], in, sizeof(in), MSG_DONTWAIT);
	return 0;
}

static void sb_loop(struct sb_run *r, int sv[2], char *ctl)
{
	r->oom0 = wl_vmstat_oom_kill(r->vmstat);
	while (r->tries < r->max) {
		int fds[2];

		r->tries++;
		r->err = send_once(sv, ctl, r->len);
		if (r->err || r->order <= WL_COSTLY_ORDER)
			return;
		/* Granted: take one block of this order away, keep it. */
		if (wl_pipe_ring(fds, wl_pipe_bytes_for_order(r->order)) == 0)
			r->grabbed++;
		else if (fds[0] >= 0) {
			close(fds[0]);
			close(fds[1]);
		}
	}
}

static int sb_args(int argc, char **argv, struct sb_run *r, struct wl_helper_opts *o)
{
	long long order = 0, size = 0, frag = 0, fill = 0, max = SOCKBUF_MAX_DEFAULT;
	long long optmem = wl_read_ll("/proc/sys/net/core/optmem_max", -1);
	struct wl_arg args[] = {
		{ .key = "order", .value = &order, .min = 2, .max = WL_MAX_ORDER },
		{ .key = "size", .value = &size, .min = WL_KMALLOC_MAX_CACHE + 1,
		  .max = 4096LL << WL_MAX_ORDER },
		{ .key = "max", .value = &max, .min = 1, .max = 65536 },
		WL_HELPER_ARGS(*o, frag, fill),
	};

	if (!wl_parse_args(argc, argv, args, sizeof(args) / sizeof(args[0])))
		return WL_BADARGS;
	if ((order != 0) == (size != 0))
		return wl_bad_args("give one of order and size", "order");
	if (fill)
		return wl_bad_args("the control buffer is not charged to a cgroup: fill does "
				   "not apply", "fill");
	r->len = order ? 4096LL << order : size;
	r->order = wl_get_order(r->len);
	r->max = (int)max;
	if (optmem >= 0 && r->len >= optmem)
		return wl_bad_args("net.core.optmem_max must exceed the control buffer "
				   "(net/core/sock.c sock_kmalloc)", "optmem_max");
	o->kind = frag ? WL_HELPER_FRAG : WL_HELPER_NONE;
	o->drain_order = r->order > WL_COSTLY_ORDER ? r->order : WL_COSTLY_ORDER + 1;
	return WL_OK;
}

static void emit_result(const struct sb_run *r)
{
	long long oom = wl_vmstat_oom_kill(r->vmstat);
	char extra[320];

	snprintf(extra, sizeof(extra), ",\"trigger\":\"sendmsg msg_controllen\",\"order\":%d,"
		 "\"gfp\":\"%s\",\"tries\":%d,\"granted\":%d,\"grabbed\":%d,"
		 "\"oom_kill_delta\":%lld", r->order, SOCKBUF_GFP, r->tries,
		 r->err ? r->tries - 1 : r->tries, r->grabbed,
		 oom >= 0 && r->oom0 >= 0 ? oom - r->oom0 : -1);
	if (r->err)
		wl_emit_refused_x("sockbuf", r->len, r->err, extra);
	else
		wl_emit("{\"op\":\"sockbuf\",\"bytes\":%lld,\"ok\":true%s}", r->len, extra);
}

int wl_sockbuf(int argc, char **argv)
{
	struct sb_run r = { .vmstat = -1 };
	struct wl_helper_opts o = { 0 };
	struct wl_helper h = { 0 };
	int sv[2], rc = sb_args(argc, argv, &r, &o), err;
	char *ctl;

	if (rc != WL_OK)
		return rc;
	ctl = malloc((size_t)r.len);
	if (!ctl || socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv)) {
		wl_emit_error(ctl ? "socketpair" : "malloc", ctl ? errno : ENOMEM, "");
		free(ctl);
		return WL_BADARGS;
	}
	wl_raise_nofile(2LL * r.max + 64);
	r.vmstat = wl_vmstat_open();
	err = wl_set_oom_score_adj(-1000);
	wl_emit("{\"op\":\"parent\",\"pid\":%d,\"adj\":%d,\"protected\":%s}", (int)getpid(),
		wl_get_oom_score_adj(), err ? "false" : "true");
	err = wl_helper_start(&h, &o);
	if (err) {
		wl_emit_error("helper", err, ",\"helper\":\"frag\"");
		free(ctl);
		return WL_BADARGS;
	}
	sb_loop(&r, sv, ctl);
	wl_emit_buddyinfo("end");
	emit_result(&r);
	wl_helper_stop(&h);
	if (r.vmstat >= 0)
		close(r.vmstat);
	free(ctl);
	return r.err ? WL_REFUSED : WL_OK;
}
