/*
 * Unit tests for sql/array.c: array parameters in text and binary form
 * (PostgreSQL 15's array_in / array_recv, errors included), their JSON
 * storage, and text and binary output (array_out / array_send), with
 * round trips and every truncation of a binary array.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sql/sql.h"
#include "sql/sql_int.h"

struct fixture {
	struct tr_arena a;
};

static int setup(void **state)
{
	struct fixture *f = test_malloc(sizeof *f);
	tr_arena_init(&f->a, 4096);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tr_arena_close(&f->a);
	test_free(f);
	return 0;
}

/* Decode text @s as @oid; the stored JSON, or "ERR <sqlstate>". */
static const char *decode(struct tr_arena *a, uint32_t oid, const char *s,
			  struct sql_error *err)
{
	struct sql_value v;
	struct sql_error tmp;
	if (err == NULL) {
		err = &tmp;
	}
	int rv = sql_param_decode(oid, 0, (const uint8_t *)s,
				  (int32_t)strlen(s), a, &v, err);
	if (rv != TR_OK) {
		return tr_arena_printf(a, "ERR %s", err->sqlstate);
	}
	assert_int_equal(v.type, SQL_VALUE_TEXT);
	return tr_arena_strndup(a, v.p, v.len);
}

/* Stored JSON @json rendered as text for @oid. */
static const char *out_text(struct tr_arena *a, uint32_t oid, const char *json)
{
	struct sql_value v = { .type = SQL_VALUE_TEXT,
			       .p = json,
			       .len = strlen(json) };
	struct tr_buf b;
	tr_buf_init(&b, 0);
	assert_true(sql_format_text(oid, &v, &b));
	assert_int_equal(tr_buf_err(&b), TR_OK);
	const char *s = tr_arena_strndup(a, (const char *)b.data, b.len);
	tr_buf_close(&b);
	return s;
}

static void test_text_input(void **state)
{
	struct fixture *f = *state;
	struct tr_arena *a = &f->a;
	assert_string_equal(decode(a, 1007, "{1,2,3}", NULL), "[1,2,3]");
	assert_string_equal(decode(a, 1007, " { 1 , -2 ,NULL, null } ", NULL),
			    "[1,-2,null,null]");
	assert_string_equal(decode(a, 1007, "{}", NULL), "[]");
	assert_string_equal(decode(a, 1007, "{ }", NULL), "[]");
	assert_string_equal(decode(a, 1007, "[1:2]={5,6}", NULL), "[5,6]");
	assert_string_equal(decode(a, 1009, "{a b, \"c\\\"d\" ,\"NULL\",\\a}",
				   NULL),
			    "[\"a b\",\"c\\\"d\",\"NULL\",\"a\"]");
	assert_string_equal(decode(a, 1009, "{\"\",\"x\\\\y\"}", NULL),
			    "[\"\",\"x\\\\y\"]");
	assert_string_equal(decode(a, 1009, "{\"tab\there\"}", NULL),
			    "[\"tab\\there\"]");
	assert_string_equal(decode(a, 1009, "{a\\ }", NULL), "[\"a \"]");
	assert_string_equal(decode(a, 1000, "{t,f,yes,NULL}", NULL),
			    "[1,0,1,null]");
	assert_string_equal(decode(a, 1022, "{1.5,2,Infinity,-inf,NaN}", NULL),
			    "[1.5,2.0,\"Infinity\",\"-Infinity\",\"NaN\"]");
	assert_string_equal(decode(a, 1231, "{1.50,3}", NULL), "[1.5,3]");
	assert_string_equal(decode(a, 1001, "{\"\\\\x0102\",NULL}", NULL),
			    "[\"\\\\x0102\",null]");
	assert_string_equal(
		decode(a, 2951, "{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}", NULL),
		"[\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"]");
	assert_string_equal(decode(a, 1182, "{2024-01-02}", NULL),
			    "[\"2024-01-02\"]");
	assert_string_equal(decode(a, 199, "{\"{\\\"a\\\": 1}\"}", NULL),
			    "[\"{\\\"a\\\": 1}\"]");
}

