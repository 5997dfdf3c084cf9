/*
 * coolify_int.h — the Coolify client's inside, shared by coolify.c (the
 * client, one request) and coolify_calls.c (the endpoint table).
 */
#ifndef VRS_COOLIFY_INT_H
#define VRS_COOLIFY_INT_H

#include "providers/coolify.h"

/* send method path (after /api/v1; label = path without the query), body
 * consumed; the answer is parsed as kind and handed to cb */
int coolify_submit(struct coolify *c, const char *method, const char *path, char *body,
		   bool idempotent, enum coolify_kind kind, coolify_cb cb, void *ud,
		   struct vrs_err *err);
/* a text answer's body without surrounding white space (caller frees), NULL: no memory */
char *coolify_trimmed_text(const char *body);
/* an id that goes into a path: non-empty, [A-Za-z0-9._-] only */
int coolify_check_id(const char *what, const char *id, struct vrs_err *err);

#endif
