/* test_run_int.h - what test_run.c shares with test_run_faults.c: a run of
 * real configuration scenarios with fake-qemu.sh standing in for QEMU. */
#ifndef OOMLAB_TEST_RUN_INT_H
#define OOMLAB_TEST_RUN_INT_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include <check.h>

#include "kernel.h"
#include "plan.h"
#include "report.h"
#include "run.h"

struct rt {
	char dir[64];              /* private temp dir, removed by rt_teardown */
	char out[PATH_MAX], guest[PATH_MAX], log[PATH_MAX], qemu[PATH_MAX];
	struct oom_config cfg;
	struct plan plan;
	struct kernel k;
	struct run_opts o;
	struct result *res;
	size_t n;
	char err[512];             /* run_plan's error when it returned -1 */
};

/* sel from ../../vmconfigs; the fake guest plays fixtures/vm/6.1/FIXTURE.* */
void rt_setup(struct rt *t, const char *fixture, const char *const *sel, size_t nsel);
void rt_teardown(struct rt *t);
int rt_run(struct rt *t);
size_t rt_saved(const struct rt *t, struct result **r);
void rt_free_saved(struct result *r, size_t n);
bool rt_has_evidence(const struct result *r, const char *needle);
void rt_assert_clean(const struct rt *t);
size_t rt_started(const struct rt *t, pid_t *last);
void rt_wait_started(const struct rt *t, size_t count);
pid_t rt_pid_of(const struct rt *t, const char *scenario);

/* test_run_faults.c */
void run_fault_tcases(Suite *s);

#endif
