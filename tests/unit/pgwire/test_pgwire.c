/*
 * Unit tests for pgwire/: framing (every truncation and split of golden
 * messages), startup bounds, backend encoders, SCRAM against RFC 7677's
 * vector, verifier round trip, and connection-level tests that drive a real
 * server on 127.0.0.1 (loop on a thread) with a fake executor and a raw
 * blocking client socket, plaintext and TLS.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "fixture.h"
#include "pgwire/pgwire_int.h"

/* ------------------------------------------------------------------ */
/* Framing                                                             */
/* ------------------------------------------------------------------ */

static void build_startup(struct tr_buf *b, uint32_t code, const char *user)
{
	tr_buf_put_be32(b, 0);
	tr_buf_put_be32(b, code);
	if (user != NULL) {
		tr_buf_put_cstr(b, "user");
		tr_buf_put_cstr(b, user);
		tr_buf_put_cstr(b, "database");
		tr_buf_put_cstr(b, "db");
		tr_buf_put_cstr(b, "application_name");
		tr_buf_put_cstr(b, "psql");
		tr_buf_put_u8(b, 0);
	}
	tr_buf_set_be32(b, 0, (uint32_t)b->len);
}

static void test_frame_startup_every_prefix_needs_more(void **state)
{
	struct tr_buf b;
	struct pgwire_frame f;
	tr_buf_init(&b, 0);
	build_startup(&b, PGWIRE_PROTO_V3, "alice");
	for (size_t i = 0; i < b.len; i++) {
		assert_int_equal(pgwire__frame_startup(b.data, i, &f),
				 TR_EBUSY);
	}
	assert_int_equal(pgwire__frame_startup(b.data, b.len, &f), TR_OK);
	assert_int_equal(f.total, b.len);
	assert_int_equal(f.code, PGWIRE_PROTO_V3);
	struct pgwire_fe_startup st;
	assert_int_equal(pgwire__fe_read_startup(&f, &st), TR_OK);
	assert_string_equal(st.user, "alice");
	assert_string_equal(st.database, "db");
	assert_string_equal(st.application_name, "psql");
	/* Every truncation of the body is a layout error, never a read
	 * past the end. */
	for (size_t cut = 0; cut < f.len; cut++) {
		struct pgwire_frame g = f;
		g.len = cut;
		assert_int_equal(pgwire__fe_read_startup(&g, &st), TR_EPROTO);
	}
	tr_buf_close(&b);
}

static void test_frame_startup_rejects_bad_lengths(void **state)
{
	uint8_t p[12] = { 0 };
	struct pgwire_frame f;
	for (uint32_t len = 0; len < 8; len++) {
		p[3] = (uint8_t)len;
		assert_int_equal(pgwire__frame_startup(p, sizeof p, &f),
				 TR_EPROTO);
	}
	tr_buf_set_be32(&(struct tr_buf){ .data = p, .len = 12, .cap = 12 }, 0,
			PGWIRE_MAX_STARTUP_LEN + 1);
	assert_int_equal(pgwire__frame_startup(p, sizeof p, &f), TR_EPROTO);
	tr_buf_set_be32(&(struct tr_buf){ .data = p, .len = 12, .cap = 12 }, 0,
			PGWIRE_MAX_STARTUP_LEN);
	assert_int_equal(pgwire__frame_startup(p, sizeof p, &f), TR_EBUSY);
	tr_buf_set_be32(&(struct tr_buf){ .data = p, .len = 12, .cap = 12 }, 0,
			0xffffffffu);
	assert_int_equal(pgwire__frame_startup(p, sizeof p, &f), TR_EPROTO);
}

/* Two golden messages back to back, cut at every point: the framer sees
 * the same messages in the same order. */
static void test_frame_next_every_split(void **state)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	size_t m = pgwire__msg_begin(&b, 'Q');
	tr_buf_put_cstr(&b, "select 1");
	pgwire__msg_end(&b, m);
	m = pgwire__msg_begin(&b, 'X');
	pgwire__msg_end(&b, m);
	assert_int_equal(tr_buf_err(&b), TR_OK);
	const size_t first = 1 + 4 + 9;
	for (size_t cut = 0; cut <= b.len; cut++) {
		struct tr_buf in;
		struct pgwire_frame f;
		int n_msgs = 0;
		tr_buf_init(&in, 0);
		tr_buf_put(&in, b.data, cut);
		for (int round = 0; round < 2; round++) {
			for (;;) {
				int rv = pgwire__frame_next(in.data, in.len,
							    1000, &f);
				if (rv == TR_EBUSY) {
					break;
				}
				assert_int_equal(rv, TR_OK);
				if (n_msgs == 0) {
					assert_int_equal(f.type, 'Q');
					assert_int_equal(f.total, first);
					const char *sql;
					size_t len;
					assert_int_equal(
						pgwire__fe_read_query(&f, &sql,
								      &len),
						TR_OK);
					assert_string_equal(sql, "select 1");
				} else {
					assert_int_equal(f.type, 'X');
					assert_int_equal(f.len, 0);
				}
				n_msgs++;
				tr_buf_consume(&in, f.total);
			}
			if (round == 0) {
				assert_int_equal(n_msgs, cut >= b.len   ? 2
							 : cut >= first ? 1
									: 0);
				tr_buf_put(&in, b.data + cut, b.len - cut);
			}
		}
		assert_int_equal(n_msgs, 2);
		assert_int_equal(in.len, 0);
		tr_buf_close(&in);
	}
	tr_buf_close(&b);
}

static void test_frame_next_rejects_bad_lengths(void **state)
{
	uint8_t p[5] = { 'Q', 0, 0, 0, 3 };
	struct pgwire_frame f;
	assert_int_equal(pgwire__frame_next(p, 5, 100, &f), TR_EPROTO);
	p[4] = 105; /* body 101 > cap 100 */
	assert_int_equal(pgwire__frame_next(p, 5, 100, &f), TR_ETOOBIG);
	p[1] = 0xff;
	p[2] = 0xff;
	p[3] = 0xff;
	p[4] = 0xff; /* no overflow in len + 1 */
	assert_int_equal(pgwire__frame_next(p, 5, SIZE_MAX, &f), TR_EBUSY);
}

static void test_query_must_end_with_its_nul(void **state)
{
	const uint8_t no_nul[] = { 's', 'e', 'l' };
	const uint8_t trailing[] = { 'a', 0, 'b' };
	struct pgwire_frame f = { .type = 'Q', .body = no_nul, .len = 3 };
	const char *sql;
	size_t len;
	assert_int_equal(pgwire__fe_read_query(&f, &sql, &len), TR_EPROTO);
	f.body = trailing;
	assert_int_equal(pgwire__fe_read_query(&f, &sql, &len), TR_EPROTO);
}

/* ------------------------------------------------------------------ */
/* Encoders                                                            */
/* ------------------------------------------------------------------ */

static void test_error_fields_encoding(void **state)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	struct pgwire_error e = { .sqlstate = "42P01",
				  .message = "no",
				  .detail = "d",
				  .hint = "",
				  .position = 7 };
	pgwire__be_write_error(&b, 'E', &e, "ERROR");
	static const char want[] = "E\0\0\0\x24SERROR\0VERROR\0C42P01\0Mno\0"
				   "Dd\0P7\0";
	assert_int_equal(tr_buf_err(&b), TR_OK);
	assert_int_equal(b.len, sizeof want); /* includes final '\0' */
	assert_memory_equal(b.data, want, sizeof want);
	tr_buf_close(&b);
}

static void test_data_row_null_and_empty(void **state)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	struct pgwire_value v[2] = { { .p = NULL, .len = -1 },
				     { .p = "", .len = 0 } };
	pgwire__be_write_data_row(&b, 2, v);
	static const uint8_t want[] = { 'D',  0,    0,    0, 14, 0, 2, 0xff,
					0xff, 0xff, 0xff, 0, 0,  0, 0 };
	assert_int_equal(b.len, sizeof want);
	assert_memory_equal(b.data, want, sizeof want);
	tr_buf_close(&b);
}

/* ------------------------------------------------------------------ */
/* SCRAM                                                               */
/* ------------------------------------------------------------------ */

#define RFC_CLIENT_FIRST "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
#define RFC_SNONCE       "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define RFC_SALT         "W22ZaJ0SNY7soEsUEjb6gQ=="
#define RFC_CLIENT_FINAL                                          \
	"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNl" \
	"F$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define RFC_SERVER_FINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

/* A verifier for "pencil" with the RFC's salt. */
static void rfc_verifier(char *out, size_t cap)
{
	uint8_t salt[16];
	uint8_t ck[32], sk[32], svk[32];
	struct tr_buf b;
	assert_int_equal(pgwire__b64_decode(RFC_SALT, strlen(RFC_SALT), salt,
					    sizeof salt),
			 16);
	assert_int_equal(
		pgwire__scram_keys("pencil", salt, 16, 4096, ck, sk, svk),
		TR_OK);
	tr_buf_init(&b, 0);
	tr_buf_put_str(&b, "SCRAM-SHA-256$4096:" RFC_SALT "$");
	pgwire__b64_encode(sk, 32, &b);
	tr_buf_put_str(&b, ":");
	pgwire__b64_encode(svk, 32, &b);
	snprintf(out, cap, "%s", tr_buf_cstr(&b));
	tr_buf_close(&b);
}

static int scram_run(const char *verifier, bool offered_plus, const char *first,
		     const char *final, bool *ok, struct tr_buf *sf,
		     struct tr_buf *fin)
{
	struct pgwire_scram sc;
	pgwire__scram_init(&sc);
	sc.offered_plus = offered_plus;
	int rv = verifier != NULL
			 ? pgwire__scram_set_verifier(&sc, verifier)
			 : pgwire__scram_set_mock(&sc, "user",
						  (const uint8_t *)"k", 1);
	assert_int_equal(rv, TR_OK);
	rv = pgwire__scram_first(&sc, PGWIRE_SCRAM_MECH, (const uint8_t *)first,
				 strlen(first), RFC_SNONCE, sf);
	if (rv == TR_OK) {
		rv = pgwire__scram_final(&sc, (const uint8_t *) final,
					 strlen(final), ok, fin);
	}
	pgwire__scram_close(&sc);
	return rv;
}

static void test_scram_rfc7677_vector(void **state)
{
	char v[256];
	struct tr_buf sf, fin;
	bool ok = false;
	rfc_verifier(v, sizeof v);
	tr_buf_init(&sf, 0);
	tr_buf_init(&fin, 0);
	assert_int_equal(scram_run(v, false, RFC_CLIENT_FIRST, RFC_CLIENT_FINAL,
				   &ok, &sf, &fin),
			 TR_OK);
	assert_string_equal(tr_buf_cstr(&sf),
			    "r=rOprNGfwEbeRWgbNEkqO" RFC_SNONCE ",s=" RFC_SALT
			    ",i=4096");
	assert_true(ok);
	assert_string_equal(tr_buf_cstr(&fin), RFC_SERVER_FINAL);
	tr_buf_close(&sf);
	tr_buf_close(&fin);
}

