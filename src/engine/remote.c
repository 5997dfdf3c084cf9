/*
 * remote.c — the Coolify side of apply: projects, applications, their
 * environment, deployments (with batched polling), start/stop/delete.
 *
 * Each action: open a journal row (committed), make the call, and in the
 * callback record the result, close the journal row and write the log row
 * in one transaction. Creates are not blindly retried after an unclear
 * failure (the object may exist): the name is looked up first and an
 * existing object is adopted.
 */
#include "engine/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char managed_marker[] = "managed-by=vrsctl";

/* a create that surely did not land (not found after a transient failure) is tried again */
#define CREATE_ATTEMPTS 4

static void on_project_created(void *ud, int rc, void *res, struct vrs_err *err);
static void start_app_create(struct engine *eng, struct job *j, struct vrs_err *err);

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

/* ---- a generic "record the result" transaction --------------------------- */

struct result_arg {
	struct job *j;
	const char *external_id;
	const char *log_action; /* NULL: no log row */
	const char *message;
	int (*extra)(struct engine *, struct job *, const char *id, struct vrs_err *);
	enum state_journal_result jr;
};

static int result_tx(struct engine *eng, void *arg, struct vrs_err *err)
{
	struct result_arg *r = arg;
	struct job *j = r->j;

	if (r->extra && r->extra(eng, j, r->external_id, err) < 0)
		return -1;
	if (j->journal_id &&
	    state_journal_close(eng->st, j->journal_id, r->jr, r->external_id, NULL, err) < 0)
		return -1;
	j->journal_id = 0;
	if (r->log_action && j->p &&
	    engine_log(eng, j->p->slug, r->log_action, NULL, NULL, r->message, NULL, r->external_id,
		       m_service_name(j->a->service), err) < 0)
		return -1;
	return 0;
}

/* record and finish; on a state failure the job fails (the journal row stays open) */
void engine_finish(struct engine *eng, struct job *j, const char *external_id,
		   const char *log_action, const char *message,
		   int (*extra)(struct engine *, struct job *, const char *, struct vrs_err *),
		   const char *progress)
{
	struct result_arg r = {j, external_id, log_action, message, extra, SJ_OK};
	struct vrs_err err;

	err_clear(&err);
	if (engine_tx(eng, result_tx, &r, &err) < 0) {
		job_fail(eng, j, err.msg);
		return;
	}
	job_done(eng, j, progress);
}

/* the remote call could not even be queued, or failed */
static void failed(struct engine *eng, struct job *j, const struct vrs_err *err)
{
	job_fail(eng, j, err && err->msg[0] ? err->msg : "unknown error");
}

/* ---- status on the way ------------------------------------------------------ */

static int provisioning_tx(struct engine *eng, void *arg, struct vrs_err *err)
{
	struct proj_rt *p = arg;
	return engine_set_status(eng, p, PS_PROVISIONING, NULL, err);
}

/* the first remote step of a project moves it to provisioning */
static int enter_provisioning(struct engine *eng, struct job *j, struct vrs_err *err)
{
	struct proj_rt *p = j->p;

	if (p == NULL || !p->in_state)
		return 0;
	if (j->a->op == OP_STOP || j->a->op == OP_DELETE || j->a->op == OP_START ||
	    j->a->resource == RES_DOMAIN_REGISTRATION)
		return 0;
	if (p->status == PS_DRAFT || p->status == PS_ERROR || p->status == PS_PENDING_PAYMENT ||
	    p->status == PS_PENDING_DOMAIN || p->status == PS_SUSPENDED)
		return engine_tx(eng, provisioning_tx, p, err);
	return 0;
}

/* ---- coolify project ------------------------------------------------------------ */

static int set_project_uuids(struct engine *eng, struct job *j, const char *id, struct vrs_err *err)
{
	(void)id;
	if (state_project_set_uuid(eng->st, j->p->slug, SU_COOLIFY_PROJECT,
				   j->p->coolify_project_uuid, err) < 0)
		return -1;
	return state_project_set_uuid(eng->st, j->p->slug, SU_COOLIFY_ENVIRONMENT,
				      j->p->coolify_env_uuid, err);
}

