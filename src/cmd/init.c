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

int cmd_init(int argc, char **argv, const struct global_opts *g)
{
	struct scaffold_result res;
	struct vrs_err err;
	const char *dir = NULL;
	bool force = false;

	if (cmd_wants_help(argc, argv, init_usage))
		return EXIT_OK;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0)
			force = true;
		else if (strcmp(argv[i], "--") == 0 && i + 1 < argc && dir == NULL)
			dir = argv[++i];
		else if (argv[i][0] == '-')
			return cmd_usage_error("init", "unknown flag '%s'", argv[i]);
		else if (dir == NULL)
			dir = argv[i];
		else
			return cmd_usage_error("init", "expects at most one directory");
	}
	if (dir == NULL || *dir == 0)
		dir = ".";
	err_clear(&err);
	if (scaffold_write(dir, force, &res, &err) < 0) {
		cmd_print_err(&err);
		return EXIT_ERR;
	}
	if (!g->quiet) {
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
