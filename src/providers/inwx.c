/*
 * inwx.c — INWX DomRobot JSON-RPC client: one serialised session (login,
 * a cookie jar fed by every answer, 2FA unlock, re-login on 2500, logout at
 * the end), the call queue and pagination (see inwx.h; methods in
 * inwx_calls.c, results in inwx_parse.c).
 */
#include "providers/inwx_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "providers/pjson.h"
#include "util/totp.h"

struct slot {
	cJSON *resp; /* parsed by the classifier */
	bool login;  /* an account.login: a 2500 (server closing) is asked again too */
};

struct iop {
	struct iop *next;
	struct inwx *w;
	char *method;
	cJSON *params;
	enum inwx_kind kind;
	inwx_cb cb;
	void *ud;
	int relogins;
	bool idempotent;
	const char *items_key; /* paged lists */
	int page;
	cJSON *acc;
	struct slot slot;
};

struct inwx {
	struct http_pool *pool;
	struct http_service *svc;
	char *url, *user, *pass, *totp;
	int page_size;
	char *cookie_hdr;
	bool logged_in, busy;
	bool auth_failed;
	struct vrs_err auth_err;
	enum inwx_login_outcome outcome;
	int64_t last_tan_step;
	int tan_retried; /* retries after a refused TAN: the next window now, then later */
	bool tan_early;	 /* that retry goes out now, not at the window boundary */
	struct iop *qhead, *qtail;
	struct slot lslot;
};

/* ---------- transport ---------- */

static enum http_verdict classify(void *ud, const struct http_response *r, struct vrs_err *err)
{
	struct slot *s = ud;
	cJSON *j;

	if (r->status < 200 || r->status >= 300)
		return http_classify_default(NULL, r, err);
	j = cJSON_Parse(r->body ? r->body : "");
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		err_set(err, "HTTP %d: malformed JSON response%s%s", r->status,
			r->content_type ? " (content-type " : "",
			r->content_type ? r->content_type : "");
		if (r->content_type)
			strncat(err->msg, ")", sizeof(err->msg) - strlen(err->msg) - 1);
		err->http_status = r->status;
		/* truncated or a proxy's page: a transport fault (a read is asked again,
		 * an unclear write goes back as transient: its caller looks first) */
		err->code = VRS_E_TRANSIENT;
		err->transient = true;
		return HTTP_RETRY;
	}
	if (inwx_status_of((int)pj_int(j, "code", 0)) == INWX_E_TRANSIENT ||
	    (s->login && inwx_status_of((int)pj_int(j, "code", 0)) == INWX_E_SESSION)) {
		inwx_check_code(j, "", err);
		memmove(err->msg, err->msg + 2, strlen(err->msg + 2) + 1); /* drop ": " */
		cJSON_Delete(j);
		return HTTP_RETRY;
	}
	cJSON_Delete(s->resp);
	s->resp = j;
	return HTTP_OK;
}

static int send_rpc(struct inwx *w, const char *method, const cJSON *params, int page,
		    bool idempotent, int delay_ms, struct slot *slot, http_done_fn cb, void *ud,
		    struct vrs_err *err)
{
	cJSON *o = cJSON_CreateObject(), *p;
	struct http_request req;
	const char *hdrs[4];
	char *body;
	int rc;

	p = params ? cJSON_Duplicate(params, 1) : cJSON_CreateObject();
	if (o == NULL || p == NULL) {
		cJSON_Delete(o);
		cJSON_Delete(p);
		return err_set(err, "inwx: out of memory");
	}
	if (page > 0) {
		cJSON_AddNumberToObject(p, "page", page);
		cJSON_AddNumberToObject(p, "pagelimit", w->page_size);
	}
	cJSON_AddStringToObject(o, "method", method);
	cJSON_AddItemToObject(o, "params", p);
	body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (body == NULL)
		return err_set(err, "inwx: out of memory");
	hdrs[0] = "Content-Type: application/json; charset=UTF-8";
	hdrs[1] = "Accept: application/json";
	hdrs[2] = w->cookie_hdr;
	hdrs[3] = NULL;
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = w->url;
	req.label = method;
	req.body = body;
	req.headers = hdrs;
	req.idempotent = idempotent;
	req.delay_ms = delay_ms;
	req.classify = classify;
	req.classify_ud = slot;
	rc = http_submit(w->pool, w->svc, &req, cb, ud, err);
	free(body);
	if (rc == 0)
		w->busy = true;
	return rc;
}

