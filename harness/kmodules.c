/* kmodules.c - kernel_modules_closure() of kernel.h: which .ko files the
 * guest needs, dependencies first, from the tree's modules.dep. */
#include "kernel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "kfeatures.h"

#define MODULES_DEP_MAX (64u << 20)

/* modules.dep: one line per module, "path: dep dep ...", paths relative to
 * the modules directory; every dependency, direct or not, is listed
 * (kmod tools/depmod.c, output_deps).  modules.builtin: one path a line. */
struct mod {
	char name[64];      /* basename, no .ko*, '-' as '_' (MODULE_NAME_LEN is 56) */
	const char *path;   /* into the modules.dep text */
	char *deps;         /* ditto: the rest of the line */
	size_t line;
	int state;          /* 0 new, 1 being visited, 2 placed */
};

struct modtab {
	struct buf text;
	struct mod *m;
	size_t n;
	struct buf builtin;
	const char *dir;
};

/* Module name from a path or a name: kmod treats '-' and '_' as the same
 * (libkmod/libkmod-util.c, modname_normalize). */
static bool mod_name(const char *s, size_t len, char *out, size_t outlen)
{
	static const char *const ext[] = { ".ko.zst", ".ko.xz", ".ko.gz", ".ko" };
	const char *slash = memrchr(s, '/', len);

	if (slash) {
		len -= (size_t)(slash + 1 - s);
		s = slash + 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(ext); i++) {
		size_t e = strlen(ext[i]);
		if (len > e && !memcmp(s + len - e, ext[i], e)) {
			len -= e;
			break;
		}
	}
	if (!len || len >= outlen)
		return false;
	for (size_t i = 0; i < len; i++)
		out[i] = s[i] == '-' ? '_' : s[i];
	out[len] = '\0';
	return true;
}

