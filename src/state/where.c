/*
 * where.c — what a --state value names: a SQLite file path or a PostgreSQL
 * URL (postgresql:// or postgres://, parsed by libpq). Anything else that
 * looks like a URL ("foo://", "postgres:x") is refused instead of becoming
 * a directory named after the scheme with a SQLite file inside.
 */
#include "state/state_int.h"

#include <ctype.h>
#include <string.h>

/* a scheme as RFC 3986 spells it, at least two characters (no drive letters) */
static size_t scheme_len(const char *s)
{
	size_t n = 0;

	if (!isalpha((unsigned char)s[0]))
		return 0;
	while (isalnum((unsigned char)s[n]) || s[n] == '+' || s[n] == '-' || s[n] == '.')
		n++;
	return n >= 2 && s[n] == ':' ? n : 0;
}

int state_where(const char *where, enum state_kind *kind, struct vrs_err *err)
{
	size_t n;

	*kind = STATE_FILE;
	if (where == NULL || *where == 0)
		return err_setc(err, VRS_E_INVALID, "state: no path given");
	if ((n = scheme_len(where)) == 0)
		return 0;
	if ((n == 10 && strncmp(where, "postgresql://", 13) == 0) ||
	    (n == 8 && strncmp(where, "postgres://", 11) == 0)) {
		*kind = STATE_POSTGRES;
		return 0;
	}
	/* only the scheme: the rest of a URL may hold a password */
	return err_setc(err, VRS_E_INVALID,
			"--state %.*s...: a URL of a kind vrsctl does not know; give a file path "
			"(prefix ./ for a file whose name has a colon) or a postgresql:// URL",
			(int)n + 1, where);
}
