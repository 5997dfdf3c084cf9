/*
 * test_market.c — unit tests of the state shared with the marketplace
 * application (issue 13): file modes and backup, the timestamp storage
 * format and its migration, joining a database the marketplace created,
 * the field-ownership rule of the state writes, and the remote objects
 * counted for --max-delete-percent.
 *
 * Each test gets its own temporary directory; the database is looked at
 * with SQLite directly where the application would read it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/model.h"
#include "state/state.h"
#include "util/err.h"

struct fx {
	char dir[64];
	char path[128]; /* dir/vrs.db */
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
	snprintf(f->dir, sizeof(f->dir), "/tmp/vrs-market-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/vrs.db", f->dir);
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

static unsigned mode_of(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) < 0)
		fail_msg("stat %s failed", path);
	return (unsigned)(sb.st_mode & 0777);
}

/* one text value from the raw file (NULL: no row or NULL); caller frees */
static char *raw_text(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	char *v = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		v = strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static int raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* ---- file modes --------------------------------------------------------- */

/* under a usual umask the database, its -wal, -shm and the lock are 0600 */
static void test_files_private(void **state)
{
	struct fx *f = *state;
	struct state_lock *lk = NULL;
	struct state *st;
	char p[160], which[256];
	unsigned mode = 0;
	mode_t old = umask(022);

	assert_int_equal(state_lock(f->path, &lk, NULL, &f->err), 0);
	st = open_w(f);
	state_set_now(st, 1780000000);
	assert_int_equal(state_serial_bump(st, "d1", &f->err), 0);
	assert_int_equal(mode_of(f->path), 0600);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	assert_int_equal(mode_of(p), 0600);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	assert_int_equal(mode_of(p), 0600);
	snprintf(p, sizeof(p), "%s.lock", f->path);
	assert_int_equal(mode_of(p), 0600);
	assert_int_equal(state_exposed(f->path, which, sizeof(which), &mode), 0);
	/* an existing state made readable: found, named, with its mode */
	assert_int_equal(chmod(f->path, 0644), 0);
	assert_int_equal(state_exposed(f->path, which, sizeof(which), &mode), 1);
	assert_string_equal(which, f->path);
	assert_int_equal(mode, 0644);
	state_close(st);
	state_unlock(lk);
	umask(old);
}

/* a backup is a complete, private, plain copy taken while a writer is open */
static void test_backup(void **state)
{
	struct fx *f = *state;
	struct state *w = open_w(f), *r = NULL;
	char dest[160];
	char *v;
	mode_t old = umask(022);

	assert_int_equal(state_serial_bump(w, "before", &f->err), 0);
	assert_int_equal(state_open(f->path, STATE_READ, &r, &f->err), 0);
	snprintf(dest, sizeof(dest), "%s/copy.db", f->dir);
	assert_int_equal(state_backup(r, dest, &f->err), 0);
	/* the writer goes on; the copy keeps what it saw */
	assert_int_equal(state_serial_bump(w, "after", &f->err), 0);
	assert_int_equal(mode_of(dest), 0600);
	v = raw_text(dest, "SELECT value FROM vrs_meta WHERE key = 'specs_digest'");
	assert_non_null(v);
	assert_string_equal(v, "before");
	free(v);
	v = raw_text(dest, "PRAGMA journal_mode");
	assert_string_equal(v, "delete");
	free(v);
	/* a backup taken again replaces the file */
	assert_int_equal(state_backup(r, dest, &f->err), 0);
	v = raw_text(dest, "SELECT value FROM vrs_meta WHERE key = 'specs_digest'");
	assert_string_equal(v, "after");
	free(v);
	state_close(r);
	state_close(w);
	umask(old);
}

/* read mode on a missing state: nothing to back up, no file written */
static void test_backup_missing(void **state)
{
	struct fx *f = *state;
	struct state *r = NULL;
	char dest[160];

	assert_int_equal(state_open(f->path, STATE_READ, &r, &f->err), 0);
	snprintf(dest, sizeof(dest), "%s/copy.db", f->dir);
	assert_int_equal(state_backup(r, dest, &f->err), -1);
	assert_int_equal(f->err.code, VRS_E_NOT_FOUND);
	assert_int_equal(access(dest, F_OK), -1);
	state_close(r);
}

/* ---- formats ----------------------------------------------------------- */

/* a state of schema 1 with ISO timestamps and string record ids is converted */
static void test_timestamp_migration(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	struct m_world w;
	char *v;

	state_close(st);
	/* back to what schema 1 wrote, plus a row the application wrote itself */
	assert_int_equal(
	    raw_exec(f->path,
		     "PRAGMA user_version = 1;"
		     "DROP TABLE vrs_health; DROP TABLE vrs_tls_check; DROP TABLE vrs_zone_read;"
		     "DROP TABLE vrs_catalogue;"
		     /* a type vrsctl made (ISO, whole seconds) and one the application made */
		     "INSERT INTO marketplace_project_type (code, name, created_at, updated_at) "
		     "VALUES ('gastro', 'G', '2026-12-03T14:23:40Z', '2026-12-03T14:23:40Z'), "
		     "('hotel', 'H', '2026-12-03 14:23:40.123456', '2026-12-03 14:23:40.123456');"
		     "ALTER TABLE vrs_project_ext DROP COLUMN vrs_status;"
		     "ALTER TABLE vrs_project_ext DROP COLUMN stopped_for_app;"
		     "INSERT INTO marketplace_project (name, slug, owner_email, api_key, "
		     "provisioning_status, created_at, updated_at, provisioning_started_at) VALUES "
		     "('A', 'alpha', 'o@example.org', 'k1', 'active', '2026-12-03T14:23:40Z', "
		     "'2026-12-03T14:23:41Z', '2026-12-03T14:23:42Z'),"
		     "('B', 'beta', 'o@example.org', 'k2', 'draft', '2026-12-03 14:23:40.123456', "
		     "'2026-12-03 14:23:40.123456', NULL);"
		     "INSERT INTO marketplace_project_domain (project_id, domain, domain_type, "
		     "inwx_record_ids, created_at, updated_at) VALUES (1, 'a.vrs.gmbh', "
		     "'subdomain', '{\"a\":\"123\",\"www\":\"456\",\"aaaa\":\"x1\"}', "
		     "'2026-12-03T14:23:40Z', '2026-12-03T14:23:40Z');"
		     "INSERT INTO marketplace_provisioning_log (project_id, action, created_at) "
		     "VALUES (1, 'created', '2026-12-03T14:23:43Z');"),
	    SQLITE_OK);
	st = open_w(f);
	v = raw_text(f->path,
		     "SELECT created_at || '|' || updated_at || '|' || "
		     "provisioning_started_at FROM marketplace_project WHERE slug = 'alpha'");
	assert_string_equal(v, "2026-12-03 14:23:40.000000|2026-12-03 14:23:41.000000|"
			       "2026-12-03 14:23:42.000000");
	free(v);
	/* the application's own values are not rewritten */
	v = raw_text(f->path, "SELECT created_at FROM marketplace_project WHERE slug = 'beta'");
	assert_string_equal(v, "2026-12-03 14:23:40.123456");
	free(v);
	v = raw_text(f->path, "SELECT created_at FROM marketplace_provisioning_log");
	assert_string_equal(v, "2026-12-03 14:23:43.000000");
	free(v);
	v = raw_text(f->path, "SELECT inwx_record_ids FROM marketplace_project_domain");
	assert_string_equal(v, "{\"a\":123,\"www\":456,\"aaaa\":\"x1\"}");
	free(v);
	v = raw_text(f->path, "PRAGMA user_version");
	assert_int_equal(atoi(v), STATE_SCHEMA_VERSION);
	free(v);
	/* migration 5: the catalogue rows made from specs are vrsctl's, not the application's */
	v = raw_text(f->path, "SELECT group_concat(kind || ':' || key) FROM vrs_catalogue");
	assert_string_equal(v, "project_type:gastro");
	free(v);
	/* read back: both formats give the same seconds, ids as the wire's strings */
	world_init(&w);
	assert_int_equal(state_load(st, &w, &f->err), 0);
	for (size_t i = 0; i < w.nprojects; i++) {
		const struct m_project *p = &w.projects[i];
		if (strcmp(p->slug, "alpha") == 0) {
			assert_int_equal(p->provisioning_started_at, 1796307822);
			assert_int_equal(p->ndomains, 1);
			assert_string_equal(p->domains[0].record_a, "123");
			assert_string_equal(p->domains[0].record_www, "456");
			assert_string_equal(p->domains[0].record_aaaa, "x1");
		}
	}
	world_release(&w);
	state_close(st);
}

/* both storage forms parse to the same second; the stored form is SQLAlchemy's */
static void test_time_formats(void **state)
{
	long long a = 0, b = 0, c = 0;

	(void)state;
	assert_int_equal(state_time_parse("2026-12-03T14:23:40Z", &a), 0);
	assert_int_equal(state_time_parse("2026-12-03 14:23:40.123456", &b), 0);
	assert_int_equal(state_time_parse("2026-12-03 14:23:40", &c), 0);
	assert_int_equal(a, 1796307820);
	assert_int_equal(b, a);
	assert_int_equal(c, a);
	assert_int_equal(state_time_parse("2026-12-03X14:23:40", &a), -1);
}

/* ---- joining the marketplace's database -------------------------------- */

/* the application's database before the model's section 10 migration, as SQLAlchemy made it */
static const char app_db[] =
    "CREATE TABLE marketplace_project_type (id INTEGER NOT NULL PRIMARY KEY, code VARCHAR(50) "
    "NOT NULL, name VARCHAR(100) NOT NULL, created_at DATETIME NOT NULL, updated_at DATETIME "
    "NOT NULL);"
    "CREATE TABLE marketplace_project (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(200) NOT "
    "NULL, slug VARCHAR(100) NOT NULL, owner_email VARCHAR(255) NOT NULL, api_key VARCHAR(100) "
    "NOT NULL, is_active BOOLEAN NOT NULL, is_superadmin BOOLEAN NOT NULL, project_type_id "
    "INTEGER REFERENCES marketplace_project_type(id), trial_start_date DATETIME, "
    "trial_end_date DATETIME, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL);"
    "CREATE UNIQUE INDEX ix_marketplace_project_slug ON marketplace_project (slug);"
    "CREATE TABLE licenses (id INTEGER PRIMARY KEY, project_id INTEGER, plugin_name "
    "VARCHAR(100));"
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, total_cents INTEGER);"
    "INSERT INTO marketplace_project_type VALUES (1, 'gastro', 'Gastro', "
    "'2026-01-02 03:04:05.123456', '2026-01-02 03:04:05.123456');"
    "INSERT INTO marketplace_project VALUES (1, 'Café', 'cafe', 'c@example.org', 'k-cafe', 1, 0, "
    "1, '2026-01-02 03:04:05.000000', NULL, '2026-01-02 03:04:05.123456', "
    "'2026-01-02 03:04:05.123456');"
    "INSERT INTO licenses VALUES (7, 1, 'menu');"
    "INSERT INTO orders VALUES (9, 1490);";

