/* klog.c - see klog.h.
 *
 * The formats below were read from the kernel's printk calls; versions are
 * given where a format changed.  Sources:
 *   mm/oom_kill.c   dump_header()        "%s invoked oom-killer: ..."
 *                   dump_oom_summary()   "oom-kill:constraint=%s,nodemask=%*pbl" (5.0+)
 *                   __oom_kill_process() "%s: Killed process %d (%s) total-vm:..." (the
 *                                        "%s: " is in 6.1 and in the 5.4 incident log; 4.19
 *                                        prints "Killed process %d (%s) total-vm:...")
 *                   oom_kill_process()   "%s: Kill process %d (%s) score %u or sacrifice child"
 *                                        (until bbbe48029720, in 5.1)
 *                   oom_reap_task_mm()   "oom_reaper: reaped process %d (%s), now anon-rss:..."
 *                   check_panic_on_oom() panic("Out of memory: %s panic_on_oom is enabled\n")
 *   mm/memcontrol.c mem_cgroup_print_oom_context()  ",oom_memcg=" / ",global_oom", ",task_memcg="
 *                   mem_cgroup_print_oom_info() (< 5.0) "Task in %s killed as a result of limit of %s"
 *                   mem_cgroup_print_oom_meminfo() "%s: usage %llukB, limit %llukB, failcnt %lu"
 *                   mem_cgroup_print_oom_group() "Tasks in %s are going to be killed due to memory.oom.group set"
 *                   mem_cgroup_out_of_memory()   message "Memory cgroup out of memory"
 *   kernel/cgroup/cpuset.c cpuset_print_current_mems_allowed() ",cpuset=%s,mems_allowed=%*pbl"
 *   mm/util.c       __vm_enough_memory() "%s: pid: %d, comm: %s, ..." (6.0+, see parse_vm_tail)
 *   mm/page_alloc.c warn_alloc() "%s: %pV, mode:%#x(%pGg), nodemask=%*pbl" with
 *                   %pV = "page allocation failure: order:%u" (4.10+);
 *                   warn_alloc_failed() "%s: page allocation failure: order:%d, mode:0x%x" (3.10)
 *   kernel/panic.c  panic() pr_emerg("Kernel panic - not syncing: %s\n", buf)
 *                   2.6.32: "%s: page allocation failure. order:%d, mode:0x%x"
 *   mm/oom_kill.c   oom_reap_task() "oom_reaper: unable to reap pid:%d (%s)" (4.6+)
 * The stamps and syslog prefixes in front of a message: klog_prefix.c.
 */
#include "klog.h"

#include <ctype.h>
#include <limits.h>
#include <string.h>

/* include/uapi/linux/oom.h: OOM_SCORE_ADJ_MIN / OOM_SCORE_ADJ_MAX */
#define ADJ_MIN (-1000)
#define ADJ_MAX 1000
/* Larger than any MAX_ORDER (include/linux/mmzone.h) of any architecture. */
#define ORDER_MAX 64

enum num { NUM_NONE, NUM_OK, NUM_OVERFLOW };

/* ---------- small helpers ---------- */

static void copy_n(char *dst, size_t size, const char *src, size_t n)
{
	if (!size)
		return;
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Pointer to the end of s without trailing whitespace. */
static const char *trim_end(const char *s)
{
	const char *e = s + strlen(s);

	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	return e;
}

static const char *skip(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) ? NULL : s + n;
}

/* Just after the first needle in s, or NULL. */
static const char *after(const char *s, const char *needle)
{
	const char *p = strstr(s, needle);

	return p ? p + strlen(needle) : NULL;
}

/* [from, to) ends with s: where s starts there, or NULL. */
static const char *ends_with(const char *from, const char *to, const char *s)
{
	size_t n = strlen(s);

	return to >= from && (size_t)(to - from) >= n && !memcmp(to - n, s, n) ? to - n : NULL;
}

/* First occurrence of needle in [from, to), or NULL. */
static const char *find_in(const char *from, const char *to, const char *needle)
{
	size_t n = strlen(needle);

	if (!from || to < from)
		return NULL;
	return memmem(from, (size_t)(to - from), needle, n);
}

/* Last occurrence of needle in [from, to), or NULL. */
static const char *rfind_in(const char *from, const char *to, const char *needle)
{
	const char *hit = NULL, *p = from;

	while ((p = find_in(p, to, needle))) {
		hit = p;
		p++;
	}
	return hit;
}

