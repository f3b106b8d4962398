/* test_predict_fiu.c - the oracle's view of fiu= scenarios (predict.c): a
 * fault point that always fires decides the path before the kernel is
 * asked; one that may not fire leaves the kernel's prediction. */
#include <stdio.h>
#include <string.h>

#include "predict.h"
#include "suites.h"

static void predict_run(char **run, size_t nrun, struct oracle_prediction *out)
{
	struct scenario sc = { .run = run, .nrun = nrun };
	struct vmconfig vm = { .memory_bytes = 256ull << 20, .cpus = 1 };
	struct oracle_facts f = { .kernel_major = 6, .kernel_minor = 1, .nr_cpus = 1,
				  .mem_total_kb = 210000, .mem_free_kb = 180000 };
	struct buf err = BUF_INIT;

	snprintf(sc.name, sizeof(sc.name), "fiu-test");
	ck_assert_int_eq(predict_scenario(&sc, &vm, &f, NULL, out, &err), 0);
	buf_release(&err);
}

START_TEST(certain_point_is_injected)
{
	char *run[] = { "mmap", "size=16M", "fiu=posix/mm/mmap" };
	struct oracle_prediction out;

	predict_run(run, 3, &out);
	ck_assert_int_eq(out.path, PATH_INJECTED_FAULT);
	ck_assert_ptr_nonnull(strstr(out.why, "fiu=posix/mm/mmap:1"));
}
END_TEST

START_TEST(uncertain_point_is_the_kernels)
{
	char *run[] = { "mmap", "size=16M", "fiu=posix/mm/mmap:0.5" };
	char *never[] = { "mmap", "size=16M", "fiu=posix/mm/mmap:0" };
	struct oracle_prediction out;

	predict_run(run, 3, &out);
	ck_assert_int_ne(out.path, PATH_INJECTED_FAULT);
	predict_run(never, 3, &out);
	ck_assert_int_eq(out.path, PATH_NO_FAILURE); /* 16 MiB of 256 MiB, mode 0 */
}
END_TEST

Suite *suite_predict_fiu(void)
{
	Suite *s = suite_create("predict_fiu");
	TCase *t = tcase_create("predict_fiu");

	tcase_add_test(t, certain_point_is_injected);
	tcase_add_test(t, uncertain_point_is_the_kernels);
	suite_add_tcase(s, t);
	return s;
}
