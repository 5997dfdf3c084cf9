/*
 * recover.c — adoption after a crash. A journal row left open means "this
 * call may or may not have happened". For creates, the object is looked up
 * by its deterministic name (Coolify project `vrs-<slug>`, app `<slug>`
 * inside that project's environment and only with the managed-by marker,
 * INWX record by zone + name + type, and only with the content the create
 * sent) and recorded when found; an open deploy is looked for among the
 * app's deployments (one queued or running, or one Coolify created after
 * the row was opened, is the interrupted run's: logged deployment_started,
 * so that the next deploy job waits for it instead of queueing another);
 * every other
 * open row is closed as failed, and the next plan simply does the step
 * again (updates, env upserts, deploys, starts, stops and deletes are safe
 * to repeat).
 */
#include "engine/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const char engine_managed_marker[] = "managed-by=vrsctl";

int engine_owned_app(const struct coolify_environment *env, const char *slug, const char *where,
		     const struct coolify_app **out, struct vrs_err *err)
{
	*out = NULL;
	for (size_t i = 0; env && i < env->n_apps; i++) {
		const struct coolify_app *a = &env->apps[i];
		if (a->name == NULL || a->uuid == NULL || strcmp(a->name, slug) != 0)
			continue;
		if (a->description && strstr(a->description, engine_managed_marker)) {
			*out = a;
			return 0;
		}
		return err_setc(
		    err, VRS_E_EXISTS,
		    "an application named '%s' (uuid %s) that vrsctl did not make is in "
		    "%s: it is not adopted (`vrsctl import %s` takes it over)",
		    slug, a->uuid, where, slug);
	}
	return 0;
}

int engine_owned_project(const struct coolify_project_list *l, const char *name, const char *slug,
			 const struct coolify_project **out, struct vrs_err *err)
{
	const struct coolify_project *stranger = NULL;

	*out = NULL;
	for (size_t i = 0; l && i < l->n; i++) {
		const struct coolify_project *p = &l->v[i];
		if (p->name == NULL || p->uuid == NULL || strcmp(p->name, name) != 0)
			continue;
		if (p->description && strstr(p->description, engine_managed_marker)) {
			*out = p;
			return 0;
		}
		stranger = p;
	}
	if (stranger == NULL)
		return 0;
	return err_setc(err, VRS_E_EXISTS,
			"a Coolify project named '%s' (uuid %s) that vrsctl did not make exists: "
			"it is not adopted (`vrsctl import %s` takes it over)",
			name, stranger->uuid, slug);
}

struct recover {
	struct state *st;
	struct providers *pv;
	struct m_world rec;
	struct coolify_project_list *projects;
	const char *triggered_by;
	char why[600]; /* why an open create's object was not adopted, or empty */
};

static const struct m_domain *rec_domain(const struct m_world *w, const char *fqdn)
{
	const struct m_domain *d = NULL;

	for (size_t i = 0; i < w->nprojects && d == NULL; i++)
		d = project_domain(&w->projects[i], fqdn);
	return d;
}

/*
 * An open record create: key NAME/TYPE, request summary "ZONE CONTENT". Only
 * a record of that name, type and content is the one the create sent; one
 * of other content (changed since, or a stranger's) is never adopted, nor
 * anything for a row that does not say its content (the next plan creates
 * the record, and dns.c checks the name first).
 */
static int lookup_record(struct recover *r, const struct state_journal_entry *e, char **found,
			 struct vrs_err *err)
{
	const char *slash = strrchr(e->key, '/');
	const char *sp = e->request_summary ? strchr(e->request_summary, ' ') : NULL;
	struct inwx_zone_info *z = NULL;
	struct inwx_record_filter f = {0};
	char name[300], zone[300];

	if (r->pv->inwx == NULL)
		return err_set(err, "inwx is not configured");
	if (slash == NULL || sp == NULL || sp[1] == 0 || (size_t)(slash - e->key) >= sizeof(name) ||
	    (size_t)(sp - e->request_summary) >= sizeof(zone))
		return 0;
	snprintf(name, sizeof(name), "%.*s", (int)(slash - e->key), e->key);
	snprintf(zone, sizeof(zone), "%.*s", (int)(sp - e->request_summary), e->request_summary);
	f.name = name;
	f.type = slash + 1;
	if (inwx_zone_info(r->pv->inwx, zone, &f, &z, err) < 0)
		return -1;
	for (size_t i = 0; i < z->n_records && *found == NULL; i++) {
		const struct inwx_record *x = &z->records[i];
		if (x->id && x->name && strcasecmp(x->name, name) == 0 && x->type &&
		    strcmp(x->type, f.type) == 0 &&
		    model_record_content_same(f.type, x->content, sp + 1))
			*found = strdup(x->id);
	}
	inwx_zone_info_free(z);
	return 0;
}

