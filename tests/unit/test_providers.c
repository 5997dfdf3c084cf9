/* test_providers.c — pure parts of the providers: secret files and
 * credentials, Coolify error texts, parsers and endpoint checks, INWX result
 * codes and parsers (the HTTP policy is in test_http_policy.c). */
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

#include "providers/coolify.h"
#include "providers/http.h"
#include "providers/inwx_int.h"
#include "util/secret.h"

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
	provider_creds_release(&c);
	setenv("VRS_COOLIFY_RATE", "fast", 1);
	assert_int_equal(provider_creds_load(&c, &err), -1);
	assert_non_null(strstr(err.msg, "VRS_COOLIFY_RATE"));
	unsetenv("VRS_COOLIFY_RATE");
	unsetenv("VRS_INWX_URL");
	assert_int_equal(provider_creds_load(&c, &err), 0);
	assert_string_equal(c.inwx_url, INWX_URL_PROD);
	assert_true(c.coolify_rate_per_min == 200);
	provider_creds_release(&c);
	unsetenv("VRS_COOLIFY_URL");
	unsetenv("VRS_COOLIFY_TOKEN");
}

static void expect_cerr(int status, const char *body, const char *ct, const char *want)
{
	struct vrs_err err;

	err_clear(&err);
	coolify_error_text(status, body, ct, &err);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.http_status, status);
}

static void test_coolify_error_shapes(void **state)
{
	(void)state;
	expect_cerr(422,
		    "{\"message\":\"Validation failed.\",\"errors\":{\"name\":[\"This field is not "
		    "allowed.\"]}}",
		    "application/json",
		    "HTTP 422: Validation failed. (name: This field is not allowed.)");
	expect_cerr(
	    422,
	    "{\"message\":\"Validation failed.\",\"errors\":{\"a\":[\"x\",\"y\"],\"b\":\"z\"}}",
	    NULL, "HTTP 422: Validation failed. (a: x, y; b: z)");
	expect_cerr(422,
		    "{\"message\":\"Validation failed.\",\"errors\":[\"Invalid URL\",\"bad\"]}",
		    NULL, "HTTP 422: Validation failed. (Invalid URL, bad)");
	expect_cerr(422, "{\"message\":\"Validation failed.\",\"errors\":\"plain\"}", NULL,
		    "HTTP 422: Validation failed. (plain)");
	expect_cerr(400, "{\"message\":\"Invalid request.\",\"error\":\"Invalid JSON.\"}", NULL,
		    "HTTP 400: Invalid request. (Invalid JSON.)");
	expect_cerr(
	    409,
	    "{\"message\":\"Domain conflicts detected.\",\"conflicts\":[{\"domain\":\"https://"
	    "a\",\"message\":\"Domain https://a is already in use\"}]}",
	    NULL, "HTTP 409: Domain conflicts detected. (Domain https://a is already in use)");
	expect_cerr(404, "{\"message\":\"Application not found\"}", NULL,
		    "HTTP 404: Application not found");
	expect_cerr(500, "<html><body>Server Error</body></html>", "text/html; charset=UTF-8",
		    "HTTP 500: HTML error page (is the API enabled and the URL right?)");
	expect_cerr(502, "Bad gateway\nmore", "text/plain", "HTTP 502: Bad gateway");
	expect_cerr(401, "", NULL, "HTTP 401");
	expect_cerr(403, "{}", NULL, "HTTP 403: (no message)");
	expect_cerr(429, "[1,2]", NULL, "HTTP 429: [1,2]");
}