static void test_join_marketplace_db(void **state)
{
	struct fx *f = *state;
	struct state *st = NULL;
	struct m_world w;
	char *v;

	assert_int_equal(raw_exec(f->path, app_db), SQLITE_OK);
	/* read mode says what to do; it changes nothing */
	assert_int_equal(state_open(f->path, STATE_READ, &st, &f->err), -1);
	assert_non_null(strstr(f->err.msg, "run apply to join it"));
	st = open_w(f);
	v = raw_text(f->path, "PRAGMA user_version");
	assert_int_equal(atoi(v), STATE_SCHEMA_VERSION);
	free(v);
	/* its catalogue rows are the application's: none marked, the join recorded */
	v = raw_text(f->path, "SELECT count(*) || '|' || (SELECT value FROM vrs_meta WHERE key = "
			      "'joined') FROM vrs_catalogue");
	assert_string_equal(v, "0|1");
	free(v);
	/* the application's data as it was, the model's missing columns added with defaults */
	v = raw_text(f->path, "SELECT name || '|' || api_key || '|' || trial_start_date || '|' || "
			      "provisioning_status || '|' || payment_method || '|' || is_demo "
			      "FROM marketplace_project");
	assert_string_equal(v, "Café|k-cafe|2026-01-02 03:04:05.000000|draft|invoice|0");
	free(v);
	v = raw_text(f->path, "SELECT plugin_name FROM licenses WHERE id = 7");
	assert_string_equal(v, "menu");
	free(v);
	v = raw_text(f->path, "SELECT total_cents FROM orders");
	assert_string_equal(v, "1490");
	free(v);
	/* the model's tables and indexes, vrsctl's tables */
	v = raw_text(f->path, "SELECT count(*) FROM sqlite_master WHERE name IN "
			      "('marketplace_server', 'marketplace_provisioning_log', "
			      "'idx_project_provisioning_status', 'idx_project_coolify_app', "
			      "'vrs_meta', 'vrs_journal', 'vrs_project_ext')");
	assert_string_equal(v, "7");
	free(v);
	v = raw_text(f->path, "SELECT length(value) FROM vrs_meta WHERE key = 'lineage'");
	assert_string_equal(v, "32");
	free(v);
	/* the application's project is recorded, and unmanaged */
	world_init(&w);
	assert_int_equal(state_load(st, &w, &f->err), 0);
	assert_int_equal(w.nprojects, 1);
	assert_string_equal(w.projects[0].slug, "cafe");
	assert_string_equal(w.projects[0].project_type, "gastro");
	assert_false(w.projects[0].managed);
	assert_int_equal(w.projects[0].trial_start_date, 1767323045);
	world_release(&w);
	/* vrsctl's inserts give every NOT NULL column: SQLAlchemy's tables have no DEFAULTs */
	{
		struct m_project np = {
		    .slug = "neu", .name = "Neu", .owner_email = "n@example.org"};
		struct state_log_entry e = {.project_slug = "neu", .action = "project_created"};
		assert_int_equal(state_project_upsert(st, &np, &f->err), 0);
		assert_int_equal(state_log_add(st, &e, &f->err), 0);
	}
	state_close(st);
	/* opened again: an ordinary state now */
	st = open_w(f);
	state_close(st);
	assert_int_equal(raw_exec(f->path, "PRAGMA integrity_check"), SQLITE_OK);
}

