/* test_costly.c - the costly-order boundary end to end on the harness side:
 * the tracing and kernel-allocation records (evidence.c), classify() with
 * the trace ranked above the kernel log, the counters and errno (verdict),
 * and the records of real 6.1 and 6.12 guests (fixtures/vm/). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "buf.h"
#include "evidence.h"
#include "verdict.h"

/* ---- records, as a guest sends them ---- */

#define HELLO "{\"t\":\"hello\",\"v\":1,\"release\":\"6.1.0-56-amd64\"}\n"
#define TRACING(name) "{\"t\":\"tracing\",\"name\":\"" name "\",\"kind\":\"event\",\"ok\":true}\n"
#define TRACING_ALL \
	TRACING("oom/mark_victim") TRACING("kmem/mm_page_alloc") TRACING("oomlab/oom") \
	TRACING("oomlab/vm_enough_ret") \
	"{\"t\":\"tracing\",\"name\":\"oomlab/charge_fail\",\"kind\":\"kretprobe\",\"ok\":false," \
	"\"errno\":2,\"error\":\"try_charge_memcg is not in available_filter_functions\"}\n"
#define FACTS "{\"t\":\"facts\",\"meminfo\":{\"MemTotal\":208732,\"MemFree\":179052,\"SwapTotal\":0}," \
	"\"effective\":{\"vm.overcommit_memory\":\"0\",\"vm.panic_on_oom\":\"0\"},\"nr_cpus\":1}\n"
#define SNAP(oom, max, cgoom) "{\"MemTotal\":208732,\"oom_kill\":" #oom ",\"memory.events\":" \
	"{\"max\":" #max ",\"oom\":" #cgoom ",\"oom_kill\":" #oom ",\"oom_group_kill\":0}}"
#define BEGIN(args) "{\"t\":\"step\",\"phase\":\"begin\",\"i\":0,\"argv\":[" args "],\"exprs\":{}," \
	"\"timeout_s\":180,\"before\":" SNAP(0, 0, 0) "}\n"
#define END(code, after) "{\"t\":\"step\",\"phase\":\"end\",\"i\":0,\"exit\":" #code ",\"signal\":null," \
	"\"timed_out\":false,\"duration_ms\":3878,\"after\":" after "}\n{\"t\":\"done\",\"steps\":1}\n"
#define WL(data) "{\"t\":\"wl\",\"i\":0,\"data\":" data "}\n"
#define TR(msg) "{\"t\":\"trace\",\"i\":0,\"msg\":\"" msg "\"}\n"
#define BUDDY(when, dma32) WL("{\"op\":\"buddyinfo\",\"when\":\"" when "\",\"zones\":{\"0/DMA\":" \
	"[704,0,0,3,0,0,0,0,0,0,0],\"0/DMA32\":" dma32 "},\"free_kb\":80592}")
#define PIPE_FAIL(order) WL("{\"op\":\"pipe\",\"bytes\":4194304,\"ok\":false,\"errno\":12," \
	"\"error\":\"Cannot allocate memory\",\"trigger\":\"F_SETPIPE_SZ\",\"order\":" #order "," \
	"\"ring_bytes\":40960,\"gfp\":\"GFP_KERNEL_ACCOUNT|__GFP_NOWARN|__GFP_COMP|__GFP_ZERO\"," \
	"\"granted\":0,\"oom_kill_delta\":0}")
#define PIPE_OK(order) WL("{\"op\":\"pipe\",\"bytes\":2097152,\"ok\":true,\"trigger\":\"F_SETPIPE_SZ\"," \
	"\"order\":" #order ",\"gfp\":\"GFP_KERNEL_ACCOUNT\",\"granted\":1,\"oom_kill_delta\":1," \
	"\"helper\":80,\"helper_died\":true,\"helper_signal\":9,\"after_oom\":true}")
#define T_FAIL(order) TR("           oomwl-79      [000] .....     6.131299: mm_page_alloc: page=0000000000000000 " \
	"pfn=0x0 order=" #order " migratetype=0 gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_NOWARN|__GFP_COMP|__GFP_ZERO")
