/*
 * decode_kinds.c — the tables of the global kinds (Server, BaseDomain,
 * ProjectType, Plugin, Bundle, Registrar) and the dispatch of a document
 * by its `kind:` (spec_decode_doc); Project is in decode_project.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/decode_int.h"
#include "spec/valid.h"

ENUM(en_mode, "active, maintenance", {"active", SS_ACTIVE}, {"maintenance", SS_MAINTENANCE});
ENUM(en_cycle, "once, monthly, yearly", {"once", BC_ONCE}, {"monthly", BC_MONTHLY},
     {"yearly", BC_YEARLY});
ENUM(en_renewal, "AUTORENEW, AUTODELETE, AUTOEXPIRE", {"AUTORENEW", 0}, {"AUTODELETE", 1},
     {"AUTOEXPIRE", 2});

static int fn_bundle_plugins(struct dc *c, const struct sp_node *v, void *obj)
{
	struct m_bundle *b = obj;
	return dc_name_list(c, v, &b->plugins, &b->nplugins, FC_SLUG, R_PLUGIN, true);
}

static int fn_nameservers(struct dc *c, const struct sp_node *v, void *obj)
{
	struct m_registrar *r = obj;
	return dc_name_list(c, v, &r->nameservers, &r->nnameservers, FC_DOMAIN, R_PLUGIN, false);
}

static int fn_renewal(struct dc *c, const struct sp_node *v, void *obj)
{
	struct m_registrar *r = obj;
	int e;

	if (dc_get_enum(c, v, &en_renewal, &e) < 0)
		return -1;
	free(r->renewal_mode);
	r->renewal_mode = dc_strdup(c, en_renewal.v[e].name);
	if (r->renewal_mode == NULL)
		return -1;
	return 0;
}

static const struct field price_fields[] = {
    {"project_type", FT_STR, FC_SLUG, F_REQ | F_LOWER,
     offsetof(struct m_plugin_price, project_type), 0, 0, NULL, NULL, NULL},
    {"billing_cycle", FT_ENUM, 0, 0, offsetof(struct m_plugin_price, billing_cycle), 0, 0,
     &en_cycle, NULL, NULL},
    {"price_cents", FT_INT, 0, F_REQ, offsetof(struct m_plugin_price, price_cents), 0, INT_MAX,
     NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL},
};

static int fn_prices(struct dc *c, const struct sp_node *v, void *obj)
{
	int rc;
	struct m_plugin *pl = obj;
	const struct sp_node *seen[MAX_FIELDS];
	size_t old;

	if ((rc = dc_optional(c, v, SP_SEQ)) <= 0)
		return rc;
	for (size_t i = 0; i < v->len; i++) {
		struct m_plugin_price *pr;
		if (spec_grow((void **)&pl->prices, pl->nprices, sizeof(*pl->prices)) < 0)
			return spec_oom(c->l);
		pr = &pl->prices[pl->nprices++];
		memset(pr, 0, sizeof(*pr));
		pr->billing_cycle = BC_MONTHLY;
		pr->pos = dc_pos_of(v->u.kids[i]);
		old = dc_path_push(c, NULL, (long)i);
		dc_decode_map(c, v->u.kids[i], price_fields, pr, seen);
		spec_add_ref(c->l, R_PROJECT_TYPE, pr->project_type,
			     dc_seen_of(price_fields, seen, "project_type"));
		dc_path_pop(c, old);
	}
	return 0;
}

/* ---- kinds ----------------------------------------------------------------------------- */

static const struct field hetzner_fields[] = {
    {"server_id", FT_LLONG, 0, 0, offsetof(struct m_server, hetzner_server_id), 1, LLONG_MAX, NULL,
     NULL, NULL},
    FS("server_type", FC_TOKEN, 0, struct m_server, hetzner_server_type),
    FS("location", FC_TOKEN, 0, struct m_server, hetzner_location),
    FEND,
};

static const struct field server_fields[] = {
    FK,
    FS("name", FC_SLUG, F_REQ | F_LOWER, struct m_server, name),
    FS("coolify_uuid", FC_TOKEN, F_REQ, struct m_server, coolify_uuid),
    FS("ip_address", FC_IP, F_REQ | F_LOWER, struct m_server, ip_address),
    FS("ipv6_address", FC_IPV6, F_LOWER, struct m_server, ipv6_address),
    FI("ssh_port", 0, struct m_server, ssh_port, 1, 65535),
    FI("max_projects", 0, struct m_server, max_projects, 1, 1000000),
    FB("accepting_new", struct m_server, accepting_new),
    FE("mode", struct m_server, status, en_mode),
    {"hetzner", FT_SUB, 0, 0, 0, 0, 0, NULL, hetzner_fields, NULL},
    FS("notes", FC_NONE, 0, struct m_server, notes),
    FS("destination", FC_TOKEN, 0, struct m_server, destination),
    FEND,
};

