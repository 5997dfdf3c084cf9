/*
 * http.c — the HTTP client pool: one libcurl multi handle, per-service
 * queues with concurrency caps and token-bucket rate budgets, scheduling of
 * retries, the blocking forms, and redacted tracing. The rules are in
 * http_policy.c, one transfer in http_easy.c, redaction in http_redact.c.
 * See http.h for the interface.
 */
#include "providers/http_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

double http_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
/* ---------- tracing ---------- */

void http_trace(struct http_pool *p, const struct http_service *s, const char *fmt, ...)
{
	struct buf red;
	va_list ap;
	char *line;

	if (p->trace == NULL)
		return;
	buf_init(&red);
	va_start(ap, fmt);
	line = NULL;
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (line == NULL)
		goto out;
	if (http_redact(line, &red) < 0)
		goto out;
	http_mask_secrets(&red, p->secrets, p->nsecrets);
	p->trace(p->trace_ud, s ? s->name : NULL, red.data);
out:
	free(line);
	buf_release(&red);
}

void http_trace_body(struct http_pool *p, const struct http_service *s, const char *dir,
		     const char *body, size_t len)
{
	if (p->trace == NULL || body == NULL || len == 0)
		return;
	if (len > TRACE_BODY_LIMIT)
		http_trace(p, s, "%s %.*s... (%zu bytes)", dir, TRACE_BODY_LIMIT, body, len);
	else
		http_trace(p, s, "%s %.*s", dir, (int)len, body);
}
/* ---------- pool ---------- */

struct http_pool *http_pool_new(struct vrs_err *err)
{
	struct http_pool *p;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		err_set(err, "http: curl_global_init failed");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		curl_global_cleanup();
		err_set(err, "http: out of memory");
		return NULL;
	}
	p->multi = curl_multi_init();
	if (p->multi == NULL) {
		free(p);
		curl_global_cleanup();
		err_set(err, "http: curl_multi_init failed");
		return NULL;
	}
	p->rng = ((uint64_t)time(NULL) << 20) ^ (uint64_t)(uintptr_t)p ^ 0x5bd1e995u;
	return p;
}

void http_job_free(struct job *j)
{
	if (j == NULL)
		return;
	if (j->easy)
		curl_easy_cleanup(j->easy);
	free(j->method);
	free(j->url);
	free(j->label);
	free(j->body);
	curl_slist_free_all(j->hdrs);
	buf_release(&j->rbody);
	buf_release(&j->cookies);
	free(j->ctype);
	free(j);
}

void http_pool_free(struct http_pool *p)
{
	if (p == NULL)
		return;
	while (p->running) {
		struct job *j = p->running;

		p->running = j->next;
		curl_multi_remove_handle(p->multi, j->easy);
		if (j->drop)
			j->drop(j->ud);
		http_job_free(j);
	}
	while (p->svcs) {
		struct http_service *s = p->svcs;

		p->svcs = s->next;
		while (s->qhead) {
			struct job *j = s->qhead;

			s->qhead = j->next;
			if (j->drop)
				j->drop(j->ud);
			http_job_free(j);
		}
		free(s->name);
		free(s->ca_file);
		curl_slist_free_all(s->connect_to);
		free(s);
	}
	curl_multi_cleanup(p->multi);
	for (size_t i = 0; i < p->nsecrets; i++)
		free(p->secrets[i]);
	free(p->secrets);
	free(p);
	curl_global_cleanup();
}

void http_pool_set_trace(struct http_pool *p, http_trace_fn fn, void *ud)
{
	p->trace = fn;
	p->trace_ud = ud;
}

