"""ALTER TABLE actions SQLite has no statement for, done by rebuilding the
table on the leader: constraints, NOT NULL, defaults and column types,
with the rows, indexes, views and references of other tables kept, and all
or nothing inside a transaction.  The same expectations hold against
PostgreSQL 15 (TRIODE_TEST_TARGET=postgres)."""
import psycopg
import pytest


def test_constraints_not_null_defaults_and_types(node, table):
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE %s (id int, qty int, note text, code text)"
                  % table)
        c.execute("CREATE INDEX %s_qty ON %s (qty)" % (table, table))
        c.execute("CREATE VIEW %s_v AS SELECT id, qty FROM %s"
                  % (table, table))
        c.execute("INSERT INTO %s VALUES (1, 5, 'a', '12'), "
                  "(2, 7, NULL, '30')" % table)
        c.execute("ALTER TABLE %s ADD PRIMARY KEY (id)" % table)
        with pytest.raises(psycopg.errors.UniqueViolation):
            c.execute("INSERT INTO %s (id) VALUES (1)" % table)
        with pytest.raises(psycopg.errors.NotNullViolation):
            c.execute("INSERT INTO %s (id) VALUES (NULL)" % table)

        c.execute("ALTER TABLE %s ADD CONSTRAINT %s_qty_check "
                  "CHECK (qty < 100)" % (table, table))
        with pytest.raises(psycopg.errors.CheckViolation):
            c.execute("INSERT INTO %s (id, qty) VALUES (3, 100)" % table)
        c.execute("ALTER TABLE %s DROP CONSTRAINT %s_qty_check"
                  % (table, table))
        c.execute("INSERT INTO %s (id, qty) VALUES (3, 100)" % table)
        with pytest.raises(psycopg.errors.UndefinedObject):
            c.execute("ALTER TABLE %s DROP CONSTRAINT %s_qty_check"
                      % (table, table))

        c.execute("ALTER TABLE %s ALTER COLUMN note SET DEFAULT 'n'"
                  % table)
        c.execute("INSERT INTO %s (id) VALUES (4)" % table)
        assert c.execute("SELECT note FROM %s WHERE id = 4"
                         % table).fetchone() == ("n",)
        c.execute("ALTER TABLE %s ALTER COLUMN note DROP DEFAULT" % table)

        # NULLs in the rows: SET NOT NULL fails and changes nothing.
        with pytest.raises(psycopg.errors.NotNullViolation):
            c.execute("ALTER TABLE %s ALTER COLUMN note SET NOT NULL"
                      % table)
        c.execute("UPDATE %s SET note = 'x' WHERE note IS NULL" % table)
        c.execute("ALTER TABLE %s ALTER COLUMN note SET NOT NULL" % table)
        with pytest.raises(psycopg.errors.NotNullViolation):
            c.execute("INSERT INTO %s (id) VALUES (5)" % table)

        with pytest.raises(psycopg.errors.DatatypeMismatch):
            c.execute("ALTER TABLE %s ALTER COLUMN code TYPE int4" % table)
        c.execute("ALTER TABLE %s ALTER COLUMN code TYPE int4 "
                  "USING code::int4" % table)
        with pytest.raises(psycopg.errors.FeatureNotSupported):
            c.execute("ALTER TABLE %s ALTER COLUMN qty TYPE int8" % table)
        assert c.execute("SELECT code + 1 FROM %s WHERE id = 1"
                         % table).fetchone() == (13,)
        with pytest.raises(psycopg.errors.UndefinedColumn):
            c.execute("ALTER TABLE %s ALTER COLUMN nope SET NOT NULL"
                      % table)
        # The index and the view survived every rebuild.
        assert c.execute("SELECT count(*) FROM %s_v" % table
                         ).fetchone() == (4,)
        c.execute("DROP VIEW %s_v" % table)


def test_rebuild_of_a_referenced_table_keeps_the_references(node, table):
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE %s_p (id int PRIMARY KEY, name text)"
                  % table)
        c.execute("CREATE TABLE %s_c (id int, pid int REFERENCES %s_p)"
                  % (table, table))
        c.execute("INSERT INTO %s_p VALUES (1, 'a'), (2, 'b')" % table)
        c.execute("INSERT INTO %s_c VALUES (10, 1), (20, 2)" % table)
        c.execute("ALTER TABLE %s_p ALTER COLUMN name SET NOT NULL" % table)
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            c.execute("INSERT INTO %s_c VALUES (30, 3)" % table)
        c.execute("DROP TABLE %s_c" % table)
        c.execute("DROP TABLE %s_p" % table)


