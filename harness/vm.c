/* vm.c - see vm.h */
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cleanup.h"

#define QEMU_DEFAULT "qemu-system-x86_64"
#define WATCH_CHUNK (64u << 10)      /* records read per watchdog check */
#define WATCH_STEP_TIMEOUT_MAX 3600u /* a guest cannot buy itself more */

const char *accel_name(enum accel a)
{
	switch (a) {
	case ACCEL_AUTO: return "auto";
	case ACCEL_TCG: return "tcg";
	case ACCEL_KVM: return "kvm";
	}
	return "?";
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A value inside a QEMU option list: ',' separates options and ",," stands
 * for a literal comma (QEMU util/qemu-option.c, get_opt_value). */
static void add_opt_value(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == ',')
			buf_addch(b, ',');
		buf_addch(b, *s);
	}
}

static void arg_opt(struct child *c, const char *prefix, const char *value, const char *suffix)
{
	_cleanup_buf_ struct buf b = BUF_INIT;

	buf_addstr(&b, prefix);
	add_opt_value(&b, value);
	buf_addstr(&b, suffix);
	child_arg(c, b.s);
}

/* N memory-backed NUMA nodes of equal size, CPUs spread round-robin. */
static void add_numa(struct child *c, const struct vm_spec *spec)
{
	unsigned long long mib = (spec->mem_bytes + (1ull << 20) - 1) >> 20;
	unsigned cpus = spec->cpus ? spec->cpus : 1;

	if (spec->numa_nodes < 2)
		return;
	for (unsigned n = 0; n < spec->numa_nodes; n++) {
		unsigned long long part = mib / spec->numa_nodes +
					  (n == 0 ? mib % spec->numa_nodes : 0);

		child_arg(c, "-object");
		child_argf(c, "memory-backend-ram,id=m%u,size=%lluM", n, part);
		child_arg(c, "-numa");
		if (n < cpus)
			child_argf(c, "node,nodeid=%u,memdev=m%u,cpus=%u", n, n, n);
		else
			child_argf(c, "node,nodeid=%u,memdev=m%u", n, n);
	}
}

int vm_command(const struct vm_spec *spec, struct child *c, struct buf *err)
{
	const bool kvm = spec->accel == ACCEL_KVM;

	if (!spec->kernel || !spec->initrd || !spec->console_path || !spec->records_path) {
		buf_addstr(err, "internal error: VM without kernel, initrd, console or records path");
		return -1;
	}
	if (spec->accel == ACCEL_AUTO || spec->mem_bytes < (1ull << 20)) {
		buf_addstr(err, "internal error: VM without a decided accelerator or memory size");
		return -1;
	}
	child_arg(c, spec->qemu ? spec->qemu : QEMU_DEFAULT);
	child_arg(c, "-nodefaults");
	child_arg(c, "-no-user-config");
	child_arg(c, "-display");
	child_arg(c, "none");
	child_arg(c, "-machine");
	child_arg(c, "pc");
	child_arg(c, "-accel");
	child_arg(c, kvm ? "kvm" : "tcg");
	child_arg(c, "-cpu");
	child_arg(c, kvm ? "host" : "max");
	child_arg(c, "-m");
	child_argf(c, "%lluM", (spec->mem_bytes + (1ull << 20) - 1) >> 20);
	child_arg(c, "-smp");
	child_argf(c, "%u", spec->cpus ? spec->cpus : 1);
	add_numa(c, spec);
	child_arg(c, "-kernel");
	child_arg(c, spec->kernel);
	child_arg(c, "-initrd");
	child_arg(c, spec->initrd);
	child_arg(c, "-append");
	/* no_timer_check: under TCG on a loaded host the IO-APIC timer check
	 * of the boot can fail and panic ("IO-APIC + timer doesn't work",
	 * arch/x86/kernel/apic/io_apic.c check_timer: timer_irq_works()
	 * returns 1 at once with this option). */
	child_argf(c, "console=ttyS0 panic=-1 no_timer_check%s%s",
		   spec->append && *spec->append ? " " : "",
		   spec->append ? spec->append : "");
	child_arg(c, "-chardev");
	arg_opt(c, "file,id=con,path=", spec->console_path, "");
	child_arg(c, "-serial");
	child_arg(c, "chardev:con");
	child_arg(c, "-chardev");
	arg_opt(c, "file,id=rec,path=", spec->records_path, "");
	child_arg(c, "-serial");
	child_arg(c, "chardev:rec");
	if (spec->ctl) {
		child_arg(c, "-chardev");
		child_argf(c, "socket,id=ctl,fd=%d", spec->ctl_child_fd);
		child_arg(c, "-serial");
		child_arg(c, "chardev:ctl");
	}
	if (spec->disk_path) {
		child_arg(c, "-drive");
		arg_opt(c, "file=", spec->disk_path, ",format=raw,if=virtio");
	}
	child_arg(c, "-no-reboot");
	if (spec->incoming) {
		child_arg(c, "-incoming");
		child_arg(c, spec->incoming);
	}
	return 0;
}

