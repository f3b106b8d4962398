/* guestfs.h - the set of files a guest's initramfs holds: the agent as
 * /init, the stressors as /bin/oomwl, /plan.json, kernel modules flat under
 * /lib/modules/, and host programs (stress-ng) at their own paths together
 * with the shared libraries ldd names for them.
 *
 * A plan with a step under libfiu (a "fiu=" argument, fiuspec.h) also gets
 * the dynamically linked stressors (GUEST_DIR/oomwl-fiu as
 * /bin/fiu/oomwl), libfiu's two preload libraries (/usr/lib/fiu/) and
 * their libraries; every other initramfs is byte for byte what it was. */
#ifndef OOMLAB_GUESTFS_H
#define OOMLAB_GUESTFS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "initramfs.h"

struct guestfs {
	struct initramfs_entry *e;
	size_t n, alloc;
	char **owned;              /* strings the entries point at */
	size_t nowned, owned_alloc;
	const char *fiu_guest_dir; /* the plan uses fiu: guestfs_write adds its files */
};

/* plan_json NULL: no /plan.json (a snapshot guest gets its plan on ttyS2). */
void guestfs_init(struct guestfs *g, const char *guest_dir, const char *plan_json);
void guestfs_add_modules(struct guestfs *g, char *const *ko_paths, size_t n);
/* A dynamically linked host program and its libraries (from `ldd`). */
int guestfs_add_program(struct guestfs *g, const char *path, struct buf *err);
/* Does this /plan.json run a step with a "fiu=" argument? */
bool guestfs_plan_uses_fiu(const char *plan_json);
/* The files of fiu steps (above).  -1 with err naming what is missing. */
int guestfs_add_fiu(struct guestfs *g, const char *guest_dir, struct buf *err);
/* Adds the fiu files first when guestfs_init saw a plan that uses fiu. */
int guestfs_write(struct guestfs *g, const char *out, struct buf *err);
void guestfs_free(struct guestfs *g);

#endif
