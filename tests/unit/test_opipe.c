/* test_opipe.c — the ordered pipeline (util/opipe.h): every item is produced
 * once into the slot it is consumed from, and consumed once, in order, on the
 * calling thread, whatever the number of workers, the batch and the window;
 * a slot is never handed to a producer while its item is unconsumed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/opipe.h"

struct slot {
	size_t item;	/* the item produced into it */
	uint64_t value; /* a function of the item, computed by the producer */
	int full;	/* produced, not consumed */
};

struct job {
	pthread_t caller;
	size_t n, next, bad_order, bad_value, bad_thread, overwritten;
	unsigned char *produced;
	pthread_mutex_t mu;
};

static uint64_t work(size_t i)
{
	uint64_t x = i * 0x9e3779b97f4a7c15ull;

	for (int k = 0; k < 200; k++) /* enough work for the threads to interleave */
		x ^= x >> 13, x *= 0xff51afd7ed558ccdull;
	return x;
}

static void produce(void *ctx, size_t i, void *p)
{
	struct job *j = ctx;
	struct slot *s = p;

	pthread_mutex_lock(&j->mu);
	if (s->full)
		j->overwritten++;
	j->produced[i]++;
	pthread_mutex_unlock(&j->mu);
	s->item = i;
	s->value = work(i);
	s->full = 1;
}

static void consume(void *ctx, size_t i, void *p)
{
	struct job *j = ctx;
	struct slot *s = p;

	if (!pthread_equal(pthread_self(), j->caller))
		j->bad_thread++;
	if (i != j->next || s->item != i)
		j->bad_order++;
	if (s->value != work(i))
		j->bad_value++;
	j->next++;
	pthread_mutex_lock(&j->mu);
	s->full = 0;
	pthread_mutex_unlock(&j->mu);
}

static void run(size_t n, size_t batch, size_t window, size_t workers)
{
	struct slot *slots = calloc(window, sizeof(*slots));
	struct job j = {.caller = pthread_self(), .n = n};
	struct opipe_spec s = {n,  batch,   window, workers, slots, sizeof(*slots),
			       &j, produce, consume};

	j.produced = calloc(n + 1, 1);
	pthread_mutex_init(&j.mu, NULL);
	assert_non_null(slots);
	assert_int_equal(opipe_run(&s), 0);
	assert_int_equal(j.next, n);
	assert_int_equal(j.bad_order, 0);
	assert_int_equal(j.bad_value, 0);
	assert_int_equal(j.bad_thread, 0);
	assert_int_equal(j.overwritten, 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(j.produced[i], 1);
	pthread_mutex_destroy(&j.mu);
	free(j.produced);
	free(slots);
}

static void test_every_item_once_in_order(void **state)
{
	static const size_t ns[] = {0, 1, 15, 16, 17, 100, 1000, 5003};
	(void)state;
	for (size_t w = 0; w <= 3; w++)
		for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
			run(ns[k], 16, 128, w);
			run(ns[k], 1, 4, w);
			run(ns[k], 7, 7 * (w + 1), w);
		}
}

static void test_workers_follow_the_cpus(void **state)
{
	(void)state;
	assert_int_equal(opipe_workers(10, 32, 4), 0); /* too few items */
	assert_true(opipe_workers(1000, 32, 4) <= 4);
	assert_true(opipe_workers(1000, 32, 1) <= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_item_once_in_order),
	    cmocka_unit_test(test_workers_follow_the_cpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
