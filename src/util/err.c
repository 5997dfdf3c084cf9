/* err.c — context-carrying error values (see err.h). */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void err_clear(struct vrs_err *e)
{
	memset(e, 0, sizeof(*e));
}

int err_set(struct vrs_err *e, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int err_setc(struct vrs_err *e, enum vrs_errcode code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int err_prefix(struct vrs_err *e, const char *fmt, ...)
{
	char old[VRS_ERR_MSG];
	size_t n;
	va_list ap;

	if (e == NULL)
		return -1;
	memcpy(old, e->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	/* "ctx: old", truncated to fit */
	if (n + 2 < sizeof(e->msg)) {
		memcpy(e->msg + n, ": ", 3);
		n += 2;
		size_t len = strlen(old), room = sizeof(e->msg) - n - 1;
		if (len > room)
			len = room;
		memcpy(e->msg + n, old, len);
		e->msg[n + len] = 0;
	}
	return -1;
}

int err_at(struct vrs_err *e, const char *file, int line, int col, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->file = file;
	e->line = line;
	e->col = col;
	return -1;
}
