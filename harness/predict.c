/* predict.c - see predict.h */
#include "predict.h"

#include "fiuspec.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "cleanup.h"
#include "report.h"
#include "sizeexpr.h"

/* A static oomwl before its request: about 2 MiB of address space (the
 * user reserve is min(total_vm / 32, user_reserve_kbytes)). */
#define WORKLOAD_TOTAL_VM_KB 2048

static long long sysctl_ll(const struct vmconfig *vm, const char *key, long long dflt)
{
	const char *v = kv_get(&vm->sysctl, key);

	return v ? strtoll(v, NULL, 10) : dflt;
}

static long long memcg_bytes(const struct vmconfig *vm, const char *key)
{
	const char *v = kv_get(&vm->memcg, key);
	unsigned long long b;

	if (!v || !strcmp(v, "max") || !parse_size(v, &b))
		return ORACLE_UNSET;
	return (long long)b;
}

void predict_policy(const struct vmconfig *vm, const struct scenario *sc, struct oracle_policy *p)
{
	const char *group = kv_get(&vm->memcg, "memory.oom.group");

	(void)sc;
	memset(p, 0, sizeof(*p));
	p->overcommit_memory = (int)sysctl_ll(vm, "vm.overcommit_memory", 0);
	p->overcommit_ratio = sysctl_ll(vm, "vm.overcommit_ratio", 50);
	p->overcommit_kbytes = sysctl_ll(vm, "vm.overcommit_kbytes", 0);
	p->admin_reserve_kbytes = sysctl_ll(vm, "vm.admin_reserve_kbytes", ORACLE_UNSET);
	p->user_reserve_kbytes = sysctl_ll(vm, "vm.user_reserve_kbytes", ORACLE_UNSET);
	p->panic_on_oom = (int)sysctl_ll(vm, "vm.panic_on_oom", 0);
	p->oom_kill_allocating_task = sysctl_ll(vm, "vm.oom_kill_allocating_task", 0) != 0;
	p->nr_hugepages = sysctl_ll(vm, "vm.nr_hugepages", 0);
	p->in_memcg = vm->memcg.n > 0;
	p->memcg_max = memcg_bytes(vm, "memory.max");
	p->memcg_high = memcg_bytes(vm, "memory.high");
	p->memcg_swap_max = memcg_bytes(vm, "memory.swap.max");
	p->memcg_oom_group = group && !strcmp(group, "1");
}

static long long pick(long long v, long long dflt)
{
	return v >= 0 ? v : dflt;
}

void predict_facts(const struct evidence *ev, struct oracle_facts *f)
{
	const struct mem_snapshot *b = &ev->boot;

	memset(f, 0, sizeof(*f));
	if (sscanf(ev->release, "%d.%d", &f->kernel_major, &f->kernel_minor) != 2)
		f->kernel_major = f->kernel_minor = 0;
	f->nr_cpus = ev->nr_cpus > 0 ? ev->nr_cpus : 1;
	f->mem_total_kb = pick(b->mem_total_kb, 0);
	f->mem_free_kb = pick(b->mem_free_kb, 0);
	f->swap_total_kb = pick(b->swap_total_kb, 0);
	f->swap_free_kb = pick(b->swap_free_kb, f->swap_total_kb);
	f->committed_as_kb = pick(b->committed_as_kb, 0);
	f->hugetlb_kb = pick(b->hugetlb_kb, 0);
	f->file_kb = pick(b->file_kb, 0);
	f->shmem_kb = pick(b->shmem_kb, 0);
	f->sreclaimable_kb = pick(b->sreclaimable_kb, 0);
	f->totalreserve_kb = 0; /* not in /proc/meminfo; the model says so */
}

struct lookup_ctx {
	const struct oracle_policy *p;
	const struct oracle_facts *f;
};

