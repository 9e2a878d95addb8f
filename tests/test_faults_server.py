"""Faults beyond killing the apply process (tests/test_faults.py): the apply's connection
terminated by the server at different moments, and the whole server restarted (fast and
immediate shutdown) in the middle of an apply. After each: the version table holds only
applies that completed, `check` reports what was left behind (an INVALID index), and the
next apply converges."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

import psycopg
import pytest

from schemadiff import desired, engine, server
from schemadiff.deploy.apply import advisory_key
from schemadiff.model import catalog_hash
from schemadiff.server import processes, users
from fakes import apply_held_in_concurrent_build
from prodsafe_helpers import wait_for

CLI = str(Path(sys.executable).with_name("schemadiff"))

V1 = """
tables:
  jobs:
    columns:
      id: bigserial
      name: text
      size: integer
    primary_key: id
"""
# A transactional group (new column with a default, check NOT VALID), a VALIDATE, then an
# index built CONCURRENTLY.
V2 = """
tables:
  jobs:
    columns:
      id: bigserial
      name: text
      size: integer
      kind: {type: text, default: "'batch'"}
    primary_key: id
    checks:
      - size >= 0
    indexes:
      - name: jobs_name_idx
        columns: [name]
"""


def query(url: str, statement: str, *params):
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        cur = conn.execute(statement, params or None)
        return cur.fetchall() if cur.description else None


def cli(url: str, schema: Path, *args: str, background: bool = False):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    cmd = [CLI, "--database-url", url, "--schema", str(schema), *args]
    if background:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)


def apply_backend(url: str, fragment: str, wait_type: str = None):
    """The pid of the apply's backend while it runs a statement containing ``fragment``."""
    rows = query(url, "SELECT pid, wait_event_type, query FROM pg_stat_activity"
                      " WHERE application_name LIKE 'schemadiff%%' AND state = 'active' AND pid <> pg_backend_pid()")
    for pid, wait, text in rows:
        if fragment in text and (wait_type is None or wait == wait_type):
            return pid
    return None


def version_rows(url: str):
    if not query(url, "SELECT to_regclass('public.schemadiff_version')")[0][0]:
        return []
    return query(url, "SELECT version, schema_hash FROM public.schemadiff_version ORDER BY version")


def assert_consistent_then_converges(url: str, schema: Path, expected_rows: int):
    """Versions: only completed applies, each with a known hash. Then apply converges,
    records one more version, and check is healthy."""
    hashes = {catalog_hash(desired.loads(t)) for t in (V1, V2)}
    rows = version_rows(url)
    assert len(rows) == expected_rows and all(h in hashes for _, h in rows), rows
    result = cli(url, schema, "apply", "--allow-destructive")
    assert result.returncode == 0, result.stderr
    assert engine.plan(engine.Target(url), desired.loads(schema.read_text())).empty
    rows = version_rows(url)
    assert rows[-1][1] == catalog_hash(desired.loads(schema.read_text()))
    healthy = cli(url, schema, "check", "--format", "json")
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr


@pytest.fixture
def v1_database(database_url, tmp_path):
    first = tmp_path / "v1.yaml"
    first.write_text(V1)
    assert cli(database_url, first, "apply").returncode == 0
    query(database_url, "INSERT INTO jobs (name, size) SELECT 'j' || g, g FROM generate_series(1, 5000) g")
    schema = tmp_path / "v2.yaml"
    schema.write_text(V2)
    return database_url, schema


def check_report(url: str, schema: Path) -> dict:
    """`schemadiff check --format json`, which must find the database unhealthy."""
    report = cli(url, schema, "check", "--format", "json")
    assert report.returncode != 0, report.stdout
    return json.loads(report.stdout)


def _terminate(url: str, pid: int) -> None:
    assert query(url, "SELECT pg_terminate_backend(%s)", pid)[0][0]


def _finish(process, url: str):
    stdout, stderr = process.communicate(timeout=60)
    output = stdout + stderr
    assert process.returncode != 0, output
    assert "Traceback" not in output, output
    assert "unexpected error" not in output, output
    return output


def test_terminated_while_waiting_for_the_deploy_lock(v1_database):
    url, schema = v1_database
    with psycopg.connect(url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (advisory_key(),))
        process = cli(url, schema, "apply", "--lock-wait", "60", background=True)
        pid = wait_for(lambda: apply_backend(url, "advisory") or query(
            url, "SELECT pid FROM pg_stat_activity WHERE application_name = 'schemadiff: waiting for the deploy lock'"),
            15, "the apply to wait for the deploy lock")
        pid = pid[0][0] if isinstance(pid, list) else pid
        _terminate(url, pid)
        assert "lost the connection" in _finish(process, url)
    assert_consistent_then_converges(url, schema, expected_rows=1)


