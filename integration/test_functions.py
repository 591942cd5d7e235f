"""Built-in functions triode runs as C functions on the leader, through a
driver (extended protocol, parameters, typed results): regular
expressions, make_*/to_date/to_timestamp, AT TIME ZONE, ordered
aggregates, and PostgreSQL's errors with their detail and hint."""

import datetime

import psycopg
import pytest

UTC = datetime.timezone.utc


@pytest.fixture
def fruit(node, table):
    node.psql("CREATE TABLE %s (id int4 PRIMARY KEY, grp text, name text)"
              % table)
    node.psql("INSERT INTO %s VALUES (1, 'a', 'pear'), (2, 'a', 'apple'), "
              "(3, 'b', 'fig'), (4, 'a', 'apple'), (5, 'b', NULL)" % table)
    return table


def test_regex_functions_with_parameters(node):
    with node.connect() as c:
        row = c.execute(
            "SELECT regexp_replace(%s, %s, %s, 'g'), regexp_match(%s, %s), "
            "regexp_split_to_array(%s, %s), substring(%s from %s)",
            ("a1b22c", r"\d+", "#", "key=val", r"(\w+)=(\w+)",
             "a,b,,c", ",", "abc123", "[0-9]+")).fetchone()
        assert row == ("a#b#c", ["key", "val"], ["a", "b", "", "c"], "123")
        # No match: NULL, not an empty array.
        assert c.execute("SELECT regexp_match('abc', 'z')").fetchone() == \
            (None,)


def test_dates_from_parts_and_text(node):
    with node.connect() as c:
        row = c.execute(
            "SELECT make_date(%s, %s, %s), "
            "make_timestamptz(2024, 7, 2, 3, 4, 5.5, 'America/New_York'), "
            "to_date(%s, %s), to_timestamp('2024-02-05 14:07', "
            "'YYYY-MM-DD HH24:MI'), make_interval(days => 3, hours => 4)",
            (2024, 2, 29, "05 Feb 2024", "DD Mon YYYY")).fetchone()
        assert row == (
            datetime.date(2024, 2, 29),
            datetime.datetime(2024, 7, 2, 7, 4, 5, 500000, tzinfo=UTC),
            datetime.date(2024, 2, 5),
            datetime.datetime(2024, 2, 5, 14, 7, tzinfo=UTC),
            datetime.timedelta(days=3, hours=4))


def test_at_time_zone(node):
    with node.connect() as c:
        c.execute("SET TIME ZONE 'UTC'")
        row = c.execute(
            "SELECT '2024-07-15 12:00'::timestamp AT TIME ZONE %s, "
            "'2024-01-15 12:00+00'::timestamptz AT TIME ZONE 'Asia/Kolkata', "
            "'2024-01-15 12:00'::timestamp AT TIME ZONE '+05'",
            ("Europe/Paris",)).fetchone()
        assert row == (
            datetime.datetime(2024, 7, 15, 10, 0, tzinfo=UTC),
            datetime.datetime(2024, 1, 15, 17, 30),
            datetime.datetime(2024, 1, 15, 17, 0, tzinfo=UTC))
        with pytest.raises(psycopg.Error) as ei:
            c.execute("SELECT now() AT TIME ZONE 'Nowhere/Special'")
        assert ei.value.sqlstate == "22023"
        assert 'time zone "Nowhere/Special" not recognized' in str(ei.value)


def test_ordered_aggregates(node, fruit):
    with node.connect() as c:
        rows = c.execute(
            "SELECT grp, string_agg(name, ',' ORDER BY name DESC), "
            "array_agg(id ORDER BY id DESC) FROM %s GROUP BY grp "
            "ORDER BY grp" % fruit).fetchall()
        assert rows == [("a", "pear,apple,apple", [4, 2, 1]),
                        ("b", "fig", [5, 3])]
        row = c.execute("SELECT string_agg(DISTINCT name, '|' ORDER BY name) "
                        "FROM %s" % fruit).fetchone()
        assert row == ("apple|fig|pear",)
        with pytest.raises(psycopg.Error) as ei:
            c.execute("SELECT string_agg(DISTINCT name, ',' ORDER BY id) "
                      "FROM %s" % fruit)
        assert ei.value.sqlstate == "42P10"


def test_errors_carry_detail_and_hint(node):
    with node.connect() as c:
        with pytest.raises(psycopg.Error) as ei:
            c.execute("SELECT to_date(%s, 'YYYY-MM-DD')", ("2024-02-x",))
        assert ei.value.sqlstate == "22007"
        assert ei.value.diag.message_primary == \
            'invalid value "x" for "DD"'
        assert ei.value.diag.message_detail == "Value must be an integer."
        with pytest.raises(psycopg.Error) as ei:
            c.execute("SELECT regexp_match('abc', 'b', %s)", ("g",))
        assert ei.value.sqlstate == "22023"
        assert ei.value.diag.message_hint == \
            "Use the regexp_matches function instead."
        for sql, state in [("SELECT sqrt(-1)", "2201F"),
                           ("SELECT ln(0)", "2201E"),
                           ("SELECT substr('abc', 1, -1)", "22011"),
                           ("SELECT to_date('2024-13-45', 'YYYY-MM-DD')",
                            "22008")]:
            with pytest.raises(psycopg.Error) as ei:
                c.execute(sql)
            assert ei.value.sqlstate == state, sql


def test_pg_typeof_and_bitwise(node):
    with node.connect() as c:
        row = c.execute("SELECT pg_typeof(1)::text, pg_typeof(now())::text, "
                        "pg_typeof('x')::text, 12 # 10, to_hex(-1)"
                        ).fetchone()
        assert row == ("integer", "timestamp with time zone", "unknown", 6,
                       "ffffffff")


DATE_FORMS = [
    ("12/31/2024", "2024-12-31"), ("1/8/1999", "1999-01-08"),
    ("2024/12/31", "2024-12-31"), ("1999.01.08", "1999-01-08"),
    ("20241231", "2024-12-31"), ("Dec 31 2024", "2024-12-31"),
    ("31 Dec 2024", "2024-12-31"), ("January 8, 1999", "1999-01-08"),
    ("1999-Jan-08", "1999-01-08"), ("08-Jan-1999", "1999-01-08"),
    ("Jan-08-1999", "1999-01-08"), ("Sept 3 2024", "2024-09-03"),
]


@pytest.mark.parametrize("text,iso", DATE_FORMS)
def test_date_input_forms(node, text, iso):
    """The date forms PostgreSQL reads with DateStyle ISO, MDY, as
    literals, typed columns' input and parameters."""
    with node.connect() as c:
        row = c.execute("SELECT '%s'::date::text, %%s::date::text" % text,
                        (text,)).fetchone()
        assert row == (iso, iso)


def test_date_input_times_and_errors(node):
    with node.connect() as c:
        row = c.execute(
            "SELECT '2024-12-31 10:00 PM'::timestamp::text, "
            "'12/31/2024 12:30 AM'::timestamp::text").fetchone()
        assert row == ("2024-12-31 22:00:00", "2024-12-31 00:30:00")
        for text, state in (("31/12/2024", "22008"),
                            ("2024-12-31 13:00 PM", "22008"),
                            ("Mayday 3 2024", "22007")):
            with pytest.raises(psycopg.Error) as ei:
                c.execute("SELECT '%s'::timestamp" % text)
            assert ei.value.sqlstate == state, text
