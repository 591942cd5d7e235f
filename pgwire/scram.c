/*
 * pgwire/scram.c: SCRAM-SHA-256 server exchange (RFC 5802, RFC 7677) with
 * optional tls-server-end-point channel binding (RFC 5929), and the
 * verifier format PostgreSQL stores in pg_authid:
 *
 *   SCRAM-SHA-256$<iterations>:<b64 salt>$<b64 StoredKey>:<b64 ServerKey>
 *
 * The exchange (PostgreSQL docs, "SASL Authentication"):
 *
 *   C: n,,n=,r=<cnonce>                      (SASLInitialResponse)
 *   S: r=<cnonce><snonce>,s=<salt>,i=<iter>  (AuthenticationSASLContinue)
 *   C: c=biws,r=<nonce>,p=<proof>            (SASLResponse)
 *   S: v=<server signature>                  (AuthenticationSASLFinal)
 *
 * Unknown users get a mock exchange (PostgreSQL's scram_mock_salt): the salt
 * is an HMAC of the user name under a per-server secret, so that repeated
 * attempts see a stable salt, and the proof check always fails; the client
 * sees the same messages as for a wrong password.  Every string built here
 * goes through a bounded tr_buf (security F7); proofs are compared in
 * constant time.
 *
 * INTERFACE ROUTINES
 *   pgwire__scram_set_verifier / _set_mock   choose the secret
 *   pgwire__scram_first / _final             the two server steps
 *   pgwire__scram_keys, pgwire__hmac256      primitives (tests use them)
 *   pgwire_scram_verifier_make               public: new verifier
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "pgwire/pgwire_int.h"

void pgwire__scram_init(struct pgwire_scram *sc)
{
	memset(sc, 0, sizeof *sc);
}

void pgwire__scram_close(struct pgwire_scram *sc)
{
	tr_free(sc->salt_b64);
	tr_free(sc->gs2_header);
	tr_free(sc->client_first_bare);
	tr_free(sc->server_first);
	tr_free(sc->nonce);
	OPENSSL_cleanse(sc, sizeof *sc);
	pgwire__scram_init(sc);
}

int pgwire__hmac256(const uint8_t *key, size_t key_len, const void *msg,
		    size_t len, uint8_t out[PGWIRE_SCRAM_KEY_LEN])
{
	unsigned out_len = 0;
	if (key_len > INT_MAX ||
	    HMAC(EVP_sha256(), key, (int)key_len, msg, len, out, &out_len) ==
		    NULL ||
	    out_len != PGWIRE_SCRAM_KEY_LEN) {
		return TR_EINTERNAL;
	}
	return TR_OK;
}

void pgwire__b64_encode(const uint8_t *p, size_t n, struct tr_buf *out)
{
	if (n > INT_MAX / 2) {
		out->err = out->err != TR_OK ? out->err : TR_ETOOBIG;
		return;
	}
	size_t need = 4 * ((n + 2) / 3) + 1;
	if (!tr_buf_reserve(out, need)) {
		return;
	}
	int w = EVP_EncodeBlock(out->data + out->len, p, (int)n);
	out->len += (size_t)w;
	tr_buf_cstr(out);
}

long pgwire__b64_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
	uint8_t tmp[PGWIRE_SCRAM_MAX_FIELD];
	if (n % 4 != 0 || n / 4 * 3 > sizeof tmp) {
		return -1;
	}
	if (n == 0) {
		return 0;
	}
	size_t pad = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		bool ok = (ch >= 'A' && ch <= 'Z') ||
			  (ch >= 'a' && ch <= 'z') ||
			  (ch >= '0' && ch <= '9') || ch == '+' || ch == '/';
		if (ch == '=' && i >= n - 2) {
			pad++;
			continue;
		}
		/* Padding only at the very end; nothing after it. */
		if (!ok || pad > 0) {
			return -1;
		}
	}
	int w = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)n);
	if (w < 0 || (size_t)w < pad || (size_t)w - pad > cap) {
		return -1;
	}
	size_t len = (size_t)w - pad;
	memcpy(out, tmp, len);
	OPENSSL_cleanse(tmp, sizeof tmp);
	return (long)len;
}

