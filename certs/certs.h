/*
 * certs/certs.h: the cluster CA, node and PostgreSQL server certificates,
 * and the TLS contexts built from them (OpenSSL 3).
 *
 * Files in a node's certs directory (keys are created 0600):
 *   ca.crt, ca.key          cluster CA (ca.key only on nodes that issue)
 *   node.crt, node.key      this node's identity on the cluster port
 *   server.crt, server.key  the PostgreSQL listener's certificate
 *
 * Trust planes (security.md N2): node certificates carry OU=node and both
 * serverAuth and clientAuth extended key usages; the PostgreSQL server
 * certificate carries OU=postgres and serverAuth only, so it can never act
 * as a client on the cluster port.  All certificates are EC P-256 with
 * SHA-256 signatures and random 127-bit serial numbers.
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
 * Create, in @dir (created 0700 if missing, tightened to 0700 if looser), a
 * new cluster CA and, signed by it, a node certificate (CN = @node_name, 1
 * to 64 bytes) and a PostgreSQL server certificate (CN = @host), both with
 * SANs for @host (an IP address or DNS name: letters, digits, '.', '-', ':';
 * NULL for none) and localhost, 127.0.0.1, ::1.  Files that already exist
 * are left alone, so the call is idempotent; a missing leaf certificate is
 * reissued when ca.key is present.  Each file is written atomically (temp
 * file, fsync, rename); a key left without its certificate by a crash is
 * replaced.  Keys are EC P-256, 0600; certificates 0644.  Strings are
 * borrowed for the call.  Returns TR_EINVAL for bad arguments, a
 * certificate without its key, or a missing certificate that cannot be
 * issued (no ca.key); TR_EIO for file errors; TR_ETLS for OpenSSL errors.
 * Fail-fast: @errmsg (TR_ERRMSG_SIZE bytes) says why.
 */
TR_MUSTCHECK int certs_bootstrap(const char *dir, const char *node_name,
				 const char *host, char *errmsg);

/*
 * A server SSL_CTX for the PostgreSQL listener: TLS 1.2 or newer (TLS 1.2
 * with ECDHE + AEAD suites only), no compression, renegotiation, tickets or
 * session cache; the certificate and key from @dir/server.crt and
 * server.key (checked to match).  No client certificates are requested.
 * On success *@out is set and the caller owns it (SSL_CTX_free); on failure
 * (TR_ETLS, TR_EINVAL) *@out is untouched and the OpenSSL error queue has
 * been drained into @errmsg.
 */
TR_MUSTCHECK int certs_pg_server_ctx(const char *dir, SSL_CTX **out,
				     char *errmsg);

/*
 * SHA-256 fingerprint of the DER form of the PEM certificate at @path, as
 * 64 lower-case hex digits without separators (the same digits as
 * `openssl x509 -noout -fingerprint -sha256`).  TR_EIO if the file cannot
 * be opened, TR_ETLS if it holds no certificate.
 */
TR_MUSTCHECK int certs_fingerprint_file(const char *path,
					char out[CERTS_FINGERPRINT_LEN],
					char *errmsg);

/*
 * An SSL_CTX for node-to-node mutual TLS on the cluster port: TLS 1.3 only,
 * this node's certificate and key from @dir/node.crt and node.key, peers
 * verified against @dir/ca.crt and required to present a certificate (both
 * as server and as client).  @server selects TLS_server_method or
 * TLS_client_method.  Identity checks beyond the chain (name in the
 * membership table, revocation) belong to the caller.  The caller owns the
 * context (SSL_CTX_free).
 */
TR_MUSTCHECK int certs_node_ctx(const char *dir, bool server, SSL_CTX **out,
				char *errmsg);

/*
 * Drain OpenSSL's thread-local error queue into @errmsg after the text
 * "@what: " (so the queue is empty afterwards, as STYLE.md asks at the
 * boundary).  Always returns TR_ETLS, for `return certs_ssl_error(...)`.
 */
int certs_ssl_error(char *errmsg, const char *what);

#endif /* CERTS_CERTS_H */
