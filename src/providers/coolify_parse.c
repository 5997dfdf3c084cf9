/*
 * coolify_parse.c — Coolify responses into typed results: one parser per
 * result kind (defensive about missing and mistyped fields), the frees, and
 * error bodies into one line with a typed err.code (see coolify.h).
 */
#include "providers/coolify_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/pjson.h"
#include "util/buf.h"

/* ---------- frees ---------- */

static void server_release(struct coolify_server *s)
{
	free(s->uuid);
	free(s->name);
	free(s->description);
	free(s->ip);
	free(s->user);
}

static void app_release(struct coolify_app *a)
{
	free(a->uuid);
	free(a->name);
	free(a->description);
	free(a->fqdn);
	free(a->status);
	free(a->build_pack);
	free(a->image_name);
	free(a->image_tag);
	free(a->ports_exposes);
	free(a->health_check_path);
}

static void environment_release(struct coolify_environment *e)
{
	free(e->uuid);
	free(e->name);
	free(e->description);
	for (size_t i = 0; i < e->n_apps; i++)
		app_release(&e->apps[i]);
	free(e->apps);
}

static void project_release(struct coolify_project *p)
{
	free(p->uuid);
	free(p->name);
	free(p->description);
	for (size_t i = 0; i < p->n_envs; i++)
		environment_release(&p->envs[i]);
	free(p->envs);
}

static void env_release(struct coolify_env *e)
{
	free(e->uuid);
	free(e->key);
	free(e->value);
	free(e->comment);
}

static void deployment_release(struct coolify_deployment *d)
{
	free(d->deployment_uuid);
	free(d->application_id);
	free(d->application_name);
	free(d->server_name);
	free(d->status);
	free(d->commit);
	free(d->created_at);
	free(d->updated_at);
	free(d->finished_at);
	free(d->deployment_url);
}

#define LIST_FREE(fn, type, clear)                                                                 \
	void fn(type *l)                                                                           \
	{                                                                                          \
		if (l == NULL)                                                                     \
			return;                                                                    \
		for (size_t i = 0; i < l->n; i++)                                                  \
			clear(&l->v[i]);                                                           \
		free(l->v);                                                                        \
		free(l);                                                                           \
	}
#define ONE_FREE(fn, type, clear)                                                                  \
	void fn(type *x)                                                                           \
	{                                                                                          \
		if (x == NULL)                                                                     \
			return;                                                                    \
		clear(x);                                                                          \
		free(x);                                                                           \
	}

static void ack_release(struct coolify_ack *a)
{
	free(a->uuid);
	free(a->message);
	free(a->domains);
	free(a->deployment_uuid);
}

static void deploy_item_release(struct coolify_deploy_item *d)
{
	free(d->message);
	free(d->resource_uuid);
	free(d->deployment_uuid);
}

LIST_FREE(coolify_server_list_free, struct coolify_server_list, server_release)
ONE_FREE(coolify_server_free, struct coolify_server, server_release)
ONE_FREE(coolify_app_free, struct coolify_app, app_release)
LIST_FREE(coolify_app_list_free, struct coolify_app_list, app_release)
ONE_FREE(coolify_environment_free, struct coolify_environment, environment_release)
ONE_FREE(coolify_project_free, struct coolify_project, project_release)
LIST_FREE(coolify_project_list_free, struct coolify_project_list, project_release)
ONE_FREE(coolify_ack_free, struct coolify_ack, ack_release)
ONE_FREE(coolify_env_free, struct coolify_env, env_release)
LIST_FREE(coolify_env_list_free, struct coolify_env_list, env_release)
LIST_FREE(coolify_deploy_result_free, struct coolify_deploy_result, deploy_item_release)
ONE_FREE(coolify_deployment_free, struct coolify_deployment, deployment_release)
LIST_FREE(coolify_deployment_list_free, struct coolify_deployment_list, deployment_release)

bool coolify_deployment_terminal(const char *status)
{
	return status && (strcmp(status, "finished") == 0 || strcmp(status, "failed") == 0 ||
			  strcmp(status, "cancelled-by-user") == 0);
}

