/*
 * Unit tests for certs/: bootstrap files and modes, the chain, SANs and key
 * usages, idempotence, fingerprints (checked against the openssl CLI), and
 * TLS handshakes over in-memory BIO pairs with the contexts certs/ builds.
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
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certs/certs.h"

#define HANDSHAKE_MAX_ROUNDS 64

struct fixture {
	char dir[64];   /* mkdtemp root, removed in teardown */
	char certs[96]; /* <dir>/certs: does not exist before bootstrap */
};

static void path_in(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);
	assert_true(n > 0 && (size_t)n < cap);
}

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
	snprintf(f->dir, sizeof f->dir, "/tmp/triode-certs-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->certs, sizeof f->certs, "%s/certs", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	remove_tree(f->dir);
	free(f);
	return 0;
}

static void bootstrap(const char *dir, const char *host)
{
	char errmsg[TR_ERRMSG_SIZE] = "";
	int rv = certs_bootstrap(dir, "node1", host, errmsg);
	if (rv != TR_OK) {
		fail_msg("certs_bootstrap: %s", errmsg);
	}
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

static char *read_all(const char *dir, const char *name)
{
	char path[256];
	FILE *f;
	char *buf = calloc(1, 8192);
	size_t n;

	assert_non_null(buf);
	path_in(path, sizeof path, dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, 8191, f);
	fclose(f);
	assert_true(n > 0);
	return buf;
}

/* X509_verify_cert of @leaf against a store holding only @ca, for @purpose. */
static int verify_chain(X509 *ca, X509 *leaf, int purpose)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok;

	assert_non_null(store);
	assert_non_null(ctx);
	assert_int_equal(X509_STORE_add_cert(store, ca), 1);
	assert_int_equal(X509_STORE_CTX_init(ctx, store, leaf, NULL), 1);
	X509_STORE_CTX_set_purpose(ctx, purpose);
	ok = X509_verify_cert(ctx);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

static void test_bootstrap_creates_files_with_modes(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *name;
		mode_t mode;
	} files[] = {
		{ "ca.crt", 0644 },     { "ca.key", 0600 },
		{ "node.crt", 0644 },   { "node.key", 0600 },
		{ "server.crt", 0644 }, { "server.key", 0600 },
	};
	struct stat st;
	char path[256];
	int n_entries = 0;
	DIR *d;
	struct dirent *e;

	bootstrap(f->certs, "10.1.2.3");

	assert_int_equal(stat(f->certs, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		path_in(path, sizeof path, f->certs, files[i].name);
		assert_int_equal(stat(path, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		assert_int_equal(st.st_mode & 0777, files[i].mode);
		assert_true(st.st_size > 0);
	}
	/* Nothing else: no temp files left behind. */
	d = opendir(f->certs);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.') {
			n_entries++;
		}
	}
	closedir(d);
	assert_int_equal(n_entries, 6);
}

static void test_bootstrap_tightens_existing_dir_mode(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	assert_int_equal(mkdir(f->certs, 0755), 0);
	bootstrap(f->certs, "127.0.0.1");
	assert_int_equal(stat(f->certs, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
}

static void test_keys_are_ec_p256(void **state)
{
	struct fixture *f = *state;
	static const char *const certs[] = { "ca.crt", "node.crt",
					     "server.crt" };
	char name[64];

	bootstrap(f->certs, "127.0.0.1");
	for (size_t i = 0; i < 3; i++) {
		X509 *cert = load_cert(f->certs, certs[i]);
		EVP_PKEY *key = X509_get0_pubkey(cert);
		size_t len = 0;
		assert_non_null(key);
		assert_int_equal(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
		assert_int_equal(EVP_PKEY_get_utf8_string_param(
					 key, "group", name, sizeof name, &len),
				 1);
		assert_string_equal(name, "prime256v1");
		X509_free(cert);
	}
}

static void test_chain_verifies_against_ca(void **state)
{
	struct fixture *f = *state;
	X509 *ca, *node, *server;

	bootstrap(f->certs, "127.0.0.1");
	ca = load_cert(f->certs, "ca.crt");
	node = load_cert(f->certs, "node.crt");
	server = load_cert(f->certs, "server.crt");

	assert_int_equal(X509_check_ca(ca), 1);
	assert_int_equal(X509_check_ca(node), 0);
	assert_int_equal(verify_chain(ca, node, X509_PURPOSE_SSL_SERVER), 1);
	assert_int_equal(verify_chain(ca, node, X509_PURPOSE_SSL_CLIENT), 1);
	assert_int_equal(verify_chain(ca, server, X509_PURPOSE_SSL_SERVER), 1);
	/* Trust planes: the PostgreSQL certificate cannot act as a client. */
	assert_int_equal(verify_chain(ca, server, X509_PURPOSE_SSL_CLIENT), 0);

	X509_free(ca);
	X509_free(node);
	X509_free(server);
}

static void test_chain_fails_against_other_ca(void **state)
{
	struct fixture *f = *state;
	char other[128];
	X509 *other_ca, *node;

	snprintf(other, sizeof other, "%s/other", f->dir);
	bootstrap(f->certs, "127.0.0.1");
	bootstrap(other, "127.0.0.1");
	other_ca = load_cert(other, "ca.crt");
	node = load_cert(f->certs, "node.crt");
	assert_int_equal(verify_chain(other_ca, node, X509_PURPOSE_SSL_SERVER),
			 0);
	X509_free(other_ca);
	X509_free(node);
}

static void test_sans_and_names(void **state)
{
	struct fixture *f = *state;
	static const char *const leaves[] = { "node.crt", "server.crt" };
	char cn[128];

	bootstrap(f->certs, "db1.example.org");
	for (size_t i = 0; i < 2; i++) {
		X509 *cert = load_cert(f->certs, leaves[i]);
		assert_int_equal(X509_check_host(cert, "localhost", 0, 0, NULL),
				 1);
		assert_int_equal(
			X509_check_host(cert, "db1.example.org", 0, 0, NULL),
			1);
		assert_int_equal(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
		assert_int_equal(X509_check_ip_asc(cert, "::1", 0), 1);
		assert_int_equal(
			X509_check_host(cert, "evil.example.org", 0, 0, NULL),
			0);
		X509_free(cert);
	}

	X509 *node = load_cert(f->certs, "node.crt");
	assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(node),
					      NID_commonName, cn,
					      sizeof cn) > 0);
	assert_string_equal(cn, "node1");
	assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(node),
					      NID_organizationalUnitName, cn,
					      sizeof cn) > 0);
	assert_string_equal(cn, "node");
	X509_free(node);
}

static void test_ip_host_gets_ip_san(void **state)
{
	struct fixture *f = *state;
	X509 *cert;

	bootstrap(f->certs, "10.20.30.40");
	cert = load_cert(f->certs, "server.crt");
	assert_int_equal(X509_check_ip_asc(cert, "10.20.30.40", 0), 1);
	/* An IP is not also a DNS name. */
	assert_int_equal(X509_check_host(cert, "10.20.30.40", 0, 0, NULL), 0);
	X509_free(cert);
}

static void test_bootstrap_rejects_bad_input(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE];
	char long_name[100];

	assert_int_equal(certs_bootstrap(f->certs, "n", "a,DNS:evil", errmsg),
			 TR_EINVAL);
	assert_non_null(strstr(errmsg, "invalid host"));
	assert_int_equal(certs_bootstrap(f->certs, "", "localhost", errmsg),
			 TR_EINVAL);
	memset(long_name, 'x', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	assert_int_equal(
		certs_bootstrap(f->certs, long_name, "localhost", errmsg),
		TR_EINVAL);
	/* Nothing was created. */
	assert_int_not_equal(access(f->certs, F_OK), 0);
}

static void test_bootstrap_is_idempotent(void **state)
{
	struct fixture *f = *state;
	static const char *const files[] = { "ca.crt",     "ca.key",
					     "node.crt",   "node.key",
					     "server.crt", "server.key" };
	char *before[6];

	bootstrap(f->certs, "127.0.0.1");
	for (size_t i = 0; i < 6; i++) {
		before[i] = read_all(f->certs, files[i]);
	}
	bootstrap(f->certs, "127.0.0.1");
	for (size_t i = 0; i < 6; i++) {
		char *after = read_all(f->certs, files[i]);
		assert_string_equal(before[i], after);
		free(after);
		free(before[i]);
	}
}

static void test_bootstrap_reissues_missing_leaf(void **state)
{
	struct fixture *f = *state;
	char path[256];
	char *ca_before, *node_before, *ca_after, *node_after;
	X509 *ca, *server;

	bootstrap(f->certs, "127.0.0.1");
	ca_before = read_all(f->certs, "ca.crt");
	node_before = read_all(f->certs, "node.crt");
	path_in(path, sizeof path, f->certs, "server.crt");
	assert_int_equal(unlink(path), 0);

	bootstrap(f->certs, "127.0.0.1");
	ca_after = read_all(f->certs, "ca.crt");
	node_after = read_all(f->certs, "node.crt");
	assert_string_equal(ca_before, ca_after);
	assert_string_equal(node_before, node_after);
	ca = load_cert(f->certs, "ca.crt");
	server = load_cert(f->certs, "server.crt");
	assert_int_equal(verify_chain(ca, server, X509_PURPOSE_SSL_SERVER), 1);

	X509_free(ca);
	X509_free(server);
	free(ca_before);
	free(node_before);
	free(ca_after);
	free(node_after);
}

static void test_bootstrap_refuses_cert_without_key(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE];
	char path[256];

	bootstrap(f->certs, "127.0.0.1");
	path_in(path, sizeof path, f->certs, "node.key");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(
		certs_bootstrap(f->certs, "node1", "127.0.0.1", errmsg),
		TR_EINVAL);
	assert_non_null(strstr(errmsg, "node.key is missing"));
}

