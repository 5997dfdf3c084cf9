/* file.c — atomic file replacement (see file.h). */
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mode 0: the umask's default (0666 & ~umask); else exactly mode */
static int write_atomic(const char *path, const void *data, size_t len, unsigned mode,
			struct vrs_err *err)
{
	size_t n = strlen(path) + 32;
	char *tmp = malloc(n);
	FILE *f = NULL;
	int fd, ok;

	if (tmp == NULL)
		return err_set(err, "out of memory");
	snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  mode ? (mode_t)mode : 0666);
	if (fd >= 0 && mode && fchmod(fd, (mode_t)mode) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0 && (f = fdopen(fd, "w")) == NULL)
		close(fd);
	if (f == NULL) {
		err_set(err, "%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	ok = fwrite(data, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) != 0) {
		err_set(err, "%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

int file_write_atomic(const char *path, const void *data, size_t len, struct vrs_err *err)
{
	return write_atomic(path, data, len, 0, err);
}

int file_write_private(const char *path, const void *data, size_t len, struct vrs_err *err)
{
	return write_atomic(path, data, len, 0600, err);
}
