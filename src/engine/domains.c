/*
 * domains.c — buying and moving domains at INWX: registration and transfer.
 *
 * This is where vrsctl spends money and touches ownership, so each step is
 * checked first and journaled:
 *   - the domain is looked up in the account before anything is bought, so
 *     a crash between domain.create and its journal completion never leads
 *     to a second purchase;
 *   - a registration needs --approve-costs, or a max_price_cents in the
 *     spec that covers the price INWX quotes now; a domain that is taken or
 *     dearer than the cap is an error for its project only;
 *   - a transfer's auth code is read from its reference at the moment of
 *     the call and goes nowhere else (the HTTP trace masks it);
 *   - INWX answers 1001 (pending): the project waits in pending_domain and
 *     later runs poll domain.info until the domain is OK (then its zone is
 *     created if missing and provisioning goes on) or the transfer failed.
 * Registrations and transfers are never undone by vrsctl.
 */
#include "engine/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct dom_job {
	const struct m_domain *want, *rec;
	const char *fqdn;
	long long price_cents, renewal_cents;
	long long check_cents; /* domain.check's regular price: when getPrices has no row */
	bool premium;
	bool transfer;
	long long ro_id;
	long long expires_at;
};

static struct dom_job *dj_of(struct job *j)
{
	return j->ctx;
}

static void dj_free(struct job *j)
{
	free(j->ctx);
	j->ctx = NULL;
}

static const char *tld_of(const char *fqdn)
{
	const char *dot = strrchr(fqdn, '.');
	return dot ? dot + 1 : fqdn;
}

static long long euros_to_cents(double eur)
{
	return (long long)(eur * 100.0 + 0.5);
}

/* contact handles of the Registrar document, as INWX ids */
static long long handle(const char *s)
{
	return s ? atoll(s) : 0;
}

static void fail(struct job *j, const char *msg)
{
	dj_free(j);
	job_fail(j->eng, j, msg);
}

/* ---- recording ------------------------------------------------------------------ */

struct dom_rec {
	struct job *j;
	enum m_domain_status status;
	const char *log_action;
	const char *message;
	enum state_journal_result jr;
};

static int dom_rec_tx(struct run *eng, void *arg, struct vrs_err *err)
{
	struct dom_rec *r = arg;
	struct job *j = r->j;
	struct dom_job *d = dj_of(j);
	char ext[32];

	snprintf(ext, sizeof(ext), "%lld", d->ro_id);
	if (state_domain_set_status(eng->st, d->fqdn, r->status, err) < 0)
		return -1;
	if (d->ro_id && state_domain_set_inwx_id(eng->st, d->fqdn, d->ro_id, err) < 0)
		return -1;
	if ((d->price_cents >= 0 || d->renewal_cents >= 0) &&
	    state_domain_set_costs(eng->st, d->fqdn, (int)d->price_cents, (int)d->renewal_cents,
				   err) < 0)
		return -1;
	if (d->expires_at && state_domain_set_expiry(eng->st, d->fqdn, d->expires_at, err) < 0)
		return -1;
	if (j->journal_id && state_journal_close(eng->st, j->journal_id, r->jr,
						 d->ro_id ? ext : NULL, NULL, err) < 0)
		return -1;
	j->journal_id = 0;
	if (r->log_action && engine_log(eng, j->p->slug, r->log_action, NULL, NULL, r->message,
					NULL, d->ro_id ? ext : NULL, "inwx", err) < 0)
		return -1;
	if (r->status == DS_PENDING_REGISTRATION || r->status == DS_PENDING_TRANSFER)
		return engine_set_status(eng, j->p, PS_PENDING_DOMAIN, NULL, err);
	return 0;
}

