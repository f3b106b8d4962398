/* test_klog.c - kernel log line parsers: real reports (fixtures/klog/, excerpts
 * of /work/shared/incidents with the facts of its README and *.expected.json),
 * every format variant, and hostile input. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klog.h"
#include "suites.h"

#define NKILLED 8

/* What the parsers found in one log, line by line. */
struct scan {
	int ninvoked, nkilled, nsummary, nselect, npanic, nmemcg_task, nusage, ngroup;
	int nvm, nalloc, nreaped;
	struct klog_invoked inv;                /* the first */
	struct klog_killed killed[NKILLED];     /* the first NKILLED */
	struct klog_oom_summary sum;            /* the first */
	struct klog_kill_select sel;            /* the first */
	struct klog_memcg_task mt;
	struct klog_memcg_usage mem;            /* the "memory" counter */
	struct klog_memcg_usage memsw;          /* the "memory+swap" counter */
	char panic[256];
	char group[KLOG_TEXT_MAX];
};

static void scan_line(const char *line, struct scan *sc)
{
	const char *m = klog_kernel_msg(line);
	struct klog_invoked inv;
	struct klog_killed k;
	struct klog_oom_summary sum;
	struct klog_kill_select sel;
	struct klog_memcg_task mt;
	struct klog_memcg_usage u;
	struct klog_vm_enough vm;
	struct klog_alloc_fail af;
	struct klog_reaped r;
	char text[KLOG_TEXT_MAX];

	if (!m)
		return;
	if (klog_parse_invoked(m, &inv) && !sc->ninvoked++)
		sc->inv = inv;
	if (klog_parse_killed(m, &k) && sc->nkilled < NKILLED)
		sc->killed[sc->nkilled] = k;
	sc->nkilled += klog_parse_killed(m, &k);
	if (klog_parse_oom_summary(m, &sum) && !sc->nsummary++)
		sc->sum = sum;
	if (klog_parse_kill_select(m, &sel) && !sc->nselect++)
		sc->sel = sel;
	if (klog_parse_panic(m, text, sizeof(text)) && !sc->npanic++)
		strcpy(sc->panic, text);
	if (klog_parse_memcg_task(m, &mt) && !sc->nmemcg_task++)
		sc->mt = mt;
	if (klog_parse_memcg_usage(m, &u)) {
		sc->nusage++;
		if (!strcmp(u.counter, "memory"))
			sc->mem = u;
		if (!strcmp(u.counter, "memory+swap"))
			sc->memsw = u;
	}
	if (klog_parse_oom_group(m, text, sizeof(text)) && !sc->ngroup++)
		strcpy(sc->group, text);
	sc->nvm += klog_parse_vm_enough(m, &vm);
	sc->nalloc += klog_parse_alloc_fail(m, &af);
	sc->nreaped += klog_parse_reaped(m, &r);
}

static void scan_file(const char *name, struct scan *sc)
{
	char path[256];
	char *data, *line, *save = NULL;

	memset(sc, 0, sizeof(*sc));
	snprintf(path, sizeof(path), "fixtures/klog/%s", name);
	data = fixture(path, NULL);
	for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		scan_line(line, sc);
	free(data);
}

static int events(const struct scan *sc)
{
	return sc->ninvoked + sc->nkilled + sc->nsummary + sc->nselect + sc->npanic +
	       sc->nmemcg_task + sc->nusage + sc->ngroup + sc->nvm + sc->nalloc + sc->nreaped;
}

/* ---------- real reports ---------- */

/* The hand-read facts of /work/shared/incidents (README.md and
 * *.expected.json): NULL / -1 / 0 where the log does not say. */
struct incident {
	const char *file;
	int ninvoked, nkilled;
	const char *comm, *gfp_mask, *gfp_flags;        /* first "invoked" line */
	int order, adj;
	const char *constraint;                          /* oom-kill: line (5.0+) */
	const char *memcg;       /* oom_memcg=, or the limit of "Task in" (< 5.0) */
	long long limit_kb, usage_kb;                    /* "memory:" line */
	int pid;                                         /* first victim */
	const char *victim;
	long long anon_kb, total_vm_kb;
	int victim_adj;
	const char *panic;
};

#define K8S_POD "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5931aa75_4603_4e65_b552_7c71cf55cfb5.slice"
#define RHEL7_SCOPE "/system.slice/docker-15e3eaa960e4ac016d47ea7247961a70254bbbaaaec3981a9090f68606623b50.scope"
#define DOCKER_CG "/docker/812c82c5a7a5ae054e6f242215bdc4415a2d9b690768962a7bcd8d4676b16f60"

