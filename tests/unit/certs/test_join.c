/*
 * Unit tests for the join side of certs/: tokens (round trip, every
 * malformed class, every truncation), secret comparison and hashing, the
 * CSR flow (request, sign, install, then real mTLS between the bootstrap
 * node and the joiner over BIO pairs), what the signer ignores and refuses,
 * the CA key hand-over, the pinned join context and peer identities.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/base.h"
#include "certs/certs.h"

#define HANDSHAKE_MAX_ROUNDS 64
#define FP_A                 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX_B                "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

struct fixture {
	char dir[64]; /* mkdtemp root, removed in teardown */
	char a[96];   /* bootstrap node "node1" (holds ca.key) */
	char b[96];   /* joiner */
	char c[96];   /* another cluster */
};

/* ---- helpers ---------------------------------------------------------- */

static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	if (d == NULL) {
		return;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0) {
			continue;
		}
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir,
				     e->d_name) >= sizeof path) {
			continue;
		}
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			remove_tree(path);
		} else {
			unlink(path);
		}
	}
	closedir(d);
	rmdir(dir);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (f == NULL) {
		return -1;
	}
	snprintf(f->dir, sizeof f->dir, "/tmp/triode-join-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->a, sizeof f->a, "%s/a", f->dir);
	snprintf(f->b, sizeof f->b, "%s/b", f->dir);
	snprintf(f->c, sizeof f->c, "%s/c", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	remove_tree(f->dir);
	free(f);
	/* Every API call leaves OpenSSL's error queue empty. */
	assert_int_equal(ERR_peek_error(), 0);
	return 0;
}

static void path_in(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);
	assert_true(n > 0 && (size_t)n < cap);
}

static bool exists_in(const char *dir, const char *name)
{
	char path[256];
	struct stat st;
	path_in(path, sizeof path, dir, name);
	return stat(path, &st) == 0;
}

static mode_t mode_of(const char *dir, const char *name)
{
	char path[256];
	struct stat st;
	path_in(path, sizeof path, dir, name);
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 0777;
}

static char *read_all(const char *dir, const char *name)
{
	char path[256];
	FILE *f;
	char *buf = calloc(1, 16384);
	size_t n;

	assert_non_null(buf);
	path_in(path, sizeof path, dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, 16383, f);
	fclose(f);
	assert_true(n > 0);
	return buf;
}

static X509 *load_cert(const char *dir, const char *name)
{
	char path[256];
	FILE *f;
	X509 *cert;

	path_in(path, sizeof path, dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(cert);
	return cert;
}

static X509 *parse_pem_cert(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *cert;
	assert_non_null(bio);
	cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	assert_non_null(cert);
	return cert;
}

static void cert_cn(X509 *cert, char *out, int cap)
{
	assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(cert),
					      NID_commonName, out, cap) > 0);
}

static uint64_t cert_serial(X509 *cert)
{
	uint64_t v;
	assert_int_equal(
		ASN1_INTEGER_get_uint64(&v, X509_get0_serialNumber(cert)), 1);
	return v;
}

static void bootstrap(const char *dir, const char *name)
{
	char errmsg[TR_ERRMSG_SIZE] = "";
	if (certs_bootstrap(dir, name, "127.0.0.1", errmsg) != TR_OK) {
		fail_msg("certs_bootstrap: %s", errmsg);
	}
}

static void fingerprint(const char *dir, char fp[CERTS_FINGERPRINT_LEN])
{
	char path[256];
	char errmsg[TR_ERRMSG_SIZE];
	path_in(path, sizeof path, dir, "ca.crt");
	assert_int_equal(certs_fingerprint_file(path, fp, errmsg), TR_OK);
}

/*
 * The whole join on the certificate side: node1 bootstraps @f->a, the
 * joiner @f->b requests, node1 signs for @name, the joiner installs node
 * and server certificates.  Returns the node certificate's serial.
 */
static uint64_t join(struct fixture *f, const char *name)
{
	char errmsg[TR_ERRMSG_SIZE] = "";
	char fp[CERTS_FINGERPRINT_LEN];
	char *csr = NULL;
	char *cert = NULL;
	char *ca_pem;
	uint64_t serial = 0;
	uint64_t server_serial = 0;

	bootstrap(f->a, "node1");
	fingerprint(f->a, fp);
	ca_pem = read_all(f->a, "ca.crt");

	if (certs_node_request(f->b, name, &csr, errmsg) != TR_OK) {
		fail_msg("certs_node_request: %s", errmsg);
	}
	if (certs_sign_node_csr(f->a, csr, name, "127.0.0.2", &cert, &serial,
				errmsg) != TR_OK) {
		fail_msg("certs_sign_node_csr: %s", errmsg);
	}
	if (certs_install_node(f->b, ca_pem, cert, fp, errmsg) != TR_OK) {
		fail_msg("certs_install_node: %s", errmsg);
	}
	tr_free(csr);
	tr_free(cert);

	if (certs_server_request(f->b, "127.0.0.2", &csr, errmsg) != TR_OK) {
		fail_msg("certs_server_request: %s", errmsg);
	}
	if (certs_sign_server_csr(f->a, csr, "127.0.0.2", &cert, &server_serial,
				  errmsg) != TR_OK) {
		fail_msg("certs_sign_server_csr: %s", errmsg);
	}
	if (certs_install_server(f->b, ca_pem, cert, fp, errmsg) != TR_OK) {
		fail_msg("certs_install_server: %s", errmsg);
	}
	assert_int_not_equal(serial, server_serial);
	tr_free(csr);
	tr_free(cert);
	free(ca_pem);
	return serial;
}

/*
 * Drive both ends of a handshake over a BIO pair, a bounded number of
 * rounds.  Returns true when both completed.
 */
static bool handshake(SSL *server, SSL *client)
{
	BIO *sb, *cb;
	bool s_done = false, c_done = false;

	assert_int_equal(BIO_new_bio_pair(&sb, 0, &cb, 0), 1);
	SSL_set_bio(server, sb, sb);
	SSL_set_bio(client, cb, cb);
	SSL_set_accept_state(server);
	SSL_set_connect_state(client);
	for (int i = 0; i < HANDSHAKE_MAX_ROUNDS && !(s_done && c_done); i++) {
		int rv;
		if (!c_done) {
			rv = SSL_do_handshake(client);
			if (rv == 1) {
				c_done = true;
			} else if (SSL_get_error(client, rv) !=
				   SSL_ERROR_WANT_READ) {
				return false;
			}
		}
		if (!s_done) {
			rv = SSL_do_handshake(server);
			if (rv == 1) {
				s_done = true;
			} else if (SSL_get_error(server, rv) !=
				   SSL_ERROR_WANT_READ) {
				return false;
			}
		}
	}
	return s_done && c_done;
}

static void ping_pong(SSL *s, SSL *c)
{
	char buf[8];
	assert_int_equal(SSL_write(c, "ping", 4), 4);
	assert_int_equal(SSL_read(s, buf, sizeof buf), 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(SSL_write(s, "pong", 4), 4);
	assert_int_equal(SSL_read(c, buf, sizeof buf), 4);
	assert_memory_equal(buf, "pong", 4);
}

/* Canonical unpadded base64url of @len bytes, for hand-made tokens. */
static void b64url(const void *data, size_t len, char *out, size_t cap)
{
	size_t n;
	assert_true((len + 2) / 3 * 4 + 1 <= cap);
	n = (size_t)EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	while (n > 0 && out[n - 1] == '=') {
		n--;
	}
	out[n] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (out[i] == '+') {
			out[i] = '-';
		} else if (out[i] == '/') {
			out[i] = '_';
		}
	}
}

