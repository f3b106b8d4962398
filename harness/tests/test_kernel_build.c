/* test_kernel_build.c - a kernel build directory as --kernel (kernel.h
 * kernel_from_path, kernel_build.c): the image, .config and release it
 * gives, its modules staged and indexed (a fake depmod on PATH checks the
 * staged tree), the cache reuse and its key, the config beside
 * /boot/vmlinuz-R, an INSTALL_MOD_PATH root, built-in modules without a
 * modules directory, and the errors that say what would be right. */
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



/* A bzImage header whose version string names release (boot.rst). */
static void fake_bzimage(const char *dir, const char *rel, const char *release)
{
	unsigned char img[0x800] = { 0 };
	char path[PATH_MAX];
	FILE *f;

	tmp_put(dir, rel, "", 0644);
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	img[0x1f1] = 3;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x20f] = 0x05;
	snprintf((char *)img + 0x700, 0x100, "%s (x@y) #1 SMP", release);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fwrite(img, 1, sizeof(img), f);
	fclose(f);
}

static int count_lines(const char *path)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	int n = 0;

	if (buf_read_file(&b, path, 1 << 16, NULL) < 0)
		return 0;
	for (size_t i = 0; i < b.len; i++)
		n += b.s[i] == '\n';
	return n;
}

/* d/build: a 6.1-style build (modules.order with .ko, one 6.2-style .o
 * line), d/xdg the cache, d/bin/depmod a fake that checks every staged
 * module resolves and writes modules.dep, counting its calls. */
static char *setup(void)
{
	char *d = strdup("/tmp/oomlab-test-kbuild-XXXXXX"), path[PATH_MAX], script[PATH_MAX + 512];

	ck_assert_ptr_nonnull(mkdtemp(d));
	snprintf(path, sizeof(path), "%s/xdg", d);
	setenv("XDG_CACHE_HOME", path, 1);
	snprintf(path, sizeof(path), "%s/bin", d);
	setenv("PATH", path, 1);
	snprintf(script, sizeof(script),
		 "#!/bin/sh\necho \"$*\" >> %s/depmod-calls\n"
		 "cd \"$2/lib/modules/$3\" || exit 1\n"
		 "while read -r f; do [ -f \"$f\" ] || { echo \"depmod: ERROR: no $f\" >&2; exit 1; }; done "
		 "< modules.order\n"
		 "[ -f modules.builtin ] || { echo 'depmod: no modules.builtin' >&2; exit 1; }\n"
		 "printf 'kernel/mm/zsmalloc.ko:\\nkernel/drivers/block/zram/zram.ko: "
		 "kernel/mm/zsmalloc.ko\\n' > modules.dep\n", d);
	tmp_put(d, "bin/depmod", script, 0755);
	fake_bzimage(d, "build/arch/x86/boot/bzImage", "7.1.0-rc1");
	tmp_put(d, "build/.config", "#\nCONFIG_MODULES=y\nCONFIG_ZRAM=m\nCONFIG_VIRTIO_BLK=y\n", 0644);
	tmp_put(d, "build/include/config/kernel.release", "7.1.0-rc1+\n", 0644);
	tmp_put(d, "build/modules.order", "drivers/block/zram/zram.ko\nmm/zsmalloc.o\n", 0644);
	tmp_put(d, "build/modules.builtin", "kernel/drivers/block/virtio_blk.ko\n", 0644);
	tmp_put(d, "build/drivers/block/zram/zram.ko", "zram", 0644);
	tmp_put(d, "build/mm/zsmalloc.ko", "zsmalloc", 0644);
	return d;
}

static void path_is(const char *got, const char *d, const char *rel)
{
	char want[PATH_MAX];

	snprintf(want, sizeof(want), "%s/%s", d, rel);
	ck_assert_str_eq(got, want);
}

