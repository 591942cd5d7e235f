/*
 * cluster/cluster_int.h: private declarations shared by cluster/ and its
 * unit tests.  Nobody else may include this file.
 *
 * The dqlite 1.11 wire protocol (../shared/dqlite-protocol.md §2):
 *
 *   message  = header body
 *   header   = u32 body words | u8 type | u8 schema (0) | u16 unused (0)
 *   body     = fields, each a whole number of 8-byte words, little-endian
 *
 *   u64      8 bytes LE            u32   4 bytes LE (always in pairs)
 *   text     bytes, NUL, zero pad to 8
 *   blob     u64 length, bytes, zero pad to 8
 *
 * Parameter tuple (requests, schema 0), counted from its first byte:
 *
 *   +------+--------+--------+-----+--------+------+-----------------+
 *   | N u8 | type 1 | type 2 | ... | type N | pad  | values (each    |
 *   |      |        |        |     |        | to 8 | word aligned)   |
 *   +------+--------+--------+-----+--------+------+-----------------+
 *
 * ROWS body:
 *
 *   u64 C | C x text name | row* | u64 marker (DONE ff.. or PART ee..)
 *   row = ceil(C/16) words of 4-bit type codes (column i in byte i/2,
 *         low nibble for even i) | C values
 *
 * Values: INTEGER/UNIXTIME i64, FLOAT double bits, TEXT/ISO8601 text,
 * BLOB blob, NULL one zero word, BOOLEAN u64.
 */
#ifndef CLUSTER_CLUSTER_INT_H
#define CLUSTER_CLUSTER_INT_H

#include "cluster/cluster.h"

#define CLUSTER__WORD                   8
#define CLUSTER__HEADER_LEN             8
#define CLUSTER__PROTO_VERSION          1
#define CLUSTER__ROWS_DONE              UINT64_C(0xffffffffffffffff)
#define CLUSTER__ROWS_PART              UINT64_C(0xeeeeeeeeeeeeeeee)
#define CLUSTER__MAX_PARAMS             255
/* Legacy "not leader" code that go-dqlite still accepts: 10 | 32 << 8. */
#define CLUSTER__CODE_NOT_LEADER_LEGACY 8202

/*
 * Request types: name, code, expected success response.  Never send
 * HEARTBEAT (never answered in 1.11) or CONNECT (turns the socket into a
 * raft stream); they are listed for completeness only.
 */
#define CLUSTER__REQUESTS(X)      \
	X(LEADER, 0, SERVER)      \
	X(CLIENT, 1, WELCOME)     \
	X(HEARTBEAT, 2, EMPTY)    \
	X(OPEN, 3, DB)            \
	X(PREPARE, 4, STMT)       \
	X(EXEC, 5, RESULT)        \
	X(QUERY, 6, ROWS)         \
	X(FINALIZE, 7, EMPTY)     \
	X(EXEC_SQL, 8, RESULT)    \
	X(QUERY_SQL, 9, ROWS)     \
	X(INTERRUPT, 10, EMPTY)   \
	X(CONNECT, 11, EMPTY)     \
	X(ADD, 12, EMPTY)         \
	X(ASSIGN, 13, EMPTY)      \
	X(REMOVE, 14, EMPTY)      \
	X(DUMP, 15, FILES)        \
	X(CLUSTER, 16, SERVERS)   \
	X(TRANSFER, 17, EMPTY)    \
	X(DESCRIBE, 18, METADATA) \
	X(WEIGHT, 19, EMPTY)

#define CLUSTER__RESPONSES(X) \
	X(FAILURE, 0)         \
	X(SERVER, 1)          \
	X(WELCOME, 2)         \
	X(SERVERS, 3)         \
	X(DB, 4)              \
	X(STMT, 5)            \
	X(RESULT, 6)          \
	X(ROWS, 7)            \
	X(EMPTY, 8)           \
	X(FILES, 9)           \
	X(METADATA, 10)

enum cluster__request_type {
#define CLUSTER__REQ_ENUM(name, code, resp) CLUSTER__REQ_##name = code,
	CLUSTER__REQUESTS(CLUSTER__REQ_ENUM)
#undef CLUSTER__REQ_ENUM
};

enum cluster__response_type {
#define CLUSTER__RESP_ENUM(name, code) CLUSTER__RESP_##name = code,
	CLUSTER__RESPONSES(CLUSTER__RESP_ENUM)
#undef CLUSTER__RESP_ENUM
};

/* Names for logs ("?" when unknown) and the success response expected for
 * a request type (-1 when unknown). */
const char *cluster__request_name(unsigned type);
const char *cluster__response_name(unsigned type);
int cluster__request_expects(unsigned type);