/*
 * An open app create: the app is looked for in the project's recorded
 * environment only (GET /applications lists the whole team; names are not
 * unique) and adopted only when marked. An unmarked one of that name is not
 * adopted: the row closes failed naming it (r->why), and the project's next
 * create fails naming it too.
 */
static int lookup_app(struct recover *r, const struct state_journal_entry *e, char **found,
		      struct vrs_err *err)
{
	const struct m_project *p =
	    e->project_slug ? world_project(&r->rec, e->project_slug) : NULL;
	struct coolify_environment *env = NULL;
	const struct coolify_app *a = NULL;
	char name[160], where[200];
	struct vrs_err why;

	if (p == NULL || p->coolify_project_uuid == NULL || e->remote_name == NULL)
		return 0; /* no project of its own recorded: nothing of it can exist */
	if (coolify_environment_get(r->pv->coolify, p->coolify_project_uuid,
				    p->coolify_environment_uuid ? p->coolify_environment_uuid
								: "production",
				    &env, err) < 0) {
		if (err->code != VRS_E_NOT_FOUND)
			return -1;
		err_clear(err);
		return 0;
	}
	(void)model_coolify_name(name, sizeof(name), p->slug); /* slugs: <= 63 chars */
	snprintf(where, sizeof(where), "%s/production", name);
	err_clear(&why);
	if (engine_owned_app(env, e->remote_name, where, &a, &why) < 0)
		snprintf(r->why, sizeof(r->why), "interrupted; %s", why.msg);
	else if (a)
		*found = strdup(a->uuid);
	coolify_environment_free(env);
	return 0;
}

/* Coolify's "2026-12-07T17:44:27.000000Z" (or with a space) as Unix seconds; 0 if not */
static long long coolify_time(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL &&
			  (end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm)) == NULL))
		return 0;
	return (long long)timegm(&tm);
}

/* the deployment an interrupted deploy queued, if Coolify has it */
static int lookup_deployment(struct recover *r, const struct state_journal_entry *e, char **found,
			     struct vrs_err *err)
{
	const struct m_project *p =
	    e->project_slug ? world_project(&r->rec, e->project_slug) : NULL;
	struct coolify_deployment_list *l = NULL;

	if (p == NULL || p->coolify_app_uuid == NULL)
		return 0;
	if (coolify_app_deployments_recent(r->pv->coolify, p->coolify_app_uuid, 5, &l, err) < 0) {
		if (err->code != VRS_E_NOT_FOUND)
			return -1;
		err_clear(err);
		return 0;
	}
	for (size_t i = 0; i < l->n && *found == NULL; i++) {
		const struct coolify_deployment *d = &l->v[i];
		bool active = d->status && (strcmp(d->status, "queued") == 0 ||
					    strcmp(d->status, "in_progress") == 0);
		/* whole seconds on both sides: created in the row's second or later */
		if (d->deployment_uuid && (active || coolify_time(d->created_at) >= e->started_at))
			*found = strdup(d->deployment_uuid);
	}
	coolify_deployment_list_free(l);
	return 0;
}

/* look the object of an open create up; *found gets its id (caller frees) */
static int lookup(struct recover *r, const struct state_journal_entry *e, char **found,
		  struct vrs_err *err)
{
	*found = NULL;
	if (e->resource == RES_COOLIFY_PROJECT || e->resource == RES_COOLIFY_APP) {
		if (r->pv->coolify == NULL)
			return err_set(err, "coolify is not configured");
		if (e->resource == RES_COOLIFY_PROJECT) {
			const struct coolify_project *p = NULL;
			struct vrs_err why;

			if (!r->projects &&
			    coolify_projects_list(r->pv->coolify, &r->projects, err) < 0)
				return -1;
			/* team-wide and names are not unique: only a marked one is vrsctl's */
			err_clear(&why);
			if (engine_owned_project(r->projects, e->remote_name,
						 e->project_slug ? e->project_slug : "", &p,
						 &why) < 0)
				snprintf(r->why, sizeof(r->why), "interrupted; %s", why.msg);
			else if (p)
				*found = strdup(p->uuid);
		} else if (lookup_app(r, e, found, err) < 0) {
			return -1;
		}
		return 0;
	}
	if (e->resource == RES_DNS_RECORD)
		return lookup_record(r, e, found, err);
	if (e->resource == RES_DEPLOYMENT && r->pv->coolify)
		return lookup_deployment(r, e, found, err);
	return 0;
}

