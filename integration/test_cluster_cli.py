"""`triode cluster list` through the node's control socket (DESIGN.md §7)."""

import json
import os
import subprocess

import pytest

from conftest import TRIODE_BIN

pytestmark = pytest.mark.skipif(
    os.environ.get("TRIODE_TEST_TARGET", "triode") != "triode",
    reason="triode's own CLI")


def cli(*args):
    return subprocess.run([TRIODE_BIN, *args], capture_output=True,
                          text=True, timeout=30)


def test_cluster_list_table(node):
    r = cli("cluster", "list", "--data-dir", node.data_dir)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split()[:2] == ["NAME", "ADDRESS"]
    assert len(lines) == 2
    row = lines[1].split()
    assert row[1] == "127.0.0.1:%d" % node.cluster_port
    assert row[2] == "127.0.0.1:%d" % node.port
    assert row[3:6] == ["voter", "yes", "online"]


def test_cluster_list_json(node):
    r = cli("cluster", "list", "--data-dir", node.data_dir, "--format",
            "json")
    assert r.returncode == 0, r.stderr
    members = json.loads(r.stdout)
    assert len(members) == 1
    m = members[0]
    assert m["address"] == "127.0.0.1:%d" % node.cluster_port
    assert m["pg_address"] == "127.0.0.1:%d" % node.port
    assert (m["role"], m["leader"], m["state"]) == ("voter", True, "online")


def test_cluster_list_without_a_node_fails_clearly(tmp_path):
    r = cli("cluster", "list", "--data-dir", str(tmp_path))
    assert r.returncode == 1
    assert "cannot reach the node" in r.stderr
    assert r.stdout == ""


def test_cluster_bad_arguments(node):
    assert cli("cluster", "list", "--format", "xml", "--data-dir",
               node.data_dir).returncode == 2
    assert cli("cluster", "frobnicate").returncode == 2


def test_control_socket_is_private(node):
    mode = os.stat(os.path.join(node.data_dir, "control.sock")).st_mode
    assert mode & 0o077 == 0
