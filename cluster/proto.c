/*
 * cluster/proto.c: dqlite 1.11 message and tuple codecs (8-byte
 * little-endian words).  The wire formats are drawn in cluster_int.h and
 * described in ../shared/dqlite-protocol.md §2.
 *
 * INTERFACE ROUTINES
 *   cluster__<schema>_sizeof/_encode/_decode   fixed request/response bodies
 *   cluster__msg_begin / cluster__msg_end      framing of outgoing messages
 *   cluster__frame_next                        framing of incoming messages
 *   cluster__params_*                          parameter tuples
 *   cluster__value_decode                      one value of a row or tuple
 *   cluster__rows_*                            ROWS bodies, row by row
 *   cluster__failure_decode                    FAILURE, malformed one too
 *   cluster__servers_* / cluster__files_*      SERVERS and FILES bodies
 *
 * Every read goes through a tr_cursor, so nothing is read past the bytes
 * we were given; every count from the wire is checked against the bytes
 * left before anybody allocates for it.
 */
#define _POSIX_C_SOURCE 200809L /* uv.h needs the POSIX types */

#include <string.h>

#include "cluster/cluster_int.h"

static size_t pad8(size_t n)
{
	return (CLUSTER__WORD - n % CLUSTER__WORD) % CLUSTER__WORD;
}

static const uint8_t zeros[CLUSTER__WORD];

/* ---------------------------------------------------------------------
 * Names
 * ------------------------------------------------------------------- */

const char *cluster__request_name(unsigned type)
{
	switch (type) {
#define CASE(name, code, resp) \
	case code:             \
		return #name;
		CLUSTER__REQUESTS(CASE)
#undef CASE
	default:
		return "?";
	}
}

const char *cluster__response_name(unsigned type)
{
	switch (type) {
#define CASE(name, code) \
	case code:       \
		return #name;
		CLUSTER__RESPONSES(CASE)
#undef CASE
	default:
		return "?";
	}
}

int cluster__request_expects(unsigned type)
{
	switch (type) {
#define CASE(name, code, resp) \
	case code:             \
		return CLUSTER__RESP_##resp;
		CLUSTER__REQUESTS(CASE)
#undef CASE
	default:
		return -1;
	}
}

/* ---------------------------------------------------------------------
 * Primitive fields
 * ------------------------------------------------------------------- */

size_t cluster__text_sizeof(size_t len)
{
	return len + 1 + pad8(len + 1);
}

static size_t sizeof_U64(uint64_t v)
{
	TR_UNUSED(v);
	return 8;
}

static size_t sizeof_U32(uint32_t v)
{
	TR_UNUSED(v);
	return 4;
}

static size_t sizeof_TEXT(const char *s)
{
	return cluster__text_sizeof(strlen(s));
}

static void put_U64(struct tr_buf *b, uint64_t v)
{
	tr_buf_put_le64(b, v);
}

static void put_U32(struct tr_buf *b, uint32_t v)
{
	tr_buf_put_le32(b, v);
}

static void put_text_n(struct tr_buf *b, const char *s, size_t len)
{
	tr_buf_put(b, s, len);
	tr_buf_put(b, zeros, 1 + pad8(len + 1));
}

static void put_TEXT(struct tr_buf *b, const char *s)
{
	put_text_n(b, s, strlen(s));
}

static void put_blob(struct tr_buf *b, const uint8_t *p, size_t len)
{
	tr_buf_put_le64(b, (uint64_t)len);
	tr_buf_put(b, p, len);
	tr_buf_put(b, zeros, pad8(len));
}

static int get_U64(struct tr_cursor *c, uint64_t *v)
{
	return tr_cursor_get_le64(c, v);
}

static int get_U32(struct tr_cursor *c, uint32_t *v)
{
	return tr_cursor_get_le32(c, v);
}

/* Text: the NUL must be inside the bytes, and so must the padding. */
static int get_text(struct tr_cursor *c, const char **s, size_t *len)
{
	struct tr_cursor save = *c;
	const char *p;
	if (tr_cursor_get_cstr(c, &p) != TR_OK) {
		return TR_EPROTO;
	}
	size_t n = strlen(p);
	if (tr_cursor_skip(c, pad8(n + 1)) != TR_OK) {
		*c = save;
		return TR_EPROTO;
	}
	*s = p;
	if (len != NULL) {
		*len = n;
	}
	return TR_OK;
}

