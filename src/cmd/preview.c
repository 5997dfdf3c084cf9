/*
 * preview.c — `vrsctl preview grant|list|revoke|verify`: preview-access
 * tokens of demo projects (the model's PreviewAccess, table
 * marketplace_preview_access). A grant is a magic link
 * (https://PRIMARY-DOMAIN/preview-access?token=TOKEN) plus a 6-digit code,
 * valid for some hours, reusable or single use.
 *
 * The token and the code are credentials: they are printed once, by grant,
 * and nowhere else (list shows the token's first 8 characters and a masked
 * code; the provisioning log gets the prefix only). grant, revoke and
 * verify take the state lock; list only reads. Validity is the model's
 * PreviewAccess.is_valid: not past expires_at, and not a used single-use
 * access. Revoking deletes the row, so a revoked token verifies as unknown.
 */
#include "cmd/cmd.h"
#include "engine/engine.h"
#include "state/state.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PREFIX_LEN 8	/* token characters shown by list */
#define MIN_PREFIX 6	/* shortest prefix revoke accepts */
#define MAX_HOURS  8760 /* one year */

static const char preview_usage[] =
    "usage: vrsctl preview COMMAND SLUG [flags]\n"
    "\n"
    "Preview-access tokens of demo projects (demo: true or preview_protection: true):\n"
    "a magic link and a 6-digit code that let someone see the project.\n"
    "\n"
    "Commands:\n"
    "  grant SLUG [--email E] [--name N] [--hours H] [--single-use] [--created-by WHO]\n"
    "             [--format text|json]\n"
    "                         create an access; prints token, code, expiry and link\n"
    "  list SLUG [--format text|json]\n"
    "                         the project's accesses (tokens and codes masked)\n"
    "  revoke SLUG TOKEN      delete one access (the token or a prefix of it)\n"
    "  verify SLUG (--token T | --code C) [--ip IP]\n"
    "                         check an access; when valid, count it as used\n"
    "\n"
    "'vrsctl preview COMMAND --help' describes each. grant, revoke and verify take\n"
    "the state lock.\n"
    "\n"
    "Exit status: 0 ok (verify: valid), 1 error (verify: not valid), 3 state locked.\n";

static const char grant_usage[] =
    "usage: vrsctl preview grant SLUG [--email E] [--name N] [--hours H] [--single-use]\n"
    "                            [--created-by WHO] [--format text|json]\n"
    "\n"
    "Create a preview access for the recorded project SLUG, which must be a demo\n"
    "or have preview protection. Prints the token, the 6-digit code, the expiry\n"
    "and the magic link https://PRIMARY-DOMAIN/preview-access?token=TOKEN; this\n"
    "is the only time token and code are shown.\n"
    "  --email E          for whom (optional)\n"
    "  --name N           for whom (optional)\n"
    "  --hours H          valid for H hours, 1 to 8760 (default 48)\n"
    "  --single-use       valid for one use only (default: reusable until expiry)\n"
    "  --created-by WHO   who grants it (default VRS_TRIGGERED_BY, the git author\n"
    "                     of the specs' HEAD, else 'system')\n"
    "  --format F         text (default) or json\n"
    "Takes the state lock and writes a preview_granted row to the provisioning log.\n"
    "\n"
    "Exit status: 0 ok, 1 error (unknown project, not a demo), 3 state locked.\n";

static const char list_usage[] =
    "usage: vrsctl preview list SLUG [--format text|json]\n"
    "\n"
    "List the preview accesses of project SLUG, newest first: token prefix, for\n"
    "whom, expiry, uses and whether it is valid. Full tokens and codes are never\n"
    "shown. Reads the state only.\n"
    "\n"
    "Exit status: 0 ok, 1 error (unknown project).\n";