static int decode_text(const char *text, struct certs_token *t, char *errmsg)
{
	char enc[4096];
	b64url(text, strlen(text), enc, sizeof enc);
	return certs_token_decode(enc, t, errmsg);
}

static void token_a(struct certs_token *t)
{
	const char *addrs[] = { "10.0.0.1:7441", "[::1]:7442",
				"db-2.example.org:7443" };
	char errmsg[TR_ERRMSG_SIZE] = "";
	if (certs_token_new("node2", addrs, 3, FP_A, 3 * 3600, t, errmsg) !=
	    TR_OK) {
		fail_msg("certs_token_new: %s", errmsg);
	}
}

/* ---- tokens ----------------------------------------------------------- */

static void test_token_round_trip(void **state)
{
	struct certs_token t, u;
	char enc[CERTS_TOKEN_ENCODED_SIZE];
	char errmsg[TR_ERRMSG_SIZE] = "";
	int64_t now = (int64_t)time(NULL);

	(void)state;
	token_a(&t);
	assert_string_equal(t.name, "node2");
	assert_int_equal(t.n_addresses, 3);
	assert_string_equal(t.addresses[1], "[::1]:7442");
	assert_string_equal(t.fingerprint, FP_A);
	assert_int_equal(strlen(t.secret), 64);
	assert_int_equal(strspn(t.secret, "0123456789abcdef"), 64);
	assert_true(t.expires_at >= now + 3 * 3600 - 5 &&
		    t.expires_at <= now + 3 * 3600 + 5);

	assert_int_equal(certs_token_encode(&t, enc, sizeof enc, errmsg),
			 TR_OK);
	/* One printable line of base64url. */
	assert_int_equal(strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
				     "opqrstuvwxyz0123456789-_"),
			 strlen(enc));
	assert_int_equal(certs_token_decode(enc, &u, errmsg), TR_OK);
	assert_string_equal(u.name, t.name);
	assert_int_equal(u.n_addresses, t.n_addresses);
	for (unsigned i = 0; i < t.n_addresses; i++) {
		assert_string_equal(u.addresses[i], t.addresses[i]);
	}
	assert_string_equal(u.fingerprint, t.fingerprint);
	assert_string_equal(u.secret, t.secret);
	assert_int_equal(u.expires_at, t.expires_at);
}

static void test_token_largest_fits(void **state)
{
	struct certs_token t, u;
	char enc[CERTS_TOKEN_ENCODED_SIZE];
	char errmsg[TR_ERRMSG_SIZE] = "";
	const char *addrs[CERTS_TOKEN_MAX_ADDRESSES];
	char addr[CERTS_ADDRESS_SIZE];
	char name[CERTS_NAME_SIZE];

	(void)state;
	/* 63-byte addresses, a 64-byte name, the longest expiry. */
	memset(addr, 'a', sizeof addr);
	memcpy(addr + 63 - 6, ":65535", 7);
	addr[20] = '.';
	addr[40] = '.';
	for (int i = 0; i < CERTS_TOKEN_MAX_ADDRESSES; i++) {
		addrs[i] = addr;
	}
	memset(name, 'n', sizeof name);
	name[CERTS_NAME_SIZE - 1] = '\0';
	assert_int_equal(certs_token_new(name, addrs, CERTS_TOKEN_MAX_ADDRESSES,
					 FP_A, 3600, &t, errmsg),
			 TR_OK);
	t.expires_at = INT64_MAX;
	assert_int_equal(certs_token_encode(&t, enc, sizeof enc, errmsg),
			 TR_OK);
	assert_int_equal(certs_token_decode(enc, &u, errmsg), TR_OK);
	assert_int_equal(u.expires_at, INT64_MAX);
	assert_int_equal(u.n_addresses, CERTS_TOKEN_MAX_ADDRESSES);
	/* A buffer one byte short is refused, not overrun. */
	assert_int_equal(certs_token_encode(&t, enc, strlen(enc), errmsg),
			 TR_ETOOBIG);
}

static void test_token_secrets_differ(void **state)
{
	struct certs_token t, u;
	(void)state;
	token_a(&t);
	token_a(&u);
	assert_string_not_equal(t.secret, u.secret);
}

static void test_token_new_rejects_bad_input(void **state)
{
	const char *good[] = { "10.0.0.1:7441" };
	const char *bad_addr[] = { "10.0.0.1" };
	const char *nine[9];
	struct certs_token t;
	char errmsg[TR_ERRMSG_SIZE];

	(void)state;
	for (int i = 0; i < 9; i++) {
		nine[i] = "10.0.0.1:7441";
	}
	assert_int_equal(
		certs_token_new("bad name", good, 1, FP_A, 60, &t, errmsg),
		TR_EINVAL);
	assert_int_equal(
		certs_token_new("node2", good, 0, FP_A, 60, &t, errmsg),
		TR_EINVAL);
	assert_int_equal(
		certs_token_new("node2", nine, 9, FP_A, 60, &t, errmsg),
		TR_EINVAL);
	assert_int_equal(
		certs_token_new("node2", bad_addr, 1, FP_A, 60, &t, errmsg),
		TR_EINVAL);
	assert_int_equal(
		certs_token_new("node2", good, 1, "ABCD", 60, &t, errmsg),
		TR_EINVAL);
	assert_int_equal(certs_token_new("node2", good, 1, FP_A, 0, &t, errmsg),
			 TR_EINVAL);
	assert_int_equal(certs_token_new("node2", good, 1, FP_A,
					 400LL * 24 * 3600, &t, errmsg),
			 TR_EINVAL);
	/* Nothing usable is left behind on failure. */
	assert_int_equal(t.secret[0], '\0');
}

static void test_token_every_truncation_fails(void **state)
{
	struct certs_token t, u;
	char enc[CERTS_TOKEN_ENCODED_SIZE];
	char errmsg[TR_ERRMSG_SIZE];
	size_t len;

	(void)state;
	token_a(&t);
	assert_int_equal(certs_token_encode(&t, enc, sizeof enc, errmsg),
			 TR_OK);
	len = strlen(enc);
	for (size_t n = 0; n < len; n++) {
		char prefix[CERTS_TOKEN_ENCODED_SIZE];
		memcpy(prefix, enc, n);
		prefix[n] = '\0';
		assert_int_equal(certs_token_decode(prefix, &u, errmsg),
				 TR_EINVAL);
		assert_int_equal(u.secret[0], '\0');
	}
}

