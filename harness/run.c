/* run.c - see run.h */
#include "run.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assess.h"
#include "cleanup.h"
#include "evidence.h"
#include "guestfs.h"
#include "initramfs.h"
#include "predict.h"
#include "spawn.h"
#include "verdict.h"

#define MAX_MODULES 32
#define STRESS_NG "/usr/bin/stress-ng" /* Debian's, shipped with its libraries */
#define RECORDS_MAX (32u << 20) /* more than any honest agent writes */
#define CONSOLE_MAX (8u << 20)
/* Boot under TCG plus setup: added to the step timeouts for the VM timeout. */
#define VM_BOOT_ALLOWANCE_S 90

struct slot {
	bool busy;
	size_t item;
	struct vm vm;
};

struct run {
	const struct plan *plan;
	const struct run_opts *o;
	struct result *res;
	bool *finished;
	struct slot *slots;
	char work[PATH_MAX];   /* out_dir/.work: initramfs and swap images */
	struct progress prog;
};

static int mkdir_p(const char *path)
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
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

int run_make_initramfs(const char *path, const char *guest_dir, const char *plan_json,
		       char *const *ko_paths, size_t nko, const char *program, struct buf *err)
{
	struct guestfs g;
	int r = 0;

	guestfs_init(&g, guest_dir, plan_json);
	guestfs_add_modules(&g, ko_paths, nko);
	if (program)
		r = guestfs_add_program(&g, program, err);
	if (r == 0)
		r = guestfs_write(&g, path, err);
	guestfs_free(&g);
	return r;
}

/* A sparse swap image formatted by mkswap (util-linux) on the host. */
static int make_swap_disk(const char *path, unsigned long long bytes, struct buf *err)
{
	const char *argv[] = { "mkswap", "-q", path, NULL };
	_cleanup_buf_ struct buf out = BUF_INIT;
	FILE *f = fopen(path, "we");

	if (!f || ftruncate(fileno(f), (off_t)bytes) < 0) {
		buf_addf(err, "%s: cannot create the swap image: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	if (run_capture(argv, &out, 4096, err) != 0) {
		buf_addf(err, " (mkswap %s failed: %s)", path, out.s);
		return -1;
	}
	return 0;
}

static void module_basenames(char **paths, size_t n, char **names)
{
	for (size_t i = 0; i < n; i++) {
		char *slash = strrchr(paths[i], '/');
		names[i] = slash ? slash + 1 : paths[i];
	}
}

/* Everything a scenario's guest needs on disk.  Returns -1 with err set. */
static int prepare_item(struct run *r, size_t i, struct vm_spec *spec, struct buf *err)
{
	const struct plan_item *it = &r->plan->items[i];
	const char *mods[MAX_MODULES];
	char *ko[MAX_MODULES] = { 0 }, *names[MAX_MODULES];
	_cleanup_buf_ struct buf plan = BUF_INIT, path = BUF_INIT;
	size_t nmod = plan_modules(it, mods, MAX_MODULES);
	int nko = 0, ret = -1;

	if (nmod) {
		nko = kernel_modules_closure(r->o->kernel, mods, nmod, ko, MAX_MODULES, err);
		if (nko < 0)
			return -1;
	}
	module_basenames(ko, (size_t)nko, names);
	plan_guest_json(it, names, (size_t)nko, &plan);
	buf_addf(&path, "%s/%s/plan.json", r->o->out_dir, it->sc->name);
	if (write_file_atomic(path.s, plan.s, plan.len, err) < 0)
		goto out;
	buf_reset(&path);
	buf_addf(&path, "%s/%s.cpio", r->work, it->sc->name);
	if (run_make_initramfs(path.s, r->o->guest_dir, plan.s, ko, (size_t)nko,
			       !strcmp(it->sc->run[0], "stress-ng") ? STRESS_NG : NULL, err) < 0)
		goto out;
	spec->initrd = strdup(path.s);
	if (it->vm->swap == SWAP_DISK) {
		buf_reset(&path);
		buf_addf(&path, "%s/%s.swap", r->work, it->sc->name);
		if (make_swap_disk(path.s, it->vm->swap_bytes, err) < 0)
			goto out;
		spec->disk_path = strdup(path.s);
	}
	ret = 0;
out:
	for (int k = 0; k < nko; k++)
		free(ko[k]);
	return ret;
}

static char *scenario_file(const struct run *r, size_t i, const char *name)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s/%s/%s", r->o->out_dir, r->plan->items[i].sc->name, name);
	return buf_detach(&b);
}