/* ---- the control channel ---- */

static void ctl_close(struct vm *vm)
{
	if (vm->ctl_fd >= 0)
		close(vm->ctl_fd);
	vm->ctl_fd = -1;
	buf_release(&vm->ctl_out);
	vm->ctl_off = 0;
}

/* Whether a restored guest runs.  QMP sends events only once negotiated,
 * and a small state can be loaded (and RESUME sent) before that: so ask
 * with query-status too, every 50 ms, until the answer is "running". */
static bool restore_done(struct vm *vm)
{
	double t;

	if (!strcmp(vm->qmp.status, "running"))
		return true;
	if (vm->qmp.state != QMP_READY || vm->qmp.answered < vm->qmp.sent)
		return false;
	t = now_s();
	if (t - vm->status_asked >= 0.05) {
		vm->status_asked = t;
		qmp_execute(&vm->qmp, "{\"execute\": \"query-status\"}");
	}
	return false;
}

/* Send what is pending on ttyS2 once the guest runs: a restored guest only
 * after QMP's RESUME (bytes QEMU read earlier would land in the serial
 * port's state, which the incoming migration then overwrites); without a
 * working QMP there is no telling, so at once. */
static void ctl_pump(struct vm *vm)
{
	bool qmp_works = vm->qmp.state != QMP_OFF && vm->qmp.state != QMP_CLOSED;
	ssize_t n;

	if (vm->ctl_fd < 0 || vm->ctl_off >= vm->ctl_out.len)
		return;
	if (vm->incoming && qmp_works && !vm->qmp.resumed && !restore_done(vm))
		return;
	if (vm->incoming && !vm->resumed_at)
		vm->resumed_at = now_s();
	n = send(vm->ctl_fd, vm->ctl_out.s + vm->ctl_off, vm->ctl_out.len - vm->ctl_off,
		 MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n > 0)
		vm->ctl_off += (size_t)n;
	else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		vm->ctl_off = vm->ctl_out.len; /* QEMU is gone: vm_poll will tell */
}

/* Open a file for QEMU, which gets it as /proc/self/fd/N (alias); a
 * temporary one (remove) loses its name at once.  Returns the descriptor
 * (close-on-exec; the child keeps it through child_keep_fd) or -1 with err
 * set. */
