/* test_verdict.c - the verdict suite: building evidence by hand (shared with
 * test_verdict_classify.c, which has the tests of classify() path by path),
 * judge(), observed_add(), and classify() with judge() after evidence.c's
 * parse: hand-written records with a console, and the records of real
 * guests (fixtures/vm/) when they are there. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "evidence.h"
#include "test_verdict_int.h"
#include "verdict.h"

/* ---- building evidence by hand (owned as evidence_free expects) ---- */

char *xstrdup(const char *s)
{
	char *d = strdup(s);

	ck_assert_ptr_nonnull(d);
	return d;
}

static void snap_set(struct mem_snapshot *s, bool memcg)
{
	s->mem_total_kb = 200000;
	s->mem_free_kb = 150000;
	s->mem_available_kb = 160000;
	s->swap_total_kb = 0;
	s->swap_free_kb = 0;
	s->commit_limit_kb = 120000;
	s->committed_as_kb = 41234;
	s->oom_kill = 0;
	s->memcg_max = memcg ? 0 : -1;
	s->memcg_oom = memcg ? 0 : -1;
	s->memcg_oom_kill = memcg ? 0 : -1;
	s->memcg_oom_group_kill = memcg ? 0 : -1;
}

struct evidence *ev_new(const char *mode)
{
	struct evidence *ev = calloc(1, sizeof(*ev));

	ck_assert_ptr_nonnull(ev);
	evidence_init(ev);
	ev->hello = true;
	ev->done = true;
	snprintf(ev->release, sizeof(ev->release), "6.1.0-56-amd64");
	if (mode)
		kv_set(&ev->effective, "vm.overcommit_memory", mode, 0);
	kv_set(&ev->effective, "vm.panic_on_oom", "0", 0);
	snap_set(&ev->boot, false);
	return ev;
}

void ev_del(struct evidence *ev)
{
	evidence_free(ev);
	free(ev);
}

/* A step that ran `oomwl mmap` and exited 0. */
struct step_evidence *step_add(struct evidence *ev, bool memcg)
{
	struct step_evidence *st;

	ev->steps = realloc(ev->steps, (ev->nsteps + 1) * sizeof(*ev->steps));
	ck_assert_ptr_nonnull(ev->steps);
	st = &ev->steps[ev->nsteps];
	memset(st, 0, sizeof(*st));
	st->index = (int)ev->nsteps++;
	st->argv = xstrdup("mmap size=314572800");
	st->begun = st->ended = st->exited = true;
	st->duration_s = 0.5;
	snap_set(&st->before, memcg);
	snap_set(&st->after, memcg);
	st->wl.present = true;
	snprintf(st->wl.op, sizeof(st->wl.op), "mmap");
	st->wl.ok = true;
	st->wl.bytes = 314572800;
	st->wl.touched = -1;
	return st;
}

void kmsg_add(struct step_evidence *st, const char *msg)
{
	st->kmsg = realloc(st->kmsg, (st->nkmsg + 1) * sizeof(*st->kmsg));
	ck_assert_ptr_nonnull(st->kmsg);
	st->kmsg[st->nkmsg] = (struct kmsg_line){ 3, 100 + st->nkmsg, 1000, xstrdup(msg) };
	st->nkmsg++;
}

void step_killed(struct step_evidence *st, int sig)
{
	st->exited = false;
	st->signal = sig;
	st->wl.present = false;
}

void step_enomem(struct step_evidence *st, long long bytes)
{
	st->exited = true;
	st->exit_code = 1;
	st->wl.ok = false;
	st->wl.err_no = ENOMEM;
	st->wl.bytes = bytes;
}

bool has_evidence(const struct observed *o, const char *sentence)
{
	for (size_t i = 0; i < o->nevidence; i++)
		if (!strcmp(o->evidence[i], sentence))
			return true;
	return false;
}

bool evidence_mentions(const struct observed *o, const char *part)
{
	for (size_t i = 0; i < o->nevidence; i++)
		if (strstr(o->evidence[i], part))
			return true;
	return false;
}

/* ---- judge: ERROR is never FAIL ---- */

