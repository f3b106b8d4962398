/* agent_trace.c - kernel-side evidence from tracefs (workloads/README.md,
 * Tracing): static events of the OOM killer and the page allocator, and
 * kprobe/kretprobe events on the functions that decide, each only where
 * the running kernel has it.  Per step, the trace buffer's lines go out as
 * `trace` records.
 *
 * Formats (Documentation/trace/kprobetrace.rst, ftrace.rst, events.rst):
 * a line "p:GROUP/EVENT SYMBOL ARGS" or "r:..." appended to kprobe_events
 * defines a probe (EINVAL/ENOENT when the symbol cannot be probed: with
 * CONFIG_KPROBE_EVENTS_ON_NOTRACE unset, as in Debian, only functions
 * listed in available_filter_functions can be); events/G/E/filter takes a
 * boolean expression over the event's fields and the generic "comm";
 * events/G/E/enable takes 1; opening `trace` with O_TRUNC clears the
 * buffer.  Argument fetches are x86-64 registers (%di, %si, %dx, %cx: the
 * first four arguments), +OFFS(%reg) memory, $retval.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "cleanup.h"

#define TRACEFS         "/sys/kernel/tracing"
#define TRACE_READ_CHUNK (64 * 1024)
#define AFF_MAX_BYTES   (16 * 1024 * 1024)   /* available_filter_functions read at most */

struct kprobe_def {
	const char *name;              /* event under the group "oomlab" */
	char kind;                     /* 'p' (entry) or 'r' (return) */
	const char *funcs[2];          /* the first one the kernel can trace */
	const char *args;
	const char *filter;            /* NULL: every hit */
};

/* include/linux/oom.h struct oom_control (6.1, 6.12): zonelist at 0,
 * nodemask at 8, memcg at 16, gfp_mask (unsigned int) at 24, order at 28.
 * mm/util.c __vm_enough_memory(mm, pages, cap_sys_admin); mm/memcontrol.c
 * mem_cgroup_out_of_memory(memcg, gfp_mask, order) and
 * try_charge_memcg(memcg, gfp_mask, nr_pages); mm/page_alloc.c
 * __alloc_pages(gfp, order, preferred_nid, nodemask) (6.12:
 * __alloc_pages_noprof) and warn_alloc(gfp_mask, nodemask, fmt, ...)
 * whose first variadic argument is the order for "page allocation
 * failure: order:%u". */
static const struct kprobe_def kprobes[] = {
	{ "vm_enough", 'p', { "__vm_enough_memory" }, "pages=%si:s64 cap=%dx:s32",
	  "pages >= 4096" },
	{ "vm_enough_ret", 'r', { "__vm_enough_memory" }, "ret=$retval:s32", "ret != 0" },
	{ "oom", 'p', { "out_of_memory" }, "gfp=+24(%di):x32 order=+28(%di):s32 memcg=+16(%di):x64",
	  NULL },
	{ "oom_ret", 'r', { "out_of_memory" }, "ret=$retval:u8", NULL },
	{ "memcg_oom", 'p', { "mem_cgroup_out_of_memory" }, "gfp=%si:x32 order=%dx:s32", NULL },
	{ "alloc_fail", 'r', { "__alloc_pages_noprof", "__alloc_pages" }, "ret=$retval:x64",
	  "ret == 0 && comm == \"oomwl\"" },
	{ "warn_alloc", 'p', { "warn_alloc" }, "gfp=%di:x32 fmt=+0(%dx):string order=%cx:u32", NULL },
	{ "charge_fail", 'r', { "try_charge_memcg" }, "ret=$retval:s32", "ret != 0" },
};

/* Static events (include/trace/events/oom.h, kmem.h).  mm_page_alloc is
 * traced at the end of __alloc_pages for every request, pfn -1 when it
 * failed (also after a refused memcg charge); only failures of order 2+. */
static const struct {
	const char *event, *filter;
} statics[] = {
	{ "oom/mark_victim", NULL },
	{ "oom/reclaim_retry_zone", NULL },
	{ "oom/compact_retry", NULL },
	{ "oom/wake_reaper", NULL },
	{ "oom/start_task_reaping", NULL },
	{ "oom/finish_task_reaping", NULL },
	{ "oom/skip_task_reaping", NULL },
	{ "kmem/mm_page_alloc", "order >= 2 && pfn == 0xffffffffffffffff" },
};

