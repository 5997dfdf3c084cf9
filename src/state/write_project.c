/*
 * write_project.c — typed writes of recorded projects: the project row and
 * its extension, status, placement, uuids, retries, trial and api key; its
 * domains; the applied app configuration and env. Same conventions as
 * write.c (SAVEPOINTs, st_now()).
 */
#include "state/state_int.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- projects ----------------------------------------------------------- */

/* the UPDATE of state_project_upsert tests these bits by value */
_Static_assert(PK_BUNDLE == 1 && PK_LIFECYCLE == 2 && PK_SUPERADMIN == 4 &&
		   PK_PAYMENT_METHOD == 8 && PK_BILLING_EMAIL == 32 && PK_STRIPE_CUSTOMER == 64 &&
		   PK_STRIPE_SUBSCRIPTION == 128 && PK_DEMO == 512 && PK_CLONED_FROM == 1024 &&
		   PK_PREVIEW_PROTECTION == 2048,
	       "enum m_pkey bits");

int state_project_upsert(struct state *st, const struct m_project *p, struct vrs_err *err)
{
	char what[160], key[65];
	long long id = 0, tid = 0, bid = 0, cid = 0, now = st_now(st);
	bool created;
	int rc;

	snprintf(what, sizeof(what), "project %s", p->slug);
	if (st_sp_begin(st, err) < 0)
		return -1;
	rc = st_ref_id(st, "marketplace_project_type", "code", "project type", p->project_type,
		       &tid, err);
	if (rc >= 0)
		rc = st_ref_id(st, "marketplace_bundle", "code", "bundle", p->bundle, &bid, err);
	/* the source of a clone may be recorded later: linked then (see below) */
	if (rc >= 0 && p->cloned_from)
		rc = st_find_id(st, "marketplace_project", "slug", p->cloned_from, &cid, err);
	if (rc >= 0)
		rc = st_find_id(st, "marketplace_project", "slug", p->slug, &id, err);
	created = rc == 0;
	if (rc == 0) {
		rc = st_random_hex(32, key, err);
		if (rc >= 0)
			rc = st_run(
			    st, err, what,
			    "INSERT INTO marketplace_project (slug, api_key, provisioning_status, "
			    "created_at, updated_at, name, owner_email, is_active, is_superadmin, "
			    "provisioning_retry_count, is_demo, preview_protection_enabled, "
			    "payment_method) VALUES (?1, ?2, 'draft', ?3, ?3, ?4, ?5, TRUE, FALSE, "
			    "0, "
			    "FALSE, FALSE, 'invoice')",
			    "sstss", p->slug, key, now, p->name ? p->name : p->slug,
			    p->owner_email ? p->owner_email : "");
		if (rc >= 0)
			rc = st_project_id(st, p->slug, &id, err);
	}
	/*
	 * Ownership (docs/OWNERSHIP.md): required keys always; an optional key
	 * on a row vrsctl just created (its defaults fill it) or when the spec
	 * names it; otherwise the column keeps what the application wrote.
	 */
	if (rc >= 0)
		rc = st_run(
		    st, err, what,
		    "UPDATE marketplace_project SET name = ?2, owner_email = ?3, "
		    "project_type_id = ?4, "
		    "bundle_id = CASE WHEN (?16 & 1) <> 0 THEN ?5 ELSE bundle_id END, "
		    "is_active = CASE WHEN (?16 & 2) <> 0 THEN ?6 ELSE is_active END, "
		    "is_superadmin = CASE WHEN (?16 & 4) <> 0 THEN ?7 ELSE is_superadmin END, "
		    "payment_method = CASE WHEN (?16 & 8) <> 0 THEN ?8 ELSE payment_method END, "
		    "billing_email = CASE WHEN (?16 & 32) <> 0 THEN ?9 ELSE billing_email END, "
		    "stripe_customer_id = CASE WHEN (?16 & 64) <> 0 THEN ?10 ELSE "
		    "stripe_customer_id END, "
		    "stripe_subscription_id = CASE WHEN (?16 & 128) <> 0 THEN ?11 "
		    "ELSE stripe_subscription_id END, "
		    "is_demo = CASE WHEN (?16 & 512) <> 0 THEN ?12 ELSE is_demo END, "
		    "cloned_from_project_id = CASE WHEN (?16 & 1024) <> 0 THEN ?13 "
		    "ELSE cloned_from_project_id END, "
		    "preview_protection_enabled = CASE WHEN (?16 & 2048) <> 0 THEN ?14 "
		    "ELSE preview_protection_enabled END, "
		    "updated_at = ?15 WHERE id = ?1",
		    "Issnnbbssssbnbti", id, p->name ? p->name : p->slug,
		    p->owner_email ? p->owner_email : "", tid, bid,
		    (int)(p->lifecycle != LC_ARCHIVED), (int)p->superadmin,
		    m_payment_method_name(p->payment_method), p->billing_email,
		    p->stripe_customer_id, p->stripe_subscription_id, (int)p->demo, cid,
		    (int)p->preview_protection, now, (int)(created ? ~0u >> 1 : p->keys));
	/* a row taken over from the application: vrsctl has written no status of it yet */
	if (rc >= 0)
		rc =
		    st_run(st, err, what,
			   "INSERT INTO vrs_project_ext (project_id, lifecycle, payment_confirmed, "
			   "trial_days, cloned_from_slug, vrs_status) VALUES (?, ?, ?, ?, ?, ?) "
			   "ON CONFLICT (project_id) DO UPDATE SET "
			   "lifecycle = excluded.lifecycle, "
			   "payment_confirmed = excluded.payment_confirmed, "
			   "trial_days = excluded.trial_days, "
			   "cloned_from_slug = excluded.cloned_from_slug",
			   "Isbiss", id, m_lifecycle_name(p->lifecycle), (int)p->payment_confirmed,
			   p->trial_days, p->cloned_from, created ? "draft" : NULL);
	/* clones recorded before this project now point at it */
	if (rc >= 0)
		rc =
		    st_run(st, err, what,
			   "UPDATE marketplace_project SET cloned_from_project_id = ?1 WHERE id IN "
			   "(SELECT project_id FROM vrs_project_ext WHERE cloned_from_slug = ?2) "
			   "AND cloned_from_project_id IS DISTINCT FROM ?1",
			   "Is", id, p->slug);
	if (rc < 0 && err && err->code != VRS_E_IO && err->code != VRS_E_NOMEM)
		err_prefix(err, "project %s", p->slug);
	return st_sp_end(st, rc < 0 ? -1 : 0);
}

