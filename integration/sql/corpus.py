"""The golden SQL corpus: splitting, running and rendering, shared by
generate.py (writes expected/*.out from PostgreSQL 15) and
integration/test_sql_corpus.py (compares a server with them).

Splitting rule (the corpus files are written to follow it):
  * outside a statement, blank lines and lines starting with `--` are
    skipped;
  * a statement starts at the next other line and ends at the first line
    whose last non-blank character is `;` (so `;` inside a string or in
    the middle of a line does not end it);
  * the statement is sent as written, trailing `;` included, as one
    simple-protocol Query message.
So a statement must not contain a blank line, and a line inside a
multi-line statement must not end with `;` unless the statement ends there.

Stored format (expected/NN_topic.out), one block per statement:

    ==== 7
    SELECT 1 AS a, NULL AS b;
    columns: a|b
    row: 1|\\N
    tag: SELECT 1

or `error: <SQLSTATE>` instead of the columns/row/tag lines.  Values are
PostgreSQL's text output, untouched; in a row, `\\` `|` newline and tab
are escaped as `\\\\` `\\|` `\\n` `\\t`, and NULL is `\\N` (COPY's
conventions, so every value fits on one line and nothing is ambiguous).
Error messages are not stored: only the SQLSTATE is PostgreSQL's contract.
"""

import os
import re
import select
import time

import psycopg
from psycopg.pq import DiagnosticField, ExecStatus

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED_DIR = os.path.join(HERE, "expected")

# Sent at the start of every session, on PostgreSQL and on triode alike,
# so that the output does not depend on either server's defaults.
SESSION_SETTINGS = [
    "SET TimeZone TO 'UTC'",
    "SET DateStyle TO 'ISO, MDY'",
    "SET IntervalStyle TO 'postgres'",
    "SET extra_float_digits TO 1",
]

# A statement that takes longer than this is recorded as a timeout and
# the session is replaced, so one hung statement cannot hang the file.
STATEMENT_TIMEOUT = 20.0

BLOCK_HEADER = re.compile(r"^==== (\d+)$")


def corpus_files():
    """The corpus file names (NN_topic.sql), in order."""
    return sorted(f for f in os.listdir(HERE)
                  if re.match(r"^\d\d_\w+\.sql$", f))


def split_statements(text):
    """Statements of a corpus file, by the rule in the module docstring."""
    stmts = []
    cur = []
    for line in text.splitlines():
        stripped = line.strip()
        if not cur and (not stripped or stripped.startswith("--")):
            continue
        if not stripped:
            raise ValueError("blank line inside a statement: %r"
                             % "\n".join(cur))
        cur.append(line.rstrip())
        if stripped.endswith(";"):
            stmts.append("\n".join(cur))
            cur = []
    if cur:
        raise ValueError("statement without a final ';': %r"
                         % "\n".join(cur))
    return stmts