static int append_text(const char *path, const char *s)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	size_t len = strlen(s);
	ssize_t w;

	if (fd < 0)
		return -errno;
	w = write(fd, s, len);
	if (w < 0)
		return -errno;
	return (size_t)w == len ? 0 : -EIO;
}

static void rec_tracing(struct agent *ag, const char *name, const char *kind, const char *def,
			const char *filter, int err, const char *error)
{
	json_object *r = rec_new("tracing");

	json_object_object_add(r, "name", json_object_new_string(name));
	json_object_object_add(r, "kind", json_object_new_string(kind));
	json_object_object_add(r, "def", def ? json_object_new_string(def) : NULL);
	json_object_object_add(r, "filter", filter ? json_object_new_string(filter) : NULL);
	json_object_object_add(r, "ok", json_object_new_boolean(err == 0));
	if (err) {
		json_object_object_add(r, "errno", json_object_new_int(err));
		json_object_object_add(r, "error", json_object_new_string(error ? error : strerror(err)));
	}
	rec_send(ag, r);
}

/* Which of the wanted functions available_filter_functions lists: bit k
 * of the result for names[k].  Lines are "name" or "name [module]". */
static unsigned traceable(const char *const *names, size_t n)
{
	_cleanup_close_ int fd = open(TRACEFS "/available_filter_functions", O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = malloc(TRACE_READ_CHUNK + 256);
	size_t have = 0, total = 0;
	unsigned found = 0;

	if (fd < 0 || !buf)
		return 0;
	for (;;) {
		ssize_t r = read(fd, buf + have, TRACE_READ_CHUNK);
		char *line = buf, *nl;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || (total += (size_t)r) > AFF_MAX_BYTES)
			break;
		have += (size_t)r;
		while ((nl = memchr(line, '\n', have - (size_t)(line - buf)))) {
			*nl = '\0';
			line[strcspn(line, " \t")] = '\0';
			for (size_t k = 0; k < n; k++)
				if (!strcmp(line, names[k]))
					found |= 1u << k;
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have > 255)
			have = 0;      /* an overlong line: not a function name */
	}
	return found;
}

static void enable_event(struct agent *ag, const char *event, const char *kind, const char *def,
			 const char *filter)
{
	char path[256];
	int err = 0;

	if (filter) {
		snprintf(path, sizeof(path), TRACEFS "/events/%s/filter", event);
		err = -write_text(path, filter);
	}
	if (!err) {
		snprintf(path, sizeof(path), TRACEFS "/events/%s/enable", event);
		err = -write_text(path, "1");
	}
	if (!err)
		ag->tracing = true;
	rec_tracing(ag, event, kind, def, filter, err, NULL);
}

static void setup_kprobe(struct agent *ag, const struct kprobe_def *k, unsigned avail,
			 const char *const *names, size_t nnames)
{
	const char *kind = k->kind == 'p' ? "kprobe" : "kretprobe";
	const char *fn = NULL;
	char def[320], event[64], msg[160];
	int err;

	for (size_t f = 0; f < 2 && k->funcs[f] && !fn; f++)
		for (size_t j = 0; j < nnames; j++)
			if ((avail & (1u << j)) && !strcmp(names[j], k->funcs[f]))
				fn = k->funcs[f];
	snprintf(event, sizeof(event), "oomlab/%s", k->name);
	if (!fn) {
		snprintf(msg, sizeof(msg), "%s%s%s is not in available_filter_functions", k->funcs[0],
			 k->funcs[1] ? " or " : "", k->funcs[1] ? k->funcs[1] : "");
		rec_tracing(ag, event, kind, NULL, NULL, ENOENT, msg);
		return;
	}
	snprintf(def, sizeof(def), "%c:%s %s %s", k->kind, event, fn, k->args);
	err = -append_text(TRACEFS "/kprobe_events", def);
	if (err) {
		rec_tracing(ag, event, kind, def, NULL, err, NULL);
		return;
	}
	enable_event(ag, event, kind, def, k->filter);
}

/* The distinct function names of the kprobe table, for traceable(). */
static size_t probe_names(const char **names, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(kprobes); i++)
		for (size_t f = 0; f < 2 && kprobes[i].funcs[f]; f++) {
			bool dup = false;

			for (size_t j = 0; j < n; j++)
				dup |= !strcmp(names[j], kprobes[i].funcs[f]);
			if (!dup && n < max)
				names[n++] = kprobes[i].funcs[f];
		}
	return n;
}

