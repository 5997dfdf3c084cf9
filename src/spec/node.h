/*
 * node.h — a lean YAML node tree built from libyaml's event API.
 *
 * One document at a time: sp_parse() reads a buffer, builds the tree of each
 * document in an arena and hands the root to a callback; the arena is reset
 * after the callback returns, so memory is bounded by the largest document.
 * Every node carries its file and its 1-based line and column, as editors
 * show them. Mapping children are stored as key, value, key, value, ...
 *
 * Hostile input is reported in the diagnostic list, never crashes: nesting is
 * capped at SP_MAX_DEPTH, scalars at SP_MAX_SCALAR bytes, aliases are
 * rejected ("aliases are not supported", which also defeats billion laughs),
 * scalars holding NUL are rejected, and libyaml's reader, scanner and parser
 * errors become "syntax error: ..." / "invalid input: ..." at their mark.
 */
#ifndef VRS_SPEC_NODE_H
#define VRS_SPEC_NODE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/diag.h"

#define SP_MAX_DEPTH  64
#define SP_MAX_SCALAR (1u << 20)

/* bump allocator; freed (or reset) as a whole */
struct sp_chunk;
struct sp_arena {
	struct sp_chunk *head;
};

void sp_arena_init(struct sp_arena *a);
/* drop everything but the first chunk, for reuse */
void sp_arena_reset(struct sp_arena *a);
void sp_arena_release(struct sp_arena *a);
/* 8-byte aligned, zeroed; NULL when out of memory */
void *sp_arena_alloc(struct sp_arena *a, size_t n);

enum sp_type {
	SP_SCALAR,
	SP_MAP,
	SP_SEQ,
	SP_BAD /* replaced an alias or an over-long scalar; already reported */
};

struct sp_node {
	unsigned char type;   /* enum sp_type */
	unsigned char quoted; /* scalar was quoted, a block scalar or explicitly tagged */
	int line, col;	      /* 1-based */
	const char *file;
	size_t len; /* scalar: bytes (NUL-terminated); map: 2 * pairs; seq: items */
	union {
		char *str;
		struct sp_node **kids;
	} u;
};

/*
 * Called at the end of each document with its root (never NULL). The tree
 * lives until the callback returns. Return non-zero to stop parsing.
 */
typedef int (*sp_doc_fn)(void *ud, const struct sp_node *root);

/*
 * Parse every document of data[0..len). `file` is stored in every node (it
 * must outlive the callback). Errors go to diags. Returns 0 when no
 * diagnostic was added, else -1. After a syntax error the rest of the file
 * is skipped (libyaml cannot resume), but documents before it were handed
 * to the callback.
 */
int sp_parse(const char *file, const char *data, size_t len, struct diag_list *diags, sp_doc_fn fn,
	     void *ud);

/*
 * sp_parse, but the trees are built in the caller's arena and stay there
 * (until the caller resets or releases it): the callback may keep the roots,
 * so a file can be parsed on one thread and decoded later on another.
 */
int sp_parse_keep(const char *file, const char *data, size_t len, struct diag_list *diags,
		  struct sp_arena *arena, sp_doc_fn fn, void *ud);

/* "a string", "an integer", "a boolean", "null", "a number", "a mapping", "a sequence" */
const char *sp_type_name(const struct sp_node *n);

enum sp_scalar_kind { SK_STR, SK_NULL, SK_BOOL, SK_INT, SK_FLOAT };
/* YAML core-schema resolution of a plain scalar; quoted scalars are SK_STR */
enum sp_scalar_kind sp_scalar_kind(const struct sp_node *n);

#endif
