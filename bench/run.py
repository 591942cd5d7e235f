#!/usr/bin/python3
"""bench/run.py: triode (one node and a 3-node cluster) against PostgreSQL
15, with dqlite's Go client as the reference write rate, in one invocation.

1. Starts a throwaway PostgreSQL 15 (initdb + postgres as the `postgres` OS
   user when run as root; fsync and synchronous_commit at their defaults;
   SCRAM password auth; TLS on), a throwaway single `triode serve`, and a
   throwaway 3-node triode cluster (node1 bootstraps, node2 and node3 join
   with tokens from `triode cluster add`; the script waits until `triode
   cluster list` shows 3 voters), all on free ports of 127.0.0.1 in
   temporary directories.
2. Creates the same tables on all three: pgbench's four tables with
   `pgbench -i -s BENCH_SCALE` (COPY, VACUUM, ALTER TABLE ADD PRIMARY KEY),
   and kv (BENCH_ROWS rows), kv_ins and kv_hist for bench/select.sql,
   insert.sql and tx.sql.
3. Runs pgbench -n with each workload at 1 and 8 clients: pgbench's
   built-in select-only and tpcb-like scripts in each of BENCH_MODES, the
   custom scripts (insert, select, tx) with -M simple;
   (-j up to 2) for BENCH_SECONDS each, against each target in turn, cell by
   cell: postgresql, triode (one node), leader (3-node cluster, clients on
   the leader's port) and follower (clients on a follower's port, which runs
   every statement on the leader over the cluster port).  Prints TPS,
   average latency and the ratio to PostgreSQL.
4. Runs `dqlite-benchmark --workload kvwrite --workers 1` (go-dqlite) on one
   node and on three nodes (driver on the bootstrap node, two --join
   processes; dqlite-protocol.md section 8.3) for the same duration, and
   prints its ok ops/s next to triode's single-row INSERT at 1 client.
5. Failover: a writer (psycopg2, autocommit single-row INSERTs) on a
   follower's port, kill -9 of the leader, time from the kill to the first
   successful INSERT issued after it; BENCH_FAILOVERS times (the killed node
   is restarted in between and the script waits for 3 voters and a leader).
   Also checks that every acknowledged INSERT is still there and reports the
   SQLSTATEs the writer saw in between.

Every process is stopped by PID and every temp dir removed at exit, also on
Ctrl-C.  Environment:
  BENCH_SECONDS   duration of each run (default 10)
  BENCH_CLIENTS   comma-separated client counts (default 1,8)
  BENCH_WORKLOADS comma-separated subset of select-only,tpcb-like,insert,
                  select,tx (default select-only,tpcb-like,insert)
  BENCH_TARGETS   comma-separated subset of postgresql,triode,leader,follower
                  (default: all four)
  BENCH_CLUSTER   0 = no cluster at all (no leader/follower targets, no
                  3-node dqlite run, no failover) (default 1)
  BENCH_FAILOVERS failover repetitions (default 3; 0 = none)
  BENCH_MODES     query modes for the built-in scripts (default
                  simple,prepared)
  BENCH_SCALE     pgbench scale: 100000 * scale accounts (default 1)
  BENCH_ROWS      rows in kv for select.sql / tx.sql (default 10000)
  BENCH_SSLMODE   libpq sslmode for pgbench and psycopg2 (default require)
  TRIODE_BIN      triode binary (default <repo>/build/server/triode)
  TRIODE_PG_BINDIR PostgreSQL binaries (default /usr/lib/postgresql/15/bin)
Exit status: 0 when every run completed without client errors, 1 otherwise.
"""

import atexit
import glob
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TRIODE_BIN = os.environ.get("TRIODE_BIN",
                            os.path.join(REPO, "build", "server", "triode"))
