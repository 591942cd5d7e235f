"""INSERT/UPDATE/DELETE ... RETURNING (issue 5).  triode emulates it
(dqlite 1.11.1 aborts the node on RETURNING): the rows, their order for
INSERT, the column names and types, the command tags, parameters, the
simple and extended protocols with text and binary results, row limits
(portal suspension), explicit transactions and atomicity.  The same tests
pass against PostgreSQL 15 (TRIODE_TEST_TARGET=postgres)."""

import asyncio
import ssl

import psycopg
import pytest

from conftest import TARGET

INT8, TEXT, BOOL, NUMERIC = 20, 25, 16, 1700


def kv(c, t):
    c.execute("CREATE TABLE %s (id bigserial PRIMARY KEY, k text UNIQUE, "
              "v int4 NOT NULL DEFAULT 7, ok bool DEFAULT true, "
              "n numeric(6,2))" % t)


def test_insert_values_order_names_types(node, table):
    with node.connect() as c:
        kv(c, table)
        cur = c.execute("INSERT INTO %s (id, k, v) VALUES (10, 'x', 1), "
                        "(5, 'y', 2), (7, 'z', 3) RETURNING id, k, "
                        "k || '!' AS d, ok" % table)
        assert cur.fetchall() == [(10, "x", "x!", True), (5, "y", "y!", True),
                                  (7, "z", "z!", True)]
        assert cur.statusmessage == "INSERT 0 3"
        assert [(d.name, d.type_code) for d in cur.description] == [
            ("id", INT8), ("k", TEXT), ("d", TEXT), ("ok", BOOL)]
        cur = c.execute("INSERT INTO %s (k) VALUES ('w') RETURNING *"
                        % table)
        assert [d.name for d in cur.description] == ["id", "k", "v", "ok",
                                                     "n"]
        # (the id after explicit ids differs: triode's serial is the
        # rowid, not a sequence)
        assert [r[1:] for r in cur.fetchall()] == [("w", 7, True, None)]
        cur = c.execute("INSERT INTO %s AS t (k, n) VALUES ('d', 1.5) "
                        "RETURNING t.k AS big, t.n" % table)
        assert cur.fetchall() == [("d", pytest.approx(1.5))]
        assert cur.description[1].type_code == NUMERIC


def test_insert_simple_protocol(node, table):
    with node.connect() as c:
        kv(c, table)
    out = node.psql("INSERT INTO %s (k, v) VALUES ('a', 1), ('b', 2) "
                    "RETURNING k, v" % table).stdout
    assert out.split() == ["a|1", "b|2"]
    with node.connect() as c:
        cur = psycopg.ClientCursor(c)
        cur.execute("INSERT INTO %s (k) VALUES (%%s) RETURNING id, k"
                    % table, ("c",))
        assert cur.fetchall() == [(3, "c")]
        assert cur.statusmessage == "INSERT 0 1"


def test_insert_params_and_binary(node, table):
    with node.connect() as c:
        kv(c, table)
        cur = c.cursor(binary=True)
        cur.execute("INSERT INTO %s (k, v, n) VALUES (%%s, %%s, %%s), "
                    "('two', %%s, NULL) RETURNING id, k, v, n, %%s::int8 AS p"
                    % table, ("one", 10, "2.50", 20, 1000))
        rows = cur.fetchall()
        assert [(r[0], r[1], r[2], r[4]) for r in rows] == [
            (1, "one", 10, 1000), (2, "two", 20, 1000)]
        assert float(rows[0][3]) == 2.5 and rows[1][3] is None


def test_insert_select_returning(node, table):
    with node.connect() as c:
        kv(c, table)
        c.execute("INSERT INTO %s (k, v) VALUES ('a', 1), ('b', 2)" % table)
        cur = c.execute("INSERT INTO %s (k, v) SELECT k || '2', v * %%s "
                        "FROM %s ORDER BY k DESC RETURNING k, v"
                        % (table, table), (10,))
        assert cur.fetchall() == [("b2", 20), ("a2", 10)]
        assert cur.statusmessage == "INSERT 0 2"
        cur = c.execute("INSERT INTO %s (k) SELECT k FROM %s WHERE false "
                        "RETURNING k" % (table, table))
        assert cur.fetchall() == [] and cur.statusmessage == "INSERT 0 0"


