#!/usr/bin/python3
"""Write integration/sql/expected/NN_topic.out from a real PostgreSQL 15.

    /usr/bin/python3 integration/sql/generate.py [NN_topic.sql ...]

Starts a throwaway PostgreSQL 15 with the same code the integration tests
use (conftest.PostgresNode: initdb in a temp dir, a free loopback port),
runs every corpus file (or the ones named) statement by statement in one
autocommit session per file over the simple query protocol, and stores
what PostgreSQL answered.  How files are split into statements and how
results are stored is described at the top of corpus.py.

Review the diff of expected/ before committing: the stored files are the
specification triode is tested against.
"""

import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))  # integration/, for conftest

import corpus  # noqa: E402
import conftest  # noqa: E402


def main(argv):
    names = argv or corpus.corpus_files()
    os.makedirs(corpus.EXPECTED_DIR, exist_ok=True)
    root = tempfile.mkdtemp(prefix="triode-corpus-")
    node = None
    try:
        node = conftest.PostgresNode(root)
        node.start()
        for name in names:
            blocks = corpus.run_file(node.dsn(), name)
            out = os.path.join(corpus.EXPECTED_DIR,
                               name[:-len(".sql")] + ".out")
            with open(out, "w", encoding="utf-8") as f:
                for _, block in blocks:
                    f.write(block + "\n\n")
            errors = sum(1 for _, b in blocks if "\nerror: " in b)
            print("%s: %d statements, %d errors" % (name, len(blocks),
                                                     errors))
    finally:
        if node is not None:
            node.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
