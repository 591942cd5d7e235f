"""Migrating from PostgreSQL: a plain-format pg_dump of a PostgreSQL 15
database restores with `psql -v ON_ERROR_STOP=1 -f dump.sql`, and the
restored database has the same rows, the same sequences (their values,
their owning columns) and the same \\d as the source.  Also the pieces a
dump uses on their own: the settings pg_dump sets, OWNER TO, OWNED BY,
ADD GENERATED ... AS IDENTITY, nextval('s'::regclass).

The source is always a real PostgreSQL 15; the target is the node under
test (TRIODE_TEST_TARGET=postgres restores into a second PostgreSQL)."""

import os
import shutil
import subprocess
import tempfile

import psycopg
import pytest

import conftest
from conftest import unique_name

PG_DUMP = os.path.join(conftest.PG_BINDIR, "pg_dump")

# A representative application schema: enum type, serial / bigserial /
# identity columns, foreign keys with ON DELETE CASCADE, numeric,
# varchar, text[], jsonb, timestamptz and uuid columns, an expression
# index and a partial unique index, a view, comments, a standalone
# sequence.
APP_SQL = r"""
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE authors (id serial PRIMARY KEY, name text NOT NULL UNIQUE,
  born date, mood mood DEFAULT 'ok');
CREATE TABLE books (id bigserial PRIMARY KEY,
  author_id int NOT NULL REFERENCES authors(id) ON DELETE CASCADE,
  title varchar(200) NOT NULL, price numeric(8,2) CHECK (price >= 0),
  tags text[], meta jsonb DEFAULT '{}', created timestamptz DEFAULT now(),
  isbn uuid);
CREATE INDEX books_title_idx ON books (lower(title));
CREATE UNIQUE INDEX books_isbn ON books (isbn) WHERE isbn IS NOT NULL;
CREATE VIEW cheap_books AS SELECT b.id, b.title, a.name FROM books b
  JOIN authors a ON a.id = b.author_id WHERE b.price < 10;
CREATE TABLE ident (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  v text);
COMMENT ON TABLE books IS 'All the books';
COMMENT ON COLUMN books.title IS 'The title';
INSERT INTO authors (name, born, mood) VALUES ('Ann', '1970-01-02', 'happy'),
  ('Bob', NULL, 'sad'), ('Back\slash "q"', '2000-02-29', NULL);
INSERT INTO books (author_id, title, price, tags, meta, isbn) VALUES
  (1, 'First', 9.50, '{a,b}', '{"k": 1}',
   'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
  (2, E'It''s tab\tbed\nand a new line', 20, NULL, '[]', NULL),
  (3, 'Ünïcode €', 0, '{"x y",NULL}', '{"a": [1, 2.5, null]}', NULL);
INSERT INTO ident (v) VALUES ('x'), ('y');
CREATE SEQUENCE standalone START 100;
SELECT nextval('standalone');
"""

TABLES = ["authors", "books", "ident"]
# \d output that matches PostgreSQL's exactly after a restore.
SAME_DESCRIBE = ["ident", "cheap_books", "authors_id_seq", "books_id_seq",
                 "ident_id_seq", "standalone"]


def run_psql(node, args, input_text=None):
    env = dict(os.environ, PGPASSWORD=node.password, PGCONNECT_TIMEOUT="5")
    dsn = " ".join(p for p in node.dsn().split(" ")
                   if not p.startswith("password="))
    return subprocess.run(["psql", "-X", *args, dsn], env=env,
                          input=input_text, capture_output=True, text=True,
                          timeout=120)


def rows(node, table):
    cp = run_psql(node, ["-A", "-t", "-c",
                         "SELECT * FROM %s ORDER BY 1" % table])
    assert cp.returncode == 0, cp.stderr
    return cp.stdout


def describe(node, name):
    cp = run_psql(node, ["-c", "\\d " + name])
    assert cp.returncode == 0, cp.stderr
    return cp.stdout


