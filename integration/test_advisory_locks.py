"""Advisory locks (sql/advisory.c, the wait in server/session.c): the
pg_advisory_* functions as PostgreSQL 15 has them, with sessions
contending for the same keys: a blocking lock waits until the holder lets
go, try-locks say false, transaction-level locks end at COMMIT/ROLLBACK,
a session's end releases its locks, lock_timeout and statement_timeout
end a wait.  The last tests run sessions on the three nodes of a cluster.
Every test passes against PostgreSQL 15 (TRIODE_TEST_TARGET=postgres),
except the cluster ones, which are triode's own."""

import os
import threading
import time

import psycopg
import pytest

from conftest import unique_name, wait_until

# How long a blocked statement is watched to still be blocked.
STILL = 0.4
# Bound for a waiter to notice a released lock.
WAKE = 10.0


class Waiter:
    """Run one statement on @conn in a thread: it is expected to block."""

    def __init__(self, conn, sql, params=None, prepare=None):
        self.conn = conn
        self.result = None
        self.error = None
        self.done = threading.Event()
        self.t = threading.Thread(target=self._run,
                                  args=(sql, params, prepare), daemon=True)
        self.t.start()

    def _run(self, sql, params, prepare):
        try:
            self.result = self.conn.execute(sql, params,
                                            prepare=prepare).fetchall()
        except psycopg.Error as e:
            self.error = e
        finally:
            self.done.set()

    def blocked(self):
        return not self.done.wait(STILL)

    def wait(self, timeout=WAKE):
        assert self.done.wait(timeout), "the waiter is still blocked"
        self.t.join(timeout)
        return self.result


def one(c, sql, params=None):
    return c.execute(sql, params).fetchone()[0]


@pytest.fixture
def pair(node):
    a, b = node.connect(), node.connect()
    try:
        yield a, b
    finally:
        a.close()
        b.close()


@pytest.fixture
def key():
    """A key no other test uses (the server is shared)."""
    return int.from_bytes(os.urandom(7), "big")


def test_lock_waits_until_the_holder_unlocks(pair, key):
    a, b = pair
    assert a.execute("SELECT pg_advisory_lock(%s)" % key).fetchall() == \
        [("",)]
    w = Waiter(b, "SELECT pg_advisory_lock(%s)" % key)
    assert w.blocked()
    assert one(a, "SELECT pg_advisory_unlock(%s)" % key) is True
    assert w.wait() == [("",)]
    assert w.error is None
    assert one(a, "SELECT pg_try_advisory_lock(%s)" % key) is False
    assert one(b, "SELECT pg_advisory_unlock(%s)" % key) is True
    assert one(a, "SELECT pg_try_advisory_lock(%s)" % key) is True
    a.execute("SELECT pg_advisory_unlock_all()")


def test_result_types_and_column_names(pair, key):
    a, _ = pair
    cur = a.execute("SELECT pg_advisory_lock(%s), pg_try_advisory_lock(%s),"
                    " pg_advisory_unlock(%s)" % (key, key + 1, key))
    assert cur.fetchall() == [("", True, True)]
    assert [(d.name, d.type_code) for d in cur.description] == [
        ("pg_advisory_lock", 2278), ("pg_try_advisory_lock", 16),
        ("pg_advisory_unlock", 16)]
    assert one(a, "SELECT pg_advisory_lock(NULL::bigint) IS NULL") is True
    a.execute("SELECT pg_advisory_unlock_all()")


def test_locks_are_reentrant(pair, key):
    a, b = pair
    a.execute("SELECT pg_advisory_lock(%s)" % key)
    assert one(a, "SELECT pg_try_advisory_lock(%s)" % key) is True
    assert one(a, "SELECT pg_advisory_unlock(%s)" % key) is True
    assert one(b, "SELECT pg_try_advisory_lock(%s)" % key) is False
    assert one(a, "SELECT pg_advisory_unlock(%s)" % key) is True
    assert one(b, "SELECT pg_try_advisory_lock(%s)" % key) is True
    b.execute("SELECT pg_advisory_unlock_all()")