static void test_coolify_parse_shapes(void **state)
{
	struct vrs_err err;
	void *r = NULL;

	(void)state;
	err_clear(&err);
	assert_int_equal(coolify_parse(COOLIFY_K_TEXT, " \"4.3.11\"\n", &r, &err), 0);
	assert_string_equal(r, "4.3.11");
	free(r);
	assert_int_equal(coolify_parse(COOLIFY_K_APP,
				       "{\"uuid\":\"a1\",\"name\":\"roma\",\"fqdn\":null,"
				       "\"docker_registry_image_tag\":142,\"environment_id\":\"7\","
				       "\"status\":\"running:healthy\"}",
				       &r, &err),
			 0);
	struct coolify_app *a = r;
	assert_string_equal(a->uuid, "a1");
	assert_null(a->fqdn);
	assert_string_equal(a->image_tag, "142");
	assert_int_equal(a->environment_id, 7);
	coolify_app_free(a);
	assert_int_equal(coolify_parse(COOLIFY_K_ENVIRONMENT,
				       "{\"uuid\":\"e1\",\"name\":\"production\",\"applications\":["
				       "{\"uuid\":\"a1\",\"name\":\"x\"},{\"uuid\":\"a2\"}],"
				       "\"services\":[]}",
				       &r, &err),
			 0);
	struct coolify_environment *e = r;
	assert_int_equal(e->n_apps, 2);
	assert_string_equal(e->apps[1].uuid, "a2");
	coolify_environment_free(e);
	assert_int_equal(
	    coolify_parse(COOLIFY_K_APP_DEPLOYMENTS,
			  "{\"count\":\"37\",\"deployments\":[{\"deployment_uuid\":\"d1\","
			  "\"status\":\"finished\",\"application_id\":42}]}",
			  &r, &err),
	    0);
	struct coolify_deployment_list *dl = r;
	assert_int_equal(dl->count, 37);
	assert_string_equal(dl->v[0].application_id, "42");
	assert_true(coolify_deployment_terminal(dl->v[0].status));
	coolify_deployment_list_free(dl);
	assert_int_equal(coolify_parse(COOLIFY_K_DEPLOYMENTS, "[]", &r, &err), 0);
	coolify_deployment_list_free(r);
	/* GET /deployments as Laravel's sortBy() without values() answers it */
	assert_int_equal(coolify_parse(COOLIFY_K_DEPLOYMENTS,
				       "{\"2\":{\"deployment_uuid\":\"d2\",\"status\":\"queued\"},"
				       "\"0\":{\"deployment_uuid\":\"d0\",\"status\":"
				       "\"in_progress\"}}",
				       &r, &err),
			 0);
	dl = r;
	assert_int_equal(dl->n, 2);
	assert_string_equal(dl->v[0].deployment_uuid, "d2");
	assert_string_equal(dl->v[1].status, "in_progress");
	coolify_deployment_list_free(dl);
	assert_int_equal(
	    coolify_parse(COOLIFY_K_DEPLOYMENTS, "{\"x\":{\"deployment_uuid\":\"d\"}}", &r, &err),
	    -1);
	assert_int_equal(coolify_parse(COOLIFY_K_ENVS,
				       "[{\"uuid\":\"v1\",\"key\":\"A\",\"is_preview\":0},"
				       "{\"uuid\":\"v2\",\"key\":\"A\",\"is_preview\":\"true\","
				       "\"real_value\":\"x\"}]",
				       &r, &err),
			 0);
	struct coolify_env_list *el = r;
	assert_int_equal(el->n, 2);
	assert_false(el->v[0].is_preview);
	assert_true(el->v[1].is_preview);
	assert_string_equal(el->v[1].value, "x");
	coolify_env_list_free(el);
	assert_int_equal(
	    coolify_parse(COOLIFY_K_DEPLOY_RESULT,
			  "{\"deployments\":[{\"message\":\"queued\",\"resource_uuid\":"
			  "\"a1\",\"deployment_uuid\":\"d9\"}]}",
			  &r, &err),
	    0);
	coolify_deploy_result_free(r);
	/* wrong shapes and broken JSON are errors, not crashes */
	assert_int_equal(coolify_parse(COOLIFY_K_APPS, "{\"uuid\":\"a\"}", &r, &err), -1);
	assert_int_equal(coolify_parse(COOLIFY_K_APPS, "[{\"name\":\"no uuid\"}]", &r, &err), -1);
	assert_int_equal(coolify_parse(COOLIFY_K_APP, "{\"uuid\":", &r, &err), -1);
	assert_non_null(strstr(err.msg, "malformed JSON"));
	assert_int_equal(coolify_parse(COOLIFY_K_SERVERS, "", &r, &err), -1);
	assert_int_equal(coolify_parse(COOLIFY_K_SERVERS, "[1,2]", &r, &err), -1);
	assert_null(r);
}

