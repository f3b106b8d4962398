/* matrix.c - vmconfigs/matrix/ *.ini: axes of settings expanded into
 * vmconfigs and scenarios (format: vmconfigs/README.md, "Matrices").
 *
 * A matrix names a base vmconfig, axes (each a list of named values, a
 * value being blank-separated key=value settings) and runs (scenario
 * templates).  Every combination of one value per axis (or, with
 * pairwise = 1, a subset that still covers every pair of values of any two
 * axes) becomes a vmconfig "<name>-<v1>-<v2>..." and every run a scenario
 * "<vmconfig>-<run>" on it, tagged with the matrix's tags and
 * "matrix:<name>".
 */
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "settings_int.h"

#define MX_AXES 8
#define MX_VALUES 16
#define MX_RUNS 32
#define MX_COMBOS 4096

struct mx_value {
	char name[24];
	char *settings;
	unsigned line;
};

struct mx_axis {
	char name[24];
	struct mx_value v[MX_VALUES];
	size_t n;
};

struct mx_run {
	char name[24];
	struct kv_list keys;
	unsigned line;
};

struct matrix {
	char name[24];
	char base[OOM_NAME_MAX];
	char *order, *tags;
	bool pairwise;
	struct mx_axis ax[MX_AXES];
	size_t nax;
	struct mx_run run[MX_RUNS];
	size_t nrun;
};

static struct mx_axis *axis_get(struct load *ld, struct matrix *m, const char *name)
{
	for (size_t i = 0; i < m->nax; i++)
		if (!strcmp(m->ax[i].name, name))
			return &m->ax[i];
	if (m->nax == MX_AXES || strlen(name) >= sizeof(m->ax[0].name)) {
		cfg_bad(ld, "[axis %s]: at most %d axes with names of up to 23 characters", name, MX_AXES);
		return NULL;
	}
	snprintf(m->ax[m->nax].name, sizeof(m->ax[0].name), "%s", name);
	return &m->ax[m->nax++];
}

static struct mx_run *run_get(struct load *ld, struct matrix *m, const char *name)
{
	for (size_t i = 0; i < m->nrun; i++)
		if (!strcmp(m->run[i].name, name))
			return &m->run[i];
	if (m->nrun == MX_RUNS || strlen(name) >= sizeof(m->run[0].name)) {
		cfg_bad(ld, "[run %s]: at most %d runs with names of up to 23 characters", name, MX_RUNS);
		return NULL;
	}
	snprintf(m->run[m->nrun].name, sizeof(m->run[0].name), "%s", name);
	m->run[m->nrun].line = ld->in.section_line;
	return &m->run[m->nrun++];
}

static void matrix_key(struct load *ld, struct matrix *m, const char *key, const char *value)
{
	if (!strcmp(key, "name") && strlen(value) < sizeof(m->name))
		snprintf(m->name, sizeof(m->name), "%s", value);
	else if (!strcmp(key, "base"))
		snprintf(m->base, sizeof(m->base), "%s", value);
	else if (!strcmp(key, "axes"))
		free(m->order), m->order = strdup(value);
	else if (!strcmp(key, "tags"))
		free(m->tags), m->tags = strdup(value);
	else if (!strcmp(key, "pairwise") && (!strcmp(value, "0") || !strcmp(value, "1")))
		m->pairwise = value[0] == '1';
	else
		cfg_bad(ld, "[matrix] %s = %s: allowed keys: name (up to 23 characters), base, axes, "
			"tags, pairwise (0 or 1)", key, value);
}

static int matrix_handler(void *user, const char *section, const char *key, const char *value)
{
	struct load *ld = user;
	struct matrix *m = ld->user;

	if (!strcmp(section, "matrix")) {
		matrix_key(ld, m, key, value);
	} else if (!strncmp(section, "axis ", 5)) {
		struct mx_axis *a = axis_get(ld, m, section + 5);

		if (!a)
			return 1;
		if (a->n == MX_VALUES || strlen(key) >= sizeof(a->v[0].name)) {
			cfg_bad(ld, "[%s] %s: at most %d values, names up to 23 characters", section, key,
				MX_VALUES);
			return 1;
		}
		snprintf(a->v[a->n].name, sizeof(a->v[0].name), "%s", key);
		a->v[a->n].settings = strdup(value);
		a->v[a->n++].line = ld->in.line;
	} else if (!strncmp(section, "run ", 4)) {
		struct mx_run *r = run_get(ld, m, section + 4);

		if (r)
			kv_set(&r->keys, key, value, ld->in.line);
	} else {
		cfg_bad(ld, "[%s]: unknown section; allowed: [matrix], [axis NAME], [run NAME]", section);
	}
	return 1;
}

