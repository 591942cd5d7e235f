"""COPY FROM STDIN / TO STDOUT with psql's \\copy and psycopg 3."""

import os
import subprocess

import psycopg
import pytest


def psql(node, *args, stdin=None):
    env = dict(os.environ, PGPASSWORD=node.password)
    return subprocess.run(
        ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
         str(node.port), "-U", "postgres", "-d", "postgres", *args],
        input=stdin, capture_output=True, text=True, timeout=120, env=env)


def test_psql_copy_in_and_out_text_and_csv(node, tmp_path):
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE cp (id int4 PRIMARY KEY, name text, "
                  "d date, ok bool)")
    data = tmp_path / "in.tsv"
    data.write_text("1\tone\t2024-01-01\tt\n2\t\\N\t2024-01-02\tf\n"
                    "3\ttab\\there\t2024-01-03\tt\n")
    r = psql(node, "-c", "\\copy cp from '%s'" % data)
    assert r.returncode == 0 and "COPY 3" in r.stdout, r.stderr
    csv = tmp_path / "in.csv"
    csv.write_text('id,name,d,ok\n4,"quoted, comma",2024-01-04,true\n'
                   '5,,2024-01-05,false\n')
    r = psql(node, "-c", "\\copy cp from '%s' with (format csv, header)"
             % csv)
    assert r.returncode == 0 and "COPY 2" in r.stdout, r.stderr
    r = psql(node, "-c", "\\copy (select * from cp order by id) to stdout "
             "with (format csv, header)")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "id,name,d,ok",
        "1,one,2024-01-01,t",
        "2,,2024-01-02,f",
        "3,tab\there,2024-01-03,t",
        '4,"quoted, comma",2024-01-04,t',
        "5,,2024-01-05,f",
    ]
    r = psql(node, "-c", "\\copy cp to stdout")
    assert "2\t\\N\t2024-01-02\tf" in r.stdout.splitlines()


def test_a_bad_row_aborts_the_copy_with_its_line(node):
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE cp_bad (id int4 PRIMARY KEY, v text)")
    r = psql(node, "-c", "copy cp_bad from stdin",
             stdin="1\ta\n2\tb\nx\tc\n4\td\n\\.\n")
    assert r.returncode != 0
    assert 'invalid input syntax for type integer: "x"' in r.stderr
    assert "COPY cp_bad, line 3" in r.stderr
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        # Nothing of it stayed; the session goes on.
        assert c.execute("SELECT count(*) FROM cp_bad").fetchone() == (0,)


def test_psycopg_copy_large_in_and_out(node):
    rows = [(i, "name %d" % i, None if i % 7 == 0 else i * 1.5)
            for i in range(20000)]
    with psycopg.connect(node.dsn(), autocommit=True) as c:
        c.execute("CREATE TABLE cp_big (id int4 PRIMARY KEY, name text, "
                  "x float8)")
        with c.cursor().copy("COPY cp_big (id, name, x) FROM STDIN") as cp:
            for r in rows:
                cp.write_row(r)
        assert c.execute("SELECT count(*), count(x) FROM cp_big"
                         ).fetchone() == (20000, 20000 - len(
                             [r for r in rows if r[2] is None]))
        out = []
        with c.cursor().copy("COPY (SELECT id, name, x FROM cp_big ORDER "
                             "BY id) TO STDOUT") as cp:
            for row in cp.rows():
                out.append((int(row[0]), row[1],
                            None if row[2] is None else float(row[2])))
        assert out == rows
        # A client-side failure (CopyFail) rolls the COPY back.
        with pytest.raises(psycopg.errors.QueryCanceled):
            with c.cursor().copy("COPY cp_big FROM STDIN") as cp:
                cp.write_row((99999, "x", 1.0))
                raise psycopg.errors.QueryCanceled("client gave up")
        assert c.execute("SELECT count(*) FROM cp_big WHERE id = 99999"
                         ).fetchone() == (0,)
