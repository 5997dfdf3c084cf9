/*
 * err.h — an error value that carries context.
 *
 * Functions that can fail return 0 / -1 (or a pointer / NULL) and fill a
 * struct vrs_err. The lowest layer says what failed ("HTTP 422: Validation
 * failed."), each caller prefixes its own context ("coolify: POST
 * /applications/dockerimage: "), and only cmd/ prints the result.
 */
#ifndef VRS_ERR_H
#define VRS_ERR_H

#include <stdbool.h>

#define VRS_ERR_MSG 1024

struct vrs_err {
	char msg[VRS_ERR_MSG];
	/* source position when the error is about a spec node, else file == NULL */
	const char *file;
	int line, col;
	int http_status;   /* remote HTTP status, 0 if none */
	int remote_code;   /* INWX result code, 0 if none */
	bool transient;    /* worth retrying: timeout, 429, 5xx, INWX 2400/2500 */
};

void err_clear(struct vrs_err *e);
/* set the message (printf-style); returns -1 so callers can `return err_set(...)` */
int err_set(struct vrs_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* prepend context: "ctx: old message" */
int err_prefix(struct vrs_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* set message plus a source position */
int err_at(struct vrs_err *e, const char *file, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
