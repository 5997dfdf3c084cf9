/*
 * init.c — `vrsctl init [DIR]`: a new operator's starting point. Writes the
 * embedded starting tree (scaffold/), reports each file, prints the next
 * commands. Never overwrites a file.
 */
#include "cmd/cmd.h"
#include "scaffold/scaffold.h"

#include <stdio.h>
#include <string.h>

static const char init_usage[] =
    "usage: vrsctl init [--force] [DIR]\n"
    "\n"
    "Write a starting repository into DIR (default: the current directory):\n"
    "  specs/platform.yaml              a Registrar, a Server, a BaseDomain, a\n"
    "                                   ProjectType, a Plugin and a Bundle\n"
    "  specs/projects/pizzeria-roma.yaml  one Project with a from_env secret\n"
    "  .gitignore                       keeps the state (state/) out of git\n"
    "  .github/workflows/vrsctl.yml     plan on pull requests, apply on main,\n"
    "                                   hourly drift check (GitHub Actions)\n"
    "What it writes passes 'vrsctl validate'. A DIR that holds anything is\n"
    "refused unless --force, which adds the missing files and keeps every file\n"
    "that is there unchanged: init never overwrites a file.\n"
    "\n"
    "Exit status: 0 written, 1 error (DIR not empty without --force, I/O).\n";

static struct {
	bool force;
} A;

static const struct opt opts[] = {
    {OPT_BOOL, "--force", "-f", &A.force, .help = NULL},
    {.type = OPT_END},
};

static int check(struct cmd_ctx *c)
{
	if (c->nargs > 1)
		return cmd_usage_error(c->name, "expects at most one directory");
	return EXIT_OK;
}

static int run(struct cmd_ctx *c)
{
	struct scaffold_result res;
	struct vrs_err err;
	const char *dir = c->nargs ? c->args[0] : NULL;

	if (dir == NULL || *dir == 0)
		dir = ".";
	err_clear(&err);
	if (scaffold_write(dir, A.force, &res, &err) < 0)
		return cmd_fail(&err);
	if (!c->g->quiet) {
		for (size_t i = 0; i < scaffold_nfiles; i++)
			printf("  %-6s %s/%s\n",
			       res.outcome[i] == SCAFFOLD_WROTE ? "wrote" : "kept", dir,
			       scaffold_files[i].path);
		printf("vrsctl: init: %zu written, %zu kept (existing files are never changed)\n",
		       res.nwrote, res.nkept);
		printf(
		    "\nNext, in %s:\n"
		    "  vrsctl validate   # edit specs/ until it is valid\n"
		    "  vrsctl doctor     # with VRS_COOLIFY_URL, VRS_COOLIFY_TOKEN, "
		    "VRS_INWX_USER,\n"
		    "                    # VRS_INWX_PASSWORD set: can vrsctl reach and use them?\n"
		    "  vrsctl plan       # what apply would do; nothing is changed\n",
		    dir);
	}
	return EXIT_OK;
}

const struct cmd_spec cmd_init = {
    .opts = opts,
    .usage = init_usage,
    .check = check,
    .run = run,
};
