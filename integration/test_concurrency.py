"""Many sessions writing the same table at once: every statement succeeds
(no SQLITE_BUSY leaking out as an error) and no row is lost."""

import threading
import time

import psycopg

SESSIONS = 50
ROWS_EACH = 20
DEADLINE = 120.0  # seconds for the whole load, generous for a slow CI box


def _run_sessions(node, work):
    errors = []
    done = []
    start = threading.Barrier(SESSIONS, timeout=60)

    def worker(i):
        try:
            with node.connect() as c:
                start.wait()
                work(c, i)
            done.append(i)
        except Exception as e:  # noqa: BLE001 - collect everything
            errors.append((i, repr(e)))

    threads = [threading.Thread(target=worker, args=(i,), daemon=True)
               for i in range(SESSIONS)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.1, DEADLINE - (time.monotonic() - t0)))
    stuck = [t for t in threads if t.is_alive()]
    assert not stuck, "%d sessions still running after %.0f s" % (
        len(stuck), DEADLINE)
    assert errors == [], errors[:5]
    assert len(done) == SESSIONS


def test_concurrent_autocommit_inserts(node, table):
    node.psql("CREATE TABLE %s (id int4 PRIMARY KEY, session int4, n int4)"
              % table)

    def work(c, i):
        for n in range(ROWS_EACH):
            c.execute("INSERT INTO %s VALUES (%d, %d, %d)"
                      % (table, i * ROWS_EACH + n, i, n))

    _run_sessions(node, work)
    assert node.query_one("SELECT count(*), count(DISTINCT session) FROM %s"
                          % table) == (SESSIONS * ROWS_EACH, SESSIONS)


def test_concurrent_transactions(node, table):
    node.psql("CREATE TABLE %s (id int4 PRIMARY KEY, session int4)" % table)
    txs = 5

    def work(c, i):
        for t in range(txs):
            c.execute("BEGIN")
            for n in range(3):
                c.execute("INSERT INTO %s VALUES (%d, %d)"
                          % (table, (i * txs + t) * 3 + n, i))
            c.execute("COMMIT")

    _run_sessions(node, work)
    assert node.query_one("SELECT count(*) FROM %s" % table) == (
        SESSIONS * txs * 3,)


def test_concurrent_updates_of_one_row(node, table):
    """Read-modify-write in one statement: no update is lost."""
    node.psql("CREATE TABLE %s (id int4 PRIMARY KEY, n int4)" % table)
    node.psql("INSERT INTO %s VALUES (1, 0)" % table)
    per = 10

    def work(c, i):
        for _ in range(per):
            c.execute("UPDATE %s SET n = n + 1 WHERE id = 1" % table)

    _run_sessions(node, work)
    assert node.query_one("SELECT n FROM %s" % table) == (SESSIONS * per,)


def test_readers_during_writes(node, table):
    node.psql("CREATE TABLE %s (id int4 PRIMARY KEY)" % table)

    def work(c, i):
        for n in range(ROWS_EACH):
            if i % 2:
                c.execute("SELECT count(*) FROM %s" % table).fetchone()
            else:
                c.execute("INSERT INTO %s VALUES (%d)"
                          % (table, i * ROWS_EACH + n))

    _run_sessions(node, work)
    assert node.query_one("SELECT count(*) FROM %s" % table) == (
        (SESSIONS // 2) * ROWS_EACH,)
