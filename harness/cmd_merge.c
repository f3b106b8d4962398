/* cmd_merge.c - `oomlab merge OUT DIR...` (commands.h): the shard run
 * directories of one sharded run joined into one run directory with the
 * outputs of an unsharded run.
 *
 * Each DIR is read through its results.json (report_load_json) and, when
 * present, its run.json (resume.h).  The shards must be of one run: the same
 * guest kernel and accelerator in every result, and in run.json the same
 * kernel, modules, --append, configuration, selectors, watchdog and shard
 * count; a scenario in two shards is refused.  With the configuration and
 * selectors of run.json the unsharded plan is selected again: the merged
 * results follow its order, and what no shard holds (a missing shard, an
 * unfinished scenario) is named.  OUT gets results.json, junit.xml,
 * results.ktap, kcidb.json (report_write_dir), run.txt (the first shard's,
 * plus the shards merged) and a copy of every scenario directory.
 *
 * Exit status: that of the merged run (report_exit_status) when it is
 * complete; 2 when a scenario of the plan is in no shard, or on errors
 * (then OUT is not written). */
#include "commands.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "plan.h"
#include "report.h"
#include "report_ci.h"
#include "resume.h"
#include "settings.h"
#include "spawn.h"
#include "vm.h"

#define RESULTS_MAX (256u << 20)
#define RUN_TXT_MAX (64u << 10)

struct shard {
	const char *dir;
	bool has_rec;             /* run.json was there */
	struct run_record rec;
	unsigned k, of;           /* rec.shard "K/N"; 0 when unsharded or unknown */
	struct result *res;
	size_t n;
};

struct merge {
	struct shard *sh;
	size_t nsh;
	struct result *out;       /* shallow copies of the shards' results */
	size_t nout;
	bool incomplete;          /* a scenario of the plan is in no shard */
};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fputs("oomlab merge: out of memory\n", stderr);
		abort();
	}
	return p;
}

/* ---- reading the shards ---- */

static int load_results(struct shard *s, struct buf *err)
{
	_cleanup_buf_ struct buf path = BUF_INIT, text = BUF_INIT, why = BUF_INIT;
	bool cut;

	buf_addf(&path, "%s/results.json", s->dir);
	if (buf_read_file(&text, path.s, RESULTS_MAX, &cut) < 0) {
		buf_addf(err, "%s: cannot read: %s (give the directories of oomlab runs)", path.s,
			 strerror(errno));
		return -1;
	}
	if (cut || report_load_json(text.s, text.len, &s->res, &s->n, &why) < 0) {
		buf_addf(err, "%s: %s", path.s, cut ? "too large" : why.s);
		return -1;
	}
	return 0;
}

static int load_shard(struct shard *s, struct buf *err)
{
	_cleanup_buf_ struct buf path = BUF_INIT, why = BUF_INIT;

	if (load_results(s, err) < 0)
		return -1;
	buf_addf(&path, "%s/run.json", s->dir);
	if (access(path.s, F_OK) < 0)
		return 0; /* results alone: fewer checks, no plan */
	if (run_record_read(s->dir, &s->rec, err) < 0)
		return -1;
	s->has_rec = true;
	if (s->rec.shard && plan_parse_shard(s->rec.shard, &s->k, &s->of, &why) < 0) {
		buf_addf(err, "%s: field \"shard\": %s", path.s, why.s);
		return -1;
	}
	return 0;
}

/* ---- one run? ---- */

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static const char *shown(const char *s)
{
	return s ? s : "null";
}

