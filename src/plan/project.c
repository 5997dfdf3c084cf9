/*
 * project.c — the diff of one desired project: its lifecycle and status,
 * the project row, then its parts (app.c, domains.c) and the deployment;
 * and the teardown of an archived or removed project.
 */
#include "plan/plan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void plan_archive(struct builder *b, const struct m_project *dp, const struct m_project *rp)
{
	const char *slug = rp->slug;
	struct m_pos src = dp ? dp->pos : rp->pos;
	const char *why = dp ? "lifecycle: archived" : "removed from the specs";
	bool app = rp->coolify_app_uuid != NULL;
	/* suspended means stopped, unless the application suspended it and vrsctl has not yet */
	bool stopped = rp->status == PS_SUSPENDED && (!rp->app_suspended || rp->stopped_for_app);
	int a_stop = -1, a_del = -1, i;
	char key[300];
	struct ilist recs = {0};

	if (app && !stopped && rp->status != PS_ARCHIVED) {
		a_stop = pb_act(b, OP_STOP, RES_COOLIFY_APP, slug, slug, SVC_COOLIFY, src);
		pb_chg(b, a_stop, "status", m_prov_status_name(rp->status), "archived");
		pb_reason(b, a_stop, "%s", why);
	} else if (rp->status != PS_ARCHIVED) {
		a_stop = pb_act(b, OP_UPDATE, RES_PROJECT, slug, slug, SVC_LOCAL, src);
		pb_chg(b, a_stop, "status", m_prov_status_name(rp->status), "archived");
		pb_reason(b, a_stop, "%s", why);
	}
	if (app) {
		a_del = pb_act(b, OP_DELETE, RES_COOLIFY_APP, slug, slug, SVC_COOLIFY, src);
		/* volumes are kept unless the spec asks (a removed project's are kept) */
		if (dp && dp->app.delete_volumes)
			pb_chg(b, a_del, "volumes", NULL, "deleted");
		pb_reason(b, a_del, "%s%s", why, pb_destructive_note(b));
		pb_req(b, a_del, a_stop);
	}
	if (rp->coolify_project_uuid) {
		model_coolify_name(key, sizeof(key), slug);
		i = pb_act(b, OP_DELETE, RES_COOLIFY_PROJECT, key, slug, SVC_COOLIFY, src);
		pb_reason(b, i, "%s%s", why, pb_destructive_note(b));
		pb_req(b, i, a_del >= 0 ? a_del : a_stop);
	}
	for (size_t k = 0; k < rp->ndomains; k++)
		plan_delete_records(b, slug, &rp->domains[k], src, why, a_stop, &recs);
	free(recs.v);
}

/* the project's own fields, for create and update */
static size_t project_fields(const struct m_project *p, const char *price, struct fv *f)
{
	size_t n = 0;

	fv_str(&f[n++], "name", p->name, NULL);
	fv_str(&f[n++], "owner_email", p->owner_email, NULL);
	fv_str(&f[n++], "project_type", p->project_type, NULL);
	fv_str(&f[n++], "bundle", p->bundle, NULL);
	fv_str(&f[n++], "bundle_price", price, NULL);
	fv_str(&f[n++], "payment_method", m_payment_method_name(p->payment_method), "invoice");
	fv_bool(&f[n++], "payment_confirmed", p->payment_confirmed, "true");
	fv_str(&f[n++], "billing_email", p->billing_email, NULL);
	fv_str(&f[n++], "stripe_customer_id", p->stripe_customer_id, NULL);
	fv_str(&f[n++], "stripe_subscription_id", p->stripe_subscription_id, NULL);
	fv_int(&f[n++], "trial_days", p->trial_days, "0");
	fv_bool(&f[n++], "superadmin", p->superadmin, "false");
	fv_bool(&f[n++], "demo", p->demo, "false");
	fv_str(&f[n++], "cloned_from", p->cloned_from, NULL);
	fv_bool(&f[n++], "preview_protection", p->preview_protection, "false");
	return n;
}

