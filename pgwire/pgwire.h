/*
 * pgwire/pgwire.h: PostgreSQL v3 protocol server on libuv.
 *
 * pgwire frames and decodes what clients send, runs TLS and SCRAM-SHA-256,
 * and encodes what we answer.  It knows no SQL and no cluster: every session
 * hands its work to an *executor* (struct pgwire_executor_ops), which
 * server/ implements on top of sql/ and cluster/ and unit tests fake.
 *
 * Flow of one connection (PostgreSQL docs, "Message Flow"):
 *
 *   accept -> [SSLRequest -> 'S' -> TLS handshake] -> StartupMessage
 *     -> ops->auth_lookup -> SCRAM exchange -> AuthenticationOk
 *     -> ops->session_open -> ParameterStatus* BackendKeyData ReadyForQuery
 *     -> (Query -> ops->query -> pgwire_session_send_* ... -> query_done)*
 *     -> Terminate / EOF -> ops->session_close -> pgwire_session_release
 *
 * Threading: everything here runs on the loop given to pgwire_server_new;
 * executor callbacks and pgwire_session_* calls must happen on that loop.
 */
#ifndef PGWIRE_PGWIRE_H
#define PGWIRE_PGWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <uv.h>

#include "base/base.h"

/* Caps from PostgreSQL's libpq.h/pqcomm.h. */
#define PGWIRE_MAX_STARTUP_LEN     10000 /* startup packet, pre-auth messages */
#define PGWIRE_DEFAULT_MAX_MSG_LEN (64u << 20) /* post-auth messages */

struct pgwire_server;  /* opaque: listener plus its connections */
struct pgwire_session; /* opaque: one client connection, as the executor
			  sees it */

/* A column of a RowDescription. */
struct pgwire_column {
	const char *name;   /* borrowed for the call */
	uint32_t table_oid; /* 0 if not a plain table column */
	int16_t attnum;     /* 0 if not a plain table column */
	uint32_t type_oid;
	int16_t typlen; /* -1 varlena, -2 cstring, or fixed size */
	int32_t typmod; /* -1 if none */
	int16_t format; /* 0 text, 1 binary */
};

/* A parameter of Bind: @format 0 text, 1 binary; @len < 0 is NULL. */
struct pgwire_param {
	int16_t format;
	int32_t len;
	const uint8_t *p; /* borrowed */
};

/* One value of a DataRow: @len < 0 is SQL NULL. */
struct pgwire_value {
	const void *p; /* borrowed for the call */
	int32_t len;
};

/*
 * An error or notice for the client (ErrorResponse / NoticeResponse fields).
 * Strings are borrowed for the call; NULL or "" means absent.
 */
struct pgwire_error {
	const char *severity; /* "ERROR", "FATAL", "NOTICE", ...; NULL: ERROR */
	const char *sqlstate; /* five characters, required */
	const char *message;  /* required: short, lower case, no period */
	const char *detail;
	const char *hint;
	const char *context; /* CONTEXT (W), e.g. "COPY t, line 3" */
	/* Integrity errors: schema (s), table (t), column (c), constraint
	 * (n); NULL if none. */
	const char *schema;
	const char *table;
	const char *column;
	const char *constraint;
	int position; /* 1-based character position in the query, 0: none */
};

/* What the client sent in its StartupMessage.  Borrowed: valid until
 * pgwire_session_open_done() is called. */
struct pgwire_startup {
	const char *user;     /* never NULL or empty */
	const char *database; /* defaults to the user name, as PostgreSQL */
	unsigned n_options;   /* other parameters (application_name, ...) */
	const char *const *keys;
	const char *const *values;
};

/*
 * The executor interface.  @data is pgwire_config.exec_data.  Each
 * asynchronous operation returns 0 and later calls its *_done function
 * exactly once (never before returning), or returns non-zero and never
 * calls it; pgwire then ends the connection.
 */
