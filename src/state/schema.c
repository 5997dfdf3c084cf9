/*
 * schema.c — the state database schema and its migrations.
 *
 * Migrations are numbered from 1 and tracked in PRAGMA user_version; each
 * runs in its own transaction (state_migrate). Never edit a released
 * migration: add a new one.
 *
 * Conventions of every table:
 *   - enums are TEXT holding the lower-case values of the model
 *     specification, with CHECK (col IN (...));
 *   - booleans are INTEGER 0/1 with CHECK;
 *   - timestamps are UTC text in SQLAlchemy's SQLite storage format of
 *     DateTime, "2026-11-26 17:00:00.000000" (from migration 2 on; before,
 *     ISO "2026-11-26T17:00:00Z", which migration 2 converts). Readers accept
 *     both. vrsctl binds every timestamp it writes: the DEFAULTs of
 *     migration 1 (ISO) fill only rows inserted without one, by hand;
 *   - JSON columns (inwx_record_ids, metadata_json) are TEXT holding JSON
 *     (CHECK json_valid); inwx_record_ids holds integers, {"a": 123,
 *     "www": 456}, as the model documents (from migration 2 on; INWX's ids
 *     are strings on the wire).
 *
 * marketplace_* tables follow the VRS model specification (seed-models.md)
 * with its table, column, constraint and index names. Single-column unique
 * or indexed columns get SQLAlchemy's names (ix_<table>_<column>); the
 * indexes named in the specification keep those names
 * (idx_project_provisioning_status, idx_project_coolify_app,
 * idx_project_server, idx_prov_log_project_created, uq_base_domain_subdomain).
 *
 * Models the specification calls "existing" without spelling them out:
 *   marketplace_project_type (id, code unique, name, description,
 *     trial_days, has_trial, is_active, created_at, updated_at)
 *   marketplace_plugin_meta (id, name unique, display_name, description,
 *     is_active, created_at, updated_at)
 *   marketplace_plugin_price (id, plugin_id, project_type_id, billing_cycle,
 *     price_cents; unique (plugin_id, project_type_id, billing_cycle) as
 *     uq_plugin_price_plugin_type_cycle)
 *
 * Additions by vrsctl to marketplace tables: none in columns. One extra
 * index: vrs_uq_server_name (the spec key of a Server is its name).
 * transfer_auth_code stays NULL: vrsctl never stores an auth code.
 *
 * vrsctl's own tables (vrs_*):
 *
 *   vrs_meta (key PRIMARY KEY, value) — key/value:
 *     lineage          random 128-bit id of this state (32 hex), set at creation
 *     serial           integer, incremented by every apply that changes anything
 *     specs_digest     digest of the last applied specs
 *     fingerprint_key  random 256-bit HMAC key (64 hex) for fingerprints of
 *                      secret env values; created on first use
 *     joined           "1" when vrsctl joined a database the application made
 *                      (state/join.c, join_pg.c): its catalogue rows are the
 *                      application's
 *
 *   vrs_journal — one row per remote call in flight, committed before the call:
 *     id, started_at, completed_at (NULL while open), op, resource, key
 *     (the plan vocabulary), project_slug, service (local|coolify|inwx),
 *     remote_name (deterministic name to look the object up after a crash),
 *     request_summary (no secrets), result (ok|failed|adopted; NULL while
 *     open), external_id, error
 *
 *   vrs_app_config — the app configuration last applied to Coolify (Coolify
 *     masks secrets on read, so the applied config is kept here):
 *     project_id (PK, FK marketplace_project), image, port, health_path,
 *     fqdns (comma-separated, as sent), applied_at
 *
 *   vrs_app_env — the env variables last applied: project_id (FK), key,
 *     is_secret, value (literal values only; NULL for secrets), fingerprint
 *     (hex HMAC-SHA256 for secrets only); PRIMARY KEY (project_id, key)
 *
 *   vrs_server_ext — spec fields of a Server with no model column:
 *     server_id (PK, FK), ipv6_address (AAAA target)
 *
 *   vrs_project_ext — spec fields of a Project with no model column:
 *     project_id (PK, FK), lifecycle (active|suspended|archived),
 *     payment_confirmed, trial_days (0: none), cloned_from_slug (the spec's
 *     cloned_from; cloned_from_project_id is linked whenever that project is
 *     recorded, so a clone may be recorded before its source, and keeps the
 *     slug if its source is deleted); from migration 2: vrs_status (the
 *     provisioning_status vrsctl last wrote: a 'suspended' it did not write
 *     is the application's), stopped_for_app (vrsctl stopped the app for
 *     that suspension; started again when the application lifts it). A
 *     project row without an ext row is unmanaged: the application made it.
 *
 *   vrs_catalogue (from migration 5) — the catalogue rows that are vrsctl's:
 *     kind (server|base_domain|project_type|plugin|bundle), key (the row's
 *     natural key: name, domain, code). Written when an apply writes the row
 *     (created, or adopted because a spec names it), removed with the row. A
 *     catalogue row without one is the application's: left alone unless a
 *     spec names it.
 *
 *   vrs_domain_ext — spec and recorded fields of a ProjectDomain with no
 *     model column: domain_id (PK, FK), zone (INWX zone holding its
 *     records), max_price_cents (purchase cap, NULL: none), auth_code_kind
 *     (from_env|from_file) and auth_code_ref (the variable name or path —
 *     never the code)
 */
