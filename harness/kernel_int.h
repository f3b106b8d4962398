/* kernel_int.h - internal to the kernel stage: what kernel.c (the cache, the
 * download and unpacking) shares with kernel_apt.c (which package "debian"
 * or "debian:6.12" stands for), nothing else.  Users of the kernel stage
 * include kernel.h only. */
#ifndef OOMLAB_KERNEL_INT_H
#define OOMLAB_KERNEL_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* ---- kernel.c ---- */

/* Copy src into dst[len]; -1 with err ("WHAT is too long") when it does not fit. */
int kern_set_str(char *dst, size_t len, const char *src, const char *what, struct buf *err);
/* The path of tool name (PATH, then the sbin directories) into out, or -1
 * with err naming the Debian package debpkg that has it. */
int kern_need_tool(const char *name, const char *debpkg, char *out, size_t len,
		   struct buf *err);
/* Debian policy 5.6.1 package name that fits struct kernel's package. */
bool kern_valid_pkg_name(const char *s);
/* Is kdir/pkg an unpacked kernel with its completion marker? */
bool kern_is_complete(const char *kdir, const char *pkg);

/* mkdir -p path (0755); rm -rf path (nothing there is fine).  -1 with err
 * set (kern_mkdir_p) or errno (kern_rm_rf). */
int kern_mkdir_p(const char *path, struct buf *err);
int kern_rm_rf(const char *path);

/* Run argv (cwd), its stdout and stderr to log; -1 with err saying what
 * failed, with the telling line of the log. */
int kern_run_logged(const char *const *argv, const char *cwd, const char *log, struct buf *err);

/* ---- kernel_build.c ---- */

/* The kernel of build directory dir: DIR/arch/x86/boot/bzImage, else
 * DIR/vmlinux, into image[len]; -1 with err saying what would do. */
int kern_build_image(const char *dir, char *image, size_t len, struct buf *err);
/* The build directory an image lies in (DIR/arch/x86/boot/bzImage or
 * DIR/vmlinux, DIR holding a .config) into root[len]; false if none. */
bool kern_build_root(const char *image, char *root, size_t len);
/* From build directory dir: k->config (DIR/.config), k->release
 * (include/config/kernel.release, when there) and, unless modules names a
 * tree, k->modules: the build's modules (modules.order) staged in the
 * cache and indexed by depmod ("" for a build without modules).  -1 with
 * err set. */
int kern_from_build_dir(const char *dir, const char *modules, struct kernel *k,
			struct buf *err);

/* ---- kernel_apt.c ---- */

/* A name that stands for a Debian kernel ("debian", "debian:6.1", ...). */
struct kern_alias;

/* The alias called what, or NULL when what is none. */
const struct kern_alias *kern_find_alias(const char *what);
/* The package al means now (apt), else the one it meant last time when that
 * is still in the cache kdir; -1 with err saying why neither. */
int kern_resolve_alias(const struct kern_alias *al, const char *kdir, char *pkg, size_t len,
		       struct buf *err);
/* The package al named last time, kdir/.alias-RECORD: read into pkg[len]
 * (write false; -1 when there is no usable record), or write pkg there
 * (write true; len unused). */
int kern_alias_record(const char *kdir, const struct kern_alias *al, char *pkg, size_t len,
		      bool write);

#endif
