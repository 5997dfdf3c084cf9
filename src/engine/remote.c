/*
 * remote.c — the Coolify executor: projects, applications, start/stop/
 * delete; the environment (appenv.c) and deployments (deploy.c) are its
 * other parts.
 *
 * Each action: open a journal row (committed), make the call, and in the
 * callback record the result, close the journal row and write the log row
 * in one transaction (engine_finish). Creates are not blindly retried after
 * an unclear failure (the object may exist): the name is looked up first
 * and an existing object is adopted (an app only inside the project's own
 * environment and only when it carries the managed-by=vrsctl marker).
 */
#include "engine/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a create that surely did not land (not found after a transient failure) is tried again */
#define CREATE_ATTEMPTS 4

static void on_project_created(void *ud, int rc, void *res, struct vrs_err *err);
static void start_app_create(struct run *run, struct job *j, struct vrs_err *err);

/* split "ghcr.io/x/y:1.2" into name and tag (a port in the registry host is not a tag) */
static void split_image(const char *image, char **name, char **tag)
{
	const char *colon = strrchr(image, ':');
	const char *slash = strrchr(image, '/');

	if (colon && (slash == NULL || colon > slash)) {
		*name = strndup(image, (size_t)(colon - image));
		*tag = strdup(colon + 1);
	} else {
		*name = strdup(image);
		*tag = strdup("latest");
	}
}

/* ---- coolify project ------------------------------------------------------------ */

static int set_project_uuids(struct run *run, struct job *j, const char *id, struct vrs_err *err)
{
	(void)id;
	if (state_project_set_uuid(run->st, j->p->slug, SU_COOLIFY_PROJECT,
				   j->p->coolify_project_uuid, err) < 0)
		return -1;
	return state_project_set_uuid(run->st, j->p->slug, SU_COOLIFY_ENVIRONMENT,
				      j->p->coolify_env_uuid, err);
}

/*
 * The project is recorded without reading its environment: Coolify makes
 * `production` with every project and the app is created into it by name
 * (environment_name), so the environment's uuid is not needed to go on;
 * it is recorded when a read shows it (deploy.c, the deployment's URL).
 */
static void project_done(struct job *j, const char *how)
{
	free(j->p->coolify_env_uuid);
	j->p->coolify_env_uuid = NULL;
	engine_finish(j->eng, j, j->p->coolify_project_uuid, "coolify_project_created", how,
		      set_project_uuids, "coolify project created");
}

/* a resend (resend.c) of a create its lookup proved did not land */
static void project_create_again(struct run *run, struct job *j)
{
	char name[160];
	struct vrs_err e2;

	(void)model_coolify_name(name, sizeof(name), j->p->slug); /* slugs: <= 63 chars */
	err_clear(&e2);
	if (coolify_project_create_async(run->pv->coolify, name, engine_managed_marker,
					 on_project_created, j, &e2) < 0)
		job_fail_err(run, j, &j->saved_err);
}

static void on_projects_listed(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct coolify_project_list *l = res;
	const struct coolify_project *found = NULL;
	char name[160];
	struct vrs_err e2;

	if (rc < 0) {
		job_fail_err(j->eng, j, err);
		return;
	}
	(void)model_coolify_name(name, sizeof(name), j->p->slug); /* slugs: <= 63 chars */
	/* the list is team-wide and names are not unique: only a marked one is ours */
	err_clear(&e2);
	if (engine_owned_project(l, name, j->p->slug, &found, &e2) < 0) {
		coolify_project_list_free(l);
		job_fail_err(j->eng, j, &e2);
		return;
	}
	if (found) {
		free(j->p->coolify_project_uuid);
		j->p->coolify_project_uuid = strdup(found->uuid);
		coolify_project_list_free(l);
		project_done(j, "adopted after an unclear create");
		return;
	}
	coolify_project_list_free(l);
	/* the list proves the create did not land: a transient failure may be retried */
	if (j->saved_err.transient && ++j->step < CREATE_ATTEMPTS) {
		resend_later(j->eng, j, j->step, project_create_again);
		return;
	}
	job_fail_err(j->eng, j, &j->saved_err);
}

