/* test_kfeatures.c - what scenarios need of the kernel (kfeatures.h): the
 * derivation from the shipped scenarios, the config reading on real config
 * fragments (Debian 6.1's, and the same with ZRAM and MEMCG disabled as
 * scripts/config --disable writes it), ci/kernel.config, the guest's
 * report, and the SKIP before boot that never starts QEMU. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assess.h"
#include "cleanup.h"
#include "evidence.h"
#include "kfeatures.h"
#include "settings.h"
#include "suites.h"
#include "test_run_int.h"

#define DEB "fixtures/kconfig/debian-6.1.fragment"
#define NOZRAM "fixtures/kconfig/debian-6.1-nozram-nomemcg.fragment"
#define B(f) (1u << (f))
#define TRACE (B(FEAT_TRACEFS) | B(FEAT_KPROBES) | B(FEAT_OOM_EVENTS) | B(FEAT_KMEM_EVENTS))

static feature_set needs_of(const struct oom_config *cfg, const char *name)
{
	const struct scenario *sc = config_scenario(cfg, name);

	ck_assert_msg(sc != NULL, "no scenario %s", name);
	return features_needed(sc, config_vm(cfg, sc->vmconfig));
}

START_TEST(derived_from_shipped_scenarios)
{
	struct oom_config cfg;
	struct buf err = BUF_INIT;

	ck_assert_msg(config_load("../../vmconfigs", &cfg, &err) == 0, "%s", err.s);
	ck_assert_uint_eq(needs_of(&cfg, "mode0-mmap-over-ram-swap"), 0);
	ck_assert_uint_eq(needs_of(&cfg, "global-oom-hog"), 0);
	ck_assert_uint_eq(needs_of(&cfg, "panic-on-oom-global"), 0);
	ck_assert_uint_eq(needs_of(&cfg, "memcg-oom-hog"), B(FEAT_MEMCG));
	ck_assert_uint_eq(needs_of(&cfg, "mode2-zram-mmap-over-commit-limit"),
			  B(FEAT_SWAP) | B(FEAT_ZRAM));
	ck_assert_uint_eq(needs_of(&cfg, "mode0-diskswap-mmap-over-ram"),
			  B(FEAT_SWAP) | B(FEAT_VIRTIO_BLK));
	ck_assert_uint_eq(needs_of(&cfg, "numa-cpuset-oom"), B(FEAT_NUMA) | B(FEAT_CPUSET));
	ck_assert_uint_eq(needs_of(&cfg, "numa-mbind-oom"), B(FEAT_NUMA));
	ck_assert_uint_eq(needs_of(&cfg, "hugetlb-commit-over"), B(FEAT_HUGETLB));
	ck_assert_uint_eq(needs_of(&cfg, "costly-pipe-order4-global"), TRACE);
	ck_assert_uint_eq(needs_of(&cfg, "costly-pipe-order4-memcg"), TRACE | B(FEAT_MEMCG));
	config_free(&cfg);
	buf_release(&err);
}
END_TEST

START_TEST(explicit_needs_add_to_derived)
{
	struct oom_config cfg;
	struct buf err = BUF_INIT;

	ck_assert_msg(config_load("fixtures/config/good", &cfg, &err) == 0, "%s", err.s);
	/* tiny: memory.max and disk swap; "second" says needs = kprobes sysrq */
	ck_assert_uint_eq(config_scenario(&cfg, "second")->needs, B(FEAT_KPROBES) | B(FEAT_SYSRQ));
	ck_assert_uint_eq(needs_of(&cfg, "second"), B(FEAT_KPROBES) | B(FEAT_SYSRQ) |
			  B(FEAT_MEMCG) | B(FEAT_SWAP) | B(FEAT_VIRTIO_BLK));
	ck_assert_uint_eq(needs_of(&cfg, "first"), B(FEAT_MEMCG) | B(FEAT_SWAP) | B(FEAT_VIRTIO_BLK));
	config_free(&cfg);
	buf_release(&err);
}
END_TEST

START_TEST(names_round_trip)
{
	enum feature f;
	struct buf b = BUF_INIT;

	for (unsigned i = 0; i < FEAT_COUNT; i++) {
		ck_assert(feature_from_name(feature_name((enum feature)i), &f));
		ck_assert_uint_eq(f, i);
	}
	ck_assert(!feature_from_name("warp_drive", &f));
	feature_names(&b);
	ck_assert_ptr_nonnull(strstr(b.s, "memcg, cpuset, swap, zram"));
	buf_release(&b);
}
END_TEST

