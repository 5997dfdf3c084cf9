/*
 * render.c — the plan's four renderings: text (Terraform-like, for people),
 * JSON (format_version 1, the saved-plan format read back by parse.c),
 * markdown (a change-request comment) and DOT (the action graph).
 *
 * All of them are pure functions of the plan (plus the desired world for
 * the projects' spec positions) appending to a struct buf, so the same
 * plan renders byte-identically. Text and markdown group actions in blocks:
 * global objects first, then one block per project in slug order, actions
 * in plan order inside a block.
 */
#include "plan/plan_int.h"
#include "util/opipe.h"

#include <stdlib.h>
#include <string.h>

#define C_GREEN	 "\033[32m"
#define C_YELLOW "\033[33m"
#define C_RED	 "\033[31m"
#define C_CYAN	 "\033[36m"
#define C_DIM	 "\033[2m"
#define C_BOLD	 "\033[1m"
#define C_RESET	 "\033[0m"

/* appends collect failures in one flag so the renderers stay readable */
struct out {
	struct buf *b;
	int rc;
};

static void put(struct out *o, const char *s)
{
	if (buf_puts(o->b, s) < 0)
		o->rc = -1;
}

static void put_ll(struct out *o, long long v)
{
	if (buf_put_ll(o->b, v) < 0)
		o->rc = -1;
}

/* put for string literals: the length is known at compile time */
#define PUTL(o, lit)                                                                               \
	do {                                                                                       \
		if (buf_append((o)->b, lit, sizeof(lit) - 1) < 0)                                  \
			(o)->rc = -1;                                                              \
	} while (0)

static void putf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
#include <stdio.h>

static void putf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	char small[512];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->rc = -1;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		put(o, small);
		return;
	}
	{
		char *big = malloc((size_t)n + 1);
		if (big == NULL) {
			o->rc = -1;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		put(o, big);
		free(big);
	}
}

/* a position as "file:line:col" (what pos_str prints), without printf */
static void json_pos(struct out *o, struct m_pos pos)
{
	if (pos.file == NULL) {
		PUTL(o, "null");
		return;
	}
	if (buf_json_str(o->b, pos.file) < 0) {
		o->rc = -1;
		return;
	}
	o->b->len--; /* reopen the string literal: drop its closing quote */
	o->b->data[o->b->len] = 0;
	PUTL(o, ":");
	put_ll(o, pos.line);
	PUTL(o, ":");
	put_ll(o, pos.col);
	PUTL(o, "\"");
}

static void json_str(struct out *o, const char *s)
{
	if (buf_json_str(o->b, s) < 0)
		o->rc = -1;
}

static const char *symbol(enum m_op op)
{
	switch (op) {
	case OP_CREATE:
		return "+";
	case OP_UPDATE:
		return "~";
	case OP_DELETE:
		return "-";
	case OP_DEPLOY:
	case OP_START:
	case OP_STOP:
		return ">";
	case OP_REGISTER:
	case OP_TRANSFER:
		return "$";
	default:
		return "=";
	}
}

static const char *color_of(enum m_op op)
{
	switch (op) {
	case OP_CREATE:
		return C_GREEN;
	case OP_UPDATE:
	case OP_DEPLOY:
	case OP_START:
	case OP_STOP:
		return C_YELLOW;
	case OP_DELETE:
		return C_RED;
	case OP_REGISTER:
	case OP_TRANSFER:
		return C_CYAN;
	default:
		return C_DIM;
	}
}

/* create/update/delete name the resource; the other ops say what they do */
static bool op_is_crud(enum m_op op)
{
	return op == OP_CREATE || op == OP_UPDATE || op == OP_DELETE || op == OP_NOOP;
}

/* "create 3, update 1, ..." counts and the "Plan: ..." line (without newline) */
static void summary_line(struct out *o, const struct m_plan *p)
{
	struct plan_summary s;
	size_t purchases;
	char cost[64];

	plan_summarize(p, &s);
	if (!plan_has_changes(p)) {
		put(o, "No changes. The world matches the specs.");
		return;
	}
	putf(o, "Plan: %zu to create, %zu to change, %zu to delete", s.create,
	     s.update + s.deploy + s.start + s.stop, s.delete);
	purchases = s.reg + s.transfer;
	if (purchases) {
		size_t unknown = 0;
		for (size_t i = 0; i < p->nactions; i++)
			unknown +=
			    (p->actions[i].op == OP_REGISTER || p->actions[i].op == OP_TRANSFER) &&
			    p->actions[i].cost_cents == 0;
		putf(o, ", %zu purchase%s (", purchases, purchases == 1 ? "" : "s");
		if (unknown < purchases)
			put(o, cents_display(s.cost_cents, cost, sizeof(cost)));
		if (unknown)
			putf(o, "%s%s known after --refresh", unknown < purchases ? " + " : "",
			     unknown == 1 ? "price" : "prices");
		put(o, ")");
	}
	put(o, ".");
}

