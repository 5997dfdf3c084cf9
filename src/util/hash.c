/* hash.c — SHA-256, HMAC-SHA256 and random bytes through OpenSSL's libcrypto. */
#include "util/hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>

static void to_hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = 0;
}

int sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return -1;
	to_hex(md, 32, out);
	return 0;
}

int hmac_sha256_hex(const unsigned char *key, size_t keylen, const void *data, size_t len,
		    char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (HMAC(EVP_sha256(), key, (int)keylen, data, len, md, &mdlen) == NULL || mdlen != 32)
		return -1;
	to_hex(md, 32, out);
	return 0;
}

int random_bytes(unsigned char *out, size_t nbytes)
{
	return RAND_bytes(out, (int)nbytes) == 1 ? 0 : -1;
}

int random_hex(size_t nbytes, char *out)
{
	unsigned char tmp[256];

	if (nbytes > sizeof(tmp) || random_bytes(tmp, nbytes) < 0)
		return -1;
	to_hex(tmp, nbytes, out);
	return 0;
}
