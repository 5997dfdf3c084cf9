/*
 * main.c — vrsctl's command table and global flags.
 *
 * Global flags (DESIGN §2) are accepted before or after the subcommand:
 * they are taken out of argv wherever they stand (up to a "--"), and the
 * rest goes to cmd_run, which parses the command's flags with the option
 * table of its file and sets up what the table below says it needs.
 */
#include "cmd/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* what each command needs is set up once by cmd_run (cmd/run.c), in this order */
#define SPECS_AND_STATE (NEED_SPECS | NEED_STATE_RO) /* inputs_load: never creates the state */
#define MUTATE		(NEED_LOCK | NEED_STATE_RW)

static const struct cmd commands[] = {
    {"apply", NEED_SPECS | MUTATE | NEED_NET, &cmd_apply, NULL,
     "converge the world to the specs (Coolify, INWX), logging every step"},
    {"doctor", 0, &cmd_doctor, NULL,
     "preflight: Coolify and INWX access, token abilities, state file"},
    {"export", NEED_STATE_RO | NEED_WORLD, &cmd_export, NULL,
     "the spec YAML of a project the marketplace application recorded"},
    {"graph", SPECS_AND_STATE, &cmd_graph, NULL, "the plan's dependency graph in Graphviz DOT"},
    {"import", NEED_SPECS | MUTATE | NEED_NET, &cmd_import, NULL,
     "adopt existing Coolify apps and INWX records into the state"},
    {"init", 0, &cmd_init, NULL,
     "write a starting spec tree, .gitignore and CI pipeline into a directory"},
    {"log", NEED_STATE_RO, &cmd_log, NULL, "the provisioning log, newest first"},
    {"plan", SPECS_AND_STATE, &cmd_plan, NULL,
     "show what apply would change (no remote call unless --refresh)"},
    {"preview", 0, NULL, cmd_preview,
     "preview-access tokens of demo projects: grant, list, revoke, verify"},
    {"retry", MUTATE, &cmd_retry, NULL, "let a project in error (its tries used up) try again"},
    {"state", 0, NULL, cmd_state,
     "the state database: backup (a consistent copy while watch runs)"},
    {"status", NEED_STATE_RO | NEED_WORLD, &cmd_status, NULL,
     "recorded projects: status, server, domains, last error"},
    {"validate", SPECS_AND_STATE, &cmd_validate, NULL,
     "load and validate the specs; print every error"},
    {"watch", MUTATE | NEED_NET, &cmd_watch, NULL,
     "daemon: apply on spec changes, heal drift on a timer"},
};

static const char main_usage[] =
    "usage: vrsctl [global flags] COMMAND [flags]\n"
    "\n"
    "vrsctl converges VRS hosting projects (Coolify apps, INWX domains and DNS)\n"
    "to the YAML specs kept in git, and records every step in a SQLite state.\n"
    "\n"
    "Commands:\n"
    "%s"
    "\n"
    "Global flags (before or after the command):\n"
    "  --specs DIR          spec tree (default specs/, env VRS_SPECS)\n"
    "  --state FILE|URL     state database: a SQLite file (default state/vrs.db) or\n"
    "                       a postgresql:// URL (env VRS_STATE)\n"
    "  --lock-timeout DUR   wait up to DUR (e.g. 30s, 5m) for the state lock (default 0)\n"
    "  --log-format FMT     text or json\n"
    "  -v, --verbose        more detail (repeat for HTTP traces: -vv)\n"
    "  -q, --quiet          only errors\n"
    "  --no-color           no ANSI colors (also NO_COLOR)\n"
    "  --version            print the version\n"
    "  -h, --help           this help; 'vrsctl COMMAND --help' for a command\n"
    "\n"
    "Exit status: 0 ok, 1 error, 2 changes pending (plan --detailed-exitcode),\n"
    "3 state locked by another vrsctl process.\n";

static void print_usage(FILE *out)
{
	char list[2048];
	size_t off = 0;

	list[0] = 0;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "  %-10s %s\n",
					commands[i].name, commands[i].summary);
	fprintf(out, main_usage, list);
}

/* takes a flag's value from "--flag=V" or the next argument; NULL if missing */
static const char *flag_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (*i + 1 < argc) {
		(*i)++;
		return argv[*i];
	}
	return NULL;
}

