"""The extended query protocol with real clients: psycopg 3 (which uses
it for every statement) and pgbench -M extended / -M prepared."""

import datetime
import decimal
import os
import subprocess
import uuid

import psycopg
import pytest

from conftest import TARGET


def test_parameters_of_every_type_in_text_and_binary(node):
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE ext_types (id int4 PRIMARY KEY, i8 int8, "
                  "ok bool, f float8, n numeric(10,2), t text, "
                  "v varchar(10), d date, ts timestamp, tz timestamptz, "
                  "b bytea, u uuid, j json)")
        row = (1, 2 ** 40, True, 1.5, decimal.Decimal("3.14"), "it's",
               "short", datetime.date(2024, 1, 2),
               datetime.datetime(2024, 1, 2, 3, 4, 5, 123456),
               datetime.datetime(2024, 1, 2, 3, 4, 5,
                                 tzinfo=datetime.timezone.utc),
               b"\x00\x01\xff", uuid.UUID(int=12345), '{"a": 1}')
        c.execute("INSERT INTO ext_types VALUES (%s, %s, %s, %s, %s, %s, "
                  "%s, %s, %s, %s, %s, %s, %s)", row)
        c.execute("INSERT INTO ext_types (id) VALUES (%s)", (2,))
        for binary in (False, True):
            cur = c.cursor(binary=binary)
            got = cur.execute("SELECT id, i8, ok, f, n, t, v, d, ts, tz, "
                              "b, u FROM ext_types WHERE id = %s",
                              (1,)).fetchone()
            assert got == row[:12], (binary, got)
            nulls = cur.execute("SELECT i8, ok, t, b FROM ext_types "
                                "WHERE id = %s", (2,)).fetchone()
            assert nulls == (None, None, None, None)
            # Binary parameters too.
            cur.execute("SELECT count(*) FROM ext_types WHERE i8 = %b",
                        (2 ** 40,))
            assert cur.fetchone() == (1,)


def test_errors_keep_their_sqlstate_and_the_session(node):
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE ext_err (id int4 PRIMARY KEY)")
        c.execute("INSERT INTO ext_err VALUES (%s)", (1,))
        with pytest.raises(psycopg.errors.UniqueViolation):
            c.execute("INSERT INTO ext_err VALUES (%s)", (1,))
        with pytest.raises(psycopg.errors.InvalidTextRepresentation):
            c.execute("SELECT %s::int4", ("nope",))
        with pytest.raises(psycopg.errors.UndefinedTable):
            c.execute("SELECT * FROM ext_missing WHERE id = %s", (1,))
        with pytest.raises(psycopg.errors.SyntaxError):
            c.execute("SELECT 1; SELECT 2", prepare=True)
        assert c.execute("SELECT %s::int4 + 1", (1,)).fetchone() == (2,)


def test_transactions_pipelines_and_prepared_statements(node):
    with psycopg.connect(node.dsn()) as c:  # not autocommit
        c.execute("CREATE TABLE ext_tx (id int4 PRIMARY KEY, v text)")
        c.commit()
        c.execute("INSERT INTO ext_tx VALUES (%s, %s)", (1, "a"))
        c.rollback()
        c.execute("INSERT INTO ext_tx VALUES (%s, %s)", (2, "b"))
        c.commit()
        assert c.execute("SELECT id FROM ext_tx").fetchall() == [(2,)]
        c.commit()
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        with c.pipeline():
            for i in range(10, 20):
                c.execute("INSERT INTO ext_tx VALUES (%s, %s)", (i, "p"))
        c.cursor().executemany("INSERT INTO ext_tx VALUES (%s, %s)",
                               [(i, "m") for i in range(20, 30)])
        for _ in range(8):  # crosses psycopg's prepare threshold
            assert c.execute("SELECT count(*) FROM ext_tx WHERE v = %s",
                             ("p",)).fetchone() == (10,)
        # A pipeline whose middle statement fails: the implicit
        # transaction up to the Sync is rolled back as a whole.
        with pytest.raises(psycopg.errors.UniqueViolation):
            with c.pipeline():
                c.execute("INSERT INTO ext_tx VALUES (%s, %s)", (40, "x"))
                c.execute("INSERT INTO ext_tx VALUES (%s, %s)", (10, "x"))
        assert c.execute("SELECT count(*) FROM ext_tx WHERE id = 40"
                         ).fetchone() == (0,)


