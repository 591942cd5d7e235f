/*
 * tests/unit/cluster/test_proxy.c: the cluster port.  Throwaway certificates
 * (certs_bootstrap: one cluster CA with node1 and node2, and a foreign CA),
 * a proxy on the test's loop in front of an in-process dqlite node, the
 * TLS dialer, the admin channel, and two nodes whose Raft traffic runs over
 * mutual TLS through each other's proxy.
 *
 * Blocking dials run on the loop's thread pool (the proxy they talk to is
 * on the same loop).  Every wait is bounded (RUN_UNTIL); every test ends
 * by stopping its proxy and checking that the loop has no handles left.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <uv.h>

#include "certs/certs.h"
#include "cluster/cluster_int.h"
#include "unit/cluster/suites.h"

#define WAIT_MS 20000

static void sleep_us(long us)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = us * 1000 };
	nanosleep(&ts, NULL);
}

#define RUN_UNTIL(loop, cond)                                                \
	do {                                                                 \
		uint64_t end_ = tr_now_ns() + (uint64_t)WAIT_MS * 1000000;   \
		while (!(cond)) {                                            \
			if (tr_now_ns() > end_) {                            \
				fail_msg("timed out waiting for %s", #cond); \
			}                                                    \
			uv_run((loop), UV_RUN_NOWAIT);                       \
			sleep_us(100);                                       \
		}                                                            \
	} while (0)

/* Run the loop for @ms whatever happens (lets background traffic flow). */
static void run_for(uv_loop_t *loop, unsigned ms)
{
	uint64_t end = tr_now_ns() + (uint64_t)ms * 1000000;
	while (tr_now_ns() < end) {
		uv_run(loop, UV_RUN_NOWAIT);
		sleep_us(200);
	}
}

/* ---------------------------------------------------------------------
 * Certificates and contexts (group fixture)
 * ------------------------------------------------------------------- */

static char base_dir[64];
static char dir_n1[96], dir_n2[96], dir_other[96];
static SSL_CTX *srv1, *cli1, *srv2, *cli2;
static SSL_CTX *joiner_ctx;   /* our CA, no certificate */
static SSL_CTX *foreign_ctx;  /* other CA's node, trusts only that CA */
static SSL_CTX *impostor_ctx; /* other CA's node cert, trusts our CA */

static int copy_file(const char *from, const char *to)
{
	char buf[8192];
	FILE *in = fopen(from, "rb");
	FILE *out = fopen(to, "wb");
	int rv = -1;
	if (in != NULL && out != NULL) {
		size_t n;
		rv = 0;
		while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
			if (fwrite(buf, 1, n, out) != n) {
				rv = -1;
			}
		}
	}
	if (in != NULL) {
		fclose(in);
	}
	if (out != NULL) {
		fclose(out);
	}
	if (rv == 0) {
		rv = chmod(to, 0600);
	}
	return rv;
}

static SSL_CTX *client_ctx(const char *ca_dir, const char *cert_dir)
{
	char path[160];
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) {
		return NULL;
	}
	snprintf(path, sizeof path, "%s/ca.crt", ca_dir);
	if (SSL_CTX_load_verify_file(ctx, path) != 1) {
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (cert_dir != NULL) {
		snprintf(path, sizeof path, "%s/node.crt", cert_dir);
		if (SSL_CTX_use_certificate_chain_file(ctx, path) != 1) {
			return NULL;
		}
		snprintf(path, sizeof path, "%s/node.key", cert_dir);
		if (SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM) !=
		    1) {
			return NULL;
		}
	}
	return ctx;
}

