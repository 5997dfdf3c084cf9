/* pjson.c — tolerant cJSON field readers (see pjson.h). */
#include "providers/pjson.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

char *pj_scalar(const cJSON *v)
{
	char tmp[64];

	if (v == NULL)
		return NULL;
	if (cJSON_IsString(v))
		return strdup(v->valuestring);
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (d == floor(d) && fabs(d) < 9e15)
			snprintf(tmp, sizeof(tmp), "%lld", (long long)d);
		else
			snprintf(tmp, sizeof(tmp), "%.17g", d);
		return strdup(tmp);
	}
	if (cJSON_IsBool(v))
		return strdup(cJSON_IsTrue(v) ? "true" : "false");
	return NULL;
}

char *pj_str(const cJSON *o, const char *key)
{
	return pj_scalar(cJSON_GetObjectItemCaseSensitive(o, key));
}

double pj_num(const cJSON *o, const char *key, double def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsNumber(v))
		return v->valuedouble;
	if (cJSON_IsString(v) && v->valuestring[0]) {
		char *e;
		double d = strtod(v->valuestring, &e);

		if (*e == 0)
			return d;
	}
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? 1 : 0;
	return def;
}

int64_t pj_int(const cJSON *o, const char *key, int64_t def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsString(v) && v->valuestring[0]) {
		char *e;
		long long n = strtoll(v->valuestring, &e, 10);

		if (*e == 0)
			return n;
	}
	if (cJSON_IsNumber(v) || cJSON_IsString(v) || cJSON_IsBool(v)) {
		double d = pj_num(o, key, (double)def);

		/* 1e999 or NaN from a hostile answer: converting it is undefined (fuzz_coolify) */
		if (!(d > -9.2e18 && d < 9.2e18))
			return def;
		return (int64_t)d;
	}
	return def;
}

bool pj_bool(const cJSON *o, const char *key, bool def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v);
	if (cJSON_IsNumber(v))
		return v->valuedouble != 0;
	if (cJSON_IsString(v))
		return strcasecmp(v->valuestring, "true") == 0 ||
		       strcmp(v->valuestring, "1") == 0 || strcasecmp(v->valuestring, "yes") == 0;
	return def;
}

const cJSON *pj_arr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsArray(v) ? v : NULL;
}

int64_t pj_time(const cJSON *o, const char *key, int64_t def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsObject(v))
		return pj_int(v, "timestamp", def);
	if (cJSON_IsNumber(v) || cJSON_IsString(v))
		return pj_int(o, key, def);
	return def;
}
