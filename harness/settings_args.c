/* settings_args.c - the run line of a scenario: a known workload and
 * arguments each of the right form (size expressions, adj/names/sizes lists,
 * fiu= fault points; stress-ng's own options pass unchecked). */
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fiuspec.h"
#include "settings_int.h"
#include "sizeexpr.h"
#include "../workloads/wl_names.h"

#define WL_NAME(name, args, what) #name,
static const char *const workload_names[] = { WL_LIST(WL_NAME) NULL };

static bool valid_adj_list(const char *s)
{
	do {
		char *end;
		long v = strtol(s, &end, 10);

		if (end == s || v < -1000 || v > 1000 || (*end && *end != ','))
			return false;
		s = *end ? end + 1 : end;
	} while (*s);
	return true;
}

/* names=a,b,c (hog, sysrq): comms of 1-15 printable bytes, no blank,
 * comma, quote or backslash (TASK_COMM_LEN, include/linux/sched.h). */
static bool valid_names_list(const char *s)
{
	do {
		size_t len = strcspn(s, ",");

		if (len == 0 || len > 15)
			return false;
		for (size_t k = 0; k < len; k++)
			if (s[k] <= ' ' || s[k] >= 0x7f || s[k] == '"' || s[k] == '\\')
				return false;
		s += len;
		if (*s == ',' && !*++s)
			return false;
	} while (*s);
	return true;
}

/* sizes=N,N (sysrq): plain non-negative numbers. */
static bool valid_number_list(const char *s)
{
	do {
		size_t len = strspn(s, "0123456789");

		if (len == 0 || len > 12 || (s[len] && s[len] != ','))
			return false;
		s += len;
		if (*s == ',' && !*++s)
			return false;
	} while (*s);
	return true;
}

/* fiu=POINT[:PROBABILITY] (fiuspec.h), for any program: at most
 * FIU_MAX_POINTS of them. */
static void check_fiu(struct load *ld, const struct scenario *sc)
{
	struct fiu_point p;
	char msg[320];
	size_t n = 0;

	for (size_t i = 1; i < sc->nrun; i++) {
		if (!fiu_is_arg(sc->run[i]))
			continue;
		if (!fiu_parse(sc->run[i] + strlen(FIU_ARG), &p, msg, sizeof(msg)))
			cfg_bad(ld, "run: argument '%s': %s (the option is fiu=POINT or "
				"fiu=POINT:PROBABILITY)", sc->run[i], msg);
		else if (++n == FIU_MAX_POINTS + 1)
			cfg_bad(ld, "run: more than %d fiu= arguments", FIU_MAX_POINTS);
	}
}

void cfg_check_run(struct load *ld, struct scenario *sc)
{
	_cleanup_buf_ struct buf allowed = BUF_INIT;
	char msg[160];

	check_fiu(ld, sc);
	/* stress-ng takes its own options, passed through unchecked. */
	if (sc->nrun && !strcmp(sc->run[0], "stress-ng"))
		return;
	if (!sc->nrun || !cfg_in_list(workload_names, sc->run[0])) {
		cfg_add_list(&allowed, workload_names);
		cfg_bad(ld, "run: '%s' is not a workload; known: %s, stress-ng", sc->nrun ? sc->run[0] : "",
			allowed.s);
		return;
	}
	for (size_t i = 1; i < sc->nrun; i++) {
		const char *eq = strchr(sc->run[i], '=');

		if (!eq || eq == sc->run[i]) {
			cfg_bad(ld, "run: argument '%s' is not key=value", sc->run[i]);
		} else if (fiu_is_arg(sc->run[i])) {
			continue; /* check_fiu */
		} else if (!strncmp(sc->run[i], "adj=", 4)) {
			if (!valid_adj_list(eq + 1))
				cfg_bad(ld, "run: argument '%s': adj is a comma-separated list of "
					"oom_score_adj values from -1000 to 1000", sc->run[i]);
		} else if (!strncmp(sc->run[i], "names=", 6)) {
			if (!valid_names_list(eq + 1))
				cfg_bad(ld, "run: argument '%s': names is a comma-separated list of "
					"names of 1-15 printable characters, no blanks, quotes or "
					"backslashes", sc->run[i]);
		} else if (!strncmp(sc->run[i], "sizes=", 6)) {
			if (!valid_number_list(eq + 1))
				cfg_bad(ld, "run: argument '%s': sizes is a comma-separated list of "
					"numbers", sc->run[i]);
		} else if (!sizeexpr_check(eq + 1, msg, sizeof(msg))) {
			allowed.len = 0;
			cfg_add_list(&allowed, sizeexpr_names);
			cfg_bad(ld, "run: argument '%s': %s (sizes are expressions of %s, numbers and units K M G T)",
			    sc->run[i], msg, allowed.s);
		}
	}
}

