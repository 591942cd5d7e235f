/*
 * tests/unit/pgwire/fixture.h: helpers shared by the pgwire unit tests and
 * the manual demo server: a throwaway self-signed TLS context and a fake
 * executor that answers every query with one row.
 */
#ifndef TESTS_UNIT_PGWIRE_FIXTURE_H
#define TESTS_UNIT_PGWIRE_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "pgwire/pgwire.h"

/* A server context with a fresh P-256 key and a self-signed certificate
 * for CN=localhost.  NULL on failure. */
static inline SSL_CTX *fixture_tls_ctx(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (key == NULL || x == NULL || ctx == NULL) {
		goto fail;
	}
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)"localhost", -1, -1,
				   0);
	X509_set_issuer_name(x, name);
	if (X509_sign(x, key, EVP_sha256()) == 0 ||
	    SSL_CTX_use_certificate(ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1) {
		goto fail;
	}
	X509_free(x);
	EVP_PKEY_free(key);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	X509_free(x);
	EVP_PKEY_free(key);
	return NULL;
}

/* Fake executor: user "u" with password "pencil" exists; every query
 * returns one row ("1") unless it is "fail", "empty" or "hang". */
struct fake_exec {
	char verifier[256];
	int n_lookup;
	int n_open;
	int n_query;
	int n_cancel;
	int n_close;
	bool async;    /* answer from a timer instead of inline (defer) */
	int lookup_rc; /* non-zero: the role lookup itself fails */
	struct pgwire_session *hung; /* query left running ("hang") */
	char last_query[256];
	const struct pgwire_error *open_err;
};

static inline int fake_auth_lookup(void *data, struct pgwire_session *s,
				   const char *user)
{
	struct fake_exec *f = data;
	f->n_lookup++;
	/* Completing inside the call breaks the async contract only in
	 * form; pgwire guards against re-entry, and the tests check it. */
	pgwire_session_auth_lookup_done(
		s, f->lookup_rc, strcmp(user, "u") == 0 ? f->verifier : NULL);
	return 0;
}

static inline int fake_session_open(void *data, struct pgwire_session *s,
				    const struct pgwire_startup *st)
{
	struct fake_exec *f = data;
	f->n_open++;
	pgwire_session_send_parameter(s, "TimeZone", "Europe/Paris");
	pgwire_session_send_parameter(s, "custom_thing", "x");
	pgwire_session_open_done(s, f->open_err, false);
	return 0;
}

static inline int fake_query(void *data, struct pgwire_session *s,
			     const char *sql, size_t len)
{
	struct fake_exec *f = data;
	f->n_query++;
	snprintf(f->last_query, sizeof f->last_query, "%s", sql);
	if (strcmp(sql, "hang") == 0) {
		f->hung = s;
		return 0;
	}
	if (strcmp(sql, "fail") == 0) {
		struct pgwire_error e = { .sqlstate = "42P01",
					  .message = "relation \"x\" does "
						     "not exist",
					  .position = 15 };
		pgwire_session_send_error(s, &e);
		pgwire_session_query_done(s, 'I');
		return 0;
	}
	if (len == 0) {
		pgwire_session_send_empty_query(s);
		pgwire_session_query_done(s, 'I');
		return 0;
	}
	struct pgwire_column col = { .name = "?column?",
				     .type_oid = 23,
				     .typlen = 4,
				     .typmod = -1 };
	struct pgwire_value v = { .p = "1", .len = 1 };
	pgwire_session_send_row_description(s, 1, &col);
	pgwire_session_send_data_row(s, 1, &v);
	pgwire_session_send_command_complete(s, "SELECT 1");
	pgwire_session_query_done(s, 'I');
	return 0;
}

static inline void fake_cancel(void *data, struct pgwire_session *s)
{
	struct fake_exec *f = data;
	f->n_cancel++;
	if (f->hung == s) {
		struct pgwire_error e = { .sqlstate = "57014",
					  .message = "canceling statement due "
						     "to user request" };
		f->hung = NULL;
		pgwire_session_send_error(s, &e);
		pgwire_session_query_done(s, 'I');
	}
}

static inline void fake_resume(void *data, struct pgwire_session *s)
{
	(void)data;
	(void)s;
}

static inline void fake_session_close(void *data, struct pgwire_session *s)
{
	struct fake_exec *f = data;
	f->n_close++;
	if (f->hung == s) {
		f->hung = NULL;
	}
	pgwire_session_release(s);
}

static const struct pgwire_executor_ops fake_ops = {
	.auth_lookup = fake_auth_lookup,
	.session_open = fake_session_open,
	.query = fake_query,
	.cancel = fake_cancel,
	.resume = fake_resume,
	.session_close = fake_session_close,
};

#endif /* TESTS_UNIT_PGWIRE_FIXTURE_H */
