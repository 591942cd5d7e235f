"""One-dimensional arrays of the scalar types: array columns, literals,
constructors and operators in SQL, and array parameters and results as
drivers send and read them (psycopg 3 in text and binary, asyncpg's
binary arrays and `= ANY($1::int[])`, psycopg2's lists).  The same
tests run against PostgreSQL 15 (TRIODE_TEST_TARGET=postgres)."""

import asyncio
import datetime
import decimal
import ssl
import uuid

import psycopg
import pytest

from conftest import TARGET

asyncpg = pytest.importorskip(
    "asyncpg", reason="python3-asyncpg is not installed (scripts/deps.sh)")
psycopg2 = pytest.importorskip(
    "psycopg2", reason="python3-psycopg2 is not installed (scripts/deps.sh)")


def make_table(c, table):
    c.execute("CREATE TABLE %s (id int4 PRIMARY KEY, nums int4[], "
              "tags text[], fs float8[], ds date[], bs bytea[], "
              "us uuid[], m integer ARRAY)" % table)


def test_literals_and_output(node):
    with node.connect() as c:
        row = c.execute(
            "SELECT '{1,2,NULL}'::int4[]::text, "
            "'{\"a b\",\"c\\\"d\",\"\",NULL,\"NULL\",x}'::text[]::text, "
            "ARRAY[1,2,3]::text, '{}'::int[]::text, "
            "'{t,f}'::bool[]::text, '{1.5,2}'::float8[]::text").fetchone()
        assert row == ("{1,2,NULL}", '{"a b","c\\"d","",NULL,"NULL",x}',
                       "{1,2,3}", "{}", "{t,f}", "{1.5,2}")
        with pytest.raises(psycopg.errors.InvalidTextRepresentation) as ei:
            c.execute("SELECT '{1,2'::int[]")
        assert 'malformed array literal: "{1,2"' in str(ei.value)
        assert ei.value.diag.message_detail == "Unexpected end of input."
        with pytest.raises(psycopg.errors.InvalidTextRepresentation):
            c.execute("SELECT '{x}'::int[]")


def test_columns_and_functions(node, table):
    with node.connect() as c:
        make_table(c, table)
        c.execute("INSERT INTO %s (id, nums, tags) VALUES "
                  "(1, ARRAY[1,2,3], ARRAY['a','b c']), "
                  "(2, ARRAY[5], ARRAY['d']), "
                  "(3, '{}', '{}')" % table)
        rows = c.execute(
            "SELECT id, nums[1], nums[3], nums[9], array_length(nums, 1), "
            "cardinality(nums), array_to_string(tags, '|') FROM %s "
            "ORDER BY id" % table).fetchall()
        assert rows == [(1, 1, 3, None, 3, 3, "a|b c"),
                        (2, 5, None, None, 1, 1, "d"),
                        (3, None, None, None, None, 0, "")]
        ids = [r[0] for r in c.execute(
            "SELECT id FROM %s WHERE 2 = ANY(nums) OR 'd' = ANY(tags) "
            "ORDER BY id" % table)]
        assert ids == [1, 2]
        ids = [r[0] for r in c.execute(
            "SELECT id FROM %s WHERE nums @> ARRAY[1,2] ORDER BY id"
            % table)]
        assert ids == [1]
        ids = [r[0] for r in c.execute(
            "SELECT id FROM %s WHERE nums && ARRAY[5,7] ORDER BY id"
            % table)]
        assert ids == [2]
        row = c.execute(
            "SELECT array_append(nums, 4), nums || ARRAY[9], "
            "array_position(nums, 3) FROM %s WHERE id = 1" % table
        ).fetchone()
        assert row == ([1, 2, 3, 4], [1, 2, 3, 9], 3)
        assert c.execute("SELECT array_agg(id) FROM %s" % table
                         ).fetchone()[0] is not None
        # (triode describes unnest's column as text: cast it.)
        got = c.execute("SELECT x::int4 FROM unnest(ARRAY[3,1,2]) AS x"
                        ).fetchall()
        assert got == [(3,), (1,), (2,)]
        assert c.execute("SELECT string_to_array('a,b,,c', ',')"
                         ).fetchone()[0] == ["a", "b", "", "c"]


