/* settings.c - see settings.h; the file formats are in vmconfigs/README.md.
 *
 * INI parsing is libinih's.  Debian builds it without INI_HANDLER_LINENO,
 * so the handler cannot be told the line; ini_parse_stream() with our own
 * line reader counts lines instead, and every error names FILE:LINE.
 */
#include "settings.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "kfeatures.h"
#include "settings_int.h"
#include "sizeexpr.h"


static const char *const memcg_files[] = {
	"memory.max", "memory.high", "memory.low", "memory.min",
	"memory.swap.max", "memory.swap.high", "memory.oom.group", "cpuset.mems", "cpuset.cpus", NULL,
};

/* ---- key/value lists ---- */

void kv_set(struct kv_list *l, const char *key, const char *value, unsigned line)
{
	for (size_t i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i].key, key)) {
			free(l->v[i].value);
			l->v[i].value = strdup(value);
			l->v[i].line = line;
			return;
		}
	}
	if (l->n == l->alloc) {
		size_t n = l->alloc ? l->alloc * 2 : 8;
		struct kv *v = realloc(l->v, n * sizeof(*v));

		if (!v)
			abort();
		l->v = v;
		l->alloc = n;
	}
	l->v[l->n].key = strdup(key);
	l->v[l->n].value = strdup(value);
	l->v[l->n].line = line;
	if (!l->v[l->n].key || !l->v[l->n].value)
		abort();
	l->n++;
}

void kv_del(struct kv_list *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i].key, key)) {
			free(l->v[i].key);
			free(l->v[i].value);
			memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(l->v[0]));
			l->n--;
			return;
		}
	}
}

const char *kv_get(const struct kv_list *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].key, key))
			return l->v[i].value;
	return NULL;
}

void kv_free(struct kv_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->alloc = 0;
}

/* ---- small parsers ---- */

bool parse_size(const char *s, unsigned long long *out)
{
	char *end;
	unsigned long long v, mult = 1;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	switch (*end) {
	case 'k': case 'K': mult = 1ULL << 10; end++; break;
	case 'm': case 'M': mult = 1ULL << 20; end++; break;
	case 'g': case 'G': mult = 1ULL << 30; end++; break;
	case 't': case 'T': mult = 1ULL << 40; end++; break;
	}
	if (*end || v > ULLONG_MAX / mult)
		return false;
	*out = v * mult;
	return true;
}

static bool parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= OOM_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return false;
	return true;
}

bool cfg_in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

void cfg_add_list(struct buf *b, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		buf_addf(b, "%s%s", i ? ", " : "", list[i]);
}

/* Split on blanks into a NULL-terminated strv. */
char **cfg_split_words(const char *s, size_t *n)
{
	_cleanup_free_ char *copy = strdup(s);
	char **v = calloc(strlen(s) / 2 + 2, sizeof(*v));
	char *save = NULL;

	if (!copy || !v)
		abort();
	*n = 0;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		if (!(v[(*n)++] = strdup(w)))
			abort();
	return v;
}

void cfg_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- the INI reader that counts lines (struct ini_file: settings_int.h) ---- */

static char *count_lines(char *str, int num, void *stream)
{
	struct ini_file *in = stream;
	char *r = fgets(str, num, in->f);
	const char *p = str;

	if (!r)
		return NULL;
	in->line++;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '[')
		in->section_line = in->line;
	return r;
}

void cfg_bad(struct load *ld, const char *fmt, ...)
{
	va_list ap;

	buf_addf(ld->err, "%s:%u: ", ld->path, ld->in.line);
	va_start(ap, fmt);
	buf_vaddf(ld->err, fmt, ap);
	va_end(ap);
	buf_addch(ld->err, '\n');
	ld->nerr++;
}

/* ---- vmconfigs ---- */