#include "state/state_int.h"

#include <stdio.h>
#include <stdlib.h>

#define NOW_DEFAULT    "DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
#define BOOL(col, def) col " INTEGER NOT NULL DEFAULT " #def " CHECK (" col " IN (0, 1))"
#define TIMESTAMPS                                                                                 \
	"created_at TEXT NOT NULL " NOW_DEFAULT ",\n"                                              \
	"updated_at TEXT NOT NULL " NOW_DEFAULT
#define PROV_STATUS                                                                                \
	"('draft', 'pending_payment', 'pending_domain', 'provisioning', 'bootstrapping', "         \
	"'active', 'suspended', 'archived', 'error')"
#define DOMAIN_TYPE "('subdomain', 'owned', 'registered', 'transferred')"
#define DOMAIN_STATUS                                                                              \
	"('pending_registration', 'pending_transfer', 'pending_dns', 'active', 'expired', "        \
	"'suspended')"
#define PAYMENT_METHOD "('stripe_prepaid', 'stripe_subscription', 'invoice', 'free')"
#define SERVER_STATUS  "('provisioning', 'active', 'maintenance', 'offline')"
#define BILLING_CYCLE  "('once', 'monthly', 'yearly')"
#define OPS                                                                                        \
	"('create', 'update', 'delete', 'deploy', 'stop', 'start', 'register', 'transfer', "       \
	"'noop')"
#define RESOURCES                                                                                  \
	"('server', 'base_domain', 'project_type', 'plugin', 'bundle', 'project', "                \
	"'project_domain', 'domain_registration', 'coolify_project', 'coolify_app', 'app_env', "   \
	"'dns_record', 'deployment')"

