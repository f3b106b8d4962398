/* test_assess.c - evidence + prediction + verdict together: the oracle's
 * expectation, a declared one that disagrees, settings drift. */
#include <string.h>

#include "assess.h"
#include "suites.h"

static struct oom_config cfg;

static void load(void)
{
	struct buf err = BUF_INIT;

	ck_assert_msg(config_load("fixtures/config/good", &cfg, &err) == 0, "%s", err.s);
	buf_release(&err);
}

static void unload(void)
{
	config_free(&cfg);
}

/* A mode-2 guest (ratio 80, memcg 64M) that refused a 200 MiB mmap. */
#define HELLO "{\"t\":\"hello\",\"v\":1,\"release\":\"6.1.0-56-amd64\",\"uptime_ms\":1}\n"
#define FACTS(mode, max) \
	"{\"t\":\"facts\",\"meminfo\":{\"MemTotal\":471000,\"MemFree\":400000,\"SwapTotal\":0," \
	"\"Committed_AS\":3000,\"CommitLimit\":376800},\"effective\":{\"vm.overcommit_memory\":\"" mode \
	"\",\"vm.overcommit_ratio\":\"80\",\"memory.max\":\"" max "\",\"memory.oom.group\":\"1\"},\"nr_cpus\":2}\n"
#define STEP \
	"{\"t\":\"step\",\"phase\":\"begin\",\"i\":0,\"argv\":[\"mmap\",\"size=524288000\"]," \
	"\"exprs\":{\"size=(commit_limit-committed_as)/2\":524288000},\"before\":{\"Committed_AS\":3000,\"oom_kill\":0}}\n" \
	"{\"t\":\"wl\",\"i\":0,\"data\":{\"op\":\"mmap\",\"bytes\":524288000,\"ok\":false,\"errno\":12}}\n" \
	"{\"t\":\"step\",\"phase\":\"end\",\"i\":0,\"exit\":1,\"signal\":null,\"after\":{\"oom_kill\":0}}\n" \
	"{\"t\":\"done\",\"steps\":1}\n"

static void run_assess(const char *records, const char *scenario, struct result *res)
{
	struct evidence ev;
	struct plan_item it = { config_scenario(&cfg, scenario), NULL };

	ck_assert_ptr_nonnull(it.sc);
	it.vm = config_vm(&cfg, it.sc->vmconfig);
	memset(res, 0, sizeof(*res));
	observed_init(&res->obs);
	evidence_init(&ev);
	evidence_parse_records(&ev, records, strlen(records));
	assess(&it, &ev, NULL, res);
	evidence_free(&ev);
}

START_TEST(oracle_disagrees_with_declared)
{
	struct result res;

	/* "first" declares no_failure; 500 MiB is past the ratio-80 headroom. */
	run_assess(HELLO FACTS("2", "67108864") STEP, "first", &res);
	ck_assert(res.oracle.present);
	ck_assert_int_eq(res.oracle.path, PATH_COMMIT_REJECT);
	ck_assert(res.oracle.margin_kb < 0);
	ck_assert_int_eq(res.declared, PATH_NO_FAILURE);
	ck_assert(res.oracle_disagrees);
	ck_assert_int_eq(res.obs.path, PATH_COMMIT_REJECT);
	ck_assert_int_eq(res.verdict, VERDICT_FAIL); /* judged against the declared path */
	observed_free(&res.obs);
}
END_TEST

START_TEST(drift_is_a_fail_with_its_cause)
{
	struct result res;

	/* The guest ran mode 0 although mode 2 was declared. */
	run_assess(HELLO FACTS("0", "67108864") STEP, "first", &res);
	ck_assert_int_eq(res.verdict, VERDICT_FAIL);
	ck_assert_msg(strstr(res.reason, "vm.overcommit_memory declared 2, the guest had 0"), "%s",
		      res.reason);
	observed_free(&res.obs);
	/* memory.max 64M declared, 32M effective. */
	run_assess(HELLO FACTS("2", "33554432") STEP, "first", &res);
	ck_assert_msg(strstr(res.reason, "memory.max declared 64M, the guest had 33554432"), "%s",
		      res.reason);
	observed_free(&res.obs);
}
END_TEST

Suite *suite_assess(void)
{
	Suite *s = suite_create("assess");
	TCase *tc = tcase_create("assess");

	tcase_add_checked_fixture(tc, load, unload);
	tcase_add_test(tc, oracle_disagrees_with_declared);
	tcase_add_test(tc, drift_is_a_fail_with_its_cause);
	suite_add_tcase(s, tc);
	return s;
}
