/* plan.c - see plan.h */
#include "plan.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cleanup.h"
#include "predict.h"

/* A guest gets this long per step unless the scenario says otherwise:
 * generous for TCG, where touching 256 MiB takes seconds. */
#define DEFAULT_STEP_TIMEOUT_S 120

static bool matches(const char *sel, const struct plan_item *it)
{
	if (!strncmp(sel, "tag:", 4) || sel[0] == '@') {
		const char *pat = sel[0] == '@' ? sel + 1 : sel + 4;

		for (size_t i = 0; i < it->sc->ntags; i++)
			if (!fnmatch(pat, it->sc->tags[i], 0))
				return true;
		return false;
	}
	if (!strncmp(sel, "vm:", 3))
		return !fnmatch(sel + 3, it->vm->name, 0);
	return !fnmatch(sel, it->sc->name, 0);
}

static void list_known(const struct oom_config *cfg, struct buf *err)
{
	buf_addstr(err, "known scenarios:");
	for (size_t i = 0; i < cfg->nsc; i++)
		buf_addf(err, " %s", cfg->sc[i].name);
	buf_addstr(err, "\nknown vmconfigs (vm:NAME):");
	for (size_t i = 0; i < cfg->nvm; i++)
		buf_addf(err, " %s", cfg->vm[i].name);
	buf_addstr(err, "\ntags (tag:NAME): default, smoke, and any other a scenario declares\n");
}

int plan_select(const struct oom_config *cfg, char *const *sel, size_t nsel,
		struct plan *out, struct buf *err)
{
	char *const deflt[] = { "tag:default" };
	bool bad = false;

	if (!nsel) {
		sel = deflt;
		nsel = 1;
	}
	out->n = 0;
	out->reps = NULL;
	out->items = calloc(cfg->nsc + 1, sizeof(*out->items));
	if (!out->items)
		abort();
	for (size_t s = 0; s < nsel; s++) {
		bool any = false;

		for (size_t i = 0; i < cfg->nsc; i++) {
			struct plan_item it = { &cfg->sc[i], config_vm(cfg, cfg->sc[i].vmconfig) };

			if (it.vm && matches(sel[s], &it))
				any = true;
		}
		if (!any) {
			buf_addf(err, "no scenario matches '%s'\n", sel[s]);
			bad = true;
		}
	}
	if (bad) {
		list_known(cfg, err);
		plan_free(out);
		return -1;
	}
	/* Keep the configuration's order, each scenario once. */
	for (size_t i = 0; i < cfg->nsc; i++) {
		struct plan_item it = { &cfg->sc[i], config_vm(cfg, cfg->sc[i].vmconfig) };

		for (size_t s = 0; s < nsel && it.vm; s++) {
			if (matches(sel[s], &it)) {
				out->items[out->n++] = it;
				break;
			}
		}
	}
	return 0;
}

void plan_free(struct plan *p)
{
	free(p->items);
	free(p->reps);
	p->items = NULL;
	p->reps = NULL;
	p->n = 0;
}

size_t plan_rep_split(const char *name, unsigned *rep)
{
	const char *sep = strrchr(name, PLAN_REP_SEP);
	unsigned k = 0;

	*rep = 0;
	if (!sep || sep == name || !sep[1] || sep[1] == '0' || strlen(sep + 1) > 2)
		return strlen(name);
	for (const char *d = sep + 1; *d; d++) {
		if (*d < '0' || *d > '9')
			return strlen(name);
		k = k * 10 + (unsigned)(*d - '0');
	}
	*rep = k;
	return (size_t)(sep - name);
}

unsigned plan_repeat_of(char *const *names, size_t n)
{
	unsigned most = 1, k;

	for (size_t i = 0; i < n; i++)
		if (names[i] && (plan_rep_split(names[i], &k), k > most))
			most = k;
	return most;
}