void coolify_result_free(enum coolify_kind kind, void *res)
{
	switch (kind) {
	case COOLIFY_K_TEXT:
		free(res);
		break;
	case COOLIFY_K_SERVER:
		coolify_server_free(res);
		break;
	case COOLIFY_K_SERVERS:
		coolify_server_list_free(res);
		break;
	case COOLIFY_K_PROJECT:
		coolify_project_free(res);
		break;
	case COOLIFY_K_PROJECTS:
		coolify_project_list_free(res);
		break;
	case COOLIFY_K_ENVIRONMENT:
		coolify_environment_free(res);
		break;
	case COOLIFY_K_APP:
		coolify_app_free(res);
		break;
	case COOLIFY_K_APPS:
		coolify_app_list_free(res);
		break;
	case COOLIFY_K_ACK:
		coolify_ack_free(res);
		break;
	case COOLIFY_K_ENV:
		coolify_env_free(res);
		break;
	case COOLIFY_K_ENVS:
		coolify_env_list_free(res);
		break;
	case COOLIFY_K_DEPLOY_RESULT:
		coolify_deploy_result_free(res);
		break;
	case COOLIFY_K_DEPLOYMENT:
		coolify_deployment_free(res);
		break;
	case COOLIFY_K_DEPLOYMENTS:
	case COOLIFY_K_APP_DEPLOYMENTS:
		coolify_deployment_list_free(res);
		break;
	}
}

/* ---------- parsing ---------- */

static int parse_server(const cJSON *j, struct coolify_server *s)
{
	const cJSON *set = cJSON_GetObjectItemCaseSensitive(j, "settings");

	s->uuid = pj_str(j, "uuid");
	s->name = pj_str(j, "name");
	s->description = pj_str(j, "description");
	s->ip = pj_str(j, "ip");
	s->user = pj_str(j, "user");
	s->port = (int)pj_int(j, "port", 22);
	s->is_reachable = pj_bool(j, "is_reachable", pj_bool(set, "is_reachable", false));
	s->is_usable = pj_bool(j, "is_usable", pj_bool(set, "is_usable", false));
	return s->uuid ? 0 : -1;
}

static int parse_app(const cJSON *j, struct coolify_app *a)
{
	a->uuid = pj_str(j, "uuid");
	a->name = pj_str(j, "name");
	a->description = pj_str(j, "description");
	a->fqdn = pj_str(j, "fqdn");
	a->status = pj_str(j, "status");
	a->build_pack = pj_str(j, "build_pack");
	a->image_name = pj_str(j, "docker_registry_image_name");
	a->image_tag = pj_str(j, "docker_registry_image_tag");
	a->ports_exposes = pj_str(j, "ports_exposes");
	a->health_check_path = pj_str(j, "health_check_path");
	a->environment_id = pj_int(j, "environment_id", 0);
	a->destination_id = pj_int(j, "destination_id", 0);
	return a->uuid ? 0 : -1;
}

static int parse_array(const cJSON *arr, size_t elsz, int (*fn)(const cJSON *, void *),
		       void (*clear)(void *), void **out, size_t *n);

static int parse_app_v(const cJSON *j, void *p)
{
	return parse_app(j, p);
}
static void app_clear_v(void *p)
{
	app_release(p);
}

static int parse_environment(const cJSON *j, struct coolify_environment *e)
{
	const cJSON *apps = pj_arr(j, "applications");
	void *v = NULL;

	e->uuid = pj_str(j, "uuid");
	e->name = pj_str(j, "name");
	e->description = pj_str(j, "description");
	e->id = pj_int(j, "id", 0);
	if (apps) {
		if (parse_array(apps, sizeof(struct coolify_app), parse_app_v, app_clear_v, &v,
				&e->n_apps) < 0)
			return -1;
		e->apps = v;
	}
	return e->uuid ? 0 : -1;
}

static int parse_environment_v(const cJSON *j, void *p)
{
	return parse_environment(j, p);
}
static void environment_clear_v(void *p)
{
	environment_release(p);
}

static int parse_project(const cJSON *j, struct coolify_project *p)
{
	const cJSON *envs = pj_arr(j, "environments");
	void *v = NULL;

	p->uuid = pj_str(j, "uuid");
	p->name = pj_str(j, "name");
	p->description = pj_str(j, "description");
	p->id = pj_int(j, "id", 0);
	if (envs) {
		if (parse_array(envs, sizeof(struct coolify_environment), parse_environment_v,
				environment_clear_v, &v, &p->n_envs) < 0)
			return -1;
		p->envs = v;
	}
	return p->uuid ? 0 : -1;
}

static int parse_env(const cJSON *j, struct coolify_env *e)
{
	e->uuid = pj_str(j, "uuid");
	e->key = pj_str(j, "key");
	e->value = pj_str(j, "value");
	if (e->value == NULL)
		e->value = pj_str(j, "real_value");
	e->has_value = cJSON_GetObjectItemCaseSensitive(j, "value") != NULL ||
		       cJSON_GetObjectItemCaseSensitive(j, "real_value") != NULL;
	e->comment = pj_str(j, "comment");
	e->is_preview = pj_bool(j, "is_preview", false);
	e->is_literal = pj_bool(j, "is_literal", false);
	e->is_multiline = pj_bool(j, "is_multiline", false);
	e->is_shown_once = pj_bool(j, "is_shown_once", false);
	e->is_runtime = pj_bool(j, "is_runtime", true);
	e->is_buildtime = pj_bool(j, "is_buildtime", true);
	return e->key ? 0 : -1;
}

