/* vm_accel.c - the accelerator decision (vm.h): KVM only when a probe
 * boot proves it works on this host. */
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "report.h"

#define QEMU_DEFAULT "qemu-system-x86_64"

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
	_cleanup_buf_ struct buf text = BUF_INIT, err = BUF_INIT;

	buf_addf(&text, "%s\n%s\n", accel_name(a), reason);
	if (write_file_atomic(path, text.s, text.len, &err) < 0)
		fprintf(stderr, "oomlab: %s\n", err.s);
}

/* SIGINT, SIGTERM or SIGHUP is waiting (the controller blocks them). */
static bool interrupt_pending(void)
{
	sigset_t set;

	return sigpending(&set) == 0 && (sigismember(&set, SIGINT) == 1 ||
					 sigismember(&set, SIGTERM) == 1 ||
					 sigismember(&set, SIGHUP) == 1);
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
	while (vm_poll(&vm, &out) == 0) {
		if (interrupt_pending()) {
			vm_kill(&vm);
			buf_addstr(reason, "the KVM probe was interrupted");
			return ACCEL_TCG;
		}
		sleep_ms(20);
	}
	if (out.timed_out) {
		*definite = true;
		buf_addf(reason, "KVM probe boot did not finish in %u s: KVM guests hang on this host",
			 timeout_s);
	} else if (out.qemu_failed) {
		buf_addf(reason, "the KVM probe failed: %s", out.why);
	} else if (out.before_hello) {
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