def test_unlock_of_a_lock_not_held_warns(pair, key):
    a, _ = pair
    notices = []
    a.add_notice_handler(lambda d: notices.append(
        (d.severity_nonlocalized, d.sqlstate, d.message_primary)))
    assert one(a, "SELECT pg_advisory_unlock(%s)" % key) is False
    assert one(a, "SELECT pg_advisory_unlock_shared(%s)" % key) is False
    assert notices == [
        ("WARNING", "01000", "you don't own a lock of type ExclusiveLock"),
        ("WARNING", "01000", "you don't own a lock of type ShareLock")]


def test_shared_and_exclusive(node, key):
    with node.connect() as a, node.connect() as b, node.connect() as c:
        a.execute("SELECT pg_advisory_lock_shared(%s)" % key)
        assert one(b, "SELECT pg_try_advisory_lock_shared(%s)" % key)
        assert one(c, "SELECT pg_try_advisory_lock(%s)" % key) is False
        w = Waiter(c, "SELECT pg_advisory_lock(%s)" % key)
        assert w.blocked()
        assert one(a, "SELECT pg_advisory_unlock_shared(%s)" % key)
        assert w.blocked()  # b still shares it
        assert one(b, "SELECT pg_advisory_unlock_shared(%s)" % key)
        w.wait()
        assert one(a, "SELECT pg_try_advisory_lock_shared(%s)" % key) \
            is False
        w2 = Waiter(a, "SELECT pg_advisory_lock_shared(%s)" % key)
        assert w2.blocked()
        c.execute("SELECT pg_advisory_unlock(%s)" % key)
        w2.wait()
        a.execute("SELECT pg_advisory_unlock_all()")


def test_key_spaces_are_apart(pair, key):
    a, b = pair
    k1 = key % 100000
    k2 = k1 + 1
    a.execute("SELECT pg_advisory_lock(%d, %d)" % (k1, k2))
    assert one(b, "SELECT pg_try_advisory_lock(%d, %d)" % (k1, k2)) is False
    assert one(b, "SELECT pg_try_advisory_lock(%d, %d)" % (k2, k1)) is True
    assert one(b, "SELECT pg_try_advisory_lock(%d)" % ((k1 << 32) | k2)) \
        is True
    assert one(a, "SELECT pg_advisory_unlock(%d, %d)" % (k1, k2)) is True
    assert one(b, "SELECT pg_try_advisory_lock(%d, %d)" % (k1, k2)) is True
    b.execute("SELECT pg_advisory_unlock_all()")


def test_xact_locks_end_with_the_transaction(pair, key):
    a, b = pair
    a.execute("BEGIN")
    a.execute("SELECT pg_advisory_xact_lock(%s)" % key)
    assert one(a, "SELECT pg_try_advisory_xact_lock_shared(%s)" % (key + 1))
    assert one(b, "SELECT pg_try_advisory_lock(%s)" % key) is False
    assert one(b, "SELECT pg_try_advisory_lock(%s)" % (key + 1)) is False
    # pg_advisory_unlock is for session-level locks.
    assert one(a, "SELECT pg_advisory_unlock(%s)" % key) is False
    w = Waiter(b, "SELECT pg_advisory_lock(%s)" % key)
    assert w.blocked()
    a.execute("COMMIT")
    w.wait()
    assert one(b, "SELECT pg_advisory_unlock(%s)" % key) is True
    # ROLLBACK ends them too, but not the session-level ones.
    a.execute("BEGIN")
    a.execute("SELECT pg_advisory_xact_lock(%s)" % key)
    a.execute("SELECT pg_advisory_lock(%s)" % (key + 2))
    a.execute("ROLLBACK")
    assert one(b, "SELECT pg_try_advisory_lock(%s)" % key) is True
    assert one(b, "SELECT pg_try_advisory_lock(%s)" % (key + 2)) is False
    # A failed transaction block has let them go by the end of its
    # ROLLBACK (PostgreSQL at the error already, triode at the ROLLBACK).
    a.execute("BEGIN")
    a.execute("SELECT pg_advisory_xact_lock(%s)" % (key + 3))
    with pytest.raises(psycopg.errors.DivisionByZero):
        a.execute("SELECT 1/0")
    a.execute("ROLLBACK")
    assert one(b, "SELECT pg_try_advisory_lock(%s)" % (key + 3)) is True
    # Outside a block, the statement is the transaction.
    assert one(a, "SELECT pg_try_advisory_xact_lock(%s)" % (key + 4))
    assert one(b, "SELECT pg_try_advisory_lock(%s)" % (key + 4)) is True
    a.execute("SELECT pg_advisory_unlock_all()")
    b.execute("SELECT pg_advisory_unlock_all()")


