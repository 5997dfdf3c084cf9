/* diag.c — collected spec diagnostics (see diag.h). */
#include "util/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(struct diag_list *l)
{
	l->v = NULL;
	l->n = l->alloc = 0;
}

void diag_release(struct diag_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].file);
		free(l->v[i].msg);
		free(l->v[i].note_file);
		free(l->v[i].note);
	}
	free(l->v);
	diag_init(l);
}

static char *vfmt(const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	char *s;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (s)
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

int diag_add(struct diag_list *l, const char *file, int line, int col, const char *fmt, ...)
{
	va_list ap;
	struct diag *d;

	if (l->n == l->alloc) {
		size_t n = l->alloc ? l->alloc * 2 : 16;
		struct diag *v = realloc(l->v, n * sizeof(*v));
		if (v == NULL)
			return -1;
		l->v = v;
		l->alloc = n;
	}
	d = &l->v[l->n];
	memset(d, 0, sizeof(*d));
	d->file = file ? strdup(file) : NULL;
	d->line = line;
	d->col = col;
	va_start(ap, fmt);
	d->msg = vfmt(fmt, ap);
	va_end(ap);
	if (d->msg == NULL) {
		free(d->file);
		return -1;
	}
	l->n++;
	return -1;
}

int diag_move(struct diag_list *dst, struct diag_list *src, size_t from, size_t to)
{
	size_t k = to - from;

	if (from >= to)
		return 0;
	if (dst->n + k > dst->alloc) {
		size_t n = dst->alloc ? dst->alloc : 16;
		struct diag *v;
		while (n < dst->n + k)
			n *= 2;
		v = realloc(dst->v, n * sizeof(*v));
		if (v == NULL)
			return -1;
		dst->v = v;
		dst->alloc = n;
	}
	memcpy(dst->v + dst->n, src->v + from, k * sizeof(*src->v));
	memset(src->v + from, 0, k * sizeof(*src->v));
	dst->n += k;
	return 0;
}

void diag_note(struct diag_list *l, const char *file, int line, int col, const char *fmt, ...)
{
	va_list ap;
	struct diag *d;

	if (l->n == 0)
		return;
	d = &l->v[l->n - 1];
	free(d->note_file);
	free(d->note);
	d->note_file = file ? strdup(file) : NULL;
	d->note_line = line;
	d->note_col = col;
	va_start(ap, fmt);
	d->note = vfmt(fmt, ap);
	va_end(ap);
}

static int diag_cmp(const void *a, const void *b)
{
	const struct diag *x = a, *y = b;
	int c;

	if (x->file == NULL || y->file == NULL) {
		if (x->file != y->file)
			return x->file == NULL ? -1 : 1;
	} else if ((c = strcmp(x->file, y->file)) != 0) {
		return c;
	}
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return strcmp(x->msg, y->msg);
}

void diag_sort(struct diag_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), diag_cmp);
}

void diag_print(const struct diag_list *l, FILE *out)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct diag *d = &l->v[i];
		if (d->file)
			fprintf(out, "%s:%d:%d: error: %s\n", d->file, d->line, d->col, d->msg);
		else
			fprintf(out, "vrsctl: error: %s\n", d->msg);
		if (d->note) {
			if (d->note_file)
				fprintf(out, "%s:%d:%d: note: %s\n", d->note_file, d->note_line,
					d->note_col, d->note);
			else
				fprintf(out, "vrsctl: note: %s\n", d->note);
		}
	}
}
