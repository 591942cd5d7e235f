"""The upgrade gate of the internal schema (DESIGN.md §6).

TRIODE_TEST_SCHEMA_UPDATE=1 makes a node bring one more (dummy) numbered
update than the build has, which plays an upgrade without two builds."""

import json
import os
import subprocess

import psycopg
import pytest

from conftest import TRIODE_BIN

pytestmark = pytest.mark.skipif(
    os.environ.get("TRIODE_TEST_TARGET", "triode") != "triode",
    reason="triode's own upgrade gate")


def schema_version(node):
    r = subprocess.run([TRIODE_BIN, "cluster", "list", "--data-dir",
                        node.data_dir, "--format", "json"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)[0]["schema_version"]


def test_upgrade_applies_and_an_older_binary_refuses(fresh_node):
    n = fresh_node
    with psycopg.connect(n.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE kept (x int4)")
        c.execute("INSERT INTO kept VALUES (42)")
    before = schema_version(n)

    # A newer binary, alone in its cluster, applies its update at start.
    n.stop()
    n.extra_env = {"TRIODE_TEST_SCHEMA_UPDATE": "1"}
    n.start()
    assert schema_version(n) == before + 1
    with psycopg.connect(n.dsn(), autocommit=True) as c:
        assert c.execute("SELECT x FROM kept").fetchall() == [(42,)]

    # The older binary is now behind the cluster: it refuses to serve and
    # says which versions are involved.
    n.stop()
    n.extra_env = {}
    r = subprocess.run(
        [TRIODE_BIN, "serve", "--data-dir", n.data_dir,
         "--listen", "127.0.0.1:%d" % n.port,
         "--cluster-address", "127.0.0.1:%d" % n.cluster_port],
        capture_output=True, text=True, timeout=120,
        env=dict(os.environ, TRIODE_PASSWORD=n.password))
    assert r.returncode == 1
    assert "this node is behind" in r.stderr
    assert "version %d" % (before + 1) in r.stderr
    assert "version %d" % before in r.stderr

    # Upgrading again brings it back, data intact.
    n.extra_env = {"TRIODE_TEST_SCHEMA_UPDATE": "1"}
    n.start()
    with psycopg.connect(n.dsn(), autocommit=True) as c:
        assert c.execute("SELECT x FROM kept").fetchall() == [(42,)]
