"""Basic DML through real clients: psql over TLS (sslmode=require) and
psycopg 3, as the issue's `make run` + psql scenario does."""

import psycopg



def test_psql_crud_over_tls(node, table):
    p = node.psql
    p("CREATE TABLE %s (id int4 PRIMARY KEY, name text NOT NULL, n int4)"
      % table)
    p("INSERT INTO %s VALUES (1, 'one', 10), (2, 'two', 20), (3, 'three', 30)"
      % table)
    out = p("SELECT id, name, n FROM %s ORDER BY id" % table).stdout
    assert out.splitlines() == ["1|one|10", "2|two|20", "3|three|30"]

    p("UPDATE %s SET n = n + 1, name = 'TWO' WHERE id = 2" % table)
    p("DELETE FROM %s WHERE id = 3" % table)
    out = p("SELECT id, name, n FROM %s ORDER BY id" % table).stdout
    assert out.splitlines() == ["1|one|10", "2|TWO|21"]

    out = p("SELECT count(*) FROM %s" % table).stdout
    assert out.strip() == "2"


def test_psql_command_tags(node, table):
    """psql without -q -t prints the command tags the server sends."""
    node.psql("CREATE TABLE %s (id int4 PRIMARY KEY, v text)" % table)
    tags = []
    for sql in ["INSERT INTO %s VALUES (5, 'e'), (6, 'f'), (7, 'g')" % table,
                "UPDATE %s SET v = 'z'" % table,
                "DELETE FROM %s WHERE id > 5" % table,
                "SELECT * FROM %s" % table]:
        tags.append(node.psql(sql, plain=True).stdout.strip().splitlines()[-1])
    assert tags == ["INSERT 0 3", "UPDATE 3", "DELETE 2", "(1 row)"]


def test_psql_null_and_text(node, table):
    node.psql("CREATE TABLE %s (id int4 PRIMARY KEY, v text)" % table)
    node.psql("INSERT INTO %s VALUES (1, NULL), (2, 'it''s'), (3, '')"
              % table)
    out = node.psql("SELECT id, v IS NULL, v FROM %s ORDER BY id" % table,
                    args=["-P", "null=<null>"]).stdout
    assert out.splitlines() == ["1|t|<null>", "2|f|it's", "3|f|"]


def test_psycopg_crud(node, table):
    with node.connect() as c:
        assert c.pgconn.ssl_in_use
        c.execute("CREATE TABLE %s (id int4 PRIMARY KEY, name text)" % table)
        cur = c.execute("INSERT INTO %s VALUES (1, 'a'), (2, 'b')" % table)
        assert cur.rowcount == 2
        assert cur.statusmessage == "INSERT 0 2"
        cur = c.execute("UPDATE %s SET name = 'B' WHERE id = 2" % table)
        assert cur.rowcount == 1
        rows = c.execute("SELECT id, name FROM %s ORDER BY id"
                         % table).fetchall()
        assert rows == [(1, "a"), (2, "B")]
        cur = c.execute("SELECT id, name FROM %s ORDER BY id" % table)
        assert [d.name for d in cur.description] == ["id", "name"]
        cur = c.execute("DELETE FROM %s" % table)
        assert cur.rowcount == 2
        assert c.execute("SELECT count(*) FROM %s" % table).fetchone() == (0,)


def test_psycopg_types_roundtrip(node, table):
    """int4 and text come back as Python int and str."""
    with node.connect() as c:
        c.execute("CREATE TABLE %s (id int4 PRIMARY KEY, v text)" % table)
        c.execute("INSERT INTO %s VALUES (-2147483648, 'x')" % table)
        row = c.execute("SELECT id, v FROM %s" % table).fetchone()
        assert row == (-2147483648, "x")
        assert isinstance(row[0], int)


def test_psycopg_non_autocommit(node, table):
    """psycopg's default mode wraps statements in BEGIN ... COMMIT (it
    sends the BEGIN with PQsendQueryParams: extended protocol)."""
    with node.connect() as c:
        c.execute("CREATE TABLE %s (id int4 PRIMARY KEY)" % table)
    with psycopg.connect(node.dsn()) as c:  # autocommit off
        c.execute("INSERT INTO %s VALUES (1)" % table)
        c.commit()
        c.execute("INSERT INTO %s VALUES (2)" % table)
        c.rollback()
    assert node.query_one("SELECT count(*) FROM %s" % table) == (1,)


def test_psycopg_parameters(node, table):
    with node.connect() as c:
        c.execute("CREATE TABLE %s (id int4 PRIMARY KEY, v text)" % table)
        c.execute("INSERT INTO %s VALUES (%%s, %%s)" % table, (1, "a"))
        assert c.execute("SELECT v FROM %s WHERE id = %%s" % table,
                         (1,)).fetchone() == ("a",)


def test_psycopg_auto_prepare(node, table):
    """psycopg's default prepare_threshold=5 prepares repeated queries."""
    with node.connect(prepare_threshold=5) as c:
        c.execute("CREATE TABLE %s (id int4 PRIMARY KEY)" % table)
        for _ in range(8):
            c.execute("SELECT count(*) FROM %s" % table).fetchone()


def test_boolean_columns_compare_with_boolean_words(node, table):
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE %s (id int4, b boolean, t text)" % table)
        c.execute("INSERT INTO %s VALUES (1, true, 'f'), (2, false, 't'), "
                  "(3, NULL, 'x')" % table)

        def ids(where):
            return [r[0] for r in c.execute(
                "SELECT id FROM %s WHERE %s ORDER BY id" % (table, where))]
        assert ids("b = 'f'") == [2]
        assert ids("b = 'true'") == [1]
        assert ids("b <> 'no'") == [1]
        assert ids("'on' = b") == [1]
        assert ids("b = '0'") == [2]
        # A text column compares as text.
        assert ids("t = 'f'") == [1]
        assert ids("t <> 'f'") == [2, 3]
