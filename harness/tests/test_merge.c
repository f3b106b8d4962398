/* test_merge.c - the report stage's files of a run directory
 * (report_write_dir) and `oomlab merge` of shard directories (cmd_merge.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fiu.h>
#include <fiu-control.h>
#include <json-c/json.h>

#include "commands.h"
#include "report_ci.h"
#include "resume.h"
#include "settings.h"
#include "suites.h"

static void make(struct result *r, const char *name, const char *vm, enum verdict v)
{
	memset(r, 0, sizeof(*r));
	observed_init(&r->obs);
	snprintf(r->scenario, sizeof(r->scenario), "%s", name);
	snprintf(r->vmconfig, sizeof(r->vmconfig), "%s", vm);
	snprintf(r->kernel, sizeof(r->kernel), "6.1.0-56-amd64");
	snprintf(r->accel, sizeof(r->accel), "tcg");
	snprintf(r->dir, sizeof(r->dir), "%s", name);
	r->expected = PATH_GLOBAL_OOM_KILL;
	r->obs.path = v == VERDICT_PASS ? PATH_GLOBAL_OOM_KILL : PATH_ALLOCATING_TASK_KILL;
	r->verdict = v;
	if (v != VERDICT_PASS)
		snprintf(r->reason, sizeof(r->reason), "expected global_oom_kill");
	r->duration_s = 7.25;
}

static void tmp_dir(char *out, size_t len)
{
	snprintf(out, len, "/tmp/oomlab-test-merge-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(out));
}

static void rm_rf(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *slurp(const char *dir, const char *name)
{
	struct buf b = BUF_INIT;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (buf_read_file(&b, path, 1 << 20, NULL) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static bool exists(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* ---- report_write_dir ---- */

START_TEST(write_dir_four_files)
{
	struct result r[2];
	struct buf want = BUF_INIT, err = BUF_INIT;
	char dir[64], run[96];
	char *text;

	tmp_dir(dir, sizeof(dir));
	snprintf(run, sizeof(run), "%s/run-42/", dir);
	ck_assert_int_eq(mkdir(run, 0755), 0);
	make(&r[0], "a", "vm1", VERDICT_PASS);
	make(&r[1], "b", "vm1", VERDICT_FAIL);
	ck_assert_msg(report_write_dir(run, r, 2, NULL, &err) == 0, "%s", err.s);
	report_json(r, 2, &want);
	text = slurp(run, "results.json");
	ck_assert_str_eq(text, want.s);
	free(text);
	buf_reset(&want);
	report_ktap(r, 2, &want);
	text = slurp(run, "results.ktap");
	ck_assert_str_eq(text, want.s);
	free(text);
	buf_reset(&want);
	report_kcidb(r, 2, "run-42", &want); /* the run id: the directory's name */
	text = slurp(run, "kcidb.json");
	ck_assert_str_eq(text, want.s);
	ck_assert_ptr_nonnull(strstr(text, "\"oomlab:run-42:b\""));
	free(text);
	buf_reset(&want);
	report_junit(r, 2, "oomlab", &want);
	text = slurp(run, "junit.xml");
	ck_assert_str_eq(text, want.s);
	free(text);
	for (int i = 0; i < 2; i++)
		observed_free(&r[i].obs);
	buf_release(&want);
	buf_release(&err);
	rm_rf(dir);
}
END_TEST

/* results.json cannot be written: no other file is, the old one stays. */
START_TEST(write_dir_results_first)
{
	struct result r;
	struct buf err = BUF_INIT;
	char dir[64];
	char *text;

	tmp_dir(dir, sizeof(dir));
	make(&r, "a", "vm1", VERDICT_PASS);
	ck_assert_int_eq(fiu_init(0), 0);
	ck_assert_int_eq(fiu_enable("oomlab/report/write", 1, NULL, 0), 0);
	ck_assert_int_eq(report_write_dir(dir, &r, 1, "x", &err), -1);
	fiu_disable("oomlab/report/write");
	ck_assert_ptr_nonnull(strstr(err.s, "/results.json: No space left on device"));
	ck_assert_ptr_nonnull(strstr(err.s, "(the previous results.json is intact)"));
	ck_assert(!exists(dir, "results.json"));
	ck_assert(!exists(dir, "junit.xml"));
	ck_assert(!exists(dir, "results.ktap"));
	ck_assert(!exists(dir, "kcidb.json"));
	buf_reset(&err);
	ck_assert_int_eq(report_write_dir(dir, &r, 1, "x", &err), 0);
	text = slurp(dir, "results.ktap");
	ck_assert_ptr_nonnull(strstr(text, "\nok 1 a\n"));
	free(text);
	observed_free(&r.obs);
	buf_release(&err);
	rm_rf(dir);
}
END_TEST