static void on_env_got(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct coolify_environment *env = res;

	if (rc < 0) {
		failed(j->eng, j, err);
		return;
	}
	free(j->p->coolify_env_uuid);
	j->p->coolify_env_uuid = env->uuid ? strdup(env->uuid) : NULL;
	coolify_environment_free(env);
	engine_finish(j->eng, j, j->p->coolify_project_uuid, "coolify_project_created",
		      "Coolify project and its production environment", set_project_uuids,
		      "coolify project created");
}

static void get_env(struct job *j)
{
	struct vrs_err err;

	err_clear(&err);
	if (coolify_environment_get_async(j->eng->pv->coolify, j->p->coolify_project_uuid,
					  "production", on_env_got, j, &err) < 0)
		failed(j->eng, j, &err);
}

static void on_projects_listed(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct coolify_project_list *l = res;
	char name[160];

	if (rc < 0) {
		failed(j->eng, j, err);
		return;
	}
	snprintf(name, sizeof(name), "vrs-%s", j->p->slug);
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].name && strcmp(l->v[i].name, name) == 0) {
			j->p->coolify_project_uuid = strdup(l->v[i].uuid);
			coolify_project_list_free(l);
			get_env(j);
			return;
		}
	}
	coolify_project_list_free(l);
	/* the list proves the create did not land: a transient failure may be retried */
	if (j->saved_err.transient && ++j->step < CREATE_ATTEMPTS) {
		struct vrs_err e2;
		err_clear(&e2);
		if (coolify_project_create_async(j->eng->pv->coolify, name, managed_marker,
						 on_project_created, j, &e2) == 0)
			return;
	}
	failed(j->eng, j, &j->saved_err);
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
			failed(j->eng, j, err);
		return;
	}
	free(j->p->coolify_project_uuid);
	j->p->coolify_project_uuid = ack->uuid ? strdup(ack->uuid) : NULL;
	coolify_ack_free(ack);
	get_env(j);
}

/* ---- coolify app ---------------------------------------------------------------- */

static int record_app(struct engine *eng, struct job *j, const char *id, struct vrs_err *err)
{
	const struct m_project *w = j->p->want;
	char *fqdns;
	int rc;

	if (j->a->op == OP_CREATE &&
	    state_project_set_uuid(eng->st, j->p->slug, SU_COOLIFY_APP, id, err) < 0)
		return -1;
	fqdns = project_fqdns(w);
	rc = state_app_set(eng->st, j->p->slug, w->app.image, w->app.port, w->app.health_path,
			   fqdns, err);
	free(fqdns);
	return rc;
}

static void on_apps_listed(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct coolify_app_list *l = res;

	if (rc < 0) {
		failed(j->eng, j, err);
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].name && strcmp(l->v[i].name, j->p->slug) == 0 && l->v[i].uuid) {
			free(j->p->coolify_app_uuid);
			j->p->coolify_app_uuid = strdup(l->v[i].uuid);
			coolify_app_list_free(l);
			engine_finish(j->eng, j, j->p->coolify_app_uuid, "coolify_app_created",
				      "adopted after an unclear create", record_app,
				      "application adopted");
			return;
		}
	}
	coolify_app_list_free(l);
	if (j->saved_err.transient && ++j->step < CREATE_ATTEMPTS) {
		struct vrs_err e2;
		err_clear(&e2);
		start_app_create(j->eng, j, &e2);
		return;
	}
	failed(j->eng, j, &j->saved_err);
}

