/*
 * tests/unit/cluster/test_proto.c: dqlite codec tests from byte fixtures
 * (../shared/dqlite-protocol.md §2.7), every truncation and split point,
 * parameter tuples of every type, and the malformed FAILURE of §9 item 8.
 *
 * Truncated inputs are copied into buffers of exactly their length so that
 * AddressSanitizer catches any read past the end.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cluster/cluster_int.h"
#include "unit/cluster/suites.h"

/* QUERY_SQL "SELECT 1 AS id, 'ab' AS name UNION ALL SELECT 2, NULL",
 * answered by a real 1.11 server (§2.7). */
static const uint8_t rows_fixture[] = {
	0x0a, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, /* header */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 2 columns */
	0x69, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* "id" */
	0x6e, 0x61, 0x6d, 0x65, 0x00, 0x00, 0x00, 0x00, /* "name" */
	0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* INTEGER, TEXT */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 1 */
	0x61, 0x62, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* "ab" */
	0x51, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* INTEGER, NULL */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 2 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* NULL */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* DONE */
};

/* EXEC_SQL "INSERT INTO t VALUES(?,?)" with (42, 'hi') (§2.7). */
static const uint8_t exec_sql_fixture[] = {
	0x08, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, /* header */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* db 0 */
	0x49, 0x4e, 0x53, 0x45, 0x52, 0x54, 0x20, 0x49, /* "INSERT I" */
	0x4e, 0x54, 0x4f, 0x20, 0x74, 0x20, 0x56, 0x41, /* "NTO t VA" */
	0x4c, 0x55, 0x45, 0x53, 0x28, 0x3f, 0x2c, 0x3f, /* "LUES(?,?" */
	0x29, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* ")" */
	0x02, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, /* 2: INT, TEXT */
	0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 42 */
	0x68, 0x69, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* "hi" */
};

/* A copy of exactly @n bytes, so overreads are caught. */
static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *q = test_malloc(n == 0 ? 1 : n);
	if (n > 0) {
		memcpy(q, p, n);
	}
	return q;
}

/*
 * Decode a whole ROWS body into a printable summary.  Returns TR_OK,
 * TR_EPROTO, or TR_ENOMEM for an absurd column count.
 */
static int rows_summary(const uint8_t *body, size_t len, char *out, size_t cap)
{
	struct tr_cursor c;
	struct cluster_value vals[32];
	const char *names[32];
	enum cluster__rows_step step;
	unsigned n;
	size_t used = 0;

	tr_cursor_init(&c, body, len);
	out[0] = '\0';
	if (cluster__rows_columns(&c, &n) != TR_OK) {
		return TR_EPROTO;
	}
	if (n > 32) {
		return TR_ENOMEM;
	}
	if (cluster__rows_names(&c, n, names) != TR_OK) {
		return TR_EPROTO;
	}
	for (unsigned i = 0; i < n; i++) {
		used += (size_t)snprintf(out + used, cap - used, "%s|",
					 names[i]);
	}
	for (;;) {
		if (cluster__rows_next(&c, n, vals, &step) != TR_OK) {
			return TR_EPROTO;
		}
		if (step != CLUSTER__ROW) {
			break;
		}
		for (unsigned i = 0; i < n; i++) {
			const struct cluster_value *v = &vals[i];
			switch (v->type) {
			case CLUSTER_INTEGER:
			case CLUSTER_UNIXTIME:
				used += (size_t)snprintf(out + used, cap - used,
							 "%lld,",
							 (long long)v->integer);
				break;
			case CLUSTER_TEXT:
			case CLUSTER_ISO8601:
				used += (size_t)snprintf(out + used, cap - used,
							 "'%s',", v->text.p);
				break;
			case CLUSTER_NULL:
				used += (size_t)snprintf(out + used, cap - used,
							 "NULL,");
				break;
			default:
				used += (size_t)snprintf(out + used, cap - used,
							 "t%d,", (int)v->type);
				break;
			}
		}
		used += (size_t)snprintf(out + used, cap - used, ";");
	}
	used += (size_t)snprintf(out + used, cap - used, "%s",
				 step == CLUSTER__DONE ? "DONE" : "PART");
	return tr_cursor_expect_end(&c);
}

