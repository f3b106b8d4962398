/* kfeatures.c - see kfeatures.h */
#include "kfeatures.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "evidence.h"
#include "settings.h"

#define KCONFIG_MAX (4u << 20) /* a full x86-64 .config is some 300 KiB */

struct feature_def {
	const char *name, *what;
	int probe;
	const char *path, *word, *config;
};

#define FEAT_DEF_(id, name, what, probe, path, word, config) { name, what, probe, path, word, config },
static const struct feature_def defs[FEAT_COUNT] = { FEATURES(FEAT_DEF_) };
#undef FEAT_DEF_

#define BIT(f) (1u << (f))

const char *feature_name(enum feature f)
{
	return (unsigned)f < FEAT_COUNT ? defs[f].name : "?";
}

bool feature_from_name(const char *name, enum feature *f)
{
	for (unsigned i = 0; i < FEAT_COUNT; i++) {
		if (!strcmp(defs[i].name, name)) {
			*f = (enum feature)i;
			return true;
		}
	}
	return false;
}

void feature_names(struct buf *b)
{
	for (unsigned i = 0; i < FEAT_COUNT; i++)
		buf_addf(b, "%s%s", i ? ", " : "", defs[i].name);
}

static feature_set vm_needs(const struct vmconfig *vm)
{
	feature_set s = 0;

	for (size_t i = 0; i < vm->memcg.n; i++) {
		if (!strncmp(vm->memcg.v[i].key, "memory.", 7))
			s |= BIT(FEAT_MEMCG);
		else if (!strncmp(vm->memcg.v[i].key, "cpuset.", 7))
			s |= BIT(FEAT_CPUSET);
	}
	if (vm->swap == SWAP_ZRAM)
		s |= BIT(FEAT_SWAP) | BIT(FEAT_ZRAM);
	else if (vm->swap == SWAP_DISK)
		s |= BIT(FEAT_SWAP) | BIT(FEAT_VIRTIO_BLK);
	if (vm->numa_nodes >= 2)
		s |= BIT(FEAT_NUMA);
	for (size_t i = 0; i < vm->sysctl.n; i++) {
		const char *k = vm->sysctl.v[i].key, *v = vm->sysctl.v[i].value;

		if ((!strcmp(k, "vm.nr_hugepages") || !strcmp(k, "vm.nr_overcommit_hugepages")) &&
		    strcmp(v, "0"))
			s |= BIT(FEAT_HUGETLB);
	}
	return s;
}

feature_set features_needed(const struct scenario *sc, const struct vmconfig *vm)
{
	/* The kernel-allocation stressors (workloads/README.md): their path,
	 * costly_order_fail, is told by the trace only (verdict_trace.c). */
	static const char *const traced[] = { "pipe", "sockbuf", "frag" };
	const feature_set trace = BIT(FEAT_TRACEFS) | BIT(FEAT_KPROBES) | BIT(FEAT_OOM_EVENTS) |
				  BIT(FEAT_KMEM_EVENTS);
	feature_set s = sc->needs | (vm ? vm_needs(vm) : 0);
	const char *w = sc->nrun ? sc->run[0] : "";

	for (size_t i = 0; i < ARRAY_SIZE(traced); i++)
		if (!strcmp(w, traced[i]))
			s |= trace;
	if (sc->expect == PATH_COSTLY_ORDER_FAIL)
		s |= trace;
	if (!strcmp(w, "sysrq"))
		s |= BIT(FEAT_SYSRQ);
	if (!strcmp(w, "mbind"))
		s |= BIT(FEAT_NUMA);
	return s;
}

/* ---- the kernel's config ---- */

int kconfig_read(struct kconfig *kc, const char *path, struct buf *err)
{
	bool cut = false;

	buf_init(&kc->text, 0);
	snprintf(kc->path, sizeof(kc->path), "%s", path);
	if (buf_read_file(&kc->text, path, KCONFIG_MAX, &cut) < 0 || cut) {
		buf_addf(err, "kernel config %s: %s", path,
			 cut ? "larger than 4 MiB, not a .config" : strerror(errno));
		buf_release(&kc->text);
		return -1;
	}
	return 0;
}

void kconfig_free(struct kconfig *kc)
{
	buf_release(&kc->text);
}

/* scripts/kconfig/confdata.c writes "SYM=VALUE" and "# SYM is not set",
 * one a line; the last line for a symbol wins (as in conf_read). */
