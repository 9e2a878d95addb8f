"""A PostgreSQL cluster in a data directory we own: initdb, start, stop, and where it listens."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import List, Optional

from . import binaries, private, processes, users
from .errors import ServerError

#: ``max_connections`` of every server we start (PostgreSQL's default is 100, initdb may lower it).
MAX_CONNECTIONS = 200
START_TIMEOUT = 60.0
STOP_TIMEOUT = 60.0
_LOG_ROTATE_BYTES = 10 * 1024 * 1024


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

    def _url(self, endpoint: processes.Endpoint, dbname: str = "postgres") -> str:
        if not endpoint.socket_dir:
            return self.url_for(endpoint.port, dbname)
        return private.socket_url(endpoint, self._password(), dbname)

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

    def _running_endpoint(self, wait: float = 0.0) -> Optional[processes.Endpoint]:
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
            if processes.process_kind(pid) in ("dead", "other"):
                return None
            endpoint = processes.Endpoint(port, lines[4].strip() if len(lines) > 4 else "")
            status = lines[7].strip() if len(lines) > 7 else ""
            # The socket directory line is final only once the listen address line follows it;
            # before that an empty one would send us probing some other server on 127.0.0.1.
            known = len(lines) > 5
            if known and status in ("ready", "") and processes.pg_answers(endpoint):
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
            private.make_private(self.bindir, self.datadir, self.password_file, user)
        return self._url(self._start(user))

    # -- privacy (clusters with a password file, see private.py)

    def _password(self) -> Optional[str]:
        assert self.password_file is not None
        return private.read_password(self.password_file)

    def _is_private(self, endpoint: Optional[processes.Endpoint] = None) -> bool:
        assert self.password_file is not None
        return private.is_private(self.datadir, self.password_file, endpoint)

    def _prepare(self) -> Optional[users.User]:
        user = users.run_user(self.datadir)
        binaries.check_binaries_usable(user, self.bindir)
        users.check_reachable(user, self.datadir, "data directory")
        binary_version = binaries.server_version(self.bindir)
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
                    f"{users.owner_name(self.datadir.stat().st_uid)}, which PostgreSQL cannot run as; "
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
                    f"{users.owner_name(self.datadir.stat().st_uid)}, but PostgreSQL must run as "
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
                users.mkdir_ours(directory, 0o755, user, chown=False)
            users.mkdir_ours(self.datadir, 0o700, user, chown=True)
        cmd = [
            str(self.bindir / "initdb"), "-D", str(self.datadir), "--auth=trust", "-U", "postgres",
            "--encoding=UTF8", "--locale=C",
        ]
        if not self.fsync:
            cmd.append("--no-sync")
        processes.run(cmd, user, timeout=300, what="initdb")
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

    def _server_args(self, endpoint: processes.Endpoint) -> List[str]:
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

    def _start(self, user: Optional[users.User]) -> processes.Endpoint:
        # A pid file left by a postmaster that is gone, whose pid now belongs to some other
        # program (after a reboot), would make PostgreSQL refuse to start.
        pid = self.pid
        if pid is not None and processes.process_kind(pid) == "other":
            with contextlib.suppress(FileNotFoundError):
                (self.datadir / "postmaster.pid").unlink()
        with contextlib.suppress(OSError):
            if self.logfile.stat().st_size > _LOG_ROTATE_BYTES:
                os.replace(self.logfile, self.logfile.with_name("server.log.1"))
        if self.password_file is not None:
            socket_dir = private.socket_dir(self.datadir, user)
            endpoint = processes.Endpoint(private.PORT, str(socket_dir))
            try:
                return self._launch(user, endpoint, self._log_size())
            except ServerError:
                private.remove_socket_dir(self.datadir, endpoint)
                raise
        previous = self._previous_port()
        last_error = ""
        for attempt in range(6):
            reuse = attempt == 0 and previous and processes.port_free(previous)
            port = previous if reuse else processes.free_port()
            offset = self._log_size()
            try:
                return self._launch(user, processes.Endpoint(port), offset)
            except ServerError as exc:
                last_error = str(exc)
                tail = self._log_tail(offset)
                if "could not bind" in tail or "already in use" in tail:
                    continue  # somebody took the port meanwhile; try another
                raise
        raise ServerError(f"could not find a free port for PostgreSQL: {last_error}")

    def _log_size(self) -> int:
        return self.logfile.stat().st_size if self.logfile.exists() else 0

    def _launch(self, user: Optional[users.User], endpoint: processes.Endpoint,
                offset: int) -> processes.Endpoint:
        if self.detach:
            self._start_detached(user, endpoint)
        else:
            self._start_child(user, endpoint)
        deadline = time.monotonic() + 10
        while not processes.pg_answers(endpoint):
            if time.monotonic() > deadline:
                raise ServerError(
                    f"PostgreSQL started on {self.datadir} but does not answer on "
                    f"{endpoint.describe()}: {self._log_tail(offset)}"
                )
            time.sleep(0.05)
        return endpoint

    def _start_detached(self, user: Optional[users.User], endpoint: processes.Endpoint) -> None:
        opts = " ".join(shlex.quote(a) for a in self._server_args(endpoint))
        cmd = [
            str(self.bindir / "pg_ctl"), "start", "-D", str(self.datadir), "-l", str(self.logfile),
            "-w", "-t", str(int(START_TIMEOUT)), "-s", "-o", opts,
        ]
        try:
            processes.run(cmd, user, timeout=START_TIMEOUT + 15, what="pg_ctl start")
        except ServerError as exc:
            raise ServerError(f"{exc}\n{self._log_tail()}") from None

    def _start_child(self, user: Optional[users.User], endpoint: processes.Endpoint) -> None:
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
                env=processes.child_env(), cwd="/", **kwargs,
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
        if pid is not None and processes.process_kind(pid) in ("postgres", "unknown"):
            user = users.run_user(self.datadir)
            pg_ctl = str(self.bindir / "pg_ctl")
            stop = [pg_ctl, "stop", "-D", str(self.datadir), "-w", "-s"]
            try:
                processes.run([*stop, "-m", "fast", "-t", str(int(STOP_TIMEOUT))], user,
                              timeout=STOP_TIMEOUT + 15, what="pg_ctl stop")
            except ServerError:
                if self.pid is not None and processes.pid_alive(pid):
                    processes.run([*stop, "-m", "immediate"], user, timeout=STOP_TIMEOUT,
                                  what="pg_ctl stop -m immediate")
        self._kill_child(grace=10.0)
        private.remove_socket_dir(self.datadir, processes.Endpoint(private.PORT, socket_dir))

    def destroy(self) -> None:
        """Stop the server and delete the data directory."""
        self.stop()
        if self.datadir.exists():
            shutil.rmtree(self.datadir)

