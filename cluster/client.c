/*
 * cluster/client.c: asynchronous client for dqlite 1.11's wire protocol on
 * a libuv loop (../shared/dqlite-protocol.md §2, §5, §9).
 *
 * States:
 *
 *   INIT --connect(tcp|tls)--> CONNECTING --connected--> HANDSHAKE
 *     |  \--connect(@abstract)----------------------------^    |
 *     |                                          written   |
 *     |                                                    v
 *     |          BROKEN <--timeout, I/O or protocol error-- READY
 *     |            |      (also from CONNECTING/HANDSHAKE)
 *     +------------+------------close()-------------------> CLOSING
 *
 * With a TLS context (cfg.tls) a "host:port" connect is a blocking
 * cluster_dial_tls() on libuv's thread pool; its socketpair end is then
 * opened as a pipe and the client goes on as over any other stream.  A
 * close while the dial runs waits for it (the work counts as one of the
 * handles to close) and closes the socket it brings back.
 *
 * Suspension points: the TCP connect or TLS dial, the write of the handshake
 * and of each batch of requests, every read, the timer, and the "kick" idle
 * handle that runs deferred work (failures, rows held back by a pause).
 *
 * Happy path: requests are encoded into the filling half of a double
 * output buffer and written at once (the server answers pipelined
 * requests in order, §2.2); each is queued in @reqs.  Responses are framed
 * from the input buffer and matched with the head of the queue.  A result
 * set arrives as ROWS messages ending in PART (more follow) or DONE; rows
 * go to the caller one by one, and a pause between two rows stops delivery
 * right there (the read position is kept, reading stops).
 *
 * Failure modes: a FAILURE answer completes its request with TR_ESQL or
 * TR_ENOTLEADER and the client goes on.  Anything else (timeout of the head
 * request, socket error or EOF, malformed or unexpected response) breaks
 * the client: the first cause is kept in errmsg, reading stops, and every
 * request then completes with that code from the kick handle, never from
 * inside a call of the caller.  close() cancels what is left (TR_ECANCELED)
 * once libuv has closed every handle, then calls the close callback and
 * frees the client.
 */
#define _GNU_SOURCE /* SOCK_NONBLOCK, SOCK_CLOEXEC */

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <uv.h>

#include "cluster/cluster_int.h"

#define DEFAULT_REQUEST_TIMEOUT_MS 10000
#define DEFAULT_QUERY_TIMEOUT_MS   60000
#define DEFAULT_CONNECT_TIMEOUT_MS 3000
#define DEFAULT_MAX_RESPONSE_LEN   ((size_t)256 * 1024 * 1024)
#define READ_CHUNK                 65536

enum client_state {
	ST_INIT,       /* created, not connected */
	ST_CONNECTING, /* TCP connect in progress */
	ST_HANDSHAKE,  /* protocol version being written */
	ST_READY,      /* taking requests */
	ST_BROKEN,     /* a connection-level failure: requests are refused */
	ST_CLOSING,    /* handles closing; freed when they all are */
	ST__N,
};

static const char *const state_names[ST__N] = {
	"INIT", "CONNECTING", "HANDSHAKE", "READY", "BROKEN", "CLOSING",
};

#define BIT(s) (1u << (s))
/* Allowed next states, per state. */
static const unsigned state_edges[ST__N] = {
	[ST_INIT] = BIT(ST_CONNECTING) | BIT(ST_HANDSHAKE) | BIT(ST_CLOSING),
	[ST_CONNECTING] = BIT(ST_HANDSHAKE) | BIT(ST_BROKEN) | BIT(ST_CLOSING),
	[ST_HANDSHAKE] = BIT(ST_READY) | BIT(ST_BROKEN) | BIT(ST_CLOSING),
	[ST_READY] = BIT(ST_BROKEN) | BIT(ST_CLOSING),
	[ST_BROKEN] = BIT(ST_CLOSING),
	[ST_CLOSING] = 0,
};

/* One queued request, owned by the client until its callback has run. */
struct cluster_req {
	struct tr_queue link; /* in cluster_client.reqs */
	uint8_t type;         /* request type code */
	int expect;           /* success response type */
	unsigned timeout_ms;  /* from reaching the head of the queue */
	cluster_done_cb done; /* one of done/servers/stmt, or none */
	cluster_servers_cb servers;
	cluster_stmt_cb stmt;
	cluster_columns_cb columns; /* queries only, may be NULL */
	cluster_row_cb row;         /* queries only, may be NULL */
	void *arg;                  /* borrowed: the caller's */
	int abandon_rc;             /* non-zero: the row callback quit */
	bool internal;              /* our own INTERRUPT: nobody to call */
};

struct cluster_client {
	uv_loop_t *loop;                  /* borrowed */
	struct cluster_client_config cfg; /* copy, defaults filled in */
	unsigned id;                      /* for logs */
	enum client_state state;
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} sock; /* valid when sock_init */
	bool sock_init;
	uv_connect_t connect_req; /* TCP connect */
	uv_work_t dial_work;      /* TLS dial on the thread pool */
	bool dialing;             /* dial_work queued, after_work not run */
	int dial_rc;              /* written by the worker thread ... */
	int dial_fd;              /* ... and read in dial_after_cb only */
	char dial_errmsg[TR_ERRMSG_SIZE];
	uv_timer_t timer;           /* connect timeout, then head's */
	uv_idle_t kick;             /* deferred work */
	unsigned n_closing;         /* handles not yet closed */
	uv_write_t write_req;       /* the one write in flight */
	bool writing;               /* write_req in use */
	struct tr_buf out[2];       /* owned: writing / filling */
	unsigned fill;              /* index of the filling buffer */
	struct tr_buf in;           /* owned: received bytes */
	size_t in_pos;              /* first unprocessed message */
	bool reading;               /* uv_read_start in effect */
	bool paused;                /* caller asked us to stop */
	bool processing;            /* guard against re-entry */
	bool in_batch;              /* a ROWS message is open */
	size_t batch_pos;           /* next row, from in_pos */
	size_t batch_len;           /* the message's total bytes */
	unsigned n_cols;            /* of the open ROWS message */
	struct cluster_value *vals; /* owned: n_cols capacity */
	const char **names;         /* owned array, borrowed names */
	unsigned cols_cap;          /* capacity of vals and names */
	uint32_t db;                /* id answered by OPEN */
	struct tr_queue reqs;       /* written, unanswered requests */
	cluster_done_cb connect_cb; /* pending connect, or NULL */
	void *connect_arg;
	int fail_rc; /* why the client is BROKEN */
	cluster_close_cb close_cb;
	void *close_arg;
	char address[128]; /* as given to connect, for logs */
	char errmsg[TR_ERRMSG_SIZE];
};

