/*
 * cluster/cluster.h: dqlite from triode's side.
 *
 * Four parts:
 *   1. cluster_client: an asynchronous client for dqlite 1.11.1's wire
 *      protocol on a libuv loop (see ../shared/dqlite-protocol.md §2).
 *   2. cluster_node: the embedded dqlite node (its own thread and loop),
 *      bound to an abstract Unix socket only this process can reach.
 *   3. cluster_local: the node-local SQLite database (local.db) with this
 *      node's identity and known members, and numbered schema updates.
 *   4. The cluster port: cluster_proxy (mutual TLS listener that carries
 *      dqlite traffic to the local node, and triode's admin channel) and
 *      the outgoing side (cluster_dial_tls, cluster_admin_call).
 *
 * cluster/ knows nothing of PostgreSQL: SQL text goes in, dqlite values and
 * failure codes come out.
 */
#ifndef CLUSTER_CLUSTER_H
#define CLUSTER_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <uv.h>

#include "base/base.h"

/* ---------------------------------------------------------------------
 * 1. Client
 * ------------------------------------------------------------------- */

/* dqlite value type codes (row values and parameters). */
enum cluster_type {
	CLUSTER_INTEGER = 1,
	CLUSTER_FLOAT = 2,
	CLUSTER_TEXT = 3,
	CLUSTER_BLOB = 4,
	CLUSTER_NULL = 5,
	CLUSTER_UNIXTIME = 9, /* rows only: declared DATE/DATETIME/TIMESTAMP */
	CLUSTER_ISO8601 = 10,
	CLUSTER_BOOLEAN = 11,
};

/* One value.  In rows, text/blob point into the client's receive buffer and
 * are valid only during the callback that delivers them. */
struct cluster_value {
	enum cluster_type type;
	union {
		int64_t integer; /* INTEGER, UNIXTIME */
		double real;     /* FLOAT */
		uint64_t boolean;
		struct {
			const char *p; /* TEXT/ISO8601: NUL-terminated */
			size_t len;    /* bytes, without the NUL */
		} text;
		struct {
			const uint8_t *p;
			size_t len;
		} blob;
	};
};

/* dqlite roles, as coded on the wire (not raft's constants). */
enum cluster_role {
	CLUSTER_VOTER = 0,
	CLUSTER_STANDBY = 1,
	CLUSTER_SPARE = 2,
};

/* Failure codes worth naming (see dqlite-protocol.md §2.8). */
#define CLUSTER_CODE_BUSY            5
#define CLUSTER_CODE_NOTFOUND        12 /* "no database opened" */
#define CLUSTER_CODE_NOT_LEADER      10250
#define CLUSTER_CODE_LEADERSHIP_LOST 10506

/*
 * Result of a request.  @rc is TR_OK, or:
 *   TR_ESQL       the server answered FAILURE: see @code and @message;
 *   TR_ENOTLEADER FAILURE 10250 (or the legacy code): ask for the leader;
 *   TR_ETIMEDOUT  no complete answer in time: the connection is unusable;
 *   TR_EIO, TR_EPROTO  socket error or malformed answer: unusable;
 *   TR_ECANCELED  the client was closed before the answer came.
 * After any code other than TR_OK and TR_ESQL, the client is broken and
 * must be closed.  @message is borrowed for the callback.
 */
struct cluster_result {
	int rc;
	uint64_t code;       /* FAILURE code when rc is TR_ESQL/ENOTLEADER */
	const char *message; /* FAILURE text, or a description of @rc */
	uint64_t last_insert_id; /* EXEC/EXEC_SQL */
	uint64_t rows_affected;  /* EXEC/EXEC_SQL */
};

/* One server of CLUSTER / LEADER answers.  A LEADER answer has n = 1, or
 * n = 0 when the node knows no leader right now. */
struct cluster_server_info {
	uint64_t id;
	const char *address; /* borrowed for the callback */
	enum cluster_role role;
};

struct cluster_client; /* opaque; lives on one loop */

