/*
 * Unit tests for sql/functions.c and the translator's use of it: each
 * PostgreSQL query is parsed and translated (sql_parse), run on an
 * in-memory SQLite with sql_functions_register, described by the catalog
 * mirror (column types), rendered with sql_format_text, and compared
 * with the text PostgreSQL 15.18 printed for the same query (psql -At,
 * '|' between columns, ';' between rows, N for NULL; captured from a
 * throwaway server with TimeZone UTC and lc_ctype C.UTF-8).
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
#include "sql/sql_int.h"

struct fixture {
	struct tr_arena a;
	sqlite3 *db;
	struct sql_catalog *cat;
};

static int setup(void **state)
{
	struct fixture *f = test_malloc(sizeof *f);
	tr_arena_init(&f->a, 4096);
	assert_int_equal(sqlite3_open(":memory:", &f->db), SQLITE_OK);
	assert_int_equal(sql_functions_register(f->db), SQLITE_OK);
	assert_int_equal(sql_catalog_new(&f->cat), TR_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sql_catalog_free(f->cat);
	sqlite3_close(f->db);
	tr_arena_close(&f->a);
	test_free(f);
	return 0;
}

/* Run @pg end to end.  Returns the rendered rows, or NULL with @state
 * set to the SQLSTATE of the failure (translation or execution). */
static const char *run(struct fixture *f, const char *pg, const char **sqlstate,
		       const char **sqlite_text)
{
	struct sql_batch b;
	struct sql_error err;
	*sqlstate = NULL;
	*sqlite_text = NULL;
	if (sql_parse(&f->a, pg, &b, &err) != TR_OK) {
		*sqlstate = tr_arena_strdup(&f->a, err.sqlstate);
		return NULL;
	}
	assert_int_equal(b.n_stmts, 1);
	struct sql_stmt *st = &b.stmts[0];
	if (st->failed) {
		*sqlstate = tr_arena_strdup(&f->a, st->error.sqlstate);
		return NULL;
	}
	*sqlite_text = st->sqlite;
	struct sql_column *cols = NULL;
	unsigned n_cols = 0;
	int rv = sql_catalog_describe(f->cat, st, &f->a, &cols, &n_cols, &err);
	if (rv != TR_OK) {
		fail_msg("<%s> -> <%s>: describe: %s %s", pg, st->sqlite,
			 err.sqlstate, err.message);
	}
	sqlite3_stmt *ps;
	if (sqlite3_prepare_v2(f->db, st->sqlite, -1, &ps, NULL) != SQLITE_OK) {
		sql_error_from_sqlite(&err, &f->a,
				      (uint64_t)sqlite3_extended_errcode(f->db),
				      sqlite3_errmsg(f->db));
		*sqlstate = tr_arena_strdup(&f->a, err.sqlstate);
		return NULL;
	}
	struct tr_buf out;
	tr_buf_init(&out, 0);
	int rc;
	bool first = true;
	while ((rc = sqlite3_step(ps)) == SQLITE_ROW) {
		if (!first) {
			tr_buf_put_u8(&out, ';');
		}
		first = false;
		for (int i = 0; i < sqlite3_column_count(ps); i++) {
			if (i > 0) {
				tr_buf_put_u8(&out, '|');
			}
			struct sql_value v = {
				.type = (enum sql_value_type)
					sqlite3_column_type(ps, i),
			};
			v.integer = sqlite3_column_int64(ps, i);
			v.real = sqlite3_column_double(ps, i);
			v.p = v.type == SQL_VALUE_BLOB
				      ? sqlite3_column_blob(ps, i)
				      : (const void *)sqlite3_column_text(ps,
									  i);
			v.len = (size_t)sqlite3_column_bytes(ps, i);
			uint32_t oid = (unsigned)i < n_cols ? cols[i].type_oid
							    : 0;
			if (!sql_format_text(oid, &v, &out)) {
				tr_buf_put_u8(&out, 'N');
			}
		}
	}
	const char *res = tr_arena_strdup(&f->a, tr_buf_cstr(&out));
	tr_buf_close(&out);
	if (rc != SQLITE_DONE) {
		sql_error_from_sqlite(&err, &f->a,
				      (uint64_t)sqlite3_extended_errcode(f->db),
				      sqlite3_errmsg(f->db));
		*sqlstate = tr_arena_strdup(&f->a, err.sqlstate);
		res = NULL;
	}
	sqlite3_finalize(ps);
	return res;
}

struct ecase {
	const char *pg;
	const char *want; /* PostgreSQL 15's output */
};

