/*
 * probe.c — the HTTPS health probe (probe.h): a GET through the pool whose
 * every answer (any status) is delivered, and whose failure to connect or
 * to verify TLS is delivered with curl's words, so the caller can say what
 * it saw.
 */
#include "providers/probe.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBE_CONNECT_MS 5000
#define PROBE_TIMEOUT_MS 10000
#define PROBE_MAX_BODY	 (64u * 1024u)

struct probe {
	struct http_pool *pool;
	struct http_service *svc;
};

struct call {
	probe_cb cb;
	void *ud;
};

static bool loopback(const char *h)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (strcmp(h, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, h, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, h, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

int probe_connect_to_line(const char *v, char *out, size_t n, struct vrs_err *err)
{
	const char *colon = strrchr(v, ':');
	char host[64];
	char *end;
	long port;

	if (colon == NULL || colon == v || (size_t)(colon - v) >= sizeof(host))
		return err_setc(err, VRS_E_INVALID, "VRS_CONNECT_TO: %s: expected host:port", v);
	memcpy(host, v, (size_t)(colon - v));
	host[colon - v] = 0;
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return err_setc(err, VRS_E_INVALID, "VRS_CONNECT_TO: %s: bad port", v);
	if (!loopback(host))
		return err_setc(err, VRS_E_INVALID,
				"VRS_CONNECT_TO: %s: a test setting, loopback hosts only", v);
	snprintf(out, n, strchr(host, ':') ? "::[%s]:%ld" : "::%s:%ld", host, port);
	return 0;
}

struct probe *probe_new(struct http_pool *pool, const struct probe_opts *o, struct vrs_err *err)
{
	struct probe *p = calloc(1, sizeof(*p));
	char line[128];
	struct http_service_cfg cfg = {
	    .name = "probe",
	    .connect_timeout_ms = PROBE_CONNECT_MS,
	    .timeout_ms = PROBE_TIMEOUT_MS,
	    .max_body = PROBE_MAX_BODY,
	    .retry = {.attempts = 1},
	    .certinfo = true,
	};

	if (p == NULL) {
		err_setc(err, VRS_E_NOMEM, "out of memory");
		return NULL;
	}
	if (o && o->connect_to) {
		if (probe_connect_to_line(o->connect_to, line, sizeof(line), err) < 0) {
			free(p);
			return NULL;
		}
		cfg.connect_to = line;
	}
	cfg.ca_file = o ? o->ca_file : NULL;
	p->pool = pool;
	if ((p->svc = http_service_add(pool, &cfg, err)) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

void probe_free(struct probe *p)
{
	free(p); /* the service belongs to the pool */
}

/* every answer is an observation: the caller judges the status */
static enum http_verdict take_all(void *ud, const struct http_response *resp, struct vrs_err *err)
{
	(void)ud, (void)resp, (void)err;
	return HTTP_OK;
}

static void on_done(void *ud, int rc, struct http_response *resp, struct vrs_err *err)
{
	struct call *c = ud;
	struct probe_result r;

	memset(&r, 0, sizeof(r));
	if (resp) {
		r.status = resp->status;
		r.cert_not_after = resp->cert_not_after;
		r.tls_ok = rc == 0;
	}
	if (rc < 0 && err) {
		snprintf(r.error, sizeof(r.error), "%s", err->msg);
		r.interrupted = err->code == VRS_E_INTERRUPTED;
		r.tls_refused = err->code == VRS_E_TLS;
	}
	c->cb(c->ud, &r);
	free(c);
}

static void on_drop(void *ud)
{
	free(ud);
}

int probe_https_async(struct probe *p, const char *host, const char *path, probe_cb cb, void *ud,
		      struct vrs_err *err)
{
	struct call *c = malloc(sizeof(*c));
	char url[1024];
	struct http_request req = {
	    .method = "GET", .url = url, .idempotent = true, .classify = take_all, .drop = on_drop};

	if (c == NULL)
		return err_setc(err, VRS_E_NOMEM, "out of memory");
	snprintf(url, sizeof(url), "https://%s%s", host, path && path[0] == '/' ? path : "/");
	c->cb = cb;
	c->ud = ud;
	if (http_submit(p->pool, p->svc, &req, on_done, c, err) < 0) {
		free(c);
		return -1;
	}
	return 0;
}
