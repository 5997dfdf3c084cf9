/*
 * model.h — the shared vocabulary: the desired world (from specs), the
 * recorded world (from the state database), the observed world (from the
 * remote APIs) and the plan's actions.
 *
 * Plain data, no I/O, no library but libc. Every other layer uses these
 * types; this header uses none of them. Desired and recorded worlds share
 * the same structs: spec/ fills the spec fields (and `pos`), state/ fills
 * the spec fields it stored plus the recorded-only fields (ids, statuses,
 * uuids). Strings are owned by their struct (freed by world_release) except
 * `struct m_pos.file`, which points into the world's file table.
 *
 * Enum values and their names follow the VRS model specification exactly
 * (lower-case values as stored in the database).
 */
#ifndef VRS_MODEL_H
#define VRS_MODEL_H

#include <stdbool.h>
#include <stddef.h>

struct arena; /* util/arena.h */

/* source position of a spec node; file points into m_world.files (or is NULL) */
struct m_pos {
	const char *file;
	int line, col;
};

/* ---- enums of the model specification ---------------------------------- */

enum m_prov_status {
	PS_DRAFT,
	PS_PENDING_PAYMENT,
	PS_PENDING_DOMAIN,
	PS_PROVISIONING,
	PS_BOOTSTRAPPING,
	PS_ACTIVE,
	PS_SUSPENDED,
	PS_ARCHIVED,
	PS_ERROR,
	PS__MAX
};

enum m_domain_type { DT_SUBDOMAIN, DT_OWNED, DT_REGISTERED, DT_TRANSFERRED, DT__MAX };

enum m_domain_status {
	DS_PENDING_REGISTRATION,
	DS_PENDING_TRANSFER,
	DS_PENDING_DNS,
	DS_ACTIVE,
	DS_EXPIRED,
	DS_SUSPENDED,
	DS__MAX
};

enum m_payment_method { PM_STRIPE_PREPAID, PM_STRIPE_SUBSCRIPTION, PM_INVOICE, PM_FREE, PM__MAX };

enum m_server_status { SS_PROVISIONING, SS_ACTIVE, SS_MAINTENANCE, SS_OFFLINE, SS__MAX };

enum m_billing_cycle { BC_ONCE, BC_MONTHLY, BC_YEARLY, BC__MAX };

/* the spec's `lifecycle:` (what the operator wants), not the provisioning status */
enum m_lifecycle { LC_ACTIVE, LC_SUSPENDED, LC_ARCHIVED, LC__MAX };

/* how a value is given: literally, or as a reference resolved at apply time */
enum m_value_kind { VK_LITERAL, VK_FROM_ENV, VK_FROM_FILE };

/* enum <-> name; *_parse return 0 and set *out, or -1 for an unknown name */
const char *m_prov_status_name(enum m_prov_status v);
int m_prov_status_parse(const char *s, enum m_prov_status *out);
const char *m_domain_type_name(enum m_domain_type v);
int m_domain_type_parse(const char *s, enum m_domain_type *out);
const char *m_domain_status_name(enum m_domain_status v);
int m_domain_status_parse(const char *s, enum m_domain_status *out);
const char *m_payment_method_name(enum m_payment_method v);
int m_payment_method_parse(const char *s, enum m_payment_method *out);
const char *m_server_status_name(enum m_server_status v);
int m_server_status_parse(const char *s, enum m_server_status *out);
const char *m_billing_cycle_name(enum m_billing_cycle v);
int m_billing_cycle_parse(const char *s, enum m_billing_cycle *out);
const char *m_lifecycle_name(enum m_lifecycle v);
int m_lifecycle_parse(const char *s, enum m_lifecycle *out);

/* ---- desired / recorded objects ----------------------------------------- */

struct m_server {
	char *name; /* unique key, lower case */
	char *coolify_uuid;
	char *ip_address;
	char *ipv6_address; /* NULL: no AAAA records */
	int ssh_port;	    /* default 22 */
	int max_projects;   /* default 20 */
	bool accepting_new; /* default true */
	/* desired: SS_ACTIVE or SS_MAINTENANCE; recorded: may also be SS_OFFLINE */
	enum m_server_status status;
	long long hetzner_server_id; /* 0: none */
	char *hetzner_server_type;
	char *hetzner_location;
	char *notes;
	char *destination; /* desired only: the Coolify destination (uuid or name) for new apps */
	struct m_pos pos;
	long long id; /* recorded only: database id */
	bool owned;   /* recorded only: vrsctl's row (vrs_catalogue), not the application's */
};