/* a column whose type contradicts the model is an error naming it; nothing is changed */
static void test_join_type_contradiction(void **state)
{
	struct fx *f = *state;
	struct state *st = NULL;
	char *v;

	assert_int_equal(raw_exec(f->path, "CREATE TABLE marketplace_project (id INTEGER PRIMARY "
					   "KEY, name VARCHAR(200), slug INTEGER NOT NULL);"
					   "INSERT INTO marketplace_project VALUES (1, 'x', 5);"),
			 SQLITE_OK);
	assert_int_equal(state_open(f->path, STATE_WRITE, &st, &f->err), -1);
	assert_null(st);
	assert_int_equal(f->err.code, VRS_E_INVALID);
	assert_non_null(strstr(f->err.msg, "marketplace_project.slug is INTEGER"));
	v = raw_text(f->path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'vrs_%'");
	assert_string_equal(v, "0");
	free(v);
	v = raw_text(f->path, "PRAGMA user_version");
	assert_string_equal(v, "0");
	free(v);
}

/* ---- field ownership ---------------------------------------------------- */

/*
 * Per optional column: after create, a spec that does not name the key
 * leaves what the application wrote; one that names it writes its value.
 */
static const struct {
	const char *column;
	unsigned key;
	const char *app_value; /* SQL literal the application writes */
	const char *kept;      /* the column as text afterwards */
	const char *spec;      /* as text once the spec names the key */
} owned[] = {
    {"is_active", PK_LIFECYCLE, "0", "0", "1"},
    {"is_superadmin", PK_SUPERADMIN, "1", "1", "0"},
    {"payment_method", PK_PAYMENT_METHOD, "'stripe_prepaid'", "stripe_prepaid", "free"},
    {"billing_email", PK_BILLING_EMAIL, "'app@example.org'", "app@example.org", "spec@example.org"},
    {"stripe_customer_id", PK_STRIPE_CUSTOMER, "'cus_app'", "cus_app", "cus_spec"},
    {"stripe_subscription_id", PK_STRIPE_SUBSCRIPTION, "'sub_app'", "sub_app", "sub_spec"},
    {"is_demo", PK_DEMO, "1", "1", "0"},
    {"preview_protection_enabled", PK_PREVIEW_PROTECTION, "1", "1", "0"},
    {"cloned_from_project_id", PK_CLONED_FROM, "2", "2", "NULL"},
    {"bundle_id", PK_BUNDLE, "1", "1", "NULL"},
};

static char *column_text(const char *path, const char *col)
{
	char sql[200];

	snprintf(sql, sizeof(sql),
		 "SELECT coalesce(CAST(%s AS TEXT), 'NULL') FROM marketplace_project "
		 "WHERE slug = 'kunde'",
		 col);
	return raw_text(path, sql);
}

static void test_ownership_per_column(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	struct m_project p = {.slug = "kunde",
			      .name = "Kunde",
			      .owner_email = "k@example.org",
			      .payment_method = PM_FREE,
			      .payment_confirmed = true,
			      .billing_email = "spec@example.org",
			      .stripe_customer_id = "cus_spec",
			      .stripe_subscription_id = "sub_spec"};
	struct m_project other = {.slug = "other", .name = "O", .owner_email = "o@example.org"};
	char sql[300], *v;

	assert_int_equal(state_project_upsert(st, &other, &f->err), 0);
	assert_int_equal(raw_exec(f->path, "INSERT INTO marketplace_project_type (code, name, "
					   "created_at, updated_at) VALUES ('t', 'T', 'x', 'x');"
					   "INSERT INTO marketplace_bundle (code, name, "
					   "project_type_id, created_at, updated_at) VALUES "
					   "('b', 'B', 1, 'x', 'x')"),
			 SQLITE_OK);
	/* created: every column from the spec and DESIGN §4's defaults */
	assert_int_equal(state_project_upsert(st, &p, &f->err), 0);
	v = column_text(f->path, "billing_email || '|' || payment_method || '|' || is_active");
	assert_string_equal(v, "spec@example.org|free|1");
	free(v);
	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		snprintf(sql, sizeof(sql),
			 "UPDATE marketplace_project SET %s = %s, trial_start_date = "
			 "'2026-01-01 00:00:00.000000', name = 'App name' WHERE slug = 'kunde'",
			 owned[i].column, owned[i].app_value);
		assert_int_equal(raw_exec(f->path, sql), SQLITE_OK);
		p.keys = 0;
		assert_int_equal(state_project_upsert(st, &p, &f->err), 0);
		v = column_text(f->path, owned[i].column);
		if (strcmp(v, owned[i].kept) != 0)
			fail_msg("%s: not named by the spec, got %s, want the application's %s",
				 owned[i].column, v, owned[i].kept);
		free(v);
		/* the required keys always apply; what upsert never writes stays */
		v = column_text(f->path, "name || '|' || trial_start_date");
		assert_string_equal(v, "Kunde|2026-01-01 00:00:00.000000");
		free(v);
		p.keys = owned[i].key;
		assert_int_equal(state_project_upsert(st, &p, &f->err), 0);
		v = column_text(f->path, owned[i].column);
		if (strcmp(v, owned[i].spec) != 0)
			fail_msg("%s: named by the spec, got %s, want %s", owned[i].column, v,
				 owned[i].spec);
		free(v);
	}
	state_close(st);
}

