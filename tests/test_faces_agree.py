"""Every command goes through the same engine job with the one resolved configuration: a
setting in schemadiff.toml reaches baseline, rollback and plan --out-dir as it reaches apply,
and every command that reads the database as a schema file leaves schemadiff's tables out."""

from __future__ import annotations

import time

import psycopg
import pytest
from conftest import run_in_process

from schemadiff.deploy.apply import DeployLock
from schemadiff.deploy.datamigrations import create_sql

SCHEMA = """\
tables:
  users:
    columns:
      id: bigserial
    primary_key: id
"""


@pytest.fixture
def project(cli_project):
    (cli_project / "schema.yaml").write_text(SCHEMA)
    return cli_project


def held_deploy_lock(database_url):
    holder = psycopg.connect(database_url, autocommit=True)
    return holder, DeployLock(holder, 1.0)


def test_baseline_waits_for_the_deploy_lock_as_long_as_lock_wait_says(project, database_url, sql):
    sql("CREATE TABLE alembic_version (version_num text); INSERT INTO alembic_version VALUES ('abc')")
    sql("CREATE TABLE users (id bigserial PRIMARY KEY)")
    (project / "schemadiff.toml").write_text("lock_wait = 0.5\n")
    holder, lock = held_deploy_lock(database_url)
    try:
        with lock:
            started = time.monotonic()
            result = run_in_process("--database-url", database_url, "baseline")
            waited = time.monotonic() - started
    finally:
        holder.close()
    assert result.exit_code != 0 and "deploy lock" in result.output, result.output
    assert waited < 10


def test_rollback_waits_for_the_deploy_lock_as_long_as_lock_wait_says(project, database_url):
    assert run_in_process("--database-url", database_url, "apply").exit_code == 0
    (project / "schemadiff.toml").write_text("lock_wait = 0.5\n")
    holder, lock = held_deploy_lock(database_url)
    try:
        with lock:
            started = time.monotonic()
            result = run_in_process("--database-url", database_url, "rollback", "--to", "1")
            waited = time.monotonic() - started
    finally:
        holder.close()
    assert result.exit_code != 0 and "deploy lock" in result.output, result.output
    assert waited < 10


def test_plan_out_dir_records_in_the_configured_version_table(project, database_url):
    (project / "schemadiff.toml").write_text('version_table = "public.app_versions"\n')
    result = run_in_process("--database-url", database_url, "plan", "--format", "sql", "--out-dir", "migrations")
    assert result.exit_code == 0, result.output
    [written] = (project / "migrations").glob("*.sql")
    text = written.read_text()
    assert "app_versions" in text and "schemadiff_version" not in text


def test_init_from_database_leaves_schemadiffs_own_tables_out(project, database_url, sql):
    assert run_in_process("--database-url", database_url, "apply").exit_code == 0
    sql(create_sql())
    result = run_in_process("--database-url", database_url, "init", "--from-database", "--force")
    assert result.exit_code == 0, result.output
    written = (project / "schema.yaml").read_text()
    assert "users" in written
    assert "schemadiff_data_migrations" not in written and "schemadiff_version" not in written
