/*
 * Unit tests for sequences (sql/sequence.c): the DDL scripts, the plan
 * of a query that calls nextval(), and the C functions, run on a private
 * SQLite database the way the executor runs them on the leader.
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

static const struct sql_stmt *parse1(struct fixture *f, const char *sql)
{
	struct sql_batch b;
	struct sql_error err;
	assert_int_equal(sql_parse(&f->a, sql, &b, &err), TR_OK);
	assert_int_equal(b.n_stmts, 1);
	return &b.stmts[0];
}

/* Run statement @sql's translation (DDL scripts, EXEC): SQLite code;
 * @msg gets SQLite's message. */
static int exec(struct fixture *f, const char *sql, char *msg, size_t cap)
{
	const struct sql_stmt *st = parse1(f, sql);
	assert_false(st->failed);
	assert_non_null(st->sqlite);
	char *err = NULL;
	int rc = sqlite3_exec(f->db, st->sqlite, NULL, NULL, &err);
	if (msg != NULL) {
		snprintf(msg, cap, "%s", err != NULL ? err : "");
	}
	sqlite3_free(err);
	return rc;
}

/* One integer from a plain SQLite query. */
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

/*
 * Run the plan of query @sql as the executor does (prep, write, fetch,
 * cleanup): the first column of the first row in @v, or the error of
 * the write in @msg (SQLite code returned).
 */
static int run_plan(struct fixture *f, const char *sql, int64_t *v, char *msg,
		    size_t cap)
{
	const struct sql_stmt *st = parse1(f, sql);
	assert_false(st->failed);
	assert_true(st->writes);
	assert_non_null(st->returning);
	const struct sql_returning *p = st->returning;
	assert_int_equal(p->kind, SQL_RETURNING_SELECT);
	assert_false(sql_text_has_returning(p->write.sql));
	assert_int_equal(sqlite3_exec(f->db, p->prep.sql, NULL, NULL, NULL),
			 SQLITE_OK);
	char *err = NULL;
	int rc = sqlite3_exec(f->db, p->write.sql, NULL, NULL, &err);
	snprintf(msg, cap, "%s", err != NULL ? err : "");
	sqlite3_free(err);
	if (rc == SQLITE_OK) {
		*v = int_of(f, p->fetch.sql);
	}
	assert_int_equal(sqlite3_exec(f->db, p->cleanup.sql, NULL, NULL, NULL),
			 SQLITE_OK);
	return rc;
}

static int64_t next(struct fixture *f, const char *sql)
{
	int64_t v = 0;
	char msg[256];
	int rc = run_plan(f, sql, &v, msg, sizeof msg);
	if (rc != SQLITE_OK) {
		fail_msg("%s: %s", sql, msg);
	}
	return v;
}

static void test_create_nextval(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(exec(f, "CREATE SEQUENCE s", NULL, 0), SQLITE_OK);
	assert_int_equal(next(f, "SELECT nextval('s')"), 1);
	assert_int_equal(next(f, "SELECT nextval('public.s') AS n"), 2);
	assert_int_equal(next(f, "SELECT nextval('\"s\"') + 0"), 3);
	/* The view of the sequence. */
	assert_int_equal(int_of(f, "SELECT last_value FROM s"), 3);
	assert_int_equal(int_of(f, "SELECT is_called FROM s"), 1);
	/* currval is per connection, not in the data. */
	assert_int_equal(int_of(f, "SELECT pg_currval('s')"), 3);
	assert_int_equal(int_of(f, "SELECT pg_lastval()"), 3);
	/* Several rows: one value each, in the query's order. */
	const struct sql_stmt *st = parse1(
		f, "SELECT nextval('s') AS v FROM (VALUES (1), (2)) AS t(x)");
	assert_non_null(st->returning);
	assert_int_equal(
		sqlite3_exec(f->db, st->returning->prep.sql, NULL, NULL, NULL),
		SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(f->db, st->returning->write.sql, NULL, NULL, NULL),
		SQLITE_OK);
	assert_int_equal(int_of(f, "SELECT count(*) FROM triode_rows"), 2);
	assert_int_equal(int_of(f, "SELECT max(c0) FROM triode_rows"), 5);
}

