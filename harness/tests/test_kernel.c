/* test_kernel.c - modules.dep closure, kernel images, the kernel cache with
 * fake apt-cache/apt-get/dpkg-deb/depmod on PATH. */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "kernel.h"
#include "suites.h"

#define FIX "fixtures/kernel/lib/modules/6.1.0-test"




static bool exists(const char *dir, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return access(path, F_OK) == 0;
}

static struct kernel fixture_kernel(void)
{
	struct kernel k;

	memset(&k, 0, sizeof(k));
	snprintf(k.modules, sizeof(k.modules), "%s", FIX);
	return k;
}

static int closure(const char *const *names, size_t n, char **paths, size_t max,
		   struct buf *err)
{
	struct kernel k = fixture_kernel();

	return kernel_modules_closure(&k, names, n, paths, max, err);
}

static void check_paths(char **paths, int n, const char *const *want, int nwant)
{
	ck_assert_int_eq(n, nwant);
	for (int i = 0; i < n; i++) {
		char expect[PATH_MAX];

		snprintf(expect, sizeof(expect), FIX "/%s", want[i]);
		ck_assert_str_eq(paths[i], expect);
		free(paths[i]);
	}
}

START_TEST(closure_deps_first)
{
	const char *names[] = { "top", "top2" };
	const char *want[] = { "kernel/lib/a-base.ko", "kernel/lib/b_mid.ko.xz",
			       "kernel/drivers/top.ko.zst", "kernel/drivers/top2.ko" };
	char *paths[8];
	struct buf err = BUF_INIT;

	check_paths(paths, closure(names, 2, paths, 8, &err), want, 4);
	ck_assert_str_eq(err.s, "");
}
END_TEST

START_TEST(closure_names_normalised)
{
	const char *names[] = { "zram.ko", "zram", "b-mid", "a_base.ko.xz" };
	const char *want[] = { "kernel/mm/zsmalloc.ko", "kernel/drivers/block/zram/zram.ko",
			       "kernel/lib/a-base.ko", "kernel/lib/b_mid.ko.xz" };
	char *paths[8];
	struct buf err = BUF_INIT;

	check_paths(paths, closure(names, 4, paths, 8, &err), want, 4);
}
END_TEST

START_TEST(closure_builtin_skipped)
{
	const char *names[] = { "zswap", "ext4", "zsmalloc" };
	const char *want[] = { "kernel/mm/zsmalloc.ko" };
	char *paths[8];
	struct buf err = BUF_INIT;

	check_paths(paths, closure(names, 3, paths, 8, &err), want, 1);
}
END_TEST

static void closure_fails(const char *name, size_t max, const char *what)
{
	const char *names[] = { "zram", name };
	char *paths[8] = { 0 };
	struct buf err = BUF_INIT;

	ck_assert_int_eq(closure(names, 2, paths, max, &err), -1);
	ck_assert_msg(strstr(err.s, what), "'%s' not in '%s'", what, err.s);
	for (size_t i = 0; i < 8; i++)
		ck_assert_ptr_null(paths[i]);
	buf_release(&err);
}

START_TEST(closure_errors)
{
	closure_fails("nosuch", 8, "module nosuch not found in " FIX);
	closure_fails("needs-ghost", 8, "kernel/lib/ghost.ko");
	closure_fails("no-file", 8, "no-file.ko: No such file");
	closure_fails("cyc1", 8, "cycle");
	closure_fails("", 8, "bad module name");
	closure_fails("top", 3, "more than 3 modules");
}
END_TEST

START_TEST(closure_without_modules)
{
	struct kernel k;
	const char *names[] = { "zram" };
	char *paths[2];
	struct buf err = BUF_INIT;

	memset(&k, 0, sizeof(k));
	/* no modules and no config: taken as built in (the guest tells) */
	ck_assert_int_eq(kernel_modules_closure(&k, names, 1, paths, 2, &err), 0);
	ck_assert_int_eq(kernel_modules_closure(&k, names, 0, paths, 2, &err), 0);
	names[0] = "";
	ck_assert_int_eq(kernel_modules_closure(&k, names, 1, paths, 2, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.s, "bad module name"));
	buf_release(&err);
}
END_TEST

