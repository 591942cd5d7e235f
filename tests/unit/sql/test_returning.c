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

#include "sql/sql_int.h"

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

/* ---------------------------------------------------------------------
 * Data-modifying statements in WITH: the plan run as the executor runs
 * it (server/session.c), without parameters.
 * ------------------------------------------------------------------- */

static int64_t int_of(struct fixture *f, const char *sql)
{
	sqlite3_stmt *ps;
	assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &ps, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(ps), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(ps, 0);
	sqlite3_finalize(ps);
	return v;
}

struct ids {
	int64_t v[64];
	unsigned n;
};

/* "[1,2]" of @ids. */
static const char *key_of(const struct ids *ids, char *buf, size_t cap)
{
	size_t len = (size_t)snprintf(buf, cap, "[");
	for (unsigned i = 0; i < ids->n; i++) {
		len += (size_t)snprintf(buf + len, cap - len,
					i > 0 ? ",%lld" : "%lld",
					(long long)ids->v[i]);
	}
	snprintf(buf + len, cap - len, "]");
	return buf;
}

/* Run one step: its rows' first column into @ids (when not NULL), the
 * rows from column @skip on appended to @out (when not NULL); returns
 * sqlite3_changes. */
static int step_run(struct fixture *f, const struct sql_ret_step *st,
		    const struct ids *key_ids, struct ids *ids, int skip,
		    char *out, size_t cap)
{
	char key[512];
	sqlite3_stmt *ps;
	check_step(st);
	assert_int_equal(st->n_params, 0);
	assert_int_equal(sqlite3_prepare_v2(f->db, st->sql, -1, &ps, NULL),
			 SQLITE_OK);
	if (st->key != 0) {
		sqlite3_bind_text(ps, (int)st->key,
				  key_of(key_ids, key, sizeof key), -1,
				  SQLITE_TRANSIENT);
	}
	int rc;
	while ((rc = sqlite3_step(ps)) == SQLITE_ROW) {
		if (ids != NULL) {
			ids->v[ids->n++] = sqlite3_column_int64(ps, 0);
		}
		if (out == NULL) {
			continue;
		}
		size_t len = strlen(out);
		for (int c = skip; c < sqlite3_column_count(ps); c++) {
			const char *t = (const char *)sqlite3_column_text(ps,
									  c);
			len += (size_t)snprintf(out + len, cap - len, "%s%s",
						c > skip ? "," : "",
						t ? t : "NULL");
		}
		snprintf(out + len, cap - len, ";");
	}
	assert_int_equal(rc, SQLITE_DONE);
	sqlite3_finalize(ps);
	return sqlite3_changes(f->db);
}

/* INSERT ... SELECT: the source's rows, each inserted (0 parameters of
 * the statement's own); the rowids of the rows inserted into @ids. */
static void source_run(struct fixture *f, const struct sql_returning *p,
		       struct ids *ids)
{
	sqlite3_stmt *src, *ins;
	check_step(&p->source);
	assert_int_equal(p->row_params, 0);
	assert_int_equal(
		sqlite3_prepare_v2(f->db, p->source.sql, -1, &src, NULL),
		SQLITE_OK);
	sqlite3_value *rows[16][8];
	int n = 0, width = sqlite3_column_count(src);
	assert_true(width <= 8);
	while (sqlite3_step(src) == SQLITE_ROW) {
		assert_true(n < 16);
		for (int c = 0; c < width; c++) {
			rows[n][c] = sqlite3_value_dup(
				sqlite3_column_value(src, c));
		}
		n++;
	}
	sqlite3_finalize(src);
	const char *sql = sql_returning_row_sql(&f->a, p, (unsigned)width);
	assert_false(sql_text_has_returning(sql));
	for (int r = 0; r < n; r++) {
		assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &ins, NULL),
				 SQLITE_OK);
		for (int c = 0; c < width; c++) {
			sqlite3_bind_value(ins, c + 1, rows[r][c]);
			sqlite3_value_free(rows[r][c]);
		}
		assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
		if (sqlite3_changes(f->db) > 0) {
			ids->v[ids->n++] = sqlite3_last_insert_rowid(f->db);
		}
		sqlite3_finalize(ins);
	}
}