/* whose suspension: only a status vrsctl wrote is vrsctl's */
static void test_suspension_owner(void **state)
{
	struct fx *f = *state;
	struct state *st = open_w(f);
	struct m_project p = {.slug = "mine", .name = "M", .owner_email = "m@example.org"};
	struct m_project q = {.slug = "theirs", .name = "T", .owner_email = "t@example.org"};
	struct m_world w;

	assert_int_equal(state_project_upsert(st, &p, &f->err), 0);
	assert_int_equal(state_project_set_status(st, "mine", PS_SUSPENDED, NULL, &f->err), 0);
	/* the application's row, suspended by it, then named by a spec */
	assert_int_equal(raw_exec(f->path,
				  "INSERT INTO marketplace_project (name, slug, "
				  "owner_email, api_key, provisioning_status, created_at, "
				  "updated_at) VALUES ('T', 'theirs', 't@example.org', 'k', "
				  "'suspended', 'x', 'x')"),
			 SQLITE_OK);
	assert_int_equal(state_project_upsert(st, &q, &f->err), 0);
	world_init(&w);
	assert_int_equal(state_load(st, &w, &f->err), 0);
	assert_string_equal(w.projects[0].slug, "mine");
	assert_true(w.projects[0].managed);
	assert_false(w.projects[0].app_suspended);
	assert_string_equal(w.projects[1].slug, "theirs");
	assert_true(w.projects[1].managed);
	assert_true(w.projects[1].app_suspended);
	world_release(&w);
	/* the application suspends vrsctl's project: now it is the application's */
	assert_int_equal(state_project_set_status(st, "mine", PS_ACTIVE, NULL, &f->err), 0);
	assert_int_equal(raw_exec(f->path, "UPDATE marketplace_project SET provisioning_status = "
					   "'suspended' WHERE slug = 'mine'"),
			 SQLITE_OK);
	world_init(&w);
	assert_int_equal(state_load(st, &w, &f->err), 0);
	assert_true(w.projects[0].app_suspended);
	world_release(&w);
	state_close(st);
}

