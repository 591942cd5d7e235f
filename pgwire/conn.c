/*
 * pgwire/conn.c: per-connection state machine; owns framing and dispatch,
 * calls the executor.  Implements PostgreSQL docs "Message Flow": Start-up,
 * SSL Session Encryption, SASL Authentication, Simple Query, Extended Query
 * (statement and portal registries in portal.c), Termination.
 *
 *   STARTUP --SSLRequest 'S'--> TLS_HANDSHAKE --done--> STARTUP
 *   STARTUP --StartupMessage--> AUTH_LOOKUP --lookup_done--> SASL_INITIAL
 *   SASL_INITIAL --client-first--> SASL_RESPONSE --client-final ok-->
 *   OPENING --open_done--> READY <--query_done-- BUSY <--Query-- READY
 *   READY --Parse/Execute/Sync--> BUSY --prepare/execute_done--> READY
 *   READY --Bind/Describe/Close/Flush--> READY (answered at once)
 *   READY/BUSY --ERROR in an extended message--> SKIP_TO_SYNC
 *   SKIP_TO_SYNC --Sync--> BUSY (ops->sync) --query_done--> READY
 *   BUSY --copy_in_start--> BUSY/COPY_IN (dispatching CopyData, CopyDone,
 *     CopyFail) --CopyDone/CopyFail delivered or query/execute_done-->
 *     BUSY (buffering) or READY / SKIP_TO_SYNC as usual
 *   any --FATAL--> FLUSH_AND_CLOSE --flushed--> CLOSING --handles--> CLOSED
 *   any --EOF/Terminate/error--> CLOSING
 *
 * The machine suspends (conn_run returns) when a packet is incomplete, in
 * AUTH_LOOKUP / OPENING / BUSY (an executor request is in flight; except
 * in COPY-IN, which dispatches COPY messages until paused), in
 * TLS_HANDSHAKE until the handshake finishes, in READY while output is
 * above the high-water mark, and in FLUSH_AND_CLOSE until the last byte is
 * written.  read_cb, write_cb, the timer and every *_done completion store
 * their result and call conn_tick(), which is the only driver.
 *
 * Happy path: bytes arrive in read_cb (through TLS when on), the tick frames
 * and handles whole messages, answers are built completely in s->out and
 * flushed once per tick with uv_write.
 *
 * Failure modes: a protocol violation sends FATAL 08P01 and closes after
 * the flush; a socket or TLS error closes at once without writing (never
 * report a write failure by writing); the auth timer closes silently; a
 * failed executor call ends the connection.  The session's memory goes only
 * when both handles are closed and, if ops->session_open was called, the
 * executor called pgwire_session_release().
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "pgwire/pgwire_int.h"

#define RAW_READ_SIZE     65536u
#define CLOSE_LINGER_MS   5000u
#define DEFAULT_AUTH_MS   60000u
#define MAX_QUERY_LOG_LEN 200

/* clang-format off */
#define B(st) (1u << PGWIRE_ST_##st)
#define ENDS  (B(FLUSH_AND_CLOSE) | B(CLOSING))
static const struct {
	const char *name;
	unsigned next; /* allowed next states */
} states[PGWIRE_ST__N] = {
	[PGWIRE_ST_STARTUP]         = { "STARTUP", B(TLS_HANDSHAKE) | B(AUTH_LOOKUP) | ENDS },
	[PGWIRE_ST_TLS_HANDSHAKE]   = { "TLS_HANDSHAKE", B(STARTUP) | ENDS },
	[PGWIRE_ST_AUTH_LOOKUP]     = { "AUTH_LOOKUP", B(SASL_INITIAL) | ENDS },
	[PGWIRE_ST_SASL_INITIAL]    = { "SASL_INITIAL", B(SASL_RESPONSE) | ENDS },
	[PGWIRE_ST_SASL_RESPONSE]   = { "SASL_RESPONSE", B(OPENING) | ENDS },
	[PGWIRE_ST_OPENING]         = { "OPENING", B(READY) | ENDS },
	[PGWIRE_ST_READY]           = { "READY", B(BUSY) | B(SKIP_TO_SYNC) | ENDS },
	[PGWIRE_ST_BUSY]            = { "BUSY", B(READY) | B(SKIP_TO_SYNC) | ENDS },
	[PGWIRE_ST_SKIP_TO_SYNC]    = { "SKIP_TO_SYNC", B(READY) | B(BUSY) | ENDS },
	[PGWIRE_ST_FLUSH_AND_CLOSE] = { "FLUSH_AND_CLOSE", B(CLOSING) },
	[PGWIRE_ST_CLOSING]         = { "CLOSING", B(CLOSED) },
	[PGWIRE_ST_CLOSED]          = { "CLOSED", 0 },
};
#undef B
#undef ENDS
/* clang-format on */

#define conn_log(level, s, fmt, ...)                                     \
	tr_log(level, PGWIRE_COMPONENT, "conn=%u peer=%s " fmt, (s)->id, \
	       (s)->peer, __VA_ARGS__)

struct write_req {
	uv_write_t req;
	struct pgwire_session *s;
	size_t len;
	uint8_t data[];
};

static void conn_tick(struct pgwire_session *s);
static void conn_flush(struct pgwire_session *s);
static void copy_end(struct pgwire_session *s);

const char *pgwire__state_name(enum pgwire_conn_state st)
{
	return st < PGWIRE_ST__N ? states[st].name : "?";
}

static void conn_move(struct pgwire_session *s, enum pgwire_conn_state next)
{
	TR_PRE((states[s->state].next & (1u << next)) != 0);
	conn_log(TR_LOG_TRACE, s, "%s -> %s", states[s->state].name,
		 states[next].name);
	s->state = next;
}

static bool is_closing(const struct pgwire_session *s)
{
	return s->state >= PGWIRE_ST_FLUSH_AND_CLOSE;
}

static size_t pending_out(const struct pgwire_session *s)
{
	return s->out.len + s->in_flight;
}

/* ------------------------------------------------------------------ */
/* Teardown                                                            */
/* ------------------------------------------------------------------ */

static void conn_free(struct pgwire_session *s)
{
	struct pgwire_server *server = s->server;
	tr_buf_close(&s->in);
	tr_buf_close(&s->out);
	pgwire__tls_close(&s->tls);
	tr_free(s->raw);
	tr_arena_close(&s->arena);
	pgwire__scram_close(&s->scram);
	tr_free(s->user);
	tr_free(s->database);
	tr_free(s->application_name);
	for (unsigned i = 0; i < s->n_options; i++) {
		tr_free(s->keys[i]);
		tr_free(s->values[i]);
	}
	tr_free(s->keys);
	tr_free(s->values);
	for (unsigned i = 0; i < s->n_statuses; i++) {
		tr_free(s->statuses[i].name);
		tr_free(s->statuses[i].value);
	}
	tr_free(s->statuses);
	pgwire__registry_free(s);
	tr_free(s->req_name);
	tr_free(s->req_sql);
	tr_free(s->req_oids);
	pgwire__server_session_gone(server, s);
	tr_free(s);
}

/* Free once libuv is done with both handles and the executor let go. */
static void maybe_free(struct pgwire_session *s)
{
	if (s->state == PGWIRE_ST_CLOSED && (!s->engaged || s->released)) {
		conn_free(s);
	}
}

static void on_handle_close(uv_handle_t *h)
{
	struct pgwire_session *s = h->data;
	TR_PRE(s->n_handles_open > 0);
	s->n_handles_open--;
	if (s->n_handles_open == 0) {
		conn_move(s, PGWIRE_ST_CLOSED);
		maybe_free(s);
	}
}

/* Tell the executor once; it answers with pgwire_session_release(). */
static void notify_close(struct pgwire_session *s)
{
	if (s->engaged && !s->close_notified) {
		const struct pgwire_config *cfg = &s->server->cfg;
		s->close_notified = true;
		/* Statements and portal states go back to the executor first,
		 * except those of an execute in flight: the executor abandons
		 * that request, and what it holds, in session_close. */
		struct pgwire_portal *busy = s->req == PGWIRE_REQ_EXECUTE
						     ? s->req_portal
						     : NULL;
		pgwire__registry_release(s, busy != NULL ? busy->stmt : NULL,
					 busy);
		cfg->exec->session_close(cfg->exec_data, s);
	}
}

void pgwire__conn_stop(struct pgwire_session *s)
{
	if (s->state >= PGWIRE_ST_CLOSING) {
		return;
	}
	conn_move(s, PGWIRE_ST_CLOSING);
	conn_log(TR_LOG_DEBUG, s, "closing%s", "");
	uv_read_stop((uv_stream_t *)&s->tcp);
	uv_timer_stop(&s->timer);
	/* Pending writes complete with UV_ECANCELED before the close
	 * callback, so the session is still alive for them. */
	uv_close((uv_handle_t *)&s->timer, on_handle_close);
	uv_close((uv_handle_t *)&s->tcp, on_handle_close);
	notify_close(s);
}

static void on_linger_timeout(uv_timer_t *t)
{
	struct pgwire_session *s = t->data;
	conn_log(TR_LOG_DEBUG, s, "peer did not take our last bytes%s", "");
	pgwire__conn_stop(s);
}

/*
 * Queue a FATAL ErrorResponse and close once it is written.  The message
 * goes out only if the output buffer is still sound (a sticky error means
 * a half-built message, so nothing more may be sent).
 */
