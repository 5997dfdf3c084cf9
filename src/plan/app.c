/*
 * app.c — one project's Coolify side: the Coolify project, the application
 * (image, port, FQDNs, drift) and its environment variables.
 */
#include "plan/plan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_reserved_env(const char *k)
{
	return strcmp(k, "VRS_PLUGINS") == 0 || strcmp(k, "VRS_PROJECT_SLUG") == 0 ||
	       strcmp(k, "VRS_API_KEY") == 0;
}

/* one environment variable as the plan compares it */
struct envv {
	const char *key;
	int kind; /* enum m_value_kind, or -1 for the generated API key */
	const char *value, *ref, *fp;
};

static int cmp_envv(const void *x, const void *y)
{
	return strcmp(((const struct envv *)x)->key, ((const struct envv *)y)->key);
}

static const char *envv_shown(const struct envv *e)
{
	return e->kind == VK_LITERAL ? e->value : SECRET;
}

static bool envv_differs(const struct envv *o, const struct envv *n)
{
	bool osecret = o->kind != VK_LITERAL, nsecret = n->kind != VK_LITERAL;

	if (osecret != nsecret)
		return true;
	if (!nsecret)
		return !pb_str_eq(o->value, n->value);
	if (n->kind < 0 || o->kind < 0)
		return false;
	/*
	 * state/ records a secret's fingerprint only (not its reference); an
	 * unresolvable secret (NULL fingerprint) keeps its recorded value.
	 */
	return n->fp != NULL && !pb_str_eq(o->fp, n->fp);
}

/* the full environment: spec env plus VRS_PLUGINS, VRS_PROJECT_SLUG, VRS_API_KEY; sorted */
static struct envv *env_list(struct builder *b, const struct m_project *p, const char *plugins,
			     bool api_key, size_t *np)
{
	struct envv *v = calloc(p->app.nenv + 3, sizeof(*v));
	size_t n = 0;

	if (v == NULL) {
		b->oom = true;
		*np = 0;
		return NULL;
	}
	for (size_t i = 0; i < p->app.nenv; i++) {
		const struct m_env *e = &p->app.env[i];
		if (e->key == NULL || is_reserved_env(e->key))
			continue;
		v[n++] = (struct envv){e->key, (int)e->kind, e->value, e->ref, e->fingerprint};
	}
	if (api_key)
		v[n++] = (struct envv){"VRS_API_KEY", -1, NULL, NULL, NULL};
	v[n++] = (struct envv){"VRS_PLUGINS", VK_LITERAL, plugins, NULL, NULL};
	v[n++] = (struct envv){"VRS_PROJECT_SLUG", VK_LITERAL, p->slug, NULL, NULL};
	qsort(v, n, sizeof(*v), cmp_envv);
	*np = n;
	return v;
}

/* the bundle's plugins, comma-separated (empty without a bundle) */
static char *plugins_of(struct builder *b, const struct m_world *w, const char *bundle)
{
	const struct m_bundle *u = bundle ? world_bundle(w, bundle) : NULL;

	return u ? pb_join_sorted(b, u->plugins, u->nplugins, ",") : pb_strdup(b, "");
}

/* "https://a,https://b": primary first, then by name */
static char *fqdns_of(struct builder *b, const struct m_project *p)
{
	char *s = project_fqdns(p);

	if (s == NULL)
		b->oom = true;
	return s;
}

/*
 * The FQDNs go to Coolify only when the names resolve (the executor's DNS
 * gate): the app's create, or an update of its FQDNs, comes after the
 * project's record creates and updates.
 */
static void req_dns(struct builder *b, struct pctx *c)
{
	for (size_t k = 0; k < c->dns.n; k++)
		if (b->v[c->dns.v[k]].a.op != OP_DELETE)
			pb_req(b, c->a_app, c->dns.v[k]);
}