static void test_token_bad_base64(void **state)
{
	struct certs_token t, u;
	char enc[CERTS_TOKEN_ENCODED_SIZE + 8];
	char copy[sizeof enc + 2]; /* room for one more character */
	char errmsg[TR_ERRMSG_SIZE];
	const char bad_chars[] = { '+', '/', '=', ' ', '\n', '.', '\x80' };
	size_t len;

	(void)state;
	assert_int_equal(certs_token_decode(NULL, &u, errmsg), TR_EINVAL);
	assert_int_equal(certs_token_decode("", &u, errmsg), TR_EINVAL);
	token_a(&t);
	assert_int_equal(certs_token_encode(&t, enc, sizeof enc, errmsg),
			 TR_OK);
	len = strlen(enc);
	for (size_t i = 0; i < sizeof bad_chars; i++) {
		strcpy(copy, enc);
		copy[len / 2] = bad_chars[i];
		assert_int_equal(certs_token_decode(copy, &u, errmsg),
				 TR_EINVAL);
		assert_non_null(strstr(errmsg, "base64url"));
	}
	/* Trailing whitespace or padding is not part of a token. */
	snprintf(copy, sizeof copy, "%s\n", enc);
	assert_int_equal(certs_token_decode(copy, &u, errmsg), TR_EINVAL);
	snprintf(copy, sizeof copy, "%s=", enc);
	assert_int_equal(certs_token_decode(copy, &u, errmsg), TR_EINVAL);
	/* Non-canonical: the unused bits of the last character set.  The
	 * text ends in '\n', so the last group is short or full; find a
	 * short one by encoding a text of length 1 mod 3. */
	assert_int_equal(certs_token_decode("QQ", &u, errmsg),
			 TR_EINVAL); /* "A": not a token either */
	assert_int_equal(certs_token_decode("QR", &u, errmsg), TR_EINVAL);
	assert_non_null(strstr(errmsg, "base64url"));
	/* Oversized input is refused before decoding. */
	memset(copy, 'A', CERTS_TOKEN_ENCODED_SIZE);
	copy[CERTS_TOKEN_ENCODED_SIZE] = '\0';
	assert_int_equal(certs_token_decode(copy, &u, errmsg), TR_EINVAL);
	assert_non_null(strstr(errmsg, "longer"));
}

/* A valid text form with one line replaced. */
static void text_with(char *out, size_t cap, const char *name_line,
		      const char *addr_lines, const char *fp_line,
		      const char *secret_line, const char *expires_line)
{
	int n = snprintf(out, cap, "triode-join-1\n%s%s%s%s%s", name_line,
			 addr_lines, fp_line, secret_line, expires_line);
	assert_true(n > 0 && (size_t)n < cap);
}

#define NAME_OK    "name=node2\n"
#define ADDR_OK    "address=10.0.0.1:7441\n"
#define FP_OK      "fingerprint=" FP_A "\n"
#define SECRET_OK  "secret=" HEX_B "\n"
#define EXPIRES_OK "expires=1900000000\n"

static void expect_bad(const char *text, const char *errpart)
{
	struct certs_token u;
	char errmsg[TR_ERRMSG_SIZE] = "";
	int rv = decode_text(text, &u, errmsg);
	if (rv != TR_EINVAL) {
		fail_msg("accepted: %s", text);
	}
	if (errpart != NULL && strstr(errmsg, errpart) == NULL) {
		fail_msg("errmsg \"%s\" lacks \"%s\"", errmsg, errpart);
	}
	assert_int_equal(u.name[0], '\0');
}

static void test_token_text_valid_baseline(void **state)
{
	struct certs_token u;
	char text[2048];
	char errmsg[TR_ERRMSG_SIZE] = "";

	(void)state;
	text_with(text, sizeof text, NAME_OK, ADDR_OK, FP_OK, SECRET_OK,
		  EXPIRES_OK);
	assert_int_equal(decode_text(text, &u, errmsg), TR_OK);
	assert_int_equal(u.expires_at, 1900000000);
}

static void test_token_bad_version(void **state)
{
	char text[2048];
	(void)state;
	snprintf(text, sizeof text,
		 "triode-join-2\n" NAME_OK ADDR_OK FP_OK SECRET_OK EXPIRES_OK);
	expect_bad(text, "unsupported version 2");
	snprintf(text, sizeof text,
		 "pgjoin-1\n" NAME_OK ADDR_OK FP_OK SECRET_OK EXPIRES_OK);
	expect_bad(text, "not a triode join token");
	expect_bad("triode-join-1", "not a triode join token");
	expect_bad("hello", "not a triode join token");
}

static void test_token_bad_fields(void **state)
{
	char text[4096];
	char line[512];
	char big[256];

	(void)state;
	/* Names: charset, leading character, length. */
	const char *bad_names[] = { "name=node 2\n", "name=-node\n",
				    "name=.node\n",  "name=n\xc3\xb6\n",
				    "name=\n",       "name=no/de\n",
				    "name=a\rb\n" };
	for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++) {
		text_with(text, sizeof text, bad_names[i], ADDR_OK, FP_OK,
			  SECRET_OK, EXPIRES_OK);
		expect_bad(text, "name");
	}
	memset(big, 'n', 65);
	big[65] = '\0';
	snprintf(line, sizeof line, "name=%s\n", big);
	text_with(text, sizeof text, line, ADDR_OK, FP_OK, SECRET_OK,
		  EXPIRES_OK);
	expect_bad(text, "name");

	/* Addresses. */
	const char *bad_addrs[] = {
		"address=10.0.0.1\n",       "address=10.0.0.1:0\n",
		"address=10.0.0.1:65536\n", "address=10.0.0.1:07441\n",
		"address=10.0.0.1:74x1\n",  "address=[::1:7441\n",
		"address=[zz]:7441\n",      "address=1.2.3:7441\n",
		"address=:7441\n",          "address=-host:7441\n",
		"address=host-:7441\n",     "address=a..b:7441\n",
		"address=a_b:7441\n",       "address=10.0.0.1:\n",
	};
	for (size_t i = 0; i < sizeof bad_addrs / sizeof *bad_addrs; i++) {
		text_with(text, sizeof text, NAME_OK, bad_addrs[i], FP_OK,
			  SECRET_OK, EXPIRES_OK);
		expect_bad(text, "address");
	}
	memset(big, 'h', 64);
	big[64] = '\0';
	snprintf(line, sizeof line, "address=%s:1\n", big);
	text_with(text, sizeof text, NAME_OK, line, FP_OK, SECRET_OK,
		  EXPIRES_OK);
	expect_bad(text, "address");
	/* No address at all; nine of them. */
	text_with(text, sizeof text, NAME_OK, "", FP_OK, SECRET_OK, EXPIRES_OK);
	expect_bad(text, "1 to 8 addresses");
	line[0] = '\0';
	for (int i = 0; i < 9; i++) {
		strcat(line, ADDR_OK);
	}
	text_with(text, sizeof text, NAME_OK, line, FP_OK, SECRET_OK,
		  EXPIRES_OK);
	expect_bad(text, "more than 8 addresses");

	/* Hex: case, alphabet, length. */
	const char *bad_fps[] = {
		"fingerprint=0123456789ABCDEF0123456789abcdef0123456789abcdef"
		"0123456789abcdef\n",
		"fingerprint=g123456789abcdef0123456789abcdef0123456789abcdef"
		"0123456789abcdef\n",
		"fingerprint=123456789abcdef0123456789abcdef0123456789abcdef"
		"0123456789abcdef\n",
		"fingerprint=00123456789abcdef0123456789abcdef0123456789abcdef"
		"0123456789abcdef\n",
		"fingerprint=01:23:45\n",
	};
	for (size_t i = 0; i < sizeof bad_fps / sizeof *bad_fps; i++) {
		text_with(text, sizeof text, NAME_OK, ADDR_OK, bad_fps[i],
			  SECRET_OK, EXPIRES_OK);
		expect_bad(text, "fingerprint");
	}
	text_with(text, sizeof text, NAME_OK, ADDR_OK, FP_OK,
		  "secret=" HEX_B "0\n", EXPIRES_OK);
	expect_bad(text, "secret");
	text_with(text, sizeof text, NAME_OK, ADDR_OK, FP_OK, "secret=xyz\n",
		  EXPIRES_OK);
	expect_bad(text, "secret");

	/* Expiry. */
	const char *bad_exp[] = { "expires=0\n",
				  "expires=-1\n",
				  "expires=01\n",
				  "expires=+5\n",
				  "expires=1e9\n",
				  "expires=\n",
				  "expires=9223372036854775808\n",
				  "expires=99999999999999999999\n" };
	for (size_t i = 0; i < sizeof bad_exp / sizeof *bad_exp; i++) {
		text_with(text, sizeof text, NAME_OK, ADDR_OK, FP_OK, SECRET_OK,
			  bad_exp[i]);
		expect_bad(text, "expiry");
	}
}

