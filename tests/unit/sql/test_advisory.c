/*
 * Unit tests for advisory locks (sql/advisory.c): the lock table shared
 * by the connections of a process, driven through the SQL functions on
 * private SQLite connections (each stands for one session's leader
 * connection), and the translation of the calls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "sql/sql_int.h"

#define N_CONNS 3

struct fixture {
	sqlite3 *db[N_CONNS]; /* three sessions on one database */
};

static sqlite3 *open_db(const char *name)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(name, &db), SQLITE_OK);
	assert_int_equal(sql_functions_register(db), SQLITE_OK);
	return db;
}

static int setup(void **state)
{
	struct fixture *f = test_malloc(sizeof *f);
	for (int i = 0; i < N_CONNS; i++) {
		f->db[i] = open_db(":memory:"); /* all named "" */
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	for (int i = 0; i < N_CONNS; i++) {
		if (f->db[i] != NULL) {
			sqlite3_close(f->db[i]);
		}
	}
	test_free(f);
	return 0;
}

/* Run @sql on @db: SQLite's code; the first column of its first row in
 * @out as text ("NULL" for a null), or the error message. */
static int run(sqlite3 *db, const char *sql, char *out, size_t cap)
{
	sqlite3_stmt *ps = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &ps, NULL);
	assert_int_equal(rc, SQLITE_OK);
	snprintf(out, cap, "%s", "");
	rc = sqlite3_step(ps);
	if (rc == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(ps, 0);
		snprintf(out, cap, "%s",
			 sqlite3_column_type(ps, 0) == SQLITE_NULL ? "NULL"
			 : t != NULL                               ? t
								   : "");
		while (rc == SQLITE_ROW) {
			rc = sqlite3_step(ps);
		}
	}
	if (rc != SQLITE_DONE) {
		snprintf(out, cap, "%s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(ps);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* @sql succeeds on @db with @want as its value. */
static void ok(sqlite3 *db, const char *sql, const char *want)
{
	char out[256];
	int rc = run(db, sql, out, sizeof out);
	if (rc != SQLITE_OK) {
		fail_msg("%s: %s", sql, out);
	}
	if (strcmp(out, want) != 0) {
		fail_msg("%s: got \"%s\", want \"%s\"", sql, out, want);
	}
}

/* @sql fails on @db because its lock is taken: the session would wait. */
static void waits(sqlite3 *db, const char *sql)
{
	char out[256];
	int rc = run(db, sql, out, sizeof out);
	assert_int_equal(rc, SQLITE_ERROR);
	assert_string_equal(out, SQL_ADVISORY_WAIT_MSG);
	assert_true(sql_advisory_is_wait((uint64_t)sqlite3_extended_errcode(db),
					 out));
}

static void test_exclusive(void **state)
{
	struct fixture *f = *state;
	sqlite3 *a = f->db[0], *b = f->db[1];
	ok(a, "SELECT pg_advisory_lock(42)", "");
	ok(b, "SELECT pg_try_advisory_lock(42)", "0");
	waits(b, "SELECT pg_advisory_lock(42)");
	waits(b, "SELECT pg_advisory_lock_shared(42)");
	ok(b, "SELECT pg_try_advisory_lock(43)", "1");
	ok(b, "SELECT pg_advisory_unlock(42)", "0"); /* not b's */
	ok(a, "SELECT pg_advisory_unlock(42)", "1");
	ok(b, "SELECT pg_try_advisory_lock(42)", "1");
	ok(a, "SELECT pg_try_advisory_lock(43)", "0");
}

static void test_reentrant(void **state)
{
	struct fixture *f = *state;
	sqlite3 *a = f->db[0], *b = f->db[1];
	ok(a, "SELECT pg_advisory_lock(1)", "");
	ok(a, "SELECT pg_try_advisory_lock(1)", "1");
	ok(a, "SELECT pg_advisory_unlock(1)", "1");
	ok(b, "SELECT pg_try_advisory_lock(1)", "0"); /* held once more */
	ok(a, "SELECT pg_advisory_unlock(1)", "1");
	ok(a, "SELECT pg_advisory_unlock(1)", "0");
	ok(b, "SELECT pg_try_advisory_lock(1)", "1");
}

static void test_shared(void **state)
{
	struct fixture *f = *state;
	sqlite3 *a = f->db[0], *b = f->db[1], *c = f->db[2];
	ok(a, "SELECT pg_advisory_lock_shared(7)", "");
	ok(b, "SELECT pg_try_advisory_lock_shared(7)", "1");
	ok(c, "SELECT pg_try_advisory_lock(7)", "0");
	/* A session's own shared hold does not stop it, another's does. */
	ok(a, "SELECT pg_try_advisory_lock(7)", "0");
	ok(b, "SELECT pg_advisory_unlock_shared(7)", "1");
	ok(a, "SELECT pg_try_advisory_lock(7)", "1");
	ok(c, "SELECT pg_try_advisory_lock_shared(7)", "0");
	/* Modes are released apart. */
	ok(a, "SELECT pg_advisory_unlock_shared(7)", "1");
	ok(a, "SELECT pg_advisory_unlock_shared(7)", "0");
	ok(c, "SELECT pg_try_advisory_lock_shared(7)", "0");
	ok(a, "SELECT pg_advisory_unlock(7)", "1");
	ok(c, "SELECT pg_try_advisory_lock_shared(7)", "1");
}

static void test_key_spaces(void **state)
{
	struct fixture *f = *state;
	sqlite3 *a = f->db[0], *b = f->db[1];
	ok(a, "SELECT pg_advisory_lock(1, 2)", "");
	ok(b, "SELECT pg_try_advisory_lock(2, 1)", "1");
	ok(b, "SELECT pg_try_advisory_lock(4294967298)", "1"); /* 1<<32|2 */
	ok(b, "SELECT pg_try_advisory_lock(1, 2)", "0");
	ok(b, "SELECT pg_try_advisory_lock(-1, -2)", "1");
	ok(a, "SELECT pg_try_advisory_lock(-1, -2)", "0");
	ok(a, "SELECT pg_advisory_unlock(1, 2)", "1");
	ok(b, "SELECT pg_try_advisory_lock(1, 2)", "1");
	ok(a, "SELECT pg_try_advisory_lock(-9223372036854775808)", "1");
	ok(b, "SELECT pg_try_advisory_lock(-9223372036854775808)", "0");
}

static void test_arguments(void **state)
{
	struct fixture *f = *state;
	sqlite3 *a = f->db[0];
	char out[256];
	ok(a, "SELECT pg_advisory_lock(NULL)", "NULL");
	ok(a, "SELECT pg_try_advisory_lock(1, NULL)", "NULL");
	ok(a, "SELECT pg_try_advisory_lock('12')", "1");
	assert_int_equal(
		run(a, "SELECT pg_advisory_lock('x')", out, sizeof out),
		SQLITE_ERROR);
	assert_string_equal(out, "22P02: invalid input syntax for type "
				 "bigint: \"x\"");
	assert_int_equal(run(a, "SELECT pg_try_advisory_lock(1, 5000000000)",
			     out, sizeof out),
			 SQLITE_ERROR);
	assert_string_equal(out, "22003: value \"5000000000\" is out of "
				 "range for type integer");
}

/* probe(k): run a statement of its own on its connection, then say
 * whether the other session (the user data) can take lock k. */
static void fn_probe(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	sqlite3 *other = sqlite3_user_data(ctx);
	sqlite3_exec(sqlite3_context_db_handle(ctx), "SELECT 1", NULL, NULL,
		     NULL);
	char sql[64], out[64];
	snprintf(sql, sizeof sql, "SELECT pg_try_advisory_lock(%lld)",
		 (long long)sqlite3_value_int64(argv[0]));
	sqlite3_result_int(ctx, run(other, sql, out, sizeof out) == SQLITE_OK &&
					strcmp(out, "1") == 0);
}

static void test_xact(void **state)
{
	struct fixture *f = *state;
	sqlite3 *a = f->db[0], *b = f->db[1];
	ok(a, "BEGIN", "");
	ok(a, "SELECT pg_advisory_xact_lock(5)", "");
	ok(a, "SELECT pg_try_advisory_xact_lock(5)", "1");
	ok(a, "SELECT pg_try_advisory_xact_lock_shared(6)", "1");
	ok(a, "SELECT pg_advisory_lock(8)", ""); /* session level */
	ok(b, "SELECT pg_try_advisory_lock(5)", "0");
	ok(b, "SELECT pg_try_advisory_lock_shared(6)", "1");
	ok(b, "SELECT pg_try_advisory_lock(6)", "0");
	/* Unlock is for session-level holds only. */
	ok(a, "SELECT pg_advisory_unlock(5)", "0");
	ok(a, "SELECT 1", "1");
	ok(b, "SELECT pg_try_advisory_lock(5)", "0");
	ok(a, "COMMIT", "");
	ok(b, "SELECT pg_try_advisory_lock(5)", "1");
	ok(b, "SELECT pg_try_advisory_lock(6)", "1");
	ok(b, "SELECT pg_try_advisory_lock(8)", "0");
	/* ROLLBACK ends them too; session-level holds stay. */
	ok(a, "BEGIN", "");
	ok(a, "SELECT pg_advisory_xact_lock(9)", "");
	ok(a, "SELECT pg_advisory_lock(10)", "");
	ok(a, "ROLLBACK", "");
	ok(b, "SELECT pg_try_advisory_lock(9)", "1");
	ok(b, "SELECT pg_try_advisory_lock(10)", "0");
	/* A statement of its own is its own transaction. */
	ok(a, "SELECT pg_try_advisory_xact_lock(11)", "1");
	ok(b, "SELECT pg_try_advisory_lock(11)", "1");
	/* A statement run by a function inside another is not the end of
	 * the outer one's transaction. */
	assert_int_equal(sqlite3_create_function_v2(a, "probe", 1, SQLITE_UTF8,
						    b, fn_probe, NULL, NULL,
						    NULL),
			 SQLITE_OK);
	ok(a, "SELECT pg_try_advisory_xact_lock(13) + 10 * probe(13)", "1");
	ok(b, "SELECT pg_try_advisory_lock(13)", "1");
	/* An xact lock released by a BEGIN that follows the COMMIT of a
	 * write transaction. */
	ok(a, "CREATE TABLE t (x)", "");
	ok(a, "BEGIN", "");
	ok(a, "INSERT INTO t VALUES (pg_try_advisory_xact_lock(12))", "");
	ok(b, "SELECT pg_try_advisory_lock_shared(12)", "0");
	ok(a, "COMMIT", "");
	ok(b, "SELECT pg_try_advisory_lock_shared(12)", "1");
}

static void test_unlock_all(void **state)
{
	struct fixture *f = *state;
	sqlite3 *a = f->db[0], *b = f->db[1];
	ok(a, "SELECT pg_advisory_lock(1)", "");
	ok(a, "SELECT pg_advisory_lock(1)", "");
	ok(a, "SELECT pg_advisory_lock_shared(2)", "");
	ok(a, "BEGIN", "");
	ok(a, "SELECT pg_advisory_xact_lock(3)", "");
	ok(a, "SELECT pg_advisory_unlock_all()", "");
	ok(b, "SELECT pg_try_advisory_lock(1)", "1");
	ok(b, "SELECT pg_try_advisory_lock(2)", "1");
	ok(b, "SELECT pg_try_advisory_lock(3)", "0");
	ok(a, "COMMIT", "");
	ok(b, "SELECT pg_try_advisory_lock(3)", "1");
}

static void test_close_releases(void **state)
{
	struct fixture *f = *state;
	sqlite3 *a = f->db[0], *b = f->db[1];
	ok(a, "SELECT pg_advisory_lock(1)", "");
	ok(a, "SELECT pg_advisory_lock_shared(2)", "");
	ok(a, "BEGIN", "");
	ok(a, "SELECT pg_advisory_xact_lock(3)", "");
	sqlite3_close(a);
	f->db[0] = NULL;
	ok(b, "SELECT pg_try_advisory_lock(1)", "1");
	ok(b, "SELECT pg_try_advisory_lock(2)", "1");
	ok(b, "SELECT pg_try_advisory_lock(3)", "1");
}

/* A statement that must wait gives back what it took first: sent again,
 * it takes each lock once. */
static void test_wait_undoes_statement(void **state)
{
	struct fixture *f = *state;
	sqlite3 *a = f->db[0], *b = f->db[1], *c = f->db[2];
	ok(a, "SELECT pg_advisory_lock(2)", "");
	ok(b, "SELECT pg_advisory_lock(100)", ""); /* an earlier statement */
	waits(b, "SELECT pg_advisory_lock(1), pg_advisory_xact_lock(3), "
		 "pg_advisory_lock(2)");
	ok(c, "SELECT pg_try_advisory_lock(1)", "1");
	ok(c, "SELECT pg_try_advisory_lock(3)", "1");
	ok(c, "SELECT pg_try_advisory_lock(100)", "0");
	ok(c, "SELECT pg_advisory_unlock_all()", "");
	ok(a, "SELECT pg_advisory_unlock(2)", "1");
	ok(b, "SELECT pg_advisory_lock(1), pg_advisory_lock(2)", "");
	ok(b, "SELECT pg_advisory_unlock(1)", "1");
	ok(b, "SELECT pg_advisory_unlock(1)", "0");
	/* Inside a transaction block, the block goes on. */
	ok(a, "SELECT pg_advisory_lock(5)", "");
	ok(b, "BEGIN", "");
	ok(b, "SELECT pg_advisory_xact_lock(6)", "");
	waits(b, "SELECT pg_advisory_xact_lock(7), pg_advisory_xact_lock(5)");
	ok(c, "SELECT pg_try_advisory_lock(6)", "0");
	ok(c, "SELECT pg_try_advisory_lock(7)", "1");
	ok(b, "COMMIT", "");
	ok(c, "SELECT pg_try_advisory_lock(6)", "1");
}

/* Locks are per database: the connection's file names it. */
static void test_per_database(void **state)
{
	TR_UNUSED(state);
	char p1[64], p2[64];
	snprintf(p1, sizeof p1, "/tmp/tr_adv_%d_1.db", (int)getpid());
	snprintf(p2, sizeof p2, "/tmp/tr_adv_%d_2.db", (int)getpid());
	sqlite3 *x1 = open_db(p1), *x2 = open_db(p1), *y = open_db(p2);
	ok(x1, "SELECT pg_advisory_lock(1)", "");
	ok(x2, "SELECT pg_try_advisory_lock(1)", "0");
	ok(y, "SELECT pg_try_advisory_lock(1)", "1");
	sqlite3_close(x1);
	sqlite3_close(x2);
	sqlite3_close(y);
	unlink(p1);
	unlink(p2);
}

/* The translation: PostgreSQL's signatures and result types. */
static void test_translate(void **state)
{
	TR_UNUSED(state);
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	static const struct {
		const char *sql;
		const char *sqlstate; /* NULL: translates */
	} cases[] = {
		{ "SELECT pg_advisory_lock(1)", NULL },
		{ "SELECT pg_advisory_lock(1, 2)", NULL },
		{ "SELECT pg_try_advisory_xact_lock_shared($1)", NULL },
		{ "SELECT pg_advisory_lock('1')", NULL },
		{ "SELECT pg_advisory_unlock_all()", NULL },
		{ "SELECT pg_catalog.pg_advisory_lock(1)", NULL },
		{ "SELECT pg_advisory_lock(1.5)", "42883" },
		{ "SELECT pg_advisory_lock(1, 5000000000)", "42883" },
		{ "SELECT pg_advisory_lock(1, 2, 3)", "42883" },
		{ "SELECT pg_advisory_lock()", "42883" },
		{ "SELECT pg_advisory_unlock_all(1)", "42883" },
		{ "SELECT pg_advisory_lock(1) FROM pg_class", "0A000" },
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(cases); i++) {
		struct sql_batch b;
		struct sql_error err;
		assert_int_equal(sql_parse(&a, cases[i].sql, &b, &err), TR_OK);
		assert_int_equal(b.n_stmts, 1);
		const struct sql_stmt *st = &b.stmts[0];
		if (cases[i].sqlstate == NULL) {
			if (st->failed) {
				fail_msg("%s: %s", cases[i].sql,
					 st->error.message);
			}
			assert_int_equal(st->kind, SQL_QUERY);
			assert_false(st->catalog);
			assert_false(st->writes);
		} else {
			assert_true(st->failed);
			assert_string_equal(st->error.sqlstate,
					    cases[i].sqlstate);
		}
	}
	/* Unlocks whose false value the executor warns about. */
	static const struct {
		const char *sql;
		uint32_t ex, sh;
	} unlocks[] = {
		{ "SELECT pg_advisory_unlock(1), pg_advisory_unlock_shared(2)",
		  1, 2 },
		{ "SELECT 1, pg_advisory_unlock(1, 2) AS u", 2, 0 },
		{ "SELECT NOT pg_advisory_unlock(1)", 0, 0 },
		{ "SELECT pg_try_advisory_lock(1)", 0, 0 },
		{ "SELECT x FROM (SELECT pg_advisory_unlock(1) AS x) s", 0, 0 },
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(unlocks); i++) {
		struct sql_batch b;
		struct sql_error err;
		assert_int_equal(sql_parse(&a, unlocks[i].sql, &b, &err),
				 TR_OK);
		assert_false(b.stmts[0].failed);
		assert_int_equal(b.stmts[0].unlock_cols[0], unlocks[i].ex);
		assert_int_equal(b.stmts[0].unlock_cols[1], unlocks[i].sh);
	}
	assert_int_equal(sql__advisory_func_type("pg_advisory_lock"),
			 SQL_OID_VOID);
	assert_int_equal(sql__advisory_func_type("pg_advisory_unlock_all"),
			 SQL_OID_VOID);
	assert_int_equal(sql__advisory_func_type("pg_try_advisory_lock"),
			 SQL_OID_BOOL);
	assert_int_equal(sql__advisory_func_type("pg_advisory_unlock_shared"),
			 SQL_OID_BOOL);
	assert_int_equal(sql__advisory_func_type("lower"), 0);
	assert_false(sql_advisory_is_wait(SQLITE_ERROR, "55P03: other"));
	assert_false(sql_advisory_is_wait(SQLITE_BUSY, SQL_ADVISORY_WAIT_MSG));
	tr_arena_close(&a);
}

/* Parameters given as keys are described as PostgreSQL describes them
 * (asyncpg sends what Describe says). */
static void test_param_types(void **state)
{
	TR_UNUSED(state);
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	struct sql_catalog *c;
	assert_int_equal(sql_catalog_new(&c), TR_OK);
	assert_int_equal(sql_catalog_load(c, 0, NULL), TR_OK);
	static const struct {
		const char *sql;
		uint32_t want[2];
	} cases[] = {
		{ "SELECT pg_advisory_lock($1)", { SQL_OID_INT8 } },
		{ "SELECT pg_try_advisory_xact_lock_shared($1, $2)",
		  { SQL_OID_INT4, SQL_OID_INT4 } },
		{ "SELECT pg_advisory_unlock($1, 7)", { SQL_OID_INT4 } },
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(cases); i++) {
		struct sql_batch b;
		struct sql_error err;
		assert_int_equal(sql_parse(&a, cases[i].sql, &b, &err), TR_OK);
		struct sql_stmt *st = &b.stmts[0];
		assert_false(st->failed);
		uint32_t oids[2] = { 0, 0 };
		assert_true(st->n_params <= 2);
		assert_int_equal(sql_catalog_describe_params(c, st, &a, oids),
				 TR_OK);
		for (unsigned k = 0; k < st->n_params; k++) {
			assert_int_equal(oids[k], cases[i].want[k]);
		}
	}
	sql_catalog_free(c);
	tr_arena_close(&a);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_exclusive),
		T(test_reentrant),
		T(test_shared),
		T(test_key_spaces),
		T(test_arguments),
		T(test_xact),
		T(test_unlock_all),
		T(test_close_releases),
		T(test_wait_undoes_statement),
		cmocka_unit_test(test_per_database),
		cmocka_unit_test(test_translate),
		cmocka_unit_test(test_param_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