static int parse_deployment(const cJSON *j, struct coolify_deployment *d)
{
	d->id = pj_int(j, "id", 0);
	d->deployment_uuid = pj_str(j, "deployment_uuid");
	d->application_id = pj_str(j, "application_id");
	d->application_name = pj_str(j, "application_name");
	d->server_name = pj_str(j, "server_name");
	d->status = pj_str(j, "status");
	d->commit = pj_str(j, "commit");
	d->created_at = pj_str(j, "created_at");
	d->updated_at = pj_str(j, "updated_at");
	d->finished_at = pj_str(j, "finished_at");
	d->deployment_url = pj_str(j, "deployment_url");
	d->force_rebuild = pj_bool(j, "force_rebuild", false);
	d->restart_only = pj_bool(j, "restart_only", false);
	return d->deployment_uuid ? 0 : -1;
}

static int parse_deploy_item(const cJSON *j, struct coolify_deploy_item *d)
{
	d->message = pj_str(j, "message");
	d->resource_uuid = pj_str(j, "resource_uuid");
	d->deployment_uuid = pj_str(j, "deployment_uuid");
	return 0;
}

static int parse_array(const cJSON *arr, size_t elsz, int (*fn)(const cJSON *, void *),
		       void (*clear)(void *), void **out, size_t *n)
{
	size_t cnt = (size_t)cJSON_GetArraySize(arr), i = 0;
	char *v;
	const cJSON *it;

	*out = NULL;
	*n = 0;
	if (!cJSON_IsArray(arr))
		return -1;
	if (cnt == 0)
		return 0;
	v = calloc(cnt, elsz);
	if (v == NULL)
		return -1;
	cJSON_ArrayForEach(it, arr)
	{
		if (!cJSON_IsObject(it) || fn(it, v + i * elsz) < 0) {
			for (size_t k = 0; k <= i && k < cnt; k++)
				clear(v + k * elsz);
			free(v);
			return -1;
		}
		i++;
	}
	*out = v;
	*n = i;
	return 0;
}

#define V_WRAP(name, type)                                                                         \
	static int name##_v(const cJSON *j, void *p)                                               \
	{                                                                                          \
		return name(j, (type *)p);                                                         \
	}
V_WRAP(parse_server, struct coolify_server)
V_WRAP(parse_project, struct coolify_project)
V_WRAP(parse_env, struct coolify_env)
V_WRAP(parse_deployment, struct coolify_deployment)
V_WRAP(parse_deploy_item, struct coolify_deploy_item)
static void server_clear_v(void *p)
{
	server_release(p);
}
static void project_clear_v(void *p)
{
	project_release(p);
}
static void env_clear_v(void *p)
{
	env_release(p);
}
static void deployment_clear_v(void *p)
{
	deployment_release(p);
}
static void deploy_item_clear_v(void *p)
{
	deploy_item_release(p);
}

/* a {v, n} list struct: both list types share this layout */
struct anylist {
	void *v;
	size_t n;
};

static void *parse_list(const cJSON *arr, size_t lsz, size_t elsz, int (*fn)(const cJSON *, void *),
			void (*clear)(void *))
{
	struct anylist *l = calloc(1, lsz);
	void *v = NULL;
	size_t n = 0;

	if (l == NULL)
		return NULL;
	if (parse_array(arr, elsz, fn, clear, &v, &n) < 0) {
		free(l);
		return NULL;
	}
	l->v = v;
	l->n = n;
	return l;
}

static void *parse_one(const cJSON *j, size_t sz, int (*fn)(const cJSON *, void *),
		       void (*clear)(void *))
{
	void *x;

	if (!cJSON_IsObject(j))
		return NULL;
	x = calloc(1, sz);
	if (x == NULL)
		return NULL;
	if (fn(j, x) < 0) {
		clear(x);
		free(x);
		return NULL;
	}
	return x;
}

/* an object keyed by indexes ({"2":{..},"0":{..}}: a Laravel collection out of order)
 * becomes an array in place, in the object's order; NULL for any other object */
static const cJSON *keyed_as_array(cJSON *obj)
{
	for (const cJSON *it = cJSON_IsObject(obj) ? obj->child : NULL; it; it = it->next)
		if (!it->string || !*it->string ||
		    strspn(it->string, "0123456789") != strlen(it->string))
			return NULL;
	if (!cJSON_IsObject(obj))
		return NULL;
	obj->type = (obj->type & ~0xFF) | cJSON_Array;
	return obj;
}

