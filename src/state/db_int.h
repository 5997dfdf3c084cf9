/*
 * db_int.h — private to the drivers of db.h (db.c, db_sqlite.c, db_pg.c):
 * the table of one driver's functions. A connection and a statement start
 * with a pointer to it, so db.c dispatches without knowing the driver.
 */
#ifndef VRS_STATE_DB_INT_H
#define VRS_STATE_DB_INT_H

#include "state/db.h"

struct db_ops {
	void (*close)(struct db *db);
	const char *(*errmsg)(struct db *db);
	bool (*err_nomem)(struct db *db);
	bool (*err_notadb)(struct db *db);
	int (*prepare)(struct db *db, const char *sql, struct db_stmt **out);
	int (*bind_text)(struct db_stmt *s, int i, const char *v);
	int (*bind_int)(struct db_stmt *s, int i, long long v);
	int (*bind_bool)(struct db_stmt *s, int i, bool v);
	int (*bind_null)(struct db_stmt *s, int i);
	int (*step)(struct db_stmt *s);
	const char *(*col_text)(struct db_stmt *s, int i);
	long long (*col_int)(struct db_stmt *s, int i);
	bool (*col_bool)(struct db_stmt *s, int i);
	bool (*col_isnull)(struct db_stmt *s, int i);
	void (*reset)(struct db_stmt *s);
	void (*finalize)(struct db_stmt *s);
	int (*exec)(struct db *db, const char *sql);
	long long (*changes)(struct db *db);
	int (*begin)(struct db *db);
	int (*commit)(struct db *db);
	int (*rollback)(struct db *db);
	bool (*in_tx)(struct db *db);
	int (*savepoint)(struct db *db, const char *name);
	int (*release)(struct db *db, const char *name);
	int (*rollback_to)(struct db *db, const char *name);
};

/*
 * Every driver's struct db and struct db_stmt (each defined in its own file)
 * start with "const struct db_ops *ops": a pointer to a struct converted to
 * a pointer to its first member points to that member (C11 6.7.2.1).
 */
#define DB_OPS(p) (*(const struct db_ops *const *)(const void *)(p))

extern const struct db_ops db_sqlite_ops;
extern const struct db_ops db_pg_ops;

#endif