static void conn_fatal_err(struct pgwire_session *s,
			   const struct pgwire_error *err)
{
	char esc[256];
	const char *msg = err->message != NULL ? err->message : "";
	if (is_closing(s)) {
		return;
	}
	conn_log(TR_LOG_INFO, s, "FATAL %s: %s",
		 err->sqlstate != NULL ? err->sqlstate : "?",
		 tr_escape(esc, sizeof esc, msg, strlen(msg)));
	if (tr_buf_err(&s->out) != TR_OK || s->write_failed) {
		pgwire__conn_stop(s);
		return;
	}
	struct pgwire_error fatal = *err;
	fatal.severity = "FATAL";
	pgwire__be_write_error(&s->out, 'E', &fatal, "FATAL");
	conn_move(s, PGWIRE_ST_FLUSH_AND_CLOSE);
	uv_timer_stop(&s->timer);
	uv_timer_start(&s->timer, on_linger_timeout, CLOSE_LINGER_MS, 0);
	notify_close(s);
}

static void conn_fatal(struct pgwire_session *s, const char *sqlstate,
		       const char *fmt, ...) TR_PRINTF(3, 4);
static void conn_fatal(struct pgwire_session *s, const char *sqlstate,
		       const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct pgwire_error err = { .sqlstate = sqlstate, .message = msg };
	conn_fatal_err(s, &err);
}

/* A connection fault without a reply (bad startup length, TLS failure). */
static void conn_abort(struct pgwire_session *s, const char *why)
{
	conn_log(TR_LOG_INFO, s, "closing: %s", why);
	pgwire__conn_stop(s);
}

/* ------------------------------------------------------------------ */
/* Output                                                              */
/* ------------------------------------------------------------------ */

static void on_write(uv_write_t *req, int status)
{
	struct write_req *w = (struct write_req *)req;
	struct pgwire_session *s = w->s;
	s->in_flight -= w->len;
	tr_free(w);
	if (status < 0) {
		s->write_failed = true;
		if (status != UV_ECANCELED) {
			conn_log(TR_LOG_INFO, s, "write: %s",
				 uv_strerror(status));
		}
		pgwire__conn_stop(s);
		return;
	}
	if (s->congested && pending_out(s) < PGWIRE_OUT_LOW_WATER) {
		s->congested = false;
		if (s->state == PGWIRE_ST_BUSY) {
			const struct pgwire_config *cfg = &s->server->cfg;
			cfg->exec->resume(cfg->exec_data, s);
		}
	}
	conn_tick(s);
}

/* Hand @n bytes to uv_write in one request. */
static void write_bytes(struct pgwire_session *s, const uint8_t *p, size_t n,
			bool from_tls)
{
	struct write_req *w = tr_malloc(sizeof *w + n);
	if (w == NULL) {
		s->write_failed = true;
		conn_abort(s, "out of memory");
		return;
	}
	w->s = s;
	w->len = n;
	if (from_tls) {
		n = pgwire__tls_drain(&s->tls, w->data, n);
		w->len = n;
	} else {
		memcpy(w->data, p, n);
	}
	uv_buf_t buf = uv_buf_init((char *)w->data, (unsigned)n);
	int rv = uv_write(&w->req, (uv_stream_t *)&s->tcp, &buf, 1, on_write);
	if (rv != 0) {
		tr_free(w);
		s->write_failed = true;
		conn_log(TR_LOG_INFO, s, "write: %s", uv_strerror(rv));
		pgwire__conn_stop(s);
		return;
	}
	s->in_flight += n;
}

/* Send everything in s->out (through TLS when on). */
static void conn_flush(struct pgwire_session *s)
{
	if (s->state >= PGWIRE_ST_CLOSING || s->write_failed) {
		return;
	}
	if (tr_buf_err(&s->out) != TR_OK) {
		/* Half a message may be in the buffer: send nothing more. */
		conn_log(TR_LOG_WARN, s, "output: %s",
			 tr_strerror(tr_buf_err(&s->out)));
		pgwire__conn_stop(s);
		return;
	}
	if (s->tls.ssl != NULL) {
		if (s->out.len > 0) {
			int rv = pgwire__tls_encrypt(&s->tls, s->out.data,
						     s->out.len, s->errmsg);
			tr_buf_reset(&s->out);
			if (rv != TR_OK) {
				conn_abort(s, s->errmsg);
				return;
			}
		}
		size_t n = pgwire__tls_pending(&s->tls);
		if (n > 0) {
			write_bytes(s, NULL, n, true);
		}
		return;
	}
	if (s->out.len > 0) {
		write_bytes(s, s->out.data, s->out.len, false);
		tr_buf_reset(&s->out);
	}
}

/* ------------------------------------------------------------------ */
/* Input                                                               */
/* ------------------------------------------------------------------ */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct pgwire_session *s = h->data;
	TR_UNUSED(suggested);
	if (s->tls.ssl != NULL) {
		*buf = uv_buf_init((char *)s->raw, RAW_READ_SIZE);
		return;
	}
	/* Plaintext reads land straight in the input buffer, so that
	 * anything sent after an SSLRequest is visible there (CVE-2021-23214
	 * check).  A failed reserve makes libuv report UV_ENOBUFS. */
	if (!tr_buf_reserve(&s->in, RAW_READ_SIZE)) {
		*buf = uv_buf_init(NULL, 0);
		return;
	}
	*buf = uv_buf_init((char *)s->in.data + s->in.len, RAW_READ_SIZE);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct pgwire_session *s = stream->data;
	TR_UNUSED(buf);
	if (nread == 0) {
		return; /* EAGAIN; not EOF */
	}
	if (nread < 0) {
		if (nread != UV_EOF) {
			conn_log(TR_LOG_INFO, s, "read: %s",
				 uv_strerror((int)nread));
		} else {
			conn_log(TR_LOG_DEBUG, s, "EOF%s", "");
		}
		pgwire__conn_stop(s);
		return;
	}
	if (is_closing(s)) {
		return; /* draining before close: discard */
	}
	if (s->tls.ssl == NULL) {
		s->in.len += (size_t)nread;
		conn_tick(s);
		return;
	}
	int rv = pgwire__tls_feed(&s->tls, s->raw, (size_t)nread, &s->in,
				  s->errmsg);
	if (rv == TR_ECLOSED) {
		conn_log(TR_LOG_DEBUG, s, "TLS close_notify%s", "");
		pgwire__conn_stop(s);
		return;
	}
	if (rv != TR_OK) {
		/* Send any alert OpenSSL queued, but nothing of ours. */
		conn_flush(s);
		conn_abort(s, rv == TR_ETLS ? s->errmsg : tr_strerror(rv));
		return;
	}
	conn_tick(s);
}

/* ------------------------------------------------------------------ */
/* Startup phase                                                       */
/* ------------------------------------------------------------------ */

static bool copy_startup(struct pgwire_session *s,
			 const struct pgwire_fe_startup *st)
{
	s->user = tr_strdup(st->user);
	s->database = tr_strdup(st->database != NULL && st->database[0]
					? st->database
					: st->user);
	s->application_name = tr_strdup(
		st->application_name != NULL ? st->application_name : "");
	s->keys = tr_calloc(st->n_options + 1, sizeof *s->keys);
	s->values = tr_calloc(st->n_options + 1, sizeof *s->values);
	if (s->user == NULL || s->database == NULL ||
	    s->application_name == NULL || s->keys == NULL ||
	    s->values == NULL) {
		return false;
	}
	/* Options other than user and database go to the executor. */
	for (unsigned i = 0; i < st->n_options; i++) {
		if (strcmp(st->keys[i], "user") == 0 ||
		    strcmp(st->keys[i], "database") == 0) {
			continue;
		}
		s->keys[s->n_options] = tr_strdup(st->keys[i]);
		s->values[s->n_options] = tr_strdup(st->values[i]);
		s->n_options++;
		if (s->keys[s->n_options - 1] == NULL ||
		    s->values[s->n_options - 1] == NULL) {
			return false;
		}
	}
	return true;
}

static void handle_ssl_request(struct pgwire_session *s,
			       const struct pgwire_frame *f)
{
	const struct pgwire_config *cfg = &s->server->cfg;
	if (f->len != 0 || s->ssl_requested || s->tls.ssl != NULL) {
		conn_abort(s, "invalid SSL negotiation");
		return;
	}
	tr_buf_consume(&s->in, f->total);
	s->ssl_requested = true;
	if (cfg->tls == NULL) {
		tr_buf_put_u8(&s->out, 'N');
		return;
	}
	/* Security F1: bytes sent before our 'S' would be read as if they
	 * had come through TLS (CVE-2021-23214).  Refuse them. */
	if (s->in.len > 0) {
		conn_abort(s, "received unencrypted data after SSL request");
		return;
	}
	s->raw = tr_malloc(RAW_READ_SIZE);
	if (s->raw == NULL) {
		conn_abort(s, "out of memory");
		return;
	}
	/* 'S' goes out in plaintext before the TLS transport is switched
	 * on, then the handshake is driven by read_cb. */
	tr_buf_put_u8(&s->out, 'S');
	conn_flush(s);
	if (is_closing(s)) {
		return;
	}
	if (pgwire__tls_start(&s->tls, cfg->tls, s->errmsg) != TR_OK) {
		conn_abort(s, s->errmsg);
		return;
	}
	conn_move(s, PGWIRE_ST_TLS_HANDSHAKE);
}

