/*
 * domains.c — one project's domains: the local domain rows, purchases and
 * transfers at INWX, and the A/AAAA/www DNS records.
 */
#include "plan/plan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *rec_content(const struct m_server *s, const struct m_domain *d,
			       enum m_rec_kind k)
{
	if (k == MREC_WWW)
		return d->fqdn;
	if (s == NULL)
		return NULL;
	return k == MREC_A ? s->ip_address : s->ipv6_address;
}

static const char *registration_note(const struct m_domain *d)
{
	return d->type == DT_REGISTERED || d->type == DT_TRANSFERRED
		   ? "; the domain registration is kept (registrations are never deleted)"
		   : "";
}

static bool domain_pending(const struct m_domain *d)
{
	return d->status == DS_PENDING_REGISTRATION || d->status == DS_PENDING_TRANSFER;
}

/* what INWX offers for a domain (refresh only) */
static const struct o_offer *find_offer(const struct builder *b, const char *fqdn)
{
	for (size_t i = 0; b->o && i < b->o->noffers; i++)
		if (!b->o->offers[i].in_account && b->o->offers[i].domain &&
		    strcmp(b->o->offers[i].domain, fqdn) == 0)
			return &b->o->offers[i];
	return NULL;
}

/* delete the DNS records vrsctl created for a recorded domain */
void plan_delete_records(struct builder *b, const char *slug, const struct m_domain *rd,
			 struct m_pos src, const char *why, int after, struct ilist *out)
{
	char key[600];

	for (int k = MREC_A; k <= MREC_WWW; k++) {
		int i;
		if (domain_record_id(rd, (enum m_rec_kind)k) == NULL)
			continue;
		model_record_key(key, sizeof(key), (enum m_rec_kind)k, rd->fqdn);
		i = pb_act(b, OP_DELETE, RES_DNS_RECORD, key, slug, SVC_INWX, src);
		pb_chg(b, i, "zone", rd->zone ? rd->zone : domain_zone(rd), NULL);
		pb_reason(b, i, "%s%s%s", why, registration_note(rd), pb_destructive_note(b));
		pb_req(b, i, after);
		pb_ilist_add(b, out, i);
	}
}

/* a registered or transferred domain not bought yet, or with its order pending */
bool pctx_needs_registration(const struct pctx *c)
{
	for (size_t k = 0; k < c->nd; k++) {
		const struct m_domain *dd = &c->dp->domains[k],
				      *rd = project_domain(c->rp, dd->fqdn);
		if ((dd->type == DT_REGISTERED || dd->type == DT_TRANSFERRED) &&
		    (rd == NULL || rd->inwx_domain_id == 0 || domain_pending(rd)))
			return true;
	}
	return false;
}

