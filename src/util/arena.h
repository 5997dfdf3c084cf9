/*
 * arena.h — a bump allocator: many small allocations (a plan's 100,000s of
 * keys, reasons and change values) taken from large chunks and freed at once.
 * The arena is the one owner of everything taken from it; nothing taken from
 * it is freed alone. Out of memory returns NULL.
 */
#ifndef VRS_ARENA_H
#define VRS_ARENA_H

#include <stddef.h>

struct arena;

struct arena *arena_new(void);
/* n bytes aligned for any scalar type */
void *arena_alloc(struct arena *a, size_t n);
/* a copy of s (NULL for NULL) */
char *arena_strdup(struct arena *a, const char *s);
/* everything taken from it, and the arena (NULL is a no-op) */
void arena_free(struct arena *a);

#endif