int pgwire__scram_keys(const char *password, const uint8_t *salt,
		       size_t salt_len, int iterations,
		       uint8_t client_key[PGWIRE_SCRAM_KEY_LEN],
		       uint8_t stored_key[PGWIRE_SCRAM_KEY_LEN],
		       uint8_t server_key[PGWIRE_SCRAM_KEY_LEN])
{
	uint8_t salted[PGWIRE_SCRAM_KEY_LEN];
	int rv = TR_EINTERNAL;
	size_t pw_len = strlen(password);
	/* SaltedPassword := Hi(Normalize(password), salt, i).  SASLprep is
	 * the identity for ASCII passwords, which is all we accept for now. */
	if (pw_len > INT_MAX || salt_len > INT_MAX ||
	    PKCS5_PBKDF2_HMAC(password, (int)pw_len, salt, (int)salt_len,
			      iterations, EVP_sha256(), sizeof salted,
			      salted) != 1) {
		goto out;
	}
	if (pgwire__hmac256(salted, sizeof salted, "Client Key", 10,
			    client_key) != TR_OK ||
	    pgwire__hmac256(salted, sizeof salted, "Server Key", 10,
			    server_key) != TR_OK) {
		goto out;
	}
	if (SHA256(client_key, PGWIRE_SCRAM_KEY_LEN, stored_key) == NULL) {
		goto out;
	}
	rv = TR_OK;
out:
	OPENSSL_cleanse(salted, sizeof salted);
	return rv;
}

int pgwire_scram_verifier_make(const char *password, char *out, size_t cap)
{
	uint8_t salt[PGWIRE_SCRAM_SALT_LEN];
	uint8_t client_key[PGWIRE_SCRAM_KEY_LEN];
	uint8_t stored_key[PGWIRE_SCRAM_KEY_LEN];
	uint8_t server_key[PGWIRE_SCRAM_KEY_LEN];
	struct tr_buf b;
	int rv;
	if (password == NULL || out == NULL || cap < 200) {
		return TR_EINVAL;
	}
	if (RAND_bytes(salt, sizeof salt) != 1) {
		return TR_EINTERNAL;
	}
	rv = pgwire__scram_keys(password, salt, sizeof salt,
				PGWIRE_SCRAM_ITERATIONS, client_key, stored_key,
				server_key);
	if (rv != TR_OK) {
		return rv;
	}
	tr_buf_init(&b, cap - 1);
	tr_buf_printf(&b, "SCRAM-SHA-256$%d:", PGWIRE_SCRAM_ITERATIONS);
	pgwire__b64_encode(salt, sizeof salt, &b);
	tr_buf_put_str(&b, "$");
	pgwire__b64_encode(stored_key, sizeof stored_key, &b);
	tr_buf_put_str(&b, ":");
	pgwire__b64_encode(server_key, sizeof server_key, &b);
	rv = tr_buf_err(&b);
	if (rv == TR_OK) {
		memcpy(out, b.data, b.len);
		out[b.len] = '\0';
	}
	tr_buf_close(&b);
	OPENSSL_cleanse(client_key, sizeof client_key);
	return rv;
}

int pgwire__scram_set_verifier(struct pgwire_scram *sc, const char *verifier)
{
	static const char prefix[] = "SCRAM-SHA-256$";
	uint8_t salt[PGWIRE_SCRAM_MAX_FIELD];
	const char *p = verifier;
	char *end;
	if (strncmp(p, prefix, sizeof prefix - 1) != 0) {
		return TR_EINVAL;
	}
	p += sizeof prefix - 1;
	if (*p < '1' || *p > '9') {
		return TR_EINVAL;
	}
	long iter = strtol(p, &end, 10);
	if (*end != ':' || iter < 1 || iter > INT_MAX) {
		return TR_EINVAL;
	}
	p = end + 1;
	const char *dollar = strchr(p, '$');
	if (dollar == NULL) {
		return TR_EINVAL;
	}
	long salt_len = pgwire__b64_decode(p, (size_t)(dollar - p), salt,
					   sizeof salt);
	if (salt_len <= 0) {
		return TR_EINVAL;
	}
	const char *keys = dollar + 1;
	const char *colon = strchr(keys, ':');
	if (colon == NULL ||
	    pgwire__b64_decode(keys, (size_t)(colon - keys), sc->stored_key,
			       sizeof sc->stored_key) != PGWIRE_SCRAM_KEY_LEN ||
	    pgwire__b64_decode(colon + 1, strlen(colon + 1), sc->server_key,
			       sizeof sc->server_key) != PGWIRE_SCRAM_KEY_LEN) {
		return TR_EINVAL;
	}
	tr_free(sc->salt_b64);
	sc->salt_b64 = tr_strndup(p, (size_t)(dollar - p));
	if (sc->salt_b64 == NULL) {
		return TR_ENOMEM;
	}
	sc->iterations = (int)iter;
	sc->mock = false;
	return TR_OK;
}