static void test_rows_fixture_decodes(void **state)
{
	struct cluster__frame f;
	char summary[256];
	TR_UNUSED(state);

	assert_int_equal(cluster__frame_next(rows_fixture, sizeof rows_fixture,
					     1 << 20, &f),
			 TR_OK);
	assert_true(f.complete);
	assert_int_equal(f.type, CLUSTER__RESP_ROWS);
	assert_int_equal(f.body_len, 80);
	assert_int_equal(f.total, sizeof rows_fixture);
	assert_int_equal(
		rows_summary(f.body, f.body_len, summary, sizeof summary),
		TR_OK);
	assert_string_equal(summary, "id|name|1,'ab',;2,NULL,;DONE");
}

static void test_rows_every_prefix_needs_more(void **state)
{
	struct cluster__frame f;
	TR_UNUSED(state);
	for (size_t n = 0; n < sizeof rows_fixture; n++) {
		uint8_t *p = dup_exact(rows_fixture, n);
		assert_int_equal(cluster__frame_next(p, n, 1 << 20, &f), TR_OK);
		assert_false(f.complete);
		test_free(p);
	}
}

static void test_rows_every_truncated_body_is_eproto(void **state)
{
	char summary[256];
	TR_UNUSED(state);
	const uint8_t *body = rows_fixture + CLUSTER__HEADER_LEN;
	size_t len = sizeof rows_fixture - CLUSTER__HEADER_LEN;
	for (size_t n = 0; n < len; n++) {
		uint8_t *p = dup_exact(body, n);
		int rv = rows_summary(p, n, summary, sizeof summary);
		assert_int_equal(rv, TR_EPROTO);
		test_free(p);
	}
}

/* Frame a stream arriving in pieces and summarise each message. */
static void frame_stream(const uint8_t *stream, size_t len, size_t split,
			 char *out, size_t cap)
{
	struct tr_buf in;
	struct cluster__frame f;
	size_t used = 0;
	size_t pos = 0;

	tr_buf_init(&in, 0);
	out[0] = '\0';
	size_t pieces[2] = { split, len - split };
	size_t fed = 0;
	for (int k = 0; k < 2; k++) {
		tr_buf_put(&in, stream + fed, pieces[k]);
		fed += pieces[k];
		assert_int_equal(tr_buf_err(&in), TR_OK);
		for (;;) {
			uint8_t *p = dup_exact(in.data + pos, in.len - pos);
			assert_int_equal(cluster__frame_next(p, in.len - pos,
							     1 << 20, &f),
					 TR_OK);
			if (!f.complete) {
				test_free(p);
				break;
			}
			char s[256] = "";
			if (f.type == CLUSTER__RESP_ROWS) {
				assert_int_equal(rows_summary(f.body,
							      f.body_len, s,
							      sizeof s),
						 TR_OK);
			} else {
				struct tr_cursor c;
				struct cluster__resp_result r;
				tr_cursor_init(&c, f.body, f.body_len);
				assert_int_equal(
					cluster__resp_result_decode(&c, &r),
					TR_OK);
				snprintf(s, sizeof s, "result %llu %llu",
					 (unsigned long long)r.last_insert_id,
					 (unsigned long long)r.rows_affected);
			}
			used += (size_t)snprintf(out + used, cap - used, "[%s]",
						 s);
			pos += f.total;
			test_free(p);
		}
	}
	tr_buf_close(&in);
}

static void test_stream_every_split_point_is_the_same(void **state)
{
	TR_UNUSED(state);
	uint8_t stream[sizeof rows_fixture + 24];
	char whole[512];
	char split[512];
	/* ROWS, then a RESULT (last id 7, 1 row). */
	memcpy(stream, rows_fixture, sizeof rows_fixture);
	const uint8_t result[24] = { 2, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0,
				     0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 };
	memcpy(stream + sizeof rows_fixture, result, sizeof result);

	frame_stream(stream, sizeof stream, sizeof stream, whole, sizeof whole);
	assert_string_equal(whole,
			    "[id|name|1,'ab',;2,NULL,;DONE][result 7 1]");
	for (size_t k = 0; k <= sizeof stream; k++) {
		frame_stream(stream, sizeof stream, k, split, sizeof split);
		assert_string_equal(split, whole);
	}
}