static int pass_file(const char *path, int flags, bool remove, struct child *c, char *alias,
		     size_t len, struct buf *err)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0) {
		buf_addf(err, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (remove)
		unlink(path);
	if (child_keep_fd(c, fd) < 0) {
		close(fd);
		buf_addstr(err, "internal error: too many descriptors for QEMU");
		return -1;
	}
	snprintf(alias, len, "/proc/self/fd/%d", fd);
	return fd;
}

/* The control channel (ttyS2) on a socketpair; *child_fd is QEMU's end. */
static int add_ctl(struct vm *vm, const struct vm_spec *spec, struct vm_spec *s, int *child_fd,
		   struct buf *err)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0) {
		buf_addf(err, "control channel: socketpair: %s", strerror(errno));
		return -1;
	}
	vm->ctl_fd = sv[0];
	*child_fd = sv[1];
	if (child_keep_fd(&vm->qemu, sv[1]) < 0) {
		buf_addstr(err, "internal error: too many descriptors for QEMU");
		return -1;
	}
	s->ctl_child_fd = sv[1];
	if (spec->ctl_input)
		buf_addstr(&vm->ctl_out, spec->ctl_input);
	return 0;
}

/* The QMP monitor on a socketpair; without it the run goes on (the console
 * tells a panic) and the outcome says why QMP is missing. */
static void add_qmp(struct vm *vm, int *child_fd)
{
	_cleanup_buf_ struct buf err = BUF_INIT;

	if (qmp_open(&vm->qmp, child_fd, &err) < 0 || child_keep_fd(&vm->qemu, *child_fd) < 0) {
		qmp_close(&vm->qmp);
		vm->qmp.state = QMP_OFF;
		return;
	}
	child_arg(&vm->qemu, "-chardev");
	child_argf(&vm->qemu, "socket,id=qmp,fd=%d", *child_fd);
	child_arg(&vm->qemu, "-mon");
	child_arg(&vm->qemu, "chardev=qmp,mode=control");
}

static int copy_path(char *dst, size_t len, const char *src, const char *what, struct buf *err)
{
	if ((size_t)snprintf(dst, len, "%s", src ? src : "") >= len) {
		buf_addf(err, "%s path too long: %s", what, src);
		return -1;
	}
	return 0;
}

static void vm_init(struct vm *vm, const struct vm_spec *spec)
{
	struct child c = CHILD_INIT;

	memset(vm, 0, sizeof(*vm));
	vm->qemu = c;
	vm->qmp.fd = -1;
	vm->ctl_fd = -1;
	buf_init(&vm->ctl_out, 0);
	vm->timeout_s = spec->timeout_s;
	vm->silence_s = spec->silence_s;
	vm->boot_silence_s = spec->boot_silence_s ? spec->boot_silence_s : spec->silence_s;
}

int vm_start(const struct vm_spec *spec, struct vm *vm, struct buf *err)
{
	struct vm_spec s = *spec;
	char initrd[64], disk[64], incoming[64];
	int fds[5] = { -1, -1, -1, -1, -1 }, ret = -1;

	vm_init(vm, spec);
	if (copy_path(vm->log_path, sizeof(vm->log_path), spec->qemu_log_path, "QEMU log", err) < 0 ||
	    copy_path(vm->console_path, sizeof(vm->console_path), spec->console_path, "console", err) < 0 ||
	    copy_path(vm->records_path, sizeof(vm->records_path), spec->records_path, "records", err) < 0)
		goto out;
	if (spec->consume_files && spec->initrd) {
		if ((fds[0] = pass_file(spec->initrd, O_RDONLY, !spec->keep_initrd, &vm->qemu, initrd,
					sizeof(initrd), err)) < 0)
			goto out;
		s.initrd = initrd;
	}
	if (spec->consume_files && spec->disk_path) {
		if ((fds[1] = pass_file(spec->disk_path, O_RDWR, true, &vm->qemu, disk,
					sizeof(disk), err)) < 0)
			goto out;
		s.disk_path = disk;
	}
	if (spec->incoming) {
		if ((fds[3] = pass_file(spec->incoming, O_RDONLY, false, &vm->qemu, incoming,
					sizeof(incoming), err)) < 0)
			goto out;
		snprintf(incoming, sizeof(incoming), "fd:%d", fds[3]);
		s.incoming = incoming;
		vm->incoming = true;
	}
	if (spec->ctl && add_ctl(vm, spec, &s, &fds[4], err) < 0)
		goto out;
	if (vm_command(&s, &vm->qemu, err) < 0)
		goto out;
	add_qmp(vm, &fds[2]);
	vm->qemu.stdout_path = vm->log_path; /* "" is /dev/null */
	vm->qemu.stderr_path = "=stdout";
	vm->start = now_s();
	vm->w.last_output = vm->start;
	if (child_start(&vm->qemu, err) < 0)
		goto out;
	vm->qemu.stdout_path = NULL;
	vm->qemu.stderr_path = NULL;
	ret = 0;
out:
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) /* QEMU has its own copies */
		if (fds[i] >= 0)
			close(fds[i]);
	if (ret < 0) {
		qmp_close(&vm->qmp);
		ctl_close(vm);
		child_clear(&vm->qemu);
	}
	return ret;
}