def test_on_conflict(node, table):
    with node.connect() as c:
        kv(c, table)
        c.execute("INSERT INTO %s (k, v) VALUES ('a', 1)" % table)
        cur = c.execute("INSERT INTO %s (k, v) VALUES ('a', 10), ('z', 5) "
                        "ON CONFLICT (k) DO UPDATE SET v = %s.v + "
                        "EXCLUDED.v RETURNING id, k, v" % (table, table))
        assert cur.fetchall() == [(1, "a", 11), (3, "z", 5)]
        assert cur.statusmessage == "INSERT 0 2"
        cur = c.execute("INSERT INTO %s (k, v) VALUES ('a', 99), ('n', 1) "
                        "ON CONFLICT DO NOTHING RETURNING k" % table)
        assert cur.fetchall() == [("n",)]
        assert cur.statusmessage == "INSERT 0 1"
        cur = c.execute("INSERT INTO %s (k, v) VALUES ('a', 0) ON CONFLICT "
                        "(k) DO UPDATE SET v = 0 WHERE %s.v > 100 "
                        "RETURNING k" % (table, table))
        assert cur.fetchall() == [] and cur.statusmessage == "INSERT 0 0"
        with pytest.raises(psycopg.errors.CardinalityViolation):
            c.execute("INSERT INTO %s (k, v) VALUES ('q', 1), ('q', 2) "
                      "ON CONFLICT (k) DO UPDATE SET v = 0 RETURNING k"
                      % table)
        assert c.execute("SELECT count(*) FROM %s WHERE k = 'q'"
                         % table).fetchone() == (0,)


def test_update_returning(node, table):
    with node.connect() as c:
        kv(c, table)
        c.execute("INSERT INTO %s (k, v) VALUES ('a', 1), ('b', 2), "
                  "('c', 3)" % table)
        cur = c.execute("UPDATE %s SET v = v + %%s WHERE k <> %%s "
                        "RETURNING k, v, %%s::text AS tag" % table,
                        (100, "a", "t"))
        assert sorted(cur.fetchall()) == [("b", 102, "t"), ("c", 103, "t")]
        assert cur.statusmessage == "UPDATE 2"
        cur = c.execute("UPDATE %s SET v = 0 WHERE k = 'nope' RETURNING *"
                        % table)
        assert cur.fetchall() == [] and cur.statusmessage == "UPDATE 0"
        assert len(cur.description) == 5
        # UPDATE ... FROM with a join that repeats target rows: once each.
        c.execute("CREATE TABLE %s_o (k text, x int4)" % table)
        try:
            c.execute("INSERT INTO %s_o VALUES ('b', 1), ('b', 1), ('c', 1)"
                      % table)
            cur = c.execute("UPDATE %s AS t SET v = t.v + o.x FROM %s_o o "
                            "WHERE o.k = t.k RETURNING t.k, t.v"
                            % (table, table))
            assert sorted(cur.fetchall()) == [("b", 103), ("c", 104)]
            assert cur.statusmessage == "UPDATE 2"
        finally:
            c.execute("DROP TABLE %s_o" % table)


def test_update_primary_key(node, table):
    with node.connect() as c:
        kv(c, table)
        c.execute("INSERT INTO %s (k) VALUES ('a'), ('b')" % table)
        sql = "UPDATE %s SET id = id + 100 RETURNING id, k" % table
        assert sorted(c.execute(sql).fetchall()) == [(101, "a"), (102, "b")]
        assert c.execute("SELECT id FROM %s ORDER BY id"
                         % table).fetchall() == [(101,), (102,)]


def test_delete_returning(node, table):
    with node.connect() as c:
        kv(c, table)
        c.execute("INSERT INTO %s (k, v) VALUES ('a', 1), ('b', 2), "
                  "('c', 3)" % table)
        cur = c.execute("DELETE FROM %s WHERE v >= %%s RETURNING *"
                        % table, (2,))
        assert sorted(cur.fetchall()) == [(2, "b", 2, True, None),
                                          (3, "c", 3, True, None)]
        assert cur.statusmessage == "DELETE 2"
        c.execute("CREATE TABLE %s_u (k text, note text)" % table)
        try:
            c.execute("INSERT INTO %s_u VALUES ('a', 'x'), ('a', 'x')"
                      % table)
            cur = c.execute("DELETE FROM %s t USING %s_u u WHERE t.k = u.k "
                            "RETURNING t.id, u.note" % (table, table))
            assert cur.fetchall() == [(1, "x")]
            assert cur.statusmessage == "DELETE 1"
        finally:
            c.execute("DROP TABLE %s_u" % table)
        cur = c.execute("DELETE FROM %s RETURNING k" % table)
        assert cur.fetchall() == [] and cur.statusmessage == "DELETE 0"


