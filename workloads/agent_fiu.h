/* agent_fiu.h - a step under libfiu's POSIX preload (the fiu= option,
 * harness/fiuspec.h): the agent takes the fiu= arguments out of the
 * workload's argv, runs the dynamically linked stressors
 * (FIU_GUEST_BINARY; stress-ng as it is) with the environment fiu-run -x
 * sets, and records which points were enabled (the step's "fiu"). */
#ifndef OOMLAB_AGENT_FIU_H
#define OOMLAB_AGENT_FIU_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "fiuspec.h"

#define FIU_ENABLE_MAX (FIU_MAX_POINTS * 128)

struct step_fiu {
	size_t n;
	struct fiu_point p[FIU_MAX_POINTS];
	char enable[FIU_ENABLE_MAX];    /* FIU_ENABLE: one command a line */
	/* The child's environment (built before fork: the child only execs). */
	char env_enable[FIU_ENABLE_MAX + 16];
	char *envp[4];
};

/* One fiu= argument into f; false with the reason in err. */
bool fiu_take(struct step_fiu *f, const char *arg, char *err, size_t errlen);
/* After the arguments: the environment (envp NULL-terminated).  Without
 * points envp is empty. */
void fiu_env(struct step_fiu *f);
/* The step record's "fiu" object, or NULL without points. */
json_object *fiu_json(const struct step_fiu *f, const char *binary);

#endif