static void no_cb(void *ud, int rc, void *res, struct vrs_err *err)
{
	(void)ud;
	(void)rc;
	(void)res;
	(void)err;
	fail();
}

static void test_coolify_endpoints(void **state)
{
	struct vrs_err err;
	struct http_pool *pool;
	struct coolify *c;
	char longid[600];
	const char *ids[2] = {"app-1", "bad/id"};
	struct coolify_app_update none = {0};
	struct coolify_env_input nokey = {0};

	(void)state;
	err_clear(&err);
	assert_int_equal(coolify_endpoint_kind(COOLIFY_APPS_LIST), COOLIFY_K_APPS);
	assert_int_equal(coolify_endpoint_kind(COOLIFY_ENV_PATCH), COOLIFY_K_ENV);
	assert_int_equal(coolify_endpoint_kind(COOLIFY_DEPLOY), COOLIFY_K_DEPLOY_RESULT);
	assert_int_equal(coolify_status_errcode(404), VRS_E_NOT_FOUND);
	assert_int_equal(coolify_status_errcode(409), VRS_E_EXISTS);
	assert_int_equal(coolify_status_errcode(401), VRS_E_AUTH);
	assert_int_equal(coolify_status_errcode(503), VRS_E_TRANSIENT);
	assert_int_equal(coolify_status_errcode(422), VRS_E_REMOTE);
	pool = http_pool_new(&err);
	assert_non_null(pool);
	c = coolify_new(pool, "http://127.0.0.1:9", "token-xyz", NULL, &err);
	assert_non_null(c);
	/* ids are checked before anything is sent */
	assert_int_equal(coolify_call(c, COOLIFY_ENV_DELETE, ids, NULL, NULL, no_cb, NULL, &err),
			 -1);
	assert_string_equal(err.msg,
			    "coolify: env uuid 'bad/id' has characters not allowed in a path");
	assert_int_equal(coolify_app_get_async(c, NULL, no_cb, NULL, &err), -1);
	assert_string_equal(err.msg, "coolify: application uuid is empty");
	/* bodies are validated */
	assert_int_equal(coolify_app_update_async(c, "app-1", &none, no_cb, NULL, &err), -1);
	assert_string_equal(err.msg, "coolify: PATCH /applications/app-1: nothing to update");
	assert_int_equal(coolify_env_create_async(c, "app-1", &nokey, no_cb, NULL, &err), -1);
	assert_string_equal(err.msg, "coolify: env key is required");
	assert_int_equal(coolify_deploy_async(c, NULL, 0, false, no_cb, NULL, &err), -1);
	assert_string_equal(err.msg, "coolify: POST /deploy: no application uuid given");
	assert_int_equal(coolify_project_create_async(c, NULL, NULL, no_cb, NULL, &err), -1);
	assert_string_equal(err.msg, "coolify: project name is required");
	/* a path that does not fit */
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = 0;
	assert_int_equal(coolify_app_get_async(c, longid, no_cb, NULL, &err), -1);
	assert_string_equal(err.msg, "coolify: path too long");
	assert_int_equal(http_pool_pending(pool), 0);
	coolify_free(c);
	http_pool_free(pool);
}

