/* kernel_build.c - a kernel build directory as the guest kernel (kernel.h,
 * kernel_from_path): its image and .config, and its modules staged for
 * kernel_modules_closure().
 *
 * Kbuild leaves in the build (output) directory: arch/x86/boot/bzImage,
 * vmlinux, .config, include/config/kernel.release (Makefile, the
 * kernelrelease target), modules.order (scripts/Makefile.build: one module
 * a line, "drivers/block/zram/zram.ko" in 6.1, ".o" from 6.2 on; an
 * installed tree's copy says "kernel/drivers/..."), each module's .ko next
 * to its objects, and modules.builtin ("kernel/...ko" lines, from
 * modules.builtin.modinfo).  `make modules_install` would copy the .ko
 * files under lib/modules/<release>/kernel/ and run depmod; we do what it
 * does without copying: symbolic links to the build's .ko files in a
 * private tree in the cache, indexed by `depmod -b` (kmod), under a name
 * that changes when any module file changes (size, mtime, inode), so a
 * rebuilt module never meets a stale modules.dep.
 */
#include "kernel.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "kernel_int.h"

#define ORDER_MAX (16u << 20)   /* modules.order: some 200 KiB for a distribution kernel */
#define DONE ".oomlab-complete"

/* FNV-1a, 64 bits: a cache key, not a defence (anyone who can write the
 * build directory decides what the guest runs anyway); no library needed. */
static void fnv(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		*h = (*h ^ s[i]) * 1099511628211ULL;
}

static bool is_file(const char *dir, const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	return snprintf(p, sizeof(p), "%s/%s", dir, rel) < (int)sizeof(p) && stat(p, &st) == 0 &&
	       S_ISREG(st.st_mode);
}

/* "kernel/drivers/x.o" -> "drivers/x.ko" into out; false for nonsense
 * (an absolute path, "..", not a module). */
static bool order_path(const char *line, struct buf *out)
{
	size_t n = strlen(line);

	if (!strncmp(line, "kernel/", 7))
		line += 7, n -= 7;
	if (!n || line[0] == '/' || strstr(line, "..") || strchr(line, '\\'))
		return false;
	buf_reset(out);
	if (n > 2 && !strcmp(line + n - 2, ".o"))
		buf_addf(out, "%.*s.ko", (int)(n - 2), line);
	else if (n > 3 && !strcmp(line + n - 3, ".ko"))
		buf_addstr(out, line);
	else
		return false;
	return true;
}

/* What names this build's modules: the paths, the files' identities and
 * the lists depmod reads. */
static int build_key(const char *dir, const char *rel, const struct buf *order, char *key,
		     size_t len, struct buf *err)
{
	_cleanup_buf_ struct buf copy = BUF_INIT, p = BUF_INIT, ko = BUF_INIT, bi = BUF_INIT;
	uint64_t hd = 14695981039346656037ULL, hc = hd;
	char *save = NULL;
	struct stat st;

	fnv(&hd, dir, strlen(dir));
	fnv(&hc, rel, strlen(rel) + 1);
	fnv(&hc, order->s, order->len);
	buf_addf(&p, "%s/modules.builtin", dir);
	if (buf_read_file(&bi, p.s, ORDER_MAX, NULL) == 0)
		fnv(&hc, bi.s, bi.len);
	buf_add(&copy, order->s, order->len);
	for (char *l = strtok_r(copy.s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!order_path(l, &ko))
			continue;
		buf_reset(&p);
		buf_addf(&p, "%s/%s", dir, ko.s);
		if (stat(p.s, &st) < 0) {
			buf_addf(err, "%s: listed in %s/modules.order but %s: run `make modules` in %s",
				 p.s, dir, strerror(errno), dir);
			return -1;
		}
		uint64_t id[5] = { (uint64_t)st.st_size, (uint64_t)st.st_mtim.tv_sec,
				   (uint64_t)st.st_mtim.tv_nsec, (uint64_t)st.st_ino,
				   (uint64_t)st.st_dev };
		fnv(&hc, id, sizeof(id));
	}
	snprintf(key, len, "%016llx-%016llx", (unsigned long long)hd, (unsigned long long)hc);
	return 0;
}

