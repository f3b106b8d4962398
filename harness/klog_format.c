/* klog_format.c - klog_unrecognised() and struct klog_unrec of klog.h:
 * kernel log lines that look like memory-failure messages but that none of
 * the klog_parse_* parsers accepts, i.e. a change of the kernel's format
 * that the classifier would silently miss.
 *
 * The keywords are the fixed parts of the printk formats cited in klog.c
 * (mm/oom_kill.c, mm/memcontrol.c, mm/util.c, mm/page_alloc.c), matched
 * anywhere in the message so that a changed prefix or tail still hits.
 */
#include "klog.h"

#include <string.h>

static const char *const keywords[] = {
	"invoked oom-killer",          /* mm/oom_kill.c dump_header() */
	"oom-kill:",                   /* dump_oom_summary() */
	"Out of memory",               /* __oom_kill_process(), check_panic_on_oom() */
	"Killed process",              /* __oom_kill_process() */
	"Kill process",                /* oom_kill_process() before 5.1 */
	"Memory cgroup out of memory", /* mm/memcontrol.c mem_cgroup_out_of_memory() */
	"__vm_enough_memory:",         /* mm/util.c __vm_enough_memory() */
	"page allocation failure",     /* mm/page_alloc.c warn_alloc() */
	"oom_reaper:",                 /* oom_reap_task_mm(), oom_reap_task() */
	"memory.oom.group",            /* mem_cgroup_print_oom_group() */
};

bool klog_looks_like_oom(const char *msg)
{
	for (size_t i = 0; msg && i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strstr(msg, keywords[i]))
			return true;
	return false;
}

/* Lines the classifier knows but takes no field from: mm/oom_kill.c
 * out_of_memory() prints this when it found no victim (then panics with
 * "System is deadlocked on memory" unless sysrq or memcg: klog_parse_panic). */
static bool known_fixed(const char *msg)
{
	static const char no_victim[] = "Out of memory and no killable processes...";
	size_t n = sizeof(no_victim) - 1;

	return !strncmp(msg, no_victim, n) && strspn(msg + n, " \t\r\n") == strlen(msg + n);
}

static bool parsed(const char *msg)
{
	union {
		struct klog_invoked inv;
		struct klog_oom_summary sum;
		struct klog_killed kill;
		struct klog_vm_enough enough;
		struct klog_reaped reaped;
		struct klog_alloc_fail af;
		struct klog_kill_select sel;
		struct klog_memcg_task task;
		struct klog_memcg_usage usage;
		char text[KLOG_TEXT_MAX];
	} u;

	return known_fixed(msg) || klog_parse_invoked(msg, &u.inv) || klog_parse_oom_summary(msg, &u.sum) ||
	       klog_parse_killed(msg, &u.kill) || klog_parse_vm_enough(msg, &u.enough) ||
	       klog_parse_reaped(msg, &u.reaped) || klog_parse_reap_failed(msg, &u.reaped) ||
	       klog_parse_alloc_fail(msg, &u.af) || klog_parse_kill_select(msg, &u.sel) ||
	       klog_parse_memcg_task(msg, &u.task) || klog_parse_memcg_usage(msg, &u.usage) ||
	       klog_parse_oom_group(msg, u.text, sizeof(u.text)) ||
	       klog_parse_panic(msg, u.text, sizeof(u.text));
}

bool klog_unrecognised(const char *msg)
{
	return msg && klog_looks_like_oom(msg) && !parsed(msg);
}

void klog_unrec_note(struct klog_unrec *u, const char *msg)
{
	size_t i = 0;

	if (!klog_unrecognised(msg))
		return;
	if (u->n++)
		return;
	/* The first one, sanitized: control bytes and bytes >= 0x7f (the text
	 * is untrusted and may be cut mid-character) become '?'. */
	for (; msg[i] && msg[i] != '\r' && msg[i] != '\n' && i < sizeof(u->first) - 1; i++) {
		unsigned char c = (unsigned char)msg[i];

		u->first[i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	u->first[i] = '\0';
}
