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
 * SHA-256 signatures and random, non-zero 63-bit serial numbers (they fit a
 * SQLite INTEGER, so the members table can record them for revocation).
 *
 * Joining (DESIGN.md section 6, security.md N1-N5), LXD style:
 *
 *   member (holds ca.key)                 joiner (empty data dir)
 *   certs_token_new, _encode   --token-->  certs_token_decode
 *   store certs_token_secret_hash          certs_join_client_ctx(fingerprint)
 *                                          certs_node_request, _server_request
 *   certs_node_ctx_optional_client  <--TLS 1.3, CA pinned, no client cert--
 *   certs_token_secret_matches             (secret + CSRs sent only after
 *   certs_sign_node_csr, _server_csr        the pin has been checked)
 *   certs_export_ca_key       --ca.crt, node.crt, server.crt, ca.key-->
 *                                          certs_install_node, _server,
 *                                          certs_install_ca_key
 *
 * Private keys of nodes never leave the node that generated them.  The CA
 * key is the one exception, by decision: every member holds ca.key so that
 * any member can issue tokens and sign joiners' certificates, and the
 * cluster keeps working after the loss of the bootstrap node (with one
 * issuing node, losing it would freeze membership until a CA rotation).
 * The member that serves a join sends ca.key in its last answer, once the
 * secret is proven and the joiner has been added to Raft, over the pinned
 * TLS 1.3 channel.  What a leaked ca.key buys is bounded by N3: a node is
 * accepted only if its (name, serial) is in the replicated members table,
 * so a certificate minted outside a join is refused; a suspected CA key
 * leak is answered by CA rotation (N6).
 */
#ifndef CERTS_CERTS_H
#define CERTS_CERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
 * as server and as client), and the peer's leaf must be a node certificate
 * (OU=node; a PostgreSQL server certificate of the same CA fails the
 * handshake, N2).  As a server it sends ca.crt after node.crt, so that a
 * joiner can pin the CA (certs_join_client_ctx()).  @server selects
 * TLS_server_method or TLS_client_method.  Identity checks beyond the
 * chain (name and serial in the membership table, revocation) belong to
 * the caller: see certs_peer_identity().  The caller owns the context
 * (SSL_CTX_free).
 */
TR_MUSTCHECK int certs_node_ctx(const char *dir, bool server, SSL_CTX **out,
				char *errmsg);

/*
 * Like certs_node_ctx(dir, true, ...), except that a client certificate is
 * requested but not required: the cluster port's listener uses it so that
 * a joiner, which has no certificate yet, can reach the join endpoint.  A
 * client that does present a certificate must still chain to ca.crt and be
 * a node certificate, or the handshake fails.
 *
 * The caller MUST classify every accepted connection with
 * certs_peer_identity() before reading application data:
 *   TR_OK          a member's certificate: look (name, serial) up in the
 *                  members table and close the connection unless it is a
 *                  current, unrevoked member (N3, N5); only then carry
 *                  dqlite, Raft or admin traffic.
 *   TR_ENOTFOUND   no certificate: the only thing allowed is the join
 *                  request (token secret, CSRs); anything else closes.
 *   anything else  close.
 */
TR_MUSTCHECK int certs_node_ctx_optional_client(const char *dir, SSL_CTX **out,
						char *errmsg);

/* Size of a node name buffer: 1 to 64 bytes (X.509 ub-common-name), NUL. */
#define CERTS_NAME_SIZE 65

/*
 * The identity of the peer of a completed handshake on a context from
 * certs_node_ctx() or certs_node_ctx_optional_client(): the common name of
 * its certificate into @name and its serial number into *@serial.
 * TR_ENOTFOUND when the peer sent no certificate; TR_ETLS when the chain
 * did not verify, the certificate is not a node certificate (OU=node), its
 * CN is empty or longer than 64 bytes or holds a NUL, or its serial does not
 * fit in 64 bits.  @name and *@serial are written only on TR_OK.  This says
 * who the CA vouched for; whether that node is still a member is the
 * caller's question (see certs_node_ctx_optional_client()).
 */
TR_MUSTCHECK int certs_peer_identity(SSL *ssl, char name[CERTS_NAME_SIZE],
				     uint64_t *serial, char *errmsg);

/*
 * The identity (CN and serial) of this node's own certificate, @dir/node.crt:
 * what peers see in certs_peer_identity() and what the members table
 * records.  TR_EIO if it cannot be read, TR_ETLS if it is no node
 * certificate.
 */
TR_MUSTCHECK int certs_node_identity(const char *dir,
				     char name[CERTS_NAME_SIZE],
				     uint64_t *serial, char *errmsg);