static void test_options_and_limits(void **state)
{
	struct fixture *f = *state;
	char msg[256];
	int64_t v;
	assert_int_equal(exec(f,
			      "CREATE SEQUENCE s2 START WITH 100 INCREMENT BY "
			      "10",
			      NULL, 0),
			 SQLITE_OK);
	assert_int_equal(next(f, "SELECT nextval('s2')"), 100);
	assert_int_equal(next(f, "SELECT nextval('s2')"), 110);
	assert_int_equal(exec(f, "CREATE SEQUENCE s3 MAXVALUE 2", NULL, 0),
			 SQLITE_OK);
	assert_int_equal(next(f, "SELECT nextval('s3')"), 1);
	assert_int_equal(next(f, "SELECT nextval('s3')"), 2);
	assert_int_not_equal(
		run_plan(f, "SELECT nextval('s3')", &v, msg, sizeof msg),
		SQLITE_OK);
	assert_non_null(strstr(msg, "2200H: nextval: reached maximum value"));
	assert_int_equal(
		exec(f, "CREATE SEQUENCE s4 MAXVALUE 2 CYCLE", NULL, 0),
		SQLITE_OK);
	assert_int_equal(next(f, "SELECT nextval('s4') + nextval('s4')"), 3);
	assert_int_equal(next(f, "SELECT nextval('s4')"), 1);
	assert_int_equal(exec(f, "CREATE SEQUENCE s5 INCREMENT BY -1", NULL, 0),
			 SQLITE_OK);
	assert_int_equal(next(f, "SELECT nextval('s5')"), -1);
	assert_int_equal(next(f, "SELECT nextval('s5')"), -2);
	/* setval, with and without is_called. */
	assert_int_equal(next(f, "SELECT setval('s2', 42)"), 42);
	assert_int_equal(next(f, "SELECT nextval('s2')"), 52);
	assert_int_equal(next(f, "SELECT setval('s2', 7, false)"), 7);
	assert_int_equal(next(f, "SELECT nextval('s2')"), 7);
	assert_int_not_equal(
		run_plan(f, "SELECT setval('s3', 0)", &v, msg, sizeof msg),
		SQLITE_OK);
	assert_non_null(strstr(msg, "22003: "));
	/* Inconsistent options fail at translation. */
	const struct sql_stmt *st = parse1(
		f, "CREATE SEQUENCE bad MINVALUE 5 MAXVALUE 1");
	assert_true(st->failed);
	assert_string_equal(st->error.sqlstate, "22023");
	st = parse1(f, "CREATE SEQUENCE bad INCREMENT BY 0");
	assert_true(st->failed);
	st = parse1(f, "CREATE SEQUENCE bad AS int4 MAXVALUE 3000000000");
	assert_true(st->failed);
}

