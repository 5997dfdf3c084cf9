/*
 * import.c — `vrsctl import`: adopt Coolify applications and INWX records
 * that already exist (made by hand, or by another tool) into the state, so
 * that vrsctl manages them instead of creating them a second time.
 */
#include "cmd/cmd.h"
#include "engine/engine.h"
#include "engine/inputs.h"
#include "state/state.h"

#include <stdlib.h>
#include <string.h>

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

int cmd_import(int argc, char **argv, const struct global_opts *g)
{
	struct state_lock *lk = NULL;
	struct state *st = NULL;
	struct providers *pv = NULL;
	struct inputs in;
	struct engine_import res;
	struct vrs_err err;
	char *who = NULL;
	int pid = 0, rc = EXIT_ERR;

	if (cmd_wants_help(argc, argv, import_usage))
		return EXIT_OK;
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-')
			return cmd_usage_error("import", "unknown flag '%s'", argv[i]);
	memset(&in, 0, sizeof(in));
	err_clear(&err);
	if (inputs_load_specs(g->specs, &in, &err) < 0) {
		if (in.diags.n) {
			diag_sort(&in.diags);
			diag_print(&in.diags, stderr);
			fprintf(stderr, "vrsctl: %zu %s in %s; nothing imported\n", in.diags.n,
				in.diags.n == 1 ? "error" : "errors", g->specs);
		} else {
			cmd_print_err(&err);
		}
		goto out;
	}
	for (int i = 1; i < argc; i++)
		if (world_project(&in.desired, argv[i]) == NULL) {
			fprintf(stderr, "vrsctl: error: no project '%s' in %s\n", argv[i],
				g->specs);
			goto out;
		}
	if (state_lock(g->state, &lk, &pid, &err) < 0) {
		cmd_print_err(&err);
		rc = cmd_exit_status(&err);
		goto out;
	}
	who = engine_triggered_by(g->specs);
	if (state_open(g->state, STATE_WRITE, &st, &err) < 0 ||
	    providers_open(false, false, g->verbose, &pv, &err) < 0 ||
	    engine_import(st, pv, &in, (const char *const *)argv + 1, (size_t)argc - 1, who, &res,
			  &err) < 0) {
		cmd_print_err(&err);
		goto out;
	}
	if (!g->quiet) {
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
	rc = EXIT_OK;
out:
	inputs_free(&in);
	providers_close(pv);
	state_close(st);
	state_unlock(lk);
	free(who);
	return rc;
}