static void test_token_bad_structure(void **state)
{
	char text[4096];

	(void)state;
	/* Missing, duplicated, reordered and unknown fields. */
	text_with(text, sizeof text, NAME_OK, ADDR_OK, FP_OK, "", EXPIRES_OK);
	expect_bad(text, "secret");
	text_with(text, sizeof text, NAME_OK NAME_OK, ADDR_OK, FP_OK, SECRET_OK,
		  EXPIRES_OK);
	expect_bad(text, NULL);
	text_with(text, sizeof text, ADDR_OK, NAME_OK, FP_OK, SECRET_OK,
		  EXPIRES_OK);
	expect_bad(text, "name");
	text_with(text, sizeof text, NAME_OK, ADDR_OK, SECRET_OK, FP_OK,
		  EXPIRES_OK);
	expect_bad(text, "fingerprint");
	text_with(text, sizeof text, NAME_OK, ADDR_OK "role=voter\n", FP_OK,
		  SECRET_OK, EXPIRES_OK);
	expect_bad(text, "fingerprint");
	/* Trailing data, a missing final newline, an embedded NUL. */
	text_with(text, sizeof text, NAME_OK, ADDR_OK, FP_OK, SECRET_OK,
		  EXPIRES_OK "x");
	expect_bad(text, "after expiry");
	text_with(text, sizeof text, NAME_OK, ADDR_OK, FP_OK, SECRET_OK,
		  "expires=1900000000");
	expect_bad(text, "expiry");
	text_with(text, sizeof text, NAME_OK, ADDR_OK, FP_OK, SECRET_OK,
		  EXPIRES_OK EXPIRES_OK);
	expect_bad(text, "after expiry");
	{
		static const char nul[] = "triode-join-1\nname=no\0de\n" ADDR_OK
			FP_OK SECRET_OK EXPIRES_OK;
		struct certs_token u;
		char enc[2048];
		char errmsg[TR_ERRMSG_SIZE];
		b64url(nul, sizeof nul - 1, enc, sizeof enc);
		assert_int_equal(certs_token_decode(enc, &u, errmsg),
				 TR_EINVAL);
	}
	/* key without '=' and CRLF line ends. */
	snprintf(text, sizeof text,
		 "triode-join-1\nname node2\n" ADDR_OK FP_OK SECRET_OK
			 EXPIRES_OK);
	expect_bad(text, "name");
	snprintf(
		text, sizeof text,
		"triode-join-1\r\n" NAME_OK ADDR_OK FP_OK SECRET_OK EXPIRES_OK);
	expect_bad(text, NULL);
}

static void test_token_encode_refuses_invalid(void **state)
{
	struct certs_token t;
	char enc[CERTS_TOKEN_ENCODED_SIZE];
	char errmsg[TR_ERRMSG_SIZE];

	(void)state;
	token_a(&t);
	strcpy(t.name, "no de");
	assert_int_equal(certs_token_encode(&t, enc, sizeof enc, errmsg),
			 TR_EINVAL);
	token_a(&t);
	t.n_addresses = 0;
	assert_int_equal(certs_token_encode(&t, enc, sizeof enc, errmsg),
			 TR_EINVAL);
	token_a(&t);
	t.secret[3] = 'G';
	assert_int_equal(certs_token_encode(&t, enc, sizeof enc, errmsg),
			 TR_EINVAL);
}

static void test_token_expiry(void **state)
{
	struct certs_token t;
	(void)state;
	token_a(&t);
	assert_false(certs_token_is_expired(&t, t.expires_at - 1));
	assert_true(certs_token_is_expired(&t, t.expires_at));
	assert_true(certs_token_is_expired(&t, t.expires_at + 1));
	assert_false(certs_token_is_expired(&t, (int64_t)time(NULL)));
}

static void test_secret_matches(void **state)
{
	char other[65];

	(void)state;
	assert_true(certs_token_secret_matches(HEX_B, HEX_B));
	strcpy(other, HEX_B);
	other[63] = other[63] == '0' ? '1' : '0';
	assert_false(certs_token_secret_matches(HEX_B, other));
	strcpy(other, HEX_B);
	other[0] = 'a';
	assert_false(certs_token_secret_matches(HEX_B, other));
	/* A prefix or an extension never matches. */
	strcpy(other, HEX_B);
	other[32] = '\0';
	assert_false(certs_token_secret_matches(HEX_B, other));
	assert_false(certs_token_secret_matches(other, other));
	assert_false(certs_token_secret_matches(HEX_B, HEX_B "0"));
	assert_false(certs_token_secret_matches(NULL, HEX_B));
	assert_false(certs_token_secret_matches("", ""));
}

static void test_secret_hash(void **state)
{
	char zeros[65];
	char h1[CERTS_FINGERPRINT_LEN], h2[CERTS_FINGERPRINT_LEN];
	char errmsg[TR_ERRMSG_SIZE];
	struct certs_token t;

	(void)state;
	memset(zeros, '0', 64);
	zeros[64] = '\0';
	/* printf '%064d' 0 | sha256sum */
	assert_int_equal(certs_token_secret_hash(zeros, h1, errmsg), TR_OK);
	assert_string_equal(h1, "60e05bd1b195af2f94112fa7197a5c88289058840ce7c"
				"6df9693756bc6250f55");
	/* The issuer's stored hash against a joiner's presented secret. */
	token_a(&t);
	assert_int_equal(certs_token_secret_hash(t.secret, h1, errmsg), TR_OK);
	assert_int_equal(certs_token_secret_hash(t.secret, h2, errmsg), TR_OK);
	assert_true(certs_token_secret_matches(h1, h2));
	assert_false(certs_token_secret_matches(h1, t.secret));
	assert_int_equal(certs_token_secret_hash(HEX_B, h2, errmsg), TR_OK);
	assert_false(certs_token_secret_matches(h1, h2));
	assert_int_equal(certs_token_secret_hash("abc", h2, errmsg), TR_EINVAL);
}

