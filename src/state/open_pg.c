/*
 * open_pg.c — opening a PostgreSQL state (--state postgresql://...): connect
 * with application_name "vrsctl@HOST:PID" (so that a second writer can name
 * the holder of the lock from pg_stat_activity), check the schema version
 * (vrs_meta's schema_version), migrate in write mode. As with SQLite, read
 * mode on an empty database is an empty in-memory view, and a schema newer
 * than this binary is refused before anything changes.
 *
 * The URL may carry a password: messages use the redacted copy st->path.
 */
#include "state/state_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int st_has_table(struct state *st, const char *name)
{
	struct db_stmt *s = NULL;
	int rc;

	if (db_prepare(st->db,
		       st->pg ? "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND "
				"tablename = ?"
			      : "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
		       &s) < 0)
		return -1;
	db_bind_text(s, 1, name);
	rc = db_step(s);
	db_finalize(s);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

char *st_redact_url(const char *url)
{
	char *out = strdup(url), *p, *at, *colon, *slash;

	if (out == NULL)
		return NULL;
	/* user:password@ */
	if ((p = strstr(out, "://")) != NULL) {
		p += 3;
		slash = strchr(p, '/');
		at = strchr(p, '@');
		colon = strchr(p, ':');
		if (at && (!slash || at < slash) && colon && colon < at)
			memmove(colon + 1, at, strlen(at) + 1);
	}
	/* password=... in the query */
	if ((p = strstr(out, "password=")) != NULL) {
		char *end = p + 9 + strcspn(p + 9, "&");
		memmove(p + 9, end, strlen(end) + 1);
	}
	return out;
}

static int count_tables(struct state *st, int *n, struct vrs_err *err)
{
	struct db_stmt *s = NULL;
	int rc;

	if (st_prepare(st, &s, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()",
		       err) < 0)
		return -1;
	rc = db_step(s);
	if (rc == DB_ROW)
		*n = (int)db_col_int(s, 0);
	db_finalize(s);
	return rc == DB_ROW ? 0 : st_dberr(st, err, "opening");
}

void state_self_name(char *out, size_t n)
{
	char host[64] = "";

	gethostname(host, sizeof(host) - 1);
	snprintf(out, n, "vrsctl@%s:%ld", host, (long)getpid());
}

int st_open_pg(struct state *st, const char *url, struct vrs_err *err)
{
	char app[128];
	int ntables = 0, v = 0;

	state_self_name(app, sizeof(app));
	st->pg = true;
	if (db_pg_open(url, app, &st->db) < 0)
		return st_dberr(st, err, "connecting");
	if (count_tables(st, &ntables, err) < 0 || state_user_version(st, &v, err) < 0)
		return -1;
	if (v > STATE_SCHEMA_VERSION)
		return err_setc(err, VRS_E_INVALID,
				"state %s has schema version %d, this vrsctl supports up to %d; "
				"upgrade vrsctl",
				st->path, v, STATE_SCHEMA_VERSION);
	bool market = v == 0 && ntables != 0 && st_has_table(st, "marketplace_project") == 1;
	if (market && !st->writable)
		return err_setc(err, VRS_E_INVALID,
				"state %s is the marketplace application's database without "
				"vrsctl's tables; run apply to join it",
				st->path);
	/* the marketplace application's database: joined (join_pg.c) */
	if (market)
		return st_join_marketplace_pg(st, err) < 0 ? -1 : state_migrate(st, err);
	if (v == 0 && ntables != 0)
		return err_setc(err, VRS_E_INVALID,
				"state %s is not a vrsctl state (no schema version)", st->path);
	if (!st->writable) {
		if (v == 0)
			return st_open_memview(st, err);
		if (v < STATE_SCHEMA_VERSION)
			return err_setc(err, VRS_E_INVALID, "state %s needs migration; run apply",
					st->path);
		return 0;
	}
	st->is_new = v == 0;
	return state_migrate(st, err);
}

/* the single writer's session advisory lock: one key per database */
#define WRITER_KEY "1987011379"

/* who holds the writer lock: "vrsctl@HOST:PID" (or "" when unknown) */
static void lock_holder(struct db *db, char *out, size_t n, int *pid)
{
	struct db_stmt *s = NULL;
	const char *app;

	*out = 0;
	if (db_prepare(
		db,
		"SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON "
		"a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 "
		"AND l.objid = " WRITER_KEY " AND l.objsubid = 1 AND l.database = (SELECT "
		"oid FROM pg_database WHERE datname = current_database())",
		&s) < 0)
		return;
	if (db_step(s) == DB_ROW && (app = db_col_text(s, 0)) != NULL) {
		const char *colon = strrchr(app, ':');
		snprintf(out, n, "%s", app);
		if (pid && strncmp(app, "vrsctl@", 7) == 0 && colon)
			*pid = atoi(colon + 1);
	}
	db_finalize(s);
}

/* pg_backend_pid() of db's session, or 0 */
static int backend_pid(struct db *db)
{
	struct db_stmt *s = NULL;
	int pid = 0;

	if (db_prepare(db, "SELECT pg_backend_pid()", &s) == 0 && db_step(s) == DB_ROW)
		pid = (int)db_col_int(s, 0);
	db_finalize(s);
	return pid;
}

/* the lock is a session's: through a transaction pooler (pgbouncer) the next
 * statement may run on another server session, which holds nothing */
static int pooled(const char *shown, int was, int now, struct vrs_err *err)
{
	return err_setc(err, VRS_E_INVALID,
			"state %s: the server session changed between statements (backend pid "
			"%d, then %d): a transaction-pooling proxy such as pgbouncer? vrsctl "
			"needs a direct connection (its lock and LISTEN are the session's)",
			shown, was, now);
}

int st_lock_pg(const char *url, struct db **out, int *backend, int *holder_pid, struct vrs_err *err)
{
	char app[128], holder[128];
	char *shown = st_redact_url(url);
	struct db *db = NULL;
	struct db_stmt *s = NULL;
	int rc = -1, pid;

	*out = NULL;
	if (shown == NULL)
		return err_setc(err, VRS_E_NOMEM, "out of memory");
	state_self_name(app, sizeof(app));
	if (db_pg_open(url, app, &db) < 0) {
		err_setc(err, VRS_E_IO, "state %s: connecting: %s", shown, db_errmsg(db));
		goto out;
	}
	if (db_prepare(db, "SELECT pg_try_advisory_lock(" WRITER_KEY "), pg_backend_pid()", &s) <
		0 ||
	    db_step(s) != DB_ROW) {
		err_setc(err, VRS_E_IO, "state %s: taking the writer lock: %s", shown,
			 db_errmsg(db));
		goto out;
	}
	if (!db_col_bool(s, 0)) {
		lock_holder(db, holder, sizeof(holder), holder_pid);
		if (*holder)
			err_setc(err, VRS_E_LOCKED, "state %s is locked by %s", shown, holder);
		else
			err_setc(err, VRS_E_LOCKED, "state %s is locked by another process", shown);
		goto out;
	}
	*backend = (int)db_col_int(s, 1);
	if ((pid = backend_pid(db)) != *backend) {
		pooled(shown, *backend, pid, err);
		goto out;
	}
	*out = db;
	db = NULL;
	rc = 0;
out:
	db_finalize(s);
	db_close(db);
	free(shown);
	return rc;
}

int st_lock_holder_pg(const char *url, char *out, size_t n, struct vrs_err *err)
{
	char app[128];
	struct db *db = NULL;
	int rc = 0;

	*out = 0;
	state_self_name(app, sizeof(app));
	if (db_pg_open(url, app, &db) < 0) {
		char *shown = st_redact_url(url);
		rc = err_setc(err, VRS_E_IO, "state %s: connecting: %s", shown ? shown : "",
			      db_errmsg(db));
		free(shown);
	} else {
		lock_holder(db, out, n, NULL);
	}
	db_close(db);
	return rc;
}

int st_lock_pg_check(struct db *db, int backend, const char *shown, struct vrs_err *err)
{
	struct db_stmt *s = NULL;
	int rc = DB_ERR, pid = 0;
	bool held = false;

	if (db_prepare(db,
		       "SELECT pg_backend_pid(), EXISTS (SELECT 1 FROM pg_locks WHERE locktype = "
		       "'advisory' AND granted AND classid = 0 AND objid = " WRITER_KEY
		       " AND objsubid = 1 AND pid = pg_backend_pid())",
		       &s) == 0 &&
	    (rc = db_step(s)) == DB_ROW) {
		pid = (int)db_col_int(s, 0);
		held = db_col_bool(s, 1);
	}
	db_finalize(s);
	if (rc == DB_ROW && backend && pid != backend)
		return pooled(shown, backend, pid, err);
	if (rc == DB_ROW && held)
		return 0;
	/* the session is gone or no longer holds it: another writer may have it now */
	return err_setc(err, VRS_E_LOCKED,
			"state %s: this process no longer holds the writer lock (%s); "
			"not writing",
			shown, rc == DB_ROW ? "released" : db_errmsg(db));
}

void st_unlock_pg(struct db *db)
{
	/* at once, not when the server notices the session ended: a waiter goes on */
	db_exec(db, "SELECT pg_advisory_unlock(" WRITER_KEY ")");
	db_close(db);
}
