/*
 * load.c — state_load: the recorded world, read from the database into the
 * model's structs (model/model.h).
 *
 * One query per object kind, declared as a row map (rowmap.h: column,
 * type, field) and ordered by its key (BINARY collation, which orders like
 * strcmp), so the arrays come out sorted as world_sort leaves them.
 * Children (prices, bundle plugins, domains, env) are attached by looking
 * up the parent's id (their first column) in the already loaded arrays.
 */
#include "state/rowmap.h"

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

/* enum columns: the parse, and the value a bad or NULL text gives */
#define ENUM_SETTER(fn, type, parse, dflt)                                                         \
	static void fn(const char *t, void *f)                                                     \
	{                                                                                          \
		if (t == NULL || parse(t, (type *)f) < 0)                                          \
			*(type *)f = dflt;                                                         \
	}

ENUM_SETTER(set_server_status, enum m_server_status, m_server_status_parse, SS_OFFLINE)
ENUM_SETTER(set_billing_cycle, enum m_billing_cycle, m_billing_cycle_parse, BC_MONTHLY)
ENUM_SETTER(set_lifecycle, enum m_lifecycle, m_lifecycle_parse, LC_ACTIVE)
ENUM_SETTER(set_payment_method, enum m_payment_method, m_payment_method_parse, PM_INVOICE)
ENUM_SETTER(set_prov_status, enum m_prov_status, m_prov_status_parse, PS_ERROR)
ENUM_SETTER(set_domain_type, enum m_domain_type, m_domain_type_parse, DT_OWNED)
ENUM_SETTER(set_domain_status, enum m_domain_status, m_domain_status_parse, DS_PENDING_DNS)

/* vrs_domain_ext.auth_code_kind: NULL (no reference), from_file, from_env */
static void set_auth_kind(const char *t, void *f)
{
	*(enum m_value_kind *)f = t == NULL			? VK_LITERAL
				  : strcmp(t, "from_file") == 0 ? VK_FROM_FILE
								: VK_FROM_ENV;
}

#define COL(e, t, st, fld)                                                                         \
	{                                                                                          \
		e, t, offsetof(struct st, fld), 0, NULL                                            \
	}
#define COLD(e, t, st, fld, d)                                                                     \
	{                                                                                          \
		e, t, offsetof(struct st, fld), d, NULL                                            \
	}
#define COLE(e, st, fld, setter)                                                                   \
	{                                                                                          \
		e, SC_ENUM, offsetof(struct st, fld), 0, setter                                    \
	}
#define PARENT(e)                                                                                  \
	{                                                                                          \
		e, SC_SKIP, 0, 0, NULL                                                             \
	}

static const struct st_col server_cols[] = {
    COL("s.id", SC_ID, m_server, id),
    COL("s.name", SC_STR, m_server, name),
    COL("s.coolify_uuid", SC_STR, m_server, coolify_uuid),
    COL("s.ip_address", SC_STR, m_server, ip_address),
    COL("x.ipv6_address", SC_STR, m_server, ipv6_address),
    COL("s.ssh_port", SC_INT, m_server, ssh_port),
    COL("s.max_projects", SC_INT, m_server, max_projects),
    COL("s.is_accepting_new", SC_BOOL, m_server, accepting_new),
    COLE("s.status", m_server, status, set_server_status),
    COL("s.hetzner_server_id", SC_I64, m_server, hetzner_server_id),
    COL("s.hetzner_server_type", SC_STR, m_server, hetzner_server_type),
    COL("s.hetzner_location", SC_STR, m_server, hetzner_location),
    COL("s.notes", SC_STR, m_server, notes),
};
static const struct st_rowmap server_map = {
    "servers", ST_COLS(server_cols),
    "FROM marketplace_server s LEFT JOIN vrs_server_ext x ON x.server_id = s.id "
    "ORDER BY s.name"};

static const struct st_col base_domain_cols[] = {
    COL("id", SC_ID, m_base_domain, id),
    COL("domain", SC_STR, m_base_domain, domain),
    COL("display_name", SC_STR, m_base_domain, display_name),
    COL("is_active", SC_BOOL, m_base_domain, is_active),
    COL("is_default", SC_BOOL, m_base_domain, is_default),
    COL("sort_order", SC_INT, m_base_domain, sort_order),
    COL("has_wildcard_ssl", SC_BOOL, m_base_domain, wildcard_ssl),
    COL("inwx_domain_id", SC_I64, m_base_domain, inwx_domain_id),
};
static const struct st_rowmap base_domain_map = {"base domains", ST_COLS(base_domain_cols),
						 "FROM marketplace_base_domain ORDER BY domain"};

