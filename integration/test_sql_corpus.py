"""The golden SQL corpus (integration/sql/): every statement of every
NN_topic.sql file, run in one session per file, must give what
PostgreSQL 15 gave (integration/sql/expected/NN_topic.out, written by
integration/sql/generate.py): the same columns, rows and command tag, or
the same SQLSTATE.

On triode two lists soften that, and both are checked for staleness:
  sql/unsupported.txt     the statement may instead fail with 0A000
                          (a documented unsupported construct);
  sql/known_failures.txt  the statement is known to differ today; the
                          test fails once it matches (strict xfail), so a
                          fix must remove its entry.
Against PostgreSQL (TRIODE_TEST_TARGET=postgres) neither list applies:
every statement must match, which proves the stored files.
"""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "sql"))
import corpus  # noqa: E402
from conftest import TARGET  # noqa: E402

UNSUPPORTED = os.path.join(corpus.HERE, "unsupported.txt")
KNOWN_FAILURES = os.path.join(corpus.HERE, "known_failures.txt")


def _indent(text):
    return "\n".join("      " + line for line in text.splitlines())


@pytest.mark.parametrize("name", corpus.corpus_files())
def test_sql_corpus(node, name):
    stmts = corpus.read_statements(name)
    out_path = os.path.join(corpus.EXPECTED_DIR, name[:-4] + ".out")
    with open(out_path, encoding="utf-8") as f:
        expected = corpus.parse_expected(f.read())
    unsupported, problems = corpus.entries_by_statement(UNSUPPORTED, name, stmts)
    known, more = corpus.entries_by_statement(KNOWN_FAILURES, name, stmts)
    problems += more
    if set(expected) != set(range(1, len(stmts) + 1)):
        problems.append("%s has %d blocks for %d statements: rerun "
                        "integration/sql/generate.py"
                        % (out_path, len(expected), len(stmts)))

    failures = []
    passed = 0
    for i, (stmt, got) in enumerate(corpus.run_file(node.dsn(), name), 1):
        want = expected.get(i, "(no expected block)")
        same = got == want
        if TARGET != "triode":
            ok, why = same, "differs from PostgreSQL"
        elif i in unsupported:
            e = unsupported[i]
            ok = not same and got.endswith("\nerror: 0A000")
            why = ("now matches PostgreSQL: remove the stale entry %s"
                   % e["where"] if same else
                   "listed as unsupported (%s) but did not fail with 0A000"
                   % e["where"])
        elif i in known:
            e = known[i]
            ok = not same
            why = ("now matches PostgreSQL: remove the stale entry %s (%s)"
                   % (e["where"], e["reason"]))
        else:
            ok, why = same, "differs from PostgreSQL"
        passed += same
        if not ok:
            failures.append("  statement %d: %s\n    expected:\n%s\n    got:\n%s"
                            % (i, why, _indent(want), _indent(got)))

    if problems or failures:
        pytest.fail("%s: %d of %d statements match PostgreSQL; %d problems:\n"
                    "%s" % (name, passed, len(stmts),
                            len(problems) + len(failures),
                            "\n".join(problems + failures)),
                    pytrace=False)