static void pos_str(char *out, size_t n, struct m_pos pos)
{
	if (pos.file)
		snprintf(out, n, "%s:%d:%d", pos.file, pos.line, pos.col);
	else
		out[0] = 0;
}

/* the block heading's position: the project's spec node, else its first action's source */
static struct m_pos project_pos(const struct m_world *desired, const struct m_action *a)
{
	const struct m_project *p = desired ? world_project(desired, a->project) : NULL;

	return p ? p->pos : a->source;
}

/* a value as shown in text: NULL is "(none)", an empty string "" */
static const char *shown(const char *v)
{
	return v == NULL ? "(none)" : v[0] == 0 ? "\"\"" : v;
}

/*
 * One action's lines are put together in a local buffer and appended at
 * once: 100,000s of actions, each some ten short strings, cost more in
 * buf_puts calls than in bytes. An action too long for it is written
 * piece by piece into the buffer itself (struct lw then writes through).
 */
struct lw {
	char *p, *end;
	struct out *o; /* non-NULL: append directly */
	bool full;     /* did not fit in p..end */
};

static void lw_put_n(struct lw *w, const char *s, size_t n)
{
	if (w->o) {
		if (buf_append(w->o->b, s, n) < 0)
			w->o->rc = -1;
		return;
	}
	if (w->full || n > (size_t)(w->end - w->p)) {
		w->full = true; /* the caller writes again, through the buffer */
		return;
	}
	memcpy(w->p, s, n);
	w->p += n;
}

static void lw_put(struct lw *w, const char *s)
{
	lw_put_n(w, s, strlen(s));
}

#define LWL(w, lit) lw_put_n((w), lit, sizeof(lit) - 1)

static void change_line(struct lw *w, const char *indent, size_t nindent, const struct m_change *c)
{
	lw_put_n(w, indent, nindent);
	lw_put(w, c->field);
	LWL(w, ": ");
	if (c->old != NULL) {
		lw_put(w, shown(c->old));
		LWL(w, " → ");
	}
	lw_put(w, shown(c->new));
	LWL(w, "\n");
}

static void action_write(struct lw *w, const struct m_action *a, bool color, const char *lead,
			 const char *indent)
{
	size_t nindent = strlen(indent);
	char cost[64];

	lw_put(w, lead);
	if (color)
		lw_put(w, color_of(a->op));
	lw_put(w, symbol(a->op));
	LWL(w, " ");
	if (!op_is_crud(a->op)) {
		lw_put(w, m_op_name(a->op));
		LWL(w, " ");
	}
	lw_put(w, m_resource_name(a->resource));
	LWL(w, " ");
	if (a->key)
		lw_put(w, a->key);
	if (a->destructive)
		LWL(w, " (destructive)");
	if (color)
		LWL(w, C_RESET);
	LWL(w, "\n");
	if (a->reason) {
		lw_put_n(w, indent, nindent);
		LWL(w, "# ");
		lw_put(w, a->reason);
		LWL(w, "\n");
	}
	if (a->cost_cents) {
		lw_put_n(w, indent, nindent);
		LWL(w, "cost: ");
		lw_put(w, cents_display(a->cost_cents, cost, sizeof(cost)));
		LWL(w, "\n");
	}
	for (size_t k = 0; k < a->nchanges; k++)
		change_line(w, indent, nindent, &a->changes[k]);
}

/* one action: header line, reason, cost, changes; lead is the header's indentation */
static void action_lines(struct out *o, const struct m_action *a, bool color, const char *lead,
			 const char *indent)
{
	char local[4096];
	struct lw w = {local, local + sizeof(local), NULL, false};

	action_write(&w, a, color, lead, indent);
	if (!w.full) {
		if (buf_append(o->b, local, (size_t)(w.p - local)) < 0)
			o->rc = -1;
		return;
	}
	w.o = o;
	action_write(&w, a, color, lead, indent);
}

