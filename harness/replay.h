/* replay.h - `oomlab replay FILE`: turn an OOM event of a kernel log into a
 * scenario, run it in a guest, and say whether the guest's OOM matched
 * (issue 7, second half).
 *
 *   replay_derive()   the report's event -> VM, settings, process set, trigger
 *   replay_write()    -> DIR/NAME.ini and DIR/scenarios/replay.ini (editable)
 *   replay_compare()  the report's event vs the guest's first OOM report:
 *                     kind, constraint, order class, victim (by name and rank)
 *   cmd_replay()      the command: derive, save, run (`oomlab run` as a child
 *                     process), parse the guest console, compare
 *
 * The derivation is explained line by line in replay_scenario.notes, so the
 * user sees which proportions were kept and which could not be.
 */
#ifndef OOMLAB_REPLAY_H
#define OOMLAB_REPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "incident.h"
#include "path.h"
#include "settings.h"

#define REPLAY_MAX_MEMBERS 4      /* the top tasks of the report that are mimicked */
#define REPLAY_COMM_MAX 16        /* TASK_COMM_LEN (include/linux/sched.h) */
#define REPLAY_RAM_MIN (256ULL << 20)
#define REPLAY_RAM_MAX (512ULL << 20)
#define REPLAY_SWAP_MAX_RATIO 2   /* guest swap at most this many times its RAM */
#define REPLAY_UNITS 4096         /* sysrq member sizes are in units of ram/4096 */
#define REPLAY_LIMIT_MAX 18446744073709551615ULL   /* a memcg file's "max" */

/* One member of the process set: a task of the report's table. */
struct replay_member {
	char name[REPLAY_COMM_MAX];       /* its comm, as names= passes it */
	long long pid;                    /* in the report; INC_NONE if it has none */
	long long footprint_kb;           /* rss + swap in the report */
	int adj;                          /* oom_score_adj */
	int rank;                         /* by footprint in the report's table, 1-based; 0: no table */
	bool hog;                         /* page-fault trigger: touches size; else a sleeper */
	long long units;                  /* sysrq trigger: its size in units of ram/REPLAY_UNITS */
};

enum replay_trigger { REPLAY_FAULT, REPLAY_SYSRQ };

enum replay_order {
	REPLAY_ORDER_UNKNOWN,             /* the report does not say */
	REPLAY_ORDER_MANUAL,              /* sysrq f: order -1 (0 before Linux 4.6) */
	REPLAY_ORDER_0,
	REPLAY_ORDER_1_3,                 /* up to PAGE_ALLOC_COSTLY_ORDER */
	REPLAY_ORDER_COSTLY,              /* above it */
};
const char *replay_order_name(enum replay_order o);
/* The order class of an event (a sysrq OOM is REPLAY_ORDER_MANUAL whatever
 * order it printed). */
enum replay_order replay_order_of(const struct incident_event *e);
/* The constraint of an event: as printed, else the one its kind implies
 * ("CONSTRAINT_MEMCG" for a memcg OOM, else "CONSTRAINT_NONE"); *implied
 * (may be NULL) says which. */
const char *replay_constraint_of(const struct incident_event *e, bool *implied);
/* True for the kinds replay reproduces: the OOM killer's (not
 * page_alloc_failure, not an unknown kind). */
bool replay_kind_ok(enum incident_kind k);

/* What the host can give one guest. */
struct replay_budget {
	unsigned long long max_ram;       /* REPLAY_RAM_MIN to REPLAY_RAM_MAX */
};
/* From the host's MemAvailable: a guest may take at most a third of it. */
void replay_budget_host(struct replay_budget *b);

