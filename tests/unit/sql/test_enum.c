/*
 * Unit tests for enum types (sql/enum.c) and comments (sql/comment.c):
 * the DDL scripts run on a private SQLite database the way the executor
 * runs them on the leader (that database doubling as the translator's
 * mirror), and the catalog rows a mirror loaded from them shows.
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

/* The script of a statement done from the schema (DROP TABLE, ALTER
 * TABLE), as the executor makes it; NULL with @err filled if refused. */
static const char *schema_script(struct fixture *f, const struct sql_stmt *st,
				 struct sql_error *err)
{
	struct sql_schema_obj objs[64];
	unsigned n = 0;
	sqlite3_stmt *ps;
	assert_int_equal(sqlite3_prepare_v2(f->db,
					    "SELECT type, name, tbl_name, sql "
					    "FROM sqlite_schema WHERE sql IS "
					    "NOT NULL ORDER BY rowid",
					    -1, &ps, NULL),
			 SQLITE_OK);
	while (sqlite3_step(ps) == SQLITE_ROW && n < 64) {
		const char *c[4];
		for (int i = 0; i < 4; i++) {
			c[i] = tr_arena_strdup(
				&f->a,
				(const char *)sqlite3_column_text(ps, i));
		}
		objs[n++] = (struct sql_schema_obj){ c[0], c[1], c[2], c[3] };
	}
	sqlite3_finalize(ps);
	const char *script;
	const struct sql_notice *notices;
	if (sql_rebuild_script(&f->a, st->rebuild, n, objs, &script, &notices,
			       err) != TR_OK) {
		return NULL;
	}
	return script;
}

/* Translate and run @sql: "ok", the rows ("a|b;c|d"), or "ERROR
 * <sqlstate> <message>" (translation or SQLite errors, as the executor
 * reports them). */
