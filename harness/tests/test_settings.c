/* test_settings.c - the vmconfig and scenario parser. */
#include <string.h>

#include "kfeatures.h"
#include "settings.h"
#include "suites.h"

START_TEST(good_config_parses)
{
	struct oom_config cfg;
	struct buf err = BUF_INIT;
	const struct vmconfig *vm;
	const struct scenario *sc;

	ck_assert_msg(config_load("fixtures/config/good", &cfg, &err) == 0, "%s", err.s);
	ck_assert_uint_eq(cfg.nvm, 1);
	ck_assert_uint_eq(cfg.nsc, 2);
	vm = config_vm(&cfg, "tiny");
	ck_assert_ptr_nonnull(vm);
	ck_assert_uint_eq(vm->memory_bytes, 512ULL << 20);
	ck_assert_uint_eq(vm->cpus, 2);
	ck_assert_int_eq(vm->swap, SWAP_DISK);
	ck_assert_uint_eq(vm->swap_bytes, 1ULL << 30);
	ck_assert_str_eq(vm->append, "quiet");
	ck_assert_str_eq(kv_get(&vm->sysctl, "vm.overcommit_ratio"), "80");
	ck_assert_uint_eq(vm->sysctl.v[1].line, 9);
	ck_assert_str_eq(kv_get(&vm->memcg, "memory.oom.group"), "1");
	sc = config_scenario(&cfg, "first");
	ck_assert_ptr_nonnull(sc);
	ck_assert_uint_eq(sc->line, 1);
	ck_assert_uint_eq(sc->nrun, 3);
	ck_assert_str_eq(sc->run[1], "size=(commit_limit-committed_as)/2");
	ck_assert_int_eq(sc->expect, PATH_NO_FAILURE);
	ck_assert_uint_eq(sc->timeout_s, 30);
	ck_assert(scenario_has_tag(sc, "smoke"));
	ck_assert(!scenario_has_tag(sc, "other"));
	ck_assert_uint_eq(config_scenario(&cfg, "second")->line, 8);
	ck_assert_uint_eq(sc->needs, 0);
	ck_assert_uint_eq(config_scenario(&cfg, "second")->needs,
			  (1u << FEAT_KPROBES) | (1u << FEAT_SYSRQ));
	config_free(&cfg);
	buf_release(&err);
}
END_TEST

static void expect_error(const char *errors, const char *needle)
{
	ck_assert_msg(strstr(errors, needle), "missing error '%s' in:\n%s", needle, errors);
}

START_TEST(bad_config_names_file_line_field)
{
	struct oom_config cfg;
	struct buf err = BUF_INIT;

	ck_assert_int_eq(config_load("fixtures/config/bad", &cfg, &err), -1);
	expect_error(err.s, "bad/small.ini:2: memory: '12Q' is not a guest RAM size");
	expect_error(err.s, "bad/small.ini:3: swap: 'zram' is not a swap setting; write none, 'zram SIZE'");
	expect_error(err.s, "bad/small.ini:4: cpus: '0'");
	expect_error(err.s, "bad/small.ini:5: [vm] colour: unknown key; allowed: description, memory");
	expect_error(err.s, "bad/small.ini:9: [sysctl] vm.overcommit_memory: set twice");
	expect_error(err.s, "bad/small.ini:10: [sysctl] 'not a sysctl': not a sysctl name");
	expect_error(err.s, "bad/small.ini:13: [memcg] memory.max: 'lots' is not allowed; write a size");
	expect_error(err.s, "bad/small.ini:14: [memcg] memory.oom.group: '2' is not allowed; write 0 or 1");
	expect_error(err.s, "bad/small.ini:15: [memcg] memory.pressure: not a memory cgroup file");
	expect_error(err.s, "scenarios/bad.ini:4: run: 'frobnicate' is not a workload; known: mmap, hog");
	expect_error(err.s, "scenarios/bad.ini:9: run: argument 'size=ram+bogus'");
	expect_error(err.s, "scenarios/bad.ini:15: expect: 'exploded' is not a path; known: no_failure");
	expect_error(err.s, "scenarios/bad.ini:12: [bad-path] vmconfig: no vmconfig 'nosuchvm'");
	expect_error(err.s, "scenarios/bad.ini:17: [missing-keys]: no vmconfig");
	expect_error(err.s, "scenarios/bad.ini:17: [missing-keys]: no run");
	expect_error(err.s, "scenarios/bad.ini:23: needs: 'warp_drive' is not a kernel feature; "
		     "known: memcg, cpuset, swap, zram, virtio_blk, numa");
	expect_error(err.s, "scenarios/bad.ini:28: needs: empty; write feature names");
	config_free(&cfg);
	buf_release(&err);
}
END_TEST