PG_BINDIR = os.environ.get("TRIODE_PG_BINDIR", "/usr/lib/postgresql/15/bin")
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = [int(c) for c in os.environ.get("BENCH_CLIENTS", "1,8").split(",")]
ROWS = int(os.environ.get("BENCH_ROWS", "10000"))
SCALE = int(os.environ.get("BENCH_SCALE", "1"))
SSLMODE = os.environ.get("BENCH_SSLMODE", "require")
WORKLOADS = os.environ.get("BENCH_WORKLOADS",
                           "select-only,tpcb-like,insert").split(",")
MODES = os.environ.get("BENCH_MODES", "simple,prepared").split(",")
BUILTIN = ("select-only", "tpcb-like")
CLUSTER = os.environ.get("BENCH_CLUSTER", "1") != "0"
TARGETS = os.environ.get("BENCH_TARGETS",
                         "postgresql,triode,leader,follower").split(",")
if not CLUSTER:
    TARGETS = [t for t in TARGETS if t not in ("leader", "follower")]
FAILOVERS = int(os.environ.get("BENCH_FAILOVERS", "3")) if CLUSTER else 0
HOST = "127.0.0.1"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
CLUSTER_TIMEOUT = 90.0
FAILOVER_TIMEOUT = 30.0

VALUE = "x" * 100
KNOWN_WORKLOADS = ("select-only", "tpcb-like", "insert", "select", "tx")
TARGET_LABEL = {"postgresql": "postgresql", "triode": "triode 1 node",
                "leader": "3 nodes, leader", "follower": "3 nodes, follower"}

# --- process and temp-dir bookkeeping ------------------------------------

_procs = []  # (Popen, stop signal, whole process group?)
_dirs = []


def _stop_one(proc, sig, group):
    if proc.poll() is not None:
        return
    kill = (lambda s: os.killpg(proc.pid, s)) if group else proc.send_signal
    try:
        kill(sig)
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        try:
            kill(signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=STOP_TIMEOUT)
    except ProcessLookupError:
        pass


def _cleanup():
    for proc, sig, group in reversed(_procs):
        _stop_one(proc, sig, group)
    _procs.clear()
    for d in _dirs:
        shutil.rmtree(d, ignore_errors=True)
    _dirs.clear()


def _on_signal(signum, frame):
    sys.exit(128 + signum)  # runs atexit


atexit.register(_cleanup)
signal.signal(signal.SIGINT, _on_signal)
signal.signal(signal.SIGTERM, _on_signal)


def spawn(cmd, log_path, stop_signal, pgroup=False, **kw):
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL,
                                start_new_session=True, **kw)
    _procs.append((proc, stop_signal, pgroup))
    return proc


def stop(proc):
    """Stop one process we started (its own stop signal, then SIGKILL)."""
    for i, (p, sig, group) in enumerate(_procs):
        if p is proc:
            del _procs[i]
            _stop_one(p, sig, group)
            return


def kill9(proc):
    """kill -9 one process we started, and reap it."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=STOP_TIMEOUT)
    stop(proc)  # forget it


def tempdir(prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    _dirs.append(d)
    return d


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def log_tail(path, n=20):
    try:
        with open(path, "rb") as f:
            return "\n".join(f.read().decode("utf-8", "replace")
                             .splitlines()[-n:])
    except OSError:
        return ""


def wait_until(what, check, timeout):
    """Poll check() until it returns something true; bounded."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except (RuntimeError, ValueError, subprocess.SubprocessError) as e:
            last = e
        time.sleep(0.2)
    raise RuntimeError("timed out after %.0f s waiting for %s (last: %r)"
                       % (timeout, what, last))


def say(msg):
    print("bench: " + msg, flush=True)


# --- servers -------------------------------------------------------------


