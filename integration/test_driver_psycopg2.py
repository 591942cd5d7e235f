"""psycopg2: the simple query protocol with client-side parameter binding
(every statement is one Query message with the values inlined as
literals, often with a cast: '...'::date, '\\x..'::bytea)."""

import datetime
import decimal
import uuid
from contextlib import closing

import pytest

from conftest import TARGET

psycopg2 = pytest.importorskip(
    "psycopg2", reason="python3-psycopg2 is not installed (scripts/deps.sh)")
import psycopg2.errors  # noqa: E402
import psycopg2.extras  # noqa: E402

psycopg2.extras.register_uuid()

UTC = datetime.timezone.utc

ROW = (1, 2 ** 40, 1.5, decimal.Decimal("12345.67"), True, "it's \u00e9",
       b"\x00\x01\xff", datetime.date(2024, 1, 2),
       datetime.datetime(2024, 1, 2, 3, 4, 5, 123456),
       datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
       uuid.UUID("12345678-1234-5678-1234-567812345678"), {"a": [1, "x"]})
COLS = "id, i8, f, n, ok, t, b, d, ts, tz, u, j"


def connect(node, autocommit=True):
    """(Not a context manager: since psycopg2 2.9 `with conn` opens a
    transaction even in autocommit mode.)"""
    c = psycopg2.connect(node.dsn())
    c.autocommit = autocommit
    return c


def create_types_table(cur, table):
    cur.execute("CREATE TABLE %s (id int4 PRIMARY KEY, i8 int8, f float8, "
                "n numeric(12,2), ok bool, t text, b bytea, d date, "
                "ts timestamp, tz timestamptz, u uuid, j json)" % table)


def test_types_round_trip(node, table):
    with closing(connect(node)) as c, c.cursor() as cur:
        create_types_table(cur, table)
        row = ROW[:11] + (psycopg2.extras.Json(ROW[11]),)
        cur.execute("INSERT INTO %s (%s) VALUES (%%s, %%s, %%s, %%s, %%s, "
                    "%%s, %%s, %%s, %%s, %%s, %%s, %%s)" % (table, COLS), row)
        assert cur.rowcount == 1
        cur.execute("SELECT %s FROM %s WHERE id = %%s" % (COLS, table), (1,))
        got = cur.fetchone()
        got = got[:6] + (bytes(got[6]),) + got[7:]
        assert got == ROW
        # The values also work as literals in a WHERE clause.
        cur.execute("SELECT count(*) FROM %s WHERE i8 = %%s AND ok = %%s "
                    "AND t = %%s AND b = %%s AND d = %%s AND ts = %%s "
                    "AND tz = %%s AND u = %%s AND n = %%s" % table,
                    (ROW[1], ROW[4], ROW[5], ROW[6], ROW[7], ROW[8], ROW[9],
                     ROW[10], ROW[3]))
        assert cur.fetchone() == (1,)


def test_type_codes_in_description(node, table):
    with closing(connect(node)) as c, c.cursor() as cur:
        create_types_table(cur, table)
        cur.execute("SELECT %s FROM %s" % (COLS, table))
        assert cur.fetchall() == []
        assert [d.type_code for d in cur.description] == [
            23, 20, 701, 1700, 16, 25, 17, 1082, 1114, 1184, 2950, 114]


def test_nulls(node, table):
    with closing(connect(node)) as c, c.cursor() as cur:
        create_types_table(cur, table)
        cur.execute("INSERT INTO %s (%s) VALUES (%%s, %%s, %%s, %%s, %%s, "
                    "%%s, %%s, %%s, %%s, %%s, %%s, %%s)" % (table, COLS),
                    (2,) + (None,) * 11)
        cur.execute("SELECT %s FROM %s WHERE id = 2" % (COLS, table))
        assert cur.fetchone() == (2,) + (None,) * 11
        cur.execute("SELECT count(*) FROM %s WHERE t IS NULL AND b IS NULL"
                    % table)
        assert cur.fetchone() == (1,)
        cur.execute("SELECT %s::text IS NULL", (None,))
        assert cur.fetchone() == (True,)


