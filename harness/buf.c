/* buf.c - see buf.h */
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fiu-local.h>

#include "cleanup.h"

char buf_empty[1];

void buf_init(struct buf *b, size_t hint)
{
	b->len = 0;
	b->alloc = 0;
	b->s = buf_empty;
	if (hint)
		buf_grow(b, hint);
}

void buf_release(struct buf *b)
{
	if (b->alloc)
		free(b->s);
	buf_init(b, 0);
}

void buf_grow(struct buf *b, size_t extra)
{
	size_t want;
	char *p;

	if (extra > SIZE_MAX / 2 - b->len - 1)
		abort();
	want = b->len + extra + 1;
	if (want <= b->alloc)
		return;
	if (want < b->alloc * 3 / 2)
		want = b->alloc * 3 / 2;
	if (want < 64)
		want = 64;
	p = fiu_fail("oomlab/buf/alloc") ? NULL : realloc(b->alloc ? b->s : NULL, want);
	if (!p) {
		fputs("oomlab: out of memory\n", stderr);
		abort();
	}
	if (!b->alloc)
		p[0] = '\0';
	b->s = p;
	b->alloc = want;
}

void buf_reset(struct buf *b)
{
	buf_setlen(b, 0);
}

void buf_setlen(struct buf *b, size_t len)
{
	if (!b->alloc) {
		if (len)
			abort();
		return;
	}
	if (len >= b->alloc)
		abort();
	b->len = len;
	b->s[len] = '\0';
}

void buf_add(struct buf *b, const void *data, size_t len)
{
	if (!len)
		return;
	buf_grow(b, len);
	memcpy(b->s + b->len, data, len);
	buf_setlen(b, b->len + len);
}

void buf_addstr(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addch(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(b->s + b->len, b->alloc ? b->alloc - b->len : 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= (b->alloc ? b->alloc - b->len : 0)) {
		buf_grow(b, (size_t)n);
		vsnprintf(b->s + b->len, b->alloc - b->len, fmt, ap);
	}
	buf_setlen(b, b->len + (size_t)n);
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

char *buf_detach(struct buf *b)
{
	char *s;

	if (!b->alloc)
		buf_grow(b, 0);
	s = b->s;
	buf_init(b, 0);
	return s;
}

void buf_rtrim(struct buf *b)
{
	while (b->len && strchr(" \t\r\n", b->s[b->len - 1]))
		b->len--;
	if (b->alloc)
		b->s[b->len] = '\0';
}

int buf_read_file(struct buf *b, const char *path, size_t max, bool *truncated)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (truncated)
		*truncated = false;
	if (fd < 0)
		return -1;
	for (;;) {
		size_t room = max - got;
		ssize_t n;

		if (!room) {
			char c;
			if (truncated && read(fd, &c, 1) == 1)
				*truncated = true;
			return 0;
		}
		if (room > 65536)
			room = 65536;
		fiu_do_on("oomlab/buf/short-read", room = 1 + room / 7919); /* odd, short */
		buf_grow(b, room);
		fiu_return_on("oomlab/buf/read", (errno = EIO, -1));
		n = read(fd, b->s + b->len, room);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return 0;
		buf_setlen(b, b->len + (size_t)n);
		got += (size_t)n;
	}
}

/* Length of the valid UTF-8 sequence at s (not overlong, no surrogate), or
 * 0.  Stops at a NUL, which is never a continuation byte. */
size_t utf8_seq(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void text_sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p) {
		size_t n = utf8_seq(p);

		if (!n || *p < 0x20 || *p == 0x7f) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

void text_copy(char *dst, size_t len, const char *src)
{
	size_t n;

	if (!len)
		return;
	n = strlen(src);
	if (n >= len) {
		n = len - 1;
		/* Do not cut a UTF-8 sequence in two. */
		while (n && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	text_sanitize(dst);
}

static void add_markup(struct buf *b, const char *s, bool html)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_seq(p);

		if (!n) {
			buf_addch(b, '?');
			p++;
			continue;
		}
		switch (*p) {
		case '<': buf_addstr(b, "&lt;"); break;
		case '>': buf_addstr(b, "&gt;"); break;
		case '&': buf_addstr(b, "&amp;"); break;
		case '"': buf_addstr(b, "&quot;"); break;
		case '\'': buf_addstr(b, html ? "&#39;" : "&apos;"); break;
		default:
			if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
				buf_addstr(b, "\xef\xbf\xbd");
			else
				buf_add(b, p, n);
		}
		p += n;
	}
}

void buf_add_xml(struct buf *b, const char *s)
{
	add_markup(b, s, false);
}

void buf_add_html(struct buf *b, const char *s)
{
	add_markup(b, s, true);
}