void trace_setup(struct agent *ag)
{
	const char *names[16];
	size_t nnames = probe_names(names, ARRAY_SIZE(names));
	unsigned avail;

	ag->tracing = false;
	if (access(TRACEFS "/events", F_OK)) {
		rec_tracing(ag, "tracefs", "mount", NULL, NULL, errno, NULL);
		return;
	}
	avail = traceable(names, nnames);
	for (size_t i = 0; i < ARRAY_SIZE(statics); i++)
		enable_event(ag, statics[i].event, "event", NULL, statics[i].filter);
	for (size_t i = 0; i < ARRAY_SIZE(kprobes); i++)
		setup_kprobe(ag, &kprobes[i], avail, names, nnames);
	/* At a panic the buffer goes to the console (kernel/trace/trace.c
	 * trace_panic_handler), where the controller reads it: the trace of
	 * a step that ends in oom_panic. */
	if (ag->tracing)
		rec_tracing(ag, "kernel.ftrace_dump_on_oops", "sysctl", NULL, NULL,
			    -write_text("/proc/sys/kernel/ftrace_dump_on_oops", "1"), NULL);
	trace_bench_setup(ag);
}

/* Opening a trace buffer for writing with O_TRUNC empties it
 * (Documentation/trace/ftrace.rst, "trace"). */
static void empty_buffer(const char *path)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
}

void trace_clear(struct agent *ag)
{
	if (ag->tracing)
		empty_buffer(TRACEFS "/trace");
}

/* ---- the lines of a step: the last TRACE_MAX_LINES are sent ---- */

struct tail {
	char (*line)[TRACE_LINE_MAX];
	size_t next, count;            /* count: lines seen (not '#') */
};

/* Bytes outside printable ASCII (a task's comm may hold any) and the
 * backslash become \xNN, as /dev/kmsg writes them; cut at TRACE_LINE_MAX
 * (dst holds TRACE_LINE_MAX bytes). */
void trace_escape(char *dst, const char *s, size_t len)
{
	size_t o = 0;

	for (size_t k = 0; k < len; k++) {
		unsigned char c = (unsigned char)s[k];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= TRACE_LINE_MAX)
				break;
			dst[o++] = (char)c;
		} else {
			if (o + 4 >= TRACE_LINE_MAX)
				break;
			snprintf(dst + o, TRACE_LINE_MAX - o, "\\x%02x", c);
			o += 4;
		}
	}
	dst[o] = '\0';
}

static void tail_add(struct tail *t, const char *s, size_t len)
{
	if (!len || s[0] == '#')
		return;
	trace_escape(t->line[t->next], s, len);
	t->next = (t->next + 1) % TRACE_MAX_LINES;
	t->count++;
}

static void tail_read(struct tail *t, int fd, char *buf)
{
	size_t have = 0;
	bool overlong = false;

	for (;;) {
		ssize_t r = read(fd, buf + have, TRACE_READ_CHUNK - have);
		size_t start = 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
		for (size_t i = 0; i < have; i++) {
			if (buf[i] != '\n')
				continue;
			if (!overlong)
				tail_add(t, buf + start, i - start);
			overlong = false;
			start = i + 1;
		}
		have -= start;
		memmove(buf, buf + start, have);
		if (have == TRACE_READ_CHUNK) {   /* a line longer than the buffer */
			tail_add(t, buf, have);
			overlong = true;
			have = 0;
		}
	}
	if (have && !overlong)
		tail_add(t, buf, have);
}

void trace_send(struct agent *ag, int i, struct trace_stats *st)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct tail t = { 0 };
	size_t n, first;

	memset(st, 0, sizeof(*st));
	if (!ag->tracing)
		return;
	fd = open(TRACEFS "/trace", O_RDONLY | O_CLOEXEC);
	buf = malloc(TRACE_READ_CHUNK);
	t.line = calloc(TRACE_MAX_LINES, sizeof(*t.line));
	if (fd < 0 || !buf || !t.line) {
		free(t.line);
		return;
	}
	tail_read(&t, fd, buf);
	n = t.count < TRACE_MAX_LINES ? t.count : TRACE_MAX_LINES;
	first = t.count < TRACE_MAX_LINES ? 0 : t.next;
	for (size_t k = 0; k < n; k++) {
		json_object *r = rec_new("trace");

		json_object_object_add(r, "i", json_object_new_int(i));
		json_object_object_add(r, "msg",
				       json_object_new_string(t.line[(first + k) % TRACE_MAX_LINES]));
		rec_send(ag, r);
	}
	st->sent = (unsigned)n;
	st->dropped = (unsigned)(t.count - n);
	free(t.line);
}

