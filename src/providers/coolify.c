/*
 * coolify.c — Coolify API v1 client: request building, response parsing into
 * plain structs, defensive error-body parsing; async calls over http.c with
 * blocking wrappers on the same code path (see coolify.h).
 */
#include "providers/coolify.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/pjson.h"
#include "util/buf.h"

struct coolify {
	struct http_pool *pool;
	struct http_service *svc;
	char *api; /* base + "/api/v1" */
	char *auth_header;
	char *base_url;
};

struct cop {
	struct coolify *c;
	enum coolify_kind kind;
	coolify_cb cb;
	void *ud;
	char *method, *label;
};

/* ---------- frees ---------- */

static void server_clear(struct coolify_server *s)
{
	free(s->uuid);
	free(s->name);
	free(s->description);
	free(s->ip);
	free(s->user);
}

static void app_clear(struct coolify_app *a)
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

static void environment_clear(struct coolify_environment *e)
{
	free(e->uuid);
	free(e->name);
	free(e->description);
	for (size_t i = 0; i < e->n_apps; i++)
		app_clear(&e->apps[i]);
	free(e->apps);
}

static void project_clear(struct coolify_project *p)
{
	free(p->uuid);
	free(p->name);
	free(p->description);
	for (size_t i = 0; i < p->n_envs; i++)
		environment_clear(&p->envs[i]);
	free(p->envs);
}

static void env_clear(struct coolify_env *e)
{
	free(e->uuid);
	free(e->key);
	free(e->value);
	free(e->comment);
}

static void deployment_clear(struct coolify_deployment *d)
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

static void ack_clear(struct coolify_ack *a)
{
	free(a->uuid);
	free(a->message);
	free(a->domains);
	free(a->deployment_uuid);
}

static void deploy_item_clear(struct coolify_deploy_item *d)
{
	free(d->message);
	free(d->resource_uuid);
	free(d->deployment_uuid);
}

LIST_FREE(coolify_server_list_free, struct coolify_server_list, server_clear)
ONE_FREE(coolify_server_free, struct coolify_server, server_clear)
ONE_FREE(coolify_app_free, struct coolify_app, app_clear)
LIST_FREE(coolify_app_list_free, struct coolify_app_list, app_clear)
ONE_FREE(coolify_environment_free, struct coolify_environment, environment_clear)
ONE_FREE(coolify_project_free, struct coolify_project, project_clear)
LIST_FREE(coolify_project_list_free, struct coolify_project_list, project_clear)
ONE_FREE(coolify_ack_free, struct coolify_ack, ack_clear)
ONE_FREE(coolify_env_free, struct coolify_env, env_clear)
LIST_FREE(coolify_env_list_free, struct coolify_env_list, env_clear)
LIST_FREE(coolify_deploy_result_free, struct coolify_deploy_result, deploy_item_clear)
ONE_FREE(coolify_deployment_free, struct coolify_deployment, deployment_clear)
LIST_FREE(coolify_deployment_list_free, struct coolify_deployment_list, deployment_clear)

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
	app_clear(p);
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
	environment_clear(p);
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
	server_clear(p);
}
static void project_clear_v(void *p)
{
	project_clear(p);
}
static void env_clear_v(void *p)
{
	env_clear(p);
}
static void deployment_clear_v(void *p)
{
	deployment_clear(p);
}
static void deploy_item_clear_v(void *p)
{
	deploy_item_clear(p);
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

static char *trimmed_text(const char *body)
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
		if ((*out = trimmed_text(body)) == NULL)
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
		const cJSON *arr = cJSON_IsArray(j) ? j : pj_arr(j, "deployments");
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
	err_set(err, "%s", b.data);
	err->http_status = status;
	err->transient = status == 429 || status >= 500;
	buf_free(&b);
}

static enum http_verdict classify(void *ud, const struct http_response *r, struct vrs_err *err)
{
	(void)ud;
	if (r->status >= 200 && r->status < 300)
		return HTTP_OK;
	coolify_error_text(r->status, r->body, r->content_type, err);
	return err->transient ? HTTP_RETRY : HTTP_FAIL;
}

/* ---------- client ---------- */

