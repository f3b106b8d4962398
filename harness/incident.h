/* incident.h - kernel OOM reports in a customer's log: facts and explanations
 * (`oomlab klog parse FILE [--json]`, issue 7).
 *
 * incident_parse() reads dmesg, dmesg -T, journalctl -k and syslog text
 * (prefixes stripped by klog_kernel_msg(); lines of other programs are
 * ignored, so a daemon quoting a kernel line never counts), with or without
 * timestamps, with continuation lines that carry no stamp, and with noise in
 * between.  It yields one event per OOM invocation ("invoked oom-killer") or
 * allocation failure ("page allocation failure"), in order, and also for a
 * report whose header was cut off (it starts at "Task in ...", "memory:
 * usage", "oom-kill:", a kill line or an OOM panic).  Formats from 2.6.32
 * (RHEL 6) and 3.10 to 6.x; see incident_parse.c and incident_lines.c.
 *
 * Input is untrusted: lines longer than INC_LINE_MAX are skipped (no kernel
 * line is that long), strings are bounded and sanitised (valid UTF-8, no
 * control characters), and the numbers of events, kill lines and task rows
 * are capped (the *_cut flags say when a cap was hit).
 *
 * A number the report does not give is INC_NONE (null in JSON); a string it
 * does not give is "" (null in JSON).
 */
#ifndef OOMLAB_INCIDENT_H
#define OOMLAB_INCIDENT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "klog.h"

#define INC_NONE LLONG_MIN

#define INC_LINE_MAX (8u << 10)       /* longer lines are skipped */
#define INC_MAX_EVENTS 4096
#define INC_MAX_KILLS 16              /* kill lines kept per event (oom.group) */
#define INC_MAX_TASKS 65536           /* task-table rows kept per event */
#define INC_MAX_TASKS_TOTAL 262144    /* ... and per report */
#define INC_MAX_ZONES 16
#define INC_MAX_ORDERS 16             /* buddy-list orders kept per zone */
#define INC_MAX_RESERVE 8             /* lowmem_reserve[] entries kept */
#define INC_FILE_MAX (256u << 20)     /* incident_cli() reads at most this */

enum incident_kind {
	INC_KIND_UNKNOWN,             /* only part of the report survived: null */
	INC_GLOBAL_OOM,
	INC_MEMCG_OOM,
	INC_SYSRQ_OOM,
	INC_ALLOCATING_TASK_OOM,
	INC_OOM_PANIC,
	INC_PAGE_ALLOC_FAILURE,
	INC_NO_KILLABLE,
};

/* "global_oom", ...; NULL for INC_KIND_UNKNOWN. */
const char *incident_kind_name(enum incident_kind k);

/* Columns a task table printed (the header line names them). */
enum {
	INC_COL_TGID = 1u << 0,
	INC_COL_RSS_SPLIT = 1u << 1,  /* rss_anon rss_file rss_shmem (6.x) */
	INC_COL_NR_PTES = 1u << 2,    /* nr_ptes (before 4.15) */
	INC_COL_NR_PMDS = 1u << 3,
	INC_COL_PGTABLES = 1u << 4,   /* pgtables_bytes (4.15+) */
	INC_COL_SWAPENTS = 1u << 5,
	INC_COL_OOM_ADJ = 1u << 6,    /* cpu, oom_adj: 2.6.32 - 3.x */
	INC_COL_CPU = 1u << 7,
	INC_COL_ADJ = 1u << 8,        /* oom_score_adj */
};

/* One row of the task table; memory values in pages as printed
 * (pgtables_bytes in bytes), INC_NONE for a column the table lacks. */
struct incident_task {
	long long pid, uid, tgid, total_vm, rss, rss_anon, rss_file, rss_shmem;
	long long nr_ptes, nr_pmds, pgtables_bytes, swapents, oom_adj, oom_score_adj;
	char name[KLOG_COMM_MAX];
};