static const struct incident incidents[] = {
	{ "qemu-6.11-global.log", 1, 1, "stress-ng-vm", "0x440dc0",
	  "GFP_KERNEL_ACCOUNT|__GFP_COMP|__GFP_ZERO", 0, 1000, "CONSTRAINT_NONE", "", -1, -1,
	  116, "stress-ng-vm", 7980628, 10515768, 1000, NULL },
	{ "rhel7-3.10-sysrq.log", 1, 1, "kworker/2:1", "0xd0", "", 0, 0, NULL, NULL, -1, -1,
	  1065, "tuned", 10760, 562324, 0, NULL },
	{ "rhel7-3.10-memcg-dump-tasks.log", 1, 1, "stress", "0xd0", "", 0, 0, NULL, RHEL7_SCOPE,
	  102400, 53824, 14728, "stress", 24064, 269616, 0, NULL },
	{ "rhel7-3.10-memcg-no-dump.log", 1, 1, "stress", "0xd0", "", 0, 0, NULL, RHEL7_SCOPE,
	  102400, 101716, 14806, "stress", 55384, 269616, 0, NULL },
	/* oom.group: one OOM, six kill lines; NPD quotes are not kills */
	{ "aks-5.15-oom-group.log", 1, 6, "bash", "0xcc0", "GFP_KERNEL", 0, 1000,
	  "CONSTRAINT_MEMCG", "/kubepods.slice", 7464436, 7464436,
	  7788, "bash", 7165824, 7169492, 1000, NULL },
	/* a second OOM of which only the header survives */
	{ "aks-5.15-syslog-npd.log", 2, 1, "stress-ng-vm", "0x1100cca", "GFP_HIGHUSER_MOVABLE", 0,
	  1000, "CONSTRAINT_MEMCG", K8S_POD, 102400, 102400,
	  183960, "stress-ng-vm", 93176, 299192, 1000, NULL },
	{ "aws-6.8-dmesg-T.log", 1, 1, "node", "0x140cca", "GFP_HIGHUSER_MOVABLE|__GFP_COMP", 0, 0,
	  "CONSTRAINT_NONE", "", -1, -1, 60540, "redis-server", 14230956, 17652600, 0, NULL },
	{ "centos6-2.6.32.log", 1, 1, "dsm_sa_datamgrd", "0x201da", "", 0, 0, NULL, NULL, -1, -1,
	  20557, "haproxy", 12468, 8560500, 0, NULL },
	/* headless: starts in the call trace */
	{ "centos7-3.10-headless.log", 0, 1, NULL, NULL, NULL, 0, 0, NULL, DOCKER_CG,
	  4194304, 4194304, 76513, "java", 4189536, 26212772, 0, NULL },
	{ "mips-3.4-panic.log", 1, 0, "acsd", "0x201da", "", 0, 0, NULL, NULL, -1, -1,
	  0, NULL, -1, -1, 0, "Out of memory: compulsory panic_on_oom is enabled" },
	/* a header spliced into another CPU's non-OOM panic */
	{ "syzkaller-4.20-interleaved.log", 1, 0, "syz-executor642", "0x6202c2",
	  "GFP_HIGHUSER|__GFP_NOWARN", 0, 1000, NULL, NULL, -1, -1, 0, NULL, -1, -1, 0,
	  "corrupted stack end detected inside scheduler" },
	{ "ubuntu-5.4-sysrq.log", 1, 1, "kworker/0:0", "0xcc0", "GFP_KERNEL", -1, 0,
	  "CONSTRAINT_NONE", "", -1, -1, 955, "gnome-shell", 77868, 3289540, 0, NULL },
};

static void check_str(const char *what, const char *got, const char *want, const char *file)
{
	if (want)
		ck_assert_msg(!strcmp(got, want), "%s: %s is '%s', want '%s'", file, what, got, want);
}

START_TEST(incident_facts)
{
	const struct incident *w = &incidents[_i];
	struct scan sc;

	scan_file(w->file, &sc);
	ck_assert_int_eq(sc.ninvoked, w->ninvoked);
	ck_assert_int_eq(sc.nkilled, w->nkilled);
	ck_assert_int_eq(sc.nsummary, w->constraint != NULL);
	if (w->comm) {
		check_str("comm", sc.inv.comm, w->comm, w->file);
		check_str("gfp_mask", sc.inv.gfp_mask, w->gfp_mask, w->file);
		check_str("gfp_flags", sc.inv.gfp_flags, w->gfp_flags, w->file);
		ck_assert_int_eq(sc.inv.order, w->order);
		ck_assert_int_eq(sc.inv.oom_score_adj, w->adj);
	}
	check_str("constraint", sc.sum.constraint, w->constraint, w->file);
	check_str("memcg", sc.nsummary ? sc.sum.oom_memcg : sc.mt.oom_memcg, w->memcg, w->file);
	ck_assert_int_eq(sc.nmemcg_task, !w->constraint && w->memcg);
	ck_assert_int_eq(sc.mem.limit_kb, w->limit_kb < 0 ? 0 : w->limit_kb);
	ck_assert_int_eq(sc.mem.usage_kb, w->usage_kb < 0 ? 0 : w->usage_kb);
	if (w->nkilled) {
		ck_assert_int_eq(sc.killed[0].pid, w->pid);
		check_str("victim", sc.killed[0].comm, w->victim, w->file);
		ck_assert_int_eq(sc.killed[0].anon_rss_kb, w->anon_kb);
		ck_assert_int_eq(sc.killed[0].total_vm_kb, w->total_vm_kb);
		ck_assert_int_eq(sc.killed[0].oom_score_adj, w->victim_adj);
		ck_assert_int_eq(sc.killed[0].memcg, w->memcg && *w->memcg && w->constraint);
	}
	if (w->constraint)
		ck_assert_int_eq(sc.sum.pid, w->pid);
	ck_assert_int_eq(sc.npanic, w->panic != NULL);
	check_str("panic", sc.panic, w->panic, w->file);
	ck_assert_int_eq(sc.nvm + sc.nalloc + sc.nreaped, 0);
}
END_TEST

