-- pgbench's built-in select-only script (-b select-only), as a custom
-- script: bench/run.py fills pgbench_accounts with 100000 * :scale rows.
\set aid random(1, 100000 * :scale)
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
