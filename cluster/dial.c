/*
 * cluster/dial.c: outgoing connections to a peer's cluster port.
 *
 * cluster_dial_tls() is what dqlite's connect function and the TLS
 * cluster_client use (dqlite-protocol.md §7, item 3): it blocks, so it runs
 * on a thread (libuv's pool).  Steps, each bounded by one deadline:
 *
 *   non-blocking TCP connect -> poll(POLLOUT) -> SO_ERROR
 *   TCP_NODELAY, keepalive, TCP_USER_TIMEOUT (§8.2)
 *   SSL_connect, retried with poll() on WANT_READ / WANT_WRITE
 *   optional channel word (8 bytes)
 *   socketpair(AF_UNIX, SOCK_STREAM): sv[1] goes to the caller, sv[0] to
 *   a detached pump thread
 *
 * The pump thread copies TLS -> sv[0] and sv[0] -> TLS with one 16 KiB
 * buffer per direction.  It never blocks on one direction while the other
 * could move: both sockets are non-blocking and it polls for whatever the
 * stalled direction waits for.  It ends when either side ends: on local
 * EOF it sends close_notify; on TLS EOF or error it writes out what it
 * already read (bounded in time) and closes the local end, so the caller
 * sees EOF.  Then it frees the SSL and closes both sockets.
 *
 * The process must ignore SIGPIPE (OpenSSL writes with write(2)); dqlite
 * requires that anyway (dqlite-protocol.md §3).
 *
 * cluster_admin_call() runs one admin request on the thread pool over the
 * TLS connection itself (no pump).
 */
#define _GNU_SOURCE /* SOCK_NONBLOCK, SOCK_CLOEXEC, MSG_NOSIGNAL */

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <uv.h>

#include "cluster/cluster_int.h"

#define PUMP_BUF         16384
#define PUMP_STACK       (256 * 1024)
#define PUMP_FLUSH_MS    5000
#define DEFAULT_ADMIN_MS 10000
#define NS_PER_MS        UINT64_C(1000000)

/* Wait until @fd is ready for @events or @deadline_ns passes. */
static int wait_fd(int fd, short events, uint64_t deadline_ns, char *errmsg)
{
	for (;;) {
		uint64_t now = tr_now_ns();
		if (now >= deadline_ns) {
			tr_errmsg_printf(errmsg, "timed out");
			return TR_ETIMEDOUT;
		}
		uint64_t left_ms = (deadline_ns - now + NS_PER_MS - 1) /
				   NS_PER_MS;
		struct pollfd p = { .fd = fd, .events = events };
		int r = poll(&p, 1, left_ms > 60000 ? 60000 : (int)left_ms);
		if (r < 0 && errno != EINTR) {
			tr_errmsg_printf(errmsg, "poll: %s", strerror(errno));
			return TR_EIO;
		}
		if (r > 0) {
			return TR_OK;
		}
	}
}

/*
 * After an SSL call returned @r <= 0: wait for what it wants (TR_OK: try
 * again) or turn the failure into a code.  Call right after the failed
 * call, with the error queue cleared before it.
 */
static int ssl_again(SSL *ssl, int fd, int r, uint64_t deadline_ns,
		     const char *what, char *errmsg)
{
	int e = SSL_get_error(ssl, r);
	switch (e) {
	case SSL_ERROR_WANT_READ:
		return wait_fd(fd, POLLIN, deadline_ns, errmsg);
	case SSL_ERROR_WANT_WRITE:
		return wait_fd(fd, POLLOUT, deadline_ns, errmsg);
	case SSL_ERROR_ZERO_RETURN:
		tr_errmsg_printf(errmsg, "%s: connection closed by the peer",
				 what);
		return TR_ECLOSED;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0) {
			tr_errmsg_printf(errmsg, "%s: %s", what,
					 errno != 0 ? strerror(errno)
						    : "unexpected EOF");
			return TR_ECLOSED;
		}
		return cluster__ssl_error(errmsg, what);
	default:
		return cluster__ssl_error(errmsg, what);
	}
}

