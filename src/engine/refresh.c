/*
 * refresh.c — read the remote world for drift detection with list calls
 * only: one GET /applications, one GET /servers, and one nameserver.info
 * per zone vrsctl manages (after the session's login) — never one read per
 * project. A watch tick reads a share of the zones (zonepick.c picks them)
 * and may stop between zone reads for a spec edit (yield). The result is
 * the observed world the plan compares with the recorded one; objects
 * vrsctl did not create are listed but the plan never acts on them.
 */
#include "engine/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dupn(const char *s)
{
	return s ? strdup(s) : NULL;
}

static char *image_of(const struct coolify_app *a)
{
	size_t n;
	char *s;

	if (a->image_name == NULL)
		return NULL;
	if (a->image_tag == NULL || a->image_tag[0] == 0)
		return strdup(a->image_name);
	n = strlen(a->image_name) + strlen(a->image_tag) + 2;
	s = malloc(n);
	if (s)
		snprintf(s, n, "%s:%s", a->image_name, a->image_tag);
	return s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **engine_managed_zones(const struct m_world *rec, size_t *n)
{
	size_t cap = 0, k = 0;
	char **v;

	for (size_t i = 0; i < rec->nprojects; i++)
		cap += rec->projects[i].ndomains;
	v = calloc(cap + 1, sizeof(*v));
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < rec->nprojects; i++) {
		const struct m_project *p = &rec->projects[i];
		for (size_t d = 0; d < p->ndomains; d++) {
			const struct m_domain *dm = &p->domains[d];
			const char *z = dm->zone ? dm->zone : domain_zone(dm);
			if (z && (dm->record_a || dm->record_aaaa || dm->record_www))
				v[k++] = (char *)z;
		}
	}
	qsort(v, k, sizeof(*v), cmp_str);
	*n = 0;
	for (size_t i = 0; i < k; i++)
		if (*n == 0 || strcmp(v[*n - 1], v[i]) != 0)
			v[(*n)++] = v[i];
	return v;
}

/*
 * Purchases: what INWX offers for the domains the specs want to register or
 * transfer and that are not ours yet (one domain.check for all of them, one
 * domain.getPrices for their TLDs, one domain.getRules for transfers), and
 * the account's domains (one domain.list) for expiry. Calls only when there
 * is such a domain.
 */
/* the offer for a domain to buy or transfer: availability, prices, auth code */
static void fill_offer(struct o_offer *f, const char *domain, const struct inwx_check_list *checks,
		       const struct inwx_price_list *prices, const struct inwx_rule_list *rules)
{
	const char *tld = strrchr(domain, '.');
	long long regular = -1;

	tld = tld ? tld + 1 : domain;
	f->domain = strdup(domain);
	f->avail = -1;
	f->price_cents = f->renewal_cents = -1;
	f->auth_code_needed = true;

	/* the price INWX will charge: a premium name's own, else the TLD's list price */
	for (size_t k = 0; checks && k < checks->n; k++) {
		const struct inwx_check *c = &checks->v[k];
		if (c->domain == NULL || strcmp(c->domain, domain) != 0)
			continue;
		f->avail = c->avail;
		if (c->price > 0)
			regular = (long long)(c->price * 100 + 0.5);
		if (c->premium) {
			f->premium = true;
			if (c->premium_create > 0)
				f->price_cents = (long long)(c->premium_create * 100 + 0.5);
			if (c->premium_renew > 0)
				f->renewal_cents = (long long)(c->premium_renew * 100 + 0.5);
		}
	}
	for (size_t k = 0; prices && k < prices->n && !f->premium; k++) {
		const struct inwx_price *pr = &prices->v[k];
		if (pr->tld == NULL || strcmp(pr->tld, tld) != 0)
			continue;
		f->renewal_cents = (long long)(pr->renewal_price * 100 + 0.5);
		if (pr->create_price > 0)
			f->price_cents = (long long)(pr->create_price * 100 + 0.5);
	}
	if (f->price_cents < 0 && !f->premium)
		f->price_cents = regular;
	if (rules)
		f->auth_code_needed = inwx_rules_auth_code_needed(rules, tld);
}

static int observe_domains(struct providers *pv, const struct m_world *desired,
			   const struct m_world *recorded, struct m_observed *o,
			   struct engine_refresh_stats *stats, struct vrs_err *err)
{
	const char **want = NULL, **tlds = NULL;
	size_t nwant = 0, ntlds = 0, cap = 0, owned = 0;
	struct inwx_check_list *checks = NULL;
	struct inwx_price_list *prices = NULL;
	struct inwx_domain_list *mine = NULL;
	struct inwx_rule_list *rules = NULL;
	bool transfers = false;
	int rc = -1;

