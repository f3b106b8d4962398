/* test_initramfs.c - reproducible newc archives, read back with libarchive. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "cleanup.h"
#include "initramfs.h"
#include "suites.h"

struct tmp {
	char dir[64];
	char src[PATH_MAX];
	char out[PATH_MAX];
};

static void tmp_setup(struct tmp *t)
{
	FILE *f;

	snprintf(t->dir, sizeof(t->dir), "/tmp/oomlab-test-cpio-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	snprintf(t->src, sizeof(t->src), "%s/agent", t->dir);
	snprintf(t->out, sizeof(t->out), "%s/out.cpio", t->dir);
	f = fopen(t->src, "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 100000; i++) /* more than one read chunk */
		fputc('a' + i % 26, f);
	fclose(f);
}

static void tmp_done(struct tmp *t)
{
	char p[PATH_MAX];

	unlink(t->src);
	unlink(t->out);
	snprintf(p, sizeof(p), "%s.tmp", t->out);
	unlink(p);
	rmdir(t->dir);
}

static const char plan[] = "{\"v\":1}\n";

static int write_sample(const struct tmp *t, const char *out, struct buf *err)
{
	struct initramfs_entry e[] = {
		{ .dest = "init", .src = t->src, .mode = 0755 },
		{ .dest = "lib/modules/zram.ko", .data = "ko", .len = 2 },
		{ .dest = "bin/oomwl", .src = t->src },
		{ .dest = "plan.json", .data = plan, .len = sizeof(plan) - 1, .mode = 0600 },
		{ .dest = "/lib/modules/zsmalloc.ko", .data = "", .len = 0 },
	};

	return initramfs_write(out, e, ARRAY_SIZE(e), err);
}

START_TEST(reproducible)
{
	struct tmp t;
	struct buf err = BUF_INIT;
	char out2[PATH_MAX];
	size_t n1, n2;

	tmp_setup(&t);
	snprintf(out2, sizeof(out2), "%s/again.cpio", t.dir);
	ck_assert_int_eq(write_sample(&t, t.out, &err), 0);
	sleep(1); /* a timestamp leaking in would differ now */
	ck_assert_int_eq(write_sample(&t, out2, &err), 0);
	_cleanup_free_ char *a = fixture(t.out, &n1);
	_cleanup_free_ char *b = fixture(out2, &n2);
	ck_assert_uint_eq(n1, n2);
	ck_assert_int_eq(memcmp(a, b, n1), 0);
	unlink(out2);
	tmp_done(&t);
}
END_TEST

START_TEST(kernel_format)
{
	struct tmp t;
	struct buf err = BUF_INIT;
	size_t n;

	tmp_setup(&t);
	ck_assert_int_eq(write_sample(&t, t.out, &err), 0);
	_cleanup_free_ char *a = fixture(t.out, &n);
	ck_assert_uint_ge(n, 110);
	ck_assert_int_eq(memcmp(a, "070701", 6), 0);
	ck_assert_uint_eq(n % 4, 0);
	/* the last header is the trailer: name at 110, padded to 4, no body */
	ck_assert_int_eq(memcmp(a + n - 124, "070701", 6), 0);
	ck_assert_int_eq(memcmp(a + n - 14, "TRAILER!!!", 10), 0);
	tmp_done(&t);
}
END_TEST

struct want {
	const char *name;
	unsigned mode;
	const char *data; /* NULL: the agent file's content */
	size_t len;
};

static void check_content(struct archive *a, const struct want *w, int64_t size)
{
	_cleanup_free_ char *got = malloc((size_t)size + 1);

	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(archive_read_data(a, got, (size_t)size + 1), size);
	if (w->data) {
		ck_assert_int_eq(size, (int64_t)w->len);
		ck_assert_int_eq(memcmp(got, w->data, w->len), 0);
	} else {
		ck_assert_int_eq(size, 100000);
		for (int64_t i = 0; i < size; i++)
			ck_assert_int_eq(got[i], 'a' + i % 26);
	}
}

