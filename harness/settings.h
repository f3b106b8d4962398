/* settings.h - stage 1: the parsed configuration (vmconfigs and scenarios).
 *
 * vmconfigs/NAME.ini describes a VM and its memory settings; every
 * vmconfigs/scenarios/ *.ini section describes one scenario, declaratively
 * in the manner of LTP's struct tst_test: what to set (a vmconfig), what to
 * run (a workload and its arguments), what to expect (a path).  The formats
 * are documented in vmconfigs/README.md.
 *
 * The loaded struct oom_config is the only mutable global-ish state of the
 * controller; every other stage receives what it needs as plain structs.
 */
#ifndef OOMLAB_SETTINGS_H
#define OOMLAB_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "path.h"

#define OOM_NAME_MAX 64

/* A key = value pair with where it was written. */
struct kv {
	char *key;
	char *value;
	unsigned line;
};

struct kv_list {
	struct kv *v;
	size_t n, alloc;
};

void kv_set(struct kv_list *l, const char *key, const char *value, unsigned line);
const char *kv_get(const struct kv_list *l, const char *key);
void kv_del(struct kv_list *l, const char *key);
void kv_free(struct kv_list *l);

enum swap_kind { SWAP_NONE, SWAP_ZRAM, SWAP_DISK };

struct vmconfig {
	char name[OOM_NAME_MAX];
	char *file;              /* the .ini it came from */
	char *description;
	unsigned long long memory_bytes; /* guest RAM */
	unsigned cpus;
	unsigned numa_nodes;     /* 0: no NUMA topology; 2..8 nodes */
	enum swap_kind swap;
	unsigned long long swap_bytes;
	char *append;            /* extra kernel command line, may be NULL */
	struct kv_list sysctl;   /* "vm.overcommit_memory" = "2", in file order */
	struct kv_list memcg;    /* "memory.max" = "64M", "cpuset.mems" = "0"; empty: no workload cgroup */
};

struct scenario {
	char name[OOM_NAME_MAX];
	char *file;
	unsigned line;           /* line of the [section] header */
	char *description;
	char vmconfig[OOM_NAME_MAX];
	char **run;              /* argv of the workload: run[0] is its name */
	size_t nrun;
	enum oom_path expect;    /* PATH_UNKNOWN: not declared, the oracle predicts */
	int uid;                 /* run the workload as this uid (no CAP_SYS_ADMIN); -1: root */
	char constraint[32];     /* expected OOM constraint ("CONSTRAINT_CPUSET"), "" if any */
	char **tags;             /* "default", "smoke", ... */
	size_t ntags;
	unsigned timeout_s;      /* 0: the default for the accelerator */
	unsigned needs;          /* `needs =`: kernel features (kfeatures.h bits) beyond
				  * what the declaration implies */
};

struct oom_config {
	char *dir;               /* the vmconfigs directory */
	struct vmconfig *vm;
	size_t nvm;
	struct scenario *sc;
	size_t nsc;
};

/* Load dir/ *.ini as vmconfigs and dir/scenarios/ *.ini as scenarios.
 * On error returns -1 with "FILE:LINE: field: what is wrong; what is
 * allowed" lines in err (all errors found, not just the first). */
int config_load(const char *dir, struct oom_config *cfg, struct buf *err);
void config_free(struct oom_config *cfg);

const struct vmconfig *config_vm(const struct oom_config *cfg, const char *name);
const struct scenario *config_scenario(const struct oom_config *cfg, const char *name);
bool scenario_has_tag(const struct scenario *sc, const char *tag);

/* "64M", "1G", "4096" (bytes), "512k": returns false if s is not a size. */
bool parse_size(const char *s, unsigned long long *out);

#endif