/* The first line of QEMU's log, printable ASCII only, bounded. */
static void add_log_first_line(struct buf *b, const char *path)
{
	_cleanup_buf_ struct buf text = BUF_INIT;
	size_t i;

	if (!path[0] || buf_read_file(&text, path, 4096, NULL) < 0)
		return;
	for (i = 0; i < text.len && (text.s[i] == '\n' || text.s[i] == '\r'); i++)
		;
	if (i == text.len)
		return;
	buf_addstr(b, ": ");
	for (size_t n = 0; i < text.len && text.s[i] != '\n' && n < 160; i++, n++)
		buf_addch(b, text.s[i] >= 0x20 && text.s[i] < 0x7f ? text.s[i] : '?');
}

/* ---- the no-output watchdog ---- */

static long long file_size(const char *path)
{
	struct stat st;

	return path[0] && stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/* One record line: only the fields that set the watchdog's limit. */
static void watch_record(struct vm_watch *w, const char *line, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o, *t, *phase, *timeout;
	const char *type;

	if (!tok)
		return;
	o = json_tokener_parse_ex(tok, line, (int)len);
	if (o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, "t", &t) &&
	    json_object_is_type(t, json_type_string)) {
		type = json_object_get_string(t);
		if (!strcmp(type, "hello")) {
			w->hello = true;
		} else if (!strcmp(type, "ready")) {
			w->ready = true;
		} else if (!strcmp(type, "step") && json_object_object_get_ex(o, "phase", &phase) &&
			   json_object_is_type(phase, json_type_string)) {
			w->in_step = !strcmp(json_object_get_string(phase), "begin");
			w->step_timeout_s = 0;
			if (w->in_step && json_object_object_get_ex(o, "timeout_s", &timeout) &&
			    json_object_is_type(timeout, json_type_int)) {
				int64_t v = json_object_get_int64(timeout);

				w->step_timeout_s = v < 0 ? 0 : v > WATCH_STEP_TIMEOUT_MAX ?
					WATCH_STEP_TIMEOUT_MAX : (unsigned)v;
			}
		}
	}
	json_object_put(o);
	json_tokener_free(tok);
}

/* Read the records that came since rec_off, complete lines only.  A line
 * longer than WATCH_CHUNK is skipped. */
static void watch_records(struct vm_watch *w, const char *path)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *chunk = NULL;
	ssize_t n;

	while (w->rec_off < w->rec_size) {
		size_t start = 0, last = 0;

		if (fd < 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return;
		if (!chunk && !(chunk = malloc(WATCH_CHUNK)))
			abort();
		n = pread(fd, chunk, WATCH_CHUNK, (off_t)w->rec_off);
		if (n <= 0)
			return;
		for (size_t i = 0; i < (size_t)n; i++) {
			if (chunk[i] != '\n')
				continue;
			watch_record(w, chunk + start, i - start);
			start = last = i + 1;
		}
		if (!last && (size_t)n < WATCH_CHUNK)
			return; /* a partial line: wait for its end */
		w->rec_off += last ? (long long)last : n;
	}
}

