/* guestfs.c - see guestfs.h */
#include "guestfs.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fiuspec.h"
#include "spawn.h"

static const char *own(struct guestfs *g, const char *s)
{
	if (g->nowned == g->owned_alloc) {
		g->owned_alloc = g->owned_alloc ? g->owned_alloc * 2 : 16;
		g->owned = realloc(g->owned, g->owned_alloc * sizeof(*g->owned));
		if (!g->owned)
			abort();
	}
	if (!(g->owned[g->nowned] = strdup(s)))
		abort();
	return g->owned[g->nowned++];
}

static void add(struct guestfs *g, struct initramfs_entry e)
{
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->e[i].dest, e.dest))
			return;
	if (g->n == g->alloc) {
		g->alloc = g->alloc ? g->alloc * 2 : 16;
		g->e = realloc(g->e, g->alloc * sizeof(*g->e));
		if (!g->e)
			abort();
	}
	g->e[g->n++] = e;
}

void guestfs_init(struct guestfs *g, const char *guest_dir, const char *plan_json)
{
	struct buf b = BUF_INIT;

	memset(g, 0, sizeof(*g));
	buf_addf(&b, "%s/init", guest_dir);
	add(g, (struct initramfs_entry){ .dest = "init", .src = own(g, b.s), .mode = 0755 });
	buf_reset(&b);
	buf_addf(&b, "%s/oomwl", guest_dir);
	add(g, (struct initramfs_entry){ .dest = "bin/oomwl", .src = own(g, b.s), .mode = 0755 });
	if (plan_json) /* none: a snapshot guest, whose plan comes on ttyS2 */
		add(g, (struct initramfs_entry){ .dest = "plan.json", .data = own(g, plan_json),
						 .len = strlen(plan_json), .mode = 0644 });
	if (guestfs_plan_uses_fiu(plan_json))
		g->fiu_guest_dir = own(g, guest_dir);
	buf_release(&b);
}

static bool argv_uses_fiu(json_object *argv)
{
	size_t n = json_object_is_type(argv, json_type_array) ? json_object_array_length(argv) : 0;

	for (size_t k = 1; k < n; k++) {
		json_object *a = json_object_array_get_idx(argv, k);

		if (json_object_is_type(a, json_type_string) && fiu_is_arg(json_object_get_string(a)))
			return true;
	}
	return false;
}

/* The plan is ours (plan.c), so a plan that does not parse uses no fiu. */
bool guestfs_plan_uses_fiu(const char *plan_json)
{
	json_object *plan = plan_json ? json_tokener_parse(plan_json) : NULL, *steps, *argv;
	bool fiu = false;
	size_t n;

	if (plan && json_object_object_get_ex(plan, "steps", &steps) &&
	    json_object_is_type(steps, json_type_array)) {
		n = json_object_array_length(steps);
		for (size_t i = 0; i < n && !fiu; i++)
			fiu = json_object_object_get_ex(json_object_array_get_idx(steps, i), "argv",
							&argv) && argv_uses_fiu(argv);
	}
	json_object_put(plan);
	return fiu;
}

void guestfs_add_modules(struct guestfs *g, char *const *ko_paths, size_t n)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(ko_paths[i], '/');

		buf_reset(&b);
		buf_addf(&b, "lib/modules/%s", base ? base + 1 : ko_paths[i]);
		add(g, (struct initramfs_entry){ .dest = own(g, b.s), .src = own(g, ko_paths[i]),
						 .mode = 0644 });
	}
	buf_release(&b);
}

static void add_host_file(struct guestfs *g, const char *path, unsigned mode)
{
	add(g, (struct initramfs_entry){ .dest = own(g, path + 1), .src = own(g, path), .mode = mode });
}

/* ldd prints "\tlibm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x...)" and
 * "\t/lib64/ld-linux-x86-64.so.2 (0x...)"; the vDSO has no path.  The
 * program goes to dest (no leading '/'), its libraries to their paths. */
static int add_closure(struct guestfs *g, const char *path, const char *dest, struct buf *err)
{
	const char *argv[] = { "ldd", path, NULL };
	struct buf out = BUF_INIT;
	char *save = NULL;
	int r = run_capture(argv, &out, 1 << 20, err);

	if (r != 0) {
		buf_addf(err, "%sldd %s failed (is it installed and dynamically linked?)",
			 err->len ? "; " : "", path);
		buf_release(&out);
		return -1;
	}
	add(g, (struct initramfs_entry){ .dest = own(g, dest), .src = own(g, path), .mode = 0755 });
	for (char *line = strtok_r(out.s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = strstr(line, "=> ");
		char *end;

		p = p ? p + 3 : line + strspn(line, " \t");
		if (*p != '/' || !(end = strchr(p, ' ')))
			continue;
		*end = '\0';
		add_host_file(g, p, 0755);
	}
	buf_release(&out);
	return 0;
}

int guestfs_add_program(struct guestfs *g, const char *path, struct buf *err)
{
	return add_closure(g, path, path + 1, err);
}

static int need_file(const char *path, const char *hint, struct buf *err)
{
	if (access(path, R_OK) == 0)
		return 0;
	buf_addf(err, "%s%s is missing, needed by a step with a fiu= argument (%s)",
		 err->len ? "; " : "", path, hint);
	return -1;
}

int guestfs_add_fiu(struct guestfs *g, const char *guest_dir, struct buf *err)
{
	static const char *const preload[] = { FIU_RUN_PRELOAD, FIU_POSIX_PRELOAD };
	struct buf wl = BUF_INIT;
	int r;

	buf_addf(&wl, "%s/" FIU_HOST_BINARY, guest_dir);
	r = need_file(wl.s, "`make all` builds it", err);
	for (size_t i = 0; r == 0 && i < sizeof(preload) / sizeof(preload[0]); i++)
		r = need_file(preload[i], "Debian's libfiu0: ci/install-deps.sh installs it", err);
	if (r == 0) /* the initramfs path: without its leading '/' */
		r = add_closure(g, wl.s, &FIU_GUEST_BINARY[1], err);
	for (size_t i = 0; r == 0 && i < sizeof(preload) / sizeof(preload[0]); i++)
		r = add_closure(g, preload[i], preload[i] + 1, err);
	buf_release(&wl);
	return r;
}

int guestfs_write(struct guestfs *g, const char *out, struct buf *err)
{
	if (g->fiu_guest_dir && guestfs_add_fiu(g, g->fiu_guest_dir, err) < 0)
		return -1;
	g->fiu_guest_dir = NULL;
	return initramfs_write(out, g->e, g->n, err);
}

void guestfs_free(struct guestfs *g)
{
	for (size_t i = 0; i < g->nowned; i++)
		free(g->owned[i]);
	free(g->owned);
	free(g->e);
	memset(g, 0, sizeof(*g));
}
