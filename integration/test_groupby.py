"""PostgreSQL's grouping rule (42803): in a query with GROUP BY, HAVING or
an aggregate, a column outside an aggregate must be grouped, be inside a
grouped expression, or depend on a grouped primary key.  Every query
here is checked against PostgreSQL 15: the accepted ones must keep
working, the refused ones give PostgreSQL's message and position."""

import psycopg
import pytest

SCHEMA = [
    "CREATE TABLE gb_t (id int4 PRIMARY KEY, x int4, y int4, name text)",
    "CREATE TABLE gb_u (a int4, b int4, id int4)",
    "CREATE TABLE gb_k (k1 int4, k2 int4, v int4, PRIMARY KEY (k1, k2))",
    "CREATE TABLE gb_uq (id int4 UNIQUE, v int4)",
    "CREATE VIEW gb_vt AS SELECT * FROM gb_t",
    "INSERT INTO gb_t VALUES (1, 10, 100, 'Ann'), (2, 10, 200, 'bob'), "
    "(3, 20, 300, 'Cid')",
    "INSERT INTO gb_u VALUES (10, 1, 1), (20, 2, 2), (10, 3, 3)",
    "INSERT INTO gb_k VALUES (1, 1, 5), (1, 2, 6)",
]

UNGROUPED = ("column \"%s\" must appear in the GROUP BY clause or be used "
             "in an aggregate function")
OUTER = "subquery uses ungrouped column \"%s\" from outer query"

