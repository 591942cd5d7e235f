/*
 * pgwire/pgwire_int.h: declarations private to pgwire/ and its unit tests.
 *
 * The server object, the connection object (which is what the executor sees
 * as struct pgwire_session), the framer, the frontend decoders, the backend
 * encoders, the SCRAM-SHA-256 exchange and the TLS transport.
 */
#ifndef PGWIRE_PGWIRE_INT_H
#define PGWIRE_PGWIRE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <uv.h>

#include "base/base.h"
#include "pgwire/pgwire.h"

#define PGWIRE_COMPONENT "pgwire"

/* Special startup codes (pqcomm.h). */
#define PGWIRE_PROTO_V3      0x00030000u
#define PGWIRE_SSL_CODE      80877103u
#define PGWIRE_GSSENC_CODE   80877104u
#define PGWIRE_CANCEL_CODE   80877102u
#define PGWIRE_CANCEL_LEN    16u
#define PGWIRE_SMALL_MSG_LEN 10000u /* PQ_SMALL_MESSAGE_LIMIT */

/* Output watermarks for pgwire_session_is_congested() and ops->resume. */
#define PGWIRE_OUT_HIGH_WATER (256u * 1024u)
#define PGWIRE_OUT_LOW_WATER  (64u * 1024u)
/* While the executor holds a request, stop reading past this much input. */
#define PGWIRE_IN_HIGH_WATER  (1024u * 1024u)
/* Flush eagerly once this much output is buffered. */
#define PGWIRE_OUT_FLUSH_AT   (16u * 1024u)

/* SQLSTATEs used by the protocol layer (errcodes.txt). */
#define PGWIRE_SQLSTATE_PROTOCOL_VIOLATION "08P01"
#define PGWIRE_SQLSTATE_FEATURE_NOT_SUPP   "0A000"
#define PGWIRE_SQLSTATE_INVALID_AUTH_SPEC  "28000"
#define PGWIRE_SQLSTATE_INVALID_PASSWORD   "28P01"
#define PGWIRE_SQLSTATE_TOO_MANY_CONNS     "53300"
#define PGWIRE_SQLSTATE_ADMIN_SHUTDOWN     "57P01"
#define PGWIRE_SQLSTATE_CANNOT_CONNECT_NOW "57P03"
#define PGWIRE_SQLSTATE_OUT_OF_MEMORY      "53200"

/* ------------------------------------------------------------------ */
/* Framing (frame.c)                                                   */
/* ------------------------------------------------------------------ */

/* Kinds of packet that may open a connection. */
enum pgwire_startup_kind {
	PGWIRE_PKT_STARTUP, /* StartupMessage, any protocol version */
	PGWIRE_PKT_SSL,     /* SSLRequest */
	PGWIRE_PKT_GSSENC,  /* GSSENCRequest */
	PGWIRE_PKT_CANCEL,  /* CancelRequest */
};

/* One framed packet: a borrowed view into the input buffer. */
struct pgwire_frame {
	uint8_t type;        /* message type byte; 0 for startup packets */
	uint32_t code;       /* startup packets: the protocol/request code */
	const uint8_t *body; /* borrowed: valid until the input is consumed */
	size_t len;          /* bytes in @body */
	size_t total;        /* bytes to consume for the whole packet */
};

/*
 * Frame a startup-phase packet (int32 length, int32 code, body) from @p/@n.
 * Returns TR_OK with @f filled, TR_EBUSY if more bytes are needed, or
 * TR_EPROTO if the length is below 8 or above PGWIRE_MAX_STARTUP_LEN.
 */
TR_MUSTCHECK int pgwire__frame_startup(const uint8_t *p, size_t n,
				       struct pgwire_frame *f);
/*
 * Frame a typed message (byte type, int32 length, body) from @p/@n with a
 * body cap of @max_body bytes.  Returns TR_OK, TR_EBUSY (need more), or
 * TR_EPROTO (length below 4) / TR_ETOOBIG (over @max_body).
 */