static void handle_cancel_request(struct pgwire_session *s,
				  const struct pgwire_frame *f)
{
	uint32_t pid;
	uint32_t key;
	if (pgwire__fe_read_cancel(f, &pid, &key) != TR_OK) {
		conn_abort(s, "invalid cancel request");
		return;
	}
	struct pgwire_session *target = pgwire__server_find_cancel(s->server,
								   pid, key);
	if (target != NULL && target->state == PGWIRE_ST_BUSY) {
		const struct pgwire_config *cfg = &s->server->cfg;
		conn_log(TR_LOG_INFO, s, "cancel request for conn=%u", pid);
		cfg->exec->cancel(cfg->exec_data, target);
	} else {
		conn_log(TR_LOG_DEBUG, s, "cancel request matched nothing%s",
			 "");
	}
	/* The cancel connection is closed without an answer (protocol). */
	pgwire__conn_stop(s);
}

static void handle_startup_message(struct pgwire_session *s,
				   const struct pgwire_frame *f)
{
	const struct pgwire_config *cfg = &s->server->cfg;
	struct pgwire_fe_startup st;
	char esc[2][128];
	if (f->code != PGWIRE_PROTO_V3) {
		conn_fatal(s, PGWIRE_SQLSTATE_FEATURE_NOT_SUPP,
			   "unsupported frontend protocol %u.%u: server "
			   "supports 3.0 to 3.0",
			   f->code >> 16, f->code & 0xffff);
		return;
	}
	if (pgwire__fe_read_startup(f, &st) != TR_OK) {
		conn_fatal(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			   "invalid startup packet layout: expected "
			   "terminator as last byte");
		return;
	}
	if (st.user == NULL || st.user[0] == '\0') {
		conn_fatal(s, PGWIRE_SQLSTATE_INVALID_AUTH_SPEC,
			   "no PostgreSQL user name specified in startup "
			   "packet");
		return;
	}
	/* Security F2: refuse plaintext before asking for any secret. */
	if (cfg->tls_required && s->tls.ssl == NULL) {
		const char *db = st.database != NULL && st.database[0]
					 ? st.database
					 : st.user;
		conn_fatal(s, PGWIRE_SQLSTATE_INVALID_AUTH_SPEC,
			   "no pg_hba.conf entry for host \"%s\", user "
			   "\"%s\", database \"%s\", no encryption",
			   s->peer_host, st.user, db);
		return;
	}
	if (!copy_startup(s, &st)) {
		conn_fatal(s, PGWIRE_SQLSTATE_OUT_OF_MEMORY, "out of memory");
		return;
	}
	tr_buf_consume(&s->in, f->total);
	conn_log(TR_LOG_DEBUG, s, "startup user=%s db=%s",
		 tr_escape(esc[0], sizeof esc[0], s->user, strlen(s->user)),
		 tr_escape(esc[1], sizeof esc[1], s->database,
			   strlen(s->database)));
	if (s->too_many) {
		conn_fatal(s, PGWIRE_SQLSTATE_TOO_MANY_CONNS,
			   "sorry, too many clients already");
		return;
	}
	conn_move(s, PGWIRE_ST_AUTH_LOOKUP);
	/* From here on the executor may hold a reference to the session (its
	 * lookup is in flight), so it must hear about the close and release
	 * the session before it is freed. */
	s->engaged = true;
	if (cfg->exec->auth_lookup(cfg->exec_data, s, s->user) != 0) {
		conn_fatal(s, PGWIRE_SQLSTATE_CANNOT_CONNECT_NOW,
			   "the cluster is not available right now");
	}
}

/* STARTUP: one startup-phase packet, or TR_EBUSY if incomplete. */
static int handle_startup(struct pgwire_session *s)
{
	struct pgwire_frame f;
	int rv = pgwire__frame_startup(s->in.data, s->in.len, &f);
	if (rv == TR_EBUSY) {
		return rv;
	}
	if (rv != TR_OK) {
		/* PostgreSQL closes silently here (COMMERROR); the channel
		 * still works, so we say why before closing. */
		conn_fatal(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			   "invalid length of startup packet");
		return TR_OK;
	}
	switch (f.code) {
	case PGWIRE_SSL_CODE:
		handle_ssl_request(s, &f);
		break;
	case PGWIRE_GSSENC_CODE:
		if (f.len != 0 || s->tls.ssl != NULL) {
			conn_abort(s, "invalid GSS negotiation");
			break;
		}
		tr_buf_consume(&s->in, f.total);
		tr_buf_put_u8(&s->out, 'N');
		break;
	case PGWIRE_CANCEL_CODE:
		handle_cancel_request(s, &f);
		break;
	default:
		handle_startup_message(s, &f);
		break;
	}
	return TR_OK;
}

/* ------------------------------------------------------------------ */
/* Authentication                                                      */
/* ------------------------------------------------------------------ */

static void auth_failed(struct pgwire_session *s)
{
	/* Security F11: the same words for unknown user and bad password. */
	conn_fatal(s, PGWIRE_SQLSTATE_INVALID_PASSWORD,
		   "password authentication failed for user \"%s\"", s->user);
}

/* Frame a pre-auth 'p' message: TR_EBUSY, TR_OK, or a fault (handled). */
static int frame_password(struct pgwire_session *s, struct pgwire_frame *f)
{
	if (s->in.len >= 1 && s->in.data[0] != 'p') {
		conn_fatal(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			   "expected SASL response, got message type %d",
			   s->in.data[0]);
		return TR_EPROTO;
	}
	int rv = pgwire__frame_next(s->in.data, s->in.len, PGWIRE_SMALL_MSG_LEN,
				    f);
	if (rv == TR_EPROTO || rv == TR_ETOOBIG) {
		conn_fatal(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			   "invalid message length");
	}
	return rv;
}

static void handle_sasl_initial(struct pgwire_session *s,
				const struct pgwire_frame *f)
{
	const char *mech;
	const uint8_t *data;
	size_t len;
	struct tr_buf reply;
	if (pgwire__fe_read_sasl_initial(f, &mech, &data, &len) != TR_OK ||
	    data == NULL) {
		conn_fatal(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			   "malformed SCRAM message");
		return;
	}
	tr_buf_init(&reply, 0);
	int rv = pgwire__scram_first(&s->scram, mech, data, len, NULL, &reply);
	tr_buf_consume(&s->in, f->total);
	if (rv == TR_OK) {
		pgwire__be_write_auth(&s->out, 11, reply.data, reply.len);
		conn_move(s, PGWIRE_ST_SASL_RESPONSE);
	} else if (rv == TR_EPROTO) {
		conn_fatal(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			   "malformed SCRAM message");
	} else {
		conn_fatal(s, "XX000", "could not run SCRAM exchange");
	}
	tr_buf_close(&reply);
}

static void handle_sasl_response(struct pgwire_session *s,
				 const struct pgwire_frame *f)
{
	const struct pgwire_config *cfg = &s->server->cfg;
	struct tr_buf reply;
	bool ok;
	tr_buf_init(&reply, 0);
	int rv = pgwire__scram_final(&s->scram, f->body, f->len, &ok, &reply);
	tr_buf_consume(&s->in, f->total);
	if (rv == TR_EPROTO) {
		conn_fatal(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			   "malformed SCRAM message");
		goto out;
	}
	if (rv != TR_OK || !ok) {
		auth_failed(s);
		goto out;
	}
	pgwire__be_write_auth(&s->out, 12, reply.data, reply.len);
	pgwire__be_write_auth(&s->out, 0, NULL, 0); /* AuthenticationOk */
	uv_timer_stop(&s->timer);
	conn_log(TR_LOG_INFO, s, "authenticated%s", "");
	conn_move(s, PGWIRE_ST_OPENING);
	struct pgwire_startup st = {
		.user = s->user,
		.database = s->database,
		.n_options = s->n_options,
		.keys = (const char *const *)s->keys,
		.values = (const char *const *)s->values,
	};
	if (cfg->exec->session_open(cfg->exec_data, s, &st) != 0) {
		conn_fatal(s, "XX000", "could not open session");
	}
out:
	tr_buf_close(&reply);
}

static void on_auth_timeout(uv_timer_t *t)
{
	struct pgwire_session *s = t->data;
	conn_abort(s, "authentication timeout");
}

/* ------------------------------------------------------------------ */
/* Established session                                                 */
/* ------------------------------------------------------------------ */

static bool is_known_type(uint8_t type)
{
	return strchr("QXPBDECSHFdcf", type) != NULL && type != '\0';
}

/* Query, Parse, Bind and CopyData may be long; the rest stay small. */
static size_t body_cap(const struct pgwire_session *s, uint8_t type)
{
	if (type == 'Q' || type == 'P' || type == 'B' || type == 'd') {
		return s->server->cfg.max_msg_len;
	}
	return PGWIRE_SMALL_MSG_LEN;
}

static void send_ready(struct pgwire_session *s)
{
	s->hold_output = false; /* ReadyForQuery goes out now */
	pgwire__be_write_ready_for_query(&s->out, s->txn_status);
	tr_arena_reset(&s->arena);
}

