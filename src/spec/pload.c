/*
 * pload.c — spec_load's parse-ahead: worker threads read and parse the
 * tree's files (libyaml into node trees, sp_parse_keep) a bounded window
 * ahead, while the loading thread digests and decodes them strictly in file
 * order. Decoding, the cross-checks and the digest stay on one thread and
 * see the files in the same order, so the world, the diagnostics (and their
 * order) and the digest are those of a load that parses one file at a time:
 * the threads change only how long a 10,000-file tree takes.
 *
 * The threads and the order are util/opipe.c's.
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "spec/spec.h"
#include "spec/spec_int.h"
#include "util/opipe.h"

/*
 * files parsed ahead of the decoder (bounds the trees held at once), claimed
 * a batch at a time; at most this many parsing threads beside the loading
 * one, none for a tree this small
 */
#define PA_WINDOW      128
#define PA_BATCH       16
#define PA_MAX_WORKERS 4
#define PA_MIN_FILES   (2 * PA_BATCH)

struct pfile {
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

struct pload {
	struct spec_loader *l;
	EVP_MD_CTX *md;
	const char *root;
	const struct spec_fkey *keys;
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

static void produce(void *ctx, size_t i, void *slot)
{
	const struct pload *pl = ctx;

	prepare(slot, pl->root, pl->keys[i].rel);
}

static void consume_file(void *ctx, size_t i, void *slot)
{
	const struct pload *pl = ctx;

	consume(pl->l, pl->md, slot, pl->keys[i].rel);
	slot_reuse(slot);
}

void spec_load_files(struct spec_loader *l, EVP_MD_CTX *md, const char *root,
		     const struct spec_fkey *keys, size_t n)
{
	struct pfile *slots = calloc(PA_WINDOW, sizeof(*slots));
	struct pload pl = {l, md, root, keys};
	struct opipe_spec s = {
	    .n = n,
	    .batch = PA_BATCH,
	    .window = PA_WINDOW,
	    .workers = opipe_workers(n, PA_MIN_FILES, PA_MAX_WORKERS),
	    .slots = slots,
	    .slot_size = sizeof(*slots),
	    .ctx = &pl,
	    .produce = produce,
	    .consume = consume_file,
	};

	if (slots == NULL || opipe_run(&s) < 0)
		spec_oom(l);
	for (size_t i = 0; slots && i < PA_WINDOW; i++)
		slot_release(&slots[i]);
	free(slots);
}