static void test_errors(void **state)
{
	struct fixture *f = *state;
	char msg[256];
	int64_t v;
	assert_int_equal(exec(f, "CREATE SEQUENCE s", NULL, 0), SQLITE_OK);
	/* currval before nextval; unknown sequences. */
	sqlite3_stmt *ps;
	assert_int_equal(sqlite3_prepare_v2(f->db, "SELECT pg_currval('s')", -1,
					    &ps, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(ps), SQLITE_ERROR);
	assert_non_null(strstr(sqlite3_errmsg(f->db), "55000: "));
	sqlite3_finalize(ps);
	assert_int_not_equal(
		run_plan(f, "SELECT nextval('nope')", &v, msg, sizeof msg),
		SQLITE_OK);
	assert_non_null(strstr(msg, "42P01: "));
	/* Never a write inside a read-only statement (a dqlite QUERY). */
	assert_int_equal(sqlite3_prepare_v2(f->db, "SELECT pg_nextval('s')", -1,
					    &ps, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(ps), SQLITE_ERROR);
	assert_non_null(strstr(sqlite3_errmsg(f->db), "0A000: "));
	sqlite3_finalize(ps);
	assert_int_equal(int_of(f, "SELECT is_called FROM s"), 0);
	/* A table of the same name cannot be made, nor the sequence twice. */
	assert_int_not_equal(exec(f, "CREATE SEQUENCE s", msg, sizeof msg),
			     SQLITE_OK);
	assert_int_equal(exec(f, "CREATE SEQUENCE IF NOT EXISTS s", NULL, 0),
			 SQLITE_OK);
	assert_int_equal(exec(f, "DROP SEQUENCE s", NULL, 0), SQLITE_OK);
	assert_int_not_equal(exec(f, "DROP SEQUENCE s", msg, sizeof msg),
			     SQLITE_OK);
	assert_int_equal(exec(f, "DROP SEQUENCE IF EXISTS s", NULL, 0),
			 SQLITE_OK);
	assert_int_equal(int_of(f, "SELECT count(*) FROM triode_sequences"), 0);
}

static void test_defaults_and_serial(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(exec(f, "CREATE SEQUENCE s START 10", NULL, 0),
			 SQLITE_OK);
	assert_int_equal(exec(f,
			      "CREATE TABLE t (id int8 PRIMARY KEY DEFAULT "
			      "nextval('s'), v text)",
			      NULL, 0),
			 SQLITE_OK);
	assert_int_equal(
		exec(f, "INSERT INTO t (v) VALUES ('a'), ('b')", NULL, 0),
		SQLITE_OK);
	assert_int_equal(int_of(f, "SELECT max(id) FROM t"), 11);
	/* A serial key's sequence is its AUTOINCREMENT counter. */
	assert_int_equal(exec(f,
			      "CREATE TABLE u (id serial PRIMARY KEY, v text)",
			      NULL, 0),
			 SQLITE_OK);
	assert_int_equal(exec(f, "INSERT INTO u (v) VALUES ('a')", NULL, 0),
			 SQLITE_OK);
	assert_int_equal(next(f, "SELECT nextval('u_id_seq')"), 2);
	assert_int_equal(
		next(f, "SELECT nextval(pg_get_serial_sequence('u', 'id'))"),
		3);
	assert_int_equal(exec(f, "INSERT INTO u (v) VALUES ('b')", NULL, 0),
			 SQLITE_OK);
	assert_int_equal(int_of(f, "SELECT max(id) FROM u"), 4);
	assert_int_equal(next(f, "SELECT setval('u_id_seq', 100)"), 100);
	assert_int_equal(exec(f, "INSERT INTO u (v) VALUES ('c')", NULL, 0),
			 SQLITE_OK);
	assert_int_equal(int_of(f, "SELECT max(id) FROM u"), 101);
}

/* ALTER SEQUENCE: the script from the schema, as the executor asks. */
static void alter(struct fixture *f, const char *sql)
{
	const struct sql_stmt *st = parse1(f, sql);
	assert_false(st->failed);
	assert_non_null(st->rebuild);
	struct sql_schema_obj objs[16];
	unsigned n = 0;
	sqlite3_stmt *ps;
	assert_int_equal(sqlite3_prepare_v2(f->db,
					    "SELECT type, name, tbl_name, sql "
					    "FROM sqlite_schema WHERE sql IS "
					    "NOT NULL",
					    -1, &ps, NULL),
			 SQLITE_OK);
	while (sqlite3_step(ps) == SQLITE_ROW && n < 16) {
		objs[n].type = tr_arena_strdup(
			&f->a, (const char *)sqlite3_column_text(ps, 0));
		objs[n].name = tr_arena_strdup(
			&f->a, (const char *)sqlite3_column_text(ps, 1));
		objs[n].tbl_name = tr_arena_strdup(
			&f->a, (const char *)sqlite3_column_text(ps, 2));
		objs[n].sql = tr_arena_strdup(
			&f->a, (const char *)sqlite3_column_text(ps, 3));
		n++;
	}
	sqlite3_finalize(ps);
	const char *script;
	const struct sql_notice *notices;
	struct sql_error err;
	assert_int_equal(sql_rebuild_script(&f->a, st->rebuild, n, objs,
					    &script, &notices, &err),
			 TR_OK);
	assert_int_equal(sqlite3_exec(f->db, script, NULL, NULL, NULL),
			 SQLITE_OK);
}

static void test_alter(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(exec(f, "CREATE SEQUENCE s START WITH 100", NULL, 0),
			 SQLITE_OK);
	assert_int_equal(next(f, "SELECT nextval('s')"), 100);
	alter(f, "ALTER SEQUENCE s RESTART WITH 5");
	assert_int_equal(next(f, "SELECT nextval('s')"), 5);
	alter(f, "ALTER SEQUENCE s INCREMENT BY 2");
	assert_int_equal(next(f, "SELECT nextval('s')"), 7);
	alter(f, "ALTER SEQUENCE s RESTART");
	assert_int_equal(next(f, "SELECT nextval('s')"), 100);
	/* The marker follows the options (the catalog reads it). */
	sqlite3_stmt *ps;
	assert_int_equal(sqlite3_prepare_v2(f->db,
					    "SELECT sql FROM sqlite_schema "
					    "WHERE name = 's'",
					    -1, &ps, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(ps), SQLITE_ROW);
	struct sql__seqopts o;
	assert_true(
		sql__seq_marker((const char *)sqlite3_column_text(ps, 0), &o));
	sqlite3_finalize(ps);
	assert_int_equal(o.inc, 2);
	assert_int_equal(o.start, 100);
	assert_int_equal(o.type, SQL_OID_INT8);
	/* Unknown sequence. */
	const struct sql_stmt *st = parse1(f, "ALTER SEQUENCE nope RESTART");
	const char *script;
	const struct sql_notice *notices;
	struct sql_error err;
	assert_int_equal(sql_rebuild_script(&f->a, st->rebuild, 0, NULL,
					    &script, &notices, &err),
			 TR_ESQL);
	assert_string_equal(err.sqlstate, "42P01");
}

/* The CREATE TABLE text of @table in the fixture's database (arena). */
static const char *table_sql(struct fixture *f, const char *table)
{
	sqlite3_stmt *ps;
	assert_int_equal(sqlite3_prepare_v2(f->db,
					    "SELECT sql FROM sqlite_schema "
					    "WHERE name = ?1",
					    -1, &ps, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(ps, 1, table, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(ps), SQLITE_ROW);
	const char *sql = tr_arena_strdup(
		&f->a, (const char *)sqlite3_column_text(ps, 0));
	sqlite3_finalize(ps);
	return sql;
}

/* pg_dump's serial column: a plain column, CREATE SEQUENCE, OWNED BY,
 * then SET DEFAULT nextval('public.s'::regclass). */
static void test_pg_dump_serial(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(
		exec(f, "CREATE TABLE t (id int4 NOT NULL, v text)", NULL, 0),
		SQLITE_OK);
	assert_int_equal(exec(f, "INSERT INTO t VALUES (1, 'a')", NULL, 0),
			 SQLITE_OK);
	assert_int_equal(
		exec(f, "CREATE SEQUENCE public.t_id_seq AS integer", NULL, 0),
		SQLITE_OK);
	alter(f, "ALTER SEQUENCE public.t_id_seq OWNED BY public.t.id");
	char table[64];
	char column[64];
	assert_true(sql__seq_owner(table_sql(f, "t_id_seq"), table,
				   sizeof table, column, sizeof column));
	assert_string_equal(table, "t");
	assert_string_equal(column, "id");
	/* Options other than OWNED BY keep the owner. */
	alter(f, "ALTER SEQUENCE t_id_seq INCREMENT BY 1");
	assert_true(sql__seq_owner(table_sql(f, "t_id_seq"), table,
				   sizeof table, column, sizeof column));
	/* The regclass literal is the sequence's name, not a catalog
	 * query. */
	const struct sql_stmt *st = parse1(
		f, "ALTER TABLE ONLY public.t ALTER COLUMN id SET DEFAULT "
		   "nextval('public.t_id_seq'::regclass)");
	assert_false(st->failed);
	assert_false(st->catalog);
	assert_non_null(st->rebuild);
	assert_string_equal(st->rebuild->alters[0].text,
			    "pg_nextval('t_id_seq')");
	alter(f, "ALTER TABLE ONLY public.t ALTER COLUMN id SET DEFAULT "
		 "nextval('public.t_id_seq'::regclass)");
	char kind[32];
	char seq[64];
	assert_true(sql__column_seq(table_sql(f, "t"), "id", kind, sizeof kind,
				    seq, sizeof seq));
	assert_string_equal(kind, "serial");
	assert_string_equal(seq, "t_id_seq");
	assert_int_equal(next(f, "SELECT pg_catalog.setval('public.t_id_seq', "
				 "1, true)"),
			 1);
	assert_int_equal(exec(f, "INSERT INTO t (v) VALUES ('b')", NULL, 0),
			 SQLITE_OK);
	assert_int_equal(int_of(f, "SELECT max(id) FROM t"), 2);
	st = parse1(f, "SELECT nextval('Public.T_ID_SEQ'::regclass)");
	assert_false(st->catalog);
	assert_non_null(strstr(st->sqlite, "pg_nextval('t_id_seq')"));
	/* OWNED BY checks the column; CREATE SEQUENCE refuses SEQUENCE
	 * NAME (an identity column's option). */
	st = parse1(f, "ALTER SEQUENCE t_id_seq OWNED BY t");
	assert_true(st->failed);
	assert_string_equal(st->error.sqlstate, "42601");
	st = parse1(f, "CREATE SEQUENCE s2 SEQUENCE NAME s3");
	assert_true(st->failed);
	assert_string_equal(st->error.sqlstate, "42601");
}

/* A default naming a sequence that does not exist is 42P01 at once. */
static void test_default_of_missing_sequence(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(exec(f, "CREATE TABLE t (id int4 NOT NULL)", NULL, 0),
			 SQLITE_OK);
	const struct sql_stmt *st = parse1(
		f, "ALTER TABLE t ALTER COLUMN id SET DEFAULT "
		   "nextval('nope'::regclass)");
	const char *script;
	const struct sql_notice *notices;
	struct sql_error err;
	struct sql_schema_obj obj = { "table", "t", "t", table_sql(f, "t") };
	assert_int_equal(sql_rebuild_script(&f->a, st->rebuild, 1, &obj,
					    &script, &notices, &err),
			 TR_ESQL);
	assert_string_equal(err.sqlstate, "42P01");
}

/* ADD GENERATED ... AS IDENTITY's rebuild step (the translation needs
 * the mirror for the column's type: integration tests). */
static void test_add_identity_rebuild(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(exec(f,
			      "CREATE TABLE t (a int4, b int4 NOT NULL "
			      "DEFAULT 1, c int4 NOT NULL)",
			      NULL, 0),
			 SQLITE_OK);
	assert_int_equal(exec(f, "INSERT INTO t VALUES (1, 1, 7)", NULL, 0),
			 SQLITE_OK);
	struct sql_schema_obj obj = { "table", "t", "t", table_sql(f, "t") };
	static const struct {
		const char *column;
		const char *sqlstate; /* NULL: done */
	} cases[] = { { "a", "55000" }, { "b", "55000" }, { "c", NULL } };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sql_alter al = {
			.op = SQL_ALTER_IDENTITY,
			.column = cases[i].column,
			.text = "pg_nextval('t_c_seq')",
			.expr = "/*pg-seq identity always*/",
			.check = "; CREATE SEQUENCE t_c_seq START 8",
		};
		struct sql_rebuild r = { .table = "t",
					 .n_alters = 1,
					 .alters = &al };
		const char *script;
		const struct sql_notice *notices;
		struct sql_error err;
		int rv = sql_rebuild_script(&f->a, &r, 1, &obj, &script,
					    &notices, &err);
		if (cases[i].sqlstate != NULL) {
			assert_int_equal(rv, TR_ESQL);
			assert_string_equal(err.sqlstate, cases[i].sqlstate);
			continue;
		}
		assert_int_equal(rv, TR_OK);
		/* The check text is plain SQL for the executor; here the
		 * sequence comes from the translator instead. */
		assert_non_null(strstr(script, "; CREATE SEQUENCE t_c_seq"));
		char *cut = strstr(script, "; CREATE SEQUENCE t_c_seq");
		*cut = '\0';
		assert_int_equal(
			exec(f, "CREATE SEQUENCE t_c_seq START 8", NULL, 0),
			SQLITE_OK);
		assert_int_equal(sqlite3_exec(f->db, script, NULL, NULL, NULL),
				 SQLITE_OK);
	}
	char kind[32];
	char seq[64];
	assert_true(sql__column_seq(table_sql(f, "t"), "c", kind, sizeof kind,
				    seq, sizeof seq));
	assert_string_equal(kind, "identity always");
	assert_int_equal(exec(f, "INSERT INTO t (a, b) VALUES (2, 2)", NULL, 0),
			 SQLITE_OK);
	assert_int_equal(int_of(f, "SELECT c FROM t WHERE a = 2"), 8);
	assert_int_equal(int_of(f, "SELECT c FROM t WHERE a = 1"), 7);
}

/* OWNER TO: the bootstrap superuser (or the session's user) is a
 * checked no-op; another role is 42704 or 0A000. */
static void test_owner_to(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *sql;
		const char *tag;      /* NULL: fails */
		const char *sqlstate; /* when it fails */
	} cases[] = {
		{ "ALTER TABLE public.t OWNER TO postgres", "ALTER TABLE",
		  NULL },
		{ "ALTER TABLE t OWNER TO CURRENT_USER", "ALTER TABLE", NULL },
		{ "ALTER SEQUENCE s OWNER TO SESSION_USER", "ALTER SEQUENCE",
		  NULL },
		{ "ALTER VIEW v OWNER TO CURRENT_ROLE", "ALTER VIEW", NULL },
		{ "ALTER TYPE public.mood OWNER TO postgres", "ALTER TYPE",
		  NULL },
		{ "ALTER TABLE t OWNER TO nobody", NULL, "42704" },
		{ "ALTER TABLE t OWNER TO public", NULL, "42704" },
		{ "ALTER TABLE t OWNER TO pg_database_owner", NULL, "0A000" },
		{ "ALTER TYPE mood OWNER TO nobody", NULL, "42704" },
		{ "ALTER TYPE other.mood OWNER TO postgres", NULL, "3F000" },
		{ "ALTER FUNCTION f() OWNER TO postgres", NULL, "0A000" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct sql_stmt *st = parse1(f, cases[i].sql);
		if (cases[i].tag == NULL) {
			assert_true(st->failed);
			assert_string_equal(st->error.sqlstate,
					    cases[i].sqlstate);
			continue;
		}
		assert_false(st->failed);
		assert_string_equal(st->tag, cases[i].tag);
		assert_non_null(strstr(st->sqlite, "SELECT 1 FROM "));
	}
	/* The check finds a missing relation when it runs. */
	char msg[128];
	assert_int_not_equal(
		exec(f, "ALTER TABLE nope OWNER TO postgres", msg, sizeof msg),
		SQLITE_OK);
	assert_non_null(strstr(msg, "no such table"));
}

static void test_parse_name(void **state)
{
	(void)state;
	char out[64];
	assert_true(sql__seq_parse_name("s", out, sizeof out));
	assert_string_equal(out, "s");
	assert_true(sql__seq_parse_name("Public.S", out, sizeof out));
	assert_string_equal(out, "s");
	assert_true(sql__seq_parse_name("\"My\"\"Seq\"", out, sizeof out));
	assert_string_equal(out, "My\"Seq");
	assert_true(sql__seq_parse_name("public.\"a.b\"", out, sizeof out));
	assert_string_equal(out, "a.b");
	assert_false(sql__seq_parse_name("other.s", out, sizeof out));
	assert_false(sql__seq_parse_name("", out, sizeof out));
	assert_false(sql__seq_parse_name("\"open", out, sizeof out));
	assert_false(sql__seq_parse_name("a.b.c", out, sizeof out));
	assert_false(sql__seq_parse_name("s", out, 1));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_create_nextval),
		T(test_options_and_limits),
		T(test_errors),
		T(test_defaults_and_serial),
		T(test_alter),
		T(test_pg_dump_serial),
		T(test_default_of_missing_sequence),
		T(test_add_identity_rebuild),
		T(test_owner_to),
		cmocka_unit_test(test_parse_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
