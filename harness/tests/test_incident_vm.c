/* test_incident_vm.c - `oomlab klog parse` on the consoles of our own VM runs
 * (fixtures/vm/6.1 and 6.12, recorded with `oomlab run --jobs 1` under TCG):
 * every kind of event the guests produce, with the facts read off each
 * console by hand: kind, kernel, invoker, GFP mask, order, constraint, memcg
 * and its limit, victim pid, comm and anon-rss, task rows, kill lines.
 *
 * sysrq-oom.console.log is the guest of `oomlab replay
 * rhel7-3.10-sysrq-manual.log` (the sysrq stressor writes 'f' to
 * /proc/sysrq-trigger); the others are the scenarios of the same name
 * (no-killable-panic: no-killable-task, allocating-task-kill:
 * oom-kill-allocating-task). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident_int.h"
#include "suites.h"

struct vm_fact {
	const char *file;
	size_t nevents, ev;            /* events in the console; which one is checked */
	enum incident_kind kind;
	const char *invoker, *gfp_mask, *gfp_flags;
	long long order;
	const char *constraint, *memcg;
	long long limit_kb, pid;
	const char *comm;
	long long anon_kb;
	size_t ntasks, nkills;
	const char *panic;             /* the panic's reason, or "" */
};

#define HUM "GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO"
#define PIPE "GFP_KERNEL_ACCOUNT|__GFP_NOWARN|__GFP_COMP|__GFP_ZERO"
#define DEADLOCK "System is deadlocked on memory"
#define PANIC_OOM "Out of memory: system-wide panic_on_oom is enabled"
#define N INC_NONE

static const struct vm_fact facts[] = {
	/* 6.1.0-56-amd64 */
	{ "6.1/sysrq-oom", 1, 0, INC_SYSRQ_OOM, "kworker/0:2", "0xcc0", "GFP_KERNEL", -1,
	  "CONSTRAINT_NONE", "", N, 82, "tuned", 43812, 5, 1, "" },
	{ "6.1/allocating-task-kill", 1, 0, INC_ALLOCATING_TASK_OOM, "oomwl", "0x140dca", HUM, 0,
	  "CONSTRAINT_NONE", "", N, 79, "oomwl", 178936, 1, 1, "" },
	{ "6.1/oom-group-kill", 1, 0, INC_MEMCG_OOM, "oomwl", "0xcc0", "GFP_KERNEL", 0,
	  "CONSTRAINT_MEMCG", "/oomlab", 65536, 80, "oomwl", 64672, 5, 5, "" },
	{ "6.1/no-killable-panic", 1, 0, INC_NO_KILLABLE, "oomwl", "0x140dca", HUM, 0, "", "", N, N,
	  "", N, 2, 0, DEADLOCK },
	{ "6.1/panic-on-oom-global", 1, 0, INC_OOM_PANIC, "oomwl", "0x140dca", HUM, 0, "", "", N, N,
	  "", N, 1, 0, PANIC_OOM },
	{ "6.1/costly-sockbuf-order8-global", 1, 0, INC_PAGE_ALLOC_FAILURE, "oomwl", "0x40cc0",
	  "GFP_KERNEL|__GFP_COMP", 8, "", "", N, N, "", N, 0, 0, "" },
	{ "6.1/costly-pipe-order2-memcg", 1, 0, INC_MEMCG_OOM, "oomwl", "0x442dc0", PIPE, 2,
	  "CONSTRAINT_MEMCG", "/oomlab", 65536, 80, "oomfill", 60220, 2, 1, "" },
	{ "6.1/costly-pipe-order3-global", 1, 0, INC_GLOBAL_OOM, "oomwl", "0x442dc0", PIPE, 3,
	  "CONSTRAINT_NONE", "", N, 80, "oomfrag", 84036, 2, 1, "" },
	/* 6.12.117+deb12-amd64 */
	{ "6.12/sysrq-oom", 1, 0, INC_SYSRQ_OOM, "kworker/0:1", "0xcc0", "GFP_KERNEL", -1,
	  "CONSTRAINT_NONE", "", N, 126, "tuned", 44672, 5, 1, "" },
	{ "6.12/allocating-task-kill", 2, 0, INC_ALLOCATING_TASK_OOM, "oomwl", "0x140dca", HUM, 0,
	  "CONSTRAINT_NONE", "", N, 128, "oomwl", 191488, 1, 1, "" },
	/* the victim's own allocation failed after the kill (it may not dip
	 * into the reserves for a user page fault) */
	{ "6.12/allocating-task-kill", 2, 1, INC_PAGE_ALLOC_FAILURE, "oomwl", "0x140dca", HUM, 0, "",
	  "", N, N, "", N, 0, 0, "" },
	{ "6.12/oom-group-kill", 1, 0, INC_MEMCG_OOM, "oomwl", "0xcc0", "GFP_KERNEL", 0,
	  "CONSTRAINT_MEMCG", "/oomlab", 65536, 124, "oomwl", 64768, 5, 5, "" },
	{ "6.12/no-killable-panic", 1, 0, INC_NO_KILLABLE, "oomwl", "0x140dca", HUM, 0, "", "", N, N,
	  "", N, 2, 0, DEADLOCK },
	{ "6.12/panic-on-oom-global", 1, 0, INC_OOM_PANIC, "oomwl", "0x140dca", HUM, 0, "", "", N, N,
	  "", N, 1, 0, PANIC_OOM },
	{ "6.12/panic-on-oom-global-traced", 1, 0, INC_OOM_PANIC, "oomwl", "0x140dca", HUM, 0, "", "",
	  N, N, "", N, 1, 0, PANIC_OOM },
	{ "6.12/costly-sockbuf-order8-global", 1, 0, INC_PAGE_ALLOC_FAILURE, "oomwl", "0x40cc0",
	  "GFP_KERNEL|__GFP_COMP", 8, "", "", N, N, "", N, 0, 0, "" },
	{ "6.12/costly-pipe-order2-memcg", 1, 0, INC_MEMCG_OOM, "oomwl", "0x442dc0", PIPE, 2,
	  "CONSTRAINT_MEMCG", "/oomlab", 65536, 124, "oomfill", 60160, 2, 1, "" },
	{ "6.12/costly-pipe-order3-global", 1, 0, INC_GLOBAL_OOM, "oomwl", "0x442dc0", PIPE, 3,
	  "CONSTRAINT_NONE", "", N, 125, "oomfrag", 90368, 2, 1, "" },
};
#define NFACTS (sizeof(facts) / sizeof(facts[0]))