struct m_base_domain {
	char *domain; /* unique key */
	char *display_name;
	bool is_active;	 /* default true */
	bool is_default; /* spec `default:` */
	int sort_order;
	bool wildcard_ssl;
	long long inwx_domain_id; /* recorded only, 0: none */
	struct m_pos pos;
	long long id;
	bool owned; /* recorded only: vrsctl's row (vrs_catalogue) */
};

struct m_project_type {
	char *code; /* unique key */
	char *name;
	int trial_days; /* 0: no trial */
	struct m_pos pos;
	long long id;
	bool owned; /* recorded only: vrsctl's row (vrs_catalogue) */
};

struct m_plugin_price {
	char *project_type; /* code */
	enum m_billing_cycle billing_cycle;
	int price_cents;
	struct m_pos pos;
};

struct m_plugin {
	char *name; /* unique key */
	struct m_plugin_price *prices;
	size_t nprices;
	struct m_pos pos;
	long long id;
	bool owned; /* recorded only: vrsctl's row (vrs_catalogue) */
};

struct m_bundle {
	char *code; /* unique key */
	char *name;
	char *description;
	char *project_type; /* code */
	char **plugins;	    /* plugin names, in spec order */
	size_t nplugins;
	enum m_billing_cycle billing_cycle; /* default monthly */
	int discount_percent;		    /* 0..100 */
	bool is_default;
	bool is_active; /* default true */
	int sort_order;
	struct m_pos pos;
	long long id;
	bool owned; /* recorded only: vrsctl's row (vrs_catalogue) */
};

/* one application environment variable */
struct m_env {
	char *key;
	enum m_value_kind kind;
	char *value; /* VK_LITERAL only; never set for a secret */
	char *ref;   /* VK_FROM_ENV: variable name; VK_FROM_FILE: path */
	/*
	 * Secrets (kind != VK_LITERAL) are compared through a keyed
	 * fingerprint, hex HMAC-SHA256(state key, value). The caller fills it
	 * in the desired world after resolving the reference (NULL when it
	 * could not be resolved); state/ stores only this, never plaintext.
	 */
	char *fingerprint;
	struct m_pos pos;
};

struct m_app {
	char *image; /* e.g. ghcr.io/vrs-gmbh/vrs-core:1.4.2 */
	int port;    /* default 8000 */
	char *health_path;
	struct m_env *env;
	size_t nenv;
	/* archived: Coolify deletes the app's volumes too (default false: kept) */
	bool delete_volumes;
	struct m_pos pos;
};

struct m_domain {
	char *fqdn; /* full name: "roma.vrs.gmbh" or "pizzeria-roma.de"; unique key */
	enum m_domain_type type;
	char *subdomain;   /* DT_SUBDOMAIN only */
	char *base_domain; /* DT_SUBDOMAIN only: base domain (resolved to the default one if
			      omitted) */
	bool primary;
	int max_price_cents;		  /* DT_REGISTERED: price cap, -1 if none */
	enum m_value_kind auth_code_kind; /* DT_TRANSFERRED: always a reference */
	char *auth_code_ref;		  /* env name or file path, never the code itself */
	struct m_pos pos;

	/* recorded only */
	long long id;
	enum m_domain_status status;
	char *zone; /* INWX zone holding the records (base domain or the domain itself) */
	/* INWX record ids (strings); NULL when not created */
	char *record_a, *record_aaaa, *record_www;
	long long inwx_domain_id;
	int registration_cost_cents; /* -1: unknown */
	int renewal_cost_cents;	     /* -1: unknown */
	long long expires_at;	     /* unix seconds, 0: unknown */
	/* observed TLS (issue 12): a verified handshake; the certificate's notAfter; when checked
	 */
	bool ssl_provisioned;
	long long ssl_expires_at, tls_checked_at; /* unix s, 0: unknown */
};

