/*
 * state.h — the recorded world: vrsctl's state database.
 *
 * This is the only interface to the state. Only src/state/ includes
 * a database library; nothing here exposes SQLite, so that a PostgreSQL backend
 * (shared with the marketplace application) can replace it later.
 *
 * The database holds the tables of the VRS model specification
 * (marketplace_*) plus vrsctl's bookkeeping (vrs_*): see schema.c for the
 * documented schema.
 *
 * Conventions
 *   - Every function that can fail returns 0 on success and -1 on failure,
 *     filling the caller's struct vrs_err (which may be NULL) with a message
 *     that names what failed ("state: server fsn1-01: ...").
 *   - Objects are addressed by their spec keys (server name, base domain,
 *     project type code, plugin name, bundle code, project slug, domain
 *     fqdn), never by database ids.
 *   - Timestamps are unix seconds in the API (0 = unset) and UTC text in
 *     SQLAlchemy's storage format ("2026-11-26 17:00:00.000000") in the
 *     database; ISO "2026-11-26T17:00:00Z" is read too.
 *   - Writes do not commit by themselves. Wrap a step's writes in
 *     state_begin()/state_commit() (BEGIN IMMEDIATE); a write function
 *     called outside an explicit transaction is still atomic on its own
 *     (each one runs inside a SAVEPOINT). Exception: state_journal_open()
 *     commits immediately and must be called outside a transaction.
 *   - Strings passed in are copied; strings returned are owned by the
 *     caller and freed with the matching *_free() function.
 *   - No function takes a secret's plaintext: secret env values are stored
 *     as HMAC fingerprints only (see state_fingerprint_key()).
 */
#ifndef VRS_STATE_H
#define VRS_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"
#include "util/err.h"

/* highest schema version (PRAGMA user_version) this binary knows */
#define STATE_SCHEMA_VERSION 5

struct state;

/* ---- open / close ------------------------------------------------------- */

enum state_flags {
	/*
	 * Read only; never creates, migrates or otherwise modifies anything.
	 * A missing file gives an empty in-memory view (state_is_new() true).
	 * A file with an older schema is refused: "state needs migration; run
	 * apply".
	 */
	STATE_READ = 0,
	/* read-write; creates the file and its directory, migrates the schema */
	STATE_WRITE = 1,
};

/* what a --state value names (where.c) */
enum state_kind {
	STATE_FILE,	/* a SQLite file path */
	STATE_POSTGRES, /* postgresql:// or postgres:// (libpq's URL) */
};
/* classify where; an unknown URL scheme ("foo://", "postgres:x") is an error */
int state_where(const char *where, enum state_kind *kind, struct vrs_err *err);

/*
 * Open the state at path. On success *out is a handle to state_close().
 * Errors: not a SQLite database, schema newer than this binary ("state FILE
 * has schema version 3, this vrsctl supports up to 1; upgrade vrsctl"),
 * schema older in read mode, I/O.
 */
int state_open(const char *path, int flags, struct state **out, struct vrs_err *err);
/* close the handle (NULL-safe); an open transaction is rolled back */
void state_close(struct state *st);
/* true when the file did not exist (read mode) or was just created */
bool state_is_new(const struct state *st);
/* the path given to state_open */
const char *state_path(const struct state *st);
/*
 * Override the clock used for created_at/updated_at/started_at (unix
 * seconds; 0 = the real clock). For tests and reproducible cases.
 */
void state_set_now(struct state *st, long long now);

/* ---- files (files.c) ---------------------------------------------------- */

/*
 * The state's files are created 0600. 1 when the state file, its -wal,
 * -shm or .lock file is readable or writable by group or others (which
 * names it, *mode its permission bits), else 0; a missing file is fine.
 */
int state_exposed(const char *state_path, char *which, size_t n, unsigned *mode);
/*
 * A consistent copy of the open state at dest (created 0600, replaced
 * atomically), by SQLite's online backup API: a running watch may go on
 * writing meanwhile. The copy is a plain database (journal_mode DELETE).
 */
