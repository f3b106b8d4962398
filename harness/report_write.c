/* report_write.c - write_file_atomic (report.h): every file the controller
 * writes goes to a temp name, is synced and renamed, so a reader (or a run
 * killed at any moment) never sees half a file.  libfiu points
 * oomlab/report/{write,fsync,rename}. */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fiu-local.h>

#include "cleanup.h"

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n;

		fiu_return_on("oomlab/report/write", (errno = ENOSPC, -1));
		n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int sync_fd(int fd)
{
	fiu_return_on("oomlab/report/fsync", (errno = EIO, -1));
	return fsync(fd);
}

static int rename_file(const char *from, const char *to)
{
	fiu_return_on("oomlab/report/rename", (errno = EXDEV, -1));
	return rename(from, to);
}

/* Make the rename durable; best effort, the file is already in place. */
static void sync_parent(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash;
	int fd;

	if (!dir)
		abort();
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int write_file_atomic(const char *path, const char *data, size_t len, struct buf *err)
{
	_cleanup_buf_ struct buf tmp = BUF_INIT;
	_cleanup_close_ int fd = -1;
	const char *what = "create a temporary file for";
	int e;

	buf_addf(&tmp, "%s.tmp.XXXXXX", path);
	fd = mkostemp(tmp.s, O_CLOEXEC);
	if (fd < 0)
		goto fail_nofile;
	what = "write";
	if (fchmod(fd, 0644) < 0 || write_all(fd, data, len) < 0)
		goto fail;
	what = "sync";
	if (sync_fd(fd) < 0)
		goto fail;
	if (close(TAKE_FD(fd)) < 0)
		goto fail;
	what = "rename the temporary file onto";
	if (rename_file(tmp.s, path) < 0)
		goto fail;
	sync_parent(path);
	return 0;
fail:
	e = errno;
	unlink(tmp.s);
	errno = e;
fail_nofile:
	buf_addf(err, "cannot %s %s: %s", what, path, strerror(errno));
	return -1;
}
