/* cmd_run.h - `oomlab run` (cmd_run.c) and the pieces of the command line
 * it shares with main.c's other commands. */
#ifndef OOMLAB_CMD_RUN_H
#define OOMLAB_CMD_RUN_H

#include <limits.h>
#include <stdio.h>

#include "buf.h"
#include "kernel.h"
#include "settings.h"
#include "vm.h"

/* Where the program lives: <root>/build/oomlab, so <root> holds vmconfigs/
 * and results/, and <root>/build/guest the guest binaries. */
struct paths {
	char root[PATH_MAX];
	char bin[PATH_MAX];
	char config[PATH_MAX];
	char guest[PATH_MAX];
};

/* oomlab run [options] [SELECTOR...] | oomlab run --resume DIR [--jobs N]
 * [--quiet]: argv[0] is "run". */
int cmd_run(const struct paths *p, int argc, char **argv);

/* Block SIGINT, SIGTERM and SIGHUP: the run loop takes them from a
 * signalfd and stops its guests first. */
void block_signals(void);

/* main.c */
void print_usage(FILE *f);
int load_config(const char *dir, struct oom_config *cfg);
/* --kernel (NULL: debian) and --modules into k; prints why on failure. */
int resolve_kernel(const char *kernel, const char *modules, struct kernel *k);
/* The accelerator for want; for ACCEL_AUTO a probe boot whose files go to
 * work_dir (created, private). */
enum accel decide_accel(const struct paths *p, enum accel want, const struct kernel *k,
			const char *work_dir, struct buf *why);

#endif
