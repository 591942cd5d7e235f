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


def decode_token(text):
    import base64
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    lines = raw.splitlines()
    assert lines[0] == "triode-join-1"
    return dict(line.split("=", 1) for line in lines[1:])


def test_cluster_add_issues_a_single_line_token(node, tmp_path):
    r = cli("cluster", "add", "joiner1", "--data-dir", node.data_dir)
    assert r.returncode == 0, r.stderr
    token = r.stdout.strip().splitlines()[-1]
    fields = decode_token(token)
    assert fields["name"] == "joiner1"
    assert fields["address"] == "127.0.0.1:%d" % node.cluster_port
    assert len(fields["secret"]) == 64  # 256 bits, hex
    import time
    assert time.time() + 2.5 * 3600 < int(fields["expires"]) < \
        time.time() + 3.5 * 3600
    # The token pins the cluster CA by its SHA-256 fingerprint.
    fp = subprocess.run(
        ["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in",
         os.path.join(node.data_dir, "certs", "ca.crt")],
        capture_output=True, text=True, check=True).stdout
    assert fields["fingerprint"] == \
        fp.split("=", 1)[1].strip().replace(":", "").lower()


def test_cluster_add_refuses_taken_and_bad_names(node):
    r = cli("cluster", "add", "joiner2", "--data-dir", node.data_dir)
    assert r.returncode == 0, r.stderr
    again = cli("cluster", "add", "joiner2", "--data-dir", node.data_dir)
    assert again.returncode == 1
    assert "pending join token" in again.stderr
    member = json.loads(cli("cluster", "list", "--data-dir", node.data_dir,
                            "--format", "json").stdout)[0]["name"]
    taken = cli("cluster", "add", member, "--data-dir", node.data_dir)
    assert taken.returncode == 1 and "already a member" in taken.stderr
    bad = cli("cluster", "add", "no good", "--data-dir", node.data_dir)
    assert bad.returncode == 1 and "member name" in bad.stderr
    assert cli("cluster", "add", "--data-dir", node.data_dir).returncode == 2


def test_cluster_members_view_for_superusers(node):
    import psycopg
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        rows = c.execute("SELECT name, address, pg_address, role, state "
                         "FROM triode_cluster_members").fetchall()
        assert len(rows) == 1
        name, address, pg_address, role, state = rows[0]
        assert address == "127.0.0.1:%d" % node.cluster_port
        assert pg_address == "127.0.0.1:%d" % node.port
        assert (role, state) == ("voter", "online")
        with pytest.raises(psycopg.errors.WrongObjectType):
            c.execute("DELETE FROM triode_cluster_members")
        with pytest.raises(psycopg.errors.ReservedName):
            c.execute("CREATE TABLE triode_cluster_mine (x int4)")
