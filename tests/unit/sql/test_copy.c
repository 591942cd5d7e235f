/*
 * Unit tests for COPY in sql/: statement classification and options
 * (against PostgreSQL 15's messages and SQLSTATEs), column resolution on
 * the catalog mirror, the streaming row reader (text and CSV, every split
 * point, end marker, header, errors with their line), and the row writer
 * (escaping, quoting, and write-then-read round trips).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sql/sql.h"

struct fixture {
	struct tr_arena a;
};

static int setup(void **state)
{
	struct fixture *f = test_malloc(sizeof *f);
	tr_arena_init(&f->a, 4096);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tr_arena_close(&f->a);
	test_free(f);
	return 0;
}

static struct sql_stmt *one(struct tr_arena *a, const char *pg)
{
	struct sql_batch b;
	struct sql_error err;
	int rv = sql_parse(a, pg, &b, &err);
	if (rv != TR_OK) {
		fail_msg("parse of <%s>: rv %d %s", pg, rv, err.message);
	}
	if (b.n_stmts != 1) {
		fail_msg("<%s>: %u statements", pg, b.n_stmts);
	}
	return &b.stmts[0];
}

/* ---------------------------------------------------------------------
 * Classification
 * ------------------------------------------------------------------- */

struct ccase {
	const char *pg;
	/* Success: kind, then format 't'/'c', delimiter, null, header,
	 * quote, escape, SELECT (COPY TO) or NULL. */
	enum sql_kind kind;
	char format;
	char delim;
	const char *null_str;
	int header; /* 0, 1, 2 for MATCH */
	char quote;
	char escape;
	const char *select;
	/* Failure: SQLSTATE and message (kind etc. ignored). */
	const char *sqlstate;
	const char *message;
};

#define OK_FROM(pg, f, d, n, h, q, e)                                 \
	{                                                             \
		pg, SQL_COPY_FROM, f, d, n, h, q, e, NULL, NULL, NULL \
	}
#define OK_TO(pg, f, d, n, h, q, e, sel)                           \
	{                                                          \
		pg, SQL_COPY_TO, f, d, n, h, q, e, sel, NULL, NULL \
	}
#define BAD(pg, state, msg)                                         \
	{                                                           \
		pg, SQL_EXEC, 0, 0, NULL, 0, 0, 0, NULL, state, msg \
	}

