/* test_qmp.c - the QMP client: the negotiation over a real socketpair, the
 * SHUTDOWN and GUEST_PANICKED events, and hostile monitor output. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fiu.h>
#include <fiu-control.h>

#include "qmp.h"
#include "suites.h"

static const char greeting[] = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, "
			       "\"major\": 7}}, \"capabilities\": [\"oob\"]}}\r\n";
static const char ret[] = "{\"return\": {}}\r\n";

static void feed(struct qmp *q, const char *s)
{
	qmp_feed(q, s, strlen(s));
}

static void fed_qmp(struct qmp *q)
{
	memset(q, 0, sizeof(*q));
	q->fd = -1;
	q->state = QMP_GREETING;
}

START_TEST(negotiation_over_socketpair)
{
	struct qmp q;
	struct buf err = BUF_INIT;
	char got[256] = "";
	int peer;
	ssize_t n;

	ck_assert_int_eq(qmp_open(&q, &peer, &err), 0);
	ck_assert_int_ge(peer, 0);
	qmp_pump(&q); /* nothing yet: does not block */
	ck_assert_int_eq(q.state, QMP_GREETING);
	ck_assert_int_eq(write(peer, greeting, strlen(greeting)), (ssize_t)strlen(greeting));
	qmp_pump(&q);
	ck_assert_int_eq(q.state, QMP_NEGOTIATING);
	n = read(peer, got, sizeof(got) - 1);
	ck_assert_int_gt(n, 0);
	ck_assert_str_eq(got, "{\"execute\": \"qmp_capabilities\"}\n");
	ck_assert_int_eq(write(peer, ret, strlen(ret)), (ssize_t)strlen(ret));
	qmp_pump(&q);
	ck_assert_int_eq(q.state, QMP_READY);
	ck_assert(q.negotiated);
	dprintf(peer, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"SHUTDOWN\", "
		"\"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}}\r\n");
	close(peer); /* QEMU exits */
	qmp_pump(&q);
	ck_assert(q.shutdown);
	ck_assert_str_eq(q.reason, "guest-shutdown");
	ck_assert_int_eq(q.state, QMP_CLOSED);
	ck_assert_int_eq(q.fd, -1);
	qmp_close(&q);
	buf_release(&err);
}
END_TEST

START_TEST(events_in_pieces)
{
	static const char all[] =
		"{\"QMP\": {}}\r\n{\"return\": {}}\r\n"
		"{\"event\": \"GUEST_PANICKED\", \"data\": {\"action\": \"pause\"}}\r\n"
		"{\"event\": \"STOP\"}\r\n"
		"{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-reset\"}}\r\n";
	struct qmp q;

	fed_qmp(&q);
	for (size_t i = 0; i < sizeof(all) - 1; i++)
		qmp_feed(&q, all + i, 1);
	ck_assert(q.negotiated);
	ck_assert(q.panicked);
	ck_assert(q.shutdown);
	ck_assert_str_eq(q.reason, "guest-reset");
}
END_TEST

START_TEST(hostile_monitor)
{
	static const char head[] = "{\"event\": \"SHUTDOWN\", \"data\": {\"reason\": \"guest-shutdown\"}, \"x\": \"";
	struct qmp q;
	char longline[QMP_LINE_MAX * 2];

	fed_qmp(&q);
	feed(&q, "not json\n[1,2]\n\"str\"\n{\"event\": 5}\n");
	ck_assert_int_eq(q.state, QMP_GREETING);
	feed(&q, greeting);
	feed(&q, ret);
	/* A line longer than the buffer is dropped whole, the next one counts. */
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	memcpy(longline, head, strlen(head));
	feed(&q, longline);
	feed(&q, "\"}\n");
	ck_assert(!q.shutdown);
	feed(&q, "{\"event\": \"SHUTDOWN\", \"data\": {\"reason\": \"Guest\\u0007<panic>-way-too-long-"
		 "for-the-field-of-thirty-two\"}}\n");
	ck_assert(q.shutdown);
	ck_assert_uint_lt(strlen(q.reason), sizeof(q.reason));
	ck_assert_str_eq(q.reason, "?uest??panic?-way-too-long-for-");
	feed(&q, "{\"event\": \"SHUTDOWN\", \"data\": {\"reason\": 7}}\n");
	ck_assert_str_eq(q.reason, "?uest??panic?-way-too-long-for-");
}
END_TEST

START_TEST(refused_and_missing)
{
	struct qmp q;
	struct buf err = BUF_INIT;
	int peer;

	fed_qmp(&q);
	feed(&q, greeting);
	feed(&q, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}}\n");
	ck_assert_int_eq(q.state, QMP_CLOSED);
	ck_assert(!q.negotiated);
	ck_assert_str_eq(q.error, "QMP: qmp_capabilities was refused");
	feed(&q, "{\"event\": \"SHUTDOWN\", \"data\": {\"reason\": \"guest-reset\"}}\n");
	ck_assert(!q.shutdown);

	ck_assert_int_eq(fiu_init(0), 0);
	ck_assert_int_eq(fiu_enable("oomlab/qmp/socketpair", 1, NULL, 0), 0);
	ck_assert_int_eq(qmp_open(&q, &peer, &err), -1);
	fiu_disable("oomlab/qmp/socketpair");
	ck_assert_int_eq(peer, -1);
	ck_assert_str_eq(err.s, "no QMP monitor: socketpair: Too many open files");
	buf_release(&err);
}
END_TEST

Suite *suite_qmp(void)
{
	Suite *s = suite_create("qmp");
	TCase *t = tcase_create("qmp");

	tcase_add_test(t, negotiation_over_socketpair);
	tcase_add_test(t, events_in_pieces);
	tcase_add_test(t, hostile_monitor);
	tcase_add_test(t, refused_and_missing);
	suite_add_tcase(s, t);
	return s;
}
