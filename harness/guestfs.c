/* guestfs.c - see guestfs.h */
#include "guestfs.h"

#include <stdlib.h>
#include <string.h>

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
	add(g, (struct initramfs_entry){ .dest = "plan.json", .data = own(g, plan_json),
					 .len = strlen(plan_json), .mode = 0644 });
	buf_release(&b);
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
 * "\t/lib64/ld-linux-x86-64.so.2 (0x...)"; the vDSO has no path. */
int guestfs_add_program(struct guestfs *g, const char *path, struct buf *err)
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
	add_host_file(g, path, 0755);
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

int guestfs_write(const struct guestfs *g, const char *out, struct buf *err)
{
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
