/*
 * test_providers_sim.c — the Coolify client against the loopback simulator
 * (tests/sim/vrs_sim.py, started here): every client call, and the faults
 * (429 storms, 5xx, slow answers, dropped connections, malformed JSON, huge
 * bodies, wrong content type). Each ends in a successful retry or a clear
 * error; traces never hold secrets. The INWX client's are in
 * test_inwx_sim.c. Skips (passes with a note) when python3 or the simulator
 * is missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "coolify_block.h"
#include "sim_harness.h"

/* ---------- Coolify ---------- */

static void test_coolify_all_calls(void **state)
{
	SKIP_NO_SIM();
	struct ctx *x = *state;
	char *s = NULL;
	struct coolify_server_list *servers = NULL;
	struct coolify_server *server = NULL;
	struct coolify_ack *ack = NULL, *papp = NULL;
	struct coolify_project_list *projects = NULL;
	struct coolify_project *project = NULL;
	struct coolify_environment *env = NULL;
	struct coolify_app_list *apps = NULL;
	struct coolify_app *app = NULL;
	struct coolify_env_list *envs = NULL;
	struct coolify_env *ev = NULL;
	struct coolify_deploy_result *dep = NULL;
	struct coolify_deployment_list *deps = NULL;
	struct coolify_deployment *d = NULL;

	OK(coolify_version(x->c, &s, &x->err));
	assert_non_null(strstr(x->trace.data, "> Authorization: [REDACTED]"));
	assert_true(strlen(s) > 0 && strchr(s, '"') == NULL);
	free(s);
	OK(coolify_health(x->c, &s, &x->err));
	assert_string_equal(s, "OK");
	free(s);
	OK(coolify_servers_list(x->c, &servers, &x->err));
	assert_true(servers->n >= 1);
	OK(coolify_server_get(x->c, servers->v[0].uuid, &server, &x->err));
	assert_string_equal(server->name, servers->v[0].name);
	coolify_server_free(server);

	OK(coolify_project_create(x->c, "vrs-roma", "managed-by=vrsctl", &ack, &x->err));
	assert_non_null(ack->uuid);
	OK(coolify_projects_list(x->c, &projects, &x->err));
	assert_true(projects->n >= 1);
	coolify_project_list_free(projects);
	OK(coolify_project_get(x->c, ack->uuid, &project, &x->err));
	assert_true(project->n_envs >= 1);
	assert_string_equal(project->envs[0].name, "production");
	OK(coolify_environment_get(x->c, ack->uuid, project->envs[0].uuid, &env, &x->err));
	assert_int_equal(env->n_apps, 0);
	coolify_environment_free(env);

	struct coolify_app_create in = {
	    .project_uuid = ack->uuid,
	    .server_uuid = servers->v[0].uuid,
	    .environment_uuid = project->envs[0].uuid,
	    .name = "roma",
	    .description = "managed-by=vrsctl",
	    .image_name = "ghcr.io/vrs-gmbh/vrs-core",
	    .image_tag = "1.4.2",
	    .ports_exposes = "8000",
	    .domains = "https://roma.vrs.gmbh",
	};
	OK(coolify_app_create(x->c, &in, &papp, &x->err));
	assert_non_null(papp->uuid);
	OK(coolify_environment_get(x->c, ack->uuid, "production", &env, &x->err));
	assert_int_equal(env->n_apps, 1);
	assert_string_equal(env->apps[0].name, "roma");
	coolify_environment_free(env);
	OK(coolify_apps_list(x->c, &apps, &x->err));
	assert_int_equal(apps->n, 1);
	coolify_app_list_free(apps);
	OK(coolify_app_get(x->c, papp->uuid, &app, &x->err));
	assert_string_equal(app->image_tag, "1.4.2");
	assert_string_equal(app->fqdn, "https://roma.vrs.gmbh");
	coolify_app_free(app);
	struct coolify_app_update up = {
	    .image_tag = "1.4.3", .domains = "https://roma.vrs.gmbh,https://www.roma.vrs.gmbh"};
	OK(coolify_app_update(x->c, papp->uuid, &up, &x->err));
	OK(coolify_app_get(x->c, papp->uuid, &app, &x->err));
	assert_string_equal(app->image_tag, "1.4.3");
	coolify_app_free(app);

	struct coolify_env_input e1 = {.key = "VRS_LOCALE", .value = "de_DE", .is_runtime = true};
	struct coolify_env_input bulk[2] = {
	    {.key = "VRS_PROJECT_SLUG", .value = "roma", .is_runtime = true},
	    {.key = "VRS_PLUGINS", .value = "menu,reservations", .is_runtime = true},
	};
	struct coolify_ack *eack = NULL;
	OK(coolify_env_create(x->c, papp->uuid, &e1, &eack, &x->err));
	assert_non_null(eack->uuid);
	FAILS(coolify_env_create(x->c, papp->uuid, &e1, NULL, &x->err), "HTTP 409");
	e1.value = "en_US";
	OK(coolify_env_patch(x->c, papp->uuid, &e1, &ev, &x->err));
	assert_string_equal(ev->key, "VRS_LOCALE");
	coolify_env_free(ev);
	OK(coolify_envs_bulk(x->c, papp->uuid, bulk, 2, &envs, &x->err));
	coolify_env_list_free(envs);
	OK(coolify_envs_list(x->c, papp->uuid, &envs, &x->err));
	assert_true(envs->n >= 3);
	/* the bulk items carry their flags: without them Coolify makes them build-time too */
	for (size_t i = 0; i < envs->n; i++)
		if (strcmp(envs->v[i].key, "VRS_PLUGINS") == 0)
			assert_true(envs->v[i].is_runtime && !envs->v[i].is_buildtime);
	coolify_env_list_free(envs);
	OK(coolify_env_delete(x->c, papp->uuid, eack->uuid, NULL, &x->err));
	coolify_ack_free(eack);

	const char *uu[] = {papp->uuid};
	OK(coolify_deploy(x->c, uu, 1, false, &dep, &x->err));
	assert_int_equal(dep->n, 1);
	assert_non_null(dep->v[0].deployment_uuid);
	OK(coolify_deployment_get(x->c, dep->v[0].deployment_uuid, &d, &x->err));
	assert_non_null(d->status);
	coolify_deployment_free(d);
	OK(coolify_deployments_list(x->c, &deps, &x->err));
	coolify_deployment_list_free(deps);
	OK(coolify_app_deployments(x->c, papp->uuid, 0, 10, &deps, &x->err));
	assert_true(deps->count >= 1 && deps->n >= 1);
	coolify_deployment_list_free(deps);
	coolify_deploy_result_free(dep);
	OK(coolify_app_stop(x->c, papp->uuid, NULL, &x->err));
	OK(coolify_app_start(x->c, papp->uuid, NULL, &x->err));
	OK(coolify_app_restart(x->c, papp->uuid, NULL, &x->err));
	OK(coolify_app_delete(x->c, papp->uuid, COOLIFY_KEEP_VOLUMES, NULL, &x->err));
	/* deletion is asynchronous: the project may still have resources */
	err_clear(&x->err);
	if (coolify_project_delete(x->c, ack->uuid, NULL, &x->err) < 0)
		assert_non_null(strstr(x->err.msg, "HTTP 400"));
	coolify_project_free(project);
	coolify_ack_free(ack);
	coolify_ack_free(papp);
	coolify_server_list_free(servers);
}

