/*
 * opipe.h — an ordered pipeline over worker threads: items 0..n-1 are
 * produced (any thread, in any order, a batch at a time, at most a window
 * ahead) into slots and consumed strictly in order on the calling thread,
 * which also produces a later batch itself rather than wait. What the
 * consumer sees — every item, in order — does not depend on the number of
 * threads, so neither does any output built from it; threads only change
 * how long it takes. Used by the spec loader (parse ahead, decode in order)
 * and the plan's renderers (render chunks ahead, write in order).
 */
#ifndef VRS_OPIPE_H
#define VRS_OPIPE_H

#include <stddef.h>

struct opipe_spec {
	size_t n;	/* items */
	size_t batch;	/* items a thread claims at once */
	size_t window;	/* items produced ahead of the consumer: a multiple of batch */
	size_t workers; /* threads beside the caller's (0: the caller does everything) */
	void *slots;	/* window slots of slot_size bytes, the caller's */
	size_t slot_size;
	void *ctx;
	/* item i into slot (any thread; the slot is the producer's alone until it returns) */
	void (*produce)(void *ctx, size_t i, void *slot);
	/* item i from slot, in order, on the calling thread; the slot is reused after */
	void (*consume)(void *ctx, size_t i, void *slot);
};

/*
 * Run it; returns when every item was consumed and the threads are joined.
 * A thread that cannot be started is done without: with none, the caller
 * produces each item just before consuming it. -1 before anything ran: out
 * of memory, or a window that is not a multiple of the batch.
 */
int opipe_run(const struct opipe_spec *s);

/* the workers for a job: one fewer than the online CPUs, at most max; 0 below min_items */
size_t opipe_workers(size_t items, size_t min_items, size_t max);

#endif
