/*
 * cluster/proxy.c: the cluster port.  A mutual-TLS listener on the node's
 * public cluster address, on the main loop, that carries dqlite traffic
 * (clients and Raft) to the local node's abstract socket, and triode's
 * admin channel to a callback (dqlite-protocol.md §7, security.md N2, N3,
 * N7, N8).
 *
 * One connection:
 *
 *   HANDSHAKE --TLS done, authorize() != DENY--> CHANNEL
 *   CHANNEL --dqlite word, MEMBER, node socket connected--> PUMP
 *   CHANNEL --admin word, admin callback set--> ADMIN
 *   PUMP --EOF on one side--> DRAINING --shutdown done or timer--> CLOSING
 *   any --error, DENY, unknown word, timeout, drop_peer, stop--> CLOSING
 *
 * TLS runs over OpenSSL memory BIOs: ciphertext read from TCP goes into
 * the read BIO; SSL_do_handshake / SSL_read turn it into plaintext; what
 * OpenSSL writes lands in the write BIO and is drained into uv_write.
 * Suspension points: every read of either socket, every write completion,
 * the shutdown of the far side while draining, the timer (handshake
 * deadline, admin idle time, drain guard), and the admin callback's reply.
 *
 * Back-pressure: bytes handed to uv_write and not yet written are counted
 * per socket; past PROXY_HIGH_WATER the proxy stops reading the socket
 * that feeds it, and starts again once the writes drain below.  The admin
 * channel reads no further request until the current one is answered.
 *
 * Failure modes: a TLS error, a denied peer, an unknown channel word, a
 * non-member asking for the dqlite channel, an oversized admin message or
 * a socket error close the connection at once (nothing else is affected).
 * A clean EOF on one side shuts the other side down after its pending
 * writes, then closes both.  Memory is freed in the close callback of the
 * last handle.
 */
#define _GNU_SOURCE /* uv.h and sockets */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <uv.h>

#include "cluster/cluster_int.h"

#define PROXY_HIGH_WATER              (1024u * 1024u)
#define PROXY_READ_BUF                65536
#define PROXY_TLS_CHUNK               16384
#define PROXY_DRAIN_MS                5000
#define DEFAULT_HANDSHAKE_TIMEOUT_MS  10000
#define DEFAULT_ADMIN_IDLE_TIMEOUT_MS 60000
#define PROXY_BACKLOG                 128
/* dqlite's legacy (pre-1.0) protocol word, still accepted by 1.11. */
#define PROXY_DQLITE_LEGACY_VERSION   UINT64_C(0x86104dd760433fe5)

enum pconn_state {
	PC_HANDSHAKE, /* TLS handshake in progress */
	PC_CHANNEL,   /* authorised; waiting for the 8-byte channel word */
	PC_PUMP,      /* dqlite channel: copying bytes both ways */
	PC_ADMIN,     /* admin channel */
	PC_DRAINING,  /* one side ended; shutting the other down */
	PC_CLOSING,   /* handles closing; freed when they all are */
};

static const char *const pconn_state_names[] = {
	"HANDSHAKE", "CHANNEL", "PUMP", "ADMIN", "DRAINING", "CLOSING",
};

struct cluster_proxy {
	uv_loop_t *loop; /* borrowed */
	uv_tcp_t listener;
	struct cluster_proxy_config cfg; /* strings point at ours below */
	char *address;                   /* owned */
	char *node_socket;               /* owned, without the '@' */
	struct tr_queue conns;           /* every pconn not yet freed */
	unsigned n_conns;
	unsigned next_id;
	bool stopping;
	bool listener_closed;
	cluster_proxy_stop_cb stop_cb;
	void *stop_arg;
};

struct pconn {
	struct tr_queue link; /* in cluster_proxy.conns */
	struct cluster_proxy *p;
	unsigned id;
	enum pconn_state state;
	uv_tcp_t tcp;
	uv_pipe_t pipe; /* to the node; valid when pipe_init */
	bool pipe_init;
	uv_timer_t timer;
	uv_shutdown_t shutdown_req;
	unsigned n_closing;
	SSL *ssl;  /* owned; owns rbio and wbio */
	BIO *rbio; /* ciphertext from the peer */
	BIO *wbio; /* ciphertext for the peer */
	enum cluster_peer_kind kind;
	char name[CLUSTER_PEER_NAME_MAX];
	char peer[64];       /* "ip:port" for logs */
	struct tr_buf in;    /* plaintext not yet used (word, admin frames) */
	size_t tcp_pending;  /* bytes given to uv_write on tcp, not done */
	size_t pipe_pending; /* same, on the pipe */
	bool tcp_reading;
	bool pipe_reading;
	struct cluster_admin_request *admin_req; /* unanswered, or NULL */
	bool admin_dispatching;                  /* in admin_process() */
	uint8_t rbuf[PROXY_READ_BUF];            /* read buffer, both sockets */
};