@pytest.fixture(scope="module")
def source():
    """A PostgreSQL 15 with the application schema, and its dumps."""
    if not os.access(PG_DUMP, os.X_OK):
        pytest.skip("PostgreSQL 15 binaries not found")
    root = tempfile.mkdtemp(prefix="triode-pgdump-")
    n = conftest.PostgresNode(root)
    try:
        n.start()
        cp = run_psql(n, ["-v", "ON_ERROR_STOP=1", "-q", "-f", "-"],
                      APP_SQL)
        assert cp.returncode == 0, cp.stderr
        env = dict(os.environ, PGPASSWORD=n.password)
        dumps = {}
        for name, extra in (("owner", []), ("no-owner", ["--no-owner"])):
            cp = subprocess.run(
                [PG_DUMP, *extra, "-h", conftest.HOST, "-p", str(n.port),
                 "-U", n.user, n.dbname], env=env, capture_output=True,
                text=True, timeout=120, check=True)
            dumps[name] = cp.stdout
        n.rows = {t: rows(n, t) for t in TABLES}
        n.described = {d: describe(n, d)
                       for d in SAME_DESCRIBE + ["authors", "books"]}
        n.dumps = dumps
        yield n
    finally:
        try:
            n.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("kind", ["owner", "no-owner"])
def test_dump_restores_without_error_and_matches(source, fresh_node, kind):
    dump = source.dumps[kind]
    assert ("OWNER TO" in dump) == (kind == "owner")
    assert "ADD GENERATED ALWAYS AS IDENTITY" in dump
    assert "OWNED BY public.authors.id" in dump
    cp = run_psql(fresh_node, ["-v", "ON_ERROR_STOP=1", "-q", "-f", "-"],
                  dump)
    assert cp.returncode == 0, cp.stderr
    assert "ERROR" not in cp.stderr, cp.stderr
    for t in TABLES:
        assert rows(fresh_node, t) == source.rows[t], t
    for d in SAME_DESCRIBE:
        assert describe(fresh_node, d) == source.described[d], d
    # The serial columns' defaults, keys and foreign keys (the rest of
    # these two tables' \d: README, Known differences).
    for t in ("authors", "books"):
        got = describe(fresh_node, t)
        want = source.described[t]
        for line in want.splitlines():
            if (" id " in line and "nextval" in line) or \
                    "_pkey\" PRIMARY KEY" in line or \
                    "FOREIGN KEY" in line or "_key\" UNIQUE" in line:
                assert line.strip() in got, (t, line, got)
    with fresh_node.connect() as c:
        # setval restored the counters; the sequences are owned.
        assert c.execute("INSERT INTO authors (name) VALUES ('new') "
                         "RETURNING id").fetchone() == (4,)
        assert c.execute("INSERT INTO ident (v) VALUES ('z') "
                         "RETURNING id").fetchone() == (3,)
        assert c.execute("SELECT nextval('standalone')").fetchone() == (101,)
        assert c.execute("SELECT pg_get_serial_sequence('books', 'id'), "
                         "pg_get_serial_sequence('ident', 'id')"
                         ).fetchone() == ("public.books_id_seq",
                                          "public.ident_id_seq")
        with pytest.raises(psycopg.errors.GeneratedAlways):
            c.execute("INSERT INTO ident (id, v) VALUES (10, 'no')")
        # The foreign key cascades; the comments came along.
        c.execute("DELETE FROM authors WHERE id = 1")
        assert c.execute("SELECT count(*) FROM books").fetchone() == (2,)
        assert c.execute("SELECT obj_description('books'::regclass)"
                         ).fetchone() == ("All the books",)
        # DROP TABLE drops the sequences the table's columns own.
        c.execute("DROP VIEW cheap_books")
        c.execute("DROP TABLE books")
        with pytest.raises(psycopg.errors.UndefinedTable):
            c.execute("SELECT nextval('books_id_seq')")


