/* snapshot.c - see snapshot.h */
#include "snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "report.h"

#define SNAP_FORMAT "oomlab-snapshot-2" /* bump when the agent protocol or the
					 * built-in command line (vm.c) changes */
#define BUILD_TIMEOUT_S 180             /* a TCG boot plus the save, generously */
#define QUERY_EVERY_S 0.05

/* ---- the key ---- */

static void fnv(uint64_t *h, const void *p, size_t len)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < len; i++)
		*h = (*h ^ c[i]) * 0x100000001b3ull;
}

static void fnv_str(uint64_t *h, struct buf *shape, const char *name, const char *s)
{
	s = s ? s : "";
	fnv(h, s, strlen(s) + 1);
	buf_addf(shape, "%s: %s\n", name, s);
}

static void fnv_num(uint64_t *h, struct buf *shape, const char *name, unsigned long long v)
{
	fnv(h, &v, sizeof(v));
	buf_addf(shape, "%s: %llu\n", name, v);
}

/* A file by identity (size, mtime, inode): -1 if it cannot be seen. */
static int fnv_file(uint64_t *h, struct buf *shape, const char *name, const char *path)
{
	struct stat st;

	if (!path || stat(path, &st) < 0)
		return -1;
	fnv_str(h, shape, name, path);
	fnv_num(h, shape, "  size", (unsigned long long)st.st_size);
	fnv_num(h, shape, "  mtime_ns", (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
		(unsigned long long)st.st_mtim.tv_nsec);
	fnv_num(h, shape, "  inode", (unsigned long long)st.st_ino);
	return 0;
}

/* The QEMU binary: spec->qemu, else qemu-system-x86_64 found in PATH. */
static void find_qemu(const struct vm_spec *spec, char *out, size_t len)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *copy = strdup(path ? path : "/usr/bin:/bin");

	snprintf(out, len, "%s", spec->qemu ? spec->qemu : "qemu-system-x86_64");
	if (spec->qemu || !copy)
		return;
	for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		char cand[PATH_MAX];

		snprintf(cand, sizeof(cand), "%s/qemu-system-x86_64", dir);
		if (access(cand, X_OK) == 0) {
			snprintf(out, len, "%s", cand);
			return;
		}
	}
}

static int shape_key(const struct vm_spec *spec, unsigned long long disk_bytes, uint64_t *h,
		     struct buf *shape, struct buf *err)
{
	_cleanup_buf_ struct buf initrd = BUF_INIT;
	char qemu[PATH_MAX];

	*h = 0xcbf29ce484222325ull;
	fnv_str(h, shape, "format", SNAP_FORMAT);
	find_qemu(spec, qemu, sizeof(qemu));
	if (fnv_file(h, shape, "qemu", qemu) < 0 || fnv_file(h, shape, "kernel", spec->kernel) < 0) {
		buf_addf(err, "snapshot: cannot see %s or %s: %s", qemu, spec->kernel, strerror(errno));
		return -1;
	}
	if (buf_read_file(&initrd, spec->initrd, 1u << 30, NULL) < 0) {
		buf_addf(err, "snapshot: %s: %s", spec->initrd, strerror(errno));
		return -1;
	}
	fnv(h, initrd.s, initrd.len);
	fnv_num(h, shape, "initrd_bytes", initrd.len);
	fnv_num(h, shape, "memory", spec->mem_bytes);
	fnv_num(h, shape, "cpus", spec->cpus ? spec->cpus : 1);
	fnv_num(h, shape, "numa_nodes", spec->numa_nodes);
	fnv_str(h, shape, "accel", accel_name(spec->accel));
	fnv_str(h, shape, "append", spec->append);
	fnv_num(h, shape, "disk_bytes", disk_bytes);
	return 0;
}