/* the plan's view of the same rule: recorded values stand for keys the spec leaves out */
static void test_project_effective(void **state)
{
	struct m_project d = {.slug = "k", .payment_method = PM_INVOICE, .demo = false};
	struct m_project r = {.slug = "k",
			      .payment_method = PM_STRIPE_SUBSCRIPTION,
			      .billing_email = "app@example.org",
			      .stripe_customer_id = "cus",
			      .stripe_subscription_id = "sub",
			      .bundle = "b",
			      .superadmin = true,
			      .demo = true,
			      .cloned_from = "src",
			      .preview_protection = true,
			      .lifecycle = LC_SUSPENDED,
			      .trial_days = 14};
	struct m_project e;

	(void)state;
	project_effective(&d, &r, &e);
	assert_int_equal(e.payment_method, PM_STRIPE_SUBSCRIPTION);
	assert_string_equal(e.billing_email, "app@example.org");
	assert_string_equal(e.stripe_customer_id, "cus");
	assert_string_equal(e.stripe_subscription_id, "sub");
	assert_string_equal(e.bundle, "b");
	assert_true(e.superadmin && e.demo && e.preview_protection);
	assert_string_equal(e.cloned_from, "src");
	/* vrsctl's own (vrs_project_ext): the spec with its defaults applies */
	assert_int_equal(e.lifecycle, LC_ACTIVE);
	assert_int_equal(e.trial_days, 0);
	d.keys = PK_PAYMENT_METHOD | PK_BILLING_EMAIL | PK_DEMO;
	project_effective(&d, &r, &e);
	assert_int_equal(e.payment_method, PM_INVOICE);
	assert_null(e.billing_email);
	assert_false(e.demo);
	assert_string_equal(e.stripe_customer_id, "cus");
	/* a new row: the spec as it is */
	project_effective(&d, NULL, &e);
	assert_null(e.stripe_customer_id);
}