/*
 * Fixed-layout bodies, declared once as field lists.  Field kinds: U64,
 * U32 (always in pairs) and TEXT (borrowed on decode: points into the
 * decoded bytes).  EXEC, QUERY, EXEC_SQL and QUERY_SQL are followed by an
 * optional parameter tuple, written with cluster__params_encode().
 */
#define CLUSTER__REQ_LEADER_FIELDS(X)    X(U64, unused)
#define CLUSTER__REQ_CLIENT_FIELDS(X)    X(U64, id)
#define CLUSTER__REQ_OPEN_FIELDS(X)      X(TEXT, name) X(U64, flags) X(TEXT, vfs)
#define CLUSTER__REQ_PREPARE_FIELDS(X)   X(U64, db) X(TEXT, sql)
#define CLUSTER__REQ_EXEC_FIELDS(X)      X(U32, db) X(U32, stmt_id)
#define CLUSTER__REQ_QUERY_FIELDS(X)     X(U32, db) X(U32, stmt_id)
#define CLUSTER__REQ_FINALIZE_FIELDS(X)  X(U32, db) X(U32, stmt_id)
#define CLUSTER__REQ_EXEC_SQL_FIELDS(X)  X(U64, db) X(TEXT, sql)
#define CLUSTER__REQ_QUERY_SQL_FIELDS(X) X(U64, db) X(TEXT, sql)
#define CLUSTER__REQ_INTERRUPT_FIELDS(X) X(U64, db)
#define CLUSTER__REQ_ADD_FIELDS(X)       X(U64, id) X(TEXT, address)
#define CLUSTER__REQ_ASSIGN_FIELDS(X)    X(U64, id) X(U64, role)
#define CLUSTER__REQ_REMOVE_FIELDS(X)    X(U64, id)
#define CLUSTER__REQ_DUMP_FIELDS(X)      X(TEXT, name)
#define CLUSTER__REQ_CLUSTER_FIELDS(X)   X(U64, format)
#define CLUSTER__REQ_TRANSFER_FIELDS(X)  X(U64, id)
#define CLUSTER__REQ_DESCRIBE_FIELDS(X)  X(U64, format)
#define CLUSTER__REQ_WEIGHT_FIELDS(X)    X(U64, weight)

#define CLUSTER__RESP_FAILURE_FIELDS(X) X(U64, code) X(TEXT, message)
#define CLUSTER__RESP_SERVER_FIELDS(X)  X(U64, id) X(TEXT, address)
#define CLUSTER__RESP_WELCOME_FIELDS(X) X(U64, heartbeat_timeout)
#define CLUSTER__RESP_DB_FIELDS(X)      X(U32, id) X(U32, pad)
#define CLUSTER__RESP_STMT_FIELDS(X)    X(U32, db) X(U32, id) X(U64, n_params)
#define CLUSTER__RESP_RESULT_FIELDS(X) \
	X(U64, last_insert_id) X(U64, rows_affected)
#define CLUSTER__RESP_EMPTY_FIELDS(X)    X(U64, unused)
#define CLUSTER__RESP_METADATA_FIELDS(X) X(U64, failure_domain) X(U64, weight)

/* Every fixed schema: struct name suffix and field list. */
#define CLUSTER__SCHEMAS(X)                             \
	X(req_leader, CLUSTER__REQ_LEADER_FIELDS)       \
	X(req_client, CLUSTER__REQ_CLIENT_FIELDS)       \
	X(req_open, CLUSTER__REQ_OPEN_FIELDS)           \
	X(req_prepare, CLUSTER__REQ_PREPARE_FIELDS)     \
	X(req_exec, CLUSTER__REQ_EXEC_FIELDS)           \
	X(req_query, CLUSTER__REQ_QUERY_FIELDS)         \
	X(req_finalize, CLUSTER__REQ_FINALIZE_FIELDS)   \
	X(req_exec_sql, CLUSTER__REQ_EXEC_SQL_FIELDS)   \
	X(req_query_sql, CLUSTER__REQ_QUERY_SQL_FIELDS) \
	X(req_interrupt, CLUSTER__REQ_INTERRUPT_FIELDS) \
	X(req_add, CLUSTER__REQ_ADD_FIELDS)             \
	X(req_assign, CLUSTER__REQ_ASSIGN_FIELDS)       \
	X(req_remove, CLUSTER__REQ_REMOVE_FIELDS)       \
	X(req_dump, CLUSTER__REQ_DUMP_FIELDS)           \
	X(req_cluster, CLUSTER__REQ_CLUSTER_FIELDS)     \
	X(req_transfer, CLUSTER__REQ_TRANSFER_FIELDS)   \
	X(req_describe, CLUSTER__REQ_DESCRIBE_FIELDS)   \
	X(req_weight, CLUSTER__REQ_WEIGHT_FIELDS)       \
	X(resp_failure, CLUSTER__RESP_FAILURE_FIELDS)   \
	X(resp_server, CLUSTER__RESP_SERVER_FIELDS)     \
	X(resp_welcome, CLUSTER__RESP_WELCOME_FIELDS)   \
	X(resp_db, CLUSTER__RESP_DB_FIELDS)             \
	X(resp_stmt, CLUSTER__RESP_STMT_FIELDS)         \
	X(resp_result, CLUSTER__RESP_RESULT_FIELDS)     \
	X(resp_empty, CLUSTER__RESP_EMPTY_FIELDS)       \
	X(resp_metadata, CLUSTER__RESP_METADATA_FIELDS)

