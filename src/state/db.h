/*
 * db.h — private to src/state/: the statement interface every file of
 * src/state/ uses instead of a database library, so that the SQL code is
 * written once over SQLite (db_sqlite.c) and PostgreSQL (db_pg.c); db.c
 * dispatches to the driver of the connection (db_int.h).
 *
 * Placeholders are "?" (numbered left to right) or "?N"; a driver that
 * needs another form rewrites them. Text binds copy their value. A step
 * returns DB_ROW, DB_DONE or DB_ERR; db_errmsg() then says why. Row ids of
 * an INSERT come from "RETURNING id", never from a driver call.
 */
#ifndef VRS_STATE_DB_H
#define VRS_STATE_DB_H

#include <stdbool.h>

struct db;	/* one connection */
struct db_stmt; /* one prepared statement of that connection */

enum db_step { DB_ERR = -1, DB_DONE = 0, DB_ROW = 1, DB_NOMEM = -2 };

enum db_mode {
	DB_READONLY,  /* an existing database, never written */
	DB_READWRITE, /* an existing database */
	DB_CREATE,    /* created when missing */
};

/* open path (":memory:" for a private empty one); *out is set even on failure
 * (for db_errmsg) and must be closed */
int db_sqlite_open(const char *path, enum db_mode mode, struct db **out);
/* connect to a PostgreSQL URL or conninfo, naming the session appname
 * (application_name); *out as for db_sqlite_open */
int db_pg_open(const char *conninfo, const char *appname, struct db **out);
void db_close(struct db *db);

/* why the last call on db failed */
const char *db_errmsg(struct db *db);
bool db_err_nomem(struct db *db);
bool db_err_notadb(struct db *db);

int db_prepare(struct db *db, const char *sql, struct db_stmt **out);
/* NULL text binds NULL */
int db_bind_text(struct db_stmt *s, int i, const char *v);
int db_bind_int(struct db_stmt *s, int i, long long v);
int db_bind_bool(struct db_stmt *s, int i, bool v);
int db_bind_null(struct db_stmt *s, int i);
int db_step(struct db_stmt *s);
/* columns of the current row; text is NULL for NULL and lives until the next step */
const char *db_col_text(struct db_stmt *s, int i);
long long db_col_int(struct db_stmt *s, int i);
bool db_col_bool(struct db_stmt *s, int i);
bool db_col_isnull(struct db_stmt *s, int i);
void db_reset(struct db_stmt *s);
void db_finalize(struct db_stmt *s);

/* SQL without results (one or more statements) */
int db_exec(struct db *db, const char *sql);
/* rows changed by the last INSERT / UPDATE / DELETE */
long long db_changes(struct db *db);

/* transactions: begin takes the write lock at once (SQLite: IMMEDIATE) */
int db_begin(struct db *db);
int db_commit(struct db *db);
int db_rollback(struct db *db);
bool db_in_tx(struct db *db);
/* one level of savepoint, named by the caller */
int db_savepoint(struct db *db, const char *name);
int db_release(struct db *db, const char *name);
int db_rollback_to(struct db *db, const char *name);

/* PostgreSQL only: the connection's socket (-1 on another driver), and the
 * NOTIFYs received so far, read without blocking (count, each payload to fn;
 * -1: connection lost) */
int db_pg_socket(struct db *db);
int db_pg_drain(struct db *db, void (*fn)(void *ud, const char *payload), void *ud);

/* SQLite only: durability of the next commits (journal rows use FULL) */
int db_sqlite_sync_full(struct db *db, bool full);
/* SQLite only: copy db into the new file path (a plain rollback-journal file) */
int db_sqlite_backup(struct db *db, const char *path, char *msg, int msglen, bool *nomem);

#endif