int state_backup(struct state *st, const char *dest, struct vrs_err *err);

/* ---- transactions ------------------------------------------------------- */

/* BEGIN IMMEDIATE (takes SQLite's write lock now); error if one is open */
int state_begin(struct state *st, struct vrs_err *err);
int state_commit(struct state *st, struct vrs_err *err);
/* roll back the open transaction; no-op when none is open */
int state_rollback(struct state *st, struct vrs_err *err);

/* ---- lock (one mutating process per state) ------------------------------ */

struct state_lock;

/*
 * Take an exclusive, non-blocking flock on STATE_PATH.lock (creating the
 * file and its directory) and write our pid into it. On contention returns
 * -1 with *holder_pid (may be NULL) set to the holder's pid (0 if unknown)
 * and the message "state FILE is locked by pid N". The kernel releases the
 * lock when the process dies, so there is no stale lock. Release with
 * state_unlock().
 */
int state_lock(const char *state_path, struct state_lock **out, int *holder_pid,
	       struct vrs_err *err);
/*
 * state_lock, retried while another process holds the lock, for up to
 * wait_ms milliseconds (--lock-timeout; 0: one try). Other errors at once.
 */
int state_lock_wait(const char *state_path, long long wait_ms, struct state_lock **out,
		    int *holder_pid, struct vrs_err *err);
/*
 * After state_open(STATE_WRITE) under lk: on PostgreSQL every write first
 * checks, on lk's session, that this process still holds the writer lock,
 * so that a writer whose lock session ended (connection lost, terminated)
 * never writes again (VRS_E_LOCKED). No-op on SQLite (the flock lives as
 * long as the process). lk must outlive st.
 */
void state_attach_lock(struct state *st, struct state_lock *lk);
/*
 * 0 while this process may write st: on PostgreSQL its lock session (of
 * state_attach_lock) still holds the writer lock, else VRS_E_LOCKED (or
 * VRS_E_INVALID: a transaction pooler answered from another session). 0 on
 * SQLite and without a lock.
 */
int state_writer_check(struct state *st, struct vrs_err *err);
/*
 * The application's wake-up (PostgreSQL): state_notify_fd LISTENs on channel
 * "vrsctl" on the lock's session (attached with state_attach_lock) and
 * returns its socket for poll/epoll; -1 on SQLite or without a lock session
 * (err untouched), -1 with err when LISTEN failed. state_notify_drain reads
 * what arrived without blocking: the number of NOTIFYs (0: none), each
 * payload given to fn (may be NULL), or -1 with VRS_E_LOCKED when the
 * session is gone.
 */
int state_notify_fd(struct state *st, struct vrs_err *err);
int state_notify_drain(struct state *st, void (*fn)(void *ud, const char *payload), void *ud,
		       struct vrs_err *err);
/* the lock can be taken by waiting (a standby): true for a PostgreSQL URL */
bool state_is_postgres(const char *state_path);
/* this process's name as a lock holder: "vrsctl@HOST:PID" (PostgreSQL's
 * application_name of its sessions) */
void state_self_name(char *out, size_t n);
/* who holds the writer lock of a PostgreSQL state: its application_name
 * into out ("" when nobody, and always "" on SQLite); -1 when unreachable */
int state_lock_holder(const char *state_path, char *out, size_t n, struct vrs_err *err);
/* release and free (NULL-safe); the lock file itself stays */
void state_unlock(struct state_lock *lk);

/* ---- meta --------------------------------------------------------------- */

struct state_meta {
	char *lineage; /* 32 hex chars; NULL for a new (not yet created) state */
	long long serial;
	char *specs_digest; /* digest of the last applied specs; NULL if none */
};

