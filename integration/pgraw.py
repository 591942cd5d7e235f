"""A minimal PostgreSQL v3 protocol client over raw sockets, for tests that
must send bytes no driver would: malformed lengths, unknown message types,
a second StartupMessage, data after SSLRequest.  It speaks just enough of
the protocol to get past authentication (trust, cleartext, SCRAM-SHA-256)
and to read ErrorResponse fields, so tests can assert SQLSTATEs and that
the server closed the socket.

Every read has a timeout; nothing here can hang a test.
"""

import base64
import hashlib
import hmac
import os
import socket
import ssl
import struct

PROTOCOL_3_0 = 196608
SSL_REQUEST_CODE = 80877103

DEFAULT_TIMEOUT = 10.0


class ServerClosed(Exception):
    """The server closed the connection (EOF or reset)."""


def startup_packet(user, database, extra=None):
    params = {"user": user, "database": database}
    params.update(extra or {})
    body = struct.pack("!I", PROTOCOL_3_0)
    for k, v in params.items():
        body += k.encode() + b"\0" + v.encode() + b"\0"
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body


def message(kind, payload=b""):
    """A typed frontend message: kind byte, int32 length, payload."""
    return kind + struct.pack("!I", len(payload) + 4) + payload


def parse_error_fields(payload):
    """ErrorResponse/NoticeResponse body -> {field code char: value}."""
    fields = {}
    i = 0
    while i < len(payload) and payload[i] != 0:
        code = chr(payload[i])
        end = payload.index(b"\0", i + 1)
        fields[code] = payload[i + 1:end].decode("utf-8", "replace")
        i = end + 1
    return fields


class PgError(Exception):
    def __init__(self, fields):
        self.fields = fields
        self.sqlstate = fields.get("C")
        self.severity = fields.get("V", fields.get("S"))
        super().__init__("%s %s: %s" % (self.severity, self.sqlstate,
                                        fields.get("M")))


