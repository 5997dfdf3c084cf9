/*
 * catrefs.c — a catalogue row of vrsctl's that no spec names is planned as a
 * delete; one a recorded row still uses after the apply (a project the
 * marketplace application made, an archived project, a bundle or plugin of
 * the application's) is refused instead: deleting it would break that row
 * (the foreign keys refuse it at apply, every run). Rows the apply itself
 * moves away (a desired project or bundle naming another type, a deleted
 * bundle of vrsctl's) do not count: plan_order_catalogue makes the delete
 * wait for those updates and deletes. Part of plan_check and plan_build.
 */
#include "plan/plan_int.h"

#include <stdlib.h>
#include <string.h>

/* what uses a catalogue row: the first user and how many */
struct users {
	const char *kind, *first, *note;
	size_t n;
};

static void use(struct users *u, const char *kind, const char *name, const char *note)
{
	if (u->n++ == 0) {
		u->kind = kind;
		u->first = name;
		u->note = note;
	}
}

static const char *project_note(const struct m_project *rp)
{
	return rp->managed ? " (archived or removed from the specs)"
			   : " (unmanaged: the marketplace application's)";
}

static int refuse(struct diag_list *diags, const char *what, const char *key, const struct users *u)
{
	if (u->n == 0)
		return 0;
	return diag_add(diags, NULL, 0, 0,
			"%s '%s' was removed from the specs but %s '%s'%s still uses it "
			"(%zu row%s in all): keep it in the specs; deleting it would break "
			"what uses it",
			what, key, u->kind, u->first, u->note, u->n, u->n == 1 ? "" : "s");
}

static bool eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* recorded rows that keep using project type code after the apply */
static void project_type_users(const struct m_world *d, const struct m_world *r, const char *code,
			       struct users *u)
{
	for (size_t i = 0; i < r->nprojects; i++)
		if (eq(r->projects[i].project_type, code) && !world_project(d, r->projects[i].slug))
			use(u, "project", r->projects[i].slug, project_note(&r->projects[i]));
	for (size_t i = 0; i < r->nbundles; i++)
		if (eq(r->bundles[i].project_type, code) && !r->bundles[i].owned &&
		    !world_bundle(d, r->bundles[i].code))
			use(u, "bundle", r->bundles[i].code, " (the marketplace application's)");
	for (size_t i = 0; i < r->nplugins; i++) {
		const struct m_plugin *p = &r->plugins[i];
		if (p->owned || world_plugin(d, p->name))
			continue;
		for (size_t k = 0; k < p->nprices; k++)
			if (eq(p->prices[k].project_type, code)) {
				use(u, "plugin", p->name, " (the marketplace application's)");
				break;
			}
	}
}

static void plugin_users(const struct m_world *d, const struct m_world *r, const char *name,
			 struct users *u)
{
	for (size_t i = 0; i < r->nbundles; i++) {
		const struct m_bundle *x = &r->bundles[i];
		if (x->owned || world_bundle(d, x->code))
			continue;
		for (size_t k = 0; k < x->nplugins; k++)
			if (eq(x->plugins[k], name)) {
				use(u, "bundle", x->code, " (the marketplace application's)");
				break;
			}
	}
}

static void bundle_users(const struct m_world *d, const struct m_world *r, const char *code,
			 struct users *u)
{
	for (size_t i = 0; i < r->nprojects; i++) {
		const struct m_project *rp = &r->projects[i], *dp = world_project(d, rp->slug);
		struct m_project eff;
		if (!eq(rp->bundle, code))
			continue;
		if (dp == NULL) {
			use(u, "project", rp->slug, project_note(rp));
			continue;
		}
		/* a spec without `bundle:` keeps the recorded one */
		project_effective(dp, rp, &eff);
		if (eq(eff.bundle, code))
			use(u, "project", rp->slug,
			    " (its spec names no bundle: it keeps this one)");
	}
}

static void base_domain_users(const struct m_world *d, const struct m_world *r, const char *domain,
			      struct users *u)
{
	for (size_t i = 0; i < r->nprojects; i++) {
		const struct m_project *rp = &r->projects[i];
		if (world_project(d, rp->slug))
			continue; /* its domains are the spec's: moved or deleted by the apply */
		for (size_t k = 0; k < rp->ndomains; k++)
			if (eq(rp->domains[k].base_domain, domain))
				use(u, "domain", rp->domains[k].fqdn, project_note(rp));
	}
}

int plan_check_catalogue(const struct m_world *d, const struct m_world *r, struct diag_list *diags)
{
	int rc = 0;

	for (size_t i = 0; i < r->nproject_types; i++) {
		struct users u = {0};
		const struct m_project_type *t = &r->project_types[i];
		if (!t->owned || world_project_type(d, t->code))
			continue;
		project_type_users(d, r, t->code, &u);
		rc |= refuse(diags, "project type", t->code, &u);
	}
	for (size_t i = 0; i < r->nplugins; i++) {
		struct users u = {0};
		const struct m_plugin *p = &r->plugins[i];
		if (!p->owned || world_plugin(d, p->name))
			continue;
		plugin_users(d, r, p->name, &u);
		rc |= refuse(diags, "plugin", p->name, &u);
	}
	for (size_t i = 0; i < r->nbundles; i++) {
		struct users u = {0};
		const struct m_bundle *b = &r->bundles[i];
		if (!b->owned || world_bundle(d, b->code))
			continue;
		bundle_users(d, r, b->code, &u);
		rc |= refuse(diags, "bundle", b->code, &u);
	}
	for (size_t i = 0; i < r->nbase_domains; i++) {
		struct users u = {0};
		const struct m_base_domain *b = &r->base_domains[i];
		if (!b->owned || world_base_domain(d, b->domain))
			continue;
		base_domain_users(d, r, b->domain, &u);
		rc |= refuse(diags, "base domain", b->domain, &u);
	}
	return rc ? -1 : 0;
}