/* text item i of the grouped actions v: its block heading when it starts one, its lines */
static void text_item(struct out *o, const struct m_action *const *v, size_t i,
		      const struct m_world *desired, bool color)
{
	const struct m_action *a = v[i];
	const char *prev = i ? v[i - 1]->project : NULL;
	char pos[512];

	if (i == 0 || !(a->project == prev || (a->project && prev && !strcmp(a->project, prev)))) {
		put(o, "\n");
		if (color)
			put(o, C_BOLD);
		if (a->project == NULL) {
			put(o, "# global");
		} else {
			pos_str(pos, sizeof(pos), project_pos(desired, a));
			putf(o, "# project %s", a->project);
			if (pos[0])
				putf(o, " (%s)", pos);
		}
		if (color)
			put(o, C_RESET);
		put(o, "\n");
	}
	action_lines(o, a, color, "  ", "      ");
}

static void json_item(struct out *o, const struct m_action *a, bool first);

/*
 * The actions' part of a rendering, in chunks through the ordered pipeline
 * (util/opipe.h): chunks rendered ahead on worker threads, each into its
 * own buffer, written to out in order; the bytes are those of one loop
 * over the items, as every item's text depends on the items alone.
 */
#define RCHUNK	       2048 /* actions per chunk */
#define RCHUNK_WINDOW  8
#define RCHUNK_WORKERS 4

struct rchunks {
	const struct m_action *const *v; /* text: the grouped actions */
	const struct m_plan *p;		 /* json: the plan's actions */
	const struct m_world *desired;
	bool color;
	size_t n;
	struct out *o;
};

struct rchunk {
	struct buf b;
	int rc;
};

static void chunk_produce(void *ctx, size_t c, void *slot)
{
	const struct rchunks *r = ctx;
	struct rchunk *k = slot;
	struct out o = {&k->b, 0};
	size_t end = (c + 1) * RCHUNK < r->n ? (c + 1) * RCHUNK : r->n;

	buf_reset(&k->b);
	for (size_t i = c * RCHUNK; i < end; i++) {
		if (r->v)
			text_item(&o, r->v, i, r->desired, r->color);
		else
			json_item(&o, &r->p->actions[i], i == 0);
	}
	k->rc = o.rc;
}

static void chunk_consume(void *ctx, size_t c, void *slot)
{
	const struct rchunks *r = ctx;
	struct rchunk *k = slot;

	(void)c;
	if (k->rc < 0 || buf_append_block(r->o->b, k->b.data, k->b.len) < 0)
		r->o->rc = -1;
}

static int plan_render_items(struct rchunks *r, size_t workers)
{
	struct rchunk slots[RCHUNK_WINDOW];
	size_t nchunks = (r->n + RCHUNK - 1) / RCHUNK;
	struct opipe_spec s = {
	    .n = nchunks,
	    .batch = 1,
	    .window = RCHUNK_WINDOW,
	    .workers = workers,
	    .slots = slots,
	    .slot_size = sizeof(slots[0]),
	    .ctx = r,
	    .produce = chunk_produce,
	    .consume = chunk_consume,
	};

	for (size_t i = 0; i < RCHUNK_WINDOW; i++) {
		buf_init(&slots[i].b);
		slots[i].rc = 0;
	}
	if (opipe_run(&s) < 0)
		r->o->rc = -1;
	for (size_t i = 0; i < RCHUNK_WINDOW; i++)
		buf_release(&slots[i].b);
	return r->o->rc;
}

static size_t render_workers(size_t n)
{
	return opipe_workers((n + RCHUNK - 1) / RCHUNK, 2, RCHUNK_WORKERS);
}

int plan_render_text_with(const struct m_plan *p, const struct m_world *desired, bool color,
			  bool verbose, struct buf *out, size_t workers)
{
	struct out o = {out, 0};
	size_t n;
	const struct m_action **v = plan_grouped(p, verbose, &n);
	struct rchunks r = {v, NULL, desired, color, n, &o};

	if (v == NULL)
		return -1;
	if (plan_has_changes(p))
		put(&o, "vrsctl will perform the following actions:\n");
	plan_render_items(&r, workers);
	if (n)
		put(&o, "\n");
	summary_line(&o, p);
	if (verbose && p->nnoop)
		putf(&o, " %zu unchanged.", p->nnoop);
	put(&o, "\n");
	free(v);
	return o.rc;
}

