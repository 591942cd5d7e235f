#!/usr/bin/python3
"""Run the corpus against triode and show, for every statement that does
not give PostgreSQL's answer, the difference in one line (with triode's
error message), so failures can be grouped by cause.

    TRIODE_BIN=build/server/triode /usr/bin/python3 integration/sql/triage.py
        [--write] [NN_topic.sql ...]

--write rewrites known_failures.txt: one entry per differing statement
that unsupported.txt does not excuse, keeping the reason already written
for a statement that is still listed, and a generated one otherwise
(edit those by hand).  Entries for statements that now match go away.
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

UNSUPPORTED = os.path.join(HERE, "unsupported.txt")
KNOWN_FAILURES = os.path.join(HERE, "known_failures.txt")
SUBSTR_MIN = 40


def result_lines(block):
    """The block without its header and statement lines."""
    return [l for l in block.splitlines()
            if l.split(":", 1)[0] in ("columns", "row", "tag", "error",
                                      "status")]


def describe(want, got, message):
    """A short reason: what triode did instead of PostgreSQL's answer."""
    w, g = result_lines(want), result_lines(got)
    w_err = w[0][7:] if w and w[0].startswith("error: ") else None
    g_err = g[0][7:] if g and g[0].startswith("error: ") else None
    msg = (": " + message) if message else ""
    if g_err and w_err:
        return "%s instead of %s%s" % (g_err, w_err, msg)
    if g_err:
        return "%s%s" % (g_err, msg)
    if w_err:
        return "succeeds (%s) instead of %s" % (g[-1], w_err)
    for a, b in zip(w, g):
        if a != b:
            return "got %r, want %r" % (b, a)
    return "got %d result lines, want %d" % (len(g), len(w))


def pick_substring(texts, i):
    """A short prefix of statement @i (1-based) that no other statement
    of the file contains (the whole statement if need be), cut before any
    ` | ` since that separates the fields of a list entry."""
    text = texts[i - 1].split(" | ")[0]
    words = text.split(" ")
    for n in range(1, len(words) + 1):
        cand = " ".join(words[:n])
        if len(cand) < SUBSTR_MIN and n < len(words):
            continue
        if sum(1 for t in texts if cand in t) == 1:
            return cand
    return text


def main(argv):
    write = "--write" in argv
    names = [a for a in argv if not a.startswith("--")] or \
        corpus.corpus_files()
    root = tempfile.mkdtemp(prefix="triode-triage-")
    node = conftest.TriodeNode(root)
    new_entries = []
    total = passed = 0
    try:
        node.start()
        for name in names:
            stmts = corpus.read_statements(name)
            texts = [corpus.normalize(s) for s in stmts]
            with open(os.path.join(corpus.EXPECTED_DIR,
                                   name[:-4] + ".out")) as f:
                expected = corpus.parse_expected(f.read())
            unsupported, _ = corpus.entries_by_statement(UNSUPPORTED, name,
                                                         stmts)
            known, _ = corpus.entries_by_statement(KNOWN_FAILURES, name,
                                                   stmts)
            messages = {}
            for i, (stmt, got) in enumerate(
                    corpus.run_file(node.dsn(), name, messages), 1):
                total += 1
                want = expected.get(i, "")
                if got == want:
                    passed += 1
                    continue
                excused = (i in unsupported
                           and got.endswith("\nerror: 0A000"))
                reason = describe(want, got, messages.get(i))
                print("%s #%d %s\n    %s%s" % (
                    name, i, texts[i - 1][:150], reason,
                    " [unsupported.txt]" if excused else ""))
                if not excused:
                    old = known.get(i)
                    new_entries.append((name, old["substr"] if old else
                                        pick_substring(texts, i),
                                        old["reason"] if old else
                                        reason.replace("\n", " ")))
    finally:
        node.stop()
        shutil.rmtree(root, ignore_errors=True)
    print("%d of %d statements match PostgreSQL" % (passed, total))
    if write:
        keep = [e for e in corpus.read_list(KNOWN_FAILURES)
                if e["file"] not in names]
        with open(KNOWN_FAILURES, "w", encoding="utf-8") as f:
            f.write("# Corpus statements known to differ on triode today, "
                    "one per line:\n#   file | statement substring | "
                    "cause :: what triode did\n# test_sql_corpus.py fails when a "
                    "listed statement matches PostgreSQL:\n# remove the "
                    "entry with the fix (or rerun triage.py --write).\n")
            rows = [(e["file"], e["substr"], e["reason"]) for e in keep]
            for row in sorted(rows + new_entries,
                              key=lambda r: r[0]):
                f.write("%s | %s | %s\n" % row)


if __name__ == "__main__":
    main(sys.argv[1:])