START_TEST(build_dir_resolves)
{
	_cleanup_free_ char *d = setup();
	char dir[PATH_MAX], calls[PATH_MAX], link[PATH_MAX + 64], target[PATH_MAX];
	const char *names[] = { "zram", "virtio_blk" };
	char *paths[4];
	struct kernel k;
	struct buf err = BUF_INIT;
	ssize_t n;

	snprintf(dir, sizeof(dir), "%s/build", d);
	snprintf(calls, sizeof(calls), "%s/depmod-calls", d);
	ck_assert_msg(kernel_from_path(dir, NULL, &k, &err) == 0, "%s", err.s);
	path_is(k.image, d, "build/arch/x86/boot/bzImage");
	path_is(k.config, d, "build/.config");
	ck_assert_str_eq(k.release, "7.1.0-rc1+"); /* kernel.release wins over the header */
	ck_assert_ptr_nonnull(strstr(k.modules, "/xdg/oomlab/builds/"));
	ck_assert_ptr_nonnull(strstr(k.modules, "/lib/modules/7.1.0-rc1+"));
	ck_assert_int_eq(count_lines(calls), 1);
	/* the staged module is a link to the build's file */
	snprintf(link, sizeof(link), "%s/kernel/mm/zsmalloc.ko", k.modules);
	n = readlink(link, target, sizeof(target) - 1);
	ck_assert_int_gt(n, 0);
	target[n] = '\0';
	path_is(target, d, "build/mm/zsmalloc.ko");
	/* zram and its dependency from the staged tree; virtio_blk built in */
	ck_assert_int_eq(kernel_modules_closure(&k, names, 2, paths, 4, &err), 2);
	ck_assert_ptr_nonnull(strstr(paths[0], "/kernel/mm/zsmalloc.ko"));
	ck_assert_ptr_nonnull(strstr(paths[1], "/kernel/drivers/block/zram/zram.ko"));
	free(paths[0]);
	free(paths[1]);

	/* the same build again: the stage is reused, depmod not run */
	ck_assert_msg(kernel_from_path(dir, NULL, &k, &err) == 0, "%s", err.s);
	ck_assert_int_eq(count_lines(calls), 1);
	/* the image inside the build tree stands for the build */
	snprintf(dir, sizeof(dir), "%s/build/arch/x86/boot/bzImage", d);
	ck_assert_msg(kernel_from_path(dir, NULL, &k, &err) == 0, "%s", err.s);
	path_is(k.config, d, "build/.config");
	ck_assert_int_eq(count_lines(calls), 1);
	/* a rebuilt module: a new key, a new index */
	tmp_put(d, "build/mm/zsmalloc.ko", "zsmalloc, rebuilt", 0644);
	ck_assert_msg(kernel_from_path(dir, NULL, &k, &err) == 0, "%s", err.s);
	ck_assert_int_eq(count_lines(calls), 2);
	buf_release(&err);
	tmp_rm_tree(d);
}
END_TEST

static void fails_with(const char *image, const char *modules, const char *needle)
{
	struct kernel k;
	struct buf err = BUF_INIT;

	ck_assert_int_eq(kernel_from_path(image, modules, &k, &err), -1);
	ck_assert_msg(strstr(err.s, needle), "'%s' not in '%s'", needle, err.s);
	buf_release(&err);
}

START_TEST(build_dir_errors)
{
	_cleanup_free_ char *d = setup();
	char dir[PATH_MAX], want[PATH_MAX + 128];
	struct kernel k;
	struct buf err = BUF_INIT;

	snprintf(dir, sizeof(dir), "%s/build", d);
	unlink(strcat(strcpy(want, dir), "/mm/zsmalloc.ko"));
	snprintf(want, sizeof(want), "%s/build/mm/zsmalloc.ko: listed in %s/build/modules.order "
		 "but No such file or directory: run `make modules` in %s/build", d, d, d);
	fails_with(dir, NULL, want);
	tmp_put(d, "build/mm/zsmalloc.ko", "zsmalloc", 0644);
	/* depmod fails: its message reaches the user, nothing half-made stays */
	tmp_put(d, "bin/depmod", "#!/bin/sh\necho 'depmod: FATAL: bad' >&2; exit 1\n", 0755);
	fails_with(dir, NULL, "depmod -b failed (exit 1): depmod: FATAL: bad");
	/* no modules.order although CONFIG_MODULES=y */
	snprintf(want, sizeof(want), "%s/build/modules.order", d);
	unlink(want);
	fails_with(dir, NULL, "CONFIG_MODULES=y but no modules.order; run `make modules`");
	/* no modules at all: fine, k.modules "" */
	tmp_put(d, "build/.config", "# CONFIG_MODULES is not set\nCONFIG_ZRAM=y\n", 0644);
	ck_assert_msg(kernel_from_path(dir, NULL, &k, &err) == 0, "%s", err.s);
	ck_assert_str_eq(k.modules, "");
	/* no .config, no kernel */
	snprintf(want, sizeof(want), "%s/build/.config", d);
	unlink(want);
	fails_with(dir, NULL, ".config is missing: a kernel build directory has one");
	snprintf(dir, sizeof(dir), "%s/bin", d);
	fails_with(dir, NULL, "neither arch/x86/boot/bzImage nor vmlinux");
	buf_release(&err);
	tmp_rm_tree(d);
}
END_TEST