struct pgwire_executor_ops {
	/*
	 * Find the SCRAM verifier of @user (borrowed for the call) and report
	 * it with pgwire_session_auth_lookup_done().  An unknown user is not
	 * an error here: report a NULL verifier and pgwire runs a mock
	 * exchange, so that the client cannot tell it from a wrong password.
	 */
	int (*auth_lookup)(void *data, struct pgwire_session *s,
			   const char *user);
	/*
	 * The client has authenticated.  Open the session on the database it
	 * asked for, apply its startup options, and report with
	 * pgwire_session_open_done().
	 */
	int (*session_open)(void *data, struct pgwire_session *s,
			    const struct pgwire_startup *startup);
	/*
	 * Run a simple Query (@sql is @len bytes, NUL-terminated, borrowed
	 * until pgwire_session_query_done()).  Results are sent with the
	 * pgwire_session_send_* functions, then pgwire_session_query_done().
	 */
	int (*query)(void *data, struct pgwire_session *s, const char *sql,
		     size_t len);
	/* A CancelRequest matched this session while a query was running.
	 * Best effort: the running query should end soon with 57014. */
	void (*cancel)(void *data, struct pgwire_session *s);
	/* Output has drained below the low-water mark after
	 * pgwire_session_is_congested() returned true: produce more rows. */
	void (*resume)(void *data, struct pgwire_session *s);
	/*
	 * The connection is gone or going (Terminate, EOF, fault, server
	 * stop).  The executor abandons the session's work (rolling back an
	 * open transaction) and calls pgwire_session_release() once it holds
	 * no more references to @s; only then is @s freed.  Called at most
	 * once, for every session whose auth_lookup was called (the lookup
	 * may still be in flight).
	 * A *_done call for work in flight may still be made before
	 * pgwire_session_release(); pgwire ignores it.
	 * Just before session_close, pgwire calls close_portal for every
	 * portal state and unprepare for every statement it still holds,
	 * except the statement and portal state of an execute in flight
	 * (and the statement of a prepare in flight, which pgwire never
	 * saw): those belong to the executor from session_close on.
	 */
	void (*session_close)(void *data, struct pgwire_session *s);

