/*
 * coolify_calls.c — the Coolify endpoints, declared once in a table (method,
 * path template, ids, idempotent?, parser, body builder) behind one call
 * function, coolify_call; the named async calls are one line each over it.
 */
#include "providers/coolify_int.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

static void add_str(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
}

static char *print_and_delete(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	cJSON_Delete(o);
	return s;
}

static cJSON *env_json(const struct coolify_env_input *in, bool all_flags)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	add_str(o, "key", in->key);
	if (in->value)
		cJSON_AddStringToObject(o, "value", in->value);
	cJSON_AddBoolToObject(o, "is_preview", in->is_preview);
	cJSON_AddBoolToObject(o, "is_literal", in->is_literal);
	cJSON_AddBoolToObject(o, "is_multiline", in->is_multiline);
	/* always explicit: without them the bulk call makes every variable build-time too */
	cJSON_AddBoolToObject(o, "is_runtime", in->is_runtime);
	cJSON_AddBoolToObject(o, "is_buildtime", in->is_buildtime);
	if (all_flags) {
		cJSON_AddBoolToObject(o, "is_shown_once", in->is_shown_once);
		add_str(o, "comment", in->comment);
	}
	return o;
}

/* ---------- request bodies, one per endpoint that sends one ---------- */

struct project_in {
	const char *name, *description;
};
struct bulk_in {
	const struct coolify_env_input *v;
	size_t n;
};
struct deploy_in {
	const char *const *uuids;
	size_t n;
	bool force;
};

static int body_project(const char *const *ids, const void *in, char **out, struct vrs_err *err)
{
	const struct project_in *p = in;
	cJSON *o;

	(void)ids;
	if (p->name == NULL)
		return err_set(err, "coolify: project name is required");
	o = cJSON_CreateObject();
	add_str(o, "name", p->name);
	add_str(o, "description", p->description);
	*out = print_and_delete(o);
	return 0;
}

/* PATCH /projects/{uuid}: name and description are both optional there */
static int body_project_update(const char *const *ids, const void *in, char **out,
			       struct vrs_err *err)
{
	const struct project_in *p = in;
	cJSON *o;

	(void)ids;
	(void)err;
	o = cJSON_CreateObject();
	add_str(o, "name", p->name);
	add_str(o, "description", p->description);
	*out = print_and_delete(o);
	return 0;
}

static int body_app_create(const char *const *ids, const void *p, char **out, struct vrs_err *err)
{
	const struct coolify_app_create *in = p;
	cJSON *o;

	(void)ids;
	if (in->project_uuid == NULL || in->server_uuid == NULL || in->image_name == NULL ||
	    (in->environment_name == NULL && in->environment_uuid == NULL))
		return err_set(err, "coolify: application create needs project_uuid, server_uuid, "
				    "an environment and an image name");
	o = cJSON_CreateObject();
	add_str(o, "project_uuid", in->project_uuid);
	add_str(o, "server_uuid", in->server_uuid);
	add_str(o, "environment_name", in->environment_name);
	add_str(o, "environment_uuid", in->environment_uuid);
	add_str(o, "destination_uuid", in->destination_uuid);
	add_str(o, "name", in->name);
	add_str(o, "description", in->description);
	if (in->tag) {
		cJSON *tags = cJSON_AddArrayToObject(o, "tags");
		cJSON_AddItemToArray(tags, cJSON_CreateString(in->tag));
	}
	add_str(o, "docker_registry_image_name", in->image_name);
	add_str(o, "docker_registry_image_tag", in->image_tag);
	add_str(o, "ports_exposes", in->ports_exposes);
	add_str(o, "domains", in->domains);
	add_str(o, "health_check_path", in->health_check_path);
	cJSON_AddBoolToObject(o, "health_check_enabled", in->health_check_enabled);
	cJSON_AddBoolToObject(o, "autogenerate_domain", in->autogenerate_domain);
	cJSON_AddBoolToObject(o, "instant_deploy", in->instant_deploy);
	*out = print_and_delete(o);
	return 0;
}

