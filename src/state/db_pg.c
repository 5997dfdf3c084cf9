/*
 * db_pg.c — the statement interface of db.h over PostgreSQL (libpq). The
 * only file of src/state/ that includes <libpq-fe.h>.
 *
 * The SQL of src/state/ is written once; this driver rewrites what differs:
 * "?" / "?N" placeholders become "$N" (outside quoted text), and
 * "INSERT OR IGNORE" becomes "INSERT ... ON CONFLICT DO NOTHING". Values go
 * as text parameters whose types the server infers from the statement
 * (booleans as "true"/"false"). A statement runs at its first step and its
 * rows are read from the whole result: the state's queries are small.
 */
#include "state/db_int.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARAMS 64

struct db {
	const struct db_ops *ops; /* first: db.c dispatches on it */
	PGconn *c;
	char msg[512];
	bool nomem;
	long long changes;
};

struct db_stmt {
	const struct db_ops *ops;
	struct db *db;
	char *sql;
	int nparams;
	char *vals[MAX_PARAMS];
	PGresult *res;
	int row, nrows;
};

static void set_msg(struct db *db, const char *m)
{
	size_t n;

	snprintf(db->msg, sizeof(db->msg), "%s", m && *m ? m : "unknown error");
	/* libpq's messages end in a newline */
	n = strlen(db->msg);
	while (n > 0 && (db->msg[n - 1] == '\n' || db->msg[n - 1] == ' '))
		db->msg[--n] = 0;
}

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int db_pg_open(const char *conninfo, const char *appname, struct db **out)
{
	const char *keys[] = {"dbname", "application_name", NULL};
	const char *vals[] = {conninfo, appname, NULL};
	struct db *db = calloc(1, sizeof(*db));

	*out = db;
	if (db == NULL)
		return -1;
	db->ops = &db_pg_ops;
	/* expand_dbname: the URL's parts, then application_name over them */
	db->c = PQconnectdbParams(keys, vals, 1);
	if (db->c == NULL) {
		db->nomem = true;
		set_msg(db, "out of memory");
		return -1;
	}
	if (PQstatus(db->c) != CONNECTION_OK) {
		set_msg(db, PQerrorMessage(db->c));
		return -1;
	}
	/* quiet NOTICEs and a dying session's FATAL: nothing below cmd/ prints */
	PQsetNoticeProcessor(db->c, quiet, NULL);
	return 0;
}

static void pg_close(struct db *db)
{
	if (db == NULL)
		return;
	PQfinish(db->c);
	free(db);
}

static const char *pg_errmsg(struct db *db)
{
	return db ? db->msg : "out of memory";
}

static bool pg_err_nomem(struct db *db)
{
	return db == NULL || db->nomem;
}

static bool pg_err_notadb(struct db *db)
{
	(void)db;
	return false;
}

/* sql with ?/?N as $N and INSERT OR IGNORE as ON CONFLICT DO NOTHING; *np the highest N */
static char *rewrite(const char *sql, int *np)
{
	size_t n = strlen(sql);
	char *out = malloc(n * 2 + 32), *o = out;
	bool ignore = false, quoted = false;
	int next = 1;

	*np = 0;
	if (out == NULL)
		return NULL;
	for (const char *p = sql; *p;) {
		if (*p == '\'')
			quoted = !quoted;
		if (!quoted && strncmp(p, "INSERT OR IGNORE ", 17) == 0) {
			o += sprintf(o, "INSERT ");
			p += 17;
			ignore = true;
			continue;
		}
		if (quoted || *p != '?') {
			*o++ = *p++;
			continue;
		}
		p++;
		int k = next;
		if (*p >= '0' && *p <= '9')
			k = (int)strtol(p, (char **)&p, 10);
		next = k + 1;
		if (k > *np)
			*np = k;
		o += sprintf(o, "$%d", k);
	}
	*o = 0;
	if (ignore)
		strcpy(o, " ON CONFLICT DO NOTHING");
	return out;
}

static int pg_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct db_stmt *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (s == NULL || (s->sql = rewrite(sql, &s->nparams)) == NULL) {
		free(s);
		db->nomem = true;
		set_msg(db, "out of memory");
		return -1;
	}
	if (s->nparams > MAX_PARAMS) {
		free(s->sql);
		free(s);
		set_msg(db, "too many parameters");
		return -1;
	}
	s->ops = &db_pg_ops;
	s->db = db;
	*out = s;
	return 0;
}

static int bind_str(struct db_stmt *s, int i, const char *v)
{
	if (i < 1 || i > MAX_PARAMS)
		return -1;
	free(s->vals[i - 1]);
	s->vals[i - 1] = NULL;
	if (v && (s->vals[i - 1] = strdup(v)) == NULL)
		return -1;
	if (i > s->nparams)
		s->nparams = i;
	return 0;
}

static int pg_bind_text(struct db_stmt *s, int i, const char *v)
{
	return bind_str(s, i, v);
}

static int pg_bind_int(struct db_stmt *s, int i, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	return bind_str(s, i, buf);
}

static int pg_bind_bool(struct db_stmt *s, int i, bool v)
{
	return bind_str(s, i, v ? "true" : "false");
}

static int pg_bind_null(struct db_stmt *s, int i)
{
	return bind_str(s, i, NULL);
}

