/* initramfs.c - see initramfs.h
 *
 * What the kernel's unpacker expects (init/initramfs.c,
 * Documentation/driver-api/early-userspace/buffer-format.rst): "070701"
 * (newc) headers, names and bodies padded to 4 bytes, a last entry named
 * "TRAILER!!!".  Directories are made with a plain mkdir (do_name), so a
 * parent must come before its children.  A regular file with nlink >= 2 is
 * hard-linked to an earlier entry with the same (dev, ino) (maybe_link), so
 * every entry gets nlink 1 and its own inode number.  Names are at most
 * PATH_MAX bytes with the NUL (do_header).
 */
#include "initramfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "cleanup.h"

struct names {
	char **v;
	size_t n, alloc;
};

static void names_add(struct names *s, const char *p, size_t len)
{
	if (s->n == s->alloc) {
		size_t a = s->alloc ? s->alloc * 2 : 16;
		char **v = realloc(s->v, a * sizeof(*v));

		if (!v)
			abort();
		s->v = v;
		s->alloc = a;
	}
	s->v[s->n] = strndup(p, len);
	if (!s->v[s->n])
		abort();
	s->n++;
}

static void names_free(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and drop duplicates. */
static void names_uniq(struct names *s)
{
	size_t w = 0;

	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_str);
	for (size_t i = 1; i < s->n; i++) {
		if (!strcmp(s->v[w], s->v[i]))
			free(s->v[i]);
		else
			s->v[++w] = s->v[i];
	}
	s->n = w + 1;
}

static bool names_has(const struct names *s, const char *p)
{
	return s->n && bsearch(&p, s->v, s->n, sizeof(*s->v), cmp_str);
}

/* The archive name of an entry: no leading '/', no empty, "." or ".."
 * component; NULL when it is not usable. */
static const char *entry_name(const char *dest)
{
	const char *p;

	if (!dest)
		return NULL;
	while (*dest == '/')
		dest++;
	if (!*dest || strlen(dest) >= PATH_MAX)
		return NULL;
	for (p = dest; *p;) {
		size_t c = strcspn(p, "/");

		if (!c || (c == 1 && p[0] == '.') || (c == 2 && p[0] == '.' && p[1] == '.'))
			return NULL;
		p += c;
		if (*p == '/' && !*++p)
			return NULL; /* trailing slash */
	}
	return dest;
}

/* Every directory above an entry, sorted (a parent sorts before its
 * children), once; and no name used twice or as both file and directory. */
static int collect_dirs(const struct initramfs_entry *e, size_t n, struct names *dirs,
			struct buf *err)
{
	struct names files = { 0 };
	int ret = -1;

	for (size_t i = 0; i < n; i++) {
		const char *name = entry_name(e[i].dest);

		if (!name) {
			buf_addf(err, "initramfs: bad path '%s' (want a relative path without . or ..)",
				 e[i].dest ? e[i].dest : "(null)");
			goto out;
		}
		for (const char *s = strchr(name, '/'); s; s = strchr(s + 1, '/'))
			names_add(dirs, name, (size_t)(s - name));
		names_add(&files, name, strlen(name));
	}
	names_uniq(dirs);
	qsort(files.v, files.n, sizeof(*files.v), cmp_str);
	for (size_t i = 0; i < files.n; i++) {
		if ((i && !strcmp(files.v[i - 1], files.v[i])) || names_has(dirs, files.v[i])) {
			buf_addf(err, "initramfs: '%s' is given twice or is also a directory", files.v[i]);
			goto out;
		}
	}
	ret = 0;
out:
	names_free(&files);
	return ret;
}

static int put_header(struct archive *a, const char *name, unsigned mode, int64_t size,
		      int64_t ino, struct buf *err)
{
	struct archive_entry *ae = archive_entry_new();
	int r;

	if (!ae)
		abort();
	archive_entry_set_pathname(ae, name);
	archive_entry_set_mode(ae, mode);
	archive_entry_set_size(ae, size);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	archive_entry_set_uname(ae, "root");
	archive_entry_set_gname(ae, "root");
	archive_entry_set_mtime(ae, 0, 0);
	archive_entry_set_nlink(ae, 1);
	archive_entry_set_ino64(ae, ino);
	archive_entry_set_dev(ae, 0);
	r = archive_write_header(a, ae);
	archive_entry_free(ae);
	if (r != ARCHIVE_OK) {
		buf_addf(err, "initramfs: %s: %s", name, archive_error_string(a));
		return -1;
	}
	return 0;
}

