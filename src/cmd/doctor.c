/*
 * doctor.c — `vrsctl doctor`: the preflight an operator runs before the
 * first apply. Arguments, wiring and printing only; the checks are
 * engine/doctor.c. Creates, deploys and changes nothing, and never opens
 * (or creates) the state.
 */
#include "cmd/cmd.h"
#include "engine/doctor.h"
#include "util/buf.h"

#include <string.h>

/* the parsed flags */
static struct {
	const char *format;
	bool json;
} A = {"text", false};

static const struct opt opts[] = {
    {OPT_STRING, "--format", NULL, &A.format, .arg = "FMT",
     .help = "text (default) or json: {\"ok\": BOOL, \"checks\": [{\"name\",\n"
	     "\"status\" (ok|warn|FAIL|skip), \"ok\", \"detail\", \"fix\"}]}"},
    {.type = OPT_END},
};

static const char *color_of(enum doctor_status s)
{
	switch (s) {
	case DOCTOR_OK:
		return "\033[32m";
	case DOCTOR_WARN:
		return "\033[33m";
	case DOCTOR_FAIL:
		return "\033[31m";
	case DOCTOR_SKIP:
		return "\033[2m";
	}
	return "";
}

static void print_text(struct buf *b, const struct doctor_report *r, const struct global_opts *g)
{
	size_t w = 4;

	for (size_t i = 0; i < r->n; i++)
		if (strlen(r->v[i].name) > w)
			w = strlen(r->v[i].name);
	for (size_t i = 0; i < r->n; i++) {
		const struct doctor_check *c = &r->v[i];
		const char *st = doctor_status_name(c->status);

		if (g->quiet && c->status != DOCTOR_FAIL)
			continue;
		if (g->color)
			buf_printf(b, "%s%-4s\033[0m  ", color_of(c->status), st);
		else
			buf_printf(b, "%-4s  ", st);
		buf_printf(b, "%-*s  %s", (int)w, c->name, c->detail);
		if (c->fix && c->status != DOCTOR_OK)
			buf_printf(b, "; fix: %s", c->fix);
		buf_puts(b, "\n");
	}
}

static void print_json(struct buf *b, const struct doctor_report *r)
{
	buf_printf(b, "{\n  \"ok\": %s,\n  \"checks\": [",
		   doctor_report_failed(r) ? "false" : "true");
	for (size_t i = 0; i < r->n; i++) {
		const struct doctor_check *c = &r->v[i];

		buf_puts(b, i ? ",\n    {\"name\": " : "\n    {\"name\": ");
		buf_json_str(b, c->name);
		buf_printf(b, ", \"status\": \"%s\", \"ok\": %s, \"detail\": ",
			   doctor_status_name(c->status),
			   c->status == DOCTOR_OK || c->status == DOCTOR_WARN ? "true" : "false");
		buf_json_str(b, c->detail);
		buf_puts(b, ", \"fix\": ");
		if (c->fix && c->status != DOCTOR_OK)
			buf_json_str(b, c->fix);
		else
			buf_puts(b, "null");
		buf_puts(b, "}");
	}
	buf_puts(b, r->n ? "\n  ]\n}\n" : "]\n}\n");
}

static int check(struct cmd_ctx *c)
{
	if (c->nargs > 0)
		return cmd_usage_error(c->name, "unexpected argument '%s'", c->args[0]);
	return cmd_text_or_json(c->name, A.format, &A.json);
}

static int run(struct cmd_ctx *c)
{
	const struct global_opts *g = c->g;
	struct doctor_opts o = {.state_path = g->state,
				.http_trace = g->verbose >= 2 ? cmd_http_trace : NULL};
	struct doctor_report r;
	struct vrs_err err;
	struct buf b;
	int rc = EXIT_ERR;

	err_clear(&err);
	buf_init(&b);
	if (engine_doctor(&o, &r, &err) < 0) {
		cmd_print_err(&err);
		goto out;
	}
	if (A.json)
		print_json(&b, &r);
	else
		print_text(&b, &r, g);
	fwrite(b.data, 1, b.len, stdout);
	rc = doctor_report_failed(&r) ? EXIT_ERR : EXIT_OK;
out:
	doctor_report_release(&r);
	buf_release(&b);
	return rc;
}

const struct cmd_spec cmd_doctor = {
    .opts = opts,
    .usage =
	"usage: vrsctl doctor [--format text|json]\n"
	"\n"
	"Check, before the first apply, that this machine can work with the configured\n"
	"credentials, one line per check, each with what to do when it fails:\n"
	"\n"
	"  coolify-url        VRS_COOLIFY_URL answers GET /api/health\n"
	"  coolify-api        the instance's API is enabled and this IP is allowed; the version\n"
	"  coolify-token      VRS_COOLIFY_TOKEN is accepted\n"
	"  coolify-write      the token may write (probed with a request Coolify refuses:\n"
	"                     POST /projects without a name; nothing is created)\n"
	"  coolify-deploy     the token may deploy (POST /deploy without uuid; nothing deployed)\n"
	"  coolify-sensitive  the token reads env values (read:sensitive), seen on an existing\n"
	"                     application; without it refresh sees false diffs (warn)\n"
	"  inwx-login         account.login (and account.unlock with VRS_INWX_TOTP_SECRET)\n"
	"  state              the state file's directory is writable and the file is private\n"
	"                     (mode 600); the state is not created\n"
	"\n"
	"A check whose prerequisite failed is shown as 'skip'. Secrets are never printed.\n"
	"\n",
    .usage_end = "\n"
		 "Exit status: 0 every check ok (or warn), 1 any check failed.\n",
    .help_width = 14,
    .check = check,
    .run = run,
};
