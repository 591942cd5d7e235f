#!/usr/bin/python3
"""bench/run.py: triode against PostgreSQL 15, and dqlite's Go client as the
reference rate, in one invocation.

1. Starts a throwaway PostgreSQL 15 (initdb + postgres as the `postgres` OS
   user when run as root; fsync and synchronous_commit at their defaults;
   SCRAM password auth; TLS on) and a throwaway `triode serve`, both on
   free ports of 127.0.0.1 in temporary directories.
2. Creates the same tables on both: kv (k int4 PRIMARY KEY, v text) with
   BENCH_ROWS rows, kv_ins and kv_hist for inserts.
3. Runs pgbench -n -M simple with bench/select.sql, insert.sql and tx.sql at
   1 and 8 clients (-j up to 2) for BENCH_SECONDS each, alternating
   PostgreSQL and triode per cell, and prints TPS and average latency of
   both and the ratio triode/PostgreSQL.
4. Runs `dqlite-benchmark --workload kvwrite --workers 1` (go-dqlite, one
   node) for the same duration, computes ok ops/s from its results files
   (dqlite-protocol.md section 8.3), and prints it next to triode's
   single-row INSERT at 1 client.

Every process is stopped by PID and every temp dir removed at exit, also on
Ctrl-C.  Environment:
  BENCH_SECONDS   duration of each run (default 10)
  BENCH_CLIENTS   comma-separated client counts (default 1,8)
  BENCH_ROWS      rows in kv (default 10000)
  BENCH_SSLMODE   libpq sslmode for pgbench against both (default require)
  BENCH_WORKLOADS comma-separated subset of select,insert,tx
  TRIODE_BIN      triode binary (default <repo>/build/server/triode)
  TRIODE_PG_BINDIR PostgreSQL binaries (default /usr/lib/postgresql/15/bin)
Exit status: 0 when every run completed without client errors, 1 otherwise.
"""

import atexit
import glob
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TRIODE_BIN = os.environ.get("TRIODE_BIN",
                            os.path.join(REPO, "build", "server", "triode"))
PG_BINDIR = os.environ.get("TRIODE_PG_BINDIR", "/usr/lib/postgresql/15/bin")
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = [int(c) for c in os.environ.get("BENCH_CLIENTS", "1,8").split(",")]
ROWS = int(os.environ.get("BENCH_ROWS", "10000"))
SSLMODE = os.environ.get("BENCH_SSLMODE", "require")
WORKLOADS = os.environ.get("BENCH_WORKLOADS", "select,insert,tx").split(",")
HOST = "127.0.0.1"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0

VALUE = "x" * 100

# --- process and temp-dir bookkeeping ------------------------------------

_procs = []  # (Popen, stop signal, whole process group?)
_dirs = []


def _cleanup():
    for proc, sig, group in reversed(_procs):
        if proc.poll() is not None:
            continue
        kill = (lambda s, p=proc: os.killpg(p.pid, s)) if group \
            else proc.send_signal
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
    for i, (p, sig, group) in enumerate(_procs):
        if p is proc:
            del _procs[i]
            _procs.append((p, sig, group))  # stop this one first
            break
    entry = _procs.pop()
    p, sig, group = entry
    if p.poll() is None:
        try:
            (os.killpg(p.pid, sig) if group else p.send_signal(sig))
            p.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=STOP_TIMEOUT)


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
               *self.conn_args(), "-d", "postgres"]
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
    name = "triode"

    def __init__(self):
        super().__init__()
        self.root = tempdir("triode-bench-tr-")
        self.data = os.path.join(self.root, "data")
        os.mkdir(self.data, 0o700)
        self.log = os.path.join(self.root, "triode.log")
        self.cluster_port = free_port()

    def start(self):
        if not os.access(TRIODE_BIN, os.X_OK):
            raise RuntimeError("triode binary not found: %s (TRIODE_BIN)"
                               % TRIODE_BIN)
        env = dict(os.environ, TRIODE_PASSWORD=self.password)
        self.proc = spawn([TRIODE_BIN, "serve", "--data-dir", self.data,
                           "--listen", "%s:%d" % (HOST, self.port),
                           "--cluster-address",
                           "%s:%d" % (HOST, self.cluster_port)],
                          self.log, signal.SIGTERM, env=env, cwd=self.root)
        self.wait_ready()


