/*
 * load.c — state_load: the recorded world, read from the database into the
 * model's structs (model/model.h).
 *
 * One query per object kind, ordered by its key (BINARY collation, which
 * orders like strcmp), so the arrays come out sorted as world_sort leaves
 * them. Children (prices, bundle plugins, domains, env) are attached by
 * looking up the parent's id in the already loaded, id-ordered arrays.
 */
#include "state/state_int.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* grow *v (element size sz) to hold n+1 elements; returns the new slot, zeroed */
static void *grow(void **v, size_t *n, size_t sz)
{
	char *p = realloc(*v, (*n + 1) * sz);

	if (p == NULL)
		return NULL;
	*v = p;
	memset(p + *n * sz, 0, sz);
	return p + (*n)++ * sz;
}

#define GROW(arr, n) grow((void **)&(arr), &(n), sizeof(*(arr)))

static int oom(struct vrs_err *err)
{
	return err_setc(err, VRS_E_NOMEM, "out of memory");
}

/* step helper: SQLITE_ROW -> 1, SQLITE_DONE -> 0, error -> -1 (err set) */
static int step(struct state *st, sqlite3_stmt *s, const char *what, struct vrs_err *err)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return st_dberr(st, err, "reading %s", what);
}

static int col_int(sqlite3_stmt *s, int i, int dflt)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? dflt : sqlite3_column_int(s, i);
}

static int load_servers(struct state *st, struct m_world *w, struct vrs_err *err)
{
	sqlite3_stmt *s;
	int r;

	if (st_prepare(
		st, &s,
		"SELECT s.id, s.name, s.coolify_uuid, s.ip_address, x.ipv6_address, s.ssh_port, "
		"s.max_projects, s.is_accepting_new, s.status, s.hetzner_server_id, "
		"s.hetzner_server_type, s.hetzner_location, s.notes "
		"FROM marketplace_server s LEFT JOIN vrs_server_ext x ON x.server_id = s.id "
		"ORDER BY s.name",
		err) < 0)
		return -1;
	while ((r = step(st, s, "servers", err)) == 1) {
		struct m_server *v = GROW(w->servers, w->nservers);
		if (v == NULL) {
			r = oom(err);
			break;
		}
		v->id = sqlite3_column_int64(s, 0);
		v->name = st_col_strdup(s, 1);
		v->coolify_uuid = st_col_strdup(s, 2);
		v->ip_address = st_col_strdup(s, 3);
		v->ipv6_address = st_col_strdup(s, 4);
		v->ssh_port = sqlite3_column_int(s, 5);
		v->max_projects = sqlite3_column_int(s, 6);
		v->accepting_new = sqlite3_column_int(s, 7) != 0;
		if (m_server_status_parse((const char *)sqlite3_column_text(s, 8), &v->status) < 0)
			v->status = SS_OFFLINE;
		v->hetzner_server_id = sqlite3_column_int64(s, 9);
		v->hetzner_server_type = st_col_strdup(s, 10);
		v->hetzner_location = st_col_strdup(s, 11);
		v->notes = st_col_strdup(s, 12);
	}
	sqlite3_finalize(s);
	return r < 0 ? -1 : 0;
}

static int load_base_domains(struct state *st, struct m_world *w, struct vrs_err *err)
{
	sqlite3_stmt *s;
	int r;

	if (st_prepare(
		st, &s,
		"SELECT id, domain, display_name, is_active, is_default, sort_order, "
		"has_wildcard_ssl, inwx_domain_id FROM marketplace_base_domain ORDER BY domain",
		err) < 0)
		return -1;
	while ((r = step(st, s, "base domains", err)) == 1) {
		struct m_base_domain *v = GROW(w->base_domains, w->nbase_domains);
		if (v == NULL) {
			r = oom(err);
			break;
		}
		v->id = sqlite3_column_int64(s, 0);
		v->domain = st_col_strdup(s, 1);
		v->display_name = st_col_strdup(s, 2);
		v->is_active = sqlite3_column_int(s, 3) != 0;
		v->is_default = sqlite3_column_int(s, 4) != 0;
		v->sort_order = sqlite3_column_int(s, 5);
		v->wildcard_ssl = sqlite3_column_int(s, 6) != 0;
		v->inwx_domain_id = sqlite3_column_int64(s, 7);
	}
	sqlite3_finalize(s);
	return r < 0 ? -1 : 0;
}

