/*
 * Unit tests for column types at translation time (sql/scope.c): a
 * private SQLite database is both the leader the statements run on and
 * the translator's mirror, so an untyped literal is read as the type of
 * the column it meets, as PostgreSQL reads it.
 */
#include <stdio.h>
#include <string.h>

#include "mirror_fixture.h"

static const struct sql_stmt *parse1(struct fixture *f, const char *sql)
{
	struct sql_batch b;
	struct sql_error err;
	assert_int_equal(sql_parse(&f->a, sql, &b, &err), TR_OK);
	assert_int_equal(b.n_stmts, 1);
	return &b.stmts[0];
}

/* Translate and run @sql (one SQLite statement): "ok", the rows
 * ("a|b;c|d"), or "ERROR <sqlstate> <message>" of the translation. */
static const char *run(struct fixture *f, const char *sql)
{
	const struct sql_stmt *st = parse1(f, sql);
	if (st->failed) {
		return tr_arena_printf(&f->a, "ERROR %s %s", st->error.sqlstate,
				       st->error.message);
	}
	sqlite3_stmt *ps = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->db, st->sqlite, -1, &ps, NULL),
			 SQLITE_OK);
	struct tr_buf out;
	tr_buf_init(&out, 0);
	unsigned rows = 0;
	int rc;
	while ((rc = sqlite3_step(ps)) == SQLITE_ROW) {
		tr_buf_put_str(&out, rows++ > 0 ? ";" : "");
		for (int i = 0; i < sqlite3_column_count(ps); i++) {
			const char *v = (const char *)sqlite3_column_text(ps,
									  i);
			tr_buf_printf(&out, "%s%s", i > 0 ? "|" : "",
				      v != NULL ? v : "N");
		}
	}
	assert_int_equal(rc, SQLITE_DONE);
	sqlite3_finalize(ps);
	const char *res = rows > 0 ? tr_arena_strndup(&f->a,
						      (const char *)out.data,
						      out.len)
				   : "ok";
	tr_buf_close(&out);
	return res;
}

static void check(struct fixture *f, const char *sql, const char *want)
{
	const char *got = run(f, sql);
	if (strcmp(got, want) != 0) {
		print_error("%s\n  got:  %s\n  want: %s\n", sql, got, want);
		fail();
	}
}

static void make_table(struct fixture *f)
{
	check(f,
	      "CREATE TABLE t (id int4 PRIMARY KEY, b bool, u uuid, "
	      "ts timestamptz, j jsonb, vc varchar(3), n int8)",
	      "ok");
}

/* INSERT and UPDATE read a literal as its column's type. */
static void test_insert_update_typed(void **state)
{
	struct fixture *f = *state;
	make_table(f);
	check(f,
	      "INSERT INTO t VALUES (1, 'on', "
	      "'{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}', "
	      "'2024-01-01 10:00+02', '{\"b\": 1, \"a\": 2}', 'ab   ', 7)",
	      "ok");
	check(f, "SELECT b, u, ts, j, vc FROM t",
	      "1|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|2024-01-01 "
	      "08:00:00.000000+00|{\"a\": 2, \"b\": 1}|ab ");
	check(f, "INSERT INTO t (id, n) VALUES (2, 2.5)", "ok");
	check(f, "SELECT n FROM t WHERE id = 2", "3");
	check(f, "INSERT INTO t (id) VALUES ('x')",
	      "ERROR 22P02 invalid input syntax for type integer: \"x\"");
	check(f, "INSERT INTO t (id, j) VALUES (3, 'nope')",
	      "ERROR 22P02 invalid input syntax for type json");
	check(f, "UPDATE t SET b = 'no' WHERE id = 1", "ok");
	check(f, "SELECT b FROM t WHERE id = 1", "0");
	check(f,
	      "INSERT INTO t (id, b) VALUES (1, 'yes') ON CONFLICT (id) "
	      "DO UPDATE SET b = 't'",
	      "ok");
	check(f, "SELECT b FROM t WHERE id = 1", "1");
}

/* col = 'literal', IN, BETWEEN, CASE and COALESCE type their literals. */
static void test_comparisons_typed(void **state)
{
	struct fixture *f = *state;
	make_table(f);
	check(f,
	      "INSERT INTO t (id, b, u, ts) VALUES (1, true, "
	      "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2024-01-01 08:00Z')",
	      "ok");
	check(f, "SELECT id FROM t WHERE b = 'yes'", "1");
	check(f,
	      "SELECT id FROM t WHERE u = "
	      "'A0EEBC999C0B4EF8BB6D6BB9BD380A11'",
	      "1");
	check(f, "SELECT id FROM t WHERE ts = '2024-01-01 10:00+02'", "1");
	check(f, "SELECT id FROM t WHERE id IN ('1', '2')", "1");
	check(f, "SELECT id FROM t WHERE id BETWEEN '0' AND '5'", "1");
	check(f, "SELECT id FROM t WHERE id = 'abc'",
	      "ERROR 22P02 invalid input syntax for type integer: \"abc\"");
	check(f, "SELECT CASE WHEN true THEN 1 ELSE 'x' END",
	      "ERROR 22P02 invalid input syntax for type integer: \"x\"");
	check(f, "SELECT coalesce(b, 'f') FROM t", "1");
}

/* Column types reach arithmetic and aggregates: text has neither. */
static void test_text_arithmetic_refused(void **state)
{
	struct fixture *f = *state;
	check(f, "CREATE TABLE s (id int4, name text)", "ok");
	check(f, "SELECT name + 1 FROM s",
	      "ERROR 42883 operator does not exist: text + integer");
	check(f, "SELECT sum(name) FROM s",
	      "ERROR 42883 function sum(text) does not exist");
	check(f, "SELECT '1' + 1", "2");
	check(f, "SELECT id + '1' FROM s", "ok");
}

