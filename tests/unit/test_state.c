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
	char path[128]; /* dir/sub/vrs.db */
	struct vrs_err err;
};

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/vrs-state-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/sub/vrs.db", f->dir);
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
		state_meta_free(&m2);
		state_close(st);
	}
	state_meta_free(&m1);
	assert_int_equal(raw_exec(f->path, "PRAGMA integrity_check"), SQLITE_OK);
}

static void test_newer_version_refused(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	char want[512];

	state_close(st);
	assert_int_equal(raw_exec(f->path, "PRAGMA user_version = 3"), SQLITE_OK);
	snprintf(want, sizeof(want),
		 "state %s has schema version 3, this vrsctl supports up to 1; upgrade vrsctl",
		 f->path);
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
	state_meta_free(&m);
	world_init(&w);
	assert_int_equal(state_load(st, &w, &f->err), 0);
	assert_int_equal(w.nprojects + w.nservers, 0);
	world_free(&w);
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
	world_free(&w);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_schema_columns, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_schema_defaults_and_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_migrate_idempotent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_newer_version_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_sqlite_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_missing_creates_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_does_not_modify, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_needs_migration, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lock_contention, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