/*
 * Optional Project keys a spec names (m_project.keys): after the row is
 * created, vrsctl writes such a column only when the spec names its key
 * (docs/OWNERSHIP.md); the defaults of DESIGN §4 fill a row only on create.
 */
enum m_pkey {
	PK_BUNDLE = 1u << 0,
	PK_LIFECYCLE = 1u << 1,
	PK_SUPERADMIN = 1u << 2,
	PK_PAYMENT_METHOD = 1u << 3,
	PK_PAYMENT_CONFIRMED = 1u << 4,
	PK_BILLING_EMAIL = 1u << 5,
	PK_STRIPE_CUSTOMER = 1u << 6,
	PK_STRIPE_SUBSCRIPTION = 1u << 7,
	PK_TRIAL = 1u << 8,
	PK_DEMO = 1u << 9,
	PK_CLONED_FROM = 1u << 10,
	PK_PREVIEW_PROTECTION = 1u << 11,
};

struct m_project {
	char *slug; /* unique key, a DNS label */
	char *name;
	char *owner_email;
	char *project_type; /* code */
	char *bundle;	    /* code, NULL: none */
	enum m_lifecycle lifecycle;
	char *server; /* desired: server name, NULL for `auto`; recorded: placed server name */
	bool superadmin;
	enum m_payment_method payment_method;
	bool payment_confirmed;
	char *billing_email;
	char *stripe_customer_id;
	char *stripe_subscription_id;
	int trial_days; /* 0: no trial; `trial: true` takes the project type's days */
	bool demo;
	char *cloned_from; /* slug */
	bool preview_protection;
	struct m_app app;
	struct m_domain *domains;
	size_t ndomains;
	struct m_pos pos;
	struct m_pos server_pos; /* position of `server:` (for the placement cross-check) */

	/* recorded only */
	long long id;
	enum m_prov_status status;
	char *coolify_project_uuid;
	char *coolify_environment_uuid;
	char *coolify_app_uuid;
	char *provisioning_error;
	int provisioning_retry_count;
	long long provisioning_started_at, provisioning_completed_at; /* unix s, 0: unset */
	long long trial_start_date, trial_end_date;
	bool has_api_key;    /* VRS_API_KEY generated and stored */
	char *applied_fqdns; /* comma-separated FQDN list last sent to Coolify */
	/* issue 13: the marketplace application shares the rows */
	unsigned keys;	      /* desired: enum m_pkey bits of the keys the spec names */
	bool managed;	      /* recorded: vrsctl created or took over the row from a spec */
	bool app_suspended;   /* recorded: suspended by the application, not by vrsctl */
	bool stopped_for_app; /* recorded: vrsctl stopped the app for that suspension */
	/* observed health of an active project's app (vrs_health): unhealthy since when */
	bool unhealthy;
	long long health_since; /* unix s, 0: never observed */
};

/* INWX defaults for purchases (kind: Registrar) */
struct m_registrar {
	char *registrant, *admin, *tech, *billing; /* contact handles */
	char **nameservers;
	size_t nnameservers;
	int period_years;   /* default 1 */
	char *renewal_mode; /* e.g. AUTORENEW */
	struct m_pos pos;
	bool present;
};

/* a whole world: desired (spec/), recorded (state/) */
struct m_world {
	struct m_server *servers;
	size_t nservers;
	struct m_base_domain *base_domains;
	size_t nbase_domains;
	struct m_project_type *project_types;
	size_t nproject_types;
	struct m_plugin *plugins;
	size_t nplugins;
	struct m_bundle *bundles;
	size_t nbundles;
	struct m_project *projects;
	size_t nprojects;
	struct m_registrar registrar;
	char **files; /* owned file names that m_pos.file points into */
	size_t nfiles;
};

void world_init(struct m_world *w);
void world_release(struct m_world *w);
/* sort every array by its key (deterministic order for plan and state) */
void world_sort(struct m_world *w);
/* lookups by key; NULL when absent */
struct m_server *world_server(const struct m_world *w, const char *name);
struct m_base_domain *world_base_domain(const struct m_world *w, const char *domain);
struct m_project_type *world_project_type(const struct m_world *w, const char *code);
/*
 * dp as vrsctl applies it to the recorded row rp (NULL: a new row, dp as it
 * is): optional keys dp does not name take rp's values. Shallow, owns nothing.
 */
