/*
 * test_plan.c — unit tests of src/plan/: plan_build over worlds built in C
 * (fresh plans, placement, every change kind, drift, lifecycle, retries,
 * targets, determinism, speed), plan_check, the four renderers against
 * exact strings, and the saved-plan round trip through plan_parse_json.
 *
 * Fixtures: std_world() builds the same desired world every time; calling
 * it for the recorded world too and then converge() gives a state where
 * everything has been applied, which single tests then perturb.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan/plan.h"

#define FILE_A "specs/projects.yaml"

/* ---- fixtures ---------------------------------------------------------------- */

static char *S(const char *s)
{
	return s ? strdup(s) : NULL;
}

#define GROW(arr, n)                                                                               \
	((arr) = realloc((arr), ((n) + 1) * sizeof(*(arr))),                                       \
	 memset(&(arr)[(n)], 0, sizeof(*(arr))), &(arr)[(n)++])

static struct m_pos P(int line) {
	struct m_pos p = {FILE_A, line, 1};
	return p;
}

static struct m_server *
add_server(struct m_world *w, const char *name, const char *ip, const char *ip6, int max)
{
	struct m_server *s = GROW(w->servers, w->nservers);
	char uuid[64];

	snprintf(uuid, sizeof(uuid), "uuid-%s", name);
	s->name = S(name);
	s->coolify_uuid = S(uuid);
	s->ip_address = S(ip);
	s->ipv6_address = S(ip6);
	s->ssh_port = 22;
	s->max_projects = max;
	s->accepting_new = true;
	s->status = SS_ACTIVE;
	s->pos = P(1);
	s->owned = true; /* a recorded row is vrsctl's unless a test says not */
	return s;
}

static void add_base_domain(struct m_world *w, const char *domain, bool dflt)
{
	struct m_base_domain *b = GROW(w->base_domains, w->nbase_domains);

	b->domain = S(domain);
	b->display_name = S(domain);
	b->is_active = true;
	b->is_default = dflt;
	b->pos = P(2);
	b->owned = true;
}

static void add_project_type(struct m_world *w, const char *code)
{
	struct m_project_type *t = GROW(w->project_types, w->nproject_types);

	t->code = S(code);
	t->name = S("Gastronomie");
	t->trial_days = 14;
	t->pos = P(3);
	t->owned = true;
}

static void add_plugin(struct m_world *w, const char *name, enum m_billing_cycle c, int cents)
{
	struct m_plugin *p = GROW(w->plugins, w->nplugins);
	struct m_plugin_price *pr = GROW(p->prices, p->nprices);

	p->name = S(name);
	p->pos = P(4);
	p->owned = true;
	pr->project_type = S("gastro");
	pr->billing_cycle = c;
	pr->price_cents = cents;
}

static struct m_bundle *add_bundle(struct m_world *w, const char *code, enum m_billing_cycle c,
				   int discount, const char *p1, const char *p2)
{
	struct m_bundle *b = GROW(w->bundles, w->nbundles);

	b->code = S(code);
	b->name = S(code);
	b->project_type = S("gastro");
	b->billing_cycle = c;
	b->discount_percent = discount;
	b->is_active = true;
	if (p1)
		*GROW(b->plugins, b->nplugins) = S(p1);
	if (p2)
		*GROW(b->plugins, b->nplugins) = S(p2);
	b->pos = P(5);
	b->owned = true;
	return b;
}

static void add_env(struct m_project *p, const char *key, enum m_value_kind k, const char *val,
		    const char *fp)
{
	struct m_env *e = GROW(p->app.env, p->app.nenv);

	e->key = S(key);
	e->kind = k;
	if (k == VK_LITERAL)
		e->value = S(val);
	else
		e->ref = S(val);
	e->fingerprint = S(fp);
	e->pos = P(30);
}

static struct m_domain *add_domain(struct m_project *p, const char *fqdn, enum m_domain_type t,
				   const char *sub, const char *base, bool primary)
{
	struct m_domain *d = GROW(p->domains, p->ndomains);

	d->fqdn = S(fqdn);
	d->type = t;
	d->subdomain = S(sub);
	d->base_domain = S(base);
	d->primary = primary;
	d->max_price_cents = -1;
	d->pos = P(40);
	return d;
}

static struct m_project *add_project(struct m_world *w, const char *slug, int line)
{
	struct m_project *p = GROW(w->projects, w->nprojects);
	char buf[128];

	p->slug = S(slug);
	snprintf(buf, sizeof(buf), "Name of %s", slug);
	p->name = S(buf);
	snprintf(buf, sizeof(buf), "info@%s.de", slug);
	p->owner_email = S(buf);
	p->project_type = S("gastro");
	p->bundle = S("gastro-basic");
	p->lifecycle = LC_ACTIVE;
	p->payment_method = PM_INVOICE;
	p->payment_confirmed = true;
	p->app.image = S("ghcr.io/vrs-gmbh/vrs-core:1.4.2");
	p->app.port = 8000;
	p->app.health_path = S("/health");
	p->pos = P(line);
	p->server_pos = P(line + 1);
	add_env(p, "VRS_LOCALE", VK_LITERAL, "de_DE", NULL);
	add_env(p, "SMTP_PASSWORD", VK_FROM_ENV, "ROMA_SMTP_PASSWORD", "fp-smtp-1");
	return p;
}

/* two servers, two base domains, one type, two plugins, a bundle; projects added by tests */
static void std_globals(struct m_world *w)
{
	world_init(w);
	add_server(w, "fsn1-01", "203.0.113.10", "2001:db8::10", 20);
	add_server(w, "fsn1-02", "203.0.113.11", NULL, 20);
	add_base_domain(w, "vrs-preview.de", false); /* already sorted: no world_sort needed */
	add_base_domain(w, "vrs.gmbh", true);
	add_project_type(w, "gastro");
	add_plugin(w, "menu", BC_MONTHLY, 990);
	add_plugin(w, "reservations", BC_MONTHLY, 1500);
	add_bundle(w, "gastro-basic", BC_MONTHLY, 10, "menu", "reservations");
}

/* the standard world: globals plus pizzeria-roma on roma.vrs.gmbh */
static void std_world(struct m_world *w)
{
	struct m_project *p;

	std_globals(w);
	p = add_project(w, "pizzeria-roma", 10);
	add_domain(p, "roma.vrs.gmbh", DT_SUBDOMAIN, "roma", "vrs.gmbh", true);
	world_sort(w);
}

/* make a recorded world look fully applied: placed on `server`, active, records created */
static void converge(struct m_world *r, const char *server)
{
	for (size_t i = 0; i < r->nprojects; i++) {
		struct m_project *p = &r->projects[i];
		struct buf f;
		char id[64];

		buf_init(&f);
		p->server = S(server);
		p->status = PS_ACTIVE;
		p->coolify_project_uuid = S("cp-uuid");
		p->coolify_environment_uuid = S("env-uuid");
		snprintf(id, sizeof(id), "app-%s", p->slug);
		p->coolify_app_uuid = S(id);
		p->has_api_key = true;
		p->managed = true; /* recorded from a spec (it has its vrs_project_ext row) */
		for (size_t k = 0; k < p->app.nenv; k++) { /* state/ keeps no secret reference */
			if (p->app.env[k].kind != VK_LITERAL) {
				free(p->app.env[k].ref);
				p->app.env[k].ref = NULL;
				p->app.env[k].kind = VK_FROM_ENV;
			}
		}
		for (size_t k = 0; k < p->ndomains; k++) {
			struct m_domain *d = &p->domains[k];
			const struct m_server *s = world_server(r, server);
			d->status = DS_ACTIVE;
			d->zone = S(d->type == DT_SUBDOMAIN ? d->base_domain : d->fqdn);
			snprintf(id, sizeof(id), "rec-a-%s", d->fqdn);
			d->record_a = S(id);
			if (s && s->ipv6_address) {
				snprintf(id, sizeof(id), "rec-aaaa-%s", d->fqdn);
				d->record_aaaa = S(id);
			}
			snprintf(id, sizeof(id), "rec-www-%s", d->fqdn);
			d->record_www = S(id);
			if (d->type == DT_REGISTERED || d->type == DT_TRANSFERRED)
				d->inwx_domain_id = 77;
		}
		for (size_t k = 0; k < p->ndomains; k++) /* primary first, then by name */
			if (p->domains[k].primary)
				buf_printf(&f, "%shttps://%s", f.len ? "," : "",
					   p->domains[k].fqdn);
		for (size_t k = 0; k < p->ndomains; k++)
			if (!p->domains[k].primary)
				buf_printf(&f, "%shttps://%s", f.len ? "," : "",
					   p->domains[k].fqdn);
		p->applied_fqdns = buf_detach(&f);
	}
}

/* "id op resource key [req,...]" per action */
static char *listing(const struct m_plan *p)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < p->nactions; i++) {
		const struct m_action *a = &p->actions[i];
		buf_printf(&b, "%d %s %s %s", a->id, m_op_name(a->op), m_resource_name(a->resource),
			   a->key);
		if (a->nrequires) {
			buf_puts(&b, " [");
			for (size_t k = 0; k < a->nrequires; k++)
				buf_printf(&b, "%s%d", k ? "," : "", a->requires[k]);
			buf_puts(&b, "]");
		}
		buf_puts(&b, "\n");
	}
	return buf_detach(&b);
}

/* only the actions of one project, "op resource key" per line */
static char *plisting(const struct m_plan *p, const char *slug)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < p->nactions; i++) {
		const struct m_action *a = &p->actions[i];
		if (a->project && strcmp(a->project, slug) == 0)
			buf_printf(&b, "%s %s %s\n", m_op_name(a->op), m_resource_name(a->resource),
				   a->key);
	}
	return buf_detach(&b);
}

static const struct m_action *find_action(const struct m_plan *p, enum m_op op, enum m_resource res,
					  const char *key)
{
	for (size_t i = 0; i < p->nactions; i++)
		if (p->actions[i].op == op && p->actions[i].resource == res &&
		    strcmp(p->actions[i].key, key) == 0)
			return &p->actions[i];
	return NULL;
}

static const struct m_change *find_change(const struct m_action *a, const char *field)
{
	for (size_t i = 0; a && i < a->nchanges; i++)
		if (strcmp(a->changes[i].field, field) == 0)
			return &a->changes[i];
	return NULL;
}

static void build(const struct m_world *d, const struct m_world *r, const struct m_observed *o,
		  const struct plan_opts *opts, struct m_plan *out)
{
	struct vrs_err err;
	struct plan_opts dflt = {0};

	err_clear(&err);
	plan_init(out);
	if (plan_build(d, r, o, opts ? opts : &dflt, out, &err) != 0)
		fail_msg("plan_build: %s", err.msg);
}

static char *render(const struct m_plan *p, const struct m_world *d,
		    int (*fn)(const struct m_plan *, const struct m_world *, bool, bool,
			      struct buf *),
		    bool verbose)
{
	struct buf b;

	buf_init(&b);
	assert_int_equal(fn(p, d, false, verbose, &b), 0);
	return buf_detach(&b);
}

