"""asyncpg: the extended protocol with binary formats for parameters and
results; it prepares every statement (Parse + Describe), and encodes each
parameter by the type the server describes, so wrong inferred types show
up as client-side errors."""

import asyncio
import datetime
import decimal
import json
import ssl
import uuid

import pytest

from conftest import TARGET

asyncpg = pytest.importorskip(
    "asyncpg", reason="python3-asyncpg is not installed (scripts/deps.sh)")

UTC = datetime.timezone.utc

VALUES = {
    "i4": ("int4", 123456),
    "i8": ("int8", 2 ** 40),
    "i2": ("int2", -7),
    "f": ("float8", 1.5),
    "n": ("numeric(12,2)", decimal.Decimal("12345.67")),
    "ok": ("bool", True),
    "t": ("text", "it's \u00e9"),
    "b": ("bytea", b"\x00\x01\xff"),
    "d": ("date", datetime.date(2024, 1, 2)),
    "ts": ("timestamp", datetime.datetime(2024, 1, 2, 3, 4, 5, 123456)),
    "tz": ("timestamptz", datetime.datetime(2024, 1, 2, 3, 4, 5, 6,
                                            tzinfo=UTC)),
    "u": ("uuid", uuid.UUID("12345678-1234-5678-1234-567812345678")),
    "j": ("json", '{"a": [1, "x"]}'),
}
COLS = list(VALUES)



def ssl_ctx():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


async def connect(node):
    return await asyncpg.connect(host="127.0.0.1", port=node.port,
                                 user=node.user, database=node.dbname,
                                 password=node.password, ssl=ssl_ctx(),
                                 timeout=10, command_timeout=30)


def run(node, body):
    """Run `body(conn)` in a fresh event loop with a fresh connection."""
    async def main():
        conn = await connect(node)
        try:
            return await body(conn)
        finally:
            await conn.close(timeout=5)
    return asyncio.run(main())


async def create_types_table(conn, table):
    await conn.execute("CREATE TABLE %s (id int4 PRIMARY KEY, %s)" % (
        table, ", ".join("%s %s" % (c, VALUES[c][0]) for c in COLS)))


def test_connect_with_asyncpg_startup_parameters(node):
    async def body(conn):
        assert await conn.fetchval("SELECT 1") == 1
        assert await conn.fetchval("SHOW client_encoding") == "UTF8"
    run(node, body)


def test_parameters_and_results_of_every_type(node, table):
    async def body(conn):
        await create_types_table(conn, table)
        placeholders = ", ".join("$%d" % (i + 2) for i in range(len(COLS)))
        status = await conn.execute(
            "INSERT INTO %s (id, %s) VALUES ($1, %s)"
            % (table, ", ".join(COLS), placeholders),
            1, *[VALUES[c][1] for c in COLS])
        assert status == "INSERT 0 1"
        row = await conn.fetchrow("SELECT %s FROM %s WHERE id = $1"
                                  % (", ".join(COLS), table), 1)
        assert dict(row) == {c: VALUES[c][1] for c in COLS}
    run(node, body)


@pytest.mark.parametrize("col", COLS)
def test_parameter_in_where_clause(node, table, col):
    """A parameter compared with a column takes the column's type."""
    async def body(conn):
        await create_types_table(conn, table)
        await conn.execute("INSERT INTO %s (id, %s) VALUES (1, $1)"
                           % (table, col), VALUES[col][1])
        if col == "j":  # json has no equality operator
            sql = "SELECT id FROM %s WHERE j::text = $1" % table
        else:
            sql = "SELECT id FROM %s WHERE %s = $1" % (table, col)
        assert await conn.fetchval(sql, VALUES[col][1]) == 1
    run(node, body)


def test_fetchval_with_casts(node):
    async def body(conn):
        for name, (typ, value) in VALUES.items():
            got = await conn.fetchval("SELECT $1::%s" % typ, value)
            assert got == value, (name, got)
        assert await conn.fetchval("SELECT $1::int4 + $2::int4", 2, 3) == 5
        assert await conn.fetchval("SELECT $1::text || 'x'", "a") == "ax"
    run(node, body)