class Server:
    name = None

    def __init__(self):
        self.port = free_port()
        self.password = "bench-" + secrets.token_hex(8)
        self.proc = None

    def env(self):
        return dict(os.environ, PGPASSWORD=self.password,
                    PGSSLMODE=SSLMODE, PGCONNECT_TIMEOUT="5")

    def conn_args(self):
        return ["-h", HOST, "-p", str(self.port), "-U", "postgres"]

    def psql(self, sql=None, file=None, check=True):
        cmd = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
               "-v", "VERBOSITY=verbose", *self.conn_args(), "-d",
               "postgres"]
        cmd += ["-f", file] if file else ["-c", sql]
        cp = subprocess.run(cmd, env=self.env(), capture_output=True,
                            text=True, timeout=300)
        if check and cp.returncode != 0:
            raise RuntimeError("%s: psql failed: %s" % (self.name,
                                                        cp.stderr.strip()))
        return cp

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        err = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited (%s) during startup:\n%s" % (
                    self.name, self.proc.returncode, log_tail(self.log)))
            cp = self.psql("SELECT 1", check=False)
            if cp.returncode == 0:
                return
            err = cp.stderr.strip()
            time.sleep(0.2)
        raise RuntimeError("%s not ready after %.0f s: %s\n%s" % (
            self.name, START_TIMEOUT, err, log_tail(self.log)))


class Postgres(Server):
    name = "postgresql"

    def __init__(self):
        super().__init__()
        self.root = tempdir("triode-bench-pg-")
        self.data = os.path.join(self.root, "data")
        self.log = os.path.join(self.root, "postgres.log")
        self.as_user = {}
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            self.as_user = {"user": pw.pw_uid, "group": pw.pw_gid}
            os.chown(self.root, pw.pw_uid, pw.pw_gid)

    def start(self):
        pwfile = os.path.join(self.root, "pwfile")
        with open(pwfile, "w") as f:
            f.write(self.password + "\n")
        if self.as_user:
            os.chown(pwfile, self.as_user["user"], self.as_user["group"])
        subprocess.run([os.path.join(PG_BINDIR, "initdb"), "-D", self.data,
                        "-U", "postgres", "--auth=scram-sha-256",
                        "--pwfile=" + pwfile, "-E", "UTF8", "--locale=C"],
                       check=True, capture_output=True, timeout=300,
                       **self.as_user)
        os.unlink(pwfile)
        key = os.path.join(self.data, "server.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", key, "-out",
                        os.path.join(self.data, "server.crt"), "-days", "2",
                        "-subj", "/CN=localhost"], check=True,
                       capture_output=True, timeout=60, **self.as_user)
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("\nlisten_addresses = '%s'\nport = %d\n"
                    "unix_socket_directories = '%s'\nssl = on\n"
                    "password_encryption = 'scram-sha-256'\n"
                    % (HOST, self.port, self.root))
        with open(os.path.join(self.data, "pg_hba.conf"), "w") as f:
            f.write("host all all 127.0.0.1/32 scram-sha-256\n")
        self.proc = spawn([os.path.join(PG_BINDIR, "postgres"), "-D",
                           self.data], self.log, signal.SIGINT, pgroup=True,
                          **self.as_user)
        self.wait_ready()


class Triode(Server):
    """One `triode serve`.  extra_args: --name / --join for the first
    start; a restart uses the data directory alone."""

    def __init__(self, name="triode", password=None, extra_args=()):
        super().__init__()
        self.name = name
        if password:
            self.password = password  # joined nodes share the cluster's
        self.root = tempdir("triode-bench-%s-" % name)
        self.data = os.path.join(self.root, "data")
        os.mkdir(self.data, 0o700)
        self.log = os.path.join(self.root, "triode.log")
        self.cluster_port = free_port()
        self.extra_args = list(extra_args)

    @property
    def pg_address(self):
        return "%s:%d" % (HOST, self.port)

    def start(self, wait=True):
        if not os.access(TRIODE_BIN, os.X_OK):
            raise RuntimeError("triode binary not found: %s (TRIODE_BIN)"
                               % TRIODE_BIN)
        env = dict(os.environ, TRIODE_PASSWORD=self.password)
        self.proc = spawn([TRIODE_BIN, "serve", "--data-dir", self.data,
                           "--listen", self.pg_address,
                           "--cluster-address",
                           "%s:%d" % (HOST, self.cluster_port),
                           *self.extra_args],
                          self.log, signal.SIGTERM, env=env, cwd=self.root)
        self.extra_args = []  # --join tokens are single-use
        if wait:
            self.wait_ready()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def cli(self, *args, timeout=30):
        cp = subprocess.run([TRIODE_BIN, *args, "--data-dir", self.data],
                            capture_output=True, text=True, timeout=timeout,
                            env=dict(os.environ,
                                     TRIODE_PASSWORD=self.password))
        if cp.returncode != 0:
            raise RuntimeError("triode %s: %s" % (" ".join(args),
                                                  cp.stderr.strip()))
        return cp.stdout

    def members(self):
        return json.loads(self.cli("cluster", "list", "--format", "json"))


