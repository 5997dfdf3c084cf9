/* totp.c — RFC 6238 TOTP over OpenSSL HMAC-SHA1 and base32 decoding (see totp.h). */
#include "util/totp.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

int totp_base32_decode(const char *in, unsigned char *out, size_t cap, size_t *outlen)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;

	for (; *in; in++) {
		int c = toupper((unsigned char)*in), v;

		if (c == ' ' || c == '-' || c == '=' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= '2' && c <= '7')
			v = c - '2' + 26;
		else
			return -1;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			if (n >= cap)
				return -1;
			out[n++] = (unsigned char)(acc >> (bits - 8));
			bits -= 8;
			acc &= (1u << bits) - 1;
		}
	}
	*outlen = n;
	return 0;
}

int totp_code(const unsigned char *key, size_t keylen, int64_t t, int step, int digits, char *out)
{
	unsigned char msg[8], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	uint64_t counter;
	uint32_t bin, mod = 1;
	int off;

	if (step <= 0 || digits < 1 || digits > 9 || t < 0)
		return -1;
	counter = (uint64_t)(t / step);
	for (int i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)(counter & 0xff);
		counter >>= 8;
	}
	if (HMAC(EVP_sha1(), key, (int)keylen, msg, sizeof(msg), md, &mdlen) == NULL || mdlen < 20)
		return -1;
	off = md[mdlen - 1] & 0x0f;
	bin = ((uint32_t)(md[off] & 0x7f) << 24) | ((uint32_t)md[off + 1] << 16) |
	      ((uint32_t)md[off + 2] << 8) | (uint32_t)md[off + 3];
	for (int i = 0; i < digits; i++)
		mod *= 10;
	{
		char tmp[16];

		snprintf(tmp, sizeof(tmp), "%0*u", digits, (unsigned)(bin % mod));
		memcpy(out, tmp, (size_t)digits + 1);
	}
	return 0;
}

int totp_now(const char *base32, int64_t t, char out[7], struct vrs_err *err)
{
	unsigned char key[128];
	size_t n = 0;
	int rc;

	if (base32 == NULL || totp_base32_decode(base32, key, sizeof(key), &n) < 0 || n == 0)
		return err_set(err, "TOTP secret is not valid base32");
	rc = totp_code(key, n, t, 30, 6, out);
	memset(key, 0, sizeof(key));
	if (rc < 0)
		return err_set(err, "TOTP computation failed");
	return 0;
}
