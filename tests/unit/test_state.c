/*
 * test_state.c — unit tests of src/state/: schema against the model
 * specification, migrations, open modes, lock, load/store round trip,
 * journal, provisioning log, api key and fingerprint key.
 *
 * Each test gets its own temporary directory (setup/teardown). Tests look
 * into the database with SQLite directly to check the schema; everything
 * else goes through state.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <signal.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model/model.h"
#include "state/state.h"
#include "util/err.h"

struct fx {
	char dir[64];
	char path[512]; /* dir/sub/vrs.db, or $VRS_TEST_PG's URL */
	struct vrs_err err;
};

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

/* VRS_TEST_PG (tests/pg.sh): run the backend-neutral tests on that PostgreSQL database */
static const char *pg_url(void)
{
	const char *u = getenv("VRS_TEST_PG");
	return u && *u ? u : NULL;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/vrs-state-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/sub/vrs.db", f->dir);
	if (pg_url()) {
		/* every test on an empty database: drop everything the last one made */
		PGconn *c = PQconnectdb(pg_url());
		PGresult *r = PQexec(c, "SET client_min_messages = warning; DROP SCHEMA public "
					"CASCADE; CREATE SCHEMA public");
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			fail_msg("resetting %s: %s", pg_url(), PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
		snprintf(f->path, sizeof(f->path), "%s", pg_url());
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	nftw(f->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static struct state *open_w(struct fx *f)
{
	struct state *st = NULL;

	if (state_open(f->path, STATE_WRITE, &st, &f->err) < 0)
		fail_msg("state_open: %s", f->err.msg);
	return st;
}

/* run one SQL statement on the raw file; returns the sqlite result code */
static int raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* ---- schema ------------------------------------------------------------- */

/* every table and column the model specification names (plus the designed ones) */
static const char *const spec_columns[][40] = {
    {"marketplace_project",
     "id",
     "name",
     "slug",
     "owner_email",
     "api_key",
     "is_active",
     "is_superadmin",
     "project_type_id",
     "trial_start_date",
     "trial_end_date",
     "provisioning_status",
     "provisioning_started_at",
     "provisioning_completed_at",
     "provisioning_error",
     "provisioning_retry_count",
     "coolify_project_uuid",
     "coolify_app_uuid",
     "coolify_environment_uuid",
     "server_id",
     "is_demo",
     "cloned_from_project_id",
     "preview_protection_enabled",
     "payment_method",
     "stripe_customer_id",
     "stripe_subscription_id",
     "billing_email",
     "bundle_id",
     "created_at",
     "updated_at",
     NULL},
    {"marketplace_project_type", "id", "code", "name", "description", "trial_days", "has_trial",
     "is_active", "created_at", "updated_at", NULL},
    {"marketplace_base_domain", "id", "domain", "display_name", "inwx_domain_id", "is_active",
     "is_default", "sort_order", "has_wildcard_ssl", "created_at", "updated_at", NULL},
    {"marketplace_server", "id", "name", "coolify_uuid", "hetzner_server_id", "status",
     "ip_address", "ssh_port", "max_projects", "hetzner_server_type", "hetzner_location",
     "is_accepting_new", "notes", "created_at", "updated_at", NULL},
    {"marketplace_project_domain",
     "id",
     "project_id",
     "domain",
     "domain_type",
     "status",
     "is_primary",
     "base_domain_id",
     "subdomain",
     "inwx_domain_id",
     "inwx_record_ids",
     "transfer_auth_code",
     "registration_cost_cents",
     "renewal_cost_cents",
     "expires_at",
     "ssl_provisioned",
     "ssl_expires_at",
     "created_at",
     "updated_at",
     NULL},
    {"marketplace_provisioning_log", "id", "project_id", "action", "old_status", "new_status",
     "message", "error_details", "external_id", "external_service", "metadata_json", "triggered_by",
     "created_at", NULL},
    {"marketplace_preview_access", "id", "project_id", "token", "code", "email", "name",
     "expires_at", "is_used", "used_at", "used_ip", "is_reusable", "use_count", "notes",
     "created_at", "created_by", NULL},
    {"marketplace_bundle", "id", "code", "name", "description", "project_type_id", "is_default",
     "billing_cycle", "discount_percent", "is_active", "sort_order", "created_at", "updated_at",
     NULL},
    {"marketplace_bundle_plugins", "bundle_id", "plugin_id", NULL},
    {"marketplace_plugin_meta", "id", "name", "display_name", "description", "is_active",
     "created_at", "updated_at", NULL},
    {"marketplace_plugin_price", "id", "plugin_id", "project_type_id", "billing_cycle",
     "price_cents", NULL},
    {"vrs_meta", "key", "value", NULL},
    {"vrs_journal", "id", "started_at", "completed_at", "op", "resource", "key", "project_slug",
     "service", "remote_name", "request_summary", "result", "external_id", "error", NULL},
    {"vrs_app_config", "project_id", "image", "port", "health_path", "fqdns", "applied_at", NULL},
    {"vrs_app_env", "project_id", "key", "is_secret", "value", "fingerprint", NULL},
};

static bool has_column(sqlite3 *db, const char *table, const char *col, int *notnull)
{
	char sql[128];
	sqlite3_stmt *s;
	bool found = false;

	snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)", table);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW)
		if (strcmp((const char *)sqlite3_column_text(s, 1), col) == 0) {
			found = true;
			if (notnull)
				*notnull = sqlite3_column_int(s, 3);
		}
	sqlite3_finalize(s);
	return found;
}

static bool has_index(sqlite3 *db, const char *name)
{
	sqlite3_stmt *s;
	bool found;

	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT 1 FROM sqlite_master WHERE type = 'index' AND "
					    "name = ?",
					    -1, &s, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return found;
}

static void test_schema_columns(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	sqlite3 *db;
	int nn = -1;

	state_close(st);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	for (size_t t = 0; t < sizeof(spec_columns) / sizeof(spec_columns[0]); t++)
		for (size_t c = 1; spec_columns[t][c]; c++)
			if (!has_column(db, spec_columns[t][0], spec_columns[t][c], NULL))
				fail_msg("missing column %s.%s", spec_columns[t][0],
					 spec_columns[t][c]);
	/* a few NOT NULLs and the named indexes of the specification */
	assert_true(has_column(db, "marketplace_project", "api_key", &nn));
	assert_int_equal(nn, 1);
	assert_true(has_column(db, "marketplace_project", "server_id", &nn));
	assert_int_equal(nn, 0);
	assert_true(has_column(db, "marketplace_project_domain", "domain_type", &nn));
	assert_int_equal(nn, 1);
	assert_true(has_index(db, "idx_project_provisioning_status"));
	assert_true(has_index(db, "idx_project_coolify_app"));
	assert_true(has_index(db, "idx_project_server"));
	assert_true(has_index(db, "idx_prov_log_project_created"));
	assert_true(has_index(db, "ix_marketplace_project_slug"));
	assert_true(has_index(db, "ix_marketplace_project_api_key"));
	assert_true(has_index(db, "ix_marketplace_preview_access_token"));
	/* UNIQUE constraints */
	assert_true(has_index(
	    db, "sqlite_autoindex_marketplace_project_domain_1")); /* uq_base_domain_subdomain */
	assert_true(has_index(db, "sqlite_autoindex_marketplace_plugin_price_1"));
	sqlite3_close(db);
}

static void test_schema_defaults_and_checks(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	sqlite3 *db;
	sqlite3_stmt *s;

	state_close(st);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	assert_int_equal(
	    sqlite3_exec(db,
			 "INSERT INTO marketplace_server (name, coolify_uuid, ip_address) "
			 "VALUES ('a', 'u1', '203.0.113.1')",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db,
			       "SELECT status, ssh_port, max_projects, is_accepting_new, "
			       "created_at FROM marketplace_server",
			       -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(s, 0), "active");
	assert_int_equal(sqlite3_column_int(s, 1), 22);
	assert_int_equal(sqlite3_column_int(s, 2), 20);
	assert_int_equal(sqlite3_column_int(s, 3), 1);
	assert_int_equal(strlen((const char *)sqlite3_column_text(s, 4)), 20); /* ...T..Z */
	sqlite3_finalize(s);
	/* bad enum values are rejected */
	assert_int_equal(
	    sqlite3_exec(db,
			 "INSERT INTO marketplace_server (name, coolify_uuid, ip_address, "
			 "status) VALUES ('b', 'u2', '203.0.113.2', 'Active')",
			 NULL, NULL, NULL),
	    SQLITE_CONSTRAINT);
	assert_int_equal(sqlite3_exec(db,
				      "INSERT INTO marketplace_project (name, slug, owner_email, "
				      "api_key, provisioning_status) VALUES ('x', 'x', 'e', 'k', "
				      "'running')",
				      NULL, NULL, NULL),
			 SQLITE_CONSTRAINT);
	assert_int_equal(
	    sqlite3_exec(db,
			 "INSERT INTO marketplace_project (name, slug, owner_email, "
			 "api_key, payment_method) VALUES ('x', 'x', 'e', 'k', 'cash')",
			 NULL, NULL, NULL),
	    SQLITE_CONSTRAINT);
	assert_int_equal(sqlite3_exec(db,
				      "INSERT INTO marketplace_project (name, slug, owner_email, "
				      "api_key) VALUES ('x', 'x', 'e', 'k')",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "INSERT INTO marketplace_project_domain (project_id, domain, "
				      "domain_type) VALUES (1, 'x.de', 'bought')",
				      NULL, NULL, NULL),
			 SQLITE_CONSTRAINT);
	assert_int_equal(sqlite3_exec(db,
				      "INSERT INTO marketplace_project_domain (project_id, domain, "
				      "domain_type, status) VALUES (1, 'x.de', 'owned', 'live')",
				      NULL, NULL, NULL),
			 SQLITE_CONSTRAINT);
	assert_int_equal(
	    sqlite3_exec(db,
			 "INSERT INTO marketplace_project_domain (project_id, domain, "
			 "domain_type, inwx_record_ids) VALUES (1, 'x.de', 'owned', '{')",
			 NULL, NULL, NULL),
	    SQLITE_CONSTRAINT);
	assert_int_equal(
	    sqlite3_exec(db,
			 "INSERT INTO vrs_journal (started_at, op, resource, key, service) "
			 "VALUES ('2026-01-01T00:00:00Z', 'create', 'project', 'k', 'aws')",
			 NULL, NULL, NULL),
	    SQLITE_CONSTRAINT);
	/* a secret env row cannot hold a value */
	assert_int_equal(sqlite3_exec(db,
				      "INSERT INTO vrs_app_env (project_id, key, is_secret, value, "
				      "fingerprint) VALUES (1, 'K', 1, 'plain', 'ab')",
				      NULL, NULL, NULL),
			 SQLITE_CONSTRAINT);
	sqlite3_close(db);
}

/* ---- open modes and migrations ------------------------------------------ */

static void test_migrate_idempotent(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	struct state_meta m1, m2;

	assert_true(state_is_new(st));
	assert_int_equal(state_meta_get(st, &m1, &f->err), 0);
	assert_non_null(m1.lineage);
	assert_int_equal(strlen(m1.lineage), 32);
	assert_int_equal(m1.serial, 0);
	state_close(st);
	for (int i = 0; i < 2; i++) {
		st = open_w(f);
		assert_false(state_is_new(st));
		assert_int_equal(state_meta_get(st, &m2, &f->err), 0);
		assert_string_equal(m1.lineage, m2.lineage);
		state_meta_release(&m2);
		state_close(st);
	}
	state_meta_release(&m1);
	assert_int_equal(raw_exec(f->path, "PRAGMA integrity_check"), SQLITE_OK);
}

static void test_newer_version_refused(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	char want[512];

	state_close(st);
	char pragma[64];

	/* one version past what this build knows (the migrations grow) */
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", STATE_SCHEMA_VERSION + 1);
	assert_int_equal(raw_exec(f->path, pragma), SQLITE_OK);
	snprintf(want, sizeof(want),
		 "state %s has schema version %d, this vrsctl supports up to %d; upgrade vrsctl",
		 f->path, STATE_SCHEMA_VERSION + 1, STATE_SCHEMA_VERSION);
	assert_int_equal(state_open(f->path, STATE_WRITE, &st, &f->err), -1);
	assert_null(st);
	assert_string_equal(f->err.msg, want);
	assert_int_equal(state_open(f->path, STATE_READ, &st, &f->err), -1);
	assert_string_equal(f->err.msg, want);
}

static void test_not_sqlite_refused(void **state)
{
	struct fx *f = *state;
	struct state *st = NULL;
	char path[160];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/junk.db", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("kind: Server\nname: this is yaml, not a database, and long enough to matter\n"
	      "..............................................................................\n",
	      fp);
	fclose(fp);
	assert_int_equal(state_open(path, STATE_WRITE, &st, &f->err), -1);
	assert_non_null(strstr(f->err.msg, "is not a SQLite database"));
	assert_int_equal(state_open(path, STATE_READ, &st, &f->err), -1);
	assert_non_null(strstr(f->err.msg, "is not a SQLite database"));
}

static void test_read_missing_creates_nothing(void **state)
{
	struct fx *f = *state;
	struct state *st = NULL;
	struct state_meta m;
	struct m_world w;
	struct stat sb;
	unsigned char k1[32], k2[32];

	assert_int_equal(state_open(f->path, STATE_READ, &st, &f->err), 0);
	assert_true(state_is_new(st));
	assert_int_equal(state_meta_get(st, &m, &f->err), 0);
	assert_null(m.lineage);
	state_meta_release(&m);
	world_init(&w);
	assert_int_equal(state_load(st, &w, &f->err), 0);
	assert_int_equal(w.nprojects + w.nservers, 0);
	world_release(&w);
	/* a made-up but stable key for this handle */
	assert_int_equal(state_fingerprint_key(st, k1, &f->err), 0);
	assert_int_equal(state_fingerprint_key(st, k2, &f->err), 0);
	assert_memory_equal(k1, k2, 32);
	/* writes are refused */
	assert_int_equal(state_begin(st, &f->err), -1);
	state_close(st);
	assert_int_equal(stat(f->path, &sb), -1);
	snprintf(f->err.msg, sizeof(f->err.msg), "%s/sub", f->dir);
	assert_int_equal(stat(f->err.msg, &sb), -1);
}

static char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	char *p;
	long len;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	p = malloc((size_t)len + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	*n = (size_t)len;
	return p;
}

static void test_read_does_not_modify(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	struct stat a, b;
	struct m_world w;
	char *before, *after;
	size_t n1, n2;

	state_close(st);
	assert_int_equal(stat(f->path, &a), 0);
	before = slurp(f->path, &n1);
	sleep(1);
	assert_int_equal(state_open(f->path, STATE_READ, &st, &f->err), 0);
	assert_false(state_is_new(st));
	world_init(&w);
	assert_int_equal(state_load(st, &w, &f->err), 0);
	world_release(&w);
	state_close(st);
	assert_int_equal(stat(f->path, &b), 0);
	after = slurp(f->path, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(before, after, n1);
	assert_int_equal(a.st_mtime, b.st_mtime);
	free(before);
	free(after);

	/* an older schema is not migrated by a reader */
	assert_int_equal(raw_exec(f->path, "PRAGMA user_version = 0; CREATE TABLE t(x)"),
			 SQLITE_OK);
	assert_int_equal(state_open(f->path, STATE_READ, &st, &f->err), -1);
}

static void test_read_needs_migration(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);

	state_close(st);
	/* pretend the binary knows 1 but the file is at 0 with tables: not ours */
	assert_int_equal(raw_exec(f->path, "PRAGMA user_version = 0"), SQLITE_OK);
	assert_int_equal(state_open(f->path, STATE_READ, &st, &f->err), -1);
	assert_non_null(strstr(f->err.msg, "no schema version"));
}

/* ---- lock --------------------------------------------------------------- */

static void test_lock_contention(void **state)
{
	struct fx *f = *state;
	struct state_lock *lk = NULL;
	int pipefd[2], holder = 0;
	pid_t child;
	char c;

	assert_int_equal(pipe(pipefd), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct state_lock *mine = NULL;
		struct vrs_err e;
		close(pipefd[0]);
		if (state_lock(f->path, &mine, NULL, &e) < 0)
			_exit(1);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	close(pipefd[0]);

	assert_int_equal(state_lock(f->path, &lk, &holder, &f->err), -1);
	assert_null(lk);
	assert_int_equal(holder, child);
	assert_int_equal(f->err.code, VRS_E_LOCKED);
	{
		char want[512];
		snprintf(want, sizeof(want), "state %s is locked by pid %d", f->path, (int)child);
		assert_string_equal(f->err.msg, want);
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_int_equal(state_lock(f->path, &lk, &holder, &f->err), 0);
	assert_non_null(lk);
	/* held by us now: a second take in the same process contends too (flock per open) */
	{
		struct state_lock *lk2 = NULL;
		assert_int_equal(state_lock(f->path, &lk2, &holder, &f->err), -1);
		assert_int_equal(holder, (int)getpid());
	}
	state_unlock(lk);
	assert_int_equal(state_lock(f->path, &lk, NULL, &f->err), 0);
	state_unlock(lk);
}

/* ---- round trip of a full world ----------------------------------------- */

static char *S(const char *s)
{
	return s ? strdup(s) : NULL;
}

#define FP1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* a world with every field set to something other than its default */
static void build_world(struct m_world *w)
{
	struct m_server *sv;
	struct m_project *p;
	struct m_domain *d;

	world_init(w);
	w->nservers = 2;
	w->servers = calloc(2, sizeof(*w->servers));
	sv = &w->servers[0];
	sv->name = S("fsn1-01");
	sv->coolify_uuid = S("rg8ks8c");
	sv->ip_address = S("203.0.113.10");
	sv->ipv6_address = S("2001:db8::10");
	sv->ssh_port = 2222;
	sv->max_projects = 30;
	sv->accepting_new = false;
	sv->status = SS_MAINTENANCE;
	sv->hetzner_server_id = 4711;
	sv->hetzner_server_type = S("cx31");
	sv->hetzner_location = S("fsn1");
	sv->notes = S("rack 3");
	sv = &w->servers[1];
	sv->name = S("nbg1-01");
	sv->coolify_uuid = S("abc123");
	sv->ip_address = S("203.0.113.11");
	sv->ssh_port = 22;
	sv->max_projects = 20;
	sv->accepting_new = true;
	sv->status = SS_ACTIVE;

	w->nbase_domains = 2;
	w->base_domains = calloc(2, sizeof(*w->base_domains));
	w->base_domains[0] = (struct m_base_domain){.domain = S("vrs-preview.de"),
						    .display_name = S("Preview"),
						    .is_active = true,
						    .sort_order = 2,
						    .inwx_domain_id = 99};
	w->base_domains[1] = (struct m_base_domain){.domain = S("vrs.gmbh"),
						    .display_name = S("VRS GmbH"),
						    .is_active = true,
						    .is_default = true,
						    .sort_order = 1,
						    .wildcard_ssl = true};

	w->nproject_types = 2;
	w->project_types = calloc(2, sizeof(*w->project_types));
	w->project_types[0] = (struct m_project_type){
	    .code = S("gastro"), .name = S("Gastronomie"), .trial_days = 14};
	w->project_types[1] = (struct m_project_type){.code = S("shop"), .name = S("Shop")};

	w->nplugins = 2;
	w->plugins = calloc(2, sizeof(*w->plugins));
	w->plugins[0].name = S("menu");
	w->plugins[1].name = S("reservations");
	w->plugins[1].nprices = 3;
	w->plugins[1].prices = calloc(3, sizeof(struct m_plugin_price));
	w->plugins[1].prices[0] = (struct m_plugin_price){
	    .project_type = S("gastro"), .billing_cycle = BC_MONTHLY, .price_cents = 1490};
	w->plugins[1].prices[1] = (struct m_plugin_price){
	    .project_type = S("gastro"), .billing_cycle = BC_YEARLY, .price_cents = 14900};
	w->plugins[1].prices[2] = (struct m_plugin_price){
	    .project_type = S("shop"), .billing_cycle = BC_ONCE, .price_cents = 500};

	w->nbundles = 1;
	w->bundles = calloc(1, sizeof(*w->bundles));
	w->bundles[0] = (struct m_bundle){.code = S("gastro-basic"),
					  .name = S("Gastro Basic"),
					  .description = S("the basics"),
					  .project_type = S("gastro"),
					  .billing_cycle = BC_YEARLY,
					  .discount_percent = 10,
					  .is_default = true,
					  .is_active = true,
					  .sort_order = 3};
	w->bundles[0].nplugins = 2;
	w->bundles[0].plugins = calloc(2, sizeof(char *));
	w->bundles[0].plugins[0] = S("menu");
	w->bundles[0].plugins[1] = S("reservations");

	w->nprojects = 2;
	w->projects = calloc(2, sizeof(*w->projects));
	p = &w->projects[0];
	p->slug = S("pizzeria-roma");
	p->name = S("Pizzeria Roma");
	p->owner_email = S("info@pizzeria-roma.de");
	p->project_type = S("gastro");
	p->bundle = S("gastro-basic");
	p->lifecycle = LC_SUSPENDED;
	p->server = S("fsn1-01");
	p->superadmin = true;
	p->payment_method = PM_STRIPE_SUBSCRIPTION;
	p->payment_confirmed = false;
	p->billing_email = S("buchhaltung@pizzeria-roma.de");
	p->stripe_customer_id = S("cus_1");
	p->stripe_subscription_id = S("sub_1");
	p->trial_days = 14;
	p->demo = true;
	p->preview_protection = true;
	p->app.image = S("ghcr.io/vrs-gmbh/vrs-core:1.4.2");
	p->app.port = 8000;
	p->app.health_path = S("/health");
	p->app.nenv = 2;
	p->app.env = calloc(2, sizeof(struct m_env));
	p->app.env[0] =
	    (struct m_env){.key = S("SMTP_PASSWORD"), .kind = VK_FROM_ENV, .fingerprint = S(FP1)};
	p->app.env[1] =
	    (struct m_env){.key = S("VRS_LOCALE"), .kind = VK_LITERAL, .value = S("de_DE")};
	p->status = PS_ERROR;
	p->coolify_project_uuid = S("cp-1");
	p->coolify_environment_uuid = S("ce-1");
	p->coolify_app_uuid = S("ca-1");
	p->provisioning_error = S("HTTP 500");
	p->provisioning_retry_count = 2;
	p->provisioning_started_at = 1764176400; /* 2025-11-26T17:00:00Z */
	p->trial_start_date = 1764176400;
	p->trial_end_date = 1764176400 + 14 * 86400;
	p->has_api_key = true;
	p->applied_fqdns = S("https://pizzeria-roma.de,https://roma.vrs.gmbh");
	p->ndomains = 3;
	p->domains = calloc(3, sizeof(struct m_domain));
	d = &p->domains[0];
	d->fqdn = S("pizzeria-roma.de");
	d->type = DT_TRANSFERRED;
	d->primary = true;
	d->max_price_cents = -1;
	d->auth_code_kind = VK_FROM_FILE;
	d->auth_code_ref = S("/run/secrets/roma");
	d->status = DS_ACTIVE;
	d->zone = S("pizzeria-roma.de");
	d->record_a = S("101");
	d->record_www = S("103");
	d->inwx_domain_id = 555;
	d->registration_cost_cents = 1200;
	d->renewal_cost_cents = 1500;
	d->expires_at = 1795712400;
	d = &p->domains[1];
	d->fqdn = S("roma.vrs-preview.de");
	d->type = DT_SUBDOMAIN;
	d->subdomain = S("roma");
	d->base_domain = S("vrs-preview.de");
	d->max_price_cents = -1;
	d->status = DS_PENDING_DNS;
	d->registration_cost_cents = -1;
	d->renewal_cost_cents = -1;
	d = &p->domains[2];
	d->fqdn = S("roma.vrs.gmbh");
	d->type = DT_SUBDOMAIN;
	d->subdomain = S("roma");
	d->base_domain = S("vrs.gmbh");
	d->max_price_cents = 1500;
	d->status = DS_ACTIVE;
	d->zone = S("vrs.gmbh");
	d->record_a = S("201");
	d->record_aaaa = S("202");
	d->record_www = S("203");
	d->registration_cost_cents = -1;
	d->renewal_cost_cents = -1;

	p = &w->projects[1];
	p->slug = S("roma-demo");
	p->name = S("Roma Demo");
	p->owner_email = S("demo@vrs.gmbh");
	p->project_type = S("gastro");
	p->cloned_from = S("pizzeria-roma");
	p->payment_method = PM_FREE;
	p->payment_confirmed = true;
	p->status = PS_DRAFT;
	p->has_api_key = true;
}

static void store_world(struct state *st, const struct m_world *w)
{
	struct vrs_err e;

#define OK(x)                                                                                      \
	do {                                                                                       \
		if ((x) < 0)                                                                       \
			fail_msg("%s: %s", #x, e.msg);                                             \
	} while (0)
	OK(state_begin(st, &e));
	for (size_t i = 0; i < w->nservers; i++)
		OK(state_server_upsert(st, &w->servers[i], &e));
	for (size_t i = 0; i < w->nbase_domains; i++)
		OK(state_base_domain_upsert(st, &w->base_domains[i], &e));
	for (size_t i = 0; i < w->nproject_types; i++)
		OK(state_project_type_upsert(st, &w->project_types[i], &e));
	for (size_t i = 0; i < w->nplugins; i++)
		OK(state_plugin_upsert(st, &w->plugins[i], &e));
	for (size_t i = 0; i < w->nbundles; i++)
		OK(state_bundle_upsert(st, &w->bundles[i], &e));
	for (size_t i = 0; i < w->nprojects; i++) {
		const struct m_project *p = &w->projects[i];
		OK(state_project_upsert(st, p, &e));
		/* started_at is set by entering provisioning (the test's clock is fixed) */
		if (p->provisioning_started_at)
			OK(state_project_set_status(st, p->slug, PS_PROVISIONING, NULL, &e));
		OK(state_project_set_status(st, p->slug, p->status, p->provisioning_error, &e));
		if (p->server)
			OK(state_project_place(st, p->slug, p->server, &e));
		OK(state_project_set_uuid(st, p->slug, SU_COOLIFY_PROJECT, p->coolify_project_uuid,
					  &e));
		OK(state_project_set_uuid(st, p->slug, SU_COOLIFY_ENVIRONMENT,
					  p->coolify_environment_uuid, &e));
		OK(state_project_set_uuid(st, p->slug, SU_COOLIFY_APP, p->coolify_app_uuid, &e));
		OK(state_project_retry_reset(st, p->slug, &e));
		for (int r = 0; r < p->provisioning_retry_count; r++)
			OK(state_project_retry_increment(st, p->slug, &e));
		OK(state_project_set_trial(st, p->slug, p->trial_start_date, p->trial_end_date,
					   &e));
		if (p->app.image)
			OK(state_app_set(st, p->slug, p->app.image, p->app.port, p->app.health_path,
					 p->applied_fqdns, &e));
		for (size_t k = 0; k < p->app.nenv; k++) {
			const struct m_env *v = &p->app.env[k];
			if (v->kind == VK_LITERAL)
				OK(state_app_env_set_literal(st, p->slug, v->key, v->value, &e));
			else
				OK(state_app_env_set_secret(st, p->slug, v->key, v->fingerprint,
							    &e));
		}
		for (size_t k = 0; k < p->ndomains; k++) {
			const struct m_domain *d = &p->domains[k];
			OK(state_domain_upsert(st, p->slug, d, &e));
			OK(state_domain_set_status(st, d->fqdn, d->status, &e));
			OK(state_domain_set_zone(st, d->fqdn, d->zone, &e));
			OK(state_domain_set_records(st, d->fqdn, d->record_a, d->record_aaaa,
						    d->record_www, &e));
			OK(state_domain_set_costs(st, d->fqdn, d->registration_cost_cents,
						  d->renewal_cost_cents, &e));
			OK(state_domain_set_expiry(st, d->fqdn, d->expires_at, &e));
			OK(state_domain_set_inwx_id(st, d->fqdn, d->inwx_domain_id, &e));
		}
	}
	OK(state_commit(st, &e));
#undef OK
}

static void eq_str(const char *what, const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
		fail_msg("%s: \"%s\" != \"%s\"", what, a ? a : "(null)", b ? b : "(null)");
}

#define EQS(f) eq_str(#f, x->f, y->f)
#define EQI(f) assert_int_equal(x->f, y->f)

static void world_equal(const struct m_world *a, const struct m_world *b)
{
	assert_int_equal(a->nservers, b->nservers);
	for (size_t i = 0; i < a->nservers; i++) {
		const struct m_server *x = &a->servers[i], *y = &b->servers[i];
		EQS(name), EQS(coolify_uuid), EQS(ip_address), EQS(ipv6_address);
		EQI(ssh_port), EQI(max_projects), EQI(accepting_new), EQI(status);
		EQI(hetzner_server_id), EQS(hetzner_server_type), EQS(hetzner_location), EQS(notes);
	}
	assert_int_equal(a->nbase_domains, b->nbase_domains);
	for (size_t i = 0; i < a->nbase_domains; i++) {
		const struct m_base_domain *x = &a->base_domains[i], *y = &b->base_domains[i];
		EQS(domain), EQS(display_name), EQI(is_active), EQI(is_default), EQI(sort_order);
		EQI(wildcard_ssl), EQI(inwx_domain_id);
	}
	assert_int_equal(a->nproject_types, b->nproject_types);
	for (size_t i = 0; i < a->nproject_types; i++) {
		const struct m_project_type *x = &a->project_types[i], *y = &b->project_types[i];
		EQS(code), EQS(name), EQI(trial_days);
	}
	assert_int_equal(a->nplugins, b->nplugins);
	for (size_t i = 0; i < a->nplugins; i++) {
		const struct m_plugin *x = &a->plugins[i], *y = &b->plugins[i];
		EQS(name), EQI(nprices);
		for (size_t j = 0; j < x->nprices; j++) {
			eq_str("price type", x->prices[j].project_type, y->prices[j].project_type);
			assert_int_equal(x->prices[j].billing_cycle, y->prices[j].billing_cycle);
			assert_int_equal(x->prices[j].price_cents, y->prices[j].price_cents);
		}
	}
	assert_int_equal(a->nbundles, b->nbundles);
	for (size_t i = 0; i < a->nbundles; i++) {
		const struct m_bundle *x = &a->bundles[i], *y = &b->bundles[i];
		EQS(code), EQS(name), EQS(description), EQS(project_type), EQI(nplugins);
		for (size_t j = 0; j < x->nplugins; j++)
			eq_str("bundle plugin", x->plugins[j], y->plugins[j]);
		EQI(billing_cycle), EQI(discount_percent), EQI(is_default), EQI(is_active);
		EQI(sort_order);
	}
	assert_int_equal(a->nprojects, b->nprojects);
	for (size_t i = 0; i < a->nprojects; i++) {
		const struct m_project *x = &a->projects[i], *y = &b->projects[i];
		EQS(slug), EQS(name), EQS(owner_email), EQS(project_type), EQS(bundle);
		EQI(lifecycle), EQS(server), EQI(superadmin), EQI(payment_method);
		EQI(payment_confirmed), EQS(billing_email), EQS(stripe_customer_id);
		EQS(stripe_subscription_id), EQI(trial_days), EQI(demo), EQS(cloned_from);
		EQI(preview_protection), EQS(app.image), EQI(app.port), EQS(app.health_path);
		EQI(app.nenv);
		for (size_t j = 0; j < x->app.nenv; j++) {
			const struct m_env *u = &x->app.env[j], *v = &y->app.env[j];
			eq_str("env key", u->key, v->key);
			assert_int_equal(u->kind, v->kind);
			eq_str("env value", u->value, v->value);
			eq_str("env fingerprint", u->fingerprint, v->fingerprint);
		}
		EQI(status), EQS(coolify_project_uuid), EQS(coolify_environment_uuid);
		EQS(coolify_app_uuid), EQS(provisioning_error), EQI(provisioning_retry_count);
		EQI(provisioning_started_at), EQI(provisioning_completed_at);
		EQI(trial_start_date), EQI(trial_end_date), EQI(has_api_key), EQS(applied_fqdns);
		EQI(ndomains);
		for (size_t j = 0; j < x->ndomains; j++) {
			const struct m_domain *u = &x->domains[j], *v = &y->domains[j];
			const struct m_domain *sx = x->domains, *sy = y->domains;
			(void)sx;
			(void)sy;
			{
				const struct m_domain *px = u, *py = v;
#undef EQS
#undef EQI
#define EQS(f) eq_str(#f, px->f, py->f)
#define EQI(f) assert_int_equal(px->f, py->f)
				EQS(fqdn), EQI(type), EQS(subdomain), EQS(base_domain),
				    EQI(primary);
				EQI(max_price_cents), EQI(auth_code_kind), EQS(auth_code_ref);
				EQI(status), EQS(zone), EQS(record_a), EQS(record_aaaa);
				EQS(record_www), EQI(inwx_domain_id), EQI(registration_cost_cents);
				EQI(renewal_cost_cents), EQI(expires_at);
#undef EQS
#undef EQI
#define EQS(f) eq_str(#f, x->f, y->f)
#define EQI(f) assert_int_equal(x->f, y->f)
			}
		}
	}
}

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	struct m_world w, r, r2;
	struct state_meta m;

	build_world(&w);
	state_set_now(st, 1764176400);
	store_world(st, &w);
	world_init(&r);
	if (state_load(st, &r, &f->err) < 0)
		fail_msg("load: %s", f->err.msg);
	world_equal(&w, &r);
	assert_true(r.projects[0].id > 0);
	assert_true(r.servers[0].id > 0);

	/* storing the same world again changes nothing */
	store_world(st, &r);
	assert_int_equal(state_serial_bump(st, "sha256:abc", &f->err), 0);
	state_close(st);

	/* and a read-only handle sees the same */
	assert_int_equal(state_open(f->path, STATE_READ, &st, &f->err), 0);
	world_init(&r2);
	assert_int_equal(state_load(st, &r2, &f->err), 0);
	world_equal(&w, &r2);
	assert_int_equal(state_meta_get(st, &m, &f->err), 0);
	assert_int_equal(m.serial, 1);
	assert_string_equal(m.specs_digest, "sha256:abc");
	state_meta_release(&m);
	state_close(st);
	world_release(&w);
	world_release(&r);
	world_release(&r2);
	assert_int_equal(raw_exec(f->path, "PRAGMA integrity_check"), SQLITE_OK);
}

static void test_timestamps_iso(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	struct m_world w;
	sqlite3 *db;
	sqlite3_stmt *s;
	char buf[32];
	long long t;

	build_world(&w);
	state_set_now(st, 1795712400);
	store_world(st, &w);
	state_close(st);
	world_release(&w);
	assert_string_equal(state_time_fmt(1795712400, buf, sizeof(buf)), "2026-11-26T17:00:00Z");
	assert_int_equal(state_time_parse("2026-11-26T17:00:00Z", &t), 0);
	assert_int_equal(t, 1795712400);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db,
			       "SELECT created_at, provisioning_started_at, "
			       "trial_start_date FROM marketplace_project WHERE slug = "
			       "'pizzeria-roma'",
			       -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	/* stored in SQLAlchemy's format (issue 13); shown as ISO */
	assert_string_equal(sqlite3_column_text(s, 0), "2026-11-26 17:00:00.000000");
	assert_string_equal(sqlite3_column_text(s, 2), "2025-11-26 17:00:00.000000");
	sqlite3_finalize(s);
	assert_int_equal(
	    sqlite3_prepare_v2(db,
			       "SELECT inwx_record_ids FROM marketplace_project_domain "
			       "WHERE domain = 'roma.vrs.gmbh'",
			       -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(s, 0), "{\"a\":201,\"aaaa\":202,\"www\":203}");
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static void test_status_and_errors(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	struct m_world w, r;
	struct m_domain d = {.fqdn = "roma.vrs.gmbh",
			     .type = DT_SUBDOMAIN,
			     .subdomain = "roma",
			     .base_domain = "vrs.gmbh",
			     .max_price_cents = -1};
	struct m_project bad = {
	    .slug = "x", .name = "X", .owner_email = "x@x", .project_type = "nope"};

	build_world(&w);
	store_world(st, &w);
	world_release(&w);
	state_set_now(st, 1000000000);
	/* entering provisioning sets started_at once; active sets completed_at */
	assert_int_equal(state_project_set_status(st, "roma-demo", PS_PROVISIONING, NULL, &f->err),
			 0);
	state_set_now(st, 1000000100);
	assert_int_equal(state_project_set_status(st, "roma-demo", PS_ACTIVE, NULL, &f->err), 0);
	assert_int_equal(state_project_retry_increment(st, "roma-demo", &f->err), 0);
	assert_int_equal(state_project_retry_reset(st, "roma-demo", &f->err), 0);
	assert_int_equal(state_project_set_status(st, "pizzeria-roma", PS_ACTIVE, NULL, &f->err),
			 0);
	world_init(&r);
	assert_int_equal(state_load(st, &r, &f->err), 0);
	assert_int_equal(r.projects[1].status, PS_ACTIVE);
	assert_int_equal(r.projects[1].provisioning_started_at, 1000000000);
	assert_int_equal(r.projects[1].provisioning_completed_at, 1000000100);
	assert_int_equal(r.projects[1].provisioning_retry_count, 0);
	assert_null(r.projects[0].provisioning_error); /* cleared */
	world_release(&r);

	/* errors name what failed */
	assert_int_equal(state_project_set_status(st, "ghost", PS_ACTIVE, NULL, &f->err), -1);
	assert_non_null(strstr(f->err.msg, "project ghost not in state"));
	assert_int_equal(f->err.code, VRS_E_NOT_FOUND);
	assert_int_equal(state_domain_upsert(st, "roma-demo", &d, &f->err), -1);
	assert_non_null(strstr(f->err.msg, "belongs to project pizzeria-roma"));
	assert_int_equal(f->err.code, VRS_E_EXISTS);
	assert_int_equal(state_project_upsert(st, &bad, &f->err), -1);
	assert_non_null(strstr(f->err.msg, "project type nope not in state"));
	assert_int_equal(state_project_place(st, "roma-demo", "ghost-01", &f->err), -1);
	assert_int_equal(state_server_delete(st, "fsn1-01", &f->err), -1);
	assert_non_null(strstr(f->err.msg, "still hosts 1 project"));
	/* a failed multi-statement write leaves nothing behind */
	world_init(&r);
	assert_int_equal(state_load(st, &r, &f->err), 0);
	assert_int_equal(r.nprojects, 2);
	world_release(&r);

	/* deletes: the original (its clone keeps the slug), the clone, with domains and logs */
	{
		struct state_log_entry le = {.project_slug = "pizzeria-roma", .action = "error"};
		assert_int_equal(state_log_add(st, &le, &f->err), 0);
	}
	assert_int_equal(state_project_delete(st, "pizzeria-roma", &f->err), 0);
	world_init(&r);
	assert_int_equal(state_load(st, &r, &f->err), 0);
	assert_int_equal(r.nprojects, 1);
	assert_string_equal(r.projects[0].cloned_from, "pizzeria-roma");
	world_release(&r);
	assert_int_equal(state_project_delete(st, "roma-demo", &f->err), 0);
	assert_int_equal(state_project_delete(st, "pizzeria-roma", &f->err), 0); /* idempotent */
	assert_int_equal(state_bundle_delete(st, "gastro-basic", &f->err), 0);
	assert_int_equal(state_plugin_delete(st, "reservations", &f->err), 0);
	assert_int_equal(state_server_delete(st, "fsn1-01", &f->err), 0);
	assert_int_equal(state_base_domain_delete(st, "vrs.gmbh", &f->err), 0);
	assert_int_equal(state_project_type_delete(st, "gastro", &f->err), 0);
	world_init(&r);
	assert_int_equal(state_load(st, &r, &f->err), 0);
	assert_int_equal(r.nprojects, 0);
	assert_int_equal(r.nservers, 1);
	assert_int_equal(r.nplugins, 1);
	assert_int_equal(r.nbundles, 0);
	world_release(&r);
	state_close(st);
	assert_int_equal(raw_exec(f->path, "PRAGMA foreign_key_check"), SQLITE_OK);
}

/* issue 12: a handshake's TLS facts; a refused one (no notAfter seen) keeps the recorded
 * expiry; a check without a handshake records only when it was made */
static const struct m_domain *find_domain(const struct m_world *w, const char *fqdn)
{
	for (size_t i = 0; i < w->nprojects; i++)
		for (size_t k = 0; k < w->projects[i].ndomains; k++)
			if (strcmp(w->projects[i].domains[k].fqdn, fqdn) == 0)
				return &w->projects[i].domains[k];
	return NULL;
}

static void test_tls_facts(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	const struct m_domain *d;
	struct m_world w;

	build_world(&w);
	store_world(st, &w);
	world_release(&w);
	state_set_now(st, 1000000000);
	assert_int_equal(
	    state_domain_set_tls(st, "roma.vrs.gmbh", true, 2000000000, "HTTP 200", &f->err), 0);
	world_init(&w);
	assert_int_equal(state_load(st, &w, &f->err), 0);
	assert_non_null(d = find_domain(&w, "roma.vrs.gmbh"));
	assert_true(d->ssl_provisioned);
	assert_int_equal(d->ssl_expires_at, 2000000000);
	assert_int_equal(d->tls_checked_at, 1000000000);
	world_release(&w);

	state_set_now(st, 1000000100); /* refused: not provisioned, the expiry stays */
	assert_int_equal(state_domain_set_tls(st, "roma.vrs.gmbh", false, 0, "refused", &f->err),
			 0);
	state_set_now(st, 1000000200); /* no connection: only the check's time */
	assert_int_equal(state_domain_tls_checked(st, "pizzeria-roma.de", "no answer", &f->err), 0);
	world_init(&w);
	assert_int_equal(state_load(st, &w, &f->err), 0);
	d = find_domain(&w, "roma.vrs.gmbh");
	assert_false(d->ssl_provisioned);
	assert_int_equal(d->ssl_expires_at, 2000000000);
	assert_int_equal(d->tls_checked_at, 1000000100);
	d = find_domain(&w, "pizzeria-roma.de");
	assert_false(d->ssl_provisioned);
	assert_int_equal(d->ssl_expires_at, 0);
	assert_int_equal(d->tls_checked_at, 1000000200);
	world_release(&w);
	assert_int_equal(state_domain_tls_checked(st, "ghost.example", "x", &f->err), -1);
	state_close(st);
}

/* one SQL script on the state's database, SQLite file or $VRS_TEST_PG */
static void raw_any(const struct fx *f, const char *sql)
{
	if (pg_url()) {
		PGconn *c = PQconnectdb(pg_url());
		PGresult *r = PQexec(c, sql);
		if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
			fail_msg("%s: %s", sql, PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
		return;
	}
	if (raw_exec(f->path, sql) != SQLITE_OK)
		fail_msg("%s failed", sql);
}

/* the owned flags of the recorded project types, "code:0|code:1|..." */
static void owned_types(struct fx *f, char *out, size_t n)
{
	struct state *st = open_w(f);
	struct m_world w;
	size_t k = 0;

	world_init(&w);
	if (state_load(st, &w, &f->err) < 0)
		fail_msg("load: %s", f->err.msg);
	out[0] = 0;
	for (size_t i = 0; i < w.nproject_types; i++)
		k += (size_t)snprintf(out + k, n - k, "%s%s:%d", i ? "|" : "",
				      w.project_types[i].code, (int)w.project_types[i].owned);
	world_release(&w);
	state_close(st);
}

/* back to schema 4 (no vrs_catalogue), with a whole-second and a microsecond row */
static void downgrade_to_4(struct fx *f, bool joined)
{
	char sql[900];

	snprintf(sql, sizeof(sql),
		 "%s; DROP TABLE vrs_catalogue; "
		 "DELETE FROM marketplace_project_type WHERE code IN ('spa', 'hotel'); "
		 "INSERT INTO marketplace_project_type (code, name, trial_days, created_at, "
		 "updated_at) VALUES ('spa', 'Spa', 0, '2026-12-03 14:23:40', '2026-12-03 "
		 "14:23:40'), ('hotel', 'Hotel', 0, '2026-12-03 14:23:40.123456', "
		 "'2026-12-03 14:23:40.123456')%s",
		 pg_url() ? "UPDATE vrs_meta SET value = '4' WHERE key = 'schema_version'"
			  : "PRAGMA user_version = 4",
		 joined ? "; INSERT INTO vrs_meta (key, value) VALUES ('joined', '1')" : "");
	raw_any(f, sql);
}

/*
 * vrs_catalogue (migration 5): an apply's write marks a catalogue row
 * vrsctl's, a delete unmarks it; the migration marks an existing state's
 * rows except those stamped with a fraction of a second (the application's
 * models), and none of a state vrsctl joined.
 */
static void test_catalogue_owned(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	struct m_world w, r;
	char got[256];

	build_world(&w);
	state_set_now(st, 1764176400);
	store_world(st, &w);
	world_init(&r);
	assert_int_equal(state_load(st, &r, &f->err), 0);
	assert_true(r.servers[0].owned && r.base_domains[0].owned && r.project_types[0].owned &&
		    r.plugins[0].owned && r.bundles[0].owned);
	world_release(&r);
	state_close(st);
	/* the application inserts a type, a plugin and a bundle: not vrsctl's */
	raw_any(f,
		"INSERT INTO marketplace_project_type (code, name, trial_days, created_at, "
		"updated_at) VALUES ('hotel', 'Hotel', 0, '2026-12-03 14:23:40.123456', "
		"'2026-12-03 14:23:40.123456');"
		"INSERT INTO marketplace_plugin_meta (name, display_name, created_at, updated_at) "
		"VALUES ('shop-kit', 'Shop Kit', '2026-12-03 14:23:40.5', '2026-12-03 "
		"14:23:40.5');"
		"INSERT INTO marketplace_bundle (code, name, project_type_id, created_at, "
		"updated_at) SELECT 'hotel-basic', 'Hotel', id, '2026-12-03 14:23:40.5', "
		"'2026-12-03 14:23:40.5' FROM marketplace_project_type WHERE code = 'hotel'");
	st = open_w(f);
	world_init(&r);
	assert_int_equal(state_load(st, &r, &f->err), 0);
	assert_false(world_project_type(&r, "hotel")->owned);
	assert_false(world_plugin(&r, "shop-kit")->owned);
	assert_false(world_bundle(&r, "hotel-basic")->owned);
	assert_true(world_project_type(&r, "gastro")->owned);
	/* a spec naming it: the apply's write makes it vrsctl's; a delete unmarks it */
	assert_int_equal(state_project_type_upsert(st, world_project_type(&r, "hotel"), &f->err),
			 0);
	assert_int_equal(state_bundle_delete(st, "hotel-basic", &f->err), 0);
	world_release(&r);
	state_close(st);
	owned_types(f, got, sizeof(got));
	assert_string_equal(got, "gastro:1|hotel:1|shop:1");

	/* an existing state at schema 4: its rows were made from specs, unless stamped finer */
	downgrade_to_4(f, false);
	owned_types(f, got, sizeof(got));
	assert_string_equal(got, "gastro:1|hotel:0|shop:1|spa:1");
	/* a state vrsctl joined: the rows there were the application's */
	downgrade_to_4(f, true);
	owned_types(f, got, sizeof(got));
	assert_string_equal(got, "gastro:0|hotel:0|shop:0|spa:0");
	world_release(&w);
}

static void test_rollback(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	struct m_project_type t = {.code = "gastro", .name = "G", .trial_days = 0};
	struct m_world r;

	assert_int_equal(state_begin(st, &f->err), 0);
	assert_int_equal(state_begin(st, &f->err), -1); /* no nesting */
	assert_int_equal(state_project_type_upsert(st, &t, &f->err), 0);
	assert_int_equal(state_rollback(st, &f->err), 0);
	world_init(&r);
	assert_int_equal(state_load(st, &r, &f->err), 0);
	assert_int_equal(r.nproject_types, 0);
	world_release(&r);
	/* outside a transaction a write is committed on its own */
	assert_int_equal(state_project_type_upsert(st, &t, &f->err), 0);
	assert_int_equal(state_commit(st, &f->err), -1);
	state_close(st);
	assert_int_equal(state_open(f->path, STATE_READ, &st, &f->err), 0);
	world_init(&r);
	assert_int_equal(state_load(st, &r, &f->err), 0);
	assert_int_equal(r.nproject_types, 1);
	world_release(&r);
	state_close(st);
}

static long long cloned_from_id(const char *path, const char *slug)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long v = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT coalesce(cloned_from_project_id, 0) FROM "
					    "marketplace_project WHERE slug = ?",
					    -1, &s, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(s, 1, slug, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* the engine may record a clone before its source (they converge in parallel) */
static void test_clone_before_source(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	struct m_project src = {.slug = "kunde-01", .name = "K", .owner_email = "k@k"};
	struct m_project demo = {.slug = "demo-kunde-01",
				 .name = "D",
				 .owner_email = "d@d",
				 .cloned_from = "kunde-01",
				 .demo = true};
	struct m_world r;

	assert_int_equal(state_project_upsert(st, &demo, &f->err), 0);
	assert_int_equal(cloned_from_id(f->path, "demo-kunde-01"), 0);
	assert_int_equal(state_project_upsert(st, &src, &f->err), 0);
	assert_true(cloned_from_id(f->path, "demo-kunde-01") > 0);
	world_init(&r);
	assert_int_equal(state_load(st, &r, &f->err), 0);
	assert_string_equal(r.projects[0].slug, "demo-kunde-01");
	assert_string_equal(r.projects[0].cloned_from, "kunde-01");
	assert_null(r.projects[1].cloned_from);
	world_release(&r);
	/* a spec without cloned_from does not manage it (issue 13): the link stays */
	demo.cloned_from = NULL;
	assert_int_equal(state_project_upsert(st, &demo, &f->err), 0);
	assert_true(cloned_from_id(f->path, "demo-kunde-01") > 0);
	/* one that names it (empty) unlinks */
	demo.keys = PK_CLONED_FROM;
	assert_int_equal(state_project_upsert(st, &demo, &f->err), 0);
	assert_int_equal(cloned_from_id(f->path, "demo-kunde-01"), 0);
	state_close(st);
}

/* ---- journal ------------------------------------------------------------ */

static void test_journal(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	struct state_journal_entry e = {.op = OP_CREATE,
					.resource = RES_COOLIFY_APP,
					.key = "pizzeria-roma",
					.project_slug = "pizzeria-roma",
					.service = SVC_COOLIFY,
					.remote_name = "pizzeria-roma",
					.request_summary = "POST /applications/dockerimage"};
	struct state_journal_entry *v = NULL;
	long long id1 = 0, id2 = 0;
	size_t n = 0;

	assert_int_equal(state_journal_open(st, &e, &id1, &f->err), 0);
	e.op = OP_CREATE;
	e.resource = RES_DNS_RECORD;
	e.key = "roma.vrs.gmbh/A";
	e.service = SVC_INWX;
	assert_int_equal(state_journal_open(st, &e, &id2, &f->err), 0);
	assert_true(id2 > id1);
	assert_int_equal(state_journal_list_open(st, &v, &n, &f->err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].id, id1);
	assert_int_equal(v[0].resource, RES_COOLIFY_APP);
	assert_int_equal(v[0].service, SVC_COOLIFY);
	assert_string_equal(v[0].remote_name, "pizzeria-roma");
	assert_int_equal(v[1].resource, RES_DNS_RECORD);
	assert_true(v[1].started_at > 0);
	state_journal_free(v, n);

	/* close inside the result's transaction */
	assert_int_equal(state_begin(st, &f->err), 0);
	assert_int_equal(state_journal_open(st, &e, &id2, &f->err), -1); /* not inside a tx */
	assert_int_equal(state_journal_close(st, id1, SJ_OK, "uuid-1", NULL, &f->err), 0);
	assert_int_equal(state_commit(st, &f->err), 0);
	assert_int_equal(state_journal_close(st, id1, SJ_FAILED, NULL, "x", &f->err), -1);
	assert_int_equal(state_journal_close(st, 9999, SJ_OK, NULL, NULL, &f->err), -1);
	assert_int_equal(state_journal_list_open(st, &v, &n, &f->err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].key, "roma.vrs.gmbh/A");
	state_journal_free(v, n);
	assert_string_equal(state_journal_result_name(SJ_ADOPTED), "adopted");
	state_close(st);
}

static void test_journal_crash(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	struct state_journal_entry e = {.op = OP_CREATE,
					.resource = RES_COOLIFY_PROJECT,
					.key = "vrs-pizzeria-roma",
					.service = SVC_COOLIFY,
					.remote_name = "vrs-pizzeria-roma"};
	struct state_journal_entry *v = NULL;
	long long id = 0;
	size_t n = 0;
	pid_t child;
	int status;

	state_close(st);
	/* a child opens a row and dies in the middle of the "remote call" */
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct vrs_err e2;
		if (state_open(f->path, STATE_WRITE, &st, &e2) < 0 ||
		    state_journal_open(st, &e, &id, &e2) < 0 || state_begin(st, &e2) < 0)
			_exit(1);
		/* the result write had begun but never committed */
		state_journal_close(st, id, SJ_OK, "uuid", NULL, &e2);
		raise(SIGKILL);
		_exit(2);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(state_open(f->path, STATE_READ, &st, &f->err), 0);
	assert_int_equal(state_journal_list_open(st, &v, &n, &f->err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].remote_name, "vrs-pizzeria-roma");
	assert_int_equal(v[0].result, SJ_OPEN);
	state_journal_free(v, n);
	state_close(st);
	/* a writer adopts it */
	st = open_w(f);
	assert_int_equal(state_journal_list_open(st, &v, &n, &f->err), 0);
	assert_int_equal(state_journal_close(st, v[0].id, SJ_ADOPTED, "uuid-found", NULL, &f->err),
			 0);
	state_journal_free(v, n);
	assert_int_equal(state_journal_list_open(st, &v, &n, &f->err), 0);
	assert_int_equal(n, 0);
	state_journal_free(v, n);
	state_close(st);
	assert_int_equal(raw_exec(f->path, "PRAGMA integrity_check"), SQLITE_OK);
}

/* ---- provisioning log --------------------------------------------------- */

static void test_log_order(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	struct m_world w;
	struct state_log_entry *v = NULL;
	size_t n = 0;
	static const char *const actions[] = {"status_changed", "coolify_project_created",
					      "coolify_app_created", "deployment_started"};

	build_world(&w);
	store_world(st, &w);
	world_release(&w);
	/* two rows share a timestamp: the later id is newer */
	for (int i = 0; i < 4; i++) {
		struct state_log_entry e = {.project_slug = "pizzeria-roma",
					    .action = (char *)actions[i],
					    .created_at = 1764176400 + (i >= 2 ? 60 : i),
					    .external_service = "coolify",
					    .metadata_json = "{\"serial\": 3}"};
		assert_int_equal(state_log_add(st, &e, &f->err), 0);
	}
	{
		struct state_log_entry e = {.project_slug = "roma-demo",
					    .action = "retry",
					    .old_status = "error",
					    .new_status = "draft",
					    .triggered_by = "ops@vrs.gmbh",
					    .created_at = 1764176400 + 30};
		assert_int_equal(state_log_add(st, &e, &f->err), 0);
		e.metadata_json = "{not json";
		assert_int_equal(state_log_add(st, &e, &f->err), -1);
		e.project_slug = "ghost";
		assert_int_equal(state_log_add(st, &e, &f->err), -1);
	}
	if (state_log_list(st, NULL, 0, &v, &n, &f->err) != 0)
		fail_msg("state_log_list: %s", f->err.msg);
	assert_int_equal(n, 5);
	assert_string_equal(v[0].action, "deployment_started");
	assert_string_equal(v[1].action, "coolify_app_created");
	assert_string_equal(v[2].action, "retry");
	assert_string_equal(v[2].triggered_by, "ops@vrs.gmbh");
	assert_string_equal(v[3].action, "coolify_project_created");
	assert_string_equal(v[4].action, "status_changed");
	assert_string_equal(v[4].triggered_by, "system");
	assert_string_equal(v[4].metadata_json, "{\"serial\": 3}");
	assert_int_equal(v[4].created_at, 1764176400);
	state_log_free(v, n);
	assert_int_equal(state_log_list(st, "pizzeria-roma", 2, &v, &n, &f->err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].action, "deployment_started");
	assert_string_equal(v[1].action, "coolify_app_created");
	state_log_free(v, n);
	assert_int_equal(state_log_list(st, "roma-demo", 10, &v, &n, &f->err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].old_status, "error");
	state_log_free(v, n);
	state_close(st);
}

/* ---- preview access ----------------------------------------------------- */

static void test_preview(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	struct m_world w;
	struct state_preview in = {.project_slug = "roma-demo",
				   .email = "kunde@example.com",
				   .expires_at = 1764176400 + 48 * 3600,
				   .is_reusable = false,
				   .created_by = "ops@vrs.gmbh"};
	struct state_preview a, b, c, *v = NULL;
	size_t n = 0;

	build_world(&w);
	store_world(st, &w);
	world_release(&w);
	state_set_now(st, 1764176400);
	assert_int_equal(state_preview_grant(st, &in, &a, &f->err), 0);
	assert_int_equal(strlen(a.token), 64);
	assert_int_equal(strlen(a.code), 6);
	assert_int_equal(strspn(a.code, "0123456789"), 6);
	assert_int_equal(a.expires_at, in.expires_at);
	assert_false(a.is_reusable);
	assert_int_equal(a.created_at, 1764176400);
	state_set_now(st, 1764176401);
	assert_int_equal(state_preview_grant(st, &in, &b, &f->err), 0);
	assert_string_not_equal(a.token, b.token);
	assert_int_equal(state_preview_find(st, NULL, "roma-demo", a.code, &c, &f->err), 1);
	state_preview_release(&c);
	assert_int_equal(state_preview_mark_used(st, a.token, "192.0.2.7", &f->err), 0);
	assert_int_equal(state_preview_find(st, a.token, NULL, NULL, &c, &f->err), 1);
	assert_true(c.is_used);
	assert_int_equal(c.use_count, 1);
	assert_string_equal(c.used_ip, "192.0.2.7");
	assert_string_equal(c.project_slug, "roma-demo");
	state_preview_release(&c);
	if (state_preview_list(st, "roma-demo", &v, &n, &f->err) != 0)
		fail_msg("state_preview_list: %s", f->err.msg);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].token, b.token); /* newest first */
	state_preview_free(v, n);
	assert_int_equal(state_preview_revoke(st, a.token, &f->err), 0);
	assert_int_equal(state_preview_find(st, a.token, NULL, NULL, &c, &f->err), 0);
	assert_int_equal(state_preview_mark_used(st, a.token, NULL, &f->err), -1);
	in.project_slug = "ghost";
	assert_int_equal(state_preview_grant(st, &in, &c, &f->err), -1);
	state_preview_release(&a);
	state_preview_release(&b);
	state_close(st);
}

/* ---- keys and secrets --------------------------------------------------- */

static void test_api_key_once(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	struct m_world w;
	char *k1 = NULL, *k2 = NULL, *k3 = NULL;

	build_world(&w);
	store_world(st, &w);
	assert_int_equal(state_project_ensure_api_key(st, "pizzeria-roma", &k1, &f->err), 0);
	assert_int_equal(strlen(k1), 64);
	assert_int_equal(state_project_ensure_api_key(st, "pizzeria-roma", &k2, &f->err), 0);
	assert_string_equal(k1, k2);
	/* an upsert of the spec fields keeps it */
	assert_int_equal(state_project_upsert(st, &w.projects[0], &f->err), 0);
	state_close(st);
	st = open_w(f);
	assert_int_equal(state_project_ensure_api_key(st, "pizzeria-roma", &k3, &f->err), 0);
	assert_string_equal(k1, k3);
	free(k2);
	free(k3);
	/* another project has another key */
	assert_int_equal(state_project_ensure_api_key(st, "roma-demo", &k2, &f->err), 0);
	assert_string_not_equal(k1, k2);
	assert_int_equal(state_project_ensure_api_key(st, "ghost", &k3, &f->err), -1);
	assert_null(k3);
	free(k1);
	free(k2);
	world_release(&w);
	state_close(st);
}

static void test_fingerprint_key_stable(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	unsigned char k1[32], k2[32], k3[32], zero[32] = {0};

	assert_int_equal(state_fingerprint_key(st, k1, &f->err), 0);
	assert_memory_not_equal(k1, zero, 32);
	assert_int_equal(state_fingerprint_key(st, k2, &f->err), 0);
	assert_memory_equal(k1, k2, 32);
	state_close(st);
	assert_int_equal(state_open(f->path, STATE_READ, &st, &f->err), 0);
	assert_int_equal(state_fingerprint_key(st, k3, &f->err), 0);
	assert_memory_equal(k1, k3, 32);
	state_close(st);
}

static void test_no_secret_plaintext(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	struct m_world w;
	sqlite3 *db;
	sqlite3_stmt *s;
	char *bytes;
	size_t n;

	build_world(&w);
	/* a caller mistakenly leaves the plaintext in the struct: it is never stored */
	w.projects[0].app.env[0].value = S("hunter2-plaintext");
	store_world(st, &w);
	/* a plaintext where a fingerprint belongs is refused */
	assert_int_equal(state_app_env_set_secret(st, "pizzeria-roma", "SMTP_PASSWORD",
						  "hunter2-plaintext", &f->err),
			 -1);
	state_close(st);
	world_release(&w);
	bytes = slurp(f->path, &n);
	assert_null(memmem(bytes, n, "hunter2", 7));
	free(bytes);

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	/* the applied env has exactly these columns */
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA table_info(vrs_app_env)", -1, &s, NULL),
			 SQLITE_OK);
	n = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(s, 1);
		assert_true(strcmp(c, "project_id") == 0 || strcmp(c, "key") == 0 ||
			    strcmp(c, "is_secret") == 0 || strcmp(c, "value") == 0 ||
			    strcmp(c, "fingerprint") == 0);
		n++;
	}
	sqlite3_finalize(s);
	assert_int_equal(n, 5);
	assert_int_equal(
	    sqlite3_prepare_v2(db,
			       "SELECT count(*) FROM vrs_app_env WHERE is_secret = 1 AND "
			       "value IS NOT NULL",
			       -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 0);
	sqlite3_finalize(s);
	/* auth codes are references only: the model's column stays empty */
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT count(*) FROM marketplace_project_domain WHERE "
					    "transfer_auth_code IS NOT NULL",
					    -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 0);
	sqlite3_finalize(s);
	/* no vrsctl column is named like a secret */
	assert_int_equal(
	    sqlite3_prepare_v2(db,
			       "SELECT m.name, p.name FROM sqlite_master m, "
			       "pragma_table_info(m.name) p WHERE m.type = 'table' AND "
			       "m.name LIKE 'vrs_%' AND (p.name LIKE '%password%' OR "
			       "p.name LIKE '%secret_value%' OR p.name LIKE '%token%' OR "
			       "p.name LIKE '%auth_code' OR p.name LIKE '%plaintext%')",
			       -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/* PostgreSQL: a second writer is refused, naming the holder by application_name */
static void test_pg_lock(void **state)
{
	struct fx *f = *state;
	struct state_lock *lk = NULL, *lk2 = NULL;
	char want[128], host[64] = "";
	int holder = 0;

	assert_int_equal(state_lock(f->path, &lk, NULL, &f->err), 0);
	assert_int_equal(state_lock(f->path, &lk2, &holder, &f->err), -1);
	assert_int_equal(f->err.code, VRS_E_LOCKED);
	gethostname(host, sizeof(host) - 1);
	snprintf(want, sizeof(want), "locked by vrsctl@%s:%d", host, (int)getpid());
	assert_non_null(strstr(f->err.msg, want));
	assert_int_equal(holder, (int)getpid());
	state_unlock(lk);
	assert_int_equal(state_lock(f->path, &lk, NULL, &f->err), 0);
	state_unlock(lk);
}

int main(void)
{
	/* the state API alone: both backends */
	const struct CMUnitTest both[] = {
	    cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tls_facts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_journal, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_log_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_preview, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_api_key_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fingerprint_key_stable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_catalogue_owned, setup, teardown),
	};
	/* the SQLite file itself (raw SQL, PRAGMAs, modes, the lock file) */
	const struct CMUnitTest file[] = {
	    cmocka_unit_test_setup_teardown(test_schema_columns, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_schema_defaults_and_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_migrate_idempotent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_newer_version_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_sqlite_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_missing_creates_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_does_not_modify, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_needs_migration, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lock_contention, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timestamps_iso, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_status_and_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clone_before_source, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_journal_crash, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_secret_plaintext, setup, teardown),
	};
	const struct CMUnitTest pg[] = {
	    cmocka_unit_test_setup_teardown(test_pg_lock, setup, teardown),
	};

	if (pg_url())
		return cmocka_run_group_tests_name("state on PostgreSQL", both, NULL, NULL) |
		       cmocka_run_group_tests_name("state on PostgreSQL only", pg, NULL, NULL);
	return cmocka_run_group_tests_name("state", both, NULL, NULL) |
	       cmocka_run_group_tests_name("state on a SQLite file", file, NULL, NULL);
}
