/* cleanup.h - scope-bound cleanup, after systemd's _cleanup_ helpers.
 *
 *   _cleanup_free_ char *s = strdup("x");      freed when s leaves scope
 *   _cleanup_close_ int fd = open(...);        closed when fd leaves scope
 *   _cleanup_fclose_ FILE *f = fopen(...);
 *
 * TAKE_PTR(p) / TAKE_FD(fd) hand ownership out of the scope.
 */
#ifndef OOMLAB_CLEANUP_H
#define OOMLAB_CLEANUP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <errno.h>

static inline void freep(void *p) { free(*(void **)p); }
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_(fn) __attribute__((cleanup(fn)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

#define TAKE_PTR(p) ({ __typeof__(p) _tp = (p); (p) = NULL; _tp; })
#define TAKE_FD(fd) ({ int _tf = (fd); (fd) = -1; _tf; })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
