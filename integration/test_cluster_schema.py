"""Schema changes made through one node are seen at once by every other
node of a 3-node cluster (server/schema.c): a statement a client sends to
node B after node A answered the DDL is translated against the new schema
(a literal takes the new type of its column).  DROP DATABASE counts and,
WITH (FORCE), ends the sessions of every node."""

import os
import signal
import time

import psycopg
import pytest

from test_cluster import Cluster, leader_of, voters, wait_until

pytestmark = pytest.mark.skipif(
    os.environ.get("TRIODE_TEST_TARGET", "triode") != "triode",
    reason="triode's own clustering")


@pytest.fixture(scope="module")
def trio():
    c = Cluster()
    try:
        n1 = c.bootstrap()
        c.join("node2")
        c.join("node3")
        wait_until("three voters",
                   lambda: voters(n1) == ["node1", "node2", "node3"])
        yield c
    finally:
        c.close()


@pytest.fixture
def conns(trio):
    """One long-lived session per node (their mirrors and translation
    caches stay warm between statements, as a pooled client's do)."""
    cs = [n.connect() for n in trio.nodes]
    try:
        yield cs
    finally:
        for c in cs:
            c.close()


def sqlstate(c, sql, params=None):
    try:
        c.execute(sql, params)
    except psycopg.Error as e:
        return e.sqlstate
    return None


def test_alter_column_type_is_seen_by_every_node(conns):
    a, b, c = conns
    a.execute("CREATE TABLE flags (id int4 PRIMARY KEY, v text)")
    try:
        for i in range(5):
            a.execute("DELETE FROM flags")
            if i > 0:
                a.execute("ALTER TABLE flags ALTER COLUMN v TYPE text")
            # Warm B's and C's mirrors and caches with the text column.
            b.execute("INSERT INTO flags VALUES (1, 'on')")
            c.execute("INSERT INTO flags VALUES (2, 'off')")
            assert b.execute("SELECT v FROM flags ORDER BY id").fetchall() \
                == [("on",), ("off",)]
            a.execute("ALTER TABLE flags ALTER COLUMN v TYPE boolean "
                      "USING v::boolean")
            # At once, the same statement shapes on B and C.
            b.execute("INSERT INTO flags VALUES (3, 'on')")
            c.execute("INSERT INTO flags VALUES (4, 'off')")
            # ... and through the extended protocol (untyped parameter).
            b.execute("INSERT INTO flags VALUES (5, %s)", ("yes",))
            for x in (a, b, c):
                assert x.execute(
                    "SELECT id, v FROM flags ORDER BY id").fetchall() == [
                        (1, True), (2, False), (3, True), (4, False),
                        (5, True)]
            assert c.execute(
                "SELECT count(*) FROM flags WHERE v").fetchone() == (3,)
    finally:
        a.execute("DROP TABLE flags")


def test_a_literal_the_new_type_refuses_fails_on_every_node(conns):
    a, b, c = conns
    a.execute("CREATE TABLE nums (v text)")
    try:
        b.execute("INSERT INTO nums VALUES ('x')")
        c.execute("INSERT INTO nums VALUES ('y')")
        a.execute("DROP TABLE nums")
        a.execute("CREATE TABLE nums (v int4)")
        assert sqlstate(b, "INSERT INTO nums VALUES ('x')") == "22P02"
        assert sqlstate(c, "INSERT INTO nums VALUES ('y')") == "22P02"
        b.execute("INSERT INTO nums VALUES ('12')")
        assert c.execute("SELECT v, pg_typeof(v)::text FROM nums") \
            .fetchall() == [(12, "integer")]
    finally:
        a.execute("DROP TABLE IF EXISTS nums")


def test_drop_and_create_the_same_name_from_each_node(conns):
    types = [("text", "on", "on"), ("bool", "on", True),
             ("int4", "7", 7), ("timestamptz", "2024-01-02 03:04:05+02",
                                "2024-01-02 01:04:05+00")]
    for i in range(8):
        ddl = conns[i % 3]
        user = conns[(i + 1) % 3]
        typ, literal, expected = types[i % len(types)]
        ddl.execute("DROP TABLE IF EXISTS again")
        ddl.execute("CREATE TABLE again (v %s)" % typ)
        user.execute("INSERT INTO again VALUES ('%s')" % literal)
        if typ == "timestamptz":
            got = user.execute(
                "SELECT to_char(v AT TIME ZONE 'UTC', "
                "'YYYY-MM-DD HH24:MI:SS') || '+00' FROM again").fetchone()
        else:
            got = user.execute("SELECT v FROM again").fetchone()
        assert got == (expected,), (i, typ)
    conns[0].execute("DROP TABLE again")


