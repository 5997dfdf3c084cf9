/*
 * coolify.h — typed client for the Coolify API v1 (contracts/coolify-api.md).
 *
 * struct coolify *c = coolify_new(pool, "https://coolify.example.com", token, &opts, &err);
 * The client registers its own http service "coolify" in the pool (rate budget
 * opts.rate_per_min, default 200/min, spent at 97 % with burst 1 so a fixed
 * one-minute window never sees a 429), sends Authorization/Accept headers and
 * registers the token as a trace secret (it never appears in traces).
 *
 * Every endpoint is declared once (coolify_calls.c) and called through
 * coolify_call, or its named one-line form:
 *   coolify_X_async(c, args..., cb, ud, &err)  -> 0 queued / -1 (no callback)
 *       cb(ud, rc, result, err): result is the documented type, owned by the
 *       callback (free with its *_free); NULL when rc == -1.
 * coolify_wait blocks on any of them (drives the pool until this call is
 * done; other queued calls progress too).
 * Errors read "coolify: POST /applications/dockerimage: HTTP 422: Validation
 * failed. (name: This field is not allowed.)" with err.http_status set,
 * err.code typed (coolify_status_errcode) and err.transient for
 * 429/5xx/connection failures. Creates (project, app) are
 * not retried after a 5xx/timeout (they may have landed): re-list, then retry.
 */
#ifndef VRS_COOLIFY_H
#define VRS_COOLIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "providers/http.h"
#include "util/err.h"

struct coolify;

struct coolify_opts {
	double rate_per_min;	/* 0 = 200 (caller reads VRS_COOLIFY_RATE) */
	int max_in_flight;	/* 0 = 10 */
	int timeout_ms;		/* 0 = 30000 */
	int connect_timeout_ms; /* 0 = 10000 */
	size_t max_body;	/* 0 = 8 MB */
	struct http_retry_cfg retry;
	/* a bench setting (VRS_BENCH_UNPACED=1): no client-side rate budget, so the
	 * bench can show the 429s that pacing avoids; honoured only for an http://
	 * URL, which http_url_check allows for loopback hosts alone */
	bool unpaced;
};

/* ---- result types; every pointer member is owned by its struct ---- */
struct coolify_server {
	char *uuid, *name, *description, *ip, *user;
	int port;
	bool is_reachable, is_usable;
};
struct coolify_server_list {
	struct coolify_server *v;
	size_t n;
};
struct coolify_app {
	char *uuid, *name, *description, *fqdn, *status, *build_pack;
	char *image_name, *image_tag, *ports_exposes, *health_check_path;
	int64_t environment_id, destination_id;
};
struct coolify_app_list {
	struct coolify_app *v;
	size_t n;
};
struct coolify_environment {
	char *uuid, *name, *description;
	int64_t id;
	struct coolify_app *apps; /* only from coolify_environment_get */
	size_t n_apps;
};
struct coolify_project {
	char *uuid, *name, *description;
	int64_t id;
	struct coolify_environment *envs;
	size_t n_envs;
};
struct coolify_project_list {
	struct coolify_project *v;
	size_t n;
};
/* answer of create/update/delete/start/stop/restart: whatever fields came */
struct coolify_ack {
	char *uuid, *message, *domains, *deployment_uuid;
};
struct coolify_env {
	char *uuid, *key, *value, *comment; /* value NULL without read:sensitive */
	bool has_value; /* the answer carried value or real_value (read:sensitive or root) */
	bool is_preview, is_literal, is_multiline, is_shown_once, is_runtime, is_buildtime;
};
struct coolify_env_list {
	struct coolify_env *v;
	size_t n;
};
struct coolify_deploy_item {
	char *message, *resource_uuid, *deployment_uuid;
};
struct coolify_deploy_result {
	struct coolify_deploy_item *v;
	size_t n;
	/* 429 from the deploy queue (full): nothing listed; wait retry_after_s (-1: none given) */
	bool queue_full;
	double retry_after_s;
};
struct coolify_deployment {
	int64_t id;
	char *deployment_uuid, *application_id, *application_name, *server_name;
	char *status; /* queued, in_progress, finished, failed, cancelled-by-user */
	char *commit, *created_at, *updated_at, *finished_at;
	char *deployment_url; /* /project/<p>/environment/<e>/application/<a>/deployment/<d> */
	bool force_rebuild, restart_only;
};
/*
 * The environment uuid in d's deployment_url when the URL names project_uuid (Coolify
 * builds it from the app's own project and environment: Application::link()), into
 * out; false when it does not say.
 */
