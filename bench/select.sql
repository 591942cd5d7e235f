-- Point SELECT by primary key on a pre-filled table (bench/run.py fills
-- kv with :rows rows, keys 1..rows).
\set k random(1, :rows)
SELECT v FROM kv WHERE k = :k;
