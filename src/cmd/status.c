/*
 * status.c — `vrsctl status [SLUG]`: the recorded projects as a table
 * (status, server, domains, last error) or JSON. Reads the state without
 * the lock and never changes it.
 */
#include "cmd/cmd.h"
#include "model/limits.h"
#include "state/state.h"
#include "util/buf.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct {
	const char *format;
	bool json;
} A = {"text", false};

static const struct opt opts[] = {
    {OPT_STRING, "--format", NULL, &A.format, .arg = "F", .help = "text (default) or json"},
    {.type = OPT_END},
};

static void json_time(struct buf *b, long long v)
{
	char t[32];

	if (v)
		buf_json_str(b, state_time_fmt(v, t, sizeof(t)));
	else
		buf_puts(b, "null");
}

/* a domain's DNS state (its status) and TLS state (as the last handshake showed) */
static void json_tls(struct buf *b, const struct m_domain *d)
{
	buf_printf(b, ", \"dns\": \"%s\", \"tls\": {\"provisioned\": %s, \"expires_at\": ",
		   m_domain_status_name(d->status), d->ssl_provisioned ? "true" : "false");
	json_time(b, d->ssl_expires_at);
	buf_puts(b, ", \"checked_at\": ");
	json_time(b, d->tls_checked_at);
	buf_puts(b, "}");
}

static void json_project(struct buf *b, const struct m_project *p)
{
	char t[32];

	buf_puts(b, "    {\"slug\": ");
	buf_json_str(b, p->slug);
	buf_puts(b, ", \"name\": ");
	buf_json_str(b, p->name);
	buf_printf(b, ", \"status\": \"%s\", \"lifecycle\": \"%s\", \"server\": ",
		   m_prov_status_name(p->status), m_lifecycle_name(p->lifecycle));
	buf_json_str(b, p->server);
	buf_puts(b, ", \"coolify_app_uuid\": ");
	buf_json_str(b, p->coolify_app_uuid);
	buf_puts(b, ", \"image\": ");
	buf_json_str(b, p->app.image);
	buf_printf(b, ", \"retry_count\": %d, \"error\": ", p->provisioning_retry_count);
	buf_json_str(b, p->provisioning_error);
	buf_puts(b, ", \"completed_at\": ");
	if (p->provisioning_completed_at)
		buf_json_str(b, state_time_fmt(p->provisioning_completed_at, t, sizeof(t)));
	else
		buf_puts(b, "null");
	/* issue 13: rows of the marketplace application, its suspensions */
	buf_printf(b, ", \"managed\": %s, \"suspended_by\": %s", p->managed ? "true" : "false",
		   p->status != PS_SUSPENDED ? "null"
		   : p->app_suspended	     ? "\"application\""
					     : "\"vrsctl\"");
	buf_puts(b, ", \"domains\": [");
	for (size_t i = 0; i < p->ndomains; i++) {
		const struct m_domain *d = &p->domains[i];
		buf_puts(b, i ? ", {\"domain\": " : "{\"domain\": ");
		buf_json_str(b, d->fqdn);
		buf_printf(b, ", \"type\": \"%s\", \"status\": \"%s\", \"primary\": %s",
			   m_domain_type_name(d->type), m_domain_status_name(d->status),
			   d->primary ? "true" : "false");
		buf_puts(b, ", \"expires_at\": ");
		if (d->expires_at)
			buf_json_str(b, state_time_fmt(d->expires_at, t, sizeof(t)));
		else
			buf_puts(b, "null");
		json_tls(b, d);
		buf_puts(b, "}");
	}
	buf_puts(b, "], \"health\": ");
	if (p->health_since == 0)
		buf_puts(b, "null");
	else
		buf_puts(b, p->unhealthy ? "\"unhealthy\"" : "\"healthy\"");
	buf_puts(b, ", \"unhealthy_since\": ");
	json_time(b, p->unhealthy ? p->health_since : 0);
	buf_puts(b, "}");
}

