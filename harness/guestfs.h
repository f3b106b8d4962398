/* guestfs.h - the set of files a guest's initramfs holds: the agent as
 * /init, the stressors as /bin/oomwl, /plan.json, kernel modules flat under
 * /lib/modules/, and host programs (stress-ng) at their own paths together
 * with the shared libraries ldd names for them. */
#ifndef OOMLAB_GUESTFS_H
#define OOMLAB_GUESTFS_H

#include <stddef.h>

#include "buf.h"
#include "initramfs.h"

struct guestfs {
	struct initramfs_entry *e;
	size_t n, alloc;
	char **owned;              /* strings the entries point at */
	size_t nowned, owned_alloc;
};

void guestfs_init(struct guestfs *g, const char *guest_dir, const char *plan_json);
void guestfs_add_modules(struct guestfs *g, char *const *ko_paths, size_t n);
/* A dynamically linked host program and its libraries (from `ldd`). */
int guestfs_add_program(struct guestfs *g, const char *path, struct buf *err);
int guestfs_write(const struct guestfs *g, const char *out, struct buf *err);
void guestfs_free(struct guestfs *g);

#endif
