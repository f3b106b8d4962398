/* check_main.c - runs every unit-test suite (Check), prints its summary. */
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "settings.h"
#include "suites.h"

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)f;
	return type == FTW_DP ? rmdir(p) : unlink(p);
}

void tmp_rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void tmp_put(const char *dir, const char *rel, const char *text, mode_t mode)
{
	char path[PATH_MAX], *s;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (s = strchr(path + strlen(dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

const char *const incident_test_logs[] = {
	"incidents/aks-5.15-memcg-v2-oom-group.log", "incidents/aks-5.15-memcg-v2-syslog-npd.log",
	"incidents/aws-6.8-dmesg-T-global-oom.log", "incidents/centos6-2.6.32-global-oom-slab-leak.log",
	"incidents/centos7-3.10-docker-memcg-v1-headless.log",
	"incidents/mips-3.4-panic-on-oom-compulsory.log", "incidents/qemu-6.11-global-stress-ng.log",
	"incidents/rhel7-3.10-docker-memcg-dump-tasks.log", "incidents/rhel7-3.10-docker-memcg-no-dump.log",
	"incidents/rhel7-3.10-sysrq-manual.log", "incidents/syzkaller-4.20-interleaved-oom-header-panic.log",
	"incidents/ubuntu-5.4-sysrq-manual-oom.log", "incidents/syzkaller-5.12-rcu-stall-negative.log",
	"vm/6.1/global-oom.console.log", "vm/6.1/memcg-oom.console.log",
	"vm/6.12/global-oom.console.log", "vm/6.12/memcg-oom.console.log",
};
const size_t incident_test_nlogs = sizeof(incident_test_logs) / sizeof(incident_test_logs[0]);

void test_config_good(struct oom_config *cfg)
{
	struct buf err = BUF_INIT;

	ck_assert_msg(config_load("fixtures/config/good", cfg, &err) == 0, "%s", err.s);
	buf_release(&err);
}

char *fixture(const char *path, size_t *len)
{
	struct buf b = BUF_INIT;

	if (buf_read_file(&b, path, 64u << 20, NULL) < 0) {
		ck_abort_msg("cannot read fixture %s", path);
		return NULL;
	}
	if (len)
		*len = b.len;
	return buf_detach(&b);
}

int main(void)
{
	Suite *(*const all[])(void) = {
		suite_buf, suite_sizeexpr, suite_settings, suite_plan, suite_klog,
		suite_evidence, suite_verdict, suite_report, suite_initramfs,
		suite_kernel, suite_vm, suite_spawn, suite_diff, suite_assess, suite_report_ci,
		suite_incident,
		suite_oracle,
		suite_replay,
		suite_qmp, suite_resume, suite_vm_watch, suite_snapshot, suite_predict_fiu, suite_run,
		suite_trace, suite_costly, suite_costly_oracle,
		suite_merge,
		suite_fiu, suite_fiu_classify,
		suite_report_repeat,
		suite_kfeatures,
		suite_kernel_build,
		suite_stats, suite_bench, suite_klog_format,
	};
	SRunner *sr = srunner_create(NULL);
	int failed;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i])
			srunner_add_suite(sr, all[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
