/*
 * Unit tests for the query constructs of query.c, window.c, grouping.c
 * and subquery.c: window frames and named windows, grouping sets,
 * INTERSECT/EXCEPT ALL, quantified comparisons with subqueries, scalar
 * subqueries, LIMIT/OFFSET checks and generate_series in the select
 * list.  Each case is translated and run on an in-memory SQLite with the
 * functions registered; the expected rows (or SQLSTATE) are what
 * PostgreSQL 15 answered for the same statement on the same data.
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

static const char *const setup_sql[] = {
	"CREATE TABLE c07_sales (id int4 PRIMARY KEY, region text NOT NULL, "
	"rep text, amount numeric(10,2) NOT NULL, qty int4, ok bool)",
	"INSERT INTO c07_sales VALUES (1, 'east', 'ann', 100.00, 1, true), "
	"(2, 'east', 'bob', 250.50, 3, true), (3, 'west', 'cid', 75.25, 2, "
	"false), (4, 'west', 'ann', 300.00, 5, true), (5, 'east', 'ann', "
	"50.00, NULL, NULL), (6, 'north', NULL, 10.00, 1, false), (7, "
	"'west', 'dee', 75.25, 4, true)",
	"CREATE TABLE c08_dept (id int4 PRIMARY KEY, name text NOT NULL)",
	"CREATE TABLE c08_emp (id int4 PRIMARY KEY, name text NOT NULL, "
	"dept_id int4 REFERENCES c08_dept (id), boss_id int4, salary int4)",
	"INSERT INTO c08_dept VALUES (1, 'eng'), (2, 'ops'), (3, 'empty')",
	"INSERT INTO c08_emp VALUES (1, 'ada', 1, NULL, 300), (2, 'bea', 1, "
	"1, 200), (3, 'cal', 2, 1, 150), (4, 'dan', NULL, 2, 100), (5, "
	"'eve', 1, 2, NULL)",
};

struct qcase {
	const char *pg;
	const char *want; /* rows "a|b;c|d" (NULL as N), or a SQLSTATE */
};