static const char *price_of(const struct m_world *w, const char *bundle, char *out, size_t n)
{
	const struct m_bundle *u = bundle ? world_bundle(w, bundle) : NULL;

	return u ? bundle_price_display(w, u, out, n) : NULL;
}

static bool app_stopped(const struct o_app *a)
{
	return a && a->status &&
	       (strncmp(a->status, "exited", 6) == 0 || strncmp(a->status, "stopped", 7) == 0);
}

/* the project row: create, or update its fields, placement and status; why nothing runs */
static void plan_record(struct builder *b, struct pctx *c)
{
	const struct m_world *d = b->d;
	const struct m_project *dp = c->dp, *rp = c->rp;
	const char *slug = c->slug, *sname = c->sname, *status_new = c->status_new;
	const struct m_server *ds = c->ds;
	struct m_pos src = c->src;
	bool app_rec = c->app_rec, noroom = c->noroom, suspended = c->suspended;
	bool gated = c->gated;
	size_t di = c->di;
	struct fv ov[NF], nv[NF];
	char price[64], oprice[64];

	if (rp == NULL) {
		size_t n = project_fields(dp, price_of(d, dp->bundle, price, sizeof(price)), nv);
		const struct m_project_type *pt = world_project_type(d, dp->project_type);
		const struct m_bundle *bu = dp->bundle ? world_bundle(d, dp->bundle) : NULL;
		c->a_proj = pb_act(b, OP_CREATE, RES_PROJECT, slug, slug, SVC_LOCAL, src);
		pb_chg_create(b, c->a_proj, nv, n);
		if (b->place_auto[di] > 0)
			pb_chg(b, c->a_proj, "server", "auto", sname);
		else if (noroom)
			pb_chg(b, c->a_proj, "server", "auto", NULL);
		else
			pb_chg(b, c->a_proj, "server", NULL, sname ? sname : "auto");
		if (strcmp(status_new, "draft") == 0)
			pb_chg(b, c->a_proj, "status", NULL, status_new);
		else
			pb_chg(b, c->a_proj, "status", "draft", status_new);
		if (ds)
			pb_req(b, c->a_proj, b->srv_act[ds - d->servers]);
		if (pt)
			pb_req(b, c->a_proj, b->pt_act[pt - d->project_types]);
		if (bu)
			pb_req(b, c->a_proj, b->bu_act[bu - d->bundles]);
		b->proj_act[di] = c->a_proj;
	} else {
		size_t n = project_fields(dp, price_of(d, dp->bundle, price, sizeof(price)), nv);
		size_t no =
		    project_fields(rp, price_of(b->r, rp->bundle, oprice, sizeof(oprice)), ov);
		bool restatus =
		    !suspended && (rp->status == PS_DRAFT || rp->status == PS_PENDING_PAYMENT ||
				   (rp->status == PS_SUSPENDED && !app_rec));
		bool place = rp->server == NULL && (sname || noroom);
		if (n == no && (fv_ndiff(ov, nv, n) || place || noroom ||
				(restatus && strcmp(m_prov_status_name(rp->status), status_new)))) {
			c->a_proj = pb_act(b, OP_UPDATE, RES_PROJECT, slug, slug, SVC_LOCAL, src);
			pb_chg_diff(b, c->a_proj, ov, nv, n);
			if (place)
				pb_chg(b, c->a_proj, "server", b->place_auto[di] ? "auto" : NULL,
				       sname);
			if (restatus && strcmp(m_prov_status_name(rp->status), status_new))
				pb_chg(b, c->a_proj, "status", m_prov_status_name(rp->status),
				       status_new);
		}
	}
	if (gated)
		pb_reason(
		    b, c->a_proj,
		    "waiting for payment (%s): nothing is provisioned until payment.confirmed",
		    m_payment_method_name(dp->payment_method));
	else if (noroom)
		pb_reason(b, c->a_proj, "no server with free capacity: nothing is provisioned");
	else if (c->app_susp && !app_rec)
		pb_reason(b, c->a_proj,
			  "suspended by the marketplace application: nothing is provisioned "
			  "until it lifts the suspension");
	else if (suspended && !app_rec)
		pb_reason(b, c->a_proj,
			  "lifecycle: suspended: nothing is provisioned until it is active");
	else if (sname && !ds)
		pb_reason(b, c->a_proj, "server '%s' is not in the specs: nothing is provisioned",
			  sname);
}