/* Apply "k=v k=v" to ld->vm: sysctls replace the base's value. */
static void apply_value(struct load *ld, const struct mx_value *v)
{
	size_t n;
	char **words = cfg_split_words(v->settings, &n);

	ld->in.line = v->line;
	for (size_t i = 0; i < n; i++) {
		char *eq = strchr(words[i], '=');
		const char *section = "vm";

		if (!eq || eq == words[i]) {
			cfg_bad(ld, "'%s' is not key=value (e.g. vm.overcommit_memory=2, swap=zram:128M)",
				words[i]);
			continue;
		}
		*eq = '\0';
		if (!strncmp(words[i], "memory.", 7) || !strncmp(words[i], "cpuset.", 7))
			section = "memcg";
		else if (strchr(words[i], '.'))
			section = "sysctl";
		if (!strcmp(section, "sysctl"))
			kv_del(&ld->vm->sysctl, words[i]);
		cfg_vm_handler(ld, section, words[i], eq + 1);
	}
	cfg_strv_free(words, n);
}

static void copy_kv(struct kv_list *dst, const struct kv_list *src)
{
	for (size_t i = 0; i < src->n; i++)
		kv_set(dst, src->v[i].key, src->v[i].value, src->v[i].line);
}

/* A new vmconfig: the base's settings, then one value of every axis. */
static void make_vm(struct load *ld, struct matrix *m, size_t base, const unsigned *combo,
		    struct buf *name)
{
	_cleanup_buf_ struct buf desc = BUF_INIT;
	struct vmconfig *vm, *b;

	buf_addstr(name, m->name);
	for (size_t a = 0; a < m->nax; a++) {
		buf_addf(name, "-%s", m->ax[a].v[combo[a]].name);
		buf_addf(&desc, "%s%s=%s", a ? ", " : "", m->ax[a].name, m->ax[a].v[combo[a]].name);
	}
	vm = cfg_vm_new(ld, name->s, ld->path);
	b = &ld->cfg->vm[base];
	vm->memory_bytes = b->memory_bytes;
	vm->cpus = b->cpus;
	vm->numa_nodes = b->numa_nodes;
	vm->swap = b->swap;
	vm->swap_bytes = b->swap_bytes;
	vm->append = b->append ? strdup(b->append) : NULL;
	vm->description = strdup(desc.s);
	copy_kv(&vm->sysctl, &b->sysctl);
	copy_kv(&vm->memcg, &b->memcg);
	for (size_t a = 0; a < m->nax; a++)
		apply_value(ld, &m->ax[a].v[combo[a]]);
}

static void make_scenario(struct load *ld, struct matrix *m, const struct mx_run *r,
			  const char *vmname)
{
	_cleanup_buf_ struct buf name = BUF_INIT, tags = BUF_INIT;
	const char *rt = kv_get(&r->keys, "tags");
	struct scenario *sc;

	buf_addf(&name, "%s-%s", vmname, r->name);
	ld->in.section_line = ld->in.line = r->line;
	sc = cfg_scenario_new(ld, name.s);
	cfg_scenario_key(ld, sc, "vmconfig", vmname);
	for (size_t i = 0; i < r->keys.n; i++) {
		ld->in.line = r->keys.v[i].line;
		if (strcmp(r->keys.v[i].key, "tags"))
			cfg_scenario_key(ld, sc, r->keys.v[i].key, r->keys.v[i].value);
	}
	buf_addf(&tags, "%s %s matrix:%s", m->tags ? m->tags : "", rt ? rt : "", m->name);
	cfg_scenario_key(ld, sc, "tags", tags.s);
}

/* Order the axes as `axes = a b c` says; unlisted axes are an error. */
static int order_axes(struct load *ld, struct matrix *m)
{
	struct mx_axis sorted[MX_AXES];
	size_t n = 0, k;
	char **w;

	if (!m->order)
		return 0;
	w = cfg_split_words(m->order, &k);
	for (size_t i = 0; i < k; i++) {
		size_t j = 0;

		while (j < m->nax && strcmp(m->ax[j].name, w[i]))
			j++;
		if (j == m->nax || n == MX_AXES)
			cfg_bad(ld, "axes: no [axis %s] section", w[i]);
		else
			sorted[n++] = m->ax[j];
	}
	cfg_strv_free(w, k);
	if (n != m->nax) {
		cfg_bad(ld, "axes: list every [axis] section once (%zu listed, %zu defined)", n, m->nax);
		return -1;
	}
	memcpy(m->ax, sorted, n * sizeof(sorted[0]));
	return 0;
}

/* All combinations, odometer order. Returns their count. */
static size_t all_combos(const struct matrix *m, unsigned (*out)[MX_AXES], size_t max)
{
	unsigned cur[MX_AXES] = { 0 };
	size_t n = 0;

	for (;;) {
		size_t a = m->nax;

		if (n == max)
			return n;
		memcpy(out[n++], cur, sizeof(cur));
		while (a-- > 0) {
			if (++cur[a] < m->ax[a].n)
				break;
			cur[a] = 0;
		}
		if (a == (size_t)-1)
			return n;
	}
}