static unsigned next_client_id;

static void move(struct cluster_client *c, enum client_state next)
{
	TR_PRE((state_edges[c->state] & BIT(next)) != 0);
	tr_trace("cluster", "client=%u %s -> %s", c->id, state_names[c->state],
		 state_names[next]);
	c->state = next;
}

static void kick_cb(uv_idle_t *idle);
static void process(struct cluster_client *c);

static struct cluster_req *head(const struct cluster_client *c)
{
	struct tr_queue *q = tr_queue_head(&c->reqs);
	return q == NULL ? NULL : TR_QUEUE_DATA(q, struct cluster_req, link);
}

static void kick(struct cluster_client *c)
{
	if (c->state != ST_CLOSING) {
		uv_idle_start(&c->kick, kick_cb);
	}
}

static void read_stop(struct cluster_client *c)
{
	if (c->reading) {
		uv_read_stop(&c->sock.stream);
		c->reading = false;
	}
}

/*
 * Break the client: the first failure wins.  Callbacks run later, from the
 * kick handle, so that no caller sees its own callbacks re-entered.
 */
TR_PRINTF(3, 4)
static void fail(struct cluster_client *c, int rc, const char *fmt, ...)
{
	if (c->state == ST_BROKEN || c->state == ST_CLOSING) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof c->errmsg, fmt, ap);
	va_end(ap);
	tr_debug("cluster", "client=%u %s: %s", c->id, c->address, c->errmsg);
	move(c, ST_BROKEN);
	c->fail_rc = rc;
	read_stop(c);
	uv_timer_stop(&c->timer);
	kick(c);
}

/* ---------------------------------------------------------------------
 * Completion
 * ------------------------------------------------------------------- */

static void timer_cb(uv_timer_t *t);

/* (Re)arm the timer for the request at the head of the queue. */
static void arm_timer(struct cluster_client *c)
{
	struct cluster_req *r = head(c);
	if (c->state != ST_READY || r == NULL || c->paused) {
		uv_timer_stop(&c->timer);
		return;
	}
	uv_timer_start(&c->timer, timer_cb, r->timeout_ms, 0);
}

static void finish(struct cluster_client *c, struct cluster_req *r,
		   const struct cluster_result *res, unsigned n,
		   const struct cluster_server_info *servers, uint32_t stmt_id,
		   uint64_t n_params)
{
	bool was_head = head(c) == r;
	tr_queue_remove(&r->link);
	if (was_head) {
		arm_timer(c);
	}
	if (!r->internal) {
		if (r->servers != NULL) {
			r->servers(c, r->arg, res, n, servers);
		} else if (r->stmt != NULL) {
			r->stmt(c, r->arg, res, stmt_id, n_params);
		} else if (r->done != NULL) {
			r->done(c, r->arg, res);
		}
	}
	tr_free(r);
}

static void finish_rc(struct cluster_client *c, struct cluster_req *r, int rc,
		      const char *message)
{
	struct cluster_result res = { .rc = rc, .message = message };
	finish(c, r, &res, 0, NULL, 0, 0);
}

/* Complete the pending connect and every request with @rc. */
static void drain(struct cluster_client *c, int rc, const char *message)
{
	struct cluster_result res = { .rc = rc, .message = message };
	cluster_done_cb cb = c->connect_cb;
	if (cb != NULL) {
		c->connect_cb = NULL;
		cb(c, c->connect_arg, &res);
	}
	struct cluster_req *r;
	while ((r = head(c)) != NULL) {
		finish_rc(c, r, rc, message);
	}
}

static void kick_cb(uv_idle_t *idle)
{
	struct cluster_client *c = idle->data;
	uv_idle_stop(idle);
	if (c->state == ST_BROKEN) {
		drain(c, c->fail_rc, c->errmsg);
	} else if (c->state == ST_READY) {
		process(c);
	}
}

static void timer_cb(uv_timer_t *t)
{
	struct cluster_client *c = t->data;
	struct cluster_req *r = head(c);
	if (c->state == ST_CONNECTING || c->state == ST_HANDSHAKE) {
		fail(c, TR_ETIMEDOUT, "connect to %s: timed out after %u ms",
		     c->address, c->cfg.connect_timeout_ms);
	} else if (c->state == ST_READY && r != NULL) {
		fail(c, TR_ETIMEDOUT, "%s request: no answer after %u ms",
		     cluster__request_name(r->type), r->timeout_ms);
	}
}

/* ---------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------- */

static void write_cb(uv_write_t *req, int status);