static const struct ccase ccases[] = {
	OK_FROM("COPY t FROM STDIN", 't', '\t', "\\N", 0, '"', '"'),
	OK_FROM("copy t (a, b) from stdin", 't', '\t', "\\N", 0, '"', '"'),
	OK_FROM("COPY t FROM STDIN WITH (FORMAT csv)", 'c', ',', "", 0, '"',
		'"'),
	OK_FROM("COPY t FROM STDIN (FORMAT csv, HEADER, DELIMITER ';', "
		"NULL 'x', QUOTE '''', ESCAPE '\\')",
		'c', ';', "x", 1, '\'', '\\'),
	OK_FROM("COPY t FROM STDIN (FORMAT csv, HEADER match)", 'c', ',', "", 2,
		'"', '"'),
	OK_FROM("COPY t FROM STDIN (FORMAT csv, HEADER false)", 'c', ',', "", 0,
		'"', '"'),
	OK_FROM("COPY t FROM STDIN (FORMAT csv, HEADER 1)", 'c', ',', "", 1,
		'"', '"'),
	OK_FROM("COPY t FROM STDIN (HEADER on)", 't', '\t', "\\N", 1, '"', '"'),
	OK_FROM("COPY t FROM STDIN (FORMAT text, DELIMITER '|', NULL '')", 't',
		'|', "", 0, '"', '"'),
	OK_FROM("COPY t FROM STDIN (FREEZE, ENCODING 'UTF8')", 't', '\t', "\\N",
		0, '"', '"'),
	/* Old-style options. */
	OK_FROM("COPY t FROM STDIN WITH CSV HEADER DELIMITER ','", 'c', ',', "",
		1, '"', '"'),
	OK_FROM("COPY t FROM STDIN WITH NULL AS 'nil' DELIMITER AS '|'", 't',
		'|', "nil", 0, '"', '"'),
	OK_FROM("COPY t FROM STDIN CSV QUOTE AS '''' ESCAPE AS '\\'", 'c', ',',
		"", 0, '\'', '\\'),
	OK_FROM("COPY public.t FROM STDIN", 't', '\t', "\\N", 0, '"', '"'),
	/* COPY TO. */
	OK_TO("COPY t TO STDOUT", 't', '\t', "\\N", 0, '"', '"',
	      "SELECT * FROM t"),
	OK_TO("COPY t (b, \"A\") TO STDOUT (FORMAT csv, HEADER)", 'c', ',', "",
	      1, '"', '"', "SELECT b, \"A\" FROM t"),
	OK_TO("COPY (SELECT a FROM t WHERE a > 1) TO STDOUT WITH CSV", 'c', ',',
	      "", 0, '"', '"', "SELECT a FROM t WHERE (a > 1)"),
	OK_TO("COPY (VALUES (1)) TO STDOUT", 't', '\t', "\\N", 0, '"', '"',
	      "VALUES (1)"),
	/* Refusals and option errors. */
	BAD("COPY t FROM '/etc/passwd'", "0A000",
	    "COPY to or from a file is not supported; use STDIN/STDOUT "
	    "(psql's \\copy)"),
	BAD("COPY t TO '/tmp/x'", "0A000",
	    "COPY to or from a file is not supported; use STDIN/STDOUT "
	    "(psql's \\copy)"),
	BAD("COPY t FROM PROGRAM 'ls'", "0A000",
	    "COPY to or from a file is not supported; use STDIN/STDOUT "
	    "(psql's \\copy)"),
	BAD("COPY t FROM STDIN BINARY", "0A000",
	    "COPY BINARY is not supported"),
	BAD("COPY t FROM STDIN (FORMAT binary)", "0A000",
	    "COPY BINARY is not supported"),
	BAD("COPY t FROM STDIN (FORMAT xml)", "22023",
	    "COPY format \"xml\" not recognized"),
	BAD("COPY t FROM STDIN (FORMAT csv, FORMAT text)", "42601",
	    "conflicting or redundant options"),
	BAD("COPY t FROM STDIN (BOGUS 1)", "42601",
	    "option \"bogus\" not recognized"),
	BAD("COPY t FROM STDIN (DELIMITER ';;')", "0A000",
	    "COPY delimiter must be a single one-byte character"),
	BAD("COPY t FROM STDIN (DELIMITER 'é')", "0A000",
	    "COPY delimiter must be a single one-byte character"),
	BAD("COPY t FROM STDIN (DELIMITER E'\\n')", "22023",
	    "COPY delimiter cannot be newline or carriage return"),
	BAD("COPY t FROM STDIN (NULL E'a\\rb')", "22023",
	    "COPY null representation cannot use newline or carriage return"),
	BAD("COPY t FROM STDIN (DELIMITER 'a')", "22023",
	    "COPY delimiter cannot be \"a\""),
	BAD("COPY t FROM STDIN (DELIMITER '\\')", "22023",
	    "COPY delimiter cannot be \"\\\""),
	BAD("COPY t FROM STDIN (QUOTE '\"')", "0A000",
	    "COPY quote available only in CSV mode"),
	BAD("COPY t FROM STDIN (ESCAPE '\\')", "0A000",
	    "COPY escape available only in CSV mode"),
	BAD("COPY t FROM STDIN (FORMAT csv, QUOTE 'ab')", "0A000",
	    "COPY quote must be a single one-byte character"),
	BAD("COPY t FROM STDIN (FORMAT csv, ESCAPE '')", "0A000",
	    "COPY escape must be a single one-byte character"),
	BAD("COPY t FROM STDIN (FORMAT csv, DELIMITER '\"')", "22023",
	    "COPY delimiter and quote must be different"),
	BAD("COPY t FROM STDIN (NULL 'a\tb')", "0A000",
	    "COPY delimiter must not appear in the NULL specification"),
	BAD("COPY t FROM STDIN (FORMAT csv, NULL '\"')", "0A000",
	    "CSV quote character must not appear in the NULL specification"),
	BAD("COPY t FROM STDIN (HEADER maybe)", "22023",
	    "header requires a Boolean value or \"match\""),
	BAD("COPY t TO STDOUT (HEADER match)", "0A000",
	    "cannot use \"match\" with HEADER in COPY TO"),
	BAD("COPY t FROM STDIN (FORCE_NULL (a))", "0A000",
	    "COPY FORCE_NULL is not supported"),
	BAD("COPY t TO STDOUT (FORMAT csv, FORCE_QUOTE *)", "0A000",
	    "COPY FORCE_QUOTE is not supported"),
	BAD("COPY t FROM STDIN (ENCODING 'LATIN1')", "0A000",
	    "COPY ENCODING \"LATIN1\" is not supported"),
	BAD("COPY t FROM STDIN WHERE a > 1", "0A000",
	    "COPY FROM ... WHERE is not supported"),
	BAD("COPY t (a, a) FROM STDIN", "42701",
	    "column \"a\" specified more than once"),
	BAD("COPY other.t TO STDOUT", "3F000",
	    "schema \"other\" does not exist"),
	BAD("COPY other.t FROM STDIN", "3F000",
	    "schema \"other\" does not exist"),
	BAD("COPY (DELETE FROM t RETURNING a) TO STDOUT", "0A000",
	    "COPY (query) TO is supported for SELECT and VALUES only"),
	BAD("COPY triode_cluster_nodes FROM STDIN", "42809",
	    "cannot copy to view \"triode_cluster_nodes\""),
};

static void test_classify(void **state)
{
	struct fixture *f = *state;
	for (size_t i = 0; i < TR_ARRAY_LEN(ccases); i++) {
		const struct ccase *c = &ccases[i];
		struct sql_stmt *st = one(&f->a, c->pg);
		if (c->sqlstate != NULL) {
			if (!st->failed) {
				fail_msg("<%s>: expected %s", c->pg,
					 c->sqlstate);
			}
			if (strcmp(st->error.sqlstate, c->sqlstate) != 0 ||
			    strcmp(st->error.message, c->message) != 0) {
				fail_msg("<%s>: got %s %s", c->pg,
					 st->error.sqlstate, st->error.message);
			}
			assert_string_equal(st->tag, "COPY");
			continue;
		}
		if (st->failed) {
			fail_msg("<%s>: %s %s", c->pg, st->error.sqlstate,
				 st->error.message);
		}
		const struct sql_copy *cp = st->copy;
		assert_non_null(cp);
		assert_int_equal(st->kind, c->kind);
		assert_string_equal(st->tag, "COPY");
		assert_int_equal(st->writes, c->kind == SQL_COPY_FROM);
		assert_int_equal(cp->format, c->format == 'c' ? SQL_COPY_CSV
							      : SQL_COPY_TEXT);
		assert_int_equal(cp->delimiter, c->delim);
		assert_string_equal(cp->null_str, c->null_str);
		assert_int_equal(cp->null_len, strlen(c->null_str));
		assert_int_equal(cp->header, c->header > 0);
		assert_int_equal(cp->header_match, c->header == 2);
		assert_int_equal(cp->quote, c->quote);
		assert_int_equal(cp->escape, c->escape);
		if (c->select != NULL) {
			if (cp->select == NULL ||
			    strcmp(cp->select, c->select) != 0) {
				fail_msg("<%s>: select <%s>", c->pg,
					 cp->select ? cp->select : "(null)");
			}
			assert_ptr_equal(cp->select, st->sqlite);
		} else {
			assert_null(cp->select);
			assert_null(st->sqlite);
		}
	}
}

