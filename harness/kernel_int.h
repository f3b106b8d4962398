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