static int mod_cmp(const void *a, const void *b)
{
	const struct mod *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static struct mod *mod_find(struct modtab *t, const char *name)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) { /* the first entry of that name */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(t->m[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->n && !strcmp(t->m[lo].name, name) ? &t->m[lo] : NULL;
}

static bool is_builtin(struct modtab *t, const char *name)
{
	char n[64];
	size_t i = 0;

	while (i < t->builtin.len) {
		const char *l = t->builtin.s + i, *e = memchr(l, '\n', t->builtin.len - i);
		size_t len = e ? (size_t)(e - l) : t->builtin.len - i;

		if (mod_name(l, len, n, sizeof(n)) && !strcmp(n, name))
			return true;
		i += len + 1;
	}
	return false;
}

static int modtab_load(struct modtab *t, const char *dir, struct buf *err)
{
	_cleanup_buf_ struct buf path = BUF_INIT;
	size_t cap = 0;
	char *save = NULL;
	bool cut;

	t->dir = dir;
	buf_addf(&path, "%s/modules.dep", dir);
	if (buf_read_file(&t->text, path.s, MODULES_DEP_MAX, &cut) < 0 || cut) {
		buf_addf(err, "%s: %s", path.s, cut ? "too large" : strerror(errno));
		return -1;
	}
	for (char *l = strtok_r(t->text.s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(l, ':');

		if (!colon)
			continue;
		*colon = '\0';
		if (t->n == cap) {
			cap = cap ? cap * 2 : 256;
			struct mod *m = realloc(t->m, cap * sizeof(*m));
			if (!m)
				abort();
			t->m = m;
		}
		struct mod *m = &t->m[t->n];
		if (!mod_name(l, strlen(l), m->name, sizeof(m->name)))
			continue;
		m->path = l;
		m->deps = colon + 1;
		m->line = t->n++;
		m->state = 0;
	}
	if (t->n)
		qsort(t->m, t->n, sizeof(*t->m), mod_cmp);
	buf_reset(&path);
	buf_addf(&path, "%s/modules.builtin", dir);
	buf_read_file(&t->builtin, path.s, MODULES_DEP_MAX, NULL); /* optional */
	return 0;
}

struct closure {
	char **paths;
	size_t n, max;
};

/* Depth-first: every dependency is placed before the module. */
static int mod_visit(struct modtab *t, struct mod *m, struct closure *c, struct buf *err)
{
	char *save = NULL, name[64];

	if (m->state == 2)
		return 0;
	if (m->state == 1) {
		buf_addf(err, "%s/modules.dep: dependency cycle through %s", t->dir, m->name);
		return -1;
	}
	m->state = 1;
	for (char *d = strtok_r(m->deps, " \t", &save); d; d = strtok_r(NULL, " \t", &save)) {
		struct mod *dep = mod_name(d, strlen(d), name, sizeof(name)) ? mod_find(t, name) : NULL;

		if (!dep) {
			buf_addf(err, "%s/modules.dep: %s needs %s, which has no line of its own",
				 t->dir, m->name, d);
			return -1;
		}
		if (mod_visit(t, dep, c, err) < 0)
			return -1;
	}
	m->state = 2;
	if (c->n == c->max) {
		buf_addf(err, "more than %zu modules needed (at %s)", c->max, m->name);
		return -1;
	}
	struct buf p = BUF_INIT;
	buf_addf(&p, "%s/%s", t->dir, m->path);
	if (access(p.s, R_OK) < 0) {
		buf_addf(err, "module %s: %s: %s", m->name, p.s, strerror(errno));
		buf_release(&p);
		return -1;
	}
	c->paths[c->n++] = buf_detach(&p);
	return 0;
}

/* The config symbols of the modules the guest may be told to load
 * (plan_modules) and of their dependencies: drivers/block/zram/Kconfig,
 * mm/Kconfig, drivers/block/Kconfig, drivers/virtio/Kconfig. */
static const char *module_symbol(const char *name)
{
	static const char *const map[][2] = {
		{ "zram", "CONFIG_ZRAM" }, { "zsmalloc", "CONFIG_ZSMALLOC" },
		{ "virtio_blk", "CONFIG_VIRTIO_BLK" }, { "virtio_pci", "CONFIG_VIRTIO_PCI" },
		{ "virtio", "CONFIG_VIRTIO" }, { "virtio_ring", "CONFIG_VIRTIO" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcmp(map[i][0], name))
			return map[i][1];
	return NULL;
}

/* The value of name's config symbol in k->config into val: "y", "m", "n",
 * or "" when the config or the symbol is unknown. */
static void config_state(const struct kernel *k, const char *name, char *val, size_t len)
{
	_cleanup_buf_ struct buf ignore = BUF_INIT;
	const char *sym = module_symbol(name);
	struct kconfig kc;

	val[0] = '\0';
	if (!sym || !k->config[0] || kconfig_read(&kc, k->config, &ignore) < 0)
		return;
	kconfig_value(&kc, sym, val, len);
	kconfig_free(&kc);
}

/* No modules directory: a module must be built in.  Without a config to
 * say so it is taken to be, and the guest reports what it lacks. */
static int closure_builtin(const struct kernel *k, const char *const *names, size_t n,
			   struct buf *err)
{
	char name[64], val[16];

	for (size_t i = 0; i < n; i++) {
		if (!mod_name(names[i], strlen(names[i]), name, sizeof(name))) {
			buf_addf(err, "bad module name '%s'", names[i]);
			return -1;
		}
		config_state(k, name, val, sizeof(val));
		if (!val[0] && k->config[0]) {
			buf_addf(err, "module %s is needed, this kernel has no modules directory and "
				 "%s does not say whether it is built in", name, k->config);
			return -1;
		}
		if (val[0] && strcmp(val, "y")) {
			buf_addf(err, "module %s is needed: %s=%s in %s, and this kernel has no modules "
				 "directory (give --modules DIR or the kernel's build directory)", name,
				 module_symbol(name), val, k->config);
			return -1;
		}
	}
	return 0;
}

static bool config_builtin(const struct kernel *k, const char *name)
{
	char val[16];

	config_state(k, name, val, sizeof(val));
	return !strcmp(val, "y");
}

int kernel_modules_closure(const struct kernel *k, const char *const *names, size_t n,
			   char **paths, size_t max, struct buf *err)
{
	struct modtab t = { BUF_INIT, NULL, 0, BUF_INIT, NULL };
	struct closure c = { paths, 0, max };
	char name[64];
	int ret = -1;

	if (n && !k->modules[0])
		return closure_builtin(k, names, n, err);
	if (n && modtab_load(&t, k->modules, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct mod *m;

		if (!mod_name(names[i], strlen(names[i]), name, sizeof(name))) {
			buf_addf(err, "bad module name '%s'", names[i]);
			goto out;
		}
		m = mod_find(&t, name);
		if (m && mod_visit(&t, m, &c, err) < 0)
			goto out;
		if (!m && !is_builtin(&t, name) && !config_builtin(k, name)) {
			buf_addf(err, "module %s not found in %s (neither in modules.dep nor in "
				 "modules.builtin)", names[i], k->modules);
			goto out;
		}
	}
	ret = (int)c.n;
out:
	for (size_t i = 0; ret < 0 && i < c.n; i++) {
		free(paths[i]);
		paths[i] = NULL;
	}
	free(t.m);
	buf_release(&t.text);
	buf_release(&t.builtin);
	return ret;
}