static void handle_query(struct pgwire_session *s, const struct pgwire_frame *f)
{
	const struct pgwire_config *cfg = &s->server->cfg;
	const char *sql;
	size_t len;
	if (pgwire__fe_read_query(f, &sql, &len) != TR_OK) {
		conn_fatal(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			   "invalid string in message");
		return;
	}
	/* The input buffer may move while the query runs (we keep
	 * reading), so the executor gets a cycle-lifetime copy. */
	char *copy = tr_arena_strndup(&s->arena, sql, len);
	tr_buf_consume(&s->in, f->total);
	if (copy == NULL) {
		conn_fatal(s, PGWIRE_SQLSTATE_OUT_OF_MEMORY, "out of memory");
		return;
	}
	if (tr_log_level >= TR_LOG_DEBUG) {
		char esc[MAX_QUERY_LOG_LEN];
		conn_log(TR_LOG_DEBUG, s, "query: %s",
			 tr_escape(esc, sizeof esc, copy, len));
	}
	/* A simple Query destroys the unnamed statement and portal, as
	 * PostgreSQL does. */
	pgwire__portal_drop_unnamed(s);
	struct pgwire_stmt *unnamed = pgwire__stmt_find(s, "");
	if (unnamed != NULL) {
		pgwire__stmt_drop(s, unnamed);
	}
	s->req = PGWIRE_REQ_QUERY;
	conn_move(s, PGWIRE_ST_BUSY);
	if (cfg->exec->query(cfg->exec_data, s, copy, len) != 0) {
		conn_fatal(s, "XX000", "could not run query");
	}
}

static void send_unsupported(struct pgwire_session *s, const char *what)
{
	struct pgwire_error err = {
		.sqlstate = PGWIRE_SQLSTATE_FEATURE_NOT_SUPP,
		.message = what
	};
	pgwire__be_write_error(&s->out, 'E', &err, "ERROR");
}

/* ------------------------------------------------------------------ */
/* Extended query protocol                                             */
/* ------------------------------------------------------------------ */

/*
 * An ERROR in an extended-protocol message: send it and discard messages
 * until Sync (PostgreSQL's ignore_till_sync).  Sync then tells the
 * executor the implicit transaction failed.
 */
/* An extended-protocol error: sent at once (as PostgreSQL does: a client
 * waiting after Flush must hear it), then messages are skipped until
 * Sync. */
static void ext_error_err(struct pgwire_session *s,
			  const struct pgwire_error *err)
{
	pgwire__be_write_error(&s->out, 'E', err, "ERROR");
	s->ext_failed = true;
	s->hold_output = false;
	conn_move(s, PGWIRE_ST_SKIP_TO_SYNC);
}

static void ext_error(struct pgwire_session *s, const char *sqlstate,
		      const char *fmt, ...) TR_PRINTF(3, 4);
static void ext_error(struct pgwire_session *s, const char *sqlstate,
		      const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct pgwire_error err = { .sqlstate = sqlstate, .message = msg };
	ext_error_err(s, &err);
}

static void ext_oom(struct pgwire_session *s)
{
	conn_fatal(s, PGWIRE_SQLSTATE_OUT_OF_MEMORY, "out of memory");
}

/* The next complete message in the input, after @off, is a Sync. */
static bool next_is_sync(const struct pgwire_session *s, size_t off)
{
	struct pgwire_frame g;
	if (off >= s->in.len) {
		return false;
	}
	return pgwire__frame_next(s->in.data + off, s->in.len - off,
				  PGWIRE_SMALL_MSG_LEN, &g) == TR_OK &&
	       g.type == 'S' && g.len == 0;
}

static void handle_parse(struct pgwire_session *s, const struct pgwire_frame *f)
{
	const struct pgwire_config *cfg = &s->server->cfg;
	struct pgwire_fe_parse m;
	if (pgwire__fe_read_parse(f, &m) != TR_OK) {
		conn_fatal(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			   "invalid Parse message");
		return;
	}
	struct pgwire_stmt *old = pgwire__stmt_find(s, m.name);
	if (old != NULL && m.name[0] != '\0') {
		ext_error(s, "42P05",
			  "prepared statement \"%s\" already exists", m.name);
		return;
	}
	/* The unnamed statement goes even if the new one fails to parse
	 * (PostgreSQL drops it first). */
	if (old != NULL) {
		pgwire__stmt_drop(s, old);
	}
	if (s->n_stmts >= PGWIRE_MAX_STATEMENTS) {
		ext_error(s, "54000",
			  "too many prepared statements (at most %u per "
			  "session)",
			  PGWIRE_MAX_STATEMENTS);
		return;
	}
	TR_PRE(s->req_name == NULL && s->req_sql == NULL);
	s->req_name = tr_strdup(m.name);
	s->req_sql = tr_strndup(m.sql, m.sql_len);
	s->req_oids = tr_calloc(m.n_param_oids + 1, sizeof *s->req_oids);
	if (s->req_name == NULL || s->req_sql == NULL || s->req_oids == NULL) {
		ext_oom(s);
		return;
	}
	for (unsigned i = 0; i < m.n_param_oids; i++) {
		s->req_oids[i] = tr_load_be32(m.param_oids + 4 * i);
	}
	if (tr_log_level >= TR_LOG_DEBUG) {
		char esc[MAX_QUERY_LOG_LEN];
		conn_log(TR_LOG_DEBUG, s, "parse: %s",
			 tr_escape(esc, sizeof esc, s->req_sql, m.sql_len));
	}
	s->req = PGWIRE_REQ_PREPARE;
	conn_move(s, PGWIRE_ST_BUSY);
	if (cfg->exec->prepare(cfg->exec_data, s, s->req_sql, m.n_param_oids,
			       s->req_oids) != 0) {
		conn_fatal(s, "XX000", "could not prepare statement");
	}
}

static bool is_valid_format(int16_t format)
{
	return format == 0 || format == 1;
}

static void handle_bind(struct pgwire_session *s, const struct pgwire_frame *f)
{
	struct pgwire_fe_bind m;
	if (pgwire__fe_read_bind(f, &m) != TR_OK) {
		conn_fatal(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			   "invalid Bind message");
		return;
	}
	/* Checks in PostgreSQL's order (exec_bind_message); all of these are
	 * errors in the message, not protocol faults. */
	struct pgwire_stmt *st = pgwire__stmt_find(s, m.stmt);
	if (st == NULL) {
		ext_error(s, "26000",
			  "prepared statement \"%s\" does not exist", m.stmt);
		return;
	}
	if (m.n_param_formats > 1 && m.n_param_formats != m.n_params) {
		ext_error(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			  "bind message has %u parameter formats but %u "
			  "parameters",
			  m.n_param_formats, m.n_params);
		return;
	}
	if (m.n_params != st->n_params) {
		ext_error(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			  "bind message supplies %u parameters, but prepared "
			  "statement \"%s\" requires %u",
			  m.n_params, m.stmt, st->n_params);
		return;
	}
	for (unsigned i = 0; i < m.n_param_formats; i++) {
		int16_t fmt = pgwire__fe_get_format(m.param_formats, i);
		if (!is_valid_format(fmt)) {
			ext_error(s, "22023", "unsupported format code: %d",
				  fmt);
			return;
		}
	}
	if (m.n_result_formats > 1 && m.n_result_formats != st->n_cols) {
		ext_error(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			  "bind message has %u result formats but query has "
			  "%u columns",
			  m.n_result_formats, st->n_cols);
		return;
	}
	for (unsigned i = 0; i < m.n_result_formats; i++) {
		int16_t fmt = pgwire__fe_get_format(m.result_formats, i);
		if (!is_valid_format(fmt)) {
			ext_error(s, "22023", "unsupported format code: %d",
				  fmt);
			return;
		}
	}
	if (m.portal[0] == '\0') {
		pgwire__portal_drop_unnamed(s);
	} else if (pgwire__portal_find(s, m.portal) != NULL) {
		ext_error(s, "42P03", "portal \"%s\" already exists", m.portal);
		return;
	}
	if (s->n_portals >= PGWIRE_MAX_PORTALS) {
		ext_error(s, "54000",
			  "too many portals (at most %u per session)",
			  PGWIRE_MAX_PORTALS);
		return;
	}

	struct pgwire_portal *p = tr_calloc(1, sizeof *p);
	if (p == NULL) {
		ext_oom(s);
		return;
	}
	tr_queue_init(&p->link);
	p->name = tr_strdup(m.portal);
	p->n_params = m.n_params;
	p->params = tr_calloc(m.n_params + 1, sizeof *p->params);
	p->data = tr_malloc(m.params_data_len + 1);
	p->result_formats = tr_calloc(st->n_cols + 1,
				      sizeof *p->result_formats);
	if (p->name == NULL || p->params == NULL || p->data == NULL ||
	    p->result_formats == NULL) {
		tr_free(p->name);
		tr_free(p->params);
		tr_free(p->data);
		tr_free(p->result_formats);
		tr_free(p);
		ext_oom(s);
		return;
	}
	/* Copy the values: they must outlive this message. */
	struct tr_cursor c;
	size_t off = 0;
	tr_cursor_init(&c, m.params, m.params_len);
	for (unsigned i = 0; i < m.n_params; i++) {
		const uint8_t *v;
		int32_t len;
		int rv = pgwire__fe_next_param(&c, &len, &v);
		/* The decoder proved the layout. */
		if (TR_NEVER(rv != TR_OK)) {
			len = -1;
		}
		p->params[i].format =
			m.n_param_formats == 0 ? 0
			: m.n_param_formats == 1
				? pgwire__fe_get_format(m.param_formats, 0)
				: pgwire__fe_get_format(m.param_formats, i);
		p->params[i].len = len;
		p->params[i].p = NULL;
		if (len >= 0) {
			memcpy(p->data + off, v, (size_t)len);
			p->params[i].p = p->data + off;
			off += (size_t)len;
		}
	}
	for (unsigned i = 0; i < st->n_cols; i++) {
		p->result_formats[i] =
			m.n_result_formats == 0 ? 0
			: m.n_result_formats == 1
				? pgwire__fe_get_format(m.result_formats, 0)
				: pgwire__fe_get_format(m.result_formats, i);
	}
	p->stmt = st;
	st->n_refs++;
	tr_queue_push(&s->portals, &p->link);
	s->n_portals++;
	pgwire__be_write_bodiless(&s->out, '2'); /* BindComplete */
}