static void test_scram_rejects_bad_input(void **state)
{
	char v[256];
	struct tr_buf sf, fin;
	bool ok = true;
	rfc_verifier(v, sizeof v);
	tr_buf_init(&sf, 0);
	tr_buf_init(&fin, 0);
	/* Wrong proof (one character changed; not the last one, whose low
	 * bits are base64 padding): a clean failure. */
	char bad[] = RFC_CLIENT_FINAL;
	bad[strlen(bad) - 10] = bad[strlen(bad) - 10] == 'A' ? 'B' : 'A';
	assert_int_equal(
		scram_run(v, false, RFC_CLIENT_FIRST, bad, &ok, &sf, &fin),
		TR_OK);
	assert_false(ok);
	/* Mock exchange: even the right proof fails. */
	tr_buf_reset(&sf);
	assert_int_equal(scram_run(NULL, false, RFC_CLIENT_FIRST,
				   RFC_CLIENT_FINAL, &ok, &sf, &fin),
			 TR_OK);
	assert_false(ok);
	/* Malformed messages. */
	const char *firsts[] = { "",
				 "x,,n=user,r=abc",
				 "n,a=bob,n=user,r=x",
				 "n,,n=user",
				 "n,,n=user,r=",
				 "p=tls-server-end-point,,n=,r=abc" };
	for (size_t i = 0; i < TR_ARRAY_LEN(firsts); i++) {
		tr_buf_reset(&sf);
		assert_int_equal(scram_run(v, false, firsts[i],
					   RFC_CLIENT_FINAL, &ok, &sf, &fin),
				 TR_EPROTO);
	}
	/* "y" when we offered -PLUS is a downgrade. */
	tr_buf_reset(&sf);
	assert_int_equal(scram_run(v, true, "y,,n=user,r=rOprNGfwEbeRWgbNEkqO",
				   RFC_CLIENT_FINAL, &ok, &sf, &fin),
			 TR_EPROTO);
	const char *finals[] = {
		"c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
		"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		"c=biws,r=rOprNGfwEbeRWgbNEkqOX,p=dHzbZapWIk4jUhN+Ute9ytag9zj"
		"fMHgsqmmiz7AndVQ=",
		"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
		"p=dHzb",
		"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(finals); i++) {
		tr_buf_reset(&sf);
		assert_int_equal(scram_run(v, false, RFC_CLIENT_FIRST,
					   finals[i], &ok, &sf, &fin),
				 TR_EPROTO);
	}
	tr_buf_close(&sf);
	tr_buf_close(&fin);
}

/* Client side of SCRAM (for the tests): the proof for @server_first. */
static void client_final(const char *password, const char *client_first_bare,
			 const char *server_first, const char *cbind_b64,
			 struct tr_buf *out)
{
	char nonce[256], salt_b64[256];
	int iter = 0;
	uint8_t salt[64], ck[32], sk[32], svk[32], sig[32];
	assert_int_equal(sscanf(server_first, "r=%255[^,],s=%255[^,],i=%d",
				nonce, salt_b64, &iter),
			 3);
	long n = pgwire__b64_decode(salt_b64, strlen(salt_b64), salt,
				    sizeof salt);
	assert_true(n > 0);
	assert_int_equal(pgwire__scram_keys(password, salt, (size_t)n, iter, ck,
					    sk, svk),
			 TR_OK);
	struct tr_buf am;
	tr_buf_init(&am, 0);
	tr_buf_printf(&am, "%s,%s,c=%s,r=%s", client_first_bare, server_first,
		      cbind_b64, nonce);
	assert_int_equal(pgwire__hmac256(sk, 32, am.data, am.len, sig), TR_OK);
	for (int i = 0; i < 32; i++) {
		ck[i] ^= sig[i];
	}
	tr_buf_printf(out, "c=%s,r=%s,p=", cbind_b64, nonce);
	pgwire__b64_encode(ck, 32, out);
	tr_buf_close(&am);
}

static void test_verifier_make_round_trip(void **state)
{
	char v[256];
	char v2[256];
	assert_int_equal(pgwire_scram_verifier_make("s3cret", v, sizeof v),
			 TR_OK);
	assert_int_equal(pgwire_scram_verifier_make("s3cret", v2, sizeof v2),
			 TR_OK);
	assert_memory_equal(v, "SCRAM-SHA-256$4096:", 19);
	assert_string_not_equal(v, v2); /* random salt */
	assert_int_equal(pgwire_scram_verifier_make("x", v2, 100), TR_EINVAL);

	struct pgwire_scram sc;
	struct tr_buf sf, cf, fin;
	bool ok = false;
	pgwire__scram_init(&sc);
	tr_buf_init(&sf, 0);
	tr_buf_init(&cf, 0);
	tr_buf_init(&fin, 0);
	assert_int_equal(pgwire__scram_set_verifier(&sc, v), TR_OK);
	const char *first = "n,,n=,r=abcdefgh";
	assert_int_equal(pgwire__scram_first(&sc, PGWIRE_SCRAM_MECH,
					     (const uint8_t *)first,
					     strlen(first), NULL, &sf),
			 TR_OK);
	client_final("s3cret", first + 3, tr_buf_cstr(&sf), "biws", &cf);
	assert_int_equal(pgwire__scram_final(&sc, cf.data, cf.len, &ok, &fin),
			 TR_OK);
	assert_true(ok);
	assert_memory_equal(fin.data, "v=", 2);
	pgwire__scram_close(&sc);
	tr_buf_close(&sf);
	tr_buf_close(&cf);
	tr_buf_close(&fin);

	/* Broken verifiers are refused, not half-loaded. */
	pgwire__scram_init(&sc);
	const char *bad[] = { "md5abc", "SCRAM-SHA-256$0:AAAA$x:y",
			      "SCRAM-SHA-256$4096:!!!!$x:y",
			      "SCRAM-SHA-256$4096:AAAA$AAAA:AAAA" };
	for (size_t i = 0; i < TR_ARRAY_LEN(bad); i++) {
		assert_int_equal(pgwire__scram_set_verifier(&sc, bad[i]),
				 TR_EINVAL);
	}
	pgwire__scram_close(&sc);
}

/* ------------------------------------------------------------------ */
/* Extended query codecs                                               */
/* ------------------------------------------------------------------ */

/* Every strict prefix of a body is malformed, and so is a trailing byte. */
static void check_truncations(uint8_t type, const struct tr_buf *body,
			      int (*decode)(const struct pgwire_frame *f))
{
	uint8_t longer[512];
	assert_true(body->len < sizeof longer);
	for (size_t cut = 0; cut < body->len; cut++) {
		struct pgwire_frame f = { .type = type,
					  .body = body->data,
					  .len = cut };
		assert_int_equal(decode(&f), TR_EPROTO);
	}
	memcpy(longer, body->data, body->len);
	longer[body->len] = 0;
	struct pgwire_frame f = { .type = type,
				  .body = longer,
				  .len = body->len + 1 };
	assert_int_equal(decode(&f), TR_EPROTO);
	f.len = body->len;
	assert_int_equal(decode(&f), TR_OK);
}

static int decode_parse(const struct pgwire_frame *f)
{
	struct pgwire_fe_parse m;
	return pgwire__fe_read_parse(f, &m);
}

static int decode_bind(const struct pgwire_frame *f)
{
	struct pgwire_fe_bind m;
	return pgwire__fe_read_bind(f, &m);
}

static int decode_target(const struct pgwire_frame *f)
{
	uint8_t kind;
	const char *name;
	return pgwire__fe_read_target(f, &kind, &name);
}

static int decode_execute(const struct pgwire_frame *f)
{
	const char *portal;
	uint32_t max_rows;
	return pgwire__fe_read_execute(f, &portal, &max_rows);
}

static void put_parse(struct tr_buf *b, const char *name, const char *sql,
		      unsigned n, const uint32_t *oids)
{
	tr_buf_put_cstr(b, name);
	tr_buf_put_cstr(b, sql);
	tr_buf_put_be16(b, (uint16_t)n);
	for (unsigned i = 0; i < n; i++) {
		tr_buf_put_be32(b, oids[i]);
	}
}

/* Bind: @vals[i] NULL is SQL NULL; @lens[i] bytes otherwise. */
static void put_bind(struct tr_buf *b, const char *portal, const char *stmt,
		     unsigned n_fmts, const int16_t *fmts, unsigned n_vals,
		     const char *const *vals, const int32_t *lens,
		     unsigned n_res, const int16_t *res)
{
	tr_buf_put_cstr(b, portal);
	tr_buf_put_cstr(b, stmt);
	tr_buf_put_be16(b, (uint16_t)n_fmts);
	for (unsigned i = 0; i < n_fmts; i++) {
		tr_buf_put_be16(b, (uint16_t)fmts[i]);
	}
	tr_buf_put_be16(b, (uint16_t)n_vals);
	for (unsigned i = 0; i < n_vals; i++) {
		if (vals[i] == NULL) {
			tr_buf_put_be32(b, UINT32_MAX);
			continue;
		}
		tr_buf_put_be32(b, (uint32_t)lens[i]);
		tr_buf_put(b, vals[i], (size_t)lens[i]);
	}
	tr_buf_put_be16(b, (uint16_t)n_res);
	for (unsigned i = 0; i < n_res; i++) {
		tr_buf_put_be16(b, (uint16_t)res[i]);
	}
}

static void test_fe_read_parse_golden(void **state)
{
	static const uint8_t want[] = "s1\0select $1\0\0\x01\0\0\0\x17";
	struct tr_buf b;
	const uint32_t oids[] = { 23 };
	tr_buf_init(&b, 0);
	put_parse(&b, "s1", "select $1", 1, oids);
	assert_int_equal(b.len, sizeof want - 1);
	assert_memory_equal(b.data, want, b.len);
	struct pgwire_frame f = { .type = 'P', .body = b.data, .len = b.len };
	struct pgwire_fe_parse m;
	assert_int_equal(pgwire__fe_read_parse(&f, &m), TR_OK);
	assert_string_equal(m.name, "s1");
	assert_string_equal(m.sql, "select $1");
	assert_int_equal(m.sql_len, 9);
	assert_int_equal(m.n_param_oids, 1);
	assert_int_equal(tr_load_be32(m.param_oids), 23);
	check_truncations('P', &b, decode_parse);
	/* A count that promises more OIDs than the body holds. */
	tr_buf_reset(&b);
	tr_buf_put_cstr(&b, "");
	tr_buf_put_cstr(&b, "x");
	tr_buf_put_be16(&b, 0xffff); /* n = 65535 */
	tr_buf_put_be32(&b, 23);
	f.body = b.data;
	f.len = b.len;
	assert_int_equal(pgwire__fe_read_parse(&f, &m), TR_EPROTO);
	tr_buf_close(&b);
}