int plan_render_text(const struct m_plan *p, const struct m_world *desired, bool color,
		     bool verbose, struct buf *out)
{
	size_t n = verbose ? p->nactions + p->nnoop : p->nactions;

	return plan_render_text_with(p, desired, color, verbose, out, render_workers(n));
}

/* one action of the JSON plan's array (a comma before all but the first) */
static void json_item(struct out *o, const struct m_action *a, bool first)
{
	if (!first)
		PUTL(o, ",");
	PUTL(o, "\n    {\n      \"id\": ");
	put_ll(o, a->id);
	PUTL(o, ",\n      \"op\": ");
	json_str(o, m_op_name(a->op));
	PUTL(o, ",\n      \"resource\": ");
	json_str(o, m_resource_name(a->resource));
	PUTL(o, ",\n      \"key\": ");
	json_str(o, a->key);
	PUTL(o, ",\n      \"project\": ");
	json_str(o, a->project);
	PUTL(o, ",\n      \"service\": ");
	json_str(o, m_service_name(a->service));
	PUTL(o, ",\n      \"changes\": [");
	for (size_t k = 0; k < a->nchanges; k++) {
		if (k)
			PUTL(o, ",\n        {\"field\": ");
		else
			PUTL(o, "\n        {\"field\": ");
		json_str(o, a->changes[k].field);
		PUTL(o, ", \"old\": ");
		json_str(o, a->changes[k].old);
		PUTL(o, ", \"new\": ");
		json_str(o, a->changes[k].new);
		PUTL(o, "}");
	}
	if (a->nchanges)
		PUTL(o, "\n      ],\n      \"requires\": [");
	else
		PUTL(o, "],\n      \"requires\": [");
	for (size_t k = 0; k < a->nrequires; k++) {
		if (k)
			PUTL(o, ", ");
		put_ll(o, a->requires[k]);
	}
	PUTL(o, "],\n      \"reason\": ");
	json_str(o, a->reason);
	if (a->destructive)
		PUTL(o, ",\n      \"destructive\": true,\n      \"cost_cents\": ");
	else
		PUTL(o, ",\n      \"destructive\": false,\n      \"cost_cents\": ");
	put_ll(o, a->cost_cents);
	PUTL(o, ",\n      \"source\": ");
	json_pos(o, a->source);
	PUTL(o, "\n    }");
}

int plan_render_json_with(const struct m_plan *p, const struct m_world *desired, bool color,
			  bool verbose, struct buf *out, size_t workers)
{
	struct out o = {out, 0};
	struct plan_summary s;
	struct rchunks r = {NULL, p, desired, false, p->nactions, &o};

	(void)desired;
	(void)color;
	(void)verbose;
	plan_summarize(p, &s);
	put(&o, "{\n  \"format_version\": 1,\n  \"lineage\": ");
	json_str(&o, p->lineage);
	putf(&o, ",\n  \"serial\": %lld,\n  \"specs_digest\": ", p->serial);
	json_str(&o, p->specs_digest);
	putf(&o,
	     ",\n  \"summary\": {\n    \"create\": %zu,\n    \"update\": %zu,\n    \"delete\": "
	     "%zu,\n"
	     "    \"deploy\": %zu,\n    \"start\": %zu,\n    \"stop\": %zu,\n    \"register\": "
	     "%zu,\n"
	     "    \"transfer\": %zu,\n    \"noop\": %zu,\n    \"cost_cents\": %lld\n  },\n",
	     s.create, s.update, s.delete, s.deploy, s.start, s.stop, s.reg, s.transfer, s.noop,
	     s.cost_cents);
	put(&o, "  \"actions\": [");
	plan_render_items(&r, workers);
	put(&o, p->nactions ? "\n  ]\n}\n" : "]\n}\n");
	return o.rc;
}

int plan_render_json(const struct m_plan *p, const struct m_world *desired, bool color,
		     bool verbose, struct buf *out)
{
	return plan_render_json_with(p, desired, color, verbose, out, render_workers(p->nactions));
}