static void on_project_created(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct coolify_ack *ack = res;
	struct vrs_err e2;

	if (rc < 0) {
		/* it may have landed: look for it before giving up */
		j->saved_err = *err;
		err_clear(&e2);
		if (coolify_projects_list_async(j->eng->pv->coolify, on_projects_listed, j, &e2) <
		    0)
			job_fail_err(j->eng, j, err);
		return;
	}
	free(j->p->coolify_project_uuid);
	j->p->coolify_project_uuid = ack->uuid ? strdup(ack->uuid) : NULL;
	coolify_ack_free(ack);
	project_done(j, "Coolify project");
}

/* ---- coolify app ---------------------------------------------------------------- */

static int record_app(struct run *run, struct job *j, const char *id, struct vrs_err *err)
{
	const struct m_project *w = j->p->want;
	char *fqdns;
	int rc;

	if (j->a->op == OP_CREATE &&
	    state_project_set_uuid(run->st, j->p->slug, SU_COOLIFY_APP, id, err) < 0)
		return -1;
	fqdns = project_fqdns(w);
	rc = state_app_set(run->st, j->p->slug, w->app.image, w->app.port, w->app.health_path,
			   fqdns, err);
	free(fqdns);
	return rc;
}

static void app_create_again(struct run *run, struct job *j)
{
	struct vrs_err e2;

	err_clear(&e2);
	start_app_create(run, j, &e2);
}

/*
 * After an unclear create: the app is looked for in the project's own
 * environment only (GET /applications lists the whole team, and names are
 * not unique), and adopted only when it carries the marker.
 */
static void on_env_apps(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct coolify_environment *env = res;
	const struct coolify_app *a = NULL;
	char where[200], name[160];
	struct vrs_err e2;

	if (rc < 0) {
		job_fail_err(j->eng, j, err);
		return;
	}
	(void)model_coolify_name(name, sizeof(name), j->p->slug); /* slugs: <= 63 chars */
	snprintf(where, sizeof(where), "%s/production", name);
	err_clear(&e2);
	if (engine_owned_app(env, j->p->slug, where, &a, &e2) < 0) {
		coolify_environment_free(env);
		job_fail_err(j->eng, j, &e2);
		return;
	}
	if (a) {
		free(j->p->coolify_app_uuid);
		j->p->coolify_app_uuid = strdup(a->uuid);
		coolify_environment_free(env);
		engine_finish(j->eng, j, j->p->coolify_app_uuid, "coolify_app_created",
			      "adopted after an unclear create", record_app, "application adopted");
		return;
	}
	coolify_environment_free(env);
	if (j->saved_err.transient && ++j->step < CREATE_ATTEMPTS) {
		resend_later(j->eng, j, j->step, app_create_again);
		return;
	}
	job_fail_err(j->eng, j, &j->saved_err);
}

static void on_app_created(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct coolify_ack *ack = res;
	struct vrs_err e2;

	if (rc < 0) {
		j->saved_err = *err;
		err_clear(&e2);
		if (coolify_environment_get_async(j->eng->pv->coolify, j->p->coolify_project_uuid,
						  j->p->coolify_env_uuid ? j->p->coolify_env_uuid
									 : "production",
						  on_env_apps, j, &e2) < 0)
			job_fail_err(j->eng, j, err);
		return;
	}
	free(j->p->coolify_app_uuid);
	j->p->coolify_app_uuid = ack->uuid ? strdup(ack->uuid) : NULL;
	coolify_ack_free(ack);
	engine_finish(j->eng, j, j->p->coolify_app_uuid, "coolify_app_created",
		      j->p->want->app.image, record_app, "application created");
}

/*
 * The destination a new app goes to on srv, from the server's destinations
 * (GET /servers/{uuid}/destinations): the one the Server spec names (uuid or
 * name); none named: NULL (Coolify takes the only one), or an error when the
 * server has several, since Coolify would answer 400 for each app.
 */