static void test_fe_read_bind_golden(void **state)
{
	static const uint8_t want[] = "p\0s\0\0\x02\0\0\0\x01\0\x02"
				      "\0\0\0\x02"
				      "42"
				      "\xff\xff\xff\xff"
				      "\0\x01\0\x01";
	const int16_t fmts[] = { 0, 1 };
	const char *vals[] = { "42", NULL };
	const int32_t lens[] = { 2, 0 };
	const int16_t res[] = { 1 };
	struct tr_buf b;
	tr_buf_init(&b, 0);
	put_bind(&b, "p", "s", 2, fmts, 2, vals, lens, 1, res);
	assert_int_equal(b.len, sizeof want - 1);
	assert_memory_equal(b.data, want, b.len);
	struct pgwire_frame f = { .type = 'B', .body = b.data, .len = b.len };
	struct pgwire_fe_bind m;
	assert_int_equal(pgwire__fe_read_bind(&f, &m), TR_OK);
	assert_string_equal(m.portal, "p");
	assert_string_equal(m.stmt, "s");
	assert_int_equal(m.n_param_formats, 2);
	assert_int_equal(pgwire__fe_get_format(m.param_formats, 1), 1);
	assert_int_equal(m.n_params, 2);
	assert_int_equal(m.params_data_len, 2);
	assert_int_equal(m.n_result_formats, 1);
	assert_int_equal(pgwire__fe_get_format(m.result_formats, 0), 1);
	struct tr_cursor c;
	int32_t len;
	const uint8_t *p;
	tr_cursor_init(&c, m.params, m.params_len);
	assert_int_equal(pgwire__fe_next_param(&c, &len, &p), TR_OK);
	assert_int_equal(len, 2);
	assert_memory_equal(p, "42", 2);
	assert_int_equal(pgwire__fe_next_param(&c, &len, &p), TR_OK);
	assert_int_equal(len, -1);
	assert_int_equal(tr_cursor_expect_end(&c), TR_OK);
	check_truncations('B', &b, decode_bind);
	/* A length below -1 is malformed, not NULL. */
	tr_buf_set_be32(&b, 2 + 2 + 2 + 4 + 2 + 4 + 2, 0xfffffffeu);
	assert_int_equal(pgwire__fe_read_bind(&f, &m), TR_EPROTO);
	/* A length past the end never reads past it. */
	tr_buf_set_be32(&b, 2 + 2 + 2 + 4 + 2, 0x7fffffffu);
	assert_int_equal(pgwire__fe_read_bind(&f, &m), TR_EPROTO);
	/* Negative format codes decode (they are an ERROR later). */
	tr_buf_reset(&b);
	const int16_t bad[] = { -1 };
	put_bind(&b, "", "", 1, bad, 0, NULL, NULL, 0, NULL);
	f.body = b.data;
	f.len = b.len;
	assert_int_equal(pgwire__fe_read_bind(&f, &m), TR_OK);
	assert_int_equal(pgwire__fe_get_format(m.param_formats, 0), -1);
	tr_buf_close(&b);
}

static void test_fe_read_describe_close_execute_sync(void **state)
{
	struct tr_buf b;
	uint8_t kind;
	const char *name;
	tr_buf_init(&b, 0);
	tr_buf_put_u8(&b, 'S');
	tr_buf_put_cstr(&b, "s1");
	struct pgwire_frame f = { .type = 'D', .body = b.data, .len = b.len };
	assert_int_equal(pgwire__fe_read_target(&f, &kind, &name), TR_OK);
	assert_int_equal(kind, 'S');
	assert_string_equal(name, "s1");
	check_truncations('D', &b, decode_target);
	b.data[0] = 'X'; /* neither statement nor portal */
	assert_int_equal(pgwire__fe_read_target(&f, &kind, &name), TR_EPROTO);

	tr_buf_reset(&b);
	tr_buf_put_cstr(&b, "p");
	tr_buf_put_be32(&b, 7);
	f = (struct pgwire_frame){ .type = 'E', .body = b.data, .len = b.len };
	const char *portal;
	uint32_t max_rows;
	assert_int_equal(pgwire__fe_read_execute(&f, &portal, &max_rows),
			 TR_OK);
	assert_string_equal(portal, "p");
	assert_int_equal(max_rows, 7);
	check_truncations('E', &b, decode_execute);
	tr_buf_set_be32(&b, 2, UINT32_MAX); /* -1: no limit */
	assert_int_equal(pgwire__fe_read_execute(&f, &portal, &max_rows),
			 TR_OK);
	assert_int_equal(max_rows, 0);

	const uint8_t one = 0;
	f = (struct pgwire_frame){ .type = 'S', .body = &one, .len = 0 };
	assert_int_equal(pgwire__fe_read_empty(&f), TR_OK);
	f.len = 1;
	assert_int_equal(pgwire__fe_read_empty(&f), TR_EPROTO);
	tr_buf_close(&b);
}

static void test_be_write_extended_golden(void **state)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	const uint32_t oids[] = { 23, 25 };
	pgwire__be_write_parameter_description(&b, 2, oids);
	pgwire__be_write_bodiless(&b, '1');
	pgwire__be_write_bodiless(&b, 's');
	static const uint8_t want[] = "t\0\0\0\x0e\0\x02\0\0\0\x17\0\0\0\x19"
				      "1\0\0\0\x04"
				      "s\0\0\0\x04";
	assert_int_equal(tr_buf_err(&b), TR_OK);
	assert_int_equal(b.len, sizeof want - 1);
	assert_memory_equal(b.data, want, b.len);
	tr_buf_reset(&b);
	const struct pgwire_column col = { .name = "a",
					   .type_oid = 23,
					   .typlen = 4,
					   .typmod = -1,
					   .format = 0 };
	const int16_t fmt[] = { 1 };
	pgwire__be_write_row_description_fmt(&b, 1, &col, fmt);
	static const uint8_t want_t[] =
		"T\0\0\0\x1a\0\x01"
		"a\0"
		"\0\0\0\0\0\0"
		"\0\0\0\x17\0\x04\xff\xff\xff\xff\0\x01";
	assert_int_equal(b.len, sizeof want_t - 1);
	assert_memory_equal(b.data, want_t, b.len);
	tr_buf_close(&b);
}

static int decode_copy_fail(const struct pgwire_frame *f)
{
	const char *msg;
	return pgwire__fe_read_copy_fail(f, &msg);
}

static void test_copy_codecs_golden(void **state)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	pgwire__be_write_copy_response(&b, 'G', false, 2);
	pgwire__be_write_copy_response(&b, 'H', true, 1);
	pgwire__be_write_copy_data(&b, "ab", 2);
	pgwire__be_write_copy_data(&b, NULL, 0);
	pgwire__be_write_bodiless(&b, 'c');
	static const uint8_t want[] = "G\0\0\0\x0b\0\0\x02\0\0\0\0"
				      "H\0\0\0\x09\x01\0\x01\0\x01"
				      "d\0\0\0\x06"
				      "ab"
				      "d\0\0\0\x04"
				      "c\0\0\0\x04";
	assert_int_equal(tr_buf_err(&b), TR_OK);
	assert_int_equal(b.len, sizeof want - 1);
	assert_memory_equal(b.data, want, b.len);
	/* More columns than an int16 holds: sticky, nothing half-sent. */
	tr_buf_reset(&b);
	pgwire__be_write_copy_response(&b, 'G', false, 40000);
	assert_int_equal(tr_buf_err(&b), TR_ETOOBIG);
	tr_buf_close(&b);

	/* CopyFail: the reason, NUL-terminated, nothing after it. */
	tr_buf_init(&b, 0);
	tr_buf_put_cstr(&b, "boom");
	struct pgwire_frame f = { .type = 'f', .body = b.data, .len = b.len };
	const char *msg;
	assert_int_equal(pgwire__fe_read_copy_fail(&f, &msg), TR_OK);
	assert_string_equal(msg, "boom");
	check_truncations('f', &b, decode_copy_fail);
	tr_buf_close(&b);
}

/* ------------------------------------------------------------------ */
/* Connection-level: real server, loop on a thread, blocking client    */
/* ------------------------------------------------------------------ */

struct env {
	uv_loop_t loop;
	uv_async_t stop_async;
	pthread_t thread;
	struct pgwire_server *server;
	struct fake_exec fx;
	SSL_CTX *sctx;
	int port;
	bool stopped;
};

static void on_server_closed(struct pgwire_server *server)
{
	(void)server;
}

static void on_stop_async(uv_async_t *a)
{
	struct env *e = a->data;
	pgwire_server_stop(e->server, on_server_closed);
	uv_close((uv_handle_t *)a, NULL);
}

static void *loop_thread(void *arg)
{
	struct env *e = arg;
	uv_run(&e->loop, UV_RUN_DEFAULT);
	return NULL;
}

static unsigned env_max_connections; /* 0: default */

static int env_setup(void **state)
{
	struct env *e = calloc(1, sizeof *e);
	assert_non_null(e);
	uv_loop_init(&e->loop);
	e->sctx = fixture_tls_ctx();
	assert_non_null(e->sctx);
	e->fx.loop = &e->loop;
	assert_int_equal(pgwire_scram_verifier_make("pencil", e->fx.verifier,
						    sizeof e->fx.verifier),
			 TR_OK);
	struct pgwire_config cfg = {
		.host = "127.0.0.1",
		.port = 0,
		.tls = e->sctx,
		.max_msg_len = 1 << 20,
		.max_connections = env_max_connections,
		.exec = &fake_ops,
		.exec_data = &e->fx,
	};
	assert_int_equal(pgwire_server_new(&e->loop, &cfg, &e->server), TR_OK);
	assert_int_equal(pgwire_server_start(e->server), TR_OK);
	e->port = pgwire_server_port(e->server);
	uv_async_init(&e->loop, &e->stop_async, on_stop_async);
	e->stop_async.data = e;
	assert_int_equal(pthread_create(&e->thread, NULL, loop_thread, e), 0);
	*state = e;
	return 0;
}

static void env_stop(struct env *e)
{
	if (e->stopped) {
		return;
	}
	uv_async_send(&e->stop_async);
	pthread_join(e->thread, NULL);
	e->stopped = true;
}

static int env_teardown(void **state)
{
	struct env *e = *state;
	env_stop(e);
	/* Every session the executor saw (from auth_lookup on) was closed and
	 * released. */
	assert_int_equal(e->fx.n_lookup, e->fx.n_close);
	/* Every statement handle and portal state went back to the
	 * executor (unprepare, close_portal). */
	assert_int_equal(e->fx.n_stmt_live, 0);
	assert_int_equal(e->fx.n_state_live, 0);
	assert_int_equal(uv_loop_close(&e->loop), 0);
	SSL_CTX_free(e->sctx);
	free(e);
	return 0;
}

struct client {
	int fd;
	SSL *ssl;
	SSL_CTX *ctx;
};

static void client_connect(struct client *c, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_sec = 5 };
	memset(c, 0, sizeof *c);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(c->fd >= 0);
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&a, sizeof a), 0);
}

static void client_close(struct client *c)
{
	if (c->ssl != NULL) {
		SSL_free(c->ssl);
		SSL_CTX_free(c->ctx);
	}
	close(c->fd);
}