def test_ddl_in_a_transaction_block_and_in_an_implicit_one(trio, conns):
    a, b, c = conns
    a.execute("CREATE TABLE blk (v text)")
    try:
        b.execute("INSERT INTO blk VALUES ('on')")
        a.execute("BEGIN")
        a.execute("ALTER TABLE blk ALTER COLUMN v TYPE bool USING v::bool")
        a.execute("COMMIT")
        b.execute("INSERT INTO blk VALUES ('off')")
        assert c.execute("SELECT v FROM blk ORDER BY v").fetchall() == [
            (False,), (True,)]
        # Several statements in one Query: ReadyForQuery ends the implicit
        # transaction that holds the DDL.
        r = trio.nodes[0].psql(
            "ALTER TABLE blk ADD COLUMN n int4; SELECT 1")
        assert r.returncode == 0, r.stderr
        assert sqlstate(c, "INSERT INTO blk (v, n) VALUES ('on', 'x')") \
            == "22P02"
        c.execute("INSERT INTO blk (v, n) VALUES ('on', '5')")
        assert b.execute("SELECT n FROM blk WHERE n IS NOT NULL") \
            .fetchall() == [(5,)]
    finally:
        a.execute("DROP TABLE blk")


def test_ddl_answers_while_a_member_is_frozen(trio, conns):
    """A member that cannot acknowledge the notice (frozen: its socket
    accepts, nothing answers) delays the DDL by its lease at most, and
    checks its mirror before trusting it again."""
    leader = wait_until("a leader", lambda: leader_of(trio))
    others = [i for i, n in enumerate(trio.nodes) if n is not leader]
    frozen_i, ddl_i = others[0], others[1]
    frozen = trio.nodes[frozen_i]
    a = conns[ddl_i]
    a.execute("CREATE TABLE frz (v text)")
    conns[frozen_i].execute("INSERT INTO frz VALUES ('on')")
    os.kill(frozen.proc.pid, signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        a.execute("ALTER TABLE frz ALTER COLUMN v TYPE bool USING v::bool")
        took = time.monotonic() - t0
    finally:
        os.kill(frozen.proc.pid, signal.SIGCONT)
    assert took < 5, took
    conns[frozen_i].execute("INSERT INTO frz VALUES ('off')")
    assert a.execute("SELECT v FROM frz ORDER BY v").fetchall() == [
        (False,), (True,)]
    a.execute("DROP TABLE frz")


def test_drop_database_counts_sessions_on_every_node(trio):
    n1, n2, n3 = trio.nodes
    name = "dropme_%d" % os.getpid()
    with n1.connect() as c:
        c.execute("CREATE DATABASE %s" % name)
    d2 = n2.connect(dbname=name)
    d3 = n3.connect(dbname=name)
    raw = n3.raw()  # sees the FATAL itself (psycopg reports only EOF)
    try:
        raw.startup(n3.user, name, n3.password)
        d2.execute("CREATE TABLE t (v int4)")
        d3.execute("INSERT INTO t VALUES (1)")
        with n1.connect() as c:
            with pytest.raises(psycopg.Error) as e:
                c.execute("DROP DATABASE %s" % name)
            assert e.value.sqlstate == "55006"
            assert e.value.diag.message_primary == (
                'database "%s" is being accessed by other users' % name)
            assert e.value.diag.message_detail == (
                "There are 3 other sessions using the database.")
            d3.close()
            with pytest.raises(psycopg.Error) as e:
                c.execute("DROP DATABASE %s" % name)
            assert e.value.diag.message_detail == (
                "There are 2 other sessions using the database.")
            # Both sessions are still there and work.
            assert d2.execute("SELECT v FROM t").fetchall() == [(1,)]
            c.execute("DROP DATABASE %s WITH (FORCE)" % name)
        fatal = raw.read_until_error_or_close()
        assert fatal is not None
        assert (fatal["S"], fatal["C"], fatal["M"]) == (
            "FATAL", "57P01",
            "terminating connection due to administrator command")
        raw.wait_closed()
        with pytest.raises(psycopg.OperationalError):
            d2.execute("SELECT 1")
        # The same name again starts empty on every node.
        with n3.connect() as c:
            c.execute("CREATE DATABASE %s" % name)
        with n2.connect(dbname=name) as x:
            assert sqlstate(x, "SELECT v FROM t") == "42P01"
            x.execute("CREATE TABLE t (v bool)")
        with n1.connect(dbname=name) as x:
            x.execute("INSERT INTO t VALUES ('on')")
            assert x.execute("SELECT v FROM t").fetchall() == [(True,)]
        with n3.connect() as c:
            c.execute("DROP DATABASE %s" % name)
    finally:
        raw.close()
        d2.close()
        d3.close()