/* the Coolify project (created once) and the application: create, or update what differs */
void plan_app(struct builder *b, struct pctx *c)
{
	const struct m_project *dp = c->dp, *rp = c->rp;
	const char *slug = c->slug, *sname = c->sname;
	const struct o_app *oapp = c->oapp;
	struct m_pos src = c->src;
	bool app_rec = c->app_rec, app_missing = c->app_missing;

	if (rp == NULL || rp->coolify_project_uuid == NULL) {
		c->a_cp =
		    pb_act(b, OP_CREATE, RES_COOLIFY_PROJECT, c->cpkey, slug, SVC_COOLIFY, src);
		pb_chg(b, c->a_cp, "environment", NULL, "production");
		pb_req(b, c->a_cp, c->a_proj);
	}
	char *nf = fqdns_of(b, dp),
	     *rf = rp ? (rp->applied_fqdns ? pb_strdup(b, rp->applied_fqdns) : fqdns_of(b, rp))
		      : NULL;
	char nport[32], oport[32];
	snprintf(nport, sizeof(nport), "%d", dp->app.port);
	if (app_missing) {
		c->a_app = pb_act(b, OP_CREATE, RES_COOLIFY_APP, slug, slug, SVC_COOLIFY,
				  dp->app.pos.file ? dp->app.pos : src);
		pb_chg(b, c->a_app, "image", NULL, dp->app.image);
		pb_chg(b, c->a_app, "port", NULL, nport);
		pb_chg(b, c->a_app, "server", NULL, sname);
		pb_chg(b, c->a_app, "fqdns", NULL, nf);
		if (app_rec)
			pb_drift(b, c->a_app, "drift: application deleted outside vrsctl");
		pb_req(b, c->a_app, c->a_cp);
		pb_req(b, c->a_app, c->a_proj);
		req_dns(b, c);
	} else {
		const char *oimg = rp->app.image, *ofq = rf, *drift = NULL;
		snprintf(oport, sizeof(oport), "%d", rp->app.port);
		if (pb_str_eq(oimg, dp->app.image) && oapp && oapp->image &&
		    !pb_str_eq(oapp->image, dp->app.image)) {
			oimg = oapp->image;
			drift = "image";
		}
		if (pb_str_eq(ofq, nf) && oapp && oapp->fqdn && !pb_str_eq(oapp->fqdn, nf)) {
			ofq = oapp->fqdn;
			drift = drift ? "image and fqdns" : "fqdns";
		}
		/* a recorded health path that differs (NULL: recorded before it was kept) */
		bool hp =
		    rp->app.health_path && !pb_str_eq(rp->app.health_path, dp->app.health_path);
		if (!pb_str_eq(oimg, dp->app.image) || !pb_str_eq(ofq, nf) ||
		    strcmp(oport, nport) || hp) {
			c->a_app = pb_act(b, OP_UPDATE, RES_COOLIFY_APP, slug, slug, SVC_COOLIFY,
					  dp->app.pos.file ? dp->app.pos : src);
			if (!pb_str_eq(oimg, dp->app.image))
				pb_chg(b, c->a_app, "image", oimg, dp->app.image);
			if (strcmp(oport, nport))
				pb_chg(b, c->a_app, "port", oport, nport);
			if (!pb_str_eq(ofq, nf)) {
				pb_chg(b, c->a_app, "fqdns", ofq, nf);
				req_dns(b, c);
			}
			if (hp)
				pb_chg(b, c->a_app, "health_path", rp->app.health_path,
				       dp->app.health_path);
			if (drift)
				pb_drift(b, c->a_app, "drift: %s changed outside vrsctl", drift);
		}
	}
	free(nf);
	free(rf);
}

/* the environment: the full list when not applied yet, else the keys that differ */
void plan_env(struct builder *b, struct pctx *c)
{
	const struct m_world *d = b->d;
	const struct m_project *dp = c->dp, *rp = c->rp;
	const char *slug = c->slug;
	struct m_pos src = c->src;
	bool app_rec = c->app_rec, app_missing = c->app_missing;

	char *np = plugins_of(b, d, dp->bundle), *op = rp ? plugins_of(b, b->r, rp->bundle) : NULL;
	/* applied env rows are recorded; a project that got as far as a deployment had one
	 */
	bool env_applied = app_rec && !app_missing &&
			   (rp->app.nenv > 0 || rp->status == PS_BOOTSTRAPPING ||
			    rp->status == PS_ACTIVE || rp->status == PS_SUSPENDED);
	size_t nn = 0, no = 0;
	struct envv *n = env_list(b, dp, np, true, &nn);
	struct envv *o = env_applied ? env_list(b, rp, op, true, &no) : NULL;
	if (!env_applied) {
		c->a_env = pb_act(b, OP_CREATE, RES_APP_ENV, slug, slug, SVC_COOLIFY,
				  dp->app.pos.file ? dp->app.pos : src);
		for (size_t k = 0; k < nn; k++)
			pb_chg(b, c->a_env, n[k].key, NULL, envv_shown(&n[k]));
		pb_req(b, c->a_env, c->a_app);
	} else {
		size_t x = 0, y = 0;
		while (x < no || y < nn) {
			int cmp = x >= no ? 1 : y >= nn ? -1 : strcmp(o[x].key, n[y].key);
			const char *f = NULL, *ov_ = NULL, *nv_ = NULL;
			if (cmp < 0) {
				f = o[x].key, ov_ = envv_shown(&o[x]);
				x++;
			} else if (cmp > 0) {
				f = n[y].key, nv_ = envv_shown(&n[y]);
				y++;
			} else {
				if (envv_differs(&o[x], &n[y]))
					f = n[y].key, ov_ = envv_shown(&o[x]),
					nv_ = envv_shown(&n[y]);
				x++;
				y++;
			}
			if (f == NULL)
				continue;
			if (c->a_env < 0) {
				c->a_env =
				    pb_act(b, OP_UPDATE, RES_APP_ENV, slug, slug, SVC_COOLIFY,
					   dp->app.pos.file ? dp->app.pos : src);
				pb_req(b, c->a_env, c->a_app);
			}
			pb_chg(b, c->a_env, f, ov_, nv_);
		}
	}
	free(n);
	free(o);
	free(np);
	free(op);
}