	for (size_t i = 0; desired && i < desired->nprojects; i++)
		cap += desired->projects[i].ndomains;
	for (size_t i = 0; i < recorded->nprojects; i++)
		for (size_t k = 0; k < recorded->projects[i].ndomains; k++)
			owned += recorded->projects[i].domains[k].inwx_domain_id != 0;
	want = calloc(cap + 1, sizeof(*want));
	tlds = calloc(cap + 1, sizeof(*tlds));
	if (want == NULL || tlds == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; desired && i < desired->nprojects; i++) {
		const struct m_project *p = &desired->projects[i];
		const struct m_project *rp = world_project(recorded, p->slug);
		for (size_t k = 0; k < p->ndomains; k++) {
			const struct m_domain *d = &p->domains[k];
			const struct m_domain *rd = NULL;
			const char *tld = strrchr(d->fqdn, '.');
			bool seen = false;
			if (d->type != DT_REGISTERED && d->type != DT_TRANSFERRED)
				continue;
			rd = project_domain(rp, d->fqdn);
			if (rd && rd->inwx_domain_id)
				continue;
			want[nwant++] = d->fqdn;
			transfers |= d->type == DT_TRANSFERRED;
			tld = tld ? tld + 1 : d->fqdn;
			for (size_t x = 0; x < ntlds && !seen; x++)
				seen = strcmp(tlds[x], tld) == 0;
			if (!seen)
				tlds[ntlds++] = tld;
		}
	}
	if ((nwant || owned) && pv->inwx == NULL) {
		err_set(err, "refresh needs INWX credentials for the domains to buy or watch");
		goto out;
	}
	if (nwant) {
		if (inwx_domain_check(pv->inwx, want, nwant, &checks, err) < 0 ||
		    inwx_domain_prices(pv->inwx, tlds, ntlds, &prices, err) < 0)
			goto out;
		if (stats)
			stats->reads += 2;
		if (transfers) {
			if (inwx_domain_rules(pv->inwx, &rules, err) < 0)
				goto out;
			if (stats)
				stats->reads++;
		}
	}
	if (nwant || owned) {
		if (inwx_domains_list(pv->inwx, &mine, err) < 0)
			goto out;
		if (stats)
			stats->reads++;
	}
	o->offers = calloc(nwant + (mine ? mine->n : 0) + 1, sizeof(*o->offers));
	if (o->offers == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nwant; i++)
		fill_offer(&o->offers[o->noffers++], want[i], checks, prices, rules);
	for (size_t i = 0; mine && i < mine->n; i++) {
		struct o_offer *f = &o->offers[o->noffers++];
		f->domain = mine->v[i].domain ? strdup(mine->v[i].domain) : strdup("");
		f->avail = 0;
		f->in_account = true;
		f->price_cents = f->renewal_cents = -1;
		f->expires_at = mine->v[i].ex_date;
		f->status = mine->v[i].status ? strdup(mine->v[i].status) : NULL;
	}
	rc = 0;
out:
	free(want);
	free(tlds);
	if (checks)
		inwx_check_list_free(checks);
	if (prices)
		inwx_price_list_free(prices);
	if (mine)
		inwx_domain_list_free(mine);
	if (rules)
		inwx_rule_list_free(rules);
	return rc;
}

/*
 * One nameserver.info. With a yield hook, the watch's fd is polled while it
 * is in flight, so that an edit's debounce starts when it is saved; a yield
 * then takes effect when this read is done (*yield).
 */
static int read_one(struct providers *pv, const struct observe_zones *z, const char *zone,
		    struct inwx_zone_info **zi, bool *yield, struct vrs_err *err)
{
	struct http_waiter wt;

	if (z->yield == NULL || z->yield_fd < 0)
		return inwx_zone_info(pv->inwx, zone, NULL, zi, err);
	memset(&wt, 0, sizeof(wt));
	if (inwx_zone_info_async(pv->inwx, zone, NULL, http_waiter_cb, &wt, err) < 0)
		return -1;
	while (!wt.done) {
		bool ready = false;
		if (z->stop && *z->stop) {
			http_pool_cancel(pv->pool); /* delivers it as interrupted */
			continue;
		}
		if (http_pool_step_fd(pv->pool, 200, z->yield_fd, &ready, err) < 0)
			return -1;
		if (ready && !*yield)
			*yield = z->yield(z->yield_ud);
	}
	if (wt.rc < 0) {
		*err = wt.err;
		return -1;
	}
	*zi = wt.res;
	return 0;
}

/* the zones in z, in order, into o (and o->zones_read, sorted); a yield stops between reads */
static int read_zones(struct providers *pv, const struct observe_zones *z, struct m_observed *o,
		      struct engine_refresh_stats *stats, struct vrs_err *err)
{
	bool yield = false;

