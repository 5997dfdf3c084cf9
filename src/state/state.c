/*
 * state.c — opening the state database (a SQLite file; PostgreSQL in open_pg.c),
 * transactions, meta and the small helpers the rest of src/state/ shares
 * (state_int.h).
 *
 * Open: write mode creates the directory and file, switches to WAL,
 * synchronous=NORMAL, foreign_keys=ON, busy_timeout, then migrates. Read
 * mode opens the file read-only and changes nothing; a missing file
 * becomes an empty in-memory database with the current schema, so that
 * readers see an empty world instead of an error. Both refuse a file that is
 * not SQLite and a schema newer than this binary, before touching anything.
 */
#include "state/state_int.h"
#include "util/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers (state_int.h) ---------------------------------------------- */

long long st_now(const struct state *st)
{
	return st->now ? st->now : (long long)time(NULL);
}

int st_dberr(struct state *st, struct vrs_err *err, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return err_setc(err, st->db && db_err_nomem(st->db) ? VRS_E_NOMEM : VRS_E_IO,
			"state %s: %s: %s", st->path, what,
			st->db ? db_errmsg(st->db) : "no database");
}

int st_prepare(struct state *st, struct db_stmt **stmt, const char *sql, struct vrs_err *err)
{
	if (db_prepare(st->db, sql, stmt) < 0) {
		return st_dberr(st, err, "preparing \"%.60s\"", sql);
	}
	return 0;
}

int st_exec(struct state *st, const char *sql, struct vrs_err *err)
{
	if (db_exec(st->db, sql) < 0)
		return st_dberr(st, err, "\"%.40s\"", sql);
	return 0;
}

int st_need_write(struct state *st, struct vrs_err *err)
{
	if (!st->writable)
		return err_setc(err, VRS_E_INVALID, "state %s is open read-only", st->path);
	if (st->lockdb)
		return st_lock_pg_check(st->lockdb, st->lockpid, st->path, err);
	return 0;
}

int st_sp_begin(struct state *st, struct vrs_err *err)
{
	if (st_need_write(st, err) < 0)
		return -1;
	/* SQLite's SAVEPOINT opens a transaction by itself; PostgreSQL's needs one */
	if (st->sp_depth == 0 && !db_in_tx(st->db)) {
		if (db_begin(st->db) < 0)
			return st_dberr(st, err, "BEGIN");
		st->sp_began = true;
	}
	if (db_savepoint(st->db, "vrs_sp") < 0) {
		if (st->sp_depth == 0 && st->sp_began) {
			db_rollback(st->db);
			st->sp_began = false;
		}
		return st_dberr(st, err, "SAVEPOINT");
	}
	st->sp_depth++;
	return 0;
}

int st_sp_end(struct state *st, int rc)
{
	bool ok = rc == 0 && db_release(st->db, "vrs_sp") == 0;

	if (!ok) {
		db_rollback_to(st->db, "vrs_sp");
		db_release(st->db, "vrs_sp");
	}
	if (--st->sp_depth == 0 && st->sp_began) {
		st->sp_began = false;
		if (ok && db_commit(st->db) == 0)
			return 0;
		db_rollback(st->db);
		return -1;
	}
	return ok ? 0 : -1;
}

int st_bind_text(struct db_stmt *s, int i, const char *v)
{
	return db_bind_text(s, i, v);
}

int st_bind_time(struct db_stmt *s, int i, long long t)
{
	char buf[32];

	if (t == 0)
		return db_bind_null(s, i);
	return db_bind_text(s, i, st_time_store(t, buf, sizeof(buf)));
}

char *st_col_strdup(struct db_stmt *s, int i)
{
	const char *t = db_col_text(s, i);

	if (t == NULL)
		return NULL;
	return strdup(t);
}

long long st_col_time(struct db_stmt *s, int i)
{
	const char *t = db_col_text(s, i);
	long long v = 0;

	if (t == NULL || state_time_parse(t, &v) < 0)
		return 0;
	return v;
}

/* util/hash's randomness, with the error the state's callers expect */
int st_random_bytes(unsigned char *p, size_t n, struct vrs_err *err)
{
	if (random_bytes(p, n) < 0)
		return err_setc(err, VRS_E_IO, "state: no random bytes available");
	return 0;
}

int st_random_hex(size_t n, char *out, struct vrs_err *err)
{
	if (random_hex(n, out) < 0)
		return err_setc(err, VRS_E_IO, "state: no random bytes available");
	return 0;
}

int st_meta_read(struct state *st, const char *key, char **value, struct vrs_err *err)
{
	struct db_stmt *s = NULL;
	int rc;

	*value = NULL;
	if (st_prepare(st, &s, "SELECT value FROM vrs_meta WHERE key = ?", err) < 0)
		return -1;
	db_bind_text(s, 1, key);
	rc = db_step(s);
	if (rc == DB_ROW) {
		*value = st_col_strdup(s, 0);
		rc = DB_DONE;
	}
	db_finalize(s);
	if (rc != DB_DONE)
		return st_dberr(st, err, "reading meta %s", key);
	return 0;
}

