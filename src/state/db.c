/*
 * db.c — the functions of db.h: each calls the driver of its connection or
 * statement (db_int.h). NULL-safe where a caller may hold none.
 */
#include "state/db_int.h"

#include <stddef.h>

void db_close(struct db *db)
{
	if (db == NULL)
		return;
	DB_OPS(db)->close(db);
}

const char *db_errmsg(struct db *db)
{
	if (db == NULL)
		return "out of memory";
	return DB_OPS(db)->errmsg(db);
}

bool db_err_nomem(struct db *db)
{
	if (db == NULL)
		return true;
	return DB_OPS(db)->err_nomem(db);
}

bool db_err_notadb(struct db *db)
{
	return DB_OPS(db)->err_notadb(db);
}

int db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	return DB_OPS(db)->prepare(db, sql, out);
}

int db_bind_text(struct db_stmt *s, int i, const char *v)
{
	return DB_OPS(s)->bind_text(s, i, v);
}

int db_bind_int(struct db_stmt *s, int i, long long v)
{
	return DB_OPS(s)->bind_int(s, i, v);
}

int db_bind_bool(struct db_stmt *s, int i, bool v)
{
	return DB_OPS(s)->bind_bool(s, i, v);
}

int db_bind_null(struct db_stmt *s, int i)
{
	return DB_OPS(s)->bind_null(s, i);
}

int db_step(struct db_stmt *s)
{
	return DB_OPS(s)->step(s);
}

const char *db_col_text(struct db_stmt *s, int i)
{
	return DB_OPS(s)->col_text(s, i);
}

long long db_col_int(struct db_stmt *s, int i)
{
	return DB_OPS(s)->col_int(s, i);
}

bool db_col_bool(struct db_stmt *s, int i)
{
	return DB_OPS(s)->col_bool(s, i);
}

bool db_col_isnull(struct db_stmt *s, int i)
{
	return DB_OPS(s)->col_isnull(s, i);
}

void db_reset(struct db_stmt *s)
{
	DB_OPS(s)->reset(s);
}

void db_finalize(struct db_stmt *s)
{
	if (s == NULL)
		return;
	DB_OPS(s)->finalize(s);
}

int db_exec(struct db *db, const char *sql)
{
	return DB_OPS(db)->exec(db, sql);
}

long long db_changes(struct db *db)
{
	return DB_OPS(db)->changes(db);
}

int db_begin(struct db *db)
{
	return DB_OPS(db)->begin(db);
}

int db_commit(struct db *db)
{
	return DB_OPS(db)->commit(db);
}

int db_rollback(struct db *db)
{
	return DB_OPS(db)->rollback(db);
}

bool db_in_tx(struct db *db)
{
	return DB_OPS(db)->in_tx(db);
}

int db_savepoint(struct db *db, const char *name)
{
	return DB_OPS(db)->savepoint(db, name);
}

int db_release(struct db *db, const char *name)
{
	return DB_OPS(db)->release(db, name);
}

int db_rollback_to(struct db *db, const char *name)
{
	return DB_OPS(db)->rollback_to(db, name);
}