/* Hand the filling buffer to libuv unless a write is in flight. */
static void flush(struct cluster_client *c)
{
	struct tr_buf *b = &c->out[c->fill];
	if (c->writing || b->len == 0 || c->state == ST_BROKEN ||
	    c->state == ST_CLOSING) {
		return;
	}
	uv_buf_t buf = uv_buf_init((char *)b->data, (unsigned)b->len);
	c->fill = 1 - c->fill;
	int rv = uv_write(&c->write_req, &c->sock.stream, &buf, 1, write_cb);
	if (rv != 0) {
		tr_buf_reset(b);
		fail(c, TR_EIO, "write: %s", uv_strerror(rv));
		return;
	}
	c->writing = true;
}

static void write_cb(uv_write_t *req, int status)
{
	struct cluster_client *c = req->data;
	c->writing = false;
	tr_buf_reset(&c->out[1 - c->fill]);
	if (c->state == ST_CLOSING || c->state == ST_BROKEN) {
		return;
	}
	if (status != 0) {
		fail(c, TR_EIO, "write: %s", uv_strerror(status));
		return;
	}
	if (c->state == ST_HANDSHAKE) {
		move(c, ST_READY);
		uv_timer_stop(&c->timer);
		cluster_done_cb cb = c->connect_cb;
		c->connect_cb = NULL;
		struct cluster_result res = { .rc = TR_OK, .message = "ok" };
		cb(c, c->connect_arg, &res);
	}
	flush(c);
}

/* ---------------------------------------------------------------------
 * Reading and dispatch
 * ------------------------------------------------------------------- */

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct cluster_client *c = h->data;
	TR_UNUSED(suggested);
	if (!tr_buf_reserve(&c->in, READ_CHUNK)) {
		*buf = uv_buf_init(NULL, 0); /* read_cb gets UV_ENOBUFS */
		return;
	}
	size_t room = c->in.cap - c->in.len;
	*buf = uv_buf_init((char *)c->in.data + c->in.len,
			   room > UINT32_MAX ? UINT32_MAX : (unsigned)room);
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct cluster_client *c = s->data;
	TR_UNUSED(buf);
	if (nread == 0) {
		return; /* EAGAIN, not EOF */
	}
	if (nread == UV_EOF) {
		fail(c, TR_EIO, "connection closed by the server");
		return;
	}
	if (nread == UV_ENOBUFS) {
		fail(c, TR_ENOMEM, "read: out of memory");
		return;
	}
	if (nread < 0) {
		fail(c, TR_EIO, "read: %s", uv_strerror((int)nread));
		return;
	}
	c->in.len += (size_t)nread;
	if (c->state != ST_READY) {
		fail(c, TR_EPROTO, "data received before the handshake");
		return;
	}
	process(c);
}

static void read_start(struct cluster_client *c)
{
	if (c->reading || c->paused || c->state == ST_BROKEN ||
	    c->state == ST_CLOSING) {
		return;
	}
	int rv = uv_read_start(&c->sock.stream, alloc_cb, read_cb);
	if (rv != 0) {
		fail(c, TR_EIO, "read: %s", uv_strerror(rv));
		return;
	}
	c->reading = true;
}

static int ensure_cols(struct cluster_client *c, unsigned n)
{
	if (n <= c->cols_cap && c->vals != NULL) {
		return TR_OK;
	}
	size_t cap = n == 0 ? 1 : n;
	struct cluster_value *vals = tr_malloc(cap * sizeof *vals);
	const char **names = tr_malloc(cap * sizeof *names);
	if (vals == NULL || names == NULL) {
		tr_free(vals);
		tr_free(names);
		return TR_ENOMEM;
	}
	tr_free(c->vals);
	tr_free(c->names);
	c->vals = vals;
	c->names = names;
	c->cols_cap = (unsigned)cap;
	return TR_OK;
}

static void abandon(struct cluster_client *c, struct cluster_req *r, int rc);

/*
 * Deliver rows of the open ROWS message until it ends, the caller pauses,
 * or the client stops being READY.  Returns false to stop the loop.
 */
static bool batch_rows(struct cluster_client *c)
{
	struct cluster_req *r = head(c);
	const uint8_t *msg = c->in.data + c->in_pos;
	struct tr_cursor cur;
	enum cluster__rows_step step;

	tr_cursor_init(&cur, msg + c->batch_pos, c->batch_len - c->batch_pos);
	for (;;) {
		if (c->paused || c->state != ST_READY) {
			return false;
		}
		if (cluster__rows_next(&cur, c->n_cols, c->vals, &step) !=
		    TR_OK) {
			fail(c, TR_EPROTO, "malformed row in %s response",
			     cluster__request_name(r->type));
			return false;
		}
		c->batch_pos = (size_t)(cur.p - msg);
		if (step != CLUSTER__ROW) {
			break;
		}
		if (r->abandon_rc == TR_OK && r->row != NULL) {
			int rv = r->row(c, r->arg, c->n_cols, c->vals);
			if (rv != TR_OK) {
				abandon(c, r, rv);
			}
		}
	}
	if (tr_cursor_expect_end(&cur) != TR_OK) {
		fail(c, TR_EPROTO, "bytes after the end of a result batch");
		return false;
	}
	c->in_batch = false;
	c->in_pos += c->batch_len;
	if (step == CLUSTER__DONE) {
		int rc = r->abandon_rc;
		finish_rc(c, r, rc,
			  rc == TR_OK ? "ok" : "result set abandoned");
	}
	return true;
}