class Cluster:
    """Three triode nodes on one machine: node1 bootstraps, node2 and node3
    join with tokens from `triode cluster add` (README, "Clusters")."""

    def __init__(self):
        self.nodes = []

    def start(self):
        n1 = Triode("node1", extra_args=["--name", "node1"])
        self.nodes.append(n1)
        n1.start()
        for name in ("node2", "node3"):
            token = n1.cli("cluster", "add", name).strip().splitlines()[-1]
            n = Triode(name, password=n1.password,
                       extra_args=["--join", token])
            self.nodes.append(n)
            n.start()
        self.wait_healthy(CLUSTER_TIMEOUT)

    def wait_healthy(self, timeout):
        """3 online voters and a leader, seen from every running node."""
        def healthy():
            for n in self.nodes:
                if not n.running():
                    return False
                ms = n.members()
                if sorted(m["name"] for m in ms if m["role"] == "voter" and
                          m["state"] == "online") != ["node1", "node2",
                                                      "node3"]:
                    return False
                if not any(m["leader"] for m in ms):
                    return False
            return True
        wait_until("3 online voters and a leader", healthy, timeout)

    def leader(self):
        """The node `cluster list` (asked on a running node) names leader."""
        for n in self.nodes:
            if not n.running():
                continue
            try:
                ms = n.members()
            except RuntimeError:
                continue
            for m in ms:
                if m["leader"]:
                    for node in self.nodes:
                        if node.pg_address == m["pg_address"] and \
                                node.running():
                            return node
        return None

    def follower(self, leader=None):
        leader = leader or wait_until("a leader", self.leader, 30)
        return next(n for n in self.nodes if n is not leader and
                    n.running())


def psql_insert_select(server, table, columns, exprs, n, chunk=25000):
    """Fill a table with INSERT ... SELECT FROM generate_series(lo, hi) g,
    a few big statements (no COPY in triode yet)."""
    for lo in range(1, n + 1, chunk):
        hi = min(lo + chunk - 1, n)
        server.psql("INSERT INTO %s (%s) SELECT %s FROM generate_series(%d, "
                    "%d) g" % (table, columns, exprs, lo, hi))


