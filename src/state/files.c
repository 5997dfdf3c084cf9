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

/* copy src's main database into the open database dst, page batch by batch */
static int copy_pages(struct state *st, sqlite3 *dst, const char *dest, struct vrs_err *err)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", st->db, "main");
	int rc;

	if (b == NULL)
		return err_setc(err, VRS_E_IO, "backup %s: %s", dest, sqlite3_errmsg(dst));
	do {
		rc = sqlite3_backup_step(b, BACKUP_PAGES);
		/* a writer (watch) holds the lock for a moment: wait, then go on */
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return err_setc(err, rc == SQLITE_NOMEM ? VRS_E_NOMEM : VRS_E_IO, "backup %s: %s",
				dest, sqlite3_errstr(rc));
	return 0;
}

int state_backup(struct state *st, const char *dest, struct vrs_err *err)
{
	size_t n = strlen(dest) + 32;
	char *tmp = malloc(n);
	sqlite3 *dst = NULL;
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
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		err_setc(err, VRS_E_IO, "backup %s: %s", dest,
			 dst ? sqlite3_errmsg(dst) : "cannot open");
		goto out;
	}
	if (copy_pages(st, dst, dest, err) < 0)
		goto out;
	/* a backup is a plain rollback-journal file: readable without -wal/-shm */
	if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		err_setc(err, VRS_E_IO, "backup %s: %s", dest, sqlite3_errmsg(dst));
		goto out;
	}
	if (sqlite3_close(dst) != SQLITE_OK) {
		err_setc(err, VRS_E_IO, "backup %s: closing", dest);
		dst = NULL;
		goto out;
	}
	dst = NULL;
	if (rename(tmp, dest) < 0) {
		err_setc(err, VRS_E_IO, "backup %s: %s", dest, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (dst)
		sqlite3_close(dst);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}
