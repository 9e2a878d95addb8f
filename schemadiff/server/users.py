"""Who runs the server programs, and what that user may reach.

PostgreSQL refuses to run as root. When the effective uid is 0, every server program runs as an
unprivileged user (the owner of an existing data directory, else ``postgres``, else ``nobody``);
only directories this package creates are ever chowned, and nothing is ever chmod-ed outside
them. If that user cannot reach a directory it needs, :class:`ServerError` explains what to do.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import stat
from pathlib import Path
from typing import NamedTuple, Optional

from .errors import ServerError


class User(NamedTuple):
    """The unprivileged account the server programs run as when we are root."""

    name: str
    uid: int
    gid: int
    groups: tuple

    def popen_kwargs(self) -> dict:
        return {"user": self.uid, "group": self.gid, "extra_groups": list(self.groups)}


def _user_from_pw(pw: "pwd.struct_passwd") -> User:
    try:
        groups = tuple(os.getgrouplist(pw.pw_name, pw.pw_gid))
    except OSError:
        groups = (pw.pw_gid,)
    return User(pw.pw_name, pw.pw_uid, pw.pw_gid, groups)


def run_user(datadir: Optional[Path] = None) -> Optional[User]:
    """The user the server programs run as, or None to run them as ourselves (not root)."""
    if os.geteuid() != 0:
        return None
    if datadir is not None and datadir.exists():
        st = datadir.stat()
        if st.st_uid != 0:
            try:
                return _user_from_pw(pwd.getpwuid(st.st_uid))
            except KeyError:
                return User(str(st.st_uid), st.st_uid, st.st_gid, (st.st_gid,))
    for name in ("postgres", "nobody"):
        try:
            return _user_from_pw(pwd.getpwnam(name))
        except KeyError:
            continue
    raise ServerError(
        "PostgreSQL refuses to run as root, and neither a 'postgres' nor a 'nobody' user exists "
        "to run it as; create an unprivileged 'postgres' user, run schemadiff as a non-root user, "
        "or set DATABASE_URL to use an existing server."
    )


def allowed(user: User, st: os.stat_result, bit: int) -> bool:
    """Whether ``user`` has permission ``bit`` (4=r, 2=w, 1=x) per the mode bits of ``st``."""
    if user.uid == 0:
        return True
    if st.st_uid == user.uid:
        return bool(st.st_mode & (bit << 6))
    if st.st_gid in user.groups:
        return bool(st.st_mode & (bit << 3))
    return bool(st.st_mode & bit)


def owner_name(uid: int) -> str:
    """The name of the account ``uid``, or the number when it has none."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def check_reachable(user: Optional[User], path: Path, what: str) -> None:
    """Raise ServerError unless ``user`` can traverse every existing directory leading to ``path``."""
    if user is None:
        return
    path = Path(os.path.abspath(path))
    chain = [p for p in reversed(path.parents)] + [path]
    for p in chain:
        try:
            st = p.stat()
        except FileNotFoundError:
            break  # the rest is created by us
        if not stat.S_ISDIR(st.st_mode):
            break
        if not allowed(user, st, 1):
            raise ServerError(
                f"PostgreSQL refuses to run as root, so schemadiff runs it as the unprivileged "
                f"user '{user.name}', but that user cannot enter {p} (mode "
                f"{stat.filemode(st.st_mode)}, owner {owner_name(st.st_uid)}), which leads to "
                f"the {what} {path}. schemadiff does not loosen the permissions of directories it "
                f"did not create: put the project somewhere '{user.name}' can reach, grant access "
                f"yourself (for example `chmod o+x {p}`), run schemadiff as a non-root user, or "
                f"set DATABASE_URL to use an existing server."
            )


def mkdir_ours(path: Path, mode: int, user: Optional[User], chown: bool) -> None:
    """Create ``path`` (which must not exist) and give it ``mode``; chown it to ``user`` if asked."""
    os.mkdir(path, mode)
    os.chmod(path, mode)  # mkdir's mode is filtered by the umask; this directory is ours
    if chown and user is not None:
        os.chown(path, user.uid, user.gid)


def write_private_file(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``, readable only by us (mode 0600) from its first byte on."""
    tmp = path.with_name(f".{path.name}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        os.fchmod(f.fileno(), 0o600)  # the umask cannot widen it, but say it
        f.write(text)
    os.replace(tmp, path)

