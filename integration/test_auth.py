"""Authentication and connection-level errors: TLS with sslmode=require,
plaintext (allowed by default), SCRAM failures (28P01, same text for an
unknown user and a wrong password), unknown database (3D000, only after
authentication)."""

import subprocess
import os

import psycopg
import pytest

import pgraw


def test_tls_required_mode_works_with_psql(node):
    out = node.psql("\\conninfo", sslmode="require").stdout
    assert "SSL connection" in out


def test_tls_with_psycopg(node):
    with node.connect(sslmode="require") as c:
        assert c.pgconn.ssl_in_use
        assert c.execute("SELECT 1").fetchone() == (1,)


def test_plaintext_allowed_by_default(node):
    """Default server configuration: plaintext connections are accepted
    (sslmode=disable), password still checked with SCRAM."""
    with node.connect(sslmode="disable") as c:
        assert not c.pgconn.ssl_in_use
        assert c.execute("SELECT 1").fetchone() == (1,)


def test_ssl_request_answered_with_one_byte(node):
    with node.raw() as r:
        assert r.ssl_request() == b"S"


def test_raw_tls_session(node):
    with node.raw_session(tls=True) as r:
        rows, errors = r.query("SELECT 1")
        assert errors == [] and rows == [["1"]]


def test_scram_is_offered(node):
    """The server asks for SASL with SCRAM-SHA-256 (never md5 or
    cleartext over plaintext)."""
    with node.raw() as r:
        r.send(pgraw.startup_packet(node.user, node.dbname))
        mechs = r.sasl_initial_response_begin()
        assert b"SCRAM-SHA-256" in mechs


def _raw_auth_error(node, user, password, dbname=None, tls=False):
    with node.raw() as r:
        if tls:
            r.start_tls()
        with pytest.raises(pgraw.PgError) as ei:
            r.startup(user, dbname or node.dbname, password)
        r.wait_closed()
        return ei.value


def test_wrong_password_is_28p01(node):
    e = _raw_auth_error(node, node.user, "wrong-" + node.password)
    assert e.sqlstate == "28P01"
    assert e.severity == "FATAL"


def test_unknown_user_is_28p01_with_same_text(node):
    wrong_pw = _raw_auth_error(node, node.user, "wrong")
    unknown = _raw_auth_error(node, "no_such_user", "wrong")
    assert unknown.sqlstate == "28P01"
    # Same message modulo the user name itself: nothing tells the client
    # whether the user exists.
    norm = lambda e, u: e.fields.get("M", "").replace(u, "<user>")
    assert norm(unknown, "no_such_user") == norm(wrong_pw, node.user)
    assert set(unknown.fields) == set(wrong_pw.fields)


def test_wrong_password_over_tls(node):
    e = _raw_auth_error(node, node.user, "wrong", tls=True)
    assert e.sqlstate == "28P01"


def test_wrong_password_psycopg_and_psql(node):
    with pytest.raises(psycopg.OperationalError) as ei:
        psycopg.connect(node.dsn(password="wrong"))
    assert "password authentication failed" in str(ei.value)
    cp = node.psql("SELECT 1", check=False, password="wrong")
    assert cp.returncode == 2
    assert "password authentication failed" in cp.stderr


def test_unknown_database_is_3d000_after_auth(node):
    with node.raw() as r:
        with pytest.raises(pgraw.PgError) as ei:
            r.startup(node.user, "no_such_db", node.password)
        assert ei.value.sqlstate == "3D000"
        assert ei.value.severity == "FATAL"
        r.wait_closed()


def test_unknown_database_with_wrong_password_is_28p01(node):
    """Authentication comes first: a wrong password never learns whether
    the database exists."""
    e = _raw_auth_error(node, node.user, "wrong", dbname="no_such_db")
    assert e.sqlstate == "28P01"


def test_unknown_database_psycopg(node):
    with pytest.raises(psycopg.OperationalError) as ei:
        psycopg.connect(node.dsn(dbname="no_such_db"))
    assert "no_such_db" in str(ei.value)
    assert "does not exist" in str(ei.value)


def test_failed_auth_leaves_node_serving(node):
    for _ in range(5):
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(node.dsn(password="bad"))
    assert node.query_one("SELECT 1") == (1,)
