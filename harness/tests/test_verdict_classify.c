/* test_verdict_classify.c - classify() on evidence built by hand
 * (test_verdict_int.h), path by path: OOM kills, panics, refused mmaps,
 * nothing or something else.  Part of the verdict suite (test_verdict.c). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "evidence.h"
#include "test_verdict_int.h"
#include "verdict.h"

#define KILL_GLOBAL "Out of memory: Killed process 93 (oomwl) total-vm:308020kB, anon-rss:243712kB, file-rss:4kB, shmem-rss:0kB, UID:0 pgtables:620kB oom_score_adj:0"
#define KILL_MEMCG "Memory cgroup out of memory: Killed process 94 (oomwl) total-vm:308020kB, anon-rss:65400kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:200kB oom_score_adj:0"
#define INVOKED "oomwl invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0"
#define SUMMARY_NONE "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/oomlab,task=oomwl,pid=93,uid=0"
#define SUMMARY_MEMCG "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/oomlab,task_memcg=/oomlab,task=oomwl,pid=94,uid=0"

/* ---- OOM kills ---- */

START_TEST(global_oom_from_lines_and_vmstat)
{
	struct evidence *ev = ev_new("1");
	struct step_evidence *st = step_add(ev, false);
	struct observed o;
	char reason[512];

	step_killed(st, SIGKILL);
	st->after.oom_kill = 1;
	kmsg_add(st, INVOKED);
	kmsg_add(st, "Mem-Info:");
	kmsg_add(st, SUMMARY_NONE);
	kmsg_add(st, KILL_GLOBAL);
	kmsg_add(st, "oom_reaper: reaped process 93 (oomwl), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB");
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "global_oom_kill");
	ck_assert_int_eq(o.victim_pid, 93);
	ck_assert_str_eq(o.victim_comm, "oomwl");
	ck_assert_int_eq(o.order, 0);
	ck_assert_str_eq(o.constraint, "CONSTRAINT_NONE");
	ck_assert_int_eq(o.signal, SIGKILL);
	ck_assert_int_eq(o.err_no, 0);
	ck_assert(has_evidence(&o, "kernel: Out of memory: Killed process 93 (oomwl) anon-rss:243712kB"));
	ck_assert(has_evidence(&o, "vmstat oom_kill +1"));
	ck_assert(has_evidence(&o, "kernel: oomwl invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0"));
	ck_assert(has_evidence(&o, "kernel: oom-kill:constraint=CONSTRAINT_NONE, task=oomwl, pid=93"));
	/* The kill line comes first: it is what a FAIL reason quotes. */
	ck_assert_str_eq(o.evidence[0], "kernel: Out of memory: Killed process 93 (oomwl) anon-rss:243712kB");
	ck_assert_int_eq(judge(PATH_GLOBAL_OOM_KILL, &o, ev, NULL, reason, sizeof(reason)),
			 VERDICT_PASS);
	ck_assert_str_eq(reason, "");
	observed_free(&o);
	ev_del(ev);
}
END_TEST

START_TEST(memcg_oom_from_kill_line)
{
	struct evidence *ev = ev_new("0");
	struct step_evidence *st = step_add(ev, true);
	struct observed o;

	step_killed(st, SIGKILL);
	st->after.oom_kill = 1;
	st->after.memcg_oom = 1;
	st->after.memcg_oom_kill = 1;
	st->after.memcg_max = 40;
	kmsg_add(st, INVOKED);
	kmsg_add(st, SUMMARY_MEMCG);
	kmsg_add(st, KILL_MEMCG);
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "memcg_oom_kill");
	ck_assert_int_eq(o.victim_pid, 94);
	ck_assert_str_eq(o.victim_comm, "oomwl");
	ck_assert_str_eq(o.constraint, "CONSTRAINT_MEMCG");
	ck_assert(has_evidence(&o, "kernel: Memory cgroup out of memory: Killed process 94 (oomwl) anon-rss:65400kB"));
	ck_assert(has_evidence(&o, "memory.events oom_kill +1"));
	ck_assert(evidence_mentions(&o, "memory.events oom +1"));
	ck_assert(evidence_mentions(&o, "oom_memcg=/oomlab"));
	observed_free(&o);
	ev_del(ev);
}
END_TEST