static int put_data(struct archive *a, const char *name, const void *p, size_t len,
		    struct buf *err)
{
	if (len && archive_write_data(a, p, len) != (la_ssize_t)len) {
		buf_addf(err, "initramfs: %s: %s", name, archive_error_string(a));
		return -1;
	}
	return 0;
}

static int put_file(struct archive *a, const char *name, const char *src, unsigned perm,
		    int64_t ino, struct buf *err)
{
	_cleanup_close_ int fd = open(src, O_RDONLY | O_CLOEXEC);
	char chunk[65536];
	struct stat st;
	off_t left;

	if (fd < 0 || fstat(fd, &st) < 0) {
		buf_addf(err, "initramfs: %s: %s", src, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		buf_addf(err, "initramfs: %s is not a regular file", src);
		return -1;
	}
	if (put_header(a, name, S_IFREG | perm, st.st_size, ino, err) < 0)
		return -1;
	for (left = st.st_size; left > 0;) {
		ssize_t got = read(fd, chunk, left < (off_t)sizeof(chunk) ? (size_t)left : sizeof(chunk));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			buf_addf(err, "initramfs: %s: %s", src, got ? strerror(errno) : "file shrank while read");
			return -1;
		}
		if (put_data(a, name, chunk, (size_t)got, err) < 0)
			return -1;
		left -= got;
	}
	return 0;
}

static int put_entry(struct archive *a, const struct initramfs_entry *e, int64_t ino,
		     struct buf *err)
{
	const char *name = entry_name(e->dest);
	unsigned perm = e->mode & 07777;

	if (e->src)
		return put_file(a, name, e->src, perm ? perm : 0755, ino, err);
	if (!e->data && e->len) {
		buf_addf(err, "initramfs: %s: no content", name);
		return -1;
	}
	if (put_header(a, name, S_IFREG | (perm ? perm : 0644), (int64_t)e->len, ino, err) < 0)
		return -1;
	return put_data(a, name, e->data, e->len, err);
}

static int write_archive(const char *tmp, const struct names *dirs,
			 const struct initramfs_entry *e, size_t n, struct buf *err)
{
	struct archive *a = archive_write_new();
	int64_t ino = 1;
	int ret = -1;

	if (!a)
		abort();
	/* No block padding: the file ends right after the trailer. */
	if (archive_write_set_format_cpio_newc(a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_filename(a, tmp) != ARCHIVE_OK) {
		buf_addf(err, "initramfs: %s: %s", tmp, archive_error_string(a));
		goto out;
	}
	for (size_t i = 0; i < dirs->n; i++)
		if (put_header(a, dirs->v[i], S_IFDIR | 0755, 0, ino++, err) < 0)
			goto out;
	for (size_t i = 0; i < n; i++)
		if (put_entry(a, &e[i], ino++, err) < 0)
			goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		buf_addf(err, "initramfs: %s: %s", tmp, archive_error_string(a));
		goto out;
	}
	ret = 0;
out:
	archive_write_free(a);
	return ret;
}

int initramfs_write(const char *out_path, const struct initramfs_entry *e, size_t n,
		    struct buf *err)
{
	struct names dirs = { 0 };
	_cleanup_buf_ struct buf tmp = BUF_INIT;
	int ret = -1;

	if (collect_dirs(e, n, &dirs, err) < 0)
		goto out;
	buf_addf(&tmp, "%s.tmp", out_path);
	if (write_archive(tmp.s, &dirs, e, n, err) < 0)
		goto out;
	if (rename(tmp.s, out_path) < 0) {
		buf_addf(err, "initramfs: cannot rename %s to %s: %s", tmp.s, out_path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (ret < 0 && tmp.len)
		unlink(tmp.s);
	names_free(&dirs);
	return ret;
}