/* A literal DEFAULT is stored as its column's type stores values. */
static void test_defaults_typed(void **state)
{
	struct fixture *f = *state;
	check(f,
	      "CREATE TABLE d (id int4, b bool DEFAULT 'f', "
	      "u uuid DEFAULT '{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}', "
	      "n numeric(10,2) DEFAULT '0')",
	      "ok");
	check(f, "INSERT INTO d (id) VALUES (1)", "ok");
	check(f, "SELECT id, u, n FROM d WHERE NOT b",
	      "1|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|0");
	check(f, "CREATE TABLE bad (b bool DEFAULT 'maybe')",
	      "ERROR 22P02 invalid input syntax for type boolean: \"maybe\"");
}

/* Column types choose the operator: arrays, jsonb. */
static void test_operators_by_column_type(void **state)
{
	struct fixture *f = *state;
	check(f, "CREATE TABLE ar (id int4, a int4[], j jsonb)", "ok");
	check(f, "INSERT INTO ar VALUES (1, '{1,2}', '[1, 2, 3]')", "ok");
	check(f, "SELECT id FROM ar WHERE a @> '{2}' AND a = '{1,2}'", "1");
	check(f, "SELECT a || a FROM ar", "[1,2,1,2]");
	check(f, "SELECT j - 0, j - 'x' FROM ar", "[2, 3]|[1, 2, 3]");
}

/* A subquery's columns have its select list's types; an unqualified
 * name a subquery may define is not looked up in an outer query. */
static void test_subquery_columns(void **state)
{
	struct fixture *f = *state;
	make_table(f);
	check(f, "INSERT INTO t (id, b) VALUES (1, true)", "ok");
	check(f,
	      "SELECT id FROM (SELECT id, b AS flag FROM t) s "
	      "WHERE flag = 'on'",
	      "1");
	check(f,
	      "SELECT x.k FROM (SELECT id AS k FROM t) AS x(k) "
	      "WHERE x.k = '1'",
	      "1");
	/* b is the subquery's text column, not t.b (a boolean). */
	check(f,
	      "SELECT id FROM t WHERE EXISTS (SELECT 1 FROM "
	      "(SELECT 'x' AS b) s WHERE b = 'x')",
	      "1");
}

/* WITH queries' columns: typed from their select or RETURNING lists
 * (the result columns of the statement, at translation). */
static void test_with_columns(void **state)
{
	struct fixture *f = *state;
	make_table(f);
	check(f, "INSERT INTO t (id, b) VALUES (1, true)", "ok");
	check(f,
	      "WITH w AS (SELECT id, b AS flag FROM t) SELECT id FROM w "
	      "WHERE flag = 'on'",
	      "1");
	const struct sql_stmt *st = parse1(
		f, "WITH u AS (UPDATE t SET n = 5 RETURNING id, n) SELECT u.n "
		   "* 2 AS d, sum(id) AS total FROM u GROUP BY u.n");
	assert_false(st->failed);
	assert_int_equal(st->n_cols, 2);
	assert_int_equal(st->cols[0].type_oid, SQL_OID_INT8);
	assert_int_equal(st->cols[1].type_oid, SQL_OID_INT8);
	st = parse1(f, "WITH s(x) AS (SELECT b FROM t) SELECT (SELECT x FROM "
		       "s) AS x");
	assert_false(st->failed);
	assert_int_equal(st->cols[0].type_oid, SQL_OID_BOOL);
	/* A recursive query names itself: bounded. */
	st = parse1(f, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n "
		       "+ 1 FROM r WHERE n < 3) SELECT n * 2 FROM r");
	assert_false(st->failed);
}

/* generate_series in FROM: its column has its arguments' type (and a
 * numeric series the larger scale of start and step). */
static void test_series_column_type(void **state)
{
	struct fixture *f = *state;
	const struct sql_stmt *st =
		parse1(f, "SELECT g FROM generate_series(0.5, 2.0, 0.5) AS g");
	assert_int_equal(st->n_cols, 1);
	assert_int_equal(st->cols[0].type_oid, SQL_OID_NUMERIC);
	bool div;
	assert_int_equal(sql__numeric_typmod_scale(st->cols[0].typmod, &div),
			 1);
	st = parse1(f, "SELECT n FROM generate_series(1, 3) AS s(n)");
	assert_int_equal(st->cols[0].type_oid, SQL_OID_INT4);
	st = parse1(f, "SELECT generate_series FROM generate_series(1, 3::int8)");
	assert_int_equal(st->cols[0].type_oid, SQL_OID_INT8);
}

/* A table the mirror lacks, or a mirror known to be stale: the
 * statement asks to be translated again after a reload. */
static void test_schema_miss(void **state)
{
	struct fixture *f = *state;
	const struct sql_stmt *st = parse1(f, "INSERT INTO nope VALUES ('1')");
	assert_true(st->schema_miss);
	make_table(f);
	st = parse1(f, "INSERT INTO t (id, b) VALUES (1, 'on')");
	assert_false(st->schema_miss);
	sql__scope_stale(true);
	st = parse1(f, "INSERT INTO t (id, b) VALUES (1, 'on')");
	assert_true(st->schema_miss);
	st = parse1(f, "SELECT 1");
	assert_false(st->schema_miss);
	sql__scope_stale(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_insert_update_typed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_comparisons_typed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_text_arithmetic_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults_typed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_operators_by_column_type,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_subquery_columns, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_with_columns, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_series_column_type, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_schema_miss, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
