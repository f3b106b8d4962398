/* test_evidence.c - the record channel parser and the console scan, on
 * hand-written records (fixtures/records/, after workloads/README.md), on
 * malformed and hostile input, and on the bounds of evidence.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "evidence.h"
#include "klog.h"
#include "suites.h"

static void load(struct evidence *ev, const char *path)
{
	size_t len;
	char *data = fixture(path, &len);

	evidence_init(ev);
	evidence_parse_records(ev, data, len);
	free(data);
}

static bool has_error(const struct evidence *ev, const char *needle)
{
	for (size_t i = 0; i < ev->nerrors; i++)
		if (strstr(ev->errors[i], needle))
			return true;
	return false;
}

START_TEST(global_oom_records)
{
	struct evidence ev;
	struct step_evidence *st;
	struct klog_killed k;
	struct klog_invoked inv;

	load(&ev, "fixtures/records/global-oom.jsonl");
	ck_assert(ev.hello);
	ck_assert(ev.done);
	ck_assert_str_eq(ev.release, "6.1.0-56-amd64");
	ck_assert_uint_eq(ev.bad_lines, 0);
	ck_assert_uint_eq(ev.nerrors, 0);
	ck_assert_ptr_null(ev.agent_error);
	/* setup: only the failure is kept */
	ck_assert_uint_eq(ev.setup_errors.n, 1);
	ck_assert_str_eq(kv_get(&ev.setup_errors, "sysctl:vm.oom_dump_tasks"),
			 "No such file or directory (errno 2)");
	/* facts */
	ck_assert_str_eq(kv_get(&ev.effective, "vm.overcommit_memory"), "1");
	ck_assert_str_eq(kv_get(&ev.effective, "memory.max"), "max");
	ck_assert_str_eq(kv_get(&ev.effective, "vm.min_free_kbytes"), "1352");
	ck_assert_ptr_null(kv_get(&ev.effective, "vm.weird"));
	ck_assert_int_eq(ev.boot.mem_total_kb, 245328);
	ck_assert_int_eq(ev.boot.commit_limit_kb, 122664);
	ck_assert_int_eq(ev.boot.committed_as_kb, 10212);
	ck_assert_int_eq(ev.boot.oom_kill, -1);
	ck_assert_int_eq(ev.boot.memcg_oom_kill, -1);
	ck_assert_int_eq(ev.nr_cpus, 1);
	ck_assert_uint_eq(ev.nboot_kmsg, 1);
	ck_assert_str_eq(ev.boot_kmsg[0].msg, "Run /init as init process");
	/* the step */
	ck_assert_uint_eq(ev.nsteps, 1);
	st = &ev.steps[0];
	ck_assert_int_eq(st->index, 0);
	ck_assert(st->begun && st->ended);
	ck_assert_str_eq(st->argv, "hog size=1073741824 chunk=1M");
	ck_assert_str_eq(kv_get(&st->exprs, "size=ram*4"), "1073741824");
	ck_assert(!st->exited);
	ck_assert_int_eq(st->signal, 9);
	ck_assert(!st->timed_out);
	ck_assert(st->duration_s > 4.320 && st->duration_s < 4.322);
	ck_assert_int_eq(st->before.oom_kill, 0);
	ck_assert_int_eq(st->after.oom_kill, 1);
	ck_assert_int_eq(st->before.memcg_oom_kill, 0);
	ck_assert_int_eq(st->after.memcg_oom_kill, 1);
	ck_assert_int_eq(st->after.memcg_max, 0);
	ck_assert_int_eq(st->after.committed_as_kb, 10400);
	/* killed mid-way: no result line, but the progress is kept */
	ck_assert(!st->wl.present);
	ck_assert_int_eq(st->wl.touched, 134217728);
	ck_assert_int_eq(st->wl.bytes, -1);
	/* the kernel's lines, in order */
	ck_assert_uint_eq(st->nkmsg, 4);
	ck_assert(!st->kmsg_truncated);
	ck_assert_int_eq(st->kmsg[0].prio, 4);
	ck_assert_uint_eq(st->kmsg[0].seq, 401);
	ck_assert_uint_eq(st->kmsg[0].ts_us, 5120333);
	ck_assert(klog_parse_invoked(st->kmsg[0].msg, &inv));
	ck_assert_str_eq(inv.gfp_mask, "0x140dca");
	ck_assert(klog_parse_killed(st->kmsg[2].msg, &k));
	ck_assert_int_eq(k.pid, 63);
	ck_assert_int_eq(st->kmsg[2].prio, 3);
	evidence_free(&ev);
	evidence_free(&ev);     /* twice is harmless */
	ck_assert_uint_eq(ev.nsteps, 0);
}
END_TEST

