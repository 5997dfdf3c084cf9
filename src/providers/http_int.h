/*
 * http_int.h — the HTTP pool's inside, shared by http.c (pool, queues,
 * scheduling) and http_easy.c (one curl transfer: options, headers, the
 * outcome): the job, service and pool structs and the tracing helpers.
 */
#ifndef VRS_HTTP_INT_H
#define VRS_HTTP_INT_H

#include <curl/curl.h>

#include "providers/http.h"

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
	void (*drop)(void *ud);
	double not_before;
	int attempt;
	CURL *easy;
	char curl_err[CURL_ERROR_SIZE];
	struct buf rbody;
	struct buf cookies;
	char *ctype;
	double retry_after;
	bool too_big;
	long long cert_not_after;
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
	char *ca_file;		       /* or NULL */
	struct curl_slist *connect_to; /* or NULL */
	bool certinfo;
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
	bool cancelling;	     /* inside http_pool_cancel: submissions are refused */
	volatile sig_atomic_t *stop; /* blocking waits cancel once it is set */
	uint64_t rng;
	unsigned long long retries; /* retries queued over the pool's life (metrics) */
	http_trace_fn trace;
	void *trace_ud;
	char **secrets;
	size_t nsecrets;
};

double http_now_s(void);
/* one redacted trace line (no-op without a trace callback) */
void http_trace(struct http_pool *p, const struct http_service *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void http_trace_body(struct http_pool *p, const struct http_service *s, const char *dir,
		     const char *body, size_t len);
/* queue j on s (front: retries of a serialised service go first) */
void http_q_push(struct http_service *s, struct job *j, bool front);
void http_job_free(struct job *j);
/* add j's transfer to the multi handle; -1 when curl refuses */
int http_job_start(struct http_pool *p, struct job *j);
/* hand j's outcome to its callback and free j */
void http_job_deliver(struct http_pool *p, struct job *j, int rc, struct vrs_err *err,
		      bool have_resp, long status);
/* j's transfer ended with cc: deliver, or queue a retry */
void http_job_finish(struct http_pool *p, struct job *j, CURLcode cc);

#endif
