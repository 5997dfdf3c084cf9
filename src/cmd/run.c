/*
 * run.c — cmd_run: one command's life. Parse its flags with its option
 * table (or print its --help), run its check, set up what its table entry
 * needs (specs, lock, state, recorded world, providers) into one context,
 * run it, and release the context on every path.
 */
#include "cmd/cmd.h"
#include "engine/engine.h"
#include "state/state.h"

#include <stdlib.h>
#include <string.h>

void cmd_help(FILE *out, const struct cmd_spec *s)
{
	fputs(s->usage, out);
	if (s->opts)
		opt_help(out, s->opts, s->help_width);
	if (s->usage_end)
		fputs(s->usage_end, out);
}

/* the specs (and with NEED_STATE_RO the recorded state): 0, or the exit status */
static int setup_specs(struct cmd_ctx *c, unsigned needs, const char *what, struct vrs_err *err)
{
	int rc = needs & NEED_STATE_RO ? inputs_load(c->g->specs, c->g->state, &c->in, err)
				       : inputs_load_specs(c->g->specs, &c->in, err);

	if (rc == 0)
		return 0;
	if (c->in.diags.n)
		cmd_print_diags(&c->in.diags, c->g->specs, what);
	else
		cmd_print_err(err);
	return EXIT_ERR;
}

/* the writer lock: 0 or -1 with err; a standby (c->standby on PostgreSQL)
 * finds it held and goes on without it, to wait in its run */
static int setup_lock(struct cmd_ctx *c, struct vrs_err *err)
{
	if (state_lock_wait(c->g->state, c->g->lock_timeout_ms, &c->lk, NULL, err) == 0)
		return 0;
	if (!c->standby || err->code != VRS_E_LOCKED || !state_is_postgres(c->g->state))
		return -1;
	err_clear(err);
	return 0;
}

int cmd_standby_open(struct cmd_ctx *c, struct vrs_err *err)
{
	if (state_open(c->g->state, STATE_WRITE, &c->st, err) < 0)
		return -1;
	state_attach_lock(c->st, c->lk);
	return 0;
}

void cmd_standby_close(struct cmd_ctx *c)
{
	state_close(c->st);
	c->st = NULL;
	state_unlock(c->lk);
	c->lk = NULL;
}

/* everything the command needs, in the order of enum cmd_needs: 0 or the exit status */
static int setup(struct cmd_ctx *c, unsigned needs, const char *what)
{
	struct vrs_err err;

	err_clear(&err);
	if ((needs & NEED_SPECS) && setup_specs(c, needs, what, &err) != 0)
		return EXIT_ERR;
	if ((needs & NEED_LOCK) && setup_lock(c, &err) < 0)
		return cmd_fail(&err);
	/* a standby without the lock opens the state once it holds it */
	if ((needs & NEED_LOCK) && c->lk == NULL)
		needs &= ~(unsigned)(NEED_STATE_RW | NEED_WORLD);
	/* with NEED_SPECS, NEED_STATE_RO was inputs_load's */
	if ((needs & NEED_STATE_RW || (needs & (NEED_STATE_RO | NEED_SPECS)) == NEED_STATE_RO) &&
	    state_open(c->g->state, needs & NEED_STATE_RW ? STATE_WRITE : STATE_READ, &c->st,
		       &err) < 0)
		return cmd_fail(&err);
	if (c->st && c->lk)
		state_attach_lock(c->st, c->lk);
	if (needs & (NEED_STATE_RO | NEED_STATE_RW))
		cmd_warn_exposed(c->g->state);
	if ((needs & NEED_WORLD) && state_load(c->st, &c->recorded, &err) < 0)
		return cmd_fail(&err);
	if ((needs & NEED_NET) &&
	    providers_open(false, false, c->g->verbose >= 2 ? cmd_http_trace : NULL, NULL, &c->pv,
			   &err) < 0)
		return cmd_fail(&err);
	return 0;
}

void cmd_warn_exposed(const char *state_path)
{
	char which[4096];
	unsigned mode;

	if (state_exposed(state_path, which, sizeof(which), &mode) > 0)
		cmd_warn("%s is open to group or others (mode %04o) and holds api keys and tokens; "
			 "fix: chmod 600 %s",
			 which, mode, which);
}

static void release(struct cmd_ctx *c)
{
	providers_close(c->pv);
	world_release(&c->recorded);
	state_close(c->st);
	state_unlock(c->lk);
	inputs_release(&c->in);
}

int cmd_run(const struct cmd *cmd, int argc, char **argv, const struct global_opts *g)
{
	static const struct opt none[] = {{.type = OPT_END}};
	const struct cmd_spec *s = cmd->spec;
	struct cmd_ctx c;
	int rc;

	if (s == NULL)
		return cmd->dispatch(argc, argv, g);
	if (cmd_wants_help(argc, argv, "")) {
		cmd_help(stdout, s);
		return EXIT_OK;
	}
	memset(&c, 0, sizeof(c));
	c.g = g;
	c.name = cmd->name;
	world_init(&c.recorded);
	if ((c.args = calloc((size_t)argc + 1, sizeof(*c.args))) == NULL) {
		cmd_error("out of memory");
		return EXIT_ERR;
	}
	if (opt_parse(c.name, s->opts ? s->opts : none, argc, argv, c.args, &c.nargs) < 0)
		rc = EXIT_ERR;
	else if ((rc = s->check ? s->check(&c) : EXIT_OK) == EXIT_OK &&
		 (rc = setup(&c, cmd->needs, s->diag_what)) == 0)
		rc = s->run(&c);
	release(&c);
	opt_release(s->opts ? s->opts : none);
	free(c.args);
	return rc;
}