TR_MUSTCHECK int pgwire__frame_next(const uint8_t *p, size_t n, size_t max_body,
				    struct pgwire_frame *f);

/* ------------------------------------------------------------------ */
/* Frontend decoders (fe_read.c)                                       */
/* ------------------------------------------------------------------ */

/* A decoded StartupMessage: pointers borrowed from the frame body. */
#define PGWIRE_MAX_STARTUP_OPTIONS 64
struct pgwire_fe_startup {
	const char *user;             /* borrowed; NULL if absent */
	const char *database;         /* borrowed; NULL if absent */
	const char *application_name; /* borrowed; NULL if absent */
	unsigned n_options;           /* every pair, user/database included */
	const char *keys[PGWIRE_MAX_STARTUP_OPTIONS];   /* borrowed */
	const char *values[PGWIRE_MAX_STARTUP_OPTIONS]; /* borrowed */
};

TR_MUSTCHECK int pgwire__fe_read_startup(const struct pgwire_frame *f,
					 struct pgwire_fe_startup *out);
TR_MUSTCHECK int pgwire__fe_read_cancel(const struct pgwire_frame *f,
					uint32_t *pid, uint32_t *key);
/* SASLInitialResponse: mechanism name and (possibly empty) data. */
TR_MUSTCHECK int pgwire__fe_read_sasl_initial(const struct pgwire_frame *f,
					      const char **mech,
					      const uint8_t **data,
					      size_t *len);
/* Query: the SQL text, proven NUL-terminated with nothing after it. */
TR_MUSTCHECK int pgwire__fe_read_query(const struct pgwire_frame *f,
				       const char **sql, size_t *len);

/* Parse: borrowed views into the frame (valid until it is consumed). */
struct pgwire_fe_parse {
	const char *name;          /* statement name; "" is unnamed */
	const char *sql;           /* NUL-terminated query text */
	size_t sql_len;            /* strlen(sql) */
	unsigned n_param_oids;     /* at most UINT16_MAX (protocol) */
	const uint8_t *param_oids; /* n_param_oids big-endian uint32s */
};
TR_MUSTCHECK int pgwire__fe_read_parse(const struct pgwire_frame *f,
				       struct pgwire_fe_parse *out);

/*
 * Bind: borrowed views.  Arrays are raw big-endian bytes (nothing is cast
 * onto the buffer); read them with pgwire__fe_get_format() and walk
 * @params with pgwire__fe_next_param().  The decoder proves the whole
 * layout (every parameter length is -1 or fits, nothing trails), so the
 * walk cannot fail on a decoded message.  Counts are not checked against
 * each other here: that is an ERROR for the session, not a malformed
 * message.
 */
struct pgwire_fe_bind {
	const char *portal;            /* "" is the unnamed portal */
	const char *stmt;              /* "" is the unnamed statement */
	unsigned n_param_formats;      /* 0, 1 or n_params (checked later) */
	const uint8_t *param_formats;  /* n_param_formats int16s */
	unsigned n_params;             /* values that follow */
	const uint8_t *params;         /* (int32 len, bytes)* */
	size_t params_len;             /* bytes in @params */
	size_t params_data_len;        /* sum of the non-NULL value lengths */
	unsigned n_result_formats;     /* 0, 1 or n_cols (checked later) */
	const uint8_t *result_formats; /* n_result_formats int16s */
};
TR_MUSTCHECK int pgwire__fe_read_bind(const struct pgwire_frame *f,
				      struct pgwire_fe_bind *out);
/* Format code @i of a raw int16 array. */
int16_t pgwire__fe_get_format(const uint8_t *codes, unsigned i);
/* Next parameter of a decoded Bind: @c walks @params; *@len < 0 is NULL. */
TR_MUSTCHECK int pgwire__fe_next_param(struct tr_cursor *c, int32_t *len,
				       const uint8_t **p);
/* Describe and Close: @kind is 'S' (statement) or 'P' (portal). */
TR_MUSTCHECK int pgwire__fe_read_target(const struct pgwire_frame *f,
					uint8_t *kind, const char **name);