static void count_cb(void *ud, int rc, void *res, struct vrs_err *err)
{
	int *n = ud;

	(void)err;
	if (rc == 0)
		n[0]++;
	else
		n[1]++;
	coolify_result_free(COOLIFY_K_APPS, res);
}

static void test_coolify_async_many(void **state)
{
	SKIP_NO_SIM();
	struct ctx *x = *state;
	int n[2] = {0, 0};

	int max_seen = 0;
	struct coolify_opts o = {.rate_per_min = 1e7, .retry = fast_retry()};
	struct coolify *fast = coolify_new(x->pool, g_sim.coolify_url, TOKEN, &o, &x->err);

	assert_non_null(fast);
	http_pool_set_max_in_flight(x->pool, 3);
	for (int i = 0; i < 40; i++)
		OK(coolify_apps_list_async(fast, count_cb, n, &x->err));
	while (http_pool_pending(x->pool) > 0) {
		OK(http_pool_step(x->pool, 100, &x->err));
		if (http_pool_in_flight(x->pool) > max_seen)
			max_seen = http_pool_in_flight(x->pool);
	}
	assert_true(max_seen >= 2 && max_seen <= 3);
	coolify_free(fast);
	assert_int_equal(n[0], 40);
	assert_int_equal(n[1], 0);
}

static void test_coolify_errors(void **state)
{
	SKIP_NO_SIM();
	struct ctx *x = *state;
	struct coolify_app *app = NULL;
	struct coolify *bad;
	struct coolify_app_list *apps = NULL;

	FAILS(coolify_app_get(x->c, "nope", &app, &x->err),
	      "coolify: GET /applications/nope: HTTP 404: Application not found");
	assert_int_equal(x->err.http_status, 404);
	assert_false(x->err.transient);
	struct coolify_app_create in = {.project_uuid = "nope",
					.server_uuid = "nope",
					.environment_name = "production",
					.image_name = "x/y"};
	FAILS(coolify_app_create(x->c, &in, NULL, &x->err),
	      "POST /applications/dockerimage: HTTP 4");
	FAILS(coolify_app_get(x->c, "../x", &app, &x->err), "not allowed in a path");
	/* wrong token */
	bad = coolify_new(x->pool, g_sim.coolify_url, "wrong-token", NULL, &x->err);
	assert_non_null(bad);
	FAILS(coolify_apps_list(bad, &apps, &x->err), "GET /applications: HTTP 401");
	coolify_free(bad);
	/* plain http to a non-loopback host is refused */
	err_clear(&x->err);
	assert_null(coolify_new(x->pool, "http://coolify.example.com", TOKEN, NULL, &x->err));
	assert_non_null(strstr(x->err.msg, "plain http:// is refused"));
}