/* the local domain rows: create, primary flag, delete the ones removed from the specs */
void plan_domain_rows(struct builder *b, struct pctx *c)
{
	const struct m_world *d = b->d;
	const struct m_project *dp = c->dp, *rp = c->rp;
	const char *slug = c->slug;
	struct m_pos src = c->src;
	size_t nd = c->nd;
	int i;

	for (size_t k = 0; k < nd; k++) {
		const struct m_domain *dd = &dp->domains[k], *rd = project_domain(rp, dd->fqdn);
		if (rd == NULL) {
			const struct m_base_domain *bd =
			    dd->base_domain ? world_base_domain(d, dd->base_domain) : NULL;
			i = c->a_pd[k] = pb_act(b, OP_CREATE, RES_PROJECT_DOMAIN, dd->fqdn, slug,
						SVC_LOCAL, dd->pos);
			pb_chg(b, i, "type", NULL, m_domain_type_name(dd->type));
			if (dd->type == DT_SUBDOMAIN) {
				pb_chg(b, i, "base_domain", NULL, dd->base_domain);
				pb_chg(b, i, "subdomain", NULL, dd->subdomain);
			}
			if (dd->primary)
				pb_chg(b, i, "primary", NULL, "true");
			pb_req(b, i, c->a_proj);
			if (bd)
				pb_req(b, i, b->bd_act[bd - d->base_domains]);
		} else if (rd->primary != dd->primary) {
			i = c->a_pd[k] = pb_act(b, OP_UPDATE, RES_PROJECT_DOMAIN, dd->fqdn, slug,
						SVC_LOCAL, dd->pos);
			pb_chg(b, i, "primary", rd->primary ? "true" : "false",
			       dd->primary ? "true" : "false");
		}
	}
	for (size_t k = 0; rp && k < rp->ndomains; k++) {
		const struct m_domain *rd = &rp->domains[k];
		struct ilist recs = {0};
		if (project_domain(dp, rd->fqdn))
			continue;
		plan_delete_records(b, slug, rd, src, "domain removed from the specs", -1, &recs);
		i = pb_act(b, OP_DELETE, RES_PROJECT_DOMAIN, rd->fqdn, slug, SVC_LOCAL, src);
		pb_reason(b, i, "domain removed from the specs%s%s", registration_note(rd),
			  pb_destructive_note(b));
		for (size_t j = 0; j < recs.n; j++)
			pb_req(b, i, recs.v[j]);
		free(recs.v);
	}
}

/* domain purchases, and orders still pending at INWX */
void plan_registrations(struct builder *b, struct pctx *c)
{
	const struct m_project *dp = c->dp, *rp = c->rp;
	const char *slug = c->slug;
	size_t nd = c->nd;
	int i;

	for (size_t k = 0; k < nd; k++) {
		const struct m_domain *dd = &dp->domains[k], *rd = project_domain(rp, dd->fqdn);
		const struct o_offer *of = find_offer(b, dd->fqdn);
		char cap[64], money[64];
		if (dd->type != DT_REGISTERED && dd->type != DT_TRANSFERRED)
			continue;
		if (rd && rd->inwx_domain_id != 0) {
			if (!domain_pending(rd))
				continue;
			/* bought already: vrsctl asks INWX how the order is going */
			i = c->a_reg[k] = pb_act(b, OP_UPDATE, RES_DOMAIN_REGISTRATION, dd->fqdn,
						 slug, SVC_INWX, dd->pos);
			pb_chg(b, i, "status", m_domain_status_name(rd->status),
			       "(checked at INWX)");
			pb_reason(b, i, "%s pending at INWX",
				  rd->status == DS_PENDING_TRANSFER ? "transfer" : "registration");
			pb_req(b, i, c->a_pd[k]);
			continue;
		}
		i = c->a_reg[k] =
		    pb_act(b, dd->type == DT_REGISTERED ? OP_REGISTER : OP_TRANSFER,
			   RES_DOMAIN_REGISTRATION, dd->fqdn, slug, SVC_INWX, dd->pos);
		if (of && of->price_cents >= 0 && dd->type == DT_REGISTERED) {
			b->v[i].a.cost_cents = of->price_cents;
			char shown[64];
			snprintf(shown, sizeof(shown), "%s%s",
				 cents_display(of->price_cents, money, sizeof(money)),
				 of->premium ? " (premium)" : "");
			pb_chg(b, i, "price", NULL, shown);
		}
		if (of && of->renewal_cents >= 0 && dd->type == DT_REGISTERED) {
			char r[64];
			snprintf(r, sizeof(r), "%s/Jahr",
				 cents_display(of->renewal_cents, money, sizeof(money)));
			pb_chg(b, i, "renewal", NULL, r);
		}
		if (dd->type == DT_REGISTERED && dd->max_price_cents >= 0)
			pb_chg(b, i, "max_price", NULL,
			       cents_display(dd->max_price_cents, cap, sizeof(cap)));
		if (dd->type == DT_TRANSFERRED && (of == NULL || of->auth_code_needed))
			pb_chg(b, i, "auth_code", NULL, SECRET);
		if (of == NULL)
			pb_reason(b, i, "price known after --refresh");
		else if (dd->type == DT_REGISTERED && of->avail == 0)
			pb_reason(b, i, "not available for registration: apply will fail");
		else if (dd->type == DT_REGISTERED && dd->max_price_cents >= 0 &&
			 of->price_cents > dd->max_price_cents)
			pb_reason(b, i, "price above max_price_cents: apply will refuse to buy");
		else if (dd->type == DT_REGISTERED && dd->max_price_cents < 0)
			pb_reason(b, i, "a purchase: needs apply --approve-costs");
		else if (dd->type == DT_TRANSFERRED && of && !of->auth_code_needed)
			pb_reason(b, i, "the TLD needs no auth code");
		pb_req(b, i, c->a_pd[k]);
	}
}