int pgwire__scram_set_mock(struct pgwire_scram *sc, const char *user,
			   const uint8_t *secret, size_t secret_len)
{
	uint8_t mac[PGWIRE_SCRAM_KEY_LEN];
	struct tr_buf b;
	int rv = pgwire__hmac256(secret, secret_len, user, strlen(user), mac);
	if (rv != TR_OK) {
		return rv;
	}
	tr_buf_init(&b, 0);
	pgwire__b64_encode(mac, PGWIRE_SCRAM_SALT_LEN, &b);
	rv = tr_buf_err(&b);
	if (rv == TR_OK) {
		tr_free(sc->salt_b64);
		sc->salt_b64 = tr_strdup(tr_buf_cstr(&b));
		rv = sc->salt_b64 == NULL ? TR_ENOMEM : TR_OK;
	}
	tr_buf_close(&b);
	/* The keys stay random: the mock must fail even for a lucky proof. */
	if (RAND_bytes(sc->stored_key, sizeof sc->stored_key) != 1) {
		rv = rv == TR_OK ? TR_EINTERNAL : rv;
	}
	sc->iterations = PGWIRE_SCRAM_ITERATIONS;
	sc->mock = true;
	return rv;
}

/* printable = %x21-2B / %x2D-7E (RFC 5802): no comma, no space. */
static bool is_nonce(const char *s, size_t n)
{
	if (n == 0) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == ',') {
			return false;
		}
	}
	return true;
}

/* Copy @msg/@len into a NUL-terminated arena-free string; NULL if it holds
 * a NUL (not valid in any SCRAM message) or on OOM. */
static char *copy_msg(const uint8_t *msg, size_t len)
{
	if (len == 0 || len > PGWIRE_MAX_STARTUP_LEN ||
	    memchr(msg, '\0', len) != NULL) {
		return NULL;
	}
	return tr_strndup((const char *)msg, len);
}

