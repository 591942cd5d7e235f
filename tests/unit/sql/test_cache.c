/*
 * Unit tests for the translation cache (sql/cache.c).
 *
 * The cache must be invisible: whatever sql_cache_parse answers must be
 * exactly what sql_parse answers for the same text.  The tests check that
 * differentially, for hand-picked families of statements that differ only
 * in constants (some of whose translations depend on the constant's
 * value) and for every statement of the golden SQL corpus with its
 * constants changed, and they check the key scan, the LRU bound and the
 * schema version.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sql/sql.h"
#include "sql/sql_int.h"

static bool same(const char *x, const char *y)
{
	return x == y || (x != NULL && y != NULL && strcmp(x, y) == 0);
}

/* The two answers for @text agree in everything a caller reads. */
static void check_same(const char *text, int rv1, const struct sql_batch *b1,
		       const struct sql_error *e1, int rv2,
		       const struct sql_batch *b2, const struct sql_error *e2)
{
	if (rv1 != rv2) {
		fail_msg("<%s>: rv %d vs %d", text, rv1, rv2);
	}
	if (rv1 != TR_OK) {
		if (strcmp(e1->sqlstate, e2->sqlstate) != 0 ||
		    !same(e1->message, e2->message) ||
		    e1->position != e2->position) {
			fail_msg("<%s>: errors differ", text);
		}
		return;
	}
	if (b1->n_stmts != b2->n_stmts) {
		fail_msg("<%s>: %u vs %u statements", text, b1->n_stmts,
			 b2->n_stmts);
	}
	for (unsigned i = 0; i < b1->n_stmts; i++) {
		const struct sql_stmt *x = &b1->stmts[i];
		const struct sql_stmt *y = &b2->stmts[i];
		if (x->kind != y->kind || x->failed != y->failed ||
		    !same(x->sqlite, y->sqlite) || !same(x->text, y->text) ||
		    !same(x->tag, y->tag) || x->location != y->location ||
		    x->writes != y->writes || x->catalog != y->catalog ||
		    x->ddl != y->ddl || x->counted != y->counted ||
		    x->n_cols != y->n_cols || x->n_params != y->n_params) {
			fail_msg("<%s>: statement %u differs:\n"
				 "  cache <%s>\n  parse <%s>",
				 text, i, x->sqlite ? x->sqlite : "(null)",
				 y->sqlite ? y->sqlite : "(null)");
		}
		if (x->failed &&
		    (strcmp(x->error.sqlstate, y->error.sqlstate) != 0 ||
		     !same(x->error.message, y->error.message))) {
			fail_msg("<%s>: statement errors differ", text);
		}
		for (unsigned k = 0; k < x->n_cols; k++) {
			if (!same(x->cols[k].name, y->cols[k].name) ||
			    x->cols[k].type_oid != y->cols[k].type_oid ||
			    x->cols[k].typmod != y->cols[k].typmod) {
				fail_msg("<%s>: column %u differs", text, k);
			}
		}
		for (unsigned k = 0; k < x->n_params; k++) {
			const struct sql_param *p = &x->params[k];
			const struct sql_param *q = &y->params[k];
			if (p->oid != q->oid || p->typmod != q->typmod ||
			    p->n_tables != q->n_tables ||
			    !same(p->column, q->column) ||
			    p->colno != q->colno) {
				fail_msg("<%s>: parameter %u differs", text,
					 k + 1);
			}
			for (unsigned t = 0; t < p->n_tables; t++) {
				if (!same(p->tables[t], q->tables[t])) {
					fail_msg("<%s>: parameter %u differs",
						 text, k + 1);
				}
			}
		}
	}
}

