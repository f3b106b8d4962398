/* test_fiu_classify.c - injected_fault against the kernel's own paths, on
 * the records and consoles of real 6.1 and 6.12 guests
 * (fixtures/vm/<kernel>/fiu-*, the scenarios of vmconfigs/scenarios/
 * fault.ini) and on those records edited to take kernel-side evidence away
 * or add it: a failure under fiu is injected_fault only when the kernel
 * shows no refusal, and a kernel refusal is the kernel's path even with a
 * fault point that could have fired. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "evidence.h"
#include "suites.h"
#include "verdict.h"

static const char *const kernels[] = { "6.1", "6.12" };

#define VM_ENOUGH_LINE "{\"t\":\"kmsg\",\"i\":0,\"prio\":4,\"seq\":99999,\"ts_us\":1,\"msg\":" \
	"\"__vm_enough_memory: pid: 79, comm: oomwl, no enough memory for the allocation\"}\n"

/* The fixture's records with every line containing drop left out (NULL:
 * none), from, when given, replaced by to, and extra appended. */
static char *records(const char *kernel, const char *name, const char *const *drop, size_t ndrop,
		     const char *from, const char *to, const char *extra)
{
	char path[128];
	char *text, *save = NULL;
	struct buf out = BUF_INIT;
	bool replaced = !from;

	snprintf(path, sizeof(path), "fixtures/vm/%s/%s.records.jsonl", kernel, name);
	text = fixture(path, NULL);
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *at = from ? strstr(line, from) : NULL;
		bool keep = true;

		for (size_t k = 0; k < ndrop; k++)
			keep &= !strstr(line, drop[k]);
		if (!keep)
			continue;
		if (at) {
			buf_addf(&out, "%.*s%s%s\n", (int)(at - line), line, to, at + strlen(from));
			replaced = true;
		} else {
			buf_addf(&out, "%s\n", line);
		}
	}
	ck_assert_msg(replaced, "%s has no '%s'", path, from);
	if (extra)
		buf_addstr(&out, extra);
	free(text);
	return buf_detach(&out);
}

static void classify_text(const char *kernel, const char *name, const char *rec,
			  struct evidence *ev, struct observed *o)
{
	char path[128];
	size_t clen;
	char *con;

	snprintf(path, sizeof(path), "fixtures/vm/%s/%s.console.log", kernel, name);
	con = fixture(path, &clen);
	evidence_init(ev);
	evidence_parse_records(ev, rec, strlen(rec));
	evidence_scan_console(ev, con, clen, 40);
	ck_assert_uint_eq(ev->nerrors, 0);
	observed_init(o);
	classify(ev, o);
	free(con);
}

static bool mentions(const struct observed *o, const char *part)
{
	for (size_t i = 0; i < o->nevidence; i++)
		if (strstr(o->evidence[i], part))
			return true;
	return false;
}

static const char *last(const struct observed *o)
{
	return o->nevidence ? o->evidence[o->nevidence - 1] : "";
}

static void done(struct evidence *ev, struct observed *o, char *rec)
{
	observed_free(o);
	evidence_free(ev);
	free(rec);
}

/* (a) mmap well within CommitLimit, posix/mm/mmap always fails. */
START_TEST(real_mmap_injected)
{
	char *rec = records(kernels[_i], "fiu-mmap-injected", NULL, 0, NULL, NULL, NULL);
	struct evidence ev;
	struct observed o;
	char reason[512];

	classify_text(kernels[_i], "fiu-mmap-injected", rec, &ev, &o);
	ck_assert_str_eq(path_name(o.path), "injected_fault");
	ck_assert_int_eq(o.err_no, ENOMEM);
	ck_assert_str_eq(o.decided_by, "trace");
	ck_assert(!o.disagree);
	ck_assert(mentions(&o, "fault points enabled in the workload by libfiu's POSIX preload: "
			   "posix/mm/mmap probability 1"));
	ck_assert(mentions(&o, "trace: no __vm_enough_memory() refusal in the step"));
	ck_assert(mentions(&o, "vm.overcommit_memory=2 in the guest; Committed_AS "));
	ck_assert(mentions(&o, "<= CommitLimit"));
	ck_assert(mentions(&o, "vmstat oom_kill unchanged (0)"));
	ck_assert_str_eq(last(&o), "evidence used: trace 1, counters 1, errno/exit 1; decided by trace");
	ck_assert_int_eq(judge(PATH_INJECTED_FAULT, &o, &ev, NULL, reason, sizeof(reason)), VERDICT_PASS);
	ck_assert_int_eq(judge(PATH_COMMIT_REJECT, &o, &ev, NULL, reason, sizeof(reason)), VERDICT_FAIL);
	/* the agent recorded the point; the workload never saw the option */
	ck_assert(strstr(ev.steps[0].argv, "fiu=posix/mm/mmap:1"));
	ck_assert(strstr(rec, "\"fiu\":{\"points\":[{\"name\":\"posix/mm/mmap\",\"probability\":1,"
			 "\"errno\":12,\"command\":\"enable name=posix/mm/mmap,failnum=1,failinfo=12\"}]"));
	done(&ev, &o, rec);
}
END_TEST

