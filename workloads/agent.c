/* agent.c - the guest agent, PID 1 of every oomlab VM (workloads/README.md).
 *
 * It must never exit: PID 1 exiting panics the kernel, which would look like
 * a kernel failure.  Every path ends in agent_poweroff(), and a fatal
 * problem sends an `error` record first.  No sleeps but the kmsg settle
 * after each step: boot time is most of a run under TCG.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#include "agent.h"
#include "cleanup.h"

void agent_poweroff(struct agent *ag)
{
	sync();
	rec_drain(ag);
	reboot(RB_POWER_OFF);
	/* Still here: try a reboot (QEMU runs with -no-reboot), then wait. */
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

void agent_fatal(struct agent *ag, const char *fmt, ...)
{
	char msg[512];
	json_object *r;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ag->rec >= 0) {
		r = rec_new("error");
		json_object_object_add(r, "msg", json_object_new_string(msg));
		rec_send(ag, r);
	} else {
		/* No channel: the console (through the kernel log) is all there is. */
		int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

		if (fd >= 0) {
			dprintf(fd, "oomlab-agent: %s\n", msg);
			close(fd);
		}
	}
	agent_poweroff(ag);
}

/* Parse the plan text (from PLAN_PATH or the control channel). */
static void parse_plan(struct agent *ag, const char *buf, ssize_t len, const char *from)
{
	json_tokener *tok = json_tokener_new();
	json_object *v;

	ag->plan = tok ? json_tokener_parse_ex(tok, buf, (int)len) : NULL;
	if (!ag->plan || !json_object_is_type(ag->plan, json_type_object)) {
		enum json_tokener_error e = tok ? json_tokener_get_error(tok) : json_tokener_success;

		char head[48];
		size_t k;

		/* what came, printable, for the controller's ERROR reason */
		for (k = 0; k + 1 < sizeof(head) && k < (size_t)len; k++)
			head[k] = buf[k] >= 0x20 && buf[k] < 0x7f ? buf[k] : '?';
		head[k] = '\0';
		snprintf(ag->plan_err, sizeof(ag->plan_err), "%s: not a JSON object (%s; %zd bytes: %s)",
			 from, !tok ? "out of memory" : e == json_tokener_continue ? "truncated"
			 : e == json_tokener_success ? "another JSON type" : json_tokener_error_desc(e),
			 len, head);
		json_object_put(ag->plan);
		ag->plan = NULL;
	} else if (!json_object_object_get_ex(ag->plan, "v", &v) || json_object_get_int(v) != 1) {
		snprintf(ag->plan_err, sizeof(ag->plan_err), "%s: plan version is not 1", from);
		json_object_put(ag->plan);
		ag->plan = NULL;
	}
	if (tok)
		json_tokener_free(tok);
}

/* A snapshot boot (harness/snapshot.h): the initramfs has no plan.  Say
 * `ready`, then block on the control channel until the host, after
 * restoring the snapshot, sends the plan as one line.  The host saves the
 * snapshot while we sit in read(), so every restore starts here. */
