-- A 3-statement transaction (TPC-B-like): update a random row, read
-- another, append a history row.  Writes serialize, so this measures
-- transaction round trips under contention.
\set n :n + 1
\set id :base + :client_id * 10000000 + :n
\set k1 random(1, :rows)
\set k2 random(1, :rows)
BEGIN;
UPDATE kv SET v = 'updated-by-bench' WHERE k = :k1;
SELECT v FROM kv WHERE k = :k2;
INSERT INTO kv_hist (id, k, v) VALUES (:id, :k1, 'history');
COMMIT;
