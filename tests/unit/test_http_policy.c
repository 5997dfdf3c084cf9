/* test_http_policy.c — the HTTP pool's pure parts: redaction and secret
 * masking, backoff and Retry-After, token bucket, URL loopback check, the
 * classification of statuses and curl failures. */
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/http.h"
#include "providers/probe.h"

static char *redact(const char *in)
{
	struct buf b;

	buf_init(&b);
	assert_int_equal(http_redact(in, &b), 0);
	return buf_detach(&b);
}

#define EXPECT_REDACT(in, want)                                                                    \
	do {                                                                                       \
		char *got_ = redact(in);                                                           \
		assert_string_equal(got_, want);                                                   \
		free(got_);                                                                        \
	} while (0)

static void test_redact_headers(void **state)
{
	(void)state;
	EXPECT_REDACT("Authorization: Bearer 1|abcdef", "Authorization: [REDACTED]");
	EXPECT_REDACT("authorization:Bearer x", "authorization: [REDACTED]");
	EXPECT_REDACT("Cookie: domrobot=abc123", "Cookie: [REDACTED]");
	EXPECT_REDACT("Set-Cookie: domrobot=abc; path=/", "Set-Cookie: [REDACTED]");
	EXPECT_REDACT("Content-Type: application/json", "Content-Type: application/json");
	EXPECT_REDACT("> Authorization: Bearer 1|abc", "> Authorization: [REDACTED]");
	EXPECT_REDACT("< Set-Cookie: domrobot=abc", "< Set-Cookie: [REDACTED]");
}

static void test_redact_json(void **state)
{
	(void)state;
	EXPECT_REDACT(
	    "{\"method\":\"account.login\",\"params\":{\"user\":\"u\",\"pass\":\"s\\\"3c\"}}",
	    "{\"method\":\"account.login\",\"params\":{\"user\":\"u\",\"pass\":\"[REDACTED]\"}}");
	EXPECT_REDACT("{\"tan\": \"042917\"}", "{\"tan\": \"[REDACTED]\"}");
	EXPECT_REDACT("{\"tan\":42917,\"x\":1}", "{\"tan\":[REDACTED],\"x\":1}");
	EXPECT_REDACT("{\"authCode\":\"Xy7$-abc\",\"auth_code\":\"q\"}",
		      "{\"authCode\":\"[REDACTED]\",\"auth_code\":\"[REDACTED]\"}");
	EXPECT_REDACT("{\"key\":\"SMTP_PASSWORD\",\"value\":\"hunter2\"}",
		      "{\"key\":\"SMTP_PASSWORD\",\"value\":\"[REDACTED]\"}");
	/* a value that looks like a key is not a key */
	EXPECT_REDACT("{\"msg\":\"pass\",\"n\":1}", "{\"msg\":\"pass\",\"n\":1}");
	/* nested values and truncated input do not crash */
	EXPECT_REDACT("{\"token\":{\"a\":1}}", "{\"token\":{\"a\":1}}");
	EXPECT_REDACT("{\"pass\":\"unterminated", "{\"pass\":\"[REDACTED]\"");
	EXPECT_REDACT("{\"pass", "{\"pass");
}

static void test_redact_form(void **state)
{
	(void)state;
	EXPECT_REDACT("GET /x?user=a&pass=secret&y=1", "GET /x?user=a&pass=[REDACTED]&y=1");
	EXPECT_REDACT("token=abc", "token=[REDACTED]");
	EXPECT_REDACT("bypass=1", "bypass=1");
}

static void test_policy(void **state)
{
	struct http_retry_cfg c = {5, 0.5, 30, 10}, d;
	uint64_t rng = 9;
	double ra, w;

	(void)state;
	/* statuses: transient, auth, refused */
	assert_int_equal(http_status_errcode(429), VRS_E_TRANSIENT);
	assert_int_equal(http_status_errcode(503), VRS_E_TRANSIENT);
	assert_int_equal(http_status_errcode(408), VRS_E_TRANSIENT);
	assert_int_equal(http_status_errcode(401), VRS_E_AUTH);
	assert_int_equal(http_status_errcode(403), VRS_E_AUTH);
	assert_int_equal(http_status_errcode(404), VRS_E_REMOTE);
	assert_int_equal(http_status_errcode(422), VRS_E_REMOTE);
	/* curl failures */
	assert_true(http_curl_transient(CURLE_COULDNT_CONNECT));
	assert_true(http_curl_transient(CURLE_OPERATION_TIMEDOUT));
	assert_false(http_curl_transient(CURLE_SSL_CACERT_BADFILE));
	assert_true(http_curl_not_sent(CURLE_COULDNT_RESOLVE_HOST, 0.2));
	assert_true(http_curl_not_sent(CURLE_OPERATION_TIMEDOUT, 0));
	assert_false(http_curl_not_sent(CURLE_OPERATION_TIMEDOUT, 0.1));
	assert_false(http_curl_not_sent(CURLE_RECV_ERROR, 0));
	/* Retry-After: seconds or an HTTP date */
	assert_true(http_retry_after_parse("7", 1000) == 7);
	assert_true(http_retry_after_parse("0.5", 1000) == 0.5);
	assert_true(http_retry_after_parse("soon", 1000) < 0);
	assert_true(http_retry_after_parse(NULL, 1000) < 0);
	assert_true(http_retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470) == 10);
	assert_true(http_retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490) == 0);
	/* defaults */
	http_retry_defaults(NULL, &d);
	assert_int_equal(d.attempts, 5);
	assert_true(d.base_s == 0.5 && d.cap_s == 30 && d.max_retry_after_s == 120);
	/* delay: a longer Retry-After wins, capped */
	w = http_retry_delay_s(&c, 1, 5, &rng, &ra);
	assert_true(w == 5 && ra == 5);
	w = http_retry_delay_s(&c, 1, 500, &rng, &ra);
	assert_true(w == 10 && ra == 10);
	w = http_retry_delay_s(&c, 1, -1, &rng, &ra);
	assert_true(w >= 0 && w <= 0.5 && ra < 0);
}

