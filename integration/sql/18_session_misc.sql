-- Session facts, table locks, LIKE/ILIKE ANY|ALL over written-out
-- arrays, SHA-2 digests, settings read back, ON CONFLICT ON CONSTRAINT
-- VALUES with ORDER BY/LIMIT, ordered-set aggregates (percentile_cont,
-- percentile_disc, mode), num_nulls and regexp_split_to_table.  Tables
-- are prefixed c18_.

SELECT current_user = session_user AS same, user = current_role AS same2, pg_backend_pid() > 0 AS pid, current_setting('server_version_num')::int >= 150000 AS v15;
SELECT 'abc' LIKE ANY (ARRAY['a%', 'x%']) AS any1, 'abc' LIKE ALL (ARRAY['a%', 'x%']) AS all1, 'ABC' ILIKE ANY (ARRAY['a%']) AS iany, 'abc' NOT LIKE ALL (ARRAY['x%', 'y%']) AS nall;
SELECT 'abc' LIKE ANY (ARRAY['a%', NULL]) AS t_null, 'abc' LIKE ANY (ARRAY['x%', NULL]) AS n_null, 'abc' LIKE ALL (ARRAY[]::text[]) AS empty_all;
SELECT encode(sha256('abc'::bytea), 'hex') AS s256, encode(sha224('abc'), 'hex') AS s224, length(sha512('abc'::bytea)) AS l512, length(sha384('')) AS l384;
CREATE TABLE c18_t (id int4 PRIMARY KEY, v text);
LOCK TABLE c18_t IN ACCESS EXCLUSIVE MODE;
BEGIN;
LOCK TABLE c18_t IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO c18_t VALUES (1, 'locked');
COMMIT;
BEGIN;
LOCK c18_nope;
ROLLBACK;
SELECT id, v FROM c18_t WHERE v LIKE ANY (ARRAY['lo%', 'x']);
SELECT set_config('application_name', 'corpus', false) AS app;
SELECT current_setting('application_name') AS app, current_setting('no.such', true) IS NULL AS missing;
DROP TABLE c18_t;
CREATE TABLE c18_u (id int4 PRIMARY KEY, email text, n int4 DEFAULT 0, CONSTRAINT c18_u_email UNIQUE (email));
INSERT INTO c18_u VALUES (1, 'a@x') ON CONFLICT ON CONSTRAINT c18_u_email DO UPDATE SET n = c18_u.n + 1 RETURNING id, n;
INSERT INTO c18_u VALUES (2, 'a@x') ON CONFLICT ON CONSTRAINT c18_u_email DO UPDATE SET n = c18_u.n + 1 RETURNING id, n;
INSERT INTO c18_u VALUES (1, 'b@x') ON CONFLICT ON CONSTRAINT c18_u_pkey DO NOTHING;
INSERT INTO c18_u VALUES (3, 'c@x') ON CONFLICT ON CONSTRAINT c18_nope DO NOTHING;
SELECT id, email, n FROM c18_u ORDER BY id;
DROP TABLE c18_u;
VALUES (1, 'a'), (2, 'b'), (3, 'c') ORDER BY 1 DESC LIMIT 2;
VALUES (2), (1) ORDER BY column1 OFFSET 1;
CREATE TABLE c18_m (g text, v int4, x numeric(6,2));
INSERT INTO c18_m VALUES ('a', 1, 1.50), ('a', 2, 2.25), ('a', 4, 9.00), ('b', 3, 1.00), ('b', 3, 2.00), ('b', NULL, NULL);
SELECT g, percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS med, percentile_disc(0.5) WITHIN GROUP (ORDER BY v) AS dmed, mode() WITHIN GROUP (ORDER BY v) AS mo FROM c18_m GROUP BY g ORDER BY g;
SELECT percentile_cont(0.25) WITHIN GROUP (ORDER BY v DESC) AS q, percentile_disc(0.9) WITHIN GROUP (ORDER BY x) AS dx, mode() WITHIN GROUP (ORDER BY g DESC) AS mg FROM c18_m;
SELECT percentile_cont(1.5) WITHIN GROUP (ORDER BY v) FROM c18_m;
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS none FROM c18_m WHERE v > 100;
SELECT v, nth_value(v, 2) OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS second FROM c18_m WHERE v IS NOT NULL ORDER BY v;
SELECT num_nulls(1, NULL, NULL) AS nn, num_nonnulls(1, NULL, 'x') AS nnn;
SELECT x FROM regexp_split_to_table('a,b,,c', ',') x;
SELECT g, part FROM c18_m, regexp_split_to_table(g || '-' || v, '-') AS part WHERE v = 1 ORDER BY part;
DROP TABLE c18_m;
