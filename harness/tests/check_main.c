/* check_main.c - runs every unit-test suite (Check), prints its summary. */
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "suites.h"

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
		suite_qmp, suite_resume, suite_vm_watch, suite_run,
		suite_trace, suite_costly, suite_costly_oracle,
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
