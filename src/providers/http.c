/*
 * http.c — the HTTP client pool: one libcurl multi handle, per-service
 * concurrency caps and token-bucket rate budgets, retries with full-jitter
 * backoff, size caps, loopback-only plain http, and redacted tracing.
 * See http.h for the interface.
 */
#include "providers/http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <time.h>

#define DEF_ATTEMPTS	 5
#define DEF_BASE_S	 0.5
#define DEF_CAP_S	 30.0
#define DEF_MAX_RA_S	 120.0
#define DEF_CONNECT_MS	 10000
#define DEF_TIMEOUT_MS	 60000
#define DEF_MAX_BODY	 (8u * 1024u * 1024u)
#define TRACE_BODY_LIMIT 4096

struct job {
	struct job *next, *prev;
	struct http_pool *pool;
	struct http_service *svc;
	char *method, *url, *label, *body;
	size_t body_len;
	struct curl_slist *hdrs;
	bool idempotent;
	http_classify_fn classify;
	void *classify_ud;
	http_done_fn cb;
	void *ud;
	double not_before;
	int attempt;
	CURL *easy;
	char curl_err[CURL_ERROR_SIZE];
	struct buf rbody;
	struct buf cookies;
	char *ctype;
	double retry_after;
	bool too_big;
	double started;
	struct vrs_err last;
};

struct http_service {
	struct http_service *next;
	char *name;
	int max_in_flight;
	bool serialize;
	int connect_ms, timeout_ms;
	size_t max_body;
	struct http_retry_cfg retry;
	struct http_bucket bucket;
	bool rate_limited;
	int in_flight;
	double blocked_until;
	struct job *qhead, *qtail; /* waiting */
};

struct http_pool {
	CURLM *multi;
	struct http_service *svcs;
	struct job *running; /* started, in the multi handle */
	int n_running, max_total;
	size_t pending;
	uint64_t rng;
	http_trace_fn trace;
	void *trace_ud;
	char **secrets;
	size_t nsecrets;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------- pure helpers ---------- */

void http_bucket_init(struct http_bucket *b, double rate, double burst, double now)
{
	b->rate = rate > 0 ? rate : 0;
	b->burst = burst >= 1 ? burst : (rate >= 1 ? rate : 1);
	b->tokens = b->burst;
	b->last = now;
}

static void bucket_refill(struct http_bucket *b, double now)
{
	if (now > b->last) {
		b->tokens += (now - b->last) * b->rate;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
		b->last = now;
	}
}

static double bucket_wait(struct http_bucket *b, double now)
{
	if (b->rate <= 0)
		return 0;
	bucket_refill(b, now);
	return b->tokens >= 1 ? 0 : (1 - b->tokens) / b->rate;
}

double http_bucket_take(struct http_bucket *b, double now)
{
	double w;

	if (b->rate <= 0)
		return 0;
	w = bucket_wait(b, now);
	if (w > 0)
		return w;
	b->tokens -= 1;
	return 0;
}

uint64_t http_rng_next(uint64_t *rng)
{
	uint64_t x = *rng ? *rng : 0x9e3779b97f4a7c15ull;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*rng = x;
	return x;
}

static void retry_defaults(const struct http_retry_cfg *in, struct http_retry_cfg *out)
{
	out->attempts = in && in->attempts > 0 ? in->attempts : DEF_ATTEMPTS;
	out->base_s = in && in->base_s > 0 ? in->base_s : DEF_BASE_S;
	out->cap_s = in && in->cap_s > 0 ? in->cap_s : DEF_CAP_S;
	out->max_retry_after_s =
	    in && in->max_retry_after_s > 0 ? in->max_retry_after_s : DEF_MAX_RA_S;
}

double http_backoff_s(const struct http_retry_cfg *cfg, int n, uint64_t *rng)
{
	struct http_retry_cfg c;
	double ceil_s, u;

	retry_defaults(cfg, &c);
	if (n < 1)
		n = 1;
	ceil_s = n > 60 ? c.cap_s : c.base_s * ldexp(1.0, n - 1);
	if (ceil_s > c.cap_s)
		ceil_s = c.cap_s;
	u = (double)(http_rng_next(rng) >> 11) * (1.0 / 9007199254740992.0);
	return ceil_s * u;
}

int http_url_check(const char *url, struct vrs_err *err)
{
	const char *a, *end, *at, *h;
	char host[256];
	size_t n;
	unsigned char v4[4];

	if (url == NULL || *url == 0)
		return err_set(err, "empty URL");
	if (strncasecmp(url, "https://", 8) == 0)
		return 0;
	if (strncasecmp(url, "http://", 7) != 0)
		return err_set(err, "%s: only https:// URLs are supported", url);
	a = url + 7;
	end = a + strcspn(a, "/?#");
	at = NULL;
	for (h = a; h < end; h++)
		if (*h == '@')
			at = h;
	h = at ? at + 1 : a;
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));

		if (rb == NULL)
			return err_set(err, "%s: malformed host", url);
		h++;
		n = (size_t)(rb - h);
	} else {
		const char *colon = memchr(h, ':', (size_t)(end - h));

		n = (size_t)((colon ? colon : end) - h);
	}
	if (n == 0 || n >= sizeof(host))
		return err_set(err, "%s: malformed host", url);
	memcpy(host, h, n);
	host[n] = 0;
	if (strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0)
		return 0;
	if (inet_pton(AF_INET, host, v4) == 1 && v4[0] == 127)
		return 0;
	return err_set(err,
		       "%s: plain http:// is refused for non-loopback host '%s'; use https:// "
		       "(http is only accepted for 127.0.0.0/8, ::1 and localhost)",
		       url, host);
}

