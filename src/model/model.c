/*
 * model.c — enum names, freeing, sorting and lookups of the shared model,
 * and the bundle price rule of the model specification. Plain libc only.
 */
#include "model/model.h"
#include "util/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- enums --------------------------------------------------------------- */

static int name_parse(const char *const *names, int n, const char *s, int *out)
{
	if (s == NULL)
		return -1;
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i], s) == 0) {
			*out = i;
			return 0;
		}
	}
	return -1;
}

#define ENUM_FUNCS(type, prefix, max, ...)                                                         \
	static const char *const prefix##_names[] = {__VA_ARGS__};                                 \
	_Static_assert(sizeof(prefix##_names) / sizeof(prefix##_names[0]) == (max),                \
		       #prefix " names");                                                          \
	const char *prefix##_name(type v)                                                          \
	{                                                                                          \
		return ((int)v >= 0 && (int)v < (max)) ? prefix##_names[v] : "?";                  \
	}                                                                                          \
	int prefix##_parse(const char *s, type *out)                                               \
	{                                                                                          \
		int i;                                                                             \
		if (name_parse(prefix##_names, (max), s, &i) < 0)                                  \
			return -1;                                                                 \
		*out = (type)i;                                                                    \
		return 0;                                                                          \
	}

ENUM_FUNCS(enum m_prov_status, m_prov_status, PS__MAX, "draft", "pending_payment", "pending_domain",
	   "provisioning", "bootstrapping", "active", "suspended", "archived", "error")
ENUM_FUNCS(enum m_domain_type, m_domain_type, DT__MAX, "subdomain", "owned", "registered",
	   "transferred")
ENUM_FUNCS(enum m_domain_status, m_domain_status, DS__MAX, "pending_registration",
	   "pending_transfer", "pending_dns", "active", "expired", "suspended")
ENUM_FUNCS(enum m_payment_method, m_payment_method, PM__MAX, "stripe_prepaid",
	   "stripe_subscription", "invoice", "free")
ENUM_FUNCS(enum m_server_status, m_server_status, SS__MAX, "provisioning", "active", "maintenance",
	   "offline")
ENUM_FUNCS(enum m_billing_cycle, m_billing_cycle, BC__MAX, "once", "monthly", "yearly")
ENUM_FUNCS(enum m_lifecycle, m_lifecycle, LC__MAX, "active", "suspended", "archived")
ENUM_FUNCS(enum m_op, m_op, OP__MAX, "create", "update", "delete", "deploy", "stop", "start",
	   "register", "transfer", "noop")
ENUM_FUNCS(enum m_resource, m_resource, RES__MAX, "server", "base_domain", "project_type", "plugin",
	   "bundle", "project", "project_domain", "domain_registration", "coolify_project",
	   "coolify_app", "app_env", "dns_record", "deployment")
ENUM_FUNCS(enum m_service, m_service, SVC__MAX, "local", "coolify", "inwx")

/* ---- freeing ------------------------------------------------------------- */

void world_init(struct m_world *w)
{
	memset(w, 0, sizeof(*w));
}

void server_release(struct m_server *s)
{
	free(s->name);
	free(s->coolify_uuid);
	free(s->ip_address);
	free(s->ipv6_address);
	free(s->hetzner_server_type);
	free(s->hetzner_location);
	free(s->notes);
	free(s->destination);
}

void domain_release(struct m_domain *d)
{
	free(d->fqdn);
	free(d->subdomain);
	free(d->base_domain);
	free(d->auth_code_ref);
	free(d->zone);
	free(d->record_a);
	free(d->record_aaaa);
	free(d->record_www);
}

static void env_release(struct m_env *e)
{
	free(e->key);
	free(e->value);
	free(e->ref);
	free(e->fingerprint);
}

void project_release(struct m_project *p)
{
	free(p->slug);
	free(p->name);
	free(p->owner_email);
	free(p->project_type);
	free(p->bundle);
	free(p->server);
	free(p->billing_email);
	free(p->stripe_customer_id);
	free(p->stripe_subscription_id);
	free(p->cloned_from);
	free(p->app.image);
	free(p->app.health_path);
	for (size_t i = 0; i < p->app.nenv; i++)
		env_release(&p->app.env[i]);
	free(p->app.env);
	for (size_t i = 0; i < p->ndomains; i++)
		domain_release(&p->domains[i]);
	free(p->domains);
	free(p->coolify_project_uuid);
	free(p->coolify_environment_uuid);
	free(p->coolify_app_uuid);
	free(p->provisioning_error);
	free(p->applied_fqdns);
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void world_release(struct m_world *w)
{
	for (size_t i = 0; i < w->nservers; i++)
		server_release(&w->servers[i]);
	free(w->servers);
	for (size_t i = 0; i < w->nbase_domains; i++) {
		free(w->base_domains[i].domain);
		free(w->base_domains[i].display_name);
	}
	free(w->base_domains);
	for (size_t i = 0; i < w->nproject_types; i++) {
		free(w->project_types[i].code);
		free(w->project_types[i].name);
	}
	free(w->project_types);
	for (size_t i = 0; i < w->nplugins; i++) {
		struct m_plugin *pl = &w->plugins[i];
		free(pl->name);
		for (size_t j = 0; j < pl->nprices; j++)
			free(pl->prices[j].project_type);
		free(pl->prices);
	}
	free(w->plugins);
	for (size_t i = 0; i < w->nbundles; i++) {
		struct m_bundle *b = &w->bundles[i];
		free(b->code);
		free(b->name);
		free(b->description);
		free(b->project_type);
		free_strv(b->plugins, b->nplugins);
	}
	free(w->bundles);
	for (size_t i = 0; i < w->nprojects; i++)
		project_release(&w->projects[i]);
	free(w->projects);
	free(w->registrar.registrant);
	free(w->registrar.admin);
	free(w->registrar.tech);
	free(w->registrar.billing);
	free_strv(w->registrar.nameservers, w->registrar.nnameservers);
	free(w->registrar.renewal_mode);
	free_strv(w->files, w->nfiles);
	world_init(w);
}

static int cmp_zone(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool observed_zone_read(const struct m_observed *o, const char *zone)
{
	const char *key = zone;

	if (o == NULL || !o->present)
		return false;
	if (!o->zones_partial)
		return true;
	if (zone == NULL || o->nzones_read == 0)
		return false;
	return bsearch(&key, o->zones_read, o->nzones_read, sizeof(*o->zones_read), cmp_zone) !=
	       NULL;
}

void observed_release(struct m_observed *o)
{
	for (size_t i = 0; i < o->napps; i++) {
		struct o_app *a = &o->apps[i];
		free(a->uuid);
		free(a->name);
		free(a->fqdn);
		free(a->image);
		free(a->status);
		free(a->server_uuid);
		free(a->description);
	}
	free(o->apps);
	for (size_t i = 0; i < o->nrecords; i++) {
		struct o_record *r = &o->records[i];
		free(r->id);
		free(r->zone);
		free(r->name);
		free(r->type);
		free(r->content);
	}
	free(o->records);
	for (size_t i = 0; i < o->nzones_read; i++)
		free(o->zones_read[i]);
	free(o->zones_read);
	for (size_t i = 0; i < o->nservers; i++) {
		free(o->servers[i].uuid);
		free(o->servers[i].name);
		free(o->servers[i].ip);
	}
	free(o->servers);
	for (size_t i = 0; i < o->noffers; i++) {
		free(o->offers[i].domain);
		free(o->offers[i].status);
	}
	free(o->offers);
	memset(o, 0, sizeof(*o));
}

void plan_init(struct m_plan *p)
{
	memset(p, 0, sizeof(*p));
}

void action_clear(struct m_action *a)
{
	free(a->key);
	free(a->project);
	for (size_t j = 0; j < a->nchanges; j++) {
		free(a->changes[j].field);
		free(a->changes[j].old);
		free(a->changes[j].new);
	}
	free(a->changes);
	free(a->requires);
	free(a->reason);
	memset(a, 0, sizeof(*a));
}

void plan_release(struct m_plan *p)
{
	if (p->borrowed) {
		p->actions = NULL;
		p->nactions = 0;
		p->arena = NULL;
	}
	for (size_t i = 0; i < p->nactions && p->arena; i++)
		free(p->actions[i].requires);
	for (size_t i = 0; i < p->nactions && !p->arena; i++)
		action_clear(&p->actions[i]);
	arena_free(p->arena);
	free(p->actions);
	free(p->lineage);
	free(p->specs_digest);
	plan_init(p);
}

/* ---- sorting and lookups -------------------------------------------------- */

/* every keyed struct starts with its key string, so one comparator serves all */
static int cmp_key(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	if (x == NULL || y == NULL)
		return (x != NULL) - (y != NULL);
	return strcmp(x, y);
}

_Static_assert(offsetof(struct m_server, name) == 0, "key first");
_Static_assert(offsetof(struct m_base_domain, domain) == 0, "key first");
_Static_assert(offsetof(struct m_project_type, code) == 0, "key first");
_Static_assert(offsetof(struct m_plugin, name) == 0, "key first");
_Static_assert(offsetof(struct m_bundle, code) == 0, "key first");
_Static_assert(offsetof(struct m_project, slug) == 0, "key first");
_Static_assert(offsetof(struct m_domain, fqdn) == 0, "key first");

/* qsort's array must not be NULL, even for no elements (glibc declares it nonnull) */
static void sort_keyed(void *base, size_t n, size_t size)
{
	size_t i = 1;

	/* already in order, keys unique (a tree named by slug; watch's reloads): nothing moves */
	while (i < n &&
	       cmp_key((const char *)base + (i - 1) * size, (const char *)base + i * size) < 0)
		i++;
	if (n > 1 && i < n && n <= 8 && size <= 256) {
		/* a project's few domains: a stable insertion sort, as glibc's (merge) sort */
		unsigned char tmp[256], *b = base;
		for (i = 1; i < n; i++) {
			size_t j = i;
			memcpy(tmp, b + i * size, size);
			for (; j > 0 && cmp_key(b + (j - 1) * size, tmp) > 0; j--)
				memcpy(b + j * size, b + (j - 1) * size, size);
			memcpy(b + j * size, tmp, size);
		}
	} else if (n > 1 && i < n) {
		qsort(base, n, size, cmp_key);
	}
}

void world_sort(struct m_world *w)
{
	sort_keyed(w->servers, w->nservers, sizeof(*w->servers));
	sort_keyed(w->base_domains, w->nbase_domains, sizeof(*w->base_domains));
	sort_keyed(w->project_types, w->nproject_types, sizeof(*w->project_types));
	sort_keyed(w->plugins, w->nplugins, sizeof(*w->plugins));
	sort_keyed(w->bundles, w->nbundles, sizeof(*w->bundles));
	sort_keyed(w->projects, w->nprojects, sizeof(*w->projects));
	for (size_t i = 0; i < w->nprojects; i++)
		sort_keyed(w->projects[i].domains, w->projects[i].ndomains,
			   sizeof(*w->projects[i].domains));
}

void *world_find_key(const void *base, size_t n, size_t size, const char *key)
{
	if (key == NULL || n == 0)
		return NULL;
	return bsearch(&key, base, n, size, cmp_key);
}

/* lookups need a sorted world (world_sort); spec/ and state/ sort what they return */
struct m_server *world_server(const struct m_world *w, const char *name)
{
	return world_find_key(w->servers, w->nservers, sizeof(*w->servers), name);
}

struct m_base_domain *world_base_domain(const struct m_world *w, const char *domain)
{
	return world_find_key(w->base_domains, w->nbase_domains, sizeof(*w->base_domains), domain);
}

struct m_project_type *world_project_type(const struct m_world *w, const char *code)
{
	return world_find_key(w->project_types, w->nproject_types, sizeof(*w->project_types), code);
}

struct m_plugin *world_plugin(const struct m_world *w, const char *name)
{
	return world_find_key(w->plugins, w->nplugins, sizeof(*w->plugins), name);
}

struct m_bundle *world_bundle(const struct m_world *w, const char *code)
{
	return world_find_key(w->bundles, w->nbundles, sizeof(*w->bundles), code);
}

struct m_project *world_project(const struct m_world *w, const char *slug)
{
	return world_find_key(w->projects, w->nprojects, sizeof(*w->projects), slug);
}

size_t world_managed_objects(const struct m_world *rec)
{
	size_t n = 0;

	for (size_t i = 0; i < rec->nprojects; i++) {
		const struct m_project *p = &rec->projects[i];
		if (!p->managed)
			continue;
		n += p->coolify_project_uuid != NULL;
		n += p->coolify_app_uuid != NULL;
		for (size_t k = 0; k < p->ndomains; k++)
			n += (p->domains[k].record_a != NULL) +
			     (p->domains[k].record_aaaa != NULL) +
			     (p->domains[k].record_www != NULL);
	}
	return n;
}

/* ---- application FQDNs ----------------------------------------------------- */

static int cmp_domain_order(const void *x, const void *y)
{
	const struct m_domain *a = *(const struct m_domain *const *)x;
	const struct m_domain *b = *(const struct m_domain *const *)y;

	if (a->primary != b->primary)
		return a->primary ? -1 : 1;
	return strcmp(a->fqdn, b->fqdn);
}

char *project_fqdns(const struct m_project *p)
{
	const struct m_domain **v;
	size_t len = 1, off = 0;
	char *s;

	v = malloc((p->ndomains + 1) * sizeof(*v));
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < p->ndomains; i++) {
		v[i] = &p->domains[i];
		len += strlen(p->domains[i].fqdn) + sizeof("https://,");
	}
	if (p->ndomains > 1)
		qsort(v, p->ndomains, sizeof(*v), cmp_domain_order);
	s = malloc(len);
	if (s != NULL) {
		s[0] = 0;
		for (size_t i = 0; i < p->ndomains; i++)
			off += (size_t)snprintf(s + off, len - off, "%shttps://%s", i ? "," : "",
						v[i]->fqdn);
	}
	free(v);
	return s;
}

/* ---- prices ---------------------------------------------------------------- */

long long bundle_price_cents(const struct m_world *w, const struct m_bundle *b)
{
	long long total = 0;

	for (size_t i = 0; i < b->nplugins; i++) {
		const struct m_plugin *pl = world_plugin(w, b->plugins[i]);
		if (pl == NULL)
			continue;
		for (size_t j = 0; j < pl->nprices; j++) {
			const struct m_plugin_price *pr = &pl->prices[j];
			if (pr->billing_cycle == b->billing_cycle && pr->project_type &&
			    b->project_type && strcmp(pr->project_type, b->project_type) == 0) {
				total += pr->price_cents;
				break;
			}
		}
	}
	/* int(total * (100 - discount) / 100), as the model specification computes it */
	if (b->discount_percent > 0)
		total = total * (100 - b->discount_percent) / 100;
	return total;
}

char *cents_display(long long cents, char *out, size_t outlen)
{
	const char *sign = cents < 0 ? "-" : "";

	if (cents < 0)
		cents = -cents;
	snprintf(out, outlen, "%s%lld,%02lld €", sign, cents / 100, cents % 100);
	return out;
}

char *bundle_price_display(const struct m_world *w, const struct m_bundle *b, char *out,
			   size_t outlen)
{
	long long cents = bundle_price_cents(w, b);
	char num[32];
	const char *suffix = b->billing_cycle == BC_MONTHLY  ? "/Monat"
			     : b->billing_cycle == BC_YEARLY ? "/Jahr"
							     : "";

	if (cents == 0) {
		snprintf(out, outlen, "Kostenlos");
		return out;
	}
	snprintf(out, outlen, "%s%s", cents_display(cents, num, sizeof(num)), suffix);
	return out;
}

/*
 * Field ownership (docs/OWNERSHIP.md): on a recorded row, an optional key the
 * spec does not name is not managed, so the row's value stands. lifecycle,
 * payment.confirmed and trial are vrsctl's own (vrs_project_ext): the spec,
 * with its defaults, always applies to them. A shallow copy: out points into
 * dp and rp, owns nothing.
 */
void project_effective(const struct m_project *dp, const struct m_project *rp,
		       struct m_project *out)
{
	*out = *dp;
	if (rp == NULL)
		return;
	if (!(dp->keys & PK_BUNDLE))
		out->bundle = rp->bundle;
	if (!(dp->keys & PK_SUPERADMIN))
		out->superadmin = rp->superadmin;
	if (!(dp->keys & PK_PAYMENT_METHOD))
		out->payment_method = rp->payment_method;
	if (!(dp->keys & PK_BILLING_EMAIL))
		out->billing_email = rp->billing_email;
	if (!(dp->keys & PK_STRIPE_CUSTOMER))
		out->stripe_customer_id = rp->stripe_customer_id;
	if (!(dp->keys & PK_STRIPE_SUBSCRIPTION))
		out->stripe_subscription_id = rp->stripe_subscription_id;
	if (!(dp->keys & PK_DEMO))
		out->demo = rp->demo;
	if (!(dp->keys & PK_CLONED_FROM))
		out->cloned_from = rp->cloned_from;
	if (!(dp->keys & PK_PREVIEW_PROTECTION))
		out->preview_protection = rp->preview_protection;
}
