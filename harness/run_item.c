/* run_item.c - one scenario of a run (run_int.h): its files, its VM, its
 * retry after a boot hang, its evidence and verdict. */
#include "run_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fiu-local.h>

#include "assess.h"
#include "cleanup.h"
#include "evidence.h"
#include "fiuspec.h"
#include "predict.h"
#include "spawn.h"
#include "verdict.h"

#define MAX_MODULES 32
#define STRESS_NG "/usr/bin/stress-ng" /* Debian's, shipped with its libraries */
#define RECORDS_MAX (32u << 20) /* more than any honest agent writes */
#define CONSOLE_MAX (8u << 20)
#define DEFAULT_STEP_S 120      /* the agent's default step timeout (workloads/README.md) */
#define SWAP_UUID "6f6f6d6c-6162-4000-8000-737761700000"
#define TAIL_LINES 20           /* console lines kept in an ERROR result */

/* Host timeout: boot and setup, the step, and the way out; the watchdog:
 * silence allowed (vm.h).  TCG is some ten times slower than KVM at boot. */
void run_limits(const struct run_opts *o, const struct scenario *sc, struct vm_spec *spec)
{
	const bool tcg = o->accel != ACCEL_KVM;
	unsigned step = sc->timeout_s ? sc->timeout_s : DEFAULT_STEP_S;

	spec->timeout_s = (tcg ? 90 : 30) + step + (tcg ? 30 : 15);
	spec->silence_s = o->no_watchdog ? 0 : o->watchdog_s ? o->watchdog_s : tcg ? 60 : 20;
	spec->boot_silence_s = spec->silence_s;
}

