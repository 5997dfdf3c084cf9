/*
 * buf.h — a growable, always NUL-terminated byte buffer with a size cap.
 *
 * Invariants: b->data is never NULL after buf_init; b->data[b->len] == 0.
 * A failed append (out of memory, or over b->cap when cap != 0) returns -1
 * and leaves the buffer as it was. buf_detach hands the bytes to the caller.
 *
 * A buffer given a sink (buf_set_sink) is a streaming writer: once it holds
 * flush_at bytes, an append first hands them to the sink and starts over, so
 * a 100 MB plan is written through one preallocated buffer instead of being
 * held whole. data then holds only the tail not yet handed over; the caller
 * hands it over with buf_flush at the end. A sink's failure fails the append.
 */
#ifndef VRS_BUF_H
#define VRS_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t alloc;
	size_t cap;					/* 0 = unlimited */
	int (*sink)(void *ud, const char *p, size_t n); /* NULL: hold everything */
	void *sink_ud;
	size_t flush_at;
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
/* a decimal integer, without printf */
int buf_put_ll(struct buf *b, long long v);
/* room for n more bytes without a further allocation */
int buf_reserve(struct buf *b, size_t n);
/* stream through sink once flush_at bytes are held (see above); allocates flush_at */
int buf_set_sink(struct buf *b, int (*sink)(void *ud, const char *p, size_t n), void *ud,
		 size_t flush_at);
/* buf_append, but a block of flush_at bytes or more goes to the sink as it is (no copy) */
int buf_append_block(struct buf *b, const void *p, size_t n);
/* hand what is held to the sink (no-op without one) */
int buf_flush(struct buf *b);
char *buf_detach(struct buf *b);

#endif