int state_meta_get(struct state *st, struct state_meta *out, struct vrs_err *err);
void state_meta_release(struct state_meta *m);
/* serial += 1 and specs_digest = digest (NULL keeps the old digest) */
int state_serial_bump(struct state *st, const char *digest, struct vrs_err *err);
/*
 * The 256-bit key for HMAC fingerprints of secret env values. Created and
 * stored on first use in write mode; in read mode without a stored key, a
 * random key is made up for this handle (no recorded fingerprint can exist
 * then, so every comparison reports a change).
 */
int state_fingerprint_key(struct state *st, unsigned char key[32], struct vrs_err *err);

/* ---- reading ------------------------------------------------------------ */

/*
 * Fill *recorded (world_init'ed by the caller, freed with world_release) with
 * everything recorded: servers, base domains, project types, plugins with
 * prices, bundles with plugin names (sorted by name), projects with their
 * domains, placement (m_project.server = placed server name), recorded app
 * config (app.image/port/health_path, env: literals with value, secrets as
 * kind VK_FROM_ENV with fingerprint and no ref), applied_fqdns, statuses,
 * uuids, errors, retry counts, has_api_key. Every array is sorted by key.
 * The Registrar is not recorded. On error *recorded may hold partial data.
 */
int state_load(struct state *st, struct m_world *recorded, struct vrs_err *err);
/* a project row with this slug exists (either backend): 1, 0 none, -1 error */
int state_project_known(struct state *st, const char *slug, struct vrs_err *err);

/* ---- writes: global objects --------------------------------------------- */

/* insert or update by name (all spec fields; status = s->status) */
int state_server_upsert(struct state *st, const struct m_server *s, struct vrs_err *err);
/* set the recorded status only (e.g. SS_OFFLINE from a refresh) */
int state_server_set_status(struct state *st, const char *name, enum m_server_status status,
			    struct vrs_err *err);
/* delete by name; fails while a project is placed on it */
int state_server_delete(struct state *st, const char *name, struct vrs_err *err);

/* by domain; inwx_domain_id is kept when b->inwx_domain_id == 0 */
int state_base_domain_upsert(struct state *st, const struct m_base_domain *b, struct vrs_err *err);
int state_base_domain_delete(struct state *st, const char *domain, struct vrs_err *err);

/* by code; has_trial = trial_days > 0 */
int state_project_type_upsert(struct state *st, const struct m_project_type *t,
			      struct vrs_err *err);
int state_project_type_delete(struct state *st, const char *code, struct vrs_err *err);

/* by name; the prices are replaced by p->prices (project types must exist) */
int state_plugin_upsert(struct state *st, const struct m_plugin *p, struct vrs_err *err);
/* deletes its prices too; fails while a bundle contains it */
int state_plugin_delete(struct state *st, const char *name, struct vrs_err *err);

/* by code; the plugin set is replaced by b->plugins (they must exist) */
int state_bundle_upsert(struct state *st, const struct m_bundle *b, struct vrs_err *err);
int state_bundle_delete(struct state *st, const char *code, struct vrs_err *err);

/* ---- writes: projects --------------------------------------------------- */

/*
 * Insert or update the spec fields of a project by slug: name, owner_email,
 * project_type, bundle, lifecycle, superadmin, payment (method, confirmed,
 * billing email, stripe ids), trial_days, demo, cloned_from (its source may be
 * recorded before or after the clone; the link is made when both exist),
 * preview_protection. is_active = lifecycle != archived. A new
 * project starts in `draft` with a fresh api_key. Recorded-only fields,
 * placement, domains and app config are not touched (separate calls).
 * Ownership (docs/OWNERSHIP.md): on a row that existed before the call,
 * an optional column is written only when p->keys names its key (is_active
 * with lifecycle); otherwise it keeps the application's value. The ext row
 * is created too: from then on the project is managed.
 */