static void handle_describe(struct pgwire_session *s,
			    const struct pgwire_frame *f)
{
	uint8_t kind;
	const char *name;
	if (pgwire__fe_read_target(f, &kind, &name) != TR_OK) {
		conn_fatal(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			   "invalid Describe message");
		return;
	}
	if (kind == 'S') {
		struct pgwire_stmt *st = pgwire__stmt_find(s, name);
		if (st == NULL) {
			ext_error(s, "26000",
				  "prepared statement \"%s\" does not exist",
				  name);
			return;
		}
		pgwire__be_write_parameter_description(&s->out, st->n_params,
						       st->param_oids);
		if (st->n_cols == 0) {
			pgwire__be_write_bodiless(&s->out, 'n'); /* NoData */
			return;
		}
		/* Formats are not known until Bind: text (protocol). */
		pgwire__be_write_row_description(&s->out, st->n_cols, st->cols);
		return;
	}
	struct pgwire_portal *p = pgwire__portal_find(s, name);
	if (p == NULL) {
		ext_error(s, "34000", "portal \"%s\" does not exist", name);
		return;
	}
	if (p->stmt->n_cols == 0) {
		pgwire__be_write_bodiless(&s->out, 'n');
		return;
	}
	pgwire__be_write_row_description_fmt(&s->out, p->stmt->n_cols,
					     p->stmt->cols, p->result_formats);
}

/* Re-execution of a completed portal: the tag with its count as 0. */
static void send_done_again(struct pgwire_session *s,
			    const struct pgwire_portal *p)
{
	if (p->tag[0] == '\0') {
		pgwire__be_write_empty_query(&s->out);
		return;
	}
	size_t len = strlen(p->tag);
	size_t digits = len;
	while (digits > 0 && p->tag[digits - 1] >= '0' &&
	       p->tag[digits - 1] <= '9') {
		digits--;
	}
	if (digits == len || digits == 0 || p->tag[digits - 1] != ' ') {
		pgwire__be_write_command_complete(&s->out, p->tag);
		return;
	}
	char tag[128];
	snprintf(tag, sizeof tag, "%.*s0", (int)digits, p->tag);
	pgwire__be_write_command_complete(&s->out, tag);
}

static void handle_execute(struct pgwire_session *s,
			   const struct pgwire_frame *f)
{
	const struct pgwire_config *cfg = &s->server->cfg;
	const char *name;
	uint32_t max_rows;
	if (pgwire__fe_read_execute(f, &name, &max_rows) != TR_OK) {
		conn_fatal(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			   "invalid Execute message");
		return;
	}
	struct pgwire_portal *p = pgwire__portal_find(s, name);
	if (p == NULL) {
		ext_error(s, "34000", "portal \"%s\" does not exist", name);
		return;
	}
	if (p->failed) {
		ext_error(s, "55000", "portal \"%s\" cannot be run", name);
		return;
	}
	if (p->done) {
		send_done_again(s, p);
		return;
	}
	bool sync_follows = next_is_sync(s, f->total);
	s->req = PGWIRE_REQ_EXECUTE;
	s->req_portal = p;
	conn_move(s, PGWIRE_ST_BUSY);
	if (cfg->exec->execute(cfg->exec_data, s, p->stmt->handle, p->n_params,
			       p->params, p->stmt->n_cols, p->result_formats,
			       max_rows, sync_follows, &p->state) != 0) {
		conn_fatal(s, "XX000", "could not execute statement");
	}
}

static void handle_close(struct pgwire_session *s, const struct pgwire_frame *f)
{
	uint8_t kind;
	const char *name;
	if (pgwire__fe_read_target(f, &kind, &name) != TR_OK) {
		conn_fatal(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			   "invalid Close message");
		return;
	}
	/* Closing something that does not exist is not an error. */
	if (kind == 'S') {
		struct pgwire_stmt *st = pgwire__stmt_find(s, name);
		if (st != NULL) {
			pgwire__stmt_drop(s, st);
		}
	} else {
		struct pgwire_portal *p = pgwire__portal_find(s, name);
		if (p != NULL) {
			pgwire__portal_drop(s, p);
		}
	}
	pgwire__be_write_bodiless(&s->out, '3'); /* CloseComplete */
}

static void handle_sync(struct pgwire_session *s, const struct pgwire_frame *f)
{
	const struct pgwire_config *cfg = &s->server->cfg;
	if (pgwire__fe_read_empty(f) != TR_OK) {
		conn_fatal(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			   "invalid Sync message");
		return;
	}
	/* The unnamed portal ends here, before the commit. */
	pgwire__portal_drop_unnamed(s);
	bool failed = s->ext_failed;
	s->ext_failed = false;
	if (cfg->exec->sync == NULL) {
		send_ready(s);
		if (s->state != PGWIRE_ST_READY) {
			conn_move(s, PGWIRE_ST_READY);
		}
		return;
	}
	s->req = PGWIRE_REQ_SYNC;
	conn_move(s, PGWIRE_ST_BUSY);
	if (cfg->exec->sync(cfg->exec_data, s, failed) != 0) {
		conn_fatal(s, "XX000", "could not end the transaction");
	}
}

/* READY / SKIP_TO_SYNC: TR_EBUSY to wait, TR_OK after one message. */
static int handle_message(struct pgwire_session *s)
{
	struct pgwire_frame f;
	if (s->in.len == 0) {
		return TR_EBUSY;
	}
	uint8_t type = s->in.data[0];
	/* Reject an unknown type before trusting its length (as
	 * PostgreSQL's SocketBackend does). */
	if (!is_known_type(type)) {
		conn_fatal(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			   "invalid frontend message type %d", type);
		return TR_OK;
	}
	int rv = pgwire__frame_next(s->in.data, s->in.len, body_cap(s, type),
				    &f);
	if (rv == TR_EBUSY) {
		return rv;
	}
	if (rv != TR_OK) {
		conn_fatal(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			   "invalid message length");
		return TR_OK;
	}
	if (type == 'X') {
		conn_log(TR_LOG_DEBUG, s, "terminate%s", "");
		pgwire__conn_stop(s);
		return TR_OK;
	}
	if (s->state == PGWIRE_ST_SKIP_TO_SYNC && type != 'S') {
		tr_buf_consume(&s->in, f.total);
		s->hold_output = false; /* the error is out already */
		return TR_OK;
	}
	switch (type) {
	case 'Q':
		handle_query(s, &f);
		return TR_OK;
	case 'F':
		tr_buf_consume(&s->in, f.total);
		send_unsupported(s, "function call protocol is not supported");
		send_ready(s);
		return TR_OK;
	case 'd':
	case 'c':
	case 'f':
		/* Outside COPY these are ignored (protocol docs). */
		tr_buf_consume(&s->in, f.total);
		return TR_OK;
	default: /* P B D E C H S */
		break;
	}
	if (s->server->cfg.exec->prepare == NULL && type != 'S') {
		/* An executor without the extended protocol. */
		tr_buf_consume(&s->in, f.total);
		ext_error(s, PGWIRE_SQLSTATE_FEATURE_NOT_SUPP,
			  "extended query protocol is not supported");
		return TR_OK;
	}
	/* Handlers copy what they keep (and what they hand to the
	 * executor) before the message is consumed here. */
	s->hold_output = type != 'H' && type != 'S';
	switch (type) {
	case 'P':
		handle_parse(s, &f);
		break;
	case 'B':
		handle_bind(s, &f);
		break;
	case 'D':
		handle_describe(s, &f);
		break;
	case 'E':
		handle_execute(s, &f);
		break;
	case 'C':
		handle_close(s, &f);
		break;
	case 'H':
		/* hold_output is off: this tick flushes. */
		if (pgwire__fe_read_empty(&f) != TR_OK) {
			conn_fatal(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
				   "invalid Flush message");
		}
		break;
	default: /* 'S' */
		handle_sync(s, &f);
		break;
	}
	if (!is_closing(s)) {
		tr_buf_consume(&s->in, f.total);
	}
	return TR_OK;
}

/* ------------------------------------------------------------------ */
/* COPY                                                                */
/* ------------------------------------------------------------------ */

