/* run.c - see run.h: the loop over the plan, the work directory, signals,
 * saving results.  One scenario's life is in run_item.c. */
#include "run_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fiu-local.h>

#include "cleanup.h"
#include "guestfs.h"
#include "report_ci.h"
#include "verdict.h"

static void *xcalloc(size_t n, size_t size)
{
	void *p = NULL;

	fiu_do_on("oomlab/run/alloc", goto fail);
	p = calloc(n, size);
	if (p)
		return p;
fail:
	fputs("oomlab: out of memory\n", stderr);
	abort();
}

int run_make_initramfs(const char *path, const char *guest_dir, const char *plan_json,
		       char *const *ko_paths, size_t nko, const char *program, bool fiu,
		       struct buf *err)
{
	struct guestfs g;
	int r = 0;

	guestfs_init(&g, guest_dir, plan_json);
	guestfs_add_modules(&g, ko_paths, nko);
	if (fiu && !g.fiu_guest_dir) /* a snapshot shape: no plan to tell */
		r = guestfs_add_fiu(&g, guest_dir, err);
	if (program && r == 0)
		r = guestfs_add_program(&g, program, err);
	if (r == 0)
		r = guestfs_write(&g, path, err);
	guestfs_free(&g);
	return r;
}

/* ---- results ---- */

static void save_results(struct run *r)
{
	_cleanup_free_ struct result *done = xcalloc(r->plan->n + 1, sizeof(*done));
	_cleanup_buf_ struct buf err = BUF_INIT;
	size_t n = 0;

	for (size_t i = 0; i < r->plan->n; i++)
		if (r->finished[i])
			done[n++] = r->res[i];
	/* results.json, then junit.xml, results.ktap, kcidb.json (report_ci.h):
	 * none of them ever gets ahead of results.json */
	r->save_failed = report_write_dir(r->o->out_dir, done, n, NULL, &err) < 0;
	if (r->save_failed)
		fprintf(stderr, "oomlab: %s\n", err.s);
}

void run_finish_item(struct run *r, size_t i)
{
	r->finished[i] = true;
	save_results(r);
	progress_update(&r->prog, stderr, &r->res[i]);
}

void run_fail_item(struct run *r, size_t i, const char *why)
{
	struct result *res = &r->res[i];

	res->verdict = VERDICT_ERROR;
	snprintf(res->reason, sizeof(res->reason), "%s", why);
	run_finish_item(r, i);
}

/* --resume: the items whose results came from an earlier run. */
static size_t apply_prior(struct run *r)
{
	size_t n = 0;

	for (size_t k = 0; k < r->o->nprior; k++) {
		const struct result *p = &r->o->prior[k];

		for (size_t i = 0; i < r->plan->n; i++) {
			const struct plan_item *it = &r->plan->items[i];

			if (r->finished[i] || strcmp(it->sc->name, p->scenario) ||
			    strcmp(it->vm->name, p->vmconfig))
				continue;
			result_copy(&r->res[i], p);
			r->finished[i] = true;
			n++;
			break;
		}
	}
	return n;
}

/* ---- the work directory ---- */

/* mkdir -p, the last component with mode. */
static int mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return errno = ENAMETOOLONG, -1;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, mode) < 0 && errno != EEXIST ? -1 : 0;
}

int run_work_dir(struct run *r, struct buf *err)
{
	if (fiu_fail("oomlab/run/mkdir"))
		errno = EACCES;
	else if (mkdir_p(r->work, 0700) == 0 && chmod(r->work, 0700) == 0)
		return 0;
	buf_addf(err, "%s: cannot create: %s", r->work, strerror(errno));
	return -1;
}

/* Remove the entries of dir that match pattern. */
static void sweep(const char *dir, const char *pattern)
{
	_cleanup_buf_ struct buf path = BUF_INIT;
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, "..")))
			continue;
		if (fnmatch(pattern, e->d_name, FNM_PERIOD) != 0)
			continue;
		buf_reset(&path);
		buf_addf(&path, "%s/%s", dir, e->d_name);
		unlink(path.s);
	}
	closedir(d);
}

void run_work_done(struct run *r)
{
	sweep(r->work, "*");
	rmdir(r->work);
}

/* What a killed run left: images in .work, temp files of atomic writes
 * (write_file_atomic's NAME.tmp.XXXXXX) in out_dir and its scenario dirs. */
static void sweep_stale(struct run *r)
{
	_cleanup_buf_ struct buf dir = BUF_INIT;

	run_work_done(r);
	sweep(r->o->out_dir, "*.tmp.??????");
	for (size_t i = 0; i < r->plan->n; i++) {
		buf_reset(&dir);
		buf_addf(&dir, "%s/%s", r->o->out_dir, r->plan->items[i].sc->name);
		sweep(dir.s, "*.tmp.??????");
	}
}

/* The run owns out_dir: a lock on the directory itself (nothing to leave
 * behind), so that a second run into it (a --resume while the first still
 * runs, say) is refused. */