def prepare(server, scratch):
    """Same schema and data on both servers."""
    server.psql("DROP TABLE IF EXISTS kv; DROP TABLE IF EXISTS kv_ins; "
                "DROP TABLE IF EXISTS kv_hist")
    server.psql("CREATE TABLE kv (k int4 PRIMARY KEY, v text)")
    server.psql("CREATE TABLE kv_ins (id int4 PRIMARY KEY, v text)")
    server.psql("CREATE TABLE kv_hist (id int4 PRIMARY KEY, k int4, v text)")
    path = os.path.join(scratch, "fill-%s.sql" % server.name)
    with open(path, "w") as f:
        for b in range(1, ROWS + 1, 500):
            f.write("INSERT INTO kv VALUES %s;\n" % ", ".join(
                "(%d, '%s')" % (k, VALUE)
                for k in range(b, min(b + 500, ROWS + 1))))
    server.psql(file=path)
    n = server.psql("SELECT count(*) FROM kv").stdout.strip()
    if n != str(ROWS):
        raise RuntimeError("%s: kv has %s rows, want %d" % (server.name, n,
                                                            ROWS))


# --- pgbench -------------------------------------------------------------

_run_no = 0


def pgbench(server, workload, clients):
    """One pgbench run; returns dict(tps, lat_ms, failed, error)."""
    global _run_no
    _run_no += 1
    script = os.path.join(HERE, workload + ".sql")
    cmd = ["pgbench", "-n", "-M", "simple", "-f", script,
           "-c", str(clients), "-j", str(min(2, clients)),
           "-T", str(SECONDS), "-D", "rows=%d" % ROWS, "-D", "n=0",
           "-D", "base=%d" % (_run_no * 100000000),
           *server.conn_args(), "postgres"]
    try:
        cp = subprocess.run(cmd, env=server.env(), capture_output=True,
                            text=True, timeout=SECONDS + 120)
    except subprocess.TimeoutExpired:
        return {"tps": None, "lat_ms": None, "failed": True,
                "error": "pgbench timed out"}
    out = cp.stdout
    tps = re.search(r"^tps = ([\d.]+)", out, re.M)
    lat = re.search(r"^latency average = ([\d.]+) ms", out, re.M)
    failed = cp.returncode != 0 or "aborted" in out + cp.stderr
    error = None
    if failed:
        lines = [l for l in (cp.stderr + out).splitlines()
                 if "error" in l.lower() or "abort" in l.lower()]
        error = (lines[0] if lines else cp.stderr.strip()[:200]) or \
            "exit %d" % cp.returncode
    return {"tps": float(tps.group(1)) if tps else None,
            "lat_ms": float(lat.group(1)) if lat else None,
            "failed": failed, "error": error}


# --- dqlite-benchmark ----------------------------------------------------


def dqlite_kvwrite():
    """go-dqlite's reference: kvwrite, 1 worker, 1 node.  Returns dict(ops,
    avg_ms, n, n_err) from its results files."""
    exe = shutil.which("dqlite-benchmark")
    if exe is None:
        return {"error": "dqlite-benchmark not installed (go-dqlite)"}
    d = tempdir("triode-bench-dqlite-")
    addr = "%s:%d" % (HOST, free_port())
    proc = spawn([exe, "--db", addr, "--driver", "--cluster", addr,
                  "--dir", d, "--duration", str(SECONDS), "--workers", "1",
                  "--workload", "kvwrite"],
                 os.path.join(d, "bench.log"), signal.SIGTERM)
    try:
        proc.wait(timeout=SECONDS + 120)
    except subprocess.TimeoutExpired:
        stop(proc)
        return {"error": "dqlite-benchmark timed out"}
    stop(proc)
    files = glob.glob(os.path.join(d, addr, "results", "*-exec-*"))
    if not files:
        return {"error": "no results files (exit %s): %s" % (
            proc.returncode, log_tail(os.path.join(d, "bench.log"), 3))}
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


