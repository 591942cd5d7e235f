"""psql 15's meta-commands (\\d, \\dt, \\di, ...) print what PostgreSQL 15
prints for the same schema.

The expected outputs under expected/psql/ come from a real PostgreSQL 15
(the test's own output in TRIODE_TEST_TARGET=postgres mode): regenerate
them with

    TRIODE_TEST_TARGET=postgres TRIODE_UPDATE_GOLDEN=1 \\
        python3 -m pytest integration/test_psql_meta.py

The schema lives on a server of its own, so that tables other tests leave
on the shared node do not show up in the listings.
"""
import os
import subprocess

import pytest

import conftest

EXPECTED = os.path.join(os.path.dirname(__file__), "expected", "psql")
UPDATE = os.environ.get("TRIODE_UPDATE_GOLDEN") == "1"

SCHEMA = [
    "CREATE TABLE customers ("
    " id bigserial PRIMARY KEY,"
    " email varchar(120) NOT NULL UNIQUE,"
    " name text,"
    " active boolean DEFAULT true,"
    " created_at timestamptz NOT NULL DEFAULT now())",
    "CREATE TABLE orders ("
    " id serial PRIMARY KEY,"
    " customer_id bigint NOT NULL REFERENCES customers(id),"
    " qty integer NOT NULL CHECK (qty > 0),"
    " total numeric(10,2),"
    " note text DEFAULT 'none',"
    " payload bytea)",
    "CREATE INDEX orders_customer_idx ON orders (customer_id)",
    "CREATE TABLE tags (name text PRIMARY KEY, weight float8, seen date)",
    "CREATE VIEW big_orders AS SELECT id, qty FROM orders WHERE qty > 10",
    "CREATE TABLE events ("
    " id int GENERATED ALWAYS AS IDENTITY (START WITH 10),"
    " code text PRIMARY KEY,"
    " n serial)",
    "CREATE TYPE mood AS ENUM ('sad', 'ok')",
    "CREATE TABLE shelves ("
    " id int PRIMARY KEY,"
    " label text NOT NULL,"
    " mood mood DEFAULT 'ok',"
    " tags text[],"
    " size int CHECK (size >= 0))",
    "CREATE INDEX shelves_lower ON shelves (lower(label))",
    "CREATE UNIQUE INDEX shelves_big ON shelves (label) WHERE size > 10",
    "CREATE INDEX shelves_prefix ON shelves (label text_pattern_ops)",
]

# (golden file name, psql arguments)
COMMANDS = [
    ("d", ["-c", "\\d"]),
    ("dt", ["-c", "\\dt"]),
    ("di", ["-c", "\\di"]),
    ("dv", ["-c", "\\dv"]),
    ("ds", ["-c", "\\ds"]),
    ("dn", ["-c", "\\dn"]),
    ("du", ["-c", "\\du"]),
    ("df", ["-c", "\\df"]),
    ("dT", ["-c", "\\dT"]),
    ("d_orders", ["-c", "\\d orders"]),
    ("d_customers", ["-c", "\\d customers"]),
    ("d_tags", ["-c", "\\d tags"]),
    ("d_events", ["-c", "\\d events"]),
    ("d_shelves", ["-c", "\\d shelves"]),
    ("dplus_orders", ["-c", "\\d+ orders"]),
    ("dplus_customers", ["-c", "\\d+ customers"]),
    ("d_missing", ["-c", "\\d nosuchtable"]),
    # triode does not list template0/1: compare the postgres row, in
    # unaligned form so that template0/1 do not change the widths.
    ("l", ["-A", "-c", "\\l"]),
]


@pytest.fixture(scope="module")
def meta_node():
    n = conftest._make_node()
    try:
        n.start()
        with n.connect() as c:
            for stmt in SCHEMA:
                c.execute(stmt)
        yield n
    finally:
        conftest._destroy_node(n)


def run_psql(node, args):
    env = dict(os.environ, PGPASSWORD=node.password, PGSSLMODE="require",
               PGCONNECT_TIMEOUT="5")
    r = subprocess.run(
        ["psql", "-X", "-h", conftest.HOST, "-p", str(node.port),
         "-U", node.user, "-d", node.dbname] + args,
        capture_output=True, text=True, timeout=30, env=env)
    return r.stdout + r.stderr


def normalize(name, out):
    if name == "l":
        # Keep the title, the header and the postgres row (template
        # rows, their continuation lines and the row count go).
        lines = out.splitlines()
        lines = lines[:1] + [ln for ln in lines[1:]
                             if "|" in ln and not ln.startswith("template")]
        return "\n".join(lines) + "\n"
    return out


@pytest.mark.parametrize("name,args", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_psql_meta(meta_node, name, args):
    out = normalize(name, run_psql(meta_node, args))
    path = os.path.join(EXPECTED, name + ".out")
    if UPDATE and meta_node.kind == "postgres":
        os.makedirs(EXPECTED, exist_ok=True)
        with open(path, "w") as f:
            f.write(out)
    with open(path) as f:
        expected = f.read()
    assert out == expected
