/*
 * trim.h — what Coolify holds for a string vrsctl sends it. Coolify's API
 * middleware trims every request string (Laravel's TrimStrings: leading and
 * trailing whitespace, Unicode spaces and U+FEFF, U+200B, U+200E included)
 * and turns "" into null (ConvertEmptyStringsToNull); environment values are
 * trimmed again on read (EnvironmentVariable). vrsctl refuses to send a
 * value that trimming would change, so what it fingerprints and diffs is
 * what Coolify holds.
 */
#ifndef VRS_MODEL_TRIM_H
#define VRS_MODEL_TRIM_H

#include <stdbool.h>

/* true when s begins or ends with whitespace Coolify would remove (s UTF-8) */
bool m_coolify_trims(const char *s);

#endif