struct coolify *coolify_new(struct http_pool *pool, const char *base_url, const char *token,
			    const struct coolify_opts *opts, struct vrs_err *err)
{
	struct coolify_opts o;
	struct http_service_cfg cfg;
	struct coolify *c;
	size_t n;

	memset(&o, 0, sizeof(o));
	if (opts)
		o = *opts;
	if (base_url == NULL || token == NULL || *token == 0) {
		err_set(err, "coolify: base URL and token are required");
		return NULL;
	}
	if (http_url_check(base_url, err) < 0) {
		err_prefix(err, "coolify");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		err_set(err, "coolify: out of memory");
		return NULL;
	}
	c->pool = pool;
	n = strlen(base_url);
	while (n && base_url[n - 1] == '/')
		n--;
	c->base_url = strndup(base_url, n);
	if (c->base_url == NULL || asprintf(&c->api, "%s/api/v1", c->base_url) < 0 ||
	    asprintf(&c->auth_header, "Authorization: Bearer %s", token) < 0) {
		coolify_free(c);
		err_set(err, "coolify: out of memory");
		return NULL;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "coolify";
	cfg.max_in_flight = o.max_in_flight > 0 ? o.max_in_flight : 10;
	cfg.rate_per_sec = (o.rate_per_min > 0 ? o.rate_per_min : 200) / 60.0 * 0.97;
	cfg.burst = 1;
	cfg.timeout_ms = o.timeout_ms > 0 ? o.timeout_ms : 30000;
	cfg.connect_timeout_ms = o.connect_timeout_ms;
	cfg.max_body = o.max_body;
	cfg.retry = o.retry;
	c->svc = http_service_add(pool, &cfg, err);
	if (c->svc == NULL || http_pool_add_secret(pool, token) < 0) {
		coolify_free(c);
		return NULL;
	}
	return c;
}

void coolify_free(struct coolify *c)
{
	if (c == NULL)
		return;
	free(c->api);
	if (c->auth_header) {
		memset(c->auth_header, 0, strlen(c->auth_header));
		free(c->auth_header);
	}
	free(c->base_url);
	free(c);
}

struct http_service *coolify_service(struct coolify *c)
{
	return c->svc;
}

static void cop_free(struct cop *op)
{
	free(op->method);
	free(op->label);
	free(op);
}

static void on_done(void *ud, int rc, struct http_response *resp, struct vrs_err *err)
{
	struct cop *op = ud;
	struct vrs_err e2;
	void *res = NULL;

	if (rc < 0) {
		op->cb(op->ud, -1, NULL, err);
		cop_free(op);
		return;
	}
	err_clear(&e2);
	if (coolify_parse(op->kind, resp->body, &res, &e2) < 0) {
		size_t l = strlen(e2.msg);

		if (resp->content_type && strstr(resp->content_type, "json") == NULL)
			snprintf(e2.msg + l, sizeof(e2.msg) - l, " (content-type %s)",
				 resp->content_type);
		err_prefix(&e2, "coolify: %s %s: HTTP %d", op->method, op->label, resp->status);
		e2.http_status = resp->status;
		op->cb(op->ud, -1, NULL, &e2);
	} else {
		op->cb(op->ud, 0, res, NULL);
	}
	cop_free(op);
}

static int check_id(const char *what, const char *id, struct vrs_err *err)
{
	if (id == NULL || *id == 0)
		return err_set(err, "coolify: %s is empty", what);
	for (const char *s = id; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return err_set(err, "coolify: %s '%s' has characters not allowed in a path",
				       what, id);
	return 0;
}

/* path: after /api/v1; label: path without the query. body is consumed. */
static int call(struct coolify *c, const char *method, const char *path, char *body,
		bool idempotent, enum coolify_kind kind, coolify_cb cb, void *ud,
		struct vrs_err *err)
{
	struct http_request req;
	const char *hdrs[4];
	char *url = NULL;
	struct cop *op;
	int rc;

	op = calloc(1, sizeof(*op));
	if (op == NULL || asprintf(&url, "%s%s", c->api, path) < 0) {
		free(op);
		free(body);
		return err_set(err, "coolify: out of memory");
	}
	op->c = c;
	op->kind = kind;
	op->cb = cb;
	op->ud = ud;
	op->method = strdup(method);
	op->label = strndup(path, strcspn(path, "?"));
	hdrs[0] = c->auth_header;
	hdrs[1] = "Accept: application/json";
	hdrs[2] = body ? "Content-Type: application/json" : NULL;
	hdrs[3] = NULL;
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.label = op->label;
	req.body = body;
	req.headers = hdrs;
	req.idempotent = idempotent;
	req.classify = classify;
	rc = (op->method && op->label) ? http_submit(c->pool, c->svc, &req, on_done, op, err)
				       : err_set(err, "coolify: out of memory");
	if (rc < 0)
		cop_free(op);
	free(url);
	free(body);
	return rc;
}

/* ---------- JSON bodies ---------- */

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
	if (all_flags) {
		cJSON_AddBoolToObject(o, "is_shown_once", in->is_shown_once);
		cJSON_AddBoolToObject(o, "is_runtime", in->is_runtime);
		cJSON_AddBoolToObject(o, "is_buildtime", in->is_buildtime);
		add_str(o, "comment", in->comment);
	}
	return o;
}

/* ---------- async calls ---------- */

#define PATH(...)                                                                                  \
	char path[512];                                                                            \
	if ((size_t)snprintf(path, sizeof(path), __VA_ARGS__) >= sizeof(path))                     \
		return err_set(err, "coolify: path too long");

int coolify_version_async(struct coolify *c, coolify_cb cb, void *ud, struct vrs_err *err)
{
	return call(c, "GET", "/version", NULL, true, COOLIFY_K_TEXT, cb, ud, err);
}

int coolify_health_async(struct coolify *c, coolify_cb cb, void *ud, struct vrs_err *err)
{
	return call(c, "GET", "/health", NULL, true, COOLIFY_K_TEXT, cb, ud, err);
}

int coolify_servers_list_async(struct coolify *c, coolify_cb cb, void *ud, struct vrs_err *err)
{
	return call(c, "GET", "/servers", NULL, true, COOLIFY_K_SERVERS, cb, ud, err);
}

int coolify_server_get_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
			     struct vrs_err *err)
{
	if (check_id("server uuid", uuid, err) < 0)
		return -1;
	PATH("/servers/%s", uuid);
	return call(c, "GET", path, NULL, true, COOLIFY_K_SERVER, cb, ud, err);
}