static void test_inwx_codes(void **state)
{
	struct vrs_err err;
	cJSON *j;

	(void)state;
	err_clear(&err);
	j = cJSON_Parse("{\"code\":1001,\"msg\":\"pending\"}");
	assert_int_equal(inwx_check_code(j, "domain.create", &err), 0);
	cJSON_Delete(j);
	j = cJSON_Parse("{\"code\":\"1500\"}");
	assert_int_equal(inwx_check_code(j, "account.logout", &err), 0);
	cJSON_Delete(j);
	j = cJSON_Parse("{\"code\":2302,\"msg\":\"Object exists\",\"reason\":\"Record exists\"}");
	assert_int_equal(inwx_check_code(j, "nameserver.createRecord", &err), -1);
	assert_string_equal(err.msg, "nameserver.createRecord: 2302 Object exists (Record exists)");
	assert_int_equal(err.remote_code, 2302);
	assert_int_equal(err.code, VRS_E_EXISTS);
	assert_false(err.transient);
	cJSON_Delete(j);
	err_clear(&err);
	j = cJSON_Parse("{\"code\":\"2303\",\"msg\":\"Object does not exist\"}");
	assert_int_equal(inwx_check_code(j, "nameserver.info", &err), -1);
	assert_int_equal(err.code, VRS_E_NOT_FOUND);
	cJSON_Delete(j);
	err_clear(&err);
	j = cJSON_Parse("{\"code\":2400,\"msg\":\"Command failed\"}");
	assert_int_equal(inwx_check_code(j, "m", &err), -1);
	assert_true(err.transient);
	assert_int_equal(err.code, VRS_E_TRANSIENT);
	cJSON_Delete(j);
	err_clear(&err);
	j = cJSON_Parse(
	    "{\"code\":2200,\"msg\":\"Authentication error\",\"reasonCode\":\"INVALID\"}");
	assert_int_equal(inwx_check_code(j, "account.unlock", &err), -1);
	assert_string_equal(err.msg, "account.unlock: 2200 Authentication error (INVALID)");
	assert_int_equal(err.code, VRS_E_AUTH);
	cJSON_Delete(j);
	j = cJSON_Parse("{\"msg\":\"no code\"}");
	assert_int_equal(inwx_check_code(j, "m", &err), -1);
	cJSON_Delete(j);
}

static void test_inwx_status(void **state)
{
	static const struct {
		int code;
		enum inwx_status st;
		enum vrs_errcode ec;
	} t[] = {
	    {1000, INWX_OK, VRS_E_FAILED},
	    {1001, INWX_OK, VRS_E_FAILED},
	    {1500, INWX_OK, VRS_E_FAILED},
	    {2002, INWX_E_USAGE, VRS_E_AUTH},
	    {2005, INWX_E_PARAM, VRS_E_REMOTE},
	    {2200, INWX_E_AUTH, VRS_E_AUTH},
	    {2201, INWX_E_AUTH, VRS_E_AUTH},
	    {2302, INWX_E_EXISTS, VRS_E_EXISTS},
	    {2303, INWX_E_NOT_FOUND, VRS_E_NOT_FOUND},
	    {2308, INWX_E_POLICY, VRS_E_REMOTE},
	    {2400, INWX_E_TRANSIENT, VRS_E_TRANSIENT},
	    {2500, INWX_E_SESSION, VRS_E_TRANSIENT},
	    {2502, INWX_E_OTHER, VRS_E_REMOTE},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(inwx_status_of(t[i].code), t[i].st);
		assert_int_equal(inwx_errcode(t[i].st), t[i].ec);
	}
}

static void test_inwx_rules(void **state)
{
	struct vrs_err err;
	struct inwx_rule_list *l = NULL;
	void *r = NULL;

	(void)state;
	err_clear(&err);
	assert_int_equal(
	    inwx_parse(
		INWX_K_RULES,
		"{\"code\":1000,\"resData\":{\"rules\":[{\"tld\":\"de\",\"authCode\":\"NO\"},"
		"{\"tld\":\"com\",\"authCode\":\"YES\"},{\"tld\":\"net\",\"authCode\":0},"
		"\"junk\"]}}",
		&r, &err),
	    0);
	l = r;
	assert_int_equal(l->n, 3);
	assert_false(inwx_rules_auth_code_needed(l, "de"));
	assert_true(inwx_rules_auth_code_needed(l, "com"));
	assert_true(inwx_rules_auth_code_needed(l, "net"));
	assert_true(inwx_rules_auth_code_needed(l, "org"));
	assert_true(inwx_rules_auth_code_needed(NULL, "de"));
	inwx_rule_list_free(l);
	assert_int_equal(inwx_parse(INWX_K_RULES, "{\"code\":1000}", &r, &err), 0);
	assert_true(inwx_rules_auth_code_needed(r, "de"));
	inwx_result_free(INWX_K_RULES, r);
}

