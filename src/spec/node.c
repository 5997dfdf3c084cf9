/*
 * node.c — libyaml events -> arena node tree, one document at a time (see
 * node.h for the limits it enforces on hostile input).
 *
 * The builder keeps a fixed stack of open collections (depth <= SP_MAX_DEPTH)
 * and one shared, reused vector of child pointers: a collection's children
 * are pushed on it while it is open and copied into the arena, exactly
 * sized, when it closes. Each node costs one arena allocation plus its
 * children array; scalar bytes are copied once.
 */
#include "spec/node.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ---- arena ---------------------------------------------------------------- */

struct sp_chunk {
	struct sp_chunk *next;
	size_t used, size;
	max_align_t data[];
};

#define SP_CHUNK (64u * 1024u)

void sp_arena_init(struct sp_arena *a)
{
	a->head = NULL;
}

void sp_arena_release(struct sp_arena *a)
{
	struct sp_chunk *c = a->head, *n;

	while (c) {
		n = c->next;
		free(c);
		c = n;
	}
	a->head = NULL;
}

void sp_arena_reset(struct sp_arena *a)
{
	struct sp_chunk *c = a->head, *keep = NULL, *n;

	/* keep the last (oldest) standard-size chunk, free the rest */
	while (c) {
		n = c->next;
		if (keep == NULL && n == NULL && c->size == SP_CHUNK) {
			keep = c;
		} else {
			free(c);
		}
		c = n;
	}
	if (keep) {
		keep->next = NULL;
		keep->used = 0;
	}
	a->head = keep;
}

void *sp_arena_alloc(struct sp_arena *a, size_t n)
{
	struct sp_chunk *c = a->head;
	size_t sz;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (n == 0)
		n = 8;
	if (c == NULL || c->size - c->used < n) {
		sz = n > SP_CHUNK / 4 ? n : SP_CHUNK;
		c = malloc(sizeof(*c) + sz);
		if (c == NULL)
			return NULL;
		c->size = sz;
		c->used = 0;
		if (sz == SP_CHUNK || a->head == NULL) {
			c->next = a->head;
			a->head = c;
		} else {
			/* a big one-off block: keep the current chunk at the head */
			c->next = a->head->next;
			a->head->next = c;
		}
	}
	p = (char *)c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

/* ---- scalar typing ---------------------------------------------------------- */

enum sp_scalar_kind sp_scalar_kind(const struct sp_node *n)
{
	const char *s = n->u.str;
	size_t i = 0, digits = 0;

	if (n->type != SP_SCALAR || n->quoted)
		return SK_STR;
	/* by length first: most scalars are neither (a plain scalar holds no NUL, so
	 * len is its strlen) */
	if (n->len == 0 || (n->len == 1 && s[0] == '~') ||
	    (n->len == 4 && (!strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))))
		return SK_NULL;
	if ((n->len == 4 && (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))) ||
	    (n->len == 5 && (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))))
		return SK_BOOL;
	if (s[i] == '-' || s[i] == '+')
		i++;
	while (s[i] >= '0' && s[i] <= '9')
		i++, digits++;
	if (s[i] == 0 && digits > 0)
		return SK_INT;
	if (s[i] == '.' || s[i] == 'e' || s[i] == 'E') {
		if (s[i] == '.') {
			i++;
			while (s[i] >= '0' && s[i] <= '9')
				i++, digits++;
		}
		if (digits > 0 && (s[i] == 'e' || s[i] == 'E')) {
			i++;
			if (s[i] == '-' || s[i] == '+')
				i++;
			if (!(s[i] >= '0' && s[i] <= '9'))
				return SK_STR;
			while (s[i] >= '0' && s[i] <= '9')
				i++;
		}
		if (s[i] == 0 && digits > 0)
			return SK_FLOAT;
	}
	if (!strcmp(s, ".inf") || !strcmp(s, "-.inf") || !strcmp(s, ".nan") || !strcmp(s, ".NaN"))
		return SK_FLOAT;
	return SK_STR;
}

