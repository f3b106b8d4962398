/* test_buf.c - buffers, escaping, bounded file reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "suites.h"

START_TEST(grows_and_formats)
{
	struct buf b = BUF_INIT;

	ck_assert_str_eq(b.s, "");
	for (int i = 0; i < 1000; i++)
		buf_addf(&b, "%04d", i);
	ck_assert_uint_eq(b.len, 4000);
	ck_assert(!strncmp(b.s + 3996, "0999", 4));
	buf_setlen(&b, 2);
	buf_addstr(&b, "  \n");
	buf_rtrim(&b);
	ck_assert_str_eq(b.s, "00");
	buf_release(&b);
	ck_assert_str_eq(b.s, "");
}
END_TEST

START_TEST(xml_escaping_is_safe)
{
	struct buf b = BUF_INIT;

	buf_add_xml(&b, "<script>&\"x'\x01\xff ok \xc3\xa9");
	ck_assert_str_eq(b.s, "&lt;script&gt;&amp;&quot;x&apos;\xef\xbf\xbd? ok \xc3\xa9");
	buf_reset(&b);
	buf_add_html(&b, "'");
	ck_assert_str_eq(b.s, "&#39;");
	buf_release(&b);
}
END_TEST

START_TEST(read_file_is_bounded)
{
	struct buf b = BUF_INIT;
	char path[] = "/tmp/oomlab-test-XXXXXX";
	int fd = mkstemp(path);
	bool trunc;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "0123456789", 10), 10);
	close(fd);
	ck_assert_int_eq(buf_read_file(&b, path, 4, &trunc), 0);
	ck_assert_str_eq(b.s, "0123");
	ck_assert(trunc);
	buf_reset(&b);
	ck_assert_int_eq(buf_read_file(&b, path, 100, &trunc), 0);
	ck_assert_uint_eq(b.len, 10);
	ck_assert(!trunc);
	unlink(path);
	ck_assert_int_eq(buf_read_file(&b, path, 100, NULL), -1);
	buf_release(&b);
}
END_TEST

Suite *suite_buf(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("buf");

	tcase_add_test(tc, grows_and_formats);
	tcase_add_test(tc, xml_escaping_is_safe);
	tcase_add_test(tc, read_file_is_bounded);
	suite_add_tcase(s, tc);
	return s;
}
