/* cmd_oracle.c - `oomlab oracle`: predictions without booting. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "commands.h"
#include "kernel.h"
#include "plan.h"
#include "predict.h"

static void print_row(const struct plan_item *it, const struct oracle_prediction *p,
		      bool measured, const char *err)
{
	const char *declared = it->sc->expect == PATH_UNKNOWN ? "-" : path_name(it->sc->expect);

	if (err) {
		printf("%-44s %-16s %-18s %s\n", it->sc->name, it->vm->name, "?", err);
		return;
	}
	printf("%-44s %-16s %-18s %10lld %9lld  %-18s %s%s\n", it->sc->name, it->vm->name,
	       path_name(p->path), p->margin_kb, p->tolerance_kb, declared,
	       measured ? "measured" : "estimated",
	       it->sc->expect != PATH_UNKNOWN && it->sc->expect != p->path ? "  DISAGREES" : "");
	printf("    %s\n", p->why);
}

static int predict_all(const struct plan *plan, const char *cache, const char *release)
{
	size_t measured = 0, disagree = 0;

	printf("%-44s %-16s %-18s %10s %9s  %-18s %s\n", "SCENARIO", "VMCONFIG", "PREDICTED",
	       "MARGIN_KB", "TOL_KB", "DECLARED", "FACTS");
	for (size_t i = 0; i < plan->n; i++) {
		const struct plan_item *it = &plan->items[i];
		struct oracle_facts f;
		struct oracle_prediction p;
		_cleanup_buf_ struct buf err = BUF_INIT;
		bool m = facts_load(cache, release, it->vm, &f);

		measured += m;
		if (predict_scenario(it->sc, it->vm, &f, NULL, &p, &err) < 0) {
			print_row(it, NULL, m, err.s);
			continue;
		}
		disagree += it->sc->expect != PATH_UNKNOWN && it->sc->expect != p.path;
		print_row(it, &p, m, NULL);
	}
	printf("%zu scenarios for kernel %s; facts measured by an earlier boot for %zu, estimated "
	       "for %zu; %zu declared expectations disagree with the oracle\n", plan->n, release,
	       measured, plan->n - measured, disagree);
	return disagree ? 1 : 0;
}

int cmd_oracle(const char *config_dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "kernel", required_argument, NULL, 'k' },
		{ 0 },
	};
	const char *kname = "debian";
	struct oom_config cfg;
	struct plan plan = { 0 };
	struct kernel k;
	char cache[PATH_MAX];
	_cleanup_buf_ struct buf err = BUF_INIT;
	int c, status = 2;

	while ((c = getopt_long(argc, argv, "c:k:", opts, NULL)) != -1) {
		if (c == 'c')
			config_dir = optarg;
		else if (c == 'k')
			kname = optarg;
		else
			return 2;
	}
	if (config_load(config_dir, &cfg, &err) < 0) {
		fprintf(stderr, "%soomlab: the configuration in %s has errors\n", err.s, config_dir);
		return 2;
	}
	if (plan_select(&cfg, argv + optind, (size_t)(argc - optind), &plan, &err) < 0 ||
	    kernel_cache_dir(cache, sizeof(cache), &err) < 0 ||
	    (strchr(kname, '/') ? kernel_from_path(kname, NULL, &k, &err)
				: kernel_fetch_debian(kname, &k, &err)) < 0)
		fprintf(stderr, "oomlab: %s\n", err.s);
	else
		status = predict_all(&plan, cache, k.release[0] ? k.release : "unknown");
	plan_free(&plan);
	config_free(&cfg);
	return status;
}
