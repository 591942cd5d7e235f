/*
 * base/alloc.c: the one allocator entry point, with fault injection for
 * tests (fail after N successes, for M calls).
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static int fault_delay = -1; /* successes left before failing; -1 = off */
static int fault_repeat;     /* failures left; < 0 = forever */

static bool should_fail(void)
{
	if (fault_delay < 0) {
		return false;
	}
	if (fault_delay > 0) {
		fault_delay--;
		return false;
	}
	if (fault_repeat == 0) {
		return false;
	}
	if (fault_repeat > 0) {
		fault_repeat--;
	}
	return true;
}

void tr_alloc_fault(int delay, int repeat)
{
	fault_delay = delay;
	fault_repeat = repeat;
}

void *tr_malloc(size_t size)
{
	if (should_fail()) {
		return NULL;
	}
	return malloc(size == 0 ? 1 : size);
}

void *tr_calloc(size_t n, size_t size)
{
	if (should_fail()) {
		return NULL;
	}
	if (n == 0 || size == 0) {
		return calloc(1, 1);
	}
	return calloc(n, size);
}

void *tr_realloc(void *p, size_t size)
{
	if (should_fail()) {
		return NULL;
	}
	return realloc(p, size == 0 ? 1 : size);
}

void tr_free(void *p)
{
	free(p);
}

char *tr_strndup(const char *s, size_t len)
{
	char *d = tr_malloc(len + 1);
	if (d == NULL) {
		return NULL;
	}
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *tr_strdup(const char *s)
{
	return tr_strndup(s, strlen(s));
}