static const struct field base_domain_fields[] = {
    FK,
    FS("domain", FC_DOMAIN, F_REQ | F_LOWER, struct m_base_domain, domain),
    FS("display_name", FC_NONE, 0, struct m_base_domain, display_name),
    FB("default", struct m_base_domain, is_default),
    FI("sort_order", 0, struct m_base_domain, sort_order, 0, 1000000),
    FB("wildcard_ssl", struct m_base_domain, wildcard_ssl),
    FB("active", struct m_base_domain, is_active),
    FEND,
};

static const struct field project_type_fields[] = {
    FK,
    FS("code", FC_SLUG, F_REQ | F_LOWER, struct m_project_type, code),
    FS("name", FC_NONE, F_REQ, struct m_project_type, name),
    FI("trial_days", 0, struct m_project_type, trial_days, 0, 3650),
    FEND,
};

static const struct field plugin_fields[] = {
    FK,
    FS("name", FC_SLUG, F_REQ | F_LOWER, struct m_plugin, name),
    FF("prices", 0, fn_prices),
    FEND,
};

static const struct field bundle_fields[] = {
    FK,
    FS("code", FC_SLUG, F_REQ | F_LOWER, struct m_bundle, code),
    FS("name", FC_NONE, F_REQ, struct m_bundle, name),
    FS("description", FC_NONE, 0, struct m_bundle, description),
    FS("project_type", FC_SLUG, F_REQ | F_LOWER, struct m_bundle, project_type),
    FF("plugins", 0, fn_bundle_plugins),
    FE("billing_cycle", struct m_bundle, billing_cycle, en_cycle),
    FI("discount_percent", 0, struct m_bundle, discount_percent, 0, 100),
    FB("default", struct m_bundle, is_default),
    FI("sort_order", 0, struct m_bundle, sort_order, 0, 1000000),
    FB("active", struct m_bundle, is_active),
    FEND,
};

static const struct field contacts_fields[] = {
    FS("registrant", FC_TOKEN, F_REQ, struct m_registrar, registrant),
    FS("admin", FC_TOKEN, F_REQ, struct m_registrar, admin),
    FS("tech", FC_TOKEN, F_REQ, struct m_registrar, tech),
    FS("billing", FC_TOKEN, F_REQ, struct m_registrar, billing),
    FEND,
};

static const struct field registrar_fields[] = {
    FK,
    {"contacts", FT_SUB, 0, F_REQ, 0, 0, 0, NULL, contacts_fields, NULL},
    FF("nameservers", 0, fn_nameservers),
    FI("period", 0, struct m_registrar, period_years, 1, 10),
    FF("renewal_mode", 0, fn_renewal),
    FEND,
};

static void add_server(struct dc *c, const struct sp_node *root)
{
	struct m_world *w = c->l->w;
	struct m_server *s;

	if (spec_grow((void **)&w->servers, w->nservers, sizeof(*w->servers)) < 0) {
		spec_oom(c->l);
		return;
	}
	s = &w->servers[w->nservers++];
	memset(s, 0, sizeof(*s));
	s->ssh_port = 22;
	s->max_projects = 20;
	s->accepting_new = true;
	s->status = SS_ACTIVE;
	s->pos = dc_pos_of(root);
	dc_decode_map(c, root, server_fields, s, NULL);
}

static void add_base_domain(struct dc *c, const struct sp_node *root)
{
	struct m_world *w = c->l->w;
	struct m_base_domain *b;

	if (spec_grow((void **)&w->base_domains, w->nbase_domains, sizeof(*w->base_domains)) < 0) {
		spec_oom(c->l);
		return;
	}
	b = &w->base_domains[w->nbase_domains++];
	memset(b, 0, sizeof(*b));
	b->is_active = true;
	b->pos = dc_pos_of(root);
	dc_decode_map(c, root, base_domain_fields, b, NULL);
}

static void add_project_type(struct dc *c, const struct sp_node *root)
{
	struct m_world *w = c->l->w;
	struct m_project_type *t;

	if (spec_grow((void **)&w->project_types, w->nproject_types, sizeof(*w->project_types)) <
	    0) {
		spec_oom(c->l);
		return;
	}
	t = &w->project_types[w->nproject_types++];
	memset(t, 0, sizeof(*t));
	t->pos = dc_pos_of(root);
	dc_decode_map(c, root, project_type_fields, t, NULL);
}

