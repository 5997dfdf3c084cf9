/*
 * probe.h — the HTTPS health probe: one GET https://<host><path> through the
 * HTTP pool, TLS verified, recording what the handshake showed (the peer
 * certificate's notAfter). A service of its own: no rate limit, short
 * timeouts, no retries (the caller's wait polls with backoff).
 *
 * Test settings (loopback only): an extra CA file trusted beside the system
 * store (VRS_CA_FILE), and a CONNECT_TO address every probe connects to
 * (VRS_CONNECT_TO=host:port) while SNI and Host stay the domain's.
 */
#ifndef VRS_PROBE_H
#define VRS_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "providers/http.h"
#include "util/err.h"

struct probe;

struct probe_opts {
	const char *ca_file;	/* or NULL */
	const char *connect_to; /* "127.0.0.1:8443", or NULL */
};

/* what one probe saw */
struct probe_result {
	int status;		  /* HTTP status, 0 when no answer came */
	bool tls_ok;		  /* a verified handshake, an answer followed */
	bool tls_refused;	  /* a handshake whose certificate failed verification */
	long long cert_not_after; /* the peer's notAfter (unix s), 0 when not seen */
	char error[320];	  /* no answer: the TLS or connection error curl named */
	bool interrupted;	  /* a stop cancelled it: nothing was observed */
};

typedef void (*probe_cb)(void *ud, const struct probe_result *r);

struct probe *probe_new(struct http_pool *pool, const struct probe_opts *o, struct vrs_err *err);
void probe_free(struct probe *p);
/* GET https://host path (path starts with '/'); cb runs once, from the pool's step */
int probe_https_async(struct probe *p, const char *host, const char *path, probe_cb cb, void *ud,
		      struct vrs_err *err);

/* pure: "host:port" with a loopback host into curl's CONNECT_TO form ("::127.0.0.1:8443") */
int probe_connect_to_line(const char *v, char *out, size_t n, struct vrs_err *err);

#endif