static void test_name_is_valid(void **state)
{
	char name[CERTS_NAME_SIZE + 1];

	(void)state;
	assert_true(certs_name_is_valid("node1"));
	assert_true(certs_name_is_valid("db-2.rack_3"));
	assert_true(certs_name_is_valid("9"));
	assert_false(certs_name_is_valid(""));
	assert_false(certs_name_is_valid("-x"));
	assert_false(certs_name_is_valid("_x"));
	assert_false(certs_name_is_valid("a b"));
	assert_false(certs_name_is_valid("a,b"));
	memset(name, 'n', CERTS_NAME_SIZE);
	name[CERTS_NAME_SIZE - 1] = '\0';
	assert_true(certs_name_is_valid(name)); /* 64 bytes */
	name[CERTS_NAME_SIZE - 1] = 'n';
	name[CERTS_NAME_SIZE] = '\0';
	assert_false(certs_name_is_valid(name)); /* 65 bytes */
}

/* ---- CSR flow --------------------------------------------------------- */

static void test_join_files_and_modes(void **state)
{
	struct fixture *f = *state;
	X509 *ca, *node, *server;
	uint64_t serial;
	char cn[128];

	serial = join(f, "node2");
	assert_int_equal(mode_of(f->b, "."), 0700);
	assert_int_equal(mode_of(f->b, "node.key"), 0600);
	assert_int_equal(mode_of(f->b, "server.key"), 0600);
	assert_int_equal(mode_of(f->b, "node.crt"), 0644);
	assert_int_equal(mode_of(f->b, "ca.crt"), 0644);
	assert_false(exists_in(f->b, "ca.key"));
	assert_false(exists_in(f->b, "node.key.tmp"));

	ca = load_cert(f->b, "ca.crt");
	node = load_cert(f->b, "node.crt");
	server = load_cert(f->b, "server.crt");
	assert_int_equal(cert_serial(node), serial);
	assert_true(serial != 0 && serial <= (uint64_t)INT64_MAX);
	cert_cn(node, cn, sizeof cn);
	assert_string_equal(cn, "node2");
	cert_cn(server, cn, sizeof cn);
	assert_string_equal(cn, "127.0.0.2");
	/* Node EKU as bootstrap's: both; server: serverAuth only. */
	assert_int_equal(X509_check_purpose(node, X509_PURPOSE_SSL_CLIENT, 0),
			 1);
	assert_int_equal(X509_check_purpose(node, X509_PURPOSE_SSL_SERVER, 0),
			 1);
	assert_int_equal(X509_check_purpose(server, X509_PURPOSE_SSL_CLIENT, 0),
			 0);
	/* The joiner's SAN and the loopback names. */
	assert_int_equal(X509_check_ip_asc(node, "127.0.0.2", 0), 1);
	assert_int_equal(X509_check_ip_asc(node, "127.0.0.1", 0), 1);
	assert_int_equal(X509_check_host(node, "localhost", 0, 0, NULL), 1);
	assert_int_equal(X509_check_ip_asc(server, "127.0.0.2", 0), 1);
	/* Not valid beyond the CA. */
	assert_true(ASN1_TIME_compare(X509_get0_notAfter(node),
				      X509_get0_notAfter(ca)) <= 0);
	X509_free(ca);
	X509_free(node);
	X509_free(server);
}

static void test_joined_node_mtls_both_ways(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE] = "";
	char name[CERTS_NAME_SIZE];
	uint64_t serial, peer_serial = 0;
	SSL_CTX *sctx = NULL, *cctx = NULL;
	SSL *s, *c;
	X509 *node1;

	serial = join(f, "node2");
	node1 = load_cert(f->a, "node.crt");

	/* node1 serves, node2 connects. */
	assert_int_equal(certs_node_ctx(f->a, true, &sctx, errmsg), TR_OK);
	assert_int_equal(certs_node_ctx(f->b, false, &cctx, errmsg), TR_OK);
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	assert_true(handshake(s, c));
	assert_int_equal(SSL_version(c), TLS1_3_VERSION);
	assert_int_equal(certs_peer_identity(s, name, &peer_serial, errmsg),
			 TR_OK);
	assert_string_equal(name, "node2");
	assert_int_equal(peer_serial, serial);
	assert_int_equal(certs_peer_identity(c, name, &peer_serial, errmsg),
			 TR_OK);
	assert_string_equal(name, "node1");
	assert_int_equal(peer_serial, cert_serial(node1));
	ping_pong(s, c);
	SSL_free(s);
	SSL_free(c);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);

	/* node2 serves, node1 connects. */
	assert_int_equal(certs_node_ctx(f->b, true, &sctx, errmsg), TR_OK);
	assert_int_equal(certs_node_ctx(f->a, false, &cctx, errmsg), TR_OK);
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	assert_true(handshake(s, c));
	assert_int_equal(certs_peer_identity(s, name, &peer_serial, errmsg),
			 TR_OK);
	assert_string_equal(name, "node1");
	ping_pong(s, c);
	SSL_free(s);
	SSL_free(c);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);

	/* The joiner's PostgreSQL context loads too. */
	assert_int_equal(certs_pg_server_ctx(f->b, &sctx, errmsg), TR_OK);
	SSL_CTX_free(sctx);
	X509_free(node1);
}

/* A CSR made here, with a subject and requested extensions of our
 * choosing, signed by @sign_key, carrying @pub_key. */
static char *make_csr(EVP_PKEY *sign_key, EVP_PKEY *pub_key, const char *cn,
		      bool ask_for_ca)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name;
	BIO *bio;
	char *data;
	char *out;
	long len;

	assert_non_null(req);
	name = X509_REQ_get_subject_name(req);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
						    (const unsigned char *)cn,
						    -1, -1, 0),
			 1);
	assert_int_equal(X509_REQ_set_pubkey(req, sign_key), 1);
	if (ask_for_ca) {
		STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
		X509_EXTENSION *e = X509V3_EXT_conf_nid(
			NULL, NULL, NID_basic_constraints, "critical,CA:TRUE");
		X509_EXTENSION *san = X509V3_EXT_conf_nid(
			NULL, NULL, NID_subject_alt_name, "DNS:evil.example");
		assert_non_null(e);
		assert_non_null(san);
		sk_X509_EXTENSION_push(exts, e);
		sk_X509_EXTENSION_push(exts, san);
		assert_int_equal(X509_REQ_add_extensions(req, exts), 1);
		sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	}
	assert_true(X509_REQ_sign(req, sign_key, EVP_sha256()) > 0);
	if (pub_key != sign_key) {
		/* Claim another key than the one that signed. */
		assert_int_equal(X509_REQ_set_pubkey(req, pub_key), 1);
	}
	bio = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_X509_REQ(bio, req), 1);
	len = BIO_get_mem_data(bio, &data);
	out = calloc(1, (size_t)len + 1);
	assert_non_null(out);
	memcpy(out, data, (size_t)len);
	BIO_free(bio);
	X509_REQ_free(req);
	return out;
}

