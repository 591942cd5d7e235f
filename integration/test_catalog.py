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