static const char *const redact_keys[] = {
    "pass",  "password", "tan",	  "authCode",	"auth_code",
    "token", "secret",	 "value", "real_value", NULL,
};

static bool is_secret_key(const char *k, size_t n)
{
	for (int i = 0; redact_keys[i]; i++)
		if (strlen(redact_keys[i]) == n && strncasecmp(redact_keys[i], k, n) == 0)
			return true;
	return false;
}

static const char *const redact_headers[] = {
    "authorization:", "proxy-authorization:", "cookie:", "set-cookie:", "x-api-key:", NULL,
};

/* end of a JSON string starting at s (s points after the opening quote); returns the
 * closing quote or the terminating NUL */
static const char *json_str_end(const char *s)
{
	while (*s && *s != '"') {
		if (*s == '\\' && s[1])
			s++;
		s++;
	}
	return s;
}

int http_redact(const char *in, struct buf *out)
{
	const char *s = in;

	/* trace lines carry a direction prefix */
	if ((s[0] == '>' || s[0] == '<') && s[1] == ' ') {
		if (buf_append(out, s, 2) < 0)
			return -1;
		s += 2;
		in = s;
	}
	for (int i = 0; redact_headers[i]; i++) {
		size_t n = strlen(redact_headers[i]);

		if (strncasecmp(s, redact_headers[i], n) == 0) {
			if (buf_append(out, s, n - 1) < 0)
				return -1;
			return buf_puts(out, ": [REDACTED]");
		}
	}
	while (*s) {
		if (*s == '"') {
			const char *k = s + 1, *ke = json_str_end(k), *p;

			if (*ke == 0)
				return buf_puts(out, s);
			if (buf_append(out, s, (size_t)(ke + 1 - s)) < 0)
				return -1;
			s = ke + 1;
			if (!is_secret_key(k, (size_t)(ke - k)))
				continue;
			p = s;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p != ':')
				continue;
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			if (buf_append(out, s, (size_t)(p - s)) < 0)
				return -1;
			if (*p == '"') {
				const char *ve = json_str_end(p + 1);

				if (buf_puts(out, "\"[REDACTED]\"") < 0)
					return -1;
				s = *ve ? ve + 1 : ve;
			} else if (*p == '{' || *p == '[' || *p == 0) {
				s = p;
			} else {
				p += strcspn(p, ",}] \t\r\n");
				if (buf_puts(out, "[REDACTED]") < 0)
					return -1;
				s = p;
			}
			continue;
		}
		/* form / query: key=value after a separator */
		if ((s == in || strchr("?&; ", s[-1])) && isalpha((unsigned char)*s)) {
			size_t kn =
			    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_");

			if (s[kn] == '=' && is_secret_key(s, kn)) {
				if (buf_append(out, s, kn + 1) < 0 ||
				    buf_puts(out, "[REDACTED]") < 0)
					return -1;
				s += kn + 1;
				s += strcspn(s, "&; \r\n");
				continue;
			}
			if (buf_append(out, s, kn) < 0)
				return -1;
			s += kn;
			continue;
		}
		if (buf_putc(out, *s) < 0)
			return -1;
		s++;
	}
	return 0;
}

