/*
 * base/err.c: return-code names, error-message helpers and assertions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static const char *const error_text[] = {
#define TR__TEXT(name, text) text,
	TR_ERRORS(TR__TEXT)
#undef TR__TEXT
};

const char *tr_strerror(int rc)
{
	if (rc < 0 || rc >= TR__N_ERRORS) {
		return "unknown error";
	}
	return error_text[rc];
}

void tr_errmsg_printf(char *errmsg, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(errmsg, TR_ERRMSG_SIZE, fmt, ap);
	va_end(ap);
}

void tr_errmsg_wrapf(char *errmsg, const char *fmt, ...)
{
	char old[TR_ERRMSG_SIZE];
	va_list ap;

	memcpy(old, errmsg, TR_ERRMSG_SIZE);
	old[TR_ERRMSG_SIZE - 1] = '\0';
	va_start(ap, fmt);
	int n = vsnprintf(errmsg, TR_ERRMSG_SIZE, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= TR_ERRMSG_SIZE - 2) {
		return; /* the context alone fills the buffer */
	}
	size_t used = (size_t)n;
	size_t left = TR_ERRMSG_SIZE - used;
	memcpy(errmsg + used, ": ", 2);
	size_t len = strlen(old);
	if (len > left - 3) {
		len = left - 3;
	}
	memcpy(errmsg + used + 2, old, len);
	errmsg[used + 2 + len] = '\0';
}

void tr__assert(bool ok, const char *expr, const char *file, int line)
{
	if (ok) {
		return;
	}
	fprintf(stderr, "assertion failed: %s (%s:%d)\n", expr, file, line);
	abort();
}

bool tr__never(bool bad, const char *expr, const char *file, int line)
{
	if (bad) {
		tr_error("base", "impossible case: %s (%s:%d)", expr, file,
			 line);
	}
	return bad;
}