#define T_SLAB TR("           oomwl-79      [000] .....     6.1: mm_page_alloc: page=0000000000000000 pfn=0x0 " \
	"order=3 migratetype=0 gfp_flags=GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP")
#define T_OOM(order, memcg) TR("           oomwl-79      [000] .....     5.325193: oom: (out_of_memory+0x0/0x4c0) " \
	"gfp=0x442dc0 order=" #order " memcg=" memcg)
#define T_VICTIM(pid) TR("           oomwl-79      [000] .N.1.     5.34: mark_victim: pid=" #pid " comm=oomfrag " \
	"total-vm=85144kB anon-rss=84040kB file-rss:0kB shmem-rss:580kB uid=0 pgtables=364kB oom_score_adj=0")
#define K(msg) "{\"t\":\"kmsg\",\"i\":0,\"prio\":4,\"seq\":1,\"ts_us\":1,\"msg\":\"" msg "\"}\n"
#define K_INVOKED(order) K("oomwl invoked oom-killer: gfp_mask=0x442dc0(GFP_KERNEL_ACCOUNT|__GFP_NOWARN|" \
	"__GFP_COMP|__GFP_ZERO), order=" #order ", oom_score_adj=-1000")
#define K_KILL(pid) K("Out of memory: Killed process " #pid " (oomfrag) total-vm:85144kB, anon-rss:84040kB, " \
	"file-rss:0kB, shmem-rss:580kB, UID:0 pgtables:364kB oom_score_adj:0")
#define K_MEMCG_KILL(pid) K("Memory cgroup out of memory: Killed process " #pid " (oomfill) total-vm:1kB, " \
	"anon-rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:1kB oom_score_adj:0")

#define HEAD(args) HELLO TRACING_ALL FACTS BEGIN(args)
#define PIPE4 "\"pipe\",\"order=4\",\"frag=1\""
#define DMA32_FRAG "[19440,0,1,0,0,0,0,0,0,0,0]"

static void parse(struct evidence *ev, const char *records)
{
	evidence_init(ev);
	evidence_parse_records(ev, records, strlen(records));
}

static bool has(const struct observed *o, const char *part)
{
	for (size_t i = 0; i < o->nevidence; i++)
		if (strstr(o->evidence[i], part))
			return true;
	return false;
}

static bool starts(const struct observed *o, const char *prefix)
{
	for (size_t i = 0; i < o->nevidence; i++)
		if (!strncmp(o->evidence[i], prefix, strlen(prefix)))
			return true;
	return false;
}

static void run(const char *records, struct evidence *ev, struct observed *o)
{
	parse(ev, records);
	observed_init(o);
	classify(ev, o);
}

static void done(struct evidence *ev, struct observed *o)
{
	observed_free(o);
	evidence_free(ev);
}

/* ---- the records ---- */

START_TEST(tracing_and_trace_records)
{
	struct evidence ev;
	const struct step_evidence *st;

	parse(&ev, HEAD(PIPE4) BUDDY("after", DMA32_FRAG) PIPE_FAIL(4) T_FAIL(4) T_SLAB
	      "{\"t\":\"trace\",\"i\":0}\n" "{\"t\":\"trace\",\"i\":99,\"msg\":\"x\"}\n"
	      END(1, SNAP(0, 0, 0)));
	ck_assert_str_eq(kv_get(&ev.tracing, "oom/mark_victim"), "on");
	ck_assert_str_eq(kv_get(&ev.tracing, "oomlab/charge_fail"),
			 "try_charge_memcg is not in available_filter_functions (errno 2)");
	ck_assert_uint_eq(ev.nsteps, 1);
	st = &ev.steps[0];
	ck_assert_uint_eq(st->ntrace, 2);
	ck_assert(strstr(st->trace[0], "order=4"));
	ck_assert(!st->trace_truncated);
	ck_assert_int_eq(st->wl.order, 4);
	ck_assert_str_eq(st->wl.trigger, "F_SETPIPE_SZ");
	ck_assert_str_eq(st->wl.gfp, "GFP_KERNEL_ACCOUNT|__GFP_NOWARN|__GFP_COMP|__GFP_ZERO");
	ck_assert_int_eq(st->wl.granted, 0);
	ck_assert_int_eq(st->wl.oom_kill_delta, 0);
	ck_assert(st->buddy_after.present && !st->buddy_before.present && !st->buddy_end.present);
	ck_assert_uint_eq(st->buddy_after.nzones, 2);
	ck_assert_str_eq(st->buddy_after.zone[1], "0/DMA32");
	ck_assert_int_eq(st->buddy_after.free[1][2], 1);
	ck_assert_int_eq(st->buddy_after.free[0][3], 3);
	ck_assert_int_eq(st->buddy_after.free_kb, 80592);
	/* a trace record without msg, one of a step past EV_MAX_STEPS */
	ck_assert_uint_ge(ev.nerrors, 2);
	evidence_free(&ev);
}
END_TEST

