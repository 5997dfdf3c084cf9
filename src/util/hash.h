/*
 * hash.h — digests, keyed fingerprints and random ids over libcrypto.
 */
#ifndef VRS_HASH_H
#define VRS_HASH_H

#include <stddef.h>

/* hex SHA-256 of data into out[65]; 0 or -1 */
int sha256_hex(const void *data, size_t len, char out[65]);
/* hex HMAC-SHA256(key, data) into out[65]; 0 or -1 */
int hmac_sha256_hex(const unsigned char *key, size_t keylen, const void *data, size_t len,
		    char out[65]);
/* nbytes of cryptographic randomness as lower-case hex into out[2*nbytes+1] */
int random_hex(size_t nbytes, char *out);
/* nbytes of cryptographic randomness */
int random_bytes(unsigned char *out, size_t nbytes);

#endif