unsigned vm_watch_update(struct vm *vm, double now, bool force)
{
	struct vm_watch *w = &vm->w;
	long long con, rec;

	/* Before the hello, at every call: its arrival time is the boot time. */
	if (force || !w->hello || now - w->last_check >= 1.0) {
		w->last_check = now;
		con = file_size(vm->console_path);
		rec = file_size(vm->records_path);
		if (con != w->con_size || rec != w->rec_size)
			w->last_output = now;
		w->con_size = con;
		w->rec_size = rec;
		watch_records(w, vm->records_path);
		if (w->hello && !w->hello_at)
			w->hello_at = now;
	}
	if (!w->hello)
		return vm->boot_silence_s;
	if (!vm->silence_s)
		return 0;
	return w->in_step ? vm->silence_s + w->step_timeout_s : vm->silence_s;
}

/* ---- the end of a VM ---- */

static void outcome_qmp(struct vm *vm, struct vm_outcome *out)
{
	qmp_pump(&vm->qmp); /* QEMU is gone: read to the end */
	out->qmp = vm->qmp.negotiated;
	out->guest_panicked = vm->qmp.panicked;
	snprintf(out->reason, sizeof(out->reason), "%s", vm->qmp.reason);
	if (!out->qmp)
		snprintf(out->qmp_error, sizeof(out->qmp_error), "%s",
			 vm->qmp.error[0] ? vm->qmp.error : "QMP: QEMU never answered");
	qmp_close(&vm->qmp);
}

/* Whether the VM must die now, and why.  The files are looked at once a
 * second; before the watchdog kills, it looks again. */
static bool overdue(struct vm *vm, double t, struct vm_outcome *out, struct buf *why)
{
	unsigned limit = vm_watch_update(vm, t, false);

	if (vm->timeout_s && t - vm->start >= (double)vm->timeout_s) {
		out->timed_out = true;
		buf_addf(why, "no poweroff within %u s (host timeout)", vm->timeout_s);
		return true;
	}
	if (limit && t - vm->w.last_output >= (double)limit)
		limit = vm_watch_update(vm, t, true);
	if (limit && t - vm->w.last_output >= (double)limit) {
		out->timed_out = out->hung = true;
		buf_addf(why, "no output from the guest for %u s (console and records unchanged; "
			 "watchdog%s)", limit, vm->w.hello ? "" : ", before the agent's hello");
		return true;
	}
	return false;
}

int vm_poll(struct vm *vm, struct vm_outcome *out)
{
	_cleanup_buf_ struct buf why = BUF_INIT;
	int r, e;
	double t;

	qmp_pump(&vm->qmp);
	ctl_pump(vm);
	r = child_poll(&vm->qemu);
	e = errno;
	t = now_s();
	memset(out, 0, sizeof(*out));
	if (r == 0 && !overdue(vm, t, out, &why))
		return 0;
	if (r == 0) {
		child_kill(&vm->qemu);
	} else if (r < 0) {
		buf_addf(&why, "cannot wait for QEMU: %s", strerror(e));
		child_kill(&vm->qemu);
		out->qemu_failed = true;
	} else if (!WIFEXITED(vm->qemu.status) || WEXITSTATUS(vm->qemu.status) != 0) {
		out->qemu_failed = true;
		buf_addstr(&why, "QEMU ");
		describe_status(&why, vm->qemu.status);
		add_log_first_line(&why, vm->log_path);
	}
	vm_watch_update(vm, t, true);
	out->before_hello = !vm->w.hello;
	outcome_qmp(vm, out);
	out->status = vm->qemu.status;
	out->wall_s = t - vm->start;
	snprintf(out->why, sizeof(out->why), "%s", why.s);
	child_clear(&vm->qemu);
	ctl_close(vm);
	return 1;
}

void vm_kill(struct vm *vm)
{
	child_kill(&vm->qemu);
	child_clear(&vm->qemu);
	qmp_close(&vm->qmp);
	ctl_close(vm);
}
