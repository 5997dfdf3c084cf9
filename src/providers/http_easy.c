/*
 * http_easy.c — one HTTP transfer of the pool: the curl easy handle's
 * options, response headers (content type, Retry-After, cookies), and what
 * its end means: deliver, or back off and queue a retry (http_policy.c).
 */
#include "providers/http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct job *j = ud;
	size_t n = size * nmemb;

	if (buf_append(&j->rbody, ptr, n) < 0) {
		j->too_big = true;
		return 0;
	}
	return n;
}

static char *dup_n(const char *s, size_t n)
{
	char *r = malloc(n + 1);

	if (r) {
		memcpy(r, s, n);
		r[n] = 0;
	}
	return r;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct job *j = ud;
	size_t n = size * nmemb, vlen;
	const char *v;
	char *s;

	switch (http_header_read(ptr, n, &v, &vlen)) {
	case HTTP_HDR_STATUS:
		/* a new response (after 1xx): forget the earlier headers */
		free(j->ctype);
		j->ctype = NULL;
		j->retry_after = -1;
		break;
	case HTTP_HDR_CTYPE:
		free(j->ctype);
		j->ctype = dup_n(v, vlen);
		break;
	case HTTP_HDR_RETRY_AFTER:
		if ((s = dup_n(v, vlen)) != NULL) {
			double d = http_retry_after_parse(s, time(NULL));

			if (d >= 0)
				j->retry_after = d;
			free(s);
		}
		break;
	case HTTP_HDR_COOKIE:
		if (j->cookies.len)
			buf_puts(&j->cookies, "; ");
		buf_append(&j->cookies, v, vlen);
		break;
	case HTTP_HDR_OTHER:
		break;
	}
	return n;
}

/* a probe's options: the extra CA, where to connect, a handshake of its own each time */
static void tls_probe_opts(CURL *e, const struct http_service *s)
{
	if (s->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, s->ca_file); /* the system CApath stays */
	if (s->connect_to)
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, s->connect_to);
	if (s->certinfo) {
		curl_easy_setopt(e, CURLOPT_CERTINFO, 1L);
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	}
}

/* the leaf certificate's "Expire date" (OpenSSL's "Mar  7 14:23:04 2027 GMT"), 0 if none */
static long long cert_not_after(CURL *e)
{
	struct curl_certinfo *ci = NULL;
	struct tm tm;

	if (curl_easy_getinfo(e, CURLINFO_CERTINFO, &ci) != CURLE_OK || ci == NULL ||
	    ci->num_of_certs < 1)
		return 0;
	for (struct curl_slist *l = ci->certinfo[0]; l; l = l->next) {
		const char *v;

		if (strncmp(l->data, "Expire date:", 12) != 0)
			continue;
		memset(&tm, 0, sizeof(tm));
		v = strptime(l->data + 12, "%b %d %H:%M:%S %Y", &tm);
		return v ? (long long)timegm(&tm) : 0;
	}
	return 0;
}

int http_job_start(struct http_pool *p, struct job *j)
{
	struct http_service *s = j->svc;
	CURL *e = curl_easy_init();

	if (e == NULL)
		return -1;
	j->easy = e;
	j->attempt++;
	j->too_big = false;
	j->retry_after = -1;
	j->curl_err[0] = 0;
	buf_reset(&j->rbody);
	buf_reset(&j->cookies);
	free(j->ctype);
	j->ctype = NULL;
	curl_easy_setopt(e, CURLOPT_URL, j->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)s->connect_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)s->timeout_ms);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max_body);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "vrsctl/" VRS_VERSION);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->curl_err);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->hdrs);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	tls_probe_opts(e, s);
	if (strcmp(j->method, "GET") == 0) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else {
		if (strcmp(j->method, "POST") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, j->method);
		if (j->body || strcmp(j->method, "POST") == 0) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->body ? j->body : "");
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->body_len);
		}
	}
	/*
	 * libcurl sends a request again by itself when a reused keep-alive
	 * connection dies before any answer ("Connection died, retrying a fresh
	 * connect"): for a write that may have landed (a batched deploy, a
	 * create) that is a blind duplicate. Such a request gets its own
	 * connection, so a drop reaches the caller, who looks before resending.
	 */
	if (!j->idempotent)
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	if (curl_multi_add_handle(p->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		j->easy = NULL;
		return -1;
	}
	if (p->trace) {
		http_trace(p, s, "> %s %s (attempt %d)", j->method, j->url, j->attempt);
		for (struct curl_slist *h = j->hdrs; h; h = h->next)
			if (strcmp(h->data, "Expect:") != 0)
				http_trace(p, s, "> %s", h->data);
		http_trace_body(p, s, ">", j->body, j->body_len);
	}
	j->started = http_now_s();
	s->in_flight++;
	p->n_running++;
	j->next = p->running;
	j->prev = NULL;
	if (p->running)
		p->running->prev = j;
	p->running = j;
	return 0;
}

