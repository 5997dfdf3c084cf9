/*
 * executors.c — which executor runs which action: the table reconcile.c
 * gives the scheduler, so that the scheduler knows executors only through
 * struct executor and no engine file calls back into one that calls it.
 */
#include "engine/engine_int.h"

#include <time.h>

/* the engine's clock (every executor's timers and the scheduler's grace) */
long long engine_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const struct executor *executor_of(const struct m_action *a)
{
	if (a->service == SVC_LOCAL)
		return &local_executor;
	switch (a->resource) {
	case RES_COOLIFY_PROJECT:
	case RES_COOLIFY_APP:
	case RES_APP_ENV:
	case RES_DEPLOYMENT:
		return &coolify_executor;
	case RES_DNS_RECORD:
		return &dns_executor;
	case RES_DOMAIN_REGISTRATION:
		return &domains_executor;
	default:
		return NULL;
	}
}

static const struct executor *const all[] = {&local_executor, &coolify_executor, &dns_executor,
					     &domains_executor};

const struct executor_set engine_executors = {all, sizeof(all) / sizeof(all[0]), executor_of};
