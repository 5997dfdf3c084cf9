/*
 * decode.c — node tree -> typed desired model, one document at a time.
 *
 * Each kind is a table of fields (key, type, flags, offset into the model
 * struct, range, enum, validator, or a custom decoder for the few keys that
 * need one). decode_map() walks a mapping against such a table and reports
 * unknown keys (with the closest known key as a suggestion), duplicate keys
 * (with a note at the first), wrong types, out-of-range numbers, invalid
 * enum values (listing the allowed ones) and missing required keys; the
 * first value of a duplicated key wins. Everything that needs other
 * documents (references, uniqueness, the default base domain, trial days of
 * the project type) is left to check.c, with positions recorded in the
 * loader's side tables.
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

#include "spec/spec_int.h"
#include "spec/valid.h"

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

/* ---- enums ----------------------------------------------------------------- */

#define ENUM(name, list, ...)                                                                      \
	static const struct enum_val name##_v[] = {__VA_ARGS__};                                   \
	static const struct enum_def name = {name##_v, sizeof(name##_v) / sizeof(name##_v[0]), list}

ENUM(en_mode, "active, maintenance", {"active", SS_ACTIVE}, {"maintenance", SS_MAINTENANCE});
ENUM(en_cycle, "once, monthly, yearly", {"once", BC_ONCE}, {"monthly", BC_MONTHLY},
     {"yearly", BC_YEARLY});
ENUM(en_lifecycle, "active, suspended, archived", {"active", LC_ACTIVE},
     {"suspended", LC_SUSPENDED}, {"archived", LC_ARCHIVED});
ENUM(en_payment, "stripe_prepaid, stripe_subscription, invoice, free",
     {"stripe_prepaid", PM_STRIPE_PREPAID}, {"stripe_subscription", PM_STRIPE_SUBSCRIPTION},
     {"invoice", PM_INVOICE}, {"free", PM_FREE});
ENUM(en_dtype, "subdomain, owned, registered, transferred", {"subdomain", DT_SUBDOMAIN},
     {"owned", DT_OWNED}, {"registered", DT_REGISTERED}, {"transferred", DT_TRANSFERRED});
ENUM(en_renewal, "AUTORENEW, AUTODELETE, AUTOEXPIRE", {"AUTORENEW", 0}, {"AUTODELETE", 1},
     {"AUTOEXPIRE", 2});

/* ---- messages ------------------------------------------------------------- */

/* a value fit for a message: at most 60 bytes, unprintable bytes as '?' */
static const char *show(const char *s, char out[80])
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
__attribute__((format(printf, 3, 4))) static int err(struct dc *c, const struct sp_node *n,
						     const char *fmt, ...)
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

static size_t path_push(struct dc *c, const char *key, long idx)
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

static void path_pop(struct dc *c, size_t old)
{
	c->plen = old;
	c->path[old] = 0;
}

static int type_err(struct dc *c, const struct sp_node *v, const char *want)
{
	return err(c, v, "expected %s, got %s", want, sp_type_name(v));
}

/* ---- scalar helpers -------------------------------------------------------------- */

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL) {
		fputs("vrsctl: out of memory\n", stderr);
		abort();
	}
	return p;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/*
 * A string value: 0 and *out (NULL for null when !required); -1 after an
 * error. Plain numbers are accepted as their text; booleans are not.
 */
static int get_str(struct dc *c, const struct sp_node *v, bool required, const char **out)
{
	*out = NULL;
	if (v->type == SP_BAD)
		return -1;
	if (v->type != SP_SCALAR)
		return type_err(c, v, "a string");
	switch (sp_scalar_kind(v)) {
	case SK_NULL:
		if (required)
			return type_err(c, v, "a string");
		return 0;
	case SK_BOOL:
		return type_err(c, v, "a string");
	default:
		*out = v->u.str;
		return 0;
	}
}

static int check_value(struct dc *c, const struct sp_node *v, int check, const char *s)
{
	char b[80];
	const char *why = NULL;
	unsigned char a6[16];

	switch (check) {
	case FC_SLUG:
		if (spec_valid_slug(s, &why) < 0)
			return err(c, v,
				   "'%s' is not a valid name: %s (a DNS label: 1-63 lower-case "
				   "letters, digits and '-', not starting or ending with '-')",
				   show(s, b), why);
		break;
	case FC_DOMAIN:
	case FC_LABELS:
		if (spec_valid_labels(s, check == FC_DOMAIN ? 2 : 1, &why) < 0)
			return err(c, v, "'%s' is not a valid %s: %s", show(s, b),
				   check == FC_DOMAIN ? "domain name" : "subdomain", why);
		break;
	case FC_EMAIL:
		if (spec_valid_email(s) < 0)
			return err(c, v, "'%s' is not a valid e-mail address", show(s, b));
		break;
	case FC_IP:
		if (inet_pton(AF_INET, s, a6) != 1 && inet_pton(AF_INET6, s, a6) != 1)
			return err(c, v, "'%s' is not a valid IPv4 or IPv6 address", show(s, b));
		break;
	case FC_IPV6:
		if (inet_pton(AF_INET6, s, a6) != 1)
			return err(c, v, "'%s' is not a valid IPv6 address", show(s, b));
		break;
	case FC_TOKEN:
	case FC_PATH:
		if (*s == 0)
			return err(c, v, "must not be empty");
		for (const char *p = s; *p; p++)
			if ((unsigned char)*p <= ' ' || (unsigned char)*p == 0x7f)
				return err(c, v, "must not contain spaces or control characters");
		if (check == FC_PATH && *s != '/')
			return err(c, v, "'%s' must start with '/'", show(s, b));
		break;
	default:
		break;
	}
	return 0;
}