def prepare(server, scratch):
    """Same schema and data on every server."""
    t0 = time.monotonic()
    for t in ("kv", "kv_ins", "kv_hist", "pgbench_accounts",
              "pgbench_branches", "pgbench_tellers", "pgbench_history"):
        server.psql("DROP TABLE IF EXISTS " + t)
    server.psql("CREATE TABLE kv (k int4 PRIMARY KEY, v text)")
    server.psql("CREATE TABLE kv_ins (id int8 PRIMARY KEY, v text)")
    server.psql("CREATE TABLE kv_hist (id int8 PRIMARY KEY, k int4, v text)")
    if {"select", "tx"} & set(WORKLOADS):
        path = os.path.join(scratch, "fill-%s.sql" % server.name)
        with open(path, "w") as f:
            for b in range(1, ROWS + 1, 500):
                f.write("INSERT INTO kv VALUES %s;\n" % ", ".join(
                    "(%d, '%s')" % (k, VALUE)
                    for k in range(b, min(b + 500, ROWS + 1))))
        server.psql(file=path)
        n = server.psql("SELECT count(*) FROM kv").stdout.strip()
        if n != str(ROWS):
            raise RuntimeError("%s: kv has %s rows, want %d"
                               % (server.name, n, ROWS))
    if set(BUILTIN) & set(WORKLOADS):
        cp = subprocess.run(["pgbench", "-i", "-q", "-s", str(SCALE),
                             *server.conn_args(), "postgres"],
                            env=server.env(), capture_output=True, text=True,
                            timeout=600)
        if cp.returncode != 0:
            raise RuntimeError("%s: pgbench -i failed: %s"
                               % (server.name, cp.stderr.strip()[-300:]))
        n = server.psql("SELECT count(*) FROM pgbench_accounts"
                        ).stdout.strip()
        if n != str(100000 * SCALE):
            raise RuntimeError("%s: pgbench_accounts has %s rows, want %d"
                               % (server.name, n, 100000 * SCALE))
    say("%s: tables ready in %.1f s" % (server.name,
                                         time.monotonic() - t0))


# --- pgbench -------------------------------------------------------------

_run_no = 0


def pgbench(server, workload, mode, clients):
    """One pgbench run; returns dict(tps, lat_ms, n_tx, n_failed, failed,
    error)."""
    global _run_no
    _run_no += 1
    script = ["-b", workload] if workload in BUILTIN else \
        ["-f", os.path.join(HERE, workload + ".sql")]
    cmd = ["pgbench", "-n", "-M", mode, *script,
           "-c", str(clients), "-j", str(min(2, clients)),
           "-T", str(SECONDS), "-D", "rows=%d" % ROWS, "-D", "n=0",
           "-D", "base=%d" % (_run_no * 100000000),
           "-D", "scale=%d" % SCALE,
           *server.conn_args(), "postgres"]
    try:
        cp = subprocess.run(cmd, env=server.env(), capture_output=True,
                            text=True, timeout=SECONDS + 120)
    except subprocess.TimeoutExpired:
        return {"tps": None, "lat_ms": None, "failed": True,
                "n_tx": None, "n_failed": None,
                "error": "pgbench timed out"}
    out = cp.stdout

    def num(pattern, conv=float):
        m = re.search(pattern, out, re.M)
        return conv(m.group(1)) if m else None
    r = {"tps": num(r"^tps = ([\d.]+)"),
         "lat_ms": num(r"^latency average = ([\d.]+) ms"),
         "n_tx": num(r"^number of transactions actually processed: (\d+)",
                     int),
         "n_failed": num(r"^number of failed transactions: (\d+)", int)}
    r["failed"] = cp.returncode != 0 or "aborted" in out + cp.stderr or \
        bool(r["n_failed"])
    r["error"] = None
    if r["failed"]:
        lines = [l for l in (cp.stderr + out).splitlines()
                 if "error" in l.lower() or "abort" in l.lower()]
        r["error"] = (lines[0] if lines else cp.stderr.strip()[:200]) or \
            "exit %d" % cp.returncode
    return r


# --- dqlite-benchmark ----------------------------------------------------


def dqlite_results(d, addr):
    files = glob.glob(os.path.join(d, addr, "results", "*-exec-*"))
    if not files:
        return None
    n = n_err = 0
    total_ms = 0.0
    for path in files:
        # Header lines: "n 3491", "n_err 1", "avg [ms] 0.56", max, min.
        head = {}
        with open(path) as f:
            for _ in range(5):
                parts = f.readline().split()
                if parts:
                    head[parts[0]] = float(parts[-1])
        fn, fe = int(head.get("n", 0)), int(head.get("n_err", 0))
        n += fn
        n_err += fe
        total_ms += head.get("avg", 0.0) * fn
    return {"ops": n / SECONDS, "avg_ms": total_ms / n if n else None,
            "n": n, "n_err": n_err}


