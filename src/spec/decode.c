/*
 * decode.c — the generic table walker: node tree -> typed desired model.
 *
 * Each kind is a table of fields (key, type, flags, offset into the model
 * struct, range, enum, validator, or a custom decoder for the few keys that
 * need one; decode_kinds.c, decode_project.c). dc_decode_map() walks a
 * mapping against such a table and reports unknown keys (with the closest
 * known key as a suggestion), duplicate keys (with a note at the first),
 * wrong types, out-of-range numbers, invalid enum values (listing the
 * allowed ones) and missing required keys; the first value of a duplicated
 * key wins. Everything that needs other documents (references, uniqueness,
 * the default base domain, trial days of the project type) is left to
 * check.c, with positions recorded in the loader's side tables.
 *
 * Messages name the key path ("app.port", "domains[1].type") and never
 * quote a value of an environment variable or an auth code.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/decode_int.h"
#include "spec/valid.h"

/* ---- messages ------------------------------------------------------------- */

/* a value fit for a message: at most 60 bytes, unprintable bytes as '?' */
const char *dc_show(const char *s, char out[80])
{
	size_t i;

	/* libyaml has checked that the input is UTF-8: keep multi-byte characters */
	for (i = 0; s[i] && i < 60; i++)
		out[i] = ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f) ? '?' : s[i];
	while (s[i] && i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--; /* do not cut a character in two */
	if (s[i]) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = 0;
	return out;
}

/* error at node n, prefixed with the current key path ("app.port: ...") */
int dc_err(struct dc *c, const struct sp_node *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->plen)
		return diag_add(c->l->d, n->file, n->line, n->col, "%s: %s", c->path, msg);
	return diag_add(c->l->d, n->file, n->line, n->col, "%s", msg);
}

size_t dc_path_push(struct dc *c, const char *key, long idx)
{
	size_t old = c->plen, room = sizeof(c->path) - c->plen - 1, kl;
	int k;

	if (key) { /* hot path: no printf */
		kl = strlen(key);
		if (kl > 40)
			kl = 40;
		if (kl + 1 > room)
			return old;
		if (c->plen)
			c->path[c->plen++] = '.';
		memcpy(c->path + c->plen, key, kl);
		c->plen += kl;
		c->path[c->plen] = 0;
		return old;
	}
	k = snprintf(c->path + c->plen, room + 1, "[%ld]", idx);
	if (k > 0)
		c->plen += (size_t)k;
	if (c->plen >= sizeof(c->path))
		c->plen = sizeof(c->path) - 1;
	return old;
}

void dc_path_pop(struct dc *c, size_t old)
{
	c->plen = old;
	c->path[old] = 0;
}

int dc_type_err(struct dc *c, const struct sp_node *v, const char *want)
{
	return dc_err(c, v, "expected %s, got %s", want, sp_type_name(v));
}

/* ---- scalar helpers -------------------------------------------------------------- */

char *dc_strdup(struct dc *c, const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		spec_oom(c->l);
	return p;
}

void dc_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/*
 * A string value: 0 and *out (NULL for null when !required); -1 after an
 * error. Plain numbers are accepted as their text; booleans are not.
 */
int dc_get_str(struct dc *c, const struct sp_node *v, bool required, const char **out)
{
	*out = NULL;
	if (v->type == SP_BAD)
		return -1;
	if (v->type != SP_SCALAR)
		return dc_type_err(c, v, "a string");
	switch (sp_scalar_kind(v)) {
	case SK_NULL:
		if (required)
			return dc_type_err(c, v, "a string");
		return 0;
	case SK_BOOL:
		return dc_type_err(c, v, "a string");
	default:
		*out = v->u.str;
		return 0;
	}
}