START_TEST(boot_config_and_install_root)
{
	_cleanup_free_ char *d = setup();
	char img[PATH_MAX], root[PATH_MAX];
	struct kernel k;
	struct buf err = BUF_INIT;

	fake_bzimage(d, "boot/vmlinuz-7.2.0-test", "7.2.0-test");
	tmp_put(d, "boot/config-7.2.0-test", "CONFIG_ZRAM=y\n", 0644);
	tmp_put(d, "inst/lib/modules/7.2.0-test/modules.dep", "", 0644);
	snprintf(img, sizeof(img), "%s/boot/vmlinuz-7.2.0-test", d);
	snprintf(root, sizeof(root), "%s/inst", d);
	ck_assert_msg(kernel_from_path(img, root, &k, &err) == 0, "%s", err.s);
	path_is(k.config, d, "boot/config-7.2.0-test");
	path_is(k.modules, d, "inst/lib/modules/7.2.0-test");
	/* no config beside a plain bzImage */
	fake_bzimage(d, "img/bzImage", "7.2.0-test");
	snprintf(img, sizeof(img), "%s/img/bzImage", d);
	ck_assert_msg(kernel_from_path(img, NULL, &k, &err) == 0, "%s", err.s);
	ck_assert_str_eq(k.config, "");
	buf_release(&err);
	tmp_rm_tree(d);
}
END_TEST

/* Without a modules directory a module must be built in: the config says
 * so, or, without a config, the guest will tell. */
START_TEST(builtin_without_modules)
{
	_cleanup_free_ char *d = setup();
	const char *zram[] = { "zram" }, *blk[] = { "virtio_blk", "virtio_pci" };
	char *paths[2];
	struct kernel k;
	struct buf err = BUF_INIT;

	memset(&k, 0, sizeof(k));
	ck_assert_int_eq(kernel_modules_closure(&k, zram, 1, paths, 2, &err), 0);
	tmp_put(d, "cfg", "CONFIG_ZRAM=y\nCONFIG_VIRTIO_BLK=m\n# CONFIG_VIRTIO_PCI is not set\n", 0644);
	snprintf(k.config, sizeof(k.config), "%s/cfg", d);
	ck_assert_int_eq(kernel_modules_closure(&k, zram, 1, paths, 2, &err), 0);
	ck_assert_int_eq(kernel_modules_closure(&k, blk, 2, paths, 2, &err), -1);
	ck_assert_msg(strstr(err.s, "module virtio_blk is needed: CONFIG_VIRTIO_BLK=m in "),
		      "%s", err.s);
	ck_assert_ptr_nonnull(strstr(err.s, "give --modules DIR or the kernel's build directory"));
	buf_reset(&err);
	blk[0] = "virtio_pci";
	ck_assert_int_eq(kernel_modules_closure(&k, blk, 1, paths, 2, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.s, "CONFIG_VIRTIO_PCI=n"));
	buf_release(&err);
	tmp_rm_tree(d);
}
END_TEST

Suite *suite_kernel_build(void)
{
	Suite *s = suite_create("kernel_build");
	TCase *t = tcase_create("build");

	tcase_add_test(t, build_dir_resolves);
	tcase_add_test(t, build_dir_errors);
	tcase_add_test(t, boot_config_and_install_root);
	tcase_add_test(t, builtin_without_modules);
	tcase_set_timeout(t, 60); /* shell scripts as depmod, on a busy host */
	suite_add_tcase(s, t);
	return s;
}