static void vm_key(struct load *ld, const char *key, const char *value)
{
	struct vmconfig *vm = ld->vm;
	unsigned long long sz;

	if (!strcmp(key, "description")) {
		free(vm->description);
		vm->description = strdup(value);
	} else if (!strcmp(key, "memory")) {
		if (!parse_size(value, &sz) || sz < (64ULL << 20) || sz > (64ULL << 30))
			cfg_bad(ld, "memory: '%s' is not a guest RAM size; write e.g. 256M or 1G (64M to 64G)", value);
		else
			vm->memory_bytes = sz;
	} else if (!strcmp(key, "cpus")) {
		if (!parse_uint(value, 1, 64, &vm->cpus))
			cfg_bad(ld, "cpus: '%s' is not a CPU count; write a number from 1 to 64", value);
	} else if (!strcmp(key, "swap")) {
		char v[64];

		snprintf(v, sizeof(v), "%s", value);
		if (strlen(v) > 4 && v[4] == ':')
			v[4] = ' ';
		value = v;
		if (!strcmp(value, "none")) {
			vm->swap = SWAP_NONE;
		} else if (!strncmp(value, "zram ", 5) && parse_size(value + 5, &sz) && sz) {
			vm->swap = SWAP_ZRAM;
			vm->swap_bytes = sz;
		} else if (!strncmp(value, "disk ", 5) && parse_size(value + 5, &sz) && sz >= (1ULL << 20)) {
			vm->swap = SWAP_DISK;
			vm->swap_bytes = sz;
		} else {
			cfg_bad(ld, "swap: '%s' is not a swap setting; write none, 'zram SIZE' or 'disk SIZE' (e.g. zram 128M)", value);
		}
	} else if (!strcmp(key, "append")) {
		free(vm->append);
		vm->append = strdup(value);
	} else if (!strcmp(key, "numa")) {
		if (!parse_uint(value, 0, 8, &vm->numa_nodes) || vm->numa_nodes == 1)
			cfg_bad(ld, "numa: '%s' is not a node count; write 0 (no NUMA) or 2 to 8", value);
	} else {
		cfg_bad(ld, "[vm] %s: unknown key; allowed: description, memory, cpus, numa, swap, append", key);
	}
}

static void vm_sysctl(struct load *ld, const char *key, const char *value)
{
	for (const char *p = key; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.') {
			cfg_bad(ld, "[sysctl] '%s': not a sysctl name; write it dotted, e.g. vm.overcommit_memory", key);
			return;
		}
	}
	if (!strchr(key, '.') || strstr(key, "..")) {
		cfg_bad(ld, "[sysctl] '%s': not a sysctl name; write it dotted, e.g. vm.overcommit_memory", key);
		return;
	}
	if (kv_get(&ld->vm->sysctl, key)) {
		cfg_bad(ld, "[sysctl] %s: set twice in this file", key);
		return;
	}
	kv_set(&ld->vm->sysctl, key, value, ld->in.line);
}

static void vm_memcg(struct load *ld, const char *key, const char *value)
{
	unsigned long long sz;
	_cleanup_buf_ struct buf allowed = BUF_INIT;

	if (!cfg_in_list(memcg_files, key)) {
		cfg_add_list(&allowed, memcg_files);
		cfg_bad(ld, "[memcg] %s: not a memory cgroup file oomlab sets; allowed: %s", key, allowed.s);
		return;
	}
	if (!strncmp(key, "cpuset.", 7)) {
		if (!*value || strspn(value, "0123456789,-") != strlen(value)) {
			cfg_bad(ld, "[memcg] %s: '%s' is not allowed; write a list such as 0 or 0-1", key, value);
			return;
		}
	} else if (!strcmp(key, "memory.oom.group") ? (strcmp(value, "0") && strcmp(value, "1"))
					     : (strcmp(value, "max") && !parse_size(value, &sz))) {
		cfg_bad(ld, "[memcg] %s: '%s' is not allowed; write %s", key, value,
		    !strcmp(key, "memory.oom.group") ? "0 or 1" : "a size such as 64M, or max");
		return;
	}
	kv_set(&ld->vm->memcg, key, value, ld->in.line);
}