START_TEST(trace_bounds)
{
	struct buf b = BUF_INIT;
	struct evidence ev;

	buf_addstr(&b, HEAD(PIPE4));
	for (int i = 0; i < EV_MAX_TRACE + 5; i++)
		buf_addstr(&b, TR("x-1 [000] .... 1.0: e: a=1"));
	buf_addf(&b, "{\"t\":\"trace\",\"i\":0,\"msg\":\"");
	for (int i = 0; i < 3 * EV_MAX_TRACE_MSG; i++)
		buf_addch(&b, 'y');
	buf_addstr(&b, "\"}\n" END(1, SNAP(0, 0, 0)));
	parse(&ev, b.s);
	ck_assert_uint_eq(ev.steps[0].ntrace, EV_MAX_TRACE);
	ck_assert(ev.steps[0].trace_truncated);
	evidence_free(&ev);

	/* the agent says it dropped lines, or the kernel lost some */
	parse(&ev, HEAD(PIPE4) TR("CPU:0 [LOST 3 EVENTS]") END(1, SNAP(0, 0, 0)));
	ck_assert(ev.steps[0].trace_truncated);
	evidence_free(&ev);
	parse(&ev, HEAD(PIPE4) "{\"t\":\"step\",\"phase\":\"end\",\"i\":0,\"exit\":1,\"trace_lines\":9,"
	      "\"trace_dropped\":0,\"after\":" SNAP(0, 0, 0) "}\n");
	ck_assert(ev.steps[0].trace_truncated);
	evidence_free(&ev);
	buf_release(&b);
}
END_TEST

START_TEST(buddyinfo_hostile)
{
	struct buf b = BUF_INIT;
	struct evidence ev;
	const struct buddy_snapshot *bs;

	buf_addstr(&b, HEAD(PIPE4) "{\"t\":\"wl\",\"i\":0,\"data\":{\"op\":\"buddyinfo\",\"when\":\"before\","
		   "\"zones\":{");
	for (int z = 0; z < EV_BUDDY_ZONES + 3; z++)
		buf_addf(&b, "%s\"z%d\\u0001xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\":[1,-5,\"x\",3,4,5,6,7,8,9,10,11,12,13]",
			 z ? "," : "", z);
	buf_addstr(&b, ",\"bad\":7}}}\n" WL("{\"op\":\"buddyinfo\",\"when\":\"later\",\"zones\":{}}")
		   WL("{\"op\":\"buddyinfo\",\"when\":\"end\",\"zones\":[]}") END(1, SNAP(0, 0, 0)));
	parse(&ev, b.s);
	bs = &ev.steps[0].buddy_before;
	ck_assert(bs->present);
	ck_assert_uint_eq(bs->nzones, EV_BUDDY_ZONES);
	ck_assert_uint_lt(strlen(bs->zone[0]), sizeof(bs->zone[0]));
	ck_assert(!strchr(bs->zone[0], '\x01'));
	ck_assert_int_eq(bs->free[0][0], 1);
	ck_assert_int_eq(bs->free[0][1], -1);
	ck_assert_int_eq(bs->free[0][2], -1);
	ck_assert_int_eq(bs->free[0][10], 10);
	ck_assert_int_eq(bs->free_kb, -1);
	ck_assert(!ev.steps[0].buddy_end.present);
	ck_assert(!ev.steps[0].buddy_after.present);
	evidence_free(&ev);
	buf_release(&b);
}
END_TEST