static void client_send(struct client *c, const void *p, size_t n)
{
	if (c->ssl != NULL) {
		assert_int_equal(SSL_write(c->ssl, p, (int)n), (int)n);
		return;
	}
	assert_int_equal(send(c->fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Read exactly @n bytes; false on EOF or error. */
static bool client_recv(struct client *c, void *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = c->ssl != NULL
				    ? SSL_read(c->ssl, (char *)p + got,
					       (int)(n - got))
				    : recv(c->fd, (char *)p + got, n - got, 0);
		if (r <= 0) {
			return false;
		}
		got += (size_t)r;
	}
	return true;
}

struct msg {
	uint8_t type;
	uint32_t len; /* body length */
	uint8_t body[16384];
};

static bool read_msg(struct client *c, struct msg *m)
{
	uint8_t hdr[5];
	if (!client_recv(c, hdr, 5)) {
		return false;
	}
	m->type = hdr[0];
	m->len = tr_load_be32(hdr + 1) - 4;
	assert_true(m->len < sizeof m->body);
	return client_recv(c, m->body, m->len);
}

static void expect_eof(struct client *c)
{
	uint8_t b;
	assert_false(client_recv(c, &b, 1));
}

/* Field @code of an ErrorResponse body ("" if absent). */
static const char *err_field(const struct msg *m, char code)
{
	size_t i = 0;
	while (i < m->len && m->body[i] != 0) {
		char f = (char)m->body[i++];
		const char *v = (const char *)m->body + i;
		if (f == code) {
			return v;
		}
		i += strlen(v) + 1;
	}
	return "";
}

static void expect_error(struct client *c, const char *sev,
			 const char *sqlstate)
{
	struct msg m;
	assert_true(read_msg(c, &m));
	assert_int_equal(m.type, 'E');
	assert_string_equal(err_field(&m, 'V'), sev);
	assert_string_equal(err_field(&m, 'C'), sqlstate);
}

static void send_msg(struct client *c, uint8_t type, const void *body,
		     size_t len)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	size_t m = pgwire__msg_begin(&b, type);
	tr_buf_put(&b, body, len);
	pgwire__msg_end(&b, m);
	client_send(c, b.data, b.len);
	tr_buf_close(&b);
}

static void send_startup(struct client *c, uint32_t code, const char *user)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	build_startup(&b, code, user);
	client_send(c, b.data, b.len);
	tr_buf_close(&b);
}

static void client_start_tls(struct client *c)
{
	uint8_t req[8] = { 0, 0, 0, 8 };
	uint8_t answer;
	tr_buf_set_be32(&(struct tr_buf){ .data = req, .len = 8, .cap = 8 }, 4,
			PGWIRE_SSL_CODE);
	client_send(c, req, sizeof req);
	assert_true(client_recv(c, &answer, 1));
	assert_int_equal(answer, 'S');
	c->ctx = SSL_CTX_new(TLS_client_method());
	c->ssl = SSL_new(c->ctx);
	SSL_set_fd(c->ssl, c->fd);
	assert_int_equal(SSL_connect(c->ssl), 1);
}

/* Startup + SCRAM; returns after ReadyForQuery, filling pid/key. */
static void client_login(struct client *c, const char *user,
			 const char *password, uint32_t *pid, uint32_t *key)
{
	struct msg m;
	send_startup(c, PGWIRE_PROTO_V3, user);
	assert_true(read_msg(c, &m));
	assert_int_equal(m.type, 'R');
	assert_int_equal(tr_load_be32(m.body), 10);
	const char *first = "n,,n=,r=fyko+d2lbbFgONRv9qkxdawL";
	struct tr_buf b;
	tr_buf_init(&b, 0);
	tr_buf_put_cstr(&b, PGWIRE_SCRAM_MECH);
	tr_buf_put_be32(&b, (uint32_t)strlen(first));
	tr_buf_put_str(&b, first);
	send_msg(c, 'p', b.data, b.len);
	assert_true(read_msg(c, &m));
	assert_int_equal(m.type, 'R');
	assert_int_equal(tr_load_be32(m.body), 11);
	char sf[512];
	snprintf(sf, sizeof sf, "%.*s", (int)m.len - 4, m.body + 4);
	tr_buf_reset(&b);
	client_final(password, first + 3, sf, "biws", &b);
	send_msg(c, 'p', b.data, b.len);
	tr_buf_close(&b);
	if (strcmp(password, "pencil") != 0 || strcmp(user, "u") != 0) {
		struct msg e;
		assert_true(read_msg(c, &e));
		assert_int_equal(e.type, 'E');
		assert_string_equal(err_field(&e, 'C'), "28P01");
		char want[128];
		snprintf(want, sizeof want,
			 "password authentication failed for user \"%s\"",
			 user);
		assert_string_equal(err_field(&e, 'M'), want);
		expect_eof(c);
		return;
	}
	assert_true(read_msg(c, &m));
	assert_int_equal(m.type, 'R');
	assert_int_equal(tr_load_be32(m.body), 12);
	assert_true(read_msg(c, &m));
	assert_int_equal(m.type, 'R');
	assert_int_equal(tr_load_be32(m.body), 0);
	int n_tz = 0;
	for (;;) {
		assert_true(read_msg(c, &m));
		if (m.type == 'S') {
			if (strcmp((char *)m.body, "TimeZone") == 0) {
				n_tz++;
				/* the executor's value wins */
				assert_string_equal((char *)m.body + 9,
						    "Europe/Paris");
			}
			continue;
		}
		if (m.type == 'K') {
			*pid = tr_load_be32(m.body);
			*key = tr_load_be32(m.body + 4);
			continue;
		}
		break;
	}
	assert_int_equal(n_tz, 1);
	assert_int_equal(m.type, 'Z');
	assert_int_equal(m.body[0], 'I');
}

static void query_select_1(struct client *c)
{
	struct msg m;
	send_msg(c, 'Q', "select 1", 9);
	assert_true(read_msg(c, &m));
	assert_int_equal(m.type, 'T');
	assert_true(read_msg(c, &m));
	assert_int_equal(m.type, 'D');
	assert_int_equal(m.len, 2 + 4 + 1);
	assert_int_equal(m.body[6], '1');
	assert_true(read_msg(c, &m));
	assert_int_equal(m.type, 'C');
	assert_string_equal((char *)m.body, "SELECT 1");
	assert_true(read_msg(c, &m));
	assert_int_equal(m.type, 'Z');
}

static void test_conn_login_and_query(void **state)
{
	struct env *e = *state;
	struct client c;
	uint32_t pid, key;
	client_connect(&c, e->port);
	client_login(&c, "u", "pencil", &pid, &key);
	query_select_1(&c);
	/* An error keeps the session; an empty query gets 'I'. */
	send_msg(&c, 'Q', "fail", 5);
	expect_error(&c, "ERROR", "42P01");
	struct msg m;
	assert_true(read_msg(&c, &m));
	assert_int_equal(m.type, 'Z');
	send_msg(&c, 'Q', "", 1);
	assert_true(read_msg(&c, &m));
	assert_int_equal(m.type, 'I');
	assert_true(read_msg(&c, &m));
	assert_int_equal(m.type, 'Z');
	/* Pipelined: two queries in one write, answered in order. */
	uint8_t two[2 * 14];
	struct tr_buf b = { 0 };
	tr_buf_init(&b, 0);
	for (int i = 0; i < 2; i++) {
		size_t off = pgwire__msg_begin(&b, 'Q');
		tr_buf_put_cstr(&b, "select 1");
		pgwire__msg_end(&b, off);
	}
	assert_int_equal(b.len, sizeof two);
	client_send(&c, b.data, b.len);
	tr_buf_close(&b);
	for (int i = 0; i < 8; i++) {
		assert_true(read_msg(&c, &m));
	}
	assert_int_equal(m.type, 'Z');
	send_msg(&c, 'X', NULL, 0);
	expect_eof(&c);
	client_close(&c);
	env_stop(e);
	assert_int_equal(e->fx.n_query, 5);
}

static void test_conn_wrong_password_and_unknown_user(void **state)
{
	struct env *e = *state;
	struct client c;
	uint32_t pid, key;
	client_connect(&c, e->port);
	client_login(&c, "u", "wrong", &pid, &key);
	client_close(&c);
	client_connect(&c, e->port);
	client_login(&c, "nobody", "pencil", &pid, &key);
	client_close(&c);
	env_stop(e);
	assert_int_equal(e->fx.n_open, 0);
}

static void test_conn_malformed_after_login_is_fatal(void **state)
{
	struct env *e = *state;
	struct client c;
	uint32_t pid, key;
	/* Length below 4. */
	client_connect(&c, e->port);
	client_login(&c, "u", "pencil", &pid, &key);
	const uint8_t short_len[] = { 'Q', 0, 0, 0, 3 };
	client_send(&c, short_len, sizeof short_len);
	expect_error(&c, "FATAL", "08P01");
	expect_eof(&c);
	client_close(&c);
	/* Unknown message type. */
	client_connect(&c, e->port);
	client_login(&c, "u", "pencil", &pid, &key);
	send_msg(&c, 'z', "", 0);
	expect_error(&c, "FATAL", "08P01");
	expect_eof(&c);
	client_close(&c);
	/* A second StartupMessage. */
	client_connect(&c, e->port);
	client_login(&c, "u", "pencil", &pid, &key);
	send_startup(&c, PGWIRE_PROTO_V3, "admin");
	expect_error(&c, "FATAL", "08P01");
	expect_eof(&c);
	client_close(&c);
	/* Query without its NUL. */
	client_connect(&c, e->port);
	client_login(&c, "u", "pencil", &pid, &key);
	send_msg(&c, 'Q', "select 1", 8);
	expect_error(&c, "FATAL", "08P01");
	expect_eof(&c);
	client_close(&c);
	/* Over the post-auth cap (1 MiB in this fixture). */
	client_connect(&c, e->port);
	client_login(&c, "u", "pencil", &pid, &key);
	const uint8_t huge[] = { 'Q', 0x10, 0, 0, 0 };
	client_send(&c, huge, sizeof huge);
	expect_error(&c, "FATAL", "08P01");
	expect_eof(&c);
	client_close(&c);
}

/* ------------------------------------------------------------------ */
/* Connection-level: extended query protocol                           */
/* ------------------------------------------------------------------ */

/* A batch of client messages, sent in one write. */
struct batch {
	struct tr_buf b;
};

static void batch_msg(struct batch *bt, uint8_t type, const void *body,
		      size_t len)
{
	size_t m = pgwire__msg_begin(&bt->b, type);
	tr_buf_put(&bt->b, body, len);
	pgwire__msg_end(&bt->b, m);
}

static void batch_parse(struct batch *bt, const char *name, const char *sql,
			unsigned n, const uint32_t *oids)
{
	struct tr_buf body;
	tr_buf_init(&body, 0);
	put_parse(&body, name, sql, n, oids);
	batch_msg(bt, 'P', body.data, body.len);
	tr_buf_close(&body);
}

/* Bind with text parameters (NUL-terminated strings; NULL is SQL NULL)
 * and one result format for every column. */
static void batch_bind_text(struct batch *bt, const char *portal,
			    const char *stmt, unsigned n,
			    const char *const *vals, int16_t res_fmt)
{
	struct tr_buf body;
	int32_t lens[8];
	for (unsigned i = 0; i < n; i++) {
		lens[i] = vals[i] != NULL ? (int32_t)strlen(vals[i]) : 0;
	}
	tr_buf_init(&body, 0);
	put_bind(&body, portal, stmt, 0, NULL, n, vals, lens, 1, &res_fmt);
	batch_msg(bt, 'B', body.data, body.len);
	tr_buf_close(&body);
}