static void test_bootstrap_without_ca_key_cannot_issue(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE];
	char path[256];

	bootstrap(f->certs, "127.0.0.1");
	path_in(path, sizeof path, f->certs, "ca.key");
	assert_int_equal(unlink(path), 0);
	/* Everything present except ca.key: fine, nothing to issue. */
	bootstrap(f->certs, "127.0.0.1");
	path_in(path, sizeof path, f->certs, "server.crt");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(
		certs_bootstrap(f->certs, "node1", "127.0.0.1", errmsg),
		TR_EINVAL);
	assert_non_null(strstr(errmsg, "no ca.key"));
}

static void test_fingerprint_matches_openssl_cli(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE];
	char fp[CERTS_FINGERPRINT_LEN];
	char fp2[CERTS_FINGERPRINT_LEN];
	char cmd[512], line[256], cli[CERTS_FINGERPRINT_LEN];
	char path[256];
	FILE *p;
	size_t n = 0;

	bootstrap(f->certs, "127.0.0.1");
	path_in(path, sizeof path, f->certs, "ca.crt");
	assert_int_equal(certs_fingerprint_file(path, fp, errmsg), TR_OK);
	assert_int_equal(strlen(fp), 64);
	assert_int_equal(certs_fingerprint_file(path, fp2, errmsg), TR_OK);
	assert_string_equal(fp, fp2);

	/* "sha256 Fingerprint=AB:CD:..." -> "abcd..." */
	snprintf(cmd, sizeof cmd,
		 "openssl x509 -noout -fingerprint -sha256 -in '%s'", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof line, p));
	assert_int_equal(pclose(p), 0);
	const char *eq = strchr(line, '=');
	assert_non_null(eq);
	for (const char *c = eq + 1; *c != '\0' && *c != '\n'; c++) {
		if (*c == ':') {
			continue;
		}
		assert_true(n < 64);
		cli[n++] = (char)(*c >= 'A' && *c <= 'F' ? *c - 'A' + 'a' : *c);
	}
	cli[n] = '\0';
	assert_string_equal(fp, cli);

	/* A different certificate has a different fingerprint. */
	path_in(path, sizeof path, f->certs, "node.crt");
	assert_int_equal(certs_fingerprint_file(path, fp2, errmsg), TR_OK);
	assert_string_not_equal(fp, fp2);
}