static int get_TEXT(struct tr_cursor *c, const char **s)
{
	return get_text(c, s, NULL);
}

/* Blob: the length is compared with what is left before it is used. */
static int get_blob(struct tr_cursor *c, const uint8_t **p, size_t *len)
{
	struct tr_cursor save = *c;
	uint64_t n;
	if (tr_cursor_get_le64(c, &n) != TR_OK) {
		return TR_EPROTO;
	}
	if (n > c->left || pad8((size_t)n) > c->left - (size_t)n) {
		*c = save;
		return TR_EPROTO;
	}
	*p = c->p;
	*len = (size_t)n;
	if (tr_cursor_skip(c, (size_t)n + pad8((size_t)n)) != TR_OK) {
		*c = save;
		return TR_EPROTO;
	}
	return TR_OK;
}

/* ---------------------------------------------------------------------
 * Fixed schemas, generated from the field lists in cluster_int.h
 * ------------------------------------------------------------------- */

#define SIZEOF_FIELD(kind, name) n += sizeof_##kind(m->name);
#define ENCODE_FIELD(kind, name) put_##kind(b, m->name);
#define DECODE_FIELD(kind, name)                \
	if (get_##kind(c, &m->name) != TR_OK) { \
		*c = save;                      \
		return TR_EPROTO;               \
	}

#define SCHEMA_DEFINE(S, FIELDS)                                               \
	size_t cluster__##S##_sizeof(const struct cluster__##S *m)             \
	{                                                                      \
		size_t n = 0;                                                  \
		FIELDS(SIZEOF_FIELD)                                           \
		return n;                                                      \
	}                                                                      \
	void cluster__##S##_encode(const struct cluster__##S *m,               \
				   struct tr_buf *b)                           \
	{                                                                      \
		FIELDS(ENCODE_FIELD)                                           \
	}                                                                      \
	int cluster__##S##_decode(struct tr_cursor *c, struct cluster__##S *m) \
	{                                                                      \
		struct tr_cursor save = *c;                                    \
		FIELDS(DECODE_FIELD)                                           \
		return TR_OK;                                                  \
	}

CLUSTER__SCHEMAS(SCHEMA_DEFINE)

/* ---------------------------------------------------------------------
 * Framing
 * ------------------------------------------------------------------- */

size_t cluster__msg_begin(struct tr_buf *b, uint8_t type)
{
	size_t off = b->len;
	uint8_t h[CLUSTER__HEADER_LEN] = { 0, 0, 0, 0, type, 0, 0, 0 };
	tr_buf_put(b, h, sizeof h);
	return off;
}

void cluster__msg_end(struct tr_buf *b, size_t off)
{
	if (tr_buf_err(b) != TR_OK) {
		return;
	}
	TR_PRE(off + CLUSTER__HEADER_LEN <= b->len);
	size_t body = b->len - off - CLUSTER__HEADER_LEN;
	tr_buf_put(b, zeros, pad8(body));
	body += pad8(body);
	if (body / CLUSTER__WORD > UINT32_MAX) {
		b->err = TR_ETOOBIG;
		return;
	}
	tr_buf_set_le32(b, off, (uint32_t)(body / CLUSTER__WORD));
}

int cluster__frame_next(const uint8_t *p, size_t len, size_t max_body,
			struct cluster__frame *f)
{
	memset(f, 0, sizeof *f);
	if (len < CLUSTER__HEADER_LEN) {
		return TR_OK;
	}
	uint64_t body = (uint64_t)tr_load_le32(p) * CLUSTER__WORD;
	if (body > max_body) {
		return TR_ETOOBIG;
	}
	f->type = p[4];
	f->schema = p[5];
	if (len - CLUSTER__HEADER_LEN < body) {
		return TR_OK;
	}
	f->complete = true;
	f->body = p + CLUSTER__HEADER_LEN;
	f->body_len = (size_t)body;
	f->total = CLUSTER__HEADER_LEN + (size_t)body;
	return TR_OK;
}