	/*
	 * Extended query protocol ("Message Flow, Extended Query").  pgwire
	 * owns the statement and portal registries, the message state
	 * machine (skip to Sync after an error, PortalSuspended, Close);
	 * the executor owns what the SQL means.  At most one of these is
	 * in flight per session, like query.  An executor that sets
	 * prepare to NULL does not support the protocol: Parse, Bind,
	 * Describe, Execute, Close and Flush get 0A000 and Sync gets
	 * ReadyForQuery (or ops->sync when set).
	 *
	 * Lifetimes: a statement handle lives until unprepare, which pgwire
	 * calls when the statement is closed (Close, a new unnamed Parse, a
	 * simple Query replaces the unnamed one) *and* no portal made from
	 * it remains (PostgreSQL keeps such portals runnable).  Portals
	 * end: the unnamed one at Sync (before ops->sync) and at the next
	 * unnamed Bind or simple Query; all of them at Close or when a
	 * query_done reports 'I' (transaction end).
	 *
	 * prepare: Parse.  @sql (NUL-terminated, borrowed until done) is
	 *   one statement; @param_oids (n_param_oids, borrowed until done)
	 *   are the types the client gave, 0 = infer.  Answer with
	 *   pgwire_session_prepare_done().
	 */
	int (*prepare)(void *data, struct pgwire_session *s, const char *sql,
		       unsigned n_param_oids, const uint32_t *param_oids);
	/* The statement @stmt (from prepare_done) is gone: free it.  No
	 * answer; never called while an execute of it is in flight. */
	void (*unprepare)(void *data, struct pgwire_session *s, void *stmt);
	/*
	 * execute: Execute of a portal made by Bind from @stmt with
	 * @params (n_params, each in its format, borrowed until done) and
	 * @result_formats (0 text, 1 binary, one per column, already
	 * expanded by pgwire).  Send up to @max_rows rows (0: all) with
	 * pgwire_session_send_data_row() (values encoded in those formats),
	 * then pgwire_session_execute_done().  When rows remain, the
	 * executor keeps them in @portal_state and answers "suspended";
	 * the next Execute of the same portal calls execute again with the
	 * same *@portal_state (pgwire stores the pointer, initially NULL,
	 * and calls close_portal when the portal goes).
	 * @sync_follows: the next message, already received, is Sync, so
	 * this statement is alone in its implicit transaction (the executor
	 * may run it in autocommit instead of BEGIN ... COMMIT at Sync).
	 * execute sends DataRows only: RowDescription is pgwire's answer to
	 * Describe.  Once a portal completed (tag non-NULL) pgwire does not
	 * call execute for it again: a further Execute is answered by
	 * pgwire with the same tag, its row count replaced by 0 ("SELECT
	 * 0", as PostgreSQL answers a fetch from an exhausted portal), or
	 * EmptyQueryResponse again.  A portal whose execute failed answers
	 * 55000 "portal ... cannot be run".
	 */
	int (*execute)(void *data, struct pgwire_session *s, void *stmt,
		       unsigned n_params, const struct pgwire_param *params,
		       unsigned n_result_formats, const int16_t *result_formats,
		       uint32_t max_rows, bool sync_follows,
		       void **portal_state);
	/* A portal with a non-NULL state is gone (Close, Sync ends the
	 * unnamed one, transaction end): free the state.  No answer. */
	void (*close_portal)(void *data, struct pgwire_session *s,
			     void *portal_state);
	/*
	 * sync: Sync.  An implicit transaction (statements since the last
	 * Sync outside BEGIN) commits now, or rolls back after an error
	 * (@failed: pgwire skipped to this Sync).  Answer with
	 * pgwire_session_query_done(), which sends ReadyForQuery.
	 */
	int (*sync)(void *data, struct pgwire_session *s, bool failed);

	/*
	 * COPY FROM STDIN ("Message Flow, COPY Operations").  While a query
	 * or execute is in flight, the executor may call
	 * pgwire_session_copy_in_start(); pgwire answers CopyInResponse and
	 * then hands each CopyData body to copy_data (bytes borrowed for the
	 * call; a row may span bodies), then copy_done on CopyDone or
	 * copy_fail on CopyFail (@message borrowed).  The executor ends the
	 * operation as usual (CommandComplete "COPY n" through
	 * query_done/execute_done, or an error).  Flush and Sync arriving
	 * during COPY are ignored, as PostgreSQL does; any other message is
	 * a protocol violation (08P01, FATAL; Terminate just ends the
	 * session).  CopyData bodies are capped like other post-auth
	 * messages.
	 * pgwire stops handing messages over after copy_done / copy_fail
	 * (what follows, e.g. libpq's Sync after CopyDone in extended mode,
	 * waits for the end of the operation), or when the executor ends
	 * the operation first (an error mid-COPY).  The client's remaining
	 * CopyData/CopyDone/CopyFail are then dropped as PostgreSQL does:
	 * in simple mode ReadyForQuery follows the error at once and the
	 * COPY messages are ignored; in extended mode everything is dropped
	 * up to the client's Sync.
	 */
	void (*copy_data)(void *data, struct pgwire_session *s,
			  const uint8_t *bytes, size_t len);
	void (*copy_done)(void *data, struct pgwire_session *s);
	void (*copy_fail)(void *data, struct pgwire_session *s,
			  const char *message);
};