/* Execute: portal name and row limit (0: all; negative is sent as 0). */
TR_MUSTCHECK int pgwire__fe_read_execute(const struct pgwire_frame *f,
					 const char **portal,
					 uint32_t *max_rows);
/* Sync, Flush: an empty body. */
TR_MUSTCHECK int pgwire__fe_read_empty(const struct pgwire_frame *f);
/* CopyFail: the client's reason, proven NUL-terminated with nothing after
 * it.  (CopyData's body is the data itself; CopyDone's is not read.) */
TR_MUSTCHECK int pgwire__fe_read_copy_fail(const struct pgwire_frame *f,
					   const char **message);

/* ------------------------------------------------------------------ */
/* Backend encoders (be_write.c)                                       */
/* ------------------------------------------------------------------ */

/* Open a message: type byte plus a length placeholder.  Returns the offset
 * to hand to pgwire__msg_end(). */
size_t pgwire__msg_begin(struct tr_buf *b, uint8_t type);
/* Back-fill the length of the message opened at @start. */
void pgwire__msg_end(struct tr_buf *b, size_t start);

void pgwire__be_write_auth(struct tr_buf *b, uint32_t code, const void *data,
			   size_t len);
void pgwire__be_write_auth_sasl(struct tr_buf *b, bool plus);
void pgwire__be_write_parameter_status(struct tr_buf *b, const char *name,
				       const char *value);
void pgwire__be_write_backend_key_data(struct tr_buf *b, uint32_t pid,
				       uint32_t key);
void pgwire__be_write_ready_for_query(struct tr_buf *b, char txn_status);
/* ErrorResponse ('E') or NoticeResponse ('N'); @default_severity is used
 * when err->severity is NULL. */
void pgwire__be_write_error(struct tr_buf *b, uint8_t type,
			    const struct pgwire_error *err,
			    const char *default_severity);
void pgwire__be_write_row_description(struct tr_buf *b, unsigned n_cols,
				      const struct pgwire_column *cols);
void pgwire__be_write_data_row(struct tr_buf *b, unsigned n_vals,
			       const struct pgwire_value *vals);
void pgwire__be_write_command_complete(struct tr_buf *b, const char *tag);
/* RowDescription with per-column @formats (NULL: each col->format). */
void pgwire__be_write_row_description_fmt(struct tr_buf *b, unsigned n_cols,
					  const struct pgwire_column *cols,
					  const int16_t *formats);
void pgwire__be_write_parameter_description(struct tr_buf *b, unsigned n,
					    const uint32_t *oids);
/* A message without a body: ParseComplete '1', BindComplete '2',
 * CloseComplete '3', NoData 'n', PortalSuspended 's'. */
void pgwire__be_write_bodiless(struct tr_buf *b, uint8_t type);

void pgwire__be_write_empty_query(struct tr_buf *b);
/* CopyInResponse ('G') or CopyOutResponse ('H'): int8 overall format,
 * int16 @n_cols, then @n_cols int16 formats all equal to it.  More than
 * INT16_MAX columns is a sticky TR_ETOOBIG. */
void pgwire__be_write_copy_response(struct tr_buf *b, uint8_t type, bool binary,
				    unsigned n_cols);
/* CopyData ('d') carrying @len bytes; CopyDone is bodiless 'c'. */
void pgwire__be_write_copy_data(struct tr_buf *b, const void *p, size_t len);

/* ------------------------------------------------------------------ */
/* SCRAM-SHA-256 (scram.c), RFC 5802 / RFC 7677                        */
/* ------------------------------------------------------------------ */

#define PGWIRE_SCRAM_KEY_LEN    32
#define PGWIRE_SCRAM_ITERATIONS 4096
#define PGWIRE_SCRAM_SALT_LEN   16
#define PGWIRE_SCRAM_NONCE_LEN  18 /* raw bytes of the server nonce */
#define PGWIRE_SCRAM_MAX_FIELD  1024
#define PGWIRE_SCRAM_MECH       "SCRAM-SHA-256"
#define PGWIRE_SCRAM_MECH_PLUS  "SCRAM-SHA-256-PLUS"

