/*
 * providers.c — the HTTP pool and the Coolify and INWX clients, set up from
 * the environment (DESIGN §3), with every secret registered for masking.
 */
#include "engine/engine_int.h"

#include "providers/dns.h"

#include <stdlib.h>
#include <string.h>

/*
 * The health probe, with the test settings (loopback only): VRS_CONNECT_TO
 * sends every probe to host:port; VRS_CA_FILE, an extra CA, is taken only
 * with it, so a test CA is never trusted for the world's sites.
 */
static int open_probe(struct providers *pv, struct vrs_err *err)
{
	struct probe_opts po = {.ca_file = getenv("VRS_CA_FILE"),
				.connect_to = getenv("VRS_CONNECT_TO")};

	if (po.ca_file && !po.ca_file[0])
		po.ca_file = NULL;
	if (po.connect_to && !po.connect_to[0])
		po.connect_to = NULL;
	if (po.ca_file && po.connect_to == NULL)
		return err_setc(
		    err, VRS_E_INVALID,
		    "VRS_CA_FILE is a test setting: it needs VRS_CONNECT_TO (loopback)");
	pv->probe = probe_new(pv->pool, &po, err);
	return pv->probe ? 0 : -1;
}

int providers_open(bool need_coolify, bool need_inwx, providers_trace_fn trace, void *trace_ud,
		   struct providers **out, struct vrs_err *err)
{
	struct provider_creds c = {0};
	struct providers *pv = calloc(1, sizeof(*pv));

	*out = NULL;
	if (pv == NULL)
		return err_set(err, "out of memory");
	if (provider_creds_load(&c, err) < 0)
		goto fail;
	if ((need_coolify && provider_creds_require_coolify(&c, err) < 0) ||
	    (need_inwx && provider_creds_require_inwx(&c, err) < 0))
		goto fail;
	{
		const char *ns = getenv("VRS_NAMESERVER");
		if (ns && ns[0] &&
		    (dns_server_check_loopback(ns, err) < 0 ||
		     (pv->nameserver = strdup(ns)) == NULL))
			goto fail;
	}
	if ((pv->pool = http_pool_new(err)) == NULL)
		goto fail;
	if (trace)
		http_pool_set_trace(pv->pool, trace, trace_ud);
	if (open_probe(pv, err) < 0)
		goto fail;
	if (c.coolify_url && c.coolify_token) {
		const char *unpaced = getenv("VRS_BENCH_UNPACED");
		struct coolify_opts co = {.rate_per_min = c.coolify_rate_per_min,
					  .unpaced = unpaced && strcmp(unpaced, "1") == 0};
		http_pool_add_secret(pv->pool, c.coolify_token);
		pv->coolify = coolify_new(pv->pool, c.coolify_url, c.coolify_token, &co, err);
		if (pv->coolify == NULL)
			goto fail;
	}
	if (c.inwx_user && c.inwx_password) {
		struct inwx_opts io = {.totp_secret = c.inwx_totp_secret};
		http_pool_add_secret(pv->pool, c.inwx_password);
		if (c.inwx_totp_secret)
			http_pool_add_secret(pv->pool, c.inwx_totp_secret);
		pv->inwx = inwx_new(pv->pool, c.inwx_url, c.inwx_user, c.inwx_password, &io, err);
		if (pv->inwx == NULL)
			goto fail;
	}
	provider_creds_release(&c);
	*out = pv;
	return 0;
fail:
	provider_creds_release(&c);
	providers_close(pv);
	return -1;
}

/* an INWX session still open at the end is logged out within this long, even after a stop */
#define INWX_LOGOUT_MS 3000

unsigned long long engine_http_retries(const struct providers *pv)
{
	if (pv == NULL)
		return 0;
	return pv->retries_before + (pv->pool ? http_pool_retries(pv->pool) : 0);
}

void providers_close(struct providers *pv)
{
	if (pv == NULL)
		return;
	if (pv->inwx && inwx_logged_in(pv->inwx)) {
		struct vrs_err err;
		/* the runs are over: their calls in flight are forgotten, not answered */
		http_pool_set_stop(pv->pool, NULL);
		http_pool_drop(pv->pool);
		err_clear(&err);
		(void)inwx_end_session(pv->inwx, INWX_LOGOUT_MS, &err); /* nobody to tell */
	}
	if (pv->inwx)
		inwx_free(pv->inwx);
	if (pv->coolify)
		coolify_free(pv->coolify);
	probe_free(pv->probe);
	if (pv->pool)
		http_pool_free(pv->pool);
	free(pv->nameserver);
	free(pv);
}