/* Decimal with an optional '-': *p moves past the digits. */
static enum num parse_num(const char **p, long long *out)
{
	const char *s = *p;
	bool neg = *s == '-';
	unsigned long long v = 0;
	bool over = false;

	if (neg)
		s++;
	if (!isdigit((unsigned char)*s))
		return NUM_NONE;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (ULLONG_MAX - d) / 10)
			over = true;
		else
			v = v * 10 + d;
	}
	*p = s;
	if (over || v > (unsigned long long)LLONG_MAX + (neg ? 1u : 0u))
		return NUM_OVERFLOW;
	*out = neg ? (long long)(0 - v) : (long long)v;
	return NUM_OK;
}

static bool parse_int_range(const char **p, int lo, int hi, int *out)
{
	long long v;

	if (parse_num(p, &v) != NUM_OK || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

/* An int in [lo, hi] from s that ends exactly at stop. */
static bool int_upto(const char *s, const char *stop, int lo, int hi, int *out)
{
	return parse_int_range(&s, lo, hi, out) && s == stop;
}

/* "0x1234" or "0" (what %#x prints for 0).  Copies it, bounded. */
static bool parse_gfp(const char **p, char *mask, size_t size)
{
	const char *s = *p, *e = s + 1;

	if (s[0] != '0')
		return false;
	if (s[1] == 'x')
		for (e = s + 2; isxdigit((unsigned char)*e); e++)
			;
	if (e == s + 2 || (size_t)(e - s) >= size)
		return false;
	copy_n(mask, size, s, (size_t)(e - s));
	*p = e;
	return true;
}

/* "(GFP_KERNEL|__GFP_COMP)" after a mask: optional, but a '(' without ')'
 * means the line was cut. */
static bool parse_gfp_flags(const char **p, char *flags, size_t size)
{
	const char *s = *p, *close;

	flags[0] = '\0';
	if (*s != '(')
		return true;
	close = strchr(s, ')');
	if (!close)
		return false;
	copy_n(flags, size, s + 1, (size_t)(close - s - 1));
	*p = close + 1;
	return true;
}

/* ---------- oom_kill.c ---------- */

bool klog_parse_invoked(const char *msg, struct klog_invoked *out)
{
	static const char mark[] = " invoked oom-killer: gfp_mask=";
	const char *m = strstr(msg, mark), *p, *o;

	memset(out, 0, sizeof(*out));
	if (!m || m == msg)
		return false;
	copy_n(out->comm, sizeof(out->comm), msg, (size_t)(m - msg));
	p = m + strlen(mark);
	if (!parse_gfp(&p, out->gfp_mask, sizeof(out->gfp_mask)) ||
	    !parse_gfp_flags(&p, out->gfp_flags, sizeof(out->gfp_flags)))
		return false;
	/* 4.9 - 4.20 print ", nodemask=%*pbl" before the order; 2.6.32 - 3.4
	 * print ", oom_adj=%d" before oom_score_adj.  Both are skipped. */
	o = after(p, ", order=");
	if (!o || !parse_int_range(&o, -1, ORDER_MAX, &out->order) ||
	    !(o = after(o, ", oom_score_adj=")))
		return false;
	return parse_int_range(&o, ADJ_MIN, ADJ_MAX, &out->oom_score_adj);
}

/* dump_oom_summary(): fields in this order, each optional but the first
 * (no CONFIG_CPUSETS: no cpuset/mems_allowed; no CONFIG_MEMCG: no memcg
 * fields).  Values may contain commas (nodemask lists "0-1,3", cgroup
 * paths), so each ends where the next key begins. */
enum { K_NODEMASK, K_CPUSET, K_MEMS, K_OOM_MEMCG, K_GLOBAL, K_TASK_MEMCG, K_N };
static const char *const summary_keys[K_N] = {
	",nodemask=", ",cpuset=", ",mems_allowed=", ",oom_memcg=", ",global_oom", ",task_memcg=",
};

/* The ",task=%s,pid=%d,uid=%d" tail; returns where ",task=" starts. */
static const char *summary_tail(const char *head, const char *end, struct klog_oom_summary *out)
{
	const char *u = rfind_in(head, end, ",uid="), *t, *tm;
	const char *pd = u ? rfind_in(head, u, ",pid=") : NULL;

	if (!u || !pd || !int_upto(u + 5, end, INT_MIN, INT_MAX, &out->uid) ||
	    !int_upto(pd + 5, u, 0, INT_MAX, &out->pid))
		return NULL;
	tm = find_in(head, pd, ",task_memcg=");
	t = find_in(tm ? tm + strlen(",task_memcg=") : head, pd, ",task=");
	if (!t)
		return NULL;
	copy_n(out->task, sizeof(out->task), t + 6, (size_t)(pd - t - 6));
	return t;
}

bool klog_parse_oom_summary(const char *msg, struct klog_oom_summary *out)
{
	const char *head = skip(msg, "oom-kill:constraint="), *end, *task;
	const char *pos[K_N];
	const char *cur;

	memset(out, 0, sizeof(*out));
	if (!head)
		return false;
	end = trim_end(msg);
	task = summary_tail(head, end, out);
	if (!task)
		return false;
	cur = head;
	for (int k = 0; k < K_N; k++) {
		pos[k] = find_in(cur, task, summary_keys[k]);
		if (pos[k])
			cur = pos[k] + strlen(summary_keys[k]);
	}
	cur = task;
	for (int k = K_N - 1; k >= 0; k--) {
		if (!pos[k])
			continue;
		if (k == K_OOM_MEMCG || k == K_TASK_MEMCG) {
			const char *v = pos[k] + strlen(summary_keys[k]);
			char *dst = k == K_OOM_MEMCG ? out->oom_memcg : out->task_memcg;

			copy_n(dst, KLOG_TEXT_MAX, v, (size_t)(cur - v));
		}
		out->global_oom |= k == K_GLOBAL;
		cur = pos[k];
	}
	if (!skip(head, "CONSTRAINT_") || (size_t)(cur - head) >= sizeof(out->constraint))
		return false;
	copy_n(out->constraint, sizeof(out->constraint), head, (size_t)(cur - head));
	return true;
}

/* The "MSG: " of oom_kill_process()/__oom_kill_process(): "Out of memory"
 * (out_of_memory), "Out of memory (oom_kill_allocating_task)" and
 * "Memory cgroup out of memory" (mm/memcontrol.c). */
static const char *skip_oom_message(const char *msg, bool *memcg, bool *allocating)
{
	const char *p = skip(msg, "Memory cgroup out of memory: ");

	*memcg = p != NULL;
	*allocating = false;
	if (p)
		return p;
	p = skip(msg, "Out of memory (oom_kill_allocating_task): ");
	*allocating = p != NULL;
	return p ? p : skip(msg, "Out of memory: ");
}

static void killed_counter(struct klog_killed *out, const char *key, size_t klen, long long v,
			   enum num st, bool kb)
{
	const struct { const char *name; long long *f; } kbs[] = {
		{ "total-vm", &out->total_vm_kb }, { "anon-rss", &out->anon_rss_kb },
		{ "file-rss", &out->file_rss_kb }, { "shmem-rss", &out->shmem_rss_kb },
		{ "pgtables", &out->pgtables_kb },
	};

	for (size_t i = 0; kb && i < sizeof(kbs) / sizeof(kbs[0]); i++)
		if (klen == strlen(kbs[i].name) && !strncmp(key, kbs[i].name, klen)) {
			*kbs[i].f = st == NUM_OK && v >= 0 ? v : -1;
			return;
		}
	if (kb || st != NUM_OK)
		return;
	if (klen == 3 && !strncmp(key, "UID", 3) && v >= 0 && v <= INT_MAX)
		out->uid = (int)v;
	else if (klen == 13 && !strncmp(key, "oom_score_adj", 13) && v >= ADJ_MIN && v <= ADJ_MAX) {
		out->oom_score_adj = (int)v;
		out->adj_printed = true;
	}
}

/* "total-vm:123kB, anon-rss:4kB, ... UID:0 pgtables:8kB oom_score_adj:0":
 * kB counters count only with their "kB" (so a line cut in a number does
 * not give a wrong value); unknown keys are skipped. */
static void killed_counters(const char *p, const char *end, struct klog_killed *out)
{
	while (p < end) {
		const char *key, *q;
		long long v = -1;
		enum num st;
		bool kb;

		while (p < end && (*p == ' ' || *p == ','))
			p++;
		key = p;
		while (p < end && (isalnum((unsigned char)*p) || *p == '-' || *p == '_'))
			p++;
		if (p == key || p >= end || *p != ':')
			return;
		q = p + 1;
		st = parse_num(&q, &v);
		if (st == NUM_NONE || q > end)
			return;
		kb = end - q >= 2 && q[0] == 'k' && q[1] == 'B';
		killed_counter(out, key, (size_t)(p - key), v, st, kb);
		p = kb ? q + 2 : q;
	}
}

bool klog_parse_killed(const char *msg, struct klog_killed *out)
{
	const char *p, *end = trim_end(msg), *close;
	long long uid;

	memset(out, 0, sizeof(*out));
	out->total_vm_kb = out->anon_rss_kb = out->file_rss_kb = out->shmem_rss_kb = -1;
	out->pgtables_kb = -1;
	out->uid = -1;
	p = skip_oom_message(msg, &out->memcg, &out->allocating_task);
	out->bare = !p;
	p = skip(p ? p : msg, "Killed process ");
	if (!p || !parse_int_range(&p, 0, INT_MAX, &out->pid))
		return false;
	/* RHEL 6 (2.6.32-*.el6): "Killed process %d, UID %d, (%s) total-vm:" */
	if (skip(p, ", UID ")) {
		p += strlen(", UID ");
		if (parse_num(&p, &uid) != NUM_OK || !skip(p, ", ("))
			return false;
		out->uid = uid >= 0 && uid <= INT_MAX ? (int)uid : -1;
		p += 1;
	}
	if (!(p = skip(p, " (")))
		return false;
	close = rfind_in(p, end, ") total-vm:");
	if (!close) {
		/* 2.6.x printed no counters; anything else is a cut line. */
		if (end <= p || end[-1] != ')')
			return false;
		close = end - 1;
	}
	copy_n(out->comm, sizeof(out->comm), p, (size_t)(close - p));
	killed_counters(close + 1, end, out);
	return true;
}

bool klog_parse_kill_select(const char *msg, struct klog_kill_select *out)
{
	const char *p, *close, *q;
	enum num st;

	memset(out, 0, sizeof(*out));
	p = skip_oom_message(msg, &out->memcg, &out->allocating_task);
	if (!p || !(p = skip(p, "Kill process ")) || !parse_int_range(&p, 0, INT_MAX, &out->pid) ||
	    !(p = skip(p, " (")) || !(close = rfind_in(p, trim_end(msg), ") score ")))
		return false;
	copy_n(out->comm, sizeof(out->comm), p, (size_t)(close - p));
	q = close + strlen(") score ");
	st = parse_num(&q, &out->score);
	if (st == NUM_OVERFLOW)
		out->score = -1;
	return st != NUM_NONE && skip(q, " or sacrifice child");
}

bool klog_parse_reaped(const char *msg, struct klog_reaped *out)
{
	const char *p = skip(msg, "oom_reaper: reaped process "), *close;

	memset(out, 0, sizeof(*out));
	if (!p || !parse_int_range(&p, 0, INT_MAX, &out->pid) || !(p = skip(p, " (")))
		return false;
	close = rfind_in(p, trim_end(msg), "), now ");
	if (!close)
		return false;
	copy_n(out->comm, sizeof(out->comm), p, (size_t)(close - p));
	return true;
}

bool klog_parse_reap_failed(const char *msg, struct klog_reaped *out)
{
	const char *p = skip(msg, "oom_reaper: unable to reap pid:"), *end = trim_end(msg);

	memset(out, 0, sizeof(*out));
	if (!p || !parse_int_range(&p, 0, INT_MAX, &out->pid) || !(p = skip(p, " (")) ||
	    end <= p || end[-1] != ')')
		return false;
	copy_n(out->comm, sizeof(out->comm), p, (size_t)(end - 1 - p));
	return true;
}

bool klog_parse_panic(const char *msg, char *reason, size_t len)
{
	const char *p = skip(msg, "Kernel panic - not syncing: ");

	if (!p)
		return false;
	if (reason && len)
		copy_n(reason, len, p, (size_t)(trim_end(p) - p));
	return true;
}

/* ---------- mm/util.c ---------- */

/* The end of __vm_enough_memory()'s line, by version (mm/util.c):
 *   6.0 - 6.2 (44b414c8715c): "..., comm: %s, no enough memory for the allocation"
 *   6.3 - 6.7 (6bdfc60cf0f9): "..., comm: %s, not enough memory for the allocation"
 *   6.8+:                     "..., comm: %s, bytes: %lu not enough memory for the allocation"
 * Sets *comm_end; *bytes is -1 when absent or too large. */
static bool parse_vm_tail(const char *comm, const char *end, const char **comm_end,
			  long long *bytes)
{
	const char *t = ends_with(comm, end, " enough memory for the allocation"), *c, *q;

	*bytes = -1;
	if (!t)
		return false;
	if ((c = ends_with(comm, t, ", not")) || (c = ends_with(comm, t, ", no"))) {
		*comm_end = c;
		return true;
	}
	if (!(t = ends_with(comm, t, " not")) || !(c = rfind_in(comm, t, ", bytes: ")))
		return false;
	q = c + strlen(", bytes: ");
	if (*q == '-' || parse_num(&q, bytes) == NUM_NONE || q != t)
		return false;
	*comm_end = c;
	return true;
}

bool klog_parse_vm_enough(const char *msg, struct klog_vm_enough *out)
{
	const char *p = skip(msg, "__vm_enough_memory: pid: "), *comm, *comm_end;
	long long bytes = -1;

	memset(out, 0, sizeof(*out));
	out->bytes = -1;
	if (!p || !parse_int_range(&p, 0, INT_MAX, &out->pid) || !(comm = skip(p, ", comm: ")))
		return false;
	if (!parse_vm_tail(comm, trim_end(msg), &comm_end, &bytes))
		return false;
	copy_n(out->comm, sizeof(out->comm), comm, (size_t)(comm_end - comm));
	out->bytes = bytes;
	return true;
}

/* ---------- mm/page_alloc.c ---------- */

bool klog_parse_alloc_fail(const char *msg, struct klog_alloc_fail *out)
{
	static const char mark[] = ": page allocation failure";
	const char *m = strstr(msg, mark), *p;

	memset(out, 0, sizeof(*out));
	if (!m || m == msg)
		return false;
	copy_n(out->comm, sizeof(out->comm), msg, (size_t)(m - msg));
	p = m + strlen(mark);
	/* ": order:" since 3.1 (warn_alloc_failed), ". order:" in 2.6.32 */
	if (!(p = skip(p, ": order:")) && !(p = skip(m + strlen(mark), ". order:")))
		return false;
	if (!parse_int_range(&p, 0, ORDER_MAX, &out->order) || !(p = skip(p, ", mode:")))
		return false;
	return parse_gfp(&p, out->gfp_mask, sizeof(out->gfp_mask)) &&
	       parse_gfp_flags(&p, out->gfp_flags, sizeof(out->gfp_flags));
}

/* ---------- mm/memcontrol.c ---------- */

bool klog_parse_memcg_task(const char *msg, struct klog_memcg_task *out)
{
	static const char mid[] = " killed as a result of limit of ";
	const char *p = skip(msg, "Task in "), *m, *end = trim_end(msg);

	memset(out, 0, sizeof(*out));
	if (!p || !(m = find_in(p, end, mid)) || m == p || m + strlen(mid) >= end)
		return false;
	copy_n(out->task_memcg, sizeof(out->task_memcg), p, (size_t)(m - p));
	p = m + strlen(mid);
	copy_n(out->oom_memcg, sizeof(out->oom_memcg), p, (size_t)(end - p));
	return true;
}

static bool parse_kb(const char **p, const char *after, long long *out)
{
	return parse_num(p, out) == NUM_OK && *out >= 0 && (*p = skip(*p, after)) != NULL;
}

bool klog_parse_memcg_usage(const char *msg, struct klog_memcg_usage *out)
{
	static const char *const counters[] = { "memory", "memory+swap", "swap", "kmem" };
	const char *m = strstr(msg, ": usage "), *p;
	bool known = false;

	memset(out, 0, sizeof(*out));
	if (!m)
		return false;
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		known |= (size_t)(m - msg) == strlen(counters[i]) &&
			 !strncmp(msg, counters[i], (size_t)(m - msg));
	if (!known)
		return false;
	copy_n(out->counter, sizeof(out->counter), msg, (size_t)(m - msg));
	p = m + strlen(": usage ");
	if (!parse_kb(&p, "kB, limit ", &out->usage_kb) ||
	    !parse_kb(&p, "kB, failcnt ", &out->limit_kb))
		return false;
	return parse_num(&p, &out->failcnt) == NUM_OK && out->failcnt >= 0;
}

bool klog_parse_oom_group(const char *msg, char *memcg, size_t len)
{
	const char *p = skip(msg, "Tasks in "), *t;

	t = p ? ends_with(p, trim_end(msg), " are going to be killed due to memory.oom.group set") : NULL;
	if (!t || t == p)
		return false;
	if (memcg && len)
		copy_n(memcg, len, p, (size_t)(t - p));
	return true;
}