int plan_repeat(struct plan *p, unsigned nrep, struct buf *err)
{
	struct plan_item *items;
	struct scenario *reps;
	size_t n = 0;

	if (p->reps) {
		buf_addstr(err, "the plan is repeated already\n");
		return -1;
	}
	if (nrep < 1 || nrep > PLAN_REPEAT_MAX) {
		buf_addf(err, "--repeat %u: write a number from 1 to %d\n", nrep, PLAN_REPEAT_MAX);
		return -1;
	}
	if (nrep == 1)
		return 0;
	for (size_t i = 0; i < p->n; i++) {
		if (strlen(p->items[i].sc->name) + 3 >= OOM_NAME_MAX) {
			buf_addf(err, "scenario %s: its name is too long to number its repetitions "
				 "(%s@%u); names of at most %d characters can be repeated\n",
				 p->items[i].sc->name, p->items[i].sc->name, nrep, OOM_NAME_MAX - 4);
			return -1;
		}
	}
	items = calloc(p->n * nrep + 1, sizeof(*items));
	reps = calloc(p->n * nrep + 1, sizeof(*reps));
	if (!items || !reps)
		abort();
	for (size_t i = 0; i < p->n; i++) {
		for (unsigned k = 1; k <= nrep; k++, n++) {
			/* A shallow copy: its strings stay the configuration's. */
			reps[n] = *p->items[i].sc;
			snprintf(reps[n].name, sizeof(reps[n].name), "%s%c%u", p->items[i].sc->name,
				 PLAN_REP_SEP, k);
			items[n] = (struct plan_item){ &reps[n], p->items[i].vm };
		}
	}
	free(p->items);
	p->items = items;
	p->reps = reps;
	p->n = n;
	return 0;
}

size_t plan_modules(const struct plan_item *it, const char **names, size_t max)
{
	size_t n = 0;

	if (it->vm->swap == SWAP_ZRAM && n < max)
		names[n++] = "zram";
	if (it->vm->swap == SWAP_DISK) {
		if (n < max)
			names[n++] = "virtio_pci";
		if (n < max)
			names[n++] = "virtio_blk";
	}
	return n;
}

static json_object *pairs(const struct kv_list *l)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < l->n; i++) {
		json_object *p = json_object_new_array();

		json_object_array_add(p, json_object_new_string(l->v[i].key));
		json_object_array_add(p, json_object_new_string(l->v[i].value));
		json_object_array_add(a, p);
	}
	return a;
}

static json_object *swap_json(const struct vmconfig *vm)
{
	json_object *o;

	if (vm->swap == SWAP_NONE)
		return NULL;
	o = json_object_new_object();
	if (vm->swap == SWAP_ZRAM) {
		json_object_object_add(o, "kind", json_object_new_string("zram"));
		json_object_object_add(o, "bytes", json_object_new_int64((int64_t)vm->swap_bytes));
	} else {
		json_object_object_add(o, "kind", json_object_new_string("disk"));
		json_object_object_add(o, "device", json_object_new_string("/dev/vda"));
	}
	return o;
}

static json_object *steps_json(const struct scenario *sc)
{
	json_object *steps = json_object_new_array();
	json_object *step = json_object_new_object();
	json_object *argv = json_object_new_array();

	for (size_t i = 0; i < sc->nrun; i++)
		json_object_array_add(argv, json_object_new_string(sc->run[i]));
	json_object_object_add(step, "argv", argv);
	if (sc->uid >= 0)
		json_object_object_add(step, "uid", json_object_new_int(sc->uid));
	json_object_object_add(step, "timeout_s",
			       json_object_new_int(sc->timeout_s ? (int)sc->timeout_s
								 : DEFAULT_STEP_TIMEOUT_S));
	json_object_array_add(steps, step);
	return steps;
}

/* The declared overcommit policy, so that the guest evaluates commit_limit
 * with the oracle's formula (predict.h) rather than trusting CommitLimit. */
