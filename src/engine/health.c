/*
 * health.c — the Coolify executor's wait for a finished deployment to be
 * healthy (DESIGN §7): the project is bootstrapping until Coolify reports
 * the app running:healthy and GET https://<primary domain><health_path>
 * answers 2xx through a verified TLS connection; then bootstrap_completed,
 * health_check_passed and active. Past --health-timeout the check fails:
 * health_check_failed with what was seen, and the job fails (error, retry
 * count) like any failed step.
 *
 * The wait holds no call slot. One GET /applications per tick serves every
 * waiting app (never one call per app); an app Coolify reports healthy is
 * probed over HTTPS with backoff. The handshake's facts (ssl_provisioned,
 * ssl_expires_at) are recorded whatever the answer; the project's other
 * domains are probed once each for theirs (not a condition of passing, but
 * the wait ends after their answers).
 */
#include "engine/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT_S 600
#define FIRST_DELAY_MS	  250
#define MAX_DELAY_MS	  5000
#define MAX_SIDES	  8 /* other domains probed for their TLS facts; more: the daily check */

/* another domain of the project: probed once for its certificate */
struct side {
	char host[256];
	bool probing, done;
	struct probe_result r;
};

struct side_call {
	struct job *j;
	int idx;
};

struct hwait {
	struct job *j; /* NULL: ended, removed at the next compaction */
	long long deadline_ms, next_probe_ms;
	int delay_ms;
	bool probing;
	char coolify[64]; /* the status Coolify last listed, "" before the first list */
	char host[256], path[256];
	bool probed; /* last holds an answer */
	struct probe_result last;
	bool primary_ok; /* the primary domain answered 2xx over verified TLS */
	int nside;
	struct side side[MAX_SIDES];
};

struct health_waits {
	struct hwait *v;
	size_t n, cap;
	bool listing;
	long long next_list_ms;
	int list_delay_ms;
};

static int poll_ms(const struct run *run)
{
	return engine_poll_ms(run);
}

/* the domain probed: the primary one, else the first by name; NULL without domains */
static const struct m_domain *primary_domain(const struct m_project *p)
{
	const struct m_domain *d = NULL;

	for (size_t i = 0; p && i < p->ndomains; i++)
		if (p->domains[i].primary)
			return &p->domains[i];
		else if (d == NULL || strcmp(p->domains[i].fqdn, d->fqdn) < 0)
			d = &p->domains[i];
	return d;
}

/* what was seen, for the log row and the error: Coolify's status and the probe's answer */
static int health_seen(const struct hwait *w, char *out, size_t n)
{
	char when[32];
	int k = snprintf(out, n, "Coolify %s", w->coolify[0] ? w->coolify : "(not listed yet)");

	if ((size_t)k >= n)
		return k;
	if (!w->host[0])
		return k + snprintf(out + k, n - k, "; no domain to probe");
	if (!w->probed)
		return k + snprintf(out + k, n - k, "; GET https://%s%s not made yet", w->host,
				    w->path);
	k += snprintf(out + k, n - k, "; GET https://%s%s: ", w->host, w->path);
	if ((size_t)k >= n)
		return k;
	if (w->last.status > 0)
		k += snprintf(out + k, n - k, "HTTP %d", w->last.status);
	else
		k += snprintf(out + k, n - k, "no answer (%s)", w->last.error);
	if ((size_t)k < n && w->last.cert_not_after > 0)
		k += snprintf(out + k, n - k, ", certificate valid until %s",
			      state_time_fmt(w->last.cert_not_after, when, sizeof(when)));
	return k;
}

static struct hwait *hwait_of(struct run *run, const struct job *j)
{
	struct health_waits *hw = run->healths;

	for (size_t i = 0; hw && i < hw->n; i++)
		if (hw->v[i].j == j)
			return &hw->v[i];
	return NULL;
}

