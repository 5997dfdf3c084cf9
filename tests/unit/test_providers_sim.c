/*
 * test_providers_sim.c — the Coolify and INWX clients against the loopback
 * simulator (tests/sim/vrs_sim.py, started here): every client call, and the
 * faults (429 storms, 5xx, slow answers, dropped connections, malformed JSON,
 * huge bodies, wrong content type, dropped INWX sessions, 2FA, wrong TAN).
 * Each ends in a successful retry or a clear error; traces never hold secrets.
 * Skips (passes with a note) when python3 or the simulator is missing.
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
#include "providers/coolify.h"
#include "inwx_block.h"
#include "providers/inwx_int.h"

#define TOKEN "sim-coolify-token"
#define USER  "sim-user"
#define PASS  "sim-password"
#define TOTP  "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

struct sim {
	pid_t pid;
	int coolify_port, inwx_port;
	char dir[64];
	char coolify_url[64], inwx_url[64], admin_c[64], admin_i[64];
};

static struct sim g_sim;
static bool g_have_sim;

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = calloc(1, (size_t)n + 1);
	if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

static int sim_start(struct sim *s, const char *extra)
{
	char script[1024], ready[128], cwd[512];
	const char *top = getenv("TOP");

	if (top == NULL)
		top = getcwd(cwd, sizeof(cwd));
	if (top == NULL)
		return -1;
	snprintf(script, sizeof(script), "%s/tests/sim/vrs_sim.py", top);
	if (access(script, R_OK) != 0)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/vrs-sim-XXXXXX");
	if (mkdtemp(s->dir) == NULL)
		return -1;
	snprintf(ready, sizeof(ready), "%s/ready.json", s->dir);
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		const char *argv[16];
		int i = 0;

		argv[i++] = "python3";
		argv[i++] = script;
		argv[i++] = "--coolify";
		argv[i++] = "127.0.0.1:0";
		argv[i++] = "--inwx";
		argv[i++] = "127.0.0.1:0";
		argv[i++] = "--ready-file";
		argv[i++] = ready;
		argv[i++] = "--quiet";
		argv[i++] = "--seed";
		argv[i++] = "7";
		if (extra) {
			argv[i++] = "--inwx-2fa";
			argv[i++] = extra;
		}
		argv[i] = NULL;
		execvp("python3", (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		char *j = read_all(ready);

		if (j) {
			const char *c = strstr(j, "\"coolify\""), *w = strstr(j, "\"inwx\"");

			if (c && w) {
				s->coolify_port = atoi(strchr(c, ':') + 1);
				s->inwx_port = atoi(strchr(w, ':') + 1);
			}
			free(j);
			if (s->coolify_port > 0 && s->inwx_port > 0)
				break;
		}
		usleep(50000);
	}
	if (s->coolify_port <= 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		return -1;
	}
	snprintf(s->coolify_url, sizeof(s->coolify_url), "http://127.0.0.1:%d", s->coolify_port);
	snprintf(s->inwx_url, sizeof(s->inwx_url), "http://127.0.0.1:%d/jsonrpc/", s->inwx_port);
	snprintf(s->admin_c, sizeof(s->admin_c), "http://127.0.0.1:%d/_sim", s->coolify_port);
	snprintf(s->admin_i, sizeof(s->admin_i), "http://127.0.0.1:%d/_sim", s->inwx_port);
	return 0;
}

static void sim_stop(struct sim *s)
{
	char path[128];

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	snprintf(path, sizeof(path), "%s/ready.json", s->dir);
	unlink(path);
	rmdir(s->dir);
}

/* ---- per-test context ---- */

struct ctx {
	struct http_pool *pool;
	struct http_service *admin;
	struct coolify *c;
	struct inwx *w;
	struct buf trace;
	struct vrs_err err;
};

static void on_trace(void *ud, const char *svc, const char *line)
{
	struct buf *b = ud;

	buf_printf(b, "[%s] %s\n", svc ? svc : "-", line);
}

