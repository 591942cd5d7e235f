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

static const char *render(const struct sql_value *v, int32_t typmod, char *buf,
			  size_t cap)
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
	assert_string_equal(
		render(&i, sql__numeric_scale_typmod(0), buf, sizeof buf),
		"-1234");
	struct sql_value r = { .type = SQL_VALUE_FLOAT, .real = 400.5 };
	assert_string_equal(render(&r, s2, buf, sizeof buf), "400.50");
	r.real = 2.675; /* half away from zero on the shortest digits */
	assert_string_equal(render(&r, s2, buf, sizeof buf), "2.68");
	r.real = -0.001;
	assert_string_equal(render(&r, s2, buf, sizeof buf), "0.00");
	r.real = 0.1 + 0.2;
	assert_string_equal(
		render(&r, sql__numeric_scale_typmod(1), buf, sizeof buf),
		"0.3");
	r.real = 9.999;
	assert_string_equal(render(&r, s2, buf, sizeof buf), "10.00");
	r.real = 1e20;
	assert_string_equal(render(&r, s2, buf, sizeof buf),
			    "100000000000000000000.00");
	/* Quotients: 16 significant digits from the first base-10000
	 * digit, at least the operands' scale. */
	r.real = 3.5;
	assert_string_equal(
		render(&r, sql__numeric_div_typmod(1), buf, sizeof buf),
		"3.5000000000000000");
	r.real = 0.375;
	assert_string_equal(
		render(&r, sql__numeric_div_typmod(0), buf, sizeof buf),
		"0.37500000000000000000");
	r.real = 12345.6;
	assert_string_equal(
		render(&r, sql__numeric_div_typmod(0), buf, sizeof buf),
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
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &ps, NULL), SQLITE_OK);
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
		{ "SELECT pg_int_chk(32768, 2)",
		  "22003: smallint out of range" },
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

