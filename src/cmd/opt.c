/* opt.c — the option-table parser and the help it writes (see opt.h). */
#include "cmd/opt.h"
#include "cmd/cmd.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

int opt_number(const char *s, long long lo, long long hi, long long *out)
{
	long long n = 0;

	if (s == NULL || *s == 0)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > (LLONG_MAX - 9) / 10)
			return -1;
		n = n * 10 + (*s - '0');
	}
	if (n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

/* the entry arg names (*eq: its "=value" part, else NULL); NULL for none */
static const struct opt *find(const struct opt *opts, const char *arg, const char **eq)
{
	*eq = NULL;
	for (const struct opt *o = opts; o->type != OPT_END; o++) {
		size_t n;
		if (o->type == OPT_HELP)
			continue;
		if (o->alias && strcmp(arg, o->alias) == 0)
			return o;
		n = strlen(o->name);
		if (strncmp(arg, o->name, n) != 0)
			continue;
		if (arg[n] == 0)
			return o;
		if (arg[n] == '=') {
			*eq = arg + n + 1;
			return o;
		}
	}
	return NULL;
}

static int set_word(const char *cmd, const struct opt *o, const char *arg, const char *eq)
{
	for (size_t k = 0; k < o->nwords; k++) {
		const char *w = o->words[k].word;
		if ((w == NULL && eq == NULL) || (w && eq && strcmp(w, eq) == 0)) {
			*(int *)o->dst = o->words[k].value;
			return 0;
		}
	}
	cmd_usage_error(cmd, "unknown flag '%s'", arg);
	return -1;
}

/* store value v of flag o */
static int set_value(const char *cmd, const struct opt *o, const char *v)
{
	long long n;

	switch (o->type) {
	case OPT_STRING:
		*(const char **)o->dst = v;
		return 0;
	case OPT_INT:
		if (opt_number(v, o->lo, o->hi, &n) < 0) {
			if (o->hi >= INT_MAX)
				cmd_usage_error(cmd, "%s wants a number >= %lld, not '%s'", o->name,
						o->lo, v);
			else
				cmd_usage_error(cmd,
						"%s wants a number from %lld to %lld, not '%s'",
						o->name, o->lo, o->hi, v);
			return -1;
		}
		*(int *)o->dst = (int)n;
		return 0;
	case OPT_DURATION:
		n = cmd_parse_duration(v);
		if (n < o->lo || n > o->hi) {
			cmd_usage_error(cmd, "%s: '%s' is not a duration", o->name, v);
			return -1;
		}
		*(long long *)o->dst = n;
		return 0;
	case OPT_LIST: {
		struct opt_list *l = o->dst;
		const char **nv = realloc(l->v, (l->n + 1) * sizeof(*l->v));
		if (nv == NULL) {
			cmd_usage_error(cmd, "out of memory");
			return -1;
		}
		l->v = nv;
		l->v[l->n++] = v;
		return 0;
	}
	default:
		return 0;
	}
}

int opt_parse(const char *cmd, const struct opt *opts, int argc, char **argv, char **pos, int *npos)
{
	bool dashdash = false;

	*npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq, *v;
		const struct opt *o;

		if (dashdash || a[0] != '-') {
			pos[(*npos)++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			dashdash = true;
			continue;
		}
		if ((o = find(opts, a, &eq)) == NULL) {
			/* tokens and names may begin with '-': say how to pass them */
			cmd_usage_error(cmd,
					"unknown flag '%s' (an argument that begins with '-' goes "
					"after '--')",
					a);
			return -1;
		}
		if (o->type == OPT_WORD) {
			if (set_word(cmd, o, a, eq) < 0)
				return -1;
			continue;
		}
		if (o->type == OPT_BOOL) {
			if (eq) {
				cmd_usage_error(cmd, "unknown flag '%s'", a);
				return -1;
			}
			*(bool *)o->dst = true;
			continue;
		}
		v = eq ? eq : (i + 1 < argc ? argv[++i] : NULL);
		if (v == NULL || (*v == 0 && !(o->type == OPT_STRING && o->empty_ok))) {
			cmd_usage_error(cmd, "%s needs a value", o->name);
			return -1;
		}
		if (set_value(cmd, o, v) < 0)
			return -1;
	}
	return 0;
}

void opt_help(FILE *out, const struct opt *opts, int width)
{
	for (const struct opt *o = opts; o->type != OPT_END; o++) {
		char left[128];
		const char *h = o->help, *nl;

		if (h == NULL)
			continue;
		if (o->type == OPT_HELP || o->arg == NULL)
			snprintf(left, sizeof(left), "%s%s%s", o->alias ? o->alias : "",
				 o->alias ? ", " : "", o->name);
		else
			snprintf(left, sizeof(left), "%s%s%s%s%s", o->alias ? o->alias : "",
				 o->alias ? ", " : "", o->name,
				 o->arg[0] == '[' || o->arg[0] == '=' ? "" : " ", o->arg);
		if ((int)strlen(left) > width) {
			fprintf(out, "  %s\n", left);
			fprintf(out, "  %-*s ", width, "");
		} else {
			fprintf(out, "  %-*s ", width, left);
		}
		while ((nl = strchr(h, '\n')) != NULL) {
			fprintf(out, "%.*s\n  %-*s ", (int)(nl - h), h, width, "");
			h = nl + 1;
		}
		fprintf(out, "%s\n", h);
	}
}

void opt_release(const struct opt *opts)
{
	for (const struct opt *o = opts; o->type != OPT_END; o++) {
		if (o->type == OPT_LIST) {
			struct opt_list *l = o->dst;
			free(l->v);
			l->v = NULL;
			l->n = 0;
		}
	}
}