static struct http_retry_cfg fast_retry(void)
{
	struct http_retry_cfg r = {5, 0.01, 0.1, 2};

	return r;
}

/* admin call: POST when body != NULL; returns the body (caller frees) */
static char *admin(struct ctx *x, const char *base, const char *what, const char *body)
{
	char url[256];
	struct http_request req;
	struct http_response r;
	struct vrs_err e;
	static const char *hdr[] = {"Content-Type: application/json", NULL};

	snprintf(url, sizeof(url), "%s/%s", base, what);
	memset(&req, 0, sizeof(req));
	req.method = body ? "POST" : "GET";
	req.url = url;
	req.body = body;
	req.headers = hdr;
	req.idempotent = true;
	err_clear(&e);
	if (http_do(x->pool, x->admin, &req, &r, &e) < 0) {
		print_message("admin %s: %s\n", what, e.msg);
		http_response_free(&r);
		return NULL;
	}
	char *b = r.body;
	r.body = NULL;
	http_response_free(&r);
	return b;
}

static void faults(struct ctx *x, const char *base, const char *rules)
{
	free(admin(x, base, "faults", rules));
}

static int setup(void **state)
{
	struct ctx *x;
	struct http_service_cfg acfg;
	struct coolify_opts co;
	struct inwx_opts io;

	if (!g_have_sim)
		return 0;
	x = calloc(1, sizeof(*x));
	buf_init(&x->trace);
	x->pool = http_pool_new(&x->err);
	assert_non_null(x->pool);
	http_pool_seed(x->pool, 12345);
	http_pool_set_trace(x->pool, on_trace, &x->trace);
	memset(&acfg, 0, sizeof(acfg));
	acfg.name = "admin";
	acfg.retry.attempts = 1;
	x->admin = http_service_add(x->pool, &acfg, &x->err);
	free(admin(x, g_sim.admin_c, "reset", "{}"));
	memset(&co, 0, sizeof(co));
	co.rate_per_min = 6000;
	co.retry = fast_retry();
	co.timeout_ms = 2000;
	x->c = coolify_new(x->pool, g_sim.coolify_url, TOKEN, &co, &x->err);
	assert_non_null(x->c);
	memset(&io, 0, sizeof(io));
	io.retry = fast_retry();
	io.page_size = 2;
	io.timeout_ms = 2000;
	x->w = inwx_new(x->pool, g_sim.inwx_url, USER, PASS, &io, &x->err);
	assert_non_null(x->w);
	err_clear(&x->err);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *x = *state;

	if (x == NULL)
		return 0;
	/* nothing secret in any trace line */
	assert_null(strstr(x->trace.data, TOKEN));
	assert_null(strstr(x->trace.data, PASS));
	assert_null(strstr(x->trace.data, TOTP));
	assert_null(strstr(x->trace.data, "domrobot=")); /* session cookie */
	assert_null(strstr(x->trace.data, "Bearer"));
	http_pool_run(x->pool, 5000, &x->err);
	coolify_free(x->c);
	inwx_free(x->w);
	http_pool_free(x->pool);
	buf_free(&x->trace);
	free(x);
	return 0;
}

