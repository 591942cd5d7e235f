"""Transactions: explicit BEGIN/COMMIT/ROLLBACK, the aborted-transaction
state (25P02 until ROLLBACK), and the implicit-transaction rules of
multi-statement simple Query strings, all as PostgreSQL behaves."""

import psycopg
import pytest
from psycopg.pq import TransactionStatus


def count(node, table):
    return node.query_one("SELECT count(*) FROM %s" % table)[0]


@pytest.fixture
def kv(node, table):
    node.psql("CREATE TABLE %s (k int4 PRIMARY KEY, v text)" % table)
    return table


def test_commit_persists(node, kv):
    with node.connect() as c:
        c.execute("BEGIN")
        c.execute("INSERT INTO %s VALUES (1, 'a')" % kv)
        c.execute("INSERT INTO %s VALUES (2, 'b')" % kv)
        assert c.info.transaction_status == TransactionStatus.INTRANS
        # The transaction sees its own writes; others do not yet.
        assert c.execute("SELECT count(*) FROM %s" % kv).fetchone() == (2,)
        assert count(node, kv) == 0
        cur = c.execute("COMMIT")
        assert cur.statusmessage == "COMMIT"
        assert c.info.transaction_status == TransactionStatus.IDLE
    assert count(node, kv) == 2


def test_rollback_discards(node, kv):
    with node.connect() as c:
        c.execute("INSERT INTO %s VALUES (1, 'a')" % kv)
        c.execute("BEGIN")
        c.execute("INSERT INTO %s VALUES (2, 'b')" % kv)
        c.execute("UPDATE %s SET v = 'changed' WHERE k = 1" % kv)
        c.execute("DELETE FROM %s WHERE k = 1" % kv)
        assert c.execute("ROLLBACK").statusmessage == "ROLLBACK"
        assert c.execute("SELECT k, v FROM %s" % kv).fetchall() == [(1, "a")]


def test_error_in_transaction_gives_25p02_until_rollback(node, kv):
    with node.connect() as c:
        c.execute("BEGIN")
        c.execute("INSERT INTO %s VALUES (1, 'a')" % kv)
        with pytest.raises(psycopg.Error) as ei:
            c.execute("SELECT 1/0")
        assert ei.value.sqlstate == "22012"
        assert c.info.transaction_status == TransactionStatus.INERROR
        for sql in ["SELECT 1", "INSERT INTO %s VALUES (2, 'b')" % kv]:
            with pytest.raises(psycopg.Error) as ei:
                c.execute(sql)
            assert ei.value.sqlstate == "25P02"
        c.execute("ROLLBACK")
        assert c.info.transaction_status == TransactionStatus.IDLE
        assert c.execute("SELECT 1").fetchone() == (1,)
    assert count(node, kv) == 0


def test_commit_of_failed_transaction_rolls_back(node, kv):
    """COMMIT in an aborted transaction is accepted and reports ROLLBACK."""
    with node.connect() as c:
        c.execute("BEGIN")
        c.execute("INSERT INTO %s VALUES (1, 'a')" % kv)
        with pytest.raises(psycopg.Error):
            c.execute("INSERT INTO %s VALUES (1, 'dup')" % kv)
        cur = c.execute("COMMIT")
        assert cur.statusmessage == "ROLLBACK"
        assert c.info.transaction_status == TransactionStatus.IDLE
    assert count(node, kv) == 0


def test_multi_statement_is_one_implicit_transaction(node, kv):
    """`INSERT ...; SELECT 1/0;` as one Query inserts nothing."""
    cp = node.psql("INSERT INTO %s VALUES (1, 'a'); SELECT 1/0;" % kv,
                   check=False)
    assert cp.returncode != 0
    assert "division by zero" in cp.stderr
    assert count(node, kv) == 0


def test_multi_statement_success_commits_all(node, kv):
    node.psql("INSERT INTO %s VALUES (1, 'a'); INSERT INTO %s VALUES (2, 'b');"
              "UPDATE %s SET v = 'x' WHERE k = 1" % (kv, kv, kv))
    rows = node.psql("SELECT k, v FROM %s ORDER BY k" % kv).stdout
    assert rows.splitlines() == ["1|x", "2|b"]


def test_multi_statement_explicit_commit_then_error(node, kv):
    """`BEGIN; INSERT; COMMIT; INSERT bad` keeps the committed row."""
    cp = node.psql("BEGIN; INSERT INTO %s VALUES (1, 'a'); COMMIT;"
                   "INSERT INTO %s VALUES (1, 'dup');" % (kv, kv), check=False)
    assert cp.returncode != 0
    assert "duplicate key" in cp.stderr
    assert count(node, kv) == 1


