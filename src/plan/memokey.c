/*
 * memokey.c — what a fragment of the plan is a function of, as bytes
 * (plan_memo, memo.c): every field of the global objects of both worlds,
 * and per slug every field of its desired and recorded project (app, env,
 * domains, positions) and its placement. plan_memo reuses a slug's actions
 * only when these bytes are equal to the previous build's, so a field left
 * out here would let a cached fragment go stale: the size assertions below
 * break the build when a struct gains a field, to have it added here.
 */
#include "plan/plan_int.h"

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__LP64__)
_Static_assert(sizeof(struct m_pos) == 16, "m_pos changed: add the field to memokey.c");
_Static_assert(sizeof(struct m_project) == 352, "m_project changed: add the field to memokey.c");
_Static_assert(sizeof(struct m_app) == 64, "m_app changed: add the field to memokey.c");
_Static_assert(sizeof(struct m_env) == 56, "m_env changed: add the field to memokey.c");
_Static_assert(sizeof(struct m_domain) == 168, "m_domain changed: add the field to memokey.c");
_Static_assert(sizeof(struct m_server) == 120, "m_server changed: add the field to memokey.c");
_Static_assert(sizeof(struct m_base_domain) == 72, "m_base_domain changed: add it to memokey.c");
_Static_assert(sizeof(struct m_project_type) == 56, "m_project_type changed: add it to memokey.c");
_Static_assert(sizeof(struct m_plugin_price) == 32, "m_plugin_price changed: add it to memokey.c");
_Static_assert(sizeof(struct m_plugin) == 56, "m_plugin changed: add the field to memokey.c");
_Static_assert(sizeof(struct m_bundle) == 96, "m_bundle changed: add the field to memokey.c");
#endif

/*
 * A writer into out, or, given the previous key (old), a comparison with it
 * that writes nothing while the bytes agree (the common case: most projects
 * did not change) and, at the first difference, copies what agreed and goes
 * on writing. Strings are 0x02, their bytes and a NUL; NULL is 0x01.
 */
struct kb {
	struct buf *b;
	int rc;
	const unsigned char *old; /* NULL: write */
	size_t oldlen, pos;	  /* how much of old agreed so far */
	const char *last_file;	  /* the previous position's file (k_pos) */
};