static void op_free(struct iop *op)
{
	free(op->method);
	cJSON_Delete(op->params);
	cJSON_Delete(op->acc);
	cJSON_Delete(op->slot.resp);
	free(op);
}

static void pop_deliver(struct inwx *w, int rc, void *res, struct vrs_err *err)
{
	struct iop *op = w->qhead;

	w->qhead = op->next;
	if (w->qhead == NULL)
		w->qtail = NULL;
	if (op->cb)
		op->cb(op->ud, rc, res, err);
	else
		inwx_result_free(op->kind, res);
	op_free(op);
}

static int kick(struct inwx *w, struct vrs_err *err);

/* run the queue from a callback: failures to send go to the op's callback */
static void kick_cb(struct inwx *w)
{
	struct vrs_err e;

	for (;;) {
		err_clear(&e);
		if (w->qhead == NULL || kick(w, &e) == 0)
			return;
		pop_deliver(w, -1, NULL, &e);
	}
}

static void fail_all(struct inwx *w, struct vrs_err *err)
{
	while (w->qhead) {
		struct vrs_err e = *err;

		pop_deliver(w, -1, NULL, &e);
	}
}

/* the cookie jar (inwx_jar.c) takes every answer's cookies */
static void take_cookies(struct inwx *w, const struct http_response *resp)
{
	if (resp && resp->cookies && resp->cookies[0])
		(void)inwx_jar_take(&w->cookie_hdr, resp->cookies); /* OOM: the jar stays */
}

static void clear_session(struct inwx *w)
{
	w->logged_in = false;
	free(w->cookie_hdr);
	w->cookie_hdr = NULL;
}

static void login_failed(struct inwx *w, struct vrs_err *err, bool sticky)
{
	w->busy = false;
	clear_session(w);
	if (sticky) {
		w->auth_failed = true;
		w->auth_err = *err;
	}
	fail_all(w, err);
}

static int start_unlock(struct inwx *w, struct vrs_err *err);

/* take the answer to a login or unlock into *j; false when the request failed (login failed) */
static bool login_answer(struct inwx *w, int rc, struct vrs_err *err, cJSON **j)
{
	*j = w->lslot.resp;
	w->lslot.resp = NULL;
	w->busy = false;
	if (rc < 0) {
		cJSON_Delete(*j);
		*j = NULL;
		w->outcome = INWX_LOGIN_NO_ANSWER;
		login_failed(w, err, false);
		return false;
	}
	return true;
}

static void on_unlock(void *ud, int rc, struct http_response *resp, struct vrs_err *err)
{
	struct inwx *w = ud;
	cJSON *j;
	struct vrs_err e;

	if (!login_answer(w, rc, err, &j))
		return;
	take_cookies(w, resp);
	err_clear(&e);
	if (inwx_check_code(j, "account.unlock", &e) < 0) {
		cJSON_Delete(j);
		/*
		 * Another process may have used this window's TAN a moment ago (two
		 * runs within 30 s): the validator accepts the neighbouring window,
		 * so try the next one at once, once; after that wait for it.
		 */
		if (w->tan_retried < 2 && inwx_status_of(e.remote_code) == INWX_E_AUTH) {
			struct vrs_err e2;
			/* first at once with the next window's TAN, then at the window after */
			w->tan_early = w->tan_retried++ == 0;
			err_clear(&e2);
			if (start_unlock(w, &e2) == 0)
				return;
		}
		err_prefix(&e, "inwx");
		e.transient = false;
		w->outcome = INWX_LOGIN_TFA_REFUSED;
		login_failed(w, &e, true);
		return;
	}
	cJSON_Delete(j);
	w->logged_in = true;
	w->outcome = INWX_LOGIN_OK_TFA;
	w->tan_retried = 0;
	kick_cb(w);
}