def test_a_blocked_statement_inside_a_transaction_block(node, pair, key):
    a, b = pair
    t = unique_name("adv")
    a.execute("CREATE TABLE %s (id int4 PRIMARY KEY, v text)" % t)
    a.execute("SELECT pg_advisory_lock(%s)" % key)
    b.execute("BEGIN")
    b.execute("INSERT INTO %s VALUES (1, 'before')" % t)
    w = Waiter(b, "SELECT pg_advisory_xact_lock(%s)" % key)
    assert w.blocked()
    a.execute("SELECT pg_advisory_unlock(%s)" % key)
    w.wait()
    assert w.error is None
    b.execute("INSERT INTO %s VALUES (2, 'after')" % t)
    assert one(a, "SELECT pg_try_advisory_lock(%s)" % key) is False
    b.execute("COMMIT")
    assert one(a, "SELECT pg_try_advisory_lock(%s)" % key) is True
    assert a.execute("SELECT id, v FROM %s ORDER BY id" % t).fetchall() == \
        [(1, "before"), (2, "after")]
    a.execute("SELECT pg_advisory_unlock_all()")
    a.execute("DROP TABLE %s" % t)


def test_a_waiting_statement_takes_each_of_its_locks_once(pair, key):
    """A statement taking several locks waits for the last without
    keeping (or taking twice) the ones it got first."""
    a, b = pair
    a.execute("SELECT pg_advisory_lock(%s)" % (key + 1))
    w = Waiter(b, "SELECT pg_advisory_lock(%s), pg_advisory_lock(%s)"
               % (key, key + 1))
    assert w.blocked()
    a.execute("SELECT pg_advisory_unlock(%s)" % (key + 1))
    w.wait()
    assert w.error is None
    assert one(b, "SELECT pg_advisory_unlock(%s)" % key) is True
    assert one(a, "SELECT pg_try_advisory_lock(%s)" % key) is True
    b.execute("SELECT pg_advisory_unlock_all()")
    a.execute("SELECT pg_advisory_unlock_all()")


def test_session_end_releases_its_locks(node, key):
    a = node.connect()
    a.execute("SELECT pg_advisory_lock(%s)" % key)
    a.execute("SELECT pg_advisory_lock_shared(%s)" % (key + 1))
    with node.connect() as b:
        assert one(b, "SELECT pg_try_advisory_lock(%s)" % key) is False
        w = Waiter(b, "SELECT pg_advisory_lock(%s)" % (key + 1))
        assert w.blocked()
        a.close()
        w.wait()
        wait_until(lambda: one(b, "SELECT pg_try_advisory_lock(%s)" % key),
                   WAKE, what="the lock of the closed session")


def test_unlock_all(pair, key):
    a, b = pair
    a.execute("SELECT pg_advisory_lock(%s)" % key)
    a.execute("SELECT pg_advisory_lock(%s)" % key)
    a.execute("SELECT pg_advisory_lock_shared(%s)" % (key + 1))
    a.execute("BEGIN")
    a.execute("SELECT pg_advisory_xact_lock(%s)" % (key + 2))
    assert a.execute("SELECT pg_advisory_unlock_all()").fetchall() == \
        [("",)]
    assert one(b, "SELECT pg_try_advisory_lock(%s)" % key) is True
    assert one(b, "SELECT pg_try_advisory_lock(%s)" % (key + 1)) is True
    assert one(b, "SELECT pg_try_advisory_lock(%s)" % (key + 2)) is False
    a.execute("COMMIT")
    assert one(b, "SELECT pg_try_advisory_lock(%s)" % (key + 2)) is True
    b.execute("SELECT pg_advisory_unlock_all()")