START_TEST(read_back)
{
	static const struct want want[] = {
		{ "bin", 040755, "", 0 },
		{ "lib", 040755, "", 0 },
		{ "lib/modules", 040755, "", 0 },
		{ "init", 0100755, NULL, 0 },
		{ "lib/modules/zram.ko", 0100644, "ko", 2 },
		{ "bin/oomwl", 0100755, NULL, 0 },
		{ "plan.json", 0100600, plan, sizeof(plan) - 1 },
		{ "lib/modules/zsmalloc.ko", 0100644, "", 0 },
	};
	struct tmp t;
	struct buf err = BUF_INIT;
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	int64_t inos[ARRAY_SIZE(want)];
	size_t i = 0;

	tmp_setup(&t);
	ck_assert_int_eq(write_sample(&t, t.out, &err), 0);
	archive_read_support_format_cpio(a);
	ck_assert_int_eq(archive_read_open_filename(a, t.out, 4096), ARCHIVE_OK);
	while (archive_read_next_header(a, &ae) == ARCHIVE_OK) {
		ck_assert_uint_lt(i, ARRAY_SIZE(want));
		ck_assert_str_eq(archive_entry_pathname(ae), want[i].name);
		ck_assert_uint_eq(archive_entry_mode(ae), want[i].mode);
		ck_assert_int_eq(archive_entry_mtime(ae), 0);
		ck_assert_int_eq(archive_entry_uid(ae), 0);
		ck_assert_int_eq(archive_entry_gid(ae), 0);
		ck_assert_uint_eq(archive_entry_nlink(ae), 1);
		inos[i] = archive_entry_ino64(ae);
		for (size_t j = 0; j < i; j++)
			ck_assert_int_ne(inos[j], inos[i]);
		check_content(a, &want[i], archive_entry_size(ae));
		i++;
	}
	ck_assert_uint_eq(i, ARRAY_SIZE(want));
	ck_assert_int_eq(archive_format(a), ARCHIVE_FORMAT_CPIO_SVR4_NOCRC);
	archive_read_free(a);
	tmp_done(&t);
}
END_TEST

static void rejects(const struct initramfs_entry *e, size_t n, const char *what)
{
	struct tmp t;
	struct buf err = BUF_INIT;
	char tmpname[PATH_MAX];
	FILE *f;

	tmp_setup(&t);
	f = fopen(t.out, "w"); /* an older archive stays as it was */
	fputs("old", f);
	fclose(f);
	ck_assert_int_eq(initramfs_write(t.out, e, n, &err), -1);
	ck_assert_msg(strstr(err.s, what), "'%s' not in '%s'", what, err.s);
	_cleanup_free_ char *old = fixture(t.out, NULL);
	ck_assert_str_eq(old, "old");
	snprintf(tmpname, sizeof(tmpname), "%s.tmp", t.out);
	ck_assert_int_ne(access(tmpname, F_OK), 0);
	buf_release(&err);
	tmp_done(&t);
}

START_TEST(errors)
{
	struct initramfs_entry missing[] = { { .dest = "init", .src = "/nonexistent/agent" } };
	struct initramfs_entry dotdot[] = { { .dest = "lib/../init", .data = "", .len = 0 } };
	struct initramfs_entry empty[] = { { .dest = "/", .data = "", .len = 0 } };
	struct initramfs_entry twice[] = { { .dest = "a", .data = "", .len = 0 },
					   { .dest = "a", .data = "", .len = 0 } };
	struct initramfs_entry filedir[] = { { .dest = "a", .data = "", .len = 0 },
					     { .dest = "a/b", .data = "", .len = 0 } };
	struct initramfs_entry notreg[] = { { .dest = "x", .src = "/tmp" } };

	rejects(missing, 1, "/nonexistent/agent");
	rejects(dotdot, 1, "lib/../init");
	rejects(empty, 1, "bad path");
	rejects(twice, 2, "'a' is given twice");
	rejects(filedir, 2, "'a' is given twice or is also a directory");
	rejects(notreg, 1, "not a regular file");
}
END_TEST

Suite *suite_initramfs(void)
{
	Suite *s = suite_create("initramfs");
	TCase *t = tcase_create("newc");

	tcase_set_timeout(t, 20);
	tcase_add_test(t, reproducible);
	tcase_add_test(t, kernel_format);
	tcase_add_test(t, read_back);
	tcase_add_test(t, errors);
	suite_add_tcase(s, t);
	return s;
}