static void test_frame_over_limit_is_etoobig(void **state)
{
	struct cluster__frame f;
	TR_UNUSED(state);
	/* 10 words = 80 bytes against a 72-byte limit; only the header is
	 * needed to refuse it. */
	assert_int_equal(cluster__frame_next(rows_fixture, 8, 72, &f),
			 TR_ETOOBIG);
	const uint8_t huge[8] = { 0xff, 0xff, 0xff, 0xff, 7, 0, 0, 0 };
	assert_int_equal(cluster__frame_next(huge, 8, (size_t)1 << 28, &f),
			 TR_ETOOBIG);
}

static void test_exec_sql_request_matches_fixture(void **state)
{
	struct tr_buf b;
	TR_UNUSED(state);
	struct cluster__req_exec_sql m = { .db = 0,
					   .sql = "INSERT INTO t VALUES(?,?)" };
	struct cluster_value params[2] = {
		{ .type = CLUSTER_INTEGER, .integer = 42 },
		{ .type = CLUSTER_TEXT, .text = { "hi", 2 } },
	};

	tr_buf_init(&b, 0);
	assert_int_equal(cluster__params_check(params, 2), TR_OK);
	size_t off = cluster__msg_begin(&b, CLUSTER__REQ_EXEC_SQL);
	cluster__req_exec_sql_encode(&m, &b);
	cluster__params_encode(&b, params, 2);
	cluster__msg_end(&b, off);
	assert_int_equal(tr_buf_err(&b), TR_OK);
	assert_int_equal(b.len, sizeof exec_sql_fixture);
	assert_memory_equal(b.data, exec_sql_fixture, sizeof exec_sql_fixture);
	assert_int_equal(cluster__req_exec_sql_sizeof(&m) +
				 cluster__params_sizeof(params, 2),
			 b.len - CLUSTER__HEADER_LEN);

	/* And back. */
	struct tr_cursor c;
	struct cluster__req_exec_sql d;
	struct cluster_value out[4];
	unsigned n;
	tr_cursor_init(&c, b.data + 8, b.len - 8);
	assert_int_equal(cluster__req_exec_sql_decode(&c, &d), TR_OK);
	assert_string_equal(d.sql, "INSERT INTO t VALUES(?,?)");
	assert_int_equal(cluster__params_decode(&c, out, 4, &n), TR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].integer, 42);
	assert_string_equal(out[1].text.p, "hi");
	assert_int_equal(tr_cursor_expect_end(&c), TR_OK);
	tr_buf_close(&b);
}

