/*
 * inwx.h — typed client for the INWX DomRobot JSON-RPC API (contracts/inwx-api.md).
 *
 * struct inwx *w = inwx_new(pool, url, user, password, &opts, &err);
 * One session per client: calls are queued and sent one at a time (the http
 * service "inwx" is serialize=true as well). The first call logs in
 * (account.login, cookies replayed; account.unlock with a TOTP TAN when the
 * account has 2FA and opts.totp_secret is set; a TAN is never reused: a second
 * unlock waits for the next 30 s window). 2500, or 2200 on a session that was
 * good, drops the session: the client logs in again and resends the call (at
 * most twice per call). 2400 is transient: http retries it with backoff.
 * A failed login (2200/2002/2005) is sticky: later calls fail at once.
 *
 * Result codes 1000/1001/1500 are success; others give errors like
 * "inwx: nameserver.createRecord: 2302 Object exists (Record already exists)"
 * with err.remote_code set (and err.transient for 2400/2500).
 * Numbers may arrive as strings and vice versa; record ids are strings.
 *
 * As in coolify.h: inwx_X_async(..., cb, ud, &err) queues (cb(ud, rc, result,
 * err), result owned by the callback; NULL for calls without a result), and
 * inwx_X(..., &out, &err) blocks on the same code path.
 *
 * inwx_free drops queued calls without callbacks; call it when no INWX request
 * is in flight (after http_pool_run) or after http_pool_free.
 */
#ifndef VRS_INWX_H
#define VRS_INWX_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "providers/http.h"
#include "util/err.h"

struct inwx;

struct inwx_opts {
	const char *totp_secret; /* base32, for 2FA accounts; NULL = none */
	int page_size;		 /* list pagination; 0 = 100 */
	int timeout_ms;		 /* 0 = 30000 */
	int connect_timeout_ms;	 /* 0 = 10000 */
	size_t max_body;	 /* 0 = 8 MB */
	struct http_retry_cfg retry;
};

struct inwx_account {
	int64_t customer_id, account_id;
	char *username, *tfa; /* tfa "0" or "GOOGLE-AUTH" */
};
struct inwx_zone {
	int64_t ro_id;
	char *domain, *type;
};
struct inwx_zone_list {
	struct inwx_zone *v;
	size_t n;
	int64_t count;
};
struct inwx_record {
	char *id; /* always a string */
	char *name, *type, *content;
	int ttl, prio;
};
struct inwx_zone_info {
	int64_t ro_id;
	char *domain, *type;
	struct inwx_record *records; /* empty when nothing matches */
	size_t n_records;
};
struct inwx_created {
	char *id;      /* createRecord: record id as string */
	int64_t ro_id; /* nameserver.create: zone roId */
};
struct inwx_check {
	char *domain, *status;
	int avail; /* 1 free, 0 taken, -1 unknown */
	double price;
	char *currency;
	bool premium;
};
struct inwx_check_list {
	struct inwx_check *v;
	size_t n;
};
struct inwx_price {
	char *tld, *currency;
	double create_price, renewal_price, transfer_price;
	int create_period;
};
struct inwx_price_list {
	struct inwx_price *v;
	size_t n;
};
struct inwx_order {
	int code; /* 1000 done, 1001 pending */
	int64_t ro_id;
	double price;
	char *currency;
};
struct inwx_domain {
	int64_t ro_id;
	char *domain, *status, *renewal_mode, *auth_code;
	char **ns;
	size_t n_ns;
	int64_t cr_date, ex_date, up_date; /* unix seconds, 0 when absent */
	int64_t registrant, admin, tech, billing;
	bool transfer_lock;
};
struct inwx_domain_list {
	struct inwx_domain *v;
	size_t n;
	int64_t count;
};
struct inwx_contact {
	int64_t id, ro_id;
	char *type, *name, *org, *email, *cc;
};
struct inwx_contact_list {
	struct inwx_contact *v;
	size_t n;
	int64_t count;
};
/* raw call result */
struct inwx_response {
	int code;
	char *msg;
	cJSON *res_data; /* may be NULL */
};

void inwx_account_free(struct inwx_account *a);
void inwx_zone_list_free(struct inwx_zone_list *l);
void inwx_zone_info_free(struct inwx_zone_info *z);
void inwx_created_free(struct inwx_created *c);
void inwx_check_list_free(struct inwx_check_list *l);
void inwx_price_list_free(struct inwx_price_list *l);
void inwx_order_free(struct inwx_order *o);
void inwx_domain_free(struct inwx_domain *d);
void inwx_domain_list_free(struct inwx_domain_list *l);
void inwx_contact_list_free(struct inwx_contact_list *l);
void inwx_response_free(struct inwx_response *r);