/* Run an INSERT/UPDATE/DELETE plan (INSERT ... VALUES only); checks
 * what the executor checks.  Returns the rows affected. */
static int plan_run(struct fixture *f, const struct sql_returning *p, char *out,
		    size_t cap)
{
	struct ids ids = { .n = 0 };
	int affected = 0, stored;
	switch (p->kind) {
	case SQL_RETURNING_INSERT:
		if (p->source.sql != NULL) {
			source_run(f, p, &ids);
			affected = (int)ids.n;
		}
		for (unsigned i = 0; i < p->n_rows; i++) {
			if (step_run(f, &p->rows[i], NULL, NULL, 0, NULL, 0) >
			    0) {
				ids.v[ids.n++] = sqlite3_last_insert_rowid(
					f->db);
				affected++;
			}
		}
		if (p->fetch.sql == NULL) {
			return affected; /* an upsert without RETURNING */
		}
		stored = step_run(f, &p->fetch, &ids, NULL, 0,
				  p->capture ? NULL : out, cap);
		assert_int_equal(p->capture ? stored : 0,
				 p->capture ? (int)ids.n : 0);
		return affected;
	case SQL_RETURNING_UPDATE:
		step_run(f, &p->collect, NULL, &ids, 0, NULL, 0);
		affected = step_run(f, &p->write, &ids, NULL, 0, NULL, 0);
		assert_int_equal(affected, (int)ids.n);
		stored = step_run(f, &p->fetch, &ids, NULL, 0,
				  p->capture ? NULL : out, cap);
		assert_int_equal(p->capture ? stored : 0,
				 p->capture ? (int)ids.n : 0);
		return affected;
	default:
		if (p->capture) {
			stored = step_run(f, &p->collect, NULL, NULL, 0, NULL,
					  0);
			assert_int_equal(p->write.key, 0);
			affected = step_run(f, &p->write, NULL, NULL, 0, NULL,
					    0);
			assert_int_equal(affected, stored);
			return affected;
		}
		step_run(f, &p->collect, NULL, &ids, 1, out, cap);
		return step_run(f, &p->write, &ids, NULL, 0, NULL, 0);
	}
}

/* Run a SQL_RETURNING_WITH plan; returns the main statement's count. */
static int with_run(struct fixture *f, const struct sql_stmt *st, char *out,
		    size_t cap)
{
	const struct sql_returning *p = st->returning;
	assert_non_null(p);
	assert_int_equal(p->kind, SQL_RETURNING_WITH);
	out[0] = '\0';
	assert_false(sql_text_has_returning(p->prep.sql));
	assert_int_equal(sqlite3_exec(f->db, p->prep.sql, NULL, NULL, NULL),
			 SQLITE_OK);
	for (unsigned i = 0; i < p->n_subs; i++) {
		assert_true(p->subs[i].capture);
		plan_run(f, &p->subs[i], NULL, 0);
	}
	int n;
	if (p->main != NULL) {
		assert_false(p->main->capture);
		n = plan_run(f, p->main, out, cap);
	} else if (p->fetch.sql != NULL) {
		step_run(f, &p->fetch, NULL, NULL, 0, out, cap);
		n = -1;
	} else {
		n = step_run(f, &p->write, NULL, NULL, 0, NULL, 0);
	}
	assert_int_equal(sqlite3_exec(f->db, p->cleanup.sql, NULL, NULL, NULL),
			 SQLITE_OK);
	return n;
}

