"""Every error class of DESIGN.md section 8 that a single node can produce,
checked through psycopg's e.sqlstate, and the session stays usable."""

import psycopg
import pytest

from conftest import unique_name


@pytest.fixture(scope="module")
def schema(node):
    """Tables with every kind of constraint."""
    parent, child = unique_name("err_parent"), unique_name("err_child")
    with node.connect() as c:
        c.execute("DROP TABLE IF EXISTS %s" % child)
        c.execute("DROP TABLE IF EXISTS %s" % parent)
        c.execute("CREATE TABLE %s (id int4 PRIMARY KEY, name text NOT NULL,"
                  " qty int4 CHECK (qty >= 0))" % parent)
        c.execute("CREATE TABLE %s (id int4 PRIMARY KEY, parent_id int4 "
                  "REFERENCES %s (id))" % (child, parent))
        c.execute("INSERT INTO %s VALUES (1, 'one', 1)" % parent)
    yield parent, child
    with node.connect() as c:
        c.execute("DROP TABLE IF EXISTS %s" % child)
        c.execute("DROP TABLE IF EXISTS %s" % parent)


CASES = [
    ("42601", "syntax", "SELEC 1"),
    ("42601", "syntax_trailing", "SELECT 1 FROM"),
    ("42P01", "undefined_table", "SELECT * FROM no_such_table_xyz"),
    ("42703", "undefined_column", "SELECT no_such_column FROM {parent}"),
    ("23505", "unique", "INSERT INTO {parent} VALUES (1, 'dup', 1)"),
    ("23502", "not_null", "INSERT INTO {parent} VALUES (2, NULL, 1)"),
    ("23503", "foreign_key", "INSERT INTO {child} VALUES (1, 999)"),
    ("23514", "check", "INSERT INTO {parent} VALUES (3, 'neg', -1)"),
    ("22012", "division_by_zero", "SELECT 1/0"),
    ("0A000", "cross_database_reference",
     "SELECT * FROM otherdb.public.{parent}"),
]


@pytest.mark.parametrize("sqlstate,name,sql", CASES,
                         ids=[c[1] for c in CASES])
def test_sqlstate(node, schema, sqlstate, name, sql):
    parent, child = schema
    with node.connect() as c:
        with pytest.raises(psycopg.Error) as ei:
            c.execute(sql.format(parent=parent, child=child))
        e = ei.value
        assert e.sqlstate == sqlstate, (e.sqlstate, str(e))
        assert e.diag.severity == "ERROR"
        assert e.diag.message_primary
        # The session goes on.
        assert c.execute("SELECT 1").fetchone() == (1,)
    # Nothing was written by the failed statements.
    assert node.query_one("SELECT count(*) FROM %s" % parent) == (1,)


def test_psql_reports_error(node):
    cp = node.psql("SELECT 1/0", check=False)
    assert cp.returncode == 1
    assert "ERROR:  division by zero" in cp.stderr


def test_psql_verbose_shows_sqlstate(node):
    cp = node.psql("SELECT * FROM no_such_table_xyz", check=False,
                   args=["-v", "VERBOSITY=verbose"])
    assert "42P01" in cp.stderr


def test_foreign_key_delete_restricted(node, schema):
    parent, child = schema
    with node.connect() as c:
        c.execute("INSERT INTO %s VALUES (10, 'ten', 0)" % parent)
        c.execute("INSERT INTO %s VALUES (10, 10)" % child)
        with pytest.raises(psycopg.Error) as ei:
            c.execute("DELETE FROM %s WHERE id = 10" % parent)
        assert ei.value.sqlstate == "23503"
        c.execute("DELETE FROM %s WHERE id = 10" % child)
        c.execute("DELETE FROM %s WHERE id = 10" % parent)


def test_create_existing_table_is_42p07(node, schema):
    parent, _ = schema
    with node.connect() as c:
        with pytest.raises(psycopg.Error) as ei:
            c.execute("CREATE TABLE %s (id int4)" % parent)
        assert ei.value.sqlstate == "42P07"


def test_integrity_errors_name_their_table_column_and_constraint(node, table):
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE %s (id int4 PRIMARY KEY, v text NOT NULL, "
                  "q int4 CONSTRAINT %s_q_pos CHECK (q > 0))"
                  % (table, table))
        c.execute("INSERT INTO %s VALUES (1, 'a', 1)" % table)
        with pytest.raises(psycopg.errors.UniqueViolation) as e:
            c.execute("INSERT INTO %s VALUES (1, 'b', 1)" % table)
        d = e.value.diag
        assert (d.schema_name, d.table_name, d.constraint_name) == \
            ("public", table, "%s_pkey" % table)
        with pytest.raises(psycopg.errors.NotNullViolation) as e:
            c.execute("INSERT INTO %s VALUES (2, NULL, 1)" % table)
        d = e.value.diag
        assert (d.table_name, d.column_name) == (table, "v")
        with pytest.raises(psycopg.errors.CheckViolation) as e:
            c.execute("INSERT INTO %s VALUES (3, 'c', 0)" % table)
        assert e.value.diag.constraint_name == "%s_q_pos" % table
