/* test_providers.c — pure parts of the providers: redaction, backoff, token
 * bucket, URL loopback check, default classifier, secret files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "providers/http.h"
#include "util/secret.h"

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

static void test_secret_files(void **state)
{
	char dir[] = "/tmp/vrs-secret-XXXXXX", path[256];
	struct vrs_err err;
	char *v = NULL;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/token", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("1|secret-token\n\n", f);
	fclose(f);
	chmod(path, 0644);
	err_clear(&err);
	assert_int_equal(secret_read_file(path, &v, &err), -1);
	assert_null(v);
	assert_non_null(strstr(err.msg, "too open"));
	assert_non_null(strstr(err.msg, "0644"));
	chmod(path, 0600);
	err_clear(&err);
	assert_int_equal(secret_read_file(path, &v, &err), 0);
	assert_string_equal(v, "1|secret-token");
	secret_free(v);

	/* NAME_FILE through secret_get, and NAME + NAME_FILE together refused */
	unsetenv("VRS_TEST_SECRET");
	setenv("VRS_TEST_SECRET_FILE", path, 1);
	assert_int_equal(secret_get("VRS_TEST_SECRET", &v, &err), 0);
	assert_string_equal(v, "1|secret-token");
	secret_free(v);
	setenv("VRS_TEST_SECRET", "direct", 1);
	assert_int_equal(secret_get("VRS_TEST_SECRET", &v, &err), -1);
	assert_non_null(strstr(err.msg, "both"));
	unsetenv("VRS_TEST_SECRET_FILE");
	assert_int_equal(secret_get("VRS_TEST_SECRET", &v, &err), 0);
	assert_string_equal(v, "direct");
	secret_free(v);
	unsetenv("VRS_TEST_SECRET");
	assert_int_equal(secret_get("VRS_TEST_SECRET", &v, &err), 0);
	assert_null(v);
	/* group-readable through _FILE: the message names the variable */
	chmod(path, 0640);
	setenv("VRS_TEST_SECRET_FILE", path, 1);
	assert_int_equal(secret_get("VRS_TEST_SECRET", &v, &err), -1);
	assert_non_null(strstr(err.msg, "VRS_TEST_SECRET_FILE"));
	unsetenv("VRS_TEST_SECRET_FILE");
	/* missing file */
	assert_int_equal(secret_read_file("/nonexistent/x", &v, &err), -1);
	unlink(path);
	rmdir(dir);
}

static void test_creds(void **state)
{
	struct provider_creds c;
	struct vrs_err err;

	(void)state;
	err_clear(&err);
	setenv("VRS_COOLIFY_URL", "http://127.0.0.1:1/", 1);
	setenv("VRS_COOLIFY_TOKEN", "tok", 1);
	setenv("VRS_INWX_URL", "ote", 1);
	setenv("VRS_COOLIFY_RATE", "600", 1);
	assert_int_equal(provider_creds_load(&c, &err), 0);
	assert_string_equal(c.coolify_url, "http://127.0.0.1:1");
	assert_string_equal(c.inwx_url, INWX_URL_OTE);
	assert_true(c.coolify_rate_per_min == 600);
	assert_int_equal(provider_creds_require_coolify(&c, &err), 0);
	assert_int_equal(provider_creds_require_inwx(&c, &err), -1);
	provider_creds_free(&c);
	setenv("VRS_COOLIFY_RATE", "fast", 1);
	assert_int_equal(provider_creds_load(&c, &err), -1);
	assert_non_null(strstr(err.msg, "VRS_COOLIFY_RATE"));
	unsetenv("VRS_COOLIFY_RATE");
	unsetenv("VRS_INWX_URL");
	assert_int_equal(provider_creds_load(&c, &err), 0);
	assert_string_equal(c.inwx_url, INWX_URL_PROD);
	assert_true(c.coolify_rate_per_min == 200);
	provider_creds_free(&c);
	unsetenv("VRS_COOLIFY_URL");
	unsetenv("VRS_COOLIFY_TOKEN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_redact_headers),
	    cmocka_unit_test(test_redact_json),
	    cmocka_unit_test(test_redact_form),
	    cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_bucket),
	    cmocka_unit_test(test_url_check),
	    cmocka_unit_test(test_classify_default),
	    cmocka_unit_test(test_secret_files),
	    cmocka_unit_test(test_creds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
