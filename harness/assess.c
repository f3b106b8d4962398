/* assess.c - see assess.h */
#include "assess.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "kfeatures.h"
#include "predict.h"
#include "verdict.h"

/* Declared "64M" and effective "67108864" are the same setting. */
static bool same_value(const char *declared, const char *effective)
{
	unsigned long long a, b;

	if (!strcmp(declared, effective))
		return true;
	return parse_size(declared, &a) && parse_size(effective, &b) && a == b;
}

static void drift_list(const struct kv_list *declared, const struct evidence *ev, struct buf *out)
{
	for (size_t i = 0; i < declared->n; i++) {
		const char *eff = kv_get(&ev->effective, declared->v[i].key);

		if (eff && !same_value(declared->v[i].value, eff))
			buf_addf(out, "%s%s declared %s, the guest had %s", out->len ? "; " : "",
				 declared->v[i].key, declared->v[i].value, eff);
		else if (!eff)
			buf_addf(out, "%s%s declared %s, the guest did not report it", out->len ? "; " : "",
				 declared->v[i].key, declared->v[i].value);
	}
}

/* A drifted environment is a FAIL with its cause, never explained away. */
static void check_drift(const struct plan_item *it, const struct evidence *ev, struct result *res)
{
	struct buf d = BUF_INIT;

	if (!ev->hello)
		return;
	drift_list(&it->vm->sysctl, ev, &d);
	drift_list(&it->vm->memcg, ev, &d);
	if (d.len) {
		observed_add(&res->obs, "settings drift: %s", d.s);
		if (res->verdict == VERDICT_PASS || res->verdict == VERDICT_FAIL) {
			res->verdict = VERDICT_FAIL;
			snprintf(res->reason, sizeof(res->reason), "the guest's settings drifted: %s", d.s);
		}
	}
	buf_release(&d);
}

static void predict(const struct plan_item *it, const struct evidence *ev, struct result *res)
{
	const struct step_evidence *st = ev->nsteps ? &ev->steps[ev->nsteps - 1] : NULL;
	struct oracle_facts f;
	struct oracle_prediction p;
	struct buf err = BUF_INIT;

	predict_facts(ev, &f);
	/* Committed_AS as the request met it: just before the step, or, for
	 * bisect, just before its last probe (its own mappings included). */
	if (st && st->wl.committed_as_kb >= 0)
		f.committed_as_kb = st->wl.committed_as_kb;
	else if (st && st->before.committed_as_kb >= 0)
		f.committed_as_kb = st->before.committed_as_kb;
	if (!ev->hello || f.mem_total_kb <= 0 ||
	    predict_scenario(it->sc, it->vm, &f, st, &p, &err) < 0) {
		if (err.len)
			observed_add(&res->obs, "the oracle could not predict: %s", err.s);
		buf_release(&err);
		return;
	}
	res->oracle.present = true;
	res->oracle.path = p.path;
	res->oracle.margin_kb = p.margin_kb;
	res->oracle.tolerance_kb = p.tolerance_kb;
	snprintf(res->oracle.why, sizeof(res->oracle.why), "%s", p.why);
	buf_release(&err);
}

/* A request within the tolerance band of its limit may go either way. */
static bool inside_band(const struct result *res)
{
	long long m = res->oracle.margin_kb;

	return res->oracle.present && res->oracle.tolerance_kb > 0 &&
	       (m < 0 ? -m : m) <= res->oracle.tolerance_kb;
}

/* bisect measures the real limit: it must lie within the band of the
 * oracle's headroom (its margin for a request of 0 bytes). */
static void check_bisect(const struct evidence *ev, struct result *res)
{
	const struct step_evidence *st = ev->nsteps ? &ev->steps[ev->nsteps - 1] : NULL;
	long long found, diff;

	if (!st || strcmp(st->wl.op, "bisect") || st->wl.limit_bytes < 0 || !res->oracle.present ||
	    res->verdict != VERDICT_PASS)
		return;
	found = st->wl.limit_bytes / 1024;
	diff = found - res->oracle.margin_kb;
	observed_add(&res->obs, "bisected limit %lld kB, predicted %lld kB: difference %lld kB, "
		     "tolerance %lld kB", found, res->oracle.margin_kb, diff, res->oracle.tolerance_kb);
	if ((diff < 0 ? -diff : diff) > res->oracle.tolerance_kb + 4) {
		res->verdict = VERDICT_FAIL;
		snprintf(res->reason, sizeof(res->reason), "the bisected limit %lld kB is %lld kB from "
			 "the predicted %lld kB, outside the tolerance of %lld kB", found, diff,
			 res->oracle.margin_kb, res->oracle.tolerance_kb);
	}
}