/* PostgreSQL 15's answers (psql -A, NULL as N, rows joined by ';'). */
static const struct qcase cases[] = {
	{ "SELECT id, sum(id) OVER (ORDER BY id ROWS BETWEEN 1"
	  " PRECEDING AND 1 FOLLOWING) FROM c07_sales ORDER BY id",
	  "1|3;2|6;3|9;4|12;5|15;6|18;7|13" },
	{ "SELECT id, count(*) OVER (ORDER BY amount RANGE BETWEEN 50"
	  " PRECEDING AND 25 FOLLOWING) FROM c07_sales ORDER BY id",
	  "1|4;2|1;3|4;4|2;5|2;6|1;7|4" },
	{ "SELECT id, sum(id) OVER (ORDER BY amount DESC RANGE BETWEEN"
	  " 25 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW) FROM"
	  " c07_sales ORDER BY id",
	  "1|N;2|N;3|8;4|N;5|N;6|N;7|4" },
	{ "SELECT id, sum(id) OVER (ORDER BY qty NULLS FIRST GROUPS"
	  " BETWEEN CURRENT ROW AND 1 FOLLOWING EXCLUDE GROUP) FROM"
	  " c07_sales ORDER BY id",
	  "1|3;2|7;3|2;4|N;5|7;6|3;7|4" },
	{ "SELECT id, sum(id) OVER (ORDER BY amount ROWS BETWEEN"
	  " UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE TIES)"
	  " FROM c07_sales ORDER BY id",
	  "1|28;2|28;3|21;4|28;5|28;6|28;7|25" },
	{ "SELECT id, first_value(id) OVER w, count(*) OVER (w ROWS"
	  " BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM"
	  " c07_sales WINDOW w AS (PARTITION BY region ORDER BY id),"
	  " w2 AS (w) ORDER BY id",
	  "1|1|3;2|1|2;3|3|3;4|3|2;5|1|1;6|6|1;7|3|1" },
	{ "SELECT id, last_value(id) OVER w3 FROM c07_sales WINDOW w1"
	  " AS (PARTITION BY region), w2 AS (w1 ORDER BY id DESC), w3"
	  " AS (w2 ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) ORDER BY"
	  " id",
	  "1|1;2|1;3|3;4|3;5|2;6|6;7|4" },
	{ "SELECT region, rep, count(*), sum(qty) FROM c07_sales GROUP"
	  " BY ROLLUP (region, rep) ORDER BY 1, 2",
	  "east|ann|2|1;east|bob|1|3;east|N|3|4;north|N|1|1;north|N|1|1"
	  ";west|ann|1|5;west|cid|1|2;west|dee|1|4;west|N|3|11;N|N|7|16" },
	{ "SELECT region, ok::int, count(*), grouping(ok, region) FROM"
	  " c07_sales GROUP BY CUBE (region, ok) ORDER BY 4, 1, 2",
	  "east|1|2|0;east|N|1|0;north|0|1|0;west|0|1|0;west|1|2|0;N|0|"
	  "2|1;N|1|4|1;N|N|1|1;east|N|3|2;north|N|1|2;west|N|3|2;N|N|7|"
	  "3" },
	{ "SELECT region, rep, count(*) FROM c07_sales GROUP BY"
	  " region, ROLLUP (rep) ORDER BY 1, 2",
	  "east|ann|2;east|bob|1;east|N|3;north|N|1;north|N|1;west|ann|"
	  "1;west|cid|1;west|dee|1;west|N|3" },
	{ "SELECT region, rep, count(*) FROM c07_sales GROUP BY"
	  " GROUPING SETS ((region, rep), (rep), ()) ORDER BY 3 DESC,"
	  " 1, 2",
	  "N|N|7;N|ann|3;east|ann|2;east|bob|1;north|N|1;west|ann|1;wes"
	  "t|cid|1;west|dee|1;N|bob|1;N|cid|1;N|dee|1;N|N|1" },
	{ "SELECT region, rep, count(*) FROM c07_sales GROUP BY"
	  " DISTINCT ROLLUP (region), ROLLUP (region, rep) ORDER BY 1,"
	  " 2, 3",
	  "east|ann|2;east|bob|1;east|N|3;north|N|1;north|N|1;west|ann|"
	  "1;west|cid|1;west|dee|1;west|N|3;N|N|7" },
	{ "SELECT region, rep, count(*) FROM c07_sales GROUP BY ROLLUP"
	  " (region), ROLLUP (region, rep) ORDER BY 1, 2, 3",
	  "east|ann|2;east|ann|2;east|bob|1;east|bob|1;east|N|3;east|N|"
	  "3;east|N|3;north|N|1;north|N|1;north|N|1;north|N|1;north|N|1"
	  ";west|ann|1;west|ann|1;west|cid|1;west|cid|1;west|dee|1;west"
	  "|dee|1;west|N|3;west|N|3;west|N|3;N|N|7" },
	{ "SELECT c07_sales.region, count(*) FROM c07_sales GROUP BY"
	  " ROLLUP (region) HAVING count(*) > 1 ORDER BY count(*), 1",
	  "east|3;west|3;N|7" },
	{ "SELECT region, count(*) FROM c07_sales GROUP BY GROUPING"
	  " SETS ((region), (region)) ORDER BY 1",
	  "east|3;east|3;north|1;north|1;west|3;west|3" },
	{ "SELECT count(*), grouping(region) FROM c07_sales GROUP BY"
	  " ROLLUP (region) ORDER BY 2, 1",
	  "1|0;3|0;3|0;7|1" },
	{ "SELECT region FROM c07_sales GROUP BY ROLLUP (region) ORDER"
	  " BY region DESC",
	  "N;west;north;east" },
	{ "SELECT region, max(rep) FROM c07_sales WHERE id > 100 GROUP"
	  " BY ROLLUP (region)",
	  "N|N" },
	{ "SELECT region, count(*) FROM c07_sales GROUP BY ROLLUP (1)"
	  " ORDER BY 1",
	  "east|3;north|1;west|3;N|7" },
	{ "SELECT name FROM c08_emp WHERE salary < ALL (SELECT salary"
	  " FROM c08_emp WHERE dept_id = 1 AND salary IS NOT NULL)"
	  " ORDER BY 1",
	  "cal;dan" },
	{ "SELECT name, coalesce((salary < ANY (SELECT salary FROM"
	  " c08_emp WHERE dept_id = 1))::int, -1) FROM c08_emp ORDER"
	  " BY id",
	  "ada|-1;bea|1;cal|1;dan|1;eve|-1" },
	{ "SELECT name, coalesce((salary >= ALL (SELECT salary FROM"
	  " c08_emp))::int, -1) FROM c08_emp ORDER BY id",
	  "ada|-1;bea|0;cal|0;dan|0;eve|-1" },
	{ "SELECT coalesce((1 > ALL (SELECT 1 WHERE false))::int, -1),"
	  " coalesce((1 > ANY (SELECT 1 WHERE false))::int, -1),"
	  " coalesce((1 <> ALL (SELECT NULL::int))::int, -1),"
	  " coalesce((1 >= SOME (SELECT NULL::int UNION ALL SELECT"
	  " 1))::int, -1)",
	  "1|0|-1|1" },
	{ "SELECT dept_id, sum(salary) FROM c08_emp GROUP BY dept_id"
	  " HAVING sum(salary) >= ALL (SELECT salary FROM c08_emp"
	  " WHERE salary IS NOT NULL) ORDER BY 1",
	  "1|500" },
	{ "SELECT e.name FROM c08_emp e WHERE e.salary > ANY (SELECT"
	  " x.salary FROM c08_emp x WHERE x.dept_id = e.dept_id) ORDER"
	  " BY 1",
	  "ada" },
	{ "SELECT dept_id FROM c08_emp INTERSECT ALL SELECT dept_id"
	  " FROM c08_emp WHERE id > 1 ORDER BY 1",
	  "1;1;2;N" },
	{ "SELECT dept_id FROM c08_emp EXCEPT ALL SELECT dept_id FROM"
	  " c08_emp WHERE id > 2 ORDER BY 1",
	  "1;1" },
	{ "SELECT dept_id, boss_id FROM c08_emp EXCEPT ALL SELECT 1, 1"
	  " ORDER BY 1, 2",
	  "1|2;1|N;2|1;N|2" },
	{ "SELECT 1 UNION ALL SELECT 1 UNION ALL SELECT 2 INTERSECT"
	  " ALL SELECT 1 ORDER BY 1",
	  "1;1" },
	{ "SELECT 1 AS a UNION ALL SELECT 1 EXCEPT ALL (SELECT 1"
	  " INTERSECT ALL SELECT 1) ORDER BY 1",
	  "1" },
	{ "SELECT (SELECT id FROM c08_emp WHERE id > 3)", "21000" },
	{ "SELECT (SELECT id FROM c08_emp WHERE id > 4), (SELECT id"
	  " FROM c08_emp WHERE id > 5)",
	  "5|N" },
	{ "SELECT name FROM c08_emp e WHERE salary = (SELECT"
	  " max(salary) FROM c08_emp x WHERE x.dept_id = e.dept_id)"
	  " ORDER BY 1",
	  "ada;cal" },
	{ "SELECT name FROM c08_emp WHERE id = (SELECT boss_id FROM"
	  " c08_emp WHERE boss_id IS NOT NULL)",
	  "21000" },
	{ "SELECT id FROM c08_emp ORDER BY id LIMIT -2", "2201W" },
	{ "SELECT id FROM c08_emp ORDER BY id OFFSET -2", "2201X" },
	{ "SELECT id FROM c08_emp ORDER BY id LIMIT NULL OFFSET NULL",
	  "1;2;3;4;5" },
	{ "SELECT generate_series(1, 3), 'x'", "1|x;2|x;3|x" },
	{ "SELECT id, generate_series(id, 3) FROM c08_emp ORDER BY 1, 2",
	  "1|1;1|2;1|3;2|2;2|3;3|3" },
	{ "SELECT generate_series(2, 1)", "" },
	{ "SELECT sum(id) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING"
	  " AND -1 FOLLOWING) FROM c08_emp",
	  "22013" },
	{ "SELECT sum(id) OVER (ORDER BY id ROWS 1.5 PRECEDING) FROM"
	  " c08_emp",
	  "1;3;6;9;12" },
	{ "SELECT sum(id) OVER (ORDER BY id ROWS NULL PRECEDING) FROM"
	  " c08_emp",
	  "22004" },
	{ "SELECT sum(id) OVER (ORDER BY name::text RANGE 1 PRECEDING)"
	  " FROM c08_emp",
	  "42883" },
	{ "SELECT sum(id) OVER (x ORDER BY id) FROM c08_emp WINDOW x"
	  " AS (ORDER BY name)",
	  "42P20" },
	{ "SELECT sum(id) OVER w FROM c08_emp WINDOW w AS (ORDER BY"
	  " id), w AS (ORDER BY name)",
	  "42P20" },
	{ "SELECT sum(id) OVER w2 FROM c08_emp WINDOW w2 AS (w1), w1"
	  " AS (ORDER BY id)",
	  "42704" },
	{ "SELECT grouping(id) FROM c08_emp", "42803" },
	{ "SELECT id, grouping(name) FROM c08_emp GROUP BY id", "42803" },
	{ "SELECT name FROM c08_emp WHERE salary > ALL (SELECT salary,"
	  " id FROM c08_emp)",
	  "42601" },
	{ "SELECT 1 INTERSECT ALL SELECT 1, 2", "42601" },
	{ "SELECT d.name, t.name, t.salary FROM c08_dept d LEFT JOIN "
	  "LATERAL (SELECT e.name, e.salary FROM c08_emp e WHERE e.dept_id "
	  "= d.id ORDER BY e.salary DESC NULLS LAST LIMIT 1) t ON true "
	  "ORDER BY d.id",
	  "eng|ada|300;ops|cal|150;empty|N|N" },
	{ "SELECT d.name, t.n FROM c08_dept d CROSS JOIN LATERAL (SELECT "
	  "e.name AS n FROM c08_emp e WHERE e.dept_id = d.id ORDER BY e.id "
	  "LIMIT 1) t ORDER BY 1",
	  "eng|ada;ops|cal" },
	{ "SELECT d.id, y.c FROM c08_dept d, LATERAL (SELECT d.id * 2 AS "
	  "b) x, LATERAL (SELECT x.b + 1 AS c) y WHERE y.c > 3 ORDER BY 1",
	  "2|5;3|7" },
	{ "SELECT d.id, s.cnt FROM c08_dept d JOIN LATERAL (SELECT count(*) "
	  "AS cnt FROM c08_emp e WHERE e.dept_id = d.id) s ON true ORDER BY "
	  "s.cnt DESC, d.id",
	  "1|3;2|1;3|0" },
	{ "SELECT e.id, s.a + s.b FROM c08_emp e, LATERAL (SELECT e.id, "
	  "e.salary WHERE e.salary > 150) s(a, b) ORDER BY 1",
	  "1|301;2|202" },
};