/* Open a ROWS message: columns first, then the rows. */
static bool batch_begin(struct cluster_client *c, struct cluster_req *r,
			const struct cluster__frame *f)
{
	struct tr_cursor cur;
	unsigned n;

	tr_cursor_init(&cur, f->body, f->body_len);
	if (cluster__rows_columns(&cur, &n) != TR_OK) {
		fail(c, TR_EPROTO, "malformed column count in a result");
		return false;
	}
	if (ensure_cols(c, n) != TR_OK) {
		fail(c, TR_ENOMEM, "result with %u columns: out of memory", n);
		return false;
	}
	if (cluster__rows_names(&cur, n, c->names) != TR_OK) {
		fail(c, TR_EPROTO, "malformed column names in a result");
		return false;
	}
	c->in_batch = true;
	c->n_cols = n;
	c->batch_len = f->total;
	c->batch_pos = CLUSTER__HEADER_LEN + (f->body_len - cur.left);
	if (r->abandon_rc == TR_OK && r->columns != NULL) {
		r->columns(c, r->arg, n, c->names);
	}
	return true;
}

static void handle_servers(struct cluster_client *c, struct cluster_req *r,
			   struct tr_cursor *cur)
{
	struct cluster_result ok = { .rc = TR_OK, .message = "ok" };
	struct cluster_server_info *servers;
	unsigned n;

	if (cluster__servers_count(cur, 1, &n) != TR_OK) {
		fail(c, TR_EPROTO, "malformed SERVERS response");
		return;
	}
	servers = tr_malloc((n == 0 ? 1 : n) * sizeof *servers);
	if (servers == NULL) {
		fail(c, TR_ENOMEM, "SERVERS response: out of memory");
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		if (cluster__servers_next(cur, 1, &servers[i]) != TR_OK) {
			tr_free(servers);
			fail(c, TR_EPROTO, "malformed SERVERS entry");
			return;
		}
	}
	finish(c, r, &ok, n, servers, 0, 0);
	tr_free(servers);
}

/* One complete message for the head request @r. */
static bool handle_message(struct cluster_client *c, struct cluster_req *r,
			   const struct cluster__frame *f)
{
	struct cluster_result res = { .rc = TR_OK, .message = "ok" };
	struct tr_cursor cur;
	int rv = TR_OK;

	if (f->type == CLUSTER__RESP_FAILURE) {
		uint64_t code;
		const char *message;
		if (cluster__failure_decode(f->body, f->body_len, &code,
					    &message) != TR_OK) {
			fail(c, TR_EPROTO, "malformed FAILURE response");
			return false;
		}
		c->in_pos += f->total;
		res.rc = r->abandon_rc != TR_OK ? r->abandon_rc
						: cluster__failure_rc(code);
		res.code = code;
		res.message = message;
		finish(c, r, &res, 0, NULL, 0, 0);
		return true;
	}
	if (f->type != r->expect) {
		fail(c, TR_EPROTO, "%s response to a %s request",
		     cluster__response_name(f->type),
		     cluster__request_name(r->type));
		return false;
	}
	if (f->type == CLUSTER__RESP_ROWS) {
		return batch_begin(c, r, f);
	}
	tr_cursor_init(&cur, f->body, f->body_len);
	c->in_pos += f->total; /* the body stays valid until compaction */
	switch (f->type) {
	case CLUSTER__RESP_SERVER: {
		struct cluster__resp_server m;
		rv = cluster__resp_server_decode(&cur, &m);
		if (rv == TR_OK) {
			/* An empty address: no leader known right now. */
			struct cluster_server_info s = {
				.id = m.id,
				.address = m.address,
				.role = CLUSTER_VOTER
			};
			finish(c, r, &res, m.address[0] != '\0' ? 1 : 0, &s, 0,
			       0);
		}
		break;
	}
	case CLUSTER__RESP_SERVERS:
		handle_servers(c, r, &cur);
		break;
	case CLUSTER__RESP_STMT: {
		struct cluster__resp_stmt m;
		rv = cluster__resp_stmt_decode(&cur, &m);
		if (rv == TR_OK) {
			finish(c, r, &res, 0, NULL, m.id, m.n_params);
		}
		break;
	}
	case CLUSTER__RESP_RESULT: {
		struct cluster__resp_result m;
		rv = cluster__resp_result_decode(&cur, &m);
		res.last_insert_id = m.last_insert_id;
		res.rows_affected = m.rows_affected;
		break;
	}
	case CLUSTER__RESP_METADATA: {
		struct cluster__resp_metadata m;
		rv = cluster__resp_metadata_decode(&cur, &m);
		res.last_insert_id = m.failure_domain;
		res.rows_affected = m.weight;
		break;
	}
	case CLUSTER__RESP_DB: {
		struct cluster__resp_db m;
		rv = cluster__resp_db_decode(&cur, &m);
		if (rv == TR_OK) {
			c->db = m.id;
		}
		break;
	}
	case CLUSTER__RESP_EMPTY: {
		struct cluster__resp_empty m;
		rv = cluster__resp_empty_decode(&cur, &m);
		break;
	}
	case CLUSTER__RESP_WELCOME: {
		struct cluster__resp_welcome m;
		rv = cluster__resp_welcome_decode(&cur, &m);
		break;
	}
	default: /* FILES: we never send DUMP */
		rv = TR_EPROTO;
		break;
	}
	if (rv != TR_OK) {
		fail(c, TR_EPROTO, "malformed %s response",
		     cluster__response_name(f->type));
		return false;
	}
	if (f->type != CLUSTER__RESP_SERVER &&
	    f->type != CLUSTER__RESP_SERVERS && f->type != CLUSTER__RESP_STMT) {
		finish(c, r, &res, 0, NULL, 0, 0);
	}
	return true;
}