/* A later result line without the kernel-allocation keys clears them. */
START_TEST(result_line_replaces_kalloc_fields)
{
	struct evidence ev;

	parse(&ev, HEAD(PIPE4) PIPE_FAIL(4) WL("{\"op\":\"exec\",\"ok\":false}") END(127, SNAP(0, 0, 0)));
	ck_assert_str_eq(ev.steps[0].wl.op, "exec");
	ck_assert_int_eq(ev.steps[0].wl.order, -1);
	ck_assert_str_eq(ev.steps[0].wl.trigger, "");
	ck_assert_int_eq(ev.steps[0].wl.granted, -1);
	evidence_free(&ev);
}
END_TEST

/* ---- classify ---- */

START_TEST(costly_fail_decided_by_trace)
{
	struct evidence ev;
	struct observed o;

	run(HEAD(PIPE4) BUDDY("after", DMA32_FRAG) BUDDY("end", DMA32_FRAG) PIPE_FAIL(4) T_SLAB
	    T_FAIL(4) END(1, SNAP(0, 0, 0)), &ev, &o);
	ck_assert_str_eq(path_name(o.path), "costly_order_fail");
	ck_assert_int_eq(o.order, 4);
	ck_assert_int_eq(o.err_no, ENOMEM);
	ck_assert_str_eq(o.decided_by, "trace");
	ck_assert(!o.disagree);
	ck_assert(has(&o, "trace: kmem:mm_page_alloc failed: order 4 in oomwl, gfp_flags=GFP_KERNEL_ACCOUNT"));
	ck_assert(has(&o, "trace: no out_of_memory() and no oom:mark_victim in the step"));
	ck_assert(has(&o, "pipe (F_SETPIPE_SZ) of order 4 failed with ENOMEM (errno 12)"));
	ck_assert(has(&o, "no page allocation failure line: the request has __GFP_NOWARN"));
	ck_assert(has(&o, "vmstat oom_kill unchanged (0)"));
	ck_assert(has(&o, "buddyinfo at the failure: 0 free blocks of order 4 or more (0/DMA 0 (largest 3), "
		      "0/DMA32 0 (largest 2))"));
	ck_assert(has(&o, "evidence used: trace 2, counters 3, errno/exit 1; decided by trace"));
	ck_assert_str_eq(o.evidence[o.nevidence - 1],
			 "evidence used: trace 2, counters 3, errno/exit 1; decided by trace");
	done(&ev, &o);
}
END_TEST

/* Without tracing the workload's own report decides; the rule is the same. */
START_TEST(costly_fail_without_trace)
{
	struct evidence ev;
	struct observed o;

	run(HELLO FACTS BEGIN(PIPE4) PIPE_FAIL(6) END(1, SNAP(0, 0, 0)), &ev, &o);
	ck_assert_str_eq(path_name(o.path), "costly_order_fail");
	ck_assert_int_eq(o.order, 6);
	ck_assert_str_eq(o.decided_by, "errno");
	ck_assert(!starts(&o, "trace: "));
	ck_assert(has(&o, "decided by errno (no trace: tracing was not set up)"));
	done(&ev, &o);
}
END_TEST

/* memcg: the charge met memory.max ("max" rose), "oom" did not. */
START_TEST(costly_memcg_charge)
{
	struct evidence ev;
	struct observed o;

	run(HEAD("\"pipe\",\"order=8\",\"fill=1\"") PIPE_FAIL(8)
	    TR("           oomwl-79      [000] .....     2.8: charge_fail: (__memcg_kmem_charge_page+0xed/0x290 <- try_charge_memcg) ret=-12")
	    T_FAIL(8) END(1, SNAP(0, 19, 0)), &ev, &o);
	ck_assert_str_eq(path_name(o.path), "costly_order_fail");
	ck_assert(has(&o, "memory.events max +19, oom +0: the charge met memory.max and the memcg OOM killer "
		      "was not invoked"));
	ck_assert(has(&o, "trace: try_charge_memcg() returned -ENOMEM in oomwl"));
	done(&ev, &o);
}
END_TEST

