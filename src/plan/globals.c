/*
 * globals.c — the diff of the global objects: servers, base domains,
 * project types, plugins and bundles (create, update, delete of recorded
 * ones), with the requirements between them.
 */
#include "plan/plan_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static size_t server_fields(const void *x, struct fv *f)
{
	const struct m_server *s = x;
	size_t n = 0;
	const char *mode = s->status == SS_MAINTENANCE ? "maintenance" : "active";

	fv_str(&f[n++], "coolify_uuid", s->coolify_uuid, NULL);
	fv_str(&f[n++], "ip_address", s->ip_address, NULL);
	fv_str(&f[n++], "ipv6_address", s->ipv6_address, NULL);
	fv_int(&f[n++], "ssh_port", s->ssh_port, "22");
	fv_int(&f[n++], "max_projects", s->max_projects, NULL);
	fv_bool(&f[n++], "accepting_new", s->accepting_new, "true");
	/* offline is observed, not desired: a recorded offline server keeps its mode out of the
	 * diff */
	fv_str(&f[n++], "mode", s->status == SS_OFFLINE ? NULL : mode, NULL);
	if (s->hetzner_server_id)
		fv_int(&f[n++], "hetzner_server_id", s->hetzner_server_id, NULL);
	else
		fv_str(&f[n++], "hetzner_server_id", NULL, NULL);
	fv_str(&f[n++], "hetzner_server_type", s->hetzner_server_type, NULL);
	fv_str(&f[n++], "hetzner_location", s->hetzner_location, NULL);
	fv_str(&f[n++], "notes", s->notes, NULL);
	return n;
}

static size_t base_domain_fields(const void *x, struct fv *f)
{
	const struct m_base_domain *d = x;
	size_t n = 0;

	/* the state writes the domain when the spec names none (the column is NOT
	 * NULL): compared as written, or such a domain is changed on every run */
	fv_str(&f[n++], "display_name", d->display_name ? d->display_name : d->domain, NULL);
	fv_bool(&f[n++], "is_active", d->is_active, "true");
	fv_bool(&f[n++], "default", d->is_default, "false");
	fv_int(&f[n++], "sort_order", d->sort_order, "0");
	fv_bool(&f[n++], "wildcard_ssl", d->wildcard_ssl, "false");
	return n;
}

static size_t project_type_fields(const void *x, struct fv *f)
{
	const struct m_project_type *t = x;
	size_t n = 0;

	fv_str(&f[n++], "name", t->name, NULL);
	fv_int(&f[n++], "trial_days", t->trial_days, "0");
	return n;
}

/* "gastro/monthly 1490, gastro/yearly 14900": prices in a stable order */
static int cmp_price(const void *x, const void *y)
{
	const struct m_plugin_price *a = *(const struct m_plugin_price *const *)x;
	const struct m_plugin_price *c = *(const struct m_plugin_price *const *)y;
	int r =
	    strcmp(a->project_type ? a->project_type : "", c->project_type ? c->project_type : "");

	if (r)
		return r;
	return (int)a->billing_cycle - (int)c->billing_cycle;
}

static char *prices_str(struct builder *b, const struct m_plugin *p)
{
	struct buf out;
	const struct m_plugin_price **v;

	buf_init(&out);
	if (p->nprices == 0)
		return NULL;
	v = malloc(p->nprices * sizeof(*v));
	if (v == NULL) {
		b->oom = true;
		return NULL;
	}
	for (size_t i = 0; i < p->nprices; i++)
		v[i] = &p->prices[i];
	qsort(v, p->nprices, sizeof(*v), cmp_price);
	for (size_t i = 0; i < p->nprices; i++)
		if (buf_printf(&out, "%s%s/%s %d", i ? ", " : "",
			       v[i]->project_type ? v[i]->project_type : "?",
			       m_billing_cycle_name(v[i]->billing_cycle), v[i]->price_cents) < 0)
			b->oom = true;
	free(v);
	return buf_detach(&out);
}