/* Take the next step on the input; false when there is nothing to do. */
static bool step(struct cluster_client *c)
{
	struct cluster__frame f;
	struct cluster_req *r;

	if (c->in_batch) {
		return batch_rows(c);
	}
	if (c->in.len - c->in_pos < CLUSTER__HEADER_LEN) {
		return false; /* not even a header yet */
	}
	int rv = cluster__frame_next(c->in.data + c->in_pos,
				     c->in.len - c->in_pos,
				     c->cfg.max_response_len, &f);
	if (rv != TR_OK) {
		fail(c, TR_EPROTO, "response body over the %zu-byte limit",
		     c->cfg.max_response_len);
		return false;
	}
	if (!f.complete) {
		return false;
	}
	r = head(c);
	if (r == NULL) {
		fail(c, TR_EPROTO, "unexpected %s response with no request",
		     cluster__response_name(f.type));
		return false;
	}
	return handle_message(c, r, &f);
}

/*
 * Handle what the input holds.  Callbacks called from here may pause,
 * resume, close or submit; each step re-checks the state.
 */
static void process(struct cluster_client *c)
{
	if (c->processing) {
		return;
	}
	c->processing = true;
	while (c->state == ST_READY && !c->paused && step(c)) {
	}
	if (c->in_pos > 0 && c->state != ST_CLOSING) {
		tr_buf_consume(&c->in, c->in_pos);
		c->in_pos = 0;
	}
	c->processing = false;
}

/* ---------------------------------------------------------------------
 * Requests
 * ------------------------------------------------------------------- */

/* What a request function fills in before the body is encoded. */
struct spec {
	uint8_t type;
	cluster_done_cb done;
	cluster_servers_cb servers;
	cluster_stmt_cb stmt;
	cluster_columns_cb columns;
	cluster_row_cb row;
	void *arg;
	bool internal;
};

static int req_begin(struct cluster_client *c, const struct spec *s,
		     struct tr_buf **b, size_t *mark)
{
	if (c->state == ST_BROKEN || c->state == ST_CLOSING) {
		return TR_ECLOSED;
	}
	if (c->state != ST_READY) {
		return TR_EINVAL; /* not connected yet */
	}
	if (!s->internal && s->done == NULL && s->servers == NULL &&
	    s->stmt == NULL) {
		return TR_EINVAL;
	}
	*b = &c->out[c->fill];
	*mark = cluster__msg_begin(*b, s->type);
	return TR_OK;
}

static int req_end(struct cluster_client *c, const struct spec *s,
		   struct tr_buf *b, size_t mark)
{
	cluster__msg_end(b, mark);
	int rv = tr_buf_err(b);
	struct cluster_req *r = NULL;
	if (rv == TR_OK) {
		r = tr_calloc(1, sizeof *r);
		rv = r == NULL ? TR_ENOMEM : TR_OK;
	}
	if (rv != TR_OK) {
		/* Take the half-built message back out. */
		b->len = mark;
		b->err = TR_OK;
		return rv;
	}
	r->type = s->type;
	r->expect = cluster__request_expects(s->type);
	bool query = s->type == CLUSTER__REQ_QUERY ||
		     s->type == CLUSTER__REQ_QUERY_SQL;
	r->timeout_ms = query ? c->cfg.query_timeout_ms
			      : c->cfg.request_timeout_ms;
	r->done = s->done;
	r->servers = s->servers;
	r->stmt = s->stmt;
	r->columns = s->columns;
	r->row = s->row;
	r->arg = s->arg;
	r->internal = s->internal;
	bool first = tr_queue_empty(&c->reqs);
	tr_queue_push(&c->reqs, &r->link);
	if (first) {
		arm_timer(c);
	}
	flush(c);
	return TR_OK;
}

/* Abandon a result set: interrupt it and drain what is still coming. */
static void abandon(struct cluster_client *c, struct cluster_req *r, int rc)
{
	struct spec s = { .type = CLUSTER__REQ_INTERRUPT, .internal = true };
	struct cluster__req_interrupt m = { .db = c->db };
	struct tr_buf *b;
	size_t mark;

	r->abandon_rc = rc;
	if (req_begin(c, &s, &b, &mark) != TR_OK) {
		return;
	}
	cluster__req_interrupt_encode(&m, b);
	if (req_end(c, &s, b, mark) != TR_OK) {
		/* Without the INTERRUPT we still drain to DONE: only the
		 * courtesy to the server is lost. */
		tr_debug("cluster", "client=%u could not queue INTERRUPT",
			 c->id);
	}
}

int cluster_client_leader(struct cluster_client *c, cluster_servers_cb cb,
			  void *arg)
{
	struct spec s = { .type = CLUSTER__REQ_LEADER,
			  .servers = cb,
			  .arg = arg };
	struct cluster__req_leader m = { .unused = 0 };
	struct tr_buf *b;
	size_t mark;
	int rv = req_begin(c, &s, &b, &mark);
	if (rv != TR_OK) {
		return rv;
	}
	cluster__req_leader_encode(&m, b);
	return req_end(c, &s, b, mark);
}

int cluster_client_open(struct cluster_client *c, const char *db_name,
			cluster_done_cb cb, void *arg)
{
	struct spec s = { .type = CLUSTER__REQ_OPEN, .done = cb, .arg = arg };
	struct cluster__req_open m = { .name = db_name, .flags = 0, .vfs = "" };
	struct tr_buf *b;
	size_t mark;
	if (db_name == NULL) {
		return TR_EINVAL;
	}
	int rv = req_begin(c, &s, &b, &mark);
	if (rv != TR_OK) {
		return rv;
	}
	cluster__req_open_encode(&m, b);
	return req_end(c, &s, b, mark);
}

/* EXEC_SQL / QUERY_SQL: u64 db, text sql, params. */
static int sql_request(struct cluster_client *c, const struct spec *s,
		       const char *sql, const struct cluster_value *params,
		       unsigned n_params)
{
	struct cluster__req_exec_sql m = { .db = c->db, .sql = sql };
	struct tr_buf *b;
	size_t mark;
	if (sql == NULL || (n_params > 0 && params == NULL) ||
	    cluster__params_check(params, n_params) != TR_OK) {
		return TR_EINVAL;
	}
	int rv = req_begin(c, s, &b, &mark);
	if (rv != TR_OK) {
		return rv;
	}
	cluster__req_exec_sql_encode(&m, b);
	cluster__params_encode(b, params, n_params);
	return req_end(c, s, b, mark);
}

