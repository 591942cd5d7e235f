"""Fixtures for triode's integration tests: a real `triode serve` (or, for
validating the expectations, a throwaway PostgreSQL 15) on 127.0.0.1 with
ephemeral ports and a temporary data directory.

Environment:
  TRIODE_BIN          path of the triode binary
                      (default <repo>/build/server/triode)
  TRIODE_TEST_TARGET  "triode" (default) or "postgres": run the same tests
                      against PostgreSQL 15 to check that they encode
                      PostgreSQL's real behaviour
  TRIODE_PG_BINDIR    PostgreSQL server binaries
                      (default /usr/lib/postgresql/15/bin)

Every wait is bounded; every process we start is stopped by PID (SIGTERM or
SIGINT, then SIGKILL after a bound) in teardown, even when a test fails.
Run with Debian's python: /usr/bin/python3 -m pytest integration
"""

import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import psycopg
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgraw  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRIODE_BIN = os.environ.get("TRIODE_BIN",
                            os.path.join(REPO, "build", "server", "triode"))
TARGET = os.environ.get("TRIODE_TEST_TARGET", "triode")
PG_BINDIR = os.environ.get("TRIODE_PG_BINDIR", "/usr/lib/postgresql/15/bin")

HOST = "127.0.0.1"
START_TIMEOUT = 30.0
# Per-test watchdog: a server that hangs a query must not hang the suite.
TEST_TIMEOUT = float(os.environ.get("TRIODE_TEST_TIMEOUT", "150"))
STOP_TIMEOUT = 10.0
PSQL_TIMEOUT = 60.0


def free_port():
    """An ephemeral port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def unique_name(prefix="t"):
    return "%s_%s" % (prefix, uuid.uuid4().hex[:10])


def wait_until(pred, timeout, interval=0.1, what="condition"):
    """Poll @pred until true or @timeout seconds; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1f s waiting for %s"
                                 % (timeout, what))
        time.sleep(interval)


# Lines a healthy node never logs: sanitizer reports, failed assertions.
BAD_LOG_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:",
                   "Assertion", "assertion failed")


def _stop_pid(proc, first_signal, group=False, timeout=STOP_TIMEOUT):
    """Signal @proc (or its process group), wait a bounded time, then
    SIGKILL.  Never raises for an already-gone process."""
    if proc is None or proc.poll() is not None:
        return
    kill = (lambda s: os.killpg(proc.pid, s)) if group else proc.send_signal
    try:
        kill(first_signal)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            kill(signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=timeout)
    except ProcessLookupError:
        pass


class Node:
    """What tests may use, whatever the target."""

    kind = None
    user = "postgres"
    dbname = "postgres"

    def __init__(self, root):
        self.root = root
        self.port = free_port()
        self.password = "pw-" + secrets.token_hex(8)
        self.proc = None
        self.log_path = os.path.join(root, "server.log")

    # --- connection helpers -------------------------------------------

    def dsn(self, **kw):
        params = {
            "host": HOST,
            "port": str(self.port),
            "user": self.user,
            "dbname": self.dbname,
            "password": self.password,
            "sslmode": "require",
            "connect_timeout": "5",
        }
        params.update({k: str(v) for k, v in kw.items()})
        return " ".join("%s='%s'" % (k, v.replace("\\", "\\\\")
                                     .replace("'", "\\'"))
                        for k, v in params.items())

    def connect(self, autocommit=True, prepare_threshold=None, **kw):
        """A psycopg connection.  Auto-prepare is off by default: psycopg
        prepares a query after 5 runs (extended protocol), and the
        extended protocol is tested on its own (needs_extended)."""
        return psycopg.connect(self.dsn(**kw), autocommit=autocommit,
                               prepare_threshold=prepare_threshold)

    def psql(self, sql, check=True, args=(), plain=False, **kw):
        """Run @sql with `psql -X -A -t -q -c` (one simple Query message
        for the whole string; plain=True drops -A -t -q so command tags and
        row counts are printed).  Returns the CompletedProcess."""
        dsn_kw = dict(kw)
        password = dsn_kw.pop("password", self.password)
        env = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="5")
        dsn = " ".join(p for p in self.dsn(**dsn_kw).split(" ")
                       if not p.startswith("password="))
        fmt = [] if plain else ["-A", "-t", "-q"]
        cmd = ["psql", "-X", *fmt, "-v", "ON_ERROR_STOP=1", *args, dsn,
               "-c", sql]
        cp = subprocess.run(cmd, env=env, capture_output=True, text=True,
                            timeout=PSQL_TIMEOUT)
        if check and cp.returncode != 0:
            raise AssertionError("psql failed (%d): %s\n%s"
                                 % (cp.returncode, cp.stderr, self.log_tail()))
        return cp

    def raw(self, timeout=pgraw.DEFAULT_TIMEOUT):
        return pgraw.RawConn(HOST, self.port, timeout=timeout)

    def raw_session(self, tls=False):
        """A RawConn past authentication, at ReadyForQuery."""
        c = self.raw()
        if tls:
            c.start_tls()
        c.startup(self.user, self.dbname, self.password)
        return c

    def query_one(self, sql):
        with self.connect() as c:
            return c.execute(sql).fetchone()

    # --- lifecycle ----------------------------------------------------

    def is_running(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n=40):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "--- %s server log (last %d lines) ---\n%s" % (
                self.kind, n, "\n".join(lines[-n:]))
        except OSError:
            return "(no server log)"

    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if not self.is_running():
                raise AssertionError("%s exited with %s during startup\n%s"
                                     % (self.kind, self.proc.returncode,
                                        self.log_tail()))
            try:
                with psycopg.connect(self.dsn(connect_timeout=2),
                                     autocommit=True) as c:
                    c.execute("SELECT 1").fetchone()
                return
            except psycopg.Error as e:
                last = e
            time.sleep(0.1)
        raise AssertionError("%s not ready after %.0f s: %s\n%s"
                             % (self.kind, timeout, last, self.log_tail()))

    def restart(self):
        self.stop()
        self.start()

    def _open_log(self):
        return open(self.log_path, "ab")