static void test_text_errors(void **state)
{
	struct fixture *f = *state;
	struct tr_arena *a = &f->a;
	static const struct {
		const char *in;
		const char *detail;
	} bad[] = {
		{ "{1,2", "Unexpected end of input." },
		{ "1,2", "Array value must start with \"{\" or dimension "
			 "information." },
		{ "", "Array value must start with \"{\" or dimension "
		      "information." },
		{ "{1,2}x", "Junk after closing right brace." },
		{ "{1,{2}}", "Unexpected \"{\" character." },
		{ "{\"a\"b}", "Unexpected array element." },
		{ "{a\"b\"}", "Unexpected array element." },
		{ "{,}", "Unexpected \",\" character." },
		{ "{1,,2}", "Unexpected \",\" character." },
		{ "{1,}", "Unexpected \"}\" character." },
		{ "{\"abc", "Unexpected end of input." },
		{ "{\"abc\"", "Unexpected end of input." },
		{ "{abc\\", "Unexpected end of input." },
		{ "[1:3]={1,2}", "Specified array dimensions do not match "
				 "array contents." },
		{ "[1:2]{1,2}", "Missing \"=\" after array dimensions." },
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(bad); i++) {
		struct sql_error err;
		assert_string_equal(decode(a, 1009, bad[i].in, &err),
				    "ERR 22P02");
		char *msg = tr_arena_printf(a, "malformed array literal: \"%s\"",
					    bad[i].in);
		assert_string_equal(err.message, msg);
		assert_non_null(err.detail);
		assert_string_equal(err.detail, bad[i].detail);
	}
	struct sql_error err;
	assert_string_equal(decode(a, 1007, "{x}", &err), "ERR 22P02");
	assert_string_equal(err.message,
			    "invalid input syntax for type integer: \"x\"");
	assert_string_equal(decode(a, 1005, "{70000}", &err), "ERR 22003");
	assert_string_equal(decode(a, 1007, "{{1,2},{3,4}}", &err),
			    "ERR 0A000");
	assert_string_equal(decode(a, 1007, "[0:1]={1,2}", &err), "ERR 0A000");
	assert_string_equal(decode(a, 1007, "[1:1][1:1]={{1}}", &err),
			    "ERR 0A000");
}

static void test_text_output(void **state)
{
	struct fixture *f = *state;
	struct tr_arena *a = &f->a;
	assert_string_equal(out_text(a, 1007, "[1,2,3]"), "{1,2,3}");
	assert_string_equal(out_text(a, 1007, "[]"), "{}");
	assert_string_equal(out_text(a, 1007, "[1,null]"), "{1,NULL}");
	assert_string_equal(
		out_text(a, 1009, "[\"a b\",\"c\\\"d\",null,\"\",\"NULL\","
				  "\"nUlL\",\"x\\\\y\",\"{\",\"a,b\",\"é\","
				  "\"tab\\there\"]"),
		"{\"a b\",\"c\\\"d\",NULL,\"\",\"NULL\",\"nUlL\",\"x\\\\y\","
		"\"{\",\"a,b\",é,\"tab\there\"}");
	assert_string_equal(out_text(a, 1000, "[1,0,true,false]"),
			    "{t,f,t,f}");
	assert_string_equal(out_text(a, 1022, "[1.5,2.0,\"Infinity\",1e+20]"),
			    "{1.5,2,Infinity,1e+20}");
	assert_string_equal(out_text(a, 1001, "[\"\\\\x0102\"]"),
			    "{\"\\\\x0102\"}");
	assert_string_equal(out_text(a, 1185,
				     "[\"2024-01-02 03:04:05.500000+00\"]"),
			    "{\"2024-01-02 03:04:05.5+00\"}");
	/* SQLite's json_array(9e999) and catalog text form. */
	assert_string_equal(out_text(a, 1022, "[Inf,-Inf]"),
			    "{Infinity,-Infinity}");
	assert_string_equal(out_text(a, 1009, "{public,\"a b\"}"),
			    "{public,\"a b\"}");
	/* Not an array: as stored. */
	assert_string_equal(out_text(a, 1007, "[1,[2]]"), "[1,[2]]");
	assert_string_equal(out_text(a, 1007, "abc"), "abc");
	struct sql_value iv = { .type = SQL_VALUE_INTEGER, .integer = 7 };
	struct tr_buf b;
	tr_buf_init(&b, 0);
	assert_true(sql_format_text(1007, &iv, &b));
	assert_int_equal(b.len, 1);
	assert_false(sql_format_binary_ok(1007, &iv));
	tr_buf_close(&b);
}