static const struct st_col project_type_cols[] = {
    COL("id", SC_ID, m_project_type, id),
    COL("code", SC_STR, m_project_type, code),
    COL("name", SC_STR, m_project_type, name),
    COL("trial_days", SC_INT, m_project_type, trial_days),
};
static const struct st_rowmap project_type_map = {"project types", ST_COLS(project_type_cols),
						  "FROM marketplace_project_type ORDER BY code"};

static const struct st_col plugin_cols[] = {
    COL("id", SC_ID, m_plugin, id),
    COL("name", SC_STR, m_plugin, name),
};
static const struct st_rowmap plugin_map = {"plugins", ST_COLS(plugin_cols),
					    "FROM marketplace_plugin_meta ORDER BY name"};

/* prices ordered by (project type code, cycle in enum order) */
static const struct st_col price_cols[] = {
    PARENT("p.plugin_id"),
    COL("t.code", SC_STR, m_plugin_price, project_type),
    COLE("p.billing_cycle", m_plugin_price, billing_cycle, set_billing_cycle),
    COL("p.price_cents", SC_INT, m_plugin_price, price_cents),
};
static const struct st_rowmap price_map = {
    "plugin prices", ST_COLS(price_cols),
    "FROM marketplace_plugin_price p JOIN marketplace_project_type t "
    "ON t.id = p.project_type_id ORDER BY p.plugin_id, t.code, "
    "CASE p.billing_cycle WHEN 'once' THEN 0 WHEN 'monthly' THEN 1 ELSE 2 END"};

static const struct st_col bundle_cols[] = {
    COL("b.id", SC_ID, m_bundle, id),
    COL("b.code", SC_STR, m_bundle, code),
    COL("b.name", SC_STR, m_bundle, name),
    COL("b.description", SC_STR, m_bundle, description),
    COL("t.code", SC_STR, m_bundle, project_type),
    COLE("b.billing_cycle", m_bundle, billing_cycle, set_billing_cycle),
    COL("b.discount_percent", SC_INT, m_bundle, discount_percent),
    COL("b.is_default", SC_BOOL, m_bundle, is_default),
    COL("b.is_active", SC_BOOL, m_bundle, is_active),
    COL("b.sort_order", SC_INT, m_bundle, sort_order),
};
static const struct st_rowmap bundle_map = {
    "bundles", ST_COLS(bundle_cols),
    "FROM marketplace_bundle b JOIN marketplace_project_type t "
    "ON t.id = b.project_type_id ORDER BY b.code"};

static const struct st_col project_cols[] = {
    COL("p.id", SC_ID, m_project, id),
    COL("p.slug", SC_STR, m_project, slug),
    COL("p.name", SC_STR, m_project, name),
    COL("p.owner_email", SC_STR, m_project, owner_email),
    COL("t.code", SC_STR, m_project, project_type),
    COL("b.code", SC_STR, m_project, bundle),
    COLE("x.lifecycle", m_project, lifecycle, set_lifecycle),
    COL("sv.name", SC_STR, m_project, server),
    COL("p.is_superadmin", SC_BOOL, m_project, superadmin),
    COLE("p.payment_method", m_project, payment_method, set_payment_method),
    COLD("x.payment_confirmed", SC_BOOL, m_project, payment_confirmed, 1),
    COL("p.billing_email", SC_STR, m_project, billing_email),
    COL("p.stripe_customer_id", SC_STR, m_project, stripe_customer_id),
    COL("p.stripe_subscription_id", SC_STR, m_project, stripe_subscription_id),
    COL("x.trial_days", SC_INT, m_project, trial_days),
    COL("p.is_demo", SC_BOOL, m_project, demo),
    COL("coalesce(x.cloned_from_slug, c.slug)", SC_STR, m_project, cloned_from),
    COL("p.preview_protection_enabled", SC_BOOL, m_project, preview_protection),
    COLE("p.provisioning_status", m_project, status, set_prov_status),
    COL("p.coolify_project_uuid", SC_STR, m_project, coolify_project_uuid),
    COL("p.coolify_environment_uuid", SC_STR, m_project, coolify_environment_uuid),
    COL("p.coolify_app_uuid", SC_STR, m_project, coolify_app_uuid),
    COL("p.provisioning_error", SC_STR, m_project, provisioning_error),
    COL("p.provisioning_retry_count", SC_INT, m_project, provisioning_retry_count),
    COL("p.provisioning_started_at", SC_TIME, m_project, provisioning_started_at),
    COL("p.provisioning_completed_at", SC_TIME, m_project, provisioning_completed_at),
    COL("p.trial_start_date", SC_TIME, m_project, trial_start_date),
    COL("p.trial_end_date", SC_TIME, m_project, trial_end_date),
    COL("p.api_key <> ''", SC_BOOL, m_project, has_api_key),
    COL("a.image", SC_STR, m_project, app.image),
    COL("a.port", SC_INT, m_project, app.port),
    COL("a.health_path", SC_STR, m_project, app.health_path),
    COL("a.fqdns", SC_STR, m_project, applied_fqdns),
};
static const struct st_rowmap project_map = {
    "projects", ST_COLS(project_cols),
    "FROM marketplace_project p "
    "LEFT JOIN vrs_project_ext x ON x.project_id = p.id "
    "LEFT JOIN marketplace_project_type t ON t.id = p.project_type_id "
    "LEFT JOIN marketplace_bundle b ON b.id = p.bundle_id "
    "LEFT JOIN marketplace_server sv ON sv.id = p.server_id "
    "LEFT JOIN marketplace_project c ON c.id = p.cloned_from_project_id "
    "LEFT JOIN vrs_app_config a ON a.project_id = p.id "
    "ORDER BY p.slug"};

