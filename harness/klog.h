/* klog.h - parsers for single kernel log messages about memory failure.
 *
 * Each parser takes the message text of one line (no "[ 1.234]" stamp, no
 * syslog prefix: klog_strip_prefix() removes those) and fills a plain struct.
 * They return false when the line is not of their kind.  Input is untrusted:
 * every copied string is bounded by its field size and truncated there.
 *
 * Formats (kernel source cited in klog.c):
 *   "stress invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0"
 *   "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=hog,pid=99,uid=0"
 *   "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/oomlab,task_memcg=/oomlab,task=hog,pid=99,uid=0"
 *   "Out of memory: Killed process 99 (hog) total-vm:10515768kB, anon-rss:7980628kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:15648kB oom_score_adj:0"
 *   "Memory cgroup out of memory: Killed process 99 (hog) total-vm:...kB, anon-rss:..."
 *   "__vm_enough_memory: pid: 99, comm: mmap, bytes: 123 not enough memory for the allocation"  (6.8+)
 *   "oom_reaper: reaped process 99 (hog), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB"
 *   "Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled"
 *   "hog: page allocation failure: order:8, mode:0xcc0(GFP_KERNEL), nodemask=(null),cpuset=/,mems_allowed=0"
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
};

struct klog_vm_enough {
	int pid;
	char comm[KLOG_COMM_MAX];
	long long bytes;
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

/* Skip a leading "[  12.345678] " stamp, a "<4>" level, a dmesg -T
 * "[Mon Jan  1 00:00:00 2024] " stamp and a syslog "Mon DD hh:mm:ss host
 * kernel: " prefix.  Returns a pointer into line. */
const char *klog_strip_prefix(const char *line);

bool klog_parse_invoked(const char *msg, struct klog_invoked *out);
bool klog_parse_oom_summary(const char *msg, struct klog_oom_summary *out);
bool klog_parse_killed(const char *msg, struct klog_killed *out);
bool klog_parse_vm_enough(const char *msg, struct klog_vm_enough *out);
bool klog_parse_reaped(const char *msg, struct klog_reaped *out);
bool klog_parse_alloc_fail(const char *msg, struct klog_alloc_fail *out);
/* "Kernel panic - not syncing: REASON": copies REASON. */
bool klog_parse_panic(const char *msg, char *reason, size_t len);

#endif