START_TEST(incident_details)
{
	static const int group_pids[] = { 7788, 7620, 7656, 7657, 7712, 7788 };
	struct scan sc;

	scan_file("qemu-6.11-global.log", &sc);
	ck_assert(sc.sum.global_oom);
	ck_assert_str_eq(sc.sum.task_memcg, "/");
	ck_assert_str_eq(sc.sum.task, "stress-ng-vm");
	ck_assert(!sc.killed[0].memcg && !sc.killed[0].bare);
	ck_assert_int_eq(sc.killed[0].file_rss_kb, 564);
	ck_assert_int_eq(sc.killed[0].shmem_rss_kb, 0);
	ck_assert_int_eq(sc.killed[0].uid, 0);
	ck_assert_int_eq(sc.killed[0].pgtables_kb, 15676);

	scan_file("aks-5.15-oom-group.log", &sc);
	ck_assert(!sc.sum.global_oom);
	ck_assert(!strncmp(sc.sum.task_memcg, "/kubepods.slice/kubepods-besteffort.slice/", 42));
	ck_assert(strstr(sc.sum.task_memcg, "cri-containerd-9192cb33"));
	ck_assert_int_eq(sc.ngroup, 1);
	ck_assert_str_eq(sc.group, sc.sum.task_memcg);
	for (int i = 0; i < 6; i++) {
		ck_assert(sc.killed[i].memcg);
		ck_assert_int_eq(sc.killed[i].pid, group_pids[i]);
	}
	ck_assert_int_eq(sc.killed[2].uid, 101);

	scan_file("aws-6.8-dmesg-T.log", &sc);
	ck_assert(sc.sum.global_oom);
	ck_assert_int_eq(sc.sum.uid, 999);

	scan_file("ubuntu-5.4-sysrq.log", &sc);
	ck_assert_str_eq(sc.sum.task_memcg, "/user.slice/user-121.slice/session-c1.scope");
	ck_assert_int_eq(sc.sum.uid, 121);
}
END_TEST

/* Kernels before 5.0: the "Kill process ... or sacrifice child" choice is
 * not the kill; RHEL 6's own format; cgroup v1 counters. */
START_TEST(old_kernel_details)
{
	struct scan sc;

	scan_file("rhel7-3.10-sysrq.log", &sc);
	ck_assert_int_eq(sc.nselect, 1);
	ck_assert_int_eq(sc.sel.pid, 1065);
	ck_assert_int_eq(sc.sel.score, 0);
	ck_assert(!sc.sel.memcg);
	ck_assert(sc.killed[0].bare);
	ck_assert_int_eq(sc.killed[0].uid, -1);
	ck_assert_int_eq(sc.killed[0].pgtables_kb, -1);

	scan_file("rhel7-3.10-memcg-dump-tasks.log", &sc);
	ck_assert(sc.sel.memcg);
	ck_assert_int_eq(sc.sel.score, 750);
	ck_assert_str_eq(sc.mt.task_memcg, RHEL7_SCOPE);
	ck_assert_int_eq(sc.mem.failcnt, 20427);
	ck_assert_int_eq(sc.memsw.usage_kb, 204800);
	ck_assert_int_eq(sc.memsw.limit_kb, 204800);

	scan_file("centos6-2.6.32.log", &sc);
	ck_assert_int_eq(sc.sel.score, 133);
	ck_assert_int_eq(sc.killed[0].uid, 188);
	ck_assert_int_eq(sc.killed[0].shmem_rss_kb, -1);

	scan_file("centos7-3.10-headless.log", &sc);
	ck_assert_int_eq(sc.nusage, 3);         /* memory, memory+swap, kmem */
	ck_assert_int_eq(sc.memsw.limit_kb, 8388608);
	ck_assert_int_eq(sc.sel.pid, 76756);    /* the thread chosen ... */
	ck_assert_int_eq(sc.sel.score, 1001);
	ck_assert_int_eq(sc.killed[0].pid, 76513);      /* ... is not the victim */
}
END_TEST

START_TEST(negative_controls)
{
	struct scan sc;

	scan_file("aks-5.15-kubelet-negative.log", &sc);
	ck_assert_int_eq(events(&sc), 0);
	scan_file("syzkaller-5.12-negative.log", &sc);
	ck_assert_int_eq(events(&sc), 0);
}
END_TEST

