"""pgbench as its users run it: -i (initialisation, with and without
foreign keys), then each built-in script in each query mode, with zero
failed transactions and balances that agree with the history afterwards.
Runs the same way against PostgreSQL 15 (TRIODE_TEST_TARGET=postgres)."""
import os
import subprocess

import psycopg
import pytest

SCRIPTS = ["tpcb-like", "simple-update", "select-only"]
MODES = ["simple", "extended", "prepared"]


def pgbench(node, *args, timeout=300):
    env = dict(os.environ, PGPASSWORD=node.password, PGSSLMODE="require")
    r = subprocess.run(["pgbench", "-h", "127.0.0.1", "-p", str(node.port),
                        "-U", "postgres", *args, "postgres"],
                       capture_output=True, text=True, timeout=timeout,
                       env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout + r.stderr


def balances(node):
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        return c.execute(
            "SELECT (SELECT sum(abalance) FROM pgbench_accounts), "
            "(SELECT sum(bbalance) FROM pgbench_branches), "
            "(SELECT sum(tbalance) FROM pgbench_tellers), "
            "(SELECT coalesce(sum(delta), 0) FROM pgbench_history), "
            "(SELECT count(*) FROM pgbench_accounts)").fetchone()


@pytest.mark.parametrize("fks", [False, True], ids=["plain", "foreign-keys"])
def test_pgbench_init_then_every_script_in_every_mode(fresh_node, fks):
    node = fresh_node
    out = pgbench(node, "-i", "-s", "1", *(["--foreign-keys"] if fks else []))
    assert "done in" in out, out
    a, b, t, h, n = balances(node)
    assert (a, b, t, h, n) == (0, 0, 0, 0, 100000)
    for mode in MODES:
        for script in SCRIPTS:
            out = pgbench(node, "-n", "-M", mode, "-b", script,
                          "-c", "4", "-j", "2", "-t", "25")
            assert "number of failed transactions: 0" in out, out
            assert "actually processed: 100/100" in out, out
    a, b, t, h, n = balances(node)
    # Every transaction's delta is in the history and in one account;
    # tpcb-like also adds it to a teller and a branch.
    assert a == h
    assert b == t
    assert n == 100000


def test_pgbench_init_twice_replaces_the_tables(fresh_node):
    pgbench(fresh_node, "-i", "-s", "1")
    pgbench(fresh_node, "-n", "-b", "tpcb-like", "-t", "20")
    pgbench(fresh_node, "-i", "-s", "1")
    assert balances(fresh_node) == (0, 0, 0, 0, 100000)
