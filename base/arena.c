/*
 * base/arena.c: bump allocator for cycle-lifetime memory.  Blocks are
 * chained newest first; reset frees all but the oldest block, which is kept
 * for reuse so a steady workload allocates nothing.
 */
#include <stdio.h>
#include <string.h>

#include "base/base.h"

struct tr_arena_block {
	struct tr_arena_block *next; /* older block */
	size_t size;                 /* usable bytes in data[] */
	size_t used;
	_Alignas(16) uint8_t data[];
};

void tr_arena_init(struct tr_arena *a, size_t block_size)
{
	a->head = NULL;
	a->block_size = block_size == 0 ? 8192 : block_size;
}

void tr_arena_close(struct tr_arena *a)
{
	struct tr_arena_block *b = a->head;
	while (b != NULL) {
		struct tr_arena_block *next = b->next;
		tr_free(b);
		b = next;
	}
	a->head = NULL;
}

void tr_arena_reset(struct tr_arena *a)
{
	struct tr_arena_block *b = a->head;
	if (b == NULL) {
		return;
	}
	while (b->next != NULL) {
		struct tr_arena_block *next = b->next;
		tr_free(b);
		b = next;
	}
	b->used = 0;
	a->head = b;
}

void *tr_arena_alloc(struct tr_arena *a, size_t n)
{
	size_t need = (n + 15) & ~(size_t)15;
	if (need < n) {
		return NULL;
	}
	struct tr_arena_block *b = a->head;
	if (b == NULL || b->size - b->used < need) {
		size_t size = need > a->block_size ? need : a->block_size;
		if (size > SIZE_MAX - sizeof *b) {
			return NULL;
		}
		b = tr_malloc(sizeof *b + size);
		if (b == NULL) {
			return NULL;
		}
		b->size = size;
		b->used = 0;
		/* A block bigger than the default goes behind the head, so
		 * the head keeps its free space for small requests. */
		if (a->head != NULL && size > a->block_size) {
			b->next = a->head->next;
			a->head->next = b;
			b->used = need;
			return b->data;
		}
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += need;
	return p;
}

char *tr_arena_strndup(struct tr_arena *a, const char *s, size_t n)
{
	char *d = tr_arena_alloc(a, n + 1);
	if (d == NULL) {
		return NULL;
	}
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *tr_arena_strdup(struct tr_arena *a, const char *s)
{
	return tr_arena_strndup(a, s, strlen(s));
}

char *tr_arena_printf(struct tr_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		return NULL;
	}
	char *d = tr_arena_alloc(a, (size_t)n + 1);
	if (d == NULL) {
		return NULL;
	}
	va_start(ap, fmt);
	vsnprintf(d, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return d;
}