static void test_classify_details(void **state)
{
	struct fixture *f = *state;
	struct sql_stmt *st = one(&f->a, "COPY public.t (b, a) FROM STDIN");
	assert_string_equal(st->copy->table, "t");
	assert_int_equal(st->copy->n_cols, 2);
	assert_string_equal(st->copy->cols[0], "b");
	assert_string_equal(st->copy->cols[1], "a");
	st = one(&f->a, "COPY t TO STDOUT");
	assert_string_equal(st->copy->table, "t");
	assert_int_equal(st->copy->n_cols, 0);
	assert_null(st->copy->cols);
	assert_false(st->writes);
	st = one(&f->a, "COPY (SELECT 1 AS x, 'a' AS y) TO STDOUT");
	assert_null(st->copy->table);
	assert_int_equal(st->n_cols, 2);
	assert_string_equal(st->cols[0].name, "x");
	/* Inside a batch, COPY's failure is the statement's. */
	struct sql_batch b;
	struct sql_error err;
	assert_int_equal(sql_parse(&f->a,
				   "SELECT 1; COPY t FROM '/x'; SELECT 2", &b,
				   &err),
			 TR_OK);
	assert_int_equal(b.n_stmts, 3);
	assert_false(b.stmts[0].failed);
	assert_true(b.stmts[1].failed);
	assert_false(b.stmts[2].failed);
}

/* ---------------------------------------------------------------------
 * Catalog
 * ------------------------------------------------------------------- */

static struct sql_catalog *load_schema(struct tr_arena *a, const char *pg)
{
	struct sql_stmt *st = one(a, pg);
	assert_false(st->failed);
	struct sql_catalog *c;
	assert_int_equal(sql_catalog_new(&c), TR_OK);
	const char *ddl[] = { st->sqlite };
	assert_int_equal(sql_catalog_load(c, 1, ddl), TR_OK);
	return c;
}

static void test_catalog_columns(void **state)
{
	struct fixture *f = *state;
	struct sql_catalog *c = load_schema(
		&f->a,
		"CREATE TABLE t (a int4, b text, \"C\" timestamptz, d bool)");
	const char **names;
	uint32_t *oids;
	unsigned n;
	assert_int_equal(sql_catalog_columns(c, "t", &f->a, &names, &oids, &n),
			 TR_OK);
	assert_int_equal(n, 4);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[2], "C");
	assert_int_equal(oids[0], SQL_OID_INT4);
	assert_int_equal(oids[1], SQL_OID_TEXT);
	assert_int_equal(oids[2], SQL_OID_TIMESTAMPTZ);
	assert_int_equal(oids[3], SQL_OID_BOOL);
	assert_int_equal(
		sql_catalog_columns(c, "nope", &f->a, &names, &oids, &n),
		TR_ENOTFOUND);

	struct sql_error err;
	struct sql_stmt *st = one(&f->a, "COPY t (d, a) FROM STDIN");
	assert_int_equal(sql_catalog_copy_columns(c, st->copy, &f->a, &names,
						  &oids, &n, &err),
			 TR_OK);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "d");
	assert_int_equal(oids[0], SQL_OID_BOOL);
	assert_int_equal(oids[1], SQL_OID_INT4);
	const char *ins = sql_copy_insert_sql(&f->a, st->copy, n, names, 2);
	assert_string_equal(ins, "INSERT INTO t (d, a) VALUES (?, ?), (?, ?)");

	st = one(&f->a, "COPY t FROM STDIN");
	assert_int_equal(sql_catalog_copy_columns(c, st->copy, &f->a, &names,
						  &oids, &n, &err),
			 TR_OK);
	assert_int_equal(n, 4);
	ins = sql_copy_insert_sql(&f->a, st->copy, n, names, 1);
	assert_string_equal(
		ins, "INSERT INTO t (a, b, \"C\", d) VALUES (?, ?, ?, ?)");

	st = one(&f->a, "COPY t (a, zz) FROM STDIN");
	assert_int_equal(sql_catalog_copy_columns(c, st->copy, &f->a, &names,
						  &oids, &n, &err),
			 TR_ENOTFOUND);
	assert_string_equal(err.sqlstate, "42703");
	assert_string_equal(err.message,
			    "column \"zz\" of relation \"t\" does not exist");
	st = one(&f->a, "COPY u FROM STDIN");
	assert_int_equal(sql_catalog_copy_columns(c, st->copy, &f->a, &names,
						  &oids, &n, &err),
			 TR_ENOTFOUND);
	assert_string_equal(err.sqlstate, "42P01");
	assert_string_equal(err.message, "relation \"u\" does not exist");

	/* COPY TO describes like a query. */
	st = one(&f->a, "COPY t (d, b) TO STDOUT");
	struct sql_column *cols;
	unsigned n_cols;
	assert_int_equal(
		sql_catalog_describe(c, st, &f->a, &cols, &n_cols, &err),
		TR_OK);
	assert_int_equal(n_cols, 2);
	assert_int_equal(cols[0].type_oid, SQL_OID_BOOL);
	assert_string_equal(cols[1].name, "b");
	sql_catalog_free(c);
}

/* ---------------------------------------------------------------------
 * Reader
 * ------------------------------------------------------------------- */

/* Rows as text: fields joined by '|', NULL as "<N>", bytes below 0x20
 * (and '|', '<', '\\') as \xHH; one row per line. */
