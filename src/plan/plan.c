/*
 * plan.c — the plan as a pure function: (desired, recorded, observed, now)
 * -> ordered actions (DESIGN §6, §7). No I/O, no clock.
 *
 * Shape: build_globals() diffs servers, base domains, project types, plugins
 * and bundles; place_projects() assigns servers to new projects (slug order,
 * least loaded, ties by name); plan_project() diffs one project into local,
 * Coolify and INWX actions, remembering the index of each action so later
 * ones can require it. Actions are collected unordered with `requires` as
 * indices; filter_targets() keeps the targeted ones and their dependencies;
 * order_actions() runs Kahn's algorithm with a heap keyed by (resource, key,
 * op, creation sequence), then numbers the actions and rewrites requires as
 * ids. Everything is O(n log n) in the number of objects.
 */
#include "plan/plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET	    "(secret)"
#define MAX_RETRIES 3

/* an action under construction; requires are indices into builder.v */
struct pact {
	struct m_action a;
	int *req;
	size_t nreq, areq;
	int seq;
	bool keep;
};

struct builder {
	const struct m_world *d, *r;
	const struct m_observed *o; /* NULL unless present */
	const struct plan_opts *opts;
	struct pact *v;
	size_t n, alloc;
	size_t nnoop;
	bool oom;
	/* action index of the create/update of each desired global object, -1 if none */
	int *srv_act, *bd_act, *pt_act, *pl_act, *bu_act;
	int *proj_act; /* create/update of each desired project */
	/* placement per desired project (parallel to d->projects) */
	const char **place;
	signed char *place_auto; /* 1: chosen by auto placement, -1: no room */
	/* observed, sorted pointer indexes */
	const struct o_app **oapps;
	const struct o_record **orecs;
};

/* ---- small helpers --------------------------------------------------------- */

static char *xstrdup(struct builder *b, const char *s)
{
	char *p;

	if (s == NULL)
		return NULL;
	p = strdup(s);
	if (p == NULL)
		b->oom = true;
	return p;
}

static bool str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* add an action; returns its index or -1 (out of memory) */
static int act(struct builder *b, enum m_op op, enum m_resource res, const char *key,
	       const char *project, enum m_service svc, struct m_pos src)
{
	struct pact *p;

	if (b->oom)
		return -1;
	if (b->n == b->alloc) {
		size_t n = b->alloc ? b->alloc * 2 : 64;
		struct pact *v = realloc(b->v, n * sizeof(*v));
		if (v == NULL) {
			b->oom = true;
			return -1;
		}
		b->v = v;
		b->alloc = n;
	}
	p = &b->v[b->n];
	memset(p, 0, sizeof(*p));
	p->a.op = op;
	p->a.resource = res;
	p->a.service = svc;
	p->a.key = xstrdup(b, key);
	p->a.project = xstrdup(b, project);
	p->a.source = src;
	p->a.destructive = op == OP_DELETE;
	p->seq = (int)b->n;
	if (b->oom) {
		free(p->a.key);
		free(p->a.project);
		return -1;
	}
	return (int)b->n++;
}

static void chg(struct builder *b, int i, const char *field, const char *old, const char *new)
{
	struct m_action *a;
	struct m_change *c;

	if (i < 0 || b->oom)
		return;
	a = &b->v[i].a;
	c = realloc(a->changes, (a->nchanges + 1) * sizeof(*c));
	if (c == NULL) {
		b->oom = true;
		return;
	}
	a->changes = c;
	c = &a->changes[a->nchanges++];
	c->field = xstrdup(b, field);
	c->old = xstrdup(b, old);
	c->new = xstrdup(b, new);
}

static void req(struct builder *b, int i, int dep)
{
	struct pact *p;

	if (i < 0 || dep < 0 || i == dep || b->oom)
		return;
	p = &b->v[i];
	for (size_t k = 0; k < p->nreq; k++)
		if (p->req[k] == dep)
			return;
	if (p->nreq == p->areq) {
		size_t n = p->areq ? p->areq * 2 : 4;
		int *v = realloc(p->req, n * sizeof(*v));
		if (v == NULL) {
			b->oom = true;
			return;
		}
		p->req = v;
		p->areq = n;
	}
	p->req[p->nreq++] = dep;
}

