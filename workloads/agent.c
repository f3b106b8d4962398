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

static void read_plan(struct agent *ag)
{
	_cleanup_free_ char *buf = malloc(PLAN_MAX_BYTES);
	json_tokener *tok;
	json_object *v;
	ssize_t len;

	if (!buf) {
		snprintf(ag->plan_err, sizeof(ag->plan_err), "out of memory");
		return;
	}
	len = read_text(PLAN_PATH, buf, PLAN_MAX_BYTES);
	if (len < 0) {
		snprintf(ag->plan_err, sizeof(ag->plan_err), "%s: %s", PLAN_PATH, strerror(errno));
		return;
	}
	tok = json_tokener_new();
	ag->plan = tok ? json_tokener_parse_ex(tok, buf, (int)len) : NULL;
	if (!ag->plan || !json_object_is_type(ag->plan, json_type_object)) {
		enum json_tokener_error e = tok ? json_tokener_get_error(tok) : json_tokener_success;

		snprintf(ag->plan_err, sizeof(ag->plan_err), "%s: not a JSON object (%s)", PLAN_PATH,
			 !tok ? "out of memory" : e == json_tokener_continue ? "truncated"
			 : e == json_tokener_success ? "another JSON type" : json_tokener_error_desc(e));
		json_object_put(ag->plan);
		ag->plan = NULL;
	} else if (!json_object_object_get_ex(ag->plan, "v", &v) || json_object_get_int(v) != 1) {
		snprintf(ag->plan_err, sizeof(ag->plan_err), "%s: plan version is not 1", PLAN_PATH);
		json_object_put(ag->plan);
		ag->plan = NULL;
	}
	if (tok)
		json_tokener_free(tok);
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
	json_object *r;
	int err, n;

	setup_mounts(&ag);
	setup_stdio();
	err = rec_open(&ag);
	if (err)
		agent_fatal(&ag, "cannot open %s: %s", REC_TTY, strerror(-err));
	kmsg_open(&ag);
	read_plan(&ag);
	send_hello(&ag);
	if (!ag.plan)
		agent_fatal(&ag, "%s", ag.plan_err);
	if (plan_flag(&ag, "probe"))
		agent_poweroff(&ag);
	report_mounts(&ag);
	setup_protect(&ag);
	setup_plan(&ag);
	trace_setup(&ag);
	send_facts(&ag);
	kmsg_send(&ag, -1, &ks);
	n = run_steps(&ag);
	r = rec_new("done");
	json_object_object_add(r, "steps", json_object_new_int(n));
	rec_send(&ag, r);
	agent_poweroff(&ag);
}