/* ---------------------------------------------------------------------
 * Values and parameter tuples
 * ------------------------------------------------------------------- */

int cluster__value_decode(struct tr_cursor *c, unsigned type,
			  struct cluster_value *v)
{
	uint64_t u;
	int rv;

	memset(v, 0, sizeof *v);
	v->type = (enum cluster_type)type;
	switch (type) {
	case CLUSTER_INTEGER:
	case CLUSTER_UNIXTIME:
		rv = get_U64(c, &u);
		v->integer = (int64_t)u;
		return rv;
	case CLUSTER_FLOAT:
		rv = get_U64(c, &u);
		memcpy(&v->real, &u, sizeof v->real);
		return rv;
	case CLUSTER_BOOLEAN:
		return get_U64(c, &v->boolean);
	case CLUSTER_NULL:
		return get_U64(c, &u);
	case CLUSTER_TEXT:
	case CLUSTER_ISO8601:
		return get_text(c, &v->text.p, &v->text.len);
	case CLUSTER_BLOB:
		return get_blob(c, &v->blob.p, &v->blob.len);
	default:
		return TR_EPROTO;
	}
}

static bool is_param_type(unsigned t)
{
	switch (t) {
	case CLUSTER_INTEGER:
	case CLUSTER_FLOAT:
	case CLUSTER_TEXT:
	case CLUSTER_BLOB:
	case CLUSTER_NULL:
	case CLUSTER_ISO8601:
	case CLUSTER_BOOLEAN:
		return true;
	default:
		return false; /* UNIXTIME is refused by 1.11 (FAILURE 1005) */
	}
}

int cluster__params_check(const struct cluster_value *v, unsigned n)
{
	if (n > CLUSTER__MAX_PARAMS) {
		return TR_EINVAL;
	}
	for (unsigned i = 0; i < n; i++) {
		if (!is_param_type(v[i].type)) {
			return TR_EINVAL;
		}
		if ((v[i].type == CLUSTER_TEXT ||
		     v[i].type == CLUSTER_ISO8601) &&
		    v[i].text.len > 0 &&
		    (v[i].text.p == NULL ||
		     memchr(v[i].text.p, 0, v[i].text.len) != NULL)) {
			return TR_EINVAL;
		}
		if (v[i].type == CLUSTER_BLOB && v[i].blob.len > 0 &&
		    v[i].blob.p == NULL) {
			return TR_EINVAL;
		}
	}
	return TR_OK;
}

static size_t value_sizeof(const struct cluster_value *v)
{
	switch (v->type) {
	case CLUSTER_TEXT:
	case CLUSTER_ISO8601:
		return cluster__text_sizeof(v->text.len);
	case CLUSTER_BLOB:
		return 8 + v->blob.len + pad8(v->blob.len);
	default:
		return 8;
	}
}

size_t cluster__params_sizeof(const struct cluster_value *v, unsigned n)
{
	if (n == 0) {
		return 0;
	}
	size_t size = 1 + n + pad8(1 + n);
	for (unsigned i = 0; i < n; i++) {
		size += value_sizeof(&v[i]);
	}
	return size;
}

void cluster__params_encode(struct tr_buf *b, const struct cluster_value *v,
			    unsigned n)
{
	TR_PRE(n <= CLUSTER__MAX_PARAMS);
	if (n == 0) {
		return;
	}
	tr_buf_put_u8(b, (uint8_t)n);
	for (unsigned i = 0; i < n; i++) {
		tr_buf_put_u8(b, (uint8_t)v[i].type);
	}
	tr_buf_put(b, zeros, pad8(1 + n));
	for (unsigned i = 0; i < n; i++) {
		uint64_t u;
		switch (v[i].type) {
		case CLUSTER_INTEGER:
			tr_buf_put_le64(b, (uint64_t)v[i].integer);
			break;
		case CLUSTER_FLOAT:
			memcpy(&u, &v[i].real, sizeof u);
			tr_buf_put_le64(b, u);
			break;
		case CLUSTER_BOOLEAN:
			tr_buf_put_le64(b, v[i].boolean != 0);
			break;
		case CLUSTER_TEXT:
		case CLUSTER_ISO8601:
			put_text_n(b, v[i].text.len > 0 ? v[i].text.p : "",
				   v[i].text.len);
			break;
		case CLUSTER_BLOB:
			put_blob(b, v[i].blob.p, v[i].blob.len);
			break;
		default: /* NULL; params_check() refused the rest */
			tr_buf_put_le64(b, 0);
			break;
		}
	}
}

