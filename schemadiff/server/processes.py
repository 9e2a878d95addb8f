"""Processes and ports: running the short-lived server programs, probing whether a server
answers, free ports, and what a pid names now."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import tempfile
from pathlib import Path
from typing import List, NamedTuple, Optional

from . import users
from .errors import ServerError


def child_env() -> dict:
    """The environment of server programs: none of our PG* variables, the C locale."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    env["LANG"] = "C"
    return env


class Endpoint(NamedTuple):
    """Where a server listens: a unix socket in ``socket_dir``, or 127.0.0.1 when that is ''."""

    port: int
    socket_dir: str = ""

    @property
    def socket_path(self) -> str:
        return os.path.join(self.socket_dir, f".s.PGSQL.{self.port}")

    def describe(self) -> str:
        return self.socket_path if self.socket_dir else f"127.0.0.1:{self.port}"


def pg_answers(endpoint: Endpoint, timeout: float = 1.0) -> bool:
    """True if a PostgreSQL server answers at ``endpoint`` (SSLRequest handshake)."""
    try:
        if endpoint.socket_dir:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(endpoint.socket_path)
        else:
            sock = socket.create_connection(("127.0.0.1", endpoint.port), timeout=timeout)
        with sock:
            sock.sendall(struct.pack("!ii", 8, 80877103))
            return sock.recv(1) in (b"S", b"N")
    except OSError:
        return False


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as PostgreSQL binds
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_kind(pid: int) -> str:
    """'dead', 'postgres', 'other' (a live process that is not PostgreSQL) or 'unknown'."""
    if not pid_alive(pid):
        return "dead"
    proc = Path(f"/proc/{pid}")
    try:
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        if state in ("Z", "X"):
            return "dead"
        cmdline = (proc / "cmdline").read_bytes()
    except FileNotFoundError:
        return "dead" if Path("/proc/self").exists() else "unknown"
    except (OSError, IndexError):
        return "unknown"
    if not cmdline:
        return "unknown"
    return "postgres" if (b"postgres" in cmdline or b"postmaster" in cmdline) else "other"


def run(cmd: List[str], user: Optional[users.User], timeout: float, what: str,
         stdin_text: Optional[str] = None) -> str:
    """Run a short-lived server program; return its output or raise ServerError."""
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as out:
        kwargs = user.popen_kwargs() if user else {}
        if stdin_text is None:
            kwargs["stdin"] = subprocess.DEVNULL
        else:
            kwargs["input"] = stdin_text
        try:
            proc = subprocess.run(
                cmd, stdout=out, stderr=subprocess.STDOUT, text=True,
                env=child_env(), cwd="/", timeout=timeout, start_new_session=True, **kwargs,
            )
        except subprocess.TimeoutExpired:
            out.seek(0)
            raise ServerError(f"{what} did not finish within {timeout:.0f} s: {out.read()[-2000:].strip()}")
        except OSError as exc:
            raise ServerError(f"{what} could not be run ({cmd[0]}): {exc}") from exc
        out.seek(0)
        text = out.read()
    if proc.returncode != 0:
        raise ServerError(f"{what} failed (exit code {proc.returncode}): {text[-2000:].strip()}")
    return text