static int collect(void *arg, unsigned n, const struct sql_copy_field *f)
{
	struct tr_buf *b = arg;
	for (unsigned i = 0; i < n; i++) {
		if (i > 0) {
			tr_buf_put_u8(b, '|');
		}
		if (f[i].len < 0) {
			assert_null(f[i].p);
			tr_buf_put_str(b, "<N>");
			continue;
		}
		assert_int_equal(f[i].p[f[i].len], 0);
		for (int32_t k = 0; k < f[i].len; k++) {
			uint8_t c = f[i].p[k];
			if (c < 0x20 || c == '|' || c == '<' || c == '\\') {
				tr_buf_printf(b, "\\x%02x", c);
			} else {
				tr_buf_put_u8(b, c);
			}
		}
	}
	tr_buf_put_u8(b, '\n');
	return TR_OK;
}

static const char *const names3[] = { "a", "b", "c" };

/* Feed @in in pieces cut at @cuts (ascending offsets, up to 3), finish;
 * return the rows (arena) or "ERR <state> <message> // <context>". */
static const char *run_cuts(struct tr_arena *a, const struct sql_copy *cp,
			    unsigned n_cols, const char *in, size_t len,
			    const size_t *cuts, unsigned n_cuts, bool do_finish)
{
	struct sql_copy_reader r;
	struct tr_buf b;
	tr_buf_init(&b, 0);
	sql_copy_reader_init(&r, cp, n_cols, names3);
	size_t at = 0;
	int rv = TR_OK;
	for (unsigned i = 0; i <= n_cuts && rv == TR_OK; i++) {
		size_t end = i < n_cuts ? cuts[i] : len;
		rv = sql_copy_reader_feed(&r, (const uint8_t *)in + at,
					  end - at, collect, &b);
		at = end;
	}
	if (rv == TR_OK && do_finish) {
		rv = sql_copy_reader_finish(&r, collect, &b);
	}
	const char *out;
	if (rv == TR_ESQL) {
		out = tr_arena_printf(
			a, "ERR %s %s // %s", r.error.sqlstate, r.error.message,
			r.error.context ? r.error.context : "(none)");
		/* Sticky. */
		assert_int_equal(sql_copy_reader_feed(&r, (const uint8_t *)"x",
						      1, collect, &b),
				 TR_ESQL);
	} else {
		assert_int_equal(rv, TR_OK);
		out = tr_arena_strdup(a, tr_buf_cstr(&b));
	}
	sql_copy_reader_close(&r);
	tr_buf_close(&b);
	return out;
}

static const char *run(struct tr_arena *a, const struct sql_copy *cp,
		       unsigned n_cols, const char *in)
{
	return run_cuts(a, cp, n_cols, in, strlen(in), NULL, 0, true);
}

struct rcase {
	const char *options; /* "" or "(FORMAT csv)" etc. */
	unsigned n_cols;
	const char *in;
	const char *want;
};

static const struct rcase rcases[] = {
	/* Text format. */
	{ "", 2, "1\tone\n2\ttwo\n", "1|one\n2|two\n" },
	{ "", 2, "1\tone\n2\ttwo", "1|one\n2|two\n" }, /* no last newline */
	{ "", 2, "1\t\\N\n\\N\t\n", "1|<N>\n<N>|\n" },
	{ "", 1, "\n\n", "\n\n" }, /* empty lines: empty strings */
	{ "", 1, "", "" },
	{ "", 1, "a\\tb\\nc\\\\d\\re\\bf\\fg\\vh\n",
	  "a\\x09b\\x0ac\\x5cd\\x0de\\x08f\\x0cg\\x0bh\n" },
	{ "", 1, "\\101\\60\\0601\\x41\\x4a\\x4\\xg\\q\n", "A001AJ\\x04xgq\n" },
	{ "", 2, "a\\\tb\tc\n", "a\\x09b|c\n" },        /* escaped delimiter */
	{ "", 1, "line\\\nnext\n", "line\\x0anext\n" }, /* escaped newline */
	{ "", 1, "\\\\N\n\\N\n", "\\x5cN\n<N>\n" }, /* raw compare for NULL */
	{ "", 1, "trailing\\", "trailing\n" },
	{ "", 1, "\xc3\xa9\\xc3\\xa9\xf0\x9f\x98\x80\n",
	  "\xc3\xa9\xc3\xa9\xf0\x9f\x98\x80\n" },
	{ "", 1, "a\r\nb\r\n", "a\nb\n" },
	{ "", 1, "a\rb\r", "a\nb\n" },
	{ "", 1, "a\nb\n\\.\nignored\tstuff\n", "a\nb\n" },
	{ "", 1, "a\r\n\\.\r\n", "a\n" },
	{ "", 1, "a\n\\.", "a\n" },
	{ "", 1, "\\.\n", "" },
	{ "(DELIMITER '|', NULL '')", 3, "1||x\n", "1|<N>|x\n" },
	{ "(DELIMITER ',', NULL 'nil')", 2, "nil,\\,\n", "<N>|,\n" },
	{ "(HEADER)", 2, "a\tb\n1\t2\n", "1|2\n" },
	{ "(HEADER)", 2, "a\tb", "" },
	/* CSV. */
	{ "(FORMAT csv)", 2, "1,one\n2,two\n", "1|one\n2|two\n" },
	{ "(FORMAT csv)", 2, "1,\n,\"\"\n", "1|<N>\n<N>|\n" },
	{ "(FORMAT csv)", 2, "\"a,b\",\"c\"\"d\"\n", "a,b|c\"d\n" },
	{ "(FORMAT csv)", 2, "\"multi\nline\",x\r\n", "multi\\x0aline|x\n" },
	{ "(FORMAT csv)", 2, "\"multi\r\nline\",x\r\ny,z\r\n",
	  "multi\\x0d\\x0aline|x\ny|z\n" },
	{ "(FORMAT csv)", 1, "a\"b\"c\n", "abc\n" },
	{ "(FORMAT csv)", 1, "\"\"\n", "\n" },
	{ "(FORMAT csv)", 1, "\"\"\"\"\n", "\"\n" },
	{ "(FORMAT csv)", 1, " x \n", " x \n" },
	{ "(FORMAT csv)", 1, "\\N\n", "\\x5cN\n" },
	{ "(FORMAT csv)", 1, "a\n\\.\nb\n", "a\n" },
	{ "(FORMAT csv)", 1, "\\.x\n\\\n", "\\x5c.x\n\\x5c\n" },
	{ "(FORMAT csv)", 1, "a\\.\n", "a\\x5c.\n" },
	{ "(FORMAT csv, NULL 'NULL')", 2, "NULL,\"NULL\"\n", "<N>|NULL\n" },
	{ "(FORMAT csv, NULL 'NULL')", 2, ",\n", "|\n" },
	{ "(FORMAT csv, HEADER)", 2, "x,y\n1,2\n", "1|2\n" },
	{ "(FORMAT csv, HEADER)", 2, "\"x\ny\",z\n1,2\n", "1|2\n" },
	{ "(FORMAT csv, HEADER match)", 2, "a,b\n1,2\n", "1|2\n" },
	{ "(FORMAT csv, QUOTE '''', DELIMITER ';')", 2, "'a;b';'it''s'\n",
	  "a;b|it's\n" },
	{ "(FORMAT csv, ESCAPE '\\')", 2, "\"a\\\"b\",\"c\\\\d\\e\"\n",
	  "a\"b|c\\x5cd\\x5ce\n" },
	{ "(FORMAT csv, ESCAPE '\\')", 1, "\\.\n", "\\x5c.\n" },
	{ "(FORMAT csv, DELIMITER E'\\t')", 2, "a\t\"b\tc\"\n", "a|b\\x09c\n" },
};

