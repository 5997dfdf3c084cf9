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

/* 8 bytes big-endian (compilers make this one load and a byte swap) */
static inline uint64_t skey_be64(const unsigned char *p)
{
	return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
	       (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
	       (uint64_t)p[6] << 8 | (uint64_t)p[7];
}

static inline void skey_init(struct skey *k, const char *s)
{
	unsigned char b[16] = {0};
	size_t n = strnlen(s, 16);

	memcpy(b, s, n); /* the bytes past the end stay zero */
	k->hi = skey_be64(b);
	k->lo = skey_be64(b + 8);
	k->s = s;
	k->whole = n < 16;
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