#define CLUSTER__FIELD_TYPE_U64         uint64_t
#define CLUSTER__FIELD_TYPE_U32         uint32_t
#define CLUSTER__FIELD_TYPE_TEXT        const char *
#define CLUSTER__FIELD_DECL(kind, name) CLUSTER__FIELD_TYPE_##kind name;

/*
 * For each schema S: struct cluster__S, and
 *   cluster__S_sizeof   body bytes (a multiple of 8);
 *   cluster__S_encode   append the body to @b (sticky error in @b);
 *   cluster__S_decode   read the body from @c: TR_OK or TR_EPROTO.  Text
 *                       fields are borrowed from the cursor's bytes.
 */
#define CLUSTER__SCHEMA_DECLARE(S, FIELDS)                          \
	struct cluster__##S {                                       \
		FIELDS(CLUSTER__FIELD_DECL)                         \
	};                                                          \
	size_t cluster__##S##_sizeof(const struct cluster__##S *m); \
	void cluster__##S##_encode(const struct cluster__##S *m,    \
				   struct tr_buf *b);               \
	TR_MUSTCHECK int cluster__##S##_decode(struct tr_cursor *c, \
					       struct cluster__##S *m);
CLUSTER__SCHEMAS(CLUSTER__SCHEMA_DECLARE)

/* Bytes a text of @len bytes takes on the wire (NUL and padding). */
size_t cluster__text_sizeof(size_t len);

/*
 * Message framing.  cluster__msg_begin() appends a header for @type and
 * returns its offset; the caller appends the body; cluster__msg_end() pads
 * the body to a whole word and back-fills the word count (TR_ETOOBIG in
 * @b when it does not fit a u32).
 */
size_t cluster__msg_begin(struct tr_buf *b, uint8_t type);
void cluster__msg_end(struct tr_buf *b, size_t off);

/* One framed message, borrowed from the input bytes. */
struct cluster__frame {
	bool complete;       /* false: need more bytes */
	uint8_t type;        /* message type code */
	uint8_t schema;      /* schema byte (servers send 0) */
	const uint8_t *body; /* borrowed; NULL unless complete */
	size_t body_len;     /* bytes, a multiple of 8 */
	size_t total;        /* header + body bytes to consume */
};

/*
 * Frame the next message of @p (@len bytes available).  TR_OK with
 * f->complete false means "need more"; TR_ETOOBIG when the header declares
 * a body larger than @max_body (checked before anything is buffered).
 */
TR_MUSTCHECK int cluster__frame_next(const uint8_t *p, size_t len,
				     size_t max_body, struct cluster__frame *f);

/*
 * Parameter tuples.  cluster__params_check() rejects what may not be sent
 * (more than 255 values, UNIXTIME, unknown types, text with an embedded
 * NUL) with TR_EINVAL.  Zero parameters encode as nothing at all.
 */
TR_MUSTCHECK int cluster__params_check(const struct cluster_value *v,
				       unsigned n);
size_t cluster__params_sizeof(const struct cluster_value *v, unsigned n);
void cluster__params_encode(struct tr_buf *b, const struct cluster_value *v,
			    unsigned n);
/* Decode a tuple into @out (@cap entries); the rest of @c must be empty or
 * a tuple.  Text and blobs are borrowed.  TR_EPROTO when malformed. */
TR_MUSTCHECK int cluster__params_decode(struct tr_cursor *c,
					struct cluster_value *out, unsigned cap,
					unsigned *n);

/* One value of the given type (row or parameter encoding). */
TR_MUSTCHECK int cluster__value_decode(struct tr_cursor *c, unsigned type,
				       struct cluster_value *v);

/*
 * ROWS bodies.  cluster__rows_columns() reads the column count and checks
 * that the names can fit in what is left (so @n_cols is safe to allocate
 * for); cluster__rows_names() then reads the names (borrowed).
 * cluster__rows_next() reads one row into @vals, or the end marker.
 */
