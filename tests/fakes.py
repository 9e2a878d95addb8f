"""Stand-ins shared by the tests: a PostgreSQL server that refuses every password, and an
apply held in the middle of a concurrent index build (the scenario the fault tests interrupt)."""

from __future__ import annotations

import socket
import struct
import subprocess
import threading
from contextlib import contextmanager
from typing import Callable, Iterator, NamedTuple, Optional

import psycopg

from prodsafe_helpers import wait_for

_SSL_REQUEST, _GSSENC_REQUEST = 80877103, 80877104


@contextmanager
def password_refusing_server() -> Iterator[tuple[int, list[str]]]:
    """A stand-in for a server with password authentication (the test servers trust local
    connections, so they never check one): it speaks just enough of the wire protocol to ask
    for a cleartext password and refuse it as PostgreSQL does. Yields its port and the
    passwords it received."""
    received: list[str] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            try:
                _refuse_password(conn, received)
            except (OSError, struct.error):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], received
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def _refuse_password(conn: socket.socket, received: list[str]) -> None:
    with conn:
        conn.settimeout(5)
        while True:
            _, body = _read_message(conn, typed=False)
            if struct.unpack("!I", body[:4])[0] not in (_SSL_REQUEST, _GSSENC_REQUEST):
                break
            conn.sendall(b"N")  # no encryption: the client goes on in plain text
        user = _startup_parameters(body[4:]).get("user", "")
        conn.sendall(b"R" + struct.pack("!II", 8, 3))  # AuthenticationCleartextPassword
        _, password = _read_message(conn, typed=True)
        received.append(password.rstrip(b"\0").decode())
        fields = b"".join(code + text.encode() + b"\0" for code, text in (
            (b"S", "FATAL"), (b"V", "FATAL"), (b"C", "28P01"),
            (b"M", f'password authentication failed for user "{user}"'))) + b"\0"
        conn.sendall(b"E" + struct.pack("!I", len(fields) + 4) + fields)


def _read_message(conn: socket.socket, typed: bool) -> tuple[bytes, bytes]:
    head = conn.recv(5 if typed else 4, socket.MSG_WAITALL)
    length = struct.unpack("!I", head[-4:])[0]
    return head[:1], conn.recv(length - 4, socket.MSG_WAITALL)


def _startup_parameters(body: bytes) -> dict[str, str]:
    words = body.rstrip(b"\0").split(b"\0")
    return {k.decode(): v.decode() for k, v in zip(words[::2], words[1::2])}


# -- an apply held inside a concurrent index build ----------------------------------------------

class HeldBuild(NamedTuple):
    process: subprocess.Popen  # the apply, still running
    pid: int                   # its backend, waiting inside CREATE INDEX CONCURRENTLY


@contextmanager
def apply_held_in_concurrent_build(url: str, start_apply: Callable[[], subprocess.Popen],
                                   index: str) -> Iterator[HeldBuild]:
    """Start an apply whose plan builds ``index`` concurrently, and hold it inside the build:
    an open transaction with a snapshot makes CREATE INDEX CONCURRENTLY wait after its
    (INVALID) catalog entry is committed. Released when the block ends."""
    holder = psycopg.connect(url)
    try:
        holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        holder.execute("SELECT 1")
        process = start_apply()
        # Wait for the catalog entry too: before it the build may be queued behind autovacuum
        # analysing fresh rows, and interrupting it there leaves no index at all.
        pid = wait_for(lambda: _index_exists(url, index) and _build_waiting(url), timeout=30,
                       what="the concurrent index build to wait")
        yield HeldBuild(process, pid)
    finally:
        holder.close()


def _index_exists(url: str, index: str) -> bool:
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (index,)).fetchone()[0]


def _build_waiting(url: str) -> Optional[int]:
    """The pid of a schemadiff backend waiting on a lock inside CREATE INDEX CONCURRENTLY."""
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        row = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                           " AND application_name = 'schemadiff' AND wait_event_type = 'Lock'"
                           " AND query LIKE 'CREATE INDEX CONCURRENTLY%' AND pid <> pg_backend_pid()").fetchone()
    return row[0] if row else None

