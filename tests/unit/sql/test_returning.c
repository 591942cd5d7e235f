/*
 * Unit tests for INSERT/UPDATE/DELETE ... RETURNING plans (sql/returning.c):
 * the steps' texts never say RETURNING, bind the right parameters, and,
 * run on a private SQLite database as the executor runs them on the
 * leader, give PostgreSQL's rows.
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

struct fixture {
	struct tr_arena a;
	sqlite3 *db;
};

static int setup(void **state)
{
	struct fixture *f = test_malloc(sizeof *f);
	tr_arena_init(&f->a, 4096);
	assert_int_equal(sqlite3_open(":memory:", &f->db), SQLITE_OK);
	assert_int_equal(sql_functions_register(f->db), SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(f->db,
			     "CREATE TABLE kv (id INTEGER PRIMARY KEY, k text "
			     "UNIQUE, v int4); INSERT INTO kv (k, v) VALUES "
			     "('a', 1), ('b', 2), ('c', 3)",
			     NULL, NULL, NULL),
		SQLITE_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sqlite3_close(f->db);
	tr_arena_close(&f->a);
	test_free(f);
	return 0;
}

static const struct sql_stmt *plan(struct fixture *f, const char *sql)
{
	struct sql_batch b;
	struct sql_error err;
	assert_int_equal(sql_parse(&f->a, sql, &b, &err), TR_OK);
	assert_int_equal(b.n_stmts, 1);
	return &b.stmts[0];
}

static void check_step(const struct sql_ret_step *st)
{
	assert_non_null(st->sql);
	assert_false(sql_text_has_returning(st->sql));
	assert_true(st->key == 0 || st->key == st->n_params + 1);
}

/* Run @st binding integers @params (the statement's $n) and, when the
 * step has a key, the text @key; the rows' first column summed into
 * @out[0] and counted into @out[1]; returns last_insert_rowid. */