/* the A, AAAA and www records of each domain: create, update, drift, delete */
void plan_dns(struct builder *b, struct pctx *c)
{
	const struct m_project *dp = c->dp, *rp = c->rp;
	const char *slug = c->slug, *sname = c->sname;
	const struct m_server *ds = c->ds, *rs = c->rs;
	size_t nd = c->nd;
	char key[600];
	int i;

	for (size_t k = 0; k < nd; k++) {
		const struct m_domain *dd = &dp->domains[k], *rd = project_domain(rp, dd->fqdn);
		for (int t = MREC_A; t <= MREC_WWW; t++) {
			const char *want = rec_content(ds, dd, (enum m_rec_kind)t);
			const char *id = domain_record_id(rd, (enum m_rec_kind)t), *had;
			const struct o_record *orec = find_orec(b, id);
			/* a zone this refresh did not read is taken as recorded */
			const struct m_domain *zd = rd ? rd : dd;
			bool seen =
			    b->o && observed_zone_read(b->o, zd->zone ? zd->zone : domain_zone(zd));
			model_record_key(key, sizeof(key), (enum m_rec_kind)t, dd->fqdn);
			if (want == NULL) {
				if (id) { /* the server lost its IPv6 address */
					i = pb_act(b, OP_DELETE, RES_DNS_RECORD, key, slug,
						   SVC_INWX, dd->pos);
					pb_chg(b, i, "zone", domain_zone(dd), NULL);
					pb_reason(b, i, "server '%s' has no ipv6_address%s", sname,
						  pb_destructive_note(b));
					pb_ilist_add(b, &c->dns, i);
				}
				continue;
			}
			if (id == NULL || (seen && orec == NULL)) {
				i = pb_act(b, OP_CREATE, RES_DNS_RECORD, key, slug, SVC_INWX,
					   dd->pos);
				pb_chg(b, i, "zone", NULL, domain_zone(dd));
				pb_chg(b, i, "content", NULL, want);
				if (id)
					pb_drift(b, i, "drift: record deleted outside vrsctl");
				pb_req(b, i, c->a_pd[k]);
				pb_req(b, i, c->a_reg[k]);
				pb_ilist_add(b, &c->dns, i);
				continue;
			}
			had = t == MREC_WWW ? dd->fqdn
			      : rs	    ? rec_content(rs, dd, (enum m_rec_kind)t)
					    : want;
			if (!pb_str_eq(had, want)) {
				i = pb_act(b, OP_UPDATE, RES_DNS_RECORD, key, slug, SVC_INWX,
					   dd->pos);
				pb_chg(b, i, "content", had, want);
				pb_ilist_add(b, &c->dns, i);
			} else if (orec && !pb_str_eq(orec->content, want)) {
				i = pb_act(b, OP_UPDATE, RES_DNS_RECORD, key, slug, SVC_INWX,
					   dd->pos);
				pb_chg(b, i, "content", orec->content, want);
				pb_drift(b, i, "drift: record changed outside vrsctl");
				pb_ilist_add(b, &c->dns, i);
			}
		}
	}
}