/* sql_cache_parse(@text) must equal sql_parse(@text). */
static void check(struct sql_cache *c, const char *text)
{
	struct tr_arena a1;
	struct tr_arena a2;
	tr_arena_init(&a1, 4096);
	tr_arena_init(&a2, 4096);
	struct sql_batch b1;
	struct sql_batch b2;
	struct sql_error e1;
	struct sql_error e2;
	int rv1 = sql_cache_parse(c, 7, "public", &a1, text, &b1, &e1);
	int rv2 = sql_parse(&a2, text, &b2, &e2);
	check_same(text, rv1, &b1, &e1, rv2, &b2, &e2);
	tr_arena_close(&a1);
	tr_arena_close(&a2);
}

static uint64_t hits(struct sql_cache *c)
{
	struct sql_cache_stats st;
	sql_cache_stats(c, &st);
	return st.hits;
}

/* ---------------------------------------------------------------------
 * Families: same shape, different constants
 * ------------------------------------------------------------------- */

/* Each family is NULL-terminated; every member is checked twice so that
 * the second sight builds the template and later members hit it. */
static const char *const families[][8] = {
	{ "SELECT abalance FROM pgbench_accounts WHERE aid = 42;",
	  "SELECT abalance FROM pgbench_accounts WHERE aid = 99999;",
	  "SELECT abalance FROM pgbench_accounts WHERE aid = 2147483647;",
	  "SELECT abalance FROM pgbench_accounts WHERE aid = 2147483649;",
	  "SELECT abalance FROM pgbench_accounts WHERE aid = 1;",
	  "SELECT abalance FROM pgbench_accounts WHERE aid = 0;", NULL },
	{ "UPDATE pgbench_accounts SET abalance = abalance + -17 WHERE aid = "
	  "5;",
	  "UPDATE pgbench_accounts SET abalance = abalance + -4000 WHERE aid "
	  "= 77;",
	  "UPDATE pgbench_accounts SET abalance = abalance + 12 WHERE aid = "
	  "3;",
	  NULL },
	{ "INSERT INTO h (tid, bid, aid, delta, mtime) VALUES (3, 1, 77, -5, "
	  "CURRENT_TIMESTAMP);",
	  "INSERT INTO h (tid, bid, aid, delta, mtime) VALUES (9, 1, 1234, "
	  "-99, CURRENT_TIMESTAMP);",
	  NULL },
	/* Strings whose translation depends on the value. */
	{ "SELECT * FROM t WHERE s LIKE 'abc'", "SELECT * FROM t WHERE s LIKE 'a%c'",
	  "SELECT * FROM t WHERE s LIKE 'x_y'", "SELECT * FROM t WHERE s LIKE 'q*'",
	  NULL },
	{ "SELECT 'abc'::int4", "SELECT '12'::int4", "SELECT '7'::int4",
	  NULL },
	{ "SELECT 'now'::timestamp", "SELECT 'today'::date",
	  "SELECT '2024-01-02'::date", "SELECT 'epoch'::timestamp", NULL },
	{ "SELECT 't'::bool", "SELECT 'no'::bool", "SELECT 'maybe'::bool",
	  NULL },
	{ "SELECT '{\"a\": 1}'::jsonb", "SELECT '{\"b\":2, \"a\":1}'::jsonb",
	  "SELECT 'nope'::jsonb", NULL },
	{ "SELECT s FROM t WHERE s ~ '^abc'", "SELECT s FROM t WHERE s ~ 'a.c'",
	  "SELECT s FROM t WHERE s ~ '^(abc)$'", NULL },
	{ "SELECT a FROM t ORDER BY 2", "SELECT a FROM t ORDER BY 3",
	  "SELECT a, b FROM t ORDER BY 2", NULL },
	{ "SELECT a FROM t LIMIT 5", "SELECT a FROM t LIMIT 50",
	  "SELECT a FROM t LIMIT 5 OFFSET 10", NULL },
	{ "SELECT 5::int2", "SELECT 40000::int2", "SELECT 7::int2", NULL },
	{ "SELECT 'ab'::varchar(5)", "SELECT 'abcdefgh'::varchar(5)",
	  "SELECT 'abc'::char(4)", NULL },
	{ "SELECT x FROM t WHERE ts > now() - interval '3 days'",
	  "SELECT x FROM t WHERE ts > now() - interval '5 hours'", NULL },
	{ "SELECT j -> 'k' FROM t", "SELECT j -> 'other key' FROM t",
	  "SELECT j -> 3 FROM t", "SELECT j -> 5 FROM t", NULL },
	{ "SELECT 2147483647", "SELECT 2147483648", "SELECT 2147483649",
	  "SELECT 9223372036854775807", "SELECT 9223372036854775808", NULL },
	{ "SELECT date_part('year', ts) FROM t",
	  "SELECT date_part('month', ts) FROM t",
	  "SELECT date_trunc('day', ts) FROM t", NULL },
	{ "SELECT to_char(ts, 'YYYY') FROM t",
	  "SELECT to_char(ts, 'HH24:MI') FROM t", NULL },
	/* The translator picks a meaning by the literal's look. */
	{ "UPDATE d SET doc = doc || 'abc' WHERE id = 2",
	  "UPDATE d SET doc = doc || 'def' WHERE id = 3",
	  "UPDATE d SET doc = doc || '{\"a\": 1}' WHERE id = 4",
	  "UPDATE d SET doc = doc || '[1]' WHERE id = 4",
	  "UPDATE d SET doc = doc || 'xyz' WHERE id = 5", NULL },
	{ "SELECT x - 'abc' FROM t", "SELECT x - 'def' FROM t",
	  "SELECT x - '1 day' FROM t", "SELECT x - '5' FROM t",
	  "SELECT x - 'Infinity' FROM t", "SELECT x - 'epoch' FROM t", NULL },
	{ "SELECT b = 'abc' FROM t", "SELECT b = 'xyz' FROM t",
	  "SELECT b = 'tru' FROM t", "SELECT b = 'Of' FROM t",
	  "SELECT b = ' yes ' FROM t", NULL },
	{ "SELECT * FROM t WHERE status = 'open'",
	  "SELECT * FROM t WHERE status = 'closed'",
	  "SELECT * FROM t WHERE status = 'on hold'", NULL },
	/* Scanner edge cases: constants the scan must leave alone. */
	{ "SELECT E'a\\'b 5 c'", "SELECT E'a\\'b 6 c'", NULL },
	{ "SELECT $$it's 5$$, 7", "SELECT $$it's 6$$, 8",
	  "SELECT $x$ 'q' $x$, 9", NULL },
	{ "SELECT /* it's 5 */ 7", "SELECT /* it's 6 */ 8",
	  "SELECT -- it's 5\n 9", NULL },
	{ "SELECT \"a'5\" FROM t WHERE x = 3", "SELECT \"a'6\" FROM t WHERE x = 4",
	  NULL },
	{ "SELECT 1.5, 2e3, .5, 10", "SELECT 1.25, 3e3, .7, 11", NULL },
	{ "SELECT x'1f', b'101', U&'d\\0061t', N'xy'",
	  "SELECT x'2f', b'111', U&'d\\0062t', N'zz'", NULL },
	{ "SELECT 'a'\n'b'", "SELECT 'c'\n'd'", "SELECT 'c' 'd'", NULL },
	{ "SELECT 007", "SELECT 0x1F", "SELECT 1_000", NULL },
	{ "SELECT $1::int4 + 5", "SELECT $1::int4 + 6", NULL },
	{ "BEGIN", "BEGIN;", "END", "COMMIT", NULL },
	{ "SELECT 1; SELECT 2", "SELECT 3; SELECT 4", NULL },
	{ "SET search_path = 'a'", "SET search_path = 'b'", NULL },
	{ "SELECT 'unterminated", "SELECT \"unterminated", "SELECT /* open",
	  NULL },
	{ "CREATE TABLE t5 (a int DEFAULT 5)", "CREATE TABLE t5 (a int DEFAULT 6)",
	  NULL },
};

