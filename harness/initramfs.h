/* initramfs.h - a reproducible newc cpio for the guest, written with
 * libarchive: fixed mtime (0), owner root:root, entries in the given order,
 * uncompressed (cheapest for the guest to unpack).
 */
#ifndef OOMLAB_INITRAMFS_H
#define OOMLAB_INITRAMFS_H

#include <stddef.h>

#include "buf.h"

struct initramfs_entry {
	const char *dest;     /* path inside the archive, no leading '/' */
	const char *src;      /* host file to copy, or NULL */
	const void *data;     /* in-memory content when src is NULL */
	size_t len;
	unsigned mode;        /* permission bits; 0: 0755 for src, 0644 for data */
};

/* Directories named in dest are created implicitly.  Writes to a temp file
 * and renames it into place. */
int initramfs_write(const char *out_path, const struct initramfs_entry *e, size_t n,
		    struct buf *err);

#endif
