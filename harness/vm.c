/* vm.c - see vm.h */
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"

#define QEMU_DEFAULT "qemu-system-x86_64"
#define RECORDS_SCAN_MAX (1u << 20)

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
	child_argf(c, "console=ttyS0 panic=-1%s%s", spec->append && *spec->append ? " " : "",
		   spec->append ? spec->append : "");
	child_arg(c, "-chardev");
	arg_opt(c, "file,id=con,path=", spec->console_path, "");
	child_arg(c, "-serial");
	child_arg(c, "chardev:con");
	child_arg(c, "-chardev");
	arg_opt(c, "file,id=rec,path=", spec->records_path, "");
	child_arg(c, "-serial");
	child_arg(c, "chardev:rec");
	if (spec->disk_path) {
		child_arg(c, "-drive");
		arg_opt(c, "file=", spec->disk_path, ",format=raw,if=virtio");
	}
	child_arg(c, "-no-reboot");
	return 0;
}

int vm_start(const struct vm_spec *spec, struct vm *vm, struct buf *err)
{
	struct child c = CHILD_INIT;

	memset(vm, 0, sizeof(*vm));
	vm->qemu = c;
	if (vm_command(spec, &vm->qemu, err) < 0)
		goto fail;
	if (spec->qemu_log_path &&
	    (size_t)snprintf(vm->log_path, sizeof(vm->log_path), "%s", spec->qemu_log_path) >=
		    sizeof(vm->log_path)) {
		buf_addf(err, "QEMU log path too long: %s", spec->qemu_log_path);
		goto fail;
	}
	vm->qemu.stdout_path = vm->log_path; /* "" is /dev/null */
	vm->qemu.stderr_path = "=stdout";
	vm->timeout_s = spec->timeout_s;
	vm->start = now_s();
	if (child_start(&vm->qemu, err) < 0)
		goto fail;
	vm->qemu.stdout_path = NULL;
	vm->qemu.stderr_path = NULL;
	return 0;
fail:
	child_clear(&vm->qemu);
	return -1;
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

int vm_poll(struct vm *vm, struct vm_outcome *out)
{
	_cleanup_buf_ struct buf why = BUF_INIT;
	int r = child_poll(&vm->qemu), e = errno;
	double t = now_s();

	if (r == 0 && (!vm->timeout_s || t - vm->start < (double)vm->timeout_s))
		return 0;
	memset(out, 0, sizeof(*out));
	if (r == 0) {
		child_kill(&vm->qemu);
		out->timed_out = true;
		buf_addf(&why, "no poweroff within %u s", vm->timeout_s);
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
	out->status = vm->qemu.status;
	out->wall_s = t - vm->start;
	snprintf(out->why, sizeof(out->why), "%s", why.s);
	child_clear(&vm->qemu);
	return 1;
}

void vm_kill(struct vm *vm)
{
	child_kill(&vm->qemu);
	child_clear(&vm->qemu);
}

/* ---- the accelerator ---- */

/* An executable as execvp would find it. */
static void resolve_exe(const char *name, struct buf *out)
{
	const char *path = getenv("PATH");
	_cleanup_buf_ struct buf dirs = BUF_INIT;
	char *save = NULL;

	if (strchr(name, '/') || !path) {
		buf_addstr(out, name);
		return;
	}
	buf_addstr(&dirs, path);
	for (char *d = strtok_r(dirs.s, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		buf_reset(out);
		buf_addf(out, "%s/%s", d, name);
		if (access(out->s, X_OK) == 0)
			return;
	}
	buf_reset(out);
	buf_addstr(out, name);
}

static void add_file_id(struct buf *key, const char *path)
{
	struct stat st;

	buf_addf(key, "%s\n", path);
	if (stat(path, &st) == 0)
		buf_addf(key, "%llu %lld %lld\n", (unsigned long long)st.st_ino,
			 (long long)st.st_size, (long long)st.st_mtime);
}

/* The cache file of a probe: keyed by the host boot, the QEMU binary and the
 * kernel (path, inode, size, mtime).  Returns -1 when there is no boot id. */
static int cache_path(const struct vm_spec *probe, const char *cache_dir, struct buf *path)
{
	_cleanup_buf_ struct buf key = BUF_INIT, qemu = BUF_INIT;
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	if (!cache_dir || buf_read_file(&key, "/proc/sys/kernel/random/boot_id", 64, NULL) < 0 ||
	    !key.len)
		return -1;
	resolve_exe(probe->qemu ? probe->qemu : QEMU_DEFAULT, &qemu);
	add_file_id(&key, qemu.s);
	add_file_id(&key, probe->kernel ? probe->kernel : "");
	for (size_t i = 0; i < key.len; i++)
		h = (h ^ (unsigned char)key.s[i]) * 0x100000001b3ull;
	buf_addf(path, "%s/accel-%016llx", cache_dir, (unsigned long long)h);
	return 0;
}

static int cache_read(const char *path, enum accel *a, struct buf *reason)
{
	_cleanup_buf_ struct buf text = BUF_INIT;
	char *nl;

	if (buf_read_file(&text, path, 1024, NULL) < 0 || !(nl = strchr(text.s, '\n')))
		return -1;
	*nl = '\0';
	if (!strcmp(text.s, "kvm"))
		*a = ACCEL_KVM;
	else if (!strcmp(text.s, "tcg"))
		*a = ACCEL_TCG;
	else
		return -1;
	for (const char *p = nl + 1; *p && *p != '\n'; p++)
		buf_addch(reason, *p >= 0x20 && *p < 0x7f ? *p : '?');
	return 0;
}

static void cache_write(const char *path, enum accel a, const char *reason)
{
	_cleanup_buf_ struct buf tmp = BUF_INIT;
	FILE *f;

	buf_addf(&tmp, "%s.%d.tmp", path, (int)getpid());
	f = fopen(tmp.s, "we");
	if (!f)
		return;
	fprintf(f, "%s\n%s\n", accel_name(a), reason);
	if (fclose(f) != 0 || rename(tmp.s, path) < 0)
		unlink(tmp.s);
}

static bool records_have_hello(const char *path)
{
	_cleanup_buf_ struct buf text = BUF_INIT;
	static const char hello[] = "\"t\":\"hello\"";

	if (buf_read_file(&text, path, RECORDS_SCAN_MAX, NULL) < 0)
		return false;
	return memmem(text.s, text.len, hello, sizeof(hello) - 1) != NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Boot the probe under KVM.  *definite: the answer may be cached. */
static enum accel run_probe(const struct vm_spec *probe, unsigned timeout_s, struct buf *reason,
			    bool *definite)
{
	struct vm_spec s = *probe;
	_cleanup_buf_ struct buf err = BUF_INIT;
	struct vm vm;
	struct vm_outcome out;

	*definite = false;
	s.accel = ACCEL_KVM;
	s.timeout_s = timeout_s;
	if (vm_start(&s, &vm, &err) < 0) {
		buf_addf(reason, "the KVM probe could not start: %s", err.s);
		return ACCEL_TCG;
	}
	while (vm_poll(&vm, &out) == 0)
		sleep_ms(20);
	if (out.timed_out) {
		*definite = true;
		buf_addf(reason, "KVM probe boot did not finish in %u s: KVM guests hang on this host",
			 timeout_s);
	} else if (out.qemu_failed) {
		buf_addf(reason, "the KVM probe failed: %s", out.why);
	} else if (!records_have_hello(s.records_path)) {
		buf_addstr(reason, "the KVM probe guest powered off without the agent's hello record");
	} else {
		*definite = true;
		buf_addf(reason, "a KVM probe guest booted and powered off in %.1f s", out.wall_s);
		return ACCEL_KVM;
	}
	return ACCEL_TCG;
}

enum accel accel_probe(const struct vm_spec *probe, unsigned probe_timeout_s,
		       const char *cache_dir, struct buf *why)
{
	_cleanup_buf_ struct buf path = BUF_INIT, reason = BUF_INIT;
	bool cacheable = cache_path(probe, cache_dir, &path) == 0, definite;
	enum accel a;
	double t0 = now_s();

	if (cacheable && cache_read(path.s, &a, &reason) == 0) {
		buf_addf(why, "%s: %s (probed earlier in this host boot)", accel_name(a), reason.s);
		return a;
	}
	a = run_probe(probe, probe_timeout_s, &reason, &definite);
	if (cacheable && definite)
		cache_write(path.s, a, reason.s);
	buf_addf(why, "%s: %s (probe took %.1f s)", accel_name(a), reason.s, now_s() - t0);
	return a;
}

enum accel accel_decide(enum accel want, const struct vm_spec *probe, unsigned probe_timeout_s,
			const char *cache_dir, struct buf *why)
{
	int fd;

	if (want == ACCEL_TCG) {
		buf_addstr(why, "tcg: requested");
		return ACCEL_TCG;
	}
	if (want == ACCEL_KVM) {
		buf_addstr(why, "kvm: requested (not probed)");
		return ACCEL_KVM;
	}
	if (!probe) {
		buf_addstr(why, "tcg: no probe guest to try KVM with");
		return ACCEL_TCG;
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		buf_addf(why, "tcg: no /dev/kvm (%s)", strerror(errno));
		return ACCEL_TCG;
	}
	close(fd);
	return accel_probe(probe, probe_timeout_s, cache_dir, why);
}