/*
 * A TLS 1.3 client context for a joiner's first contact with a member: no
 * client certificate, no trust store.  The handshake succeeds only if the
 * chain the server sends contains a certificate whose SHA-256 fingerprint
 * (certs_fingerprint_file() digits) is @ca_fingerprint, that certificate is
 * a CA, and the server's leaf is a node certificate (OU=node, serverAuth)
 * issued by it.  Otherwise the handshake fails with SSL_get_verify_result()
 * != X509_V_OK before the client has sent any application data (N4: the
 * joiner pins the fingerprint before sending anything).  No host name is
 * checked: the pinned CA and OU=node are the identity.  TR_EINVAL when
 * @ca_fingerprint is not 64 lower-case hex digits.  The caller owns *@out.
 */
TR_MUSTCHECK int certs_join_client_ctx(const char *ca_fingerprint,
				       SSL_CTX **out, char *errmsg);

/*
 * Join tokens (security.md N4).  A token is a single printable line (the
 * base64url form, no padding, of a versioned text: "triode-join-1" then one
 * "key=value" line per field) carrying what a joiner needs to find the
 * cluster, authenticate it and prove it was invited.
 */
#define CERTS_TOKEN_MAX_ADDRESSES 8
#define CERTS_ADDRESS_SIZE        64 /* "host:port", at most 63 bytes */
#define CERTS_SECRET_LEN          65 /* 32 random bytes as hex, NUL */
/* Longest encoded token, NUL included. */
#define CERTS_TOKEN_ENCODED_SIZE  1200

struct certs_token {
	char name[CERTS_NAME_SIZE]; /* the joiner's name, certs_name_is_valid */
	/* Cluster addresses of members: "host:port", host an IPv4 address,
	 * "[IPv6]" or a DNS name. */
	char addresses[CERTS_TOKEN_MAX_ADDRESSES][CERTS_ADDRESS_SIZE];
	unsigned n_addresses; /* 1 to CERTS_TOKEN_MAX_ADDRESSES */
	char fingerprint[CERTS_FINGERPRINT_LEN]; /* cluster CA, lower hex */
	char secret[CERTS_SECRET_LEN];           /* lower hex */
	int64_t expires_at;                      /* unix seconds, > 0 */
};

/*
 * A node name usable in a token and as a certificate CN: 1 to 64 bytes of
 * [A-Za-z0-9._-], starting with a letter or digit (so it is never taken
 * for a command-line option).
 */
bool certs_name_is_valid(const char *name);

/*
 * Fill @out with a new token for @name: @n addresses (1 to
 * CERTS_TOKEN_MAX_ADDRESSES, each "host:port"), the CA fingerprint, a secret
 * of 32 bytes from RAND_bytes and an expiry @ttl_seconds from now (1 s to
 * 366 days).  Everything is copied.  TR_EINVAL for a bad argument, TR_ETLS
 * when the random generator fails; @out is zeroed on failure.  The issuer
 * stores only certs_token_secret_hash(out->secret), then wipes @out.
 */
TR_MUSTCHECK int certs_token_new(const char *name, const char *const *addresses,
				 unsigned n, const char *ca_fingerprint,
				 int64_t ttl_seconds, struct certs_token *out,
				 char *errmsg);

/*
 * Encode @t into @out (@cap bytes; CERTS_TOKEN_ENCODED_SIZE is always
 * enough) as one NUL-terminated line of [A-Za-z0-9_-].  TR_EINVAL when a
 * field of @t is invalid (the encoder never produces a token the decoder
 * refuses), TR_ETOOBIG when @cap is too small.
 */
TR_MUSTCHECK int certs_token_encode(const struct certs_token *t, char *out,
				    size_t cap, char *errmsg);

/*
 * Decode and validate a token from untrusted @text.  Strict: at most
 * CERTS_TOKEN_ENCODED_SIZE - 1 characters, canonical base64url without
 * padding or whitespace, version "triode-join-1", fields in the order name,
 * address (1 to 8 times), fingerprint, secret, expires, each exactly once,
 * every value checked (see struct certs_token) and nothing else.  TR_EINVAL
 * with @errmsg saying which part is wrong; @t is zeroed on failure.  Expiry
 * is not checked here: see certs_token_is_expired().
 */
TR_MUSTCHECK int certs_token_decode(const char *text, struct certs_token *t,
				    char *errmsg);

/* True when @t has expired at unix time @now (expires_at <= now). */
bool certs_token_is_expired(const struct certs_token *t, int64_t now);

/*
 * Compare two 64-hex-digit secrets (or two secret hashes) in time that does
 * not depend on where they differ.  False when either is not exactly 64
 * characters long.
 */
bool certs_token_secret_matches(const char *a, const char *b);

/*
 * SHA-256 of the 64 characters of @secret, as 64 lower-case hex digits:
 * what the issuer stores, so that a copy of the internal database does not
 * hold usable secrets.  A joiner's secret is checked with
 * certs_token_secret_matches(hash of presented, stored hash).  TR_EINVAL
 * when @secret is not 64 lower-case hex digits.
 */
TR_MUSTCHECK int certs_token_secret_hash(const char *secret,
					 char out[CERTS_FINGERPRINT_LEN],
					 char *errmsg);

/* Longest certificate, CSR or key PEM the functions below accept. */
#define CERTS_PEM_MAX (16 * 1024)