static int load_project_types(struct state *st, struct m_world *w, struct vrs_err *err)
{
	sqlite3_stmt *s;
	int r;

	if (st_prepare(
		st, &s,
		"SELECT id, code, name, trial_days FROM marketplace_project_type ORDER BY code",
		err) < 0)
		return -1;
	while ((r = step(st, s, "project types", err)) == 1) {
		struct m_project_type *v = GROW(w->project_types, w->nproject_types);
		if (v == NULL) {
			r = oom(err);
			break;
		}
		v->id = sqlite3_column_int64(s, 0);
		v->code = st_col_strdup(s, 1);
		v->name = st_col_strdup(s, 2);
		v->trial_days = sqlite3_column_int(s, 3);
	}
	sqlite3_finalize(s);
	return r < 0 ? -1 : 0;
}

static struct m_plugin *plugin_by_id(struct m_world *w, long long id)
{
	for (size_t i = 0; i < w->nplugins; i++)
		if (w->plugins[i].id == id)
			return &w->plugins[i];
	return NULL;
}

static int load_plugins(struct state *st, struct m_world *w, struct vrs_err *err)
{
	sqlite3_stmt *s;
	int r;

	if (st_prepare(st, &s, "SELECT id, name FROM marketplace_plugin_meta ORDER BY name", err) <
	    0)
		return -1;
	while ((r = step(st, s, "plugins", err)) == 1) {
		struct m_plugin *v = GROW(w->plugins, w->nplugins);
		if (v == NULL) {
			r = oom(err);
			break;
		}
		v->id = sqlite3_column_int64(s, 0);
		v->name = st_col_strdup(s, 1);
	}
	sqlite3_finalize(s);
	if (r < 0)
		return -1;
	/* prices ordered by (project type code, cycle in enum order) */
	if (st_prepare(st, &s,
		       "SELECT p.plugin_id, t.code, p.billing_cycle, p.price_cents "
		       "FROM marketplace_plugin_price p JOIN marketplace_project_type t "
		       "ON t.id = p.project_type_id ORDER BY p.plugin_id, t.code, "
		       "CASE p.billing_cycle WHEN 'once' THEN 0 WHEN 'monthly' THEN 1 ELSE 2 END",
		       err) < 0)
		return -1;
	while ((r = step(st, s, "plugin prices", err)) == 1) {
		struct m_plugin *pl = plugin_by_id(w, sqlite3_column_int64(s, 0));
		struct m_plugin_price *v;
		if (pl == NULL)
			continue;
		if ((v = GROW(pl->prices, pl->nprices)) == NULL) {
			r = oom(err);
			break;
		}
		v->project_type = st_col_strdup(s, 1);
		if (m_billing_cycle_parse((const char *)sqlite3_column_text(s, 2),
					  &v->billing_cycle) < 0)
			v->billing_cycle = BC_MONTHLY;
		v->price_cents = sqlite3_column_int(s, 3);
	}
	sqlite3_finalize(s);
	return r < 0 ? -1 : 0;
}