static const struct sql_copy *copy_opts(struct tr_arena *a, const char *opt,
					const char *dir)
{
	const char *pg = tr_arena_printf(a, "COPY t %s %s", dir, opt);
	struct sql_stmt *st = one(a, pg);
	if (st->failed) {
		fail_msg("<%s>: %s", pg, st->error.message);
	}
	return st->copy;
}

static void test_reader(void **state)
{
	struct fixture *f = *state;
	for (size_t i = 0; i < TR_ARRAY_LEN(rcases); i++) {
		const struct rcase *c = &rcases[i];
		const struct sql_copy *cp = copy_opts(&f->a, c->options,
						      "FROM STDIN");
		size_t len = strlen(c->in);
		const char *got = run(&f->a, cp, c->n_cols, c->in);
		if (strcmp(got, c->want) != 0) {
			fail_msg("case %zu <%s>: got <%s> want <%s>", i, c->in,
				 got, c->want);
		}
		/* Every split into two feeds, and three feeds (one and two
		 * bytes apart), gives the same rows. */
		for (size_t k = 0; k <= len; k++) {
			size_t cuts[3] = { k, k + 1 <= len ? k + 1 : len,
					   k + 3 <= len ? k + 3 : len };
			got = run_cuts(&f->a, cp, c->n_cols, c->in, len, cuts,
				       1, true);
			if (strcmp(got, c->want) != 0) {
				fail_msg("case %zu split %zu: got <%s>", i, k,
					 got);
			}
			got = run_cuts(&f->a, cp, c->n_cols, c->in, len, cuts,
				       3, true);
			if (strcmp(got, c->want) != 0) {
				fail_msg("case %zu splits %zu: got <%s>", i, k,
					 got);
			}
		}
	}
}

/* Rows are delivered as soon as they are complete, before finish. */
static void test_reader_streaming(void **state)
{
	struct fixture *f = *state;
	const struct sql_copy *cp = copy_opts(&f->a, "", "FROM STDIN");
	struct sql_copy_reader r;
	struct tr_buf b;
	tr_buf_init(&b, 0);
	sql_copy_reader_init(&r, cp, 1, names3);
	assert_int_equal(sql_copy_reader_feed(&r, (const uint8_t *)"a\r\nb", 4,
					      collect, &b),
			 TR_OK);
	assert_int_equal(r.rows, 1);
	assert_int_equal(b.len, 2);
	assert_int_equal(r.line, 1);
	/* A CR at the end of a feed waits for the next byte. */
	assert_int_equal(
		sql_copy_reader_feed(&r, (const uint8_t *)"\r", 1, collect, &b),
		TR_OK);
	assert_int_equal(r.rows, 1);
	assert_int_equal(sql_copy_reader_feed(&r, (const uint8_t *)"\nc", 2,
					      collect, &b),
			 TR_OK);
	assert_int_equal(r.rows, 2);
	assert_int_equal(sql_copy_reader_finish(&r, collect, &b), TR_OK);
	assert_int_equal(r.rows, 3);
	assert_int_equal(r.line, 3);
	assert_false(r.ended);
	sql_copy_reader_close(&r);
	tr_buf_close(&b);
}

static int refuse(void *arg, unsigned n, const struct sql_copy_field *f)
{
	TR_UNUSED(n);
	TR_UNUSED(f);
	int *calls = arg;
	return ++*calls == 2 ? TR_EINVAL : TR_OK;
}

/* The callback's failure stops the feed and comes back unchanged; the
 * context helper names the line and column. */