/* Translate and run @pg; its rows or its SQLSTATE, in @a. */
static const char *run(sqlite3 *db, struct tr_arena *a, const char *pg)
{
	struct sql_batch b;
	struct sql_error err;
	if (sql_parse(a, pg, &b, &err) != TR_OK) {
		return tr_arena_strdup(a, err.sqlstate);
	}
	assert_int_equal(b.n_stmts, 1);
	struct sql_stmt *st = &b.stmts[0];
	if (st->failed) {
		return tr_arena_strdup(a, st->error.sqlstate);
	}
	sqlite3_stmt *ps;
	if (sqlite3_prepare_v2(db, st->sqlite, -1, &ps, NULL) != SQLITE_OK) {
		fail_msg("<%s> -> <%s>: %s", pg, st->sqlite,
			 sqlite3_errmsg(db));
	}
	struct tr_buf out;
	tr_buf_init(&out, 0);
	int rc;
	bool first = true;
	while ((rc = sqlite3_step(ps)) == SQLITE_ROW) {
		if (!first) {
			tr_buf_put_u8(&out, ';');
		}
		first = false;
		for (int i = 0; i < sqlite3_column_count(ps); i++) {
			const unsigned char *t = sqlite3_column_text(ps, i);
			if (i > 0) {
				tr_buf_put_u8(&out, '|');
			}
			tr_buf_put_str(&out, t != NULL ? (const char *)t : "N");
		}
	}
	const char *res = tr_arena_strdup(a, tr_buf_cstr(&out));
	tr_buf_close(&out);
	if (rc != SQLITE_DONE) {
		sql_error_from_sqlite(&err, a,
				      (uint64_t)sqlite3_extended_errcode(db),
				      sqlite3_errmsg(db));
		res = tr_arena_strdup(a, err.sqlstate);
	}
	sqlite3_finalize(ps);
	return res;
}