const char *sp_type_name(const struct sp_node *n)
{
	switch (n->type) {
	case SP_MAP:
		return "a mapping";
	case SP_SEQ:
		return "a sequence";
	case SP_BAD:
		return "an invalid value";
	default:
		break;
	}
	switch (sp_scalar_kind(n)) {
	case SK_NULL:
		return "null";
	case SK_BOOL:
		return "a boolean";
	case SK_INT:
		return "an integer";
	case SK_FLOAT:
		return "a number";
	default:
		return "a string";
	}
}

/* ---- builder ------------------------------------------------------------------ */

struct builder {
	const char *file;
	struct diag_list *diags;
	struct sp_arena *arena; /* sp_parse's own, reset per document, or the caller's */
	bool keep;		/* sp_parse_keep: the trees stay in the caller's arena */
	struct sp_node *stack[SP_MAX_DEPTH + 1];
	size_t kstart[SP_MAX_DEPTH + 1];
	int depth;
	struct sp_node **kids; /* shared child vector */
	size_t nk, ak;
	struct sp_node *root;
	int nerr;
};

static int push_kid(struct builder *b, struct sp_node *n)
{
	if (b->depth == 0) {
		b->root = n;
		return 0;
	}
	if (b->nk == b->ak) {
		size_t na = b->ak ? b->ak * 2 : 256;
		struct sp_node **v = realloc(b->kids, na * sizeof(*v));
		if (v == NULL)
			return -1;
		b->kids = v;
		b->ak = na;
	}
	b->kids[b->nk++] = n;
	return 0;
}

static struct sp_node *new_node(struct builder *b, int type, yaml_mark_t m)
{
	struct sp_node *n = sp_arena_alloc(b->arena, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->type = (unsigned char)type;
	n->line = (int)m.line + 1;
	n->col = (int)m.column + 1;
	n->file = b->file;
	return n;
}

/* line/column of a byte offset (for reader errors, which carry no mark) */
static void offset_pos(const char *data, size_t len, size_t off, int *line, int *col)
{
	size_t i, last = 0;
	int l = 1;

	if (off > len)
		off = len;
	for (i = 0; i < off; i++) {
		if (data[i] == '\n') {
			l++;
			last = i + 1;
		}
	}
	*line = l;
	*col = (int)(off - last) + 1;
}

static void report_yaml_error(struct builder *b, yaml_parser_t *p, const char *data, size_t len)
{
	int line, col;
	const char *problem = p->problem ? p->problem : "unknown error";

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		diag_add(b->diags, b->file, 1, 1, "out of memory while parsing");
		break;
	case YAML_READER_ERROR:
		offset_pos(data, len, p->problem_offset, &line, &col);
		diag_add(b->diags, b->file, line, col, "invalid input: %s", problem);
		break;
	default:
		line = (int)p->problem_mark.line + 1;
		col = (int)p->problem_mark.column + 1;
		if (p->context)
			diag_add(b->diags, b->file, line, col, "syntax error: %s (%s)", problem,
				 p->context);
		else
			diag_add(b->diags, b->file, line, col, "syntax error: %s", problem);
		break;
	}
}

/* a scalar event as a node (SP_BAD after a diagnostic); NULL when out of memory */
static struct sp_node *scalar_node(struct builder *b, const yaml_event_t *ev)
{
	struct sp_node *n;

	if (ev->data.scalar.length > SP_MAX_SCALAR) {
		diag_add(b->diags, b->file, (int)ev->start_mark.line + 1,
			 (int)ev->start_mark.column + 1,
			 "scalar too long (%zu bytes; the limit is %u)", ev->data.scalar.length,
			 SP_MAX_SCALAR);
		return new_node(b, SP_BAD, ev->start_mark);
	}
	if (memchr(ev->data.scalar.value, 0, ev->data.scalar.length)) {
		diag_add(b->diags, b->file, (int)ev->start_mark.line + 1,
			 (int)ev->start_mark.column + 1, "scalar contains a NUL character");
		return new_node(b, SP_BAD, ev->start_mark);
	}
	n = new_node(b, SP_SCALAR, ev->start_mark);
	if (n == NULL)
		return NULL;
	n->len = ev->data.scalar.length;
	n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
		    (ev->data.scalar.tag != NULL && !ev->data.scalar.plain_implicit);
	n->u.str = sp_arena_alloc(b->arena, n->len + 1);
	if (n->u.str == NULL)
		return NULL;
	memcpy(n->u.str, ev->data.scalar.value, n->len);
	n->u.str[n->len] = 0;
	return n;
}