struct cluster_client_config {
	/* Timeout for each request, ms (0: 10000).  Queries get
	 * @query_timeout_ms instead (0: 60000). */
	unsigned request_timeout_ms;
	unsigned query_timeout_ms;
	/* Connect timeout, ms (0: 3000). */
	unsigned connect_timeout_ms;
	/* Largest response body accepted, bytes (0: 256 MiB). */
	size_t max_response_len;
	/* Mutual TLS for "host:port" addresses (NULL: plain TCP).  A client
	 * context (certificate, key, cluster CA), borrowed: it must outlive
	 * the client.  The TLS dial blocks, so it runs on libuv's thread
	 * pool (cluster_dial_tls, bounded by @connect_timeout_ms); dqlite
	 * bytes then travel over a socketpair to a pump thread.  "@name"
	 * addresses never use TLS. */
	SSL_CTX *tls;
};

typedef void (*cluster_done_cb)(struct cluster_client *c, void *arg,
				const struct cluster_result *res);
/* Columns of a result set: once per ROWS message; @names borrowed. */
typedef void (*cluster_columns_cb)(struct cluster_client *c, void *arg,
				   unsigned n_cols, const char *const *names);
/* One row: @vals has n_cols entries, borrowed for the callback.  Return
 * TR_OK to go on; anything else abandons the result set (the client then
 * interrupts and drains it) and that code ends up in the done result. */
typedef int (*cluster_row_cb)(struct cluster_client *c, void *arg,
			      unsigned n_cols,
			      const struct cluster_value *vals);
typedef void (*cluster_servers_cb)(struct cluster_client *c, void *arg,
				   const struct cluster_result *res, unsigned n,
				   const struct cluster_server_info *servers);
typedef void (*cluster_stmt_cb)(struct cluster_client *c, void *arg,
				const struct cluster_result *res,
				uint32_t stmt_id, uint64_t n_params);
typedef void (*cluster_close_cb)(struct cluster_client *c, void *arg);

/*
 * Create a client on @loop (@cfg copied; NULL for defaults).  The client
 * is not connected yet.
 */
TR_MUSTCHECK int cluster_client_new(uv_loop_t *loop,
				    const struct cluster_client_config *cfg,
				    struct cluster_client **out);
/*
 * Connect to @address ("host:port" over TCP with TCP_NODELAY, through
 * mutual TLS when the config has @tls, or "@name" for an abstract Unix
 * socket) and send the protocol handshake (version 1).  @cb gets rc TR_OK
 * once the client can take requests; TR_ETLS when the TLS handshake failed,
 * TR_EIO/TR_ETIMEDOUT when the connection could not be made.
 */
TR_MUSTCHECK int cluster_client_connect(struct cluster_client *c,
					const char *address, cluster_done_cb cb,
					void *arg);
/*
 * Close: every queued or running request completes with TR_ECANCELED,
 * then @cb (may be NULL) is called and the client is freed.  Idempotent.
 */
void cluster_client_close(struct cluster_client *c, cluster_close_cb cb,
			  void *arg);
/* Text describing the last connection-level failure. */
const char *cluster_client_errmsg(const struct cluster_client *c);
/* True when no request is queued or running. */
bool cluster_client_is_idle(const struct cluster_client *c);
/* True once a connection-level failure happened (the server closed the
 * socket, even while the client was idle): requests are refused; close it
 * and connect anew. */
bool cluster_client_is_broken(const struct cluster_client *c);

/*
 * Requests.  Each returns TR_OK and calls its callback exactly once, never
 * before returning; or returns an error and never calls it.  Requests are
 * queued and answered in order.  Parameters (@params, @n_params <= 255) and
 * strings are copied before return.
 */
TR_MUSTCHECK int cluster_client_leader(struct cluster_client *c,
				       cluster_servers_cb cb, void *arg);
TR_MUSTCHECK int cluster_client_open(struct cluster_client *c,
				     const char *db_name, cluster_done_cb cb,
				     void *arg);
