"""SELECT DISTINCT ON: the first row of each group in ORDER BY's order,
with PostgreSQL's column names, LIMIT/OFFSET after the distinct step and
its rule that DISTINCT ON expressions lead the ORDER BY."""

import psycopg
import pytest


@pytest.fixture
def sales(node, table):
    node.psql("CREATE TABLE %s (id int4 PRIMARY KEY, region text, "
              "amount numeric(10,2), qty int4)" % table)
    node.psql("INSERT INTO %s VALUES (1, 'east', 100.00, 1), "
              "(2, 'east', 250.50, 3), (3, 'west', 75.25, 2), "
              "(4, 'west', 300.00, 5), (5, NULL, 50.00, NULL), "
              "(6, 'north', 10.00, 1)" % table)
    return table


def test_first_row_per_group_and_names(node, sales):
    with node.connect() as c:
        cur = c.execute("SELECT DISTINCT ON (region) region, id AS best "
                        "FROM %s ORDER BY region, amount DESC" % sales)
        assert [d.name for d in cur.description] == ["region", "best"]
        assert cur.fetchall() == [("east", 2), ("north", 6), ("west", 4),
                                  (None, 5)]


def test_order_by_unselected_column_with_limit_and_params(node, sales):
    with node.connect() as c:
        cur = c.execute("SELECT DISTINCT ON (region) id FROM %s "
                        "WHERE amount > %%s ORDER BY region DESC, qty "
                        "LIMIT 2 OFFSET 1" % sales, (20,))
        assert [d.name for d in cur.description] == ["id"]
        # DESC puts the NULL region first, then west (qty 2), east (qty 1).
        assert cur.fetchall() == [(3,), (1,)]


def test_without_order_by_positions_and_aggregates(node, sales):
    with node.connect() as c:
        rows = c.execute("SELECT DISTINCT ON (1) qty > 1, count(*) "
                         "FROM %s WHERE qty IS NOT NULL GROUP BY qty "
                         "ORDER BY 1, 2 DESC" % sales).fetchall()
        assert rows == [(False, 2), (True, 1)]


def test_must_match_initial_order_by(node, sales):
    with node.connect() as c:
        with pytest.raises(psycopg.Error) as ei:
            c.execute("SELECT DISTINCT ON (region) region, id FROM %s "
                      "ORDER BY id, region" % sales)
        assert ei.value.sqlstate == "42P10"
        assert "SELECT DISTINCT ON expressions must match initial " \
               "ORDER BY expressions" in str(ei.value)