/*
 * BUSY in COPY-IN: one COPY message to the executor, or TR_EBUSY if
 * incomplete.  As PostgreSQL's CopyGetData: Flush and Sync are dropped
 * (libpq sends Sync right after Execute, before it knows the command is a
 * COPY), any other type is a protocol violation.  Terminate is honoured
 * rather than called a violation: the client is leaving anyway.
 */
static int handle_copy_in(struct pgwire_session *s)
{
	const struct pgwire_config *cfg = &s->server->cfg;
	struct pgwire_frame f;
	const char *reason;
	if (s->in.len == 0) {
		return TR_EBUSY;
	}
	uint8_t type = s->in.data[0];
	if (type == '\0' || strchr("dcfHSX", type) == NULL) {
		conn_fatal(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			   "unexpected message type 0x%02X during COPY from "
			   "stdin",
			   type);
		return TR_OK;
	}
	int rv = pgwire__frame_next(s->in.data, s->in.len, body_cap(s, type),
				    &f);
	if (rv == TR_EBUSY) {
		return rv;
	}
	if (rv != TR_OK) {
		conn_fatal(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
			   "invalid message length");
		return TR_OK;
	}
	/* The body is borrowed from s->in: consume only after the call
	 * (nothing appends to s->in during it: reads come from the loop). */
	switch (type) {
	case 'd':
		cfg->exec->copy_data(cfg->exec_data, s, f.body, f.len);
		break;
	case 'c':
		copy_end(s);
		conn_log(TR_LOG_DEBUG, s, "copy in: done%s", "");
		cfg->exec->copy_done(cfg->exec_data, s);
		break;
	case 'f':
		if (pgwire__fe_read_copy_fail(&f, &reason) != TR_OK) {
			conn_fatal(s, PGWIRE_SQLSTATE_PROTOCOL_VIOLATION,
				   "invalid CopyFail message");
			return TR_OK;
		}
		copy_end(s);
		conn_log(TR_LOG_DEBUG, s, "copy in: client failed it%s", "");
		cfg->exec->copy_fail(cfg->exec_data, s, reason);
		break;
	case 'X':
		conn_log(TR_LOG_DEBUG, s, "terminate during COPY%s", "");
		pgwire__conn_stop(s);
		return TR_OK;
	default: /* 'H', 'S' */
		break;
	}
	tr_buf_consume(&s->in, f.total);
	return TR_OK;
}

/* The body of conn_tick: advance until the machine must wait. */
static void conn_run(struct pgwire_session *s)
{
	struct pgwire_frame f;
	for (;;) {
		enum pgwire_conn_state before = s->state;
		size_t in_before = s->in.len;
		switch (s->state) {
		case PGWIRE_ST_STARTUP:
			if (handle_startup(s) == TR_EBUSY) {
				return;
			}
			break;
		case PGWIRE_ST_TLS_HANDSHAKE:
			if (!s->tls.handshaken) {
				return;
			}
			conn_move(s, PGWIRE_ST_STARTUP);
			break;
		case PGWIRE_ST_SASL_INITIAL:
			if (frame_password(s, &f) != TR_OK) {
				return;
			}
			handle_sasl_initial(s, &f);
			break;
		case PGWIRE_ST_SASL_RESPONSE:
			if (frame_password(s, &f) != TR_OK) {
				return;
			}
			handle_sasl_response(s, &f);
			break;
		case PGWIRE_ST_READY:
			/* Backpressure: a client that pipelines queries but
			 * does not read answers waits here. */
			if (pending_out(s) > PGWIRE_OUT_HIGH_WATER) {
				return;
			}
			/* fallthrough */
		case PGWIRE_ST_SKIP_TO_SYNC:
			if (handle_message(s) == TR_EBUSY) {
				return;
			}
			break;
		case PGWIRE_ST_BUSY:
			/* The executor's request is in flight: only COPY-IN
			 * reads messages meanwhile (that is its point). */
			if (s->copy != PGWIRE_COPY_IN || s->copy_paused ||
			    handle_copy_in(s) == TR_EBUSY) {
				return;
			}
			break;
		case PGWIRE_ST_AUTH_LOOKUP:
		case PGWIRE_ST_OPENING:
		case PGWIRE_ST_FLUSH_AND_CLOSE:
		case PGWIRE_ST_CLOSING:
		case PGWIRE_ST_CLOSED:
		case PGWIRE_ST__N:
			return;
		}
		/* Every pass must make progress, or the loop would spin. */
		if (TR_NEVER(s->state == before && s->in.len == in_before)) {
			pgwire__conn_stop(s);
			return;
		}
	}
}

/* Start or stop reading so that input stays bounded while we wait. */
static void update_reading(struct pgwire_session *s)
{
	if (s->state >= PGWIRE_ST_CLOSING) {
		return;
	}
	bool want = true;
	switch (s->state) {
	case PGWIRE_ST_BUSY:
		if (s->copy == PGWIRE_COPY_IN) {
			/* Messages are consumed as they come (one is at most
			 * max_msg_len); the executor may pause us. */
			want = !s->copy_paused;
			break;
		}
		/* fallthrough */
	case PGWIRE_ST_AUTH_LOOKUP:
	case PGWIRE_ST_OPENING:
		want = s->in.len < PGWIRE_IN_HIGH_WATER;
		break;
	case PGWIRE_ST_READY:
	case PGWIRE_ST_SKIP_TO_SYNC:
		if (pending_out(s) > PGWIRE_OUT_HIGH_WATER) {
			want = s->in.len < PGWIRE_IN_HIGH_WATER;
		}
		break;
	default:
		break;
	}
	if (want && s->read_stopped) {
		int rv = uv_read_start((uv_stream_t *)&s->tcp, on_alloc,
				       on_read);
		if (rv != 0) {
			conn_abort(s, uv_strerror(rv));
			return;
		}
		s->read_stopped = false;
	} else if (!want && !s->read_stopped) {
		uv_read_stop((uv_stream_t *)&s->tcp);
		s->read_stopped = true;
	}
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	struct pgwire_session *s = req->data;
	TR_UNUSED(status);
	s->shutting_down = false;
	pgwire__conn_stop(s);
}

static void conn_tick(struct pgwire_session *s)
{
	if (s->ticking) {
		s->retick = true; /* a completion arrived from inside a call */
		return;
	}
	s->ticking = true;
	do {
		s->retick = false;
		conn_run(s);
		if (!s->hold_output || s->copy != PGWIRE_COPY_NONE ||
		    s->state >= PGWIRE_ST_FLUSH_AND_CLOSE) {
			conn_flush(s);
		}
	} while (s->retick && s->state < PGWIRE_ST_FLUSH_AND_CLOSE);
	s->ticking = false;
	if (s->state == PGWIRE_ST_FLUSH_AND_CLOSE && pending_out(s) == 0 &&
	    !s->shutting_down) {
		/* Everything is written: half-close so the client reads our
		 * FATAL before it sees the end, then close. */
		s->shutdown_req.data = s;
		if (uv_shutdown(&s->shutdown_req, (uv_stream_t *)&s->tcp,
				on_shutdown) == 0) {
			s->shutting_down = true;
		} else {
			pgwire__conn_stop(s);
		}
		return;
	}
	update_reading(s);
}

/* ------------------------------------------------------------------ */
/* Accept                                                              */
/* ------------------------------------------------------------------ */

static void on_reject_close(uv_handle_t *h)
{
	tr_free(h);
}

/* Accept and drop a connection we cannot hold (OOM, hard cap). */
static void accept_and_drop(struct pgwire_server *server)
{
	uv_tcp_t *t = tr_malloc(sizeof *t);
	if (t == NULL) {
		return;
	}
	uv_tcp_init(server->loop, t);
	(void)uv_accept((uv_stream_t *)&server->listener, (uv_stream_t *)t);
	uv_close((uv_handle_t *)t, on_reject_close);
}

static void peer_name(struct pgwire_session *s)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;
	char host[48] = "?";
	int port = 0;
	snprintf(s->peer, sizeof s->peer, "?");
	if (uv_tcp_getpeername(&s->tcp, (struct sockaddr *)&ss, &len) != 0) {
		return;
	}
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
		uv_ip4_name(a, host, sizeof host);
		port = ntohs(a->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
		uv_ip6_name(a, host, sizeof host);
		port = ntohs(a->sin6_port);
	}
	snprintf(s->peer, sizeof s->peer, "%s:%d", host, port);
	snprintf(s->peer_host, sizeof s->peer_host, "%s", host);
}