static char *tmpdir(void)
{
	char *d = strdup("/tmp/oomlab-test-kernel-XXXXXX");

	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

/* A file with a bzImage header whose version string says release. */
static void fake_bzimage(const char *path, const char *release)
{
	unsigned char img[0x800] = { 0 };
	FILE *f = fopen(path, "w");

	img[0x1f1] = 3;                    /* setup_sects */
	memcpy(img + 0x202, "HdrS", 4);
	img[0x20e] = 0x00;                 /* version string at 0x500 + 0x200 */
	img[0x20f] = 0x05;
	snprintf((char *)img + 0x700, 0x100, "%s (x@y) #1 SMP", release);
	ck_assert_ptr_nonnull(f);
	fwrite(img, 1, sizeof(img), f);
	fclose(f);
}

START_TEST(from_path_bzimage)
{
	_cleanup_free_ char *d = tmpdir();
	char img[PATH_MAX], absfix[PATH_MAX];
	struct kernel k;
	struct buf err = BUF_INIT;

	snprintf(img, sizeof(img), "%s/bzImage", d);
	fake_bzimage(img, "6.1.0-test");
	ck_assert_int_eq(kernel_from_path(img, FIX, &k, &err), 0);
	ck_assert_str_eq(k.image, img);
	ck_assert_str_eq(k.release, "6.1.0-test");
	ck_assert_ptr_nonnull(realpath(FIX, absfix));
	ck_assert_str_eq(k.modules, absfix);
	ck_assert_str_eq(k.package, "");
	ck_assert_int_eq(kernel_from_path(img, NULL, &k, &err), 0);
	ck_assert_str_eq(k.modules, "");
	tmp_rm_tree(d);
}
END_TEST

START_TEST(from_path_elf_and_garbage)
{
	_cleanup_free_ char *d = tmpdir();
	char img[PATH_MAX], mods[PATH_MAX];
	struct kernel k;
	struct buf err = BUF_INIT;

	snprintf(img, sizeof(img), "%s/vmlinux", d);
	tmp_put(d, "vmlinux", "\177ELF\2\1\1", 0644);
	ck_assert_int_eq(kernel_from_path(img, FIX, &k, &err), 0);
	ck_assert_str_eq(k.release, "6.1.0-test"); /* from the modules directory */

	tmp_put(d, "junk", "MZ this is not a kernel", 0644);
	snprintf(img, sizeof(img), "%s/junk", d);
	ck_assert_int_eq(kernel_from_path(img, NULL, &k, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.s, "HdrS"));
	ck_assert_ptr_nonnull(strstr(err.s, "ELF"));
	buf_reset(&err);

	snprintf(img, sizeof(img), "%s/missing", d);
	ck_assert_int_eq(kernel_from_path(img, NULL, &k, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.s, img));
	buf_reset(&err);

	/* a modules tree without modules.dep: say which depmod to run */
	tmp_put(d, "root/lib/modules/9.9/kernel/x.ko", "", 0644);
	snprintf(img, sizeof(img), "%s/vmlinux", d);
	snprintf(mods, sizeof(mods), "%s/root/lib/modules/9.9", d);
	ck_assert_int_eq(kernel_from_path(img, mods, &k, &err), -1);
	char want[PATH_MAX + 64];
	snprintf(want, sizeof(want), "depmod -b %s/root 9.9", d);
	ck_assert_msg(strstr(err.s, want), "'%s' not in '%s'", want, err.s);
	buf_release(&err);
	tmp_rm_tree(d);
}
END_TEST

START_TEST(cache_dir_env)
{
	_cleanup_free_ char *d = tmpdir();
	char out[PATH_MAX], want[PATH_MAX];
	struct buf err = BUF_INIT;
	struct stat st;

	snprintf(want, sizeof(want), "%s/xdg", d);
	setenv("XDG_CACHE_HOME", want, 1);
	ck_assert_int_eq(kernel_cache_dir(out, sizeof(out), &err), 0);
	strcat(want, "/oomlab");
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(stat(out, &st), 0);

	unsetenv("XDG_CACHE_HOME");
	snprintf(want, sizeof(want), "%s/home", d);
	setenv("HOME", want, 1);
	ck_assert_int_eq(kernel_cache_dir(out, sizeof(out), &err), 0);
	strcat(want, "/.cache/oomlab");
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(stat(out, &st), 0);
	ck_assert_int_eq(kernel_cache_dir(out, 10, &err), -1);
	buf_release(&err);
	tmp_rm_tree(d);
}
END_TEST

/* A cache under d/xdg and fake tools in d/bin, which is all of PATH. */
static char *cache_setup(void)
{
	char *d = tmpdir();
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/xdg", d);
	setenv("XDG_CACHE_HOME", path, 1);
	snprintf(path, sizeof(path), "%s/bin", d);
	mkdir(path, 0755);
	setenv("PATH", path, 1);
	return d;
}

static void cached_kernel(const char *d, const char *pkg, const char *rel, bool complete)
{
	char rel_path[PATH_MAX];

	snprintf(rel_path, sizeof(rel_path), "xdg/oomlab/kernels/%s/boot/vmlinuz-%s", pkg, rel);
	tmp_put(d, rel_path, "kernel", 0644);
	snprintf(rel_path, sizeof(rel_path), "xdg/oomlab/kernels/%s/lib/modules/%s/modules.dep", pkg, rel);
	tmp_put(d, rel_path, "", 0644);
	snprintf(rel_path, sizeof(rel_path), "xdg/oomlab/kernels/%s/.oomlab-complete", pkg);
	if (complete)
		tmp_put(d, rel_path, pkg, 0644);
}

static const char apt_cache[] =
	"#!/bin/sh\n"
	"if [ \"$1\" = depends ] && [ \"$2\" = linux-image-amd64 ]; then\n"
	"  echo linux-image-amd64; echo '  Depends: linux-image-9.9.9-test'; exit 0; fi\n"
	"if [ \"$1\" = search ]; then\n"
	"  echo 'linux-image-6.12.9+deb12-amd64-unsigned - old'\n"
	"  echo 'linux-image-6.12.10+deb12-amd64-unsigned - new, unsigned'\n"
	"  echo 'linux-image-6.12.10+deb12-amd64 - new'\n"
	"  echo 'linux-image-6.1.0-99-amd64 - other series'; exit 0; fi\n"
	"echo 'E: No packages found' >&2; exit 100\n";

static const char apt_get_fails[] =
	"#!/bin/sh\necho \"E: Unable to locate package $2\"; exit 100\n";

START_TEST(fetch_uses_cache)
{
	_cleanup_free_ char *d = cache_setup();
	struct kernel k;
	struct buf err = BUF_INIT;

	cached_kernel(d, "linux-image-9.9.9-test", "9.9.9-test", true);
	/* no apt at all on PATH: the complete cache entry is enough */
	ck_assert_int_eq(kernel_fetch_debian("linux-image-9.9.9-test", &k, &err), 0);
	ck_assert_str_eq(k.package, "linux-image-9.9.9-test");
	ck_assert_str_eq(k.release, "9.9.9-test");
	ck_assert_ptr_nonnull(strstr(k.image, "/xdg/oomlab/kernels/linux-image-9.9.9-test/boot/vmlinuz-9.9.9-test"));
	ck_assert_ptr_nonnull(strstr(k.modules, "/kernels/linux-image-9.9.9-test/lib/modules/9.9.9-test"));

	tmp_put(d, "bin/apt-cache", apt_cache, 0755);
	ck_assert_int_eq(kernel_fetch_debian("debian", &k, &err), 0);
	ck_assert_str_eq(k.package, "linux-image-9.9.9-test");
	ck_assert(exists(d, "xdg/oomlab/kernels/.alias-debian"));

	/* apt gone: the alias still finds the kernel it named last time */
	char tool[PATH_MAX];
	snprintf(tool, sizeof(tool), "%s/bin/apt-cache", d);
	unlink(tool);
	memset(&k, 0, sizeof(k));
	ck_assert_int_eq(kernel_fetch_debian("debian", &k, &err), 0);
	ck_assert_str_eq(k.package, "linux-image-9.9.9-test");
	ck_assert_int_eq(kernel_fetch_debian("debian:6.12", &k, &err), -1);
	ck_assert_msg(strstr(err.s, "apt-cache not found"), "%s", err.s);
	buf_release(&err);
	tmp_rm_tree(d);
}
END_TEST

START_TEST(fetch_resolves_newest_612)
{
	_cleanup_free_ char *d = cache_setup();
	struct kernel k;
	struct buf err = BUF_INIT;

	tmp_put(d, "bin/apt-cache", apt_cache, 0755);
	tmp_put(d, "bin/apt-get", apt_get_fails, 0755);
	ck_assert_int_eq(kernel_fetch_debian("debian:6.12", &k, &err), -1);
	ck_assert_msg(strstr(err.s, "Unable to locate package linux-image-6.12.10+deb12-amd64"), "%s", err.s);
	ck_assert_ptr_nonnull(strstr(err.s, "debian:6.12 resolved to linux-image-6.12.10+deb12-amd64"));
	ck_assert(!exists(d, "xdg/oomlab/kernels/linux-image-6.12.10+deb12-amd64.tmp"));
	buf_release(&err);
	tmp_rm_tree(d);
}
END_TEST

START_TEST(fetch_bad_names)
{
	_cleanup_free_ char *d = cache_setup();
	struct kernel k;
	struct buf err = BUF_INIT;

	ck_assert_int_eq(kernel_fetch_debian("debian:5.10", &k, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.s, "unknown kernel 'debian:5.10'"));
	buf_reset(&err);
	ck_assert_int_eq(kernel_fetch_debian("../etc", &k, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.s, "unknown kernel"));
	buf_reset(&err);
	/* apt-cache knows nothing and there is no record */
	tmp_put(d, "bin/apt-cache", "#!/bin/sh\nexit 100\n", 0755);
	ck_assert_int_eq(kernel_fetch_debian("debian", &k, &err), -1);
	ck_assert_msg(strstr(err.s, "cannot resolve debian"), "%s", err.s);
	ck_assert_msg(strstr(err.s, "apt-get update"), "%s", err.s);
	buf_release(&err);
	tmp_rm_tree(d);
}
END_TEST

/* The whole fetch with fake tools: download, unpack, depmod, marker. */
START_TEST(fetch_full_with_fake_tools)
{
	_cleanup_free_ char *d = cache_setup();
	struct kernel k;
	struct buf err = BUF_INIT;

	cached_kernel(d, "linux-image-7.7.7-test", "7.7.7-test", false); /* stale, no marker */
	tmp_put(d, "bin/apt-get", "#!/bin/sh\necho deb > \"$2\"_1_amd64.deb\n", 0755);
	tmp_put(d, "bin/dpkg-deb",
	    "#!/bin/sh\n/bin/mkdir -p \"$3/boot\" \"$3/lib/modules/7.7.7-test\"\n"
	    "echo bz > \"$3/boot/vmlinuz-7.7.7-test\"\n", 0755);
	tmp_put(d, "bin/depmod", "#!/bin/sh\n: > \"$2/lib/modules/$3/modules.dep\"\n", 0755);
	ck_assert_msg(kernel_fetch_debian("linux-image-7.7.7-test", &k, &err) == 0, "%s", err.s);
	ck_assert_str_eq(k.release, "7.7.7-test");
	ck_assert(exists(d, "xdg/oomlab/kernels/linux-image-7.7.7-test/.oomlab-complete"));
	ck_assert(!exists(d, "xdg/oomlab/kernels/linux-image-7.7.7-test.tmp"));
	/* complete now: a failing apt-get is not called again */
	tmp_put(d, "bin/apt-get", apt_get_fails, 0755);
	ck_assert_int_eq(kernel_fetch_debian("linux-image-7.7.7-test", &k, &err), 0);

	buf_release(&err);
	tmp_rm_tree(d);
}
END_TEST

START_TEST(fetch_failing_depmod)
{
	_cleanup_free_ char *d = cache_setup();
	struct kernel k;
	struct buf err = BUF_INIT;

	tmp_put(d, "bin/apt-get", "#!/bin/sh\necho deb > \"$2\"_1_amd64.deb\n", 0755);
	tmp_put(d, "bin/dpkg-deb",
	    "#!/bin/sh\n/bin/mkdir -p \"$3/boot\" \"$3/lib/modules/8.8.8-test\"\n"
	    "echo bz > \"$3/boot/vmlinuz-8.8.8-test\"\n", 0755);
	tmp_put(d, "bin/depmod", "#!/bin/sh\necho 'depmod: ERROR: bad' >&2; exit 1\n", 0755);
	ck_assert_int_eq(kernel_fetch_debian("linux-image-8.8.8-test", &k, &err), -1);
	ck_assert_msg(strstr(err.s, "depmod -b failed (exit 1): depmod: ERROR: bad"), "%s", err.s);
	ck_assert(!exists(d, "xdg/oomlab/kernels/linux-image-8.8.8-test"));
	ck_assert(!exists(d, "xdg/oomlab/kernels/linux-image-8.8.8-test.tmp"));
	buf_release(&err);
	tmp_rm_tree(d);
}
END_TEST

Suite *suite_kernel(void)
{
	Suite *s = suite_create("kernel");
	TCase *t = tcase_create("modules");

	tcase_add_test(t, closure_deps_first);
	tcase_add_test(t, closure_names_normalised);
	tcase_add_test(t, closure_builtin_skipped);
	tcase_add_test(t, closure_errors);
	tcase_add_test(t, closure_without_modules);
	suite_add_tcase(s, t);
	t = tcase_create("image");
	tcase_add_test(t, from_path_bzimage);
	tcase_add_test(t, from_path_elf_and_garbage);
	suite_add_tcase(s, t);
	t = tcase_create("cache");
	tcase_add_test(t, cache_dir_env);
	tcase_add_test(t, fetch_uses_cache);
	tcase_add_test(t, fetch_resolves_newest_612);
	tcase_add_test(t, fetch_bad_names);
	tcase_add_test(t, fetch_full_with_fake_tools);
	tcase_add_test(t, fetch_failing_depmod);
	suite_add_tcase(s, t);
	return s;
}