/* one line per domain: DNS state, TLS state */
static void text_domains(struct buf *b, const struct m_project *p, size_t ws, long long now)
{
	char t[32];

	if (p->status == PS_ACTIVE && p->unhealthy)
		buf_printf(b, "%-*s  unhealthy since %s\n", (int)ws, "",
			   state_time_fmt(p->health_since, t, sizeof(t)));
	for (size_t j = 0; j < p->ndomains; j++) {
		const struct m_domain *d = &p->domains[j];

		buf_printf(b, "%-*s  %s: dns %s, tls ", (int)ws, "", d->fqdn,
			   m_domain_status_name(d->status));
		/* a refused certificate shows no notAfter: the date kept is the last verified one's
		 */
		if (d->ssl_expires_at)
			buf_printf(b, "%s%s %s%s\n",
				   d->ssl_provisioned ? "provisioned, "
						      : "not verified (the last verified one ",
				   d->ssl_expires_at < now ? "expired" : "expires",
				   state_time_fmt(d->ssl_expires_at, t, sizeof(t)),
				   d->ssl_provisioned ? "" : ")");
		else if (d->tls_checked_at)
			buf_puts(b, d->ssl_provisioned ? "provisioned\n" : "not verified\n");
		else
			buf_puts(b, "not checked\n");
	}
}

static void text_table(struct buf *b, const struct m_world *w, const char *slug, long long now)
{
	size_t ws = 4, wst = 6, wsv = 6;

	for (size_t i = 0; i < w->nprojects; i++) {
		const struct m_project *p = &w->projects[i];
		if (slug && strcmp(slug, p->slug) != 0)
			continue;
		ws = strlen(p->slug) > ws ? strlen(p->slug) : ws;
		wst = strlen(m_prov_status_name(p->status)) > wst
			  ? strlen(m_prov_status_name(p->status))
			  : wst;
		if (p->server && strlen(p->server) > wsv)
			wsv = strlen(p->server);
	}
	buf_printf(b, "%-*s  %-*s  %-*s  %s\n", (int)ws, "SLUG", (int)wst, "STATUS", (int)wsv,
		   "SERVER", "DOMAINS");
	for (size_t i = 0; i < w->nprojects; i++) {
		const struct m_project *p = &w->projects[i];
		if (slug && strcmp(slug, p->slug) != 0)
			continue;
		buf_printf(b, "%-*s  %-*s  %-*s  ", (int)ws, p->slug, (int)wst,
			   m_prov_status_name(p->status), (int)wsv, p->server ? p->server : "-");
		for (size_t j = 0; j < p->ndomains; j++)
			buf_printf(b, "%s%s%s", j ? "," : "", p->domains[j].fqdn,
				   p->domains[j].primary && p->ndomains > 1 ? "*" : "");
		if (p->ndomains == 0)
			buf_puts(b, "-");
		buf_puts(b, "\n");
		/* issue 13: rows of the marketplace application, its suspensions */
		if (!p->managed)
			buf_printf(b,
				   "%-*s  unmanaged: recorded by the marketplace application, in "
				   "no spec (vrsctl export %s)\n",
				   (int)ws, "", p->slug);
		else if (p->app_suspended)
			buf_printf(b, "%-*s  suspended by the marketplace application\n", (int)ws,
				   "");
		if (p->provisioning_error)
			buf_printf(b, "%-*s  error (try %d of %d): %s\n", (int)ws, "",
				   p->provisioning_retry_count, VRS_MAX_RETRIES,
				   p->provisioning_error);
		text_domains(b, p, ws, now);
	}
}

