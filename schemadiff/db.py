"""Database URLs and connections: the one place that knows about drivers.

Accepts the URL forms users already have (``postgresql://``, ``postgres://``, and
SQLAlchemy's ``postgresql+psycopg://`` / ``postgresql+asyncpg://``), never prints a
password, and turns every connection failure into a one-paragraph :class:`ConnectionFailed`.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Optional
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from .errors import ConnectionFailed, SchemadiffError

_SCHEME = re.compile(r"^(postgres|postgresql)(\+[a-z0-9_]+)?$")
DEFAULT_CONNECT_TIMEOUT = 5


class BadDatabaseUrl(SchemadiffError):
    """The database URL cannot be understood."""


def libpq_url(url: str) -> str:
    """The URL in the form libpq understands (driver suffix removed)."""
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise BadDatabaseUrl(f"cannot read database URL {mask_url(url)}: {exc}") from None
    if not _SCHEME.match(parts.scheme or ""):
        raise BadDatabaseUrl(
            f"database URL {mask_url(url)} has scheme {parts.scheme!r}; expected postgresql:// "
            "(postgresql+psycopg:// and postgresql+asyncpg:// are accepted too)"
        )
    return urlunsplit(("postgresql",) + tuple(parts[1:]))


def mask_url(url: Optional[str]) -> str:
    """The URL with its password replaced by ``***``."""
    if not url:
        return "<none>"
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.rsplit("@", 1)
        user = netloc[0].split(":", 1)[0]
        return urlunsplit((parts.scheme, f"{user}:***@{netloc[1]}") + tuple(parts[2:]))
    except ValueError:
        return re.sub(r"//([^:/@]*):[^@]*@", r"//\1:***@", url)


def describe(url: str) -> str:
    """``host:port/dbname`` for messages."""
    try:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))  # a unix socket's directory comes as ?host=
        host = parts.hostname or query.get("host") or "localhost"
        return f"{host}:{parts.port or query.get('port') or 5432}{parts.path or '/'}"
    except ValueError:
        return mask_url(url)


def connect(url: str, *, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
            statement_timeout_ms: Optional[int] = None, autocommit: bool = True,
            application_name: str = "schemadiff"):
    """Open a psycopg connection with search_path pinned to ``public`` so that catalog
    functions print names the way the schema file writes them."""
    import psycopg

    target = libpq_url(url)
    extra = {"cursor_factory": _counting_cursor()} if os.environ.get("SCHEMADIFF_COUNT_QUERIES") else {}
    try:
        conn = psycopg.connect(
            target, connect_timeout=max(1, int(round(connect_timeout))), autocommit=autocommit,
            application_name=application_name, **extra,
        )
    except psycopg.OperationalError as exc:
        raise ConnectionFailed(f"cannot connect to {describe(url)}: {_first_line(exc, url)}") from None
    except psycopg.Error as exc:
        raise ConnectionFailed(f"cannot connect to {describe(url)}: {_first_line(exc, url)}") from None
    # No JIT: catalog queries are short, and compiling one of many branches (the unmanaged
    # objects' query) costs far more than it saves.
    settings = "SET search_path TO public; SET client_min_messages TO warning; SET jit TO off"
    if statement_timeout_ms:
        settings += f"; SET statement_timeout TO {int(statement_timeout_ms)}"
    conn.execute(settings)
    if not autocommit:
        conn.commit()
    return conn


def _first_line(exc: Exception, url: str) -> str:
    text = str(exc).strip().splitlines()
    message = text[0] if text else exc.__class__.__name__
    for line in text[1:]:
        if "password" in line.lower() or "timeout" in line.lower() or "refused" in line.lower():
            message = line
    parts = urlsplit(url)
    if parts.password:
        message = message.replace(parts.password, "***")
    return message.removeprefix("connection failed: ").strip()


queries_sent = 0  # statements sent through connect()'s connections while SCHEMADIFF_COUNT_QUERIES is set


@functools.lru_cache(maxsize=None)
def _counting_cursor():
    """A cursor class that counts every statement it sends; the total is printed to stderr at
    exit, for the benchmark suite (`benchmarks/run.py`) and the query-count test."""
    import atexit
    import sys

    import psycopg

    class CountingCursor(psycopg.Cursor):
        def execute(self, *args, **kwargs):
            global queries_sent
            queries_sent += 1
            return super().execute(*args, **kwargs)

        def executemany(self, params_seq_query, *args, **kwargs):
            global queries_sent
            queries_sent += 1
            return super().executemany(params_seq_query, *args, **kwargs)

    def report() -> None:  # only while still asked for: a test that set it for a while has unset it
        if os.environ.get("SCHEMADIFF_COUNT_QUERIES"):
            print(f"schemadiff: queries sent: {queries_sent}", file=sys.stderr)

    atexit.register(report)
    return CountingCursor
