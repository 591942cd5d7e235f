/*
 * Unit tests for PostgreSQL's grouping rule (sql/groupcheck.c): a private
 * SQLite database is both where the tables are made and the translator's
 * mirror, so columns resolve to their tables and primary keys as they do
 * at translation time in the server.
 */
#include <stdio.h>
#include <string.h>

#include "mirror_fixture.h"

/* Translate @sql: "ok", or "ERROR <sqlstate> <message> @<position>". */
static const char *translate(struct fixture *f, const char *sql)
{
	struct sql_batch b;
	struct sql_error err;
	assert_int_equal(sql_parse(&f->a, sql, &b, &err), TR_OK);
	assert_int_equal(b.n_stmts, 1);
	const struct sql_stmt *st = &b.stmts[0];
	if (st->failed) {
		return tr_arena_printf(&f->a, "ERROR %s %s @%d",
				       st->error.sqlstate, st->error.message,
				       st->error.position);
	}
	return st->schema_miss ? "reload" : "ok";
}

static void check(struct fixture *f, const char *sql, const char *want)
{
	const char *got = translate(f, sql);
	if (strcmp(got, want) != 0) {
		print_error("%s\n  got:  %s\n  want: %s\n", sql, got, want);
		fail();
	}
}

/* Make the tables: translated, then run on the mirror. */
static void exec(struct fixture *f, const char *sql)
{
	struct sql_batch b;
	struct sql_error err;
	assert_int_equal(sql_parse(&f->a, sql, &b, &err), TR_OK);
	assert_false(b.stmts[0].failed);
	char *msg = NULL;
	if (sqlite3_exec(f->db, b.stmts[0].sqlite, NULL, NULL, &msg) !=
	    SQLITE_OK) {
		print_error("%s: %s\n", b.stmts[0].sqlite, msg);
		sqlite3_free(msg);
		fail();
	}
}

static void make_tables(struct fixture *f)
{
	exec(f, "CREATE TABLE t (id int4 PRIMARY KEY, x int4, y int4, "
		"name text)");
	exec(f, "CREATE TABLE u (a int4, b int4, id int4)");
	exec(f, "CREATE TABLE k (k1 int4, k2 int4, v int4, "
		"PRIMARY KEY (k1, k2))");
	exec(f, "CREATE VIEW vt AS SELECT * FROM t");
}

#define UNGROUPED(c, pos)                                                     \
	"ERROR 42803 column \"" c "\" must appear in the GROUP BY clause or " \
	"be used in an aggregate function @" #pos
#define OUTER(c, pos)                                                      \
	"ERROR 42803 subquery uses ungrouped column \"" c "\" from outer " \
	"query @" #pos

static void test_plain_rule(void **state)
{
	struct fixture *f = *state;
	make_tables(f);
	check(f, "SELECT x, count(*) FROM t GROUP BY x", "ok");
	check(f, "SELECT x, y FROM t GROUP BY x", UNGROUPED("t.y", 11));
	check(f, "SELECT count(*), x FROM t", UNGROUPED("t.x", 18));
	check(f, "SELECT x FROM t HAVING true", UNGROUPED("t.x", 8));
	check(f, "SELECT x FROM t GROUP BY x HAVING y > 0",
	      UNGROUPED("t.y", 35));
	check(f, "SELECT x FROM t GROUP BY x ORDER BY y", UNGROUPED("t.y", 37));
	check(f, "SELECT x FROM t tt GROUP BY tt.x ORDER BY 1", "ok");
	check(f, "SELECT tt.x FROM t tt GROUP BY y", UNGROUPED("tt.x", 8));
	check(f, "SELECT x AS z FROM t GROUP BY z ORDER BY z", "ok");
	check(f, "SELECT x + 1, count(*) FROM t GROUP BY 1", "ok");
	check(f, "SELECT x, row_number() OVER () FROM t", "ok");
	check(f, "SELECT 1, 'a' FROM t GROUP BY x", "ok");
	/* PostgreSQL reports this first. */
	check(f, "SELECT x, y FROM t GROUP BY x ORDER BY 5",
	      "ERROR 42P10 ORDER BY position 5 is not in select list @40");
}

static void test_expressions(void **state)
{
	struct fixture *f = *state;
	make_tables(f);
	check(f, "SELECT upper(lower(name)) FROM t GROUP BY lower(name)", "ok");
	check(f, "SELECT name FROM t GROUP BY lower(name)",
	      UNGROUPED("t.name", 8));
	check(f, "SELECT x::int4 FROM t GROUP BY x::integer", "ok");
	check(f, "SELECT t.x + 1 FROM t GROUP BY x + 1", "ok");
	check(f, "SELECT 1 + x FROM t GROUP BY x + 1", UNGROUPED("t.x", 12));
	check(f, "SELECT x, count(*) FILTER (WHERE y > 0) FROM t GROUP BY x",
	      "ok");
	check(f, "SELECT string_agg(name, ',' ORDER BY y) FROM t", "ok");
	check(f, "SELECT x, sum(y) OVER () FROM t GROUP BY x",
	      UNGROUPED("t.y", 15));
	check(f,
	      "SELECT x, sum(sum(y)) OVER (PARTITION BY x) FROM t "
	      "GROUP BY x",
	      "ok");
}

