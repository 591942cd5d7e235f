"""Query constructs SQLite lacks or reads differently, over the extended
protocol with psycopg: window frames and named windows, grouping sets
with GROUPING(), INTERSECT/EXCEPT ALL, op ANY/ALL (subquery), the 21000
check of scalar subqueries, LIMIT/OFFSET/frame offsets given as
parameters, and generate_series in the select list.  The same
expectations hold against PostgreSQL 15 (TRIODE_TEST_TARGET=postgres)."""

import psycopg
import pytest


@pytest.fixture
def sales(node, table):
    node.psql("CREATE TABLE %s (id int4 PRIMARY KEY, region text, "
              "qty int4, ok bool)" % table)
    node.psql("INSERT INTO %s VALUES (1, 'east', 1, true), "
              "(2, 'east', 3, true), (3, 'west', 2, false), "
              "(4, 'west', 5, true), (5, 'east', NULL, NULL), "
              "(6, 'north', 1, false)" % table)
    return table


def sqlstate(c, sql, params=None):
    with pytest.raises(psycopg.Error) as ei:
        c.execute(sql, params)
    return ei.value.sqlstate


def test_frames_and_named_windows(node, sales):
    with node.connect() as c:
        cur = c.execute(
            "SELECT id, sum(qty) OVER (ORDER BY id ROWS BETWEEN %%s "
            "PRECEDING AND CURRENT ROW) AS moving, count(*) OVER (w ORDER "
            "BY id RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW "
            "EXCLUDE CURRENT ROW) AS before, first_value(id) OVER w2 AS "
            "first FROM %s WINDOW w AS (PARTITION BY region), w2 AS (w "
            "ORDER BY qty DESC NULLS LAST) ORDER BY id" % sales, (1,))
        assert [d.name for d in cur.description] == \
            ["id", "moving", "before", "first"]
        assert cur.fetchall() == [(1, 1, 0, 2), (2, 4, 1, 2),
                                  (3, 5, 0, 4), (4, 7, 1, 4),
                                  (5, 5, 2, 2), (6, 1, 0, 6)]
        assert sqlstate(c, "SELECT sum(qty) OVER (ORDER BY id ROWS %%s "
                        "PRECEDING) FROM %s" % sales, (-1,)) == "22013"
        assert sqlstate(c, "SELECT sum(qty) OVER (w ORDER BY id) FROM %s "
                        "WINDOW w AS (ORDER BY qty)" % sales) == "42P20"


def test_grouping_sets(node, sales):
    with node.connect() as c:
        cur = c.execute(
            "SELECT region, ok, count(*) AS n, grouping(region, ok) AS g "
            "FROM %s GROUP BY ROLLUP (region, ok) HAVING count(*) > %%s "
            "ORDER BY g, region, ok" % sales, (1,))
        assert [d.name for d in cur.description] == \
            ["region", "ok", "n", "g"]
        assert cur.fetchall() == [("east", True, 2, 0),
                                  ("east", None, 3, 1),
                                  ("west", None, 2, 1),
                                  (None, None, 6, 3)]
        rows = c.execute("SELECT ok, sum(qty) FROM %s GROUP BY CUBE (ok) "
                         "ORDER BY 1 NULLS FIRST, 2" % sales).fetchall()
        assert rows == [(None, 12), (None, None), (False, 3), (True, 9)]


def test_intersect_and_except_all(node, sales):
    with node.connect() as c:
        rows = c.execute("SELECT region FROM %s INTERSECT ALL SELECT "
                         "region FROM %s WHERE id > %%s ORDER BY 1"
                         % (sales, sales), (1,)).fetchall()
        assert rows == [("east",), ("east",), ("north",), ("west",),
                        ("west",)]
        rows = c.execute("SELECT region FROM %s EXCEPT ALL SELECT 'east' "
                         "ORDER BY 1" % sales).fetchall()
        assert rows == [("east",), ("east",), ("north",), ("west",),
                        ("west",)]


