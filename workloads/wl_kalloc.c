/* wl_kalloc.c - what the kernel-allocation stressors (pipe, sockbuf, frag)
 * share (wl.h): orders, pipe rings, /proc/buddyinfo, the descriptor limit,
 * and the life of the helper process (its work is in wl_frag.c). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wl.h"

#define BUDDY_MAX_ZONES  8
#define BUDDY_MAX_ORDERS 16
#define NR_OPEN_DEFAULT  1048576LL  /* fs.nr_open default (fs/file.c sysctl_nr_open) */

int wl_get_order(long long bytes)
{
	int order = 0;

	if (bytes < 1)
		return -1;
	while (order <= WL_MAX_ORDER && (4096LL << order) < bytes)
		order++;
	return order <= WL_MAX_ORDER ? order : -1;
}

/* fs/pipe.c round_pipe_size(): 0 (EINVAL) past 2^31, PAGE_SIZE below it,
 * else roundup_pow_of_two(size); nr_slots = size >> PAGE_SHIFT. */
long long wl_pipe_ring_bytes(long long pipe_bytes)
{
	long long size = 4096;

	if (pipe_bytes < 1 || pipe_bytes > (1LL << 31))
		return -1;
	while (size < pipe_bytes)
		size <<= 1;
	return size / 4096 * WL_PIPE_BUFFER_BYTES;
}

long long wl_pipe_bytes_for_order(int order)
{
	if (order < 2 || order > WL_MAX_ORDER)
		return -1;
	return 1LL << (order + 18);
}

int wl_pipe_ring(int fds[2], long long pipe_bytes)
{
	fds[0] = fds[1] = -1;
	if (pipe2(fds, O_CLOEXEC)) {
		fds[0] = fds[1] = -1;
		return errno;
	}
	if (fcntl(fds[0], F_SETPIPE_SZ, (int)pipe_bytes) < 0)
		return errno;
	return 0;
}

void wl_raise_nofile(long long fds)
{
	long long nr_open = wl_read_ll("/proc/sys/fs/nr_open", NR_OPEN_DEFAULT);
	struct rlimit rl;

	if (fds > nr_open)
		fds = nr_open;
	if (getrlimit(RLIMIT_NOFILE, &rl) || (long long)rl.rlim_cur >= fds)
		return;
	rl.rlim_cur = (rlim_t)fds;
	if ((long long)rl.rlim_max < fds)
		rl.rlim_max = (rlim_t)fds;
	setrlimit(RLIMIT_NOFILE, &rl);
}

int wl_vmstat_open(void)
{
	int fd = open("/proc/vmstat", O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && wl_vmstat_oom_kill(fd) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

long long wl_vmstat_oom_kill(int fd)
{
	char buf[8192];
	size_t n = 0;
	char *p;

	if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	while (n < sizeof(buf) - 1) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	/* "oom_kill N" (mm/vmstat.c vmstat_text) */
	p = strstr(buf, "\noom_kill ");
	return p ? strtoll(p + 10, NULL, 10) : -1;
}

/* ---- /proc/buddyinfo ---- */

/* mm/vmstat.c frag_show_print(): "Node %d, zone %8s " then one
 * "%6lu " per order, the count of free blocks of that order. */
static size_t buddy_zone(const char *line, char *out, size_t n)
{
	char zone[16];
	const char *p;
	int node, used = 0;
	size_t o;

	if (sscanf(line, "Node %d, zone %15s%n", &node, zone, &used) != 2 || node < 0 || !used)
		return 0;
	for (char *z = zone; *z; z++)
		if (!((*z >= 'A' && *z <= 'Z') || (*z >= 'a' && *z <= 'z') || (*z >= '0' && *z <= '9')))
			*z = '_';
	o = (size_t)snprintf(out, n, "\"%d/%s\":[", node, zone);
	p = line + used;
	for (int k = 0; k < BUDDY_MAX_ORDERS && o < n; k++) {
		char *end;
		long long v = strtoll(p, &end, 10);

		if (end == p)
			break;
		o += (size_t)snprintf(out + o, n - o, "%s%lld", k ? "," : "", v);
		p = end;
	}
	if (o < n)
		o += (size_t)snprintf(out + o, n - o, "]");
	return o < n ? o : 0;
}

void wl_emit_buddyinfo(const char *when)
{
	char buf[4096], zones[900] = "";
	int fd = open("/proc/buddyinfo", O_RDONLY | O_CLOEXEC);
	ssize_t r = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	size_t o = 0;
	int nz = 0;

	if (fd >= 0)
		close(fd);
	buf[r > 0 ? r : 0] = '\0';
	for (char *line = buf; line && *line && nz < BUDDY_MAX_ZONES;) {
		char *nl = strchr(line, '\n');
		char one[256];
		size_t len;

		if (nl)
			*nl = '\0';
		len = buddy_zone(line, one, sizeof(one));
		if (len && o + len + 2 < sizeof(zones)) {
			o += (size_t)snprintf(zones + o, sizeof(zones) - o, "%s%s", nz ? "," : "", one);
			nz++;
		}
		line = nl ? nl + 1 : NULL;
	}
	wl_emit("{\"op\":\"buddyinfo\",\"when\":\"%s\",\"zones\":{%s},\"free_kb\":%lld}", when, zones,
		wl_meminfo_kb("MemFree"));
}

/* ---- the helper process ---- */

int wl_helper_start(struct wl_helper *h, const struct wl_helper_opts *o)
{
	int p[2], rc;
	ssize_t r;
	char c = 0;

	memset(h, 0, sizeof(*h));
	if (o->kind == WL_HELPER_NONE)
		return 0;
	if (pipe2(p, O_CLOEXEC))
		return errno;
	h->pid = fork();
	if (h->pid < 0) {
		int err = errno;

		h->pid = 0;
		close(p[0]);
		close(p[1]);
		return err;
	}
	if (h->pid == 0) {
		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* The stressor protects itself (-1000) before it starts the
		 * helper, which must stay the OOM killer's choice. */
		wl_set_oom_score_adj(0);
		rc = wl_helper_main(o);
		if (rc == 0) {
			(void)!write(p[1], "r", 1);
			for (;;)
				pause();
		}
		_exit(rc);
	}
	close(p[1]);
	do
		r = read(p[0], &c, 1);
	while (r < 0 && errno == EINTR);
	close(p[0]);
	if (r == 1)
		return 0;
	/* It died (or gave up) before it was ready; its lines say why. */
	h->reaped = waitpid(h->pid, &h->status, 0) == h->pid;
	return ECHILD;
}

bool wl_helper_dead(struct wl_helper *h)
{
	if (!h->pid)
		return false;
	if (!h->reaped && waitpid(h->pid, &h->status, WNOHANG) == h->pid)
		h->reaped = true;
	return h->reaped;
}

bool wl_helper_wait(struct wl_helper *h, int ms)
{
	for (int waited = 0; waited <= ms; waited += 20) {
		struct timespec ts = { 0, 20 * 1000000L };

		if (wl_helper_dead(h))
			return true;
		nanosleep(&ts, NULL);
	}
	return wl_helper_dead(h);
}

void wl_helper_stop(struct wl_helper *h)
{
	if (!h->pid || h->reaped)
		return;
	kill(h->pid, SIGKILL);
	h->reaped = waitpid(h->pid, &h->status, 0) == h->pid;
}