/* certificates that expire within VRS_CERT_WARN_DAYS (renewal is failing), or have */
static void certs_expiring(struct buf *b, const struct m_world *w, const char *slug, long long now,
			   bool json)
{
	bool first = true;

	for (size_t i = 0; i < w->nprojects; i++) {
		const struct m_project *p = &w->projects[i];
		if (slug && strcmp(slug, p->slug) != 0)
			continue;
		for (size_t k = 0; k < p->ndomains; k++) {
			const struct m_domain *d = &p->domains[k];
			char t[32];
			if (!vrs_cert_expires_soon(d->ssl_expires_at, now))
				continue;
			state_time_fmt(d->ssl_expires_at, t, sizeof(t));
			if (json) {
				buf_puts(b, first ? "\n    {\"domain\": " : ",\n    {\"domain\": ");
				buf_json_str(b, d->fqdn);
				buf_puts(b, ", \"slug\": ");
				buf_json_str(b, p->slug);
				buf_printf(b, ", \"expires_at\": \"%s\", \"seconds_left\": %lld}",
					   t, d->ssl_expires_at - now);
			} else {
				if (first)
					buf_printf(b, "\nCertificates expiring within %d days:\n",
						   VRS_CERT_WARN_DAYS);
				buf_printf(b, "  %s (%s): %s %s\n", d->fqdn, p->slug,
					   d->ssl_expires_at < now ? "expired" : "expires", t);
			}
			first = false;
		}
	}
	if (json)
		buf_puts(b, first ? "]" : "\n  ]");
}

/* registered and transferred domains that expire soon (model/limits.h), or have */
static void expiring(struct buf *b, const struct m_world *w, const char *slug, long long now)
{
	bool header = false;

	for (size_t i = 0; i < w->nprojects; i++) {
		const struct m_project *p = &w->projects[i];
		if (slug && strcmp(slug, p->slug) != 0)
			continue;
		for (size_t k = 0; k < p->ndomains; k++) {
			const struct m_domain *d = &p->domains[k];
			char t[32];
			if (!vrs_expires_soon(d->expires_at, now))
				continue;
			if (!header)
				buf_printf(b, "\nDomains expiring within %d days:\n",
					   VRS_EXPIRY_WARN_DAYS);
			header = true;
			buf_printf(b, "  %s (%s): %s %s\n", d->fqdn, p->slug,
				   d->expires_at < now ? "expired" : "expires",
				   state_time_fmt(d->expires_at, t, sizeof(t)));
		}
	}
}

/*
 * Journal rows an interrupted run left open (a kill, a full disk): calls that
 * may or may not have happened, until the next apply looks them up. Text: a
 * section; JSON: "journal_open". With SLUG, that project's only.
 */
static int journal_open(struct buf *b, struct state *st, const char *slug, bool json)
{
	struct state_journal_entry *v = NULL;
	size_t n = 0, shown = 0;
	struct vrs_err err;
	char t[32];

	err_clear(&err);
	if (st && state_journal_list_open(st, &v, &n, &err) < 0) {
		cmd_error("%s", err.msg);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct state_journal_entry *e = &v[i];
		if (slug && (e->project_slug == NULL || strcmp(slug, e->project_slug) != 0))
			continue;
		state_time_fmt(e->started_at, t, sizeof(t));
		if (json) {
			buf_puts(b, shown ? ",\n    {\"op\": " : "\n    {\"op\": ");
			buf_json_str(b, m_op_name(e->op));
			buf_printf(
			    b, ", \"resource\": \"%s\", \"key\": ", m_resource_name(e->resource));
			buf_json_str(b, e->key);
			buf_puts(b, ", \"project\": ");
			buf_json_str(b, e->project_slug);
			buf_printf(b, ", \"service\": \"%s\", \"since\": \"%s\"}",
				   m_service_name(e->service), t);
		} else {
			if (!shown)
				buf_puts(
				    b,
				    "\nCalls that may have happened (left open in the journal by "
				    "an interrupted run; the next apply looks them up):\n");
			buf_printf(b, "  %s %s %s (%s%s%s) since %s\n", m_op_name(e->op),
				   m_resource_name(e->resource), e->key, m_service_name(e->service),
				   e->project_slug ? ", " : "",
				   e->project_slug ? e->project_slug : "", t);
		}
		shown++;
	}
	if (json)
		buf_puts(b, shown ? "\n  ]" : "]");
	state_journal_free(v, n);
	return 0;
}