/* clang-format off */
static const char schema_v1[] =
	/* ---- model specification ---- */
	"CREATE TABLE marketplace_project_type (\n"
	"id INTEGER PRIMARY KEY,\n"
	"code VARCHAR(50) NOT NULL,\n"
	"name VARCHAR(100) NOT NULL,\n"
	"description TEXT,\n"
	"trial_days INTEGER NOT NULL DEFAULT 0,\n"
	BOOL("has_trial", 0) ",\n"
	BOOL("is_active", 1) ",\n"
	TIMESTAMPS ");\n"
	"CREATE UNIQUE INDEX ix_marketplace_project_type_code ON marketplace_project_type(code);\n"
	"CREATE TABLE marketplace_base_domain (\n"
	"id INTEGER PRIMARY KEY,\n"
	"domain VARCHAR(255) NOT NULL,\n"
	"display_name VARCHAR(100) NOT NULL,\n"
	"inwx_domain_id INTEGER,\n"
	BOOL("is_active", 1) ",\n"
	BOOL("is_default", 0) ",\n"
	"sort_order INTEGER NOT NULL DEFAULT 0,\n"
	BOOL("has_wildcard_ssl", 0) ",\n"
	TIMESTAMPS ");\n"
	"CREATE UNIQUE INDEX ix_marketplace_base_domain_domain ON marketplace_base_domain(domain);\n"
	"CREATE TABLE marketplace_server (\n"
	"id INTEGER PRIMARY KEY,\n"
	"name VARCHAR(100) NOT NULL,\n"
	"coolify_uuid VARCHAR(100) NOT NULL,\n"
	"hetzner_server_id INTEGER,\n"
	"status VARCHAR(20) NOT NULL DEFAULT 'active' CHECK (status IN " SERVER_STATUS "),\n"
	"ip_address VARCHAR(45) NOT NULL,\n"
	"ssh_port INTEGER NOT NULL DEFAULT 22,\n"
	"max_projects INTEGER NOT NULL DEFAULT 20,\n"
	"hetzner_server_type VARCHAR(50),\n"
	"hetzner_location VARCHAR(50),\n"
	BOOL("is_accepting_new", 1) ",\n"
	"notes TEXT,\n"
	TIMESTAMPS ");\n"
	"CREATE UNIQUE INDEX ix_marketplace_server_coolify_uuid ON marketplace_server(coolify_uuid);\n"
	"CREATE INDEX ix_marketplace_server_status ON marketplace_server(status);\n"
	"CREATE UNIQUE INDEX vrs_uq_server_name ON marketplace_server(name);\n"
	"CREATE TABLE marketplace_plugin_meta (\n"
	"id INTEGER PRIMARY KEY,\n"
	"name VARCHAR(100) NOT NULL,\n"
	"display_name VARCHAR(200) NOT NULL,\n"
	"description TEXT,\n"
	BOOL("is_active", 1) ",\n"
	TIMESTAMPS ");\n"
	"CREATE UNIQUE INDEX ix_marketplace_plugin_meta_name ON marketplace_plugin_meta(name);\n"
	"CREATE TABLE marketplace_plugin_price (\n"
	"id INTEGER PRIMARY KEY,\n"
	"plugin_id INTEGER NOT NULL REFERENCES marketplace_plugin_meta(id),\n"
	"project_type_id INTEGER NOT NULL REFERENCES marketplace_project_type(id),\n"
	"billing_cycle VARCHAR(20) NOT NULL DEFAULT 'monthly' CHECK (billing_cycle IN " BILLING_CYCLE "),\n"
	"price_cents INTEGER NOT NULL DEFAULT 0,\n"
	"CONSTRAINT uq_plugin_price_plugin_type_cycle UNIQUE (plugin_id, project_type_id, billing_cycle));\n"
	"CREATE INDEX ix_marketplace_plugin_price_project_type_id ON marketplace_plugin_price(project_type_id);\n"
	"CREATE TABLE marketplace_bundle (\n"
	"id INTEGER PRIMARY KEY,\n"
	"code VARCHAR(50) NOT NULL,\n"
	"name VARCHAR(100) NOT NULL,\n"
	"description TEXT,\n"
	"project_type_id INTEGER NOT NULL REFERENCES marketplace_project_type(id),\n"
	BOOL("is_default", 0) ",\n"
	"billing_cycle VARCHAR(20) NOT NULL DEFAULT 'monthly' CHECK (billing_cycle IN " BILLING_CYCLE "),\n"
	"discount_percent INTEGER NOT NULL DEFAULT 0 CHECK (discount_percent BETWEEN 0 AND 100),\n"
	BOOL("is_active", 1) ",\n"
	"sort_order INTEGER NOT NULL DEFAULT 0,\n"
	TIMESTAMPS ");\n"
	"CREATE UNIQUE INDEX ix_marketplace_bundle_code ON marketplace_bundle(code);\n"
	"CREATE INDEX ix_marketplace_bundle_project_type_id ON marketplace_bundle(project_type_id);\n"
	"CREATE TABLE marketplace_bundle_plugins (\n"
	"bundle_id INTEGER NOT NULL REFERENCES marketplace_bundle(id),\n"
	"plugin_id INTEGER NOT NULL REFERENCES marketplace_plugin_meta(id),\n"
	"PRIMARY KEY (bundle_id, plugin_id));\n"
	"CREATE TABLE marketplace_project (\n"
	"id INTEGER PRIMARY KEY,\n"
	"name VARCHAR(200) NOT NULL,\n"
	"slug VARCHAR(100) NOT NULL,\n"
	"owner_email VARCHAR(255) NOT NULL,\n"
	"api_key VARCHAR(100) NOT NULL,\n"
	BOOL("is_active", 1) ",\n"
	BOOL("is_superadmin", 0) ",\n"
	"project_type_id INTEGER REFERENCES marketplace_project_type(id),\n"
	"trial_start_date TEXT,\n"
	"trial_end_date TEXT,\n"
	"provisioning_status VARCHAR(30) NOT NULL DEFAULT 'draft' CHECK (provisioning_status IN " PROV_STATUS "),\n"
	"provisioning_started_at TEXT,\n"
	"provisioning_completed_at TEXT,\n"
	"provisioning_error TEXT,\n"
	"provisioning_retry_count INTEGER NOT NULL DEFAULT 0,\n"
	"coolify_project_uuid VARCHAR(100),\n"
	"coolify_app_uuid VARCHAR(100),\n"
	"coolify_environment_uuid VARCHAR(100),\n"
	"server_id INTEGER REFERENCES marketplace_server(id),\n"
	BOOL("is_demo", 0) ",\n"
	"cloned_from_project_id INTEGER REFERENCES marketplace_project(id),\n"
	BOOL("preview_protection_enabled", 0) ",\n"
	"payment_method VARCHAR(30) NOT NULL DEFAULT 'invoice' CHECK (payment_method IN " PAYMENT_METHOD "),\n"
	"stripe_customer_id VARCHAR(100),\n"
	"stripe_subscription_id VARCHAR(100),\n"
	"billing_email VARCHAR(255),\n"
	"bundle_id INTEGER REFERENCES marketplace_bundle(id),\n"
	TIMESTAMPS ");\n"
	"CREATE UNIQUE INDEX ix_marketplace_project_slug ON marketplace_project(slug);\n"
	"CREATE UNIQUE INDEX ix_marketplace_project_api_key ON marketplace_project(api_key);\n"
	"CREATE INDEX ix_marketplace_project_project_type_id ON marketplace_project(project_type_id);\n"
	"CREATE INDEX idx_project_provisioning_status ON marketplace_project(provisioning_status);\n"
	"CREATE INDEX ix_marketplace_project_coolify_project_uuid ON marketplace_project(coolify_project_uuid);\n"
	"CREATE INDEX idx_project_coolify_app ON marketplace_project(coolify_app_uuid);\n"
	"CREATE INDEX idx_project_server ON marketplace_project(server_id);\n"
	"CREATE TABLE marketplace_project_domain (\n"
	"id INTEGER PRIMARY KEY,\n"
	"project_id INTEGER NOT NULL REFERENCES marketplace_project(id),\n"
	"domain VARCHAR(255) NOT NULL,\n"
	"domain_type VARCHAR(20) NOT NULL CHECK (domain_type IN " DOMAIN_TYPE "),\n"
	"status VARCHAR(30) NOT NULL DEFAULT 'pending_dns' CHECK (status IN " DOMAIN_STATUS "),\n"
	BOOL("is_primary", 1) ",\n"
	"base_domain_id INTEGER REFERENCES marketplace_base_domain(id),\n"
	"subdomain VARCHAR(100),\n"
	"inwx_domain_id INTEGER,\n"
	"inwx_record_ids TEXT CHECK (inwx_record_ids IS NULL OR json_valid(inwx_record_ids)),\n"
	"transfer_auth_code VARCHAR(255),\n"
	"registration_cost_cents INTEGER,\n"
	"renewal_cost_cents INTEGER,\n"
	"expires_at TEXT,\n"
	BOOL("ssl_provisioned", 0) ",\n"
	"ssl_expires_at TEXT,\n"
	TIMESTAMPS ",\n"
	"CONSTRAINT uq_base_domain_subdomain UNIQUE (base_domain_id, subdomain));\n"
	"CREATE INDEX ix_marketplace_project_domain_project_id ON marketplace_project_domain(project_id);\n"
	"CREATE UNIQUE INDEX ix_marketplace_project_domain_domain ON marketplace_project_domain(domain);\n"
	"CREATE INDEX ix_marketplace_project_domain_status ON marketplace_project_domain(status);\n"
	"CREATE INDEX ix_marketplace_project_domain_base_domain_id ON marketplace_project_domain(base_domain_id);\n"
	"CREATE TABLE marketplace_provisioning_log (\n"
	"id INTEGER PRIMARY KEY,\n"
	"project_id INTEGER NOT NULL REFERENCES marketplace_project(id),\n"
	"action VARCHAR(50) NOT NULL,\n"
	"old_status VARCHAR(50),\n"
	"new_status VARCHAR(50),\n"
	"message TEXT,\n"
	"error_details TEXT,\n"
	"external_id VARCHAR(255),\n"
	"external_service VARCHAR(50),\n"
	"metadata_json TEXT CHECK (metadata_json IS NULL OR json_valid(metadata_json)),\n"
	"triggered_by VARCHAR(255),\n"
	"created_at TEXT NOT NULL " NOW_DEFAULT ");\n"
	"CREATE INDEX ix_marketplace_provisioning_log_project_id ON marketplace_provisioning_log(project_id);\n"
	"CREATE INDEX ix_marketplace_provisioning_log_action ON marketplace_provisioning_log(action);\n"
	"CREATE INDEX ix_marketplace_provisioning_log_created_at ON marketplace_provisioning_log(created_at);\n"
	"CREATE INDEX idx_prov_log_project_created ON marketplace_provisioning_log(project_id, created_at);\n"
	"CREATE TABLE marketplace_preview_access (\n"
	"id INTEGER PRIMARY KEY,\n"
	"project_id INTEGER NOT NULL REFERENCES marketplace_project(id),\n"
	"token VARCHAR(64) NOT NULL,\n"
	"code VARCHAR(6),\n"
	"email VARCHAR(255),\n"
	"name VARCHAR(100),\n"
	"expires_at TEXT NOT NULL,\n"
	BOOL("is_used", 0) ",\n"
	"used_at TEXT,\n"
	"used_ip VARCHAR(45),\n"
	BOOL("is_reusable", 1) ",\n"
	"use_count INTEGER NOT NULL DEFAULT 0,\n"
	"notes TEXT,\n"
	"created_at TEXT NOT NULL " NOW_DEFAULT ",\n"
	"created_by VARCHAR(255));\n"
	"CREATE INDEX ix_marketplace_preview_access_project_id ON marketplace_preview_access(project_id);\n"
	"CREATE UNIQUE INDEX ix_marketplace_preview_access_token ON marketplace_preview_access(token);\n"
	"CREATE INDEX ix_marketplace_preview_access_code ON marketplace_preview_access(code);\n"
	/* ---- vrsctl's own tables ---- */
	"CREATE TABLE vrs_meta (\n"
	"key TEXT PRIMARY KEY,\n"
	"value TEXT NOT NULL);\n"
	"CREATE TABLE vrs_journal (\n"
	"id INTEGER PRIMARY KEY,\n"
	"started_at TEXT NOT NULL,\n"
	"completed_at TEXT,\n"
	"op TEXT NOT NULL CHECK (op IN " OPS "),\n"
	"resource TEXT NOT NULL CHECK (resource IN " RESOURCES "),\n"
	"key TEXT NOT NULL,\n"
	"project_slug TEXT,\n"
	"service TEXT NOT NULL CHECK (service IN ('local', 'coolify', 'inwx')),\n"
	"remote_name TEXT,\n"
	"request_summary TEXT,\n"
	"result TEXT CHECK (result IS NULL OR result IN ('ok', 'failed', 'adopted')),\n"
	"external_id TEXT,\n"
	"error TEXT,\n"
	"CHECK ((completed_at IS NULL) = (result IS NULL)));\n"
	"CREATE INDEX vrs_ix_journal_open ON vrs_journal(id) WHERE completed_at IS NULL;\n"
	"CREATE TABLE vrs_app_config (\n"
	"project_id INTEGER PRIMARY KEY REFERENCES marketplace_project(id),\n"
	"image TEXT,\n"
	"port INTEGER,\n"
	"health_path TEXT,\n"
	"fqdns TEXT,\n"
	"applied_at TEXT NOT NULL);\n"
	"CREATE TABLE vrs_app_env (\n"
	"project_id INTEGER NOT NULL REFERENCES marketplace_project(id),\n"
	"key TEXT NOT NULL,\n"
	BOOL("is_secret", 0) ",\n"
	"value TEXT,\n"
	"fingerprint TEXT,\n"
	"PRIMARY KEY (project_id, key),\n"
	"CHECK ((is_secret = 1 AND value IS NULL AND fingerprint IS NOT NULL) OR\n"
	"       (is_secret = 0 AND fingerprint IS NULL)));\n"
	"CREATE TABLE vrs_server_ext (\n"
	"server_id INTEGER PRIMARY KEY REFERENCES marketplace_server(id),\n"
	"ipv6_address VARCHAR(45));\n"
	"CREATE TABLE vrs_project_ext (\n"
	"project_id INTEGER PRIMARY KEY REFERENCES marketplace_project(id),\n"
	"lifecycle TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle IN ('active', 'suspended', 'archived')),\n"
	BOOL("payment_confirmed", 1) ",\n"
	"trial_days INTEGER NOT NULL DEFAULT 0,\n"
	"cloned_from_slug TEXT);\n"
	"CREATE TABLE vrs_domain_ext (\n"
	"domain_id INTEGER PRIMARY KEY REFERENCES marketplace_project_domain(id),\n"
	"zone TEXT,\n"
	"max_price_cents INTEGER,\n"
	"auth_code_kind TEXT CHECK (auth_code_kind IS NULL OR auth_code_kind IN ('from_env', 'from_file')),\n"
	"auth_code_ref TEXT);\n";