/* (b) the same without fiu. */
START_TEST(real_mmap_control)
{
	char *rec = records(kernels[_i], "fiu-mmap-control", NULL, 0, NULL, NULL, NULL);
	struct evidence ev;
	struct observed o;

	classify_text(kernels[_i], "fiu-mmap-control", rec, &ev, &o);
	ck_assert_str_eq(path_name(o.path), "no_failure");
	ck_assert(!mentions(&o, "fault points"));
	ck_assert(!strstr(rec, "\"fiu\""));
	done(&ev, &o, rec);
}
END_TEST

/* (c) over CommitLimit under the preload, the point at probability 0. */
START_TEST(real_over_limit_is_kernel)
{
	char *rec = records(kernels[_i], "fiu-mmap-over-limit", NULL, 0, NULL, NULL, NULL);
	struct evidence ev;
	struct observed o;

	classify_text(kernels[_i], "fiu-mmap-over-limit", rec, &ev, &o);
	ck_assert_str_eq(path_name(o.path), "commit_reject");
	ck_assert_str_eq(o.decided_by, "trace");
	ck_assert(mentions(&o, "trace: __vm_enough_memory() returned -ENOMEM x1"));
	ck_assert(mentions(&o, "kernel: __vm_enough_memory: pid: "));
	ck_assert(mentions(&o, "fault points were enabled in the workload (libfiu: posix/mm/mmap "
			   "probability 0), but the kernel-side evidence decides: the kernel's own path"));
	done(&ev, &o, rec);
}
END_TEST

/* The malloc family: the pipe stressor's calloc. */
START_TEST(real_calloc_injected)
{
	char *rec = records(kernels[_i], "fiu-calloc-injected", NULL, 0, NULL, NULL, NULL);
	struct evidence ev;
	struct observed o;

	classify_text(kernels[_i], "fiu-calloc-injected", rec, &ev, &o);
	ck_assert_str_eq(path_name(o.path), "injected_fault");
	ck_assert_str_eq(o.decided_by, "trace");
	ck_assert(mentions(&o, "calloc failed with ENOMEM (errno 12)"));
	ck_assert(mentions(&o, "libc/mm/calloc probability 1"));
	done(&ev, &o, rec);
}
END_TEST

/* A point that could fire and a refusal of the kernel in the same step
 * ((c) with probability 1): the kernel's path, never injected_fault. */
START_TEST(both_injected_and_rejected)
{
	char *rec = records(kernels[_i], "fiu-mmap-over-limit", NULL, 0, "fiu=posix/mm/mmap:0\"",
			    "fiu=posix/mm/mmap:1\"", NULL);
	struct evidence ev;
	struct observed o;

	classify_text(kernels[_i], "fiu-mmap-over-limit", rec, &ev, &o);
	ck_assert_str_eq(path_name(o.path), "commit_reject");
	ck_assert_str_eq(o.decided_by, "trace");
	ck_assert(mentions(&o, "(libfiu: posix/mm/mmap probability 1), but the kernel-side evidence "
			   "decides"));
	done(&ev, &o, rec);
	/* the same with the kernel log line alone (no trace) */
	{
		static const char *const drop[] = { "\"t\":\"tracing\"", "\"t\":\"trace\"" };

		rec = records(kernels[_i], "fiu-mmap-over-limit", drop, 2, "fiu=posix/mm/mmap:0\"",
			      "fiu=posix/mm/mmap:1\"", NULL);
		classify_text(kernels[_i], "fiu-mmap-over-limit", rec, &ev, &o);
		ck_assert_str_eq(path_name(o.path), "commit_reject");
		ck_assert_str_eq(o.decided_by, "log");
		done(&ev, &o, rec);
	}
}
END_TEST

/* (a) plus a __vm_enough_memory line in the step's log: the kernel
 * refused something, so the failure is not called injected. */
START_TEST(injected_with_kernel_line_is_not_injected)
{
	char *rec = records(kernels[_i], "fiu-mmap-injected", NULL, 0, NULL, NULL, VM_ENOUGH_LINE);
	struct evidence ev;
	struct observed o;

	classify_text(kernels[_i], "fiu-mmap-injected", rec, &ev, &o);
	ck_assert_str_ne(path_name(o.path), "injected_fault");
	ck_assert_str_eq(path_name(o.path), "commit_reject");
	ck_assert(mentions(&o, "kernel: __vm_enough_memory: pid: 79"));
	/* the trace says it did not refuse, the log says it did */
	ck_assert(o.disagree);
	done(&ev, &o, rec);
}
END_TEST