/* ---- merge ---- */

/* Three scenarios of the real configuration, in its order. */
struct fixture {
	char root[64], config[PATH_MAX];
	char sc[3][64], vm[3][64];
	char shard[3][96], out[96];
};

static void fixture_init(struct fixture *f)
{
	struct oom_config cfg;
	struct buf err = BUF_INIT;

	ck_assert_ptr_nonnull(realpath("../../vmconfigs", f->config));
	ck_assert_msg(config_load(f->config, &cfg, &err) == 0, "%s", err.s);
	ck_assert_uint_ge(cfg.nsc, 3);
	for (int i = 0; i < 3; i++) {
		snprintf(f->sc[i], sizeof(f->sc[i]), "%s", cfg.sc[i].name);
		snprintf(f->vm[i], sizeof(f->vm[i]), "%s", cfg.sc[i].vmconfig);
	}
	config_free(&cfg);
	buf_release(&err);
	tmp_dir(f->root, sizeof(f->root));
	for (int k = 0; k < 3; k++) {
		snprintf(f->shard[k], sizeof(f->shard[k]), "%s/shard-%d", f->root, k + 1);
		ck_assert_int_eq(mkdir(f->shard[k], 0755), 0);
	}
	snprintf(f->out, sizeof(f->out), "%s/merged", f->root);
}

/* Shard k (0-based) of n holds scenario `item` (or none when item < 0) with
 * verdict v; its run.json names release and append. */
static void write_shard(const struct fixture *f, int k, int n, int item, enum verdict v,
			const char *release, const char *append)
{
	char *sel[3] = { (char *)f->sc[0], (char *)f->sc[1], (char *)f->sc[2] };
	char *planned[1] = { item >= 0 ? (char *)f->sc[item] : NULL };
	char shard[16], scdir[PATH_MAX];
	struct run_record rec = { .selectors = sel, .nsel = 3, .kernel = (char *)"debian",
				  .append = (char *)append, .config = (char *)f->config,
				  .shard = shard, .accel = ACCEL_TCG, .accel_reason = (char *)"test",
				  .release = (char *)release, .scenarios = planned,
				  .nsc = item >= 0 ? 1 : 0 };
	struct result r = { 0 };
	struct buf err = BUF_INIT;

	snprintf(shard, sizeof(shard), "%d/%d", k + 1, n);
	ck_assert_msg(run_record_write(f->shard[k], &rec, &err) == 0, "%s", err.s);
	if (item >= 0) {
		make(&r, f->sc[item], f->vm[item], v);
		snprintf(r.kernel, sizeof(r.kernel), "%s", release);
		observed_add(&r.obs, "vmstat oom_kill +1");
		snprintf(scdir, sizeof(scdir), "%s/%s", f->shard[k], f->sc[item]);
		ck_assert(mkdir(scdir, 0755) == 0 || errno == EEXIST);
		ck_assert_int_eq(write_file_atomic(strcat(scdir, "/console.log"), "boot\n", 5, &err), 0);
	}
	ck_assert_msg(report_write_dir(f->shard[k], &r, item >= 0 ? 1 : 0, NULL, &err) == 0, "%s",
		      err.s);
	if (item >= 0)
		observed_free(&r.obs);
	buf_release(&err);
}

