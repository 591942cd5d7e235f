"""DDL semantics applications rely on: PostgreSQL's errors for duplicate
and unknown names, DROP's dependency rules (RESTRICT refuses, CASCADE
drops dependent views and foreign keys, with PostgreSQL's NOTICEs), NOT
NULL primary keys and identity columns.  The same expectations hold
against PostgreSQL 15 (TRIODE_TEST_TARGET=postgres)."""
import psycopg
import pytest


def notices_of(conn):
    """A list that collects (message, detail) of the connection's
    NOTICEs."""
    got = []
    conn.add_notice_handler(
        lambda d: got.append((d.message_primary, d.message_detail)))
    return got


def test_duplicate_and_unknown_names(node, table):
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        got = notices_of(c)
        c.execute("CREATE TABLE %s (id int PRIMARY KEY, score int)" % table)
        with pytest.raises(psycopg.errors.DuplicateColumn) as e:
            c.execute("ALTER TABLE %s ADD COLUMN score text" % table)
        assert e.value.diag.message_primary == \
            'column "score" of relation "%s" already exists' % table
        c.execute("ALTER TABLE %s ADD COLUMN IF NOT EXISTS score text"
                  % table)
        assert got == [('column "score" of relation "%s" already exists, '
                        'skipping' % table, None)]
        c.execute("ALTER TABLE %s ADD COLUMN note text DEFAULT 'n'" % table)
        c.execute("INSERT INTO %s (id) VALUES (1)" % table)
        assert c.execute("SELECT note FROM %s" % table).fetchone() == ("n",)

        with pytest.raises(psycopg.errors.DuplicateColumn) as e:
            c.execute("CREATE TABLE %s_x (a int, b text, a text)" % table)
        assert e.value.diag.message_primary == \
            'column "a" specified more than once'
        sql = "CREATE TABLE %s_x (id int PRIMARY KEY, v no_such_type)" \
            % table
        with pytest.raises(psycopg.errors.UndefinedObject) as e:
            c.execute(sql)
        assert e.value.diag.message_primary == \
            'type "no_such_type" does not exist'
        assert int(e.value.diag.statement_position) == \
            sql.index("no_such_type") + 1


def test_drop_restrict_and_cascade(node, table):
    p, ch, ch2 = table, table + "_ch", table + "_ch2"
    v, v2, v3 = table + "_v", table + "_v2", table + "_v3"
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        got = notices_of(c)
        c.execute("CREATE TABLE %s (id int PRIMARY KEY, v text)" % p)
        c.execute("CREATE TABLE %s (id int, pid int REFERENCES %s)"
                  % (ch, p))
        c.execute("CREATE TABLE %s (id int, pid int, CONSTRAINT %s_fk "
                  "FOREIGN KEY (pid) REFERENCES %s (id))" % (ch2, ch2, p))
        c.execute("CREATE VIEW %s AS SELECT * FROM %s" % (v, p))
        c.execute("CREATE VIEW %s AS SELECT id FROM %s" % (v2, v))
        c.execute("CREATE VIEW %s AS SELECT c.id FROM %s c JOIN %s "
                  "ON %s.id = c.pid" % (v3, ch, p, p))
        c.execute("INSERT INTO %s VALUES (1, 'a')" % p)
        c.execute("INSERT INTO %s VALUES (1, 1)" % ch)

        with pytest.raises(psycopg.errors.DependentObjectsStillExist) as e:
            c.execute("DROP TABLE %s" % p)
        d = e.value.diag
        assert d.message_primary == \
            "cannot drop table %s because other objects depend on it" % p
        assert d.message_detail == "\n".join([
            "constraint %s_pid_fkey on table %s depends on table %s"
            % (ch, ch, p),
            "constraint %s_fk on table %s depends on table %s"
            % (ch2, ch2, p),
            "view %s depends on table %s" % (v, p),
            "view %s depends on view %s" % (v2, v),
            "view %s depends on table %s" % (v3, p)])
        assert d.message_hint == \
            "Use DROP ... CASCADE to drop the dependent objects too."
        with pytest.raises(psycopg.errors.DependentObjectsStillExist) as e:
            c.execute("DROP VIEW %s" % v)
        assert e.value.diag.message_detail == \
            "view %s depends on view %s" % (v2, v)
        with pytest.raises(psycopg.errors.WrongObjectType) as e:
            c.execute("DROP TABLE %s" % v)
        assert e.value.diag.message_hint == "Use DROP VIEW to remove a view."
        with pytest.raises(psycopg.errors.UndefinedTable):
            c.execute("DROP TABLE %s_nope" % table)
        del got[:]
        c.execute("DROP TABLE IF EXISTS %s_nope" % table)
        assert got == [('table "%s_nope" does not exist, skipping' % table,
                        None)]

        # Nothing was dropped so far.
        assert c.execute("SELECT count(*) FROM %s" % v2).fetchone() == (1,)
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            c.execute("INSERT INTO %s VALUES (2, 99)" % ch)

        del got[:]
        c.execute("DROP VIEW %s CASCADE" % v)
        assert got == [("drop cascades to view %s" % v2, None)]
        del got[:]
        c.execute("DROP TABLE %s CASCADE" % p)
        assert got == [("drop cascades to 3 other objects", "\n".join([
            "drop cascades to constraint %s_pid_fkey on table %s"
            % (ch, ch),
            "drop cascades to constraint %s_fk on table %s" % (ch2, ch2),
            "drop cascades to view %s" % v3]))]
        # The children keep their rows and lose their foreign keys.
        c.execute("INSERT INTO %s VALUES (2, 99)" % ch)
        c.execute("INSERT INTO %s VALUES (2, 99)" % ch2)
        assert c.execute("SELECT count(*) FROM %s" % ch).fetchone() == (2,)
        for gone in (p, v3):
            with pytest.raises(psycopg.errors.UndefinedTable):
                c.execute("SELECT * FROM %s" % gone)
        c.execute("DROP TABLE %s, %s" % (ch, ch2))