/* a secret's reference is not recorded: value or fingerprint, by is_secret */
static const struct st_col env_cols[] = {
    PARENT("project_id"), COL("key", SC_STR, m_env, key), PARENT("is_secret"),
    PARENT("value"),	  PARENT("fingerprint"),
};
static const struct st_rowmap env_map = {"app env", ST_COLS(env_cols),
					 "FROM vrs_app_env ORDER BY project_id, key"};

static const struct st_col domain_cols[] = {
    PARENT("d.project_id"),
    COL("d.id", SC_ID, m_domain, id),
    COL("d.domain", SC_STR, m_domain, fqdn),
    COLE("d.domain_type", m_domain, type, set_domain_type),
    COL("d.subdomain", SC_STR, m_domain, subdomain),
    COL("bd.domain", SC_STR, m_domain, base_domain),
    COL("d.is_primary", SC_BOOL, m_domain, primary),
    COLD("x.max_price_cents", SC_INT, m_domain, max_price_cents, -1),
    COLE("x.auth_code_kind", m_domain, auth_code_kind, set_auth_kind),
    COL("x.auth_code_ref", SC_STR, m_domain, auth_code_ref),
    COLE("d.status", m_domain, status, set_domain_status),
    COL("x.zone", SC_STR, m_domain, zone),
    PARENT("d.inwx_record_ids"),
    COL("d.inwx_domain_id", SC_I64, m_domain, inwx_domain_id),
    COLD("d.registration_cost_cents", SC_INT, m_domain, registration_cost_cents, -1),
    COLD("d.renewal_cost_cents", SC_INT, m_domain, renewal_cost_cents, -1),
    COL("d.expires_at", SC_TIME, m_domain, expires_at),
};
static const struct st_rowmap domain_map = {
    "domains", ST_COLS(domain_cols),
    "FROM marketplace_project_domain d "
    "LEFT JOIN marketplace_base_domain bd ON bd.id = d.base_domain_id "
    "LEFT JOIN vrs_domain_ext x ON x.domain_id = d.id "
    "ORDER BY d.project_id, d.domain"};

/* every row of map m appended to the array *v (element size sz, count *n) */
static int load_rows(struct state *st, const struct st_rowmap *m, void **v, size_t *n, size_t sz,
		     struct vrs_err *err)
{
	sqlite3_stmt *s;
	int r;

	if (st_map_select(st, m, &s, err) < 0)
		return -1;
	while ((r = step(st, s, m->what, err)) == 1) {
		void *row = grow(v, n, sz);
		if (row == NULL) {
			r = oom(err);
			break;
		}
		if (st_map_fill(m, s, row, err) < 0) {
			r = -1;
			break;
		}
	}
	sqlite3_finalize(s);
	return r < 0 ? -1 : 0;
}

#define LOAD(st, m, arr, n, err) load_rows(st, m, (void **)&(arr), &(n), sizeof(*(arr)), err)

static struct m_plugin *plugin_by_id(struct m_world *w, long long id)
{
	for (size_t i = 0; i < w->nplugins; i++)
		if (w->plugins[i].id == id)
			return &w->plugins[i];
	return NULL;
}

static struct m_bundle *bundle_by_id(struct m_world *w, long long id)
{
	for (size_t i = 0; i < w->nbundles; i++)
		if (w->bundles[i].id == id)
			return &w->bundles[i];
	return NULL;
}