static int start_unlock(struct inwx *w, struct vrs_err *err)
{
	int64_t now = (int64_t)time(NULL), step = now / 30;
	int delay_ms = 0;
	char tan[7];
	cJSON *p;
	int rc;

	if (step <= w->last_tan_step) {
		/* a TAN is accepted once: wait for the next window */
		step = w->last_tan_step + 1;
		delay_ms = w->tan_early ? 0 : (int)((step * 30 - now) * 1000) + 200;
		w->tan_early = false;
	}
	if (totp_now(w->totp, step * 30, tan, err) < 0)
		return err_prefix(err, "inwx: account.unlock");
	w->last_tan_step = step;
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "tan", tan);
	w->lslot.login = false; /* a TAN is accepted once: no blind resend */
	rc = send_rpc(w, "account.unlock", p, 0, true, delay_ms, &w->lslot, on_unlock, w, err);
	cJSON_Delete(p);
	memset(tan, 0, sizeof(tan));
	return rc;
}

static void on_login(void *ud, int rc, struct http_response *resp, struct vrs_err *err)
{
	struct inwx *w = ud;
	cJSON *j;
	struct vrs_err e;
	char *tfa;

	if (!login_answer(w, rc, err, &j))
		return;
	err_clear(&e);
	if (inwx_check_code(j, "account.login", &e) < 0) {
		bool sticky = !e.transient;

		cJSON_Delete(j);
		w->outcome = e.transient	     ? INWX_LOGIN_NO_ANSWER
			     : e.remote_code == 2200 ? INWX_LOGIN_BAD_CREDENTIALS
						     : INWX_LOGIN_REFUSED;
		err_prefix(&e, "inwx");
		login_failed(w, &e, sticky);
		return;
	}
	/* a new session: the jar starts from this answer's cookies */
	free(w->cookie_hdr);
	w->cookie_hdr = NULL;
	take_cookies(w, resp);
	tfa = pj_str(cJSON_GetObjectItemCaseSensitive(j, "resData"), "tfa");
	cJSON_Delete(j);
	if (tfa && strcmp(tfa, "0") != 0 && strcmp(tfa, "") != 0) {
		free(tfa);
		if (w->totp == NULL) {
			err_set(&e,
				"inwx: account.login: the account has two-factor authentication; "
				"set VRS_INWX_TOTP_SECRET");
			w->outcome = INWX_LOGIN_TFA_NO_SECRET;
			login_failed(w, &e, true);
			return;
		}
		if (start_unlock(w, &e) < 0) {
			w->outcome = INWX_LOGIN_TFA_REFUSED;
			login_failed(w, &e, false);
		}
		return;
	}
	free(tfa);
	w->logged_in = true;
	w->outcome = INWX_LOGIN_OK;
	kick_cb(w);
}

static int start_login(struct inwx *w, struct vrs_err *err)
{
	cJSON *p = cJSON_CreateObject();
	int rc;

	cJSON_AddStringToObject(p, "user", w->user);
	cJSON_AddStringToObject(p, "pass", w->pass);
	cJSON_AddStringToObject(p, "lang", "en");
	clear_session(w);
	/* a login only opens a session: asking again after a 2500 does no harm, and
	 * failing it would fail every call queued behind it */
	w->lslot.login = true;
	rc = send_rpc(w, "account.login", p, 0, true, 0, &w->lslot, on_login, w, err);
	cJSON_Delete(p);
	return rc;
}

static void on_op(void *ud, int rc, struct http_response *resp, struct vrs_err *err);

static int send_op(struct inwx *w, struct iop *op, struct vrs_err *err)
{
	return send_rpc(w, op->method, op->params, op->items_key ? op->page : 0, op->idempotent, 0,
			&op->slot, on_op, op, err);
}

/* start the head op (logging in first when needed); -1 = the head op cannot be sent */
static int kick(struct inwx *w, struct vrs_err *err)
{
	struct iop *op = w->qhead;
	bool is_logout;

	if (w->busy || op == NULL)
		return 0;
	if (w->auth_failed) {
		struct vrs_err e = w->auth_err;

		fail_all(w, &e);
		return 0;
	}
	is_logout = strcmp(op->method, "account.logout") == 0;
	if (!w->logged_in && !is_logout)
		return start_login(w, err);
	return send_op(w, op, err);
}

/* calls that must not be sent twice: a resend could buy, move or write twice */
static bool lands_once(const char *method)
{
	return strcmp(method, "domain.create") == 0 || strcmp(method, "domain.transfer") == 0 ||
	       strcmp(method, "nameserver.createRecord") == 0;
}