/* EXEC / QUERY: u32 db, u32 stmt, params. */
static int stmt_request(struct cluster_client *c, const struct spec *s,
			uint32_t stmt_id, const struct cluster_value *params,
			unsigned n_params)
{
	struct cluster__req_exec m = { .db = c->db, .stmt_id = stmt_id };
	struct tr_buf *b;
	size_t mark;
	if ((n_params > 0 && params == NULL) ||
	    cluster__params_check(params, n_params) != TR_OK) {
		return TR_EINVAL;
	}
	int rv = req_begin(c, s, &b, &mark);
	if (rv != TR_OK) {
		return rv;
	}
	cluster__req_exec_encode(&m, b);
	cluster__params_encode(b, params, n_params);
	return req_end(c, s, b, mark);
}

int cluster_client_exec_sql(struct cluster_client *c, const char *sql,
			    const struct cluster_value *params,
			    unsigned n_params, cluster_done_cb cb, void *arg)
{
	struct spec s = { .type = CLUSTER__REQ_EXEC_SQL,
			  .done = cb,
			  .arg = arg };
	return sql_request(c, &s, sql, params, n_params);
}

int cluster_client_query_sql(struct cluster_client *c, const char *sql,
			     const struct cluster_value *params,
			     unsigned n_params, cluster_columns_cb columns,
			     cluster_row_cb row, cluster_done_cb done,
			     void *arg)
{
	struct spec s = { .type = CLUSTER__REQ_QUERY_SQL,
			  .done = done,
			  .columns = columns,
			  .row = row,
			  .arg = arg };
	if (done == NULL) {
		return TR_EINVAL;
	}
	return sql_request(c, &s, sql, params, n_params);
}

int cluster_client_prepare(struct cluster_client *c, const char *sql,
			   cluster_stmt_cb cb, void *arg)
{
	struct spec s = { .type = CLUSTER__REQ_PREPARE,
			  .stmt = cb,
			  .arg = arg };
	struct cluster__req_prepare m = { .db = c->db, .sql = sql };
	struct tr_buf *b;
	size_t mark;
	if (sql == NULL) {
		return TR_EINVAL;
	}
	int rv = req_begin(c, &s, &b, &mark);
	if (rv != TR_OK) {
		return rv;
	}
	cluster__req_prepare_encode(&m, b);
	return req_end(c, &s, b, mark);
}

int cluster_client_exec(struct cluster_client *c, uint32_t stmt_id,
			const struct cluster_value *params, unsigned n_params,
			cluster_done_cb cb, void *arg)
{
	struct spec s = { .type = CLUSTER__REQ_EXEC, .done = cb, .arg = arg };
	return stmt_request(c, &s, stmt_id, params, n_params);
}

int cluster_client_query(struct cluster_client *c, uint32_t stmt_id,
			 const struct cluster_value *params, unsigned n_params,
			 cluster_columns_cb columns, cluster_row_cb row,
			 cluster_done_cb done, void *arg)
{
	struct spec s = { .type = CLUSTER__REQ_QUERY,
			  .done = done,
			  .columns = columns,
			  .row = row,
			  .arg = arg };
	if (done == NULL) {
		return TR_EINVAL;
	}
	return stmt_request(c, &s, stmt_id, params, n_params);
}

int cluster_client_finalize(struct cluster_client *c, uint32_t stmt_id,
			    cluster_done_cb cb, void *arg)
{
	struct spec s = { .type = CLUSTER__REQ_FINALIZE,
			  .done = cb,
			  .arg = arg };
	struct cluster__req_finalize m = { .db = c->db, .stmt_id = stmt_id };
	struct tr_buf *b;
	size_t mark;
	int rv = req_begin(c, &s, &b, &mark);
	if (rv != TR_OK) {
		return rv;
	}
	cluster__req_finalize_encode(&m, b);
	return req_end(c, &s, b, mark);
}

/* Requests whose body is one u64. */
static int u64_request(struct cluster_client *c, const struct spec *s,
		       uint64_t v)
{
	struct tr_buf *b;
	size_t mark;
	int rv = req_begin(c, s, &b, &mark);
	if (rv != TR_OK) {
		return rv;
	}
	tr_buf_put_le64(b, v);
	return req_end(c, s, b, mark);
}

int cluster_client_interrupt(struct cluster_client *c, cluster_done_cb cb,
			     void *arg)
{
	struct spec s = { .type = CLUSTER__REQ_INTERRUPT,
			  .done = cb,
			  .arg = arg };
	return u64_request(c, &s, c->db);
}

int cluster_client_cluster(struct cluster_client *c, cluster_servers_cb cb,
			   void *arg)
{
	struct spec s = { .type = CLUSTER__REQ_CLUSTER,
			  .servers = cb,
			  .arg = arg };
	return u64_request(c, &s, 1); /* format 1: with roles */
}

int cluster_client_add(struct cluster_client *c, uint64_t id,
		       const char *address, cluster_done_cb cb, void *arg)
{
	struct spec s = { .type = CLUSTER__REQ_ADD, .done = cb, .arg = arg };
	struct cluster__req_add m = { .id = id, .address = address };
	struct tr_buf *b;
	size_t mark;
	if (address == NULL) {
		return TR_EINVAL;
	}
	int rv = req_begin(c, &s, &b, &mark);
	if (rv != TR_OK) {
		return rv;
	}
	cluster__req_add_encode(&m, b);
	return req_end(c, &s, b, mark);
}

