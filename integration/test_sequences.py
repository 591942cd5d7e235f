"""Sequences (issue 5): CREATE/ALTER/DROP SEQUENCE, nextval, currval,
setval, lastval with PostgreSQL's errors, nextval in column defaults and
INSERTs, the sequence of a serial column, and the catalog (\\ds).  The
same tests pass against PostgreSQL 15 (TRIODE_TEST_TARGET=postgres)."""

import psycopg
import pytest

from conftest import unique_name


@pytest.fixture
def seq(node):
    """A unique sequence name; dropped afterwards."""
    name = unique_name("s")
    yield name
    try:
        with node.connect() as c:
            c.execute("DROP SEQUENCE IF EXISTS %s" % name)
    except psycopg.Error:
        pass


def one(c, sql, params=None):
    return c.execute(sql, params).fetchone()[0]


def test_nextval_currval_setval_lastval(node, seq):
    with node.connect() as c:
        c.execute("CREATE SEQUENCE %s" % seq)
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
            one(c, "SELECT currval('%s')" % seq)
        cur = c.execute("SELECT nextval('%s') AS n" % seq)
        assert cur.fetchall() == [(1,)]
        assert cur.description[0].name == "n"
        assert cur.description[0].type_code == 20  # int8
        assert cur.statusmessage == "SELECT 1"
        assert one(c, "SELECT nextval('%s')" % seq) == 2
        assert one(c, "SELECT currval('%s')" % seq) == 2
        assert one(c, "SELECT lastval()") == 2
        assert one(c, "SELECT setval('%s', 42)" % seq) == 42
        assert one(c, "SELECT nextval('%s')" % seq) == 43
        assert one(c, "SELECT setval('%s', 7, false)" % seq) == 7
        assert one(c, "SELECT nextval('%s')" % seq) == 7
        # A parameter for the name (extended protocol), several calls.
        assert c.execute("SELECT nextval(%s), nextval(%s)",
                         (seq, seq)).fetchone() == (8, 9)
        # One value per row, in order.
        rows = c.execute("SELECT g, nextval('%s') FROM generate_series(1, "
                         "3) AS g ORDER BY g" % seq).fetchall()
        assert rows == [(1, 10), (2, 11), (3, 12)]
        assert c.execute("SELECT last_value, is_called FROM %s"
                         % seq).fetchone() == (12, True)
        # currval is per session.
        with node.connect() as c2:
            with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
                one(c2, "SELECT currval('%s')" % seq)
            with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
                one(c2, "SELECT lastval()")
            assert one(c2, "SELECT nextval('%s')" % seq) == 13
        assert one(c, "SELECT currval('%s')" % seq) == 12


def test_options_limits_cycle(node, seq):
    with node.connect() as c:
        c.execute("CREATE SEQUENCE %s START WITH 100 INCREMENT BY 10 "
                  "MAXVALUE 120" % seq)
        assert [one(c, "SELECT nextval('%s')" % seq)
                for _ in range(3)] == [100, 110, 120]
        with pytest.raises(psycopg.errors.SequenceGeneratorLimitExceeded):
            one(c, "SELECT nextval('%s')" % seq)
        c.execute("ALTER SEQUENCE %s RESTART WITH 5" % seq)
        assert one(c, "SELECT nextval('%s')" % seq) == 5
        c.execute("ALTER SEQUENCE %s INCREMENT BY 2 MINVALUE 5 CYCLE"
                  % seq)
        assert one(c, "SELECT nextval('%s')" % seq) == 7
        c.execute("SELECT setval('%s', 120)" % seq)
        assert one(c, "SELECT nextval('%s')" % seq) == 5  # wrapped
        with pytest.raises(psycopg.errors.NumericValueOutOfRange):
            one(c, "SELECT setval('%s', 1000)" % seq)
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            c.execute("CREATE SEQUENCE %s_x MINVALUE 10 MAXVALUE 1" % seq)
        down = seq + "_d"
        c.execute("CREATE SEQUENCE %s INCREMENT BY -1" % down)
        try:
            assert c.execute("SELECT nextval('%s'), nextval('%s')"
                             % (down, down)).fetchone() == (-1, -2)
        finally:
            c.execute("DROP SEQUENCE %s" % down)