static const char *run(struct fixture *f, const char *sql)
{
	const struct sql_stmt *st = parse1(f, sql);
	if (st->failed) {
		return tr_arena_printf(&f->a, "ERROR %s %s", st->error.sqlstate,
				       st->error.message);
	}
	const char *tail = st->sqlite;
	if (st->rebuild != NULL) {
		struct sql_error err;
		tail = schema_script(f, st, &err);
		if (tail == NULL) {
			return tr_arena_printf(&f->a, "ERROR %s %s",
					       err.sqlstate, err.message);
		}
	}
	struct tr_buf out;
	tr_buf_init(&out, 0);
	int rc = SQLITE_OK;
	unsigned rows = 0;
	while (rc == SQLITE_OK && tail != NULL && *tail != '\0') {
		sqlite3_stmt *ps = NULL;
		rc = sqlite3_prepare_v2(f->db, tail, -1, &ps, &tail);
		if (ps == NULL && rc == SQLITE_OK) {
			break; /* trailing space */
		}
		while (ps != NULL && (rc = sqlite3_step(ps)) == SQLITE_ROW) {
			if (rows++ > 0) {
				tr_buf_put_str(&out, ";");
			}
			for (int i = 0; i < sqlite3_column_count(ps); i++) {
				const char *v = (const char *)
					sqlite3_column_text(ps, i);
				tr_buf_printf(&out, "%s%s", i > 0 ? "|" : "",
					      v != NULL ? v : "N");
			}
		}
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		if (rc != SQLITE_OK) {
			struct sql_error err;
			sql_error_from_sqlite(
				&err, &f->a,
				(uint64_t)sqlite3_extended_errcode(f->db),
				sqlite3_errmsg(f->db));
			sqlite3_finalize(ps);
			tr_buf_close(&out);
			return tr_arena_printf(&f->a, "ERROR %s %s",
					       err.sqlstate, err.message);
		}
		sqlite3_finalize(ps);
	}
	assert_int_equal(rc, SQLITE_OK);
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

/* Values are text, ordered by label position; a bad label is 22P02. */
static void test_enum_column(void **state)
{
	struct fixture *f = *state;
	check(f, "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')", "ok");
	check(f, "CREATE TABLE e (id int4 PRIMARY KEY, m mood)", "ok");
	check(f,
	      "INSERT INTO e VALUES (1, 'happy'), (2, 'sad'), (3, 'ok'), "
	      "(4, NULL)",
	      "ok");
	check(f, "INSERT INTO e VALUES (5, 'angry')",
	      "ERROR 22P02 invalid input value for enum mood: \"angry\"");
	check(f, "UPDATE e SET m = 'Sad' WHERE id = 1",
	      "ERROR 22P02 invalid input value for enum mood: \"Sad\"");
	check(f, "SELECT id, m FROM e ORDER BY m, id",
	      "2|sad;3|ok;1|happy;4|N");
	check(f, "SELECT id FROM e WHERE m > 'sad' ORDER BY id", "1;3");
	check(f, "SELECT max(m), min(m) FROM e", "happy|sad");
	check(f, "SELECT length(m) FROM e WHERE id = 1", "5");
	check(f, "SELECT 'ok'::mood", "ok");
	check(f, "SELECT 'meh'::mood",
	      "ERROR 22P02 invalid input value for enum mood: \"meh\"");
	check(f, "CREATE INDEX e_m ON e (m)", "ok");
	check(f, "SELECT id FROM e WHERE m >= 'ok' ORDER BY m DESC", "1;3");
}

/* Labels with capitals, commas, quotes and percent signs survive the
 * escaping into collation names and checks; 'A' and 'a' are different
 * labels. */
static void test_enum_odd_labels(void **state)
{
	struct fixture *f = *state;
	check(f,
	      "CREATE TYPE odd AS ENUM ('z', 'A', 'a', 'x,y', 'q\"u''o%te', "
	      "'é')",
	      "ok");
	check(f, "CREATE TABLE o (id int4, v odd)", "ok");
	check(f,
	      "INSERT INTO o VALUES (1, 'é'), (2, 'a'), (3, 'x,y'), (4, 'A'), "
	      "(5, 'q\"u''o%te'), (6, 'z')",
	      "ok");
	check(f, "SELECT id FROM o ORDER BY v", "6;4;2;3;5;1");
	check(f, "INSERT INTO o VALUES (7, 'x')",
	      "ERROR 22P02 invalid input value for enum odd: \"x\"");
	/* A type of the same labels but other case orders differently. */
	check(f, "CREATE TYPE odd2 AS ENUM ('a', 'A')", "ok");
	check(f, "CREATE TABLE o2 (v odd2)", "ok");
	check(f, "INSERT INTO o2 VALUES ('A'), ('a')", "ok");
	check(f, "SELECT v FROM o2 ORDER BY v", "a;A");
}

/* CREATE TYPE refuses duplicates and existing names; DROP TYPE refuses
 * while a column uses the type (2BP01). */
static void test_enum_ddl(void **state)
{
	struct fixture *f = *state;
	check(f, "CREATE TYPE t1 AS ENUM ('a', 'a')",
	      "ERROR 23505 duplicate key value violates unique constraint "
	      "\"pg_enum_typid_label_index\"");
	check(f, "CREATE TYPE text AS ENUM ('a')",
	      "ERROR 42710 type \"text\" already exists");
	check(f, "CREATE TYPE t1 AS ENUM ('a', 'b')", "ok");
	check(f, "CREATE TYPE t1 AS ENUM ('c')",
	      "ERROR 42710 type \"t1\" already exists");
	check(f, "CREATE TABLE u (v t1)", "ok");
	check(f, "DROP TYPE t1",
	      "ERROR 2BP01 cannot drop type t1 because other objects depend "
	      "on it");
	check(f, "DROP TABLE u", "ok");
	check(f, "DROP TYPE t1", "ok");
	check(f, "DROP TYPE t1", "ERROR 42704 type \"t1\" does not exist");
	check(f, "DROP TYPE IF EXISTS t1", "ok");
	check(f, "CREATE TABLE u (v t1)",
	      "ERROR 42704 type \"t1\" does not exist");
	const struct sql_stmt *st = parse1(f, "CREATE TABLE u (v t1)");
	assert_true(st->needs_schema);
	check(f, "CREATE TYPE empty AS ENUM ()", "ok");
	check(f, "CREATE TABLE w (v empty)", "ok");
	check(f, "INSERT INTO w VALUES ('x')",
	      "ERROR 22P02 invalid input value for enum empty: \"x\"");
	check(f, "DROP TABLE w", "ok");
	check(f, "DROP TYPE empty", "ok");
}

/* Comments are views the catalog reads; IS NULL removes one; the table
 * and column must exist. */
static void test_comment_ddl(void **state)
{
	struct fixture *f = *state;
	check(f, "CREATE TABLE c (id int4, name text)", "ok");
	check(f, "COMMENT ON TABLE c IS 'the c''s'", "ok");
	check(f, "COMMENT ON COLUMN c.name IS 'a name'", "ok");
	check(f, "COMMENT ON COLUMN public.c.name IS 'the name'", "ok");
	check(f, "COMMENT ON TABLE nope IS 'x'",
	      "ERROR 42P01 relation \"nope\" does not exist");
	check(f, "COMMENT ON COLUMN c.nope IS 'x'",
	      "ERROR 42703 column \"nope\" does not exist");
	check(f,
	      "SELECT count(*) FROM sqlite_schema WHERE name LIKE "
	      "'triode_comment_%'",
	      "2");
	check(f, "COMMENT ON TABLE c IS NULL", "ok");
	check(f,
	      "SELECT count(*) FROM sqlite_schema WHERE name LIKE "
	      "'triode_comment_%'",
	      "1");
	check(f, "DROP TABLE c", "ok");
	check(f,
	      "SELECT count(*) FROM sqlite_schema WHERE name LIKE "
	      "'triode_comment_%'",
	      "0");
	char t[64], col[64];
	assert_true(sql__comment_view("triode_comment_63_6e", t, sizeof t, col,
				      sizeof col));
	assert_string_equal(t, "c");
	assert_string_equal(col, "n");
	assert_false(sql__comment_view("triode_comment_6", t, sizeof t, col,
				       sizeof col));
	assert_false(sql__comment_view("triode_comment_63_", t, sizeof t, col,
				       sizeof col));
	assert_false(sql__comment_view("orders", t, sizeof t, col, sizeof col));
}

struct collect {
	struct tr_buf out;
	const struct sql_column *cols;
	unsigned n_cols;
	unsigned rows;
};

/* Rows as PostgreSQL text, '|' between columns, ';' between rows. */
static int collect_row(void *arg, unsigned n, const char *const *names,
		       const struct sql_value *vals)
{
	struct collect *c = arg;
	TR_UNUSED(names);
	if (vals == NULL) {
		return TR_OK;
	}
	if (c->rows++ > 0) {
		tr_buf_put_str(&c->out, ";");
	}
	for (unsigned i = 0; i < n; i++) {
		if (i > 0) {
			tr_buf_put_str(&c->out, "|");
		}
		uint32_t oid = i < c->n_cols ? c->cols[i].type_oid
					     : SQL_OID_TEXT;
		if (!sql_format_text(oid, &vals[i], &c->out)) {
			tr_buf_put_str(&c->out, "N");
		}
	}
	return TR_OK;
}

/* The mirror: pg_type, pg_enum, pg_attribute, pg_description and the
 * enum OID in a result column's description. */
static void test_catalog(void **state)
{
	struct fixture *f = *state;
	static const char *const pg[] = {
		"CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
		"CREATE TABLE e (id int4 PRIMARY KEY, m mood)",
		"COMMENT ON TABLE e IS 'moods'",
		"COMMENT ON COLUMN e.m IS 'how'",
	};
	const char *ddl[8];
	unsigned n = 0;
	for (size_t i = 0; i < TR_ARRAY_LEN(pg); i++) {
		const struct sql_stmt *st = parse1(f, pg[i]);
		assert_false(st->failed);
		assert_string_equal(run(f, pg[i]), "ok");
		/* The statements of the script that make objects. */
		const char *p = st->sqlite;
		while ((p = strstr(p, "CREATE ")) != NULL) {
			const char *end = strstr(p, "; ");
			ddl[n++] = end != NULL
					   ? tr_arena_strndup(&f->a, p,
							      (size_t)(end - p))
					   : p;
			p += 7;
		}
	}
	struct sql_catalog *cat;
	assert_int_equal(sql_catalog_new(&cat), TR_OK);
	assert_int_equal(sql_catalog_load(cat, n, ddl), TR_OK);
	sql_catalog_enum_scope(cat);
	struct {
		const char *sql;
		const char *want;
	} q[] = {
		{ "SELECT typname, typtype, typcategory FROM pg_type WHERE "
		  "typname LIKE '%mood' ORDER BY 1",
		  "_mood|b|A;mood|e|E" },
		{ "SELECT e.enumlabel, e.enumsortorder FROM pg_enum e JOIN "
		  "pg_type t ON t.oid = e.enumtypid WHERE t.typname = 'mood' "
		  "ORDER BY 2",
		  "sad|1;ok|2;happy|3" },
		{ "SELECT format_type(a.atttypid, a.atttypmod) FROM "
		  "pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE "
		  "c.relname = 'e' AND a.attname = 'm'",
		  "mood" },
		{ "SELECT count(*) FROM pg_class WHERE relname LIKE 'triode%'",
		  "0" },
		{ "SELECT obj_description(c.oid, 'pg_class'), "
		  "col_description(c.oid, 2) FROM pg_class c WHERE relname = "
		  "'e'",
		  "moods|how" },
		{ "SELECT count(*) FROM pg_constraint WHERE conname LIKE "
		  "'%_enum'",
		  "0" },
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(q); i++) {
		struct sql_batch b;
		struct sql_error err;
		assert_int_equal(sql_parse(&f->a, q[i].sql, &b, &err), TR_OK);
		struct sql_column *cols;
		unsigned n_cols;
		assert_int_equal(sql_catalog_describe(cat, &b.stmts[0], &f->a,
						      &cols, &n_cols, &err),
				 TR_OK);
		struct collect c = { .cols = cols, .n_cols = n_cols };
		tr_buf_init(&c.out, 0);
		assert_int_equal(sql_catalog_query(cat, &b.stmts[0], NULL, 0,
						   collect_row, &c, &f->a,
						   &err),
				 TR_OK);
		const char *got = tr_arena_strndup(
			&f->a, (const char *)c.out.data, c.out.len);
		tr_buf_close(&c.out);
		if (strcmp(got, q[i].want) != 0) {
			print_error("%s\n  got:  %s\n  want: %s\n", q[i].sql,
				    got, q[i].want);
			fail();
		}
	}
	/* A user query's column of the enum type has the enum's OID. */
	struct sql_batch b;
	struct sql_error err;
	assert_int_equal(sql_parse(&f->a, "SELECT m FROM e", &b, &err), TR_OK);
	struct sql_column *cols;
	unsigned n_cols;
	assert_int_equal(sql_catalog_describe(cat, &b.stmts[0], &f->a, &cols,
					      &n_cols, &err),
			 TR_OK);
	assert_int_equal(n_cols, 1);
	assert_true(cols[0].type_oid >= SQL__FIRST_USER_OID);
	sql_catalog_enum_scope(NULL);
	sql__enum_scope(f->db);
	sql_catalog_free(cat);
}

/* ALTER TYPE ADD VALUE / RENAME VALUE: the tables using the type are
 * rebuilt with the new labels (order, check, renamed rows). */
static void test_alter_type(void **state)
{
	struct fixture *f = *state;
	check(f, "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')", "ok");
	check(f, "CREATE TABLE m (id int4 PRIMARY KEY, v mood)", "ok");
	check(f, "CREATE INDEX m_v ON m (v)", "ok");
	check(f, "INSERT INTO m VALUES (1, 'ok'), (2, 'happy'), (3, 'sad')",
	      "ok");
	check(f, "ALTER TYPE mood ADD VALUE 'ok'",
	      "ERROR 42710 enum label \"ok\" already exists");
	check(f, "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'ok'", "ok");
	check(f, "ALTER TYPE mood ADD VALUE 'meh' BEFORE 'nope'",
	      "ERROR 22023 \"nope\" is not an existing enum label");
	check(f, "ALTER TYPE mood ADD VALUE 'meh' AFTER 'sad'", "ok");
	check(f, "ALTER TYPE mood ADD VALUE 'angry' BEFORE 'sad'", "ok");
	check(f, "ALTER TYPE mood ADD VALUE 'ecstatic'", "ok");
	check(f, "ALTER TYPE nosuch ADD VALUE 'x'",
	      "ERROR 42704 type \"nosuch\" does not exist");
	check(f,
	      "SELECT string_agg(label, ',') FROM (SELECT label FROM "
	      "triode_enum_mood ORDER BY pos) x",
	      "angry,sad,meh,ok,happy,ecstatic");
	/* The new labels are accepted and sort in their place. */
	check(f, "INSERT INTO m VALUES (4, 'meh'), (5, 'angry')", "ok");
	check(f, "INSERT INTO m VALUES (6, 'nope')",
	      "ERROR 22P02 invalid input value for enum mood: \"nope\"");
	check(f,
	      "SELECT string_agg(v, ',') FROM (SELECT v FROM m ORDER BY v) x",
	      "angry,sad,meh,ok,happy");
	check(f, "ALTER TYPE mood RENAME VALUE 'nope' TO 'x'",
	      "ERROR 22023 \"nope\" is not an existing enum label");
	check(f, "ALTER TYPE mood RENAME VALUE 'ok' TO 'happy'",
	      "ERROR 42710 enum label \"happy\" already exists");
	check(f, "ALTER TYPE mood RENAME VALUE 'ok' TO 'fine'", "ok");
	check(f, "SELECT v FROM m WHERE id = 1", "fine");
	check(f, "INSERT INTO m VALUES (7, 'ok')",
	      "ERROR 22P02 invalid input value for enum mood: \"ok\"");
	check(f, "SELECT count(*) FROM sqlite_schema WHERE name = 'm_v'", "1");
	/* ADD COLUMN of a type dropped since the translation. */
	check(f, "CREATE TYPE gone AS ENUM ('a')", "ok");
	const struct sql_stmt *st = parse1(f,
					   "ALTER TABLE m ADD COLUMN g gone");
	assert_false(st->failed);
	check(f, "DROP TYPE gone", "ok");
	struct sql_error err;
	assert_null(schema_script(f, st, &err));
	assert_string_equal(err.sqlstate, "42704");
	check(f, "ALTER TABLE m ADD COLUMN w mood", "ok");
	check(f, "INSERT INTO m (id, w) VALUES (8, 'fine')", "ok");
}

/* DO blocks: the one form ORMs send (Sequelize's enum types) runs; an
 * error a handler names is swallowed; the rest is 0A000. */
static void test_do_block(void **state)
{
	struct fixture *f = *state;
	static const char *make_d1 =
		"DO 'BEGIN CREATE TYPE \"public\".\"d1\" AS ENUM(''a'', ''b''); "
		"EXCEPTION WHEN duplicate_object THEN null; END'";
	check(f, make_d1, "ok");
	check(f, make_d1, "ok");
	check(f,
	      "DO $$ BEGIN CREATE TYPE d1 AS ENUM ('x'); EXCEPTION WHEN "
	      "duplicate_object THEN NULL; END $$",
	      "ok");
	check(f,
	      "SELECT string_agg(label, ',') FROM (SELECT label FROM "
	      "triode_enum_d1 ORDER BY pos) x",
	      "a,b");
	check(f, "DO $$ BEGIN CREATE TYPE d1 AS ENUM ('x'); END $$",
	      "ERROR 42710 type \"d1\" already exists");
	check(f,
	      "DO LANGUAGE plpgsql $$ begin create type d2 as enum ('a'); "
	      "end; $$",
	      "ok");
	/* A handler for another condition does not catch it. */
	check(f,
	      "DO $$ BEGIN CREATE TYPE d2 AS ENUM ('b'); EXCEPTION WHEN "
	      "unique_violation THEN NULL; END $$",
	      "ERROR 42710 type \"d2\" already exists");
	check(f,
	      "DO $$ BEGIN CREATE TYPE d3 AS ENUM ('a', 'a'); EXCEPTION WHEN "
	      "duplicate_object THEN NULL; END $$",
	      "ERROR 23505 duplicate key value violates unique constraint "
	      "\"pg_enum_typid_label_index\"");
	check(f,
	      "DO $$ BEGIN CREATE TYPE d3 AS ENUM ('a', 'a'); EXCEPTION WHEN "
	      "duplicate_object OR SQLSTATE '23505' THEN NULL; END $$",
	      "ok");
	check(f,
	      "DO $$ BEGIN CREATE TYPE d3 AS ENUM ('a', 'a'); EXCEPTION WHEN "
	      "OTHERS THEN NULL; END $$",
	      "ok");
	check(f,
	      "SELECT count(*) FROM sqlite_schema WHERE name = "
	      "'triode_enum_d3'",
	      "0");
	/* Made by someone else between translation and execution: the
	 * view is made only if absent. */
	const struct sql_stmt *st = parse1(
		f, "DO $$ BEGIN CREATE TYPE d4 AS ENUM ('a'); EXCEPTION WHEN "
		   "duplicate_object THEN NULL; END $$");
	assert_false(st->failed);
	assert_string_equal(st->tag, "DO");
	check(f, "CREATE TYPE d4 AS ENUM ('z')", "ok");
	assert_int_equal(sqlite3_exec(f->db, st->sqlite, NULL, NULL, NULL),
			 SQLITE_OK);
	check(f,
	      "SELECT string_agg(label, ',') FROM (SELECT label FROM "
	      "triode_enum_d4 ORDER BY pos) x",
	      "z");
	/* The rest. */
	check(f, "DO $$ BEGIN CREATE TABLE x (a int4); END $$",
	      "ERROR 0A000 DO blocks other than one CREATE TYPE ... AS ENUM "
	      "are not supported");
	check(f, "DO $$ DECLARE n int; BEGIN NULL; END $$",
	      "ERROR 0A000 DO blocks other than BEGIN ... END are not "
	      "supported");
	check(f,
	      "DO $$ BEGIN CREATE TYPE d5 AS ENUM ('a'); CREATE TYPE d6 AS "
	      "ENUM ('a'); END $$",
	      "ERROR 0A000 DO blocks of more than one statement are not "
	      "supported");
	check(f,
	      "DO $$ BEGIN CREATE TYPE d5 AS ENUM ('a'); EXCEPTION WHEN "
	      "duplicate_object THEN RAISE NOTICE 'x'; END $$",
	      "ERROR 0A000 DO block exception handlers other than THEN NULL "
	      "are not supported");
	check(f,
	      "DO $$ BEGIN CREATE TYPE d5 AS ENUM ('a'); EXCEPTION WHEN "
	      "no_such_thing THEN NULL; END $$",
	      "ERROR 0A000 exception condition \"no_such_thing\" in a DO "
	      "block is not supported");
	check(f, "DO $$ BEGIN CREATE TYPE d5 AS ENUM ('a'); $$",
	      "ERROR 42601 syntax error in DO block: missing END");
	check(f, "DO LANGUAGE sql 'SELECT 1'",
	      "ERROR 0A000 DO blocks in language \"sql\" are not supported");
}

/* ALTER COLUMN ... TYPE to and from an enum: the old collation and
 * check go, the new type's come (Sequelize's sync({ alter: true }) sets
 * every enum column's type again). */
static void test_alter_column_to_enum(void **state)
{
	struct fixture *f = *state;
	check(f, "CREATE TYPE e7 AS ENUM ('a', 'b')", "ok");
	check(f, "CREATE TYPE e8 AS ENUM ('b', 'a', 'c')", "ok");
	check(f, "CREATE TABLE t7 (id int4, s e7 NOT NULL DEFAULT 'a', x text)",
	      "ok");
	check(f, "INSERT INTO t7 VALUES (1, 'b', 'c'), (2, 'a', 'a')", "ok");
	check(f,
	      "ALTER TABLE t7 ALTER COLUMN s TYPE \"public\".\"e7\" USING "
	      "(s::\"public\".\"e7\")",
	      "ok");
	check(f, "ALTER TABLE t7 ALTER COLUMN s TYPE e7", "ok");
	/* One check and one collation, still. */
	check(f,
	      "SELECT (length(sql) - length(replace(sql, 't7_s_enum', ''))) "
	      "/ 9, (length(sql) - length(replace(sql, 'COLLATE', ''))) / 7 "
	      "FROM sqlite_schema WHERE name = 't7'",
	      "1|1");
	check(f, "SELECT id FROM t7 ORDER BY s", "2;1");
	check(f, "INSERT INTO t7 VALUES (3, 'c', NULL)",
	      "ERROR 22P02 invalid input value for enum e7: \"c\"");
	check(f, "ALTER TABLE t7 ALTER COLUMN s TYPE e8",
	      "ERROR 42804 column \"s\" cannot be cast automatically to type "
	      "e8");
	check(f, "ALTER TABLE t7 ALTER COLUMN s TYPE e8 USING s::text::e8",
	      "ok");
	check(f, "SELECT id FROM t7 ORDER BY s", "1;2");
	check(f, "INSERT INTO t7 VALUES (3, 'c', NULL)", "ok");
	check(f, "ALTER TABLE t7 ALTER COLUMN x TYPE e7",
	      "ERROR 42804 column \"x\" cannot be cast automatically to type "
	      "e7");
	check(f, "ALTER TABLE t7 ALTER COLUMN s TYPE text", "ok");
	check(f, "INSERT INTO t7 VALUES (4, 'zz', NULL)", "ok");
	check(f,
	      "SELECT string_agg(s, ',') FROM (SELECT s FROM t7 ORDER BY s) y",
	      "a,b,c,zz");
	check(f,
	      "SELECT count(*) FROM sqlite_schema WHERE name = 't7' AND (sql "
	      "LIKE '%enum%' OR sql LIKE '%COLLATE%')",
	      "0");
	/* Last: the fixture runs the script outside a transaction. */
	check(f, "ALTER TABLE t7 ALTER COLUMN x TYPE e7 USING x::e7",
	      "ERROR 22P02 invalid input value for enum e7: \"c\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enum_column, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_enum_odd_labels, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_enum_ddl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alter_type, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_comment_ddl, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_catalog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_do_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alter_column_to_enum,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