static int pick_destination(const struct m_server *srv, const struct coolify_server_list *l,
			    const char **uuid, struct vrs_err *err)
{
	struct buf names;

	*uuid = NULL;
	for (size_t i = 0; srv->destination && i < l->n; i++)
		if ((l->v[i].uuid && strcmp(l->v[i].uuid, srv->destination) == 0) ||
		    (l->v[i].name && strcmp(l->v[i].name, srv->destination) == 0)) {
			*uuid = l->v[i].uuid;
			return 0;
		}
	if (srv->destination == NULL && l->n <= 1)
		return 0;
	buf_init(&names);
	for (size_t i = 0; i < l->n; i++)
		buf_printf(&names, "%s%s (%s)", i ? ", " : "", l->v[i].name ? l->v[i].name : "?",
			   l->v[i].uuid);
	if (srv->destination)
		err_setc(err, VRS_E_INVALID,
			 "server %s: destination '%s' not found in Coolify (it has: %s)", srv->name,
			 srv->destination, names.data ? names.data : "none");
	else
		err_setc(err, VRS_E_INVALID,
			 "server %s has %zu Coolify destinations (%s); name one with "
			 "'destination:' in its Server spec",
			 srv->name, l->n, names.data ? names.data : "");
	buf_release(&names);
	return -1;
}

static void create_app_in(struct run *run, struct job *j, const char *dest, struct vrs_err *err);

static void on_destinations(struct run *run, void *ud, const struct coolify_server_list *l,
			    const struct vrs_err *err)
{
	struct job *j = ud;
	const struct m_server *srv = world_server(run->desired, j->p->server);
	const char *dest = NULL;
	struct vrs_err e2;

	if (l == NULL) {
		job_fail_err(run, j, err);
		return;
	}
	err_clear(&e2);
	if (srv == NULL || pick_destination(srv, l, &dest, &e2) < 0) {
		if (srv == NULL)
			err_set(&e2, "no placed server to create the application on");
		job_fail_err(run, j, &e2);
		return;
	}
	create_app_in(run, j, dest, &e2); /* the run keeps the list: dest stays valid */
}

/* the server's destinations first (read once per run): a server with several needs
 * destination_uuid */
static void start_app_create(struct run *run, struct job *j, struct vrs_err *err)
{
	const struct m_server *srv = j->p->server ? world_server(run->desired, j->p->server) : NULL;

	if (srv == NULL || srv->coolify_uuid == NULL) {
		create_app_in(run, j, NULL, err); /* says what is missing */
		return;
	}
	run_dests_read(run, srv->coolify_uuid, on_destinations, j);
}

static void create_app_in(struct run *run, struct job *j, const char *dest, struct vrs_err *err)
{
	const struct m_project *w = j->p->want;
	const struct m_server *srv = j->p->server ? world_server(run->desired, j->p->server) : NULL;
	struct coolify_app_create in = {0};
	char *name = NULL, *tag = NULL, *fqdns = NULL, port[16];

	if (w == NULL || srv == NULL || j->p->coolify_project_uuid == NULL) {
		err_set(err, "no %s to create the application in",
			w == NULL     ? "spec"
			: srv == NULL ? "placed server"
				      : "Coolify project");
		job_fail_err(run, j, err);
		return;
	}
	split_image(w->app.image, &name, &tag);
	fqdns = project_fqdns(w);
	snprintf(port, sizeof(port), "%d", w->app.port);
	in.project_uuid = j->p->coolify_project_uuid;
	in.server_uuid = srv->coolify_uuid;
	in.environment_uuid = j->p->coolify_env_uuid;
	in.environment_name = j->p->coolify_env_uuid ? NULL : "production";
	in.destination_uuid = dest;
	in.name = j->p->slug;
	in.description = engine_managed_marker;
	in.tag = "vrsctl";
	in.image_name = name;
	in.image_tag = tag;
	in.ports_exposes = port;
	in.domains = fqdns[0] ? fqdns : NULL;
	in.health_check_path = w->app.health_path;
	in.health_check_enabled = w->app.health_path != NULL;
	in.autogenerate_domain = false;
	in.instant_deploy = false;
	if ((j->journal_id == 0 &&
	     engine_journal_open(run, j, j->p->slug, w->app.image, err) < 0) ||
	    coolify_app_create_async(run->pv->coolify, &in, on_app_created, j, err) < 0)
		job_fail_err(run, j, err);
	free(name);
	free(tag);
	free(fqdns);
}