/* record the domain's state; pending -> the project waits, else the job is done */
static void record(struct job *j, enum m_domain_status status, const char *log_action,
		   const char *message, enum state_journal_result jr)
{
	struct dom_rec r = {j, status, log_action, message, jr};
	struct vrs_err err;
	bool pending = status == DS_PENDING_REGISTRATION || status == DS_PENDING_TRANSFER;
	char what[300];

	err_clear(&err);
	if (engine_tx(j->eng, dom_rec_tx, &r, &err) < 0) {
		fail(j, err.msg);
		return;
	}
	snprintf(what, sizeof(what), "%s %s", dj_of(j)->fqdn,
		 pending ? (dj_of(j)->transfer ? "transfer pending" : "registration pending")
			 : "domain active");
	dj_free(j);
	if (pending)
		job_defer(j->eng, j, what);
	else
		job_done(j->eng, j, what);
}

/* ---- the zone of a domain that just became ours ------------------------------------ */

static void on_zone_created(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;

	if (rc < 0 && err->code != VRS_E_EXISTS) {
		fail(j, err->msg);
		return;
	}
	if (res)
		inwx_created_free(res);
	record(j, DS_PENDING_DNS, "domain_active", "zone created", SJ_OK);
}

static void on_zone_info(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	const struct m_registrar *reg = &j->eng->desired->registrar;
	struct vrs_err e2;

	if (rc == 0) {
		inwx_zone_info_free(res);
		record(j, DS_PENDING_DNS, "domain_active", NULL, SJ_OK);
		return;
	}
	if (err->code != VRS_E_NOT_FOUND) {
		fail(j, err->msg);
		return;
	}
	err_clear(&e2);
	if (inwx_zone_create_async(j->eng->pv->inwx, dj_of(j)->fqdn, "MASTER",
				   (const char *const *)reg->nameservers, reg->nnameservers,
				   on_zone_created, j, &e2) < 0)
		fail(j, e2.msg);
}

static void domain_now_ours(struct job *j)
{
	struct vrs_err err;

	err_clear(&err);
	if (inwx_zone_info_async(j->eng->pv->inwx, dj_of(j)->fqdn, NULL, on_zone_info, j, &err) < 0)
		fail(j, err.msg);
}

/* ---- polling a pending order --------------------------------------------------------- */

static bool status_ok(const char *s)
{
	return s && strcmp(s, "OK") == 0;
}

static void on_poll(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct dom_job *d = dj_of(j);
	struct inwx_domain *info = res;

	if (rc < 0) {
		char msg[1200];
		/* "does not exist" on a pending transfer: INWX dropped it; its reason says why */
		snprintf(msg, sizeof(msg), "%s of %s failed: %s",
			 d->transfer ? "transfer" : "registration", d->fqdn, err->msg);
		fail(j, err->transient ? err->msg : msg);
		return;
	}
	d->ro_id = info->ro_id ? info->ro_id : d->ro_id;
	d->expires_at = info->ex_date;
	if (status_ok(info->status)) {
		inwx_domain_free(info);
		domain_now_ours(j);
		return;
	}
	inwx_domain_free(info);
	record(j, d->transfer ? DS_PENDING_TRANSFER : DS_PENDING_REGISTRATION, NULL, NULL, SJ_OK);
}

/* ---- ordering -------------------------------------------------------------------------- */

static void on_landed(void *ud, int rc, void *res, struct vrs_err *err);