/* Server side of one exchange.  Strings are owned. */
struct pgwire_scram {
	bool mock;         /* unknown user or bad verifier: always fails */
	bool plus;         /* client chose SCRAM-SHA-256-PLUS */
	bool offered_plus; /* we advertised -PLUS (TLS with a certificate) */
	int iterations;
	char *salt_b64; /* owned */
	uint8_t stored_key[PGWIRE_SCRAM_KEY_LEN];
	uint8_t server_key[PGWIRE_SCRAM_KEY_LEN];
	uint8_t cbind_hash[EVP_MAX_MD_SIZE]; /* tls-server-end-point data */
	unsigned cbind_len;
	char *gs2_header;        /* owned: "n,," / "y,," / "p=...,," */
	char *client_first_bare; /* owned */
	char *server_first;      /* owned */
	char *nonce;             /* owned: client nonce + server nonce */
};

void pgwire__scram_init(struct pgwire_scram *sc);
void pgwire__scram_close(struct pgwire_scram *sc);
/* Load a PostgreSQL verifier; TR_EINVAL if it does not parse. */
TR_MUSTCHECK int pgwire__scram_set_verifier(struct pgwire_scram *sc,
					    const char *verifier);
/* Set up a mock exchange whose salt is HMAC(@secret, @user). */
TR_MUSTCHECK int pgwire__scram_set_mock(struct pgwire_scram *sc,
					const char *user, const uint8_t *secret,
					size_t secret_len);
/*
 * Handle client-first-message (@msg/@len, from SASLInitialResponse) for
 * mechanism @mech; write server-first-message into @out.  @server_nonce is
 * the printable server nonce, or NULL to draw a random one.  TR_EPROTO for
 * malformed input (the caller sends 08P01), TR_ENOMEM.
 */
TR_MUSTCHECK int pgwire__scram_first(struct pgwire_scram *sc, const char *mech,
				     const uint8_t *msg, size_t len,
				     const char *server_nonce,
				     struct tr_buf *out);
/*
 * Handle client-final-message.  On TR_OK, *@ok tells whether the proof was
 * right, and if so @out holds server-final-message.  TR_EPROTO: malformed.
 */
TR_MUSTCHECK int pgwire__scram_final(struct pgwire_scram *sc,
				     const uint8_t *msg, size_t len, bool *ok,
				     struct tr_buf *out);
/* Compute SaltedPassword-derived keys (used by verifier_make and tests). */
TR_MUSTCHECK int pgwire__scram_keys(const char *password, const uint8_t *salt,
				    size_t salt_len, int iterations,
				    uint8_t client_key[PGWIRE_SCRAM_KEY_LEN],
				    uint8_t stored_key[PGWIRE_SCRAM_KEY_LEN],
				    uint8_t server_key[PGWIRE_SCRAM_KEY_LEN]);
TR_MUSTCHECK int pgwire__hmac256(const uint8_t *key, size_t key_len,
				 const void *msg, size_t len,
				 uint8_t out[PGWIRE_SCRAM_KEY_LEN]);
/* Base64 without line breaks into @out (NUL-terminated). */
void pgwire__b64_encode(const uint8_t *p, size_t n, struct tr_buf *out);
/* Strict base64 decode into @out (@cap bytes); -1 if invalid or too long. */
TR_MUSTCHECK long pgwire__b64_decode(const char *s, size_t n, uint8_t *out,
				     size_t cap);
/* tls-server-end-point hash of our certificate (RFC 5929 section 4.1). */
TR_MUSTCHECK int pgwire__tls_end_point(SSL *ssl, uint8_t *out, unsigned *len);

/* ------------------------------------------------------------------ */
/* TLS over memory BIOs (tls.c)                                        */
/* ------------------------------------------------------------------ */

struct pgwire_tls {
	SSL *ssl;        /* owned; NULL when TLS is off */
	BIO *rbio;       /* borrowed from ssl: ciphertext in */
	BIO *wbio;       /* borrowed from ssl: ciphertext out */
	bool handshaken; /* handshake finished */
};

