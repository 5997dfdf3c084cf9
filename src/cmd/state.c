/*
 * state.c — `vrsctl state backup FILE`: a consistent copy of the state
 * database while other vrsctl processes (a watch) go on using it. The copy
 * is made by SQLite's online backup API (state/files.c), needs no lock and
 * is created 0600 like the state itself.
 */
#include "cmd/cmd.h"
#include "state/state.h"

#include <string.h>

static const char state_usage[] =
    "usage: vrsctl state COMMAND [args]\n"
    "\n"
    "Commands:\n"
    "  backup FILE   write a consistent copy of the state to FILE (mode 0600)\n"
    "\n"
    "Exit status: 0 ok, 1 error.\n";

static const char backup_usage[] =
    "usage: vrsctl state backup FILE\n"
    "\n"
    "Write a consistent copy of the state database (--state) to FILE, replacing\n"
    "it atomically; FILE is created 0600. Uses SQLite's online backup API and\n"
    "takes no lock: a running 'vrsctl watch' or 'apply' goes on meanwhile, and\n"
    "the copy is the state as one transaction saw it. Restore by stopping vrsctl\n"
    "and copying FILE to the state's path (removing any -wal and -shm files\n"
    "next to it).\n"
    "\n"
    "Exit status: 0 ok, 1 error (no state, I/O).\n";

static int backup_check(struct cmd_ctx *c)
{
	if (c->nargs == 0)
		return cmd_usage_error(c->name, "expects the backup's file name");
	if (c->nargs > 1)
		return cmd_usage_error(c->name, "unexpected argument '%s'", c->args[1]);
	if (strcmp(c->args[0], c->g->state) == 0)
		return cmd_usage_error(c->name, "FILE is the state itself");
	return EXIT_OK;
}

static int backup_run(struct cmd_ctx *c)
{
	struct vrs_err err;

	err_clear(&err);
	if (state_backup(c->st, c->args[0], &err) < 0)
		return cmd_fail(&err);
	if (!c->g->quiet)
		printf("state %s backed up to %s\n", c->g->state, c->args[0]);
	return EXIT_OK;
}

static const struct cmd_spec backup_spec = {
    .usage = backup_usage,
    .check = backup_check,
    .run = backup_run,
};

static const struct cmd subs[] = {
    {"state backup", NEED_STATE_RO, &backup_spec, NULL, NULL},
};

int cmd_state(int argc, char **argv, const struct global_opts *g)
{
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(state_usage, stdout);
		return EXIT_OK;
	}
	if (argc < 2)
		return cmd_usage_error("state", "expects a command: backup");
	if (argv[1][0] == '-')
		return cmd_usage_error("state", "unknown flag '%s'", argv[1]);
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].name + strlen("state ")) == 0)
			return cmd_run(&subs[i], argc - 1, argv + 1, g);
	return cmd_usage_error("state", "unknown command '%s' (backup)", argv[1]);
}