START_TEST(commit_reject_records)
{
	struct evidence ev;
	struct step_evidence *st;
	struct klog_vm_enough vm;

	load(&ev, "fixtures/records/commit-reject.jsonl");
	ck_assert(ev.hello && ev.done);
	ck_assert_uint_eq(ev.nerrors, 0);
	ck_assert_str_eq(kv_get(&ev.effective, "vm.overcommit_memory"), "2");
	ck_assert_int_eq(ev.boot.swap_total_kb, 131068);
	ck_assert_int_eq(ev.nr_cpus, 2);
	st = &ev.steps[0];
	ck_assert(st->exited);
	ck_assert_int_eq(st->exit_code, 1);
	ck_assert_int_eq(st->signal, 0);
	ck_assert(st->wl.present);
	ck_assert_str_eq(st->wl.op, "mmap");
	ck_assert(!st->wl.ok);
	ck_assert_int_eq(st->wl.err_no, 12);
	ck_assert_int_eq(st->wl.bytes, 327155712);
	ck_assert_int_eq(st->wl.touched, -1);
	ck_assert_int_eq(st->before.memcg_oom, -1);     /* "memory.events": null */
	ck_assert_int_eq(st->after.oom_kill, 0);
	ck_assert_uint_eq(st->nkmsg, 1);
	ck_assert(klog_parse_vm_enough(st->kmsg[0].msg, &vm));
	ck_assert_int_eq(vm.pid, 58);
	ck_assert_str_eq(vm.comm, "oomwl");
	evidence_free(&ev);
}
END_TEST