static void on_app_created(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct coolify_ack *ack = res;
	struct vrs_err e2;

	if (rc < 0) {
		j->saved_err = *err;
		err_clear(&e2);
		if (coolify_apps_list_async(j->eng->pv->coolify, on_apps_listed, j, &e2) < 0)
			failed(j->eng, j, err);
		return;
	}
	free(j->p->coolify_app_uuid);
	j->p->coolify_app_uuid = ack->uuid ? strdup(ack->uuid) : NULL;
	coolify_ack_free(ack);
	engine_finish(j->eng, j, j->p->coolify_app_uuid, "coolify_app_created",
		      j->p->want->app.image, record_app, "application created");
}

static void start_app_create(struct engine *eng, struct job *j, struct vrs_err *err)
{
	const struct m_project *w = j->p->want;
	const struct m_server *srv = j->p->server ? world_server(eng->desired, j->p->server) : NULL;
	struct coolify_app_create in = {0};
	char *name = NULL, *tag = NULL, *fqdns = NULL, port[16];

	if (w == NULL || srv == NULL || j->p->coolify_project_uuid == NULL) {
		err_set(err, "no %s to create the application in",
			w == NULL     ? "spec"
			: srv == NULL ? "placed server"
				      : "Coolify project");
		failed(eng, j, err);
		return;
	}
	split_image(w->app.image, &name, &tag);
	fqdns = project_fqdns(w);
	snprintf(port, sizeof(port), "%d", w->app.port);
	in.project_uuid = j->p->coolify_project_uuid;
	in.server_uuid = srv->coolify_uuid;
	in.environment_uuid = j->p->coolify_env_uuid;
	in.environment_name = j->p->coolify_env_uuid ? NULL : "production";
	in.name = j->p->slug;
	in.description = managed_marker;
	in.image_name = name;
	in.image_tag = tag;
	in.ports_exposes = port;
	in.domains = fqdns[0] ? fqdns : NULL;
	in.health_check_path = w->app.health_path;
	in.autogenerate_domain = false;
	in.instant_deploy = false;
	if ((j->journal_id == 0 &&
	     engine_journal_open(eng, j, j->p->slug, w->app.image, err) < 0) ||
	    coolify_app_create_async(eng->pv->coolify, &in, on_app_created, j, err) < 0)
		failed(eng, j, err);
	free(name);
	free(tag);
	free(fqdns);
}

static void on_app_updated(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;

	if (rc < 0) {
		failed(j->eng, j, err);
		return;
	}
	coolify_ack_free(res);
	engine_finish(j->eng, j, j->p->coolify_app_uuid, "coolify_app_updated", NULL, record_app,
		      "application updated");
}

static void start_app_update(struct engine *eng, struct job *j, struct vrs_err *err)
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
	if (engine_journal_open(eng, j, j->p->slug, "update", err) < 0 ||
	    coolify_app_update_async(eng->pv->coolify, j->p->coolify_app_uuid, &up, on_app_updated,
				     j, err) < 0)
		failed(eng, j, err);
	free(name);
	free(tag);
	free(fqdns);
}

/* ---- env ------------------------------------------------------------------------ */

struct env_set {
	struct coolify_env_input *v;
	char **values; /* owned (secrets wiped on free) */
	char **fps;    /* fingerprint for secrets, NULL for literals */
	size_t n;
};

static void env_set_free(struct env_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		secret_free(s->values[i]);
		free(s->fps[i]);
	}
	free(s->v);
	free(s->values);
	free(s->fps);
	memset(s, 0, sizeof(*s));
}

static int env_add(struct env_set *s, const char *key, char *value, bool secret,
		   const unsigned char *fp_key)
{
	char fp[65];

	s->v[s->n] = (struct coolify_env_input){.key = key,
						.value = value,
						.is_runtime = true,
						.is_buildtime = false,
						.is_literal = true};
	s->values[s->n] = value;
	s->fps[s->n] = NULL;
	if (secret) {
		if (hmac_sha256_hex(fp_key, 32, value, strlen(value), fp) < 0)
			return -1;
		s->fps[s->n] = strdup(fp);
	}
	s->n++;
	return 0;
}

