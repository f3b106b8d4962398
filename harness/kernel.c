/* kernel.c - see kernel.h: the cache, fetching and unpacking a Debian kernel
 * package, and a user's kernel (kernel_from_path).  Which package "debian"
 * or "debian:6.12" stands for is kernel_apt.c's business. */
#include "kernel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "kernel_int.h"
#include "spawn.h"

#define MARKER ".oomlab-complete"

int kern_set_str(char *dst, size_t len, const char *src, const char *what, struct buf *err)
{
	if ((size_t)snprintf(dst, len, "%s", src) >= len) {
		buf_addf(err, "%s is too long: %s", what, src);
		return -1;
	}
	return 0;
}

static int mkdir_p(const char *path, struct buf *err)
{
	_cleanup_buf_ struct buf p = BUF_INIT;
	struct stat st;

	buf_addstr(&p, path);
	for (size_t i = 1; i <= p.len; i++) {
		char c = p.s[i];

		if (c != '/' && c != '\0')
			continue;
		p.s[i] = '\0';
		if (mkdir(p.s, 0755) < 0 && errno != EEXIST) {
			buf_addf(err, "cannot create %s: %s", p.s, strerror(errno));
			return -1;
		}
		p.s[i] = c;
	}
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		buf_addf(err, "%s is not a directory", path);
		return -1;
	}
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

static int rm_rf(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int kern_mkdir_p(const char *path, struct buf *err)
{
	return mkdir_p(path, err);
}

int kern_rm_rf(const char *path)
{
	return rm_rf(path);
}

int kernel_cache_dir(char *out, size_t len, struct buf *err)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	/* XDG Base Directory spec: a relative XDG_CACHE_HOME is invalid, ignore it. */
	if (xdg && xdg[0] == '/')
		n = snprintf(out, len, "%s/oomlab", xdg);
	else if (home && home[0])
		n = snprintf(out, len, "%s/.cache/oomlab", home);
	else {
		buf_addstr(err, "no cache directory: neither XDG_CACHE_HOME nor HOME is set");
		return -1;
	}
	if (n < 0 || (size_t)n >= len) {
		buf_addstr(err, "the cache directory path is too long");
		return -1;
	}
	return mkdir_p(out, err);
}

/* Where a tool is: PATH, then the sbin directories (depmod lives in /usr/sbin,
 * which a user's PATH often lacks). */
static bool find_tool(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	_cleanup_buf_ struct buf dirs = BUF_INIT;
	char *save = NULL;

	buf_addstr(&dirs, path ? path : "/usr/bin:/bin");
	buf_addstr(&dirs, ":/usr/sbin:/sbin");
	for (char *d = strtok_r(dirs.s, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		int n = snprintf(out, len, "%s/%s", d, name);

		if (n > 0 && (size_t)n < len && access(out, X_OK) == 0)
			return true;
	}
	return false;
}

int kern_need_tool(const char *name, const char *debpkg, char *out, size_t len,
		   struct buf *err)
{
	if (find_tool(name, out, len))
		return 0;
	buf_addf(err, "%s not found: fetching a Debian kernel needs it (install the Debian "
		 "package %s), or use a kernel image of your own", name, debpkg);
	return -1;
}

/* Debian policy 5.6.1: package names are [a-z0-9][a-z0-9+.-]+. */
bool kern_valid_pkg_name(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n >= sizeof(((struct kernel *)0)->package))
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '+' || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}


static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The most telling line of a tool's log: its last "E: " (apt) line, else its
 * last non-empty line; printable ASCII only, at most 200 bytes. */
