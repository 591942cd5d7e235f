"""Multi-node clusters made with the CLI (DESIGN.md §6, §7): formation by
join tokens, reads and writes through every node, token rules."""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time

import psycopg
import pytest

from conftest import TRIODE_BIN, TriodeNode, _destroy_node

pytestmark = pytest.mark.skipif(
    os.environ.get("TRIODE_TEST_TARGET", "triode") != "triode",
    reason="triode's own clustering")


def cli(*args, timeout=60):
    return subprocess.run([TRIODE_BIN, *args], capture_output=True,
                          text=True, timeout=timeout)


def members(node, timeout=30):
    """The authoritative member list.  While a node has no leader (a
    leader change under way) it answers from what it knows, with leader
    null: ask again until the answer comes from the leader."""
    deadline = time.monotonic() + timeout
    while True:
        r = cli("cluster", "list", "--data-dir", node.data_dir, "--format",
                "json")
        assert r.returncode == 0, r.stderr
        listed = json.loads(r.stdout)
        if all(m["leader"] is not None for m in listed) or \
                time.monotonic() > deadline:
            return listed
        time.sleep(0.2)


def wait_until(what, check, timeout=60):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except (AssertionError, psycopg.Error) as e:
            last = e
        time.sleep(0.2)
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))


class Cluster:
    """Nodes started with `triode serve`, the first bootstrapping, the
    others joining with tokens from `triode cluster add`."""

    def __init__(self):
        self.nodes = []

    def new_node(self):
        root = tempfile.mkdtemp(prefix="triode-cl-")
        n = TriodeNode(root)
        if self.nodes:
            n.password = self.nodes[0].password  # roles are cluster-wide
        return n

    def bootstrap(self):
        n = self.new_node()
        n.extra_args = ["--name", "node1"]
        self.nodes.append(n)
        n.start()
        return n

    def token(self, name, via=None):
        r = cli("cluster", "add", name, "--data-dir",
                (via or self.nodes[0]).data_dir)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip().splitlines()[-1]

    def join(self, name, token=None):
        n = self.new_node()
        n.extra_args = ["--join", token or self.token(name)]
        self.nodes.append(n)
        n.start()
        return n

    def close(self):
        for n in self.nodes:
            try:
                _destroy_node(n)
            except AssertionError as e:  # report, but clean up all
                print(e)
                raise


@pytest.fixture
def cluster():
    c = Cluster()
    try:
        yield c
    finally:
        c.close()


def voters(node):
    return sorted(m["name"] for m in members(node) if m["role"] == "voter")