/* the full environment of the app: spec env (secrets resolved now), plus vrsctl's own */
static int env_build(struct engine *eng, struct job *j, struct env_set *s, struct vrs_err *err)
{
	const struct m_project *w = j->p->want;
	const struct m_bundle *b = w->bundle ? world_bundle(eng->desired, w->bundle) : NULL;
	size_t cap = w->app.nenv + 3;
	char *api_key = NULL;
	struct buf plugins;

	s->v = calloc(cap, sizeof(*s->v));
	s->values = calloc(cap, sizeof(*s->values));
	s->fps = calloc(cap, sizeof(*s->fps));
	if (!s->v || !s->values || !s->fps)
		return err_set(err, "out of memory");
	for (size_t i = 0; i < w->app.nenv; i++) {
		const struct m_env *e = &w->app.env[i];
		char *v = NULL;
		if (e->kind == VK_LITERAL) {
			v = strdup(e->value ? e->value : "");
		} else if ((e->kind == VK_FROM_FILE ? secret_read_file(e->ref, &v, err)
						    : secret_get_env(e->ref, &v, err)) < 0 ||
			   v == NULL) {
			if (v == NULL && !err->msg[0])
				err_set(err, "%s '%s' is not set",
					e->kind == VK_FROM_FILE ? "from_file" : "from_env", e->ref);
			return err_prefix(err, "env %s", e->key);
		}
		if (env_add(s, e->key, v, e->kind != VK_LITERAL, eng->fp_key) < 0)
			return err_set(err, "out of memory");
	}
	buf_init(&plugins);
	for (size_t i = 0; b && i < b->nplugins; i++)
		buf_printf(&plugins, "%s%s", i ? "," : "", b->plugins[i]);
	env_add(s, "VRS_PLUGINS", buf_detach(&plugins), false, eng->fp_key);
	env_add(s, "VRS_PROJECT_SLUG", strdup(j->p->slug), false, eng->fp_key);
	if (state_project_ensure_api_key(eng->st, j->p->slug, &api_key, err) < 0)
		return -1;
	env_add(s, "VRS_API_KEY", api_key, true, eng->fp_key);
	return 0;
}

struct env_job {
	struct env_set set;
	char **remove; /* keys to delete remotely */
	size_t nremove;
	struct coolify_env_list *remote;
	size_t next_delete;
};

static int record_env(struct engine *eng, struct job *j, const char *id, struct vrs_err *err)
{
	struct env_job *ej = j->ctx;
	(void)id;
	for (size_t i = 0; i < ej->set.n; i++) {
		int rc = ej->set.fps[i]
			     ? state_app_env_set_secret(eng->st, j->p->slug, ej->set.v[i].key,
							ej->set.fps[i], err)
			     : state_app_env_set_literal(eng->st, j->p->slug, ej->set.v[i].key,
							 ej->set.values[i], err);
		if (rc < 0)
			return -1;
	}
	for (size_t i = 0; i < ej->nremove; i++)
		if (state_app_env_delete(eng->st, j->p->slug, ej->remove[i], err) < 0)
			return -1;
	return 0;
}

static void env_job_free(struct job *j)
{
	struct env_job *ej = j->ctx;

	if (ej == NULL)
		return;
	env_set_free(&ej->set);
	free(ej->remove);
	if (ej->remote)
		coolify_env_list_free(ej->remote);
	free(ej);
	j->ctx = NULL;
}

static void env_finish(struct job *j)
{
	engine_finish(j->eng, j, j->p->coolify_app_uuid, "env_updated", NULL, record_env,
		      "environment set");
	env_job_free(j);
}

static void delete_next_env(struct job *j);

static void on_env_deleted(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;

	if (rc < 0) {
		failed(j->eng, j, err);
		env_job_free(j);
		return;
	}
	coolify_ack_free(res);
	delete_next_env(j);
}

static bool env_is_removed(const struct env_job *ej, const char *key)
{
	for (size_t i = 0; i < ej->nremove; i++)
		if (strcmp(ej->remove[i], key) == 0)
			return true;
	return false;
}