int dc_check_value(struct dc *c, const struct sp_node *v, int check, const char *s)
{
	char b[80];
	const char *why = NULL;
	unsigned char a6[16];

	switch (check) {
	case FC_SLUG:
		if (spec_valid_slug(s, &why) < 0)
			return dc_err(c, v,
				      "'%s' is not a valid name: %s (a DNS label: 1-63 lower-case "
				      "letters, digits and '-', not starting or ending with '-')",
				      dc_show(s, b), why);
		break;
	case FC_DOMAIN:
	case FC_LABELS:
		if (spec_valid_labels(s, check == FC_DOMAIN ? 2 : 1, &why) < 0)
			return dc_err(c, v, "'%s' is not a valid %s: %s", dc_show(s, b),
				      check == FC_DOMAIN ? "domain name" : "subdomain", why);
		break;
	case FC_EMAIL:
		if (spec_valid_email(s) < 0)
			return dc_err(c, v, "'%s' is not a valid e-mail address", dc_show(s, b));
		break;
	case FC_IP:
		if (inet_pton(AF_INET, s, a6) != 1 && inet_pton(AF_INET6, s, a6) != 1)
			return dc_err(c, v, "'%s' is not a valid IPv4 or IPv6 address",
				      dc_show(s, b));
		break;
	case FC_IPV6:
		if (inet_pton(AF_INET6, s, a6) != 1)
			return dc_err(c, v, "'%s' is not a valid IPv6 address", dc_show(s, b));
		break;
	case FC_TOKEN:
	case FC_PATH:
		if (*s == 0)
			return dc_err(c, v, "must not be empty");
		for (const char *p = s; *p; p++)
			if ((unsigned char)*p <= ' ' || (unsigned char)*p == 0x7f)
				return dc_err(c, v,
					      "must not contain spaces or control characters");
		if (check == FC_PATH && *s != '/')
			return dc_err(c, v, "'%s' must start with '/'", dc_show(s, b));
		/* Coolify's health_check_path rule: ^[a-zA-Z0-9/\-_.~%,;]+$ */
		if (check == FC_PATH &&
		    s[strspn(s, "abcdefghijklmnopqrstuvwxyz"
				"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-_.~%,;")])
			return dc_err(c, v,
				      "'%s' may contain only letters, digits and / - _ . ~ %% , ;",
				      dc_show(s, b));
		break;
	default:
		break;
	}
	return 0;
}

int dc_get_ll(struct dc *c, const struct sp_node *v, long long min, long long max, long long *out)
{
	char *end;
	long long x;

	if (v->type == SP_BAD)
		return -1;
	if (v->type != SP_SCALAR || sp_scalar_kind(v) != SK_INT)
		return dc_type_err(c, v, "an integer");
	errno = 0;
	x = strtoll(v->u.str, &end, 10);
	if (errno == ERANGE || x < min || x > max) {
		char b[80];
		if (max == LLONG_MAX || max == INT_MAX)
			return dc_err(c, v, "%s is out of range (at least %lld)",
				      dc_show(v->u.str, b), min);
		return dc_err(c, v, "%s is out of range (%lld..%lld)", dc_show(v->u.str, b), min,
			      max);
	}
	*out = x;
	return 0;
}

int dc_get_bool(struct dc *c, const struct sp_node *v, bool *out)
{
	if (v->type == SP_BAD)
		return -1;
	if (v->type != SP_SCALAR || sp_scalar_kind(v) != SK_BOOL)
		return dc_type_err(c, v, "a boolean (true or false)");
	*out = v->u.str[0] == 't' || v->u.str[0] == 'T';
	return 0;
}

int dc_get_enum(struct dc *c, const struct sp_node *v, const struct enum_def *e, int *out)
{
	char b[80];

	if (v->type == SP_BAD)
		return -1;
	if (v->type != SP_SCALAR || sp_scalar_kind(v) == SK_NULL)
		return dc_err(c, v, "expected one of: %s, got %s", e->list, sp_type_name(v));
	for (size_t i = 0; i < e->n; i++) {
		if (!strcmp(v->u.str, e->v[i].name)) {
			*out = e->v[i].val;
			return 0;
		}
	}
	return dc_err(c, v, "invalid value '%s' (expected one of: %s)", dc_show(v->u.str, b),
		      e->list);
}

/* ---- the generic mapping decoder -------------------------------------------------- */