def test_discard_all_releases_the_locks(pair, key):
    """pgbouncer resets a server connection with DISCARD ALL."""
    a, b = pair
    a.execute("SELECT pg_advisory_lock(%s)" % key)
    a.execute("SELECT pg_advisory_lock_shared(%s)" % (key + 1))
    a.execute("DISCARD ALL")
    assert one(b, "SELECT pg_try_advisory_lock(%s)" % key) is True
    assert one(b, "SELECT pg_try_advisory_lock(%s)" % (key + 1)) is True
    assert one(a, "SELECT pg_try_advisory_lock(%s)" % key) is False
    a.execute("DISCARD ALL")
    b.execute("SELECT pg_advisory_unlock_all()")


def test_lock_timeout_ends_the_wait(pair, key):
    a, b = pair
    a.execute("SELECT pg_advisory_lock(%s)" % key)
    b.execute("SET lock_timeout = '300ms'")
    t0 = time.monotonic()
    with pytest.raises(psycopg.errors.LockNotAvailable) as e:
        b.execute("SELECT pg_advisory_lock(%s)" % key)
    assert time.monotonic() - t0 >= 0.25
    assert e.value.sqlstate == "55P03"
    assert e.value.diag.message_primary == \
        "canceling statement due to lock timeout"
    # In a block, the block is failed; its session-level locks stay.
    b.execute("BEGIN")
    b.execute("SELECT pg_advisory_xact_lock(%s)" % (key + 1))
    b.execute("SELECT pg_advisory_lock(%s)" % (key + 2))
    with pytest.raises(psycopg.errors.LockNotAvailable):
        b.execute("SELECT pg_advisory_xact_lock(%s)" % key)
    with pytest.raises(psycopg.errors.InFailedSqlTransaction):
        b.execute("SELECT 1")
    b.execute("ROLLBACK")
    assert one(a, "SELECT pg_try_advisory_lock(%s)" % (key + 2)) is False
    b.execute("SELECT pg_advisory_unlock_all()")
    assert one(a, "SELECT pg_try_advisory_lock(%s)" % (key + 1)) is True
    b.execute("RESET lock_timeout")
    a.execute("SELECT pg_advisory_unlock_all()")


def test_statement_timeout_and_cancel_end_the_wait(pair, key):
    a, b = pair
    a.execute("SELECT pg_advisory_lock(%s)" % key)
    b.execute("SET statement_timeout = '300ms'")
    with pytest.raises(psycopg.errors.QueryCanceled) as e:
        b.execute("SELECT pg_advisory_lock(%s)" % key)
    assert e.value.diag.message_primary == \
        "canceling statement due to statement timeout"
    b.execute("RESET statement_timeout")
    w = Waiter(b, "SELECT pg_advisory_lock(%s)" % key)
    assert w.blocked()
    b.cancel()
    w.wait()
    assert isinstance(w.error, psycopg.errors.QueryCanceled)
    assert w.error.diag.message_primary == \
        "canceling statement due to user request"
    # The session goes on, without the lock.
    assert one(b, "SELECT pg_try_advisory_lock(%s)" % key) is False
    a.execute("SELECT pg_advisory_unlock_all()")
    assert one(b, "SELECT pg_try_advisory_lock(%s)" % key) is True
    b.execute("SELECT pg_advisory_unlock_all()")