static void add_plugin(struct dc *c, const struct sp_node *root)
{
	struct m_world *w = c->l->w;
	struct m_plugin *p;

	if (spec_grow((void **)&w->plugins, w->nplugins, sizeof(*w->plugins)) < 0) {
		spec_oom(c->l);
		return;
	}
	p = &w->plugins[w->nplugins++];
	memset(p, 0, sizeof(*p));
	p->pos = dc_pos_of(root);
	dc_decode_map(c, root, plugin_fields, p, NULL);
}

static void add_bundle(struct dc *c, const struct sp_node *root)
{
	struct m_world *w = c->l->w;
	const struct sp_node *seen[MAX_FIELDS];
	struct m_bundle *b;

	if (spec_grow((void **)&w->bundles, w->nbundles, sizeof(*w->bundles)) < 0) {
		spec_oom(c->l);
		return;
	}
	b = &w->bundles[w->nbundles++];
	memset(b, 0, sizeof(*b));
	b->billing_cycle = BC_MONTHLY;
	b->is_active = true;
	b->pos = dc_pos_of(root);
	dc_decode_map(c, root, bundle_fields, b, seen);
	spec_add_ref(c->l, R_PROJECT_TYPE, b->project_type,
		     dc_seen_of(bundle_fields, seen, "project_type"));
}

static void add_registrar(struct dc *c, const struct sp_node *root)
{
	struct m_registrar *r = &c->l->w->registrar;

	if (r->present) {
		diag_add(c->l->d, root->file, root->line, root->col, "more than one Registrar");
		diag_note(c->l->d, r->pos.file, r->pos.line, r->pos.col, "first defined here");
		return;
	}
	r->present = true;
	r->period_years = 1;
	r->pos = dc_pos_of(root);
	dc_decode_map(c, root, registrar_fields, r, NULL);
	if (r->renewal_mode == NULL)
		r->renewal_mode = dc_strdup(c, "AUTORENEW");
}

static const struct kind {
	const char *name;
	void (*add)(struct dc *c, const struct sp_node *root);
} kinds[] = {
    {"Server", add_server},
    {"BaseDomain", add_base_domain},
    {"ProjectType", add_project_type},
    {"Plugin", add_plugin},
    {"Bundle", add_bundle},
    {"Project", dc_add_project},
    {"Registrar", add_registrar},
};

#define KIND_LIST "Server, BaseDomain, ProjectType, Plugin, Bundle, Project, Registrar"

int spec_decode_doc(struct spec_loader *l, const struct sp_node *root)
{
	struct dc c;
	const struct sp_node *kv = NULL;
	char b[80];
	size_t i, best = (size_t)-1, bi = 0, d;

	memset(&c, 0, sizeof(c));
	c.l = l;
	if (l->d->n - l->file_diag_start > 1000) {
		diag_add(l->d, root->file, root->line, root->col,
			 "too many errors; skipping the rest of this file");
		return 1;
	}
	if (root->type == SP_BAD)
		return 0;
	if (root->type == SP_SCALAR && sp_scalar_kind(root) == SK_NULL)
		return 0; /* an empty document */
	if (root->type != SP_MAP) {
		diag_add(l->d, root->file, root->line, root->col,
			 "a document must be a mapping with 'kind:', got %s", sp_type_name(root));
		return 0;
	}
	for (i = 0; i + 1 < root->len; i += 2) {
		const struct sp_node *k = root->u.kids[i];
		if (k->type == SP_SCALAR && !strcmp(k->u.str, "kind")) {
			kv = root->u.kids[i + 1];
			break;
		}
	}
	if (kv == NULL) {
		diag_add(l->d, root->file, root->line, root->col,
			 "missing required key 'kind' (one of: " KIND_LIST ")");
		return 0;
	}
	if (kv->type == SP_BAD)
		return 0;
	if (kv->type != SP_SCALAR || sp_scalar_kind(kv) != SK_STR) {
		diag_add(l->d, kv->file, kv->line, kv->col, "kind: expected a string, got %s",
			 sp_type_name(kv));
		return 0;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!strcmp(kinds[i].name, kv->u.str)) {
			c.kind = kinds[i].name;
			kinds[i].add(&c, root);
			return 0;
		}
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!strcasecmp(kinds[i].name, kv->u.str))
			d = 0;
		else
			d = spec_edit_distance(kinds[i].name, kv->u.str);
		if (d < best) {
			best = d;
			bi = i;
		}
	}
	if (best <= 2)
		diag_add(l->d, kv->file, kv->line, kv->col,
			 "unknown kind '%s' (did you mean '%s'?)", dc_show(kv->u.str, b),
			 kinds[bi].name);
	else
		diag_add(l->d, kv->file, kv->line, kv->col,
			 "unknown kind '%s' (expected one of: %s)", dc_show(kv->u.str, b),
			 KIND_LIST);
	return 0;
}
