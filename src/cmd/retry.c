/*
 * retry.c — `vrsctl retry SLUG`: a project that failed VRS_MAX_RETRIES
 * times waits for an operator; this asks state_project_retry (the rule) to
 * reset it, so the next apply tries again, and prints the outcome.
 */
#include "cmd/cmd.h"
#include "engine/engine.h"
#include "state/state.h"

#include <stdlib.h>

static int check(struct cmd_ctx *c)
{
	if (c->nargs != 1)
		return cmd_usage_error(c->name, "expects exactly one project slug");
	return EXIT_OK;
}

static int run(struct cmd_ctx *c)
{
	char *who = engine_triggered_by(c->g->specs);
	struct vrs_err err;
	int rc;

	err_clear(&err);
	rc = state_project_retry(c->st, c->args[0], who, &err);
	free(who);
	if (rc < 0)
		return cmd_fail(&err);
	if (!c->g->quiet)
		printf("%s: retry count reset; run 'vrsctl apply' to provision it again\n",
		       c->args[0]);
	return EXIT_OK;
}

const struct cmd_spec cmd_retry = {
    .usage = "usage: vrsctl retry SLUG\n"
	     "\n"
	     "Reset a project in status 'error' (retry count and error) so that the next\n"
	     "'vrsctl apply' provisions it again. Takes the state lock.\n"
	     "\n"
	     "Exit status: 0 ok, 1 error (unknown project, not in error), 3 state locked.\n",
    .check = check,
    .run = run,
};