static int load_bundles(struct state *st, struct m_world *w, struct vrs_err *err)
{
	sqlite3_stmt *s;
	int r;

	if (st_prepare(st, &s,
		       "SELECT b.id, b.code, b.name, b.description, t.code, b.billing_cycle, "
		       "b.discount_percent, b.is_default, b.is_active, b.sort_order "
		       "FROM marketplace_bundle b JOIN marketplace_project_type t "
		       "ON t.id = b.project_type_id ORDER BY b.code",
		       err) < 0)
		return -1;
	while ((r = step(st, s, "bundles", err)) == 1) {
		struct m_bundle *v = GROW(w->bundles, w->nbundles);
		if (v == NULL) {
			r = oom(err);
			break;
		}
		v->id = sqlite3_column_int64(s, 0);
		v->code = st_col_strdup(s, 1);
		v->name = st_col_strdup(s, 2);
		v->description = st_col_strdup(s, 3);
		v->project_type = st_col_strdup(s, 4);
		if (m_billing_cycle_parse((const char *)sqlite3_column_text(s, 5),
					  &v->billing_cycle) < 0)
			v->billing_cycle = BC_MONTHLY;
		v->discount_percent = sqlite3_column_int(s, 6);
		v->is_default = sqlite3_column_int(s, 7) != 0;
		v->is_active = sqlite3_column_int(s, 8) != 0;
		v->sort_order = sqlite3_column_int(s, 9);
	}
	sqlite3_finalize(s);
	if (r < 0)
		return -1;
	if (st_prepare(st, &s,
		       "SELECT bp.bundle_id, p.name FROM marketplace_bundle_plugins bp "
		       "JOIN marketplace_plugin_meta p ON p.id = bp.plugin_id "
		       "ORDER BY bp.bundle_id, p.name",
		       err) < 0)
		return -1;
	while ((r = step(st, s, "bundle plugins", err)) == 1) {
		long long bid = sqlite3_column_int64(s, 0);
		struct m_bundle *b = NULL;
		char **slot;
		for (size_t i = 0; i < w->nbundles && b == NULL; i++)
			if (w->bundles[i].id == bid)
				b = &w->bundles[i];
		if (b == NULL)
			continue;
		if ((slot = GROW(b->plugins, b->nplugins)) == NULL ||
		    (*slot = st_col_strdup(s, 1)) == NULL) {
			r = oom(err);
			break;
		}
	}
	sqlite3_finalize(s);
	return r < 0 ? -1 : 0;
}

/*
 * Projects by database id, for the env and domain rows that refer to them:
 * an id-sorted index built once, so loading N projects with their domains
 * costs N log N, not N x rows.
 */
struct project_ids {
	struct project_id_ref {
		long long id;
		struct m_project *p;
	} * v;
	size_t n;
};

static int cmp_project_id(const void *a, const void *b)
{
	long long x = ((const struct project_id_ref *)a)->id,
		  y = ((const struct project_id_ref *)b)->id;

	return (x > y) - (x < y);
}

static int project_ids_build(struct m_world *w, struct project_ids *ix)
{
	ix->n = 0;
	ix->v = malloc((w->nprojects + 1) * sizeof(*ix->v));
	if (ix->v == NULL)
		return -1;
	for (size_t i = 0; i < w->nprojects; i++) {
		ix->v[ix->n].id = w->projects[i].id;
		ix->v[ix->n++].p = &w->projects[i];
	}
	if (ix->n > 1)
		qsort(ix->v, ix->n, sizeof(*ix->v), cmp_project_id);
	return 0;
}

static struct m_project *project_by_id(const struct project_ids *ix, long long id)
{
	struct project_id_ref key = {id, NULL}, *hit;

	if (ix->n == 0)
		return NULL;
	hit = bsearch(&key, ix->v, ix->n, sizeof(*ix->v), cmp_project_id);
	return hit ? hit->p : NULL;
}

static int load_projects(struct state *st, struct m_world *w, struct project_ids *ix,
			 struct vrs_err *err)
{
	sqlite3_stmt *s;
	int r;