class TriodeNode(Node):
    kind = "triode"

    def __init__(self, root):
        super().__init__(root)
        self.cluster_port = free_port()
        self.data_dir = os.path.join(root, "data")
        os.mkdir(self.data_dir, 0o700)

    def start(self, wait=True):
        if not os.access(TRIODE_BIN, os.X_OK):
            # Under CTest (TRIODE_BIN given) a missing binary is a failure,
            # never a quiet skip.
            if "TRIODE_BIN" in os.environ:
                pytest.fail("triode binary not found at %s" % TRIODE_BIN)
            pytest.skip("triode binary not found at %s (set TRIODE_BIN)"
                        % TRIODE_BIN)
        self.killed = False
        env = dict(os.environ, TRIODE_PASSWORD=self.password,
                   **getattr(self, "extra_env", {}))
        cmd = [TRIODE_BIN, "serve", "--data-dir", self.data_dir,
               "--listen", "%s:%d" % (HOST, self.port),
               "--cluster-address", "%s:%d" % (HOST, self.cluster_port)]
        cmd += getattr(self, "extra_args", [])
        with self._open_log() as log:
            self.proc = subprocess.Popen(cmd, env=env, stdout=log,
                                         stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL,
                                         start_new_session=True, cwd=self.root)
        if wait:
            self.wait_ready()

    def stop(self):
        """Stop by SIGTERM and check the node ended well: exit status 0
        and no crash or sanitizer report in its log, so a fault after a
        test's last assertion still fails the run."""
        if self.proc is None or getattr(self, "killed", False):
            return  # never started, or killed on purpose by kill9()
        _stop_pid(self.proc, signal.SIGTERM)
        code = self.proc.returncode
        bad = [m for m in BAD_LOG_MARKERS if m in self.log_text()]
        if code != 0 or bad:
            raise AssertionError(
                "triode did not stop cleanly (exit status %s%s)\n%s"
                % (code, ", log mentions " + ", ".join(bad) if bad else "",
                   self.log_tail()))

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def kill9(self):
        self.killed = True
        if self.is_running():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=STOP_TIMEOUT)