static void on_op(void *ud, int rc, struct http_response *resp, struct vrs_err *err)
{
	struct iop *op = ud;
	struct inwx *w = op->w;
	cJSON *j = op->slot.resp;
	struct vrs_err e;
	enum inwx_status st;
	int code;
	bool ok;
	void *res;

	op->slot.resp = NULL;
	w->busy = false;
	if (rc == 0)
		take_cookies(
		    w, resp); /* a session the server refreshed goes on under its new cookie */
	if (rc < 0) {
		cJSON_Delete(j);
		e = *err;
		pop_deliver(w, -1, NULL, &e);
		kick_cb(w);
		return;
	}
	code = (int)pj_int(j, "code", 0);
	if (strcmp(op->method, "account.logout") == 0) {
		cJSON_Delete(j);
		clear_session(w);
		pop_deliver(w, 0, NULL, NULL);
		kick_cb(w);
		return;
	}
	st = inwx_status_of(code);
	if ((st == INWX_E_SESSION || st == INWX_E_AUTH || st == INWX_E_USAGE) && op->relogins < 2) {
		/* session gone: log in again (with the next call) */
		cJSON_Delete(j);
		clear_session(w);
		if (lands_once(op->method)) {
			/* it may have landed: never resent blind; the caller looks it up first */
			err_setc(
			    &e, VRS_E_TRANSIENT,
			    "inwx: %s: the session ended (%d) with the call; whether it landed "
			    "is unknown: look it up before sending it again",
			    op->method, code);
			e.transient = true;
			e.remote_code = code;
			pop_deliver(w, -1, NULL, &e);
			kick_cb(w);
			return;
		}
		op->relogins++;
		kick_cb(w);
		return;
	}
	err_clear(&e);
	if (op->kind != INWX_K_RAW && inwx_check_code(j, op->method, &e) < 0) {
		cJSON_Delete(j);
		err_prefix(&e, "inwx");
		pop_deliver(w, -1, NULL, &e);
		kick_cb(w);
		return;
	}
	if (op->items_key) {
		cJSON *rd = cJSON_GetObjectItemCaseSensitive(j, "resData");
		cJSON *items = cJSON_GetObjectItemCaseSensitive(rd, op->items_key);
		int64_t count = pj_int(rd, "count", 0);
		int got = 0;

		if (op->acc == NULL)
			op->acc = cJSON_CreateArray();
		while (cJSON_IsArray(items) && cJSON_GetArraySize(items) > 0) {
			cJSON_AddItemToArray(op->acc, cJSON_DetachItemFromArray(items, 0));
			got++;
		}
		if (got > 0 && cJSON_GetArraySize(op->acc) < count && op->page < 10000) {
			cJSON_Delete(j);
			op->page++;
			kick_cb(w);
			return;
		}
		/* hand the whole list to the parser as one page */
		cJSON_DeleteItemFromObjectCaseSensitive(rd, op->items_key);
		cJSON_AddItemToObject(rd, op->items_key, op->acc);
		op->acc = NULL;
	}
	res = inwx_parse_resp(op->kind, j, &ok);
	cJSON_Delete(j);
	if (!ok) {
		err_set(&e, "inwx: %s: unexpected response shape", op->method);
		pop_deliver(w, -1, NULL, &e);
	} else {
		pop_deliver(w, 0, res, NULL);
	}
	kick_cb(w);
}

/* ---------- client ---------- */