# --- report --------------------------------------------------------------


def fmt(v, spec):
    return format(v, spec) if v is not None else "n/a"


def cell(r):
    if r is None:
        return "n/a", "n/a"
    tps = fmt(r["tps"], ".1f") + ("!" if r["failed"] else "")
    return tps, fmt(r["lat_ms"], ".3f")


def main():
    for tool in ("pgbench", "psql"):
        if shutil.which(tool) is None:
            sys.exit("bench: %s not found (scripts/deps.sh)" % tool)
    scratch = tempdir("triode-bench-")
    ok = True

    print("bench: %d s per run, clients %s, %d rows, sslmode=%s, -M simple"
          % (SECONDS, CLIENTS, ROWS, SSLMODE), flush=True)
    pg = Postgres()
    pg.start()
    prepare(pg, scratch)
    tr = Triode()
    try:
        tr.start()
        prepare(tr, scratch)
    except RuntimeError as e:
        print("bench: triode unavailable: %s" % e, flush=True)
        ok = False
        tr = None

    results = []
    for wl in WORKLOADS:
        for c in CLIENTS:
            print("bench: %s -c %d ..." % (wl, c), flush=True)
            r_pg = pgbench(pg, wl, c)
            r_tr = pgbench(tr, wl, c) if tr else None
            for who, r in (("postgresql", r_pg), ("triode", r_tr)):
                if r and r["failed"]:
                    ok = False
                    print("bench:   %s: %s" % (who, r["error"]), flush=True)
            results.append((wl, c, r_pg, r_tr))

    print("bench: dqlite-benchmark kvwrite, 1 worker ...", flush=True)
    dq = dqlite_kvwrite()

    print()
    hdr = ("workload", "clients", "pg tps", "pg lat ms", "triode tps",
           "triode lat ms", "triode/pg")
    print("%-8s %7s %10s %10s %11s %13s %9s" % hdr)
    for wl, c, r_pg, r_tr in results:
        pg_tps, pg_lat = cell(r_pg)
        tr_tps, tr_lat = cell(r_tr)
        ratio = "n/a"
        if r_tr and r_tr["tps"] and r_pg["tps"]:
            ratio = "%.2f" % (r_tr["tps"] / r_pg["tps"])
        print("%-8s %7d %10s %10s %11s %13s %9s"
              % (wl, c, pg_tps, pg_lat, tr_tps, tr_lat, ratio))
    print("('!' = some clients failed; see the lines above)")

    print()
    if "error" in dq:
        print("dqlite-benchmark kvwrite: %s" % dq["error"])
        ok = False
    else:
        tr_ins = next((r_tr for wl, c, _, r_tr in results
                       if wl == "insert" and c == 1), None)
        tr_tps = tr_ins["tps"] if tr_ins else None
        print("single-row insert, 1 client/worker:")
        print("  dqlite-benchmark (go-dqlite) kvwrite: %8.1f ops/s  "
              "avg %s ms  (%d ok, %d failed)"
              % (dq["ops"], fmt(dq["avg_ms"], ".3f"), dq["n"], dq["n_err"]))
        print("  triode insert.sql via pgbench:        %8s tps"
              % fmt(tr_tps, ".1f"))
        print("  triode / dqlite: %s" % (
            "%.2f" % (tr_tps / dq["ops"]) if tr_tps and dq["ops"] else
            "n/a"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
