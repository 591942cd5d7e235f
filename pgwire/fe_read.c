/*
 * pgwire/fe_read.c: decoders for frontend messages.
 *
 * Each decoder reads one framed message with a bounded cursor and proves
 * the body is consumed exactly (pqformat.c's pq_getmsgend).  Results are
 * borrowed views into the frame, valid until the input is consumed.
 *
 * INTERFACE ROUTINES
 *   pgwire__fe_read_startup       StartupMessage parameters
 *   pgwire__fe_read_cancel        CancelRequest pid and secret key
 *   pgwire__fe_read_sasl_initial  SASLInitialResponse
 *   pgwire__fe_read_query         Query
 *   pgwire__fe_read_parse         Parse
 *   pgwire__fe_read_bind          Bind (+ fe_get_format, fe_next_param)
 *   pgwire__fe_read_target        Describe, Close
 *   pgwire__fe_read_execute       Execute
 *   pgwire__fe_read_empty         Sync, Flush
 *   pgwire__fe_read_copy_fail     CopyFail
 *
 * Extended query messages (PostgreSQL docs, "Message Formats"):
 *
 *   Parse    'P' | name\0 | query\0 | int16 n | int32 oid * n
 *   Bind     'B' | portal\0 | stmt\0 | int16 nf | int16 fmt * nf
 *                | int16 np | (int32 len | byte * len) * np   (len -1: NULL)
 *                | int16 nr | int16 fmt * nr
 *   Describe 'D' | 'S' or 'P' | name\0
 *   Close    'C' | 'S' or 'P' | name\0
 *   Execute  'E' | portal\0 | int32 max_rows
 *   Sync 'S', Flush 'H': empty
 *
 * COPY messages: CopyData 'd' | bytes (the body is the data); CopyDone 'c'
 * (empty; PostgreSQL does not read it, nor do we); CopyFail 'f' | reason\0
 *
 * The int16 counts are read as unsigned, as PostgreSQL's pq_getmsgint does,
 * so they are at most 65535: that is the per-message parameter cap.
 */
#include <string.h>

#include "pgwire/pgwire_int.h"

int pgwire__fe_read_startup(const struct pgwire_frame *f,
			    struct pgwire_fe_startup *out)
{
	struct tr_cursor c;
	memset(out, 0, sizeof *out);
	tr_cursor_init(&c, f->body, f->len);
	/* name\0value\0 ... \0 */
	for (;;) {
		const char *key;
		const char *value;
		if (tr_cursor_get_cstr(&c, &key) != TR_OK) {
			return TR_EPROTO;
		}
		if (key[0] == '\0') {
			break;
		}
		if (tr_cursor_get_cstr(&c, &value) != TR_OK) {
			return TR_EPROTO;
		}
		if (out->n_options == PGWIRE_MAX_STARTUP_OPTIONS) {
			return TR_EPROTO;
		}
		if (strcmp(key, "user") == 0) {
			out->user = value;
		} else if (strcmp(key, "database") == 0) {
			out->database = value;
		} else if (strcmp(key, "application_name") == 0) {
			out->application_name = value;
		}
		out->keys[out->n_options] = key;
		out->values[out->n_options] = value;
		out->n_options++;
	}
	return tr_cursor_expect_end(&c);
}

int pgwire__fe_read_cancel(const struct pgwire_frame *f, uint32_t *pid,
			   uint32_t *key)
{
	struct tr_cursor c;
	tr_cursor_init(&c, f->body, f->len);
	if (tr_cursor_get_be32(&c, pid) != TR_OK ||
	    tr_cursor_get_be32(&c, key) != TR_OK) {
		return TR_EPROTO;
	}
	return tr_cursor_expect_end(&c);
}

int pgwire__fe_read_sasl_initial(const struct pgwire_frame *f,
				 const char **mech, const uint8_t **data,
				 size_t *len)
{
	struct tr_cursor c;
	uint32_t n;
	tr_cursor_init(&c, f->body, f->len);
	if (tr_cursor_get_cstr(&c, mech) != TR_OK ||
	    tr_cursor_get_be32(&c, &n) != TR_OK) {
		return TR_EPROTO;
	}
	if (n == UINT32_MAX) { /* -1: no initial response */
		*data = NULL;
		*len = 0;
		return tr_cursor_expect_end(&c);
	}
	if (tr_cursor_get_bytes(&c, n, data) != TR_OK) {
		return TR_EPROTO;
	}
	*len = n;
	return tr_cursor_expect_end(&c);
}

int pgwire__fe_read_query(const struct pgwire_frame *f, const char **sql,
			  size_t *len)
{
	struct tr_cursor c;
	tr_cursor_init(&c, f->body, f->len);
	if (tr_cursor_get_cstr(&c, sql) != TR_OK) {
		return TR_EPROTO;
	}
	*len = strlen(*sql);
	return tr_cursor_expect_end(&c);
}