static void test_reader_callback(void **state)
{
	struct fixture *f = *state;
	const struct sql_copy *cp = copy_opts(&f->a, "", "FROM STDIN");
	struct sql_copy_reader r;
	int calls = 0;
	sql_copy_reader_init(&r, cp, 2, names3);
	assert_int_equal(sql_copy_reader_feed(
				 &r, (const uint8_t *)"1\tx\n2\t\\N\n3\tz\n",
				 14, refuse, &calls),
			 TR_EINVAL);
	assert_int_equal(calls, 2);
	assert_int_equal(r.rows, 1);
	struct sql_copy_field fld = { (const uint8_t *)"abc", 3 };
	assert_string_equal(sql_copy_reader_context(&r, &f->a, 0, &fld),
			    "COPY t, line 2, column a: \"abc\"");
	assert_string_equal(sql_copy_reader_context(&r, &f->a, 1, NULL),
			    "COPY t, line 2, column b: null input");
	sql_copy_reader_close(&r);
}

struct ecase {
	const char *options;
	unsigned n_cols;
	const char *in;
	const char *want; /* "ERR state message // context" */
};

static const struct ecase ecases[] = {
	{ "", 2, "1\t2\n3\n",
	  "ERR 22P04 missing data for column \"b\" // COPY t, line 2: \"3\"" },
	{ "", 2, "1\t2\t3\n",
	  "ERR 22P04 extra data after last expected column // COPY t, line "
	  "1: \"1\t2\t3\"" },
	{ "", 2, "1\t2\n\n",
	  "ERR 22P04 missing data for column \"b\" // COPY t, line 2: \"\"" },
	{ "", 1, "a\nb\rc\n",
	  "ERR 22P04 literal carriage return found in data // COPY t, line 2" },
	{ "", 1, "a\r\nb\nc\n",
	  "ERR 22P04 literal newline found in data // COPY t, line 2" },
	{ "", 1, "a\rb\r\n",
	  "ERR 22P04 literal newline found in data // COPY t, line 2" },
	{ "", 1, "a\r\nb\rc\r\n",
	  "ERR 22P04 literal carriage return found in data // COPY t, line "
	  "2" },
	{ "", 1, "a\n\\.x\n",
	  "ERR 22P04 end-of-copy marker corrupt // COPY t, line 2" },
	{ "", 1, "a\nb\\.\n",
	  "ERR 22P04 end-of-copy marker is not alone on its line // COPY t, "
	  "line 2" },
	{ "(FORMAT csv)", 2, "1,2\n\"3,4\n",
	  "ERR 22P04 unterminated CSV quoted field // COPY t, line 3: "
	  "\"\"3,4\n\"" },
	{ "(FORMAT csv)", 2, "1,2\n3\n",
	  "ERR 22P04 missing data for column \"b\" // COPY t, line 2: \"3\"" },
	{ "(FORMAT csv)", 2, "\"a\nb\",1\n\"c\nd\",2,3\n",
	  "ERR 22P04 extra data after last expected column // COPY t, line "
	  "4: \"\"c\nd\",2,3\"" },
	{ "(FORMAT csv)", 1, "a\nb\rc\n",
	  "ERR 22P04 unquoted carriage return found in data // COPY t, line "
	  "2" },
	{ "(FORMAT csv)", 1, "a\r\nb\n",
	  "ERR 22P04 unquoted newline found in data // COPY t, line 2" },
	{ "(FORMAT csv, HEADER match)", 2, "a,x\n",
	  "ERR 22P04 column name mismatch in header line field 2: got \"x\", "
	  "expected \"b\" // COPY t, line 1: \"a,x\"" },
	{ "(FORMAT csv, HEADER match)", 2, "a\n",
	  "ERR 22P04 wrong number of fields in header line: field count is "
	  "1, expected 2 // COPY t, line 1: \"a\"" },
	{ "(FORMAT csv, HEADER match)", 2, "a,b,c,d\n",
	  "ERR 22P04 wrong number of fields in header line: field count is "
	  "4, expected 2 // COPY t, line 1: \"a,b,c,d\"" },
	{ "(FORMAT csv, HEADER match)", 2, "a,\n",
	  "ERR 22P04 column name mismatch in header line field 2: got null "
	  "value (\"\"), expected \"b\" // COPY t, line 1: \"a,\"" },
	{ "", 1, "ok\n\\xff\n",
	  "ERR 22021 invalid byte sequence for encoding \"UTF8\": 0xff // "
	  "COPY t, line 2: \"\\xff\"" },
	{ "", 2, "a\t\xc3\x28\n",
	  "ERR 22021 invalid byte sequence for encoding \"UTF8\": 0xc3 0x28 "
	  "// COPY t, line 1: \"a\t\xc3\x28\"" },
	{ "", 1, "x\\0y\n",
	  "ERR 22021 invalid byte sequence for encoding \"UTF8\": 0x00 // "
	  "COPY t, line 1: \"x\\0y\"" },
	{ "(FORMAT csv)", 1, "\"\xe0\x80\x80\"\n",
	  "ERR 22021 invalid byte sequence for encoding \"UTF8\": 0xe0 0x80 "
	  "0x80 // COPY t, line 1: \"\"\xe0\x80\x80\"\"" },
	{ "(FORMAT csv)", 1, "\xed\xa0\x80\n",
	  "ERR 22021 invalid byte sequence for encoding \"UTF8\": 0xed 0xa0 "
	  "0x80 // COPY t, line 1: \"\xed\xa0\x80\"" },
	{ "(FORMAT csv)", 1, "ab\xf0\x9f\n",
	  "ERR 22021 invalid byte sequence for encoding \"UTF8\": 0xf0 0x9f "
	  "// COPY t, line 1: \"ab\xf0\x9f\"" },
	{ "(HEADER match)", 2, "a\tb\n1\n",
	  "ERR 22P04 missing data for column \"b\" // COPY t, line 2: \"1\"" },
};

