/*
 * decode_int.h — private to the decoder files: the field tables a kind is
 * declared with (key, type, flags, offset, range, enum, validator, custom
 * decoder), the decoding context, and the generic walker (decode.c) that
 * the per-kind tables (decode_kinds.c, decode_project.c) are run through.
 * Out of memory is reported through spec_oom (a diagnostic, no abort).
 */
#ifndef VRS_SPEC_DECODE_INT_H
#define VRS_SPEC_DECODE_INT_H

#include <limits.h>
#include <stddef.h>

#include "spec/spec_int.h"

enum ftype { FT_KIND, FT_STR, FT_INT, FT_LLONG, FT_BOOL, FT_ENUM, FT_SUB, FT_FN };
enum fcheck { FC_NONE, FC_SLUG, FC_DOMAIN, FC_LABELS, FC_EMAIL, FC_IP, FC_IPV6, FC_TOKEN, FC_PATH };

#define F_REQ	   1
#define F_LOWER	   2
#define MAX_FIELDS 24

struct enum_val {
	const char *name;
	int val;
};

struct enum_def {
	const struct enum_val *v;
	size_t n;
	const char *list; /* "a, b, c" */
};

struct dc;
typedef int (*field_fn)(struct dc *c, const struct sp_node *v, void *obj);

struct field {
	const char *key;
	unsigned char type, check, flags;
	size_t off;
	long long min, max;
	const struct enum_def *en;
	const struct field *sub;
	field_fn fn;
};

/* decoding context: the loader plus the key path of the current value */
struct dc {
	struct spec_loader *l;
	const char *kind;
	char path[256];
	size_t plen;
};

#define ENUM(name, list, ...)                                                                      \
	static const struct enum_val name##_v[] = {__VA_ARGS__};                                   \
	static const struct enum_def name = {name##_v, sizeof(name##_v) / sizeof(name##_v[0]), list}

#define FS(key, chk, fl, st, m)                                                                    \
	{                                                                                          \
		key, FT_STR, chk, fl, offsetof(st, m), 0, 0, NULL, NULL, NULL                      \
	}
#define FI(key, fl, st, m, lo, hi)                                                                 \
	{                                                                                          \
		key, FT_INT, 0, fl, offsetof(st, m), lo, hi, NULL, NULL, NULL                      \
	}
#define FB(key, st, m)                                                                             \
	{                                                                                          \
		key, FT_BOOL, 0, 0, offsetof(st, m), 0, 0, NULL, NULL, NULL                        \
	}
#define FE(key, st, m, en)                                                                         \
	{                                                                                          \
		key, FT_ENUM, 0, 0, offsetof(st, m), 0, 0, &en, NULL, NULL                         \
	}
#define FF(key, fl, fn)                                                                            \
	{                                                                                          \
		key, FT_FN, 0, fl, 0, 0, 0, NULL, NULL, fn                                         \
	}
#define FK                                                                                         \
	{                                                                                          \
		"kind", FT_KIND, 0, 0, 0, 0, 0, NULL, NULL, NULL                                   \
	}
#define FEND                                                                                       \
	{                                                                                          \
		NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL                                           \
	}

/* ---- decode.c: the generic walker ---------------------------------------------------- */

/* a value fit for a message: at most 60 bytes, unprintable bytes as '?' */
const char *dc_show(const char *s, char out[80]);
/* error at node n, prefixed with the current key path ("app.port: ..."); returns -1 */
int dc_err(struct dc *c, const struct sp_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* push a key (or, with key NULL, an index) on the path; returns what dc_path_pop takes */
size_t dc_path_push(struct dc *c, const char *key, long idx);
void dc_path_pop(struct dc *c, size_t old);
int dc_type_err(struct dc *c, const struct sp_node *v, const char *want);
/* a copy of s, or NULL after reporting out of memory */
char *dc_strdup(struct dc *c, const char *s);
void dc_lower(char *s);
/*
 * A string value: 0 and *out (NULL for null when !required); -1 after an
 * error. Plain numbers are accepted as their text; booleans are not.
 */
int dc_get_str(struct dc *c, const struct sp_node *v, bool required, const char **out);
int dc_check_value(struct dc *c, const struct sp_node *v, int check, const char *s);
int dc_get_ll(struct dc *c, const struct sp_node *v, long long min, long long max, long long *out);
int dc_get_bool(struct dc *c, const struct sp_node *v, bool *out);
int dc_get_enum(struct dc *c, const struct sp_node *v, const struct enum_def *e, int *out);
/*
 * Decode mapping n against fields into obj. seen (optional, MAX_FIELDS
 * entries) receives the value node of each field found. Returns 0 / -1 when
 * an error was reported.
 */
int dc_decode_map(struct dc *c, const struct sp_node *n, const struct field *fields, void *obj,
		  const struct sp_node **seen);
const struct sp_node *dc_seen_of(const struct field *fields, const struct sp_node **seen,
				 const char *key);
struct m_pos dc_pos_of(const struct sp_node *n);
/*
 * An optional sequence or mapping (type SP_SEQ or SP_MAP): 1 when v is one
 * to walk, 0 when it is null (nothing to do), -1 after an error.
 */
int dc_optional(struct dc *c, const struct sp_node *v, int type);
/* a sequence of names (lower-cased, checked); appended to *arr / *n */
int dc_name_list(struct dc *c, const struct sp_node *v, char ***arr, size_t *n, int check,
		 enum ref_target t, bool ref);

/* ---- decode_project.c ------------------------------------------------------------------ */

void dc_add_project(struct dc *c, const struct sp_node *root);

#endif