START_TEST(timed_out_step_is_error)
{
	struct evidence *ev = ev_new("1");
	struct step_evidence *st = step_add(ev, false);
	struct observed o;
	char reason[512];

	step_killed(st, SIGKILL);
	st->timed_out = true;
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "unknown");
	ck_assert(has_evidence(&o, "the agent killed the workload at the step's timeout"));
	ck_assert_int_eq(judge(PATH_NO_FAILURE, &o, ev, NULL, reason, sizeof(reason)), VERDICT_ERROR);
	ck_assert_str_eq(reason, "the workload did not finish within the step's timeout");
	observed_free(&o);
	ev_del(ev);
}
END_TEST

static enum verdict judge_no_failure(struct evidence *ev, const char *vm_problem, char *reason,
				     size_t len)
{
	struct observed o;
	enum verdict v;

	observed_init(&o);
	classify(ev, &o);
	v = judge(PATH_COMMIT_REJECT, &o, ev, vm_problem, reason, len);
	observed_free(&o);
	return v;
}

START_TEST(judge_fail_vs_error)
{
	struct evidence *ev = ev_new("2");
	char reason[512];

	step_add(ev, false);
	/* Clean run, other path: FAIL, with the main evidence. */
	ck_assert_int_eq(judge_no_failure(ev, NULL, reason, sizeof(reason)), VERDICT_FAIL);
	ck_assert_ptr_nonnull(strstr(reason, "expected commit_reject, observed no_failure: mmap of 314572800 bytes succeeded"));
	/* The same observation from a VM that failed: ERROR. */
	ck_assert_int_eq(judge_no_failure(ev, "QEMU timed out after 300 s", reason, sizeof(reason)),
			 VERDICT_ERROR);
	ck_assert_str_eq(reason, "VM problem: QEMU timed out after 300 s");
	/* Malformed record lines with a mismatch: the evidence may be partial. */
	ev->bad_lines = 2;
	ck_assert_int_eq(judge_no_failure(ev, NULL, reason, sizeof(reason)), VERDICT_ERROR);
	ck_assert_ptr_nonnull(strstr(reason, "2 record lines were malformed"));
	ev_del(ev);
}
END_TEST

START_TEST(judge_errors)
{
	struct evidence *ev = ev_new("2");
	struct step_evidence *st;
	char reason[512];

	ck_assert_int_eq(judge_no_failure(ev, NULL, reason, sizeof(reason)), VERDICT_ERROR);
	ck_assert_str_eq(reason, "the step under test is missing from the record channel");

	st = step_add(ev, false);
	step_enomem(st, 314572800);   /* would PASS */
	ev->hello = false;
	ck_assert_int_eq(judge_no_failure(ev, NULL, reason, sizeof(reason)), VERDICT_ERROR);
	ck_assert_str_eq(reason, "the guest agent never said hello");
	ev->hello = true;

	ev->agent_error = xstrdup("cannot read /plan.json: No such file or directory");
	ck_assert_int_eq(judge_no_failure(ev, NULL, reason, sizeof(reason)), VERDICT_ERROR);
	ck_assert_str_eq(reason, "the guest agent failed: cannot read /plan.json: No such file or directory");
	free(ev->agent_error);
	ev->agent_error = NULL;

	kv_set(&ev->setup_errors, "sysctl vm.overcommit_memory", "Permission denied", 0);
	ck_assert_int_eq(judge_no_failure(ev, NULL, reason, sizeof(reason)), VERDICT_ERROR);
	ck_assert_str_eq(reason, "guest setup failed: sysctl vm.overcommit_memory: Permission denied");
	kv_free(&ev->setup_errors);
	memset(&ev->setup_errors, 0, sizeof(ev->setup_errors));

	ev->done = false;
	ck_assert_int_eq(judge_no_failure(ev, NULL, reason, sizeof(reason)), VERDICT_ERROR);
	ck_assert_str_eq(reason, "the guest agent never sent done");

	/* A record line was mangled and the step's end was lost with it. */
	st->ended = false;
	ev->bad_lines = 1;
	ev->errors[0] = xstrdup("line 7: not JSON");
	ev->nerrors = 1;
	ck_assert_int_eq(judge_no_failure(ev, NULL, reason, sizeof(reason)), VERDICT_ERROR);
	ck_assert_str_eq(reason, "the step under test never ended; 1 malformed record lines, first: line 7: not JSON");

	ev->done = true;
	ev->bad_lines = 0;
	st->ended = true;
	ck_assert_int_eq(judge_no_failure(ev, NULL, reason, sizeof(reason)), VERDICT_PASS);
	ck_assert_str_eq(reason, "");
	ev_del(ev);
}
END_TEST

