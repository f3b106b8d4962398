/* bench_html.c - the self-contained HTML report of `oomlab bench`: tables,
 * and inline SVG drawn here (no script, no style sheet or font from the
 * network): one strip plot per phase with every repetition's value, the
 * median and p90 of each side, and the memory/PSI time line of the
 * representative event.  Every text that came from a guest or a file
 * (kernel release, vmconfig, comm) is escaped with buf_add_html. */
#include "bench_int.h"

#include <math.h>
#include <string.h>

#define W       760.0     /* plot width */
#define LM      150.0     /* left margin (labels) */
#define RM      30.0
#define ROW     34.0

static const char *const colour[BENCH_SIDES] = { "#1f77b4", "#d62728" };

void bench_svg_text(struct buf *out, double x, double y, const char *anchor, const char *text)
{
	buf_addf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"12\">", x, y, anchor);
	buf_add_html(out, text);
	buf_addstr(out, "</text>");
}

static double xpos(double v, double lo, double hi)
{
	return LM + (hi > lo ? (v - lo) / (hi - lo) : 0.5) * (W - LM - RM);
}

/* Axis ticks at 0, 1/4 .. 1 of [lo, hi]. */
static void axis(struct buf *o, double lo, double hi, double y, const char *unit)
{
	char t[48];

	buf_addf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>", LM, y,
		 W - RM, y);
	for (int k = 0; k <= 4; k++) {
		double v = lo + (hi - lo) * k / 4, x = xpos(v, lo, hi);

		snprintf(t, sizeof(t), "%.3g%s", v, k == 4 ? unit : "");
		buf_addf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>", x,
			 y, x, y + 4);
		bench_svg_text(o, x, y + 16, "middle", t);
	}
}

static void strip_plot(struct buf *o, const struct bench_result *r, enum bench_phase p)
{
	double lo = INFINITY, hi = -INFINITY, h = ROW * (double)r->nsides + 40;

	for (size_t k = 0; k < r->nsides; k++)
		for (size_t i = 0; i < r->side[k].nval[p]; i++) {
			lo = fmin(lo, r->side[k].val[p][i]);
			hi = fmax(hi, r->side[k].val[p][i]);
		}
	buf_addstr(o, "<h3>");
	buf_add_html(o, bench_phase_name(p));
	buf_addstr(o, "</h3>\n");
	if (lo > hi) {
		buf_addstr(o, "<p>No values: this phase did not happen in any repetition.</p>\n");
		return;
	}
	lo = fmin(lo, 0);
	hi = hi > lo ? hi * 1.05 : lo + 1;
	buf_addf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		 "role=\"img\">", W, h);
	for (size_t k = 0; k < r->nsides; k++) {
		const struct bench_side *s = &r->side[k];
		double y = 20 + ROW * (double)k;
		char lab[32];

		snprintf(lab, sizeof(lab), "%c (n=%zu)", (int)('A' + k), s->nval[p]);
		bench_svg_text(o, LM - 8, y + 4, "end", lab);
		for (size_t i = 0; i < s->nval[p]; i++)
			buf_addf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" fill-opacity=\"0.6\"/>",
				 xpos(s->val[p][i], lo, hi), y, colour[k]);
		if (s->sum[p].n) {
			double xm = xpos(s->sum[p].median, lo, hi), x9 = xpos(s->sum[p].p90, lo, hi);

			buf_addf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
				 "stroke-width=\"3\"/>", xm, y - 11, xm, y + 11);
			buf_addf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
				 "stroke-dasharray=\"3,2\"/>", x9, y - 9, x9, y + 9);
		}
	}
	axis(o, lo, hi, h - 22, " ms");
	buf_addstr(o, "</svg>\n");
}

/* ---- the time line of the representative event ---- */

struct tl {
	double t0, t1, mlo, mhi;
	const struct bench_rep *rep;
	const struct bench_event *e;
};

static double ty(double v, double lo, double hi, double top, double bottom)
{
	return bottom - (hi > lo ? (v - lo) / (hi - lo) : 0.5) * (bottom - top);
}

static void tl_marker(struct buf *o, const struct tl *t, double at, const char *name, int k)
{
	double x;

	if (isnan(at) || at < t->t0 || at > t->t1)
		return;
	x = xpos(at, t->t0, t->t1);
	buf_addf(o, "<line x1=\"%.1f\" y1=\"20\" x2=\"%.1f\" y2=\"300\" stroke=\"#888\" "
		 "stroke-dasharray=\"4,3\"/>", x, x);
	bench_svg_text(o, x, 14 + 11.0 * (k % 2), "middle", name);
}

/* MemAvailable (MiB, left scale) and PSI some/full (% of the interval
 * stalled, from the differences of the totals; right scale 0-100). */