static bool lookup(const char *name, long long *value, void *ctx)
{
	const struct lookup_ctx *c = ctx;
	long long kb;

	if (!strcmp(name, "ram"))
		kb = c->f->mem_total_kb;
	else if (!strcmp(name, "swap"))
		kb = c->f->swap_total_kb;
	else if (!strcmp(name, "commit_limit"))
		kb = oracle_commit_limit_kb(c->p, c->f);
	else if (!strcmp(name, "committed_as"))
		kb = c->f->committed_as_kb;
	else if (!strcmp(name, "free") || !strcmp(name, "available"))
		kb = c->f->mem_free_kb;
	else if (!strcmp(name, "memcg_max"))
		kb = c->p->memcg_max >= 0 ? c->p->memcg_max / 1024 : c->f->mem_total_kb;
	else
		return false;
	*value = kb * 1024;
	return true;
}

/* The value of key=EXPR in the run's arguments, evaluated on the facts. */
static bool run_arg(const struct scenario *sc, const char *key, struct lookup_ctx *c,
		    long long *out, struct buf *err)
{
	size_t klen = strlen(key);
	char msg[160];

	for (size_t i = 1; i < sc->nrun; i++) {
		if (strncmp(sc->run[i], key, klen) || sc->run[i][klen] != '=')
			continue;
		if (sizeexpr_eval(sc->run[i] + klen + 1, lookup, c, out, msg, sizeof(msg)))
			return true;
		buf_addf(err, "%s: %s: %s", sc->name, sc->run[i], msg);
		return false;
	}
	return false;
}

bool predict_max_adj(const struct scenario *sc, int *adj)
{
	for (size_t i = 1; i < sc->nrun; i++) {
		const char *p = sc->run[i];

		if (strncmp(p, "adj=", 4))
			continue;
		*adj = -1001;
		for (p += 4; *p; p += *p == ',') {
			char *end;
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			if (v > *adj)
				*adj = (int)v;
			p = end;
		}
		return *adj >= -1000;
	}
	return false;
}

/* "size=EXPR" as the agent resolved it (the step's exprs).  Not the
 * workload's own "bytes": for brk, hog and mbind that is one step. */
static bool step_size(const struct step_evidence *st, long long *bytes)
{
	for (size_t i = 0; i < st->exprs.n; i++) {
		if (!strncmp(st->exprs.v[i].key, "size=", 5)) {
			*bytes = strtoll(st->exprs.v[i].value, NULL, 10);
			return *bytes >= 0;
		}
	}
	return false;
}

/* pipe and sockbuf (workloads/README.md): kernel allocations of one
 * order.  The order comes from the size the guest used (the result line's
 * "bytes": the pipe's size, the control buffer's length) when st has it,
 * else from order=N (the stressor's own mapping: a pipe of 2^(N+18) bytes,
 * a buffer of 4096 << N) or size=, each through the kernel's formula
 * (oracle_pipe_ring_order, oracle_kmalloc_order).  The limit the requests
 * meet is the helper's doing: frag=1 (no free block of the order left) or
 * fill=1 (the cgroup at memory.max); without either there is no prediction. */
static int kalloc_request(const struct scenario *sc, const struct oracle_policy *p,
			  struct lookup_ctx *c, const struct step_evidence *st,
			  struct oracle_request *r, struct buf *err)
{
	bool pipe = !strcmp(sc->run[0], "pipe");
	long long order = -1, bytes = -1, frag = 0, fill = 0;

	r->kind = REQ_KALLOC;
	r->accounted = pipe;      /* GFP_KERNEL_ACCOUNT; sock_kmalloc: GFP_KERNEL */
	if (!(run_arg(sc, "frag", c, &frag, err) && frag) &&
	    !(run_arg(sc, "fill", c, &fill, err) && fill)) {
		if (!err->len)
			buf_addf(err, "%s: %s without frag=1 or fill=1 may never meet a limit",
				 sc->name, sc->run[0]);
		return -1;
	}
	if (fill && !(p->in_memcg && p->memcg_max >= 0)) {
		buf_addf(err, "%s: fill=1 needs a memory.max in the vmconfig", sc->name);
		return -1;
	}
	if (st && st->wl.present && st->wl.bytes > 0)
		bytes = st->wl.bytes;
	else if (run_arg(sc, "order", c, &order, err))
		bytes = order < 0 || order > 20 ? -1 : pipe ? 1LL << (order + 18) : 4096LL << order;
	else if (!run_arg(sc, "size", c, &bytes, err))
		bytes = -1;
	r->bytes = bytes;
	r->order = pipe ? oracle_pipe_ring_order(bytes) : oracle_kmalloc_order(bytes);
	if (r->order < 0) {
		if (!err->len)
			buf_addf(err, "%s: no order= or size= that makes a page allocation", sc->name);
		return -1;
	}
	return 0;
}