void http_job_deliver(struct http_pool *p, struct job *j, int rc, struct vrs_err *err,
		      bool have_resp, long status)
{
	struct http_response r;

	memset(&r, 0, sizeof(r));
	r.retry_after_s = -1;
	r.attempts = j->attempt;
	r.cert_not_after = j->cert_not_after;
	if (have_resp) {
		r.status = (int)status;
		r.body_len = j->rbody.len;
		r.body = buf_detach(&j->rbody);
		r.content_type = j->ctype;
		j->ctype = NULL;
		r.cookies = j->cookies.len ? buf_detach(&j->cookies) : NULL;
		r.retry_after_s = j->retry_after;
	}
	p->pending--;
	if (j->cb)
		j->cb(j->ud, rc, have_resp ? &r : NULL, err);
	http_response_release(&r);
	http_job_free(j);
}

void http_job_finish(struct http_pool *p, struct job *j, CURLcode cc)
{
	struct http_service *s = j->svc;
	struct vrs_err err;
	long status = 0;
	double conn_t = 0, t = http_now_s();
	bool have_resp = false, retry = false, landed_maybe = true;
	enum http_verdict v = HTTP_FAIL;

	err_clear(&err);
	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(j->easy, CURLINFO_CONNECT_TIME, &conn_t);
	if (s->certinfo)
		j->cert_not_after = cert_not_after(j->easy);
	curl_multi_remove_handle(p->multi, j->easy);
	curl_easy_cleanup(j->easy);
	j->easy = NULL;
	s->in_flight--;
	p->n_running--;
	if (j->prev)
		j->prev->next = j->next;
	else
		p->running = j->next;
	if (j->next)
		j->next->prev = j->prev;
	j->next = j->prev = NULL;

	if (http_curl_not_sent(cc, conn_t))
		landed_maybe = false;
	if (cc == CURLE_OK) {
		struct http_response r;

		memset(&r, 0, sizeof(r));
		r.status = (int)status;
		r.body = j->rbody.data;
		r.body_len = j->rbody.len;
		r.content_type = j->ctype;
		r.cookies = j->cookies.len ? j->cookies.data : NULL;
		r.retry_after_s = j->retry_after;
		r.attempts = j->attempt;
		r.cert_not_after = j->cert_not_after;
		have_resp = true;
		http_trace(p, s, "< HTTP %ld (%.0f ms, %zu bytes)", status, (t - j->started) * 1000,
			   j->rbody.len);
		http_trace_body(p, s, "<", j->rbody.data, j->rbody.len);
		v = j->classify(j->classify_ud, &r, &err);
		if (v == HTTP_OK) {
			http_job_deliver(p, j, 0, NULL, true, status);
			return;
		}
		if (err.msg[0] == 0)
			err_set(&err, "HTTP %ld", status);
		if (status == 429)
			landed_maybe = false;
		retry = v == HTTP_RETRY;
	} else if (j->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		err_setc(&err, VRS_E_TRANSIENT, "response body larger than %zu bytes", s->max_body);
		err.http_status = (int)status;
		/* a proxy's runaway answer: asked again (a write only when it surely did not land)
		 */
		err.transient = true;
		retry = true;
	} else {
		err_set(&err, "%s%s%s", curl_easy_strerror(cc), j->curl_err[0] ? ": " : "",
			j->curl_err);
		err.http_status = (int)status;
		/* an observation (expired, another name, an unknown CA), not a lost connection */
		if (cc == CURLE_PEER_FAILED_VERIFICATION)
			err.code = VRS_E_TLS;
		err.transient = http_curl_transient(cc);
		retry = err.transient;
		http_trace(p, s, "< %s", err.msg);
	}
	if (retry && !j->idempotent && landed_maybe)
		retry = false; /* the request may have been processed: the caller decides */
	if (retry && j->attempt < s->retry.attempts) {
		double ra,
		    d = http_retry_delay_s(&s->retry, j->attempt, j->retry_after, &p->rng, &ra);

		if (ra >= 0 && status == 429 && t + ra > s->blocked_until)
			s->blocked_until = t + ra;
		http_trace(p, s, "retry %s %s in %.2f s (attempt %d of %d): %s", j->method,
			   j->label, d, j->attempt + 1, s->retry.attempts, err.msg);
		j->not_before = t + d;
		j->last = err;
		p->retries++;
		http_q_push(s, j, s->serialize);
		return;
	}
	if (j->attempt > 1) {
		size_t l = strlen(err.msg);

		snprintf(err.msg + l, sizeof(err.msg) - l, " (after %d attempts)", j->attempt);
	}
	err_prefix(&err, "%s: %s %s", s->name, j->method, j->label);
	http_job_deliver(p, j, -1, &err, have_resp, status);
}