int http_pool_add_secret(struct http_pool *p, const char *secret)
{
	char **v;

	if (secret == NULL || strlen(secret) < 4)
		return 0;
	for (size_t i = 0; i < p->nsecrets; i++)
		if (strcmp(p->secrets[i], secret) == 0)
			return 0;
	v = realloc(p->secrets, (p->nsecrets + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	p->secrets = v;
	if ((v[p->nsecrets] = strdup(secret)) == NULL)
		return -1;
	p->nsecrets++;
	return 0;
}

void http_pool_set_max_in_flight(struct http_pool *p, int n)
{
	p->max_total = n > 0 ? n : 0;
}

void http_service_set_max_in_flight(struct http_service *s, int n)
{
	if (!s->serialize)
		s->max_in_flight = n > 0 ? n : 0;
}

int http_pool_in_flight(const struct http_pool *p)
{
	return p->n_running;
}

unsigned long long http_pool_retries(const struct http_pool *p)
{
	return p->retries;
}

void http_pool_seed(struct http_pool *p, uint64_t seed)
{
	p->rng = seed ? seed : 1;
}

struct http_service *http_service_add(struct http_pool *p, const struct http_service_cfg *cfg,
				      struct vrs_err *err)
{
	struct http_service *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->name = strdup(cfg->name ? cfg->name : "http")) == NULL) {
		free(s);
		err_set(err, "http: out of memory");
		return NULL;
	}
	s->serialize = cfg->serialize;
	s->max_in_flight = cfg->serialize ? 1 : cfg->max_in_flight;
	s->connect_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : DEF_CONNECT_MS;
	s->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : DEF_TIMEOUT_MS;
	s->max_body = cfg->max_body > 0 ? cfg->max_body : DEF_MAX_BODY;
	http_retry_defaults(&cfg->retry, &s->retry);
	s->certinfo = cfg->certinfo;
	if ((cfg->ca_file && (s->ca_file = strdup(cfg->ca_file)) == NULL) ||
	    (cfg->connect_to &&
	     (s->connect_to = curl_slist_append(NULL, cfg->connect_to)) == NULL)) {
		free(s->ca_file);
		free(s->name);
		free(s);
		err_set(err, "http: out of memory");
		return NULL;
	}
	s->rate_limited = cfg->rate_per_sec > 0;
	http_bucket_init(&s->bucket, cfg->rate_per_sec, cfg->burst, http_now_s());
	s->next = p->svcs;
	p->svcs = s;
	return s;
}

const char *http_service_name(const struct http_service *s)
{
	return s->name;
}

size_t http_pool_pending(const struct http_pool *p)
{
	return p->pending;
}

static void q_remove(struct http_service *s, struct job *j)
{
	if (j->prev)
		j->prev->next = j->next;
	else
		s->qhead = j->next;
	if (j->next)
		j->next->prev = j->prev;
	else
		s->qtail = j->prev;
	j->next = j->prev = NULL;
}

void http_q_push(struct http_service *s, struct job *j, bool front)
{
	j->next = j->prev = NULL;
	if (s->qhead == NULL) {
		s->qhead = s->qtail = j;
	} else if (front) {
		j->next = s->qhead;
		s->qhead->prev = j;
		s->qhead = j;
	} else {
		j->prev = s->qtail;
		s->qtail->next = j;
		s->qtail = j;
	}
}

int http_submit(struct http_pool *p, struct http_service *s, const struct http_request *req,
		http_done_fn cb, void *ud, struct vrs_err *err)
{
	struct job *j;
	const char *m = req->method ? req->method : "GET";
	const char *label = req->label ? req->label : req->url;

	if (http_url_check(req->url, err) < 0)
		return err_prefix(err, "%s: %s %s", s->name, m, label);
	if (p->cancelling)
		return err_setc(err, VRS_E_INTERRUPTED, "%s: %s %s: interrupted before it was sent",
				s->name, m, label);
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return err_set(err, "%s: out of memory", s->name);
	buf_init(&j->rbody);
	buf_init(&j->cookies);
	j->rbody.cap = s->max_body;
	j->pool = p;
	j->svc = s;
	j->method = strdup(m);
	j->url = strdup(req->url);
	j->label = strdup(label);
	if (req->body) {
		j->body_len = req->body_len ? req->body_len : strlen(req->body);
		j->body = malloc(j->body_len + 1);
		if (j->body) {
			memcpy(j->body, req->body, j->body_len);
			j->body[j->body_len] = 0;
		}
	}
	if (j->method == NULL || j->url == NULL || j->label == NULL || (req->body && !j->body))
		goto oom;
	for (const char *const *h = req->headers; h && *h; h++) {
		struct curl_slist *n = curl_slist_append(j->hdrs, *h);

		if (n == NULL)
			goto oom;
		j->hdrs = n;
	}
	{
		struct curl_slist *n = curl_slist_append(j->hdrs, "Expect:");

		if (n == NULL)
			goto oom;
		j->hdrs = n;
	}
	j->idempotent = req->idempotent || strcmp(m, "POST") != 0;
	j->classify = req->classify ? req->classify : http_classify_default;
	j->classify_ud = req->classify_ud;
	j->cb = cb;
	j->ud = ud;
	j->drop = req->drop;
	j->not_before = req->delay_ms > 0 ? http_now_s() + req->delay_ms / 1000.0 : 0;
	http_q_push(s, j, false);
	p->pending++;
	return 0;
oom:
	http_job_free(j);
	return err_set(err, "%s: out of memory", s->name);
}
/* start whatever may start now; returns the earliest time something waiting may start
 * (0 = nothing waiting that a timer can release) */