static json_object *policy_json(const struct plan_item *it)
{
	json_object *o = json_object_new_object();
	struct oracle_policy p;

	predict_policy(it->vm, it->sc, &p);
	json_object_object_add(o, "overcommit_memory", json_object_new_int(p.overcommit_memory));
	json_object_object_add(o, "overcommit_ratio", json_object_new_int64(p.overcommit_ratio));
	json_object_object_add(o, "overcommit_kbytes", json_object_new_int64(p.overcommit_kbytes));
	return o;
}

void plan_guest_json(const struct plan_item *it, char *const *modules, size_t nmod,
		     struct buf *out)
{
	json_object *root = json_object_new_object();
	json_object *mods = json_object_new_array();

	for (size_t i = 0; i < nmod; i++)
		json_object_array_add(mods, json_object_new_string(modules[i]));
	json_object_object_add(root, "v", json_object_new_int(1));
	json_object_object_add(root, "scenario", json_object_new_string(it->sc->name));
	json_object_object_add(root, "modules", mods);
	json_object_object_add(root, "sysctl", pairs(&it->vm->sysctl));
	json_object_object_add(root, "swap", swap_json(it->vm));
	json_object_object_add(root, "memcg", it->vm->memcg.n ? pairs(&it->vm->memcg) : NULL);
	json_object_object_add(root, "policy", policy_json(it));
	json_object_object_add(root, "steps", steps_json(it->sc));
	buf_addstr(out, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	buf_addch(out, '\n');
	json_object_put(root);
}

static unsigned fnv1a(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

void plan_shard(struct plan *p, unsigned k, unsigned n)
{
	size_t kept = 0;

	if (n <= 1)
		return;
	for (size_t i = 0; i < p->n; i++) {
		char base[OOM_NAME_MAX];
		unsigned rep;
		size_t len = plan_rep_split(p->items[i].sc->name, &rep);

		snprintf(base, sizeof(base), "%.*s", (int)len, p->items[i].sc->name);
		if (fnv1a(base) % n == k - 1)
			p->items[kept++] = p->items[i];
	}
	p->n = kept;
}

int plan_parse_shard(const char *s, unsigned *k, unsigned *n, struct buf *err)
{
	char tail;

	if (sscanf(s, "%u/%u%c", k, n, &tail) != 2 || *n < 1 || *n > 10000 || *k < 1 || *k > *n) {
		buf_addf(err, "shard '%s': write K/N with 1 <= K <= N, e.g. 2/4", s);
		return -1;
	}
	return 0;
}

static bool env_uint(const char *name, long *out)
{
	const char *v = getenv(name);
	char *end;

	if (!v || !*v)
		return false;
	*out = strtol(v, &end, 10);
	return !*end;
}

int plan_shard_from_env(unsigned *k, unsigned *n, struct buf *err)
{
	long idx, total, min = 0;
	const char *from;

	if (env_uint("CI_NODE_INDEX", &idx) && env_uint("CI_NODE_TOTAL", &total)) {
		from = "CI_NODE_INDEX/CI_NODE_TOTAL";
	} else if (env_uint("SLURM_ARRAY_TASK_ID", &idx) &&
		   env_uint("SLURM_ARRAY_TASK_COUNT", &total)) {
		env_uint("SLURM_ARRAY_TASK_MIN", &min);
		idx = idx - min + 1;
		from = "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT";
	} else if (env_uint("JOB_COMPLETION_INDEX", &idx) && env_uint("OOMLAB_SHARD_TOTAL", &total)) {
		idx += 1;
		from = "JOB_COMPLETION_INDEX/OOMLAB_SHARD_TOTAL";
	} else {
		return 0;
	}
	if (total < 1 || idx < 1 || idx > total) {
		buf_addf(err, "%s give shard %ld of %ld, which is not one", from, idx, total);
		return -1;
	}
	*k = (unsigned)idx;
	*n = (unsigned)total;
	return 1;
}