int state_project_set_status(struct state *st, const char *slug, enum m_prov_status status,
			     const char *error_or_NULL, struct vrs_err *err)
{
	char what[160];
	int rc;

	snprintf(what, sizeof(what), "project %s", slug);
	if (st_sp_begin(st, err) < 0)
		return -1;
	/* what vrsctl wrote, so that a status it did not write is known as the application's */
	rc = st_run(st, err, what,
		    "UPDATE vrs_project_ext SET vrs_status = ?1 WHERE project_id = "
		    "(SELECT id FROM marketplace_project WHERE slug = ?2)",
		    "ss", m_prov_status_name(status), slug);
	if (rc >= 0)
		rc = st_run1(
		    st, err, what,
		    "UPDATE marketplace_project SET provisioning_status = ?1, "
		    "provisioning_error = ?2, "
		    /* ?5 is ?1 again: on PostgreSQL ?1 is the enum type, ?5 text */
		    "provisioning_started_at = CASE WHEN ?5 IN ('pending_domain', 'provisioning', "
		    "'bootstrapping') AND provisioning_started_at IS NULL THEN ?3 "
		    "ELSE provisioning_started_at END, "
		    "provisioning_completed_at = CASE WHEN ?5 = 'active' THEN ?3 "
		    "ELSE provisioning_completed_at END, "
		    "updated_at = ?3 WHERE slug = ?4",
		    "sstss", m_prov_status_name(status), error_or_NULL, st_now(st), slug,
		    m_prov_status_name(status));
	return st_sp_end(st, rc < 0 ? -1 : 0);
}

