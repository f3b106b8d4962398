/* qmp.c - see qmp.h */
#include "qmp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fiu-local.h>
#include <json-c/json.h>

#include "cleanup.h"

static const char capabilities[] = "{\"execute\": \"qmp_capabilities\"}\n";

int qmp_open(struct qmp *q, int *child_fd, struct buf *err)
{
	int sv[2];

	memset(q, 0, sizeof(*q));
	q->fd = -1;
	*child_fd = -1;
	if (fiu_fail("oomlab/qmp/socketpair")) {
		errno = EMFILE;
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		goto fail;
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0) {
		close(sv[0]);
		close(sv[1]);
		goto fail;
	}
	q->fd = sv[0];
	q->state = QMP_GREETING;
	*child_fd = sv[1];
	return 0;
fail:
	snprintf(q->error, sizeof(q->error), "no QMP monitor: socketpair: %s", strerror(errno));
	buf_addstr(err, q->error);
	return -1;
}

static void stop(struct qmp *q, const char *why)
{
	if (why && !q->error[0])
		snprintf(q->error, sizeof(q->error), "%s", why);
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	q->state = q->state == QMP_OFF ? QMP_OFF : QMP_CLOSED;
}

static void send_capabilities(struct qmp *q)
{
	ssize_t n;

	if (q->fd < 0) /* fed by a test: pretend it went out */
		goto sent;
	do
		n = send(q->fd, capabilities, sizeof(capabilities) - 1, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(capabilities) - 1) {
		stop(q, "QMP: cannot send qmp_capabilities");
		return;
	}
sent:
	q->state = QMP_NEGOTIATING;
}

static void on_event(struct qmp *q, const char *name, struct json_object *msg)
{
	struct json_object *data, *reason;

	if (!strcmp(name, "GUEST_PANICKED")) {
		q->panicked = true;
		return;
	}
	if (!strcmp(name, "RESUME")) {
		q->resumed = true;
		return;
	}
	if (strcmp(name, "SHUTDOWN"))
		return;
	q->shutdown = true;
	if (json_object_object_get_ex(msg, "data", &data) &&
	    json_object_object_get_ex(data, "reason", &reason) &&
	    json_object_is_type(reason, json_type_string)) {
		snprintf(q->reason, sizeof(q->reason), "%s", json_object_get_string(reason));
		for (char *p = q->reason; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || *p == '-'))
				*p = '?';
	}
}

static void copy_field(char *dst, size_t len, struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return;
	snprintf(dst, len, "%s", json_object_get_string(v));
	for (char *p = dst; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
}

/* The answer to a command of qmp_execute: ret is its "return", or NULL for
 * an "error". */
static void on_answer(struct qmp *q, struct json_object *msg, struct json_object *ret)
{
	struct json_object *err;

	q->answered++;
	if (!ret && json_object_object_get_ex(msg, "error", &err)) {
		copy_field(q->cmd_error, sizeof(q->cmd_error), err, "desc");
		return;
	}
	if (json_object_is_type(ret, json_type_object))
		copy_field(q->status, sizeof(q->status), ret, "status");
}

/* One complete line from QEMU. */
static void on_line(struct qmp *q, const char *line, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *msg, *v;

	if (!tok)
		return;
	msg = json_tokener_parse_ex(tok, line, (int)len);
	if (!msg || !json_object_is_type(msg, json_type_object)) {
		json_object_put(msg);
		json_tokener_free(tok);
		return;
	}
	if (q->state == QMP_GREETING && json_object_object_get_ex(msg, "QMP", NULL)) {
		send_capabilities(q);
	} else if (q->state == QMP_NEGOTIATING && json_object_object_get_ex(msg, "return", NULL)) {
		q->state = QMP_READY;
		q->negotiated = true;
	} else if (q->state == QMP_NEGOTIATING && json_object_object_get_ex(msg, "error", NULL)) {
		stop(q, "QMP: qmp_capabilities was refused");
	} else if (q->state == QMP_READY && (json_object_object_get_ex(msg, "return", &v) ||
					     json_object_object_get_ex(msg, "error", NULL))) {
		on_answer(q, msg, v);
	} else if (json_object_object_get_ex(msg, "event", &v) &&
		   json_object_is_type(v, json_type_string)) {
		on_event(q, json_object_get_string(v), msg);
	}
	json_object_put(msg);
	json_tokener_free(tok);
}

void qmp_feed(struct qmp *q, const char *data, size_t len)
{
	for (size_t i = 0; i < len && q->state != QMP_CLOSED && q->state != QMP_OFF; i++) {
		char c = data[i];

		if (c == '\n') {
			if (!q->skipping)
				on_line(q, q->line, q->len);
			q->len = 0;
			q->skipping = false;
		} else if (q->skipping) {
			continue;
		} else if (q->len + 1 >= sizeof(q->line)) {
			q->skipping = true; /* no QMP message we care about is that long */
			q->len = 0;
		} else if (c != '\r') {
			q->line[q->len++] = c;
		}
	}
}

void qmp_pump(struct qmp *q)
{
	char tmp[4096];

	while (q->fd >= 0) {
		size_t want = sizeof(tmp);
		ssize_t n;

		fiu_do_on("oomlab/qmp/short", want = 1); /* a byte at a time */
		n = recv(q->fd, tmp, want, MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			stop(q, n < 0 ? "QMP: read error" : NULL);
			return;
		}
		qmp_feed(q, tmp, (size_t)n);
	}
}

void qmp_close(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}

int qmp_execute_fd(struct qmp *q, const char *command, int fd)
{
	_cleanup_buf_ struct buf line = BUF_INIT;
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;

	if (q->state != QMP_READY || q->fd < 0)
		return -1;
	buf_addf(&line, "%s\n", command);
	iov = (struct iovec){ line.s, line.len };
	if (fd >= 0) {
		memset(control, 0, sizeof(control));
		mh.msg_control = control;
		mh.msg_controllen = sizeof(control);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	/* A command is far smaller than an empty socket buffer: all or nothing. */
	do
		n = sendmsg(q->fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)line.len) {
		stop(q, "QMP: cannot send a command");
		return -1;
	}
	q->sent++;
	return 0;
}

int qmp_execute(struct qmp *q, const char *command)
{
	return qmp_execute_fd(q, command, -1);
}
