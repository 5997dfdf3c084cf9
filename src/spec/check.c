/*
 * check.c — cross-document checks and defaults, after every file was
 * decoded and before the world is sorted (so array order is file order and
 * "the second" of two duplicates is the later one in the spec tree).
 *
 * Uniqueness (slugs, server names, coolify_uuids, base domains, project
 * types, plugins, bundles, full domain names, hence (base, subdomain)
 * pairs) and reference lookups use one sorted index per kind: sort by key
 * then file order, report each repeat at the later one with a note at the
 * first, and bsearch the index for references. No quadratic pass.
 * Also: at most one default base domain, and exactly one when a subdomain
 * leaves out `base:` (it is filled in); one primary domain per project (a
 * lone domain, or the first when none is marked); `trial: true` takes the
 * project type's trial_days; a bundle's project type equals its project's;
 * cloned_from forms no cycle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/spec_int.h"

struct ent {
	const char *key;
	const struct m_pos *pos;
	size_t idx;
};

struct index {
	struct ent *v; /* unique keys, sorted; idx = first occurrence */
	size_t n;
};

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int r = strcmp(x->key, y->key);

	if (r)
		return r;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * ents into ent_cmp's order (a total one: any sort gives the same result).
 * They come in file order, which for a tree named by slug is almost that
 * order (a project's few domains out of place): an insertion sort takes them
 * in a few comparisons each, and gives way to qsort once it has moved more
 * than a few per entry (files in another order).
 */
static void sort_ents(struct ent *v, size_t n)
{
	size_t moves = 0, i;

	for (i = 1; i < n && moves <= 4 * n; i++) {
		struct ent t = v[i];
		size_t j = i;
		for (; j > 0 && ent_cmp(&v[j - 1], &t) > 0; j--, moves++)
			v[j] = v[j - 1];
		v[j] = t;
	}
	if (i < n)
		qsort(v, n, sizeof(*v), ent_cmp);
}

/*
 * Sort ents (n of them, NULL keys already left out), report duplicates as
 * "duplicate WHAT 'KEY'", and keep the first of each key in ix.
 */
static void build_index(struct spec_loader *l, struct ent *v, size_t n, const char *what,
			struct index *ix)
{
	size_t i, o = 0, f = 0;

	sort_ents(v, n);
	for (i = 0; i < n; i++) {
		if (i > 0 && !strcmp(v[i].key, v[f].key)) {
			diag_add(l->d, v[i].pos->file, v[i].pos->line, v[i].pos->col,
				 "duplicate %s '%s'", what, v[i].key);
			diag_note(l->d, v[f].pos->file, v[f].pos->line, v[f].pos->col,
				  "first defined here");
			continue;
		}
		f = i;
		v[o++] = v[i];
	}
	ix->v = v;
	ix->n = o;
}

/* n zeroed entries, or NULL after reporting out of memory */
static struct ent *ents_new(struct spec_loader *l, size_t n)
{
	struct ent *v = calloc(n ? n : 1, sizeof(*v));

	if (v == NULL)
		spec_oom(l);
	return v;
}

/* index of an array of structs by a string member at key_off, pos at pos_off */
static void index_of(struct spec_loader *l, const void *arr, size_t n, size_t elem, size_t key_off,
		     size_t pos_off, const char *what, struct index *ix)
{
	struct ent *v = ents_new(l, n);
	size_t m = 0;

	ix->v = NULL;
	ix->n = 0;
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		const char *base = (const char *)arr + i * elem;
		const char *key = *(char *const *)(base + key_off);
		if (key == NULL)
			continue;
		v[m].key = key;
		v[m].pos = (const struct m_pos *)(base + pos_off);
		v[m].idx = i;
		m++;
	}
	build_index(l, v, m, what, ix);
}

