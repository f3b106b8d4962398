/* main.c - the oomlab command line: list, fetch, doctor and the dispatch
 * (run: cmd_run.c). */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "cmd_run.h"
#include "commands.h"
#include "diff.h"
#include "incident.h"
#include "kernel.h"
#include "plan.h"
#include "replay.h"
#include "report.h"
#include "run.h"
#include "settings.h"
#include "spawn.h"
#include "vm.h"


static void find_paths(struct paths *p)
{
	char exe[PATH_MAX], tmp[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		n = 0;
	exe[n] = '\0';
	snprintf(p->bin, sizeof(p->bin), "%s", dirname(exe));
	snprintf(tmp, sizeof(tmp), "%s", p->bin);
	snprintf(p->root, sizeof(p->root), "%s", dirname(tmp));
	snprintf(p->config, sizeof(p->config), "%s/vmconfigs", p->root);
	snprintf(p->guest, sizeof(p->guest), "%s/guest", p->bin);
	if (getenv("OOMLAB_GUEST_DIR"))
		snprintf(p->guest, sizeof(p->guest), "%s", getenv("OOMLAB_GUEST_DIR"));
}

/* tag: only scenarios with this tag (NULL: all). */
static void list_scenarios(const struct oom_config *cfg, const char *tag)
{
	printf("%-40s %-16s %-18s %s\n", "SCENARIO", "VMCONFIG", "EXPECT", "TAGS");
	for (size_t i = 0; i < cfg->nsc; i++) {
		const struct scenario *sc = &cfg->sc[i];
		_cleanup_buf_ struct buf tags = BUF_INIT;

		if (tag && !scenario_has_tag(sc, tag))
			continue;
		for (size_t t = 0; t < sc->ntags; t++)
			buf_addf(&tags, "%s%s", t ? "," : "", sc->tags[t]);
		printf("%-40s %-16s %-18s %s\n", sc->name, sc->vmconfig,
		       sc->expect == PATH_UNKNOWN ? "(oracle)" : path_name(sc->expect), tags.s);
		if (sc->description)
			printf("    %s\n", sc->description);
	}
}

static void list_vmconfigs(const struct oom_config *cfg)
{
	static const char *const swaps[] = { "none", "zram", "disk" };

	printf("\n%-16s %-7s %-12s %s\n", "VMCONFIG", "MEMORY", "SWAP", "SETTINGS");
	for (size_t i = 0; i < cfg->nvm; i++) {
		const struct vmconfig *vm = &cfg->vm[i];
		_cleanup_buf_ struct buf set = BUF_INIT, swap = BUF_INIT;

		for (size_t s = 0; s < vm->sysctl.n; s++)
			buf_addf(&set, "%s=%s ", vm->sysctl.v[s].key, vm->sysctl.v[s].value);
		for (size_t s = 0; s < vm->memcg.n; s++)
			buf_addf(&set, "%s=%s ", vm->memcg.v[s].key, vm->memcg.v[s].value);
		buf_addstr(&swap, swaps[vm->swap]);
		if (vm->swap != SWAP_NONE)
			buf_addf(&swap, " %lluM", vm->swap_bytes >> 20);
		printf("%-16s %-7lluM %-12s %s\n", vm->name, vm->memory_bytes >> 20, swap.s, set.s);
	}
}

static int cmd_list(const struct paths *p, int argc, char **argv)
{
	struct oom_config cfg;
	const char *dir = p->config;
	char tag[OOM_NAME_MAX + 8] = "";

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--config")) {
			dir = argv[i + 1];
		} else if (!strcmp(argv[i], "--matrix")) {
			snprintf(tag, sizeof(tag), "matrix:%s", argv[i + 1]);
		} else {
			fprintf(stderr, "oomlab list: %s: allowed: --config DIR, --matrix NAME\n", argv[i]);
			return 2;
		}
	}
	if (load_config(dir, &cfg) < 0)
		return 2;
	list_scenarios(&cfg, tag[0] ? tag : NULL);
	if (tag[0]) {
		config_free(&cfg);
		return 0;
	}
	list_vmconfigs(&cfg);
	printf("\n%-18s %s\n", "PATH", "MEANING");
	for (unsigned i = PATH_UNKNOWN + 1; i < PATH_COUNT; i++)
		printf("%-18s %s\n", path_name((enum oom_path)i), path_describe((enum oom_path)i));
	config_free(&cfg);
	return 0;
}

static int cmd_fetch(int argc, char **argv)
{
	struct kernel k;

	if (resolve_kernel(argc > 1 ? argv[1] : "debian", NULL, &k) < 0)
		return 2;
	printf("%s\t%s\t%s\n", k.release, k.image, k.modules);
	return 0;
}

static bool doctor_line(bool ok, const char *what, const char *detail)
{
	printf("%-4s %-22s %s\n", ok ? "ok" : "FAIL", what, detail);
	return ok;
}

static int cmd_doctor(const struct paths *p)
{
	const char *qv[] = { "qemu-system-x86_64", "--version", NULL };
	_cleanup_buf_ struct buf out = BUF_INIT, err = BUF_INIT, why = BUF_INIT;
	char init[PATH_MAX], cache[PATH_MAX];
	struct kernel k;
	bool ok = true;

	ok &= doctor_line(run_capture(qv, &out, 4096, &err) == 0, "qemu",
			  out.len ? strtok(out.s, "\n") : err.s);
	snprintf(init, sizeof(init), "%s/init", p->guest);
	ok &= doctor_line(access(init, X_OK) == 0, "guest agent", init);
	ok &= doctor_line(kernel_cache_dir(cache, sizeof(cache), &err) == 0, "cache", cache);
	ok &= doctor_line(resolve_kernel(NULL, NULL, &k) == 0, "default kernel", k.image);
	if (ok) {
		char tmp[] = "/tmp/oomlab-doctor-XXXXXX";
		enum accel acc = mkdtemp(tmp) ? decide_accel(p, ACCEL_AUTO, &k, tmp, &why) : ACCEL_TCG;

		doctor_line(true, "accelerator", accel_name(acc));
		printf("     %s\n", why.s);
		rmdir(tmp);
	}
	return ok ? 0 : 2;
}

int main(int argc, char **argv)
{
	struct paths p;

	find_paths(&p);
	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help")) {
		print_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(&p, argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return cmd_list(&p, argc - 1, argv + 1);
	if (!strcmp(argv[1], "fetch"))
		return cmd_fetch(argc - 1, argv + 1);
	if (!strcmp(argv[1], "doctor"))
		return cmd_doctor(&p);
	if (!strcmp(argv[1], "klog") && argc >= 3 && !strcmp(argv[2], "parse"))
		return incident_cli(argc - 2, argv + 2);
	if (!strcmp(argv[1], "diff"))
		return cmd_diff(argc - 1, argv + 1);
	if (!strcmp(argv[1], "replay"))
		return cmd_replay(argc - 1, argv + 1);
	if (!strcmp(argv[1], "oracle"))
		return cmd_oracle(p.config, argc - 1, argv + 1);
	if (!strcmp(argv[1], "merge"))
		return cmd_merge(argc - 1, argv + 1);
	if (!strcmp(argv[1], "bench") && argc > 2 && !strcmp(argv[2], "--harness"))
		return cmd_bench_harness(&p, argc - 2, argv + 2);
	if (!strcmp(argv[1], "bench"))
		return cmd_bench(&p, argc - 1, argv + 1);
	fprintf(stderr, "oomlab: unknown command '%s'\n", argv[1]);
	print_usage(stderr);
	return 2;
}