static void value_is(const struct kconfig *kc, const char *sym, const char *want)
{
	char v[64];

	kconfig_value(kc, sym, v, sizeof(v));
	ck_assert_msg(!strcmp(v, want), "%s: '%s', want '%s'", sym, v, want);
}

START_TEST(config_values)
{
	struct kconfig kc;
	struct buf err = BUF_INIT;

	ck_assert_msg(kconfig_read(&kc, DEB, &err) == 0, "%s", err.s);
	value_is(&kc, "CONFIG_ZRAM", "m");
	value_is(&kc, "CONFIG_MEMCG", "y");
	value_is(&kc, "CONFIG_ZRAM_DEF_COMP", "\"lzo-rle\"");  /* not CONFIG_ZRAM's prefix */
	value_is(&kc, "CONFIG_ZRAM_DEF_COMP_ZSTD", "n");        /* "# ... is not set" */
	value_is(&kc, "CONFIG_ZRAM_DEF", "n");                  /* a prefix of others */
	value_is(&kc, "CONFIG_IKCONFIG", "n");                  /* absent */
	ck_assert_str_eq(kc.path, DEB);
	kconfig_free(&kc);
	ck_assert_msg(kconfig_read(&kc, NOZRAM, &err) == 0, "%s", err.s);
	value_is(&kc, "CONFIG_ZRAM", "n");
	value_is(&kc, "CONFIG_MEMCG", "n");
	value_is(&kc, "CONFIG_SWAP", "y");
	kconfig_free(&kc);
	ck_assert_int_eq(kconfig_read(&kc, "fixtures/kconfig/none", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.s, "kernel config fixtures/kconfig/none: No such file"));
	buf_release(&err);
}
END_TEST

static bool missing(const char *path, feature_set needs, bool mods, struct buf *why)
{
	struct kconfig kc;
	struct buf err = BUF_INIT;
	bool r;

	buf_reset(why);
	ck_assert_msg(kconfig_read(&kc, path, &err) == 0, "%s", err.s);
	r = features_config_missing(&kc, needs, mods, why);
	kconfig_free(&kc);
	buf_release(&err);
	return r;
}

START_TEST(config_missing_reasons)
{
	struct buf why = BUF_INIT;
	const feature_set all = (1u << FEAT_COUNT) - 1;

	ck_assert(!missing(DEB, all, true, &why));
	ck_assert_str_eq(why.s, "");
	/* =m will not do without modules */
	ck_assert(missing(DEB, B(FEAT_ZRAM), false, &why));
	ck_assert_str_eq(why.s, "needs zram (the zram block device): CONFIG_ZRAM=m in " DEB
			 " (a module) but the kernel has no modules: give --modules DIR (its "
			 "lib/modules/<release>) or the kernel's build directory");
	ck_assert(!missing(DEB, B(FEAT_MEMCG) | B(FEAT_NUMA) | TRACE, false, &why));
	ck_assert(missing(NOZRAM, B(FEAT_ZRAM) | B(FEAT_SWAP), true, &why));
	ck_assert_str_eq(why.s, "needs zram (the zram block device): CONFIG_ZRAM is not set in "
			 NOZRAM);
	ck_assert(missing(NOZRAM, B(FEAT_MEMCG), true, &why));
	ck_assert_str_eq(why.s, "needs memcg (the cgroup v2 memory controller): CONFIG_MEMCG is "
			 "not set in " NOZRAM);
	ck_assert(!missing(NOZRAM, B(FEAT_SWAP) | B(FEAT_VIRTIO_BLK) | TRACE, true, &why));
	ck_assert(!missing(NOZRAM, 0, true, &why));
	buf_release(&why);
}
END_TEST

/* The fragment the README tells users to merge: enough for every feature
 * without modules, and for the agent itself. */