/* Re-encode @pem with one bit of its DER's last byte flipped (malloc'd). */
static char *flip_last_der_bit(const char *pem)
{
	BIO *in = BIO_new_mem_buf(pem, -1);
	BIO *out = BIO_new(BIO_s_mem());
	char *name = NULL;
	char *header = NULL;
	unsigned char *der = NULL;
	long len = 0;
	assert_non_null(in);
	assert_non_null(out);
	assert_int_equal(PEM_read_bio(in, &name, &header, &der, &len), 1);
	assert_true(len > 16);
	der[len - 1] ^= 1;
	assert_int_equal(PEM_write_bio(out, name, header, der, len) > 0, 1);
	char *data;
	long n = BIO_get_mem_data(out, &data);
	char *copy = malloc((size_t)n + 1);
	assert_non_null(copy);
	memcpy(copy, data, (size_t)n);
	copy[n] = '\0';
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(der);
	BIO_free(in);
	BIO_free(out);
	return copy;
}

static void test_sign_ignores_csr_identity(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE] = "";
	char *csr = NULL;
	char *cert_pem = NULL;
	uint64_t serial;
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *cert;
	char cn[128];
	BASIC_CONSTRAINTS *bc;

	bootstrap(f->a, "node1");
	/* The joiner claims to be node1 in its CSR; the token says node3. */
	assert_int_equal(certs_node_request(f->b, "node1", &csr, errmsg),
			 TR_OK);
	assert_int_equal(certs_sign_node_csr(f->a, csr, "node3", NULL,
					     &cert_pem, &serial, errmsg),
			 TR_OK);
	cert = parse_pem_cert(cert_pem);
	cert_cn(cert, cn, sizeof cn);
	assert_string_equal(cn, "node3");
	assert_int_equal(X509_check_host(cert, "localhost", 0, 0, NULL), 1);
	X509_free(cert);
	tr_free(cert_pem);
	tr_free(csr);

	/* A CSR asking to be a CA with a foreign SAN gets a plain leaf. */
	assert_non_null(key);
	csr = make_csr(key, key, "root", true);
	assert_int_equal(certs_sign_node_csr(f->a, csr, "node4", "10.1.2.3",
					     &cert_pem, &serial, errmsg),
			 TR_OK);
	cert = parse_pem_cert(cert_pem);
	cert_cn(cert, cn, sizeof cn);
	assert_string_equal(cn, "node4");
	bc = X509_get_ext_d2i(cert, NID_basic_constraints, NULL, NULL);
	assert_non_null(bc);
	assert_int_equal(bc->ca, 0);
	BASIC_CONSTRAINTS_free(bc);
	assert_int_equal(X509_check_ca(cert), 0);
	assert_int_equal(X509_check_host(cert, "evil.example", 0, 0, NULL), 0);
	assert_int_equal(X509_check_ip_asc(cert, "10.1.2.3", 0), 1);
	X509_free(cert);
	tr_free(cert_pem);
	free(csr);
	EVP_PKEY_free(key);
}

static void test_sign_refuses_bad_csr(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE] = "";
	char *cert_pem = (char *)"untouched";
	uint64_t serial = 7;
	EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *k2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	char *csr;
	char *big;

	bootstrap(f->a, "node1");
	/* Signed by k1 but carrying k2: no proof of possession. */
	csr = make_csr(k1, k2, "node2", false);
	assert_int_equal(certs_sign_node_csr(f->a, csr, "node2", NULL,
					     &cert_pem, &serial, errmsg),
			 TR_EINVAL);
	assert_non_null(strstr(errmsg, "signature"));
	assert_null(cert_pem);
	assert_int_equal(serial, 7);
	free(csr);

	/* A flipped bit in the signature (the DER's last byte).  Flipping a
	 * base64 character instead can land in padding bits and change
	 * nothing, which made this test flaky. */
	{
		char *good = make_csr(k1, k1, "node2", false);
		csr = flip_last_der_bit(good);
		free(good);
	}
	assert_int_equal(certs_sign_node_csr(f->a, csr, "node2", NULL,
					     &cert_pem, &serial, errmsg),
			 TR_EINVAL);
	free(csr);

	/* Another curve. */
	csr = make_csr(p384, p384, "node2", false);
	assert_int_equal(certs_sign_node_csr(f->a, csr, "node2", NULL,
					     &cert_pem, &serial, errmsg),
			 TR_EINVAL);
	assert_non_null(strstr(errmsg, "P-256"));
	free(csr);

	/* Garbage, oversized, bad name or host. */
	assert_int_equal(certs_sign_node_csr(f->a, "hello", "node2", NULL,
					     &cert_pem, &serial, errmsg),
			 TR_EINVAL);
	big = malloc(CERTS_PEM_MAX + 2);
	assert_non_null(big);
	memset(big, 'A', CERTS_PEM_MAX + 1);
	big[CERTS_PEM_MAX + 1] = '\0';
	assert_int_equal(certs_sign_node_csr(f->a, big, "node2", NULL,
					     &cert_pem, &serial, errmsg),
			 TR_ETOOBIG);
	free(big);
	csr = make_csr(k1, k1, "node2", false);
	assert_int_equal(certs_sign_node_csr(f->a, csr, "node 2", NULL,
					     &cert_pem, &serial, errmsg),
			 TR_EINVAL);
	assert_int_equal(certs_sign_node_csr(f->a, csr, "node2", "a,b",
					     &cert_pem, &serial, errmsg),
			 TR_EINVAL);
	/* A node without ca.key cannot issue. */
	assert_int_equal(certs_sign_node_csr(f->b, csr, "node2", NULL,
					     &cert_pem, &serial, errmsg),
			 TR_EIO);
	assert_null(cert_pem);
	free(csr);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(p384);
}