START_TEST(malformed_records)
{
	struct evidence ev;
	struct step_evidence *st;

	load(&ev, "fixtures/records/malformed.jsonl");
	ck_assert(ev.hello);
	ck_assert(ev.done);
	/* array, number, string, trailing data, unterminated string, NUL byte,
	 * binary, the cut last line */
	ck_assert_uint_eq(ev.bad_lines, 8);
	ck_assert(has_error(&ev, "line 6: not a JSON object"));
	ck_assert(has_error(&ev, "line 7: not a JSON object"));
	ck_assert(has_error(&ev, "line 9: trailing data"));
	ck_assert(has_error(&ev, "line 10: truncated JSON"));
	ck_assert(has_error(&ev, "line 11: unknown record type \"martian\""));
	ck_assert(has_error(&ev, "line 12: record without type"));
	ck_assert(has_error(&ev, "line 13: step 3 ended but never began"));
	ck_assert(has_error(&ev, "line 14: wl record without a step index"));
	ck_assert(has_error(&ev, "line 15: kmsg record without a step index"));
	ck_assert(has_error(&ev, "line 17: step record without phase"));
	ck_assert(has_error(&ev, "line 19: another agent error: second failure"));
	ck_assert(has_error(&ev, "line 23: NUL byte"));
	ck_assert(has_error(&ev, "line 24: not JSON"));
	ck_assert(has_error(&ev, "line 26: truncated JSON"));
	ck_assert_uint_eq(ev.nerrors, 15);
	ck_assert_str_eq(ev.agent_error, "first failure");
	/* the step never begun is kept, the out-of-range one is not */
	ck_assert_uint_eq(ev.nsteps, 4);
	ck_assert(!ev.steps[1].begun && !ev.steps[1].ended);
	st = &ev.steps[3];
	ck_assert_int_eq(st->index, 3);
	ck_assert(!st->begun && st->ended && st->timed_out);
	ck_assert(st->exited);
	ck_assert_int_eq(st->duration_s, -1);
	ck_assert_int_eq(st->after.mem_total_kb, -1);
	/* step 0: the last result wins, touched from the last object with one */
	st = &ev.steps[0];
	ck_assert_str_eq(st->argv, "mmap size=4096");
	ck_assert_int_eq(st->before.mem_total_kb, -1);
	ck_assert(st->wl.present && st->wl.ok);
	ck_assert_str_eq(st->wl.op, "done");
	ck_assert_int_eq(st->wl.bytes, 8192);
	ck_assert_int_eq(st->wl.touched, 4096);
	ck_assert_int_eq(st->wl.err_no, 0);
	ck_assert_uint_eq(st->nkmsg, 2);
	ck_assert_str_eq(st->kmsg[0].msg, "string prio");
	ck_assert_int_eq(st->kmsg[0].prio, -1);
	ck_assert_uint_eq(st->kmsg[0].seq, 0);
	ck_assert_str_eq(st->kmsg[1].msg, "crlf line");
	ck_assert_int_eq(st->kmsg[1].prio, 6);
	for (size_t i = 0; i < ev.nerrors; i++)
		ck_assert_uint_lt(strlen(ev.errors[i]), EV_MAX_ERROR_LEN);
	evidence_free(&ev);
}
END_TEST

START_TEST(long_line_is_refused)
{
	struct evidence ev;

	load(&ev, "fixtures/records/long-line.jsonl");
	ck_assert(ev.hello && ev.done);
	ck_assert_uint_eq(ev.bad_lines, 1);
	ck_assert(has_error(&ev, "line 2: record longer than 65536 bytes"));
	ck_assert_uint_eq(ev.nboot_kmsg, 1);
	ck_assert_str_eq(ev.boot_kmsg[0].msg, "after the long line");
	evidence_free(&ev);
}
END_TEST

START_TEST(data_is_not_nul_terminated)
{
	static const char rec[] = "{\"t\":\"hello\",\"v\":1,\"release\":\"6.1\"}\n{\"t\":\"done\"}";
	struct evidence ev;
	char *exact = malloc(sizeof(rec) - 1);  /* no NUL: ASan sees an overread */

	memcpy(exact, rec, sizeof(rec) - 1);
	evidence_init(&ev);
	evidence_parse_records(&ev, exact, sizeof(rec) - 1);
	ck_assert(ev.hello && ev.done);
	ck_assert_str_eq(ev.release, "6.1");
	/* parsing nothing changes nothing */
	evidence_parse_records(&ev, exact, 0);
	ck_assert_uint_eq(ev.bad_lines, 0);
	free(exact);
	evidence_free(&ev);
}
END_TEST