void kconfig_value(const struct kconfig *kc, const char *sym, char *val, size_t len)
{
	const char *s = kc->text.s, *end = s + kc->text.len;
	size_t n = strlen(sym);

	snprintf(val, len, "n");
	while (s && s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t l = nl ? (size_t)(nl - s) : (size_t)(end - s);

		if (l > n && !memcmp(s, sym, n) && s[n] == '=')
			snprintf(val, len, "%.*s", (int)(l - n - 1), s + n + 1);
		else if (l == n + 13 && !memcmp(s, "# ", 2) && !memcmp(s + 2, sym, n) &&
			 !memcmp(s + 2 + n, " is not set", 11))
			snprintf(val, len, "n");
		s = nl ? nl + 1 : NULL;
	}
}

/* One "SYM=VALUES" of a feature's config spec against the config: false
 * when it will do, else true and why not (into why). */
static bool spec_missing(const struct kconfig *kc, const char *spec, size_t speclen,
			 bool has_modules, struct buf *why)
{
	const char *eq = memchr(spec, '=', speclen);
	char sym[64], val[64];
	size_t allowed_len;

	if (!eq || (size_t)(eq - spec) >= sizeof(sym))
		return false;
	snprintf(sym, sizeof(sym), "%.*s", (int)(eq - spec), spec);
	allowed_len = speclen - (size_t)(eq - spec) - 1;
	kconfig_value(kc, sym, val, sizeof(val));
	if (!strcmp(val, "n")) {
		buf_addf(why, "%s is not set in %s", sym, kc->path);
		return true;
	}
	if (strlen(val) != 1 || !memchr(eq + 1, val[0], allowed_len)) {
		buf_addf(why, "%s=%s in %s, it takes %s", sym, val, kc->path,
			 allowed_len == 1 ? "y" : "y or m");
		return true;
	}
	if (val[0] == 'm' && !has_modules) {
		buf_addf(why, "%s=m in %s (a module) but the kernel has no modules: give --modules "
			 "DIR (its lib/modules/<release>) or the kernel's build directory", sym,
			 kc->path);
		return true;
	}
	return false;
}

bool features_config_missing(const struct kconfig *kc, feature_set needs, bool has_modules,
			     struct buf *why)
{
	for (unsigned f = 0; f < FEAT_COUNT; f++) {
		const char *spec = defs[f].config;

		if (!(needs & BIT(f)))
			continue;
		while (*spec) {
			size_t n = strcspn(spec, " ");
			_cleanup_buf_ struct buf w = BUF_INIT;

			if (spec_missing(kc, spec, n, has_modules, &w)) {
				buf_addf(why, "needs %s (%s): %s", defs[f].name, defs[f].what, w.s);
				return true;
			}
			spec += n + strspn(spec + n, " ");
		}
	}
	return false;
}

/* The failed setup step of the guest that explains a missing feature: for
 * zram and virtio_blk the module load ("module:zram.ko"). */
static const char *setup_cause(const struct evidence *ev, enum feature f, const char **key)
{
	const char *mod = f == FEAT_ZRAM ? "module:zram" : f == FEAT_VIRTIO_BLK ? "module:virtio" :
			  NULL;

	for (size_t i = 0; mod && i < ev->setup_errors.n; i++) {
		if (!strncmp(ev->setup_errors.v[i].key, mod, strlen(mod))) {
			*key = ev->setup_errors.v[i].key;
			return ev->setup_errors.v[i].value;
		}
	}
	return NULL;
}

bool features_guest_missing(const struct evidence *ev, feature_set needs, struct buf *why)
{
	for (unsigned f = 0; f < FEAT_COUNT; f++) {
		char key[64];
		const char *v, *cause, *ckey = NULL;

		if (!(needs & BIT(f)))
			continue;
		snprintf(key, sizeof(key), FEAT_FACT_PREFIX "%s", defs[f].name);
		v = kv_get(&ev->effective, key);
		if (!v || strncmp(v, "no", 2))
			continue;
		v += 2;
		v += strspn(v, ": ");
		if (*v)
			buf_addf(why, "needs %s (%s): the guest's %s", defs[f].name, defs[f].what, v);
		else
			buf_addf(why, "needs %s (%s): the guest lacks it", defs[f].name, defs[f].what);
		cause = setup_cause(ev, (enum feature)f, &ckey);
		if (cause)
			buf_addf(why, " (setup %s: %s)", ckey, cause);
		text_sanitize(why->s);
		return true;
	}
	return false;
}