static void delete_next_env(struct job *j)
{
	struct env_job *ej = j->ctx;
	struct vrs_err err;

	err_clear(&err);
	while (ej->remote && ej->next_delete < ej->remote->n) {
		const struct coolify_env *e = &ej->remote->v[ej->next_delete++];
		if (e->key && e->uuid && env_is_removed(ej, e->key)) {
			if (coolify_env_delete_async(j->eng->pv->coolify, j->p->coolify_app_uuid,
						     e->uuid, on_env_deleted, j, &err) < 0) {
				failed(j->eng, j, &err);
				env_job_free(j);
			}
			return;
		}
	}
	env_finish(j);
}

static void on_envs_listed(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct env_job *ej = j->ctx;

	if (rc < 0) {
		failed(j->eng, j, err);
		env_job_free(j);
		return;
	}
	ej->remote = res;
	delete_next_env(j);
}

static void on_envs_bulk(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct env_job *ej = j->ctx;
	struct vrs_err e2;

	if (rc < 0) {
		failed(j->eng, j, err);
		env_job_free(j);
		return;
	}
	coolify_env_list_free(res);
	if (ej->nremove == 0) {
		env_finish(j);
		return;
	}
	err_clear(&e2);
	if (coolify_envs_list_async(j->eng->pv->coolify, j->p->coolify_app_uuid, on_envs_listed, j,
				    &e2) < 0) {
		failed(j->eng, j, &e2);
		env_job_free(j);
	}
}

static void start_env(struct engine *eng, struct job *j, struct vrs_err *err)
{
	struct env_job *ej = calloc(1, sizeof(*ej));
	const struct m_project *rec = j->p->rec;

	if (ej == NULL) {
		err_set(err, "out of memory");
		failed(eng, j, err);
		return;
	}
	j->ctx = ej;
	if (j->p->coolify_app_uuid == NULL) {
		err_set(err, "no Coolify application to set the environment of");
		goto fail;
	}
	if (state_begin(eng->st, err) < 0)
		goto fail;
	if (env_build(eng, j, &ej->set, err) < 0) {
		state_rollback(eng->st, NULL);
		goto fail;
	}
	if (state_commit(eng->st, err) < 0)
		goto fail;
	/* keys applied before and no longer wanted */
	if (rec && rec->app.nenv) {
		ej->remove = calloc(rec->app.nenv, sizeof(*ej->remove));
		for (size_t i = 0; ej->remove && i < rec->app.nenv; i++) {
			bool keep = false;
			for (size_t k = 0; k < ej->set.n && !keep; k++)
				keep = strcmp(ej->set.v[k].key, rec->app.env[i].key) == 0;
			if (!keep)
				ej->remove[ej->nremove++] = rec->app.env[i].key;
		}
	}
	if (engine_journal_open(eng, j, j->p->slug, "environment (values not recorded)", err) < 0 ||
	    coolify_envs_bulk_async(eng->pv->coolify, j->p->coolify_app_uuid, ej->set.v, ej->set.n,
				    on_envs_bulk, j, err) < 0)
		goto fail;
	return;
fail:
	failed(eng, j, err);
	env_job_free(j);
}

/* ---- deployments ------------------------------------------------------------------ */

static int deploy_started_tx(struct engine *eng, struct job *j, const char *id, struct vrs_err *err)
{
	(void)id;
	if (j->p->status != PS_BOOTSTRAPPING)
		return engine_set_status(eng, j->p, PS_BOOTSTRAPPING, NULL, err);
	return 0;
}