static void with_update_select(void **state)
{
	struct fixture *f = *state;
	sql__enum_scope(f->db); /* the mirror: f->db's own tables */
	const struct sql_stmt *st = plan(
		f, "WITH d AS (DELETE FROM kv WHERE k = 'b' RETURNING *), "
		   "u AS (UPDATE kv SET v = v + 10 WHERE k <> 'b' RETURNING k, "
		   "v AS nv) SELECT u.k, nv, (SELECT count(*) FROM d) AS nd "
		   "FROM u ORDER BY u.k DESC");
	assert_false(st->failed);
	assert_int_equal(st->kind, SQL_QUERY);
	assert_true(st->writes);
	assert_string_equal(st->tag, "SELECT");
	assert_int_equal(st->returning->n_subs, 2);
	/* Describe: each WITH query as its RETURNING list over its table. */
	assert_string_equal(st->sqlite,
			    "WITH d(id, k, v) AS (SELECT * FROM kv), u(k, nv) "
			    "AS (SELECT k, v AS nv FROM kv) SELECT u.k, nv, "
			    "(SELECT count(*) AS count FROM d) AS nd FROM u "
			    "ORDER BY "
			    "u.k DESC NULLS FIRST");
	char out[512];
	with_run(f, st, out, sizeof out);
	assert_string_equal(out, "c,13,1;a,11,1;");
	assert_int_equal(int_of(f, "SELECT count(*) FROM triode_rows"), 0);
	assert_int_equal(int_of(f, "SELECT sum(v) FROM kv"), 24);
	sql__enum_scope(NULL);
}