void project_effective(const struct m_project *dp, const struct m_project *rp,
		       struct m_project *out);
struct m_plugin *world_plugin(const struct m_world *w, const char *name);
struct m_bundle *world_bundle(const struct m_world *w, const char *code);
struct m_project *world_project(const struct m_world *w, const char *slug);
/*
 * Remote objects of the recorded world's managed projects (Coolify project
 * and app, DNS records): the base of --max-delete-percent. Unmanaged rows
 * (the marketplace application's, issue 13) are not counted.
 */
size_t world_managed_objects(const struct m_world *rec);
/* the element of a sorted array of keyed structs (key string first) with that key, or NULL */
void *world_find_key(const void *base, size_t n, size_t size, const char *key);
void server_release(struct m_server *s);
void project_release(struct m_project *p);
void domain_release(struct m_domain *d);

/*
 * Bundle price in cents for its billing cycle: sum of its plugins' prices
 * for (project type, cycle) minus the discount, truncated as the model
 * specification does. Display: "22,41 €/Monat", "Kostenlos".
 */
long long bundle_price_cents(const struct m_world *w, const struct m_bundle *b);
/* writes into out (>= 32 bytes) and returns it */
char *bundle_price_display(const struct m_world *w, const struct m_bundle *b, char *out,
			   size_t outlen);
/* "12,00 €" */
char *cents_display(long long cents, char *out, size_t outlen);

/* ---- observed world (remote, from list calls) --------------------------- */

struct o_app {
	char *uuid, *name, *fqdn, *image, *status, *server_uuid, *description;
};

struct o_record {
	char *id, *zone, *name, *type, *content;
	int ttl;
};

struct o_server {
	char *uuid, *name, *ip;
	bool reachable;
};

/* what INWX offers for a domain to register or transfer (domain.check, prices, rules) */
struct o_offer {
	char *domain;
	int avail;		 /* 1 free, 0 taken, -1 unknown */
	long long price_cents;	 /* registration (or transfer) price; -1 unknown */
	long long renewal_cents; /* -1 unknown */
	bool premium;		 /* a premium name: the prices are its own, not the TLD's */
	bool auth_code_needed;	 /* transfers: the TLD asks for an auth code */
	bool in_account;	 /* already in our INWX account (bought before) */
	long long expires_at;	 /* in_account: unix seconds, 0 unknown */
	char *status;		 /* in_account: INWX status ("OK", "EXPIRED", ...) */
};

struct m_observed {
	bool present; /* false: no refresh was done */
	struct o_offer *offers;
	size_t noffers;
	struct o_app *apps;
	size_t napps;
	struct o_record *records;
	size_t nrecords;
	struct o_server *servers;
	size_t nservers;
	/*
	 * zones_partial: only the zones in zones_read (sorted) were read; the
	 * records of the others are taken as recorded, never as observed.
	 */
	bool zones_partial;
	char **zones_read;
	size_t nzones_read;
};

void observed_release(struct m_observed *o);
/* was the zone read by this refresh (every zone when !zones_partial)? */
bool observed_zone_read(const struct m_observed *o, const char *zone);

/* ---- plan actions -------------------------------------------------------- */

enum m_op {
	OP_CREATE,
	OP_UPDATE,
	OP_DELETE,
	OP_DEPLOY,
	OP_STOP,
	OP_START,
	OP_REGISTER,
	OP_TRANSFER,
	OP_NOOP,
	OP__MAX
};

enum m_resource {
	RES_SERVER,
	RES_BASE_DOMAIN,
	RES_PROJECT_TYPE,
	RES_PLUGIN,
	RES_BUNDLE,
	RES_PROJECT,
	RES_PROJECT_DOMAIN,
	RES_DOMAIN_REGISTRATION,
	RES_COOLIFY_PROJECT,
	RES_COOLIFY_APP,
	RES_APP_ENV,
	RES_DNS_RECORD,
	RES_DEPLOYMENT,
	RES__MAX
};