enum cluster__rows_step {
	CLUSTER__ROW,  /* @vals holds a row */
	CLUSTER__PART, /* batch ends; another ROWS message follows */
	CLUSTER__DONE, /* result set complete */
};
TR_MUSTCHECK int cluster__rows_columns(struct tr_cursor *c, unsigned *n_cols);
TR_MUSTCHECK int cluster__rows_names(struct tr_cursor *c, unsigned n_cols,
				     const char **names);
TR_MUSTCHECK int cluster__rows_next(struct tr_cursor *c, unsigned n_cols,
				    struct cluster_value *vals,
				    enum cluster__rows_step *step);

/*
 * FAILURE body, including 1.11's malformed variant sent when a query fails
 * after rows were encoded ([C][names][rows...][code][message], §9 item 8).
 * @message is borrowed from @body.
 */
TR_MUSTCHECK int cluster__failure_decode(const uint8_t *body, size_t len,
					 uint64_t *code, const char **message);

/*
 * SERVERS body (format 0: id + address, format 1: id + address + role).
 * cluster__servers_count() reads n and checks that n entries can fit;
 * cluster__servers_next() reads one (address borrowed).
 */
TR_MUSTCHECK int cluster__servers_count(struct tr_cursor *c, uint64_t format,
					unsigned *n);
TR_MUSTCHECK int cluster__servers_next(struct tr_cursor *c, uint64_t format,
				       struct cluster_server_info *s);

/* FILES body: n, then n x (text name, u64 size, size bytes padded). */
TR_MUSTCHECK int cluster__files_count(struct tr_cursor *c, unsigned *n);
TR_MUSTCHECK int cluster__files_next(struct tr_cursor *c, const char **name,
				     const uint8_t **data, uint64_t *size);

/* Map a FAILURE code to TR_ENOTLEADER or TR_ESQL. */
int cluster__failure_rc(uint64_t code);

/* ---------------------------------------------------------------------
 * Sockets and TLS helpers (sock.c, dial.c), shared by client.c, node.c,
 * proxy.c and dial.c.
 * ------------------------------------------------------------------- */

struct sockaddr_in;

/*
 * Parse "a.b.c.d[:port]" (IPv4 only, like dqlite 1.11) into @out; a
 * missing port means @default_port (0: the port is required).  TR_EINVAL
 * with a message in @errmsg otherwise.
 */
TR_MUSTCHECK int cluster__parse_ipv4(const char *address, int default_port,
				     struct sockaddr_in *out, char *errmsg);

/*
 * Connect a non-blocking, close-on-exec Unix stream socket to the abstract
 * name @name (without the leading '@').  A local connect completes or fails
 * at once (libuv 1.44 has no uv_pipe_connect2 for abstract names).  TR_OK
 * and the socket in *@fd_out, or TR_EINVAL/TR_EIO with a message.
 */
TR_MUSTCHECK int cluster__connect_abstract(const char *name, int *fd_out,
					   char *errmsg);

/* Cluster-port TCP options: TCP_NODELAY, keepalive (3 s idle, 3 s
 * interval, 3 probes) and TCP_USER_TIMEOUT 30 s.  Failures are ignored:
 * they only make a dead peer slower to notice. */
void cluster__tcp_tune(int fd);

/* Drain OpenSSL's (thread-local) error queue into @errmsg after "@what: ".
 * Returns TR_ETLS. */
int cluster__ssl_error(char *errmsg, const char *what);

/* Keepalive and user-timeout values (dqlite-protocol.md §7). */
#define CLUSTER__KEEPALIVE_S      3
#define CLUSTER__KEEPALIVE_PROBES 3
#define CLUSTER__USER_TIMEOUT_MS  30000

/*
 * Blocking TLS client connection (dial.c): TCP connect to @address, TLS
 * handshake with @ctx, then @magic (8 bytes) unless NULL, all before
 * @deadline_ns (tr_now_ns clock).  On success the caller owns *@ssl and
 * the non-blocking socket *@fd (SSL_free, close).
 */
TR_MUSTCHECK int cluster__dial_ssl(const char *address, SSL_CTX *ctx,
				   const uint8_t *magic, uint64_t deadline_ns,
				   SSL **ssl, int *fd, char *errmsg);
/* Write all of @p / read exactly @n bytes on a non-blocking TLS socket,
 * waiting with poll() until @deadline_ns.  TR_ECLOSED when the peer closed
 * before @n bytes were read. */
TR_MUSTCHECK int cluster__ssl_write_all(SSL *ssl, int fd, const void *p,
					size_t n, uint64_t deadline_ns,
					char *errmsg);
TR_MUSTCHECK int cluster__ssl_read_full(SSL *ssl, int fd, void *p, size_t n,
					uint64_t deadline_ns, char *errmsg);

#endif /* CLUSTER_CLUSTER_INT_H */