def test_settings_pg_dump_sets(node):
    with node.connect() as c:
        for sql, show, want in [
                ("SET check_function_bodies = false",
                 "check_function_bodies", "off"),
                ("SET xmloption = CONTENT", "xmloption", "content"),
                ("SET client_min_messages = debug",
                 "client_min_messages", "debug2"),
                ("SET row_security = off", "row_security", "off"),
                ("SET default_tablespace = ''", "default_tablespace", ""),
                ("SET default_tablespace = pg_default",
                 "default_tablespace", "pg_default"),
                ("SET default_table_access_method = heap",
                 "default_table_access_method", "heap"),
                ("SET default_with_oids = false", "default_with_oids",
                 "off")]:
            c.execute(sql)
            assert c.execute("SHOW " + show).fetchone() == (want,), sql
        for sql, err, extra in [
                ("SET client_min_messages = foo",
                 psycopg.errors.InvalidParameterValue,
                 "Available values: debug5, debug4, debug3, debug2, "
                 "debug1, log, notice, warning, error."),
                ("SET xmloption = foo",
                 psycopg.errors.InvalidParameterValue,
                 "Available values: content, document."),
                ("SET default_tablespace = foo",
                 psycopg.errors.InvalidParameterValue,
                 'Tablespace "foo" does not exist.'),
                ("SET default_table_access_method = foo",
                 psycopg.errors.InvalidParameterValue,
                 'Table access method "foo" does not exist.'),
                ("SET row_security = maybe",
                 psycopg.errors.InvalidParameterValue, None),
                ("SET default_with_oids = true",
                 psycopg.errors.FeatureNotSupported, None)]:
            with pytest.raises(err) as ei:
                c.execute(sql)
            diag = ei.value.diag
            if extra is not None:
                assert extra in (diag.message_hint, diag.message_detail), sql


def test_client_min_messages_filters_notices(node):
    with node.connect() as c:
        seen = []
        c.add_notice_handler(lambda d: seen.append(d.severity))
        name = unique_name()
        c.execute("DROP TABLE IF EXISTS %s" % name)
        assert seen == ["NOTICE"]
        c.execute("SET client_min_messages = warning")
        c.execute("DROP TABLE IF EXISTS %s" % name)
        assert seen == ["NOTICE"]
        # A WARNING still passes at warning.
        c.execute("COMMIT")
        assert seen == ["NOTICE", "WARNING"]
        c.execute("SET client_min_messages = error")
        c.execute("COMMIT")
        assert seen == ["NOTICE", "WARNING"]
        c.execute("RESET client_min_messages")
        c.execute("DROP TABLE IF EXISTS %s" % name)
        assert seen == ["NOTICE", "WARNING", "NOTICE"]


def test_owner_to(node, table):
    seq = unique_name("s")
    typ = unique_name("e")
    with node.connect() as c:
        c.execute("CREATE TABLE %s (a int)" % table)
        c.execute("CREATE SEQUENCE %s" % seq)
        c.execute("CREATE TYPE %s AS ENUM ('a')" % typ)
        try:
            for sql, tag in [
                    ("ALTER TABLE %s OWNER TO postgres" % table,
                     "ALTER TABLE"),
                    ("ALTER TABLE public.%s OWNER TO CURRENT_USER" % table,
                     "ALTER TABLE"),
                    ("ALTER TABLE %s OWNER TO postgres" % seq,
                     "ALTER TABLE"),
                    ("ALTER SEQUENCE %s OWNER TO SESSION_USER" % seq,
                     "ALTER SEQUENCE"),
                    ("ALTER TYPE public.%s OWNER TO postgres" % typ,
                     "ALTER TYPE")]:
                cur = c.execute(sql)
                assert cur.statusmessage == tag, sql
            for sql, err in [
                    ("ALTER TABLE %s OWNER TO nobody" % table,
                     psycopg.errors.UndefinedObject),
                    ("ALTER TABLE nosuch_rel OWNER TO postgres",
                     psycopg.errors.UndefinedTable),
                    ("ALTER SEQUENCE %s OWNER TO postgres" % table,
                     psycopg.errors.WrongObjectType),
                    ("ALTER TYPE nosuch_type OWNER TO postgres",
                     psycopg.errors.UndefinedObject)]:
                with pytest.raises(err):
                    c.execute(sql)
        finally:
            c.execute("DROP SEQUENCE IF EXISTS %s" % seq)
            c.execute("DROP TYPE IF EXISTS %s" % typ)