/* A zone of the Mem-Info block: its watermark line and its buddy line. */
struct incident_zone {
	int node;                     /* -1 when printed without "Node N" */
	char name[16];                /* "DMA", "DMA32", "Normal", "HighMem", "Movable" */
	long long free_kb, min_kb, low_kb, high_kb, present_kb, managed_kb;
	long long reserve[INC_MAX_RESERVE]; /* lowmem_reserve[] (pages) */
	int nreserve;
	long long nr_free[INC_MAX_ORDERS];  /* free blocks per order (buddy line) */
	int norders;                  /* 0: no buddy line */
	long long page_kb;            /* size of an order-0 block, from the buddy line */
};

/* A kill line ("Killed process N (comm) total-vm:..."). */
struct incident_kill {
	long long pid, uid, oom_score_adj;
	long long total_vm_kb, anon_rss_kb, file_rss_kb, shmem_rss_kb, pgtables_kb;
	char comm[KLOG_COMM_MAX];
	bool memcg;                   /* "Memory cgroup out of memory:" */
};

/* The global counters of Mem-Info (pages). */
struct incident_meminfo {
	long long active_anon, inactive_anon, active_file, inactive_file, unevictable;
	long long slab_reclaimable, slab_unreclaimable, shmem, mapped, pagetables, free;
};

struct incident_event {
	enum incident_kind kind;
	size_t first_line, last_line;           /* 1-based lines of the input */
	char kernel_version[64];                /* "6.1.0-56-amd64" */
	char invoker_comm[KLOG_COMM_MAX];
	long long invoker_pid;
	char gfp_mask[32];                      /* "0x140dca" */
	char gfp_flags[KLOG_TEXT_MAX];          /* as printed */
	long long order, invoker_oom_score_adj;
	char constraint[32];                    /* "CONSTRAINT_MEMCG" */
	char memcg[KLOG_TEXT_MAX];              /* the cgroup whose limit was hit */
	char task_memcg[KLOG_TEXT_MAX];
	long long memcg_usage_kb, memcg_limit_kb, memcg_failcnt;
	long long memsw_usage_kb, memsw_limit_kb, memsw_failcnt;  /* v1 "memory+swap:" */
	long long memcg_swap_usage_kb, memcg_swap_limit_kb;       /* v2 "swap:" */
	bool have_victim;
	struct incident_kill victim;            /* the first kill line */
	long long victim_score;                 /* "score N" (before 5.1) */
	long long select_pid;                   /* "Kill process N ..." (before 5.1) */
	size_t nkills;                          /* kill lines, the victim's included */
	struct incident_kill kills[INC_MAX_KILLS];
	char group_memcg[KLOG_TEXT_MAX];        /* memory.oom.group */
	long long ram_pages, reserved_pages, swap_total_kb, swap_free_kb;
	long long pagecache_pages, swapcache_pages;
	struct incident_meminfo mem;
	bool have_meminfo;
	struct incident_zone zones[INC_MAX_ZONES];
	size_t nzones;
	struct incident_task *tasks;
	size_t ntasks, tasks_alloc;
	unsigned task_cols;                     /* INC_COL_* */
	bool tasks_cut;
	int reaped;                             /* -1 not said, 0 unable to reap, 1 reaped */
	char panic_reason[KLOG_TEXT_MAX];
	/* evidence for the kind */
	bool sysrq, no_killable, allocating_task, memcg_report, global_report;
	bool alloc_failure;
};

struct incident_report {
	struct incident_event *ev;
	size_t n, alloc;
	char kernel_version[64];                /* the first the log names */
	size_t lines, long_lines, tasks_total;
	bool events_cut;
};

/* Parse text[0..len) (NULs allowed).  out is overwritten; free it with
 * incident_free().  Returns 0 (every input parses, possibly to no event). */
int incident_parse(const char *text, size_t len, struct incident_report *out);
void incident_free(struct incident_report *r);

/* {"events": [...]}: per event the keys of issue 7 (kind, kernel_version,
 * invoker_comm, gfp_mask, gfp_flags, order, invoker_oom_score_adj,
 * constraint, memcg, memcg_usage_kb, memcg_limit_kb, memcg_failcnt, victim
 * {pid, comm, total_vm_kb, anon_rss_kb, file_rss_kb, shmem_rss_kb,
 * oom_score_adj, score}, ram_pages, swap_total_kb, swap_free_kb, tasks
 * [{pid, uid, total_vm, rss, swapents, oom_score_adj, name}], reaped), null
 * where the report does not say.  Appends to out, pretty-printed. */