def test_alter_inside_a_transaction_is_all_or_nothing(node, table):
    with psycopg.connect(node.dsn()) as c:  # not autocommit
        c.execute("CREATE TABLE %s (id int, v text)" % table)
        c.execute("INSERT INTO %s VALUES (1, 'a')" % table)
        c.execute("ALTER TABLE %s ADD PRIMARY KEY (id)" % table)
        c.execute("INSERT INTO %s VALUES (2, 'b')" % table)
        c.rollback()
        with pytest.raises(psycopg.errors.UndefinedTable):
            c.execute("SELECT * FROM %s" % table)
        c.rollback()
        c.execute("CREATE TABLE %s (id int, v text)" % table)
        c.execute("INSERT INTO %s VALUES (1, 'a'), (1, 'b')" % table)
        c.commit()
        with pytest.raises(psycopg.errors.UniqueViolation):
            c.execute("ALTER TABLE %s ADD PRIMARY KEY (id)" % table)
        c.rollback()
        assert c.execute("SELECT count(*) FROM %s" % table
                         ).fetchone() == (2,)
        c.execute("DELETE FROM %s WHERE v = 'b'" % table)
        c.execute("ALTER TABLE %s ADD PRIMARY KEY (id), "
                  "ALTER COLUMN v SET NOT NULL" % table)
        c.commit()
        with pytest.raises(psycopg.errors.NotNullViolation):
            c.execute("INSERT INTO %s VALUES (2, NULL)" % table)
        c.rollback()


def test_rebuild_of_a_table_larger_than_the_page_cache(node, table):
    # dqlite 1.11 fails such transactions with "disk I/O error" unless the
    # connection's page cache holds them (canonical/dqlite#432).
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE %s (id int, filler text)" % table)
        c.execute("INSERT INTO %s SELECT g, repeat('x', 200) FROM "
                  "generate_series(1, 60000) AS g" % table)
        c.execute("ALTER TABLE %s ADD PRIMARY KEY (id)" % table)
        for i in range(3):
            c.execute("ALTER TABLE %s ADD CONSTRAINT %s_c%d CHECK (id > 0)"
                      % (table, table, i))
        assert c.execute("SELECT count(*) FROM %s" % table
                         ).fetchone() == (60000,)


def test_rebuild_keeps_referencing_rows(node, table):
    """A table rebuilt by ALTER TABLE keeps the rows that reference it:
    their ON DELETE actions (SET NULL, CASCADE) must not run, also when
    the rebuild fails half way (and foreign keys work afterwards)."""
    p, c1, c2 = table, table + "_c1", table + "_c2"
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        try:
            c.execute("CREATE TABLE %s (id int PRIMARY KEY, n text)" % p)
            c.execute("CREATE TABLE %s (id int PRIMARY KEY, pid int "
                      "REFERENCES %s ON DELETE SET NULL)" % (c1, p))
            c.execute("CREATE TABLE %s (id int PRIMARY KEY, pid int "
                      "REFERENCES %s ON DELETE CASCADE)" % (c2, p))
            c.execute("INSERT INTO %s VALUES (1, 'x'), (2, NULL)" % p)
            c.execute("INSERT INTO %s VALUES (1, 1), (2, 2)" % c1)
            c.execute("INSERT INTO %s VALUES (1, 1), (2, 2)" % c2)
            c.execute("ALTER TABLE %s ALTER COLUMN n SET DEFAULT 'd'" % p)
            with pytest.raises(psycopg.errors.NotNullViolation):
                c.execute("ALTER TABLE %s ALTER COLUMN n SET NOT NULL" % p)
            assert c.execute("SELECT id, pid FROM %s ORDER BY id" % c1
                             ).fetchall() == [(1, 1), (2, 2)]
            assert c.execute("SELECT id, pid FROM %s ORDER BY id" % c2
                             ).fetchall() == [(1, 1), (2, 2)]
            # Enforcement is back: the actions run, bad keys are refused.
            c.execute("DELETE FROM %s WHERE id = 1" % p)
            assert c.execute("SELECT id, pid FROM %s ORDER BY id" % c1
                             ).fetchall() == [(1, None), (2, 2)]
            assert c.execute("SELECT id FROM %s ORDER BY id" % c2
                             ).fetchall() == [(2,)]
            with pytest.raises(psycopg.errors.ForeignKeyViolation):
                c.execute("INSERT INTO %s VALUES (3, 99)" % c2)
        finally:
            for t in (c2, c1, p):
                c.execute("DROP TABLE IF EXISTS %s" % t)