struct pgwire_config {
	const char *host;           /* listen address, e.g. 127.0.0.1 */
	int port;                   /* listen port; 0 picks a free one */
	SSL_CTX *tls;               /* borrowed; NULL: no TLS offered */
	bool tls_required;          /* refuse plaintext sessions */
	size_t max_msg_len;         /* post-auth cap; 0: the default */
	unsigned max_connections;   /* 0: 100 */
	unsigned auth_timeout_ms;   /* 0: 60000 */
	const char *server_version; /* ParameterStatus server_version */
	const char *timezone;       /* ParameterStatus TimeZone */
	const struct pgwire_executor_ops *exec; /* borrowed */
	void *exec_data; /* passed to every executor op */
};

typedef void (*pgwire_server_close_cb)(struct pgwire_server *server);

/*
 * Create a server on @loop.  @cfg is copied (its strings too); the executor
 * ops and TLS context are borrowed and must outlive the server.
 */
TR_MUSTCHECK int pgwire_server_new(uv_loop_t *loop,
				   const struct pgwire_config *cfg,
				   struct pgwire_server **out);
/* Bind and listen.  On failure the reason is in pgwire_server_errmsg(). */
TR_MUSTCHECK int pgwire_server_start(struct pgwire_server *server);
/* The port actually bound (useful with port 0). */
int pgwire_server_port(const struct pgwire_server *server);
const char *pgwire_server_errmsg(const struct pgwire_server *server);
/*
 * Stop listening and end every connection (each executor session gets
 * session_close).  @cb is called once everything is closed and released;
 * the server is freed right after @cb returns.  Idempotent.
 */
void pgwire_server_stop(struct pgwire_server *server,
			pgwire_server_close_cb cb);

/* Executor-private data attached to a session (NULL at start). */
void pgwire_session_set_data(struct pgwire_session *s, void *data);
void *pgwire_session_data(const struct pgwire_session *s);
/* Backend process id sent in BackendKeyData: unique per server. */
uint32_t pgwire_session_id(const struct pgwire_session *s);
/* The authenticated user and requested database; NULL before startup. */
const char *pgwire_session_user(const struct pgwire_session *s);
const char *pgwire_session_database(const struct pgwire_session *s);
/* Peer address text, e.g. "127.0.0.1:52144". */
const char *pgwire_session_peer(const struct pgwire_session *s);
/* True once the connection is closing: stop producing output. */
bool pgwire_session_is_closing(const struct pgwire_session *s);
/*
 * The executor holds no more references to @s (answer to ops->session_close;
 * call exactly once, possibly from inside session_close).  @s may be freed
 * before this returns.
 */
void pgwire_session_release(struct pgwire_session *s);
/*
 * End an idle session from the server's side (a timeout): FATAL @sqlstate
 * @message, then the connection closes and ops->session_close follows.
 */
void pgwire_session_terminate(struct pgwire_session *s, const char *sqlstate,
			      const char *message);

/*
 * Completions of executor operations.
 * auth_lookup_done: @verifier is a PostgreSQL SCRAM verifier
 *   ("SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>", borrowed for
 *   the call), or NULL for an unknown user (a mock exchange then fails
 *   with 28P01, the same message as a wrong password).  @rc != 0 means the
 *   lookup itself failed (cluster unreachable): FATAL 57P03, as does an
 *   auth_lookup op that returns non-zero.
 * open_done: @err NULL on success; otherwise sent as FATAL (e.g. 3D000)
 *   and the connection ends.  @is_superuser goes into ParameterStatus.
 * query_done: sends ReadyForQuery with @txn_status 'I', 'T' or 'E'.
 */
void pgwire_session_auth_lookup_done(struct pgwire_session *s, int rc,
				     const char *verifier);
void pgwire_session_open_done(struct pgwire_session *s,
			      const struct pgwire_error *err,
			      bool is_superuser);