/* the base of --max-delete-percent: the remote objects of managed projects only */
static void test_managed_objects(void **state)
{
	static char pu[] = "p-uuid", au[] = "a-uuid", a[] = "101", www[] = "102";
	struct m_domain dom = {.record_a = a, .record_www = www};
	struct m_project pr[2] = {
	    {.managed = true,
	     .coolify_project_uuid = pu,
	     .coolify_app_uuid = au,
	     .domains = &dom,
	     .ndomains = 1},
	    /* a row the marketplace provisioned before vrsctl joined its database */
	    {.managed = false,
	     .coolify_project_uuid = pu,
	     .coolify_app_uuid = au,
	     .domains = &dom,
	     .ndomains = 1},
	};
	struct m_world w = {.projects = pr, .nprojects = 2};

	(void)state;
	assert_int_equal(world_managed_objects(&w), 4);
	pr[1].managed = true;
	assert_int_equal(world_managed_objects(&w), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_files_private, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backup, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backup_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timestamp_migration, setup, teardown),
	    cmocka_unit_test(test_time_formats),
	    cmocka_unit_test_setup_teardown(test_join_marketplace_db, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_join_type_contradiction, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ownership_per_column, setup, teardown),
	    cmocka_unit_test(test_project_effective),
	    cmocka_unit_test_setup_teardown(test_suspension_owner, setup, teardown),
	    cmocka_unit_test(test_managed_objects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
