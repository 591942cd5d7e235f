"""The system catalogs: psycopg's type introspection, RowDescription's
table OID and attnum against pg_class / pg_attribute, and the refusal of
statements mixing catalogs and user tables."""
import psycopg
import pytest
from psycopg.types import TypeInfo
from psycopg.types.enum import EnumInfo

from conftest import TARGET


def test_psycopg_type_info(node):
    with node.connect(autocommit=False) as c:
        t = TypeInfo.fetch(c, "jsonb")
        assert (t.name, t.oid, t.array_oid, t.regtype, t.delimiter) == \
            ("jsonb", 3802, 3807, "jsonb", ",")
        t = TypeInfo.fetch(c, "int4")
        assert (t.oid, t.array_oid, t.regtype) == (23, 1007, "integer")
        assert TypeInfo.fetch(c, "no_such_type") is None
        assert EnumInfo.fetch(c, "no_such_enum") is None
        c.rollback()


def test_row_description_matches_catalog(node, table):
    with node.connect() as c:
        c.execute("CREATE TABLE %s (id int4 PRIMARY KEY, v text)" % table)
        cur = c.execute("SELECT v, id FROM %s" % table)
        res = cur.pgresult
        oid, attnum = res.ftable(0), res.ftablecol(0)
        assert oid != 0 and res.ftable(1) == oid
        assert (attnum, res.ftablecol(1)) == (2, 1)
        row = c.execute("SELECT c.relname, a.attname FROM pg_class c JOIN "
                        "pg_attribute a ON a.attrelid = c.oid WHERE c.oid = "
                        "%s AND a.attnum = %s", (oid, attnum)).fetchone()
        assert row == (table, "v")


def test_catalog_parameters_are_typed(node):
    with node.connect() as c:
        # $1 compared with pg_type.oid is described as oid (26).
        cur = c.cursor()
        cur.execute("SELECT typname FROM pg_catalog.pg_type AS t "
                    "WHERE t.oid = %s", (114,), prepare=True)
        assert cur.fetchone() == ("json",)


@pytest.mark.skipif(TARGET != "triode", reason="triode's own limit")
def test_mixing_catalog_and_user_tables_is_refused(node, table):
    with node.connect() as c:
        c.execute("CREATE TABLE %s (id int4)" % table)
        with pytest.raises(psycopg.errors.FeatureNotSupported):
            c.execute("SELECT * FROM %s JOIN pg_class ON true" % table)


def _pg_array(v):
    """A text-typed '{a,b}' as a list (triode describes array_agg's
    result as text; PostgreSQL as oid[] / text[])."""
    if isinstance(v, str) and v.startswith("{"):
        return [int(x) if x.isdigit() else x for x in v[1:-1].split(",")
                if x]
    return v


def test_asyncpg_type_introspection_query(node, table):
    """asyncpg's WITH RECURSIVE typeinfo_tree query (sent for type OIDs it
    does not know): array_agg(... ORDER BY attnum) and the recursive CTE
    names inside a catalog statement.  Sent here with the OID array as a
    literal: asyncpg itself binds $1::oid[] in binary, which triode does
    not decode yet."""
    introspection = pytest.importorskip("asyncpg.introspection")
    with node.connect() as c:
        c.execute("CREATE TABLE %s (id int4 PRIMARY KEY, name text, "
                  "price numeric(10,2), note text)" % table)
        rowtype, arraytype = c.execute(
            "SELECT t.oid, t.typarray FROM pg_type t JOIN pg_class c ON "
            "c.reltype = t.oid WHERE c.relname = %s", (table,)).fetchone()
        q = introspection.INTRO_LOOKUP_TYPES.replace(
            "$1::oid[]", "'{%d}'::oid[]" % arraytype)
        cur = c.execute(q)
        cols = [d.name for d in cur.description]
        rows = {r[cols.index("name")]: dict(zip(cols, r))
                for r in cur.fetchall()}
    assert set(rows) == {"_" + table, table, "int4", "text", "numeric"}
    arr, comp = rows["_" + table], rows[table]
    assert (arr["kind"], arr["elemtype"], arr["elemdelim"],
            arr["elemtype_name"], int(arr["depth"])) == \
        ("b", rowtype, ",", table, 0)
    assert (comp["kind"], int(comp["depth"])) == ("c", 1)
    assert _pg_array(comp["attrtypoids"]) == [23, 25, 1700, 25]
    assert _pg_array(comp["attrnames"]) == ["id", "name", "price", "note"]
    assert int(rows["numeric"]["depth"]) == 2


def test_array_agg_order_by_on_catalogs(node, table):
    with node.connect() as c:
        c.execute("CREATE TABLE %s (b int4, a text, c int8)" % table)
        got = c.execute(
            "SELECT array_to_string(array_agg(attname::text ORDER BY "
            "attname DESC), ','), array_to_string(array_agg(attnum ORDER "
            "BY attname), ',') FROM pg_attribute WHERE attrelid = "
            "%s::regclass AND attnum > 0", (table,)).fetchone()
        assert got == ("c,b,a", "2,1,3")