#define SKIP_NO_SIM()                                                                              \
	do {                                                                                       \
		if (!g_have_sim) {                                                                 \
			print_message("# simulator not available, skipped\n");                     \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define OK(call)                                                                                   \
	do {                                                                                       \
		err_clear(&x->err);                                                                \
		if ((call) < 0)                                                                    \
			fail_msg("%s: %s", #call, x->err.msg);                                     \
	} while (0)

#define FAILS(call, substr)                                                                        \
	do {                                                                                       \
		err_clear(&x->err);                                                                \
		if ((call) == 0)                                                                   \
			fail_msg("%s unexpectedly succeeded", #call);                              \
		if (strstr(x->err.msg, substr) == NULL)                                            \
			fail_msg("%s: error '%s' lacks '%s'", #call, x->err.msg, substr);          \
	} while (0)

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
	OK(coolify_app_update(x->c, papp->uuid, &up, NULL, &x->err));
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

static void test_inwx_all_calls(void **state)
{
	SKIP_NO_SIM();
	struct ctx *x = *state;
	struct inwx_account *acc = NULL;
	struct inwx_created *cr = NULL;
	struct inwx_zone_list *zl = NULL;
	struct inwx_zone_info *zi = NULL;
	struct inwx_check_list *chk = NULL;
	struct inwx_price_list *pr = NULL;
	struct inwx_contact_list *cl = NULL;
	struct inwx_order *ord = NULL;
	struct inwx_domain *dom = NULL;
	struct inwx_domain_list *dl = NULL;
	const char *zones[] = {"a-zone.de", "b-zone.de", "c-zone.de", "d-zone.de", "e-zone.de"};

	OK(inwx_login(x->w, &acc, &x->err));
	assert_true(acc->customer_id > 0);
	inwx_account_free(acc);
	assert_true(inwx_logged_in(x->w));
	OK(inwx_info(x->w, &acc, &x->err));
	inwx_account_free(acc);
	for (size_t i = 0; i < 5; i++) {
		OK(inwx_zone_create(x->w, zones[i], "MASTER", NULL, 0, &cr, &x->err));
		assert_true(cr->ro_id > 0);
		inwx_created_free(cr);
	}
	/* page size 2: three pages */
	OK(inwx_zones_list(x->w, NULL, &zl, &x->err));
	assert_int_equal(zl->n, 5);
	assert_int_equal(zl->count, 5);
	inwx_zone_list_free(zl);
	struct inwx_record_input rin = {.domain = "a-zone.de",
					.name = "www.a-zone.de",
					.type = "A",
					.content = "203.0.113.10",
					.ttl = 300};
	OK(inwx_record_create(x->w, &rin, &cr, &x->err));
	assert_non_null(cr->id);
	FAILS(inwx_record_create(x->w, &rin, NULL, &x->err), "nameserver.createRecord: 2302");
	assert_int_equal(x->err.remote_code, 2302);
	struct inwx_record_filter f = {.type = "A"};
	OK(inwx_zone_info(x->w, "a-zone.de", &f, &zi, &x->err));
	assert_int_equal(zi->n_records, 1);
	assert_string_equal(zi->records[0].id, cr->id);
	assert_string_equal(zi->records[0].name, "www.a-zone.de");
	assert_int_equal(zi->records[0].ttl, 300);
	inwx_zone_info_free(zi);
	struct inwx_record_update ru = {.content = "203.0.113.11"};
	OK(inwx_record_update(x->w, cr->id, &ru, &x->err));
	OK(inwx_record_delete(x->w, cr->id, false, &x->err));
	f.type = "AAAA";
	OK(inwx_zone_info(x->w, "a-zone.de", &f, &zi, &x->err));
	assert_int_equal(zi->n_records, 0);
	inwx_zone_info_free(zi);
	inwx_created_free(cr);
	FAILS(inwx_zone_info(x->w, "missing.de", NULL, &zi, &x->err), "nameserver.info: 2303");

	const char *doms[] = {"free-domain.de", "taken-domain.de"};
	OK(inwx_domain_check(x->w, doms, 2, &chk, &x->err));
	assert_int_equal(chk->n, 2);
	assert_int_equal(chk->v[0].avail, 1);
	assert_int_equal(chk->v[1].avail, 0);
	inwx_check_list_free(chk);
	const char *tlds[] = {"de", "com"};
	OK(inwx_domain_prices(x->w, tlds, 2, &pr, &x->err));
	assert_int_equal(pr->n, 2);
	assert_true(pr->v[0].create_price > 0);
	inwx_price_list_free(pr);
	OK(inwx_contacts_list(x->w, NULL, &cl, &x->err));
	assert_true(cl->n >= 1 && cl->v[0].id > 0);
	struct inwx_domain_input din = {.domain = "free-domain.de",
					.period = "1Y",
					.registrant = cl->v[0].id,
					.admin = cl->v[0].id,
					.tech = cl->v[0].id,
					.billing = cl->v[0].id,
					.renewal_mode = "AUTORENEW",
					.transfer_lock = 1};
	OK(inwx_domain_create(x->w, &din, &ord, &x->err));
	assert_int_equal(ord->code, 1001);
	assert_true(ord->ro_id > 0);
	inwx_order_free(ord);
	struct inwx_domain_input tin = {.domain = "moving.de",
					.auth_code = "Xy7$-abc",
					.registrant = cl->v[0].id,
					.transfer_lock = -1};
	OK(inwx_domain_transfer(x->w, &tin, &ord, &x->err));
	inwx_order_free(ord);
	inwx_contact_list_free(cl);
	OK(inwx_domain_info(x->w, "free-domain.de", &dom, &x->err));
	assert_string_equal(dom->domain, "free-domain.de");
	assert_true(dom->n_ns >= 1);
	inwx_domain_free(dom);
	OK(inwx_domains_list(x->w, &dl, &x->err));
	assert_int_equal(dl->n, 2);
	inwx_domain_list_free(dl);
	struct inwx_response *raw = NULL;
	OK(inwx_call(x->w, "domain.getRules", NULL, &raw, &x->err));
	assert_int_equal(raw->code, 1000);
	assert_non_null(raw->res_data);
	inwx_response_free(raw);
	OK(inwx_logout(x->w, &x->err));
	assert_false(inwx_logged_in(x->w));
	/* the next call logs in again */
	OK(inwx_info(x->w, &acc, &x->err));
	inwx_account_free(acc);
	/* the password goes out only redacted */
	assert_non_null(strstr(x->trace.data, "\"pass\":\"[REDACTED]\""));
	assert_non_null(strstr(x->trace.data, "Cookie: [REDACTED]"));
}

static void test_inwx_faults(void **state)
{
	SKIP_NO_SIM();
	struct ctx *x = *state;
	struct inwx_zone_list *zl = NULL;
	struct inwx_created *cr = NULL;
	char *calls;

	OK(inwx_zone_create(x->w, "f-zone.de", NULL, NULL, 0, &cr, &x->err));
	inwx_created_free(cr);
	/* 2400 bursts are retried */
	faults(x, g_sim.admin_i,
	       "{\"rules\":[{\"match\":\"nameserver.createRecord\",\"kind\":\"inwx2400\",\"count\":"
	       "3}]}");
	struct inwx_record_input rin = {
	    .domain = "f-zone.de", .name = "f-zone.de", .type = "A", .content = "203.0.113.10"};
	OK(inwx_record_create(x->w, &rin, &cr, &x->err));
	inwx_created_free(cr);
	/* 2500 drops the session: re-login and resend */
	faults(x, g_sim.admin_i,
	       "{\"rules\":[{\"match\":\"nameserver.list\",\"kind\":\"inwx2500\",\"count\":1}]}");
	OK(inwx_zones_list(x->w, NULL, &zl, &x->err));
	inwx_zone_list_free(zl);
	/* expired sessions server-side */
	free(admin(x, g_sim.admin_i, "state", "{\"op\":\"drop_sessions\"}"));
	OK(inwx_zones_list(x->w, NULL, &zl, &x->err));
	inwx_zone_list_free(zl);
	calls = admin(x, g_sim.admin_i, "calls", NULL);
	assert_non_null(calls);
	assert_non_null(strstr(calls, "\"account.login\": 3"));
	free(calls);
	/* persistent 2400: a clear transient error */
	faults(x, g_sim.admin_i,
	       "{\"rules\":[{\"match\":\"nameserver.info\",\"kind\":\"inwx2400\"}]}");
	FAILS(inwx_zone_info(x->w, "f-zone.de", NULL, NULL, &x->err),
	      "inwx: POST nameserver.info: 2400");
	assert_true(x->err.transient);
	/* transport faults */
	faults(x, g_sim.admin_i,
	       "{\"rules\":[{\"match\":\"nameserver.info\",\"kind\":\"drop\",\"count\":1},"
	       "{\"match\":\"nameserver.list\",\"kind\":\"http503\",\"count\":2}]}");
	OK(inwx_zone_info(x->w, "f-zone.de", NULL, NULL, &x->err));
	OK(inwx_zones_list(x->w, NULL, &zl, &x->err));
	inwx_zone_list_free(zl);
	faults(x, g_sim.admin_i,
	       "{\"rules\":[{\"match\":\"nameserver.info\",\"kind\":\"malformed\"}]}");
	FAILS(inwx_zone_info(x->w, "f-zone.de", NULL, NULL, &x->err), "malformed JSON");
	faults(x, g_sim.admin_i, "{\"rules\":[{\"match\":\"nameserver.info\",\"kind\":\"html\"}]}");
	FAILS(inwx_zone_info(x->w, "f-zone.de", NULL, NULL, &x->err), "text/html");
	faults(x, g_sim.admin_i, "{\"rules\":[{\"match\":\"nameserver.info\",\"kind\":\"huge\"}]}");
	FAILS(inwx_zone_info(x->w, "f-zone.de", NULL, NULL, &x->err), "larger than");
	faults(x, g_sim.admin_i, "{\"rules\":[]}");
}

static void test_inwx_bad_password(void **state)
{
	SKIP_NO_SIM();
	struct ctx *x = *state;
	struct inwx *bad = inwx_new(x->pool, g_sim.inwx_url, USER, "wrong-password", NULL, &x->err);
	struct inwx_zone_list *zl = NULL;

	assert_non_null(bad);
	FAILS(inwx_zones_list(bad, NULL, &zl, &x->err), "inwx: account.login: 2200");
	assert_int_equal(x->err.remote_code, 2200);
	/* sticky: no second login attempt */
	FAILS(inwx_zones_list(bad, NULL, &zl, &x->err), "account.login: 2200");
	inwx_free(bad);
	assert_null(strstr(x->trace.data, "wrong-password"));
}

static void test_inwx_2fa(void **state)
{
	SKIP_NO_SIM();
	struct ctx *x = *state;
	struct sim s2;
	struct inwx_opts io;
	struct inwx *w2, *w3, *w4;
	struct inwx_account *acc = NULL;

	memset(&s2, 0, sizeof(s2));
	if (sim_start(&s2, TOTP) < 0)
		fail_msg("second simulator did not start");
	memset(&io, 0, sizeof(io));
	io.retry = fast_retry();
	io.totp_secret = TOTP;
	w2 = inwx_new(x->pool, s2.inwx_url, USER, PASS, &io, &x->err);
	assert_non_null(w2);
	OK(inwx_login(w2, &acc, &x->err));
	inwx_account_free(acc);
	assert_non_null(strstr(x->trace.data, "\"tan\":\"[REDACTED]\""));
	/* no TOTP secret configured */
	w3 = inwx_new(x->pool, s2.inwx_url, USER, PASS, NULL, &x->err);
	FAILS(inwx_info(w3, &acc, &x->err), "two-factor");
	/* wrong secret: wrong TAN */
	io.totp_secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
	w4 = inwx_new(x->pool, s2.inwx_url, USER, PASS, &io, &x->err);
	FAILS(inwx_info(w4, &acc, &x->err), "inwx: account.unlock: 2200");
	inwx_free(w2);
	inwx_free(w3);
	inwx_free(w4);
	sim_stop(&s2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_coolify_all_calls, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_coolify_async_many, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_coolify_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_coolify_faults_retried, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_coolify_faults_fatal, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inwx_all_calls, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inwx_faults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inwx_bad_password, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inwx_2fa, setup, teardown),
	};
	int rc;

	signal(SIGPIPE, SIG_IGN);
	g_have_sim = sim_start(&g_sim, NULL) == 0;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (g_have_sim)
		sim_stop(&g_sim);
	return rc;
}