int state_project_upsert(struct state *st, const struct m_project *p, struct vrs_err *err);
/*
 * Set provisioning_status and provisioning_error (= error_or_NULL; NULL
 * clears it). Entering pending_domain/provisioning/bootstrapping sets
 * provisioning_started_at if unset; entering active sets
 * provisioning_completed_at. The retry count is not touched.
 */
int state_project_set_status(struct state *st, const char *slug, enum m_prov_status status,
			     const char *error_or_NULL, struct vrs_err *err);
/* vrsctl stopped (true) or started again (false) the app of an application's suspension */
int state_project_set_stopped_for_app(struct state *st, const char *slug, bool stopped,
				      struct vrs_err *err);
/* record placement; server_name NULL removes it */
int state_project_place(struct state *st, const char *slug, const char *server_name,
			struct vrs_err *err);

enum state_uuid { SU_COOLIFY_PROJECT, SU_COOLIFY_ENVIRONMENT, SU_COOLIFY_APP };
/* set one Coolify uuid (NULL clears it) */
int state_project_set_uuid(struct state *st, const char *slug, enum state_uuid which,
			   const char *uuid, struct vrs_err *err);
int state_project_retry_reset(struct state *st, const char *slug, struct vrs_err *err);
/*
 * The retry rule (retry.c): project slug must be in status error
 * (VRS_E_NOT_FOUND, VRS_E_INVALID otherwise); its retry count is reset and
 * a 'retry' log row naming `who` is written, in one transaction (so call it
 * outside one).
 */
int state_project_retry(struct state *st, const char *slug, const char *who, struct vrs_err *err);
int state_project_retry_increment(struct state *st, const char *slug, struct vrs_err *err);
/* trial_start_date / trial_end_date (unix seconds, 0 = NULL) */
int state_project_set_trial(struct state *st, const char *slug, long long start, long long end,
			    struct vrs_err *err);
/*
 * The project's marketplace api_key (64 hex chars from 32 random bytes),
 * generated once and kept. *api_key_out is the caller's to free.
 */
int state_project_ensure_api_key(struct state *st, const char *slug, char **api_key_out,
				 struct vrs_err *err);
/*
 * Delete a project and everything hanging off it: domains, preview
 * accesses, app config and env, provisioning log rows (the journal keeps
 * the slug). Projects cloned from it keep their cloned_from slug. Deleting
 * an absent project is not an error.
 */
int state_project_delete(struct state *st, const char *slug, struct vrs_err *err);

/* ---- writes: domains ---------------------------------------------------- */

/*
 * Insert or update a domain of project `slug` by fqdn: type, subdomain,
 * base domain (must exist for subdomains), primary, max_price_cents,
 * auth-code reference (kind + env name/path, never the code). A new domain
 * starts in pending_registration (registered), pending_transfer
 * (transferred) or pending_dns. Fails if the fqdn belongs to another
 * project. Recorded-only fields are not touched.
 */
int state_domain_upsert(struct state *st, const char *slug, const struct m_domain *d,
			struct vrs_err *err);
int state_domain_delete(struct state *st, const char *fqdn, struct vrs_err *err);
int state_domain_set_status(struct state *st, const char *fqdn, enum m_domain_status status,
			    struct vrs_err *err);
/* INWX record ids (strings; NULL = none) stored as JSON {"a":..,"aaaa":..,"www":..} */
int state_domain_set_records(struct state *st, const char *fqdn, const char *a, const char *aaaa,
			     const char *www, struct vrs_err *err);
/* the INWX zone that holds the domain's records (NULL clears) */
int state_domain_set_zone(struct state *st, const char *fqdn, const char *zone,
			  struct vrs_err *err);
/* registration / renewal costs in cents; -1 = unknown (NULL) */
int state_domain_set_costs(struct state *st, const char *fqdn, int registration_cents,
			   int renewal_cents, struct vrs_err *err);
/* expires_at unix seconds (0 = NULL) */
int state_domain_set_expiry(struct state *st, const char *fqdn, long long expires_at,
			    struct vrs_err *err);
