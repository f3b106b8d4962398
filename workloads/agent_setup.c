/* agent_setup.c - everything the agent does before the first step: mounts,
 * self-protection, kernel modules, sysctls, swap, the workload cgroup, and
 * the facts record.  Each action is one `setup` record; a failed action is
 * reported and the agent goes on (the controller judges the run). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/module.h>

#include "agent.h"
#include "cleanup.h"
#include "kfeatures.h"

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

static const char *const fixed_sysctls[] = {
	"vm.overcommit_memory", "vm.overcommit_ratio", "vm.overcommit_kbytes",
	"vm.panic_on_oom", "vm.oom_kill_allocating_task",
	/* the rest of what the oracle's model uses (harness/oracle.h) */
	"vm.admin_reserve_kbytes", "vm.user_reserve_kbytes", "vm.nr_hugepages",
};

void setup_mounts(struct agent *ag)
{
	static const struct { const char *src, *target, *type; unsigned long flags; } m[] = {
		{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC },
		{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC },
		{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID },
		{ "cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC },
		{ "tracefs", "/sys/kernel/tracing", "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC },
	};

	ag->nmounts = 0;
	for (size_t i = 0; i < ARRAY_SIZE(m) && i < ARRAY_SIZE(ag->mounts); i++) {
		struct mount_result *r = &ag->mounts[ag->nmounts++];

		mkdir(m[i].target, 0755);
		r->target = m[i].target;
		r->err = mount(m[i].src, m[i].target, m[i].type, m[i].flags, NULL) ? errno : 0;
	}
}

/* Without /dev/console in the initramfs the kernel starts init with fds 0-2
 * closed; fill them so that nothing we open later lands there. */
void setup_stdio(void)
{
	for (int fd = 0; fd < 3; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		n = open(fd ? "/dev/console" : "/dev/null", O_RDWR | O_NOCTTY);
		if (n < 0)
			n = open("/dev/null", O_RDWR);
		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
}

/* tracefs is optional (CONFIG_TRACING): a kernel without it (ENODEV: no
 * such filesystem type, fs/filesystems.c get_fs_type) is not a failed
 * setup; the facts say so (feature:tracefs) and a scenario that needs it
 * is skipped by the controller. */
void report_mounts(struct agent *ag)
{
	for (size_t i = 0; i < ag->nmounts; i++) {
		const struct mount_result *m = &ag->mounts[i];

		if (m->err == ENODEV && !strcmp(m->target, "/sys/kernel/tracing"))
			rec_setup(ag, "mount", m->target, "absent: no tracefs in this kernel", 0, NULL);
		else
			rec_setup(ag, "mount", m->target, "", m->err, NULL);
	}
}

/* Is word one of the blank-separated words of the file at path? */
static bool file_has_word(const char *path, const char *word)
{
	char text[512], *save = NULL;

	if (read_text(path, text, sizeof(text)) < 0)
		return false;
	for (char *w = strtok_r(text, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		if (!strcmp(w, word))
			return true;
	return false;
}

/* Delegate a controller to the children of the root, when the kernel has
 * it (cgroup.controllers lists it): CONFIG_MEMCG, CONFIG_CPUSETS, or
 * cgroup_disable=memory on the command line.  Without it only the
 * scenarios that need it lose (the facts say so). */
static void delegate(struct agent *ag, const char *controller)
{
	char value[32];

	snprintf(value, sizeof(value), "+%s", controller);
	if (!file_has_word("/sys/fs/cgroup/cgroup.controllers", controller)) {
		rec_setup(ag, "protect", "cgroup.subtree_control", "absent: not in cgroup.controllers",
			  0, NULL);
		return;
	}
	rec_setup(ag, "protect", "cgroup.subtree_control", value,
		  -write_text("/sys/fs/cgroup/cgroup.subtree_control", value), NULL);
}

void setup_protect(struct agent *ag)
{
	char pid[24];
	int err;

	err = write_text("/proc/self/oom_score_adj", "-1000");
	rec_setup(ag, "protect", "oom_score_adj", "-1000", -err, NULL);
	err = mlockall(MCL_CURRENT | MCL_FUTURE) ? errno : 0;
	rec_setup(ag, "protect", "mlockall", "MCL_CURRENT|MCL_FUTURE", err, NULL);
	/* Children of the root get memory files only once the root delegates
	 * the controller (Documentation/admin-guide/cgroup-v2.rst); cpuset
	 * too, for scenarios that confine the workload to NUMA nodes
	 * (CONSTRAINT_CPUSET). */
	delegate(ag, "memory");
	delegate(ag, "cpuset");
	err = mkdir(AGENT_CGROUP, 0755) && errno != EEXIST ? errno : 0;
	if (!err) {
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		err = -write_text(AGENT_CGROUP "/cgroup.procs", pid);
	}
	rec_setup(ag, "protect", "cgroup", AGENT_CGROUP, err, NULL);
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

/* A plain file name: no directory part, no leading dot, bounded. */
static bool safe_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 128 && s[0] != '.' && !strchr(s, '/');
}

static void load_module(struct agent *ag, const char *name)
{
	char path[160], msg[256];
	bool compressed = has_suffix(name, ".xz") || has_suffix(name, ".zst") ||
			  has_suffix(name, ".gz");
	_cleanup_close_ int fd = -1;
	int err = 0;

	if (!safe_name(name)) {
		rec_setup(ag, "module", name, NULL, EINVAL, "not a file name");
		return;
	}
	snprintf(path, sizeof(path), "/lib/modules/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rec_setup(ag, "module", name, NULL, errno, NULL);
		return;
	}
	/* kernel/module/main.c: finit_module() decompresses in the kernel when
	 * asked to (5.17+, CONFIG_MODULE_DECOMPRESS). */
	if (syscall(SYS_finit_module, fd, "", compressed ? MODULE_INIT_COMPRESSED_FILE : 0))
		err = errno;
	if (err == EEXIST) {
		rec_setup(ag, "module", name, "already loaded", 0, NULL);
		return;
	}
	if (err && compressed && (err == EINVAL || err == EOPNOTSUPP)) {
		snprintf(msg, sizeof(msg), "%s: this kernel cannot load a compressed module "
			 "(MODULE_INIT_COMPRESSED_FILE needs Linux 5.17+ with "
			 "CONFIG_MODULE_DECOMPRESS); give it uncompressed .ko files", strerror(err));
		rec_setup(ag, "module", name, NULL, err, msg);
		return;
	}
	/* load_module() fails with ENOENT for an unknown symbol
	 * (kernel/module/main.c, resolve_symbol_wait). */
	rec_setup(ag, "module", name, err ? NULL : compressed ? "loaded (compressed)" : "loaded", err,
		  err == ENOENT ? "unknown symbol: a module it needs is not loaded "
				  "(the console names the symbol)" : NULL);
}

static void setup_modules(struct agent *ag, json_object *mods)
{
	size_t n = json_object_is_type(mods, json_type_array) ? json_object_array_length(mods) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(mods, i);

		if (json_object_is_type(m, json_type_string))
			load_module(ag, json_object_get_string(m));
		else
			rec_setup(ag, "module", "?", NULL, EINVAL, "module name is not a string");
	}
}

/* "vm.overcommit_memory" -> "/proc/sys/vm/overcommit_memory"; false if the
 * key has characters a sysctl name never has (or could climb out). */
static bool sysctl_path(const char *key, char *path, size_t len)
{
	size_t n = strlen(key), o;

	if (!n || n > 128 || key[0] == '.' || strstr(key, ".."))
		return false;
	o = (size_t)snprintf(path, len, "/proc/sys/");
	for (const char *p = key; *p && o + 1 < len; p++) {
		char c = *p;

		if (!(c == '.' || c == '_' || c == '-' || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return false;
		path[o++] = c == '.' ? '/' : c;
	}
	path[o] = '\0';
	return true;
}

/* Each pair ["key", "value"] of arr to fn(ag, key, value). */
static void for_pairs(struct agent *ag, json_object *arr, const char *what,
		      void (*fn)(struct agent *, const char *, const char *))
{
	size_t n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(p, json_type_array) || json_object_array_length(p) != 2 ||
		    !json_object_is_type(json_object_array_get_idx(p, 0), json_type_string)) {
			rec_setup(ag, what, "?", NULL, EINVAL, "not a [key, value] pair");
			continue;
		}
		fn(ag, json_object_get_string(json_object_array_get_idx(p, 0)),
		   json_object_get_string(json_object_array_get_idx(p, 1)));
	}
}

static void set_sysctl(struct agent *ag, const char *key, const char *value)
{
	char path[160];

	if (!sysctl_path(key, path, sizeof(path))) {
		rec_setup(ag, "sysctl", key, value, EINVAL, "not a sysctl name");
		return;
	}
	rec_setup(ag, "sysctl", key, value, -write_text(path, value), NULL);
}

static void set_memcg(struct agent *ag, const char *file, const char *value)
{
	char path[192];

	if (!safe_name(file)) {
		rec_setup(ag, "memcg", file, value, EINVAL, "not a cgroup file name");
		return;
	}
	snprintf(path, sizeof(path), WL_CGROUP "/%s", file);
	rec_setup(ag, "memcg", file, value, ag->wl_cgroup ? -write_text(path, value) : ENOENT,
		  NULL);
}

void setup_plan(struct agent *ag)
{
	json_object *v;

	if (json_object_object_get_ex(ag->plan, "modules", &v))
		setup_modules(ag, v);
	if (json_object_object_get_ex(ag->plan, "sysctl", &v))
		for_pairs(ag, v, "sysctl", set_sysctl);
	if (json_object_object_get_ex(ag->plan, "swap", &v))
		setup_swap(ag, v);
	/* The workload cgroup exists in every run; memcg limits are optional. */
	ag->wl_cgroup = !mkdir(WL_CGROUP, 0755) || errno == EEXIST;
	if (!ag->wl_cgroup)
		rec_setup(ag, "memcg", "cgroup", WL_CGROUP, errno, NULL);
	if (json_object_object_get_ex(ag->plan, "memcg", &v))
		for_pairs(ag, v, "memcg", set_memcg);
}

static void add_effective(json_object *eff, const char *key, const char *path)
{
	char val[256];

	if (read_text(path, val, sizeof(val)) < 0)
		return;
	rtrim(val);
	json_object_object_add(eff, key, json_object_new_string(val));
}

static void effective_sysctl(json_object *eff, const char *key)
{
	char path[160];

	if (sysctl_path(key, path, sizeof(path)))
		add_effective(eff, key, path);
}

static json_object *effective(struct agent *ag)
{
	json_object *eff = json_object_new_object(), *v;
	char path[192];
	size_t n;

	for (size_t i = 0; i < ARRAY_SIZE(fixed_sysctls); i++)
		effective_sysctl(eff, fixed_sysctls[i]);
	n = json_object_object_get_ex(ag->plan, "sysctl", &v) &&
	    json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
	for (size_t i = 0; i < n; i++) {
		const char *k = json_object_get_string(
			json_object_array_get_idx(json_object_array_get_idx(v, i), 0));

		if (k)
			effective_sysctl(eff, k);
	}
	n = json_object_object_get_ex(ag->plan, "memcg", &v) &&
	    json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
	for (size_t i = 0; i < n; i++) {
		const char *k = json_object_get_string(
			json_object_array_get_idx(json_object_array_get_idx(v, i), 0));

		if (k && safe_name(k)) {
			snprintf(path, sizeof(path), WL_CGROUP "/%s", k);
			add_effective(eff, k, path);
		}
	}
	return eff;
}

/* What the kernel offers of each feature of kfeatures.h, as
 * effective["feature:NAME"] = "yes" or "no: WHY" (the guest's side of the
 * controller's SKIP decision).  Run after the modules are loaded and
 * tracefs is mounted, so that it sees what the steps will see. */
static void add_features(json_object *eff)
{
#define FEAT_ROW_(id, name, what, probe, path, word, config) { name, probe, path, word },
	static const struct {
		const char *name;
		int probe;
		const char *path, *word;
	} feats[] = { FEATURES(FEAT_ROW_) };
#undef FEAT_ROW_
	char key[64], why[256];

	for (size_t i = 0; i < ARRAY_SIZE(feats); i++) {
		bool yes = feats[i].probe == FEAT_WORD ? file_has_word(feats[i].path, feats[i].word)
						       : access(feats[i].path, F_OK) == 0;

		if (feats[i].probe == FEAT_WORD)
			snprintf(why, sizeof(why), "no: %s lacks %s", feats[i].path, feats[i].word);
		else
			snprintf(why, sizeof(why), "no: %s is missing", feats[i].path);
		snprintf(key, sizeof(key), FEAT_FACT_PREFIX "%s", feats[i].name);
		json_object_object_add(eff, key, json_object_new_string(yes ? "yes" : why));
	}
}

void send_facts(struct agent *ag)
{
	json_object *r = rec_new("facts"), *eff = effective(ag);

	add_features(eff);
	json_object_object_add(r, "meminfo", read_keyed("/proc/meminfo"));
	json_object_object_add(r, "effective", eff);
	json_object_object_add(r, "nr_cpus", json_object_new_int((int)sysconf(_SC_NPROCESSORS_ONLN)));
	rec_send(ag, r);
}