static void batch_target(struct batch *bt, uint8_t type, uint8_t kind,
			 const char *name)
{
	struct tr_buf body;
	tr_buf_init(&body, 0);
	tr_buf_put_u8(&body, kind);
	tr_buf_put_cstr(&body, name);
	batch_msg(bt, type, body.data, body.len);
	tr_buf_close(&body);
}

static void batch_execute(struct batch *bt, const char *portal,
			  uint32_t max_rows)
{
	struct tr_buf body;
	tr_buf_init(&body, 0);
	tr_buf_put_cstr(&body, portal);
	tr_buf_put_be32(&body, max_rows);
	batch_msg(bt, 'E', body.data, body.len);
	tr_buf_close(&body);
}

static void batch_sync(struct batch *bt)
{
	batch_msg(bt, 'S', NULL, 0);
}

static void batch_flush(struct batch *bt)
{
	batch_msg(bt, 'H', NULL, 0);
}

static void batch_send(struct client *c, struct batch *bt)
{
	client_send(c, bt->b.data, bt->b.len);
	tr_buf_reset(&bt->b);
}

static void expect_type(struct client *c, uint8_t type, struct msg *m)
{
	assert_true(read_msg(c, m));
	if (m->type != type) {
		fail_msg("expected '%c', got '%c' (%s)", type, m->type,
			 m->type == 'E' ? err_field(m, 'M') : "");
	}
}

/* Expect one DataRow with one value. */
static void expect_row(struct client *c, const void *val, int32_t len)
{
	struct msg m;
	expect_type(c, 'D', &m);
	assert_int_equal(tr_load_be32(m.body) >> 16, 1);
	assert_int_equal((int32_t)tr_load_be32(m.body + 2), len);
	if (len > 0) {
		assert_memory_equal(m.body + 6, val, (size_t)len);
	}
}

static void expect_complete(struct client *c, const char *tag)
{
	struct msg m;
	expect_type(c, 'C', &m);
	assert_string_equal((char *)m.body, tag);
}

static void expect_ready(struct client *c, char status)
{
	struct msg m;
	expect_type(c, 'Z', &m);
	assert_int_equal(m.body[0], status);
}

static void expect_error_msg(struct client *c, const char *sqlstate,
			     const char *message)
{
	struct msg m;
	expect_type(c, 'E', &m);
	assert_string_equal(err_field(&m, 'V'), "ERROR");
	assert_string_equal(err_field(&m, 'C'), sqlstate);
	if (message != NULL) {
		assert_string_equal(err_field(&m, 'M'), message);
	}
}

static void ext_login(struct env *e, struct client *c)
{
	uint32_t pid, key;
	client_connect(c, e->port);
	client_login(c, "u", "pencil", &pid, &key);
}

static void test_conn_ext_happy_path_text(void **state)
{
	struct env *e = *state;
	struct client c;
	struct batch bt = { 0 };
	struct msg m;
	const uint32_t oid23[] = { 23 };
	const char *v42[] = { "42" };
	tr_buf_init(&bt.b, 0);
	ext_login(e, &c);
	/* What libpq's PQexecParams sends. */
	batch_parse(&bt, "", "select $1", 1, oid23);
	batch_bind_text(&bt, "", "", 1, v42, 0);
	batch_target(&bt, 'D', 'P', "");
	batch_execute(&bt, "", 0);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_type(&c, '1', &m);
	assert_int_equal(m.len, 0);
	expect_type(&c, '2', &m);
	expect_type(&c, 'T', &m);
	assert_int_equal(tr_load_be32(m.body) >> 16, 1);
	assert_string_equal((char *)m.body + 2, "?column?");
	/* type oid, then format (last two bytes) */
	assert_int_equal(tr_load_be32(m.body + 2 + 9 + 6), 23);
	assert_int_equal(m.body[m.len - 1], 0);
	expect_row(&c, "42", 2);
	expect_complete(&c, "SELECT 1");
	expect_ready(&c, 'I');
	assert_true(e->fx.last_sync_follows);
	assert_int_equal(e->fx.last_param_format, 0);
	/* Describe of the unnamed statement: parameters, then columns with
	 * text formats; a no-row statement gets NoData. */
	batch_target(&bt, 'D', 'S', "");
	batch_parse(&bt, "ins", "insert into t values ($1)", 1, oid23);
	batch_target(&bt, 'D', 'S', "ins");
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_type(&c, 't', &m);
	assert_int_equal(m.len, 2 + 4);
	assert_int_equal(tr_load_be32(m.body + 2), 23);
	expect_type(&c, 'T', &m);
	expect_type(&c, '1', &m);
	expect_type(&c, 't', &m);
	expect_type(&c, 'n', &m);
	expect_ready(&c, 'I');
	/* Statement without parameters, executed twice through the same
	 * portal in one transaction: the second Execute finds it done. */
	e->fx.txn_status = 'T';
	batch_parse(&bt, "", "select 1", 0, NULL);
	batch_bind_text(&bt, "p1", "", 0, NULL, 0);
	batch_execute(&bt, "p1", 0);
	batch_execute(&bt, "p1", 0);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_type(&c, '1', &m);
	expect_type(&c, '2', &m);
	expect_row(&c, "1", 1);
	expect_complete(&c, "SELECT 1");
	expect_complete(&c, "SELECT 0");
	expect_ready(&c, 'T');
	client_close(&c);
	env_stop(e);
	assert_int_equal(e->fx.n_prepare, 3);
	assert_int_equal(e->fx.n_execute, 2);
	assert_int_equal(e->fx.n_sync, 3);
	assert_int_equal(e->fx.n_sync_failed, 0);
	tr_buf_close(&bt.b);
}

static void test_conn_ext_binary_formats(void **state)
{
	struct env *e = *state;
	struct client c;
	struct batch bt = { 0 };
	struct msg m;
	const uint32_t oid23[] = { 23 };
	tr_buf_init(&bt.b, 0);
	ext_login(e, &c);
	batch_parse(&bt, "", "select $1", 1, oid23);
	struct tr_buf body;
	tr_buf_init(&body, 0);
	const int16_t bin[] = { 1 };
	const char *val[] = { "\0\0\0\x2a" };
	const int32_t len[] = { 4 };
	put_bind(&body, "", "", 1, bin, 1, val, len, 1, bin);
	batch_msg(&bt, 'B', body.data, body.len);
	batch_target(&bt, 'D', 'P', "");
	batch_execute(&bt, "", 0);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_type(&c, '1', &m);
	expect_type(&c, '2', &m);
	expect_type(&c, 'T', &m);
	assert_int_equal(m.body[m.len - 1], 1); /* portal's format */
	expect_row(&c, "\0\0\0\x2a", 4);
	expect_complete(&c, "SELECT 1");
	expect_ready(&c, 'I');
	assert_int_equal(e->fx.last_param_format, 1);
	/* Binary parameter, text result. */
	tr_buf_reset(&body);
	const int16_t text[] = { 0 };
	put_bind(&body, "", "", 1, bin, 1, val, len, 1, text);
	batch_parse(&bt, "", "select $1", 1, oid23);
	batch_msg(&bt, 'B', body.data, body.len);
	batch_execute(&bt, "", 0);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_type(&c, '1', &m);
	expect_type(&c, '2', &m);
	expect_row(&c, "42", 2);
	expect_complete(&c, "SELECT 1");
	expect_ready(&c, 'I');
	/* A NULL parameter comes back NULL. */
	const char *null[] = { NULL };
	batch_bind_text(&bt, "", "", 1, null, 0);
	batch_execute(&bt, "", 0);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_type(&c, '2', &m);
	expect_row(&c, NULL, -1);
	expect_complete(&c, "SELECT 1");
	expect_ready(&c, 'I');
	tr_buf_close(&body);
	client_close(&c);
	tr_buf_close(&bt.b);
}

static void test_conn_ext_max_rows_suspends(void **state)
{
	struct env *e = *state;
	struct client c;
	struct batch bt = { 0 };
	struct msg m;
	tr_buf_init(&bt.b, 0);
	ext_login(e, &c);
	batch_parse(&bt, "", "gen3", 0, NULL);
	batch_bind_text(&bt, "", "", 0, NULL, 0);
	batch_execute(&bt, "", 1);
	batch_execute(&bt, "", 1);
	batch_msg(&bt, 'H', NULL, 0);
	batch_send(&c, &bt);
	expect_type(&c, '1', &m);
	expect_type(&c, '2', &m);
	expect_row(&c, "1", 1);
	expect_type(&c, 's', &m);
	expect_row(&c, "2", 1);
	expect_type(&c, 's', &m);
	assert_int_equal(e->fx.last_max_rows, 1);
	assert_false(e->fx.last_sync_follows);
	/* The rest, then the portal is done. */
	batch_execute(&bt, "", 5);
	batch_execute(&bt, "", 0);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_row(&c, "3", 1);
	expect_complete(&c, "SELECT 1");
	expect_complete(&c, "SELECT 0");
	expect_ready(&c, 'I');
	/* Sync closed the unnamed portal and freed its state. */
	assert_int_equal(e->fx.n_close_portal, 1);
	batch_execute(&bt, "", 0);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_error_msg(&c, "34000", "portal \"\" does not exist");
	expect_ready(&c, 'I');
	/* Binary rows, and a suspended portal closed by Close. */
	const int16_t bin = 1;
	batch_bind_text(&bt, "", "", 0, NULL, bin);
	batch_execute(&bt, "", 2);
	batch_target(&bt, 'C', 'P', "");
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_type(&c, '2', &m);
	expect_row(&c, "\0\0\0\x01", 4);
	expect_row(&c, "\0\0\0\x02", 4);
	expect_type(&c, 's', &m);
	expect_type(&c, '3', &m);
	expect_ready(&c, 'I');
	assert_int_equal(e->fx.n_close_portal, 2);
	client_close(&c);
	tr_buf_close(&bt.b);
}