struct cluster_admin_request {
	struct pconn *c; /* NULL once the connection has closed */
};

/* One uv_write and the bytes it writes (owned). */
struct wreq {
	uv_write_t req;
	struct pconn *c;
	bool to_tcp;
	size_t len;
	uint8_t data[];
};

static void conn_close(struct pconn *c, const char *why);
static void tcp_read_update(struct pconn *c);
static void pipe_read_update(struct pconn *c);
static void admin_process(struct pconn *c);

static void move(struct pconn *c, enum pconn_state next)
{
	tr_trace("proxy", "conn=%u %s -> %s", c->id,
		 pconn_state_names[c->state], pconn_state_names[next]);
	c->state = next;
}

static bool is_open(const struct pconn *c)
{
	return c->state != PC_CLOSING && c->state != PC_DRAINING;
}

/* ---------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------- */

static void write_cb(uv_write_t *req, int status)
{
	struct wreq *w = req->data;
	struct pconn *c = w->c;
	if (w->to_tcp) {
		c->tcp_pending -= w->len;
	} else {
		c->pipe_pending -= w->len;
	}
	tr_free(w);
	if (c->state == PC_CLOSING) {
		return;
	}
	if (status != 0) {
		conn_close(c, uv_strerror(status));
		return;
	}
	/* Writes drained: the other side may be read again. */
	tcp_read_update(c);
	pipe_read_update(c);
}

/* Queue @n bytes (copied) on the TCP socket or the pipe. */
static int write_copy(struct pconn *c, bool to_tcp, const void *p, size_t n)
{
	struct wreq *w = tr_malloc(sizeof *w + n);
	if (w == NULL) {
		return TR_ENOMEM;
	}
	w->req.data = w;
	w->c = c;
	w->to_tcp = to_tcp;
	w->len = n;
	memcpy(w->data, p, n);
	uv_buf_t buf = uv_buf_init((char *)w->data, (unsigned)w->len);
	uv_stream_t *s = to_tcp ? (uv_stream_t *)&c->tcp
				: (uv_stream_t *)&c->pipe;
	int rv = uv_write(&w->req, s, &buf, 1, write_cb);
	if (rv != 0) {
		tr_free(w);
		return TR_EIO;
	}
	if (to_tcp) {
		c->tcp_pending += w->len;
	} else {
		c->pipe_pending += w->len;
	}
	return TR_OK;
}

/* Send whatever OpenSSL has written into the write BIO. */
static int flush_tls(struct pconn *c)
{
	size_t n;
	while ((n = BIO_ctrl_pending(c->wbio)) > 0) {
		if (n > UINT32_MAX) {
			n = UINT32_MAX;
		}
		struct wreq *w = tr_malloc(sizeof *w + n);
		if (w == NULL) {
			return TR_ENOMEM;
		}
		int got = BIO_read(c->wbio, w->data,
				   (int)(n > INT32_MAX ? INT32_MAX : n));
		if (got <= 0) {
			tr_free(w);
			return TR_ETLS;
		}
		w->req.data = w;
		w->c = c;
		w->to_tcp = true;
		w->len = (size_t)got;
		uv_buf_t buf = uv_buf_init((char *)w->data, (unsigned)w->len);
		int rv = uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1,
				  write_cb);
		if (rv != 0) {
			tr_free(w);
			return TR_EIO;
		}
		c->tcp_pending += w->len;
	}
	return TR_OK;
}

/* Encrypt @n plaintext bytes for the peer and send them. */
static int send_tls(struct pconn *c, const void *p, size_t n)
{
	size_t done = 0;
	ERR_clear_error();
	/* The write BIO grows as needed, so SSL_write never wants I/O. */
	while (done < n) {
		size_t w = 0;
		if (SSL_write_ex(c->ssl, (const uint8_t *)p + done, n - done,
				 &w) != 1) {
			char errmsg[TR_ERRMSG_SIZE];
			cluster__ssl_error(errmsg, "TLS write");
			tr_debug("proxy", "conn=%u %s", c->id, errmsg);
			return TR_ETLS;
		}
		done += w;
	}
	return flush_tls(c);
}

