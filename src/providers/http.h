/*
 * http.h — asynchronous HTTP client pool over one libcurl multi handle.
 *
 * A pool drives many requests concurrently. Each request belongs to a
 * service (coolify, inwx, ...) registered with http_service_add(); a service
 * has a cap on requests in flight (serialize = exactly one, FIFO), a token
 * bucket rate budget, timeouts, a response size cap and a retry policy
 * (exponential backoff with full jitter, Retry-After honoured on 429/503).
 *
 * Usage:
 *   pool = http_pool_new(&err);
 *   svc  = http_service_add(pool, &cfg, &err);
 *   http_submit(pool, svc, &req, done_cb, ud, &err);   // copies req
 *   http_pool_run(pool, timeout_ms, &err);             // or http_pool_step()
 * The done callback runs exactly once per submitted request, from inside
 * http_pool_step/run/http_do (never from http_submit). rc 0 = success (the
 * classifier accepted the response), -1 = failure with err filled
 * ("svc: METHOD label: HTTP 503: ... (after 5 attempts)"). resp is NULL when no
 * response arrived; the callback may steal resp->body (set it to NULL).
 *
 * Event loops: http_pool_pollfds() + http_pool_timeout_ms() give what to
 * wait on; call http_pool_step(pool, 0) when a fd is ready or the timeout
 * passes. http_do() is the blocking form (drives the whole pool meanwhile);
 * never call it (or the blocking coolify/inwx forms) from inside a callback.
 *
 * Security: https peers are always verified; plain http:// is refused unless
 * the host is loopback (127.0.0.0/8, ::1, localhost); redirects are not
 * followed. The trace callback receives redacted lines only (http_redact),
 * and every string registered with http_pool_add_secret is masked as well.
 */
#ifndef VRS_HTTP_H
#define VRS_HTTP_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util/buf.h"
#include "util/err.h"

struct http_pool;
struct http_service;

struct http_retry_cfg {
	int attempts;		  /* total attempts including the first; 0 = default 5 */
	double base_s;		  /* first backoff ceiling; 0 = default 0.5 */
	double cap_s;		  /* backoff ceiling cap; 0 = default 30 */
	double max_retry_after_s; /* longest Retry-After honoured; 0 = default 120 */
};

struct http_service_cfg {
	const char *name;	/* "coolify", "inwx": prefixes errors and traces */
	int max_in_flight;	/* 0 = unlimited */
	double rate_per_sec;	/* token bucket refill; 0 = unlimited */
	int burst;		/* bucket size; 0 = max(1, rate) */
	bool serialize;		/* one at a time, strictly in submit order */
	int connect_timeout_ms; /* 0 = default 10000 */
	int timeout_ms;		/* whole transfer; 0 = default 60000 */
	size_t max_body;	/* response cap; 0 = default 8 MB */
	struct http_retry_cfg retry;
	/* TLS probes (probe.c): an extra CA file beside the system store, a curl
	 * CONNECT_TO line ("::127.0.0.1:8443"), the peer's notAfter, a fresh
	 * connection each time (the handshake is what is observed) */
	const char *ca_file, *connect_to;
	bool certinfo;
};

struct http_response {
	int status; /* HTTP status, 0 if none */
	char *body; /* NUL-terminated, may be stolen by the callback */
	size_t body_len;
	char *content_type;	  /* or NULL */
	char *cookies;		  /* "a=1; b=2" from Set-Cookie (attributes dropped), or NULL */
	double retry_after_s;	  /* -1 when absent */
	int attempts;		  /* attempts made */
	long long cert_not_after; /* certinfo services: the peer's notAfter (unix s), 0 unseen */
};

/* what a classifier decides about a response */
enum http_verdict {
	HTTP_OK,    /* deliver with rc 0 */
	HTTP_FAIL,  /* deliver with rc -1 and the classifier's err */
	HTTP_RETRY, /* transient: back off and retry (err kept if attempts run out) */
};

/* Classify a complete response; fill err (without the "svc: METHOD label: "
 * prefix) for FAIL/RETRY. NULL = http_classify_default. */
typedef enum http_verdict (*http_classify_fn)(void *ud, const struct http_response *resp,
					      struct vrs_err *err);
