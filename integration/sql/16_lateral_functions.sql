-- LATERAL: set-returning functions in FROM that read an earlier FROM
-- item (PostgreSQL's implicit LATERAL: unnest, generate_series and the
-- json[b] functions, bare and with LATERAL, aliases and ordinality), and
-- LATERAL subqueries returning any number of rows (top-N per group).
-- Tables are prefixed c16_.

CREATE TABLE c16_ar (id int4 PRIMARY KEY, tags text[], nums int4[], doc jsonb, n int4);
INSERT INTO c16_ar VALUES (1, '{a,b}', '{10,20,30}', '[{"k": 1}, {"k": 2}]', 2), (2, '{c}', '{}', '[]', 0), (3, NULL, '{5}', '{"x": 5, "y": [1]}', 1);
SELECT id, t FROM c16_ar, unnest(c16_ar.tags) AS t ORDER BY id, t;
SELECT id, t FROM c16_ar, unnest(tags) t ORDER BY id, t;
SELECT id, v, v * 2 AS twice FROM c16_ar, unnest(nums) AS v WHERE v > 5 ORDER BY id, v;
SELECT id, x.t, x.n FROM c16_ar CROSS JOIN LATERAL unnest(tags) WITH ORDINALITY AS x(t, n) ORDER BY id, x.n;
SELECT a.id, x.t FROM c16_ar a LEFT JOIN LATERAL unnest(a.tags) x(t) ON true ORDER BY a.id, x.t;
SELECT id, g FROM c16_ar, generate_series(1, c16_ar.n) g ORDER BY id, g;
SELECT id, e->>'k' AS k FROM c16_ar, jsonb_array_elements(doc) e WHERE jsonb_typeof(doc) = 'array' ORDER BY id, k;
SELECT id, j.k, j.v FROM c16_ar, jsonb_each(doc) AS j(k, v) WHERE jsonb_typeof(doc) = 'object' ORDER BY j.k;
SELECT id, key FROM c16_ar, jsonb_object_keys(CASE WHEN jsonb_typeof(doc) = 'object' THEN doc ELSE '{}' END) key ORDER BY id, key;
SELECT id, count(*) AS n, sum(v) AS total FROM c16_ar, unnest(nums) v GROUP BY id ORDER BY id;
SELECT id, t FROM c16_ar, LATERAL unnest(tags) AS t WHERE t <> 'b' ORDER BY 1, 2;
SELECT * FROM c16_ar, unnest(c16_ar.tags) AS t WHERE id < 3 ORDER BY id, t;
SELECT * FROM c16_ar a, unnest(a.nums) WITH ORDINALITY AS x(v, pos) ORDER BY id, pos;
DROP TABLE c16_ar;
CREATE TABLE c16_dept (id int4 PRIMARY KEY, name text);
CREATE TABLE c16_emp (id int4 PRIMARY KEY, dept int4, name text, salary numeric(10,2));
INSERT INTO c16_dept VALUES (1, 'eng'), (2, 'ops'), (3, 'empty');
INSERT INTO c16_emp VALUES (1, 1, 'ann', 100), (2, 1, 'bob', 90), (3, 1, 'cid', 80), (4, 2, 'dee', 70), (5, 2, 'eve', 75);
SELECT d.name, top.name, top.salary FROM c16_dept d CROSS JOIN LATERAL (SELECT name, salary FROM c16_emp e WHERE e.dept = d.id ORDER BY salary DESC LIMIT 2) top ORDER BY d.name, top.salary DESC;
SELECT d.name, t.n FROM c16_dept d LEFT JOIN LATERAL (SELECT name AS n FROM c16_emp e WHERE e.dept = d.id ORDER BY name) t ON true ORDER BY d.name, t.n;
SELECT d.name, x.n, x.s FROM c16_dept d, LATERAL (SELECT e.name, e.salary * 2 FROM c16_emp e WHERE e.dept = d.id) AS x(n, s) ORDER BY 1, 2;
SELECT d.id, c.cnt FROM c16_dept d, LATERAL (SELECT count(*) AS cnt FROM c16_emp e WHERE e.dept = d.id) c ORDER BY 1;
SELECT d.name, q.w FROM c16_dept d JOIN LATERAL (SELECT salary AS w FROM c16_emp WHERE dept = d.id AND salary > 75) q ON true ORDER BY 1, 2;
DROP TABLE c16_emp;
DROP TABLE c16_dept;
