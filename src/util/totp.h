/*
 * totp.h — RFC 6238 time-based one-time passwords (HMAC-SHA1) with RFC 4648
 * base32 secrets, for the INWX account.unlock TAN.
 *
 *   totp_base32_decode("JBSWY3DP...", key, sizeof key, &n)  -> 0 / -1
 *   totp_code(key, n, unix_time, 30, 6, out)                -> "042917"
 *   totp_now(base32, unix_time, out, err)                   -> 6-digit, 30 s
 * Codes are zero-padded decimal strings; out must hold digits + 1 bytes.
 */
#ifndef VRS_TOTP_H
#define VRS_TOTP_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* decode base32 (case-insensitive; spaces, '-' and '=' padding ignored);
 * -1 on a bad character or when out is too small */
int totp_base32_decode(const char *in, unsigned char *out, size_t cap, size_t *outlen);
/* RFC 4226/6238 code for time t (seconds since the epoch) */
int totp_code(const unsigned char *key, size_t keylen, int64_t t, int step, int digits, char *out);
/* 6 digits, 30 s step, from a base32 secret */
int totp_now(const char *base32, int64_t t, char out[7], struct vrs_err *err);

#endif
