"""Data-modifying statements in WITH, ON CONFLICT errors and other DML
forms applications use.  triode runs each WITH query once, stores its
RETURNING rows on the leader and runs the main statement over them, in
one transaction (sql/returning.c).  The same tests pass against
PostgreSQL 15 (TRIODE_TEST_TARGET=postgres)."""

import psycopg
import pytest

from conftest import TARGET, unique_name

INT4, INT8, TEXT, BOOL = 23, 20, 25, 16


@pytest.fixture
def two(node):
    """Two unique table names, dropped afterwards."""
    names = [unique_name(), unique_name()]
    yield names
    with node.connect() as c:
        for n in names:
            c.execute("DROP TABLE IF EXISTS %s" % n)


def kv(c, t):
    c.execute("CREATE TABLE %s (k text PRIMARY KEY, v int4 NOT NULL, "
              "ok bool DEFAULT true)" % t)
    c.execute("INSERT INTO %s (k, v) VALUES ('a', 1), ('b', 2), ('c', 3)"
              % t)


def test_update_in_with(node, table):
    with node.connect() as c:
        kv(c, table)
        cur = c.execute("WITH u AS (UPDATE %s SET v = v + 10 WHERE k <> "
                        "'b' RETURNING k, v, ok) SELECT k, v * 2 AS dbl, "
                        "ok FROM u ORDER BY k" % table)
        assert cur.fetchall() == [("a", 22, True), ("c", 26, True)]
        assert cur.statusmessage == "SELECT 2"
        assert [(d.name, d.type_code) for d in cur.description] == [
            ("k", TEXT), ("dbl", INT4), ("ok", BOOL)]
        assert c.execute("SELECT k, v FROM %s ORDER BY k"
                         % table).fetchall() == [("a", 11), ("b", 2),
                                                 ("c", 13)]


def test_star_and_aggregate(node, table):
    with node.connect() as c:
        kv(c, table)
        cur = c.execute("WITH d AS (DELETE FROM %s WHERE v >= 2 RETURNING "
                        "*) SELECT * FROM d ORDER BY v DESC" % table)
        assert [d.name for d in cur.description] == ["k", "v", "ok"]
        assert cur.fetchall() == [("c", 3, True), ("b", 2, True)]
        kv_rows = c.execute("SELECT k FROM %s" % table).fetchall()
        assert kv_rows == [("a",)]
        cur = c.execute("WITH i AS (INSERT INTO %s (k, v) VALUES ('x', 5), "
                        "('y', 6) RETURNING v) SELECT count(*) AS n, "
                        "sum(v) AS s FROM i" % table)
        assert cur.fetchall() == [(2, 11)]


def test_move_rows(node, two):
    a, b = two
    with node.connect() as c:
        kv(c, a)
        c.execute("CREATE TABLE %s (k text PRIMARY KEY, v int4, ok bool)"
                  % b)
        cur = c.execute("WITH moved AS (DELETE FROM %s WHERE v < 3 "
                        "RETURNING *) INSERT INTO %s SELECT * FROM moved"
                        % (a, b))
        assert cur.statusmessage == "INSERT 0 2"
        assert cur.description is None
        assert c.execute("SELECT k, v FROM %s ORDER BY k"
                         % b).fetchall() == [("a", 1), ("b", 2)]
        assert c.execute("SELECT k FROM %s" % a).fetchall() == [("c",)]
        # The main statement with RETURNING of its own.
        cur = c.execute("WITH moved AS (DELETE FROM %s RETURNING k, v) "
                        "INSERT INTO %s (k, v) SELECT k, v * 100 FROM "
                        "moved RETURNING k, v" % (a, b))
        assert cur.fetchall() == [("c", 300)]
        assert cur.statusmessage == "INSERT 0 1"
        # UPDATE and DELETE as the main statement.
        cur = c.execute("WITH n AS (INSERT INTO %s (k, v) VALUES ('z', 1) "
                        "RETURNING k) UPDATE %s SET v = v + 1 WHERE k IN "
                        "(SELECT 'a' FROM n)" % (a, b))
        assert cur.statusmessage == "UPDATE 1"
        cur = c.execute("WITH n AS (DELETE FROM %s RETURNING k) DELETE "
                        "FROM %s WHERE k = 'b' RETURNING k, v" % (a, b))
        assert cur.fetchall() == [("b", 2)]
        assert cur.statusmessage == "DELETE 1"
        assert c.execute("SELECT count(*) FROM %s" % a).fetchone() == (0,)


