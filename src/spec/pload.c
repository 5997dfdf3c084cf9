/*
 * pload.c — spec_load's parse-ahead: worker threads read and parse the
 * tree's files (libyaml into node trees, sp_parse_keep) a bounded window
 * ahead, while the loading thread digests and decodes them strictly in file
 * order. Decoding, the cross-checks and the digest stay on one thread and
 * see the files in the same order, so the world, the diagnostics (and their
 * order) and the digest are those of a load that parses one file at a time:
 * the threads change only how long a 10,000-file tree takes.
 *
 * A slot is a worker's alone from when it claims the file until it marks
 * the slot ready, then the loading thread's until it has consumed it; the
 * mutex hands it over (and orders the memory) both ways.
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spec/spec.h"
#include "spec/spec_int.h"

/*
 * files parsed ahead of the decoder (bounds the trees held at once), claimed
 * by a worker a batch at a time (the threads meet once a batch, not once a file)
 */
#define PA_WINDOW 128
#define PA_BATCH  16
/* at most this many parsing threads beside the loading one; none for a tree this small */
#define PA_MAX_WORKERS 4
#define PA_MIN_FILES   (2 * PA_BATCH)

_Static_assert(PA_WINDOW % PA_BATCH == 0 && PA_WINDOW >= PA_BATCH * (PA_MAX_WORKERS + 1),
	       "every worker can hold a batch while the decoder reads one");

enum { SLOT_FREE, SLOT_READY };

struct pfile {
	int state;
	char *name; /* the full path: every node's file, then the world's */
	char *data; /* the file's bytes (len), NULL when it could not be read */
	size_t len;
	/*
	 * Kept from file to file in the slot (the read buffer, the arena's first
	 * chunk, the root arrays): memory a worker allocates and the loading
	 * thread frees goes back to the worker's malloc arena under its lock,
	 * which cost more than the parse gained.
	 */
	char *buf;
	size_t size;
	struct sp_arena arena;
	const struct sp_node **roots;
	size_t *marks; /* per root: how many diagnostics there were when it ended */
	size_t nroots, aroots;
	struct diag_list diags; /* the read's and the parse's */
	bool oom;
};

struct pahead {
	pthread_mutex_t mu;
	pthread_cond_t ready, room;
	const char *root;
	const struct spec_fkey *keys;
	size_t n;
	size_t next;			   /* the next file a worker claims */
	size_t taken;			   /* files the loading thread has consumed */
	int main_waiting, workers_waiting; /* only a waiter is woken: fewer futex calls */
	struct pfile slot[PA_WINDOW];
};

static int keep_root(void *ud, const struct sp_node *root)
{
	struct pfile *f = ud;

	if (f->nroots == f->aroots) {
		size_t n = f->aroots ? 2 * f->aroots : 4;
		const struct sp_node **r = realloc(f->roots, n * sizeof(*r));
		size_t *m = r ? realloc(f->marks, n * sizeof(*m)) : NULL;
		if (r)
			f->roots = r;
		if (m == NULL) {
			f->oom = true;
			return 1;
		}
		f->marks = m;
		f->aroots = n;
	}
	f->roots[f->nroots] = root;
	f->marks[f->nroots++] = f->diags.n;
	return 0;
}

/* read and parse a file into its slot (any thread) */
static void prepare(struct pfile *f, const char *root, const char *rel)
{
	f->name = spec_join(root, rel);
	if (f->name == NULL) {
		f->oom = true;
		return;
	}
	if (spec_read_into(&f->diags, f->name, &f->buf, &f->size, &f->len) < 0)
		return;
	f->data = f->buf;
	sp_parse_keep(f->name, f->data, f->len, &f->diags, &f->arena, keep_root, f);
}

/* empty the slot for the next file, keeping what it can reuse */
static void slot_reuse(struct pfile *f)
{
	free(f->name);
	f->name = NULL;
	f->data = NULL;
	f->len = 0;
	sp_arena_reset(&f->arena);
	f->nroots = 0;
	diag_release(&f->diags);
	f->oom = false;
	f->state = SLOT_FREE;
}

static void slot_release(struct pfile *f)
{
	slot_reuse(f);
	free(f->buf);
	sp_arena_release(&f->arena);
	free(f->roots);
	free(f->marks);
}

/*
 * Decode a prepared file as spec_loader_add would have while parsing it:
 * each document's parse diagnostics before its decode's, nothing of the
 * file after a document that stopped it (or after the loader ran out of
 * memory), the read's diagnostic alone for a file that could not be read.
 */
