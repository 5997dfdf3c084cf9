/*
 * limits.h — the product's fixed limits, defined once: the plan (retry
 * gating), the state (retry reset) and the commands (what status shows)
 * all read them from here. Plain constants and pure predicates; no I/O.
 */
#ifndef VRS_LIMITS_H
#define VRS_LIMITS_H

#include <stdbool.h>

/* tries of a failing project before it waits for `vrsctl retry` */
#define VRS_MAX_RETRIES 3

/* days ahead in which a registered domain's expiry is shown as coming */
#define VRS_EXPIRY_WARN_DAYS 30

/* expires_at (unix seconds, 0 = unknown) lies within the warning window */
static inline bool vrs_expires_soon(long long expires_at, long long now)
{
	return expires_at != 0 && expires_at <= now + VRS_EXPIRY_WARN_DAYS * 86400LL;
}

/* a certificate this close to its notAfter means renewal is failing (Let's Encrypt renews at 30) */
#define VRS_CERT_WARN_DAYS 21
static inline bool vrs_cert_expires_soon(long long not_after, long long now)
{
	return not_after != 0 && not_after <= now + VRS_CERT_WARN_DAYS * 86400LL;
}

#endif