static int certs_setup(void)
{
	char errmsg[TR_ERRMSG_SIZE];
	char from[160], to[160];
	snprintf(base_dir, sizeof base_dir, "/tmp/triode-proxy-XXXXXX");
	if (mkdtemp(base_dir) == NULL) {
		return -1;
	}
	snprintf(dir_n1, sizeof dir_n1, "%s/n1", base_dir);
	snprintf(dir_n2, sizeof dir_n2, "%s/n2", base_dir);
	snprintf(dir_other, sizeof dir_other, "%s/other", base_dir);
	if (certs_bootstrap(dir_n1, "node1", "127.0.0.1", errmsg) != TR_OK ||
	    certs_bootstrap(dir_other, "node1", "127.0.0.1", errmsg) != TR_OK) {
		print_error("certs: %s\n", errmsg);
		return -1;
	}
	/* node2's certificate from the same CA: give it the CA first. */
	if (mkdir(dir_n2, 0700) != 0) {
		return -1;
	}
	snprintf(from, sizeof from, "%s/ca.crt", dir_n1);
	snprintf(to, sizeof to, "%s/ca.crt", dir_n2);
	if (copy_file(from, to) != 0) {
		return -1;
	}
	snprintf(from, sizeof from, "%s/ca.key", dir_n1);
	snprintf(to, sizeof to, "%s/ca.key", dir_n2);
	if (copy_file(from, to) != 0 ||
	    certs_bootstrap(dir_n2, "node2", "127.0.0.1", errmsg) != TR_OK) {
		print_error("certs: %s\n", errmsg);
		return -1;
	}
	if (certs_node_ctx(dir_n1, true, &srv1, errmsg) != TR_OK ||
	    certs_node_ctx(dir_n1, false, &cli1, errmsg) != TR_OK ||
	    certs_node_ctx(dir_n2, true, &srv2, errmsg) != TR_OK ||
	    certs_node_ctx(dir_n2, false, &cli2, errmsg) != TR_OK ||
	    certs_node_ctx(dir_other, false, &foreign_ctx, errmsg) != TR_OK) {
		print_error("ctx: %s\n", errmsg);
		return -1;
	}
	joiner_ctx = client_ctx(dir_n1, NULL);
	impostor_ctx = client_ctx(dir_n1, dir_other);
	return joiner_ctx != NULL && impostor_ctx != NULL ? 0 : -1;
}

/* ---------------------------------------------------------------------
 * Nodes
 * ------------------------------------------------------------------- */

static int free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		return -1;
	}
	close(fd);
	return ntohs(sin.sin_port);
}

struct tnode {
	struct cluster_node *node;
	char dir[96];
	char address[64];
};

static int tnode_start(struct tnode *t, uint64_t id, const char *name,
		       SSL_CTX *tls)
{
	char errmsg[TR_ERRMSG_SIZE];
	int port = free_port();
	if (port < 0) {
		return -1;
	}
	snprintf(t->dir, sizeof t->dir, "%s/%s", base_dir, name);
	snprintf(t->address, sizeof t->address, "127.0.0.1:%d", port);
	struct cluster_node_config cfg = {
		.id = id,
		.address = t->address,
		.dir = t->dir,
		.network_latency_ms = 20,
		.tls = tls,
		.connect_timeout_ms = 500,
	};
	if (cluster_node_start(&cfg, &t->node, errmsg) != TR_OK) {
		print_error("node: %s\n", errmsg);
		return -1;
	}
	return 0;
}

static void tnode_stop(struct tnode *t)
{
	cluster_node_stop(t->node);
	t->node = NULL;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	TR_UNUSED(st);
	TR_UNUSED(flag);
	TR_UNUSED(ftw);
	return remove(path);
}

/* Recorders. */
struct rec {
	int calls;
	int rc;
	char message[256];
	unsigned n;
	uint64_t id;
	char address[64];
	uint64_t rows_affected;
};

static void done_cb(struct cluster_client *c, void *arg,
		    const struct cluster_result *res)
{
	struct rec *r = arg;
	TR_UNUSED(c);
	r->calls++;
	r->rc = res->rc;
	r->rows_affected = res->rows_affected;
	snprintf(r->message, sizeof r->message, "%s",
		 res->message != NULL ? res->message : "");
}

static void servers_cb(struct cluster_client *c, void *arg,
		       const struct cluster_result *res, unsigned n,
		       const struct cluster_server_info *servers)
{
	struct rec *r = arg;
	done_cb(c, arg, res);
	r->n = n;
	if (n > 0) {
		r->id = servers[0].id;
		snprintf(r->address, sizeof r->address, "%s",
			 servers[0].address);
	}
}

static void client_closed(struct cluster_client *c, void *arg)
{
	TR_UNUSED(c);
	*(bool *)arg = true;
}

static void client_close(uv_loop_t *loop, struct cluster_client *c)
{
	bool closed = false;
	cluster_client_close(c, client_closed, &closed);
	RUN_UNTIL(loop, closed);
}