static const char revoke_usage[] =
    "usage: vrsctl preview revoke SLUG TOKEN\n"
    "\n"
    "Delete one preview access of project SLUG. TOKEN is the full token or a\n"
    "prefix of at least 6 characters (as 'preview list' shows it) that matches\n"
    "exactly one access. Takes the state lock and writes a preview_revoked row\n"
    "to the provisioning log.\n"
    "\n"
    "Exit status: 0 ok, 1 error (unknown project or token, ambiguous prefix),\n"
    "3 state locked.\n";

static const char verify_usage[] =
    "usage: vrsctl preview verify SLUG (--token T | --code C) [--ip IP]\n"
    "\n"
    "Check a preview access of project SLUG by its full token or its 6-digit\n"
    "code. When valid, prints 'valid', counts the use (use count, used at, the\n"
    "client IP given with --ip) and exits 0. Otherwise prints 'invalid: REASON'\n"
    "(expired, used up, unknown; a revoked access is unknown) and exits 1.\n"
    "Takes the state lock.\n"
    "\n"
    "Exit status: 0 valid, 1 not valid or error, 3 state locked.\n";

/*
 * Match argv[*i] against flag `name` ("--name V" or "--name=V"). Returns 1
 * and sets *val when it matches, 0 when it does not, -1 when the value is
 * missing (the usage error is printed).
 */
static int opt_value(int argc, char **argv, int *i, const char *name, const char **val,
		     const char *sub)
{
	size_t n = strlen(name);
	char cmd[32];

	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*val = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] != 0)
		return 0;
	if (*i + 1 < argc) {
		*val = argv[++*i];
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "preview %s", sub);
	cmd_usage_error(cmd, "%s needs a value", name);
	return -1;
}

/* the model's PreviewAccess.is_valid; NULL when valid, else the reason */
static const char *invalid_reason(const struct state_preview *a, long long now)
{
	if (now > a->expires_at)
		return "expired";
	if (!a->is_reusable && a->is_used)
		return "used up";
	return NULL;
}

/* the primary domain of a recorded project (else its first); NULL if none */
static const char *primary_domain(const struct m_project *p)
{
	for (size_t i = 0; i < p->ndomains; i++)
		if (p->domains[i].primary)
			return p->domains[i].fqdn;
	return p->ndomains ? p->domains[0].fqdn : NULL;
}

/* "abcdefgh" — the shown part of a token; out >= PREFIX_LEN + 1 bytes */
static char *token_prefix(const char *token, char *out)
{
	snprintf(out, PREFIX_LEN + 1, "%s", token ? token : "");
	return out;
}

/*
 * Lock (when `lock`) and open the state, load it and find project slug.
 * On success returns 0 with *st, *lk and *p set (p points into *w). On
 * failure prints the error and returns the exit status (EXIT_ERR or
 * EXIT_LOCKED); the caller still frees w, st and lk.
 */
static int open_project(const struct global_opts *g, const char *slug, bool lock,
			struct state_lock **lk, struct state **st, struct m_world *w,
			const struct m_project **p)
{
	struct vrs_err err;
	int pid = 0;

	err_clear(&err);
	if (lock && state_lock(g->state, lk, &pid, &err) < 0) {
		cmd_print_err(&err);
		return cmd_exit_status(&err);
	}
	if (state_open(g->state, lock ? STATE_WRITE : STATE_READ, st, &err) < 0 ||
	    state_load(*st, w, &err) < 0) {
		cmd_print_err(&err);
		return EXIT_ERR;
	}
	*p = world_project(w, slug);
	if (*p == NULL) {
		fprintf(stderr, "vrsctl: error: no project '%s' in state %s\n", slug, g->state);
		return EXIT_ERR;
	}
	return 0;
}

/* ---- grant -------------------------------------------------------------- */