int snapshot_lookup(const char *cache_dir, const struct vm_spec *spec,
		    unsigned long long disk_bytes, struct snapshot *s, struct buf *err)
{
	_cleanup_buf_ struct buf shape = BUF_INIT, path = BUF_INIT;
	uint64_t h;

	memset(s, 0, sizeof(*s));
	if (shape_key(spec, disk_bytes, &h, &shape, err) < 0)
		return -1;
	snprintf(s->key, sizeof(s->key), "%016" PRIx64, h);
	buf_addf(&path, "%s/snapshots", cache_dir);
	if ((mkdir(path.s, 0700) < 0 && errno != EEXIST) ||
	    (buf_addf(&path, "/%s", s->key), mkdir(path.s, 0700) < 0 && errno != EEXIST)) {
		buf_addf(err, "snapshot: %s: cannot create: %s", path.s, strerror(errno));
		return -1;
	}
	snprintf(s->dir, sizeof(s->dir), "%s", path.s);
	snprintf(s->state, sizeof(s->state), "%s/state", path.s);
	snprintf(s->initrd, sizeof(s->initrd), "%s/initrd", path.s);
	if (access(s->initrd, R_OK) < 0 && rename(spec->initrd, s->initrd) < 0) {
		buf_addf(err, "snapshot: %s: %s", s->initrd, strerror(errno));
		return -1;
	}
	unlink(spec->initrd); /* still there when the entry had one */
	buf_reset(&path);
	buf_addf(&path, "%s/shape.txt", s->dir);
	if (access(path.s, R_OK) < 0 && write_file_atomic(path.s, shape.s, shape.len, err) < 0)
		return -1;
	s->ready = access(s->state, R_OK) == 0;
	snapshot_touch(s);
	return 0;
}

void snapshot_touch(const struct snapshot *s)
{
	utimensat(AT_FDCWD, s->dir, NULL, 0);
}

/* ---- building ---- */

enum phase { BOOTING, SAVING, QUITTING };

struct building {
	struct snapshot_job *job;
	struct vm vm;
	enum phase phase;
	double next_query;
	char tmp[PATH_MAX];
};

static void build_fail(struct building *b, const char *fmt, const char *detail)
{
	struct snapshot *s = b->job->snap;

	if (!s->why[0])
		snprintf(s->why, sizeof(s->why), fmt, detail);
}

/* The agent waits: stop the guest and migrate it into the temp file. */
static void start_save(struct building *b)
{
	_cleanup_close_ int fd = -1;
	struct qmp *q = &b->vm.qmp;

	snprintf(b->tmp, sizeof(b->tmp), "%s.tmp.%ld", b->job->snap->state, (long)getpid());
	fd = open(b->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		build_fail(b, "cannot create the state file: %s", strerror(errno));
		vm_kill(&b->vm);
		return;
	}
	/* Live: a guest saved while running restores running (QEMU
	 * migration.c, process_incoming_migration_bh: the source's run state
	 * is restored, so a stopped source would restore paused).  The agent
	 * sits in read(), so the migration converges in one or two passes. */
	if (qmp_execute_fd(q, "{\"execute\": \"getfd\", \"arguments\": {\"fdname\": \"snap\"}}", fd) < 0 ||
	    qmp_execute(q, "{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"fd:snap\"}}") < 0) {
		build_fail(b, "%s", q->error[0] ? q->error : "QMP is not available");
		return;
	}
	b->phase = SAVING;
}

static void advance(struct building *b, double t)
{
	struct qmp *q = &b->vm.qmp;

	if (b->phase == BOOTING) {
		vm_watch_update(&b->vm, t, true);
		if (b->vm.w.ready)
			start_save(b);
		return;
	}
	if (b->phase != SAVING || t < b->next_query)
		return;
	b->next_query = t + QUERY_EVERY_S;
	if (q->cmd_error[0]) {
		build_fail(b, "QMP: %s", q->cmd_error);
		qmp_execute(q, "{\"execute\": \"quit\"}");
		b->phase = QUITTING;
	} else if (!strcmp(q->status, "completed")) {
		qmp_execute(q, "{\"execute\": \"quit\"}");
		b->phase = QUITTING;
	} else if (!strcmp(q->status, "failed") || !strcmp(q->status, "cancelled")) {
		build_fail(b, "the migration %s", q->status);
		qmp_execute(q, "{\"execute\": \"quit\"}");
		b->phase = QUITTING;
	} else {
		qmp_execute(q, "{\"execute\": \"query-migrate\"}");
	}
}

/* QEMU is gone: keep the state if the save completed. */
static bool finish(struct building *b, const struct vm_outcome *out)
{
	struct snapshot *s = b->job->snap;
	bool ok = b->phase == QUITTING && !s->why[0] && !out->qemu_failed && !out->timed_out;
	_cleanup_close_ int fd = -1;

	if (ok && (fd = open(b->tmp, O_RDONLY | O_CLOEXEC)) >= 0 && fsync(fd) == 0 &&
	    rename(b->tmp, s->state) == 0) {
		s->ready = true;
		return true;
	}
	if (b->tmp[0])
		unlink(b->tmp);
	if (!s->why[0])
		build_fail(b, "%s", out->why[0] ? out->why : "the guest ended before it was saved");
	return false;
}