	if (st_prepare(
		st, &s,
		"SELECT p.id, p.slug, p.name, p.owner_email, t.code, b.code, x.lifecycle, "
		"sv.name, p.is_superadmin, p.payment_method, x.payment_confirmed, "
		"p.billing_email, p.stripe_customer_id, p.stripe_subscription_id, "
		"x.trial_days, p.is_demo, coalesce(x.cloned_from_slug, c.slug), "
		"p.preview_protection_enabled, "
		"p.provisioning_status, p.coolify_project_uuid, p.coolify_environment_uuid, "
		"p.coolify_app_uuid, p.provisioning_error, p.provisioning_retry_count, "
		"p.provisioning_started_at, p.provisioning_completed_at, p.trial_start_date, "
		"p.trial_end_date, p.api_key <> '', a.image, a.port, a.health_path, a.fqdns "
		"FROM marketplace_project p "
		"LEFT JOIN vrs_project_ext x ON x.project_id = p.id "
		"LEFT JOIN marketplace_project_type t ON t.id = p.project_type_id "
		"LEFT JOIN marketplace_bundle b ON b.id = p.bundle_id "
		"LEFT JOIN marketplace_server sv ON sv.id = p.server_id "
		"LEFT JOIN marketplace_project c ON c.id = p.cloned_from_project_id "
		"LEFT JOIN vrs_app_config a ON a.project_id = p.id "
		"ORDER BY p.slug",
		err) < 0)
		return -1;
	while ((r = step(st, s, "projects", err)) == 1) {
		struct m_project *v = GROW(w->projects, w->nprojects);
		const char *lc;
		if (v == NULL) {
			r = oom(err);
			break;
		}
		v->id = sqlite3_column_int64(s, 0);
		v->slug = st_col_strdup(s, 1);
		v->name = st_col_strdup(s, 2);
		v->owner_email = st_col_strdup(s, 3);
		v->project_type = st_col_strdup(s, 4);
		v->bundle = st_col_strdup(s, 5);
		lc = (const char *)sqlite3_column_text(s, 6);
		if (lc == NULL || m_lifecycle_parse(lc, &v->lifecycle) < 0)
			v->lifecycle = LC_ACTIVE;
		v->server = st_col_strdup(s, 7);
		v->superadmin = sqlite3_column_int(s, 8) != 0;
		if (m_payment_method_parse((const char *)sqlite3_column_text(s, 9),
					   &v->payment_method) < 0)
			v->payment_method = PM_INVOICE;
		v->payment_confirmed = col_int(s, 10, 1) != 0;
		v->billing_email = st_col_strdup(s, 11);
		v->stripe_customer_id = st_col_strdup(s, 12);
		v->stripe_subscription_id = st_col_strdup(s, 13);
		v->trial_days = col_int(s, 14, 0);
		v->demo = sqlite3_column_int(s, 15) != 0;
		v->cloned_from = st_col_strdup(s, 16);
		v->preview_protection = sqlite3_column_int(s, 17) != 0;
		if (m_prov_status_parse((const char *)sqlite3_column_text(s, 18), &v->status) < 0)
			v->status = PS_ERROR;
		v->coolify_project_uuid = st_col_strdup(s, 19);
		v->coolify_environment_uuid = st_col_strdup(s, 20);
		v->coolify_app_uuid = st_col_strdup(s, 21);
		v->provisioning_error = st_col_strdup(s, 22);
		v->provisioning_retry_count = sqlite3_column_int(s, 23);
		v->provisioning_started_at = st_col_time(s, 24);
		v->provisioning_completed_at = st_col_time(s, 25);
		v->trial_start_date = st_col_time(s, 26);
		v->trial_end_date = st_col_time(s, 27);
		v->has_api_key = sqlite3_column_int(s, 28) != 0;
		v->app.image = st_col_strdup(s, 29);
		v->app.port = col_int(s, 30, 0);
		v->app.health_path = st_col_strdup(s, 31);
		v->applied_fqdns = st_col_strdup(s, 32);
	}
	sqlite3_finalize(s);
	if (r < 0)
		return -1;
	if (project_ids_build(w, ix) < 0)
		return oom(err);

	if (st_prepare(st, &s,
		       "SELECT project_id, key, is_secret, value, fingerprint FROM vrs_app_env "
		       "ORDER BY project_id, key",
		       err) < 0)
		return -1;
	while ((r = step(st, s, "app env", err)) == 1) {
		struct m_project *p = project_by_id(ix, sqlite3_column_int64(s, 0));
		struct m_env *e;
		if (p == NULL)
			continue;
		if ((e = GROW(p->app.env, p->app.nenv)) == NULL) {
			r = oom(err);
			break;
		}
		e->key = st_col_strdup(s, 1);
		if (sqlite3_column_int(s, 2)) {
			e->kind = VK_FROM_ENV; /* a secret; its reference is not recorded */
			e->fingerprint = st_col_strdup(s, 4);
		} else {
			e->kind = VK_LITERAL;
			e->value = st_col_strdup(s, 3);
		}
	}
	sqlite3_finalize(s);
	return r < 0 ? -1 : 0;
}