int cluster__ssl_write_all(SSL *ssl, int fd, const void *p, size_t n,
			   uint64_t deadline_ns, char *errmsg)
{
	size_t done = 0;
	while (done < n) {
		size_t w = 0;
		ERR_clear_error();
		errno = 0;
		int r = SSL_write_ex(ssl, (const uint8_t *)p + done, n - done,
				     &w);
		if (r == 1) {
			done += w;
			continue;
		}
		int rv = ssl_again(ssl, fd, r, deadline_ns, "TLS write",
				   errmsg);
		if (rv != TR_OK) {
			return rv;
		}
	}
	return TR_OK;
}

int cluster__ssl_read_full(SSL *ssl, int fd, void *p, size_t n,
			   uint64_t deadline_ns, char *errmsg)
{
	size_t done = 0;
	while (done < n) {
		size_t got = 0;
		ERR_clear_error();
		errno = 0;
		int r = SSL_read_ex(ssl, (uint8_t *)p + done, n - done, &got);
		if (r == 1) {
			done += got;
			continue;
		}
		int rv = ssl_again(ssl, fd, r, deadline_ns, "TLS read", errmsg);
		if (rv != TR_OK) {
			return rv;
		}
	}
	return TR_OK;
}

static int tcp_connect(const char *address, uint64_t deadline_ns, int *fd_out,
		       char *errmsg)
{
	struct sockaddr_in sin;
	int rv = cluster__parse_ipv4(address, 0, &sin, errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		tr_errmsg_printf(errmsg, "socket: %s", strerror(errno));
		return TR_EIO;
	}
	cluster__tcp_tune(fd);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		if (errno != EINPROGRESS) {
			tr_errmsg_printf(errmsg, "connect to %s: %s", address,
					 strerror(errno));
			rv = TR_EIO;
			goto err_after_socket;
		}
		rv = wait_fd(fd, POLLOUT, deadline_ns, errmsg);
		if (rv != TR_OK) {
			tr_errmsg_wrapf(errmsg, "connect to %s", address);
			goto err_after_socket;
		}
		int err = 0;
		socklen_t len = sizeof err;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
			err = errno;
		}
		if (err != 0) {
			tr_errmsg_printf(errmsg, "connect to %s: %s", address,
					 strerror(err));
			rv = TR_EIO;
			goto err_after_socket;
		}
	}
	*fd_out = fd;
	return TR_OK;

err_after_socket:
	close(fd);
	return rv;
}

int cluster__dial_ssl(const char *address, SSL_CTX *ctx, const uint8_t *magic,
		      uint64_t deadline_ns, SSL **ssl_out, int *fd_out,
		      char *errmsg)
{
	int fd;
	int rv = tcp_connect(address, deadline_ns, &fd, errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	ERR_clear_error();
	SSL *ssl = SSL_new(ctx);
	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1) {
		rv = cluster__ssl_error(errmsg, "SSL_new");
		goto err_after_ssl_new;
	}
	SSL_set_connect_state(ssl);
	for (;;) {
		ERR_clear_error();
		errno = 0;
		int r = SSL_connect(ssl);
		if (r == 1) {
			break;
		}
		rv = ssl_again(ssl, fd, r, deadline_ns, "TLS handshake",
			       errmsg);
		if (rv == TR_ECLOSED) {
			rv = TR_ETLS; /* refused during the handshake */
		}
		if (rv != TR_OK) {
			tr_errmsg_wrapf(errmsg, "%s", address);
			goto err_after_ssl_new;
		}
	}
	if (magic != NULL) {
		rv = cluster__ssl_write_all(ssl, fd, magic, 8, deadline_ns,
					    errmsg);
		if (rv != TR_OK) {
			tr_errmsg_wrapf(errmsg, "%s", address);
			goto err_after_ssl_new;
		}
	}
	*ssl_out = ssl;
	*fd_out = fd;
	return TR_OK;

err_after_ssl_new:
	SSL_free(ssl);
	close(fd);
	return rv;
}