static int link_file(const char *target, const char *link, struct buf *err)
{
	_cleanup_buf_ struct buf parent = BUF_INIT;

	buf_addstr(&parent, link);
	*strrchr(parent.s, '/') = '\0';
	if (kern_mkdir_p(parent.s, err) < 0)
		return -1;
	if (symlink(target, link) < 0) {
		buf_addf(err, "cannot link %s to %s: %s", link, target, strerror(errno));
		return -1;
	}
	return 0;
}

/* tmp/lib/modules/REL: a link per module, modules.order as installed,
 * links to modules.builtin{,.modinfo}; then depmod. */
static int fill_stage(const char *dir, const char *rel, const struct buf *order,
		      const char *tmp, struct buf *err)
{
	_cleanup_buf_ struct buf copy = BUF_INIT, md = BUF_INIT, ko = BUF_INIT, src = BUF_INIT,
				 dst = BUF_INIT, inst = BUF_INIT, log = BUF_INIT;
	static const char *const lists[] = { "modules.builtin", "modules.builtin.modinfo" };
	char depmod[PATH_MAX], *save = NULL;

	buf_addf(&md, "%s/lib/modules/%s", tmp, rel);
	if (kern_need_tool("depmod", "kmod", depmod, sizeof(depmod), err) < 0 ||
	    kern_mkdir_p(md.s, err) < 0)
		return -1;
	buf_add(&copy, order->s, order->len);
	for (char *l = strtok_r(copy.s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!order_path(l, &ko))
			continue;
		buf_reset(&src);
		buf_reset(&dst);
		buf_addf(&src, "%s/%s", dir, ko.s);
		buf_addf(&dst, "%s/kernel/%s", md.s, ko.s);
		if (link_file(src.s, dst.s, err) < 0)
			return -1;
		buf_addf(&inst, "kernel/%s\n", ko.s);
	}
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
		buf_reset(&src);
		buf_reset(&dst);
		buf_addf(&src, "%s/%s", dir, lists[i]);
		buf_addf(&dst, "%s/%s", md.s, lists[i]);
		if (access(src.s, R_OK) == 0 && link_file(src.s, dst.s, err) < 0)
			return -1;
	}
	buf_reset(&dst);
	buf_addf(&dst, "%s/modules.order", md.s);
	FILE *f = fopen(dst.s, "we");
	if (!f || fwrite(inst.s, 1, inst.len, f) != inst.len || fclose(f) != 0) {
		buf_addf(err, "%s: cannot write: %s", dst.s, strerror(errno));
		return -1;
	}
	buf_addf(&log, "%s/depmod.log", tmp);
	const char *argv[] = { depmod, "-b", tmp, rel, NULL };
	return kern_run_logged(argv, tmp, log.s, err);
}

/* Build the stage under a temporary name and rename it into place; a
 * concurrent oomlab that got there first wins (same key, same content). */
static int make_stage(const char *dir, const char *rel, const struct buf *order,
		      const char *builds, const char *final, struct buf *err)
{
	_cleanup_buf_ struct buf tmp = BUF_INIT, done = BUF_INIT;
	int ret = -1;

	buf_addf(&tmp, "%s/.tmp-XXXXXX", builds);
	if (!mkdtemp(tmp.s)) {
		buf_addf(err, "cannot create a directory in %s: %s", builds, strerror(errno));
		return -1;
	}
	fprintf(stderr, "oomlab: indexing the modules of %s (depmod) ...\n", dir);
	buf_addf(&done, "%s/" DONE, tmp.s);
	if (fill_stage(dir, rel, order, tmp.s, err) < 0)
		goto out;
	FILE *f = fopen(done.s, "we");
	if (!f || fprintf(f, "%s\n", dir) < 0 || fclose(f) != 0) {
		buf_addf(err, "%s: cannot write: %s", done.s, strerror(errno));
		goto out;
	}
	if (rename(tmp.s, final) == 0 || errno == EEXIST || errno == ENOTEMPTY)
		ret = 0;
	else
		buf_addf(err, "cannot rename %s to %s: %s", tmp.s, final, strerror(errno));
out:
	kern_rm_rf(tmp.s);
	return ret;
}

static bool modules_enabled(const char *dir)
{
	_cleanup_buf_ struct buf p = BUF_INIT, text = BUF_INIT;

	buf_addf(&p, "%s/.config", dir);
	if (buf_read_file(&text, p.s, 4u << 20, NULL) < 0)
		return true;
	return strstr(text.s, "\nCONFIG_MODULES=y\n") != NULL;
}

