/*
 * memo_int.h — private to memo.c and memo_splice.c: what plan_memo keeps
 * between two builds (the ordered plan, whose each action is, each slug's
 * key bytes) and the steps they share.
 */
#ifndef VRS_MEMO_INT_H
#define VRS_MEMO_INT_H

#include "plan/plan_int.h"

#include <stdint.h>

#define MEMO_MAX_CHANGED 64  /* more changed slugs: the full build */
#define MEMO_MAX_SPLICES 200 /* then a full build frees what the splices left in arenas */

/*
 * Beside each action of the memo's plan: its group, and what the merge
 * compares it by — resource, op and the key's first 16 bytes as integers
 * (util/skey.h) — so that the walk over 100,000s of kept actions reads one
 * array, not each action's key in the arena.
 */
struct mact {
	uint64_t hi, lo;
	int grp; /* the group (slug) of the action, -1: a global one */
	unsigned char res, op;
};

struct mgroup {
	char *slug;
	bool removed; /* a recorded project no spec names */
	char *key;    /* memokey.c's bytes */
	size_t keylen, nnoop;
};

struct plan_memo {
	bool valid, verbose, allow_delete;
	char *gkey;
	size_t gkeylen;
	size_t nglob, glob_nnoop, nnoop;
	int *gpos; /* [nglob] position in acts of the k-th global action created */
	struct m_action *acts;
	size_t n;
	struct mact *ma; /* [n] beside acts */
	struct mgroup *g;
	size_t ng; /* sorted by slug */
	struct arena **arenas;
	size_t narenas;
	char **files; /* the actions' source file names: an open-addressing set */
	size_t nfiles, afiles;
	size_t splices;
	/*
	 * Kept between splices, so that a splice does not fault in fresh pages
	 * for 100,000s of actions: the previous action and group arrays, and
	 * the merge's scratch.
	 */
	struct m_action *spare_acts;
	struct mact *spare_ma;
	int *seq, *npos;
	size_t a_acts, a_ma, a_seq, a_npos;
	/* every action's requires, in plan order, in one array (NULL: each its own, unflattened) */
	int *req, *spare_req;
	size_t nreq, a_req;
};

/* ---- memo_splice.c's build, shared with memo_inplace.c ---- */

/* one slug of the new build */
struct ngroup {
	const char *slug;
	bool removed;
	size_t index; /* into d->projects, or r->projects when removed */
	int old;      /* the memo's group of the same slug and key; -1: changed (rebuilt) */
	char *slug_copy, *key;
	size_t keylen, nnoop;
	size_t start, end; /* changed: its actions in the builder */
};

struct splice {
	struct plan_memo *m;
	struct builder b;
	struct ngroup *ng;
	size_t nng, nchanged, ngone;
	int *old_to_new; /* [m->ng] the new group of each old one, -1: gone or changed */
	/* the new actions: builder indices g0.. (g0 = the global actions) */
	size_t g0, nt;
	int *tgrp, *indeg, *ext, *ev, *off, *dep, *heap, *npos_t;
	struct mact *tma; /* the new actions' sort keys */
	bool *extok;
	size_t hn;
	/* the merged order: >= 0 an index into m->acts, < 0 -(new action + 1) */
	int *seq, *npos_old;
	size_t nseq, nreq; /* nreq: the requires of the merged plan */
	const char *why;   /* the reason for a fallback */
};

/* point the actions' source.file at the memo's copies; -1 out of memory */
int memo_intern_sources(struct plan_memo *m, struct m_action *a, size_t n);
/* out borrows the memo's plan */
void memo_borrow(const struct plan_memo *m, struct m_plan *out);
bool memo_slugs_strict(const struct m_world *w);
/* the merge's view of action a in group grp */
void memo_mact(struct mact *x, const struct m_action *a, int grp);
/*
 * A splice whose rebuilt fragments each have the actions they had (resource,
 * key, op and requires alike) takes the plan's order and ids as they are
 * and replaces those actions in place (memo_inplace.c): 1 done, 0 not such
 * a splice (nothing touched), -1 out of memory (nothing touched).
 */
int memo_in_place(struct splice *s);
/*
 * The splice: 1 when out holds the plan, 0 when the full build must run
 * (the memo unchanged), -1 with err (out of memory; the memo then cleared).
 */
int memo_splice(struct plan_memo *m, const struct m_world *d, const struct m_world *r,
		const struct m_observed *o, const struct plan_opts *opts, struct m_plan *out,
		struct plan_memo_stats *st, struct vrs_err *err);
void memo_clear(struct plan_memo *m);

#endif