def test_several_and_unreferenced(node, two):
    a, b = two
    with node.connect() as c:
        kv(c, a)
        c.execute("CREATE TABLE %s (id int4 PRIMARY KEY, note text)" % b)
        # Every WITH query runs once, referenced or not.
        cur = c.execute(
            "WITH d AS (DELETE FROM %s WHERE k = 'a' RETURNING v), "
            "l AS (INSERT INTO %s VALUES (1, 'log')), "
            "u AS (UPDATE %s SET v = v + 1 WHERE k = 'c' RETURNING k, v) "
            "SELECT (SELECT count(*) FROM d) AS nd, u.k, u.v FROM u"
            % (a, b, a))
        assert cur.fetchall() == [(1, "c", 4)]
        assert c.execute("SELECT id, note FROM %s" % b).fetchall() == [
            (1, "log")]
        # A later WITH query reads an earlier one's rows; a SELECT query
        # of the same WITH reads them too.
        cur = c.execute(
            "WITH d AS (DELETE FROM %s RETURNING k, v), "
            "i AS (INSERT INTO %s SELECT v, k FROM d RETURNING id), "
            "s AS (SELECT sum(id) AS t FROM i) SELECT t FROM s" % (a, b))
        assert cur.fetchall() == [(6,)]
        assert c.execute("SELECT id, note FROM %s ORDER BY id"
                         % b).fetchall() == [(1, "log"), (2, "b"),
                                             (4, "c")]


def test_parameters_and_extended(node, table):
    with node.connect() as c:
        kv(c, table)
        for _ in range(2):
            cur = c.execute("WITH u AS (UPDATE %s SET v = v + %%s WHERE k "
                            "= %%s RETURNING v) SELECT v FROM u" % table,
                            (5, "b"), prepare=True)
        assert cur.fetchall() == [(12,)]
    with node.connect() as c:
        cur = psycopg.ClientCursor(c)
        cur.execute("WITH u AS (UPDATE %s SET v = v + 1 RETURNING k) "
                    "SELECT count(*) FROM u" % table)
        assert cur.fetchall() == [(3,)]
    out = node.psql("WITH u AS (DELETE FROM %s WHERE k = 'a' RETURNING k, "
                    "v) SELECT k, v FROM u" % table).stdout
    assert out.split() == ["a|2"]


def test_atomic(node, table):
    with node.connect() as c:
        kv(c, table)
        # The main statement fails: the WITH query's delete is undone.
        with pytest.raises(psycopg.errors.UniqueViolation):
            c.execute("WITH d AS (DELETE FROM %s WHERE k = 'c' RETURNING "
                      "k) INSERT INTO %s (k, v) VALUES ('a', 9)"
                      % (table, table))
        assert c.execute("SELECT count(*) FROM %s"
                         % table).fetchone() == (3,)
        c.execute("BEGIN")
        c.execute("WITH d AS (DELETE FROM %s WHERE k = 'c' RETURNING k) "
                  "SELECT k FROM d" % table)
        c.execute("ROLLBACK")
        assert c.execute("SELECT count(*) FROM %s"
                         % table).fetchone() == (3,)


def test_errors(node, table):
    with node.connect() as c:
        kv(c, table)
    with node.connect() as c:
        with pytest.raises(psycopg.errors.FeatureNotSupported) as e:
            c.execute("WITH d AS (DELETE FROM %s WHERE k = 'a') SELECT * "
                      "FROM d" % table)
        assert 'WITH query "d" does not have a RETURNING clause' in str(
            e.value)
    with node.connect() as c:
        with pytest.raises(psycopg.errors.FeatureNotSupported) as e:
            c.execute("SELECT * FROM (WITH d AS (DELETE FROM %s RETURNING "
                      "*) SELECT * FROM d) x" % table)
        assert "must be at the top level" in str(e.value)
    with node.connect() as c:
        with pytest.raises(psycopg.errors.InvalidColumnReference) as e:
            c.execute("WITH d(a, b, c, x) AS (DELETE FROM %s RETURNING *) "
                      "SELECT * FROM d" % table)
        assert "has 3 columns available but 4 columns specified" in str(
            e.value)
    with node.connect() as c:
        assert c.execute("SELECT count(*) FROM %s"
                         % table).fetchone() == (3,)