def test_any_all_subquery(node, sales):
    with node.connect() as c:
        rows = c.execute(
            "SELECT id, qty > ALL (SELECT qty FROM %s WHERE region = "
            "'east'), qty < ANY (SELECT qty FROM %s WHERE region = %%s), "
            "qty >= ALL (SELECT qty FROM %s WHERE false) FROM %s "
            "ORDER BY id" % (sales, sales, sales, sales),
            ("west",)).fetchall()
        assert rows == [(1, False, True, True), (2, False, True, True),
                        (3, False, True, True), (4, None, False, True),
                        (5, None, None, True), (6, False, True, True)]


def test_scalar_subquery_must_return_one_row(node, sales):
    with node.connect() as c:
        assert c.execute("SELECT (SELECT id FROM %s WHERE qty = %%s)"
                         % sales, (5,)).fetchone() == (4,)
        assert c.execute("SELECT (SELECT id FROM %s WHERE qty = %%s)"
                         % sales, (9,)).fetchone() == (None,)
        with pytest.raises(psycopg.errors.CardinalityViolation) as ei:
            c.execute("SELECT (SELECT id FROM %s WHERE qty = %%s)"
                      % sales, (1,))
        assert "more than one row returned by a subquery used as an " \
               "expression" in str(ei.value)


def test_limit_and_offset_parameters(node, sales):
    with node.connect() as c:
        q = "SELECT id FROM %s ORDER BY id LIMIT %%s OFFSET %%s" % sales
        assert c.execute(q, (2, 1)).fetchall() == [(2,), (3,)]
        assert c.execute(q, (None, None)).fetchall() == \
            [(i,) for i in range(1, 7)]
        assert sqlstate(c, q, (-1, 0)) == "2201W"
        assert sqlstate(c, q, (1, -1)) == "2201X"
        assert sqlstate(c, "SELECT 1 LIMIT -1") == "2201W"


def test_generate_series_in_select_list(node, sales):
    with node.connect() as c:
        cur = c.execute("SELECT id, generate_series(1, qty) AS k FROM %s "
                        "WHERE id < %%s ORDER BY 1, 2" % sales, (3,))
        assert [d.name for d in cur.description] == ["id", "k"]
        assert cur.fetchall() == [(1, 1), (2, 1), (2, 2), (2, 3)]
        assert c.execute("SELECT generate_series(1, 3)").fetchall() == \
            [(1,), (2,), (3,)]


def test_lateral_subqueries_of_one_row(node, sales, is_triode):
    with node.connect() as c:
        cur = c.execute(
            # (Columns of derived tables are described as text today:
            # the casts keep this test about LATERAL.)
            "SELECT s.id, t.best::int4, t.n::int8 AS n FROM %s s LEFT "
            "JOIN LATERAL (SELECT max(o.qty) AS best, count(*) AS n FROM "
            "%s o WHERE o.region = s.region AND o.id <> s.id) t ON true "
            "WHERE s.id < %%s ORDER BY s.id" % (sales, sales), (4,))
        assert [d.name for d in cur.description] == ["id", "best", "n"]
        assert cur.fetchall() == [(1, 3, 2), (2, 1, 2), (3, 5, 1)]
        rows = c.execute(
            "SELECT s.id, t.other::int4 FROM %s s CROSS JOIN LATERAL "
            "(SELECT o.id AS other FROM %s o WHERE o.region = s.region AND "
            "o.id > s.id ORDER BY o.id LIMIT 1) t ORDER BY 1"
            % (sales, sales)).fetchall()
        assert rows == [(1, 2), (2, 5), (3, 4)]
        if is_triode:
            # Several rows per outer row: not a scalar subquery.
            with pytest.raises(psycopg.errors.FeatureNotSupported):
                c.execute("SELECT * FROM %s s, LATERAL (SELECT o.id FROM "
                          "%s o WHERE o.id > s.id) t" % (sales, sales))