static int run(struct db_stmt *s)
{
	struct db *db = s->db;
	ExecStatusType st;

	s->res = PQexecParams(db->c, s->sql, s->nparams, NULL, (const char *const *)s->vals, NULL,
			      NULL, 0);
	st = s->res ? PQresultStatus(s->res) : PGRES_FATAL_ERROR;
	if (st == PGRES_TUPLES_OK) {
		s->nrows = PQntuples(s->res);
		s->row = -1;
		db->changes = strtoll(PQcmdTuples(s->res), NULL, 10);
		return 0;
	}
	if (st == PGRES_COMMAND_OK) {
		s->nrows = 0;
		s->row = -1;
		db->changes = strtoll(PQcmdTuples(s->res), NULL, 10);
		return 0;
	}
	db->nomem = s->res == NULL;
	set_msg(db, s->res ? PQresultErrorMessage(s->res) : PQerrorMessage(db->c));
	PQclear(s->res);
	s->res = NULL;
	return -1;
}

static int pg_step(struct db_stmt *s)
{
	if (s->res == NULL && run(s) < 0)
		return s->db->nomem ? DB_NOMEM : DB_ERR;
	if (s->row + 1 < s->nrows) {
		s->row++;
		return DB_ROW;
	}
	s->row = s->nrows;
	return DB_DONE;
}

static const char *pg_col_text(struct db_stmt *s, int i)
{
	if (s->res == NULL || s->row < 0 || s->row >= s->nrows || i >= PQnfields(s->res) ||
	    PQgetisnull(s->res, s->row, i))
		return NULL;
	return PQgetvalue(s->res, s->row, i);
}

static long long pg_col_int(struct db_stmt *s, int i)
{
	const char *v = pg_col_text(s, i);

	if (v == NULL)
		return 0;
	/* a boolean read as a number */
	if (*v == 't')
		return 1;
	if (*v == 'f')
		return 0;
	return strtoll(v, NULL, 10);
}

static bool pg_col_bool(struct db_stmt *s, int i)
{
	return pg_col_int(s, i) != 0;
}

static bool pg_col_isnull(struct db_stmt *s, int i)
{
	return pg_col_text(s, i) == NULL;
}

static void pg_reset(struct db_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	for (int i = 0; i < MAX_PARAMS; i++) {
		free(s->vals[i]);
		s->vals[i] = NULL;
	}
}

static void pg_finalize(struct db_stmt *s)
{
	if (s == NULL)
		return;
	pg_reset(s);
	free(s->sql);
	free(s);
}

static int pg_exec(struct db *db, const char *sql)
{
	PGresult *r = PQexec(db->c, sql);
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	int rc = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		db->nomem = r == NULL;
		set_msg(db, r ? PQresultErrorMessage(r) : PQerrorMessage(db->c));
		rc = -1;
	}
	PQclear(r);
	return rc;
}

static long long pg_changes(struct db *db)
{
	return db->changes;
}

static int pg_begin(struct db *db)
{
	return pg_exec(db, "BEGIN");
}

static int pg_commit(struct db *db)
{
	return pg_exec(db, "COMMIT");
}

static bool pg_in_tx(struct db *db)
{
	return PQtransactionStatus(db->c) != PQTRANS_IDLE &&
	       PQtransactionStatus(db->c) != PQTRANS_UNKNOWN;
}

static int pg_rollback(struct db *db)
{
	if (!pg_in_tx(db))
		return 0;
	return pg_exec(db, "ROLLBACK");
}

static int sp_exec(struct db *db, const char *verb, const char *name)
{
	char sql[96];

	snprintf(sql, sizeof(sql), "%s %s", verb, name);
	return pg_exec(db, sql);
}

static int pg_savepoint(struct db *db, const char *name)
{
	return sp_exec(db, "SAVEPOINT", name);
}

static int pg_release(struct db *db, const char *name)
{
	return sp_exec(db, "RELEASE SAVEPOINT", name);
}

static int pg_rollback_to(struct db *db, const char *name)
{
	return sp_exec(db, "ROLLBACK TO SAVEPOINT", name);
}

const struct db_ops db_pg_ops = {
    .close = pg_close,
    .errmsg = pg_errmsg,
    .err_nomem = pg_err_nomem,
    .err_notadb = pg_err_notadb,
    .prepare = pg_prepare,
    .bind_text = pg_bind_text,
    .bind_int = pg_bind_int,
    .bind_bool = pg_bind_bool,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .col_text = pg_col_text,
    .col_int = pg_col_int,
    .col_bool = pg_col_bool,
    .col_isnull = pg_col_isnull,
    .reset = pg_reset,
    .finalize = pg_finalize,
    .exec = pg_exec,
    .changes = pg_changes,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .in_tx = pg_in_tx,
    .savepoint = pg_savepoint,
    .release = pg_release,
    .rollback_to = pg_rollback_to,
};

/* LISTEN/NOTIFY (watch's wake-up): these take the PostgreSQL connection
 * only (struct db of db_pg_open); no other driver has them */
int db_pg_socket(struct db *db)
{
	return db && db->ops == &db_pg_ops ? PQsocket(db->c) : -1;
}

/* the notifications received so far, read without blocking: their count
 * (each payload given to fn), or -1 when the connection is gone */
int db_pg_drain(struct db *db, void (*fn)(void *ud, const char *payload), void *ud)
{
	PGnotify *n;
	int count = 0;

	if (db == NULL || db->ops != &db_pg_ops)
		return -1;
	/* a terminated session: its FATAL, then end of file; both leave it BAD */
	if (PQconsumeInput(db->c) == 0 || PQstatus(db->c) != CONNECTION_OK) {
		set_msg(db, PQerrorMessage(db->c));
		return -1;
	}
	while ((n = PQnotifies(db->c)) != NULL) {
		count++;
		if (fn)
			fn(ud, n->extra ? n->extra : "");
		PQfreemem(n);
	}
	return count;
}