static void test_inwx_parse_shapes(void **state)
{
	struct vrs_err err;
	void *r = NULL;

	(void)state;
	err_clear(&err);
	assert_int_equal(
	    inwx_parse(INWX_K_ZONE_INFO,
		       "{\"code\":1000,\"resData\":{\"roId\":\"980423\",\"domain\":"
		       "\"example.com\",\"count\":\"2\",\"record\":[{\"id\":2153811211,"
		       "\"name\":\"example.com\",\"type\":\"A\",\"content\":\"192.0.2.1\","
		       "\"ttl\":\"300\",\"prio\":\"0\"},{\"id\":\"2153811212\",\"name\":"
		       "\"www.example.com\",\"type\":\"CNAME\",\"content\":\"example.com\","
		       "\"ttl\":3600,\"prio\":0}]}}",
		       &r, &err),
	    0);
	struct inwx_zone_info *z = r;
	assert_int_equal(z->ro_id, 980423);
	assert_int_equal(z->n_records, 2);
	assert_string_equal(z->records[0].id, "2153811211");
	assert_string_equal(z->records[1].id, "2153811212");
	assert_int_equal(z->records[0].ttl, 300);
	inwx_zone_info_free(z);
	/* record omitted when nothing matches */
	assert_int_equal(inwx_parse(INWX_K_ZONE_INFO,
				    "{\"code\":1000,\"resData\":{\"roId\":1,\"domain\":\"x.de\"}}",
				    &r, &err),
			 0);
	assert_int_equal(((struct inwx_zone_info *)r)->n_records, 0);
	inwx_zone_info_free(r);
	assert_int_equal(
	    inwx_parse(INWX_K_ZONES,
		       "{\"code\":1000,\"resData\":{\"count\":\"3\",\"domains\":[{\"roId\":"
		       "1,\"domain\":\"a.de\",\"type\":\"MASTER\"}]}}",
		       &r, &err),
	    0);
	assert_int_equal(((struct inwx_zone_list *)r)->count, 3);
	inwx_zone_list_free(r);
	assert_int_equal(
	    inwx_parse(INWX_K_DOMAIN,
		       "{\"code\":1000,\"resData\":{\"roId\":1234567,\"domain\":"
		       "\"example.org\",\"status\":\"OK\",\"ns\":[\"ns.inwx.de\","
		       "\"ns2.inwx.de\"],\"exDate\":{\"scalar\":\"20270101T00:00:00\","
		       "\"timestamp\":1798761600},\"crDate\":1735689600,\"registrant\":"
		       "\"4711\",\"transferLock\":1}}",
		       &r, &err),
	    0);
	struct inwx_domain *d = r;
	assert_int_equal(d->ex_date, 1798761600);
	assert_int_equal(d->cr_date, 1735689600);
	assert_int_equal(d->registrant, 4711);
	assert_int_equal(d->n_ns, 2);
	assert_true(d->transfer_lock);
	inwx_domain_free(d);
	assert_int_equal(
	    inwx_parse(INWX_K_CREATED, "{\"code\":1000,\"resData\":{\"id\":2153811212}}", &r, &err),
	    0);
	assert_string_equal(((struct inwx_created *)r)->id, "2153811212");
	inwx_created_free(r);
	assert_int_equal(inwx_parse(INWX_K_ORDER,
				    "{\"code\":1001,\"resData\":{\"roId\":7,\"price\":\"9.99\","
				    "\"currency\":\"EUR\"}}",
				    &r, &err),
			 0);
	assert_int_equal(((struct inwx_order *)r)->code, 1001);
	assert_true(((struct inwx_order *)r)->price > 9.98);
	inwx_order_free(r);
	assert_int_equal(
	    inwx_parse(INWX_K_ZONES, "{\"code\":2303,\"msg\":\"Object does not exist\"}", &r, &err),
	    -1);
	assert_int_equal(err.remote_code, 2303);
	assert_int_equal(inwx_parse(INWX_K_ZONES, "{\"code\":1000", &r, &err), -1);
	assert_int_equal(inwx_parse(INWX_K_DOMAIN, "{\"code\":1000}", &r, &err), -1);
}

