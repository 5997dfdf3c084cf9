/*
 * builder.c — the plan builder's small helpers: add an action, a field
 * change, a requirement, a reason; field lists for create/update diffs. Out
 * of memory sets b->oom, which plan_build turns into an error.
 */
#include "plan/plan_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *pb_strdup(struct builder *b, const char *s)
{
	char *p;

	if (s == NULL)
		return NULL;
	p = strdup(s);
	if (p == NULL)
		b->oom = true;
	return p;
}

char *pb_keep(struct builder *b, const char *s)
{
	char *p;

	if (s == NULL)
		return NULL;
	p = arena_strdup(b->arena, s);
	if (p == NULL)
		b->oom = true;
	return p;
}

bool pb_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* add an action; returns its index or -1 (out of memory) */
int pb_act(struct builder *b, enum m_op op, enum m_resource res, const char *key,
	   const char *project, enum m_service svc, struct m_pos src)
{
	struct pact *p;

	if (b->oom)
		return -1;
	if (b->n == b->alloc) {
		size_t n = b->alloc ? b->alloc * 2 : 64;
		struct pact *v = realloc(b->v, n * sizeof(*v));
		if (v == NULL) {
			b->oom = true;
			return -1;
		}
		b->v = v;
		b->alloc = n;
	}
	p = &b->v[b->n];
	memset(p, 0, sizeof(*p));
	p->a.op = op;
	p->a.resource = res;
	p->a.service = svc;
	p->a.key = pb_keep(b, key);
	if (project && b->last_project && strcmp(project, b->last_project) == 0)
		p->a.project = b->last_project; /* one copy per project: the arena's */
	else
		p->a.project = b->last_project = pb_keep(b, project);
	p->a.source = src;
	p->a.destructive = op == OP_DELETE;
	p->seq = (int)b->n;
	if (b->oom)
		return -1; /* the strings are the arena's */
	return (int)b->n++;
}

/* room for extra more changes in action i: a copy in the arena when it is full */
static void chg_reserve(struct builder *b, int i, size_t extra)
{
	struct pact *p = &b->v[i];
	struct m_change *c;
	size_t n = p->a.nchanges + extra;

	if (n <= p->achg)
		return;
	c = arena_alloc(b->arena, n * sizeof(*c));
	if (c == NULL) {
		b->oom = true;
		return;
	}
	if (p->a.nchanges)
		memcpy(c, p->a.changes, p->a.nchanges * sizeof(*c));
	p->a.changes = c;
	p->achg = n;
}

void pb_chg(struct builder *b, int i, const char *field, const char *old, const char *new)
{
	struct m_action *a;
	struct m_change *c;

	if (i < 0 || b->oom)
		return;
	a = &b->v[i].a;
	if (a->nchanges == b->v[i].achg)
		chg_reserve(b, i, b->v[i].achg ? b->v[i].achg : 1);
	if (b->oom)
		return;
	c = &a->changes[a->nchanges++];
	c->field = pb_keep(b, field);
	c->old = pb_keep(b, old);
	c->new = pb_keep(b, new);
}

void pb_req(struct builder *b, int i, int dep)
{
	struct pact *p;

	if (i < 0 || dep < 0 || i == dep || b->oom)
		return;
	p = &b->v[i];
	for (size_t k = 0; k < p->nreq; k++)
		if (p->req[k] == dep)
			return;
	if (p->nreq == p->areq) {
		size_t n = p->areq ? p->areq * 2 : 4;
		int *v = realloc(p->req, n * sizeof(*v));
		if (v == NULL) {
			b->oom = true;
			return;
		}
		p->req = v;
		p->areq = n;
	}
	p->req[p->nreq++] = dep;
}