static void append_join(struct buf *b, const char *a, const char *c)
{
	if (a && *a)
		buf_addf(b, "%s ", a);
	if (c && *c)
		buf_addf(b, "%s ", c);
	buf_rtrim(b);
}

static unsigned vm_timeout(const struct scenario *sc)
{
	return VM_BOOT_ALLOWANCE_S + (sc->timeout_s ? sc->timeout_s : 120) + 30;
}

static void result_init(struct run *r, size_t i)
{
	struct result *res = &r->res[i];
	const struct plan_item *it = &r->plan->items[i];

	memset(res, 0, sizeof(*res));
	snprintf(res->scenario, sizeof(res->scenario), "%s", it->sc->name);
	snprintf(res->vmconfig, sizeof(res->vmconfig), "%s", it->vm->name);
	snprintf(res->kernel, sizeof(res->kernel), "%s", r->o->kernel->release);
	snprintf(res->accel, sizeof(res->accel), "%s", accel_name(r->o->accel));
	snprintf(res->dir, sizeof(res->dir), "%s", it->sc->name);
	res->expected = it->sc->expect;
	observed_init(&res->obs);
}

static void save_results(struct run *r)
{
	_cleanup_free_ struct result *done = calloc(r->plan->n + 1, sizeof(*done));
	_cleanup_buf_ struct buf json = BUF_INIT, xml = BUF_INIT, path = BUF_INIT, err = BUF_INIT;
	size_t n = 0;

	if (!done)
		abort();
	for (size_t i = 0; i < r->plan->n; i++)
		if (r->finished[i])
			done[n++] = r->res[i];
	report_json(done, n, &json);
	report_junit(done, n, "oomlab", &xml);
	buf_addf(&path, "%s/results.json", r->o->out_dir);
	if (write_file_atomic(path.s, json.s, json.len, &err) < 0)
		fprintf(stderr, "oomlab: %s\n", err.s);
	buf_reset(&path);
	buf_addf(&path, "%s/junit.xml", r->o->out_dir);
	if (write_file_atomic(path.s, xml.s, xml.len, &err) < 0)
		fprintf(stderr, "oomlab: %s\n", err.s);
}

static void finish_item(struct run *r, size_t i)
{
	r->finished[i] = true;
	save_results(r);
	progress_update(&r->prog, stderr, &r->res[i]);
}

static void fail_item(struct run *r, size_t i, const char *why)
{
	struct result *res = &r->res[i];

	res->verdict = VERDICT_ERROR;
	snprintf(res->reason, sizeof(res->reason), "%s", why);
	finish_item(r, i);
}

static void start_item(struct run *r, struct slot *s, size_t i)
{
	const struct plan_item *it = &r->plan->items[i];
	_cleanup_buf_ struct buf err = BUF_INIT, dir = BUF_INIT, append = BUF_INIT;
	_cleanup_free_ char *console = scenario_file(r, i, "console.log");
	_cleanup_free_ char *records = scenario_file(r, i, "records.jsonl");
	_cleanup_free_ char *qlog = scenario_file(r, i, "qemu.log");
	struct vm_spec spec = { 0 };

	result_init(r, i);
	buf_addf(&dir, "%s/%s", r->o->out_dir, it->sc->name);
	if (mkdir_p(dir.s) < 0) {
		buf_addf(&err, "%s: cannot create: %s", dir.s, strerror(errno));
		goto fail;
	}
	if (prepare_item(r, i, &spec, &err) < 0)
		goto fail;
	append_join(&append, it->vm->append, r->o->append);
	spec.qemu = r->o->qemu;
	spec.kernel = r->o->kernel->image;
	spec.append = append.s;
	spec.mem_bytes = it->vm->memory_bytes;
	spec.cpus = it->vm->cpus;
	spec.numa_nodes = it->vm->numa_nodes;
	spec.accel = r->o->accel;
	spec.console_path = console;
	spec.records_path = records;
	spec.qemu_log_path = qlog;
	spec.timeout_s = vm_timeout(it->sc);
	if (vm_start(&spec, &s->vm, &err) < 0)
		goto fail;
	free((char *)spec.initrd);
	free((char *)spec.disk_path);
	s->busy = true;
	s->item = i;
	r->prog.running++;
	return;
fail:
	free((char *)spec.initrd);
	free((char *)spec.disk_path);
	fail_item(r, i, err.s);
}

