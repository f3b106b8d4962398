/* test_plan.c - selection and the guest plan document. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "plan.h"
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

static size_t select_n(char **sel, size_t n, struct buf *err)
{
	struct plan p;
	size_t got;

	if (plan_select(&cfg, sel, n, &p, err) < 0)
		return (size_t)-1;
	got = p.n;
	plan_free(&p);
	return got;
}

START_TEST(selectors)
{
	struct buf err = BUF_INIT;
	char *def[] = { NULL }, *tag[] = { "tag:other" }, *at[] = { "@smoke" };
	char *glob[] = { "s*", "first" }, *vm[] = { "vm:ti*" }, *none[] = { "nope" };

	ck_assert_uint_eq(select_n(def, 0, &err), 1);   /* tag:default */
	ck_assert_uint_eq(select_n(tag, 1, &err), 1);
	ck_assert_uint_eq(select_n(at, 1, &err), 1);
	ck_assert_uint_eq(select_n(glob, 2, &err), 2);   /* each once */
	ck_assert_uint_eq(select_n(vm, 1, &err), 2);
	ck_assert_uint_eq(err.len, 0);
	ck_assert_uint_eq(select_n(none, 1, &err), (size_t)-1);
	ck_assert_ptr_nonnull(strstr(err.s, "no scenario matches 'nope'"));
	ck_assert_ptr_nonnull(strstr(err.s, "known scenarios: first second"));
	buf_release(&err);
}
END_TEST

START_TEST(guest_plan_document)
{
	struct buf err = BUF_INIT, out = BUF_INIT;
	char *sel[] = { "first" }, *mods[] = { "virtio.ko", "virtio_blk.ko" };
	const char *names[4];
	struct plan p;
	json_object *root, *v, *step;

	ck_assert_int_eq(plan_select(&cfg, sel, 1, &p, &err), 0);
	ck_assert_uint_eq(plan_modules(&p.items[0], names, 4), 2);
	ck_assert_str_eq(names[1], "virtio_blk");
	plan_guest_json(&p.items[0], mods, 2, &out);
	root = json_tokener_parse(out.s);
	ck_assert_ptr_nonnull(root);
	ck_assert(json_object_object_get_ex(root, "scenario", &v));
	ck_assert_str_eq(json_object_get_string(v), "first");
	ck_assert(json_object_object_get_ex(root, "modules", &v));
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v, 1)), "virtio_blk.ko");
	ck_assert(json_object_object_get_ex(root, "sysctl", &v));
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(
				 json_object_array_get_idx(v, 1), 1)), "80");
	ck_assert(json_object_object_get_ex(root, "swap", &v));
	ck_assert(json_object_object_get_ex(v, "device", &v));
	ck_assert_str_eq(json_object_get_string(v), "/dev/vda");
	ck_assert(json_object_object_get_ex(root, "memcg", &v));
	ck_assert_int_eq(json_object_array_length(v), 2);
	ck_assert(json_object_object_get_ex(root, "steps", &v));
	step = json_object_array_get_idx(v, 0);
	ck_assert(json_object_object_get_ex(step, "timeout_s", &v));
	ck_assert_int_eq(json_object_get_int(v), 30);
	ck_assert(json_object_object_get_ex(step, "argv", &v));
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v, 2)), "touch=1");
	json_object_put(root);
	plan_free(&p);
	buf_release(&out);
	buf_release(&err);
}
END_TEST

START_TEST(shards_partition)
{
	struct buf err = BUF_INIT;
	char *sel[] = { "*" };
	size_t total = 0;
	unsigned k, n;

	for (unsigned i = 1; i <= 3; i++) {
		struct plan p;

		ck_assert_int_eq(plan_select(&cfg, sel, 1, &p, &err), 0);
		plan_shard(&p, i, 3);
		total += p.n;
		plan_free(&p);
	}
	ck_assert_uint_eq(total, 2); /* every scenario in exactly one shard */
	ck_assert_int_eq(plan_parse_shard("2/4", &k, &n, &err), 0);
	ck_assert(k == 2 && n == 4);
	ck_assert_int_eq(plan_parse_shard("5/4", &k, &n, &err), -1);
	ck_assert_int_eq(plan_parse_shard("1/2x", &k, &n, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.s, "write K/N"));
	setenv("SLURM_ARRAY_TASK_ID", "7", 1);
	setenv("SLURM_ARRAY_TASK_MIN", "5", 1);
	setenv("SLURM_ARRAY_TASK_COUNT", "4", 1);
	ck_assert_int_eq(plan_shard_from_env(&k, &n, &err), 1);
	ck_assert(k == 3 && n == 4);
	setenv("CI_NODE_INDEX", "9", 1);
	setenv("CI_NODE_TOTAL", "4", 1);
	ck_assert_int_eq(plan_shard_from_env(&k, &n, &err), -1);
	unsetenv("CI_NODE_INDEX");
	unsetenv("CI_NODE_TOTAL");
	unsetenv("SLURM_ARRAY_TASK_ID");
	unsetenv("SLURM_ARRAY_TASK_MIN");
	unsetenv("SLURM_ARRAY_TASK_COUNT");
	ck_assert_int_eq(plan_shard_from_env(&k, &n, &err), 0);
	buf_release(&err);
}
END_TEST

Suite *suite_plan(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("plan");

	tcase_add_checked_fixture(tc, load, unload);
	tcase_add_test(tc, selectors);
	tcase_add_test(tc, guest_plan_document);
	tcase_add_test(tc, shards_partition);
	suite_add_tcase(s, tc);
	return s;
}