/* Values of @sql's rows joined by ';' (NULL as NULL), or the error. */
static const char *eval_rows(sqlite3 *db, const char *sql, char *buf,
			     size_t cap)
{
	sqlite3_stmt *ps;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &ps, NULL), SQLITE_OK);
	size_t o = 0;
	buf[0] = '\0';
	int rc;
	while ((rc = sqlite3_step(ps)) == SQLITE_ROW && o < cap) {
		const char *s = (const char *)sqlite3_column_text(ps, 0);
		o += (size_t)snprintf(buf + o, cap - o, "%s%s",
				      o > 0 ? ";" : "", s != NULL ? s : "NULL");
	}
	if (rc != SQLITE_DONE) {
		snprintf(buf, cap, "%s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(ps);
	return buf;
}

/* decimal.c: exact quotients, checked against PostgreSQL 15. */
static void test_exact_quotients(void **state)
{
	(void)state;
	sqlite3 *db;
	char buf[512];
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sql_functions_register(db), SQLITE_OK);
	static const struct {
		const char *sql, *want;
	} cases[] = {
		{ "SELECT pg_num_div(1, 3, 0, 0)", "0.33333333333333333333" },
		{ "SELECT typeof(pg_num_div(1, 3, 0, 0))", "text" },
		{ "SELECT pg_num_div(-1, 3, 0, 0)", "-0.33333333333333333333" },
		{ "SELECT pg_num_div('7.0', 2, 1, 0)", "3.5000000000000000" },
		/* A REAL is its shortest decimal. */
		{ "SELECT pg_num_div(12345.679, 4, 3, 0)",
		  "3086.4197500000000000" },
		/* Equal first base-10000 digits: one more group of decimals. */
		{ "SELECT pg_num_div(5, 5, 0, 0)", "1.00000000000000000000" },
		{ "SELECT pg_num_div(10001, 10000, 0, 0)",
		  "1.00010000000000000000" },
		{ "SELECT pg_num_div(2, '0.0003', 0, 4)",
		  "6666.6666666666666667" },
		{ "SELECT pg_num_div('123456789012345678901234567890', 7, 0, 0)",
		  "17636684144620811271604938270" },
		{ "SELECT pg_num_div('1.000000000000000000000000001', 3, 27, 0)",
		  "0.333333333333333333333333334" },
		{ "SELECT pg_num_div('1e-20', 3, 20, 0)",
		  "0.0000000000000000000033333333333333333333" },
		{ "SELECT pg_num_div(0, -3, 0, 1)", "0.00000000000000000000" },
		/* Rounded to zero at the largest scale (1000): no sign. */
		{ "SELECT length(x) || substr(x, 1, 3) || ltrim(x, '0.') FROM "
		  "(SELECT pg_num_div('-1e-900', '1e200', -1, -1) AS x)",
		  "10020.0" },
		{ "SELECT pg_num_div(1, '998001.0', 0, 1)",
		  "0.000001002003004005006007" },
		{ "SELECT pg_num_div(1, 0, 0, 0)", "22012: division by zero" },
		{ "SELECT pg_num_div(1.5, '0.00', 1, 2)",
		  "22012: division by zero" },
		{ "SELECT pg_num_div(NULL, 0, 0, 0)", "NULL" },
		{ "SELECT pg_num_div('NaN', 0, -1, 0)", "NaN" },
		{ "SELECT pg_num_div('Infinity', -2, -1, 0)", "-Infinity" },
		{ "SELECT pg_num_div(2, '-Infinity', 0, -1)", "0" },
		/* Operands are rounded to their static scale, as a
		 * numeric(8,3) column stores them in PostgreSQL. */
		{ "SELECT pg_num_div(12345.6789, 4, 3, 0)",
		  "3086.4197500000000000" },
		{ "SELECT pg_num_avg3(column1) FROM (VALUES (12345.6789), (0))",
		  "6172.8395000000000000" },
		/* The static scale is a minimum. */
		{ "SELECT pg_num_div(1, 4, 30, 0)",
		  "0.250000000000000000000000000000" },
		{ "SELECT pg_num_log(2, 8, 0, 0)", "3.0000000000000000" },
		{ "SELECT pg_num_log(2, 10, 0, 0)", "3.3219280948873623" },
		{ "SELECT pg_num_log(10, '0.001', 0, 3)",
		  "-3.0000000000000000" },
		{ "SELECT pg_num_log(1, 10, 0, 0)", "22012: division by zero" },
		{ "SELECT pg_num_log(0, 10, 0, 0)",
		  "2201E: cannot take logarithm of zero" },
		{ "SELECT pg_num_log(-2, 10, 0, 0)",
		  "2201E: cannot take logarithm of a negative number" },
		{ "SELECT pg_num_math(2, 0, 115)", "1.414213562373095" },
		{ "SELECT pg_num_math(1, 0, 101)", "2.7182818284590452" },
		{ "SELECT pg_num_math('1.0001', 4, 108)",
		  "0.00009999500033330834" },
		{ "SELECT pg_num_math(-1, 0, 115)",
		  "2201F: cannot take square root of a negative number" },
		{ "SELECT pg_num_math(0, 0, 108)",
		  "2201E: cannot take logarithm of zero" },
		/* avg: the sum exact, the count's quotient. */
		{ "SELECT pg_num_avg0(column1) FROM (VALUES (1), (2), (5))",
		  "2.6666666666666667" },
		{ "SELECT pg_num_avg0(column1) FROM (VALUES (1), (NULL), (2))",
		  "1.5000000000000000" },
		{ "SELECT pg_num_avg0(column1) FROM (VALUES (NULL))", "NULL" },
		{ "SELECT pg_num_avg2(column1) FROM (VALUES (1.25), (2.5), "
		  "(3.33))",
		  "2.3600000000000000" },
		{ "SELECT pg_num_avg(column1) FROM (VALUES (0.1), (0.2))",
		  "0.15000000000000000000" },
		{ "SELECT pg_num_avg0(column1) FROM (VALUES (9223372036854775807), "
		  "(9223372036854775807))",
		  "9223372036854775807" },
		{ "SELECT pg_num_avg0(column1) FROM (VALUES (1), ('NaN'))",
		  "NaN" },
	};
	for (size_t k = 0; k < TR_ARRAY_LEN(cases); k++) {
		const char *got = eval(db, cases[k].sql, buf, sizeof buf);
		if (strcmp(got, cases[k].want) != 0) {
			fail_msg("%s: got <%s>, want <%s>", cases[k].sql, got,
				 cases[k].want);
		}
	}
	/* A window: values leave the frame again. */
	assert_string_equal(
		eval_rows(
			db,
			"SELECT pg_num_avg(column1) OVER (ORDER BY column1 ROWS BETWEEN "
			"1 PRECEDING AND CURRENT ROW) FROM (VALUES (1), "
			"(2.25), (4), (10))",
			buf, sizeof buf),
		"1.00000000000000000000;1.6250000000000000;"
		"3.1250000000000000;7.0000000000000000");
	/* The collation orders by value; NaN last, as PostgreSQL. */
	assert_string_equal(
		eval_rows(
			db,
			"SELECT column1 FROM (VALUES ('10'), ('NaN'), ('9.50'), "
			"('-2'), ('0.33'), ('-Infinity'), ('-10.5'), ('0'), "
			"('9.5')) ORDER BY column1 COLLATE pg_num, column1",
			buf, sizeof buf),
		"-Infinity;-10.5;-2;0;0.33;9.5;9.50;10;NaN");
	sqlite3_close(db);
}