static void test_mask_secrets(void **state)
{
	char s1[] = "hunter22", s2[] = "tok-abc";
	char *secrets[] = {s1, s2};
	struct buf b;

	(void)state;
	buf_init(&b);
	buf_puts(&b, "> pass hunter22 and tok-abc, hunter22 again");
	http_mask_secrets(&b, secrets, 2);
	assert_string_equal(b.data, "> pass [REDACTED] and [REDACTED], [REDACTED] again");
	buf_reset(&b);
	buf_puts(&b, "nothing here");
	http_mask_secrets(&b, secrets, 2);
	assert_string_equal(b.data, "nothing here");
	buf_release(&b);
}

static void test_backoff(void **state)
{
	struct http_retry_cfg c = {5, 0.5, 30, 0};
	uint64_t rng = 42, rng2 = 42;
	double max_seen[8] = {0};

	(void)state;
	for (int i = 0; i < 2000; i++) {
		for (int n = 1; n <= 7; n++) {
			double d = http_backoff_s(&c, n, &rng);
			double ceil_s = 0.5 * (1 << (n - 1));

			if (ceil_s > 30)
				ceil_s = 30;
			assert_true(d >= 0 && d <= ceil_s);
			if (d > max_seen[n])
				max_seen[n] = d;
		}
	}
	/* full jitter spreads over the whole range */
	assert_true(max_seen[1] > 0.45);
	assert_true(max_seen[4] > 3.6);
	assert_true(max_seen[7] > 27);
	/* deterministic with the same seed */
	rng = 7;
	rng2 = 7;
	for (int i = 0; i < 10; i++)
		assert_true(http_backoff_s(&c, 3, &rng) == http_backoff_s(&c, 3, &rng2));
	/* defaults when the config is empty: cap 30 */
	struct http_retry_cfg z = {0, 0, 0, 0};
	for (int i = 0; i < 100; i++)
		assert_true(http_backoff_s(&z, 50, &rng) <= 30);
}

static void test_bucket(void **state)
{
	struct http_bucket b;
	int taken = 0;

	(void)state;
	http_bucket_init(&b, 2.0, 3, 100.0); /* 2/s, burst 3 */
	for (int i = 0; i < 3; i++)
		assert_true(http_bucket_take(&b, 100.0) == 0);
	double w = http_bucket_take(&b, 100.0);
	assert_true(w > 0.49 && w < 0.51);
	assert_true(http_bucket_take(&b, 100.25) > 0.24);
	assert_true(http_bucket_take(&b, 100.5) == 0);
	/* over 10 s at most burst + rate*10 tokens */
	http_bucket_init(&b, 2.0, 3, 0);
	for (double t = 0; t <= 10.0001; t += 0.01)
		if (http_bucket_take(&b, t) == 0)
			taken++;
	assert_true(taken >= 22 && taken <= 23);
	/* refill never exceeds the burst */
	http_bucket_init(&b, 1.0, 1, 0);
	assert_true(http_bucket_take(&b, 0) == 0);
	assert_true(http_bucket_take(&b, 1000) == 0);
	assert_true(http_bucket_take(&b, 1000) > 0.99);
	/* unlimited */
	http_bucket_init(&b, 0, 0, 0);
	for (int i = 0; i < 1000; i++)
		assert_true(http_bucket_take(&b, 0) == 0);
}

static void test_url_check(void **state)
{
	struct vrs_err err;
	static const char *ok[] = {
	    "https://coolify.example.com",
	    "http://127.0.0.1:8080/api/v1",
	    "http://127.1.2.3/",
	    "http://localhost:1/jsonrpc/",
	    "http://[::1]:99/x",
	    "HTTP://LOCALHOST",
	    "https://api.domrobot.com/jsonrpc/",
	};
	static const char *bad[] = {
	    "http://example.com/",
	    "http://127.0.0.1.evil.com/",
	    "http://127.0.0.1@evil.com/",
	    "http://128.0.0.1/",
	    "ftp://127.0.0.1/",
	    "http://[::2]/",
	    "file:///etc/passwd",
	    "",
	    "http://",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		err_clear(&err);
		assert_int_equal(http_url_check(ok[i], &err), 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&err);
		assert_int_equal(http_url_check(bad[i], &err), -1);
		assert_true(err.msg[0] != 0);
	}
	err_clear(&err);
	http_url_check("http://example.com/", &err);
	assert_non_null(strstr(err.msg, "plain http:// is refused"));
}