# (query, None) is accepted; (query, (message, position)) refused.
CASES = [
    # The basic rule.
    ("SELECT x, count(*) FROM gb_t GROUP BY x", None),
    ("SELECT x, y FROM gb_t GROUP BY x", (UNGROUPED % "gb_t.y", 11)),
    ("SELECT count(*), x FROM gb_t", (UNGROUPED % "gb_t.x", 18)),
    ("SELECT x FROM gb_t HAVING true", (UNGROUPED % "gb_t.x", 8)),
    ("SELECT 1 FROM gb_t GROUP BY x HAVING count(*) > 0", None),
    ("SELECT 1, 'a', now() IS NOT NULL FROM gb_t GROUP BY x", None),
    ("SELECT count(*) FROM gb_t", None),
    ("SELECT sum(x) + max(y), count(DISTINCT name) FROM gb_t", None),
    ("SELECT x FROM gb_t GROUP BY x HAVING y > 0",
     (UNGROUPED % "gb_t.y", 38)),
    ("SELECT x FROM gb_t GROUP BY x HAVING sum(y) > 0", None),
    ("SELECT x + y FROM gb_t GROUP BY x", (UNGROUPED % "gb_t.y", 12)),
    ("SELECT y + x FROM gb_t GROUP BY x", (UNGROUPED % "gb_t.y", 8)),
    ("SELECT x FROM gb_t GROUP BY x, y", None),
    ("SELECT x, x * 2, -x FROM gb_t GROUP BY x", None),
    ("SELECT CASE WHEN x > 1 THEN name END FROM gb_t GROUP BY x",
     (UNGROUPED % "gb_t.name", 29)),
    # Qualified and unqualified names of the same column.
    ("SELECT x FROM gb_t GROUP BY gb_t.x", None),
    ("SELECT gb_t.x FROM gb_t GROUP BY x", None),
    ("SELECT t.x FROM gb_t t GROUP BY x", None),
    ("SELECT x FROM gb_t AS t GROUP BY t.y", (UNGROUPED % "t.x", 8)),
    # Positions and output names.
    ("SELECT x FROM gb_t GROUP BY 1", None),
    ("SELECT x + 1, count(*) FROM gb_t GROUP BY 1", None),
    ("SELECT x + 1, x FROM gb_t GROUP BY 1", (UNGROUPED % "gb_t.x", 15)),
    ("SELECT x AS z FROM gb_t GROUP BY z", None),
    ("SELECT x AS z, y FROM gb_t GROUP BY z", (UNGROUPED % "gb_t.y", 16)),
    ("SELECT lower(name) AS l FROM gb_t GROUP BY l", None),
    ("SELECT x AS y, y FROM gb_t GROUP BY y", (UNGROUPED % "gb_t.x", 8)),
    # Expressions.
    ("SELECT lower(name) FROM gb_t GROUP BY lower(name)", None),
    ("SELECT upper(lower(name)) FROM gb_t GROUP BY lower(name)", None),
    ("SELECT name FROM gb_t GROUP BY lower(name)",
     (UNGROUPED % "gb_t.name", 8)),
    ("SELECT lower(name), name FROM gb_t GROUP BY lower(name)",
     (UNGROUPED % "gb_t.name", 21)),
    ("SELECT x + 1 FROM gb_t GROUP BY x + 1", None),
    ("SELECT (x + 1) * 2 FROM gb_t GROUP BY x + 1", None),
    ("SELECT 1 + x FROM gb_t GROUP BY x + 1", (UNGROUPED % "gb_t.x", 12)),
    ("SELECT x::int4 FROM gb_t GROUP BY x::integer", None),
    ("SELECT CAST(x AS text) FROM gb_t GROUP BY x::text", None),
    ("SELECT x::text || 'a' FROM gb_t GROUP BY x::text", None),
    ("SELECT pg_catalog.lower(name) FROM gb_t GROUP BY lower(name)", None),
    ("SELECT coalesce(x, 0) FROM gb_t GROUP BY coalesce(x, 0)", None),
    ("SELECT x > 1 AND y > 1 FROM gb_t GROUP BY x > 1, y > 1", None),
    # Functional dependency on a primary key.
    ("SELECT id, x, name FROM gb_t GROUP BY id", None),
    ("SELECT t.x FROM gb_t t GROUP BY t.id", None),
    ("SELECT * FROM gb_t GROUP BY id", None),
    ("SELECT gb_t.* FROM gb_t GROUP BY id", None),
    ("SELECT gb_u.* FROM gb_u GROUP BY a", (UNGROUPED % "gb_u.b", 8)),
    ("SELECT * FROM gb_u GROUP BY a, b, id", None),
    ("SELECT v FROM gb_k GROUP BY k1", (UNGROUPED % "gb_k.v", 8)),
    ("SELECT v FROM gb_k GROUP BY k1, k2", None),
    ("SELECT v FROM gb_k GROUP BY k2, k1, v", None),
    ("SELECT v FROM gb_uq GROUP BY id", (UNGROUPED % "gb_uq.v", 8)),
    ("SELECT x FROM gb_vt GROUP BY id", (UNGROUPED % "gb_vt.x", 8)),
    ("SELECT x FROM (SELECT * FROM gb_t) s GROUP BY id",
     (UNGROUPED % "s.x", 8)),
    ("SELECT s.x FROM (SELECT id, x FROM gb_t) s GROUP BY s.id",
     (UNGROUPED % "s.x", 8)),
    ("SELECT t.name, count(u.a) FROM gb_t t JOIN gb_u u ON u.id = t.id "
     "GROUP BY t.id", None),
    ("SELECT t.name, u.b FROM gb_t t JOIN gb_u u ON u.id = t.id "
     "GROUP BY t.id", (UNGROUPED % "u.b", 16)),
    ("SELECT x FROM gb_t GROUP BY id + 0", (UNGROUPED % "gb_t.x", 8)),
    ("WITH c AS (SELECT * FROM gb_t) SELECT x FROM c GROUP BY id",
     (UNGROUPED % "c.x", 39)),
    # Joins with USING.
    ("SELECT gb_u.id FROM gb_t JOIN gb_u USING (id) GROUP BY gb_t.id",
     (UNGROUPED % "gb_u.id", 8)),
    ("SELECT id FROM gb_t JOIN gb_u USING (id) GROUP BY gb_t.id", None),
    ("SELECT id FROM gb_t JOIN gb_u USING (id) GROUP BY id", None),
    # ORDER BY and DISTINCT ON.
    ("SELECT x FROM gb_t GROUP BY x ORDER BY x", None),
    ("SELECT x FROM gb_t GROUP BY x ORDER BY 1", None),
    ("SELECT x AS z FROM gb_t GROUP BY x ORDER BY z", None),
    ("SELECT x FROM gb_t GROUP BY x ORDER BY y",
     (UNGROUPED % "gb_t.y", 40)),
    ("SELECT x FROM gb_t GROUP BY x ORDER BY count(y)", None),
    ("SELECT count(*) FROM gb_t ORDER BY x", (UNGROUPED % "gb_t.x", 36)),
    ("SELECT x + 1 FROM gb_t GROUP BY x + 1 ORDER BY x + 1", None),
    ("SELECT x + 1 FROM gb_t GROUP BY x + 1 ORDER BY x",
     (UNGROUPED % "gb_t.x", 48)),
    ("SELECT DISTINCT ON (x) x, count(*) FROM gb_t GROUP BY x "
     "ORDER BY x", None),
    ("SELECT DISTINCT ON (y) x FROM gb_t GROUP BY x",
     (UNGROUPED % "gb_t.y", 21)),
    ("SELECT DISTINCT x FROM gb_t GROUP BY x, y", None),
    # Aggregate arguments, FILTER and ORDER BY are exempt.
    ("SELECT x, count(*) FILTER (WHERE y > 0) FROM gb_t GROUP BY x", None),
    ("SELECT string_agg(name, ',' ORDER BY y) FROM gb_t", None),
    ("SELECT x, json_agg(name) FROM gb_t GROUP BY x", None),
    ("SELECT x, array_agg(y ORDER BY name) FROM gb_t GROUP BY x", None),
    ("SELECT x, bool_and(y > 0), max(name) FROM gb_t GROUP BY x", None),
    # Window functions over a grouped query.
    ("SELECT x, sum(sum(y)) OVER () FROM gb_t GROUP BY x", None),
    ("SELECT x, rank() OVER (ORDER BY x) FROM gb_t GROUP BY x", None),
    ("SELECT x, sum(y) OVER () FROM gb_t GROUP BY x",
     (UNGROUPED % "gb_t.y", 15)),
    ("SELECT x, count(*) OVER (PARTITION BY id) FROM gb_t GROUP BY x",
     (UNGROUPED % "gb_t.id", 39)),
    ("SELECT x, sum(count(*)) OVER (ORDER BY sum(y)) FROM gb_t GROUP BY x",
     None),
    ("SELECT count(*) FROM gb_t WINDOW w AS (PARTITION BY x)",
     (UNGROUPED % "gb_t.x", 53)),
    ("SELECT x, row_number() OVER () FROM gb_t", None),
    # Subqueries: outer columns.
    ("SELECT (SELECT count(*) FROM gb_u WHERE gb_u.a = gb_t.x) FROM gb_t "
     "GROUP BY x", None),
    ("SELECT (SELECT count(*) FROM gb_u WHERE gb_u.a = gb_t.x) FROM gb_t "
     "GROUP BY y", (OUTER % "gb_t.x", 50)),
    ("SELECT x, EXISTS (SELECT 1 FROM gb_u WHERE gb_u.b = y) FROM gb_t "
     "GROUP BY x", (OUTER % "gb_t.y", 53)),
    ("SELECT (SELECT gb_t.x FROM gb_u GROUP BY gb_u.a LIMIT 1) FROM gb_t",
     None),
    ("SELECT (SELECT gb_t.x FROM gb_u GROUP BY gb_u.a LIMIT 1) FROM gb_t "
     "GROUP BY x", None),
    ("SELECT x FROM gb_t WHERE y IN (SELECT max(b) FROM gb_u GROUP BY a)",
     None),
    ("SELECT x FROM gb_t WHERE EXISTS (SELECT count(*) FROM gb_u "
     "WHERE gb_u.a = gb_t.x)", None),
    ("SELECT x FROM gb_t WHERE EXISTS (SELECT a FROM gb_u "
     "WHERE gb_u.a = gb_t.x HAVING count(*) > 0)",
     (UNGROUPED % "gb_u.a", 41)),
    ("SELECT (SELECT max(gb_t.x) FROM gb_u LIMIT 1) FROM gb_t", None),
    ("SELECT y, (SELECT max(gb_t.x) FROM gb_u) FROM gb_t",
     (UNGROUPED % "gb_t.y", 8)),
    ("SELECT (SELECT max(gb_t.x + gb_u.a) FROM gb_u) FROM gb_t", None),
    ("SELECT y, (SELECT max(gb_t.x + gb_u.a) FROM gb_u) FROM gb_t", None),
    ("SELECT x, (SELECT sum(b) FROM gb_u WHERE a = x) FROM gb_t GROUP BY x",
     None),
    ("SELECT x FROM gb_t t GROUP BY x HAVING EXISTS "
     "(SELECT 1 FROM gb_u WHERE gb_u.b = t.y)", (OUTER % "t.y", 82)),
    ("SELECT * FROM (SELECT x, count(*) FROM gb_t GROUP BY x) s", None),
    ("SELECT * FROM (SELECT x, y FROM gb_t GROUP BY x) s",
     (UNGROUPED % "gb_t.y", 26)),
    ("SELECT s.x, count(*) FROM (SELECT x FROM gb_t) s GROUP BY s.x", None),
    ("SELECT a FROM gb_u WHERE a IN (SELECT x FROM gb_t GROUP BY x)", None),
    ("SELECT a, (SELECT y FROM gb_t GROUP BY x LIMIT 1) FROM gb_u",
     (UNGROUPED % "gb_t.y", 19)),
    # Grouping sets: any set's columns count as grouped.
    ("SELECT x, y, count(*) FROM gb_t GROUP BY ROLLUP (x, y)", None),
    ("SELECT x, y FROM gb_t GROUP BY GROUPING SETS ((x), (y))", None),
    ("SELECT x, name FROM gb_t GROUP BY CUBE (x, y)",
     (UNGROUPED % "gb_t.name", 11)),
    ("SELECT v FROM gb_k GROUP BY GROUPING SETS ((k1, k2))", None),
    ("SELECT v FROM gb_k GROUP BY ROLLUP (k1, k2)",
     (UNGROUPED % "gb_k.v", 8)),
    ("SELECT v FROM gb_k GROUP BY k1, ROLLUP (k2)",
     (UNGROUPED % "gb_k.v", 8)),
    ("SELECT v FROM gb_k GROUP BY k1, k2, ROLLUP (v)", None),
    ("SELECT x, GROUPING(x) FROM gb_t GROUP BY ROLLUP (x)", None),
    # Constants.
    ("SELECT $$literal$$, 42, NULL FROM gb_t GROUP BY y "
     "HAVING count(*) > 1", None),
    # Set operations: each arm on its own.
    ("SELECT x FROM gb_t GROUP BY x UNION SELECT a FROM gb_u GROUP BY a",
     None),
    ("SELECT x FROM gb_t GROUP BY x UNION SELECT b FROM gb_u GROUP BY a",
     (UNGROUPED % "gb_u.b", 44)),
    # More that PostgreSQL accepts.
    ("SELECT t.x FROM gb_t t JOIN gb_u u ON true GROUP BY t.x, u.a "
     "HAVING u.a > 1", None),
    ("SELECT x FROM gb_t GROUP BY x HAVING x > 1", None),
    ("SELECT count(*) FROM gb_t t WHERE t.y > 0 GROUP BY t.x "
     "ORDER BY t.x", None),
    ("SELECT x, (SELECT count(*) FROM gb_u) FROM gb_t GROUP BY x", None),
    ("SELECT x, count(*) FROM gb_t GROUP BY x "
     "HAVING x IN (SELECT a FROM gb_u)", None),
    ("SELECT x FROM gb_t GROUP BY x "
     "HAVING EXISTS (SELECT 1 FROM gb_u WHERE gb_u.a = x)", None),
    ("SELECT sum(x) FROM gb_t GROUP BY ()", None),
    ("SELECT a.x FROM gb_t a, gb_t b GROUP BY a.id", None),
    ("SELECT x FROM gb_t GROUP BY gb_t.x, y ORDER BY gb_t.y", None),
    ("SELECT x::text FROM gb_t GROUP BY x", None),
    ("SELECT max(x) OVER (PARTITION BY y) FROM gb_t GROUP BY y, x", None),
    ("SELECT CASE x WHEN 1 THEN 'a' END FROM gb_t GROUP BY x", None),
    ("SELECT (x) FROM gb_t GROUP BY (x)", None),
    ("SELECT count(*) FROM gb_t GROUP BY x ORDER BY count(*) DESC, x", None),
    ("SELECT x AS \"X\" FROM gb_t GROUP BY \"X\"", None),
    ("SELECT t.id, t.name, count(u.a) FROM gb_t t LEFT JOIN gb_u u "
     "ON u.id = t.id GROUP BY t.id ORDER BY t.name", None),
    ("SELECT u.id, count(*) FROM gb_t JOIN gb_u u USING (id) "
     "GROUP BY u.id", None),
    ("SELECT x, count(*) FROM gb_t GROUP BY x HAVING count(*) > "
     "(SELECT count(*) FROM gb_u WHERE gb_u.a = x)", None),
    ("SELECT x + y FROM gb_t GROUP BY x + y ORDER BY x + y", None),
    ("SELECT 'a' || name FROM gb_t GROUP BY 'a' || name", None),
    ("SELECT name || 'a' FROM gb_t GROUP BY name || 'a'::text", None),
    ("SELECT coalesce(sum(x), 0) FROM gb_t", None),
    ("SELECT x, string_agg(DISTINCT name, ',') FROM gb_t GROUP BY x", None),
    ("SELECT (SELECT sum(gb_u.b) FROM gb_u WHERE gb_u.a = gb_t.x "
     "GROUP BY gb_u.a) FROM gb_t", None),
    ("SELECT y FROM (SELECT x, max(y) AS y FROM gb_t GROUP BY x) s", None),
    ("SELECT s.m FROM (SELECT max(y) m FROM gb_t) s GROUP BY s.m", None),
    ("SELECT x FROM gb_t GROUP BY x ORDER BY row_number() OVER "
     "(ORDER BY x)", None),
    ("SELECT x, count(*) FROM gb_t WHERE id IN "
     "(SELECT id FROM gb_u GROUP BY id) GROUP BY x", None),
    ("SELECT gb_t.x FROM public.gb_t GROUP BY gb_t.x", None),
    ("SELECT public.gb_t.x FROM public.gb_t GROUP BY x", None),
    ("SELECT 1 FROM gb_t GROUP BY x HAVING max(y) > 0 AND x > 0", None),
    ("SELECT count(*), (SELECT count(*) FROM gb_u WHERE gb_u.a > 0) "
     "FROM gb_t", None),
    ("SELECT array_agg(x) FILTER (WHERE y > 0), x IS NULL FROM gb_t "
     "GROUP BY x IS NULL", None),
    ("WITH gb_u AS (SELECT 1 AS zz) SELECT zz, count(*) FROM gb_u "
     "GROUP BY zz", None),
    ("SELECT zz FROM (VALUES (1), (2)) v(zz) GROUP BY zz", None),
    ("SELECT g, count(*) FROM generate_series(1, 3) g GROUP BY g", None),
    ("SELECT x FROM gb_t GROUP BY x HAVING bool_and(y > 0)", None),
    ("SELECT x, count(*) OVER () FROM gb_t GROUP BY x", None),
    ("SELECT x FROM gb_t GROUP BY x, name ORDER BY lower(name)", None),
    ("SELECT t.id, (SELECT count(*) FROM gb_u WHERE gb_u.id = t.id "
     "AND gb_u.a = t.x) FROM gb_t t GROUP BY t.id", None),
    # More that PostgreSQL refuses.
    ("SELECT x FROM gb_t GROUP BY ()", (UNGROUPED % "gb_t.x", 8)),
    ("SELECT b.x FROM gb_t a, gb_t b GROUP BY a.id", (UNGROUPED % "b.x", 8)),
    ("SELECT x FROM gb_t GROUP BY x ORDER BY row_number() OVER "
     "(ORDER BY y)", (UNGROUPED % "gb_t.y", 68)),
    ("SELECT name FROM gb_t GROUP BY x HAVING count(*) > 0 ORDER BY name",
     (UNGROUPED % "gb_t.name", 8)),
    ("SELECT x FROM gb_t GROUP BY x ORDER BY lower(name)",
     (UNGROUPED % "gb_t.name", 46)),
    ("SELECT zz, count(*) FROM (SELECT x AS zz, y FROM gb_t) s "
     "GROUP BY y", (UNGROUPED % "s.zz", 8)),
    # Statements around a SELECT.
    ("INSERT INTO gb_u (a) SELECT x FROM gb_t GROUP BY x", None),
    ("INSERT INTO gb_u (a) SELECT y FROM gb_t GROUP BY x",
     (UNGROUPED % "gb_t.y", 29)),
]