TR_MUSTCHECK int cluster_client_exec_sql(struct cluster_client *c,
					 const char *sql,
					 const struct cluster_value *params,
					 unsigned n_params, cluster_done_cb cb,
					 void *arg);
/* Columns come before the first row of each batch; @done comes last. */
TR_MUSTCHECK int cluster_client_query_sql(struct cluster_client *c,
					  const char *sql,
					  const struct cluster_value *params,
					  unsigned n_params,
					  cluster_columns_cb columns,
					  cluster_row_cb row,
					  cluster_done_cb done, void *arg);
TR_MUSTCHECK int cluster_client_prepare(struct cluster_client *c,
					const char *sql, cluster_stmt_cb cb,
					void *arg);
TR_MUSTCHECK int cluster_client_exec(struct cluster_client *c, uint32_t stmt_id,
				     const struct cluster_value *params,
				     unsigned n_params, cluster_done_cb cb,
				     void *arg);
TR_MUSTCHECK int cluster_client_query(struct cluster_client *c,
				      uint32_t stmt_id,
				      const struct cluster_value *params,
				      unsigned n_params,
				      cluster_columns_cb columns,
				      cluster_row_cb row, cluster_done_cb done,
				      void *arg);
TR_MUSTCHECK int cluster_client_finalize(struct cluster_client *c,
					 uint32_t stmt_id, cluster_done_cb cb,
					 void *arg);
/* INTERRUPT jumps the queue: it is written at once, even while a query is
 * streaming (1.11 reads it after the last batch). */
TR_MUSTCHECK int cluster_client_interrupt(struct cluster_client *c,
					  cluster_done_cb cb, void *arg);
TR_MUSTCHECK int cluster_client_cluster(struct cluster_client *c,
					cluster_servers_cb cb, void *arg);
TR_MUSTCHECK int cluster_client_add(struct cluster_client *c, uint64_t id,
				    const char *address, cluster_done_cb cb,
				    void *arg);
TR_MUSTCHECK int cluster_client_assign(struct cluster_client *c, uint64_t id,
				       enum cluster_role role,
				       cluster_done_cb cb, void *arg);
TR_MUSTCHECK int cluster_client_remove(struct cluster_client *c, uint64_t id,
				       cluster_done_cb cb, void *arg);
TR_MUSTCHECK int cluster_client_transfer(struct cluster_client *c, uint64_t id,
					 cluster_done_cb cb, void *arg);
/* DESCRIBE, format 0 only (other formats abort a 1.11 node).  The failure
 * domain and weight come back in last_insert_id and rows_affected. */
TR_MUSTCHECK int cluster_client_describe(struct cluster_client *c,
					 cluster_done_cb cb, void *arg);

/*
 * Back-pressure: stop / restart reading the socket while a result set is
 * streaming (rows stop arriving; the server blocks on TCP).
 */
void cluster_client_pause(struct cluster_client *c);
void cluster_client_resume(struct cluster_client *c);

/*
 * Leader discovery: ask each of @seeds (copied) in turn for the leader,
 * confirm with the leader itself, and report its id and address
 * (res->rc TR_OK, one server), or TR_ENOTLEADER when nobody knows a leader
 * within @timeout_ms.  @map, if not NULL, rewrites an address before it is
 * dialled (used to reach this process's own node on its abstract socket).
 * @tls (borrowed until @cb; NULL for plain TCP) is the client context for
 * "host:port" addresses, i.e. other nodes' cluster ports.
 * @cb is called exactly once, never before return, with a NULL client.
 */
typedef const char *(*cluster_address_map_fn)(void *arg, const char *address);
/* End every lookup in flight now: each callback gets TR_ECANCELED (from
 * inside this call).  For shutdown, so that no lookup keeps the loop
 * alive until its timeout. */
void cluster_leader_find_cancel_all(void);
TR_MUSTCHECK int cluster_leader_find(uv_loop_t *loop, const char *const *seeds,
				     unsigned n_seeds, unsigned timeout_ms,
				     cluster_address_map_fn map, void *map_arg,
				     SSL_CTX *tls, cluster_servers_cb cb,
				     void *arg);

