/* kfeatures.h - what a scenario needs of the guest kernel, and whether a
 * kernel has it: known before boot from the kernel's config (the Debian
 * package's boot/config-<release>, a build directory's .config), or in the
 * guest from what the agent finds (its facts record).  A scenario whose
 * need is missing is a SKIP with the reason, never a FAIL or an ERROR, and
 * a SKIP decided before boot does not boot.
 *
 * FEATURES is the one table of features, shared with the guest agent
 * (workloads/agent_setup.c probes each one and reports it in the facts
 * record's "effective" object as "feature:NAME": "yes" or "no: WHY").
 * Columns: the enum tail, the name (for `needs =` and in reasons), what it
 * is, how the guest probes it (FEAT_PATH: the path exists; FEAT_WORD: the
 * file holds the word as one of its blank-separated words), the path, the
 * word, and the config symbols it takes ("SYM=VALUES ...", VALUES the
 * letters of the values that will do: y built in, m a module).
 *
 * Config symbols and paths (Linux 6.1 and 6.12):
 * - memcg: mm/memcontrol.c (CONFIG_MEMCG) registers the memory controller
 *   that cgroup v2 lists in cgroup.controllers (kernel/cgroup/cgroup.c);
 *   a boot with cgroup_disable=memory leaves it out.
 * - cpuset: kernel/cgroup/cpuset.c (CONFIG_CPUSETS), the same way.
 * - swap: mm/swapfile.c (CONFIG_SWAP) creates /proc/swaps.
 * - zram: drivers/block/zram/zram_drv.c (CONFIG_ZRAM) registers the class
 *   zram-control; it needs zsmalloc (CONFIG_ZSMALLOC, selected).
 * - virtio_blk: drivers/block/virtio_blk.c (CONFIG_VIRTIO_BLK) on
 *   drivers/virtio/virtio_pci_common.c (CONFIG_VIRTIO_PCI): QEMU's disk.
 * - numa: drivers/base/node.c (CONFIG_NUMA) registers node1 when the
 *   machine has a second node (QEMU -numa) and numa=off is not given.
 * - hugetlb: kernel/sysctl.c / mm/hugetlb.c (CONFIG_HUGETLB_PAGE) has
 *   vm.nr_hugepages.
 * - sysrq: drivers/tty/sysrq.c (CONFIG_MAGIC_SYSRQ) creates
 *   /proc/sysrq-trigger.
 * - tracefs: fs/tracefs and kernel/trace/trace.c (CONFIG_TRACING) give
 *   /sys/kernel/tracing/trace.
 * - kprobes: kernel/trace/trace_kprobe.c (CONFIG_KPROBE_EVENTS, which
 *   depends on CONFIG_KPROBES) creates kprobe_events.
 * - oom_events, kmem_events: include/trace/events/oom.h and kmem.h, made
 *   into events/oom/ and events/kmem/ by CONFIG_EVENT_TRACING (selected by
 *   CONFIG_TRACING).
 */
#ifndef OOMLAB_KFEATURES_H
#define OOMLAB_KFEATURES_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define FEAT_PATH 0
#define FEAT_WORD 1

