/* agent_step.c - one workload step: resolve size expressions, snapshot,
 * run /bin/oomwl in the workload cgroup with a timeout (under libfiu's
 * preload for fiu= arguments: agent_fiu.c), forward what it prints,
 * snapshot again, and send the kernel log lines of the step. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "agent_fiu.h"
#include "oracle.h"
#include "cleanup.h"
#include "sizeexpr.h"

/* The highest uid a step may ask for (the controller's limit too). */
#define STEP_MAX_UID 65534

struct step {
	int i;
	char *argv[STEP_MAX_ARGS + 2];   /* "/bin/oomwl", resolved args, NULL */
	size_t argc;
	json_object *exprs;
	int timeout_s;
	int uid;                         /* run the workload as this uid; -1: root */
	struct step_fiu fiu;             /* fiu= arguments, taken out of argv */
	char error[256];
};

struct outcome {
	int status;
	bool reaped, timed_out;
	long long duration_ms;
	unsigned wl_sent, wl_dropped;
};

/* Names of sizeexpr.h as /proc/meminfo fields (kB). */
static const struct { const char *name, *field; } meminfo_names[] = {
	{ "ram", "MemTotal" }, { "swap", "SwapTotal" }, { "commit_limit", "CommitLimit" },
	{ "committed_as", "Committed_AS" }, { "free", "MemFree" },
	{ "available", "MemAvailable" },
};

struct lookup_ctx {
	json_object *meminfo;
	bool have_policy;                /* the plan's declared overcommit policy */
	struct oracle_policy policy;
};

/* commit_limit comes from the oracle, computed from the declared policy
 * and this guest's facts, as the controller predicts with it; only a plan
 * without "policy" falls back to /proc/meminfo's CommitLimit. */
static void policy_from_plan(json_object *plan, struct lookup_ctx *ctx)
{
	json_object *o;

	memset(&ctx->policy, 0, sizeof(ctx->policy));
	ctx->have_policy = json_object_object_get_ex(plan, "policy", &o) &&
			   json_object_is_type(o, json_type_object);
	if (!ctx->have_policy)
		return;
	ctx->policy.overcommit_memory = (int)json_get_ll(o, "overcommit_memory", 0);
	ctx->policy.overcommit_ratio = json_get_ll(o, "overcommit_ratio", 50);
	ctx->policy.overcommit_kbytes = json_get_ll(o, "overcommit_kbytes", 0);
}

static bool oracle_commit_limit(struct lookup_ctx *ctx, long long *v)
{
	struct oracle_facts f = { 0 };

	f.mem_total_kb = json_get_ll(ctx->meminfo, "MemTotal", -1);
	f.swap_total_kb = json_get_ll(ctx->meminfo, "SwapTotal", 0);
	f.hugetlb_kb = json_get_ll(ctx->meminfo, "Hugetlb", 0);
	if (f.mem_total_kb < 0)
		return false;
	*v = oracle_commit_limit_kb(&ctx->policy, &f) * 1024;
	return true;
}

static bool lookup(const char *name, long long *v, void *p)
{
	struct lookup_ctx *ctx = p;
	char buf[64];

	if (!strcmp(name, "commit_limit") && ctx->have_policy)
		return oracle_commit_limit(ctx, v);
	for (size_t i = 0; i < ARRAY_SIZE(meminfo_names); i++) {
		if (strcmp(name, meminfo_names[i].name))
			continue;
		*v = json_get_ll(ctx->meminfo, meminfo_names[i].field, -1);
		if (*v < 0)
			return false;
		*v *= 1024;
		return true;
	}
	if (strcmp(name, "memcg_max"))
		return false;
	/* memory.max holds "max" when unlimited: then the limit is the RAM. */
	if (read_text(WL_CGROUP "/memory.max", buf, sizeof(buf)) < 0)
		return false;
	rtrim(buf);
	if (!strcmp(buf, "max"))
		return lookup("ram", v, p);
	*v = strtoll(buf, NULL, 10);
	return true;
}

