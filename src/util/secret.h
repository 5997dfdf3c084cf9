/*
 * secret.h — credentials and endpoints from the environment (DESIGN §3).
 *
 * secret_get("VRS_COOLIFY_TOKEN", &v, &err) reads $VRS_COOLIFY_TOKEN, else
 * the file named by $VRS_COOLIFY_TOKEN_FILE (trailing newlines stripped; a
 * file readable or writable by group or others is refused, as ssh does).
 * Returns 0 with *out = NULL when neither is set; *out is the caller's (free
 * it with secret_free, which wipes it). The same functions serve spec
 * references: from_env -> secret_get_env, from_file -> secret_read_file.
 *
 * provider_creds_load fills every provider setting at once: Coolify URL
 * (trailing '/' dropped), token, rate budget (VRS_COOLIFY_RATE, requests per
 * minute, default 200), INWX endpoint (VRS_INWX_URL; unset/"prod"/"production"
 * -> https://api.domrobot.com/jsonrpc/, "ote" -> https://api.ote.domrobot.com/jsonrpc/),
 * user, password and TOTP secret. Missing values stay NULL; callers that need
 * one say so (provider_creds_require_*).
 */
#ifndef VRS_SECRET_H
#define VRS_SECRET_H

#include "util/err.h"

#define INWX_URL_PROD "https://api.domrobot.com/jsonrpc/"
#define INWX_URL_OTE  "https://api.ote.domrobot.com/jsonrpc/"

int secret_get(const char *name, char **out, struct vrs_err *err);
/* only the variable itself (no _FILE); empty counts as unset */
int secret_get_env(const char *name, char **out, struct vrs_err *err);
/* read a secret file: must be a regular file, mode & 077 == 0, at most 64 KiB */
int secret_read_file(const char *path, char **out, struct vrs_err *err);
/* wipe and free */
void secret_free(char *s);

struct provider_creds {
	char *coolify_url;
	char *coolify_token;
	double coolify_rate_per_min;
	char *inwx_url;
	char *inwx_user;
	char *inwx_password;
	char *inwx_totp_secret;
};

int provider_creds_load(struct provider_creds *c, struct vrs_err *err);
void provider_creds_release(struct provider_creds *c);
/* -1 with "VRS_COOLIFY_URL and VRS_COOLIFY_TOKEN must be set ..." when missing */
int provider_creds_require_coolify(const struct provider_creds *c, struct vrs_err *err);
int provider_creds_require_inwx(const struct provider_creds *c, struct vrs_err *err);
/* map a VRS_INWX_URL value to an endpoint (NULL/"" -> production) */
const char *secret_inwx_endpoint(const char *v);

#endif