START_TEST(shipped_config_is_valid)
{
	struct oom_config cfg;
	struct buf err = BUF_INIT;
	size_t positive[PATH_COUNT] = { 0 };

	ck_assert_msg(config_load("../../vmconfigs", &cfg, &err) == 0, "%s", err.s);
	ck_assert_uint_ge(cfg.nvm, 4);
	ck_assert_uint_ge(cfg.nsc, 10);
	for (size_t i = 0; i < cfg.nsc; i++)
		positive[cfg.sc[i].expect]++;
	/* Every basic path has a scenario; no_failure serves as the controls. */
	for (unsigned p = PATH_NO_FAILURE; p <= PATH_MEMCG_OOM_KILL; p++)
		ck_assert_msg(positive[p] > 0, "no scenario expects %s", path_name(p));
	config_free(&cfg);
	buf_release(&err);
}
END_TEST

START_TEST(sizes)
{
	unsigned long long v;

	ck_assert(parse_size("64M", &v) && v == 64ULL << 20);
	ck_assert(parse_size("4096", &v) && v == 4096);
	ck_assert(parse_size("1g", &v) && v == 1ULL << 30);
	ck_assert(!parse_size("", &v));
	ck_assert(!parse_size("-1M", &v));
	ck_assert(!parse_size("12MB", &v));
	ck_assert(!parse_size("99999999999999999999", &v));
	ck_assert(!parse_size("17179869184T", &v));
}
END_TEST

START_TEST(matrix_expands)
{
	struct oom_config cfg;
	struct buf err = BUF_INIT;
	const struct vmconfig *vm;
	const struct scenario *sc;
	size_t pw = 0;

	ck_assert_msg(config_load("fixtures/config/matrix", &cfg, &err) == 0, "%s", err.s);
	/* mx: 2 x 2 vmconfigs, 2 runs each; axes ordered by `axes`. */
	vm = config_vm(&cfg, "mx-m2-zram");
	ck_assert_ptr_nonnull(vm);
	ck_assert_str_eq(kv_get(&vm->sysctl, "vm.overcommit_memory"), "2");
	ck_assert_str_eq(kv_get(&vm->sysctl, "vm.overcommit_ratio"), "80");
	ck_assert_str_eq(kv_get(&vm->sysctl, "vm.panic_on_oom"), "0"); /* from the base */
	ck_assert_str_eq(kv_get(&vm->memcg, "memory.max"), "32M");
	ck_assert_int_eq(vm->swap, SWAP_ZRAM);
	ck_assert_uint_eq(vm->swap_bytes, 64ULL << 20);
	ck_assert_str_eq(kv_get(&config_vm(&cfg, "mx-m0-none")->sysctl, "vm.overcommit_memory"), "0");
	ck_assert_ptr_null(config_vm(&cfg, "mx-none-m0"));
	sc = config_scenario(&cfg, "mx-m2-zram-over");
	ck_assert_ptr_nonnull(sc);
	ck_assert_str_eq(sc->vmconfig, "mx-m2-zram");
	ck_assert_int_eq(sc->expect, PATH_UNKNOWN);
	ck_assert(scenario_has_tag(sc, "default") && scenario_has_tag(sc, "smoke"));
	ck_assert(scenario_has_tag(sc, "matrix:mx"));
	ck_assert_int_eq(config_scenario(&cfg, "mx-m0-none-under")->expect, PATH_NO_FAILURE);
	/* pw: 3 axes of 3 values = 27 combinations; all pairs need at least 9. */
	for (size_t i = 0; i < cfg.nvm; i++)
		pw += !strncmp(cfg.vm[i].name, "pw-", 3);
	ck_assert_uint_ge(pw, 9);
	ck_assert_uint_lt(pw, 27);
	ck_assert_uint_eq(cfg.nsc, 8 + pw);
	config_free(&cfg);
	buf_release(&err);
}
END_TEST

Suite *suite_settings(void)
{
	Suite *s = suite_create("settings");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, good_config_parses);
	tcase_add_test(tc, bad_config_names_file_line_field);
	tcase_add_test(tc, shipped_config_is_valid);
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, matrix_expands);
	suite_add_tcase(s, tc);
	return s;
}