/* ---------------------------------------------------------------------
 * The pump thread
 * ------------------------------------------------------------------- */

struct pump {
	SSL *ssl;              /* owned */
	int tcp;               /* owned, non-blocking */
	int local;             /* owned: sv[0], non-blocking */
	uint8_t t2l[PUMP_BUF]; /* TLS plaintext not yet written locally */
	size_t t2l_off;
	size_t t2l_len;
	uint8_t l2t[PUMP_BUF]; /* local bytes not yet taken by SSL_write */
	size_t l2t_len;
};

static void pump_free(struct pump *p)
{
	SSL_free(p->ssl);
	close(p->tcp);
	close(p->local);
	tr_free(p);
}

/* Write what was read from TLS to the local end before closing it, so
 * that the last answer of a peer that closed right after it is not lost. */
static void pump_flush_local(struct pump *p)
{
	uint64_t deadline = tr_now_ns() + PUMP_FLUSH_MS * NS_PER_MS;
	char errmsg[TR_ERRMSG_SIZE];
	while (p->t2l_off < p->t2l_len) {
		ssize_t w = send(p->local, p->t2l + p->t2l_off,
				 p->t2l_len - p->t2l_off, MSG_NOSIGNAL);
		if (w > 0) {
			p->t2l_off += (size_t)w;
		} else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(p->local, POLLOUT, deadline, errmsg) !=
			    TR_OK) {
				return;
			}
		} else {
			return;
		}
	}
}

/* How an SSL call that returned @r <= 0 wants to be resumed: POLLIN or
 * POLLOUT on the TCP socket, or 0 when the connection is over. */
static short ssl_wants(SSL *ssl, int r)
{
	int e = SSL_get_error(ssl, r);
	if (e == SSL_ERROR_WANT_READ) {
		return POLLIN;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		return POLLOUT;
	}
	if (e != SSL_ERROR_ZERO_RETURN) {
		char errmsg[TR_ERRMSG_SIZE];
		cluster__ssl_error(errmsg, "pump");
		tr_debug("dial", "%s", errmsg);
	}
	return 0;
}

static void *pump_main(void *arg)
{
	struct pump *p = arg;
	bool tls_over = false;   /* EOF or error on the TLS side */
	bool local_over = false; /* EOF or error on the local side */

	while (!tls_over && !local_over) {
		bool progress = false;
		short tcp_ev = 0;
		short local_ev = 0;

		/* TLS -> local. */
		if (p->t2l_off == p->t2l_len) {
			size_t got = 0;
			ERR_clear_error();
			int r = SSL_read_ex(p->ssl, p->t2l, sizeof p->t2l,
					    &got);
			if (r == 1) {
				p->t2l_off = 0;
				p->t2l_len = got;
				progress = true;
			} else {
				tcp_ev |= ssl_wants(p->ssl, r);
				tls_over = tcp_ev == 0;
			}
		}
		if (p->t2l_off < p->t2l_len) {
			ssize_t w = send(p->local, p->t2l + p->t2l_off,
					 p->t2l_len - p->t2l_off, MSG_NOSIGNAL);
			if (w > 0) {
				p->t2l_off += (size_t)w;
				progress = true;
			} else if (errno == EAGAIN || errno == EINTR) {
				local_ev |= POLLOUT;
			} else {
				local_over = true;
			}
		}
		if (tls_over || local_over) {
			break;
		}

		/* Local -> TLS.  A write that wanted I/O is retried with the
		 * same buffer and length, as OpenSSL requires. */
		if (p->l2t_len == 0) {
			ssize_t n = recv(p->local, p->l2t, sizeof p->l2t, 0);
			if (n > 0) {
				p->l2t_len = (size_t)n;
				progress = true;
			} else if (n < 0 &&
				   (errno == EAGAIN || errno == EINTR)) {
				local_ev |= POLLIN;
			} else {
				local_over = true;
				break;
			}
		}
		if (p->l2t_len > 0) {
			size_t w = 0;
			ERR_clear_error();
			int r = SSL_write_ex(p->ssl, p->l2t, p->l2t_len, &w);
			if (r == 1) {
				p->l2t_len = 0;
				progress = true;
			} else {
				short ev = ssl_wants(p->ssl, r);
				tcp_ev |= ev;
				tls_over = ev == 0;
			}
		}
		if (progress || tls_over) {
			continue;
		}
		struct pollfd fds[2] = {
			{ .fd = p->tcp, .events = tcp_ev },
			{ .fd = p->local, .events = local_ev },
		};
		/* Keepalive and TCP_USER_TIMEOUT end a dead peer; the local
		 * side ends when its owner closes it. */
		if (poll(fds, 2, -1) < 0 && errno != EINTR) {
			break;
		}
	}
	if (tls_over) {
		pump_flush_local(p);
	} else if (local_over) {
		ERR_clear_error();
		(void)SSL_shutdown(p->ssl); /* close_notify, best effort */
	}
	ERR_clear_error();
	pump_free(p);
	return NULL;
}