static void parse_console(const char *file, struct incident_report *r)
{
	char path[160];
	size_t len;
	char *text;

	snprintf(path, sizeof(path), "fixtures/vm/%s.console.log", file);
	text = fixture(path, &len);
	incident_parse(text, len, r);
	free(text);
}

static void check_victim(const struct vm_fact *f, const struct incident_event *e)
{
	ck_assert_msg(e->have_victim == (f->pid != INC_NONE), "%s: victim %d", f->file, e->have_victim);
	if (f->pid == INC_NONE)
		return;
	ck_assert_msg(e->victim.pid == f->pid && e->victim.anon_rss_kb == f->anon_kb,
		      "%s: victim pid %lld anon %lld", f->file, e->victim.pid, e->victim.anon_rss_kb);
	ck_assert_str_eq(e->victim.comm, f->comm);
	ck_assert_msg(e->nkills == f->nkills, "%s: %zu kill lines", f->file, e->nkills);
	/* every victim of ours is in the task table the kernel printed */
	if (e->ntasks) {
		bool found = false;

		for (size_t i = 0; i < e->ntasks; i++)
			found |= e->tasks[i].pid == f->pid && !strcmp(e->tasks[i].name, f->comm);
		ck_assert_msg(found, "%s: victim %lld not in the task table", f->file, f->pid);
	}
}

START_TEST(vm_console_facts)
{
	const struct vm_fact *f = &facts[_i];
	struct incident_report r;
	const struct incident_event *e;
	bool v612 = !strncmp(f->file, "6.12/", 5);

	parse_console(f->file, &r);
	ck_assert_msg(r.n == f->nevents, "%s: %zu events, want %zu", f->file, r.n, f->nevents);
	e = &r.ev[f->ev];
	ck_assert_msg(e->kind == f->kind, "%s: kind %s", f->file, incident_kind_name(e->kind));
	ck_assert_str_eq(e->kernel_version, v612 ? "6.12.117+deb12-amd64" : "6.1.0-56-amd64");
	ck_assert_str_eq(e->invoker_comm, f->invoker);
	ck_assert_str_eq(e->gfp_mask, f->gfp_mask);
	ck_assert_str_eq(e->gfp_flags, f->gfp_flags);
	ck_assert_msg(e->order == f->order, "%s: order %lld", f->file, e->order);
	ck_assert_str_eq(e->constraint, f->constraint);
	ck_assert_str_eq(e->memcg, f->memcg);
	ck_assert_msg(e->memcg_limit_kb == f->limit_kb, "%s: limit %lld", f->file, e->memcg_limit_kb);
	ck_assert_msg(e->ntasks == f->ntasks, "%s: %zu task rows", f->file, e->ntasks);
	ck_assert_str_eq(e->panic_reason, f->panic);
	check_victim(f, e);
	/* the 6.x table splits rss */
	if (e->ntasks)
		ck_assert(e->task_cols & INC_COL_RSS_SPLIT ? v612 : !v612);
	/* a global report prints the zones; the guests have 65406 pages of RAM
	 * (256M), the sysrq replay 130942 (512M) */
	if (f->kind != INC_MEMCG_OOM) {
		ck_assert_msg(e->nzones >= 2, "%s: %zu zones", f->file, e->nzones);
		ck_assert(e->ram_pages == (strstr(f->file, "sysrq") ? 130942 : 65406));
	}
	incident_free(&r);
}
END_TEST

