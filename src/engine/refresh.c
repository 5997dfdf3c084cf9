/*
 * refresh.c — read the remote world for drift detection with list calls
 * only: one GET /applications, one GET /servers, and one nameserver.info
 * per zone vrsctl manages (after the session's login) — never one read per
 * project. The result is the observed world the plan compares with the
 * recorded one; objects vrsctl did not create are listed but the plan
 * never acts on them.
 */
#include "engine/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dupn(const char *s)
{
	return s ? strdup(s) : NULL;
}

static char *image_of(const struct coolify_app *a)
{
	size_t n;
	char *s;

	if (a->image_name == NULL)
		return NULL;
	if (a->image_tag == NULL || a->image_tag[0] == 0)
		return strdup(a->image_name);
	n = strlen(a->image_name) + strlen(a->image_tag) + 2;
	s = malloc(n);
	if (s)
		snprintf(s, n, "%s:%s", a->image_name, a->image_tag);
	return s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the zones holding managed records, sorted and unique */
static char **managed_zones(const struct m_world *rec, size_t *n)
{
	size_t cap = 0, k = 0;
	char **v;

	for (size_t i = 0; i < rec->nprojects; i++)
		cap += rec->projects[i].ndomains;
	v = calloc(cap + 1, sizeof(*v));
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < rec->nprojects; i++) {
		const struct m_project *p = &rec->projects[i];
		for (size_t d = 0; d < p->ndomains; d++) {
			const struct m_domain *dm = &p->domains[d];
			const char *z = dm->zone		   ? dm->zone
					: dm->type == DT_SUBDOMAIN ? dm->base_domain
								   : dm->fqdn;
			if (z && (dm->record_a || dm->record_aaaa || dm->record_www))
				v[k++] = (char *)z;
		}
	}
	qsort(v, k, sizeof(*v), cmp_str);
	*n = 0;
	for (size_t i = 0; i < k; i++)
		if (*n == 0 || strcmp(v[*n - 1], v[i]) != 0)
			v[(*n)++] = v[i];
	return v;
}

int engine_observe(struct providers *pv, const struct m_world *recorded, struct m_observed *o,
		   struct engine_refresh_stats *stats, struct vrs_err *err)
{
	struct coolify_app_list *apps = NULL;
	struct coolify_server_list *servers = NULL;
	char **zones = NULL;
	size_t nzones = 0;
	int rc = -1;

	memset(o, 0, sizeof(*o));
	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (pv->coolify) {
		if (coolify_apps_list(pv->coolify, &apps, err) < 0 ||
		    coolify_servers_list(pv->coolify, &servers, err) < 0)
			goto out;
		if (stats)
			stats->reads += 2;
		o->apps = calloc(apps->n + 1, sizeof(*o->apps));
		o->servers = calloc(servers->n + 1, sizeof(*o->servers));
		if (o->apps == NULL || o->servers == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < apps->n; i++) {
			const struct coolify_app *a = &apps->v[i];
			struct o_app *x = &o->apps[o->napps++];
			x->uuid = dupn(a->uuid);
			x->name = dupn(a->name);
			x->fqdn = dupn(a->fqdn);
			x->image = image_of(a);
			x->status = dupn(a->status);
			x->description = dupn(a->description);
		}
		for (size_t i = 0; i < servers->n; i++) {
			const struct coolify_server *s = &servers->v[i];
			struct o_server *x = &o->servers[o->nservers++];
			x->uuid = dupn(s->uuid);
			x->name = dupn(s->name);
			x->ip = dupn(s->ip);
			x->reachable = s->is_reachable && s->is_usable;
		}
	}
	zones = managed_zones(recorded, &nzones);
	if (zones == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (nzones && pv->inwx == NULL) {
		err_set(err, "refresh needs INWX credentials to read the managed zones "
			     "(VRS_INWX_USER, VRS_INWX_PASSWORD)");
		goto out;
	}
	for (size_t z = 0; z < nzones; z++) {
		struct inwx_zone_info *zi = NULL;
		struct o_record *v;

		if (inwx_zone_info(pv->inwx, zones[z], NULL, &zi, err) < 0) {
			err_prefix(err, "refresh: zone %s", zones[z]);
			goto out;
		}
		if (stats)
			stats->reads++;
		v = realloc(o->records, (o->nrecords + zi->n_records + 1) * sizeof(*v));
		if (v == NULL) {
			inwx_zone_info_free(zi);
			err_set(err, "out of memory");
			goto out;
		}
		o->records = v;
		for (size_t i = 0; i < zi->n_records; i++) {
			const struct inwx_record *r = &zi->records[i];
			struct o_record *x = &o->records[o->nrecords++];
			memset(x, 0, sizeof(*x));
			x->id = dupn(r->id);
			x->zone = strdup(zones[z]);
			x->name = dupn(r->name);
			x->type = dupn(r->type);
			x->content = dupn(r->content);
			x->ttl = r->ttl;
		}
		inwx_zone_info_free(zi);
	}
	if (stats)
		stats->zones = nzones;
	o->present = true;
	rc = 0;
out:
	free(zones);
	if (apps)
		coolify_app_list_free(apps);
	if (servers)
		coolify_server_list_free(servers);
	if (rc < 0)
		observed_free(o);
	return rc;
}