/* inputs */
struct inwx_record_input {
	const char *domain; /* zone, or ro_id */
	int64_t ro_id;
	const char *name; /* FQDN without trailing dot recommended */
	const char *type, *content;
	int ttl;  /* 0 = 3600 */
	int prio; /* sent when > 0 */
	bool testing;
};
/* updateRecord: NULL / 0 = unchanged */
struct inwx_record_update {
	const char *name, *type, *content;
	int ttl, prio;
	bool set_prio; /* send prio even when 0 */
	bool testing;
};
struct inwx_record_filter {
	const char *type, *name, *content, *record_id; /* NULL = any */
};
struct inwx_domain_input {
	const char *domain;
	const char *period;			  /* "1Y"; create only */
	const char *auth_code;			  /* transfer only */
	int64_t registrant, admin, tech, billing; /* contact ids; 0 = omitted */
	const char *const *ns;
	size_t n_ns;
	const char *renewal_mode; /* AUTORENEW | AUTODELETE | AUTOEXPIRE | NULL */
	int transfer_lock;	  /* -1 omitted, 0, 1 */
	bool testing;
};

typedef void (*inwx_cb)(void *ud, int rc, void *result, struct vrs_err *err);

struct inwx *inwx_new(struct http_pool *pool, const char *url, const char *user,
		      const char *password, const struct inwx_opts *opts, struct vrs_err *err);
void inwx_free(struct inwx *w);
struct http_service *inwx_service(struct inwx *w);
bool inwx_logged_in(const struct inwx *w);

/* how the client's last login ended (vrsctl doctor), typed so callers need not read codes */
enum inwx_login_outcome {
	INWX_LOGIN_NONE,	    /* no login tried yet */
	INWX_LOGIN_OK,		    /* logged in, the account has no 2FA */
	INWX_LOGIN_OK_TFA,	    /* logged in and unlocked with a TOTP TAN */
	INWX_LOGIN_BAD_CREDENTIALS, /* account.login 2200: user or password wrong */
	INWX_LOGIN_REFUSED, /* account.login answered another error code (2005 INVALID_PASS...) */
	INWX_LOGIN_TFA_NO_SECRET, /* the account has 2FA and no TOTP secret is configured */
	INWX_LOGIN_TFA_REFUSED,	  /* account.unlock refused the TANs (wrong secret, clock), or the
				     secret is not base32 */
	INWX_LOGIN_NO_ANSWER,	  /* no answer, or a transient code (2400, 2500) */
};
enum inwx_login_outcome inwx_login_outcome(const struct inwx *w);

/* async (result type in the comment) */
int inwx_call_async(
    struct inwx *w, const char *method, cJSON *params, inwx_cb cb, void *ud,
    struct vrs_err *err); /* params consumed; inwx_response (also for codes >= 2000) */
int inwx_login_async(struct inwx *w, inwx_cb cb, void *ud, struct vrs_err *err);  /* account */
int inwx_logout_async(struct inwx *w, inwx_cb cb, void *ud, struct vrs_err *err); /* NULL */
int inwx_info_async(struct inwx *w, inwx_cb cb, void *ud, struct vrs_err *err);	  /* account */
int inwx_zones_list_async(struct inwx *w, const char *filter, inwx_cb cb, void *ud,
			  struct vrs_err *err); /* zone_list, all pages */
int inwx_zone_create_async(struct inwx *w, const char *domain, const char *type,
			   const char *const *ns, size_t n_ns, inwx_cb cb, void *ud,
			   struct vrs_err *err); /* created (ro_id) */
int inwx_zone_info_async(struct inwx *w, const char *domain, const struct inwx_record_filter *f,
			 inwx_cb cb, void *ud, struct vrs_err *err); /* zone_info */
int inwx_record_create_async(struct inwx *w, const struct inwx_record_input *in, inwx_cb cb,
			     void *ud, struct vrs_err *err); /* created (id) */
int inwx_record_update_async(struct inwx *w, const char *id, const struct inwx_record_update *in,
			     inwx_cb cb, void *ud, struct vrs_err *err); /* NULL */