void pgwire__conn_accept(struct pgwire_server *server)
{
	const struct pgwire_config *cfg = &server->cfg;
	/* Beyond the soft limit a client still gets its 53300 answer; beyond
	 * the hard limit (room for cancels and slack) we only drop. */
	if (server->n_sessions >= 2 * cfg->max_connections + 16) {
		tr_warn(PGWIRE_COMPONENT, "too many connections: dropping");
		accept_and_drop(server);
		return;
	}
	struct pgwire_session *s = tr_calloc(1, sizeof *s);
	if (s == NULL) {
		accept_and_drop(server);
		return;
	}
	s->server = server;
	s->state = PGWIRE_ST_STARTUP;
	s->txn_status = 'I';
	tr_buf_init(&s->in, 0);
	tr_buf_init(&s->out, 0);
	tr_arena_init(&s->arena, 4096);
	tr_queue_init(&s->stmts);
	tr_queue_init(&s->portals);
	pgwire__scram_init(&s->scram);
	snprintf(s->peer, sizeof s->peer, "?");
	uv_tcp_init(server->loop, &s->tcp);
	uv_timer_init(server->loop, &s->timer);
	s->tcp.data = s;
	s->timer.data = s;
	s->n_handles_open = 2;
	s->too_many = server->n_sessions >= cfg->max_connections;
	s->id = server->next_id++;
	if (server->next_id == 0) {
		server->next_id = 1;
	}
	tr_queue_push(&server->sessions, &s->link);
	server->n_sessions++;

	int rv = uv_accept((uv_stream_t *)&server->listener,
			   (uv_stream_t *)&s->tcp);
	if (rv != 0) {
		tr_warn(PGWIRE_COMPONENT, "accept: %s", uv_strerror(rv));
		pgwire__conn_stop(s);
		return;
	}
	peer_name(s);
	if (RAND_bytes((unsigned char *)&s->cancel_key, sizeof s->cancel_key) !=
	    1) {
		conn_abort(s, "RAND_bytes failed");
		return;
	}
	(void)uv_tcp_nodelay(&s->tcp, 1);
	rv = uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read);
	if (rv != 0) {
		conn_abort(s, uv_strerror(rv));
		return;
	}
	uv_timer_start(&s->timer, on_auth_timeout, cfg->auth_timeout_ms, 0);
	conn_log(TR_LOG_DEBUG, s, "accepted%s", "");
}

/* ------------------------------------------------------------------ */
/* Executor-facing API                                                 */
/* ------------------------------------------------------------------ */

void pgwire_session_set_data(struct pgwire_session *s, void *data)
{
	s->data = data;
}

void *pgwire_session_data(const struct pgwire_session *s)
{
	return s->data;
}

uint32_t pgwire_session_id(const struct pgwire_session *s)
{
	return s->id;
}

const char *pgwire_session_user(const struct pgwire_session *s)
{
	return s->user;
}

const char *pgwire_session_database(const struct pgwire_session *s)
{
	return s->database;
}

const char *pgwire_session_peer(const struct pgwire_session *s)
{
	return s->peer;
}

bool pgwire_session_is_closing(const struct pgwire_session *s)
{
	return is_closing(s);
}

void pgwire_session_release(struct pgwire_session *s)
{
	TR_PRE(!s->released);
	s->released = true;
	maybe_free(s);
}

void pgwire_session_auth_lookup_done(struct pgwire_session *s, int rc,
				     const char *verifier)
{
	const struct pgwire_server *server = s->server;
	if (s->state != PGWIRE_ST_AUTH_LOOKUP) {
		return;
	}
	if (rc != TR_OK) {
		/* The lookup itself failed (the cluster is unreachable): that
		 * says nothing about the user, and the client should retry. */
		conn_fatal(s, PGWIRE_SQLSTATE_CANNOT_CONNECT_NOW,
			   "the cluster is not available right now");
		conn_tick(s);
		return;
	}
	int rv = TR_EINVAL;
	if (verifier != NULL) {
		rv = pgwire__scram_set_verifier(&s->scram, verifier);
		if (rv == TR_EINVAL) {
			conn_log(TR_LOG_WARN, s,
				 "stored verifier is not SCRAM-SHA-256%s", "");
		}
	}
	if (rv != TR_OK) {
		/* Unknown user or unusable verifier: both run the mock
		 * exchange and fail the same way as a wrong password. */
		rv = pgwire__scram_set_mock(&s->scram, s->user,
					    server->mock_secret,
					    sizeof server->mock_secret);
	}
	if (rv != TR_OK) {
		conn_fatal(s, PGWIRE_SQLSTATE_OUT_OF_MEMORY, "out of memory");
		conn_tick(s);
		return;
	}
	/* Offer channel binding when we are on TLS with a certificate. */
	if (s->tls.ssl != NULL &&
	    pgwire__tls_end_point(s->tls.ssl, s->scram.cbind_hash,
				  &s->scram.cbind_len) == TR_OK) {
		s->scram.offered_plus = true;
	}
	pgwire__be_write_auth_sasl(&s->out, s->scram.offered_plus);
	conn_move(s, PGWIRE_ST_SASL_INITIAL);
	conn_tick(s);
}

static const char *param_value(const struct pgwire_session *s, const char *name,
			       const char *dflt)
{
	for (unsigned i = s->n_statuses; i-- > 0;) {
		if (strcmp(s->statuses[i].name, name) == 0) {
			return s->statuses[i].value;
		}
	}
	return dflt;
}

void pgwire_session_open_done(struct pgwire_session *s,
			      const struct pgwire_error *err, bool is_superuser)
{
	const struct pgwire_config *cfg = &s->server->cfg;
	if (s->state != PGWIRE_ST_OPENING) {
		return;
	}
	if (err != NULL) {
		conn_fatal_err(s, err);
		conn_tick(s);
		return;
	}
	const char *defaults[][2] = {
		{ "server_version",
		  cfg->server_version ? cfg->server_version : "16.0" },
		{ "server_encoding", "UTF8" },
		{ "client_encoding", "UTF8" },
		{ "DateStyle", "ISO, MDY" },
		{ "IntervalStyle", "postgres" },
		{ "integer_datetimes", "on" },
		{ "standard_conforming_strings", "on" },
		{ "TimeZone", cfg->timezone ? cfg->timezone : "UTC" },
		{ "application_name", s->application_name },
		{ "is_superuser", is_superuser ? "on" : "off" },
		{ "session_authorization", s->user },
		{ "default_transaction_read_only", "off" },
		{ "in_hot_standby", "off" },
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(defaults); i++) {
		pgwire__be_write_parameter_status(
			&s->out, defaults[i][0],
			param_value(s, defaults[i][0], defaults[i][1]));
	}
	/* Executor parameters we do not send by default, last value wins. */
	for (unsigned i = 0; i < s->n_statuses; i++) {
		bool dup = false;
		for (size_t j = 0; j < TR_ARRAY_LEN(defaults) && !dup; j++) {
			dup = strcmp(s->statuses[i].name, defaults[j][0]) == 0;
		}
		for (unsigned j = i + 1; j < s->n_statuses && !dup; j++) {
			dup = strcmp(s->statuses[i].name,
				     s->statuses[j].name) == 0;
		}
		if (!dup) {
			pgwire__be_write_parameter_status(&s->out,
							  s->statuses[i].name,
							  s->statuses[i].value);
		}
	}
	pgwire__be_write_backend_key_data(&s->out, s->id, s->cancel_key);
	s->txn_status = 'I';
	send_ready(s);
	conn_move(s, PGWIRE_ST_READY);
	conn_tick(s);
}

void pgwire_session_query_done(struct pgwire_session *s, char txn_status)
{
	if (s->state != PGWIRE_ST_BUSY ||
	    (s->req != PGWIRE_REQ_QUERY && s->req != PGWIRE_REQ_SYNC)) {
		return;
	}
	s->req = PGWIRE_REQ_NONE;
	copy_end(s);
	s->txn_status = (txn_status == 'T' || txn_status == 'E') ? txn_status
								 : 'I';
	/* Out of any transaction: every portal ends (they are not
	 * holdable). */
	if (s->txn_status == 'I') {
		pgwire__portals_drop_all(s);
	}
	send_ready(s);
	conn_move(s, PGWIRE_ST_READY);
	conn_tick(s);
}

/* Copy the executor's description into a new registered statement. */
static int stmt_register(struct pgwire_session *s, void *handle,
			 unsigned n_params, const uint32_t *param_oids,
			 unsigned n_cols, const struct pgwire_column *cols)
{
	struct pgwire_stmt *st = tr_calloc(1, sizeof *st);
	if (st == NULL) {
		return TR_ENOMEM;
	}
	tr_queue_init(&st->link);
	st->name = s->req_name;
	s->req_name = NULL;
	st->handle = handle;
	st->param_oids = tr_calloc(n_params + 1, sizeof *st->param_oids);
	st->cols = tr_calloc(n_cols + 1, sizeof *st->cols);
	st->n_refs = 1;
	if (st->param_oids == NULL || st->cols == NULL) {
		goto err;
	}
	st->n_params = n_params;
	if (n_params > 0) {
		memcpy(st->param_oids, param_oids,
		       n_params * sizeof *param_oids);
	}
	for (unsigned i = 0; i < n_cols; i++) {
		st->cols[i] = cols[i];
		st->cols[i].format = 0;
		st->cols[i].name = tr_strdup(cols[i].name != NULL ? cols[i].name
								  : "");
		st->n_cols = i + 1;
		if (st->cols[i].name == NULL) {
			goto err;
		}
	}
	st->registered = true;
	tr_queue_push(&s->stmts, &st->link);
	s->n_stmts++;
	return TR_OK;
err:
	st->handle = NULL; /* the caller gives it back */
	pgwire__stmt_unref(s, st);
	return TR_ENOMEM;
}

