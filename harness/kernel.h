/* kernel.h - the guest kernel: the default Debian image in the cache, or a
 * user's bzImage/vmlinux, and the modules the guest needs from its tree.
 *
 * The cache is $XDG_CACHE_HOME/oomlab (default ~/.cache/oomlab); a Debian
 * kernel is fetched with `apt-get download` and unpacked with `dpkg-deb -x`
 * under kernels/<package>/, never installed on the host and without root.
 * `depmod -b` (kmod) writes modules.dep there.
 */
#ifndef OOMLAB_KERNEL_H
#define OOMLAB_KERNEL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct kernel {
	char image[PATH_MAX];   /* what QEMU's -kernel gets */
	char modules[PATH_MAX]; /* .../lib/modules/<release>, "" if none */
	char release[128];      /* "6.1.0-56-amd64", "" if unknown before boot */
	char package[128];      /* Debian package name, "" for a user's kernel */
	char config[PATH_MAX];  /* the kernel's .config (boot/config-<release>, a build
				 * directory's .config), "" if unknown */
	char pvh[PATH_MAX];     /* the same kernel as an ELF vmlinux with a PVH entry
				 * (kernel_pvh_image), "" if there is none */
};

/* The cache directory (created).  Returns -1 with err set on failure. */
int kernel_cache_dir(char *out, size_t len, struct buf *err);

/* Resolve "debian" (the default: the kernel linux-image-amd64 depends on),
 * "debian:6.12" (the newest linux-image-6.12.*-amd64-unsigned or -amd64),
 * or a Debian package name; fetch it into the cache when missing, printing
 * progress to stderr. */
int kernel_fetch_debian(const char *what, struct kernel *k, struct buf *err);

/* A user's kernel: image is a bzImage, a vmlinux or a kernel build
 * directory; modules (optional) its lib/modules/<release> tree or the
 * INSTALL_MOD_PATH root of `make modules_install`.
 * - A build directory DIR gives DIR/arch/x86/boot/bzImage (else DIR/vmlinux),
 *   DIR/.config, the release from DIR/include/config/kernel.release, and,
 *   without modules, the .ko files DIR/modules.order lists (kernel_build.c:
 *   a staging tree in the cache that `depmod -b` indexes, keyed by the
 *   build's files).  A build without modules (CONFIG_MODULES unset, or all
 *   built in) needs none.
 * - An image inside a build tree (DIR/arch/x86/boot/bzImage, DIR/vmlinux)
 *   is taken as that build directory; /boot/vmlinuz-R takes /boot/config-R.
 * Errors name the path that is missing and what would do. */
int kernel_from_path(const char *image, const char *modules, struct kernel *k,
		     struct buf *err);

/* Resolve the named modules and their dependencies (modules.dep) into host
 * paths of .ko files in load order (dependencies first, no duplicates).
 * A module that is built in (modules.builtin, or =y in k->config) is
 * skipped; without a modules directory and a config every name is taken as
 * built in (the guest reports what it lacks: kfeatures.h).  Returns the
 * count, or -1 with err naming the module that is missing. */
int kernel_modules_closure(const struct kernel *k, const char *const *names, size_t n,
			   char **paths, size_t max, struct buf *err);

/* kernel_vmlinux.c: the uncompressed vmlinux for QEMU's PVH boot, which
 * skips the bzImage's self-decompression.  image itself when it is an ELF
 * with the PVH note; else the bzImage's payload unpacked (xz, zstd or gzip)
 * into cache_dir/vmlinux/ once.  0 with out set, or -1 with why saying why
 * there is no PVH image (the caller boots image then). */
int kernel_pvh_image(const char *image, const char *cache_dir, char *out, size_t olen,
		     struct buf *why);
/* The pieces, for tests: whether an ELF64 image carries Xen's
 * PHYS32_ENTRY note; where a bzImage's payload is; unpack a payload. */
bool kernel_elf_has_pvh(const unsigned char *elf, size_t len);
int kernel_bzimage_payload(const unsigned char *img, size_t len, size_t *off, size_t *plen,
			   struct buf *why);
int kernel_unpack_payload(const unsigned char *p, size_t len, struct buf *out, struct buf *why);

#endif