/* Captured from PostgreSQL 15.18 (see the file comment). */
static const struct ecase pg_outputs[] = {
	{ "select 'abc' ~ 'b', 'abc' ~ '^B', 'abc' ~* '^B', 'abc' !~ 'x', 'ABC' !~* 'a'",
	  "t|f|f|t|f" },
	{ "select 'héllo' ~ '^h.llo$', 'ÉTÉ' ~* 'été', 'a1b22' ~ '\\d\\d', 'x y' ~ '\\s', 'foo_1' ~ '^\\w+$'",
	  "t|t|t|t|t" },
	{ "select null ~ 'a', 'a' ~ null", "N|N" },
	{ "select 'abc' similar to 'a%', 'abc' similar to '_b_', 'abc' similar to 'a', 'abc' not similar to '(a|x)%', 'a.c' similar to 'a.c', 'abc' similar to 'a.c'",
	  "t|t|f|f|t|f" },
	{ "select 'a%c' similar to 'a#%c' escape '#', 'abc' similar to 'a#%c' escape '#', 'ab' similar to '[a-c]+'",
	  "t|f|t" },
	{ "select concat('a', null, 1, 2.5), concat_ws(',', 'a', null, 'b', 3), concat_ws(null, 'a'), concat(null)",
	  "a12.5|a,b,3|N|" },
	{ "select lpad('hi', 5), lpad('hi', 5, 'xy'), lpad('hello', 3), rpad('hi', 5, 'é'), rpad('hello', 2), lpad('x', -1), lpad('ab', 4, '')",
	  "   hi|xyxhi|hel|hiééé|he||ab" },
	{ "select repeat('ab', 3), repeat('x', 0), repeat('é', 2), repeat('a', -1)",
	  "ababab||éé|" },
	{ "select initcap('hello wORLD-foo o''neil 3abc éa'), upper('éàÿ straße'), lower('ÉÀΣΑΣ ABC'), upper(null)",
	  "Hello World-Foo O'Neil 3abc Éa|ÉÀŸ STRAßE|éàσασ abc|N" },
	{ "select split_part('a,b,,c', ',', 2), split_part('a,b,,c', ',', 3), split_part('a,b', ',', 5), split_part('a,b,c', ',', -1), split_part('a,b,c', ',', -3), split_part('abc', '', 1), split_part('abc', '', 2)",
	  "b|||c|a|abc|" },
	{ "select strpos('hello', 'll'), strpos('héllo', 'l'), strpos('abc', 'x'), position('b' in 'abc')",
	  "3|3|0|2" },
	{ "select left('abcde', 2), left('abcde', -2), right('abcde', 2), right('abcde', -2), left('héllo', 2), right('héllo', 10), left('abc', -10)",
	  "ab|abc|de|cde|hé|héllo|" },
	{ "select btrim('xxabcxx', 'x'), ltrim('  abc  '), rtrim('abcxyx', 'xy'), trim(both 'é' from 'éaé'), btrim('  a  ')",
	  "abc|abc  |abc|a|a" },
	{ "select regexp_replace('foo bar baz', 'ba.', 'X'), regexp_replace('foo bar baz', 'ba.', 'X', 'g'), regexp_replace('abc', '(b)', '[\\1]'), regexp_replace('ABC', 'b', 'x', 'gi'), regexp_replace('abc', 'x*', '-', 'g')",
	  "foo X baz|foo X X|a[b]c|AxC|-a-b-c-" },
	{ "select regexp_replace('aaaa', 'a', 'b', 1, 3), regexp_replace('aaaa', 'a', 'b', 2, 0, 'i'), regexp_replace('Héllo wörld', '[öé]', '_', 'g'), regexp_replace('a.b.c', '.', '-', 'gq')",
	  "aaba|abbb|H_llo w_rld|a-b-c" },
	{ "select regexp_match('key=val', '(\\w+)=(\\w+)'), regexp_match('abc', 'z'), regexp_match('ab', '(a)(x)?'), regexp_match('abc', 'B', 'i')",
	  "{key,val}|N|{a,NULL}|{b}" },
	{ "select regexp_split_to_array('hello', ''), regexp_split_to_array('a,b,,c,', ','), regexp_split_to_array(',a', ','), regexp_split_to_array('ab', 'b*'), regexp_split_to_array('a1b22c', '\\d+')",
	  "{h,e,l,l,o}|{a,b,\"\",c,\"\"}|{\"\",a}|{a,\"\"}|{a,b,c}" },
	{ "select regexp_like('abc', 'B', 'i'), regexp_count('abcabc', 'b'), regexp_count('abcabc', 'b', 3), substring('abc123def' from '[0-9]+'), substring('foobar' from 'o(b)'), substring('abc' from '(x)?b')",
	  "t|2|1|123|b|N" },
	{ "select substr('hello', -1, 3), substr('hello', 0), substring('hello' from -1 for 3), substr('héllo', 2, 2), substr('hello', 2, 0), substring('hello', 2)",
	  "h|hello|h|él||ello" },
	/* quote_ident is also a catalog function: the mirror runs it
	 * (the corpus covers it). */
	{ "select starts_with('hello', 'he'), starts_with('hello', 'lo'), quote_literal('it''s'), quote_literal(E'a\\\\b'), quote_nullable(null), quote_nullable(1)",
	  "t|f|'it''s'|E'a\\\\b'|NULL|'1'" },
	{ "select to_hex(255), to_hex(-1), to_hex(-1::int8), to_hex(2147483648), 5 # 3, 5::int8 # -1",
	  "ff|ffffffff|ffffffffffffffff|80000000|6|-6" },
	{ "select encode('abc'::bytea, 'base64'), decode('YWJj', 'base64'), encode('\\x00ff5c41'::bytea, 'escape'), encode('\\x00ff'::bytea, 'hex'), decode('61 62', 'hex')",
	  "YWJj|\\x616263|\\000\\377\\\\A|00ff|\\x6162" },
	{ "select sqrt(16), power(2, 10), 2 ^ 3, exp(0), log10(1000), asin(1)",
	  "4|1024|8|1|3|1.5707963267948966" },
	{ "select make_date(2024, 2, 29), make_time(1, 2, 3.5), make_time(1, 2, 60), make_timestamp(2024, 1, 2, 3, 4, 5.5), make_timestamptz(2024, 7, 2, 3, 4, 5.5, 'America/New_York')",
	  "2024-02-29|01:02:03.5|01:03:00|2024-01-02 03:04:05.5|2024-07-02 07:04:05.5+00" },
	{ "select make_interval(days => 3, hours => 4), make_interval(1, 2, 3, 4, 5, 6, 7.5), make_interval(secs => -1.5), make_interval(years => 1, months => -13)",
	  "3 days 04:00:00|1 year 2 mons 25 days 05:06:07.5|-00:00:01.5|-1 mons" },
	{ "select to_date('05 Feb 2024', 'DD Mon YYYY'), to_date('20240205', 'YYYYMMDD'), to_date('February 5, 2024', 'Month DD, YYYY'), to_date('2024 060', 'YYYY DDD'), to_timestamp('05/02/2024 02:07 PM', 'DD/MM/YYYY HH12:MI AM'), to_timestamp(1700000000.5)", "2024-02-05|2024-02-05|2024-02-05|2024-02-29|2024-02-05 14:07:00+00|2023-11-14 22:13:20.5+00" },
	{ "select timestamp '2024-07-15 12:00' at time zone 'America/New_York', timestamp '2024-01-15 12:00' at time zone '+05', timestamptz '2024-01-15 12:00+00' at time zone 'Asia/Kolkata', timestamp '2024-03-10 02:30' at time zone 'America/New_York', timestamp '2024-11-03 01:30' at time zone 'America/New_York'",
	  "2024-07-15 16:00:00+00|2024-01-15 17:00:00+00|2024-01-15 17:30:00|2024-03-10 07:30:00+00|2024-11-03 06:30:00+00" },
	{ "select timestamp '2024-07-15 12:00' at time zone 'XYZ5ABC', timestamp '2024-07-15 12:00' at time zone '<+03>-3', timestamp '2060-07-01 12:00' at time zone 'Europe/Berlin', timestamp '2024-07-15 12:00' at time zone interval '2 hours', date '2024-01-15' at time zone 'Asia/Kolkata'",
	  "2024-07-15 16:00:00+00|2024-07-15 09:00:00+00|2060-07-01 10:00:00+00|2024-07-15 10:00:00+00|2024-01-15 05:30:00" },
	{ "select date '2024-01-15' = timestamp '2024-01-15 00:00', timestamptz '2024-01-15 05:00+05' = timestamp '2024-01-15 00:00', timestamp '2024-01-15 00:00' = '2024-01-15'",
	  "t|t|t" },
	{ "select pg_typeof(1), pg_typeof('a'), pg_typeof(1.5), pg_typeof(now()), pg_typeof(regexp_match('a', 'a'))",
	  "integer|unknown|numeric|timestamp with time zone|text[]" },
	{ "select string_agg(x, ',' order by x desc), string_agg(distinct x, '-'), string_agg(x, ',' order by y nulls first) from (values ('a', 1), ('c', null), ('b', 0), ('a', 2)) v(x, y)",
	  "c,b,a,a|a-b-c|c,b,a,a" },
	{ "select md5('abc'), md5(''), md5('héllo')",
	  "900150983cd24fb0d6963f7d28e17f72|d41d8cd98f00b204e9800998ecf8427e|be50e8478cf24ff3595bc7307fb91b50" },
	{ "select translate('12345', '143', 'ax'), translate('héllo', 'é', 'e'), reverse('héllo'), reverse('')",
	  "a2x5|hello|olléh|" },
	{ "select chr(65), chr(233), chr(8364), ascii('A'), ascii('é'), ascii('')",
	  "A|é|€|65|233|0" },
	{ "select format('Hello %s, %I and %L', 'World', 'Foo Bar', 'it''s'), format('%s|%s', null, 1), format('%L', null), format('%2$s %1$s', 'a', 'b'), format('[%5s][%-5s]', 'ab', 'cd'), format('%I', 'select'), format('%I', 'abc'), format('%%'), format('%L', 'a\\b')",
	  "Hello World, \"Foo Bar\" and 'it''s'||1|NULL|b a|[   ab][cd   ]|\"select\"|abc|%|E'a\\\\b'" },
	{ "select length('héllo'), octet_length('héllo'), char_length('abc'), length('')",
	  "5|6|3|0" },
	{ "select div(9, 4), div(-9, 4), mod(9, 4), mod(-9, 4), mod(5.5, 2), div(7.5, 2)",
	  "2|-2|1|-1|1.5|3" },
	{ "select trunc(2.678, 2), trunc(-2.678, 1), round(2.675, 2), round(-2.5), round(2.5), round(1234.5678, -2), round(1250, -2), round(1249, -2), round(-1250, -2), trunc(1299, -2)",
	  "2.67|-2.6|2.68|-3|3|1200|1300|1200|-1300|1200" },
	{ "select width_bucket(5.35, 0.024, 10.06, 5), width_bucket(0, 1, 10, 3), width_bucket(11, 1, 10, 3), width_bucket(5, 10, 0, 4)",
	  "3|0|4|3" },
	{ "select gcd(12, 18), gcd(-12, 18), gcd(0, 0), lcm(4, 6), lcm(0, 5), lcm(-4, 6)",
	  "6|6|0|12|0|12" },
	{ "select factorial(0), factorial(5), factorial(20), cbrt(27), cbrt(-8), log(100), ln(1), sign(-3), sign(0), sign(2.5)",
	  "1|120|2432902008176640000|3.0000000000000004|-2|2|0|-1|0|1" },
	{ "select extract(year from timestamp '2024-02-29 13:14:15.5'), extract(month from timestamp '2024-02-29 13:14:15.5'), extract(day from timestamp '2024-02-29 13:14:15.5'), extract(hour from timestamp '2024-02-29 13:14:15.5'), extract(minute from timestamp '2024-02-29 13:14:15.5')",
	  "2024|2|29|13|14" },
	{ "select extract(dow from timestamp '2024-02-29'), extract(isodow from timestamp '2024-03-03'), extract(doy from timestamp '2024-12-31'), extract(week from timestamp '2024-12-30'), extract(isoyear from timestamp '2024-12-30'), extract(quarter from timestamp '2024-08-01'), extract(century from timestamp '2000-06-01'), extract(decade from timestamp '2024-01-01'), extract(millennium from timestamp '2001-01-01')",
	  "4|7|366|1|2025|3|20|202|3" },
	{ "select date_part('year', timestamp '2024-05-06'), date_part('epoch', timestamp '1970-01-02'), extract(microseconds from timestamp '2024-01-01 00:00:01.25')",
	  "2024|86400|1250000" },
	{ "select date_trunc('month', timestamp '2024-02-29 13:14:15.5'), date_trunc('year', timestamp '2024-02-29 13:14:15.5'), date_trunc('day', timestamp '2024-02-29 13:14:15.5'), date_trunc('hour', timestamp '2024-02-29 13:14:15.5'), date_trunc('minute', timestamp '2024-02-29 13:14:15.5'), date_trunc('second', timestamp '2024-02-29 13:14:15.5')", "2024-02-01 00:00:00|2024-01-01 00:00:00|2024-02-29 00:00:00|2024-02-29 13:00:00|2024-02-29 13:14:00|2024-02-29 13:14:15" },
	{ "select date_trunc('week', timestamp '2024-03-03 10:00'), date_trunc('quarter', timestamp '2024-08-15'), date_trunc('decade', timestamp '2024-08-15'), date_trunc('century', timestamp '2024-08-15'), date_trunc('millennium', timestamp '2024-08-15'), date_trunc('milliseconds', timestamp '2024-01-01 00:00:00.123456')",
	  "2024-02-26 00:00:00|2024-07-01 00:00:00|2020-01-01 00:00:00|2001-01-01 00:00:00|2001-01-01 00:00:00|2024-01-01 00:00:00.123" },
	{ "select date_trunc('day', timestamptz '2024-02-29 13:14:15+00'), date_trunc('DAYS', timestamp '2024-02-29 13:14:15')",
	  "2024-02-29 00:00:00+00|2024-02-29 00:00:00" },
	{ "select timestamp '2024-01-31 10:00' + interval '1 month', timestamp '2024-01-31' + interval '1 month 1 day', timestamp '2024-03-31' - interval '1 month', timestamp '2024-01-01' + interval '36 hours', timestamptz '2024-01-01 00:00+00' - interval '1 second'",
	  "2024-02-29 10:00:00|2024-03-01 00:00:00|2024-02-29 00:00:00|2024-01-02 12:00:00|2023-12-31 23:59:59+00" },
	{ "select interval '1 day' + interval '2 hours', interval '2 hours', interval '1 year 2 months 3 days 04:05:06.5', interval '-1 day 2 hours', interval '90 minutes', interval '1.5 days', interval '1 week', interval '0 seconds'",
	  "1 day 02:00:00|02:00:00|1 year 2 mons 3 days 04:05:06.5|-1 days +02:00:00|01:30:00|1 day 12:00:00|7 days|00:00:00" },
	{ "select timestamp '2024-03-01' - timestamp '2024-01-01', timestamp '2024-01-01 12:00' - timestamp '2024-01-02', date '2024-03-01' - date '2024-01-01', date '2024-01-31' + 1, date '2024-01-31' + interval '1 month'",
	  "60 days|-12:00:00|60|2024-02-01|2024-02-29 00:00:00" },
	{ "select interval '1 hour' * 3, interval '1 day' / 2, -interval '2 days', 2 * interval '1 mon 1 day', interval '1 mon' * 1.5, interval '1 mon' / 7, interval '3 days' * 0.1",
	  "03:00:00|12:00:00|-2 days|2 mons 2 days|1 mon 15 days|4 days 06:51:25.6896|07:12:00" },
	{ "select time '10:00' + interval '3 hours', time '23:00' + interval '2 hours', time '12:00' - time '10:30', time '01:00' - interval '2 hours', interval '1 day 1 hour' + time '00:30'",
	  "13:00:00|01:00:00|01:30:00|23:00:00|01:30:00" },
	{ "select time '23:59:59.123456', time '08:00', '07:05'::time, time '12:00:01.50', '2024-01-02 03:04:05.25'::timestamp::time",
	  "23:59:59.123456|08:00:00|07:05:00|12:00:01.5|03:04:05.25" },
	{ "select time '08:00' < time '08:00:00.5', time '10:00' > time '9:00', time '24:00:00'",
	  "t|t|24:00:00" },
	{ "select justify_hours(interval '25 hours'), justify_days(interval '35 days'), justify_interval(interval '1 mon -1 hour'), justify_hours(interval '-27 hours'), justify_days(interval '-65 days')",
	  "1 day 01:00:00|1 mon 5 days|29 days 23:00:00|-1 days -03:00:00|-2 mons -5 days" },
	{ "select interval '1 mon' = interval '30 days', interval '1 day' = interval '24 hours', interval '1 day' < interval '25 hours', interval '2 days' <> interval '48:00:00'",
	  "t|t|t|f" },
	{ "select sum(v), avg(v) from (values (interval '1 day'), (interval '1 day 2 hours'), (null::interval)) t(v)",
	  "2 days 02:00:00|1 day 01:00:00" },
	{ "select 'NaN'::float8 + 1, 'Infinity'::float8 * 2, '-Infinity'::float8 - 1, 1::float8 / 4, round(2.5::float8), round(3.5::float8), round(-2.5::float8)",
	  "NaN|Infinity|-Infinity|0.25|2|4|-2" },
	{ "select age(timestamp '2024-03-15', timestamp '2023-01-20'), age(timestamp '2024-01-01', timestamp '2024-03-15 12:00'), age(timestamp '2024-03-01', timestamp '2024-01-31'), age(timestamp '2024-01-01', timestamp '2024-01-01')",
	  "1 year 1 mon 26 days|-2 mons -14 days -12:00:00|1 mon 1 day|00:00:00" },
	{ "select to_char(timestamp '2024-03-05 14:07:09.123456', 'YYYY-MM-DD HH24:MI:SS.MS US'), to_char(timestamp '2024-03-05 14:07:09', 'Mon Month Day Dy DD'), to_char(timestamp '2024-03-05 14:07:09', 'FMMonth FMDD, HH12 AM'), to_char(timestamptz '2024-03-05 14:07:09+00', 'YYYY TZ'), to_char(timestamp '2024-03-05 14:07:09', '\"Q\"Q DDD IW MONTH DAY mon')",
	  "2024-03-05 14:07:09.123 123456|Mar March     Tuesday   Tue 05|March 5, 02 PM|2024 UTC|Q1 065 10 MARCH     TUESDAY   mar" },
	{ "select * from generate_series(1, 3)", "1;2;3" },
	{ "select * from generate_series(5, 1, -2) as g", "5;3;1" },
	{ "select x from generate_series(1, 10, 4) as t(x)", "1;5;9" },
	{ "select count(*), sum(g) from generate_series(1, 100) g",
	  "100|5050" },
	{ "select * from generate_series(timestamp '2024-01-31', timestamp '2024-05-01', interval '1 month')",
	  "2024-01-31 00:00:00;2024-02-29 00:00:00;2024-03-29 00:00:00;2024-04-29 00:00:00" },
	{ "select * from generate_series('2024-01-01 00:00'::timestamptz, '2024-01-01 02:00'::timestamptz, '1 hour'::interval)",
	  "2024-01-01 00:00:00+00;2024-01-01 01:00:00+00;2024-01-01 02:00:00+00" },
	{ "select * from generate_series(1, 0)", "" },
	{ "select generate_series from generate_series(3, 4)", "3;4" },
	{ "select 'aa' ~ '^a{2}$', 'Ab' ~* '^[a-z]+$', 'x1' ~ '[\\d]', 'abc' ~ 'a|z', 'a.b' ~ 'a\\.b'",
	  "t|t|t|t|t" },
	{ "select to_char(timestamp '2024-01-01 00:05:00', 'HH12:MI am'), to_char(timestamp '2024-12-31 23:59:59.999999', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), to_char(date '2024-07-04', 'Dy, DD Mon YYYY')",
	  "12:05 am|2024-12-31T23:59:59.999999|Thu, 04 Jul 2024" },
	{ "select interval '1 day ago', interval '-1 year -2 months', interval '25 hours', interval '1 mon -1 day', interval 'P1Y2M3DT4H5M6S', interval '@ 3 days 2 hours'",
	  "-1 days|-1 years -2 mons|25:00:00|1 mon -1 days|1 year 2 mons 3 days 04:05:06|3 days 02:00:00" },
	{ "select date_trunc('month', date '2024-03-15'), extract(year from date '2024-03-15'), date_part('epoch', interval '1 day 2 hours'), extract(hour from interval '26 hours'), date_part('month', interval '14 months')",
	  "2024-03-01 00:00:00+00|2024|93600|26|2" },
	{ "select timestamp '2024-02-29' + interval '1 year', timestamp '2024-01-31' + interval '-1 day', interval '1 hour' + timestamp '2024-01-01', date '2024-03-01' - 1, timestamp '2024-01-01 10:00:00.25' - timestamp '2024-01-01'",
	  "2025-02-28 00:00:00|2024-01-30 00:00:00|2024-01-01 01:00:00|2024-02-29|10:00:00.25" },
	{ "select lower('ǅ'), upper('ﬀ'), initcap('ÉCOLE normale'), length('日本語'), reverse('日本語'), left('日本語', -1), lpad('日本', 4, '語')",
	  "ǆ|ﬀ|École Normale|3|語本日|日本|語語日本" },
	/* A C.UTF-8 database folds by Unicode; a collation whose ctype is
	 * C folds ASCII only (pg_upper_c and its twins, expr.c). */
	{ "select upper('éàÿ straße' collate \"C\"), lower('ÉÀ ABC' collate \"POSIX\"), initcap('éa àb ÉCOLE 3x' collate ucs_basic), 'ÉTÉ' ilike 'été', 'ÉTÉ' ilike 'été' collate \"C\", 'Ab' ilike 'aB' collate \"C\", 'ǅx' ilike 'ǆ%'",
	  "éàÿ STRAßE|ÉÀ abc|éA àB ÉCole 3x|t|f|t|t" },
	{ "select 'a_b' ilike 'AX_B' escape 'X', 'aXb' ilike 'AX_B' escape 'X', 'A%x' ilike 'aX%%' escape 'X', 'Ab' not ilike 'aB', 'K' ilike 'k', 'Straße' ilike 'STRASSE'",
	  "t|f|t|f|t|f" },
	{ "select * from generate_series(10, 1, -3) as t(n) order by n",
	  "1;4;7;10" },
	{ "select concat(true, 1), concat_ws('-', 1.0::float8, 2.50), 'x' || "
	  "true, 1.0::float8::text",
	  "t1|1-2.50|xtrue|1" },
	{ "select s, s * 2 from generate_series(1, 3) s where s > 1",
	  "2|4;3|6" },
	{ "select log(2, 8)", "3.0000000000000000" },
};

