/* agent_kmsg.c - the kernel log, read from /dev/kmsg.
 *
 * Format of one read() (kernel/printk/printk.c, info_print_ext_header() and
 * msg_add_ext_text(); Documentation/ABI/testing/dev-kmsg):
 *   "PRIO,SEQ,TS_USEC,FLAGS[,caller=..];TEXT\n[ KEY=VALUE\n]..."
 * PRIO is (facility << 3) | level; TEXT has every byte < 0x20, >= 0x7f and
 * the backslash escaped as \xNN, so it is ASCII.  Each read() returns one
 * record; EPIPE means the next record was overwritten in the ring buffer
 * (the read position moves on to the oldest one still there); EAGAIN (with
 * O_NONBLOCK) means there is nothing more.  lseek(SEEK_END) moves to the
 * record after the newest (devkmsg_llseek).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

/* Larger than any record: CONSOLE_EXT_LOG_MAX is 8192 in 6.1. */
#define KMSG_BUF 8192
/* Reads per call, so a kernel that logs without end cannot hold us. */
#define KMSG_MAX_READS (KMSG_MAX_LINES * 4)

void kmsg_open(struct agent *ag)
{
	ag->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
}

void kmsg_seek_end(struct agent *ag)
{
	if (ag->kmsg >= 0)
		lseek(ag->kmsg, 0, SEEK_END);
}

static bool parse_ull(const char **p, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(*p, &end, 10);
	if (errno || end == *p)
		return false;
	*p = end;
	return true;
}

/* Turn one record into a kmsg object; NULL if it is malformed. */
static json_object *kmsg_record(int i, char *buf, size_t len)
{
	unsigned long long prio, seq, ts;
	const char *p = buf;
	char *text, *nl;
	json_object *r;

	buf[len] = '\0';
	if (!parse_ull(&p, &prio) || *p++ != ',' || !parse_ull(&p, &seq) || *p++ != ',' ||
	    !parse_ull(&p, &ts))
		return NULL;
	text = strchr(p, ';');
	if (!text)
		return NULL;
	text++;
	nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	r = rec_new("kmsg");
	json_object_object_add(r, "i", json_object_new_int(i));
	json_object_object_add(r, "prio", json_object_new_int((int)(prio & 7)));
	json_object_object_add(r, "seq", json_object_new_uint64(seq));
	json_object_object_add(r, "ts_us", json_object_new_uint64(ts));
	json_object_object_add(r, "msg", json_object_new_string(text));
	return r;
}

void kmsg_send(struct agent *ag, int i, struct kmsg_stats *st)
{
	char *buf;

	memset(st, 0, sizeof(*st));
	if (ag->kmsg < 0)
		return;
	buf = malloc(KMSG_BUF + 1);
	if (!buf)
		return;
	for (unsigned n = 0; n < KMSG_MAX_READS; n++) {
		ssize_t r = read(ag->kmsg, buf, KMSG_BUF);
		json_object *rec;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EPIPE) {
			st->overwritten++;
			continue;
		}
		if (r <= 0)
			break;
		if (st->sent >= KMSG_MAX_LINES) {
			st->dropped++;
			continue;
		}
		rec = kmsg_record(i, buf, (size_t)r);
		if (!rec) {
			st->dropped++;
			continue;
		}
		rec_send(ag, rec);
		st->sent++;
	}
	free(buf);
}
