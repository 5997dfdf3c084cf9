/*
 * sim_harness.h — the loopback simulator (tests/sim/vrs_sim.py) for the
 * provider tests: start/stop it, a per-test context with a pool, a Coolify
 * and an INWX client and a trace that must hold no secret, the admin
 * endpoint (reset, faults), and the OK/FAILS/SKIP_NO_SIM checks.
 * Include after cmocka.h.
 */
#ifndef VRS_TEST_SIM_HARNESS_H
#define VRS_TEST_SIM_HARNESS_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "providers/coolify.h"
#include "providers/inwx.h"
#include "util/buf.h"

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

static inline char *read_all(const char *path)
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

static inline int sim_start(struct sim *s, const char *extra)
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

static inline void sim_stop(struct sim *s)
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

static inline void on_trace(void *ud, const char *svc, const char *line)
{
	struct buf *b = ud;

	buf_printf(b, "[%s] %s\n", svc ? svc : "-", line);
}

static inline struct http_retry_cfg fast_retry(void)
{
	struct http_retry_cfg r = {5, 0.01, 0.1, 2};

	return r;
}

/* admin call: POST when body != NULL; returns the body (caller frees) */
static inline char *admin(struct ctx *x, const char *base, const char *what, const char *body)
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
		http_response_release(&r);
		return NULL;
	}
	char *b = r.body;
	r.body = NULL;
	http_response_release(&r);
	return b;
}

static inline void faults(struct ctx *x, const char *base, const char *rules)
{
	free(admin(x, base, "faults", rules));
}

static inline int setup(void **state)
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

static inline int teardown(void **state)
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
	buf_release(&x->trace);
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

/* run the tests with a simulator started for them (skipped without one) */
static inline int sim_run(const struct CMUnitTest *tests, size_t n)
{
	int rc;

	signal(SIGPIPE, SIG_IGN);
	g_have_sim = sim_start(&g_sim, NULL) == 0;
	rc = _cmocka_run_group_tests("tests", tests, n, NULL, NULL);
	if (g_have_sim)
		sim_stop(&g_sim);
	return rc;
}

#endif