int coolify_projects_list_async(struct coolify *c, coolify_cb cb, void *ud, struct vrs_err *err)
{
	return call(c, "GET", "/projects", NULL, true, COOLIFY_K_PROJECTS, cb, ud, err);
}

int coolify_project_create_async(struct coolify *c, const char *name, const char *description,
				 coolify_cb cb, void *ud, struct vrs_err *err)
{
	cJSON *o = cJSON_CreateObject();

	if (name == NULL) {
		cJSON_Delete(o);
		return err_set(err, "coolify: project name is required");
	}
	add_str(o, "name", name);
	add_str(o, "description", description);
	return call(c, "POST", "/projects", print_and_delete(o), false, COOLIFY_K_ACK, cb, ud, err);
}

int coolify_project_get_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
			      struct vrs_err *err)
{
	if (check_id("project uuid", uuid, err) < 0)
		return -1;
	PATH("/projects/%s", uuid);
	return call(c, "GET", path, NULL, true, COOLIFY_K_PROJECT, cb, ud, err);
}

int coolify_project_delete_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
				 struct vrs_err *err)
{
	if (check_id("project uuid", uuid, err) < 0)
		return -1;
	PATH("/projects/%s", uuid);
	return call(c, "DELETE", path, NULL, true, COOLIFY_K_ACK, cb, ud, err);
}

int coolify_environment_get_async(struct coolify *c, const char *project_uuid,
				  const char *env_name_or_uuid, coolify_cb cb, void *ud,
				  struct vrs_err *err)
{
	if (check_id("project uuid", project_uuid, err) < 0 ||
	    check_id("environment", env_name_or_uuid, err) < 0)
		return -1;
	PATH("/projects/%s/%s", project_uuid, env_name_or_uuid);
	return call(c, "GET", path, NULL, true, COOLIFY_K_ENVIRONMENT, cb, ud, err);
}

int coolify_apps_list_async(struct coolify *c, coolify_cb cb, void *ud, struct vrs_err *err)
{
	return call(c, "GET", "/applications", NULL, true, COOLIFY_K_APPS, cb, ud, err);
}

int coolify_app_get_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
			  struct vrs_err *err)
{
	if (check_id("application uuid", uuid, err) < 0)
		return -1;
	PATH("/applications/%s", uuid);
	return call(c, "GET", path, NULL, true, COOLIFY_K_APP, cb, ud, err);
}