/* sock_kmalloc has no __GFP_NOWARN: the kernel's warning is the log line. */
START_TEST(costly_sockbuf_with_log_line)
{
	struct evidence ev;
	struct observed o;

	run(HELLO FACTS BEGIN("\"sockbuf\",\"order=8\",\"frag=1\"")
	    WL("{\"op\":\"sockbuf\",\"bytes\":1048576,\"ok\":false,\"errno\":105,\"error\":\"No buffer space available\","
	       "\"trigger\":\"sendmsg msg_controllen\",\"order\":8,\"gfp\":\"GFP_KERNEL|__GFP_COMP\",\"tries\":1,\"granted\":0}")
	    K("oomwl: page allocation failure: order:8, mode:0x40cc0(GFP_KERNEL|__GFP_COMP), nodemask=(null),cpuset=oomlab,mems_allowed=0")
	    END(1, SNAP(0, 0, 0)), &ev, &o);
	ck_assert_str_eq(path_name(o.path), "costly_order_fail");
	ck_assert_str_eq(o.decided_by, "log");
	ck_assert(has(&o, "kernel: oomwl: page allocation failure: order:8, mode:0x40cc0(GFP_KERNEL|__GFP_COMP)"));
	ck_assert(has(&o, "failed with ENOBUFS (errno 105)"));
	done(&ev, &o);
}
END_TEST

/* Order <= 3 that failed without the OOM killer breaks the rule: unknown. */
START_TEST(small_order_failure_is_unknown)
{
	struct evidence ev;
	struct observed o;

	run(HEAD("\"pipe\",\"order=3\",\"frag=1\"") PIPE_FAIL(3) T_FAIL(3) END(1, SNAP(0, 0, 0)), &ev, &o);
	ck_assert_str_eq(path_name(o.path), "unknown");
	ck_assert(has(&o, "an order-3 request failed without the OOM killer"));
	done(&ev, &o);
}
END_TEST

START_TEST(small_order_oom)
{
	struct evidence ev;
	struct observed o;

	run(HEAD("\"pipe\",\"order=3\",\"frag=1\"") BUDDY("after", DMA32_FRAG) PIPE_OK(3) K_INVOKED(3)
	    K_KILL(80) T_OOM(3, "0x0") T_VICTIM(80) END(0, SNAP(1, 0, 0)), &ev, &o);
	ck_assert_str_eq(path_name(o.path), "global_oom_kill");
	ck_assert_int_eq(o.order, 3);
	ck_assert_int_eq(o.victim_pid, 80);
	ck_assert_str_eq(o.victim_comm, "oomfrag");
	ck_assert_str_eq(o.decided_by, "trace");
	ck_assert(!o.disagree);
	ck_assert(has(&o, "trace: oom:mark_victim pid=80 comm=oomfrag"));
	ck_assert(has(&o, "trace: out_of_memory() for an order-3 request, global (no oc->memcg)"));
	ck_assert(has(&o, "pipe (F_SETPIPE_SZ) of order 3 succeeded after 1 granted; its helper was killed"));
	ck_assert(has(&o, "buddyinfo after fragmenting: 3 free blocks of order 3 or more (0/DMA 3 "
		      "(largest 3), 0/DMA32 0 (largest 2))"));
	done(&ev, &o);
}
END_TEST

/* An OOM of another order is not the trigger's. */
START_TEST(oom_of_another_order)
{
	struct evidence ev;
	struct observed o;

	run(HEAD("\"pipe\",\"order=3\",\"fill=1\"") PIPE_OK(3) K_INVOKED(0) K_MEMCG_KILL(80)
	    END(0, SNAP(1, 0, 1)), &ev, &o);
	ck_assert_str_eq(path_name(o.path), "unknown");
	ck_assert(has(&o, "the OOM killer ran for an order-0 request, not for the order-3 F_SETPIPE_SZ"));
	done(&ev, &o);
}
END_TEST

