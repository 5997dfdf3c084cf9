/*
 * pjson.h — tolerant cJSON field readers shared by the provider clients.
 *
 * Remote APIs send numbers as strings and strings as numbers (INWX record ids,
 * counts); these readers accept both. Strings are returned strdup'ed (caller
 * frees) or NULL when the key is absent/null (or on out of memory).
 */
#ifndef VRS_PJSON_H
#define VRS_PJSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

char *pj_str(const cJSON *o, const char *key);
/* a scalar as text: strings as-is, integral numbers without ".0" */
char *pj_scalar(const cJSON *v);
int64_t pj_int(const cJSON *o, const char *key, int64_t def);
double pj_num(const cJSON *o, const char *key, double def);
/* true/false, numbers (nonzero), strings "true"/"1"/"yes" */
bool pj_bool(const cJSON *o, const char *key, bool def);
/* the array under key, or NULL */
const cJSON *pj_arr(const cJSON *o, const char *key);
/* a date object {"timestamp":N,...} or a number: unix seconds, else def */
int64_t pj_time(const cJSON *o, const char *key, int64_t def);

#endif