enum http_verdict http_classify_default(void *ud, const struct http_response *resp,
					struct vrs_err *err)
{
	int st = resp->status;
	char snip[200];
	size_t n = 0;

	(void)ud;
	if (st >= 200 && st < 300)
		return HTTP_OK;
	if (resp->body) {
		const char *b = resp->body;

		while (*b && isspace((unsigned char)*b))
			b++;
		for (; b[n] && n < sizeof(snip) - 1 && b[n] != '\n' && b[n] != '\r'; n++)
			snip[n] = b[n];
	}
	snip[n] = 0;
	err_set(err, "HTTP %d%s%s", st, n ? ": " : "", snip);
	err->http_status = st;
	if (st == 408 || st == 425 || st == 429 || st >= 500) {
		err->transient = true;
		return HTTP_RETRY;
	}
	return HTTP_FAIL;
}

/* ---------- tracing ---------- */

static void trace(struct http_pool *p, const struct http_service *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void trace(struct http_pool *p, const struct http_service *s, const char *fmt, ...)
{
	struct buf raw, red;
	va_list ap;
	char *line;

	if (p->trace == NULL)
		return;
	buf_init(&raw);
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
	/* mask literal secrets */
	for (size_t i = 0; i < p->nsecrets; i++) {
		const char *sec = p->secrets[i], *hit, *cur;
		size_t sl = strlen(sec);

		if (strstr(red.data, sec) == NULL)
			continue;
		buf_reset(&raw);
		cur = red.data;
		while ((hit = strstr(cur, sec)) != NULL) {
			buf_append(&raw, cur, (size_t)(hit - cur));
			buf_puts(&raw, "[REDACTED]");
			cur = hit + sl;
		}
		buf_puts(&raw, cur);
		buf_reset(&red);
		buf_puts(&red, raw.data);
	}
	p->trace(p->trace_ud, s ? s->name : NULL, red.data);
out:
	free(line);
	buf_free(&raw);
	buf_free(&red);
}

static void trace_body(struct http_pool *p, const struct http_service *s, const char *dir,
		       const char *body, size_t len)
{
	if (p->trace == NULL || body == NULL || len == 0)
		return;
	if (len > TRACE_BODY_LIMIT)
		trace(p, s, "%s %.*s... (%zu bytes)", dir, TRACE_BODY_LIMIT, body, len);
	else
		trace(p, s, "%s %.*s", dir, (int)len, body);
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

static void job_free(struct job *j)
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
	buf_free(&j->rbody);
	buf_free(&j->cookies);
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
		job_free(j);
	}
	while (p->svcs) {
		struct http_service *s = p->svcs;

		p->svcs = s->next;
		while (s->qhead) {
			struct job *j = s->qhead;

			s->qhead = j->next;
			job_free(j);
		}
		free(s->name);
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

int http_pool_in_flight(const struct http_pool *p)
{
	return p->n_running;
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
	retry_defaults(&cfg->retry, &s->retry);
	s->rate_limited = cfg->rate_per_sec > 0;
	http_bucket_init(&s->bucket, cfg->rate_per_sec, cfg->burst, now_s());
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

static void q_push(struct http_service *s, struct job *j, bool front)
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
	j->not_before = req->delay_ms > 0 ? now_s() + req->delay_ms / 1000.0 : 0;
	q_push(s, j, false);
	p->pending++;
	return 0;
oom:
	job_free(j);
	return err_set(err, "%s: out of memory", s->name);
}

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

static char *trim_dup(const char *s, size_t n)
{
	char *r;

	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	r = malloc(n + 1);
	if (r) {
		memcpy(r, s, n);
		r[n] = 0;
	}
	return r;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct job *j = ud;
	size_t n = size * nmemb;

	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		/* a new response (after 1xx): forget the earlier headers */
		free(j->ctype);
		j->ctype = NULL;
		j->retry_after = -1;
	} else if (n > 13 && strncasecmp(ptr, "content-type:", 13) == 0) {
		free(j->ctype);
		j->ctype = trim_dup(ptr + 13, n - 13);
	} else if (n > 12 && strncasecmp(ptr, "retry-after:", 12) == 0) {
		char *v = trim_dup(ptr + 12, n - 12);

		if (v) {
			char *e;
			double d = strtod(v, &e);

			if (e != v && *e == 0 && d >= 0) {
				j->retry_after = d;
			} else {
				time_t t = curl_getdate(v, NULL);

				if (t > 0)
					j->retry_after =
					    t > time(NULL) ? (double)(t - time(NULL)) : 0;
			}
			free(v);
		}
	} else if (n > 11 && strncasecmp(ptr, "set-cookie:", 11) == 0) {
		const char *v = ptr + 11, *e;

		while (v < ptr + n && isspace((unsigned char)*v))
			v++;
		for (e = v; e < ptr + n && *e != ';' && *e != '\r' && *e != '\n'; e++)
			;
		if (e > v && memchr(v, '=', (size_t)(e - v))) {
			if (j->cookies.len)
				buf_puts(&j->cookies, "; ");
			buf_append(&j->cookies, v, (size_t)(e - v));
		}
	}
	return n;
}

static int job_start(struct http_pool *p, struct job *j)
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
	if (curl_multi_add_handle(p->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		j->easy = NULL;
		return -1;
	}
	if (p->trace) {
		trace(p, s, "> %s %s (attempt %d)", j->method, j->url, j->attempt);
		for (struct curl_slist *h = j->hdrs; h; h = h->next)
			if (strcmp(h->data, "Expect:") != 0)
				trace(p, s, "> %s", h->data);
		trace_body(p, s, ">", j->body, j->body_len);
	}
	j->started = now_s();
	s->in_flight++;
	p->n_running++;
	j->next = p->running;
	j->prev = NULL;
	if (p->running)
		p->running->prev = j;
	p->running = j;
	return 0;
}

static void deliver(struct http_pool *p, struct job *j, int rc, struct vrs_err *err, bool have_resp,
		    long status)
{
	struct http_response r;

	memset(&r, 0, sizeof(r));
	r.retry_after_s = -1;
	r.attempts = j->attempt;
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
	http_response_free(&r);
	job_free(j);
}

static bool curl_transient(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static void finish(struct http_pool *p, struct job *j, CURLcode cc)
{
	struct http_service *s = j->svc;
	struct vrs_err err;
	long status = 0;
	double conn_t = 0, t = now_s();
	bool have_resp = false, retry = false, landed_maybe = true;
	enum http_verdict v = HTTP_FAIL;

	err_clear(&err);
	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(j->easy, CURLINFO_CONNECT_TIME, &conn_t);
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

	if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
	    (cc == CURLE_OPERATION_TIMEDOUT && conn_t <= 0))
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
		have_resp = true;
		trace(p, s, "< HTTP %ld (%.0f ms, %zu bytes)", status, (t - j->started) * 1000,
		      j->rbody.len);
		trace_body(p, s, "<", j->rbody.data, j->rbody.len);
		v = j->classify(j->classify_ud, &r, &err);
		if (v == HTTP_OK) {
			deliver(p, j, 0, NULL, true, status);
			return;
		}
		if (err.msg[0] == 0)
			err_set(&err, "HTTP %ld", status);
		if (status == 429)
			landed_maybe = false;
		retry = v == HTTP_RETRY;
	} else if (j->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		err_set(&err, "response body larger than %zu bytes", s->max_body);
		err.http_status = (int)status;
	} else {
		err_set(&err, "%s%s%s", curl_easy_strerror(cc), j->curl_err[0] ? ": " : "",
			j->curl_err);
		err.http_status = (int)status;
		err.transient = curl_transient(cc);
		retry = err.transient;
		trace(p, s, "< %s", err.msg);
	}
	if (retry && !j->idempotent && landed_maybe)
		retry = false; /* the request may have been processed: the caller decides */
	if (retry && j->attempt < s->retry.attempts) {
		double d = http_backoff_s(&s->retry, j->attempt, &p->rng);

		if (j->retry_after >= 0) {
			double ra = j->retry_after < s->retry.max_retry_after_s
					? j->retry_after
					: s->retry.max_retry_after_s;

			if (ra > d)
				d = ra;
			if (status == 429 && t + ra > s->blocked_until)
				s->blocked_until = t + ra;
		}
		trace(p, s, "retry %s %s in %.2f s (attempt %d of %d): %s", j->method, j->label, d,
		      j->attempt + 1, s->retry.attempts, err.msg);
		j->not_before = t + d;
		j->last = err;
		q_push(s, j, s->serialize);
		return;
	}
	if (j->attempt > 1) {
		size_t l = strlen(err.msg);

		snprintf(err.msg + l, sizeof(err.msg) - l, " (after %d attempts)", j->attempt);
	}
	err_prefix(&err, "%s: %s %s", s->name, j->method, j->label);
	deliver(p, j, -1, &err, have_resp, status);
}