/* INWX domain object id (0 = NULL) */
int state_domain_set_inwx_id(struct state *st, const char *fqdn, long long inwx_domain_id,
			     struct vrs_err *err);

/* ---- zones read and written (zoneread.c, vrs_zone_read) ------------------- */

/* when vrsctl last read a zone in a refresh and last wrote a record in it (0: never) */
struct state_zone_read {
	char *zone;
	long long read_at, written_at;
};
struct state_zone_reads {
	struct state_zone_read *v;
	size_t n, cap;
};
/* every zone's row, by zone name (release with state_zone_reads_release) */
int state_zone_reads_load(struct state *st, struct state_zone_reads *out, struct vrs_err *err);
void state_zone_reads_release(struct state_zone_reads *z);
/* zones read by a refresh at t (one savepoint) */
int state_zone_mark_read(struct state *st, const char *const *zones, size_t n, long long t,
			 struct vrs_err *err);
/* a record written in zone now (inside the write's transaction) */
int state_zone_mark_written(struct state *st, const char *zone, struct vrs_err *err);

/* ---- writes: applied app configuration ---------------------------------- */

/*
 * Record what was last sent to Coolify for the project's app: image, port,
 * health path, FQDNs (comma-separated as sent); applied_at = now.
 */
int state_app_set(struct state *st, const char *slug, const char *image, int port,
		  const char *health_path, const char *fqdns, struct vrs_err *err);
/* an applied literal env value */
int state_app_env_set_literal(struct state *st, const char *slug, const char *key,
			      const char *value, struct vrs_err *err);
/* an applied secret env value: its hex HMAC fingerprint only */
int state_app_env_set_secret(struct state *st, const char *slug, const char *key,
			     const char *fingerprint_hex, struct vrs_err *err);
int state_app_env_delete(struct state *st, const char *slug, const char *key, struct vrs_err *err);
/* forget the applied config and env (e.g. after the app was deleted) */
int state_app_clear(struct state *st, const char *slug, struct vrs_err *err);

/* ---- journal of remote calls -------------------------------------------- */

enum state_journal_result { SJ_OPEN, SJ_OK, SJ_FAILED, SJ_ADOPTED };

struct state_journal_entry {
	long long id;		/* set by state */
	long long started_at;	/* set by state (now) */
	long long completed_at; /* 0 while open */
	enum m_op op;
	enum m_resource resource;
	char *key;
	char *project_slug; /* NULL for global objects */
	enum m_service service;
	char *remote_name;     /* deterministic name to look the object up after a crash */
	char *request_summary; /* no secrets */
	enum state_journal_result result;
	char *external_id;
	char *error;
};

/*
 * Record a remote call about to be made and commit it (synchronous=FULL)
 * before returning; *id identifies it. Must be called outside a
 * transaction.
 */
int state_journal_open(struct state *st, const struct state_journal_entry *e, long long *id,
		       struct vrs_err *err);
/*
 * Complete journal row id (result SJ_OK/SJ_FAILED/SJ_ADOPTED). Meant to run
 * inside the transaction that records the call's result. Fails if the row
 * does not exist or is already closed.
 */
int state_journal_close(struct state *st, long long id, enum state_journal_result result,
			const char *external_id, const char *error, struct vrs_err *err);
/* rows left open (by a crash), oldest first; free with state_journal_free */
int state_journal_list_open(struct state *st, struct state_journal_entry **out, size_t *n,
			    struct vrs_err *err);
void state_journal_free(struct state_journal_entry *v, size_t n);
const char *state_journal_result_name(enum state_journal_result r);

/* ---- provisioning log --------------------------------------------------- */

struct state_log_entry {
	long long id;		  /* set by state */
	long long created_at;	  /* 0 on add: now */
	const char *project_slug; /* required */
	const char *action;	  /* dns_created, status_changed, error, ... */
	const char *old_status, *new_status;
	const char *message;
	const char *error_details;
	const char *external_id;
	const char *external_service; /* "coolify", "inwx" */
	const char *triggered_by;     /* NULL on add: "system" */
	const char *metadata_json;    /* a JSON object as text, or NULL */
};

