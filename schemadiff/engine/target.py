"""Where and how to reach the database: the one thing every job against a database needs."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from .. import db
from ..deploy import versions
from ..model import QualifiedName


@dataclass(frozen=True)
class Target:
    """Where and how to reach the database."""

    url: str
    version_table: QualifiedName = versions.DEFAULT_TABLE
    connect_timeout: float = db.DEFAULT_CONNECT_TIMEOUT
    statement_timeout_ms: int = 30_000  # for catalog reads, not for DDL
    ignore: tuple = ()  # fnmatch patterns of tables schemadiff must not manage


@contextmanager
def connection(target: Target) -> Iterator:
    conn = db.connect(target.url, connect_timeout=target.connect_timeout,
                      statement_timeout_ms=target.statement_timeout_ms)
    try:
        yield conn
    finally:
        conn.close()