def test_transactions(node, table):
    c = connect(node, autocommit=False)
    try:
        cur = c.cursor()
        cur.execute("CREATE TABLE %s (id int4 PRIMARY KEY, v text)" % table)
        c.commit()
        cur.execute("INSERT INTO %s VALUES (%%s, %%s)" % table, (1, "a"))
        c.rollback()
        cur.execute("INSERT INTO %s VALUES (%%s, %%s)" % table, (2, "b"))
        cur.execute("UPDATE %s SET v = %%s WHERE id = %%s" % table, ("c", 2))
        assert cur.rowcount == 1
        c.commit()
        cur.execute("SELECT id, v FROM %s ORDER BY id" % table)
        assert cur.fetchall() == [(2, "c")]
        c.commit()
        # An error aborts the transaction until rollback.
        cur.execute("INSERT INTO %s VALUES (%%s, %%s)" % table, (3, "d"))
        with pytest.raises(psycopg2.errors.UniqueViolation):
            cur.execute("INSERT INTO %s VALUES (%%s, %%s)" % table, (2, "x"))
        with pytest.raises(psycopg2.errors.InFailedSqlTransaction):
            cur.execute("SELECT 1")
        c.rollback()
        cur.execute("SELECT count(*) FROM %s" % table)
        assert cur.fetchone() == (1,)
        c.commit()
    finally:
        c.close()


def test_errors_map_to_exception_classes(node, table):
    with closing(connect(node)) as c, c.cursor() as cur:
        cur.execute("CREATE TABLE %s (id int4 PRIMARY KEY, v text NOT NULL)"
                    % table)
        cur.execute("INSERT INTO %s VALUES (%%s, %%s)" % table, (1, "a"))
        cases = [
            ("INSERT INTO %s VALUES (1, 'b')" % table,
             psycopg2.errors.UniqueViolation, "23505"),
            ("INSERT INTO %s VALUES (2, NULL)" % table,
             psycopg2.errors.NotNullViolation, "23502"),
            ("SELECT * FROM %s_missing" % table,
             psycopg2.errors.UndefinedTable, "42P01"),
            ("SELECT nope FROM %s" % table,
             psycopg2.errors.UndefinedColumn, "42703"),
            ("SELEC 1", psycopg2.errors.SyntaxError, "42601"),
            ("SELECT 'x'::int4", psycopg2.errors.InvalidTextRepresentation,
             "22P02"),
            ("SELECT 1 / 0", psycopg2.errors.DivisionByZero, "22012"),
        ]
        for sql, cls, code in cases:
            with pytest.raises(cls) as ei:
                cur.execute(sql)
            assert ei.value.pgcode == code, sql
            assert isinstance(ei.value, psycopg2.Error)
        cur.execute("SELECT count(*) FROM %s" % table)
        assert cur.fetchone() == (1,)


def test_executemany_and_execute_values(node, table):
    with closing(connect(node)) as c, c.cursor() as cur:
        cur.execute("CREATE TABLE %s (id int4 PRIMARY KEY, v text, "
                    "d date)" % table)
        day = datetime.date(2024, 3, 1)
        cur.executemany("INSERT INTO %s VALUES (%%s, %%s, %%s)" % table,
                        [(i, "v%d" % i, day) for i in range(50)])
        psycopg2.extras.execute_values(
            cur, "INSERT INTO %s VALUES %%s" % table,
            [(i, None, None) for i in range(50, 100)])
        psycopg2.extras.execute_batch(
            cur, "UPDATE %s SET v = %%s WHERE id = %%s" % table,
            [("w", i) for i in range(0, 100, 10)])
        cur.execute("SELECT count(*), count(v), count(d) FROM %s" % table)
        assert cur.fetchone() == (100, 55, 50)
        cur.execute("SELECT v FROM %s WHERE id = ANY(%%s) ORDER BY id"
                    % table, ([10, 11],))
        assert cur.fetchall() == [("w",), ("v11",)]