def test_three_nodes_form_and_serve_through_every_node(cluster):
    n1 = cluster.bootstrap()
    n2 = cluster.join("node2")
    n3 = cluster.join("node3")
    wait_until("three voters",
               lambda: voters(n1) == ["node1", "node2", "node3"])
    listed = members(n2)
    assert sorted(m["name"] for m in listed) == ["node1", "node2", "node3"]
    assert {m["pg_address"] for m in listed} == {
        "127.0.0.1:%d" % n.port for n in (n1, n2, n3)}

    with psycopg.connect(n1.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE seen (id int4 PRIMARY KEY, via text)")
    for i, n in enumerate((n1, n2, n3)):
        with psycopg.connect(n.dsn(), autocommit=True) as c:
            c.execute("INSERT INTO seen VALUES (%d, 'n%d')" % (i, i + 1))
    for n in (n1, n2, n3):
        with psycopg.connect(n.dsn(), autocommit=True) as c:
            rows = c.execute("SELECT id, via FROM seen ORDER BY id")
            assert rows.fetchall() == [(0, "n1"), (1, "n2"), (2, "n3")]
    # A transaction through a follower is one leader connection.
    with psycopg.connect(n3.dsn(), autocommit=True) as c:
        c.execute("BEGIN")
        c.execute("INSERT INTO seen VALUES (10, 'tx')")
        c.execute("ROLLBACK")
        assert c.execute("SELECT count(*) FROM seen").fetchone() == (3,)


def test_a_token_is_single_use_and_pinned(cluster):
    n1 = cluster.bootstrap()
    token = cluster.token("node2")
    cluster.join("node2", token)

    # The same token again: refused, and the would-be joiner leaves
    # nothing behind in its data directory.
    again = cluster.new_node()
    r = cli("serve", "--data-dir", again.data_dir, "--listen",
            "127.0.0.1:%d" % again.port, "--cluster-address",
            "127.0.0.1:%d" % again.cluster_port, "--join", token)
    assert r.returncode == 1
    assert "invalid, used or expired join token" in r.stderr
    assert os.listdir(again.data_dir) == []
    shutil.rmtree(again.root, ignore_errors=True)

    # A token whose CA fingerprint is not the cluster's: refused by the
    # joiner itself, before it sends its secret.
    token = cluster.token("node3")
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    fp = [l for l in raw.splitlines() if l.startswith("fingerprint=")][0]
    raw = raw.replace(fp, "fingerprint=" + "0" * 64)
    forged = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    other = cluster.new_node()
    r = cli("serve", "--data-dir", other.data_dir, "--listen",
            "127.0.0.1:%d" % other.port, "--cluster-address",
            "127.0.0.1:%d" % other.cluster_port, "--join", forged)
    assert r.returncode == 1
    assert "no member answered" in r.stderr
    assert os.listdir(other.data_dir) == []
    shutil.rmtree(other.root, ignore_errors=True)
    # The untouched token still works afterwards: nothing was consumed.
    cluster.join("node3", token)
    wait_until("node3 listed",
               lambda: "node3" in [m["name"] for m in members(n1)])


def test_a_foreign_certificate_is_refused_on_the_cluster_port(cluster):
    """A node of another cluster (another CA) cannot reach our node."""
    import ssl
    import socket
    n1 = cluster.bootstrap()
    stranger = Cluster()
    try:
        s1 = stranger.bootstrap()
        certs = os.path.join(s1.data_dir, "certs")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.load_cert_chain(os.path.join(certs, "node.crt"),
                            os.path.join(certs, "node.key"))
        with socket.create_connection(("127.0.0.1", n1.cluster_port),
                                      timeout=5) as raw:
            with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
                with ctx.wrap_socket(raw) as tls:
                    # TLS 1.3: the refusal can come with the first read.
                    tls.sendall(b"\x01" + b"\x00" * 7)
                    if tls.recv(1) == b"":
                        raise ConnectionError("closed")
    finally:
        stranger.close()


def leader_of(cluster):
    """The node that says it is the leader (`cluster list` marks the
    answering node as leader only when it is)."""
    for n in cluster.nodes:
        if not n.is_running():
            continue
        mine = [m for m in members(n)
                if m["pg_address"] == "127.0.0.1:%d" % n.port]
        if mine and mine[0]["leader"]:
            return n
    return None


def test_killing_the_leader_loses_no_acknowledged_write(cluster):
    import threading
    n1 = cluster.bootstrap()
    cluster.join("node2")
    cluster.join("node3")
    wait_until("three voters",
               lambda: voters(n1) == ["node1", "node2", "node3"])
    with psycopg.connect(n1.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE acked (id int4 PRIMARY KEY, w int4)")
    leader = wait_until("a leader", lambda: leader_of(cluster))
    followers = [n for n in cluster.nodes if n is not leader]

    acked = []
    lock = threading.Lock()
    stop = threading.Event()
    first_after_kill = {}
    killed_at = {}

    def writer(w, node):
        i = 0
        conn = None
        deadline = time.monotonic() + 40
        while not stop.is_set() and time.monotonic() < deadline:
            i += 1
            key = w * 1000000 + i
            try:
                if conn is None:
                    conn = psycopg.connect(node.dsn(), autocommit=True)
                conn.execute("INSERT INTO acked VALUES (%d, %d)"
                             % (key, w))
                with lock:
                    acked.append(key)
                    if "t" in killed_at and w not in first_after_kill:
                        first_after_kill[w] = time.monotonic() - \
                            killed_at["t"]
            except psycopg.Error:
                # Unknown outcome or no leader yet: not acknowledged.
                if conn is not None and conn.closed:
                    conn = None
                time.sleep(0.05)
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=writer, args=(w, followers[w % 2]))
               for w in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    with lock:
        killed_at["t"] = time.monotonic()
    leader.kill9()
    wait_until("writes after the kill",
               lambda: len(first_after_kill) == len(threads), timeout=30)
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    took = max(first_after_kill.values())
    print("failover: first successful write %.2f s after kill -9 "
          "(slowest writer)" % took)
    assert took < 15

    # Every acknowledged write is there, on every surviving node.
    for n in followers:
        with psycopg.connect(n.dsn(), autocommit=True) as c:
            got = {r[0] for r in c.execute("SELECT id FROM acked")}
        missing = set(acked) - got
        assert not missing, "lost %d acknowledged writes" % len(missing)

    # The killed node comes back, catches up and serves.  Until it has
    # found the leader again it answers 57P03, as a restarting node does.
    leader.start()

    def count_on_restarted():
        with psycopg.connect(leader.dsn(), autocommit=True) as c:
            return c.execute("SELECT count(*) FROM acked").fetchone()[0]
    n = wait_until("the restarted node serves", count_on_restarted,
                   timeout=30)
    assert n >= len(acked)


def test_a_stopped_voter_goes_offline_and_is_replaced(cluster, monkeypatch):
    # A short offline threshold keeps the test quick (default 20 s).
    monkeypatch.setenv("TRIODE_OFFLINE_THRESHOLD_MS", "3000")
    n1 = cluster.bootstrap()
    for i in (2, 3, 4):
        cluster.join("node%d" % i)
    wait_until("3 voters and a standby", lambda: sorted(
        m["role"] for m in members(n1)) == ["standby", "voter", "voter",
                                            "voter"])
    by_name = {m["name"]: m for m in members(n1)}
    victim_name = next(n for n, m in by_name.items()
                       if m["role"] == "voter" and not m["leader"])
    victim = next(n for n in cluster.nodes
                  if by_name[victim_name]["pg_address"] ==
                  "127.0.0.1:%d" % n.port)
    victim.stop()
    observer = next(n for n in cluster.nodes
                    if n is not victim and n.is_running())

    def replaced():
        now = {m["name"]: m for m in members(observer)}
        live_voters = [n for n, m in now.items()
                       if m["role"] == "voter" and m["state"] == "online"]
        return (now[victim_name]["state"] == "offline" and
                now[victim_name]["role"] == "spare" and
                len(live_voters) == 3)
    wait_until("the stopped voter offline and replaced", replaced,
               timeout=45)
    # Still serving, through the observer.
    with psycopg.connect(observer.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE after_loss (x int4)")
        c.execute("INSERT INTO after_loss VALUES (1)")
    # Back again: online, and a standby once more.
    victim.start()
    wait_until("the node back as standby", lambda: {
        m["name"]: m for m in members(observer)}[victim_name]["role"] ==
        "standby", timeout=45)


def node_named(cluster, observer, name):
    pg = {m["name"]: m["pg_address"] for m in members(observer)}[name]
    return next(n for n in cluster.nodes
                if pg == "127.0.0.1:%d" % n.port)


def test_remove_and_rejoin_with_a_new_token(cluster, monkeypatch):
    monkeypatch.setenv("TRIODE_OFFLINE_THRESHOLD_MS", "3000")
    n1 = cluster.bootstrap()
    for i in (2, 3):
        cluster.join("node%d" % i)
    wait_until("three voters",
               lambda: voters(n1) == ["node1", "node2", "node3"])
    leader = wait_until("a leader", lambda: leader_of(cluster))
    others = [n for n in cluster.nodes if n is not leader]

    # One voter down: removing another online voter would lose the
    # majority, so it is refused unless --force.
    others[0].stop()
    down = [m["name"] for m in members(leader)
            if m["pg_address"] == "127.0.0.1:%d" % others[0].port][0]
    up = [m["name"] for m in members(leader)
          if m["pg_address"] == "127.0.0.1:%d" % others[1].port][0]
    wait_until("%s offline" % down, lambda: {
        m["name"]: m["state"] for m in members(leader)}[down] == "offline")
    r = cli("cluster", "remove", up, "--data-dir", leader.data_dir)
    assert r.returncode == 1 and "--force" in r.stderr, r.stderr

    # The offline one can go; the cluster keeps serving.
    r = cli("cluster", "remove", down, "--data-dir", leader.data_dir)
    assert r.returncode == 0, r.stderr
    assert down not in [m["name"] for m in members(leader)]
    with psycopg.connect(leader.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE still_here (x int4)")

    # Its old data directory no longer gets it in: the cluster refuses
    # its certificate, so it never serves.
    removed = others[0]
    import subprocess as sp
    proc = sp.Popen([TRIODE_BIN, "serve", "--data-dir", removed.data_dir,
                     "--listen", "127.0.0.1:%d" % removed.port,
                     "--cluster-address",
                     "127.0.0.1:%d" % removed.cluster_port],
                    stdout=sp.DEVNULL, stderr=sp.DEVNULL)
    try:
        def refused_in_log():
            with open(leader.log_path, errors="replace") as f:
                return ("refused %s: not a current member" % down) in \
                    f.read()
        wait_until("the removed node's certificate refused", refused_in_log,
                   timeout=30)

        def not_serving():
            try:
                psycopg.connect(removed.dsn(connect_timeout=3)).close()
            except psycopg.OperationalError as e:
                # 57P03 (no leader reachable) or nobody listening.
                return "57P03" in str(getattr(e, "sqlstate", "")) or \
                    "not available" in str(e) or "refused" in str(e) or \
                    "leader" in str(e)
            return False
        wait_until("the removed node refusing clients", not_serving,
                   timeout=30)
    finally:
        proc.kill()
        proc.wait()

    # The name is free again: a new token and an empty directory join.
    again = cluster.join(down)
    wait_until("%s back" % down, lambda: down in [
        m["name"] for m in members(leader)])
    with psycopg.connect(again.dsn(), autocommit=True) as c:
        c.execute("INSERT INTO still_here VALUES (1)")


def serve_join(node, token):
    """`triode serve --join` for a node that must fail: its result."""
    return cli("serve", "--data-dir", node.data_dir, "--listen",
               "127.0.0.1:%d" % node.port, "--cluster-address",
               "127.0.0.1:%d" % node.cluster_port, "--join", token,
               timeout=120)


def test_two_joiners_racing_with_one_token(cluster):
    import threading
    cluster.bootstrap()
    token = cluster.token("racer")
    a, b = cluster.new_node(), cluster.new_node()
    a.extra_args = b.extra_args = ["--join", token]
    results = {}

    def run(n):
        try:
            n.start()
            results[n] = "joined"
        except AssertionError as e:
            results[n] = str(e)
    cluster.nodes += [a, b]
    threads = [threading.Thread(target=run, args=(n,)) for n in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    joined = [n for n, r in results.items() if r == "joined"]
    assert len(joined) == 1, results
    loser = a if joined[0] is b else b
    assert "invalid, used or expired join token" in results[loser]
    cluster.nodes.remove(loser)
    assert os.listdir(loser.data_dir) == []
    shutil.rmtree(loser.root, ignore_errors=True)


def test_an_expired_token_is_refused(cluster):
    n1 = cluster.new_node()
    n1.extra_args = ["--name", "node1"]
    n1.extra_env = {"TRIODE_TOKEN_TTL_SECONDS": "1"}
    cluster.nodes.append(n1)
    n1.start()
    token = cluster.token("late")
    time.sleep(2.5)
    late = cluster.new_node()
    r = serve_join(late, token)
    assert r.returncode == 1
    assert "expired" in r.stderr
    assert os.listdir(late.data_dir) == []
    shutil.rmtree(late.root, ignore_errors=True)


def test_five_nodes_have_five_voters(cluster):
    n1 = cluster.bootstrap()
    for i in range(2, 6):
        cluster.join("node%d" % i)
    wait_until("five voters", lambda: len(voters(n1)) == 5, timeout=90)
    for n in cluster.nodes:
        with psycopg.connect(n.dsn(), autocommit=True) as c:
            c.execute("SELECT 1")