static int body_app_update(const char *const *ids, const void *p, char **out, struct vrs_err *err)
{
	const struct coolify_app_update *in = p;
	cJSON *o = cJSON_CreateObject();

	add_str(o, "name", in->name);
	add_str(o, "description", in->description);
	add_str(o, "domains", in->domains);
	add_str(o, "docker_registry_image_name", in->image_name);
	add_str(o, "docker_registry_image_tag", in->image_tag);
	add_str(o, "ports_exposes", in->ports_exposes);
	add_str(o, "health_check_path", in->health_check_path);
	if (in->health_check_enabled)
		cJSON_AddTrueToObject(o, "health_check_enabled");
	if (cJSON_GetArraySize(o) == 0) {
		cJSON_Delete(o);
		return err_set(err, "coolify: PATCH /applications/%s: nothing to update", ids[0]);
	}
	*out = print_and_delete(o);
	return 0;
}

static int body_env(const char *const *ids, const void *p, char **out, struct vrs_err *err)
{
	const struct coolify_env_input *in = p;

	(void)ids;
	if (in->key == NULL)
		return err_set(err, "coolify: env key is required");
	*out = print_and_delete(env_json(in, true));
	return 0;
}

static int body_envs_bulk(const char *const *ids, const void *p, char **out, struct vrs_err *err)
{
	const struct bulk_in *in = p;
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "data");

	(void)ids;
	for (size_t i = 0; i < in->n && arr; i++) {
		if (in->v[i].key == NULL) {
			cJSON_Delete(o);
			return err_set(err, "coolify: env key is required");
		}
		cJSON_AddItemToArray(arr, env_json(&in->v[i], false));
	}
	*out = print_and_delete(o);
	return 0;
}

static int body_deploy(const char *const *ids, const void *p, char **out, struct vrs_err *err)
{
	const struct deploy_in *in = p;
	struct buf b;
	cJSON *o;

	(void)ids;
	if (in->n == 0)
		return err_set(err, "coolify: POST /deploy: no application uuid given");
	buf_init(&b);
	for (size_t i = 0; i < in->n; i++) {
		if (coolify_check_id("application uuid", in->uuids[i], err) < 0) {
			buf_release(&b);
			return -1;
		}
		if ((i && buf_putc(&b, ',') < 0) || buf_puts(&b, in->uuids[i]) < 0) {
			buf_release(&b);
			return err_set(err, "coolify: out of memory");
		}
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "uuid", b.data);
	cJSON_AddBoolToObject(o, "force", in->force);
	buf_release(&b);
	*out = print_and_delete(o);
	return 0;
}

/* ---------- the endpoints ---------- */

typedef int (*body_fn)(const char *const *ids, const void *in, char **out, struct vrs_err *err);

struct endpoint {
	const char *method;
	const char *path;	  /* "{}" = the next id, checked as id_names says */
	const char *id_names[2];  /* what each id is, for errors */
	bool idempotent;	  /* false: not resent after a failure that may have landed */
	enum coolify_kind parser; /* what the answer is parsed into */
	body_fn body;		  /* the JSON body, or NULL for none */
};

#define APP "application uuid"
/* start/restart/stop are idempotent in effect ("already queued"); a duplicate
 * env create answers 409, so resending it is safe */