/* Every fixture line cut at every byte: no parser reads past the end, and a
 * cut line never yields a wrong victim or a wrong task name. */
START_TEST(every_cut_is_safe)
{
	char *data, *line, *save = NULL;
	char path[256];

	snprintf(path, sizeof(path), "fixtures/klog/%s", incidents[_i].file);
	data = fixture(path, NULL);
	for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *m = klog_strip_prefix(line);
		size_t len = strlen(m);
		struct klog_killed full, k;
		struct klog_oom_summary fs, su;
		struct klog_invoked fi, in;
		bool has_k = klog_parse_killed(m, &full), has_s = klog_parse_oom_summary(m, &fs);
		bool has_i = klog_parse_invoked(m, &fi);

		for (size_t n = 0; n < len; n++) {
			char *cut = strndup(m, n);
			struct scan sc;

			memset(&sc, 0, sizeof(sc));
			scan_line(cut, &sc);
			if (has_k && klog_parse_killed(cut, &k)) {
				ck_assert_int_eq(k.pid, full.pid);
				ck_assert_str_eq(k.comm, full.comm);
			}
			if (has_s && klog_parse_oom_summary(cut, &su))
				ck_assert_int_eq(su.pid, fs.pid);
			if (has_i && klog_parse_invoked(cut, &in))
				ck_assert_str_eq(in.comm, fi.comm);
			free(cut);
		}
	}
	free(data);
}
END_TEST

/* ---------- prefixes ---------- */

