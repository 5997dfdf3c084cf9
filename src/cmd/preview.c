/*
 * preview.c — `vrsctl preview grant|list|revoke|verify`: preview-access
 * tokens of demo projects (the model's PreviewAccess, table
 * marketplace_preview_access). A grant is a magic link
 * (https://PRIMARY-DOMAIN/preview-access?token=TOKEN) plus a 6-digit code.
 * The rules (validity, demo gating, prefixes, the log rows) are
 * engine/preview.c's; this file parses arguments and prints.
 *
 * The token and the code are credentials: they are printed once, by grant,
 * and nowhere else (list shows the token's first 8 characters and a masked
 * code). grant, revoke and verify take the state lock; list only reads.
 */
#include "cmd/cmd.h"
#include "engine/engine.h"
#include "engine/preview.h"
#include "state/state.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

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
    "is the only time token and code are shown.\n";

static const char grant_usage_end[] =
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
    "usage: vrsctl preview revoke SLUG [--] TOKEN\n"
    "\n"
    "Delete one preview access of project SLUG. TOKEN is the full token or a\n"
    "prefix of at least 6 characters (as 'preview list' shows it) that matches\n"
    "exactly one access. Takes the state lock and writes a preview_revoked row\n"
    "to the provisioning log. A token may begin with '-' (its alphabet is\n"
    "base64url): put '--' before it, as in 'preview revoke SLUG -- -xY3...'.\n"
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

/* ---- grant -------------------------------------------------------------- */

static struct {
	const char *email, *name, *who, *format;
	int hours;
	bool single, json;
} G = {.format = "text", .hours = 48};

static const struct opt grant_opts[] = {
    {OPT_STRING, "--email", NULL, &G.email, .empty_ok = true, .arg = "E",
     .help = "for whom (optional)"},
    {OPT_STRING, "--name", NULL, &G.name, .empty_ok = true, .arg = "N",
     .help = "for whom (optional)"},
    {OPT_INT, "--hours", NULL, &G.hours, 1, PREVIEW_MAX_HOURS, .arg = "H",
     .help = "valid for H hours, 1 to 8760 (default 48)"},
    {OPT_BOOL, "--single-use", NULL, &G.single,
     .help = "valid for one use only (default: reusable until expiry)"},
    {OPT_STRING, "--created-by", NULL, &G.who, .empty_ok = true, .arg = "WHO",
     .help = "who grants it (default VRS_TRIGGERED_BY, the git author\nof the specs' HEAD, else "
	     "'system')"},
    {OPT_STRING, "--format", NULL, &G.format, .empty_ok = true, .arg = "F",
     .help = "text (default) or json"},
    {.type = OPT_END},
};

/* exactly one positional: the slug */
static int one_slug(struct cmd_ctx *c)
{
	if (c->nargs == 0)
		return cmd_usage_error(c->name, "expects a project slug");
	if (c->nargs > 1)
		return cmd_usage_error(c->name, "unexpected argument '%s'", c->args[1]);
	return EXIT_OK;
}

static int grant_check(struct cmd_ctx *c)
{
	if (one_slug(c) != EXIT_OK)
		return EXIT_ERR;
	if (G.email && *G.email == 0)
		G.email = NULL;
	if (G.name && *G.name == 0)
		G.name = NULL;
	return cmd_text_or_json(c->name, G.format, &G.json);
}