static const struct endpoint endpoints[COOLIFY_EP__MAX] = {
    [COOLIFY_VERSION] = {"GET", "/version", {0}, true, COOLIFY_K_TEXT, NULL},
    [COOLIFY_HEALTH] = {"GET", "/health", {0}, true, COOLIFY_K_TEXT, NULL},
    [COOLIFY_SERVERS_LIST] = {"GET", "/servers", {0}, true, COOLIFY_K_SERVERS, NULL},
    [COOLIFY_SERVER_GET] = {"GET", "/servers/{}", {"server uuid"}, true, COOLIFY_K_SERVER, NULL},
    [COOLIFY_SERVER_DESTINATIONS] =
	{"GET", "/servers/{}/destinations", {"server uuid"}, true, COOLIFY_K_SERVERS, NULL},
    [COOLIFY_PROJECTS_LIST] = {"GET", "/projects", {0}, true, COOLIFY_K_PROJECTS, NULL},
    [COOLIFY_PROJECT_CREATE] = {"POST", "/projects", {0}, false, COOLIFY_K_ACK, body_project},
    [COOLIFY_PROJECT_GET] =
	{"GET", "/projects/{}", {"project uuid"}, true, COOLIFY_K_PROJECT, NULL},
    [COOLIFY_PROJECT_DELETE] =
	{"DELETE", "/projects/{}", {"project uuid"}, true, COOLIFY_K_ACK, NULL},
    [COOLIFY_PROJECT_UPDATE] =
	{"PATCH", "/projects/{}", {"project uuid"}, true, COOLIFY_K_ACK, body_project_update},
    [COOLIFY_ENVIRONMENT_GET] = {"GET",
				 "/projects/{}/{}",
				 {"project uuid", "environment"},
				 true,
				 COOLIFY_K_ENVIRONMENT,
				 NULL},
    [COOLIFY_APPS_LIST] = {"GET", "/applications", {0}, true, COOLIFY_K_APPS, NULL},
    [COOLIFY_APP_GET] = {"GET", "/applications/{}", {APP}, true, COOLIFY_K_APP, NULL},
    [COOLIFY_APP_CREATE] =
	{"POST", "/applications/dockerimage", {0}, false, COOLIFY_K_ACK, body_app_create},
    [COOLIFY_APP_UPDATE] =
	{"PATCH", "/applications/{}", {APP}, true, COOLIFY_K_ACK, body_app_update},
    [COOLIFY_APP_DELETE] = {"DELETE", "/applications/{}", {APP}, true, COOLIFY_K_ACK, NULL},
    [COOLIFY_APP_START] = {"POST", "/applications/{}/start", {APP}, true, COOLIFY_K_ACK, NULL},
    [COOLIFY_APP_STOP] = {"POST", "/applications/{}/stop", {APP}, true, COOLIFY_K_ACK, NULL},
    [COOLIFY_APP_RESTART] = {"POST", "/applications/{}/restart", {APP}, true, COOLIFY_K_ACK, NULL},
    [COOLIFY_ENVS_LIST] = {"GET", "/applications/{}/envs", {APP}, true, COOLIFY_K_ENVS, NULL},
    [COOLIFY_ENV_CREATE] = {"POST", "/applications/{}/envs", {APP}, true, COOLIFY_K_ACK, body_env},
    [COOLIFY_ENV_PATCH] = {"PATCH", "/applications/{}/envs", {APP}, true, COOLIFY_K_ENV, body_env},
    [COOLIFY_ENVS_BULK] =
	{"PATCH", "/applications/{}/envs/bulk", {APP}, true, COOLIFY_K_ENVS, body_envs_bulk},
    [COOLIFY_ENV_DELETE] =
	{"DELETE", "/applications/{}/envs/{}", {APP, "env uuid"}, true, COOLIFY_K_ACK, NULL},
    [COOLIFY_DEPLOY] = {"POST", "/deploy", {0}, false, COOLIFY_K_DEPLOY_RESULT, body_deploy},
    [COOLIFY_DEPLOYMENTS_LIST] = {"GET", "/deployments", {0}, true, COOLIFY_K_DEPLOYMENTS, NULL},
    [COOLIFY_DEPLOYMENT_GET] =
	{"GET", "/deployments/{}", {"deployment uuid"}, true, COOLIFY_K_DEPLOYMENT, NULL},
    [COOLIFY_APP_DEPLOYMENTS] =
	{"GET", "/deployments/applications/{}", {APP}, true, COOLIFY_K_APP_DEPLOYMENTS, NULL},
    [COOLIFY_DEPLOYMENT_CANCEL] =
	{"POST", "/deployments/{}/cancel", {"deployment uuid"}, true, COOLIFY_K_ACK, NULL},
};
#undef APP

/* the path template with its ids, then "?query"; -1 when it does not fit */
static int expand(char *out, size_t cap, const char *tmpl, const char *const *ids,
		  const char *query)
{
	size_t n = 0, k = 0;

	for (const char *t = tmpl; *t; t++) {
		const char *add = t;
		size_t len = 1;

		if (t[0] == '{' && t[1] == '}') {
			add = ids[k++];
			len = strlen(add);
			t++;
		}
		if (n + len >= cap)
			return -1;
		memcpy(out + n, add, len);
		n += len;
	}
	if (query) {
		size_t len = strlen(query);

		if (n + 1 + len >= cap)
			return -1;
		out[n++] = '?';
		memcpy(out + n, query, len);
		n += len;
	}
	out[n] = 0;
	return 0;
}

