-- Aggregates (string_agg/array_agg with ORDER BY, bool_and/bool_or,
-- FILTER), GROUP BY/HAVING, DISTINCT and DISTINCT ON, window functions.
-- Tables are prefixed c07_.

CREATE TABLE c07_sales (id int4 PRIMARY KEY, region text NOT NULL, rep text, amount numeric(10,2) NOT NULL, qty int4, ok bool);
INSERT INTO c07_sales VALUES (1, 'east', 'ann', 100.00, 1, true), (2, 'east', 'bob', 250.50, 3, true), (3, 'west', 'cid', 75.25, 2, false), (4, 'west', 'ann', 300.00, 5, true), (5, 'east', 'ann', 50.00, NULL, NULL), (6, 'north', NULL, 10.00, 1, false), (7, 'west', 'dee', 75.25, 4, true);
SELECT count(*) AS n, count(rep) AS n_rep, count(DISTINCT rep) AS n_reps, sum(amount) AS total, min(amount) AS mn, max(amount) AS mx FROM c07_sales;
SELECT avg(amount) AS avg_amount, avg(qty) AS avg_qty, sum(qty) AS sum_qty FROM c07_sales;
SELECT region, count(*) AS n, sum(amount) AS total FROM c07_sales GROUP BY region ORDER BY region;
SELECT region, sum(amount) AS total FROM c07_sales GROUP BY region HAVING sum(amount) > 100 ORDER BY total DESC;
SELECT region, count(*) AS n FROM c07_sales GROUP BY 1 HAVING count(*) >= 2 ORDER BY 1;
SELECT rep, region, count(*) AS n FROM c07_sales GROUP BY rep, region ORDER BY rep NULLS FIRST, region;
SELECT string_agg(rep, ', ' ORDER BY rep) AS reps FROM c07_sales;
SELECT region, string_agg(rep, '/' ORDER BY amount DESC, id) AS by_amount FROM c07_sales GROUP BY region ORDER BY region;
SELECT string_agg(DISTINCT rep, ',' ORDER BY rep) AS distinct_reps FROM c07_sales;
SELECT array_agg(id ORDER BY id) AS ids, array_agg(rep ORDER BY id) AS reps_with_null FROM c07_sales;
SELECT region, array_agg(amount ORDER BY amount) AS amounts FROM c07_sales GROUP BY region ORDER BY region;
SELECT bool_and(ok) AS all_ok, bool_or(ok) AS any_ok, every(qty > 0) AS all_pos FROM c07_sales;
SELECT region, bool_and(ok) AS all_ok, bool_or(ok) AS any_ok FROM c07_sales GROUP BY region ORDER BY region;
SELECT count(*) FILTER (WHERE ok) AS n_ok, sum(amount) FILTER (WHERE region = 'east') AS east_total FROM c07_sales;
SELECT sum(amount) AS s FROM c07_sales WHERE region = 'nowhere';
SELECT count(*) AS n, string_agg(rep, ',') AS none, array_agg(id) AS no_ids, bool_and(ok) AS no_bool FROM c07_sales WHERE false;
SELECT DISTINCT region FROM c07_sales ORDER BY region;
SELECT DISTINCT amount, region FROM c07_sales ORDER BY amount, region;
SELECT DISTINCT ON (region) region, id, amount FROM c07_sales ORDER BY region, amount DESC;
SELECT DISTINCT ON (rep) rep, region, amount FROM c07_sales ORDER BY rep, amount, id;
SELECT id, region, amount, row_number() OVER (PARTITION BY region ORDER BY amount DESC, id) AS rn FROM c07_sales ORDER BY region, rn;
SELECT id, amount, rank() OVER (ORDER BY amount) AS rk, dense_rank() OVER (ORDER BY amount) AS drk FROM c07_sales ORDER BY amount, id;
SELECT id, amount, sum(amount) OVER (ORDER BY id) AS running, sum(amount) OVER () AS grand FROM c07_sales ORDER BY id;
SELECT id, region, amount, sum(amount) OVER (PARTITION BY region) AS region_total, round(amount / sum(amount) OVER (PARTITION BY region) * 100, 1) AS pct FROM c07_sales ORDER BY id;
SELECT id, amount, lag(amount) OVER (ORDER BY id) AS prev, lead(amount, 2) OVER (ORDER BY id) AS next2, lag(amount, 1, 0) OVER (ORDER BY id) AS prev0 FROM c07_sales ORDER BY id;
SELECT id, first_value(id) OVER w AS fv, last_value(id) OVER w AS lv, nth_value(id, 2) OVER w AS nv FROM c07_sales WINDOW w AS (PARTITION BY region ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) ORDER BY id;
SELECT id, avg(amount) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS moving FROM c07_sales ORDER BY id;
SELECT id, count(*) OVER (PARTITION BY region) AS in_region, ntile(3) OVER (ORDER BY id) AS tile FROM c07_sales ORDER BY id;
SELECT id, percent_rank() OVER (ORDER BY amount) AS pr, cume_dist() OVER (ORDER BY amount) AS cd FROM c07_sales ORDER BY amount, id;
SELECT region, rep, total FROM (SELECT region, rep, sum(amount) AS total, rank() OVER (PARTITION BY region ORDER BY sum(amount) DESC) AS r FROM c07_sales WHERE rep IS NOT NULL GROUP BY region, rep) t WHERE r = 1 ORDER BY region;
SELECT region, count(*) AS n, sum(count(*)) OVER () AS all_n FROM c07_sales GROUP BY region ORDER BY region;
SELECT region, rep, sum(amount) AS total FROM c07_sales GROUP BY ROLLUP (region, rep) ORDER BY region NULLS LAST, rep NULLS LAST;
SELECT max(amount) AS best, (SELECT rep FROM c07_sales ORDER BY amount DESC LIMIT 1) AS best_rep FROM c07_sales;
SELECT region, amount FROM c07_sales GROUP BY region ORDER BY region;
SELECT sum(rep) AS bad_sum FROM c07_sales;
DROP TABLE c07_sales;