bool coolify_deployment_env_uuid(const struct coolify_deployment *d, const char *project_uuid,
				 char *out, size_t n);
struct coolify_deployment_list {
	struct coolify_deployment *v;
	size_t n;
	int64_t count; /* total, from /deployments/applications/{uuid}; else n */
};

void coolify_server_list_free(struct coolify_server_list *l);
void coolify_server_free(struct coolify_server *s);
void coolify_app_free(struct coolify_app *a);
void coolify_app_list_free(struct coolify_app_list *l);
void coolify_environment_free(struct coolify_environment *e);
void coolify_project_free(struct coolify_project *p);
void coolify_project_list_free(struct coolify_project_list *l);
void coolify_ack_free(struct coolify_ack *a);
void coolify_env_free(struct coolify_env *e);
void coolify_env_list_free(struct coolify_env_list *l);
void coolify_deploy_result_free(struct coolify_deploy_result *r);
void coolify_deployment_free(struct coolify_deployment *d);
void coolify_deployment_list_free(struct coolify_deployment_list *l);
bool coolify_deployment_terminal(const char *status);

/* ---- inputs ---- */
struct coolify_app_create {
	const char *project_uuid, *server_uuid;		 /* required */
	const char *environment_name, *environment_uuid; /* at least one */
	const char *destination_uuid;			 /* when the server has several */
	const char *name, *description;
	const char *tag; /* sent as tags: [tag] (>= 2 chars; Coolify sets tags only at create) */
	const char *image_name, *image_tag; /* docker_registry_image_{name,tag}; name required */
	const char *ports_exposes;	    /* e.g. "8000" */
	const char *domains;		    /* comma-separated https:// URLs, or NULL */
	const char *health_check_path;	    /* sent with health_check_enabled (off by default) */
	bool health_check_enabled;
	bool autogenerate_domain; /* sent explicitly */
	bool instant_deploy;	  /* sent explicitly; prefer false + coolify_deploy */
};
/* NULL fields are left unchanged; at least one must be set */
struct coolify_app_update {
	const char *name, *description, *domains, *image_name, *image_tag, *ports_exposes;
	const char *health_check_path;
	bool health_check_enabled; /* sent when true: Coolify's checks are off by default */
};
struct coolify_env_input {
	const char *key, *value, *comment; /* comment may be NULL */
	bool is_preview, is_literal, is_multiline, is_shown_once;
	bool is_runtime, is_buildtime; /* Coolify's create defaults are true, true */
};
/* DELETE /applications/{uuid} flags (Coolify defaults all to true = delete) */
enum {
	COOLIFY_KEEP_CONFIGURATIONS = 1,
	COOLIFY_KEEP_VOLUMES = 2,
	COOLIFY_NO_DOCKER_CLEANUP = 4,
	COOLIFY_KEEP_NETWORKS = 8,
};

/* what an answer is parsed into (the result type of each call) */
enum coolify_kind {
	COOLIFY_K_TEXT,
	COOLIFY_K_SERVER,
	COOLIFY_K_SERVERS,
	COOLIFY_K_PROJECT,
	COOLIFY_K_PROJECTS,
	COOLIFY_K_ENVIRONMENT,
	COOLIFY_K_APP,
	COOLIFY_K_APPS,
	COOLIFY_K_ACK,
	COOLIFY_K_ENV,
	COOLIFY_K_ENVS,
	COOLIFY_K_DEPLOY_RESULT,
	COOLIFY_K_DEPLOYMENT,
	COOLIFY_K_DEPLOYMENTS,
	COOLIFY_K_APP_DEPLOYMENTS,
};
typedef void (*coolify_cb)(void *ud, int rc, void *result, struct vrs_err *err);