START_TEST(bounds)
{
	struct evidence ev;
	struct buf b = BUF_INIT;
	char *big = malloc(10001);

	memset(big, 'x', 10000);
	big[10000] = '\0';
	buf_addf(&b, "{\"t\":\"step\",\"phase\":\"begin\",\"i\":63,\"argv\":[\"mmap\",1,null]}\n");
	buf_addf(&b, "{\"t\":\"step\",\"phase\":\"begin\",\"i\":64,\"argv\":[]}\n");
	buf_addf(&b, "{\"t\":\"step\",\"phase\":\"begin\",\"i\":99999999999,\"argv\":[]}\n");
	buf_addf(&b, "{\"t\":\"kmsg\",\"i\":0,\"prio\":14,\"msg\":\"%s\"}\n", big);
	for (int i = 0; i < EV_MAX_KMSG + 10; i++)
		buf_addf(&b, "{\"t\":\"kmsg\",\"i\":%d,\"prio\":6,\"seq\":%d,\"msg\":\"l%d\"}\n",
			 i % 2 ? -1 : 1, i, i);
	buf_addstr(&b, "{\"t\":\"facts\",\"meminfo\":{},\"effective\":{");
	for (int i = 0; i < EV_MAX_KV + 44; i++)
		buf_addf(&b, "%s\"k%d\":%d", i ? "," : "", i, i);
	buf_addstr(&b, "}}\n");
	for (int i = 0; i < EV_MAX_ERRORS + 8; i++)
		buf_addf(&b, "{bad %d\n", i);
	evidence_init(&ev);
	evidence_parse_records(&ev, b.s, b.len);
	ck_assert_uint_eq(ev.effective.n, EV_MAX_KV);
	ck_assert_str_eq(kv_get(&ev.effective, "k255"), "255");
	ck_assert_ptr_null(kv_get(&ev.effective, "k256"));
	ck_assert(has_error(&ev, "more than 256 keys"));
	ck_assert_uint_eq(ev.nsteps, 64);
	ck_assert_str_eq(ev.steps[63].argv, "mmap 1 null");
	ck_assert_uint_eq(ev.steps[0].nkmsg, 1);
	ck_assert_uint_eq(strlen(ev.steps[0].kmsg[0].msg), EV_MAX_KMSG_MSG - 1);
	ck_assert_int_eq(ev.steps[0].kmsg[0].prio, 6);  /* facility bits dropped */
	ck_assert_uint_eq(ev.steps[1].nkmsg, (EV_MAX_KMSG + 10) / 2);
	ck_assert(!ev.steps[1].kmsg_truncated);
	ck_assert_str_eq(ev.steps[1].kmsg[100].msg, "l200");
	ck_assert_uint_eq(ev.nboot_kmsg, (EV_MAX_KMSG + 10) / 2);
	ck_assert(!ev.boot_kmsg_truncated);
	/* twice as many: now both overflow */
	evidence_parse_records(&ev, strstr(b.s, "{\"t\":\"kmsg\",\"i\":1,"), strlen(strstr(b.s, "{\"t\":\"kmsg\",\"i\":1,")));
	ck_assert_uint_eq(ev.steps[1].nkmsg, EV_MAX_KMSG);
	ck_assert(ev.steps[1].kmsg_truncated);
	ck_assert_uint_eq(ev.nboot_kmsg, EV_MAX_KMSG);
	ck_assert(ev.boot_kmsg_truncated);
	ck_assert_uint_eq(ev.nerrors, EV_MAX_ERRORS);
	ck_assert_uint_ge(ev.errors_dropped, 8);
	ck_assert_uint_ge(ev.bad_lines, EV_MAX_ERRORS + 8);
	evidence_free(&ev);
	buf_release(&b);
	free(big);
}
END_TEST