static void test_fingerprint_missing_file(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE];
	char fp[CERTS_FINGERPRINT_LEN];
	char path[256];

	path_in(path, sizeof path, f->dir, "nope.crt");
	assert_int_equal(certs_fingerprint_file(path, fp, errmsg), TR_EIO);
	assert_non_null(strstr(errmsg, "nope.crt"));
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

static SSL_CTX *client_ctx_trusting(const char *dir, int max_version)
{
	char path[256];
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	assert_non_null(ctx);
	path_in(path, sizeof path, dir, "ca.crt");
	assert_int_equal(SSL_CTX_load_verify_file(ctx, path), 1);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (max_version != 0) {
		assert_int_equal(SSL_CTX_set_min_proto_version(ctx, 0), 1);
		assert_int_equal(
			SSL_CTX_set_max_proto_version(ctx, max_version), 1);
		/* Let the old protocol be offered at all. */
		SSL_CTX_set_security_level(ctx, 0);
		SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
	}
	return ctx;
}

static void test_pg_server_ctx_handshake(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE];
	SSL_CTX *sctx = NULL, *cctx;
	SSL *s, *c;

	bootstrap(f->certs, "127.0.0.1");
	assert_int_equal(certs_pg_server_ctx(f->certs, &sctx, errmsg), TR_OK);
	assert_non_null(sctx);
	cctx = client_ctx_trusting(f->certs, 0);
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	/* verify-full: the name must match the certificate's SANs. */
	assert_int_equal(SSL_set1_host(c, "localhost"), 1);
	assert_true(handshake(s, c));
	assert_int_equal(SSL_get_verify_result(c), X509_V_OK);
	assert_true(SSL_version(c) >= TLS1_2_VERSION);

	/* Application data flows both ways. */
	char buf[8];
	assert_int_equal(SSL_write(c, "ping", 4), 4);
	assert_int_equal(SSL_read(s, buf, sizeof buf), 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(SSL_write(s, "pong", 4), 4);
	assert_int_equal(SSL_read(c, buf, sizeof buf), 4);
	assert_memory_equal(buf, "pong", 4);

	SSL_free(s);
	SSL_free(c);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
}