def test_extended_protocol(node, key):
    with node.connect(prepare_threshold=0) as a, \
            node.connect(prepare_threshold=0) as b:
        for i in range(3):
            assert a.execute("SELECT pg_try_advisory_lock(%s)",
                             (key + i,), prepare=True).fetchone() == (True,)
        assert b.execute("SELECT pg_try_advisory_lock(%s, %s)", (1, 2),
                         prepare=True).fetchone() == (True,)
        w = Waiter(b, "SELECT pg_advisory_lock(%s)", (key + 1,),
                   prepare=True)
        assert w.blocked()
        assert a.execute("SELECT pg_advisory_unlock(%s)", (key + 1,),
                         prepare=True).fetchone() == (True,)
        assert w.wait() == [("",)]
        assert b.execute("SELECT pg_advisory_unlock(%s)", (key + 1,),
                         prepare=True).fetchone() == (True,)
        a.execute("BEGIN")
        a.execute("SELECT pg_advisory_xact_lock(%s)", (key + 9,),
                  prepare=True)
        assert b.execute("SELECT pg_try_advisory_lock(%s)", (key + 9,),
                         prepare=True).fetchone() == (False,)
        a.execute("COMMIT")
        assert b.execute("SELECT pg_try_advisory_lock(%s)", (key + 9,),
                         prepare=True).fetchone() == (True,)
        a.execute("SELECT pg_advisory_unlock_all()")
        b.execute("SELECT pg_advisory_unlock_all()")


def test_asyncpg_binary_and_described_key_types(node, key):
    """asyncpg encodes each key by the type Describe gives (bigint, or
    two integers) and reads void and bool results in binary."""
    asyncpg = pytest.importorskip("asyncpg")
    import asyncio
    from test_driver_asyncpg import connect

    async def run():
        a, b = await connect(node), await connect(node)
        try:
            assert await a.fetchval("SELECT pg_advisory_lock($1)",
                                    key) is None
            assert await b.fetchval("SELECT pg_try_advisory_lock($1)",
                                    key) is False
            assert await a.fetchval("SELECT pg_try_advisory_lock($1, $2)",
                                    17, 42) is True
            assert await b.fetchval("SELECT pg_try_advisory_lock($1, $2)",
                                    17, 42) is False
            assert await a.fetchval("SELECT pg_advisory_unlock($1)", key)
            assert await b.fetchval("SELECT pg_try_advisory_lock($1)", key)
        finally:
            await a.close()
            await b.close()

    asyncio.run(run())
    assert asyncpg is not None