static void tl_series(struct buf *o, const struct tl *t)
{
	const struct bench_rep *rp = t->rep;
	struct buf mem = BUF_INIT, some = BUF_INIT, full = BUF_INIT;

	for (size_t i = 0; i < rp->ns; i++) {
		const struct bench_sample *s = &rp->s[i], *p = i ? &rp->s[i - 1] : NULL;
		double x = xpos(s->t, t->t0, t->t1), dt;

		if (s->t < t->t0 || s->t > t->t1)
			continue;
		if (!isnan(s->avail_kb))
			buf_addf(&mem, "%.1f,%.1f ", x, ty(s->avail_kb / 1024, t->mlo, t->mhi, 30, 290));
		if (!p || (dt = (s->t - p->t) * 1e6) <= 0)
			continue;
		if (!isnan(s->some_us) && !isnan(p->some_us))
			buf_addf(&some, "%.1f,%.1f ", x,
				 ty(fmin(100, (s->some_us - p->some_us) / dt * 100), 0, 100, 30, 290));
		if (!isnan(s->full_us) && !isnan(p->full_us))
			buf_addf(&full, "%.1f,%.1f ", x,
				 ty(fmin(100, (s->full_us - p->full_us) / dt * 100), 0, 100, 30, 290));
	}
	buf_addf(o, "<polyline fill=\"none\" stroke=\"#2ca02c\" stroke-width=\"2\" points=\"%s\"/>",
		 mem.len ? mem.s : "");
	buf_addf(o, "<polyline fill=\"none\" stroke=\"#ff7f0e\" stroke-width=\"2\" points=\"%s\"/>",
		 some.len ? some.s : "");
	buf_addf(o, "<polyline fill=\"none\" stroke=\"#9467bd\" stroke-width=\"2\" points=\"%s\"/>",
		 full.len ? full.s : "");
	buf_release(&mem);
	buf_release(&some);
	buf_release(&full);
}

static void tl_range(struct tl *t)
{
	const struct bench_event *e = t->e;
	const double c[] = { e->t_stall, e->t_invoke, e->t_select, e->t_exit, e->t_reaped,
			     e->t_recover };

	t->t0 = INFINITY;
	t->t1 = -INFINITY;
	for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++)
		if (!isnan(c[k])) {
			t->t0 = fmin(t->t0, c[k]);
			t->t1 = fmax(t->t1, c[k]);
		}
	/* Some context either side: a quarter of the event, at least 0.2 s. */
	double pad = fmax((t->t1 - t->t0) / 4, 0.2);
	t->t0 -= pad;
	t->t1 += pad;
	t->mlo = 0;
	t->mhi = 1;
	for (size_t i = 0; i < t->rep->ns; i++)
		if (!isnan(t->rep->s[i].avail_kb))
			t->mhi = fmax(t->mhi, t->rep->s[i].avail_kb / 1024 * 1.1);
}

static void timeline(struct buf *o, const struct bench_result *r)
{
	struct tl t = { 0 };
	char lab[64];

	buf_addstr(o, "<h2>Memory and pressure through one event</h2>\n");
	if (!r->have_rep) {
		buf_addstr(o, "<p>No repetition with a complete event.</p>\n");
		return;
	}
	t.rep = &r->side[r->rep_side].rep[r->rep_index];
	t.e = &t.rep->ev[0];
	tl_range(&t);
	buf_addf(o, "<p>Side %c, repetition %zu (total nearest the median), invoker ",
		 (int)('A' + r->rep_side), r->rep_index + 1);
	buf_add_html(o, t.e->invoker_comm);
	buf_addf(o, " (pid %d). Green: MemAvailable (MiB, left); orange: PSI memory some, "
		 "purple: full (%% of time stalled, right; from /proc/pressure/memory totals).</p>\n",
		 t.e->invoker);
	buf_addf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"340\" "
		 "role=\"img\">", W);
	buf_addf(o, "<rect x=\"%.1f\" y=\"30\" width=\"%.1f\" height=\"260\" fill=\"#f7f7f7\" "
		 "stroke=\"#ccc\"/>", LM, W - LM - RM);
	snprintf(lab, sizeof(lab), "%.0f MiB", t.mhi);
	bench_svg_text(o, LM - 6, 36, "end", lab);
	bench_svg_text(o, LM - 6, 290, "end", "0");
	tl_series(o, &t);
	tl_marker(o, &t, t.e->t_stall, "stall", 0);
	tl_marker(o, &t, t.e->t_invoke, "invoke", 1);
	tl_marker(o, &t, t.e->t_select, "select", 0);
	tl_marker(o, &t, t.e->t_exit, "exit", 1);
	tl_marker(o, &t, t.e->t_reaped, "reaped", 0);
	tl_marker(o, &t, t.e->t_recover, "recover", 1);
	axis(o, 0, (t.t1 - t.t0) * 1000, 310, " ms");
	buf_addstr(o, "</svg>\n");
}