	if (z->n && pv->inwx == NULL)
		return err_set(err, "refresh needs INWX credentials to read the managed zones "
				    "(VRS_INWX_USER, VRS_INWX_PASSWORD)");
	o->zones_read = calloc(z->n + 1, sizeof(*o->zones_read));
	if (o->zones_read == NULL)
		return err_set(err, "out of memory");
	for (size_t k = 0; k < z->n; k++) {
		struct inwx_zone_info *zi = NULL;
		struct o_record *v;
		char *zn;

		/* after one read at least, so that a stream of edits still lets it progress */
		if (k > 0 && z->yield && (yield || z->yield(z->yield_ud))) {
			if (stats)
				stats->yielded = true;
			o->zones_partial = true;
			break;
		}
		if (read_one(pv, z, z->v[k], &zi, &yield, err) < 0)
			return err_prefix(err, "refresh: zone %s", z->v[k]);
		if (stats) {
			stats->reads++;
			stats->zones++;
		}
		zn = strdup(z->v[k]);
		v = realloc(o->records, (o->nrecords + zi->n_records + 1) * sizeof(*v));
		if (v)
			o->records = v;
		if (v == NULL || zn == NULL) {
			free(zn);
			inwx_zone_info_free(zi);
			return err_set(err, "out of memory");
		}
		o->zones_read[o->nzones_read++] = zn;
		for (size_t i = 0; i < zi->n_records; i++) {
			const struct inwx_record *r = &zi->records[i];
			struct o_record *x = &o->records[o->nrecords++];
			memset(x, 0, sizeof(*x));
			x->id = dupn(r->id);
			x->zone = strdup(z->v[k]);
			x->name = dupn(r->name);
			x->type = dupn(r->type);
			x->content = dupn(r->content);
			x->ttl = r->ttl;
		}
		inwx_zone_info_free(zi);
	}
	qsort(o->zones_read, o->nzones_read, sizeof(*o->zones_read), cmp_str);
	return 0;
}

/* GET /applications and GET /servers into o */
static int read_coolify(struct providers *pv, struct m_observed *o,
			struct engine_refresh_stats *stats, struct vrs_err *err)
{
	struct coolify_app_list *apps = NULL;
	struct coolify_server_list *servers = NULL;
	int rc = -1;

	if (coolify_apps_list(pv->coolify, &apps, err) < 0 ||
	    coolify_servers_list(pv->coolify, &servers, err) < 0)
		goto out;
	if (stats)
		stats->reads += 2;
	o->apps = calloc(apps->n + 1, sizeof(*o->apps));
	o->servers = calloc(servers->n + 1, sizeof(*o->servers));
	if (o->apps == NULL || o->servers == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < apps->n; i++) {
		const struct coolify_app *a = &apps->v[i];
		struct o_app *x = &o->apps[o->napps++];
		x->uuid = dupn(a->uuid);
		x->name = dupn(a->name);
		x->fqdn = dupn(a->fqdn);
		x->image = image_of(a);
		x->status = dupn(a->status);
		x->description = dupn(a->description);
	}
	for (size_t i = 0; i < servers->n; i++) {
		const struct coolify_server *s = &servers->v[i];
		struct o_server *x = &o->servers[o->nservers++];
		x->uuid = dupn(s->uuid);
		x->name = dupn(s->name);
		x->ip = dupn(s->ip);
		x->reachable = s->is_reachable && s->is_usable;
	}
	rc = 0;
out:
	if (apps)
		coolify_app_list_free(apps);
	if (servers)
		coolify_server_list_free(servers);
	return rc;
}

int engine_observe_zones(struct providers *pv, const struct m_world *desired,
			 const struct m_world *recorded, const struct observe_zones *z,
			 struct m_observed *o, struct engine_refresh_stats *stats,
			 struct vrs_err *err)
{
	int rc = -1;

	memset(o, 0, sizeof(*o));
	if (pv->coolify && read_coolify(pv, o, stats, err) < 0)
		goto out;
	o->zones_partial = z->partial;
	if (stats)
		stats->zones_picked = z->n;
	if (read_zones(pv, z, o, stats, err) < 0)
		goto out;
	if (observe_domains(pv, desired, recorded, o, stats, err) < 0) {
		err_prefix(err, "refresh: domains");
		goto out;
	}
	o->present = true;
	rc = 0;
out:
	if (rc < 0)
		observed_release(o);
	return rc;
}

int engine_observe(struct providers *pv, const struct m_world *desired,
		   const struct m_world *recorded, struct m_observed *o,
		   struct engine_refresh_stats *stats, struct vrs_err *err)
{
	struct observe_zones z = {0};
	char **zones;
	size_t n = 0;
	int rc;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	zones = engine_managed_zones(recorded, &n);
	if (zones == NULL) {
		memset(o, 0, sizeof(*o));
		return err_set(err, "out of memory");
	}
	z.v = (const char *const *)zones;
	z.n = n;
	rc = engine_observe_zones(pv, desired, recorded, &z, o, stats, err);
	if (stats)
		stats->zones_total = n;
	free(zones);
	return rc;
}
