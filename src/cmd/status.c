/*
 * status.c — `vrsctl status [SLUG]`: the recorded projects as a table
 * (status, server, domains, last error) or JSON. Reads the state without
 * the lock and never changes it.
 */
#include "cmd/cmd.h"
#include "state/state.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char status_usage[] =
    "usage: vrsctl status [SLUG] [--format text|json]\n"
    "\n"
    "Show the recorded projects: provisioning status, server, domains, retries\n"
    "and the last error. With SLUG, only that project. Reads the state only.\n"
    "\n"
    "Exit status: 0 ok, 1 error (unknown SLUG, unreadable state).\n";

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
		buf_puts(b, "}");
	}
	buf_puts(b, "]}");
}

static void text_table(struct buf *b, const struct m_world *w, const char *slug)
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
		if (p->provisioning_error)
			buf_printf(b, "%-*s  error (try %d of 3): %s\n", (int)ws, "",
				   p->provisioning_retry_count, p->provisioning_error);
	}
}

/* registered and transferred domains that expire within 30 days, or have */
static void expiring(struct buf *b, const struct m_world *w, const char *slug)
{
	long long now = (long long)time(NULL), soon = now + 30LL * 86400;
	bool header = false;

	for (size_t i = 0; i < w->nprojects; i++) {
		const struct m_project *p = &w->projects[i];
		if (slug && strcmp(slug, p->slug) != 0)
			continue;
		for (size_t k = 0; k < p->ndomains; k++) {
			const struct m_domain *d = &p->domains[k];
			char t[32];
			if (d->expires_at == 0 || d->expires_at > soon)
				continue;
			if (!header)
				buf_puts(b, "\nDomains expiring within 30 days:\n");
			header = true;
			buf_printf(b, "  %s (%s): %s %s\n", d->fqdn, p->slug,
				   d->expires_at < now ? "expired" : "expires",
				   state_time_fmt(d->expires_at, t, sizeof(t)));
		}
	}
}

int cmd_status(int argc, char **argv, const struct global_opts *g)
{
	const char *slug = NULL, *format = "text";
	struct state *st = NULL;
	struct m_world w;
	struct vrs_err err;
	struct buf b;
	int rc = EXIT_ERR;

	if (cmd_wants_help(argc, argv, status_usage))
		return EXIT_OK;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else if (strncmp(argv[i], "--format=", 9) == 0)
			format = argv[i] + 9;
		else if (argv[i][0] == '-')
			return cmd_usage_error("status", "unknown flag '%s'", argv[i]);
		else if (slug == NULL)
			slug = argv[i];
		else
			return cmd_usage_error("status", "unexpected argument '%s'", argv[i]);
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
		return cmd_usage_error("status", "--format must be text or json, not '%s'", format);
	err_clear(&err);
	world_init(&w);
	buf_init(&b);
	if (state_open(g->state, STATE_READ, &st, &err) < 0 || state_load(st, &w, &err) < 0) {
		cmd_print_err(&err);
		goto out;
	}
	if (slug && world_project(&w, slug) == NULL) {
		fprintf(stderr, "vrsctl: error: no project '%s' in state %s\n", slug, g->state);
		goto out;
	}
	if (strcmp(format, "json") == 0) {
		bool first = true;
		buf_puts(&b, "{\n  \"projects\": [");
		for (size_t i = 0; i < w.nprojects; i++) {
			if (slug && strcmp(slug, w.projects[i].slug) != 0)
				continue;
			buf_puts(&b, first ? "\n" : ",\n");
			first = false;
			json_project(&b, &w.projects[i]);
		}
		buf_puts(&b, first ? "]\n}\n" : "\n  ]\n}\n");
	} else if (w.nprojects == 0) {
		buf_printf(&b, "No projects recorded in %s yet. Run 'vrsctl apply'.\n", g->state);
	} else {
		text_table(&b, &w, slug);
		expiring(&b, &w, slug);
	}
	fwrite(b.data, 1, b.len, stdout);
	rc = EXIT_OK;
out:
	buf_free(&b);
	world_free(&w);
	state_close(st);
	return rc;
}