/* What this boot measured serves `oomlab oracle` later (predict.h). */
static void save_facts(struct run *r, size_t i, const struct evidence *ev)
{
	_cleanup_buf_ struct buf err = BUF_INIT;
	struct oracle_facts f;

	if (!r->o->cache_dir || !ev->hello || !ev->release[0] || ev->boot.mem_total_kb <= 0)
		return;
	predict_facts(ev, &f);
	if (facts_save(r->o->cache_dir, ev->release, r->plan->items[i].vm, &f, &err) < 0)
		fprintf(stderr, "oomlab: %s\n", err.s);
}

/* The VM of slot s is over: gather the evidence and judge. */
static void collect_item(struct run *r, struct slot *s, const struct vm_outcome *out)
{
	size_t i = s->item;
	struct result *res = &r->res[i];
	_cleanup_free_ char *records = scenario_file(r, i, "records.jsonl");
	_cleanup_free_ char *console = scenario_file(r, i, "console.log");
	_cleanup_buf_ struct buf rec = BUF_INIT, con = BUF_INIT;
	struct evidence ev;
	const char *problem = NULL;

	s->busy = false;
	r->prog.running--;
	evidence_init(&ev);
	if (buf_read_file(&rec, records, RECORDS_MAX, NULL) < 0)
		problem = "the record channel file is missing";
	buf_read_file(&con, console, CONSOLE_MAX, NULL);
	evidence_parse_records(&ev, rec.s, rec.len);
	evidence_scan_console(&ev, con.s, con.len, 40);
	if (out->timed_out || out->qemu_failed)
		problem = out->why;
	assess(&r->plan->items[i], &ev, problem, res);
	save_facts(r, i, &ev);
	res->duration_s = out->wall_s;
	evidence_free(&ev);
	finish_item(r, i);
}

static void cleanup_work(struct run *r)
{
	for (size_t i = 0; i < r->plan->n; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s.cpio", r->work, r->plan->items[i].sc->name);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s.swap", r->work, r->plan->items[i].sc->name);
		unlink(path);
	}
	rmdir(r->work);
}

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

static bool interrupted(int sfd)
{
	struct signalfd_siginfo si;

	return sfd >= 0 && read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si);
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
			collect_item(r, s, &out);
		else
			busy++;
	}
	return busy;
}

static int loop(struct run *r)
{
	sigset_t old;
	_cleanup_close_ int sfd = signal_fd(&old);
	size_t next = 0, busy = 0;
	int status = 0;

	while (next < r->plan->n || busy) {
		struct pollfd pfd = { sfd, POLLIN, 0 };

		if (interrupted(sfd)) {
			for (unsigned k = 0; k < r->o->jobs; k++)
				if (r->slots[k].busy)
					vm_kill(&r->slots[k].vm);
			status = 130;
			break;
		}
		for (unsigned k = 0; k < r->o->jobs && next < r->plan->n; k++)
			if (!r->slots[k].busy)
				start_item(r, &r->slots[k], next++);
		busy = poll_slots(r);
		progress_update(&r->prog, stderr, NULL);
		poll(&pfd, 1, 50);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
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
	int status;

	snprintf(r.work, sizeof(r.work), "%s/.work", o->out_dir);
	if (mkdir_p(r.work) < 0) {
		buf_addf(err, "%s: cannot create: %s", r.work, strerror(errno));
		return -1;
	}
	r.res = calloc(p->n + 1, sizeof(*r.res));
	r.finished = calloc(p->n + 1, sizeof(*r.finished));
	r.slots = calloc(o->jobs, sizeof(*r.slots));
	if (!r.res || !r.finished || !r.slots)
		abort();
	progress_init(&r.prog, stderr, p->n);
	r.prog.tty = r.prog.tty && !o->quiet;
	status = loop(&r);
	progress_end(&r.prog, stderr);
	cleanup_work(&r);
	save_results(&r);
	*nresults = compact(&r);
	if (status != 130)
		status = report_exit_status(r.res, *nresults);
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
