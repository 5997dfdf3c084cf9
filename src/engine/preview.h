/*
 * preview.h — the rules of preview accesses (the model's PreviewAccess):
 * who may get one (demo gating), validity, expiry, token prefixes, and the
 * grant / revoke / verify steps with their provisioning-log rows, each in
 * one transaction. cmd/preview.c parses arguments and prints.
 */
#ifndef VRS_ENGINE_PREVIEW_H
#define VRS_ENGINE_PREVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "state/state.h"

#define PREVIEW_PREFIX_LEN 8	/* token characters shown by list */
#define PREVIEW_MIN_PREFIX 6	/* shortest prefix revoke accepts */
#define PREVIEW_MAX_HOURS  8760 /* one year */

/* the clock preview validity is judged by (unix seconds) */
long long preview_now(void);
/* the model's PreviewAccess.is_valid at `now`; NULL when valid, else the reason */
const char *preview_invalid_reason(const struct state_preview *a, long long now);
/* the primary domain of a recorded project (else its first); NULL if none */
const char *preview_primary_domain(const struct m_project *p);
/* the shown part of a token into out (PREVIEW_PREFIX_LEN + 1 bytes); returns out */
char *preview_token_prefix(const char *token, char *out);
/*
 * A prefix as `preview list` prints it, with its "…" or "..." removed, into
 * out (outlen bytes); returns its length.
 */
size_t preview_prefix_normalize(const char *given, char *out, size_t outlen);

/* find slug in the loaded world w; VRS_E_NOT_FOUND "no project 'S' in state F" */
int preview_project(struct state *st, const struct m_world *w, const char *slug,
		    const struct m_project **p, struct vrs_err *err);

struct preview_grant_req {
	const char *email, *name; /* for whom; NULL when not given */
	const char *who;	  /* created_by and the log row's triggered_by */
	long hours;		  /* 1 .. PREVIEW_MAX_HOURS */
	bool single_use;
};

/*
 * Grant an access to project p, which must be a demo or preview-protected
 * (else VRS_E_INVALID), and log it (token prefix only), in one transaction.
 * *out (free with state_preview_release) holds the token and the code.
 */
int preview_grant(struct state *st, const struct m_project *p, const struct preview_grant_req *rq,
		  struct state_preview *out, struct vrs_err *err);

/*
 * Revoke the one access of p whose token starts with pfx (len bytes; `given`
 * is the token as the user wrote it, for the message) and log it. None:
 * VRS_E_NOT_FOUND; several: VRS_E_INVALID. shown gets the token prefix.
 */
int preview_revoke(struct state *st, const struct m_project *p, const char *pfx, size_t len,
		   const char *given, const char *who, char *shown, struct vrs_err *err);

struct preview_check {
	bool found;		/* an access of this project with this token / code */
	const char *why;	/* NULL: valid (and counted as used); else the reason */
	struct state_preview a; /* the access as it was before this use */
};

/*
 * Verify by token (code NULL) or by code: unknown (found false), invalid
 * (why set) or valid, in which case the use is counted (ip may be NULL).
 * Release out->a with state_preview_release.
 */
int preview_verify(struct state *st, const struct m_project *p, const char *token, const char *code,
		   const char *ip, struct preview_check *out, struct vrs_err *err);

#endif