/*
 * 3: observed health (issue 12): an active project's app health as the last
 * refresh saw it, beside provisioning_status (which stays active), and when
 * each domain's certificate was last checked (at most once a day).
 */
static const char schema_v3[] =
	"CREATE TABLE vrs_health (\n"
	"project_id INTEGER PRIMARY KEY REFERENCES marketplace_project(id) ON DELETE CASCADE,\n"
	BOOL("healthy", 1) ",\n"
	"since TEXT NOT NULL,\n"
	"seen TEXT,\n"
	"checked_at TEXT NOT NULL);\n"
	"CREATE TABLE vrs_tls_check (\n"
	"domain_id INTEGER PRIMARY KEY REFERENCES marketplace_project_domain(id) ON DELETE CASCADE,\n"
	"checked_at TEXT NOT NULL,\n"
	"seen TEXT);\n";
/* clang-format on */

/*
 * 2: the formats the marketplace application reads (issue 13). Timestamps
 * written as ISO "YYYY-MM-DDTHH:MM:SSZ" become SQLAlchemy's "YYYY-MM-DD
 * HH:MM:SS.000000" (a value in any other form, e.g. the application's own,
 * is left as it is); inwx_record_ids' decimal string ids become numbers.
 */
#define ISO_GLOB "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'"
#define TS(table, col)                                                                             \
	"UPDATE " table " SET " col " = substr(" col ", 1, 10) || ' ' || substr(" col              \
	", 12, 8) || '.000000' WHERE " col " GLOB " ISO_GLOB ";\n"