/* Connect a client (TLS when @tls) to @address; the connect result. */
static int client_connect(uv_loop_t *loop, const char *address, SSL_CTX *tls,
			  struct cluster_client **out)
{
	struct cluster_client_config cfg = { .tls = tls,
					     .connect_timeout_ms = 5000 };
	struct rec r = { 0 };
	assert_int_equal(cluster_client_new(loop, &cfg, out), TR_OK);
	assert_int_equal(cluster_client_connect(*out, address, done_cb, &r),
			 TR_OK);
	assert_int_equal(r.calls, 0); /* never before returning */
	RUN_UNTIL(loop, r.calls > 0);
	return r.rc;
}

static struct rec client_leader(uv_loop_t *loop, struct cluster_client *c)
{
	struct rec r = { 0 };
	assert_int_equal(cluster_client_leader(c, servers_cb, &r), TR_OK);
	RUN_UNTIL(loop, r.calls > 0);
	return r;
}

/* Poll LEADER on @address until the node that answers names @leader. */
static void wait_leader(uv_loop_t *loop, const char *address, SSL_CTX *tls,
			const char *leader)
{
	uint64_t end = tr_now_ns() + (uint64_t)WAIT_MS * 1000000;
	for (;;) {
		struct cluster_client *c;
		bool ok = false;
		if (client_connect(loop, address, tls, &c) == TR_OK) {
			struct rec r = client_leader(loop, c);
			ok = r.rc == TR_OK && r.n == 1 &&
			     strcmp(r.address, leader) == 0;
		}
		client_close(loop, c);
		if (ok) {
			return;
		}
		if (tr_now_ns() > end) {
			fail_msg("no leader %s seen on %s", leader, address);
		}
		run_for(loop, 50);
	}
}

/* ---------------------------------------------------------------------
 * Proxy callbacks
 * ------------------------------------------------------------------- */

static int n_authorize;
static enum cluster_peer_kind last_kind;
static int n_admin;
static struct cluster_admin_request *held_req;

static enum cluster_peer_kind authorize_cb(void *arg, SSL *ssl, char *name)
{
	TR_UNUSED(arg);
	n_authorize++;
	X509 *cert = SSL_get0_peer_certificate(ssl);
	if (cert == NULL) {
		last_kind = CLUSTER_PEER_JOINER;
		return last_kind;
	}
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert),
				      NID_commonName, name,
				      CLUSTER_PEER_NAME_MAX) < 0) {
		last_kind = CLUSTER_PEER_DENY;
		return last_kind;
	}
	last_kind = CLUSTER_PEER_MEMBER;
	return last_kind;
}

/* Echo "re:<kind>:<name>:<msg>"; "later..." is held for the test. */
static void admin_cb(void *arg, struct cluster_admin_request *req,
		     const uint8_t *msg, size_t len,
		     enum cluster_peer_kind kind, const char *name)
{
	char out[512];
	TR_UNUSED(arg);
	n_admin++;
	if (len >= 5 && memcmp(msg, "later", 5) == 0) {
		held_req = req;
		return;
	}
	int n = snprintf(out, sizeof out, "re:%s:%s:%.*s",
			 kind == CLUSTER_PEER_MEMBER ? "member" : "joiner",
			 name, (int)len, (const char *)msg);
	cluster_admin_reply(req, (const uint8_t *)out, (size_t)n);
}

struct fx {
	uv_loop_t loop;
	struct cluster_proxy *proxy;
	bool stopped;
};

static void proxy_stopped(void *arg)
{
	*(bool *)arg = true;
}

static struct cluster_proxy *proxy_start(uv_loop_t *loop, const char *address,
					 const char *node_socket, SSL_CTX *ctx)
{
	char errmsg[TR_ERRMSG_SIZE];
	struct cluster_proxy *p;
	struct cluster_proxy_config cfg = {
		.address = address,
		.node_socket = node_socket,
		.ctx = ctx,
		.authorize = authorize_cb,
		.admin = admin_cb,
		.handshake_timeout_ms = 5000,
	};
	int rv = cluster_proxy_start(loop, &cfg, &p, errmsg);
	if (rv != TR_OK) {
		fail_msg("proxy: %s", errmsg);
	}
	return p;
}

static void proxy_stop(uv_loop_t *loop, struct cluster_proxy *p)
{
	bool stopped = false;
	cluster_proxy_stop(p, proxy_stopped, &stopped);
	cluster_proxy_stop(p, proxy_stopped, &stopped); /* idempotent */
	assert_false(stopped);
	RUN_UNTIL(loop, stopped);
}