#define FEATURES(X)                                                                        \
	X(MEMCG, "memcg", "the cgroup v2 memory controller", FEAT_WORD,                    \
	  "/sys/fs/cgroup/cgroup.controllers", "memory", "CONFIG_CGROUPS=y CONFIG_MEMCG=y") \
	X(CPUSET, "cpuset", "the cgroup v2 cpuset controller", FEAT_WORD,                  \
	  "/sys/fs/cgroup/cgroup.controllers", "cpuset", "CONFIG_CGROUPS=y CONFIG_CPUSETS=y") \
	X(SWAP, "swap", "swap support", FEAT_PATH, "/proc/swaps", "", "CONFIG_SWAP=y")     \
	X(ZRAM, "zram", "the zram block device", FEAT_PATH, "/sys/class/zram-control", "", \
	  "CONFIG_ZRAM=ym")                                                                \
	X(VIRTIO_BLK, "virtio_blk", "the virtio-blk disk driver", FEAT_PATH,                \
	  "/sys/bus/virtio/drivers/virtio_blk", "", "CONFIG_VIRTIO_PCI=ym CONFIG_VIRTIO_BLK=ym") \
	X(NUMA, "numa", "a second NUMA node", FEAT_PATH, "/sys/devices/system/node/node1", "", \
	  "CONFIG_NUMA=y")                                                                 \
	X(HUGETLB, "hugetlb", "hugetlb pages", FEAT_PATH, "/proc/sys/vm/nr_hugepages", "",  \
	  "CONFIG_HUGETLB_PAGE=y")                                                         \
	X(SYSRQ, "sysrq", "magic SysRq", FEAT_PATH, "/proc/sysrq-trigger", "",              \
	  "CONFIG_MAGIC_SYSRQ=y")                                                          \
	X(TRACEFS, "tracefs", "tracefs", FEAT_PATH, "/sys/kernel/tracing/trace", "",        \
	  "CONFIG_TRACING=y")                                                              \
	X(KPROBES, "kprobes", "kprobe events", FEAT_PATH, "/sys/kernel/tracing/kprobe_events", \
	  "", "CONFIG_KPROBES=y CONFIG_KPROBE_EVENTS=y")                                   \
	X(OOM_EVENTS, "oom_events", "the oom trace events", FEAT_PATH,                      \
	  "/sys/kernel/tracing/events/oom", "", "CONFIG_EVENT_TRACING=y")                  \
	X(KMEM_EVENTS, "kmem_events", "the kmem trace events", FEAT_PATH,                   \
	  "/sys/kernel/tracing/events/kmem/mm_page_alloc", "", "CONFIG_EVENT_TRACING=y")

#define FEAT_ENUM_(id, ...) FEAT_##id,
enum feature { FEATURES(FEAT_ENUM_) FEAT_COUNT };
#undef FEAT_ENUM_

/* The prefix of the facts record's "effective" keys the agent writes. */
#define FEAT_FACT_PREFIX "feature:"

/* The harness's side (kfeatures.c); the agent uses the table only. */

struct scenario;
struct vmconfig;
struct kernel;
struct evidence;

/* A set of features: bit (1u << FEAT_x). */
typedef unsigned feature_set;

const char *feature_name(enum feature f);
/* The feature called name; false when there is none. */
bool feature_from_name(const char *name, enum feature *f);
/* "memcg, cpuset, ..." (every name) into b. */
void feature_names(struct buf *b);

/* What a scenario needs: derived from its declaration (memory.* files:
 * memcg; cpuset.* files: cpuset; swap: swap and zram or virtio_blk; numa:
 * numa; vm.nr_hugepages: hugetlb; the kernel-allocation stressors pipe,
 * sockbuf, frag and expect = costly_order_fail, whose path only a trace
 * tells: tracefs, kprobes, oom_events, kmem_events; sysrq: sysrq; mbind:
 * numa), plus its explicit `needs`. */
feature_set features_needed(const struct scenario *sc, const struct vmconfig *vm);

/* A kernel's config (.config syntax): the text, and where it came from. */
struct kconfig {
	struct buf text;
	char path[PATH_MAX];
};

/* Read path (at most 4 MiB).  -1 with err naming the file. */
int kconfig_read(struct kconfig *kc, const char *path, struct buf *err);
void kconfig_free(struct kconfig *kc);
/* The value of sym ("CONFIG_ZRAM") into val[len]: "y", "m", a number or a
 * quoted string as written; "n" when the config says "# SYM is not set" or
 * does not name it at all. */
void kconfig_value(const struct kconfig *kc, const char *sym, char *val, size_t len);

/* The first need of `needs` the config lacks: returns true and sets why
 * ("needs zram: CONFIG_ZRAM is not set in PATH").  has_modules: the kernel
 * has a modules directory, so that =m will do. */
bool features_config_missing(const struct kconfig *kc, feature_set needs, bool has_modules,
			     struct buf *why);
/* The first need the guest reported missing ("feature:NAME": "no: ...").
 * Returns true and sets why ("needs memcg: the guest's
 * /sys/fs/cgroup/cgroup.controllers lacks memory"), with the failed setup
 * step that explains it when there is one (a module that did not load). */
bool features_guest_missing(const struct evidence *ev, feature_set needs, struct buf *why);

#endif