static int check(struct cmd_ctx *c)
{
	if (c->nargs > 1)
		return cmd_usage_error(c->name, "unexpected argument '%s'", c->args[1]);
	return cmd_text_or_json(c->name, A.format, &A.json);
}

/* when a refresh last read each zone, and vrsctl last wrote in it (issue 15, item 4) */
static void json_zones(struct buf *b, const struct state_zone_reads *z)
{
	buf_puts(b, ",\n  \"zones\": [");
	for (size_t i = 0; i < z->n; i++) {
		buf_puts(b, i ? ",\n    {\"zone\": " : "\n    {\"zone\": ");
		buf_json_str(b, z->v[i].zone);
		buf_puts(b, ", \"read_at\": ");
		json_time(b, z->v[i].read_at);
		buf_puts(b, ", \"written_at\": ");
		json_time(b, z->v[i].written_at);
		buf_puts(b, "}");
	}
	buf_puts(b, z->n ? "\n  ]" : "]");
}

/* one line: the zone a refresh read least recently (never read first) */
static void text_zones(struct buf *b, const struct state_zone_reads *z)
{
	const struct state_zone_read *old = NULL;
	char t[32];

	for (size_t i = 0; i < z->n; i++)
		if (old == NULL || z->v[i].read_at < old->read_at)
			old = &z->v[i];
	if (old == NULL)
		return;
	buf_printf(b, "\nZones: %zu; least recently read by a refresh: %s (%s)\n", z->n, old->zone,
		   old->read_at ? state_time_fmt(old->read_at, t, sizeof(t)) : "never");
}

/*
 * issue 13: the catalogue rows the marketplace application made (no
 * vrs_catalogue row): left alone until a spec names them. Text: one line
 * per kind; JSON: "unmanaged_catalogue", [{"kind", "key"}].
 */
static void catalogue_kind(struct buf *b, const char *kind, const void *v, size_t n, size_t size,
			   size_t owned_off, bool json, size_t *shown)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		const char *x = (const char *)v + i * size;
		if (*(const bool *)(x + owned_off))
			continue;
		if (json) {
			buf_printf(b, "%s    {\"kind\": \"%s\", \"key\": ", *shown ? ",\n" : "\n",
				   kind);
			buf_json_str(b,
				     *(char *const *)x); /* the key is each struct's first member */
			buf_puts(b, "}");
		} else {
			if (*shown == 0)
				buf_puts(b, "\nCatalogue rows of the marketplace application "
					    "(unmanaged: left alone until a spec names them):\n");
			if (k == 0)
				buf_printf(b, "  %s: ", kind);
			buf_printf(b, "%s%s", k ? ", " : "", *(char *const *)x);
		}
		k++;
		(*shown)++;
	}
	if (k && !json)
		buf_puts(b, "\n");
}

static void unmanaged_catalogue(struct buf *b, const struct m_world *w, bool json)
{
	size_t shown = 0;

	if (json)
		buf_puts(b, ",\n  \"unmanaged_catalogue\": [");
#define KIND(name, arr, n, type)                                                                   \
	catalogue_kind(b, name, w->arr, w->n, sizeof(struct type), offsetof(struct type, owned),   \
		       json, &shown)
	KIND("server", servers, nservers, m_server);
	KIND("base_domain", base_domains, nbase_domains, m_base_domain);
	KIND("project_type", project_types, nproject_types, m_project_type);
	KIND("plugin", plugins, nplugins, m_plugin);
	KIND("bundle", bundles, nbundles, m_bundle);
#undef KIND
	if (json)
		buf_puts(b, shown ? "\n  ]" : "]");
}