def test_terminated_inside_the_transaction(v1_database):
    url, schema = v1_database
    with psycopg.connect(url) as holder:  # a reader keeps ALTER TABLE waiting mid-transaction
        holder.execute("SELECT count(*) FROM jobs")
        process = cli(url, schema, "apply", "--lock-timeout", "60", background=True)
        pid = wait_for(lambda: apply_backend(url, "ALTER TABLE", "Lock"), 15, "the ALTER to wait for the table")
        _terminate(url, pid)
        output = _finish(process, url)
        holder.rollback()
    assert "apply failed at 'add column public.jobs.kind'" in output, output
    assert "that transaction was rolled back; no version was recorded" in output, output
    # All or nothing: the column of the interrupted transaction is not there.
    assert not query(url, "SELECT 1 FROM pg_attribute WHERE attrelid = 'jobs'::regclass AND attname = 'kind'")
    assert_consistent_then_converges(url, schema, expected_rows=1)


def test_terminated_during_validate(v1_database):
    url, schema = v1_database
    # A check that takes ~1 ms a row makes VALIDATE run for seconds.
    slow = V2.replace("      - size >= 0\n", "      - size >= 0 AND pg_sleep(0.001) IS NOT NULL\n")
    schema.write_text(slow)
    process = cli(url, schema, "apply", "--lock-timeout", "60", background=True)
    pid = wait_for(lambda: apply_backend(url, "VALIDATE"), 30, "VALIDATE to run")
    _terminate(url, pid)
    _finish(process, url)
    # The NOT VALID check committed before VALIDATE; check reports it, apply validates it.
    assert check_report(url, schema)["constraints"]["not_valid"] == ["jobs.jobs_size_check"]
    schema.write_text(V2)  # a quick check again, so that the rest runs fast
    assert_consistent_then_converges(url, schema, expected_rows=1)


def test_terminated_during_concurrent_index_build_leaves_invalid_index_that_check_reports(v1_database):
    url, schema = v1_database
    start = partial(cli, url, schema, "apply", "--lock-timeout", "60", background=True)
    with apply_held_in_concurrent_build(url, start, "jobs_name_idx") as held:
        _terminate(url, held.pid)
        output = _finish(held.process, url)
    assert held.process.returncode == 1, output
    assert "apply failed at 'create index jobs_name_idx on public.jobs'" in output, output
    assert "no version was recorded" in output, output
    assert query(url, "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = 'jobs_name_idx'::regclass")[0][0]
    assert check_report(url, schema)["indexes"]["invalid"] == ["jobs_name_idx"]
    # The first transaction and VALIDATE committed, but the apply did not finish: no new version.
    assert_consistent_then_converges(url, schema, expected_rows=1)
    assert query(url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'jobs_name_idx'::regclass")[0][0]


# -- server restarts ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def own_cluster():
    """A throwaway cluster of our own, so that it can be stopped and started mid-apply."""
    bindir = server.find_bindir("auto")
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries to run a cluster of our own")
    base = Path(tempfile.mkdtemp(prefix="schemadiff-faults-"))
    if os.geteuid() == 0:  # PostgreSQL runs as an unprivileged user, who must reach the directory
        os.chmod(base, 0o755)
    cluster = server.Cluster(base / "data", bindir, fsync=False, detach=True)
    try:
        cluster.ensure_running()
        yield cluster
    finally:
        cluster.destroy()
        import shutil

        shutil.rmtree(base, ignore_errors=True)


def _restart(cluster: server.Cluster, mode: str) -> str:
    pg_ctl = str(cluster.bindir / "pg_ctl")
    user = users.run_user(cluster.datadir)
    processes.run([pg_ctl, "stop", "-D", str(cluster.datadir), "-m", mode, "-w", "-s"], user,
                  timeout=60, what="pg_ctl stop")
    return cluster.ensure_running()


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_server_restart_during_apply(own_cluster, tmp_path, mode):
    admin = own_cluster.ensure_running()
    dbname = f"restart_{mode}"
    query(admin, f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
    query(admin, f"CREATE DATABASE {dbname}")
    url = server.Cluster.url_for(own_cluster.running_port(), dbname)
    first = tmp_path / "v1.yaml"
    first.write_text(V1)
    assert cli(url, first, "apply").returncode == 0
    query(url, "INSERT INTO jobs (name, size) SELECT 'j' || g, g FROM generate_series(1, 5000) g")
    schema = tmp_path / "v2.yaml"
    schema.write_text(V2)
    start = partial(cli, url, schema, "apply", "--lock-timeout", "60", background=True)
    with apply_held_in_concurrent_build(url, start, "jobs_name_idx") as held:
        admin = _restart(own_cluster, mode)
    output = _finish(held.process, url)
    assert "apply failed at 'create index jobs_name_idx on public.jobs'" in output, output
    assert "no version was recorded" in output, output
    url = server.Cluster.url_for(own_cluster.running_port(), dbname)  # the port may change
    # The build's INVALID catalog entry was committed before the restart.
    assert check_report(url, schema)["indexes"]["invalid"] == ["jobs_name_idx"]
    assert_consistent_then_converges(url, schema, expected_rows=1)
    query(admin, f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