static sqlite3 *open_db(struct tr_arena *a)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sql_functions_register(db), SQLITE_OK);
	for (size_t i = 0; i < TR_ARRAY_LEN(setup_sql); i++) {
		const char *r = run(db, a, setup_sql[i]);
		if (r[0] != '\0') {
			fail_msg("setup <%s>: %s", setup_sql[i], r);
		}
	}
	return db;
}

static void test_results_match_postgres(void **state)
{
	TR_UNUSED(state);
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	sqlite3 *db = open_db(&a);
	int bad = 0;
	for (size_t i = 0; i < TR_ARRAY_LEN(cases); i++) {
		const char *got = run(db, &a, cases[i].pg);
		if (strcmp(got, cases[i].want) != 0) {
			print_error("<%s>:\n want <%s>\n got  <%s>\n",
				    cases[i].pg, cases[i].want, got);
			bad++;
		}
	}
	sqlite3_close(db);
	tr_arena_close(&a);
	assert_int_equal(bad, 0);
}

/* Parameters: LIMIT/OFFSET and frame offsets checked at run time. */
static void test_parameters_checked_at_run_time(void **state)
{
	TR_UNUSED(state);
	static const struct {
		const char *pg;
		long long param;
		bool null;
		const char *want;
	} pcases[] = {
		{ "SELECT id FROM c08_emp ORDER BY id LIMIT $1", 2, false,
		  "1;2" },
		{ "SELECT id FROM c08_emp ORDER BY id LIMIT $1", -1, false,
		  "2201W" },
		{ "SELECT id FROM c08_emp ORDER BY id LIMIT $1", 0, true,
		  "1;2;3;4;5" },
		{ "SELECT id FROM c08_emp ORDER BY id OFFSET $1", 3, false,
		  "4;5" },
		{ "SELECT id FROM c08_emp ORDER BY id OFFSET $1", -3, false,
		  "2201X" },
		{ "SELECT id FROM c08_emp ORDER BY id OFFSET $1", 0, true,
		  "1;2;3;4;5" },
		{ "SELECT sum(id) OVER (ORDER BY id ROWS $1 PRECEDING) FROM "
		  "c08_emp",
		  1, false, "1;3;5;7;9" },
		{ "SELECT sum(id) OVER (ORDER BY id ROWS $1 PRECEDING) FROM "
		  "c08_emp",
		  -1, false, "22013" },
	};
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	sqlite3 *db = open_db(&a);
	for (size_t i = 0; i < TR_ARRAY_LEN(pcases); i++) {
		struct sql_batch b;
		struct sql_error err;
		assert_int_equal(sql_parse(&a, pcases[i].pg, &b, &err), TR_OK);
		assert_false(b.stmts[0].failed);
		sqlite3_stmt *ps;
		assert_int_equal(sqlite3_prepare_v2(db, b.stmts[0].sqlite, -1,
						    &ps, NULL),
				 SQLITE_OK);
		if (pcases[i].null) {
			sqlite3_bind_null(ps, 1);
		} else {
			sqlite3_bind_int64(ps, 1, pcases[i].param);
		}
		struct tr_buf out;
		tr_buf_init(&out, 0);
		int rc;
		while ((rc = sqlite3_step(ps)) == SQLITE_ROW) {
			if (out.len > 0) {
				tr_buf_put_u8(&out, ';');
			}
			tr_buf_put_str(
				&out, (const char *)sqlite3_column_text(ps, 0));
		}
		if (rc != SQLITE_DONE) {
			sql_error_from_sqlite(
				&err, &a,
				(uint64_t)sqlite3_extended_errcode(db),
				sqlite3_errmsg(db));
			assert_string_equal(err.sqlstate, pcases[i].want);
		} else {
			assert_string_equal(tr_buf_cstr(&out), pcases[i].want);
		}
		tr_buf_close(&out);
		sqlite3_finalize(ps);
	}
	sqlite3_close(db);
	tr_arena_close(&a);
}