def test_psycopg_text_and_binary_parameters(node, table):
    vals = {
        "nums": [1, None, -3],
        "tags": ["a b", 'q"uote', "", None, "NULL", "back\\slash", "{x}"],
        "fs": [1.5, -0.25, float("inf")],
        "ds": [datetime.date(2024, 1, 2), None],
        "bs": [b"\x00\xff", None],
        "us": [uuid.UUID("12345678-1234-5678-1234-567812345678")],
    }
    cols = list(vals)
    for binary in (False, True):
        with node.connect() as c:
            c.execute("DROP TABLE IF EXISTS %s" % table)
            make_table(c, table)
            c.execute("INSERT INTO %s (id, %s) VALUES (1, %s)" % (
                table, ", ".join(cols), ", ".join(["%s"] * len(cols))),
                [vals[k] for k in cols], binary=binary)
            cur = c.cursor(binary=binary)
            row = cur.execute("SELECT %s FROM %s WHERE id = 1" % (
                ", ".join(cols), table)).fetchone()
            assert dict(zip(cols, row)) == vals
            ids = cur.execute("SELECT id FROM %s WHERE id = ANY(%%s)"
                              % table, [[1, 2]], binary=binary).fetchall()
            assert ids == [(1,)]
            # An empty list, and a list with the column on the right.
            assert cur.execute("SELECT count(*) FROM %s WHERE id = ANY(%%s)"
                               % table, [[]]).fetchone() == (0,)
            assert cur.execute(
                "SELECT count(*) FROM %s WHERE %%s = ANY(tags)" % table,
                ["a b"]).fetchone() == (1,)


def test_asyncpg_binary_arrays(node, table):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE

    async def main():
        conn = await asyncpg.connect(
            host="127.0.0.1", port=node.port, user=node.user,
            database=node.dbname, password=node.password, ssl=ctx,
            timeout=10, command_timeout=30)
        try:
            await conn.execute(
                "CREATE TABLE %s (id int4 PRIMARY KEY, nums int4[], "
                "tags text[], ns numeric[], ts timestamptz[])" % table)
            t = datetime.datetime(2024, 1, 2, 3, 4, 5,
                                  tzinfo=datetime.timezone.utc)
            await conn.executemany(
                "INSERT INTO %s VALUES ($1, $2, $3, $4, $5)" % table,
                [(1, [1, 2, None], ["x", "y z"], [decimal.Decimal("1.5")],
                  [t]),
                 (2, [], [], None, None)])
            rows = await conn.fetch(
                "SELECT id FROM %s WHERE id = ANY($1::int[]) ORDER BY id"
                % table, [2, 1, 7])
            assert [r["id"] for r in rows] == [1, 2]
            rows = await conn.fetch(
                "SELECT id FROM %s WHERE id = ANY($1) ORDER BY id" % table,
                [1])
            assert [r["id"] for r in rows] == [1]
            r = await conn.fetchrow(
                "SELECT nums, tags, ns, ts FROM %s WHERE id = 1" % table)
            assert r["nums"] == [1, 2, None]
            assert r["tags"] == ["x", "y z"]
            assert r["ns"] == [decimal.Decimal("1.5")]
            assert r["ts"] == [t]
            assert await conn.fetchval(
                "SELECT nums FROM %s WHERE id = 2" % table) == []
            assert await conn.fetchval("SELECT ARRAY[1,2]") == [1, 2]
            assert await conn.fetchval(
                "SELECT $1::text[]", ["a", None]) == ["a", None]
        finally:
            await conn.close(timeout=5)
    asyncio.run(main())


def test_psycopg2_lists(node, table):
    c = psycopg2.connect(node.dsn())
    try:
        c.autocommit = True
        cur = c.cursor()
        cur.execute("CREATE TABLE %s (id int4 PRIMARY KEY, nums int4[], "
                    "tags text[])" % table)
        cur.execute("INSERT INTO %s VALUES (%%s, %%s, %%s)" % table,
                    (1, [1, 2, 3], ["a", "b c"]))
        cur.execute("INSERT INTO %s VALUES (%%s, %%s, %%s)" % table,
                    (2, [], []))
        cur.execute("SELECT nums, tags FROM %s ORDER BY id" % table)
        assert cur.fetchall() == [([1, 2, 3], ["a", "b c"]), ([], [])]
        cur.execute("SELECT id FROM %s WHERE id = ANY(%%s)" % table,
                    ([1, 5],))
        assert cur.fetchall() == [(1,)]
    finally:
        c.close()
