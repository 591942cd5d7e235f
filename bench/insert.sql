-- Single-row INSERT (autocommit).  Keys are unique without a sequence:
-- :base is per run (set with -D), :client_id per client, :n counts this
-- client's transactions (pgbench variables persist across transactions).
\set n :n + 1
\set id :base + :client_id * 10000000 + :n
INSERT INTO kv_ins (id, v) VALUES (:id, '0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789');