/* The shapes that are cheap stay as they were. */
static void test_translations(void **state)
{
	TR_UNUSED(state);
	static const struct qcase tcases[] = {
		/* One row by its shape: no pg_scalar_subquery. */
		{ "select (select max(a) from t), (select a from t limit 1), "
		  "(select 1)",
		  "SELECT (SELECT max(a) AS max FROM t) AS max, (SELECT a FROM "
		  "t LIMIT 1) AS a, (SELECT 1 AS \"?column?\") AS "
		  "\"?column?\"" },
		{ "select (select a from t)",
		  "SELECT (WITH _q1(__v) AS (SELECT a FROM t) SELECT "
		  "pg_scalar_subquery(__v) FROM (SELECT __v FROM _q1 LIMIT 2)) "
		  "AS a" },
		/* = ANY and <> ALL stay IN and NOT IN. */
		{ "select 1 from t where a = any (select b from u) and a <> "
		  "all (select b from u)",
		  "SELECT 1 AS \"?column?\" FROM t WHERE ((a IN (SELECT b "
		  "FROM u)) AND (a NOT IN (SELECT b FROM u)))" },
		{ "select a from t limit 2 offset 1",
		  "SELECT a FROM t LIMIT 2 OFFSET 1" },
		{ "select sum(a) over w from t window w as (order by a rows "
		  "between 1 preceding and current row exclude ties)",
		  "SELECT sum(a) OVER (ORDER BY a NULLS LAST ROWS BETWEEN 1 "
		  "PRECEDING AND CURRENT ROW EXCLUDE TIES) AS sum FROM t" },
		{ "select a, count(*) from t group by rollup (a)",
		  "SELECT __c1 AS a, __c2 AS count FROM (SELECT a AS __c1, "
		  "count(*) AS __c2 FROM t GROUP BY a UNION ALL SELECT NULL AS "
		  "__c1, count(*) AS __c2 FROM t)" },
		{ "select generate_series(1, 2)",
		  "SELECT __srf1.value AS generate_series FROM "
		  "pg_generate_series(1, 2) AS __srf1" },
		/* Refused, naming the construct. */
		{ "select (a, b) > all (select 1, 2 from t) from t", "0A000" },
		{ "select * from t intersect all select * from u", "0A000" },
		{ "select sum(a) over () from t group by rollup (a)", "0A000" },
		{ "select a, b from t group by cube (a, b, c, d, e, f, g, h, i, "
		  "j, k, l, m)",
		  "54011" },
		{ "select sum(a) over (order by a range between '1 day' "
		  "preceding and current row) from t",
		  "" },
	};
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	int bad = 0;
	for (size_t i = 0; i < TR_ARRAY_LEN(tcases); i++) {
		struct sql_batch b;
		struct sql_error err;
		assert_int_equal(sql_parse(&a, tcases[i].pg, &b, &err), TR_OK);
		const struct sql_stmt *st = &b.stmts[0];
		const char *got = st->failed ? st->error.sqlstate : st->sqlite;
		if (tcases[i].want[0] == '\0') {
			continue; /* translated or refused: must not crash */
		}
		if (strcmp(got, tcases[i].want) != 0) {
			print_error("<%s>:\n want <%s>\n got  <%s>\n",
				    tcases[i].pg, tcases[i].want, got);
			bad++;
		}
	}
	tr_arena_close(&a);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_results_match_postgres),
		cmocka_unit_test(test_parameters_checked_at_run_time),
		cmocka_unit_test(test_translations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