int cluster_client_assign(struct cluster_client *c, uint64_t id,
			  enum cluster_role role, cluster_done_cb cb, void *arg)
{
	struct spec s = { .type = CLUSTER__REQ_ASSIGN, .done = cb, .arg = arg };
	struct cluster__req_assign m = { .id = id, .role = (uint64_t)role };
	struct tr_buf *b;
	size_t mark;
	/* 1.11 maps an unknown role to standby: refuse it here. */
	if (role != CLUSTER_VOTER && role != CLUSTER_STANDBY &&
	    role != CLUSTER_SPARE) {
		return TR_EINVAL;
	}
	int rv = req_begin(c, &s, &b, &mark);
	if (rv != TR_OK) {
		return rv;
	}
	cluster__req_assign_encode(&m, b);
	return req_end(c, &s, b, mark);
}

int cluster_client_remove(struct cluster_client *c, uint64_t id,
			  cluster_done_cb cb, void *arg)
{
	struct spec s = { .type = CLUSTER__REQ_REMOVE, .done = cb, .arg = arg };
	return u64_request(c, &s, id);
}

int cluster_client_transfer(struct cluster_client *c, uint64_t id,
			    cluster_done_cb cb, void *arg)
{
	struct spec s = { .type = CLUSTER__REQ_TRANSFER,
			  .done = cb,
			  .arg = arg };
	return u64_request(c, &s, id);
}

int cluster_client_describe(struct cluster_client *c, cluster_done_cb cb,
			    void *arg)
{
	struct spec s = { .type = CLUSTER__REQ_DESCRIBE,
			  .done = cb,
			  .arg = arg };
	return u64_request(c, &s, 0); /* any other format aborts 1.11 */
}

/* ---------------------------------------------------------------------
 * Back-pressure
 * ------------------------------------------------------------------- */

void cluster_client_pause(struct cluster_client *c)
{
	if (c->paused || c->state == ST_CLOSING) {
		return;
	}
	c->paused = true;
	read_stop(c);
	uv_timer_stop(&c->timer);
}

void cluster_client_resume(struct cluster_client *c)
{
	if (!c->paused || c->state == ST_CLOSING) {
		return;
	}
	c->paused = false;
	if (c->state != ST_READY) {
		return;
	}
	/* The head request gets a fresh timeout: a pause is the caller's
	 * time, not the server's. */
	arm_timer(c);
	read_start(c);
	/* Rows may be waiting in the buffer: deliver them from the loop,
	 * not from inside this call. */
	kick(c);
}

/* ---------------------------------------------------------------------
 * Lifecycle
 * ------------------------------------------------------------------- */

int cluster_client_new(uv_loop_t *loop, const struct cluster_client_config *cfg,
		       struct cluster_client **out)
{
	struct cluster_client *c = tr_calloc(1, sizeof *c);
	if (c == NULL) {
		return TR_ENOMEM;
	}
	if (cfg != NULL) {
		c->cfg = *cfg;
	}
	if (c->cfg.request_timeout_ms == 0) {
		c->cfg.request_timeout_ms = DEFAULT_REQUEST_TIMEOUT_MS;
	}
	if (c->cfg.query_timeout_ms == 0) {
		c->cfg.query_timeout_ms = DEFAULT_QUERY_TIMEOUT_MS;
	}
	if (c->cfg.connect_timeout_ms == 0) {
		c->cfg.connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
	}
	if (c->cfg.max_response_len == 0) {
		c->cfg.max_response_len = DEFAULT_MAX_RESPONSE_LEN;
	}
	c->loop = loop;
	c->id = ++next_client_id;
	c->state = ST_INIT;
	tr_queue_init(&c->reqs);
	/* uv_buf_t lengths are unsigned int: refuse bigger requests. */
	tr_buf_init(&c->out[0], UINT32_MAX);
	tr_buf_init(&c->out[1], UINT32_MAX);
	tr_buf_init(&c->in, 0);
	uv_timer_init(loop, &c->timer);
	uv_idle_init(loop, &c->kick);
	c->timer.data = c;
	c->kick.data = c;
	c->write_req.data = c;
	c->connect_req.data = c;
	tr_errmsg_printf(c->errmsg, "not connected");
	*out = c;
	return TR_OK;
}

/* The socket is connected: send the version word and start reading. */
static void handshake(struct cluster_client *c)
{
	move(c, ST_HANDSHAKE);
	tr_buf_put_le64(&c->out[c->fill], CLUSTER__PROTO_VERSION);
	if (tr_buf_err(&c->out[c->fill]) != TR_OK) {
		fail(c, TR_ENOMEM, "handshake: out of memory");
		return;
	}
	read_start(c);
	flush(c);
}

static void connect_cb(uv_connect_t *req, int status)
{
	struct cluster_client *c = req->data;
	if (c->state != ST_CONNECTING) {
		return; /* closing, or already timed out */
	}
	if (status != 0) {
		fail(c, TR_EIO, "connect to %s: %s", c->address,
		     uv_strerror(status));
		return;
	}
	/* Set before connect too; repeated here in case libuv dropped it. */
	(void)uv_tcp_nodelay(&c->sock.tcp, 1);
	handshake(c);
}