/*
 * On a joiner: create @dir (0700, as certs_bootstrap()), generate a new EC
 * P-256 node.key there (0600, written atomically, replacing a key left by
 * an earlier, unfinished request) and return a PEM certificate signing
 * request for it in *@csr_pem (NUL-terminated, caller frees with tr_free).
 * @name (certs_name_is_valid) is put in the CSR subject for the record
 * only: the signer ignores it.  TR_EINVAL for a bad name or when
 * @dir/node.crt already exists (the node already has an identity); TR_EIO,
 * TR_ETLS, TR_ENOMEM otherwise.  On failure *@csr_pem is NULL.
 */
TR_MUSTCHECK int certs_node_request(const char *dir, const char *name,
				    char **csr_pem, char *errmsg);

/*
 * The same for the PostgreSQL listener: server.key and a CSR (subject CN
 * @host, or "localhost" when @host is NULL).  TR_EINVAL when
 * @dir/server.crt already exists or @host is invalid.
 */
TR_MUSTCHECK int certs_server_request(const char *dir, const char *host,
				      char **csr_pem, char *errmsg);

/*
 * On a member holding ca.crt and ca.key in @ca_dir: issue a node
 * certificate for the key in @csr_pem (at most CERTS_PEM_MAX bytes, one
 * PEM CSR).  The CSR's self-signature must verify and its key must be EC
 * P-256; everything else in it (subject, requested extensions) is ignored.
 * The certificate is what certs_bootstrap() issues: CN = @name (the
 * token's name, certs_name_is_valid, never the CSR's claim), OU=node,
 * serverAuth + clientAuth, SANs for @host (IP or DNS, as certs_bootstrap(),
 * NULL for none) and localhost, 127.0.0.1, ::1, a random 63-bit serial
 * returned in *@serial (record it in the members table), validity as for
 * bootstrap, capped at the CA's.  *@cert_pem is NUL-terminated PEM, caller
 * frees with tr_free.  TR_EINVAL for bad arguments or a CSR that does not
 * parse, verify or carry a P-256 key; TR_ETOOBIG when @csr_pem is too
 * long; TR_EIO / TR_ETLS when ca.crt or ca.key cannot be loaded (also when
 * this node holds no ca.key).  On failure *@cert_pem is NULL.
 */
TR_MUSTCHECK int certs_sign_node_csr(const char *ca_dir, const char *csr_pem,
				     const char *name, const char *host,
				     char **cert_pem, uint64_t *serial,
				     char *errmsg);

/*
 * The same for a joiner's PostgreSQL server certificate: CN = @host (or
 * "localhost"), OU=postgres, serverAuth only, SANs as above.
 */
TR_MUSTCHECK int certs_sign_server_csr(const char *ca_dir, const char *csr_pem,
				       const char *host, char **cert_pem,
				       uint64_t *serial, char *errmsg);

/*
 * On a joiner, after certs_node_request(): check that @cert_pem is a node
 * certificate for @dir/node.key issued by @ca_pem, that @ca_pem is a CA
 * certificate whose fingerprint is @ca_fingerprint (the token's pin; NULL
 * skips this check only for callers that already checked it), then write
 * ca.crt (unless an identical one is there; a different one is TR_EINVAL)
 * and node.crt atomically (0644) and fsync @dir.  TR_EINVAL when a check
 * fails, TR_ETOOBIG for an oversized PEM, TR_EIO for file errors.  Nothing
 * is written unless every check passed.
 */
TR_MUSTCHECK int certs_install_node(const char *dir, const char *ca_pem,
				    const char *cert_pem,
				    const char *ca_fingerprint, char *errmsg);

/* The same for server.crt after certs_server_request() (OU=postgres). */
TR_MUSTCHECK int certs_install_server(const char *dir, const char *ca_pem,
				      const char *cert_pem,
				      const char *ca_fingerprint, char *errmsg);

/*
 * The CA private key of this member as PEM in *@key_pem (caller wipes with
 * OPENSSL_cleanse and frees with tr_free), to send to a joiner (see the
 * decision at the top of this file).  TR_ENOTFOUND when @dir has no ca.key.
 */
TR_MUSTCHECK int certs_export_ca_key(const char *dir, char **key_pem,
				     char *errmsg);

/*
 * On a joiner, after certs_install_node(): check that @key_pem (at most
 * CERTS_PEM_MAX bytes) is the private key of @dir/ca.crt and write it to
 * @dir/ca.key (0600, atomically).  TR_EINVAL when it does not match.
 */
TR_MUSTCHECK int certs_install_ca_key(const char *dir, const char *key_pem,
				      char *errmsg);

/*
 * Drain OpenSSL's thread-local error queue into @errmsg after the text
 * "@what: " (so the queue is empty afterwards, as STYLE.md asks at the
 * boundary).  Always returns TR_ETLS, for `return certs_ssl_error(...)`.
 */
int certs_ssl_error(char *errmsg, const char *what);

#endif /* CERTS_CERTS_H */