#define TS2(table) TS(table, "created_at") TS(table, "updated_at")

/* clang-format off */
static const char schema_v2[] =
	TS2("marketplace_project_type")
	TS2("marketplace_base_domain")
	TS2("marketplace_server")
	TS2("marketplace_plugin_meta")
	TS2("marketplace_bundle")
	TS2("marketplace_project")
	TS("marketplace_project", "trial_start_date")
	TS("marketplace_project", "trial_end_date")
	TS("marketplace_project", "provisioning_started_at")
	TS("marketplace_project", "provisioning_completed_at")
	TS2("marketplace_project_domain")
	TS("marketplace_project_domain", "expires_at")
	TS("marketplace_project_domain", "ssl_expires_at")
	TS("marketplace_provisioning_log", "created_at")
	TS("marketplace_preview_access", "created_at")
	TS("marketplace_preview_access", "expires_at")
	TS("marketplace_preview_access", "used_at")
	TS("vrs_journal", "started_at")
	TS("vrs_journal", "completed_at")
	TS("vrs_app_config", "applied_at")
	"UPDATE marketplace_project_domain SET inwx_record_ids = (\n"
	"  SELECT json_group_object(key, CASE WHEN type = 'text' AND value GLOB '[1-9]*'\n"
	"    AND NOT value GLOB '*[^0-9]*' AND length(value) <= 15\n"
	"    THEN CAST(value AS INTEGER) ELSE value END)\n"
	"  FROM json_each(inwx_record_ids))\n"
	"WHERE inwx_record_ids IS NOT NULL AND json_type(inwx_record_ids) = 'object';\n"
	/* the provisioning_status vrsctl last wrote: any other 'suspended' is the application's */
	"ALTER TABLE vrs_project_ext ADD COLUMN vrs_status TEXT CHECK (vrs_status IS NULL OR vrs_status IN " PROV_STATUS ");\n"
	"ALTER TABLE vrs_project_ext ADD COLUMN " BOOL("stopped_for_app", 0) ";\n"
	"UPDATE vrs_project_ext SET vrs_status = (SELECT provisioning_status FROM marketplace_project p WHERE p.id = project_id);\n";