def test_transactions_and_atomicity(node, table):
    with node.connect() as c:
        kv(c, table)
        # Autocommit: a failing row undoes the rows before it.
        with pytest.raises(psycopg.errors.UniqueViolation):
            c.execute("INSERT INTO %s (k) VALUES ('a'), ('a') RETURNING id"
                      % table)
        assert c.execute("SELECT count(*) FROM %s" % table).fetchone() \
            == (0,)
    with node.connect(autocommit=False) as c:
        assert c.execute("INSERT INTO %s (k) VALUES ('t') RETURNING k"
                         % table).fetchall() == [("t",)]
        assert c.execute("UPDATE %s SET v = 1 RETURNING v"
                         % table).fetchall() == [(1,)]
        c.rollback()
        assert c.execute("SELECT count(*) FROM %s" % table).fetchone() \
            == (0,)
        c.execute("INSERT INTO %s (k) VALUES ('u') RETURNING k" % table)
        assert c.execute("DELETE FROM %s RETURNING k"
                         % table).fetchall() == [("u",)]
        c.execute("INSERT INTO %s (k) VALUES ('v') RETURNING k" % table)
        c.commit()
    out = node.psql("BEGIN; INSERT INTO %s (k) VALUES ('w') RETURNING k; "
                    "SELECT k FROM %s ORDER BY k; COMMIT" % (table, table)).stdout
    assert out.split() == ["w", "v", "w"]


def test_psycopg2(node, table):
    psycopg2 = pytest.importorskip("psycopg2")
    conn = psycopg2.connect(node.dsn())
    try:
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("CREATE TABLE %s (id bigserial PRIMARY KEY, name text)"
                    % table)
        cur.execute("INSERT INTO %s (name) VALUES (%%s) RETURNING id"
                    % table, ("x",))
        assert cur.fetchone() == (1,)
        assert cur.statusmessage == "INSERT 0 1"
        cur.execute("UPDATE %s SET name = upper(name) RETURNING id, name"
                    % table)
        assert cur.fetchall() == [(1, "X")] and cur.rowcount == 1
    finally:
        conn.close()


def test_asyncpg(node, table):
    asyncpg = pytest.importorskip("asyncpg")

    async def main():
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = await asyncpg.connect(host="127.0.0.1", port=node.port,
                                     user=node.user, database=node.dbname,
                                     password=node.password, ssl=ctx,
                                     timeout=10, command_timeout=30)
        try:
            await conn.execute("CREATE TABLE %s (id bigserial PRIMARY KEY, "
                               "k text, ok bool, n numeric(5,1))" % table)
            rid = await conn.fetchval(
                "INSERT INTO %s (k, ok, n) VALUES ($1, $2, $3) "
                "RETURNING id" % table, "a", True, 1.5)
            assert rid == 1
            st = await conn.prepare("INSERT INTO %s (k, ok) VALUES ($1, "
                                    "$2) RETURNING id, k, ok, n" % table)
            assert [a.type.name for a in st.get_attributes()] == [
                "int8", "text", "bool", "numeric"]
            rows = await st.fetch("b", False)
            assert [tuple(r) for r in rows] == [(2, "b", False, None)]
            await conn.execute("INSERT INTO %s (k) SELECT 'x' || g FROM "
                               "generate_series(1, 5) g" % table)
            # Row limits: a cursor fetches 2 rows per Execute.
            async with conn.transaction():
                got = [r["k"] async for r in conn.cursor(
                    "UPDATE %s SET ok = true WHERE k LIKE 'x%%' "
                    "RETURNING k" % table, prefetch=2)]
            assert sorted(got) == ["x1", "x2", "x3", "x4", "x5"]
            gone = await conn.fetch("DELETE FROM %s WHERE id <= $1 "
                                    "RETURNING id, n" % table, 2)
            assert sorted((r["id"], r["n"]) for r in gone) == [
                (1, pytest.approx(1.5)), (2, None)]
        finally:
            await conn.close()

    asyncio.run(main())


@pytest.mark.skipif(TARGET != "triode", reason="triode's own limit")
def test_update_from_star_refused(node, table):
    with node.connect() as c:
        kv(c, table)
        with pytest.raises(psycopg.errors.FeatureNotSupported):
            c.execute("UPDATE %s t SET v = 1 FROM %s u WHERE t.id = u.id "
                      "RETURNING *" % (table, table))