/* cmd_merge with its stdout and stderr in *text. */
static int merge(struct fixture *f, int nshards, struct buf *text)
{
	char *argv[5] = { (char *)"merge", f->out, f->shard[0], f->shard[1], f->shard[2] };
	char path[] = "/tmp/oomlab-test-merge-out-XXXXXX";
	int fd = mkstemp(path), so, se, r;

	ck_assert_int_ge(fd, 0);
	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	dup2(fd, 1);
	dup2(fd, 2);
	r = cmd_merge(2 + nshards, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	close(fd);
	ck_assert_int_eq(buf_read_file(text, path, 1 << 20, NULL), 0);
	unlink(path);
	return r;
}

START_TEST(merge_joins_shards)
{
	struct fixture f;
	struct buf text = BUF_INIT, err = BUF_INIT;
	struct result *back;
	size_t n;
	char *json, *txt, console[PATH_MAX];

	fixture_init(&f);
	/* the shards hold the plan's scenarios in reverse order */
	write_shard(&f, 0, 3, 2, VERDICT_PASS, "6.1.0-56-amd64", NULL);
	write_shard(&f, 1, 3, 1, VERDICT_FAIL, "6.1.0-56-amd64", NULL);
	write_shard(&f, 2, 3, 0, VERDICT_PASS, "6.1.0-56-amd64", NULL);
	ck_assert_int_eq(merge(&f, 3, &text), 1); /* a FAIL: the run's status */
	json = slurp(f.out, "results.json");
	ck_assert_ptr_nonnull(json);
	ck_assert_msg(report_load_json(json, strlen(json), &back, &n, &err) == 0, "%s", err.s);
	ck_assert_uint_eq(n, 3);
	for (size_t i = 0; i < 3; i++)
		ck_assert_str_eq(back[i].scenario, f.sc[i]); /* in the plan's order */
	ck_assert_int_eq(back[1].verdict, VERDICT_FAIL);
	ck_assert(exists(f.out, "junit.xml") && exists(f.out, "results.ktap") &&
		  exists(f.out, "kcidb.json"));
	txt = slurp(f.out, "run.txt");
	ck_assert_ptr_nonnull(strstr(txt, "merged_from: "));
	ck_assert_ptr_nonnull(strstr(txt, f.shard[2]));
	snprintf(console, sizeof(console), "%s/console.log", f.sc[1]);
	ck_assert(exists(f.out, console));
	/* merging into a directory that holds a run is refused */
	buf_reset(&text);
	ck_assert_int_eq(merge(&f, 3, &text), 2);
	ck_assert_ptr_nonnull(strstr(text.s, "already holds a run"));
	for (size_t i = 0; i < n; i++)
		result_free(&back[i]);
	free(back);
	free(json);
	free(txt);
	buf_release(&text);
	buf_release(&err);
	rm_rf(f.root);
}
END_TEST

START_TEST(merge_refuses_other_runs)
{
	struct fixture f;
	struct buf text = BUF_INIT;

	fixture_init(&f);
	write_shard(&f, 0, 3, 0, VERDICT_PASS, "6.1.0-56-amd64", NULL);
	write_shard(&f, 1, 3, 1, VERDICT_PASS, "6.12.117+deb12-amd64", NULL);
	ck_assert_int_eq(merge(&f, 2, &text), 2);
	ck_assert_ptr_nonnull(strstr(text.s, "shard-2/run.json has \"release\": 6.12.117+deb12-amd64 "
				     "but "));
	ck_assert(!exists(f.out, "results.json"));
	buf_reset(&text);
	write_shard(&f, 1, 3, 1, VERDICT_PASS, "6.1.0-56-amd64",
		    "sysctl.vm.oom_kill_allocating_task=1");
	ck_assert_int_eq(merge(&f, 2, &text), 2);
	ck_assert_ptr_nonnull(strstr(text.s, "\"append\": sysctl.vm.oom_kill_allocating_task=1"));
	ck_assert(!exists(f.out, "results.json"));
	/* the same scenario in two shards */
	buf_reset(&text);
	write_shard(&f, 1, 3, 0, VERDICT_PASS, "6.1.0-56-amd64", NULL);
	ck_assert_int_eq(merge(&f, 2, &text), 2);
	ck_assert_ptr_nonnull(strstr(text.s, "a scenario may be in one shard only"));
	ck_assert(!exists(f.out, "results.json"));
	/* the same shard twice */
	buf_reset(&text);
	snprintf(f.shard[1], sizeof(f.shard[1]), "%s", f.shard[0]);
	ck_assert_int_eq(merge(&f, 2, &text), 2);
	ck_assert_ptr_nonnull(strstr(text.s, "are both shard 1/3"));
	ck_assert(!exists(f.out, "results.json"));
	buf_release(&text);
	rm_rf(f.root);
}
END_TEST

START_TEST(merge_notes_missing)
{
	struct fixture f;
	struct buf text = BUF_INIT;
	char want[256];

	fixture_init(&f);
	write_shard(&f, 0, 3, 0, VERDICT_PASS, "6.1.0-56-amd64", NULL);
	write_shard(&f, 2, 3, 2, VERDICT_PASS, "6.1.0-56-amd64", NULL);
	snprintf(f.shard[1], sizeof(f.shard[1]), "%s", f.shard[2]);
	ck_assert_int_eq(merge(&f, 2, &text), 2);
	ck_assert_ptr_nonnull(strstr(text.s, "shard 2/3 is missing"));
	snprintf(want, sizeof(want), "scenario %s (vmconfig %s) of the run is in no shard", f.sc[1],
		 f.vm[1]);
	ck_assert_ptr_nonnull(strstr(text.s, want));
	ck_assert(exists(f.out, "results.json")); /* what there is, merged */
	buf_release(&text);
	rm_rf(f.root);
}
END_TEST

Suite *suite_merge(void)
{
	Suite *s = suite_create("merge");
	TCase *tc = tcase_create("merge");

	tcase_add_test(tc, write_dir_four_files);
	tcase_add_test(tc, write_dir_results_first);
	tcase_add_test(tc, merge_joins_shards);
	tcase_add_test(tc, merge_refuses_other_runs);
	tcase_add_test(tc, merge_notes_missing);
	suite_add_tcase(s, tc);
	return s;
}