static size_t bundle_fields(const struct m_bundle *u, const char *plugins, struct fv *f)
{
	size_t n = 0;

	fv_str(&f[n++], "name", u->name, NULL);
	fv_str(&f[n++], "description", u->description, NULL);
	fv_str(&f[n++], "project_type", u->project_type, NULL);
	fv_str(&f[n++], "plugins", plugins, "");
	fv_str(&f[n++], "billing_cycle", m_billing_cycle_name(u->billing_cycle), NULL);
	fv_int(&f[n++], "discount_percent", u->discount_percent, "0");
	fv_bool(&f[n++], "default", u->is_default, "false");
	fv_bool(&f[n++], "is_active", u->is_active, "true");
	fv_int(&f[n++], "sort_order", u->sort_order, "0");
	return n;
}

/*
 * diff one kind of global object: create, update or (recorded only) delete.
 * owned: the recorded row is vrsctl's (vrs_catalogue). One the marketplace
 * application made is left alone while no spec names it (never a delete);
 * a spec naming it adopts it: an update, even with no field to change, so
 * the apply records it as vrsctl's.
 */
static int global_diff(struct builder *b, enum m_resource res, const char *key, struct m_pos src,
		       const struct fv *ov, size_t no, const struct fv *nv, size_t nn, bool owned)
{
	int i = -1;

	if (nv && !ov) {
		i = pb_act(b, OP_CREATE, res, key, NULL, SVC_LOCAL, src);
		pb_chg_create(b, i, nv, nn);
	} else if (nv && ov && !owned) {
		i = pb_act(b, OP_UPDATE, res, key, NULL, SVC_LOCAL, src);
		pb_chg_diff(b, i, ov, nv, nn);
		pb_reason(b, i,
			  "recorded by the marketplace application; managed by vrsctl from "
			  "this apply on");
	} else if (nv && ov) {
		if (no != nn || fv_ndiff(ov, nv, nn) == 0) {
			b->nnoop++;
			if (b->opts->verbose) /* listed, never required by anything */
				pb_act(b, OP_NOOP, res, key, NULL, SVC_LOCAL, src);
			return -1;
		}
		i = pb_act(b, OP_UPDATE, res, key, NULL, SVC_LOCAL, src);
		pb_chg_diff(b, i, ov, nv, nn);
	} else if (ov && !owned) {
		b->nnoop++;
		if (b->opts->verbose) {
			i = pb_act(b, OP_NOOP, res, key, NULL, SVC_LOCAL, src);
			pb_reason(b, i,
				  "unmanaged: recorded by the marketplace application, in no "
				  "spec");
		}
		return -1;
	} else if (ov) {
		i = pb_act(b, OP_DELETE, res, key, NULL, SVC_LOCAL, src);
		pb_reason(b, i, "removed from the specs%s", pb_destructive_note(b));
	}
	return i;
}

/* a kind of global object with no requirements of its own */
struct gkind {
	enum m_resource res;
	size_t size, pos_off, owned_off;
	size_t (*fields)(const void *x, struct fv *f);
	bool offline_mode; /* servers: a recorded offline server keeps its mode out of the diff */
};

static const struct gkind server_kind = {RES_SERVER,
					 sizeof(struct m_server),
					 offsetof(struct m_server, pos),
					 offsetof(struct m_server, owned),
					 server_fields,
					 true};
static const struct gkind base_domain_kind = {RES_BASE_DOMAIN,
					      sizeof(struct m_base_domain),
					      offsetof(struct m_base_domain, pos),
					      offsetof(struct m_base_domain, owned),
					      base_domain_fields,
					      false};
static const struct gkind project_type_kind = {RES_PROJECT_TYPE,
					       sizeof(struct m_project_type),
					       offsetof(struct m_project_type, pos),
					       offsetof(struct m_project_type, owned),
					       project_type_fields,
					       false};