static int decode_value(struct dc *c, const struct field *f, const struct sp_node *v, void *obj)
{
	char *base = (char *)obj + f->off;
	const char *s;
	long long x;
	bool bv;
	int ev;

	switch (f->type) {
	case FT_KIND:
		return 0;
	case FT_STR:
		if (dc_get_str(c, v, f->flags & F_REQ, &s) < 0 || s == NULL)
			return -1;
		free(*(char **)base);
		*(char **)base = dc_strdup(c, s);
		if (*(char **)base == NULL)
			return -1;
		if (f->flags & F_LOWER)
			dc_lower(*(char **)base);
		return dc_check_value(c, v, f->check, *(char **)base);
	case FT_INT:
		if (dc_get_ll(c, v, f->min, f->max, &x) < 0)
			return -1;
		*(int *)base = (int)x;
		return 0;
	case FT_LLONG:
		if (dc_get_ll(c, v, f->min, f->max, &x) < 0)
			return -1;
		*(long long *)base = x;
		return 0;
	case FT_BOOL:
		if (dc_get_bool(c, v, &bv) < 0)
			return -1;
		*(bool *)base = bv;
		return 0;
	case FT_ENUM:
		if (dc_get_enum(c, v, f->en, &ev) < 0)
			return -1;
		*(int *)base = ev;
		return 0;
	case FT_SUB:
		return f->sub == NULL ? 0 : -1; /* handled by decode_map */
	case FT_FN:
		return f->fn(c, v, obj);
	}
	return 0;
}

static int decode_sub(struct dc *c, const struct field *f, const struct sp_node *v, void *obj)
{
	if (v->type == SP_SCALAR && sp_scalar_kind(v) == SK_NULL && !(f->flags & F_REQ))
		return 0;
	return dc_decode_map(c, v, f->sub, (char *)obj + f->off, NULL);
}

static void suggest(const struct field *fields, const char *key, char *out, size_t outlen)
{
	size_t best = (size_t)-1, d, kl = strlen(key);
	const char *bk = NULL;

	out[0] = 0;
	for (const struct field *f = fields; f->key; f++) {
		d = spec_edit_distance(key, f->key);
		if (d < best) {
			best = d;
			bk = f->key;
		}
	}
	if (bk && (best <= 2 || best <= kl / 3))
		snprintf(out, outlen, " (did you mean '%s'?)", bk);
}

/*
 * The field named key, or nf: searched from hint (the field after the last
 * key's: specs mostly name keys in the table's order, so one compare finds
 * it), the first byte compared before the rest (few fields share it).
 */
static size_t field_index(const struct field *fields, size_t nf, const char *key, size_t hint)
{
	for (size_t j = 0; j < nf; j++) {
		size_t fi = hint + j < nf ? hint + j : hint + j - nf;
		if (fields[fi].key[0] == key[0] && !strcmp(fields[fi].key, key))
			return fi;
	}
	return nf;
}

/*
 * Decode mapping n against fields into obj. seen (optional, MAX_FIELDS
 * entries) receives the value node of each field found. Returns 0 / -1 when
 * an error was reported.
 */
int dc_decode_map(struct dc *c, const struct sp_node *n, const struct field *fields, void *obj,
		  const struct sp_node **seen)
{
	const struct sp_node *local[MAX_FIELDS], *keys[MAX_FIELDS];
	size_t before = c->l->d->n, i, nf = 0, old, hint = 0;
	char b[80], sug[64];

	if (n->type == SP_BAD)
		return -1;
	if (n->type != SP_MAP)
		return dc_type_err(c, n, "a mapping");
	if (seen == NULL)
		seen = local;
	while (fields[nf].key)
		nf++;
	memset(seen, 0, MAX_FIELDS * sizeof(*seen));
	memset(keys, 0, sizeof(keys));
	for (i = 0; i + 1 < n->len; i += 2) {
		const struct sp_node *k = n->u.kids[i], *v = n->u.kids[i + 1];
		size_t fi;

		if (k->type == SP_BAD)
			continue;
		if (k->type != SP_SCALAR) {
			dc_err(c, k, "mapping keys must be strings, got %s", sp_type_name(k));
			continue;
		}
		fi = field_index(fields, nf, k->u.str, hint);
		if (fi < nf)
			hint = fi + 1 < nf ? fi + 1 : 0;
		if (fi == nf) {
			suggest(fields, k->u.str, sug, sizeof(sug));
			diag_add(c->l->d, k->file, k->line, k->col, "unknown key '%s' in %s%s",
				 dc_show(k->u.str, b), c->plen ? c->path : c->kind, sug);
			continue;
		}
		if (seen[fi]) {
			diag_add(c->l->d, k->file, k->line, k->col, "duplicate key '%s'", k->u.str);
			diag_note(c->l->d, keys[fi]->file, keys[fi]->line, keys[fi]->col,
				  "first defined here");
			continue;
		}
		seen[fi] = v;
		keys[fi] = k;
		old = dc_path_push(c, k->u.str, 0);
		if (fields[fi].type == FT_SUB)
			decode_sub(c, &fields[fi], v, obj);
		else
			decode_value(c, &fields[fi], v, obj);
		dc_path_pop(c, old);
	}
	for (i = 0; i < nf; i++)
		if ((fields[i].flags & F_REQ) && seen[i] == NULL)
			dc_err(c, n, "missing required key '%s'", fields[i].key);
	return c->l->d->n == before ? 0 : -1;
}

