/*
 * pgwire/frame.c: message framing over the input buffer.
 *
 * PostgreSQL docs, "Message Formats": before the session is established a
 * packet is int32 length (self-inclusive) + int32 code + body; afterwards
 * every message is byte type + int32 length (self-inclusive) + body.  The
 * framer reads only the header, checks the length against the cap for the
 * phase, and waits for the body; it never allocates.
 *
 * INTERFACE ROUTINES
 *   pgwire__frame_startup  frame a StartupMessage / SSLRequest / CancelRequest
 *   pgwire__frame_next     frame a typed message
 */
#include "pgwire/pgwire_int.h"

int pgwire__frame_startup(const uint8_t *p, size_t n, struct pgwire_frame *f)
{
	if (n < 4) {
		return TR_EBUSY;
	}
	uint32_t len = tr_load_be32(p);
	/* Checked before waiting for the body, so a liar cannot make us
	 * buffer more than the cap (pqcomm.h MAX_STARTUP_PACKET_LENGTH). */
	if (len < 8 || len > PGWIRE_MAX_STARTUP_LEN) {
		return TR_EPROTO;
	}
	if (n < len) {
		return TR_EBUSY;
	}
	f->type = 0;
	f->code = tr_load_be32(p + 4);
	f->body = p + 8;
	f->len = len - 8;
	f->total = len;
	return TR_OK;
}

int pgwire__frame_next(const uint8_t *p, size_t n, size_t max_body,
		       struct pgwire_frame *f)
{
	if (n < 5) {
		return TR_EBUSY;
	}
	uint32_t len = tr_load_be32(p + 1);
	if (len < 4) {
		return TR_EPROTO;
	}
	/* 64-bit arithmetic: len is at most 2^32 - 1. */
	if ((uint64_t)len - 4 > (uint64_t)max_body) {
		return TR_ETOOBIG;
	}
	if ((uint64_t)n < (uint64_t)len + 1) {
		return TR_EBUSY;
	}
	f->type = p[0];
	f->code = 0;
	f->body = p + 5;
	f->len = (size_t)len - 4;
	f->total = (size_t)len + 1;
	return TR_OK;
}