int pgwire__fe_read_parse(const struct pgwire_frame *f,
			  struct pgwire_fe_parse *out)
{
	struct tr_cursor c;
	uint16_t n;
	tr_cursor_init(&c, f->body, f->len);
	if (tr_cursor_get_cstr(&c, &out->name) != TR_OK ||
	    tr_cursor_get_cstr(&c, &out->sql) != TR_OK ||
	    tr_cursor_get_be16(&c, &n) != TR_OK ||
	    tr_cursor_get_bytes(&c, (size_t)n * 4, &out->param_oids) != TR_OK) {
		return TR_EPROTO;
	}
	out->sql_len = strlen(out->sql);
	out->n_param_oids = n;
	return tr_cursor_expect_end(&c);
}

int16_t pgwire__fe_get_format(const uint8_t *codes, unsigned i)
{
	return (int16_t)(uint16_t)((unsigned)codes[2 * i] << 8 |
				   codes[2 * i + 1]);
}

int pgwire__fe_next_param(struct tr_cursor *c, int32_t *len, const uint8_t **p)
{
	uint32_t n;
	if (tr_cursor_get_be32(c, &n) != TR_OK) {
		return TR_EPROTO;
	}
	if (n == UINT32_MAX) { /* -1: NULL */
		*len = -1;
		*p = NULL;
		return TR_OK;
	}
	/* Any other negative length is malformed (PostgreSQL: "invalid
	 * message format"). */
	if (n > INT32_MAX || tr_cursor_get_bytes(c, n, p) != TR_OK) {
		return TR_EPROTO;
	}
	*len = (int32_t)n;
	return TR_OK;
}

/* An int16 count and that many int16s. */
static int get_formats(struct tr_cursor *c, unsigned *n, const uint8_t **codes)
{
	uint16_t v;
	if (tr_cursor_get_be16(c, &v) != TR_OK ||
	    tr_cursor_get_bytes(c, (size_t)v * 2, codes) != TR_OK) {
		return TR_EPROTO;
	}
	*n = v;
	return TR_OK;
}

int pgwire__fe_read_bind(const struct pgwire_frame *f,
			 struct pgwire_fe_bind *out)
{
	struct tr_cursor c;
	uint16_t n;
	memset(out, 0, sizeof *out);
	tr_cursor_init(&c, f->body, f->len);
	if (tr_cursor_get_cstr(&c, &out->portal) != TR_OK ||
	    tr_cursor_get_cstr(&c, &out->stmt) != TR_OK ||
	    get_formats(&c, &out->n_param_formats, &out->param_formats) !=
		    TR_OK ||
	    tr_cursor_get_be16(&c, &n) != TR_OK) {
		return TR_EPROTO;
	}
	out->n_params = n;
	out->params = c.p;
	size_t left = c.left;
	for (unsigned i = 0; i < out->n_params; i++) {
		int32_t len;
		const uint8_t *p;
		if (pgwire__fe_next_param(&c, &len, &p) != TR_OK) {
			return TR_EPROTO;
		}
		if (len > 0) {
			out->params_data_len += (size_t)len;
		}
	}
	out->params_len = left - c.left;
	if (get_formats(&c, &out->n_result_formats, &out->result_formats) !=
	    TR_OK) {
		return TR_EPROTO;
	}
	return tr_cursor_expect_end(&c);
}

int pgwire__fe_read_target(const struct pgwire_frame *f, uint8_t *kind,
			   const char **name)
{
	struct tr_cursor c;
	tr_cursor_init(&c, f->body, f->len);
	if (tr_cursor_get_u8(&c, kind) != TR_OK ||
	    tr_cursor_get_cstr(&c, name) != TR_OK) {
		return TR_EPROTO;
	}
	if (*kind != 'S' && *kind != 'P') {
		return TR_EPROTO;
	}
	return tr_cursor_expect_end(&c);
}

int pgwire__fe_read_execute(const struct pgwire_frame *f, const char **portal,
			    uint32_t *max_rows)
{
	struct tr_cursor c;
	uint32_t n;
	tr_cursor_init(&c, f->body, f->len);
	if (tr_cursor_get_cstr(&c, portal) != TR_OK ||
	    tr_cursor_get_be32(&c, &n) != TR_OK) {
		return TR_EPROTO;
	}
	/* int32 on the wire; zero or negative means no limit. */
	*max_rows = n > INT32_MAX ? 0 : n;
	return tr_cursor_expect_end(&c);
}

int pgwire__fe_read_empty(const struct pgwire_frame *f)
{
	return f->len == 0 ? TR_OK : TR_EPROTO;
}

int pgwire__fe_read_copy_fail(const struct pgwire_frame *f,
			      const char **message)
{
	struct tr_cursor c;
	tr_cursor_init(&c, f->body, f->len);
	if (tr_cursor_get_cstr(&c, message) != TR_OK) {
		return TR_EPROTO;
	}
	return tr_cursor_expect_end(&c);
}
