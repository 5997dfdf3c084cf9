/*
 * retry.c — `vrsctl retry SLUG`: a project that failed three times waits
 * for an operator; this resets its retry count so the next apply tries
 * again, and logs who did it.
 */
#include "cmd/cmd.h"
#include "engine/engine.h"
#include "state/state.h"

#include <stdlib.h>
#include <string.h>

static const char retry_usage[] =
    "usage: vrsctl retry SLUG\n"
    "\n"
    "Reset a project in status 'error' (retry count and error) so that the next\n"
    "'vrsctl apply' provisions it again. Takes the state lock.\n"
    "\n"
    "Exit status: 0 ok, 1 error (unknown project, not in error), 3 state locked.\n";

int cmd_retry(int argc, char **argv, const struct global_opts *g)
{
	struct state_lock *lk = NULL;
	struct state *st = NULL;
	struct m_world w;
	struct vrs_err err;
	const struct m_project *p;
	int pid = 0, rc = EXIT_ERR;

	if (cmd_wants_help(argc, argv, retry_usage))
		return EXIT_OK;
	if (argc != 2 || argv[1][0] == '-')
		return cmd_usage_error("retry", "expects exactly one project slug");
	err_clear(&err);
	world_init(&w);
	if (state_lock(g->state, &lk, &pid, &err) < 0) {
		cmd_print_err(&err);
		return cmd_exit_status(&err);
	}
	if (state_open(g->state, STATE_WRITE, &st, &err) < 0 || state_load(st, &w, &err) < 0) {
		cmd_print_err(&err);
		goto out;
	}
	p = world_project(&w, argv[1]);
	if (p == NULL) {
		fprintf(stderr, "vrsctl: error: no project '%s' in state %s\n", argv[1], g->state);
		goto out;
	}
	if (p->status != PS_ERROR) {
		fprintf(stderr,
			"vrsctl: error: project '%s' is %s, not in error; nothing to retry\n",
			p->slug, m_prov_status_name(p->status));
		goto out;
	}
	{
		char *who = engine_triggered_by(g->specs);
		struct state_log_entry e = {.project_slug = p->slug,
					    .action = "retry",
					    .old_status = "error",
					    .new_status = "error",
					    .message =
						"retry requested; the next apply tries again",
					    .error_details = p->provisioning_error,
					    .triggered_by = who};
		if (state_begin(st, &err) < 0 || state_project_retry_reset(st, p->slug, &err) < 0 ||
		    state_log_add(st, &e, &err) < 0 || state_commit(st, &err) < 0) {
			state_rollback(st, NULL);
			cmd_print_err(&err);
			free(who);
			goto out;
		}
		free(who);
	}
	if (!g->quiet)
		printf("%s: retry count reset; run 'vrsctl apply' to provision it again\n",
		       p->slug);
	rc = EXIT_OK;
out:
	world_free(&w);
	state_close(st);
	state_unlock(lk);
	return rc;
}
