/*
 * write.c — typed writes of the recorded world: servers, base domains,
 * project types, plugins (+prices), bundles (+plugins), projects, domains
 * and the applied app configuration.
 *
 * Each function does one thing, addressed by spec keys. Multi-statement
 * functions run inside a SAVEPOINT, so they are atomic on their own and
 * nest inside the caller's state_begin()/state_commit() transaction.
 * Timestamps come from st_now() (overridable for tests).
 */
#include "state/state_int.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Bind parameters 1.. from a format: s text (NULL -> NULL), i int, I long
 * long, b bool (passed as int), t time (long long, 0 -> NULL), n long long
 * (0 -> NULL), c int (-1 -> NULL).
 */
static void bindv(sqlite3_stmt *s, const char *fmt, va_list ap)
{
	for (int i = 1; *fmt; fmt++, i++) {
		switch (*fmt) {
		case 's':
			st_bind_text(s, i, va_arg(ap, const char *));
			break;
		case 'i':
		case 'b':
			sqlite3_bind_int(s, i, va_arg(ap, int));
			break;
		case 'I':
			sqlite3_bind_int64(s, i, va_arg(ap, long long));
			break;
		case 't':
			st_bind_time(s, i, va_arg(ap, long long));
			break;
		case 'n': {
			long long v = va_arg(ap, long long);
			if (v == 0)
				sqlite3_bind_null(s, i);
			else
				sqlite3_bind_int64(s, i, v);
			break;
		}
		case 'c': {
			int v = va_arg(ap, int);
			if (v == -1)
				sqlite3_bind_null(s, i);
			else
				sqlite3_bind_int(s, i, v);
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
static int run(struct state *st, struct vrs_err *err, const char *what, const char *sql,
	       const char *fmt, ...)
{
	sqlite3_stmt *s = NULL;
	va_list ap;
	int rc;

	if (st_prepare(st, &s, sql, err) < 0)
		return -1;
	va_start(ap, fmt);
	bindv(s, fmt, ap);
	va_end(ap);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return st_dberr(st, err, "%s", what);
	return sqlite3_changes(st->db);
}

/* run() that must change exactly one row; "WHAT not in state" otherwise */
static int run1(struct state *st, struct vrs_err *err, const char *what, const char *sql,
		const char *fmt, ...)
{
	sqlite3_stmt *s = NULL;
	va_list ap;
	int rc;

	if (st_need_write(st, err) < 0 || st_prepare(st, &s, sql, err) < 0)
		return -1;
	va_start(ap, fmt);
	bindv(s, fmt, ap);
	va_end(ap);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return st_dberr(st, err, "%s", what);
	if (sqlite3_changes(st->db) == 0)
		return err_setc(err, VRS_E_NOT_FOUND, "state %s: %s not in state", st->path, what);
	return 0;
}

/* id by key: 1 found, 0 absent, -1 error */
static int find_id(struct state *st, const char *table, const char *keycol, const char *key,
		   long long *id, struct vrs_err *err)
{
	char sql[160];
	sqlite3_stmt *s = NULL;
	int rc;

	*id = 0;
	snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE %s = ?", table, keycol);
	if (st_prepare(st, &s, sql, err) < 0)
		return -1;
	st_bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return st_dberr(st, err, "looking up %s", key);
}

/* id of a required reference; NULL key gives id 0 (no reference) */
static int ref_id(struct state *st, const char *table, const char *keycol, const char *what,
		  const char *key, long long *id, struct vrs_err *err)
{
	*id = 0;
	if (key == NULL)
		return 0;
	return st_id_of(st, table, keycol, key, what, id, err);
}

static int project_id(struct state *st, const char *slug, long long *id, struct vrs_err *err)
{
	return st_id_of(st, "marketplace_project", "slug", slug, "project", id, err);
}

static int domain_id(struct state *st, const char *fqdn, long long *id, struct vrs_err *err)
{
	return st_id_of(st, "marketplace_project_domain", "domain", fqdn, "domain", id, err);
}

/* ---- servers ------------------------------------------------------------ */

int state_server_upsert(struct state *st, const struct m_server *s, struct vrs_err *err)
{
	char what[160];
	long long now = st_now(st), id = 0;
	int rc;

	snprintf(what, sizeof(what), "server %s", s->name);
	if (st_sp_begin(st, err) < 0)
		return -1;
	rc = run(
	    st, err, what,
	    "INSERT INTO marketplace_server (name, coolify_uuid, ip_address, ssh_port, "
	    "max_projects, is_accepting_new, status, hetzner_server_id, hetzner_server_type, "
	    "hetzner_location, notes, created_at, updated_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12) "
	    "ON CONFLICT (name) DO UPDATE SET coolify_uuid = excluded.coolify_uuid, "
	    "ip_address = excluded.ip_address, ssh_port = excluded.ssh_port, "
	    "max_projects = excluded.max_projects, is_accepting_new = excluded.is_accepting_new, "
	    "status = excluded.status, hetzner_server_id = excluded.hetzner_server_id, "
	    "hetzner_server_type = excluded.hetzner_server_type, "
	    "hetzner_location = excluded.hetzner_location, notes = excluded.notes, "
	    "updated_at = excluded.updated_at",
	    "sssiibsnssst", s->name, s->coolify_uuid, s->ip_address, s->ssh_port, s->max_projects,
	    (int)s->accepting_new, m_server_status_name(s->status), s->hetzner_server_id,
	    s->hetzner_server_type, s->hetzner_location, s->notes, now);
	if (rc >= 0)
		rc = st_id_of(st, "marketplace_server", "name", s->name, "server", &id, err);
	if (rc >= 0)
		rc = run(
		    st, err, what,
		    "INSERT INTO vrs_server_ext (server_id, ipv6_address) VALUES (?, ?) "
		    "ON CONFLICT (server_id) DO UPDATE SET ipv6_address = excluded.ipv6_address",
		    "Is", id, s->ipv6_address);
	return st_sp_end(st, rc < 0 ? -1 : 0);
}

int state_server_set_status(struct state *st, const char *name, enum m_server_status status,
			    struct vrs_err *err)
{
	char what[160];

	snprintf(what, sizeof(what), "server %s", name);
	return run1(st, err, what,
		    "UPDATE marketplace_server SET status = ?, updated_at = ? WHERE name = ?",
		    "sts", m_server_status_name(status), st_now(st), name);
}

int state_server_delete(struct state *st, const char *name, struct vrs_err *err)
{
	char what[160];
	sqlite3_stmt *s = NULL;
	long long id;
	int rc, n = 0;

	snprintf(what, sizeof(what), "deleting server %s", name);
	if (st_sp_begin(st, err) < 0)
		return -1;
	rc = find_id(st, "marketplace_server", "name", name, &id, err);
	if (rc == 1 &&
	    (rc = st_prepare(st, &s, "SELECT count(*) FROM marketplace_project WHERE server_id = ?",
			     err)) == 0) {
		sqlite3_bind_int64(s, 1, id);
		if (sqlite3_step(s) == SQLITE_ROW)
			n = sqlite3_column_int(s, 0);
		sqlite3_finalize(s);
		if (n > 0)
			rc = err_setc(err, VRS_E_INVALID,
				      "state %s: server %s still hosts %d project%s", st->path,
				      name, n, n == 1 ? "" : "s");
		if (rc >= 0)
			rc = run(st, err, what, "DELETE FROM vrs_server_ext WHERE server_id = ?",
				 "I", id);
		if (rc >= 0)
			rc = run(st, err, what, "DELETE FROM marketplace_server WHERE id = ?", "I",
				 id);
	}
	return st_sp_end(st, rc < 0 ? -1 : 0);
}

/* ---- base domains ------------------------------------------------------- */

int state_base_domain_upsert(struct state *st, const struct m_base_domain *b, struct vrs_err *err)
{
	char what[300];

	if (st_need_write(st, err) < 0)
		return -1;
	snprintf(what, sizeof(what), "base domain %s", b->domain);
	return run(st, err, what,
		   "INSERT INTO marketplace_base_domain (domain, display_name, is_active, "
		   "is_default, "
		   "sort_order, has_wildcard_ssl, inwx_domain_id, created_at, updated_at) "
		   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) "
		   "ON CONFLICT (domain) DO UPDATE SET display_name = excluded.display_name, "
		   "is_active = excluded.is_active, is_default = excluded.is_default, "
		   "sort_order = excluded.sort_order, has_wildcard_ssl = "
		   "excluded.has_wildcard_ssl, "
		   "inwx_domain_id = coalesce(excluded.inwx_domain_id, inwx_domain_id), "
		   "updated_at = excluded.updated_at",
		   "ssbbibnt", b->domain, b->display_name ? b->display_name : b->domain,
		   (int)b->is_active, (int)b->is_default, b->sort_order, (int)b->wildcard_ssl,
		   b->inwx_domain_id, st_now(st)) < 0
		   ? -1
		   : 0;
}

int state_base_domain_delete(struct state *st, const char *domain, struct vrs_err *err)
{
	char what[300];

	if (st_need_write(st, err) < 0)
		return -1;
	snprintf(what, sizeof(what), "deleting base domain %s (still in use?)", domain);
	return run(st, err, what, "DELETE FROM marketplace_base_domain WHERE domain = ?", "s",
		   domain) < 0
		   ? -1
		   : 0;
}

/* ---- project types ------------------------------------------------------ */

int state_project_type_upsert(struct state *st, const struct m_project_type *t, struct vrs_err *err)
{
	char what[160];

	if (st_need_write(st, err) < 0)
		return -1;
	snprintf(what, sizeof(what), "project type %s", t->code);
	return run(st, err, what,
		   "INSERT INTO marketplace_project_type (code, name, trial_days, has_trial, "
		   "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5) "
		   "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
		   "trial_days = excluded.trial_days, has_trial = excluded.has_trial, "
		   "updated_at = excluded.updated_at",
		   "ssibt", t->code, t->name ? t->name : t->code, t->trial_days,
		   (int)(t->trial_days > 0), st_now(st)) < 0
		   ? -1
		   : 0;
}

int state_project_type_delete(struct state *st, const char *code, struct vrs_err *err)
{
	char what[160];

	if (st_need_write(st, err) < 0)
		return -1;
	snprintf(what, sizeof(what), "deleting project type %s (still in use?)", code);
	return run(st, err, what, "DELETE FROM marketplace_project_type WHERE code = ?", "s",
		   code) < 0
		   ? -1
		   : 0;
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
	rc = run(st, err, what,
		 "INSERT INTO marketplace_plugin_meta (name, display_name, created_at, updated_at) "
		 "VALUES (?1, ?1, ?2, ?2) "
		 "ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at",
		 "st", p->name, st_now(st));
	if (rc >= 0)
		rc = st_id_of(st, "marketplace_plugin_meta", "name", p->name, "plugin", &id, err);
	if (rc >= 0)
		rc = run(st, err, what, "DELETE FROM marketplace_plugin_price WHERE plugin_id = ?",
			 "I", id);
	for (size_t i = 0; rc >= 0 && i < p->nprices; i++) {
		const struct m_plugin_price *pr = &p->prices[i];
		rc = st_id_of(st, "marketplace_project_type", "code", pr->project_type,
			      "project type", &tid, err);
		if (rc >= 0)
			rc =
			    run(st, err, what,
				"INSERT INTO marketplace_plugin_price (plugin_id, project_type_id, "
				"billing_cycle, price_cents) VALUES (?, ?, ?, ?)",
				"IIsi", id, tid, m_billing_cycle_name(pr->billing_cycle),
				pr->price_cents);
	}
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
	rc = find_id(st, "marketplace_plugin_meta", "name", name, &id, err);
	if (rc == 1)
		rc = run(st, err, what, "DELETE FROM marketplace_plugin_price WHERE plugin_id = ?",
			 "I", id);
	if (rc >= 0)
		rc =
		    run(st, err, what, "DELETE FROM marketplace_plugin_meta WHERE id = ?", "I", id);
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
		rc = run(
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
		rc = run(st, err, what,
			 "DELETE FROM marketplace_bundle_plugins WHERE bundle_id = ?", "I", id);
	for (size_t i = 0; rc >= 0 && i < b->nplugins; i++) {
		rc = st_id_of(st, "marketplace_plugin_meta", "name", b->plugins[i], "plugin", &pid,
			      err);
		if (rc >= 0)
			rc = run(st, err, what,
				 "INSERT OR IGNORE INTO marketplace_bundle_plugins (bundle_id, "
				 "plugin_id) VALUES (?, ?)",
				 "II", id, pid);
	}
	if (rc < 0 && strncmp(err ? err->msg : "", "state ", 6) != 0)
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
	rc = find_id(st, "marketplace_bundle", "code", code, &id, err);
	if (rc == 1)
		rc = run(st, err, what,
			 "DELETE FROM marketplace_bundle_plugins WHERE bundle_id = ?", "I", id);
	if (rc >= 0)
		rc = run(st, err, what, "DELETE FROM marketplace_bundle WHERE id = ?", "I", id);
	return st_sp_end(st, rc < 0 ? -1 : 0);
}

/* ---- projects ----------------------------------------------------------- */

int state_project_upsert(struct state *st, const struct m_project *p, struct vrs_err *err)
{
	char what[160], key[65];
	long long id = 0, tid = 0, bid = 0, cid = 0, now = st_now(st);
	int rc;

	snprintf(what, sizeof(what), "project %s", p->slug);
	if (st_sp_begin(st, err) < 0)
		return -1;
	rc = ref_id(st, "marketplace_project_type", "code", "project type", p->project_type, &tid,
		    err);
	if (rc >= 0)
		rc = ref_id(st, "marketplace_bundle", "code", "bundle", p->bundle, &bid, err);
	/* the source of a clone may be recorded later: linked then (see below) */
	if (rc >= 0 && p->cloned_from)
		rc = find_id(st, "marketplace_project", "slug", p->cloned_from, &cid, err);
	if (rc >= 0)
		rc = find_id(st, "marketplace_project", "slug", p->slug, &id, err);
	if (rc == 0) {
		rc = st_random_hex(32, key, err);
		if (rc >= 0)
			rc = run(
			    st, err, what,
			    "INSERT INTO marketplace_project (slug, api_key, provisioning_status, "
			    "created_at, updated_at, name, owner_email) "
			    "VALUES (?1, ?2, 'draft', ?3, ?3, ?4, ?5)",
			    "sstss", p->slug, key, now, p->name ? p->name : p->slug,
			    p->owner_email ? p->owner_email : "");
		if (rc >= 0)
			rc = project_id(st, p->slug, &id, err);
	}
	if (rc >= 0)
		rc = run(
		    st, err, what,
		    "UPDATE marketplace_project SET name = ?2, owner_email = ?3, "
		    "project_type_id = ?4, bundle_id = ?5, is_active = ?6, is_superadmin = ?7, "
		    "payment_method = ?8, billing_email = ?9, stripe_customer_id = ?10, "
		    "stripe_subscription_id = ?11, is_demo = ?12, cloned_from_project_id = ?13, "
		    "preview_protection_enabled = ?14, updated_at = ?15 WHERE id = ?1",
		    "Issnnbbssssbnbt", id, p->name ? p->name : p->slug,
		    p->owner_email ? p->owner_email : "", tid, bid,
		    (int)(p->lifecycle != LC_ARCHIVED), (int)p->superadmin,
		    m_payment_method_name(p->payment_method), p->billing_email,
		    p->stripe_customer_id, p->stripe_subscription_id, (int)p->demo, cid,
		    (int)p->preview_protection, now);
	if (rc >= 0)
		rc = run(st, err, what,
			 "INSERT INTO vrs_project_ext (project_id, lifecycle, payment_confirmed, "
			 "trial_days, cloned_from_slug) VALUES (?, ?, ?, ?, ?) "
			 "ON CONFLICT (project_id) DO UPDATE SET "
			 "lifecycle = excluded.lifecycle, "
			 "payment_confirmed = excluded.payment_confirmed, "
			 "trial_days = excluded.trial_days, "
			 "cloned_from_slug = excluded.cloned_from_slug",
			 "Isbis", id, m_lifecycle_name(p->lifecycle), (int)p->payment_confirmed,
			 p->trial_days, p->cloned_from);
	/* clones recorded before this project now point at it */
	if (rc >= 0)
		rc = run(st, err, what,
			 "UPDATE marketplace_project SET cloned_from_project_id = ?1 WHERE id IN "
			 "(SELECT project_id FROM vrs_project_ext WHERE cloned_from_slug = ?2) "
			 "AND cloned_from_project_id IS NOT ?1",
			 "Is", id, p->slug);
	if (rc < 0 && err && strncmp(err->msg, "state ", 6) != 0)
		err_prefix(err, "project %s", p->slug);
	return st_sp_end(st, rc < 0 ? -1 : 0);
}

int state_project_set_status(struct state *st, const char *slug, enum m_prov_status status,
			     const char *error_or_NULL, struct vrs_err *err)
{
	char what[160];

	snprintf(what, sizeof(what), "project %s", slug);
	return run1(st, err, what,
		    "UPDATE marketplace_project SET provisioning_status = ?1, "
		    "provisioning_error = ?2, "
		    "provisioning_started_at = CASE WHEN ?1 IN ('pending_domain', 'provisioning', "
		    "'bootstrapping') AND provisioning_started_at IS NULL THEN ?3 "
		    "ELSE provisioning_started_at END, "
		    "provisioning_completed_at = CASE WHEN ?1 = 'active' THEN ?3 "
		    "ELSE provisioning_completed_at END, "
		    "updated_at = ?3 WHERE slug = ?4",
		    "ssts", m_prov_status_name(status), error_or_NULL, st_now(st), slug);
}

int state_project_place(struct state *st, const char *slug, const char *server_name,
			struct vrs_err *err)
{
	char what[160];
	long long sid = 0;

	snprintf(what, sizeof(what), "project %s", slug);
	if (st_need_write(st, err) < 0 ||
	    ref_id(st, "marketplace_server", "name", "server", server_name, &sid, err) < 0)
		return -1;
	return run1(st, err, what,
		    "UPDATE marketplace_project SET server_id = ?, updated_at = ? WHERE slug = ?",
		    "nts", sid, st_now(st), slug);
}

int state_project_set_uuid(struct state *st, const char *slug, enum state_uuid which,
			   const char *uuid, struct vrs_err *err)
{
	static const char *const sql[] = {
	    [SU_COOLIFY_PROJECT] = "UPDATE marketplace_project SET coolify_project_uuid = ?, "
				   "updated_at = ? WHERE slug = ?",
	    [SU_COOLIFY_ENVIRONMENT] = "UPDATE marketplace_project SET "
				       "coolify_environment_uuid = ?, updated_at = ? "
				       "WHERE slug = ?",
	    [SU_COOLIFY_APP] = "UPDATE marketplace_project SET coolify_app_uuid = ?, "
			       "updated_at = ? WHERE slug = ?",
	};
	char what[160];

	if ((int)which < 0 || (int)which > SU_COOLIFY_APP)
		return err_setc(err, VRS_E_INVALID, "state: bad uuid kind %d", (int)which);
	snprintf(what, sizeof(what), "project %s", slug);
	return run1(st, err, what, sql[which], "sts", uuid, st_now(st), slug);
}

int state_project_retry_reset(struct state *st, const char *slug, struct vrs_err *err)
{
	char what[160];

	snprintf(what, sizeof(what), "project %s", slug);
	return run1(st, err, what,
		    "UPDATE marketplace_project SET provisioning_retry_count = 0, updated_at = ? "
		    "WHERE slug = ?",
		    "ts", st_now(st), slug);
}

int state_project_retry_increment(struct state *st, const char *slug, struct vrs_err *err)
{
	char what[160];

	snprintf(what, sizeof(what), "project %s", slug);
	return run1(st, err, what,
		    "UPDATE marketplace_project SET provisioning_retry_count = "
		    "provisioning_retry_count + 1, updated_at = ? WHERE slug = ?",
		    "ts", st_now(st), slug);
}

int state_project_set_trial(struct state *st, const char *slug, long long start, long long end,
			    struct vrs_err *err)
{
	char what[160];

	snprintf(what, sizeof(what), "project %s", slug);
	return run1(st, err, what,
		    "UPDATE marketplace_project SET trial_start_date = ?, trial_end_date = ?, "
		    "updated_at = ? WHERE slug = ?",
		    "ttts", start, end, st_now(st), slug);
}

int state_project_ensure_api_key(struct state *st, const char *slug, char **api_key_out,
				 struct vrs_err *err)
{
	sqlite3_stmt *s = NULL;
	char *key = NULL, fresh[65], what[160];
	int rc;

	*api_key_out = NULL;
	snprintf(what, sizeof(what), "project %s", slug);
	if (st_prepare(st, &s, "SELECT api_key FROM marketplace_project WHERE slug = ?", err) < 0)
		return -1;
	st_bind_text(s, 1, slug);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		key = st_col_strdup(s, 0);
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return err_setc(err, VRS_E_NOT_FOUND, "state %s: %s not in state", st->path, what);
	if (rc != SQLITE_ROW)
		return st_dberr(st, err, "%s", what);
	if (key && *key) {
		*api_key_out = key;
		return 0;
	}
	free(key);
	if (st_random_hex(32, fresh, err) < 0 ||
	    run1(st, err, what, "UPDATE marketplace_project SET api_key = ? WHERE slug = ?", "ss",
		 fresh, slug) < 0)
		return -1;
	if ((*api_key_out = strdup(fresh)) == NULL)
		return err_setc(err, VRS_E_NOMEM, "out of memory");
	return 0;
}

int state_project_delete(struct state *st, const char *slug, struct vrs_err *err)
{
	static const char *const dels[] = {
	    /* clones keep their cloned_from slug and are re-linked if it comes back */
	    "UPDATE marketplace_project SET cloned_from_project_id = NULL "
	    "WHERE cloned_from_project_id = ?",
	    "DELETE FROM vrs_domain_ext WHERE domain_id IN "
	    "(SELECT id FROM marketplace_project_domain WHERE project_id = ?)",
	    "DELETE FROM marketplace_project_domain WHERE project_id = ?",
	    "DELETE FROM marketplace_preview_access WHERE project_id = ?",
	    "DELETE FROM vrs_app_env WHERE project_id = ?",
	    "DELETE FROM vrs_app_config WHERE project_id = ?",
	    "DELETE FROM vrs_project_ext WHERE project_id = ?",
	    "DELETE FROM marketplace_provisioning_log WHERE project_id = ?",
	    "DELETE FROM marketplace_project WHERE id = ?",
	};
	char what[160];
	long long id;
	int rc;

	snprintf(what, sizeof(what), "deleting project %s", slug);
	if (st_sp_begin(st, err) < 0)
		return -1;
	rc = find_id(st, "marketplace_project", "slug", slug, &id, err);
	for (size_t i = 0; rc == 1 && i < sizeof(dels) / sizeof(dels[0]); i++)
		if (run(st, err, what, dels[i], "I", id) < 0)
			rc = -1;
	return st_sp_end(st, rc < 0 ? -1 : 0);
}

/* ---- domains ------------------------------------------------------------ */

static const char *initial_domain_status(enum m_domain_type t)
{
	switch (t) {
	case DT_REGISTERED:
		return "pending_registration";
	case DT_TRANSFERRED:
		return "pending_transfer";
	default:
		return "pending_dns";
	}
}

int state_domain_upsert(struct state *st, const char *slug, const struct m_domain *d,
			struct vrs_err *err)
{
	char what[320];
	sqlite3_stmt *s = NULL;
	long long pid = 0, bid = 0, did = 0, owner = 0;
	int rc;

	snprintf(what, sizeof(what), "domain %s", d->fqdn);
	if (st_sp_begin(st, err) < 0)
		return -1;
	rc = project_id(st, slug, &pid, err);
	if (rc >= 0)
		rc = ref_id(st, "marketplace_base_domain", "domain", "base domain", d->base_domain,
			    &bid, err);
	if (rc >= 0 && d->type == DT_SUBDOMAIN && bid == 0)
		rc = err_setc(err, VRS_E_INVALID, "state %s: %s: a subdomain needs a base domain",
			      st->path, what);
	if (rc >= 0 &&
	    (rc = st_prepare(st, &s,
			     "SELECT d.id, d.project_id, p.slug FROM marketplace_project_domain d "
			     "JOIN marketplace_project p ON p.id = d.project_id WHERE d.domain = ?",
			     err)) == 0) {
		st_bind_text(s, 1, d->fqdn);
		if (sqlite3_step(s) == SQLITE_ROW) {
			did = sqlite3_column_int64(s, 0);
			owner = sqlite3_column_int64(s, 1);
			if (owner != pid)
				rc = err_setc(err, VRS_E_EXISTS,
					      "state %s: %s belongs to project %s", st->path, what,
					      (const char *)sqlite3_column_text(s, 2));
		}
		sqlite3_finalize(s);
	}
	if (rc >= 0 && did == 0) {
		rc = run(st, err, what,
			 "INSERT INTO marketplace_project_domain (project_id, domain, domain_type, "
			 "status, is_primary, base_domain_id, subdomain, created_at, updated_at) "
			 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
			 "Isssbnst", pid, d->fqdn, m_domain_type_name(d->type),
			 initial_domain_status(d->type), (int)d->primary, bid, d->subdomain,
			 st_now(st));
		if (rc >= 0)
			rc = domain_id(st, d->fqdn, &did, err);
	} else if (rc >= 0) {
		rc = run(st, err, what,
			 "UPDATE marketplace_project_domain SET domain_type = ?, is_primary = ?, "
			 "base_domain_id = ?, subdomain = ?, updated_at = ? WHERE id = ?",
			 "sbnstI", m_domain_type_name(d->type), (int)d->primary, bid, d->subdomain,
			 st_now(st), did);
	}
	if (rc >= 0)
		rc = run(st, err, what,
			 "INSERT INTO vrs_domain_ext (domain_id, max_price_cents, auth_code_kind, "
			 "auth_code_ref) VALUES (?, ?, ?, ?) ON CONFLICT (domain_id) DO UPDATE SET "
			 "max_price_cents = excluded.max_price_cents, "
			 "auth_code_kind = excluded.auth_code_kind, "
			 "auth_code_ref = excluded.auth_code_ref",
			 "Icss", did, d->max_price_cents < 0 ? -1 : d->max_price_cents,
			 d->auth_code_ref == NULL	     ? NULL
			 : d->auth_code_kind == VK_FROM_FILE ? "from_file"
							     : "from_env",
			 d->auth_code_ref);
	return st_sp_end(st, rc < 0 ? -1 : 0);
}

int state_domain_delete(struct state *st, const char *fqdn, struct vrs_err *err)
{
	char what[320];
	long long id;
	int rc;

	snprintf(what, sizeof(what), "deleting domain %s", fqdn);
	if (st_sp_begin(st, err) < 0)
		return -1;
	rc = find_id(st, "marketplace_project_domain", "domain", fqdn, &id, err);
	if (rc == 1)
		rc = run(st, err, what, "DELETE FROM vrs_domain_ext WHERE domain_id = ?", "I", id);
	if (rc >= 0)
		rc = run(st, err, what, "DELETE FROM marketplace_project_domain WHERE id = ?", "I",
			 id);
	return st_sp_end(st, rc < 0 ? -1 : 0);
}

int state_domain_set_status(struct state *st, const char *fqdn, enum m_domain_status status,
			    struct vrs_err *err)
{
	char what[320];

	snprintf(what, sizeof(what), "domain %s", fqdn);
	return run1(st, err, what,
		    "UPDATE marketplace_project_domain SET status = ?, updated_at = ? "
		    "WHERE domain = ?",
		    "sts", m_domain_status_name(status), st_now(st), fqdn);
}

int state_domain_set_records(struct state *st, const char *fqdn, const char *a, const char *aaaa,
			     const char *www, struct vrs_err *err)
{
	char what[320], *json = NULL;
	int rc;

	snprintf(what, sizeof(what), "domain %s", fqdn);
	if (a || aaaa || www) {
		cJSON *o = cJSON_CreateObject();
		if (o == NULL || (a && !cJSON_AddStringToObject(o, "a", a)) ||
		    (aaaa && !cJSON_AddStringToObject(o, "aaaa", aaaa)) ||
		    (www && !cJSON_AddStringToObject(o, "www", www)) ||
		    (json = cJSON_PrintUnformatted(o)) == NULL) {
			cJSON_Delete(o);
			return err_setc(err, VRS_E_NOMEM, "out of memory");
		}
		cJSON_Delete(o);
	}
	rc = run1(st, err, what,
		  "UPDATE marketplace_project_domain SET inwx_record_ids = ?, updated_at = ? "
		  "WHERE domain = ?",
		  "sts", json, st_now(st), fqdn);
	cJSON_free(json);
	return rc;
}

int state_domain_set_zone(struct state *st, const char *fqdn, const char *zone, struct vrs_err *err)
{
	char what[320];
	long long id;
	int rc;

	snprintf(what, sizeof(what), "domain %s", fqdn);
	if (st_sp_begin(st, err) < 0)
		return -1;
	rc = domain_id(st, fqdn, &id, err);
	if (rc >= 0)
		rc = run(st, err, what,
			 "INSERT INTO vrs_domain_ext (domain_id, zone) VALUES (?, ?) "
			 "ON CONFLICT (domain_id) DO UPDATE SET zone = excluded.zone",
			 "Is", id, zone);
	return st_sp_end(st, rc < 0 ? -1 : 0);
}

int state_domain_set_costs(struct state *st, const char *fqdn, int registration_cents,
			   int renewal_cents, struct vrs_err *err)
{
	char what[320];

	snprintf(what, sizeof(what), "domain %s", fqdn);
	return run1(st, err, what,
		    "UPDATE marketplace_project_domain SET registration_cost_cents = ?, "
		    "renewal_cost_cents = ?, updated_at = ? WHERE domain = ?",
		    "ccts", registration_cents < 0 ? -1 : registration_cents,
		    renewal_cents < 0 ? -1 : renewal_cents, st_now(st), fqdn);
}

int state_domain_set_expiry(struct state *st, const char *fqdn, long long expires_at,
			    struct vrs_err *err)
{
	char what[320];

	snprintf(what, sizeof(what), "domain %s", fqdn);
	return run1(st, err, what,
		    "UPDATE marketplace_project_domain SET expires_at = ?, updated_at = ? "
		    "WHERE domain = ?",
		    "tts", expires_at, st_now(st), fqdn);
}

int state_domain_set_inwx_id(struct state *st, const char *fqdn, long long inwx_domain_id,
			     struct vrs_err *err)
{
	char what[320];

	snprintf(what, sizeof(what), "domain %s", fqdn);
	return run1(st, err, what,
		    "UPDATE marketplace_project_domain SET inwx_domain_id = ?, updated_at = ? "
		    "WHERE domain = ?",
		    "nts", inwx_domain_id, st_now(st), fqdn);
}

/* ---- applied app configuration ------------------------------------------ */

int state_app_set(struct state *st, const char *slug, const char *image, int port,
		  const char *health_path, const char *fqdns, struct vrs_err *err)
{
	char what[160];
	long long id;

	snprintf(what, sizeof(what), "app config of %s", slug);
	if (st_need_write(st, err) < 0 || project_id(st, slug, &id, err) < 0)
		return -1;
	return run(st, err, what,
		   "INSERT INTO vrs_app_config (project_id, image, port, health_path, fqdns, "
		   "applied_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (project_id) DO UPDATE SET "
		   "image = excluded.image, port = excluded.port, "
		   "health_path = excluded.health_path, fqdns = excluded.fqdns, "
		   "applied_at = excluded.applied_at",
		   "Isisst", id, image, port, health_path, fqdns, st_now(st)) < 0
		   ? -1
		   : 0;
}

int state_app_env_set_literal(struct state *st, const char *slug, const char *key,
			      const char *value, struct vrs_err *err)
{
	char what[200];
	long long id;

	snprintf(what, sizeof(what), "env %s of %s", key, slug);
	if (st_need_write(st, err) < 0 || project_id(st, slug, &id, err) < 0)
		return -1;
	return run(st, err, what,
		   "INSERT INTO vrs_app_env (project_id, key, is_secret, value, fingerprint) "
		   "VALUES (?, ?, 0, ?, NULL) ON CONFLICT (project_id, key) DO UPDATE SET "
		   "is_secret = 0, value = excluded.value, fingerprint = NULL",
		   "Iss", id, key, value ? value : "") < 0
		   ? -1
		   : 0;
}

/* 64 hex digits: what an HMAC-SHA256 fingerprint looks like (never a plaintext) */
static bool is_fingerprint(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return false;
	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n == 64;
}

int state_app_env_set_secret(struct state *st, const char *slug, const char *key,
			     const char *fingerprint_hex, struct vrs_err *err)
{
	char what[200];
	long long id;

	snprintf(what, sizeof(what), "env %s of %s", key, slug);
	if (!is_fingerprint(fingerprint_hex))
		return err_setc(err, VRS_E_INVALID,
				"state: %s: a secret is stored as a 64-hex-digit fingerprint",
				what);
	if (st_need_write(st, err) < 0 || project_id(st, slug, &id, err) < 0)
		return -1;
	return run(st, err, what,
		   "INSERT INTO vrs_app_env (project_id, key, is_secret, value, fingerprint) "
		   "VALUES (?, ?, 1, NULL, ?) ON CONFLICT (project_id, key) DO UPDATE SET "
		   "is_secret = 1, value = NULL, fingerprint = excluded.fingerprint",
		   "Iss", id, key, fingerprint_hex) < 0
		   ? -1
		   : 0;
}

int state_app_env_delete(struct state *st, const char *slug, const char *key, struct vrs_err *err)
{
	char what[200];
	long long id;

	snprintf(what, sizeof(what), "env %s of %s", key, slug);
	if (st_need_write(st, err) < 0 || project_id(st, slug, &id, err) < 0)
		return -1;
	return run(st, err, what, "DELETE FROM vrs_app_env WHERE project_id = ? AND key = ?", "Is",
		   id, key) < 0
		   ? -1
		   : 0;
}

int state_app_clear(struct state *st, const char *slug, struct vrs_err *err)
{
	char what[160];
	long long id;
	int rc;

	snprintf(what, sizeof(what), "app config of %s", slug);
	if (st_sp_begin(st, err) < 0)
		return -1;
	rc = project_id(st, slug, &id, err);
	if (rc >= 0)
		rc = run(st, err, what, "DELETE FROM vrs_app_env WHERE project_id = ?", "I", id);
	if (rc >= 0)
		rc = run(st, err, what, "DELETE FROM vrs_app_config WHERE project_id = ?", "I", id);
	return st_sp_end(st, rc < 0 ? -1 : 0);
}