/* Agent-side losses and steps that could not run (workloads/README.md). */
START_TEST(agent_counts_and_step_errors)
{
	static const char rec[] =
		"{\"t\":\"step\",\"phase\":\"begin\",\"i\":0,\"argv\":[\"mmap\",\"size=1/0\"],"
		"\"timeout_s\":30,\"error\":\"size=1/0: division by zero\"}\n"
		"{\"t\":\"step\",\"phase\":\"end\",\"i\":0,\"exit\":null,\"signal\":null,\"duration_ms\":0,"
		"\"error\":\"not run\",\"wl_lines\":0,\"wl_dropped\":0,\"kmsg_lines\":0,\"kmsg_dropped\":0}\n"
		"{\"t\":\"step\",\"phase\":\"begin\",\"i\":1,\"argv\":[\"hog\"],\"timeout_s\":-4}\n"
		"{\"t\":\"kmsg\",\"i\":1,\"prio\":6,\"msg\":\"one\"}\n"
		"{\"t\":\"step\",\"phase\":\"end\",\"i\":1,\"exit\":0,\"kmsg_lines\":2,\"wl_dropped\":3}\n"
		"{\"t\":\"step\",\"phase\":\"begin\",\"i\":2,\"argv\":[\"hog\"]}\n"
		"{\"t\":\"step\",\"phase\":\"end\",\"i\":2,\"exit\":0,\"kmsg_overwritten\":1}\n";
	struct evidence ev;

	evidence_init(&ev);
	evidence_parse_records(&ev, rec, sizeof(rec) - 1);
	ck_assert_uint_eq(ev.nsteps, 3);
	ck_assert_str_eq(ev.steps[0].error, "size=1/0: division by zero");  /* the first */
	ck_assert_int_eq(ev.steps[0].timeout_s, 30);
	ck_assert(!ev.steps[0].exited && ev.steps[0].signal == 0);
	ck_assert_int_eq(ev.steps[0].duration_s, 0);
	ck_assert(!ev.steps[0].kmsg_truncated && !ev.steps[0].wl_truncated);
	ck_assert_ptr_null(ev.steps[1].error);
	ck_assert_int_eq(ev.steps[1].timeout_s, -1);
	ck_assert(ev.steps[1].kmsg_truncated);  /* 2 sent, 1 arrived */
	ck_assert(ev.steps[1].wl_truncated);
	ck_assert(ev.steps[2].kmsg_truncated && !ev.steps[2].wl_truncated);
	ck_assert_uint_eq(ev.nerrors, 0);
	evidence_free(&ev);
}
END_TEST

START_TEST(console_panic_and_tail)
{
	struct evidence ev;
	size_t len;
	char *con = fixture("fixtures/records/panic.console.log", &len);

	evidence_init(&ev);
	evidence_scan_console(&ev, con, len, 3);
	ck_assert(ev.panic);
	ck_assert_str_eq(ev.panic_reason, "Out of memory: system-wide panic_on_oom is enabled");
	ck_assert_ptr_nonnull(ev.console_tail);
	ck_assert(!strncmp(ev.console_tail, "[    5.131000] CPU: 0", 21));
	ck_assert(strstr(ev.console_tail, "---[ end Kernel panic"));
	ck_assert_ptr_null(strchr(ev.console_tail, '\r'));
	ck_assert_ptr_null(strstr(ev.console_tail, "invoked oom-killer"));
	evidence_scan_console(&ev, con, len, 0);        /* rescanning frees the old tail */
	ck_assert_str_eq(ev.console_tail, "");
	evidence_free(&ev);
	free(con);

	/* another CPU's non-OOM panic with an OOM header spliced in */
	con = fixture("fixtures/klog/syzkaller-4.20-interleaved.log", &len);
	evidence_init(&ev);
	evidence_scan_console(&ev, con, len, 100);
	ck_assert(ev.panic);
	ck_assert_str_eq(ev.panic_reason, "corrupted stack end detected inside scheduler");
	ck_assert_uint_eq(strlen(ev.console_tail), len);
	evidence_free(&ev);
	free(con);
}
END_TEST

