/*
 * appenv.c — the Coolify executor's application environment: the spec's
 * variables (secrets resolved at the call, only their fingerprints
 * recorded) and vrsctl's own, set in one bulk call; keys applied before
 * and no longer wanted are deleted one by one.
 */
#include "engine/engine_int.h"
#include "model/trim.h"

#include <stdlib.h>
#include <string.h>

struct env_set {
	struct coolify_env_input *v;
	char **values; /* owned (secrets wiped on free) */
	char **fps;    /* fingerprint for secrets, NULL for literals */
	size_t n;
};

static void env_set_release(struct env_set *s)
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

	s->v[s->n] =
	    (struct coolify_env_input){.key = key,
				       .value = value,
				       .is_runtime = true,
				       .is_buildtime = false,
				       .is_literal = true,
				       .is_multiline = value && strchr(value, '\n') != NULL};
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
static int env_build(struct run *run, struct job *j, struct env_set *s, struct vrs_err *err)
{
	const struct m_project *w = j->p->want;
	const struct m_bundle *b = w->bundle ? world_bundle(run->desired, w->bundle) : NULL;
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
		if (e->kind != VK_LITERAL && m_coolify_trims(v)) {
			secret_free(v);
			return err_setc(err, VRS_E_INVALID,
					"env %s: the secret's value (%s '%s') begins or ends with "
					"whitespace, which Coolify would remove; remove it there",
					e->key, e->kind == VK_FROM_FILE ? "from_file" : "from_env",
					e->ref);
		}
		if (env_add(s, e->key, v, e->kind != VK_LITERAL, run->fp_key) < 0)
			return err_set(err, "out of memory");
	}
	buf_init(&plugins);
	for (size_t i = 0; b && i < b->nplugins; i++)
		buf_printf(&plugins, "%s%s", i ? "," : "", b->plugins[i]);
	env_add(s, "VRS_PLUGINS", buf_detach(&plugins), false, run->fp_key);
	env_add(s, "VRS_PROJECT_SLUG", strdup(j->p->slug), false, run->fp_key);
	if (state_project_ensure_api_key(run->st, j->p->slug, &api_key, err) < 0)
		return -1;
	env_add(s, "VRS_API_KEY", api_key, true, run->fp_key);
	return 0;
}

struct env_job {
	struct env_set set;
	char **remove; /* keys to delete remotely */
	size_t nremove;
	struct coolify_env_list *remote;
	size_t next_delete;
};

static int record_env(struct run *run, struct job *j, const char *id, struct vrs_err *err)
{
	struct env_job *ej = j->ctx;
	(void)id;
	for (size_t i = 0; i < ej->set.n; i++) {
		int rc = ej->set.fps[i]
			     ? state_app_env_set_secret(run->st, j->p->slug, ej->set.v[i].key,
							ej->set.fps[i], err)
			     : state_app_env_set_literal(run->st, j->p->slug, ej->set.v[i].key,
							 ej->set.values[i], err);
		if (rc < 0)
			return -1;
	}
	for (size_t i = 0; i < ej->nremove; i++)
		if (state_app_env_delete(run->st, j->p->slug, ej->remove[i], err) < 0)
			return -1;
	return 0;
}

static void env_job_free(struct job *j)
{
	struct env_job *ej = j->ctx;

	if (ej == NULL)
		return;
	env_set_release(&ej->set);
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
		job_fail_err(j->eng, j, err);
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
				job_fail_err(j->eng, j, &err);
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
		job_fail_err(j->eng, j, err);
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
		job_fail_err(j->eng, j, err);
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
		job_fail_err(j->eng, j, &e2);
		env_job_free(j);
	}
}

void appenv_start(struct run *run, struct job *j)
{
	struct env_job *ej = calloc(1, sizeof(*ej));
	const struct m_project *rec = j->p->rec;
	struct vrs_err e;
	struct vrs_err *err = &e;

	err_clear(err);
	if (ej == NULL) {
		job_fail(run, j, "out of memory");
		return;
	}
	j->ctx = ej;
	if (j->p->coolify_app_uuid == NULL) {
		err_set(err, "no Coolify application to set the environment of");
		goto fail;
	}
	if (state_begin(run->st, err) < 0)
		goto fail;
	if (env_build(run, j, &ej->set, err) < 0) {
		state_rollback(run->st, NULL);
		goto fail;
	}
	if (state_commit(run->st, err) < 0)
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
	if (engine_journal_open(run, j, j->p->slug, "environment (values not recorded)", err) < 0 ||
	    coolify_envs_bulk_async(run->pv->coolify, j->p->coolify_app_uuid, ej->set.v, ej->set.n,
				    on_envs_bulk, j, err) < 0)
		goto fail;
	return;
fail:
	job_fail_err(run, j, err);
	env_job_free(j);
}
