/*
 * pgwire/be_write.c: encoders for backend messages.
 *
 * Every message is built completely in the output buffer (pqcomm.c's rule):
 * pgwire__msg_begin() writes the type and a length placeholder,
 * pgwire__msg_end() back-fills the length.  Puts are sticky (tr_buf), so
 * the caller checks tr_buf_err() once before flushing.
 *
 * ErrorResponse / NoticeResponse (PostgreSQL docs, "Error and Notice Message
 * Fields"):
 *
 *   'E' | int32 len | { byte field, cstring value }* | '\0'
 *   fields sent: S (localized severity), V (severity), C (SQLSTATE),
 *   M (message), D (detail), H (hint), P (position), W (context)
 *
 * INTERFACE ROUTINES
 *   pgwire__msg_begin / pgwire__msg_end     framing
 *   pgwire__be_write_*                      one per backend message
 */
#include <stdio.h>
#include <string.h>

#include "pgwire/pgwire_int.h"

size_t pgwire__msg_begin(struct tr_buf *b, uint8_t type)
{
	tr_buf_put_u8(b, type);
	size_t start = b->len;
	tr_buf_put_be32(b, 0);
	return start;
}

void pgwire__msg_end(struct tr_buf *b, size_t start)
{
	if (tr_buf_err(b) != TR_OK) {
		return;
	}
	size_t len = b->len - start;
	if (len > INT32_MAX) {
		b->err = TR_ETOOBIG;
		return;
	}
	tr_buf_set_be32(b, start, (uint32_t)len);
}

void pgwire__be_write_auth(struct tr_buf *b, uint32_t code, const void *data,
			   size_t len)
{
	size_t m = pgwire__msg_begin(b, 'R');
	tr_buf_put_be32(b, code);
	tr_buf_put(b, data, len);
	pgwire__msg_end(b, m);
}

void pgwire__be_write_auth_sasl(struct tr_buf *b, bool plus)
{
	size_t m = pgwire__msg_begin(b, 'R');
	tr_buf_put_be32(b, 10); /* AuthenticationSASL */
	/* Preferred mechanism first, as PostgreSQL does. */
	if (plus) {
		tr_buf_put_cstr(b, PGWIRE_SCRAM_MECH_PLUS);
	}
	tr_buf_put_cstr(b, PGWIRE_SCRAM_MECH);
	tr_buf_put_u8(b, 0);
	pgwire__msg_end(b, m);
}

void pgwire__be_write_parameter_status(struct tr_buf *b, const char *name,
				       const char *value)
{
	size_t m = pgwire__msg_begin(b, 'S');
	tr_buf_put_cstr(b, name);
	tr_buf_put_cstr(b, value);
	pgwire__msg_end(b, m);
}

void pgwire__be_write_backend_key_data(struct tr_buf *b, uint32_t pid,
				       uint32_t key)
{
	size_t m = pgwire__msg_begin(b, 'K');
	tr_buf_put_be32(b, pid);
	tr_buf_put_be32(b, key);
	pgwire__msg_end(b, m);
}

void pgwire__be_write_ready_for_query(struct tr_buf *b, char txn_status)
{
	size_t m = pgwire__msg_begin(b, 'Z');
	tr_buf_put_u8(b, (uint8_t)txn_status);
	pgwire__msg_end(b, m);
}

static void put_field(struct tr_buf *b, uint8_t code, const char *v)
{
	if (v == NULL || v[0] == '\0') {
		return;
	}
	tr_buf_put_u8(b, code);
	tr_buf_put_cstr(b, v);
}

void pgwire__be_write_error(struct tr_buf *b, uint8_t type,
			    const struct pgwire_error *err,
			    const char *default_severity)
{
	const char *sev = err->severity != NULL && err->severity[0] != '\0'
				  ? err->severity
				  : default_severity;
	/* SQLSTATE and message are required by the protocol; a caller bug
	 * must not produce a message clients cannot parse (security F8). */
	const char *code = err->sqlstate != NULL && strlen(err->sqlstate) == 5
				   ? err->sqlstate
				   : "XX000";
	const char *msg = err->message != NULL ? err->message : "";
	size_t m = pgwire__msg_begin(b, type);
	tr_buf_put_u8(b, 'S');
	tr_buf_put_cstr(b, sev);
	tr_buf_put_u8(b, 'V');
	tr_buf_put_cstr(b, sev);
	tr_buf_put_u8(b, 'C');
	tr_buf_put_cstr(b, code);
	tr_buf_put_u8(b, 'M');
	tr_buf_put_cstr(b, msg);
	put_field(b, 'D', err->detail);
	put_field(b, 'H', err->hint);
	if (err->position > 0) {
		char pos[16];
		snprintf(pos, sizeof pos, "%d", err->position);
		put_field(b, 'P', pos);
	}
	put_field(b, 'W', err->context);
	put_field(b, 's', err->schema);
	put_field(b, 't', err->table);
	put_field(b, 'c', err->column);
	put_field(b, 'n', err->constraint);
	tr_buf_put_u8(b, 0);
	pgwire__msg_end(b, m);
}