/* start a stopped application, deploy what changed or never finished */
static void plan_deploy(struct builder *b, struct pctx *c)
{
	const struct m_project *dp = c->dp, *rp = c->rp;
	const char *slug = c->slug;
	const struct o_app *oapp = c->oapp;
	struct m_pos src = c->src;
	bool app_rec = c->app_rec, app_missing = c->app_missing;
	int i;

	if (app_rec && !app_missing && rp->status == PS_SUSPENDED) {
		c->a_start = pb_act(b, OP_START, RES_COOLIFY_APP, slug, slug, SVC_COOLIFY, src);
		pb_chg(b, c->a_start, "status", "suspended", "active");
		pb_reason(b, c->a_start, "lifecycle: active");
	} else if (app_rec && !app_missing && rp->stopped_for_app) {
		c->a_start = pb_act(b, OP_START, RES_COOLIFY_APP, slug, slug, SVC_COOLIFY, src);
		pb_chg(b, c->a_start, "status", m_prov_status_name(rp->status), "active");
		pb_reason(b, c->a_start, "the marketplace application lifted its suspension");
	} else if (app_rec && !app_missing && rp->status == PS_ACTIVE && app_stopped(oapp)) {
		c->a_start = pb_act(b, OP_START, RES_COOLIFY_APP, slug, slug, SVC_COOLIFY, src);
		pb_drift(b, c->a_start, "drift: application %s outside vrsctl", oapp->status);
	}
	pb_req(b, c->a_start, c->a_app);
	pb_req(b, c->a_start, c->a_env);
	if (c->a_app >= 0 || c->a_env >= 0 ||
	    (rp && rp->status != PS_ACTIVE && rp->status != PS_SUSPENDED) || rp == NULL) {
		i = pb_act(b, OP_DEPLOY, RES_DEPLOYMENT, slug, slug, SVC_COOLIFY, src);
		pb_chg(b, i, "image", NULL, dp->app.image);
		if (rp && c->a_app < 0 && c->a_env < 0 &&
		    (rp->status == PS_PROVISIONING || rp->status == PS_BOOTSTRAPPING))
			pb_reason(b, i, "deployment not finished (status %s)",
				  m_prov_status_name(rp->status));
		pb_req(b, i, c->a_app);
		pb_req(b, i, c->a_env);
		pb_req(b, i, c->a_start);
		for (size_t k = 0; k < c->dns.n; k++)
			if (b->v[c->dns.v[k]].a.op != OP_DELETE)
				pb_req(b, i, c->dns.v[k]);
	}
}

static void pctx_init(struct pctx *c, const struct builder *b, size_t di)
{
	const struct m_world *d = b->d;

	memset(c, 0, sizeof(*c));
	c->di = di;
	c->rp = world_project(b->r, d->projects[di].slug);
	/* keys the spec does not name keep the row's values (docs/OWNERSHIP.md) */
	project_effective(&d->projects[di], c->rp, &c->eff);
	c->dp = &c->eff;
	c->slug = c->dp->slug;
	c->sname = b->place[di];
	c->src = c->dp->pos;
	c->ds = c->sname ? world_server(d, c->sname) : NULL;
	c->rs = c->rp && c->rp->server ? world_server(b->r, c->rp->server) : NULL;
	c->app_rec = c->rp && c->rp->coolify_app_uuid;
	c->gated = payment_gated(c->dp, c->rp);
	c->noroom = b->place_auto[di] < 0;
	/* a suspension the application wrote holds until it lifts it; archived still applies */
	c->app_susp = c->rp && c->rp->app_suspended && c->dp->lifecycle != LC_ARCHIVED;
	c->suspended = c->dp->lifecycle == LC_SUSPENDED || c->app_susp;
	c->remote = !c->gated && !c->noroom && c->ds && !c->suspended;
	c->nd = c->dp->ndomains;
	c->a_proj = c->a_cp = c->a_app = c->a_env = c->a_start = -1;
	c->oapp = c->app_rec ? find_oapp(b, c->rp->coolify_app_uuid) : NULL;
	c->app_missing = !c->app_rec || (b->o && c->oapp == NULL);
}