static int record_one(struct run *run, const char *host, const struct probe_result *r,
		      const char *seen, struct vrs_err *err)
{
	if (r->cert_not_after == 0 && !r->tls_ok && !r->tls_refused)
		return 0; /* nothing seen of the certificate (no connection) */
	return state_domain_set_tls(run->st, host, r->tls_ok, r->cert_not_after, seen, err);
}

/* the handshakes' facts of the probed domains (inside the caller's transaction) */
static int record_tls(struct run *run, const struct hwait *w, const char *seen, struct vrs_err *err)
{
	if (w->host[0] && w->probed && record_one(run, w->host, &w->last, seen, err) < 0)
		return -1;
	for (int i = 0; i < w->nside; i++) {
		char s[400];

		if (!w->side[i].done)
			continue;
		if (w->side[i].r.status > 0)
			snprintf(s, sizeof(s), "GET https://%s%s: HTTP %d", w->side[i].host,
				 w->path, w->side[i].r.status);
		else
			snprintf(s, sizeof(s), "GET https://%s%s: no answer (%s)", w->side[i].host,
				 w->path, w->side[i].r.error);
		if (record_one(run, w->side[i].host, &w->side[i].r, s, err) < 0)
			return -1;
	}
	return 0;
}

static bool sides_busy(const struct hwait *w, bool need_done)
{
	for (int i = 0; i < w->nside; i++)
		if (w->side[i].probing || (need_done && !w->side[i].done))
			return true;
	return false;
}

struct end_arg {
	struct hwait *w;
	const char *seen;
};

static int passed_tx(struct run *run, void *arg, struct vrs_err *err)
{
	struct end_arg *a = arg;
	struct job *j = a->w->j;
	char note[96];

	snprintf(note, sizeof(note), "Coolify reports %s", a->w->coolify);
	if (record_tls(run, a->w, a->seen, err) < 0 ||
	    engine_log(run, j->p->slug, "bootstrap_completed", NULL, NULL, note, NULL,
		       j->p->coolify_app_uuid, "coolify", err) < 0 ||
	    engine_log(run, j->p->slug, "health_check_passed", NULL, NULL, a->seen, NULL, NULL,
		       "coolify", err) < 0)
		return -1;
	return engine_set_status(run, j->p, PS_ACTIVE, NULL, err);
}

static int failed_tx(struct run *run, void *arg, struct vrs_err *err)
{
	struct end_arg *a = arg;

	if (record_tls(run, a->w, a->seen, err) < 0)
		return -1;
	return engine_log(run, a->w->j->p->slug, "health_check_failed", NULL, NULL, NULL, a->seen,
			  NULL, "coolify", err);
}

static void wait_end(struct run *run, struct hwait *w, bool passed)
{
	struct job *j = w->j;
	char seen[640], msg[768];
	struct end_arg a = {w, seen};
	struct vrs_err err;

	health_seen(w, seen, sizeof(seen));
	err_clear(&err);
	if (engine_tx(run, passed ? passed_tx : failed_tx, &a, &err) < 0) {
		w->j = NULL;
		job_fail_err(run, j, &err);
		return;
	}
	w->j = NULL;
	if (passed) {
		job_done(run, j, "healthy, active");
		return;
	}
	snprintf(msg, sizeof(msg), "health check failed for %ds (--health-timeout): %s",
		 run->o->health_timeout_s > 0 ? run->o->health_timeout_s : DEFAULT_TIMEOUT_S, seen);
	job_fail(run, j, msg);
}

static void on_probed(void *ud, const struct probe_result *r)
{
	struct job *j = ud;
	struct run *run = j->eng;
	struct hwait *w = hwait_of(run, j);
	long long now = engine_now_ms();

	if (w == NULL || r->interrupted) {
		if (w)
			w->probing = false;
		return;
	}
	w->probing = false;
	w->probed = true;
	w->last = *r;
	if (r->tls_ok && r->status >= 200 && r->status < 300 &&
	    strcmp(w->coolify, "running:healthy") == 0) {
		w->primary_ok = true;
		if (!sides_busy(w, true))
			wait_end(run, w, true);
		return;
	}
	w->next_probe_ms = now + w->delay_ms;
	w->delay_ms = w->delay_ms * 2 > MAX_DELAY_MS ? MAX_DELAY_MS : w->delay_ms * 2;
}

