/*
 * inwx_parse.c — INWX responses into typed results: result codes to typed
 * outcomes (enum inwx_status, err.code), loose number/string fields, one
 * parser per result kind, and the frees (see inwx.h).
 */
#include "providers/inwx_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/pjson.h"

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

static void zone_release(struct inwx_zone *z)
{
	free(z->domain);
	free(z->type);
}
static void record_release(struct inwx_record *r)
{
	free(r->id);
	free(r->name);
	free(r->type);
	free(r->content);
}
static void check_release(struct inwx_check *c)
{
	free(c->domain);
	free(c->status);
	free(c->currency);
}
static void price_release(struct inwx_price *p)
{
	free(p->tld);
	free(p->currency);
}
static void domain_release(struct inwx_domain *d)
{
	free(d->domain);
	free(d->status);
	free(d->renewal_mode);
	free(d->auth_code);
	for (size_t i = 0; i < d->n_ns; i++)
		free(d->ns[i]);
	free(d->ns);
}
static void rule_release(struct inwx_rule *r)
{
	free(r->tld);
	free(r->auth_code);
}
static void contact_release(struct inwx_contact *c)
{
	free(c->type);
	free(c->name);
	free(c->org);
	free(c->email);
	free(c->cc);
}

LIST_FREE(inwx_zone_list_free, struct inwx_zone_list, zone_release)
LIST_FREE(inwx_check_list_free, struct inwx_check_list, check_release)
LIST_FREE(inwx_price_list_free, struct inwx_price_list, price_release)
LIST_FREE(inwx_domain_list_free, struct inwx_domain_list, domain_release)
LIST_FREE(inwx_contact_list_free, struct inwx_contact_list, contact_release)
LIST_FREE(inwx_rule_list_free, struct inwx_rule_list, rule_release)

bool inwx_rules_auth_code_needed(const struct inwx_rule_list *l, const char *tld)
{
	bool needed = true;

	for (size_t i = 0; l && i < l->n; i++)
		if (l->v[i].tld && l->v[i].auth_code && strcmp(l->v[i].tld, tld) == 0)
			needed = strcmp(l->v[i].auth_code, "NO") != 0;
	return needed;
}

void inwx_zone_info_free(struct inwx_zone_info *z)
{
	if (z == NULL)
		return;
	free(z->domain);
	free(z->type);
	for (size_t i = 0; i < z->n_records; i++)
		record_release(&z->records[i]);
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
	domain_release(d);
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
	case INWX_K_RULES:
		inwx_rule_list_free(res);
		break;
	}
}

/* ---------- result codes ---------- */

enum inwx_status inwx_status_of(int code)
{
	if (code >= 1000 && code < 2000)
		return INWX_OK;
	switch (code) {
	case 2002:
		return INWX_E_USAGE;
	case 2003:
	case 2004:
	case 2005:
		return INWX_E_PARAM;
	case 2200:
	case 2201:
		return INWX_E_AUTH;
	case 2302:
		return INWX_E_EXISTS;
	case 2303:
		return INWX_E_NOT_FOUND;
	case 2308:
		return INWX_E_POLICY;
	case 2400:
		return INWX_E_TRANSIENT;
	case 2500:
		return INWX_E_SESSION;
	default:
		return INWX_E_OTHER;
	}
}

enum vrs_errcode inwx_errcode(enum inwx_status s)
{
	switch (s) {
	case INWX_OK:
		return VRS_E_FAILED;
	case INWX_E_EXISTS:
		return VRS_E_EXISTS;
	case INWX_E_NOT_FOUND:
		return VRS_E_NOT_FOUND;
	case INWX_E_USAGE:
	case INWX_E_AUTH:
		return VRS_E_AUTH;
	case INWX_E_TRANSIENT:
	case INWX_E_SESSION:
		return VRS_E_TRANSIENT;
	case INWX_E_PARAM:
	case INWX_E_POLICY:
	case INWX_E_OTHER:
		break;
	}
	return VRS_E_REMOTE;
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
	err->code = inwx_errcode(inwx_status_of(code));
	err->remote_code = code;
	err->transient = err->code == VRS_E_TRANSIENT;
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

/* a price the engine can turn into int cents: 0 <= price < 1e7, else def
 * (NaN, 1e999 or a negative price from a hostile answer is not a price) */
static double price_num(const cJSON *o, const char *key, double def)
{
	double d = pj_num(o, key, def);

	return d >= 0 && d < 1e7 ? d : def;
}

static void check_fill(const cJSON *j, void *p)
{
	struct inwx_check *c = p;
	const cJSON *prem = cJSON_GetObjectItemCaseSensitive(j, "premium");

	c->domain = pj_str(j, "domain");
	c->status = pj_str(j, "status");
	c->avail = (int)pj_int(j, "avail", -1);
	c->price = price_num(j, "price", 0);
	c->currency = pj_str(j, "currency");
	c->premium = cJSON_IsObject(prem) || pj_bool(j, "premium", false);
	if (c->currency == NULL && cJSON_IsObject(prem))
		c->currency = pj_str(prem, "currency");
	/* premium.prices.{create,renew}.price: what INWX charges for a premium name */
	if (cJSON_IsObject(prem)) {
		const cJSON *pr = cJSON_GetObjectItemCaseSensitive(prem, "prices");
		const cJSON *cr = cJSON_GetObjectItemCaseSensitive(pr, "create");
		const cJSON *rn = cJSON_GetObjectItemCaseSensitive(pr, "renew");
		c->premium_create = cJSON_IsObject(cr) ? price_num(cr, "price", -1) : -1;
		c->premium_renew = cJSON_IsObject(rn) ? price_num(rn, "price", -1) : -1;
	} else {
		c->premium_create = c->premium_renew = -1;
	}
}

static void price_fill(const cJSON *j, void *p)
{
	struct inwx_price *x = p;

	x->tld = pj_str(j, "tld");
	x->currency = pj_str(j, "currency");
	x->create_price = price_num(j, "createPrice", 0);
	x->renewal_price = price_num(j, "renewalPrice", 0);
	x->transfer_price = price_num(j, "transferPrice", 0);
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

static void rule_fill(const cJSON *j, void *p)
{
	struct inwx_rule *r = p;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "tld");
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "authCode");

	r->tld = cJSON_IsString(t) ? strdup(t->valuestring) : NULL;
	r->auth_code = cJSON_IsString(a) ? strdup(a->valuestring) : NULL;
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
	/* never smaller than the view through anylist (lists without a count are; fuzz_inwx) */
	struct anylist *l = calloc(1, lsz > sizeof(struct anylist) ? lsz : sizeof(struct anylist));

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
void *inwx_parse_resp(enum inwx_kind kind, const cJSON *resp, bool *ok)
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
			o->price = price_num(rd, "price", 0);
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
	case INWX_K_RULES: {
		void *l = make_list(rd, "rules", sizeof(struct inwx_rule_list),
				    sizeof(struct inwx_rule), rule_fill, false);
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
	*out = inwx_parse_resp(kind, j, &ok);
	cJSON_Delete(j);
	if (!ok)
		return err_set(err, "unexpected response shape");
	return 0;
}