START_TEST(console_hostile)
{
	struct evidence ev;
	struct buf b = BUF_INIT;

	for (int i = 0; i < 20000; i++)
		buf_addf(&b, "[%6d.000000] line %d\n", i, i);
	buf_add(&b, "bell\a esc\x1b[0m nul", 17);
	buf_add(&b, "\0", 1);
	buf_addstr(&b, " end");
	evidence_init(&ev);
	evidence_scan_console(&ev, b.s, b.len, 100000);
	ck_assert(!ev.panic);
	ck_assert_str_eq(ev.panic_reason, "");
	ck_assert_uint_le(strlen(ev.console_tail), EV_CONSOLE_TAIL_MAX);
	ck_assert_uint_gt(strlen(ev.console_tail), EV_CONSOLE_TAIL_MAX - 64);
	ck_assert(ev.console_tail[0] == '[');       /* cut at a line start */
	ck_assert(strstr(ev.console_tail, "bell? esc?[0m nul? end"));
	evidence_free(&ev);

	/* one huge line without a newline: cut, not refused */
	buf_reset(&b);
	for (int i = 0; i < 3 * EV_CONSOLE_TAIL_MAX; i++)
		buf_addch(&b, 'z');
	buf_addstr(&b, "Kernel panic - not syncing: hidden");
	evidence_init(&ev);
	evidence_scan_console(&ev, b.s, b.len, 5);
	ck_assert(!ev.panic);                        /* not at a line start */
	ck_assert_uint_eq(strlen(ev.console_tail), EV_CONSOLE_TAIL_MAX);
	evidence_free(&ev);
	buf_release(&b);
}
END_TEST

/* ---------- real VM runs (fixtures/vm/KERNEL/NAME.{records.jsonl,console.log}) ---------- */

enum vm_kind { VM_GLOBAL_OOM, VM_MEMCG_OOM, VM_GRANTED, VM_REFUSED };

static const struct vm_case {
	const char *kernel, *name;
	enum vm_kind kind;
	const char *overcommit;         /* effective vm.overcommit_memory */
	bool swap;                      /* SwapTotal > 0 at boot */
} vm_cases[] = {
	{ "6.1", "global-oom", VM_GLOBAL_OOM, "1", false },
	{ "6.1", "memcg-oom", VM_MEMCG_OOM, "0", false },
	{ "6.1", "memcg-under-limit", VM_GRANTED, "0", false },
	{ "6.1", "mode0-disk-swap", VM_REFUSED, "0", true },
	{ "6.1", "mode0-heuristic-reject", VM_REFUSED, "0", false },
	{ "6.1", "mode1-no-failure", VM_GRANTED, "1", false },
	{ "6.1", "mode2-commit-reject", VM_REFUSED, "2", false },
	{ "6.1", "mode2-under-limit", VM_GRANTED, "2", false },
	{ "6.1", "mode2-zram", VM_REFUSED, "2", true },
	{ "6.12", "global-oom", VM_GLOBAL_OOM, "1", false },
	{ "6.12", "memcg-oom", VM_MEMCG_OOM, "0", false },
	{ "6.12", "memcg-under-limit", VM_GRANTED, "0", false },
	{ "6.12", "mode0-disk-swap", VM_REFUSED, "0", true },
	{ "6.12", "mode0-heuristic-reject", VM_REFUSED, "0", false },
	{ "6.12", "mode1-no-failure", VM_GRANTED, "1", false },
	{ "6.12", "mode2-commit-reject", VM_REFUSED, "2", false },
	{ "6.12", "mode2-under-limit", VM_GRANTED, "2", false },
	{ "6.12", "mode2-zram", VM_REFUSED, "2", true },
};

/* What the kernel said during a step. */
struct step_klog {
	int ninvoked, nsummary, nkilled, nvm, nreaped;
	int invoker_pid;                /* "CPU: N PID: P Comm: ..." after the header */
	struct klog_invoked inv;
	struct klog_oom_summary sum;
	struct klog_killed killed;
	struct klog_vm_enough vm;
};

static void step_klog(const struct step_evidence *st, struct step_klog *k)
{
	memset(k, 0, sizeof(*k));
	for (size_t i = 0; i < st->nkmsg; i++) {
		const char *m = st->kmsg[i].msg, *pid = strstr(m, " PID: ");
		struct klog_invoked inv;
		struct klog_oom_summary sum;
		struct klog_killed kl;
		struct klog_vm_enough vm;
		struct klog_reaped r;

		if (klog_parse_invoked(m, &inv) && !k->ninvoked++)
			k->inv = inv;
		if (klog_parse_oom_summary(m, &sum) && !k->nsummary++)
			k->sum = sum;
		if (klog_parse_killed(m, &kl) && !k->nkilled++)
			k->killed = kl;
		if (klog_parse_vm_enough(m, &vm) && !k->nvm++)
			k->vm = vm;
		k->nreaped += klog_parse_reaped(m, &r);
		if (k->ninvoked && !k->invoker_pid && !strncmp(m, "CPU: ", 5) && pid)
			k->invoker_pid = atoi(pid + 6);
	}
}