class PostgresNode(Node):
    """A throwaway PostgreSQL 15 cluster, run as the `postgres` OS user
    when we are root (initdb refuses root)."""

    kind = "postgres"

    def __init__(self, root):
        super().__init__(root)
        self.data_dir = os.path.join(root, "data")
        self.run_as = None
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            self.run_as = (pw.pw_uid, pw.pw_gid)
            os.chown(root, *self.run_as)
        self._initdb()

    def _run(self, cmd, **kw):
        if self.run_as:
            kw.setdefault("user", self.run_as[0])
            kw.setdefault("group", self.run_as[1])
        return subprocess.run(cmd, check=True, capture_output=True,
                              timeout=120, **kw)

    def _initdb(self):
        pwfile = os.path.join(self.root, "pwfile")
        with open(pwfile, "w") as f:
            f.write(self.password + "\n")
        if self.run_as:
            os.chown(pwfile, *self.run_as)
        self._run([os.path.join(PG_BINDIR, "initdb"), "-D", self.data_dir,
                   "-U", "postgres", "--auth=scram-sha-256",
                   "--pwfile=" + pwfile, "-E", "UTF8", "--locale=C.UTF-8",
                   "--no-sync"])
        os.unlink(pwfile)
        crt = os.path.join(self.data_dir, "server.crt")
        key = os.path.join(self.data_dir, "server.key")
        self._run(["openssl", "req", "-x509", "-newkey", "ec",
                   "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                   "-keyout", key, "-out", crt, "-days", "2",
                   "-subj", "/CN=localhost"])
        os.chmod(key, 0o600)
        with open(os.path.join(self.data_dir, "postgresql.conf"), "a") as f:
            f.write("\n# triode integration tests\n"
                    "listen_addresses = '%s'\n"
                    "port = %d\n"
                    "unix_socket_directories = '%s'\n"
                    "ssl = on\n"
                    "password_encryption = 'scram-sha-256'\n"
                    "max_connections = 120\n"
                    "fsync = off\n"
                    "logging_collector = off\n"
                    % (HOST, self.port, self.root))
        with open(os.path.join(self.data_dir, "pg_hba.conf"), "w") as f:
            f.write("local all all scram-sha-256\n"
                    "host all all 127.0.0.1/32 scram-sha-256\n")

    def start(self):
        kw = {}
        if self.run_as:
            kw = {"user": self.run_as[0], "group": self.run_as[1]}
        with self._open_log() as log:
            self.proc = subprocess.Popen(
                [os.path.join(PG_BINDIR, "postgres"), "-D", self.data_dir],
                stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True, **kw)
        self.wait_ready()

    def stop(self):
        # SIGINT is PostgreSQL's fast shutdown; the group catches backends.
        _stop_pid(self.proc, signal.SIGINT, group=True)

    def kill9(self):
        self.killed = True
        if self.is_running():
            # The whole group, so no orphaned backend holds shared memory.
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=STOP_TIMEOUT)
            time.sleep(0.2)


NODE_CLASSES = {"triode": TriodeNode, "postgres": PostgresNode}


def _make_node():
    if TARGET not in NODE_CLASSES:
        raise pytest.UsageError("TRIODE_TEST_TARGET must be one of %s"
                                % sorted(NODE_CLASSES))
    root = tempfile.mkdtemp(prefix="triode-it-")
    try:
        return NODE_CLASSES[TARGET](root)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise


def _destroy_node(n, failed=False):
    try:
        n.stop()
    finally:
        if failed and os.environ.get("TRIODE_KEEP_FAILED"):
            print("keeping %s" % n.root, file=sys.stderr)
        else:
            shutil.rmtree(n.root, ignore_errors=True)


@pytest.fixture(scope="session")
def node():
    """One server shared by the whole session (tests use unique table
    names).  Tests that restart or kill a server use fresh_node."""
    n = _make_node()
    try:
        n.start()
        yield n
    finally:
        _destroy_node(n)


@pytest.fixture
def fresh_node():
    """A server of its own, for tests that kill or restart it."""
    n = _make_node()
    try:
        n.start()
        yield n
    finally:
        _destroy_node(n)


@pytest.fixture
def table(node):
    """A unique table name; the table is dropped afterwards if it exists."""
    name = unique_name()
    yield name
    try:
        with node.connect() as c:
            c.execute("DROP TABLE IF EXISTS %s" % name)
    except psycopg.Error:
        pass


class TestTimeout(Exception):
    pass


@pytest.fixture(autouse=True)
def watchdog():
    """SIGALRM after TEST_TIMEOUT seconds raises in the main thread, which
    interrupts a blocking socket or psycopg wait; teardown still runs."""
    def on_alarm(signum, frame):
        raise TestTimeout("test exceeded %.0f s (TRIODE_TEST_TIMEOUT)"
                          % TEST_TIMEOUT)
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, TEST_TIMEOUT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)




@pytest.fixture
def is_triode():
    return TARGET == "triode"


def pytest_report_header(config):
    return "target: %s (%s)" % (
        TARGET, TRIODE_BIN if TARGET == "triode" else PG_BINDIR)


def node_env():
    """The environment for node scripts: NODE_PATH with Debian's module
    folders and npm's global root (scripts/deps.sh installs there)."""
    paths = ["/usr/share/nodejs", "/usr/lib/nodejs",
             "/usr/lib/node_modules", "/usr/local/lib/node_modules"]
    if shutil.which("npm"):
        try:
            root = subprocess.run(["npm", "root", "-g"], capture_output=True,
                                  text=True, timeout=30).stdout.strip()
            if root:
                paths.insert(0, root)
        except (OSError, subprocess.TimeoutExpired):
            pass
    old = os.environ.get("NODE_PATH")
    if old:
        paths.insert(0, old)
    return dict(os.environ, NODE_PATH=os.pathsep.join(paths))