def test_server_side_cursor(node, table):
    c = connect(node, autocommit=False)
    try:
        cur = c.cursor()
        cur.execute("CREATE TABLE %s (id int4 PRIMARY KEY)" % table)
        cur.execute("INSERT INTO %s SELECT g FROM generate_series(1, 500) "
                    "AS g" % table)
        c.commit()
        named = c.cursor("drv_cur")
        named.itersize = 100
        named.execute("SELECT id FROM %s ORDER BY id" % table)
        assert [r[0] for r in named] == list(range(1, 501))
        named.close()
        c.commit()
        # fetchmany / fetchone over a cursor of an expression query.
        named = c.cursor("drv_cur2")
        named.execute("SELECT id, id * 2 AS twice FROM %s WHERE id <= 5 "
                      "ORDER BY id" % table)
        assert named.fetchone() == (1, 2)
        assert named.fetchmany(2) == [(2, 4), (3, 6)]
        assert named.fetchall() == [(4, 8), (5, 10)]
        assert named.fetchall() == []
        named.close()
        c.rollback()
        # Errors keep their classes.
        with pytest.raises(psycopg2.errors.UndefinedTable):
            bad = c.cursor("drv_bad")
            bad.execute("SELECT * FROM %s_missing" % table)
            bad.fetchall()
        c.rollback()
    finally:
        c.close()


def test_copy_expert_and_copy_from(node, table):
    import io
    c = connect(node)
    try:
        cur = c.cursor()
        cur.execute("CREATE TABLE %s (id int4 PRIMARY KEY, v text, "
                    "b bytea)" % table)
        data = "".join("%d\tv%d\t\\\\x%02x\n" % (i, i, i % 256)
                       for i in range(1, 2001))
        cur.copy_expert("COPY %s FROM STDIN" % table, io.StringIO(data))
        cur.execute("SELECT count(*), sum(id) FROM %s" % table)
        assert cur.fetchone() == (2000, 2001000)
        cur.execute("SELECT b FROM %s WHERE id = 255" % table)
        assert bytes(cur.fetchone()[0]) == b"\xff"
        out = io.StringIO()
        cur.copy_expert("COPY (SELECT id, v FROM %s WHERE id <= 3 ORDER BY "
                        "id) TO STDOUT WITH (FORMAT csv, HEADER)" % table,
                        out)
        assert out.getvalue() == "id,v\n1,v1\n2,v2\n3,v3\n"
        out = io.StringIO()
        cur.copy_to(out, table, columns=("id", "v"))
        assert len(out.getvalue().splitlines()) == 2000
        # A bad row aborts the whole COPY, with the line in the error.
        with pytest.raises(psycopg2.errors.InvalidTextRepresentation) as e:
            cur.copy_from(io.StringIO("3001\tx\t\\N\nnope\ty\t\\N\n"),
                          table)
        assert "line 2" in str(e.value)
        cur.execute("SELECT count(*) FROM %s" % table)
        assert cur.fetchone() == (2000,)
    finally:
        c.close()


def test_cancel_stops_a_waiting_statement(node, table):
    import threading
    holder = connect(node, autocommit=False)
    c = connect(node)
    try:
        c.cursor().execute("CREATE TABLE %s (id int4 PRIMARY KEY)" % table)
        holder.cursor().execute("INSERT INTO %s VALUES (1)" % table)
        timer = threading.Timer(0.3, c.cancel)
        timer.start()
        with pytest.raises(psycopg2.errors.QueryCanceled):
            c.cursor().execute("INSERT INTO %s VALUES (1)" % table)
        timer.join()
        holder.rollback()
        c.cursor().execute("INSERT INTO %s VALUES (2)" % table)
    finally:
        holder.close()
        c.close()