int predict_request(const struct scenario *sc, const struct oracle_policy *p,
		    const struct oracle_facts *f, const struct step_evidence *st,
		    struct oracle_request *r, struct buf *err)
{
	struct lookup_ctx c = { p, f };
	long long v;
	const char *w = sc->run[0];

	memset(r, 0, sizeof(*r));
	r->order = -1;
	if (!strcmp(w, "pipe") || !strcmp(w, "sockbuf"))
		return kalloc_request(sc, p, &c, st, r, err);
	r->kind = !strcmp(w, "hog") || !strcmp(w, "mbind") ? REQ_HOG : REQ_MMAP;
	r->cap_sys_admin = sc->uid <= 0;
	r->task_total_vm_kb = WORKLOAD_TOTAL_VM_KB;
	r->touch = r->kind == REQ_HOG || (run_arg(sc, "touch", &c, &v, err) && v);
	r->noreserve = run_arg(sc, "noreserve", &c, &v, err) && v;
	r->shared = run_arg(sc, "shared", &c, &v, err) || !strcmp(w, "shm");
	if (!strcmp(w, "bisect")) {
		r->bytes = 0; /* the margin is then the headroom the bisection measures */
	} else if (st && step_size(st, &r->bytes)) {
		/* the size the guest evaluated just before the step */
	} else if (!run_arg(sc, "size", &c, &r->bytes, err)) {
		if (!err->len)
			buf_addf(err, "%s: the run has no size= argument", sc->name);
		return -1;
	}
	if (!strcmp(w, "fork"))
		r->touch = true;
	/* A hog family: every member touches size (workloads/README.md). */
	if (run_arg(sc, "procs", &c, &v, err) && v > 1)
		r->bytes *= v;
	if (predict_max_adj(sc, &r->oom_score_adj) == false)
		r->oom_score_adj = 0;
	return 0;
}

/* A fault point that always fires (fiu=POINT or POINT:1): libfiu fails the
 * workload's call in user space before the kernel is asked (fiuspec.h). */
static bool certain_fault(const struct scenario *sc, struct oracle_prediction *out)
{
	for (size_t k = 0; k < sc->nrun; k++) {
		struct fiu_point pt;
		char err[128];

		if (!fiu_is_arg(sc->run[k]) ||
		    !fiu_parse(sc->run[k] + strlen(FIU_ARG), &pt, err, sizeof(err)) ||
		    pt.ppm != FIU_PPM)
			continue;
		memset(out, 0, sizeof(*out));
		out->path = PATH_INJECTED_FAULT;
		snprintf(out->why, sizeof(out->why), "fiu=%s:1: libfiu fails the call in user space "
			 "before the kernel sees a request", pt.name);
		return true;
	}
	return false;
}

int predict_scenario(const struct scenario *sc, const struct vmconfig *vm,
		     const struct oracle_facts *f, const struct step_evidence *st,
		     struct oracle_prediction *out, struct buf *err)
{
	struct oracle_policy p;
	struct oracle_request r;
	struct oracle_facts facts = *f;