/* Only the counters: the kernel log was lost.  memory.events "oom" says the
 * cgroup hit its limit. */
START_TEST(memcg_oom_from_counters_only)
{
	struct evidence *ev = ev_new("0");
	struct step_evidence *st = step_add(ev, true);
	struct observed o;

	step_killed(st, SIGKILL);
	st->after.oom_kill = 1;
	st->after.memcg_oom = 2;
	st->after.memcg_oom_kill = 1;
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "memcg_oom_kill");
	ck_assert_int_eq(o.victim_pid, 0);
	ck_assert_str_eq(o.constraint, "");
	ck_assert_int_eq(o.order, -1);
	ck_assert(has_evidence(&o, "no OOM kill line in the step's kernel log"));
	ck_assert(evidence_mentions(&o, "memory.events oom +2"));
	observed_free(&o);
	ev_del(ev);
}
END_TEST

/* A global OOM that kills a task of the workload cgroup also raises that
 * cgroup's memory.events oom_kill (mm/oom_kill.c __oom_kill_process). */
START_TEST(global_oom_of_a_task_in_a_cgroup)
{
	struct evidence *ev = ev_new("1");
	struct step_evidence *st = step_add(ev, true);
	struct observed o;

	step_killed(st, SIGKILL);
	st->after.oom_kill = 1;
	st->after.memcg_oom_kill = 1;
	kmsg_add(st, SUMMARY_NONE);
	kmsg_add(st, KILL_GLOBAL);
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "global_oom_kill");
	ck_assert(has_evidence(&o, "memory.events oom_kill +1"));
	observed_free(&o);

	/* The same counters without any line: still not a memcg OOM. */
	for (size_t i = 0; i < st->nkmsg; i++)
		free(st->kmsg[i].msg);
	st->nkmsg = 0;
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "global_oom_kill");
	observed_free(&o);
	ev_del(ev);
}
END_TEST

START_TEST(oom_victim_from_summary_and_many_kills)
{
	struct evidence *ev = ev_new("1");
	struct step_evidence *st = step_add(ev, false);
	struct observed o;

	step_killed(st, SIGKILL);
	kmsg_add(st, SUMMARY_NONE);
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "global_oom_kill");
	ck_assert_int_eq(o.victim_pid, 93);
	ck_assert_str_eq(o.victim_comm, "oomwl");
	observed_free(&o);

	kmsg_add(st, "Out of memory: Killed process 95 (hog2) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0");
	kmsg_add(st, KILL_GLOBAL);
	st->kmsg_truncated = true;
	observed_init(&o);
	classify(ev, &o);
	ck_assert_int_eq(o.victim_pid, 95);
	ck_assert_str_eq(o.victim_comm, "hog2");
	ck_assert(evidence_mentions(&o, "2 OOM kill lines"));
	ck_assert(evidence_mentions(&o, "kernel log was cut at 4096 lines"));
	observed_free(&o);
	ev_del(ev);
}
END_TEST

/* A comm is whatever the guest task called itself. */
START_TEST(hostile_comm_is_sanitized)
{
	struct evidence *ev = ev_new("1");
	struct step_evidence *st = step_add(ev, false);
	struct observed o;

	step_killed(st, SIGKILL);
	kmsg_add(st, "Out of memory: Killed process 7 (a\033[2Jb) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0");
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "global_oom_kill");
	ck_assert_ptr_null(strchr(o.victim_comm, '\033'));
	for (size_t i = 0; i < o.nevidence; i++)
		ck_assert_ptr_null(strchr(o.evidence[i], '\033'));
	observed_free(&o);
	ev_del(ev);
}
END_TEST

/* Kernels before 5.0: a bare "Killed process" line; memcg-ness from the
 * selection line and "Task in ... killed as a result of limit of ...". */