int pgwire__scram_first(struct pgwire_scram *sc, const char *mech,
			const uint8_t *msg, size_t len,
			const char *server_nonce, struct tr_buf *out)
{
	char *m = copy_msg(msg, len);
	const char *p;
	int rv = TR_EPROTO;
	if (m == NULL) {
		return TR_EPROTO;
	}
	bool plus = strcmp(mech, PGWIRE_SCRAM_MECH_PLUS) == 0;
	if (!plus && strcmp(mech, PGWIRE_SCRAM_MECH) != 0) {
		goto out;
	}
	if (plus && !sc->offered_plus) {
		goto out;
	}
	/* gs2-header = gs2-cbind-flag "," [ authzid ] "," */
	p = m;
	if (plus) {
		static const char want[] = "p=tls-server-end-point,";
		if (strncmp(p, want, sizeof want - 1) != 0) {
			goto out;
		}
		p += sizeof want - 1;
	} else if (p[0] == 'n' && p[1] == ',') {
		p += 2;
	} else if (p[0] == 'y' && p[1] == ',') {
		/* "y": the client supports channel binding but thinks we do
		 * not.  If we did offer it, someone stripped it (RFC 5802
		 * section 6): refuse. */
		if (sc->offered_plus) {
			goto out;
		}
		p += 2;
	} else {
		goto out;
	}
	if (*p != ',') { /* an authzid, which PostgreSQL does not support */
		goto out;
	}
	p++;
	sc->plus = plus;
	sc->gs2_header = tr_strndup(m, (size_t)(p - m));
	/* client-first-message-bare = [reserved-mext ","] username ","
	 * nonce ["," extensions] */
	sc->client_first_bare = tr_strdup(p);
	if (sc->gs2_header == NULL || sc->client_first_bare == NULL) {
		rv = TR_ENOMEM;
		goto out;
	}
	if (strncmp(p, "n=", 2) != 0) {
		goto out;
	}
	p = strchr(p, ',');
	if (p == NULL || strncmp(p, ",r=", 3) != 0) {
		goto out;
	}
	p += 3;
	size_t cnonce_len = strcspn(p, ",");
	if (!is_nonce(p, cnonce_len) || cnonce_len > PGWIRE_SCRAM_MAX_FIELD) {
		goto out;
	}

	/* Server nonce: 18 random bytes, base64 (as PostgreSQL). */
	struct tr_buf snonce;
	tr_buf_init(&snonce, 0);
	if (server_nonce != NULL) {
		tr_buf_put_str(&snonce, server_nonce);
	} else {
		uint8_t raw[PGWIRE_SCRAM_NONCE_LEN];
		if (RAND_bytes(raw, sizeof raw) != 1) {
			tr_buf_close(&snonce);
			rv = TR_EINTERNAL;
			goto out;
		}
		pgwire__b64_encode(raw, sizeof raw, &snonce);
	}
	struct tr_buf nonce;
	tr_buf_init(&nonce, 0);
	tr_buf_put(&nonce, p, cnonce_len);
	tr_buf_put(&nonce, snonce.data, snonce.len);
	tr_buf_close(&snonce);
	if (tr_buf_err(&nonce) != TR_OK) {
		rv = tr_buf_err(&nonce);
		tr_buf_close(&nonce);
		goto out;
	}
	sc->nonce = tr_strdup(tr_buf_cstr(&nonce));
	tr_buf_close(&nonce);

	struct tr_buf sf;
	tr_buf_init(&sf, 0);
	tr_buf_printf(&sf, "r=%s,s=%s,i=%d", sc->nonce ? sc->nonce : "",
		      sc->salt_b64 ? sc->salt_b64 : "", sc->iterations);
	sc->server_first = tr_strdup(tr_buf_cstr(&sf));
	rv = tr_buf_err(&sf);
	tr_buf_close(&sf);
	if (rv == TR_OK && (sc->nonce == NULL || sc->server_first == NULL)) {
		rv = TR_ENOMEM;
	}
	if (rv == TR_OK) {
		tr_buf_put_str(out, sc->server_first);
		rv = tr_buf_err(out);
	}
out:
	tr_free(m);
	return rv;
}