/* ---------------------------------------------------------------------
 * Closing
 * ------------------------------------------------------------------- */

static void proxy_maybe_stopped(struct cluster_proxy *p)
{
	if (!p->stopping || !p->listener_closed || !tr_queue_empty(&p->conns)) {
		return;
	}
	cluster_proxy_stop_cb cb = p->stop_cb;
	void *arg = p->stop_arg;
	tr_free(p->address);
	tr_free(p->node_socket);
	tr_free(p);
	if (cb != NULL) {
		cb(arg);
	}
}

static void conn_close_cb(uv_handle_t *h)
{
	struct pconn *c = h->data;
	TR_PRE(c->n_closing > 0);
	if (--c->n_closing > 0) {
		return;
	}
	struct cluster_proxy *p = c->p;
	tr_queue_remove(&c->link);
	p->n_conns--;
	SSL_free(c->ssl);
	tr_buf_close(&c->in);
	tr_free(c);
	proxy_maybe_stopped(p);
}

/* Close the connection now (pending writes are canceled). */
static void conn_close(struct pconn *c, const char *why)
{
	if (c->state == PC_CLOSING) {
		return;
	}
	tr_debug("proxy", "conn=%u %s (%s): closing: %s", c->id, c->peer,
		 c->name, why);
	move(c, PC_CLOSING);
	if (c->admin_req != NULL) {
		c->admin_req->c = NULL; /* the caller still owns it */
		c->admin_req = NULL;
	}
	c->n_closing = 2;
	uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
	uv_close((uv_handle_t *)&c->timer, conn_close_cb);
	if (c->pipe_init) {
		c->n_closing++;
		uv_close((uv_handle_t *)&c->pipe, conn_close_cb);
	}
}

static void timer_cb(uv_timer_t *t)
{
	struct pconn *c = t->data;
	switch (c->state) {
	case PC_HANDSHAKE:
	case PC_CHANNEL:
		conn_close(c, "no channel word in time");
		break;
	case PC_ADMIN:
		conn_close(c, "admin channel idle");
		break;
	case PC_DRAINING:
		conn_close(c, "drain timed out");
		break;
	default:
		break;
	}
}

static void shutdown_cb(uv_shutdown_t *req, int status)
{
	struct pconn *c = req->data;
	TR_UNUSED(status);
	conn_close(c, "ended");
}

/*
 * One side of a dqlite channel ended (@from_tcp: the peer).  Stop reading
 * both, shut down the other side once its pending writes are out, then
 * close (go-dqlite's proxy does the same).
 */
static void conn_drain(struct pconn *c, bool from_tcp)
{
	if (c->state != PC_PUMP) {
		conn_close(c, from_tcp ? "peer closed" : "node closed");
		return;
	}
	move(c, PC_DRAINING);
	tcp_read_update(c);
	pipe_read_update(c);
	uv_stream_t *other = from_tcp ? (uv_stream_t *)&c->pipe
				      : (uv_stream_t *)&c->tcp;
	if (!from_tcp) {
		ERR_clear_error();
		(void)SSL_shutdown(c->ssl); /* close_notify */
		if (flush_tls(c) != TR_OK) {
			conn_close(c, "flush failed");
			return;
		}
	}
	c->shutdown_req.data = c;
	if (uv_shutdown(&c->shutdown_req, other, shutdown_cb) != 0) {
		conn_close(c, "shutdown failed");
		return;
	}
	uv_timer_start(&c->timer, timer_cb, PROXY_DRAIN_MS, 0);
}

/* ---------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------- */

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct pconn *c = h->data;
	TR_UNUSED(suggested);
	*buf = uv_buf_init((char *)c->rbuf, sizeof c->rbuf);
}

static void tcp_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);
static void pipe_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

/* Read the peer unless closing, back-pressured, or an admin request is
 * being answered. */