/* the array index of key in ix, or -1 */
static long lookup(const struct index *ix, const char *key)
{
	size_t lo = 0, hi = ix->n, mid;
	int r;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = strcmp(key, ix->v[mid].key);
		if (r == 0)
			return (long)ix->v[mid].idx;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static const char *target_name[] = {"server", "base domain", "project type",
				    "plugin", "bundle",	     "project"};

static void check_domains(struct spec_loader *l, const struct index *bases)
{
	struct m_world *w = l->w;
	const struct m_base_domain *def = NULL;
	struct ent *v;
	struct index ix;
	size_t n = 0, m = 0;
	bool need_default = false;

	/* default base domain: at most one */
	for (size_t i = 0; i < w->nbase_domains; i++) {
		const struct m_base_domain *b = &w->base_domains[i];
		if (!b->is_default)
			continue;
		if (def) {
			diag_add(l->d, b->pos.file, b->pos.line, b->pos.col,
				 "more than one default base domain ('%s' and '%s')", def->domain,
				 b->domain ? b->domain : "?");
			diag_note(l->d, def->pos.file, def->pos.line, def->pos.col,
				  "first defined here");
			continue;
		}
		def = b;
	}
	(void)bases;
	for (size_t i = 0; i < w->nprojects; i++) {
		struct m_project *p = &w->projects[i];
		const struct m_domain *first_primary = NULL;

		n += p->ndomains;
		for (size_t j = 0; j < p->ndomains; j++) {
			struct m_domain *d = &p->domains[j];
			if (d->type == DT_SUBDOMAIN && d->base_domain == NULL && d->subdomain) {
				if (def == NULL || def->domain == NULL) {
					need_default = true;
					diag_add(l->d, d->pos.file, d->pos.line, d->pos.col,
						 "subdomain '%s' has no 'base:' and there is no "
						 "default base domain (mark one BaseDomain "
						 "'default: true')",
						 d->subdomain);
				} else {
					size_t len = strlen(d->subdomain) + strlen(def->domain) + 2;
					d->base_domain = strdup(def->domain);
					d->fqdn = malloc(len);
					if (d->base_domain == NULL || d->fqdn == NULL) {
						free(d->base_domain);
						free(d->fqdn);
						d->base_domain = d->fqdn = NULL;
						spec_oom(l);
						return;
					}
					snprintf(d->fqdn, len, "%s.%s", d->subdomain, def->domain);
					if (len - 1 > 253)
						diag_add(l->d, d->pos.file, d->pos.line, d->pos.col,
							 "'%s' is not a valid domain name: longer "
							 "than 253 characters",
							 d->subdomain);
				}
			}
			if (d->primary) {
				if (first_primary) {
					diag_add(l->d, d->pos.file, d->pos.line, d->pos.col,
						 "more than one primary domain in project '%s'",
						 p->slug ? p->slug : "?");
					diag_note(l->d, first_primary->pos.file,
						  first_primary->pos.line, first_primary->pos.col,
						  "first defined here");
					d->primary = false;
				} else {
					first_primary = d;
				}
			}
		}
		if (first_primary == NULL && p->ndomains > 0)
			p->domains[0].primary = true;
	}
	(void)need_default;
	/* full domain names are unique across all projects */
	v = ents_new(l, n);
	if (v == NULL)
		return;
	for (size_t i = 0; i < w->nprojects; i++)
		for (size_t j = 0; j < w->projects[i].ndomains; j++) {
			const struct m_domain *d = &w->projects[i].domains[j];
			if (d->fqdn == NULL)
				continue;
			v[m].key = d->fqdn;
			v[m].pos = &d->pos;
			v[m].idx = m;
			m++;
		}
	build_index(l, v, m, "domain", &ix);
	free(v);
}

static void check_cycles(struct spec_loader *l, const struct index *projects)
{
	struct m_world *w = l->w;
	unsigned char *state = calloc(w->nprojects ? w->nprojects : 1, 1);
	long *next = calloc(w->nprojects ? w->nprojects : 1, sizeof(*next));

	if (state == NULL || next == NULL) {
		free(state);
		free(next);
		spec_oom(l);
		return;
	}
	for (size_t i = 0; i < w->nprojects; i++)
		next[i] =
		    w->projects[i].cloned_from ? lookup(projects, w->projects[i].cloned_from) : -1;
	/* 0 unvisited, 1 on the current walk, 2 done */
	for (size_t i = 0; i < w->nprojects; i++) {
		long j = (long)i;

		while (j >= 0 && state[j] == 0) {
			state[j] = 1;
			j = next[j];
		}
		if (j >= 0 && state[j] == 1) {
			/* a new cycle through j: report it once, at its first member in file order
			 */
			char msg[700];
			size_t len = 0;
			long k = j, first = j;
			int count = 0;

			do {
				if (k < first)
					first = k;
				k = next[k];
			} while (k != j);
			k = first;
			do {
				if (count++ < 8)
					len += (size_t)snprintf(msg + len, sizeof(msg) - len,
								"%s -> ", w->projects[k].slug);
				k = next[k];
			} while (k != first && len < sizeof(msg));
			if (count > 8 && len < sizeof(msg))
				len += (size_t)snprintf(msg + len, sizeof(msg) - len, "... -> ");
			if (len < sizeof(msg))
				snprintf(msg + len, sizeof(msg) - len, "%s",
					 w->projects[first].slug);
			const struct m_pos *at = &l->paux[first].cloned_pos;
			diag_add(l->d, at->file, at->line, at->col, "cloned_from forms a cycle: %s",
				 msg);
		}
		/* mark the walk done */
		j = (long)i;
		while (j >= 0 && state[j] == 1) {
			state[j] = 2;
			j = next[j];
		}
	}
	free(state);
	free(next);
}

void spec_check(struct spec_loader *l)
{
	struct m_world *w = l->w;
	struct index srv, uuid, base, type, plug, bund, proj;
	const struct index *by_target[6];

	index_of(l, w->servers, w->nservers, sizeof(*w->servers), offsetof(struct m_server, name),
		 offsetof(struct m_server, pos), "server", &srv);
	index_of(l, w->servers, w->nservers, sizeof(*w->servers),
		 offsetof(struct m_server, coolify_uuid), offsetof(struct m_server, pos),
		 "coolify_uuid", &uuid);
	index_of(l, w->base_domains, w->nbase_domains, sizeof(*w->base_domains),
		 offsetof(struct m_base_domain, domain), offsetof(struct m_base_domain, pos),
		 "base domain", &base);
	index_of(l, w->project_types, w->nproject_types, sizeof(*w->project_types),
		 offsetof(struct m_project_type, code), offsetof(struct m_project_type, pos),
		 "project type", &type);
	index_of(l, w->plugins, w->nplugins, sizeof(*w->plugins), offsetof(struct m_plugin, name),
		 offsetof(struct m_plugin, pos), "plugin", &plug);
	index_of(l, w->bundles, w->nbundles, sizeof(*w->bundles), offsetof(struct m_bundle, code),
		 offsetof(struct m_bundle, pos), "bundle", &bund);
	index_of(l, w->projects, w->nprojects, sizeof(*w->projects),
		 offsetof(struct m_project, slug), offsetof(struct m_project, pos), "project",
		 &proj);

	if (l->oom)
		goto out;
	by_target[R_SERVER] = &srv;
	by_target[R_BASE_DOMAIN] = &base;
	by_target[R_PROJECT_TYPE] = &type;
	by_target[R_PLUGIN] = &plug;
	by_target[R_BUNDLE] = &bund;
	by_target[R_PROJECT] = &proj;
	for (size_t i = 0; i < l->nrefs; i++) {
		const struct ref *r = &l->refs[i];
		if (lookup(by_target[r->target], r->name) < 0)
			diag_add(l->d, r->pos.file, r->pos.line, r->pos.col, "unknown %s '%s'",
				 target_name[r->target], r->name);
	}

	check_domains(l, &base);

	for (size_t i = 0; i < w->nprojects; i++) {
		struct m_project *p = &w->projects[i];
		long t = p->project_type ? lookup(&type, p->project_type) : -1;
		long b = p->bundle ? lookup(&bund, p->bundle) : -1;

		if (l->paux[i].trial_from_type)
			p->trial_days = t >= 0 ? w->project_types[t].trial_days : 0;
		if (b >= 0 && p->project_type && w->bundles[b].project_type &&
		    strcmp(w->bundles[b].project_type, p->project_type)) {
			const struct m_pos *at = &l->paux[i].bundle_pos;
			diag_add(l->d, at->file, at->line, at->col,
				 "bundle '%s' is for project type '%s', not '%s'", p->bundle,
				 w->bundles[b].project_type, p->project_type);
			diag_note(l->d, w->bundles[b].pos.file, w->bundles[b].pos.line,
				  w->bundles[b].pos.col, "bundle defined here");
		}
	}
	check_cycles(l, &proj);
out:
	free(srv.v);
	free(uuid.v);
	free(base.v);
	free(type.v);
	free(plug.v);
	free(bund.v);
	free(proj.v);
}