/* Without the trace the absence of a refusal is believed only with the
 * numbers: (a) is within CommitLimit (injected, decided by the log);
 * (c) with probability 1 and its log line gone is over it: the kernel's
 * path by errno, not injected_fault. */
START_TEST(without_trace_numbers_decide)
{
	static const char *const drop[] = { "\"t\":\"tracing\"", "\"t\":\"trace\"",
					    "__vm_enough_memory: pid" };
	char *rec = records(kernels[_i], "fiu-mmap-injected", drop, 3, NULL, NULL, NULL);
	struct evidence ev;
	struct observed o;

	classify_text(kernels[_i], "fiu-mmap-injected", rec, &ev, &o);
	ck_assert_str_eq(path_name(o.path), "injected_fault");
	ck_assert_str_eq(o.decided_by, "log");
	ck_assert(!mentions(&o, "trace: "));
	ck_assert_str_eq(last(&o), "evidence used: counters 1, errno/exit 1; decided by log");
	done(&ev, &o, rec);

	rec = records(kernels[_i], "fiu-mmap-over-limit", drop, 3, "fiu=posix/mm/mmap:0\"",
		      "fiu=posix/mm/mmap:1\"", NULL);
	classify_text(kernels[_i], "fiu-mmap-over-limit", rec, &ev, &o);
	ck_assert_str_eq(path_name(o.path), "commit_reject");
	ck_assert_str_eq(o.decided_by, "errno");
	ck_assert(mentions(&o, "> CommitLimit"));
	done(&ev, &o, rec);
}
END_TEST

/* Probability 0 cannot fire: an ENOMEM with nothing from the kernel is
 * not blamed on the preload ((a) with its point at 0). */
START_TEST(point_that_cannot_fire)
{
	char *rec = records(kernels[_i], "fiu-mmap-injected", NULL, 0, "fiu=posix/mm/mmap:1\"",
			    "fiu=posix/mm/mmap:0\"", NULL);
	struct evidence ev;
	struct observed o;

	classify_text(kernels[_i], "fiu-mmap-injected", rec, &ev, &o);
	ck_assert_str_ne(path_name(o.path), "injected_fault");
	done(&ev, &o, rec);
}
END_TEST

/* A guest restored from a snapshot made without the fiu files (a real 6.1
 * run): the agent refuses the step and says why; nothing is injected. */
START_TEST(real_without_fiu_files)
{
	char *rec = records("6.1", "fiu-no-files", NULL, 0, NULL, NULL, NULL);
	struct evidence ev;
	struct observed o;

	classify_text("6.1", "fiu-no-files", rec, &ev, &o);
	ck_assert_str_eq(path_name(o.path), "unknown");
	ck_assert(mentions(&o, "the agent could not run the step: fiu=: /bin/fiu/oomwl: No such file "
			   "or directory (this initramfs was made without the fiu files)"));
	ck_assert(!mentions(&o, "killed by signal"));
	/* the harness's fault, not the kernel's: ERROR, not FAIL */
	{
		char reason[512];

		ck_assert_int_eq(judge(PATH_INJECTED_FAULT, &o, &ev, NULL, reason, sizeof(reason)),
				 VERDICT_ERROR);
		ck_assert_ptr_nonnull(strstr(reason, "the guest agent could not run the step: fiu=: "
					     "/bin/fiu/oomwl: No such file"));
	}
	done(&ev, &o, rec);
}
END_TEST

Suite *suite_fiu_classify(void)
{
	Suite *s = suite_create("fiu_classify");
	TCase *tc = tcase_create("real");
	int n = (int)(sizeof(kernels) / sizeof(kernels[0]));

	tcase_add_loop_test(tc, real_mmap_injected, 0, n);
	tcase_add_loop_test(tc, real_mmap_control, 0, n);
	tcase_add_loop_test(tc, real_over_limit_is_kernel, 0, n);
	tcase_add_loop_test(tc, real_calloc_injected, 0, n);
	tcase_add_loop_test(tc, both_injected_and_rejected, 0, n);
	tcase_add_loop_test(tc, injected_with_kernel_line_is_not_injected, 0, n);
	tcase_add_loop_test(tc, without_trace_numbers_decide, 0, n);
	tcase_add_loop_test(tc, point_that_cannot_fire, 0, n);
	tcase_add_test(tc, real_without_fiu_files);
	suite_add_tcase(s, tc);
	return s;
}