static void with_move_rows(void **state)
{
	struct fixture *f = *state;
	sql__enum_scope(f->db);
	assert_int_equal(sqlite3_exec(f->db,
				      "CREATE TABLE arch (id int8, k text, v "
				      "int4)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	const struct sql_stmt *st = plan(
		f, "WITH moved AS (DELETE FROM kv WHERE v < 3 RETURNING *) "
		   "INSERT INTO arch SELECT * FROM moved");
	assert_false(st->failed);
	assert_int_equal(st->kind, SQL_EXEC);
	assert_string_equal(st->tag, "INSERT");
	assert_null(st->returning->main);
	char out[512];
	assert_int_equal(with_run(f, st, out, sizeof out), 2);
	assert_int_equal(int_of(f, "SELECT count(*) FROM kv"), 1);
	assert_int_equal(int_of(f, "SELECT sum(v) FROM arch"), 3);
	/* With RETURNING of its own, and a VALUES WITH query. */
	st = plan(f, "WITH n AS (INSERT INTO kv (k, v) VALUES ('x', 7), "
		     "('y', 8) RETURNING k, v) INSERT INTO arch (k, v) SELECT "
		     "k, v * 2 FROM n RETURNING k, v");
	assert_false(st->failed);
	assert_int_equal(st->kind, SQL_QUERY);
	assert_non_null(st->returning->main);
	assert_int_equal(with_run(f, st, out, sizeof out), 2);
	assert_string_equal(out, "x,14;y,16;");
	assert_int_equal(int_of(f, "SELECT count(*) FROM kv"), 3);
	sql__enum_scope(NULL);
}

static void with_refused(void **state)
{
	struct fixture *f = *state;
	sql__enum_scope(f->db);
	static const struct {
		const char *sql, *sqlstate;
	} cases[] = {
		{ "WITH d AS (DELETE FROM kv) SELECT * FROM d", "0A000" },
		{ "SELECT * FROM (WITH d AS (DELETE FROM kv RETURNING k) "
		  "SELECT * FROM d) x",
		  "0A000" },
		{ "WITH d(a, b) AS (DELETE FROM kv RETURNING k) SELECT 1",
		  "42P10" },
		{ "WITH d AS (DELETE FROM kv RETURNING k) SELECT * FROM kv",
		  "0A000" },
		{ "WITH i AS (INSERT INTO kv (k, v) VALUES ('q', 1) RETURNING "
		  "k) UPDATE kv SET v = 2",
		  "0A000" },
		{ "WITH d AS (DELETE FROM nosuch RETURNING *) SELECT 1",
		  "42P01" },
		{ "WITH d AS (DELETE FROM kv RETURNING k) SELECT "
		  "nextval('s')",
		  "0A000" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct sql_stmt *st = plan(f, cases[i].sql);
		if (!st->failed) {
			print_message("not refused: %s\n", cases[i].sql);
		}
		assert_true(st->failed);
		assert_string_equal(st->error.sqlstate, cases[i].sqlstate);
		assert_null(st->returning);
	}
	/* Allowed: after a DELETE, and inserting after a change. */
	const struct sql_stmt *st = plan(
		f, "WITH d AS (DELETE FROM kv WHERE k = 'a' RETURNING k) "
		   "UPDATE kv SET v = 0 WHERE k = 'b'");
	if (st->failed) {
		print_message("%s\n", st->error.message);
	}
	assert_false(st->failed);
	sql__enum_scope(NULL);
}

/* Upserts of several rows without RETURNING: a plan, for the 21000
 * check; one row, or DO NOTHING: plain. */
static void upsert_plan(void **state)
{
	struct fixture *f = *state;
	const struct sql_stmt *st = plan(
		f,
		"INSERT INTO kv (k, v) VALUES ('a', 1), ('q', 2) ON CONFLICT "
		"(k) DO UPDATE SET v = excluded.v");
	assert_false(st->failed);
	assert_int_equal(st->kind, SQL_EXEC);
	assert_string_equal(st->tag, "INSERT");
	const struct sql_returning *p = st->returning;
	assert_non_null(p);
	assert_int_equal(p->kind, SQL_RETURNING_INSERT);
	assert_true(p->upsert);
	assert_int_equal(p->n_rows, 2);
	assert_null(p->fetch.sql);
	char out[64];
	out[0] = '\0';
	assert_int_equal(plan_run(f, p, out, sizeof out), 2);
	assert_int_equal(int_of(f, "SELECT v FROM kv WHERE k = 'q'"), 2);
	st = plan(f, "INSERT INTO kv (k, v) SELECT k, 0 FROM kv ON CONFLICT "
		     "(k) DO UPDATE SET v = 9");
	assert_false(st->failed);
	assert_non_null(st->returning);
	assert_non_null(st->returning->source.sql);
	st = plan(f, "INSERT INTO kv (k, v) VALUES ('a', 1) ON CONFLICT (k) "
		     "DO UPDATE SET v = 2");
	assert_false(st->failed);
	assert_null(st->returning);
	st = plan(f, "INSERT INTO kv (k, v) VALUES ('a', 1), ('b', 1) ON "
		     "CONFLICT DO NOTHING");
	assert_false(st->failed);
	assert_null(st->returning);
	/* SQLite's error for a conflict target without a unique index. */
	struct sql_error err;
	sql_error_from_sqlite(&err, &f->a, 1,
			      "ON CONFLICT clause does not match any PRIMARY "
			      "KEY or UNIQUE constraint");
	assert_string_equal(err.sqlstate, "42P10");
}

/* INSERT without a column list and fewer values: the leading columns
 * named, from the mirror. */
static void insert_fill(void **state)
{
	struct fixture *f = *state;
	sql__enum_scope(f->db);
	const struct sql_stmt *st = plan(f, "INSERT INTO kv VALUES (9, 'n')");
	assert_false(st->failed);
	assert_string_equal(st->sqlite,
			    "INSERT INTO kv (id, k) VALUES (9, 'n')");
	st = plan(f, "INSERT INTO kv SELECT 8");
	assert_false(st->failed);
	assert_string_equal(st->sqlite,
			    "INSERT INTO kv (id) SELECT 8 AS \"?column?\"");
	st = plan(f, "INSERT INTO kv VALUES (7, 'm', 1)");
	assert_false(st->failed);
	assert_string_equal(st->sqlite, "INSERT INTO kv VALUES (7, 'm', 1)");
	st = plan(f, "INSERT INTO kv VALUES (7, 'm', 1, 2)");
	assert_true(st->failed);
	assert_string_equal(st->error.sqlstate, "42601");
	/* Unknown to the mirror: reloaded and translated again. */
	st = plan(f, "INSERT INTO newer VALUES (1)");
	assert_true(st->failed);
	assert_true(st->needs_schema);
	assert_string_equal(st->error.sqlstate, "42P01");
	st = plan(f, "INSERT INTO kv SELECT * FROM kv");
	assert_false(st->failed);
	sql__enum_scope(NULL);
	/* No mirror: as written. */
	st = plan(f, "INSERT INTO kv VALUES (9, 'n')");
	assert_false(st->failed);
	assert_string_equal(st->sqlite, "INSERT INTO kv VALUES (9, 'n')");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(insert_values_upsert), T(insert_select),  T(update_from),
		T(delete_using),         T(refused),        T(scanner),
		T(with_update_select),   T(with_move_rows), T(with_refused),
		T(upsert_plan),          T(insert_fill),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
