/* kernel_apt.c - which Debian package a kernel name means: "debian",
 * "debian:6.1" and "debian:6.12" resolved through apt-cache, with the alias
 * records that keep a cached kernel usable when apt cannot answer.  See
 * kernel.h; the cache and the download are in kernel.c. */
#include "kernel.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "kernel_int.h"
#include "spawn.h"

#define APT_OUT_MAX (1u << 20)

static bool have_apt_lists(void)
{
	DIR *d = opendir("/var/lib/apt/lists");
	struct dirent *de;
	bool found = false;

	if (!d)
		return false;
	while (!found && (de = readdir(d)))
		found = strstr(de->d_name, "_Packages") != NULL;
	closedir(d);
	return found;
}

/* `apt-cache depends META`: its first "Depends: linux-image-..." target.
 * Returns 0 (found), 1 (apt names none) or -1 (apt-cache could not run). */
static int apt_depends(const char *meta, char *pkg, size_t len, struct buf *err)
{
	char tool[PATH_MAX];
	_cleanup_buf_ struct buf out = BUF_INIT;
	char *save = NULL;

	if (kern_need_tool("apt-cache", "apt", tool, sizeof(tool), err) < 0)
		return -1;
	const char *argv[] = { tool, "depends", meta, NULL };
	int rc = run_capture(argv, &out, APT_OUT_MAX, err);
	if (rc < 0)
		return -1;
	if (rc != 0)
		return 1;
	for (char *l = strtok_r(out.s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *p = l + strspn(l, " \t|");

		if (strncmp(p, "Depends: ", 9))
			continue;
		p += 9;
		p[strcspn(p, " \t")] = '\0';
		if (!strncmp(p, "linux-image-", 12) && kern_valid_pkg_name(p))
			return kern_set_str(pkg, len, p, "package name", err);
	}
	return 1;
}

/* Does pkg belong to the series ("6.1" takes 6.1.x, not 6.12.x)? */
static bool in_series(const char *pkg, const char *series)
{
	size_t n;

	if (!series)
		return true;
	n = strlen(series);
	return !strncmp(pkg, "linux-image-", 12) && !strncmp(pkg + 12, series, n) &&
	       pkg[12 + n] == '.' && pkg[13 + n] >= '0' && pkg[13 + n] <= '9';
}

static size_t strip_unsigned(const char *name)
{
	size_t n = strlen(name);

	return n > 9 && !strcmp(name + n - 9, "-unsigned") ? n - 9 : n;
}

/* Is package a newer than b?  Same version: the signed one (what the
 * linux-image-*-amd64 meta-packages name) wins over -unsigned. */
static bool newer(const char *a, const char *b)
{
	char ka[128], kb[128];
	int c;

	snprintf(ka, sizeof(ka), "%.*s", (int)strip_unsigned(a), a);
	snprintf(kb, sizeof(kb), "%.*s", (int)strip_unsigned(b), b);
	c = strverscmp(ka, kb);
	return c > 0 || (c == 0 && strlen(a) < strlen(b));
}

/* The newest linux-image-SERIES.N{-ABI,+debN}-amd64[-unsigned] apt knows.
 * Returns 0, 1 (none) or -1. */
static int apt_newest(const char *series, char *pkg, size_t len, struct buf *err)
{
	char tool[PATH_MAX];
	_cleanup_buf_ struct buf re = BUF_INIT, out = BUF_INIT;
	char best[128] = "", *save = NULL;

	if (kern_need_tool("apt-cache", "apt", tool, sizeof(tool), err) < 0)
		return -1;
	buf_addstr(&re, "^linux-image-");
	for (const char *s = series; *s; s++)
		buf_addstr(&re, *s == '.' ? "\\." : (char[]){ *s, 0 });
	buf_addstr(&re, "\\.[0-9]+(-[0-9]+|\\+deb[0-9]+)-amd64(-unsigned)?$");
	const char *argv[] = { tool, "search", "--names-only", re.s, NULL };
	if (run_capture(argv, &out, APT_OUT_MAX, err) < 0)
		return -1;
	for (char *l = strtok_r(out.s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		l[strcspn(l, " ")] = '\0';
		if (kern_valid_pkg_name(l) && in_series(l, series) && (!best[0] || newer(l, best)))
			snprintf(best, sizeof(best), "%s", l);
	}
	if (!best[0])
		return 1;
	return kern_set_str(pkg, len, best, "package name", err);
}

struct kern_alias {
	const char *what, *meta, *series, *record;
};

static const struct kern_alias aliases[] = {
	{ "debian", "linux-image-amd64", NULL, "debian" },
	{ "debian:6.1", "linux-image-amd64", "6.1", "debian-6.1" },
	{ "debian:6.12", "linux-image-6.12-amd64", "6.12", "debian-6.12" },
};

const struct kern_alias *kern_find_alias(const char *what)
{
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (!strcmp(aliases[i].what, what))
			return &aliases[i];
	return NULL;
}

/* The package an alias named last time (kernels/.alias-RECORD), so that
 * a cached kernel still works when apt cannot answer. */
int kern_alias_record(const char *kdir, const struct kern_alias *al, char *pkg, size_t len,
		      bool write)
{
	_cleanup_buf_ struct buf path = BUF_INIT, tmp = BUF_INIT, text = BUF_INIT;

	buf_addf(&path, "%s/.alias-%s", kdir, al->record);
	if (!write) {
		if (buf_read_file(&text, path.s, 256, NULL) < 0)
			return -1;
		buf_rtrim(&text);
		return kern_valid_pkg_name(text.s) && kern_is_complete(kdir, text.s) ?
			       (snprintf(pkg, len, "%s", text.s) < (int)len ? 0 : -1) : -1;
	}
	buf_addf(&tmp, "%s.tmp", path.s);
	FILE *f = fopen(tmp.s, "we");
	if (!f)
		return -1;
	fprintf(f, "%s\n", pkg);
	if (fclose(f) != 0 || rename(tmp.s, path.s) < 0) {
		unlink(tmp.s);
		return -1;
	}
	return 0;
}

/* Whether the alias record is newer than apt's package lists: apt's answer
 * only changes when they do (apt-get update renames files into the
 * directory), and asking apt costs seconds on a busy machine. */
static bool record_fresh(const char *kdir, const struct kern_alias *al)
{
	_cleanup_buf_ struct buf path = BUF_INIT;
	struct stat rec, lists;

	buf_addf(&path, "%s/.alias-%s", kdir, al->record);
	return stat(path.s, &rec) == 0 && stat("/var/lib/apt/lists", &lists) == 0 &&
	       (rec.st_mtim.tv_sec > lists.st_mtim.tv_sec ||
		(rec.st_mtim.tv_sec == lists.st_mtim.tv_sec &&
		 rec.st_mtim.tv_nsec > lists.st_mtim.tv_nsec));
}

int kern_resolve_alias(const struct kern_alias *al, const char *kdir, char *pkg, size_t len,
		       struct buf *err)
{
	_cleanup_buf_ struct buf why = BUF_INIT;
	int r;

	if (record_fresh(kdir, al) && kern_alias_record(kdir, al, pkg, len, false) == 0)
		return 0;
	r = apt_depends(al->meta, pkg, len, &why);

	if (r == 0 && al->series && !in_series(pkg, al->series))
		r = 1;
	if (r == 1 && al->series)
		r = apt_newest(al->series, pkg, len, &why);
	if (r == 0)
		return 0;
	if (kern_alias_record(kdir, al, pkg, len, false) == 0) {
		fprintf(stderr, "oomlab: apt cannot resolve %s (%s); using the cached %s\n", al->what,
			why.len ? why.s : "no such package", pkg);
		return 0;
	}
	if (r < 0)
		buf_addf(err, "cannot resolve %s: %s", al->what, why.s);
	else if (!have_apt_lists())
		buf_addf(err, "cannot resolve %s: apt has no package lists "
			 "(/var/lib/apt/lists): run apt-get update as root, then retry", al->what);
	else
		buf_addf(err, "cannot resolve %s: apt names no kernel (tried `apt-cache depends %s`%s%s%s); "
			 "run apt-get update, or name a package (linux-image-...)", al->what, al->meta,
			 al->series ? " and linux-image-" : "", al->series ? al->series : "",
			 al->series ? ".*-amd64" : "");
	return -1;
}