int state_project_set_stopped_for_app(struct state *st, const char *slug, bool stopped,
				      struct vrs_err *err)
{
	char what[160];

	snprintf(what, sizeof(what), "project %s", slug);
	return st_run1(st, err, what,
		       "UPDATE vrs_project_ext SET stopped_for_app = ?1 WHERE project_id = "
		       "(SELECT id FROM marketplace_project WHERE slug = ?2)",
		       "bs", (int)stopped, slug);
}

int state_project_place(struct state *st, const char *slug, const char *server_name,
			struct vrs_err *err)
{
	char what[160];
	long long sid = 0;

	snprintf(what, sizeof(what), "project %s", slug);
	if (st_need_write(st, err) < 0 ||
	    st_ref_id(st, "marketplace_server", "name", "server", server_name, &sid, err) < 0)
		return -1;
	return st_run1(
	    st, err, what,
	    "UPDATE marketplace_project SET server_id = ?, updated_at = ? WHERE slug = ?", "nts",
	    sid, st_now(st), slug);
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
	return st_run1(st, err, what, sql[which], "sts", uuid, st_now(st), slug);
}

int state_project_retry_reset(struct state *st, const char *slug, struct vrs_err *err)
{
	char what[160];

	snprintf(what, sizeof(what), "project %s", slug);
	return st_run1(
	    st, err, what,
	    "UPDATE marketplace_project SET provisioning_retry_count = 0, updated_at = ? "
	    "WHERE slug = ?",
	    "ts", st_now(st), slug);
}

int state_project_retry_increment(struct state *st, const char *slug, struct vrs_err *err)
{
	char what[160];

	snprintf(what, sizeof(what), "project %s", slug);
	return st_run1(st, err, what,
		       "UPDATE marketplace_project SET provisioning_retry_count = "
		       "provisioning_retry_count + 1, updated_at = ? WHERE slug = ?",
		       "ts", st_now(st), slug);
}

int state_project_set_trial(struct state *st, const char *slug, long long start, long long end,
			    struct vrs_err *err)
{
	char what[160];

	snprintf(what, sizeof(what), "project %s", slug);
	return st_run1(st, err, what,
		       "UPDATE marketplace_project SET trial_start_date = ?, trial_end_date = ?, "
		       "updated_at = ? WHERE slug = ?",
		       "ttts", start, end, st_now(st), slug);
}

int state_project_ensure_api_key(struct state *st, const char *slug, char **api_key_out,
				 struct vrs_err *err)
{
	struct db_stmt *s = NULL;
	char *key = NULL, fresh[65], what[160];
	int rc;

	*api_key_out = NULL;
	snprintf(what, sizeof(what), "project %s", slug);
	if (st_prepare(st, &s, "SELECT api_key FROM marketplace_project WHERE slug = ?", err) < 0)
		return -1;
	st_bind_text(s, 1, slug);
	rc = db_step(s);
	if (rc == DB_ROW)
		key = st_col_strdup(s, 0);
	db_finalize(s);
	if (rc == DB_DONE)
		return err_setc(err, VRS_E_NOT_FOUND, "state %s: %s not in state", st->path, what);
	if (rc != DB_ROW)
		return st_dberr(st, err, "%s", what);
	if (key && *key) {
		*api_key_out = key;
		return 0;
	}
	free(key);
	if (st_random_hex(32, fresh, err) < 0 ||
	    st_run1(st, err, what, "UPDATE marketplace_project SET api_key = ? WHERE slug = ?",
		    "ss", fresh, slug) < 0)
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
	rc = st_find_id(st, "marketplace_project", "slug", slug, &id, err);
	for (size_t i = 0; rc == 1 && i < sizeof(dels) / sizeof(dels[0]); i++)
		if (st_run(st, err, what, dels[i], "I", id) < 0)
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
	struct db_stmt *s = NULL;
	long long pid = 0, bid = 0, did = 0, owner = 0;
	int rc;

