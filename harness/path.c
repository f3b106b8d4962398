/* path.c - see path.h */
#include "path.h"

#include <string.h>

static const struct {
	const char *name;
	const char *what;
} paths[PATH_COUNT] = {
	[PATH_UNKNOWN] = { "unknown", "the evidence fits no known path" },
	[PATH_NO_FAILURE] = { "no_failure", "the request was granted and nothing was killed" },
	[PATH_HEURISTIC_REJECT] = { "heuristic_reject",
		"overcommit mode 0 refused a single request larger than RAM + swap" },
	[PATH_COMMIT_REJECT] = { "commit_reject",
		"overcommit mode 2 refused a request that would pass CommitLimit" },
	[PATH_GLOBAL_OOM_KILL] = { "global_oom_kill",
		"the global OOM killer killed a task" },
	[PATH_MEMCG_OOM_KILL] = { "memcg_oom_kill",
		"a memory cgroup's OOM killer killed a task in that cgroup" },
	[PATH_OOM_PANIC] = { "oom_panic", "panic_on_oom turned an OOM into a kernel panic" },
	[PATH_ALLOCATING_TASK_KILL] = { "allocating_task_kill",
		"oom_kill_allocating_task: the task that asked for memory was killed" },
	[PATH_OOM_GROUP_KILL] = { "oom_group_kill",
		"memory.oom.group: every task of the cgroup was killed together" },
	[PATH_MEMCG_HIGH_THROTTLE] = { "memcg_high_throttle",
		"memory.high: the cgroup was throttled and reclaimed, nothing was killed" },
	[PATH_NO_KILLABLE_PANIC] = { "no_killable_panic",
		"a global OOM found no task it could kill and panicked" },
	[PATH_COSTLY_ORDER_FAIL] = { "costly_order_fail",
		"a kernel allocation or memcg charge of order > 3 (PAGE_ALLOC_COSTLY_ORDER) "
		"failed without the OOM killer" },
	[PATH_INJECTED_FAULT] = { "injected_fault",
		"a fault injected in user space (libfiu's POSIX preload, fiu=) failed the request; "
		"the kernel refused nothing" },
};

const char *path_name(enum oom_path p)
{
	return (unsigned)p < PATH_COUNT ? paths[p].name : "unknown";
}

const char *path_describe(enum oom_path p)
{
	return (unsigned)p < PATH_COUNT ? paths[p].what : "";
}

bool path_from_name(const char *name, enum oom_path *out)
{
	for (unsigned i = 0; i < PATH_COUNT; i++) {
		if (!strcmp(paths[i].name, name)) {
			*out = (enum oom_path)i;
			return true;
		}
	}
	return false;
}