char *coolify_trimmed_text(const char *body)
{
	size_t n;
	const char *s = body ? body : "";

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	/* a JSON string literal ("4.3.11") is unquoted */
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
	}
	return strndup(s, n);
}

int coolify_parse(enum coolify_kind kind, const char *body, void **out, struct vrs_err *err)
{
	cJSON *j;
	void *r = NULL;

	*out = NULL;
	if (kind == COOLIFY_K_TEXT) {
		if ((*out = coolify_trimmed_text(body)) == NULL)
			return err_set(err, "out of memory");
		return 0;
	}
	j = cJSON_Parse(body ? body : "");
	if (j == NULL)
		return err_set(err, "malformed JSON response");
	switch (kind) {
	case COOLIFY_K_TEXT:
		break;
	case COOLIFY_K_SERVER:
		r = parse_one(j, sizeof(struct coolify_server), parse_server_v, server_clear_v);
		break;
	case COOLIFY_K_SERVERS:
		r = parse_list(j, sizeof(struct coolify_server_list), sizeof(struct coolify_server),
			       parse_server_v, server_clear_v);
		break;
	case COOLIFY_K_PROJECT:
		r = parse_one(j, sizeof(struct coolify_project), parse_project_v, project_clear_v);
		break;
	case COOLIFY_K_PROJECTS:
		r = parse_list(j, sizeof(struct coolify_project_list),
			       sizeof(struct coolify_project), parse_project_v, project_clear_v);
		break;
	case COOLIFY_K_ENVIRONMENT:
		r = parse_one(j, sizeof(struct coolify_environment), parse_environment_v,
			      environment_clear_v);
		break;
	case COOLIFY_K_APP:
		r = parse_one(j, sizeof(struct coolify_app), parse_app_v, app_clear_v);
		break;
	case COOLIFY_K_APPS:
		r = parse_list(j, sizeof(struct coolify_app_list), sizeof(struct coolify_app),
			       parse_app_v, app_clear_v);
		break;
	case COOLIFY_K_ACK:
		if (cJSON_IsObject(j)) {
			struct coolify_ack *a = calloc(1, sizeof(*a));

			if (a) {
				a->uuid = pj_str(j, "uuid");
				a->message = pj_str(j, "message");
				a->domains = pj_str(j, "domains");
				a->deployment_uuid = pj_str(j, "deployment_uuid");
			}
			r = a;
		}
		break;
	case COOLIFY_K_ENV:
		r = parse_one(j, sizeof(struct coolify_env), parse_env_v, env_clear_v);
		break;
	case COOLIFY_K_ENVS:
		r = parse_list(j, sizeof(struct coolify_env_list), sizeof(struct coolify_env),
			       parse_env_v, env_clear_v);
		break;
	case COOLIFY_K_DEPLOY_RESULT:
		r = parse_list(pj_arr(j, "deployments"), sizeof(struct coolify_deploy_result),
			       sizeof(struct coolify_deploy_item), parse_deploy_item_v,
			       deploy_item_clear_v);
		break;
	case COOLIFY_K_DEPLOYMENT:
		r = parse_one(j, sizeof(struct coolify_deployment), parse_deployment_v,
			      deployment_clear_v);
		break;
	case COOLIFY_K_DEPLOYMENTS:
	case COOLIFY_K_APP_DEPLOYMENTS: {
		/* GET /deployments: a sortBy() without values() gives {"2":{...},"0":{...}} */
		const cJSON *arr = cJSON_IsArray(j)		   ? j
				   : kind == COOLIFY_K_DEPLOYMENTS ? keyed_as_array(j)
								   : pj_arr(j, "deployments");
		struct coolify_deployment_list *l =
		    parse_list(arr, sizeof(*l), sizeof(struct coolify_deployment),
			       parse_deployment_v, deployment_clear_v);

		if (l)
			l->count =
			    cJSON_IsArray(j) ? (int64_t)l->n : pj_int(j, "count", (int64_t)l->n);
		r = l;
		break;
	}
	}
	cJSON_Delete(j);
	if (r == NULL)
		return err_set(err, "unexpected JSON response shape");
	*out = r;
	return 0;
}

/* ---------- error bodies ---------- */

enum vrs_errcode coolify_status_errcode(int status)
{
	if (status == 429 || status >= 500)
		return VRS_E_TRANSIENT;
	if (status == 401 || status == 403)
		return VRS_E_AUTH;
	if (status == 404)
		return VRS_E_NOT_FOUND;
	if (status == 409)
		return VRS_E_EXISTS;
	return VRS_E_REMOTE;
}