static double pump(struct http_pool *p)
{
	double t = http_now_s(), next = 0;

	for (struct http_service *s = p->svcs; s; s = s->next) {
		while (s->qhead) {
			struct job *j = NULL, *c;
			double when = 0;

			if (s->max_in_flight > 0 && s->in_flight >= s->max_in_flight)
				break;
			if (p->max_total > 0 && p->n_running >= p->max_total)
				return next; /* a finishing request wakes the loop */
			if (s->blocked_until > t) {
				when = s->blocked_until;
			} else if (s->serialize) {
				if (s->qhead->not_before <= t)
					j = s->qhead;
				else
					when = s->qhead->not_before;
			} else {
				for (c = s->qhead; c; c = c->next) {
					if (c->not_before <= t) {
						j = c;
						break;
					}
					if (when == 0 || c->not_before < when)
						when = c->not_before;
				}
			}
			if (j && s->rate_limited) {
				double w = http_bucket_take(&s->bucket, t);

				if (w > 0) {
					when = t + w;
					j = NULL;
				}
			}
			if (j == NULL) {
				if (when > 0 && (next == 0 || when < next))
					next = when;
				break;
			}
			q_remove(s, j);
			if (http_job_start(p, j) < 0) {
				struct vrs_err err;

				err_clear(&err);
				err_set(&err, "%s: %s %s: cannot start request", s->name, j->method,
					j->label);
				j->attempt++;
				http_job_deliver(p, j, -1, &err, false, 0);
			}
		}
	}
	return next;
}

static int ms_until(double when)
{
	double d = (when - http_now_s()) * 1000.0;

	if (d <= 0)
		return 0;
	if (d > 3600000)
		return 3600000;
	return (int)ceil(d);
}

int http_pool_timeout_ms(struct http_pool *p)
{
	double next = pump(p);
	long ct = -1;
	int w = -1;

	if (next > 0)
		w = ms_until(next);
	if (p->running) {
		curl_multi_timeout(p->multi, &ct);
		if (ct >= 0 && (w < 0 || ct < w))
			w = (int)ct;
		if (w < 0)
			w = 1000;
	}
	return w;
}

int http_pool_pollfds(struct http_pool *p, struct pollfd *fds, int max)
{
	fd_set r, w, x;
	int maxfd = -1, n = 0;

	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&x);
	if (curl_multi_fdset(p->multi, &r, &w, &x, &maxfd) != CURLM_OK)
		return 0;
	for (int fd = 0; fd <= maxfd && n < max; fd++) {
		short ev = 0;

		if (FD_ISSET(fd, &r))
			ev |= POLLIN;
		if (FD_ISSET(fd, &w))
			ev |= POLLOUT;
		if (FD_ISSET(fd, &x))
			ev |= POLLPRI;
		if (ev) {
			fds[n].fd = fd;
			fds[n].events = ev;
			fds[n].revents = 0;
			n++;
		}
	}
	return n;
}

int http_pool_step(struct http_pool *p, int wait_ms, struct vrs_err *err)
{
	return http_pool_step_fd(p, wait_ms, -1, NULL, err);
}