/*
 * Where triode knowingly differs from PostgreSQL (numeric is a double
 * without a scale; see functions.c): the query, PostgreSQL's output, and
 * ours.  Kept here so that a change in either direction is noticed.
 */
static const struct {
	const char *pg, *postgres, *triode;
} known_differences[] = {
	{ "select extract(second from timestamp '2024-01-02 03:04:05')",
	  "5.000000", "5" },
	{ "select extract(epoch from timestamptz '2024-01-02 03:04:05+00')",
	  "1704164645.000000", "1704164645" },
	{ "select * from generate_series(0.5, 2, 0.5)", "0.5;1.0;1.5;2.0",
	  "0.5;1;1.5;2" },
};

/* Errors: PostgreSQL's SQLSTATE for each (checked on PostgreSQL 15). */
static const struct {
	const char *pg, *sqlstate;
} pg_errors[] = {
	{ "select 'a' ~ '('", "2201B" },
	{ "select 'a' ~* '[z-a]'", "2201B" },
	{ "select split_part('a,b', ',', 0)", "22023" },
	{ "select 1e308::float8 * 10", "22003" },
	{ "select 1e-300::float8 * 1e-300::float8", "22003" },
	{ "select 1::float8 / 0", "22012" },
	{ "select interval '1 day' / 0", "22012" },
	{ "select '25:00:00'::time", "22008" },
	{ "select 'abc'::time", "22007" },
	{ "select justify_days('x'::text::interval)", "22007" },
	{ "select chr(0)", "54000" },
	{ "select chr(1114112)", "54000" },
	{ "select format('%s %I', 1)", "22023" },
	{ "select format('%x', 1)", "22023" },
	{ "select format('%I', null)", "22004" },
	{ "select repeat('x', 2000000000)", "54000" },
	{ "select width_bucket(1, 1, 1, 3)", "2201G" },
	{ "select width_bucket(1, 1, 2, 0)", "2201G" },
	{ "select log(0)", "2201E" },
	{ "select ln(-1)", "2201E" },
	{ "select factorial(-1)", "2201F" },
	{ "select div(1, 0)", "22012" },
	{ "select mod(1.5, 0)", "22012" },
	{ "select 1.5 % 0", "22012" },
	{ "select gcd((-9223372036854775808)::int8, 0::int8)", "22003" },
	{ "select extract(foo from timestamp '2024-01-02')", "22023" },
	{ "select date_trunc('foo', timestamp '2024-01-02')", "22023" },
	{ "select extract(timezone from timestamp '2024-01-02')", "0A000" },
	{ "select '2024-13-01'::timestamp", "22008" },
	{ "select 'garbage'::timestamptz", "22007" },
	{ "select date_trunc('day', 'x')", "22007" },
	{ "select 'x'::interval", "22007" },
	{ "select * from generate_series(1, 3, 0)", "22023" },
	{ "select * from generate_series(timestamp '2024-01-01', timestamp "
	  "'2024-01-02', interval '0 days')",
	  "22023" },
	{ "select 'a' similar to 'a#' escape '#'", "22025" },
	{ "select generate_series(1, 2), generate_series(1, 3)", "0A000" },
	{ "select * from generate_series(1, 3) with ordinality", "0A000" },
	{ "select * from unnest(array[1], array[2])", "0A000" },
	{ "select regexp_match('abc', 'b', 'g')", "22023" },
	{ "select regexp_replace('abc', 'b', 'x', 'z')", "22023" },
	{ "select regexp_replace('abc', 'b', 'x', 0)", "22023" },
	{ "select regexp_replace('abc', '(', 'x')", "2201B" },
	{ "select substr('hello', 1, -1)", "22011" },
	{ "select substring('abc' from 2 for -1)", "22011" },
	{ "select sqrt(-1)", "2201F" },
	{ "select log10(0)", "2201E" },
	{ "select power(0, -1)", "2201F" },
	{ "select power(-8, 0.5::float8)", "2201F" },
	{ "select exp(1000::float8)", "22003" },
	{ "select asin(2)", "22003" },
	{ "select sin('Infinity'::float8)", "22003" },
	{ "select acosh(0.5)", "22003" },
	{ "select atanh(2)", "22003" },
	{ "select decode('abc', 'hex')", "22023" },
	{ "select decode('YWJ', 'base64')", "22023" },
	{ "select encode('abc'::bytea, 'foo')", "22023" },
	{ "select make_date(2023, 2, 29)", "22008" },
	{ "select make_date(0, 1, 1)", "22008" },
	{ "select make_time(25, 0, 0)", "22008" },
	{ "select make_timestamp(2024, 2, 3, 1, 2, 60.5)", "22008" },
	{ "select make_timestamptz(2024, 1, 1, 0, 0, 0, 'Mars/Olympus')",
	  "22023" },
	{ "select make_interval(weeks => 1, weeks => 2)", "42601" },
	{ "select make_interval(fortnights => 1)", "42883" },
	{ "select to_date('2024-13-45', 'YYYY-MM-DD')", "22008" },
	{ "select to_date('2024-02-x', 'YYYY-MM-DD')", "22007" },
	{ "select to_date('xyz 2024', 'Mon YYYY')", "22007" },
	{ "select to_timestamp('2024 13:30 pm', 'YYYY HH12:MI pm')", "22007" },
	{ "select timestamp '2024-01-15 12:00' at time zone 'foo'", "22023" },
	{ "select 1 at time zone 'UTC'", "42883" },
	{ "select timestamp '2024-01-15 12:00' at time zone '../../etc/passwd'",
	  "22023" },
	{ "select timestamp '2024-01-15 12:00' at time zone interval '1 day'",
	  "22023" },
	{ "select string_agg(distinct x, ',' order by y) from (values ('a', 1)) "
	  "v(x, y)",
	  "42P10" },
};