int coolify_app_create_async(struct coolify *c, const struct coolify_app_create *in, coolify_cb cb,
			     void *ud, struct vrs_err *err)
{
	cJSON *o;

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
	add_str(o, "docker_registry_image_name", in->image_name);
	add_str(o, "docker_registry_image_tag", in->image_tag);
	add_str(o, "ports_exposes", in->ports_exposes);
	add_str(o, "domains", in->domains);
	add_str(o, "health_check_path", in->health_check_path);
	cJSON_AddBoolToObject(o, "autogenerate_domain", in->autogenerate_domain);
	cJSON_AddBoolToObject(o, "instant_deploy", in->instant_deploy);
	return call(c, "POST", "/applications/dockerimage", print_and_delete(o), false,
		    COOLIFY_K_ACK, cb, ud, err);
}

int coolify_app_update_async(struct coolify *c, const char *uuid,
			     const struct coolify_app_update *in, coolify_cb cb, void *ud,
			     struct vrs_err *err)
{
	cJSON *o;

	if (check_id("application uuid", uuid, err) < 0)
		return -1;
	o = cJSON_CreateObject();
	add_str(o, "name", in->name);
	add_str(o, "description", in->description);
	add_str(o, "domains", in->domains);
	add_str(o, "docker_registry_image_name", in->image_name);
	add_str(o, "docker_registry_image_tag", in->image_tag);
	add_str(o, "ports_exposes", in->ports_exposes);
	add_str(o, "health_check_path", in->health_check_path);
	if (cJSON_GetArraySize(o) == 0) {
		cJSON_Delete(o);
		return err_set(err, "coolify: PATCH /applications/%s: nothing to update", uuid);
	}
	PATH("/applications/%s", uuid);
	return call(c, "PATCH", path, print_and_delete(o), true, COOLIFY_K_ACK, cb, ud, err);
}

int coolify_app_delete_async(struct coolify *c, const char *uuid, unsigned flags, coolify_cb cb,
			     void *ud, struct vrs_err *err)
{
	if (check_id("application uuid", uuid, err) < 0)
		return -1;
	PATH("/applications/%s?delete_configurations=%s&delete_volumes=%s&docker_cleanup=%s"
	     "&delete_connected_networks=%s",
	     uuid, flags & COOLIFY_KEEP_CONFIGURATIONS ? "false" : "true",
	     flags & COOLIFY_KEEP_VOLUMES ? "false" : "true",
	     flags & COOLIFY_NO_DOCKER_CLEANUP ? "false" : "true",
	     flags & COOLIFY_KEEP_NETWORKS ? "false" : "true");
	return call(c, "DELETE", path, NULL, true, COOLIFY_K_ACK, cb, ud, err);
}

static int app_action(struct coolify *c, const char *uuid, const char *action, coolify_cb cb,
		      void *ud, struct vrs_err *err)
{
	if (check_id("application uuid", uuid, err) < 0)
		return -1;
	PATH("/applications/%s/%s", uuid, action);
	/* start/restart/stop are idempotent in effect ("already queued") */
	return call(c, "POST", path, NULL, true, COOLIFY_K_ACK, cb, ud, err);
}

int coolify_app_start_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
			    struct vrs_err *err)
{
	return app_action(c, uuid, "start", cb, ud, err);
}

int coolify_app_stop_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
			   struct vrs_err *err)
{
	return app_action(c, uuid, "stop", cb, ud, err);
}

int coolify_app_restart_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
			      struct vrs_err *err)
{
	return app_action(c, uuid, "restart", cb, ud, err);
}

int coolify_envs_list_async(struct coolify *c, const char *app_uuid, coolify_cb cb, void *ud,
			    struct vrs_err *err)
{
	if (check_id("application uuid", app_uuid, err) < 0)
		return -1;
	PATH("/applications/%s/envs", app_uuid);
	return call(c, "GET", path, NULL, true, COOLIFY_K_ENVS, cb, ud, err);
}

int coolify_env_create_async(struct coolify *c, const char *app_uuid,
			     const struct coolify_env_input *in, coolify_cb cb, void *ud,
			     struct vrs_err *err)
{
	if (check_id("application uuid", app_uuid, err) < 0)
		return -1;
	if (in->key == NULL)
		return err_set(err, "coolify: env key is required");
	PATH("/applications/%s/envs", app_uuid);
	/* a duplicate create answers 409, so a retry is safe */
	return call(c, "POST", path, print_and_delete(env_json(in, true)), true, COOLIFY_K_ACK, cb,
		    ud, err);
}