int inwx_record_delete_async(struct inwx *w, const char *id, bool testing, inwx_cb cb, void *ud,
			     struct vrs_err *err); /* NULL */
int inwx_domain_check_async(struct inwx *w, const char *const *domains, size_t n, inwx_cb cb,
			    void *ud, struct vrs_err *err); /* check_list */
int inwx_domain_prices_async(struct inwx *w, const char *const *tlds, size_t n, inwx_cb cb,
			     void *ud, struct vrs_err *err); /* price_list */
int inwx_domain_create_async(struct inwx *w, const struct inwx_domain_input *in, inwx_cb cb,
			     void *ud, struct vrs_err *err); /* order; never auto-retried */
int inwx_domain_transfer_async(struct inwx *w, const struct inwx_domain_input *in, inwx_cb cb,
			       void *ud, struct vrs_err *err); /* order; never auto-retried */
int inwx_domain_info_async(struct inwx *w, const char *domain, inwx_cb cb, void *ud,
			   struct vrs_err *err); /* domain */
int inwx_domains_list_async(struct inwx *w, inwx_cb cb, void *ud,
			    struct vrs_err *err); /* domain_list, all pages */
int inwx_contacts_list_async(struct inwx *w, const char *search, inwx_cb cb, void *ud,
			     struct vrs_err *err); /* contact_list, all pages */

/* blocking */
int inwx_call(struct inwx *w, const char *method, cJSON *params, struct inwx_response **out,
	      struct vrs_err *err);
int inwx_login(struct inwx *w, struct inwx_account **out, struct vrs_err *err);
int inwx_logout(struct inwx *w, struct vrs_err *err);
int inwx_info(struct inwx *w, struct inwx_account **out, struct vrs_err *err);
int inwx_zones_list(struct inwx *w, const char *filter, struct inwx_zone_list **out,
		    struct vrs_err *err);
int inwx_zone_create(struct inwx *w, const char *domain, const char *type, const char *const *ns,
		     size_t n_ns, struct inwx_created **out, struct vrs_err *err);
int inwx_zone_info(struct inwx *w, const char *domain, const struct inwx_record_filter *f,
		   struct inwx_zone_info **out, struct vrs_err *err);
int inwx_record_create(struct inwx *w, const struct inwx_record_input *in,
		       struct inwx_created **out, struct vrs_err *err);
int inwx_record_update(struct inwx *w, const char *id, const struct inwx_record_update *in,
		       struct vrs_err *err);
int inwx_record_delete(struct inwx *w, const char *id, bool testing, struct vrs_err *err);
int inwx_domain_check(struct inwx *w, const char *const *domains, size_t n,
		      struct inwx_check_list **out, struct vrs_err *err);
int inwx_domain_prices(struct inwx *w, const char *const *tlds, size_t n,
		       struct inwx_price_list **out, struct vrs_err *err);
int inwx_domain_create(struct inwx *w, const struct inwx_domain_input *in, struct inwx_order **out,
		       struct vrs_err *err);
int inwx_domain_transfer(struct inwx *w, const struct inwx_domain_input *in,
			 struct inwx_order **out, struct vrs_err *err);
int inwx_domain_info(struct inwx *w, const char *domain, struct inwx_domain **out,
		     struct vrs_err *err);
int inwx_domains_list(struct inwx *w, struct inwx_domain_list **out, struct vrs_err *err);
int inwx_contacts_list(struct inwx *w, const char *search, struct inwx_contact_list **out,
		       struct vrs_err *err);

/* ---- pure parts, exposed for tests ---- */
enum inwx_kind {
	INWX_K_RAW,
	INWX_K_NONE,
	INWX_K_ACCOUNT,
	INWX_K_ZONES,
	INWX_K_ZONE_INFO,
	INWX_K_CREATED,
	INWX_K_CHECKS,
	INWX_K_PRICES,
	INWX_K_ORDER,
	INWX_K_DOMAIN,
	INWX_K_DOMAINS,
	INWX_K_CONTACTS,
};
/* check a parsed response's code: 0 for 1000..1999, else -1 with
 * "<method>: <code> <msg> (<reason>)" and remote_code/transient set */
int inwx_check_code(const cJSON *resp, const char *method, struct vrs_err *err);
/* parse a whole successful response body into the kind's struct */
int inwx_parse(enum inwx_kind kind, const char *body, void **out, struct vrs_err *err);
void inwx_result_free(enum inwx_kind kind, void *res);

#endif