def test_nulls(node, table):
    async def body(conn):
        await create_types_table(conn, table)
        placeholders = ", ".join("$%d" % (i + 2) for i in range(len(COLS)))
        await conn.execute("INSERT INTO %s (id, %s) VALUES ($1, %s)"
                           % (table, ", ".join(COLS), placeholders),
                           2, *[None] * len(COLS))
        row = await conn.fetchrow("SELECT * FROM %s WHERE id = $1" % table, 2)
        assert dict(row) == dict({"id": 2}, **{c: None for c in COLS})
        assert await conn.fetchval("SELECT $1::int8 IS NULL", None) is True
    run(node, body)


def test_transactions(node, table):
    async def body(conn):
        await conn.execute("CREATE TABLE %s (id int4 PRIMARY KEY, v text)"
                           % table)
        async with conn.transaction():
            await conn.execute("INSERT INTO %s VALUES ($1, $2)" % table,
                               1, "a")
            assert conn.is_in_transaction()
        with pytest.raises(ZeroDivisionError):
            async with conn.transaction():
                await conn.execute("INSERT INTO %s VALUES ($1, $2)" % table,
                                   2, "b")
                1 / 0
        tr = conn.transaction()
        await tr.start()
        await conn.execute("UPDATE %s SET v = $1 WHERE id = $2" % table,
                           "c", 1)
        await tr.rollback()
        assert not conn.is_in_transaction()
        rows = await conn.fetch("SELECT id, v FROM %s ORDER BY id" % table)
        assert [tuple(r) for r in rows] == [(1, "a")]
        # An error inside the block rolls the whole block back.
        with pytest.raises(asyncpg.UniqueViolationError):
            async with conn.transaction():
                await conn.execute("INSERT INTO %s VALUES ($1, $2)" % table,
                                   3, "c")
                await conn.execute("INSERT INTO %s VALUES ($1, $2)" % table,
                                   1, "dup")
        assert await conn.fetchval("SELECT count(*) FROM %s" % table) == 1
    run(node, body)


def test_errors_map_to_exception_classes(node, table):
    async def body(conn):
        await conn.execute("CREATE TABLE %s (id int4 PRIMARY KEY, "
                           "v text NOT NULL)" % table)
        await conn.execute("INSERT INTO %s VALUES ($1, $2)" % table, 1, "a")
        cases = [
            ("INSERT INTO %s VALUES ($1, $2)" % table, (1, "b"),
             asyncpg.UniqueViolationError, "23505"),
            ("INSERT INTO %s VALUES ($1, $2)" % table, (2, None),
             asyncpg.NotNullViolationError, "23502"),
            ("SELECT * FROM %s_missing WHERE id = $1" % table, (1,),
             asyncpg.UndefinedTableError, "42P01"),
            ("SELECT nope FROM %s" % table, (),
             asyncpg.UndefinedColumnError, "42703"),
            ("SELEC $1", (1,), asyncpg.PostgresSyntaxError, "42601"),
            ("SELECT $1::text::int4", ("x",),
             asyncpg.InvalidTextRepresentationError, "22P02"),
            ("SELECT $1::int4 / 0", (1,), asyncpg.DivisionByZeroError,
             "22012"),
        ]
        for sql, args, cls, code in cases:
            with pytest.raises(cls) as ei:
                await conn.fetch(sql, *args)
            assert ei.value.sqlstate == code, sql
        assert await conn.fetchval("SELECT count(*) FROM %s" % table) == 1
    run(node, body)


def test_executemany(node, table):
    async def body(conn):
        await conn.execute("CREATE TABLE %s (id int4 PRIMARY KEY, v text, "
                           "ts timestamptz)" % table)
        ts = datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
        await conn.executemany("INSERT INTO %s VALUES ($1, $2, $3)" % table,
                               [(i, "v%d" % i, ts) for i in range(200)])
        assert await conn.fetchval(
            "SELECT count(*) FROM %s WHERE ts = $1" % table, ts) == 200
        # A failing row in executemany rolls back the whole batch.
        with pytest.raises(asyncpg.UniqueViolationError):
            await conn.executemany(
                "INSERT INTO %s VALUES ($1, $2, $3)" % table,
                [(1000, "a", None), (1, "dup", None)])
        assert await conn.fetchval("SELECT count(*) FROM %s" % table) == 200
    run(node, body)


