/* qmp.h - the QEMU Machine Protocol, only as far as telling a guest's
 * poweroff from its panic or reset.
 *
 * QEMU exits 0 both when the guest powers off and when it panics (the
 * kernel runs with panic=-1 and QEMU with -no-reboot, so a panic is a reset
 * that ends QEMU).  The SHUTDOWN event says which: its "reason" is
 * "guest-shutdown" for a poweroff, "guest-reset" for a reset (a panic with
 * panic=-1, a triple fault), "guest-panic" when a pvpanic device reported
 * the panic, "host-signal" when something on the host sent QEMU SIGTERM or
 * SIGINT, "host-qmp-quit" for a QMP quit (QEMU's qapi/run-state.json,
 * ShutdownCause).  GUEST_PANICKED is the pvpanic report itself.
 *
 * The monitor is one end of a socketpair given to QEMU as
 * "-chardev socket,id=qmp,fd=N -mon chardev=qmp,mode=control": no socket
 * path, nothing to clean up, no connect race.  QEMU sends the greeting once
 * its main loop runs (the kernel and initrd are loaded by then); events
 * come only after the capabilities negotiation, which qmp_pump() does.
 *
 * Everything QEMU sends is parsed with bounds (a line longer than
 * QMP_LINE_MAX is dropped); a monitor that misbehaves only turns QMP off,
 * and the caller falls back to the console.
 *
 * Beyond that, the snapshot pool (snapshot.h) sends a few commands (stop,
 * migrate, query-migrate, quit) with qmp_execute and reads their answers'
 * status, and a restore waits for the RESUME event before it talks to the
 * guest.
 *
 * libfiu point: oomlab/qmp/socketpair (no monitor: the fallback).
 */
#ifndef OOMLAB_QMP_H
#define OOMLAB_QMP_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define QMP_LINE_MAX 8192

enum qmp_state { QMP_OFF, QMP_GREETING, QMP_NEGOTIATING, QMP_READY, QMP_CLOSED };

struct qmp {
	int fd;                    /* our end, non-blocking; -1 when off or closed */
	enum qmp_state state;
	char line[QMP_LINE_MAX];   /* a partial line */
	size_t len;
	bool skipping;             /* inside an over-long line */
	bool negotiated;           /* the capabilities negotiation succeeded */
	bool shutdown;             /* a SHUTDOWN event came */
	char reason[32];           /* its reason, "" if none came */
	bool panicked;             /* a GUEST_PANICKED event came */
	bool resumed;              /* a RESUME event came (the guest runs) */
	unsigned sent, answered;   /* commands sent by qmp_execute, answers read */
	char status[32];           /* "status" of the newest answer that had one
				    * (query-migrate, query-status), "" if none */
	char cmd_error[128];       /* the newest error answer's description */
	char error[128];           /* why QMP stopped working, "" if it did not */
};

/* A socketpair: q keeps one end; *child_fd is the end to hand to QEMU
 * (close-on-exec, so pass it with child_keep_fd()).  -1 with err set. */
int qmp_open(struct qmp *q, int *child_fd, struct buf *err);
/* Read what QEMU sent (never blocks) and answer the greeting.  When QEMU has
 * exited this reads to the end. */
void qmp_pump(struct qmp *q);
/* Feed bytes as if read from the socket (qmp_pump uses it; tests too). */
void qmp_feed(struct qmp *q, const char *data, size_t len);
void qmp_close(struct qmp *q);
/* Send one command ({"execute": ...} as a single line, without the
 * newline) once negotiated; answers are counted in q->answered, in order.
 * -1 when QMP is not ready or the write failed (QMP is then stopped). */
int qmp_execute(struct qmp *q, const char *command);
/* The same, passing fd along (SCM_RIGHTS), for "getfd". */
int qmp_execute_fd(struct qmp *q, const char *command, int fd);

#endif