int cluster__params_decode(struct tr_cursor *c, struct cluster_value *out,
			   unsigned cap, unsigned *n)
{
	struct tr_cursor save = *c;
	const uint8_t *types;
	uint8_t count;

	*n = 0;
	if (c->left == 0) {
		return TR_OK;
	}
	if (tr_cursor_get_u8(c, &count) != TR_OK || count > cap ||
	    tr_cursor_get_bytes(c, count, &types) != TR_OK ||
	    tr_cursor_skip(c, pad8(1 + (size_t)count)) != TR_OK) {
		goto err;
	}
	for (unsigned i = 0; i < count; i++) {
		if (!is_param_type(types[i]) ||
		    cluster__value_decode(c, types[i], &out[i]) != TR_OK) {
			goto err;
		}
	}
	*n = count;
	return TR_OK;
err:
	*c = save;
	return TR_EPROTO;
}

/* ---------------------------------------------------------------------
 * ROWS
 * ------------------------------------------------------------------- */

int cluster__rows_columns(struct tr_cursor *c, unsigned *n_cols)
{
	struct tr_cursor save = *c;
	uint64_t n;
	if (get_U64(c, &n) != TR_OK) {
		return TR_EPROTO;
	}
	/* Each name takes at least one word: a count that cannot fit is a
	 * lie, refused before anybody allocates for it. */
	if (n > c->left / CLUSTER__WORD) {
		*c = save;
		return TR_EPROTO;
	}
	*n_cols = (unsigned)n;
	return TR_OK;
}

int cluster__rows_names(struct tr_cursor *c, unsigned n_cols,
			const char **names)
{
	struct tr_cursor save = *c;
	for (unsigned i = 0; i < n_cols; i++) {
		if (get_TEXT(c, &names[i]) != TR_OK) {
			*c = save;
			return TR_EPROTO;
		}
	}
	return TR_OK;
}

/* Row value types, including the "magic" declared-type ones. */
static bool is_row_type(unsigned t)
{
	return is_param_type(t) || t == CLUSTER_UNIXTIME;
}

int cluster__rows_next(struct tr_cursor *c, unsigned n_cols,
		       struct cluster_value *vals,
		       enum cluster__rows_step *step)
{
	struct tr_cursor save = *c; /* first used to peek at the marker */
	const uint8_t *header;
	uint64_t word;

	/* A real row header never equals a marker: type codes are <= 11. */
	if (get_U64(&save, &word) != TR_OK) {
		return TR_EPROTO;
	}
	if (word == CLUSTER__ROWS_DONE || word == CLUSTER__ROWS_PART) {
		*c = save;
		*step = word == CLUSTER__ROWS_DONE ? CLUSTER__DONE
						   : CLUSTER__PART;
		return TR_OK;
	}
	/* With no columns a row would take no bytes: refuse to spin. */
	if (n_cols == 0) {
		return TR_EPROTO;
	}
	save = *c;
	size_t header_len = ((size_t)n_cols + 15) / 16 * CLUSTER__WORD;
	if (tr_cursor_get_bytes(c, header_len, &header) != TR_OK) {
		goto err;
	}
	for (unsigned i = 0; i < n_cols; i++) {
		unsigned t = (header[i / 2] >> (i % 2 == 0 ? 0 : 4)) & 0x0f;
		if (!is_row_type(t) ||
		    cluster__value_decode(c, t, &vals[i]) != TR_OK) {
			goto err;
		}
	}
	*step = CLUSTER__ROW;
	return TR_OK;
err:
	*c = save;
	return TR_EPROTO;
}