static void on_deployed(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct coolify_deploy_result *r = res;
	struct result_arg ra = {j, NULL, "deployment_started", NULL, deploy_started_tx, SJ_OK};
	struct vrs_err e2;

	if (rc < 0) {
		/*
		 * The client does not resend a POST that may have landed; a second
		 * deployment of the same image is harmless, a project in error is not.
		 */
		if (err->transient && ++j->step < CREATE_ATTEMPTS) {
			const char *uuid = j->p->coolify_app_uuid;
			struct vrs_err e3;
			err_clear(&e3);
			if (coolify_deploy_async(j->eng->pv->coolify, &uuid, 1, true, on_deployed,
						 j, &e3) == 0)
				return;
		}
		failed(j->eng, j, err);
		return;
	}
	if (r->n == 0 || r->v[0].deployment_uuid == NULL) {
		coolify_deploy_result_free(r);
		err_set(&e2, "coolify: POST /deploy: no deployment was queued");
		failed(j->eng, j, &e2);
		return;
	}
	j->remote_id = strdup(r->v[0].deployment_uuid);
	coolify_deploy_result_free(r);
	ra.external_id = j->remote_id;
	err_clear(&e2);
	if (engine_tx(j->eng, result_tx, &ra, &e2) < 0) {
		job_fail(j->eng, j, e2.msg);
		return;
	}
	/* the job now waits for the poller, without holding a call slot */
	engine_release_call(j->eng, j);
	j->eng->waiting_deploys++;
	j->deadline_ms =
	    engine_now_ms() +
	    (long long)(j->eng->o->deploy_timeout_s > 0 ? j->eng->o->deploy_timeout_s : 1800) *
		1000;
	engine_progress(j->eng, j->p->slug, "deployment started");
}

static void start_deploy(struct engine *eng, struct job *j, struct vrs_err *err)
{
	const char *uuid = j->p->coolify_app_uuid;

	if (uuid == NULL) {
		err_set(err, "no Coolify application to deploy");
		failed(eng, j, err);
		return;
	}
	/* force: a docker image app has no commit to dedupe on; a redeploy is what we want */
	if (engine_journal_open(eng, j, j->p->slug, "deploy", err) < 0 ||
	    coolify_deploy_async(eng->pv->coolify, &uuid, 1, true, on_deployed, j, err) < 0)
		failed(eng, j, err);
}

struct active_arg {
	struct job *j;
};

static int active_tx(struct engine *eng, void *arg, struct vrs_err *err)
{
	struct job *j = arg;

	if (engine_log(eng, j->p->slug, "deployment_completed", NULL, NULL, NULL, NULL,
		       j->remote_id, "coolify", err) < 0 ||
	    engine_log(eng, j->p->slug, "health_check_passed", NULL, NULL,
		       j->p->want ? j->p->want->app.health_path : NULL, NULL, NULL, "coolify",
		       err) < 0)
		return -1;
	return engine_set_status(eng, j->p, PS_ACTIVE, NULL, err);
}

static void deploy_end(struct engine *eng, struct job *j, const char *status)
{
	struct vrs_err err;

	eng->waiting_deploys--;
	err_clear(&err);
	if (strcmp(status, "finished") == 0) {
		if (engine_tx(eng, active_tx, j, &err) < 0) {
			job_fail(eng, j, err.msg);
			return;
		}
		job_done(eng, j, "deployment finished, active");
	} else {
		char msg[256];
		snprintf(msg, sizeof(msg), "deployment %s ended %s", j->remote_id, status);
		job_fail(eng, j, msg);
	}
}

static void on_deployment_got(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct coolify_deployment *d = res;

	j->polling = false;
	if (rc < 0) {
		/* transient trouble reading it: the next tick asks again */
		if (err->transient)
			return;
		j->eng->waiting_deploys--;
		failed(j->eng, j, err);
		return;
	}
	if (d->status && coolify_deployment_terminal(d->status))
		deploy_end(j->eng, j, d->status);
	coolify_deployment_free(d);
}