static bool is_flag(const char *arg, const char *name)
{
	size_t n = strlen(name);
	return strncmp(arg, name, n) == 0 && (arg[n] == 0 || arg[n] == '=');
}

int main(int argc, char **argv)
{
	static char help_flag[] = "--help";
	struct global_opts g = {0};
	char **rest;
	int nrest = 0, rc;
	bool no_color = getenv("NO_COLOR") != NULL && *getenv("NO_COLOR") != 0;
	bool want_version = false, want_help = false, seen_dashdash = false;
	const struct cmd *cmd = NULL;

	g.specs = getenv("VRS_SPECS") && *getenv("VRS_SPECS") ? getenv("VRS_SPECS") : "specs";
	g.state =
	    getenv("VRS_STATE") && *getenv("VRS_STATE") ? getenv("VRS_STATE") : "state/vrs.db";
	rest = calloc((size_t)argc + 1, sizeof(*rest));
	if (rest == NULL) {
		cmd_error("out of memory");
		return EXIT_ERR;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;

		if (seen_dashdash) {
			rest[nrest++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			seen_dashdash = true;
			rest[nrest++] = argv[i];
		} else if (is_flag(a, "--specs") || is_flag(a, "--state") ||
			   is_flag(a, "--log-format") || is_flag(a, "--lock-timeout")) {
			const char *name = is_flag(a, "--specs")	  ? "--specs"
					   : is_flag(a, "--state")	  ? "--state"
					   : is_flag(a, "--lock-timeout") ? "--lock-timeout"
									  : "--log-format";
			if ((v = flag_value(argc, argv, &i, name)) == NULL || *v == 0) {
				cmd_error("%s needs a value", name);
				free(rest);
				return EXIT_ERR;
			}
			if (strcmp(name, "--specs") == 0) {
				g.specs = v;
			} else if (strcmp(name, "--state") == 0) {
				g.state = v;
			} else if (strcmp(name, "--lock-timeout") == 0) {
				if ((g.lock_timeout_ms = cmd_parse_duration(v)) < 0) {
					cmd_error("--lock-timeout: '%s' is not a duration", v);
					free(rest);
					return EXIT_ERR;
				}
			} else if (strcmp(v, "json") == 0 || strcmp(v, "text") == 0) {
				g.log_json = strcmp(v, "json") == 0;
				cmd_set_log_json(g.log_json);
			} else {
				cmd_error("--log-format must be text or json, not '%s'", v);
				free(rest);
				return EXIT_ERR;
			}
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			g.verbose++;
		} else if (strcmp(a, "-vv") == 0) {
			g.verbose += 2;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			g.quiet = true;
		} else if (strcmp(a, "--no-color") == 0) {
			no_color = true;
		} else if (strcmp(a, "--version") == 0) {
			want_version = true;
		} else if ((strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) && nrest == 0) {
			want_help = true;
		} else {
			rest[nrest++] = argv[i];
		}
	}
	g.color = !no_color && isatty(STDOUT_FILENO);

	if (want_version) {
		printf("vrsctl %s\n", VRS_VERSION);
		free(rest);
		return EXIT_OK;
	}
	if (want_help || nrest == 0) {
		/* no command: the usage text, or under --log-format json one error line */
		if (!want_help && g.log_json)
			cmd_error("no command given ('vrsctl --help' lists them)");
		else
			print_usage(want_help ? stdout : stderr);
		free(rest);
		return want_help ? EXIT_OK : EXIT_ERR;
	}
	if (strcmp(rest[0], "help") == 0) {
		if (nrest > 1) {
			/* "vrsctl help plan" is "vrsctl plan --help" */
			rest[1] = rest[0] = rest[1];
			rest[1] = help_flag;
			nrest = 2;
		} else {
			print_usage(stdout);
			free(rest);
			return EXIT_OK;
		}
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, rest[0]) == 0)
			cmd = &commands[i];
	if (cmd == NULL) {
		cmd_error("unknown command '%s'", rest[0]);
		if (!g.log_json)
			print_usage(stderr);
		free(rest);
		return EXIT_ERR;
	}
	rc = cmd_run(cmd, nrest, rest, &g);
	free(rest);
	/* a command whose output was lost cannot succeed */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cmd_error("writing to stdout failed");
		return EXIT_ERR;
	}
	return rc;
}
