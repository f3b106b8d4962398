/* settings_int.h - what settings.c shares with matrix.c, nothing else:
 * the parser state and the functions that build vmconfigs and scenarios
 * with FILE:LINE error reporting.  Users of the settings stage include
 * settings.h only. */
#ifndef OOMLAB_SETTINGS_INT_H
#define OOMLAB_SETTINGS_INT_H

#include <stdio.h>

#include <ini.h>

#include "settings.h"

struct ini_file {
	FILE *f;
	unsigned line;         /* line just read */
	unsigned section_line; /* line of the last [section] header */
};

/* State shared by the handlers. */
struct load {
	struct oom_config *cfg;
	struct ini_file in;
	const char *path;
	struct buf *err;
	unsigned nerr;
	struct vmconfig *vm;   /* vmconfig being read */
	struct scenario *sc;   /* scenario being read */
	char section[OOM_NAME_MAX];
	void *user;            /* matrix.c's own state */
};

/* "PATH:LINE: message" into ld->err, at ld->path and ld->in.line. */
void cfg_bad(struct load *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cfg_parse_file(struct load *ld, const char *path, ini_handler handler);
int cfg_ini_names(const char *dir, char ***names, size_t *n);
char **cfg_split_words(const char *s, size_t *n);
void cfg_strv_free(char **v, size_t n);

/* Append a vmconfig with defaults (ld->vm points at it; earlier pointers
 * into cfg->vm are invalid afterwards). */
struct vmconfig *cfg_vm_new(struct load *ld, const char *name, const char *file);
/* Apply one key of section vm, sysctl or memcg to ld->vm. */
int cfg_vm_handler(void *user, const char *section, const char *key, const char *value);
/* Append a scenario named name at ld->path, ld->in.section_line. */
struct scenario *cfg_scenario_new(struct load *ld, const char *name);
void cfg_scenario_key(struct load *ld, struct scenario *sc, const char *key, const char *value);

bool cfg_in_list(const char *const *list, const char *s);
/* "a, b, c" */
void cfg_add_list(struct buf *b, const char *const *list);
/* settings_args.c: check a scenario's run line. */
void cfg_check_run(struct load *ld, struct scenario *sc);

/* matrix.c: expand dir/matrix/ *.ini into vmconfigs and scenarios. */
void matrix_load_dir(struct load *ld, const char *dir);

#endif