int state_log_add(struct state *st, const struct state_log_entry *e, struct vrs_err *err);
/*
 * Log rows of project slug (NULL: all), newest first (created_at desc, then
 * id desc), at most limit (<= 0: all). Free with state_log_free.
 */
int state_log_list(struct state *st, const char *slug_or_NULL, int limit,
		   struct state_log_entry **out, size_t *n, struct vrs_err *err);
void state_log_free(struct state_log_entry *v, size_t n);

/* ---- preview access (marketplace_preview_access) ------------------------ */

struct state_preview {
	long long id;	      /* set by state */
	char *project_slug;   /* required on grant */
	char *token;	      /* set by state on grant: 64 URL-safe chars (48 random bytes) */
	char *code;	      /* set by state on grant: 6 digits */
	char *email, *name;   /* for whom; optional */
	long long expires_at; /* required on grant (unix seconds) */
	bool is_used;
	long long used_at; /* 0: never */
	char *used_ip;
	bool is_reusable;
	int use_count;
	char *notes;
	long long created_at; /* set by state */
	char *created_by;     /* admin e-mail; optional */
};

/*
 * Create a preview access for in->project_slug with the given email, name,
 * expires_at, is_reusable, notes, created_by. The new row (with its token
 * and code) is returned in *out (free with state_preview_release).
 */
int state_preview_grant(struct state *st, const struct state_preview *in, struct state_preview *out,
			struct vrs_err *err);
/* accesses of slug (NULL: all), newest first; free with state_preview_free */
int state_preview_list(struct state *st, const char *slug_or_NULL, struct state_preview **out,
		       size_t *n, struct vrs_err *err);
/*
 * Look up by token (code == NULL) or by (slug, code). Returns 1 and fills
 * *out when found, 0 when not, -1 on error. Validity (expiry, single use)
 * is the caller's rule: see the model's PreviewAccess.is_valid.
 */
int state_preview_find(struct state *st, const char *token, const char *slug, const char *code,
		       struct state_preview *out, struct vrs_err *err);
/* is_used = 1, use_count + 1, used_at = now, used_ip = ip (may be NULL) */
int state_preview_mark_used(struct state *st, const char *token, const char *ip,
			    struct vrs_err *err);
/* delete the access with this token; absent is not an error */
int state_preview_revoke(struct state *st, const char *token, struct vrs_err *err);
void state_preview_release(struct state_preview *p);
void state_preview_free(struct state_preview *v, size_t n);

/* ---- observed health and TLS (health.c) ----------------------------------- */

/*
 * A domain's handshake: ssl_provisioned (a verified one), ssl_expires_at (the
 * peer's notAfter; 0 = not seen, the recorded one stays: curl shows none of a
 * refused certificate) and when it was checked (vrs_tls_check, now).
 */
int state_domain_set_tls(struct state *st, const char *fqdn, bool provisioned, long long expires_at,
			 const char *seen, struct vrs_err *err);
/* a check that made no handshake (no connection): only when and what was seen */
int state_domain_tls_checked(struct state *st, const char *fqdn, const char *seen,
			     struct vrs_err *err);
/* an active project's app health as observed now; since = when it became so */
int state_health_set(struct state *st, const char *slug, bool healthy, long long since,
		     const char *seen, struct vrs_err *err);

/* ---- helpers ------------------------------------------------------------ */

/* for display: "2026-11-26T17:00:00Z" into out (>= 21 bytes); 0 gives "" */
char *state_time_fmt(long long t, char *out, size_t outlen);
/*
 * parse that form or the stored one (a space for T, fractional seconds, no
 * Z); -1 on bad input
 */
int state_time_parse(const char *s, long long *out);

#endif