/* Text in, text out. */
static void test_text_round_trip(void **state)
{
	struct fixture *f = *state;
	struct tr_arena *a = &f->a;
	static const struct {
		uint32_t oid;
		const char *in, *out;
	} cases[] = {
		{ 1007, "{1,2,NULL}", "{1,2,NULL}" },
		{ 1016, "{-9223372036854775808}", "{-9223372036854775808}" },
		{ 1009, "{\"\",\" x \",\"\\\\\"}", "{\"\",\" x \",\"\\\\\"}" },
		{ 1015, "{abc,\"d,e\"}", "{abc,\"d,e\"}" },
		{ 1021, "{0.1,1e30}", "{0.1,1e+30}" },
		{ 1022, "{0.30000000000000004}", "{0.30000000000000004}" },
		{ 1231, "{1.5,-2}", "{1.5,-2}" },
		{ 1000, "{true,false}", "{t,f}" },
		{ 1001, "{\"\\\\x00ff\"}", "{\"\\\\x00ff\"}" },
		{ 1115, "{\"2024-01-02 03:04:05\"}",
		  "{\"2024-01-02 03:04:05\"}" },
		{ 1183, "{12:00:01.25}", "{12:00:01.25}" },
		{ 1187, "{\"1 day\"}", "{\"1 day\"}" },
		{ 3807, "{\"[1, 2]\"}", "{\"[1, 2]\"}" },
		{ 1028, "{4294967295}", "{4294967295}" },
		{ 1007, "{}", "{}" },
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(cases); i++) {
		const char *json = decode(a, cases[i].oid, cases[i].in, NULL);
		assert_string_not_equal(json, "ERR 22P02");
		assert_string_equal(out_text(a, cases[i].oid, json),
				    cases[i].out);
	}
}

/* array_send of int4 {1,NULL,3}. */
static const uint8_t int4_bin[] = {
	0, 0, 0, 1,  0, 0, 0, 1,  0, 0, 0, 23, /* ndim, flags, int4 */
	0, 0, 0, 3,  0, 0, 0, 1,	       /* dim 3, lbound 1 */
	0, 0, 0, 4,  0, 0, 0, 1,	       /* 1 */
	255, 255, 255, 255,		       /* NULL */
	0, 0, 0, 4,  0, 0, 0, 3,	       /* 3 */
};

static void test_binary_input(void **state)
{
	struct fixture *f = *state;
	struct sql_value v;
	struct sql_error err;
	assert_int_equal(sql_param_decode(1007, 1, int4_bin, sizeof int4_bin,
					  &f->a, &v, &err),
			 TR_OK);
	assert_int_equal(v.type, SQL_VALUE_TEXT);
	assert_int_equal(v.len, 10);
	assert_memory_equal(v.p, "[1,null,3]", 10);
	/* Output gives the same bytes back. */
	struct tr_buf b;
	tr_buf_init(&b, 0);
	assert_true(sql_format_binary_ok(1007, &v));
	assert_true(sql_format_binary(1007, &v, &b));
	assert_int_equal(b.len, sizeof int4_bin);
	assert_memory_equal(b.data, int4_bin, sizeof int4_bin);
	tr_buf_close(&b);

	/* An empty array: ndim 0. */
	static const uint8_t empty[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 25 };
	assert_int_equal(sql_param_decode(1009, 1, empty, sizeof empty, &f->a,
					  &v, &err),
			 TR_OK);
	assert_memory_equal(v.p, "[]", 2);
	tr_buf_init(&b, 0);
	assert_true(sql_format_binary(1009, &v, &b));
	assert_int_equal(b.len, sizeof empty);
	assert_memory_equal(b.data, empty, sizeof empty);
	tr_buf_close(&b);

	/* text[] {"a b", NULL} and bytea[] {\x00ff}. */
	static const uint8_t text_bin[] = { 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0,
					    25, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0,
					    0, 3, 'a', ' ', 'b', 255, 255, 255,
					    255 };
	assert_int_equal(sql_param_decode(1009, 1, text_bin, sizeof text_bin,
					  &f->a, &v, &err),
			 TR_OK);
	assert_int_equal(v.len, 12);
	assert_memory_equal(v.p, "[\"a b\",null]", 12);
	static const uint8_t bytea_bin[] = { 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
					     0, 17, 0, 0, 0, 1, 0, 0, 0, 1,
					     0, 0, 0, 2, 0,   255 };
	assert_int_equal(sql_param_decode(1001, 1, bytea_bin, sizeof bytea_bin,
					  &f->a, &v, &err),
			 TR_OK);
	assert_int_equal(v.len, 11);
	assert_memory_equal(v.p, "[\"\\\\x00ff\"]", 11);
	tr_buf_init(&b, 0);
	assert_true(sql_format_binary(1001, &v, &b));
	assert_int_equal(b.len, sizeof bytea_bin);
	assert_memory_equal(b.data, bytea_bin, sizeof bytea_bin);
	tr_buf_close(&b);
}

