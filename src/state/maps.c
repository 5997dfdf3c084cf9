/*
 * maps.c — the row maps of the recorded world, declared once (rowmap.h):
 * for each object kind its query's columns, their types and the model
 * fields they fill (load.c reads through them), and for the global objects
 * which of them an upsert writes and its conflict key (write.c).
 */
#include "state/rowmap.h"

#include <string.h>

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
		.expr = e, .type = t, .off = offsetof(struct st, fld)                              \
	}
#define COLD(e, t, st, fld, d)                                                                     \
	{                                                                                          \
		.expr = e, .type = t, .off = offsetof(struct st, fld), .dflt = d                   \
	}
#define COLE(e, st, fld, setter)                                                                   \
	{                                                                                          \
		.expr = e, .type = SC_ENUM, .off = offsetof(struct st, fld), .set = setter         \
	}
#define PARENT(e)                                                                                  \
	{                                                                                          \
		.expr = e, .type = SC_SKIP                                                         \
	}
/* a column an upsert writes too (flags: ST_W, ST_KEY, ST_KEEP, ST_NULL0) */
#define COLW(e, t, st, fld, fl)                                                                    \
	{                                                                                          \
		.expr = e, .type = t, .off = offsetof(struct st, fld), .flags = fl                 \
	}

/* enum names for the written enum columns */
static const char *name_server_status(const void *f)
{
	return m_server_status_name(*(const enum m_server_status *)f);
}

/* a catalogue row is vrsctl's when vrs_catalogue names it (schema.c, migration 5) */
#define OWNED(kind, keyexpr)                                                                       \
	"EXISTS (SELECT 1 FROM vrs_catalogue c WHERE c.kind = '" kind "' AND c.key = " keyexpr ")"

static const struct st_col server_cols[] = {
    COL("s.id", SC_ID, m_server, id),
    COLW("s.name", SC_STR, m_server, name, ST_KEY),
    COLW("s.coolify_uuid", SC_STR, m_server, coolify_uuid, ST_W),
    COLW("s.ip_address", SC_STR, m_server, ip_address, ST_W),
    COL("x.ipv6_address", SC_STR, m_server, ipv6_address),
    COLW("s.ssh_port", SC_INT, m_server, ssh_port, ST_W),
    COLW("s.max_projects", SC_INT, m_server, max_projects, ST_W),
    COLW("s.is_accepting_new", SC_BOOL, m_server, accepting_new, ST_W),
    {.expr = "s.status",
     .type = SC_ENUM,
     .off = offsetof(struct m_server, status),
     .set = set_server_status,
     .name = name_server_status,
     .flags = ST_W},
    COLW("s.hetzner_server_id", SC_I64, m_server, hetzner_server_id, ST_W | ST_NULL0),
    COLW("s.hetzner_server_type", SC_STR, m_server, hetzner_server_type, ST_W),
    COLW("s.hetzner_location", SC_STR, m_server, hetzner_location, ST_W),
    COLW("s.notes", SC_STR, m_server, notes, ST_W),
    COL(OWNED("server", "s.name"), SC_BOOL, m_server, owned),
};
const struct st_rowmap st_server_map = {
    "servers", ST_COLS(server_cols),
    "FROM marketplace_server s LEFT JOIN vrs_server_ext x ON x.server_id = s.id "
    "ORDER BY s.name"};

static const struct st_col base_domain_cols[] = {
    COL("id", SC_ID, m_base_domain, id),
    COLW("domain", SC_STR, m_base_domain, domain, ST_KEY),
    COLW("display_name", SC_STR, m_base_domain, display_name, ST_W),
    COLW("is_active", SC_BOOL, m_base_domain, is_active, ST_W),
    COLW("is_default", SC_BOOL, m_base_domain, is_default, ST_W),
    COLW("sort_order", SC_INT, m_base_domain, sort_order, ST_W),
    COLW("has_wildcard_ssl", SC_BOOL, m_base_domain, wildcard_ssl, ST_W),
    COLW("inwx_domain_id", SC_I64, m_base_domain, inwx_domain_id, ST_W | ST_NULL0 | ST_KEEP),
    COL(OWNED("base_domain", "domain"), SC_BOOL, m_base_domain, owned),
};
const struct st_rowmap st_base_domain_map = {"base domains", ST_COLS(base_domain_cols),
					     "FROM marketplace_base_domain ORDER BY domain"};