int st_meta_write(struct state *st, const char *key, const char *value, struct vrs_err *err)
{
	struct db_stmt *s = NULL;
	int rc;

	if (st_prepare(st, &s,
		       "INSERT INTO vrs_meta (key, value) VALUES (?, ?) "
		       "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
		       err) < 0)
		return -1;
	db_bind_text(s, 1, key);
	db_bind_text(s, 2, value);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE)
		return st_dberr(st, err, "writing meta %s", key);
	return 0;
}

/* id by key: 1 found, 0 absent, -1 error */
int st_find_id(struct state *st, const char *table, const char *keycol, const char *key,
	       long long *id, struct vrs_err *err)
{
	char sql[160];
	struct db_stmt *s = NULL;
	int rc;

	*id = 0;
	snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE %s = ?", table, keycol);
	if (st_prepare(st, &s, sql, err) < 0)
		return -1;
	st_bind_text(s, 1, key);
	rc = db_step(s);
	if (rc == DB_ROW)
		*id = db_col_int(s, 0);
	db_finalize(s);
	if (rc == DB_ROW)
		return 1;
	if (rc == DB_DONE)
		return 0;
	return st_dberr(st, err, "looking up %s", key);
}

int st_id_of(struct state *st, const char *table, const char *keycol, const char *key,
	     const char *what, long long *id, struct vrs_err *err)
{
	int rc = st_find_id(st, table, keycol, key, id, err);

	if (rc > 0)
		return 0;
	if (rc == 0)
		return err_setc(err, VRS_E_NOT_FOUND, "%s %s not in state", what,
				key ? key : "(null)");
	return err_prefix(err, "looking up %s", what);
}

/* ---- time --------------------------------------------------------------- */

char *state_time_fmt(long long t, char *out, size_t outlen)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (outlen == 0)
		return out;
	out[0] = 0;
	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		return out;
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return out;
}

/*
 * SQLAlchemy's SQLite storage format of DateTime (naive UTC, microseconds
 * always written): "2026-12-03 14:23:40.000000". Text comparison then
 * orders vrsctl's rows and the application's alike.
 */
char *st_time_store(long long t, char *out, size_t outlen)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (outlen == 0)
		return out;
	out[0] = 0;
	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		return out;
	strftime(out, outlen, "%Y-%m-%d %H:%M:%S.000000", &tm);
	return out;
}

int state_time_parse(const char *s, long long *out)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, n = 0;
	char sep;

	if (s == NULL ||
	    sscanf(s, "%4d-%2d-%2d%c%2d:%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi, &sec, &n) != 7 ||
	    (sep != 'T' && sep != ' '))
		return -1;
	/* allow fractional seconds and a Z / +00:00 suffix */
	s += n;
	if (*s == '.')
		while (*++s >= '0' && *s <= '9')
			;
	if (*s != 0 && strcmp(s, "Z") != 0 && strcmp(s, "+00:00") != 0)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (long long)timegm(&tm);
	return 0;
}

/* ---- open / close ------------------------------------------------------- */

/* create every directory leading to path's last component */
int st_mkdir_parents(const char *path, struct vrs_err *err)
{
	char *p = strdup(path);

	if (p == NULL)
		return err_setc(err, VRS_E_NOMEM, "out of memory");
	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = 0;
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			err_setc(err, VRS_E_IO, "creating directory %s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		*q = '/';
	}
	free(p);
	return 0;
}

/* a first read: turns "not a database" into a clear message */
static int probe(struct state *st, int *ntables, struct vrs_err *err)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(st->db, "SELECT count(*) FROM sqlite_master", &s) < 0 ? DB_ERR : db_step(s);
	if (rc == DB_ROW)
		*ntables = (int)db_col_int(s, 0);
	db_finalize(s);
	if (rc == DB_ROW)
		return 0;
	if (db_err_notadb(st->db))
		return err_setc(err, VRS_E_INVALID, "state %s is not a SQLite database", st->path);
	return st_dberr(st, err, "opening");
}

static int check_version(struct state *st, int *v, struct vrs_err *err)
{
	if (state_user_version(st, v, err) < 0)
		return -1;
	if (*v > STATE_SCHEMA_VERSION)
		return err_setc(err, VRS_E_INVALID,
				"state %s has schema version %d, this vrsctl supports up to %d; "
				"upgrade vrsctl",
				st->path, *v, STATE_SCHEMA_VERSION);
	return 0;
}