/* Every proper prefix of a binary array is refused, never read past. */
static void test_binary_truncations(void **state)
{
	struct fixture *f = *state;
	for (size_t n = 0; n < sizeof int4_bin; n++) {
		uint8_t *copy = test_malloc(n > 0 ? n : 1);
		memcpy(copy, int4_bin, n);
		struct sql_value v;
		struct sql_error err;
		int rv = sql_param_decode(1007, 1, copy, (int32_t)n, &f->a, &v,
					  &err);
		assert_int_equal(rv, TR_ESQL);
		assert_true(strcmp(err.sqlstate, "08P01") == 0 ||
			    strcmp(err.sqlstate, "22P03") == 0);
		test_free(copy);
	}
	/* A byte too many. */
	uint8_t more[sizeof int4_bin + 1];
	memcpy(more, int4_bin, sizeof int4_bin);
	more[sizeof int4_bin] = 0;
	struct sql_value v;
	struct sql_error err;
	assert_int_equal(sql_param_decode(1007, 1, more, sizeof more, &f->a, &v,
					  &err),
			 TR_ESQL);
	assert_string_equal(err.sqlstate, "22P03");
}

static void patch32(uint8_t *p, size_t off, uint32_t v)
{
	p[off] = (uint8_t)(v >> 24);
	p[off + 1] = (uint8_t)(v >> 16);
	p[off + 2] = (uint8_t)(v >> 8);
	p[off + 3] = (uint8_t)v;
}

static void test_binary_errors(void **state)
{
	struct fixture *f = *state;
	static const struct {
		size_t off;
		uint32_t v;
		const char *sqlstate;
	} cases[] = {
		{ 0, UINT32_MAX, "22P03" },	/* ndim -1 */
		{ 0, 7, "54000" },		/* ndim over MAXDIM */
		{ 0, 2, "0A000" },		/* two dimensions */
		{ 4, 2, "22P03" },		/* flags */
		{ 8, 20, "42804" },		/* element type int8 */
		{ 12, UINT32_MAX, "54000" },	/* dim -1 */
		{ 12, 0x7fffffff, "54000" },	/* dim too large */
		{ 12, 1000000, "08P01" },	/* more items than bytes */
		{ 12, 4, "08P01" },		/* one item too many */
		{ 12, 2, "22P03" },		/* one too few: bytes left */
		{ 16, 0, "0A000" },		/* lower bound 0 */
		{ 20, 5, "22P03" },		/* element longer than int4 */
		{ 20, 3, "08P01" },		/* element shorter than int4 */
		{ 20, 0xfffffffe, "22P03" },	/* length -2 */
		{ 20, 1000, "22P03" },		/* length past the end */
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(cases); i++) {
		uint8_t buf[sizeof int4_bin];
		memcpy(buf, int4_bin, sizeof buf);
		patch32(buf, cases[i].off, cases[i].v);
		struct sql_value v;
		struct sql_error err;
		int rv = sql_param_decode(1007, 1, buf, sizeof buf, &f->a, &v,
					  &err);
		assert_int_equal(rv, TR_ESQL);
		if (strcmp(err.sqlstate, cases[i].sqlstate) != 0) {
			fail_msg("case %zu: %s (%s), want %s", i, err.sqlstate,
				 err.message, cases[i].sqlstate);
		}
	}
	/* Two dimensions with items: 0A000; with a zero dimension: empty. */
	static const uint8_t two[] = { 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 23,
				       0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1,
				       0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 9 };
	struct sql_value v;
	struct sql_error err;
	assert_int_equal(sql_param_decode(1007, 1, two, sizeof two, &f->a, &v,
					  &err),
			 TR_ESQL);
	assert_string_equal(err.sqlstate, "0A000");
	static const uint8_t zero[] = { 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 23,
					0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 3,
					0, 0, 0, 1 };
	assert_int_equal(sql_param_decode(1007, 1, zero, sizeof zero, &f->a,
					  &v, &err),
			 TR_OK);
	assert_memory_equal(v.p, "[]", 2);
}