static bool add_arg(struct step *st, const char *s)
{
	char *copy = strdup(s);

	if (!copy) {
		snprintf(st->error, sizeof(st->error), "out of memory");
		return false;
	}
	st->argv[st->argc++] = copy;
	return true;
}

static bool plain_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* One argument: "key=EXPR" with a valid size expression becomes
 * "key=BYTES"; anything else is copied. */
static bool resolve_arg(struct step *st, const char *arg, struct lookup_ctx *ctx)
{
	const char *eq = strchr(arg, '=');
	char err[160], out[STEP_MAX_ARGLEN + 32];
	long long v;

	if (!eq || !sizeexpr_check(eq + 1, NULL, 0) || plain_number(eq + 1))
		return add_arg(st, arg);
	if (!sizeexpr_eval(eq + 1, lookup, ctx, &v, err, sizeof(err))) {
		snprintf(st->error, sizeof(st->error), "%s: %s", arg, err);
		return false;
	}
	snprintf(out, sizeof(out), "%.*s=%lld", (int)(eq - arg), arg, v);
	json_object_object_add(st->exprs, arg, json_object_new_int64(v));
	return add_arg(st, out);
}

/* "uid": N (optional): the child drops root for uid and gid N. */
static bool step_uid(struct step *st, json_object *step)
{
	json_object *u;
	long long v;

	st->uid = -1;
	if (!json_object_object_get_ex(step, "uid", &u) || !u)
		return true;
	v = json_object_is_type(u, json_type_int) ? json_object_get_int64(u) : -1;
	if (v < 0 || v > STEP_MAX_UID) {
		snprintf(st->error, sizeof(st->error), "uid is not a number from 0 to %d", STEP_MAX_UID);
		return false;
	}
	st->uid = (int)v;
	return true;
}

/* Under fiu, our stressors run as the dynamically linked build (LD_PRELOAD
 * needs a dynamic program), whose basename, and so comm, is oomwl too. */
static bool step_fiu(struct step *st, bool stress_ng)
{
	static const char *const fiu_files[] = { FIU_GUEST_BINARY, FIU_RUN_PRELOAD, FIU_POSIX_PRELOAD };
	char *bin;

	fiu_env(&st->fiu);
	if (!st->fiu.n)
		return true;
	/* The controller ships them only in the initramfs of a plan with fiu=
	 * (harness/guestfs.c): say so rather than fail the exec. */
	for (size_t k = 0; k < ARRAY_SIZE(fiu_files); k++) {
		if ((k || !stress_ng) && access(fiu_files[k], R_OK)) {
			snprintf(st->error, sizeof(st->error), "fiu=: %s: %s (this initramfs was made "
				 "without the fiu files)", fiu_files[k], strerror(errno));
			return false;
		}
	}
	if (stress_ng)
		return true;
	if (!(bin = strdup(FIU_GUEST_BINARY))) {
		snprintf(st->error, sizeof(st->error), "out of memory");
		return false;
	}
	free(st->argv[0]);
	st->argv[0] = bin;
	return true;
}