static void add_log_line(struct buf *err, const char *log)
{
	_cleanup_buf_ struct buf text = BUF_INIT;
	const char *best = NULL, *last = NULL;
	char *save = NULL;

	if (buf_read_file(&text, log, 1u << 16, NULL) < 0)
		return;
	for (char *l = strtok_r(text.s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		last = l;
		if (!strncmp(l, "E: ", 3))
			best = l;
	}
	if (!best)
		best = last;
	if (!best)
		return;
	buf_addstr(err, ": ");
	for (size_t i = 0; best[i] && i < 200; i++)
		buf_addch(err, best[i] >= 0x20 && best[i] < 0x7f ? best[i] : '?');
}

/* Run a tool, its stdout and stderr to log; -1 with err saying what failed. */
static int run_logged(const char *const *argv, const char *cwd, const char *log,
		      struct buf *err)
{
	struct child c = CHILD_INIT;
	int ret = -1;

	for (size_t i = 0; argv[i]; i++)
		child_arg(&c, argv[i]);
	c.cwd = cwd;
	c.stdout_path = log;
	c.stderr_path = "=stdout";
	if (child_start(&c, err) == 0 && child_finish(&c) == 0) {
		if (WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0) {
			ret = 0;
		} else {
			const char *base = strrchr(argv[0], '/');

			buf_addf(err, "%s %s failed (", base ? base + 1 : argv[0], argv[1]);
			describe_status(err, c.status);
			buf_addch(err, ')');
			add_log_line(err, log);
		}
	}
	child_clear(&c);
	return ret;
}

int kern_run_logged(const char *const *argv, const char *cwd, const char *log, struct buf *err)
{
	return run_logged(argv, cwd, log, err);
}

/* The one .deb apt-get download left in dir. */
static int find_deb(const char *dir, struct buf *deb, struct buf *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n;

	if (!d) {
		buf_addf(err, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		n = strlen(de->d_name);
		if (n > 4 && !strcmp(de->d_name + n - 4, ".deb")) {
			buf_addf(deb, "%s/%s", dir, de->d_name);
			break;
		}
	}
	closedir(d);
	if (!deb->len) {
		buf_addf(err, "apt-get download left no .deb in %s", dir);
		return -1;
	}
	return 0;
}

/* The release of an unpacked kernel package: the lib/modules/<release> that
 * has a boot/vmlinuz-<release> next to it. */
static int find_release(const char *root, char *rel, size_t len, struct buf *err)
{
	_cleanup_buf_ struct buf mods = BUF_INIT, img = BUF_INIT;
	DIR *d;
	struct dirent *de;

	buf_addf(&mods, "%s/lib/modules", root);
	d = opendir(mods.s);
	if (!d) {
		buf_addf(err, "%s: no lib/modules in the kernel package: %s", root, strerror(errno));
		return -1;
	}
	rel[0] = '\0';
	while (!rel[0] && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		buf_reset(&img);
		buf_addf(&img, "%s/boot/vmlinuz-%s", root, de->d_name);
		if (access(img.s, R_OK) == 0 && strlen(de->d_name) < len)
			snprintf(rel, len, "%s", de->d_name);
	}
	closedir(d);
	if (!rel[0]) {
		buf_addf(err, "%s: no lib/modules/<release> with a boot/vmlinuz-<release>", root);
		return -1;
	}
	return 0;
}

/* Newer kernel packages ship usr/lib/modules only; depmod -b wants lib/modules. */
static void usrmerge_link(const char *root)
{
	_cleanup_buf_ struct buf lib = BUF_INIT, usr = BUF_INIT;
	struct stat st;

	buf_addf(&lib, "%s/lib", root);
	buf_addf(&usr, "%s/usr/lib/modules", root);
	if (lstat(lib.s, &st) < 0 && stat(usr.s, &st) == 0)
		if (symlink("usr/lib", lib.s) < 0)
			return;
}

static int tree_fill(const char *root, const char *pkg, struct kernel *k, struct buf *err)
{
	_cleanup_buf_ struct buf p = BUF_INIT;

	if (find_release(root, k->release, sizeof(k->release), err) < 0)
		return -1;
	buf_addf(&p, "%s/boot/vmlinuz-%s", root, k->release);
	if (kern_set_str(k->image, sizeof(k->image), p.s, "kernel path", err) < 0)
		return -1;
	buf_reset(&p);
	buf_addf(&p, "%s/lib/modules/%s", root, k->release);
	if (kern_set_str(k->modules, sizeof(k->modules), p.s, "modules path", err) < 0)
		return -1;
	buf_addstr(&p, "/modules.dep");
	if (access(p.s, R_OK) < 0) {
		buf_addf(err, "%s: %s (remove %s to fetch it again)", p.s, strerror(errno), root);
		return -1;
	}
	buf_reset(&p);
	buf_addf(&p, "%s/boot/config-%s", root, k->release);
	if (access(p.s, R_OK) == 0 &&
	    kern_set_str(k->config, sizeof(k->config), p.s, "config path", err) < 0)
		return -1;
	return kern_set_str(k->package, sizeof(k->package), pkg, "package name", err);
}

bool kern_is_complete(const char *kdir, const char *pkg)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s/" MARKER, kdir, pkg);

	return n > 0 && (size_t)n < sizeof(path) && access(path, F_OK) == 0;
}

static int write_marker(const char *root, const char *pkg, struct buf *err)
{
	_cleanup_buf_ struct buf path = BUF_INIT;
	FILE *f;

	buf_addf(&path, "%s/" MARKER, root);
	f = fopen(path.s, "we");
	if (!f || fprintf(f, "%s\n", pkg) < 0 || fclose(f) != 0) {
		buf_addf(err, "%s: cannot write: %s", path.s, strerror(errno));
		return -1;
	}
	return 0;
}

/* Download pkg, unpack it into kdir/pkg.tmp, depmod, rename to kdir/pkg and
 * write the marker last. */
static int unpack_pkg(const char *kdir, const char *pkg, const char *dl, struct buf *err)
{
	char dpkgdeb[PATH_MAX], depmod[PATH_MAX], rel[128];
	_cleanup_buf_ struct buf deb = BUF_INIT, dest = BUF_INIT, tmp = BUF_INIT, log = BUF_INIT;

	if (kern_need_tool("dpkg-deb", "dpkg", dpkgdeb, sizeof(dpkgdeb), err) < 0 ||
	    kern_need_tool("depmod", "kmod", depmod, sizeof(depmod), err) < 0 ||
	    find_deb(dl, &deb, err) < 0)
		return -1;
	buf_addf(&dest, "%s/%s", kdir, pkg);
	buf_addf(&tmp, "%s.tmp", dest.s);
	buf_addf(&log, "%s/unpack.log", dl);
	if (rm_rf(tmp.s) < 0 || rm_rf(dest.s) < 0) {
		buf_addf(err, "cannot remove the stale %s: %s", dest.s, strerror(errno));
		return -1;
	}
	fprintf(stderr, "oomlab: unpacking %s ...\n", strrchr(deb.s, '/') + 1);
	const char *x[] = { dpkgdeb, "-x", deb.s, tmp.s, NULL };
	if (run_logged(x, dl, log.s, err) < 0)
		return -1;
	usrmerge_link(tmp.s);
	if (find_release(tmp.s, rel, sizeof(rel), err) < 0)
		return -1;
	fprintf(stderr, "oomlab: depmod %s ...\n", rel);
	const char *dm[] = { depmod, "-b", tmp.s, rel, NULL };
	if (run_logged(dm, dl, log.s, err) < 0)
		return -1;
	if (rename(tmp.s, dest.s) < 0) {
		buf_addf(err, "cannot rename %s to %s: %s", tmp.s, dest.s, strerror(errno));
		return -1;
	}
	return write_marker(dest.s, pkg, err);
}

static int fetch_pkg(const char *kdir, const char *pkg, const char *what, struct buf *err)
{
	char aptget[PATH_MAX];
	_cleanup_buf_ struct buf dl = BUF_INIT, log = BUF_INIT, tmp = BUF_INIT;
	double t0 = mono_s();
	int ret = -1;

	if (kern_need_tool("apt-get", "apt", aptget, sizeof(aptget), err) < 0)
		return -1;
	buf_addf(&dl, "%s/.download-XXXXXX", kdir);
	if (!mkdtemp(dl.s)) {
		buf_addf(err, "cannot create a download directory in %s: %s", kdir, strerror(errno));
		return -1;
	}
	buf_addf(&log, "%s/apt.log", dl.s);
	fprintf(stderr, "oomlab: fetching %s ...\n", pkg);
	const char *argv[] = { aptget, "download", pkg, NULL };
	if (run_logged(argv, dl.s, log.s, err) < 0) {
		if (strcmp(pkg, what))
			buf_addf(err, " (%s resolved to %s)", what, pkg);
		goto out;
	}
	if (unpack_pkg(kdir, pkg, dl.s, err) < 0)
		goto out;
	fprintf(stderr, "oomlab: %s ready in %s/%s (%.0f s)\n", pkg, kdir, pkg, mono_s() - t0);
	ret = 0;
out:
	buf_addf(&tmp, "%s/%s.tmp", kdir, pkg);
	if (ret < 0)
		rm_rf(tmp.s);
	rm_rf(dl.s);
	return ret;
}

static int lock_kernels(const char *kdir, struct buf *err)
{
	_cleanup_buf_ struct buf path = BUF_INIT;
	int fd;

	buf_addf(&path, "%s/.lock", kdir);
	fd = open(path.s, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		buf_addf(err, "%s: %s", path.s, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "oomlab: waiting for another oomlab using %s ...\n", kdir);
		while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
			;
	}
	return fd;
}

int kernel_fetch_debian(const char *what, struct kernel *k, struct buf *err)
{
	const struct kern_alias *al = kern_find_alias(what);
	char cache[PATH_MAX], pkg[128];
	_cleanup_buf_ struct buf kdir = BUF_INIT, root = BUF_INIT;
	_cleanup_close_ int lock = -1;

	memset(k, 0, sizeof(*k));
	if (!al && (!strncmp(what, "debian:", 7) || !kern_valid_pkg_name(what))) {
		buf_addf(err, "unknown kernel '%s': use debian, debian:6.1, debian:6.12 or a Debian "
			 "package name (linux-image-...)", what);
		return -1;
	}
	if (kernel_cache_dir(cache, sizeof(cache), err) < 0)
		return -1;
	buf_addf(&kdir, "%s/kernels", cache);
	if (mkdir_p(kdir.s, err) < 0 || (lock = lock_kernels(kdir.s, err)) < 0)
		return -1;
	if (al) {
		if (kern_resolve_alias(al, kdir.s, pkg, sizeof(pkg), err) < 0)
			return -1;
	} else {
		snprintf(pkg, sizeof(pkg), "%s", what);
	}
	if (!kern_is_complete(kdir.s, pkg) && fetch_pkg(kdir.s, pkg, what, err) < 0)
		return -1;
	buf_addf(&root, "%s/%s", kdir.s, pkg);
	if (tree_fill(root.s, pkg, k, err) < 0)
		return -1;
	if (al)
		kern_alias_record(kdir.s, al, pkg, 0, true);
	return 0;
}

/* A user's image: a bzImage has "HdrS" at 0x202 and, from boot protocol 2.00,
 * at 0x20e a pointer (less 0x200) to a NUL-terminated version string whose
 * first word is the release; setup_sects is at 0x1f1
 * (Documentation/arch/x86/boot.rst).  A vmlinux is an ELF file. */
static int image_kind(const char *path, char *rel, size_t rlen, struct buf *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned char h[0x210], v[128];
	ssize_t n;

	if (fd < 0) {
		buf_addf(err, "kernel image %s: %s", path, strerror(errno));
		return -1;
	}
	n = pread(fd, h, sizeof(h), 0);
	if (n >= 4 && !memcmp(h, "\177ELF", 4))
		return 0;
	if (n < (ssize_t)sizeof(h) || memcmp(h + 0x202, "HdrS", 4)) {
		buf_addf(err, "%s is neither a bzImage (no \"HdrS\" at offset 0x202) nor an ELF "
			 "vmlinux; give arch/x86/boot/bzImage, /boot/vmlinuz-* or vmlinux", path);
		return -1;
	}
	unsigned setup = h[0x1f1] ? h[0x1f1] : 4, ptr = h[0x20e] | (unsigned)h[0x20f] << 8;
	if (ptr && ptr + 0x200u < (setup + 1) * 512u) {
		n = pread(fd, v, sizeof(v) - 1, ptr + 0x200);
		v[n > 0 ? n : 0] = '\0';
		size_t w = strcspn((char *)v, " ");
		if (w && w < rlen && w < (size_t)n)
			snprintf(rel, rlen, "%.*s", (int)w, (char *)v);
	}
	return 0;
}

static int check_modules_dir(const char *dir, struct buf *err)
{
	_cleanup_buf_ struct buf dep = BUF_INIT;
	const char *lm = strstr(dir, "/lib/modules/");
	struct stat st;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		buf_addf(err, "modules directory %s: %s", dir, errno ? strerror(errno) : "not a directory");
		return -1;
	}
	buf_addf(&dep, "%s/modules.dep", dir);
	if (access(dep.s, R_OK) == 0)
		return 0;
	buf_addf(err, "%s has no modules.dep: ", dir);
	if (lm && !strchr(lm + 13, '/'))
		buf_addf(err, "run `depmod -b %.*s %s`", (int)(lm - dir), dir, lm + 13);
	else
		buf_addstr(err, "give a lib/modules/<release> directory (make modules_install "
			   "INSTALL_MOD_PATH=DIR, then depmod -b DIR <release>)");
	return -1;
}