/* Skip one row without storing it (for the malformed FAILURE). */
static int row_skip(struct tr_cursor *c, unsigned n_cols)
{
	const uint8_t *header;
	struct cluster_value v;
	if (n_cols == 0) {
		return TR_EPROTO;
	}
	size_t header_len = ((size_t)n_cols + 15) / 16 * CLUSTER__WORD;
	if (tr_cursor_get_bytes(c, header_len, &header) != TR_OK) {
		return TR_EPROTO;
	}
	for (unsigned i = 0; i < n_cols; i++) {
		unsigned t = (header[i / 2] >> (i % 2 == 0 ? 0 : 4)) & 0x0f;
		if (!is_row_type(t) ||
		    cluster__value_decode(c, t, &v) != TR_OK) {
			return TR_EPROTO;
		}
	}
	return TR_OK;
}

/* True when @c holds exactly a FAILURE (code, message) and nothing else. */
static bool failure_tail(struct tr_cursor c, uint64_t *code,
			 const char **message)
{
	struct cluster__resp_failure f;
	if (cluster__resp_failure_decode(&c, &f) != TR_OK ||
	    tr_cursor_expect_end(&c) != TR_OK) {
		return false;
	}
	*code = f.code;
	*message = f.message;
	return true;
}

int cluster__failure_decode(const uint8_t *body, size_t len, uint64_t *code,
			    const char **message)
{
	struct tr_cursor c;
	unsigned n_cols;
	const char *name;

	tr_cursor_init(&c, body, len);
	if (failure_tail(c, code, message)) {
		return TR_OK;
	}
	/* 1.11 appends the failure to a half-built ROWS body when a step
	 * fails mid-batch: [C][names][rows...][code][message].  Walk the rows
	 * until what is left is exactly a failure. */
	if (cluster__rows_columns(&c, &n_cols) != TR_OK) {
		return TR_EPROTO;
	}
	for (unsigned i = 0; i < n_cols; i++) {
		if (get_TEXT(&c, &name) != TR_OK) {
			return TR_EPROTO;
		}
	}
	while (c.left > 0) {
		if (failure_tail(c, code, message)) {
			return TR_OK;
		}
		if (row_skip(&c, n_cols) != TR_OK) {
			return TR_EPROTO;
		}
	}
	return TR_EPROTO;
}

int cluster__failure_rc(uint64_t code)
{
	if (code == CLUSTER_CODE_NOT_LEADER ||
	    code == CLUSTER__CODE_NOT_LEADER_LEGACY) {
		return TR_ENOTLEADER;
	}
	return TR_ESQL;
}

/* ---------------------------------------------------------------------
 * SERVERS and FILES
 * ------------------------------------------------------------------- */

int cluster__servers_count(struct tr_cursor *c, uint64_t format, unsigned *n)
{
	struct tr_cursor save = *c;
	uint64_t count;
	size_t min = format == 1 ? 24 : 16; /* id, address(, role) */
	if (get_U64(c, &count) != TR_OK) {
		return TR_EPROTO;
	}
	if (count > c->left / min) {
		*c = save;
		return TR_EPROTO;
	}
	*n = (unsigned)count;
	return TR_OK;
}

int cluster__servers_next(struct tr_cursor *c, uint64_t format,
			  struct cluster_server_info *s)
{
	struct tr_cursor save = *c;
	uint64_t role = CLUSTER_VOTER;
	if (get_U64(c, &s->id) != TR_OK || get_TEXT(c, &s->address) != TR_OK ||
	    (format == 1 && get_U64(c, &role) != TR_OK) || role > 2) {
		*c = save;
		return TR_EPROTO;
	}
	s->role = (enum cluster_role)role;
	return TR_OK;
}

int cluster__files_count(struct tr_cursor *c, unsigned *n)
{
	struct tr_cursor save = *c;
	uint64_t count;
	if (get_U64(c, &count) != TR_OK) {
		return TR_EPROTO;
	}
	if (count > c->left / 16) {
		*c = save;
		return TR_EPROTO;
	}
	*n = (unsigned)count;
	return TR_OK;
}

int cluster__files_next(struct tr_cursor *c, const char **name,
			const uint8_t **data, uint64_t *size)
{
	struct tr_cursor save = *c;
	size_t len;
	if (get_TEXT(c, name) != TR_OK) {
		return TR_EPROTO;
	}
	/* Same layout as a blob: u64 size, bytes, padding. */
	if (get_blob(c, data, &len) != TR_OK) {
		*c = save;
		return TR_EPROTO;
	}
	*size = len;
	return TR_OK;
}
