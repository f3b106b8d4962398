/* incident_int.h - shared between the incident_*.c files; not an interface. */
#ifndef OOMLAB_INCIDENT_INT_H
#define OOMLAB_INCIDENT_INT_H

#include "incident.h"

/* Numbers of a report are at most this (2^53: a cgroup's "max" in kB,
 * 9007199254740988, is just below), pages at most INC_PAGE_KB_MAX kB: so
 * the sums and products of the explanation cannot overflow. */
#define INC_NUM_MAX (1ULL << 53)
#define INC_PAGE_KB_MAX 256LL
/* v clamped to [-INC_NUM_MAX, INC_NUM_MAX]; INC_NONE stays. */
long long inc_cap(long long v);

/* ---- incident_lines.c: lines of the report body ---- */

enum inc_col {
	C_UID, C_TGID, C_TOTAL_VM, C_RSS, C_RSS_ANON, C_RSS_FILE, C_RSS_SHMEM, C_NR_PTES,
	C_NR_PMDS, C_PGTABLES, C_SWAPENTS, C_OOM_ADJ, C_ADJ, C_CPU, C_UNKNOWN,
};
#define INC_MAX_COLS 20

/* The columns of a task table, from its header line. */
struct inc_layout {
	int ncols;                    /* numeric columns between "[pid]" and the name */
	unsigned char col[INC_MAX_COLS];
	unsigned mask;                /* INC_COL_* */
};

/* A decimal with an optional '-' at *p; *p moves past it.  False on no
 * digits or a magnitude above INC_NUM_MAX. */
bool inc_num(const char **p, long long *out);
const char *inc_skip_ws(const char *p);

/* "CPU: 1 PID: 116 Comm: x Not tainted 6.11.0 #15", "CPU: 1 UID: 0 PID: ..."
 * and 2.6.32's "Pid: 4917, comm: x Not tainted 2.6.32-279.el6 #1": copies
 * the release; *pid is the PID (INC_NONE if absent). */
bool inc_cpu_line(const char *msg, char *ver, size_t len, long long *pid);
/* "Linux version 6.1.0-56-amd64 (...)" */
bool inc_linux_version(const char *msg, char *ver, size_t len);
bool inc_task_header(const char *msg, struct inc_layout *lay);
bool inc_task_row(const char *msg, const struct inc_layout *lay, struct incident_task *t);
/* "active_anon:1 inactive_anon:0 ..." (Mem-Info, pages): true if every
 * token of the line is KEY:DIGITS. */
bool inc_meminfo_line(const char *msg, struct incident_meminfo *m);
/* "[Node N ]ZONE free:12kB min:..." and "[Node N ]ZONE: 1*4kB (M) ... = 32kB";
 * *node, name: which zone.  The zone struct is filled, not cleared. */
bool inc_zone_line(const char *msg, int *node, char *name, size_t len, struct incident_zone *z);
bool inc_buddy_line(const char *msg, int *node, char *name, size_t len, struct incident_zone *z);
/* "lowmem_reserve[]: 0 1895 7890 0 0" */
bool inc_reserve_line(const char *msg, struct incident_zone *z);
/* "N WORDS" (e.g. "2097022 pages RAM"): the count before suffix, which must
 * end the message. */
bool inc_count_line(const char *msg, const char *suffix, long long *v);
/* "PREFIX NkB" (e.g. "Free swap  = 0kB") */
bool inc_kb_line(const char *msg, const char *prefix, long long *kb);
/* "Memory cgroup stats for /a/b:" (6.x) or "... /a/b: cache:64KB ..." (3.x) */
bool inc_memcg_stats(const char *msg, char *path, size_t len);
/* A zone, lowmem_reserve[], buddy or counter line ("N pages RAM", "Total
 * swap = NkB", ...) into e: the first of each counter counts.  *zone is
 * the index of the last zone line, for the lowmem_reserve[] line after it. */
bool inc_body_counts(struct incident_event *e, const char *t, long *zone);

/* ---- incident_gfp.c ---- */

/* The zone the mask asks for at most (gfp_zone(), include/linux/gfp.h):
 * "DMA", "DMA32", "Normal", "HighMem" or "Movable"; the zone bits are the
 * same in every version. */
const char *inc_gfp_zone(unsigned long long mask);
/* Bits the explanation looks at, for kernel kver: 0 when the layout has no
 * such flag.  name is without the underscores: "NORETRY", "FS", ... */
unsigned long long inc_gfp_bit(int kver, const char *name);
/* Parse "0x..." (or "0"). */
bool inc_gfp_value(const char *s, unsigned long long *mask);

/* ---- incident_explain.c ---- */

/* "23.5 MiB" */
void inc_add_size(struct buf *b, long long kb);
/* The kernel version of the event, or a lower bound from the formats of
 * its lines (nr_ptes, oom_adj, ...); 0 when nothing tells. */
int inc_event_kver(const struct incident_event *e);
long long inc_page_kb(const struct incident_event *e);
/* The sentence of incident_summary(). */
void inc_sentence(const struct incident_event *e, struct buf *b);
/* The explanation paragraphs. */
void inc_explain(const struct incident_event *e, struct buf *b);
void inc_explain_zones(const struct incident_event *e, int kver, struct buf *b);
void inc_explain_victim(const struct incident_event *e, struct buf *b);
void inc_explain_memory(const struct incident_event *e, struct buf *b);

/* ---- incident_svg.c ---- */

/* The charts of an event for the HTML page (<div class="charts"> of inline
 * SVG): RAM by use, the memory picture (or the memory cgroup's limits) with
 * the victim's share, and the tasks that held the most memory. */
void inc_svg_charts(const struct incident_event *e, struct buf *b);

#endif