static void consume(struct spec_loader *l, EVP_MD_CTX *md, struct pfile *f, const char *rel)
{
	size_t k = 0, i = 0;
	char *name;

	EVP_DigestUpdate(md, rel, strlen(rel) + 1);
	if (f->data == NULL) {
		if (f->oom)
			spec_oom(l);
		else if (diag_move(l->d, &f->diags, 0, f->diags.n) < 0)
			spec_oom(l);
		return;
	}
	EVP_DigestUpdate(md, f->data, f->len);
	EVP_DigestUpdate(md, "", 1);
	name = f->name;
	f->name = NULL; /* the loader's now */
	if (spec_loader_begin_file(l, name) < 0)
		return;
	for (; i < f->nroots && !l->oom; i++) {
		if (diag_move(l->d, &f->diags, k, f->marks[i]) < 0) {
			spec_oom(l);
			return;
		}
		k = f->marks[i];
		if (spec_decode_doc(l, f->roots[i]))
			return;
	}
	if (l->oom)
		return;
	if (f->oom || diag_move(l->d, &f->diags, k, f->diags.n) < 0)
		spec_oom(l);
}

/*
 * Parse the next batch of files if there is room for it (mu held, released
 * while parsing); false when there is none to take now
 */
static bool parse_batch(struct pahead *pa)
{
	size_t i = pa->next, end;

	if (i >= pa->n || i + PA_BATCH > pa->taken + PA_WINDOW)
		return false;
	end = i + PA_BATCH < pa->n ? i + PA_BATCH : pa->n;
	pa->next = end;
	pthread_mutex_unlock(&pa->mu);
	for (size_t j = i; j < end; j++)
		prepare(&pa->slot[j % PA_WINDOW], pa->root, pa->keys[j].rel);
	pthread_mutex_lock(&pa->mu);
	for (size_t j = i; j < end; j++)
		pa->slot[j % PA_WINDOW].state = SLOT_READY;
	if (pa->main_waiting)
		pthread_cond_signal(&pa->ready);
	return true;
}

static void *worker(void *arg)
{
	struct pahead *pa = arg;

	pthread_mutex_lock(&pa->mu);
	while (pa->next < pa->n) {
		if (parse_batch(pa))
			continue;
		pa->workers_waiting++;
		pthread_cond_wait(&pa->room, &pa->mu);
		pa->workers_waiting--;
	}
	pthread_mutex_unlock(&pa->mu);
	return NULL;
}

static size_t worker_count(size_t nfiles)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	/* one CPU each, the loading thread's included: it parses too when it would wait */
	if (nfiles < PA_MIN_FILES || cpus < 2)
		return 0;
	return cpus - 1 > PA_MAX_WORKERS ? PA_MAX_WORKERS : (size_t)(cpus - 1);
}

void spec_load_files(struct spec_loader *l, EVP_MD_CTX *md, const char *root,
		     const struct spec_fkey *keys, size_t n)
{
	struct pahead *pa = calloc(1, sizeof(*pa));
	pthread_t tid[PA_MAX_WORKERS];
	size_t nw = 0, want = worker_count(n);

	if (pa == NULL) {
		spec_oom(l);
		return;
	}
	pa->root = root;
	pa->keys = keys;
	pa->n = n;
	pthread_mutex_init(&pa->mu, NULL);
	pthread_cond_init(&pa->ready, NULL);
	pthread_cond_init(&pa->room, NULL);
	/* a thread that cannot be started is not needed: with none, this thread parses */
	while (nw < want && pthread_create(&tid[nw], NULL, worker, pa) == 0)
		nw++;
	for (size_t i = 0; i < n; i++) {
		struct pfile *f = &pa->slot[i % PA_WINDOW];
		if (nw == 0) {
			prepare(f, root, keys[i].rel);
		} else {
			pthread_mutex_lock(&pa->mu);
			while (f->state != SLOT_READY) {
				/* rather than wait, parse a later batch: no CPU idles */
				if (parse_batch(pa))
					continue;
				pa->main_waiting++;
				pthread_cond_wait(&pa->ready, &pa->mu);
				pa->main_waiting--;
			}
			pthread_mutex_unlock(&pa->mu);
		}
		consume(l, md, f, keys[i].rel);
		slot_reuse(f);
		if (nw && ((i + 1) % PA_BATCH == 0 || i + 1 == n)) {
			pthread_mutex_lock(&pa->mu);
			pa->taken = i + 1;
			if (pa->workers_waiting)
				pthread_cond_broadcast(&pa->room);
			pthread_mutex_unlock(&pa->mu);
		}
	}
	for (size_t i = 0; i < nw; i++)
		pthread_join(tid[i], NULL);
	for (size_t i = 0; i < PA_WINDOW; i++)
		slot_release(&pa->slot[i]);
	pthread_cond_destroy(&pa->room);
	pthread_cond_destroy(&pa->ready);
	pthread_mutex_destroy(&pa->mu);
	free(pa);
}