static void append_scalar_or_list(struct buf *b, const cJSON *v)
{
	if (cJSON_IsArray(v)) {
		const cJSON *it;
		bool first = true;

		cJSON_ArrayForEach(it, v)
		{
			if (!first)
				buf_puts(b, ", ");
			first = false;
			append_scalar_or_list(b, it);
		}
	} else if (cJSON_IsObject(v)) {
		const char *m =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "message"));

		if (m) {
			buf_puts(b, m);
		} else {
			char *s = cJSON_PrintUnformatted(v);

			if (s)
				buf_puts(b, s);
			free(s);
		}
	} else {
		char *s = pj_scalar(v);

		if (s)
			buf_puts(b, s);
		free(s);
	}
}

void coolify_error_text(int status, const char *body, const char *content_type, struct vrs_err *err)
{
	struct buf b;
	cJSON *j = body ? cJSON_Parse(body) : NULL;

	buf_init(&b);
	b.cap = 700;
	buf_printf(&b, "HTTP %d", status);
	if (cJSON_IsObject(j)) {
		const char *msg =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "message"));
		const cJSON *errs = cJSON_GetObjectItemCaseSensitive(j, "errors");
		const cJSON *e1 = cJSON_GetObjectItemCaseSensitive(j, "error");
		const cJSON *conf = cJSON_GetObjectItemCaseSensitive(j, "conflicts");
		bool paren = false;

		if (msg)
			buf_printf(&b, ": %s", msg);
		if (cJSON_IsObject(errs)) {
			const cJSON *it;

			cJSON_ArrayForEach(it, errs)
			{
				buf_puts(&b, paren ? "; " : " (");
				paren = true;
				buf_printf(&b, "%s: ", it->string ? it->string : "?");
				append_scalar_or_list(&b, it);
			}
		} else if (errs && !cJSON_IsNull(errs)) {
			buf_puts(&b, " (");
			paren = true;
			append_scalar_or_list(&b, errs);
		}
		if (e1 && !cJSON_IsNull(e1)) {
			buf_puts(&b, paren ? "; " : " (");
			paren = true;
			append_scalar_or_list(&b, e1);
		}
		if (cJSON_IsArray(conf)) {
			buf_puts(&b, paren ? "; " : " (");
			paren = true;
			append_scalar_or_list(&b, conf);
		}
		if (paren)
			buf_putc(&b, ')');
		if (!msg && !paren)
			buf_puts(&b, ": (no message)");
	} else if (body && *body) {
		const char *s = body;
		size_t n = 0;

		while (isspace((unsigned char)*s))
			s++;
		if (content_type && strstr(content_type, "html")) {
			buf_puts(&b, ": HTML error page (is the API enabled and the URL right?)");
		} else {
			while (s[n] && s[n] != '\n' && s[n] != '\r' && n < 160)
				n++;
			buf_puts(&b, ": ");
			buf_append(&b, s, n);
		}
	}
	cJSON_Delete(j);
	err_setc(err, coolify_status_errcode(status), "%s", b.data);
	err->http_status = status;
	err->transient = err->code == VRS_E_TRANSIENT;
	buf_release(&b);
}

/* the answer a status and body mean (the doctor's probes) */
enum coolify_answer coolify_answer_of(int status, const char *body)
{
	cJSON *j;
	const char *msg;
	enum coolify_answer a = COOLIFY_ANS_OTHER;

	if (status >= 200 && status < 300)
		return COOLIFY_ANS_OK;
	j = body ? cJSON_Parse(body) : NULL;
	msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "message"));
	if (msg == NULL)
		msg = "";
	if ((status == 400 || status == 401) && strcmp(msg, "Invalid token.") == 0)
		a = COOLIFY_ANS_INVALID_TOKEN;
	else if (status == 401)
		a = COOLIFY_ANS_UNAUTHENTICATED;
	else if (status == 403 && strcmp(msg, "API is disabled.") == 0)
		a = COOLIFY_ANS_API_DISABLED;
	else if (status == 403 && strcmp(msg, "You are not allowed to access the API.") == 0)
		a = COOLIFY_ANS_IP_NOT_ALLOWED;
	else if (status == 403 && strncmp(msg, "Missing required permissions", 28) == 0)
		a = COOLIFY_ANS_NO_ABILITY;
	else if ((status == 400 || status == 422) && cJSON_IsObject(j))
		a = COOLIFY_ANS_REFUSED;
	cJSON_Delete(j);
	return a;
}