/* The group's node: id 1, raft over TLS (alone, so no raft traffic). */
static struct tnode gnode;

static int group_setup(void **state)
{
	TR_UNUSED(state);
	signal(SIGPIPE, SIG_IGN);
	if (certs_setup() != 0) {
		return -1;
	}
	return tnode_start(&gnode, 1, "g1", cli1);
}

static int group_teardown(void **state)
{
	TR_UNUSED(state);
	if (gnode.node != NULL) {
		tnode_stop(&gnode);
	}
	SSL_CTX_free(srv1);
	SSL_CTX_free(cli1);
	SSL_CTX_free(srv2);
	SSL_CTX_free(cli2);
	SSL_CTX_free(joiner_ctx);
	SSL_CTX_free(foreign_ctx);
	SSL_CTX_free(impostor_ctx);
	nftw(base_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static int fx_setup(void **state)
{
	struct fx *f = test_calloc(1, sizeof *f);
	uv_loop_init(&f->loop);
	n_authorize = 0;
	n_admin = 0;
	held_req = NULL;
	last_kind = CLUSTER_PEER_DENY;
	f->proxy = proxy_start(&f->loop, gnode.address,
			       cluster_node_bind_address(gnode.node), srv1);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	if (f->proxy != NULL) {
		proxy_stop(&f->loop, f->proxy);
	}
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0); /* no handle left */
	test_free(f);
	return 0;
}

/* Admin call recorder. */
struct acall {
	int calls;
	int rc;
	char resp[512];
	char errmsg[256];
};

static void admin_done(void *arg, int rc, const uint8_t *resp, size_t len,
		       const char *errmsg)
{
	struct acall *a = arg;
	a->calls++;
	a->rc = rc;
	snprintf(a->resp, sizeof a->resp, "%.*s", (int)len,
		 resp != NULL ? (const char *)resp : "");
	snprintf(a->errmsg, sizeof a->errmsg, "%s", errmsg);
}

static struct acall admin_call(uv_loop_t *loop, const char *address,
			       SSL_CTX *ctx, const char *msg)
{
	struct acall a = { 0 };
	assert_int_equal(cluster_admin_call(loop, address, ctx,
					    (const uint8_t *)msg, strlen(msg),
					    5000, admin_done, &a),
			 TR_OK);
	assert_int_equal(a.calls, 0);
	RUN_UNTIL(loop, a.calls > 0);
	return a;
}

/* cluster_dial_tls on the thread pool (the proxy is on this loop). */
struct dial {
	uv_work_t work;
	const char *address;
	SSL_CTX *ctx;
	const uint8_t *magic;
	int rc;
	int fd;
	bool done;
	char errmsg[TR_ERRMSG_SIZE];
};

static void dial_work(uv_work_t *w)
{
	struct dial *d = w->data;
	d->rc = cluster_dial_tls(d->address, d->ctx, d->magic, 5000, &d->fd,
				 d->errmsg);
}

static void dial_after(uv_work_t *w, int status)
{
	struct dial *d = w->data;
	TR_UNUSED(status);
	d->done = true;
}

static int dial(uv_loop_t *loop, const char *address, SSL_CTX *ctx,
		const char *magic, int *fd)
{
	struct dial d = { .address = address,
			  .ctx = ctx,
			  .magic = (const uint8_t *)magic,
			  .fd = -1 };
	d.work.data = &d;
	assert_int_equal(uv_queue_work(loop, &d.work, dial_work, dial_after),
			 0);
	RUN_UNTIL(loop, d.done);
	*fd = d.fd;
	return d.rc;
}

/* True once the peer of @fd has closed (EOF or error), without blocking. */
static bool fd_closed(int fd)
{
	char b;
	ssize_t n = recv(fd, &b, 1, MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* Write one admin frame on a plain (pumped) fd. */
static void write_frame(int fd, const char *msg)
{
	size_t len = strlen(msg);
	uint8_t hdr[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16),
			   (uint8_t)(len >> 8), (uint8_t)len };
	assert_int_equal(write(fd, hdr, 4), 4);
	assert_int_equal(write(fd, msg, len), (ssize_t)len);
}

/* ---------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------- */

static void test_admin_round_trip(void **state)
{
	struct fx *f = *state;
	struct acall a = admin_call(&f->loop, gnode.address, cli1, "hello");
	assert_int_equal(a.rc, TR_OK);
	assert_string_equal(a.resp, "re:member:node1:hello");
	assert_int_equal(last_kind, CLUSTER_PEER_MEMBER);

	/* An empty request gets its answer too. */
	a = admin_call(&f->loop, gnode.address, cli2, "");
	assert_int_equal(a.rc, TR_OK);
	assert_string_equal(a.resp, "re:member:node2:");

	/* Two requests on one connection, answered in order. */
	int fd;
	assert_int_equal(
		dial(&f->loop, gnode.address, cli1, CLUSTER_ADMIN_MAGIC, &fd),
		TR_OK);
	write_frame(fd, "one");
	write_frame(fd, "two");
	char want[] = "\0\0\0\x13re:member:node1:one"
		      "\0\0\0\x13re:member:node1:two";
	char got[sizeof want - 1];
	size_t have = 0;
	uint64_t end = tr_now_ns() + (uint64_t)WAIT_MS * 1000000;
	while (have < sizeof got && tr_now_ns() < end) {
		ssize_t n = recv(fd, got + have, sizeof got - have,
				 MSG_DONTWAIT);
		if (n > 0) {
			have += (size_t)n;
		}
		uv_run(&f->loop, UV_RUN_NOWAIT);
		sleep_us(100);
	}
	assert_int_equal(have, sizeof got);
	assert_memory_equal(got, want, sizeof got);
	close(fd);
	RUN_UNTIL(&f->loop, cluster_proxy_n_conns(f->proxy) == 0);
}

static void test_joiner_gets_admin_only(void **state)
{
	struct fx *f = *state;
	struct acall a = admin_call(&f->loop, gnode.address, joiner_ctx,
				    "join me");
	assert_int_equal(a.rc, TR_OK);
	assert_string_equal(a.resp, "re:joiner::join me");
	assert_int_equal(last_kind, CLUSTER_PEER_JOINER);

	/* The dqlite channel is closed on a joiner: the handshake may get
	 * out, but no request is ever answered. */
	struct cluster_client *c;
	int rc = client_connect(&f->loop, gnode.address, joiner_ctx, &c);
	if (rc == TR_OK) {
		struct rec r = client_leader(&f->loop, c);
		assert_int_not_equal(r.rc, TR_OK);
	}
	client_close(&f->loop, c);
	assert_int_equal(last_kind, CLUSTER_PEER_JOINER);
	RUN_UNTIL(&f->loop, cluster_proxy_n_conns(f->proxy) == 0);
}

static void test_foreign_ca_fails_handshake(void **state)
{
	struct fx *f = *state;
	/* A client of another cluster does not trust our server. */
	struct acall a = admin_call(&f->loop, gnode.address, foreign_ctx,
				    "hello");
	assert_int_equal(a.rc, TR_ETLS);
	/* A client that trusts us but shows another CA's certificate is
	 * refused by the server (TLS 1.3: seen on the first read). */
	a = admin_call(&f->loop, gnode.address, impostor_ctx, "hello");
	assert_int_not_equal(a.rc, TR_OK);
	assert_int_equal(n_authorize, 0);
	assert_int_equal(n_admin, 0);
	/* And the dialer reports the foreign server as a TLS failure. */
	int fd;
	assert_int_equal(dial(&f->loop, gnode.address, foreign_ctx, NULL, &fd),
			 TR_ETLS);
	RUN_UNTIL(&f->loop, cluster_proxy_n_conns(f->proxy) == 0);
}

static void test_unknown_magic_closes(void **state)
{
	struct fx *f = *state;
	int fd;
	assert_int_equal(dial(&f->loop, gnode.address, cli1, "GARBAGE!", &fd),
			 TR_OK);
	RUN_UNTIL(&f->loop, fd_closed(fd));
	close(fd);
	assert_int_equal(n_authorize, 1);
	assert_int_equal(n_admin, 0);
	RUN_UNTIL(&f->loop, cluster_proxy_n_conns(f->proxy) == 0);

	/* Half a word is waited for (until the handshake deadline). */
	assert_int_equal(dial(&f->loop, gnode.address, cli1, NULL, &fd), TR_OK);
	assert_int_equal(write(fd, "TRIO", 4), 4);
	run_for(&f->loop, 100);
	assert_false(fd_closed(fd));
	close(fd);
	RUN_UNTIL(&f->loop, cluster_proxy_n_conns(f->proxy) == 0);
}

/* dqlite's legacy protocol word opens the dqlite channel too. */
static void test_legacy_dqlite_word_is_piped(void **state)
{
	struct fx *f = *state;
	static const uint8_t legacy[8] = { 0xe5, 0x3f, 0x43, 0x60,
					   0xd7, 0x4d, 0x10, 0x86 };
	/* LEADER: one body word, type 0, schema 0. */
	static const uint8_t leader[16] = { 1 };
	int fd;
	assert_int_equal(
		dial(&f->loop, gnode.address, cli1, (const char *)legacy, &fd),
		TR_OK);
	assert_int_equal(write(fd, leader, sizeof leader), sizeof leader);
	uint8_t hdr[8];
	size_t have = 0;
	uint64_t end = tr_now_ns() + (uint64_t)WAIT_MS * 1000000;
	while (have < sizeof hdr && tr_now_ns() < end) {
		ssize_t n = recv(fd, hdr + have, sizeof hdr - have,
				 MSG_DONTWAIT);
		if (n > 0) {
			have += (size_t)n;
		}
		assert_int_not_equal(n, 0); /* no EOF */
		uv_run(&f->loop, UV_RUN_NOWAIT);
		sleep_us(100);
	}
	assert_int_equal(have, sizeof hdr);
	assert_int_equal(hdr[4], CLUSTER__RESP_SERVER); /* a LEADER answer */
	close(fd);
	RUN_UNTIL(&f->loop, cluster_proxy_n_conns(f->proxy) == 0);
}

static void test_admin_oversized_request_closes(void **state)
{
	struct fx *f = *state;
	int fd;
	assert_int_equal(
		dial(&f->loop, gnode.address, cli1, CLUSTER_ADMIN_MAGIC, &fd),
		TR_OK);
	uint8_t hdr[4] = { 0x00, 0x10, 0x00, 0x01 }; /* 1 MiB + 1 */
	assert_int_equal(write(fd, hdr, 4), 4);
	RUN_UNTIL(&f->loop, fd_closed(fd));
	close(fd);
	assert_int_equal(n_admin, 0);
}

static void test_drop_peer_closes_live_connections(void **state)
{
	struct fx *f = *state;
	/* node1: a dqlite channel and an admin channel with a request the
	 * callback holds; node2: an admin channel that must survive. */
	struct cluster_client *c;
	assert_int_equal(client_connect(&f->loop, gnode.address, cli1, &c),
			 TR_OK);
	struct rec r = client_leader(&f->loop, c);
	assert_int_equal(r.rc, TR_OK);
	int fd1, fd2;
	assert_int_equal(
		dial(&f->loop, gnode.address, cli1, CLUSTER_ADMIN_MAGIC, &fd1),
		TR_OK);
	assert_int_equal(
		dial(&f->loop, gnode.address, cli2, CLUSTER_ADMIN_MAGIC, &fd2),
		TR_OK);
	write_frame(fd1, "later");
	RUN_UNTIL(&f->loop, held_req != NULL);
	assert_int_equal(cluster_proxy_n_conns(f->proxy), 3);

	assert_int_equal(cluster_proxy_drop_peer(f->proxy, "node1"), 2);
	assert_int_equal(cluster_proxy_drop_peer(f->proxy, "nobody"), 0);
	RUN_UNTIL(&f->loop, fd_closed(fd1));
	/* The client either has seen the EOF already (the request is
	 * refused) or sees it while the request waits. */
	r = (struct rec){ 0 };
	if (cluster_client_leader(c, servers_cb, &r) == TR_OK) {
		RUN_UNTIL(&f->loop, r.calls > 0);
		assert_int_not_equal(r.rc, TR_OK);
	}
	RUN_UNTIL(&f->loop, cluster_proxy_n_conns(f->proxy) == 1);
	assert_false(fd_closed(fd2));

	/* The held request outlives its connection: answering it is a
	 * no-op that frees it. */
	cluster_admin_reply(held_req, (const uint8_t *)"late", 4);
	held_req = NULL;
	client_close(&f->loop, c);
	close(fd1);
	close(fd2);
	RUN_UNTIL(&f->loop, cluster_proxy_n_conns(f->proxy) == 0);
}

static void test_stop_closes_connections_and_held_requests(void **state)
{
	struct fx *f = *state;
	int fd;
	assert_int_equal(
		dial(&f->loop, gnode.address, cli1, CLUSTER_ADMIN_MAGIC, &fd),
		TR_OK);
	write_frame(fd, "later please");
	RUN_UNTIL(&f->loop, held_req != NULL);
	proxy_stop(&f->loop, f->proxy);
	f->proxy = NULL;
	RUN_UNTIL(&f->loop, fd_closed(fd));
	cluster_admin_reply(held_req, NULL, 0);
	held_req = NULL;
	close(fd);
	/* Nothing listens any more. */
	struct acall a = admin_call(&f->loop, gnode.address, cli1, "x");
	assert_int_equal(a.rc, TR_EIO);
}

struct qrec {
	struct rec done;
	int rows;
	int64_t k;
	char v[64];
};

static int q_row(struct cluster_client *c, void *arg, unsigned n,
		 const struct cluster_value *vals)
{
	struct qrec *q = arg;
	TR_UNUSED(c);
	q->rows++;
	if (n == 2 && vals[0].type == CLUSTER_INTEGER &&
	    vals[1].type == CLUSTER_TEXT) {
		q->k = vals[0].integer;
		snprintf(q->v, sizeof q->v, "%s", vals[1].text.p);
	}
	return TR_OK;
}

static void q_done(struct cluster_client *c, void *arg,
		   const struct cluster_result *res)
{
	struct qrec *q = arg;
	done_cb(c, &q->done, res);
}

static struct rec run_request(uv_loop_t *loop, int rv, struct rec *r)
{
	assert_int_equal(rv, TR_OK);
	RUN_UNTIL(loop, r->calls > 0);
	return *r;
}

static struct qrec query(uv_loop_t *loop, struct cluster_client *c,
			 const char *sql)
{
	struct qrec q = { 0 };
	assert_int_equal(cluster_client_query_sql(c, sql, NULL, 0, NULL, q_row,
						  q_done, &q),
			 TR_OK);
	RUN_UNTIL(loop, q.done.calls > 0);
	return q;
}

static void test_client_over_tls_to_a_node(void **state)
{
	struct fx *f = *state;
	struct cluster_client *c;
	struct rec r = { 0 };
	assert_int_equal(client_connect(&f->loop, gnode.address, cli1, &c),
			 TR_OK);
	r = run_request(&f->loop, cluster_client_open(c, "proxy", done_cb, &r),
			&r);
	assert_int_equal(r.rc, TR_OK);
	r = (struct rec){ 0 };
	r = run_request(&f->loop,
			cluster_client_exec_sql(
				c,
				"CREATE TABLE IF NOT EXISTS t (k INTEGER, v "
				"TEXT); DELETE FROM t; INSERT INTO t VALUES "
				"(7, 'seven')",
				NULL, 0, done_cb, &r),
			&r);
	assert_int_equal(r.rc, TR_OK);
	struct qrec q = query(&f->loop, c, "SELECT k, v FROM t");
	assert_int_equal(q.done.rc, TR_OK);
	assert_int_equal(q.rows, 1);
	assert_int_equal(q.k, 7);
	assert_string_equal(q.v, "seven");

	/* A bigger result set crosses several TLS records and reads. */
	q = query(&f->loop, c,
		  "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
		  "FROM s WHERE x < 5000) SELECT x, printf('%0100d', x) "
		  "FROM s");
	assert_int_equal(q.done.rc, TR_OK);
	assert_int_equal(q.rows, 5000);
	assert_int_equal(q.k, 5000);
	client_close(&f->loop, c);

	/* Bad addresses fail at once; a port nobody listens on fails in
	 * the callback. */
	struct cluster_client_config cfg = { .tls = cli1 };
	assert_int_equal(cluster_client_new(&f->loop, &cfg, &c), TR_OK);
	assert_int_equal(cluster_client_connect(c, "nohost:1", done_cb, &r),
			 TR_EINVAL);
	client_close(&f->loop, c);
	char dead[32];
	snprintf(dead, sizeof dead, "127.0.0.1:%d", free_port());
	assert_int_equal(client_connect(&f->loop, dead, cli1, &c), TR_EIO);
	client_close(&f->loop, c);

	/* Closing while the dial runs waits for it. */
	assert_int_equal(cluster_client_new(&f->loop, &cfg, &c), TR_OK);
	r = (struct rec){ 0 };
	assert_int_equal(cluster_client_connect(c, gnode.address, done_cb, &r),
			 TR_OK);
	client_close(&f->loop, c);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.rc, TR_ECANCELED);
	RUN_UNTIL(&f->loop, cluster_proxy_n_conns(f->proxy) == 0);
}

/*
 * Two nodes, Raft over mutual TLS: node A (id 1) bootstraps, node B (id 2)
 * starts empty; each has its own proxy; ADD + ASSIGN through A's proxy,
 * a write on A, TRANSFER to B, and the row read through B's proxy.
 */
static void test_two_nodes_raft_over_mtls(void **state)
{
	struct fx *f = *state;
	struct tnode a = { 0 };
	struct tnode b = { 0 };
	assert_int_equal(tnode_start(&a, 1, "a", cli1), 0);
	assert_int_equal(tnode_start(&b, 2, "b", cli2), 0);
	struct cluster_proxy *pa = proxy_start(
		&f->loop, a.address, cluster_node_bind_address(a.node), srv1);
	struct cluster_proxy *pb = proxy_start(
		&f->loop, b.address, cluster_node_bind_address(b.node), srv2);

	wait_leader(&f->loop, a.address, cli1, a.address);
	struct cluster_client *c;
	assert_int_equal(client_connect(&f->loop, a.address, cli2, &c), TR_OK);
	struct rec r = { 0 };
	r = run_request(&f->loop,
			cluster_client_add(c, 2, b.address, done_cb, &r), &r);
	assert_int_equal(r.rc, TR_OK);
	r = (struct rec){ 0 };
	r = run_request(&f->loop,
			cluster_client_assign(c, 2, CLUSTER_VOTER, done_cb, &r),
			&r);
	assert_int_equal(r.rc, TR_OK);
	r = (struct rec){ 0 };
	r = run_request(&f->loop, cluster_client_open(c, "two", done_cb, &r),
			&r);
	assert_int_equal(r.rc, TR_OK);
	r = (struct rec){ 0 };
	r = run_request(&f->loop,
			cluster_client_exec_sql(
				c,
				"CREATE TABLE t (k INTEGER, v TEXT); "
				"INSERT INTO t VALUES (42, 'replicated')",
				NULL, 0, done_cb, &r),
			&r);
	assert_int_equal(r.rc, TR_OK);
	r = (struct rec){ 0 };
	r = run_request(&f->loop, cluster_client_transfer(c, 2, done_cb, &r),
			&r);
	assert_int_equal(r.rc, TR_OK);
	client_close(&f->loop, c);

	/* B leads now and has the row. */
	wait_leader(&f->loop, b.address, cli1, b.address);
	assert_int_equal(client_connect(&f->loop, b.address, cli1, &c), TR_OK);
	r = (struct rec){ 0 };
	r = run_request(&f->loop, cluster_client_open(c, "two", done_cb, &r),
			&r);
	assert_int_equal(r.rc, TR_OK);
	struct qrec q = query(&f->loop, c, "SELECT k, v FROM t");
	assert_int_equal(q.done.rc, TR_OK);
	assert_int_equal(q.rows, 1);
	assert_int_equal(q.k, 42);
	assert_string_equal(q.v, "replicated");
	/* A write on the new leader replicates back to A. */
	r = (struct rec){ 0 };
	r = run_request(
		&f->loop,
		cluster_client_exec_sql(c, "INSERT INTO t VALUES (43, 'back')",
					NULL, 0, done_cb, &r),
		&r);
	assert_int_equal(r.rc, TR_OK);
	client_close(&f->loop, c);

	proxy_stop(&f->loop, pa);
	proxy_stop(&f->loop, pb);
	tnode_stop(&b);
	tnode_stop(&a);
}

int test_proxy_run(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_admin_round_trip),
		T(test_joiner_gets_admin_only),
		T(test_foreign_ca_fails_handshake),
		T(test_unknown_magic_closes),
		T(test_legacy_dqlite_word_is_piped),
		T(test_admin_oversized_request_closes),
		T(test_drop_peer_closes_live_connections),
		T(test_stop_closes_connections_and_held_requests),
		T(test_client_over_tls_to_a_node),
		T(test_two_nodes_raft_over_mtls),
	};
#undef T
	return cmocka_run_group_tests_name("cluster_proxy", tests, group_setup,
					   group_teardown);
}