static void test_classify_default(void **state)
{
	struct http_response r;
	struct vrs_err err;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.status = 200;
	err_clear(&err);
	assert_int_equal(http_classify_default(NULL, &r, &err), HTTP_OK);
	r.status = 503;
	r.body = "  upstream down\nmore";
	assert_int_equal(http_classify_default(NULL, &r, &err), HTTP_RETRY);
	assert_string_equal(err.msg, "HTTP 503: upstream down");
	assert_true(err.transient);
	assert_int_equal(err.http_status, 503);
	err_clear(&err);
	r.status = 404;
	r.body = NULL;
	assert_int_equal(http_classify_default(NULL, &r, &err), HTTP_FAIL);
	assert_string_equal(err.msg, "HTTP 404");
	assert_false(err.transient);
	r.status = 429;
	assert_int_equal(http_classify_default(NULL, &r, &err), HTTP_RETRY);
}

struct cancel_seen {
	int calls, rc;
	enum vrs_errcode code;
	bool transient;
};

static void on_cancel_done(void *ud, int rc, struct http_response *resp, struct vrs_err *err)
{
	struct cancel_seen *c = ud;

	(void)resp;
	c->calls++;
	c->rc = rc;
	c->code = err ? err->code : VRS_E_FAILED;
	c->transient = err ? err->transient : true;
}

/* a stop: a request waiting (here: its delay) is delivered at once as interrupted */
static void test_cancel(void **state)
{
	struct vrs_err err;
	struct http_pool *p;
	struct http_service *s;
	struct http_service_cfg cfg = {.name = "svc"};
	struct http_request req = {
	    .method = "GET", .url = "http://127.0.0.1:9/x", .delay_ms = 60000};
	struct http_response out;
	struct cancel_seen c = {0};
	volatile sig_atomic_t stop = 1;

	(void)state;
	err_clear(&err);
	p = http_pool_new(&err);
	assert_non_null(p);
	s = http_service_add(p, &cfg, &err);
	assert_non_null(s);
	assert_int_equal(http_submit(p, s, &req, on_cancel_done, &c, &err), 0);
	assert_int_equal(http_pool_pending(p), 1);
	http_pool_cancel(p);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.rc, -1);
	assert_int_equal(c.code, VRS_E_INTERRUPTED);
	assert_false(c.transient);
	assert_int_equal(http_pool_pending(p), 0);
	/* a blocking call under a set stop flag returns at once, interrupted */
	http_pool_set_stop(p, &stop);
	err_clear(&err);
	assert_int_equal(http_do(p, s, &req, &out, &err), -1);
	assert_int_equal(err.code, VRS_E_INTERRUPTED);
	http_response_release(&out);
	/* the pool stays usable: a new request queues */
	http_pool_set_stop(p, NULL);
	assert_int_equal(http_submit(p, s, &req, on_cancel_done, &c, &err), 0);
	http_pool_free(p);
}

/* VRS_CONNECT_TO, a test setting: loopback hosts only, into curl's CONNECT_TO form */
static void test_probe_connect_to(void **state)
{
	char line[128];
	struct vrs_err err;

	(void)state;
	assert_int_equal(probe_connect_to_line("127.0.0.1:8443", line, sizeof(line), &err), 0);
	assert_string_equal(line, "::127.0.0.1:8443");
	assert_int_equal(probe_connect_to_line("[::1]:443", line, sizeof(line), &err), 0);
	assert_string_equal(line, "::[::1]:443");
	assert_int_equal(probe_connect_to_line("localhost:1", line, sizeof(line), &err), 0);
	assert_int_equal(probe_connect_to_line("203.0.113.10:443", line, sizeof(line), &err), -1);
	assert_int_equal(err.code, VRS_E_INVALID);
	assert_non_null(strstr(err.msg, "loopback"));
	assert_int_equal(probe_connect_to_line("example.org:443", line, sizeof(line), &err), -1);
	assert_int_equal(probe_connect_to_line("127.0.0.1:0", line, sizeof(line), &err), -1);
	assert_int_equal(probe_connect_to_line("127.0.0.1", line, sizeof(line), &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_redact_headers),   cmocka_unit_test(test_redact_json),
	    cmocka_unit_test(test_redact_form),	     cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_policy),	     cmocka_unit_test(test_mask_secrets),
	    cmocka_unit_test(test_bucket),	     cmocka_unit_test(test_url_check),
	    cmocka_unit_test(test_classify_default), cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_probe_connect_to),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