static void test_errors_keep_postgres_sqlstates(void **state)
{
	struct fixture *f = *state;
	int bad = 0;
	for (size_t i = 0; i < TR_ARRAY_LEN(pg_errors); i++) {
		const char *st, *sql;
		const char *got = run(f, pg_errors[i].pg, &st, &sql);
		if (got != NULL || strcmp(st, pg_errors[i].sqlstate) != 0) {
			print_error("<%s>: want %s, got %s <%s>\n sql <%s>\n",
				    pg_errors[i].pg, pg_errors[i].sqlstate,
				    st ? st : "rows", got ? got : "",
				    sql ? sql : "");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* NULL in, NULL out (strict functions); concat/concat_ws/format as in
 * PostgreSQL (checked on PostgreSQL 15). */
static const struct ecase nulls[] = {
	{ "select lpad(null, 3), rpad('a', null), repeat(null, 2), "
	  "initcap(null), lower(null), split_part('a', null, 1), left(null, 1), "
	  "right('a', null), md5(null), translate('a', null, 'b'), "
	  "reverse(null), chr(null), ascii(null)",
	  "N|N|N|N|N|N|N|N|N|N|N|N|N" },
	{ "select 5.5 % 2, -7 % 3, 7.5 % -2", "1.5|-1|1.5" },
	{ "select div(null, 1), mod(1, null), round(null::numeric, 1), "
	  "trunc(1.5, null), width_bucket(null, 1, 2, 3), gcd(null, 1), "
	  "factorial(null), cbrt(null), log(null), ln(null)",
	  "N|N|N|N|N|N|N|N|N|N" },
	{ "select date_trunc(null, timestamp '2024-01-01'), "
	  "date_trunc('day', null::timestamp), extract(year from "
	  "null::timestamp), date_part(null, timestamp '2024-01-01'), "
	  "age(null::timestamp, timestamp '2024-01-01'), to_char(null::timestamp, "
	  "'YYYY'), null::timestamp + interval '1 day', timestamp "
	  "'2024-01-01' - null::interval",
	  "N|N|N|N|N|N|N|N" },
	{ "select null::text ~ 'a', 'a' ~* null, null::text similar to 'a', "
	  "concat(null, null), concat_ws(',', null), format(null), format('%s', "
	  "null), format('%L', null)",
	  "N|N|N|||N||NULL" },
	{ "select count(*) from generate_series(1, null::int)", "0" },
};

static void test_null_handling(void **state)
{
	struct fixture *f = *state;
	int bad = 0;
	for (size_t i = 0; i < TR_ARRAY_LEN(nulls); i++) {
		const char *st, *sql;
		const char *got = run(f, nulls[i].pg, &st, &sql);
		if (got == NULL || strcmp(got, nulls[i].want) != 0) {
			print_error("<%s>:\n want <%s>\n got  <%s> %s\n sql "
				    "<%s>\n",
				    nulls[i].pg, nulls[i].want, got ? got : "",
				    st ? st : "", sql ? sql : "");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Translation: what the translator emits for the new mappings. */
static void test_translations(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *pg, *want;
	} cases[] = {
		{ "select a ~ 'x', a !~* $1 from t",
		  "SELECT pg_regexp_match(a, 'x') AS \"?column?\", (NOT "
		  "pg_regexp_match(a, ?1, 'i')) AS \"?column?\" FROM t" },
		{ "select a similar to b escape '!' from t",
		  "SELECT pg_regexp_match(a, pg_similar_escape(b, '!')) AS "
		  "\"?column?\" FROM t" },
		{ "select a not similar to 'x.%' from t",
		  "SELECT (NOT pg_regexp_match(a, '^(x\\..*)$')) AS "
		  "\"?column?\" FROM t" },
		{ "select extract(year from a), date_trunc('day', a) from t",
		  "SELECT pg_extract('year', a) AS extract, "
		  "pg_date_trunc('day', a) AS date_trunc FROM t" },
		{ "select a + interval '1 day', now() - a from t",
		  "SELECT pg_dt_add(a, pg_interval('1 day')) AS \"?column?\", "
		  "pg_dt_sub(pg_now(0, 0), a) AS \"?column?\" FROM t" },
		{ "select g from generate_series(1, $1) g",
		  "SELECT g FROM (SELECT value AS g FROM "
		  "pg_generate_series(1, ?1)) AS g" },
		{ "select * from generate_series(1::int8, 3) as s(n)",
		  "SELECT * FROM (SELECT value AS n FROM "
		  "pg_generate_series_int8(1, 3)) AS s" },
		{ "select * from pg_catalog.generate_series('2024-01-01', "
		  "'2024-01-02', interval '1 hour')",
		  "SELECT * FROM (SELECT value AS generate_series FROM "
		  "pg_generate_series_tstz('2024-01-01', '2024-01-02', "
		  "pg_interval('1 hour'))) AS generate_series" },
	};
	int bad = 0;
	for (size_t i = 0; i < TR_ARRAY_LEN(cases); i++) {
		struct sql_batch b;
		struct sql_error err;
		assert_int_equal(sql_parse(&f->a, cases[i].pg, &b, &err),
				 TR_OK);
		struct sql_stmt *st = &b.stmts[0];
		if (st->failed || strcmp(st->sqlite, cases[i].want) != 0) {
			print_error("<%s>:\n want <%s>\n got  <%s>\n",
				    cases[i].pg, cases[i].want,
				    st->failed ? st->error.message
					       : st->sqlite);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Static result types (RowDescription before execution). */
static void test_result_types(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *pg;
		uint32_t oids[4];
	} cases[] = {
		{ "select extract(year from now()), date_part('day', now()), "
		  "date_trunc('day', now()), date_trunc('day', "
		  "'2024-01-01'::timestamp)",
		  { SQL_OID_NUMERIC, SQL_OID_FLOAT8, SQL_OID_TIMESTAMPTZ,
		    SQL_OID_TIMESTAMP } },
		{ "select concat('a'), lpad('a', 2), md5('a'), to_char(now(), "
		  "'YYYY')",
		  { SQL_OID_TEXT, SQL_OID_TEXT, SQL_OID_TEXT, SQL_OID_TEXT } },
		{ "select 'a' ~ 'b', 'a' similar to 'b', width_bucket(1, 0, 2, "
		  "2), age(now(), now())",
		  { SQL_OID_BOOL, SQL_OID_BOOL, SQL_OID_INT4,
		    SQL_OID_INTERVAL } },
		{ "select now() + interval '1 day', interval '1 day' + "
		  "interval '1 hour', '2024-01-01'::date - '2023-01-01'::date, "
		  "now() - now()",
		  { SQL_OID_TIMESTAMPTZ, SQL_OID_INTERVAL, SQL_OID_INT4,
		    SQL_OID_INTERVAL } },
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(cases); i++) {
		struct sql_batch b;
		struct sql_error err;
		assert_int_equal(sql_parse(&f->a, cases[i].pg, &b, &err),
				 TR_OK);
		struct sql_stmt *st = &b.stmts[0];
		assert_false(st->failed);
		assert_int_equal(st->n_cols, 4);
		for (unsigned k = 0; k < 4; k++) {
			if (st->cols[k].type_oid != cases[i].oids[k]) {
				fail_msg("<%s> column %u: want %u got %u",
					 cases[i].pg, k, cases[i].oids[k],
					 st->cols[k].type_oid);
			}
		}
	}
	/* generate_series columns get their type from the module's
	 * declared type, through the catalog mirror. */
	static const struct {
		const char *pg;
		uint32_t oid;
	} series[] = {
		{ "select * from generate_series(1, 2)", SQL_OID_INT4 },
		{ "select g from generate_series(1::int8, 2) g", SQL_OID_INT8 },
		{ "select * from generate_series(0.5, 2)", SQL_OID_NUMERIC },
		{ "select * from generate_series(now(), now(), '1 day')",
		  SQL_OID_TIMESTAMPTZ },
		{ "select * from generate_series('2024-01-01'::timestamp, "
		  "'2024-01-02'::timestamp, '1 day')",
		  SQL_OID_TIMESTAMP },
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(series); i++) {
		struct sql_batch b;
		struct sql_error err;
		assert_int_equal(sql_parse(&f->a, series[i].pg, &b, &err),
				 TR_OK);
		struct sql_column *cols;
		unsigned n;
		assert_int_equal(sql_catalog_describe(f->cat, &b.stmts[0],
						      &f->a, &cols, &n, &err),
				 TR_OK);
		assert_int_equal(n, 1);
		if (cols[0].type_oid != series[i].oid) {
			fail_msg("<%s>: want %u got %u", series[i].pg,
				 series[i].oid, cols[0].type_oid);
		}
	}
}

/* extract()'s numeric display scale, as PostgreSQL 15 prints it
 * (12.500000, 1500.000, a date's epoch whole); interval results of the
 * date/time operators. */
static void test_datetime_result_types(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *pg;
		uint32_t oid;
		int scale; /* -1: no typmod */
	} cases[] = {
		{ "select extract(second from now())", SQL_OID_NUMERIC, 6 },
		{ "select extract(ms from now())", SQL_OID_NUMERIC, 3 },
		{ "select extract(epoch from interval '1 day')", SQL_OID_NUMERIC,
		  6 },
		{ "select extract(epoch from '2024-01-01'::date)",
		  SQL_OID_NUMERIC, 0 },
		{ "select extract(year from now())", SQL_OID_NUMERIC, 0 },
		{ "select interval '1 hour' * 2", SQL_OID_INTERVAL, -1 },
		{ "select 2 * interval '1 hour'", SQL_OID_INTERVAL, -1 },
		{ "select interval '1 hour' / 2", SQL_OID_INTERVAL, -1 },
		{ "select -interval '1 hour'", SQL_OID_INTERVAL, -1 },
		{ "select time '10:00' + interval '1 hour'", SQL_OID_TIME, -1 },
		{ "select time '10:00' - time '09:00'", SQL_OID_INTERVAL, -1 },
		{ "select justify_interval(interval '1 day')", SQL_OID_INTERVAL,
		  -1 },
		{ "select 1::float8 * 2", SQL_OID_FLOAT8, -1 },
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(cases); i++) {
		struct sql_batch b;
		struct sql_error err;
		assert_int_equal(sql_parse(&f->a, cases[i].pg, &b, &err),
				 TR_OK);
		struct sql_stmt *st = &b.stmts[0];
		assert_false(st->failed);
		int32_t want = cases[i].scale < 0
				       ? -1
				       : sql__numeric_scale_typmod(
						 cases[i].scale);
		if (st->cols[0].type_oid != cases[i].oid ||
		    st->cols[0].typmod != want) {
			fail_msg("<%s>: want %u/%d got %u/%d", cases[i].pg,
				 cases[i].oid, want, st->cols[0].type_oid,
				 st->cols[0].typmod);
		}
	}
}

/* The error mapper honours the SQLSTATE tag of triode's functions. */
static void test_sqlstate_tag(void **state)
{
	struct fixture *f = *state;
	struct sql_error e;
	sql_error_from_sqlite(&e, &f->a, 1,
			      "22023: field position must not be zero");
	assert_string_equal(e.sqlstate, "22023");
	assert_string_equal(e.message, "field position must not be zero");
	/* Not a tag: SQLite's own messages. */
	sql_error_from_sqlite(&e, &f->a, 1, "ABCDE: something");
	assert_string_equal(e.sqlstate, "XX000");
	sql_error_from_sqlite(&e, &f->a, 1, "no such function: foo");
	assert_string_equal(e.sqlstate, "42883");
}

/* sql_functions_register_auto: every connection opened afterwards has
 * the functions (as dqlite's leader connections will). */
static void test_auto_extension(void **state)
{
	TR_UNUSED(state);
	sql_functions_register_auto();
	sql_functions_register_auto(); /* idempotent */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	sqlite3_stmt *ps;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT pg_initcap('ab cd'), "
					    "(SELECT count(*) FROM "
					    "pg_generate_series(1, 5))",
					    -1, &ps, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(ps), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(ps, 0), "Ab Cd");
	assert_int_equal(sqlite3_column_int(ps, 1), 5);
	sqlite3_finalize(ps);
	sqlite3_close(db);
	sqlite3_reset_auto_extension();
}

static void test_matches_postgres(void **state)
{
	struct fixture *f = *state;
	int bad = 0;
	for (size_t i = 0; i < TR_ARRAY_LEN(pg_outputs); i++) {
		const char *st, *sql;
		const char *got = run(f, pg_outputs[i].pg, &st, &sql);
		if (got == NULL) {
			print_error("<%s>: failed %s\n sql <%s>\n",
				    pg_outputs[i].pg, st, sql ? sql : "");
			bad++;
		} else if (strcmp(got, pg_outputs[i].want) != 0) {
			print_error("<%s>:\n want <%s>\n got  <%s>\n sql  "
				    "<%s>\n",
				    pg_outputs[i].pg, pg_outputs[i].want, got,
				    sql);
			bad++;
		}
	}
	for (size_t i = 0; i < TR_ARRAY_LEN(known_differences); i++) {
		const char *st, *sql;
		const char *got = run(f, known_differences[i].pg, &st, &sql);
		if (got == NULL ||
		    strcmp(got, known_differences[i].triode) != 0) {
			print_error("<%s>: documented difference changed: "
				    "<%s>\n",
				    known_differences[i].pg,
				    got ? got : "(error)");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_matches_postgres),
		T(test_errors_keep_postgres_sqlstates),
		T(test_null_handling),
		T(test_translations),
		T(test_result_types),
		T(test_datetime_result_types),
		T(test_sqlstate_tag),
		T(test_auto_extension),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