static int stage_build_modules(const char *dir, struct kernel *k, struct buf *err)
{
	_cleanup_buf_ struct buf order = BUF_INIT, p = BUF_INIT, builds = BUF_INIT, stage = BUF_INIT;
	char cache[PATH_MAX], key[40];

	buf_addf(&p, "%s/modules.order", dir);
	if (buf_read_file(&order, p.s, ORDER_MAX, NULL) < 0) {
		if (!modules_enabled(dir))
			return 0; /* CONFIG_MODULES unset: everything is built in */
		buf_addf(err, "%s: %s: the build has CONFIG_MODULES=y but no modules.order; run "
			 "`make modules` in %s, or give --modules DIR (a lib/modules/<release> "
			 "tree)", p.s, strerror(errno), dir);
		return -1;
	}
	if (!k->release[0]) {
		buf_addf(err, "%s: the kernel release is unknown (no include/config/kernel.release, "
			 "no version in the image): run `make` in it", dir);
		return -1;
	}
	if (build_key(dir, k->release, &order, key, sizeof(key), err) < 0 ||
	    kernel_cache_dir(cache, sizeof(cache), err) < 0)
		return -1;
	buf_addf(&builds, "%s/builds", cache);
	buf_addf(&stage, "%s/%s", builds.s, key);
	if (kern_mkdir_p(builds.s, err) < 0)
		return -1;
	if (!is_file(stage.s, DONE) && make_stage(dir, k->release, &order, builds.s, stage.s, err) < 0)
		return -1;
	buf_addf(&stage, "/lib/modules/%s", k->release);
	return kern_set_str(k->modules, sizeof(k->modules), stage.s, "modules path", err);
}

/* ---- which files of a build directory ---- */

static int read_release(const char *dir, char *rel, size_t len)
{
	_cleanup_buf_ struct buf p = BUF_INIT, text = BUF_INIT;

	buf_addf(&p, "%s/include/config/kernel.release", dir);
	if (buf_read_file(&text, p.s, 256, NULL) < 0)
		return -1;
	buf_rtrim(&text);
	if (!text.len || text.len >= len || strpbrk(text.s, "/ \t\n"))
		return -1;
	snprintf(rel, len, "%s", text.s);
	return 0;
}

int kern_build_image(const char *dir, char *image, size_t len, struct buf *err)
{
	static const char *const cand[] = { "arch/x86/boot/bzImage", "vmlinux" };

	for (size_t i = 0; i < ARRAY_SIZE(cand); i++) {
		if (is_file(dir, cand[i]))
			return snprintf(image, len, "%s/%s", dir, cand[i]) < (int)len ? 0 : -1;
	}
	buf_addf(err, "%s is a directory but holds no kernel: neither arch/x86/boot/bzImage nor "
		 "vmlinux (run `make` in it, or give the image's path)", dir);
	return -1;
}

/* DIR of DIR/arch/x86/boot/bzImage or DIR/vmlinux when DIR has a .config. */
bool kern_build_root(const char *image, char *root, size_t len)
{
	static const char *const tails[] = { "/arch/x86/boot/bzImage", "/vmlinux" };
	size_t n = strlen(image);

	for (size_t i = 0; i < ARRAY_SIZE(tails); i++) {
		size_t t = strlen(tails[i]);

		if (n > t && !strcmp(image + n - t, tails[i]) && n - t < len) {
			snprintf(root, len, "%.*s", (int)(n - t), image);
			if (is_file(root, ".config"))
				return true;
		}
	}
	return false;
}

int kern_from_build_dir(const char *dir, const char *modules, struct kernel *k,
			struct buf *err)
{
	char rel[128];

	if (!is_file(dir, ".config")) {
		buf_addf(err, "%s/.config is missing: a kernel build directory has one (make "
			 "defconfig, or give the image's path)", dir);
		return -1;
	}
	if (kern_set_str(k->config, sizeof(k->config), dir, "config path", err) < 0 ||
	    strlen(k->config) + 8 >= sizeof(k->config))
		return -1;
	strcat(k->config, "/.config");
	if (read_release(dir, rel, sizeof(rel)) == 0) {
		if (k->release[0] && strcmp(k->release, rel))
			fprintf(stderr, "oomlab: warning: %s says release %s, the image %s\n", dir,
				rel, k->release);
		snprintf(k->release, sizeof(k->release), "%s", rel);
	}
	if (modules && *modules)
		return 0;
	return stage_build_modules(dir, k, err);
}
