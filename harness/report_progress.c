/* report_progress.c - the progress line of a run (report.h). */
#include "report.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, FILE *f, size_t total)
{
	memset(p, 0, sizeof(*p));
	p->tty = isatty(fileno(f)) == 1;
	p->total = total;
	p->start = mono_s();
}

static void fmt_secs(char *out, size_t len, long long s)
{
	if (s >= 60)
		snprintf(out, len, "%lldm%02llds", s / 60, s % 60);
	else
		snprintf(out, len, "%llds", s);
}

static void status_line(const struct progress *p, char *line, size_t len)
{
	double el = mono_s() - p->start;
	long long el_s = el > 0 ? (long long)el : 0;
	size_t done = p->done > p->total ? p->total : p->done;
	char e[32], eta[32];

	fmt_secs(e, sizeof(e), el_s);
	if (done)
		fmt_secs(eta, sizeof(eta), el_s * (long long)(p->total - done) / (long long)done);
	else
		snprintf(eta, sizeof(eta), "?");
	snprintf(line, len, "[%zu/%zu] running %zu, elapsed %s, ETA %s", done, p->total,
		 p->running, e, eta);
}

static void redraw(struct progress *p, FILE *f, const char *line)
{
	if (!strcmp(line, p->shown))
		return;
	fprintf(f, "\r%s\033[K", line);
	fflush(f);
	snprintf(p->shown, sizeof(p->shown), "%s", line);
	p->last_len = strlen(line);
}

void progress_update(struct progress *p, FILE *f, const struct result *finished)
{
	char line[sizeof(p->shown)];

	if (finished)
		p->done++;
	if (p->tty) {
		status_line(p, line, sizeof(line));
		redraw(p, f, line);
		return;
	}
	if (finished) {
		char brief[256];

		report_brief(finished, brief, sizeof(brief));
		fprintf(f, "[%zu/%zu] %s\n", p->done, p->total, brief);
		fflush(f);
	}
}

void progress_end(struct progress *p, FILE *f)
{
	char e[32];

	if (!p->tty || !p->last_len)
		return;
	fmt_secs(e, sizeof(e), (long long)(mono_s() - p->start));
	fprintf(f, "\r[%zu/%zu] finished in %s\033[K\n", p->done, p->total, e);
	fflush(f);
	p->last_len = 0;
	p->shown[0] = '\0';
}