int cfg_vm_handler(void *user, const char *section, const char *key, const char *value)
{
	struct load *ld = user;

	if (!strcmp(section, "vm"))
		vm_key(ld, key, value);
	else if (!strcmp(section, "sysctl"))
		vm_sysctl(ld, key, value);
	else if (!strcmp(section, "memcg"))
		vm_memcg(ld, key, value);
	else
		cfg_bad(ld, "[%s]: unknown section; allowed: [vm], [sysctl], [memcg]", section);
	return 1;
}

/* ---- scenarios ---- */

struct scenario *cfg_scenario_new(struct load *ld, const char *section)
{
	struct oom_config *cfg = ld->cfg;
	struct scenario *sc;

	sc = realloc(cfg->sc, (cfg->nsc + 1) * sizeof(*sc));
	if (!sc)
		abort();
	cfg->sc = sc;
	sc = &cfg->sc[cfg->nsc++];
	memset(sc, 0, sizeof(*sc));
	snprintf(sc->name, sizeof(sc->name), "%s", section);
	sc->file = strdup(ld->path);
	sc->line = ld->in.section_line;
	sc->expect = PATH_UNKNOWN;
	sc->uid = -1;
	if (!valid_name(section))
		cfg_bad(ld, "[%s]: a scenario name is 1-63 letters, digits, '-', '_' or '.'", section);
	for (size_t i = 0; i + 1 < cfg->nsc; i++)
		if (!strcmp(cfg->sc[i].name, section))
			cfg_bad(ld, "[%s]: scenario defined twice (first at %s:%u)", section,
			    cfg->sc[i].file, cfg->sc[i].line);
	return sc;
}

/* needs = zram kprobes: names of kfeatures.h, blank-separated. */
static void scenario_needs(struct load *ld, struct scenario *sc, const char *value)
{
	size_t n;
	char **w = cfg_split_words(value, &n);
	enum feature f;

	sc->needs = 0;
	for (size_t i = 0; i < n; i++) {
		if (feature_from_name(w[i], &f)) {
			sc->needs |= 1u << f;
		} else {
			_cleanup_buf_ struct buf known = BUF_INIT;

			feature_names(&known);
			cfg_bad(ld, "needs: '%s' is not a kernel feature; known: %s", w[i], known.s);
		}
	}
	if (!n)
		cfg_bad(ld, "needs: empty; write feature names such as 'needs = zram kprobes'");
	cfg_strv_free(w, n);
}

void cfg_scenario_key(struct load *ld, struct scenario *sc, const char *key, const char *value)
{
	if (!strcmp(key, "description")) {
		free(sc->description);
		sc->description = strdup(value);
	} else if (!strcmp(key, "vmconfig")) {
		if (!valid_name(value))
			cfg_bad(ld, "vmconfig: '%s' is not a vmconfig name", value);
		snprintf(sc->vmconfig, sizeof(sc->vmconfig), "%s", value);
	} else if (!strcmp(key, "run")) {
		cfg_strv_free(sc->run, sc->nrun);
		sc->run = cfg_split_words(value, &sc->nrun);
		cfg_check_run(ld, sc);
	} else if (!strcmp(key, "expect")) {
		if (!path_from_name(value, &sc->expect) || sc->expect == PATH_UNKNOWN) {
			_cleanup_buf_ struct buf allowed = BUF_INIT;
			for (unsigned p = PATH_UNKNOWN + 1; p < PATH_COUNT; p++)
				buf_addf(&allowed, "%s%s", p > PATH_UNKNOWN + 1 ? ", " : "",
					 path_name((enum oom_path)p));
			cfg_bad(ld, "expect: '%s' is not a path; known: %s", value, allowed.s);
		}
	} else if (!strcmp(key, "tags")) {
		cfg_strv_free(sc->tags, sc->ntags);
		sc->tags = cfg_split_words(value, &sc->ntags);
	} else if (!strcmp(key, "timeout")) {
		if (!parse_uint(value, 1, 3600, &sc->timeout_s))
			cfg_bad(ld, "timeout: '%s' is not a number of seconds from 1 to 3600", value);
	} else if (!strcmp(key, "constraint")) {
		static const char *const c[] = { "CONSTRAINT_NONE", "CONSTRAINT_CPUSET",
			"CONSTRAINT_MEMORY_POLICY", "CONSTRAINT_MEMCG", NULL };
		if (!cfg_in_list(c, value))
			cfg_bad(ld, "constraint: '%s' is not an OOM constraint; write CONSTRAINT_NONE, "
				"CONSTRAINT_CPUSET, CONSTRAINT_MEMORY_POLICY or CONSTRAINT_MEMCG", value);
		snprintf(sc->constraint, sizeof(sc->constraint), "%s", value);
	} else if (!strcmp(key, "user")) {
		unsigned uid;

		if (!parse_uint(value, 0, 65534, &uid))
			cfg_bad(ld, "user: '%s' is not a uid; write a number such as 1000 (0 is root)", value);
		else
			sc->uid = (int)uid;
	} else if (!strcmp(key, "needs")) {
		scenario_needs(ld, sc, value);
	} else {
		cfg_bad(ld, "%s: unknown key; allowed: description, vmconfig, run, expect, constraint, tags, timeout, user, needs", key);
	}
}