/* memory.oom.group: the cgroup named, every task of it killed. */
START_TEST(vm_group_kill)
{
	static const char *const files[] = { "6.1/oom-group-kill", "6.12/oom-group-kill" };
	struct incident_report r;
	char *s;
	struct buf b = BUF_INIT;

	parse_console(files[_i], &r);
	ck_assert_str_eq(r.ev[0].group_memcg, "/oomlab");
	for (size_t k = 1; k < r.ev[0].nkills; k++)
		ck_assert(r.ev[0].kills[k].memcg);
	incident_summary(&r, &b);
	s = b.s;
	ck_assert_ptr_nonnull(strstr(s, "and 4 more (memory.oom.group)"));
	buf_release(&b);
	incident_free(&r);
}
END_TEST

/* The kernel's %pGg agrees with our table, and the recomputed badness
 * picks the task the kernel killed (not for oom_kill_allocating_task, which
 * kills the allocating task whatever its badness). */
START_TEST(vm_decoding_and_choice)
{
	const struct vm_fact *f = &facts[_i];
	struct incident_report r;
	const struct incident_event *e;
	unsigned long long mask;
	struct buf b = BUF_INIT;

	parse_console(f->file, &r);
	e = &r.ev[f->ev];
	ck_assert(inc_gfp_value(e->gfp_mask, &mask));
	incident_gfp_decode(mask, incident_kver(e->kernel_version), &b);
	ck_assert_msg(!strcmp(b.s, e->gfp_flags), "%s: %s decodes to %s", f->file, e->gfp_mask, b.s);
	buf_release(&b);
	if (e->have_victim && e->ntasks && e->kind != INC_ALLOCATING_TASK_OOM) {
		struct incident_rank rank;

		incident_rank(e, &rank);
		ck_assert_msg(rank.n > 0 && e->tasks[rank.best[0].task].pid == e->victim.pid,
			      "%s: top %lld, killed %lld", f->file, e->tasks[rank.best[0].task].pid,
			      e->victim.pid);
	}
	incident_free(&r);
}
END_TEST

/* The explanation names the path each console took. */
START_TEST(vm_explanations)
{
	static const struct { const char *file, *text; } cases[] = {
		{ "6.1/sysrq-oom", "sysrq f (drivers/tty/sysrq.c moom_callback())" },
		{ "6.12/sysrq-oom", "manual OOM (sysrq f): killed tuned (pid 126" },
		{ "6.1/costly-sockbuf-order8-global", "Order 8 > PAGE_ALLOC_COSTLY_ORDER (3)" },
		{ "6.12/costly-sockbuf-order8-global", "page allocation failure in oomwl: order 8" },
		{ "6.1/panic-on-oom-global", "OOM panic (vm.panic_on_oom)" },
		{ "6.12/no-killable-panic", "OOM with no killable task: System is deadlocked on memory" },
		{ "6.12/allocating-task-kill", "OOM with vm.oom_kill_allocating_task: killed oomwl (pid 128" },
		{ "6.1/oom-group-kill", "memcg OOM in /oomlab: limit 64 MiB" },
	};
	struct incident_report r;
	struct buf b = BUF_INIT;

	parse_console(cases[_i].file, &r);
	incident_summary(&r, &b);
	ck_assert_msg(strstr(b.s, cases[_i].text) != NULL, "%s: no \"%s\" in\n%s", cases[_i].file,
		      cases[_i].text, b.s);
	buf_release(&b);
	incident_free(&r);
}
END_TEST

TCase *incident_vm_tcase(void);

TCase *incident_vm_tcase(void)
{
	TCase *t = tcase_create("vm");

	tcase_set_timeout(t, 60);
	tcase_add_loop_test(t, vm_console_facts, 0, NFACTS);
	tcase_add_loop_test(t, vm_group_kill, 0, 2);
	tcase_add_loop_test(t, vm_decoding_and_choice, 0, NFACTS);
	tcase_add_loop_test(t, vm_explanations, 0, 8);
	return t;
}
