/* arena.c — bump allocator in chunks (see arena.h). */
#include "util/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK ((size_t)1 << 20)

struct chunk {
	struct chunk *next;
	size_t used, size;
	alignas(max_align_t) unsigned char data[];
};

struct arena {
	struct chunk *head;
};

struct arena *arena_new(void)
{
	return calloc(1, sizeof(struct arena));
}

/* n bytes at a multiple of al (a power of two up to max_align_t's) */
static void *take(struct arena *a, size_t n, size_t al)
{
	struct chunk *c = a->head;
	size_t pad = c ? (al - (c->used & (al - 1))) & (al - 1) : 0;
	size_t need;

	if (n > SIZE_MAX - al - sizeof(struct chunk) - CHUNK)
		return NULL;
	need = n + pad;
	if (c == NULL || c->size - c->used < need) {
		/* a request larger than a chunk gets a chunk of its own */
		size_t size = n > CHUNK / 4 ? n : CHUNK;
		c = malloc(sizeof(*c) + size);
		if (c == NULL)
			return NULL;
		c->size = size;
		c->used = 0;
		if (size == CHUNK || a->head == NULL) {
			c->next = a->head;
			a->head = c;
		} else {
			/* behind the current chunk, whose free room stays usable */
			c->next = a->head->next;
			a->head->next = c;
		}
		need = n; /* a new chunk's data is aligned for anything */
	}
	c->used += need;
	return c->data + c->used - n;
}

void *arena_alloc(struct arena *a, size_t n)
{
	return take(a, n, alignof(max_align_t));
}

char *arena_strdup(struct arena *a, const char *s)
{
	size_t n;
	char *p;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	p = take(a, n, 1);
	if (p)
		memcpy(p, s, n);
	return p;
}

void arena_free(struct arena *a)
{
	if (a == NULL)
		return;
	while (a->head) {
		struct chunk *c = a->head;
		a->head = c->next;
		free(c);
	}
	free(a);
}