static void test_conn_ext_errors_skip_to_sync(void **state)
{
	struct env *e = *state;
	struct client c;
	struct batch bt = { 0 };
	struct msg m;
	tr_buf_init(&bt.b, 0);
	ext_login(e, &c);
	/* Parse fails: everything up to Sync is ignored. */
	batch_parse(&bt, "", "fail", 0, NULL);
	batch_bind_text(&bt, "", "", 0, NULL, 0);
	batch_execute(&bt, "", 0);
	batch_parse(&bt, "", "select 1", 0, NULL);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_error_msg(&c, "42601", NULL);
	expect_ready(&c, 'I');
	assert_int_equal(e->fx.n_prepare, 1);
	assert_int_equal(e->fx.n_execute, 0);
	assert_int_equal(e->fx.n_sync_failed, 1);
	/* Execute fails: same, and the session goes on. */
	batch_parse(&bt, "", "execfail", 0, NULL);
	batch_bind_text(&bt, "", "", 0, NULL, 0);
	batch_execute(&bt, "", 0);
	batch_execute(&bt, "", 0);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_type(&c, '1', &m);
	expect_type(&c, '2', &m);
	expect_error_msg(&c, "22012", "division by zero");
	expect_ready(&c, 'I');
	assert_int_equal(e->fx.n_execute, 1);
	assert_int_equal(e->fx.n_sync_failed, 2);
	/* Unknown statement and portal. */
	batch_bind_text(&bt, "", "nope", 0, NULL, 0);
	batch_sync(&bt);
	batch_target(&bt, 'D', 'S', "nope");
	batch_sync(&bt);
	batch_target(&bt, 'D', 'P', "nope");
	batch_sync(&bt);
	batch_execute(&bt, "nope", 0);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_error_msg(&c, "26000",
			 "prepared statement \"nope\" does not exist");
	expect_ready(&c, 'I');
	expect_error_msg(&c, "26000",
			 "prepared statement \"nope\" does not exist");
	expect_ready(&c, 'I');
	expect_error_msg(&c, "34000", "portal \"nope\" does not exist");
	expect_ready(&c, 'I');
	expect_error_msg(&c, "34000", "portal \"nope\" does not exist");
	expect_ready(&c, 'I');
	/* Wrong parameter count is an ERROR (08P01), not FATAL. */
	batch_parse(&bt, "", "select $1, $2", 0, NULL);
	const char *one[] = { "1" };
	batch_bind_text(&bt, "", "", 1, one, 0);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_type(&c, '1', &m);
	expect_error_msg(&c, "08P01",
			 "bind message supplies 1 parameters, but prepared "
			 "statement \"\" requires 2");
	expect_ready(&c, 'I');
	/* Invalid format code; result format count not 0/1/n. */
	struct tr_buf body;
	tr_buf_init(&body, 0);
	const int16_t bad[] = { 7 };
	const char *two[] = { "1", "2" };
	const int32_t lens[] = { 1, 1 };
	put_bind(&body, "", "", 1, bad, 2, two, lens, 0, NULL);
	batch_msg(&bt, 'B', body.data, body.len);
	batch_sync(&bt);
	tr_buf_reset(&body);
	const int16_t res3[] = { 0, 0, 0 };
	put_bind(&body, "", "", 0, NULL, 2, two, lens, 3, res3);
	batch_msg(&bt, 'B', body.data, body.len);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_error_msg(&c, "22023", "unsupported format code: 7");
	expect_ready(&c, 'I');
	expect_error_msg(&c, "08P01",
			 "bind message has 3 result formats but query has 2 "
			 "columns");
	expect_ready(&c, 'I');
	tr_buf_close(&body);
	query_select_1(&c); /* still in step */
	client_close(&c);
	tr_buf_close(&bt.b);
}

static void test_conn_ext_named_statements_and_close(void **state)
{
	struct env *e = *state;
	struct client c;
	struct batch bt = { 0 };
	struct msg m;
	tr_buf_init(&bt.b, 0);
	ext_login(e, &c);
	batch_parse(&bt, "s1", "select $1", 0, NULL);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_type(&c, '1', &m);
	expect_ready(&c, 'I');
	/* Reused with different values, across Syncs. */
	const char *a[] = { "a" };
	const char *b[] = { "b" };
	batch_bind_text(&bt, "", "s1", 1, a, 0);
	batch_execute(&bt, "", 0);
	batch_sync(&bt);
	batch_bind_text(&bt, "", "s1", 1, b, 0);
	batch_execute(&bt, "", 0);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_type(&c, '2', &m);
	expect_row(&c, "a", 1);
	expect_complete(&c, "SELECT 1");
	expect_ready(&c, 'I');
	expect_type(&c, '2', &m);
	expect_row(&c, "b", 1);
	expect_complete(&c, "SELECT 1");
	expect_ready(&c, 'I');
	/* 42P05 for a name in use; the unnamed one is replaced silently. */
	batch_parse(&bt, "s1", "select 1", 0, NULL);
	batch_sync(&bt);
	batch_parse(&bt, "", "select 1", 0, NULL);
	batch_parse(&bt, "", "select 2", 0, NULL);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_error_msg(&c, "42P05",
			 "prepared statement \"s1\" already exists");
	expect_ready(&c, 'I');
	expect_type(&c, '1', &m);
	expect_type(&c, '1', &m);
	expect_ready(&c, 'I');
	assert_int_equal(e->fx.n_unprepare, 1);
	/* A named portal outlives Close of its statement; 42P03 for a
	 * portal name in use. */
	e->fx.txn_status = 'T';
	batch_bind_text(&bt, "p1", "s1", 1, a, 0);
	batch_bind_text(&bt, "p1", "s1", 1, a, 0);
	batch_sync(&bt);
	batch_bind_text(&bt, "p1", "s1", 1, a, 0);
	batch_target(&bt, 'C', 'S', "s1");
	batch_target(&bt, 'C', 'S', "s1"); /* not an error */
	batch_target(&bt, 'C', 'P', "nope");
	batch_bind_text(&bt, "", "s1", 1, a, 0);
	batch_sync(&bt);
	batch_execute(&bt, "p1", 0);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_type(&c, '2', &m);
	expect_error_msg(&c, "42P03", "portal \"p1\" already exists");
	expect_ready(&c, 'T');
	/* (the failed Sync ended the transaction in a real executor; the
	 * fake still says 'T', so p1 survives) */
	expect_error_msg(&c, "42P03", "portal \"p1\" already exists");
	expect_ready(&c, 'T');
	expect_row(&c, "a", 1);
	expect_complete(&c, "SELECT 1");
	expect_ready(&c, 'T');
	assert_int_equal(e->fx.n_unprepare, 1); /* p1 still holds s1 */
	/* Close the remaining statement via its portal. */
	batch_target(&bt, 'C', 'S', "s1");
	batch_target(&bt, 'C', 'P', "p1");
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_type(&c, '3', &m);
	expect_type(&c, '3', &m);
	expect_ready(&c, 'T');
	assert_int_equal(e->fx.n_unprepare, 2);
	/* Transaction end drops named portals. */
	batch_parse(&bt, "", "gen3", 0, NULL);
	batch_bind_text(&bt, "cur", "", 0, NULL, 0);
	batch_execute(&bt, "cur", 1);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_type(&c, '1', &m);
	expect_type(&c, '2', &m);
	expect_row(&c, "1", 1);
	expect_type(&c, 's', &m);
	expect_ready(&c, 'T');
	assert_int_equal(e->fx.n_state_live, 1);
	e->fx.txn_status = 'I';
	batch_sync(&bt);
	batch_execute(&bt, "cur", 1);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_ready(&c, 'I');
	expect_error_msg(&c, "34000", "portal \"cur\" does not exist");
	expect_ready(&c, 'I');
	assert_int_equal(e->fx.n_state_live, 0);
	/* A simple Query destroys the unnamed statement. */
	batch_parse(&bt, "", "select 1", 0, NULL);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_type(&c, '1', &m);
	expect_ready(&c, 'I');
	query_select_1(&c);
	batch_bind_text(&bt, "", "", 0, NULL, 0);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_error_msg(&c, "26000", "prepared statement \"\" does not exist");
	expect_ready(&c, 'I');
	client_close(&c);
	tr_buf_close(&bt.b);
}

static void test_conn_ext_pipelined_and_sync_follows(void **state)
{
	struct env *e = *state;
	struct client c;
	struct batch bt = { 0 };
	struct msg m;
	const char *v[] = { "x" };
	const char *w[] = { "y" };
	tr_buf_init(&bt.b, 0);
	ext_login(e, &c);
	batch_parse(&bt, "", "select $1", 0, NULL);
	batch_bind_text(&bt, "", "", 1, v, 0);
	batch_execute(&bt, "", 0);
	batch_parse(&bt, "", "select $1", 0, NULL);
	batch_bind_text(&bt, "", "", 1, w, 0);
	batch_execute(&bt, "", 0);
	batch_sync(&bt);
	batch_send(&c, &bt);
	const char *want[] = { "x", "y" };
	for (int i = 0; i < 2; i++) {
		expect_type(&c, '1', &m);
		expect_type(&c, '2', &m);
		expect_row(&c, want[i], 1);
		expect_complete(&c, "SELECT 1");
	}
	expect_ready(&c, 'I');
	/* First Execute followed by Parse: false; second by Sync: true. */
	assert_int_equal(e->fx.sync_follows_log, 2u);
	/* Sync in a later write: false (not known yet).  As PostgreSQL,
	 * the replies wait for Sync or Flush: Flush asks for them. */
	batch_bind_text(&bt, "", "", 1, v, 0);
	batch_execute(&bt, "", 0);
	batch_send(&c, &bt);
	batch_flush(&bt);
	batch_send(&c, &bt);
	expect_type(&c, '2', &m);
	expect_row(&c, "x", 1);
	expect_complete(&c, "SELECT 1");
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_ready(&c, 'I');
	assert_int_equal(e->fx.sync_follows_log, 2u);
	/* An empty query: EmptyQueryResponse, again on a second Execute. */
	batch_parse(&bt, "", "", 0, NULL);
	batch_bind_text(&bt, "", "", 0, NULL, 0);
	batch_execute(&bt, "", 0);
	batch_execute(&bt, "", 0);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_type(&c, '1', &m);
	expect_type(&c, '2', &m);
	expect_type(&c, 'I', &m);
	expect_type(&c, 'I', &m);
	expect_ready(&c, 'I');
	client_close(&c);
	tr_buf_close(&bt.b);
}

static void test_conn_ext_malformed_is_fatal(void **state)
{
	struct env *e = *state;
	struct client c;
	struct batch bt = { 0 };
	tr_buf_init(&bt.b, 0);
	/* Each body is broken in a different way. */
	static const struct {
		uint8_t type;
		const char *body;
		size_t len;
	} cases[] = {
		{ 'P', "\0select 1\0\0", 11 },    /* truncated count */
		{ 'P', "\0x\0\0\x01\0\0", 7 },    /* short OID */
		{ 'B', "\0\0\0\0\0\0\0\0\0", 9 }, /* trailing byte */
		{ 'B', "\0\0\0\0\0\x01\xff\xff\xff\xfe\0\0", 12 }, /* len -2 */
		{ 'D', "X\0", 2 },    /* bad kind */
		{ 'C', "S", 1 },      /* no name */
		{ 'E', "\0\0\0", 3 }, /* short max_rows */
		{ 'S', "\0", 1 },     /* Sync with a body */
		{ 'H', "\0", 1 },     /* Flush with a body */
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(cases); i++) {
		ext_login(e, &c);
		batch_msg(&bt, cases[i].type, cases[i].body, cases[i].len);
		batch_send(&c, &bt);
		expect_error(&c, "FATAL", "08P01");
		expect_eof(&c);
		client_close(&c);
	}
	tr_buf_close(&bt.b);
}

static void test_conn_ext_statement_cap(void **state)
{
	struct env *e = *state;
	struct client c;
	struct batch bt = { 0 };
	struct msg m;
	char name[16];
	tr_buf_init(&bt.b, 0);
	ext_login(e, &c);
	for (unsigned i = 0; i <= PGWIRE_MAX_STATEMENTS; i++) {
		snprintf(name, sizeof name, "s%u", i);
		batch_parse(&bt, name, "select 1", 0, NULL);
	}
	batch_sync(&bt);
	batch_send(&c, &bt);
	for (unsigned i = 0; i < PGWIRE_MAX_STATEMENTS; i++) {
		expect_type(&c, '1', &m);
	}
	expect_error_msg(&c, "54000", NULL);
	expect_ready(&c, 'I');
	/* The unnamed statement replaces itself without counting twice. */
	batch_target(&bt, 'C', 'S', "s0");
	batch_parse(&bt, "", "select 1", 0, NULL);
	batch_parse(&bt, "", "select 1", 0, NULL);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_type(&c, '3', &m);
	expect_type(&c, '1', &m);
	expect_type(&c, '1', &m);
	expect_ready(&c, 'I');
	client_close(&c);
	tr_buf_close(&bt.b);
}

