/* buf.c — growable buffer (see buf.h). */
#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char buf_empty[1];

void buf_init(struct buf *b)
{
	b->data = buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->cap = 0;
	b->sink = NULL;
	b->sink_ud = NULL;
	b->flush_at = 0;
}

void buf_release(struct buf *b)
{
	if (b->alloc)
		free(b->data);
	buf_init(b);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->alloc)
		b->data[0] = 0;
}

static int buf_alloc(struct buf *b, size_t need)
{
	size_t n;
	char *p;

	if (need <= b->alloc)
		return 0;
	n = b->alloc ? b->alloc : 64;
	while (n < need)
		n *= 2;
	p = b->alloc ? realloc(b->data, n) : malloc(n);
	if (p == NULL)
		return -1;
	if (!b->alloc)
		p[0] = 0;
	b->data = p;
	b->alloc = n;
	return 0;
}

int buf_flush(struct buf *b)
{
	int rc = 0;

	if (b->sink && b->len)
		rc = b->sink(b->sink_ud, b->data, b->len);
	if (b->sink) {
		b->len = 0;
		if (b->alloc)
			b->data[0] = 0;
	}
	return rc;
}

int buf_append_block(struct buf *b, const void *p, size_t n)
{
	if (b->sink == NULL || n < b->flush_at)
		return buf_append(b, p, n);
	if (buf_flush(b) < 0)
		return -1;
	return n ? b->sink(b->sink_ud, p, n) : 0;
}

static int buf_grow(struct buf *b, size_t extra)
{
	size_t need;

	if (extra > (size_t)-1 - b->len - 1)
		return -1;
	need = b->len + extra + 1;
	if (b->cap && need > b->cap + 1)
		return -1;
	if (need <= b->alloc)
		return 0;
	/* a streaming buffer hands its bytes over rather than growing */
	if (b->sink && b->len) {
		if (buf_flush(b) < 0)
			return -1;
		need = extra + 1;
		if (need <= b->alloc)
			return 0;
	}
	if (b->cap && need > b->cap + 1)
		return -1;
	return buf_alloc(b, need);
}

/* the common case, room already there, without a call */
static inline int buf_room(struct buf *b, size_t extra)
{
	if (!b->cap && extra < b->alloc && b->len + extra < b->alloc)
		return 0;
	return buf_grow(b, extra);
}

int buf_reserve(struct buf *b, size_t n)
{
	return buf_grow(b, n);
}

int buf_set_sink(struct buf *b, int (*sink)(void *ud, const char *p, size_t n), void *ud,
		 size_t flush_at)
{
	if (flush_at < 64 || buf_alloc(b, flush_at) < 0)
		return -1;
	b->sink = sink;
	b->sink_ud = ud;
	b->flush_at = flush_at;
	return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_room(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
	if (buf_room(b, 1) < 0)
		return -1;
	b->data[b->len++] = c;
	b->data[b->len] = 0;
	return 0;
}

int buf_put_ll(struct buf *b, long long v)
{
	char tmp[24], *e = tmp + sizeof(tmp), *q = e;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		*--q = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--q = '-';
	return buf_append(b, q, (size_t)(e - q));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	/* format straight into the free room; only a longer result (or a capped
	 * buffer, whose room must not be reserved ahead) formats twice */
	if (b->cap)
		goto twice;
	if (buf_room(b, 128) < 0)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->alloc - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->data[b->len] = 0;
		return -1;
	}
	if ((size_t)n < b->alloc - b->len) {
		b->len += (size_t)n;
		return 0;
	}
	b->data[b->len] = 0;
	goto grow;
twice:
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
grow:
	if (buf_grow(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int buf_json_str(struct buf *b, const char *s)
{
	const unsigned char *p;

	if (s == NULL)
		return buf_append(b, "null", 4);
	/* the fast path: nothing to escape, one copy */
	for (p = (const unsigned char *)s; *p >= 0x20 && *p != '"' && *p != '\\'; p++)
		;
	if (*p == 0) {
		size_t n = (size_t)(p - (const unsigned char *)s);
		if (buf_room(b, n + 2) < 0)
			return -1;
		b->data[b->len] = '"';
		memcpy(b->data + b->len + 1, s, n);
		b->len += n + 2;
		b->data[b->len - 1] = '"';
		b->data[b->len] = 0;
		return 0;
	}
	if (buf_putc(b, '"') < 0)
		return -1;
	for (p = (const unsigned char *)s; *p; p++) {
		int rc;
		switch (*p) {
		case '"':
			rc = buf_puts(b, "\\\"");
			break;
		case '\\':
			rc = buf_puts(b, "\\\\");
			break;
		case '\n':
			rc = buf_puts(b, "\\n");
			break;
		case '\r':
			rc = buf_puts(b, "\\r");
			break;
		case '\t':
			rc = buf_puts(b, "\\t");
			break;
		default:
			if (*p < 0x20)
				rc = buf_printf(b, "\\u%04x", *p);
			else
				rc = buf_putc(b, (char)*p);
		}
		if (rc < 0)
			return -1;
	}
	return buf_putc(b, '"');
}

char *buf_detach(struct buf *b)
{
	char *p;

	if (!b->alloc) {
		p = malloc(1);
		if (p)
			p[0] = 0;
	} else {
		p = b->data;
	}
	buf_init(b);
	return p;
}
