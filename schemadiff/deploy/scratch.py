"""Throwaway databases on a server schemadiff already talks to: where migration folders are
replayed (`adopt`) and plans are rehearsed (`plan --validate`)."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import quote, urlsplit, urlunsplit

from .. import db
from ..errors import SchemadiffError


class ScratchDatabaseError(SchemadiffError):
    """The scratch database could not be created."""


def with_database(url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``url``."""
    parts = urlsplit(db.libpq_url(url))
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(name), parts.query, ""))


@contextmanager
def scratch_database(url: str, connect_timeout: float = db.DEFAULT_CONNECT_TIMEOUT) -> Iterator[str]:
    """Create ``schemadiff_scratch_<hex>`` on the server of ``url``; yield its URL; drop it."""
    name = f"schemadiff_scratch_{uuid.uuid4().hex[:16]}"
    admin = db.connect(url, connect_timeout=connect_timeout)
    try:
        try:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        except Exception as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ScratchDatabaseError(
                f"cannot create the scratch database {name} on {db.describe(url)}: {first} "
                "(the role needs CREATEDB; or point --database-url at a server where it has it)") from None
        try:
            yield with_database(url, name)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()
