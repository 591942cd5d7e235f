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
