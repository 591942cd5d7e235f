"""numeric division, avg and log(b, x) with PostgreSQL's digits and scale
(sql/decimal.c): exact where the value goes to the client, in text and
binary formats, and still ordered, compared and grouped by value."""

import asyncio
import decimal
import ssl

import psycopg
import pytest

D = decimal.Decimal

# (expression, PostgreSQL 15's text output)
QUOTIENTS = [
    ("1::numeric / 3", "0.33333333333333333333"),
    ("-1::numeric / 3", "-0.33333333333333333333"),
    ("7.0 / 2", "3.5000000000000000"),
    ("12345.679 / 4", "3086.4197500000000000"),
    ("5::numeric / 5", "1.00000000000000000000"),
    ("10001::numeric / 10000", "1.00010000000000000000"),
    ("2::numeric / 0.0003", "6666.6666666666666667"),
    ("1e20::numeric / 3", "33333333333333333333"),
    ("123456789012345678901234567890::numeric / 7",
     "17636684144620811271604938270"),
    ("1.000000000000000000000000001 / 3", "0.333333333333333333333333334"),
    ("1e-20 / 3", "0.0000000000000000000033333333333333333333"),
    ("-7.5 / -2", "3.7500000000000000"),
    ("0 / -3.0", "0.00000000000000000000"),
    ("-0.000000000000000000000001 / 1e10",
     "-0.0000000000000000000000000000000001000000000000000000"),
    ("22 / 7.0", "3.1428571428571429"),
    ("1 / 998001.0", "0.000001002003004005006007"),
    # Divisors past 17 digits: long division.
    ("1::numeric / 12345678901234567890",
     "0.000000000000000000081000000729000007"),
    ("98765432109876543210987654321::numeric / 1234567890123456789.5",
     "80000000729.00000660"),
    ("2::numeric / 0.00000000000000000003",
     "66666666666666666666.66666666666666666667"),
    ("-123456789.123456789 / 0.000000000000000000987654321",
     "-124999998985937498875175781.264060302734199246215822509"),
    ("log(2, 8)", "3.0000000000000000"),
    ("log(2, 10)", "3.3219280948873623"),
    ("log(10, 0.001)", "-3.0000000000000000"),
    ("sqrt(2::numeric)", "1.414213562373095"),
    ("sqrt(0.0004)", "0.02000000000000000"),
    ("exp(1::numeric)", "2.7182818284590452"),
    ("exp(-10::numeric)", "0.00004539992976248485"),
    ("ln(2::numeric)", "0.6931471805599453"),
    ("ln(1.0001)", "0.00009999500033330834"),
]


def psql_value(node, sql):
    return node.psql(sql).stdout.strip()


@pytest.mark.parametrize("expr,want", QUOTIENTS)
def test_quotient_text(node, expr, want):
    assert psql_value(node, "SELECT %s" % expr) == want


def test_quotients_binary(node):
    with node.connect() as c:
        cur = c.cursor(binary=True)
        for expr, want in QUOTIENTS:
            cur.execute("SELECT %s" % expr)
            got = cur.fetchone()[0]
            assert str(got) == str(D(want)), expr


def test_integer_division_stays_integer(node):
    assert psql_value(node, "SELECT 7 / 2, -7 / 2, 7::int8 / 2, 7 % 3") \
        == "3|-3|3|1"


def test_division_by_zero(node):
    with node.connect() as c:
        for sql in ("SELECT 1::numeric / 0", "SELECT 1.5 / 0.0",
                    "SELECT log(1, 10)"):
            with pytest.raises(psycopg.errors.DivisionByZero):
                c.execute(sql)
        assert c.execute("SELECT NULL::numeric / 0").fetchone() == (None,)


@pytest.fixture
def nums(node, table):
    with node.connect() as c:
        c.execute("CREATE TABLE %s (g int4, i2 int2, i4 int4, i8 int8, "
                  "n numeric, n2 numeric(10,2))" % table)
        c.execute("INSERT INTO %s VALUES (1, 1, 1, 1, 1.5, 1.25), "
                  "(1, 2, 2, 2, 2.25, 2.50), (2, 5, 5, 5, 3.125, 3.33), "
                  "(2, NULL, NULL, NULL, NULL, NULL), "
                  "(3, -7, -7, -7, -0.1, -0.07)" % table)
    return table


def test_avg_of_each_type(node, nums):
    assert psql_value(
        node, "SELECT avg(i2), avg(i4), avg(i8), avg(n), avg(n2) FROM %s"
        % nums) == ("0.25000000000000000000|0.25000000000000000000|"
                    "0.25000000000000000000|1.6937500000000000|"
                    "1.7525000000000000")
    # No rows, or only NULLs: NULL; sum stays exact.
    assert psql_value(
        node, "SELECT avg(i4) IS NULL, avg(n) IS NULL FROM %s WHERE i4 IS "
        "NULL" % nums) == "t|t"
    assert psql_value(node, "SELECT avg(i4) IS NULL FROM %s WHERE false"
                      % nums) == "t"
    assert psql_value(node, "SELECT sum(n), sum(n2) FROM %s" % nums) \
        == "6.775|7.01"
    assert psql_value(node, "SELECT avg(DISTINCT g), avg(i4) FILTER "
                      "(WHERE i4 > 1) FROM %s" % nums) \
        == "2.0000000000000000|3.5000000000000000"


