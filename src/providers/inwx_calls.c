/*
 * inwx_calls.c — the INWX methods: parameters for each DomRobot call, queued
 * through the session in inwx.c, and the blocking forms the engine uses
 * (see inwx.h).
 */
#include "providers/inwx_int.h"

#include <stdlib.h>
#include <string.h>

int inwx_call_async(struct inwx *w, const char *method, cJSON *params, inwx_cb cb, void *ud,
		    struct vrs_err *err)
{
	return inwx_submit(w, method, params, INWX_K_RAW, NULL, true, cb, ud, err);
}

int inwx_login_async(struct inwx *w, inwx_cb cb, void *ud, struct vrs_err *err)
{
	/* logging in happens before any call; account.info then confirms the session */
	return inwx_submit(w, "account.info", NULL, INWX_K_ACCOUNT, NULL, true, cb, ud, err);
}

int inwx_logout_async(struct inwx *w, inwx_cb cb, void *ud, struct vrs_err *err)
{
	return inwx_submit(w, "account.logout", NULL, INWX_K_NONE, NULL, true, cb, ud, err);
}

int inwx_info_async(struct inwx *w, inwx_cb cb, void *ud, struct vrs_err *err)
{
	return inwx_submit(w, "account.info", NULL, INWX_K_ACCOUNT, NULL, true, cb, ud, err);
}

int inwx_zones_list_async(struct inwx *w, const char *filter, inwx_cb cb, void *ud,
			  struct vrs_err *err)
{
	cJSON *p = cJSON_CreateObject();

	if (filter)
		cJSON_AddStringToObject(p, "domain", filter);
	return inwx_submit(w, "nameserver.list", p, INWX_K_ZONES, "domains", true, cb, ud, err);
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
	return inwx_submit(w, "nameserver.create", p, INWX_K_CREATED, NULL, true, cb, ud, err);
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
	return inwx_submit(w, "nameserver.info", p, INWX_K_ZONE_INFO, NULL, true, cb, ud, err);
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
	return inwx_submit(w, "nameserver.createRecord", p, INWX_K_CREATED, NULL, true, cb, ud,
			   err);
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
	return inwx_submit(w, "nameserver.updateRecord", p, INWX_K_NONE, NULL, true, cb, ud, err);
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
	return inwx_submit(w, "nameserver.deleteRecord", p, INWX_K_NONE, NULL, true, cb, ud, err);
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
	/* wide: premium names then carry their own prices (premium.prices.create.price) */
	cJSON_AddNumberToObject(p, "wide", 2);
	return inwx_submit(w, "domain.check", p, INWX_K_CHECKS, NULL, true, cb, ud, err);
}

int inwx_domain_prices_async(struct inwx *w, const char *const *tlds, size_t n, inwx_cb cb,
			     void *ud, struct vrs_err *err)
{
	cJSON *p = cJSON_CreateObject();

	if (n > 0)
		cJSON_AddItemToObject(p, "tld", str_array(tlds, n));
	cJSON_AddBoolToObject(p, "vat", false);
	return inwx_submit(w, "domain.getPrices", p, INWX_K_PRICES, NULL, true, cb, ud, err);
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
	return inwx_submit(w, "domain.create", domain_params(in, false), INWX_K_ORDER, NULL, false,
			   cb, ud, err);
}

int inwx_domain_transfer_async(struct inwx *w, const struct inwx_domain_input *in, inwx_cb cb,
			       void *ud, struct vrs_err *err)
{
	if (in->domain == NULL)
		return err_set(err, "inwx: domain.transfer: domain is required");
	return inwx_submit(w, "domain.transfer", domain_params(in, true), INWX_K_ORDER, NULL, false,
			   cb, ud, err);
}

int inwx_domain_rules_async(struct inwx *w, inwx_cb cb, void *ud, struct vrs_err *err)
{
	return inwx_submit(w, "domain.getRules", NULL, INWX_K_RULES, NULL, true, cb, ud, err);
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
	return inwx_submit(w, "domain.info", p, INWX_K_DOMAIN, NULL, true, cb, ud, err);
}

int inwx_domains_list_async(struct inwx *w, inwx_cb cb, void *ud, struct vrs_err *err)
{
	return inwx_submit(w, "domain.list", NULL, INWX_K_DOMAINS, "domain", true, cb, ud, err);
}

int inwx_contacts_list_async(struct inwx *w, const char *search, inwx_cb cb, void *ud,
			     struct vrs_err *err)
{
	cJSON *p = cJSON_CreateObject();

	if (search)
		cJSON_AddStringToObject(p, "search", search);
	return inwx_submit(w, "contact.list", p, INWX_K_CONTACTS, "contact", true, cb, ud, err);
}

/* ---------- blocking ---------- */

int inwx_wait(struct inwx *w, int rc, struct http_waiter *wt, void **out, struct vrs_err *err)
{
	if (rc < 0 || http_waiter_wait(inwx_pool(w), wt, err) < 0)
		return -1;
	if (out) /* NULL only for calls without a result (logout) */
		*out = wt->res;
	return 0;
}

/* out may be NULL: the result is freed */
#define BLOCK(KIND, OUT, CALL)                                                                     \
	struct http_waiter w_;                                                                     \
	void *r_ = NULL;                                                                           \
	memset(&w_, 0, sizeof(w_));                                                                \
	if (inwx_wait(w, (CALL), &w_, &r_, err) < 0)                                               \
		return -1;                                                                         \
	if (OUT)                                                                                   \
		*(OUT) = r_;                                                                       \
	else                                                                                       \
		inwx_result_free(KIND, r_);                                                        \
	return 0

int inwx_zone_info(struct inwx *w, const char *domain, const struct inwx_record_filter *f,
		   struct inwx_zone_info **out, struct vrs_err *err)
{
	BLOCK(INWX_K_ZONE_INFO, out, inwx_zone_info_async(w, domain, f, http_waiter_cb, &w_, err));
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
int inwx_domain_rules(struct inwx *w, struct inwx_rule_list **out, struct vrs_err *err)
{
	BLOCK(INWX_K_RULES, out, inwx_domain_rules_async(w, http_waiter_cb, &w_, err));
}
int inwx_domains_list(struct inwx *w, struct inwx_domain_list **out, struct vrs_err *err)
{
	BLOCK(INWX_K_DOMAINS, out, inwx_domains_list_async(w, http_waiter_cb, &w_, err));
}