static void on_active_listed(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct engine *eng = ud;
	struct coolify_deployment_list *l = res;
	long long now = engine_now_ms();

	(void)err;
	eng->poll_in_flight = false;
	if (rc < 0)
		return; /* next tick */
	for (size_t i = 0; i < eng->njobs; i++) {
		struct job *j = &eng->jobs[i];
		bool active = false;
		struct vrs_err e2;

		if (j->state != J_RUNNING || j->a->resource != RES_DEPLOYMENT ||
		    j->remote_id == NULL || j->running || j->polling)
			continue;
		for (size_t k = 0; k < l->n && !active; k++)
			active = l->v[k].deployment_uuid &&
				 strcmp(l->v[k].deployment_uuid, j->remote_id) == 0;
		if (active) {
			if (now > j->deadline_ms) {
				eng->waiting_deploys--;
				job_fail(eng, j, "deployment did not finish in time");
			}
			continue;
		}
		/* no longer active: ask once how it ended */
		err_clear(&e2);
		j->polling = true;
		if (coolify_deployment_get_async(eng->pv->coolify, j->remote_id, on_deployment_got,
						 j, &e2) < 0) {
			j->polling = false;
			eng->waiting_deploys--;
			job_fail(eng, j, e2.msg);
		}
	}
	coolify_deployment_list_free(l);
}

int remote_step(struct engine *eng, struct vrs_err *err)
{
	long long now = engine_now_ms();
	int wait = 200;

	if (eng->waiting_deploys > 0 && !eng->poll_in_flight && now >= eng->next_poll_ms) {
		struct vrs_err e2;
		err_clear(&e2);
		eng->next_poll_ms = now + (eng->o->poll_ms > 0 ? eng->o->poll_ms : 1000);
		/* one list call per tick for every running deployment */
		if (coolify_deployments_list_async(eng->pv->coolify, on_active_listed, eng, &e2) ==
		    0)
			eng->poll_in_flight = true;
	}
	if (eng->waiting_deploys > 0 && !eng->poll_in_flight) {
		long long left = eng->next_poll_ms - now;
		wait = left < 0 ? 0 : left < wait ? (int)left : wait;
	}
	return http_pool_step(eng->pv->pool, wait, err);
}

/* ---- start / stop / delete ---------------------------------------------------------- */

static int stopped_tx(struct engine *eng, struct job *j, const char *id, struct vrs_err *err)
{
	enum m_lifecycle lc = j->p->want ? j->p->want->lifecycle : LC_ARCHIVED;
	(void)id;
	return engine_set_status(eng, j->p, lc == LC_SUSPENDED ? PS_SUSPENDED : PS_ARCHIVED, NULL,
				 err);
}

static int started_tx(struct engine *eng, struct job *j, const char *id, struct vrs_err *err)
{
	(void)id;
	return engine_set_status(eng, j->p, PS_ACTIVE, NULL, err);
}

static int app_deleted_tx(struct engine *eng, struct job *j, const char *id, struct vrs_err *err)
{
	(void)id;
	free(j->p->coolify_app_uuid);
	j->p->coolify_app_uuid = NULL;
	if (state_project_set_uuid(eng->st, j->p->slug, SU_COOLIFY_APP, NULL, err) < 0)
		return -1;
	return state_app_clear(eng->st, j->p->slug, err);
}

static int project_deleted_tx(struct engine *eng, struct job *j, const char *id,
			      struct vrs_err *err)
{
	(void)id;
	free(j->p->coolify_project_uuid);
	j->p->coolify_project_uuid = NULL;
	free(j->p->coolify_env_uuid);
	j->p->coolify_env_uuid = NULL;
	if (state_project_set_uuid(eng->st, j->p->slug, SU_COOLIFY_PROJECT, NULL, err) < 0)
		return -1;
	return state_project_set_uuid(eng->st, j->p->slug, SU_COOLIFY_ENVIRONMENT, NULL, err);
}