#define assert_has(hay, needle)                                                                    \
	do {                                                                                       \
		if (strstr((hay), (needle)) == NULL)                                               \
			fail_msg("missing '%s' in:\n%s", (needle), (hay));                         \
	} while (0)
#define assert_hasnt(hay, needle)                                                                  \
	do {                                                                                       \
		if (strstr((hay), (needle)) != NULL)                                               \
			fail_msg("unexpected '%s' in:\n%s", (needle), (hay));                      \
	} while (0)

/* ---- fresh plans ------------------------------------------------------------------ */

static void test_fresh_one_project(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	char *l;
	const struct m_action *a;
	(void)state;

	std_world(&d);
	world_init(&r);
	build(&d, &r, NULL, NULL, &p);
	l = listing(&p);
	assert_string_equal(l, "1 create server fsn1-01\n"
			       "2 create server fsn1-02\n"
			       "3 create base_domain vrs-preview.de\n"
			       "4 create base_domain vrs.gmbh\n"
			       "5 create project_type gastro\n"
			       "6 create plugin menu [5]\n"
			       "7 create plugin reservations [5]\n"
			       "8 create bundle gastro-basic [5,6,7]\n"
			       "9 create project pizzeria-roma [1,5,8]\n"
			       "10 create project_domain roma.vrs.gmbh [4,9]\n"
			       "11 create coolify_project vrs-pizzeria-roma [9]\n"
			       "12 create dns_record roma.vrs.gmbh/A [10]\n"
			       "13 create dns_record roma.vrs.gmbh/AAAA [10]\n"
			       "14 create dns_record www.roma.vrs.gmbh/CNAME [10]\n"
			       "15 create coolify_app pizzeria-roma [9,11,12,13,14]\n"
			       "16 create app_env pizzeria-roma [15]\n"
			       "17 deploy deployment pizzeria-roma [12,13,14,15,16]\n");
	assert_int_equal(p.nnoop, 0);
	a = find_action(&p, OP_CREATE, RES_PROJECT, "pizzeria-roma");
	assert_string_equal(find_change(a, "bundle_price")->new, "22,41 €/Monat");
	assert_string_equal(find_change(a, "server")->old, "auto");
	assert_string_equal(find_change(a, "server")->new, "fsn1-01");
	assert_string_equal(find_change(a, "status")->new, "provisioning");
	assert_int_equal(a->service, SVC_LOCAL);
	a = find_action(&p, OP_CREATE, RES_COOLIFY_APP, "pizzeria-roma");
	assert_string_equal(find_change(a, "fqdns")->new, "https://roma.vrs.gmbh");
	assert_string_equal(find_change(a, "server")->new, "fsn1-01");
	assert_int_equal(a->service, SVC_COOLIFY);
	a = find_action(&p, OP_CREATE, RES_DNS_RECORD, "roma.vrs.gmbh/A");
	assert_string_equal(find_change(a, "zone")->new, "vrs.gmbh");
	assert_string_equal(find_change(a, "content")->new, "203.0.113.10");
	assert_int_equal(a->service, SVC_INWX);
	a = find_action(&p, OP_CREATE, RES_DNS_RECORD, "www.roma.vrs.gmbh/CNAME");
	assert_string_equal(find_change(a, "content")->new, "roma.vrs.gmbh");
	a = find_action(&p, OP_CREATE, RES_APP_ENV, "pizzeria-roma");
	assert_int_equal(a->nchanges, 5);
	assert_string_equal(a->changes[0].field, "SMTP_PASSWORD");
	assert_string_equal(a->changes[0].new, "(secret)");
	assert_string_equal(a->changes[1].field, "VRS_API_KEY");
	assert_string_equal(a->changes[1].new, "(secret)");
	assert_string_equal(a->changes[2].field, "VRS_LOCALE");
	assert_string_equal(a->changes[3].field, "VRS_PLUGINS");
	assert_string_equal(a->changes[3].new, "menu,reservations");
	assert_string_equal(a->changes[4].field, "VRS_PROJECT_SLUG");
	assert_string_equal(a->changes[4].new, "pizzeria-roma");
	free(l);
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

static void test_fresh_domains_owned_registered_transferred(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	struct m_project *pr;
	struct m_domain *dm;
	char *l;
	const struct m_action *a;
	(void)state;

	std_globals(&d);
	pr = add_project(&d, "roma", 10);
	add_domain(pr, "roma.vrs-preview.de", DT_SUBDOMAIN, "roma", "vrs-preview.de", false);
	add_domain(pr, "pizzeria-roma.de", DT_OWNED, NULL, NULL, true);
	dm = add_domain(pr, "roma-pizza.de", DT_REGISTERED, NULL, NULL, false);
	dm->max_price_cents = 1500;
	dm = add_domain(pr, "roma-alt.de", DT_TRANSFERRED, NULL, NULL, false);
	dm->auth_code_kind = VK_FROM_ENV;
	dm->auth_code_ref = S("ROMA_AUTHCODE");
	world_sort(&d);
	world_init(&r);
	build(&d, &r, NULL, NULL, &p);
	l = plisting(&p, "roma");
	assert_string_equal(l, "create project roma\n"
			       "create project_domain pizzeria-roma.de\n"
			       "create project_domain roma-alt.de\n"
			       "create project_domain roma-pizza.de\n"
			       "create project_domain roma.vrs-preview.de\n"
			       "transfer domain_registration roma-alt.de\n"
			       "register domain_registration roma-pizza.de\n"
			       "create coolify_project vrs-roma\n"
			       "create dns_record pizzeria-roma.de/A\n"
			       "create dns_record pizzeria-roma.de/AAAA\n"
			       "create dns_record roma-alt.de/A\n"
			       "create dns_record roma-alt.de/AAAA\n"
			       "create dns_record roma-pizza.de/A\n"
			       "create dns_record roma-pizza.de/AAAA\n"
			       "create dns_record roma.vrs-preview.de/A\n"
			       "create dns_record roma.vrs-preview.de/AAAA\n"
			       "create dns_record www.pizzeria-roma.de/CNAME\n"
			       "create dns_record www.roma-alt.de/CNAME\n"
			       "create dns_record www.roma-pizza.de/CNAME\n"
			       "create dns_record www.roma.vrs-preview.de/CNAME\n"
			       "create coolify_app roma\n"
			       "create app_env roma\n"
			       "deploy deployment roma\n");
	a = find_action(&p, OP_CREATE, RES_COOLIFY_APP, "roma");
	assert_string_equal(find_change(a, "fqdns")->new,
			    "https://pizzeria-roma.de,https://roma-alt.de,https://roma-pizza.de,"
			    "https://roma.vrs-preview.de");
	a = find_action(&p, OP_CREATE, RES_DNS_RECORD, "pizzeria-roma.de/A");
	assert_string_equal(find_change(a, "zone")->new, "pizzeria-roma.de");
	a = find_action(&p, OP_CREATE, RES_DNS_RECORD, "roma.vrs-preview.de/A");
	assert_string_equal(find_change(a, "zone")->new, "vrs-preview.de");
	a = find_action(&p, OP_REGISTER, RES_DOMAIN_REGISTRATION, "roma-pizza.de");
	assert_string_equal(find_change(a, "max_price")->new, "15,00 €");
	assert_string_equal(a->reason, "price known after --refresh");
	assert_int_equal(a->cost_cents, 0);
	assert_false(a->destructive);
	assert_int_equal(a->service, SVC_INWX);
	a = find_action(&p, OP_TRANSFER, RES_DOMAIN_REGISTRATION, "roma-alt.de");
	assert_string_equal(find_change(a, "auth_code")->new, "(secret)");
	assert_false(a->destructive);
	/* the registration comes before its records */
	assert_true(find_action(&p, OP_CREATE, RES_DNS_RECORD, "roma-pizza.de/A")->requires[1] ==
		    find_action(&p, OP_REGISTER, RES_DOMAIN_REGISTRATION, "roma-pizza.de")->id);
	a = find_action(&p, OP_CREATE, RES_PROJECT, "roma");
	assert_string_equal(find_change(a, "status")->new, "pending_domain");
	free(l);
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

static void test_stripe_unconfirmed_pending_payment(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	char *l;
	const struct m_action *a;
	(void)state;

	std_world(&d);
	d.projects[0].payment_method = PM_STRIPE_SUBSCRIPTION;
	d.projects[0].payment_confirmed = false;
	world_init(&r);
	build(&d, &r, NULL, NULL, &p);
	l = plisting(&p, "pizzeria-roma");
	assert_string_equal(l, "create project pizzeria-roma\n"
			       "create project_domain roma.vrs.gmbh\n");
	a = find_action(&p, OP_CREATE, RES_PROJECT, "pizzeria-roma");
	assert_string_equal(find_change(a, "status")->old, "draft");
	assert_string_equal(find_change(a, "status")->new, "pending_payment");
	assert_has(a->reason, "waiting for payment");
	free(l);
	plan_release(&p);

	/* confirmed later: recorded pending_payment -> provisioning and the remote steps */
	d.projects[0].payment_confirmed = true;
	std_world(&r);
	r.projects[0].status = PS_PENDING_PAYMENT;
	r.projects[0].payment_method = PM_STRIPE_SUBSCRIPTION;
	r.projects[0].payment_confirmed = false;
	build(&d, &r, NULL, NULL, &p);
	l = plisting(&p, "pizzeria-roma");
	assert_string_equal(l, "update project pizzeria-roma\n"
			       "create coolify_project vrs-pizzeria-roma\n"
			       "create dns_record roma.vrs.gmbh/A\n"
			       "create dns_record roma.vrs.gmbh/AAAA\n"
			       "create dns_record www.roma.vrs.gmbh/CNAME\n"
			       "create coolify_app pizzeria-roma\n"
			       "create app_env pizzeria-roma\n"
			       "deploy deployment pizzeria-roma\n");
	a = find_action(&p, OP_UPDATE, RES_PROJECT, "pizzeria-roma");
	assert_string_equal(find_change(a, "payment_confirmed")->new, "true");
	assert_string_equal(find_change(a, "server")->new, "fsn1-01");
	assert_string_equal(find_change(a, "status")->new, "provisioning");
	free(l);
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

static void test_fresh_suspended_and_archived(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	char *l, *t;
	(void)state;

	std_world(&d);
	d.projects[0].lifecycle = LC_SUSPENDED;
	add_project(&d, "zz-archived", 50)->lifecycle = LC_ARCHIVED;
	world_sort(&d);
	world_init(&r);
	build(&d, &r, NULL, NULL, &p);
	l = plisting(&p, "pizzeria-roma");
	assert_string_equal(l,
			    "create project pizzeria-roma\ncreate project_domain roma.vrs.gmbh\n");
	/* never provisioned: it stays a draft, nothing runs */
	assert_string_equal(
	    find_change(find_action(&p, OP_CREATE, RES_PROJECT, "pizzeria-roma"), "status")->new,
	    "draft");
	assert_null(
	    find_change(find_action(&p, OP_CREATE, RES_PROJECT, "pizzeria-roma"), "status")->old);
	free(l);
	l = plisting(&p, "zz-archived");
	assert_string_equal(l, "");
	assert_int_equal(p.nnoop, 1);
	free(l);
	plan_release(&p);

	struct plan_opts o = {.verbose = true};
	build(&d, &r, NULL, &o, &p);
	t = render(&p, &d, plan_render_text, true);
	assert_has(t, "  = project zz-archived\n      # archived before it was provisioned");
	free(t);
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

/* ---- placement ---------------------------------------------------------------------- */

static void test_placement_least_loaded(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	char name[32];
	(void)state;

	std_globals(&d);
	add_server(&d, "a-small", "198.51.100.1", NULL, 3);
	add_server(&d, "b-maint", "198.51.100.2", NULL, 50)->status = SS_MAINTENANCE;
	add_server(&d, "c-closed", "198.51.100.3", NULL, 50)->accepting_new = false;
	add_server(&d, "d-offline", "198.51.100.4", NULL, 50);
	add_server(&d, "e-unreach", "198.51.100.5", NULL, 50);
	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		add_project(&d, name, 10 + i);
	}
	world_sort(&d);
	/* recorded: fsn1-01 already hosts 18 (2 free), fsn1-02 hosts 19 (1 free) */
	std_globals(&r);
	add_server(&r, "d-offline", "198.51.100.4", NULL, 50)->status = SS_OFFLINE;
	for (int i = 0; i < 37; i++) {
		struct m_project *x;
		snprintf(name, sizeof(name), "old%02d", i);
		x = add_project(&r, name, 100);
		x->server = S(i < 18 ? "fsn1-01" : "fsn1-02");
		x->status = PS_ACTIVE;
	}
	world_sort(&r);
	struct o_server os = {.uuid = "uuid-e-unreach", .name = "e", .ip = "x", .reachable = false};
	struct m_observed obs = {.present = true, .servers = &os, .nservers = 1};
	struct plan_opts o = {0};
	build(&d, &r, &obs, &o, &p);
	/*
	 * free slots: a-small 3, fsn1-01 2, fsn1-02 1; the others are closed. Most
	 * free first, ties by name: a-small (3), a-small (2 vs 2: name), fsn1-01
	 * (2 vs 1), a-small (1, 1, 1: name), fsn1-01 (1 vs 1: name), fsn1-02.
	 */
	static const char *want[] = {"a-small", "a-small", "fsn1-01", "a-small", "fsn1-01", NULL};
	for (int i = 0; i < 6; i++) {
		const struct m_action *a;
		snprintf(name, sizeof(name), "p%d", i);
		a = find_action(&p, OP_CREATE, RES_PROJECT, name);
		assert_non_null(a);
		if (want[i] == NULL) {
			/* the 6th project: fsn1-02 has 1 free slot and wins */
			assert_string_equal(find_change(a, "server")->new, "fsn1-02");
		} else {
			assert_string_equal(find_change(a, "server")->new, want[i]);
		}
	}
	plan_release(&p);

	/* one more project than there are slots: no room */
	add_project(&d, "p6", 30);
	world_sort(&d);
	build(&d, &r, &obs, &o, &p);
	{
		const struct m_action *a = find_action(&p, OP_CREATE, RES_PROJECT, "p6");
		char *l = plisting(&p, "p6");
		assert_non_null(a);
		assert_null(find_change(a, "server")->new);
		assert_string_equal(find_change(a, "server")->old, "auto");
		assert_has(a->reason, "no server with free capacity");
		assert_string_equal(l, "create project p6\n");
		free(l);
	}
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

static void test_placement_ties_and_sticky(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	(void)state;

	std_world(&d);
	add_project(&d, "aaa", 60);
	add_project(&d, "bbb", 70);
	world_sort(&d);
	world_init(&r);
	build(&d, &r, NULL, NULL, &p);
	/* aaa: tie 20/20 -> fsn1-01; bbb: fsn1-02 has 20 free vs 19 -> fsn1-02; roma: tie ->
	 * fsn1-01 */
	assert_string_equal(
	    find_change(find_action(&p, OP_CREATE, RES_PROJECT, "aaa"), "server")->new, "fsn1-01");
	assert_string_equal(
	    find_change(find_action(&p, OP_CREATE, RES_PROJECT, "bbb"), "server")->new, "fsn1-02");
	assert_string_equal(
	    find_change(find_action(&p, OP_CREATE, RES_PROJECT, "pizzeria-roma"), "server")->new,
	    "fsn1-01");
	plan_release(&p);
	world_release(&d);

	/* sticky: recorded on fsn1-02 stays there although fsn1-01 is emptier */
	std_world(&d);
	std_world(&r);
	converge(&r, "fsn1-02");
	build(&d, &r, NULL, NULL, &p);
	assert_int_equal(p.nactions, 0);
	plan_release(&p);

	/* an explicit server is used as is */
	free(d.projects[0].server);
	d.projects[0].server = S("fsn1-02");
	world_release(&r);
	world_init(&r);
	build(&d, &r, NULL, NULL, &p);
	{
		const struct m_change *c =
		    find_change(find_action(&p, OP_CREATE, RES_PROJECT, "pizzeria-roma"), "server");
		assert_null(c->old);
		assert_string_equal(c->new, "fsn1-02");
		/* fsn1-02 has no IPv6: no AAAA record */
		assert_null(find_action(&p, OP_CREATE, RES_DNS_RECORD, "roma.vrs.gmbh/AAAA"));
	}
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

/* ---- changes against a recorded state ------------------------------------------------ */

static void converged_pair(struct m_world *d, struct m_world *r)
{
	std_world(d);
	std_world(r);
	converge(r, "fsn1-01");
}

/* issue 13: the application's billing fields are no change unless the spec names them */
static void test_unnamed_keys_no_change(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	const struct m_action *a;
	(void)state;

	converged_pair(&d, &r);
	r.projects[0].billing_email = S("app@example.org");
	r.projects[0].stripe_customer_id = S("cus_app");
	r.projects[0].payment_method = PM_STRIPE_SUBSCRIPTION;
	build(&d, &r, NULL, NULL, &p);
	assert_int_equal(p.nactions, 0);
	plan_release(&p);
	/* named: shown and applied */
	free(d.projects[0].billing_email);
	d.projects[0].billing_email = S("spec@example.org");
	d.projects[0].keys = PK_BILLING_EMAIL | PK_STRIPE_CUSTOMER;
	build(&d, &r, NULL, NULL, &p);
	a = find_action(&p, OP_UPDATE, RES_PROJECT, "pizzeria-roma");
	assert_non_null(a);
	assert_string_equal(find_change(a, "billing_email")->new, "spec@example.org");
	assert_null(find_change(a, "stripe_customer_id")->new);
	assert_string_equal(find_change(a, "stripe_customer_id")->old, "cus_app");
	assert_null(find_change(a, "payment_method"));
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

/* a project row the application inserted is no delete, no archive, no action */
static void test_unmanaged_left_alone(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	(void)state;

	converged_pair(&d, &r);
	world_release(&d);
	std_globals(&d);
	r.projects[0].managed = false;
	free(r.projects[0].coolify_app_uuid);
	r.projects[0].coolify_app_uuid = NULL;
	r.projects[0].status = PS_DRAFT;
	struct plan_opts o = {.allow_delete = true};
	build(&d, &r, NULL, &o, &p);
	for (size_t i = 0; i < p.nactions; i++)
		assert_true(p.actions[i].project == NULL ||
			    strcmp(p.actions[i].project, "pizzeria-roma") != 0);
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

/* the marketplace application's catalogue rows beside the converged pair's (owned false) */
static void add_app_catalogue(struct m_world *r)
{
	struct m_bundle *b;

	add_server(r, "app-1", "198.51.100.7", NULL, 20)->owned = false;
	add_base_domain(r, "app.example", false);
	r->base_domains[r->nbase_domains - 1].owned = false;
	add_project_type(r, "hotel");
	r->project_types[r->nproject_types - 1].owned = false;
	add_plugin(r, "shop-kit", BC_ONCE, 500);
	r->plugins[r->nplugins - 1].owned = false;
	b = add_bundle(r, "hotel-basic", BC_YEARLY, 5, "shop-kit", NULL);
	b->owned = false;
	free(b->project_type);
	b->project_type = S("hotel");
	/* and one of vrsctl's that no spec names any more */
	add_project_type(r, "spa");
	world_sort(r);
}

/*
 * issue 13: a catalogue row vrsctl does not own (the marketplace's admin
 * made it) and no spec names is left alone, with --allow-delete too: no
 * action, not a delete; vrsctl's own is deleted. A spec naming one adopts
 * it (an update with no change, so the apply marks it vrsctl's).
 */
static void test_catalogue_unowned(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	const struct m_action *a;
	struct plan_opts o = {.allow_delete = true};
	struct plan_opts v = {.allow_delete = true, .verbose = true};
	char *l;
	(void)state;

	converged_pair(&d, &r);
	add_app_catalogue(&r);
	build(&d, &r, NULL, &o, &p);
	l = listing(&p);
	assert_string_equal(l, "1 delete project_type spa\n");
	assert_true(p.actions[0].destructive);
	free(l);
	plan_release(&p);
	/* verbose lists them, as no-ops the application owns */
	build(&d, &r, NULL, &v, &p);
	a = find_action(&p, OP_NOOP, RES_BUNDLE, "hotel-basic");
	assert_non_null(a);
	assert_has(a->reason, "unmanaged: recorded by the marketplace application");
	assert_non_null(find_action(&p, OP_NOOP, RES_SERVER, "app-1"));
	assert_non_null(find_action(&p, OP_NOOP, RES_BASE_DOMAIN, "app.example"));
	assert_non_null(find_action(&p, OP_NOOP, RES_PROJECT_TYPE, "hotel"));
	assert_non_null(find_action(&p, OP_NOOP, RES_PLUGIN, "shop-kit"));
	assert_null(find_action(&p, OP_DELETE, RES_PLUGIN, "shop-kit"));
	plan_release(&p);

	/* a spec names the application's type, as it is: adopted */
	add_project_type(&d, "hotel");
	world_sort(&d);
	build(&d, &r, NULL, &o, &p);
	l = listing(&p);
	assert_string_equal(l, "1 update project_type hotel\n"
			       "2 delete project_type spa\n");
	a = find_action(&p, OP_UPDATE, RES_PROJECT_TYPE, "hotel");
	assert_int_equal(a->nchanges, 0);
	assert_has(a->reason, "managed by vrsctl from this apply on");
	free(l);
	plan_release(&p);
	/* once the apply marked it, it is converged */
	world_project_type(&r, "hotel")->owned = true;
	build(&d, &r, NULL, &o, &p);
	assert_null(find_action(&p, OP_UPDATE, RES_PROJECT_TYPE, "hotel"));
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

/*
 * issue 13: a row of vrsctl's no spec names that a recorded row still uses
 * after the apply (the application's project, bundle or plugin) is refused
 * by plan_check, naming the user: deleting it would break the application's
 * row. Rows the apply deletes too do not count.
 */
static void test_catalogue_still_used(void **state)
{
	struct m_world d, r;
	struct diag_list dl;
	struct m_project *x;
	struct m_bundle *b;
	struct m_plan p;
	struct plan_opts o = {.allow_delete = true};
	char *l;
	(void)state;

	converged_pair(&d, &r);
	add_app_catalogue(&r);
	/* vrsctl's bundle on its removed type spa: both go, nothing refused */
	b = add_bundle(&r, "spa-basic", BC_MONTHLY, 0, "menu", NULL);
	free(b->project_type);
	b->project_type = S("spa");
	world_sort(&r);
	diag_init(&dl);
	assert_int_equal(plan_check(&d, &r, &dl), 0);
	assert_int_equal(dl.n, 0);
	/* the bundle's delete first (the foreign key), and the project's move off spa */
	free(r.projects[0].project_type);
	r.projects[0].project_type = S("spa");
	build(&d, &r, NULL, &o, &p);
	l = listing(&p);
	assert_string_equal(l, "1 delete bundle spa-basic\n"
			       "2 update project pizzeria-roma\n"
			       "3 delete project_type spa [1,2]\n");
	assert_string_equal(find_change(&p.actions[1], "project_type")->new, "gastro");
	free(l);
	plan_release(&p);
	/* the application's project on spa */
	x = add_project(&r, "eisdiele", 60);
	x->managed = false;
	x->status = PS_DRAFT;
	free(x->project_type);
	x->project_type = S("spa");
	/* the application's bundle lists vrsctl's plugin old-kit, removed from the specs */
	add_plugin(&r, "old-kit", BC_MONTHLY, 100);
	*GROW(world_bundle(&r, "hotel-basic")->plugins, world_bundle(&r, "hotel-basic")->nplugins) =
	    S("old-kit");
	world_sort(&r);
	assert_int_equal(plan_check(&d, &r, &dl), -1);
	assert_int_equal(dl.n, 2);
	assert_has(dl.v[0].msg,
		   "project type 'spa' was removed from the specs but project "
		   "'eisdiele' (unmanaged: the marketplace application's) still uses it");
	assert_has(dl.v[0].msg, "keep it in the specs");
	assert_has(dl.v[1].msg, "plugin 'old-kit' was removed from the specs but bundle "
				"'hotel-basic' (the marketplace application's) still uses it");
	diag_release(&dl);
	world_release(&d);
	world_release(&r);
}

/*
 * issue 13: a 'suspended' vrsctl did not write is the application's: held
 * even with lifecycle: active (the app stopped once, the status left as the
 * application wrote it), started again when it lifts it; a spec's own
 * suspended or archived still applies.
 */
static void test_app_suspension(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	const struct m_action *a;
	char *l;
	(void)state;

	converged_pair(&d, &r);
	d.projects[0].keys |= PK_LIFECYCLE; /* the spec says lifecycle: active */
	r.projects[0].status = PS_SUSPENDED;
	r.projects[0].app_suspended = true;
	build(&d, &r, NULL, NULL, &p);
	l = listing(&p);
	assert_string_equal(l, "1 stop coolify_app pizzeria-roma\n");
	assert_null(find_change(&p.actions[0], "status"));
	assert_has(p.actions[0].reason, "suspended by the marketplace application");
	free(l);
	plan_release(&p);

	/* stopped for it: nothing more (no start, no deploy) while it holds */
	r.projects[0].stopped_for_app = true;
	build(&d, &r, NULL, NULL, &p);
	assert_int_equal(p.nactions, 0);
	plan_release(&p);

	/* the spec's archived applies over it (the app is stopped already): archived */
	d.projects[0].lifecycle = LC_ARCHIVED;
	build(&d, &r, NULL, NULL, &p);
	a = find_action(&p, OP_UPDATE, RES_PROJECT, "pizzeria-roma");
	assert_non_null(a);
	assert_string_equal(find_change(a, "status")->new, "archived");
	plan_release(&p);
	/* ... and before vrsctl stopped the app for it: the archive stops it */
	r.projects[0].stopped_for_app = false;
	build(&d, &r, NULL, NULL, &p);
	a = find_action(&p, OP_STOP, RES_COOLIFY_APP, "pizzeria-roma");
	assert_non_null(a);
	assert_string_equal(find_change(a, "status")->new, "archived");
	plan_release(&p);
	/* so does removing it from the specs */
	world_release(&d);
	std_globals(&d);
	build(&d, &r, NULL, NULL, &p);
	a = find_action(&p, OP_STOP, RES_COOLIFY_APP, "pizzeria-roma");
	assert_non_null(a);
	assert_string_equal(find_change(a, "status")->new, "archived");
	plan_release(&p);
	world_release(&d);
	std_world(&d);
	d.projects[0].keys |= PK_LIFECYCLE;
	r.projects[0].stopped_for_app = true;

	/* the spec's suspended: suspended, nothing started */
	d.projects[0].lifecycle = LC_SUSPENDED;
	build(&d, &r, NULL, NULL, &p);
	assert_null(find_action(&p, OP_START, RES_COOLIFY_APP, "pizzeria-roma"));
	assert_null(find_action(&p, OP_DEPLOY, RES_DEPLOYMENT, "pizzeria-roma"));
	plan_release(&p);

	/* the application lifts it (writes active): the app is started again */
	d.projects[0].lifecycle = LC_ACTIVE;
	r.projects[0].status = PS_ACTIVE;
	r.projects[0].app_suspended = false;
	build(&d, &r, NULL, NULL, &p);
	l = listing(&p);
	assert_string_equal(l, "1 start coolify_app pizzeria-roma\n");
	assert_has(p.actions[0].reason, "lifted its suspension");
	free(l);
	plan_release(&p);

	/* ... unless the spec suspends it now: it stays stopped, as vrsctl's suspension */
	d.projects[0].lifecycle = LC_SUSPENDED;
	build(&d, &r, NULL, NULL, &p);
	l = listing(&p);
	assert_string_equal(l, "1 stop coolify_app pizzeria-roma\n");
	assert_string_equal(find_change(&p.actions[0], "status")->new, "suspended");
	free(l);
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

static void test_converged_noop(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	char *t;
	(void)state;

	converged_pair(&d, &r);
	build(&d, &r, NULL, NULL, &p);
	assert_int_equal(p.nactions, 0);
	/* 2 servers, 2 base domains, 1 type, 2 plugins, 1 bundle, 1 project */
	assert_int_equal(p.nnoop, 9);
	t = render(&p, &d, plan_render_text, false);
	assert_string_equal(t, "No changes. The world matches the specs.\n");
	free(t);
	assert_false(plan_has_changes(&p));
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

static void test_image_change(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	char *l;
	const struct m_change *c;
	(void)state;

	converged_pair(&d, &r);
	free(d.projects[0].app.image);
	d.projects[0].app.image = S("ghcr.io/vrs-gmbh/vrs-core:1.5.0");
	build(&d, &r, NULL, NULL, &p);
	l = listing(&p);
	assert_string_equal(l, "1 update coolify_app pizzeria-roma\n"
			       "2 deploy deployment pizzeria-roma [1]\n");
	c = find_change(&p.actions[0], "image");
	assert_string_equal(c->old, "ghcr.io/vrs-gmbh/vrs-core:1.4.2");
	assert_string_equal(c->new, "ghcr.io/vrs-gmbh/vrs-core:1.5.0");
	assert_int_equal(p.nnoop, 8);
	free(l);
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

static void test_env_changes(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	char *l, *j;
	const struct m_action *a;
	(void)state;

	/* unresolvable secret (NULL fingerprint), same reference: unchanged */
	converged_pair(&d, &r);
	free(d.projects[0].app.env[1].fingerprint);
	d.projects[0].app.env[1].fingerprint = NULL;
	build(&d, &r, NULL, NULL, &p);
	assert_int_equal(p.nactions, 0);
	plan_release(&p);

	/* a literal changed, a secret's fingerprint changed, a key added */
	free(d.projects[0].app.env[0].value);
	d.projects[0].app.env[0].value = S("it_IT");
	d.projects[0].app.env[1].fingerprint = S("fp-smtp-2");
	add_env(&d.projects[0], "A_NEW", VK_LITERAL, "1", NULL);
	build(&d, &r, NULL, NULL, &p);
	l = listing(&p);
	assert_string_equal(l, "1 update app_env pizzeria-roma\n"
			       "2 deploy deployment pizzeria-roma [1]\n");
	a = &p.actions[0];
	assert_int_equal(a->nchanges, 3);
	assert_string_equal(a->changes[0].field, "A_NEW");
	assert_null(a->changes[0].old);
	assert_string_equal(a->changes[0].new, "1");
	assert_string_equal(a->changes[1].field, "SMTP_PASSWORD");
	assert_string_equal(a->changes[1].old, "(secret)");
	assert_string_equal(a->changes[1].new, "(secret)");
	assert_string_equal(a->changes[2].field, "VRS_LOCALE");
	assert_string_equal(a->changes[2].old, "de_DE");
	assert_string_equal(a->changes[2].new, "it_IT");
	/* secrets never show their value, reference or fingerprint */
	j = render(&p, &d, plan_render_json, false);
	assert_hasnt(j, "fp-smtp");
	assert_hasnt(j, "ROMA_SMTP_PASSWORD");
	free(j);
	free(l);
	plan_release(&p);

	/* a key removed; the bundle's plugins change VRS_PLUGINS */
	world_release(&d);
	std_world(&d);
	free(d.projects[0].app.env[0].key);
	free(d.projects[0].app.env[0].value);
	d.projects[0].app.env[0] = d.projects[0].app.env[1];
	d.projects[0].app.nenv = 1;
	free(d.bundles[0].plugins[1]);
	d.bundles[0].nplugins = 1;
	build(&d, &r, NULL, NULL, &p);
	a = find_action(&p, OP_UPDATE, RES_APP_ENV, "pizzeria-roma");
	assert_non_null(a);
	assert_int_equal(a->nchanges, 2);
	assert_string_equal(a->changes[0].field, "VRS_LOCALE");
	assert_null(a->changes[0].new);
	assert_string_equal(a->changes[1].field, "VRS_PLUGINS");
	assert_string_equal(a->changes[1].old, "menu,reservations");
	assert_string_equal(a->changes[1].new, "menu");
	a = find_action(&p, OP_UPDATE, RES_BUNDLE, "gastro-basic");
	assert_non_null(a);
	assert_string_equal(find_change(a, "plugins")->new, "menu");
	/* the project's price follows the bundle */
	a = find_action(&p, OP_UPDATE, RES_PROJECT, "pizzeria-roma");
	assert_string_equal(find_change(a, "bundle_price")->old, "22,41 €/Monat");
	assert_string_equal(find_change(a, "bundle_price")->new, "8,91 €/Monat");
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

static void test_domain_added_and_removed(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	char *l;
	const struct m_action *a;
	(void)state;

	converged_pair(&d, &r);
	add_domain(&d.projects[0], "pizzeria-roma.de", DT_OWNED, NULL, NULL, false);
	build(&d, &r, NULL, NULL, &p);
	l = listing(&p);
	assert_string_equal(l, "1 create project_domain pizzeria-roma.de\n"
			       "2 create dns_record pizzeria-roma.de/A [1]\n"
			       "3 create dns_record pizzeria-roma.de/AAAA [1]\n"
			       "4 create dns_record www.pizzeria-roma.de/CNAME [1]\n"
			       "5 update coolify_app pizzeria-roma [2,3,4]\n"
			       "6 deploy deployment pizzeria-roma [2,3,4,5]\n");
	a = &p.actions[4];
	assert_string_equal(find_change(a, "fqdns")->old, "https://roma.vrs.gmbh");
	assert_string_equal(find_change(a, "fqdns")->new,
			    "https://roma.vrs.gmbh,https://pizzeria-roma.de");
	free(l);
	plan_release(&p);
	world_release(&d);

	/* removed */
	std_world(&d);
	d.projects[0].ndomains = 0;
	domain_release(&d.projects[0].domains[0]);
	build(&d, &r, NULL, NULL, &p);
	l = listing(&p);
	assert_string_equal(l, "1 update coolify_app pizzeria-roma\n"
			       "2 delete dns_record roma.vrs.gmbh/A\n"
			       "3 delete dns_record roma.vrs.gmbh/AAAA\n"
			       "4 delete dns_record www.roma.vrs.gmbh/CNAME\n"
			       "5 delete project_domain roma.vrs.gmbh [2,3,4]\n"
			       "6 deploy deployment pizzeria-roma [1]\n");
	for (size_t i = 0; i < p.nactions; i++)
		assert_int_equal(p.actions[i].destructive, p.actions[i].op == OP_DELETE);
	assert_has(p.actions[1].reason, "(needs --allow-delete)");
	free(l);
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

static void test_global_changes_and_deletes(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	char *l;
	const struct m_action *a;
	(void)state;

	converged_pair(&d, &r);
	d.servers[1].max_projects = 30;
	d.base_domains[0].sort_order = 5; /* vrs-preview.de */
	d.project_types[0].trial_days = 30;
	d.plugins[0].prices[0].price_cents = 1090;
	add_server(&r, "old-1", "198.51.100.9", NULL, 20);
	world_sort(&r);
	struct plan_opts o = {.allow_delete = true};
	build(&d, &r, NULL, &o, &p);
	l = listing(&p);
	assert_string_equal(l, "1 update server fsn1-02\n"
			       "2 delete server old-1\n"
			       "3 update base_domain vrs-preview.de\n"
			       "4 update project_type gastro\n"
			       "5 update plugin menu [4]\n"
			       "6 update project pizzeria-roma\n");
	a = &p.actions[1];
	assert_true(a->destructive);
	assert_string_equal(a->reason, "removed from the specs");
	a = &p.actions[0];
	assert_int_equal(a->nchanges, 1);
	assert_string_equal(a->changes[0].field, "max_projects");
	assert_string_equal(a->changes[0].old, "20");
	assert_string_equal(a->changes[0].new, "30");
	a = &p.actions[4];
	assert_string_equal(a->changes[0].old, "gastro/monthly 990");
	assert_string_equal(a->changes[0].new, "gastro/monthly 1090");
	a = &p.actions[5]; /* the price of the bundle changed with the plugin's */
	assert_string_equal(find_change(a, "bundle_price")->new, "23,31 €/Monat");
	free(l);
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

static void test_suspend_resume(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	char *l;
	(void)state;

	converged_pair(&d, &r);
	d.projects[0].lifecycle = LC_SUSPENDED;
	build(&d, &r, NULL, NULL, &p);
	l = listing(&p);
	assert_string_equal(l, "1 stop coolify_app pizzeria-roma\n");
	assert_string_equal(find_change(&p.actions[0], "status")->new, "suspended");
	free(l);
	plan_release(&p);

	/* recorded suspended, spec back to active: start */
	d.projects[0].lifecycle = LC_ACTIVE;
	r.projects[0].status = PS_SUSPENDED;
	build(&d, &r, NULL, NULL, &p);
	l = listing(&p);
	assert_string_equal(l, "1 start coolify_app pizzeria-roma\n");
	free(l);
	plan_release(&p);

	/* suspended and still suspended: nothing */
	d.projects[0].lifecycle = LC_SUSPENDED;
	build(&d, &r, NULL, NULL, &p);
	assert_int_equal(p.nactions, 0);
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

static void test_archive(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	char *l;
	(void)state;

	std_world(&d);
	d.projects[0].lifecycle = LC_ARCHIVED;
	add_domain(&d.projects[0], "roma-pizza.de", DT_REGISTERED, NULL, NULL, false);
	std_world(&r);
	add_domain(&r.projects[0], "roma-pizza.de", DT_REGISTERED, NULL, NULL, false);
	converge(&r, "fsn1-01");
	struct plan_opts o = {.allow_delete = true};
	build(&d, &r, NULL, &o, &p);
	l = listing(&p);
	assert_string_equal(l, "1 stop coolify_app pizzeria-roma\n"
			       "2 delete coolify_app pizzeria-roma [1]\n"
			       "3 delete coolify_project vrs-pizzeria-roma [2]\n"
			       "4 delete dns_record roma-pizza.de/A [1]\n"
			       "5 delete dns_record roma-pizza.de/AAAA [1]\n"
			       "6 delete dns_record roma.vrs.gmbh/A [1]\n"
			       "7 delete dns_record roma.vrs.gmbh/AAAA [1]\n"
			       "8 delete dns_record www.roma-pizza.de/CNAME [1]\n"
			       "9 delete dns_record www.roma.vrs.gmbh/CNAME [1]\n");
	assert_string_equal(find_change(&p.actions[0], "status")->new, "archived");
	assert_false(p.actions[0].destructive);
	for (size_t i = 1; i < p.nactions; i++)
		assert_true(p.actions[i].destructive);
	assert_has(p.actions[3].reason, "registrations are never deleted");
	assert_hasnt(p.actions[5].reason, "registration");
	assert_null(find_action(&p, OP_DELETE, RES_DOMAIN_REGISTRATION, "roma-pizza.de"));
	free(l);
	plan_release(&p);

	/* removed from the specs: the same as archived */
	world_release(&d);
	std_globals(&d);
	build(&d, &r, NULL, &o, &p);
	l = plisting(&p, "pizzeria-roma");
	assert_has(l, "stop coolify_app pizzeria-roma\ndelete coolify_app pizzeria-roma\n"
		      "delete coolify_project vrs-pizzeria-roma\n");
	assert_string_equal(p.actions[0].reason, "removed from the specs");
	free(l);
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

static void test_retry(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	char *l, *t;
	(void)state;

	/* failed after the app was created: only the missing steps, with the retry reason */
	std_world(&d);
	std_world(&r);
	converge(&r, "fsn1-01");
	r.projects[0].status = PS_ERROR;
	r.projects[0].provisioning_retry_count = 1;
	r.projects[0].provisioning_error = S("HTTP 502 from coolify");
	for (size_t k = 0; k < r.projects[0].app.nenv; k++) {
		free(r.projects[0].app.env[k].key);
		free(r.projects[0].app.env[k].value);
		free(r.projects[0].app.env[k].fingerprint);
	}
	r.projects[0].app.nenv = 0;
	free(r.projects[0].domains[0].record_www);
	r.projects[0].domains[0].record_www = NULL;
	build(&d, &r, NULL, NULL, &p);
	l = listing(&p);
	assert_string_equal(l, "1 create app_env pizzeria-roma\n"
			       "2 create dns_record www.roma.vrs.gmbh/CNAME\n"
			       "3 deploy deployment pizzeria-roma [1,2]\n");
	assert_string_equal(p.actions[0].reason, "retry 2 of 3 after: HTTP 502 from coolify");
	free(l);
	plan_release(&p);

	/* retries used up: nothing, a noop, and a hint in verbose text */
	r.projects[0].provisioning_retry_count = 3;
	build(&d, &r, NULL, NULL, &p);
	assert_int_equal(p.nactions, 0);
	assert_int_equal(p.nnoop, 9);
	plan_release(&p);
	struct plan_opts o = {.verbose = true};
	build(&d, &r, NULL, &o, &p);
	t = render(&p, &d, plan_render_text, true);
	assert_has(t, "waiting for `vrsctl retry pizzeria-roma` after: HTTP 502 from coolify");
	assert_has(t, "No changes. The world matches the specs. 9 unchanged.\n");
	free(t);
	/* listed noops are no changes, and survive a round trip */
	assert_false(plan_has_changes(&p));
	assert_int_equal(p.nactions, 9);
	{
		struct m_plan q;
		struct vrs_err e;
		char *j = render(&p, &d, plan_render_json, true), *j2;
		assert_int_equal(plan_parse_json(j, strlen(j), &q, &e), 0);
		assert_int_equal(q.actions[8].op, OP_NOOP);
		j2 = render(&q, &d, plan_render_json, true);
		assert_string_equal(j, j2);
		free(j);
		free(j2);
		plan_release(&q);
	}
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

static void test_partial_and_unfinished(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	char *l;
	(void)state;

	/* coolify project created, nothing else (status provisioning) */
	std_world(&d);
	std_world(&r);
	r.projects[0].server = S("fsn1-01");
	r.projects[0].status = PS_PROVISIONING;
	r.projects[0].coolify_project_uuid = S("cp");
	build(&d, &r, NULL, NULL, &p);
	l = plisting(&p, "pizzeria-roma");
	assert_string_equal(l, "create dns_record roma.vrs.gmbh/A\n"
			       "create dns_record roma.vrs.gmbh/AAAA\n"
			       "create dns_record www.roma.vrs.gmbh/CNAME\n"
			       "create coolify_app pizzeria-roma\n"
			       "create app_env pizzeria-roma\n"
			       "deploy deployment pizzeria-roma\n");
	free(l);
	plan_release(&p);
	world_release(&r);

	/* everything created but the deployment did not finish */
	std_world(&r);
	converge(&r, "fsn1-01");
	r.projects[0].status = PS_BOOTSTRAPPING;
	build(&d, &r, NULL, NULL, &p);
	l = listing(&p);
	assert_string_equal(l, "1 deploy deployment pizzeria-roma\n");
	assert_string_equal(p.actions[0].reason, "deployment not finished (status bootstrapping)");
	free(l);
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

static void test_drift(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	char *l;
	(void)state;

	converged_pair(&d, &r);
	struct o_app apps[] = {
	    {.uuid = "app-pizzeria-roma",
	     .name = "pizzeria-roma",
	     .fqdn = "https://roma.vrs.gmbh",
	     .image = "ghcr.io/vrs-gmbh/vrs-core:1.4.2",
	     .status = "exited:unhealthy"},
	    {.uuid = "foreign", .name = "other", .status = "exited"},
	};
	struct o_record recs[] = {
	    {.id = "rec-a-roma.vrs.gmbh",
	     .zone = "vrs.gmbh",
	     .name = "roma",
	     .type = "A",
	     .content = "192.0.2.99"},
	    {.id = "rec-www-roma.vrs.gmbh",
	     .zone = "vrs.gmbh",
	     .name = "www.roma",
	     .type = "CNAME",
	     .content = "roma.vrs.gmbh"},
	    {.id = "unmanaged", .zone = "vrs.gmbh", .name = "x", .type = "A", .content = "1.1.1.1"},
	};
	struct m_observed obs = {
	    .present = true, .apps = apps, .napps = 2, .records = recs, .nrecords = 3};
	build(&d, &r, &obs, NULL, &p);
	l = listing(&p);
	assert_string_equal(l, "1 start coolify_app pizzeria-roma\n"
			       "2 update dns_record roma.vrs.gmbh/A\n"
			       "3 create dns_record roma.vrs.gmbh/AAAA\n");
	assert_string_equal(p.actions[0].reason,
			    "drift: application exited:unhealthy outside vrsctl");
	assert_string_equal(p.actions[2].reason, "drift: record deleted outside vrsctl");
	assert_string_equal(p.actions[1].reason, "drift: record changed outside vrsctl");
	assert_string_equal(find_change(&p.actions[1], "content")->old, "192.0.2.99");
	free(l);
	plan_release(&p);

	/* the app is gone remotely: create app + env + deploy */
	struct m_observed obs2 = {
	    .present = true, .apps = &apps[1], .napps = 1, .records = recs, .nrecords = 0};
	obs2.nrecords = 0;
	struct o_record okrecs[] = {
	    {.id = "rec-a-roma.vrs.gmbh", .content = "203.0.113.10"},
	    {.id = "rec-aaaa-roma.vrs.gmbh", .content = "2001:db8::10"},
	    {.id = "rec-www-roma.vrs.gmbh", .content = "roma.vrs.gmbh"},
	};
	obs2.records = okrecs;
	obs2.nrecords = 3;
	build(&d, &r, &obs2, NULL, &p);
	l = listing(&p);
	assert_string_equal(l, "1 create coolify_app pizzeria-roma\n"
			       "2 create app_env pizzeria-roma [1]\n"
			       "3 deploy deployment pizzeria-roma [1,2]\n");
	assert_string_equal(p.actions[0].reason, "drift: application deleted outside vrsctl");
	free(l);
	plan_release(&p);

	/* observed image and fqdns differ */
	struct o_app changed = apps[0];
	changed.status = "running:healthy";
	changed.image = "nginx:latest";
	struct m_observed obs3 = {
	    .present = true, .apps = &changed, .napps = 1, .records = okrecs, .nrecords = 3};
	build(&d, &r, &obs3, NULL, &p);
	l = listing(&p);
	assert_string_equal(l, "1 update coolify_app pizzeria-roma\n"
			       "2 deploy deployment pizzeria-roma [1]\n");
	assert_string_equal(p.actions[0].reason, "drift: image changed outside vrsctl");
	assert_string_equal(find_change(&p.actions[0], "image")->old, "nginx:latest");
	free(l);
	plan_release(&p);

	/* not present: ignored */
	obs.present = false;
	build(&d, &r, &obs, NULL, &p);
	assert_int_equal(p.nactions, 0);
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

static void test_server_ip_change_updates_records(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	char *l;
	(void)state;

	converged_pair(&d, &r);
	free(d.servers[0].ip_address);
	d.servers[0].ip_address = S("203.0.113.99");
	build(&d, &r, NULL, NULL, &p);
	l = listing(&p);
	assert_string_equal(l, "1 update server fsn1-01\n"
			       "2 update dns_record roma.vrs.gmbh/A\n");
	free(l);
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

/* ---- targets, determinism, speed ----------------------------------------------------------- */

static void test_targets(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	struct vrs_err err;
	char *l;
	(void)state;

	std_world(&d);
	add_project(&d, "other", 70);
	world_sort(&d);
	world_init(&r);
	const char *t1[] = {"project/pizzeria-roma"};
	struct plan_opts o = {.targets = t1, .ntargets = 1};
	build(&d, &r, NULL, &o, &p);
	l = listing(&p);
	/*
	 * the project's actions plus the global objects they require; "other"
	 * comes first in slug order and takes fsn1-01, so roma is on fsn1-02
	 * (no IPv6, no AAAA); neither fsn1-01 nor vrs-preview.de is in the plan
	 */
	assert_string_equal(l, "1 create server fsn1-02\n"
			       "2 create base_domain vrs.gmbh\n"
			       "3 create project_type gastro\n"
			       "4 create plugin menu [3]\n"
			       "5 create plugin reservations [3]\n"
			       "6 create bundle gastro-basic [3,4,5]\n"
			       "7 create project pizzeria-roma [1,3,6]\n"
			       "8 create project_domain roma.vrs.gmbh [2,7]\n"
			       "9 create coolify_project vrs-pizzeria-roma [7]\n"
			       "10 create dns_record roma.vrs.gmbh/A [8]\n"
			       "11 create dns_record www.roma.vrs.gmbh/CNAME [8]\n"
			       "12 create coolify_app pizzeria-roma [7,9,10,11]\n"
			       "13 create app_env pizzeria-roma [12]\n"
			       "14 deploy deployment pizzeria-roma [10,11,12,13]\n");
	free(l);
	plan_release(&p);

	const char *t2[] = {"server/fsn1-01"};
	o.targets = t2;
	build(&d, &r, NULL, &o, &p);
	l = listing(&p);
	assert_string_equal(l, "1 create server fsn1-01\n");
	free(l);
	plan_release(&p);

	const char *bad[] = {"project/nope", "nokind", "widget/x"};
	for (int i = 0; i < 3; i++) {
		o.targets = &bad[i];
		plan_init(&p);
		err_clear(&err);
		assert_int_equal(plan_build(&d, &r, NULL, &o, &p, &err), -1);
		assert_int_equal(p.nactions, 0);
		assert_has(err.msg, bad[i]);
	}
	world_release(&d);
	world_release(&r);
}

static void shuffle_world(struct m_world *w, unsigned seed)
{
	srand(seed);
	for (size_t i = w->nprojects; i > 1; i--) {
		size_t j = (size_t)rand() % i;
		struct m_project t = w->projects[i - 1];
		w->projects[i - 1] = w->projects[j];
		w->projects[j] = t;
	}
	for (size_t i = w->nservers; i > 1; i--) {
		size_t j = (size_t)rand() % i;
		struct m_server t = w->servers[i - 1];
		w->servers[i - 1] = w->servers[j];
		w->servers[j] = t;
	}
	for (size_t i = 0; i < w->nprojects; i++) {
		struct m_project *p = &w->projects[i];
		for (size_t k = p->ndomains; k > 1; k--) {
			size_t j = (size_t)rand() % k;
			struct m_domain t = p->domains[k - 1];
			p->domains[k - 1] = p->domains[j];
			p->domains[j] = t;
		}
	}
}

static void many_world(struct m_world *w, int n, bool shuffled)
{
	char slug[32], fq[64];

	std_globals(w);
	for (int i = 0; i < 20; i++) {
		snprintf(slug, sizeof(slug), "srv-%02d", i);
		add_server(w, slug, "192.0.2.1", NULL, 1000);
	}
	for (int i = 0; i < n; i++) {
		struct m_project *p;
		snprintf(slug, sizeof(slug), "p%05d", (i * 7919) % n);
		p = add_project(w, slug, 100 + i);
		snprintf(fq, sizeof(fq), "%s.vrs.gmbh", slug);
		add_domain(p, fq, DT_SUBDOMAIN, slug, "vrs.gmbh", true);
		snprintf(fq, sizeof(fq), "%s.de", slug);
		add_domain(p, fq, DT_OWNED, NULL, NULL, false);
	}
	if (shuffled)
		shuffle_world(w, 42);
	world_sort(w);
}

static void test_determinism(void **state)
{
	struct m_world d1, d2, r;
	struct m_plan p1, p2;
	char *j1, *j2, *j3;
	(void)state;

	many_world(&d1, 200, false);
	many_world(&d2, 200, true);
	world_init(&r);
	build(&d1, &r, NULL, NULL, &p1);
	build(&d2, &r, NULL, NULL, &p2);
	j1 = render(&p1, &d1, plan_render_json, false);
	j2 = render(&p2, &d2, plan_render_json, false);
	assert_string_equal(j1, j2);
	plan_release(&p2);
	build(&d1, &r, NULL, NULL, &p2);
	j3 = render(&p2, &d1, plan_render_json, false);
	assert_string_equal(j1, j3);
	free(j1);
	free(j2);
	free(j3);
	plan_release(&p1);
	plan_release(&p2);
	world_release(&d1);
	world_release(&d2);
	world_release(&r);
}

/* 10,000 projects plan correctly, fresh and converged (their speed is measured
   by make bench, not asserted here: the machines are noisy) */
static void test_plan_10000(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	(void)state;

	many_world(&d, 10000, false);
	world_init(&r);
	build(&d, &r, NULL, NULL, &p);
	assert_true(p.nactions > 10000 * 10);
	plan_release(&p);
	/* and against a converged state */
	many_world(&r, 10000, false);
	converge(&r, "srv-00");
	build(&d, &r, NULL, NULL, &p);
	assert_int_equal(p.nactions, 0);
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

static void test_unsorted_world_refused(void **state)
{
	struct m_world d;
	struct m_plan p;
	struct vrs_err err;
	struct m_server t;
	(void)state;

	std_world(&d);
	t = d.servers[0];
	d.servers[0] = d.servers[1];
	d.servers[1] = t;
	plan_init(&p);
	err_clear(&err);
	assert_int_equal(plan_build(&d, NULL, NULL, NULL, &p, &err), -1);
	assert_has(err.msg, "sorted");
	world_release(&d);
}

/* ---- prices ---------------------------------------------------------------------------------- */

/* the naming rules of model/names.c: Coolify names, record names and keys, zones */
static void test_model_names(void **state)
{
	char buf[64], fqdn[64];
	enum m_rec_kind k;
	struct m_domain d[2] = {{0}};
	struct m_project p = {0};
	char f0[] = "roma.vrs.gmbh", b0[] = "vrs.gmbh", w0[] = "7", f1[] = "roma.de";

	(void)state;
	assert_int_equal(model_coolify_name(buf, sizeof(buf), "pizzeria-roma"), 0);
	assert_string_equal(buf, "vrs-pizzeria-roma");
	assert_int_equal(model_coolify_name(buf, 5, "pizzeria-roma"), -1);
	assert_int_equal(model_record_key(buf, sizeof(buf), MREC_A, "roma.de"), 0);
	assert_string_equal(buf, "roma.de/A");
	assert_int_equal(model_record_key(buf, sizeof(buf), MREC_AAAA, "roma.de"), 0);
	assert_string_equal(buf, "roma.de/AAAA");
	assert_int_equal(model_record_key(buf, sizeof(buf), MREC_WWW, "roma.de"), 0);
	assert_string_equal(buf, "www.roma.de/CNAME");
	assert_int_equal(model_record_name(buf, sizeof(buf), MREC_WWW, "roma.de"), 0);
	assert_string_equal(buf, "www.roma.de");
	assert_int_equal(model_record_name(buf, sizeof(buf), MREC_AAAA, "roma.de"), 0);
	assert_string_equal(buf, "roma.de");
	assert_string_equal(m_rec_kind_type(MREC_WWW), "CNAME");
	assert_int_equal(model_record_parse("www.roma.de/CNAME", &k, fqdn, sizeof(fqdn)), 0);
	assert_int_equal(k, MREC_WWW);
	assert_string_equal(fqdn, "roma.de");
	assert_int_equal(model_record_parse("roma.de/AAAA", &k, fqdn, sizeof(fqdn)), 0);
	assert_int_equal(k, MREC_AAAA);
	assert_string_equal(fqdn, "roma.de");
	assert_int_equal(model_record_parse("roma.de/MX", &k, fqdn, sizeof(fqdn)), -1);
	assert_int_equal(model_record_parse("roma.de", &k, fqdn, sizeof(fqdn)), -1);
	d[0].fqdn = f0;
	d[0].type = DT_SUBDOMAIN;
	d[0].base_domain = b0;
	d[0].record_www = w0;
	d[1].fqdn = f1;
	d[1].type = DT_OWNED;
	assert_string_equal(domain_zone(&d[0]), "vrs.gmbh");
	assert_string_equal(domain_zone(&d[1]), "roma.de");
	assert_string_equal(domain_record_id(&d[0], MREC_WWW), "7");
	assert_null(domain_record_id(&d[0], MREC_A));
	assert_null(domain_record_id(NULL, MREC_A));
	p.domains = d;
	p.ndomains = 2;
	assert_ptr_equal(project_domain(&p, "roma.de"), &d[1]);
	assert_null(project_domain(&p, "other.de"));
	assert_null(project_domain(NULL, "roma.de"));
}

static void test_bundle_price_display(void **state)
{
	struct m_world d, r;
	struct m_plan p;
	struct m_project *x;
	const struct m_action *a;
	(void)state;

	std_globals(&d);
	add_plugin(&d, "yearly-a", BC_YEARLY, 10000);
	add_plugin(&d, "once-a", BC_ONCE, 4900);
	add_bundle(&d, "free", BC_MONTHLY, 0, NULL, NULL);
	add_bundle(&d, "year", BC_YEARLY, 25, "yearly-a", NULL);
	add_bundle(&d, "setup", BC_ONCE, 0, "once-a", NULL);
	x = add_project(&d, "b-free", 20);
	free(x->bundle);
	x->bundle = S("free");
	x = add_project(&d, "b-year", 21);
	free(x->bundle);
	x->bundle = S("year");
	x = add_project(&d, "b-once", 22);
	free(x->bundle);
	x->bundle = S("setup");
	add_project(&d, "b-month", 23);
	world_sort(&d);
	world_init(&r);
	build(&d, &r, NULL, NULL, &p);
	a = find_action(&p, OP_CREATE, RES_PROJECT, "b-free");
	assert_string_equal(find_change(a, "bundle_price")->new, "Kostenlos");
	a = find_action(&p, OP_CREATE, RES_PROJECT, "b-year");
	assert_string_equal(find_change(a, "bundle_price")->new, "75,00 €/Jahr");
	a = find_action(&p, OP_CREATE, RES_PROJECT, "b-once");
	assert_string_equal(find_change(a, "bundle_price")->new, "49,00 €");
	a = find_action(&p, OP_CREATE, RES_PROJECT, "b-month");
	assert_string_equal(find_change(a, "bundle_price")->new, "22,41 €/Monat");
	plan_release(&p);
	world_release(&d);
	world_release(&r);
}

/* ---- plan_check --------------------------------------------------------------------------------
 */

static void test_plan_check(void **state)
{
	struct m_world d, r;
	struct diag_list dl;
	(void)state;

	converged_pair(&d, &r);
	diag_init(&dl);
	assert_int_equal(plan_check(&d, &r, &dl), 0);
	assert_int_equal(dl.n, 0);
	d.projects[0].server = S("fsn1-02");
	assert_int_equal(plan_check(&d, &r, &dl), -1);
	assert_int_equal(dl.n, 1);
	assert_string_equal(dl.v[0].file, FILE_A);
	assert_int_equal(dl.v[0].line, 11);
	assert_has(dl.v[0].msg, "project 'pizzeria-roma' is placed on 'fsn1-01'; moving to "
				"'fsn1-02' is not supported");
	assert_has(dl.v[0].msg, "lifecycle: archived");
	assert_has(dl.v[0].msg, "--allow-delete");
	diag_release(&dl);

	/* the server hosting it removed from the specs */
	free(d.projects[0].server);
	d.projects[0].server = NULL;
	server_release(&d.servers[0]);
	d.servers[0] = d.servers[1];
	d.nservers = 1;
	diag_init(&dl);
	assert_int_equal(plan_check(&d, &r, &dl), -1);
	assert_int_equal(dl.n, 1);
	assert_has(dl.v[0].msg, "server 'fsn1-01' was removed from the specs but still hosts 1");
	diag_release(&dl);
	world_release(&d);
	world_release(&r);
}

/* ---- renderers ------------------------------------------------------------------------------ */

static void add_test_action(struct m_plan *p, enum m_op op, enum m_resource res, const char *key,
			    const char *project, enum m_service svc, const char *reason)
{
	struct m_action *a;

	p->actions = realloc(p->actions, (p->nactions + 1) * sizeof(*p->actions));
	a = &p->actions[p->nactions++];
	memset(a, 0, sizeof(*a));
	a->id = (int)p->nactions;
	a->op = op;
	a->resource = res;
	a->key = S(key);
	a->project = S(project);
	a->service = svc;
	a->reason = S(reason);
	a->destructive = op == OP_DELETE;
	a->source = P(10);
}

static void add_test_change(struct m_plan *p, const char *f, const char *o, const char *n)
{
	struct m_action *a = &p->actions[p->nactions - 1];

	a->changes = realloc(a->changes, (a->nchanges + 1) * sizeof(*a->changes));
	a->changes[a->nchanges].field = S(f);
	a->changes[a->nchanges].old = S(o);
	a->changes[a->nchanges].new = S(n);
	a->nchanges++;
}

static void add_test_req(struct m_plan *p, int id)
{
	struct m_action *a = &p->actions[p->nactions - 1];

	a->requires = realloc(a->requires, (a->nrequires + 1) * sizeof(int));
	a->requires[a->nrequires++] = id;
}

static void small_plan(struct m_plan *p)
{
	plan_init(p);
	add_test_action(p, OP_CREATE, RES_SERVER, "fsn1-01", NULL, SVC_LOCAL, NULL);
	add_test_change(p, "ip_address", NULL, "203.0.113.10");
	add_test_action(p, OP_UPDATE, RES_COOLIFY_APP, "roma", "roma", SVC_COOLIFY, NULL);
	add_test_change(p, "image", "vrs-core:1.4", "vrs-core:1.5");
	add_test_req(p, 1);
	add_test_action(p, OP_REGISTER, RES_DOMAIN_REGISTRATION, "roma.de", "roma", SVC_INWX,
			"price \"known\"");
	p->actions[2].cost_cents = 1200;
	add_test_action(p, OP_DELETE, RES_DNS_RECORD, "old.de/A", "roma", SVC_INWX, NULL);
	add_test_action(p, OP_DEPLOY, RES_DEPLOYMENT, "roma", "roma", SVC_COOLIFY, NULL);
	add_test_req(p, 2);
	add_test_req(p, 3);
	p->nnoop = 4;
	p->serial = 7;
	p->lineage = S("lin-1");
}

static void test_render_text(void **state)
{
	struct m_plan p;
	struct m_world d;
	char *t;
	(void)state;

	small_plan(&p);
	std_globals(&d);
	add_project(&d, "roma", 3);
	world_sort(&d);
	t = render(&p, &d, plan_render_text, false);
	assert_string_equal(t,
			    "vrsctl will perform the following actions:\n"
			    "\n"
			    "# global\n"
			    "  + server fsn1-01\n"
			    "      ip_address: 203.0.113.10\n"
			    "\n"
			    "# project roma (specs/projects.yaml:3:1)\n"
			    "  ~ coolify_app roma\n"
			    "      image: vrs-core:1.4 → vrs-core:1.5\n"
			    "  $ register domain_registration roma.de\n"
			    "      # price \"known\"\n"
			    "      cost: 12,00 €\n"
			    "  - dns_record old.de/A (destructive)\n"
			    "  > deploy deployment roma\n"
			    "\n"
			    "Plan: 1 to create, 2 to change, 1 to delete, 1 purchase (12,00 €).\n");
	free(t);
	{
		struct buf b;
		buf_init(&b);
		assert_int_equal(plan_render_text(&p, &d, true, false, &b), 0);
		assert_has(b.data, "\033[32m+ server fsn1-01\033[0m\n");
		assert_has(b.data, "\033[31m- dns_record old.de/A (destructive)\033[0m\n");
		buf_release(&b);
	}
	plan_release(&p);
	world_release(&d);
}

static const char small_json[] =
    "{\n"
    "  \"format_version\": 1,\n"
    "  \"lineage\": \"lin-1\",\n"
    "  \"serial\": 7,\n"
    "  \"specs_digest\": null,\n"
    "  \"summary\": {\n"
    "    \"create\": 1,\n"
    "    \"update\": 1,\n"
    "    \"delete\": 1,\n"
    "    \"deploy\": 1,\n"
    "    \"start\": 0,\n"
    "    \"stop\": 0,\n"
    "    \"register\": 1,\n"
    "    \"transfer\": 0,\n"
    "    \"noop\": 4,\n"
    "    \"cost_cents\": 1200\n"
    "  },\n"
    "  \"actions\": [\n"
    "    {\n"
    "      \"id\": 1,\n"
    "      \"op\": \"create\",\n"
    "      \"resource\": \"server\",\n"
    "      \"key\": \"fsn1-01\",\n"
    "      \"project\": null,\n"
    "      \"service\": \"local\",\n"
    "      \"changes\": [\n"
    "        {\"field\": \"ip_address\", \"old\": null, \"new\": \"203.0.113.10\"}\n"
    "      ],\n"
    "      \"requires\": [],\n"
    "      \"reason\": null,\n"
    "      \"destructive\": false,\n"
    "      \"cost_cents\": 0,\n"
    "      \"source\": \"specs/projects.yaml:10:1\"\n"
    "    },\n"
    "    {\n"
    "      \"id\": 2,\n"
    "      \"op\": \"update\",\n"
    "      \"resource\": \"coolify_app\",\n"
    "      \"key\": \"roma\",\n"
    "      \"project\": \"roma\",\n"
    "      \"service\": \"coolify\",\n"
    "      \"changes\": [\n"
    "        {\"field\": \"image\", \"old\": \"vrs-core:1.4\", \"new\": \"vrs-core:1.5\"}\n"
    "      ],\n"
    "      \"requires\": [1],\n"
    "      \"reason\": null,\n"
    "      \"destructive\": false,\n"
    "      \"cost_cents\": 0,\n"
    "      \"source\": \"specs/projects.yaml:10:1\"\n"
    "    },\n"
    "    {\n"
    "      \"id\": 3,\n"
    "      \"op\": \"register\",\n"
    "      \"resource\": \"domain_registration\",\n"
    "      \"key\": \"roma.de\",\n"
    "      \"project\": \"roma\",\n"
    "      \"service\": \"inwx\",\n"
    "      \"changes\": [],\n"
    "      \"requires\": [],\n"
    "      \"reason\": \"price \\\"known\\\"\",\n"
    "      \"destructive\": false,\n"
    "      \"cost_cents\": 1200,\n"
    "      \"source\": \"specs/projects.yaml:10:1\"\n"
    "    },\n"
    "    {\n"
    "      \"id\": 4,\n"
    "      \"op\": \"delete\",\n"
    "      \"resource\": \"dns_record\",\n"
    "      \"key\": \"old.de/A\",\n"
    "      \"project\": \"roma\",\n"
    "      \"service\": \"inwx\",\n"
    "      \"changes\": [],\n"
    "      \"requires\": [],\n"
    "      \"reason\": null,\n"
    "      \"destructive\": true,\n"
    "      \"cost_cents\": 0,\n"
    "      \"source\": \"specs/projects.yaml:10:1\"\n"
    "    },\n"
    "    {\n"
    "      \"id\": 5,\n"
    "      \"op\": \"deploy\",\n"
    "      \"resource\": \"deployment\",\n"
    "      \"key\": \"roma\",\n"
    "      \"project\": \"roma\",\n"
    "      \"service\": \"coolify\",\n"
    "      \"changes\": [],\n"
    "      \"requires\": [2, 3],\n"
    "      \"reason\": null,\n"
    "      \"destructive\": false,\n"
    "      \"cost_cents\": 0,\n"
    "      \"source\": \"specs/projects.yaml:10:1\"\n"
    "    }\n"
    "  ]\n"
    "}\n";

static void test_render_json_and_round_trip(void **state)
{
	struct m_plan p, q;
	struct vrs_err err;
	char *j, *j2;
	(void)state;

	small_plan(&p);
	j = render(&p, NULL, plan_render_json, false);
	assert_string_equal(j, small_json);
	err_clear(&err);
	if (plan_parse_json(j, strlen(j), &q, &err) != 0)
		fail_msg("parse: %s", err.msg);
	assert_int_equal(q.nactions, 5);
	assert_int_equal(q.serial, 7);
	assert_int_equal(q.nnoop, 4);
	assert_string_equal(q.lineage, "lin-1");
	assert_null(q.specs_digest);
	assert_string_equal(q.actions[0].source.file, FILE_A);
	assert_int_equal(q.actions[0].source.line, 10);
	j2 = render(&q, NULL, plan_render_json, false);
	assert_string_equal(j, j2);
	free(j2);
	plan_release(&q);
	free(j);
	plan_release(&p);

	/* a generated plan round-trips too */
	{
		struct m_world d, r;
		std_world(&d);
		world_init(&r);
		build(&d, &r, NULL, NULL, &p);
		j = render(&p, &d, plan_render_json, false);
		assert_int_equal(plan_parse_json(j, strlen(j), &q, &err), 0);
		j2 = render(&q, &d, plan_render_json, false);
		assert_string_equal(j, j2);
		free(j);
		free(j2);
		plan_release(&p);
		plan_release(&q);
		world_release(&d);
		world_release(&r);
	}
}

static void test_parse_json_strict(void **state)
{
	struct m_plan q;
	struct vrs_err err;
	char *bad;
	(void)state;

	static const char *cases[][2] = {
	    {"\"format_version\": 1", "\"format_version\": 2"},
	    {"\"format_version\": 1,", ""},
	    {"\"requires\": [2, 3]", "\"requires\": [5]"},
	    {"\"op\": \"deploy\"", "\"op\": \"explode\""},
	    {"\"id\": 2,", "\"id\": 9,"},
	    {"\"destructive\": true", "\"destructive\": 1"},
	    {"\"source\": \"specs/projects.yaml:10:1\"\n    }\n  ]",
	     "\"source\": \"nocolon\"\n    }\n  ]"},
	    {"\"serial\": 7,", "\"serial\": \"7\","},
	    {"\"changes\": [],\n      \"requires\": [2, 3]",
	     "\"changes\": [{\"field\": 1}],\n      \"requires\": [2, 3]"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *at = strstr(small_json, cases[i][0]);
		size_t pre;
		assert_non_null(at);
		pre = (size_t)(at - small_json);
		bad = malloc(sizeof(small_json) + 64);
		memcpy(bad, small_json, pre);
		strcpy(bad + pre, cases[i][1]);
		strcat(bad, at + strlen(cases[i][0]));
		err_clear(&err);
		if (plan_parse_json(bad, strlen(bad), &q, &err) == 0)
			fail_msg("case %zu parsed", i);
		assert_int_equal(q.nactions, 0);
		assert_true(err.msg[0] != 0);
		free(bad);
	}
	assert_int_equal(plan_parse_json("{", 1, &q, &err), -1);
	assert_int_equal(plan_parse_json("[]", 2, &q, &err), -1);
}

static void test_render_markdown(void **state)
{
	struct m_plan p;
	char *t;
	(void)state;

	small_plan(&p);
	t = render(&p, NULL, plan_render_markdown, false);
	assert_string_equal(
	    t, "## vrsctl plan\n"
	       "\n"
	       "**Plan: 1 to create, 2 to change, 1 to delete, 1 purchase (12,00 €).**\n"
	       "\n"
	       "> **Warning:** 1 destructive action:\n"
	       ">\n"
	       "> - `delete dns_record old.de/A` (project `roma`)\n"
	       "\n"
	       "### Global objects\n"
	       "\n"
	       "```diff\n"
	       "+ server fsn1-01\n"
	       "    ip_address: 203.0.113.10\n"
	       "```\n"
	       "\n"
	       "### Project `roma` (`specs/projects.yaml:10:1`)\n"
	       "\n"
	       "```diff\n"
	       "~ coolify_app roma\n"
	       "    image: vrs-core:1.4 → vrs-core:1.5\n"
	       "$ register domain_registration roma.de\n"
	       "    # price \"known\"\n"
	       "    cost: 12,00 €\n"
	       "- dns_record old.de/A (destructive)\n"
	       "> deploy deployment roma\n"
	       "```\n"
	       "\n"
	       "4 objects unchanged.\n");
	free(t);
	plan_release(&p);
	plan_init(&p);
	t = render(&p, NULL, plan_render_markdown, false);
	assert_string_equal(t, "## vrsctl plan\n\n**No changes. The world matches the specs.**\n");
	free(t);
}

static void test_render_dot(void **state)
{
	struct m_plan p;
	char *t;
	(void)state;

	small_plan(&p);
	t = render(&p, NULL, plan_render_dot, false);
	assert_string_equal(
	    t, "digraph plan {\n"
	       "  rankdir=LR;\n"
	       "  node [shape=box, fontname=\"monospace\"];\n"
	       "  a1 [label=\"1: create server fsn1-01\"];\n"
	       "  subgraph \"cluster_roma\" {\n"
	       "    label=\"roma\";\n"
	       "    a2 [label=\"2: update coolify_app roma\"];\n"
	       "    a3 [label=\"3: register domain_registration roma.de\", color=blue];\n"
	       "    a4 [label=\"4: delete dns_record old.de/A\", color=red];\n"
	       "    a5 [label=\"5: deploy deployment roma\"];\n"
	       "  }\n"
	       "  a1 -> a2;\n"
	       "  a2 -> a5;\n"
	       "  a3 -> a5;\n"
	       "}\n");
	free(t);
	plan_release(&p);
}

static void test_summary_line_plural(void **state)
{
	struct m_plan p;
	char *t;
	(void)state;

	plan_init(&p);
	add_test_action(&p, OP_REGISTER, RES_DOMAIN_REGISTRATION, "a.de", "x", SVC_INWX, NULL);
	p.actions[0].cost_cents = 1000;
	add_test_action(&p, OP_TRANSFER, RES_DOMAIN_REGISTRATION, "b.de", "x", SVC_INWX, NULL);
	p.actions[1].cost_cents = 250;
	add_test_action(&p, OP_STOP, RES_COOLIFY_APP, "x", "x", SVC_COOLIFY, NULL);
	t = render(&p, NULL, plan_render_text, false);
	assert_has(t, "\nPlan: 0 to create, 1 to change, 0 to delete, 2 purchases (12,50 €).\n");
	free(t);
	/* a price not known yet (no --refresh) */
	add_test_action(&p, OP_REGISTER, RES_DOMAIN_REGISTRATION, "c.de", "x", SVC_INWX, NULL);
	t = render(&p, NULL, plan_render_text, false);
	assert_has(t, "\nPlan: 0 to create, 1 to change, 0 to delete, 3 purchases (12,50 € + price "
		      "known after --refresh).\n");
	free(t);
	p.actions[0].cost_cents = p.actions[1].cost_cents = 0;
	t = render(&p, NULL, plan_render_text, false);
	assert_has(t, "3 purchases (prices known after --refresh).\n");
	free(t);
	plan_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fresh_one_project),
	    cmocka_unit_test(test_fresh_domains_owned_registered_transferred),
	    cmocka_unit_test(test_stripe_unconfirmed_pending_payment),
	    cmocka_unit_test(test_fresh_suspended_and_archived),
	    cmocka_unit_test(test_placement_least_loaded),
	    cmocka_unit_test(test_placement_ties_and_sticky),
	    cmocka_unit_test(test_converged_noop),
	    cmocka_unit_test(test_unnamed_keys_no_change),
	    cmocka_unit_test(test_unmanaged_left_alone),
	    cmocka_unit_test(test_catalogue_unowned),
	    cmocka_unit_test(test_catalogue_still_used),
	    cmocka_unit_test(test_app_suspension),
	    cmocka_unit_test(test_image_change),
	    cmocka_unit_test(test_env_changes),
	    cmocka_unit_test(test_domain_added_and_removed),
	    cmocka_unit_test(test_global_changes_and_deletes),
	    cmocka_unit_test(test_suspend_resume),
	    cmocka_unit_test(test_archive),
	    cmocka_unit_test(test_retry),
	    cmocka_unit_test(test_partial_and_unfinished),
	    cmocka_unit_test(test_drift),
	    cmocka_unit_test(test_server_ip_change_updates_records),
	    cmocka_unit_test(test_targets),
	    cmocka_unit_test(test_determinism),
	    cmocka_unit_test(test_plan_10000),
	    cmocka_unit_test(test_unsorted_world_refused),
	    cmocka_unit_test(test_model_names),
	    cmocka_unit_test(test_bundle_price_display),
	    cmocka_unit_test(test_plan_check),
	    cmocka_unit_test(test_render_text),
	    cmocka_unit_test(test_render_json_and_round_trip),
	    cmocka_unit_test(test_parse_json_strict),
	    cmocka_unit_test(test_render_markdown),
	    cmocka_unit_test(test_render_dot),
	    cmocka_unit_test(test_summary_line_plural),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
