"""Enum types and comments: CREATE TYPE ... AS ENUM / DROP TYPE with
PostgreSQL's errors, enum columns ordered by label position, the enum's
OID in RowDescription, pg_type/pg_enum for psycopg 3's EnumInfo, asyncpg
and psql's \\dT; COMMENT ON TABLE/COLUMN through obj_description,
col_description, pg_description and psql's \\d+ / \\dt+.  The same tests
pass against PostgreSQL 15 (TRIODE_TEST_TARGET=postgres)."""

import asyncio
import ssl

import psycopg
import pytest
from psycopg.types.enum import EnumInfo, register_enum

from conftest import unique_name


@pytest.fixture
def names(node):
    """A unique (type, table) pair; both dropped afterwards."""
    typ, table = unique_name("ty"), unique_name("te")
    yield typ, table
    try:
        with node.connect() as c:
            c.execute("DROP TABLE IF EXISTS %s" % table)
            c.execute("DROP TYPE IF EXISTS %s" % typ)
    except psycopg.Error:
        pass


def make(c, typ, table):
    c.execute("CREATE TYPE %s AS ENUM ('sad', 'ok', 'happy')" % typ)
    c.execute("CREATE TABLE %s (id int4 PRIMARY KEY, m %s)" % (table, typ))
    c.execute("INSERT INTO %s VALUES (1, 'happy'), (2, 'sad'), (3, 'ok'), "
              "(4, NULL)" % table)


def test_enum_order_and_errors(node, names):
    typ, table = names
    with node.connect() as c:
        make(c, typ, table)
        rows = c.execute("SELECT id, m FROM %s ORDER BY m, id"
                         % table).fetchall()
        assert rows == [(2, "sad"), (3, "ok"), (1, "happy"), (4, None)]
        assert c.execute("SELECT id FROM %s WHERE m > 'sad' ORDER BY id"
                         % table).fetchall() == [(1,), (3,)]
        assert c.execute("SELECT max(m)::text, min(m)::text FROM %s"
                         % table).fetchone() == ("happy", "sad")
        with pytest.raises(psycopg.errors.InvalidTextRepresentation) as e:
            c.execute("INSERT INTO %s VALUES (5, 'angry')" % table)
        assert 'invalid input value for enum %s: "angry"' % typ \
            in str(e.value)
        with pytest.raises(psycopg.errors.InvalidTextRepresentation):
            c.execute("SELECT 'meh'::%s" % typ)
        assert c.execute("SELECT 'ok'::%s::text" % typ).fetchone() == ("ok",)


def test_type_ddl_errors(node, names):
    typ, table = names
    with node.connect() as c:
        with pytest.raises(psycopg.errors.UniqueViolation):
            c.execute("CREATE TYPE %s AS ENUM ('a', 'a')" % typ)
        make(c, typ, table)
        with pytest.raises(psycopg.errors.DuplicateObject):
            c.execute("CREATE TYPE %s AS ENUM ('x')" % typ)
        with pytest.raises(psycopg.errors.DependentObjectsStillExist):
            c.execute("DROP TYPE %s" % typ)
        c.execute("DROP TABLE %s" % table)
        c.execute("DROP TYPE %s" % typ)
        with pytest.raises(psycopg.errors.UndefinedObject):
            c.execute("DROP TYPE %s" % typ)
        c.execute("DROP TYPE IF EXISTS %s" % typ)


def test_create_type_and_table_in_one_query(node, names):
    """One simple Query: the table is translated before the type exists
    (triode translates it again once it does)."""
    typ, table = names
    node.psql("CREATE TYPE %s AS ENUM ('b', 'a'); "
              "CREATE TABLE %s (v %s); INSERT INTO %s VALUES ('a'), ('b')"
              % (typ, table, typ, table))
    cp = node.psql("SELECT v FROM %s ORDER BY v" % table)
    assert cp.stdout.split() == ["b", "a"]


def test_alter_type_add_and_rename_value(node, names):
    typ, table = names
    with node.connect() as c:
        got = []
        c.add_notice_handler(lambda d: got.append(d.message_primary))
        make(c, typ, table)
        c.execute("CREATE INDEX %s_m ON %s (m)" % (table, table))
        with pytest.raises(psycopg.errors.DuplicateObject) as e:
            c.execute("ALTER TYPE %s ADD VALUE 'ok'" % typ)
        assert e.value.diag.message_primary == \
            'enum label "ok" already exists'
        c.execute("ALTER TYPE %s ADD VALUE IF NOT EXISTS 'ok'" % typ)
        assert got == ['enum label "ok" already exists, skipping']
        with pytest.raises(psycopg.errors.InvalidParameterValue) as e:
            c.execute("ALTER TYPE %s ADD VALUE 'meh' BEFORE 'nope'" % typ)
        assert e.value.diag.message_primary == \
            '"nope" is not an existing enum label'
        c.execute("ALTER TYPE %s ADD VALUE 'meh' AFTER 'sad'" % typ)
        c.execute("ALTER TYPE %s ADD VALUE 'angry' BEFORE 'sad'" % typ)
        c.execute("ALTER TYPE %s ADD VALUE 'ecstatic'" % typ)
        info = EnumInfo.fetch(c, typ)
        assert info.labels == ["angry", "sad", "meh", "ok", "happy",
                               "ecstatic"]
        c.execute("INSERT INTO %s VALUES (5, 'meh'), (6, 'angry')" % table)
        assert c.execute("SELECT m::text AS label FROM %s WHERE m IS NOT "
                         "NULL ORDER BY m" % table).fetchall() == \
            [("angry",), ("sad",), ("meh",), ("ok",), ("happy",)]
        with pytest.raises(psycopg.errors.DuplicateObject):
            c.execute("ALTER TYPE %s RENAME VALUE 'ok' TO 'happy'" % typ)
        c.execute("ALTER TYPE %s RENAME VALUE 'ok' TO 'fine'" % typ)
        assert c.execute("SELECT m::text FROM %s WHERE id = 3"
                         % table).fetchone() == ("fine",)
        with pytest.raises(psycopg.errors.InvalidTextRepresentation):
            c.execute("INSERT INTO %s VALUES (7, 'ok')" % table)
        with pytest.raises(psycopg.errors.UndefinedObject):
            c.execute("ALTER TYPE %s_nope ADD VALUE 'x'" % typ)