/* ---- ordering: a catalogue delete after what moves its users away -------------- */

/* per recorded row: the index of its delete action, -1 none */
struct dels {
	int *pt, *pl, *bu, *bd;
};

static int del_of(const int *v, const void *base, const void *row, size_t size)
{
	return row ? v[((const char *)row - (const char *)base) / size] : -1;
}

#define DEL(b, x, arr, kind, row) del_of((x)->kind, (b)->r->arr, (row), sizeof(*(b)->r->arr))

static void order_project(struct builder *b, const struct dels *x, int j, const char *slug)
{
	const struct m_project *rp = world_project(b->r, slug);

	if (rp == NULL)
		return;
	pb_req(b, DEL(b, x, project_types, pt, world_project_type(b->r, rp->project_type)), j);
	pb_req(b, DEL(b, x, bundles, bu, world_bundle(b->r, rp->bundle)), j);
}

static void order_domain(struct builder *b, const struct dels *x, int j, const struct pact *a)
{
	const struct m_project *rp = a->a.project ? world_project(b->r, a->a.project) : NULL;

	for (size_t k = 0; rp && k < rp->ndomains; k++)
		if (eq(rp->domains[k].fqdn, a->a.key))
			pb_req(b,
			       DEL(b, x, base_domains, bd,
				   world_base_domain(b->r, rp->domains[k].base_domain)),
			       j);
}

/* the user's action j (an update or delete of a recorded row) before the deletes it requires */
static void order_user(struct builder *b, const struct dels *x, int j)
{
	const struct pact *a = &b->v[j];
	const struct m_bundle *rb;
	const struct m_plugin *rpl;

	switch (a->a.resource) {
	case RES_PROJECT:
		order_project(b, x, j, a->a.key);
		break;
	case RES_PROJECT_DOMAIN:
		order_domain(b, x, j, a);
		break;
	case RES_BUNDLE:
		if ((rb = world_bundle(b->r, a->a.key)) == NULL)
			break;
		pb_req(b, DEL(b, x, project_types, pt, world_project_type(b->r, rb->project_type)),
		       j);
		for (size_t k = 0; k < rb->nplugins; k++)
			pb_req(b, DEL(b, x, plugins, pl, world_plugin(b->r, rb->plugins[k])), j);
		break;
	case RES_PLUGIN:
		if ((rpl = world_plugin(b->r, a->a.key)) == NULL)
			break;
		for (size_t k = 0; k < rpl->nprices; k++)
			pb_req(b,
			       DEL(b, x, project_types, pt,
				   world_project_type(b->r, rpl->prices[k].project_type)),
			       j);
		break;
	default:
		break;
	}
}

static int *neg(size_t n)
{
	int *v = malloc((n + 1) * sizeof(*v));

	for (size_t i = 0; v && i <= n; i++)
		v[i] = -1;
	return v;
}

void plan_order_catalogue(struct builder *b)
{
	struct dels x = {neg(b->r->nproject_types), neg(b->r->nplugins), neg(b->r->nbundles),
			 neg(b->r->nbase_domains)};
	bool any = false;

	if (!x.pt || !x.pl || !x.bu || !x.bd) {
		b->oom = true;
		goto out;
	}
	/* the catalogue deletes are plan_globals' (the first nglob actions) */
	for (size_t i = 0; i < b->nglob; i++) {
		const struct m_action *a = &b->v[i].a;
		const void *row = NULL;
		if (a->op != OP_DELETE)
			continue;
		if (a->resource == RES_PROJECT_TYPE && (row = world_project_type(b->r, a->key)))
			x.pt[(const struct m_project_type *)row - b->r->project_types] = (int)i;
		else if (a->resource == RES_PLUGIN && (row = world_plugin(b->r, a->key)))
			x.pl[(const struct m_plugin *)row - b->r->plugins] = (int)i;
		else if (a->resource == RES_BUNDLE && (row = world_bundle(b->r, a->key)))
			x.bu[(const struct m_bundle *)row - b->r->bundles] = (int)i;
		else if (a->resource == RES_BASE_DOMAIN && (row = world_base_domain(b->r, a->key)))
			x.bd[(const struct m_base_domain *)row - b->r->base_domains] = (int)i;
		any = any || row;
	}
	for (size_t j = 0; any && j < b->n && !b->oom; j++)
		if (b->v[j].a.op == OP_UPDATE || b->v[j].a.op == OP_DELETE)
			order_user(b, &x, (int)j);
out:
	free(x.pt);
	free(x.pl);
	free(x.bu);
	free(x.bd);
}