static void tcp_read_update(struct pconn *c)
{
	if (c->state == PC_CLOSING) {
		return;
	}
	bool want = is_open(c);
	if (c->state == PC_PUMP && c->pipe_pending > PROXY_HIGH_WATER) {
		want = false;
	}
	if (c->state == PC_ADMIN && c->admin_req != NULL) {
		want = false;
	}
	if (want && !c->tcp_reading) {
		if (uv_read_start((uv_stream_t *)&c->tcp, alloc_cb,
				  tcp_read_cb) != 0) {
			conn_close(c, "read start failed");
			return;
		}
		c->tcp_reading = true;
	} else if (!want && c->tcp_reading) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->tcp_reading = false;
	}
}

static void pipe_read_update(struct pconn *c)
{
	if (!c->pipe_init || c->state == PC_CLOSING) {
		return;
	}
	bool want = c->state == PC_PUMP && c->tcp_pending <= PROXY_HIGH_WATER;
	if (want && !c->pipe_reading) {
		if (uv_read_start((uv_stream_t *)&c->pipe, alloc_cb,
				  pipe_read_cb) != 0) {
			conn_close(c, "read start failed");
			return;
		}
		c->pipe_reading = true;
	} else if (!want && c->pipe_reading) {
		uv_read_stop((uv_stream_t *)&c->pipe);
		c->pipe_reading = false;
	}
}

/* The channel word is in @c->in: pick the channel. */
static void choose_channel(struct pconn *c)
{
	const uint8_t *w = c->in.data;
	uint64_t version = 0;
	for (int i = 7; i >= 0; i--) {
		version = version << 8 | w[i];
	}
	if (memcmp(w, CLUSTER_ADMIN_MAGIC, 8) == 0) {
		if (c->p->cfg.admin == NULL) {
			conn_close(c, "no admin channel here");
			return;
		}
		tr_buf_consume(&c->in, 8);
		move(c, PC_ADMIN);
		uv_timer_stop(&c->timer);
		admin_process(c);
		return;
	}
	if (version != CLUSTER__PROTO_VERSION &&
	    version != PROXY_DQLITE_LEGACY_VERSION) {
		conn_close(c, "unknown channel word");
		return;
	}
	if (c->kind != CLUSTER_PEER_MEMBER) {
		conn_close(c, "dqlite channel refused to a non-member");
		return;
	}
	char errmsg[TR_ERRMSG_SIZE];
	int fd;
	if (cluster__connect_abstract(c->p->node_socket, &fd, errmsg) !=
	    TR_OK) {
		tr_warn("proxy", "conn=%u node socket: %s", c->id, errmsg);
		conn_close(c, "node unreachable");
		return;
	}
	uv_pipe_init(c->p->loop, &c->pipe, 0);
	c->pipe.data = c;
	c->pipe_init = true;
	if (uv_pipe_open(&c->pipe, fd) != 0) {
		close(fd);
		conn_close(c, "uv_pipe_open failed");
		return;
	}
	move(c, PC_PUMP);
	uv_timer_stop(&c->timer);
	/* The word goes to the node too, with whatever followed it. */
	if (write_copy(c, false, c->in.data, c->in.len) != TR_OK) {
		conn_close(c, "write to node failed");
		return;
	}
	tr_buf_reset(&c->in);
	tr_debug("proxy", "conn=%u %s (%s): dqlite channel", c->id, c->peer,
		 c->name);
	pipe_read_update(c);
}

/* Plaintext from the peer. */
static void on_plain(struct pconn *c, const uint8_t *p, size_t n)
{
	switch (c->state) {
	case PC_CHANNEL:
		tr_buf_put(&c->in, p, n);
		if (tr_buf_err(&c->in) != TR_OK) {
			conn_close(c, "out of memory");
			return;
		}
		if (c->in.len >= 8) {
			choose_channel(c);
		}
		return;
	case PC_PUMP:
		if (write_copy(c, false, p, n) != TR_OK) {
			conn_close(c, "write to node failed");
		}
		return;
	case PC_ADMIN:
		tr_buf_put(&c->in, p, n);
		if (tr_buf_err(&c->in) != TR_OK) {
			conn_close(c, "admin input over its limit");
			return;
		}
		admin_process(c);
		return;
	default:
		return; /* draining or closing: dropped */
	}
}

