/*
 * http_redact.c — what the HTTP trace must never show: secret headers,
 * JSON and form values under secret keys, and the literal secrets a pool
 * registered (see http.h).
 */
#include "providers/http.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const redact_keys[] = {
    "pass",  "password", "tan",	  "authCode",	"auth_code",
    "token", "secret",	 "value", "real_value", NULL,
};

static bool is_secret_key(const char *k, size_t n)
{
	for (int i = 0; redact_keys[i]; i++)
		if (strlen(redact_keys[i]) == n && strncasecmp(redact_keys[i], k, n) == 0)
			return true;
	return false;
}

static const char *const redact_headers[] = {
    "authorization:", "proxy-authorization:", "cookie:", "set-cookie:", "x-api-key:", NULL,
};

/* end of a JSON string starting at s (s points after the opening quote); returns the
 * closing quote or the terminating NUL */
static const char *json_str_end(const char *s)
{
	while (*s && *s != '"') {
		if (*s == '\\' && s[1])
			s++;
		s++;
	}
	return s;
}

int http_redact(const char *in, struct buf *out)
{
	const char *s = in;

	/* trace lines carry a direction prefix */
	if ((s[0] == '>' || s[0] == '<') && s[1] == ' ') {
		if (buf_append(out, s, 2) < 0)
			return -1;
		s += 2;
		in = s;
	}
	for (int i = 0; redact_headers[i]; i++) {
		size_t n = strlen(redact_headers[i]);

		if (strncasecmp(s, redact_headers[i], n) == 0) {
			if (buf_append(out, s, n - 1) < 0)
				return -1;
			return buf_puts(out, ": [REDACTED]");
		}
	}
	while (*s) {
		if (*s == '"') {
			const char *k = s + 1, *ke = json_str_end(k), *p;

			if (*ke == 0)
				return buf_puts(out, s);
			if (buf_append(out, s, (size_t)(ke + 1 - s)) < 0)
				return -1;
			s = ke + 1;
			if (!is_secret_key(k, (size_t)(ke - k)))
				continue;
			p = s;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p != ':')
				continue;
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			if (buf_append(out, s, (size_t)(p - s)) < 0)
				return -1;
			if (*p == '"') {
				const char *ve = json_str_end(p + 1);

				if (buf_puts(out, "\"[REDACTED]\"") < 0)
					return -1;
				s = *ve ? ve + 1 : ve;
			} else if (*p == '{' || *p == '[' || *p == 0) {
				s = p;
			} else {
				p += strcspn(p, ",}] \t\r\n");
				if (buf_puts(out, "[REDACTED]") < 0)
					return -1;
				s = p;
			}
			continue;
		}
		/* form / query: key=value after a separator */
		if ((s == in || strchr("?&; ", s[-1])) && isalpha((unsigned char)*s)) {
			size_t kn =
			    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_");

			if (s[kn] == '=' && is_secret_key(s, kn)) {
				if (buf_append(out, s, kn + 1) < 0 ||
				    buf_puts(out, "[REDACTED]") < 0)
					return -1;
				s += kn + 1;
				s += strcspn(s, "&; \r\n");
				continue;
			}
			if (buf_append(out, s, kn) < 0)
				return -1;
			s += kn;
			continue;
		}
		if (buf_putc(out, *s) < 0)
			return -1;
		s++;
	}
	return 0;
}

int http_mask_secrets(struct buf *line, char *const *secrets, size_t n)
{
	struct buf raw;

	buf_init(&raw);
	for (size_t i = 0; i < n; i++) {
		const char *sec = secrets[i], *hit, *cur;
		size_t sl = strlen(sec);

		if (line->data == NULL || strstr(line->data, sec) == NULL)
			continue;
		buf_reset(&raw);
		cur = line->data;
		while ((hit = strstr(cur, sec)) != NULL) {
			buf_append(&raw, cur, (size_t)(hit - cur));
			buf_puts(&raw, "[REDACTED]");
			cur = hit + sl;
		}
		buf_puts(&raw, cur);
		buf_reset(line);
		buf_puts(line, raw.data);
	}
	buf_release(&raw);
	return 0;
}