static void test_params_of_every_type_round_trip(void **state)
{
	struct tr_buf b;
	TR_UNUSED(state);
	const uint8_t blob[9] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct cluster_value in[7] = {
		{ .type = CLUSTER_INTEGER, .integer = -5 },
		{ .type = CLUSTER_FLOAT, .real = 3.25 },
		{ .type = CLUSTER_TEXT, .text = { "seven77", 7 } },
		{ .type = CLUSTER_BLOB, .blob = { blob, sizeof blob } },
		{ .type = CLUSTER_NULL },
		{ .type = CLUSTER_ISO8601, .text = { "2024-01-02", 10 } },
		{ .type = CLUSTER_BOOLEAN, .boolean = 7 },
	};
	struct cluster_value out[8];
	unsigned n;

	tr_buf_init(&b, 0);
	assert_int_equal(cluster__params_check(in, 7), TR_OK);
	cluster__params_encode(&b, in, 7);
	assert_int_equal(tr_buf_err(&b), TR_OK);
	assert_int_equal(b.len, cluster__params_sizeof(in, 7));
	/* 1 + 7 type bytes: exactly one word, no padding. */
	const uint8_t head[8] = { 7, 1, 2, 3, 4, 5, 10, 11 };
	assert_memory_equal(b.data, head, 8);
	/* 8 + 8 + 8 + 8 (text 7+NUL) + 24 (blob) + 8 + 16 + 8 */
	assert_int_equal(b.len, 88);

	struct tr_cursor c;
	tr_cursor_init(&c, b.data, b.len);
	assert_int_equal(cluster__params_decode(&c, out, 8, &n), TR_OK);
	assert_int_equal(n, 7);
	assert_int_equal(out[0].integer, -5);
	assert_true(out[1].real == 3.25);
	assert_int_equal(out[2].text.len, 7);
	assert_string_equal(out[2].text.p, "seven77");
	assert_int_equal(out[3].blob.len, 9);
	assert_memory_equal(out[3].blob.p, blob, 9);
	assert_int_equal(out[4].type, CLUSTER_NULL);
	assert_string_equal(out[5].text.p, "2024-01-02");
	assert_int_equal(out[6].boolean, 1); /* bound as 0/1 */

	/* Every truncation of the tuple is refused without overreads. */
	for (size_t k = 1; k < b.len; k++) {
		uint8_t *p = dup_exact(b.data, k);
		tr_cursor_init(&c, p, k);
		assert_int_equal(cluster__params_decode(&c, out, 8, &n),
				 TR_EPROTO);
		assert_int_equal(c.left, k); /* cursor unchanged */
		test_free(p);
	}
	tr_buf_close(&b);
}

