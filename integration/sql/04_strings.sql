-- String functions and operators; LIKE/ILIKE with escapes, SIMILAR TO,
-- POSIX regular expressions.  Tables are prefixed c04_.
--
-- The reference cluster is initdb --locale=C, where lower/upper/ILIKE
-- fold ASCII only; triode folds case as a C.UTF-8 ctype does, so the
-- non-ASCII cases name that collation explicitly (COLLATE "C.utf8").

SELECT concat('a', NULL, 'b', 1, true) AS c, concat_ws('-', 'a', NULL, 'b') AS cws, 'a' || NULL AS pipe_null, 'x' || 1 || 'y' AS pipe_num;
SELECT lower('ABC xYz') AS lo_ascii, upper('àbc') AS up_mixed, lower('ÀÉÎ ABC' COLLATE "C.utf8") AS lo, upper('àéî straße' COLLATE "C.utf8") AS up;
SELECT length('héllo') AS len, char_length('abc') AS cl, length('') AS empty;
SELECT substring('hello world' from 7) AS s1, substring('hello world' from 1 for 5) AS s2, substr('hello', 2, 3) AS s3, substr('hello', 0, 2) AS s4;
SELECT substring('hello' from -1 for 3) AS neg_start, substr('héllo', 2) AS uni;
SELECT position('lo' in 'hello') AS p, strpos('hello', 'l') AS sp, position('z' in 'hello') AS none;
SELECT trim('  x  ') AS t, btrim('xxhixx', 'x') AS bt, ltrim('  x') AS lt, rtrim('x  ') AS rt, trim(both 'ab' from 'abcba') AS tb, trim(leading '0' from '000120') AS tl;
SELECT replace('aaa', 'a', 'bb') AS r, replace('abc', '', 'x') AS r_empty, translate('hello', 'el', 'ip') AS tr;
SELECT split_part('a,b,c', ',', 2) AS sp2, split_part('a,b,c', ',', 5) AS sp5, split_part('a,b,c', ',', -1) AS sp_neg;
SELECT left('abcdef', 2) AS l, right('abcdef', 2) AS r, left('abcdef', -2) AS lneg, right('abcdef', -2) AS rneg;
SELECT lpad('5', 3, '0') AS lp, rpad('ab', 5, 'xy') AS rp, lpad('abcdef', 3) AS lp_trunc, lpad('x', 4) AS lp_space;
SELECT repeat('ab', 3) AS rep, repeat('x', 0) AS rep0, reverse('abc') AS rev;
SELECT initcap('hello wORLD foo-bar') AS ic, md5('abc') AS m, md5('') AS m_empty;
SELECT format('%s is %s', 'x', 42) AS f1, format('%I.%L', 'my table', 'it''s') AS f2, format('%3s|%-3s|', 'a', 'b') AS f3, format('%%') AS f4;
SELECT format('%s', NULL) AS fnull, format('%L', NULL) AS lnull, format('%2$s %1$s', 'a', 'b') AS fpos;
SELECT ascii('A') AS a, chr(66) AS b, starts_with('hello', 'he') AS sw;
SELECT 'abc' < 'abd' AS lt, 'B' < 'a' AS c_collation, 'abc' = 'abc ' AS trailing;
SELECT quote_ident('a b') AS qi, quote_literal('it''s') AS ql, quote_nullable(NULL) AS qn;
SELECT string_to_array('a,b,c', ',') AS sta, array_to_string(ARRAY['x', 'y'], '+') AS ats;
SELECT to_hex(255) AS hx, encode('abc'::bytea, 'base64') AS b64, decode('YWJj', 'base64') AS unb64, encode('\x00ff'::bytea, 'hex') AS enc_hex;
SELECT 'hello' LIKE 'h%' AS l1, 'hello' LIKE 'H%' AS l2, 'hello' LIKE '_ello' AS l3, 'hello' NOT LIKE '%z%' AS l4;
SELECT 'Hello' ILIKE 'h%' AS il1, 'ÉTÉ' ILIKE 'été' COLLATE "C.utf8" AS il_uni, 'hello' NOT ILIKE 'H%' AS il3;
SELECT '50%' LIKE '50\%' AS esc_default, '50x' LIKE '50\%' AS esc_default_no, 'a_b' LIKE 'a#_b' ESCAPE '#' AS esc_hash, 'axb' LIKE 'a#_b' ESCAPE '#' AS esc_hash_no;
SELECT 'abc' ~~ 'a%' AS op_like, 'ABC' ~~* 'a%' AS op_ilike, 'abc' !~~ 'b%' AS op_not_like;
SELECT 'abc' SIMILAR TO 'a%' AS s1, 'abc' SIMILAR TO '(a|b)%' AS s2, 'abc' SIMILAR TO 'b%' AS s3, 'aaa' SIMILAR TO 'a{3}' AS s4;
SELECT 'hello' ~ '^h.*o$' AS r1, 'Hello' ~ '^h' AS r2, 'Hello' ~* '^h' AS r3, 'hello' !~ 'z' AS r4, 'Hello' !~* 'H' AS r5;
SELECT 'abc123' ~ '[0-9]+' AS digits, 'foo.bar' ~ '\.' AS dot, 'a+b' ~ 'a\+b' AS plus;
SELECT regexp_replace('foo bar baz', 'ba.', 'X') AS rr1, regexp_replace('foo bar baz', 'ba.', 'X', 'g') AS rr_g, regexp_replace('abc', '(b)', '[\1]') AS rr_ref;
SELECT substring('abc123def' from '[0-9]+') AS sub_re, regexp_match('key=val', '(\w+)=(\w+)') AS rm;
CREATE TABLE c04_names (id int4 PRIMARY KEY, name text, email varchar(100));
INSERT INTO c04_names VALUES (1, 'Alice', 'alice@example.com'), (2, 'bob', 'BOB@example.org'), (3, 'Ålvar', 'alvar@example.com'), (4, 'carol_x', 'carol%1@example.com'), (5, NULL, 'none@example.net');
SELECT id FROM c04_names WHERE name LIKE 'A%' ORDER BY id;
SELECT id FROM c04_names WHERE name ILIKE 'a%' ORDER BY id;
SELECT id FROM c04_names WHERE name ILIKE 'å%' COLLATE "C.utf8" ORDER BY id;
SELECT id FROM c04_names WHERE name LIKE '%\_%' ORDER BY id;
SELECT id FROM c04_names WHERE email LIKE '%!%%' ESCAPE '!' ORDER BY id;
SELECT id FROM c04_names WHERE email ~* '\.(com|net)$' ORDER BY id;
SELECT id FROM c04_names WHERE name SIMILAR TO '[a-c]%' ORDER BY id;
SELECT id, upper(name) AS up, lower(email) AS lo, length(name) AS len FROM c04_names ORDER BY id;
SELECT id, split_part(email, '@', 2) AS domain, left(name, 3) AS l3 FROM c04_names ORDER BY id;
SELECT id, coalesce(name, '?') || ' <' || email || '>' AS display FROM c04_names ORDER BY id;
SELECT id, name FROM c04_names ORDER BY lower(name) NULLS FIRST, id;
SELECT id, name FROM c04_names ORDER BY name;
SELECT lower(name) AS k, count(*) AS n FROM c04_names WHERE id <> 3 GROUP BY lower(name) ORDER BY k;
SELECT upper('abc'), length('abcd'), 'a' || 'b';
SELECT 'abc' ~ '(' AS bad_regex;
SELECT repeat('x', -1) AS neg_repeat, lpad('abc', 0) AS lp0;
SELECT substring('abc' from 2 for -1) AS neg_len;
DROP TABLE c04_names;
SELECT regexp_replace('Hello World', 'o', '0', 'g') AS rr_all, regexp_replace('Hello', 'L+', '_', 'i') AS rr_i, regexp_replace('abc', '(a)(b)', '\2\1\&') AS rr_refs, regexp_replace('aaa', 'a', 'b', 2) AS rr_start, regexp_replace('abc', 'x*', '-', 'g') AS rr_empty;
SELECT regexp_match('2024-02-05', '(\d+)-(\d+)-(\d+)') AS rm3, regexp_match('abc', 'z') AS rm_none, regexp_match('abc', '(a)|(z)') AS rm_null, regexp_match('a.b', '.', 'q') AS rm_lit;
SELECT regexp_split_to_array('a,b,,c', ',') AS split1, regexp_split_to_array('hello', '') AS split_chars, regexp_split_to_array('a1b22c', '\d+') AS split_re, regexp_split_to_array('', ',') AS split_empty;
SELECT regexp_like('Hello', 'h', 'i') AS rl, regexp_count('banana', 'an') AS rc, substring('foobar' from 'o(b)') AS sub_grp, substring('foobar' from 'z') AS sub_none, substring('abc' from '(x)?b') AS sub_unmatched;
SELECT regexp_match('abc', 'b', 'g');
SELECT regexp_replace('abc', 'b', 'x', 'z');
SELECT starts_with('hello', 'lo') AS sw_f, starts_with(NULL, 'a') AS sw_null, quote_ident('Abc') AS qi_upper, quote_ident('select') AS qi_kw, quote_ident('int') AS qi_colkw, quote_ident('name') AS qi_plain, quote_literal(E'a\\b') AS ql_bs, quote_literal(42) AS ql_num, quote_nullable('x') AS qn_x;
SELECT to_hex(-1) AS hx_neg, to_hex(-1::bigint) AS hx_neg8, to_hex(2147483648) AS hx_big, to_hex(0) AS hx0;
SELECT substr('hello', -1, 3) AS s_neg, substr('hello', 0) AS s0, substr('hello', 2, 0) AS s_empty, substr('hello', 10) AS s_past, substring('héllo' from 2 for 2) AS s_uni, substr('abc'::bytea, 2) AS s_bytea;
SELECT substr('hello', 1, -1);
SELECT encode('\x00ff5c41'::bytea, 'escape') AS esc, decode('YQ==', 'base64') AS d64, encode('hello world', 'base64') AS e64, decode('61 62', 'hex') AS dhex;
SELECT decode('abc', 'hex');
SELECT decode('YW!j', 'base64');
SELECT encode('abc'::bytea, 'foo');
CREATE TABLE c04_agg (id int4 PRIMARY KEY, grp text, name text);
INSERT INTO c04_agg VALUES (1, 'a', 'pear'), (2, 'a', 'apple'), (3, 'b', 'fig'), (4, 'a', 'apple'), (5, 'b', NULL), (6, 'b', 'date');
SELECT grp, string_agg(name, ',' ORDER BY name) AS asc_names, string_agg(name, ',' ORDER BY id DESC) AS by_id_desc FROM c04_agg GROUP BY grp ORDER BY grp;
SELECT string_agg(DISTINCT name, '|' ORDER BY name) AS distinct_names, string_agg(DISTINCT name, '|') AS distinct_plain FROM c04_agg;
SELECT string_agg(name, ',' ORDER BY name DESC NULLS FIRST) FILTER (WHERE id > 1) AS filt FROM c04_agg;
SELECT string_agg(name, ',' ORDER BY name) AS none FROM c04_agg WHERE id > 100;
SELECT string_agg(DISTINCT name, ',' ORDER BY id) FROM c04_agg;
DROP TABLE c04_agg;