/* modules as given, or its lib/modules/<release> when it is the
 * INSTALL_MOD_PATH root of `make modules_install`. */
static void modules_tree(const char *modules, const char *rel, struct buf *out)
{
	_cleanup_buf_ struct buf p = BUF_INIT;
	struct stat st;

	buf_addf(&p, "%s/lib/modules/%s", modules, rel);
	buf_addstr(out, rel[0] && stat(p.s, &st) == 0 && S_ISDIR(st.st_mode) ? p.s : modules);
}

static int use_modules(const char *modules, struct kernel *k, struct buf *err)
{
	_cleanup_buf_ struct buf tree = BUF_INIT;
	char abs[PATH_MAX];

	modules_tree(modules, k->release, &tree);
	errno = 0;
	if (check_modules_dir(tree.s, err) < 0)
		return -1;
	if (!realpath(tree.s, abs) ||
	    kern_set_str(k->modules, sizeof(k->modules), abs, "path", err) < 0) {
		buf_addf(err, "modules directory %s: %s", tree.s, strerror(errno));
		return -1;
	}
	const char *base = strrchr(k->modules, '/') + 1;
	if (!k->release[0])
		snprintf(k->release, sizeof(k->release), "%s", base);
	else if (strcmp(k->release, base))
		fprintf(stderr, "oomlab: warning: %s is release %s but the modules are in %s\n",
			k->image, k->release, base);
	return 0;
}

