/*
 * server/admin_msg.c: the messages of triode's admin RPC on the cluster
 * port (join, heartbeat).
 *
 * The cluster port carries them as opaque bytes; this is their schema: a
 * flat list of named fields, each value arbitrary bytes (PEM text,
 * addresses, decimal numbers).
 *
 *   message := u16 n_fields, field*
 *   field   := u16 key_len, key bytes, u32 value_len, value bytes
 *
 * All integers big-endian.  Decoding never trusts a length: counts and
 * sizes are capped (ADMIN_MAX_FIELDS, ADMIN_MAX_KEY, ADMIN_MAX_VALUE) and
 * checked against the bytes present, and the whole message must be used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_int.h"

void server_admin_msg_init(struct server_admin_msg *m)
{
	m->n_fields = 0;
}

int server_admin_msg_add(struct server_admin_msg *m, const char *key,
			 const void *value, size_t len)
{
	if (m->n_fields == ADMIN_MAX_FIELDS || strlen(key) > ADMIN_MAX_KEY ||
	    len > ADMIN_MAX_VALUE) {
		return TR_ETOOBIG;
	}
	struct server_admin_field *f = &m->fields[m->n_fields++];
	f->key = key;
	f->value = value;
	f->len = len;
	return TR_OK;
}

int server_admin_msg_add_str(struct server_admin_msg *m, const char *key,
			     const char *value)
{
	return server_admin_msg_add(m, key, value, strlen(value));
}

void server_admin_msg_encode(const struct server_admin_msg *m,
			     struct tr_buf *out)
{
	tr_buf_put_be16(out, (uint16_t)m->n_fields);
	for (unsigned i = 0; i < m->n_fields; i++) {
		const struct server_admin_field *f = &m->fields[i];
		size_t klen = strlen(f->key);
		tr_buf_put_be16(out, (uint16_t)klen);
		tr_buf_put(out, f->key, klen);
		tr_buf_put_be32(out, (uint32_t)f->len);
		tr_buf_put(out, f->value, f->len);
	}
}

int server_admin_msg_decode(struct server_admin_msg *m, const uint8_t *p,
			    size_t len)
{
	struct tr_cursor c;
	uint16_t n;
	tr_cursor_init(&c, p, len);
	m->n_fields = 0;
	if (tr_cursor_get_be16(&c, &n) != TR_OK || n > ADMIN_MAX_FIELDS) {
		return TR_EPROTO;
	}
	for (unsigned i = 0; i < n; i++) {
		struct server_admin_field *f = &m->fields[i];
		uint16_t klen;
		uint32_t vlen;
		const uint8_t *k;
		const uint8_t *v;
		if (tr_cursor_get_be16(&c, &klen) != TR_OK || klen == 0 ||
		    klen > ADMIN_MAX_KEY ||
		    tr_cursor_get_bytes(&c, klen, &k) != TR_OK ||
		    tr_cursor_get_be32(&c, &vlen) != TR_OK ||
		    vlen > ADMIN_MAX_VALUE ||
		    tr_cursor_get_bytes(&c, vlen, &v) != TR_OK) {
			return TR_EPROTO;
		}
		/* Keys are copied so they can be compared as strings. */
		memcpy(m->keybuf[i], k, klen);
		m->keybuf[i][klen] = '\0';
		if (strlen(m->keybuf[i]) != klen) {
			return TR_EPROTO; /* a NUL inside a key */
		}
		f->key = m->keybuf[i];
		f->value = v;
		f->len = vlen;
	}
	m->n_fields = n;
	return tr_cursor_expect_end(&c);
}

const struct server_admin_field *server_admin_msg_get(
	const struct server_admin_msg *m, const char *key)
{
	for (unsigned i = 0; i < m->n_fields; i++) {
		if (strcmp(m->fields[i].key, key) == 0) {
			return &m->fields[i];
		}
	}
	return NULL;
}

int server_admin_msg_get_str(const struct server_admin_msg *m, const char *key,
			     char *out, size_t cap)
{
	const struct server_admin_field *f = server_admin_msg_get(m, key);
	if (f == NULL) {
		return TR_ENOTFOUND;
	}
	if (f->len + 1 > cap || memchr(f->value, '\0', f->len) != NULL) {
		return TR_EPROTO;
	}
	memcpy(out, f->value, f->len);
	out[f->len] = '\0';
	return TR_OK;
}

int server_admin_msg_get_u64(const struct server_admin_msg *m, const char *key,
			     uint64_t *out)
{
	char text[24];
	char *end;
	int rv = server_admin_msg_get_str(m, key, text, sizeof text);
	if (rv != TR_OK) {
		return rv;
	}
	if (text[0] < '0' || text[0] > '9') {
		return TR_EPROTO;
	}
	unsigned long long v = strtoull(text, &end, 10);
	if (*end != '\0') {
		return TR_EPROTO;
	}
	*out = v;
	return TR_OK;
}