static void test_reader_errors(void **state)
{
	struct fixture *f = *state;
	for (size_t i = 0; i < TR_ARRAY_LEN(ecases); i++) {
		const struct ecase *c = &ecases[i];
		const struct sql_copy *cp = copy_opts(&f->a, c->options,
						      "FROM STDIN");
		size_t len = strlen(c->in);
		for (size_t k = 0; k <= len; k++) {
			const char *got = run_cuts(&f->a, cp, c->n_cols, c->in,
						   len, &k, 1, true);
			if (strcmp(got, c->want) != 0) {
				fail_msg("case %zu split %zu: got <%s> want "
					 "<%s>",
					 i, k, got, c->want);
			}
		}
	}
}

static void test_reader_long_line(void **state)
{
	struct fixture *f = *state;
	const struct sql_copy *cp = copy_opts(&f->a, "", "FROM STDIN");
	struct sql_copy_reader r;
	struct tr_buf b;
	tr_buf_init(&b, 0);
	sql_copy_reader_init(&r, cp, 1, names3);
	size_t chunk = 1u << 20;
	uint8_t *p = test_malloc(chunk);
	memset(p, 'x', chunk);
	int rv = TR_OK;
	size_t fed = 0;
	while (rv == TR_OK && fed <= SQL_COPY_MAX_LINE) {
		rv = sql_copy_reader_feed(&r, p, chunk, collect, &b);
		fed += chunk;
	}
	assert_int_equal(rv, TR_ESQL);
	assert_string_equal(r.error.sqlstate, "54000");
	assert_string_equal(r.error.context, "COPY t, line 1");
	test_free(p);
	sql_copy_reader_close(&r);
	tr_buf_close(&b);
}

/* ---------------------------------------------------------------------
 * Writer
 * ------------------------------------------------------------------- */

static struct sql_value text_value(const char *s)
{
	struct sql_value v = { .type = SQL_VALUE_TEXT,
			       .p = s,
			       .len = strlen(s) };
	return v;
}

static const char *format_row(struct tr_arena *a, const struct sql_copy *cp,
			      unsigned n, const uint32_t *oids,
			      const struct sql_value *vals)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	sql_copy_format_row(cp, n, oids, vals, &b);
	assert_int_equal(tr_buf_err(&b), TR_OK);
	const char *s = tr_arena_strdup(a, tr_buf_cstr(&b));
	tr_buf_close(&b);
	return s;
}

static void test_format(void **state)
{
	struct fixture *f = *state;
	const struct sql_copy *text = copy_opts(&f->a, "", "TO STDOUT");
	const struct sql_copy *csv = copy_opts(&f->a, "(FORMAT csv)",
					       "TO STDOUT");
	uint32_t oids[4] = { SQL_OID_INT4, SQL_OID_TEXT, SQL_OID_BOOL,
			     SQL_OID_BYTEA };
	struct sql_value vals[4] = {
		{ .type = SQL_VALUE_INTEGER, .integer = 42 },
		text_value("a\tb\\c\nd,\"e\""),
		{ .type = SQL_VALUE_INTEGER, .integer = 1 },
		{ .type = SQL_VALUE_NULL },
	};
	assert_string_equal(format_row(&f->a, text, 4, oids, vals),
			    "42\ta\\tb\\\\c\\nd,\"e\"\tt\t\\N\n");
	assert_string_equal(format_row(&f->a, csv, 4, oids, vals),
			    "42,\"a\tb\\c\nd,\"\"e\"\"\",t,\n");
	/* Bytea through sql_format_text, then escaped. */
	vals[3] = (struct sql_value){ .type = SQL_VALUE_BLOB,
				      .p = "\x01\xff",
				      .len = 2 };
	assert_string_equal(format_row(&f->a, text, 4, oids, vals),
			    "42\ta\\tb\\\\c\\nd,\"e\"\tt\t\\\\x01ff\n");
	/* CSV quotes the empty string (it is not NULL) and "\." alone. */
	uint32_t t1[1] = { SQL_OID_TEXT };
	struct sql_value v1[1] = { text_value("") };
	assert_string_equal(format_row(&f->a, csv, 1, t1, v1), "\"\"\n");
	v1[0] = text_value("\\.");
	assert_string_equal(format_row(&f->a, csv, 1, t1, v1), "\"\\.\"\n");
	assert_string_equal(format_row(&f->a, text, 1, t1, v1), "\\\\.\n");
	/* Control characters other than the six are written raw; the
	 * delimiter is escaped. */
	const struct sql_copy *pipe = copy_opts(&f->a, "(DELIMITER '|')",
						"TO STDOUT");
	v1[0] = text_value("\x01|\b\f\r\v");
	assert_string_equal(format_row(&f->a, pipe, 1, t1, v1),
			    "\x01\\|\\b\\f\\r\\v\n");
	/* CSV with another escape: quote and escape both escaped. */
	const struct sql_copy *esc = copy_opts(
		&f->a, "(FORMAT csv, ESCAPE '\\', NULL 'N')", "TO STDOUT");
	v1[0] = text_value("a\"b\\c");
	assert_string_equal(format_row(&f->a, esc, 1, t1, v1),
			    "\"a\\\"b\\\\c\"\n");
	v1[0] = text_value("N");
	assert_string_equal(format_row(&f->a, esc, 1, t1, v1), "\"N\"\n");
	v1[0] = (struct sql_value){ .type = SQL_VALUE_NULL };
	assert_string_equal(format_row(&f->a, esc, 1, t1, v1), "N\n");
	/* Header. */
	const char *names[2] = { "a", "we,ird\"" };
	struct tr_buf b;
	tr_buf_init(&b, 0);
	sql_copy_format_header(csv, 2, names, &b);
	sql_copy_format_header(text, 2, names, &b);
	assert_string_equal(tr_buf_cstr(&b), "a,\"we,ird\"\"\"\na\twe,ird\"\n");
	tr_buf_close(&b);
}