def test_mutual_exclusion_of_many_sessions(node, key):
    """Read-modify-write under the lock from several sessions: no update
    is lost."""
    t = unique_name("adv")
    node.psql("CREATE TABLE %s (id int4 PRIMARY KEY, n int4)" % t)
    node.psql("INSERT INTO %s VALUES (1, 0)" % t)
    sessions, rounds = 5, 6
    errors = []

    def work():
        try:
            with node.connect() as c:
                for _ in range(rounds):
                    c.execute("SELECT pg_advisory_lock(%s)" % key)
                    n = one(c, "SELECT n FROM %s WHERE id = 1" % t)
                    time.sleep(0.01)
                    c.execute("UPDATE %s SET n = %d WHERE id = 1"
                              % (t, n + 1))
                    c.execute("SELECT pg_advisory_unlock(%s)" % key)
        except Exception as e:  # noqa: BLE001 - collect everything
            errors.append(repr(e))

    threads = [threading.Thread(target=work, daemon=True)
               for _ in range(sessions)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert errors == []
    assert node.query_one("SELECT n FROM %s" % t) == (sessions * rounds,)
    node.psql("DROP TABLE %s" % t)


def test_locks_are_per_database(node, key):
    db = unique_name("advdb")
    node.psql("CREATE DATABASE %s" % db)
    try:
        with node.connect() as a, node.connect(dbname=db) as b, \
                node.connect(dbname=db) as c:
            a.execute("SELECT pg_advisory_lock(%s)" % key)
            assert one(b, "SELECT pg_try_advisory_lock(%s)" % key) is True
            assert one(c, "SELECT pg_try_advisory_lock(%s)" % key) is False
    finally:
        wait_until(lambda: node.psql("DROP DATABASE %s" % db,
                                     check=False).returncode == 0,
                   WAKE, what="DROP DATABASE")


def test_wrong_signatures(pair):
    a, _ = pair
    with pytest.raises(psycopg.errors.UndefinedFunction):
        a.execute("SELECT pg_advisory_lock(1.5)")
    with pytest.raises(psycopg.errors.UndefinedFunction):
        a.execute("SELECT pg_advisory_lock(1, 5000000000)")
    with pytest.raises(psycopg.errors.UndefinedFunction):
        a.execute("SELECT pg_advisory_lock(1, 2, 3)")


# ---------------------------------------------------------------------
# A three-node cluster: every statement runs on the leader, so sessions
# on different nodes contend for the same locks.

@pytest.fixture(scope="module")
def trio():
    if os.environ.get("TRIODE_TEST_TARGET", "triode") != "triode":
        pytest.skip("triode's own clustering")
    from test_cluster import Cluster, voters
    from test_cluster import wait_until as cl_wait
    c = Cluster()
    try:
        n1 = c.bootstrap()
        c.join("node2")
        c.join("node3")
        cl_wait("three voters",
                lambda: voters(n1) == ["node1", "node2", "node3"])
        yield c
    finally:
        c.close()


def test_sessions_on_different_nodes_contend(trio, key):
    n1, n2, n3 = trio.nodes
    with n1.connect() as a, n2.connect() as b, n3.connect() as c:
        a.execute("SELECT pg_advisory_lock(%s)" % key)
        assert one(b, "SELECT pg_try_advisory_lock(%s)" % key) is False
        assert one(c, "SELECT pg_try_advisory_lock(%s)" % key) is False
        wb = Waiter(b, "SELECT pg_advisory_lock(%s)" % key)
        assert wb.blocked()
        assert one(a, "SELECT pg_advisory_unlock(%s)" % key) is True
        wb.wait()
        assert one(c, "SELECT pg_try_advisory_lock(%s)" % key) is False
        # Transaction level, through a follower.
        c.execute("BEGIN")
        c.execute("SELECT pg_advisory_xact_lock(%s)" % (key + 1))
        assert one(a, "SELECT pg_try_advisory_lock(%s)" % (key + 1)) \
            is False
        c.execute("COMMIT")
        assert one(a, "SELECT pg_try_advisory_lock(%s)" % (key + 1)) is True
        # The end of b's session (on node2) frees the lock for c (node3).
        wc = Waiter(c, "SELECT pg_advisory_lock(%s)" % key)
        assert wc.blocked()
        b.close()
        wc.wait()
        assert one(a, "SELECT pg_try_advisory_lock(%s)" % key) is False
        c.execute("SET lock_timeout = '200ms'")
        a.execute("SET lock_timeout = '200ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            a.execute("SELECT pg_advisory_lock(%s)" % key)


def test_a_leader_change_ends_the_sessions_holding_locks(trio, key):
    """The locks live on the leader: a leader change loses them.  A
    session that took one is ended (57P01) rather than let it go on as
    if it still held it; other sessions go on, and the lock is free on
    the new leader.  (Destructive: the last test of the module.)"""
    from test_cluster import leader_of
    from test_cluster import wait_until as cl_wait
    leader = cl_wait("a leader", lambda: leader_of(trio))
    f1, f2 = [n for n in trio.nodes if n is not leader]
    a, plain = f1.connect(), f2.connect()
    try:
        a.execute("SELECT pg_advisory_lock(%s)" % key)
        assert one(plain, "SELECT 1") == 1
        leader.kill9()
        with pytest.raises(psycopg.errors.AdminShutdown) as e:
            a.execute("SELECT pg_advisory_unlock(%s)" % key)
        assert "advisory locks were lost" in str(e.value)
        with pytest.raises(psycopg.OperationalError):
            for _ in range(50):  # the server closes the connection
                a.execute("SELECT 1")
                time.sleep(0.1)
        cl_wait("the plain session on the new leader",
                lambda: one(plain, "SELECT 2") == 2, timeout=30)

        def free():
            with f2.connect() as c:
                return one(c, "SELECT pg_try_advisory_lock(%s)" % key)
        cl_wait("the lock on the new leader", free, timeout=30)
    finally:
        a.close()
        plain.close()