@pytest.fixture(scope="module")
def schema(node):
    with node.connect() as c:
        for q in ("DROP VIEW IF EXISTS gb_vt", "DROP TABLE IF EXISTS gb_t",
                  "DROP TABLE IF EXISTS gb_u", "DROP TABLE IF EXISTS gb_k",
                  "DROP TABLE IF EXISTS gb_uq"):
            c.execute(q)
        for q in SCHEMA:
            c.execute(q)
    yield
    with node.connect() as c:
        c.execute("DROP VIEW IF EXISTS gb_vt")
        for t in ("gb_t", "gb_u", "gb_k", "gb_uq"):
            c.execute("DROP TABLE IF EXISTS %s" % t)


@pytest.mark.parametrize("query,expected", CASES,
                         ids=[str(i) for i in range(len(CASES))])
def test_grouping_rule(node, schema, query, expected):
    with node.connect() as c:
        if expected is None:
            with c.transaction(force_rollback=True):
                c.execute(query)
            return
        with pytest.raises(psycopg.Error) as ei:
            c.execute(query)
        assert ei.value.sqlstate == "42803", str(ei.value)
        message, position = expected
        assert ei.value.diag.message_primary == message
        assert ei.value.diag.statement_position == str(position)


def test_extended_protocol_and_parameters(node, schema):
    with node.connect() as c:
        rows = c.execute("SELECT x, count(*) FROM gb_t WHERE y > %s "
                         "GROUP BY x ORDER BY x", (0,)).fetchall()
        assert rows == [(10, 2), (20, 1)]
        with pytest.raises(psycopg.Error) as ei:
            c.execute("SELECT x, y FROM gb_t WHERE y > %s GROUP BY x", (0,),
                      prepare=True)
        assert ei.value.sqlstate == "42803"


def test_grouped_results(node, schema):
    with node.connect() as c:
        rows = c.execute("SELECT id, name, count(*) FROM gb_t GROUP BY id "
                         "ORDER BY id").fetchall()
        assert rows == [(1, "Ann", 1), (2, "bob", 1), (3, "Cid", 1)]
        rows = c.execute("SELECT lower(name), count(*) FROM gb_t "
                         "GROUP BY lower(name) ORDER BY 1").fetchall()
        assert rows == [("ann", 1), ("bob", 1), ("cid", 1)]