enum m_service { SVC_LOCAL, SVC_COOLIFY, SVC_INWX, SVC__MAX };

const char *m_op_name(enum m_op v);
int m_op_parse(const char *s, enum m_op *out);
const char *m_resource_name(enum m_resource v);
int m_resource_parse(const char *s, enum m_resource *out);
const char *m_service_name(enum m_service v);
int m_service_parse(const char *s, enum m_service *out);

/* one field change; old/new NULL mean "none"; secrets are "(secret)" */
struct m_change {
	char *field, *old, *new;
};

struct m_action {
	int id; /* 1-based, position in the ordered plan */
	enum m_op op;
	enum m_resource resource;
	char *key;     /* e.g. "pizzeria-roma", "roma.vrs.gmbh/A", "vrs-pizzeria-roma" */
	char *project; /* slug of the project it belongs to, NULL for global objects */
	enum m_service service;
	struct m_change *changes;
	size_t nchanges;
	int *requires; /* ids of actions that must finish first */
	size_t nrequires;
	char *reason;
	bool drift; /* repairs drift a refresh found */
	bool destructive;
	long long cost_cents; /* purchases; 0 otherwise */
	struct m_pos source;
};

struct m_plan {
	struct m_action *actions;
	size_t nactions;
	size_t nnoop; /* objects already converged (counted, not listed) */
	char *lineage;
	long long serial;
	char *specs_digest;
	/* when set (plan_build), the actions' key, project, reason, changes and their
	 * strings are its own, freed at once by plan_release; NULL (a parsed plan): each
	 * is malloc'd */
	struct arena *arena;
	/* the actions are a plan_memo's (plan_build_memo): plan_release leaves them */
	bool borrowed;
};

void plan_init(struct m_plan *p);
void plan_release(struct m_plan *p);
/* free what an action owns and zero it */
void action_clear(struct m_action *a);

/* the application's FQDNs as Coolify takes them: "https://a,https://b", primary first, then by name
 */
char *project_fqdns(const struct m_project *p);

/*
 * ---- naming rules (names.c): the names vrsctl gives remote objects -------
 *
 * The formatting functions write a NUL-terminated name into buf and return
 * 0, or -1 when it does not fit in n bytes (buf then holds a truncated name).
 */

/* the Coolify project of a project: "vrs-<slug>" (the application is "<slug>") */
int model_coolify_name(char *buf, size_t n, const char *slug);

/* the DNS records vrsctl keeps for each domain */
enum m_rec_kind { MREC_A, MREC_AAAA, MREC_WWW };
/* the record's type at INWX: "A", "AAAA", "CNAME" */
const char *m_rec_kind_type(enum m_rec_kind k);
/* the record's name at INWX: "<fqdn>" (A, AAAA) or "www.<fqdn>" (CNAME) */
int model_record_name(char *buf, size_t n, enum m_rec_kind k, const char *fqdn);
/* a dns_record action key: "<fqdn>/A", "<fqdn>/AAAA", "www.<fqdn>/CNAME" */
int model_record_key(char *buf, size_t n, enum m_rec_kind k, const char *fqdn);
/*
 * The reverse of model_record_key: the kind and the domain's fqdn (without
 * "www." for CNAME). Returns 0, or -1 when key is not NAME/TYPE with type A,
 * AAAA or CNAME, or the fqdn does not fit in n.
 */
int model_record_parse(const char *key, enum m_rec_kind *k, char *fqdn, size_t n);
/*
 * Do two contents of a record of this type say the same thing, as DNS reads
 * them? Addresses (A, AAAA) by value, names without case or final dot.
 */
bool model_record_content_same(const char *type, const char *a, const char *b);
/* the id recorded for a domain's record of kind k (NULL when none, or d NULL) */
const char *domain_record_id(const struct m_domain *d, enum m_rec_kind k);
/* the zone of a domain's records: a subdomain's base domain, else the domain itself */
const char *domain_zone(const struct m_domain *d);
/* the domain of p named fqdn, or NULL (p may be NULL) */
const struct m_domain *project_domain(const struct m_project *p, const char *fqdn);

#endif