/* clang-format on */

/*
 * 4: when each zone was last read by a refresh and last written (issue 15,
 * item 4): a watch's tick reads a share of the zones, oldest-read first.
 */
static const char schema_v4[] = "CREATE TABLE vrs_zone_read (\n"
				"zone TEXT PRIMARY KEY,\n"
				"read_at INTEGER NOT NULL DEFAULT 0,\n"
				"written_at INTEGER NOT NULL DEFAULT 0);\n";

/*
 * 5: which catalogue rows are vrsctl's (vrs_catalogue, issue 13): a row the
 * application made that no spec names is left alone, not planned as a
 * delete. The rows of an existing state were made from specs (vrsctl
 * deleted every other one it saw), so they are marked, except a row whose
 * created_at has a fraction of a second: vrsctl stamps whole seconds
 * (st_time_store), the application's models microseconds. None of a state
 * vrsctl joined (vrs_meta 'joined', written by the join from this version
 * on): its rows were the application's. On SQLite the join ends at the
 * latest version without running this; on PostgreSQL it runs right after.
 */
#define OWN(kind, col, table)                                                                      \
	"INSERT INTO vrs_catalogue (kind, key) SELECT '" kind "', " col " FROM " table             \
	" WHERE created_at NOT GLOB '*.*[1-9]*' AND NOT EXISTS "                                   \
	"(SELECT 1 FROM vrs_meta WHERE key = 'joined');\n"