struct replay_scenario {
	char name[OOM_NAME_MAX];          /* "replay-<stem>": vmconfig and scenario */
	size_t event;                     /* index into the report's events */
	enum incident_kind kind;
	char constraint[32];              /* printed or implied */
	enum replay_order order;
	long long report_order;
	bool order_reproduced;            /* false: the replay's order differs */
	/* the VM */
	unsigned long long ram, swap;     /* bytes; swap on zram, 0: none */
	unsigned long long memcg_max, memcg_swap_max;  /* bytes, REPLAY_LIMIT_MAX: max */
	bool memcg, memcg_swap_set, oom_group;
	int overcommit_memory, panic_on_oom, oom_kill_allocating_task;  /* -1: not set */
	/* the process set, in the report's order of footprint */
	struct replay_member m[REPLAY_MAX_MEMBERS];
	size_t n, nhogs, ntasks;          /* ntasks: rows of the report's table */
	int victim;                       /* member index of the report's victim, -1: none */
	int fam[REPLAY_MAX_MEMBERS];      /* member index at each place of the run's lists
					     (hogs first, then sleepers: hog's order) */
	enum replay_trigger trigger;
	enum oom_path expect;
	char run[768];                    /* the scenario's run line */
	char summary[160];                /* one line: what the report shows */
	struct buf notes;                 /* one line per choice, "  " indented */
};

/* Derive a scenario from event ev of r (ev < 0: the first OOM event).
 * stem names it ("replay-" + stem, cut and cleaned to a valid name).
 * Returns 0, or -1 with the reason in err (no OOM event, an event that is
 * not an OOM). */
int replay_derive(const struct incident_report *r, long ev, const char *stem,
		  const struct replay_budget *b, struct replay_scenario *out, struct buf *err);
void replay_scenario_free(struct replay_scenario *s);
/* The derivation for people: summary, VM, settings, process set, trigger. */
void replay_describe(const struct replay_scenario *s, struct buf *out);

/* Write dir/NAME.ini and dir/scenarios/replay.ini (creating the
 * directories); source names the log in the files' comments.  0 or -1. */
int replay_write(const struct replay_scenario *s, const char *dir, const char *source,
		 struct buf *err);
/* The two files' text, for tests. */
void replay_vmconfig_ini(const struct replay_scenario *s, const char *source, struct buf *out);
void replay_scenario_ini(const struct replay_scenario *s, const char *source, struct buf *out);

enum replay_aspect { REPLAY_KIND, REPLAY_CONSTRAINT, REPLAY_ORDER, REPLAY_VICTIM, REPLAY_ASPECTS };

struct replay_check {
	bool compared;                    /* false: the report does not say */
	bool matched;
	char report[160], replay[160];
	char why[256];                    /* why not matched, or what was not compared */
};

struct replay_result {
	bool have_event;                  /* the guest had an OOM report */
	size_t replay_event;              /* its index in the guest's log */
	struct replay_check c[REPLAY_ASPECTS];
};

/* Compare the report's event (rep, which s was derived from) with the
 * first OOM event of the guest's log. */
void replay_compare(const struct incident_event *rep, const struct replay_scenario *s,
		    const struct incident_report *guest, struct replay_result *out);
/* All compared aspects matched (and there was a guest OOM). */
bool replay_matched(const struct replay_result *res);
void replay_result_print(const struct replay_result *res, struct buf *out);

/* ---- shared by the replay*.c files (and their tests) ---- */

/* Append "  TEXT\n" to s->notes. */
void replay_note(struct replay_scenario *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "23.5 MiB" */
void replay_add_kb(struct buf *b, long long kb);
/* The report's page size in kB (its buddy lines say), else 4. */
long long replay_page_kb(const struct incident_event *e);
/* kB from a report: INC_NONE and negatives 0, at most 2^50. */
long long replay_cap_kb(long long kb);
/* replay_members.c: the process set (members, hogs or sysrq sizes, fam)
 * for an event whose VM, memcg and trigger are derived. */
void replay_members(const struct incident_event *e, struct replay_scenario *s);
/* replay_members.c: s->run from the process set and the trigger. */
void replay_run_line(struct replay_scenario *s);

/* `oomlab replay FILE [options]`: argv[0] is "replay".  Returns the exit
 * status: 0 everything matched, 1 something did not, 2 an error. */
int cmd_replay(int argc, char **argv);

#endif