	if (certain_fault(sc, out))
		return 0;
	predict_policy(vm, sc, &p);
	oracle_defaults(&p, &facts);
	/* frag on its own: it fragments memory and takes blocks of order 4
	 * and up, whose failures never invoke the OOM killer
	 * (workloads/wl_frag.c). */
	if (!strcmp(sc->run[0], "frag")) {
		memset(out, 0, sizeof(*out));
		out->path = PATH_NO_FAILURE;
		snprintf(out->why, sizeof(out->why), "frag alone: its drains of order > %d fail "
			 "without the OOM killer, nothing else is requested", ORACLE_COSTLY_ORDER);
		return 0;
	}
	if (predict_request(sc, &p, &facts, st, &r, err) < 0)
		return -1;
	/* fork: the parent's mapping is committed before the child asks for
	 * the same again (kernel/fork.c dup_mmap accounts every private
	 * writable VMA of the child). */
	if (!strcmp(sc->run[0], "fork"))
		facts.committed_as_kb += r.bytes / 1024;
	/* Confined to one NUMA node (cpuset.mems, or mbind MPOL_BIND): only
	 * that node's memory serves the workload (mm/oom_kill.c
	 * constrained_alloc: CONSTRAINT_CPUSET / CONSTRAINT_MEMORY_POLICY). */
	if (vm->numa_nodes > 1 && (kv_get(&vm->memcg, "cpuset.mems") || !strcmp(sc->run[0], "mbind")))
		facts.mem_free_kb /= vm->numa_nodes;
	oracle_predict(&p, &facts, &r, out);
	return 0;
}

/* ---- the facts cache ---- */

static void shape(char *out, size_t len, const char *cache, const char *release,
		  const struct vmconfig *vm)
{
	static const char *const swaps[] = { "none", "zram", "disk" };

	snprintf(out, len, "%s/facts/%s/%lluM-%uc-%un-%s%lluM.json", cache, release,
		 vm->memory_bytes >> 20, vm->cpus, vm->numa_nodes, swaps[vm->swap],
		 vm->swap_bytes >> 20);
}

#define FACT_FIELDS(X) X(mem_total_kb) X(mem_free_kb) X(swap_total_kb) X(swap_free_kb) \
	X(committed_as_kb) X(hugetlb_kb) X(file_kb) X(shmem_kb) X(sreclaimable_kb)

int facts_save(const char *cache, const char *release, const struct vmconfig *vm,
	       const struct oracle_facts *f, struct buf *err)
{
	char path[PATH_MAX], dir[PATH_MAX];
	json_object *o = json_object_new_object();
	const char *text;
	int r;

	shape(path, sizeof(path), cache, release, vm);
	snprintf(dir, sizeof(dir), "%s/facts", cache);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/facts/%s", cache, release);
	mkdir(dir, 0755);
#define PUT(x) json_object_object_add(o, #x, json_object_new_int64(f->x));
	FACT_FIELDS(PUT)
#undef PUT
	json_object_object_add(o, "nr_cpus", json_object_new_int(f->nr_cpus));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	r = write_file_atomic(path, text, strlen(text), err);
	json_object_put(o);
	return r;
}

/* Without a measurement: the Debian 6.1 guests here keep about 52 MiB of
 * a 256 MiB RAM for the kernel and firmware (MemTotal 208732 kB), and a swap
 * area loses its header page (SwapTotal = size - 4 kB). */
static void estimate(const struct vmconfig *vm, struct oracle_facts *f)
{
	long long ram_kb = (long long)(vm->memory_bytes >> 10);

	memset(f, 0, sizeof(*f));
	f->kernel_major = 6;
	f->kernel_minor = 1;
	f->nr_cpus = (int)vm->cpus;
	f->mem_total_kb = ram_kb - 53412;
	f->mem_free_kb = f->mem_total_kb - 20000;
	f->swap_total_kb = vm->swap == SWAP_NONE ? 0 : (long long)(vm->swap_bytes >> 10) - 4;
	f->swap_free_kb = f->swap_total_kb;
	f->committed_as_kb = 3000;
}

bool facts_load(const char *cache, const char *release, const struct vmconfig *vm,
		struct oracle_facts *f)
{
	char path[PATH_MAX];
	json_object *o, *v;

	estimate(vm, f);
	shape(path, sizeof(path), cache, release, vm);
	o = json_object_from_file(path);
	if (!o)
		return false;
#define GET(x) if (json_object_object_get_ex(o, #x, &v)) f->x = json_object_get_int64(v);
	FACT_FIELDS(GET)
#undef GET
	if (json_object_object_get_ex(o, "nr_cpus", &v))
		f->nr_cpus = json_object_get_int(v);
	sscanf(release, "%d.%d", &f->kernel_major, &f->kernel_minor);
	json_object_put(o);
	return true;
}