/* clang-format off */
static const char schema_v5[] =
	"CREATE TABLE vrs_catalogue (\n"
	"kind TEXT NOT NULL CHECK (kind IN ('server', 'base_domain', 'project_type', 'plugin', 'bundle')),\n"
	"key TEXT NOT NULL,\n"
	"PRIMARY KEY (kind, key));\n"
	OWN("server", "name", "marketplace_server")
	OWN("base_domain", "domain", "marketplace_base_domain")
	OWN("project_type", "code", "marketplace_project_type")
	OWN("plugin", "name", "marketplace_plugin_meta")
	OWN("bundle", "code", "marketplace_bundle");
/* clang-format on */

const struct migration state_migrations[] = {
    {1, schema_v1}, {2, schema_v2}, {3, schema_v3}, {4, schema_v4}, {5, schema_v5},
};
const int state_nmigrations = (int)(sizeof(state_migrations) / sizeof(state_migrations[0]));

/* PostgreSQL: vrs_meta's schema_version; 0 while vrs_meta does not exist */
static int pg_version(struct state *st, int *v, struct vrs_err *err)
{
	char *val = NULL;
	int have = st_has_table(st, "vrs_meta");

	*v = 0;
	if (have < 0)
		return st_dberr(st, err, "reading schema version");
	if (have == 0)
		return 0;
	if (st_meta_read(st, "schema_version", &val, err) < 0)
		return -1;
	*v = val ? atoi(val) : 0;
	free(val);
	return 0;
}