/* ---- tables ---- */

static void summary_table(struct buf *o, const struct bench_result *r)
{
	buf_addstr(o, "<table><tr><th>side</th><th>phase</th><th>n</th><th>min</th><th>median</th>"
		   "<th>p90</th><th>p99</th><th>max</th></tr>\n");
	for (size_t k = 0; k < r->nsides; k++)
		for (int p = 0; p < BP_COUNT; p++) {
			const struct stats_summary *m = &r->side[k].sum[p];

			buf_addf(o, "<tr><td>%c</td><td>", (int)('A' + k));
			buf_add_html(o, bench_phase_name((enum bench_phase)p));
			if (!m->n) {
				buf_addstr(o, "</td><td>0</td><td colspan=\"5\">-</td></tr>\n");
				continue;
			}
			buf_addf(o, "</td><td>%zu</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td>"
				 "<td>%.2f</td></tr>\n", m->n, m->min, m->median, m->p90, m->p99, m->max);
		}
	buf_addstr(o, "</table>\n");
}

static void cmp_table(struct buf *o, const struct bench_result *r)
{
	if (r->nsides < 2)
		return;
	buf_addstr(o, "<h2>B against A</h2><table><tr><th>phase</th><th>median B / median A</th>"
		   "<th>95% CI (bootstrap)</th><th>Mann-Whitney p</th><th>verdict</th></tr>\n");
	for (int p = 0; p < BP_COUNT; p++) {
		const struct bench_cmp *c = &r->cmp[p];

		buf_addstr(o, "<tr><td>");
		buf_add_html(o, bench_phase_name((enum bench_phase)p));
		if (!c->tested)
			buf_addstr(o, "</td><td colspan=\"4\">not tested (fewer than 2 values)</td></tr>\n");
		else if (c->have_ratio)
			buf_addf(o, "</td><td>%.3f</td><td>%.3f - %.3f</td><td>%.4f</td><td>%s</td></tr>\n",
				 c->r.ratio, c->r.lo, c->r.hi, c->t.p, stats_verdict_text(c->v));
		else
			buf_addf(o, "</td><td>-</td><td>-</td><td>%.4f</td><td>%s</td></tr>\n", c->t.p,
				 stats_verdict_text(c->v));
	}
	buf_addstr(o, "</table>\n");
}

static void sides_list(struct buf *o, const struct bench_result *r, bool *tcg)
{
	buf_addstr(o, "<ul>\n");
	for (size_t k = 0; k < r->nsides; k++) {
		const struct bench_side *s = &r->side[k];

		*tcg |= !strcmp(s->accel, "tcg");
		buf_addf(o, "<li><b style=\"color:%s\">%c</b>: ", colour[k], (int)('A' + k));
		buf_add_html(o, s->label);
		buf_addstr(o, " &mdash; kernel ");
		buf_add_html(o, s->kernel);
		buf_addstr(o, ", vmconfig ");
		buf_add_html(o, s->vmconfig);
		buf_addstr(o, ", accelerator ");
		buf_add_html(o, s->accel);
		buf_addf(o, ", %zu of %zu repetitions with an OOM kill</li>\n", s->nrep - s->no_event,
			 s->nrun);
	}
	buf_addstr(o, "</ul>\n");
}

void bench_html(const struct bench_result *r, struct buf *o)
{
	bool tcg = false;

	buf_addstr(o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		   "<title>oomlab bench: ");
	buf_add_html(o, r->scenario);
	buf_addstr(o, "</title><style>body{font-family:sans-serif;margin:2em;max-width:60em}"
		   "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;"
		   "text-align:right}</style></head><body>\n<h1>OOM latency: ");
	buf_add_html(o, r->scenario);
	buf_addstr(o, "</h1>\n");
	sides_list(o, r, &tcg);
	buf_addstr(o, "<p>Times are from the guest's trace buffer (CLOCK_MONOTONIC), one OOM event "
		   "(the first) per repetition, each repetition a fresh guest.</p>\n");
	if (tcg)
		buf_addstr(o, "<p><b>Accelerator TCG:</b> these are emulation timings, comparable "
			   "only with runs on the same host.</p>\n");
	summary_table(o, r);
	cmp_table(o, r);
	buf_addstr(o, "<h2>Distributions</h2><p>Dots: repetitions; solid bar: median; dashed: "
		   "p90.</p>\n");
	for (int p = 0; p < BP_COUNT; p++)
		strip_plot(o, r, (enum bench_phase)p);
	timeline(o, r);
	buf_addstr(o, "</body></html>\n");
}