static bool same_list(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

static void list_text(struct buf *b, char *const *v, size_t n)
{
	buf_addch(b, '[');
	for (size_t i = 0; i < n; i++)
		buf_addf(b, "%s\"%s\"", i ? ", " : "", v[i]);
	buf_addch(b, ']');
}

/* A field of run.json that differs between shard a and shard b. */
static int differs(const struct shard *a, const struct shard *b, const char *field,
		   const char *va, const char *vb, struct buf *err)
{
	buf_addf(err, "%s/run.json has \"%s\": %s but %s/run.json has %s: these are not shards of "
		 "one run (merge only the directories of one sharded run)", b->dir, field, shown(vb),
		 a->dir, shown(va));
	return -1;
}

static int same_record(const struct shard *a, const struct shard *b, struct buf *err)
{
	const struct run_record *x = &a->rec, *y = &b->rec;
	char ax[16], bx[16];

	if (!same(x->release, y->release))
		return differs(a, b, "release", x->release, y->release, err);
	if (!same(x->kernel, y->kernel))
		return differs(a, b, "kernel", x->kernel, y->kernel, err);
	if (!same(x->modules, y->modules))
		return differs(a, b, "modules", x->modules, y->modules, err);
	if (x->accel != y->accel)
		return differs(a, b, "accel", accel_name(x->accel), accel_name(y->accel), err);
	if (!same(x->append, y->append))
		return differs(a, b, "append", x->append, y->append, err);
	if (!same(x->config, y->config))
		return differs(a, b, "config", x->config, y->config, err);
	snprintf(ax, sizeof(ax), "%u", x->no_watchdog ? 0 : x->watchdog_s);
	snprintf(bx, sizeof(bx), "%u", y->no_watchdog ? 0 : y->watchdog_s);
	if (strcmp(ax, bx))
		return differs(a, b, "watchdog_s", ax, bx, err);
	if (!same_list(x->selectors, x->nsel, y->selectors, y->nsel)) {
		_cleanup_buf_ struct buf sa = BUF_INIT, sb = BUF_INIT;

		list_text(&sa, x->selectors, x->nsel);
		list_text(&sb, y->selectors, y->nsel);
		return differs(a, b, "selectors", sa.s, sb.s, err);
	}
	snprintf(ax, sizeof(ax), "N=%u", a->of);
	snprintf(bx, sizeof(bx), "N=%u", b->of);
	if (a->of != b->of)
		return differs(a, b, "shard", ax, bx, err);
	return 0;
}

/* Every result's kernel and accelerator (the guest's own word) agree. */
static int same_results(const struct merge *m, struct buf *err)
{
	const struct result *first_k = NULL, *first_a = NULL;
	const char *dir_k = NULL, *dir_a = NULL;

	for (size_t s = 0; s < m->nsh; s++)
		for (size_t i = 0; i < m->sh[s].n; i++) {
			const struct result *r = &m->sh[s].res[i];

			if (r->kernel[0] && !first_k) {
				first_k = r;
				dir_k = m->sh[s].dir;
			} else if (r->kernel[0] && strcmp(r->kernel, first_k->kernel)) {
				buf_addf(err, "%s/results.json: scenario %s: \"kernel\" is %s, but %s in "
					 "%s/results.json: shards of different kernels cannot be merged",
					 m->sh[s].dir, r->scenario, r->kernel, first_k->kernel, dir_k);
				return -1;
			}
			if (r->accel[0] && !first_a) {
				first_a = r;
				dir_a = m->sh[s].dir;
			} else if (r->accel[0] && strcmp(r->accel, first_a->accel)) {
				buf_addf(err, "%s/results.json: scenario %s: \"accel\" is %s, but %s in "
					 "%s/results.json: shards run under different accelerators cannot "
					 "be merged", m->sh[s].dir, r->scenario, r->accel, first_a->accel,
					 dir_a);
				return -1;
			}
		}
	return 0;
}

static int one_run(const struct merge *m, struct buf *err)
{
	const struct shard *first = NULL;

	for (size_t s = 0; s < m->nsh; s++) {
		if (!m->sh[s].has_rec)
			continue;
		if (!first)
			first = &m->sh[s];
		else if (same_record(first, &m->sh[s], err) < 0)
			return -1;
	}
	return same_results(m, err);
}

/* The same shard twice, and shards of the count that none of DIR is. */
static int shard_set(const struct merge *m, struct buf *err)
{
	_cleanup_free_ const char **seen = NULL;
	unsigned of = 0;
	size_t missing = 0;

	for (size_t s = 0; s < m->nsh; s++)
		of = m->sh[s].of > of ? m->sh[s].of : of;
	if (!of)
		return 0;
	seen = xcalloc(of + 1, sizeof(*seen));
	for (size_t s = 0; s < m->nsh; s++) {
		const struct shard *sh = &m->sh[s];

		if (!sh->k)
			continue;
		if (seen[sh->k]) {
			buf_addf(err, "%s and %s are both shard %u/%u (run.json \"shard\"): give each "
				 "shard once", seen[sh->k], sh->dir, sh->k, of);
			return -1;
		}
		seen[sh->k] = sh->dir;
	}
	for (unsigned k = 1; k <= of; k++)
		if (!seen[k]) {
			fprintf(stderr, "oomlab merge: shard %u/%u is missing (no DIR has it in "
				"run.json)\n", k, of);
			missing++;
		}
	return (int)missing;
}

/* A scenario in two shards (or twice in one). */
static int no_duplicates(const struct merge *m, struct buf *err)
{
	for (size_t s = 0; s < m->nsh; s++)
		for (size_t i = 0; i < m->sh[s].n; i++)
			for (size_t t = s; t < m->nsh; t++)
				for (size_t j = t == s ? i + 1 : 0; j < m->sh[t].n; j++) {
					const struct result *a = &m->sh[s].res[i], *b = &m->sh[t].res[j];

					if (strcmp(a->scenario, b->scenario) || strcmp(a->vmconfig, b->vmconfig))
						continue;
					buf_addf(err, "scenario %s (vmconfig %s) is in %s/results.json and in "
						 "%s/results.json: a scenario may be in one shard only",
						 a->scenario, a->vmconfig, m->sh[s].dir, m->sh[t].dir);
					return -1;
				}
	return 0;
}

/* ---- the merged results, in the order of the unsharded plan ---- */

static struct result *find_result(const struct merge *m, const char *scenario, const char *vm)
{
	for (size_t s = 0; s < m->nsh; s++)
		for (size_t i = 0; i < m->sh[s].n; i++) {
			struct result *r = &m->sh[s].res[i];

			if (!strcmp(r->scenario, scenario) && !strcmp(r->vmconfig, vm))
				return r;
		}
	return NULL;
}

static bool taken(const struct merge *m, const struct result *r)
{
	for (size_t i = 0; i < m->nout; i++)
		if (!strcmp(m->out[i].scenario, r->scenario) && !strcmp(m->out[i].vmconfig, r->vmconfig))
			return true;
	return false;
}

/* The plan the shards were cut from: run.json's configuration and selectors
 * selected again; p->n == 0 when it cannot be known. */
static void full_plan(const struct merge *m, struct oom_config *cfg, struct plan *p)
{
	_cleanup_buf_ struct buf err = BUF_INIT;
	const struct run_record *rec = NULL;

	memset(p, 0, sizeof(*p));
	for (size_t s = 0; s < m->nsh && !rec; s++)
		if (m->sh[s].has_rec)
			rec = &m->sh[s].rec;
	if (!rec || !rec->config) {
		fputs("oomlab merge: no run.json names the configuration: the results stay in shard "
		      "order and missing scenarios cannot be told\n", stderr);
		return;
	}
	/* a --repeat run lists its repetitions as NAME@k in run.json */
	if (config_load(rec->config, cfg, &err) < 0 ||
	    plan_select(cfg, rec->selectors, rec->nsel, p, &err) < 0 ||
	    plan_repeat(p, plan_repeat_of(rec->scenarios, rec->nsc), &err) < 0) {
		fprintf(stderr, "oomlab merge: the configuration %s of the run cannot be read here "
			"(%s): the results stay in shard order and missing scenarios cannot be told\n",
			rec->config, err.len ? strtok(err.s, "\n") : "no reason given");
		plan_free(p);
		memset(p, 0, sizeof(*p));
	}
}

/* Scenarios a shard's run.json planned that its results.json lacks. */
static void unfinished(struct merge *m)
{
	for (size_t s = 0; s < m->nsh; s++) {
		const struct shard *sh = &m->sh[s];

		for (size_t j = 0; sh->has_rec && j < sh->rec.nsc; j++) {
			bool found = false;

			for (size_t i = 0; i < sh->n && !found; i++)
				found = !strcmp(sh->res[i].scenario, sh->rec.scenarios[j]);
			if (found)
				continue;
			fprintf(stderr, "oomlab merge: %s: scenario %s did not finish (oomlab run --resume "
				"%s completes it)\n", sh->dir, sh->rec.scenarios[j], sh->dir);
			m->incomplete = true;
		}
	}
}

/* Does the plan hold every result? */
static bool plan_holds_all(const struct merge *m, const struct plan *p)
{
	for (size_t s = 0; s < m->nsh; s++)
		for (size_t i = 0; i < m->sh[s].n; i++) {
			const struct result *r = &m->sh[s].res[i];
			bool found = false;

			for (size_t k = 0; k < p->n && !found; k++)
				found = !strcmp(p->items[k].sc->name, r->scenario) &&
					!strcmp(p->items[k].vm->name, r->vmconfig);
			if (!found)
				return false;
		}
	return true;
}

/* In the order of the unsharded plan, naming what no shard holds; when the
 * plan cannot be known (or does not hold every result: the configuration
 * changed since), in shard order. */
static void order_results(struct merge *m)
{
	struct oom_config cfg = { 0 };
	struct plan p;
	size_t total = 0;

	for (size_t s = 0; s < m->nsh; s++)
		total += m->sh[s].n;
	m->out = xcalloc(total + 1, sizeof(*m->out));
	full_plan(m, &cfg, &p);
	if (p.n && !plan_holds_all(m, &p)) {
		fputs("oomlab merge: the configuration's plan does not hold every result (it changed "
		      "since the run?): the results stay in shard order\n", stderr);
		plan_free(&p);
	}
	for (size_t i = 0; i < p.n; i++) {
		const struct result *r = find_result(m, p.items[i].sc->name, p.items[i].vm->name);

		if (r) {
			m->out[m->nout++] = *r;
			continue;
		}
		fprintf(stderr, "oomlab merge: scenario %s (vmconfig %s) of the run is in no shard's "
			"results.json\n", p.items[i].sc->name, p.items[i].vm->name);
		m->incomplete = true;
	}
	for (size_t s = 0; s < m->nsh; s++)
		for (size_t i = 0; i < m->sh[s].n; i++)
			if (!taken(m, &m->sh[s].res[i]))
				m->out[m->nout++] = m->sh[s].res[i];
	plan_free(&p);
	config_free(&cfg); /* also after a failed config_load: it starts from zero */
	unfinished(m);
}

/* ---- OUT ---- */

/* The first shard's run.txt (or what the results say), and the shards. */
static int write_run_txt(const char *out, const struct merge *m, struct buf *err)
{
	_cleanup_buf_ struct buf text = BUF_INIT, path = BUF_INIT;

	for (size_t s = 0; s < m->nsh && !text.len; s++) {
		buf_reset(&path);
		buf_addf(&path, "%s/run.txt", m->sh[s].dir);
		if (buf_read_file(&text, path.s, RUN_TXT_MAX, NULL) < 0)
			buf_reset(&text);
	}
	if (!text.len && m->nout)
		buf_addf(&text, "kernel: %s\naccel: %s\n", m->out[0].kernel, m->out[0].accel);
	if (text.len && text.s[text.len - 1] != '\n')
		buf_addch(&text, '\n');
	buf_addf(&text, "merged_from:");
	for (size_t s = 0; s < m->nsh; s++)
		buf_addf(&text, " %s", m->sh[s].dir);
	buf_addch(&text, '\n');
	buf_reset(&path);
	buf_addf(&path, "%s/run.txt", out);
	return write_file_atomic(path.s, text.s, text.len, err);
}

/* The scenario directories (console.log, records.jsonl, ...) with cp -R:
 * coreutils keeps modes and handles whatever a guest run left there. */
static int copy_dirs(const char *out, const struct merge *m, struct buf *err)
{
	for (size_t s = 0; s < m->nsh; s++)
		for (size_t i = 0; i < m->sh[s].n; i++) {
			const struct result *r = &m->sh[s].res[i];
			_cleanup_buf_ struct buf src = BUF_INIT, dst = BUF_INIT, o = BUF_INIT, e = BUF_INIT;
			struct stat st;

			if (!r->dir[0] || strstr(r->dir, "..") || strchr(r->dir, '/'))
				continue; /* results.json is untrusted: only a plain name */
			buf_addf(&src, "%s/%s", m->sh[s].dir, r->dir);
			buf_addf(&dst, "%s/%s", out, r->dir);
			if (stat(src.s, &st) < 0 || !S_ISDIR(st.st_mode) || stat(dst.s, &st) == 0)
				continue;
			const char *argv[] = { "cp", "-R", "-p", "--", src.s, dst.s, NULL };

			if (run_capture(argv, &o, 64 << 10, &e) != 0) {
				buf_addf(err, "cannot copy %s to %s: %s%s", src.s, dst.s, e.s, o.s);
				return -1;
			}
		}
	return 0;
}

static int write_out(const char *out, const struct merge *m, struct buf *err)
{
	_cleanup_buf_ struct buf path = BUF_INIT;
	struct stat st;

	buf_addf(&path, "%s/results.json", out);
	if (stat(path.s, &st) == 0) {
		buf_addf(err, "%s already holds a run (%s): merge into a new directory", out, path.s);
		return -1;
	}
	if (mkdir(out, 0755) < 0 && errno != EEXIST) {
		buf_addf(err, "%s: cannot create: %s", out, strerror(errno));
		return -1;
	}
	if (copy_dirs(out, m, err) < 0 || write_run_txt(out, m, err) < 0)
		return -1;
	return report_write_dir(out, m->out, m->nout, NULL, err);
}

/* ---- the command ---- */

static int merge(const char *out, struct merge *m)
{
	_cleanup_buf_ struct buf err = BUF_INIT;
	int missing = 0;

	for (size_t s = 0; s < m->nsh; s++)
		if (load_shard(&m->sh[s], &err) < 0)
			goto fail;
	if (one_run(m, &err) < 0 || (missing = shard_set(m, &err)) < 0 || no_duplicates(m, &err) < 0)
		goto fail;
	order_results(m);
	if (write_out(out, m, &err) < 0)
		goto fail;
	printf("merged %zu shards, %zu scenarios into %s\n", m->nsh, m->nout, out);
	report_table(stdout, m->out, m->nout);
	if (missing || m->incomplete) {
		fprintf(stderr, "oomlab merge: the merged run is incomplete (see above): exit 2\n");
		return 2;
	}
	return report_exit_status(m->out, m->nout);
fail:
	fprintf(stderr, "oomlab merge: %s\n", err.s);
	return 2;
}

int cmd_merge(int argc, char **argv)
{
	struct merge m = { 0 };
	int status;

	if (argc < 3 || argv[1][0] == '-') {
		fputs("usage: oomlab merge OUT DIR...   (the run directories of the shards)\n", stderr);
		return 2;
	}
	m.nsh = (size_t)(argc - 2);
	m.sh = xcalloc(m.nsh, sizeof(*m.sh));
	for (size_t s = 0; s < m.nsh; s++)
		m.sh[s].dir = argv[s + 2];
	status = merge(argv[1], &m);
	for (size_t s = 0; s < m.nsh; s++) {
		for (size_t i = 0; i < m.sh[s].n; i++)
			result_free(&m.sh[s].res[i]);
		free(m.sh[s].res);
		run_record_free(&m.sh[s].rec);
	}
	free(m.sh);
	free(m.out);
	return status;
}