static int user_version(struct state *st, int *v, struct vrs_err *err)
{
	struct db_stmt *s = NULL;
	int rc;

	if (st->pg)
		return pg_version(st, v, err);
	if (st_prepare(st, &s, "PRAGMA user_version", err) < 0)
		return -1;
	rc = db_step(s);
	if (rc != DB_ROW) {
		db_finalize(s);
		return st_dberr(st, err, "reading schema version");
	}
	*v = (int)db_col_int(s, 0);
	db_finalize(s);
	return 0;
}

/* what a freshly created state gets in the migration that creates vrs_meta */
static int seed_meta(struct state *st, struct vrs_err *err)
{
	char lineage[33];

	if (st_random_hex(16, lineage, err) < 0)
		return -1;
	if (st_meta_write(st, "lineage", lineage, err) < 0 ||
	    st_meta_write(st, "serial", "0", err) < 0)
		return -1;
	return 0;
}

/* the version written with a migration: PRAGMA on SQLite, vrs_meta on PostgreSQL */
static int set_version(struct state *st, int version, struct vrs_err *err)
{
	char sql[64];

	if (st->pg) {
		snprintf(sql, sizeof(sql), "%d", version);
		return st_meta_write(st, "schema_version", sql, err);
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
	return st_exec(st, sql, err);
}

int state_migrate(struct state *st, struct vrs_err *err)
{
	const struct migration *list = st->pg ? state_pg_migrations : state_migrations;
	int n = st->pg ? state_pg_nmigrations : state_nmigrations;

	for (int i = 0; i < n; i++) {
		const struct migration *m = &list[i];
		int v;

		if (db_begin(st->db) < 0)
			return st_dberr(st, err, "migration %d: BEGIN", m->version);
		/* PostgreSQL: one migrator at a time (the lock ends with the transaction) */
		if (st->pg && st_exec(st, "SELECT pg_advisory_xact_lock(7673726374)", err) < 0)
			goto fail;
		/* re-read inside the transaction: another process may have migrated */
		if (user_version(st, &v, err) < 0)
			goto fail;
		if (v >= m->version) {
			if (db_commit(st->db) < 0) {
				st_dberr(st, err, "migration %d: COMMIT", m->version);
				goto fail;
			}
			continue;
		}
		if (st_exec(st, m->sql, err) < 0) {
			err_prefix(err, "migration %d", m->version);
			goto fail;
		}
		if (v == 0 && !st->memview && seed_meta(st, err) < 0)
			goto fail;
		if (set_version(st, m->version, err) < 0)
			goto fail;
		if (db_commit(st->db) < 0) {
			st_dberr(st, err, "migration %d: COMMIT", m->version);
			goto fail;
		}
		continue;
	fail:
		db_rollback(st->db);
		return -1;
	}
	return 0;
}

int state_user_version(struct state *st, int *v, struct vrs_err *err)
{
	return user_version(st, v, err);
}
