/*
 * digest.c — the tree digest (spec_load's: SHA-256 over, per file in order,
 * its relative path, a NUL, its bytes and a NUL) for the spec cache, which
 * computes it at every reload of `watch`: SHA-256 over all the bytes of a
 * 10,000-project tree was a third of a one-file reload. The hash state is
 * kept after every DSNAP_EVERY files; a load whose first files are the same
 * entries as the last one's (the cache's generation numbers) starts from
 * the last state before its first different file. The result is the same
 * digest, computed over fewer bytes.
 */
#include "spec/spec_int.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define DSNAP_EVERY 256

struct spec_digest {
	unsigned long long *gen; /* the files of the last digest */
	size_t n;
	EVP_MD_CTX **snap; /* snap[k]: the state after files [0, (k + 1) * DSNAP_EVERY) */
	size_t nsnap, asnap;
};

struct spec_digest *spec_digest_new(void)
{
	return calloc(1, sizeof(struct spec_digest));
}

static void drop_from(struct spec_digest *d, size_t k)
{
	while (d->nsnap > k)
		EVP_MD_CTX_free(d->snap[--d->nsnap]);
}

void spec_digest_free(struct spec_digest *d)
{
	if (d == NULL)
		return;
	drop_from(d, 0);
	free(d->snap);
	free(d->gen);
	free(d);
}

/* the state after file i goes to the memo; false when it cannot (then no more are kept) */
static bool keep(struct spec_digest *d, const EVP_MD_CTX *md)
{
	EVP_MD_CTX *s;

	if (d->nsnap == d->asnap) {
		size_t na = d->asnap ? d->asnap * 2 : 64;
		EVP_MD_CTX **v = realloc(d->snap, na * sizeof(*v));
		if (v == NULL)
			return false;
		d->snap = v;
		d->asnap = na;
	}
	s = EVP_MD_CTX_new();
	if (s == NULL || !EVP_MD_CTX_copy_ex(s, md)) {
		EVP_MD_CTX_free(s);
		return false;
	}
	d->snap[d->nsnap++] = s;
	return true;
}

/* the first state to start from: files [0, *from) hashed in md; 0 without one */
static void resume(struct spec_digest *d, const struct spec_dfile *f, size_t n, EVP_MD_CTX *md,
		   size_t *from)
{
	size_t same = 0, k;

	*from = 0;
	while (same < n && same < d->n && f[same].gen != 0 && f[same].gen == d->gen[same])
		same++;
	k = same / DSNAP_EVERY;
	if (k > d->nsnap)
		k = d->nsnap;
	if (k > 0 && EVP_MD_CTX_copy_ex(md, d->snap[k - 1]))
		*from = k * DSNAP_EVERY;
	else
		k = 0;
	drop_from(d, k); /* the later ones are of other files */
}

void spec_digest_tree(struct spec_digest *d, const struct spec_dfile *f, size_t n,
		      char digest_hex[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	unsigned long long *gen = NULL;
	size_t from = 0;
	bool storing = d != NULL;

	digest_hex[0] = 0;
	if (md == NULL) {
		if (d)
			drop_from(d, 0);
		return;
	}
	if (d)
		resume(d, f, n, md, &from);
	if (from == 0 && !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(md);
		return;
	}
	for (size_t i = from; i < n; i++) {
		EVP_DigestUpdate(md, f[i].rel, strlen(f[i].rel) + 1);
		if (f[i].data) {
			EVP_DigestUpdate(md, f[i].data, f[i].len);
			EVP_DigestUpdate(md, "", 1);
		}
		if (storing && (i + 1) % DSNAP_EVERY == 0)
			storing = keep(d, md);
	}
	EVP_DigestFinal_ex(md, dg, &dlen);
	EVP_MD_CTX_free(md);
	spec_digest_hex(dg, dlen, digest_hex);
	if (d == NULL)
		return;
	/* the files this digest was of; out of memory: no state is kept */
	gen = malloc((n + 1) * sizeof(*gen));
	free(d->gen);
	d->gen = gen;
	d->n = gen ? n : 0;
	for (size_t i = 0; gen && i < n; i++)
		gen[i] = f[i].gen;
	if (gen == NULL)
		drop_from(d, 0);
}
