/* klog_prefix.c - klog_kernel_msg() and klog_strip_prefix() (see klog.h):
 * the stamps and syslog prefixes in front of a kernel message.
 *
 * Sources: kernel/printk/printk.c print_time() "[%5lu.%06lu]", print_caller()
 * "[%6s]" with "T%u"/"C%u" (CONFIG_PRINTK_CALLER); the "<N>" level of
 * /dev/kmsg-style dumps; util-linux dmesg -T "[Mon Jan  1 00:00:00 2024]";
 * rsyslog/journalctl "Mon DD hh:mm:ss host tag: " and RFC 3339 prefixes.
 */
#include "klog.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#define MONTHS "JanFebMarAprMayJunJulAugSepOctNovDec"
#define WDAYS  "MonTueWedThuFriSatSun"

/* s starts with one of the 3-letter names packed in list. */
static bool in_list3(const char *s, const char *list)
{
	for (; *list; list += 3)
		if (!strncmp(s, list, 3))
			return true;
	return false;
}

static const char *digits(const char *p)
{
	while (isdigit((unsigned char)*p))
		p++;
	return p;
}

static bool digits_at(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* "hh:mm:ss" */
static bool is_clock(const char *s)
{
	return digits_at(s, 2) && s[2] == ':' && digits_at(s + 3, 2) && s[5] == ':' &&
	       digits_at(s + 6, 2);
}

/* "Mon DD hh:mm:ss" or "Mon  D hh:mm:ss", and journalctl -o short-precise's
 * ".123456": returns the end, or NULL. */
static const char *skip_bsd_date(const char *s)
{
	if (!in_list3(s, MONTHS) || s[3] != ' ' || !(s[4] == ' ' || isdigit((unsigned char)s[4])) ||
	    !isdigit((unsigned char)s[5]) || s[6] != ' ' || !is_clock(s + 7))
		return NULL;
	return s[15] == '.' ? digits(s + 16) : s + 15;
}

/* "2024-01-01T00:00:00[.frac][zone]": returns the end, or NULL. */
static const char *skip_iso_date(const char *s)
{
	if (!(digits_at(s, 4) && s[4] == '-' && digits_at(s + 5, 2) && s[7] == '-' &&
	      digits_at(s + 8, 2) && s[10] == 'T' && is_clock(s + 11)))
		return NULL;
	return s + 19 + strcspn(s + 19, " ");
}

/* A syslog/journal prefix "DATE host tag: ": NULL if line has none, else
 * the text after it; *kernel tells whether the tag is "kernel:". */
static const char *skip_syslog(const char *line, bool *kernel)
{
	const char *p = skip_bsd_date(line), *host, *tag;
	size_t hl, tl;

	if (!p)
		p = skip_iso_date(line);
	if (!p || *p != ' ')
		return NULL;
	host = p + 1;
	hl = strcspn(host, " ");
	if (!hl || host[hl] != ' ')
		return NULL;
	tag = host + hl + 1;
	tl = strcspn(tag, " ");
	if (!tl || tag[tl - 1] != ':')
		return NULL;
	*kernel = tl == 7 && !strncmp(tag, "kernel:", 7);
	return tag + tl + (tag[tl] == ' ');
}

/* "<4>" */
static const char *skip_level(const char *s)
{
	const char *p;

	if (*s != '<')
		return s;
	p = digits(s + 1);
	return p > s + 1 && p - s < 6 && *p == '>' ? p + 1 : s;
}

/* "[  12.345678]" (print_time) or dmesg -T "[Mon Jan  1 00:00:00 2024]",
 * and the space after it (none when a caller field follows). */
static const char *skip_stamp(const char *s)
{
	const char *p, *q;

	if (*s != '[')
		return s;
	if (in_list3(s + 1, WDAYS) && s[4] == ' ' && (q = skip_bsd_date(s + 5)) && *q == ' ' &&
	    digits_at(q + 1, 4) && q[5] == ']')
		return q + 6 + (q[6] == ' ');
	p = s + 1 + strspn(s + 1, " ");
	q = digits(p);
	if (q == p || *q != '.' || !isdigit((unsigned char)q[1]))
		return s;
	p = digits(q + 1);
	return *p == ']' ? p + 1 + (p[1] == ' ') : s;
}

/* CONFIG_PRINTK_CALLER: "[    C1] " or "[  T123] " right after the stamp. */
static const char *skip_caller(const char *s)
{
	const char *p;

	if (*s != '[')
		return s;
	p = s + 1 + strspn(s + 1, " ");
	if ((*p != 'T' && *p != 'C') || !isdigit((unsigned char)p[1]))
		return s;
	p = digits(p + 1);
	return *p == ']' ? p + 1 + (p[1] == ' ') : s;
}

const char *klog_kernel_msg(const char *line)
{
	bool kernel = false;
	const char *p = skip_syslog(line, &kernel), *q;

	if (p && !kernel)
		return NULL;
	p = skip_level(p ? p : line);
	q = skip_stamp(p);
	return q != p ? skip_caller(q) : q;
}

const char *klog_strip_prefix(const char *line)
{
	const char *p = klog_kernel_msg(line);

	return p ? p : line;
}
