/* fuzz_config.c - libFuzzer target: the configuration parser (settings.h)
 * on arbitrary vmconfig, scenario and matrix files.
 *
 * Input: VMCONFIG [SEP SCENARIOS [SEP MATRIX]], SEP being "\n%%\n"; the parts
 * are written to DIR/fuzz.ini, DIR/scenarios/fuzz.ini and DIR/matrix/fuzz.ini
 * in a private directory made once, and config_load(DIR) reads them.  A
 * loaded configuration also goes through plan selection and the guest plan
 * document, which use every parsed field. */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "plan.h"
#include "settings.h"

static const char sep[] = "\n%%\n";
static char dir[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void remove_dir(void)
{
	if (dir[0])
		nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[128];

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s", "/tmp/oomlab-fuzz-config-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	atexit(remove_dir);
	snprintf(path, sizeof(path), "%s/scenarios", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/matrix", dir);
	mkdir(path, 0700);
	return 0;
}

static void put(const char *name, const uint8_t *p, size_t n)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f)
		abort();
	if (n && fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

/* The next part of the input, up to the separator. */
static size_t part(const uint8_t **p, const uint8_t *end, const uint8_t **next)
{
	const uint8_t *s = *p ? memmem(*p, (size_t)(end - *p), sep, sizeof(sep) - 1) : NULL;
	size_t n;

	if (!*p)
		return 0;
	n = s ? (size_t)(s - *p) : (size_t)(end - *p);
	*next = s ? s + sizeof(sep) - 1 : NULL;
	return n;
}

static void use_config(const struct oom_config *cfg)
{
	char *sel[] = { "*" };
	struct plan plan = { 0 };
	struct buf err = BUF_INIT, doc = BUF_INIT;

	if (plan_select(cfg, sel, 1, &plan, &err) == 0) {
		for (size_t i = 0; i < plan.n; i++) {
			const char *mods[16];

			plan_modules(&plan.items[i], mods, 16);
			buf_reset(&doc);
			plan_guest_json(&plan.items[i], NULL, 0, &doc);
		}
		plan_free(&plan);
	}
	buf_release(&err);
	buf_release(&doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "fuzz.ini", "scenarios/fuzz.ini", "matrix/fuzz.ini" };
	const uint8_t *p = data, *end = data + size, *next = NULL;
	struct oom_config cfg;
	struct buf err = BUF_INIT;

	for (size_t i = 0; i < 3; i++) {
		size_t n = part(&p, end, &next);

		put(names[i], p ? p : data, n);
		p = next;
		next = NULL;
	}
	if (config_load(dir, &cfg, &err) == 0)
		use_config(&cfg);
	config_free(&cfg); /* also after an error: what was loaded */
	buf_release(&err);
	return 0;
}
