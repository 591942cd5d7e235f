/*
 * certs/certs.h: the cluster CA, node and PostgreSQL server certificates,
 * and the TLS contexts built from them (OpenSSL 3).
 *
 * Files in a node's certs directory (keys are created 0600):
 *   ca.crt, ca.key          cluster CA (ca.key only on nodes that issue)
 *   node.crt, node.key      this node's identity on the cluster port
 *   server.crt, server.key  the PostgreSQL listener's certificate
 */
#ifndef CERTS_CERTS_H
#define CERTS_CERTS_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "base/base.h"

/* SHA-256 fingerprint text: 64 lower-case hex digits and a NUL. */
#define CERTS_FINGERPRINT_LEN 65

/*
 * Create, in @dir (created 0700 if missing), a new cluster CA and, signed
 * by it, a node certificate (CN = @node_name) and a PostgreSQL server
 * certificate, both with SANs for @host (an IP address or DNS name) and
 * "localhost"/127.0.0.1.  Files that already exist are left alone, so the
 * call is idempotent.  Keys are EC P-256.  Fail-fast: @errmsg
 * (TR_ERRMSG_SIZE bytes) says why.
 */
TR_MUSTCHECK int certs_bootstrap(const char *dir, const char *node_name,
				 const char *host, char *errmsg);

/*
 * A server SSL_CTX for the PostgreSQL listener: TLS 1.2 or newer, the
 * certificate and key from @dir/server.crt and server.key.  The caller owns
 * the context (SSL_CTX_free).
 */
TR_MUSTCHECK int certs_pg_server_ctx(const char *dir, SSL_CTX **out,
				     char *errmsg);

/* SHA-256 fingerprint of the DER form of the PEM certificate at @path. */
TR_MUSTCHECK int certs_fingerprint_file(const char *path,
					char out[CERTS_FINGERPRINT_LEN],
					char *errmsg);

#endif /* CERTS_CERTS_H */