static void test_install_refuses(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE] = "";
	char fp_a[CERTS_FINGERPRINT_LEN], fp_c[CERTS_FINGERPRINT_LEN];
	char *csr = NULL, *csr_s = NULL;
	char *cert = NULL, *cert_c = NULL, *cert_s = NULL;
	char *ca_a, *ca_c;
	uint64_t serial;
	char other[128];

	bootstrap(f->a, "node1");
	bootstrap(f->c, "other1");
	fingerprint(f->a, fp_a);
	fingerprint(f->c, fp_c);
	ca_a = read_all(f->a, "ca.crt");
	ca_c = read_all(f->c, "ca.crt");
	assert_int_equal(certs_node_request(f->b, "node2", &csr, errmsg),
			 TR_OK);
	assert_int_equal(certs_sign_node_csr(f->a, csr, "node2", NULL, &cert,
					     &serial, errmsg),
			 TR_OK);
	assert_int_equal(certs_sign_node_csr(f->c, csr, "node2", NULL, &cert_c,
					     &serial, errmsg),
			 TR_OK);
	assert_int_equal(certs_server_request(f->b, NULL, &csr_s, errmsg),
			 TR_OK);
	assert_int_equal(certs_sign_server_csr(f->a, csr_s, NULL, &cert_s,
					       &serial, errmsg),
			 TR_OK);

	/* The CA is not the pinned one. */
	assert_int_equal(certs_install_node(f->b, ca_a, cert, fp_c, errmsg),
			 TR_EINVAL);
	assert_non_null(strstr(errmsg, "pinned"));
	/* The pinned CA did not issue this certificate. */
	assert_int_equal(certs_install_node(f->b, ca_c, cert, fp_c, errmsg),
			 TR_EINVAL);
	assert_int_equal(certs_install_node(f->b, ca_a, cert_c, fp_a, errmsg),
			 TR_EINVAL);
	/* A server certificate where a node certificate belongs. */
	assert_int_equal(certs_install_node(f->b, ca_a, cert_s, fp_a, errmsg),
			 TR_EINVAL);
	/* A leaf as the CA. */
	assert_int_equal(certs_install_node(f->b, cert, cert, NULL, errmsg),
			 TR_EINVAL);
	/* Garbage. */
	assert_int_equal(certs_install_node(f->b, ca_a, "x", fp_a, errmsg),
			 TR_EINVAL);
	/* Nothing was written by any of these. */
	assert_false(exists_in(f->b, "node.crt"));
	assert_false(exists_in(f->b, "ca.crt"));

	/* A certificate for another node's key. */
	snprintf(other, sizeof other, "%s/other", f->dir);
	{
		char *csr2 = NULL;
		assert_int_equal(
			certs_node_request(other, "node2", &csr2, errmsg),
			TR_OK);
		assert_int_equal(
			certs_install_node(other, ca_a, cert, fp_a, errmsg),
			TR_EINVAL);
		assert_non_null(strstr(errmsg, "key"));
		assert_false(exists_in(other, "node.crt"));
		tr_free(csr2);
	}

	/* The right one installs; a second request is then refused. */
	assert_int_equal(certs_install_node(f->b, ca_a, cert, fp_a, errmsg),
			 TR_OK);
	tr_free(csr);
	assert_int_equal(certs_node_request(f->b, "node2", &csr, errmsg),
			 TR_EINVAL);
	assert_null(csr);
	/* A different CA cannot replace ca.crt through the server path,
	 * even with a certificate it issued for this node's key. */
	{
		char *cert_s_c = NULL;
		assert_int_equal(certs_sign_server_csr(f->c, csr_s, NULL,
						       &cert_s_c, &serial,
						       errmsg),
				 TR_OK);
		assert_int_equal(certs_install_server(f->b, ca_c, cert_s_c,
						      fp_c, errmsg),
				 TR_EINVAL);
		assert_non_null(strstr(errmsg, "another CA"));
		tr_free(cert_s_c);
	}
	assert_int_equal(certs_install_server(f->b, ca_a, cert_s, fp_a, errmsg),
			 TR_OK);

	tr_free(cert);
	tr_free(cert_c);
	tr_free(cert_s);
	tr_free(csr_s);
	free(ca_a);
	free(ca_c);
}

static void test_request_rejects_bad_input(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE];
	char *csr = (char *)"untouched";

	assert_int_equal(certs_node_request(f->b, "bad name", &csr, errmsg),
			 TR_EINVAL);
	assert_null(csr);
	assert_int_equal(certs_server_request(f->b, "a b", &csr, errmsg),
			 TR_EINVAL);
	assert_false(exists_in(f->b, "node.key"));
}

static void test_ca_key_hand_over(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE] = "";
	char *key_pem = NULL, *other_key = NULL;
	char *csr = NULL, *cert = NULL;
	uint64_t serial;

	join(f, "node2");
	bootstrap(f->c, "other1");
	assert_int_equal(certs_export_ca_key(f->b, &key_pem, errmsg),
			 TR_ENOTFOUND);
	assert_null(key_pem);
	assert_int_equal(certs_export_ca_key(f->a, &key_pem, errmsg), TR_OK);
	assert_non_null(strstr(key_pem, "PRIVATE KEY"));
	assert_int_equal(certs_export_ca_key(f->c, &other_key, errmsg), TR_OK);

	/* Another cluster's key does not match the joiner's ca.crt. */
	assert_int_equal(certs_install_ca_key(f->b, other_key, errmsg),
			 TR_EINVAL);
	assert_false(exists_in(f->b, "ca.key"));
	assert_int_equal(certs_install_ca_key(f->b, "junk", errmsg), TR_EINVAL);
	assert_int_equal(certs_install_ca_key(f->b, key_pem, errmsg), TR_OK);
	assert_int_equal(mode_of(f->b, "ca.key"), 0600);

	/* The joined node now issues for the next joiner. */
	{
		char next[128];
		snprintf(next, sizeof next, "%s/next", f->dir);
		assert_int_equal(
			certs_node_request(next, "node3", &csr, errmsg), TR_OK);
	}
	assert_int_equal(certs_sign_node_csr(f->b, csr, "node3", NULL, &cert,
					     &serial, errmsg),
			 TR_OK);
	{
		X509 *ca = load_cert(f->a, "ca.crt");
		X509 *leaf = parse_pem_cert(cert);
		EVP_PKEY *pub = X509_get0_pubkey(ca);
		assert_int_equal(X509_verify(leaf, pub), 1);
		X509_free(leaf);
		X509_free(ca);
	}
	OPENSSL_cleanse(key_pem, strlen(key_pem));
	tr_free(key_pem);
	tr_free(other_key);
	tr_free(csr);
	tr_free(cert);
}

/* ---- pinned join context, optional client certificates --------------- */

static void test_join_ctx_pinned_succeeds(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE] = "";
	char fp[CERTS_FINGERPRINT_LEN];
	char name[CERTS_NAME_SIZE] = "untouched";
	uint64_t serial = 0;
	SSL_CTX *sctx = NULL, *cctx = NULL;
	SSL *s, *c;
	X509 *node1;

	bootstrap(f->a, "node1");
	fingerprint(f->a, fp);
	node1 = load_cert(f->a, "node.crt");
	assert_int_equal(certs_node_ctx_optional_client(f->a, &sctx, errmsg),
			 TR_OK);
	assert_int_equal(certs_join_client_ctx(fp, &cctx, errmsg), TR_OK);
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	assert_true(handshake(s, c));
	assert_int_equal(SSL_version(c), TLS1_3_VERSION);
	assert_int_equal(SSL_get_verify_result(c), X509_V_OK);
	/* The joiner sees node1; the member sees a joiner without a cert. */
	assert_int_equal(certs_peer_identity(c, name, &serial, errmsg), TR_OK);
	assert_string_equal(name, "node1");
	assert_int_equal(serial, cert_serial(node1));
	assert_int_equal(certs_peer_identity(s, name, &serial, errmsg),
			 TR_ENOTFOUND);
	ping_pong(s, c);
	SSL_free(s);
	SSL_free(c);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	X509_free(node1);
}

static void test_join_ctx_wrong_pin_fails_before_data(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE] = "";
	char fp_c[CERTS_FINGERPRINT_LEN];
	SSL_CTX *sctx = NULL, *cctx = NULL;
	SSL *s, *c;
	char buf[16];

	bootstrap(f->a, "node1");
	bootstrap(f->c, "other1");
	fingerprint(f->c, fp_c);
	assert_int_equal(certs_node_ctx_optional_client(f->a, &sctx, errmsg),
			 TR_OK);
	assert_int_equal(certs_join_client_ctx(fp_c, &cctx, errmsg), TR_OK);
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	assert_false(handshake(s, c));
	assert_int_equal(SSL_get_verify_result(c), X509_V_ERR_CERT_UNTRUSTED);
	assert_false(SSL_is_init_finished(c));
	/* Nothing can be sent, and the server received nothing. */
	assert_true(SSL_write(c, "secret", 6) <= 0);
	assert_true(SSL_read(s, buf, sizeof buf) <= 0);
	ERR_clear_error();
	SSL_free(s);
	SSL_free(c);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
}