TR_MUSTCHECK int pgwire__tls_start(struct pgwire_tls *t, SSL_CTX *ctx,
				   char *errmsg);
void pgwire__tls_close(struct pgwire_tls *t);
/* Feed ciphertext; advance the handshake; append plaintext to @in.
 * TR_ETLS on failure (message in @errmsg), TR_ECLOSED on close_notify. */
TR_MUSTCHECK int pgwire__tls_feed(struct pgwire_tls *t, const void *p, size_t n,
				  struct tr_buf *in, char *errmsg);
/* Encrypt @n plaintext bytes into the write BIO. */
TR_MUSTCHECK int pgwire__tls_encrypt(struct pgwire_tls *t, const void *p,
				     size_t n, char *errmsg);
/* Bytes of ciphertext waiting in the write BIO. */
size_t pgwire__tls_pending(const struct pgwire_tls *t);
/* Move up to @n pending ciphertext bytes into @out. */
size_t pgwire__tls_drain(struct pgwire_tls *t, uint8_t *out, size_t n);

/* ------------------------------------------------------------------ */
/* Connection (conn.c) and server (server.c)                          */
/* ------------------------------------------------------------------ */

enum pgwire_conn_state {
	PGWIRE_ST_STARTUP,         /* waiting for a startup-phase packet */
	PGWIRE_ST_TLS_HANDSHAKE,   /* 'S' sent, handshake in progress */
	PGWIRE_ST_AUTH_LOOKUP,     /* ops->auth_lookup in flight */
	PGWIRE_ST_SASL_INITIAL,    /* waiting for SASLInitialResponse */
	PGWIRE_ST_SASL_RESPONSE,   /* waiting for SASLResponse */
	PGWIRE_ST_OPENING,         /* ops->session_open in flight */
	PGWIRE_ST_READY,           /* idle: reading and dispatching */
	PGWIRE_ST_BUSY,            /* ops->query in flight */
	PGWIRE_ST_SKIP_TO_SYNC,    /* discarding until Sync */
	PGWIRE_ST_FLUSH_AND_CLOSE, /* last bytes going out */
	PGWIRE_ST_CLOSING,         /* handles closing */
	PGWIRE_ST_CLOSED,          /* handles closed; waiting for release */
	PGWIRE_ST__N,
};

const char *pgwire__state_name(enum pgwire_conn_state st);

/* A ParameterStatus the executor set while the session was opening. */
struct pgwire_status {
	char *name;  /* owned */
	char *value; /* owned */
};

/* ------------------------------------------------------------------ */
/* Prepared statements and portals (portal.c)                          */
/* ------------------------------------------------------------------ */

#define PGWIRE_MAX_STATEMENTS 10000 /* per session: more is 54000 */
#define PGWIRE_MAX_PORTALS    10000 /* per session: more is 54000 */

/*
 * A prepared statement.  Owned by the session's registry while it has a
 * name there (@registered), and kept alive by the portals made from it
 * (@n_refs counts both), as PostgreSQL's portals keep their plan after
 * the statement is closed.  ops->unprepare is called when the last
 * reference goes.
 */
struct pgwire_stmt {
	struct tr_queue link; /* in s->stmts while registered */
	char *name;           /* owned */
	void *handle;         /* executor's; NULL once unprepared */
	unsigned n_params;
	uint32_t *param_oids;       /* owned */
	unsigned n_cols;            /* 0: returns no rows (NoData) */
	struct pgwire_column *cols; /* owned, names too */
	unsigned n_refs;            /* registry + portals */
	bool registered;            /* in s->stmts */
};

/*
 * A portal: a statement bound to parameters and result formats.  Owned by
 * the session's registry; parameter bytes are copied (they outlive the
 * Bind message).  @state is the executor's (see ops->execute).
 */