int coolify_env_patch_async(struct coolify *c, const char *app_uuid,
			    const struct coolify_env_input *in, coolify_cb cb, void *ud,
			    struct vrs_err *err)
{
	if (check_id("application uuid", app_uuid, err) < 0)
		return -1;
	if (in->key == NULL)
		return err_set(err, "coolify: env key is required");
	PATH("/applications/%s/envs", app_uuid);
	return call(c, "PATCH", path, print_and_delete(env_json(in, true)), true, COOLIFY_K_ENV, cb,
		    ud, err);
}

int coolify_envs_bulk_async(struct coolify *c, const char *app_uuid,
			    const struct coolify_env_input *in, size_t n, coolify_cb cb, void *ud,
			    struct vrs_err *err)
{
	cJSON *o, *arr;

	if (check_id("application uuid", app_uuid, err) < 0)
		return -1;
	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "data");
	for (size_t i = 0; i < n && arr; i++) {
		if (in[i].key == NULL) {
			cJSON_Delete(o);
			return err_set(err, "coolify: env key is required");
		}
		cJSON_AddItemToArray(arr, env_json(&in[i], false));
	}
	PATH("/applications/%s/envs/bulk", app_uuid);
	return call(c, "PATCH", path, print_and_delete(o), true, COOLIFY_K_ENVS, cb, ud, err);
}

int coolify_env_delete_async(struct coolify *c, const char *app_uuid, const char *env_uuid,
			     coolify_cb cb, void *ud, struct vrs_err *err)
{
	if (check_id("application uuid", app_uuid, err) < 0 ||
	    check_id("env uuid", env_uuid, err) < 0)
		return -1;
	PATH("/applications/%s/envs/%s", app_uuid, env_uuid);
	return call(c, "DELETE", path, NULL, true, COOLIFY_K_ACK, cb, ud, err);
}

int coolify_deploy_async(struct coolify *c, const char *const *uuids, size_t n, bool force,
			 coolify_cb cb, void *ud, struct vrs_err *err)
{
	struct buf b;
	cJSON *o;

	if (n == 0)
		return err_set(err, "coolify: POST /deploy: no application uuid given");
	buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		if (check_id("application uuid", uuids[i], err) < 0) {
			buf_free(&b);
			return -1;
		}
		if ((i && buf_putc(&b, ',') < 0) || buf_puts(&b, uuids[i]) < 0) {
			buf_free(&b);
			return err_set(err, "coolify: out of memory");
		}
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "uuid", b.data);
	cJSON_AddBoolToObject(o, "force", force);
	buf_free(&b);
	return call(c, "POST", "/deploy", print_and_delete(o), false, COOLIFY_K_DEPLOY_RESULT, cb,
		    ud, err);
}

int coolify_deployments_list_async(struct coolify *c, coolify_cb cb, void *ud, struct vrs_err *err)
{
	return call(c, "GET", "/deployments", NULL, true, COOLIFY_K_DEPLOYMENTS, cb, ud, err);
}

int coolify_deployment_get_async(struct coolify *c, const char *uuid, coolify_cb cb, void *ud,
				 struct vrs_err *err)
{
	if (check_id("deployment uuid", uuid, err) < 0)
		return -1;
	PATH("/deployments/%s", uuid);
	return call(c, "GET", path, NULL, true, COOLIFY_K_DEPLOYMENT, cb, ud, err);
}

int coolify_app_deployments_async(struct coolify *c, const char *app_uuid, int skip, int take,
				  coolify_cb cb, void *ud, struct vrs_err *err)
{
	if (check_id("application uuid", app_uuid, err) < 0)
		return -1;
	PATH("/deployments/applications/%s?skip=%d&take=%d", app_uuid, skip < 0 ? 0 : skip,
	     take <= 0 ? 10 : take);
	return call(c, "GET", path, NULL, true, COOLIFY_K_APP_DEPLOYMENTS, cb, ud, err);
}

/* ---------- blocking wrappers ---------- */

#define BLOCK(KIND, OUT, ...)                                                                      \
	struct http_waiter w_;                                                                     \
	memset(&w_, 0, sizeof(w_));                                                                \
	if (__VA_ARGS__ < 0)                                                                       \
		return -1;                                                                         \
	if (http_waiter_wait(c->pool, &w_, err) < 0)                                               \
		return -1;                                                                         \
	if (OUT)                                                                                   \
		*(OUT) = w_.res;                                                                   \
	else                                                                                       \
		coolify_result_free(KIND, w_.res);                                                 \
	return 0