static int work_open(struct run *r, struct buf *err)
{
	snprintf(r->work, sizeof(r->work), "%s/.work", r->o->out_dir);
	r->lock_fd = open(r->o->out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->lock_fd < 0) {
		buf_addf(err, "%s: cannot open: %s", r->o->out_dir, strerror(errno));
		return -1;
	}
	if (flock(r->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		buf_addf(err, "%s is in use by another oomlab run", r->o->out_dir);
		close(r->lock_fd);
		r->lock_fd = -1;
		return -1;
	}
	sweep_stale(r);
	return 0;
}

static void work_close(struct run *r)
{
	run_work_done(r);
	if (r->lock_fd >= 0)
		close(r->lock_fd);
	r->lock_fd = -1;
}

/* ---- the loop ---- */

static int signal_fd(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, old);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* The signal that asks us to stop, or 0. */
static int interrupted(int sfd)
{
	struct signalfd_siginfo si;

	if (sfd >= 0 && read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		return (int)si.ssi_signo;
	return 0;
}

/* Poll every busy slot once; returns how many are still busy. */
static size_t poll_slots(struct run *r)
{
	size_t busy = 0;

	for (unsigned k = 0; k < r->o->jobs; k++) {
		struct slot *s = &r->slots[k];
		struct vm_outcome out;

		if (!s->busy)
			continue;
		if (vm_poll(&s->vm, &out) == 1)
			run_collect_item(r, s, &out);
		if (s->busy)
			busy++;
	}
	return busy;
}

static void kill_all(struct run *r)
{
	for (unsigned k = 0; k < r->o->jobs; k++) {
		if (!r->slots[k].busy)
			continue;
		vm_kill(&r->slots[k].vm);
		r->slots[k].busy = false;
		r->prog.running--;
	}
}

static size_t next_item(const struct run *r, size_t next)
{
	while (next < r->plan->n && r->finished[next])
		next++;
	return next;
}

/* Host memory a guest of item i takes: its RAM plus QEMU's own (TCG's
 * translation cache and the rest; measured RSS of an idle TCG QEMU is well
 * under this). */
#define QEMU_OVERHEAD (384ull << 20)

static unsigned long long guest_cost(const struct run *r, size_t i)
{
	return r->plan->items[i].vm->memory_bytes + QEMU_OVERHEAD;
}

/* Whether item i may start now: the guests running and it stay within the
 * memory budget; one guest always may (it is what the user asked for). */
static bool fits_budget(struct run *r, size_t i)
{
	unsigned long long used = 0;
	unsigned running = 0;

	for (unsigned k = 0; k < r->o->jobs; k++)
		if (r->slots[k].busy) {
			used += guest_cost(r, r->slots[k].item);
			running++;
		}
	if (!running || !r->mem_budget || used + guest_cost(r, i) <= r->mem_budget)
		return true;
	if (!r->budget_noted) {
		fprintf(stderr, "oomlab: fewer guests at a time than --jobs %u: the host memory "
			"budget is %llu MiB (--mem-budget)\n", r->o->jobs, r->mem_budget >> 20);
		r->budget_noted = true;
	}
	return false;
}

/* The budget: --mem-budget, else 80% of the host's MemAvailable now. */
static unsigned long long host_budget(const struct run_opts *o)
{
	_cleanup_fclose_ FILE *f = NULL;
	unsigned long long kb = 0;
	char line[128];

	if (o->mem_budget)
		return o->mem_budget;
	if (!(f = fopen("/proc/meminfo", "re")))
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	return kb * 1024 / 10 * 8;
}

static int loop(struct run *r)
{
	sigset_t old;
	_cleanup_close_ int sfd = signal_fd(&old);
	size_t next = next_item(r, 0), busy = 0;
	int sig = 0;

	while (next < r->plan->n || busy) {
		struct pollfd pfd = { sfd, POLLIN, 0 };

		if ((sig = interrupted(sfd)))
			break;
		for (unsigned k = 0; k < r->o->jobs && next < r->plan->n; k++) {
			if (r->slots[k].busy)
				continue;
			if (!fits_budget(r, next))
				break;
			run_start_item(r, &r->slots[k], next, 0);
			next = next_item(r, next + 1);
		}
		busy = poll_slots(r);
		progress_update(&r->prog, stderr, NULL);
		if (!sig && (sig = interrupted(sfd)))
			break;
		poll(&pfd, 1, 50);
	}
	kill_all(r);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return sig ? 128 + sig : 0;
}

/* Move the finished results to the front, in plan order; free the others. */
static size_t compact(struct run *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->plan->n; i++) {
		if (r->finished[i])
			r->res[n++] = r->res[i];
		else
			observed_free(&r->res[i].obs);
	}
	return n;
}

int run_plan(const struct plan *p, const struct run_opts *o, struct result **results,
	     size_t *nresults, struct buf *err)
{
	struct run r = { .plan = p, .o = o };
	size_t resumed;
	int status;

	if (work_open(&r, err) < 0)
		return -1;
	r.res = xcalloc(p->n + 1, sizeof(*r.res));
	r.finished = xcalloc(p->n + 1, sizeof(*r.finished));
	r.slots = xcalloc(o->jobs ? o->jobs : 1, sizeof(*r.slots));
	for (size_t i = 0; i < p->n; i++)
		observed_init(&r.res[i].obs);
	resumed = apply_prior(&r);
	progress_init(&r.prog, stderr, p->n);
	r.prog.tty = r.prog.tty && !o->quiet;
	r.prog.done = resumed;
	if (resumed)
		fprintf(stderr, "oomlab: resuming: %zu of %zu scenarios finished earlier\n", resumed,
			p->n);
	save_results(&r);
	r.mem_budget = host_budget(o);
	run_snapshots(&r);
	status = loop(&r);
	progress_end(&r.prog, stderr);
	save_results(&r);
	work_close(&r);
	*nresults = compact(&r);
	if (status == 0)
		status = report_exit_status(r.res, *nresults);
	if (r.save_failed && status < 2)
		status = 2;
	run_snapshots_free(&r);
	free(r.finished);
	free(r.slots);
	*results = r.res;
	return status;
}

void run_results_free(struct result *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		observed_free(&r[i].obs);
	free(r);
}
