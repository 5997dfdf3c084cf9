/* trim.c — does Coolify's input trimming change a string (see trim.h)? */
#include "model/trim.h"

#include <string.h>

/* the UTF-8 forms of what Laravel's Str::trim removes beyond ASCII whitespace:
 * PCRE \s under /u (Unicode spaces) plus U+FEFF, U+200B, U+200E */
static const char *const wide[] = {
    "\xc2\x85",	    "\xc2\xa0",	    "\xe1\x9a\x80", "\xe2\x80\x80", "\xe2\x80\x81", "\xe2\x80\x82",
    "\xe2\x80\x83", "\xe2\x80\x84", "\xe2\x80\x85", "\xe2\x80\x86", "\xe2\x80\x87", "\xe2\x80\x88",
    "\xe2\x80\x89", "\xe2\x80\x8a", "\xe2\x80\x8b", "\xe2\x80\x8e", "\xe2\x80\xa8", "\xe2\x80\xa9",
    "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80", "\xef\xbb\xbf",
};

static bool ascii_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

bool m_coolify_trims(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0)
		return false;
	if (ascii_space((unsigned char)s[0]) || ascii_space((unsigned char)s[n - 1]))
		return true;
	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
		size_t k = strlen(wide[i]);
		if (n >= k && (memcmp(s, wide[i], k) == 0 || memcmp(s + n - k, wide[i], k) == 0))
			return true;
	}
	return false;
}