/* read mode on a missing or empty file: an empty in-memory view */
int st_open_memview(struct state *st, struct vrs_err *err)
{
	db_close(st->db);
	st->db = NULL;
	st->pg = false;
	if (db_sqlite_open(":memory:", DB_READWRITE, &st->db) < 0)
		return st_dberr(st, err, "opening in-memory view");
	st->is_new = true;
	st->memview = true;
	st->writable = true; /* to create the schema */
	if (st_exec(st, "PRAGMA foreign_keys = ON", err) < 0 || state_migrate(st, err) < 0)
		return -1;
	st->writable = false;
	return 0;
}

static int open_read(struct state *st, struct vrs_err *err)
{
	struct stat sb;
	int ntables = 0, v = 0;

	if (stat(st->path, &sb) < 0) {
		if (errno == ENOENT)
			return st_open_memview(st, err);
		return err_setc(err, VRS_E_IO, "state %s: %s", st->path, strerror(errno));
	}
	if (db_sqlite_open(st->path, DB_READONLY, &st->db) < 0)
		return st_dberr(st, err, "opening");
	if (probe(st, &ntables, err) < 0 || check_version(st, &v, err) < 0)
		return -1;
	if (v == 0 && ntables == 0)
		return st_open_memview(st, err);
	if (v == 0 && st_is_marketplace_db(st))
		return err_setc(err, VRS_E_INVALID,
				"state %s is the marketplace application's database without "
				"vrsctl's tables; run apply to join it",
				st->path);
	if (v == 0)
		return err_setc(err, VRS_E_INVALID,
				"state %s is not a vrsctl state (no schema version)", st->path);
	if (v < STATE_SCHEMA_VERSION)
		return err_setc(err, VRS_E_INVALID, "state %s needs migration; run apply",
				st->path);
	return st_exec(st, "PRAGMA foreign_keys = ON", err);
}

/*
 * Before anything is planned or called: a state that cannot be written
 * (read-only mount, immutable file, a directory where SQLite cannot create
 * its -wal and -shm files) is refused now, not at the first write after
 * remote calls were made. access() sees a read-only mount and an immutable
 * file even for root.
 */
static int writable_or_refuse(struct state *st, bool existed, struct vrs_err *err)
{
	char *dir = strdup(st->path), *slash;

	if (dir == NULL)
		return err_setc(err, VRS_E_NOMEM, "out of memory");
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	if (access(dir, W_OK) < 0) {
		int e = errno;
		err_setc(err, VRS_E_IO,
			 "state %s cannot be written: its directory %s is not writable (%s), and "
			 "SQLite creates %s-wal and %s-shm there; nothing was changed",
			 st->path, dir, strerror(e), st->path, st->path);
		free(dir);
		return -1;
	}
	free(dir);
	if (existed && access(st->path, W_OK) < 0)
		return err_setc(err, VRS_E_IO,
				"state %s cannot be written (%s); nothing was changed", st->path,
				strerror(errno));
	return 0;
}

static int open_write(struct state *st, struct vrs_err *err)
{
	struct stat sb;
	int ntables = 0, v = 0;
	bool existed;

	if (st_mkdir_parents(st->path, err) < 0)
		return -1;
	existed = stat(st->path, &sb) == 0;
	if (writable_or_refuse(st, existed, err) < 0)
		return -1;
	/* created 0600 before SQLite opens it: its -wal and -shm copy the mode */
	if (!existed && st_create_private(st->path, err) < 0)
		return -1;
	if (db_sqlite_open(st->path, DB_CREATE, &st->db) < 0)
		return st_dberr(st, err, "opening");
	if (probe(st, &ntables, err) < 0 || check_version(st, &v, err) < 0)
		return -1;
	/* the marketplace application's database: joined (join.c), else refused */
	if (v == 0 && ntables != 0 && !st_is_marketplace_db(st))
		return err_setc(err, VRS_E_INVALID,
				"state %s is not a vrsctl state (no schema version)", st->path);
	st->is_new = !existed || (v == 0 && ntables == 0);
	if (st_exec(st, "PRAGMA journal_mode = WAL", err) < 0 ||
	    st_exec(st, "PRAGMA synchronous = NORMAL", err) < 0 ||
	    st_exec(st, "PRAGMA foreign_keys = ON", err) < 0)
		return -1;
	if (v == 0 && ntables != 0)
		return st_join_marketplace(st, err);
	return state_migrate(st, err);
}

int state_open(const char *path, int flags, struct state **out, struct vrs_err *err)
{
	enum state_kind kind;
	struct state *st;
	int rc;

	*out = NULL;
	if (state_where(path, &kind, err) < 0)
		return -1;
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->path = kind == STATE_POSTGRES ? st_redact_url(path) : strdup(path)) == NULL) {
		free(st);
		return err_setc(err, VRS_E_NOMEM, "out of memory");
	}
	st->writable = (flags & STATE_WRITE) != 0;
	if (kind == STATE_POSTGRES)
		rc = st_open_pg(st, path, err);
	else
		rc = st->writable ? open_write(st, err) : open_read(st, err);
	if (rc < 0) {
		state_close(st);
		return -1;
	}
	*out = st;
	return 0;
}

