/*
 * coolify.c — Coolify API v1 client: the http service with its rate budget
 * and headers, submitting one request and parsing its answer, and the
 * generic blocking wait (endpoints in coolify_calls.c, parsers in
 * coolify_parse.c; see coolify.h).
 */
#include "providers/coolify_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int coolify_check_id(const char *what, const char *id, struct vrs_err *err)
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
int coolify_submit(struct coolify *c, const char *method, const char *path, char *body,
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

int coolify_wait(struct coolify *c, int rc, struct http_waiter *w, enum coolify_kind kind,
		 void **out, struct vrs_err *err)
{
	if (rc < 0)
		return -1;
	if (http_waiter_wait(c->pool, w, err) < 0)
		return -1;
	if (out)
		*out = w->res;
	else
		coolify_result_free(kind, w->res);
	return 0;
}

#define BLOCK(KIND, OUT, CALL)                                                                     \
	struct http_waiter w_;                                                                     \
	void *r_ = NULL;                                                                           \
	memset(&w_, 0, sizeof(w_));                                                                \
	if (coolify_wait(c, (CALL), &w_, KIND, (OUT) ? &r_ : NULL, err) < 0)                       \
		return -1;                                                                         \
	if (OUT)                                                                                   \
		*(OUT) = r_;                                                                       \
	return 0

/* the blocking forms that refresh, import and recover use */
int coolify_servers_list(struct coolify *c, struct coolify_server_list **out, struct vrs_err *err)
{
	BLOCK(COOLIFY_K_SERVERS, out, coolify_servers_list_async(c, http_waiter_cb, &w_, err));
}
int coolify_projects_list(struct coolify *c, struct coolify_project_list **out, struct vrs_err *err)
{
	BLOCK(COOLIFY_K_PROJECTS, out, coolify_projects_list_async(c, http_waiter_cb, &w_, err));
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