START_TEST(old_kernel_lines)
{
	struct evidence *ev = ev_new("1");
	struct step_evidence *st = step_add(ev, true);
	struct observed o;

	step_killed(st, SIGKILL);
	kmsg_add(st, "[  12.345678] Task in /oomlab killed as a result of limit of /oomlab");
	kmsg_add(st, "[  12.345680] Memory cgroup out of memory: Kill process 94 (oomwl) score 1000 or sacrifice child");
	kmsg_add(st, "[  12.345690] Killed process 95 (oomwl-child) total-vm:9kB, anon-rss:8kB, file-rss:0kB, shmem-rss:0kB");
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "memcg_oom_kill");
	ck_assert_int_eq(o.victim_pid, 95);
	ck_assert_str_eq(o.victim_comm, "oomwl-child");
	ck_assert(has_evidence(&o, "kernel: Killed process 95 (oomwl-child) anon-rss:8kB"));
	ck_assert(has_evidence(&o, "kernel: Task in /oomlab killed as a result of limit of /oomlab"));
	ck_assert(has_evidence(&o, "kernel: Memory cgroup out of memory: Kill process 94 (oomwl) score 1000 or sacrifice child"));
	observed_free(&o);
	ev_del(ev);

	ev = ev_new("1");
	st = step_add(ev, false);
	step_killed(st, SIGKILL);
	kmsg_add(st, "Out of memory: Kill process 93 (oomwl) score 900 or sacrifice child");
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "global_oom_kill");
	ck_assert_int_eq(o.victim_pid, 93);
	ck_assert(has_evidence(&o, "no OOM kill line in the step's kernel log"));
	observed_free(&o);
	ev_del(ev);
}
END_TEST

/* A whole kernel log from a real machine (klog's fixture) as the step's
 * kmsg lines, stamps and all. */
START_TEST(klog_fixture_as_step_log)
{
	struct evidence *ev = ev_new("1");
	struct step_evidence *st = step_add(ev, true);
	char *text = fixture("fixtures/klog/rhel7-3.10-memcg-no-dump.log", NULL);
	struct observed o;

	step_killed(st, SIGKILL);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		kmsg_add(st, line);
	ck_assert_uint_gt(st->nkmsg, 3);
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "memcg_oom_kill");
	ck_assert_int_eq(o.victim_pid, 14806);
	ck_assert_str_eq(o.victim_comm, "stress");
	observed_free(&o);
	free(text);
	ev_del(ev);
}
END_TEST

/* ---- panics ---- */

static void step_panicked(struct evidence *ev, struct step_evidence *st, const char *why)
{
	st->ended = false;
	st->exited = false;
	st->wl.present = false;
	ev->done = false;
	ev->panic = true;
	snprintf(ev->panic_reason, sizeof(ev->panic_reason), "%s", why);
}

START_TEST(oom_panic)
{
	struct evidence *ev = ev_new("1");
	struct step_evidence *st = step_add(ev, false);
	struct observed o;
	char reason[512];

	kv_set(&ev->effective, "vm.panic_on_oom", "1", 0);
	step_panicked(ev, st, "Out of memory: system-wide panic_on_oom is enabled");
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "oom_panic");
	ck_assert(has_evidence(&o, "kernel: Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled"));
	ck_assert(has_evidence(&o, "vm.panic_on_oom=1 in the guest"));
	/* The step did not end and there is no done: expected for this path. */
	ck_assert_int_eq(judge(PATH_OOM_PANIC, &o, ev, NULL, reason, sizeof(reason)), VERDICT_PASS);
	/* A clean run that took another path than the expected one. */
	ck_assert_int_eq(judge(PATH_GLOBAL_OOM_KILL, &o, ev, NULL, reason, sizeof(reason)),
			 VERDICT_FAIL);
	ck_assert_ptr_nonnull(strstr(reason, "expected global_oom_kill, observed oom_panic"));
	observed_free(&o);
	ev_del(ev);
}
END_TEST

START_TEST(unexpected_panic_is_error)
{
	struct evidence *ev = ev_new("2");
	struct step_evidence *st = step_add(ev, false);
	struct observed o;
	char reason[512];

	step_panicked(ev, st, "Attempted to kill init! exitcode=0x00000009");
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "unknown");
	ck_assert(has_evidence(&o, "the step under test never ended"));
	ck_assert_int_eq(judge(PATH_COMMIT_REJECT, &o, ev, NULL, reason, sizeof(reason)),
			 VERDICT_ERROR);
	ck_assert_ptr_nonnull(strstr(reason, "unexpected kernel panic: Attempted to kill init!"));
	observed_free(&o);
	ev_del(ev);
}
END_TEST

/* ---- refused mmaps ---- */