/* Which divisions and avgs the translator computes exactly: only at
 * the root of an item of the statement's own select list. */
static void test_exact_translation(void **state)
{
	(void)state;
	static const struct {
		const char *pg;
		bool exact;
	} cases[] = {
		{ "SELECT 1::numeric / 3", true },
		{ "SELECT avg(x::int4) FROM (SELECT 1 AS x) s", true },
		{ "SELECT log(2, 8)", true },
		{ "SELECT sqrt(2.0)", true },
		{ "SELECT sqrt(2)", false }, /* float8 */
		{ "SELECT 1 / 3", false },   /* integer division */
		{ "SELECT 1.0::float8 / 3", false },
		{ "SELECT 1::numeric / 3 + 1", false },
		{ "SELECT 1 WHERE 1::numeric / 3 > 0.3", false },
		{ "SELECT * FROM (SELECT 1::numeric / 3 AS q) s", false },
		{ "SELECT 1::numeric / 3 UNION SELECT 0.5", false },
		{ "SELECT (SELECT 1::numeric / 3)", false },
		{ "INSERT INTO t (q) SELECT 1::numeric / 3", false },
		{ "CREATE VIEW v AS SELECT 1::numeric / 3 AS q", false },
	};
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	for (size_t k = 0; k < TR_ARRAY_LEN(cases); k++) {
		struct sql_batch b;
		struct sql_error err;
		assert_int_equal(sql_parse(&a, cases[k].pg, &b, &err), TR_OK);
		assert_int_equal(b.n_stmts, 1);
		const struct sql_stmt *st = &b.stmts[0];
		if (st->failed) {
			fail_msg("%s: %s", cases[k].pg, st->error.message);
		}
		/* pg_num_add/sub/mul are plain (NaN-aware) arithmetic. */
		bool exact = strstr(st->sqlite, "pg_num_div") != NULL ||
			     strstr(st->sqlite, "pg_num_avg") != NULL ||
			     strstr(st->sqlite, "pg_num_log") != NULL ||
			     strstr(st->sqlite, "pg_num_math") != NULL;
		if (exact != cases[k].exact) {
			fail_msg("%s: %s", cases[k].pg, st->sqlite);
		}
		if (exact && strstr(st->sqlite, "COLLATE pg_num") == NULL) {
			fail_msg("%s: no collation: %s", cases[k].pg,
				 st->sqlite);
		}
		tr_arena_reset(&a);
	}
	tr_arena_close(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typmods),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_functions),
		cmocka_unit_test(test_exact_quotients),
		cmocka_unit_test(test_exact_translation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