int http_pool_step_fd(struct http_pool *p, int wait_ms, int fd, bool *fd_ready, struct vrs_err *err)
{
	double next = pump(p);
	int w = wait_ms, still = 0, left;
	struct curl_waitfd extra = {.fd = fd, .events = CURL_WAIT_POLLIN};
	CURLMcode mc;
	CURLMsg *m;

	if (next > 0 && ms_until(next) < w)
		w = ms_until(next);
	if (w < 0)
		w = 0;
	if (p->running || fd >= 0) {
		mc = curl_multi_poll(p->multi, fd >= 0 ? &extra : NULL, fd >= 0, w, NULL);
		if (mc != CURLM_OK)
			return err_set(err, "http: curl_multi_poll: %s", curl_multi_strerror(mc));
		if (fd_ready)
			*fd_ready = fd >= 0 && (extra.revents & CURL_WAIT_POLLIN);
	} else if (w > 0 && p->pending) {
		struct timespec ts = {w / 1000, (long)(w % 1000) * 1000000L};

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	mc = curl_multi_perform(p->multi, &still);
	if (mc != CURLM_OK)
		return err_set(err, "http: curl_multi_perform: %s", curl_multi_strerror(mc));
	while ((m = curl_multi_info_read(p->multi, &left)) != NULL) {
		if (m->msg == CURLMSG_DONE) {
			struct job *j = NULL;

			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
			if (j)
				http_job_finish(p, j, m->data.result);
		}
	}
	pump(p);
	return 0;
}

/* take j off the multi handle and the running list */
static void unlink_running(struct http_pool *p, struct job *j)
{
	curl_multi_remove_handle(p->multi, j->easy);
	curl_easy_cleanup(j->easy);
	j->easy = NULL;
	j->svc->in_flight--;
	p->n_running--;
	if (j->prev)
		j->prev->next = j->next;
	else
		p->running = j->next;
	if (j->next)
		j->next->prev = j->prev;
	j->next = j->prev = NULL;
}

void http_pool_cancel(struct http_pool *p)
{
	struct vrs_err err;
	struct job *j;
	bool again = true;

	p->cancelling = true;
	while (again) {
		again = false;
		for (struct http_service *s = p->svcs; s; s = s->next)
			while ((j = s->qhead) != NULL) {
				q_remove(s, j);
				err_clear(&err);
				if (j->attempt > 0)
					err_setc(&err, VRS_E_INTERRUPTED,
						 "%s: %s %s: interrupted; not retried (%s)",
						 s->name, j->method, j->label, j->last.msg);
				else
					err_setc(&err, VRS_E_INTERRUPTED,
						 "%s: %s %s: interrupted before it was sent",
						 s->name, j->method, j->label);
				http_job_deliver(p, j, -1, &err, false, 0);
				again = true;
			}
		while ((j = p->running) != NULL) {
			unlink_running(p, j);
			err_clear(&err);
			err_setc(&err, VRS_E_INTERRUPTED,
				 "%s: %s %s: interrupted; its answer was not seen", j->svc->name,
				 j->method, j->label);
			http_job_deliver(p, j, -1, &err, false, 0);
			again = true;
		}
	}
	p->cancelling = false;
}

void http_pool_drop(struct http_pool *p)
{
	struct job *j;

	while ((j = p->running) != NULL) {
		unlink_running(p, j);
		p->pending--;
		if (j->drop)
			j->drop(j->ud);
		http_job_free(j);
	}
	for (struct http_service *s = p->svcs; s; s = s->next)
		while ((j = s->qhead) != NULL) {
			q_remove(s, j);
			p->pending--;
			if (j->drop)
				j->drop(j->ud);
			http_job_free(j);
		}
}

void http_pool_set_stop(struct http_pool *p, volatile sig_atomic_t *stop)
{
	p->stop = stop;
}

/* one step of a blocking wait: a stop cancels what is pending (callbacks run) */
static int wait_step(struct http_pool *p, struct vrs_err *err)
{
	if (p->stop && *p->stop) {
		http_pool_cancel(p);
		return 0;
	}
	return http_pool_step(p, 200, err);
}

int http_pool_run(struct http_pool *p, int timeout_ms, struct vrs_err *err)
{
	double deadline = timeout_ms >= 0 ? http_now_s() + timeout_ms / 1000.0 : 0;

	while (p->pending) {
		int w = 1000;

		if (timeout_ms >= 0) {
			w = ms_until(deadline);
			if (w == 0)
				return err_set(err, "http: %zu requests still pending after %d ms",
					       p->pending, timeout_ms);
			if (w > 1000)
				w = 1000;
		}
		if (http_pool_step(p, w, err) < 0)
			return -1;
	}
	return 0;
}

struct do_state {
	bool done;
	int rc;
	struct http_response *out;
	struct vrs_err *err;
};

static void do_done(void *ud, int rc, struct http_response *resp, struct vrs_err *err)
{
	struct do_state *d = ud;

	d->done = true;
	d->rc = rc;
	if (resp) {
		*d->out = *resp;
		memset(resp, 0, sizeof(*resp));
	}
	if (rc < 0 && err && d->err)
		*d->err = *err;
}

int http_do(struct http_pool *p, struct http_service *s, const struct http_request *req,
	    struct http_response *out, struct vrs_err *err)
{
	struct do_state d = {false, 0, out, err};

	memset(out, 0, sizeof(*out));
	out->retry_after_s = -1;
	if (http_submit(p, s, req, do_done, &d, err) < 0)
		return -1;
	while (!d.done)
		if (wait_step(p, err) < 0)
			return -1;
	return d.rc;
}

void http_response_release(struct http_response *r)
{
	if (r == NULL)
		return;
	free(r->body);
	free(r->content_type);
	free(r->cookies);
	r->body = r->content_type = r->cookies = NULL;
}

/* ---- blocking on an asynchronous typed call ---- */

void http_waiter_cb(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct http_waiter *w = ud;

	w->done = true;
	w->rc = rc;
	w->res = res;
	if (rc < 0 && err)
		w->err = *err;
}

int http_waiter_wait(struct http_pool *p, struct http_waiter *w, struct vrs_err *err)
{
	while (!w->done)
		if (wait_step(p, err) < 0)
			return -1;
	if (w->rc < 0) {
		*err = w->err;
		return -1;
	}
	return 0;
}