START_TEST(mode0_heuristic_reject)
{
	struct evidence *ev = ev_new("0");
	struct step_evidence *st = step_add(ev, false);
	struct observed o;
	char reason[512];

	step_enomem(st, 314572800);
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "heuristic_reject");
	ck_assert_int_eq(o.err_no, ENOMEM);
	ck_assert_int_eq(o.victim_pid, 0);
	ck_assert(has_evidence(&o, "mmap of 314572800 bytes failed with ENOMEM (errno 12)"));
	ck_assert(has_evidence(&o, "vm.overcommit_memory=0 in the guest; request 307200 kB > MemTotal 200000 kB + SwapTotal 0 kB"));
	ck_assert_int_eq(judge(PATH_HEURISTIC_REJECT, &o, ev, NULL, reason, sizeof(reason)),
			 VERDICT_PASS);
	observed_free(&o);
	ev_del(ev);
}
END_TEST

/* The request in whole pages, and the 6.8+ kernel line. */
START_TEST(mode0_rounds_to_pages_and_quotes_kernel)
{
	struct evidence *ev = ev_new("0");
	struct step_evidence *st = step_add(ev, false);
	struct observed o;

	step_enomem(st, 200000LL * 1024 + 1);
	kmsg_add(st, "__vm_enough_memory: pid: 93, comm: oomwl, bytes: 204804096 not enough memory for the allocation");
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "heuristic_reject");
	ck_assert(has_evidence(&o, "vm.overcommit_memory=0 in the guest; request 200004 kB > MemTotal 200000 kB + SwapTotal 0 kB"));
	ck_assert(has_evidence(&o, "kernel: __vm_enough_memory: pid: 93, comm: oomwl, bytes: 204804096 not enough memory for the allocation"));
	observed_free(&o);
	ev_del(ev);
}
END_TEST

/* Mode 0 cannot refuse what fits in RAM + swap (mm/util.c). */
START_TEST(mode0_small_enomem_is_unknown)
{
	struct evidence *ev = ev_new("0");
	struct step_evidence *st = step_add(ev, false);
	struct observed o;

	step_enomem(st, 4096);
	st->before.swap_total_kb = 100000;
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "unknown");
	ck_assert(evidence_mentions(&o, "request 4 kB <= MemTotal 200000 kB + SwapTotal 100000 kB"));
	observed_free(&o);
	ev_del(ev);
}
END_TEST

START_TEST(mode2_commit_reject)
{
	struct evidence *ev = ev_new("2");
	struct step_evidence *st = step_add(ev, false);
	struct observed o;

	step_enomem(st, 314572800);
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "commit_reject");
	ck_assert(has_evidence(&o, "mmap of 314572800 bytes failed with ENOMEM (errno 12)"));
	ck_assert(has_evidence(&o, "vm.overcommit_memory=2 in the guest; Committed_AS 41234 kB + request 307200 kB > CommitLimit 120000 kB"));
	observed_free(&o);

	/* hog: a 1 MiB chunk refused after 100 MiB were mapped and touched. */
	snprintf(st->wl.op, sizeof(st->wl.op), "mmap");
	step_enomem(st, 1 << 20);
	st->wl.touched = 100LL << 20;
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "commit_reject");
	ck_assert(has_evidence(&o, "vm.overcommit_memory=2 in the guest; Committed_AS 41234 kB + already mapped 102400 kB + request 1024 kB > CommitLimit 120000 kB"));
	observed_free(&o);
	st->wl.touched = -1;

	/* Falls back to the facts after setup when the step lacks meminfo. */
	st->before.committed_as_kb = -1;
	ev->boot.committed_as_kb = 1000;
	step_enomem(st, 1024);
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "commit_reject");
	ck_assert(evidence_mentions(&o, "Committed_AS 1000 kB + request 4 kB <= CommitLimit 120000 kB"));
	observed_free(&o);
	ev_del(ev);
}
END_TEST

START_TEST(mode1_enomem_is_unknown)
{
	struct evidence *ev = ev_new("1");
	struct step_evidence *st = step_add(ev, false);
	struct observed o;
	char reason[512];

	step_enomem(st, 314572800);
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "unknown");
	ck_assert(evidence_mentions(&o, "mode 1 never refuses"));
	ck_assert_int_eq(judge(PATH_HEURISTIC_REJECT, &o, ev, NULL, reason, sizeof(reason)),
			 VERDICT_FAIL);
	ck_assert_ptr_nonnull(strstr(reason, "expected heuristic_reject, observed unknown: mmap of 314572800 bytes failed with ENOMEM"));
	observed_free(&o);
	ev_del(ev);
}
END_TEST