int coolify_call(struct coolify *c, enum coolify_ep ep, const char *const *ids, const char *query,
		 const void *in, coolify_cb cb, void *ud, struct vrs_err *err)
{
	const struct endpoint *e;
	char path[512], *body = NULL;

	if ((int)ep < 0 || ep >= COOLIFY_EP__MAX)
		return err_set(err, "coolify: unknown endpoint %d", (int)ep);
	e = &endpoints[ep];
	for (size_t i = 0; i < 2 && e->id_names[i]; i++)
		if (coolify_check_id(e->id_names[i], ids[i], err) < 0)
			return -1;
	if (e->body && e->body(ids, in, &body, err) < 0)
		return -1;
	if (expand(path, sizeof(path), e->path, ids, query) < 0) {
		free(body);
		return err_set(err, "coolify: path too long");
	}
	return coolify_submit(c, e->method, path, body, e->idempotent, e->parser, cb, ud, err);
}

enum coolify_kind coolify_endpoint_kind(enum coolify_ep ep)
{
	return (int)ep >= 0 && ep < COOLIFY_EP__MAX ? endpoints[ep].parser : COOLIFY_K_TEXT;
}

/* ---------- the calls the engine makes: one line each over coolify_call ---------- */

#define ID1(a)	  ((const char *const[]){(a), NULL})
#define ID2(a, b) ((const char *const[]){(a), (b)})

int coolify_version_async(struct coolify *c, coolify_cb cb, void *ud, struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_VERSION, NULL, NULL, NULL, cb, ud, err);
}
int coolify_health_async(struct coolify *c, coolify_cb cb, void *ud, struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_HEALTH, NULL, NULL, NULL, cb, ud, err);
}
int coolify_servers_list_async(struct coolify *c, coolify_cb cb, void *ud, struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_SERVERS_LIST, NULL, NULL, NULL, cb, ud, err);
}
int coolify_server_get_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
			     struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_SERVER_GET, ID1(uuid), NULL, NULL, cb, ud, err);
}
int coolify_server_destinations_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
				      struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_SERVER_DESTINATIONS, ID1(uuid), NULL, NULL, cb, ud, err);
}
int coolify_projects_list_async(struct coolify *c, coolify_cb cb, void *ud, struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_PROJECTS_LIST, NULL, NULL, NULL, cb, ud, err);
}
int coolify_project_create_async(struct coolify *c, const char *name, const char *description,
				 coolify_cb cb, void *ud, struct vrs_err *err)
{
	struct project_in in = {name, description};

	return coolify_call(c, COOLIFY_PROJECT_CREATE, NULL, NULL, &in, cb, ud, err);
}
int coolify_project_get_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
			      struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_PROJECT_GET, ID1(uuid), NULL, NULL, cb, ud, err);
}
int coolify_project_delete_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
				 struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_PROJECT_DELETE, ID1(uuid), NULL, NULL, cb, ud, err);
}
int coolify_project_update_async(struct coolify *c, const char *uuid, const char *name,
				 const char *description, coolify_cb cb, void *ud,
				 struct vrs_err *err)
{
	struct project_in p = {name, description};