START_TEST(real_vm_runs)
{
	const struct vm_case *c = &vm_cases[_i];
	struct evidence ev;
	struct step_evidence *st;
	struct step_klog k;
	char path[256];
	size_t len;
	char *con;

	snprintf(path, sizeof(path), "fixtures/vm/%s/%s.records.jsonl", c->kernel, c->name);
	load(&ev, path);
	snprintf(path, sizeof(path), "fixtures/vm/%s/%s.console.log", c->kernel, c->name);
	con = fixture(path, &len);
	evidence_scan_console(&ev, con, len, 20);
	free(con);

	/* the channel itself was clean and complete */
	ck_assert(ev.hello && ev.done);
	ck_assert_uint_eq(ev.bad_lines, 0);
	ck_assert_uint_eq(ev.nerrors, 0);
	ck_assert_ptr_null(ev.agent_error);
	ck_assert_uint_eq(ev.setup_errors.n, 0);
	ck_assert(!strncmp(ev.release, c->kernel, strlen(c->kernel)) &&
		  ev.release[strlen(c->kernel)] == '.');
	ck_assert_str_eq(kv_get(&ev.effective, "vm.overcommit_memory"), c->overcommit);
	ck_assert_str_eq(kv_get(&ev.effective, "vm.panic_on_oom"), "0");
	ck_assert_int_gt(ev.boot.mem_total_kb, 100000);
	ck_assert(c->swap ? ev.boot.swap_total_kb > 0 : ev.boot.swap_total_kb == 0);
	ck_assert_uint_gt(ev.nboot_kmsg, 100);
	ck_assert(!ev.panic);
	ck_assert(strstr(ev.console_tail, "reboot: Power down"));
	ck_assert_uint_eq(ev.nsteps, 1);
	st = &ev.steps[0];
	ck_assert(st->begun && st->ended && !st->timed_out && !st->kmsg_truncated);
	ck_assert_ptr_null(st->error);
	ck_assert_int_gt(st->timeout_s, 0);
	ck_assert(st->duration_s >= 0 && st->duration_s < st->timeout_s);
	step_klog(st, &k);

	switch (c->kind) {
	case VM_GLOBAL_OOM:
	case VM_MEMCG_OOM:
		ck_assert(!st->exited);
		ck_assert_int_eq(st->signal, 9);
		ck_assert(!st->wl.present);     /* killed before its result line */
		ck_assert_int_eq(k.ninvoked, 1);
		ck_assert_int_eq(k.nsummary, 1);
		ck_assert_int_eq(k.nkilled, 1);
		ck_assert_int_eq(k.nvm, 0);
		ck_assert_str_eq(k.inv.comm, "oomwl");
		ck_assert_int_eq(k.inv.order, 0);
		/* the victim is the workload that invoked the OOM killer */
		ck_assert_int_gt(k.killed.pid, 1);
		ck_assert_int_eq(k.killed.pid, k.sum.pid);
		ck_assert_int_eq(k.killed.pid, k.invoker_pid);
		ck_assert_str_eq(k.killed.comm, "oomwl");
		ck_assert_str_eq(k.sum.task_memcg, "/oomlab");
		ck_assert_int_gt(k.killed.anon_rss_kb, 0);
		ck_assert_int_eq(st->after.oom_kill - st->before.oom_kill, 1);
		ck_assert_int_eq(st->after.memcg_oom_kill - st->before.memcg_oom_kill, 1);
		break;
	case VM_GRANTED:
		ck_assert(st->exited);
		ck_assert_int_eq(st->exit_code, 0);
		ck_assert(st->wl.present && st->wl.ok);
		ck_assert_int_eq(st->wl.err_no, 0);
		ck_assert_int_gt(st->wl.bytes, 0);
		ck_assert(st->wl.touched == -1 || st->wl.touched == st->wl.bytes);
		ck_assert_int_eq(k.ninvoked + k.nkilled + k.nvm, 0);
		ck_assert_int_eq(st->after.oom_kill, st->before.oom_kill);
		break;
	case VM_REFUSED:
		ck_assert(st->exited);
		ck_assert_int_eq(st->exit_code, 1);
		ck_assert(st->wl.present && !st->wl.ok);
		ck_assert_str_eq(st->wl.op, "mmap");
		ck_assert_int_eq(st->wl.err_no, 12);
		ck_assert_int_eq(k.ninvoked + k.nkilled, 0);
		ck_assert_int_eq(k.nvm, 1);
		ck_assert_str_eq(k.vm.comm, "oomwl");
		/* 6.1 prints no byte count (mm/util.c before 6.8) */
		ck_assert_int_eq(k.vm.bytes, strcmp(c->kernel, "6.1") ? st->wl.bytes : -1);
		ck_assert_int_eq(st->after.oom_kill, st->before.oom_kill);
		break;
	}
	if (c->kind == VM_GLOBAL_OOM) {
		ck_assert_str_eq(k.sum.constraint, "CONSTRAINT_NONE");
		ck_assert(k.sum.global_oom && !k.killed.memcg);
		ck_assert_int_eq(st->after.memcg_oom, st->before.memcg_oom);
		ck_assert_int_gt(st->wl.touched, 0);    /* progress lines came */
	}
	if (c->kind == VM_MEMCG_OOM) {
		ck_assert_str_eq(k.sum.constraint, "CONSTRAINT_MEMCG");
		ck_assert_str_eq(k.sum.oom_memcg, "/oomlab");
		ck_assert(!k.sum.global_oom && k.killed.memcg);
		ck_assert_str_eq(kv_get(&ev.effective, "memory.max"), "67108864");
		ck_assert_int_ge(st->after.memcg_oom - st->before.memcg_oom, 1);
		/* anon-rss of the victim is about the 64 MiB limit */
		ck_assert_int_le(k.killed.anon_rss_kb, 65536);
		ck_assert_int_gt(k.killed.anon_rss_kb, 60000);
	}
	if (!strncmp(c->name, "mode2-", 6) && c->kind == VM_REFUSED)
		/* the request would pass CommitLimit */
		ck_assert_int_gt(st->wl.bytes / 1024 + st->before.committed_as_kb,
				 st->before.commit_limit_kb);
	evidence_free(&ev);
}
END_TEST

Suite *suite_evidence(void)
{
	Suite *s = suite_create("evidence");
	TCase *tc = tcase_create("records");
	TCase *con = tcase_create("console");
	TCase *vm = tcase_create("real-vm");

	tcase_add_test(tc, global_oom_records);
	tcase_add_test(tc, commit_reject_records);
	tcase_add_test(tc, malformed_records);
	tcase_add_test(tc, long_line_is_refused);
	tcase_add_test(tc, data_is_not_nul_terminated);
	tcase_add_test(tc, bounds);
	tcase_add_test(tc, agent_counts_and_step_errors);
	tcase_add_test(con, console_panic_and_tail);
	tcase_add_test(con, console_hostile);
	suite_add_tcase(s, tc);
	tcase_add_loop_test(vm, real_vm_runs, 0, (int)(sizeof(vm_cases) / sizeof(vm_cases[0])));
	suite_add_tcase(s, con);
	suite_add_tcase(s, vm);
	return s;
}