static void on_side(void *ud, const struct probe_result *r)
{
	struct side_call *c = ud;
	struct run *run = c->j->eng;
	struct hwait *w = hwait_of(run, c->j);
	int i = c->idx;

	free(c);
	if (w == NULL)
		return;
	w->side[i].probing = false;
	if (r->interrupted)
		return;
	w->side[i].done = true;
	w->side[i].r = *r;
	if (w->primary_ok && !sides_busy(w, true))
		wait_end(run, w, true);
}

/* the batched list: each waiting app's status; a healthy one without a domain is done */
static void on_listed(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct run *run = ud;
	struct health_waits *hw = run->healths;
	struct coolify_app_list *l = res;

	(void)err;
	hw->listing = false;
	if (rc < 0)
		return; /* the next tick asks again; the deadlines run on */
	for (size_t i = 0; i < hw->n; i++) {
		struct hwait *w = &hw->v[i];
		const char *uuid = w->j ? w->j->p->coolify_app_uuid : NULL;

		for (size_t k = 0; uuid && k < l->n; k++)
			if (l->v[k].uuid && strcmp(l->v[k].uuid, uuid) == 0)
				snprintf(w->coolify, sizeof(w->coolify), "%s",
					 l->v[k].status ? l->v[k].status : "(none)");
		if (w->j && !w->host[0] && strcmp(w->coolify, "running:healthy") == 0)
			wait_end(run, w, true);
	}
	coolify_app_list_free(l);
}

void health_wait(struct run *run, struct job *j)
{
	struct health_waits *hw = run->healths;
	const struct m_domain *d = primary_domain(j->p->want);
	const char *path =
	    j->p->want && j->p->want->app.health_path ? j->p->want->app.health_path : "/";
	int s = run->o->health_timeout_s > 0 ? run->o->health_timeout_s : DEFAULT_TIMEOUT_S;
	long long now = engine_now_ms();
	struct hwait *w;

	if (hw == NULL && (hw = run->healths = calloc(1, sizeof(*hw))) == NULL) {
		job_fail(run, j, "out of memory");
		return;
	}
	if (hw->n == hw->cap) {
		size_t cap = hw->cap ? hw->cap * 2 : 16;
		struct hwait *v = realloc(hw->v, cap * sizeof(*v));
		if (v == NULL) {
			job_fail(run, j, "out of memory");
			return;
		}
		hw->v = v;
		hw->cap = cap;
	}
	w = &hw->v[hw->n++];
	memset(w, 0, sizeof(*w));
	w->j = j;
	w->deadline_ms = now + (long long)s * 1000;
	w->delay_ms = FIRST_DELAY_MS;
	if (d)
		snprintf(w->host, sizeof(w->host), "%s", d->fqdn);
	for (size_t i = 0; d && i < j->p->want->ndomains && w->nside < MAX_SIDES; i++)
		if (&j->p->want->domains[i] != d)
			snprintf(w->side[w->nside++].host, sizeof(w->side[0].host), "%s",
				 j->p->want->domains[i].fqdn);
	snprintf(w->path, sizeof(w->path), "%s", path);
	/*
	 * The first waiter has the list asked at once; later ones join the next
	 * list within a poll tick. Asking at once for each one would make a
	 * stream of N finishing deployments N list calls of N apps each.
	 */
	if (hw->n == 1)
		hw->next_list_ms = now;
	else if (hw->next_list_ms > now + poll_ms(run))
		hw->next_list_ms = now + poll_ms(run);
	hw->list_delay_ms = poll_ms(run);
	engine_release_call(run, j);
	engine_progress(run, j->p->slug, "bootstrapping: waiting for the app to answer healthy");
}