def test_multi_statement_commit_ends_implicit_block(node, kv):
    """A COMMIT inside an implicit block commits what came before it; the
    statements after it form a new implicit block, which the error rolls
    back."""
    cp = node.psql("INSERT INTO %s VALUES (1, 'a'); COMMIT;"
                   "INSERT INTO %s VALUES (2, 'b'); SELECT 1/0;" % (kv, kv),
                   check=False)
    assert cp.returncode != 0
    rows = node.psql("SELECT k FROM %s ORDER BY k" % kv).stdout
    assert rows.splitlines() == ["1"]


def test_multi_statement_error_after_begin_leaves_failed_transaction(
        node, kv):
    """An error after an explicit BEGIN in a multi-statement string leaves
    the session in a failed transaction block."""
    with node.connect() as c:
        with pytest.raises(psycopg.Error) as ei:
            c.execute("BEGIN; INSERT INTO %s VALUES (1, 'a'); SELECT 1/0;"
                      % kv)
        assert ei.value.sqlstate == "22012"
        assert c.info.transaction_status == TransactionStatus.INERROR
        with pytest.raises(psycopg.Error) as ei:
            c.execute("SELECT 1")
        assert ei.value.sqlstate == "25P02"
        c.execute("ROLLBACK")
    assert count(node, kv) == 0


def test_multi_statement_begin_without_commit_stays_open(node, kv):
    with node.connect() as c:
        c.execute("BEGIN; INSERT INTO %s VALUES (1, 'a')" % kv)
        assert c.info.transaction_status == TransactionStatus.INTRANS
        assert count(node, kv) == 0
        c.execute("COMMIT")
    assert count(node, kv) == 1


def test_multi_statement_results_all_returned(node, kv):
    """Every statement's result comes back (psql 15 prints them all)."""
    out = node.psql("SELECT 1; SELECT 2, 3; INSERT INTO %s VALUES (9, 'z');"
                    "SELECT v FROM %s" % (kv, kv)).stdout
    assert out.splitlines() == ["1", "2|3", "z"]


def test_error_outside_transaction_keeps_session(node, kv):
    with node.connect() as c:
        with pytest.raises(psycopg.Error):
            c.execute("SELECT 1/0")
        assert c.info.transaction_status == TransactionStatus.IDLE
        c.execute("INSERT INTO %s VALUES (1, 'a')" % kv)
    assert count(node, kv) == 1


def test_rollback_without_transaction_is_harmless(node):
    """ROLLBACK/COMMIT outside a transaction: a warning, not an error."""
    with node.connect() as c:
        assert c.execute("ROLLBACK").statusmessage == "ROLLBACK"
        assert c.execute("COMMIT").statusmessage == "COMMIT"
        assert c.info.transaction_status == TransactionStatus.IDLE


def test_begin_inside_transaction_is_harmless(node, kv):
    with node.connect() as c:
        c.execute("BEGIN")
        c.execute("INSERT INTO %s VALUES (1, 'a')" % kv)
        c.execute("BEGIN")  # WARNING: already a transaction in progress
        assert c.info.transaction_status == TransactionStatus.INTRANS
        c.execute("COMMIT")
    assert count(node, kv) == 1


def test_idle_in_transaction_session_timeout_ends_the_session(node, kv):
    import time
    c = psycopg.connect(node.dsn(), autocommit=True)
    try:
        c.execute("SET idle_in_transaction_session_timeout = 300")
        # Idle outside a transaction: nothing happens.
        time.sleep(0.6)
        c.execute("BEGIN")
        c.execute("INSERT INTO %s VALUES (1, 'idle')" % kv)
        # Busy inside it for longer than the timeout, but never idle
        # for that long: still fine.
        for _ in range(4):
            time.sleep(0.15)
            c.execute("SELECT 1")
        time.sleep(1.0)
        with pytest.raises(psycopg.OperationalError) as e:
            c.execute("SELECT 1")
        assert "idle-in-transaction timeout" in str(e.value) or \
            c.closed, str(e.value)
    finally:
        c.close()
    # The transaction was rolled back and its write lock handed on.
    with psycopg.connect(node.dsn(), autocommit=True) as d:
        d.execute("INSERT INTO %s VALUES (2, 'after')" % kv)
    assert count(node, kv) == 1


def test_lock_timeout_bounds_the_wait_for_the_writer(node, kv):
    import time
    with psycopg.connect(node.dsn(), autocommit=True) as a, \
            psycopg.connect(node.dsn(), autocommit=True) as b:
        a.execute("BEGIN")
        a.execute("INSERT INTO %s VALUES (1, 'a')" % kv)  # holds the writer
        b.execute("SET lock_timeout = 200")
        start = time.monotonic()
        with pytest.raises(psycopg.errors.LockNotAvailable):
            # The same key: PostgreSQL waits for a's row lock too.
            b.execute("INSERT INTO %s VALUES (1, 'b')" % kv)
        assert time.monotonic() - start < 5
        a.execute("COMMIT")
        b.execute("INSERT INTO %s VALUES (2, 'b')" % kv)
    assert count(node, kv) == 2