void pgwire_session_prepare_done(struct pgwire_session *s,
				 const struct pgwire_error *err, void *stmt,
				 unsigned n_params, const uint32_t *param_oids,
				 unsigned n_cols,
				 const struct pgwire_column *cols)
{
	const struct pgwire_config *cfg = &s->server->cfg;
	if (s->state != PGWIRE_ST_BUSY || s->req != PGWIRE_REQ_PREPARE) {
		return;
	}
	s->req = PGWIRE_REQ_NONE;
	tr_free(s->req_sql);
	tr_free(s->req_oids);
	s->req_sql = NULL;
	s->req_oids = NULL;
	if (err != NULL) {
		tr_free(s->req_name);
		s->req_name = NULL;
		ext_error_err(s, err);
		conn_tick(s);
		return;
	}
	if (n_params > UINT16_MAX || n_cols > INT16_MAX) {
		tr_free(s->req_name);
		s->req_name = NULL;
		if (stmt != NULL) {
			cfg->exec->unprepare(cfg->exec_data, s, stmt);
		}
		ext_error(s, "54000", "statement has too many %s",
			  n_cols > INT16_MAX ? "columns" : "parameters");
		conn_tick(s);
		return;
	}
	if (stmt_register(s, stmt, n_params, param_oids, n_cols, cols) !=
	    TR_OK) {
		tr_free(s->req_name);
		s->req_name = NULL;
		if (stmt != NULL) {
			cfg->exec->unprepare(cfg->exec_data, s, stmt);
		}
		ext_oom(s);
		conn_tick(s);
		return;
	}
	pgwire__be_write_bodiless(&s->out, '1'); /* ParseComplete */
	conn_move(s, PGWIRE_ST_READY);
	conn_tick(s);
}

void pgwire_session_execute_done(struct pgwire_session *s,
				 const struct pgwire_error *err,
				 const char *tag)
{
	if (s->state != PGWIRE_ST_BUSY || s->req != PGWIRE_REQ_EXECUTE) {
		return;
	}
	struct pgwire_portal *p = s->req_portal;
	s->req = PGWIRE_REQ_NONE;
	s->req_portal = NULL;
	copy_end(s);
	if (err != NULL) {
		p->failed = true;
		ext_error_err(s, err);
		conn_tick(s);
		return;
	}
	if (tag == NULL) {
		pgwire__be_write_bodiless(&s->out, 's'); /* PortalSuspended */
	} else {
		p->tag = tr_strdup(tag);
		if (p->tag == NULL) {
			ext_oom(s);
			conn_tick(s);
			return;
		}
		p->done = true;
		/* "" is the executor's way to say the query was empty. */
		if (tag[0] == '\0') {
			pgwire__be_write_empty_query(&s->out);
		} else {
			pgwire__be_write_command_complete(&s->out, tag);
		}
	}
	conn_move(s, PGWIRE_ST_READY);
	conn_tick(s);
}

/* Output is accepted while the session is established or opening. */
static bool can_send(const struct pgwire_session *s)
{
	return s->state >= PGWIRE_ST_OPENING && !is_closing(s);
}

static void after_send(struct pgwire_session *s)
{
	if (s->out.len >= PGWIRE_OUT_FLUSH_AT && !s->ticking) {
		conn_flush(s);
	}
}

void pgwire_session_send_row_description(struct pgwire_session *s,
					 unsigned n_cols,
					 const struct pgwire_column *cols)
{
	if (!can_send(s)) {
		return;
	}
	pgwire__be_write_row_description(&s->out, n_cols, cols);
	after_send(s);
}

void pgwire_session_send_data_row(struct pgwire_session *s, unsigned n_vals,
				  const struct pgwire_value *vals)
{
	if (!can_send(s)) {
		return;
	}
	pgwire__be_write_data_row(&s->out, n_vals, vals);
	after_send(s);
}

void pgwire_session_send_command_complete(struct pgwire_session *s,
					  const char *tag)
{
	if (!can_send(s)) {
		return;
	}
	pgwire__be_write_command_complete(&s->out, tag);
	after_send(s);
}

void pgwire_session_send_empty_query(struct pgwire_session *s)
{
	if (!can_send(s)) {
		return;
	}
	pgwire__be_write_empty_query(&s->out);
	after_send(s);
}

void pgwire_session_terminate(struct pgwire_session *s, const char *sqlstate,
			      const char *message)
{
	conn_fatal(s, sqlstate, "%s", message);
	/* Called from outside the connection's tick (a timer, another
	 * session's DROP DATABASE): write the FATAL now, not never. */
	conn_tick(s);
}

void pgwire_session_send_error(struct pgwire_session *s,
			       const struct pgwire_error *err)
{
	if (!can_send(s)) {
		return;
	}
	pgwire__be_write_error(&s->out, 'E', err, "ERROR");
	after_send(s);
}

void pgwire_session_send_notice(struct pgwire_session *s,
				const struct pgwire_error *notice)
{
	if (!can_send(s)) {
		return;
	}
	pgwire__be_write_error(&s->out, 'N', notice, "NOTICE");
	after_send(s);
}

void pgwire_session_send_parameter(struct pgwire_session *s, const char *name,
				   const char *value)
{
	if (!can_send(s)) {
		return;
	}
	if (s->state != PGWIRE_ST_OPENING) {
		pgwire__be_write_parameter_status(&s->out, name, value);
		after_send(s);
		return;
	}
	/* While opening, collect: they go out with the defaults. */
	struct pgwire_status *p = tr_realloc(s->statuses,
					     (s->n_statuses + 1) * sizeof *p);
	if (p == NULL) {
		s->out.err = s->out.err != TR_OK ? s->out.err : TR_ENOMEM;
		return;
	}
	s->statuses = p;
	p[s->n_statuses].name = tr_strdup(name);
	p[s->n_statuses].value = tr_strdup(value);
	s->n_statuses++;
	if (p[s->n_statuses - 1].name == NULL ||
	    p[s->n_statuses - 1].value == NULL) {
		s->out.err = s->out.err != TR_OK ? s->out.err : TR_ENOMEM;
		tr_free(p[s->n_statuses - 1].name);
		tr_free(p[s->n_statuses - 1].value);
		s->n_statuses--;
	}
}

bool pgwire_session_is_congested(struct pgwire_session *s)
{
	if (is_closing(s)) {
		return true;
	}
	if (!s->ticking) {
		conn_flush(s);
	}
	if (pending_out(s) > PGWIRE_OUT_HIGH_WATER) {
		s->congested = true;
		return true;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* COPY (executor-facing)                                              */
/* ------------------------------------------------------------------ */

/*
 * Leave COPY-IN or COPY-OUT.  After an executor error mid-COPY-IN the
 * client goes on sending CopyData until its CopyDone/CopyFail; that is
 * handled by the ordinary states, as PostgreSQL does ("Message Flow, COPY
 * Operations"): in simple mode ReadyForQuery goes out with the error and
 * READY drops CopyData/CopyDone/CopyFail; in extended mode SKIP_TO_SYNC
 * drops everything up to the client's Sync.
 */
static void copy_end(struct pgwire_session *s)
{
	s->copy = PGWIRE_COPY_NONE;
	s->copy_paused = false;
}

/* COPY may start only inside a query or execute in flight. */
static bool can_copy(const struct pgwire_session *s)
{
	return s->state == PGWIRE_ST_BUSY && s->copy == PGWIRE_COPY_NONE &&
	       (s->req == PGWIRE_REQ_QUERY || s->req == PGWIRE_REQ_EXECUTE);
}

void pgwire_session_copy_in_start(struct pgwire_session *s, bool binary,
				  unsigned n_cols)
{
	const struct pgwire_executor_ops *ops = s->server->cfg.exec;
	TR_PRE(ops->copy_data != NULL && ops->copy_done != NULL &&
	       ops->copy_fail != NULL);
	if (!can_copy(s)) {
		return;
	}
	pgwire__be_write_copy_response(&s->out, 'G', binary, n_cols);
	s->copy = PGWIRE_COPY_IN;
	s->copy_paused = false;
	conn_log(TR_LOG_DEBUG, s, "copy in: start%s", "");
	/* Flush the CopyInResponse and deliver what is already buffered
	 * (from inside the executor's call: at the end of this tick). */
	conn_tick(s);
}

void pgwire_session_copy_pause(struct pgwire_session *s, bool pause)
{
	if (s->copy != PGWIRE_COPY_IN || s->copy_paused == pause) {
		return;
	}
	s->copy_paused = pause;
	/* Stops or restarts reading; on resume, delivers the complete
	 * messages buffered meanwhile, in order. */
	conn_tick(s);
}

void pgwire_session_copy_out_start(struct pgwire_session *s, bool binary,
				   unsigned n_cols)
{
	if (!can_copy(s) || is_closing(s)) {
		return;
	}
	pgwire__be_write_copy_response(&s->out, 'H', binary, n_cols);
	s->copy = PGWIRE_COPY_OUT;
	after_send(s);
}

void pgwire_session_send_copy_data(struct pgwire_session *s, const void *bytes,
				   size_t len)
{
	if (!can_send(s) || s->copy != PGWIRE_COPY_OUT) {
		return;
	}
	pgwire__be_write_copy_data(&s->out, bytes, len);
	after_send(s);
}

void pgwire_session_copy_out_done(struct pgwire_session *s)
{
	if (!can_send(s) || s->copy != PGWIRE_COPY_OUT) {
		return;
	}
	pgwire__be_write_bodiless(&s->out, 'c'); /* CopyDone */
	s->copy = PGWIRE_COPY_NONE;
	after_send(s);
}