/* ---- the latency benchmark's own trace instance (oomlab bench) ----
 *
 * Only when the kernel command line holds oomlab.bench=1 (the controller's
 * `oomlab bench` appends it; init/main.c unknown_bootoption() drops an
 * unknown "module.param" silently, /proc/cmdline keeps it).  A separate
 * instance (Documentation/trace/ftrace.rst, "Instances") with the
 * CLOCK_MONOTONIC trace clock ("mono": kernel/trace/trace.c trace_clocks[],
 * ktime_get_mono_fast_ns), so PSI samples taken by the agent with
 * clock_gettime(CLOCK_MONOTONIC) share its time line, and with
 * options/overwrite 0, so that when it fills up the newest events are
 * dropped, not the first stall and the OOM kill.  Events (6.1 and 6.12):
 *   vmscan/mm_vmscan_direct_reclaim_begin  mm/vmscan.c try_to_free_pages
 *   vmscan/mm_vmscan_memcg_reclaim_begin   mm/vmscan.c try_to_free_mem_cgroup_pages
 *   oom/reclaim_retry_zone                 mm/page_alloc.c should_reclaim_retry
 *   oomlab/oom, oomlab/oom_ret             kprobes on out_of_memory (above)
 *   oom/mark_victim                        mm/oom_kill.c mark_oom_victim
 *   sched/sched_process_exit               kernel/exit.c do_exit, after exit_mm()
 *   oom/start_task_reaping, finish_task_reaping  mm/oom_kill.c oom_reap_task_mm
 *   synthetic/oom_recover                  below
 * oom_recover: the first return of handle_mm_fault (kretprobe
 * oomlab/fault_ret) of a task after it entered out_of_memory, made by a
 * hist trigger pair (Documentation/trace/histogram.rst, "onmatch"): the
 * oom kprobe saves common_timestamp per pid, the fault return reads it
 * (a variable is read once) and emits oom_recover(lat_us). */
#define BENCH_DIR      TRACEFS "/instances/oomlab_bench"
#define BENCH_BUF_KB   "2048"
#define BENCH_MAX_SENT 4000          /* bench lines sent per step */
#define BENCH_PIDS     64            /* tasks whose first stall is tracked */

static const char *const bench_events[] = {
	"vmscan/mm_vmscan_direct_reclaim_begin", "vmscan/mm_vmscan_memcg_reclaim_begin",
	"oom/reclaim_retry_zone", "oomlab/oom", "oomlab/oom_ret", "oom/mark_victim",
	"sched/sched_process_exit", "oom/start_task_reaping", "oom/finish_task_reaping",
	"synthetic/oom_recover",
};

static bool bench_wanted(void)
{
	char cmd[4096], *tok, *save = NULL;

	if (read_text("/proc/cmdline", cmd, sizeof(cmd)) < 0)
		return false;
	for (tok = strtok_r(cmd, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save))
		if (!strcmp(tok, "oomlab.bench=1"))
			return true;
	return false;
}

/* One set-up action: a tracing record named bench/WHAT; 0 when it worked. */
static int bench_do(struct agent *ag, const char *what, const char *path, const char *text,
		    bool append)
{
	char name[96];
	int err = append ? -append_text(path, text) : -write_text(path, text);

	snprintf(name, sizeof(name), "bench/%s", what);
	rec_tracing(ag, name, "bench", text, NULL, err, NULL);
	return err;
}

static void bench_recover(struct agent *ag)
{
	const char *fn = "handle_mm_fault";

	if (!traceable(&fn, 1)) {
		rec_tracing(ag, "bench/fault_ret", "bench", NULL, NULL, ENOENT,
			    "handle_mm_fault is not in available_filter_functions");
		return;
	}
	if (bench_do(ag, "fault_ret", TRACEFS "/kprobe_events",
		     "r:oomlab/fault_ret handle_mm_fault ret=$retval:x32", true) ||
	    bench_do(ag, "synthetic", TRACEFS "/synthetic_events", "oom_recover u64 lat_us", true))
		return;
	if (bench_do(ag, "oom_hist", BENCH_DIR "/events/oomlab/oom/trigger",
		     "hist:keys=common_pid:oomts=common_timestamp.usecs", true))
		return;
	bench_do(ag, "recover_hist", BENCH_DIR "/events/oomlab/fault_ret/trigger",
		 "hist:keys=common_pid:lat=common_timestamp.usecs-$oomts:"
		 "onmatch(oomlab.oom).trace(oom_recover,$lat)", true);
}

