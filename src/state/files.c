/*
 * files.c — the state's files on disk: created private (0600), checked for
 * group/other access, and copied consistently by the online backup API.
 *
 * The state holds the projects' api_keys, preview tokens and the
 * fingerprint key, so nobody but its owner may read it. SQLite creates the
 * -wal and -shm files itself with the main file's permission bits
 * (unix VFS findCreateFileMode / unixOpenSharedMemory), so creating the
 * main file 0600 before SQLite opens it covers all three.
 */
#include "state/state_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BACKUP_PAGES 256 /* pages per step: the writer is blocked only that long */

int st_create_private(const char *path, struct vrs_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		return err_setc(err, VRS_E_IO, "state %s: %s", path, strerror(errno));
	}
	/* open's mode is masked by the umask only towards fewer bits: still force it */
	if (fchmod(fd, 0600) < 0) {
		err_setc(err, VRS_E_IO, "state %s: chmod: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int state_exposed(const char *state_path, char *which, size_t n, unsigned *mode)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", ".lock"};

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		struct stat sb;
		char path[4096];

		if (snprintf(path, sizeof(path), "%s%s", state_path, suffixes[i]) >=
		    (int)sizeof(path))
			return 0;
		if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 077) == 0)
			continue;
		snprintf(which, n, "%s", path);
		*mode = (unsigned)(sb.st_mode & 0777);
		return 1;
	}
	return 0;
}

int state_backup(struct state *st, const char *dest, struct vrs_err *err)
{
	size_t n = strlen(dest) + 32;
	char *tmp = malloc(n);
	char msg[256];
	bool nomem = false;
	int rc = -1;

	if (tmp == NULL)
		return err_setc(err, VRS_E_NOMEM, "out of memory");
	if (st->memview) {
		err_setc(err, VRS_E_NOT_FOUND, "state %s does not exist: nothing to back up",
			 st->path);
		goto out;
	}
	/* a copy next to dest, renamed over it when complete: never half a backup */
	snprintf(tmp, n, "%s.tmp.%ld", dest, (long)getpid());
	unlink(tmp);
	if (st_create_private(tmp, err) < 0)
		goto out;
	if (db_sqlite_backup(st->db, tmp, msg, (int)sizeof(msg), &nomem) < 0) {
		err_setc(err, nomem ? VRS_E_NOMEM : VRS_E_IO, "backup %s: %s", dest, msg);
		goto out;
	}
	if (rename(tmp, dest) < 0) {
		err_setc(err, VRS_E_IO, "backup %s: %s", dest, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}
