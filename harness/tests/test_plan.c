/* test_plan.c - selection and the guest plan document. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "plan.h"
#include "suites.h"

static struct oom_config cfg;

static void load(void)
{
	test_config_good(&cfg);
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

/* --repeat: each scenario N times in a row, "NAME@k", copies of the
 * scenario that point at the same vmconfig. */
START_TEST(repeat_items)
{
	struct buf err = BUF_INIT;
	char *sel[] = { "*" };
	struct plan p;

	ck_assert_int_eq(plan_select(&cfg, sel, 1, &p, &err), 0);
	ck_assert_int_eq(plan_repeat(&p, 1, &err), 0);      /* once: unchanged */
	ck_assert_uint_eq(p.n, 2);
	ck_assert_str_eq(p.items[1].sc->name, "second");
	ck_assert_int_eq(plan_repeat(&p, 3, &err), 0);
	ck_assert_uint_eq(p.n, 6);
	ck_assert_str_eq(p.items[0].sc->name, "first@1");
	ck_assert_str_eq(p.items[2].sc->name, "first@3");
	ck_assert_str_eq(p.items[3].sc->name, "second@1");
	ck_assert_str_eq(p.items[5].sc->name, "second@3");
	ck_assert_ptr_eq(p.items[4].vm, config_vm(&cfg, "tiny"));
	ck_assert_str_eq(p.items[4].sc->run[0], "hog");     /* the scenario's own run */
	ck_assert_int_eq(p.items[4].sc->expect, PATH_MEMCG_OOM_KILL);
	ck_assert_uint_eq(err.len, 0);
	ck_assert_int_eq(plan_repeat(&p, 2, &err), -1);      /* not twice */
	ck_assert_ptr_nonnull(strstr(err.s, "repeated already"));
	ck_assert_uint_eq(p.n, 6);
	buf_reset(&err);
	plan_free(&p);
	ck_assert_int_eq(plan_select(&cfg, sel, 1, &p, &err), 0);
	ck_assert_int_eq(plan_repeat(&p, 0, &err), -1);
	ck_assert_int_eq(plan_repeat(&p, PLAN_REPEAT_MAX + 1, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.s, "--repeat 100: write a number from 1 to 99"));
	ck_assert_uint_eq(p.n, 2);
	plan_free(&p);
	buf_release(&err);
}
END_TEST

START_TEST(repeat_long_name)
{
	struct buf err = BUF_INIT;
	struct scenario sc = { .name = "" };
	struct plan_item it = { &sc, NULL };
	struct plan p = { .n = 1 };

	memset(sc.name, 'x', OOM_NAME_MAX - 1);
	sc.name[OOM_NAME_MAX - 1] = '\0';
	p.items = calloc(1, sizeof(*p.items));
	ck_assert_ptr_nonnull(p.items);
	p.items[0] = it;
	ck_assert_int_eq(plan_repeat(&p, 2, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.s, "too long to number its repetitions"));
	ck_assert_uint_eq(p.n, 1);
	sc.name[OOM_NAME_MAX - 4] = '\0';                   /* 59 characters fit "@99" */
	ck_assert_int_eq(plan_repeat(&p, 99, &err), 0);
	ck_assert_uint_eq(p.n, 99);
	ck_assert_uint_eq(strlen(p.items[98].sc->name), OOM_NAME_MAX - 1);
	plan_free(&p);
	buf_release(&err);
}
END_TEST

START_TEST(repeat_names)
{
	char *names[] = { "a@1", "a@2", "b@1", "b@2", "b@12" }, *plain[] = { "a", "b" };
	unsigned rep;

	ck_assert_uint_eq(plan_rep_split("first@3", &rep), 5);
	ck_assert_uint_eq(rep, 3);
	ck_assert_uint_eq(plan_rep_split("first", &rep), 5);
	ck_assert_uint_eq(rep, 0);
	ck_assert_uint_eq(plan_rep_split("first@0", &rep), 7);   /* no repetition 0 */
	ck_assert_uint_eq(rep, 0);
	ck_assert_uint_eq(plan_rep_split("first@x", &rep), 7);
	ck_assert_uint_eq(rep, 0);
	ck_assert_uint_eq(plan_rep_split("@3", &rep), 2);        /* no base name */
	ck_assert_uint_eq(rep, 0);
	ck_assert_uint_eq(plan_rep_split("a@100", &rep), 5);     /* past PLAN_REPEAT_MAX */
	ck_assert_uint_eq(rep, 0);
	ck_assert_uint_eq(plan_rep_split("a.b@12", &rep), 3);
	ck_assert_uint_eq(rep, 12);
	ck_assert_uint_eq(plan_repeat_of(names, 5), 12);
	ck_assert_uint_eq(plan_repeat_of(names, 4), 2);
	ck_assert_uint_eq(plan_repeat_of(plain, 2), 1);
	ck_assert_uint_eq(plan_repeat_of(NULL, 0), 1);
}
END_TEST

/* Every repetition of a scenario lands in the shard of the scenario. */
START_TEST(repeat_shards_together)
{
	struct buf err = BUF_INIT;
	struct oom_config real = { 0 };
	char *sel[] = { "*" };
	size_t total = 0, all;

	ck_assert_msg(config_load("../../vmconfigs", &real, &err) == 0, "%s", err.s);
	all = real.nsc;
	for (unsigned k = 1; k <= 4; k++) {
		struct plan p;

		ck_assert_int_eq(plan_select(&real, sel, 1, &p, &err), 0);
		ck_assert_int_eq(plan_repeat(&p, 3, &err), 0);
		plan_shard(&p, k, 4);
		ck_assert_uint_eq(p.n % 3, 0);
		for (size_t i = 0; i < p.n; i += 3) {
			unsigned r0, r2;
			size_t l0 = plan_rep_split(p.items[i].sc->name, &r0);
			size_t l2 = plan_rep_split(p.items[i + 2].sc->name, &r2);

			ck_assert(r0 == 1 && r2 == 3 && l0 == l2);
			ck_assert(!strncmp(p.items[i].sc->name, p.items[i + 2].sc->name, l0));
		}
		total += p.n;
		plan_free(&p);
	}
	ck_assert_uint_eq(total, 3 * all);
	config_free(&real);
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
	tcase_add_test(tc, repeat_items);
	tcase_add_test(tc, repeat_long_name);
	tcase_add_test(tc, repeat_names);
	tcase_add_test(tc, repeat_shards_together);
	suite_add_tcase(s, tc);
	return s;
}
