/*
 * import.c — adopt what already exists remotely into the state: for every
 * project of the specs, a Coolify project named `vrs-<slug>` with its
 * application `<slug>`, and the A/AAAA/www records of its domains in their
 * INWX zones. Found objects are recorded (uuids, record ids) exactly as if
 * vrsctl had created them, so the next plan only updates what differs
 * (typically the environment, then a deployment) instead of creating
 * duplicates. The application is looked for only inside `vrs-<slug>`'s
 * production environment (GET /projects/{uuid}/production lists its apps;
 * GET /applications would list the whole team, and names are not unique):
 * import is the one way to take over an app vrsctl did not make, and it
 * marks such an app (PATCH of its description with managed-by=vrsctl) and
 * its project `vrs-<slug>` likewise (PATCH /projects/{uuid}; a marked one of
 * that name is preferred), the only remote changes import makes. Reads: one GET /projects, one
 * nameserver.info per zone, one environment read per adopted project.
 */
#include "engine/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct zone_cache {
	char *zone;
	struct inwx_zone_info *info; /* NULL: the zone does not exist */
};

struct importer {
	struct state *st;
	struct providers *pv;
	const struct m_world *desired;
	const struct m_world *recorded;
	struct coolify_project_list *projects;
	struct zone_cache *zones;
	size_t nzones;
	const char *who;
};

static const struct inwx_zone_info *zone_get(struct importer *im, const char *zone,
					     struct vrs_err *err, int *rc)
{
	struct zone_cache *v;
	struct inwx_zone_info *info = NULL;

	*rc = 0;
	for (size_t i = 0; i < im->nzones; i++)
		if (strcmp(im->zones[i].zone, zone) == 0)
			return im->zones[i].info;
	if (inwx_zone_info(im->pv->inwx, zone, NULL, &info, err) < 0) {
		if (err->code != VRS_E_NOT_FOUND) {
			*rc = -1;
			return NULL;
		}
		err_clear(err);
		info = NULL;
	}
	v = realloc(im->zones, (im->nzones + 1) * sizeof(*v));
	if (v == NULL) {
		if (info)
			inwx_zone_info_free(info);
		*rc = err_set(err, "out of memory");
		return NULL;
	}
	im->zones = v;
	im->zones[im->nzones].zone = strdup(zone);
	im->zones[im->nzones].info = info;
	im->nzones++;
	return info;
}

static const char *record_id(const struct inwx_zone_info *z, const char *name, const char *type,
			     const char *content)
{
	for (size_t i = 0; z && i < z->n_records; i++) {
		const struct inwx_record *r = &z->records[i];
		if (r->name && r->type && r->id && strcasecmp(r->name, name) == 0 &&
		    strcmp(r->type, type) == 0 &&
		    (content == NULL || (r->content && strcmp(r->content, content) == 0)))
			return r->id;
	}
	return NULL;
}

/* the app named slug in env (marked or not) */
static const struct coolify_app *env_app(const struct coolify_environment *env, const char *slug)
{
	for (size_t i = 0; i < env->n_apps; i++)
		if (env->apps[i].name && env->apps[i].uuid && strcmp(env->apps[i].name, slug) == 0)
			return &env->apps[i];
	return NULL;
}

/* an app import takes over gets the marker (kept after its own description) */
static int mark_app(struct importer *im, const struct coolify_app *app, struct vrs_err *err)
{
	struct coolify_app_update up = {0};
	char desc[1024];

	if (app->description && strstr(app->description, engine_managed_marker))
		return 0;
	if (app->description && app->description[0])
		snprintf(desc, sizeof(desc), "%.900s %s", app->description, engine_managed_marker);
	else
		snprintf(desc, sizeof(desc), "%s", engine_managed_marker);
	up.description = desc;
	return coolify_app_update(im->pv->coolify, app->uuid, &up, err);
}