static void test_primary_key(void **state)
{
	struct fixture *f = *state;
	make_tables(f);
	check(f, "SELECT id, x, name FROM t GROUP BY id", "ok");
	check(f, "SELECT * FROM t GROUP BY id", "ok");
	check(f, "SELECT u.* FROM u GROUP BY a", UNGROUPED("u.b", 8));
	check(f, "SELECT v FROM k GROUP BY k1", UNGROUPED("k.v", 8));
	check(f, "SELECT v FROM k GROUP BY k2, k1", "ok");
	check(f, "SELECT v FROM k GROUP BY GROUPING SETS ((k1, k2))", "ok");
	check(f, "SELECT v FROM k GROUP BY ROLLUP (k1, k2)",
	      UNGROUPED("k.v", 8));
	check(f, "SELECT x FROM vt GROUP BY id", UNGROUPED("vt.x", 8));
	check(f, "SELECT x FROM (SELECT * FROM t) s GROUP BY id",
	      UNGROUPED("s.x", 8));
	check(f, "SELECT t.name FROM t JOIN u ON u.id = t.id GROUP BY t.id",
	      "ok");
}

static void test_subqueries(void **state)
{
	struct fixture *f = *state;
	make_tables(f);
	check(f,
	      "SELECT (SELECT count(*) FROM u WHERE u.a = t.x) FROM t "
	      "GROUP BY y",
	      OUTER("t.x", 44));
	check(f,
	      "SELECT (SELECT count(*) FROM u WHERE u.a = t.x) FROM t "
	      "GROUP BY x",
	      "ok");
	check(f, "SELECT (SELECT t.x FROM u GROUP BY u.a LIMIT 1) FROM t",
	      "ok");
	check(f, "SELECT y, (SELECT max(t.x) FROM u) FROM t",
	      UNGROUPED("t.y", 8));
	check(f, "SELECT y, (SELECT max(t.x + u.a) FROM u) FROM t", "ok");
	check(f, "SELECT a, (SELECT y FROM t GROUP BY x LIMIT 1) FROM u",
	      UNGROUPED("t.y", 19));
}

/* What cannot be resolved with certainty is never refused. */
static void test_uncertain_passes(void **state)
{
	struct fixture *f = *state;
	make_tables(f);
	/* A function in FROM: its columns are not known. */
	check(f, "SELECT x, g FROM t, generate_series(1, 2) g GROUP BY x",
	      "ok");
	/* USING merges two columns of the same name. */
	check(f, "SELECT id FROM t JOIN u USING (id) GROUP BY t.id", "ok");
	/* A table the mirror does not have (yet): reloaded first. */
	check(f, "SELECT p, q FROM nope GROUP BY p", "reload");
	/* A mirror known to be stale: grouped queries (by GROUP BY or by
	 * an aggregate alone) are not checked but reloaded first. */
	sql__scope_stale(true);
	check(f, "SELECT x, y FROM t GROUP BY x", "reload");
	check(f, "SELECT count(*) FROM t ORDER BY x", "reload");
	sql__scope_stale(false);
	check(f, "SELECT x, y FROM t GROUP BY x", UNGROUPED("t.y", 11));
	/* No mirror at all. */
	sql__enum_scope(NULL);
	check(f, "SELECT x, y FROM t GROUP BY x", "ok");
	sql__enum_scope(f->db);
}

/* sql__scope_resolve: innermost level first, unknown stops the search. */
static int has_fake(void *ctx, const struct sql__scope_item *it,
		    const char *column)
{
	(void)ctx;
	if (it->table == NULL) {
		return -1;
	}
	if (strcmp(it->table, "t") == 0) {
		return strcmp(column, "x") == 0 || strcmp(column, "y") == 0;
	}
	return strcmp(column, "x") == 0 || strcmp(column, "z") == 0;
}

static void test_scope_resolve(void **state)
{
	(void)state;
	struct sql__scope sc;
	sql__scope_init(&sc, NULL, NULL, NULL);
	sc.level = 1;
	sc.items[0] = (struct sql__scope_item){ .table = "t",
						.alias = "t",
						.level = 1 };
	sc.items[1] = (struct sql__scope_item){ .table = "u",
						.alias = "uu",
						.level = 1 };
	sc.n = 2;
	assert_int_equal(sql__scope_resolve(&sc, NULL, "y", has_fake, NULL), 0);
	assert_int_equal(sql__scope_resolve(&sc, NULL, "z", has_fake, NULL), 1);
	assert_int_equal(sql__scope_resolve(&sc, NULL, "x", has_fake, NULL),
			 -1); /* ambiguous */
	assert_int_equal(sql__scope_resolve(&sc, "uu", "x", has_fake, NULL), 1);
	assert_int_equal(sql__scope_resolve(&sc, "uu", "y", has_fake, NULL),
			 -1);
	assert_int_equal(sql__scope_resolve(&sc, "u", "x", has_fake, NULL),
			 -1); /* hidden by its alias */
	/* An inner level: its own names first, outer ones through it. */
	sc.items[2] = (struct sql__scope_item){ .table = "u",
						.alias = "u",
						.level = 2 };
	sc.n = 3;
	assert_int_equal(sql__scope_resolve(&sc, NULL, "x", has_fake, NULL), 2);
	assert_int_equal(sql__scope_resolve(&sc, NULL, "y", has_fake, NULL), 0);
	assert_int_equal(sql__scope_resolve(&sc, "t", "x", has_fake, NULL), 0);
	/* An opaque item at the inner level: unqualified names unknown. */
	sc.items[3] = (struct sql__scope_item){ .alias = "g", .level = 2 };
	sc.n = 4;
	assert_int_equal(sql__scope_resolve(&sc, NULL, "y", has_fake, NULL),
			 -1);
	assert_int_equal(sql__scope_resolve(&sc, "t", "y", has_fake, NULL), 0);
	sc.overflow = true;
	assert_int_equal(sql__scope_resolve(&sc, "t", "y", has_fake, NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plain_rule, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_expressions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_primary_key, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_subqueries, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_uncertain_passes, setup,
						teardown),
		cmocka_unit_test(test_scope_resolve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