static void test_families(void **state)
{
	TR_UNUSED(state);
	struct sql_cache *c;
	assert_int_equal(sql_cache_new(64, &c), TR_OK);
	for (size_t f = 0; f < TR_ARRAY_LEN(families); f++) {
		for (int round = 0; round < 2; round++) {
			for (size_t i = 0; families[f][i] != NULL; i++) {
				check(c, families[f][i]);
				check(c, families[f][i]);
			}
		}
	}
	assert_true(hits(c) > 0);
	sql_cache_free(c);
}

/* pgbench's statements hit after the second sight. */
static void test_pgbench_hits(void **state)
{
	TR_UNUSED(state);
	struct sql_cache *c;
	assert_int_equal(sql_cache_new(16, &c), TR_OK);
	check(c, "SELECT abalance FROM pgbench_accounts WHERE aid = 5;");
	check(c, "SELECT abalance FROM pgbench_accounts WHERE aid = 6;");
	assert_int_equal(hits(c), 0);
	check(c, "SELECT abalance FROM pgbench_accounts WHERE aid = 7;");
	assert_int_equal(hits(c), 1);
	/* No varying constant: a template at first sight. */
	check(c, "SELECT abalance FROM pgbench_accounts WHERE aid = $1");
	check(c, "SELECT abalance FROM pgbench_accounts WHERE aid = $1");
	assert_int_equal(hits(c), 2);
	/* A value-dependent shape is refused, then translated each time. */
	check(c, "SELECT * FROM t WHERE s LIKE 'abc'");
	check(c, "SELECT * FROM t WHERE s LIKE 'jkl'");
	check(c, "SELECT * FROM t WHERE s LIKE 'ghi'");
	struct sql_cache_stats st;
	sql_cache_stats(c, &st);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.refused_hits, 1);
	sql_cache_free(c);
}