@pytest.mark.skipif(TARGET == "postgres", reason="triode's limit")
def test_snapshot_refusals(node, table):
    """Reading a table an earlier part changed would see the change,
    which PostgreSQL's snapshot hides: refused."""
    with node.connect() as c:
        kv(c, table)
    for sql in ("WITH d AS (DELETE FROM {t} WHERE k = 'a' RETURNING k) "
                "SELECT count(*) FROM {t}",
                "WITH u AS (UPDATE {t} SET v = 0 RETURNING k), "
                "w AS (UPDATE {t} SET v = 1 RETURNING k) SELECT 1",
                "WITH i AS (INSERT INTO {t} (k, v) VALUES ('q', 1) "
                "RETURNING k) DELETE FROM {t} WHERE k = 'q'"):
        with node.connect() as c:
            with pytest.raises(psycopg.errors.FeatureNotSupported):
                c.execute(sql.format(t=table))
    with node.connect() as c:
        assert c.execute("SELECT count(*) FROM %s"
                         % table).fetchone() == (3,)


def test_on_conflict_errors(node, table):
    with node.connect() as c:
        kv(c, table)
        with pytest.raises(psycopg.errors.InvalidColumnReference) as e:
            c.execute("INSERT INTO %s (k, v) VALUES ('q', 1) ON CONFLICT "
                      "(v) DO NOTHING" % table)
        assert e.value.diag.message_primary == (
            "there is no unique or exclusion constraint matching the ON "
            "CONFLICT specification")
    for sql in ("INSERT INTO {t} (k, v) VALUES ('q', 1), ('q', 2) ON "
                "CONFLICT (k) DO UPDATE SET v = excluded.v",
                "INSERT INTO {t} AS x (k, v) VALUES ('a', 5), ('b', 6), "
                "('a', 7) ON CONFLICT (k) DO UPDATE SET v = x.v + 1",
                "INSERT INTO {t} (k, v) SELECT 'z', g FROM "
                "generate_series(1, 2) AS g ON CONFLICT (k) DO UPDATE SET "
                "v = excluded.v"):
        with node.connect() as c:
            with pytest.raises(psycopg.errors.CardinalityViolation) as e:
                c.execute(sql.format(t=table))
            assert e.value.diag.message_primary == (
                "ON CONFLICT DO UPDATE command cannot affect row a second "
                "time")
            assert e.value.diag.message_hint == (
                "Ensure that no rows proposed for insertion within the "
                "same command have duplicate constrained values.")
    with node.connect() as c:
        # Nothing of the failed statements stayed.
        assert c.execute("SELECT k, v FROM %s ORDER BY k"
                         % table).fetchall() == [("a", 1), ("b", 2),
                                                 ("c", 3)]
        # Several rows, each affected once: fine, in any protocol.
        cur = c.execute("INSERT INTO %s (k, v) VALUES ('a', 10), ('n', 4) "
                        "ON CONFLICT (k) DO UPDATE SET v = excluded.v"
                        % table)
        assert cur.statusmessage == "INSERT 0 2"
        cur = c.execute("INSERT INTO %s AS x (k, v) VALUES (%%s, 1), "
                        "(%%s, 1) ON CONFLICT (k) DO UPDATE SET v = x.v + "
                        "excluded.v WHERE x.v < 5" % table, ("a", "b"))
        assert cur.statusmessage == "INSERT 0 1"
        cur = c.execute("INSERT INTO %s (k, v) SELECT k || '2', v FROM %s "
                        "WHERE k IN ('a', 'n') ON CONFLICT (k) DO UPDATE "
                        "SET v = 0" % (table, table))
        assert cur.statusmessage == "INSERT 0 2"
        assert c.execute("SELECT k, v FROM %s ORDER BY k"
                         % table).fetchall() == [
            ("a", 10), ("a2", 10), ("b", 3), ("c", 3), ("n", 4), ("n2", 4)]


