/* buf.h - growable byte buffers, after git's strbuf.
 *
 * A struct buf is always NUL-terminated once initialised with BUF_INIT.
 * Allocation failure aborts (as git's xmalloc does): the controller cannot
 * do anything useful without memory, and every caller checking for it would
 * bury the logic.  Under libfiu the fault point "oomlab/buf/alloc" makes
 * buf_grow fail the same way ("oomlab: out of memory", abort), so tests can
 * see that path; "oomlab/buf/read" makes buf_read_file fail with EIO and
 * "oomlab/buf/short-read" makes it read in short, odd-sized pieces.
 */
#ifndef OOMLAB_BUF_H
#define OOMLAB_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>

struct buf {
	size_t len;   /* bytes used, not counting the terminating NUL */
	size_t alloc; /* bytes allocated; 0 when buf points at the static "" */
	char *s;
};

extern char buf_empty[];
#define BUF_INIT { 0, 0, buf_empty }

void buf_init(struct buf *b, size_t hint);
void buf_release(struct buf *b);
static inline void buf_releasep(struct buf *b) { buf_release(b); }
#define _cleanup_buf_ __attribute__((cleanup(buf_releasep)))

void buf_grow(struct buf *b, size_t extra);
void buf_reset(struct buf *b);
void buf_setlen(struct buf *b, size_t len);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_addstr(struct buf *b, const char *s);
void buf_addch(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
/* Take the string out; the buf is reset. Never NULL. */
char *buf_detach(struct buf *b);
void buf_rtrim(struct buf *b);

/* Read at most max bytes of the file into b (appending).  Returns 0, or -1
 * with errno set.  *truncated (may be NULL) tells whether max cut it short. */
int buf_read_file(struct buf *b, const char *path, size_t max, bool *truncated);

/* Length of the valid UTF-8 sequence at s (not overlong, no surrogate), or
 * 0 when it is not valid UTF-8. */
size_t utf8_seq(const unsigned char *s);
/* Guest text is untrusted: replace invalid UTF-8 bytes, C0 controls and DEL
 * by '?' in place. */
void text_sanitize(char *s);
/* Copy src into dst[len], cut at a UTF-8 boundary, then text_sanitize it. */
void text_copy(char *dst, size_t len, const char *src);

/* Append text with XML 1.0 escaping; control characters XML forbids become
 * U+FFFD and invalid UTF-8 bytes become '?'. */
void buf_add_xml(struct buf *b, const char *s);
/* Append text with HTML escaping (same filtering). */
void buf_add_html(struct buf *b, const char *s);

#endif
