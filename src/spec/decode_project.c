/*
 * decode_project.c — the Project kind's table and custom decoders: app
 * (image, port, health path, env with literal values or secret
 * references), payment, server (auto), trial, domains (subdomain or
 * domain, type, price cap, auth code).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/trim.h"
#include "spec/decode_int.h"
#include "spec/valid.h"

ENUM(en_lifecycle, "active, suspended, archived", {"active", LC_ACTIVE},
     {"suspended", LC_SUSPENDED}, {"archived", LC_ARCHIVED});
ENUM(en_payment, "stripe_prepaid, stripe_subscription, invoice, free",
     {"stripe_prepaid", PM_STRIPE_PREPAID}, {"stripe_subscription", PM_STRIPE_SUBSCRIPTION},
     {"invoice", PM_INVOICE}, {"free", PM_FREE});
ENUM(en_dtype, "subdomain, owned, registered, transferred", {"subdomain", DT_SUBDOMAIN},
     {"owned", DT_OWNED}, {"registered", DT_REGISTERED}, {"transferred", DT_TRANSFERRED});

/* {from_env: NAME} or {from_file: PATH}; 0 / -1 */
static int get_ref(struct dc *c, const struct sp_node *v, enum m_value_kind *kind, char **ref)
{
	const struct sp_node *k, *x;
	const char *s;
	char b[80];
	size_t old;
	int rc;

	if (v->type != SP_MAP || v->len != 2 || v->u.kids[0]->type != SP_SCALAR ||
	    (strcmp(v->u.kids[0]->u.str, "from_env") && strcmp(v->u.kids[0]->u.str, "from_file")))
		return dc_err(c, v, "expected a reference {from_env: NAME} or {from_file: PATH}");
	k = v->u.kids[0];
	x = v->u.kids[1];
	old = dc_path_push(c, k->u.str, 0);
	rc = dc_get_str(c, x, true, &s);
	if (rc == 0 && k->u.str[5] == 'e') {
		if (spec_valid_env_key(s) < 0 || strchr(s, '.'))
			rc = dc_err(c, x, "'%s' is not a valid environment variable name",
				    dc_show(s, b));
		*kind = VK_FROM_ENV;
	} else if (rc == 0) {
		if (*s == 0)
			rc = dc_err(c, x, "must not be empty");
		*kind = VK_FROM_FILE;
	}
	if (rc == 0) {
		free(*ref);
		*ref = dc_strdup(c, s);
		if (*ref == NULL)
			rc = -1;
	}
	dc_path_pop(c, old);
	return rc;
}

static int fn_auth_code(struct dc *c, const struct sp_node *v, void *obj)
{
	struct m_domain *d = obj;

	if (v->type == SP_BAD)
		return -1;
	if (v->type == SP_SCALAR)
		return dc_err(c, v, "secret values must be references (from_env/from_file)");
	return get_ref(c, v, &d->auth_code_kind, &d->auth_code_ref);
}

struct keyref {
	const struct sp_node *k;
	size_t i;
};