static void on_ordered(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct dom_job *d = dj_of(j);
	struct inwx_order *o = res;
	char msg[256], price[32];

	if (rc < 0) {
		char m[1200];
		struct vrs_err e2;
		err_clear(&e2);
		/* the session ended with the order: did it land? look before ordering again */
		if (err->code == VRS_E_TRANSIENT && err->remote_code &&
		    inwx_domain_info_async(j->eng->pv->inwx, d->fqdn, on_landed, j, &e2) == 0)
			return;
		snprintf(m, sizeof(m), "%s of %s: %s", d->transfer ? "transfer" : "registration",
			 d->fqdn, err->msg);
		fail(j, m);
		return;
	}
	d->ro_id = o->ro_id;
	if (o->price > 0)
		d->price_cents = euros_to_cents(o->price);
	snprintf(msg, sizeof(msg), "%s at INWX%s%s",
		 d->transfer ? "transfer ordered" : "registered",
		 d->price_cents >= 0 ? " for " : "",
		 d->price_cents >= 0 ? cents_display(d->price_cents, price, sizeof(price)) : "");
	if (o->code == 1000) {
		inwx_order_free(o);
		engine_log(j->eng, j->p->slug,
			   d->transfer ? "domain_transferred" : "domain_registered", NULL, NULL,
			   msg, NULL, NULL, "inwx", NULL);
		domain_now_ours(j);
		return;
	}
	inwx_order_free(o);
	record(j, d->transfer ? DS_PENDING_TRANSFER : DS_PENDING_REGISTRATION,
	       d->transfer ? "domain_transfer_started" : "domain_registration_started", msg, SJ_OK);
}

static void order(struct job *j, const char *auth_code)
{
	struct run *eng = j->eng;
	struct dom_job *d = dj_of(j);
	const struct m_registrar *reg = &eng->desired->registrar;
	char period[16], summary[64];
	struct inwx_domain_input in = {0};
	struct vrs_err err;
	int rc;

	err_clear(&err);
	snprintf(period, sizeof(period), "%dY", reg->period_years > 0 ? reg->period_years : 1);
	in.domain = d->fqdn;
	in.period = d->transfer ? NULL : period;
	in.auth_code = auth_code;
	in.registrant = handle(reg->registrant);
	in.admin = handle(reg->admin);
	in.tech = handle(reg->tech);
	in.billing = handle(reg->billing);
	in.ns = (const char *const *)reg->nameservers;
	in.n_ns = reg->nnameservers;
	in.renewal_mode = reg->renewal_mode;
	in.transfer_lock = -1;
	snprintf(summary, sizeof(summary), "%s %s", d->transfer ? "transfer" : "register", d->fqdn);
	/* committed before the order: a crash after it is found by the lookup first */
	if (engine_journal_open(eng, j, d->fqdn, summary, &err) < 0) {
		fail(j, err.msg);
		return;
	}
	rc = d->transfer ? inwx_domain_transfer_async(eng->pv->inwx, &in, on_ordered, j, &err)
			 : inwx_domain_create_async(eng->pv->inwx, &in, on_ordered, j, &err);
	if (rc < 0)
		fail(j, err.msg);
}

/* transfers: the TLD's rules say whether an auth code is needed */
static void on_rules(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct dom_job *d = dj_of(j);
	struct inwx_rule_list *r = res;
	bool needed;
	char *code = NULL;
	struct vrs_err e2;

	if (rc < 0) {
		fail(j, err->msg);
		return;
	}
	needed = inwx_rules_auth_code_needed(r, tld_of(d->fqdn));
	inwx_rule_list_free(r);
	err_clear(&e2);
	if (needed) {
		const struct m_domain *w = d->want;
		if (w == NULL || w->auth_code_ref == NULL) {
			fail(j, "the TLD needs an auth code; give auth_code: {from_env|from_file}");
			return;
		}
		if ((w->auth_code_kind == VK_FROM_FILE
			 ? secret_read_file(w->auth_code_ref, &code, &e2)
			 : secret_get_env(w->auth_code_ref, &code, &e2)) < 0 ||
		    code == NULL) {
			char msg[600];
			snprintf(msg, sizeof(msg), "auth code of %s: %s", d->fqdn,
				 e2.msg[0] ? e2.msg : "its reference is not set");
			secret_free(code);
			fail(j, msg);
			return;
		}
		/* the trace masks it; it lives only until the request is copied */
		http_pool_add_secret(j->eng->pv->pool, code);
	}
	order(j, code);
	secret_free(code);
}

static int waiting_tx(struct run *eng, void *arg, struct vrs_err *err)
{
	struct job *j = arg;

	if (engine_log(eng, j->p->slug, "purchase_skipped", NULL, NULL,
		       "needs apply --approve-costs or max_price_cents", NULL, NULL, "inwx",
		       err) < 0)
		return -1;
	return engine_set_status(eng, j->p, PS_PENDING_DOMAIN, NULL, err);
}