def test_owned_by_and_add_identity(node):
    t = unique_name()
    with node.connect() as c:
        try:
            c.execute("CREATE TABLE %s (id int NOT NULL, n int, v text)" % t)
            c.execute("INSERT INTO %s VALUES (1, 1, 'a')" % t)
            c.execute("CREATE SEQUENCE %s_id_seq AS integer" % t)
            c.execute("ALTER SEQUENCE %s_id_seq OWNED BY public.%s.id"
                      % (t, t))
            c.execute("ALTER TABLE ONLY %s ALTER COLUMN id SET DEFAULT "
                      "nextval('public.%s_id_seq'::regclass)" % (t, t))
            c.execute("SELECT setval('public.%s_id_seq', 1, true)" % t)
            assert c.execute("INSERT INTO %s (n) VALUES (2) RETURNING id"
                             % t).fetchone() == (2,)
            assert c.execute("SELECT pg_get_serial_sequence('%s', 'id')"
                             % t).fetchone() == ("public.%s_id_seq" % t,)
            with pytest.raises(psycopg.errors.UndefinedColumn):
                c.execute("ALTER SEQUENCE %s_id_seq OWNED BY %s.nope"
                          % (t, t))
            with pytest.raises(psycopg.errors.UndefinedTable):
                c.execute("ALTER TABLE %s ALTER COLUMN n SET DEFAULT "
                          "nextval('nosuch_seq'::regclass)" % t)
            # pg_dump's identity form, with PostgreSQL's conditions.
            with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
                c.execute("ALTER TABLE %s ALTER COLUMN n ADD GENERATED "
                          "ALWAYS AS IDENTITY" % t)
            with pytest.raises(psycopg.errors.InvalidParameterValue):
                c.execute("ALTER TABLE %s ALTER COLUMN v ADD GENERATED "
                          "ALWAYS AS IDENTITY" % t)
            c.execute("ALTER TABLE %s ALTER COLUMN n SET NOT NULL" % t)
            c.execute("ALTER TABLE %s ALTER COLUMN n ADD GENERATED BY "
                      "DEFAULT AS IDENTITY (SEQUENCE NAME public.%s_nseq "
                      "START WITH 10 INCREMENT BY 5)" % (t, t))
            with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
                c.execute("ALTER TABLE %s ALTER COLUMN n ADD GENERATED "
                          "ALWAYS AS IDENTITY" % t)
            assert c.execute("INSERT INTO %s (v) VALUES ('b') "
                             "RETURNING id, n" % t).fetchone() == (3, 10)
            assert c.execute("SELECT pg_get_serial_sequence('%s', 'n')"
                             % t).fetchone() == ("public.%s_nseq" % t,)
            # OWNED BY alone (no default uses it): dropped with the
            # table too.
            c.execute("CREATE SEQUENCE %s_solo OWNED BY %s.v" % (t, t))
            c.execute("DROP TABLE %s" % t)
            for s in ("%s_id_seq" % t, "%s_nseq" % t, "%s_solo" % t):
                with pytest.raises(psycopg.errors.UndefinedTable):
                    c.execute("SELECT nextval('%s')" % s)
        finally:
            c.execute("DROP TABLE IF EXISTS %s" % t)
            c.execute("DROP SEQUENCE IF EXISTS %s_id_seq" % t)
            c.execute("DROP SEQUENCE IF EXISTS %s_nseq" % t)
            c.execute("DROP SEQUENCE IF EXISTS %s_solo" % t)
