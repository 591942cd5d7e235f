/*
 * certs/tls.c: the TLS contexts built from a node's certs directory.
 *
 * certs_pg_server_ctx() is the PostgreSQL listener's context (TLS 1.2 or
 * newer, forward-secret AEAD suites only, no compression, no renegotiation,
 * no session resumption, like PostgreSQL's be-secure-openssl.c).
 * certs_node_ctx() is the cluster port's mutual-TLS context (TLS 1.3 only,
 * security.md N7), usable as server or client; it accepts only node leaves
 * (OU=node, N2).  certs_node_ctx_optional_client() is its server variant
 * that lets a joiner without a certificate in, and certs_peer_identity()
 * tells the caller which kind of peer it got.  certs_join_client_ctx() is
 * the joiner's side: no certificate, and the only trust anchor is the CA
 * certificate the server sends whose fingerprint is the token's pin.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

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

/*
 * Called by OpenSSL for each certificate of the peer's chain: on top of the
 * chain check, the leaf must be a node certificate (security.md N2), so a
 * PostgreSQL server certificate of the same CA is no identity here.
 */
static int node_verify_cb(int ok, X509_STORE_CTX *x)
{
	if (ok == 1 && X509_STORE_CTX_get_error_depth(x) == 0 &&
	    !certs__has_ou(X509_STORE_CTX_get_current_cert(x), "node")) {
		X509_STORE_CTX_set_error(x,
					 X509_V_ERR_APPLICATION_VERIFICATION);
		return 0;
	}
	return ok;
}

/*
 * The cluster port's context.  @verify_mode says whether a client
 * certificate is required (servers) or only requested.
 */
static int node_ctx(const char *dir, bool server, int verify_mode,
		    SSL_CTX **out, char *errmsg)
{
	char ca_path[CERTS_PATH_MAX];
	SSL_CTX *ctx;
	X509 *ca = NULL;
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
	/* Servers send the CA too: a joiner pins it by fingerprint. */
	if (server) {
		rv = certs__read_cert(ca_path, &ca, errmsg);
		if (rv != TR_OK) {
			goto err_after_ctx_new;
		}
		if (SSL_CTX_add1_chain_cert(ctx, ca) != 1) {
			rv = certs_ssl_error(errmsg, "add CA to the chain");
			goto err_after_ctx_new;
		}
		X509_free(ca);
		ca = NULL;
	}
	SSL_CTX_set_verify(ctx, verify_mode, node_verify_cb);
	SSL_CTX_set_verify_depth(ctx, 2);
	*out = ctx;
	return TR_OK;

err_after_ctx_new:
	X509_free(ca);
	SSL_CTX_free(ctx);
	return rv;
}

int certs_node_ctx(const char *dir, bool server, SSL_CTX **out, char *errmsg)
{
	return node_ctx(dir, server,
			SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, out,
			errmsg);
}

int certs_node_ctx_optional_client(const char *dir, SSL_CTX **out, char *errmsg)
{
	/* Without FAIL_IF_NO_PEER_CERT: none is fine, a bad one is not. */
	return node_ctx(dir, true, SSL_VERIFY_PEER, out, errmsg);
}

/* The identity of a node certificate: its one CN and its 64-bit serial. */
static int cert_identity(X509 *cert, char name[CERTS_NAME_SIZE],
			 uint64_t *serial, char *errmsg)
{
	X509_NAME *subject;
	ASN1_STRING *cn;
	uint64_t value;
	int i;
	int len;

	if (!certs__has_ou(cert, "node")) {
		tr_errmsg_printf(errmsg, "certificate is not a node "
					 "certificate");
		return TR_ETLS;
	}
	subject = X509_get_subject_name(cert);
	i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
	if (i < 0 ||
	    X509_NAME_get_index_by_NID(subject, NID_commonName, i) >= 0) {
		tr_errmsg_printf(errmsg, "certificate must have exactly one "
					 "common name");
		return TR_ETLS;
	}
	cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
	len = ASN1_STRING_length(cn);
	if (len <= 0 || len >= CERTS_NAME_SIZE ||
	    memchr(ASN1_STRING_get0_data(cn), '\0', (size_t)len) != NULL) {
		tr_errmsg_printf(errmsg, "certificate has an invalid common "
					 "name");
		return TR_ETLS;
	}
	if (ASN1_INTEGER_get_uint64(&value, X509_get0_serialNumber(cert)) !=
	    1) {
		ERR_clear_error();
		tr_errmsg_printf(errmsg, "certificate serial does not fit in "
					 "64 bits");
		return TR_ETLS;
	}
	memcpy(name, ASN1_STRING_get0_data(cn), (size_t)len);
	name[len] = '\0';
	*serial = value;
	return TR_OK;
}

