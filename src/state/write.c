/*
 * write.c — typed writes of the recorded world's global objects: servers,
 * base domains, project types, plugins (+prices), bundles (+plugins); and
 * the statement helpers write_project.c shares (state_int.h). Projects,
 * domains and the applied app configuration are in write_project.c.
 *
 * Each function does one thing, addressed by spec keys. Multi-statement
 * functions run inside a SAVEPOINT, so they are atomic on their own and
 * nest inside the caller's state_begin()/state_commit() transaction.
 * Timestamps come from st_now() (overridable for tests).
 */
#include "state/rowmap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Bind parameters 1.. from a format: s text (NULL -> NULL), i int, I long
 * long, b bool (passed as int), t time (long long, 0 -> NULL), n long long
 * (0 -> NULL), c int (-1 -> NULL).
 */
static void bindv(struct db_stmt *s, const char *fmt, va_list ap)
{
	for (int i = 1; *fmt; fmt++, i++) {
		switch (*fmt) {
		case 's':
			st_bind_text(s, i, va_arg(ap, const char *));
			break;
		case 'i':
			db_bind_int(s, i, va_arg(ap, int));
			break;
		case 'b':
			db_bind_bool(s, i, va_arg(ap, int) != 0);
			break;
		case 'I':
			db_bind_int(s, i, va_arg(ap, long long));
			break;
		case 't':
			st_bind_time(s, i, va_arg(ap, long long));
			break;
		case 'n': {
			long long v = va_arg(ap, long long);
			if (v == 0)
				db_bind_null(s, i);
			else
				db_bind_int(s, i, v);
			break;
		}
		case 'c': {
			int v = va_arg(ap, int);
			if (v == -1)
				db_bind_null(s, i);
			else
				db_bind_int(s, i, v);
			break;
		}
		default:
			break;
		}
	}
}

/*
 * Run one statement with bound parameters. Returns the number of changed
 * rows, or -1 with err = "state PATH: WHAT: sqlite message".
 */
int st_run(struct state *st, struct vrs_err *err, const char *what, const char *sql,
	   const char *fmt, ...)
{
	struct db_stmt *s = NULL;
	va_list ap;
	int rc;

	if (st_prepare(st, &s, sql, err) < 0)
		return -1;
	va_start(ap, fmt);
	bindv(s, fmt, ap);
	va_end(ap);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE && rc != DB_ROW)
		return st_dberr(st, err, "%s", what);
	return db_changes(st->db);
}

/* st_run() that must change exactly one row; "WHAT not in state" otherwise */
int st_run1(struct state *st, struct vrs_err *err, const char *what, const char *sql,
	    const char *fmt, ...)
{
	struct db_stmt *s = NULL;
	va_list ap;
	int rc;

	if (st_need_write(st, err) < 0 || st_prepare(st, &s, sql, err) < 0)
		return -1;
	va_start(ap, fmt);
	bindv(s, fmt, ap);
	va_end(ap);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE)
		return st_dberr(st, err, "%s", what);
	if (db_changes(st->db) == 0)
		return err_setc(err, VRS_E_NOT_FOUND, "state %s: %s not in state", st->path, what);
	return 0;
}

/* id of a required reference; NULL key gives id 0 (no reference) */
int st_ref_id(struct state *st, const char *table, const char *keycol, const char *what,
	      const char *key, long long *id, struct vrs_err *err)
{
	*id = 0;
	if (key == NULL)
		return 0;
	return st_id_of(st, table, keycol, key, what, id, err);
}

int st_project_id(struct state *st, const char *slug, long long *id, struct vrs_err *err)
{
	return st_id_of(st, "marketplace_project", "slug", slug, "project", id, err);
}

int st_domain_id(struct state *st, const char *fqdn, long long *id, struct vrs_err *err)
{
	return st_id_of(st, "marketplace_project_domain", "domain", fqdn, "domain", id, err);
}

/*
 * vrs_catalogue: the catalogue row kind/key is vrsctl's from the write on
 * (created, or adopted because a spec names it); unmarked with the row.
 */
