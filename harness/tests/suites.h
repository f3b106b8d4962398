/* suites.h - the Check suites of the unit tests, one per harness module.
 * Declared weak so that the runner links while a module's tests are absent;
 * check_main.c runs every suite that exists. */
#ifndef OOMLAB_TEST_SUITES_H
#define OOMLAB_TEST_SUITES_H

#include <check.h>
#include <sys/types.h>

#define SUITE_DECL(name) Suite *name(void) __attribute__((weak))
SUITE_DECL(suite_buf);
SUITE_DECL(suite_sizeexpr);
SUITE_DECL(suite_settings);
SUITE_DECL(suite_plan);
SUITE_DECL(suite_klog);
SUITE_DECL(suite_evidence);
SUITE_DECL(suite_verdict);
SUITE_DECL(suite_report);
SUITE_DECL(suite_initramfs);
SUITE_DECL(suite_kernel);
SUITE_DECL(suite_vm);
SUITE_DECL(suite_spawn);
SUITE_DECL(suite_diff);
SUITE_DECL(suite_assess);
SUITE_DECL(suite_report_ci);
SUITE_DECL(suite_incident);
SUITE_DECL(suite_oracle);
SUITE_DECL(suite_trace);
SUITE_DECL(suite_costly);
SUITE_DECL(suite_costly_oracle);
SUITE_DECL(suite_replay);
SUITE_DECL(suite_run);
SUITE_DECL(suite_qmp);
SUITE_DECL(suite_resume);
SUITE_DECL(suite_vm_watch);
SUITE_DECL(suite_snapshot);
SUITE_DECL(suite_predict_fiu);
SUITE_DECL(suite_merge);
SUITE_DECL(suite_fiu);
SUITE_DECL(suite_fiu_classify);
SUITE_DECL(suite_report_repeat);
SUITE_DECL(suite_kfeatures);
SUITE_DECL(suite_kernel_build);
SUITE_DECL(suite_stats);
SUITE_DECL(suite_bench);
SUITE_DECL(suite_klog_format);

/* Read a fixture (relative to harness/tests, the runner's cwd) or fail the
 * test.  Returns a NUL-terminated malloc'ed buffer; *len may be NULL. */
char *fixture(const char *path, size_t *len);
/* Write text to dir/rel (parent directories made) with mode; remove a
 * temporary tree. */
void tmp_put(const char *dir, const char *rel, const char *text, mode_t mode);
void tmp_rm_tree(const char *dir);
/* The OOM reports every incident test reads (fixtures/...): the shared
 * incidents and real VM consoles. */
extern const char *const incident_test_logs[];
extern const size_t incident_test_nlogs;
/* Load fixtures/config/good into cfg or fail the test. */
struct oom_config;
void test_config_good(struct oom_config *cfg);

#endif