/* The trace ranks above the log: its scope wins, and the clash is flagged. */
START_TEST(trace_wins_and_disagreement_is_flagged)
{
	struct evidence ev;
	struct observed o;

	run(HEAD("\"pipe\",\"order=2\",\"frag=1\"") PIPE_OK(2) K_INVOKED(2) K_KILL(80)
	    T_OOM(3, "0xff409ce982905000") T_VICTIM(81) END(0, SNAP(1, 0, 0)), &ev, &o);
	ck_assert_str_eq(path_name(o.path), "unknown");  /* the traced OOM was of order 3 */
	ck_assert(o.disagree);
	ck_assert(strstr(o.disagreement, "the trace's victim is pid 81, the kill line's pid 80"));
	ck_assert(strstr(o.disagreement, "the trace says a memcg OOM, the kernel log a global one"));
	ck_assert(strstr(o.disagreement, "out_of_memory() was traced for order 3, the log says order=2"));
	ck_assert(has(&o, "disagreement: "));
	done(&ev, &o);

	/* a kill the kernel log and the counters do not show */
	run(HEAD("\"hog\",\"size=1G\"") T_VICTIM(80) END(0, SNAP(0, 0, 0)), &ev, &o);
	ck_assert_str_eq(path_name(o.path), "global_oom_kill");
	ck_assert_str_eq(o.decided_by, "trace");
	ck_assert_int_eq(o.victim_pid, 80);
	ck_assert(o.disagree);
	ck_assert(strstr(o.disagreement, "the trace shows oom:mark_victim of pid 80"));
	done(&ev, &o);

	/* a kill line the trace (mark_victim on, nothing lost) does not show */
	run(HEAD("\"hog\",\"size=1G\"") K_KILL(80) END(0, SNAP(1, 0, 0)), &ev, &o);
	ck_assert_str_eq(path_name(o.path), "global_oom_kill");
	ck_assert_str_eq(o.decided_by, "log");
	ck_assert(o.disagree);
	ck_assert(strstr(o.disagreement, "the trace has no oom:mark_victim"));
	done(&ev, &o);

	/* the trace's failed order against the workload's */
	run(HEAD(PIPE4) PIPE_FAIL(4) T_FAIL(5) END(1, SNAP(0, 0, 0)), &ev, &o);
	ck_assert_str_eq(path_name(o.path), "costly_order_fail");
	ck_assert_int_eq(o.order, 5);
	ck_assert(strstr(o.disagreement, "the trace's failed allocation is order 5, the workload's order 4"));
	done(&ev, &o);
}
END_TEST

START_TEST(rejects_and_quiet_steps)
{
	struct evidence ev;
	struct observed o;

	/* mode 0 refusal without a traced refusal */
	run(HEAD("\"mmap\",\"size=1T\"") WL("{\"op\":\"mmap\",\"bytes\":1099511627776,\"ok\":false,\"errno\":12}")
	    END(1, SNAP(0, 0, 0)), &ev, &o);
	ck_assert_str_eq(path_name(o.path), "heuristic_reject");
	ck_assert(o.disagree);
	ck_assert_str_eq(o.decided_by, "errno");
	done(&ev, &o);

	run(HEAD("\"mmap\",\"size=1T\"") WL("{\"op\":\"mmap\",\"bytes\":1099511627776,\"ok\":false,\"errno\":12}")
	    TR("           oomwl-79      [000] .....     2.0: vm_enough: (__vm_enough_memory+0x0/0x1b0) pages=268435456 cap=1")
	    TR("           oomwl-79      [000] .....     2.0: vm_enough_ret: (mmap_region+0x1/0x2 <- __vm_enough_memory) ret=-12")
	    END(1, SNAP(0, 0, 0)), &ev, &o);
	ck_assert_str_eq(path_name(o.path), "heuristic_reject");
	ck_assert(!o.disagree);
	ck_assert_str_eq(o.decided_by, "trace");
	ck_assert(has(&o, "trace: __vm_enough_memory() returned -ENOMEM x1"));
	ck_assert(has(&o, "trace: __vm_enough_memory() was asked for 268435456 pages"));
	done(&ev, &o);

	/* nothing happened, and the complete trace says so */
	run(HEAD("\"mmap\",\"size=1M\"") WL("{\"op\":\"mmap\",\"bytes\":1048576,\"ok\":true}")
	    END(0, SNAP(0, 0, 0)), &ev, &o);
	ck_assert_str_eq(path_name(o.path), "no_failure");
	ck_assert_str_eq(o.decided_by, "trace");
	ck_assert(has(&o, "trace: no out_of_memory() and no oom:mark_victim in the step"));
	done(&ev, &o);
}
END_TEST