static const struct st_col project_type_cols[] = {
    COL("id", SC_ID, m_project_type, id),
    COL("code", SC_STR, m_project_type, code),
    COL("name", SC_STR, m_project_type, name),
    COL("trial_days", SC_INT, m_project_type, trial_days),
    COL(OWNED("project_type", "code"), SC_BOOL, m_project_type, owned),
};
const struct st_rowmap st_project_type_map = {"project types", ST_COLS(project_type_cols),
					      "FROM marketplace_project_type ORDER BY code"};

static const struct st_col plugin_cols[] = {
    COL("id", SC_ID, m_plugin, id),
    COL("name", SC_STR, m_plugin, name),
    COL(OWNED("plugin", "name"), SC_BOOL, m_plugin, owned),
};
const struct st_rowmap st_plugin_map = {"plugins", ST_COLS(plugin_cols),
					"FROM marketplace_plugin_meta ORDER BY name"};

/* prices ordered by (project type code, cycle in enum order) */
static const struct st_col price_cols[] = {
    PARENT("p.plugin_id"),
    COL("t.code", SC_STR, m_plugin_price, project_type),
    COLE("p.billing_cycle", m_plugin_price, billing_cycle, set_billing_cycle),
    COL("p.price_cents", SC_INT, m_plugin_price, price_cents),
};
const struct st_rowmap st_price_map = {
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
    COL(OWNED("bundle", "b.code"), SC_BOOL, m_bundle, owned),
};
const struct st_rowmap st_bundle_map = {"bundles", ST_COLS(bundle_cols),
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
    COL("x.project_id IS NOT NULL", SC_BOOL, m_project, managed),
    COL("p.provisioning_status = 'suspended' AND x.vrs_status IS DISTINCT FROM 'suspended'",
	SC_BOOL, m_project, app_suspended),
    COLD("x.stopped_for_app", SC_BOOL, m_project, stopped_for_app, 0),
    COL("NOT h.healthy", SC_BOOL, m_project, unhealthy),
    COL("h.since", SC_TIME, m_project, health_since),
};
const struct st_rowmap st_project_map = {
    "projects", ST_COLS(project_cols),
    "FROM marketplace_project p "
    "LEFT JOIN vrs_project_ext x ON x.project_id = p.id "
    "LEFT JOIN marketplace_project_type t ON t.id = p.project_type_id "
    "LEFT JOIN marketplace_bundle b ON b.id = p.bundle_id "
    "LEFT JOIN marketplace_server sv ON sv.id = p.server_id "
    "LEFT JOIN marketplace_project c ON c.id = p.cloned_from_project_id "
    "LEFT JOIN vrs_app_config a ON a.project_id = p.id "
    "LEFT JOIN vrs_health h ON h.project_id = p.id "
    "ORDER BY p.slug"};

/* a secret's reference is not recorded: value or fingerprint, by is_secret */
static const struct st_col env_cols[] = {
    PARENT("project_id"), COL("key", SC_STR, m_env, key), PARENT("is_secret"),
    PARENT("value"),	  PARENT("fingerprint"),
};
const struct st_rowmap st_env_map = {"app env", ST_COLS(env_cols),
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
    COL("d.ssl_provisioned", SC_BOOL, m_domain, ssl_provisioned),
    COL("d.ssl_expires_at", SC_TIME, m_domain, ssl_expires_at),
    COL("tc.checked_at", SC_TIME, m_domain, tls_checked_at),
};
const struct st_rowmap st_domain_map = {
    "domains", ST_COLS(domain_cols),
    "FROM marketplace_project_domain d "
    "LEFT JOIN marketplace_base_domain bd ON bd.id = d.base_domain_id "
    "LEFT JOIN vrs_domain_ext x ON x.domain_id = d.id "
    "LEFT JOIN vrs_tls_check tc ON tc.domain_id = d.id "
    "ORDER BY d.project_id, d.domain"};