static int env_key_cmp(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int r = strcmp(x->k->u.str, y->k->u.str);

	if (r)
		return r;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* report duplicate keys of an arbitrary-key mapping; skip[i] marks pair i */
static int dup_keys(struct dc *c, const struct sp_node *v, char *skip)
{
	size_t np = v->len / 2, nk = 0, i, f;
	struct keyref *ks = calloc(np ? np : 1, sizeof(*ks));
	char b[80];

	if (ks == NULL)
		return spec_oom(c->l);
	for (i = 0; i < np; i++)
		if (v->u.kids[2 * i]->type == SP_SCALAR)
			ks[nk++] = (struct keyref){v->u.kids[2 * i], i};
	qsort(ks, nk, sizeof(*ks), env_key_cmp);
	for (i = 1, f = 0; i < nk; i++) {
		if (strcmp(ks[i].k->u.str, ks[f].k->u.str)) {
			f = i;
			continue;
		}
		diag_add(c->l->d, ks[i].k->file, ks[i].k->line, ks[i].k->col, "duplicate key '%s'",
			 dc_show(ks[i].k->u.str, b));
		diag_note(c->l->d, ks[f].k->file, ks[f].k->line, ks[f].k->col,
			  "first defined here");
		skip[ks[i].i] = 1;
	}
	free(ks);
	return 0;
}

/* an env entry that was not kept: free what it got */
static void env_clear(struct m_env *e)
{
	free(e->key);
	free(e->value);
	free(e->ref);
	e->key = e->value = e->ref = NULL;
}

static int fn_env(struct dc *c, const struct sp_node *v, void *obj)
{
	int rc;
	struct m_app *app = obj;
	size_t np, i, old;
	char b[80], *skip;

	if ((rc = dc_optional(c, v, SP_MAP)) <= 0)
		return rc;
	np = v->len / 2;
	skip = calloc(np ? np : 1, 1);
	if (skip == NULL)
		return spec_oom(c->l);
	if (dup_keys(c, v, skip) < 0) {
		free(skip);
		return -1;
	}
	for (i = 0; i < np; i++) {
		const struct sp_node *k = v->u.kids[2 * i], *x = v->u.kids[2 * i + 1];
		struct m_env *e;

		if (k->type == SP_BAD || skip[i])
			continue;
		if (k->type != SP_SCALAR) {
			dc_err(c, k, "mapping keys must be strings, got %s", sp_type_name(k));
			continue;
		}
		if (spec_valid_env_key(k->u.str) < 0) {
			dc_err(c, k,
			       "'%s' is not a valid environment variable name (letters, "
			       "digits, '_' and '.', not starting with a digit)",
			       dc_show(k->u.str, b));
			continue;
		}
		if (x->type == SP_BAD)
			continue;
		if (spec_grow((void **)&app->env, app->nenv, sizeof(*app->env)) < 0) {
			free(skip);
			return spec_oom(c->l);
		}
		old = dc_path_push(c, k->u.str, 0);
		e = &app->env[app->nenv];
		memset(e, 0, sizeof(*e));
		e->pos = dc_pos_of(k);
		if (x->type == SP_SEQ) {
			dc_err(c, x,
			       "expected a string or a reference {from_env: NAME} / "
			       "{from_file: PATH}, got a sequence");
		} else if (x->type == SP_SCALAR && sp_scalar_kind(x) == SK_NULL) {
			dc_err(c, x,
			       "expected a string or a reference {from_env: NAME} / "
			       "{from_file: PATH}, got null");
		} else if (x->type == SP_SCALAR && spec_secret_name(k->u.str)) {
			dc_err(c, x, "secret values must be references (from_env/from_file)");
		} else if (x->type == SP_SCALAR && m_coolify_trims(x->u.str)) {
			dc_err(c, x,
			       "the value begins or ends with whitespace, which Coolify removes "
			       "(a block scalar '|-' drops the final newline)");
		} else if (x->type == SP_SCALAR) {
			e->key = dc_strdup(c, k->u.str);
			e->kind = VK_LITERAL;
			e->value = dc_strdup(c, x->u.str);
			if (e->key && e->value)
				app->nenv++;
			else
				env_clear(e);
		} else if (get_ref(c, x, &e->kind, &e->ref) == 0) {
			e->key = dc_strdup(c, k->u.str);
			if (e->key)
				app->nenv++;
			else
				env_clear(e);
		} else {
			free(e->ref);
			e->ref = NULL;
		}
		dc_path_pop(c, old);
	}
	free(skip);
	return 0;
}

/* ---- Project: app, payment, domains, server, trial ---------------------------------- */

static const struct field app_fields[] = {
    FS("image", FC_TOKEN, F_REQ, struct m_app, image),
    FI("port", 0, struct m_app, port, 1, 65535),
    FS("health_path", FC_PATH, 0, struct m_app, health_path),
    FF("env", 0, fn_env),
    FB("delete_volumes", struct m_app, delete_volumes),
    FEND,
};

static int fn_app(struct dc *c, const struct sp_node *v, void *obj)
{
	struct m_project *p = obj;

	p->app.pos = dc_pos_of(v);
	return dc_decode_map(c, v, app_fields, &p->app, NULL);
}

static const struct field payment_fields[] = {
    FE("method", struct m_project, payment_method, en_payment),
    FB("confirmed", struct m_project, payment_confirmed),
    FS("billing_email", FC_EMAIL, 0, struct m_project, billing_email),
    FS("stripe_customer_id", FC_TOKEN, 0, struct m_project, stripe_customer_id),
    FS("stripe_subscription_id", FC_TOKEN, 0, struct m_project, stripe_subscription_id),
    FEND,
};

static int fn_payment(struct dc *c, const struct sp_node *v, void *obj)
{
	struct m_project *p = obj;
	const struct sp_node *seen[MAX_FIELDS];

	if (v->type == SP_SCALAR && sp_scalar_kind(v) == SK_NULL)
		return 0;
	if (dc_decode_map(c, v, payment_fields, p, seen) < 0 && v->type != SP_MAP)
		return -1;
	p->keys |=
	    (dc_seen_of(payment_fields, seen, "method") ? PK_PAYMENT_METHOD : 0u) |
	    (dc_seen_of(payment_fields, seen, "confirmed") ? PK_PAYMENT_CONFIRMED : 0u) |
	    (dc_seen_of(payment_fields, seen, "billing_email") ? PK_BILLING_EMAIL : 0u) |
	    (dc_seen_of(payment_fields, seen, "stripe_customer_id") ? PK_STRIPE_CUSTOMER : 0u) |
	    (dc_seen_of(payment_fields, seen, "stripe_subscription_id") ? PK_STRIPE_SUBSCRIPTION
									: 0u);
	/* Stripe methods wait for confirmation; invoice and free are confirmed */
	if (dc_seen_of(payment_fields, seen, "confirmed") == NULL)
		p->payment_confirmed =
		    p->payment_method == PM_INVOICE || p->payment_method == PM_FREE;
	return 0;
}

static int fn_server(struct dc *c, const struct sp_node *v, void *obj)
{
	struct m_project *p = obj;
	const char *s;
	char *d;

	p->server_pos = dc_pos_of(v);
	if (dc_get_str(c, v, true, &s) < 0)
		return -1;
	d = dc_strdup(c, s);
	if (d == NULL)
		return -1;
	dc_lower(d);
	if (!strcmp(d, "auto")) {
		free(d);
		return 0;
	}
	free(p->server);
	p->server = d;
	if (dc_check_value(c, v, FC_SLUG, d) < 0)
		return -1;
	return spec_add_ref(c->l, R_SERVER, d, v);
}

static int fn_trial(struct dc *c, const struct sp_node *v, void *obj)
{
	struct m_project *p = obj;
	struct proj_aux *a = &c->l->paux[p - c->l->w->projects];
	long long x;
	bool b;

	if (v->type == SP_SCALAR && sp_scalar_kind(v) == SK_BOOL) {
		dc_get_bool(c, v, &b);
		a->trial_from_type = b;
		p->trial_days = 0;
		return 0;
	}
	if (v->type == SP_SCALAR && sp_scalar_kind(v) == SK_INT) {
		if (dc_get_ll(c, v, 0, 3650, &x) < 0)
			return -1;
		p->trial_days = (int)x;
		return 0;
	}
	if (v->type == SP_BAD)
		return -1;
	return dc_type_err(c, v, "a boolean or a number of days");
}

static const struct field domain_fields[] = {
    FS("subdomain", FC_LABELS, F_LOWER, struct m_domain, subdomain),
    FS("base", FC_DOMAIN, F_LOWER, struct m_domain, base_domain),
    FS("domain", FC_DOMAIN, F_LOWER, struct m_domain, fqdn),
    FE("type", struct m_domain, type, en_dtype),
    FB("primary", struct m_domain, primary),
    FI("max_price_cents", 0, struct m_domain, max_price_cents, 0, INT_MAX),
    FF("auth_code", 0, fn_auth_code),
    FEND,
};

static void decode_domain(struct dc *c, const struct sp_node *v, struct m_domain *d)
{
	const struct sp_node *seen[MAX_FIELDS], *t, *x;
	const char *why;
	char b[80];

	if (dc_decode_map(c, v, domain_fields, d, seen) < 0 && v->type != SP_MAP)
		return;
	const struct sp_node *sub = dc_seen_of(domain_fields, seen, "subdomain"),
			     *base = dc_seen_of(domain_fields, seen, "base"),
			     *dom = dc_seen_of(domain_fields, seen, "domain");
	t = dc_seen_of(domain_fields, seen, "type");
	if (sub && dom) {
		dc_err(c, dom, "give either 'subdomain' or 'domain', not both");
	} else if (!sub && !dom) {
		dc_err(c, v, "missing required key 'domain' (or 'subdomain')");
		return;
	}
	if (sub) {
		if (t && d->type != DT_SUBDOMAIN) {
			size_t old = dc_path_push(c, "type", 0);
			dc_err(c, t, "must be 'subdomain' (or left out) when 'subdomain' is given");
			dc_path_pop(c, old);
		}
		d->type = DT_SUBDOMAIN;
		if (d->fqdn) { /* both given: keep the subdomain */
			free(d->fqdn);
			d->fqdn = NULL;
		}
		if (d->subdomain && d->base_domain) {
			size_t n = strlen(d->subdomain) + strlen(d->base_domain) + 2;
			d->fqdn = malloc(n);
			if (d->fqdn == NULL) {
				spec_oom(c->l);
				return;
			}
			snprintf(d->fqdn, n, "%s.%s", d->subdomain, d->base_domain);
			if (n - 1 > 253)
				dc_err(
				    c, sub,
				    "'%s' is not a valid domain name: longer than 253 characters",
				    dc_show(d->fqdn, b));
			(void)why;
		}
		if (base)
			spec_add_ref(c->l, R_BASE_DOMAIN, d->base_domain, base);
	} else {
		if (base) {
			size_t old = dc_path_push(c, "base", 0);
			dc_err(c, base, "only allowed with 'subdomain'");
			dc_path_pop(c, old);
		}
		if (!t) {
			dc_err(c, v,
			       "missing required key 'type' (owned, registered or transferred)");
		} else if (d->type == DT_SUBDOMAIN) {
			size_t old = dc_path_push(c, "type", 0);
			dc_err(c, t, "'subdomain' requires the 'subdomain' key (and 'base')");
			dc_path_pop(c, old);
		}
	}
	if ((x = dc_seen_of(domain_fields, seen, "max_price_cents")) && d->type != DT_REGISTERED) {
		size_t old = dc_path_push(c, "max_price_cents", 0);
		dc_err(c, x, "only allowed for type 'registered'");
		dc_path_pop(c, old);
	}
	if ((x = dc_seen_of(domain_fields, seen, "auth_code")) && d->type != DT_TRANSFERRED) {
		size_t old = dc_path_push(c, "auth_code", 0);
		dc_err(c, x, "only allowed for type 'transferred'");
		dc_path_pop(c, old);
	}
	if (!x && d->type == DT_TRANSFERRED && t)
		dc_err(c, v, "missing required key 'auth_code' (type 'transferred')");
}

static int fn_domains(struct dc *c, const struct sp_node *v, void *obj)
{
	int rc;
	struct m_project *p = obj;
	size_t old;

	if ((rc = dc_optional(c, v, SP_SEQ)) <= 0)
		return rc;
	for (size_t i = 0; i < v->len; i++) {
		struct m_domain *d;
		if (spec_grow((void **)&p->domains, p->ndomains, sizeof(*p->domains)) < 0)
			return spec_oom(c->l);
		d = &p->domains[p->ndomains++];
		memset(d, 0, sizeof(*d));
		d->type = DT__MAX; /* "not given" until decoded */
		d->max_price_cents = -1;
		d->registration_cost_cents = -1;
		d->renewal_cost_cents = -1;
		d->pos = dc_pos_of(v->u.kids[i]);
		old = dc_path_push(c, NULL, (long)i);
		decode_domain(c, v->u.kids[i], d);
		if (d->type == DT__MAX)
			d->type = DT_OWNED;
		dc_path_pop(c, old);
	}
	return 0;
}

static const struct field project_fields[] = {
    FK,
    FS("slug", FC_SLUG, F_REQ | F_LOWER, struct m_project, slug),
    FS("name", FC_NONE, F_REQ, struct m_project, name),
    FS("owner_email", FC_EMAIL, F_REQ, struct m_project, owner_email),
    FS("project_type", FC_SLUG, F_REQ | F_LOWER, struct m_project, project_type),
    FS("bundle", FC_SLUG, F_LOWER, struct m_project, bundle),
    FE("lifecycle", struct m_project, lifecycle, en_lifecycle),
    FF("server", 0, fn_server),
    FB("superadmin", struct m_project, superadmin),
    FF("payment", 0, fn_payment),
    FF("trial", 0, fn_trial),
    FI("trial_days", 0, struct m_project, trial_days, 0, 3650),
    FB("demo", struct m_project, demo),
    FS("cloned_from", FC_SLUG, F_LOWER, struct m_project, cloned_from),
    FB("preview_protection", struct m_project, preview_protection),
    FF("app", F_REQ, fn_app),
    FF("domains", 0, fn_domains),
    FEND,
};

void dc_add_project(struct dc *c, const struct sp_node *root)
{
	struct spec_loader *l = c->l;
	struct m_world *w = l->w;
	const struct sp_node *seen[MAX_FIELDS], *t1, *t2;
	struct m_project *p;
	struct proj_aux *a;

	if (spec_grow((void **)&w->projects, w->nprojects, sizeof(*w->projects)) < 0) {
		spec_oom(l);
		return;
	}
	if (l->apaux <= w->nprojects) {
		size_t na = l->apaux ? l->apaux * 2 : 16;
		a = realloc(l->paux, na * sizeof(*a));
		if (a == NULL) {
			spec_oom(l);
			return;
		}
		l->paux = a;
		l->apaux = na;
	}
	a = &l->paux[w->nprojects];
	memset(a, 0, sizeof(*a));
	p = &w->projects[w->nprojects++];
	memset(p, 0, sizeof(*p));
	p->lifecycle = LC_ACTIVE;
	p->payment_method = PM_INVOICE;
	p->payment_confirmed = true;
	p->app.port = 8000;
	p->pos = dc_pos_of(root);
	dc_decode_map(c, root, project_fields, p, seen);
	if (p->app.health_path == NULL)
		p->app.health_path = dc_strdup(c, "/health");
	t1 = dc_seen_of(project_fields, seen, "trial");
	t2 = dc_seen_of(project_fields, seen, "trial_days");
	if (t1 && t2) {
		size_t old = dc_path_push(c, "trial_days", 0);
		dc_err(c, t2, "give either 'trial' or 'trial_days', not both");
		dc_path_pop(c, old);
	}
	{
		/* which optional keys the spec names: only those are managed on a recorded row */
		static const struct {
			const char *key;
			unsigned bit;
		} opt[] = {
		    {"bundle", PK_BUNDLE},	     {"lifecycle", PK_LIFECYCLE},
		    {"superadmin", PK_SUPERADMIN},   {"trial", PK_TRIAL},
		    {"trial_days", PK_TRIAL},	     {"demo", PK_DEMO},
		    {"cloned_from", PK_CLONED_FROM}, {"preview_protection", PK_PREVIEW_PROTECTION}};
		for (size_t i = 0; i < sizeof(opt) / sizeof(opt[0]); i++)
			if (dc_seen_of(project_fields, seen, opt[i].key))
				p->keys |= opt[i].bit;
	}
	a->bundle_pos = dc_pos_of(dc_seen_of(project_fields, seen, "bundle"));
	a->cloned_pos = dc_pos_of(dc_seen_of(project_fields, seen, "cloned_from"));
	spec_add_ref(l, R_PROJECT_TYPE, p->project_type,
		     dc_seen_of(project_fields, seen, "project_type"));
	spec_add_ref(l, R_BUNDLE, p->bundle, dc_seen_of(project_fields, seen, "bundle"));
	spec_add_ref(l, R_PROJECT, p->cloned_from, dc_seen_of(project_fields, seen, "cloned_from"));
}