static int own_mark(struct state *st, const char *kind, const char *key, const char *what,
		    struct vrs_err *err)
{
	return st_run(st, err, what,
		      "INSERT INTO vrs_catalogue (kind, key) VALUES (?, ?) ON CONFLICT DO NOTHING",
		      "ss", kind, key) < 0
		   ? -1
		   : 0;
}

static int own_unmark(struct state *st, const char *kind, const char *key, const char *what,
		      struct vrs_err *err)
{
	return st_run(st, err, what, "DELETE FROM vrs_catalogue WHERE kind = ? AND key = ?", "ss",
		      kind, key) < 0
		   ? -1
		   : 0;
}

/* ---- servers ------------------------------------------------------------ */

int state_server_upsert(struct state *st, const struct m_server *s, struct vrs_err *err)
{
	char what[160];
	long long id = 0;
	int rc;

	snprintf(what, sizeof(what), "server %s", s->name);
	if (st_sp_begin(st, err) < 0)
		return -1;
	rc = st_map_upsert(st, &st_server_map, "marketplace_server", s, what, err);
	if (rc >= 0)
		rc = st_id_of(st, "marketplace_server", "name", s->name, "server", &id, err);
	if (rc >= 0)
		rc = st_run(
		    st, err, what,
		    "INSERT INTO vrs_server_ext (server_id, ipv6_address) VALUES (?, ?) "
		    "ON CONFLICT (server_id) DO UPDATE SET ipv6_address = excluded.ipv6_address",
		    "Is", id, s->ipv6_address);
	if (rc >= 0)
		rc = own_mark(st, "server", s->name, what, err);
	return st_sp_end(st, rc < 0 ? -1 : 0);
}

int state_server_set_status(struct state *st, const char *name, enum m_server_status status,
			    struct vrs_err *err)
{
	char what[160];

	snprintf(what, sizeof(what), "server %s", name);
	return st_run1(st, err, what,
		       "UPDATE marketplace_server SET status = ?, updated_at = ? WHERE name = ?",
		       "sts", m_server_status_name(status), st_now(st), name);
}

int state_server_delete(struct state *st, const char *name, struct vrs_err *err)
{
	char what[160];
	struct db_stmt *s = NULL;
	long long id;
	int rc, n = 0;

	snprintf(what, sizeof(what), "deleting server %s", name);
	if (st_sp_begin(st, err) < 0)
		return -1;
	rc = st_find_id(st, "marketplace_server", "name", name, &id, err);
	if (rc == 1 &&
	    (rc = st_prepare(st, &s, "SELECT count(*) FROM marketplace_project WHERE server_id = ?",
			     err)) == 0) {
		db_bind_int(s, 1, id);
		if (db_step(s) == DB_ROW)
			n = db_col_int(s, 0);
		db_finalize(s);
		if (n > 0)
			rc = err_setc(err, VRS_E_INVALID,
				      "state %s: server %s still hosts %d project%s", st->path,
				      name, n, n == 1 ? "" : "s");
		if (rc >= 0)
			rc = st_run(st, err, what, "DELETE FROM vrs_server_ext WHERE server_id = ?",
				    "I", id);
		if (rc >= 0)
			rc = st_run(st, err, what, "DELETE FROM marketplace_server WHERE id = ?",
				    "I", id);
	}
	if (rc >= 0)
		rc = own_unmark(st, "server", name, what, err);
	return st_sp_end(st, rc < 0 ? -1 : 0);
}

/* ---- base domains ------------------------------------------------------- */

int state_base_domain_upsert(struct state *st, const struct m_base_domain *b, struct vrs_err *err)
{
	struct m_base_domain row = *b;
	char what[300];
	int rc;

	if (st_need_write(st, err) < 0 || st_sp_begin(st, err) < 0)
		return -1;
	snprintf(what, sizeof(what), "base domain %s", b->domain);
	if (row.display_name == NULL)
		row.display_name = row.domain;
	rc = st_map_upsert(st, &st_base_domain_map, "marketplace_base_domain", &row, what, err);
	if (rc >= 0)
		rc = own_mark(st, "base_domain", b->domain, what, err);
	return st_sp_end(st, rc < 0 ? -1 : 0);
}