def test_drop_in_a_transaction_is_all_or_nothing(node, table):
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE %s (id int PRIMARY KEY)" % table)
        c.execute("CREATE TABLE %s_ch (pid int REFERENCES %s)"
                  % (table, table))
        c.execute("CREATE VIEW %s_v AS SELECT id FROM %s" % (table, table))
    with psycopg.connect(node.dsn()) as t:
        t.execute("DROP TABLE %s CASCADE" % table)
        t.execute("INSERT INTO %s_ch VALUES (5)" % table)
        t.rollback()
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        # Rolled back: all there, the key enforced again.
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            c.execute("INSERT INTO %s_ch VALUES (5)" % table)
        assert c.execute("SELECT count(*) FROM %s_v"
                         % table).fetchone() == (0,)
        c.execute("DROP TABLE %s_ch" % table)
        c.execute("DROP VIEW %s_v" % table)


def test_primary_key_columns_are_not_null(node, table):
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE %s (k text PRIMARY KEY, v int)" % table)
        with pytest.raises(psycopg.errors.NotNullViolation) as e:
            c.execute("INSERT INTO %s DEFAULT VALUES" % table)
        assert e.value.diag.column_name == "k"
        assert e.value.diag.message_primary == (
            'null value in column "k" of relation "%s" violates '
            'not-null constraint' % table)
        c.execute("CREATE TABLE %s_2 (a text, b text, PRIMARY KEY (a, b))"
                  % table)
        with pytest.raises(psycopg.errors.NotNullViolation) as e:
            c.execute("INSERT INTO %s_2 VALUES ('x', NULL)" % table)
        assert e.value.diag.column_name == "b"
        c.execute("INSERT INTO %s_2 VALUES ('x', 'y')" % table)
        assert c.execute(
            "SELECT attname, attnotnull FROM pg_attribute WHERE attrelid = "
            "'%s_2'::regclass AND attnum > 0 ORDER BY attnum"
            % table).fetchall() == [("a", True), ("b", True)]
        c.execute("DROP TABLE %s_2" % table)


