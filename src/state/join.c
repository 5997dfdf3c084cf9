/*
 * join.c — joining a database the marketplace application created (issue
 * 13, item 4): it has the model's tables (marketplace_*) but no vrsctl
 * tables and no schema version. vrsctl adds its own tables and whatever the
 * model specification has that the database lacks — tables, columns,
 * indexes, as the model's section 10 migration does — and never drops or
 * rewrites the application's data. Tables it does not know (licenses,
 * orders) are left alone.
 *
 * The reference is the current schema built in an in-memory database by
 * the migrations themselves, so the join always ends at the latest
 * user_version. Its catalogue rows stay the application's (no vrs_catalogue
 * row; vrs_meta 'joined' records the join). A column whose declared type
 * contradicts the model (text where the model has an integer, or the
 * reverse) is an error naming it:
 * SQLAlchemy's own types (BOOLEAN, DATETIME, VARCHAR(n), JSON) agree with
 * the model's.
 */
#include "state/state_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum tclass { T_INT, T_TEXT, T_OTHER };

/* what a declared type holds here: integers (and booleans), text (and timestamps), other */
static enum tclass type_class(const char *t)
{
	if (t == NULL || *t == 0)
		return T_OTHER;
	if (strcasestr(t, "INT") || strcasecmp(t, "BOOLEAN") == 0 || strcasecmp(t, "BOOL") == 0)
		return T_INT;
	if (strcasestr(t, "CHAR") || strcasestr(t, "TEXT") || strcasestr(t, "CLOB") ||
	    strcasestr(t, "DATE") || strcasestr(t, "TIME") || strcasestr(t, "JSON") ||
	    strcasestr(t, "ENUM"))
		return T_TEXT;
	return T_OTHER;
}