/* ------------------------------------------------------------------ */
/* Connection-level: COPY                                              */
/* ------------------------------------------------------------------ */

/* CopyInResponse / CopyOutResponse with text format and @n_cols. */
static void expect_copy_response(struct client *c, uint8_t type,
				 unsigned n_cols)
{
	struct msg m;
	expect_type(c, type, &m);
	assert_int_equal(m.len, 3 + 2 * n_cols);
	assert_int_equal(m.body[0], 0);
	assert_int_equal(tr_load_be32(m.body) >> 8 & 0xffff, n_cols);
	for (unsigned i = 0; i < n_cols; i++) {
		assert_int_equal(m.body[3 + 2 * i], 0);
		assert_int_equal(m.body[4 + 2 * i], 0);
	}
}

static void expect_copy_data(struct client *c, const char *data)
{
	struct msg m;
	expect_type(c, 'd', &m);
	assert_int_equal(m.len, strlen(data));
	assert_memory_equal(m.body, data, m.len);
}

/* Send @bt's bytes in pieces of @piece bytes, pausing between them, so
 * that the server sees messages cut at arbitrary points. */
static void batch_send_split(struct client *c, struct batch *bt, size_t piece)
{
	for (size_t off = 0; off < bt->b.len; off += piece) {
		size_t n = bt->b.len - off < piece ? bt->b.len - off : piece;
		client_send(c, bt->b.data + off, n);
		nanosleep(&(struct timespec){ .tv_nsec = 200000 }, NULL);
	}
	tr_buf_reset(&bt->b);
}

static void test_conn_copy_in_simple(void **state)
{
	struct env *e = *state;
	struct client c;
	struct batch bt = { 0 };
	tr_buf_init(&bt.b, 0);
	ext_login(e, &c);
	send_msg(&c, 'Q', "copy-in", 8);
	expect_copy_response(&c, 'G', 2);
	/* Rows split across CopyData messages, Flush and Sync in between
	 * (ignored), the whole cut into 3-byte TCP writes. */
	const char *chunks[] = { "1\tone\n2\t", "two\n", "", "3\tthree\n" };
	char want[64] = "";
	for (size_t i = 0; i < TR_ARRAY_LEN(chunks); i++) {
		batch_msg(&bt, 'd', chunks[i], strlen(chunks[i]));
		strcat(want, chunks[i]);
		batch_msg(&bt, i % 2 ? 'H' : 'S', NULL, 0);
	}
	batch_msg(&bt, 'c', NULL, 0);
	batch_send_split(&c, &bt, 3);
	expect_complete(&c, "COPY 3");
	expect_ready(&c, 'I');
	assert_int_equal(e->fx.n_copy_data, 4);
	assert_int_equal(e->fx.n_copy_done, 1);
	assert_int_equal(e->fx.copy_log_len, strlen(want));
	assert_memory_equal(e->fx.copy_log, want, strlen(want));
	query_select_1(&c); /* back to normal */
	/* CopyData, CopyDone and CopyFail outside COPY are ignored. */
	batch_msg(&bt, 'd', "x", 1);
	batch_msg(&bt, 'c', NULL, 0);
	batch_msg(&bt, 'f', "no", 3);
	batch_send(&c, &bt);
	query_select_1(&c);
	assert_int_equal(e->fx.n_copy_data, 4);
	assert_int_equal(e->fx.n_copy_done, 1);
	assert_int_equal(e->fx.n_copy_fail, 0);
	client_close(&c);
	tr_buf_close(&bt.b);
}

static void test_conn_copy_fail(void **state)
{
	struct env *e = *state;
	struct client c;
	struct msg m;
	ext_login(e, &c);
	send_msg(&c, 'Q', "copy-in", 8);
	expect_copy_response(&c, 'G', 2);
	send_msg(&c, 'd', "1\tx\n", 4);
	send_msg(&c, 'f', "user gave up", 13);
	expect_type(&c, 'E', &m);
	assert_string_equal(err_field(&m, 'C'), "57014");
	assert_string_equal(err_field(&m, 'M'),
			    "COPY from stdin failed: user gave up");
	expect_ready(&c, 'I');
	assert_string_equal(e->fx.copy_fail_msg, "user gave up");
	query_select_1(&c);
	client_close(&c);
	/* A CopyFail without its NUL is malformed. */
	ext_login(e, &c);
	send_msg(&c, 'Q', "copy-in", 8);
	expect_copy_response(&c, 'G', 2);
	send_msg(&c, 'f', "oops", 4);
	expect_error(&c, "FATAL", "08P01");
	expect_eof(&c);
	client_close(&c);
	assert_int_equal(e->fx.n_copy_fail, 1);
}

/* The executor fails mid-COPY: the error and ReadyForQuery go out at
 * once (PostgreSQL: "the rest of that message is discarded and
 * ReadyForQuery is issued"), and the CopyData and CopyDone still coming
 * are dropped; the session stays in step. */
static void test_conn_copy_in_error_simple(void **state)
{
	struct env *e = *state;
	struct client c;
	struct batch bt = { 0 };
	tr_buf_init(&bt.b, 0);
	ext_login(e, &c);
	send_msg(&c, 'Q', "copy-in-err", 12);
	expect_copy_response(&c, 'G', 2);
	batch_msg(&bt, 'd', "1\ta\n", 4);
	batch_msg(&bt, 'd', "oops\n", 5);
	batch_send(&c, &bt);
	expect_error_msg(&c, "22P02", "invalid input syntax for type integer");
	expect_ready(&c, 'I');
	/* The client, not yet aware, goes on to the end of its data. */
	batch_msg(&bt, 'd', "3\tc\n", 4);
	batch_msg(&bt, 'd', "4\td\n", 4);
	batch_msg(&bt, 'c', NULL, 0);
	batch_send(&c, &bt);
	query_select_1(&c); /* nothing else came in between */
	assert_int_equal(e->fx.n_copy_data, 2);
	assert_int_equal(e->fx.n_copy_done, 0);
	/* Same with everything already buffered when the error comes. */
	e->fx.n_copy_data = 0;
	send_msg(&c, 'Q', "copy-in-err", 12);
	expect_copy_response(&c, 'G', 2);
	batch_msg(&bt, 'd', "1\ta\n", 4);
	batch_msg(&bt, 'd', "oops\n", 5);
	batch_msg(&bt, 'd', "3\tc\n", 4);
	batch_msg(&bt, 'f', "", 1);
	batch_msg(&bt, 'Q', "select 1", 9);
	batch_send(&c, &bt);
	expect_error_msg(&c, "22P02", NULL);
	expect_ready(&c, 'I');
	struct msg m;
	expect_type(&c, 'T', &m);
	expect_row(&c, "1", 1);
	expect_complete(&c, "SELECT 1");
	expect_ready(&c, 'I');
	assert_int_equal(e->fx.n_copy_data, 2);
	assert_int_equal(e->fx.n_copy_fail, 0);
	client_close(&c);
	tr_buf_close(&bt.b);
}

/* Extended protocol as libpq sends it: Parse/Bind/Execute/Sync at once,
 * then the data, CopyDone and a second Sync. */
static void test_conn_copy_in_extended(void **state)
{
	struct env *e = *state;
	struct client c;
	struct batch bt = { 0 };
	struct msg m;
	tr_buf_init(&bt.b, 0);
	ext_login(e, &c);
	batch_parse(&bt, "", "copy-in", 0, NULL);
	batch_bind_text(&bt, "", "", 0, NULL, 0);
	batch_target(&bt, 'D', 'P', "");
	batch_execute(&bt, "", 0);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_type(&c, '1', &m);
	expect_type(&c, '2', &m);
	expect_type(&c, 'n', &m);
	expect_copy_response(&c, 'G', 2);
	batch_msg(&bt, 'd', "1\ta\n2\t", 6);
	batch_msg(&bt, 'd', "b\n", 2);
	batch_msg(&bt, 'c', NULL, 0);
	batch_sync(&bt);
	batch_send_split(&c, &bt, 5);
	expect_complete(&c, "COPY 2");
	expect_ready(&c, 'I');
	assert_int_equal(e->fx.n_copy_done, 1);
	assert_memory_equal(e->fx.copy_log, "1\ta\n2\tb\n", 8);
	/* An executor error mid-COPY: everything up to Sync is dropped. */
	batch_parse(&bt, "", "copy-in-err", 0, NULL);
	batch_bind_text(&bt, "", "", 0, NULL, 0);
	batch_execute(&bt, "", 0);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_type(&c, '1', &m);
	expect_type(&c, '2', &m);
	expect_copy_response(&c, 'G', 2);
	e->fx.n_copy_data = 0;
	batch_msg(&bt, 'd', "1\ta\n", 4);
	batch_msg(&bt, 'd', "oops\n", 5);
	batch_msg(&bt, 'd', "3\tc\n", 4);
	batch_msg(&bt, 'c', NULL, 0);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_error_msg(&c, "22P02", NULL);
	expect_ready(&c, 'I');
	query_select_1(&c); /* exactly one ReadyForQuery came */
	assert_int_equal(e->fx.n_copy_data, 2);
	assert_int_equal(e->fx.n_copy_done, 1);
	assert_int_equal(e->fx.n_sync_failed, 1);
	client_close(&c);
	tr_buf_close(&bt.b);
}

static void test_conn_copy_in_protocol_violations(void **state)
{
	struct env *e = *state;
	struct client c;
	/* Any message but CopyData/Done/Fail, Flush, Sync: FATAL. */
	ext_login(e, &c);
	send_msg(&c, 'Q', "copy-in", 8);
	expect_copy_response(&c, 'G', 2);
	send_msg(&c, 'd', "1\ta\n", 4);
	send_msg(&c, 'Q', "select 1", 9);
	expect_error(&c, "FATAL", "08P01");
	expect_eof(&c);
	client_close(&c);
	/* CopyData over the post-auth cap (1 MiB here). */
	ext_login(e, &c);
	send_msg(&c, 'Q', "copy-in", 8);
	expect_copy_response(&c, 'G', 2);
	const uint8_t huge[] = { 'd', 0, 0x10, 0, 5 };
	client_send(&c, huge, sizeof huge);
	expect_error(&c, "FATAL", "08P01");
	expect_eof(&c);
	client_close(&c);
	/* Terminate ends the session quietly. */
	ext_login(e, &c);
	send_msg(&c, 'Q', "copy-in", 8);
	expect_copy_response(&c, 'G', 2);
	send_msg(&c, 'X', NULL, 0);
	expect_eof(&c);
	client_close(&c);
	env_stop(e);
	assert_int_equal(e->fx.n_copy_done, 0);
	assert_int_equal(e->fx.n_copy_data, 1);
}