/* The OOM killer ran and killed nobody ("no killable processes"). */
START_TEST(invoked_without_kill_is_unknown)
{
	struct evidence ev;
	struct observed o;

	run(HEAD("\"pipe\",\"order=2\",\"fill=1\"") PIPE_FAIL(2) K_INVOKED(2)
	    K("Out of memory and no killable processes...") T_OOM(2, "0xff0") END(1, SNAP(0, 3, 1)), &ev, &o);
	ck_assert_str_eq(path_name(o.path), "unknown");
	ck_assert(has(&o, "the OOM killer was invoked but killed nobody"));
	done(&ev, &o);
}
END_TEST

/* ---- a panic: the trace comes from the console's dump ---- */

#define CONSOLE_PANIC \
	"[    3.47] Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled\n" \
	"[    3.48] Dumping ftrace buffer:\n" \
	"[    3.48] ---------------------------------\n" \
	"[    3.48]    oomwl-79        0..... 1039431us : reclaim_retry_zone: node=0 zone=DMA32 order=0\n" \
	"[    3.48]    oomwl-79        0d..1. 1042085us : oom: (out_of_memory+0x0/0x4c0) gfp=0x140dca " \
	"order=0 memcg=0x0\n" \
	"[    3.49] ---------------------------------\n" \
	"[    3.49]    oomwl-79        0d..1. 1042085us : oom: (out_of_memory+0x0/0x4c0) order=7\n"

START_TEST(panic_trace_from_console)
{
	const char *rec = HEAD("\"hog\",\"size=1G\"");
	struct evidence ev;
	struct observed o;

	parse(&ev, rec);
	evidence_scan_console(&ev, CONSOLE_PANIC, strlen(CONSOLE_PANIC), 10);
	ck_assert(ev.panic);
	ck_assert_uint_eq(ev.npanic_trace, 2);   /* the line after the closing dashes is not in it */
	observed_init(&o);
	classify(&ev, &o);
	ck_assert_str_eq(path_name(o.path), "oom_panic");
	ck_assert_str_eq(o.decided_by, "log");
	ck_assert(has(&o, "trace: 2 lines dumped on the console at the panic"));
	ck_assert(has(&o, "trace: out_of_memory() for an order-0 request, global (no oc->memcg)"));
	ck_assert(has(&o, "trace: the allocator retried first: reclaim_retry_zone x1"));
	done(&ev, &o);

	/* no dump: the panic alone, and the trace says it is missing */
	parse(&ev, rec);
	evidence_scan_console(&ev, CONSOLE_PANIC, 90, 10);
	ck_assert_uint_eq(ev.npanic_trace, 0);
	observed_init(&o);
	classify(&ev, &o);
	ck_assert_str_eq(path_name(o.path), "oom_panic");
	ck_assert(has(&o, "trace: 0 lines dumped on the console at the panic (not all)"));
	done(&ev, &o);
}
END_TEST

/* Real 6.1 and 6.12 guests with panic_on_oom=1: the records and the console. */
START_TEST(panic_trace_real)
{
	static const char *const k[] = { "6.1", "6.12" };
	char rpath[128], cpath[128];
	size_t rlen, clen;
	char *rec, *con;
	struct evidence ev;
	struct observed o;

	snprintf(rpath, sizeof(rpath), "fixtures/vm/%s/panic-on-oom-global-traced.records.jsonl", k[_i]);
	snprintf(cpath, sizeof(cpath), "fixtures/vm/%s/panic-on-oom-global-traced.console.log", k[_i]);
	rec = fixture(rpath, &rlen);
	con = fixture(cpath, &clen);
	evidence_init(&ev);
	evidence_parse_records(&ev, rec, rlen);
	evidence_scan_console(&ev, con, clen, 40);
	ck_assert_uint_ge(ev.npanic_trace, 2);
	observed_init(&o);
	classify(&ev, &o);
	ck_assert_str_eq(path_name(o.path), "oom_panic");
	ck_assert(has(&o, "trace: out_of_memory() for an order-0 request, global (no oc->memcg)"));
	ck_assert(!o.disagree);
	observed_free(&o);
	evidence_free(&ev);
	free(rec);
	free(con);
}
END_TEST

