/*
 * inwx_jar.c — the INWX session's cookie jar: every answer's Set-Cookie
 * pairs ("a=1; b=2", attributes already dropped by the HTTP layer) replace
 * the same-named ones and the others are kept, as the official clients'
 * cookie jars do; the Cookie header is rebuilt from it.
 */
#include "providers/inwx_int.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

/* does the pair list set ("a=1; b=2") name the cookie name[0..n)? */
static bool jar_sets(const char *set, const char *name, size_t n)
{
	for (const char *q = set; *q;) {
		size_t ql = strcspn(q, ";"), qn = strcspn(q, "=");
		if ((qn < ql ? qn : ql) == n && strncmp(q, name, n) == 0)
			return true;
		q += ql;
		q += strspn(q, "; ");
	}
	return false;
}

/* append the pairs of list to b, skipping the ones skip sets again */
static int jar_add(struct buf *b, const char *list, const char *skip)
{
	int rc = 0;

	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ";"), n = strcspn(p, "=");
		if (len > 0 && !(skip && jar_sets(skip, p, n < len ? n : len))) {
			if (b->len > strlen("Cookie: "))
				rc |= buf_puts(b, "; ");
			rc |= buf_append(b, p, len);
		}
		p += len;
		p += strspn(p, "; ");
	}
	return rc;
}

int inwx_jar_take(char **cookie_hdr, const char *set)
{
	struct buf b;
	const char *old = *cookie_hdr ? *cookie_hdr + strlen("Cookie: ") : "";

	buf_init(&b);
	if (buf_puts(&b, "Cookie: ") < 0 || jar_add(&b, old, set) < 0 ||
	    jar_add(&b, set, NULL) < 0) {
		buf_release(&b); /* out of memory: the jar stays as it was */
		return -1;
	}
	free(*cookie_hdr);
	*cookie_hdr = buf_detach(&b);
	return 0;
}