START_TEST(ci_kernel_config_is_complete)
{
	static const char *const agent[] = {
		"CONFIG_BLK_DEV_INITRD", "CONFIG_DEVTMPFS", "CONFIG_PROC_FS", "CONFIG_SYSFS",
		"CONFIG_SERIAL_8250", "CONFIG_SERIAL_8250_CONSOLE", "CONFIG_PRINTK",
		"CONFIG_BINFMT_ELF", "CONFIG_MULTIUSER", "CONFIG_PROC_SYSCTL", "CONFIG_SYSVIPC",
		"CONFIG_UNIX", "CONFIG_PVH", "CONFIG_CGROUPS",
	};
	const char *path = "../../ci/kernel.config";
	struct buf why = BUF_INIT;
	struct kconfig kc;
	char v[16];

	ck_assert_msg(!missing(path, (1u << FEAT_COUNT) - 1, false, &why), "%s", why.s);
	ck_assert_int_eq(kconfig_read(&kc, path, &why), 0);
	for (size_t i = 0; i < ARRAY_SIZE(agent); i++) {
		kconfig_value(&kc, agent[i], v, sizeof(v));
		ck_assert_msg(!strcmp(v, "y"), "%s=%s in %s", agent[i], v, path);
	}
	/* ttyS0 console, ttyS1 records, ttyS2 the plan after a snapshot */
	kconfig_value(&kc, "CONFIG_SERIAL_8250_RUNTIME_UARTS", v, sizeof(v));
	ck_assert_int_ge(atoi(v), 3);
	kconfig_free(&kc);
	buf_release(&why);
}
END_TEST

#define HELLO "{\"t\":\"hello\",\"v\":1,\"release\":\"6.1.0-56-amd64\",\"uptime_ms\":1}\n"
#define FACTS(feats) \
	"{\"t\":\"facts\",\"meminfo\":{\"MemTotal\":471000},\"effective\":{" feats "}}\n"

static bool guest_missing(const char *records, feature_set needs, struct buf *why)
{
	struct evidence ev;
	bool r;

	buf_reset(why);
	evidence_init(&ev);
	evidence_parse_records(&ev, records, strlen(records));
	r = features_guest_missing(&ev, needs, why);
	evidence_free(&ev);
	return r;
}

START_TEST(guest_report)
{
	struct buf why = BUF_INIT;
	const char *rec = HELLO
		"{\"t\":\"setup\",\"what\":\"module\",\"key\":\"zram.ko\",\"ok\":false,\"errno\":8,"
		"\"error\":\"Exec format error\"}\n"
		FACTS("\"feature:memcg\":\"no: /sys/fs/cgroup/cgroup.controllers lacks memory\","
		      "\"feature:zram\":\"no: /sys/class/zram-control is missing\","
		      "\"feature:swap\":\"yes\",\"feature:numa\":\"no\"");

	ck_assert(guest_missing(rec, B(FEAT_MEMCG), &why));
	ck_assert_str_eq(why.s, "needs memcg (the cgroup v2 memory controller): the guest's "
			 "/sys/fs/cgroup/cgroup.controllers lacks memory");
	ck_assert(guest_missing(rec, B(FEAT_SWAP) | B(FEAT_ZRAM), &why));
	ck_assert_str_eq(why.s, "needs zram (the zram block device): the guest's "
			 "/sys/class/zram-control is missing (setup module:zram.ko: Exec format "
			 "error (errno 8))");
	ck_assert(guest_missing(rec, B(FEAT_NUMA), &why));
	ck_assert_str_eq(why.s, "needs numa (a second NUMA node): the guest lacks it");
	ck_assert(!guest_missing(rec, B(FEAT_SWAP), &why));
	/* not reported (an older agent): no decision */
	ck_assert(!guest_missing(rec, B(FEAT_KPROBES), &why));
	ck_assert(!guest_missing(HELLO, B(FEAT_MEMCG), &why));
	buf_release(&why);
}
END_TEST

/* Real guests (Debian 6.1, TCG): booted with cgroup_disable=memory, and
 * with a zram.ko of another kernel (6.12's) in the build directory.  The
 * failed setup steps would make an ERROR; the missing need makes a SKIP. */
static void assess_fixture(const struct oom_config *cfg, const char *scenario,
			   const char *name, struct result *res)
{
	struct plan_item it = { config_scenario(cfg, scenario), NULL };
	_cleanup_free_ char *rec = NULL, *con = NULL;
	char path[PATH_MAX];
	struct evidence ev;
	size_t rlen, clen;

	ck_assert_ptr_nonnull(it.sc);
	it.vm = config_vm(cfg, it.sc->vmconfig);
	snprintf(path, sizeof(path), "fixtures/vm/6.1/%s.records.jsonl", name);
	rec = fixture(path, &rlen);
	snprintf(path, sizeof(path), "fixtures/vm/6.1/%s.console.log", name);
	con = fixture(path, &clen);
	memset(res, 0, sizeof(*res));
	observed_init(&res->obs);
	evidence_init(&ev);
	evidence_parse_records(&ev, rec, rlen);
	evidence_scan_console(&ev, con, clen, 40);
	ck_assert_uint_gt(ev.setup_errors.n, 0);
	assess(&it, &ev, NULL, res);
	evidence_free(&ev);
}