/* delete the row of table whose keycol is key, and its mark kind; what names it in errors */
static int delete_by_key(struct state *st, const char *table, const char *keycol, const char *kind,
			 const char *what, const char *key, struct vrs_err *err)
{
	char msg[300], sql[160];
	int rc;

	if (st_need_write(st, err) < 0 || st_sp_begin(st, err) < 0)
		return -1;
	snprintf(msg, sizeof(msg), "deleting %s %s (still in use?)", what, key);
	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE %s = ?", table, keycol);
	rc = st_run(st, err, msg, sql, "s", key);
	if (rc >= 0)
		rc = own_unmark(st, kind, key, msg, err);
	return st_sp_end(st, rc < 0 ? -1 : 0);
}

int state_base_domain_delete(struct state *st, const char *domain, struct vrs_err *err)
{
	return delete_by_key(st, "marketplace_base_domain", "domain", "base_domain", "base domain",
			     domain, err);
}

/* ---- project types ------------------------------------------------------ */

int state_project_type_upsert(struct state *st, const struct m_project_type *t, struct vrs_err *err)
{
	char what[160];
	int rc;

	if (st_need_write(st, err) < 0 || st_sp_begin(st, err) < 0)
		return -1;
	snprintf(what, sizeof(what), "project type %s", t->code);
	rc = st_run(st, err, what,
		    "INSERT INTO marketplace_project_type (code, name, trial_days, has_trial, "
		    "is_active, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, TRUE, ?5, ?5) "
		    "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
		    "trial_days = excluded.trial_days, has_trial = excluded.has_trial, "
		    "updated_at = excluded.updated_at",
		    "ssibt", t->code, t->name ? t->name : t->code, t->trial_days,
		    (int)(t->trial_days > 0), st_now(st));
	if (rc >= 0)
		rc = own_mark(st, "project_type", t->code, what, err);
	return st_sp_end(st, rc < 0 ? -1 : 0);
}

int state_project_type_delete(struct state *st, const char *code, struct vrs_err *err)
{
	return delete_by_key(st, "marketplace_project_type", "code", "project_type", "project type",
			     code, err);
}

/* ---- plugins ------------------------------------------------------------ */

int state_plugin_upsert(struct state *st, const struct m_plugin *p, struct vrs_err *err)
{
	char what[160];
	long long id = 0, tid;
	int rc;

	snprintf(what, sizeof(what), "plugin %s", p->name);
	if (st_sp_begin(st, err) < 0)
		return -1;
	rc = st_run(
	    st, err, what,
	    "INSERT INTO marketplace_plugin_meta (name, display_name, is_active, created_at, "
	    "updated_at) VALUES (?1, ?1, TRUE, ?2, ?2) "
	    "ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at",
	    "st", p->name, st_now(st));
	if (rc >= 0)
		rc = st_id_of(st, "marketplace_plugin_meta", "name", p->name, "plugin", &id, err);
	if (rc >= 0)
		rc = st_run(st, err, what,
			    "DELETE FROM marketplace_plugin_price WHERE plugin_id = ?", "I", id);
	for (size_t i = 0; rc >= 0 && i < p->nprices; i++) {
		const struct m_plugin_price *pr = &p->prices[i];
		rc = st_id_of(st, "marketplace_project_type", "code", pr->project_type,
			      "project type", &tid, err);
		if (rc >= 0)
			rc = st_run(
			    st, err, what,
			    "INSERT INTO marketplace_plugin_price (plugin_id, project_type_id, "
			    "billing_cycle, price_cents) VALUES (?, ?, ?, ?)",
			    "IIsi", id, tid, m_billing_cycle_name(pr->billing_cycle),
			    pr->price_cents);
	}
	if (rc >= 0)
		rc = own_mark(st, "plugin", p->name, what, err);
	if (rc < 0)
		err_prefix(err, "plugin %s", p->name);
	return st_sp_end(st, rc < 0 ? -1 : 0);
}

