/*
 * file.h — writing a file so that readers never see half of it.
 */
#ifndef VRS_FILE_H
#define VRS_FILE_H

#include <stddef.h>

#include "util/err.h"

/* write data to PATH.tmp.PID, then rename it over path; 0 or -1 with err */
int file_write_atomic(const char *path, const void *data, size_t len, struct vrs_err *err);

/* the same, created 0600 whatever the umask (plan files: they hold the state's data) */
int file_write_private(const char *path, const void *data, size_t len, struct vrs_err *err);

#endif