/* What a scenario expects beyond the path: the OOM constraint and, for a
 * hog family, the victim the badness formula picks. */
static void check_oom_details(const struct scenario *sc, struct result *res)
{
	int adj;

	if (res->verdict != VERDICT_PASS)
		return;
	if (sc->constraint[0] && strcmp(sc->constraint, res->obs.constraint)) {
		res->verdict = VERDICT_FAIL;
		snprintf(res->reason, sizeof(res->reason), "expected an OOM with %s, observed %s",
			 sc->constraint, res->obs.constraint[0] ? res->obs.constraint : "no constraint");
	} else if (res->obs.victim_pid && predict_max_adj(sc, &adj)) {
		observed_add(&res->obs, "the badness formula picks the member with oom_score_adj %d; "
			     "the victim had %d", adj, res->obs.victim_adj);
		if (adj != res->obs.victim_adj) {
			res->verdict = VERDICT_FAIL;
			snprintf(res->reason, sizeof(res->reason), "the victim had oom_score_adj %d, "
				 "the badness formula picks the member with %d", res->obs.victim_adj, adj);
		}
	}
}

static void skip(struct result *res, const char *why)
{
	res->verdict = VERDICT_SKIP;
	text_copy(res->reason, sizeof(res->reason), why);
	observed_add(&res->obs, "%s", why);
}

bool assess_before_boot(const struct plan_item *it, const struct kernel *k, struct result *res)
{
	_cleanup_buf_ struct buf why = BUF_INIT, err = BUF_INIT;
	feature_set needs = features_needed(it->sc, it->vm);
	struct kconfig kc;
	bool missing;

	if (!needs || !k->config[0])
		return false;
	if (kconfig_read(&kc, k->config, &err) < 0) {
		observed_add(&res->obs, "needs not checked before boot: %s", err.s);
		return false;
	}
	missing = features_config_missing(&kc, needs, k->modules[0] != '\0', &why);
	kconfig_free(&kc);
	if (!missing)
		return false;
	res->declared = it->sc->expect;
	skip(res, why.s);
	res->dir[0] = '\0';
	return true;
}

/* The guest said a need is missing: nothing it did is judged. */
static bool skip_in_guest(const struct plan_item *it, const struct evidence *ev,
			  struct result *res)
{
	_cleanup_buf_ struct buf why = BUF_INIT;

	if (!features_guest_missing(ev, features_needed(it->sc, it->vm), &why))
		return false;
	skip(res, why.s);
	return true;
}

void assess(const struct plan_item *it, const struct evidence *ev, const char *vm_problem,
	    struct result *res)
{
	if (ev->release[0])
		snprintf(res->kernel, sizeof(res->kernel), "%s", ev->release);
	res->declared = it->sc->expect;
	if (skip_in_guest(it, ev, res))
		return;
	classify(ev, &res->obs);
	predict(it, ev, res);
	res->expected = res->declared != PATH_UNKNOWN ? res->declared :
			res->oracle.present ? res->oracle.path : PATH_UNKNOWN;
	res->oracle_disagrees = res->oracle.present && res->declared != PATH_UNKNOWN &&
				res->oracle.path != res->declared;
	if (res->oracle.present)
		observed_add(&res->obs, "oracle: %s (margin %lld kB, tolerance %lld kB)",
			     res->oracle.why, res->oracle.margin_kb, res->oracle.tolerance_kb);
	res->verdict = judge(res->expected, &res->obs, ev, vm_problem, res->reason,
			     sizeof(res->reason));
	if (res->expected == PATH_UNKNOWN && res->verdict == VERDICT_FAIL) {
		res->verdict = VERDICT_ERROR;
		snprintf(res->reason, sizeof(res->reason), "no expectation: the scenario declares "
			 "none and the oracle could not predict one");
	}
	if (res->verdict == VERDICT_FAIL && inside_band(res) && res->declared == PATH_UNKNOWN) {
		res->verdict = VERDICT_PASS;
		observed_add(&res->obs, "the request is within the tolerance band of its limit: "
			     "either outcome is the kernel's right");
		res->reason[0] = '\0';
	}
	check_bisect(ev, res);
	check_oom_details(it->sc, res);
	check_drift(it, ev, res);
}