static bool step_parse(struct step *st, json_object *step, json_object *plan)
{
	struct lookup_ctx ctx = { read_keyed("/proc/meminfo"), false, { 0 } };
	json_object *argv = NULL, *t;
	size_t n;
	bool ok = true, stress_ng;

	st->timeout_s = STEP_DEFAULT_TIMEOUT_S;
	if (json_object_object_get_ex(step, "timeout_s", &t) && json_object_is_type(t, json_type_int))
		st->timeout_s = json_object_get_int(t);
	if (st->timeout_s < 1)
		st->timeout_s = STEP_DEFAULT_TIMEOUT_S;
	if (st->timeout_s > STEP_MAX_TIMEOUT_S)
		st->timeout_s = STEP_MAX_TIMEOUT_S;
	policy_from_plan(plan, &ctx);
	if (!json_object_object_get_ex(step, "argv", &argv) ||
	    !json_object_is_type(argv, json_type_array) || !json_object_array_length(argv)) {
		snprintf(st->error, sizeof(st->error), "step has no argv array");
		ok = false;
	}
	/* stress-ng runs as itself (shipped with its libraries), our stressors
	 * through /bin/oomwl NAME. */
	stress_ng = ok && !strcmp(json_object_get_string(json_object_array_get_idx(argv, 0)),
				  "stress-ng");
	ok = ok && add_arg(st, stress_ng ? STRESS_NG_BINARY : WL_BINARY);
	n = ok ? json_object_array_length(argv) : 0;
	if (n > STEP_MAX_ARGS) {
		snprintf(st->error, sizeof(st->error), "more than %d arguments", STEP_MAX_ARGS);
		ok = false;
	}
	for (size_t j = 0; ok && j < n; j++) {
		json_object *a = json_object_array_get_idx(argv, j);
		const char *s = json_object_get_string(a);

		if (!json_object_is_type(a, json_type_string) || strlen(s) > STEP_MAX_ARGLEN) {
			snprintf(st->error, sizeof(st->error), "argument %zu is not a short string", j);
			ok = false;
		} else if (j > 0 && fiu_is_arg(s)) {
			ok = fiu_take(&st->fiu, s, st->error, sizeof(st->error));
		} else {
			ok = j == 0 ? (stress_ng || add_arg(st, s)) : resolve_arg(st, s, &ctx);
		}
	}
	ok = ok && step_uid(st, step) && step_fiu(st, stress_ng);
	json_object_put(ctx.meminfo);
	return ok;
}

static json_object *snapshot(struct agent *ag)
{
	static const char *const fields[] = {
		"MemTotal", "MemFree", "MemAvailable", "SwapTotal", "SwapFree",
		"CommitLimit", "Committed_AS",
	};
	json_object *s = json_object_new_object();
	json_object *mi = read_keyed("/proc/meminfo"), *vm = read_keyed("/proc/vmstat");
	long long v;

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		v = json_get_ll(mi, fields[i], -1);
		json_object_object_add(s, fields[i], v < 0 ? NULL : json_object_new_int64(v));
	}
	v = json_get_ll(vm, "oom_kill", -1);
	json_object_object_add(s, "oom_kill", v < 0 ? NULL : json_object_new_int64(v));
	json_object_object_add(s, "memory.events",
			       ag->wl_cgroup ? read_keyed(WL_CGROUP "/memory.events") : NULL);
	json_object_put(mi);
	json_object_put(vm);
	return s;
}

/* The workload's arguments, then the fiu= options (as fiu=NAME:P), which
 * the workload does not get. */
static json_object *argv_json(const struct step *st)
{
	json_object *a = json_object_new_array();
	char arg[FIU_NAME_MAX + 32], prob[16];

	for (size_t j = 1; j < st->argc; j++)
		json_object_array_add(a, json_object_new_string(st->argv[j] ? st->argv[j] : ""));
	for (size_t k = 0; k < st->fiu.n; k++) {
		fiu_prob_text(st->fiu.p[k].ppm, prob, sizeof(prob));
		snprintf(arg, sizeof(arg), FIU_ARG "%s:%s", st->fiu.p[k].name, prob);
		json_object_array_add(a, json_object_new_string(arg));
	}
	return a;
}

/* In the child, before exec: it joins the workload cgroup and gives up the
 * agent's OOM protection itself, so that none of its memory is charged to
 * or protected like the agent's; with a uid it then drops root (groups,
 * gid, uid: without CAP_SYS_ADMIN, __vm_enough_memory in mm/util.c keeps
 * admin_reserve_kbytes back).  (The agent is single-threaded, so the
 * child of fork() may call anything; it keeps to plain system calls.)
 * A failure here prints one JSON line and exits 126 (127: exec failed). */