/* the project named name: a marked one first (names are not unique), else the last listed */
static const struct coolify_project *named_project(const struct coolify_project_list *l,
						   const char *name)
{
	const struct coolify_project *cp = NULL;

	for (size_t i = 0; l && i < l->n; i++) {
		const struct coolify_project *x = &l->v[i];
		if (x->name == NULL || x->uuid == NULL || strcmp(x->name, name) != 0)
			continue;
		if (x->description && strstr(x->description, engine_managed_marker))
			return x;
		cp = x;
	}
	return cp;
}

/* a project import takes over gets the marker too, as its app does */
static int mark_project(struct importer *im, const struct coolify_project *cp, struct vrs_err *err)
{
	char desc[1024];

	if (cp->description && strstr(cp->description, engine_managed_marker))
		return 0;
	if (cp->description && cp->description[0])
		snprintf(desc, sizeof(desc), "%.900s %s", cp->description, engine_managed_marker);
	else
		snprintf(desc, sizeof(desc), "%s", engine_managed_marker);
	return coolify_project_set_description(im->pv->coolify, cp->uuid, desc, err);
}

/* adopt one project; *found says whether anything of it exists remotely */
static int import_project(struct importer *im, const struct m_project *p, struct engine_import *res,
			  struct vrs_err *err)
{
	char name[160], msg[512];
	const struct coolify_project *cp = NULL;
	const struct coolify_app *app = NULL;
	struct coolify_environment *env = NULL;
	const struct m_project *rp = world_project(im->recorded, p->slug);
	const char *server = p->server ? p->server : rp ? rp->server : NULL;
	const struct m_server *srv;
	char *env_uuid = NULL;
	size_t nrec = 0;
	int rc = -1;

	(void)model_coolify_name(name, sizeof(name), p->slug); /* slugs: <= 63 chars */
	cp = named_project(im->projects, name);
	if (cp && mark_project(im, cp, err) < 0) {
		err_prefix(err, "import %s", p->slug);
		goto out;
	}
	if (server == NULL && im->desired->nservers == 1)
		server = im->desired->servers[0].name;
	srv = server ? world_server(im->desired, server) : NULL;
	if (cp && cp->uuid &&
	    coolify_environment_get(im->pv->coolify, cp->uuid, "production", &env, NULL) == 0) {
		env_uuid = env->uuid ? strdup(env->uuid) : NULL;
		app = env_app(env, p->slug);
		if (app && mark_app(im, app, err) < 0) {
			err_prefix(err, "import %s", p->slug);
			goto out;
		}
	}
	if (state_begin(im->st, err) < 0)
		goto out;
	if (state_project_upsert(im->st, p, err) < 0)
		goto fail;
	if (srv && state_project_place(im->st, p->slug, srv->name, err) < 0)
		goto fail;
	if (cp && (state_project_set_uuid(im->st, p->slug, SU_COOLIFY_PROJECT, cp->uuid, err) < 0 ||
		   (env_uuid && state_project_set_uuid(im->st, p->slug, SU_COOLIFY_ENVIRONMENT,
						       env_uuid, err) < 0)))
		goto fail;
	if (app && state_project_set_uuid(im->st, p->slug, SU_COOLIFY_APP, app->uuid, err) < 0)
		goto fail;
	for (size_t k = 0; k < p->ndomains; k++) {
		const struct m_domain *d = &p->domains[k];
		const char *zone = domain_zone(d);
		const struct inwx_zone_info *z;
		const char *a = NULL, *aaaa = NULL, *www = NULL;
		char wname[300];
		int zrc;

		if (state_domain_upsert(im->st, p->slug, d, err) < 0 ||
		    state_domain_set_zone(im->st, d->fqdn, zone, err) < 0)
			goto fail;
		if (im->pv->inwx == NULL || srv == NULL)
			continue;
		z = zone_get(im, zone, err, &zrc);
		if (zrc < 0)
			goto fail;
		(void)model_record_name(wname, sizeof(wname), MREC_WWW, d->fqdn);
		a = record_id(z, d->fqdn, "A", srv->ip_address);
		aaaa = srv->ipv6_address ? record_id(z, d->fqdn, "AAAA", srv->ipv6_address) : NULL;
		www = record_id(z, wname, "CNAME", d->fqdn);
		nrec += (a != NULL) + (aaaa != NULL) + (www != NULL);
		if ((a || aaaa || www) &&
		    state_domain_set_records(im->st, d->fqdn, a, aaaa, www, err) < 0)
			goto fail;
	}
	if (cp || app || nrec) {
		struct state_log_entry e = {.project_slug = p->slug,
					    .action = "adopted",
					    .message = msg,
					    .external_id = app	? app->uuid
							   : cp ? cp->uuid
								: NULL,
					    .external_service = "coolify",
					    .triggered_by = (char *)im->who};
		snprintf(msg, sizeof(msg), "imported: %s%s%s%s, %zu DNS record%s", cp ? name : "",
			 cp && app ? " and " : "", app ? "its application" : "",
			 cp || app ? "" : "no Coolify object", nrec, nrec == 1 ? "" : "s");
		if (state_log_add(im->st, &e, err) < 0)
			goto fail;
		if (!rp &&
		    state_project_set_status(im->st, p->slug, PS_PROVISIONING, NULL, err) < 0)
			goto fail;
		res->projects++;
		res->apps += app != NULL;
		res->records += nrec;
	}
	if (state_commit(im->st, err) < 0)
		goto out;
	if (srv == NULL && (cp || app))
		res->unplaced++;
	rc = 0;
	goto out;
fail:
	err_prefix(err, "import %s", p->slug);
	state_rollback(im->st, NULL);
out:
	free(env_uuid);
	if (env)
		coolify_environment_free(env);
	return rc;
}

