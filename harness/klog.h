/* klog.h - parsers for single kernel log messages about memory failure.
 *
 * Each parser takes the message text of one line (no "[ 1.234]" stamp, no
 * syslog prefix: klog_strip_prefix() removes those) and fills a plain struct.
 * They return false when the line is not of their kind (the struct is
 * cleared all the same: parse into a scratch copy).  Input is untrusted:
 * every copied string is bounded by its field size and truncated there.
 *
 * Every parser is anchored: the message must START with the kernel's text
 * (or with the task name that the kernel prints first), so a daemon quoting
 * a kernel line in the middle of its own message never parses.  Trailing
 * whitespace ("\r", "\n") is ignored.
 *
 * Numbers: a pid, an order or an oom_score_adj that does not fit its field
 * (or is outside the kernel's range) makes the line invalid; a kB counter or
 * a byte count that does not fit a long long is stored as -1 (unknown).
 *
 * Formats (kernel source cited in klog.c; the prefixes in klog_prefix.c):
 *   "stress invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0"
 *   "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=hog,pid=99,uid=0"
 *   "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/oomlab,task_memcg=/oomlab,task=hog,pid=99,uid=0"
 *   "Out of memory: Killed process 99 (hog) total-vm:10515768kB, anon-rss:7980628kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:15648kB oom_score_adj:0"
 *   "Memory cgroup out of memory: Killed process 99 (hog) total-vm:...kB, anon-rss:..."
 *   "__vm_enough_memory: pid: 99, comm: mmap, bytes: 123 not enough memory for the allocation"  (6.8+;
 *        6.3 - 6.7: "..., comm: mmap, not enough memory ...", 6.0 - 6.2 (Debian 12's 6.1):
 *        "..., comm: mmap, no enough memory ...", both without bytes)
 *   "oom_reaper: reaped process 99 (hog), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB"
 *   "Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled"
 *   "hog: page allocation failure: order:8, mode:0xcc0(GFP_KERNEL), nodemask=(null),cpuset=/,mems_allowed=0"
 *        (2.6.32: "hog: page allocation failure. order:1, mode:0x20")
 *   "oom_reaper: unable to reap pid:99 (hog)"                            (klog_parse_reap_failed)
 * and, for older kernels (3.10 - 5.0; "Task in" until 4.20):
 *   "Out of memory: Kill process 99 (hog) score 750 or sacrifice child"   (klog_parse_kill_select)
 *   "Killed process 99 (hog) total-vm:...kB, anon-rss:...kB, file-rss:...kB[, shmem-rss:...kB]"
 *   "Task in /a/b killed as a result of limit of /a"                     (klog_parse_memcg_task)
 * and in the memcg OOM report of every version:
 *   "memory: usage 53824kB, limit 102400kB, failcnt 20427"               (klog_parse_memcg_usage)
 *   "Tasks in /a are going to be killed due to memory.oom.group set"    (klog_parse_oom_group, 4.19+)
 */
#ifndef OOMLAB_KLOG_H
#define OOMLAB_KLOG_H

#include <stdbool.h>
#include <stddef.h>

#define KLOG_COMM_MAX 64
#define KLOG_TEXT_MAX 256

struct klog_invoked {
	char comm[KLOG_COMM_MAX];
	char gfp_mask[32];        /* "0x140dca" */
	char gfp_flags[KLOG_TEXT_MAX]; /* "GFP_HIGHUSER_MOVABLE|__GFP_COMP", "" if not printed */
	int order;                /* -1 for a sysrq/manual OOM */
	int oom_score_adj;
};

struct klog_oom_summary {
	char constraint[32];      /* "CONSTRAINT_NONE", "CONSTRAINT_MEMCG", ... */
	bool global_oom;          /* the "global_oom" word was present */
	char oom_memcg[KLOG_TEXT_MAX];  /* "" unless a memcg OOM */
	char task_memcg[KLOG_TEXT_MAX];
	char task[KLOG_COMM_MAX];
	int pid;
	int uid;
};

struct klog_killed {
	bool memcg;               /* "Memory cgroup out of memory:" prefix */
	int pid;
	char comm[KLOG_COMM_MAX];
	long long total_vm_kb, anon_rss_kb, file_rss_kb, shmem_rss_kb; /* -1 if absent */
	int uid;                  /* -1 if absent */
	int oom_score_adj;        /* 0 if absent */
	/* Additions (stage 4): */
	bool allocating_task;     /* "Out of memory (oom_kill_allocating_task):" prefix */
	bool bare;                /* no "...: " prefix at all (kernels before 5.1) */
	long long pgtables_kb;    /* -1 if absent */
	bool adj_printed;         /* "oom_score_adj:N" was there (5.x kill lines) */
};

struct klog_vm_enough {
	int pid;
	char comm[KLOG_COMM_MAX];
	long long bytes;          /* -1 when the kernel does not print it (before 6.8) */
};