/* At most cap entries; a new schema version empties the cache; the
 * context is part of the key. */
static void test_bounds(void **state)
{
	TR_UNUSED(state);
	struct sql_cache *c;
	assert_int_equal(sql_cache_new(4, &c), TR_OK);
	char q[64];
	for (int i = 0; i < 20; i++) {
		snprintf(q, sizeof q, "SELECT c%d FROM t WHERE a = $1", i);
		check(c, q);
	}
	struct sql_cache_stats st;
	sql_cache_stats(c, &st);
	assert_int_equal(st.entries, 4);
	assert_int_equal(st.evictions, 16);

	struct tr_arena a;
	tr_arena_init(&a, 4096);
	struct sql_batch b;
	struct sql_error e;
	const char *t = "SELECT c19 FROM t WHERE a = $1";
	assert_int_equal(sql_cache_parse(c, 7, "public", &a, t, &b, &e), TR_OK);
	sql_cache_stats(c, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(sql_cache_parse(c, 7, "other", &a, t, &b, &e), TR_OK);
	sql_cache_stats(c, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(sql_cache_parse(c, 8, "public", &a, t, &b, &e), TR_OK);
	sql_cache_stats(c, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.entries, 1);
	tr_arena_close(&a);
	sql_cache_free(c);
}

/* ---------------------------------------------------------------------
 * The golden corpus, with its constants changed
 * ------------------------------------------------------------------- */

/*
 * @s with its integer constants and the contents of its plain strings
 * changed (crudely: comments, quoted names and dollar quotes are kept).
 * @how 0: integers + 1, strings get "x" appended; 1: integers * 3 + 1,
 * strings get LIKE/regex/JSON-looking text appended; 2: integers + 2,
 * strings become a plain word; 3: strings become a JSON object.
 */
static char *mutate(const char *s, int how)
{
	size_t cap = strlen(s) * 4 + 64;
	char *out = malloc(cap);
	size_t n = 0;
	assert_non_null(out);
	for (size_t i = 0; s[i] != '\0' && n + 32 < cap;) {
		char ch = s[i];
		if ((ch == '-' && s[i + 1] == '-') || ch == '"' || ch == '$' ||
		    (ch == '/' && s[i + 1] == '*')) {
			/* Copy the rest verbatim: too hard for a mutator. */
			while (s[i] != '\0' && n + 1 < cap) {
				out[n++] = s[i++];
			}
			break;
		}
		bool word = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			    ch == '_';
		if (word) {
			while ((s[i] >= 'a' && s[i] <= 'z') ||
			       (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
			       (s[i] >= '0' && s[i] <= '9')) {
				out[n++] = s[i++];
			}
			continue;
		}
		if (ch >= '0' && ch <= '9') {
			size_t j = i;
			while (s[j] >= '0' && s[j] <= '9') {
				j++;
			}
			if (j - i < 9 && s[j] != '.') {
				long v = strtol(s + i, NULL, 10);
				v = how == 0   ? v + 1
				    : how == 1 ? v * 3 + 1
					       : v + 2;
				n += (size_t)snprintf(out + n, cap - n, "%ld",
						      v);
			} else {
				memcpy(out + n, s + i, j - i);
				n += j - i;
			}
			i = j;
			continue;
		}
		if (ch == '\'') {
			size_t j = i + 1;
			while (s[j] != '\0' && !(s[j] == '\'' && s[j + 1] != '\'')) {
				j += s[j] == '\'' ? 2 : 1;
			}
			if (s[j] == '\0') {
				out[n++] = s[i++];
				continue;
			}
			if (how < 2) {
				memcpy(out + n, s + i, j - i);
				n += j - i;
			} else {
				out[n++] = '\'';
			}
			const char *add = how == 0   ? "x"
					  : how == 1 ? "%_[a]'' {\"k\": 1}"
					  : how == 2 ? "zqv"
						     : "{\"k\": [1, 2]}";
			if (n + strlen(add) + 2 < cap) {
				memcpy(out + n, add, strlen(add));
				n += strlen(add);
			}
			out[n++] = '\'';
			i = j + 1;
			continue;
		}
		out[n++] = s[i++];
	}
	out[n] = '\0';
	return out;
}

/* Every statement of @path (psql meta-command lines dropped). */
static void corpus_file(struct sql_cache *c, const char *path)
{
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	assert_non_null(buf);
	size_t len = 0;
	char line[8192];
	while (fgets(line, sizeof line, fp) != NULL) {
		if (line[0] == '\\') {
			continue;
		}
		size_t l = strlen(line);
		if (len + l + 1 < cap) {
			memcpy(buf + len, line, l);
			len += l;
		}
	}
	buf[len] = '\0';
	fclose(fp);
	PgQuerySplitResult r = pg_query_split_with_scanner(buf);
	for (int i = 0; r.error == NULL && i < r.n_stmts; i++) {
		char *st = strndup(buf + r.stmts[i]->stmt_location,
				   (size_t)r.stmts[i]->stmt_len);
		assert_non_null(st);
		char *m[4];
		for (int k = 0; k < 4; k++) {
			m[k] = mutate(st, k);
		}
		check(c, st);
		check(c, st);
		for (int k = 0; k < 4; k++) {
			check(c, m[k]);
		}
		check(c, st);
		for (int k = 0; k < 4; k++) {
			check(c, m[k]);
			free(m[k]);
		}
		free(st);
	}
	pg_query_free_split_result(r);
	free(buf);
}

static void test_corpus(void **state)
{
	TR_UNUSED(state);
	struct sql_cache *c;
	assert_int_equal(sql_cache_new(4096, &c), TR_OK);
	const char *dir = TR_SOURCE_DIR "/integration/sql";
	DIR *d = opendir(dir);
	if (d == NULL) {
		skip();
	}
	struct dirent *de;
	unsigned n_files = 0;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".sql") != 0) {
			continue;
		}
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		corpus_file(c, path);
		n_files++;
	}
	closedir(d);
	assert_true(n_files > 0);
	assert_true(hits(c) > 0);
	sql_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_pgbench_hits),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