int coolify_version(struct coolify *c, char **out, struct vrs_err *err)
{
	BLOCK(COOLIFY_K_TEXT, out, coolify_version_async(c, http_waiter_cb, &w_, err));
}
int coolify_health(struct coolify *c, char **out, struct vrs_err *err)
{
	BLOCK(COOLIFY_K_TEXT, out, coolify_health_async(c, http_waiter_cb, &w_, err));
}
int coolify_servers_list(struct coolify *c, struct coolify_server_list **out, struct vrs_err *err)
{
	BLOCK(COOLIFY_K_SERVERS, out, coolify_servers_list_async(c, http_waiter_cb, &w_, err));
}
int coolify_server_get(struct coolify *c, const char *uuid, struct coolify_server **out,
		       struct vrs_err *err)
{
	BLOCK(COOLIFY_K_SERVER, out, coolify_server_get_async(c, uuid, http_waiter_cb, &w_, err));
}
int coolify_projects_list(struct coolify *c, struct coolify_project_list **out, struct vrs_err *err)
{
	BLOCK(COOLIFY_K_PROJECTS, out, coolify_projects_list_async(c, http_waiter_cb, &w_, err));
}
int coolify_project_create(struct coolify *c, const char *name, const char *description,
			   struct coolify_ack **out, struct vrs_err *err)
{
	BLOCK(COOLIFY_K_ACK, out,
	      coolify_project_create_async(c, name, description, http_waiter_cb, &w_, err));
}
int coolify_project_get(struct coolify *c, const char *uuid, struct coolify_project **out,
			struct vrs_err *err)
{
	BLOCK(COOLIFY_K_PROJECT, out, coolify_project_get_async(c, uuid, http_waiter_cb, &w_, err));
}
int coolify_project_delete(struct coolify *c, const char *uuid, struct coolify_ack **out,
			   struct vrs_err *err)
{
	BLOCK(COOLIFY_K_ACK, out, coolify_project_delete_async(c, uuid, http_waiter_cb, &w_, err));
}
int coolify_environment_get(struct coolify *c, const char *project_uuid,
			    const char *env_name_or_uuid, struct coolify_environment **out,
			    struct vrs_err *err)
{
	BLOCK(COOLIFY_K_ENVIRONMENT, out,
	      coolify_environment_get_async(c, project_uuid, env_name_or_uuid, http_waiter_cb, &w_,
					    err));
}
int coolify_apps_list(struct coolify *c, struct coolify_app_list **out, struct vrs_err *err)
{
	BLOCK(COOLIFY_K_APPS, out, coolify_apps_list_async(c, http_waiter_cb, &w_, err));
}
int coolify_app_get(struct coolify *c, const char *uuid, struct coolify_app **out,
		    struct vrs_err *err)
{
	BLOCK(COOLIFY_K_APP, out, coolify_app_get_async(c, uuid, http_waiter_cb, &w_, err));
}
int coolify_app_create(struct coolify *c, const struct coolify_app_create *in,
		       struct coolify_ack **out, struct vrs_err *err)
{
	BLOCK(COOLIFY_K_ACK, out, coolify_app_create_async(c, in, http_waiter_cb, &w_, err));
}
int coolify_app_update(struct coolify *c, const char *uuid, const struct coolify_app_update *in,
		       struct coolify_ack **out, struct vrs_err *err)
{
	BLOCK(COOLIFY_K_ACK, out, coolify_app_update_async(c, uuid, in, http_waiter_cb, &w_, err));
}
int coolify_app_delete(struct coolify *c, const char *uuid, unsigned flags,
		       struct coolify_ack **out, struct vrs_err *err)
{
	BLOCK(COOLIFY_K_ACK, out,
	      coolify_app_delete_async(c, uuid, flags, http_waiter_cb, &w_, err));
}
int coolify_app_start(struct coolify *c, const char *uuid, struct coolify_ack **out,
		      struct vrs_err *err)
{
	BLOCK(COOLIFY_K_ACK, out, coolify_app_start_async(c, uuid, http_waiter_cb, &w_, err));
}
int coolify_app_stop(struct coolify *c, const char *uuid, struct coolify_ack **out,
		     struct vrs_err *err)
{
	BLOCK(COOLIFY_K_ACK, out, coolify_app_stop_async(c, uuid, http_waiter_cb, &w_, err));
}
int coolify_app_restart(struct coolify *c, const char *uuid, struct coolify_ack **out,
			struct vrs_err *err)
{
	BLOCK(COOLIFY_K_ACK, out, coolify_app_restart_async(c, uuid, http_waiter_cb, &w_, err));
}
int coolify_envs_list(struct coolify *c, const char *app_uuid, struct coolify_env_list **out,
		      struct vrs_err *err)
{
	BLOCK(COOLIFY_K_ENVS, out, coolify_envs_list_async(c, app_uuid, http_waiter_cb, &w_, err));
}
int coolify_env_create(struct coolify *c, const char *app_uuid, const struct coolify_env_input *in,
		       struct coolify_ack **out, struct vrs_err *err)
{
	BLOCK(COOLIFY_K_ACK, out,
	      coolify_env_create_async(c, app_uuid, in, http_waiter_cb, &w_, err));
}
int coolify_env_patch(struct coolify *c, const char *app_uuid, const struct coolify_env_input *in,
		      struct coolify_env **out, struct vrs_err *err)
{
	BLOCK(COOLIFY_K_ENV, out,
	      coolify_env_patch_async(c, app_uuid, in, http_waiter_cb, &w_, err));
}
int coolify_envs_bulk(struct coolify *c, const char *app_uuid, const struct coolify_env_input *in,
		      size_t n, struct coolify_env_list **out, struct vrs_err *err)
{
	BLOCK(COOLIFY_K_ENVS, out,
	      coolify_envs_bulk_async(c, app_uuid, in, n, http_waiter_cb, &w_, err));
}
int coolify_env_delete(struct coolify *c, const char *app_uuid, const char *env_uuid,
		       struct coolify_ack **out, struct vrs_err *err)
{
	BLOCK(COOLIFY_K_ACK, out,
	      coolify_env_delete_async(c, app_uuid, env_uuid, http_waiter_cb, &w_, err));
}
int coolify_deploy(struct coolify *c, const char *const *uuids, size_t n, bool force,
		   struct coolify_deploy_result **out, struct vrs_err *err)
{
	BLOCK(COOLIFY_K_DEPLOY_RESULT, out,
	      coolify_deploy_async(c, uuids, n, force, http_waiter_cb, &w_, err));
}
int coolify_deployments_list(struct coolify *c, struct coolify_deployment_list **out,
			     struct vrs_err *err)
{
	BLOCK(COOLIFY_K_DEPLOYMENTS, out,
	      coolify_deployments_list_async(c, http_waiter_cb, &w_, err));
}
int coolify_deployment_get(struct coolify *c, const char *uuid, struct coolify_deployment **out,
			   struct vrs_err *err)
{
	BLOCK(COOLIFY_K_DEPLOYMENT, out,
	      coolify_deployment_get_async(c, uuid, http_waiter_cb, &w_, err));
}
int coolify_app_deployments(struct coolify *c, const char *app_uuid, int skip, int take,
			    struct coolify_deployment_list **out, struct vrs_err *err)
{
	BLOCK(COOLIFY_K_APP_DEPLOYMENTS, out,
	      coolify_app_deployments_async(c, app_uuid, skip, take, http_waiter_cb, &w_, err));
}