def test_insert_fewer_values(node, table):
    """Without a column list, VALUES (or a SELECT) fills the leading
    columns; the others take their defaults."""
    with node.connect() as c:
        c.execute("CREATE TABLE %s (k text PRIMARY KEY, v int4 DEFAULT 7, "
                  "note text)" % table)
        cur = c.execute("INSERT INTO %s VALUES ('a'), ('b')" % table)
        assert cur.statusmessage == "INSERT 0 2"
        c.execute("INSERT INTO %s VALUES ('c', 3)" % table)
        c.execute("INSERT INTO %s SELECT 'd', 4" % table)
        cur = c.execute("INSERT INTO %s VALUES (%%s) RETURNING *" % table,
                        ("e",))
        assert cur.fetchall() == [("e", 7, None)]
        assert c.execute("SELECT k, v, note FROM %s ORDER BY k"
                         % table).fetchall() == [
            ("a", 7, None), ("b", 7, None), ("c", 3, None), ("d", 4, None),
            ("e", 7, None)]
        with pytest.raises(psycopg.errors.SyntaxError) as e:
            c.execute("INSERT INTO %s VALUES ('f', 1, 'x', 'extra')"
                      % table)
        assert e.value.diag.message_primary == (
            "INSERT has more expressions than target columns")


def test_whole_row_json(node, two):
    a, b = two
    with node.connect() as c:
        c.execute("CREATE TABLE %s (id int4 PRIMARY KEY, name text, ok bool, "
                  "doc jsonb, at timestamptz)" % a)
        c.execute("INSERT INTO %s VALUES (1, 'x', true, '{\"k\": [1]}', "
                  "'2024-01-02 03:04:05+00'), (2, NULL, false, NULL, NULL)"
                  % a)
        c.execute("CREATE TABLE %s (id int4, %s int4)" % (b, a))
        c.execute("INSERT INTO %s VALUES (1, 7)" % b)
        rows = c.execute("SELECT row_to_json(t)::text, to_jsonb(t)::text "
                         "FROM %s t ORDER BY id" % a).fetchall()
        assert rows == [
            ('{"id":1,"name":"x","ok":true,"doc":{"k": [1]},'
             '"at":"2024-01-02T03:04:05+00:00"}',
             '{"at": "2024-01-02T03:04:05+00:00", "id": 1, "ok": true, '
             '"doc": {"k": [1]}, "name": "x"}'),
            ('{"id":2,"name":null,"ok":false,"doc":null,"at":null}',
             '{"at": null, "id": 2, "ok": false, "doc": null, '
             '"name": null}')]
        assert c.execute("SELECT json_agg(x ORDER BY x.id DESC)::text FROM "
                         "(SELECT id, upper(name) AS n FROM %s) AS x"
                         % a).fetchone() == (
            '[{"id":2,"n":null}, \n {"id":1,"n":"X"}]',)
        assert c.execute("SELECT jsonb_agg(%s.*)::text FROM %s WHERE id = 1"
                         % (a, a)).fetchone() == (
            '[{"at": "2024-01-02T03:04:05+00:00", "id": 1, "ok": true, '
            '"doc": {"k": [1]}, "name": "x"}]',)
        # In a subquery, naming the outer query's item.
        assert c.execute("SELECT (SELECT to_json(t) FROM (SELECT 1) s)::text "
                         "FROM %s t WHERE id = 2" % a).fetchone() == (
            '{"id":2,"name":null,"ok":false,"doc":null,"at":null}',)
        # A column of the same name comes first.
        assert c.execute("SELECT to_json(%s) FROM %s" % (a, b)).fetchone() \
            == (7,)
        # The row itself, as record text.
        cur = psycopg.ClientCursor(c)
        cur.execute("SELECT t::text AS r FROM %s t ORDER BY id" % a)
        assert cur.fetchall() == [
            ('(1,x,t,"{""k"": [1]}","2024-01-02 03:04:05+00")',),
            ("(2,,f,,)",)]