struct coolify *coolify_new(struct http_pool *pool, const char *base_url, const char *token,
			    const struct coolify_opts *opts, struct vrs_err *err);
void coolify_free(struct coolify *c);
struct http_service *coolify_service(struct coolify *c);

/*
 * The endpoints (coolify_calls.c declares each once: method, path, ids,
 * idempotent?, parser, body). coolify_call(c, ep, ids, query, in, ...) checks
 * the ids that go into the path, builds the body from `in` (the endpoint's
 * input struct, or NULL), appends "?query" when given, and queues the call;
 * the coolify_X_async functions above are one line each over it.
 */
enum coolify_ep {
	COOLIFY_VERSION,
	COOLIFY_HEALTH,
	COOLIFY_SERVERS_LIST,
	COOLIFY_SERVER_GET,
	COOLIFY_SERVER_DESTINATIONS,
	COOLIFY_PROJECTS_LIST,
	COOLIFY_PROJECT_CREATE,
	COOLIFY_PROJECT_GET,
	COOLIFY_PROJECT_DELETE,
	COOLIFY_PROJECT_UPDATE,
	COOLIFY_ENVIRONMENT_GET,
	COOLIFY_APPS_LIST,
	COOLIFY_APP_GET,
	COOLIFY_APP_CREATE,
	COOLIFY_APP_UPDATE,
	COOLIFY_APP_DELETE,
	COOLIFY_APP_START,
	COOLIFY_APP_STOP,
	COOLIFY_APP_RESTART,
	COOLIFY_ENVS_LIST,
	COOLIFY_ENV_CREATE,
	COOLIFY_ENV_PATCH,
	COOLIFY_ENVS_BULK,
	COOLIFY_ENV_DELETE,
	COOLIFY_DEPLOY,
	COOLIFY_DEPLOYMENTS_LIST,
	COOLIFY_DEPLOYMENT_GET,
	COOLIFY_APP_DEPLOYMENTS,
	COOLIFY_DEPLOYMENT_CANCEL,
	COOLIFY_EP__MAX
};
int coolify_call(struct coolify *c, enum coolify_ep ep, const char *const *ids, const char *query,
		 const void *in, coolify_cb cb, void *ud, struct vrs_err *err);
/* the result kind of an endpoint */
enum coolify_kind coolify_endpoint_kind(enum coolify_ep ep);

/* async forms: result type in the comment */
int coolify_version_async(struct coolify *c, coolify_cb cb, void *ud,
			  struct vrs_err *err); /* char * */
int coolify_health_async(struct coolify *c, coolify_cb cb, void *ud,
			 struct vrs_err *err); /* char * */
int coolify_servers_list_async(struct coolify *c, coolify_cb cb, void *ud,
			       struct vrs_err *err); /* server_list */
int coolify_server_get_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
			     struct vrs_err *err); /* server */
/* GET /servers/{uuid}/destinations: a server_list whose items carry only a
 * destination's uuid and name (the fields the two objects share) */
int coolify_server_destinations_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
				      struct vrs_err *err); /* server_list */
int coolify_projects_list_async(struct coolify *c, coolify_cb cb, void *ud,
				struct vrs_err *err); /* project_list (no envs) */
int coolify_project_create_async(struct coolify *c, const char *name, const char *description,
				 coolify_cb cb, void *ud, struct vrs_err *err); /* ack (uuid) */
int coolify_project_get_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
			      struct vrs_err *err); /* project with envs */
int coolify_project_delete_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
				 struct vrs_err *err); /* ack */
/* PATCH /projects/{uuid}: NULL fields are not sent */
int coolify_project_update_async(struct coolify *c, const char *uuid, const char *name,
				 const char *description, coolify_cb cb, void *ud,
				 struct vrs_err *err); /* ack (uuid) */