struct klog_reaped {
	int pid;
	char comm[KLOG_COMM_MAX];
};

struct klog_alloc_fail {
	char comm[KLOG_COMM_MAX];
	int order;
	char gfp_mask[32];
	char gfp_flags[KLOG_TEXT_MAX];
};

/* Skip a leading "[  12.345678] " stamp (and a CONFIG_PRINTK_CALLER
 * "[    C1]" / "[  T123]" field after it), a "<4>" level, a dmesg -T
 * "[Mon Jan  1 00:00:00 2024] " stamp and a syslog / journalctl
 * "Mon DD hh:mm:ss[.usec] host kernel: " (or RFC 3339 "2024-01-01T00:00:00.1+00:00
 * host kernel: ") prefix.  Returns a pointer into line.
 *
 * A syslog line whose tag is not "kernel:" ("... host kubelet[12]: ...")
 * is NOT a kernel message: it is returned whole (pointer == line), so that
 * the anchored parsers above do not match a daemon quoting a kernel line.
 * A "[<ffffffff81234567>]" call-trace address is not a stamp and is kept. */
const char *klog_strip_prefix(const char *line);

bool klog_parse_invoked(const char *msg, struct klog_invoked *out);
bool klog_parse_oom_summary(const char *msg, struct klog_oom_summary *out);
bool klog_parse_killed(const char *msg, struct klog_killed *out);
bool klog_parse_vm_enough(const char *msg, struct klog_vm_enough *out);
bool klog_parse_reaped(const char *msg, struct klog_reaped *out);
bool klog_parse_alloc_fail(const char *msg, struct klog_alloc_fail *out);
/* "Kernel panic - not syncing: REASON": copies REASON. */
bool klog_parse_panic(const char *msg, char *reason, size_t len);

/* ---- Additions (stage 4) ---- */

/* klog_strip_prefix(), but NULL for a syslog line of another program
 * (tag other than "kernel:"). */
const char *klog_kernel_msg(const char *line);

/* "MSG: Kill process PID (COMM) score N or sacrifice child" (3.10 - 5.0):
 * the task chosen, printed before its (or its child's) "Killed process"
 * line.  MSG is "Out of memory", "Memory cgroup out of memory" or "Out of
 * memory (oom_kill_allocating_task)".  This line is NOT a kill. */
struct klog_kill_select {
	bool memcg;
	bool allocating_task;
	int pid;
	char comm[KLOG_COMM_MAX];
	long long score;          /* -1 if it does not fit */
};
bool klog_parse_kill_select(const char *msg, struct klog_kill_select *out);

/* "Task in TASK_MEMCG killed as a result of limit of OOM_MEMCG" (memcg OOM,
 * cgroup v1 and v2, kernels before 5.0). */
struct klog_memcg_task {
	char task_memcg[KLOG_TEXT_MAX];
	char oom_memcg[KLOG_TEXT_MAX];
};
bool klog_parse_memcg_task(const char *msg, struct klog_memcg_task *out);

/* "memory: usage 53824kB, limit 102400kB, failcnt 20427" and the
 * "memory+swap:", "swap:" and "kmem:" lines of a memcg OOM report. */
struct klog_memcg_usage {
	char counter[16];         /* "memory", "memory+swap", "swap", "kmem" */
	long long usage_kb, limit_kb, failcnt;
};
bool klog_parse_memcg_usage(const char *msg, struct klog_memcg_usage *out);

/* "Tasks in MEMCG are going to be killed due to memory.oom.group set"
 * (4.19+): copies MEMCG. */
bool klog_parse_oom_group(const char *msg, char *memcg, size_t len);

/* "oom_reaper: unable to reap pid:N (COMM)" (4.6+): the reaper gave up on
 * the victim's memory (mm/oom_kill.c oom_reap_task()). */
bool klog_parse_reap_failed(const char *msg, struct klog_reaped *out);

/* ---- Format changes (klog_format.c) ---- */

/* Does msg (a message, after klog_strip_prefix) contain one of the fixed
 * parts of the memory-failure messages above ("invoked oom-killer",
 * "oom-kill:", "Out of memory", "Killed process", "Kill process",
 * "Memory cgroup out of memory", "__vm_enough_memory:", "page allocation
 * failure", "oom_reaper:", "memory.oom.group")? */
bool klog_looks_like_oom(const char *msg);
/* klog_looks_like_oom(msg), but none of the klog_parse_* parsers accepts
 * it: the kernel changed a format the classifier relies on.  false for
 * NULL (klog_kernel_msg() of another program's syslog line). */
bool klog_unrecognised(const char *msg);

/* How many unrecognised lines were seen, and the first of them (cut at
 * KLOG_TEXT_MAX - 1 bytes at its first line end, bytes outside printable
 * ASCII shown as '?').  Zero-initialise. */
struct klog_unrec {
	size_t n;
	char first[KLOG_TEXT_MAX];
};
void klog_unrec_note(struct klog_unrec *u, const char *msg);

#endif