/* the other domains, once each, when Coolify reports the app healthy */
static void probe_sides(struct run *run, struct hwait *w)
{
	for (int i = 0; i < w->nside; i++) {
		struct side *s = &w->side[i];
		struct side_call *c;
		struct vrs_err err;

		if (s->done || s->probing || (c = malloc(sizeof(*c))) == NULL)
			continue;
		*c = (struct side_call){w->j, i};
		err_clear(&err);
		s->probing = true;
		if (probe_https_async(run->pv->probe, s->host, w->path, on_side, c, &err) < 0) {
			free(c);
			s->probing = false;
			s->done = true; /* not seen: left to the daily check */
		}
	}
}

static void probe_one(struct run *run, struct hwait *w, long long now, int *wait_ms)
{
	struct vrs_err err;

	if (!w->host[0] || strcmp(w->coolify, "running:healthy") != 0)
		return;
	probe_sides(run, w);
	if (w->probing || w->primary_ok)
		return;
	if (now < w->next_probe_ms) {
		if (w->next_probe_ms - now < *wait_ms)
			*wait_ms = (int)(w->next_probe_ms - now);
		return;
	}
	err_clear(&err);
	w->probing = true;
	if (probe_https_async(run->pv->probe, w->host, w->path, on_probed, w->j, &err) < 0) {
		w->probing = false;
		snprintf(w->last.error, sizeof(w->last.error), "%s", err.msg);
		w->probed = true;
		w->next_probe_ms = now + MAX_DELAY_MS;
	}
}

void health_step(struct run *run, int *wait_ms)
{
	struct health_waits *hw = run->healths;
	long long now = engine_now_ms();
	size_t k = 0;

	if (hw == NULL)
		return;
	for (size_t i = 0; i < hw->n; i++) {
		struct hwait *w = &hw->v[i];

		if (w->j && !w->probing && !sides_busy(w, false) && !hw->listing &&
		    now > w->deadline_ms)
			wait_end(run, w, w->primary_ok);
		else if (w->j)
			probe_one(run, w, now, wait_ms);
	}
	for (size_t i = 0; i < hw->n; i++)
		if (hw->v[i].j)
			hw->v[k++] = hw->v[i];
	hw->n = k;
	if (hw->n > 0 && !hw->listing && now >= hw->next_list_ms) {
		struct vrs_err err;

		err_clear(&err);
		hw->next_list_ms = now + hw->list_delay_ms;
		/* backoff: the list is asked less often the longer apps take */
		hw->list_delay_ms =
		    hw->list_delay_ms * 2 > MAX_DELAY_MS ? MAX_DELAY_MS : hw->list_delay_ms * 2;
		if (hw->list_delay_ms < poll_ms(run))
			hw->list_delay_ms = poll_ms(run);
		if (coolify_apps_list_async(run->pv->coolify, on_listed, run, &err) == 0)
			hw->listing = true;
	}
	if (hw->n > 0 && !hw->listing) {
		long long left = hw->next_list_ms - now;
		*wait_ms = left < 0 ? 0 : left < *wait_ms ? (int)left : *wait_ms;
	}
	for (size_t i = 0; i < hw->n; i++)
		if (hw->v[i].j && hw->v[i].deadline_ms - now < *wait_ms)
			*wait_ms =
			    hw->v[i].deadline_ms < now ? 0 : (int)(hw->v[i].deadline_ms - now);
}

/*
 * The last wait may end while a list call is still in flight: its callback
 * names the run, so it is awaited here (one call, bounded by its timeout)
 * rather than left to answer into a later run of the same pool (watch).
 */
void health_release(struct run *run)
{
	struct health_waits *hw = run->healths;
	long long until = engine_now_ms() + 120000;
	struct vrs_err err;

	while (hw && hw->listing && engine_now_ms() < until) {
		err_clear(&err);
		if (http_pool_step(run->pv->pool, 100, &err) < 0)
			break;
	}
	if (hw && hw->listing)
		return; /* never answered: the pool is broken; keep what its callback names */
	if (run->healths)
		free(run->healths->v);
	free(run->healths);
	run->healths = NULL;
}
