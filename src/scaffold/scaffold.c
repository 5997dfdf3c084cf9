/*
 * scaffold.c — writing the embedded starting tree (see scaffold.h).
 */
#include "scaffold/scaffold.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* true when DIR has an entry besides . and .. */
static int dir_has_entries(const char *dir, bool *has, struct vrs_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	*has = false;
	if (d == NULL)
		return err_set(err, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			*has = true;
			break;
		}
	}
	closedir(d);
	return 0;
}

/* mkdir -p for the directories of PATH (not PATH itself) */
static int make_parents(char *path, struct vrs_err *err)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			int e = errno;
			*p = '/';
			return err_set(err, "%s: %s", path, strerror(e));
		}
		*p = '/';
	}
	return 0;
}

/* create PATH with DATA; 1 when it was there already (kept), 0 written, -1 error */
static int write_new(const char *path, const unsigned char *data, size_t len, struct vrs_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	size_t off = 0;

	if (fd < 0 && errno == EEXIST)
		return 1;
	if (fd < 0)
		return err_set(err, "%s: %s", path, strerror(errno));
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			unlink(path); /* ours, just created: leave no half file */
			return err_set(err, "%s: %s", path, strerror(e));
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		unlink(path);
		return err_set(err, "%s: %s", path, strerror(errno));
	}
	return 0;
}

int scaffold_write(const char *dir, bool force, struct scaffold_result *res, struct vrs_err *err)
{
	char path[PATH_MAX];
	struct stat st;
	bool has = false;

	memset(res, 0, sizeof(*res));
	if (scaffold_nfiles > sizeof(res->outcome) / sizeof(res->outcome[0]))
		return err_set(err, "scaffold: too many files");
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return err_set(err, "%s: exists and is not a directory", dir);
		if (dir_has_entries(dir, &has, err) < 0)
			return -1;
		if (has && !force)
			return err_set(
			    err,
			    "%s is not empty; refusing to write into it (--force adds the "
			    "missing files and keeps every file that is there)",
			    dir);
	} else if (errno != ENOENT) {
		return err_set(err, "%s: %s", dir, strerror(errno));
	}
	for (size_t i = 0; i < scaffold_nfiles; i++) {
		const struct scaffold_file *f = &scaffold_files[i];
		int rc;

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, f->path) >= sizeof(path))
			return err_set(err, "%s/%s: path too long", dir, f->path);
		if (make_parents(path, err) < 0)
			return -1;
		if ((rc = write_new(path, f->data, f->len, err)) < 0)
			return -1;
		res->outcome[i] = rc == 1 ? SCAFFOLD_KEPT : SCAFFOLD_WROTE;
		if (rc == 1)
			res->nkept++;
		else
			res->nwrote++;
	}
	return 0;
}