int coolify_environment_get_async(struct coolify *c, const char *project_uuid,
				  const char *env_name_or_uuid, coolify_cb cb, void *ud,
				  struct vrs_err *err); /* environment with apps */
int coolify_apps_list_async(struct coolify *c, coolify_cb cb, void *ud,
			    struct vrs_err *err); /* app_list */
int coolify_app_get_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
			  struct vrs_err *err); /* app */
int coolify_app_create_async(struct coolify *c, const struct coolify_app_create *in, coolify_cb cb,
			     void *ud, struct vrs_err *err); /* ack (uuid, domains) */
int coolify_app_update_async(struct coolify *c, const char *uuid,
			     const struct coolify_app_update *in, coolify_cb cb, void *ud,
			     struct vrs_err *err); /* ack */
int coolify_app_delete_async(struct coolify *c, const char *uuid, unsigned flags, coolify_cb cb,
			     void *ud, struct vrs_err *err); /* ack */
int coolify_app_start_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
			    struct vrs_err *err); /* ack (deployment_uuid maybe) */
int coolify_app_stop_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
			   struct vrs_err *err); /* ack */
int coolify_app_restart_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
			      struct vrs_err *err); /* ack */
int coolify_envs_list_async(struct coolify *c, const char *app_uuid, coolify_cb cb, void *ud,
			    struct vrs_err *err); /* env_list */
int coolify_env_create_async(struct coolify *c, const char *app_uuid,
			     const struct coolify_env_input *in, coolify_cb cb, void *ud,
			     struct vrs_err *err); /* ack (uuid) */
int coolify_env_patch_async(struct coolify *c, const char *app_uuid,
			    const struct coolify_env_input *in, coolify_cb cb, void *ud,
			    struct vrs_err *err); /* env */
int coolify_envs_bulk_async(struct coolify *c, const char *app_uuid,
			    const struct coolify_env_input *in, size_t n, coolify_cb cb, void *ud,
			    struct vrs_err *err); /* env_list */
int coolify_env_delete_async(struct coolify *c, const char *app_uuid, const char *env_uuid,
			     coolify_cb cb, void *ud, struct vrs_err *err); /* ack */
int coolify_deploy_async(struct coolify *c, const char *const *uuids, size_t n, bool force,
			 coolify_cb cb, void *ud, struct vrs_err *err); /* deploy_result */
int coolify_deployments_list_async(struct coolify *c, coolify_cb cb, void *ud,
				   struct vrs_err *err); /* deployment_list (active only) */
int coolify_deployment_get_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
				 struct vrs_err *err); /* deployment */
int coolify_deployment_cancel_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
				    struct vrs_err *err); /* ack */
int coolify_app_deployments_async(struct coolify *c, const char *app_uuid, int skip, int take,
				  coolify_cb cb, void *ud,
				  struct vrs_err *err); /* deployment_list */

/*
 * Blocking: coolify_wait drives the pool until the async call that returned
 * rc (queued with http_waiter_cb and the zeroed waiter w) is done; 0 with
 * *out = its result (freed when out is NULL), -1 with err. The forms
 * below are the ones refresh, import and recover use; the unit tests have
 * the others (tests/unit/coolify_block.h). Never from inside a callback.
 */
int coolify_wait(struct coolify *c, int rc, struct http_waiter *w, enum coolify_kind kind,
		 void **out, struct vrs_err *err);
int coolify_servers_list(struct coolify *c, struct coolify_server_list **out, struct vrs_err *err);
int coolify_projects_list(struct coolify *c, struct coolify_project_list **out,
			  struct vrs_err *err);
int coolify_environment_get(struct coolify *c, const char *project_uuid,
			    const char *env_name_or_uuid, struct coolify_environment **out,
			    struct vrs_err *err);
/* an app's deployments, newest first (recovery of an interrupted deploy) */
int coolify_app_deployments_recent(struct coolify *c, const char *app_uuid, int take,
				   struct coolify_deployment_list **out, struct vrs_err *err);
