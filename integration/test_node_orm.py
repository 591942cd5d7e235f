"""Node.js ORMs: Sequelize 6 and knex 3 (npm packages installed globally
by scripts/deps.sh, over node-postgres).  node/sequelize_check.js and
node/knex_check.js each run once against the node; every check prints
"OK name" or "FAIL name: ..." and is asserted by its own test below.
The same expectations hold against PostgreSQL 15
(TRIODE_TEST_TARGET=postgres).

Sequelize: models with hasMany/belongsTo and belongsToMany through a
join table, sync() (CREATE TYPE ... AS ENUM in a DO block, CREATE TABLE
IF NOT EXISTS, pg_index introspection), describeTable and
getForeignKeyReferencesForTable (information_schema), showIndex,
includes, transactions with savepoints, findAndCountAll, upsert,
bulkCreate, JSONB and ENUM columns, sync({ alter: true }).
knex: the schema builder, hasTable/hasColumn/columnInfo, alterTable,
joins, returning, onConflict().merge()/ignore(), nested transactions."""

import os
import shutil
import subprocess
import uuid

import pytest

from conftest import TARGET, node_env

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_TIMEOUT = 180

SEQUELIZE_CHECKS = ["sync", "describe_table", "show_index", "foreign_keys",
                    "crud_include", "json_enum", "transaction",
                    "find_and_count", "upsert", "bulk_create", "alter",
                    "alter_keeps_references", "drop"]
KNEX_CHECKS = ["create_tables", "insert_returning", "joins", "upsert_merge",
               "transactions", "alter_table", "drop"]

# (orm, check) -> why triode fails it today (strict xfail); none now.
XFAIL = {}


def _run(node, script, module):
    if shutil.which("node") is None:
        pytest.skip("node not found (nodejs, scripts/deps.sh)")
    env = node_env()
    probe = subprocess.run(
        ["node", "-e", "require('pg'); require('%s')" % module], env=env,
        capture_output=True, text=True, timeout=NODE_TIMEOUT)
    if probe.returncode != 0:
        pytest.skip("node cannot require pg and %s (scripts/deps.sh): %s"
                    % (module, probe.stderr.strip()[-300:]))
    cp = subprocess.run(["node", os.path.join(HERE, "node", script),
                         str(node.port), node.password,
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


@pytest.fixture(scope="module")
def sequelize_results(node):
    return _run(node, "sequelize_check.js", "sequelize")


@pytest.fixture(scope="module")
def knex_results(node):
    return _run(node, "knex_check.js", "knex")


def _params(orm, checks):
    return [pytest.param(c, marks=pytest.mark.xfail(
        TARGET == "triode", reason=XFAIL[(orm, c)], strict=True))
        if (orm, c) in XFAIL else c for c in checks]


@pytest.mark.parametrize("check", _params("sequelize", SEQUELIZE_CHECKS))
def test_sequelize(sequelize_results, check):
    assert check in sequelize_results, "check %s did not run" % check
    assert sequelize_results[check] is None, sequelize_results[check]


@pytest.mark.parametrize("check", _params("knex", KNEX_CHECKS))
def test_knex(knex_results, check):
    assert check in knex_results, "check %s did not run" % check
    assert knex_results[check] is None, knex_results[check]
