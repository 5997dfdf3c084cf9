/*
 * http_policy.c — the HTTP pool's rules as pure functions (unit-tested):
 * token bucket, full-jitter backoff and Retry-After, retry defaults, URL
 * checks (https, or plain http to loopback only), the classification of
 * statuses and curl failures into transient / refused, and the reader of the
 * response headers the client uses (see http.h).
 */
#include "providers/http.h"
#include "util/backoff.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEF_ATTEMPTS	  5
#define DEF_BASE_S	  0.5
#define DEF_CAP_S	  30.0
#define DEF_MAX_RA_S	  120.0
#define RETRY_AFTER_MAX_S 86400.0

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
	return backoff_rng_next(rng);
}

void http_retry_defaults(const struct http_retry_cfg *in, struct http_retry_cfg *out)
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

	http_retry_defaults(cfg, &c);
	return backoff_jitter_s(c.base_s, c.cap_s, n, rng);
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
	err_setc(err, http_status_errcode(st), "HTTP %d%s%s", st, n ? ": " : "", snip);
	err->http_status = st;
	if (err->code == VRS_E_TRANSIENT) {
		err->transient = true;
		return HTTP_RETRY;
	}
	return HTTP_FAIL;
}

enum vrs_errcode http_status_errcode(int status)
{
	if (status == 408 || status == 425 || status == 429 || status >= 500)
		return VRS_E_TRANSIENT;
	if (status == 401 || status == 403)
		return VRS_E_AUTH;
	return VRS_E_REMOTE;
}

bool http_curl_transient(int curl_code)
{
	switch ((CURLcode)curl_code) {
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

bool http_curl_not_sent(int curl_code, double connect_s)
{
	return curl_code == CURLE_COULDNT_CONNECT || curl_code == CURLE_COULDNT_RESOLVE_HOST ||
	       (curl_code == CURLE_OPERATION_TIMEDOUT && connect_s <= 0);
}

/* the value after a header's name, blanks trimmed on both sides */
static enum http_hdr hdr_value(enum http_hdr h, const char *v, const char *end, const char **val,
			       size_t *vlen)
{
	while (v < end && isspace((unsigned char)*v))
		v++;
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	*val = v;
	*vlen = (size_t)(end - v);
	return h;
}

enum http_hdr http_header_read(const char *line, size_t n, const char **val, size_t *vlen)
{
	const char *end = line + n;

	*val = NULL;
	*vlen = 0;
	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0)
		return HTTP_HDR_STATUS; /* a new response (after 1xx) */
	if (n > 13 && strncasecmp(line, "content-type:", 13) == 0)
		return hdr_value(HTTP_HDR_CTYPE, line + 13, end, val, vlen);
	if (n > 12 && strncasecmp(line, "retry-after:", 12) == 0)
		return hdr_value(HTTP_HDR_RETRY_AFTER, line + 12, end, val, vlen);
	if (n > 11 && strncasecmp(line, "set-cookie:", 11) == 0) {
		const char *v = line + 11, *e;

		while (v < end && isspace((unsigned char)*v))
			v++;
		for (e = v; e < end && *e != ';' && *e != '\r' && *e != '\n'; e++)
			;
		if (e > v && memchr(v, '=', (size_t)(e - v))) {
			*val = v;
			*vlen = (size_t)(e - v);
			return HTTP_HDR_COOKIE;
		}
	}
	return HTTP_HDR_OTHER;
}

double http_retry_after_parse(const char *v, time_t now)
{
	char *e;
	double d;
	time_t t;

	if (v == NULL)
		return -1;
	/* at most a day: "1e999", "inf" or a date in the year 9999 would overflow
	 * the callers' milliseconds (engine/deploy_send.c has no cap of its own) */
	d = strtod(v, &e);
	if (e != v && *e == 0 && d >= 0) /* inf too: capped */
		return d < RETRY_AFTER_MAX_S ? d : RETRY_AFTER_MAX_S;
	if (e != v && *e == 0)
		return -1; /* NaN, or negative */
	t = curl_getdate(v, NULL);
	if (t <= 0)
		return -1;
	if (t <= now)
		return 0;
	return t - now < RETRY_AFTER_MAX_S ? (double)(t - now) : RETRY_AFTER_MAX_S;
}

double http_retry_delay_s(const struct http_retry_cfg *cfg, int attempt, double retry_after_s,
			  uint64_t *rng, double *honoured_s)
{
	double d = http_backoff_s(cfg, attempt, rng);

	*honoured_s = -1;
	if (retry_after_s >= 0) {
		struct http_retry_cfg c;
		double ra;

		http_retry_defaults(cfg, &c);
		ra = retry_after_s < c.max_retry_after_s ? retry_after_s : c.max_retry_after_s;
		if (ra > d)
			d = ra;
		*honoured_s = ra;
	}
	return d;
}