void plan_project(struct builder *b, size_t di)
{
	struct pctx c;
	const struct m_project *dp, *rp;
	size_t nbefore = b->n;

	pctx_init(&c, b, di);
	dp = c.dp;
	rp = c.rp;
	if (retries_exhausted(rp)) {
		char why[1200];
		snprintf(why, sizeof(why), "waiting for `vrsctl retry %s` after: %s", c.slug,
			 rp->provisioning_error ? rp->provisioning_error : "an error");
		pb_noop(b, c.slug, c.src, why);
		return;
	}
	if (dp->lifecycle == LC_ARCHIVED) {
		if (rp)
			plan_archive(b, dp, rp);
		if (b->n == nbefore)
			pb_noop(b, c.slug, c.src,
				rp ? "archived"
				   : "archived before it was provisioned: nothing to do");
		return;
	}
	model_coolify_name(c.cpkey, sizeof(c.cpkey), c.slug);
	c.a_pd = calloc(c.nd + 1, sizeof(*c.a_pd));
	c.a_reg = calloc(c.nd + 1, sizeof(*c.a_reg));
	if (c.a_pd == NULL || c.a_reg == NULL) {
		b->oom = true;
		goto out;
	}
	for (size_t k = 0; k < c.nd; k++)
		c.a_pd[k] = c.a_reg[k] = -1;
	c.need_reg = pctx_needs_registration(&c);
	/* a suspended project never provisioned keeps its status (draft): nothing runs */
	c.status_new = c.gated	     ? "pending_payment"
		       : c.suspended ? (rp ? m_prov_status_name(rp->status) : "draft")
		       : c.need_reg  ? "pending_domain"
				     : "provisioning";
	plan_record(b, &c);
	plan_domain_rows(b, &c);
	if (c.app_susp && c.app_rec && !rp->stopped_for_app) {
		int i = pb_act(b, OP_STOP, RES_COOLIFY_APP, c.slug, c.slug, SVC_COOLIFY, c.src);
		pb_reason(b, i,
			  "suspended by the marketplace application (provisioning_status "
			  "'suspended' not written by vrsctl): stopped until it lifts it");
	} else if (c.app_susp && c.app_rec && b->n == nbefore) {
		pb_noop(b, c.slug, c.src,
			"suspended by the marketplace application: the app stays stopped until "
			"it lifts the suspension");
	} else if (c.suspended && c.app_rec && rp->status != PS_SUSPENDED) {
		int i = pb_act(b, OP_STOP, RES_COOLIFY_APP, c.slug, c.slug, SVC_COOLIFY, c.src);
		pb_chg(b, i, "status", m_prov_status_name(rp->status), "suspended");
		pb_reason(b, i, "lifecycle: suspended");
	}
	if (!c.remote)
		goto out;
	plan_registrations(b, &c);
	plan_dns(b, &c); /* before the app: its create (or new FQDNs) waits for the records */
	plan_app(b, &c);
	plan_env(b, &c);
	plan_deploy(b, &c);
out:
	if (rp && rp->status == PS_ERROR && !b->oom) {
		for (size_t k = nbefore; k < b->n; k++)
			if (b->v[k].a.reason == NULL)
				pb_reason(b, (int)k, "retry %d of %d after: %s",
					  rp->provisioning_retry_count + 1, VRS_MAX_RETRIES,
					  rp->provisioning_error ? rp->provisioning_error
								 : "an error");
	}
	if (b->n == nbefore)
		pb_noop(b, c.slug, c.src, "converged");
	free(c.a_pd);
	free(c.a_reg);
	free(c.dns.v);
}