def test_create_drop_errors(node, seq, table):
    with node.connect() as c:
        with pytest.raises(psycopg.errors.UndefinedTable):
            one(c, "SELECT nextval('%s')" % seq)
        with pytest.raises(psycopg.errors.UndefinedTable):
            one(c, "SELECT currval('%s')" % seq)
        c.execute("CREATE SEQUENCE %s" % seq)
        with pytest.raises(psycopg.errors.DuplicateTable):
            c.execute("CREATE SEQUENCE %s" % seq)
        c.execute("CREATE SEQUENCE IF NOT EXISTS %s" % seq)
        with pytest.raises(psycopg.errors.DuplicateTable):
            c.execute("CREATE TABLE %s (a int)" % seq)
        cur = c.execute("DROP SEQUENCE %s" % seq)
        assert cur.statusmessage == "DROP SEQUENCE"
        with pytest.raises(psycopg.errors.UndefinedTable):
            c.execute("DROP SEQUENCE %s" % seq)
        c.execute("DROP SEQUENCE IF EXISTS %s" % seq)
        # nextval in a failed transaction block: 25P02 until ROLLBACK.
        c.execute("CREATE SEQUENCE %s" % seq)
        c.execute("BEGIN")
        assert one(c, "SELECT nextval('%s')" % seq) == 1
        with pytest.raises(psycopg.errors.UndefinedTable):
            c.execute("SELECT nextval('%s_nope')" % seq)
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            c.execute("SELECT nextval('%s')" % seq)
        c.execute("ROLLBACK")
        c.execute("BEGIN")
        a = one(c, "SELECT nextval('%s')" % seq)
        b = one(c, "SELECT nextval('%s')" % seq)
        c.execute("COMMIT")
        assert b == a + 1


def test_defaults_and_inserts(node, seq, table):
    with node.connect() as c:
        c.execute("CREATE SEQUENCE %s START 10" % seq)
        c.execute("CREATE TABLE %s (id int8 PRIMARY KEY DEFAULT "
                  "nextval('%s'), v text)" % (table, seq))
        c.execute("INSERT INTO %s (v) VALUES ('a'), ('b')" % table)
        c.execute("INSERT INTO %s (id, v) VALUES (nextval('%s'), 'c')"
                  % (table, seq))
        cur = c.execute("INSERT INTO %s (v) VALUES ('d') RETURNING id, v"
                        % table)
        assert cur.fetchall() == [(13, "d")]
        assert c.execute("SELECT id, v FROM %s ORDER BY id"
                         % table).fetchall() == [
            (10, "a"), (11, "b"), (12, "c"), (13, "d")]
        assert one(c, "SELECT currval('%s')" % seq) == 13
        default = one(c, "SELECT pg_get_expr(d.adbin, d.adrelid) FROM "
                         "pg_attrdef d JOIN pg_class r ON r.oid = "
                         "d.adrelid WHERE r.relname = '%s'" % table)
        assert default == "nextval('%s'::regclass)" % seq


def test_serial_sequence(node, table):
    with node.connect() as c:
        c.execute("CREATE TABLE %s (id serial PRIMARY KEY, v text)" % table)
        c.execute("INSERT INTO %s (v) VALUES ('a')" % table)
        # What SQLAlchemy and dumps do: take a value, insert it.
        n = one(c, "SELECT nextval('\"%s_id_seq\"')" % table)
        assert n == 2
        c.execute("INSERT INTO %s (id, v) VALUES (%d, 'b')" % (table, n))
        c.execute("INSERT INTO %s (v) VALUES ('c')" % table)
        assert c.execute("SELECT id, v FROM %s ORDER BY id"
                         % table).fetchall() == [(1, "a"), (2, "b"),
                                                 (3, "c")]
        assert one(c, "SELECT nextval(pg_get_serial_sequence('%s', 'id'))"
                   % table) == 4
        assert one(c, "SELECT setval('%s_id_seq', 10)" % table) == 10
        c.execute("INSERT INTO %s (v) VALUES ('d')" % table)
        assert one(c, "SELECT max(id) FROM %s" % table) == 11