static void test_params_padding_and_limits(void **state)
{
	struct tr_buf b;
	struct cluster_value v[256];
	TR_UNUSED(state);
	for (unsigned i = 0; i < 256; i++) {
		v[i].type = CLUSTER_NULL;
	}
	tr_buf_init(&b, 0);
	/* 8 parameters: 9 header bytes padded to 16. */
	cluster__params_encode(&b, v, 8);
	assert_int_equal(b.len, 16 + 8 * 8);
	tr_buf_reset(&b);
	/* None at all: nothing is written, nothing is bound. */
	cluster__params_encode(&b, v, 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(cluster__params_check(v, 255), TR_OK);
	assert_int_equal(cluster__params_check(v, 256), TR_EINVAL);
	v[3].type = CLUSTER_UNIXTIME;
	assert_int_equal(cluster__params_check(v, 4), TR_EINVAL);
	v[3].type = (enum cluster_type)6;
	assert_int_equal(cluster__params_check(v, 4), TR_EINVAL);
	v[3].type = CLUSTER_TEXT;
	v[3].text.p = "a\0b";
	v[3].text.len = 3;
	assert_int_equal(cluster__params_check(v, 4), TR_EINVAL);
	tr_buf_close(&b);
}

/* A row with magic types and 17 columns (a two-word type header). */
static void test_rows_magic_types_and_wide_header(void **state)
{
	struct tr_buf b;
	char summary[1024];
	TR_UNUSED(state);
	tr_buf_init(&b, 0);
	tr_buf_put_le64(&b, 17);
	for (int i = 0; i < 17; i++) {
		char name[8];
		snprintf(name, sizeof name, "c%d", i);
		tr_buf_put(&b, name, strlen(name));
		tr_buf_put(&b, "\0\0\0\0\0\0\0\0", 8 - strlen(name));
	}
	/* types: c0 UNIXTIME, c1 ISO8601, c2 BOOLEAN, c3..c16 INTEGER */
	uint8_t header[16] = { 0xa9, 0x1b };
	for (int i = 3; i < 17; i++) {
		header[i / 2] |= (uint8_t)(1 << (i % 2 ? 4 : 0));
	}
	header[1] = 0x1b;
	tr_buf_put(&b, header, 16);
	tr_buf_put_le64(&b, 1700000000);
	tr_buf_put(&b, "2024-01-02\0\0\0\0\0\0", 16);
	tr_buf_put_le64(&b, 1);
	for (int i = 3; i < 17; i++) {
		tr_buf_put_le64(&b, (uint64_t)i);
	}
	tr_buf_put_le64(&b, CLUSTER__ROWS_PART);
	assert_int_equal(tr_buf_err(&b), TR_OK);
	assert_int_equal(rows_summary(b.data, b.len, summary, sizeof summary),
			 TR_OK);
	assert_non_null(strstr(summary, "|1700000000,'2024-01-02',t11,3,4,"));
	assert_non_null(strstr(summary, ",16,;PART"));

	/* An unknown type code in a row is a protocol violation. */
	b.data[8 + 17 * 8] = 0x6e; /* c0 = 14, c1 = 6 */
	assert_int_equal(rows_summary(b.data, b.len, summary, sizeof summary),
			 TR_EPROTO);
	tr_buf_close(&b);
}

static void test_lying_counts_are_refused_before_allocation(void **state)
{
	struct tr_cursor c;
	unsigned n;
	struct cluster_value v;
	TR_UNUSED(state);
	/* A column count far beyond the bytes. */
	const uint8_t cols[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				   0xff, 0x7f, 'a',  0,    0,    0,
				   0,    0,    0,    0 };
	tr_cursor_init(&c, cols, sizeof cols);
	assert_int_equal(cluster__rows_columns(&c, &n), TR_EPROTO);
	assert_int_equal(c.left, sizeof cols);
	/* A blob length beyond the bytes, and one that overflows padding. */
	const uint8_t blob[16] = { 9, 0, 0, 0, 0, 0, 0, 0,
				   1, 2, 3, 4, 5, 6, 7, 8 };
	tr_cursor_init(&c, blob, sizeof blob);
	assert_int_equal(cluster__value_decode(&c, CLUSTER_BLOB, &v),
			 TR_EPROTO);
	const uint8_t blob_max[16] = { 0xff, 0xff, 0xff, 0xff,
				       0xff, 0xff, 0xff, 0xff };
	tr_cursor_init(&c, blob_max, sizeof blob_max);
	assert_int_equal(cluster__value_decode(&c, CLUSTER_BLOB, &v),
			 TR_EPROTO);
	/* SERVERS with more entries than could fit. */
	const uint8_t servers[24] = { 2, 0, 0, 0, 0, 0, 0, 0, 1 };
	tr_cursor_init(&c, servers, sizeof servers);
	assert_int_equal(cluster__servers_count(&c, 1, &n), TR_EPROTO);
	/* Text without its NUL, and text whose padding is missing. */
	const uint8_t text[8] = { 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h' };
	tr_cursor_init(&c, text, sizeof text);
	assert_int_equal(cluster__value_decode(&c, CLUSTER_TEXT, &v),
			 TR_EPROTO);
	uint8_t *p = dup_exact((const uint8_t *)"ab\0", 3);
	tr_cursor_init(&c, p, 3);
	assert_int_equal(cluster__value_decode(&c, CLUSTER_TEXT, &v),
			 TR_EPROTO);
	test_free(p);
	/* Zero columns and a non-marker word: no endless empty rows. */
	const uint8_t zero[16] = { 0 };
	enum cluster__rows_step step;
	tr_cursor_init(&c, zero, sizeof zero);
	assert_int_equal(cluster__rows_columns(&c, &n), TR_OK);
	assert_int_equal(n, 0);
	assert_int_equal(cluster__rows_next(&c, 0, &v, &step), TR_EPROTO);
}

static void put_failure(struct tr_buf *b, uint64_t code, const char *msg)
{
	struct cluster__resp_failure f = { .code = code, .message = msg };
	cluster__resp_failure_encode(&f, b);
}

static void test_failure_plain_and_truncated(void **state)
{
	struct tr_buf b;
	uint64_t code;
	const char *msg;
	TR_UNUSED(state);
	tr_buf_init(&b, 0);
	put_failure(&b, 1555, "UNIQUE constraint failed: t.k");
	assert_int_equal(cluster__failure_decode(b.data, b.len, &code, &msg),
			 TR_OK);
	assert_int_equal(code, 1555);
	assert_string_equal(msg, "UNIQUE constraint failed: t.k");
	assert_int_equal(cluster__failure_rc(code), TR_ESQL);
	assert_int_equal(cluster__failure_rc(10250), TR_ENOTLEADER);
	assert_int_equal(cluster__failure_rc(10 | 32 << 8), TR_ENOTLEADER);
	assert_int_equal(cluster__failure_rc(10506), TR_ESQL);
	for (size_t k = 0; k < b.len; k++) {
		uint8_t *p = dup_exact(b.data, k);
		assert_int_equal(cluster__failure_decode(p, k, &code, &msg),
				 TR_EPROTO);
		test_free(p);
	}
	tr_buf_close(&b);
}

static void test_failure_after_rows_is_recovered(void **state)
{
	struct tr_buf b;
	uint64_t code;
	const char *msg;
	TR_UNUSED(state);
	/* [C][names][rows...][code][message]: the ROWS fixture's body
	 * without its DONE marker, then the failure. */
	tr_buf_init(&b, 0);
	tr_buf_put(&b, rows_fixture + 8, sizeof rows_fixture - 16);
	put_failure(&b, 1, "integer overflow");
	assert_int_equal(cluster__failure_decode(b.data, b.len, &code, &msg),
			 TR_OK);
	assert_int_equal(code, 1);
	assert_string_equal(msg, "integer overflow");

	/* No rows at all before the failure. */
	tr_buf_reset(&b);
	tr_buf_put(&b, rows_fixture + 8, 24);
	put_failure(&b, 19, "x");
	assert_int_equal(cluster__failure_decode(b.data, b.len, &code, &msg),
			 TR_OK);
	assert_int_equal(code, 19);
	assert_string_equal(msg, "x");

	/* Every truncation of the malformed body fails cleanly (a cut
	 * right after a row header or value may still parse as a failure:
	 * what matters is that nothing is read out of bounds). */
	tr_buf_reset(&b);
	tr_buf_put(&b, rows_fixture + 8, sizeof rows_fixture - 16);
	put_failure(&b, 1, "integer overflow");
	for (size_t k = 0; k < b.len; k++) {
		uint8_t *p = dup_exact(b.data, k);
		int rv = cluster__failure_decode(p, k, &code, &msg);
		assert_true(rv == TR_OK || rv == TR_EPROTO);
		test_free(p);
	}
	tr_buf_close(&b);
}

static void test_fixed_schemas_round_trip(void **state)
{
	struct tr_buf b;
	struct tr_cursor c;
	TR_UNUSED(state);
	tr_buf_init(&b, 0);

	struct cluster__req_open open = { .name = "db",
					  .flags = 0,
					  .vfs = "volatile" };
	cluster__req_open_encode(&open, &b);
	assert_int_equal(b.len, cluster__req_open_sizeof(&open));
	assert_int_equal(b.len, 8 + 8 + 16);
	struct cluster__req_open open2;
	tr_cursor_init(&c, b.data, b.len);
	assert_int_equal(cluster__req_open_decode(&c, &open2), TR_OK);
	assert_string_equal(open2.vfs, "volatile");

	tr_buf_reset(&b);
	struct cluster__resp_stmt st = { .db = 0, .id = 3, .n_params = 2 };
	cluster__resp_stmt_encode(&st, &b);
	const uint8_t want[16] = { 0, 0, 0, 0, 3, 0, 0, 0, 2 };
	assert_memory_equal(b.data, want, 16);
	for (size_t k = 0; k < b.len; k++) {
		struct cluster__resp_stmt st2;
		uint8_t *p = dup_exact(b.data, k);
		tr_cursor_init(&c, p, k);
		assert_int_equal(cluster__resp_stmt_decode(&c, &st2),
				 TR_EPROTO);
		assert_int_equal(c.left, k);
		test_free(p);
	}

	/* LEADER from the leader itself: 3 words (§2.7). */
	tr_buf_reset(&b);
	struct cluster__resp_server srv = { .id = 1,
					    .address = "127.0.0.1:29001" };
	cluster__resp_server_encode(&srv, &b);
	assert_int_equal(b.len, 24);

	/* SERVERS, format 1. */
	tr_buf_reset(&b);
	tr_buf_put_le64(&b, 2);
	cluster__resp_server_encode(&srv, &b);
	tr_buf_put_le64(&b, CLUSTER_VOTER);
	srv.id = 2;
	srv.address = "127.0.0.1:29002";
	cluster__resp_server_encode(&srv, &b);
	tr_buf_put_le64(&b, CLUSTER_SPARE);
	unsigned n;
	struct cluster_server_info s;
	tr_cursor_init(&c, b.data, b.len);
	assert_int_equal(cluster__servers_count(&c, 1, &n), TR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(cluster__servers_next(&c, 1, &s), TR_OK);
	assert_int_equal(cluster__servers_next(&c, 1, &s), TR_OK);
	assert_int_equal(s.id, 2);
	assert_int_equal(s.role, CLUSTER_SPARE);
	assert_string_equal(s.address, "127.0.0.1:29002");
	assert_int_equal(tr_cursor_expect_end(&c), TR_OK);

	/* FILES. */
	tr_buf_reset(&b);
	tr_buf_put_le64(&b, 1);
	tr_buf_put(&b, "db\0\0\0\0\0\0", 8);
	tr_buf_put_le64(&b, 8);
	tr_buf_put(&b, "SQLite f", 8);
	const char *name;
	const uint8_t *data;
	uint64_t size;
	tr_cursor_init(&c, b.data, b.len);
	assert_int_equal(cluster__files_count(&c, &n), TR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(cluster__files_next(&c, &name, &data, &size), TR_OK);
	assert_string_equal(name, "db");
	assert_int_equal(size, 8);
	assert_memory_equal(data, "SQLite f", 8);

	assert_string_equal(cluster__request_name(CLUSTER__REQ_QUERY_SQL),
			    "QUERY_SQL");
	assert_int_equal(cluster__request_expects(CLUSTER__REQ_DESCRIBE),
			 CLUSTER__RESP_METADATA);
	assert_int_equal(cluster__request_expects(99), -1);
	tr_buf_close(&b);
}

static void test_msg_end_pads_and_backfills(void **state)
{
	struct tr_buf b;
	TR_UNUSED(state);
	tr_buf_init(&b, 0);
	size_t off = cluster__msg_begin(&b, CLUSTER__REQ_LEADER);
	tr_buf_put(&b, "abc", 3);
	cluster__msg_end(&b, off);
	assert_int_equal(tr_buf_err(&b), TR_OK);
	const uint8_t want[16] = { 1, 0, 0, 0, 0, 0, 0, 0, 'a', 'b', 'c' };
	assert_int_equal(b.len, 16);
	assert_memory_equal(b.data, want, 16);
	tr_buf_close(&b);
}

int test_proto_run(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_fixture_decodes),
		cmocka_unit_test(test_rows_every_prefix_needs_more),
		cmocka_unit_test(test_rows_every_truncated_body_is_eproto),
		cmocka_unit_test(test_stream_every_split_point_is_the_same),
		cmocka_unit_test(test_frame_over_limit_is_etoobig),
		cmocka_unit_test(test_exec_sql_request_matches_fixture),
		cmocka_unit_test(test_params_of_every_type_round_trip),
		cmocka_unit_test(test_params_padding_and_limits),
		cmocka_unit_test(test_rows_magic_types_and_wide_header),
		cmocka_unit_test(
			test_lying_counts_are_refused_before_allocation),
		cmocka_unit_test(test_failure_plain_and_truncated),
		cmocka_unit_test(test_failure_after_rows_is_recovered),
		cmocka_unit_test(test_fixed_schemas_round_trip),
		cmocka_unit_test(test_msg_end_pads_and_backfills),
	};
	return cmocka_run_group_tests_name("cluster_proto", tests, NULL, NULL);
}