static void test_conn_copy_out(void **state)
{
	struct env *e = *state;
	struct client c;
	struct batch bt = { 0 };
	struct msg m;
	tr_buf_init(&bt.b, 0);
	ext_login(e, &c);
	send_msg(&c, 'Q', "copy-out", 9);
	expect_copy_response(&c, 'H', 1);
	expect_copy_data(&c, "1\n");
	expect_copy_data(&c, "2\n");
	expect_copy_data(&c, "3\n");
	expect_type(&c, 'c', &m);
	assert_int_equal(m.len, 0);
	expect_complete(&c, "COPY 3");
	expect_ready(&c, 'I');
	batch_parse(&bt, "", "copy-out", 0, NULL);
	batch_bind_text(&bt, "", "", 0, NULL, 0);
	batch_execute(&bt, "", 0);
	batch_sync(&bt);
	batch_send(&c, &bt);
	expect_type(&c, '1', &m);
	expect_type(&c, '2', &m);
	expect_copy_response(&c, 'H', 1);
	expect_copy_data(&c, "1\n");
	expect_copy_data(&c, "2\n");
	expect_copy_data(&c, "3\n");
	expect_type(&c, 'c', &m);
	expect_complete(&c, "COPY 3");
	expect_ready(&c, 'I');
	query_select_1(&c);
	client_close(&c);
	tr_buf_close(&bt.b);
}

/* The executor pauses at every CopyData and resumes from a timer: what
 * was buffered meanwhile arrives complete and in order. */
static void test_conn_copy_pause_keeps_order(void **state)
{
	struct env *e = *state;
	struct client c;
	struct batch bt = { 0 };
	char want[4096];
	size_t want_len = 0;
	tr_buf_init(&bt.b, 0);
	ext_login(e, &c);
	send_msg(&c, 'Q', "copy-in-pause", 14);
	expect_copy_response(&c, 'G', 2);
	for (int i = 0; i < 100; i++) {
		char row[32];
		int n = snprintf(row, sizeof row, "%d\trow %d\n", i, i);
		batch_msg(&bt, 'd', row, (size_t)n);
		memcpy(want + want_len, row, (size_t)n);
		want_len += (size_t)n;
	}
	batch_msg(&bt, 'c', NULL, 0);
	batch_send(&c, &bt); /* one write: all buffered while paused */
	expect_complete(&c, "COPY 100");
	expect_ready(&c, 'I');
	assert_int_equal(e->fx.n_copy_data, 100);
	assert_int_equal(e->fx.n_copy_pause, 100);
	assert_int_equal(e->fx.copy_log_len, want_len);
	assert_memory_equal(e->fx.copy_log, want, want_len);
	query_select_1(&c);
	client_close(&c);
	tr_buf_close(&bt.b);
}

static void test_conn_lookup_failure_is_57p03(void **state)
{
	struct env *e = *state;
	struct client c;
	/* The cluster cannot be asked: not an authentication failure, and
	 * nothing about the user is revealed. */
	e->fx.lookup_rc = TR_EIO;
	client_connect(&c, e->port);
	send_startup(&c, 0x00030000, "u");
	expect_error(&c, "FATAL", "57P03");
	expect_eof(&c);
	client_close(&c);
	e->fx.lookup_rc = 0;
}

static void test_conn_startup_errors(void **state)
{
	struct env *e = *state;
	struct client c;
	/* Length below 8: FATAL 08P01, then closed. */
	client_connect(&c, e->port);
	const uint8_t tiny[] = { 0, 0, 0, 7, 0, 3, 0, 0 };
	client_send(&c, tiny, sizeof tiny);
	expect_error(&c, "FATAL", "08P01");
	expect_eof(&c);
	client_close(&c);
	/* Over 10000 bytes: refused from the header alone. */
	client_connect(&c, e->port);
	const uint8_t big[] = { 0, 0, 0x27, 0x11, 0, 3, 0, 0 };
	client_send(&c, big, sizeof big);
	expect_error(&c, "FATAL", "08P01");
	expect_eof(&c);
	client_close(&c);
	/* Protocol 2.0. */
	client_connect(&c, e->port);
	send_startup(&c, 0x00020000, "u");
	expect_error(&c, "FATAL", "0A000");
	expect_eof(&c);
	client_close(&c);
	/* No user. */
	client_connect(&c, e->port);
	const uint8_t nouser[] = { 0, 0, 0, 9, 0, 3, 0, 0, 0 };
	client_send(&c, nouser, sizeof nouser);
	expect_error(&c, "FATAL", "28000");
	expect_eof(&c);
	client_close(&c);
	/* Data after SSLRequest in the same packet (CVE-2021-23214). */
	client_connect(&c, e->port);
	uint8_t ssl_plus[8 + 4] = { 0, 0, 0, 8 };
	tr_buf_set_be32(
		&(struct tr_buf){ .data = ssl_plus, .len = 12, .cap = 12 }, 4,
		PGWIRE_SSL_CODE);
	memcpy(ssl_plus + 8, "junk", 4);
	client_send(&c, ssl_plus, sizeof ssl_plus);
	expect_eof(&c);
	client_close(&c);
	/* Wrong message during SASL. */
	client_connect(&c, e->port);
	send_startup(&c, PGWIRE_PROTO_V3, "u");
	struct msg m;
	assert_true(read_msg(&c, &m));
	send_msg(&c, 'Q', "select 1", 9);
	expect_error(&c, "FATAL", "08P01");
	expect_eof(&c);
	client_close(&c);
}

static void test_conn_tls_login_and_query(void **state)
{
	struct env *e = *state;
	struct client c;
	uint32_t pid, key;
	client_connect(&c, e->port);
	client_start_tls(&c);
	/* On TLS we offer -PLUS first; the test client uses plain SCRAM with
	 * "n": allowed, since it does not claim binding support. */
	client_login(&c, "u", "pencil", &pid, &key);
	query_select_1(&c);
	send_msg(&c, 'X', NULL, 0);
	client_close(&c);
}

static void test_conn_cancel_request(void **state)
{
	struct env *e = *state;
	struct client c, k;
	uint32_t pid, key;
	struct msg m;
	client_connect(&c, e->port);
	client_login(&c, "u", "pencil", &pid, &key);
	send_msg(&c, 'Q', "hang", 5);
	/* Wrong key: ignored. */
	uint8_t req[16] = { 0, 0, 0, 16 };
	struct tr_buf view = { .data = req, .len = 16, .cap = 16 };
	tr_buf_set_be32(&view, 4, PGWIRE_CANCEL_CODE);
	tr_buf_set_be32(&view, 8, pid);
	tr_buf_set_be32(&view, 12, key ^ 1);
	client_connect(&k, e->port);
	client_send(&k, req, sizeof req);
	expect_eof(&k);
	client_close(&k);
	/* Right key: the query ends with 57014. */
	tr_buf_set_be32(&view, 12, key);
	client_connect(&k, e->port);
	client_send(&k, req, sizeof req);
	expect_eof(&k);
	client_close(&k);
	expect_error(&c, "ERROR", "57014");
	assert_true(read_msg(&c, &m));
	assert_int_equal(m.type, 'Z');
	client_close(&c);
	env_stop(e);
	assert_int_equal(e->fx.n_cancel, 1);
}

static void test_conn_server_stop_closes_sessions(void **state)
{
	struct env *e = *state;
	struct client c;
	uint32_t pid, key;
	client_connect(&c, e->port);
	client_login(&c, "u", "pencil", &pid, &key);
	send_msg(&c, 'Q', "hang", 5);
	/* Let the query reach the executor, then stop the server. */
	nanosleep(&(struct timespec){ .tv_nsec = 50000000 }, NULL);
	env_stop(e);
	expect_eof(&c);
	client_close(&c);
	assert_int_equal(e->fx.n_close, 1);
}

static int env_setup_max1(void **state)
{
	env_max_connections = 1;
	int rv = env_setup(state);
	env_max_connections = 0;
	return rv;
}

static void test_conn_over_max_connections_is_53300(void **state)
{
	struct env *e = *state;
	struct client c, d;
	uint32_t pid, key;
	client_connect(&c, e->port);
	client_login(&c, "u", "pencil", &pid, &key);
	client_connect(&d, e->port);
	send_startup(&d, PGWIRE_PROTO_V3, "u");
	expect_error(&d, "FATAL", "53300");
	expect_eof(&d);
	client_close(&d);
	query_select_1(&c);
	client_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_startup_every_prefix_needs_more),
		cmocka_unit_test(test_frame_startup_rejects_bad_lengths),
		cmocka_unit_test(test_frame_next_every_split),
		cmocka_unit_test(test_frame_next_rejects_bad_lengths),
		cmocka_unit_test(test_query_must_end_with_its_nul),
		cmocka_unit_test(test_error_fields_encoding),
		cmocka_unit_test(test_data_row_null_and_empty),
		cmocka_unit_test(test_scram_rfc7677_vector),
		cmocka_unit_test(test_scram_rejects_bad_input),
		cmocka_unit_test(test_verifier_make_round_trip),
		cmocka_unit_test(test_fe_read_parse_golden),
		cmocka_unit_test(test_fe_read_bind_golden),
		cmocka_unit_test(test_fe_read_describe_close_execute_sync),
		cmocka_unit_test(test_be_write_extended_golden),
		cmocka_unit_test(test_copy_codecs_golden),
#define CONN_TEST(t) cmocka_unit_test_setup_teardown(t, env_setup, env_teardown)
		CONN_TEST(test_conn_login_and_query),
		CONN_TEST(test_conn_wrong_password_and_unknown_user),
		CONN_TEST(test_conn_malformed_after_login_is_fatal),
		CONN_TEST(test_conn_ext_happy_path_text),
		CONN_TEST(test_conn_ext_binary_formats),
		CONN_TEST(test_conn_ext_max_rows_suspends),
		CONN_TEST(test_conn_ext_errors_skip_to_sync),
		CONN_TEST(test_conn_ext_named_statements_and_close),
		CONN_TEST(test_conn_ext_pipelined_and_sync_follows),
		CONN_TEST(test_conn_ext_malformed_is_fatal),
		CONN_TEST(test_conn_ext_statement_cap),
		CONN_TEST(test_conn_copy_in_simple),
		CONN_TEST(test_conn_copy_fail),
		CONN_TEST(test_conn_copy_in_error_simple),
		CONN_TEST(test_conn_copy_in_extended),
		CONN_TEST(test_conn_copy_in_protocol_violations),
		CONN_TEST(test_conn_copy_out),
		CONN_TEST(test_conn_copy_pause_keeps_order),
		CONN_TEST(test_conn_startup_errors),
		CONN_TEST(test_conn_lookup_failure_is_57p03),
		CONN_TEST(test_conn_tls_login_and_query),
		CONN_TEST(test_conn_cancel_request),
		CONN_TEST(test_conn_server_stop_closes_sessions),
		cmocka_unit_test_setup_teardown(
			test_conn_over_max_connections_is_53300, env_setup_max1,
			env_teardown),
	};
	return cmocka_run_group_tests_name("pgwire", tests, NULL, NULL);
}
