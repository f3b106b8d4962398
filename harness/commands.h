/* commands.h - subcommands that live outside main.c. */
#ifndef OOMLAB_COMMANDS_H
#define OOMLAB_COMMANDS_H

/* oomlab oracle [--config DIR] [--kernel K] [SELECTOR...]: the predicted
 * path and margin of every selected scenario, without booting. */
int cmd_oracle(const char *config_dir, int argc, char **argv);

#endif
