/*
 * valid.c — value validators of the spec format: DNS labels (slugs),
 * domain names (LDH labels, punycode only), e-mail addresses (a simple
 * check), environment variable names, secret-looking names, and the edit
 * distance used for "did you mean" suggestions. Pure functions, no I/O.
 */
#include <string.h>

#include "spec/spec.h"
#include "spec/valid.h"

static int is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

int spec_valid_slug(const char *s, const char **why)
{
	size_t n = strlen(s);

	if (n == 0)
		return *why = "it is empty", -1;
	if (n > 63)
		return *why = "it is longer than 63 characters", -1;
	for (size_t i = 0; i < n; i++)
		if (!is_ldh((unsigned char)s[i]))
			return *why = "only lower-case letters, digits and '-' are allowed", -1;
	if (s[0] == '-' || s[n - 1] == '-')
		return *why = "it must not start or end with '-'", -1;
	return 0;
}

int spec_valid_labels(const char *s, int min_labels, const char **why)
{
	size_t n = strlen(s), i, start = 0;
	int labels = 0;

	if (n == 0)
		return *why = "it is empty", -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return *why = "non-ASCII characters; give internationalised names in "
				      "punycode (xn--...)",
			       -1;
	if (s[n - 1] == '.')
		return *why = "no trailing dot allowed", -1;
	if (n > 253)
		return *why = "longer than 253 characters", -1;
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!is_ldh((unsigned char)s[i]))
				return *why = "only letters, digits, '-' and '.' are allowed", -1;
			continue;
		}
		if (i == start)
			return *why = "empty label", -1;
		if (i - start > 63)
			return *why = "a label is longer than 63 characters", -1;
		if (s[start] == '-' || s[i - 1] == '-')
			return *why = "a label starts or ends with '-'", -1;
		labels++;
		start = i + 1;
	}
	if (labels < min_labels)
		return *why = "at least two labels are needed", -1;
	return 0;
}

int spec_valid_domain(const char *s, const char **why)
{
	return spec_valid_labels(s, 2, why);
}

int spec_valid_email(const char *s)
{
	const char *at = strchr(s, '@');
	char dom[254];
	const char *why;
	size_t n;

	if (at == NULL || at == s || strchr(at + 1, '@') || at - s > 64)
		return -1;
	for (const char *p = s; p < at; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return -1;
	n = strlen(at + 1);
	if (n == 0 || n >= sizeof(dom))
		return -1;
	for (size_t i = 0; i <= n; i++) {
		char c = at[1 + i];
		dom[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	return spec_valid_domain(dom, &why);
}

int spec_valid_env_key(const char *s)
{
	unsigned char c = (unsigned char)s[0];

	if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'))
		return -1;
	for (s++; *s; s++) {
		c = (unsigned char)*s;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.'))
			return -1;
	}
	return 0;
}

int spec_secret_name(const char *s)
{
	static const char *const words[] = {"PASSWORD", "SECRET",     "TOKEN",
					    "KEY",	"CREDENTIAL", "PRIVATE"};

	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		size_t wl = strlen(words[w]);
		for (const char *p = s; *p; p++) {
			size_t i = 0;
			while (i < wl && p[i] &&
			       (p[i] == words[w][i] || p[i] == words[w][i] - 'A' + 'a'))
				i++;
			if (i == wl)
				return 1;
		}
	}
	return 0;
}

size_t spec_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[65], prev, tmp;

	if (la > 64 || lb > 64)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			tmp = row[j];
			size_t best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}