/* the typed answers doctor's probes rely on (Coolify's middleware bodies) */
static void test_coolify_answers(void **state)
{
	struct coolify_env_list *envs = NULL;
	struct vrs_err err;

	(void)state;
	assert_int_equal(coolify_answer_of(200, "4.3.11"), COOLIFY_ANS_OK);
	assert_int_equal(coolify_answer_of(401, "{\"message\":\"Unauthenticated.\"}"),
			 COOLIFY_ANS_UNAUTHENTICATED);
	assert_int_equal(coolify_answer_of(400, "{\"message\":\"Invalid token.\",\"docs\":\"x\"}"),
			 COOLIFY_ANS_INVALID_TOKEN);
	assert_int_equal(
	    coolify_answer_of(403, "{\"success\":true,\"message\":\"API is disabled.\"}"),
	    COOLIFY_ANS_API_DISABLED);
	assert_int_equal(coolify_answer_of(403, "{\"success\":true,\"message\":\"You are not "
						"allowed to access the API.\"}"),
			 COOLIFY_ANS_IP_NOT_ALLOWED);
	assert_int_equal(
	    coolify_answer_of(403, "{\"message\":\"Missing required permissions: write\"}"),
	    COOLIFY_ANS_NO_ABILITY);
	assert_int_equal(
	    coolify_answer_of(422, "{\"message\":\"Validation failed.\",\"errors\":{}}"),
	    COOLIFY_ANS_REFUSED);
	assert_int_equal(coolify_answer_of(400, "{\"message\":\"You must provide uuid or tag.\"}"),
			 COOLIFY_ANS_REFUSED);
	assert_int_equal(coolify_answer_of(403, "{\"message\":\"x\",\"error\":\"Unauthorized\"}"),
			 COOLIFY_ANS_OTHER);
	assert_int_equal(coolify_answer_of(422, "<html>"), COOLIFY_ANS_OTHER);
	assert_int_equal(coolify_answer_of(404, NULL), COOLIFY_ANS_OTHER);
	/* has_value: the key is there (even null) only with read:sensitive */
	err_clear(&err);
	assert_int_equal(coolify_parse(COOLIFY_K_ENVS,
				       "[{\"key\":\"A\",\"value\":null},{\"key\":\"B\"}]",
				       (void **)&envs, &err),
			 0);
	assert_int_equal(envs->n, 2);
	assert_true(envs->v[0].has_value);
	assert_false(envs->v[1].has_value);
	coolify_env_list_free(envs);
}

/* the environment uuid in a deployment's URL, only when the URL names the project */
static void test_deployment_env_uuid(void **state)
{
	struct coolify_deployment d = {0};
	char out[64];
	char url[256];

	(void)state;
	d.deployment_url = url;
	snprintf(url, sizeof(url), "/project/p1/environment/e1x/application/a1/deployment/d1");
	assert_true(coolify_deployment_env_uuid(&d, "p1", out, sizeof(out)));
	assert_string_equal(out, "e1x");
	assert_false(coolify_deployment_env_uuid(&d, "p2", out, sizeof(out))); /* not our project */
	assert_false(coolify_deployment_env_uuid(&d, "p", out, sizeof(out)));  /* a prefix of it */
	assert_false(coolify_deployment_env_uuid(&d, "p1", out, 3));	       /* no room */
	snprintf(url, sizeof(url), "/project/p1/environment//application/a1");
	assert_false(coolify_deployment_env_uuid(&d, "p1", out, sizeof(out)));
	snprintf(url, sizeof(url), "/project/p1/environment/e%%2f/application/a1");
	assert_false(coolify_deployment_env_uuid(&d, "p1", out, sizeof(out)));
	snprintf(url, sizeof(url), "/project/p1/environment/e1");
	assert_false(coolify_deployment_env_uuid(&d, "p1", out, sizeof(out)));
	d.deployment_url = NULL;
	assert_false(coolify_deployment_env_uuid(&d, "p1", out, sizeof(out)));
	assert_false(coolify_deployment_env_uuid(NULL, "p1", out, sizeof(out)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_secret_files),
	    cmocka_unit_test(test_creds),
	    cmocka_unit_test(test_coolify_error_shapes),
	    cmocka_unit_test(test_coolify_parse_shapes),
	    cmocka_unit_test(test_coolify_answers),
	    cmocka_unit_test(test_coolify_endpoints),
	    cmocka_unit_test(test_deployment_env_uuid),
	    cmocka_unit_test(test_inwx_codes),
	    cmocka_unit_test(test_inwx_parse_shapes),
	    cmocka_unit_test(test_inwx_status),
	    cmocka_unit_test(test_inwx_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