static int has_table(struct db *db, const char *name)
{
	struct db_stmt *s = NULL;
	int found = 0;

	if (db_prepare(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", &s) < 0)
		return -1;
	db_bind_text(s, 1, name);
	found = db_step(s) == DB_ROW;
	db_finalize(s);
	return found;
}

bool st_is_marketplace_db(struct state *st)
{
	return has_table(st->db, "marketplace_project") == 1 && has_table(st->db, "vrs_meta") == 0;
}

/* the declared type of table.col in db: 1 found (*type malloc'd), 0 absent, -1 error */
static int column_type(struct db *db, const char *table, const char *col, char **type)
{
	char sql[200];
	struct db_stmt *s = NULL;
	int rc, found = 0;

	*type = NULL;
	snprintf(sql, sizeof(sql), "SELECT type FROM pragma_table_info('%s') WHERE name = ?",
		 table);
	if (db_prepare(db, sql, &s) < 0)
		return -1;
	db_bind_text(s, 1, col);
	if ((rc = db_step(s)) == DB_ROW) {
		const char *t = db_col_text(s, 0);
		*type = strdup(t ? t : "");
		found = *type ? 1 : -1;
	}
	db_finalize(s);
	return rc == DB_ROW || rc == DB_DONE ? found : -1;
}

/* add or check every column of the model's table in the database */
static int join_columns(struct state *st, struct db *ref, const char *table, struct vrs_err *err)
{
	char sql[600];
	struct db_stmt *s = NULL;
	int rc = 0;

	snprintf(sql, sizeof(sql),
		 "SELECT name, type, \"notnull\", dflt_value FROM "
		 "pragma_table_info('%s') ORDER BY cid",
		 table);
	if (db_prepare(ref, sql, &s) < 0)
		return err_setc(err, VRS_E_IO, "state %s: reading the model's %s", st->path, table);
	while (rc == 0 && db_step(s) == DB_ROW) {
		const char *col = db_col_text(s, 0);
		const char *type = db_col_text(s, 1);
		const char *dflt = db_col_text(s, 3);
		char *have = NULL;
		int f = column_type(st->db, table, col, &have);

		if (f < 0) {
			rc = st_dberr(st, err, "reading %s.%s", table, col);
		} else if (f == 1) {
			enum tclass want = type_class(type), got = type_class(have);
			if (want != T_OTHER && got != T_OTHER && want != got)
				rc = err_setc(err, VRS_E_INVALID,
					      "state %s: column %s.%s is %s, the model has %s: "
					      "fix the column before vrsctl can join this database",
					      st->path, table, col, have, type);
		} else {
			/* a NOT NULL column is added only with its default (SQLite's rule) */
			snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s %s%s%s%s", table,
				 col, type, dflt ? " DEFAULT " : "", dflt ? dflt : "",
				 dflt && db_col_int(s, 2) ? " NOT NULL" : "");
			if (st_exec(st, sql, err) < 0)
				rc = err_prefix(err, "adding column %s.%s", table, col);
		}
		free(have);
	}
	db_finalize(s);
	return rc;
}

/* every table and index of the reference the database lacks; columns of those it has */
static int join_objects(struct state *st, struct db *ref, struct vrs_err *err)
{
	struct db_stmt *s = NULL;
	int rc = 0;

	/* tables first (in creation order, for the foreign keys), then indexes */
	if (db_prepare(ref,
		       "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT "
		       "NULL AND type IN ('table', 'index') ORDER BY type = 'index', rowid",
		       &s) < 0)
		return err_setc(err, VRS_E_IO, "state %s: reading the model schema", st->path);
	while (rc == 0 && db_step(s) == DB_ROW) {
		const char *type = db_col_text(s, 0);
		const char *name = db_col_text(s, 1);
		const char *sql = db_col_text(s, 3);
		int have;

		if (strcmp(type, "table") == 0) {
			have = has_table(st->db, name);
			if (have < 0)
				rc = st_dberr(st, err, "looking up table %s", name);
			else if (have)
				rc = join_columns(st, ref, name, err);
			else if (st_exec(st, sql, err) < 0)
				rc = err_prefix(err, "creating table %s", name);
			continue;
		}
		char q[400];
		/* an index of that name exists: the application made it, keep it */
		snprintf(q, sizeof(q), "%s", sql);
		if (strncmp(q, "CREATE UNIQUE INDEX ", 20) == 0)
			snprintf(q, sizeof(q), "CREATE UNIQUE INDEX IF NOT EXISTS %s", sql + 20);
		else if (strncmp(q, "CREATE INDEX ", 13) == 0)
			snprintf(q, sizeof(q), "CREATE INDEX IF NOT EXISTS %s", sql + 13);
		if (st_exec(st, q, err) < 0)
			rc = err_prefix(err, "creating index %s", name);
	}
	db_finalize(s);
	return rc;
}

int st_join_marketplace(struct state *st, struct vrs_err *err)
{
	struct state ref = {.path = (char *)"(model schema)", .memview = true, .writable = true};
	char sql[64], lineage[33];
	int rc;

	if (db_sqlite_open(":memory:", DB_READWRITE, &ref.db) < 0) {
		db_close(ref.db);
		return err_setc(err, VRS_E_NOMEM, "state %s: no memory for the model schema",
				st->path);
	}
	rc = state_migrate(&ref, err);
	if (rc == 0 && db_begin(st->db) < 0)
		rc = st_dberr(st, err, "BEGIN");
	else if (rc == 0) {
		rc = join_objects(st, ref.db, err);
		if (rc == 0)
			rc = st_random_hex(16, lineage, err);
		if (rc == 0)
			rc = st_meta_write(st, "lineage", lineage, err) < 0 ||
				     st_meta_write(st, "serial", "0", err) < 0 ||
				     st_meta_write(st, "joined", "1", err) < 0
				 ? -1
				 : 0;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", STATE_SCHEMA_VERSION);
		if (rc == 0 && st_exec(st, sql, err) < 0)
			rc = -1;
		if (rc == 0 && db_commit(st->db) < 0)
			rc = st_dberr(st, err, "COMMIT");
		if (rc < 0)
			db_rollback(st->db);
	}
	db_close(ref.db);
	if (rc < 0)
		err_prefix(err, "joining the marketplace database");
	return rc;
}