static void on_app_updated(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;

	if (rc < 0) {
		job_fail_err(j->eng, j, err);
		return;
	}
	coolify_ack_free(res);
	engine_finish(j->eng, j, j->p->coolify_app_uuid, "coolify_app_updated", NULL, record_app,
		      "application updated");
}

static void start_app_update(struct run *run, struct job *j, struct vrs_err *err)
{
	const struct m_project *w = j->p->want;
	struct coolify_app_update up = {0};
	char *name = NULL, *tag = NULL, *fqdns, port[16];

	split_image(w->app.image, &name, &tag);
	fqdns = project_fqdns(w);
	snprintf(port, sizeof(port), "%d", w->app.port);
	up.image_name = name;
	up.image_tag = tag;
	up.domains = fqdns;
	up.ports_exposes = port;
	up.health_check_path = w->app.health_path;
	up.health_check_enabled = w->app.health_path != NULL;
	if (engine_journal_open(run, j, j->p->slug, "update", err) < 0 ||
	    coolify_app_update_async(run->pv->coolify, j->p->coolify_app_uuid, &up, on_app_updated,
				     j, err) < 0)
		job_fail_err(run, j, err);
	free(name);
	free(tag);
	free(fqdns);
}

/* ---- start / stop / delete ---------------------------------------------------------- */

/* the application suspended the project (issue 13): its status stays as it wrote it */
static bool for_app(const struct job *j)
{
	return j->p->rec && j->p->rec->app_suspended && j->p->want &&
	       j->p->want->lifecycle != LC_ARCHIVED;
}

static int stopped_tx(struct run *run, struct job *j, const char *id, struct vrs_err *err)
{
	enum m_lifecycle lc = j->p->want ? j->p->want->lifecycle : LC_ARCHIVED;
	(void)id;
	if (for_app(j))
		return state_project_set_stopped_for_app(run->st, j->p->slug, true, err);
	return engine_set_status(run, j->p, lc == LC_SUSPENDED ? PS_SUSPENDED : PS_ARCHIVED, NULL,
				 err);
}

static int started_tx(struct run *run, struct job *j, const char *id, struct vrs_err *err)
{
	(void)id;
	if (j->p->rec && j->p->rec->stopped_for_app &&
	    state_project_set_stopped_for_app(run->st, j->p->slug, false, err) < 0)
		return -1;
	return engine_set_status(run, j->p, PS_ACTIVE, NULL, err);
}

static int app_deleted_tx(struct run *run, struct job *j, const char *id, struct vrs_err *err)
{
	(void)id;
	free(j->p->coolify_app_uuid);
	j->p->coolify_app_uuid = NULL;
	if (state_project_set_uuid(run->st, j->p->slug, SU_COOLIFY_APP, NULL, err) < 0)
		return -1;
	return state_app_clear(run->st, j->p->slug, err);
}

static int project_deleted_tx(struct run *run, struct job *j, const char *id, struct vrs_err *err)
{
	(void)id;
	free(j->p->coolify_project_uuid);
	j->p->coolify_project_uuid = NULL;
	free(j->p->coolify_env_uuid);
	j->p->coolify_env_uuid = NULL;
	if (state_project_set_uuid(run->st, j->p->slug, SU_COOLIFY_PROJECT, NULL, err) < 0)
		return -1;
	return state_project_set_uuid(run->st, j->p->slug, SU_COOLIFY_ENVIRONMENT, NULL, err);
}

static int project_waits_tx(struct run *run, void *arg, struct vrs_err *err)
{
	struct job *j = arg;

	if (j->journal_id &&
	    state_journal_close(run->st, j->journal_id, SJ_FAILED, NULL, j->saved_err.msg, err) < 0)
		return -1;
	j->journal_id = 0;
	return engine_log(run, j->p->slug, "coolify_project_delete_waiting", NULL, NULL,
			  j->saved_err.msg, NULL, j->p->coolify_project_uuid, "coolify", err);
}

/*
 * 400 on a project's delete: it still has resources (an app whose queued
 * deletion has not run yet). Not an error: the project waits for the next run.
 */
