/* run_snap.c - the run's side of the snapshot pool (snapshot.h): which
 * shape each scenario has, building the shapes not in the cache before the
 * first scenario starts, and the plan line a restored agent reads. */
#include "run_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <json-c/json.h>

#include "assess.h"
#include "cleanup.h"

#define SNAPSHOT_BUDGET_DEFAULT (8ull << 30)

int run_snap_line(const char *plan_json, struct buf *line, struct buf *err)
{
	json_object *plan = json_tokener_parse(plan_json);
	unsigned char rnd[16];
	char seed[2 * sizeof(rnd) + 1];

	if (!plan || !json_object_is_type(plan, json_type_object)) {
		json_object_put(plan);
		buf_addstr(err, "internal error: the plan is not a JSON object");
		return -1;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, 0, sizeof(rnd));
	for (size_t k = 0; k < sizeof(rnd); k++)
		snprintf(seed + 2 * k, 3, "%02x", rnd[k]);
	json_object_object_add(plan, "seed", json_object_new_string(seed));
	/* PLAIN: one line, newlines inside strings escaped.  The newlines
	 * before it absorb a byte the guest's serial port may lose at the
	 * restore (workloads/agent.c wait_plan skips to the '{'). */
	buf_addf(line, "\n\n\n\n%s\n", json_object_to_json_string_ext(plan, JSON_C_TO_STRING_PLAIN));
	json_object_put(plan);
	return 0;
}

/* What a build needs to outlive the loop that prepares it. */
struct build_files {
	struct buf append, console, records, qlog;
	char *disk;
};

static struct snapshot *find_key(struct run *r, const char *key)
{
	for (size_t k = 0; k < r->nsnaps; k++)
		if (!strcmp(r->snaps[k].key, key))
			return &r->snaps[k];
	return NULL;
}

/* Item i's shape: look it up, and queue its build when it is new. */
static int shape_of(struct run *r, size_t i, struct snapshot_job *jobs, struct build_files *f,
		    size_t *njobs, struct buf *err)
{
	const struct plan_item *it = &r->plan->items[i];
	_cleanup_buf_ struct buf initrd = BUF_INIT, append = BUF_INIT;
	struct vm_spec spec = { 0 };
	struct snapshot s, *have;
	unsigned long long disk = it->vm->swap == SWAP_DISK ? it->vm->swap_bytes : 0;

	buf_addf(&initrd, "%s/shape.cpio", r->work);
	if (run_item_initramfs(r, i, initrd.s, NULL, err) < 0)
		return -1;
	run_item_spec(r, i, &spec, &append);
	spec.initrd = initrd.s;
	if (snapshot_lookup(r->o->cache_dir, &spec, disk, &s, err) < 0)
		return -1;
	if ((have = find_key(r, s.key))) {
		r->snap_of[i] = have;
		return 0;
	}
	have = &r->snaps[r->nsnaps++];
	*have = s;
	r->snap_of[i] = have;
	if (s.ready)
		return 0;
	if (run_item_disk(r, i, &spec, err) < 0)
		return -1;
	f += *njobs;
	f->disk = (char *)spec.disk_path;
	buf_add(&f->append, append.s, append.len);
	/* kept with the snapshot: the boot log of every guest restored from it */
	buf_addf(&f->console, "%s/boot.console", have->dir);
	buf_addf(&f->records, "%s/boot.records", have->dir);
	buf_addf(&f->qlog, "%s/snap-%s.qemu.log", r->work, s.key);
	spec.append = f->append.s;
	spec.initrd = have->initrd;
	spec.keep_initrd = spec.consume_files = true;
	spec.console_path = f->console.s;
	spec.records_path = f->records.s;
	spec.qemu_log_path = f->qlog.s;
	jobs[*njobs] = (struct snapshot_job){ .spec = spec, .snap = have };
	(*njobs)++;
	return 0;
}

/* A scenario the kernel's config already rules out never boots. */
static bool skipped_before_boot(const struct run *r, size_t i)
{
	struct result res;
	bool skip;

	memset(&res, 0, sizeof(res));
	observed_init(&res.obs);
	skip = assess_before_boot(&r->plan->items[i], r->o->kernel, &res);
	observed_free(&res.obs);
	return skip;
}

static void files_free(struct build_files *f, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		unlink(f[k].qlog.s);
		if (f[k].disk)
			unlink(f[k].disk);
		free(f[k].disk);
		buf_release(&f[k].append);
		buf_release(&f[k].console);
		buf_release(&f[k].records);
		buf_release(&f[k].qlog);
	}
	free(f);
}

static void build(struct run *r, struct snapshot_job *jobs, size_t njobs)
{
	double t = now_s();
	size_t built;

	if (!njobs)
		return;
	fprintf(stderr, "oomlab: saving %zu guest snapshot%s (%zu shape%s in this run; cached in "
		"%s/snapshots)\n", njobs, njobs == 1 ? "" : "s", r->nsnaps, r->nsnaps == 1 ? "" : "s",
		r->o->cache_dir);
	built = snapshot_build(jobs, njobs, r->o->jobs, r->o->quiet ? NULL : stderr);
	fprintf(stderr, "oomlab: %zu of %zu snapshots saved in %.1f s%s\n", built, njobs,
		now_s() - t, built < njobs ? "; the other shapes boot cold" : "");
}

void run_snapshots(struct run *r)
{
	_cleanup_buf_ struct buf err = BUF_INIT;
	struct snapshot_job *jobs;
	struct build_files *files;
	size_t n = r->plan->n, njobs = 0;

	if (!r->o->snapshot || !r->o->cache_dir || !n)
		return;
	r->snaps = calloc(n, sizeof(*r->snaps));
	r->snap_of = calloc(n, sizeof(*r->snap_of));
	jobs = calloc(n, sizeof(*jobs));
	files = calloc(n, sizeof(*files));
	if (!r->snaps || !r->snap_of || !jobs || !files)
		abort();
	if (run_work_dir(r, &err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (r->finished[i] || skipped_before_boot(r, i))
			continue;
		if (shape_of(r, i, jobs, files, &njobs, &err) < 0) {
			fprintf(stderr, "oomlab: %s boots cold: %s\n", r->plan->items[i].sc->name, err.s);
			buf_reset(&err);
		}
	}
	build(r, jobs, njobs);
	snapshot_trim(r->o->cache_dir, r->o->snapshot_budget ? r->o->snapshot_budget
							       : SNAPSHOT_BUDGET_DEFAULT);
out:
	files_free(files, njobs);
	free(jobs);
	run_work_done(r);
}

void run_snapshots_free(struct run *r)
{
	free(r->snaps);
	free((void *)r->snap_of);
	r->snaps = NULL;
	r->snap_of = NULL;
}
