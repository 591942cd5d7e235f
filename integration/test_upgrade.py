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


def test_nodes_ahead_wait_until_every_member_is_upgraded():
    """Rolling upgrade of three nodes: an upgraded node waits (not
    serving), naming the members still on the old version, until the last
    one is upgraded; then the update applies once and all serve."""
    from test_cluster import Cluster, members, wait_until, voters
    cluster = Cluster()
    try:
        n1 = cluster.bootstrap()
        cluster.join("node2")
        cluster.join("node3")
        wait_until("three voters",
                   lambda: voters(n1) == ["node1", "node2", "node3"])
        before = members(n1)[0]["schema_version"]
        new = {"TRIODE_TEST_SCHEMA_UPDATE": "1"}
        order = [cluster.nodes[2], cluster.nodes[0], cluster.nodes[1]]

        def log_of(n):
            with open(n.log_path, errors="replace") as f:
                return f.read()
        for k, n in enumerate(order):
            n.stop()
            n.extra_env = new
            n.start(wait=False)
            if k < len(order) - 1:
                # Waiting, and saying for whom.
                wait_until("%s waiting at the gate" % n.data_dir,
                           lambda: "members still on an older version"
                           in log_of(n), timeout=60)
                waiting_for = log_of(n).rsplit(
                    "members still on an older version:", 1)[1]
                for other in order[k + 1:]:
                    name = [m["name"] for m in members(n1 if n is not n1
                                                       else other)
                            if m["pg_address"] ==
                            "127.0.0.1:%d" % other.port]
                    assert name and name[0] in waiting_for.splitlines()[0]
        for n in order:
            n.wait_ready(timeout=60)
        for n in order:
            versions = {m["schema_version"] for m in members(n)}
            assert versions == {before + 1}
            with psycopg.connect(n.dsn(), autocommit=True) as c:
                c.execute("SELECT 1")
    finally:
        cluster.close()
