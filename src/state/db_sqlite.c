/*
 * db_sqlite.c — the statement interface of db.h over SQLite. The only file
 * of src/state/ that includes <sqlite3.h>: connection options (busy
 * timeout), statement handling, transactions and SQLite's own backup API.
 */
#include "state/db_int.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#define BUSY_TIMEOUT_MS 5000
#define BACKUP_PAGES	256

struct db {
	const struct db_ops *ops; /* first: db.c dispatches on it */
	sqlite3 *h;
	int last_rc;   /* of the last failed step, for db_err_* */
	char msg[640]; /* sq_errmsg's text with the system's error */
};

struct db_stmt {
	const struct db_ops *ops;
	sqlite3_stmt *h;
	struct db *db;
};

int db_sqlite_open(const char *path, enum db_mode mode, struct db **out)
{
	int flags = mode == DB_READONLY ? SQLITE_OPEN_READONLY
		    : mode == DB_CREATE ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
					: SQLITE_OPEN_READWRITE;
	struct db *db = calloc(1, sizeof(*db));

	*out = db;
	if (db == NULL)
		return -1;
	db->ops = &db_sqlite_ops;
	if (sqlite3_open_v2(path, &db->h, flags, NULL) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(db->h, BUSY_TIMEOUT_MS);
	return 0;
}

static void sq_close(struct db *db)
{
	if (db == NULL)
		return;
	if (db->h && !sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db->h);
	free(db);
}

/*
 * A failed write whose errno SQLite no longer holds (it reads errno after
 * later calls): what can be seen now — the file system full, or a file at
 * the process's file size limit (RLIMIT_FSIZE, where write() gives EFBIG).
 */
static bool write_cause(struct db *db, char *out, size_t n)
{
	const char *path = sqlite3_db_filename(db->h, "main");
	static const char *const sfx[] = {"", "-wal", "-journal"};
	char dir[512], f[560], *slash;
	struct statvfs vfs;
	struct rlimit rl;
	struct stat sb;

	if (path == NULL || path[0] == 0 || strlen(path) >= sizeof(dir))
		return false;
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = 0;
	if (statvfs(slash ? dir : ".", &vfs) == 0 && vfs.f_bavail == 0) {
		snprintf(out, n, "no space left on the file system of %s", path);
		return true;
	}
	if (getrlimit(RLIMIT_FSIZE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return false;
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(f, sizeof(f), "%s%s", path, sfx[i]);
		if (stat(f, &sb) == 0 && (unsigned long long)sb.st_size >= rl.rlim_cur) {
			snprintf(out, n,
				 "%s reached the file size limit of %llu bytes (File too large)", f,
				 (unsigned long long)rl.rlim_cur);
			return true;
		}
	}
	return false;
}

static const char *sq_errmsg(struct db *db)
{
	int rc, sys;

	if (db == NULL || db->h == NULL)
		return "out of memory";
	/* "disk I/O error" alone hides the cause: EFBIG, ENOSPC, EROFS, EACCES… */
	rc = sqlite3_errcode(db->h);
	sys = sqlite3_system_errno(db->h);
	if (sys > 0 && (rc == SQLITE_IOERR || rc == SQLITE_FULL || rc == SQLITE_CANTOPEN ||
			rc == SQLITE_READONLY)) {
		snprintf(db->msg, sizeof(db->msg), "%s (%s)", sqlite3_errmsg(db->h), strerror(sys));
		return db->msg;
	}
	if (rc == SQLITE_IOERR || rc == SQLITE_FULL) {
		char cause[300];
		if (write_cause(db, cause, sizeof(cause))) {
			snprintf(db->msg, sizeof(db->msg), "%s: %s", sqlite3_errmsg(db->h), cause);
			return db->msg;
		}
	}
	return sqlite3_errmsg(db->h);
}

static bool sq_err_nomem(struct db *db)
{
	return db == NULL || db->h == NULL || sqlite3_errcode(db->h) == SQLITE_NOMEM;
}

static bool sq_err_notadb(struct db *db)
{
	return db && db->h &&
	       (db->last_rc == SQLITE_NOTADB || sqlite3_errcode(db->h) == SQLITE_NOTADB);
}

static int sq_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct db_stmt *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (s == NULL)
		return -1;
	s->ops = &db_sqlite_ops;
	s->db = db;
	if (sqlite3_prepare_v2(db->h, sql, -1, &s->h, NULL) != SQLITE_OK) {
		db->last_rc = sqlite3_errcode(db->h);
		sqlite3_finalize(s->h);
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

static int sq_bind_text(struct db_stmt *s, int i, const char *v)
{
	if (v == NULL)
		return sqlite3_bind_null(s->h, i) == SQLITE_OK ? 0 : -1;
	return sqlite3_bind_text(s->h, i, v, -1, SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
}

static int sq_bind_int(struct db_stmt *s, int i, long long v)
{
	return sqlite3_bind_int64(s->h, i, v) == SQLITE_OK ? 0 : -1;
}

static int sq_bind_bool(struct db_stmt *s, int i, bool v)
{
	return sqlite3_bind_int(s->h, i, v ? 1 : 0) == SQLITE_OK ? 0 : -1;
}

static int sq_bind_null(struct db_stmt *s, int i)
{
	return sqlite3_bind_null(s->h, i) == SQLITE_OK ? 0 : -1;
}

static int sq_step(struct db_stmt *s)
{
	int rc = sqlite3_step(s->h);

	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	s->db->last_rc = rc;
	return rc == SQLITE_NOMEM ? DB_NOMEM : DB_ERR;
}

static const char *sq_col_text(struct db_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s->h, i);
}

static long long sq_col_int(struct db_stmt *s, int i)
{
	return sqlite3_column_int64(s->h, i);
}

static bool sq_col_bool(struct db_stmt *s, int i)
{
	return sqlite3_column_int64(s->h, i) != 0;
}

static bool sq_col_isnull(struct db_stmt *s, int i)
{
	return sqlite3_column_type(s->h, i) == SQLITE_NULL;
}

static void sq_reset(struct db_stmt *s)
{
	sqlite3_reset(s->h);
	sqlite3_clear_bindings(s->h);
}

static void sq_finalize(struct db_stmt *s)
{
	if (s == NULL)
		return;
	sqlite3_finalize(s->h);
	free(s);
}

static int sq_exec(struct db *db, const char *sql)
{
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK) {
		db->last_rc = rc;
		return -1;
	}
	return 0;
}

static long long sq_changes(struct db *db)
{
	return sqlite3_changes(db->h);
}

static int sq_begin(struct db *db)
{
	return sq_exec(db, "BEGIN IMMEDIATE");
}

static int sq_commit(struct db *db)
{
	return sq_exec(db, "COMMIT");
}

static int sq_rollback(struct db *db)
{
	if (sqlite3_get_autocommit(db->h))
		return 0;
	return sq_exec(db, "ROLLBACK");
}

static bool sq_in_tx(struct db *db)
{
	return !sqlite3_get_autocommit(db->h);
}

static int sp_exec(struct db *db, const char *verb, const char *name)
{
	char sql[96];

	snprintf(sql, sizeof(sql), "%s %s", verb, name);
	return sq_exec(db, sql);
}

static int sq_savepoint(struct db *db, const char *name)
{
	return sp_exec(db, "SAVEPOINT", name);
}

static int sq_release(struct db *db, const char *name)
{
	return sp_exec(db, "RELEASE", name);
}

static int sq_rollback_to(struct db *db, const char *name)
{
	return sp_exec(db, "ROLLBACK TO", name);
}

int db_sqlite_sync_full(struct db *db, bool full)
{
	if (db->ops != &db_sqlite_ops)
		return 0; /* PostgreSQL: every commit is durable */
	return sq_exec(db, full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
}

/* copy src's main database into the open database dst, page batch by batch */
static int copy_pages(struct db *src, sqlite3 *dst, char *msg, int msglen, bool *nomem)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src->h, "main");
	int rc;

	if (b == NULL) {
		snprintf(msg, (size_t)msglen, "%s", sqlite3_errmsg(dst));
		return -1;
	}
	do {
		rc = sqlite3_backup_step(b, BACKUP_PAGES);
		/* a writer (watch) holds the lock for a moment: wait, then go on */
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		*nomem = rc == SQLITE_NOMEM;
		snprintf(msg, (size_t)msglen, "%s", sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

int db_sqlite_backup(struct db *db, const char *path, char *msg, int msglen, bool *nomem)
{
	sqlite3 *dst = NULL;
	int rc = -1;

	*nomem = false;
	if (db->ops != &db_sqlite_ops) {
		snprintf(msg, (size_t)msglen, "not a SQLite state");
		return -1;
	}
	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(msg, (size_t)msglen, "%s", dst ? sqlite3_errmsg(dst) : "cannot open");
		sqlite3_close(dst);
		return -1;
	}
	if (copy_pages(db, dst, msg, msglen, nomem) < 0)
		goto out;
	/* a backup is a plain rollback-journal file: readable without -wal/-shm */
	if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(msg, (size_t)msglen, "%s", sqlite3_errmsg(dst));
		goto out;
	}
	rc = sqlite3_close(dst) == SQLITE_OK ? 0 : -1;
	dst = NULL;
	if (rc < 0)
		snprintf(msg, (size_t)msglen, "closing");
out:
	if (dst)
		sqlite3_close(dst);
	return rc;
}

const struct db_ops db_sqlite_ops = {
    .close = sq_close,
    .errmsg = sq_errmsg,
    .err_nomem = sq_err_nomem,
    .err_notadb = sq_err_notadb,
    .prepare = sq_prepare,
    .bind_text = sq_bind_text,
    .bind_int = sq_bind_int,
    .bind_bool = sq_bind_bool,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .col_text = sq_col_text,
    .col_int = sq_col_int,
    .col_bool = sq_col_bool,
    .col_isnull = sq_col_isnull,
    .reset = sq_reset,
    .finalize = sq_finalize,
    .exec = sq_exec,
    .changes = sq_changes,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .in_tx = sq_in_tx,
    .savepoint = sq_savepoint,
    .release = sq_release,
    .rollback_to = sq_rollback_to,
};