/* ---------------------------------------------------------------------
 * 2. Node
 * ------------------------------------------------------------------- */

struct cluster_node; /* opaque; owns the dqlite node and its thread */

struct cluster_node_config {
	uint64_t id;         /* 1 bootstraps a new cluster on an empty dir */
	const char *address; /* public cluster address, "host:port" */
	const char *dir;     /* raft data directory (created if missing) */
	unsigned network_latency_ms; /* 0: dqlite's default */
	/* Outgoing Raft connections.  NULL: dqlite's built-in TCP connect
	 * (single-node and tests only; no TLS, no TCP_NODELAY).  Otherwise a
	 * client TLS context (this node's certificate, the cluster CA): the
	 * node installs a connect function that dials the peer's cluster
	 * port with cluster_dial_tls (TCP_NODELAY, keepalive, user timeout,
	 * mutual TLS), so Raft traffic goes through the peer's proxy.  The
	 * node takes a reference (SSL_CTX_up_ref) and drops it on stop. */
	SSL_CTX *tls;
	/* Connect timeout of that function, ms (0: 1000).  It runs on the
	 * process-wide libuv thread pool, shared with raft's disk work, so
	 * keep it short (dqlite-protocol.md §7). */
	unsigned connect_timeout_ms;
};

/*
 * Create and start the node: it binds an abstract socket (see
 * cluster_node_bind_address) and runs on its own thread.  Fail-fast; the
 * reason goes into @errmsg (TR_ERRMSG_SIZE bytes).
 */
TR_MUSTCHECK int cluster_node_start(const struct cluster_node_config *cfg,
				    struct cluster_node **out, char *errmsg);
/* The abstract socket address ("@...") clients of this process dial. */
const char *cluster_node_bind_address(const struct cluster_node *n);
const char *cluster_node_address(const struct cluster_node *n);
uint64_t cluster_node_id(const struct cluster_node *n);
/* Stop the node (blocks until its thread exits) and free it. */
void cluster_node_stop(struct cluster_node *n);

/* ---------------------------------------------------------------------
 * 3. Node-local database (local.db)
 * ------------------------------------------------------------------- */

struct cluster_local; /* opaque: one SQLite connection, main loop only */

/*
 * Open (creating if needed, mode 0600) @path, in WAL mode with
 * synchronous=FULL, and apply the numbered local schema updates.
 */
TR_MUSTCHECK int cluster_local_open(const char *path,
				    struct cluster_local **out, char *errmsg);
void cluster_local_close(struct cluster_local *l);
/* Config key/value.  get: TR_ENOTFOUND if absent; the value is copied into
 * @out (@cap bytes). */
TR_MUSTCHECK int cluster_local_get(struct cluster_local *l, const char *key,
				   char *out, size_t cap);
TR_MUSTCHECK int cluster_local_set(struct cluster_local *l, const char *key,
				   const char *value);
/* Applied local schema version. */
int cluster_local_schema_version(struct cluster_local *l);

/* A member of the cluster as this node knows it (from the join answer and
 * heartbeats): what it needs to find the cluster after a restart and to
 * authorize peers on the cluster port. */
struct cluster_member {
	uint64_t id; /* dqlite node id */
	char name[65];
	char address[64];    /* cluster address, "host:port" */
	char pg_address[64]; /* PostgreSQL listener, "host:port" */
	uint64_t serial;     /* serial of its node certificate */
	enum cluster_role role;
};

/* Replace the known members with @members (@n of them), atomically. */
TR_MUSTCHECK int cluster_local_members_set(struct cluster_local *l,
					   const struct cluster_member *members,
					   unsigned n);
/* Read the known members, ordered by id, into @out (room for @cap);
 * *@n gets how many were read.  TR_ETOOBIG if there are more than @cap. */
TR_MUSTCHECK int cluster_local_members_get(struct cluster_local *l,
					   struct cluster_member *out,
					   unsigned cap, unsigned *n);

