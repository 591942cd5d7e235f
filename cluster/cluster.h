/*
 * cluster/cluster.h: dqlite from triode's side.
 *
 * Three parts:
 *   1. cluster_client: an asynchronous client for dqlite 1.11.1's wire
 *      protocol on a libuv loop (see ../shared/dqlite-protocol.md §2).
 *   2. cluster_node: the embedded dqlite node (its own thread and loop),
 *      bound to an abstract Unix socket only this process can reach.
 *   3. cluster_local: the node-local SQLite database (local.db) with this
 *      node's identity and known members, and numbered schema updates.
 *
 * cluster/ knows nothing of PostgreSQL: SQL text goes in, dqlite values and
 * failure codes come out.
 */
#ifndef CLUSTER_CLUSTER_H
#define CLUSTER_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
#define CLUSTER_CODE_BUSY 5
#define CLUSTER_CODE_NOTFOUND 12 /* "no database opened" */
#define CLUSTER_CODE_NOT_LEADER 10250
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
				   const struct cluster_result *res,
				   unsigned n,
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
 * Connect to @address ("host:port" over TCP with TCP_NODELAY, or "@name"
 * for an abstract Unix socket) and send the protocol handshake (version 1).
 * @cb gets rc TR_OK once the client can take requests.
 */
TR_MUSTCHECK int cluster_client_connect(struct cluster_client *c,
					const char *address,
					cluster_done_cb cb, void *arg);
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
					 unsigned n_params,
					 cluster_done_cb cb, void *arg);
/* Columns come before the first row of each batch; @done comes last. */
TR_MUSTCHECK int cluster_client_query_sql(struct cluster_client *c,
					  const char *sql,
					  const struct cluster_value *params,
					  unsigned n_params,
					  cluster_columns_cb columns,
					  cluster_row_cb row, cluster_done_cb done,
					  void *arg);
TR_MUSTCHECK int cluster_client_prepare(struct cluster_client *c,
					const char *sql, cluster_stmt_cb cb,
					void *arg);
TR_MUSTCHECK int cluster_client_exec(struct cluster_client *c,
				     uint32_t stmt_id,
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
TR_MUSTCHECK int cluster_client_assign(struct cluster_client *c,
				       uint64_t id, enum cluster_role role,
				       cluster_done_cb cb, void *arg);
TR_MUSTCHECK int cluster_client_remove(struct cluster_client *c,
				       uint64_t id, cluster_done_cb cb,
				       void *arg);
TR_MUSTCHECK int cluster_client_transfer(struct cluster_client *c,
					 uint64_t id, cluster_done_cb cb,
					 void *arg);
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
 * @cb is called exactly once, never before return, with a NULL client.
 */
typedef const char *(*cluster_address_map_fn)(void *arg, const char *address);
TR_MUSTCHECK int cluster_leader_find(uv_loop_t *loop,
				     const char *const *seeds, unsigned n_seeds,
				     unsigned timeout_ms,
				     cluster_address_map_fn map, void *map_arg,
				     cluster_servers_cb cb, void *arg);

/* ---------------------------------------------------------------------
 * 2. Node
 * ------------------------------------------------------------------- */

struct cluster_node; /* opaque; owns the dqlite node and its thread */

struct cluster_node_config {
	uint64_t id;          /* 1 bootstraps a new cluster on an empty dir */
	const char *address;  /* public cluster address, "host:port" */
	const char *dir;      /* raft data directory (created if missing) */
	unsigned network_latency_ms; /* 0: dqlite's default */
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

#endif /* CLUSTER_CLUSTER_H */