static int connect_abstract(struct cluster_client *c, const char *name)
{
	int fd;
	int rv = cluster__connect_abstract(name, &fd, c->errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	uv_pipe_init(c->loop, &c->sock.pipe, 0);
	c->sock.handle.data = c;
	c->sock_init = true;
	rv = uv_pipe_open(&c->sock.pipe, fd);
	if (rv != 0) {
		tr_errmsg_printf(c->errmsg, "uv_pipe_open: %s",
				 uv_strerror(rv));
		close(fd);
		return TR_EIO;
	}
	return TR_OK;
}

/* Thread pool: the blocking TLS dial.  Touches only dial_* fields and
 * what the main thread no longer changes (address, cfg). */
static void dial_work_cb(uv_work_t *work)
{
	struct cluster_client *c = work->data;
	c->dial_fd = -1;
	c->dial_rc = cluster_dial_tls(c->address, c->cfg.tls, NULL,
				      c->cfg.connect_timeout_ms, &c->dial_fd,
				      c->dial_errmsg);
}

static void closed_one(struct cluster_client *c);

static void dial_after_cb(uv_work_t *work, int status)
{
	struct cluster_client *c = work->data;
	c->dialing = false;
	bool ok = status == 0 && c->dial_rc == TR_OK;
	if (c->state != ST_CONNECTING) {
		/* Timed out or closing: nobody wants the connection. */
		if (ok) {
			close(c->dial_fd);
		}
		if (c->state == ST_CLOSING) {
			closed_one(c);
		}
		return;
	}
	if (!ok) {
		int rc = status != 0 ? TR_ECANCELED : c->dial_rc;
		fail(c, rc, "connect to %s: %s", c->address,
		     status != 0 ? uv_strerror(status) : c->dial_errmsg);
		return;
	}
	uv_pipe_init(c->loop, &c->sock.pipe, 0);
	c->sock.handle.data = c;
	c->sock_init = true;
	int rv = uv_pipe_open(&c->sock.pipe, c->dial_fd);
	if (rv != 0) {
		close(c->dial_fd);
		fail(c, TR_EIO, "uv_pipe_open: %s", uv_strerror(rv));
		return;
	}
	handshake(c);
}

static int connect_tls(struct cluster_client *c, const char *address)
{
	struct sockaddr_in sin;
	int rv = cluster__parse_ipv4(address, 0, &sin, c->errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	c->dial_work.data = c;
	rv = uv_queue_work(c->loop, &c->dial_work, dial_work_cb, dial_after_cb);
	if (rv != 0) {
		tr_errmsg_printf(c->errmsg, "uv_queue_work: %s",
				 uv_strerror(rv));
		return TR_EIO;
	}
	c->dialing = true;
	return TR_OK;
}

static int connect_tcp(struct cluster_client *c, const char *address)
{
	struct sockaddr_in sin;
	/* Without a port, what the server assumes: 8080. */
	int rv = cluster__parse_ipv4(address, 8080, &sin, c->errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	uv_tcp_init(c->loop, &c->sock.tcp);
	c->sock.handle.data = c;
	c->sock_init = true;
	uv_tcp_nodelay(&c->sock.tcp, 1);
	rv = uv_tcp_connect(&c->connect_req, &c->sock.tcp,
			    (const struct sockaddr *)&sin, connect_cb);
	if (rv != 0) {
		tr_errmsg_printf(c->errmsg, "connect to %s: %s", address,
				 uv_strerror(rv));
		return TR_EIO;
	}
	return TR_OK;
}

int cluster_client_connect(struct cluster_client *c, const char *address,
			   cluster_done_cb cb, void *arg)
{
	int rv;
	if (c->state != ST_INIT || c->sock_init || address == NULL ||
	    cb == NULL) {
		return TR_EINVAL;
	}
	snprintf(c->address, sizeof c->address, "%s", address);
	if (address[0] == '@') {
		rv = connect_abstract(c, address + 1);
	} else if (c->cfg.tls != NULL) {
		rv = connect_tls(c, address);
	} else {
		rv = connect_tcp(c, address);
	}
	if (rv != TR_OK) {
		return rv;
	}
	c->connect_cb = cb;
	c->connect_arg = arg;
	uv_timer_start(&c->timer, timer_cb, c->cfg.connect_timeout_ms, 0);
	if (address[0] == '@') {
		handshake(c);
	} else {
		move(c, ST_CONNECTING);
	}
	return TR_OK;
}

static void closed_one(struct cluster_client *c)
{
	TR_PRE(c->n_closing > 0);
	if (--c->n_closing > 0) {
		return;
	}
	/* libuv is done with every handle and request: cancel what is left,
	 * tell the owner, then free. */
	drain(c, TR_ECANCELED, "client closed");
	if (c->close_cb != NULL) {
		c->close_cb(c, c->close_arg);
	}
	tr_buf_close(&c->in);
	tr_buf_close(&c->out[0]);
	tr_buf_close(&c->out[1]);
	tr_free(c->vals);
	tr_free(c->names);
	tr_free(c);
}

static void handle_close_cb(uv_handle_t *h)
{
	closed_one(h->data);
}

void cluster_client_close(struct cluster_client *c, cluster_close_cb cb,
			  void *arg)
{
	if (c->state == ST_CLOSING) {
		return;
	}
	move(c, ST_CLOSING);
	c->close_cb = cb;
	c->close_arg = arg;
	c->n_closing = 2;
	uv_close((uv_handle_t *)&c->timer, handle_close_cb);
	uv_close((uv_handle_t *)&c->kick, handle_close_cb);
	if (c->sock_init) {
		c->n_closing++;
		uv_close(&c->sock.handle, handle_close_cb);
	}
	if (c->dialing) {
		/* dial_after_cb counts it down; the dial is bounded by the
		 * connect timeout, so this does not hold the close long. */
		c->n_closing++;
		(void)uv_cancel((uv_req_t *)&c->dial_work);
	}
}

const char *cluster_client_errmsg(const struct cluster_client *c)
{
	return c->errmsg;
}

bool cluster_client_is_broken(const struct cluster_client *c)
{
	return c->state == ST_BROKEN || c->state == ST_CLOSING;
}

bool cluster_client_is_idle(const struct cluster_client *c)
{
	return tr_queue_empty(&c->reqs);
}