/* {"a": "123", "aaaa": "456", "www": "789"}; numbers are accepted too */
static char *record_id(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	char buf[32];

	if (cJSON_IsString(v) && v->valuestring)
		return strdup(v->valuestring);
	if (cJSON_IsNumber(v)) {
		snprintf(buf, sizeof(buf), "%.0f", v->valuedouble);
		return strdup(buf);
	}
	return NULL;
}

static int load_domains(struct state *st, const struct project_ids *ix, struct vrs_err *err)
{
	sqlite3_stmt *s;
	int r;

	if (st_prepare(
		st, &s,
		"SELECT d.project_id, d.id, d.domain, d.domain_type, d.subdomain, bd.domain, "
		"d.is_primary, x.max_price_cents, x.auth_code_kind, x.auth_code_ref, d.status, "
		"x.zone, d.inwx_record_ids, d.inwx_domain_id, d.registration_cost_cents, "
		"d.renewal_cost_cents, d.expires_at "
		"FROM marketplace_project_domain d "
		"LEFT JOIN marketplace_base_domain bd ON bd.id = d.base_domain_id "
		"LEFT JOIN vrs_domain_ext x ON x.domain_id = d.id "
		"ORDER BY d.project_id, d.domain",
		err) < 0)
		return -1;
	while ((r = step(st, s, "domains", err)) == 1) {
		struct m_project *p = project_by_id(ix, sqlite3_column_int64(s, 0));
		const char *kind, *json;
		struct m_domain *d;
		if (p == NULL)
			continue;
		if ((d = GROW(p->domains, p->ndomains)) == NULL) {
			r = oom(err);
			break;
		}
		d->id = sqlite3_column_int64(s, 1);
		d->fqdn = st_col_strdup(s, 2);
		if (m_domain_type_parse((const char *)sqlite3_column_text(s, 3), &d->type) < 0)
			d->type = DT_OWNED;
		d->subdomain = st_col_strdup(s, 4);
		d->base_domain = st_col_strdup(s, 5);
		d->primary = sqlite3_column_int(s, 6) != 0;
		d->max_price_cents = col_int(s, 7, -1);
		kind = (const char *)sqlite3_column_text(s, 8);
		d->auth_code_kind = kind == NULL		     ? VK_LITERAL
				    : strcmp(kind, "from_file") == 0 ? VK_FROM_FILE
								     : VK_FROM_ENV;
		d->auth_code_ref = st_col_strdup(s, 9);
		if (m_domain_status_parse((const char *)sqlite3_column_text(s, 10), &d->status) < 0)
			d->status = DS_PENDING_DNS;
		d->zone = st_col_strdup(s, 11);
		json = (const char *)sqlite3_column_text(s, 12);
		if (json) {
			cJSON *o = cJSON_Parse(json);
			if (o == NULL || !cJSON_IsObject(o)) {
				cJSON_Delete(o);
				r = err_setc(err, VRS_E_INVALID,
					     "state %s: domain %s: bad inwx_record_ids JSON",
					     st->path, d->fqdn);
				break;
			}
			d->record_a = record_id(o, "a");
			d->record_aaaa = record_id(o, "aaaa");
			d->record_www = record_id(o, "www");
			cJSON_Delete(o);
		}
		d->inwx_domain_id = sqlite3_column_int64(s, 13);
		d->registration_cost_cents = col_int(s, 14, -1);
		d->renewal_cost_cents = col_int(s, 15, -1);
		d->expires_at = st_col_time(s, 16);
	}
	sqlite3_finalize(s);
	return r < 0 ? -1 : 0;
}

int state_load(struct state *st, struct m_world *recorded, struct vrs_err *err)
{
	struct project_ids ix = {NULL, 0};
	int rc = 0;

	if (load_servers(st, recorded, err) < 0 || load_base_domains(st, recorded, err) < 0 ||
	    load_project_types(st, recorded, err) < 0 || load_plugins(st, recorded, err) < 0 ||
	    load_bundles(st, recorded, err) < 0 || load_projects(st, recorded, &ix, err) < 0 ||
	    load_domains(st, &ix, err) < 0)
		rc = -1;
	free(ix.v);
	return rc;
}