def test_identity_always_refuses_given_values(node, table):
    detail = 'Column "id" is an identity column defined as GENERATED ALWAYS.'
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE %s (id int GENERATED ALWAYS AS IDENTITY "
                  "PRIMARY KEY, v text)" % table)
        for sql in ("INSERT INTO %s (id, v) VALUES (5, 'x')",
                    "INSERT INTO %s (v, id) VALUES ('x', 5)",
                    "INSERT INTO %s VALUES (5, 'x')",
                    "INSERT INTO %s (id, v) SELECT 7, 'q'"):
            with pytest.raises(psycopg.errors.GeneratedAlways) as e:
                c.execute(sql % table)
            d = e.value.diag
            assert d.message_primary == \
                'cannot insert a non-DEFAULT value into column "id"'
            assert d.message_detail == detail
            assert d.message_hint == "Use OVERRIDING SYSTEM VALUE to override."
        c.execute("INSERT INTO %s (v) VALUES ('a')" % table)
        c.execute("INSERT INTO %s (id, v) VALUES (DEFAULT, 'b')" % table)
        c.execute("INSERT INTO %s (id, v) OVERRIDING SYSTEM VALUE "
                  "VALUES (50, 'c')" % table)
        # A parameter is a value too.
        with pytest.raises(psycopg.errors.GeneratedAlways):
            c.execute("INSERT INTO %s (id, v) VALUES (%%s, 'd')" % table,
                      (60,))
        for sql in ("UPDATE %s SET id = 9",
                    "UPDATE %s SET (id, v) = (3, 'a')"):
            with pytest.raises(psycopg.errors.GeneratedAlways) as e:
                c.execute(sql % table)
            assert e.value.diag.message_primary == \
                'column "id" can only be updated to DEFAULT'
            assert e.value.diag.message_detail == detail
        c.execute("UPDATE %s SET v = 'z' WHERE id = 50" % table)
        assert c.execute("SELECT id, v FROM %s ORDER BY id"
                         % table).fetchall() == \
            [(1, "a"), (2, "b"), (50, "z")]


def test_identity_and_serial_with_sequences(node, table):
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE %s (id int GENERATED BY DEFAULT AS IDENTITY "
                  "(START WITH 10 INCREMENT BY 5), v text)" % table)
        c.execute("INSERT INTO %s (v) VALUES ('a'), ('b')" % table)
        c.execute("INSERT INTO %s VALUES (1, 'c')" % table)
        c.execute("INSERT INTO %s (v) VALUES ('d')" % table)
        assert c.execute("SELECT id, v FROM %s ORDER BY v"
                         % table).fetchall() == \
            [(10, "a"), (15, "b"), (1, "c"), (20, "d")]
        assert c.execute("SELECT pg_get_serial_sequence('%s', 'id')"
                         % table).fetchone() == ("public.%s_id_seq" % table,)
        assert c.execute("SELECT currval('%s_id_seq')"
                         % table).fetchone() == (20,)
        assert c.execute(
            "SELECT attidentity, attnotnull, atthasdef FROM pg_attribute "
            "WHERE attrelid = '%s'::regclass AND attname = 'id'"
            % table).fetchone() == ("d", True, False)

        c.execute("CREATE TABLE %s_s (k text PRIMARY KEY, n serial)" % table)
        c.execute("INSERT INTO %s_s (k) VALUES ('a'), ('b')" % table)
        assert c.execute("SELECT k, n FROM %s_s ORDER BY k"
                         % table).fetchall() == [("a", 1), ("b", 2)]
        assert c.execute(
            "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d "
            "JOIN pg_class c ON c.oid = d.adrelid WHERE c.relname = "
            "'%s_s'" % table).fetchone() == \
            ("nextval('%s_s_n_seq'::regclass)" % table,)

        c.execute("CREATE TABLE %s_a (id bigint GENERATED ALWAYS AS "
                  "IDENTITY (START WITH 100), v text)" % table)
        with pytest.raises(psycopg.errors.GeneratedAlways):
            c.execute("INSERT INTO %s_a (id, v) VALUES (1, 'x')" % table)
        c.execute("INSERT INTO %s_a (v) VALUES ('y')" % table)
        assert c.execute("SELECT id FROM %s_a" % table).fetchone() == (100,)

        with pytest.raises(psycopg.errors.InvalidParameterValue):
            c.execute("CREATE TABLE %s_x (id text GENERATED ALWAYS AS "
                      "IDENTITY)" % table)
        # DROP TABLE drops the sequences the columns own.
        c.execute("DROP TABLE %s, %s_s, %s_a" % (table, table, table))
        for seq in ("%s_id_seq", "%s_s_n_seq", "%s_a_id_seq"):
            with pytest.raises(psycopg.errors.UndefinedTable):
                c.execute("SELECT nextval('%s')" % (seq % table))