def test_row_description_and_psycopg_enuminfo(node, names):
    typ, table = names
    with node.connect() as c:
        make(c, typ, table)
        info = EnumInfo.fetch(c, typ)
        assert info is not None and info.labels == ["sad", "ok", "happy"]
        cur = c.execute("SELECT m FROM %s WHERE id = 1" % table)
        assert cur.description[0].type_code == info.oid
        register_enum(info, c)
        e = info.enum
        got = c.execute("SELECT m FROM %s WHERE m IS NOT NULL ORDER BY m "
                        "DESC" % table).fetchall()
        assert got == [(e.happy,), (e.ok,), (e.sad,)]
        c.execute("INSERT INTO %s VALUES (%%s, %%s)" % table, [9, e.ok])
        assert c.execute("SELECT id FROM %s WHERE m = %%s ORDER BY id"
                         % table, [e.ok]).fetchall() == [(3,), (9,)]


def test_asyncpg_decodes_enums_as_text(node, names):
    asyncpg = pytest.importorskip("asyncpg")
    typ, table = names
    with node.connect() as c:
        make(c, typ, table)

    async def main():
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = await asyncpg.connect(host="127.0.0.1", port=node.port,
                                     user=node.user, database=node.dbname,
                                     password=node.password, ssl=ctx,
                                     timeout=10, command_timeout=30)
        try:
            rows = await conn.fetch("SELECT id, m FROM %s WHERE m IS NOT "
                                    "NULL ORDER BY m" % table)
            assert [(r["id"], r["m"]) for r in rows] == \
                [(2, "sad"), (3, "ok"), (1, "happy")]
            await conn.execute("INSERT INTO %s VALUES ($1, $2)" % table,
                               7, "happy")
            ids = await conn.fetch("SELECT id FROM %s WHERE m = $1 ORDER "
                                   "BY id" % table, "happy")
            assert [r["id"] for r in ids] == [1, 7]
            with pytest.raises(asyncpg.InvalidTextRepresentationError):
                await conn.execute("INSERT INTO %s VALUES ($1, $2)"
                                   % table, 8, "nope")
        finally:
            await conn.close(timeout=5)

    asyncio.run(main())


def test_psql_dt_and_d(node, names):
    typ, table = names
    with node.connect() as c:
        make(c, typ, table)
    cp = node.psql("\\dT %s" % typ)
    assert cp.stdout.strip() == "public|%s|" % typ
    cp = node.psql("\\d %s" % table)
    assert "m|%s|||" % typ in cp.stdout.splitlines()


def test_comments(node, table):
    with node.connect() as c:
        c.execute("CREATE TABLE %s (id int4 PRIMARY KEY, name text)" % table)
        c.execute("COMMENT ON TABLE %s IS 'the table''s'" % table)
        c.execute("COMMENT ON COLUMN %s.name IS 'a name'" % table)
        got = c.execute(
            "SELECT obj_description('%s'::regclass, 'pg_class'), "
            "col_description('%s'::regclass, 2), "
            "col_description('%s'::regclass, 1)"
            % (table, table, table)).fetchone()
        assert got == ("the table's", "a name", None)
        got = c.execute(
            "SELECT d.objsubid, d.description FROM pg_description d JOIN "
            "pg_class c ON c.oid = d.objoid WHERE c.relname = %s ORDER BY "
            "1", [table]).fetchall()
        assert got == [(0, "the table's"), (2, "a name")]
        with pytest.raises(psycopg.errors.UndefinedTable):
            c.execute("COMMENT ON TABLE %s_nope IS 'x'" % table)
    cp = node.psql("\\dt+ %s" % table)
    assert cp.stdout.strip().endswith("|the table's")
    cp = node.psql("\\d+ %s" % table)
    assert any(line.startswith("name|text|") and line.endswith("|a name")
               for line in cp.stdout.splitlines())
    with node.connect() as c:
        c.execute("COMMENT ON TABLE %s IS NULL" % table)
        assert c.execute("SELECT obj_description('%s'::regclass, "
                         "'pg_class')" % table).fetchone() == (None,)
        c.execute("DROP TABLE %s" % table)
        c.execute("CREATE TABLE %s (id int4 PRIMARY KEY, name text)" % table)
        assert c.execute("SELECT col_description('%s'::regclass, 2)"
                         % table).fetchone() == (None,)
