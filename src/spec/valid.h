/*
 * valid.h — internal validators of src/spec/ beyond the public ones in
 * spec.h.
 */
#ifndef VRS_SPEC_VALID_H
#define VRS_SPEC_VALID_H

#include <stddef.h>

/* dot-separated LDH labels (lower case), 1-63 each, <= 253 in all, at least
 * min_labels of them; 0 / -1 with a static reason in *why */
int spec_valid_labels(const char *s, int min_labels, const char **why);
/* Levenshtein distance; (size_t)-1 when a string is longer than 64 */
size_t spec_edit_distance(const char *a, const char *b);

#endif