int plan_render_markdown(const struct m_plan *p, const struct m_world *desired, bool color,
			 bool verbose, struct buf *out)
{
	struct out o = {out, 0};
	size_t n, ndestr = 0;
	const struct m_action **v = plan_grouped(p, verbose, &n);
	const char *cur = NULL;
	char pos[512];

	(void)color;
	if (v == NULL)
		return -1;
	put(&o, "## vrsctl plan\n\n**");
	summary_line(&o, p);
	put(&o, "**\n");
	for (size_t i = 0; i < p->nactions; i++)
		ndestr += p->actions[i].destructive;
	if (ndestr) {
		putf(&o, "\n> **Warning:** %zu destructive action%s:\n>\n", ndestr,
		     ndestr == 1 ? "" : "s");
		for (size_t i = 0; i < n; i++) {
			const struct m_action *a = v[i];
			if (!a->destructive)
				continue;
			putf(&o, "> - `%s %s %s`", m_op_name(a->op), m_resource_name(a->resource),
			     a->key ? a->key : "");
			if (a->project)
				putf(&o, " (project `%s`)", a->project);
			put(&o, "\n");
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct m_action *a = v[i];
		if (i == 0 ||
		    !(a->project == cur || (a->project && cur && !strcmp(a->project, cur)))) {
			if (i)
				put(&o, "```\n");
			cur = a->project;
			if (cur == NULL) {
				put(&o, "\n### Global objects\n\n");
			} else {
				pos_str(pos, sizeof(pos), project_pos(desired, a));
				putf(&o, "\n### Project `%s`", cur);
				if (pos[0])
					putf(&o, " (`%s`)", pos);
				put(&o, "\n\n");
			}
			put(&o, "```diff\n");
		}
		action_lines(&o, a, false, "", "    ");
	}
	if (n)
		put(&o, "```\n");
	if (p->nnoop)
		putf(&o, "\n%zu object%s unchanged.\n", p->nnoop, p->nnoop == 1 ? "" : "s");
	free(v);
	return o.rc;
}

/* a DOT string literal */
static void dot_str(struct out *o, const char *s)
{
	put(o, "\"");
	for (; s && *s; s++) {
		char c[3] = {*s, 0, 0};
		if (*s == '"' || *s == '\\') {
			c[0] = '\\';
			c[1] = *s;
		} else if (*s == '\n') {
			c[0] = '\\';
			c[1] = 'n';
		}
		put(o, c);
	}
	put(o, "\"");
}

int plan_render_dot(const struct m_plan *p, const struct m_world *desired, bool color, bool verbose,
		    struct buf *out)
{
	struct out o = {out, 0};
	size_t n;
	const struct m_action **v = plan_grouped(p, verbose, &n);
	const char *cur = NULL;
	char label[1024];

	(void)desired;
	(void)color;
	if (v == NULL)
		return -1;
	put(&o, "digraph plan {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n");
	for (size_t i = 0; i < n; i++) {
		const struct m_action *a = v[i];
		bool same =
		    i > 0 && (a->project == cur || (a->project && cur && !strcmp(a->project, cur)));
		if (i > 0 && !same && cur)
			put(&o, "  }\n");
		if (!same || i == 0) {
			cur = a->project;
			if (cur) {
				put(&o, "  subgraph ");
				snprintf(label, sizeof(label), "cluster_%s", cur);
				dot_str(&o, label);
				put(&o, " {\n    label=");
				dot_str(&o, cur);
				put(&o, ";\n");
			}
		}
		snprintf(label, sizeof(label), "%d: %s %s %s", a->id, m_op_name(a->op),
			 m_resource_name(a->resource), a->key ? a->key : "");
		putf(&o, "%sa%d [label=", cur ? "    " : "  ", a->id);
		dot_str(&o, label);
		if (a->destructive)
			put(&o, ", color=red");
		else if (a->op == OP_REGISTER || a->op == OP_TRANSFER)
			put(&o, ", color=blue");
		put(&o, "];\n");
	}
	if (n && cur)
		put(&o, "  }\n");
	for (size_t i = 0; i < p->nactions; i++) {
		const struct m_action *a = &p->actions[i];
		if (!verbose && a->op == OP_NOOP)
			continue;
		for (size_t k = 0; k < a->nrequires; k++)
			putf(&o, "  a%d -> a%d;\n", a->requires[k], a -> id);
	}
	put(&o, "}\n");
	free(v);
	return o.rc;
}