/* The handshake just completed: ask who this is. */
static void authorize(struct pconn *c)
{
	X509 *cert = SSL_get0_peer_certificate(c->ssl);
	if (cert != NULL && SSL_get_verify_result(c->ssl) != X509_V_OK) {
		conn_close(c, "peer certificate not verified");
		return;
	}
	memset(c->name, 0, sizeof c->name);
	c->kind = c->p->cfg.authorize(c->p->cfg.arg, c->ssl, c->name);
	c->name[sizeof c->name - 1] = '\0';
	if (c->state == PC_CLOSING) {
		return; /* stopped from inside the callback */
	}
	if (c->kind != CLUSTER_PEER_MEMBER && c->kind != CLUSTER_PEER_JOINER) {
		conn_close(c, "peer denied");
		return;
	}
	tr_debug("proxy", "conn=%u %s: %s %s", c->id, c->peer,
		 c->kind == CLUSTER_PEER_MEMBER ? "member" : "joiner", c->name);
	move(c, PC_CHANNEL);
}

static void tcp_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct pconn *c = s->data;
	char errmsg[TR_ERRMSG_SIZE];
	TR_UNUSED(buf);
	if (nread == 0) {
		return;
	}
	if (nread < 0) {
		conn_drain(c, true);
		return;
	}
	ERR_clear_error();
	if (BIO_write(c->rbio, c->rbuf, (int)nread) != (int)nread) {
		conn_close(c, "BIO_write failed");
		return;
	}
	if (c->state == PC_HANDSHAKE) {
		int r = SSL_do_handshake(c->ssl);
		if (flush_tls(c) != TR_OK) {
			conn_close(c, "write failed");
			return;
		}
		if (r != 1) {
			int e = SSL_get_error(c->ssl, r);
			if (e == SSL_ERROR_WANT_READ ||
			    e == SSL_ERROR_WANT_WRITE) {
				return;
			}
			cluster__ssl_error(errmsg, "TLS handshake");
			tr_info("proxy", "conn=%u %s: %s", c->id, c->peer,
				errmsg);
			conn_close(c, "handshake failed");
			return;
		}
		authorize(c);
	}
	while (c->state == PC_CHANNEL || c->state == PC_PUMP ||
	       c->state == PC_ADMIN) {
		uint8_t plain[PROXY_TLS_CHUNK];
		size_t got = 0;
		ERR_clear_error();
		int r = SSL_read_ex(c->ssl, plain, sizeof plain, &got);
		if (r == 1) {
			on_plain(c, plain, got);
			continue;
		}
		int e = SSL_get_error(c->ssl, r);
		if (flush_tls(c) != TR_OK) {
			conn_close(c, "write failed");
			return;
		}
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			break;
		}
		if (e == SSL_ERROR_ZERO_RETURN) {
			conn_drain(c, true);
			return;
		}
		cluster__ssl_error(errmsg, "TLS read");
		tr_debug("proxy", "conn=%u %s", c->id, errmsg);
		conn_close(c, "TLS error");
		return;
	}
	tcp_read_update(c);
}

static void pipe_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct pconn *c = s->data;
	TR_UNUSED(buf);
	if (nread == 0) {
		return;
	}
	if (nread < 0) {
		conn_drain(c, false);
		return;
	}
	if (c->state != PC_PUMP) {
		return;
	}
	if (send_tls(c, c->rbuf, (size_t)nread) != TR_OK) {
		conn_close(c, "write to peer failed");
		return;
	}
	pipe_read_update(c);
}

/* ---------------------------------------------------------------------
 * Admin channel
 * ------------------------------------------------------------------- */

/* Hand complete requests to the callback, one at a time. */
static void admin_process(struct pconn *c)
{
	if (c->admin_dispatching) {
		return; /* the loop below picks up what changed */
	}
	c->admin_dispatching = true;
	while (c->state == PC_ADMIN && c->admin_req == NULL && c->in.len >= 4) {
		const uint8_t *h = c->in.data;
		size_t len = (size_t)h[0] << 24 | (size_t)h[1] << 16 |
			     (size_t)h[2] << 8 | (size_t)h[3];
		if (len > CLUSTER_ADMIN_MAX_LEN) {
			conn_close(c, "admin request too big");
			break;
		}
		if (c->in.len < 4 + len) {
			break;
		}
		struct cluster_admin_request *req = tr_malloc(sizeof *req);
		if (req == NULL) {
			conn_close(c, "out of memory");
			break;
		}
		req->c = c;
		c->admin_req = req;
		uv_timer_stop(&c->timer);
		tcp_read_update(c);
		c->p->cfg.admin(c->p->cfg.arg, req, c->in.data + 4, len,
				c->kind, c->name);
		/* The bytes stay until the handles close, so consuming them
		 * after a close from inside the callback is safe. */
		tr_buf_consume(&c->in, 4 + len);
	}
	c->admin_dispatching = false;
	if (c->state == PC_ADMIN && c->admin_req == NULL) {
		uv_timer_start(&c->timer, timer_cb,
			       c->p->cfg.admin_idle_timeout_ms, 0);
		tcp_read_update(c);
	}
}