START_TEST(strip_prefixes)
{
	static const struct { const char *in, *out; } t[] = {
		{ "[   12.345678] x", "x" },
		{ "[12.3] x", "x" },
		{ "<4>[ 1.2] x", "x" },
		{ "<6>x", "x" },
		{ "[Mon Jan  1 00:00:00 2024] x", "x" },
		{ "[Sun Jun 29 15:57:11 2025] x", "x" },
		{ "Nov 21 10:00:00 host kernel: x", "x" },
		{ "Nov  1 10:00:00 host kernel: [  123.456] x", "x" },
		{ "Nov 21 10:00:00.123456 host kernel: x", "x" },
		{ "2024-01-01T00:00:00.123456+00:00 host kernel: x", "x" },
		{ "[  483.600289][    C1] rcu: x", "rcu: x" },
		{ "[    1.000000][  T123] x", "x" },
		{ "[   30.745678]  panic+0x2ad/0x55f", " panic+0x2ad/0x55f" },
		/* kept whole */
		{ "[<ffffffff816861cc>] dump_stack", "[<ffffffff816861cc>] dump_stack" },
		{ "[ 9270]     0  9270 sleep", "[ 9270]     0  9270 sleep" },
		{ "[12.] x", "[12.] x" },
		{ "[ 12.5 x", "[ 12.5 x" },
		{ "<4 x", "<4 x" },
		{ "Foo 21 10:00:00 host kernel: x", "Foo 21 10:00:00 host kernel: x" },
		{ "Nov 21 10:00 host kernel: x", "Nov 21 10:00 host kernel: x" },
		{ "", "" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(!strcmp(klog_strip_prefix(t[i].in), t[i].out), "'%s' -> '%s'",
			      t[i].in, klog_strip_prefix(t[i].in));
	ck_assert_str_eq(klog_strip_prefix("Nov 21 10:00:00 host kernel: [<ffffffff8118476e>] oom"),
			 "[<ffffffff8118476e>] oom");
}
END_TEST

START_TEST(other_programs_are_not_kernel)
{
	const char *npd = "May 19 18:14:43 h node-problem-detector-startup.sh[4208]: I0519 "
			  "Message:Memory cgroup out of memory: Killed process 7788 (bash) total-vm:1kB";
	const char *kub = "Nov 21 10:00:00 host kubelet[12]: Out of memory: Killed process 5 (x) total-vm:1kB";
	const char *inv = "Nov 21 10:00:00 host foo: bash invoked oom-killer: gfp_mask=0xcc0, order=0, oom_score_adj=0";
	struct klog_killed k;
	struct klog_invoked i;

	ck_assert_ptr_eq(klog_strip_prefix(npd), npd);
	ck_assert_ptr_eq(klog_strip_prefix(kub), kub);
	ck_assert(!klog_parse_killed(klog_strip_prefix(npd), &k));
	ck_assert(!klog_parse_killed(klog_strip_prefix(kub), &k));
	ck_assert_ptr_null(klog_kernel_msg(npd));
	ck_assert_ptr_null(klog_kernel_msg(inv));
	/* The same text with the kernel tag is a kill. */
	ck_assert(klog_parse_killed(klog_strip_prefix("Nov 21 10:00:00 host kernel: Out of memory: "
						      "Killed process 5 (x) total-vm:1kB"), &k));
	ck_assert_int_eq(k.pid, 5);
	ck_assert(klog_parse_invoked(klog_kernel_msg("Nov 21 10:00:00 host kernel: bash invoked "
						     "oom-killer: gfp_mask=0xcc0, order=0, oom_score_adj=0"), &i));
	ck_assert_str_eq(i.comm, "bash");
}
END_TEST

/* ---------- formats across versions ---------- */

START_TEST(invoked_variants)
{
	struct klog_invoked i;

	/* 3.10 - 4.4 */
	ck_assert(klog_parse_invoked("a invoked oom-killer: gfp_mask=0x280da, order=0, oom_score_adj=-17", &i));
	ck_assert_int_eq(i.oom_score_adj, -17);
	/* %#x prints 0 as "0" */
	ck_assert(klog_parse_invoked("a b invoked oom-killer: gfp_mask=0(), order=0, oom_score_adj=0", &i));
	ck_assert_str_eq(i.comm, "a b");
	ck_assert_str_eq(i.gfp_mask, "0");
	/* 4.9 - 4.20 with a nodemask list holding a comma */
	ck_assert(klog_parse_invoked("x invoked oom-killer: gfp_mask=0x14200ca(GFP_HIGHUSER_MOVABLE), "
				     "nodemask=0-1,3, order=3, oom_score_adj=-1000", &i));
	ck_assert_int_eq(i.order, 3);
	ck_assert_int_eq(i.oom_score_adj, -1000);
	/* wrong or missing pieces */
	ck_assert(!klog_parse_invoked(" invoked oom-killer: gfp_mask=0xcc0, order=0, oom_score_adj=0", &i));
	ck_assert(!klog_parse_invoked("a invoked oom-killer: gfp_mask=cc0, order=0, oom_score_adj=0", &i));
	ck_assert(!klog_parse_invoked("a invoked oom-killer: gfp_mask=0xcc0, oom_score_adj=0", &i));
	ck_assert(!klog_parse_invoked("a invoked oom-killer: gfp_mask=0xcc0, order=0", &i));
	ck_assert(!klog_parse_invoked("a invoked oom-killer: gfp_mask=0xcc0, order=0, oom_score_adj=1001", &i));
	ck_assert(!klog_parse_invoked("a invoked oom-killer: gfp_mask=0xcc0, order=-2, oom_score_adj=0", &i));
	ck_assert(!klog_parse_invoked("a invoked oom-killer: gfp_mask=0xcc0, order=99999999999999999999, oom_score_adj=0", &i));
	ck_assert(!klog_parse_invoked("a invoked oom-killer: gfp_mask=0x123456789012345678901234567890, order=0, oom_score_adj=0", &i));
	ck_assert(!klog_parse_invoked("a invoked oom-killer: gfp_mask=0xcc0(GFP_KER", &i));
}
END_TEST

START_TEST(summary_variants)
{
	struct klog_oom_summary s;

	/* The form of klog.h, memcg, v2 */
	ck_assert(klog_parse_oom_summary("oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
					 "mems_allowed=0,oom_memcg=/oomlab,task_memcg=/oomlab,task=hog,pid=99,uid=0", &s));
	ck_assert_str_eq(s.oom_memcg, "/oomlab");
	ck_assert_str_eq(s.task_memcg, "/oomlab");
	ck_assert_str_eq(s.task, "hog");
	ck_assert_int_eq(s.pid, 99);
	/* no CONFIG_CPUSETS / CONFIG_MEMCG; a nodemask list with a comma and a
	 * comm holding commas */
	ck_assert(klog_parse_oom_summary("oom-kill:constraint=CONSTRAINT_MEMORY_POLICY,nodemask=0-1,3,"
					 "task=a,b,pid=1,pid=7,uid=1000\r\n", &s));
	ck_assert_str_eq(s.constraint, "CONSTRAINT_MEMORY_POLICY");
	ck_assert_str_eq(s.task, "a,b,pid=1");
	ck_assert_int_eq(s.pid, 7);
	ck_assert_int_eq(s.uid, 1000);
	ck_assert(!s.global_oom);
	ck_assert_str_eq(s.task_memcg, "");
	/* mems_allowed list with commas before global_oom */
	ck_assert(klog_parse_oom_summary("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,"
					 "mems_allowed=0,2,global_oom,task_memcg=/a,task=x,pid=2,uid=0", &s));
	ck_assert(s.global_oom);
	ck_assert_str_eq(s.task_memcg, "/a");
	/* cut or broken */
	ck_assert(!klog_parse_oom_summary("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),task=x,pid=2,ui", &s));
	ck_assert(!klog_parse_oom_summary("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),task=x,pid=2", &s));
	ck_assert(!klog_parse_oom_summary("oom-kill:constraint=NONE,task=x,pid=2,uid=0", &s));
	ck_assert(!klog_parse_oom_summary("oom-kill:constraint=CONSTRAINT_NONE,task=x,pid=-2,uid=0", &s));
	ck_assert(!klog_parse_oom_summary("oom-kill:constraint=CONSTRAINT_NONE,task=x,pid=4294967296,uid=0", &s));
	ck_assert(!klog_parse_oom_summary("oom-kill: constrain=CONSTRAINT_NONE task=x,pid=2,uid=0", &s));
}
END_TEST

START_TEST(killed_variants)
{
	struct klog_killed k;

	/* allocating task */
	ck_assert(klog_parse_killed("Out of memory (oom_kill_allocating_task): Killed process 9 (m) "
				    "total-vm:4kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:5 "
				    "pgtables:8kB oom_score_adj:-5", &k));
	ck_assert(k.allocating_task);
	ck_assert(!k.memcg);
	ck_assert_int_eq(k.uid, 5);
	ck_assert_int_eq(k.oom_score_adj, -5);
	/* 2.6.x: no counters */
	ck_assert(klog_parse_killed("Killed process 9 (a (b))", &k));
	ck_assert_str_eq(k.comm, "a (b)");
	ck_assert_int_eq(k.total_vm_kb, -1);
	ck_assert_int_eq(k.oom_score_adj, 0);
	/* a comm holding ") total-vm:" */
	ck_assert(klog_parse_killed("Out of memory: Killed process 3 (x) total-vm:1kB) total-vm:2kB, anon-rss:3kB", &k));
	ck_assert_str_eq(k.comm, "x) total-vm:1kB");
	ck_assert_int_eq(k.total_vm_kb, 2);
	ck_assert_int_eq(k.anon_rss_kb, 3);
	/* not kills */
	ck_assert(!klog_parse_killed("Out of memory: Kill process 3 (x) score 1 or sacrifice child", &k));
	ck_assert(!klog_parse_killed("Memory cgroup out of memory: Kill process 3 (x) score 1 or sacrifice child", &k));
	ck_assert(!klog_parse_killed("Out of memory: OOM victim 3 (x) is already exiting. Skip killing the task", &k));
	ck_assert(!klog_parse_killed("foo: Killed process 3 (x) total-vm:1kB", &k));
	ck_assert(!klog_parse_killed("I0519 Message:Out of memory: Killed process 3 (x) total-vm:1kB", &k));
	ck_assert(!klog_parse_killed("Killed process x (y)", &k));
	ck_assert(!klog_parse_killed("Killed process -3 (y)", &k));
}
END_TEST

START_TEST(killed_truncated_and_overflow)
{
	struct klog_killed k;

	/* cut inside the comm: nothing sure, refused */
	ck_assert(!klog_parse_killed("Out of memory: Killed process 116 (stress-n", &k));
	ck_assert(!klog_parse_killed("Out of memory: Killed process 116 (stress-ng) total-v", &k));
	ck_assert(!klog_parse_killed("Out of memory: Killed process 116", &k));
	ck_assert(!klog_parse_killed("Out of memory: Killed process ", &k));
	/* cut inside the counters: the complete ones count, the cut one is -1 */
	ck_assert(klog_parse_killed("Out of memory: Killed process 116 (s) total-vm:10515768kB, anon-rss:79", &k));
	ck_assert_int_eq(k.pid, 116);
	ck_assert_int_eq(k.total_vm_kb, 10515768);
	ck_assert_int_eq(k.anon_rss_kb, -1);
	ck_assert_int_eq(k.file_rss_kb, -1);
	/* numbers that do not fit */
	ck_assert(!klog_parse_killed("Killed process 2147483648 (s) total-vm:1kB", &k));
	ck_assert(!klog_parse_killed("Killed process 99999999999999999999999 (s) total-vm:1kB", &k));
	ck_assert(klog_parse_killed("Killed process 2147483647 (s) total-vm:99999999999999999999999kB, "
				    "anon-rss:9223372036854775807kB, UID:4294967296 pgtables:1kB oom_score_adj:5000", &k));
	ck_assert_int_eq(k.pid, INT_MAX);
	ck_assert_int_eq(k.total_vm_kb, -1);
	ck_assert(k.anon_rss_kb == 9223372036854775807LL);
	ck_assert_int_eq(k.uid, -1);
	ck_assert_int_eq(k.pgtables_kb, 1);
	ck_assert_int_eq(k.oom_score_adj, 0);
}
END_TEST

START_TEST(overlong_comm_is_truncated)
{
	char line[2048], comm[300];
	struct klog_killed k;
	struct klog_invoked i;
	struct klog_oom_summary s;
	struct klog_vm_enough v;

	memset(comm, 'c', sizeof(comm) - 1);
	comm[sizeof(comm) - 1] = '\0';
	snprintf(line, sizeof(line), "Out of memory: Killed process 5 (%s) total-vm:7kB", comm);
	ck_assert(klog_parse_killed(line, &k));
	ck_assert_uint_eq(strlen(k.comm), KLOG_COMM_MAX - 1);
	ck_assert_int_eq(k.total_vm_kb, 7);
	snprintf(line, sizeof(line), "%s invoked oom-killer: gfp_mask=0x0, order=0, oom_score_adj=0", comm);
	ck_assert(klog_parse_invoked(line, &i));
	ck_assert_uint_eq(strlen(i.comm), KLOG_COMM_MAX - 1);
	snprintf(line, sizeof(line), "oom-kill:constraint=CONSTRAINT_MEMCG,oom_memcg=/%s,task_memcg=/%s,task=%s,pid=1,uid=0",
		 comm, comm, comm);
	ck_assert(klog_parse_oom_summary(line, &s));
	ck_assert_uint_eq(strlen(s.oom_memcg), KLOG_TEXT_MAX - 1);
	ck_assert_uint_eq(strlen(s.task_memcg), KLOG_TEXT_MAX - 1);
	ck_assert_uint_eq(strlen(s.task), KLOG_COMM_MAX - 1);
	snprintf(line, sizeof(line), "__vm_enough_memory: pid: 1, comm: %s, bytes: 8 not enough memory for the allocation", comm);
	ck_assert(klog_parse_vm_enough(line, &v));
	ck_assert_uint_eq(strlen(v.comm), KLOG_COMM_MAX - 1);
	ck_assert_int_eq(v.bytes, 8);
}
END_TEST

START_TEST(vm_enough_variants)
{
	struct klog_vm_enough v;

	/* klog.h's form (6.8+) */
	ck_assert(klog_parse_vm_enough("__vm_enough_memory: pid: 99, comm: mmap, bytes: 123 not enough memory for the allocation", &v));
	ck_assert_int_eq(v.pid, 99);
	ck_assert_str_eq(v.comm, "mmap");
	ck_assert_int_eq(v.bytes, 123);
	/* 6.3 - 6.7 */
	ck_assert(klog_parse_vm_enough("__vm_enough_memory: pid: 7, comm: a, b, not enough memory for the allocation\n", &v));
	ck_assert_str_eq(v.comm, "a, b");
	ck_assert_int_eq(v.bytes, -1);
	/* 6.0 - 6.2, the Debian 6.1 kernel's text */
	ck_assert(klog_parse_vm_enough("__vm_enough_memory: pid: 8, comm: oomwl, no enough memory for the allocation", &v));
	ck_assert_int_eq(v.pid, 8);
	ck_assert_str_eq(v.comm, "oomwl");
	/* an unsigned long beyond long long (negative pages) */
	ck_assert(klog_parse_vm_enough("__vm_enough_memory: pid: 1, comm: sshd, bytes: 18446744073709551615 not enough memory for the allocation", &v));
	ck_assert_int_eq(v.bytes, -1);
	ck_assert(!klog_parse_vm_enough("__vm_enough_memory: pid: 1, comm: x, bytes: 12", &v));
	ck_assert(!klog_parse_vm_enough("__vm_enough_memory: pid: 1, comm: x, bytes: -12 not enough memory for the allocation", &v));
	ck_assert(!klog_parse_vm_enough("__vm_enough_memory: pid: x, comm: x, not enough memory for the allocation", &v));
	ck_assert(!klog_parse_vm_enough("__vm_enough_memory: pid: 1, comm: x not enough memory for the allocation", &v));
	ck_assert(!klog_parse_vm_enough("x __vm_enough_memory: pid: 1, comm: x, not enough memory for the allocation", &v));
}
END_TEST

START_TEST(alloc_fail_reaped_panic)
{
	struct klog_alloc_fail a;
	struct klog_reaped r;
	struct klog_kill_select s;
	char reason[16];

	ck_assert(klog_parse_alloc_fail("hog: page allocation failure: order:8, mode:0xcc0(GFP_KERNEL), "
					"nodemask=(null),cpuset=/,mems_allowed=0", &a));
	ck_assert_str_eq(a.comm, "hog");
	ck_assert_int_eq(a.order, 8);
	ck_assert_str_eq(a.gfp_mask, "0xcc0");
	ck_assert_str_eq(a.gfp_flags, "GFP_KERNEL");
	/* 3.10 */
	ck_assert(klog_parse_alloc_fail("kworker/0:1: page allocation failure: order:4, mode:0x104020", &a));
	ck_assert_str_eq(a.comm, "kworker/0:1");
	ck_assert_str_eq(a.gfp_flags, "");
	ck_assert(!klog_parse_alloc_fail("hog: page allocation failure: order:8", &a));
	ck_assert(!klog_parse_alloc_fail("hog: vmalloc error: size 4096, mode:0xcc0(GFP_KERNEL)", &a));

	ck_assert(klog_parse_reaped("oom_reaper: reaped process 99 (hog), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB", &r));
	ck_assert_int_eq(r.pid, 99);
	ck_assert_str_eq(r.comm, "hog");
	ck_assert(!klog_parse_reaped("oom_reaper: unable to reap pid:99 (hog)", &r));
	ck_assert(!klog_parse_reaped("oom_reaper: reaped process 99 (hog", &r));

	ck_assert(klog_parse_kill_select("Out of memory (oom_kill_allocating_task): Kill process 5 (a) score 0 or sacrifice child", &s));
	ck_assert(s.allocating_task);
	ck_assert(!klog_parse_kill_select("Out of memory: Kill process 5 (a) score 0", &s));

	/* bounded reason; the end marker is not a panic line */
	ck_assert(klog_parse_panic("Kernel panic - not syncing: Out of memory and no killable processes...\r", reason, sizeof(reason)));
	ck_assert_str_eq(reason, "Out of memory a");
	ck_assert(klog_parse_panic("Kernel panic - not syncing: x", NULL, 0));
	ck_assert(!klog_parse_panic("---[ end Kernel panic - not syncing: x ]---", reason, sizeof(reason)));
}
END_TEST

START_TEST(memcg_lines)
{
	struct klog_memcg_usage u;
	struct klog_memcg_task t;
	char g[8];

	ck_assert(klog_parse_memcg_usage("swap: usage 0kB, limit 9007199254740988kB, failcnt 0", &u));
	ck_assert_str_eq(u.counter, "swap");
	ck_assert(u.limit_kb == 9007199254740988LL);
	ck_assert(!klog_parse_memcg_usage("cpu: usage 1kB, limit 2kB, failcnt 0", &u));
	ck_assert(!klog_parse_memcg_usage("memory: usage 1kB, limit 99999999999999999999kB, failcnt 0", &u));
	ck_assert(!klog_parse_memcg_usage("memory: usage 1kB, limit 2kB, failc", &u));
	ck_assert(klog_parse_memcg_task("Task in /1/2 killed as a result of limit of /1", &t));
	ck_assert_str_eq(t.task_memcg, "/1/2");
	ck_assert_str_eq(t.oom_memcg, "/1");
	ck_assert(!klog_parse_memcg_task("Task in /1/2 killed as a result of limit of ", &t));
	ck_assert(klog_parse_oom_group("Tasks in /oomlab/abc are going to be killed due to memory.oom.group set", g, sizeof(g)));
	ck_assert_str_eq(g, "/oomlab");
	ck_assert(!klog_parse_oom_group("Tasks in  are going to be killed due to memory.oom.group set x", g, sizeof(g)));
}
END_TEST

START_TEST(garbage_is_refused)
{
	static const char *const junk[] = {
		"", " ", "\r\n", "(", ")", "Killed process", "oom-kill:", "invoked oom-killer:",
		"\x01\x02\xff\xfe", "Kernel panic", "__vm_enough_memory: pid: ",
		": page allocation failure: order:1, mode:0x1", "Tasks in ", "memory: usage ",
		"oom_reaper: reaped process 1 (", "Out of memory: Killed process 1 (",
		"__vm_enough_memory: pid: 1, comm: ", "Task in ", "Tasks in  ",
		"Memory cgroup out of memory: ", "oom-kill:constraint=CONSTRAINT_NONE,pid=1,uid=1",
	};
	struct klog_invoked i;
	struct klog_oom_summary s;
	struct klog_killed k;
	struct klog_vm_enough v;
	struct klog_reaped r;
	struct klog_alloc_fail a;
	struct klog_kill_select ks;
	struct klog_memcg_task t;
	struct klog_memcg_usage u;
	char buf[32];

	for (size_t n = 0; n < sizeof(junk) / sizeof(junk[0]); n++) {
		const char *m = klog_strip_prefix(junk[n]);

		ck_assert_msg(!klog_parse_invoked(m, &i) && !klog_parse_oom_summary(m, &s) &&
			      !klog_parse_killed(m, &k) && !klog_parse_vm_enough(m, &v) &&
			      !klog_parse_reaped(m, &r) && !klog_parse_alloc_fail(m, &a) &&
			      !klog_parse_panic(m, buf, sizeof(buf)) &&
			      !klog_parse_kill_select(m, &ks) && !klog_parse_memcg_task(m, &t) &&
			      !klog_parse_memcg_usage(m, &u) && !klog_parse_oom_group(m, buf, sizeof(buf)),
			      "junk %zu parsed", n);
	}
}
END_TEST

Suite *suite_klog(void)
{
	Suite *s = suite_create("klog");
	TCase *real = tcase_create("incidents");
	TCase *fmt = tcase_create("formats");
	int n = (int)(sizeof(incidents) / sizeof(incidents[0]));

	tcase_add_loop_test(real, incident_facts, 0, n);
	tcase_add_loop_test(real, every_cut_is_safe, 0, n);
	tcase_add_test(real, incident_details);
	tcase_add_test(real, old_kernel_details);
	tcase_add_test(real, negative_controls);
	tcase_add_test(fmt, strip_prefixes);
	tcase_add_test(fmt, other_programs_are_not_kernel);
	tcase_add_test(fmt, invoked_variants);
	tcase_add_test(fmt, summary_variants);
	tcase_add_test(fmt, killed_variants);
	tcase_add_test(fmt, killed_truncated_and_overflow);
	tcase_add_test(fmt, overlong_comm_is_truncated);
	tcase_add_test(fmt, vm_enough_variants);
	tcase_add_test(fmt, alloc_fail_reaped_panic);
	tcase_add_test(fmt, memcg_lines);
	tcase_add_test(fmt, garbage_is_refused);
	suite_add_tcase(s, real);
	suite_add_tcase(s, fmt);
	return s;
}