void state_close(struct state *st)
{
	if (st == NULL)
		return;
	db_close(st->db);
	free(st->path);
	free(st);
}

bool state_is_new(const struct state *st)
{
	return st->is_new;
}

const char *state_path(const struct state *st)
{
	return st->path;
}

void state_set_now(struct state *st, long long now)
{
	st->now = now;
}

/* ---- transactions ------------------------------------------------------- */

int state_begin(struct state *st, struct vrs_err *err)
{
	if (st_need_write(st, err) < 0)
		return -1;
	if (db_in_tx(st->db))
		return err_setc(err, VRS_E_INVALID, "state %s: a transaction is already open",
				st->path);
	if (db_begin(st->db) < 0)
		return st_dberr(st, err, "BEGIN");
	return 0;
}

int state_commit(struct state *st, struct vrs_err *err)
{
	if (!db_in_tx(st->db))
		return err_setc(err, VRS_E_INVALID, "state %s: commit without a transaction",
				st->path);
	if (db_commit(st->db) < 0) {
		/* a failed COMMIT (disk full) may leave the transaction open: end it */
		int rc = st_dberr(st, err, "COMMIT");
		db_rollback(st->db);
		return rc;
	}
	return 0;
}

int state_rollback(struct state *st, struct vrs_err *err)
{
	if (!db_in_tx(st->db))
		return 0;
	if (db_rollback(st->db) < 0)
		return st_dberr(st, err, "ROLLBACK");
	return 0;
}

/* ---- meta --------------------------------------------------------------- */

int state_meta_get(struct state *st, struct state_meta *out, struct vrs_err *err)
{
	char *serial = NULL;

	memset(out, 0, sizeof(*out));
	if (st->memview)
		return 0;
	if (st_meta_read(st, "lineage", &out->lineage, err) < 0 ||
	    st_meta_read(st, "serial", &serial, err) < 0 ||
	    st_meta_read(st, "specs_digest", &out->specs_digest, err) < 0) {
		state_meta_release(out);
		free(serial);
		return -1;
	}
	out->serial = serial ? strtoll(serial, NULL, 10) : 0;
	free(serial);
	return 0;
}

void state_meta_release(struct state_meta *m)
{
	if (m == NULL)
		return;
	free(m->lineage);
	free(m->specs_digest);
	memset(m, 0, sizeof(*m));
}

int state_serial_bump(struct state *st, const char *digest, struct vrs_err *err)
{
	char *serial = NULL, buf[32];
	int rc = 0;

	if (st_sp_begin(st, err) < 0)
		return -1;
	if (st_meta_read(st, "serial", &serial, err) < 0)
		rc = -1;
	if (rc == 0) {
		snprintf(buf, sizeof(buf), "%lld", (serial ? strtoll(serial, NULL, 10) : 0) + 1);
		rc = st_meta_write(st, "serial", buf, err);
	}
	if (rc == 0 && digest)
		rc = st_meta_write(st, "specs_digest", digest, err);
	free(serial);
	return st_sp_end(st, rc);
}

static int unhex(const char *s, unsigned char *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < 2 * n; i++) {
		int c = s[i], v;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return -1;
		if (i % 2 == 0)
			out[i / 2] = (unsigned char)(v << 4);
		else
			out[i / 2] |= (unsigned char)v;
	}
	return 0;
}

int state_fingerprint_key(struct state *st, unsigned char key[32], struct vrs_err *err)
{
	char *hex = NULL, fresh[65];
	int rc;

	if (!st->memview && st_meta_read(st, "fingerprint_key", &hex, err) < 0)
		return -1;
	if (hex) {
		rc = unhex(hex, key, 32);
		free(hex);
		if (rc < 0)
			return err_setc(err, VRS_E_INVALID,
					"state %s: fingerprint_key is not 64 hex digits", st->path);
		return 0;
	}
	if (!st->writable) {
		if (!st->have_tmpkey) {
			if (st_random_bytes(st->tmpkey, sizeof(st->tmpkey), err) < 0)
				return -1;
			st->have_tmpkey = true;
		}
		memcpy(key, st->tmpkey, 32);
		return 0;
	}
	if (st_random_hex(32, fresh, err) < 0)
		return -1;
	if (st_sp_begin(st, err) < 0)
		return -1;
	if (st_sp_end(st, st_meta_write(st, "fingerprint_key", fresh, err)) < 0)
		return -1;
	return unhex(fresh, key, 32);
}