static void child_exec(int out, char **argv, char *const *envp, bool cgroup, int uid)
{
	static const char fail_cg[] = "{\"op\":\"cgroup\",\"ok\":false}\n";
	static const char fail_adj[] = "{\"op\":\"oom_score_adj\",\"ok\":false}\n";
	static const char fail_user[] = "{\"op\":\"user\",\"ok\":false}\n";
	static const char fail_exec[] = "{\"op\":\"exec\",\"ok\":false}\n";
	char pid[24];
	sigset_t none;

	dup2(out, STDOUT_FILENO);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (cgroup && write_text(WL_CGROUP "/cgroup.procs", pid)) {
		(void)!write(STDOUT_FILENO, fail_cg, sizeof(fail_cg) - 1);
		_exit(126);
	}
	if (write_text("/proc/self/oom_score_adj", "0")) {
		(void)!write(STDOUT_FILENO, fail_adj, sizeof(fail_adj) - 1);
		_exit(126);
	}
	if (uid >= 0 && (setgroups(0, NULL) || setgid((gid_t)uid) || setuid((uid_t)uid))) {
		(void)!write(STDOUT_FILENO, fail_user, sizeof(fail_user) - 1);
		_exit(126);
	}
	execve(argv[0], argv, envp);
	(void)!write(STDOUT_FILENO, fail_exec, sizeof(fail_exec) - 1);
	_exit(127);
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Forward output and wait for the child, killing it at the deadline.
 * A pidfd tells when it exits (Linux 5.3+); without one, poll in slices. */
static void supervise(struct agent *ag, const struct step *st, pid_t pid, int rd,
		      struct outcome *o)
{
	long long start = mono_ms(), deadline = start + (long long)st->timeout_s * 1000;
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct wlout wo;
	char chunk[4096];

	wlout_init(&wo, st->i);
	while (!o->reaped) {
		struct pollfd fds[2] = { { rd, POLLIN, 0 }, { pidfd, POLLIN, 0 } };
		long long left = deadline - mono_ms();
		int wait_ms = o->timed_out ? -1 : left < 0 ? 0 : (int)left;

		if (left <= 0 && !o->timed_out) {
			kill(pid, SIGKILL);
			o->timed_out = true;
			wait_ms = -1;
		}
		if (pidfd < 0 && (wait_ms < 0 || wait_ms > 50))
			wait_ms = 50;
		if (poll(fds, 2, wait_ms) < 0 && errno != EINTR)
			break;
		if (rd >= 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t r = read(rd, chunk, sizeof(chunk));

			if (r > 0)
				wlout_feed(ag, &wo, chunk, (size_t)r);
			else if (r == 0 || errno != EAGAIN)
				rd = -1;
		}
		if (waitpid(pid, &o->status, WNOHANG) == pid)
			o->reaped = true;
	}
	o->duration_ms = mono_ms() - start;
	/* What the child wrote just before it ended (the pipe is non-blocking). */
	for (int n = 0; rd >= 0 && n < 256; n++) {
		ssize_t r = read(rd, chunk, sizeof(chunk));

		if (r <= 0)
			break;
		wlout_feed(ag, &wo, chunk, (size_t)r);
	}
	wlout_finish(ag, &wo);
	o->wl_sent = wo.sent;
	o->wl_dropped = wo.dropped;
}

/* Fork and supervise; false (with st->error) if it could not start. */
static bool spawn(struct agent *ag, struct step *st, struct outcome *o)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC)) {
		snprintf(st->error, sizeof(st->error), "pipe: %s", strerror(errno));
		return false;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(st->error, sizeof(st->error), "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return false;
	}
	if (pid == 0)
		child_exec(p[1], st->argv, st->fiu.envp, ag->wl_cgroup, st->uid);
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	supervise(ag, st, pid, p[0], o);
	close(p[0]);
	if (!o->reaped) {
		kill(pid, SIGKILL);
		o->reaped = waitpid(pid, &o->status, 0) == pid;
	}
	/* PID 1 adopts orphans: reap whatever else has ended. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return true;
}

static void settle(void)
{
	struct timespec ts = { 0, KMSG_SETTLE_MS * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void send_begin(struct agent *ag, struct step *st)
{
	json_object *r = rec_new("step");

	json_object_object_add(r, "phase", json_object_new_string("begin"));
	json_object_object_add(r, "i", json_object_new_int(st->i));
	json_object_object_add(r, "argv", argv_json(st));
	json_object_object_add(r, "exprs", json_object_get(st->exprs));
	json_object_object_add(r, "timeout_s", json_object_new_int(st->timeout_s));
	if (st->fiu.n)
		json_object_object_add(r, "fiu", fiu_json(&st->fiu, st->argv[0]));
	json_object_object_add(r, "before", snapshot(ag));
	if (st->error[0])
		json_object_object_add(r, "error", json_object_new_string(st->error));
	rec_send(ag, r);
}

static void send_end(struct agent *ag, const struct step *st, const struct outcome *o,
		     const struct kmsg_stats *ks, const struct trace_stats *ts)
{
	json_object *r = rec_new("step");
	bool exited = o->reaped && WIFEXITED(o->status);
	bool signaled = o->reaped && WIFSIGNALED(o->status);

	json_object_object_add(r, "phase", json_object_new_string("end"));
	json_object_object_add(r, "i", json_object_new_int(st->i));
	json_object_object_add(r, "exit", exited ? json_object_new_int(WEXITSTATUS(o->status)) : NULL);
	json_object_object_add(r, "signal", signaled ? json_object_new_int(WTERMSIG(o->status)) : NULL);
	json_object_object_add(r, "timed_out", json_object_new_boolean(o->timed_out));
	json_object_object_add(r, "duration_ms", json_object_new_int64(o->duration_ms));
	json_object_object_add(r, "wl_lines", json_object_new_int((int)o->wl_sent));
	json_object_object_add(r, "wl_dropped", json_object_new_int((int)o->wl_dropped));
	json_object_object_add(r, "kmsg_lines", json_object_new_int((int)ks->sent));
	json_object_object_add(r, "kmsg_dropped", json_object_new_int((int)ks->dropped));
	json_object_object_add(r, "kmsg_overwritten", json_object_new_int((int)ks->overwritten));
	if (ag->tracing) {
		json_object_object_add(r, "trace_lines", json_object_new_int((int)ts->sent));
		json_object_object_add(r, "trace_dropped", json_object_new_int((int)ts->dropped));
	}
	json_object_object_add(r, "after", snapshot(ag));
	if (st->error[0])
		json_object_object_add(r, "error", json_object_new_string(st->error));
	rec_send(ag, r);
}

void run_step(struct agent *ag, int i, json_object *step)
{
	struct step st = { .i = i, .exprs = json_object_new_object(), .uid = -1 };
	struct outcome o = { 0 };
	struct kmsg_stats ks = { 0 };
	struct trace_stats ts = { 0 };
	bool ok = step_parse(&st, step, ag->plan);
	struct bench_step *bench;

	kmsg_seek_end(ag);
	trace_clear(ag);
	send_begin(ag, &st);
	bench = ok ? bench_step_begin(ag) : NULL;   /* oomlab bench only: agent_psi.c */
	if (ok && spawn(ag, &st, &o)) {
		settle();
		kmsg_send(ag, i, &ks);
		trace_send(ag, i, &ts);
	}
	bench_step_end(ag, i, bench);
	send_end(ag, &st, &o, &ks, &ts);
	for (size_t j = 0; j < st.argc; j++)
		free(st.argv[j]);
	json_object_put(st.exprs);
}