static int start_one(struct building *b, struct snapshot_job *j)
{
	_cleanup_buf_ struct buf err = BUF_INIT;

	memset(b, 0, sizeof(*b));
	b->job = j;
	j->spec.ctl = true;
	j->spec.incoming = NULL;
	j->spec.timeout_s = BUILD_TIMEOUT_S;
	if (vm_start(&j->spec, &b->vm, &err) < 0) {
		build_fail(b, "cannot start QEMU: %s", err.s);
		return -1;
	}
	return 0;
}

size_t snapshot_build(struct snapshot_job *jobs, size_t n, unsigned parallel, FILE *progress)
{
	_cleanup_free_ struct building *b = calloc(parallel ? parallel : 1, sizeof(*b));
	size_t next = 0, done = 0, built = 0, active = 0;
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	if (!b)
		return 0;
	parallel = parallel ? parallel : 1;
	while (done < n) {
		for (unsigned k = 0; k < parallel && next < n; k++) {
			if (b[k].job)
				continue;
			if (start_one(&b[k], &jobs[next++]) < 0) {
				b[k].job = NULL;
				done++;
			} else {
				active++;
			}
		}
		for (unsigned k = 0; k < parallel; k++) {
			struct vm_outcome out;

			if (!b[k].job)
				continue;
			advance(&b[k], now_s());
			if (vm_poll(&b[k].vm, &out) == 0)
				continue;
			built += finish(&b[k], &out);
			if (progress)
				fprintf(progress, "oomlab: snapshot %zu/%zu %s: %s%s%s (%.1f s)\n", done + 1,
					n, b[k].job->snap->key, b[k].job->snap->ready ? "saved"
					: b[k].job->snap->why, b[k].job->snap->ready ? "" : "; its console: ",
					b[k].job->snap->ready ? "" : b[k].job->spec.console_path, out.wall_s);
			b[k].job = NULL;
			done++;
			active--;
		}
		if (active)
			nanosleep(&tick, NULL);
	}
	return built;
}

/* ---- the budget ---- */

struct entry {
	char name[64];
	time_t used;
	unsigned long long bytes;
};

static unsigned long long entry_bytes(const char *dir)
{
	const char *files[] = { "state", "initrd", "shape.txt", "boot.console", "boot.records" };
	unsigned long long sum = 0;

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char p[PATH_MAX];
		struct stat st;

		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		if (stat(p, &st) == 0)
			sum += (unsigned long long)st.st_blocks * 512;
	}
	return sum;
}

static void entry_remove(const char *dir)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char p[PATH_MAX];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	rmdir(dir);
}

/* A build killed with its controller leaves state.tmp.PID behind. */
static void remove_stale_temps(const char *dir)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char p[PATH_MAX], *end;
		long pid;

		if (strncmp(e->d_name, "state.tmp.", 10))
			continue;
		pid = strtol(e->d_name + 10, &end, 10);
		if (*end || pid <= 0 || (kill((pid_t)pid, 0) < 0 && errno == ESRCH)) {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	}
}

static int by_use(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return (x->used > y->used) - (x->used < y->used);
}

void snapshot_trim(const char *cache_dir, unsigned long long budget_bytes)
{
	char root[PATH_MAX];
	_cleanup_(closedirp) DIR *d = NULL;
	_cleanup_free_ struct entry *v = NULL;
	unsigned long long total = 0;
	size_t n = 0, cap = 0;
	struct dirent *e;

	snprintf(root, sizeof(root), "%s/snapshots", cache_dir);
	if (!(d = opendir(root)))
		return;
	while ((e = readdir(d))) {
		char p[PATH_MAX];
		struct stat st;

		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(v->name))
			continue;
		snprintf(p, sizeof(p), "%s/%s", root, e->d_name);
		if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (n == cap) {
			struct entry *nv = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof(*v));

			if (!nv)
				return;
			v = nv;
		}
		remove_stale_temps(p);
		snprintf(v[n].name, sizeof(v[n].name), "%s", e->d_name);
		v[n].used = st.st_mtime;
		v[n].bytes = entry_bytes(p);
		total += v[n++].bytes;
	}
	qsort(v, n, sizeof(*v), by_use);
	for (size_t i = 0; i < n && total > budget_bytes; i++) {
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s/%s", root, v[i].name);
		entry_remove(p);
		total -= v[i].bytes;
	}
}