static int load_prices(struct state *st, struct m_world *w, struct vrs_err *err)
{
	sqlite3_stmt *s;
	int r;

	if (st_map_select(st, &price_map, &s, err) < 0)
		return -1;
	while ((r = step(st, s, price_map.what, err)) == 1) {
		struct m_plugin *pl = plugin_by_id(w, sqlite3_column_int64(s, 0));
		struct m_plugin_price *v;
		if (pl == NULL)
			continue;
		if ((v = GROW(pl->prices, pl->nprices)) == NULL) {
			r = oom(err);
			break;
		}
		if (st_map_fill(&price_map, s, v, err) < 0) {
			r = -1;
			break;
		}
	}
	sqlite3_finalize(s);
	return r < 0 ? -1 : 0;
}

static int load_bundle_plugins(struct state *st, struct m_world *w, struct vrs_err *err)
{
	sqlite3_stmt *s;
	int r;

	if (st_prepare(st, &s,
		       "SELECT bp.bundle_id, p.name FROM marketplace_bundle_plugins bp "
		       "JOIN marketplace_plugin_meta p ON p.id = bp.plugin_id "
		       "ORDER BY bp.bundle_id, p.name",
		       err) < 0)
		return -1;
	while ((r = step(st, s, "bundle plugins", err)) == 1) {
		struct m_bundle *b = bundle_by_id(w, sqlite3_column_int64(s, 0));
		char **slot;
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

static int load_env(struct state *st, const struct project_ids *ix, struct vrs_err *err)
{
	sqlite3_stmt *s;
	int r;

	if (st_map_select(st, &env_map, &s, err) < 0)
		return -1;
	while ((r = step(st, s, env_map.what, err)) == 1) {
		struct m_project *p = project_by_id(ix, sqlite3_column_int64(s, 0));
		struct m_env *e;
		if (p == NULL)
			continue;
		if ((e = GROW(p->app.env, p->app.nenv)) == NULL ||
		    st_map_fill(&env_map, s, e, err) < 0) {
			r = e ? -1 : oom(err);
			break;
		}
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

/* d.inwx_record_ids: {"a": .., "aaaa": .., "www": ..} into the domain */
static int record_ids(struct state *st, const char *json, struct m_domain *d, struct vrs_err *err)
{
	cJSON *o = cJSON_Parse(json);

	if (o == NULL || !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return err_setc(err, VRS_E_INVALID, "state %s: domain %s: bad inwx_record_ids JSON",
				st->path, d->fqdn);
	}
	d->record_a = record_id(o, "a");
	d->record_aaaa = record_id(o, "aaaa");
	d->record_www = record_id(o, "www");
	cJSON_Delete(o);
	return 0;
}

static int load_domains(struct state *st, const struct project_ids *ix, struct vrs_err *err)
{
	int ids = st_map_col(&domain_map, "d.inwx_record_ids");
	sqlite3_stmt *s;
	int r;

	if (st_map_select(st, &domain_map, &s, err) < 0)
		return -1;
	while ((r = step(st, s, domain_map.what, err)) == 1) {
		struct m_project *p = project_by_id(ix, sqlite3_column_int64(s, 0));
		const char *json;
		struct m_domain *d;
		if (p == NULL)
			continue;
		if ((d = GROW(p->domains, p->ndomains)) == NULL) {
			r = oom(err);
			break;
		}
		if (st_map_fill(&domain_map, s, d, err) < 0) {
			r = -1;
			break;
		}
		json = (const char *)sqlite3_column_text(s, ids);
		if (json && record_ids(st, json, d, err) < 0) {
			r = -1;
			break;
		}
	}
	sqlite3_finalize(s);
	return r < 0 ? -1 : 0;
}

int state_load(struct state *st, struct m_world *recorded, struct vrs_err *err)
{
	struct m_world *w = recorded;
	struct project_ids ix = {NULL, 0};
	int rc = 0;

	if (LOAD(st, &server_map, w->servers, w->nservers, err) < 0 ||
	    LOAD(st, &base_domain_map, w->base_domains, w->nbase_domains, err) < 0 ||
	    LOAD(st, &project_type_map, w->project_types, w->nproject_types, err) < 0 ||
	    LOAD(st, &plugin_map, w->plugins, w->nplugins, err) < 0 ||
	    load_prices(st, w, err) < 0 ||
	    LOAD(st, &bundle_map, w->bundles, w->nbundles, err) < 0 ||
	    load_bundle_plugins(st, w, err) < 0 ||
	    LOAD(st, &project_map, w->projects, w->nprojects, err) < 0)
		rc = -1;
	else if (project_ids_build(w, &ix) < 0)
		rc = oom(err);
	else if (load_env(st, &ix, err) < 0 || load_domains(st, &ix, err) < 0)
		rc = -1;
	free(ix.v);
	return rc;
}