/* ---------- access probes (vrsctl doctor) ---------- */

/*
 * What each probe sends. Read in Coolify's source (coollabsio/coolify,
 * routes/api.php and app/Http/Middleware/ApiAbility.php): the route
 * middleware api.ability:write / :deploy answers 403 before the controller
 * runs; ProjectController::create_project then answers 422 for a body without
 * "name" (and with a field it does not allow) before it creates anything, and
 * DeployController::deploy answers 400 "You must provide uuid or tag." before
 * it deploys anything.
 */
static const struct {
	const char *method, *path, *body;
	bool auth;
} probes[] = {
    [COOLIFY_PROBE_HEALTH] = {"GET", "/api/health", NULL, false},
    [COOLIFY_PROBE_VERSION] = {"GET", "/api/v1/version", NULL, true},
    [COOLIFY_PROBE_TEAM] = {"GET", "/api/v1/team", NULL, true},
    [COOLIFY_PROBE_WRITE] = {"POST", "/api/v1/projects", "{\"vrsctl_doctor_probe\":true}", true},
    [COOLIFY_PROBE_DEPLOY] = {"POST", "/api/v1/deploy", NULL, true},
};

struct pop {
	coolify_cb cb;
	void *ud;
	char *label;
};

void coolify_probe_free(struct coolify_probe *p)
{
	if (p == NULL)
		return;
	free(p->text);
	free(p);
}

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