/* Uncovered pairs a combination would cover. */
static size_t gain(const struct matrix *m, const unsigned *c, const bool *covered)
{
	size_t g = 0;

	for (size_t a = 0; a < m->nax; a++)
		for (size_t b = a + 1; b < m->nax; b++)
			g += !covered[((a * MX_AXES + b) * MX_VALUES + c[a]) * MX_VALUES + c[b]];
	return g;
}

static void cover(const struct matrix *m, const unsigned *c, bool *covered)
{
	for (size_t a = 0; a < m->nax; a++)
		for (size_t b = a + 1; b < m->nax; b++)
			covered[((a * MX_AXES + b) * MX_VALUES + c[a]) * MX_VALUES + c[b]] = true;
}

/* Greedy all-pairs reduction: keep taking the combination that covers the
 * most uncovered pairs until none is left (small matrices: brute force is
 * fine, and deterministic). */
static size_t pairwise(const struct matrix *m, unsigned (*c)[MX_AXES], size_t n)
{
	_cleanup_free_ bool *covered = calloc(MX_AXES * MX_AXES * MX_VALUES * MX_VALUES, 1);
	_cleanup_free_ bool *taken = calloc(n, 1);
	size_t kept = 0;

	if (!covered || !taken)
		abort();
	for (;;) {
		size_t best = n, best_gain = 0;

		for (size_t i = 0; i < n; i++) {
			size_t g = taken[i] ? 0 : gain(m, c[i], covered);

			if (g > best_gain)
				best = i, best_gain = g;
		}
		if (best == n)
			break;
		taken[best] = true;
		cover(m, c[best], covered);
	}
	for (size_t i = 0; i < n; i++)
		if (taken[i])
			memmove(c[kept++], c[i], sizeof(c[0]));
	return kept;
}

static void expand(struct load *ld, struct matrix *m)
{
	_cleanup_free_ unsigned (*c)[MX_AXES] = calloc(MX_COMBOS, sizeof(*c));
	const struct vmconfig *base = config_vm(ld->cfg, m->base);
	size_t n, bi;

	if (!c)
		abort();
	if (!base) {
		cfg_bad(ld, "base: no vmconfig '%s'; write base = NAME of a vmconfigs/NAME.ini", m->base);
		return;
	}
	bi = (size_t)(base - ld->cfg->vm);
	if (!m->nax || !m->nrun || order_axes(ld, m) < 0) {
		cfg_bad(ld, "a matrix needs [axis NAME] and [run NAME] sections");
		return;
	}
	for (size_t a = 0; a < m->nax; a++) {
		if (!m->ax[a].n) {
			cfg_bad(ld, "[axis %s]: no values", m->ax[a].name);
			return;
		}
	}
	n = all_combos(m, c, MX_COMBOS);
	if (m->pairwise && m->nax > 2)
		n = pairwise(m, c, n);
	for (size_t i = 0; i < n; i++) {
		_cleanup_buf_ struct buf name = BUF_INIT;

		make_vm(ld, m, bi, c[i], &name);
		for (size_t r = 0; r < m->nrun; r++)
			make_scenario(ld, m, &m->run[r], name.s);
	}
}

static void matrix_free(struct matrix *m)
{
	for (size_t a = 0; a < m->nax; a++)
		for (size_t v = 0; v < m->ax[a].n; v++)
			free(m->ax[a].v[v].settings);
	for (size_t r = 0; r < m->nrun; r++)
		kv_free(&m->run[r].keys);
	free(m->order);
	free(m->tags);
}

void matrix_load_dir(struct load *ld, const char *dir)
{
	_cleanup_buf_ struct buf mdir = BUF_INIT;
	char **names;
	size_t n;

	buf_addf(&mdir, "%s/matrix", dir);
	if (cfg_ini_names(mdir.s, &names, &n) < 0)
		return; /* no matrices: fine */
	for (size_t i = 0; i < n; i++) {
		_cleanup_buf_ struct buf path = BUF_INIT;
		_cleanup_free_ struct matrix *m = calloc(1, sizeof(*m));

		if (!m)
			abort();
		buf_addf(&path, "%s/%s", mdir.s, names[i]);
		snprintf(m->name, sizeof(m->name), "%.*s", (int)(strlen(names[i]) - 4), names[i]);
		ld->user = m;
		ld->sc = NULL;
		if (cfg_parse_file(ld, path.s, matrix_handler) == 0) {
			ld->path = path.s;
			expand(ld, m);
		}
		matrix_free(m);
		ld->user = NULL;
	}
	cfg_strv_free(names, n);
}