static int get_ll(struct dc *c, const struct sp_node *v, long long min, long long max,
		  long long *out)
{
	char *end;
	long long x;

	if (v->type == SP_BAD)
		return -1;
	if (v->type != SP_SCALAR || sp_scalar_kind(v) != SK_INT)
		return type_err(c, v, "an integer");
	errno = 0;
	x = strtoll(v->u.str, &end, 10);
	if (errno == ERANGE || x < min || x > max) {
		char b[80];
		if (max == LLONG_MAX || max == INT_MAX)
			return err(c, v, "%s is out of range (at least %lld)", show(v->u.str, b),
				   min);
		return err(c, v, "%s is out of range (%lld..%lld)", show(v->u.str, b), min, max);
	}
	*out = x;
	return 0;
}

static int get_bool(struct dc *c, const struct sp_node *v, bool *out)
{
	if (v->type == SP_BAD)
		return -1;
	if (v->type != SP_SCALAR || sp_scalar_kind(v) != SK_BOOL)
		return type_err(c, v, "a boolean (true or false)");
	*out = v->u.str[0] == 't' || v->u.str[0] == 'T';
	return 0;
}

static int get_enum(struct dc *c, const struct sp_node *v, const struct enum_def *e, int *out)
{
	char b[80];

	if (v->type == SP_BAD)
		return -1;
	if (v->type != SP_SCALAR || sp_scalar_kind(v) == SK_NULL)
		return err(c, v, "expected one of: %s, got %s", e->list, sp_type_name(v));
	for (size_t i = 0; i < e->n; i++) {
		if (!strcmp(v->u.str, e->v[i].name)) {
			*out = e->v[i].val;
			return 0;
		}
	}
	return err(c, v, "invalid value '%s' (expected one of: %s)", show(v->u.str, b), e->list);
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
		if (get_str(c, v, f->flags & F_REQ, &s) < 0 || s == NULL)
			return -1;
		free(*(char **)base);
		*(char **)base = xstrdup(s);
		if (f->flags & F_LOWER)
			lower(*(char **)base);
		return check_value(c, v, f->check, *(char **)base);
	case FT_INT:
		if (get_ll(c, v, f->min, f->max, &x) < 0)
			return -1;
		*(int *)base = (int)x;
		return 0;
	case FT_LLONG:
		if (get_ll(c, v, f->min, f->max, &x) < 0)
			return -1;
		*(long long *)base = x;
		return 0;
	case FT_BOOL:
		if (get_bool(c, v, &bv) < 0)
			return -1;
		*(bool *)base = bv;
		return 0;
	case FT_ENUM:
		if (get_enum(c, v, f->en, &ev) < 0)
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

static int decode_map(struct dc *c, const struct sp_node *n, const struct field *fields, void *obj,
		      const struct sp_node **seen);

static int decode_sub(struct dc *c, const struct field *f, const struct sp_node *v, void *obj)
{
	if (v->type == SP_SCALAR && sp_scalar_kind(v) == SK_NULL && !(f->flags & F_REQ))
		return 0;
	return decode_map(c, v, f->sub, (char *)obj + f->off, NULL);
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
 * Decode mapping n against fields into obj. seen (optional, MAX_FIELDS
 * entries) receives the value node of each field found. Returns 0 / -1 when
 * an error was reported.
 */
static int decode_map(struct dc *c, const struct sp_node *n, const struct field *fields, void *obj,
		      const struct sp_node **seen)
{
	const struct sp_node *local[MAX_FIELDS], *keys[MAX_FIELDS];
	size_t before = c->l->d->n, i, nf = 0, old;
	char b[80], sug[64];

	if (n->type == SP_BAD)
		return -1;
	if (n->type != SP_MAP)
		return type_err(c, n, "a mapping");
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
			err(c, k, "mapping keys must be strings, got %s", sp_type_name(k));
			continue;
		}
		for (fi = 0; fi < nf; fi++)
			if (!strcmp(fields[fi].key, k->u.str))
				break;
		if (fi == nf) {
			suggest(fields, k->u.str, sug, sizeof(sug));
			diag_add(c->l->d, k->file, k->line, k->col, "unknown key '%s' in %s%s",
				 show(k->u.str, b), c->plen ? c->path : c->kind, sug);
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
		old = path_push(c, k->u.str, 0);
		if (fields[fi].type == FT_SUB)
			decode_sub(c, &fields[fi], v, obj);
		else
			decode_value(c, &fields[fi], v, obj);
		path_pop(c, old);
	}
	for (i = 0; i < nf; i++)
		if ((fields[i].flags & F_REQ) && seen[i] == NULL)
			err(c, n, "missing required key '%s'", fields[i].key);
	return c->l->d->n == before ? 0 : -1;
}

static const struct sp_node *seen_of(const struct field *fields, const struct sp_node **seen,
				     const char *key)
{
	for (size_t i = 0; fields[i].key; i++)
		if (!strcmp(fields[i].key, key))
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
	if (p == NULL) {
		fputs("vrsctl: out of memory\n", stderr);
		abort();
	}
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
			return -1;
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

static struct m_pos pos_of(const struct sp_node *n)
{
	struct m_pos p = {NULL, 0, 0};

	if (n) {
		p.file = n->file;
		p.line = n->line;
		p.col = n->col;
	}
	return p;
}

/* ---- custom decoders ---------------------------------------------------------------- */

/* a sequence of names (lower-cased, checked); appended to *arr / *n */
static int name_list(struct dc *c, const struct sp_node *v, char ***arr, size_t *n, int check,
		     enum ref_target t, bool ref)
{
	const char *s;
	size_t old;

	if (v->type == SP_BAD)
		return -1;
	if (v->type == SP_SCALAR && sp_scalar_kind(v) == SK_NULL)
		return 0;
	if (v->type != SP_SEQ)
		return type_err(c, v, "a sequence");
	for (size_t i = 0; i < v->len; i++) {
		const struct sp_node *it = v->u.kids[i];
		old = path_push(c, NULL, (long)i);
		if (get_str(c, it, true, &s) == 0 && s) {
			char *d = xstrdup(s);
			lower(d);
			check_value(c, it, check, d);
			spec_grow((void **)arr, *n, sizeof(**arr));
			(*arr)[(*n)++] = d;
			if (ref)
				spec_add_ref(c->l, t, d, it);
		}
		path_pop(c, old);
	}
	return 0;
}

static int fn_bundle_plugins(struct dc *c, const struct sp_node *v, void *obj)
{
	struct m_bundle *b = obj;
	return name_list(c, v, &b->plugins, &b->nplugins, FC_SLUG, R_PLUGIN, true);
}

static int fn_nameservers(struct dc *c, const struct sp_node *v, void *obj)
{
	struct m_registrar *r = obj;
	return name_list(c, v, &r->nameservers, &r->nnameservers, FC_DOMAIN, R_PLUGIN, false);
}

static int fn_renewal(struct dc *c, const struct sp_node *v, void *obj)
{
	struct m_registrar *r = obj;
	int e;

	if (get_enum(c, v, &en_renewal, &e) < 0)
		return -1;
	free(r->renewal_mode);
	r->renewal_mode = xstrdup(en_renewal.v[e].name);
	return 0;
}

static const struct field price_fields[] = {
    {"project_type", FT_STR, FC_SLUG, F_REQ | F_LOWER,
     offsetof(struct m_plugin_price, project_type), 0, 0, NULL, NULL, NULL},
    {"billing_cycle", FT_ENUM, 0, 0, offsetof(struct m_plugin_price, billing_cycle), 0, 0,
     &en_cycle, NULL, NULL},
    {"price_cents", FT_INT, 0, F_REQ, offsetof(struct m_plugin_price, price_cents), 0, INT_MAX,
     NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL},
};

static int fn_prices(struct dc *c, const struct sp_node *v, void *obj)
{
	struct m_plugin *pl = obj;
	const struct sp_node *seen[MAX_FIELDS];
	size_t old;

	if (v->type == SP_BAD)
		return -1;
	if (v->type == SP_SCALAR && sp_scalar_kind(v) == SK_NULL)
		return 0;
	if (v->type != SP_SEQ)
		return type_err(c, v, "a sequence");
	for (size_t i = 0; i < v->len; i++) {
		struct m_plugin_price *pr;
		spec_grow((void **)&pl->prices, pl->nprices, sizeof(*pl->prices));
		pr = &pl->prices[pl->nprices++];
		memset(pr, 0, sizeof(*pr));
		pr->billing_cycle = BC_MONTHLY;
		pr->pos = pos_of(v->u.kids[i]);
		old = path_push(c, NULL, (long)i);
		decode_map(c, v->u.kids[i], price_fields, pr, seen);
		spec_add_ref(c->l, R_PROJECT_TYPE, pr->project_type,
			     seen_of(price_fields, seen, "project_type"));
		path_pop(c, old);
	}
	return 0;
}

/* {from_env: NAME} or {from_file: PATH}; 0 / -1 */
static int get_ref(struct dc *c, const struct sp_node *v, enum m_value_kind *kind, char **ref)
{
	const struct sp_node *k, *x;
	const char *s;
	char b[80];
	size_t old;
	int rc;

	if (v->type != SP_MAP || v->len != 2 || v->u.kids[0]->type != SP_SCALAR ||
	    (strcmp(v->u.kids[0]->u.str, "from_env") && strcmp(v->u.kids[0]->u.str, "from_file")))
		return err(c, v, "expected a reference {from_env: NAME} or {from_file: PATH}");
	k = v->u.kids[0];
	x = v->u.kids[1];
	old = path_push(c, k->u.str, 0);
	rc = get_str(c, x, true, &s);
	if (rc == 0 && k->u.str[5] == 'e') {
		if (spec_valid_env_key(s) < 0 || strchr(s, '.'))
			rc = err(c, x, "'%s' is not a valid environment variable name", show(s, b));
		*kind = VK_FROM_ENV;
	} else if (rc == 0) {
		if (*s == 0)
			rc = err(c, x, "must not be empty");
		*kind = VK_FROM_FILE;
	}
	if (rc == 0) {
		free(*ref);
		*ref = xstrdup(s);
	}
	path_pop(c, old);
	return rc;
}

static int fn_auth_code(struct dc *c, const struct sp_node *v, void *obj)
{
	struct m_domain *d = obj;

	if (v->type == SP_BAD)
		return -1;
	if (v->type == SP_SCALAR)
		return err(c, v, "secret values must be references (from_env/from_file)");
	return get_ref(c, v, &d->auth_code_kind, &d->auth_code_ref);
}

struct keyref {
	const struct sp_node *k;
	size_t i;
};

static int env_key_cmp(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int r = strcmp(x->k->u.str, y->k->u.str);

	if (r)
		return r;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* report duplicate keys of an arbitrary-key mapping; skip[i] marks pair i */
static int dup_keys(struct dc *c, const struct sp_node *v, char *skip)
{
	size_t np = v->len / 2, nk = 0, i, f;
	struct keyref *ks = calloc(np ? np : 1, sizeof(*ks));
	char b[80];

	if (ks == NULL)
		return -1;
	for (i = 0; i < np; i++)
		if (v->u.kids[2 * i]->type == SP_SCALAR)
			ks[nk++] = (struct keyref){v->u.kids[2 * i], i};
	qsort(ks, nk, sizeof(*ks), env_key_cmp);
	for (i = 1, f = 0; i < nk; i++) {
		if (strcmp(ks[i].k->u.str, ks[f].k->u.str)) {
			f = i;
			continue;
		}
		diag_add(c->l->d, ks[i].k->file, ks[i].k->line, ks[i].k->col, "duplicate key '%s'",
			 show(ks[i].k->u.str, b));
		diag_note(c->l->d, ks[f].k->file, ks[f].k->line, ks[f].k->col,
			  "first defined here");
		skip[ks[i].i] = 1;
	}
	free(ks);
	return 0;
}

static int fn_env(struct dc *c, const struct sp_node *v, void *obj)
{
	struct m_app *app = obj;
	size_t np, i, old;
	char b[80], *skip;

	if (v->type == SP_BAD)
		return -1;
	if (v->type == SP_SCALAR && sp_scalar_kind(v) == SK_NULL)
		return 0;
	if (v->type != SP_MAP)
		return type_err(c, v, "a mapping");
	np = v->len / 2;
	skip = calloc(np ? np : 1, 1);
	if (skip == NULL || dup_keys(c, v, skip) < 0) {
		free(skip);
		return -1;
	}
	for (i = 0; i < np; i++) {
		const struct sp_node *k = v->u.kids[2 * i], *x = v->u.kids[2 * i + 1];
		struct m_env *e;

		if (k->type == SP_BAD || skip[i])
			continue;
		if (k->type != SP_SCALAR) {
			err(c, k, "mapping keys must be strings, got %s", sp_type_name(k));
			continue;
		}
		if (spec_valid_env_key(k->u.str) < 0) {
			err(c, k,
			    "'%s' is not a valid environment variable name (letters, "
			    "digits, '_' and '.', not starting with a digit)",
			    show(k->u.str, b));
			continue;
		}
		if (x->type == SP_BAD)
			continue;
		old = path_push(c, k->u.str, 0);
		spec_grow((void **)&app->env, app->nenv, sizeof(*app->env));
		e = &app->env[app->nenv];
		memset(e, 0, sizeof(*e));
		e->pos = pos_of(k);
		if (x->type == SP_SEQ) {
			err(c, x,
			    "expected a string or a reference {from_env: NAME} / "
			    "{from_file: PATH}, got a sequence");
		} else if (x->type == SP_SCALAR && sp_scalar_kind(x) == SK_NULL) {
			err(c, x,
			    "expected a string or a reference {from_env: NAME} / "
			    "{from_file: PATH}, got null");
		} else if (x->type == SP_SCALAR && spec_secret_name(k->u.str)) {
			err(c, x, "secret values must be references (from_env/from_file)");
		} else if (x->type == SP_SCALAR) {
			e->key = xstrdup(k->u.str);
			e->kind = VK_LITERAL;
			e->value = xstrdup(x->u.str);
			app->nenv++;
		} else if (get_ref(c, x, &e->kind, &e->ref) == 0) {
			e->key = xstrdup(k->u.str);
			app->nenv++;
		} else {
			free(e->ref);
			e->ref = NULL;
		}
		path_pop(c, old);
	}
	free(skip);
	return 0;
}

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

/* ---- Project: app, payment, domains, server, trial ---------------------------------- */

static const struct field app_fields[] = {
    FS("image", FC_TOKEN, F_REQ, struct m_app, image),
    FI("port", 0, struct m_app, port, 1, 65535),
    FS("health_path", FC_PATH, 0, struct m_app, health_path),
    FF("env", 0, fn_env),
    FEND,
};

static int fn_app(struct dc *c, const struct sp_node *v, void *obj)
{
	struct m_project *p = obj;

	p->app.pos = pos_of(v);
	return decode_map(c, v, app_fields, &p->app, NULL);
}

static const struct field payment_fields[] = {
    FE("method", struct m_project, payment_method, en_payment),
    FB("confirmed", struct m_project, payment_confirmed),
    FS("billing_email", FC_EMAIL, 0, struct m_project, billing_email),
    FS("stripe_customer_id", FC_TOKEN, 0, struct m_project, stripe_customer_id),
    FS("stripe_subscription_id", FC_TOKEN, 0, struct m_project, stripe_subscription_id),
    FEND,
};

static int fn_payment(struct dc *c, const struct sp_node *v, void *obj)
{
	struct m_project *p = obj;
	const struct sp_node *seen[MAX_FIELDS];

	if (v->type == SP_SCALAR && sp_scalar_kind(v) == SK_NULL)
		return 0;
	if (decode_map(c, v, payment_fields, p, seen) < 0 && v->type != SP_MAP)
		return -1;
	/* Stripe methods wait for confirmation; invoice and free are confirmed */
	if (seen_of(payment_fields, seen, "confirmed") == NULL)
		p->payment_confirmed =
		    p->payment_method == PM_INVOICE || p->payment_method == PM_FREE;
	return 0;
}

static int fn_server(struct dc *c, const struct sp_node *v, void *obj)
{
	struct m_project *p = obj;
	const char *s;
	char *d;

	p->server_pos = pos_of(v);
	if (get_str(c, v, true, &s) < 0)
		return -1;
	d = xstrdup(s);
	lower(d);
	if (!strcmp(d, "auto")) {
		free(d);
		return 0;
	}
	free(p->server);
	p->server = d;
	if (check_value(c, v, FC_SLUG, d) < 0)
		return -1;
	return spec_add_ref(c->l, R_SERVER, d, v);
}

static int fn_trial(struct dc *c, const struct sp_node *v, void *obj)
{
	struct m_project *p = obj;
	struct proj_aux *a = &c->l->paux[p - c->l->w->projects];
	long long x;
	bool b;

	if (v->type == SP_SCALAR && sp_scalar_kind(v) == SK_BOOL) {
		get_bool(c, v, &b);
		a->trial_from_type = b;
		p->trial_days = 0;
		return 0;
	}
	if (v->type == SP_SCALAR && sp_scalar_kind(v) == SK_INT) {
		if (get_ll(c, v, 0, 3650, &x) < 0)
			return -1;
		p->trial_days = (int)x;
		return 0;
	}
	if (v->type == SP_BAD)
		return -1;
	return type_err(c, v, "a boolean or a number of days");
}

static const struct field domain_fields[] = {
    FS("subdomain", FC_LABELS, F_LOWER, struct m_domain, subdomain),
    FS("base", FC_DOMAIN, F_LOWER, struct m_domain, base_domain),
    FS("domain", FC_DOMAIN, F_LOWER, struct m_domain, fqdn),
    FE("type", struct m_domain, type, en_dtype),
    FB("primary", struct m_domain, primary),
    FI("max_price_cents", 0, struct m_domain, max_price_cents, 0, INT_MAX),
    FF("auth_code", 0, fn_auth_code),
    FEND,
};

static void decode_domain(struct dc *c, const struct sp_node *v, struct m_domain *d)
{
	const struct sp_node *seen[MAX_FIELDS], *t, *x;
	const char *why;
	char b[80];

	if (decode_map(c, v, domain_fields, d, seen) < 0 && v->type != SP_MAP)
		return;
	const struct sp_node *sub = seen_of(domain_fields, seen, "subdomain"),
			     *base = seen_of(domain_fields, seen, "base"),
			     *dom = seen_of(domain_fields, seen, "domain");
	t = seen_of(domain_fields, seen, "type");
	if (sub && dom) {
		err(c, dom, "give either 'subdomain' or 'domain', not both");
	} else if (!sub && !dom) {
		err(c, v, "missing required key 'domain' (or 'subdomain')");
		return;
	}
	if (sub) {
		if (t && d->type != DT_SUBDOMAIN) {
			size_t old = path_push(c, "type", 0);
			err(c, t, "must be 'subdomain' (or left out) when 'subdomain' is given");
			path_pop(c, old);
		}
		d->type = DT_SUBDOMAIN;
		if (d->fqdn) { /* both given: keep the subdomain */
			free(d->fqdn);
			d->fqdn = NULL;
		}
		if (d->subdomain && d->base_domain) {
			size_t n = strlen(d->subdomain) + strlen(d->base_domain) + 2;
			d->fqdn = malloc(n);
			if (d->fqdn == NULL)
				abort();
			snprintf(d->fqdn, n, "%s.%s", d->subdomain, d->base_domain);
			if (n - 1 > 253)
				err(c, sub,
				    "'%s' is not a valid domain name: longer than 253 characters",
				    show(d->fqdn, b));
			(void)why;
		}
		if (base)
			spec_add_ref(c->l, R_BASE_DOMAIN, d->base_domain, base);
	} else {
		if (base) {
			size_t old = path_push(c, "base", 0);
			err(c, base, "only allowed with 'subdomain'");
			path_pop(c, old);
		}
		if (!t) {
			err(c, v, "missing required key 'type' (owned, registered or transferred)");
		} else if (d->type == DT_SUBDOMAIN) {
			size_t old = path_push(c, "type", 0);
			err(c, t, "'subdomain' requires the 'subdomain' key (and 'base')");
			path_pop(c, old);
		}
	}
	if ((x = seen_of(domain_fields, seen, "max_price_cents")) && d->type != DT_REGISTERED) {
		size_t old = path_push(c, "max_price_cents", 0);
		err(c, x, "only allowed for type 'registered'");
		path_pop(c, old);
	}
	if ((x = seen_of(domain_fields, seen, "auth_code")) && d->type != DT_TRANSFERRED) {
		size_t old = path_push(c, "auth_code", 0);
		err(c, x, "only allowed for type 'transferred'");
		path_pop(c, old);
	}
	if (!x && d->type == DT_TRANSFERRED && t)
		err(c, v, "missing required key 'auth_code' (type 'transferred')");
}

static int fn_domains(struct dc *c, const struct sp_node *v, void *obj)
{
	struct m_project *p = obj;
	size_t old;

	if (v->type == SP_BAD)
		return -1;
	if (v->type == SP_SCALAR && sp_scalar_kind(v) == SK_NULL)
		return 0;
	if (v->type != SP_SEQ)
		return type_err(c, v, "a sequence");
	for (size_t i = 0; i < v->len; i++) {
		struct m_domain *d;
		spec_grow((void **)&p->domains, p->ndomains, sizeof(*p->domains));
		d = &p->domains[p->ndomains++];
		memset(d, 0, sizeof(*d));
		d->type = DT__MAX; /* "not given" until decoded */
		d->max_price_cents = -1;
		d->registration_cost_cents = -1;
		d->renewal_cost_cents = -1;
		d->pos = pos_of(v->u.kids[i]);
		old = path_push(c, NULL, (long)i);
		decode_domain(c, v->u.kids[i], d);
		if (d->type == DT__MAX)
			d->type = DT_OWNED;
		path_pop(c, old);
	}
	return 0;
}

/* ---- kinds ----------------------------------------------------------------------------- */

static const struct field hetzner_fields[] = {
    {"server_id", FT_LLONG, 0, 0, offsetof(struct m_server, hetzner_server_id), 1, LLONG_MAX, NULL,
     NULL, NULL},
    FS("server_type", FC_TOKEN, 0, struct m_server, hetzner_server_type),
    FS("location", FC_TOKEN, 0, struct m_server, hetzner_location),
    FEND,
};

static const struct field server_fields[] = {
    FK,
    FS("name", FC_SLUG, F_REQ | F_LOWER, struct m_server, name),
    FS("coolify_uuid", FC_TOKEN, F_REQ, struct m_server, coolify_uuid),
    FS("ip_address", FC_IP, F_REQ | F_LOWER, struct m_server, ip_address),
    FS("ipv6_address", FC_IPV6, F_LOWER, struct m_server, ipv6_address),
    FI("ssh_port", 0, struct m_server, ssh_port, 1, 65535),
    FI("max_projects", 0, struct m_server, max_projects, 1, 1000000),
    FB("accepting_new", struct m_server, accepting_new),
    FE("mode", struct m_server, status, en_mode),
    {"hetzner", FT_SUB, 0, 0, 0, 0, 0, NULL, hetzner_fields, NULL},
    FS("notes", FC_NONE, 0, struct m_server, notes),
    FEND,
};

static const struct field base_domain_fields[] = {
    FK,
    FS("domain", FC_DOMAIN, F_REQ | F_LOWER, struct m_base_domain, domain),
    FS("display_name", FC_NONE, 0, struct m_base_domain, display_name),
    FB("default", struct m_base_domain, is_default),
    FI("sort_order", 0, struct m_base_domain, sort_order, 0, 1000000),
    FB("wildcard_ssl", struct m_base_domain, wildcard_ssl),
    FB("active", struct m_base_domain, is_active),
    FEND,
};

static const struct field project_type_fields[] = {
    FK,
    FS("code", FC_SLUG, F_REQ | F_LOWER, struct m_project_type, code),
    FS("name", FC_NONE, F_REQ, struct m_project_type, name),
    FI("trial_days", 0, struct m_project_type, trial_days, 0, 3650),
    FEND,
};

static const struct field plugin_fields[] = {
    FK,
    FS("name", FC_SLUG, F_REQ | F_LOWER, struct m_plugin, name),
    FF("prices", 0, fn_prices),
    FEND,
};

static const struct field bundle_fields[] = {
    FK,
    FS("code", FC_SLUG, F_REQ | F_LOWER, struct m_bundle, code),
    FS("name", FC_NONE, F_REQ, struct m_bundle, name),
    FS("description", FC_NONE, 0, struct m_bundle, description),
    FS("project_type", FC_SLUG, F_REQ | F_LOWER, struct m_bundle, project_type),
    FF("plugins", 0, fn_bundle_plugins),
    FE("billing_cycle", struct m_bundle, billing_cycle, en_cycle),
    FI("discount_percent", 0, struct m_bundle, discount_percent, 0, 100),
    FB("default", struct m_bundle, is_default),
    FI("sort_order", 0, struct m_bundle, sort_order, 0, 1000000),
    FB("active", struct m_bundle, is_active),
    FEND,
};

static const struct field project_fields[] = {
    FK,
    FS("slug", FC_SLUG, F_REQ | F_LOWER, struct m_project, slug),
    FS("name", FC_NONE, F_REQ, struct m_project, name),
    FS("owner_email", FC_EMAIL, F_REQ, struct m_project, owner_email),
    FS("project_type", FC_SLUG, F_REQ | F_LOWER, struct m_project, project_type),
    FS("bundle", FC_SLUG, F_LOWER, struct m_project, bundle),
    FE("lifecycle", struct m_project, lifecycle, en_lifecycle),
    FF("server", 0, fn_server),
    FB("superadmin", struct m_project, superadmin),
    FF("payment", 0, fn_payment),
    FF("trial", 0, fn_trial),
    FI("trial_days", 0, struct m_project, trial_days, 0, 3650),
    FB("demo", struct m_project, demo),
    FS("cloned_from", FC_SLUG, F_LOWER, struct m_project, cloned_from),
    FB("preview_protection", struct m_project, preview_protection),
    FF("app", F_REQ, fn_app),
    FF("domains", 0, fn_domains),
    FEND,
};

static const struct field contacts_fields[] = {
    FS("registrant", FC_TOKEN, F_REQ, struct m_registrar, registrant),
    FS("admin", FC_TOKEN, F_REQ, struct m_registrar, admin),
    FS("tech", FC_TOKEN, F_REQ, struct m_registrar, tech),
    FS("billing", FC_TOKEN, F_REQ, struct m_registrar, billing),
    FEND,
};

static const struct field registrar_fields[] = {
    FK,
    {"contacts", FT_SUB, 0, F_REQ, 0, 0, 0, NULL, contacts_fields, NULL},
    FF("nameservers", 0, fn_nameservers),
    FI("period", 0, struct m_registrar, period_years, 1, 10),
    FF("renewal_mode", 0, fn_renewal),
    FEND,
};

static void add_server(struct dc *c, const struct sp_node *root)
{
	struct m_world *w = c->l->w;
	struct m_server *s;

	spec_grow((void **)&w->servers, w->nservers, sizeof(*w->servers));
	s = &w->servers[w->nservers++];
	memset(s, 0, sizeof(*s));
	s->ssh_port = 22;
	s->max_projects = 20;
	s->accepting_new = true;
	s->status = SS_ACTIVE;
	s->pos = pos_of(root);
	decode_map(c, root, server_fields, s, NULL);
}

static void add_base_domain(struct dc *c, const struct sp_node *root)
{
	struct m_world *w = c->l->w;
	struct m_base_domain *b;

	spec_grow((void **)&w->base_domains, w->nbase_domains, sizeof(*w->base_domains));
	b = &w->base_domains[w->nbase_domains++];
	memset(b, 0, sizeof(*b));
	b->is_active = true;
	b->pos = pos_of(root);
	decode_map(c, root, base_domain_fields, b, NULL);
}

static void add_project_type(struct dc *c, const struct sp_node *root)
{
	struct m_world *w = c->l->w;
	struct m_project_type *t;

	spec_grow((void **)&w->project_types, w->nproject_types, sizeof(*w->project_types));
	t = &w->project_types[w->nproject_types++];
	memset(t, 0, sizeof(*t));
	t->pos = pos_of(root);
	decode_map(c, root, project_type_fields, t, NULL);
}

static void add_plugin(struct dc *c, const struct sp_node *root)
{
	struct m_world *w = c->l->w;
	struct m_plugin *p;

	spec_grow((void **)&w->plugins, w->nplugins, sizeof(*w->plugins));
	p = &w->plugins[w->nplugins++];
	memset(p, 0, sizeof(*p));
	p->pos = pos_of(root);
	decode_map(c, root, plugin_fields, p, NULL);
}

static void add_bundle(struct dc *c, const struct sp_node *root)
{
	struct m_world *w = c->l->w;
	const struct sp_node *seen[MAX_FIELDS];
	struct m_bundle *b;

	spec_grow((void **)&w->bundles, w->nbundles, sizeof(*w->bundles));
	b = &w->bundles[w->nbundles++];
	memset(b, 0, sizeof(*b));
	b->billing_cycle = BC_MONTHLY;
	b->is_active = true;
	b->pos = pos_of(root);
	decode_map(c, root, bundle_fields, b, seen);
	spec_add_ref(c->l, R_PROJECT_TYPE, b->project_type,
		     seen_of(bundle_fields, seen, "project_type"));
}

static void add_project(struct dc *c, const struct sp_node *root)
{
	struct spec_loader *l = c->l;
	struct m_world *w = l->w;
	const struct sp_node *seen[MAX_FIELDS], *t1, *t2;
	struct m_project *p;
	struct proj_aux *a;

	spec_grow((void **)&w->projects, w->nprojects, sizeof(*w->projects));
	if (l->apaux <= w->nprojects) {
		size_t na = l->apaux ? l->apaux * 2 : 16;
		a = realloc(l->paux, na * sizeof(*a));
		if (a == NULL)
			abort();
		l->paux = a;
		l->apaux = na;
	}
	a = &l->paux[w->nprojects];
	memset(a, 0, sizeof(*a));
	p = &w->projects[w->nprojects++];
	memset(p, 0, sizeof(*p));
	p->lifecycle = LC_ACTIVE;
	p->payment_method = PM_INVOICE;
	p->payment_confirmed = true;
	p->app.port = 8000;
	p->pos = pos_of(root);
	decode_map(c, root, project_fields, p, seen);
	if (p->app.health_path == NULL)
		p->app.health_path = xstrdup("/health");
	t1 = seen_of(project_fields, seen, "trial");
	t2 = seen_of(project_fields, seen, "trial_days");
	if (t1 && t2) {
		size_t old = path_push(c, "trial_days", 0);
		err(c, t2, "give either 'trial' or 'trial_days', not both");
		path_pop(c, old);
	}
	a->bundle_pos = pos_of(seen_of(project_fields, seen, "bundle"));
	a->cloned_pos = pos_of(seen_of(project_fields, seen, "cloned_from"));
	spec_add_ref(l, R_PROJECT_TYPE, p->project_type,
		     seen_of(project_fields, seen, "project_type"));
	spec_add_ref(l, R_BUNDLE, p->bundle, seen_of(project_fields, seen, "bundle"));
	spec_add_ref(l, R_PROJECT, p->cloned_from, seen_of(project_fields, seen, "cloned_from"));
}

static void add_registrar(struct dc *c, const struct sp_node *root)
{
	struct m_registrar *r = &c->l->w->registrar;

	if (r->present) {
		diag_add(c->l->d, root->file, root->line, root->col, "more than one Registrar");
		diag_note(c->l->d, r->pos.file, r->pos.line, r->pos.col, "first defined here");
		return;
	}
	r->present = true;
	r->period_years = 1;
	r->pos = pos_of(root);
	decode_map(c, root, registrar_fields, r, NULL);
	if (r->renewal_mode == NULL)
		r->renewal_mode = xstrdup("AUTORENEW");
}

static const struct kind {
	const char *name;
	void (*add)(struct dc *c, const struct sp_node *root);
} kinds[] = {
    {"Server", add_server},
    {"BaseDomain", add_base_domain},
    {"ProjectType", add_project_type},
    {"Plugin", add_plugin},
    {"Bundle", add_bundle},
    {"Project", add_project},
    {"Registrar", add_registrar},
};

#define KIND_LIST "Server, BaseDomain, ProjectType, Plugin, Bundle, Project, Registrar"

int spec_decode_doc(struct spec_loader *l, const struct sp_node *root)
{
	struct dc c;
	const struct sp_node *kv = NULL;
	char b[80];
	size_t i, best = (size_t)-1, bi = 0, d;

	memset(&c, 0, sizeof(c));
	c.l = l;
	if (l->d->n - l->file_diag_start > 1000) {
		diag_add(l->d, root->file, root->line, root->col,
			 "too many errors; skipping the rest of this file");
		return 1;
	}
	if (root->type == SP_BAD)
		return 0;
	if (root->type == SP_SCALAR && sp_scalar_kind(root) == SK_NULL)
		return 0; /* an empty document */
	if (root->type != SP_MAP) {
		diag_add(l->d, root->file, root->line, root->col,
			 "a document must be a mapping with 'kind:', got %s", sp_type_name(root));
		return 0;
	}
	for (i = 0; i + 1 < root->len; i += 2) {
		const struct sp_node *k = root->u.kids[i];
		if (k->type == SP_SCALAR && !strcmp(k->u.str, "kind")) {
			kv = root->u.kids[i + 1];
			break;
		}
	}
	if (kv == NULL) {
		diag_add(l->d, root->file, root->line, root->col,
			 "missing required key 'kind' (one of: " KIND_LIST ")");
		return 0;
	}
	if (kv->type == SP_BAD)
		return 0;
	if (kv->type != SP_SCALAR || sp_scalar_kind(kv) != SK_STR) {
		diag_add(l->d, kv->file, kv->line, kv->col, "kind: expected a string, got %s",
			 sp_type_name(kv));
		return 0;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!strcmp(kinds[i].name, kv->u.str)) {
			c.kind = kinds[i].name;
			kinds[i].add(&c, root);
			return 0;
		}
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!strcasecmp(kinds[i].name, kv->u.str))
			d = 0;
		else
			d = spec_edit_distance(kinds[i].name, kv->u.str);
		if (d < best) {
			best = d;
			bi = i;
		}
	}
	if (best <= 2)
		diag_add(l->d, kv->file, kv->line, kv->col,
			 "unknown kind '%s' (did you mean '%s'?)", show(kv->u.str, b),
			 kinds[bi].name);
	else
		diag_add(l->d, kv->file, kv->line, kv->col,
			 "unknown kind '%s' (expected one of: %s)", show(kv->u.str, b), KIND_LIST);
	return 0;
}