int engine_import(struct state *st, struct providers *pv, const struct inputs *in,
		  const char *const *slugs, size_t nslugs, const char *who,
		  struct engine_import *res, struct vrs_err *err)
{
	struct importer im = {.st = st, .pv = pv, .desired = &in->desired, .who = who};
	struct m_world recorded;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	world_init(&recorded);
	im.recorded = &recorded;
	if (pv->coolify == NULL && pv->inwx == NULL) {
		err_set(err,
			"import needs Coolify and/or INWX credentials (see vrsctl(1) ENVIRONMENT)");
		goto out;
	}
	if (state_load(st, &recorded, err) < 0)
		goto out;
	if (pv->coolify && coolify_projects_list(pv->coolify, &im.projects, err) < 0)
		goto out;
	/* global records first, so projects can reference them */
	if (state_begin(st, err) < 0)
		goto out;
	for (size_t i = 0; i < in->desired.nservers; i++)
		if (state_server_upsert(st, &in->desired.servers[i], err) < 0)
			goto fail;
	for (size_t i = 0; i < in->desired.nbase_domains; i++)
		if (state_base_domain_upsert(st, &in->desired.base_domains[i], err) < 0)
			goto fail;
	for (size_t i = 0; i < in->desired.nproject_types; i++)
		if (state_project_type_upsert(st, &in->desired.project_types[i], err) < 0)
			goto fail;
	for (size_t i = 0; i < in->desired.nplugins; i++)
		if (state_plugin_upsert(st, &in->desired.plugins[i], err) < 0)
			goto fail;
	for (size_t i = 0; i < in->desired.nbundles; i++)
		if (state_bundle_upsert(st, &in->desired.bundles[i], err) < 0)
			goto fail;
	if (state_commit(st, err) < 0)
		goto out;
	for (size_t i = 0; i < in->desired.nprojects; i++) {
		const struct m_project *p = &in->desired.projects[i];
		bool wanted = nslugs == 0;
		for (size_t k = 0; k < nslugs && !wanted; k++)
			wanted = strcmp(slugs[k], p->slug) == 0;
		if (!wanted)
			continue;
		res->considered++;
		if (import_project(&im, p, res, err) < 0)
			goto out;
	}
	rc = 0;
	goto out;
fail:
	state_rollback(st, NULL);
out:
	for (size_t i = 0; i < im.nzones; i++) {
		free(im.zones[i].zone);
		if (im.zones[i].info)
			inwx_zone_info_free(im.zones[i].info);
	}
	free(im.zones);
	if (im.projects)
		coolify_project_list_free(im.projects);
	world_release(&recorded);
	return rc;
}