/* Whatever the writer writes, the reader reads back as the same fields. */
static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	static const char *const opts[] = {
		"",
		"(FORMAT csv)",
		"(DELIMITER ',', NULL 'nil')",
		"(FORMAT csv, DELIMITER ';', QUOTE '''', ESCAPE '\\', NULL "
		"'\\N')",
		"(FORMAT csv, NULL 'NULL', DELIMITER E'\\t')",
	};
	static const char *const values[] = {
		"",     "plain", "\\N", "\\.",   "nil",        "NULL",
		"a\tb", "a,b",   "a;b", "\"q\"", "it's",       "back\\slash",
		"\r\n", "\n",    "\\",  "x\\.",  "\b\f\v\x01", "é ünïcode",
		" sp ", ",",     "\"",  "'",     "\\\\N",
	};
	uint32_t oids[3] = { SQL_OID_TEXT, SQL_OID_TEXT, SQL_OID_TEXT };
	for (size_t o = 0; o < TR_ARRAY_LEN(opts); o++) {
		const struct sql_copy *out = copy_opts(&f->a, opts[o],
						       "TO STDOUT");
		const struct sql_copy *in = copy_opts(&f->a, opts[o],
						      "FROM STDIN");
		for (unsigned ncol = 1; ncol <= 3; ncol += 2) {
			struct tr_buf data, want;
			tr_buf_init(&data, 0);
			tr_buf_init(&want, 0);
			size_t nv = TR_ARRAY_LEN(values);
			for (size_t i = 0; i <= nv; i++) {
				struct sql_value v[3];
				struct sql_copy_field fl[3];
				for (unsigned k = 0; k < ncol; k++) {
					size_t j = (i + k * 7) % (nv + 1);
					/* Text format cannot tell a value
					 * equal to a NULL marker without a
					 * backslash from NULL (neither can
					 * PostgreSQL): none of those. */
					if (j < nv &&
					    out->format == SQL_COPY_TEXT &&
					    strcmp(values[j], out->null_str) ==
						    0) {
						j = nv;
					}
					if (j == nv) {
						v[k] = (struct sql_value){
							.type = SQL_VALUE_NULL
						};
						fl[k] = (struct sql_copy_field){
							NULL, -1
						};
					} else {
						v[k] = text_value(values[j]);
						fl[k] = (struct sql_copy_field){
							(const uint8_t *)
								values[j],
							(int32_t)strlen(
								values[j])
						};
					}
				}
				sql_copy_format_row(out, ncol, oids, v, &data);
				collect(&want, ncol, fl);
			}
			const char *got = run_cuts(&f->a, in, ncol,
						   (const char *)data.data,
						   data.len, NULL, 0, true);
			const char *w = tr_buf_cstr(&want);
			if (strcmp(got, w) != 0) {
				fail_msg("options %s, %u columns: got <%s> "
					 "want <%s> from <%s>",
					 opts[o], ncol, got, w,
					 tr_buf_cstr(&data));
			}
			tr_buf_close(&data);
			tr_buf_close(&want);
		}
	}
}

/* The executor's conversion step: COPY text fields through
 * sql_param_decode, as text Bind parameters. */
static void test_decode_fields(void **state)
{
	struct fixture *f = *state;
	const struct sql_copy *cp = copy_opts(&f->a, "", "FROM STDIN");
	struct sql_copy_reader r;
	struct tr_buf b;
	tr_buf_init(&b, 0);
	sql_copy_reader_init(&r, cp, 3, names3);
	const char *in = "42\tt\t\\\\x01ff\n";
	assert_int_equal(sql_copy_reader_feed(&r, (const uint8_t *)in,
					      strlen(in), collect, &b),
			 TR_OK);
	/* Re-split the same line for the decode check. */
	const struct sql_copy_field fl[3] = {
		{ (const uint8_t *)"42", 2 },
		{ (const uint8_t *)"t", 1 },
		{ (const uint8_t *)"\\x01ff", 6 },
	};
	assert_string_equal(tr_buf_cstr(&b), "42|t|\\x5cx01ff\n");
	uint32_t oids[3] = { SQL_OID_INT4, SQL_OID_BOOL, SQL_OID_BYTEA };
	struct sql_value v;
	struct sql_error err;
	assert_int_equal(sql_param_decode(oids[0], 0, fl[0].p, fl[0].len, &f->a,
					  &v, &err),
			 TR_OK);
	assert_int_equal(v.integer, 42);
	assert_int_equal(sql_param_decode(oids[1], 0, fl[1].p, fl[1].len, &f->a,
					  &v, &err),
			 TR_OK);
	assert_int_equal(v.integer, 1);
	assert_int_equal(sql_param_decode(oids[2], 0, fl[2].p, fl[2].len, &f->a,
					  &v, &err),
			 TR_OK);
	assert_int_equal(v.type, SQL_VALUE_BLOB);
	assert_int_equal(v.len, 2);
	assert_int_equal(
		sql_param_decode(SQL_OID_INT4, 0, NULL, -1, &f->a, &v, &err),
		TR_OK);
	assert_int_equal(v.type, SQL_VALUE_NULL);
	sql_copy_reader_close(&r);
	tr_buf_close(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_classify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_classify_details, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_catalog_columns, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_streaming, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reader_callback, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reader_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reader_long_line, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_decode_fields, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