static int json_all(struct buf *b, struct state *st, const struct m_world *w, const char *slug,
		    long long now, const char *leader, const struct state_zone_reads *z)
{
	bool first = true;

	/* PostgreSQL: the writer lock's holder (null: none, or SQLite) */
	buf_puts(b, "{\n  \"leader\": ");
	buf_json_str(b, leader && *leader ? leader : NULL);
	buf_puts(b, ",\n  \"projects\": [");
	for (size_t i = 0; i < w->nprojects; i++) {
		if (slug && strcmp(slug, w->projects[i].slug) != 0)
			continue;
		buf_puts(b, first ? "\n" : ",\n");
		first = false;
		json_project(b, &w->projects[i]);
	}
	buf_puts(b, first ? "],\n  \"certificates_expiring\": ["
			  : "\n  ],\n  \"certificates_expiring\": [");
	certs_expiring(b, w, slug, now, true);
	buf_puts(b, ",\n  \"journal_open\": [");
	if (journal_open(b, st, slug, true) < 0)
		return -1;
	json_zones(b, z);
	unmanaged_catalogue(b, w, true);
	buf_puts(b, "\n}\n");
	return 0;
}

static int run(struct cmd_ctx *c)
{
	const char *slug = c->nargs ? c->args[0] : NULL;
	const struct m_world *w = &c->recorded;
	bool pg = state_is_postgres(c->g->state);
	char leader[128] = "";
	struct state_zone_reads z = {0};
	struct vrs_err err;
	struct buf b;
	int rc;

	if (slug && world_project(w, slug) == NULL) {
		cmd_error("no project '%s' in state %s", slug, c->g->state);
		return EXIT_ERR;
	}
	err_clear(&err);
	if ((pg && state_lock_holder(c->g->state, leader, sizeof(leader), &err) < 0) ||
	    state_zone_reads_load(c->st, &z, &err) < 0) {
		state_zone_reads_release(&z);
		return cmd_fail(&err);
	}
	buf_init(&b);
	if (pg && !A.json)
		buf_printf(&b, "Leader: %s\n\n",
			   *leader ? leader : "none (no process holds the writer lock)");
	if (A.json) {
		rc = json_all(&b, c->st, w, slug, (long long)time(NULL), leader, &z);
	} else {
		if (w->nprojects == 0)
			buf_printf(&b, "No projects recorded in %s yet. Run 'vrsctl apply'.\n",
				   c->g->state);
		else {
			text_table(&b, w, slug, (long long)time(NULL));
			expiring(&b, w, slug, (long long)time(NULL));
			certs_expiring(&b, w, slug, (long long)time(NULL), false);
			if (slug == NULL)
				text_zones(&b, &z);
		}
		if (slug == NULL)
			unmanaged_catalogue(&b, w, false);
		rc = journal_open(&b, c->st, slug, false);
	}
	state_zone_reads_release(&z);
	if (rc < 0) {
		buf_release(&b);
		return EXIT_ERR;
	}
	cmd_write_out(b.data, b.len, A.json);
	buf_release(&b);
	return EXIT_OK;
}

const struct cmd_spec cmd_status = {
    .opts = opts,
    .usage = "usage: vrsctl status [SLUG] [--format text|json]\n"
	     "\n"
	     "Show the recorded projects: provisioning status, server, domains, retries\n"
	     "and the last error; per domain its DNS state and TLS state (the certificate\n"
	     "seen and its expiry), an active app seen unhealthy (since when), and the\n"
	     "certificates expiring within 21 days; when a refresh last read each zone\n"
	     "(JSON; text: the least recently read); the calls an interrupted run left open\n"
	     "in the journal (they may have happened; the next apply looks them up). With\n"
	     "SLUG, only that project. Reads the state only. On PostgreSQL it names the\n"
	     "leader: the process holding the writer lock (its application_name,\n"
	     "vrsctl@HOST:PID).\n"
	     "\n",
    .usage_end = "\n"
		 "Exit status: 0 ok, 1 error (unknown SLUG, unreadable state).\n",
    .help_width = 12,
    .check = check,
    .run = run,
};
