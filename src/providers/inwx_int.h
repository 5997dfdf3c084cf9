/*
 * inwx_int.h — the INWX client's inside, shared by inwx.c (session),
 * inwx_calls.c (methods) and inwx_parse.c (results), and reached by the unit
 * tests: the raw call, result kinds and their parsers. Nothing outside
 * providers/ includes it: the wire format (cJSON) stays here.
 */
#ifndef VRS_INWX_INT_H
#define VRS_INWX_INT_H

#include <cjson/cJSON.h>

#include "providers/inwx.h"

/* raw call result */
struct inwx_response {
	int code;
	char *msg;
	cJSON *res_data; /* may be NULL */
};
void inwx_response_free(struct inwx_response *r);

/* params consumed; result inwx_response (also for codes >= 2000) */
int inwx_call_async(struct inwx *w, const char *method, cJSON *params, inwx_cb cb, void *ud,
		    struct vrs_err *err);

enum inwx_kind {
	INWX_K_RAW,
	INWX_K_NONE,
	INWX_K_ACCOUNT,
	INWX_K_ZONES,
	INWX_K_ZONE_INFO,
	INWX_K_CREATED,
	INWX_K_CHECKS,
	INWX_K_PRICES,
	INWX_K_ORDER,
	INWX_K_DOMAIN,
	INWX_K_DOMAINS,
	INWX_K_CONTACTS,
	INWX_K_RULES,
};
/* check a parsed response's code: 0 for 1000..1999, else -1 with
 * "<method>: <code> <msg> (<reason>)" and code/remote_code/transient set */
int inwx_check_code(const cJSON *resp, const char *method, struct vrs_err *err);
/* parse a checked (code < 2000) response into the kind's struct; *ok false on a bad shape */
void *inwx_parse_resp(enum inwx_kind kind, const cJSON *resp, bool *ok);
/* parse a whole successful response body into the kind's struct */
int inwx_parse(enum inwx_kind kind, const char *body, void **out, struct vrs_err *err);
void inwx_result_free(enum inwx_kind kind, void *res);

/* queue one call on the session (params consumed; items_key: paged list) */
int inwx_submit(struct inwx *w, const char *method, cJSON *params, enum inwx_kind kind,
		const char *items_key, bool idempotent, inwx_cb cb, void *ud, struct vrs_err *err);
struct http_pool *inwx_pool(struct inwx *w);

/* inwx_jar.c: merge an answer's Set-Cookie pairs ("a=1; b=2") into *cookie_hdr
 * ("Cookie: ..."), the same names replaced; -1 (jar unchanged) when out of memory */
int inwx_jar_take(char **cookie_hdr, const char *set);

#endif
