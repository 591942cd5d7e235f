/*
 * Unit tests for sql/numeric.c: display scales carried in typmods,
 * rendering with a scale, and the range-check SQLite functions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "sql/sql.h"
#include "sql/sql_int.h"

static const char *render(const struct sql_value *v, int32_t typmod,
			  char *buf, size_t cap)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	sql_format_text_mod(SQL_OID_NUMERIC, typmod, v, &b);
	snprintf(buf, cap, "%s", tr_buf_cstr(&b));
	tr_buf_close(&b);
	return buf;
}

static void test_typmods(void **state)
{
	(void)state;
	bool div;
	int32_t pg = ((10 << 16) | 2) + 4; /* numeric(10,2) */
	assert_int_equal(sql__numeric_typmod_scale(pg, &div), 2);
	assert_false(div);
	assert_int_equal(sql_typmod_wire(SQL_OID_NUMERIC, pg), pg);
	int32_t s3 = sql__numeric_scale_typmod(3);
	assert_int_equal(sql__numeric_typmod_scale(s3, &div), 3);
	assert_int_equal(sql_typmod_wire(SQL_OID_NUMERIC, s3), -1);
	int32_t d = sql__numeric_div_typmod(2);
	assert_int_equal(sql__numeric_typmod_scale(d, &div), 2);
	assert_true(div);
	assert_int_equal(sql_typmod_wire(SQL_OID_NUMERIC, d), -1);
	assert_int_equal(sql__numeric_typmod_scale(-1, &div), -1);
	assert_int_equal(sql__numeric_scale_typmod(-1), -1);
	/* Arithmetic: + keeps the larger scale, * adds them. */
	assert_int_equal(sql__numeric_arith_typmod('+', SQL_OID_NUMERIC, pg,
						   SQL_OID_INT4, -1),
			 sql__numeric_scale_typmod(2));
	assert_int_equal(sql__numeric_arith_typmod('*', SQL_OID_NUMERIC, pg,
						   SQL_OID_NUMERIC, s3),
			 sql__numeric_scale_typmod(5));
	assert_int_equal(sql__numeric_arith_typmod('/', SQL_OID_INT4, -1,
						   SQL_OID_NUMERIC, s3),
			 sql__numeric_div_typmod(3));
	assert_int_equal(sql__numeric_arith_typmod('+', SQL_OID_NUMERIC, -1,
						   SQL_OID_INT4, -1),
			 -1);
}

static void test_render(void **state)
{
	(void)state;
	char buf[128];
	int32_t s2 = sql__numeric_scale_typmod(2);
	struct sql_value i = { .type = SQL_VALUE_INTEGER, .integer = 7 };
	assert_string_equal(render(&i, s2, buf, sizeof buf), "7.00");
	i.integer = -1234;
	assert_string_equal(render(&i, sql__numeric_scale_typmod(0), buf,
				   sizeof buf),
			    "-1234");
	struct sql_value r = { .type = SQL_VALUE_FLOAT, .real = 400.5 };
	assert_string_equal(render(&r, s2, buf, sizeof buf), "400.50");
	r.real = 2.675; /* half away from zero on the shortest digits */
	assert_string_equal(render(&r, s2, buf, sizeof buf), "2.68");
	r.real = -0.001;
	assert_string_equal(render(&r, s2, buf, sizeof buf), "0.00");
	r.real = 0.1 + 0.2;
	assert_string_equal(render(&r, sql__numeric_scale_typmod(1), buf,
				   sizeof buf),
			    "0.3");
	r.real = 9.999;
	assert_string_equal(render(&r, s2, buf, sizeof buf), "10.00");
	r.real = 1e20;
	assert_string_equal(render(&r, s2, buf, sizeof buf),
			    "100000000000000000000.00");
	/* Quotients: 16 significant digits from the first base-10000
	 * digit, at least the operands' scale. */
	r.real = 3.5;
	assert_string_equal(render(&r, sql__numeric_div_typmod(1), buf,
				   sizeof buf),
			    "3.5000000000000000");
	r.real = 0.375;
	assert_string_equal(render(&r, sql__numeric_div_typmod(0), buf,
				   sizeof buf),
			    "0.37500000000000000000");
	r.real = 12345.6;
	assert_string_equal(render(&r, sql__numeric_div_typmod(0), buf,
				   sizeof buf),
			    "12345.600000000000");
	struct sql_value t = { .type = SQL_VALUE_TEXT, .p = "1.5", .len = 3 };
	assert_string_equal(render(&t, s2, buf, sizeof buf), "1.50");
	/* Not numbers: as without a typmod. */
	t.p = "NaN";
	assert_string_equal(render(&t, s2, buf, sizeof buf), "NaN");
	t.p = "abc";
	assert_string_equal(render(&t, s2, buf, sizeof buf), "abc");
	/* Binary output carries the display scale (dscale 2). */
	struct tr_buf b;
	tr_buf_init(&b, 0);
	i.integer = 7;
	assert_true(sql_format_binary_mod(SQL_OID_NUMERIC, s2, &i, &b));
	static const uint8_t want[] = { 0, 1, 0, 0, 0, 0, 0, 2, 0, 7 };
	assert_int_equal(b.len, sizeof want);
	assert_memory_equal(b.data, want, sizeof want);
	tr_buf_close(&b);
}

/* One value from @sql on @db, or the error message. */
static const char *eval(sqlite3 *db, const char *sql, char *buf, size_t cap)
{
	sqlite3_stmt *ps;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &ps, NULL),
			 SQLITE_OK);
	if (sqlite3_step(ps) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(ps, 0);
		snprintf(buf, cap, "%s", s != NULL ? s : "NULL");
	} else {
		snprintf(buf, cap, "%s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(ps);
	return buf;
}

static void test_functions(void **state)
{
	(void)state;
	sqlite3 *db;
	char buf[256];
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sql_functions_register(db), SQLITE_OK);
	static const struct {
		const char *sql, *want;
	} cases[] = {
		{ "SELECT pg_int_chk(32767, 2)", "32767" },
		{ "SELECT pg_int_chk(32768, 2)", "22003: smallint out of range" },
		{ "SELECT pg_int_chk(2147483647 + 1, 4)",
		  "22003: integer out of range" },
		{ "SELECT pg_int_chk(9223372036854775807 + 1, 8)",
		  "22003: bigint out of range" },
		{ "SELECT pg_int_chk(NULL, 4)", "NULL" },
		{ "SELECT pg_numeric_chk(123.456, 6, 2)", "123.46" },
		{ "SELECT pg_numeric_chk(0.005, 4, 2)", "0.01" },
		{ "SELECT pg_numeric_chk(-2.5, 3, 0)", "-3" },
		{ "SELECT pg_numeric_chk(12345.6, 5, 2)",
		  "22003: numeric field overflow" },
		{ "SELECT pg_numeric_chk(999.995, 5, 2)",
		  "22003: numeric field overflow" },
		{ "SELECT pg_numeric_chk('NaN', 5, 2)", "NaN" },
	};
	for (size_t k = 0; k < TR_ARRAY_LEN(cases); k++) {
		const char *got = eval(db, cases[k].sql, buf, sizeof buf);
		if (strcmp(got, cases[k].want) != 0) {
			fail_msg("%s: got <%s>, want <%s>", cases[k].sql, got,
				 cases[k].want);
		}
	}
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typmods),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_functions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
