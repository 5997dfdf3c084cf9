/*
 * fuzz_headers.c — libFuzzer target: any bytes as the header block of HTTP
 * answers, one line per '\n' as curl hands them to the client. Each line goes
 * through http_header_read (the reader http_easy.c uses); a Retry-After value
 * through http_retry_after_parse (-1, or 0 to 86400 seconds: never NaN or
 * infinite, which the callers would turn into milliseconds); the
 * Set-Cookie pairs of each answer (a "HTTP/" line starts the next one) into
 * the INWX cookie jar (inwx_jar_take), which must stay one "Cookie: " line;
 * the content type into the Coolify error reader, as an error answer would.
 * Built by tests/fuzz/run.sh; tests/unit/test_fuzz_regress.c replays it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "providers/coolify.h"
#include "providers/http.h"
#include "providers/inwx_int.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fh_dup(const char *s, size_t n)
{
	char *r = malloc(n + 1);

	if (r) {
		memcpy(r, s, n);
		r[n] = 0;
	}
	return r;
}

/* merge one answer's cookies into the jar; the jar must stay one header line */
static void fh_jar(char **jar, struct buf *cookies)
{
	if (cookies->len == 0)
		return;
	if (inwx_jar_take(jar, cookies->data) == 0 &&
	    (strncmp(*jar, "Cookie: ", 8) != 0 || strpbrk(*jar, "\r\n")))
		abort();
	buf_reset(cookies);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char *jar = NULL, *ctype = NULL;
	struct buf cookies;
	struct vrs_err err;

	buf_init(&cookies);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p), vlen;
		const char *v;
		char *s;

		switch (http_header_read(p, n, &v, &vlen)) {
		case HTTP_HDR_STATUS:
			fh_jar(&jar, &cookies);
			break;
		case HTTP_HDR_CTYPE:
			free(ctype);
			ctype = fh_dup(v, vlen);
			break;
		case HTTP_HDR_RETRY_AFTER:
			if ((s = fh_dup(v, vlen)) != NULL) {
				double d = http_retry_after_parse(s, 1700000000);

				if (!(d == -1 || (d >= 0 && d <= 86400)))
					abort();
				free(s);
			}
			break;
		case HTTP_HDR_COOKIE:
			if (memchr(v, 0, vlen) == NULL) { /* curl hands no NUL inside a line */
				if (cookies.len)
					buf_puts(&cookies, "; ");
				buf_append(&cookies, v, vlen);
			}
			break;
		case HTTP_HDR_OTHER:
			break;
		}
		p += n;
	}
	fh_jar(&jar, &cookies);
	err_clear(&err);
	coolify_error_text(503, "<html><body>busy</body></html>", ctype, &err);
	free(jar);
	free(ctype);
	buf_release(&cookies);
	return 0;
}