int certs_peer_identity(SSL *ssl, char name[CERTS_NAME_SIZE], uint64_t *serial,
			char *errmsg)
{
	X509 *cert = SSL_get0_peer_certificate(ssl);
	if (cert == NULL) {
		tr_errmsg_printf(errmsg, "peer sent no certificate");
		return TR_ENOTFOUND;
	}
	/* With an optional client certificate OpenSSL reports X509_V_OK for
	 * none at all, hence the check above comes first. */
	if (!SSL_is_init_finished(ssl) ||
	    SSL_get_verify_result(ssl) != X509_V_OK) {
		tr_errmsg_printf(errmsg, "peer certificate not verified");
		return TR_ETLS;
	}
	int rv = cert_identity(cert, name, serial, errmsg);
	if (rv != TR_OK) {
		tr_errmsg_wrapf(errmsg, "peer");
	}
	return rv;
}

int certs_node_identity(const char *dir, char name[CERTS_NAME_SIZE],
			uint64_t *serial, char *errmsg)
{
	char path[CERTS_PATH_MAX];
	X509 *cert = NULL;
	snprintf(path, sizeof path, "%s/node.crt", dir);
	int rv = certs__read_cert(path, &cert, errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	rv = cert_identity(cert, name, serial, errmsg);
	X509_free(cert);
	return rv;
}

/*
 * The pinned CA fingerprint of a join client context lives in the
 * context's ex_data, freed with it.
 */
static CRYPTO_ONCE pin_once = CRYPTO_ONCE_STATIC_INIT;
static int pin_index = -1;

static void pin_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
		     long argl, void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	OPENSSL_free(ptr);
}

static void pin_init(void)
{
	pin_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, pin_free);
}

/*
 * Certificate verification of a join client context, in place of
 * X509_verify_cert: find the pinned CA among the certificates the server
 * sent, make it the only trust anchor and verify the chain with it (with
 * the "ssl_server" purpose OpenSSL has already set), then require a node
 * leaf.  Anything else fails the handshake before a byte of application
 * data goes out.
 */
static int pinned_verify(X509_STORE_CTX *x, void *arg)
{
	const char *pin = arg;
	STACK_OF(X509) *sent = X509_STORE_CTX_get0_untrusted(x);
	STACK_OF(X509) * anchors;
	X509 *anchor = NULL;
	char fp[CERTS_FINGERPRINT_LEN];
	char ignored[TR_ERRMSG_SIZE];
	int ok;

	for (int i = 0; sent != NULL && i < sk_X509_num(sent); i++) {
		X509 *c = sk_X509_value(sent, i);
		if (certs__fingerprint(c, fp, ignored) == TR_OK &&
		    strcmp(fp, pin) == 0) {
			anchor = c;
			break;
		}
	}
	if (anchor == NULL || X509_check_ca(anchor) == 0) {
		X509_STORE_CTX_set_error(x, X509_V_ERR_CERT_UNTRUSTED);
		return 0;
	}
	anchors = sk_X509_new_null();
	if (anchors == NULL || sk_X509_push(anchors, anchor) <= 0) {
		sk_X509_free(anchors);
		X509_STORE_CTX_set_error(x, X509_V_ERR_OUT_OF_MEM);
		return 0;
	}
	/* Borrowed by @x only for the call below. */
	X509_STORE_CTX_set0_trusted_stack(x, anchors);
	ok = X509_verify_cert(x);
	X509_STORE_CTX_set0_trusted_stack(x, NULL);
	sk_X509_free(anchors);
	if (ok != 1) {
		return 0;
	}
	if (!certs__has_ou(X509_STORE_CTX_get0_cert(x), "node")) {
		X509_STORE_CTX_set_error(x,
					 X509_V_ERR_APPLICATION_VERIFICATION);
		return 0;
	}
	return 1;
}

int certs_join_client_ctx(const char *ca_fingerprint, SSL_CTX **out,
			  char *errmsg)
{
	SSL_CTX *ctx;
	char *pin;

	if (ca_fingerprint == NULL ||
	    strnlen(ca_fingerprint, CERTS_FINGERPRINT_LEN) !=
		    CERTS_FINGERPRINT_LEN - 1 ||
	    strspn(ca_fingerprint, "0123456789abcdef") !=
		    CERTS_FINGERPRINT_LEN - 1) {
		tr_errmsg_printf(errmsg, "join: the CA fingerprint must be 64 "
					 "lower-case hex digits");
		return TR_EINVAL;
	}
	if (CRYPTO_THREAD_run_once(&pin_once, pin_init) != 1 || pin_index < 0) {
		return certs_ssl_error(errmsg, "ex_data index");
	}
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL) {
		return certs_ssl_error(errmsg, "SSL_CTX_new");
	}
	pin = OPENSSL_strdup(ca_fingerprint);
	if (pin == NULL || SSL_CTX_set_ex_data(ctx, pin_index, pin) != 1) {
		OPENSSL_free(pin);
		SSL_CTX_free(ctx);
		return certs_ssl_error(errmsg, "join: store the pin");
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) {
		SSL_CTX_free(ctx);
		return certs_ssl_error(errmsg, "configure join TLS");
	}
	set_common_options(ctx);
	SSL_CTX_set_cert_verify_callback(ctx, pinned_verify, pin);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_verify_depth(ctx, 2);
	*out = ctx;
	return TR_OK;
}