static void test_coolify_faults_retried(void **state)
{
	SKIP_NO_SIM();
	struct ctx *x = *state;
	struct coolify_app_list *apps = NULL;
	char *calls;

	faults(
	    x, g_sim.admin_c,
	    "{\"rules\":[{\"match\":\"GET /applications\",\"kind\":\"http429\",\"retry_after\":0,"
	    "\"count\":3}]}");
	OK(coolify_apps_list(x->c, &apps, &x->err));
	coolify_app_list_free(apps);
	faults(x, g_sim.admin_c,
	       "{\"rules\":[{\"match\":\"GET /applications\",\"kind\":\"http503\",\"count\":2},"
	       "{\"match\":\"GET /servers\",\"kind\":\"http500\",\"count\":2}]}");
	OK(coolify_apps_list(x->c, &apps, &x->err));
	coolify_app_list_free(apps);
	struct coolify_server_list *sl = NULL;
	OK(coolify_servers_list(x->c, &sl, &x->err));
	coolify_server_list_free(sl);
	/* slower than the 2 s timeout, once */
	faults(x, g_sim.admin_c,
	       "{\"rules\":[{\"match\":\"GET /applications\",\"kind\":\"timeout\",\"seconds\":3,"
	       "\"count\":1}]}");
	OK(coolify_apps_list(x->c, &apps, &x->err));
	coolify_app_list_free(apps);
	faults(x, g_sim.admin_c,
	       "{\"rules\":[{\"match\":\"GET /applications\",\"kind\":\"drop\",\"count\":2}]}");
	OK(coolify_apps_list(x->c, &apps, &x->err));
	coolify_app_list_free(apps);
	calls = admin(x, g_sim.admin_c, "calls", NULL);
	assert_non_null(calls);
	free(calls);
	assert_non_null(strstr(x->trace.data, "retry GET /applications"));
}

static void test_coolify_faults_fatal(void **state)
{
	SKIP_NO_SIM();
	struct ctx *x = *state;
	struct coolify_app_list *apps = NULL;
	struct coolify_server_list *sl = NULL;

	/* persistent 5xx: gives up after the attempts, transient */
	faults(x, g_sim.admin_c,
	       "{\"rules\":[{\"match\":\"GET /applications\",\"kind\":\"http502\"}]}");
	FAILS(coolify_apps_list(x->c, &apps, &x->err), "GET /applications: HTTP 502");
	assert_non_null(strstr(x->err.msg, "after 5 attempts"));
	assert_true(x->err.transient);
	/* a 5xx on a create is not retried (it may have landed) */
	faults(x, g_sim.admin_c,
	       "{\"rules\":[{\"match\":\"POST /projects\",\"kind\":\"http500\",\"count\":1}]}");
	FAILS(coolify_project_create(x->c, "vrs-x", NULL, NULL, &x->err),
	      "POST /projects: HTTP 500");
	assert_true(x->err.transient);
	faults(x, g_sim.admin_c,
	       "{\"rules\":[{\"match\":\"GET /servers\",\"kind\":\"malformed\"}]}");
	FAILS(coolify_servers_list(x->c, &sl, &x->err), "GET /servers: HTTP 200: malformed JSON");
	faults(x, g_sim.admin_c, "{\"rules\":[{\"match\":\"GET /servers\",\"kind\":\"html\"}]}");
	FAILS(coolify_servers_list(x->c, &sl, &x->err), "text/html");
	faults(x, g_sim.admin_c,
	       "{\"rules\":[{\"match\":\"GET /servers\",\"kind\":\"html\",\"status\":500}]}");
	FAILS(coolify_servers_list(x->c, &sl, &x->err), "HTTP 500: HTML error page");
	faults(x, g_sim.admin_c, "{\"rules\":[{\"match\":\"GET /servers\",\"kind\":\"huge\"}]}");
	FAILS(coolify_servers_list(x->c, &sl, &x->err), "response body larger than");
	faults(x, g_sim.admin_c, "{\"rules\":[]}");
	OK(coolify_servers_list(x->c, &sl, &x->err));
	coolify_server_list_free(sl);
}

/* ---------- INWX ---------- */

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_coolify_all_calls, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_coolify_async_many, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_coolify_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_coolify_faults_retried, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_coolify_faults_fatal, setup, teardown),
	};

	return sim_run(tests, sizeof(tests) / sizeof(tests[0]));
}