typedef void (*http_done_fn)(void *ud, int rc, struct http_response *resp, struct vrs_err *err);
/* one trace line, already redacted; service may be NULL */
typedef void (*http_trace_fn)(void *ud, const char *service, const char *line);

struct http_request {
	const char *method; /* "GET", "POST", "PATCH", "DELETE" */
	const char *url;    /* absolute URL */
	const char *label;  /* for errors/traces, e.g. "/applications/dockerimage"; NULL = url */
	const char *body;   /* or NULL */
	size_t body_len;    /* 0 = strlen(body) */
	const char *const *headers; /* "Name: value" lines, NULL-terminated, or NULL */
	bool idempotent;	    /* false: retry only when the request surely did not land
				       (connect failure, 429); GET/DELETE/PATCH are always idempotent */
	int delay_ms;		    /* do not start before now + delay_ms */
	http_classify_fn classify;
	void *classify_ud;
	/* the pool was freed with the request unanswered: no callback, drop(ud) frees ud */
	void (*drop)(void *ud);
};

/* pool lifecycle */
struct http_pool *http_pool_new(struct vrs_err *err);
void http_pool_free(struct http_pool *p); /* unanswered requests: no callback, their drop() */
/* forget every request queued or in flight as http_pool_free does, keeping the pool
 * (their callers' runs are over: a later blocking call must not answer them) */
void http_pool_drop(struct http_pool *p);
void http_pool_set_trace(struct http_pool *p, http_trace_fn fn, void *ud);
/* mask this literal (len >= 4) in every trace line; the pool keeps a copy */
int http_pool_add_secret(struct http_pool *p, const char *secret);
void http_pool_seed(struct http_pool *p, uint64_t seed); /* jitter RNG, for tests */
/* cap on requests in flight over all services (--parallelism); 0 = none */
void http_pool_set_max_in_flight(struct http_pool *p, int n);
/* the service's cap on requests in flight (n <= 0: unlimited; a serialized service stays 1) */
void http_service_set_max_in_flight(struct http_service *s, int n);
int http_pool_in_flight(const struct http_pool *p);
/* retries queued (a transient answer or failure asked again) since the pool was made */
unsigned long long http_pool_retries(const struct http_pool *p);

struct http_service *http_service_add(struct http_pool *p, const struct http_service_cfg *cfg,
				      struct vrs_err *err);
const char *http_service_name(const struct http_service *s);

/* queue a request (copied); -1 on a refused URL or out of memory (no callback then) */
int http_submit(struct http_pool *p, struct http_service *s, const struct http_request *req,
		http_done_fn cb, void *ud, struct vrs_err *err);
/* requests queued or in flight */
size_t http_pool_pending(const struct http_pool *p);
/* one step: wait up to wait_ms for activity, run callbacks; 0 or -1 on a curl failure */
int http_pool_step(struct http_pool *p, int wait_ms, struct vrs_err *err);
/* the same, waiting on fd too (readable: *fd_ready); fd < 0: none */
int http_pool_step_fd(struct http_pool *p, int wait_ms, int fd, bool *fd_ready,
		      struct vrs_err *err);
/*
 * A stop: every request queued (a retry waiting out its backoff, or one not
 * sent yet) and every one in flight is delivered now as failed, code
 * VRS_E_INTERRUPTED, not transient; requests submitted from those callbacks
 * are refused the same way. The pool stays usable afterwards.
 */
void http_pool_cancel(struct http_pool *p);
/* blocking waits (http_do, http_waiter_wait) cancel everything once *stop is set; NULL: none */
void http_pool_set_stop(struct http_pool *p, volatile sig_atomic_t *stop);
/* step until nothing is pending (0) or timeout_ms passes (-1, "timeout"); timeout_ms < 0 = none */
int http_pool_run(struct http_pool *p, int timeout_ms, struct vrs_err *err);
/* for an external loop: fds to poll (returns count, <= max), and the longest wait in ms (-1 idle)
 */
int http_pool_pollfds(struct http_pool *p, struct pollfd *fds, int max);
int http_pool_timeout_ms(struct http_pool *p);