def test_cursors_declare_fetch_close(node, kv):
    node.psql("INSERT INTO %s SELECT g, 'v' || g FROM "
              "generate_series(1, 10) AS g" % kv)
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        with pytest.raises(psycopg.errors.NoActiveSqlTransaction):
            c.execute("DECLARE cur CURSOR FOR SELECT k FROM %s" % kv)
        c.execute("BEGIN")
        c.execute("DECLARE cur CURSOR FOR SELECT k, v FROM %s ORDER BY k"
                  % kv)
        with pytest.raises(psycopg.errors.DuplicateCursor):
            c.execute("DECLARE cur CURSOR FOR SELECT 1")
        c.execute("ROLLBACK")
        c.execute("BEGIN")
        c.execute("DECLARE cur CURSOR FOR SELECT k, v FROM %s ORDER BY k"
                  % kv)
        cur = c.execute("FETCH FORWARD 3 FROM cur")
        assert cur.fetchall() == [(1, "v1"), (2, "v2"), (3, "v3")]
        assert cur.statusmessage == "FETCH 3"
        assert c.execute("FETCH NEXT FROM cur").fetchall() == [(4, "v4")]
        assert c.execute("FETCH ALL FROM cur").fetchall() == \
            [(k, "v%d" % k) for k in range(5, 11)]
        cur = c.execute("FETCH 5 FROM cur")
        assert cur.fetchall() == [] and cur.statusmessage == "FETCH 0"
        assert c.execute("CLOSE cur").statusmessage == "CLOSE CURSOR"
        with pytest.raises(psycopg.errors.InvalidCursorName):
            c.execute("FETCH 1 FROM cur")
        c.execute("ROLLBACK")
        # Cursors end with their transaction.
        c.execute("BEGIN")
        c.execute("DECLARE cur2 CURSOR FOR SELECT k FROM %s" % kv)
        c.execute("COMMIT")
        c.execute("BEGIN")
        with pytest.raises(psycopg.errors.InvalidCursorName):
            c.execute("FETCH 1 FROM cur2")
        c.execute("ROLLBACK")


def test_set_is_undone_by_rollback_and_set_local_ends_with_commit(node):
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        def show(name):
            return c.execute("SHOW %s" % name).fetchone()[0]
        c.execute("SET application_name = 'before'")
        c.execute("BEGIN")
        c.execute("SET application_name = 'inside'")
        c.execute("SET statement_timeout = 1234")
        assert show("application_name") == "inside"
        c.execute("ROLLBACK")
        assert show("application_name") == "before"
        assert show("statement_timeout") == "0"
        # The client heard about the restored reported setting.
        assert c.info.parameter_status("application_name") == "before"
        c.execute("BEGIN")
        c.execute("SET LOCAL statement_timeout = 5000")
        c.execute("SET application_name = 'kept'")
        assert show("statement_timeout") == "5s"
        c.execute("COMMIT")
        assert show("statement_timeout") == "0"
        assert show("application_name") == "kept"
        # SET LOCAL outside a transaction block does nothing.
        c.execute("SET LOCAL application_name = 'nope'")
        assert show("application_name") == "kept"


def test_current_setting_and_set_config(node):
    """What tools and pg_dump's scripts use: current_setting() reads the
    session's settings where the statement runs (after a SET earlier in
    the same query string), set_config() is a SET that answers."""
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        def one(sql, *args, **kw):
            return c.execute(sql, *args, **kw).fetchone()

        cur = c.execute("SELECT current_setting('server_version_num')::int "
                        ">= 150000, current_setting('TimeZone') AS tz")
        assert cur.fetchone() == (True, show(c, "TimeZone"))
        assert cur.description[1].name == "tz"
        c.execute("SET TimeZone = 'Europe/Paris'")
        assert one("SELECT current_setting('timezone')") == \
            ("Europe/Paris",)
        assert one("SELECT current_setting('nope', true)") == (None,)
        with pytest.raises(psycopg.errors.UndefinedObject) as e:
            c.execute("SELECT current_setting('nope')")
        assert e.value.diag.message_primary == \
            'unrecognized configuration parameter "nope"'
        # pg_dump's first lines.
        cur = c.execute("SELECT pg_catalog.set_config('search_path', '', "
                        "false)")
        assert cur.fetchall() == [("",)]
        assert cur.description[0].name == "set_config"
        assert show(c, "search_path") == ""
        assert one("SELECT set_config('application_name', 'x', false) "
                   "AS app") == ("x",)
        assert c.info.parameter_status("application_name") == "x"
        # Prepared: evaluated at each execution, with the settings then.
        q = "SELECT current_setting('application_name') AS a, %s::int"
        assert one(q, (1,), prepare=True) == ("x", 1)
        c.execute("SET application_name = 'y'")
        assert one(q, (2,), prepare=True) == ("y", 2)
        c.execute("BEGIN")
        assert one("SELECT set_config('statement_timeout', '2s', true)") \
            == ("2s",)
        c.execute("COMMIT")
        assert show(c, "statement_timeout") == "0"
        # One query string: each statement sees what the earlier set.
        cur = psycopg.ClientCursor(c)
        cur.execute("SET application_name = 'before'; "
                    "SET application_name = 'after'; "
                    "SELECT current_setting('application_name')")
        assert cur.nextset() and cur.nextset()
        assert cur.fetchone() == ("after",)