/* 429 and 5xx are retried as usual; every other answer is delivered to on_probe */
static enum http_verdict probe_classify(void *ud, const struct http_response *r,
					struct vrs_err *err)
{
	(void)ud;
	if (r->status == 429 || r->status >= 500) {
		coolify_error_text(r->status, r->body, r->content_type, err);
		return HTTP_RETRY;
	}
	return HTTP_OK;
}

static void on_probe(void *ud, int rc, struct http_response *resp, struct vrs_err *err)
{
	struct pop *op = ud;
	struct coolify_probe *p;
	struct vrs_err e;

	err_clear(&e);
	if (rc < 0 && (err == NULL || err->http_status == 0)) {
		if (err)
			e = *err;
		else
			err_set(&e, "coolify: %s: no answer", op->label);
		op->cb(op->ud, -1, NULL, &e);
		goto out;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		err_set(&e, "coolify: out of memory");
		op->cb(op->ud, -1, NULL, &e);
		goto out;
	}
	if (rc < 0) {
		/* 5xx or 429 after the retries */
		p->http_status = err->http_status;
		p->answer = COOLIFY_ANS_OTHER;
		p->text = strdup(err->msg);
	} else if (resp->status >= 200 && resp->status < 300) {
		p->http_status = resp->status;
		p->answer = COOLIFY_ANS_OK;
		p->text = trimmed_text(resp->body);
	} else {
		p->http_status = resp->status;
		p->answer = coolify_answer_of(resp->status, resp->body);
		coolify_error_text(resp->status, resp->body, resp->content_type, &e);
		p->text = strdup(e.msg);
		err_clear(&e);
	}
	if (p->text == NULL) {
		coolify_probe_free(p);
		err_set(&e, "coolify: out of memory");
		op->cb(op->ud, -1, NULL, &e);
		goto out;
	}
	op->cb(op->ud, 0, p, NULL);
out:
	free(op->label);
	free(op);
}

int coolify_probe_async(struct coolify *c, enum coolify_probe_kind kind, coolify_cb cb, void *ud,
			struct vrs_err *err)
{
	struct http_request req;
	const char *hdrs[4];
	char *url = NULL;
	struct pop *op;
	size_t nh = 0;
	int rc;

	if ((unsigned)kind >= sizeof(probes) / sizeof(probes[0]))
		return err_set(err, "coolify: unknown probe %d", (int)kind);
	op = calloc(1, sizeof(*op));
	if (op == NULL || asprintf(&url, "%s%s", c->base_url, probes[kind].path) < 0) {
		free(op);
		return err_set(err, "coolify: out of memory");
	}
	op->cb = cb;
	op->ud = ud;
	op->label = strdup(probes[kind].path);
	if (probes[kind].auth)
		hdrs[nh++] = c->auth_header;
	hdrs[nh++] = "Accept: application/json";
	if (probes[kind].body)
		hdrs[nh++] = "Content-Type: application/json";
	hdrs[nh] = NULL;
	memset(&req, 0, sizeof(req));
	req.method = probes[kind].method;
	req.url = url;
	req.label = op->label;
	req.body = probes[kind].body;
	req.headers = hdrs;
	/* nothing the probes send can create anything, so a retry is harmless */
	req.idempotent = true;
	req.classify = probe_classify;
	rc = op->label ? http_submit(c->pool, c->svc, &req, on_probe, op, err)
		       : err_set(err, "coolify: out of memory");
	if (rc < 0) {
		free(op->label);
		free(op);
	}
	free(url);
	return rc;
}

int coolify_probe(struct coolify *c, enum coolify_probe_kind kind, struct coolify_probe **out,
		  struct vrs_err *err)
{
	struct http_waiter w;

	memset(&w, 0, sizeof(w));
	*out = NULL;
	if (coolify_probe_async(c, kind, http_waiter_cb, &w, err) < 0)
		return -1;
	if (http_waiter_wait(c->pool, &w, err) < 0)
		return -1;
	*out = w.res;
	return 0;
}
