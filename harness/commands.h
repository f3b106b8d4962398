/* commands.h - subcommands that live outside main.c. */
#ifndef OOMLAB_COMMANDS_H
#define OOMLAB_COMMANDS_H

/* oomlab oracle [--config DIR] [--kernel K] [SELECTOR...]: the predicted
 * path and margin of every selected scenario, without booting. */
int cmd_oracle(const char *config_dir, int argc, char **argv);

/* oomlab merge OUT DIR...: the run directories of the shards of one run
 * joined into OUT with the outputs of an unsharded run (cmd_merge.c). */
int cmd_merge(int argc, char **argv);

/* oomlab bench [--kernel A] [--kernel B] [--vmconfig V]... --scenario S -n N
 * [--out DIR] | oomlab bench --from DIR: OOM latency phases over N fresh
 * guests, compared between two kernels or vmconfigs (cmd_bench.c). */
struct paths;
int cmd_bench(const struct paths *p, int argc, char **argv);

/* oomlab bench --harness [-n N] [--matrix] [--kernel K] [--out DIR]: what
 * the speed-ups of the run machinery buy (cold bzImage boot, PVH boot,
 * snapshot restore): time to the agent's hello, per-scenario overhead, and
 * with --matrix the default matrix's wall time and whether the verdicts of
 * the three agree.  argv[0] is "--harness". */
int cmd_bench_harness(const struct paths *p, int argc, char **argv);

#endif