int cluster_dial_tls(const char *address, SSL_CTX *ctx, const uint8_t *magic,
		     unsigned timeout_ms, int *fd_out, char *errmsg)
{
	uint64_t deadline = tr_now_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	struct pump *p = tr_calloc(1, sizeof *p);
	int sv[2];
	int rv;

	if (p == NULL) {
		tr_errmsg_printf(errmsg, "out of memory");
		return TR_ENOMEM;
	}
	rv = cluster__dial_ssl(address, ctx, magic, deadline, &p->ssl, &p->tcp,
			       errmsg);
	if (rv != TR_OK) {
		goto err_after_alloc;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		tr_errmsg_printf(errmsg, "socketpair: %s", strerror(errno));
		rv = TR_EIO;
		goto err_after_dial;
	}
	/* sv[0] is the pump's and non-blocking; sv[1] stays blocking for
	 * the caller (dqlite writes its handshake with plain write(2)). */
	int flags = fcntl(sv[0], F_GETFL);
	if (flags < 0 || fcntl(sv[0], F_SETFL, flags | O_NONBLOCK) != 0) {
		tr_errmsg_printf(errmsg, "fcntl: %s", strerror(errno));
		rv = TR_EIO;
		goto err_after_socketpair;
	}
	p->local = sv[0];

	pthread_attr_t attr;
	pthread_t thread;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, PUMP_STACK);
	int err = pthread_create(&thread, &attr, pump_main, p);
	pthread_attr_destroy(&attr);
	if (err != 0) {
		tr_errmsg_printf(errmsg, "pthread_create: %s", strerror(err));
		rv = TR_EIO;
		goto err_after_socketpair;
	}
	*fd_out = sv[1];
	return TR_OK;

err_after_socketpair:
	close(sv[0]);
	close(sv[1]);
err_after_dial:
	SSL_free(p->ssl);
	close(p->tcp);
err_after_alloc:
	tr_free(p);
	return rv;
}

/* ---------------------------------------------------------------------
 * Admin calls
 * ------------------------------------------------------------------- */

struct admin_call {
	uv_work_t work;
	char address[64];
	SSL_CTX *ctx; /* borrowed */
	uint8_t *req; /* owned: 4-byte length + body */
	size_t req_len;
	unsigned timeout_ms;
	cluster_admin_cb cb;
	void *arg;
	int rc;
	uint8_t *resp; /* owned */
	size_t resp_len;
	char errmsg[TR_ERRMSG_SIZE];
};

