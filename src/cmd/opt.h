/*
 * opt.h — one option table per command: each entry names a flag, its type,
 * where its value goes, its range and its help line. opt_parse() reads argv
 * with it (range-checked numbers, "--name V" and "--name=V") and
 * opt_help() writes the flags part of the command's --help from it.
 */
#ifndef VRS_CMD_OPT_H
#define VRS_CMD_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum opt_type {
	OPT_END = 0,  /* ends a table */
	OPT_BOOL,     /* --name: *(bool *)dst = true */
	OPT_STRING,   /* --name V: *(const char **)dst = V */
	OPT_INT,      /* --name N, lo <= N <= hi: *(int *)dst */
	OPT_DURATION, /* --name 300ms|4s|10m|1h, lo <= ms <= hi: *(long long *)dst (ms) */
	OPT_LIST,     /* --name V, repeatable: appended to *(struct opt_list *)dst */
	OPT_WORD,     /* --name or --name=WORD, WORD from words: *(int *)dst = its value */
	OPT_HELP,     /* no flag: a help line only (name is the left column) */
};

/* the values of a repeatable flag; v is freed by opt_release */
struct opt_list {
	const char **v;
	size_t n;
};

/* one accepted form of an OPT_WORD flag; word NULL is the bare flag */
struct opt_word {
	const char *word;
	int value;
};

struct opt {
	enum opt_type type;
	const char *name;  /* "--hours" */
	const char *alias; /* "-f", or NULL */
	void *dst;
	long long lo, hi;	      /* OPT_INT and OPT_DURATION range */
	const struct opt_word *words; /* OPT_WORD: its nwords forms */
	size_t nwords;
	bool empty_ok;	  /* OPT_STRING: "--name=" gives "" (else: needs a value) */
	const char *arg;  /* help: the value's name ("N"), or the forms ("[=report]") */
	const char *help; /* help: its text; lines separated by '\n'; NULL hides the flag */
};

/*
 * Parse argv[1..argc-1] (argv[0] is the command) with table opts. Flags may
 * stand anywhere; everything else, and everything after "--", is a
 * positional argument, stored in order into pos (argc entries) with *npos.
 * On a bad argument prints "vrsctl: error: CMD: ..." and the usage hint and
 * returns -1.
 */
int opt_parse(const char *cmd, const struct opt *opts, int argc, char **argv, char **pos,
	      int *npos);
/* write the help lines of opts, the text column at 2 + width + 1 */
void opt_help(FILE *out, const struct opt *opts, int width);
/* free what opt_parse allocated (OPT_LIST values) and empty the lists */
void opt_release(const struct opt *opts);
/*
 * A whole number from lo to hi: 0 and *out set, or -1 (malformed, out of
 * range). Digits only, no sign, no spaces.
 */
int opt_number(const char *s, long long lo, long long hi, long long *out);

#endif