/* A sparse swap image formatted by mkswap (util-linux) on the host. */
static int make_swap_disk(const char *path, unsigned long long bytes, struct buf *err)
{
	/* A fixed UUID: every image of a size is the same, as a snapshot's
	 * guest saw it (snapshot.h). */
	const char *argv[] = { "mkswap", "-q", "-U", SWAP_UUID, path, NULL };
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

/* A step under libfiu (fiuspec.h): its guest needs the fiu files. */
static bool item_uses_fiu(const struct plan_item *it)
{
	for (size_t k = 0; k < it->sc->nrun; k++)
		if (fiu_is_arg(it->sc->run[k]))
			return true;
	return false;
}

int run_item_initramfs(struct run *r, size_t i, const char *path, const char *plan_json,
		       struct buf *err)
{
	const struct plan_item *it = &r->plan->items[i];
	const char *mods[MAX_MODULES];
	char *ko[MAX_MODULES] = { 0 };
	size_t nmod = plan_modules(it, mods, MAX_MODULES);
	int nko = 0, ret;

	if (nmod && (nko = kernel_modules_closure(r->o->kernel, mods, nmod, ko, MAX_MODULES, err)) < 0)
		return -1;
	ret = run_make_initramfs(path, r->o->guest_dir, plan_json, ko, (size_t)nko,
				 !strcmp(it->sc->run[0], "stress-ng") ? STRESS_NG : NULL,
				 item_uses_fiu(it), err);
	for (int k = 0; k < nko; k++)
		free(ko[k]);
	return ret;
}

/* The plan the guest gets, also kept as <scenario>/plan.json. */
static int item_plan(struct run *r, size_t i, struct buf *plan, struct buf *err)
{
	const struct plan_item *it = &r->plan->items[i];
	const char *mods[MAX_MODULES];
	char *ko[MAX_MODULES] = { 0 }, *names[MAX_MODULES];
	_cleanup_buf_ struct buf path = BUF_INIT;
	size_t nmod = plan_modules(it, mods, MAX_MODULES);
	int nko = 0;

	if (nmod && (nko = kernel_modules_closure(r->o->kernel, mods, nmod, ko, MAX_MODULES, err)) < 0)
		return -1;
	module_basenames(ko, (size_t)nko, names);
	plan_guest_json(it, names, (size_t)nko, plan);
	for (int k = 0; k < nko; k++)
		free(ko[k]);
	buf_addf(&path, "%s/%s/plan.json", r->o->out_dir, it->sc->name);
	return write_file_atomic(path.s, plan->s, plan->len, err);
}

int run_item_disk(struct run *r, size_t i, struct vm_spec *spec, struct buf *err)
{
	const struct plan_item *it = &r->plan->items[i];
	_cleanup_buf_ struct buf path = BUF_INIT;

	if (it->vm->swap != SWAP_DISK)
		return 0;
	buf_addf(&path, "%s/%s.swap", r->work, it->sc->name);
	spec->disk_path = strdup(path.s);
	return make_swap_disk(path.s, it->vm->swap_bytes, err);
}

/* Everything a cold-booted guest needs on disk.  Returns -1 with err set
 * (the caller removes what is left in the work directory). */
static int prepare_item(struct run *r, size_t i, struct vm_spec *spec, struct buf *err)
{
	_cleanup_buf_ struct buf plan = BUF_INIT, path = BUF_INIT;

	if (item_plan(r, i, &plan, err) < 0)
		return -1;
	buf_addf(&path, "%s/%s.cpio", r->work, r->plan->items[i].sc->name);
	spec->initrd = strdup(path.s);
	if (run_item_initramfs(r, i, path.s, plan.s, err) < 0)
		return -1;
	return run_item_disk(r, i, spec, err);
}

/* A guest restored from its shape's snapshot: the plan goes on ttyS2 as one
 * line, with a fresh seed for the guest's RNG (snapshot.h). */
static int prepare_restore(struct run *r, size_t i, const struct snapshot *snap,
			   struct vm_spec *spec, struct buf *ctl, struct buf *err)
{
	_cleanup_buf_ struct buf plan = BUF_INIT;

	if (item_plan(r, i, &plan, err) < 0 || run_snap_line(plan.s, ctl, err) < 0)
		return -1;
	spec->initrd = strdup(snap->initrd);
	spec->keep_initrd = true;
	spec->incoming = snap->state;
	spec->ctl = true;
	spec->ctl_input = ctl->s;
	snapshot_touch(snap);
	return run_item_disk(r, i, spec, err);
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

static void result_init(struct run *r, size_t i)
{
	struct result *res = &r->res[i];
	const struct plan_item *it = &r->plan->items[i];

	observed_free(&res->obs);
	memset(res, 0, sizeof(*res));
	snprintf(res->scenario, sizeof(res->scenario), "%s", it->sc->name);
	snprintf(res->vmconfig, sizeof(res->vmconfig), "%s", it->vm->name);
	snprintf(res->kernel, sizeof(res->kernel), "%s", r->o->kernel->release);
	snprintf(res->accel, sizeof(res->accel), "%s", accel_name(r->o->accel));
	snprintf(res->dir, sizeof(res->dir), "%s", it->sc->name);
	res->expected = it->sc->expect;
	observed_init(&res->obs);
}

static int make_dir(const char *path, struct buf *err)
{
	if (fiu_fail("oomlab/run/mkdir"))
		errno = EACCES;
	else if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	buf_addf(err, "%s: cannot create: %s", path, strerror(errno));
	return -1;
}

static void unlink_spec_files(const struct vm_spec *spec)
{
	if (spec->initrd)
		unlink(spec->initrd);
	if (spec->disk_path)
		unlink(spec->disk_path);
}

void run_item_spec(const struct run *r, size_t i, struct vm_spec *spec, struct buf *append)
{
	const struct plan_item *it = &r->plan->items[i];

	append_join(append, it->vm->append, r->o->append);
	spec->qemu = r->o->qemu;
	spec->kernel = r->o->kernel->pvh[0] && !r->o->no_pvh ? r->o->kernel->pvh
							     : r->o->kernel->image;
	spec->append = append->s;
	spec->mem_bytes = it->vm->memory_bytes;
	spec->cpus = it->vm->cpus;
	spec->numa_nodes = it->vm->numa_nodes;
	spec->accel = r->o->accel;
	run_limits(r->o, it->sc, spec);
}

/* The snapshot item i restores from, or NULL for a cold boot (none, or
 * the retry of a restored guest that hung before its hello). */
static const struct snapshot *item_snapshot(const struct run *r, size_t i, unsigned attempt)
{
	const struct snapshot *s = r->snap_of ? r->snap_of[i] : NULL;

	return s && s->ready && !attempt ? s : NULL;
}

void run_start_item(struct run *r, struct slot *s, size_t i, unsigned attempt)
{
	const struct plan_item *it = &r->plan->items[i];
	_cleanup_buf_ struct buf err = BUF_INIT, dir = BUF_INIT, append = BUF_INIT, ctl = BUF_INIT;
	_cleanup_free_ char *console = scenario_file(r, i, "console.log");
	_cleanup_free_ char *records = scenario_file(r, i, "records.jsonl");
	_cleanup_free_ char *qlog = scenario_file(r, i, "qemu.log");
	const struct snapshot *snap = item_snapshot(r, i, attempt);
	struct vm_spec spec = { 0 };
	int ok;

	if (!attempt)
		result_init(r, i);
	if (!attempt && assess_before_boot(it, r->o->kernel, &r->res[i])) {
		run_finish_item(r, i); /* SKIP: the kernel's config lacks a need */
		return;
	}
	buf_addf(&dir, "%s/%s", r->o->out_dir, it->sc->name);
	ok = make_dir(dir.s, &err) == 0 && run_work_dir(r, &err) == 0 &&
	     (snap ? prepare_restore(r, i, snap, &spec, &ctl, &err)
		   : prepare_item(r, i, &spec, &err)) == 0;
	if (ok) {
		run_item_spec(r, i, &spec, &append);
		spec.console_path = console;
		spec.records_path = records;
		spec.qemu_log_path = qlog;
		spec.consume_files = true;
		ok = vm_start(&spec, &s->vm, &err) == 0;
	}
	if (!spec.keep_initrd)
		unlink_spec_files(&spec); /* gone already when QEMU has them */
	else if (spec.disk_path)
		unlink(spec.disk_path);
	run_work_done(r);
	free((char *)spec.initrd);
	free((char *)spec.disk_path);
	if (!ok) {
		run_fail_item(r, i, err.s);
		return;
	}
	s->busy = true;
	s->item = i;
	s->attempt = attempt;
	s->restored = snap != NULL;
	if (!attempt)
		s->first_start = s->vm.start;
	r->prog.running++;
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

/* The first boot hung before the agent said hello: keep its files aside
 * and boot once more.  Returns true when the retry is under way. */
static bool retry_boot(struct run *r, struct slot *s, const struct vm_outcome *out)
{
	static const char *const files[][2] = {
		{ "console.log", "console.boot-hang.log" },
		{ "records.jsonl", "records.boot-hang.jsonl" },
		{ "qemu.log", "qemu.boot-hang.log" },
	};
	size_t i = s->item;

	if (s->attempt || !out->timed_out || !out->before_hello)
		return false;
	for (size_t k = 0; k < ARRAY_SIZE(files); k++) {
		_cleanup_free_ char *from = scenario_file(r, i, files[k][0]);
		_cleanup_free_ char *to = scenario_file(r, i, files[k][1]);

		rename(from, to);
	}
	fprintf(stderr, "oomlab: %s: the boot hung before the agent's hello (%s); retrying once\n",
		r->plan->items[i].sc->name, out->why);
	run_start_item(r, s, i, 1);
	return s->busy || r->finished[i];
}

/* How the guest stopped, from QMP: a reset or a pvpanic report without a
 * panic on the console, or QEMU stopped from the host, is the VM's fault.
 * NULL when the evidence can be judged as it is. */
static const char *shutdown_problem(const struct vm_outcome *out, const struct evidence *ev,
				    char *buf, size_t len)
{
	const bool reset = !strcmp(out->reason, "guest-reset") || !strcmp(out->reason, "guest-panic") ||
			   out->guest_panicked;

	if (!out->qmp || out->timed_out || out->qemu_failed)
		return NULL;
	if (reset && !ev->panic) {
		snprintf(buf, len, "the guest did not power off: QEMU reports a %s (QMP SHUTDOWN "
			 "reason %s) and the console shows no kernel panic",
			 out->guest_panicked ? "guest panic" : "reset", out->reason[0] ? out->reason : "none");
		return buf;
	}
	if (!strncmp(out->reason, "host-", 5)) {
		snprintf(buf, len, "QEMU was stopped from the host (QMP SHUTDOWN reason %s)",
			 out->reason);
		return buf;
	}
	return NULL;
}

static void add_vm_evidence(struct result *res, const struct vm_outcome *out, unsigned attempt)
{
	if (out->timed_out)
		observed_add(&res->obs, "QEMU: killed by the controller (%s)", out->why);
	else if (out->qemu_failed)
		observed_add(&res->obs, "QEMU: %s", out->why);
	else if (out->qmp)
		observed_add(&res->obs, "QEMU: the guest stopped with QMP SHUTDOWN reason %s%s",
			     out->reason[0] ? out->reason : "(none)",
			     out->guest_panicked ? " after a GUEST_PANICKED event" : "");
	else
		observed_add(&res->obs, "QEMU: %s; a panic is told from the console",
			     out->qmp_error[0] ? out->qmp_error : "no QMP");
	if (attempt)
		observed_add(&res->obs, "the first boot hung before the agent's hello and was retried");
}

/* The last TAIL_LINES lines of the console tail (at most what the result
 * holds, starting at a line when it can) into res. */
static void keep_console_tail(struct result *res, const char *tail)
{
	const size_t max = sizeof(res->console_tail) - 1;
	const char *start, *end, *nl;
	unsigned lines = 0;

	if (!tail)
		return;
	end = tail + strlen(tail);
	while (end > tail && end[-1] == '\n')
		end--;
	for (start = end; start > tail; start--) {
		if (start[-1] == '\n' && ++lines == TAIL_LINES)
			break;
		if ((size_t)(end - start) + 1 > max)
			break;
	}
	if (start > tail && start[-1] != '\n' && (nl = memchr(start, '\n', (size_t)(end - start))))
		start = nl + 1;
	report_tail_copy(res->console_tail, sizeof(res->console_tail), start, (size_t)(end - start));
}

/* How the guest started and where its time went (report.h timing). */
static void fill_timing(const struct run *r, const struct slot *s, const struct evidence *ev,
			struct result *res)
{
	double work = 0;

	snprintf(res->timing.boot, sizeof(res->timing.boot), "%s", s->restored ? "snapshot" :
		 r->o->kernel->pvh[0] && !r->o->no_pvh ? "pvh" : "bzimage");
	res->timing.ready_s = s->vm.w.hello_at ? s->vm.w.hello_at - s->vm.start : -1;
	for (size_t k = 0; k < ev->nsteps && work >= 0; k++)
		work = ev->steps[k].duration_s >= 0 ? work + ev->steps[k].duration_s : -1;
	res->timing.workload_s = ev->nsteps ? work : -1;
}

void run_collect_item(struct run *r, struct slot *s, const struct vm_outcome *out)
{
	size_t i = s->item;
	struct result *res = &r->res[i];
	_cleanup_free_ char *records = scenario_file(r, i, "records.jsonl");
	_cleanup_free_ char *console = scenario_file(r, i, "console.log");
	_cleanup_buf_ struct buf rec = BUF_INIT, con = BUF_INIT, problem = BUF_INIT;
	char why[256];
	const char *qmp_problem;
	struct evidence ev;

	s->busy = false;
	r->prog.running--;
	if (retry_boot(r, s, out))
		return;
	evidence_init(&ev);
	if (buf_read_file(&rec, records, RECORDS_MAX, NULL) < 0)
		buf_addf(&problem, "the record channel file cannot be read: %s", strerror(errno));
	if (buf_read_file(&con, console, CONSOLE_MAX, NULL) < 0 && !problem.len)
		buf_addf(&problem, "the console file cannot be read: %s", strerror(errno));
	evidence_parse_records(&ev, rec.s, rec.len);
	evidence_scan_console(&ev, con.s, con.len, 40);
	qmp_problem = shutdown_problem(out, &ev, why, sizeof(why));
	if (out->timed_out || out->qemu_failed) {
		buf_reset(&problem);
		buf_addstr(&problem, out->why);
		if (s->attempt && out->before_hello)
			buf_addstr(&problem, "; the boot was retried once and hung again");
	} else if (qmp_problem && !problem.len) {
		buf_addstr(&problem, qmp_problem);
	}
	assess(&r->plan->items[i], &ev, problem.len ? problem.s : NULL, res);
	add_vm_evidence(res, out, s->attempt);
	if (res->verdict == VERDICT_ERROR)
		keep_console_tail(res, ev.console_tail);
	save_facts(r, i, &ev);
	res->duration_s = s->attempt ? now_s() - s->first_start : out->wall_s;
	fill_timing(r, s, &ev, res);
	evidence_free(&ev);
	run_finish_item(r, i);
}
