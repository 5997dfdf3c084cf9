/*
 * cmd.h — the subcommands and the options every one of them shares.
 *
 * main.c parses the global flags (anywhere on the command line), then calls
 * the subcommand with the remaining arguments (argv[0] is its name). Each
 * cmd_* returns the process exit status of DESIGN §2: 0 ok, 1 error,
 * 2 changes pending (plan --detailed-exitcode), 3 state locked.
 */
#ifndef VRS_CMD_H
#define VRS_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "util/err.h"

enum { EXIT_OK = 0, EXIT_ERR = 1, EXIT_CHANGES = 2, EXIT_LOCKED = 3 };

struct global_opts {
	const char *specs; /* --specs, $VRS_SPECS, "specs" */
	const char *state; /* --state, $VRS_STATE, "state/vrs.db" */
	bool log_json;	   /* --log-format json */
	int verbose;	   /* -v count */
	bool quiet;	   /* -q */
	bool color;	   /* stdout is a terminal and neither --no-color nor NO_COLOR */
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv, const struct global_opts *g);
	const char *summary;
};

int cmd_validate(int argc, char **argv, const struct global_opts *g);
int cmd_plan(int argc, char **argv, const struct global_opts *g);
int cmd_apply(int argc, char **argv, const struct global_opts *g);
int cmd_status(int argc, char **argv, const struct global_opts *g);
int cmd_log(int argc, char **argv, const struct global_opts *g);
int cmd_retry(int argc, char **argv, const struct global_opts *g);
int cmd_watch(int argc, char **argv, const struct global_opts *g);
int cmd_graph(int argc, char **argv, const struct global_opts *g);
int cmd_preview(int argc, char **argv, const struct global_opts *g);
int cmd_import(int argc, char **argv, const struct global_opts *g);
int cmd_init(int argc, char **argv, const struct global_opts *g);

/* shared helpers for the commands (cmd/common.c) */
/* print "vrsctl: error: MSG" or "FILE:LINE:COL: error: MSG" for an error value */
void cmd_print_err(const struct vrs_err *e);
/* the exit status for a failure of this kind: EXIT_LOCKED or EXIT_ERR */
int cmd_exit_status(const struct vrs_err *e);
/* true when argv holds -h/--help before "--"; prints usage to stdout */
bool cmd_wants_help(int argc, char **argv, const char *usage);
/* print "vrsctl CMD: error: ..." for a bad argument and the usage hint; returns EXIT_ERR */
int cmd_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* durations "300ms", "4s", "10m", "1h" -> milliseconds; -1 if malformed */
long long cmd_parse_duration(const char *s);

#endif