static void grant_json(struct buf *b, const struct m_project *p, const struct state_preview *a,
		       const char *t)
{
	const char *domain = preview_primary_domain(p);

	buf_puts(b, "{\"project\": ");
	buf_json_str(b, p->slug);
	buf_puts(b, ", \"token\": ");
	buf_json_str(b, a->token);
	buf_puts(b, ", \"code\": ");
	buf_json_str(b, a->code);
	buf_puts(b, ", \"expires_at\": ");
	buf_json_str(b, t);
	buf_printf(b, ", \"reusable\": %s, \"email\": ", a->is_reusable ? "true" : "false");
	buf_json_str(b, a->email);
	buf_puts(b, ", \"name\": ");
	buf_json_str(b, a->name);
	buf_puts(b, ", \"created_by\": ");
	buf_json_str(b, a->created_by);
	buf_puts(b, ", \"link\": ");
	if (domain) {
		buf_puts(b, "\"https://");
		buf_puts(b, domain); /* LDH labels and a URL-safe token: no escapes */
		buf_puts(b, "/preview-access?token=");
		buf_puts(b, a->token);
		buf_puts(b, "\"");
	} else {
		buf_puts(b, "null");
	}
	buf_puts(b, "}\n");
}

static void grant_text(struct buf *b, const struct m_project *p, const struct state_preview *a,
		       const char *t)
{
	const char *domain = preview_primary_domain(p);

	buf_printf(b, "Preview access for %s (%s, valid %d hour%s):\n", p->slug,
		   G.single ? "single use" : "reusable", G.hours, G.hours == 1 ? "" : "s");
	buf_printf(b, "  token:    %s\n", a->token);
	buf_printf(b, "  code:     %s\n", a->code);
	buf_printf(b, "  expires:  %s\n", t);
	if (domain)
		buf_printf(b, "  link:     https://%s/preview-access?token=%s\n", domain, a->token);
	else
		buf_puts(b, "  link:     none (the project has no domain recorded)\n");
}

static int grant_run(struct cmd_ctx *c)
{
	struct preview_grant_req rq = {
	    .email = G.email, .name = G.name, .hours = G.hours, .single_use = G.single};
	const struct m_project *p;
	struct state_preview out;
	struct vrs_err err;
	struct buf b;
	char *who_default = NULL, t[32];
	int rc = EXIT_ERR;

	err_clear(&err);
	memset(&out, 0, sizeof(out));
	if (preview_project(c->st, &c->recorded, c->args[0], &p, &err) < 0)
		return cmd_fail(&err);
	rq.who = G.who && *G.who ? G.who : (who_default = engine_triggered_by(c->g->specs));
	buf_init(&b);
	if (preview_grant(c->st, p, &rq, &out, &err) < 0) {
		rc = cmd_fail(&err);
	} else {
		state_time_fmt(out.expires_at, t, sizeof(t));
		if (G.json)
			grant_json(&b, p, &out, t);
		else
			grant_text(&b, p, &out, t);
		cmd_write_out(b.data, b.len, G.json);
		rc = EXIT_OK;
	}
	state_preview_release(&out);
	free(who_default);
	buf_release(&b);
	return rc;
}

static const struct cmd_spec grant_spec = {
    .opts = grant_opts,
    .usage = grant_usage,
    .usage_end = grant_usage_end,
    .help_width = 18,
    .check = grant_check,
    .run = grant_run,
};

/* ---- list --------------------------------------------------------------- */

