/*
 * state_int.h — private to src/state/: the handle and the small SQLite
 * helpers shared by state.c, schema.c, load.c, write.c and journal.c.
 * Nothing outside src/state/ may include this header.
 */
#ifndef VRS_STATE_INT_H
#define VRS_STATE_INT_H

#include "state/db.h"

#include <stdbool.h>

#include "state/state.h"
#include "util/err.h"

struct state {
	struct db *db;
	char *path;
	bool writable;
	bool is_new;	   /* file missing (read mode) or just created */
	bool memview;	   /* read mode on a missing file: empty in-memory database */
	bool in_tx;	   /* state_begin() called, not yet committed/rolled back */
	long long now;	   /* clock override, 0 = real clock */
	bool pg;	   /* PostgreSQL (open_pg.c); SQLite otherwise */
	struct db *lockdb; /* PostgreSQL: the writer lock's session (borrowed), checked per write */
	int lockpid;	   /* its pg_backend_pid() when the lock was taken */
	int sp_depth;	   /* st_sp_begin nesting */
	bool sp_began;	   /* the outermost st_sp_begin opened the transaction */
	bool have_tmpkey;  /* read mode: made-up fingerprint key */
	unsigned char tmpkey[32];
};

/* schema.c */
struct migration {
	int version;
	const char *sql;
};
extern const struct migration state_migrations[];
extern const int state_nmigrations;
/* schema_pg.c: the same schema versions on PostgreSQL */
extern const struct migration state_pg_migrations[];
extern const int state_pg_nmigrations;
/* run pending migrations (write mode); each in its own transaction */
int state_migrate(struct state *st, struct vrs_err *err);
/* PRAGMA user_version of the open database */
int state_user_version(struct state *st, int *v, struct vrs_err *err);

/* state.c helpers */
long long st_now(const struct state *st);
/* "state: " + message + ": " + db_errmsg; returns -1 */
int st_dberr(struct state *st, struct vrs_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* prepare or fail with an error naming the statement */
int st_prepare(struct state *st, struct db_stmt **stmt, const char *sql, struct vrs_err *err);
/* run SQL without results */
int st_exec(struct state *st, const char *sql, struct vrs_err *err);
/* write mode required for writes */
int st_need_write(struct state *st, struct vrs_err *err);
/* SAVEPOINT wrapper: st_sp_begin, then st_sp_end(st, rc) releases or rolls back */
int st_sp_begin(struct state *st, struct vrs_err *err);
int st_sp_end(struct state *st, int rc);
/* bind helpers: NULL string binds NULL; time 0 binds NULL */
int st_bind_text(struct db_stmt *s, int i, const char *v);
int st_bind_time(struct db_stmt *s, int i, long long t);
/* unix seconds as stored: SQLAlchemy's "YYYY-MM-DD HH:MM:SS.ffffff" (UTC) */
char *st_time_store(long long t, char *out, size_t outlen);
/* column helpers: strdup of a text column (NULL stays NULL); time parse */
char *st_col_strdup(struct db_stmt *s, int i);
long long st_col_time(struct db_stmt *s, int i);
/* n random bytes as 2n lower-case hex chars into out (2n+1 bytes) */
int st_random_hex(size_t n, char *out, struct vrs_err *err);
int st_random_bytes(unsigned char *p, size_t n, struct vrs_err *err);
/* meta key/value; *value NULL when absent */
int st_meta_read(struct state *st, const char *key, char **value, struct vrs_err *err);
int st_meta_write(struct state *st, const char *key, const char *value, struct vrs_err *err);
/* id lookup by key column: 0 and *id set; error "what KEY not in state" if absent */
int st_id_of(struct state *st, const char *table, const char *keycol, const char *key,
	     const char *what, long long *id, struct vrs_err *err);
/* id by key: 1 found, 0 absent, -1 error */
int st_find_id(struct state *st, const char *table, const char *keycol, const char *key,
	       long long *id, struct vrs_err *err);

/* open_pg.c: open st->path, a PostgreSQL URL, as state_open does a file */
int st_open_pg(struct state *st, const char *url, struct vrs_err *err);
/* the writer's session advisory lock on its own connection (*out, whose
 * pg_backend_pid() is *backend); contention: VRS_E_LOCKED naming the holder's
 * application_name */
int st_lock_pg(const char *url, struct db **out, int *backend, int *holder_pid,
	       struct vrs_err *err);
/* the application_name of the writer lock's holder ("" when none) */
int st_lock_holder_pg(const char *url, char *out, size_t n, struct vrs_err *err);
/* release the writer lock and close its session */
void st_unlock_pg(struct db *db);
/* 0 while db's session (pg_backend_pid() backend) holds the writer lock;
 * VRS_E_LOCKED once it does not; VRS_E_INVALID when another server session
 * answers (a transaction pooler) */
int st_lock_pg_check(struct db *db, int backend, const char *shown, struct vrs_err *err);
/* a copy of a URL without its password (NULL: out of memory) */
char *st_redact_url(const char *url);
/* state.c: read mode on an empty state: an empty in-memory (SQLite) view */
int st_open_memview(struct state *st, struct vrs_err *err);
/* 1 the table exists, 0 not, -1 error (either backend) */
/* join_pg.c: the PostgreSQL twin of st_join_marketplace */
int st_join_marketplace_pg(struct state *st, struct vrs_err *err);
int st_has_table(struct state *st, const char *name);

/* join.c: the marketplace's tables without vrsctl's; join them (one transaction) */
bool st_is_marketplace_db(struct state *st);
int st_join_marketplace(struct state *st, struct vrs_err *err);

/* state.c: create every directory leading to path's last component */
int st_mkdir_parents(const char *path, struct vrs_err *err);

/* files.c: create path 0600 unless it exists */
int st_create_private(const char *path, struct vrs_err *err);

/* write.c: statement helpers shared by the write files */
/*
 * Run one statement with parameters bound from fmt (s text, i int, I long
 * long, b bool, t time 0->NULL, n long long 0->NULL, c int -1->NULL).
 * Returns the number of changed rows, or -1 with "state PATH: WHAT: ...".
 */
int st_run(struct state *st, struct vrs_err *err, const char *what, const char *sql,
	   const char *fmt, ...);
/* st_run that must change exactly one row; "WHAT not in state" otherwise */
int st_run1(struct state *st, struct vrs_err *err, const char *what, const char *sql,
	    const char *fmt, ...);
/* id of a required reference; NULL key gives id 0 (no reference) */
int st_ref_id(struct state *st, const char *table, const char *keycol, const char *what,
	      const char *key, long long *id, struct vrs_err *err);
int st_project_id(struct state *st, const char *slug, long long *id, struct vrs_err *err);
int st_domain_id(struct state *st, const char *fqdn, long long *id, struct vrs_err *err);

#endif
