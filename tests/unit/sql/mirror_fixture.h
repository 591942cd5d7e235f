/*
 * tests/unit/sql/mirror_fixture.h: the fixture of the unit tests whose
 * private SQLite database is both where statements run and the
 * translator's catalog mirror (column types, enum types, primary keys
 * are read from it as the server reads them from its mirror).
 */
#ifndef TESTS_UNIT_SQL_MIRROR_FIXTURE_H
#define TESTS_UNIT_SQL_MIRROR_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "sql/sql.h"
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
	sql__enum_scope(f->db); /* the mirror */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sql__enum_scope(NULL);
	sql__scope_stale(false);
	sqlite3_close(f->db);
	tr_arena_close(&f->a);
	test_free(f);
	return 0;
}

#endif