	snprintf(what, sizeof(what), "domain %s", d->fqdn);
	if (st_sp_begin(st, err) < 0)
		return -1;
	rc = st_project_id(st, slug, &pid, err);
	if (rc >= 0)
		rc = st_ref_id(st, "marketplace_base_domain", "domain", "base domain",
			       d->base_domain, &bid, err);
	if (rc >= 0 && d->type == DT_SUBDOMAIN && bid == 0)
		rc = err_setc(err, VRS_E_INVALID, "state %s: %s: a subdomain needs a base domain",
			      st->path, what);
	if (rc >= 0 &&
	    (rc = st_prepare(st, &s,
			     "SELECT d.id, d.project_id, p.slug FROM marketplace_project_domain d "
			     "JOIN marketplace_project p ON p.id = d.project_id WHERE d.domain = ?",
			     err)) == 0) {
		st_bind_text(s, 1, d->fqdn);
		if (db_step(s) == DB_ROW) {
			did = db_col_int(s, 0);
			owner = db_col_int(s, 1);
			if (owner != pid)
				rc = err_setc(err, VRS_E_EXISTS,
					      "state %s: %s belongs to project %s", st->path, what,
					      db_col_text(s, 2));
		}
		db_finalize(s);
	}
	if (rc >= 0 && did == 0) {
		rc = st_run(
		    st, err, what,
		    "INSERT INTO marketplace_project_domain (project_id, domain, domain_type, "
		    "status, is_primary, base_domain_id, subdomain, ssl_provisioned, created_at, "
		    "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, FALSE, ?8, ?8)",
		    "Isssbnst", pid, d->fqdn, m_domain_type_name(d->type),
		    initial_domain_status(d->type), (int)d->primary, bid, d->subdomain, st_now(st));
		if (rc >= 0)
			rc = st_domain_id(st, d->fqdn, &did, err);
	} else if (rc >= 0) {
		rc =
		    st_run(st, err, what,
			   "UPDATE marketplace_project_domain SET domain_type = ?, is_primary = ?, "
			   "base_domain_id = ?, subdomain = ?, updated_at = ? WHERE id = ?",
			   "sbnstI", m_domain_type_name(d->type), (int)d->primary, bid,
			   d->subdomain, st_now(st), did);
	}
	if (rc >= 0)
		rc = st_run(
		    st, err, what,
		    "INSERT INTO vrs_domain_ext (domain_id, max_price_cents, auth_code_kind, "
		    "auth_code_ref) VALUES (?, ?, ?, ?) ON CONFLICT (domain_id) DO UPDATE SET "
		    "max_price_cents = excluded.max_price_cents, "
		    "auth_code_kind = excluded.auth_code_kind, "
		    "auth_code_ref = excluded.auth_code_ref",
		    "Icss", did, d->max_price_cents < 0 ? -1 : d->max_price_cents,
		    d->auth_code_ref == NULL		? NULL
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
	rc = st_find_id(st, "marketplace_project_domain", "domain", fqdn, &id, err);
	if (rc == 1)
		rc = st_run(st, err, what, "DELETE FROM vrs_domain_ext WHERE domain_id = ?", "I",
			    id);
	if (rc >= 0)
		rc = st_run(st, err, what, "DELETE FROM marketplace_project_domain WHERE id = ?",
			    "I", id);
	return st_sp_end(st, rc < 0 ? -1 : 0);
}

int state_domain_set_status(struct state *st, const char *fqdn, enum m_domain_status status,
			    struct vrs_err *err)
{
	char what[320];