/* The reason is bounded by its buffer and never cut inside a character. */
START_TEST(judge_reason_bounded)
{
	struct evidence *ev = ev_new("2");
	char reason[28], wide[64];

	step_add(ev, false);
	/* "the guest agent failed: " is 24 bytes; then 2-byte characters. */
	ev->agent_error = xstrdup("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	ck_assert_int_eq(judge_no_failure(ev, NULL, reason, sizeof(reason)), VERDICT_ERROR);
	ck_assert_str_eq(reason, "the guest agent failed: \xc3\xa9");
	free(ev->agent_error);
	ev->agent_error = xstrdup("x\x01y\xff\033[2J");
	ck_assert_int_eq(judge_no_failure(ev, NULL, wide, sizeof(wide)), VERDICT_ERROR);
	ck_assert_str_eq(wide, "the guest agent failed: x?y??[2J");
	ev_del(ev);
}
END_TEST

/* ---- observed_add ---- */

START_TEST(observed_add_bounds)
{
	struct observed o;
	char big[OBS_MAX_SENTENCE * 2];

	observed_init(&o);
	ck_assert_int_eq(o.order, -1);
	for (int i = 0; i < 100; i++)
		observed_add(&o, "fact %d", i);
	ck_assert_uint_eq(o.nevidence, OBS_MAX_EVIDENCE);
	ck_assert_str_eq(o.evidence[0], "fact 0");
	ck_assert_str_eq(o.evidence[OBS_MAX_EVIDENCE - 2], "fact 22");
	ck_assert_str_eq(o.evidence[OBS_MAX_EVIDENCE - 1], "(further evidence left out)");
	observed_free(&o);
	ck_assert_uint_eq(o.nevidence, 0);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[OBS_MAX_SENTENCE - 5] = '\xc3';   /* a 2-byte character across the cut */
	big[OBS_MAX_SENTENCE - 4] = '\xa9';
	observed_add(&o, "%s", big);
	observed_add(&o, "bad \x01\x7f\xff bytes");
	ck_assert_uint_eq(strlen(o.evidence[0]), OBS_MAX_SENTENCE - 5 + 3);
	ck_assert_str_eq(o.evidence[0] + OBS_MAX_SENTENCE - 5, "...");
	ck_assert_str_eq(o.evidence[1], "bad ??? bytes");
	observed_free(&o);
}
END_TEST

START_TEST(verdict_names)
{
	ck_assert_str_eq(verdict_name(VERDICT_PASS), "PASS");
	ck_assert_str_eq(verdict_name(VERDICT_FAIL), "FAIL");
	ck_assert_str_eq(verdict_name(VERDICT_ERROR), "ERROR");
	ck_assert_str_eq(verdict_name(VERDICT_SKIP), "SKIP");
	ck_assert_str_eq(verdict_name((enum verdict)42), "ERROR");
}
END_TEST

/* ---- through evidence.c ---- */

/* The whole way for a panic: records that stop mid-step and a console
 * with the panic, through evidence.c. */
START_TEST(oom_panic_from_console)
{
	static const char records[] =
		"{\"t\":\"hello\",\"v\":1,\"release\":\"6.1.0-56-amd64\",\"version\":\"#1\",\"uptime_ms\":700}\n"
		"{\"t\":\"facts\",\"meminfo\":{\"MemTotal\":208732},\"effective\":{\"vm.overcommit_memory\":\"1\",\"vm.panic_on_oom\":\"1\"},\"nr_cpus\":1}\n"
		"{\"t\":\"step\",\"phase\":\"begin\",\"i\":0,\"argv\":[\"hog\",\"size=1073741824\"],\"before\":{\"oom_kill\":0}}\n";
	static const char console[] =
		"[    5.120333] oomwl invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0\n"
		"[    5.130000] Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled\n"
		"[    5.130100] ---[ end Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled ]---\n";
	struct evidence ev;
	struct observed o;
	char reason[512];

	evidence_init(&ev);
	evidence_parse_records(&ev, records, sizeof(records) - 1);
	evidence_scan_console(&ev, console, sizeof(console) - 1, 40);
	observed_init(&o);
	classify(&ev, &o);
	ck_assert_str_eq(path_name(o.path), "oom_panic");
	ck_assert(has_evidence(&o, "vm.panic_on_oom=1 in the guest"));
	ck_assert_int_eq(judge(PATH_OOM_PANIC, &o, &ev, NULL, reason, sizeof(reason)), VERDICT_PASS);
	ck_assert_int_eq(judge(PATH_GLOBAL_OOM_KILL, &o, &ev, NULL, reason, sizeof(reason)),
			 VERDICT_FAIL);
	observed_free(&o);
	evidence_free(&ev);
}
END_TEST

/* Real 6.1 guests under the OOM policies (vmconfigs/scenarios/policies.ini):
 * the console decides the panics, the records the rest. */
static const struct {
	const char *name;
	enum oom_path path;
} policy_cases[] = {
	{ "no-killable-panic", PATH_NO_KILLABLE_PANIC },
	{ "panic-on-oom-global", PATH_OOM_PANIC },
	{ "oom-group-kill", PATH_OOM_GROUP_KILL },
	{ "allocating-task-kill", PATH_ALLOCATING_TASK_KILL },
	{ "memcg-high-throttle", PATH_MEMCG_HIGH_THROTTLE },
};

START_TEST(real_policy_records)
{
	char path[256], reason[512];
	size_t rlen, clen;
	char *rec, *con;
	struct evidence ev;
	struct observed o;

	snprintf(path, sizeof(path), "fixtures/vm/6.1/%s.records.jsonl", policy_cases[_i].name);
	rec = fixture(path, &rlen);
	snprintf(path, sizeof(path), "fixtures/vm/6.1/%s.console.log", policy_cases[_i].name);
	con = fixture(path, &clen);
	evidence_init(&ev);
	evidence_parse_records(&ev, rec, rlen);
	evidence_scan_console(&ev, con, clen, 40);
	observed_init(&o);
	classify(&ev, &o);
	ck_assert_msg(o.path == policy_cases[_i].path, "%s: observed %s", policy_cases[_i].name,
		      path_name(o.path));
	ck_assert_int_eq(judge(policy_cases[_i].path, &o, &ev, NULL, reason, sizeof(reason)),
			 VERDICT_PASS);
	ck_assert_int_eq(judge(PATH_NO_FAILURE, &o, &ev, NULL, reason, sizeof(reason)), VERDICT_FAIL);
	observed_free(&o);
	evidence_free(&ev);
	free(rec);
	free(con);
}
END_TEST

/* ---- real guests ---- */

/* Records of real TCG guests (Debian kernels), evidence.c's parse and all. */
static const char *const vm_kernels[] = { "6.1", "6.12" };

static const struct {
	const char *name;
	enum oom_path path;
	const char *victim;      /* comm of the OOM victim, NULL if none */
	const char *evidence;    /* the start of one evidence sentence */
} vm_cases[] = {
	{ "mode0-heuristic-reject", PATH_HEURISTIC_REJECT, NULL, "vm.overcommit_memory=0 in the guest; request " },
	{ "mode0-disk-swap", PATH_HEURISTIC_REJECT, NULL, "kernel: __vm_enough_memory: pid: " },
	{ "mode1-no-failure", PATH_NO_FAILURE, NULL, "mmap of " },
	{ "mode2-commit-reject", PATH_COMMIT_REJECT, NULL, "vm.overcommit_memory=2 in the guest; Committed_AS " },
	{ "mode2-zram", PATH_COMMIT_REJECT, NULL, "vm.overcommit_memory=2 in the guest; Committed_AS " },
	{ "mode2-under-limit", PATH_NO_FAILURE, NULL, "vmstat oom_kill unchanged" },
	{ "global-oom", PATH_GLOBAL_OOM_KILL, "oomwl", "kernel: Out of memory: Killed process " },
	{ "memcg-oom", PATH_MEMCG_OOM_KILL, "oomwl", "kernel: Memory cgroup out of memory: Killed process " },
	{ "memcg-under-limit", PATH_NO_FAILURE, NULL, "the workload got all 33554432 bytes" },
};

#define NVM_CASES (sizeof(vm_cases) / sizeof(vm_cases[0]))

static bool evidence_starts(const struct observed *o, const char *prefix)
{
	for (size_t i = 0; i < o->nevidence; i++)
		if (!strncmp(o->evidence[i], prefix, strlen(prefix)))
			return true;
	return false;
}

START_TEST(real_vm_records)
{
	size_t c = (size_t)_i % NVM_CASES, len;
	char file[256];
	char *data;
	struct evidence ev;
	struct observed o;
	char reason[512];

	snprintf(file, sizeof(file), "fixtures/vm/%s/%s.records.jsonl",
		 vm_kernels[(size_t)_i / NVM_CASES], vm_cases[c].name);
	data = fixture(file, &len);
	evidence_init(&ev);
	evidence_parse_records(&ev, data, len);
	observed_init(&o);
	classify(&ev, &o);
	ck_assert_msg(o.path == vm_cases[c].path, "%s: observed %s", file, path_name(o.path));
	if (vm_cases[c].victim) {
		ck_assert_int_gt(o.victim_pid, 1);
		ck_assert_str_eq(o.victim_comm, vm_cases[c].victim);
		ck_assert_int_eq(o.order, 0);
		ck_assert_int_eq(o.signal, SIGKILL);
	} else {
		ck_assert_int_eq(o.victim_pid, 0);
		ck_assert_str_eq(o.constraint, "");
	}
	ck_assert_msg(evidence_starts(&o, vm_cases[c].evidence), "%s: no \"%s...\"", file,
		      vm_cases[c].evidence);
	ck_assert_int_eq(judge(vm_cases[c].path, &o, &ev, NULL, reason, sizeof(reason)),
			 VERDICT_PASS);
	ck_assert_int_eq(judge(vm_cases[c].path == PATH_NO_FAILURE ? PATH_COMMIT_REJECT :
			       PATH_NO_FAILURE, &o, &ev, NULL, reason, sizeof(reason)), VERDICT_FAIL);
	observed_free(&o);
	evidence_free(&ev);
	free(data);
}
END_TEST

Suite *suite_verdict(void)
{
	Suite *s = suite_create("verdict");
	TCase *oom = tcase_create("oom"), *rej = tcase_create("reject");
	TCase *other = tcase_create("other"), *jd = tcase_create("judge");
	TCase *real = tcase_create("real-vm");

	verdict_classify_tests(oom, rej, other);
	tcase_add_test(oom, oom_panic_from_console);
	tcase_add_test(other, observed_add_bounds);
	tcase_add_test(other, verdict_names);
	tcase_add_test(jd, timed_out_step_is_error);
	tcase_add_test(jd, judge_fail_vs_error);
	tcase_add_test(jd, judge_errors);
	tcase_add_test(jd, judge_reason_bounded);
	tcase_add_loop_test(real, real_policy_records, 0,
			    (int)(sizeof(policy_cases) / sizeof(policy_cases[0])));
	tcase_add_loop_test(real, real_vm_records, 0,
			    (int)(NVM_CASES * (sizeof(vm_kernels) / sizeof(vm_kernels[0]))));
	suite_add_tcase(s, oom);
	suite_add_tcase(s, rej);
	suite_add_tcase(s, other);
	suite_add_tcase(s, jd);
	suite_add_tcase(s, real);
	return s;
}
