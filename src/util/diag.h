/*
 * diag.h — a collected list of diagnostics about the specs.
 *
 * Validation does not stop at the first problem: it appends every error
 * here with its position, optionally followed by a note ("first defined
 * here"). cmd/ sorts and prints the list as FILE:LINE:COL: error: MESSAGE.
 */
#ifndef VRS_DIAG_H
#define VRS_DIAG_H

#include <stddef.h>
#include <stdio.h>

struct diag {
	char *file; /* owned copy; NULL when there is no position */
	int line, col;
	char *msg;
	/* optional note attached to this error */
	char *note_file;
	int note_line, note_col;
	char *note;
};

struct diag_list {
	struct diag *v;
	size_t n, alloc;
};

void diag_init(struct diag_list *l);
void diag_release(struct diag_list *l);
/* add an error; returns -1 so validators can `return diag_add(...)` */
int diag_add(struct diag_list *l, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* attach a note to the last error added */
void diag_note(struct diag_list *l, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/*
 * move src's entries [from, to) to the end of dst, in order (src keeps empty
 * slots: diag_release frees the rest); -1 when out of memory, nothing moved
 */
int diag_move(struct diag_list *dst, struct diag_list *src, size_t from, size_t to);
/* sort by file, line, col, message (stable for equal keys) */
void diag_sort(struct diag_list *l);
/* print "FILE:LINE:COL: error: MSG" (+ "FILE:LINE:COL: note: NOTE") lines */
void diag_print(const struct diag_list *l, FILE *out);

#endif