static int64_t run(struct fixture *f, const struct sql_ret_step *st,
		   const int64_t *params, const char *key, char *out,
		   size_t cap)
{
	sqlite3_stmt *ps;
	assert_int_equal(sqlite3_prepare_v2(f->db, st->sql, -1, &ps, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_bind_parameter_count(ps),
			 (int)(st->key ? st->key : st->n_params));
	for (unsigned i = 0; i < st->n_params; i++) {
		sqlite3_bind_int64(ps, (int)i + 1, params[i]);
	}
	if (st->key != 0) {
		sqlite3_bind_text(ps, (int)st->key, key, -1, SQLITE_STATIC);
	}
	size_t len = 0;
	if (out != NULL) {
		out[0] = '\0';
	}
	int rc;
	while ((rc = sqlite3_step(ps)) == SQLITE_ROW) {
		for (int c = 0; c < sqlite3_column_count(ps); c++) {
			const char *t =
				(const char *)sqlite3_column_text(ps, c);
			len += (size_t)snprintf(out + len, cap - len, "%s%s",
						c > 0 ? "," : "",
						t ? t : "NULL");
		}
		len += (size_t)snprintf(out + len, cap - len, ";");
	}
	assert_int_equal(rc, SQLITE_DONE);
	sqlite3_finalize(ps);
	return sqlite3_last_insert_rowid(f->db);
}

static void insert_values_upsert(void **state)
{
	struct fixture *f = *state;
	const struct sql_stmt *st = plan(
		f, "INSERT INTO kv AS t (k, v) VALUES ($1, 10), ('z', $2) ON "
		   "CONFLICT (k) DO UPDATE SET v = t.v + EXCLUDED.v RETURNING "
		   "k, v, $3::int4 AS p");
	assert_false(st->failed);
	assert_int_equal(st->kind, SQL_QUERY);
	assert_true(st->writes);
	assert_string_equal(st->tag, "INSERT");
	const struct sql_returning *p = st->returning;
	assert_non_null(p);
	assert_int_equal(p->kind, SQL_RETURNING_INSERT);
	assert_true(p->upsert);
	assert_int_equal(p->n_rows, 2);
	assert_int_equal(p->rows[0].n_params, 1);
	assert_int_equal(p->rows[1].n_params, 2);
	check_step(&p->rows[0]);
	check_step(&p->rows[1]);
	check_step(&p->fetch);
	assert_int_equal(p->fetch.n_params, 3);
	assert_false(sql_text_has_returning(st->sqlite));
	/* 'a' exists (rowid 1): the update path reports rowid 1. */
	int64_t params[3] = { 0, 5, 42 };
	char out[256];
	sqlite3_exec(f->db, "BEGIN", NULL, NULL, NULL);
	int64_t r0 = 0;
	{
		sqlite3_stmt *ps;
		assert_int_equal(sqlite3_prepare_v2(f->db, p->rows[0].sql, -1,
						    &ps, NULL),
				 SQLITE_OK);
		sqlite3_bind_text(ps, 1, "a", -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(ps), SQLITE_DONE);
		sqlite3_finalize(ps);
		assert_int_equal(sqlite3_changes(f->db), 1);
		r0 = sqlite3_last_insert_rowid(f->db);
	}
	assert_int_equal(r0, 1);
	int64_t r1 = run(f, &p->rows[1], params, NULL, NULL, 0);
	assert_int_equal(r1, 4);
	char key[64];
	snprintf(key, sizeof key, "[%lld,%lld]", (long long)r0,
		 (long long)r1);
	run(f, &p->fetch, params, key, out, sizeof out);
	assert_string_equal(out, "a,11,42;z,5,42;");
	sqlite3_exec(f->db, "ROLLBACK", NULL, NULL, NULL);
}

static void insert_select(void **state)
{
	struct fixture *f = *state;
	const struct sql_stmt *st = plan(
		f, "INSERT INTO kv (k, v) SELECT k || 'x', v * $1 FROM kv ON "
		   "CONFLICT DO NOTHING RETURNING *");
	assert_false(st->failed);
	const struct sql_returning *p = st->returning;
	assert_int_equal(p->n_rows, 0);
	check_step(&p->source);
	assert_int_equal(p->source.n_params, 1);
	assert_int_equal(p->row_params, 0);
	const char *row = sql_returning_row_sql(&f->a, p, 2);
	assert_string_equal(row, "INSERT INTO kv (k, v) VALUES (?1, ?2) ON "
				 "CONFLICT DO NOTHING");
	assert_string_equal(p->fetch.sql,
			    "SELECT kv.* FROM (SELECT key AS __triode_k, "
			    "value AS __triode_v FROM json_each(?1)) AS "
			    "__triode_rk CROSS JOIN kv WHERE kv.rowid = "
			    "__triode_rk.__triode_v ORDER BY "
			    "__triode_rk.__triode_k");
}

static void update_from(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(sqlite3_exec(f->db,
				      "CREATE TABLE o (k text, x int4); "
				      "INSERT INTO o VALUES ('b', 1), ('b', "
				      "1), ('c', 2)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	const struct sql_stmt *st = plan(
		f, "UPDATE kv AS t SET v = t.v + o.x * $1 FROM o WHERE o.k = "
		   "t.k AND o.x < $2 RETURNING t.k, t.v");
	assert_false(st->failed);
	assert_string_equal(st->tag, "UPDATE");
	const struct sql_returning *p = st->returning;
	assert_int_equal(p->kind, SQL_RETURNING_UPDATE);
	check_step(&p->collect);
	check_step(&p->write);
	check_step(&p->fetch);
	assert_int_equal(p->write.key, 3);
	int64_t params[2] = { 100, 5 };
	char out[256];
	run(f, &p->collect, params, NULL, out, sizeof out);
	assert_string_equal(out, "2;3;"); /* b once, despite two o rows */
	run(f, &p->write, params, "[2,3]", NULL, 0);
	assert_int_equal(sqlite3_changes(f->db), 2);
	run(f, &p->fetch, params, "[2,3]", out, sizeof out);
	assert_string_equal(out, "b,102;c,203;");
}

static void delete_using(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(sqlite3_exec(f->db,
				      "CREATE TABLE u (k text, note text); "
				      "INSERT INTO u VALUES ('a', 'x'), ('a', "
				      "'x')",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	const struct sql_stmt *st = plan(f, "DELETE FROM kv USING u WHERE "
					    "u.k = kv.k RETURNING kv.k, "
					    "u.note");
	assert_false(st->failed);
	const struct sql_returning *p = st->returning;
	assert_int_equal(p->kind, SQL_RETURNING_DELETE);
	check_step(&p->collect);
	check_step(&p->write);
	assert_null(p->fetch.sql);
	char out[256];
	run(f, &p->collect, NULL, NULL, out, sizeof out);
	assert_string_equal(out, "1,a,x;");
	run(f, &p->write, NULL, "[1]", NULL, 0);
	assert_int_equal(sqlite3_changes(f->db), 1);
}

static void refused(void **state)
{
	struct fixture *f = *state;
	const struct sql_stmt *st = plan(f, "UPDATE kv SET v = 1 FROM kv k2 "
					    "RETURNING *");
	assert_true(st->failed);
	assert_string_equal(st->error.sqlstate, "0A000");
	assert_null(st->sqlite);
	st = plan(f, "INSERT INTO pg_class (oid) VALUES (1) RETURNING oid");
	assert_true(st->failed);
	assert_null(st->sqlite);
}

static void scanner(void **state)
{
	TR_UNUSED(state);
	assert_true(sql_text_has_returning("INSERT INTO t VALUES (1) "
					   "RETURNING x"));
	assert_true(sql_text_has_returning("delete from t returning*"));
	assert_false(sql_text_has_returning("SELECT 'returning'"));
	assert_false(sql_text_has_returning("SELECT \"returning\" FROM t"));
	assert_false(sql_text_has_returning("SELECT [returning] FROM t"));
	assert_false(sql_text_has_returning("SELECT 1 -- returning"));
	assert_false(sql_text_has_returning("SELECT 1 /* returning */"));
	assert_false(sql_text_has_returning("SELECT returning_x, x_returning"));
	assert_false(sql_text_has_returning("SELECT 'it''s returning'"));
	assert_true(sql_text_has_returning("SELECT 'a' returning"));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(insert_values_upsert), T(insert_select), T(update_from),
		T(delete_using),         T(refused),       T(scanner),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
