/* verdict.c - see verdict.h: the verdict names, the evidence sentences of
 * struct observed (observed_add) and judge().  classify(), and the kernel
 * facts it relies on, are in verdict_classify.c. */
#include "verdict.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"

static const char *const verdict_names[] = {
	[VERDICT_PASS] = "PASS",
	[VERDICT_FAIL] = "FAIL",
	[VERDICT_ERROR] = "ERROR",
	[VERDICT_SKIP] = "SKIP",
};

const char *verdict_name(enum verdict v)
{
	return (unsigned)v < ARRAY_SIZE(verdict_names) ? verdict_names[v] : "ERROR";
}

void observed_init(struct observed *o)
{
	memset(o, 0, sizeof(*o));
	o->path = PATH_UNKNOWN;
	o->order = -1;
}

void observed_free(struct observed *o)
{
	for (size_t i = 0; i < o->nevidence && i < OBS_MAX_EVIDENCE; i++)
		free(o->evidence[i]);
	observed_init(o);
}

void observed_add(struct observed *o, const char *fmt, ...)
{
	char line[OBS_MAX_SENTENCE];
	va_list ap;
	int n;

	if (o->nevidence >= OBS_MAX_EVIDENCE)
		return;
	if (o->nevidence == OBS_MAX_EVIDENCE - 1) {
		snprintf(line, sizeof(line), "(further evidence left out)");
	} else {
		va_start(ap, fmt);
		n = vsnprintf(line, sizeof(line), fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n >= sizeof(line)) {
			size_t cut = sizeof(line) - 4;

			while (cut && ((unsigned char)line[cut] & 0xc0) == 0x80)
				cut--;
			memcpy(line + cut, "...", 4);
		}
	}
	text_sanitize(line);
	o->evidence[o->nevidence] = strdup(line);
	if (!o->evidence[o->nevidence])
		abort();
	o->nevidence++;
}

/* ---- judge ---- */

static void reason_set(char *reason, size_t len, const struct buf *b)
{
	text_copy(reason, len, b->s);
}

/* Why the run cannot be judged, or false.  ERROR (never FAIL) is for what
 * is the harness's or the VM's fault: a host-side VM problem, no hello, an
 * agent error, a failed setup step (the guest is not what the vmconfig
 * says), the step under test missing or not runnable (its error), a panic that is not the observed
 * oom_panic, the step never ending or timing out, no done (unless the
 * observed path is oom_panic, which stops the guest mid-step), and
 * malformed record lines when they lost the step's end or the observed path
 * disagrees (the evidence may be partial).  Only a clean run whose observed
 * path differs from the expected one is a FAIL. */
static bool run_broken(const struct observed *obs, const struct evidence *ev,
		       const char *vm_problem, struct buf *why)
{
	const struct step_evidence *st = ev->nsteps && ev->steps ? &ev->steps[ev->nsteps - 1] : NULL;
	bool panic_path = obs->path == PATH_OOM_PANIC || obs->path == PATH_NO_KILLABLE_PANIC;

	if (vm_problem)
		buf_addf(why, "VM problem: %s", vm_problem);
	else if (!ev->hello)
		buf_addstr(why, "the guest agent never said hello");
	else if (ev->agent_error)
		buf_addf(why, "the guest agent failed: %s", ev->agent_error);
	else if (ev->setup_errors.n)
		buf_addf(why, "guest setup failed: %s: %s", ev->setup_errors.v[0].key,
			 ev->setup_errors.v[0].value);
	else if (!st || !st->begun)
		buf_addstr(why, "the step under test is missing from the record channel");
	else if (st->error)
		buf_addf(why, "the guest agent could not run the step: %s", st->error);
	else if (ev->panic && !panic_path)
		buf_addf(why, "unexpected kernel panic: %.*s",
			 (int)strnlen(ev->panic_reason, sizeof(ev->panic_reason)), ev->panic_reason);
	else if (!panic_path && !st->ended)
		buf_addstr(why, "the step under test never ended");
	else if (!panic_path && st->timed_out)
		buf_addstr(why, "the workload did not finish within the step's timeout");
	else if (!panic_path && !ev->done)
		buf_addstr(why, "the guest agent never sent done");
	else
		return false;
	if (ev->panic && !strstr(why->s, "panic"))
		buf_addf(why, " (kernel panic: %.*s)",
			 (int)strnlen(ev->panic_reason, sizeof(ev->panic_reason)), ev->panic_reason);
	if (ev->bad_lines)
		buf_addf(why, "; %zu malformed record lines%s%s", ev->bad_lines,
			 ev->nerrors && ev->errors[0] ? ", first: " : "",
			 ev->nerrors && ev->errors[0] ? ev->errors[0] : "");
	return true;
}

enum verdict judge(enum oom_path expected, const struct observed *obs,
		   const struct evidence *ev, const char *vm_problem,
		   char *reason, size_t len)
{
	_cleanup_buf_ struct buf why = BUF_INIT;

	if (len)
		reason[0] = '\0';
	if (run_broken(obs, ev, vm_problem, &why)) {
		reason_set(reason, len, &why);
		return VERDICT_ERROR;
	}
	if (obs->path == expected)
		return VERDICT_PASS;
	if (ev->bad_lines) {
		/* The channel lost lines, so the evidence may be incomplete: not
		 * the kernel's doing. */
		buf_addf(&why, "observed %s instead of %s, but %zu record lines were malformed%s%s",
			 path_name(obs->path), path_name(expected), ev->bad_lines,
			 ev->nerrors && ev->errors[0] ? ", first: " : "",
			 ev->nerrors && ev->errors[0] ? ev->errors[0] : "");
		reason_set(reason, len, &why);
		return VERDICT_ERROR;
	}
	buf_addf(&why, "expected %s, observed %s", path_name(expected), path_name(obs->path));
	for (size_t i = 0; i < obs->nevidence && i < 3; i++)
		buf_addf(&why, "%s%s", i ? "; " : ": ", obs->evidence[i]);
	reason_set(reason, len, &why);
	return VERDICT_FAIL;
}
