/*
 * backoff.h — exponential backoff with full jitter, pure: the HTTP layer's
 * retries (providers/http_policy.c) and the engine's resends both use it.
 */
#ifndef VRS_UTIL_BACKOFF_H
#define VRS_UTIL_BACKOFF_H

#include <stdint.h>

/* xorshift64; a zero state is replaced by a fixed nonzero one */
uint64_t backoff_rng_next(uint64_t *rng);
/* retry number n (1 = first retry): uniform in [0, min(cap_s, base_s * 2^(n-1))] */
double backoff_jitter_s(double base_s, double cap_s, int n, uint64_t *rng);

#endif