/* Binary output of every element type reads back through binary input. */
static void test_binary_round_trip(void **state)
{
	struct fixture *f = *state;
	static const struct {
		uint32_t oid;
		const char *in;
	} cases[] = {
		{ 1000, "{t,f,NULL}" },
		{ 1005, "{-32768,32767}" },
		{ 1007, "{1,-2147483648}" },
		{ 1016, "{9223372036854775807}" },
		{ 1021, "{1.5,-0.25,Infinity}" },
		{ 1022, "{0.1,1e300,-Infinity,NaN}" },
		{ 1231, "{1.5,100,-0.001}" },
		{ 1009, "{\"a b\",\"\",NULL}" },
		{ 1015, "{x}" },
		{ 1014, "{y}" },
		{ 1001, "{\"\\\\x\",\"\\\\xdeadbeef\"}" },
		{ 1182, "{2000-01-01,1999-12-31}" },
		{ 1183, "{23:59:59.999999}" },
		{ 1115, "{\"2024-02-29 12:00:00\"}" },
		{ 1185, "{\"2024-02-29 12:00:00+02\"}" },
		{ 1187, "{\"1 year 2 mons 3 days 04:05:06\"}" },
		{ 2951, "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}" },
		{ 199, "{\"{}\"}" },
		{ 3807, "{\"[1]\"}" },
		{ 1028, "{0,4294967295}" },
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(cases); i++) {
		struct sql_value v, back;
		struct sql_error err;
		const char *s = cases[i].in;
		assert_int_equal(sql_param_decode(cases[i].oid, 0,
						  (const uint8_t *)s,
						  (int32_t)strlen(s), &f->a, &v,
						  &err),
				 TR_OK);
		struct tr_buf b;
		tr_buf_init(&b, 0);
		assert_true(sql_format_binary_ok(cases[i].oid, &v));
		assert_true(sql_format_binary(cases[i].oid, &v, &b));
		assert_int_equal(tr_buf_err(&b), TR_OK);
		int rv = sql_param_decode(cases[i].oid, 1, b.data,
					  (int32_t)b.len, &f->a, &back, &err);
		if (rv != TR_OK) {
			fail_msg("%s: %s", s, err.message);
		}
		assert_int_equal(back.len, v.len);
		assert_memory_equal(back.p, v.p, v.len);
		tr_buf_close(&b);
	}
}

/* Declared types map back; array type names resolve. */
static void test_types(void **state)
{
	TR_UNUSED(state);
	int32_t tm;
	assert_int_equal(sql_type_from_decltype("_int4", &tm), 1007);
	assert_int_equal(sql_type_from_decltype("_text", &tm), 1009);
	assert_int_equal(sql_type_from_decltype("_timestamptz", &tm), 1185);
	assert_int_equal(sql_type_from_decltype("_date", &tm), 1182);
	assert_int_equal(sql_type_from_decltype("_varchar", &tm), 1015);
	assert_int_equal(sql__array_elem(1007), SQL_OID_INT4);
	assert_int_equal(sql__array_of(SQL_OID_UUID), 2951);
	assert_int_equal(sql__array_of(SQL_OID_TIMETZ), 0);
	for (uint32_t oid = 0; oid < 5000; oid++) {
		uint32_t elem = sql__array_elem(oid);
		if (elem != 0) {
			const struct sql__type *t = sql__array_type(elem);
			assert_non_null(t);
			assert_false(sql__decl_is_forbidden(t->decl));
			assert_int_equal(sql_type_from_decltype(t->decl, &tm),
					 oid);
		}
	}
}

/* Allocation failures inside the codecs come back as TR_ENOMEM. */
static void test_oom(void **state)
{
	struct fixture *f = *state;
	const char *s = "{\"a b\",c,NULL}";
	for (int k = 0; k < 20; k++) {
		struct tr_arena a;
		tr_arena_init(&a, 64);
		struct sql_value v;
		struct sql_error err;
		tr_alloc_fault(k, -1);
		int rv = sql_param_decode(1009, 0, (const uint8_t *)s,
					  (int32_t)strlen(s), &a, &v, &err);
		tr_alloc_fault(-1, 0);
		assert_true(rv == TR_OK || rv == TR_ENOMEM);
		tr_arena_close(&a);
	}
	TR_UNUSED(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_text_input, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_text_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_text_output, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_text_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_binary_input, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_binary_truncations, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_binary_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_binary_round_trip, setup,
						teardown),
		cmocka_unit_test(test_types),
		cmocka_unit_test_setup_teardown(test_oom, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
