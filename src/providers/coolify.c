/*
 * coolify.c — Coolify API v1 client: the http service with its rate budget
 * and headers, submitting one request and parsing its answer, and the
 * generic blocking wait (endpoints in coolify_calls.c, parsers in
 * coolify_parse.c; see coolify.h).
 */
#include "providers/coolify_int.h"

#include <cjson/cJSON.h>
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

/*
 * POST /deploy's own 429: the server's deploy queue is full
 * (DeployController: "Deployment queue is full. ..." + Retry-After: 60),
 * unlike the throttle's 429 ("Too Many Attempts."): not a reason to hold
 * back every other call, so it is delivered as a typed result.
 */
static bool deploy_queue_full(const struct cop *op, const struct http_response *r)
{
	cJSON *j, *m;
	bool full;

	if (op == NULL || op->kind != COOLIFY_K_DEPLOY_RESULT || r->status != 429 || !r->body)
		return false;
	j = cJSON_Parse(r->body);
	m = cJSON_GetObjectItemCaseSensitive(j, "message");
	full = cJSON_IsString(m) && strstr(m->valuestring, "queue is full") != NULL;
	cJSON_Delete(j);
	return full;
}

static enum http_verdict classify(void *ud, const struct http_response *r, struct vrs_err *err)
{
	const struct cop *op = ud;

	if (r->status >= 200 && r->status < 300 && op && op->kind != COOLIFY_K_TEXT) {
		/* a 2xx whose body is not JSON (truncated, a proxy's HTML page) is a
		 * transport fault, not an answer: a GET is asked again, an unclear
		 * write goes back to its caller as transient (it looks before resending) */
		cJSON *j = cJSON_ParseWithLength(r->body ? r->body : "", r->body ? r->body_len : 0);

		if (j == NULL) {
			err_setc(err, VRS_E_TRANSIENT, "HTTP %d: malformed JSON response%s%s%s",
				 r->status, r->content_type ? " (content-type " : "",
				 r->content_type ? r->content_type : "",
				 r->content_type ? ")" : "");
			err->transient = true;
			err->http_status = r->status;
			return HTTP_RETRY;
		}
		cJSON_Delete(j);
		return HTTP_OK;
	}
	if ((r->status >= 200 && r->status < 300) || deploy_queue_full(ud, r))
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
	/* 1 % under the budget: a fixed 60 s window then holds <= 198 calls of 200, room for
	 * 0.6 s of latency jitter (3 % cost a full 3 % of an apply's time under the budget) */
	cfg.rate_per_sec = (o.rate_per_min > 0 ? o.rate_per_min : 200) / 60.0 * 0.99;
	if (o.unpaced && strncmp(c->base_url, "http://", 7) == 0)
		cfg.rate_per_sec = 0;
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

/* the pool went away before the answer: the caller hears nothing (its run is over) */
static void cop_drop(void *ud)
{
	cop_free(ud);
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
	if (resp->status == 429) { /* deploy_queue_full said so */
		struct coolify_deploy_result *dr = calloc(1, sizeof(*dr));

		if (dr) {
			dr->queue_full = true;
			dr->retry_after_s = resp->retry_after_s;
		} else {
			err_set(&e2, "coolify: out of memory");
		}
		op->cb(op->ud, dr ? 0 : -1, dr, dr ? NULL : &e2);
		cop_free(op);
		return;
	}
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
	req.classify_ud = op;
	req.drop = cop_drop;
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
int coolify_app_deployments_recent(struct coolify *c, const char *app_uuid, int take,
				   struct coolify_deployment_list **out, struct vrs_err *err)
{
	BLOCK(COOLIFY_K_APP_DEPLOYMENTS, out,
	      coolify_app_deployments_async(c, app_uuid, 0, take, http_waiter_cb, &w_, err));
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
int coolify_app_update(struct coolify *c, const char *uuid, const struct coolify_app_update *in,
		       struct vrs_err *err)
{
	struct http_waiter w;

	memset(&w, 0, sizeof(w));
	return coolify_wait(c, coolify_app_update_async(c, uuid, in, http_waiter_cb, &w, err), &w,
			    COOLIFY_K_ACK, NULL, err);
}

int coolify_project_set_description(struct coolify *c, const char *uuid, const char *description,
				    struct vrs_err *err)
{
	struct http_waiter w;

	memset(&w, 0, sizeof(w));
	return coolify_wait(
	    c, coolify_project_update_async(c, uuid, NULL, description, http_waiter_cb, &w, err),
	    &w, COOLIFY_K_ACK, NULL, err);
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

static void pop_drop(void *ud)
{
	struct pop *op = ud;

	free(op->label);
	free(op);
}

void coolify_probe_free(struct coolify_probe *p)
{
	if (p == NULL)
		return;
	free(p->text);
	free(p);
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
		p->text = coolify_trimmed_text(resp->body);
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
	req.drop = pop_drop;
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

bool coolify_deployment_env_uuid(const struct coolify_deployment *d, const char *project_uuid,
				 char *out, size_t n)
{
	static const char env_seg[] = "/environment/";
	const char *u = d ? d->deployment_url : NULL, *e, *end;
	size_t plen = project_uuid ? strlen(project_uuid) : 0;

	if (u == NULL || plen == 0 || strncmp(u, "/project/", 9) != 0 ||
	    strncmp(u + 9, project_uuid, plen) != 0 ||
	    strncmp(u + 9 + plen, env_seg, sizeof(env_seg) - 1) != 0)
		return false;
	e = u + 9 + plen + sizeof(env_seg) - 1;
	end = strchr(e, '/');
	if (end == NULL || end == e || strncmp(end, "/application/", 13) != 0 ||
	    (size_t)(end - e) >= n)
		return false;
	for (const char *c = e; c < end; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			return false;
	memcpy(out, e, (size_t)(end - e));
	out[end - e] = '\0';
	return true;
}