/* /boot/vmlinuz-R (or vmlinux-R) has its config in /boot/config-R. */
static void config_beside(struct kernel *k)
{
	const char *base = strrchr(k->image, '/') + 1;
	char p[PATH_MAX];

	if (strncmp(base, "vmlinuz-", 8) && strncmp(base, "vmlinux-", 8))
		return;
	if (snprintf(p, sizeof(p), "%.*sconfig-%s", (int)(base - k->image), k->image, base + 8) <
		    (int)sizeof(p) && access(p, R_OK) == 0)
		snprintf(k->config, sizeof(k->config), "%s", p);
}

int kernel_from_path(const char *image, const char *modules, struct kernel *k, struct buf *err)
{
	char abs[PATH_MAX], dir[PATH_MAX], img[PATH_MAX];
	struct stat st;
	bool build;

	memset(k, 0, sizeof(*k));
	if (stat(image, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (!realpath(image, dir)) {
			buf_addf(err, "kernel build directory %s: %s", image, strerror(errno));
			return -1;
		}
		if (kern_build_image(dir, img, sizeof(img), err) < 0)
			return -1;
		image = img;
		build = true;
	} else {
		build = realpath(image, abs) && kern_build_root(abs, dir, sizeof(dir));
	}
	if (image_kind(image, k->release, sizeof(k->release), err) < 0)
		return -1;
	if (!realpath(image, abs) || kern_set_str(k->image, sizeof(k->image), abs, "path", err) < 0) {
		buf_addf(err, "kernel image %s: %s", image, strerror(errno));
		return -1;
	}
	if (build && kern_from_build_dir(dir, modules, k, err) < 0)
		return -1;
	if (!build)
		config_beside(k);
	if (!modules || !*modules)
		return 0;
	return use_modules(modules, k, err);
}
