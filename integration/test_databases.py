"""CREATE DATABASE and DROP DATABASE: a new database can be opened,
keeps its tables to itself, is dropped with its tables, and the errors
carry PostgreSQL's SQLSTATEs.  Runs against PostgreSQL 15 too
(TRIODE_TEST_TARGET=postgres); triode-only checks are marked."""

import subprocess

import psycopg
import pytest

from conftest import unique_name


def errstate(conn, sql):
    with pytest.raises(psycopg.Error) as ei:
        conn.execute(sql)
    return ei.value.sqlstate


@pytest.fixture
def dbname(node):
    name = unique_name("db")
    yield name
    with node.connect() as c:
        c.execute("DROP DATABASE IF EXISTS %s" % name)


def test_create_connect_drop_recreate(node, dbname):
    with node.connect() as c:
        c.execute("CREATE DATABASE %s" % dbname)
        assert errstate(c, "CREATE DATABASE %s" % dbname) == "42P04"
        names = [r[0] for r in c.execute(
            "SELECT datname FROM pg_database ORDER BY datname")]
        assert dbname in names and "postgres" in names
    with node.connect(dbname=dbname) as d:
        assert d.execute("SELECT current_database()").fetchone()[0] \
            == dbname
        d.execute("CREATE TABLE only_here (id int4 PRIMARY KEY, v text)")
        d.execute("CREATE INDEX only_here_v ON only_here (v)")
        d.execute("CREATE VIEW only_here_v2 AS SELECT v FROM only_here")
        d.execute("INSERT INTO only_here VALUES (1, 'x')")
        with node.connect() as c:
            assert errstate(c, "SELECT * FROM only_here") == "42P01"
            # Refused while a session uses it.
            with pytest.raises(psycopg.Error) as ei:
                c.execute("DROP DATABASE %s" % dbname)
            assert ei.value.sqlstate == "55006"
            assert "being accessed by other users" in str(ei.value)
    with node.connect() as c:
        c.execute("DROP DATABASE %s" % dbname)
        names = [r[0] for r in c.execute("SELECT datname FROM pg_database")]
        assert dbname not in names
        assert errstate(c, "DROP DATABASE %s" % dbname) == "3D000"
        c.execute("DROP DATABASE IF EXISTS %s" % dbname)
    with pytest.raises(psycopg.OperationalError) as ei:
        node.connect(dbname=dbname)
    assert "does not exist" in str(ei.value)
    with node.connect() as c:
        c.execute("CREATE DATABASE %s" % dbname)
    with node.connect(dbname=dbname) as d:
        assert errstate(d, "SELECT * FROM only_here") == "42P01"
        assert d.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
        ).fetchone()[0] == 0
        d.execute("CREATE TABLE only_here (id int4 PRIMARY KEY)")


def test_options(node, dbname):
    with node.connect() as c:
        c.execute("CREATE DATABASE %s WITH OWNER postgres ENCODING 'UTF8' "
                  "TEMPLATE template0 LC_COLLATE 'C.UTF-8' "
                  "LC_CTYPE 'C.UTF-8'" % dbname)
        assert errstate(c, "CREATE DATABASE %s_x OWNER no_such_role"
                        % dbname) == "42704"


def test_locale(node, dbname):
    """Every database is C.UTF-8, the template's locale: asking for it is
    fine, asking for another locale is PostgreSQL's 22023 without
    TEMPLATE template0; the new database reports and behaves as
    C.UTF-8."""
    with node.connect() as c:
        for opts in ("LOCALE 'C'", "LC_COLLATE 'POSIX'", "LC_CTYPE 'C'",
                     "LOCALE 'C.utf8'"):
            assert errstate(c, "CREATE DATABASE %s %s"
                            % (dbname, opts)) == "22023"
        c.execute("CREATE DATABASE %s LOCALE 'C.UTF-8'" % dbname)
    with node.connect(dbname=dbname) as d:
        assert d.execute(
            "SELECT datcollate, datctype FROM pg_database "
            "WHERE datname = current_database()").fetchone() \
            == ("C.UTF-8", "C.UTF-8")
        assert d.execute("SHOW lc_ctype").fetchone()[0] == "C.UTF-8"
        assert d.execute(
            "SELECT upper('àb'), upper('àb' COLLATE \"C\"), "
            "'ÉTÉ' ILIKE 'été', 'ÉTÉ' ILIKE 'été' COLLATE \"C\""
        ).fetchone() == ("ÀB", "àB", True, False)


def test_locale_refused(node, dbname, is_triode):
    """A database of another locale (PostgreSQL can make one from
    template0) would be shown as that locale and behave as C.UTF-8:
    triode refuses it, naming the locale."""
    if not is_triode:
        pytest.skip("triode refuses what PostgreSQL can do")
    with node.connect() as c:
        for opts in ("LOCALE 'C'", "LC_COLLATE 'POSIX'", "LC_CTYPE 'C.utf8'"):
            with pytest.raises(psycopg.Error) as ei:
                c.execute("CREATE DATABASE %s TEMPLATE template0 %s"
                          % (dbname, opts))
            assert ei.value.sqlstate == "0A000"
            assert "every database uses the C.UTF-8 locale" in str(ei.value)


def test_transaction_block(node, dbname):
    with node.connect(autocommit=False) as c:
        assert errstate(c, "CREATE DATABASE %s" % dbname) == "25001"
        c.rollback()
        assert errstate(c, "DROP DATABASE IF EXISTS %s" % dbname) == "25001"
        c.rollback()
    r = node.psql("SELECT 1; CREATE DATABASE %s" % dbname, check=False)
    assert r.returncode != 0
    assert "cannot run inside a transaction block" in r.stderr


def test_drop_current(node):
    with node.connect() as c:
        assert errstate(c, "DROP DATABASE postgres") == "55006"


def test_drop_force(node, dbname):
    with node.connect() as c:
        c.execute("CREATE DATABASE %s" % dbname)
    d = node.connect(dbname=dbname)
    with node.connect() as c:
        c.execute("DROP DATABASE %s WITH (FORCE)" % dbname)
    with pytest.raises(psycopg.OperationalError):
        d.execute("SELECT 1")
    d.close()


def test_unsupported_options(node, is_triode):
    if not is_triode:
        pytest.skip("triode refuses what PostgreSQL can do")
    with node.connect() as c:
        for opts in ("ENCODING 'LATIN1'", "LOCALE 'de_DE.UTF-8'",
                     "TABLESPACE other", "TEMPLATE mydb"):
            assert errstate(c, "CREATE DATABASE %s %s"
                            % (unique_name("db"), opts)) == "0A000"
        assert errstate(c, "CREATE DATABASE \"a/b\"") == "42602"
        assert errstate(c, "CREATE DATABASE \"x-wal\"") == "42602"
        assert errstate(c, "CREATE DATABASE _triode") == "42602"
        assert errstate(c, "DROP DATABASE _triode") == "3D000"


def test_psql_list(node, dbname):
    with node.connect() as c:
        c.execute("CREATE DATABASE %s" % dbname)
    r = node.psql("\\l", check=False)
    rows = [ln for ln in r.stdout.splitlines() if ln.startswith(dbname + "|")]
    assert rows == ["%s|postgres|UTF8|C.UTF-8|C.UTF-8||libc|" % dbname], \
        r.stdout