	return coolify_call(c, COOLIFY_PROJECT_UPDATE, ID1(uuid), NULL, &p, cb, ud, err);
}
int coolify_environment_get_async(struct coolify *c, const char *project_uuid,
				  const char *env_name_or_uuid, coolify_cb cb, void *ud,
				  struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_ENVIRONMENT_GET, ID2(project_uuid, env_name_or_uuid), NULL,
			    NULL, cb, ud, err);
}
int coolify_apps_list_async(struct coolify *c, coolify_cb cb, void *ud, struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_APPS_LIST, NULL, NULL, NULL, cb, ud, err);
}
int coolify_app_get_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
			  struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_APP_GET, ID1(uuid), NULL, NULL, cb, ud, err);
}
int coolify_app_create_async(struct coolify *c, const struct coolify_app_create *in, coolify_cb cb,
			     void *ud, struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_APP_CREATE, NULL, NULL, in, cb, ud, err);
}
int coolify_app_update_async(struct coolify *c, const char *uuid,
			     const struct coolify_app_update *in, coolify_cb cb, void *ud,
			     struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_APP_UPDATE, ID1(uuid), NULL, in, cb, ud, err);
}
int coolify_app_delete_async(struct coolify *c, const char *uuid, unsigned flags, coolify_cb cb,
			     void *ud, struct vrs_err *err)
{
	char q[160];

	snprintf(q, sizeof(q),
		 "delete_configurations=%s&delete_volumes=%s&docker_cleanup=%s"
		 "&delete_connected_networks=%s",
		 flags & COOLIFY_KEEP_CONFIGURATIONS ? "false" : "true",
		 flags & COOLIFY_KEEP_VOLUMES ? "false" : "true",
		 flags & COOLIFY_NO_DOCKER_CLEANUP ? "false" : "true",
		 flags & COOLIFY_KEEP_NETWORKS ? "false" : "true");
	return coolify_call(c, COOLIFY_APP_DELETE, ID1(uuid), q, NULL, cb, ud, err);
}
int coolify_app_start_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
			    struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_APP_START, ID1(uuid), NULL, NULL, cb, ud, err);
}
int coolify_app_stop_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
			   struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_APP_STOP, ID1(uuid), NULL, NULL, cb, ud, err);
}
int coolify_app_restart_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
			      struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_APP_RESTART, ID1(uuid), NULL, NULL, cb, ud, err);
}
int coolify_envs_list_async(struct coolify *c, const char *app_uuid, coolify_cb cb, void *ud,
			    struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_ENVS_LIST, ID1(app_uuid), NULL, NULL, cb, ud, err);
}
int coolify_env_create_async(struct coolify *c, const char *app_uuid,
			     const struct coolify_env_input *in, coolify_cb cb, void *ud,
			     struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_ENV_CREATE, ID1(app_uuid), NULL, in, cb, ud, err);
}
int coolify_env_patch_async(struct coolify *c, const char *app_uuid,
			    const struct coolify_env_input *in, coolify_cb cb, void *ud,
			    struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_ENV_PATCH, ID1(app_uuid), NULL, in, cb, ud, err);
}
int coolify_envs_bulk_async(struct coolify *c, const char *app_uuid,
			    const struct coolify_env_input *in, size_t n, coolify_cb cb, void *ud,
			    struct vrs_err *err)
{
	struct bulk_in b = {in, n};

	return coolify_call(c, COOLIFY_ENVS_BULK, ID1(app_uuid), NULL, &b, cb, ud, err);
}
int coolify_env_delete_async(struct coolify *c, const char *app_uuid, const char *env_uuid,
			     coolify_cb cb, void *ud, struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_ENV_DELETE, ID2(app_uuid, env_uuid), NULL, NULL, cb, ud,
			    err);
}
int coolify_deploy_async(struct coolify *c, const char *const *uuids, size_t n, bool force,
			 coolify_cb cb, void *ud, struct vrs_err *err)
{
	struct deploy_in d = {uuids, n, force};

	return coolify_call(c, COOLIFY_DEPLOY, NULL, NULL, &d, cb, ud, err);
}
int coolify_deployments_list_async(struct coolify *c, coolify_cb cb, void *ud, struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_DEPLOYMENTS_LIST, NULL, NULL, NULL, cb, ud, err);
}
int coolify_deployment_get_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
				 struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_DEPLOYMENT_GET, ID1(uuid), NULL, NULL, cb, ud, err);
}
int coolify_deployment_cancel_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
				    struct vrs_err *err)
{
	return coolify_call(c, COOLIFY_DEPLOYMENT_CANCEL, ID1(uuid), NULL, NULL, cb, ud, err);
}
int coolify_app_deployments_async(struct coolify *c, const char *app_uuid, int skip, int take,
				  coolify_cb cb, void *ud, struct vrs_err *err)
{
	char q[64];

	snprintf(q, sizeof(q), "skip=%d&take=%d", skip < 0 ? 0 : skip, take <= 0 ? 10 : take);
	return coolify_call(c, COOLIFY_APP_DEPLOYMENTS, ID1(app_uuid), q, NULL, cb, ud, err);
}