def test_avg_as_window_function(node, nums):
    rows = psql_value(
        node, "SELECT i4, avg(i4) OVER (ORDER BY i4 ROWS BETWEEN 1 "
        "PRECEDING AND 1 FOLLOWING) FROM %s WHERE i4 IS NOT NULL "
        "ORDER BY i4" % nums).splitlines()
    assert rows == ["-7|-3.0000000000000000", "1|-1.3333333333333333",
                    "2|2.6666666666666667", "5|3.5000000000000000"]


def test_exact_quotients_order_and_group_by_value(node, nums):
    # ORDER BY the item's name or position sorts by value, not as text.
    assert psql_value(
        node, "SELECT g, avg(i4) AS a FROM %s GROUP BY g ORDER BY a"
        % nums).splitlines() == ["3|-7.0000000000000000",
                                 "1|1.5000000000000000",
                                 "2|5.0000000000000000"]
    assert psql_value(
        node, "SELECT i8 / 3.0 FROM %s WHERE i8 IS NOT NULL ORDER BY 1 DESC"
        % nums).splitlines() == ["1.6666666666666667",
                                 "0.66666666666666666667",
                                 "0.33333333333333333333",
                                 "-2.3333333333333333"]
    assert psql_value(
        node, "SELECT DISTINCT g / 2.0 AS h FROM %s ORDER BY h" % nums) \
        .splitlines() == ["0.50000000000000000000", "1.00000000000000000000",
                          "1.5000000000000000"]


def test_quotients_inside_expressions_compare_as_numbers(node, nums):
    assert psql_value(
        node, "SELECT g FROM %s GROUP BY g HAVING avg(i4) > 1 ORDER BY g"
        % nums).splitlines() == ["1", "2"]
    assert psql_value(
        node, "SELECT count(*) FROM %s WHERE i4::numeric / 3 > 0.5"
        % nums) == "2"
    assert psql_value(node, "SELECT round(avg(i4), 3) FROM %s" % nums) \
        == "0.250"
    assert psql_value(
        node, "SELECT 1::numeric / 3 = 1::numeric / 3, "
        "1::numeric / 3 > 0.3") == "t|t"


def test_numeric_columns_divided(node, nums):
    assert psql_value(
        node, "SELECT n / 3, n2 / 3, n2 / n FROM %s WHERE g = 1 ORDER BY i4"
        % nums).splitlines() == [
            "0.50000000000000000000|0.41666666666666666667|"
            "0.83333333333333333333",
            "0.75000000000000000000|0.83333333333333333333|"
            "1.11111111111111111111"]


def test_asyncpg_binary_results(node, nums):
    asyncpg = pytest.importorskip("asyncpg")

    async def main():
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = await asyncpg.connect(
            host="127.0.0.1", port=node.port, user=node.user,
            database=node.dbname, password=node.password, ssl=ctx,
            timeout=10, command_timeout=30)
        try:
            row = await conn.fetchrow(
                "SELECT 1::numeric / 3 AS third, avg(i8) AS a, "
                "$1::numeric / 7 AS p FROM %s" % nums, D("22"))
            return dict(row)
        finally:
            await conn.close(timeout=5)
    got = asyncio.run(main())
    assert {k: str(v) for k, v in got.items()} == {
        "third": "0.33333333333333333333", "a": "0.25000000000000000000",
        "p": "3.1428571428571429"}


def test_avg_of_untyped_columns(node):
    assert psql_value(node, "SELECT avg(i) FROM generate_series(1, 10) i") \
        == "5.5000000000000000"
    assert psql_value(
        node, "SELECT avg(x) FROM (VALUES (1), (2), (5)) v(x)") \
        == "2.6666666666666667"
    assert psql_value(
        node, "SELECT avg(i) OVER (ORDER BY i) FROM generate_series(1, 3) i"
    ).splitlines() == ["1.00000000000000000000", "1.5000000000000000",
                       "2.0000000000000000"]


def test_lag_with_default_keeps_each_values_scale(node, nums):
    """lag/lead with a default: a value from the column prints with the
    column's scale, the default with its own, as PostgreSQL's numerics
    carry their scale per value; ordering by it is by value."""
    rows = psql_value(
        node, "SELECT i4, lag(n2, 1, 0) OVER (ORDER BY i4) AS p, "
        "lead(n2, 1, 9.5) OVER (ORDER BY i4) AS q FROM %s "
        "WHERE i4 IS NOT NULL ORDER BY p, i4" % nums).splitlines()
    assert rows == ["1|-0.07|2.50", "-7|0|1.25", "2|1.25|3.33",
                    "5|2.50|9.5"]