/* blocking: submit and drive the pool until this request finished. On success
 * *out holds the response (free with http_response_release), also on failure
 * when a response arrived (else status 0). Returns 0 / -1. */
int http_do(struct http_pool *p, struct http_service *s, const struct http_request *req,
	    struct http_response *out, struct vrs_err *err);
void http_response_release(struct http_response *r);

/*
 * Blocking on an asynchronous typed call (coolify.c, inwx.c): pass
 * http_waiter_cb and a zeroed waiter as its callback, then http_waiter_wait
 * drives the pool until the callback ran. 0 with w->res set, or -1 with err.
 */
struct http_waiter {
	bool done;
	int rc;
	void *res;
	struct vrs_err err;
};
void http_waiter_cb(void *ud, int rc, void *res, struct vrs_err *err);
int http_waiter_wait(struct http_pool *p, struct http_waiter *w, struct vrs_err *err);

/* ---- pure helpers (unit tested) ---- */

/* the default classifier: 2xx OK; 408/425/429/5xx RETRY; else FAIL "HTTP n: <body start>" */
enum http_verdict http_classify_default(void *ud, const struct http_response *resp,
					struct vrs_err *err);
/* 0 when url is https, or http to a loopback host; else -1 with a clear message */
int http_url_check(const char *url, struct vrs_err *err);
/* redact one trace line or body into out (appended): Authorization/Cookie
 * headers, and JSON or form values of pass, password, tan, authCode,
 * auth_code, token, secret, value, real_value */
int http_redact(const char *in, struct buf *out);

/* mask every literal of secrets[0..n) in line ("[REDACTED]") */
int http_mask_secrets(struct buf *line, char *const *secrets, size_t n);

/* the error code of a refused HTTP status: VRS_E_TRANSIENT (408, 425, 429,
 * 5xx: retried), VRS_E_AUTH (401, 403) or VRS_E_REMOTE */
enum vrs_errcode http_status_errcode(int status);
/* a curl failure (CURLcode) worth retrying: resolve, connect, timeout, reset */
bool http_curl_transient(int curl_code);
/* the request surely never reached the server (no connection was made) */
bool http_curl_not_sent(int curl_code, double connect_s);
/* a Retry-After value (seconds, or an HTTP date relative to now): seconds, at
 * most 86400 (a day), -1 if unreadable */
double http_retry_after_parse(const char *v, time_t now);
/* the response headers the client reads (http_header_read) */
enum http_hdr {
	HTTP_HDR_OTHER,
	HTTP_HDR_STATUS,
	HTTP_HDR_CTYPE,
	HTTP_HDR_RETRY_AFTER,
	HTTP_HDR_COOKIE
};
/* one header line as curl hands it ("Name: value\r\n", not NUL-terminated):
 * which one it is and its value, blanks trimmed (*val, *vlen); for Set-Cookie
 * the first "name=value" pair (attributes dropped), HTTP_HDR_OTHER without '=' */
enum http_hdr http_header_read(const char *line, size_t n, const char **val, size_t *vlen);
/* fill unset retry settings with the defaults (5 attempts, 0.5 s, 30 s, 120 s) */
void http_retry_defaults(const struct http_retry_cfg *in, struct http_retry_cfg *out);
/* the wait before retry `attempt`: the backoff, or a longer Retry-After
 * (capped at max_retry_after_s; *honoured_s = that, or -1 without one) */
double http_retry_delay_s(const struct http_retry_cfg *cfg, int attempt, double retry_after_s,
			  uint64_t *rng, double *honoured_s);

/* token bucket with an injected clock (seconds) */
struct http_bucket {
	double rate, burst, tokens, last;
};
void http_bucket_init(struct http_bucket *b, double rate, double burst, double now);
/* take one token: 0 = taken, else the seconds to wait until one is available */
double http_bucket_take(struct http_bucket *b, double now);

/* full-jitter backoff for retry number n (1 = first retry): uniform in
 * [0, min(cap, base * 2^(n-1))]; *rng is an xorshift64 state (nonzero) */
double http_backoff_s(const struct http_retry_cfg *cfg, int n, uint64_t *rng);
uint64_t http_rng_next(uint64_t *rng);

#endif