int coolify_apps_list(struct coolify *c, struct coolify_app_list **out, struct vrs_err *err);
int coolify_app_update(struct coolify *c, const char *uuid, const struct coolify_app_update *in,
		       struct vrs_err *err); /* import marks an app it takes over */
/* PATCH /projects/{uuid} with the description only (import marks a project it takes over) */
int coolify_project_set_description(struct coolify *c, const char *uuid, const char *description,
				    struct vrs_err *err);

/*
 * ---- access probes (vrsctl doctor) ----
 * Each probe makes one request and reports how Coolify answered it, typed,
 * so callers need not read bodies. Coolify runs its middleware in this
 * order (routes/api.php): auth:sanctum (401), ApiAllowed (403 API off / IP
 * not allowed), the route's api.ability:X (403 "Missing required
 * permissions: X"), and only then the controller with its body checks
 * (400/422). The write and deploy probes send requests the controller
 * refuses, so they create and deploy nothing.
 */
enum coolify_probe_kind {
	COOLIFY_PROBE_HEALTH,  /* GET /api/health (outside /api/v1), without the token */
	COOLIFY_PROBE_VERSION, /* GET /api/v1/version */
	COOLIFY_PROBE_TEAM,    /* GET /api/v1/team: the token's team */
	COOLIFY_PROBE_WRITE,   /* POST /api/v1/projects with no name and an unknown field */
	COOLIFY_PROBE_DEPLOY,  /* POST /api/v1/deploy with neither uuid nor tag */
};
enum coolify_answer {
	COOLIFY_ANS_OK,		     /* 2xx */
	COOLIFY_ANS_UNAUTHENTICATED, /* 401 "Unauthenticated.": unknown, revoked or expired token */
	COOLIFY_ANS_INVALID_TOKEN,   /* 400/401 "Invalid token.": the token's team is gone */
	COOLIFY_ANS_API_DISABLED,    /* 403 "API is disabled." */
	COOLIFY_ANS_IP_NOT_ALLOWED,  /* 403 "You are not allowed to access the API." */
	COOLIFY_ANS_NO_ABILITY,	     /* 403 "Missing required permissions: ..." */
	COOLIFY_ANS_REFUSED,	     /* 400/422 from the controller: the middleware let it pass */
	COOLIFY_ANS_OTHER,	     /* anything else: 404, 403 policy, 5xx, an HTML page */
};
struct coolify_probe {
	enum coolify_answer answer;
	int http_status;
	/* 2xx: the body, trimmed ("4.3.11", "OK"); else "HTTP 403: API is disabled." */
	char *text;
};
void coolify_probe_free(struct coolify_probe *p);
/*
 * 0 with *out (free with coolify_probe_free) whenever an HTTP answer came,
 * whatever its status (5xx after the usual retries too); -1 with err when
 * none did (connection refused, DNS, timeout). result type: coolify_probe
 */
int coolify_probe_async(struct coolify *c, enum coolify_probe_kind kind, coolify_cb cb, void *ud,
			struct vrs_err *err);
int coolify_probe(struct coolify *c, enum coolify_probe_kind kind, struct coolify_probe **out,
		  struct vrs_err *err);
/* the answer a status and body mean (pure, for tests) */
enum coolify_answer coolify_answer_of(int status, const char *body);

/* ---- pure parts, exposed for tests ---- */
/* parse a 2xx body into the kind's struct (*out, free with coolify_result_free) */
int coolify_parse(enum coolify_kind kind, const char *body, void **out, struct vrs_err *err);
void coolify_result_free(enum coolify_kind kind, void *res);
/* the code of a refused status: VRS_E_TRANSIENT (429, 5xx), VRS_E_AUTH (401,
 * 403), VRS_E_NOT_FOUND (404), VRS_E_EXISTS (409), else VRS_E_REMOTE */
enum vrs_errcode coolify_status_errcode(int status);
/* describe an error response: "HTTP 422: Validation failed. (name: This field is not allowed.)" */
void coolify_error_text(int status, const char *body, const char *content_type,
			struct vrs_err *err);

#endif