/* ---------------------------------------------------------------------
 * 4. The cluster port
 *
 * Every node listens on its public cluster address with mutual TLS
 * (security.md N7, N8).  After the TLS handshake the client writes an
 * 8-byte channel word:
 *
 *   dqlite's protocol version (u64 LE 1, or the legacy
 *   0x86104dd760433fe5)      dqlite channel: the proxy connects to the
 *                            local node's abstract socket and copies bytes
 *                            both ways (the word included).  Members only.
 *   "TRIODEA1" (8 ASCII bytes) admin channel: requests and replies, each
 *                            a u32 big-endian length (<= 1 MiB) and that
 *                            many bytes; one request at a time, answered in
 *                            order.  Members and joiners.
 *
 * Anything else closes the connection.
 * ------------------------------------------------------------------- */

/* The admin channel's word. */
#define CLUSTER_ADMIN_MAGIC   "TRIODEA1"
/* Largest admin request or reply body, bytes. */
#define CLUSTER_ADMIN_MAX_LEN (1024u * 1024u)
/* Longest peer name an authorize callback may set, with its NUL. */
#define CLUSTER_PEER_NAME_MAX 128

/* What a peer may do, as decided by the authorize callback. */
enum cluster_peer_kind {
	CLUSTER_PEER_DENY = 0,   /* close at once */
	CLUSTER_PEER_JOINER = 1, /* admin channel only */
	CLUSTER_PEER_MEMBER = 2, /* dqlite and admin channels */
};

struct cluster_proxy;         /* opaque; lives on one loop */
struct cluster_admin_request; /* opaque; one admin request */

/*
 * Decide what the peer of a freshly handshaken connection may do.  @ssl is
 * borrowed for the call: SSL_get0_peer_certificate() is NULL when the peer
 * sent no certificate; a certificate that is there has already been
 * verified against the context's trust store (the chain, expiry).  Identity
 * (the name in the certificate is a current member, not revoked: security
 * N3, N5) is the callback's business.  It writes the peer's name (e.g. the
 * certificate CN) into @name (CLUSTER_PEER_NAME_MAX bytes, "" before the
 * call); cluster_proxy_drop_peer() finds connections by that name.  Runs
 * on the proxy's loop, once per connection.
 */
typedef enum cluster_peer_kind (*cluster_authorize_fn)(void *arg, SSL *ssl,
						       char *name);
/*
 * One admin request: @msg (@len bytes, borrowed for the call) from a peer
 * of @kind named @name (borrowed for the call).  The callback owns @req
 * from here and must answer it exactly once with cluster_admin_reply(),
 * now or later, even if the connection goes away meanwhile (the reply is
 * then dropped).  No further request of that connection is read until it
 * is answered.
 */
typedef void (*cluster_admin_fn)(void *arg, struct cluster_admin_request *req,
				 const uint8_t *msg, size_t len,
				 enum cluster_peer_kind kind, const char *name);
typedef void (*cluster_proxy_stop_cb)(void *arg);

struct cluster_proxy_config {
	const char *address;     /* "a.b.c.d:port" to listen on (copied) */
	const char *node_socket; /* "@name" of the local node (copied) */
	/* Server context: certificate, key, cluster CA.  Borrowed; it must
	 * outlive the proxy.  The proxy asks every client for a certificate
	 * and verifies the one it gets, but lets a client without one finish
	 * the handshake (SSL_VERIFY_PEER, set per connection) so that a
	 * joiner can reach the admin channel. */
	SSL_CTX *ctx;
	cluster_authorize_fn authorize; /* required */
	cluster_admin_fn admin;         /* NULL: the admin channel closes */
	void *arg;                      /* for both callbacks */
	/* Time allowed from accept to the channel word, ms (0: 10000). */
	unsigned handshake_timeout_ms;
	/* An admin connection waiting for a request this long is closed, ms
	 * (0: 60000). */
	unsigned admin_idle_timeout_ms;
};

/*
 * Listen on cfg->address (fail-fast: TR_EINVAL for a bad address, TR_EIO
 * when it cannot be bound, with the reason in @errmsg).  Accepted sockets
 * get TCP_NODELAY, keepalive (3 s idle, 3 s interval, 3 probes) and
 * TCP_USER_TIMEOUT 30 s.  Strings in @cfg are copied.
 */