START_TEST(real_guests_lacking_a_need)
{
	struct oom_config cfg;
	struct buf err = BUF_INIT;
	struct result res;

	ck_assert_msg(config_load("../../vmconfigs", &cfg, &err) == 0, "%s", err.s);
	assess_fixture(&cfg, "memcg-oom-hog", "nomemcg-guest", &res);
	ck_assert_int_eq(res.verdict, VERDICT_SKIP);
	ck_assert_str_eq(res.reason, "needs memcg (the cgroup v2 memory controller): the guest's "
			 "/sys/fs/cgroup/cgroup.controllers lacks memory");
	ck_assert_str_eq(res.kernel, "6.1.0-56-amd64");
	observed_free(&res.obs);
	assess_fixture(&cfg, "mode2-zram-mmap-over-commit-limit", "badzram-guest", &res);
	ck_assert_int_eq(res.verdict, VERDICT_SKIP);
	ck_assert_str_eq(res.reason, "needs zram (the zram block device): the guest's "
			 "/sys/class/zram-control is missing (setup module:zram.ko: Exec format error "
			 "(errno 8))");
	observed_free(&res.obs);
	/* the same guests judge a scenario that needs nothing of the kind */
	assess_fixture(&cfg, "mode1-mmap-over-ram-swap", "nomemcg-guest", &res);
	ck_assert_int_ne(res.verdict, VERDICT_SKIP);
	observed_free(&res.obs);
	config_free(&cfg);
	buf_release(&err);
}
END_TEST

/* A scenario whose need the config lacks is a SKIP that never boots; the
 * others boot (fake-qemu.sh counts the starts). */
START_TEST(skip_before_boot_does_not_boot)
{
	const char *sel[] = { "memcg-oom-hog", "mode2-zram-mmap-over-commit-limit",
			      "mode1-mmap-over-ram-swap" };
	struct result *saved;
	struct rt t;
	size_t n;

	rt_setup(&t, "mode1-no-failure", sel, 3);
	ck_assert_ptr_nonnull(realpath(NOZRAM, t.k.config));
	ck_assert_int_eq(rt_run(&t), 0);
	ck_assert_uint_eq(rt_started(&t, NULL), 1);
	ck_assert_uint_eq(t.n, 3);
	for (size_t i = 0; i < t.n; i++) {
		const struct result *r = &t.res[i];

		if (!strcmp(r->scenario, "mode1-mmap-over-ram-swap")) {
			ck_assert_int_eq(r->verdict, VERDICT_PASS);
			continue;
		}
		ck_assert_int_eq(r->verdict, VERDICT_SKIP);
		ck_assert_str_eq(r->dir, "");
		ck_assert_msg(strstr(r->reason, !strcmp(r->scenario, "memcg-oom-hog") ?
					 "needs memcg (the cgroup v2 memory controller): CONFIG_MEMCG is not set in /" :
					 "needs zram (the zram block device): CONFIG_ZRAM is not set in /"),
			      "%s: %s", r->scenario, r->reason);
	}
	n = rt_saved(&t, &saved);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(report_exit_status(saved, n), 0);
	rt_free_saved(saved, n);
	rt_assert_clean(&t);
	rt_teardown(&t);
}
END_TEST

Suite *suite_kfeatures(void)
{
	Suite *s = suite_create("kfeatures");
	TCase *t = tcase_create("needs");

	tcase_add_test(t, derived_from_shipped_scenarios);
	tcase_add_test(t, explicit_needs_add_to_derived);
	tcase_add_test(t, names_round_trip);
	tcase_set_timeout(t, 60); /* the whole vmconfigs/ under ASan on a busy host */
	suite_add_tcase(s, t);
	t = tcase_create("config");
	tcase_add_test(t, config_values);
	tcase_add_test(t, config_missing_reasons);
	tcase_add_test(t, ci_kernel_config_is_complete);
	suite_add_tcase(s, t);
	t = tcase_create("skip");
	tcase_add_test(t, guest_report);
	tcase_add_test(t, real_guests_lacking_a_need);
	tcase_add_test(t, skip_before_boot_does_not_boot);
	tcase_set_timeout(t, 60);
	suite_add_tcase(s, t);
	return s;
}
