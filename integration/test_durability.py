"""Committed data survives kill -9 and a restart on the same data
directory; uncommitted data does not come back."""

import psycopg


def test_kill9_restart_keeps_committed_rows(fresh_node):
    n = fresh_node
    with n.connect() as c:
        c.execute("CREATE TABLE dur (id int4 PRIMARY KEY, v text)")
        for i in range(100):
            c.execute("INSERT INTO dur VALUES (%d, 'v%d')" % (i, i))
        c.execute("BEGIN")
        c.execute("INSERT INTO dur VALUES (1000, 'tx1'), (1001, 'tx2')")
        c.execute("COMMIT")
        c.execute("UPDATE dur SET v = 'updated' WHERE id = 0")
        c.execute("DELETE FROM dur WHERE id = 99")

    # An open, uncommitted transaction at the moment of the kill.
    open_tx = n.connect()
    open_tx.execute("BEGIN")
    open_tx.execute("INSERT INTO dur VALUES (5000, 'uncommitted')")

    n.kill9()
    try:
        open_tx.close()
    except psycopg.Error:
        pass
    n.start()

    with n.connect() as c:
        assert c.execute("SELECT count(*) FROM dur").fetchone() == (101,)
        assert c.execute("SELECT v FROM dur WHERE id = 0").fetchone() == (
            "updated",)
        assert c.execute("SELECT count(*) FROM dur WHERE id = 99"
                         ).fetchone() == (0,)
        assert c.execute("SELECT v FROM dur WHERE id = 1001").fetchone() == (
            "tx2",)
        assert c.execute("SELECT count(*) FROM dur WHERE id = 5000"
                         ).fetchone() == (0,)
        # The node accepts writes after the restart.
        c.execute("INSERT INTO dur VALUES (5000, 'after')")


def test_repeated_kill9(fresh_node):
    n = fresh_node
    n.psql("CREATE TABLE rep (id int4 PRIMARY KEY)")
    for round_ in range(3):
        n.psql("INSERT INTO rep VALUES (%d)" % round_)
        n.kill9()
        n.start()
    assert n.query_one("SELECT count(*) FROM rep") == (3,)


def test_clean_restart_keeps_data(fresh_node):
    n = fresh_node
    n.psql("CREATE TABLE clean (id int4 PRIMARY KEY)")
    n.psql("INSERT INTO clean VALUES (1), (2)")
    n.restart()
    assert n.query_one("SELECT count(*) FROM clean") == (2,)