def dqlite_kvwrite(nodes):
    """go-dqlite's reference: kvwrite, 1 worker, on 1 or 3 nodes (driver on
    the bootstrap node, the others --join it; dqlite-protocol.md 8.3).
    Returns dict(ops, avg_ms, n, n_err) from the driver's results files."""
    exe = shutil.which("dqlite-benchmark")
    if exe is None:
        return {"error": "dqlite-benchmark not installed (go-dqlite)"}
    d = tempdir("triode-bench-dqlite-")
    addrs = ["%s:%d" % (HOST, free_port()) for _ in range(nodes)]
    log = os.path.join(d, "bench.log")
    driver = spawn([exe, "--db", addrs[0], "--driver", "--cluster",
                    ",".join(addrs), "--dir", d, "--duration", str(SECONDS),
                    "--workers", "1", "--workload", "kvwrite",
                    "--cluster-timeout", "60"],
                   log, signal.SIGTERM)
    joiners = []
    if nodes > 1:
        time.sleep(1)
        for a in addrs[1:]:
            joiners.append(spawn([exe, "--db", a, "--join", addrs[0],
                                  "--dir", d],
                                 os.path.join(d, "join-%s.log" % a),
                                 signal.SIGTERM))
    try:
        driver.wait(timeout=SECONDS + 120)
    except subprocess.TimeoutExpired:
        pass
    for p in joiners + [driver]:
        stop(p)
    r = dqlite_results(d, addrs[0])
    if r is None:
        return {"error": "no results files (exit %s): %s" % (
            driver.returncode, log_tail(log, 3))}
    return r


# --- failover ------------------------------------------------------------


def failover_once(cluster, run):
    """Writer on a follower, kill -9 of the leader.  Returns dict(took,
    errors, acked, lost, leader, via, new_leader)."""
    import psycopg2
    leader = wait_until("a leader", cluster.leader, 30)
    via = cluster.follower(leader)
    base = run * 10000000
    acked = []  # (key, start, end)
    errors = []  # (time, sqlstate or class, first line)
    killed = {}
    stop_ev = threading.Event()
    first_after = threading.Event()

    def writer():
        conn = None
        i = 0
        deadline = time.monotonic() + FAILOVER_TIMEOUT + 10
        while not stop_ev.is_set() and time.monotonic() < deadline:
            i += 1
            t0 = time.monotonic()
            try:
                if conn is None:
                    conn = psycopg2.connect(
                        host=HOST, port=via.port, user="postgres",
                        password=via.password, dbname="postgres",
                        sslmode=SSLMODE, connect_timeout=5)
                    conn.autocommit = True
                with conn.cursor() as cur:
                    cur.execute("INSERT INTO failover (id, run) VALUES "
                                "(%d, %d)" % (base + i, run))
                t1 = time.monotonic()
                acked.append((base + i, t0, t1))
                if "t" in killed and t0 > killed["t"]:
                    first_after.set()
            except psycopg2.Error as e:
                errors.append((time.monotonic(),
                               e.pgcode or type(e).__name__,
                               (str(e).strip().splitlines() or [""])[0]))
                if conn is not None and conn.closed:
                    conn = None
                time.sleep(0.01)
        if conn is not None:
            conn.close()

    th = threading.Thread(target=writer, daemon=True)
    th.start()
    try:
        wait_until("writes through %s" % via.name, lambda: len(acked) >= 50,
                   20)
        time.sleep(0.5)
        killed["t"] = time.monotonic()
        kill9(leader.proc)
        first_after.wait(timeout=FAILOVER_TIMEOUT)
    finally:
        stop_ev.set()
        th.join(timeout=FAILOVER_TIMEOUT)
    t_kill = killed.get("t")
    after = [a for a in acked if t_kill is not None and a[1] > t_kill]
    took = after[0][2] - t_kill if after else None
    errs = [(t - (t_kill or t), code, msg) for t, code, msg in errors]
    # Every acknowledged INSERT must be there (asked through the follower).
    lost = None
    if after:
        got = set(int(x) for x in via.psql(
            "SELECT id FROM failover WHERE run = %d" % run
        ).stdout.split())
        lost = len({a[0] for a in acked} - got)
    new_leader = cluster.leader()
    # Bring the killed node back and wait for a healthy cluster again.
    t0 = time.monotonic()
    leader.start()
    cluster.wait_healthy(CLUSTER_TIMEOUT)
    time.sleep(1)  # let the restarted node catch up before the next run
    return {"took": took, "errors": errs, "acked": len(acked), "lost": lost,
            "leader": leader.name, "via": via.name,
            "new_leader": new_leader.name if new_leader else None,
            "rejoin": time.monotonic() - t0}