/* the end of a sequence or mapping: the finished node, or NULL (none open, out of memory) */
static struct sp_node *collection_end(struct builder *b)
{
	struct sp_node *n;
	size_t cnt;

	if (b->depth == 0)
		return NULL;
	b->depth--;
	n = b->stack[b->depth];
	cnt = b->nk - b->kstart[b->depth];
	n->len = cnt;
	if (cnt) {
		n->u.kids = sp_arena_alloc(b->arena, cnt * sizeof(*n->u.kids));
		if (n->u.kids == NULL)
			return NULL;
		memcpy(n->u.kids, b->kids + b->kstart[b->depth], cnt * sizeof(*n->u.kids));
	}
	b->nk = b->kstart[b->depth];
	return n;
}

/* sp_parse and sp_parse_keep: the trees in arena, reset after each document unless keep */
static int parse(const char *file, const char *data, size_t len, struct diag_list *diags,
		 struct sp_arena *arena, bool keep, sp_doc_fn fn, void *ud)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct builder b;
	struct sp_node *n;
	size_t before = diags->n;
	int done = 0;

	memset(&b, 0, sizeof(b));
	b.file = file;
	b.diags = diags;
	b.arena = arena;
	b.keep = keep;
	if (!yaml_parser_initialize(&p)) {
		diag_add(diags, file, 1, 1, "out of memory while parsing");
		return -1;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);

	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			report_yaml_error(&b, &p, data, len);
			break;
		}
		n = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			b.depth = 0;
			b.nk = 0;
			b.root = NULL;
			break;
		case YAML_DOCUMENT_END_EVENT:
			if (b.root && fn(ud, b.root))
				done = 1;
			b.root = NULL;
			if (!b.keep)
				sp_arena_reset(b.arena);
			break;
		case YAML_ALIAS_EVENT:
			diag_add(diags, file, (int)ev.start_mark.line + 1,
				 (int)ev.start_mark.column + 1, "aliases are not supported");
			n = new_node(&b, SP_BAD, ev.start_mark);
			if (++b.nerr > 100)
				done = 1;
			break;
		case YAML_SCALAR_EVENT:
			n = scalar_node(&b, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (b.depth >= SP_MAX_DEPTH) {
				diag_add(diags, file, (int)ev.start_mark.line + 1,
					 (int)ev.start_mark.column + 1,
					 "nesting too deep (the limit is %d levels)", SP_MAX_DEPTH);
				done = 1;
				break;
			}
			n = new_node(&b, ev.type == YAML_MAPPING_START_EVENT ? SP_MAP : SP_SEQ,
				     ev.start_mark);
			if (n == NULL)
				break;
			b.stack[b.depth] = n;
			b.kstart[b.depth] = b.nk;
			b.depth++;
			n = NULL; /* attached to its parent when it ends */
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			n = collection_end(&b);
			break;
		default:
			break;
		}
		if (n && push_kid(&b, n) < 0)
			n = NULL;
		if (n == NULL && !done &&
		    (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_ALIAS_EVENT ||
		     ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT)) {
			diag_add(diags, file, (int)ev.start_mark.line + 1,
				 (int)ev.start_mark.column + 1, "out of memory while parsing");
			done = 1;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	free(b.kids);
	return diags->n == before ? 0 : -1;
}

int sp_parse(const char *file, const char *data, size_t len, struct diag_list *diags, sp_doc_fn fn,
	     void *ud)
{
	struct sp_arena arena;
	int rc;

	sp_arena_init(&arena);
	rc = parse(file, data, len, diags, &arena, false, fn, ud);
	sp_arena_release(&arena);
	return rc;
}

int sp_parse_keep(const char *file, const char *data, size_t len, struct diag_list *diags,
		  struct sp_arena *arena, sp_doc_fn fn, void *ud)
{
	return parse(file, data, len, diags, arena, true, fn, ud);
}