START_TEST(enomem_without_mode_or_not_mmap)
{
	struct evidence *ev = ev_new(NULL);
	struct step_evidence *st = step_add(ev, false);
	struct observed o;

	step_enomem(st, 314572800);
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "unknown");
	ck_assert(has_evidence(&o, "the guest did not report its vm.overcommit_memory"));
	observed_free(&o);

	snprintf(st->wl.op, sizeof(st->wl.op), "touch");
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "unknown");
	ck_assert(has_evidence(&o, "the workload exited with code 1"));
	ck_assert(has_evidence(&o, "touch failed with errno 12 (ENOMEM)"));
	observed_free(&o);
	ev_del(ev);
}
END_TEST

/* ---- nothing happened, something else happened ---- */

START_TEST(no_failure)
{
	struct evidence *ev = ev_new("1");
	struct step_evidence *st = step_add(ev, false);
	struct observed o;
	char reason[512];

	st->before.oom_kill = st->after.oom_kill = 3;
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "no_failure");
	ck_assert_int_eq(o.err_no, 0);
	ck_assert_int_eq(o.signal, 0);
	ck_assert(has_evidence(&o, "mmap of 314572800 bytes succeeded"));
	ck_assert(has_evidence(&o, "the workload exited with code 0"));
	ck_assert(has_evidence(&o, "vmstat oom_kill unchanged (3)"));
	ck_assert_int_eq(judge(PATH_NO_FAILURE, &o, ev, NULL, reason, sizeof(reason)), VERDICT_PASS);
	observed_free(&o);

	/* Exit 0 while the result line says it failed: not a success. */
	st->wl.ok = false;
	st->wl.err_no = EFAULT;
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "unknown");
	ck_assert(has_evidence(&o, "mmap failed with errno 14 (EFAULT)"));
	observed_free(&o);
	ev_del(ev);
}
END_TEST

START_TEST(unknown_exit_and_signal)
{
	struct evidence *ev = ev_new("1");
	struct step_evidence *st = step_add(ev, false);
	struct observed o;

	st->exit_code = 3;
	st->wl.present = false;
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "unknown");
	ck_assert(has_evidence(&o, "the workload exited with code 3"));
	ck_assert(has_evidence(&o, "the workload printed no result line"));
	observed_free(&o);

	step_killed(st, SIGSEGV);
	observed_init(&o);
	classify(ev, &o);
	ck_assert_str_eq(path_name(o.path), "unknown");
	ck_assert_int_eq(o.signal, SIGSEGV);
	ck_assert(has_evidence(&o, "the workload was killed by signal 11 (SIGSEGV)"));
	observed_free(&o);
	ev_del(ev);
}
END_TEST

void verdict_classify_tests(TCase *oom, TCase *rej, TCase *other)
{
	tcase_add_test(oom, global_oom_from_lines_and_vmstat);
	tcase_add_test(oom, memcg_oom_from_kill_line);
	tcase_add_test(oom, memcg_oom_from_counters_only);
	tcase_add_test(oom, global_oom_of_a_task_in_a_cgroup);
	tcase_add_test(oom, oom_victim_from_summary_and_many_kills);
	tcase_add_test(oom, hostile_comm_is_sanitized);
	tcase_add_test(oom, old_kernel_lines);
	tcase_add_test(oom, klog_fixture_as_step_log);
	tcase_add_test(oom, oom_panic);
	tcase_add_test(oom, unexpected_panic_is_error);
	tcase_add_test(rej, mode0_heuristic_reject);
	tcase_add_test(rej, mode0_rounds_to_pages_and_quotes_kernel);
	tcase_add_test(rej, mode0_small_enomem_is_unknown);
	tcase_add_test(rej, mode2_commit_reject);
	tcase_add_test(rej, mode1_enomem_is_unknown);
	tcase_add_test(rej, enomem_without_mode_or_not_mmap);
	tcase_add_test(other, no_failure);
	tcase_add_test(other, unknown_exit_and_signal);
}