static void k_write(struct kb *k, const void *p, size_t n)
{
	struct buf *b = k->b;

	if (b->len + n >= b->alloc && (k->rc < 0 || buf_reserve(b, n + 4096) < 0)) {
		k->rc = -1;
		return;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
}

/* the bytes differ from old: what agreed is written, and from now on everything */
static void k_diverge(struct kb *k)
{
	const unsigned char *old = k->old;

	k->old = NULL;
	k_write(k, old, k->pos);
}

static void k_raw(struct kb *k, const void *p, size_t n)
{
	if (k->old) {
		if (k->pos + n <= k->oldlen && memcmp(k->old + k->pos, p, n) == 0) {
			k->pos += n;
			return;
		}
		k_diverge(k);
	}
	k_write(k, p, n);
}

static void k_int(struct kb *k, long long v)
{
	long long o;

	/* most fields: an integer compare, not a memcmp call */
	if (k->old && k->pos + sizeof(o) <= k->oldlen) {
		memcpy(&o, k->old + k->pos, sizeof(o));
		if (o == v) {
			k->pos += sizeof(o);
			return;
		}
	}
	k_raw(k, &v, sizeof(v));
}

static void k_str(struct kb *k, const char *s)
{
	static const unsigned char none = 1, some = 2;

	if (k->old) {
		const unsigned char *o = k->old + k->pos;
		size_t left = k->oldlen - k->pos, i = 0;
		if (s == NULL && left >= 1 && o[0] == none) {
			k->pos++;
			return;
		}
		if (s && left >= 2 && o[0] == some) {
			i = strlen(s);
			if (i + 2 <= left && o[1 + i] == 0 && memcmp(o + 1, s, i) == 0) {
				k->pos += i + 2;
				return;
			}
		}
		k_diverge(k);
	}
	if (s == NULL) {
		k_write(k, &none, 1);
	} else {
		k_write(k, &some, 1);
		k_write(k, s, strlen(s) + 1);
	}
}

/*
 * A position's file is one of the world's file names, the same pointer for
 * every position of a file: after the first, 0x03 stands for "the previous
 * position's file" (the same bytes each build, as the previous position
 * is), not its path again: the path is most of a project's key.
 */
static void k_pos(struct kb *k, const struct m_pos *p)
{
	static const unsigned char same_file = 3;

	if (p->file && p->file == k->last_file) {
		k_raw(k, &same_file, 1);
	} else {
		k_str(k, p->file);
		k->last_file = p->file;
	}
	k_int(k, p->line);
	k_int(k, p->col);
}

static void k_server(struct kb *k, const struct m_server *s)
{
	k_str(k, s->name);
	k_str(k, s->coolify_uuid);
	k_str(k, s->ip_address);
	k_str(k, s->ipv6_address);
	k_int(k, s->ssh_port);
	k_int(k, s->max_projects);
	k_int(k, s->accepting_new);
	k_int(k, s->status);
	k_int(k, s->hetzner_server_id);
	k_str(k, s->hetzner_server_type);
	k_str(k, s->hetzner_location);
	k_str(k, s->notes);
	k_str(k, s->destination);
	k_pos(k, &s->pos);
	k_int(k, s->id);
	k_int(k, s->owned);
}

static void k_base_domain(struct kb *k, const struct m_base_domain *x)
{
	k_str(k, x->domain);
	k_str(k, x->display_name);
	k_int(k, x->is_active);
	k_int(k, x->is_default);
	k_int(k, x->sort_order);
	k_int(k, x->wildcard_ssl);
	k_int(k, x->inwx_domain_id);
	k_pos(k, &x->pos);
	k_int(k, x->id);
	k_int(k, x->owned);
}

static void k_project_type(struct kb *k, const struct m_project_type *x)
{
	k_str(k, x->code);
	k_str(k, x->name);
	k_int(k, x->trial_days);
	k_pos(k, &x->pos);
	k_int(k, x->id);
	k_int(k, x->owned);
}

static void k_plugin(struct kb *k, const struct m_plugin *x)
{
	k_str(k, x->name);
	k_int(k, (long long)x->nprices);
	for (size_t i = 0; i < x->nprices; i++) {
		const struct m_plugin_price *p = &x->prices[i];
		k_str(k, p->project_type);
		k_int(k, p->billing_cycle);
		k_int(k, p->price_cents);
		k_pos(k, &p->pos);
	}
	k_pos(k, &x->pos);
	k_int(k, x->id);
	k_int(k, x->owned);
}

static void k_bundle(struct kb *k, const struct m_bundle *x)
{
	k_str(k, x->code);
	k_str(k, x->name);
	k_str(k, x->description);
	k_str(k, x->project_type);
	k_int(k, (long long)x->nplugins);
	for (size_t i = 0; i < x->nplugins; i++)
		k_str(k, x->plugins[i]);
	k_int(k, x->billing_cycle);
	k_int(k, x->discount_percent);
	k_int(k, x->is_default);
	k_int(k, x->is_active);
	k_int(k, x->sort_order);
	k_pos(k, &x->pos);
	k_int(k, x->id);
	k_int(k, x->owned);
}

static void k_world_globals(struct kb *k, const struct m_world *w)
{
	k_int(k, (long long)w->nservers);
	for (size_t i = 0; i < w->nservers; i++)
		k_server(k, &w->servers[i]);
	k_int(k, (long long)w->nbase_domains);
	for (size_t i = 0; i < w->nbase_domains; i++)
		k_base_domain(k, &w->base_domains[i]);
	k_int(k, (long long)w->nproject_types);
	for (size_t i = 0; i < w->nproject_types; i++)
		k_project_type(k, &w->project_types[i]);
	k_int(k, (long long)w->nplugins);
	for (size_t i = 0; i < w->nplugins; i++)
		k_plugin(k, &w->plugins[i]);
	k_int(k, (long long)w->nbundles);
	for (size_t i = 0; i < w->nbundles; i++)
		k_bundle(k, &w->bundles[i]);
}

int memo_key_globals(const struct m_world *d, const struct m_world *r, struct buf *out)
{
	struct kb k = {out, 0, NULL, 0, 0, NULL};

	k_world_globals(&k, d);
	k_world_globals(&k, r);
	return k.rc;
}

static void k_env(struct kb *k, const struct m_env *e)
{
	k_str(k, e->key);
	k_int(k, e->kind);
	k_str(k, e->value);
	k_str(k, e->ref);
	k_str(k, e->fingerprint);
	k_pos(k, &e->pos);
}

static void k_domain(struct kb *k, const struct m_domain *x)
{
	k_str(k, x->fqdn);
	k_int(k, x->type);
	k_str(k, x->subdomain);
	k_str(k, x->base_domain);
	k_int(k, x->primary);
	k_int(k, x->max_price_cents);
	k_int(k, x->auth_code_kind);
	k_str(k, x->auth_code_ref);
	k_pos(k, &x->pos);
	k_int(k, x->id);
	k_int(k, x->status);
	k_str(k, x->zone);
	k_str(k, x->record_a);
	k_str(k, x->record_aaaa);
	k_str(k, x->record_www);
	k_int(k, x->inwx_domain_id);
	k_int(k, x->registration_cost_cents);
	k_int(k, x->renewal_cost_cents);
	k_int(k, x->expires_at);
	k_int(k, x->ssl_provisioned);
	k_int(k, x->ssl_expires_at);
	k_int(k, x->tls_checked_at);
}

static void k_app(struct kb *k, const struct m_app *a)
{
	k_str(k, a->image);
	k_int(k, a->port);
	k_str(k, a->health_path);
	k_int(k, a->delete_volumes);
	k_int(k, (long long)a->nenv);
	for (size_t i = 0; i < a->nenv; i++)
		k_env(k, &a->env[i]);
	k_pos(k, &a->pos);
}

static void k_project(struct kb *k, const struct m_project *p)
{
	k_str(k, p->slug);
	k_str(k, p->name);
	k_str(k, p->owner_email);
	k_str(k, p->project_type);
	k_str(k, p->bundle);
	k_int(k, p->lifecycle);
	k_str(k, p->server);
	k_int(k, p->superadmin);
	k_int(k, p->payment_method);
	k_int(k, p->payment_confirmed);
	k_str(k, p->billing_email);
	k_str(k, p->stripe_customer_id);
	k_str(k, p->stripe_subscription_id);
	k_int(k, p->trial_days);
	k_int(k, p->demo);
	k_str(k, p->cloned_from);
	k_int(k, p->preview_protection);
	k_app(k, &p->app);
	k_int(k, (long long)p->ndomains);
	for (size_t i = 0; i < p->ndomains; i++)
		k_domain(k, &p->domains[i]);
	k_pos(k, &p->pos);
	k_pos(k, &p->server_pos);
	k_int(k, p->id);
	k_int(k, p->status);
	k_str(k, p->coolify_project_uuid);
	k_str(k, p->coolify_environment_uuid);
	k_str(k, p->coolify_app_uuid);
	k_str(k, p->provisioning_error);
	k_int(k, p->provisioning_retry_count);
	k_int(k, p->provisioning_started_at);
	k_int(k, p->provisioning_completed_at);
	k_int(k, p->trial_start_date);
	k_int(k, p->trial_end_date);
	k_int(k, p->has_api_key);
	k_str(k, p->applied_fqdns);
	k_int(k, p->keys);
	k_int(k, p->managed);
	k_int(k, p->app_suspended);
	k_int(k, p->stopped_for_app);
	k_int(k, p->unhealthy);
	k_int(k, p->health_since);
}

int memo_key_project(const struct m_project *dp, const struct m_project *rp, const char *place,
		     int place_auto, const char *old, size_t oldlen, struct buf *out, bool *same)
{
	struct kb k = {out, 0, (const unsigned char *)old, oldlen, 0, NULL};

	k_int(&k, (dp != NULL) | (rp != NULL) << 1);
	if (dp)
		k_project(&k, dp);
	if (rp)
		k_project(&k, rp);
	k_str(&k, place);
	k_int(&k, place_auto);
	if (k.old && k.pos < k.oldlen)
		k_diverge(&k); /* old was longer */
	*same = k.old != NULL;
	return k.rc;
}