const struct sp_node *dc_seen_of(const struct field *fields, const struct sp_node **seen,
				 const char *key)
{
	for (size_t i = 0; fields[i].key; i++)
		if (fields[i].key[0] == key[0] && !strcmp(fields[i].key, key))
			return seen[i];
	return NULL;
}

/* ---- growing world arrays ---------------------------------------------------------- */

int spec_grow(void **arr, size_t n, size_t elem)
{
	size_t cap;
	void *p;

	if (n == 0)
		cap = 4;
	else if (n >= 4 && (n & (n - 1)) == 0)
		cap = n * 2;
	else
		return 0;
	p = realloc(*arr, cap * elem);
	if (p == NULL)
		return -1;
	*arr = p;
	return 0;
}

int spec_add_ref(struct spec_loader *l, enum ref_target t, const char *name,
		 const struct sp_node *at)
{
	struct ref *r;

	if (name == NULL || at == NULL)
		return 0;
	if (l->nrefs == l->arefs) {
		size_t na = l->arefs ? l->arefs * 2 : 64;
		r = realloc(l->refs, na * sizeof(*r));
		if (r == NULL)
			return spec_oom(l);
		l->refs = r;
		l->arefs = na;
	}
	r = &l->refs[l->nrefs++];
	r->target = t;
	r->name = name;
	r->pos.file = at->file;
	r->pos.line = at->line;
	r->pos.col = at->col;
	return 0;
}

struct m_pos dc_pos_of(const struct sp_node *n)
{
	struct m_pos p = {NULL, 0, 0};

	if (n) {
		p.file = n->file;
		p.line = n->line;
		p.col = n->col;
	}
	return p;
}

int dc_optional(struct dc *c, const struct sp_node *v, int type)
{
	if (v->type == SP_BAD)
		return -1;
	if (v->type == SP_SCALAR && sp_scalar_kind(v) == SK_NULL)
		return 0;
	if (v->type != type)
		return dc_type_err(c, v, type == SP_SEQ ? "a sequence" : "a mapping");
	return 1;
}

/* a sequence of names (lower-cased, checked); appended to *arr / *n */
int dc_name_list(struct dc *c, const struct sp_node *v, char ***arr, size_t *n, int check,
		 enum ref_target t, bool ref)
{
	int rc;
	const char *s;
	size_t old;

	if ((rc = dc_optional(c, v, SP_SEQ)) <= 0)
		return rc;
	for (size_t i = 0; i < v->len; i++) {
		const struct sp_node *it = v->u.kids[i];
		old = dc_path_push(c, NULL, (long)i);
		if (dc_get_str(c, it, true, &s) == 0 && s) {
			char *d = dc_strdup(c, s);
			if (d == NULL || spec_grow((void **)arr, *n, sizeof(**arr)) < 0) {
				free(d);
				dc_path_pop(c, old);
				return spec_oom(c->l);
			}
			dc_lower(d);
			dc_check_value(c, it, check, d);
			(*arr)[(*n)++] = d;
			if (ref)
				spec_add_ref(c->l, t, d, it);
		}
		dc_path_pop(c, old);
	}
	return 0;
}