static void on_simple(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	const char *what = NULL, *log = NULL;
	int (*extra)(struct engine *, struct job *, const char *, struct vrs_err *) = NULL;

	if (rc < 0) {
		/* start and stop may be sent again; deleting what is gone is success */
		if (err->transient && j->a->op != OP_DELETE && ++j->step < CREATE_ATTEMPTS) {
			struct vrs_err e2;
			int rc2;
			err_clear(&e2);
			rc2 = j->a->op == OP_STOP ? coolify_app_stop_async(j->eng->pv->coolify,
									   j->p->coolify_app_uuid,
									   on_simple, j, &e2)
						  : coolify_app_start_async(j->eng->pv->coolify,
									    j->p->coolify_app_uuid,
									    on_simple, j, &e2);
			if (rc2 == 0)
				return;
		}
		if (!(j->a->op == OP_DELETE && err->http_status == 404)) {
			failed(j->eng, j, err);
			return;
		}
	}
	coolify_ack_free(res);
	switch (j->a->op) {
	case OP_STOP:
		what = "application stopped", log = "app_stopped", extra = stopped_tx;
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
	engine_finish(j->eng, j, NULL, log, NULL, extra, what);
}

static void start_simple(struct engine *eng, struct job *j, struct vrs_err *err)
{
	struct coolify *c = eng->pv->coolify;
	const char *uuid = j->a->resource == RES_COOLIFY_PROJECT ? j->p->coolify_project_uuid
								 : j->p->coolify_app_uuid;
	int rc;

	if (uuid == NULL) {
		/* nothing recorded remotely: the action has nothing to act on */
		engine_finish(eng, j, NULL, NULL, NULL, NULL, NULL);
		return;
	}
	if (engine_journal_open(eng, j, j->a->key, m_op_name(j->a->op), err) < 0) {
		failed(eng, j, err);
		return;
	}
	if (j->a->op == OP_STOP)
		rc = coolify_app_stop_async(c, uuid, on_simple, j, err);
	else if (j->a->op == OP_START)
		rc = coolify_app_start_async(c, uuid, on_simple, j, err);
	else if (j->a->resource == RES_COOLIFY_APP)
		rc = coolify_app_delete_async(c, uuid, 0, on_simple, j, err);
	else
		rc = coolify_project_delete_async(c, uuid, on_simple, j, err);
	if (rc < 0)
		failed(eng, j, err);
}

/* ---- dispatch -------------------------------------------------------------------------- */

void remote_start(struct engine *eng, struct job *j)
{
	struct vrs_err err;

	err_clear(&err);
	if (j->p == NULL || (j->a->service == SVC_COOLIFY && eng->pv->coolify == NULL) ||
	    (j->a->service == SVC_INWX && eng->pv->inwx == NULL)) {
		err_set(&err, "%s is not configured", m_service_name(j->a->service));
		failed(eng, j, &err);
		return;
	}
	if (enter_provisioning(eng, j, &err) < 0) {
		failed(eng, j, &err);
		return;
	}
	switch (j->a->resource) {
	case RES_COOLIFY_PROJECT:
		if (j->a->op == OP_CREATE) {
			char name[160];
			snprintf(name, sizeof(name), "vrs-%s", j->p->slug);
			if (engine_journal_open(eng, j, name, name, &err) < 0 ||
			    coolify_project_create_async(eng->pv->coolify, name, managed_marker,
							 on_project_created, j, &err) < 0)
				failed(eng, j, &err);
		} else {
			start_simple(eng, j, &err);
		}
		return;
	case RES_COOLIFY_APP:
		if (j->a->op == OP_CREATE)
			start_app_create(eng, j, &err);
		else if (j->a->op == OP_UPDATE)
			start_app_update(eng, j, &err);
		else
			start_simple(eng, j, &err);
		return;
	case RES_APP_ENV:
		start_env(eng, j, &err);
		return;
	case RES_DEPLOYMENT:
		start_deploy(eng, j, &err);
		return;
	case RES_DNS_RECORD:
		dns_start(eng, j);
		return;
	case RES_DOMAIN_REGISTRATION:
		domains_start(eng, j);
		return;
	default:
		err_set(&err, "%s %s is not supported by this version", m_op_name(j->a->op),
			m_resource_name(j->a->resource));
		failed(eng, j, &err);
	}
}