# --- report --------------------------------------------------------------


def fmt(v, spec):
    return format(v, spec) if v is not None else "n/a"


def main():
    for tool in ("pgbench", "psql"):
        if shutil.which(tool) is None:
            sys.exit("bench: %s not found (scripts/deps.sh)" % tool)
    bad = [w for w in WORKLOADS if w not in KNOWN_WORKLOADS]
    if bad:
        sys.exit("bench: unknown workload(s) %s" % ", ".join(bad))
    scratch = tempdir("triode-bench-")
    ok = True
    t_start = time.monotonic()

    say("%d s per run, clients %s, workloads %s, targets %s, scale %d, "
        "sslmode=%s, modes %s" % (SECONDS, CLIENTS, ",".join(WORKLOADS),
                                  ",".join(TARGETS), SCALE, SSLMODE,
                                  ",".join(MODES)))
    servers = {}
    if "postgresql" in TARGETS:
        pg = Postgres()
        pg.start()
        prepare(pg, scratch)
        servers["postgresql"] = pg
    if "triode" in TARGETS:
        tr = Triode()
        try:
            tr.start()
            prepare(tr, scratch)
            servers["triode"] = tr
        except RuntimeError as e:
            say("triode unavailable: %s" % e)
            ok = False
    cluster = None
    if CLUSTER:
        cluster = Cluster()
        try:
            t0 = time.monotonic()
            cluster.start()
            say("3-node cluster up in %.1f s (leader %s)" % (
                time.monotonic() - t0, cluster.leader().name))
            prepare(cluster.leader(), scratch)
            cluster.leader().psql("CREATE TABLE failover (id int8 PRIMARY "
                                  "KEY, run int4)")
        except RuntimeError as e:
            say("cluster unavailable: %s" % e)
            ok = False
            cluster = None

    def target(name):
        if name in servers:
            return servers[name]
        if cluster is None:
            return None
        leader = cluster.leader()
        if leader is None:
            return None
        return leader if name == "leader" else cluster.follower(leader)

    # (workload label, mode): the built-in scripts in every mode.
    runs = [(w if w not in BUILTIN or len(MODES) == 1 else
             "%s %s" % (w, m), w, m)
            for w in WORKLOADS
            for m in (MODES if w in BUILTIN else ["simple"])]
    results = []  # (workload label, clients, target, node name, result)
    for wl, script, mode in runs:
        for c in CLIENTS:
            for t in TARGETS:
                s = target(t)
                if s is None:
                    results.append((wl, c, t, None, None))
                    continue
                say("%s -c %d on %s (%s) ..." % (wl, c, t, s.name))
                r = pgbench(s, script, mode, c)
                if r["failed"]:
                    ok = False
                    say("  %s: %s (%s failed transactions)" % (
                        t, r["error"], fmt(r["n_failed"], "d")))
                results.append((wl, c, t, s.name, r))

    say("dqlite-benchmark kvwrite, 1 worker, 1 node ...")
    dq1 = dqlite_kvwrite(1)
    dq3 = None
    if cluster is not None:
        say("dqlite-benchmark kvwrite, 1 worker, 3 nodes ...")
        dq3 = dqlite_kvwrite(3)

    failovers = []
    for i in range(FAILOVERS if cluster is not None else 0):
        say("failover %d/%d ..." % (i + 1, FAILOVERS))
        try:
            f = failover_once(cluster, i + 1)
        except RuntimeError as e:
            say("  failover: %s" % e)
            ok = False
            break
        failovers.append(f)
        say("  killed %s (leader), writer on %s: first write %s s after "
            "kill -9, new leader %s, %d errors in between, %s acknowledged "
            "writes lost" % (f["leader"], f["via"], fmt(f["took"], ".2f"),
                             f["new_leader"], len(f["errors"]),
                             fmt(f["lost"], "d")))
        if f["took"] is None or f["lost"]:
            ok = False

    # --- tables
    print()
    print("%-20s %7s  %-18s %-10s %10s %10s %7s" % (
        "workload", "clients", "target", "node", "tps", "lat ms", "vs pg"))
    pg_tps = {(wl, c): r["tps"] for wl, c, t, _, r in results
              if t == "postgresql" and r}
    for wl, c, t, node, r in results:
        tps = fmt(r and r["tps"], ".1f") + ("!" if r and r["failed"] else "")
        ratio = "n/a"
        base = pg_tps.get((wl, c))
        if r and r["tps"] and base:
            ratio = "%.2f" % (r["tps"] / base)
        print("%-20s %7d  %-18s %-10s %10s %10s %7s" % (
            wl, c, TARGET_LABEL[t], node or "-", tps,
            fmt(r and r["lat_ms"], ".3f"), ratio))
    print("('!' = failed transactions or aborted clients; see the lines "
          "above)")

    def ins1(t):
        return next((r for wl, c, tt, _, r in results
                     if wl == "insert" and c == 1 and tt == t and r), None)
    print()
    print("single-row INSERT, 1 client / 1 worker:")
    for label, dq, t in (("1 node ", dq1, "triode"),
                         ("3 nodes", dq3, "leader"),
                         ("3 nodes", None, "follower")):
        tr = ins1(t)
        tr_tps = tr["tps"] if tr else None
        line = "  %s  triode %-9s %8s tps" % (label, t, fmt(tr_tps, ".1f"))
        if dq is not None:
            if "error" in dq:
                line += "   dqlite-benchmark: %s" % dq["error"]
                ok = False
            else:
                line += ("   dqlite-benchmark kvwrite %8.1f ops/s (avg %s "
                         "ms, %d ok, %d failed)   triode/dqlite %s" % (
                             dq["ops"], fmt(dq["avg_ms"], ".3f"), dq["n"],
                             dq["n_err"],
                             "%.2f" % (tr_tps / dq["ops"])
                             if tr_tps and dq["ops"] else "n/a"))
        print(line)

    if failovers:
        print()
        print("failover (kill -9 of the leader, autocommit INSERTs through "
              "a follower):")
        for i, f in enumerate(failovers, 1):
            codes = {}
            for _, code, msg in f["errors"]:
                codes.setdefault(code, [0, msg])[0] += 1
            print("  run %d: killed %s, writer on %s, new leader %s: first "
                  "successful write %s s after the kill; %s acknowledged "
                  "writes lost of %d; rejoin %.1f s" % (
                      i, f["leader"], f["via"], f["new_leader"],
                      fmt(f["took"], ".3f"), fmt(f["lost"], "d"),
                      f["acked"], f["rejoin"]))
            for code, (n, msg) in sorted(codes.items()):
                print("         %4d x %s: %s" % (n, code, msg))
        took = [f["took"] for f in failovers if f["took"] is not None]
        if took:
            print("  median %.3f s (min %.3f, max %.3f)" % (
                statistics.median(took), min(took), max(took)))
    say("total %.0f s" % (time.monotonic() - t_start))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