static void test_pg_server_ctx_rejects_wrong_name(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE];
	SSL_CTX *sctx = NULL, *cctx;
	SSL *s, *c;

	bootstrap(f->certs, "127.0.0.1");
	assert_int_equal(certs_pg_server_ctx(f->certs, &sctx, errmsg), TR_OK);
	cctx = client_ctx_trusting(f->certs, 0);
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	assert_int_equal(SSL_set1_host(c, "db.example.org"), 1);
	assert_false(handshake(s, c));
	assert_int_equal(SSL_get_verify_result(c),
			 X509_V_ERR_HOSTNAME_MISMATCH);
	ERR_clear_error();
	SSL_free(s);
	SSL_free(c);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
}

static void test_pg_server_ctx_refuses_tls11(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE];
	SSL_CTX *sctx = NULL, *cctx;
	SSL *s, *c;

	bootstrap(f->certs, "127.0.0.1");
	assert_int_equal(certs_pg_server_ctx(f->certs, &sctx, errmsg), TR_OK);
	cctx = client_ctx_trusting(f->certs, TLS1_1_VERSION);
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	assert_false(handshake(s, c));
	ERR_clear_error();
	SSL_free(s);
	SSL_free(c);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
}

static void test_pg_server_ctx_client_from_other_ca_fails(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE];
	char other[128];
	SSL_CTX *sctx = NULL, *cctx;
	SSL *s, *c;

	snprintf(other, sizeof other, "%s/other", f->dir);
	bootstrap(f->certs, "127.0.0.1");
	bootstrap(other, "127.0.0.1");
	assert_int_equal(certs_pg_server_ctx(f->certs, &sctx, errmsg), TR_OK);
	cctx = client_ctx_trusting(other, 0);
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	assert_false(handshake(s, c));
	assert_int_not_equal(SSL_get_verify_result(c), X509_V_OK);
	ERR_clear_error();
	SSL_free(s);
	SSL_free(c);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
}