void cluster_admin_reply(struct cluster_admin_request *req,
			 const uint8_t *bytes, size_t len)
{
	struct pconn *c = req->c;
	tr_free(req);
	if (c == NULL) {
		return; /* the connection went away meanwhile */
	}
	TR_PRE(c->admin_req == req);
	c->admin_req = NULL;
	if (bytes == NULL && len == 0) {
		conn_close(c, "admin request refused");
		return;
	}
	if (TR_NEVER(len > CLUSTER_ADMIN_MAX_LEN || bytes == NULL)) {
		conn_close(c, "admin reply too big");
		return;
	}
	uint8_t hdr[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16),
			   (uint8_t)(len >> 8), (uint8_t)len };
	uint8_t *frame = tr_malloc(4 + len);
	if (frame == NULL) {
		conn_close(c, "out of memory");
		return;
	}
	memcpy(frame, hdr, 4);
	if (len > 0) {
		memcpy(frame + 4, bytes, len);
	}
	int rv = send_tls(c, frame, 4 + len);
	tr_free(frame);
	if (rv != TR_OK) {
		conn_close(c, "admin reply failed");
		return;
	}
	admin_process(c);
}

/* ---------------------------------------------------------------------
 * Listener
 * ------------------------------------------------------------------- */

static void on_connection(uv_stream_t *server, int status)
{
	struct cluster_proxy *p = server->data;
	char errmsg[TR_ERRMSG_SIZE];
	if (status != 0 || p->stopping) {
		return;
	}
	struct pconn *c = tr_calloc(1, sizeof *c);
	if (c == NULL) {
		return; /* the connection waits in the backlog */
	}
	c->p = p;
	c->id = ++p->next_id;
	c->state = PC_HANDSHAKE;
	tr_buf_init(&c->in, CLUSTER_ADMIN_MAX_LEN + 4 + 2 * PROXY_READ_BUF);
	uv_tcp_init(p->loop, &c->tcp);
	uv_timer_init(p->loop, &c->timer);
	c->tcp.data = c;
	c->timer.data = c;
	tr_queue_push(&p->conns, &c->link);
	p->n_conns++;
	snprintf(c->peer, sizeof c->peer, "?");
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
		conn_close(c, "accept failed");
		return;
	}
	struct sockaddr_storage ss;
	int ss_len = sizeof ss;
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &ss_len) == 0 &&
	    ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
		char ip[INET_ADDRSTRLEN];
		if (inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof ip) != NULL) {
			snprintf(c->peer, sizeof c->peer, "%s:%u", ip,
				 ntohs(sin->sin_port));
		}
	}
	uv_os_fd_t fd;
	if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0) {
		cluster__tcp_tune(fd);
	}
	ERR_clear_error();
	c->ssl = SSL_new(p->cfg.ctx);
	c->rbio = BIO_new(BIO_s_mem());
	c->wbio = BIO_new(BIO_s_mem());
	if (c->ssl == NULL || c->rbio == NULL || c->wbio == NULL) {
		BIO_free(c->rbio);
		BIO_free(c->wbio);
		cluster__ssl_error(errmsg, "SSL_new");
		conn_close(c, errmsg);
		return;
	}
	/* An empty read BIO means "want read", not EOF. */
	BIO_set_mem_eof_return(c->rbio, -1);
	SSL_set_bio(c->ssl, c->rbio, c->wbio); /* ssl owns both now */
	/* Ask for a certificate and verify any we get, but let a joiner
	 * without one through: authorize() decides (see cluster.h). */
	SSL_set_verify(c->ssl, SSL_VERIFY_PEER, NULL);
	SSL_set_accept_state(c->ssl);
	uv_timer_start(&c->timer, timer_cb, p->cfg.handshake_timeout_ms, 0);
	tcp_read_update(c);
}

