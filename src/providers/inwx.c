/*
 * inwx.c — INWX DomRobot JSON-RPC client: one serialised session (login,
 * cookie replay, 2FA unlock, re-login on 2500), result-code mapping, loose
 * number/string parsing, pagination; async calls with blocking wrappers
 * (see inwx.h).
 */
#include "providers/inwx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "providers/pjson.h"
#include "util/totp.h"

struct slot {
	cJSON *resp; /* parsed by the classifier */
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

/* ---------- frees ---------- */

void inwx_account_free(struct inwx_account *a)
{
	if (a == NULL)
		return;
	free(a->username);
	free(a->tfa);
	free(a);
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

static void zone_clear(struct inwx_zone *z)
{
	free(z->domain);
	free(z->type);
}
static void record_clear(struct inwx_record *r)
{
	free(r->id);
	free(r->name);
	free(r->type);
	free(r->content);
}
static void check_clear(struct inwx_check *c)
{
	free(c->domain);
	free(c->status);
	free(c->currency);
}
static void price_clear(struct inwx_price *p)
{
	free(p->tld);
	free(p->currency);
}
static void domain_clear(struct inwx_domain *d)
{
	free(d->domain);
	free(d->status);
	free(d->renewal_mode);
	free(d->auth_code);
	for (size_t i = 0; i < d->n_ns; i++)
		free(d->ns[i]);
	free(d->ns);
}
static void contact_clear(struct inwx_contact *c)
{
	free(c->type);
	free(c->name);
	free(c->org);
	free(c->email);
	free(c->cc);
}

LIST_FREE(inwx_zone_list_free, struct inwx_zone_list, zone_clear)
LIST_FREE(inwx_check_list_free, struct inwx_check_list, check_clear)
LIST_FREE(inwx_price_list_free, struct inwx_price_list, price_clear)
LIST_FREE(inwx_domain_list_free, struct inwx_domain_list, domain_clear)
LIST_FREE(inwx_contact_list_free, struct inwx_contact_list, contact_clear)

void inwx_zone_info_free(struct inwx_zone_info *z)
{
	if (z == NULL)
		return;
	free(z->domain);
	free(z->type);
	for (size_t i = 0; i < z->n_records; i++)
		record_clear(&z->records[i]);
	free(z->records);
	free(z);
}

void inwx_created_free(struct inwx_created *c)
{
	if (c == NULL)
		return;
	free(c->id);
	free(c);
}

void inwx_order_free(struct inwx_order *o)
{
	if (o == NULL)
		return;
	free(o->currency);
	free(o);
}

void inwx_domain_free(struct inwx_domain *d)
{
	if (d == NULL)
		return;
	domain_clear(d);
	free(d);
}

void inwx_response_free(struct inwx_response *r)
{
	if (r == NULL)
		return;
	free(r->msg);
	cJSON_Delete(r->res_data);
	free(r);
}

void inwx_result_free(enum inwx_kind kind, void *res)
{
	switch (kind) {
	case INWX_K_RAW:
		inwx_response_free(res);
		break;
	case INWX_K_NONE:
		break;
	case INWX_K_ACCOUNT:
		inwx_account_free(res);
		break;
	case INWX_K_ZONES:
		inwx_zone_list_free(res);
		break;
	case INWX_K_ZONE_INFO:
		inwx_zone_info_free(res);
		break;
	case INWX_K_CREATED:
		inwx_created_free(res);
		break;
	case INWX_K_CHECKS:
		inwx_check_list_free(res);
		break;
	case INWX_K_PRICES:
		inwx_price_list_free(res);
		break;
	case INWX_K_ORDER:
		inwx_order_free(res);
		break;
	case INWX_K_DOMAIN:
		inwx_domain_free(res);
		break;
	case INWX_K_DOMAINS:
		inwx_domain_list_free(res);
		break;
	case INWX_K_CONTACTS:
		inwx_contact_list_free(res);
		break;
	}
}

/* ---------- parsing ---------- */

int inwx_check_code(const cJSON *resp, const char *method, struct vrs_err *err)
{
	int code = (int)pj_int(resp, "code", 0);
	const cJSON *rd = cJSON_GetObjectItemCaseSensitive(resp, "resData");
	char *msg, *reason;

	if (!cJSON_IsObject(resp) || code == 0)
		return err_set(err, "%s: response without a result code", method);
	if (code >= 1000 && code < 2000)
		return 0;
	msg = pj_str(resp, "msg");
	reason = pj_str(resp, "reason");
	if (reason == NULL)
		reason = pj_str(rd, "reason");
	if (reason == NULL)
		reason = pj_str(resp, "reasonCode");
	err_set(err, "%s: %d %s%s%s%s", method, code, msg ? msg : "error", reason ? " (" : "",
		reason ? reason : "", reason ? ")" : "");
	err->remote_code = code;
	err->transient = code == 2400 || code == 2500;
	free(msg);
	free(reason);
	return -1;
}

static void *parse_account(const cJSON *rd)
{
	struct inwx_account *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->customer_id = pj_int(rd, "customerId", 0);
	a->account_id = pj_int(rd, "accountId", 0);
	a->username = pj_str(rd, "username");
	a->tfa = pj_str(rd, "tfa");
	return a;
}

/* allocate n elements of sz for array arr; each parsed by fn */
static int each(const cJSON *arr, size_t sz, void (*fn)(const cJSON *, void *), void **out,
		size_t *n)
{
	size_t cnt = (size_t)cJSON_GetArraySize(arr), i = 0;
	char *v;
	const cJSON *it;

	*out = NULL;
	*n = 0;
	if (!cJSON_IsArray(arr) || cnt == 0)
		return 0;
	v = calloc(cnt, sz);
	if (v == NULL)
		return -1;
	cJSON_ArrayForEach(it, arr)
	{
		if (cJSON_IsObject(it))
			fn(it, v + sz * i++);
	}
	*out = v;
	*n = i;
	return 0;
}

static void zone_fill(const cJSON *j, void *p)
{
	struct inwx_zone *z = p;

	z->ro_id = pj_int(j, "roId", 0);
	z->domain = pj_str(j, "domain");
	z->type = pj_str(j, "type");
}

static void record_fill(const cJSON *j, void *p)
{
	struct inwx_record *r = p;

	r->id = pj_str(j, "id");
	r->name = pj_str(j, "name");
	r->type = pj_str(j, "type");
	r->content = pj_str(j, "content");
	r->ttl = (int)pj_int(j, "ttl", 3600);
	r->prio = (int)pj_int(j, "prio", 0);
}

static void check_fill(const cJSON *j, void *p)
{
	struct inwx_check *c = p;
	const cJSON *prem = cJSON_GetObjectItemCaseSensitive(j, "premium");

	c->domain = pj_str(j, "domain");
	c->status = pj_str(j, "status");
	c->avail = (int)pj_int(j, "avail", -1);
	c->price = pj_num(j, "price", 0);
	c->currency = pj_str(j, "currency");
	c->premium = cJSON_IsObject(prem) || pj_bool(j, "premium", false);
	if (c->currency == NULL && cJSON_IsObject(prem))
		c->currency = pj_str(prem, "currency");
}

static void price_fill(const cJSON *j, void *p)
{
	struct inwx_price *x = p;

	x->tld = pj_str(j, "tld");
	x->currency = pj_str(j, "currency");
	x->create_price = pj_num(j, "createPrice", 0);
	x->renewal_price = pj_num(j, "renewalPrice", 0);
	x->transfer_price = pj_num(j, "transferPrice", 0);
	x->create_period = (int)pj_int(j, "createPeriod", 1);
}

static void domain_fill(const cJSON *j, void *p)
{
	struct inwx_domain *d = p;
	const cJSON *ns = pj_arr(j, "ns"), *it;

	d->ro_id = pj_int(j, "roId", 0);
	d->domain = pj_str(j, "domain");
	d->status = pj_str(j, "status");
	d->renewal_mode = pj_str(j, "renewalMode");
	d->auth_code = pj_str(j, "authCode");
	d->cr_date = pj_time(j, "crDate", 0);
	d->ex_date = pj_time(j, "exDate", 0);
	d->up_date = pj_time(j, "upDate", 0);
	d->registrant = pj_int(j, "registrant", 0);
	d->admin = pj_int(j, "admin", 0);
	d->tech = pj_int(j, "tech", 0);
	d->billing = pj_int(j, "billing", 0);
	d->transfer_lock = pj_bool(j, "transferLock", false);
	if (ns && cJSON_GetArraySize(ns) > 0) {
		d->ns = calloc((size_t)cJSON_GetArraySize(ns), sizeof(char *));
		if (d->ns)
			cJSON_ArrayForEach(it, ns)
			{
				char *s = pj_scalar(it);

				if (s)
					d->ns[d->n_ns++] = s;
			}
	}
}

static void contact_fill(const cJSON *j, void *p)
{
	struct inwx_contact *c = p;

	c->id = pj_int(j, "id", 0);
	c->ro_id = pj_int(j, "roId", 0);
	c->type = pj_str(j, "type");
	c->name = pj_str(j, "name");
	c->org = pj_str(j, "org");
	c->email = pj_str(j, "email");
	c->cc = pj_str(j, "cc");
}

struct anylist {
	void *v;
	size_t n;
	int64_t count;
};

static void *make_list(const cJSON *rd, const char *key, size_t lsz, size_t elsz,
		       void (*fn)(const cJSON *, void *), bool has_count)
{
	struct anylist *l = calloc(1, lsz);

	if (l == NULL)
		return NULL;
	if (each(pj_arr(rd, key), elsz, fn, &l->v, &l->n) < 0) {
		free(l);
		return NULL;
	}
	if (has_count)
		l->count = pj_int(rd, "count", (int64_t)l->n);
	return l;
}

/* parse a checked (code < 2000) response */
static void *parse_json(enum inwx_kind kind, const cJSON *resp, bool *ok)
{
	const cJSON *rd = cJSON_GetObjectItemCaseSensitive(resp, "resData");

	*ok = true;
	switch (kind) {
	case INWX_K_NONE:
		return NULL;
	case INWX_K_RAW: {
		struct inwx_response *r = calloc(1, sizeof(*r));

		if (r) {
			r->code = (int)pj_int(resp, "code", 0);
			r->msg = pj_str(resp, "msg");
			r->res_data = rd ? cJSON_Duplicate(rd, 1) : NULL;
		}
		*ok = r != NULL;
		return r;
	}
	case INWX_K_ACCOUNT: {
		void *a = parse_account(rd);

		*ok = a != NULL;
		return a;
	}
	case INWX_K_ZONES: {
		void *l = make_list(rd, "domains", sizeof(struct inwx_zone_list),
				    sizeof(struct inwx_zone), zone_fill, true);
		*ok = l != NULL;
		return l;
	}
	case INWX_K_ZONE_INFO: {
		struct inwx_zone_info *z = calloc(1, sizeof(*z));
		void *v = NULL;

		if (z == NULL || !cJSON_IsObject(rd) ||
		    each(pj_arr(rd, "record"), sizeof(struct inwx_record), record_fill, &v,
			 &z->n_records) < 0) {
			free(z);
			*ok = false;
			return NULL;
		}
		z->records = v;
		z->ro_id = pj_int(rd, "roId", 0);
		z->domain = pj_str(rd, "domain");
		z->type = pj_str(rd, "type");
		return z;
	}
	case INWX_K_CREATED: {
		struct inwx_created *c = calloc(1, sizeof(*c));

		if (c) {
			c->id = pj_str(rd, "id");
			c->ro_id = pj_int(rd, "roId", 0);
		}
		*ok = c != NULL;
		return c;
	}
	case INWX_K_CHECKS: {
		void *l = make_list(rd, "domain", sizeof(struct inwx_check_list),
				    sizeof(struct inwx_check), check_fill, false);
		*ok = l != NULL;
		return l;
	}
	case INWX_K_PRICES: {
		void *l = make_list(rd, "price", sizeof(struct inwx_price_list),
				    sizeof(struct inwx_price), price_fill, false);
		*ok = l != NULL;
		return l;
	}
	case INWX_K_ORDER: {
		struct inwx_order *o = calloc(1, sizeof(*o));

		if (o) {
			o->code = (int)pj_int(resp, "code", 0);
			o->ro_id = pj_int(rd, "roId", 0);
			o->price = pj_num(rd, "price", 0);
			o->currency = pj_str(rd, "currency");
		}
		*ok = o != NULL;
		return o;
	}
	case INWX_K_DOMAIN: {
		struct inwx_domain *d;

		if (!cJSON_IsObject(rd)) {
			*ok = false;
			return NULL;
		}
		d = calloc(1, sizeof(*d));
		if (d)
			domain_fill(rd, d);
		*ok = d != NULL;
		return d;
	}
	case INWX_K_DOMAINS: {
		void *l = make_list(rd, "domain", sizeof(struct inwx_domain_list),
				    sizeof(struct inwx_domain), domain_fill, true);
		*ok = l != NULL;
		return l;
	}
	case INWX_K_CONTACTS: {
		void *l = make_list(rd, "contact", sizeof(struct inwx_contact_list),
				    sizeof(struct inwx_contact), contact_fill, true);
		*ok = l != NULL;
		return l;
	}
	}
	*ok = false;
	return NULL;
}

int inwx_parse(enum inwx_kind kind, const char *body, void **out, struct vrs_err *err)
{
	cJSON *j = cJSON_Parse(body ? body : "");
	bool ok;

	*out = NULL;
	if (j == NULL)
		return err_set(err, "malformed JSON response");
	if (inwx_check_code(j, "response", err) < 0) {
		cJSON_Delete(j);
		return -1;
	}
	*out = parse_json(kind, j, &ok);
	cJSON_Delete(j);
	if (!ok)
		return err_set(err, "unexpected response shape");
	return 0;
}

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
		return HTTP_FAIL;
	}
	if (pj_int(j, "code", 0) == 2400) {
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

static void on_unlock(void *ud, int rc, struct http_response *resp, struct vrs_err *err)
{
	struct inwx *w = ud;
	cJSON *j = w->lslot.resp;
	struct vrs_err e;

	(void)resp;
	w->lslot.resp = NULL;
	w->busy = false;
	if (rc < 0) {
		cJSON_Delete(j);
		w->outcome = INWX_LOGIN_NO_ANSWER;
		login_failed(w, err, false);
		return;
	}
	err_clear(&e);
	if (inwx_check_code(j, "account.unlock", &e) < 0) {
		cJSON_Delete(j);
		/*
		 * Another process may have used this window's TAN a moment ago (two
		 * runs within 30 s): the validator accepts the neighbouring window,
		 * so try the next one at once, once; after that wait for it.
		 */
		if (w->tan_retried < 2 && e.remote_code == 2200) {
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
	rc = send_rpc(w, "account.unlock", p, 0, true, delay_ms, &w->lslot, on_unlock, w, err);
	cJSON_Delete(p);
	memset(tan, 0, sizeof(tan));
	return rc;
}

static void on_login(void *ud, int rc, struct http_response *resp, struct vrs_err *err)
{
	struct inwx *w = ud;
	cJSON *j = w->lslot.resp;
	struct vrs_err e;
	char *tfa;

	w->lslot.resp = NULL;
	w->busy = false;
	if (rc < 0) {
		cJSON_Delete(j);
		w->outcome = INWX_LOGIN_NO_ANSWER;
		login_failed(w, err, false);
		return;
	}
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
	free(w->cookie_hdr);
	w->cookie_hdr = NULL;
	if (resp && resp->cookies && asprintf(&w->cookie_hdr, "Cookie: %s", resp->cookies) < 0)
		w->cookie_hdr = NULL;
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

static void on_op(void *ud, int rc, struct http_response *resp, struct vrs_err *err)
{
	struct iop *op = ud;
	struct inwx *w = op->w;
	cJSON *j = op->slot.resp;
	struct vrs_err e;
	int code;
	bool ok;
	void *res;

	(void)resp;
	op->slot.resp = NULL;
	w->busy = false;
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
	if ((code == 2500 || code == 2200 || code == 2002) && op->relogins < 2) {
		/* session gone: log in again and resend */
		cJSON_Delete(j);
		clear_session(w);
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
	res = parse_json(op->kind, j, &ok);
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

struct http_service *inwx_service(struct inwx *w)
{
	return w->svc;
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
static int submit(struct inwx *w, const char *method, cJSON *params, enum inwx_kind kind,
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

int inwx_call_async(struct inwx *w, const char *method, cJSON *params, inwx_cb cb, void *ud,
		    struct vrs_err *err)
{
	return submit(w, method, params, INWX_K_RAW, NULL, true, cb, ud, err);
}

int inwx_login_async(struct inwx *w, inwx_cb cb, void *ud, struct vrs_err *err)
{
	/* logging in happens before any call; account.info then confirms the session */
	return submit(w, "account.info", NULL, INWX_K_ACCOUNT, NULL, true, cb, ud, err);
}

int inwx_logout_async(struct inwx *w, inwx_cb cb, void *ud, struct vrs_err *err)
{
	return submit(w, "account.logout", NULL, INWX_K_NONE, NULL, true, cb, ud, err);
}

int inwx_info_async(struct inwx *w, inwx_cb cb, void *ud, struct vrs_err *err)
{
	return submit(w, "account.info", NULL, INWX_K_ACCOUNT, NULL, true, cb, ud, err);
}

int inwx_zones_list_async(struct inwx *w, const char *filter, inwx_cb cb, void *ud,
			  struct vrs_err *err)
{
	cJSON *p = cJSON_CreateObject();

	if (filter)
		cJSON_AddStringToObject(p, "domain", filter);
	return submit(w, "nameserver.list", p, INWX_K_ZONES, "domains", true, cb, ud, err);
}

static void add_ns(cJSON *p, const char *const *ns, size_t n)
{
	if (n == 0 || ns == NULL)
		return;
	cJSON *a = cJSON_AddArrayToObject(p, "ns");

	for (size_t i = 0; i < n && a; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(ns[i]));
}

int inwx_zone_create_async(struct inwx *w, const char *domain, const char *type,
			   const char *const *ns, size_t n_ns, inwx_cb cb, void *ud,
			   struct vrs_err *err)
{
	cJSON *p;

	if (domain == NULL)
		return err_set(err, "inwx: nameserver.create: domain is required");
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "domain", domain);
	cJSON_AddStringToObject(p, "type", type ? type : "MASTER");
	add_ns(p, ns, n_ns);
	return submit(w, "nameserver.create", p, INWX_K_CREATED, NULL, true, cb, ud, err);
}

int inwx_zone_info_async(struct inwx *w, const char *domain, const struct inwx_record_filter *f,
			 inwx_cb cb, void *ud, struct vrs_err *err)
{
	cJSON *p;

	if (domain == NULL)
		return err_set(err, "inwx: nameserver.info: domain is required");
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "domain", domain);
	if (f) {
		if (f->type)
			cJSON_AddStringToObject(p, "type", f->type);
		if (f->name)
			cJSON_AddStringToObject(p, "name", f->name);
		if (f->content)
			cJSON_AddStringToObject(p, "content", f->content);
		if (f->record_id)
			cJSON_AddStringToObject(p, "recordId", f->record_id);
	}
	return submit(w, "nameserver.info", p, INWX_K_ZONE_INFO, NULL, true, cb, ud, err);
}

int inwx_record_create_async(struct inwx *w, const struct inwx_record_input *in, inwx_cb cb,
			     void *ud, struct vrs_err *err)
{
	cJSON *p;

	if ((in->domain == NULL && in->ro_id == 0) || in->type == NULL || in->content == NULL)
		return err_set(err, "inwx: nameserver.createRecord: zone, type and content are "
				    "required");
	p = cJSON_CreateObject();
	if (in->domain)
		cJSON_AddStringToObject(p, "domain", in->domain);
	else
		cJSON_AddNumberToObject(p, "roId", (double)in->ro_id);
	if (in->name)
		cJSON_AddStringToObject(p, "name", in->name);
	cJSON_AddStringToObject(p, "type", in->type);
	cJSON_AddStringToObject(p, "content", in->content);
	cJSON_AddNumberToObject(p, "ttl", in->ttl > 0 ? in->ttl : 3600);
	if (in->prio > 0)
		cJSON_AddNumberToObject(p, "prio", in->prio);
	if (in->testing)
		cJSON_AddBoolToObject(p, "testing", true);
	/* a duplicate answers 2302 ("Object exists"), so resending is safe */
	return submit(w, "nameserver.createRecord", p, INWX_K_CREATED, NULL, true, cb, ud, err);
}

int inwx_record_update_async(struct inwx *w, const char *id, const struct inwx_record_update *in,
			     inwx_cb cb, void *ud, struct vrs_err *err)
{
	cJSON *p;

	if (id == NULL || *id == 0)
		return err_set(err, "inwx: nameserver.updateRecord: record id is required");
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "id", id);
	if (in->name)
		cJSON_AddStringToObject(p, "name", in->name);
	if (in->type)
		cJSON_AddStringToObject(p, "type", in->type);
	if (in->content)
		cJSON_AddStringToObject(p, "content", in->content);
	if (in->ttl > 0)
		cJSON_AddNumberToObject(p, "ttl", in->ttl);
	if (in->prio > 0 || in->set_prio)
		cJSON_AddNumberToObject(p, "prio", in->prio);
	if (in->testing)
		cJSON_AddBoolToObject(p, "testing", true);
	return submit(w, "nameserver.updateRecord", p, INWX_K_NONE, NULL, true, cb, ud, err);
}

int inwx_record_delete_async(struct inwx *w, const char *id, bool testing, inwx_cb cb, void *ud,
			     struct vrs_err *err)
{
	cJSON *p;

	if (id == NULL || *id == 0)
		return err_set(err, "inwx: nameserver.deleteRecord: record id is required");
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "id", id);
	if (testing)
		cJSON_AddBoolToObject(p, "testing", true);
	return submit(w, "nameserver.deleteRecord", p, INWX_K_NONE, NULL, true, cb, ud, err);
}

static cJSON *str_array(const char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n && a; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

int inwx_domain_check_async(struct inwx *w, const char *const *domains, size_t n, inwx_cb cb,
			    void *ud, struct vrs_err *err)
{
	cJSON *p;

	if (n == 0)
		return err_set(err, "inwx: domain.check: no domain given");
	p = cJSON_CreateObject();
	cJSON_AddItemToObject(p, "domain", str_array(domains, n));
	return submit(w, "domain.check", p, INWX_K_CHECKS, NULL, true, cb, ud, err);
}

int inwx_domain_prices_async(struct inwx *w, const char *const *tlds, size_t n, inwx_cb cb,
			     void *ud, struct vrs_err *err)
{
	cJSON *p = cJSON_CreateObject();

	if (n > 0)
		cJSON_AddItemToObject(p, "tld", str_array(tlds, n));
	cJSON_AddBoolToObject(p, "vat", false);
	return submit(w, "domain.getPrices", p, INWX_K_PRICES, NULL, true, cb, ud, err);
}

static cJSON *domain_params(const struct inwx_domain_input *in, bool transfer)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "domain", in->domain);
	if (!transfer && in->period)
		cJSON_AddStringToObject(p, "period", in->period);
	if (transfer && in->auth_code)
		cJSON_AddStringToObject(p, "authCode", in->auth_code);
	if (in->registrant)
		cJSON_AddNumberToObject(p, "registrant", (double)in->registrant);
	if (in->admin)
		cJSON_AddNumberToObject(p, "admin", (double)in->admin);
	if (in->tech)
		cJSON_AddNumberToObject(p, "tech", (double)in->tech);
	if (in->billing)
		cJSON_AddNumberToObject(p, "billing", (double)in->billing);
	add_ns(p, in->ns, in->n_ns);
	if (in->renewal_mode)
		cJSON_AddStringToObject(p, "renewalMode", in->renewal_mode);
	if (in->transfer_lock >= 0)
		cJSON_AddBoolToObject(p, "transferLock", in->transfer_lock != 0);
	if (in->testing)
		cJSON_AddBoolToObject(p, "testing", true);
	return p;
}

int inwx_domain_create_async(struct inwx *w, const struct inwx_domain_input *in, inwx_cb cb,
			     void *ud, struct vrs_err *err)
{
	if (in->domain == NULL || in->registrant == 0)
		return err_set(err, "inwx: domain.create: domain and registrant are required");
	return submit(w, "domain.create", domain_params(in, false), INWX_K_ORDER, NULL, false, cb,
		      ud, err);
}

int inwx_domain_transfer_async(struct inwx *w, const struct inwx_domain_input *in, inwx_cb cb,
			       void *ud, struct vrs_err *err)
{
	if (in->domain == NULL)
		return err_set(err, "inwx: domain.transfer: domain is required");
	return submit(w, "domain.transfer", domain_params(in, true), INWX_K_ORDER, NULL, false, cb,
		      ud, err);
}

int inwx_domain_info_async(struct inwx *w, const char *domain, inwx_cb cb, void *ud,
			   struct vrs_err *err)
{
	cJSON *p;

	if (domain == NULL)
		return err_set(err, "inwx: domain.info: domain is required");
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "domain", domain);
	cJSON_AddNumberToObject(p, "wide", 1);
	return submit(w, "domain.info", p, INWX_K_DOMAIN, NULL, true, cb, ud, err);
}

int inwx_domains_list_async(struct inwx *w, inwx_cb cb, void *ud, struct vrs_err *err)
{
	return submit(w, "domain.list", NULL, INWX_K_DOMAINS, "domain", true, cb, ud, err);
}

int inwx_contacts_list_async(struct inwx *w, const char *search, inwx_cb cb, void *ud,
			     struct vrs_err *err)
{
	cJSON *p = cJSON_CreateObject();

	if (search)
		cJSON_AddStringToObject(p, "search", search);
	return submit(w, "contact.list", p, INWX_K_CONTACTS, "contact", true, cb, ud, err);
}

/* ---------- blocking ---------- */

#define BLOCK(KIND, OUT, ...)                                                                      \
	struct http_waiter w_;                                                                     \
	memset(&w_, 0, sizeof(w_));                                                                \
	if (__VA_ARGS__ < 0)                                                                       \
		return -1;                                                                         \
	if (http_waiter_wait(w->pool, &w_, err) < 0)                                               \
		return -1;                                                                         \
	if (OUT)                                                                                   \
		*(OUT) = w_.res;                                                                   \
	else                                                                                       \
		inwx_result_free(KIND, w_.res);                                                    \
	return 0

static void **no_out(void)
{
	return NULL;
}

int inwx_call(struct inwx *w, const char *method, cJSON *params, struct inwx_response **out,
	      struct vrs_err *err)
{
	BLOCK(INWX_K_RAW, out, inwx_call_async(w, method, params, http_waiter_cb, &w_, err));
}
int inwx_login(struct inwx *w, struct inwx_account **out, struct vrs_err *err)
{
	BLOCK(INWX_K_ACCOUNT, out, inwx_login_async(w, http_waiter_cb, &w_, err));
}
int inwx_logout(struct inwx *w, struct vrs_err *err)
{
	BLOCK(INWX_K_NONE, no_out(), inwx_logout_async(w, http_waiter_cb, &w_, err));
}
int inwx_info(struct inwx *w, struct inwx_account **out, struct vrs_err *err)
{
	BLOCK(INWX_K_ACCOUNT, out, inwx_info_async(w, http_waiter_cb, &w_, err));
}
int inwx_zones_list(struct inwx *w, const char *filter, struct inwx_zone_list **out,
		    struct vrs_err *err)
{
	BLOCK(INWX_K_ZONES, out, inwx_zones_list_async(w, filter, http_waiter_cb, &w_, err));
}
int inwx_zone_create(struct inwx *w, const char *domain, const char *type, const char *const *ns,
		     size_t n_ns, struct inwx_created **out, struct vrs_err *err)
{
	BLOCK(INWX_K_CREATED, out,
	      inwx_zone_create_async(w, domain, type, ns, n_ns, http_waiter_cb, &w_, err));
}
int inwx_zone_info(struct inwx *w, const char *domain, const struct inwx_record_filter *f,
		   struct inwx_zone_info **out, struct vrs_err *err)
{
	BLOCK(INWX_K_ZONE_INFO, out, inwx_zone_info_async(w, domain, f, http_waiter_cb, &w_, err));
}
int inwx_record_create(struct inwx *w, const struct inwx_record_input *in,
		       struct inwx_created **out, struct vrs_err *err)
{
	BLOCK(INWX_K_CREATED, out, inwx_record_create_async(w, in, http_waiter_cb, &w_, err));
}
int inwx_record_update(struct inwx *w, const char *id, const struct inwx_record_update *in,
		       struct vrs_err *err)
{
	BLOCK(INWX_K_NONE, no_out(), inwx_record_update_async(w, id, in, http_waiter_cb, &w_, err));
}
int inwx_record_delete(struct inwx *w, const char *id, bool testing, struct vrs_err *err)
{
	BLOCK(INWX_K_NONE, no_out(),
	      inwx_record_delete_async(w, id, testing, http_waiter_cb, &w_, err));
}
int inwx_domain_check(struct inwx *w, const char *const *domains, size_t n,
		      struct inwx_check_list **out, struct vrs_err *err)
{
	BLOCK(INWX_K_CHECKS, out, inwx_domain_check_async(w, domains, n, http_waiter_cb, &w_, err));
}
int inwx_domain_prices(struct inwx *w, const char *const *tlds, size_t n,
		       struct inwx_price_list **out, struct vrs_err *err)
{
	BLOCK(INWX_K_PRICES, out, inwx_domain_prices_async(w, tlds, n, http_waiter_cb, &w_, err));
}
int inwx_domain_create(struct inwx *w, const struct inwx_domain_input *in, struct inwx_order **out,
		       struct vrs_err *err)
{
	BLOCK(INWX_K_ORDER, out, inwx_domain_create_async(w, in, http_waiter_cb, &w_, err));
}
int inwx_domain_transfer(struct inwx *w, const struct inwx_domain_input *in,
			 struct inwx_order **out, struct vrs_err *err)
{
	BLOCK(INWX_K_ORDER, out, inwx_domain_transfer_async(w, in, http_waiter_cb, &w_, err));
}
int inwx_domain_info(struct inwx *w, const char *domain, struct inwx_domain **out,
		     struct vrs_err *err)
{
	BLOCK(INWX_K_DOMAIN, out, inwx_domain_info_async(w, domain, http_waiter_cb, &w_, err));
}
int inwx_domains_list(struct inwx *w, struct inwx_domain_list **out, struct vrs_err *err)
{
	BLOCK(INWX_K_DOMAINS, out, inwx_domains_list_async(w, http_waiter_cb, &w_, err));
}
int inwx_contacts_list(struct inwx *w, const char *search, struct inwx_contact_list **out,
		       struct vrs_err *err)
{
	BLOCK(INWX_K_CONTACTS, out, inwx_contacts_list_async(w, search, http_waiter_cb, &w_, err));
}
