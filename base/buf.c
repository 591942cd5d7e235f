/*
 * base/buf.c: growable byte buffer with a sticky error, and the bounded
 * cursor that reads untrusted bytes.
 */
#include <stdio.h>
#include <string.h>

#include "base/base.h"

void tr_buf_init(struct tr_buf *b, size_t limit)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->limit = limit == 0 ? SIZE_MAX : limit;
	b->err = TR_OK;
}

void tr_buf_close(struct tr_buf *b)
{
	tr_free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void tr_buf_reset(struct tr_buf *b)
{
	b->len = 0;
	b->err = TR_OK;
}

bool tr_buf_reserve(struct tr_buf *b, size_t n)
{
	if (b->err != TR_OK) {
		return false;
	}
	if (n > b->limit || b->len > b->limit - n) {
		b->err = TR_ETOOBIG;
		return false;
	}
	if (b->len + n <= b->cap) {
		return true;
	}
	size_t cap = b->cap < 256 ? 256 : b->cap;
	while (cap < b->len + n) {
		cap = cap > SIZE_MAX / 2 ? b->len + n : cap * 2;
	}
	/* One spare byte so tr_buf_cstr() can always terminate. */
	uint8_t *p = tr_realloc(b->data, cap + 1);
	if (p == NULL) {
		b->err = TR_ENOMEM;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

uint8_t *tr_buf_extend(struct tr_buf *b, size_t n)
{
	if (!tr_buf_reserve(b, n)) {
		return NULL;
	}
	uint8_t *p = b->data + b->len;
	b->len += n;
	return p;
}

void tr_buf_consume(struct tr_buf *b, size_t n)
{
	TR_PRE(n <= b->len);
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

void tr_buf_put(struct tr_buf *b, const void *p, size_t n)
{
	if (n == 0) {
		return;
	}
	uint8_t *d = tr_buf_extend(b, n);
	if (d != NULL) {
		memcpy(d, p, n);
	}
}

void tr_buf_put_u8(struct tr_buf *b, uint8_t v)
{
	tr_buf_put(b, &v, 1);
}

void tr_buf_put_be16(struct tr_buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	tr_buf_put(b, x, 2);
}

void tr_buf_put_be32(struct tr_buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };
	tr_buf_put(b, x, 4);
}

void tr_buf_put_be64(struct tr_buf *b, uint64_t v)
{
	tr_buf_put_be32(b, (uint32_t)(v >> 32));
	tr_buf_put_be32(b, (uint32_t)v);
}

void tr_buf_put_le32(struct tr_buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };
	tr_buf_put(b, x, 4);
}

void tr_buf_put_le64(struct tr_buf *b, uint64_t v)
{
	tr_buf_put_le32(b, (uint32_t)v);
	tr_buf_put_le32(b, (uint32_t)(v >> 32));
}

void tr_buf_put_cstr(struct tr_buf *b, const char *s)
{
	tr_buf_put(b, s, strlen(s) + 1);
}

void tr_buf_put_str(struct tr_buf *b, const char *s)
{
	tr_buf_put(b, s, strlen(s));
}

void tr_buf_vprintf(struct tr_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		if (b->err == TR_OK) {
			b->err = TR_EINVAL;
		}
		return;
	}
	if (!tr_buf_reserve(b, (size_t)n + 1)) {
		return;
	}
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void tr_buf_printf(struct tr_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tr_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void tr_buf_set_be32(struct tr_buf *b, size_t off, uint32_t v)
{
	if (b->err != TR_OK) {
		return;
	}
	TR_PRE(off + 4 <= b->len);
	b->data[off] = (uint8_t)(v >> 24);
	b->data[off + 1] = (uint8_t)(v >> 16);
	b->data[off + 2] = (uint8_t)(v >> 8);
	b->data[off + 3] = (uint8_t)v;
}

void tr_buf_set_le32(struct tr_buf *b, size_t off, uint32_t v)
{
	if (b->err != TR_OK) {
		return;
	}
	TR_PRE(off + 4 <= b->len);
	b->data[off] = (uint8_t)v;
	b->data[off + 1] = (uint8_t)(v >> 8);
	b->data[off + 2] = (uint8_t)(v >> 16);
	b->data[off + 3] = (uint8_t)(v >> 24);
}

const char *tr_buf_cstr(struct tr_buf *b)
{
	if (b->err != TR_OK || b->data == NULL) {
		return "";
	}
	b->data[b->len] = '\0'; /* the spare byte kept by reserve */
	return (const char *)b->data;
}

int tr_cursor_get_bytes(struct tr_cursor *c, size_t n, const uint8_t **out)
{
	if (n > c->left) {
		return TR_EPROTO;
	}
	*out = c->p;
	c->p += n;
	c->left -= n;
	return TR_OK;
}

int tr_cursor_skip(struct tr_cursor *c, size_t n)
{
	const uint8_t *p;
	return tr_cursor_get_bytes(c, n, &p);
}

int tr_cursor_get_u8(struct tr_cursor *c, uint8_t *v)
{
	const uint8_t *p;
	if (tr_cursor_get_bytes(c, 1, &p) != TR_OK) {
		return TR_EPROTO;
	}
	*v = p[0];
	return TR_OK;
}

int tr_cursor_get_be16(struct tr_cursor *c, uint16_t *v)
{
	const uint8_t *p;
	if (tr_cursor_get_bytes(c, 2, &p) != TR_OK) {
		return TR_EPROTO;
	}
	*v = (uint16_t)(p[0] << 8 | p[1]);
	return TR_OK;
}

int tr_cursor_get_be32(struct tr_cursor *c, uint32_t *v)
{
	const uint8_t *p;
	if (tr_cursor_get_bytes(c, 4, &p) != TR_OK) {
		return TR_EPROTO;
	}
	*v = tr_load_be32(p);
	return TR_OK;
}

int tr_cursor_get_le32(struct tr_cursor *c, uint32_t *v)
{
	const uint8_t *p;
	if (tr_cursor_get_bytes(c, 4, &p) != TR_OK) {
		return TR_EPROTO;
	}
	*v = tr_load_le32(p);
	return TR_OK;
}

int tr_cursor_get_le64(struct tr_cursor *c, uint64_t *v)
{
	const uint8_t *p;
	if (tr_cursor_get_bytes(c, 8, &p) != TR_OK) {
		return TR_EPROTO;
	}
	*v = tr_load_le64(p);
	return TR_OK;
}

int tr_cursor_get_cstr(struct tr_cursor *c, const char **out)
{
	const uint8_t *nul = memchr(c->p, 0, c->left);
	if (nul == NULL) {
		return TR_EPROTO;
	}
	*out = (const char *)c->p;
	size_t n = (size_t)(nul - c->p) + 1;
	c->p += n;
	c->left -= n;
	return TR_OK;
}

int tr_cursor_expect_end(const struct tr_cursor *c)
{
	return c->left == 0 ? TR_OK : TR_EPROTO;
}
