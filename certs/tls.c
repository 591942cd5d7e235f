/*
 * certs/tls.c: the TLS contexts built from a node's certs directory.
 *
 * certs_pg_server_ctx() is the PostgreSQL listener's context (TLS 1.2 or
 * newer, forward-secret AEAD suites only, no compression, no renegotiation,
 * no session resumption, like PostgreSQL's be-secure-openssl.c).
 * certs_node_ctx() is the cluster port's mutual-TLS context (TLS 1.3 only,
 * security.md N7), usable as server or client.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "certs/certs_int.h"

/* TLS 1.2 suites: ECDHE for forward secrecy, AEAD ciphers only. */
#define TLS12_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL"

/* Options common to every context we build. */
static void set_common_options(SSL_CTX *ctx)
{
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
					 SSL_OP_NO_RENEGOTIATION |
					 SSL_OP_NO_TICKET |
					 SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* Every connection does a full handshake (and a full chain check). */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
}

/* Load @dir/@base.crt and .key into @ctx and check that they match. */
static int use_cert_and_key(SSL_CTX *ctx, const char *dir, const char *base,
			    char *errmsg)
{
	char path[CERTS_PATH_MAX];
	char name[32];
	int rv;

	snprintf(name, sizeof name, "%s.crt", base);
	rv = certs__path(path, sizeof path, dir, name, errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, path) != 1) {
		certs_ssl_error(errmsg, "load certificate");
		tr_errmsg_wrapf(errmsg, "%s", path);
		return TR_ETLS;
	}
	snprintf(name, sizeof name, "%s.key", base);
	rv = certs__path(path, sizeof path, dir, name, errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM) != 1) {
		certs_ssl_error(errmsg, "load private key");
		tr_errmsg_wrapf(errmsg, "%s", path);
		return TR_ETLS;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		certs_ssl_error(errmsg, "private key does not match");
		tr_errmsg_wrapf(errmsg, "%s", path);
		return TR_ETLS;
	}
	return TR_OK;
}

int certs_pg_server_ctx(const char *dir, SSL_CTX **out, char *errmsg)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	int rv;

	if (ctx == NULL) {
		return certs_ssl_error(errmsg, "SSL_CTX_new");
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1) {
		rv = certs_ssl_error(errmsg, "configure PostgreSQL TLS");
		goto err_after_ctx_new;
	}
	set_common_options(ctx);
	rv = use_cert_and_key(ctx, dir, "server", errmsg);
	if (rv != TR_OK) {
		goto err_after_ctx_new;
	}
	*out = ctx;
	return TR_OK;

err_after_ctx_new:
	SSL_CTX_free(ctx);
	return rv;
}

int certs_node_ctx(const char *dir, bool server, SSL_CTX **out, char *errmsg)
{
	char ca_path[CERTS_PATH_MAX];
	SSL_CTX *ctx;
	int rv;

	rv = certs__path(ca_path, sizeof ca_path, dir, "ca.crt", errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (ctx == NULL) {
		return certs_ssl_error(errmsg, "SSL_CTX_new");
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) {
		rv = certs_ssl_error(errmsg, "configure node TLS");
		goto err_after_ctx_new;
	}
	set_common_options(ctx);
	rv = use_cert_and_key(ctx, dir, "node", errmsg);
	if (rv != TR_OK) {
		goto err_after_ctx_new;
	}
	/* Trust only the cluster CA, never the system store. */
	if (SSL_CTX_load_verify_file(ctx, ca_path) != 1) {
		certs_ssl_error(errmsg, "load CA");
		tr_errmsg_wrapf(errmsg, "%s", ca_path);
		rv = TR_ETLS;
		goto err_after_ctx_new;
	}
	SSL_CTX_set_verify(
		ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify_depth(ctx, 2);
	*out = ctx;
	return TR_OK;

err_after_ctx_new:
	SSL_CTX_free(ctx);
	return rv;
}