/* ---- real guests: fixtures/vm/<kernel>/costly-*.records.jsonl ---- */

static const char *const kernels[] = { "6.1", "6.12" };

static const struct {
	const char *name;
	enum oom_path path;
	int order;
	const char *victim;
	const char *trace;       /* one trace sentence it must have */
} cases[] = {
	{ "costly-pipe-order3-global", PATH_GLOBAL_OOM_KILL, 3, "oomfrag", "trace: oom:mark_victim pid=" },
	{ "costly-pipe-order4-global", PATH_COSTLY_ORDER_FAIL, 4, NULL, "trace: kmem:mm_page_alloc failed: order 4" },
	{ "costly-pipe-order2-memcg", PATH_MEMCG_OOM_KILL, 2, "oomfill", "trace: mem_cgroup_out_of_memory() order 2" },
	{ "costly-pipe-order8-memcg", PATH_COSTLY_ORDER_FAIL, 8, NULL, "trace: try_charge_memcg() returned -ENOMEM" },
	{ "costly-sockbuf-order8-global", PATH_COSTLY_ORDER_FAIL, 8, NULL, "trace: warn_alloc() for order 8" },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

START_TEST(real_guests)
{
	size_t c = (size_t)_i % NCASES, len;
	char file[256], reason[512];
	char *data;
	struct evidence ev;
	struct observed o;

	snprintf(file, sizeof(file), "fixtures/vm/%s/%s.records.jsonl", kernels[(size_t)_i / NCASES],
		 cases[c].name);
	data = fixture(file, &len);
	evidence_init(&ev);
	evidence_parse_records(&ev, data, len);
	observed_init(&o);
	classify(&ev, &o);
	ck_assert_msg(o.path == cases[c].path, "%s: observed %s", file, path_name(o.path));
	ck_assert_int_eq(o.order, cases[c].order);
	ck_assert_msg(has(&o, cases[c].trace), "%s: no \"%s\"", file, cases[c].trace);
	ck_assert_str_eq(o.decided_by, "trace");
	ck_assert_msg(!o.disagree, "%s: %s", file, o.disagreement);
	if (cases[c].victim)
		ck_assert_str_eq(o.victim_comm, cases[c].victim);
	else
		ck_assert_int_eq(o.victim_pid, 0);
	ck_assert_int_eq(judge(cases[c].path, &o, &ev, NULL, reason, sizeof(reason)), VERDICT_PASS);
	ck_assert_int_eq(judge(PATH_NO_FAILURE, &o, &ev, NULL, reason, sizeof(reason)), VERDICT_FAIL);
	observed_free(&o);
	evidence_free(&ev);
	free(data);
}
END_TEST

Suite *suite_costly(void)
{
	Suite *s = suite_create("costly");
	TCase *rec = tcase_create("records"), *cls = tcase_create("classify");
	TCase *real = tcase_create("real");

	tcase_add_test(rec, tracing_and_trace_records);
	tcase_add_test(rec, trace_bounds);
	tcase_add_test(rec, buddyinfo_hostile);
	tcase_add_test(rec, result_line_replaces_kalloc_fields);
	tcase_add_test(cls, costly_fail_decided_by_trace);
	tcase_add_test(cls, costly_fail_without_trace);
	tcase_add_test(cls, costly_memcg_charge);
	tcase_add_test(cls, costly_sockbuf_with_log_line);
	tcase_add_test(cls, small_order_failure_is_unknown);
	tcase_add_test(cls, small_order_oom);
	tcase_add_test(cls, oom_of_another_order);
	tcase_add_test(cls, trace_wins_and_disagreement_is_flagged);
	tcase_add_test(cls, rejects_and_quiet_steps);
	tcase_add_test(cls, invoked_without_kill_is_unknown);
	tcase_add_test(cls, panic_trace_from_console);
	tcase_add_loop_test(real, real_guests, 0, (int)(NCASES * 2));
	tcase_add_loop_test(real, panic_trace_real, 0, 2);
	suite_add_tcase(s, rec);
	suite_add_tcase(s, cls);
	suite_add_tcase(s, real);
	return s;
}