static int preview_grant(int argc, char **argv, const struct global_opts *g)
{
	const char *slug = NULL, *email = NULL, *name = NULL, *hours_s = NULL, *who = NULL;
	const char *format = "text", *v = NULL, *domain;
	bool single = false;
	long hours = 48;
	struct state_lock *lk = NULL;
	struct state *st = NULL;
	struct state_preview in, out;
	const struct m_project *p = NULL;
	struct m_world w;
	struct vrs_err err;
	struct buf b;
	char *who_default = NULL, t[32], pre[PREFIX_LEN + 1], msg[256];
	int rc = EXIT_ERR, m;

	if (cmd_wants_help(argc, argv, grant_usage))
		return EXIT_OK;
	for (int i = 1; i < argc; i++) {
		if ((m = opt_value(argc, argv, &i, "--email", &v, "grant")) != 0) {
			email = v;
		} else if ((m = opt_value(argc, argv, &i, "--name", &v, "grant")) != 0) {
			name = v;
		} else if ((m = opt_value(argc, argv, &i, "--hours", &v, "grant")) != 0) {
			hours_s = v;
		} else if ((m = opt_value(argc, argv, &i, "--created-by", &v, "grant")) != 0) {
			who = v;
		} else if ((m = opt_value(argc, argv, &i, "--format", &v, "grant")) != 0) {
			format = v;
		} else if (strcmp(argv[i], "--single-use") == 0) {
			single = true;
		} else if (argv[i][0] == '-') {
			return cmd_usage_error("preview grant", "unknown flag '%s'", argv[i]);
		} else if (slug == NULL) {
			slug = argv[i];
		} else {
			return cmd_usage_error("preview grant", "unexpected argument '%s'",
					       argv[i]);
		}
		if (m < 0)
			return EXIT_ERR;
	}
	if (slug == NULL)
		return cmd_usage_error("preview grant", "expects a project slug");
	if (hours_s) {
		char *end;
		hours = strtol(hours_s, &end, 10);
		if (*hours_s < '0' || *hours_s > '9' || *end || hours < 1 || hours > MAX_HOURS)
			return cmd_usage_error(
			    "preview grant", "--hours wants a whole number from 1 to %d, not '%s'",
			    MAX_HOURS, hours_s);
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
		return cmd_usage_error("preview grant", "--format must be text or json, not '%s'",
				       format);
	if (email && *email == 0)
		email = NULL;
	if (name && *name == 0)
		name = NULL;
	err_clear(&err);
	world_init(&w);
	buf_init(&b);
	memset(&out, 0, sizeof(out));
	if ((rc = open_project(g, slug, true, &lk, &st, &w, &p)) != 0)
		goto out;
	rc = EXIT_ERR;
	if (!p->demo && !p->preview_protection) {
		fprintf(stderr,
			"vrsctl: error: project '%s' is neither a demo nor preview-protected; set "
			"'demo: true' or 'preview_protection: true' in its spec and apply\n",
			p->slug);
		goto out;
	}
	if (who == NULL || *who == 0)
		who = who_default = engine_triggered_by(g->specs);
	memset(&in, 0, sizeof(in));
	in.project_slug = p->slug;
	in.email = (char *)email;
	in.name = (char *)name;
	in.expires_at = (long long)time(NULL) + hours * 3600LL;
	in.is_reusable = !single;
	in.created_by = (char *)who;
	if (state_begin(st, &err) < 0 || state_preview_grant(st, &in, &out, &err) < 0)
		goto fail;
	snprintf(msg, sizeof(msg), "preview access %s… for %s, %s, valid until %s",
		 token_prefix(out.token, pre),
		 email	? email
		 : name ? name
			: "anyone with the link",
		 single ? "single use" : "reusable", state_time_fmt(out.expires_at, t, sizeof(t)));
	{
		struct state_log_entry e = {.project_slug = p->slug,
					    .action = "preview_granted",
					    .message = msg,
					    .triggered_by = (char *)who};
		if (state_log_add(st, &e, &err) < 0 || state_commit(st, &err) < 0)
			goto fail;
	}
	domain = primary_domain(p);
	state_time_fmt(out.expires_at, t, sizeof(t));
	if (strcmp(format, "json") == 0) {
		buf_puts(&b, "{\"project\": ");
		buf_json_str(&b, p->slug);
		buf_puts(&b, ", \"token\": ");
		buf_json_str(&b, out.token);
		buf_puts(&b, ", \"code\": ");
		buf_json_str(&b, out.code);
		buf_puts(&b, ", \"expires_at\": ");
		buf_json_str(&b, t);
		buf_printf(&b,
			   ", \"reusable\": %s, \"email\": ", out.is_reusable ? "true" : "false");
		buf_json_str(&b, out.email);
		buf_puts(&b, ", \"name\": ");
		buf_json_str(&b, out.name);
		buf_puts(&b, ", \"created_by\": ");
		buf_json_str(&b, out.created_by);
		buf_puts(&b, ", \"link\": ");
		if (domain) {
			buf_puts(&b, "\"https://");
			buf_puts(&b, domain); /* LDH labels and a URL-safe token: no escapes */
			buf_puts(&b, "/preview-access?token=");
			buf_puts(&b, out.token);
			buf_puts(&b, "\"");
		} else {
			buf_puts(&b, "null");
		}
		buf_puts(&b, "}\n");
	} else {
		buf_printf(&b, "Preview access for %s (%s, valid %ld hour%s):\n", p->slug,
			   single ? "single use" : "reusable", hours, hours == 1 ? "" : "s");
		buf_printf(&b, "  token:    %s\n", out.token);
		buf_printf(&b, "  code:     %s\n", out.code);
		buf_printf(&b, "  expires:  %s\n", t);
		if (domain)
			buf_printf(&b, "  link:     https://%s/preview-access?token=%s\n", domain,
				   out.token);
		else
			buf_puts(&b, "  link:     none (the project has no domain recorded)\n");
	}
	fwrite(b.data, 1, b.len, stdout);
	rc = EXIT_OK;
	goto out;
fail:
	state_rollback(st, NULL);
	cmd_print_err(&err);
out:
	state_preview_release(&out);
	free(who_default);
	buf_free(&b);
	world_free(&w);
	state_close(st);
	state_unlock(lk);
	return rc;
}

/* ---- list --------------------------------------------------------------- */

static void list_json(struct buf *b, const struct state_preview *v, size_t n, long long now)
{
	char t[32], pre[PREFIX_LEN + 1];

	buf_puts(b, "[");
	for (size_t i = 0; i < n; i++) {
		const struct state_preview *a = &v[i];
		const char *why = invalid_reason(a, now);
		buf_puts(b, i ? ",\n  {" : "\n  {");
		buf_puts(b, "\"token_prefix\": ");
		buf_json_str(b, token_prefix(a->token, pre));
		buf_puts(b, ", \"email\": ");
		buf_json_str(b, a->email);
		buf_puts(b, ", \"name\": ");
		buf_json_str(b, a->name);
		buf_puts(b, ", \"expires_at\": ");
		buf_json_str(b, state_time_fmt(a->expires_at, t, sizeof(t)));
		buf_printf(b, ", \"reusable\": %s, \"is_used\": %s, \"use_count\": %d",
			   a->is_reusable ? "true" : "false", a->is_used ? "true" : "false",
			   a->use_count);
		buf_puts(b, ", \"used_at\": ");
		if (a->used_at)
			buf_json_str(b, state_time_fmt(a->used_at, t, sizeof(t)));
		else
			buf_puts(b, "null");
		buf_puts(b, ", \"used_ip\": ");
		buf_json_str(b, a->used_ip);
		buf_puts(b, ", \"created_at\": ");
		buf_json_str(b, state_time_fmt(a->created_at, t, sizeof(t)));
		buf_puts(b, ", \"created_by\": ");
		buf_json_str(b, a->created_by);
		buf_printf(b, ", \"valid\": %s, \"reason\": ", why ? "false" : "true");
		buf_json_str(b, why);
		buf_puts(b, "}");
	}
	buf_puts(b, n ? "\n]\n" : "]\n");
}

static void list_text(struct buf *b, const struct state_preview *v, size_t n, long long now)
{
	size_t wf = 3;

	for (size_t i = 0; i < n; i++) {
		size_t l = (v[i].name ? strlen(v[i].name) + 1 : 0) +
			   (v[i].email ? strlen(v[i].email) + 2 : 0);
		wf = l > wf ? l : wf;
	}
	/* "…" is 3 bytes and one column: pad the token column by hand */
	buf_printf(b, "%-*s  %-6s  %-*s  %-20s  %-10s  %s\n", PREFIX_LEN + 1, "TOKEN", "CODE",
		   (int)wf, "FOR", "EXPIRES", "USES", "STATE");
	for (size_t i = 0; i < n; i++) {
		const struct state_preview *a = &v[i];
		const char *why = invalid_reason(a, now);
		char t[32], pre[PREFIX_LEN + 1], who[512], uses[32];
		if (a->name && a->email)
			snprintf(who, sizeof(who), "%s <%s>", a->name, a->email);
		else
			snprintf(who, sizeof(who), "%s",
				 a->name    ? a->name
				 : a->email ? a->email
					    : "-");
		snprintf(uses, sizeof(uses), "%d%s", a->use_count, a->is_reusable ? "" : " of 1");
		buf_printf(b, "%s…  ******  %-*s  %-20s  %-10s  %s\n", token_prefix(a->token, pre),
			   (int)wf, who, state_time_fmt(a->expires_at, t, sizeof(t)), uses,
			   why ? why : "valid");
	}
}

static int preview_list(int argc, char **argv, const struct global_opts *g)
{
	const char *slug = NULL, *format = "text", *v = NULL;
	struct state *st = NULL;
	struct state_preview *rows = NULL;
	const struct m_project *p = NULL;
	size_t n = 0;
	struct m_world w;
	struct vrs_err err;
	struct buf b;
	int rc, m;

	if (cmd_wants_help(argc, argv, list_usage))
		return EXIT_OK;
	for (int i = 1; i < argc; i++) {
		if ((m = opt_value(argc, argv, &i, "--format", &v, "list")) < 0)
			return EXIT_ERR;
		else if (m)
			format = v;
		else if (argv[i][0] == '-')
			return cmd_usage_error("preview list", "unknown flag '%s'", argv[i]);
		else if (slug == NULL)
			slug = argv[i];
		else
			return cmd_usage_error("preview list", "unexpected argument '%s'", argv[i]);
	}
	if (slug == NULL)
		return cmd_usage_error("preview list", "expects a project slug");
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
		return cmd_usage_error("preview list", "--format must be text or json, not '%s'",
				       format);
	err_clear(&err);
	world_init(&w);
	buf_init(&b);
	if ((rc = open_project(g, slug, false, NULL, &st, &w, &p)) != 0)
		goto out;
	rc = EXIT_ERR;
	if (state_preview_list(st, p->slug, &rows, &n, &err) < 0) {
		cmd_print_err(&err);
		goto out;
	}
	if (strcmp(format, "json") == 0)
		list_json(&b, rows, n, (long long)time(NULL));
	else if (n == 0)
		buf_printf(&b, "No preview accesses for %s.\n", p->slug);
	else
		list_text(&b, rows, n, (long long)time(NULL));
	fwrite(b.data, 1, b.len, stdout);
	rc = EXIT_OK;
out:
	state_preview_free(rows, n);
	buf_free(&b);
	world_free(&w);
	state_close(st);
	return rc;
}

/* ---- revoke ------------------------------------------------------------- */

static int preview_revoke(int argc, char **argv, const struct global_opts *g)
{
	const char *slug = NULL, *tok = NULL;
	struct state_lock *lk = NULL;
	struct state *st = NULL;
	struct state_preview *rows = NULL;
	const struct state_preview *hit = NULL;
	const struct m_project *p = NULL;
	size_t n = 0, len, nhits = 0;
	struct m_world w;
	struct vrs_err err;
	char pfx[80], pre[PREFIX_LEN + 1], msg[128], *who = NULL;
	int rc;

	if (cmd_wants_help(argc, argv, revoke_usage))
		return EXIT_OK;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			return cmd_usage_error("preview revoke", "unknown flag '%s'", argv[i]);
		else if (slug == NULL)
			slug = argv[i];
		else if (tok == NULL)
			tok = argv[i];
		else
			return cmd_usage_error("preview revoke", "unexpected argument '%s'",
					       argv[i]);
	}
	if (slug == NULL || tok == NULL)
		return cmd_usage_error("preview revoke", "expects a project slug and a token");
	/* accept the prefix as list prints it, with its "…" or "..." */
	snprintf(pfx, sizeof(pfx), "%s", tok);
	len = strlen(pfx);
	if (len >= 3 && (strcmp(pfx + len - 3, "…") == 0 || strcmp(pfx + len - 3, "...") == 0))
		pfx[len -= 3] = 0;
	if (len < MIN_PREFIX)
		return cmd_usage_error("preview revoke",
				       "a token prefix needs at least %d characters, not '%s'",
				       MIN_PREFIX, tok);
	err_clear(&err);
	world_init(&w);
	if ((rc = open_project(g, slug, true, &lk, &st, &w, &p)) != 0)
		goto out;
	rc = EXIT_ERR;
	if (state_preview_list(st, p->slug, &rows, &n, &err) < 0) {
		cmd_print_err(&err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (rows[i].token && strncmp(rows[i].token, pfx, len) == 0) {
			hit = &rows[i];
			nhits++;
		}
	}
	if (nhits == 0) {
		fprintf(stderr, "vrsctl: error: project '%s' has no preview access with token %s\n",
			p->slug, tok);
		goto out;
	}
	if (nhits > 1) {
		fprintf(stderr,
			"vrsctl: error: token prefix '%s' matches %zu preview accesses of '%s'; "
			"give more characters\n",
			pfx, nhits, p->slug);
		goto out;
	}
	token_prefix(hit->token, pre);
	snprintf(msg, sizeof(msg), "preview access %s… revoked", pre);
	who = engine_triggered_by(g->specs);
	{
		struct state_log_entry e = {.project_slug = p->slug,
					    .action = "preview_revoked",
					    .message = msg,
					    .triggered_by = who};
		if (state_begin(st, &err) < 0 || state_preview_revoke(st, hit->token, &err) < 0 ||
		    state_log_add(st, &e, &err) < 0 || state_commit(st, &err) < 0) {
			state_rollback(st, NULL);
			cmd_print_err(&err);
			goto out;
		}
	}
	if (!g->quiet)
		printf("%s: preview access %s… revoked\n", p->slug, pre);
	rc = EXIT_OK;
out:
	free(who);
	state_preview_free(rows, n);
	world_free(&w);
	state_close(st);
	state_unlock(lk);
	return rc;
}

/* ---- verify ------------------------------------------------------------- */

static int preview_verify(int argc, char **argv, const struct global_opts *g)
{
	const char *slug = NULL, *token = NULL, *code = NULL, *ip = NULL, *v = NULL, *why;
	struct state_lock *lk = NULL;
	struct state *st = NULL;
	struct state_preview a;
	const struct m_project *p = NULL;
	struct m_world w;
	struct vrs_err err;
	char t[32];
	int rc, m, found;

	if (cmd_wants_help(argc, argv, verify_usage))
		return EXIT_OK;
	for (int i = 1; i < argc; i++) {
		if ((m = opt_value(argc, argv, &i, "--token", &v, "verify")) != 0)
			token = v;
		else if ((m = opt_value(argc, argv, &i, "--code", &v, "verify")) != 0)
			code = v;
		else if ((m = opt_value(argc, argv, &i, "--ip", &v, "verify")) != 0)
			ip = v;
		else if (argv[i][0] == '-')
			return cmd_usage_error("preview verify", "unknown flag '%s'", argv[i]);
		else if (slug == NULL)
			slug = argv[i];
		else
			return cmd_usage_error("preview verify", "unexpected argument '%s'",
					       argv[i]);
		if (m < 0)
			return EXIT_ERR;
	}
	if (slug == NULL)
		return cmd_usage_error("preview verify", "expects a project slug");
	if ((token == NULL) == (code == NULL))
		return cmd_usage_error("preview verify", "give exactly one of --token and --code");
	if (code && (strlen(code) != 6 || strspn(code, "0123456789") != 6))
		return cmd_usage_error("preview verify", "--code wants 6 digits");
	if (token && *token == 0)
		return cmd_usage_error("preview verify", "--token is empty");
	if (ip && (*ip == 0 || strlen(ip) > 45)) /* used_ip is VARCHAR(45) */
		return cmd_usage_error("preview verify", "--ip wants an IPv4 or IPv6 address");
	err_clear(&err);
	world_init(&w);
	memset(&a, 0, sizeof(a));
	if ((rc = open_project(g, slug, true, &lk, &st, &w, &p)) != 0)
		goto out;
	rc = EXIT_ERR;
	found = state_preview_find(st, token, p->slug, code, &a, &err);
	if (found < 0) {
		cmd_print_err(&err);
		goto out;
	}
	/* a token of another project is unknown here */
	if (found == 0 || strcmp(a.project_slug, p->slug) != 0) {
		if (!g->quiet)
			printf("invalid: unknown %s for %s\n", token ? "token" : "code", p->slug);
		goto out;
	}
	why = invalid_reason(&a, (long long)time(NULL));
	if (why) {
		if (!g->quiet)
			printf("invalid: %s (%s, %s %s, used %d time%s)\n", why,
			       a.is_reusable ? "reusable" : "single use",
			       strcmp(why, "expired") == 0 ? "expired" : "expires",
			       state_time_fmt(a.expires_at, t, sizeof(t)), a.use_count,
			       a.use_count == 1 ? "" : "s");
		goto out;
	}
	if (state_preview_mark_used(st, a.token, ip, &err) < 0) {
		cmd_print_err(&err);
		goto out;
	}
	if (!g->quiet)
		printf("valid (%s, expires %s, use %d)\n",
		       a.is_reusable ? "reusable" : "single use",
		       state_time_fmt(a.expires_at, t, sizeof(t)), a.use_count + 1);
	rc = EXIT_OK;
out:
	state_preview_release(&a);
	world_free(&w);
	state_close(st);
	state_unlock(lk);
	return rc;
}

/* ---- dispatch ----------------------------------------------------------- */

int cmd_preview(int argc, char **argv, const struct global_opts *g)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv, const struct global_opts *g);
	} subs[] = {
	    {"grant", preview_grant},
	    {"list", preview_list},
	    {"revoke", preview_revoke},
	    {"verify", preview_verify},
	};

	if (cmd_wants_help(argc < 2 ? argc : 2, argv, preview_usage))
		return EXIT_OK;
	if (argc < 2)
		return cmd_usage_error("preview",
				       "expects a command: grant, list, revoke or verify");
	if (argv[1][0] == '-')
		return cmd_usage_error("preview", "unknown flag '%s'", argv[1]);
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].fn(argc - 1, argv + 1, g);
	return cmd_usage_error("preview", "unknown command '%s' (grant, list, revoke, verify)",
			       argv[1]);
}