def test_prepared_statements_follow_ddl(node, table):
    """PostgreSQL re-plans a prepared statement after DDL: it sees the new
    schema, and a query whose result columns changed is refused (0A000)
    rather than sending rows the client was not told about."""
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE %s (a int, b text)" % table)
        star = "SELECT * FROM %s" % table
        one = "SELECT a FROM %s WHERE a = %%s" % table
        ins = "INSERT INTO %s VALUES (%%s, %%s)" % table
        for i in range(2):
            c.execute(ins, (i, "x"), prepare=True)
            assert c.execute(star, prepare=True).fetchall()[:1] == \
                [(0, "x")]
            assert c.execute(one, (0,), prepare=True).fetchall() == [(0,)]
        c.execute("ALTER TABLE %s ADD COLUMN c int DEFAULT 7" % table)
        with pytest.raises(psycopg.errors.FeatureNotSupported) as e:
            c.execute(star, prepare=True)
        assert e.value.diag.message_primary == \
            "cached plan must not change result type"
        assert c.execute(one, (1,), prepare=True).fetchall() == [(1,)]
        c.execute(ins, (5, "y"), prepare=True)
        assert c.execute("SELECT c FROM %s WHERE a = 5"
                         % table).fetchall() == [(7,)]
        c.execute("ALTER TABLE %s RENAME COLUMN a TO aa" % table)
        with pytest.raises(psycopg.errors.UndefinedColumn):
            c.execute(one, (1,), prepare=True)


@pytest.mark.parametrize("mode", ["simple", "extended", "prepared"])
def test_pgbench_modes_run_without_failures(node, mode, tmp_path):
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE IF NOT EXISTS bench_kv "
                  "(k int4 PRIMARY KEY, v text)")
        c.execute("INSERT INTO bench_kv SELECT g, 'v' FROM "
                  "generate_series(1, 1000) AS g ON CONFLICT DO NOTHING")
    script = tmp_path / "s.sql"
    script.write_text("\\set k random(1, 1000)\n"
                      "BEGIN;\n"
                      "UPDATE bench_kv SET v = 'w' WHERE k = :k;\n"
                      "SELECT v FROM bench_kv WHERE k = :k;\n"
                      "END;\n")
    env = dict(os.environ, PGPASSWORD=node.password, PGSSLMODE="require")
    r = subprocess.run(["pgbench", "-n", "--verbose-errors", "-M", mode,
                        "-f", str(script),
                        "-c", "4", "-j", "2", "-t", "50",
                        "-h", "127.0.0.1", "-p", str(node.port),
                        "-U", "postgres", "postgres"],
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    assert "number of failed transactions: 0" in r.stdout, \
        r.stdout + r.stderr
    assert "number of transactions actually processed: 200/200" in r.stdout


@pytest.mark.skipif(TARGET == "postgres",
                    reason="PostgreSQL's row locks let the second INSERT "
                           "run; triode has one writer per database")
def test_statement_timeout_and_cancel_stop_a_waiting_statement(node):
    import threading
    import time
    with psycopg.connect(node.dsn(), autocommit=True) as a, \
            psycopg.connect(node.dsn(), autocommit=True) as b:
        a.execute("CREATE TABLE ext_wait (id int4 PRIMARY KEY)")
        a.execute("BEGIN")
        a.execute("INSERT INTO ext_wait VALUES (1)")  # holds the writer
        b.execute("SET statement_timeout = 200")
        start = time.monotonic()
        with pytest.raises(psycopg.errors.QueryCanceled) as e:
            b.execute("INSERT INTO ext_wait VALUES (2)")
        assert "statement timeout" in str(e.value)
        assert time.monotonic() - start < 5
        b.execute("SET statement_timeout = 0")

        # A CancelRequest from another connection does the same.
        threading.Timer(0.3, b.cancel).start()
        with pytest.raises(psycopg.errors.QueryCanceled) as e:
            b.execute("INSERT INTO ext_wait VALUES (3)")
        assert "user request" in str(e.value)
        a.execute("COMMIT")
        # Nothing of the canceled statements happened.
        assert b.execute("SELECT id FROM ext_wait").fetchall() == [(1,)]
