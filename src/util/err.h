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

/*
 * What kind of failure, for callers that decide by it (cmd/'s exit status,
 * a retry, "already there"): never by the message's words.
 */
enum vrs_errcode {
	VRS_E_FAILED = 0,  /* unclassified */
	VRS_E_NOMEM,	   /* out of memory */
	VRS_E_LOCKED,	   /* the state is locked by another vrsctl process */
	VRS_E_NOT_FOUND,   /* the object named does not exist */
	VRS_E_EXISTS,	   /* the object to create exists already */
	VRS_E_INVALID,	   /* bad input: specs, arguments, a plan file */
	VRS_E_IO,	   /* a local file or the database */
	VRS_E_AUTH,	   /* credentials refused (token, login, 2FA) */
	VRS_E_REMOTE,	   /* a remote service refused the request for good */
	VRS_E_TRANSIENT,   /* worth retrying: timeout, 429, 5xx, INWX 2400/2500 */
	VRS_E_INTERRUPTED, /* a stop (SIGTERM/SIGINT) cancelled the call; it may have landed */
	VRS_E_TLS,	   /* a TLS handshake was made and the peer's certificate refused */
};

struct vrs_err {
	char msg[VRS_ERR_MSG];
	enum vrs_errcode code;
	/* source position when the error is about a spec node, else file == NULL */
	const char *file;
	int line, col;
	int http_status; /* remote HTTP status, 0 if none */
	int remote_code; /* INWX result code, 0 if none */
	bool transient;	 /* worth retrying: timeout, 429, 5xx, INWX 2400/2500 */
};

void err_clear(struct vrs_err *e);
/* set the message (printf-style); returns -1 so callers can `return err_set(...)` */
int err_set(struct vrs_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* err_set with a code */
int err_setc(struct vrs_err *e, enum vrs_errcode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* prepend context: "ctx: old message" */
int err_prefix(struct vrs_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* set message plus a source position */
int err_at(struct vrs_err *e, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