void trace_bench_setup(struct agent *ag)
{
	char path[256];

	ag->bench = false;
	if (!bench_wanted())
		return;
	if (mkdir(BENCH_DIR, 0755) && errno != EEXIST) {
		rec_tracing(ag, "bench/instance", "bench", NULL, NULL, errno, NULL);
		return;
	}
	if (bench_do(ag, "trace_clock", BENCH_DIR "/trace_clock", "mono", false) ||
	    bench_do(ag, "overwrite", BENCH_DIR "/options/overwrite", "0", false))
		return;
	bench_do(ag, "buffer_size_kb", BENCH_DIR "/buffer_size_kb", BENCH_BUF_KB, false);
	bench_recover(ag);
	for (size_t i = 0; i < ARRAY_SIZE(bench_events); i++) {
		snprintf(path, sizeof(path), BENCH_DIR "/events/%s/enable", bench_events[i]);
		if (!bench_do(ag, bench_events[i], path, "1", false))
			ag->bench = true;
	}
}

void trace_bench_clear(struct agent *ag)
{
	if (ag->bench)
		empty_buffer(BENCH_DIR "/trace");
}

/* Which lines go out.  Stall events come by the thousand under reclaim:
 * only the first of each task since the last return of out_of_memory is
 * sent (that is where a stall that ends in an OOM kill begins); every
 * other line is sent, up to BENCH_MAX_SENT. */
struct bench_sel {
	int pid[BENCH_PIDS];
	size_t npid;
	unsigned sent, dropped;
};

static bool is_event(const char *line, const char *event)
{
	char pat[64];

	snprintf(pat, sizeof(pat), ": %s: ", event);
	return strstr(line, pat) != NULL;
}

/* The PID of "TASK-PID [CPU] ...", or -1. */
static int line_pid(const char *line)
{
	const char *b = strstr(line, " [");
	const char *d = b;

	while (d && d > line && d[-1] >= '0' && d[-1] <= '9')
		d--;
	return d && d != b && d > line && d[-1] == '-' ? atoi(d) : -1;
}

static bool bench_keep(struct bench_sel *s, const char *line)
{
	int pid;

	if (is_event(line, "oom_ret")) {
		s->npid = 0;
		return true;
	}
	if (!is_event(line, "mm_vmscan_direct_reclaim_begin") &&
	    !is_event(line, "mm_vmscan_memcg_reclaim_begin") && !is_event(line, "reclaim_retry_zone"))
		return true;
	pid = line_pid(line);
	for (size_t k = 0; k < s->npid; k++)
		if (s->pid[k] == pid)
			return false;
	if (s->npid < BENCH_PIDS)
		s->pid[s->npid++] = pid;
	return true;
}

static void bench_line(struct agent *ag, int i, struct bench_sel *s, const char *raw, size_t len)
{
	char line[TRACE_LINE_MAX];
	json_object *r;

	if (!len || raw[0] == '#')
		return;
	trace_escape(line, raw, len);
	if (!bench_keep(s, line))
		return;
	if (s->sent >= BENCH_MAX_SENT) {
		s->dropped++;
		return;
	}
	r = rec_new("tracing");
	json_object_object_add(r, "name", json_object_new_string("bench"));
	json_object_object_add(r, "kind", json_object_new_string("line"));
	json_object_object_add(r, "ok", json_object_new_boolean(true));
	json_object_object_add(r, "i", json_object_new_int(i));
	json_object_object_add(r, "msg", json_object_new_string(line));
	rec_send(ag, r);
	s->sent++;
}

void trace_bench_send(struct agent *ag, int i, struct trace_stats *st)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct bench_sel s = { .npid = 0 };
	size_t have = 0;

	memset(st, 0, sizeof(*st));
	if (!ag->bench)
		return;
	fd = open(BENCH_DIR "/trace", O_RDONLY | O_CLOEXEC);
	buf = malloc(TRACE_READ_CHUNK);
	if (fd < 0 || !buf)
		return;
	for (;;) {
		ssize_t r = read(fd, buf + have, TRACE_READ_CHUNK - have);
		size_t start = 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
		for (size_t k = 0; k < have; k++)
			if (buf[k] == '\n') {
				bench_line(ag, i, &s, buf + start, k - start);
				start = k + 1;
			}
		have -= start;
		memmove(buf, buf + start, have);
		if (have == TRACE_READ_CHUNK)   /* no line is that long: drop it */
			have = 0;
	}
	st->sent = s.sent;
	st->dropped = s.dropped;
}