void pgwire__be_write_row_description(struct tr_buf *b, unsigned n_cols,
				      const struct pgwire_column *cols)
{
	pgwire__be_write_row_description_fmt(b, n_cols, cols, NULL);
}

void pgwire__be_write_row_description_fmt(struct tr_buf *b, unsigned n_cols,
					  const struct pgwire_column *cols,
					  const int16_t *formats)
{
	size_t m = pgwire__msg_begin(b, 'T');
	if (n_cols > INT16_MAX) {
		b->err = b->err != TR_OK ? b->err : TR_ETOOBIG;
		return;
	}
	tr_buf_put_be16(b, (uint16_t)n_cols);
	for (unsigned i = 0; i < n_cols; i++) {
		const struct pgwire_column *col = &cols[i];
		int16_t format = formats != NULL ? formats[i] : col->format;
		tr_buf_put_cstr(b, col->name != NULL ? col->name : "");
		tr_buf_put_be32(b, col->table_oid);
		tr_buf_put_be16(b, (uint16_t)col->attnum);
		tr_buf_put_be32(b, col->type_oid);
		tr_buf_put_be16(b, (uint16_t)col->typlen);
		tr_buf_put_be32(b, (uint32_t)col->typmod);
		tr_buf_put_be16(b, (uint16_t)format);
	}
	pgwire__msg_end(b, m);
}

void pgwire__be_write_parameter_description(struct tr_buf *b, unsigned n,
					    const uint32_t *oids)
{
	size_t m = pgwire__msg_begin(b, 't');
	if (n > UINT16_MAX) {
		b->err = b->err != TR_OK ? b->err : TR_ETOOBIG;
		return;
	}
	tr_buf_put_be16(b, (uint16_t)n);
	for (unsigned i = 0; i < n; i++) {
		tr_buf_put_be32(b, oids[i]);
	}
	pgwire__msg_end(b, m);
}

void pgwire__be_write_bodiless(struct tr_buf *b, uint8_t type)
{
	size_t m = pgwire__msg_begin(b, type);
	pgwire__msg_end(b, m);
}

void pgwire__be_write_data_row(struct tr_buf *b, unsigned n_vals,
			       const struct pgwire_value *vals)
{
	size_t m = pgwire__msg_begin(b, 'D');
	if (n_vals > INT16_MAX) {
		b->err = b->err != TR_OK ? b->err : TR_ETOOBIG;
		return;
	}
	tr_buf_put_be16(b, (uint16_t)n_vals);
	for (unsigned i = 0; i < n_vals; i++) {
		/* len < 0 is SQL NULL; a NULL pointer with a positive length
		 * is a caller bug, also sent as NULL rather than read. */
		if (vals[i].len < 0 || (vals[i].p == NULL && vals[i].len > 0)) {
			tr_buf_put_be32(b, UINT32_MAX); /* -1: NULL */
			continue;
		}
		tr_buf_put_be32(b, (uint32_t)vals[i].len);
		tr_buf_put(b, vals[i].p, (size_t)vals[i].len);
	}
	pgwire__msg_end(b, m);
}

void pgwire__be_write_command_complete(struct tr_buf *b, const char *tag)
{
	size_t m = pgwire__msg_begin(b, 'C');
	tr_buf_put_cstr(b, tag != NULL ? tag : "");
	pgwire__msg_end(b, m);
}

void pgwire__be_write_empty_query(struct tr_buf *b)
{
	size_t m = pgwire__msg_begin(b, 'I');
	pgwire__msg_end(b, m);
}

void pgwire__be_write_copy_response(struct tr_buf *b, uint8_t type, bool binary,
				    unsigned n_cols)
{
	size_t m = pgwire__msg_begin(b, type);
	if (n_cols > INT16_MAX) {
		b->err = b->err != TR_OK ? b->err : TR_ETOOBIG;
		return;
	}
	tr_buf_put_u8(b, binary ? 1 : 0);
	tr_buf_put_be16(b, (uint16_t)n_cols);
	for (unsigned i = 0; i < n_cols; i++) {
		tr_buf_put_be16(b, binary ? 1 : 0);
	}
	pgwire__msg_end(b, m);
}

void pgwire__be_write_copy_data(struct tr_buf *b, const void *p, size_t len)
{
	size_t m = pgwire__msg_begin(b, 'd');
	tr_buf_put(b, p, len);
	pgwire__msg_end(b, m);
}