static ssize_t wait_plan(struct agent *ag, char *buf, size_t max)
{
	struct kmsg_stats ks;
	struct termios tio;
	json_object *held;
	size_t len = 0;
	int fd = open(CTL_TTY, O_RDONLY | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (tcgetattr(fd, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(fd, TCSANOW, &tio);
	}
	/* What needs no plan is done before the save, once for every restore:
	 * the boot log goes to the snapshot's own records (the cache keeps
	 * them), the tracing set-up records wait for the hello. */
	kmsg_send(ag, -1, &ks);
	held = json_object_new_array();
	ag->held = held;
	trace_setup(ag);
	ag->traced = true;
	ag->held = NULL; /* `ready` itself goes out now */
	rec_send(ag, rec_new("ready"));
	ag->held = held;
	rec_drain(ag);
	while (len < max - 1) {
		ssize_t n = read(fd, buf + len, max - 1 - len);
		char *start, *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		/* The host sends newlines before the plan: whatever the serial
		 * port lost or held from before the restore is dropped with
		 * them (seen: the first byte lost on guests with a virtio
		 * disk).  The plan starts at its '{'. */
		start = memchr(buf, '{', len);
		if (!start) {
			len = 0;
			continue;
		}
		len -= (size_t)(start - buf);
		memmove(buf, start, len);
		nl = memchr(buf, '\n', len);
		if (nl) {
			len = (size_t)(nl - buf);
			break;
		}
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

/* A restored guest shares its RNG state with every other restore of the
 * snapshot: mix in the seed the host sent (not credited as entropy). */
static void mix_seed(struct agent *ag)
{
	json_object *seed;
	int fd;

	if (!json_object_object_get_ex(ag->plan, "seed", &seed) ||
	    !json_object_is_type(seed, json_type_string))
		return;
	fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, json_object_get_string(seed), strlen(json_object_get_string(seed))) < 0)
		rec_setup(ag, "seed", "/dev/urandom", NULL, errno, strerror(errno));
	close(fd);
}

static void read_plan(struct agent *ag)
{
	_cleanup_free_ char *buf = malloc(PLAN_MAX_BYTES);
	const char *from = PLAN_PATH;
	ssize_t len;

	if (!buf) {
		snprintf(ag->plan_err, sizeof(ag->plan_err), "out of memory");
		return;
	}
	len = read_text(PLAN_PATH, buf, PLAN_MAX_BYTES);
	if (len < 0 && errno == ENOENT) {
		from = CTL_TTY;
		len = wait_plan(ag, buf, PLAN_MAX_BYTES);
	}
	if (len < 0) {
		snprintf(ag->plan_err, sizeof(ag->plan_err), "%s: %s", from, strerror(errno));
		return;
	}
	parse_plan(ag, buf, len, from);
	if (ag->plan)
		mix_seed(ag);
}

static void send_hello(struct agent *ag)
{
	json_object *r = rec_new("hello");
	struct utsname u;

	if (uname(&u))
		memset(&u, 0, sizeof(u));
	json_object_object_add(r, "v", json_object_new_int(1));
	json_object_object_add(r, "release", json_object_new_string(u.release));
	json_object_object_add(r, "version", json_object_new_string(u.version));
	json_object_object_add(r, "uptime_ms", json_object_new_int64(uptime_ms()));
	rec_send(ag, r);
}

static bool plan_flag(struct agent *ag, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(ag->plan, key, &v) && json_object_get_boolean(v);
}

static int run_steps(struct agent *ag)
{
	json_object *steps;
	size_t n;

	if (!json_object_object_get_ex(ag->plan, "steps", &steps) ||
	    !json_object_is_type(steps, json_type_array))
		agent_fatal(ag, "%s: no steps array", PLAN_PATH);
	n = json_object_array_length(steps);
	for (size_t i = 0; i < n; i++)
		run_step(ag, (int)i, json_object_array_get_idx(steps, i));
	return (int)n;
}

int main(void)
{
	struct agent ag = { .rec = -1, .kmsg = -1 };
	struct kmsg_stats ks;
	json_object *r, *held;
	int err, n;

	setup_mounts(&ag);
	setup_stdio();
	err = rec_open(&ag);
	if (err)
		agent_fatal(&ag, "cannot open %s: %s", REC_TTY, strerror(-err));
	kmsg_open(&ag);
	read_plan(&ag);
	held = ag.held; /* a restored guest: hello first, then what it held */
	ag.held = NULL;
	send_hello(&ag);
	ag.held = held;
	rec_release(&ag);
	if (!ag.plan)
		agent_fatal(&ag, "%s", ag.plan_err);
	if (plan_flag(&ag, "probe"))
		agent_poweroff(&ag);
	report_mounts(&ag);
	setup_protect(&ag);
	setup_plan(&ag);
	if (!ag.traced)
		trace_setup(&ag);
	send_facts(&ag);
	kmsg_send(&ag, -1, &ks);
	n = run_steps(&ag);
	r = rec_new("done");
	json_object_object_add(r, "steps", json_object_new_int(n));
	json_object_object_add(r, "uptime_ms", json_object_new_int64(uptime_ms()));
	rec_send(&ag, r);
	agent_poweroff(&ag);
}