def show(c, name):
    return c.execute("SHOW %s" % name).fetchone()[0]


def test_read_only_block_refuses_writes_with_25006(node, kv):
    with node.connect() as c:
        c.execute("BEGIN READ ONLY")
        assert show(c, "transaction_read_only") == "on"
        assert c.execute("SELECT count(*) FROM %s" % kv).fetchone() == (0,)
        with pytest.raises(psycopg.Error) as ei:
            c.execute("INSERT INTO %s VALUES (1, 'a')" % kv)
        assert ei.value.sqlstate == "25006"
        assert str(ei.value).startswith(
            "cannot execute INSERT in a read-only transaction")
        c.execute("ROLLBACK")
        assert show(c, "transaction_read_only") == "off"
        c.execute("START TRANSACTION ISOLATION LEVEL SERIALIZABLE")
        c.execute("SET TRANSACTION READ ONLY")
        with pytest.raises(psycopg.Error) as ei:
            c.execute("CREATE TABLE %s_x (a int4)" % kv)
        assert ei.value.sqlstate == "25006"
        assert "cannot execute CREATE TABLE in a read-only transaction" \
            in str(ei.value)
        c.execute("ROLLBACK")
        c.execute("INSERT INTO %s VALUES (1, 'a')" % kv)


def test_default_transaction_read_only(node, kv):
    with node.connect() as c:
        c.execute("SET default_transaction_read_only = on")
        assert show(c, "transaction_read_only") == "on"
        with pytest.raises(psycopg.Error) as ei:
            c.execute("UPDATE %s SET v = 'x'" % kv)
        assert ei.value.sqlstate == "25006"
        assert "cannot execute UPDATE in a read-only transaction" \
            in str(ei.value)
        # READ WRITE in BEGIN overrides the default for its block.
        c.execute("BEGIN READ WRITE")
        assert show(c, "transaction_read_only") == "off"
        c.execute("INSERT INTO %s VALUES (1, 'a')" % kv)
        c.execute("COMMIT")
        c.execute("RESET default_transaction_read_only")
        c.execute("DELETE FROM %s" % kv)


def test_psycopg_read_only_connection(node, kv):
    with node.connect() as c:
        c.read_only = True
        c.autocommit = False
        with pytest.raises(psycopg.Error) as ei:
            c.execute("DELETE FROM %s" % kv)
        assert ei.value.sqlstate == "25006"
        c.rollback()


def test_isolation_level_reported_as_requested(node):
    with node.connect() as c:
        assert show(c, "transaction_isolation") == "read committed"
        assert show(c, "default_transaction_isolation") == "read committed"
        c.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        assert show(c, "transaction isolation level") == "repeatable read"
        c.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
        assert show(c, "transaction_isolation") == "serializable"
        c.execute("COMMIT")
        assert show(c, "transaction_isolation") == "read committed"


def test_now_is_the_transaction_start(node, kv):
    """now() and CURRENT_TIMESTAMP are the transaction's start, the same
    in every statement of it (reads and writes); statement_timestamp() is
    the statement's; clock_timestamp() moves within a statement."""
    import time
    with node.connect() as c:
        c.execute("BEGIN")
        first, = c.execute("SELECT now()").fetchone()
        time.sleep(0.05)
        c.execute("INSERT INTO %s VALUES (1, now()::text)" % kv)
        again, cur, stmt = c.execute(
            "SELECT now(), current_timestamp, statement_timestamp()"
        ).fetchone()
        assert again == first and cur == first
        assert stmt > first
        stored, = c.execute("SELECT v::timestamptz FROM %s" % kv).fetchone()
        assert stored == first
        c.execute("COMMIT")
        later, = c.execute("SELECT now()").fetchone()
        assert later > first
        a, b = c.execute(
            "SELECT min(t), max(t) FROM (SELECT clock_timestamp() AS t "
            "FROM generate_series(1, 20000)) s").fetchone()
        assert b > a
        n1, n2 = c.execute("SELECT now(), now()").fetchone()
        assert n1 == n2
