/*
 * import.c — `vrsctl import`: adopt Coolify applications and INWX records
 * that already exist (made by hand, or by another tool) into the state, so
 * that vrsctl manages them instead of creating them a second time.
 */
#include "cmd/cmd.h"
#include "engine/engine.h"
#include "state/state.h"

#include <stdlib.h>

static const char import_usage[] =
    "usage: vrsctl import [SLUG...]\n"
    "\n"
    "Adopt what already exists for the projects of the specs (all, or the SLUGs\n"
    "given): the Coolify project 'vrs-SLUG' and its application 'SLUG', and the\n"
    "A, AAAA and www records of each domain in its INWX zone, pointing at the\n"
    "project's server. They are recorded as if vrsctl had created them; nothing\n"
    "remote is changed. Afterwards 'vrsctl plan' shows only what differs (for an\n"
    "adopted app, typically its environment and a deployment).\n"
    "\n"
    "A project with 'server: auto' is placed only when the specs hold a single\n"
    "server; otherwise name its server in the spec before importing.\n"
    "Needs the credentials of 'vrsctl apply'; takes the state lock.\n"
    "\n"
    "Exit status: 0 ok, 1 error, 3 state locked.\n";

static int run(struct cmd_ctx *c)
{
	struct engine_import res;
	struct vrs_err err;
	char *who;
	int rc;

	for (int i = 0; i < c->nargs; i++)
		if (world_project(&c->in.desired, c->args[i]) == NULL) {
			cmd_error("no project '%s' in %s", c->args[i], c->g->specs);
			return EXIT_ERR;
		}
	err_clear(&err);
	who = engine_triggered_by(c->g->specs);
	rc = engine_import(c->st, c->pv, &c->in, (const char *const *)c->args, (size_t)c->nargs,
			   who, &res, &err);
	free(who);
	if (rc < 0)
		return cmd_fail(&err);
	if (!c->g->quiet) {
		printf("Imported %zu of %zu projects: %zu application%s, %zu DNS record%s.\n",
		       res.projects, res.considered, res.apps, res.apps == 1 ? "" : "s",
		       res.records, res.records == 1 ? "" : "s");
		if (res.unplaced)
			printf(
			    "%zu imported project%s could not be placed (server: auto with several "
			    "servers): name the server in the spec and import again.\n",
			    res.unplaced, res.unplaced == 1 ? "" : "s");
		printf("Run 'vrsctl plan' to see what still differs.\n");
	}
	return EXIT_OK;
}

const struct cmd_spec cmd_import = {
    .usage = import_usage,
    .diag_what = "nothing imported",
    .run = run,
};
