/*
 * Unit tests for ALTER TABLE by rebuild (sql/rebuild.c): PostgreSQL DDL is
 * translated and run on a private SQLite database with foreign keys on,
 * then each ALTER's script runs there inside BEGIN ... COMMIT, as the
 * executor runs it on the leader; the tests check the new definition, the
 * rows, indexes, views, serial counters and referencing tables.
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
	/* The NOTICEs of the last script. */
	const struct sql_notice *notices;
	/* The error of the last script that failed. */
	struct sql_error err;
};

static int setup(void **state)
{
	struct fixture *f = test_malloc(sizeof *f);
	tr_arena_init(&f->a, 4096);
	assert_int_equal(sqlite3_open(":memory:", &f->db), SQLITE_OK);
	assert_int_equal(sql_functions_register(f->db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(f->db, "PRAGMA foreign_keys = ON", NULL,
				      NULL, NULL),
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

static const struct sql_stmt *one(struct fixture *f, const char *pg)
{
	struct sql_batch b;
	struct sql_error err;
	if (sql_parse(&f->a, pg, &b, &err) != TR_OK) {
		fail_msg("parse of <%s>: %s", pg, err.message);
	}
	assert_int_equal(b.n_stmts, 1);
	if (b.stmts[0].failed) {
		fail_msg("<%s>: %s %s", pg, b.stmts[0].error.sqlstate,
			 b.stmts[0].error.message);
	}
	return &b.stmts[0];
}

/* Run PostgreSQL @pg (plain statements) on the database. */
static void run(struct fixture *f, const char *pg)
{
	const struct sql_stmt *st = one(f, pg);
	char *msg = NULL;
	if (sqlite3_exec(f->db, st->sqlite, NULL, NULL, &msg) != SQLITE_OK) {
		fail_msg("<%s> as <%s>: %s", pg, st->sqlite, msg);
	}
}

static int schema_row(void *arg, int n, char **v, char **names)
{
	(void)names;
	struct fixture *f = ((void **)arg)[0];
	struct sql_schema_obj **objs = ((void **)arg)[1];
	unsigned *count = ((void **)arg)[2];
	assert_int_equal(n, 4);
	(*objs)[*count] = (struct sql_schema_obj){
		.type = tr_arena_strdup(&f->a, v[0]),
		.name = tr_arena_strdup(&f->a, v[1]),
		.tbl_name = tr_arena_strdup(&f->a, v[2]),
		.sql = tr_arena_strdup(&f->a, v[3]),
	};
	(*count)++;
	return 0;
}

/*
 * ALTER @pg through the rebuild: TR_OK when the script ran and committed;
 * otherwise the SQLSTATE of the script builder's error in @state, or
 * "SQLITE" when SQLite refused the script (rolled back).
 */
static int alter(struct fixture *f, const char *pg, char state[6])
{
	const struct sql_stmt *st = one(f, pg);
	assert_non_null(st->rebuild);
	struct sql_schema_obj *objs =
		tr_arena_alloc(&f->a, 64 * sizeof *objs);
	unsigned n = 0;
	void *arg[] = { f, &objs, &n };
	assert_int_equal(
		sqlite3_exec(f->db,
			     "SELECT type, name, tbl_name, sql FROM "
			     "sqlite_master WHERE sql IS NOT NULL ORDER BY "
			     "rowid",
			     schema_row, arg, NULL),
		SQLITE_OK);
	const char *script;
	struct sql_error err = { .position = 0 };
	int rv = sql_rebuild_script(&f->a, st->rebuild, n, objs, &script,
				    &f->notices, &err);
	if (rv != TR_OK) {
		f->err = err;
		snprintf(state, 6, "%s", err.sqlstate);
		return rv;
	}
	const char *sql = tr_arena_printf(&f->a, "BEGIN; %s; COMMIT", script);
	if (sqlite3_exec(f->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(f->db, "ROLLBACK", NULL, NULL, NULL);
		snprintf(state, 6, "%s", "SQLIT");
		return TR_ESQL;
	}
	return TR_OK;
}

static void alter_ok(struct fixture *f, const char *pg)
{
	char state[6] = "";
	if (alter(f, pg, state) != TR_OK) {
		fail_msg("<%s>: %s (%s)", pg, state, sqlite3_errmsg(f->db));
	}
}

static void alter_fails(struct fixture *f, const char *pg, const char *want)
{
	char state[6] = "";
	if (alter(f, pg, state) == TR_OK) {
		fail_msg("<%s> succeeded", pg);
	}
	if (strcmp(state, want) != 0) {
		fail_msg("<%s>: %s, want %s", pg, state, want);
	}
}

/* The first column of the first row of @sql, as text ("" for none). */
static const char *value(struct fixture *f, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &st, NULL),
			 SQLITE_OK);
	const char *v = "";
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL) {
		v = tr_arena_strdup(&f->a,
				    (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return v;
}

static bool fails(struct fixture *f, const char *sql)
{
	return sqlite3_exec(f->db, sql, NULL, NULL, NULL) != SQLITE_OK;
}

static void test_primary_key_and_not_null(void **state)
{
	struct fixture *f = *state;
	run(f, "create table acc (aid int not null, bid int, filler char(84)) "
	       "with (fillfactor = 100)");
	run(f, "create index acc_bid on acc (bid)");
	run(f, "insert into acc values (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'c')");
	alter_ok(f, "alter table acc add primary key (aid)");
	assert_string_equal(value(f, "SELECT count(*) FROM acc"), "3");
	/* The key is enforced, the index survived, the type kept its
	 * length (one declared type, "bpchar(84)"). */
	assert_true(fails(f, "INSERT INTO acc VALUES (1, 1, 'x')"));
	assert_string_equal(
		value(f, "SELECT count(*) FROM sqlite_master WHERE name = "
			 "'acc_bid'"),
		"1");
	assert_non_null(strstr(
		value(f, "SELECT sql FROM sqlite_master WHERE name = 'acc'"),
		"bpchar(84)"));
	/* PRIMARY KEY made bid's neighbour aid NOT NULL already; bid now. */
	alter_ok(f, "alter table acc alter column bid set not null");
	assert_true(fails(f, "INSERT INTO acc VALUES (9, NULL, 'x')"));
	alter_ok(f, "alter table acc alter column bid drop not null");
	assert_false(fails(f, "INSERT INTO acc VALUES (9, NULL, 'x')"));
	alter_fails(f, "alter table acc alter column aid drop not null",
		    "42P16");
	alter_fails(f, "alter table acc alter column nope set not null",
		    "42703");
	alter_fails(f, "alter table nope add primary key (a)", "42P01");
	/* NULLs in the rows: the copy fails and nothing changes. */
	alter_fails(f, "alter table acc alter column bid set not null",
		    "SQLIT");
	assert_string_equal(value(f, "SELECT count(*) FROM acc"), "4");
}

static void test_constraints_defaults_and_types(void **state)
{
	struct fixture *f = *state;
	run(f, "create table t (id serial primary key, qty int, "
	       "note varchar(10) default 'x', code text)");
	run(f, "insert into t (qty, code) values (5, '12'), (7, '30')");
	run(f, "delete from t where id = 2");
	alter_ok(f, "alter table t add constraint qty_small check (qty < 100)");
	assert_true(fails(f, "INSERT INTO t (qty) VALUES (100)"));
	alter_ok(f, "alter table t drop constraint qty_small");
	assert_false(fails(f, "INSERT INTO t (qty) VALUES (100)"));
	alter_fails(f, "alter table t drop constraint qty_small", "42704");
	alter_ok(f, "alter table t drop constraint if exists qty_small");
	/* Defaults. */
	alter_ok(f, "alter table t alter column note set default 'y'");
	run(f, "insert into t (qty) values (1)");
	assert_string_equal(value(f, "SELECT note FROM t WHERE qty = 1"), "y");
	alter_ok(f, "alter table t alter column note drop default");
	run(f, "insert into t (qty) values (2)");
	assert_string_equal(
		value(f, "SELECT coalesce(note, 'null') FROM t WHERE qty = 2"),
		"null");
	/* A new type converts the rows with a checked cast. */
	alter_fails(f, "alter table t alter column code type int", "42804");
	alter_ok(f, "alter table t alter column code type int using "
		    "code::int");
	assert_string_equal(value(f, "SELECT typeof(code) FROM t WHERE id = 1"),
			    "integer");
	run(f, "update t set qty = 3 where id = 1");
	alter_ok(f, "alter table t alter column qty type text using "
		    "qty::text || '!'");
	assert_string_equal(value(f, "SELECT qty FROM t WHERE id = 1"), "3!");
	alter_fails(f, "alter table t alter column qty type int using "
		       "qty::int",
		    "SQLIT");
	/* The serial's sequence survives: ids never come back. */
	alter_ok(f, "alter table t add constraint qty_text check (qty <> '')");
	run(f, "insert into t (qty) values ('z')");
	assert_string_equal(value(f, "SELECT max(id) FROM t"), "6");
	/* A serial column keeps its sequence through a new type. */
	alter_ok(f, "alter table t alter column id type bigint");
	run(f, "insert into t (qty) values ('w')");
	assert_string_equal(value(f, "SELECT max(id) FROM t"), "7");
	assert_string_equal(value(f, "SELECT type FROM pragma_table_info('t') "
				     "WHERE name = 'id'"),
			    "int8");
}

static void test_referenced_tables_and_views(void **state)
{
	struct fixture *f = *state;
	run(f, "create table parent (id int primary key, name text)");
	run(f, "create table child (id int, pid int references parent (id))");
	run(f, "create table kid (id int, pid int references parent (id) on "
	       "delete cascade)");
	run(f, "create table ward (id int, pid int references parent (id) on "
	       "delete set null)");
	run(f, "create view names as select name from parent");
	run(f, "insert into parent values (1, 'a'), (2, 'b')");
	run(f, "insert into child values (10, 1), (20, 2)");
	run(f, "insert into kid values (10, 1), (20, 2)");
	run(f, "insert into ward values (10, 1)");
	/* The parent is dropped and made again: children keep their
	 * references (and rows: no ON DELETE action runs), and the view
	 * still reads it. */
	alter_ok(f, "alter table parent alter column name set not null");
	assert_string_equal(value(f, "SELECT count(*) FROM names"), "2");
	assert_string_equal(value(f, "SELECT count(*) FROM kid"), "2");
	assert_string_equal(value(f, "SELECT pid FROM ward"), "1");
	/* Foreign keys are enforced again once the rebuild is done. */
	assert_true(fails(f, "INSERT INTO kid VALUES (30, 3)"));
	assert_string_equal(value(f, "PRAGMA foreign_keys"), "1");
	assert_true(fails(f, "INSERT INTO child VALUES (30, 3)"));
	assert_non_null(strstr(
		value(f, "SELECT sql FROM sqlite_master WHERE name = 'child'"),
		"REFERENCES parent"));
	/* The child gets a new foreign key through the rebuild too. */
	alter_ok(f, "alter table child add constraint child_id_check "
		    "check (id > 0)");
	assert_true(fails(f, "INSERT INTO child VALUES (0, 1)"));
	/* Several actions are one rebuild: all or nothing. */
	alter_fails(f, "alter table parent add column extra int, "
		       "alter column nope set not null",
		    "42703");
	alter_ok(f, "alter table parent add column extra int default 4, "
		    "alter column extra set not null");
	alter_ok(f, "alter table parent add column if not exists extra text, "
		    "drop column if exists nope");
	assert_string_equal(value(f, "SELECT typeof(extra) FROM parent"),
			    "integer");
	assert_string_equal(value(f, "SELECT sum(extra) FROM parent"), "8");
	/* As in PostgreSQL: a view pins its columns' types, and dropping
	 * a column drops the indexes on it. */
	alter_fails(f, "alter table parent alter column name type varchar(5)",
		    "0A000");
	alter_ok(f, "alter table parent alter column extra type bigint");
	run(f, "create index parent_extra on parent (extra)");
	run(f, "create index parent_name on parent (lower(name))");
	alter_ok(f, "alter table parent drop column extra, "
		    "alter column id set not null");
	assert_string_equal(
		value(f, "SELECT group_concat(name) FROM sqlite_master WHERE "
			 "type = 'index' AND tbl_name = 'parent' AND sql IS "
			 "NOT NULL"),
		"parent_name");
}

static void test_odd_names_survive(void **state)
{
	struct fixture *f = *state;
	run(f, "create table \"Odd (t)\" (\"a,b\" int, \"c\"\"d\" text "
	       "default 'x, (y)', e int check (e > 0))");
	run(f, "insert into \"Odd (t)\" values (1, 'q', 2)");
	alter_ok(f, "alter table \"Odd (t)\" add primary key (\"a,b\")");
	alter_ok(f, "alter table \"Odd (t)\" alter column \"c\"\"d\" "
		    "set default 'z'");
	run(f, "insert into \"Odd (t)\" (\"a,b\", e) values (2, 3)");
	assert_string_equal(
		value(f, "SELECT group_concat(\"c\"\"d\", '|') FROM "
			 "\"Odd (t)\""),
		"q|z");
	assert_true(fails(f, "INSERT INTO \"Odd (t)\" VALUES (3, 'a', 0)"));
}

static void test_add_column_in_place(void **state)
{
	struct fixture *f = *state;
	run(f, "create table t (id int primary key, score int)");
	run(f, "insert into t values (1, 2)");
	alter_fails(f, "alter table t add column score text", "42701");
	assert_string_equal(f->err.message,
			    "column \"score\" of relation \"t\" already exists");
	alter_ok(f, "alter table t add column if not exists score text");
	assert_non_null(f->notices);
	assert_string_equal(f->notices->message,
			    "column \"score\" of relation \"t\" already "
			    "exists, skipping");
	alter_ok(f, "alter table t add column note text default 'n'");
	assert_null(f->notices);
	assert_string_equal(value(f, "SELECT note FROM t"), "n");
	alter_fails(f, "alter table nope add column x int", "42P01");
}

/* The NOTICE lines, "message|detail" per notice, joined by ';'. */
static const char *notices(struct fixture *f)
{
	const char *s = "";
	for (const struct sql_notice *n = f->notices; n != NULL; n = n->next) {
		s = tr_arena_printf(&f->a, "%s%s%s|%s", s, s[0] ? ";" : "",
				    n->message, n->detail ? n->detail : "");
	}
	return s;
}

static void test_drop_dependencies(void **state)
{
	struct fixture *f = *state;
	run(f, "create table p (id int primary key, v text)");
	run(f, "create table child (id int, pid int references p)");
	run(f, "create table child2 (id int, pid int, constraint c2fk "
	       "foreign key (pid) references p (id))");
	run(f, "create view v as select * from p");
	run(f, "create view v2 as select id from v");
	run(f, "create view v3 as select c.id from child c join p on "
	       "p.id = c.pid");
	run(f, "create view other as select p from (select 1 as p) x");
	run(f, "insert into p values (1, 'a')");
	run(f, "insert into child values (1, 1)");
	alter_fails(f, "drop table p", "2BP01");
	assert_string_equal(f->err.message, "cannot drop table p because "
					    "other objects depend on it");
	assert_string_equal(f->err.detail,
			    "constraint child_pid_fkey on table child depends "
			    "on table p\n"
			    "constraint c2fk on table child2 depends on "
			    "table p\n"
			    "view v depends on table p\n"
			    "view v2 depends on view v\n"
			    "view v3 depends on table p");
	assert_string_equal(f->err.hint, "Use DROP ... CASCADE to drop the "
					 "dependent objects too.");
	alter_fails(f, "drop view v", "2BP01");
	assert_string_equal(f->err.detail, "view v2 depends on view v");
	alter_fails(f, "drop table v", "42809");
	assert_string_equal(f->err.hint, "Use DROP VIEW to remove a view.");
	alter_fails(f, "drop view p", "42809");
	alter_fails(f, "drop table nosuch", "42P01");
	alter_ok(f, "drop table if exists nosuch, nosuch2");
	assert_string_equal(notices(f),
			    "table \"nosuch\" does not exist, skipping|;"
			    "table \"nosuch2\" does not exist, skipping|");
	alter_ok(f, "drop view v cascade");
	assert_string_equal(notices(f), "drop cascades to view v2|");
	alter_ok(f, "drop table p cascade");
	assert_string_equal(notices(f),
			    "drop cascades to 3 other objects|"
			    "drop cascades to constraint child_pid_fkey on "
			    "table child\n"
			    "drop cascades to constraint c2fk on table "
			    "child2\n"
			    "drop cascades to view v3");
	/* The children keep their rows and lose their keys. */
	assert_string_equal(
		value(f, "SELECT count(*) FROM sqlite_master WHERE name IN "
			 "('p', 'v3') OR sql LIKE '%REFERENCES%'"),
		"0");
	assert_string_equal(value(f, "SELECT count(*) FROM child"), "1");
	assert_false(fails(f, "INSERT INTO child VALUES (2, 99)"));
	assert_string_equal(value(f, "SELECT count(*) FROM other"), "1");
	/* Tables dropped together may reference each other. */
	run(f, "create table a (id int primary key)");
	run(f, "create table b (id int references a)");
	run(f, "insert into a values (1)");
	run(f, "insert into b values (1)");
	alter_ok(f, "drop table a, b");
	assert_string_equal(notices(f), "");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_primary_key_and_not_null),
		T(test_constraints_defaults_and_types),
		T(test_referenced_tables_and_views),
		T(test_odd_names_survive),
		T(test_add_column_in_place),
		T(test_drop_dependencies),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