static void project_delete_waits(struct run *run, struct job *j, const struct vrs_err *why)
{
	struct vrs_err e2;

	j->saved_err = *why;
	err_clear(&e2);
	if (engine_tx(run, project_waits_tx, j, &e2) < 0) {
		job_fail_err(run, j, &e2);
		return;
	}
	job_defer(run, j,
		  "Coolify project still has resources (a deletion is queued): it is "
		  "deleted on the next run");
}

static void on_simple(void *ud, int rc, void *res, struct vrs_err *err);

/* a resend (resend.c) of a start or stop after a transient failure */
static void start_stop_again(struct run *run, struct job *j)
{
	struct coolify *c = run->pv->coolify;
	const char *uuid = j->p->coolify_app_uuid;
	struct vrs_err e2;
	int rc;

	err_clear(&e2);
	rc = j->a->op == OP_STOP ? coolify_app_stop_async(c, uuid, on_simple, j, &e2)
				 : coolify_app_start_async(c, uuid, on_simple, j, &e2);
	if (rc < 0)
		job_fail_err(run, j, &j->saved_err);
}

static void on_simple(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	const char *what = NULL, *log = NULL, *msg = NULL;
	record_fn extra = NULL;

	if (rc < 0) {
		/* start and stop may be sent again; deleting what is gone is success */
		if (err->transient && j->a->op != OP_DELETE && ++j->step < CREATE_ATTEMPTS) {
			j->saved_err = *err;
			resend_later(j->eng, j, j->step, start_stop_again);
			return;
		}
		if (j->a->op == OP_DELETE && j->a->resource == RES_COOLIFY_PROJECT &&
		    err->http_status == 400) {
			project_delete_waits(j->eng, j, err);
			return;
		}
		if (!(j->a->op == OP_DELETE && err->http_status == 404)) {
			job_fail_err(j->eng, j, err);
			return;
		}
	} else if (j->a->op == OP_DELETE && j->a->resource == RES_COOLIFY_APP) {
		/* accepted means queued: the app goes when Coolify's job has run */
		coolify_ack_free(res);
		appgone_wait(j->eng, j, app_deleted_tx);
		return;
	} else if (j->a->op == OP_START) {
		/* accepted means a deployment is queued: active once the app is seen running */
		coolify_ack_free(res);
		appstart_wait(j->eng, j, started_tx);
		return;
	}
	coolify_ack_free(res);
	switch (j->a->op) {
	case OP_STOP:
		what = "application stopped", log = "app_stopped", extra = stopped_tx;
		if (for_app(j))
			msg = "application stopped: the project was suspended by the marketplace "
			      "application, not by vrsctl";
		break;
	case OP_START:
		what = "application started", log = "app_started", extra = started_tx;
		break;
	default:
		if (j->a->resource == RES_COOLIFY_APP)
			what = "application deleted", log = "coolify_app_deleted",
			extra = app_deleted_tx;
		else
			what = "Coolify project deleted", log = "coolify_project_deleted",
			extra = project_deleted_tx;
	}
	engine_finish(j->eng, j, NULL, log, msg, extra, msg ? msg : what);
}

static void send_simple(struct run *run, struct job *j, const char *uuid, struct vrs_err *err);

/*
 * Before a start, the app is read: a run killed after its start landed left
 * the app starting or running, and a second start would queue a second
 * deployment (a restart); then only the wait for running remains.
 */
static void on_start_probe(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct coolify_app *a = res;
	bool going =
	    rc == 0 && a && a->status &&
	    (strncmp(a->status, "running", 7) == 0 || strncmp(a->status, "starting", 8) == 0);
	struct vrs_err e2;

	(void)err;
	if (rc == 0)
		coolify_app_free(a);
	if (going) {
		engine_progress(j->eng, j->p->slug, "already starting: waiting for it to run");
		appstart_wait(j->eng, j, started_tx);
		return;
	}
	err_clear(&e2);
	send_simple(j->eng, j, j->p->coolify_app_uuid, &e2);
}