static void test_join_ctx_refuses_non_node_server(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE] = "";
	char fp[CERTS_FINGERPRINT_LEN];
	char path[256];
	SSL_CTX *sctx, *cctx = NULL;
	SSL *s, *c;
	X509 *ca;

	/* A server presenting the PostgreSQL certificate of the right CA,
	 * chain included, is not a member. */
	bootstrap(f->a, "node1");
	fingerprint(f->a, fp);
	sctx = SSL_CTX_new(TLS_server_method());
	assert_non_null(sctx);
	path_in(path, sizeof path, f->a, "server.crt");
	assert_int_equal(SSL_CTX_use_certificate_chain_file(sctx, path), 1);
	path_in(path, sizeof path, f->a, "server.key");
	assert_int_equal(
		SSL_CTX_use_PrivateKey_file(sctx, path, SSL_FILETYPE_PEM), 1);
	ca = load_cert(f->a, "ca.crt");
	assert_int_equal(SSL_CTX_add1_chain_cert(sctx, ca), 1);
	X509_free(ca);
	assert_int_equal(certs_join_client_ctx(fp, &cctx, errmsg), TR_OK);
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	assert_false(handshake(s, c));
	assert_int_equal(SSL_get_verify_result(c),
			 X509_V_ERR_APPLICATION_VERIFICATION);
	ERR_clear_error();
	SSL_free(s);
	SSL_free(c);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
}

static void test_join_ctx_rejects_bad_fingerprint(void **state)
{
	SSL_CTX *cctx = NULL;
	char errmsg[TR_ERRMSG_SIZE];

	(void)state;
	assert_int_equal(certs_join_client_ctx("abc", &cctx, errmsg),
			 TR_EINVAL);
	assert_int_equal(
		certs_join_client_ctx("0123456789ABCDEF0123456789abcdef0123456"
				      "789abcdef0123456789abcdef",
				      &cctx, errmsg),
		TR_EINVAL);
	assert_int_equal(certs_join_client_ctx(NULL, &cctx, errmsg), TR_EINVAL);
	assert_null(cctx);
}

static void test_optional_ctx_with_member_and_stranger(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE] = "";
	char name[CERTS_NAME_SIZE];
	uint64_t serial;
	uint64_t joined;
	SSL_CTX *sctx = NULL, *cctx = NULL;
	SSL *s, *c;

	joined = join(f, "node2");
	bootstrap(f->c, "other1");
	assert_int_equal(certs_node_ctx_optional_client(f->a, &sctx, errmsg),
			 TR_OK);

	/* A member presents its certificate: identified. */
	assert_int_equal(certs_node_ctx(f->b, false, &cctx, errmsg), TR_OK);
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	assert_true(handshake(s, c));
	assert_int_equal(certs_peer_identity(s, name, &serial, errmsg), TR_OK);
	assert_string_equal(name, "node2");
	assert_int_equal(serial, joined);
	SSL_free(s);
	SSL_free(c);
	SSL_CTX_free(cctx);

	/* Another cluster's node presents its certificate: refused. */
	assert_int_equal(certs_node_ctx(f->c, false, &cctx, errmsg), TR_OK);
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	assert_false(handshake(s, c));
	ERR_clear_error();
	SSL_free(s);
	SSL_free(c);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
}

static void test_node_ctx_refuses_pg_cert_as_client(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE] = "";
	char path[256];
	SSL_CTX *sctx = NULL, *cctx;
	SSL *s, *c;
	char buf[4];

	/* The PostgreSQL key of a node is no identity on the cluster port,
	 * even on the optional listener. */
	bootstrap(f->a, "node1");
	assert_int_equal(certs_node_ctx_optional_client(f->a, &sctx, errmsg),
			 TR_OK);
	cctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(cctx);
	path_in(path, sizeof path, f->a, "server.crt");
	assert_int_equal(
		SSL_CTX_use_certificate_file(cctx, path, SSL_FILETYPE_PEM), 1);
	path_in(path, sizeof path, f->a, "server.key");
	assert_int_equal(
		SSL_CTX_use_PrivateKey_file(cctx, path, SSL_FILETYPE_PEM), 1);
	path_in(path, sizeof path, f->a, "ca.crt");
	assert_int_equal(SSL_CTX_load_verify_file(cctx, path), 1);
	SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	(void)handshake(s, c);
	assert_false(SSL_is_init_finished(s));
	assert_int_not_equal(SSL_get_verify_result(s), X509_V_OK);
	(void)SSL_read(c, buf, sizeof buf);
	ERR_clear_error();
	SSL_free(s);
	SSL_free(c);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
}

static void test_peer_identity_before_handshake(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE] = "";
	char name[CERTS_NAME_SIZE];
	uint64_t serial;
	SSL_CTX *sctx = NULL;
	SSL *s;

	bootstrap(f->a, "node1");
	assert_int_equal(certs_node_ctx(f->a, true, &sctx, errmsg), TR_OK);
	s = SSL_new(sctx);
	assert_int_equal(certs_peer_identity(s, name, &serial, errmsg),
			 TR_ENOTFOUND);
	SSL_free(s);
	SSL_CTX_free(sctx);
}

static void test_node_identity_of_own_certificate(void **state)
{
	struct fixture *f = *state;
	char name[CERTS_NAME_SIZE];
	char errmsg[TR_ERRMSG_SIZE];
	uint64_t serial = 0;
	uint64_t again = 0;
	bootstrap(f->a, "node1");
	assert_int_equal(certs_node_identity(f->a, name, &serial, errmsg),
			 TR_OK);
	assert_string_equal(name, "node1");
	assert_true(serial != 0 && serial < (UINT64_C(1) << 63));
	assert_int_equal(certs_node_identity(f->a, name, &again, errmsg),
			 TR_OK);
	assert_true(again == serial);
	/* No certificate there: an I/O error, not a crash. */
	assert_int_not_equal(certs_node_identity(f->b, name, &serial, errmsg),
			     TR_OK);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_token_round_trip),
		T(test_node_identity_of_own_certificate),
		T(test_token_largest_fits),
		T(test_token_secrets_differ),
		T(test_token_new_rejects_bad_input),
		T(test_token_every_truncation_fails),
		T(test_token_bad_base64),
		T(test_token_text_valid_baseline),
		T(test_token_bad_version),
		T(test_token_bad_fields),
		T(test_token_bad_structure),
		T(test_token_encode_refuses_invalid),
		T(test_token_expiry),
		T(test_secret_matches),
		T(test_secret_hash),
		T(test_name_is_valid),
		T(test_join_files_and_modes),
		T(test_joined_node_mtls_both_ways),
		T(test_sign_ignores_csr_identity),
		T(test_sign_refuses_bad_csr),
		T(test_install_refuses),
		T(test_request_rejects_bad_input),
		T(test_ca_key_hand_over),
		T(test_join_ctx_pinned_succeeds),
		T(test_join_ctx_wrong_pin_fails_before_data),
		T(test_join_ctx_refuses_non_node_server),
		T(test_join_ctx_rejects_bad_fingerprint),
		T(test_optional_ctx_with_member_and_stranger),
		T(test_node_ctx_refuses_pg_cert_as_client),
		T(test_peer_identity_before_handshake),
	};
	return cmocka_run_group_tests_name("certs_join", tests, NULL, NULL);
}
