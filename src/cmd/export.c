/*
 * export.c — `vrsctl export SLUG [--image I] [--project-type T]`: the spec
 * YAML of a project the marketplace application recorded (unmanaged), on
 * stdout, so that it is committed to the specs and vrsctl manages it from
 * then on. What it writes is engine/export.c's; this file parses and prints.
 */
#include "cmd/cmd.h"
#include "engine/engine.h"
#include "util/buf.h"

#include <stdio.h>

static struct {
	const char *image, *project_type;
} X;

static const struct opt opts[] = {
    {OPT_STRING, "--image", NULL, &X.image, .arg = "I",
     .help = "the app image when the row has none (e.g. ghcr.io/vrs-gmbh/vrs-core:1.4.2)"},
    {OPT_STRING, "--project-type", NULL, &X.project_type, .arg = "T",
     .help = "the project type code when the row has none"},
    {.type = OPT_END},
};

static int check(struct cmd_ctx *c)
{
	if (c->nargs == 0)
		return cmd_usage_error(c->name, "expects a project slug");
	if (c->nargs > 1)
		return cmd_usage_error(c->name, "unexpected argument '%s'", c->args[1]);
	return EXIT_OK;
}

static int run(struct cmd_ctx *c)
{
	struct vrs_err err;
	struct buf b;
	int rc = EXIT_OK;

	err_clear(&err);
	buf_init(&b);
	if (engine_export_project(&c->recorded, c->args[0], X.image, X.project_type, &b, &err) < 0)
		rc = cmd_fail(&err);
	else
		fwrite(b.data, 1, b.len, stdout);
	buf_release(&b);
	return rc;
}

const struct cmd_spec cmd_export = {
    .opts = opts,
    .usage = "usage: vrsctl export SLUG [--image I] [--project-type T]\n"
	     "\n"
	     "Print the spec YAML of project SLUG, a row the marketplace application\n"
	     "recorded (unmanaged, e.g. a questionnaire's draft): its own fields, not the\n"
	     "marketplace-owned ones (payment, billing e-mail, Stripe ids, trial). Commit it\n"
	     "to the specs: from then on vrsctl manages the project. Reads the state only.\n"
	     "\n",
    .usage_end = "\n"
		 "Exit status: 0 ok, 1 error (unknown or managed SLUG, a missing image or\n"
		 "project type: the message names the flag).\n",
    .help_width = 20,
    .check = check,
    .run = run,
};
