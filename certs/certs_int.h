/*
 * certs/certs_int.h: declarations shared by the files of certs/ and its
 * unit tests; nobody else includes this.
 */
#ifndef CERTS_CERTS_INT_H
#define CERTS_CERTS_INT_H

#include <stddef.h>

#include "certs/certs.h"

/* Longest path we build for a file in a certs directory, NUL included. */
#define CERTS_PATH_MAX 4096

/*
 * Write "@dir/@name" into @out (@cap bytes).  TR_EINVAL, with @errmsg set,
 * when it does not fit.
 */
TR_MUSTCHECK int certs__path(char *out, size_t cap, const char *dir,
			     const char *name, char *errmsg);

#endif /* CERTS_CERTS_INT_H */