static void admin_work(uv_work_t *work)
{
	struct admin_call *a = work->data;
	uint64_t deadline = tr_now_ns() + (uint64_t)a->timeout_ms * NS_PER_MS;
	SSL *ssl;
	int fd;
	uint8_t hdr[4];

	a->rc = cluster__dial_ssl(a->address, a->ctx,
				  (const uint8_t *)CLUSTER_ADMIN_MAGIC,
				  deadline, &ssl, &fd, a->errmsg);
	if (a->rc != TR_OK) {
		return;
	}
	a->rc = cluster__ssl_write_all(ssl, fd, a->req, a->req_len, deadline,
				       a->errmsg);
	if (a->rc != TR_OK) {
		goto out;
	}
	/* With TLS 1.3 a refused client certificate shows up here, as an
	 * alert or a closed connection. */
	a->rc = cluster__ssl_read_full(ssl, fd, hdr, sizeof hdr, deadline,
				       a->errmsg);
	if (a->rc != TR_OK) {
		goto out;
	}
	size_t len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 |
		     (size_t)hdr[2] << 8 | (size_t)hdr[3];
	if (len > CLUSTER_ADMIN_MAX_LEN) {
		tr_errmsg_printf(a->errmsg, "admin reply of %zu bytes", len);
		a->rc = TR_ETOOBIG;
		goto out;
	}
	a->resp = tr_malloc(len);
	if (a->resp == NULL) {
		tr_errmsg_printf(a->errmsg, "out of memory");
		a->rc = TR_ENOMEM;
		goto out;
	}
	a->resp_len = len;
	a->rc = cluster__ssl_read_full(ssl, fd, a->resp, len, deadline,
				       a->errmsg);
	if (a->rc == TR_OK) {
		ERR_clear_error();
		(void)SSL_shutdown(ssl);
	}
out:
	ERR_clear_error();
	SSL_free(ssl);
	close(fd);
}

static void admin_after(uv_work_t *work, int status)
{
	struct admin_call *a = work->data;
	if (status != 0 && a->rc == TR_OK) {
		a->rc = TR_ECANCELED;
		tr_errmsg_printf(a->errmsg, "canceled");
	}
	if (a->rc == TR_OK) {
		a->errmsg[0] = '\0';
	}
	a->cb(a->arg, a->rc, a->rc == TR_OK ? a->resp : NULL,
	      a->rc == TR_OK ? a->resp_len : 0, a->errmsg);
	tr_free(a->resp);
	tr_free(a->req);
	tr_free(a);
}

int cluster_admin_call(uv_loop_t *loop, const char *address, SSL_CTX *ctx,
		       const uint8_t *req, size_t len, unsigned timeout_ms,
		       cluster_admin_cb cb, void *arg)
{
	if (address == NULL || ctx == NULL || cb == NULL ||
	    (req == NULL && len > 0)) {
		return TR_EINVAL;
	}
	if (len > CLUSTER_ADMIN_MAX_LEN) {
		return TR_ETOOBIG;
	}
	struct admin_call *a = tr_calloc(1, sizeof *a);
	if (a == NULL) {
		return TR_ENOMEM;
	}
	if (strlen(address) >= sizeof a->address) {
		tr_free(a);
		return TR_EINVAL;
	}
	snprintf(a->address, sizeof a->address, "%s", address);
	a->req = tr_malloc(4 + len);
	if (a->req == NULL) {
		tr_free(a);
		return TR_ENOMEM;
	}
	a->req[0] = (uint8_t)(len >> 24);
	a->req[1] = (uint8_t)(len >> 16);
	a->req[2] = (uint8_t)(len >> 8);
	a->req[3] = (uint8_t)len;
	if (len > 0) {
		memcpy(a->req + 4, req, len);
	}
	a->req_len = 4 + len;
	a->ctx = ctx;
	a->timeout_ms = timeout_ms != 0 ? timeout_ms : DEFAULT_ADMIN_MS;
	a->cb = cb;
	a->arg = arg;
	a->work.data = a;
	int rv = uv_queue_work(loop, &a->work, admin_work, admin_after);
	if (rv != 0) {
		tr_free(a->req);
		tr_free(a);
		return TR_EINVAL;
	}
	return TR_OK;
}
