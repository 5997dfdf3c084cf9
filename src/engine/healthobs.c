/*
 * healthobs.c — what a periodic refresh observes of the active projects'
 * health (issue 12, item 4). The app's health comes from the same GET
 * /applications list the refresh already made; an active project stays
 * active in provisioning_status (it is provisioned; is_live reads it) and
 * its health is recorded beside it (vrs_health), with a
 * health_check_failed row on each change to unhealthy and a
 * health_check_passed row when it recovers. An exited app is the plan's
 * (it is restarted); an unhealthy one is only reported.
 *
 * Certificates are re-checked at most once a day per domain: a domain of a
 * healthy active project whose last check (vrs_tls_check) is older than a
 * day is probed once, and its TLS facts recorded.
 */
#include "engine/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TLS_RECHECK_S	  86400
#define TLS_PROBE_WAIT_MS 30000

bool engine_app_unhealthy(const char *status)
{
	/* running:unhealthy, or a container restarting (crash loop) */
	return status && (strstr(status, ":unhealthy") || strncmp(status, "restarting", 10) == 0) &&
	       strncmp(status, "exited", 6) != 0;
}

static const struct o_app *observed_app(const struct m_project *p, const struct m_observed *o)
{
	for (size_t i = 0; p->coolify_app_uuid && i < o->napps; i++)
		if (o->apps[i].uuid && strcmp(o->apps[i].uuid, p->coolify_app_uuid) == 0)
			return &o->apps[i];
	return NULL;
}

size_t engine_unhealthy(const struct m_world *recorded, const struct m_observed *o)
{
	size_t n = 0;

	for (size_t i = 0; o && o->present && i < recorded->nprojects; i++) {
		const struct m_project *p = &recorded->projects[i];
		const struct o_app *a = p->status == PS_ACTIVE ? observed_app(p, o) : NULL;

		n += a && engine_app_unhealthy(a->status);
	}
	return n;
}

static int health_row(struct state *st, const struct m_project *p, bool healthy, const char *seen,
		      const char *who, struct vrs_err *err)
{
	char msg[256];
	struct state_log_entry e = {.project_slug = p->slug,
				    .action =
					healthy ? "health_check_passed" : "health_check_failed",
				    .external_id = p->coolify_app_uuid,
				    .external_service = "coolify",
				    .triggered_by = (char *)who};

	snprintf(msg, sizeof(msg), "%s: Coolify reports %s (seen by a refresh)",
		 healthy ? "recovered" : "unhealthy", seen);
	if (healthy)
		e.message = msg;
	else
		e.error_details = msg;
	return state_log_add(st, &e, err);
}

/* one active project: record a change of health (and a first observation, without a row) */
static int note_one(struct state *st, const struct m_project *p, const struct o_app *a,
		    const char *who, struct vrs_err *err)
{
	bool unhealthy = engine_app_unhealthy(a->status);
	long long now = (long long)time(NULL);
	int rc;

	if (strncmp(a->status ? a->status : "", "running", 7) != 0 && !unhealthy)
		return 0; /* exited, starting: not a health observation (the plan restarts it) */
	if (p->health_since && p->unhealthy == unhealthy)
		return 0;
	if (state_begin(st, err) < 0)
		return -1;
	rc = state_health_set(st, p->slug, !unhealthy, now, a->status, err);
	if (rc == 0 && (unhealthy || p->unhealthy))
		rc = health_row(st, p, !unhealthy, a->status, who, err);
	if (rc < 0) {
		state_rollback(st, NULL);
		return -1;
	}
	return state_commit(st, err);
}

struct tls_probe {
	struct state *st;
	const char *fqdn;
	bool done;
	struct vrs_err err;
	int rc;
};

static void on_tls(void *ud, const struct probe_result *r)
{
	struct tls_probe *t = ud;
	char seen[400];

	t->done = true;
	if (r->interrupted)
		return;
	if (r->status > 0)
		snprintf(seen, sizeof(seen), "daily check: HTTP %d", r->status);
	else
		snprintf(seen, sizeof(seen), "daily check: no answer (%s)", r->error);
	/* a refused certificate is recorded (not provisioned); a check that made no
	 * handshake records only that it was made, so either waits a day */
	if (r->cert_not_after || r->tls_ok || r->tls_refused)
		t->rc = state_domain_set_tls(t->st, t->fqdn, r->tls_ok, r->cert_not_after, seen,
					     &t->err);
	else
		t->rc = state_domain_tls_checked(t->st, t->fqdn, seen, &t->err);
}

/* the certificates of healthy active projects not checked for a day: probed once each */
static int recheck_tls(struct state *st, struct providers *pv, const struct m_world *rec,
		       const struct m_observed *o, struct vrs_err *err)
{
	long long now = (long long)time(NULL);
	struct tls_probe *v;
	size_t n = 0, cap = 0;
	int rc = 0;

	for (size_t i = 0; i < rec->nprojects; i++)
		cap += rec->projects[i].ndomains;
	if (cap == 0 || pv == NULL || pv->probe == NULL)
		return 0;
	if ((v = calloc(cap, sizeof(*v))) == NULL)
		return err_setc(err, VRS_E_NOMEM, "out of memory");
	for (size_t i = 0; i < rec->nprojects; i++) {
		const struct m_project *p = &rec->projects[i];
		const struct o_app *a = p->status == PS_ACTIVE ? observed_app(p, o) : NULL;

		if (a == NULL || !a->status || strcmp(a->status, "running:healthy") != 0)
			continue;
		for (size_t k = 0; k < p->ndomains; k++) {
			struct tls_probe *t = &v[n];

			if (p->domains[k].tls_checked_at > now - TLS_RECHECK_S)
				continue;
			*t = (struct tls_probe){.st = st, .fqdn = p->domains[k].fqdn};
			err_clear(&t->err);
			if (probe_https_async(pv->probe, t->fqdn,
					      p->app.health_path ? p->app.health_path : "/", on_tls,
					      t, err) < 0) {
				rc = -1;
				break;
			}
			n++;
		}
	}
	/* every probe ends (answer, failure or its own timeout) within the pool's run */
	if (n > 0 && http_pool_run(pv->pool, TLS_PROBE_WAIT_MS, err) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (v[i].rc < 0) {
			*err = v[i].err;
			rc = -1;
		}
	free(v);
	return rc;
}

int engine_note_health(struct state *st, struct providers *pv, const struct m_world *recorded,
		       const struct m_observed *o, const char *who, size_t *unhealthy,
		       struct vrs_err *err)
{
	*unhealthy = engine_unhealthy(recorded, o);
	for (size_t i = 0; o->present && i < recorded->nprojects; i++) {
		const struct m_project *p = &recorded->projects[i];
		const struct o_app *a = p->status == PS_ACTIVE ? observed_app(p, o) : NULL;

		if (a && note_one(st, p, a, who, err) < 0)
			return -1;
	}
	return recheck_tls(st, pv, recorded, o, err);
}
