/*
 * join_pg.c — joining a PostgreSQL database the marketplace application
 * created (db.create_all() from its models: the marketplace_* tables and
 * the enum types, no vrs_* tables, no schema version), as join.c does on
 * SQLite. PostgreSQL keeps no CREATE text to compare with, so the
 * reference is the PostgreSQL schema script itself (schema_pg.c), taken
 * statement by statement:
 *
 *   CREATE TYPE    made when absent; when present it must hold every value
 *                  vrsctl writes (an enum of member names, 'DRAFT', is an
 *                  error naming it: the application must declare values)
 *   CREATE TABLE   made when absent; when present, each column it lacks is
 *                  added, and a column whose type contradicts the model
 *                  (text where the model has an integer, ...) is an error
 *   CREATE INDEX   made IF NOT EXISTS (an index of that name is kept)
 *
 * all in one transaction, with the schema version and lineage written at
 * its end; the application's rows and its other tables are never touched.
 */
#include "state/state_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* what a column holds, for comparing declared types */
enum pclass { P_INT, P_BOOL, P_TEXT, P_TIME, P_JSON, P_OTHER };

static enum pclass class_of(const char *t)
{
	static const struct {
		const char *prefix;
		enum pclass c;
	} map[] = {
	    {"integer", P_INT},	   {"int", P_INT},	     {"serial", P_INT},
	    {"bigint", P_INT},	   {"smallint", P_INT},	     {"boolean", P_BOOL},
	    {"bool", P_BOOL},	   {"character", P_TEXT},    {"varchar", P_TEXT},
	    {"text", P_TEXT},	   {"user-defined", P_TEXT}, /* an enum: text values */
	    {"timestamp", P_TIME}, {"json", P_JSON},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strncasecmp(t, map[i].prefix, strlen(map[i].prefix)) == 0)
			return map[i].c;
	return P_OTHER; /* the script's enum types: not compared (VARCHAR or an enum) */
}

/* the first word of s (at most n-1 bytes) */
static void word(const char *s, char *out, size_t n)
{
	size_t k = 0;

	while (isspace((unsigned char)*s))
		s++;
	while (*s && !isspace((unsigned char)*s) && *s != '(' && k + 1 < n)
		out[k++] = *s++;
	out[k] = 0;
}

/* the data_type of table.col: 1 found (*type malloc'd), 0 absent, -1 error */
static int pg_column(struct state *st, const char *table, const char *col, char **type)
{
	struct db_stmt *s = NULL;
	int rc;

	*type = NULL;
	if (db_prepare(st->db,
		       "SELECT data_type FROM information_schema.columns WHERE table_schema = "
		       "current_schema() AND table_name = ? AND column_name = ?",
		       &s) < 0)
		return -1;
	db_bind_text(s, 1, table);
	db_bind_text(s, 2, col);
	rc = db_step(s);
	if (rc == DB_ROW) {
		const char *t = db_col_text(s, 0);
		*type = strdup(t ? t : "");
	}
	db_finalize(s);
	if (rc == DB_ROW)
		return *type ? 1 : -1;
	return rc == DB_DONE ? 0 : -1;
}

/* one definition of a CREATE TABLE's body: a column to add or check, or a constraint */
static int join_def(struct state *st, const char *table, const char *def, struct vrs_err *err)
{
	static const char *const constraints[] = {"PRIMARY", "CHECK", "FOREIGN", "UNIQUE",
						  "CONSTRAINT"};
	char col[80], want[80], sql[700], *have = NULL;
	int f;

	word(def, col, sizeof(col));
	for (size_t i = 0; i < sizeof(constraints) / sizeof(constraints[0]); i++)
		if (strcmp(col, constraints[i]) == 0)
			return 0; /* the application's table keeps its own constraints */
	word(def + strspn(def, " \n") + strlen(col), want, sizeof(want));
	if ((f = pg_column(st, table, col, &have)) < 0)
		return st_dberr(st, err, "reading %s.%s", table, col);
	if (f == 0) {
		snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s", table, def);
		return st_exec(st, sql, err) < 0
			   ? err_prefix(err, "adding column %s.%s", table, col)
			   : 0;
	}
	enum pclass w = class_of(want), g = class_of(have);
	if (w != P_OTHER && g != P_OTHER && w != g) {
		err_setc(err, VRS_E_INVALID,
			 "state %s: column %s.%s is %s, the model has %s: fix the column "
			 "before vrsctl can join this database",
			 st->path, table, col, have, want);
		free(have);
		return -1;
	}
	free(have);
	return 0;
}

/* CREATE TABLE name (defs): made when absent, else its columns joined */
static int join_table(struct state *st, const char *stmt, struct vrs_err *err)
{
	char table[80], *body, *end, *p, *start;
	int have, depth = 0, rc = 0;

	word(stmt + strlen("CREATE TABLE "), table, sizeof(table));
	if ((have = st_has_table(st, table)) < 0)
		return st_dberr(st, err, "looking up table %s", table);
	if (!have)
		return st_exec(st, stmt, err) < 0 ? err_prefix(err, "creating table %s", table) : 0;
	if ((body = strdup(strchr(stmt, '(') + 1)) == NULL)
		return err_setc(err, VRS_E_NOMEM, "out of memory");
	if ((end = strrchr(body, ')')) != NULL)
		*end = 0;
	/* split at the commas outside parentheses */
	for (p = start = body; rc == 0; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		else if ((*p == ',' && depth == 0) || *p == 0) {
			bool last = *p == 0;
			*p = 0;
			if (start[strspn(start, " \n")])
				rc = join_def(st, table, start, err);
			if (last)
				break;
			start = p + 1;
		}
	}
	free(body);
	return rc;
}

