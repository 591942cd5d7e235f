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
