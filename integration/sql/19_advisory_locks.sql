-- Advisory locks in one session (the contention between sessions is in
-- integration/test_advisory_locks.py): results, types, re-entrancy, the
-- two key spaces, transaction-level locks, argument errors.  Keys are
-- 17000-17999 (or (17, n)).

SELECT pg_advisory_lock(17001);
SELECT pg_advisory_lock(17001) AS again;
SELECT pg_try_advisory_lock(17001) AS third;
SELECT pg_advisory_unlock(17001) AS u1, pg_advisory_unlock(17001) AS u2;
SELECT pg_advisory_unlock(17001) AS u3;
SELECT pg_advisory_unlock(17001) AS u4_not_held;
SELECT pg_advisory_lock_shared(17002), pg_try_advisory_lock_shared(17002) AS sh2;
SELECT pg_try_advisory_lock(17002) AS own_shared_does_not_block;
SELECT pg_advisory_unlock_shared(17002) AS us1, pg_advisory_unlock(17002) AS ux1;
SELECT pg_advisory_unlock_shared(17002) AS us2, pg_advisory_unlock_shared(17002) AS us3;
SELECT pg_advisory_lock(17, 3), pg_try_advisory_lock(3, 17) AS other_pair;
SELECT pg_advisory_unlock(17, 3) AS pair_unlocked, pg_advisory_unlock(17, 3) AS pair_again;
SELECT pg_advisory_unlock_all();
SELECT pg_advisory_unlock(3, 17) AS after_unlock_all;
SELECT pg_advisory_lock(NULL::int8) IS NULL AS strict_null;
SELECT pg_try_advisory_lock(k) AS took FROM (VALUES (17010), (17011), (17010)) AS v(k);
SELECT pg_advisory_unlock(17010) AS t1, pg_advisory_unlock(17010) AS t2, pg_advisory_unlock(17011) AS t3;
SELECT CASE WHEN pg_try_advisory_lock(17012) THEN 'got it' ELSE 'busy' END AS took_case;
SELECT pg_advisory_unlock(17012) AND true AS in_expression;
BEGIN;
SELECT pg_advisory_xact_lock(17020);
SELECT pg_try_advisory_xact_lock(17020) AS xact_again, pg_try_advisory_xact_lock_shared(17021) AS xact_shared;
SELECT pg_advisory_unlock(17020) AS xact_not_unlockable;
COMMIT;
SELECT pg_advisory_lock(17030), pg_advisory_xact_lock(17031);
SELECT pg_advisory_unlock(17030) AS session_lock_after_statement;
SELECT pg_advisory_lock(1.5);
SELECT pg_advisory_lock(17, 5000000000);
SELECT pg_advisory_lock('x');
SELECT pg_try_advisory_lock('17040') AS from_text;
SELECT pg_advisory_unlock_all() AS unlock_all_again;