static void on_priced(void *ud, int rc, void *res, struct vrs_err *err);
static void decide(struct job *j);

/*
 * The price compared with max_price_cents is the one INWX will charge: a
 * premium name's premium.prices.create.price (domain.check with wide),
 * else the TLD's list price (domain.getPrices).
 */
static void on_checked(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct run *eng = j->eng;
	struct dom_job *d = dj_of(j);
	struct inwx_check_list *l = res;
	const struct inwx_check *c = NULL;
	char msg[400];

	if (rc < 0) {
		fail(j, err->msg);
		return;
	}
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].domain && strcmp(l->v[i].domain, d->fqdn) == 0)
			c = &l->v[i];
	if (c == NULL || c->avail != 1) {
		snprintf(msg, sizeof(msg), "%s is not available for registration%s%s%s", d->fqdn,
			 c && c->status ? " (" : "", c && c->status ? c->status : "",
			 c && c->status ? ")" : "");
		inwx_check_list_free(l);
		fail(j, msg);
		return;
	}
	d->check_cents = c->price > 0 ? euros_to_cents(c->price) : -1;
	if (c->premium) {
		/* a premium name costs its own price; unknown, it is never under a cap */
		d->premium = true;
		d->price_cents = c->premium_create > 0 ? euros_to_cents(c->premium_create) : -1;
		d->renewal_cents = c->premium_renew > 0 ? euros_to_cents(c->premium_renew) : -1;
		inwx_check_list_free(l);
		decide(j);
		return;
	}
	inwx_check_list_free(l);
	{
		/* else the list price of its TLD */
		const char *tld = tld_of(d->fqdn);
		struct vrs_err e2;
		err_clear(&e2);
		if (inwx_domain_prices_async(eng->pv->inwx, &tld, 1, on_priced, j, &e2) < 0)
			fail(j, e2.msg);
	}
}

static void on_priced(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct dom_job *d = dj_of(j);
	struct inwx_price_list *l = res;

	if (rc < 0) {
		fail(j, err->msg);
		return;
	}
	d->price_cents = d->check_cents;
	for (size_t i = 0; i < l->n; i++) {
		const struct inwx_price *pr = &l->v[i];
		if (pr->tld == NULL || strcmp(pr->tld, tld_of(d->fqdn)) != 0)
			continue;
		if (pr->create_price > 0)
			d->price_cents = euros_to_cents(pr->create_price);
		if (pr->renewal_price > 0)
			d->renewal_cents = euros_to_cents(pr->renewal_price);
	}
	inwx_price_list_free(l);
	decide(j);
}

/* the price INWX will charge is known: under the cap, approved, or not bought */
static void decide(struct job *j)
{
	struct run *eng = j->eng;
	struct dom_job *d = dj_of(j);
	char msg[400], a[32], b[32];

	if (d->want && d->want->max_price_cents >= 0) {
		if (d->price_cents < 0 || d->price_cents > d->want->max_price_cents) {
			snprintf(msg, sizeof(msg),
				 "%s costs %s%s, above max_price_cents %s; nothing was bought",
				 d->fqdn, d->premium ? "(premium) " : "",
				 d->price_cents < 0 ? "an unknown price"
						    : cents_display(d->price_cents, a, sizeof(a)),
				 cents_display(d->want->max_price_cents, b, sizeof(b)));
			fail(j, msg);
			return;
		}
	} else if (!eng->o->approve_costs) {
		snprintf(msg, sizeof(msg),
			 "purchase of %s for %s skipped: apply with --approve-costs, or set "
			 "max_price_cents",
			 d->fqdn,
			 d->price_cents < 0 ? "an unknown price"
					    : cents_display(d->price_cents, a, sizeof(a)));
		eng->stats.purchases_skipped++;
		dj_free(j);
		{
			struct vrs_err e2;
			err_clear(&e2);
			/* the project waits for the approval, as it waits for INWX */
			if (engine_tx(eng, waiting_tx, j, &e2) < 0) {
				job_fail(eng, j, e2.msg);
				return;
			}
		}
		job_defer(eng, j, msg);
		return;
	}
	order(j, NULL);
}

