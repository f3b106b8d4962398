/* path.h - the canonical names of the kernel memory-failure paths.
 *
 * A path is what the kernel did with a workload's memory request.  The
 * classifier (verdict.h) observes one, a scenario declares the one it
 * expects.  Later issues append to the list; the names are a public
 * contract (results.json, JUnit), never renamed.
 */
#ifndef OOMLAB_PATH_H
#define OOMLAB_PATH_H

#include <stdbool.h>

enum oom_path {
	PATH_UNKNOWN = 0,      /* the evidence fits no known path */
	PATH_NO_FAILURE,       /* the request was granted, nothing was killed */
	PATH_HEURISTIC_REJECT, /* mode 0: __vm_enough_memory refused one request */
	PATH_COMMIT_REJECT,    /* mode 2: the request would pass CommitLimit */
	PATH_GLOBAL_OOM_KILL,  /* out_of_memory() for the whole machine killed a task */
	PATH_MEMCG_OOM_KILL,   /* a memory cgroup at its limit killed a task */
	PATH_OOM_PANIC,        /* panic_on_oom turned the OOM into a panic */
	PATH_ALLOCATING_TASK_KILL, /* oom_kill_allocating_task: the allocating task was killed */
	PATH_OOM_GROUP_KILL,   /* memory.oom.group: the whole cgroup was killed */
	PATH_MEMCG_HIGH_THROTTLE, /* memory.high: throttled and reclaimed, nothing killed */
	PATH_NO_KILLABLE_PANIC, /* a global OOM found no killable task and panicked */
	PATH_COSTLY_ORDER_FAIL, /* an allocation (or memcg charge) of order > 3 failed
	                         * without the OOM killer */
	PATH_INJECTED_FAULT,   /* a fault injected in user space (libfiu, fiu=) failed the
	                        * request; the kernel refused nothing */
	PATH_COUNT
};

const char *path_name(enum oom_path p);
/* Returns false for an unknown name. */
bool path_from_name(const char *name, enum oom_path *out);
/* One-line description for the README table and `oomlab list`. */
const char *path_describe(enum oom_path p);

#endif
