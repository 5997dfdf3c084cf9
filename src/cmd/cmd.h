/*
 * cmd.h — the subcommands, what each needs, and the context it runs in.
 *
 * main.c parses the global flags (anywhere on the command line) and looks
 * the command up in its table, whose entry says what the command needs
 * (NEED_*, as git's RUN_SETUP). cmd_run() (run.c) parses the command's
 * flags with its option table (or prints its --help), runs its check,
 * sets up what it needs once into a struct cmd_ctx, runs it and releases
 * everything. Each command returns the process exit status of DESIGN §2:
 * 0 ok, 1 error, 2 changes pending (plan --detailed-exitcode), 3 state
 * locked.
 */
#ifndef VRS_CMD_H
#define VRS_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "cmd/opt.h"
#include "engine/inputs.h"
#include "model/model.h"
#include "util/err.h"

enum { EXIT_OK = 0, EXIT_ERR = 1, EXIT_CHANGES = 2, EXIT_LOCKED = 3 };

struct global_opts {
	const char *specs;	   /* --specs, $VRS_SPECS, "specs" */
	const char *state;	   /* --state, $VRS_STATE, "state/vrs.db" */
	bool log_json;		   /* --log-format json */
	int verbose;		   /* -v count */
	bool quiet;		   /* -q */
	bool color;		   /* stdout is a terminal and neither --no-color nor NO_COLOR */
	long long lock_timeout_ms; /* --lock-timeout: how long to wait for the state lock */
};

/* what cmd_run sets up before the command runs, in this order */
enum cmd_needs {
	NEED_SPECS = 1 << 0,	/* ctx.in: the specs, loaded and validated (with NEED_STATE_RO:
				   and the recorded state, inputs_load) */
	NEED_LOCK = 1 << 1,	/* ctx.lk: the state lock (contention: exit 3) */
	NEED_STATE_RO = 1 << 2, /* ctx.st: the state, read only (never created) */
	NEED_STATE_RW = 1 << 3, /* ctx.st: the state, for writing (created, migrated) */
	NEED_WORLD = 1 << 4,	/* ctx.recorded: the recorded world (state_load) */
	NEED_NET = 1 << 5,	/* ctx.pv: the providers (credentials from the environment) */
};

struct state;
struct state_lock;
struct providers;

struct cmd_ctx {
	const struct global_opts *g;
	const char *name; /* "apply", "preview grant": for messages */
	char **args;	  /* the positional arguments */
	int nargs;
	struct inputs in; /* NEED_SPECS */
	struct state_lock *lk;
	struct state *st;
	struct m_world recorded; /* NEED_WORLD */
	struct providers *pv;
	/* set by a check (watch): on PostgreSQL a held lock leaves lk and st NULL
	 * for the command to wait as a hot standby (cmd_standby_open) */
	bool standby;
};

/* what a command file declares: its flags and help, and its two steps */
struct cmd_spec {
	const struct opt *opts; /* its flags; NULL: none */
	const char *usage;	/* --help before the flags: synopsis and description */
	const char *usage_end;	/* --help after the flags (NULL: nothing) */
	int help_width;		/* the flags' left column */
	const char *diag_what;	/* NEED_SPECS: "nothing applied" after invalid specs' count */
	/* after parsing, before any setup: EXIT_OK to go on, else the exit status */
	int (*check)(struct cmd_ctx *c);
	int (*run)(struct cmd_ctx *c);
};

struct cmd {
	const char *name;
	unsigned needs; /* enum cmd_needs */
	const struct cmd_spec *spec;
	/* instead of spec: a command of subcommands (argv[0] is its name) */
	int (*dispatch)(int argc, char **argv, const struct global_opts *g);
	const char *summary;
};

extern const struct cmd_spec cmd_export;
extern const struct cmd_spec cmd_apply, cmd_doctor, cmd_graph, cmd_import, cmd_init, cmd_log,
    cmd_plan, cmd_retry, cmd_status, cmd_validate, cmd_watch;
int cmd_preview(int argc, char **argv, const struct global_opts *g);
int cmd_state(int argc, char **argv, const struct global_opts *g);
/* plan.c: what `plan --format dot` prints (for graph) */
int cmd_plan_dot(struct cmd_ctx *c, const struct opt_list *targets, bool refresh);

/* run command c with argv (argv[0] is its name): parse, check, set up, run, release */
int cmd_run(const struct cmd *c, int argc, char **argv, const struct global_opts *g);
/* a standby that took the lock (c->lk): open the state for writing under it */
int cmd_standby_open(struct cmd_ctx *c, struct vrs_err *err);
/* a leader that lost the lock: close the state and drop the lock's session */
void cmd_standby_close(struct cmd_ctx *c);
/* print the command's --help (usage, flags, usage_end) */
void cmd_help(FILE *out, const struct cmd_spec *s);
/* the HTTP trace printer (-vv) */
void cmd_http_trace(void *ud, const char *service, const char *line);

/* shared helpers for the commands (cmd/common.c) */
/* print "vrsctl: error: MSG" or "FILE:LINE:COL: error: MSG" for an error value */
void cmd_print_err(const struct vrs_err *e);
/*
 * Every message on stderr goes through here: text ("vrsctl: error: MSG",
 * "FILE:LINE:COL: error: MSG", "vrsctl: MSG" for info) or, after
 * cmd_set_log_json(true) (--log-format json), one JSON object a line:
 * {"time", "level", ["file", "line", "col",] "message"}.
 */
void cmd_set_log_json(bool json);
bool cmd_log_json(void);
void cmd_message(const char *level, const char *file, int line, int col, const char *msg);
void cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cmd_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cmd_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* warn when the state's files are readable by group or others (state_exposed) */
void cmd_warn_exposed(const char *state_path);
/* "2026-12-03T17:30:00.123Z" */
/* write text output to stdout; with text (not JSON) the terminal controls in
 * it (C0 but newline and tab, DEL, C1, bidi overrides: text the marketplace
 * application wrote into names and messages) are shown as '?' */
void cmd_write_out(const char *s, size_t n, bool json);
void cmd_iso_now(char *out, size_t n);
/* the exit status for a failure of this kind: EXIT_LOCKED or EXIT_ERR */
int cmd_exit_status(const struct vrs_err *e);
/* print e and return its exit status */
int cmd_fail(const struct vrs_err *e);
/* print invalid specs' errors, sorted, and "vrsctl: N errors in SPECS[; what]" */
void cmd_print_diags(struct diag_list *d, const char *specs, const char *what);
/*
 * For a command of its own parsing (struct cmd.dispatch): true when argv
 * holds -h/--help before "--"; prints usage to stdout.
 */
bool cmd_wants_help(int argc, char **argv, const char *usage);
/* print "vrsctl CMD: error: ..." for a bad argument and the usage hint; returns EXIT_ERR */
int cmd_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* durations "300ms", "4s", "10m", "1h" -> milliseconds; -1 if malformed */
long long cmd_parse_duration(const char *s);
/* a number from the environment variable name in lo..hi (dflt when unset); -1 if bad */
int cmd_env_int(const char *name, int lo, int hi, int dflt, int *out);
/* "text" or "json" for --format; EXIT_OK or the usage error's status */
int cmd_text_or_json(const char *cmd, const char *format, bool *json);
/* every --target value is KIND/KEY; EXIT_OK or the usage error's status */
int cmd_check_targets(const char *cmd, const struct opt_list *targets);

#endif