struct inwx *inwx_new(struct http_pool *pool, const char *url, const char *user,
		      const char *password, const struct inwx_opts *opts, struct vrs_err *err)
{
	struct inwx_opts o;
	struct http_service_cfg cfg;
	struct inwx *w;

	memset(&o, 0, sizeof(o));
	if (opts)
		o = *opts;
	if (url == NULL || user == NULL || password == NULL) {
		err_set(err, "inwx: endpoint, user and password are required");
		return NULL;
	}
	if (http_url_check(url, err) < 0) {
		err_prefix(err, "inwx");
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		err_set(err, "inwx: out of memory");
		return NULL;
	}
	w->pool = pool;
	w->url = strdup(url);
	w->user = strdup(user);
	w->pass = strdup(password);
	w->totp = o.totp_secret ? strdup(o.totp_secret) : NULL;
	w->page_size = o.page_size > 0 ? o.page_size : 100;
	if (!w->url || !w->user || !w->pass || (o.totp_secret && !w->totp)) {
		inwx_free(w);
		err_set(err, "inwx: out of memory");
		return NULL;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "inwx";
	cfg.serialize = true;
	cfg.timeout_ms = o.timeout_ms > 0 ? o.timeout_ms : 30000;
	cfg.connect_timeout_ms = o.connect_timeout_ms;
	cfg.max_body = o.max_body;
	cfg.retry = o.retry;
	w->svc = http_service_add(pool, &cfg, err);
	if (w->svc == NULL || http_pool_add_secret(pool, password) < 0 ||
	    (w->totp && http_pool_add_secret(pool, w->totp) < 0)) {
		inwx_free(w);
		return NULL;
	}
	return w;
}

void inwx_free(struct inwx *w)
{
	if (w == NULL)
		return;
	while (w->qhead) {
		struct iop *op = w->qhead;

		w->qhead = op->next;
		op_free(op);
	}
	cJSON_Delete(w->lslot.resp);
	free(w->url);
	free(w->user);
	if (w->pass) {
		memset(w->pass, 0, strlen(w->pass));
		free(w->pass);
	}
	if (w->totp) {
		memset(w->totp, 0, strlen(w->totp));
		free(w->totp);
	}
	free(w->cookie_hdr);
	free(w);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int inwx_end_session(struct inwx *w, int timeout_ms, struct vrs_err *err)
{
	struct http_waiter wt;
	double until = mono_s() + timeout_ms / 1000.0;

	if (!w->logged_in)
		return 0;
	/* what a finished run left queued is nobody's any more */
	while (w->qhead) {
		struct iop *op = w->qhead;

		w->qhead = op->next;
		op_free(op);
	}
	w->qtail = NULL;
	w->busy = false;
	cJSON_Delete(w->lslot.resp);
	w->lslot.resp = NULL;
	memset(&wt, 0, sizeof(wt));
	if (inwx_logout_async(w, http_waiter_cb, &wt, err) < 0) {
		clear_session(w);
		return -1;
	}
	while (!wt.done && mono_s() < until)
		if (http_pool_step(w->pool, 100, err) < 0)
			break;
	if (!wt.done) {
		/* the logout stays queued, unanswered; inwx_free frees it */
		http_pool_drop(w->pool);
		clear_session(w);
		return err_set(err, "inwx: account.logout: no answer within %d ms", timeout_ms);
	}
	clear_session(w);
	if (wt.rc < 0) {
		*err = wt.err;
		return -1;
	}
	return 0;
}

struct http_service *inwx_service(struct inwx *w)
{
	return w->svc;
}

struct http_pool *inwx_pool(struct inwx *w)
{
	return w->pool;
}

bool inwx_logged_in(const struct inwx *w)
{
	return w->logged_in;
}

enum inwx_login_outcome inwx_login_outcome(const struct inwx *w)
{
	return w->outcome;
}

/* queue one op; params consumed */
int inwx_submit(struct inwx *w, const char *method, cJSON *params, enum inwx_kind kind,
		const char *items_key, bool idempotent, inwx_cb cb, void *ud, struct vrs_err *err)
{
	struct iop *op;

	if (w->auth_failed) {
		cJSON_Delete(params);
		*err = w->auth_err;
		return -1;
	}
	op = calloc(1, sizeof(*op));
	if (op == NULL || (op->method = strdup(method)) == NULL) {
		free(op);
		cJSON_Delete(params);
		return err_set(err, "inwx: out of memory");
	}
	op->w = w;
	op->params = params ? params : cJSON_CreateObject();
	op->kind = kind;
	op->items_key = items_key;
	op->page = 1;
	op->idempotent = idempotent;
	op->cb = cb;
	op->ud = ud;
	if (w->qtail)
		w->qtail->next = op;
	else
		w->qhead = op;
	w->qtail = op;
	if (w->qhead == op && kick(w, err) < 0) {
		/* nothing was sent: take it back, no callback */
		w->qhead = w->qtail = NULL;
		op_free(op);
		return -1;
	}
	return 0;
}
