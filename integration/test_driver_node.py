"""node-postgres (`pg`): node/driver_check.js is run once against the
node; each check prints "OK name" or "FAIL name: ..." and is asserted by
its own test below.  `pg` is Debian's node-pg (/usr/share/nodejs) or, on
an image whose nodejs conflicts with it, the npm package installed
globally by scripts/deps.sh."""

import os
import shutil
import subprocess
import uuid

import pytest

from conftest import TARGET, node_env

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "node", "driver_check.js")
NODE_TIMEOUT = 60

CHECKS = ["parameters", "types", "nulls", "transaction", "errors",
          "named_statement", "copy"]

XFAIL = {}


@pytest.fixture(scope="module")
def node_results(node):
    if shutil.which("node") is None:
        pytest.skip("node not found (nodejs, scripts/deps.sh)")
    env = node_env()
    probe = subprocess.run(["node", "-e", "require('pg')"], env=env,
                           capture_output=True, text=True,
                           timeout=NODE_TIMEOUT)
    if probe.returncode != 0:
        pytest.skip("node cannot require('pg') (node-pg or npm pg, "
                    "scripts/deps.sh): %s" % probe.stderr.strip()[-300:])
    cp = subprocess.run(["node", SCRIPT, str(node.port), node.password,
                         uuid.uuid4().hex[:10]], env=env,
                        capture_output=True, text=True, timeout=NODE_TIMEOUT)
    assert cp.returncode == 0 and "DONE" in cp.stdout.splitlines(), \
        "node exited %d\n%s\n%s" % (cp.returncode, cp.stdout, cp.stderr)
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
def test_node_postgres(node_results, check):
    assert check in node_results, "check %s did not run" % check
    assert node_results[check] is None, node_results[check]
