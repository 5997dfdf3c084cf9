/*
 * backoff.c — exponential backoff with full jitter (see backoff.h).
 */
#include "util/backoff.h"

#include <math.h>

uint64_t backoff_rng_next(uint64_t *rng)
{
	uint64_t x = *rng ? *rng : 0x9e3779b97f4a7c15ull;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*rng = x;
	return x;
}

double backoff_jitter_s(double base_s, double cap_s, int n, uint64_t *rng)
{
	double ceil_s, u;

	if (n < 1)
		n = 1;
	ceil_s = n > 60 ? cap_s : base_s * ldexp(1.0, n - 1);
	if (ceil_s > cap_s)
		ceil_s = cap_s;
	u = (double)(backoff_rng_next(rng) >> 11) * (1.0 / 9007199254740992.0);
	return ceil_s * u;
}