static int scenario_handler(void *user, const char *section, const char *key, const char *value)
{
	struct load *ld = user;

	if (!ld->sc || strcmp(ld->section, section)) {
		snprintf(ld->section, sizeof(ld->section), "%s", section);
		ld->sc = cfg_scenario_new(ld, section);
	}
	cfg_scenario_key(ld, ld->sc, key, value);
	return 1;
}

/* ---- files and directories ---- */

int cfg_parse_file(struct load *ld, const char *path, ini_handler handler)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	int r;

	ld->path = path;
	ld->in = (struct ini_file){ f, 0, 0 };
	if (!f) {
		buf_addf(ld->err, "%s: cannot read: %s\n", path, strerror(errno));
		ld->nerr++;
		return -1;
	}
	r = ini_parse_stream(count_lines, &ld->in, handler, ld);
	if (r > 0) {
		buf_addf(ld->err, "%s:%d: not an INI line; write 'key = value', '[section]' or '; comment'\n",
			 path, r);
		ld->nerr++;
	}
	return 0;
}

int cfg_ini_names(const char *dir, char ***names, size_t *n)
{
	struct dirent **ents;
	int k = scandir(dir, &ents, NULL, alphasort);

	*n = 0;
	*names = NULL;
	if (k < 0)
		return -1;
	*names = calloc((size_t)k + 1, sizeof(char *));
	if (!*names)
		abort();
	for (int i = 0; i < k; i++) {
		size_t len = strlen(ents[i]->d_name);

		if (len > 4 && !strcmp(ents[i]->d_name + len - 4, ".ini") && ents[i]->d_name[0] != '.')
			(*names)[(*n)++] = strdup(ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return 0;
}

struct vmconfig *cfg_vm_new(struct load *ld, const char *name, const char *file)
{
	struct oom_config *cfg = ld->cfg;
	struct vmconfig *vm = realloc(cfg->vm, (cfg->nvm + 1) * sizeof(*vm));

	if (!vm)
		abort();
	cfg->vm = vm;
	vm = &cfg->vm[cfg->nvm++];
	memset(vm, 0, sizeof(*vm));
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	vm->file = strdup(file);
	vm->memory_bytes = 256ULL << 20;
	vm->cpus = 1;
	ld->vm = vm;
	if (!valid_name(name) || strlen(name) >= OOM_NAME_MAX)
		cfg_bad(ld, "a vmconfig name is 1-63 letters, digits, '-', '_' or '.' ('%s')", name);
	for (size_t i = 0; i + 1 < cfg->nvm; i++)
		if (!strcmp(cfg->vm[i].name, name))
			cfg_bad(ld, "vmconfig '%s' defined twice (first in %s)", name, cfg->vm[i].file);
	return vm;
}

static void load_vmconfig(struct load *ld, const char *dir, const char *file)
{
	_cleanup_buf_ struct buf path = BUF_INIT, name = BUF_INIT;

	buf_addf(&path, "%s/%s", dir, file);
	buf_add(&name, file, strlen(file) - 4);
	ld->path = path.s;
	ld->in.line = 0;
	cfg_vm_new(ld, name.s, path.s);
	cfg_parse_file(ld, path.s, cfg_vm_handler);
}

static void check_scenario(struct load *ld, const struct scenario *sc)
{
	ld->path = sc->file;
	ld->in.line = sc->line;
	if (!sc->vmconfig[0])
		cfg_bad(ld, "[%s]: no vmconfig; add 'vmconfig = NAME' (a file in %s)", sc->name, ld->cfg->dir);
	else if (!config_vm(ld->cfg, sc->vmconfig))
		cfg_bad(ld, "[%s] vmconfig: no vmconfig '%s'; there is no %s/%s.ini", sc->name, sc->vmconfig,
		    ld->cfg->dir, sc->vmconfig);
	if (!sc->nrun)
		cfg_bad(ld, "[%s]: no run; add e.g. 'run = mmap size=ram+64M'", sc->name);
}

int config_load(const char *dir, struct oom_config *cfg, struct buf *err)
{
	struct load ld = { .cfg = cfg, .err = err };
	_cleanup_buf_ struct buf sdir = BUF_INIT;
	char **names;
	size_t n;

	memset(cfg, 0, sizeof(*cfg));
	cfg->dir = strdup(dir);
	if (cfg_ini_names(dir, &names, &n) < 0) {
		buf_addf(err, "%s: cannot read the vmconfigs directory: %s\n", dir, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		load_vmconfig(&ld, dir, names[i]);
	cfg_strv_free(names, n);

	buf_addf(&sdir, "%s/scenarios", dir);
	if (cfg_ini_names(sdir.s, &names, &n) < 0) {
		buf_addf(err, "%s: cannot read the scenarios directory: %s\n", sdir.s, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_buf_ struct buf path = BUF_INIT;

		buf_addf(&path, "%s/%s", sdir.s, names[i]);
		ld.sc = NULL;
		cfg_parse_file(&ld, path.s, scenario_handler);
	}
	cfg_strv_free(names, n);
	matrix_load_dir(&ld, dir);
	for (size_t i = 0; i < cfg->nsc; i++)
		check_scenario(&ld, &cfg->sc[i]);
	if (!cfg->nsc && !ld.nerr) {
		buf_addf(err, "%s: no scenarios found (*.ini files with [name] sections)\n", sdir.s);
		ld.nerr++;
	}
	return ld.nerr ? -1 : 0;
}

void config_free(struct oom_config *cfg)
{
	for (size_t i = 0; i < cfg->nvm; i++) {
		struct vmconfig *vm = &cfg->vm[i];

		free(vm->file);
		free(vm->description);
		free(vm->append);
		kv_free(&vm->sysctl);
		kv_free(&vm->memcg);
	}
	for (size_t i = 0; i < cfg->nsc; i++) {
		struct scenario *sc = &cfg->sc[i];

		free(sc->file);
		free(sc->description);
		cfg_strv_free(sc->run, sc->nrun);
		cfg_strv_free(sc->tags, sc->ntags);
	}
	free(cfg->vm);
	free(cfg->sc);
	free(cfg->dir);
	memset(cfg, 0, sizeof(*cfg));
}

const struct vmconfig *config_vm(const struct oom_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nvm; i++)
		if (!strcmp(cfg->vm[i].name, name))
			return &cfg->vm[i];
	return NULL;
}

const struct scenario *config_scenario(const struct oom_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nsc; i++)
		if (!strcmp(cfg->sc[i].name, name))
			return &cfg->sc[i];
	return NULL;
}

bool scenario_has_tag(const struct scenario *sc, const char *tag)
{
	for (size_t i = 0; i < sc->ntags; i++)
		if (!strcmp(sc->tags[i], tag))
			return true;
	return false;
}