static void reason(struct builder *b, int i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void reason(struct builder *b, int i, const char *fmt, ...)
{
	va_list ap;
	char tmp[1024];

	if (i < 0 || b->oom)
		return;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	free(b->v[i].a.reason);
	b->v[i].a.reason = xstrdup(b, tmp);
}

/* a field list for create/update diffs: value NULL means "none" */
struct fv {
	const char *field;
	const char *val;
	const char *dflt; /* a create does not show the field when val equals it */
	char num[32];
};

static void fv_str(struct fv *f, const char *field, const char *val, const char *dflt)
{
	f->field = field;
	f->val = val;
	f->dflt = dflt;
}

static void fv_int(struct fv *f, const char *field, long long v, const char *dflt)
{
	snprintf(f->num, sizeof(f->num), "%lld", v);
	fv_str(f, field, f->num, dflt);
}

static void fv_bool(struct fv *f, const char *field, bool v, const char *dflt)
{
	fv_str(f, field, v ? "true" : "false", dflt);
}

/* create: every field with a value other than its default */
static void chg_create(struct builder *b, int i, const struct fv *nv, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (nv[k].val && !(nv[k].dflt && strcmp(nv[k].val, nv[k].dflt) == 0))
			chg(b, i, nv[k].field, NULL, nv[k].val);
}

/* number of fields that differ between two parallel lists */
static size_t fv_ndiff(const struct fv *ov, const struct fv *nv, size_t n)
{
	size_t c = 0;

	for (size_t k = 0; k < n; k++)
		c += !str_eq(ov[k].val, nv[k].val);
	return c;
}

static void chg_diff(struct builder *b, int i, const struct fv *ov, const struct fv *nv, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (!str_eq(ov[k].val, nv[k].val))
			chg(b, i, nv[k].field, ov[k].val, nv[k].val);
}

static const char *destructive_note(const struct builder *b)
{
	return b->opts->allow_delete ? "" : " (needs --allow-delete)";
}

/* ---- global objects ---------------------------------------------------------- */

#define NF 16

static size_t server_fields(const struct m_server *s, struct fv *f)
{
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

static size_t base_domain_fields(const struct m_base_domain *d, struct fv *f)
{
	size_t n = 0;

	fv_str(&f[n++], "display_name", d->display_name, NULL);
	fv_bool(&f[n++], "is_active", d->is_active, "true");
	fv_bool(&f[n++], "default", d->is_default, "false");
	fv_int(&f[n++], "sort_order", d->sort_order, "0");
	fv_bool(&f[n++], "wildcard_ssl", d->wildcard_ssl, "false");
	return n;
}

static size_t project_type_fields(const struct m_project_type *t, struct fv *f)
{
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

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/*
 * names sorted and joined: state/ records a bundle's plugins sorted by name,
 * so the plan compares (and sends VRS_PLUGINS) in that order too
 */
static char *join_sorted(struct builder *b, char *const *v, size_t n, const char *sep)
{
	struct buf out;
	const char **tmp = malloc((n + 1) * sizeof(*tmp));

	buf_init(&out);
	if (tmp == NULL) {
		b->oom = true;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		tmp[i] = v[i] ? v[i] : "";
	qsort(tmp, n, sizeof(*tmp), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (buf_printf(&out, "%s%s", i ? sep : "", tmp[i]) < 0)
			b->oom = true;
	free(tmp);
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

/* diff one kind of global object: create, update or (recorded only) delete */
static int global_diff(struct builder *b, enum m_resource res, const char *key, struct m_pos src,
		       const struct fv *ov, size_t no, const struct fv *nv, size_t nn)
{
	int i = -1;

	if (nv && !ov) {
		i = act(b, OP_CREATE, res, key, NULL, SVC_LOCAL, src);
		chg_create(b, i, nv, nn);
	} else if (nv && ov) {
		if (no != nn || fv_ndiff(ov, nv, nn) == 0) {
			b->nnoop++;
			if (b->opts->verbose) /* listed, never required by anything */
				act(b, OP_NOOP, res, key, NULL, SVC_LOCAL, src);
			return -1;
		}
		i = act(b, OP_UPDATE, res, key, NULL, SVC_LOCAL, src);
		chg_diff(b, i, ov, nv, nn);
	} else if (ov) {
		i = act(b, OP_DELETE, res, key, NULL, SVC_LOCAL, src);
		reason(b, i, "removed from the specs%s", destructive_note(b));
	}
	return i;
}

static void build_globals(struct builder *b)
{
	const struct m_world *d = b->d, *r = b->r;
	struct fv ov[NF], nv[NF];
	static const struct m_pos nopos;

	for (size_t i = 0; i < d->nservers; i++) {
		const struct m_server *s = &d->servers[i], *rs = world_server(r, s->name);
		size_t nn = server_fields(s, nv), no = rs ? server_fields(rs, ov) : 0;
		if (rs && rs->status == SS_OFFLINE)
			nv[6].val = NULL; /* mode */
		b->srv_act[i] =
		    global_diff(b, RES_SERVER, s->name, s->pos, rs ? ov : NULL, no, nv, nn);
	}
	for (size_t i = 0; i < r->nservers; i++)
		if (!world_server(d, r->servers[i].name))
			global_diff(b, RES_SERVER, r->servers[i].name, nopos, ov,
				    server_fields(&r->servers[i], ov), NULL, 0);

	for (size_t i = 0; i < d->nbase_domains; i++) {
		const struct m_base_domain *x = &d->base_domains[i];
		const struct m_base_domain *rx = world_base_domain(r, x->domain);
		size_t nn = base_domain_fields(x, nv), no = rx ? base_domain_fields(rx, ov) : 0;
		b->bd_act[i] =
		    global_diff(b, RES_BASE_DOMAIN, x->domain, x->pos, rx ? ov : NULL, no, nv, nn);
	}
	for (size_t i = 0; i < r->nbase_domains; i++)
		if (!world_base_domain(d, r->base_domains[i].domain))
			global_diff(b, RES_BASE_DOMAIN, r->base_domains[i].domain, nopos, ov,
				    base_domain_fields(&r->base_domains[i], ov), NULL, 0);

	for (size_t i = 0; i < d->nproject_types; i++) {
		const struct m_project_type *x = &d->project_types[i];
		const struct m_project_type *rx = world_project_type(r, x->code);
		size_t nn = project_type_fields(x, nv), no = rx ? project_type_fields(rx, ov) : 0;
		b->pt_act[i] =
		    global_diff(b, RES_PROJECT_TYPE, x->code, x->pos, rx ? ov : NULL, no, nv, nn);
	}
	for (size_t i = 0; i < r->nproject_types; i++)
		if (!world_project_type(d, r->project_types[i].code))
			global_diff(b, RES_PROJECT_TYPE, r->project_types[i].code, nopos, ov,
				    project_type_fields(&r->project_types[i], ov), NULL, 0);

	for (size_t i = 0; i < d->nplugins; i++) {
		const struct m_plugin *x = &d->plugins[i], *rx = world_plugin(r, x->name);
		char *np = prices_str(b, x), *op = rx ? prices_str(b, rx) : NULL;
		fv_str(&nv[0], "prices", np, NULL);
		fv_str(&ov[0], "prices", op, NULL);
		b->pl_act[i] =
		    global_diff(b, RES_PLUGIN, x->name, x->pos, rx ? ov : NULL, 1, nv, 1);
		if (b->pl_act[i] >= 0)
			for (size_t k = 0; k < x->nprices; k++) {
				const struct m_project_type *pt =
				    world_project_type(d, x->prices[k].project_type);
				if (pt)
					req(b, b->pl_act[i], b->pt_act[pt - d->project_types]);
			}
		free(np);
		free(op);
	}
	for (size_t i = 0; i < r->nplugins; i++)
		if (!world_plugin(d, r->plugins[i].name)) {
			fv_str(&ov[0], "prices", NULL, NULL);
			global_diff(b, RES_PLUGIN, r->plugins[i].name, nopos, ov, 1, NULL, 0);
		}

	for (size_t i = 0; i < d->nbundles; i++) {
		const struct m_bundle *x = &d->bundles[i], *rx = world_bundle(r, x->code);
		char *np = join_sorted(b, x->plugins, x->nplugins, ", ");
		char *op = rx ? join_sorted(b, rx->plugins, rx->nplugins, ", ") : NULL;
		size_t nn = bundle_fields(x, np, nv), no = rx ? bundle_fields(rx, op, ov) : 0;
		const struct m_project_type *pt = world_project_type(d, x->project_type);
		b->bu_act[i] =
		    global_diff(b, RES_BUNDLE, x->code, x->pos, rx ? ov : NULL, no, nv, nn);
		if (pt)
			req(b, b->bu_act[i], b->pt_act[pt - d->project_types]);
		for (size_t k = 0; k < x->nplugins; k++) {
			const struct m_plugin *pl = world_plugin(d, x->plugins[k]);
			if (pl)
				req(b, b->bu_act[i], b->pl_act[pl - d->plugins]);
		}
		free(np);
		free(op);
	}
	for (size_t i = 0; i < r->nbundles; i++)
		if (!world_bundle(d, r->bundles[i].code))
			global_diff(b, RES_BUNDLE, r->bundles[i].code, nopos, ov,
				    bundle_fields(&r->bundles[i], NULL, ov), NULL, 0);
}

/* ---- placement ------------------------------------------------------------------ */

static bool is_stripe(enum m_payment_method m)
{
	return m == PM_STRIPE_PREPAID || m == PM_STRIPE_SUBSCRIPTION;
}

/* a Stripe project waits in pending_payment until confirmed (once past it, it stays past) */
static bool payment_gated(const struct m_project *dp, const struct m_project *rp)
{
	if (!is_stripe(dp->payment_method) || dp->payment_confirmed)
		return false;
	return rp == NULL || rp->status == PS_DRAFT || rp->status == PS_PENDING_PAYMENT;
}

static bool retries_exhausted(const struct m_project *rp)
{
	return rp && rp->status == PS_ERROR && rp->provisioning_retry_count >= MAX_RETRIES;
}

/* does the project take a server slot now? */
static bool wants_server(const struct m_project *dp, const struct m_project *rp)
{
	return dp->lifecycle == LC_ACTIVE && !payment_gated(dp, rp) && !retries_exhausted(rp);
}

static int cmp_oapp(const void *x, const void *y)
{
	const struct o_app *a = *(const struct o_app *const *)x,
			   *c = *(const struct o_app *const *)y;

	return strcmp(a->uuid ? a->uuid : "", c->uuid ? c->uuid : "");
}

static int cmp_orec(const void *x, const void *y)
{
	const struct o_record *a = *(const struct o_record *const *)x;
	const struct o_record *c = *(const struct o_record *const *)y;

	return strcmp(a->id ? a->id : "", c->id ? c->id : "");
}

static const struct o_app *find_oapp(const struct builder *b, const char *uuid)
{
	struct o_app key = {.uuid = (char *)uuid};
	const struct o_app *kp = &key, **hit;

	if (b->o == NULL || uuid == NULL || b->o->napps == 0)
		return NULL;
	hit = bsearch(&kp, b->oapps, b->o->napps, sizeof(*b->oapps), cmp_oapp);
	return hit ? *hit : NULL;
}

static const struct o_record *find_orec(const struct builder *b, const char *id)
{
	struct o_record key = {.id = (char *)id};
	const struct o_record *kp = &key, **hit;

	if (b->o == NULL || id == NULL || b->o->nrecords == 0)
		return NULL;
	hit = bsearch(&kp, b->orecs, b->o->nrecords, sizeof(*b->orecs), cmp_orec);
	return hit ? *hit : NULL;
}

/* mode active, accepting new projects, not offline in the recorded or the observed world */
static bool server_open(const struct builder *b, const struct m_server *s)
{
	const struct m_server *rs = world_server(b->r, s->name);

	if (s->status != SS_ACTIVE || !s->accepting_new)
		return false;
	if (rs && rs->status == SS_OFFLINE)
		return false;
	if (b->o)
		for (size_t i = 0; i < b->o->nservers; i++)
			if (str_eq(b->o->servers[i].uuid, s->coolify_uuid) &&
			    !b->o->servers[i].reachable)
				return false;
	return true;
}

/*
 * Assign a server to every desired project, in slug order: the recorded
 * placement (sticky), else the spec's server, else the open server with the
 * most free slots (ties by name), counting recorded placements and the ones
 * made earlier in this plan.
 */
static int place_projects(struct builder *b)
{
	const struct m_world *d = b->d, *r = b->r;
	int *load = calloc(d->nservers + 1, sizeof(*load));
	bool *open = calloc(d->nservers + 1, sizeof(*open));

	if (load == NULL || open == NULL) {
		free(load);
		free(open);
		return -1;
	}
	for (size_t j = 0; j < d->nservers; j++)
		open[j] = server_open(b, &d->servers[j]);
	for (size_t i = 0; i < r->nprojects; i++) {
		const struct m_project *rp = &r->projects[i];
		const struct m_server *s = world_server(d, rp->server);
		if (s && rp->status != PS_ARCHIVED)
			load[s - d->servers]++;
	}
	for (size_t i = 0; i < d->nprojects; i++) {
		const struct m_project *dp = &d->projects[i], *rp = world_project(r, dp->slug);
		const struct m_server *s;
		long best = -1, bestfree = 0;

		b->place_auto[i] = 0;
		if (rp && rp->server) {
			b->place[i] = rp->server;
			continue;
		}
		b->place[i] = dp->server;
		if (!wants_server(dp, rp))
			continue;
		if (dp->server) {
			s = world_server(d, dp->server);
			if (s)
				load[s - d->servers]++;
			continue;
		}
		for (size_t j = 0; j < d->nservers; j++) {
			long freeslots = (long)d->servers[j].max_projects - load[j];
			if (open[j] && freeslots > 0 && (best < 0 || freeslots > bestfree)) {
				best = (long)j;
				bestfree = freeslots;
			}
		}
		if (best < 0) {
			b->place_auto[i] = -1;
			continue;
		}
		b->place[i] = d->servers[best].name;
		b->place_auto[i] = 1;
		load[best]++;
	}
	free(load);
	free(open);
	return 0;
}

/* ---- one project ------------------------------------------------------------------ */

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
		return !str_eq(o->value, n->value);
	if (n->kind < 0 || o->kind < 0)
		return false;
	/*
	 * state/ records a secret's fingerprint only (not its reference); an
	 * unresolvable secret (NULL fingerprint) keeps its recorded value.
	 */
	return n->fp != NULL && !str_eq(o->fp, n->fp);
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

	return u ? join_sorted(b, u->plugins, u->nplugins, ",") : xstrdup(b, "");
}

/* "https://a,https://b": primary first, then by name */
static char *fqdns_of(struct builder *b, const struct m_project *p)
{
	char *s = project_fqdns(p);

	if (s == NULL)
		b->oom = true;
	return s;
}

static const struct m_domain *find_domain(const struct m_project *p, const char *fqdn)
{
	if (p == NULL)
		return NULL;
	for (size_t i = 0; i < p->ndomains; i++)
		if (str_eq(p->domains[i].fqdn, fqdn))
			return &p->domains[i];
	return NULL;
}

static const char *zone_of(const struct m_domain *d)
{
	return d->type == DT_SUBDOMAIN && d->base_domain ? d->base_domain : d->fqdn;
}

enum rec_kind { REC_A, REC_AAAA, REC_WWW };

static void rec_key(char *out, size_t n, enum rec_kind k, const char *fqdn)
{
	if (k == REC_A)
		snprintf(out, n, "%s/A", fqdn);
	else if (k == REC_AAAA)
		snprintf(out, n, "%s/AAAA", fqdn);
	else
		snprintf(out, n, "www.%s/CNAME", fqdn);
}

static const char *rec_id(const struct m_domain *d, enum rec_kind k)
{
	if (d == NULL)
		return NULL;
	return k == REC_A ? d->record_a : k == REC_AAAA ? d->record_aaaa : d->record_www;
}

static const char *rec_content(const struct m_server *s, const struct m_domain *d, enum rec_kind k)
{
	if (k == REC_WWW)
		return d->fqdn;
	if (s == NULL)
		return NULL;
	return k == REC_A ? s->ip_address : s->ipv6_address;
}

/* an int list that grows */
struct ilist {
	int *v;
	size_t n, alloc;
};

static void ilist_add(struct builder *b, struct ilist *l, int x)
{
	if (x < 0)
		return;
	if (l->n == l->alloc) {
		size_t n = l->alloc ? l->alloc * 2 : 8;
		int *v = realloc(l->v, n * sizeof(*v));
		if (v == NULL) {
			b->oom = true;
			return;
		}
		l->v = v;
		l->alloc = n;
	}
	l->v[l->n++] = x;
}

static void noop(struct builder *b, const char *slug, struct m_pos src, const char *why)
{
	b->nnoop++;
	if (b->opts->verbose) {
		int i = act(b, OP_NOOP, RES_PROJECT, slug, slug, SVC_LOCAL, src);
		reason(b, i, "%s", why);
	}
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
static void delete_records(struct builder *b, const char *slug, const struct m_domain *rd,
			   struct m_pos src, const char *why, int after, struct ilist *out)
{
	char key[600];

	for (int k = REC_A; k <= REC_WWW; k++) {
		int i;
		if (rec_id(rd, (enum rec_kind)k) == NULL)
			continue;
		rec_key(key, sizeof(key), (enum rec_kind)k, rd->fqdn);
		i = act(b, OP_DELETE, RES_DNS_RECORD, key, slug, SVC_INWX, src);
		chg(b, i, "zone", rd->zone ? rd->zone : zone_of(rd), NULL);
		reason(b, i, "%s%s%s", why, registration_note(rd), destructive_note(b));
		req(b, i, after);
		ilist_add(b, out, i);
	}
}

/* lifecycle archived, or removed from the specs: stop, then delete what was created remotely */
static void plan_archive(struct builder *b, const struct m_project *dp, const struct m_project *rp)
{
	const char *slug = rp->slug;
	struct m_pos src = dp ? dp->pos : rp->pos;
	const char *why = dp ? "lifecycle: archived" : "removed from the specs";
	bool app = rp->coolify_app_uuid != NULL;
	int a_stop = -1, a_del = -1, i;
	char key[300];
	struct ilist recs = {0};

	if (app && rp->status != PS_SUSPENDED && rp->status != PS_ARCHIVED) {
		a_stop = act(b, OP_STOP, RES_COOLIFY_APP, slug, slug, SVC_COOLIFY, src);
		chg(b, a_stop, "status", m_prov_status_name(rp->status), "archived");
		reason(b, a_stop, "%s", why);
	} else if (rp->status != PS_ARCHIVED) {
		a_stop = act(b, OP_UPDATE, RES_PROJECT, slug, slug, SVC_LOCAL, src);
		chg(b, a_stop, "status", m_prov_status_name(rp->status), "archived");
		reason(b, a_stop, "%s", why);
	}
	if (app) {
		a_del = act(b, OP_DELETE, RES_COOLIFY_APP, slug, slug, SVC_COOLIFY, src);
		reason(b, a_del, "%s%s", why, destructive_note(b));
		req(b, a_del, a_stop);
	}
	if (rp->coolify_project_uuid) {
		snprintf(key, sizeof(key), "vrs-%s", slug);
		i = act(b, OP_DELETE, RES_COOLIFY_PROJECT, key, slug, SVC_COOLIFY, src);
		reason(b, i, "%s%s", why, destructive_note(b));
		req(b, i, a_del >= 0 ? a_del : a_stop);
	}
	for (size_t k = 0; k < rp->ndomains; k++)
		delete_records(b, slug, &rp->domains[k], src, why, a_stop, &recs);
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

static void plan_project(struct builder *b, size_t di)
{
	const struct m_world *d = b->d;
	const struct m_project *dp = &d->projects[di], *rp = world_project(b->r, dp->slug);
	const char *slug = dp->slug, *sname = b->place[di];
	struct m_pos src = dp->pos;
	const struct m_server *ds = sname ? world_server(d, sname) : NULL;
	const struct m_server *rs = rp && rp->server ? world_server(b->r, rp->server) : NULL;
	bool app_rec = rp && rp->coolify_app_uuid, gated = payment_gated(dp, rp);
	bool noroom = b->place_auto[di] < 0, suspended = dp->lifecycle == LC_SUSPENDED;
	bool remote = !gated && !noroom && ds && !suspended, need_reg = false;
	size_t nbefore = b->n, nd = dp->ndomains;
	int a_proj = -1, a_cp = -1, a_app = -1, a_env = -1, a_start = -1, i;
	int *a_pd = NULL, *a_reg = NULL;
	struct ilist dns = {0};
	struct fv ov[NF], nv[NF];
	char price[64], oprice[64], key[600], cpkey[300];
	const char *status_new;
	const struct o_app *oapp = app_rec ? find_oapp(b, rp->coolify_app_uuid) : NULL;
	bool app_missing = !app_rec || (b->o && oapp == NULL);

	if (retries_exhausted(rp)) {
		char why[1200];
		snprintf(why, sizeof(why), "waiting for `vrsctl retry %s` after: %s", slug,
			 rp->provisioning_error ? rp->provisioning_error : "an error");
		noop(b, slug, src, why);
		return;
	}
	if (dp->lifecycle == LC_ARCHIVED) {
		if (rp)
			plan_archive(b, dp, rp);
		if (b->n == nbefore)
			noop(b, slug, src,
			     rp ? "archived" : "archived before it was provisioned: nothing to do");
		return;
	}
	snprintf(cpkey, sizeof(cpkey), "vrs-%s", slug);
	a_pd = calloc(nd + 1, sizeof(*a_pd));
	a_reg = calloc(nd + 1, sizeof(*a_reg));
	if (a_pd == NULL || a_reg == NULL) {
		b->oom = true;
		goto out;
	}
	for (size_t k = 0; k < nd; k++) {
		const struct m_domain *dd = &dp->domains[k], *rd = find_domain(rp, dd->fqdn);
		a_pd[k] = a_reg[k] = -1;
		if ((dd->type == DT_REGISTERED || dd->type == DT_TRANSFERRED) &&
		    (rd == NULL || rd->inwx_domain_id == 0 || domain_pending(rd)))
			need_reg = true;
	}

	/* the project record */
	/* a suspended project never provisioned keeps its status (draft): nothing runs */
	status_new = gated	 ? "pending_payment"
		     : suspended ? (rp ? m_prov_status_name(rp->status) : "draft")
		     : need_reg	 ? "pending_domain"
				 : "provisioning";
	if (rp == NULL) {
		size_t n = project_fields(dp, price_of(d, dp->bundle, price, sizeof(price)), nv);
		const struct m_project_type *pt = world_project_type(d, dp->project_type);
		const struct m_bundle *bu = dp->bundle ? world_bundle(d, dp->bundle) : NULL;
		a_proj = act(b, OP_CREATE, RES_PROJECT, slug, slug, SVC_LOCAL, src);
		chg_create(b, a_proj, nv, n);
		if (b->place_auto[di] > 0)
			chg(b, a_proj, "server", "auto", sname);
		else if (noroom)
			chg(b, a_proj, "server", "auto", NULL);
		else
			chg(b, a_proj, "server", NULL, sname ? sname : "auto");
		if (strcmp(status_new, "draft") == 0)
			chg(b, a_proj, "status", NULL, status_new);
		else
			chg(b, a_proj, "status", "draft", status_new);
		if (ds)
			req(b, a_proj, b->srv_act[ds - d->servers]);
		if (pt)
			req(b, a_proj, b->pt_act[pt - d->project_types]);
		if (bu)
			req(b, a_proj, b->bu_act[bu - d->bundles]);
		b->proj_act[di] = a_proj;
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
			a_proj = act(b, OP_UPDATE, RES_PROJECT, slug, slug, SVC_LOCAL, src);
			chg_diff(b, a_proj, ov, nv, n);
			if (place)
				chg(b, a_proj, "server", b->place_auto[di] ? "auto" : NULL, sname);
			if (restatus && strcmp(m_prov_status_name(rp->status), status_new))
				chg(b, a_proj, "status", m_prov_status_name(rp->status),
				    status_new);
		}
	}
	if (gated)
		reason(b, a_proj,
		       "waiting for payment (%s): nothing is provisioned until payment.confirmed",
		       m_payment_method_name(dp->payment_method));
	else if (noroom)
		reason(b, a_proj, "no server with free capacity: nothing is provisioned");
	else if (suspended && !app_rec)
		reason(b, a_proj,
		       "lifecycle: suspended: nothing is provisioned until it is active");
	else if (sname && !ds)
		reason(b, a_proj, "server '%s' is not in the specs: nothing is provisioned", sname);

	/* domains: local records */
	for (size_t k = 0; k < nd; k++) {
		const struct m_domain *dd = &dp->domains[k], *rd = find_domain(rp, dd->fqdn);
		if (rd == NULL) {
			const struct m_base_domain *bd =
			    dd->base_domain ? world_base_domain(d, dd->base_domain) : NULL;
			i = a_pd[k] = act(b, OP_CREATE, RES_PROJECT_DOMAIN, dd->fqdn, slug,
					  SVC_LOCAL, dd->pos);
			chg(b, i, "type", NULL, m_domain_type_name(dd->type));
			if (dd->type == DT_SUBDOMAIN) {
				chg(b, i, "base_domain", NULL, dd->base_domain);
				chg(b, i, "subdomain", NULL, dd->subdomain);
			}
			if (dd->primary)
				chg(b, i, "primary", NULL, "true");
			req(b, i, a_proj);
			if (bd)
				req(b, i, b->bd_act[bd - d->base_domains]);
		} else if (rd->primary != dd->primary) {
			i = a_pd[k] = act(b, OP_UPDATE, RES_PROJECT_DOMAIN, dd->fqdn, slug,
					  SVC_LOCAL, dd->pos);
			chg(b, i, "primary", rd->primary ? "true" : "false",
			    dd->primary ? "true" : "false");
		}
	}
	for (size_t k = 0; rp && k < rp->ndomains; k++) {
		const struct m_domain *rd = &rp->domains[k];
		struct ilist recs = {0};
		if (find_domain(dp, rd->fqdn))
			continue;
		delete_records(b, slug, rd, src, "domain removed from the specs", -1, &recs);
		i = act(b, OP_DELETE, RES_PROJECT_DOMAIN, rd->fqdn, slug, SVC_LOCAL, src);
		reason(b, i, "domain removed from the specs%s%s", registration_note(rd),
		       destructive_note(b));
		for (size_t j = 0; j < recs.n; j++)
			req(b, i, recs.v[j]);
		free(recs.v);
	}

	if (suspended && app_rec && rp->status != PS_SUSPENDED) {
		i = act(b, OP_STOP, RES_COOLIFY_APP, slug, slug, SVC_COOLIFY, src);
		chg(b, i, "status", m_prov_status_name(rp->status), "suspended");
		reason(b, i, "lifecycle: suspended");
	}
	if (!remote)
		goto out;

	/* domain purchases, and orders still pending at INWX */
	for (size_t k = 0; k < nd; k++) {
		const struct m_domain *dd = &dp->domains[k], *rd = find_domain(rp, dd->fqdn);
		const struct o_offer *of = find_offer(b, dd->fqdn);
		char cap[64], money[64];
		if (dd->type != DT_REGISTERED && dd->type != DT_TRANSFERRED)
			continue;
		if (rd && rd->inwx_domain_id != 0) {
			if (!domain_pending(rd))
				continue;
			/* bought already: vrsctl asks INWX how the order is going */
			i = a_reg[k] = act(b, OP_UPDATE, RES_DOMAIN_REGISTRATION, dd->fqdn, slug,
					   SVC_INWX, dd->pos);
			chg(b, i, "status", m_domain_status_name(rd->status), "(checked at INWX)");
			reason(b, i, "%s pending at INWX",
			       rd->status == DS_PENDING_TRANSFER ? "transfer" : "registration");
			req(b, i, a_pd[k]);
			continue;
		}
		i = a_reg[k] = act(b, dd->type == DT_REGISTERED ? OP_REGISTER : OP_TRANSFER,
				   RES_DOMAIN_REGISTRATION, dd->fqdn, slug, SVC_INWX, dd->pos);
		if (of && of->price_cents >= 0 && dd->type == DT_REGISTERED) {
			b->v[i].a.cost_cents = of->price_cents;
			chg(b, i, "price", NULL,
			    cents_display(of->price_cents, money, sizeof(money)));
		}
		if (of && of->renewal_cents >= 0 && dd->type == DT_REGISTERED) {
			char r[64];
			snprintf(r, sizeof(r), "%s/Jahr",
				 cents_display(of->renewal_cents, money, sizeof(money)));
			chg(b, i, "renewal", NULL, r);
		}
		if (dd->type == DT_REGISTERED && dd->max_price_cents >= 0)
			chg(b, i, "max_price", NULL,
			    cents_display(dd->max_price_cents, cap, sizeof(cap)));
		if (dd->type == DT_TRANSFERRED && (of == NULL || of->auth_code_needed))
			chg(b, i, "auth_code", NULL, SECRET);
		if (of == NULL)
			reason(b, i, "price known after --refresh");
		else if (dd->type == DT_REGISTERED && of->avail == 0)
			reason(b, i, "not available for registration: apply will fail");
		else if (dd->type == DT_REGISTERED && dd->max_price_cents >= 0 &&
			 of->price_cents > dd->max_price_cents)
			reason(b, i, "price above max_price_cents: apply will refuse to buy");
		else if (dd->type == DT_REGISTERED && dd->max_price_cents < 0)
			reason(b, i, "a purchase: needs apply --approve-costs");
		else if (dd->type == DT_TRANSFERRED && of && !of->auth_code_needed)
			reason(b, i, "the TLD needs no auth code");
		req(b, i, a_pd[k]);
	}

	/* Coolify project and application */
	if (rp == NULL || rp->coolify_project_uuid == NULL) {
		a_cp = act(b, OP_CREATE, RES_COOLIFY_PROJECT, cpkey, slug, SVC_COOLIFY, src);
		chg(b, a_cp, "environment", NULL, "production");
		req(b, a_cp, a_proj);
	}
	{
		char *nf = fqdns_of(b, dp),
		     *rf =
			 rp ? (rp->applied_fqdns ? xstrdup(b, rp->applied_fqdns) : fqdns_of(b, rp))
			    : NULL;
		char nport[32], oport[32];
		snprintf(nport, sizeof(nport), "%d", dp->app.port);
		if (app_missing) {
			a_app = act(b, OP_CREATE, RES_COOLIFY_APP, slug, slug, SVC_COOLIFY,
				    dp->app.pos.file ? dp->app.pos : src);
			chg(b, a_app, "image", NULL, dp->app.image);
			chg(b, a_app, "port", NULL, nport);
			chg(b, a_app, "server", NULL, sname);
			chg(b, a_app, "fqdns", NULL, nf);
			if (app_rec)
				reason(b, a_app, "drift: application deleted outside vrsctl");
			req(b, a_app, a_cp);
			req(b, a_app, a_proj);
		} else {
			const char *oimg = rp->app.image, *ofq = rf, *drift = NULL;
			snprintf(oport, sizeof(oport), "%d", rp->app.port);
			if (str_eq(oimg, dp->app.image) && oapp && oapp->image &&
			    !str_eq(oapp->image, dp->app.image)) {
				oimg = oapp->image;
				drift = "image";
			}
			if (str_eq(ofq, nf) && oapp && oapp->fqdn && !str_eq(oapp->fqdn, nf)) {
				ofq = oapp->fqdn;
				drift = drift ? "image and fqdns" : "fqdns";
			}
			if (!str_eq(oimg, dp->app.image) || !str_eq(ofq, nf) ||
			    strcmp(oport, nport)) {
				a_app = act(b, OP_UPDATE, RES_COOLIFY_APP, slug, slug, SVC_COOLIFY,
					    dp->app.pos.file ? dp->app.pos : src);
				if (!str_eq(oimg, dp->app.image))
					chg(b, a_app, "image", oimg, dp->app.image);
				if (strcmp(oport, nport))
					chg(b, a_app, "port", oport, nport);
				if (!str_eq(ofq, nf))
					chg(b, a_app, "fqdns", ofq, nf);
				if (drift)
					reason(b, a_app, "drift: %s changed outside vrsctl", drift);
			}
		}
		free(nf);
		free(rf);
	}

	/* environment */
	{
		char *np = plugins_of(b, d, dp->bundle),
		     *op = rp ? plugins_of(b, b->r, rp->bundle) : NULL;
		/* applied env rows are recorded; a project that got as far as a deployment had one
		 */
		bool env_applied = app_rec && !app_missing &&
				   (rp->app.nenv > 0 || rp->status == PS_BOOTSTRAPPING ||
				    rp->status == PS_ACTIVE || rp->status == PS_SUSPENDED);
		size_t nn = 0, no = 0;
		struct envv *n = env_list(b, dp, np, true, &nn);
		struct envv *o = env_applied ? env_list(b, rp, op, true, &no) : NULL;
		if (!env_applied) {
			a_env = act(b, OP_CREATE, RES_APP_ENV, slug, slug, SVC_COOLIFY,
				    dp->app.pos.file ? dp->app.pos : src);
			for (size_t k = 0; k < nn; k++)
				chg(b, a_env, n[k].key, NULL, envv_shown(&n[k]));
			req(b, a_env, a_app);
		} else {
			size_t x = 0, y = 0;
			while (x < no || y < nn) {
				int c = x >= no ? 1 : y >= nn ? -1 : strcmp(o[x].key, n[y].key);
				const char *f = NULL, *ov_ = NULL, *nv_ = NULL;
				if (c < 0) {
					f = o[x].key, ov_ = envv_shown(&o[x]);
					x++;
				} else if (c > 0) {
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
				if (a_env < 0) {
					a_env =
					    act(b, OP_UPDATE, RES_APP_ENV, slug, slug, SVC_COOLIFY,
						dp->app.pos.file ? dp->app.pos : src);
					req(b, a_env, a_app);
				}
				chg(b, a_env, f, ov_, nv_);
			}
		}
		free(n);
		free(o);
		free(np);
		free(op);
	}

	/* DNS records */
	for (size_t k = 0; k < nd; k++) {
		const struct m_domain *dd = &dp->domains[k], *rd = find_domain(rp, dd->fqdn);
		for (int t = REC_A; t <= REC_WWW; t++) {
			const char *want = rec_content(ds, dd, (enum rec_kind)t);
			const char *id = rec_id(rd, (enum rec_kind)t), *had;
			const struct o_record *orec = find_orec(b, id);
			rec_key(key, sizeof(key), (enum rec_kind)t, dd->fqdn);
			if (want == NULL) {
				if (id) { /* the server lost its IPv6 address */
					i = act(b, OP_DELETE, RES_DNS_RECORD, key, slug, SVC_INWX,
						dd->pos);
					chg(b, i, "zone", zone_of(dd), NULL);
					reason(b, i, "server '%s' has no ipv6_address%s", sname,
					       destructive_note(b));
					ilist_add(b, &dns, i);
				}
				continue;
			}
			if (id == NULL || (b->o && orec == NULL)) {
				i = act(b, OP_CREATE, RES_DNS_RECORD, key, slug, SVC_INWX, dd->pos);
				chg(b, i, "zone", NULL, zone_of(dd));
				chg(b, i, "content", NULL, want);
				if (id)
					reason(b, i, "drift: record deleted outside vrsctl");
				req(b, i, a_pd[k]);
				req(b, i, a_reg[k]);
				ilist_add(b, &dns, i);
				continue;
			}
			had = t == REC_WWW ? dd->fqdn
			      : rs	   ? rec_content(rs, dd, (enum rec_kind)t)
					   : want;
			if (!str_eq(had, want)) {
				i = act(b, OP_UPDATE, RES_DNS_RECORD, key, slug, SVC_INWX, dd->pos);
				chg(b, i, "content", had, want);
				ilist_add(b, &dns, i);
			} else if (orec && !str_eq(orec->content, want)) {
				i = act(b, OP_UPDATE, RES_DNS_RECORD, key, slug, SVC_INWX, dd->pos);
				chg(b, i, "content", orec->content, want);
				reason(b, i, "drift: record changed outside vrsctl");
				ilist_add(b, &dns, i);
			}
		}
	}

	/* start a stopped application, deploy what changed or never finished */
	if (app_rec && !app_missing && rp->status == PS_SUSPENDED) {
		a_start = act(b, OP_START, RES_COOLIFY_APP, slug, slug, SVC_COOLIFY, src);
		chg(b, a_start, "status", "suspended", "active");
		reason(b, a_start, "lifecycle: active");
	} else if (app_rec && !app_missing && rp->status == PS_ACTIVE && app_stopped(oapp)) {
		a_start = act(b, OP_START, RES_COOLIFY_APP, slug, slug, SVC_COOLIFY, src);
		reason(b, a_start, "drift: application %s outside vrsctl", oapp->status);
	}
	req(b, a_start, a_app);
	req(b, a_start, a_env);
	if (a_app >= 0 || a_env >= 0 ||
	    (rp && rp->status != PS_ACTIVE && rp->status != PS_SUSPENDED) || rp == NULL) {
		i = act(b, OP_DEPLOY, RES_DEPLOYMENT, slug, slug, SVC_COOLIFY, src);
		chg(b, i, "image", NULL, dp->app.image);
		if (rp && a_app < 0 && a_env < 0 &&
		    (rp->status == PS_PROVISIONING || rp->status == PS_BOOTSTRAPPING))
			reason(b, i, "deployment not finished (status %s)",
			       m_prov_status_name(rp->status));
		req(b, i, a_app);
		req(b, i, a_env);
		req(b, i, a_start);
		for (size_t k = 0; k < dns.n; k++)
			if (b->v[dns.v[k]].a.op != OP_DELETE)
				req(b, i, dns.v[k]);
	}

out:
	if (rp && rp->status == PS_ERROR && !b->oom) {
		for (size_t k = nbefore; k < b->n; k++)
			if (b->v[k].a.reason == NULL)
				reason(b, (int)k, "retry %d of %d after: %s",
				       rp->provisioning_retry_count + 1, MAX_RETRIES,
				       rp->provisioning_error ? rp->provisioning_error
							      : "an error");
	}
	if (b->n == nbefore)
		noop(b, slug, src, "converged");
	free(a_pd);
	free(a_reg);
	free(dns.v);
}

/* ---- targets ---------------------------------------------------------------------- */

static bool target_exists(const struct builder *b, enum m_resource res, const char *key)
{
	const struct m_world *w[2] = {b->d, b->r};

	for (int k = 0; k < 2; k++) {
		switch (res) {
		case RES_PROJECT:
			if (world_project(w[k], key))
				return true;
			break;
		case RES_SERVER:
			if (world_server(w[k], key))
				return true;
			break;
		case RES_BASE_DOMAIN:
			if (world_base_domain(w[k], key))
				return true;
			break;
		case RES_PROJECT_TYPE:
			if (world_project_type(w[k], key))
				return true;
			break;
		case RES_PLUGIN:
			if (world_plugin(w[k], key))
				return true;
			break;
		case RES_BUNDLE:
			if (world_bundle(w[k], key))
				return true;
			break;
		default:
			return true; /* keys of derived objects: matched against the actions */
		}
	}
	return false;
}

static void free_pact(struct pact *p)
{
	action_clear(&p->a);
	free(p->req);
}

/* keep the targeted actions and, transitively, what they require */
static int filter_targets(struct builder *b, struct vrs_err *err)
{
	const struct plan_opts *o = b->opts;
	int *stack, *map;
	size_t sp = 0, m = 0;

	if (o->ntargets == 0)
		return 0;
	for (size_t t = 0; t < o->ntargets; t++) {
		const char *s = o->targets[t], *slash = s ? strchr(s, '/') : NULL;
		char kind[64];
		enum m_resource res;
		size_t kl = slash ? (size_t)(slash - s) : 0;
		if (slash == NULL || kl == 0 || kl >= sizeof(kind) || slash[1] == 0)
			return err_set(
			    err, "invalid target '%s': want KIND/KEY, e.g. project/pizzeria-roma",
			    s ? s : "");
		memcpy(kind, s, kl);
		kind[kl] = 0;
		if (m_resource_parse(kind, &res) < 0)
			return err_set(err, "invalid target '%s': unknown kind '%s'", s, kind);
		if (!target_exists(b, res, slash + 1))
			return err_set(err, "target '%s' names nothing in the specs or the state",
				       s);
		for (size_t i = 0; i < b->n; i++) {
			const struct m_action *a = &b->v[i].a;
			if ((res == RES_PROJECT && str_eq(a->project, slash + 1)) ||
			    (a->resource == res && str_eq(a->key, slash + 1)))
				b->v[i].keep = true;
		}
	}
	stack = malloc((b->n + 1) * sizeof(*stack));
	map = malloc((b->n + 1) * sizeof(*map));
	if (stack == NULL || map == NULL) {
		free(stack);
		free(map);
		return err_set(err, "out of memory");
	}
	for (size_t i = 0; i < b->n; i++)
		if (b->v[i].keep)
			stack[sp++] = (int)i;
	while (sp > 0) {
		struct pact *p = &b->v[stack[--sp]];
		for (size_t k = 0; k < p->nreq; k++)
			if (!b->v[p->req[k]].keep) {
				b->v[p->req[k]].keep = true;
				stack[sp++] = p->req[k];
			}
	}
	for (size_t i = 0; i < b->n; i++)
		map[i] = b->v[i].keep ? (int)m++ : -1;
	for (size_t i = 0, j = 0; i < b->n; i++) {
		if (!b->v[i].keep) {
			free_pact(&b->v[i]);
			continue;
		}
		b->v[j] = b->v[i];
		for (size_t k = 0; k < b->v[j].nreq; k++)
			b->v[j].req[k] = map[b->v[j].req[k]];
		j++;
	}
	b->n = m;
	free(stack);
	free(map);
	return 0;
}

/* ---- ordering ---------------------------------------------------------------------- */

static int pact_cmp(const struct pact *x, const struct pact *y)
{
	int r;

	if (x->a.resource != y->a.resource)
		return (int)x->a.resource - (int)y->a.resource;
	r = strcmp(x->a.key ? x->a.key : "", y->a.key ? y->a.key : "");
	if (r)
		return r;
	if (x->a.op != y->a.op)
		return (int)x->a.op - (int)y->a.op;
	return x->seq - y->seq;
}

/*
 * The heap orders ready actions by their rank in the total order of
 * pact_cmp, computed once with one sort: the heap then compares integers,
 * not strings (10,000 projects are over 100,000 actions).
 */
static void heap_push(const int *rank, int *h, size_t *n, int x)
{
	size_t i = (*n)++;

	h[i] = x;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (rank[h[p]] <= rank[h[i]])
			break;
		int t = h[p];
		h[p] = h[i];
		h[i] = t;
		i = p;
	}
}

static int heap_pop(const int *rank, int *h, size_t *n)
{
	int top = h[0];
	size_t i = 0;

	h[0] = h[--(*n)];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < *n && rank[h[l]] < rank[h[m]])
			m = l;
		if (r < *n && rank[h[r]] < rank[h[m]])
			m = r;
		if (m == i)
			break;
		int t = h[m];
		h[m] = h[i];
		h[i] = t;
		i = m;
	}
	return top;
}

static int cmp_pact_index(const void *x, const void *y, void *v)
{
	const struct pact *p = v;

	return pact_cmp(&p[*(const int *)x], &p[*(const int *)y]);
}

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, c = *(const int *)y;

	return (a > c) - (a < c);
}

/* Kahn's algorithm; moves the actions into out in order, ids 1..n, requires as ids */
static int order_actions(struct builder *b, struct m_plan *out, struct vrs_err *err)
{
	size_t n = b->n, done = 0, hn = 0;
	int *indeg = calloc(n + 1, sizeof(int)), *off = calloc(n + 2, sizeof(int));
	int *dep = NULL, *heap = malloc((n + 1) * sizeof(int)),
	    *pos = malloc((n + 1) * sizeof(int));
	int *order = malloc((n + 1) * sizeof(int)), *fill = calloc(n + 1, sizeof(int));
	struct m_action *acts = calloc(n + 1, sizeof(*acts));
	size_t nedges = 0;
	int rc = -1;

	if (!indeg || !off || !heap || !pos || !order || !fill || !acts)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		indeg[i] = (int)b->v[i].nreq;
		nedges += b->v[i].nreq;
		for (size_t k = 0; k < b->v[i].nreq; k++)
			off[b->v[i].req[k] + 1]++;
	}
	for (size_t i = 0; i < n; i++)
		off[i + 1] += off[i];
	dep = malloc((nedges + 1) * sizeof(int));
	if (dep == NULL)
		goto oom;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < b->v[i].nreq; k++) {
			int d = b->v[i].req[k];
			dep[off[d] + fill[d]++] = (int)i;
		}
	/* rank: position in the total order (order[] serves as scratch here) */
	for (size_t i = 0; i < n; i++)
		order[i] = (int)i;
	if (n > 1)
		qsort_r(order, n, sizeof(int), cmp_pact_index, b->v);
	for (size_t i = 0; i < n; i++)
		fill[order[i]] = (int)i;
	for (size_t i = 0; i < n; i++)
		if (indeg[i] == 0)
			heap_push(fill, heap, &hn, (int)i);
	while (hn > 0) {
		int x = heap_pop(fill, heap, &hn);
		pos[x] = (int)done;
		order[done++] = x;
		for (int k = off[x]; k < off[x + 1]; k++)
			if (--indeg[dep[k]] == 0)
				heap_push(fill, heap, &hn, dep[k]);
	}
	if (done != n) {
		err_set(err, "plan: dependency cycle among %zu actions", n - done);
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		struct pact *p = &b->v[order[k]];
		acts[k] = p->a;
		acts[k].id = (int)k + 1;
		acts[k].requires = p->req;
		acts[k].nrequires = p->nreq;
		for (size_t j = 0; j < p->nreq; j++)
		acts[k].requires[j] = pos[p->req[j]] + 1;
		if (p->nreq > 1)
			qsort(acts[k].requires, p->nreq, sizeof(int), cmp_int);
		if (p->nreq == 0) {
			free(p->req);
			acts[k].requires = NULL;
		}
		p->req = NULL;
	}
	out->actions = acts;
	out->nactions = n;
	acts = NULL;
	b->n = 0;
	rc = 0;
	goto out;
oom:
	err_set(err, "out of memory");
out:
	free(indeg);
	free(off);
	free(dep);
	free(heap);
	free(pos);
	free(order);
	free(fill);
	free(acts);
	return rc;
}

/* ---- entry points --------------------------------------------------------------------- */

#define SORTED(arr, n, field)                                                                      \
	do {                                                                                       \
		for (size_t i_ = 1; i_ < (n); i_++)                                                \
			if (strcmp((arr)[i_ - 1].field ? (arr)[i_ - 1].field : "",                 \
				   (arr)[i_].field ? (arr)[i_].field : "") > 0)                    \
				return false;                                                      \
	} while (0)

static bool world_sorted(const struct m_world *w)
{
	SORTED(w->servers, w->nservers, name);
	SORTED(w->base_domains, w->nbase_domains, domain);
	SORTED(w->project_types, w->nproject_types, code);
	SORTED(w->plugins, w->nplugins, name);
	SORTED(w->bundles, w->nbundles, code);
	SORTED(w->projects, w->nprojects, slug);
	return true;
}

static void builder_free(struct builder *b)
{
	for (size_t i = 0; i < b->n; i++)
		free_pact(&b->v[i]);
	free(b->v);
	free(b->srv_act);
	free(b->bd_act);
	free(b->pt_act);
	free(b->pl_act);
	free(b->bu_act);
	free(b->proj_act);
	free(b->place);
	free(b->place_auto);
	free(b->oapps);
	free(b->orecs);
}

static int *neg_array(size_t n)
{
	int *v = malloc((n + 1) * sizeof(*v));

	if (v)
		for (size_t i = 0; i <= n; i++)
			v[i] = -1;
	return v;
}

int plan_build(const struct m_world *desired, const struct m_world *recorded,
	       const struct m_observed *observed, const struct plan_opts *opts, struct m_plan *out,
	       struct vrs_err *err)
{
	struct builder b;
	struct m_world empty;
	static const struct plan_opts noopts;
	int rc = -1;

	memset(&b, 0, sizeof(b));
	memset(&empty, 0, sizeof(empty));
	b.d = desired;
	b.r = recorded ? recorded : &empty;
	b.o = observed && observed->present ? observed : NULL;
	b.opts = opts ? opts : &noopts;
	out->actions = NULL;
	out->nactions = 0;
	out->nnoop = 0;
	if (!world_sorted(b.d) || !world_sorted(b.r))
		return err_set(err, "plan: the worlds must be sorted by key (world_sort)");
	b.srv_act = neg_array(b.d->nservers);
	b.bd_act = neg_array(b.d->nbase_domains);
	b.pt_act = neg_array(b.d->nproject_types);
	b.pl_act = neg_array(b.d->nplugins);
	b.bu_act = neg_array(b.d->nbundles);
	b.proj_act = neg_array(b.d->nprojects);
	b.place = calloc(b.d->nprojects + 1, sizeof(*b.place));
	b.place_auto = calloc(b.d->nprojects + 1, sizeof(*b.place_auto));
	if (!b.srv_act || !b.bd_act || !b.pt_act || !b.pl_act || !b.bu_act || !b.proj_act ||
	    !b.place || !b.place_auto)
		goto oom;
	if (b.o) {
		b.oapps = malloc((b.o->napps + 1) * sizeof(*b.oapps));
		b.orecs = malloc((b.o->nrecords + 1) * sizeof(*b.orecs));
		if (!b.oapps || !b.orecs)
			goto oom;
		for (size_t i = 0; i < b.o->napps; i++)
			b.oapps[i] = &b.o->apps[i];
		for (size_t i = 0; i < b.o->nrecords; i++)
			b.orecs[i] = &b.o->records[i];
		qsort(b.oapps, b.o->napps, sizeof(*b.oapps), cmp_oapp);
		qsort(b.orecs, b.o->nrecords, sizeof(*b.orecs), cmp_orec);
	}
	build_globals(&b);
	if (place_projects(&b) < 0)
		goto oom;
	for (size_t i = 0; i < b.d->nprojects && !b.oom; i++)
		plan_project(&b, i);
	/* a demo clone's record needs its source project's record first */
	for (size_t i = 0; i < b.d->nprojects; i++) {
		const struct m_project *src = world_project(b.d, b.d->projects[i].cloned_from);
		if (src)
			req(&b, b.proj_act[i], b.proj_act[src - b.d->projects]);
	}
	for (size_t i = 0; i < b.r->nprojects && !b.oom; i++) {
		const struct m_project *rp = &b.r->projects[i];
		size_t before = b.n;
		if (world_project(b.d, rp->slug))
			continue;
		plan_archive(&b, NULL, rp);
		if (b.n == before)
			noop(&b, rp->slug, rp->pos, "removed from the specs and archived");
	}
	if (b.oom)
		goto oom;
	if (filter_targets(&b, err) < 0)
		goto out;
	if (order_actions(&b, out, err) < 0)
		goto out;
	out->nnoop = b.nnoop;
	rc = 0;
	goto out;
oom:
	err_set(err, "plan: out of memory");
out:
	builder_free(&b);
	return rc;
}

int plan_check(const struct m_world *desired, const struct m_world *recorded,
	       struct diag_list *diags)
{
	int rc = 0;

	for (size_t i = 0; recorded && i < desired->nprojects; i++) {
		const struct m_project *dp = &desired->projects[i];
		const struct m_project *rp = world_project(recorded, dp->slug);
		if (dp->server == NULL || rp == NULL || rp->server == NULL ||
		    rp->status == PS_ARCHIVED || strcmp(dp->server, rp->server) == 0)
			continue;
		rc = diag_add(
		    diags, dp->server_pos.file, dp->server_pos.line, dp->server_pos.col,
		    "project '%s' is placed on '%s'; moving to '%s' is not supported: "
		    "set `server: %s` (or auto) again, or archive it (lifecycle: archived), "
		    "apply with --allow-delete, then create it under a new slug",
		    dp->slug, rp->server, dp->server, rp->server);
	}
	for (size_t i = 0; recorded && i < recorded->nservers; i++) {
		const struct m_server *rs = &recorded->servers[i];
		size_t n = 0;
		const char *first = NULL;
		if (world_server(desired, rs->name))
			continue;
		for (size_t j = 0; j < recorded->nprojects; j++) {
			const struct m_project *rp = &recorded->projects[j];
			if (rp->server && strcmp(rp->server, rs->name) == 0 &&
			    rp->status != PS_ARCHIVED) {
				if (first == NULL)
					first = rp->slug;
				n++;
			}
		}
		if (n)
			rc = diag_add(
			    diags, NULL, 0, 0,
			    "server '%s' was removed from the specs but still hosts %zu "
			    "project(s) (first: '%s'): archive them (lifecycle: archived) and "
			    "apply with --allow-delete before removing the server",
			    rs->name, n, first);
	}
	return rc;
}

void plan_summarize(const struct m_plan *p, struct plan_summary *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < p->nactions; i++) {
		const struct m_action *a = &p->actions[i];
		switch (a->op) {
		case OP_CREATE:
			s->create++;
			break;
		case OP_UPDATE:
			s->update++;
			break;
		case OP_DELETE:
			s->delete ++;
			break;
		case OP_DEPLOY:
			s->deploy++;
			break;
		case OP_START:
			s->start++;
			break;
		case OP_STOP:
			s->stop++;
			break;
		case OP_REGISTER:
			s->reg++;
			break;
		case OP_TRANSFER:
			s->transfer++;
			break;
		default:
			break;
		}
		s->cost_cents += a->cost_cents;
	}
	s->noop = p->nnoop;
}

bool plan_has_changes(const struct m_plan *p)
{
	for (size_t i = 0; i < p->nactions; i++)
		if (p->actions[i].op != OP_NOOP)
			return true;
	return false;
}