static void start_simple(struct run *run, struct job *j, struct vrs_err *err)
{
	struct coolify *c = run->pv->coolify;
	const char *uuid = j->a->resource == RES_COOLIFY_PROJECT ? j->p->coolify_project_uuid
								 : j->p->coolify_app_uuid;

	if (uuid == NULL) {
		/* nothing recorded remotely: the action has nothing to act on */
		engine_finish(run, j, NULL, NULL, NULL, NULL, NULL);
		return;
	}
	if (j->a->op == OP_START) {
		if (coolify_app_get_async(c, uuid, on_start_probe, j, err) < 0)
			job_fail_err(run, j, err);
		return;
	}
	send_simple(run, j, uuid, err);
}

/* an app's volumes go with it only when its spec says delete_volumes (the plan shows it) */
static unsigned delete_flags(const struct job *j)
{
	return j->p->want && j->p->want->app.delete_volumes ? 0 : COOLIFY_KEEP_VOLUMES;
}

static void send_simple(struct run *run, struct job *j, const char *uuid, struct vrs_err *err)
{
	struct coolify *c = run->pv->coolify;
	int rc;

	if (engine_journal_open(run, j, j->a->key, m_op_name(j->a->op), err) < 0) {
		job_fail_err(run, j, err);
		return;
	}
	if (j->a->op == OP_STOP)
		rc = coolify_app_stop_async(c, uuid, on_simple, j, err);
	else if (j->a->op == OP_START)
		rc = coolify_app_start_async(c, uuid, on_simple, j, err);
	else if (j->a->resource == RES_COOLIFY_APP)
		rc = coolify_app_delete_async(c, uuid, delete_flags(j), on_simple, j, err);
	else
		rc = coolify_project_delete_async(c, uuid, on_simple, j, err);
	if (rc < 0)
		job_fail_err(run, j, err);
}

/* ---- dispatch -------------------------------------------------------------------------- */

/* after the DNS gate (dnsgate.c): the FQDNs resolve, the app's call goes */
static void app_create_go(struct run *run, struct job *j)
{
	struct vrs_err err;

	err_clear(&err);
	start_app_create(run, j, &err);
}

static void app_update_go(struct run *run, struct job *j)
{
	struct vrs_err err;

	err_clear(&err);
	start_app_update(run, j, &err);
}

static void project_create(struct run *run, struct job *j, struct vrs_err *err)
{
	char name[160];

	(void)model_coolify_name(name, sizeof(name), j->p->slug); /* slugs: <= 63 chars */
	if (engine_journal_open(run, j, name, name, err) < 0 ||
	    coolify_project_create_async(run->pv->coolify, name, engine_managed_marker,
					 on_project_created, j, err) < 0)
		job_fail_err(run, j, err);
}

static void coolify_start(struct run *run, struct job *j)
{
	struct vrs_err err;

	err_clear(&err);
	switch (j->a->resource) {
	case RES_COOLIFY_PROJECT:
		if (j->a->op == OP_CREATE)
			project_create(run, j, &err);
		else
			start_simple(run, j, &err);
		return;
	case RES_COOLIFY_APP:
		if (j->a->op == OP_CREATE)
			dnsgate_wait(run, j, app_create_go);
		else if (j->a->op == OP_UPDATE)
			dnsgate_wait(run, j, app_update_go);
		else
			start_simple(run, j, &err);
		return;
	case RES_APP_ENV:
		appenv_start(run, j);
		return;
	case RES_DEPLOYMENT:
		deploy_start(run, j);
		return;
	default:
		err_set(&err, "%s %s is not supported by this version", m_op_name(j->a->op),
			m_resource_name(j->a->resource));
		job_fail_err(run, j, &err);
	}
}

static void coolify_step(struct run *run, int *wait_ms)
{
	deploy_step(run, wait_ms);
	appgone_step(run, wait_ms);
	resend_step(run, wait_ms);
	health_step(run, wait_ms);
	dnsgate_step(run, wait_ms); /* last: it may sleep what the others leave of *wait_ms */
}

static void coolify_release(struct run *run)
{
	health_release(run); /* first: it may drive the pool while the others' data is there */
	deploy_release(run);
	run_dests_release(run);
	appgone_release(run);
	resend_release(run);
	dnsgate_release(run);
}

const struct executor coolify_executor = {"coolify", coolify_start, coolify_step, coolify_release};