void pgwire_session_query_done(struct pgwire_session *s, char txn_status);
/*
 * prepare_done: @err NULL on success, else the error (pgwire sends it and
 * skips to Sync; @stmt is then ignored).  @stmt is the executor's handle
 * (passed back to execute and unprepare; NULL is allowed and never
 * unprepared).  More than 65535 parameters or 32767 columns is refused
 * with 54000 (and @stmt unprepared at once).  @param_oids (@n_params) are the
 * parameter types for ParameterDescription; @cols (@n_cols; 0: the statement
 * returns no rows, NoData) for RowDescription (format fields ignored: pgwire
 * sets them per portal).  Arrays are copied.
 */
void pgwire_session_prepare_done(struct pgwire_session *s,
				 const struct pgwire_error *err, void *stmt,
				 unsigned n_params, const uint32_t *param_oids,
				 unsigned n_cols,
				 const struct pgwire_column *cols);
/*
 * execute_done: @err NULL on success: @tag is the CommandComplete tag, or
 * NULL when @max_rows rows were sent and more remain (PortalSuspended),
 * or "" for an empty query (EmptyQueryResponse).  An error is sent and
 * pgwire skips to Sync.  @tag is copied.
 */
void pgwire_session_execute_done(struct pgwire_session *s,
				 const struct pgwire_error *err,
				 const char *tag);

/*
 * Output while a query is in flight.  These never fail from the caller's
 * point of view: an encoding failure (OOM, output cap) is sticky and ends
 * the connection at the next flush.  Arguments are borrowed for the call.
 */
void pgwire_session_send_row_description(struct pgwire_session *s,
					 unsigned n_cols,
					 const struct pgwire_column *cols);
void pgwire_session_send_data_row(struct pgwire_session *s, unsigned n_vals,
				  const struct pgwire_value *vals);
void pgwire_session_send_command_complete(struct pgwire_session *s,
					  const char *tag);
void pgwire_session_send_empty_query(struct pgwire_session *s);
void pgwire_session_send_error(struct pgwire_session *s,
			       const struct pgwire_error *err);
void pgwire_session_send_notice(struct pgwire_session *s,
				const struct pgwire_error *notice);
/* ParameterStatus (after SET of a reported setting, or at open). */
void pgwire_session_send_parameter(struct pgwire_session *s, const char *name,
				   const char *value);
/*
 * True when output waiting for the socket is above the high-water mark:
 * the executor should stop producing rows until ops->resume is called.
 */
bool pgwire_session_is_congested(struct pgwire_session *s);

/*
 * COPY.  copy_in_start: send CopyInResponse (@binary: the overall format;
 * @n_cols column formats all equal to it) and switch the connection to
 * COPY-IN (see ops->copy_data).  While the executor is busy with data it
 * may call pgwire_session_copy_pause(s, true) to stop reading from the
 * socket (back-pressure) and (s, false) to go on.
 * copy_out_start: send CopyOutResponse; then send_copy_data for each
 * chunk (one or more rows); then copy_out_done sends CopyDone (the
 * executor then ends the operation with its "COPY n" tag as usual).
 * These are ignored unless a query or execute is in flight (copy_*_start,
 * one COPY at a time), resp. in COPY-IN (copy_pause) or COPY-OUT (the
 * other two).  Output honours pgwire_session_is_congested() / ops->resume
 * like DataRow.  Each CopyData is built whole, as any message.
 */
void pgwire_session_copy_in_start(struct pgwire_session *s, bool binary,
				  unsigned n_cols);
void pgwire_session_copy_pause(struct pgwire_session *s, bool pause);
void pgwire_session_copy_out_start(struct pgwire_session *s, bool binary,
				   unsigned n_cols);
void pgwire_session_send_copy_data(struct pgwire_session *s, const void *bytes,
				   size_t len);
void pgwire_session_copy_out_done(struct pgwire_session *s);

/*
 * Make a SCRAM-SHA-256 verifier for @password (4096 iterations, random
 * 16-byte salt), in PostgreSQL's text format, into @out (@cap >= 200).
 */
TR_MUSTCHECK int pgwire_scram_verifier_make(const char *password, char *out,
					    size_t cap);

#endif /* PGWIRE_PGWIRE_H */
