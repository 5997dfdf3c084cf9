/*
 * skey.h — a string's sort key precomputed as two integers: its first 16
 * bytes big-endian (zero padding past the end), so sorting many strings
 * compares integers and reads the strings themselves only when two share
 * those 16 bytes and both are longer. The order is strcmp's (bytes as
 * unsigned char; a shorter string's padding sorts first, like its NUL).
 */
#ifndef VRS_SKEY_H
#define VRS_SKEY_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct skey {
	uint64_t hi, lo;
	const char *s;
	bool whole; /* the string fits in hi/lo: equal keys mean equal strings */
};

static inline void skey_init(struct skey *k, const char *s)
{
	int i = 0;

	k->hi = k->lo = 0;
	k->s = s;
	for (; i < 8 && s[i]; i++)
		k->hi |= (uint64_t)(unsigned char)s[i] << (8 * (7 - i));
	if (i == 8)
		for (; i < 16 && s[i]; i++)
			k->lo |= (uint64_t)(unsigned char)s[i] << (8 * (15 - i));
	k->whole = i < 16;
}

static inline int skey_cmp(const struct skey *a, const struct skey *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->whole || b->whole)
		return 0; /* one ends within the 16 bytes, the other has the same ones */
	return strcmp(a->s + 16, b->s + 16);
}

#endif