class RawConn:
    """One raw connection.  Use as a context manager; close() is
    idempotent."""

    def __init__(self, host, port, timeout=DEFAULT_TIMEOUT):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.params = {}
        self.status = None  # last ReadyForQuery status byte

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None

    def abort(self):
        """Close with RST (SO_LINGER 0), like a client that vanishes."""
        if self.sock is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
            self.close()

    # --- bytes --------------------------------------------------------

    def send(self, data):
        """Send all of @data; False if the server already closed."""
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    def _fill(self, n):
        while len(self.buf) < n:
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise ServerClosed("server closed the connection")
            self.buf += chunk

    def recv_exact(self, n):
        self._fill(n)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_message(self):
        """(kind byte, payload) of the next backend message."""
        header = self.recv_exact(5)
        kind = header[:1]
        (length,) = struct.unpack("!I", header[1:])
        if length < 4 or length > 64 * 1024 * 1024:
            raise AssertionError("bad backend length %d" % length)
        return kind, self.recv_exact(length - 4)

    def wait_closed(self, timeout=DEFAULT_TIMEOUT):
        """Read until EOF; returns the backend messages seen on the way.
        Raises AssertionError if the server keeps the socket open."""
        self.sock.settimeout(timeout)
        seen = []
        try:
            while True:
                seen.append(self.read_message())
        except ServerClosed:
            return seen
        except socket.timeout:
            raise AssertionError("server did not close the connection "
                                 "within %.0f s; saw %r" % (timeout, seen))

    def read_until_error_or_close(self, timeout=DEFAULT_TIMEOUT):
        """Read messages until an ErrorResponse (returned as its fields)
        or EOF (returns None).  Other messages are skipped."""
        self.sock.settimeout(timeout)
        try:
            while True:
                kind, payload = self.read_message()
                if kind == b"E":
                    return parse_error_fields(payload)
        except ServerClosed:
            return None
        except socket.timeout:
            raise AssertionError("neither an error nor EOF within %.0f s"
                                 % timeout)

    # --- protocol -----------------------------------------------------

    def ssl_request(self):
        """Send SSLRequest and return the one-byte answer."""
        self.send(struct.pack("!II", 8, SSL_REQUEST_CODE))
        return self.recv_exact(1)

    def start_tls(self):
        answer = self.ssl_request()
        if answer != b"S":
            raise AssertionError("server refused TLS: %r" % answer)
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.sock = ctx.wrap_socket(self.sock)

    def startup(self, user, database, password, extra=None):
        """StartupMessage + authentication up to ReadyForQuery.  Raises
        PgError on an ErrorResponse."""
        self.send(startup_packet(user, database, extra))
        self.authenticate(user, password)
        self.read_until_ready()

    def authenticate(self, user, password):
        while True:
            kind, payload = self.read_message()
            if kind == b"E":
                raise PgError(parse_error_fields(payload))
            if kind != b"R":
                raise AssertionError("unexpected %r during auth" % kind)
            (code,) = struct.unpack("!I", payload[:4])
            if code == 0:  # AuthenticationOk
                return
            if code == 3:  # cleartext
                self.send(message(b"p", password.encode() + b"\0"))
            elif code == 10:  # SASL
                mechs = payload[4:].split(b"\0")
                if b"SCRAM-SHA-256" not in mechs:
                    raise AssertionError("no SCRAM-SHA-256 in %r" % mechs)
                self._scram(password)
            else:
                raise AssertionError("unsupported auth request %d" % code)

    def sasl_initial_response_begin(self):
        """Wait for AuthenticationSASL; return the mechanisms."""
        kind, payload = self.read_message()
        if kind == b"E":
            raise PgError(parse_error_fields(payload))
        (code,) = struct.unpack("!I", payload[:4])
        if kind != b"R" or code != 10:
            raise AssertionError("expected AuthenticationSASL, got %r %r"
                                 % (kind, payload[:4]))
        return payload[4:].split(b"\0")

    def _scram(self, password):
        nonce = base64.b64encode(os.urandom(18)).decode()
        first_bare = "n=,r=" + nonce
        first = ("n,," + first_bare).encode()
        self.send(message(b"p", b"SCRAM-SHA-256\0" +
                          struct.pack("!i", len(first)) + first))
        kind, payload = self.read_message()
        if kind == b"E":
            raise PgError(parse_error_fields(payload))
        (code,) = struct.unpack("!I", payload[:4])
        assert kind == b"R" and code == 11, (kind, code)
        server_first = payload[4:].decode()
        attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
        assert attrs["r"].startswith(nonce), "server nonce lacks ours"
        salt = base64.b64decode(attrs["s"])
        iters = int(attrs["i"])
        salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt,
                                     iters)
        client_key = hmac.new(salted, b"Client Key", "sha256").digest()
        stored_key = hashlib.sha256(client_key).digest()
        final_bare = "c=biws,r=" + attrs["r"]
        auth_msg = ",".join([first_bare, server_first, final_bare]).encode()
        sig = hmac.new(stored_key, auth_msg, "sha256").digest()
        proof = bytes(a ^ b for a, b in zip(client_key, sig))
        final = final_bare + ",p=" + base64.b64encode(proof).decode()
        self.send(message(b"p", final.encode()))
        kind, payload = self.read_message()
        if kind == b"E":
            raise PgError(parse_error_fields(payload))
        (code,) = struct.unpack("!I", payload[:4])
        assert kind == b"R" and code == 12, (kind, code)
        server_key = hmac.new(salted, b"Server Key", "sha256").digest()
        want = hmac.new(server_key, auth_msg, "sha256").digest()
        got = dict(kv.split("=", 1)
                   for kv in payload[4:].decode().split(","))["v"]
        assert base64.b64decode(got) == want, "bad server signature"

    def read_until_ready(self):
        """Consume messages up to ReadyForQuery; returns them.  Raises
        PgError on a FATAL ErrorResponse."""
        seen = []
        while True:
            kind, payload = self.read_message()
            if kind == b"S":
                k, _, v = payload[:-1].partition(b"\0")
                self.params[k.decode()] = v.decode()
            elif kind == b"E":
                fields = parse_error_fields(payload)
                if fields.get("V", fields.get("S")) in ("FATAL", "PANIC"):
                    raise PgError(fields)
            elif kind == b"Z":
                self.status = payload[:1]
                return seen
            seen.append((kind, payload))

    def query(self, sql):
        """Simple query; returns (rows as lists of str/None, errors)."""
        self.send(message(b"Q", sql.encode() + b"\0"))
        rows, errors = [], []
        for kind, payload in self.read_until_ready():
            if kind == b"D":
                (n,) = struct.unpack("!H", payload[:2])
                i, row = 2, []
                for _ in range(n):
                    (ln,) = struct.unpack("!i", payload[i:i + 4])
                    i += 4
                    if ln < 0:
                        row.append(None)
                    else:
                        row.append(payload[i:i + ln].decode())
                        i += ln
                rows.append(row)
            elif kind == b"E":
                errors.append(parse_error_fields(payload))
        return rows, errors