static void test_pg_server_ctx_missing_dir(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE];
	SSL_CTX *sctx = NULL;

	assert_int_equal(certs_pg_server_ctx(f->certs, &sctx, errmsg), TR_ETLS);
	assert_null(sctx);
	assert_non_null(strstr(errmsg, "server.crt"));
	/* The error queue was drained into the message. */
	assert_int_equal(ERR_peek_error(), 0);
}

static void test_node_ctx_mutual_tls(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE];
	SSL_CTX *sctx = NULL, *cctx = NULL;
	SSL *s, *c;
	X509 *peer;
	char cn[64];

	bootstrap(f->certs, "127.0.0.1");
	assert_int_equal(certs_node_ctx(f->certs, true, &sctx, errmsg), TR_OK);
	assert_int_equal(certs_node_ctx(f->certs, false, &cctx, errmsg), TR_OK);
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	assert_true(handshake(s, c));
	assert_int_equal(SSL_version(c), TLS1_3_VERSION);
	assert_int_equal(SSL_get_verify_result(s), X509_V_OK);
	assert_int_equal(SSL_get_verify_result(c), X509_V_OK);
	peer = SSL_get1_peer_certificate(s);
	assert_non_null(peer);
	assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(peer),
					      NID_commonName, cn,
					      sizeof cn) > 0);
	assert_string_equal(cn, "node1");
	X509_free(peer);
	SSL_free(s);
	SSL_free(c);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
}

static void test_node_ctx_requires_client_cert(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE];
	SSL_CTX *sctx = NULL, *cctx;
	SSL *s, *c;
	char buf[4];

	bootstrap(f->certs, "127.0.0.1");
	assert_int_equal(certs_node_ctx(f->certs, true, &sctx, errmsg), TR_OK);
	/* A client that trusts the CA but has no certificate of its own. */
	cctx = client_ctx_trusting(f->certs, 0);
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	/* In TLS 1.3 the client finishes first; the server then refuses. */
	(void)handshake(s, c);
	assert_false(SSL_is_init_finished(s));
	(void)SSL_read(c, buf, sizeof buf);
	ERR_clear_error();
	SSL_free(s);
	SSL_free(c);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
}

static void test_node_ctx_rejects_other_cluster(void **state)
{
	struct fixture *f = *state;
	char errmsg[TR_ERRMSG_SIZE];
	char other[128];
	SSL_CTX *sctx = NULL, *cctx = NULL;
	SSL *s, *c;

	snprintf(other, sizeof other, "%s/other", f->dir);
	bootstrap(f->certs, "127.0.0.1");
	bootstrap(other, "127.0.0.1");
	assert_int_equal(certs_node_ctx(f->certs, true, &sctx, errmsg), TR_OK);
	assert_int_equal(certs_node_ctx(other, false, &cctx, errmsg), TR_OK);
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	assert_false(handshake(s, c));
	ERR_clear_error();
	SSL_free(s);
	SSL_free(c);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bootstrap_creates_files_with_modes),
		T(test_bootstrap_tightens_existing_dir_mode),
		T(test_keys_are_ec_p256),
		T(test_chain_verifies_against_ca),
		T(test_chain_fails_against_other_ca),
		T(test_sans_and_names),
		T(test_ip_host_gets_ip_san),
		T(test_bootstrap_rejects_bad_input),
		T(test_bootstrap_is_idempotent),
		T(test_bootstrap_reissues_missing_leaf),
		T(test_bootstrap_refuses_cert_without_key),
		T(test_bootstrap_without_ca_key_cannot_issue),
		T(test_fingerprint_matches_openssl_cli),
		T(test_fingerprint_missing_file),
		T(test_pg_server_ctx_handshake),
		T(test_pg_server_ctx_rejects_wrong_name),
		T(test_pg_server_ctx_refuses_tls11),
		T(test_pg_server_ctx_client_from_other_ca_fails),
		T(test_pg_server_ctx_missing_dir),
		T(test_node_ctx_mutual_tls),
		T(test_node_ctx_requires_client_cert),
		T(test_node_ctx_rejects_other_cluster),
	};
	return cmocka_run_group_tests_name("certs", tests, NULL, NULL);
}