static void set_reason(struct builder *b, int i, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void set_reason(struct builder *b, int i, const char *fmt, va_list ap)
{
	char tmp[1024];

	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	b->v[i].a.reason = pb_keep(b, tmp); /* a reason replaced stays in the arena */
}

void pb_reason(struct builder *b, int i, const char *fmt, ...)
{
	va_list ap;

	if (i < 0 || b->oom)
		return;
	va_start(ap, fmt);
	set_reason(b, i, fmt, ap);
	va_end(ap);
}

void pb_drift(struct builder *b, int i, const char *fmt, ...)
{
	va_list ap;

	if (i < 0 || b->oom)
		return;
	b->v[i].a.drift = true;
	va_start(ap, fmt);
	set_reason(b, i, fmt, ap);
	va_end(ap);
}

void fv_str(struct fv *f, const char *field, const char *val, const char *dflt)
{
	f->field = field;
	f->val = val;
	f->dflt = dflt;
}

void fv_int(struct fv *f, const char *field, long long v, const char *dflt)
{
	snprintf(f->num, sizeof(f->num), "%lld", v);
	fv_str(f, field, f->num, dflt);
}

void fv_bool(struct fv *f, const char *field, bool v, const char *dflt)
{
	fv_str(f, field, v ? "true" : "false", dflt);
}

/* create: every field with a value other than its default */
/* a create's field: a value other than its default */
static bool fv_shown(const struct fv *f)
{
	return f->val && !(f->dflt && strcmp(f->val, f->dflt) == 0);
}

void pb_chg_create(struct builder *b, int i, const struct fv *nv, size_t n)
{
	size_t m = 0;

	for (size_t k = 0; k < n; k++)
		m += fv_shown(&nv[k]);
	if (i < 0 || b->oom || m == 0)
		return;
	chg_reserve(b, i, m); /* exactly: the arena holds no grown-out copies */
	for (size_t k = 0; k < n; k++)
		if (fv_shown(&nv[k]))
			pb_chg(b, i, nv[k].field, NULL, nv[k].val);
}

/* number of fields that differ between two parallel lists */
size_t fv_ndiff(const struct fv *ov, const struct fv *nv, size_t n)
{
	size_t c = 0;

	for (size_t k = 0; k < n; k++)
		c += !pb_str_eq(ov[k].val, nv[k].val);
	return c;
}

void pb_chg_diff(struct builder *b, int i, const struct fv *ov, const struct fv *nv, size_t n)
{
	size_t m = fv_ndiff(ov, nv, n);

	if (i < 0 || b->oom || m == 0)
		return;
	chg_reserve(b, i, m);
	for (size_t k = 0; k < n; k++)
		if (!pb_str_eq(ov[k].val, nv[k].val))
			pb_chg(b, i, nv[k].field, ov[k].val, nv[k].val);
}

const char *pb_destructive_note(const struct builder *b)
{
	return b->opts->allow_delete ? "" : " (needs --allow-delete)";
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/*
 * names sorted and joined: state/ records a bundle's plugins sorted by name,
 * so the plan compares (and sends VRS_PLUGINS) in that order too
 */
char *pb_join_sorted(struct builder *b, char *const *v, size_t n, const char *sep)
{
	struct buf out;
	const char **tmp = malloc((n + 1) * sizeof(*tmp));

	buf_init(&out);
	if (tmp == NULL) {
		b->oom = true;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		tmp[i] = v[i] ? v[i] : "";
	qsort(tmp, n, sizeof(*tmp), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (buf_printf(&out, "%s%s", i ? sep : "", tmp[i]) < 0)
			b->oom = true;
	free(tmp);
	return buf_detach(&out);
}

void pb_ilist_add(struct builder *b, struct ilist *l, int x)
{
	if (x < 0)
		return;
	if (l->n == l->alloc) {
		size_t n = l->alloc ? l->alloc * 2 : 8;
		int *v = realloc(l->v, n * sizeof(*v));
		if (v == NULL) {
			b->oom = true;
			return;
		}
		l->v = v;
		l->alloc = n;
	}
	l->v[l->n++] = x;
}

void pb_noop(struct builder *b, const char *slug, struct m_pos src, const char *why)
{
	b->nnoop++;
	if (b->opts->verbose) {
		int i = pb_act(b, OP_NOOP, RES_PROJECT, slug, slug, SVC_LOCAL, src);
		pb_reason(b, i, "%s", why);
	}
}

/* the strings and the changes are the arena's */
void pact_release(struct pact *p)
{
	free(p->a.requires);
	free(p->req);
	memset(p, 0, sizeof(*p));
}
