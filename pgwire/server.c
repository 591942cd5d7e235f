/*
 * pgwire/server.c: the listener, the registry of live sessions (for
 * max_connections and CancelRequest lookup) and the stop protocol.
 *
 * Happy path: pgwire_server_new copies the config, pgwire_server_start
 * binds and listens, each accepted socket becomes a session (conn.c).
 * pgwire_server_stop closes the listener and ends every session; when the
 * listener's close callback has run and the last session is freed, the stop
 * callback runs and the server is freed.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "pgwire/pgwire_int.h"

static void on_connection(uv_stream_t *listener, int status)
{
	struct pgwire_server *server = listener->data;
	if (status < 0) {
		tr_warn(PGWIRE_COMPONENT, "listen: %s", uv_strerror(status));
		return;
	}
	if (server->stopping) {
		return;
	}
	pgwire__conn_accept(server);
}

int pgwire_server_new(uv_loop_t *loop, const struct pgwire_config *cfg,
		      struct pgwire_server **out)
{
	if (loop == NULL || cfg == NULL || cfg->exec == NULL ||
	    cfg->exec->auth_lookup == NULL || cfg->exec->session_open == NULL ||
	    cfg->exec->query == NULL || cfg->exec->cancel == NULL ||
	    cfg->exec->resume == NULL || cfg->exec->session_close == NULL ||
	    (cfg->tls_required && cfg->tls == NULL)) {
		return TR_EINVAL;
	}
	struct pgwire_server *s = tr_calloc(1, sizeof *s);
	if (s == NULL) {
		return TR_ENOMEM;
	}
	s->loop = loop;
	s->cfg = *cfg;
	s->cfg.host = tr_strdup(cfg->host != NULL ? cfg->host : "127.0.0.1");
	s->cfg.server_version = tr_strdup(
		cfg->server_version != NULL ? cfg->server_version : "16.0");
	s->cfg.timezone = tr_strdup(cfg->timezone != NULL ? cfg->timezone
							  : "UTC");
	if (s->cfg.max_msg_len == 0) {
		s->cfg.max_msg_len = PGWIRE_DEFAULT_MAX_MSG_LEN;
	}
	if (s->cfg.max_connections == 0) {
		s->cfg.max_connections = 100;
	}
	if (s->cfg.auth_timeout_ms == 0) {
		s->cfg.auth_timeout_ms = 60000;
	}
	tr_queue_init(&s->sessions);
	/* Backend pids start at a random point so they say little about
	 * how many clients came before. */
	uint16_t start = 0;
	if (RAND_bytes(s->mock_secret, sizeof s->mock_secret) != 1 ||
	    RAND_bytes((unsigned char *)&start, sizeof start) != 1) {
		goto err_after_alloc;
	}
	s->next_id = 1000u + start;
	if (s->cfg.host == NULL || s->cfg.server_version == NULL ||
	    s->cfg.timezone == NULL) {
		goto err_after_alloc;
	}
	/* The listener handle exists from here on, so that stop always has
	 * a close callback to finish on, started or not. */
	uv_tcp_init(loop, &s->listener);
	s->listener.data = s;
	*out = s;
	return TR_OK;

err_after_alloc:
	tr_free((char *)s->cfg.host);
	tr_free((char *)s->cfg.server_version);
	tr_free((char *)s->cfg.timezone);
	tr_free(s);
	return TR_ENOMEM;
}

int pgwire_server_start(struct pgwire_server *server)
{
	struct sockaddr_storage addr;
	int rv;
	if (uv_ip4_addr(server->cfg.host, server->cfg.port,
			(struct sockaddr_in *)&addr) != 0 &&
	    uv_ip6_addr(server->cfg.host, server->cfg.port,
			(struct sockaddr_in6 *)&addr) != 0) {
		tr_errmsg_printf(server->errmsg, "invalid listen address %s",
				 server->cfg.host);
		return TR_EINVAL;
	}
	if (server->listening || server->stopping) {
		tr_errmsg_printf(server->errmsg, "already started or stopped");
		return TR_EINVAL;
	}
	server->listening = true;
	rv = uv_tcp_bind(&server->listener, (const struct sockaddr *)&addr, 0);
	if (rv == 0) {
		rv = uv_listen((uv_stream_t *)&server->listener, 128,
			       on_connection);
	}
	if (rv != 0) {
		tr_errmsg_printf(server->errmsg, "listen on %s:%d: %s",
				 server->cfg.host, server->cfg.port,
				 uv_strerror(rv));
		return TR_EIO;
	}
	int len = sizeof addr;
	rv = uv_tcp_getsockname(&server->listener, (struct sockaddr *)&addr,
				&len);
	if (rv == 0) {
		server->port = addr.ss_family == AF_INET6
				       ? ntohs(((struct sockaddr_in6 *)&addr)
						       ->sin6_port)
				       : ntohs(((struct sockaddr_in *)&addr)
						       ->sin_port);
	}
	tr_info(PGWIRE_COMPONENT, "listening on %s:%d", server->cfg.host,
		server->port);
	return TR_OK;
}

int pgwire_server_port(const struct pgwire_server *server)
{
	return server->port;
}

const char *pgwire_server_errmsg(const struct pgwire_server *server)
{
	return server->errmsg;
}

static void server_free(struct pgwire_server *server)
{
	tr_free((char *)server->cfg.host);
	tr_free((char *)server->cfg.server_version);
	tr_free((char *)server->cfg.timezone);
	OPENSSL_cleanse(server->mock_secret, sizeof server->mock_secret);
	tr_free(server);
}

static void maybe_finish_stop(struct pgwire_server *server)
{
	if (!server->stopping || !server->listener_closed ||
	    server->n_sessions > 0) {
		return;
	}
	pgwire_server_close_cb cb = server->stop_cb;
	if (cb != NULL) {
		cb(server);
	}
	server_free(server);
}

static void on_listener_close(uv_handle_t *h)
{
	struct pgwire_server *server = h->data;
	server->listener_closed = true;
	maybe_finish_stop(server);
}

void pgwire__server_session_gone(struct pgwire_server *server,
				 struct pgwire_session *s)
{
	tr_queue_remove(&s->link);
	server->n_sessions--;
	maybe_finish_stop(server);
}

struct pgwire_session *pgwire__server_find_cancel(struct pgwire_server *server,
						  uint32_t pid, uint32_t key)
{
	struct tr_queue *q;
	TR_QUEUE_FOREACH (q, &server->sessions) {
		struct pgwire_session *s = TR_QUEUE_DATA(
			q, struct pgwire_session, link);
		if (s->id != pid) {
			continue;
		}
		/* Compare the secret in constant time (security F12). */
		uint8_t a[4];
		uint8_t b[4];
		for (int i = 0; i < 4; i++) {
			a[i] = (uint8_t)(s->cancel_key >> (8 * i));
			b[i] = (uint8_t)(key >> (8 * i));
		}
		return CRYPTO_memcmp(a, b, sizeof a) == 0 ? s : NULL;
	}
	return NULL;
}

void pgwire_server_stop(struct pgwire_server *server, pgwire_server_close_cb cb)
{
	struct tr_queue *q;
	if (server->stopping) {
		return;
	}
	server->stopping = true;
	server->stop_cb = cb;
	/* Stop sessions first: conn_stop never frees synchronously, so the
	 * walk is safe. */
	TR_QUEUE_FOREACH (q, &server->sessions) {
		struct pgwire_session *s = TR_QUEUE_DATA(
			q, struct pgwire_session, link);
		pgwire__conn_stop(s);
	}
	uv_close((uv_handle_t *)&server->listener, on_listener_close);
}