int pgwire__scram_final(struct pgwire_scram *sc, const uint8_t *msg, size_t len,
			bool *ok, struct tr_buf *out)
{
	uint8_t proof[PGWIRE_SCRAM_KEY_LEN];
	uint8_t sig[PGWIRE_SCRAM_KEY_LEN];
	uint8_t client_key[PGWIRE_SCRAM_KEY_LEN];
	uint8_t stored[PGWIRE_SCRAM_KEY_LEN];
	struct tr_buf cb;
	struct tr_buf am;
	char *m = copy_msg(msg, len);
	int rv = TR_EPROTO;
	*ok = false;
	if (m == NULL) {
		return TR_EPROTO;
	}
	if (sc->server_first == NULL) {
		goto out;
	}
	tr_buf_init(&cb, 0);
	tr_buf_init(&am, 0);

	/* channel-binding = "c=" base64(gs2-header [cbind-data]) */
	const char *p = m;
	if (strncmp(p, "c=", 2) != 0) {
		goto out_bufs;
	}
	p += 2;
	size_t cb_len = strcspn(p, ",");
	{
		struct tr_buf raw;
		tr_buf_init(&raw, 0);
		tr_buf_put_str(&raw, sc->gs2_header);
		if (sc->plus) {
			tr_buf_put(&raw, sc->cbind_hash, sc->cbind_len);
		}
		pgwire__b64_encode(raw.data, raw.len, &cb);
		rv = tr_buf_err(&raw) != TR_OK ? tr_buf_err(&raw)
					       : tr_buf_err(&cb);
		tr_buf_close(&raw);
		if (rv != TR_OK) {
			goto out_bufs;
		}
		rv = TR_EPROTO;
	}
	if (cb_len != cb.len || memcmp(p, cb.data, cb_len) != 0) {
		goto out_bufs;
	}
	p += cb_len;
	/* nonce = "r=" c-nonce s-nonce: must be exactly ours. */
	if (strncmp(p, ",r=", 3) != 0) {
		goto out_bufs;
	}
	p += 3;
	size_t n_len = strcspn(p, ",");
	if (n_len != strlen(sc->nonce) || memcmp(p, sc->nonce, n_len) != 0) {
		goto out_bufs;
	}
	/* The proof is the last attribute; extensions may precede it. */
	const char *proof_attr = strstr(p, ",p=");
	if (proof_attr == NULL) {
		goto out_bufs;
	}
	const char *proof_b64 = proof_attr + 3;
	if (strchr(proof_b64, ',') != NULL ||
	    pgwire__b64_decode(proof_b64, strlen(proof_b64), proof,
			       sizeof proof) != PGWIRE_SCRAM_KEY_LEN) {
		goto out_bufs;
	}

	/* AuthMessage := client-first-message-bare + "," +
	 *                server-first-message + "," +
	 *                client-final-message-without-proof */
	tr_buf_put_str(&am, sc->client_first_bare);
	tr_buf_put_u8(&am, ',');
	tr_buf_put_str(&am, sc->server_first);
	tr_buf_put_u8(&am, ',');
	tr_buf_put(&am, m, (size_t)(proof_attr - m));
	if (tr_buf_err(&am) != TR_OK) {
		rv = tr_buf_err(&am);
		goto out_bufs;
	}
	/* ClientKey := ClientProof XOR HMAC(StoredKey, AuthMessage);
	 * accept iff H(ClientKey) == StoredKey, compared in constant time.
	 * The mock runs the same steps so timing does not tell. */
	rv = pgwire__hmac256(sc->stored_key, sizeof sc->stored_key, am.data,
			     am.len, sig);
	if (rv != TR_OK) {
		goto out_bufs;
	}
	for (size_t i = 0; i < sizeof proof; i++) {
		client_key[i] = proof[i] ^ sig[i];
	}
	if (SHA256(client_key, sizeof client_key, stored) == NULL) {
		rv = TR_EINTERNAL;
		goto out_bufs;
	}
	bool match = CRYPTO_memcmp(stored, sc->stored_key, sizeof stored) == 0;
	*ok = match && !sc->mock;
	if (*ok) {
		/* ServerSignature := HMAC(ServerKey, AuthMessage) */
		rv = pgwire__hmac256(sc->server_key, sizeof sc->server_key,
				     am.data, am.len, sig);
		if (rv != TR_OK) {
			*ok = false;
			goto out_bufs;
		}
		tr_buf_put_str(out, "v=");
		pgwire__b64_encode(sig, sizeof sig, out);
		rv = tr_buf_err(out);
	} else {
		rv = TR_OK;
	}
out_bufs:
	tr_buf_close(&cb);
	tr_buf_close(&am);
out:
	OPENSSL_cleanse(client_key, sizeof client_key);
	tr_free(m);
	return rv;
}

int pgwire__tls_end_point(SSL *ssl, uint8_t *out, unsigned *len)
{
	/* RFC 5929 section 4.1: hash the certificate with its signature's
	 * hash, upgrading MD5 and SHA-1 to SHA-256 (as PostgreSQL's
	 * be_tls_get_certificate_hash). */
	X509 *cert = SSL_get_certificate(ssl);
	int algo_nid;
	if (cert == NULL || !OBJ_find_sigid_algs(X509_get_signature_nid(cert),
						 &algo_nid, NULL)) {
		return TR_ETLS;
	}
	if (algo_nid == NID_md5 || algo_nid == NID_sha1) {
		algo_nid = NID_sha256;
	}
	const EVP_MD *md = EVP_get_digestbynid(algo_nid);
	if (md == NULL || X509_digest(cert, md, out, len) != 1) {
		return TR_ETLS;
	}
	return TR_OK;
}