static int adopt_tx(struct recover *r, const struct state_journal_entry *e, const char *id,
		    struct vrs_err *err)
{
	const char *slug = e->project_slug;

	if (e->resource == RES_COOLIFY_PROJECT) {
		struct coolify_environment *env = NULL;
		if (state_project_set_uuid(r->st, slug, SU_COOLIFY_PROJECT, id, err) < 0)
			return -1;
		if (coolify_environment_get(r->pv->coolify, id, "production", &env, NULL) == 0) {
			int rc = state_project_set_uuid(r->st, slug, SU_COOLIFY_ENVIRONMENT,
							env->uuid, err);
			coolify_environment_free(env);
			if (rc < 0)
				return -1;
		}
	} else if (e->resource == RES_COOLIFY_APP) {
		if (state_project_set_uuid(r->st, slug, SU_COOLIFY_APP, id, err) < 0)
			return -1;
	} else if (e->resource == RES_DNS_RECORD) {
		char fqdn[300];
		enum m_rec_kind k;
		const struct m_domain *d;
		const char *a, *aaaa, *www;

		if (model_record_parse(e->key, &k, fqdn, sizeof(fqdn)) < 0)
			return 0; /* not a key vrsctl writes: nothing to adopt */
		d = rec_domain(&r->rec, fqdn);
		if (d == NULL)
			return 0;
		a = k == MREC_A ? id : d->record_a;
		aaaa = k == MREC_AAAA ? id : d->record_aaaa;
		www = k == MREC_WWW ? id : d->record_www;
		if (state_domain_set_records(r->st, fqdn, a, aaaa, www, err) < 0)
			return -1;
	}
	return 0;
}

int engine_recover(struct state *st, struct providers *pv, const char *triggered_by,
		   size_t *adopted, struct vrs_err *err)
{
	struct recover r = {.st = st, .pv = pv, .triggered_by = triggered_by};
	struct state_journal_entry *rows = NULL;
	size_t n = 0;
	int rc = -1;

	*adopted = 0;
	world_init(&r.rec);
	if (state_journal_list_open(st, &rows, &n, err) < 0)
		return -1;
	if (n == 0) {
		rc = 0;
		goto out;
	}
	if (state_load(st, &r.rec, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct state_journal_entry *e = &rows[i];
		char *id = NULL;
		bool create = e->op == OP_CREATE;
		bool deploy = e->op == OP_DEPLOY && e->resource == RES_DEPLOYMENT;

		r.why[0] = 0;
		if ((create || deploy) && lookup(&r, e, &id, err) < 0) {
			err_prefix(err, "recovering %s %s %s", m_op_name(e->op),
				   m_resource_name(e->resource), e->key);
			goto out;
		}
		if (state_begin(st, err) < 0) {
			free(id);
			goto out;
		}
		if (id) {
			struct state_log_entry le = {
			    .project_slug = e->project_slug,
			    .action = deploy ? "deployment_started" : "adopted",
			    .message = "found after an interrupted run",
			    .external_id = id,
			    .external_service = (char *)m_service_name(e->service),
			    .triggered_by = (char *)triggered_by};
			if (adopt_tx(&r, e, id, err) < 0 ||
			    state_journal_close(st, e->id, SJ_ADOPTED, id, NULL, err) < 0 ||
			    (e->project_slug && world_project(&r.rec, e->project_slug) &&
			     state_log_add(st, &le, err) < 0)) {
				state_rollback(st, NULL);
				free(id);
				goto out;
			}
			(*adopted)++;
		} else if (state_journal_close(st, e->id, SJ_FAILED, NULL,
					       r.why[0] ? r.why
					       : create ? "interrupted; not found remotely"
							: "interrupted; will be planned again",
					       err) < 0) {
			state_rollback(st, NULL);
			goto out;
		}
		free(id);
		if (state_commit(st, err) < 0)
			goto out;
	}
	rc = 0;
out:
	if (r.projects)
		coolify_project_list_free(r.projects);
	world_release(&r.rec);
	state_journal_free(rows, n);
	return rc;
}