TR_MUSTCHECK int cluster_proxy_start(uv_loop_t *loop,
				     const struct cluster_proxy_config *cfg,
				     struct cluster_proxy **out, char *errmsg);
/*
 * Close the listener and every connection (an admin request still held by
 * the caller stays valid until it is answered).  @cb (may be NULL) is
 * called exactly once, never before returning, when libuv has closed every
 * handle; the proxy is freed right after.  Idempotent: later calls are
 * ignored.
 */
void cluster_proxy_stop(struct cluster_proxy *p, cluster_proxy_stop_cb cb,
			void *arg);
/* Close every connection authorised as @name (both channels); returns how
 * many were closed.  For revocation (security N5). */
unsigned cluster_proxy_drop_peer(struct cluster_proxy *p, const char *name);
/* Open connections (accepted, not yet closed), for tests and metrics. */
unsigned cluster_proxy_n_conns(const struct cluster_proxy *p);

/*
 * Answer an admin request with @len bytes (<= CLUSTER_ADMIN_MAX_LEN,
 * copied), or with @bytes NULL to close the connection without an answer.
 * Frees @req; call it exactly once per request.  Main loop only.
 */
void cluster_admin_reply(struct cluster_admin_request *req,
			 const uint8_t *bytes, size_t len);

/*
 * Dial @address ("a.b.c.d:port") with mutual TLS, blocking, for threads
 * (libuv's thread pool, dqlite's connect function): a non-blocking TCP
 * connect and the TLS handshake, both within @timeout_ms in all; the socket
 * gets TCP_NODELAY, keepalive and TCP_USER_TIMEOUT as above.  Writes
 * @magic (8 bytes, NULL for none) after the handshake.  Then starts a
 * detached thread that copies bytes between the TLS connection and one
 * end of a socketpair(AF_UNIX, SOCK_STREAM), and returns the other end,
 * blocking, in *@fd_out: the caller owns it.  When either side ends, the
 * thread shuts the other down and frees everything.  @ctx is a client
 * context (certificate, key, cluster CA), thread-safe to share.  Returns
 * TR_EINVAL (bad address), TR_EIO (connect), TR_ETIMEDOUT, TR_ETLS (the
 * handshake: wrong CA, refused certificate), TR_ENOMEM; the reason goes to
 * @errmsg (TR_ERRMSG_SIZE bytes).
 */
TR_MUSTCHECK int cluster_dial_tls(const char *address, SSL_CTX *ctx,
				  const uint8_t *magic, unsigned timeout_ms,
				  int *fd_out, char *errmsg);

/*
 * Result of an admin call: @rc TR_OK and the reply (@resp, @len bytes,
 * borrowed for the callback), or an error (TR_ETLS, TR_EIO, TR_ETIMEDOUT,
 * TR_ECLOSED when the server closed without answering, TR_ETOOBIG, ...)
 * with @errmsg saying why.
 */
typedef void (*cluster_admin_cb)(void *arg, int rc, const uint8_t *resp,
				 size_t len, const char *errmsg);
/*
 * One admin request to @address: dial (admin magic), send @req (@len <=
 * CLUSTER_ADMIN_MAX_LEN bytes, copied), read one reply, close; all of it on
 * libuv's thread pool within @timeout_ms (0: 10000).  @ctx is borrowed
 * until @cb.  Returns TR_OK and calls @cb exactly once, never before
 * returning, on @loop (which must keep running until then); or returns
 * TR_EINVAL/TR_ETOOBIG/TR_ENOMEM and never calls it.
 */
TR_MUSTCHECK int cluster_admin_call(uv_loop_t *loop, const char *address,
				    SSL_CTX *ctx, const uint8_t *req,
				    size_t len, unsigned timeout_ms,
				    cluster_admin_cb cb, void *arg);

#endif /* CLUSTER_CLUSTER_H */
