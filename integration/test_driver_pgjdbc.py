"""pgjdbc (Debian's libpostgresql-jdbc-java): java/DriverCheck.java is
compiled at test time and run once against the node; each check prints
"OK name" or "FAIL name: ..." and is asserted by its own test below."""

import os
import shutil
import subprocess
import uuid

import pytest

from conftest import TARGET

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "java", "DriverCheck.java")
JDBC_JAR = os.environ.get("TRIODE_PGJDBC_JAR", "/usr/share/java/postgresql.jar")
JAVA_TIMEOUT = 120

CHECKS = ["types", "metadata", "dbmeta_tables", "dbmeta_columns",
          "dbmeta_keys", "dbmeta_indexes", "rsmeta_table", "nulls", "batch",
          "transactions", "errors", "prepare_threshold", "fetch_size",
          "copy", "cancel"]

XFAIL = {}


def _missing():
    for tool in ("javac", "java"):
        if shutil.which(tool) is None:
            return "%s not found (default-jdk-headless, scripts/deps.sh)" % tool
    if not os.path.exists(JDBC_JAR):
        return "%s not found (libpostgresql-jdbc-java, scripts/deps.sh)" \
            % JDBC_JAR
    return None


@pytest.fixture(scope="module")
def jdbc_results(node, tmp_path_factory):
    why = _missing()
    if why:
        pytest.skip(why)
    out = str(tmp_path_factory.mktemp("javac"))
    cp = subprocess.run(["javac", "-d", out, "-cp", JDBC_JAR, SOURCE],
                        capture_output=True, text=True, timeout=JAVA_TIMEOUT)
    assert cp.returncode == 0, cp.stderr
    suffix = uuid.uuid4().hex[:10]
    cp = subprocess.run(["java", "-cp", out + os.pathsep + JDBC_JAR,
                         "DriverCheck", str(node.port), node.password,
                         suffix],
                        capture_output=True, text=True, timeout=JAVA_TIMEOUT)
    assert cp.returncode == 0 and "DONE" in cp.stdout.splitlines(), \
        "java exited %d\n%s\n%s" % (cp.returncode, cp.stdout, cp.stderr)
    results = {}
    for line in cp.stdout.splitlines():
        if line.startswith("OK "):
            results[line[3:]] = None
        elif line.startswith("FAIL "):
            name, _, msg = line[5:].partition(": ")
            results[name] = msg
    return results


@pytest.mark.parametrize("check", [
    pytest.param(c, marks=pytest.mark.xfail(TARGET == "triode",
                                            reason=XFAIL[c], strict=True))
    if c in XFAIL else c for c in CHECKS])
def test_pgjdbc(jdbc_results, check):
    assert check in jdbc_results, "check %s did not run" % check
    assert jdbc_results[check] is None, jdbc_results[check]