def read_statements(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return split_statements(f.read())


def normalize(stmt):
    """Whitespace-collapsed statement text, used for substring matching."""
    return " ".join(stmt.split())


def _escape(value):
    if value is None:
        return "\\N"
    s = value.decode("utf-8")
    return (s.replace("\\", "\\\\").replace("|", "\\|")
            .replace("\n", "\\n").replace("\t", "\\t"))


def render_result(res):
    """The result lines of one PGresult, in the stored format."""
    if res.status == ExecStatus.FATAL_ERROR:
        state = res.error_field(DiagnosticField.SQLSTATE)
        return ["error: %s" % (state.decode() if state else "?????")]
    lines = []
    if res.status == ExecStatus.TUPLES_OK:
        names = [_escape(res.fname(i)) for i in range(res.nfields)]
        lines.append("columns: " + "|".join(names))
        for r in range(res.ntuples):
            lines.append("row: " + "|".join(_escape(res.get_value(r, c))
                                            for c in range(res.nfields)))
    elif res.status != ExecStatus.COMMAND_OK:
        lines.append("status: %s" % ExecStatus(res.status).name)
    lines.append("tag: %s" % (res.command_status or b"").decode())
    return lines


def render_block(index, stmt, result_lines):
    return "\n".join(["==== %d" % index, stmt] + result_lines)


def parse_expected(text):
    """{index: block text} from a stored .out file (blocks are separated
    by a blank line, which is not part of the block)."""
    blocks = {}
    lines = None
    for line in text.splitlines():
        m = BLOCK_HEADER.match(line)
        if m:
            lines = blocks.setdefault(int(m.group(1)), [])
        if lines is not None:
            lines.append(line)
    return {i: "\n".join(b).rstrip("\n") for i, b in blocks.items()}


class Session:
    """One autocommit connection speaking the simple query protocol
    through libpq (psycopg's pq layer), so values arrive as the server's
    own text, with no client-side conversion."""

    def __init__(self, dsn):
        self.dsn = dsn
        self.conn = None
        # The primary message of the last error, for triage.py only: the
        # stored format keeps SQLSTATEs, not messages.
        self.last_message = None

    def _open(self):
        self.conn = psycopg.connect(self.dsn, autocommit=True)
        for s in SESSION_SETTINGS:
            lines = self._run(s)
            if lines[0].startswith("error"):
                raise AssertionError("session setting %r failed: %s"
                                     % (s, lines[0]))

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except psycopg.Error:
                pass
            self.conn = None

    def _run(self, sql):
        """Send @sql, wait at most STATEMENT_TIMEOUT, render its result."""
        pg = self.conn.pgconn
        pg.send_query(sql.encode("utf-8"))
        while pg.flush() != 0:
            select.select([], [pg.socket], [], 1.0)
        deadline = time.monotonic() + STATEMENT_TIMEOUT
        results = []
        while True:
            while pg.is_busy():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("statement timed out")
                select.select([pg.socket], [], [], left)
                pg.consume_input()
            res = pg.get_result()
            if res is None:
                break
            results.append(res)
        if not results:
            raise psycopg.OperationalError(pg.error_message.decode())
        if len(results) > 1:
            return ["error: more than one result"]
        msg = results[0].error_field(DiagnosticField.MESSAGE_PRIMARY)
        self.last_message = msg.decode("utf-8", "replace") if msg else None
        return render_result(results[0])

    def run(self, sql):
        """Result lines of @sql.  A lost connection or a timeout is
        recorded as such and the next statement gets a fresh session."""
        try:
            if self.conn is None:
                self._open()
            lines = self._run(sql)
        except TimeoutError:
            self.close()
            return ["error: timeout"]
        except psycopg.OperationalError:
            self.close()
            return ["error: connection lost"]
        if self.conn.pgconn.status != 0:  # CONNECTION_OK
            self.close()
        return lines


def run_file(dsn, name, messages=None):
    """[(statement, block text)] for every statement of corpus file
    @name, run in order in one session.  If @messages is a dict, it gets
    {index: error message} for the statements that failed."""
    out = []
    session = Session(dsn)
    try:
        for i, stmt in enumerate(read_statements(name), 1):
            session.last_message = None
            out.append((stmt, render_block(i, stmt, session.run(stmt))))
            if messages is not None and session.last_message:
                messages[i] = session.last_message
    finally:
        session.close()
    return out


def read_list(path):
    """Entries of unsupported.txt / known_failures.txt:
    `file | statement substring | reason`, one per line; `#` lines and
    blank lines are comments.  The substring is matched against the
    whitespace-collapsed statement and must not contain ` | `."""
    entries = []
    if not os.path.exists(path):
        return entries
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split(" | ", 2)
            if len(parts) != 3:
                raise ValueError("%s:%d: want 'file | substring | reason'"
                                 % (path, n))
            entries.append({"file": parts[0].strip(), "substr": parts[1],
                            "reason": parts[2].strip(), "line": n})
    return entries


def entries_by_statement(path, name, stmts):
    """{statement index: entry} for the entries of @path about file @name.
    An entry must name exactly one statement: by a substring of the
    whitespace-collapsed text, or, when several contain it, by being
    equal to one of them."""
    found = {}
    problems = []
    texts = [normalize(s) for s in stmts]
    for e in read_list(path):
        if e["file"] != name:
            continue
        hits = [i for i, t in enumerate(texts, 1) if e["substr"] in t]
        n_hits = len(hits)
        if n_hits > 1:
            hits = [i for i, t in enumerate(texts, 1) if e["substr"] == t]
        where = "%s:%d" % (os.path.basename(path), e["line"])
        if len(hits) != 1:
            problems.append("%s: %r is in %d statements of %s, not one"
                            % (where, e["substr"], n_hits, name))
        elif hits[0] in found:
            problems.append("%s: statement %d is listed twice"
                            % (where, hits[0]))
        else:
            found[hits[0]] = dict(e, where=where)
    return found, problems
