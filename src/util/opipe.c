/*
 * opipe.c — the ordered pipeline (see opipe.h).
 *
 * A slot belongs to a producer from when it claims the item until it marks
 * it ready, then to the consumer until it has consumed it; the mutex hands
 * it over (and orders the memory) both ways. Threads meet once a batch, and
 * only a waiter is signalled: per-item handovers cost more futex calls than
 * a small item's work.
 */
#include "util/opipe.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

struct opipe {
	const struct opipe_spec *s;
	pthread_mutex_t mu;
	pthread_cond_t ready, room;
	bool *done;   /* per slot: produced, not yet consumed */
	size_t next;  /* the next item a thread claims */
	size_t taken; /* items consumed */
	int consumer_waiting, workers_waiting;
};

static void *slot_of(const struct opipe_spec *s, size_t i)
{
	return (char *)s->slots + (i % s->window) * s->slot_size;
}

/* produce the next batch if there is room for it (mu held, released meanwhile); false if none */
static bool produce_batch(struct opipe *p)
{
	const struct opipe_spec *s = p->s;
	size_t i = p->next, end;

	if (i >= s->n || i + s->batch > p->taken + s->window)
		return false;
	end = i + s->batch < s->n ? i + s->batch : s->n;
	p->next = end;
	pthread_mutex_unlock(&p->mu);
	for (size_t j = i; j < end; j++)
		s->produce(s->ctx, j, slot_of(s, j));
	pthread_mutex_lock(&p->mu);
	for (size_t j = i; j < end; j++)
		p->done[j % s->window] = true;
	if (p->consumer_waiting)
		pthread_cond_signal(&p->ready);
	return true;
}

static void *worker(void *arg)
{
	struct opipe *p = arg;

	pthread_mutex_lock(&p->mu);
	while (p->next < p->s->n) {
		if (produce_batch(p))
			continue;
		p->workers_waiting++;
		pthread_cond_wait(&p->room, &p->mu);
		p->workers_waiting--;
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* the caller's side with threads: wait for (or produce) each item, consume it in order */
static void consume_all(struct opipe *p)
{
	const struct opipe_spec *s = p->s;

	for (size_t i = 0; i < s->n; i++) {
		pthread_mutex_lock(&p->mu);
		while (!p->done[i % s->window]) {
			/* rather than wait, produce a later batch: no CPU idles */
			if (produce_batch(p))
				continue;
			p->consumer_waiting++;
			pthread_cond_wait(&p->ready, &p->mu);
			p->consumer_waiting--;
		}
		pthread_mutex_unlock(&p->mu);
		s->consume(s->ctx, i, slot_of(s, i));
		if ((i + 1) % s->batch == 0 || i + 1 == s->n) {
			pthread_mutex_lock(&p->mu);
			for (size_t j = p->taken; j <= i; j++)
				p->done[j % s->window] = false;
			p->taken = i + 1;
			if (p->workers_waiting)
				pthread_cond_broadcast(&p->room);
			pthread_mutex_unlock(&p->mu);
		}
	}
}

int opipe_run(const struct opipe_spec *s)
{
	struct opipe p = {.s = s};
	pthread_t *tid = NULL;
	size_t nw = 0;

	if (s->batch == 0 || s->window < s->batch || s->window % s->batch)
		return -1;
	if (s->workers && s->n > s->batch) {
		tid = calloc(s->workers, sizeof(*tid));
		p.done = calloc(s->window, sizeof(*p.done));
		if (tid == NULL || p.done == NULL) {
			free(tid);
			free(p.done);
			return -1;
		}
		pthread_mutex_init(&p.mu, NULL);
		pthread_cond_init(&p.ready, NULL);
		pthread_cond_init(&p.room, NULL);
		while (nw < s->workers && pthread_create(&tid[nw], NULL, worker, &p) == 0)
			nw++;
	}
	if (nw == 0) {
		for (size_t i = 0; i < s->n; i++) {
			s->produce(s->ctx, i, slot_of(s, i));
			s->consume(s->ctx, i, slot_of(s, i));
		}
	} else {
		consume_all(&p);
		for (size_t i = 0; i < nw; i++)
			pthread_join(tid[i], NULL);
	}
	if (tid) {
		pthread_cond_destroy(&p.room);
		pthread_cond_destroy(&p.ready);
		pthread_mutex_destroy(&p.mu);
	}
	free(tid);
	free(p.done);
	return 0;
}

size_t opipe_workers(size_t items, size_t min_items, size_t max)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (items < min_items || cpus < 2)
		return 0;
	return (size_t)(cpus - 1) > max ? max : (size_t)(cpus - 1);
}