static void list_json(struct buf *b, const struct state_preview *v, size_t n, long long now)
{
	char t[32], pre[PREVIEW_PREFIX_LEN + 1];

	buf_puts(b, "[");
	for (size_t i = 0; i < n; i++) {
		const struct state_preview *a = &v[i];
		const char *why = preview_invalid_reason(a, now);
		buf_puts(b, i ? ",\n  {" : "\n  {");
		buf_puts(b, "\"token_prefix\": ");
		buf_json_str(b, preview_token_prefix(a->token, pre));
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
	buf_printf(b, "%-*s  %-6s  %-*s  %-20s  %-10s  %s\n", PREVIEW_PREFIX_LEN + 1, "TOKEN",
		   "CODE", (int)wf, "FOR", "EXPIRES", "USES", "STATE");
	for (size_t i = 0; i < n; i++) {
		const struct state_preview *a = &v[i];
		const char *why = preview_invalid_reason(a, now);
		char t[32], pre[PREVIEW_PREFIX_LEN + 1], who[512], uses[32];
		if (a->name && a->email)
			snprintf(who, sizeof(who), "%s <%s>", a->name, a->email);
		else
			snprintf(who, sizeof(who), "%s",
				 a->name    ? a->name
				 : a->email ? a->email
					    : "-");
		snprintf(uses, sizeof(uses), "%d%s", a->use_count, a->is_reusable ? "" : " of 1");
		buf_printf(b, "%s…  ******  %-*s  %-20s  %-10s  %s\n",
			   preview_token_prefix(a->token, pre), (int)wf, who,
			   state_time_fmt(a->expires_at, t, sizeof(t)), uses, why ? why : "valid");
	}
}

static struct {
	const char *format;
	bool json;
} L = {.format = "text"};

static const struct opt list_opts[] = {
    {OPT_STRING, "--format", NULL, &L.format, .empty_ok = true, .arg = "F"},
    {.type = OPT_END},
};

static int list_check(struct cmd_ctx *c)
{
	if (one_slug(c) != EXIT_OK)
		return EXIT_ERR;
	return cmd_text_or_json(c->name, L.format, &L.json);
}

static int list_run(struct cmd_ctx *c)
{
	struct state_preview *rows = NULL;
	const struct m_project *p;
	size_t n = 0;
	struct vrs_err err;
	struct buf b;

	err_clear(&err);
	if (preview_project(c->st, &c->recorded, c->args[0], &p, &err) < 0 ||
	    state_preview_list(c->st, p->slug, &rows, &n, &err) < 0)
		return cmd_fail(&err);
	buf_init(&b);
	if (L.json)
		list_json(&b, rows, n, preview_now());
	else if (n == 0)
		buf_printf(&b, "No preview accesses for %s.\n", p->slug);
	else
		list_text(&b, rows, n, preview_now());
	cmd_write_out(b.data, b.len, L.json);
	state_preview_free(rows, n);
	buf_release(&b);
	return EXIT_OK;
}

static const struct cmd_spec list_spec = {
    .opts = list_opts,
    .usage = list_usage,
    .check = list_check,
    .run = list_run,
};

/* ---- revoke ------------------------------------------------------------- */

static struct {
	char pfx[80];
	size_t len;
} R;

static int revoke_check(struct cmd_ctx *c)
{
	if (c->nargs < 2)
		return cmd_usage_error(c->name, "expects a project slug and a token");
	if (c->nargs > 2)
		return cmd_usage_error(c->name, "unexpected argument '%s'", c->args[2]);
	/* accept the prefix as list prints it, with its "…" or "..." */
	R.len = preview_prefix_normalize(c->args[1], R.pfx, sizeof(R.pfx));
	if (R.len < PREVIEW_MIN_PREFIX)
		return cmd_usage_error(c->name,
				       "a token prefix needs at least %d characters, not '%s'",
				       PREVIEW_MIN_PREFIX, c->args[1]);
	return EXIT_OK;
}

static int revoke_run(struct cmd_ctx *c)
{
	const struct m_project *p;
	struct vrs_err err;
	char pre[PREVIEW_PREFIX_LEN + 1], *who;
	int rc;

	err_clear(&err);
	if (preview_project(c->st, &c->recorded, c->args[0], &p, &err) < 0)
		return cmd_fail(&err);
	who = engine_triggered_by(c->g->specs);
	rc = preview_revoke(c->st, p, R.pfx, R.len, c->args[1], who, pre, &err);
	free(who);
	if (rc < 0)
		return cmd_fail(&err);
	if (!c->g->quiet)
		printf("%s: preview access %s… revoked\n", p->slug, pre);
	return EXIT_OK;
}

static const struct cmd_spec revoke_spec = {
    .usage = revoke_usage,
    .check = revoke_check,
    .run = revoke_run,
};

/* ---- verify ------------------------------------------------------------- */

static struct {
	const char *token, *code, *ip;
} V;

static const struct opt verify_opts[] = {
    {OPT_STRING, "--token", NULL, &V.token, .empty_ok = true, .arg = "T"},
    {OPT_STRING, "--code", NULL, &V.code, .empty_ok = true, .arg = "C"},
    {OPT_STRING, "--ip", NULL, &V.ip, .empty_ok = true, .arg = "IP"},
    {.type = OPT_END},
};

static int verify_check(struct cmd_ctx *c)
{
	if (one_slug(c) != EXIT_OK)
		return EXIT_ERR;
	if ((V.token == NULL) == (V.code == NULL))
		return cmd_usage_error(c->name, "give exactly one of --token and --code");
	if (V.code && (strlen(V.code) != 6 || strspn(V.code, "0123456789") != 6))
		return cmd_usage_error(c->name, "--code wants 6 digits");
	if (V.token && *V.token == 0)
		return cmd_usage_error(c->name, "--token is empty");
	if (V.ip && (*V.ip == 0 || strlen(V.ip) > 45)) /* used_ip is VARCHAR(45) */
		return cmd_usage_error(c->name, "--ip wants an IPv4 or IPv6 address");
	return EXIT_OK;
}

static int verify_run(struct cmd_ctx *c)
{
	const struct m_project *p;
	struct preview_check v;
	struct vrs_err err;
	const struct state_preview *a = &v.a;
	char t[32];
	int rc = EXIT_ERR;

	err_clear(&err);
	if (preview_project(c->st, &c->recorded, c->args[0], &p, &err) < 0)
		return cmd_fail(&err);
	if (preview_verify(c->st, p, V.token, V.code, V.ip, &v, &err) < 0) {
		rc = cmd_fail(&err);
	} else if (!v.found) {
		if (!c->g->quiet)
			printf("invalid: unknown %s for %s\n", V.token ? "token" : "code", p->slug);
	} else if (v.why) {
		if (!c->g->quiet)
			printf("invalid: %s (%s, %s %s, used %d time%s)\n", v.why,
			       a->is_reusable ? "reusable" : "single use",
			       strcmp(v.why, "expired") == 0 ? "expired" : "expires",
			       state_time_fmt(a->expires_at, t, sizeof(t)), a->use_count,
			       a->use_count == 1 ? "" : "s");
	} else {
		if (!c->g->quiet)
			printf("valid (%s, expires %s, use %d)\n",
			       a->is_reusable ? "reusable" : "single use",
			       state_time_fmt(a->expires_at, t, sizeof(t)), a->use_count + 1);
		rc = EXIT_OK;
	}
	state_preview_release(&v.a);
	return rc;
}

static const struct cmd_spec verify_spec = {
    .opts = verify_opts,
    .usage = verify_usage,
    .check = verify_check,
    .run = verify_run,
};

/* ---- dispatch ----------------------------------------------------------- */

#define PREVIEW_RW (NEED_LOCK | NEED_STATE_RW | NEED_WORLD)

static const struct cmd subs[] = {
    {"preview grant", PREVIEW_RW, &grant_spec, NULL, NULL},
    {"preview list", NEED_STATE_RO | NEED_WORLD, &list_spec, NULL, NULL},
    {"preview revoke", PREVIEW_RW, &revoke_spec, NULL, NULL},
    {"preview verify", PREVIEW_RW, &verify_spec, NULL, NULL},
};

int cmd_preview(int argc, char **argv, const struct global_opts *g)
{
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(preview_usage, stdout);
		return EXIT_OK;
	}
	if (argc < 2)
		return cmd_usage_error("preview",
				       "expects a command: grant, list, revoke or verify");
	if (argv[1][0] == '-')
		return cmd_usage_error("preview", "unknown flag '%s'", argv[1]);
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].name + strlen("preview ")) == 0)
			return cmd_run(&subs[i], argc - 1, argv + 1, g);
	return cmd_usage_error("preview", "unknown command '%s' (grant, list, revoke, verify)",
			       argv[1]);
}