static void listener_close_cb(uv_handle_t *h)
{
	struct cluster_proxy *p = h->data;
	p->listener_closed = true;
	proxy_maybe_stopped(p);
}

int cluster_proxy_start(uv_loop_t *loop, const struct cluster_proxy_config *cfg,
			struct cluster_proxy **out, char *errmsg)
{
	struct sockaddr_in sin;
	int rv;

	if (cfg->address == NULL || cfg->node_socket == NULL ||
	    cfg->node_socket[0] != '@' || cfg->ctx == NULL ||
	    cfg->authorize == NULL) {
		tr_errmsg_printf(errmsg, "proxy: incomplete configuration");
		return TR_EINVAL;
	}
	rv = cluster__parse_ipv4(cfg->address, 0, &sin, errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	struct cluster_proxy *p = tr_calloc(1, sizeof *p);
	if (p == NULL) {
		return TR_ENOMEM;
	}
	p->loop = loop;
	p->cfg = *cfg;
	p->address = tr_strdup(cfg->address);
	p->node_socket = tr_strdup(cfg->node_socket + 1);
	if (p->address == NULL || p->node_socket == NULL) {
		rv = TR_ENOMEM;
		goto err_after_alloc;
	}
	p->cfg.address = p->address;
	p->cfg.node_socket = NULL; /* ours has no '@' */
	if (p->cfg.handshake_timeout_ms == 0) {
		p->cfg.handshake_timeout_ms = DEFAULT_HANDSHAKE_TIMEOUT_MS;
	}
	if (p->cfg.admin_idle_timeout_ms == 0) {
		p->cfg.admin_idle_timeout_ms = DEFAULT_ADMIN_IDLE_TIMEOUT_MS;
	}
	tr_queue_init(&p->conns);
	/* Bind and listen with plain calls first, so that a failure leaves
	 * no libuv handle behind to close asynchronously. */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (const struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(fd, PROXY_BACKLOG) != 0) {
		tr_errmsg_printf(errmsg, "listen on %s: %s", cfg->address,
				 strerror(errno));
		if (fd >= 0) {
			close(fd);
		}
		rv = TR_EIO;
		goto err_after_alloc;
	}
	uv_tcp_init(loop, &p->listener);
	p->listener.data = p;
	rv = uv_tcp_open(&p->listener, fd);
	if (rv == 0) {
		rv = uv_listen((uv_stream_t *)&p->listener, PROXY_BACKLOG,
			       on_connection);
	}
	if (rv != 0) {
		tr_errmsg_printf(errmsg, "listen on %s: %s", cfg->address,
				 uv_strerror(rv));
		/* The loop frees the proxy once the handle has closed. */
		p->stopping = true;
		uv_close((uv_handle_t *)&p->listener, listener_close_cb);
		return TR_EIO;
	}
	tr_info("proxy", "cluster port listening on %s", p->address);
	*out = p;
	return TR_OK;

err_after_alloc:
	tr_free(p->address);
	tr_free(p->node_socket);
	tr_free(p);
	return rv;
}

void cluster_proxy_stop(struct cluster_proxy *p, cluster_proxy_stop_cb cb,
			void *arg)
{
	if (p->stopping) {
		return;
	}
	p->stopping = true;
	p->stop_cb = cb;
	p->stop_arg = arg;
	uv_close((uv_handle_t *)&p->listener, listener_close_cb);
	struct tr_queue *q;
	TR_QUEUE_FOREACH (q, &p->conns) {
		conn_close(TR_QUEUE_DATA(q, struct pconn, link), "stopping");
	}
}

unsigned cluster_proxy_drop_peer(struct cluster_proxy *p, const char *name)
{
	unsigned n = 0;
	struct tr_queue *q;
	if (name == NULL || name[0] == '\0') {
		return 0;
	}
	TR_QUEUE_FOREACH (q, &p->conns) {
		struct pconn *c = TR_QUEUE_DATA(q, struct pconn, link);
		if (c->state != PC_CLOSING && c->state != PC_HANDSHAKE &&
		    strcmp(c->name, name) == 0) {
			conn_close(c, "peer dropped");
			n++;
		}
	}
	return n;
}

unsigned cluster_proxy_n_conns(const struct cluster_proxy *p)
{
	return p->n_conns;
}
