"""The private mode of a cluster, the one the development server runs in: no TCP port, a unix
socket only the server's user and root can reach, and the superuser's generated password kept
in a file of mode 0600, so no other local account gets in."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import urllib.parse
from pathlib import Path
from typing import Optional

from . import processes, users
from .errors import ServerError

#: A private cluster's socket lives in its own directory, so its "port" only names the socket.
PORT = 5432
SOCKET_DIR_PREFIX = "schemadiff-socket-"
HBA = (
    "# Written by schemadiff, which rewrites it if it differs. The server listens on no TCP\n"
    "# port, only on a unix socket in the data directory, and asks everybody for the password.\n"
    "local all all scram-sha-256\n"
)


def read_password(password_file: Path) -> Optional[str]:
    """The superuser's password kept in ``password_file``, or None when there is none yet."""
    try:
        return password_file.read_text().strip() or None
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ServerError(
            f"cannot read the development server's password file {password_file}: "
            f"{exc.strerror or exc}; run schemadiff as the user who created it."
        ) from exc


def socket_url(endpoint: processes.Endpoint, password: Optional[str], dbname: str) -> str:
    """URL of database ``dbname`` on the unix socket of ``endpoint``, password included."""
    host = urllib.parse.quote(endpoint.socket_dir, safe="/")
    return (f"postgresql://postgres:{urllib.parse.quote(password or '', safe='')}@/"
            f"{urllib.parse.quote(dbname)}?host={host}&port={endpoint.port}")


def is_private(datadir: Path, password_file: Path,
               endpoint: Optional[processes.Endpoint] = None) -> bool:
    """Whether the data directory asks for our password only on the unix socket (and the
    running server, if ``endpoint`` is given, listens there and not on TCP)."""
    if endpoint is not None and not endpoint.socket_dir:
        return False
    try:
        hba = (datadir / "pg_hba.conf").read_text()
    except OSError:
        return False
    return hba == HBA and read_password(password_file) is not None


def make_private(bindir: Path, datadir: Path, password_file: Path,
                 user: Optional[users.User]) -> None:
    """Give the superuser a new password (kept in the password file), then let only
    password logins on the unix socket in; the server must be stopped."""
    password = secrets.token_urlsafe(24)  # URL- and SQL-safe characters only
    users.write_private_file(password_file, password + "\n")
    output = processes.run(
        [str(bindir / "postgres"), "--single", "-D", str(datadir),
         "-c", "password_encryption=scram-sha-256", "postgres"],
        user, timeout=120, what="setting the superuser's password (postgres --single)",
        stdin_text=f"ALTER ROLE postgres PASSWORD '{password}'\n",
    )
    if "ERROR:" in output or "FATAL:" in output:
        raise ServerError(
            f"setting the superuser's password in {datadir} failed: "
            f"{output.replace(password, '***')[-2000:].strip()}"
        )
    (datadir / "pg_hba.conf").write_text(HBA)  # keeps its owner


def socket_dir(datadir: Path, user: Optional[users.User]) -> Path:
    """The data directory, unless the socket's path would be too long for the system
    (107 bytes) or hold a comma (libpq splits ``host`` at commas); then a fresh private
    directory under the temp directory."""
    fits = len(os.fsencode(datadir)) + len(f"/.s.PGSQL.{PORT}") <= 107
    if fits and "," not in str(datadir):
        return datadir
    path = Path(tempfile.mkdtemp(prefix=SOCKET_DIR_PREFIX))  # mode 0700, ours
    if user is not None:
        os.chown(path, user.uid, user.gid)
    return path


def remove_socket_dir(datadir: Path, endpoint: Optional[processes.Endpoint]) -> None:
    """Delete the socket directory of ``endpoint`` if it is one :func:`socket_dir` made."""
    if endpoint is None or not endpoint.socket_dir:
        return
    path = Path(endpoint.socket_dir)
    if path != datadir and path.name.startswith(SOCKET_DIR_PREFIX):
        shutil.rmtree(path, ignore_errors=True)