struct pgwire_portal {
	struct tr_queue link;     /* in s->portals */
	char *name;               /* owned */
	struct pgwire_stmt *stmt; /* holds one reference */
	unsigned n_params;
	struct pgwire_param *params; /* owned; p points into @data */
	uint8_t *data;               /* owned: parameter bytes */
	int16_t *result_formats;     /* owned: stmt->n_cols, expanded */
	void *state;                 /* executor's; NULL: none */
	char *tag;                   /* owned: completion tag once done */
	bool done;                   /* ran to completion */
	bool failed;                 /* its execute reported an error */
};

struct pgwire_session;
struct pgwire_stmt *pgwire__stmt_find(struct pgwire_session *s,
				      const char *name);
struct pgwire_portal *pgwire__portal_find(struct pgwire_session *s,
					  const char *name);
/* Take @st out of the registry; freed (unprepare) with its last ref. */
void pgwire__stmt_drop(struct pgwire_session *s, struct pgwire_stmt *st);
/* Drop a reference taken by a portal or the registry. */
void pgwire__stmt_unref(struct pgwire_session *s, struct pgwire_stmt *st);
/* Free a portal (close_portal when it has state; unref its statement). */
void pgwire__portal_drop(struct pgwire_session *s, struct pgwire_portal *p);
/* Drop every portal (transaction end), or only the unnamed one. */
void pgwire__portals_drop_all(struct pgwire_session *s);
void pgwire__portal_drop_unnamed(struct pgwire_session *s);
/*
 * Connection closing: tell the executor to free every handle and portal
 * state except those of the request in flight (@busy_stmt, @busy_portal,
 * which the executor abandons in session_close), then forget them.
 * pgwire memory stays until pgwire__registry_free().
 */
void pgwire__registry_release(struct pgwire_session *s,
			      const struct pgwire_stmt *busy_stmt,
			      const struct pgwire_portal *busy_portal);
/* Free all pgwire memory of statements and portals (no executor calls). */
void pgwire__registry_free(struct pgwire_session *s);

/* The request in flight in PGWIRE_ST_BUSY. */
enum pgwire_req {
	PGWIRE_REQ_NONE,
	PGWIRE_REQ_QUERY,   /* ops->query */
	PGWIRE_REQ_PREPARE, /* ops->prepare (Parse) */
	PGWIRE_REQ_EXECUTE, /* ops->execute (Execute) */
	PGWIRE_REQ_SYNC,    /* ops->sync (Sync) */
};

/*
 * COPY sub-state of a query or execute in flight (PGWIRE_ST_BUSY with
 * req QUERY or EXECUTE).  The connection state stays BUSY, so cancel,
 * resume and the *_done guards work unchanged.
 *   NONE: input is buffered, not dispatched (as for any request).
 *   IN:   copy_in_start was called: CopyData/CopyDone/CopyFail go to the
 *         executor as they arrive (unless copy_paused), Flush/Sync are
 *         dropped, anything else is FATAL 08P01.  Ends at the first of:
 *         CopyDone or CopyFail delivered (later input is buffered again,
 *         e.g. the Sync libpq sends after CopyDone in extended mode), or
 *         the executor ending the request (an error mid-COPY).
 *   OUT:  copy_out_start was called; send_copy_data is accepted until
 *         copy_out_done.
 */
enum pgwire_copy {
	PGWIRE_COPY_NONE,
	PGWIRE_COPY_IN,
	PGWIRE_COPY_OUT,
};

struct pgwire_server;