def test_prepared_statements_reused(node, table):
    async def body(conn):
        await conn.execute("CREATE TABLE %s (id int4 PRIMARY KEY, v text)"
                           % table)
        ins = await conn.prepare("INSERT INTO %s VALUES ($1, $2)" % table)
        for i in range(20):
            await ins.fetch(i, "v%d" % i)
        sel = await conn.prepare("SELECT v FROM %s WHERE id = $1" % table)
        assert [a.name for a in sel.get_attributes()] == ["v"]
        assert [t.name for t in sel.get_parameters()] == ["int4"]
        for i in range(20):
            assert await sel.fetchval(i) == "v%d" % i
        assert await sel.fetchval(99) is None
        # A cursor over a prepared statement fetches in chunks
        # (Execute with a row limit, PortalSuspended).
        async with conn.transaction():
            got = [r["id"] async for r in conn.cursor(
                "SELECT id FROM %s WHERE id >= $1 ORDER BY id" % table, 5,
                prefetch=4)]
        assert got == list(range(5, 20))
    run(node, body)


def test_fetch_10000_rows(node, table):
    async def body(conn):
        await conn.execute("CREATE TABLE %s (id int4 PRIMARY KEY, v text, "
                           "f float8)" % table)
        await conn.execute("INSERT INTO %s SELECT g, 'row ' || g, g / 4.0 "
                           "FROM generate_series(1, 10000) AS g" % table)
        rows = await conn.fetch("SELECT id, v, f FROM %s WHERE id > $1 "
                                "ORDER BY id" % table, 0)
        assert len(rows) == 10000
        assert tuple(rows[0]) == (1, "row 1", 0.25)
        assert tuple(rows[-1]) == (10000, "row 10000", 2500.0)
        assert sum(r["id"] for r in rows) == 10000 * 10001 // 2
    run(node, body)


def test_json_codec_and_server_settings(node):
    async def body(conn):
        await conn.set_type_codec("json", encoder=json.dumps,
                                  decoder=json.loads, schema="pg_catalog")
        assert await conn.fetchval("SELECT $1::json", {"k": [1, 2]}) == \
            {"k": [1, 2]}
        v = conn.get_server_version()
        assert v.major >= 13
    run(node, body)


def test_copy_to_table_and_from_query(node, table):
    import io

    async def body(conn):
        await conn.execute("CREATE TABLE %s (id int4 PRIMARY KEY, v text)"
                           % table)
        src = io.BytesIO("".join("%d,v%d\n" % (i, i)
                                 for i in range(1, 1001)).encode())
        status = await conn.copy_to_table(table, source=src, format="csv")
        assert status == "COPY 1000"
        out = io.BytesIO()
        status = await conn.copy_from_query(
            "SELECT id, v FROM %s WHERE id <= 2 ORDER BY id" % table,
            output=out, format="csv", header=True)
        assert status == "COPY 2"
        assert out.getvalue() == b"id,v\n1,v1\n2,v2\n"
        with pytest.raises(asyncpg.InvalidTextRepresentationError):
            await conn.copy_to_table(table, source=io.BytesIO(b"x,y\n"),
                                     format="csv")
        assert await conn.fetchval("SELECT count(*) FROM %s" % table) == \
            1000
    run(node, body)


def test_timeout_cancels_a_waiting_statement(node, table):
    async def body(conn):
        await conn.execute("CREATE TABLE %s (id int4 PRIMARY KEY)" % table)
        holder = await connect(node)
        try:
            tr = holder.transaction()
            await tr.start()
            await holder.execute("INSERT INTO %s VALUES (1)" % table)
            # asyncpg sends a CancelRequest when the timeout expires.
            with pytest.raises(asyncio.TimeoutError):
                await conn.execute("INSERT INTO %s VALUES (1)" % table,
                                   timeout=0.3)
            await tr.rollback()
        finally:
            await holder.close(timeout=5)
        # The connection is usable again (as with PostgreSQL, whether the
        # cancelled INSERT ran before the cancel landed is a race).
        await conn.execute("INSERT INTO %s VALUES (2)" % table)
        assert await conn.fetchval("SELECT max(id) FROM %s" % table) == 2
    run(node, body)