int state_plugin_delete(struct state *st, const char *name, struct vrs_err *err)
{
	char what[160];
	long long id;
	int rc;

	snprintf(what, sizeof(what), "deleting plugin %s (still in a bundle?)", name);
	if (st_sp_begin(st, err) < 0)
		return -1;
	rc = st_find_id(st, "marketplace_plugin_meta", "name", name, &id, err);
	if (rc == 1)
		rc = st_run(st, err, what,
			    "DELETE FROM marketplace_plugin_price WHERE plugin_id = ?", "I", id);
	if (rc >= 0)
		rc = st_run(st, err, what, "DELETE FROM marketplace_plugin_meta WHERE id = ?", "I",
			    id);
	if (rc >= 0)
		rc = own_unmark(st, "plugin", name, what, err);
	return st_sp_end(st, rc < 0 ? -1 : 0);
}

/* ---- bundles ------------------------------------------------------------ */

int state_bundle_upsert(struct state *st, const struct m_bundle *b, struct vrs_err *err)
{
	char what[160];
	long long id = 0, tid = 0, pid;
	int rc;

	snprintf(what, sizeof(what), "bundle %s", b->code);
	if (st_sp_begin(st, err) < 0)
		return -1;
	rc = st_id_of(st, "marketplace_project_type", "code", b->project_type, "project type", &tid,
		      err);
	if (rc >= 0)
		rc = st_run(
		    st, err, what,
		    "INSERT INTO marketplace_bundle (code, name, description, project_type_id, "
		    "is_default, billing_cycle, discount_percent, is_active, sort_order, "
		    "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10) "
		    "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
		    "description = excluded.description, "
		    "project_type_id = excluded.project_type_id, is_default = excluded.is_default, "
		    "billing_cycle = excluded.billing_cycle, "
		    "discount_percent = excluded.discount_percent, is_active = excluded.is_active, "
		    "sort_order = excluded.sort_order, updated_at = excluded.updated_at",
		    "sssIbsibit", b->code, b->name ? b->name : b->code, b->description, tid,
		    (int)b->is_default, m_billing_cycle_name(b->billing_cycle), b->discount_percent,
		    (int)b->is_active, b->sort_order, st_now(st));
	if (rc >= 0)
		rc = st_id_of(st, "marketplace_bundle", "code", b->code, "bundle", &id, err);
	if (rc >= 0)
		rc = st_run(st, err, what,
			    "DELETE FROM marketplace_bundle_plugins WHERE bundle_id = ?", "I", id);
	for (size_t i = 0; rc >= 0 && i < b->nplugins; i++) {
		rc = st_id_of(st, "marketplace_plugin_meta", "name", b->plugins[i], "plugin", &pid,
			      err);
		if (rc >= 0)
			rc = st_run(st, err, what,
				    "INSERT OR IGNORE INTO marketplace_bundle_plugins (bundle_id, "
				    "plugin_id) VALUES (?, ?)",
				    "II", id, pid);
	}
	if (rc >= 0)
		rc = own_mark(st, "bundle", b->code, what, err);
	/* a database error names the state already; a missing plugin gets the bundle */
	if (rc < 0 && err && err->code != VRS_E_IO && err->code != VRS_E_NOMEM)
		err_prefix(err, "bundle %s", b->code);
	return st_sp_end(st, rc < 0 ? -1 : 0);
}

int state_bundle_delete(struct state *st, const char *code, struct vrs_err *err)
{
	char what[160];
	long long id;
	int rc;

	snprintf(what, sizeof(what), "deleting bundle %s (still in use?)", code);
	if (st_sp_begin(st, err) < 0)
		return -1;
	rc = st_find_id(st, "marketplace_bundle", "code", code, &id, err);
	if (rc == 1)
		rc = st_run(st, err, what,
			    "DELETE FROM marketplace_bundle_plugins WHERE bundle_id = ?", "I", id);
	if (rc >= 0)
		rc = st_run(st, err, what, "DELETE FROM marketplace_bundle WHERE id = ?", "I", id);
	if (rc >= 0)
		rc = own_unmark(st, "bundle", code, what, err);
	return st_sp_end(st, rc < 0 ? -1 : 0);
}
