/*
 * buf.h — a growable, always NUL-terminated byte buffer with a size cap.
 *
 * Invariants: b->data is never NULL after buf_init; b->data[b->len] == 0.
 * A failed append (out of memory, or over b->cap when cap != 0) returns -1
 * and leaves the buffer as it was. buf_detach hands the bytes to the caller.
 */
#ifndef VRS_BUF_H
#define VRS_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t alloc;
	size_t cap; /* 0 = unlimited */
};

void buf_init(struct buf *b);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* JSON string literal with quotes and escapes */
int buf_json_str(struct buf *b, const char *s);
char *buf_detach(struct buf *b);

#endif