/* diff a sorted desired array dv against the recorded rv; acts[i]: the action of dv[i] or -1 */
static void plan_kind(struct builder *b, const struct gkind *k, const void *dv, size_t dn,
		      const void *rv, size_t rn, int *acts)
{
	struct fv ov[NF], nv[NF];
	static const struct m_pos nopos;

	for (size_t i = 0; i < dn; i++) {
		const char *x = (const char *)dv + i * k->size, *key = *(char *const *)x;
		const void *rx = world_find_key(rv, rn, k->size, key);
		size_t nn = k->fields(x, nv), no = rx ? k->fields(rx, ov) : 0;
		const struct m_pos *pos = (const struct m_pos *)(x + k->pos_off);
		if (k->offline_mode && rx && ((const struct m_server *)rx)->status == SS_OFFLINE)
			nv[6].val = NULL; /* mode */
		bool own = rx && *(const bool *)((const char *)rx + k->owned_off);
		acts[i] = global_diff(b, k->res, key, *pos, rx ? ov : NULL, no, nv, nn, own);
	}
	for (size_t i = 0; i < rn; i++) {
		const char *rx = (const char *)rv + i * k->size, *key = *(char *const *)rx;
		if (!world_find_key(dv, dn, k->size, key))
			global_diff(b, k->res, key, nopos, ov, k->fields(rx, ov), NULL, 0,
				    *(const bool *)(rx + k->owned_off));
	}
}

void plan_globals(struct builder *b)
{
	const struct m_world *d = b->d, *r = b->r;
	struct fv ov[NF], nv[NF];
	static const struct m_pos nopos;

	plan_kind(b, &server_kind, d->servers, d->nservers, r->servers, r->nservers, b->srv_act);
	plan_kind(b, &base_domain_kind, d->base_domains, d->nbase_domains, r->base_domains,
		  r->nbase_domains, b->bd_act);
	plan_kind(b, &project_type_kind, d->project_types, d->nproject_types, r->project_types,
		  r->nproject_types, b->pt_act);

	for (size_t i = 0; i < d->nplugins; i++) {
		const struct m_plugin *x = &d->plugins[i], *rx = world_plugin(r, x->name);
		char *np = prices_str(b, x), *op = rx ? prices_str(b, rx) : NULL;
		fv_str(&nv[0], "prices", np, NULL);
		fv_str(&ov[0], "prices", op, NULL);
		b->pl_act[i] = global_diff(b, RES_PLUGIN, x->name, x->pos, rx ? ov : NULL, 1, nv, 1,
					   rx && rx->owned);
		if (b->pl_act[i] >= 0)
			for (size_t k = 0; k < x->nprices; k++) {
				const struct m_project_type *pt =
				    world_project_type(d, x->prices[k].project_type);
				if (pt)
					pb_req(b, b->pl_act[i], b->pt_act[pt - d->project_types]);
			}
		free(np);
		free(op);
	}
	for (size_t i = 0; i < r->nplugins; i++)
		if (!world_plugin(d, r->plugins[i].name)) {
			fv_str(&ov[0], "prices", NULL, NULL);
			global_diff(b, RES_PLUGIN, r->plugins[i].name, nopos, ov, 1, NULL, 0,
				    r->plugins[i].owned);
		}

	for (size_t i = 0; i < d->nbundles; i++) {
		const struct m_bundle *x = &d->bundles[i], *rx = world_bundle(r, x->code);
		char *np = pb_join_sorted(b, x->plugins, x->nplugins, ", ");
		char *op = rx ? pb_join_sorted(b, rx->plugins, rx->nplugins, ", ") : NULL;
		size_t nn = bundle_fields(x, np, nv), no = rx ? bundle_fields(rx, op, ov) : 0;
		const struct m_project_type *pt = world_project_type(d, x->project_type);
		b->bu_act[i] = global_diff(b, RES_BUNDLE, x->code, x->pos, rx ? ov : NULL, no, nv,
					   nn, rx && rx->owned);
		if (pt)
			pb_req(b, b->bu_act[i], b->pt_act[pt - d->project_types]);
		for (size_t k = 0; k < x->nplugins; k++) {
			const struct m_plugin *pl = world_plugin(d, x->plugins[k]);
			if (pl)
				pb_req(b, b->bu_act[i], b->pl_act[pl - d->plugins]);
		}
		free(np);
		free(op);
	}
	for (size_t i = 0; i < r->nbundles; i++)
		if (!world_bundle(d, r->bundles[i].code))
			global_diff(b, RES_BUNDLE, r->bundles[i].code, nopos, ov,
				    bundle_fields(&r->bundles[i], NULL, ov), NULL, 0,
				    r->bundles[i].owned);
}
