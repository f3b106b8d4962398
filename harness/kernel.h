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
};

/* The cache directory (created).  Returns -1 with err set on failure. */
int kernel_cache_dir(char *out, size_t len, struct buf *err);

/* Resolve "debian" (the default: the kernel linux-image-amd64 depends on),
 * "debian:6.12" (the newest linux-image-6.12.*-amd64-unsigned or -amd64),
 * or a Debian package name; fetch it into the cache when missing, printing
 * progress to stderr. */
int kernel_fetch_debian(const char *what, struct kernel *k, struct buf *err);

/* A user's kernel image (bzImage or vmlinux) and optional modules tree. */
int kernel_from_path(const char *image, const char *modules, struct kernel *k,
		     struct buf *err);

/* Resolve the named modules and their dependencies (modules.dep) into host
 * paths of .ko files in load order (dependencies first, no duplicates).
 * A module that is built in (modules.builtin) is skipped.  Returns the count,
 * or -1 with err naming the module that is missing. */
int kernel_modules_closure(const struct kernel *k, const char *const *names, size_t n,
			   char **paths, size_t max, struct buf *err);

#endif