/* CREATE TYPE name AS ENUM ('a', 'b'): made when absent, else it must hold every value */
static int join_type(struct state *st, const char *stmt, struct vrs_err *err)
{
	char name[80], label[80];
	struct db_stmt *s = NULL;
	const char *q;
	int rc;

	word(stmt + strlen("CREATE TYPE "), name, sizeof(name));
	if (db_prepare(st->db,
		       "SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
		       "WHERE t.typname = ? AND n.nspname = current_schema()",
		       &s) < 0)
		return st_dberr(st, err, "looking up type %s", name);
	db_bind_text(s, 1, name);
	rc = db_step(s);
	db_finalize(s);
	if (rc == DB_DONE)
		return st_exec(st, stmt, err) < 0 ? err_prefix(err, "creating type %s", name) : 0;
	if (rc != DB_ROW)
		return st_dberr(st, err, "looking up type %s", name);
	for (q = strchr(stmt, '\''); q; q = strchr(q + 1, '\'')) {
		const char *e = strchr(q + 1, '\'');
		size_t n = e ? (size_t)(e - q - 1) : 0;
		if (e == NULL || n >= sizeof(label))
			break;
		memcpy(label, q + 1, n);
		label[n] = 0;
		q = e;
		if (db_prepare(st->db,
			       "SELECT 1 FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN "
			       "pg_namespace n ON n.oid = t.typnamespace WHERE t.typname = ? AND "
			       "n.nspname = current_schema() AND e.enumlabel = ?",
			       &s) < 0)
			return st_dberr(st, err, "reading type %s", name);
		db_bind_text(s, 1, name);
		db_bind_text(s, 2, label);
		rc = db_step(s);
		db_finalize(s);
		if (rc == DB_DONE)
			return err_setc(err, VRS_E_INVALID,
					"state %s: the enum type %s has no value '%s' (an enum of "
					"member names? the application must store the values, "
					"docs/OWNERSHIP.md)",
					st->path, name, label);
		if (rc != DB_ROW)
			return st_dberr(st, err, "reading type %s", name);
	}
	return 0;
}

/* one statement of the schema script */
static int join_statement(struct state *st, const char *stmt, struct vrs_err *err)
{
	char sql[700];

	if (strncmp(stmt, "CREATE TYPE ", 12) == 0)
		return join_type(st, stmt, err);
	if (strncmp(stmt, "CREATE TABLE ", 13) == 0)
		return join_table(st, stmt, err);
	if (strncmp(stmt, "CREATE UNIQUE INDEX ", 20) == 0)
		snprintf(sql, sizeof(sql), "CREATE UNIQUE INDEX IF NOT EXISTS %s", stmt + 20);
	else if (strncmp(stmt, "CREATE INDEX ", 13) == 0)
		snprintf(sql, sizeof(sql), "CREATE INDEX IF NOT EXISTS %s", stmt + 13);
	else
		snprintf(sql, sizeof(sql), "%s", stmt);
	return st_exec(st, sql, err);
}

static int join_script(struct state *st, const char *script, struct vrs_err *err)
{
	char *all = strdup(script), *p, *next;
	int rc = 0;

	if (all == NULL)
		return err_setc(err, VRS_E_NOMEM, "out of memory");
	for (p = all; rc == 0 && *p; p = next) {
		char *end = strstr(p, ";\n");
		next = end ? end + 2 : p + strlen(p);
		if (end)
			*end = 0;
		if (p[strspn(p, " \n")])
			rc = join_statement(st, p, err);
	}
	free(all);
	return rc;
}

int st_join_marketplace_pg(struct state *st, struct vrs_err *err)
{
	/* the first migration is the whole schema; later ones run as usual after it */
	const struct migration *m = &state_pg_migrations[0];
	char lineage[33], version[16];
	int rc;

	if (db_begin(st->db) < 0)
		return st_dberr(st, err, "BEGIN");
	rc = st_exec(st, "SELECT pg_advisory_xact_lock(7673726374)", err);
	if (rc == 0)
		rc = join_script(st, m->sql, err);
	if (rc == 0)
		rc = st_random_hex(16, lineage, err);
	snprintf(version, sizeof(version), "%d", m->version);
	if (rc == 0 && (st_meta_write(st, "lineage", lineage, err) < 0 ||
			st_meta_write(st, "serial", "0", err) < 0 ||
			/* migration 5 then leaves the catalogue rows the application's */
			st_meta_write(st, "joined", "1", err) < 0 ||
			st_meta_write(st, "schema_version", version, err) < 0))
		rc = -1;
	if (rc == 0 && db_commit(st->db) < 0)
		rc = st_dberr(st, err, "COMMIT");
	if (rc < 0) {
		db_rollback(st->db);
		err_prefix(err, "joining the marketplace database");
	}
	return rc;
}
