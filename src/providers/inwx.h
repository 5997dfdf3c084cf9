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
 * most twice per call) — except domain.create, domain.transfer and
 * nameserver.createRecord, which may have landed: those fail with
 * VRS_E_TRANSIENT (err.transient) and the caller looks them up before
 * sending them again. 2400 is transient: http retries it with backoff.
 * A failed login (2200/2002/2005) is sticky: later calls fail at once.
 *
 * Result codes 1000/1001/1500 are success; others give errors like
 * "inwx: nameserver.createRecord: 2302 Object exists (Record already exists)"
 * with err.code set from enum inwx_status (VRS_E_EXISTS here; err.transient
 * for 2400/2500) and the number in err.remote_code.
 * Numbers may arrive as strings and vice versa; record ids are strings.
 *
 * As in coolify.h: inwx_X_async(..., cb, ud, &err) queues (cb(ud, rc, result,
 * err), result owned by the callback; NULL for calls without a result), and
 * inwx_wait blocks on any of them.
 *
 * inwx_free drops queued calls without callbacks; call it when no INWX request
 * is in flight (after http_pool_run) or after http_pool_free.
 */
#ifndef VRS_INWX_H
#define VRS_INWX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "providers/http.h"
#include "util/err.h"

struct inwx;

/*
 * What an INWX result code means (contracts/inwx-api.md §2). The client sets
 * err.code from it (inwx_errcode): callers decide by err.code, never by the
 * number, which stays in err.remote_code for messages only.
 */
enum inwx_status {
	INWX_OK = 0,	  /* 1000..1999: done (1001 pending, 1500 logged out) */
	INWX_E_USAGE,	  /* 2002: command use error (not logged in, 2FA locked) */
	INWX_E_PARAM,	  /* 2003..2005: parameter missing, out of range, bad syntax */
	INWX_E_AUTH,	  /* 2200 authentication / 2201 authorization error */
	INWX_E_EXISTS,	  /* 2302: object exists */
	INWX_E_NOT_FOUND, /* 2303: object does not exist */
	INWX_E_POLICY,	  /* 2308: data management policy violation */
	INWX_E_TRANSIENT, /* 2400: command failed (seen under write bursts): retry */
	INWX_E_SESSION,	  /* 2500: server closing connection: log in again */
	INWX_E_OTHER,	  /* any other code >= 2000 */
};
enum inwx_status inwx_status_of(int code);
/* VRS_E_EXISTS, VRS_E_NOT_FOUND, VRS_E_AUTH, VRS_E_TRANSIENT or VRS_E_REMOTE */
enum vrs_errcode inwx_errcode(enum inwx_status s);

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
	int avail;    /* 1 free, 0 taken, -1 unknown */
	double price; /* the regular price; a premium name costs premium_create */
	char *currency;
	bool premium;
	double premium_create, premium_renew; /* premium.prices.*.price; -1 when absent */
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
/* domain.getRules: per TLD, whether a transfer needs an auth code */
struct inwx_rule {
	char *tld;
	char *auth_code; /* "NO", "YES", …; NULL when absent */
};
struct inwx_rule_list {
	struct inwx_rule *v;
	size_t n;
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
void inwx_rule_list_free(struct inwx_rule_list *l);
/* does a transfer into `tld` need an auth code? yes unless its rule says "NO" */
bool inwx_rules_auth_code_needed(const struct inwx_rule_list *l, const char *tld);

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
int inwx_login_async(struct inwx *w, inwx_cb cb, void *ud, struct vrs_err *err);  /* account */
int inwx_logout_async(struct inwx *w, inwx_cb cb, void *ud, struct vrs_err *err); /* NULL */
/*
 * The end of a command (apply, watch's exit): an open session is logged out
 * (account.logout), waiting at most timeout_ms for the answer. Calls still
 * queued are forgotten without callbacks, so the caller first drops the
 * pool's requests (http_pool_drop). 0 also when there was no session.
 */
int inwx_end_session(struct inwx *w, int timeout_ms, struct vrs_err *err);
int inwx_info_async(struct inwx *w, inwx_cb cb, void *ud, struct vrs_err *err); /* account */
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
int inwx_domain_rules_async(struct inwx *w, inwx_cb cb, void *ud,
			    struct vrs_err *err); /* rule_list */
int inwx_domain_info_async(struct inwx *w, const char *domain, inwx_cb cb, void *ud,
			   struct vrs_err *err); /* domain */
int inwx_domains_list_async(struct inwx *w, inwx_cb cb, void *ud,
			    struct vrs_err *err); /* domain_list, all pages */
int inwx_contacts_list_async(struct inwx *w, const char *search, inwx_cb cb, void *ud,
			     struct vrs_err *err); /* contact_list, all pages */

/*
 * Blocking: inwx_wait drives the pool until the async call that returned rc
 * (queued with http_waiter_cb and the zeroed waiter wt) is done; 0 with
 * *out = its result (NULL for calls without one), -1 with err. The forms
 * below (out may be NULL: the result is freed) are the ones refresh and
 * import use; the unit tests have the others
 * (tests/unit/inwx_block.h). Never from inside a callback.
 */
int inwx_wait(struct inwx *w, int rc, struct http_waiter *wt, void **out, struct vrs_err *err);
int inwx_zone_info(struct inwx *w, const char *domain, const struct inwx_record_filter *f,
		   struct inwx_zone_info **out, struct vrs_err *err);
int inwx_domain_check(struct inwx *w, const char *const *domains, size_t n,
		      struct inwx_check_list **out, struct vrs_err *err);
int inwx_domain_prices(struct inwx *w, const char *const *tlds, size_t n,
		       struct inwx_price_list **out, struct vrs_err *err);
int inwx_domain_rules(struct inwx *w, struct inwx_rule_list **out, struct vrs_err *err);
int inwx_domains_list(struct inwx *w, struct inwx_domain_list **out, struct vrs_err *err);

#endif