	snprintf(what, sizeof(what), "domain %s", fqdn);
	return st_run1(st, err, what,
		       "UPDATE marketplace_project_domain SET status = ?, updated_at = ? "
		       "WHERE domain = ?",
		       "sts", m_domain_status_name(status), st_now(st), fqdn);
}

/*
 * INWX sends record ids as strings (contracts/inwx-api.md); the model
 * documents the column as integers ({"a": 123, "www": 456}), so a decimal
 * id is stored as a JSON number. Anything else stays a string: never lose it.
 */
static int add_record_id(cJSON *o, const char *key, const char *id)
{
	size_t n;

	if (id == NULL)
		return 0;
	n = strlen(id);
	if (n > 0 && n <= 15 && strspn(id, "0123456789") == n && (id[0] != '0' || n == 1))
		return cJSON_AddNumberToObject(o, key, strtod(id, NULL)) ? 0 : -1;
	return cJSON_AddStringToObject(o, key, id) ? 0 : -1;
}

int state_domain_set_records(struct state *st, const char *fqdn, const char *a, const char *aaaa,
			     const char *www, struct vrs_err *err)
{
	char what[320], *json = NULL;
	int rc;

	snprintf(what, sizeof(what), "domain %s", fqdn);
	if (a || aaaa || www) {
		cJSON *o = cJSON_CreateObject();
		if (o == NULL || add_record_id(o, "a", a) < 0 ||
		    add_record_id(o, "aaaa", aaaa) < 0 || add_record_id(o, "www", www) < 0 ||
		    (json = cJSON_PrintUnformatted(o)) == NULL) {
			cJSON_Delete(o);
			return err_setc(err, VRS_E_NOMEM, "out of memory");
		}
		cJSON_Delete(o);
	}
	rc = st_run1(st, err, what,
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
	rc = st_domain_id(st, fqdn, &id, err);
	if (rc >= 0)
		rc = st_run(st, err, what,
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
	return st_run1(st, err, what,
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
	return st_run1(st, err, what,
		       "UPDATE marketplace_project_domain SET expires_at = ?, updated_at = ? "
		       "WHERE domain = ?",
		       "tts", expires_at, st_now(st), fqdn);
}

int state_domain_set_inwx_id(struct state *st, const char *fqdn, long long inwx_domain_id,
			     struct vrs_err *err)
{
	char what[320];

	snprintf(what, sizeof(what), "domain %s", fqdn);
	return st_run1(st, err, what,
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
	if (st_need_write(st, err) < 0 || st_project_id(st, slug, &id, err) < 0)
		return -1;
	return st_run(
		   st, err, what,
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
	if (st_need_write(st, err) < 0 || st_project_id(st, slug, &id, err) < 0)
		return -1;
	return st_run(st, err, what,
		      "INSERT INTO vrs_app_env (project_id, key, is_secret, value, fingerprint) "
		      "VALUES (?, ?, FALSE, ?, NULL) ON CONFLICT (project_id, key) DO UPDATE SET "
		      "is_secret = FALSE, value = excluded.value, fingerprint = NULL",
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
	if (st_need_write(st, err) < 0 || st_project_id(st, slug, &id, err) < 0)
		return -1;
	return st_run(st, err, what,
		      "INSERT INTO vrs_app_env (project_id, key, is_secret, value, fingerprint) "
		      "VALUES (?, ?, TRUE, NULL, ?) ON CONFLICT (project_id, key) DO UPDATE SET "
		      "is_secret = TRUE, value = NULL, fingerprint = excluded.fingerprint",
		      "Iss", id, key, fingerprint_hex) < 0
		   ? -1
		   : 0;
}

int state_app_env_delete(struct state *st, const char *slug, const char *key, struct vrs_err *err)
{
	char what[200];
	long long id;

	snprintf(what, sizeof(what), "env %s of %s", key, slug);
	if (st_need_write(st, err) < 0 || st_project_id(st, slug, &id, err) < 0)
		return -1;
	return st_run(st, err, what, "DELETE FROM vrs_app_env WHERE project_id = ? AND key = ?",
		      "Is", id, key) < 0
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
	rc = st_project_id(st, slug, &id, err);
	if (rc >= 0)
		rc = st_run(st, err, what, "DELETE FROM vrs_app_env WHERE project_id = ?", "I", id);
	if (rc >= 0)
		rc = st_run(st, err, what, "DELETE FROM vrs_app_config WHERE project_id = ?", "I",
			    id);
	return st_sp_end(st, rc < 0 ? -1 : 0);
}