/* start whatever may start now; returns the earliest time something waiting may start
 * (0 = nothing waiting that a timer can release) */
static double pump(struct http_pool *p)
{
	double t = now_s(), next = 0;

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
			if (job_start(p, j) < 0) {
				struct vrs_err err;

				err_clear(&err);
				err_set(&err, "%s: %s %s: cannot start request", s->name, j->method,
					j->label);
				j->attempt++;
				deliver(p, j, -1, &err, false, 0);
			}
		}
	}
	return next;
}

static int ms_until(double when)
{
	double d = (when - now_s()) * 1000.0;

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
	double next = pump(p);
	int w = wait_ms, still = 0, left;
	CURLMcode mc;
	CURLMsg *m;

	if (next > 0 && ms_until(next) < w)
		w = ms_until(next);
	if (w < 0)
		w = 0;
	if (p->running) {
		mc = curl_multi_poll(p->multi, NULL, 0, w, NULL);
		if (mc != CURLM_OK)
			return err_set(err, "http: curl_multi_poll: %s", curl_multi_strerror(mc));
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
				finish(p, j, m->data.result);
		}
	}
	pump(p);
	return 0;
}

int http_pool_run(struct http_pool *p, int timeout_ms, struct vrs_err *err)
{
	double deadline = timeout_ms >= 0 ? now_s() + timeout_ms / 1000.0 : 0;

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
		if (http_pool_step(p, 1000, err) < 0)
			return -1;
	return d.rc;
}

void http_response_free(struct http_response *r)
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
		if (http_pool_step(p, 1000, err) < 0)
			return -1;
	if (w->rc < 0) {
		*err = w->err;
		return -1;
	}
	return 0;
}