def test_explicit_ids_do_not_move_the_serial_sequence(node, table):
    """PostgreSQL's rule, which applications meet after a bulk load with
    explicit ids: the sequence does not move, so a later default id
    collides (23505) until setval moves it on."""
    with node.connect() as c:
        c.execute("CREATE TABLE %s (id serial PRIMARY KEY, v text)" % table)
        c.execute("INSERT INTO %s (id, v) VALUES (1, 'a'), (2, 'b')" % table)
        with pytest.raises(psycopg.errors.UniqueViolation) as e:
            c.execute("INSERT INTO %s (v) VALUES ('c')" % table)
        assert e.value.diag.constraint_name == "%s_pkey" % table
        c.rollback()
        # The failed INSERT took 1; PostgreSQL's nextval is never undone,
        # triode's is transactional (README), so only the next step is
        # compared: setval past the ids, and defaults follow.
        c.execute("SELECT setval('%s_id_seq', (SELECT max(id) FROM %s))"
                  % (table, table))
        c.execute("INSERT INTO %s (v) VALUES ('c')" % table)
        assert c.execute("SELECT id, v FROM %s ORDER BY id"
                         % table).fetchall() == [(1, "a"), (2, "b"),
                                                 (3, "c")]
        c.commit()


def test_create_table_if_not_exists_with_serial(node, table):
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        got = []
        c.add_notice_handler(
            lambda d: got.append((d.sqlstate, d.message_primary)))
        ddl = ("CREATE TABLE IF NOT EXISTS %s (id bigserial PRIMARY KEY, "
               "n serial, v text)" % table)
        c.execute(ddl)
        assert got == []
        c.execute("INSERT INTO %s (v) VALUES ('a')" % table)
        c.execute(ddl)
        assert got == [("42P07", 'relation "%s" already exists, skipping'
                        % table)]
        # The second statement changed nothing: same sequences, same row.
        c.execute("INSERT INTO %s (v) VALUES ('b')" % table)
        assert c.execute("SELECT id, n, v FROM %s ORDER BY id"
                         % table).fetchall() == [(1, 1, "a"), (2, 2, "b")]
        # Any relation holds the name, as in PostgreSQL.
        c.execute("CREATE INDEX %s_ix ON %s (v)" % (table, table))
        del got[:]
        c.execute("CREATE TABLE IF NOT EXISTS %s_ix (id serial)" % table)
        assert got == [("42P07", 'relation "%s_ix" already exists, skipping'
                        % table)]


def test_truncate_restart_identity(node, table, seq):
    with node.connect() as c:
        c.execute("CREATE SEQUENCE %s" % seq)
        c.execute("CREATE TABLE %s (id serial PRIMARY KEY, n int GENERATED "
                  "BY DEFAULT AS IDENTITY (START WITH 10), o int8 DEFAULT "
                  "nextval('%s'), v text)" % (table, seq))
        c.execute("INSERT INTO %s (v) VALUES ('a'), ('b')" % table)
        c.execute("TRUNCATE %s" % table)
        c.execute("INSERT INTO %s (v) VALUES ('c')" % table)
        assert c.execute("SELECT id, n, o FROM %s" % table).fetchall() == \
            [(3, 12, 3)]
        # The owned sequences restart; a sequence the table only uses
        # in a DEFAULT does not (PostgreSQL's rule).
        c.execute("TRUNCATE TABLE %s RESTART IDENTITY" % table)
        c.execute("INSERT INTO %s (v) VALUES ('d')" % table)
        assert c.execute("SELECT id, n, o FROM %s" % table).fetchall() == \
            [(1, 10, 4)]
        c.commit()


def test_catalog(node, seq):
    with node.connect() as c:
        c.execute("CREATE SEQUENCE %s START WITH 5 INCREMENT BY 3 "
                  "MAXVALUE 1000" % seq)
        assert c.execute(
            "SELECT c.relkind, s.seqstart, s.seqincrement, s.seqmax, "
            "s.seqmin, s.seqcycle FROM pg_class c JOIN pg_sequence s ON "
            "s.seqrelid = c.oid WHERE c.relname = '%s'"
            % seq).fetchone() == ("S", 5, 3, 1000, 1, False)
        assert c.execute("SELECT sequencename, start_value FROM "
                         "pg_sequences WHERE sequencename = '%s'"
                         % seq).fetchone() == (seq, 5)
        # The sequences' own tables never show.
        assert one(c, "SELECT count(*) FROM pg_class WHERE relname IN "
                      "('triode_sequences', 'triode_rows')") == 0
    out = node.psql("\\ds", plain=True).stdout
    line = [l for l in out.splitlines() if seq in l]
    assert line and "sequence" in line[0]