void incident_json(const struct incident_report *r, struct buf *out);

/* The plain-text summary: per event one sentence ("memcg OOM in /x: limit
 * 100 MiB, usage 99 MiB, killed stress (pid 14728, 23.5 MiB anon)"), then the
 * explanation: GFP mask decoded for the kernel version, the zones and why the
 * allocation failed, why this victim (badness recomputed, runner-up), and
 * the memory picture. */
void incident_summary(const struct incident_report *r, struct buf *out);

/* A self-contained HTML page (incident_html.c, incident_svg.c): per event
 * the sentence and explanation of incident_summary(), charts of the memory
 * picture as inline SVG, and the task table, sortable by a click on a
 * header (inline JS).  No external resource: a Content-Security-Policy
 * forbids every fetch and admits only the page's own <style> and <script>
 * (a random nonce).  All text of the log is HTML-escaped; none goes into
 * the script or the style.  Sizes are bounded: at most INC_HTML_MAX_EVENTS
 * events, INC_HTML_MAX_ROWS task rows per event and INC_HTML_MAX_ROWS_TOTAL
 * per page (the rows with the most rss + swap, the killed tasks always
 * among them); the page says what it left out.  source names the input
 * (escaped; "-" reads as "stdin").  Appends to out. */
#define INC_HTML_MAX_EVENTS 200
#define INC_HTML_MAX_ROWS 2000
#define INC_HTML_MAX_ROWS_TOTAL 20000
#define INC_HTML_CHART_TASKS 12       /* tasks in the "who held memory" chart */
void incident_html(const struct incident_report *r, const char *source, struct buf *out);

/* `oomlab klog parse FILE [--json | --html [OUT]]`: argv[0] is the command
 * word ("parse"), FILE may be "-" for stdin; the page goes to OUT (written
 * atomically; "-" or none: stdout).  Returns the exit status: 0 parsed
 * (whether or not it held OOM events), 2 usage or I/O error. */
int incident_cli(int argc, char **argv);

/* ---- the pieces of the explanation, for tests and for replay ---- */

/* "6.1.0-56-amd64" -> 60100 (major*10000 + minor*100 + patch, patch capped
 * at 99); 0 when s does not start with "N.N". */
int incident_kver(const char *s);

/* Decode a GFP mask with the ___GFP_* bit values of kernel kver (0:
 * unknown, see incident_gfp.c), in the order and with the names the kernel's
 * %pGg prints; bits the layout does not name are appended as "0x...".
 * Appends to out; returns the layout used ("4.15 - 5.0"). */
const char *incident_gfp_decode(unsigned long long mask, int kver, struct buf *out);
/* The newest layout whose decoding of mask equals the printed names: its
 * first version (20632 for the oldest layout), or 0 when none does. */
int incident_gfp_match(unsigned long long mask, const char *printed);

/* The OOM killer's choice recomputed from the task table (mm/oom_kill.c
 * oom_badness() of the event's kernel version): the best three candidates. */
struct incident_badness {
	size_t task;                  /* index into ev->tasks */
	long long points, rss, swapents, pgtables, adj_points;
};
struct incident_rank {
	size_t n;                     /* candidates ranked (0: no table) */
	struct incident_badness best[3];
	long long totalpages;         /* RAM + swap, or the memcg's limit (pages) */
	const char *formula;          /* which oom_badness() */
	bool swapents_known, totalpages_guessed;
	bool clamp;                   /* that oom_badness() returns at least 1 */
};
void incident_rank(const struct incident_event *e, struct incident_rank *out);
/* The badness of one task of the table, with the totalpages and formula of
 * r (from incident_rank() of the same event); false (and out zeroed) for a
 * task with oom_score_adj -1000, which is never chosen. */
bool incident_task_badness(const struct incident_event *e, const struct incident_rank *r, size_t task,
			   struct incident_badness *out);

#endif