/* One client connection; the executor knows it as struct pgwire_session. */
struct pgwire_session {
	struct pgwire_server *server;   /* borrowed: outlives the session */
	struct tr_queue link;           /* in server->sessions */
	uint32_t id;                    /* backend pid, unique per server */
	uint32_t cancel_key;            /* secret from RAND_bytes */
	enum pgwire_conn_state state;   /* moved only by conn_move() */
	char txn_status;                /* 'I', 'T' or 'E' */
	uv_tcp_t tcp;                   /* embedded handle */
	uv_timer_t timer;               /* auth timeout */
	uv_shutdown_t shutdown_req;     /* used in FLUSH_AND_CLOSE */
	unsigned n_handles_open;        /* handles not yet closed */
	bool shutting_down;             /* shutdown_req outstanding */
	bool read_stopped;              /* uv_read_stop in effect */
	bool write_failed;              /* never write again */
	bool ticking;                   /* inside conn_tick: no re-entry */
	/* Extended-protocol replies wait for Sync or Flush, as PostgreSQL's
	 * do: one write per pipeline instead of one per message. */
	bool hold_output;
	bool retick;                    /* a completion arrived while ticking */
	bool ssl_requested;             /* an SSLRequest was answered */
	bool too_many;                  /* over max_connections at accept */
	bool engaged;                   /* ops->auth_lookup was called: the
					   executor gets session_close and
					   must release */
	bool close_notified;            /* ops->session_close was called */
	bool released;                  /* pgwire_session_release happened */
	bool congested;                 /* is_congested said yes: resume due */
	struct tr_buf in;               /* plaintext input */
	struct tr_buf out;              /* plaintext output not yet flushed */
	size_t in_flight;               /* bytes handed to uv_write */
	struct pgwire_tls tls;          /* TLS transport */
	uint8_t *raw;                   /* owned: ciphertext read buffer */
	struct tr_arena arena;          /* cycle lifetime: reset at RFQ */
	struct pgwire_scram scram;      /* exchange state */
	char *user;                     /* owned */
	char *database;                 /* owned */
	char *application_name;         /* owned */
	unsigned n_options;             /* startup options kept for open */
	char **keys;                    /* owned */
	char **values;                  /* owned */
	struct pgwire_status *statuses; /* owned: set during OPENING */
	unsigned n_statuses;
	struct tr_queue stmts;            /* registered pgwire_stmt */
	unsigned n_stmts;                 /* in @stmts */
	struct tr_queue portals;          /* pgwire_portal */
	unsigned n_portals;               /* in @portals */
	enum pgwire_req req;              /* request in flight (BUSY) */
	enum pgwire_copy copy;            /* COPY sub-state of @req */
	bool copy_paused;                 /* copy_pause(true): no reading,
					     no CopyData delivery */
	bool ext_failed;                  /* an error since the last Sync */
	char *req_name;                   /* owned: Parse's statement name */
	char *req_sql;                    /* owned: Parse's query (borrowed by
					     the executor until prepare_done) */
	uint32_t *req_oids;               /* owned: Parse's parameter types */
	struct pgwire_portal *req_portal; /* Execute's portal */
	void *data;                       /* executor's */
	char peer[64];                    /* "addr:port" */
	char peer_host[48];               /* "addr", for client messages */
	char errmsg[TR_ERRMSG_SIZE];      /* reason of the last fault */
};

struct pgwire_server {
	uv_loop_t *loop;          /* borrowed */
	struct pgwire_config cfg; /* copied; strings below owned */
	uv_tcp_t listener;        /* embedded handle */
	bool listening;           /* listener initialised */
	bool stopping;            /* pgwire_server_stop was called */
	bool listener_closed;     /* its close callback ran */
	pgwire_server_close_cb stop_cb;
	struct tr_queue sessions; /* every live session */
	unsigned n_sessions;
	uint32_t next_id;        /* next backend pid */
	uint8_t mock_secret[32]; /* key for mock SCRAM salts */
	int port;                /* bound port */
	char errmsg[TR_ERRMSG_SIZE];
};

/* conn.c: start a connection on an accepted (initialised) tcp handle. */
void pgwire__conn_accept(struct pgwire_server *server);
/* End the connection (idempotent): session_close, then close handles. */
void pgwire__conn_stop(struct pgwire_session *s);
/* server.c: a session's memory is gone; maybe finish stopping. */
void pgwire__server_session_gone(struct pgwire_server *server,
				 struct pgwire_session *s);
/* server.c: look up a session for CancelRequest (constant-time key). */
struct pgwire_session *pgwire__server_find_cancel(struct pgwire_server *server,
						  uint32_t pid, uint32_t key);

#endif /* PGWIRE_PGWIRE_INT_H */