/* the domain is in the account already: record it, buy nothing */
static void adopt_found(struct job *j, struct inwx_domain *info)
{
	struct dom_job *d = dj_of(j);

	d->ro_id = info->ro_id;
	d->expires_at = info->ex_date;
	engine_log(j->eng, j->p->slug, "adopted", NULL, NULL,
		   "the domain is already in the INWX account; nothing bought", NULL, NULL, "inwx",
		   NULL);
	if (status_ok(info->status)) {
		inwx_domain_free(info);
		domain_now_ours(j);
	} else {
		inwx_domain_free(info);
		record(j, d->transfer ? DS_PENDING_TRANSFER : DS_PENDING_REGISTRATION, NULL, NULL,
		       SJ_ADOPTED);
	}
}

/* the session ended with the order: it is adopted if it landed, else ordered next run */
static void on_landed(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct dom_job *d = dj_of(j);
	char m[600];

	if (rc == 0) {
		adopt_found(j, res);
		return;
	}
	snprintf(m, sizeof(m),
		 "%s of %s: the INWX session ended with the order and it did not land%s%s%s; "
		 "the next run orders it again",
		 d->transfer ? "transfer" : "registration", d->fqdn,
		 err->code == VRS_E_NOT_FOUND ? "" : " (lookup: ",
		 err->code == VRS_E_NOT_FOUND ? "" : err->msg,
		 err->code == VRS_E_NOT_FOUND ? "" : ")");
	fail(j, m);
}

/* before buying: is it already ours (an earlier run, or a crash after the order)? */
static void on_lookup(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct dom_job *d = dj_of(j);
	struct inwx_domain *info = res;
	struct vrs_err e2;

	err_clear(&e2);
	if (rc == 0) {
		adopt_found(j, info);
		return;
	}
	if (err->code != VRS_E_NOT_FOUND) {
		fail(j, err->msg);
		return;
	}
	if (d->transfer) {
		if (inwx_domain_rules_async(j->eng->pv->inwx, on_rules, j, &e2) < 0)
			fail(j, e2.msg[0] ? e2.msg : "out of memory");
		return;
	}
	{
		const char *one = d->fqdn;
		if (inwx_domain_check_async(j->eng->pv->inwx, &one, 1, on_checked, j, &e2) < 0)
			fail(j, e2.msg);
	}
}

static void domains_start(struct run *eng, struct job *j)
{
	struct dom_job *d = calloc(1, sizeof(*d));
	struct vrs_err err;
	int rc;

	err_clear(&err);
	if (d == NULL) {
		job_fail(eng, j, "out of memory");
		return;
	}
	j->ctx = d;
	d->fqdn = j->a->key;
	d->want = project_domain(j->p->want, d->fqdn);
	d->rec = project_domain(j->p->rec, d->fqdn);
	d->transfer = j->a->op == OP_TRANSFER || (d->want && d->want->type == DT_TRANSFERRED) ||
		      (d->rec && d->rec->type == DT_TRANSFERRED);
	d->price_cents = d->renewal_cents = -1;
	/* ordered before (INWX gave it an id): ask how it is going; else look before buying */
	if (d->rec && d->rec->inwx_domain_id)
		rc = inwx_domain_info_async(eng->pv->inwx, d->fqdn, on_poll, j, &err);
	else
		rc = inwx_domain_info_async(eng->pv->inwx, d->fqdn, on_lookup, j, &err);
	if (rc < 0)
		fail(j, err.msg);
}

const struct executor domains_executor = {"inwx domains", domains_start, NULL, NULL};
