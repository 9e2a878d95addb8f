"""The seed API reads the project configuration as the CLI does, so that the application's
``initialize_database()`` and a deploy's ``schemadiff apply`` record in one history, take
one deploy lock and leave the same tables alone."""

from __future__ import annotations

import time

import psycopg
import pytest
from conftest import run_in_process

from schemadiff import engine, api as seed_api
from schemadiff.deploy.apply import DeployLock
from schemadiff.desired import loads
from schemadiff.errors import LockNotAcquired
from schemadiff.model import QualifiedName
from core_helpers import USERS_SCHEMA as SCHEMA


@pytest.fixture
def project(cli_project, monkeypatch):
    (cli_project / "schema.yaml").write_text(SCHEMA)
    monkeypatch.delenv("APP_DB", raising=False)
    return cli_project


def test_the_app_and_the_cli_record_in_the_configured_version_table(project, database_url, sql):
    (project / "schemadiff.toml").write_text('version_table = "public.app_versions"\n')
    assert seed_api.initialize_database_sync(database_url) is True
    assert sql("SELECT count(*) FROM public.app_versions") == [(1,)]
    assert sql("SELECT to_regclass('public.schemadiff_version')") == [(None,)]

    history = run_in_process("--database-url", database_url, "history")
    assert history.exit_code == 0 and "No versions recorded" not in history.output, history.output
    status = seed_api.check_database_status_sync(database_url)
    assert status["current_version"] == "1" and status["up_to_date"] is True, status


def test_the_app_leaves_ignored_tables_alone(project, database_url, sql):
    sql("CREATE TABLE audit_2024 (id int)")
    (project / "schemadiff.toml").write_text('ignore = ["audit_*"]\n')
    status = seed_api.check_database_status_sync(database_url)
    assert not any("audit_2024" in d for d in status["pending_migrations"]), status["pending_migrations"]
    assert seed_api.initialize_database_sync(database_url) is True
    assert sql("SELECT to_regclass('public.audit_2024') IS NOT NULL") == [(True,)]
    health = seed_api.check_database_health_sync(database_url)
    assert health["status"] == "ok", health["findings"]


def test_the_app_reads_the_configured_url_variable(project, database_url, monkeypatch):
    (project / "schemadiff.toml").write_text('database_url_env = "APP_DB"\n')
    monkeypatch.setenv("APP_DB", database_url)
    assert seed_api.check_database_status_sync()["error"] is None


def test_the_app_reports_a_bad_config_file(project, database_url):
    (project / "schemadiff.toml").write_text('conect_timeout = 3\n')
    assert "unknown setting 'conect_timeout'" in seed_api.check_database_status_sync(database_url)["error"]
    assert seed_api.check_database_health_sync(database_url)["status"] == "unknown"
    assert seed_api.initialize_database_sync(database_url) is False


def test_applies_with_different_version_tables_serialise(database_url):
    """Advisory locks are per database: the deploy lock's key must not depend on the version
    table, or two applies recording in different tables run their DDL at once."""
    holder = psycopg.connect(database_url, autocommit=True)
    try:
        with DeployLock(holder, 1.0):
            other = engine.Target(database_url, version_table=QualifiedName("public", "other_versions"))
            with pytest.raises(LockNotAcquired):
                engine.apply(other, loads(SCHEMA), lock_wait_s=0.5)
    finally:
        holder.close()


def test_the_app_waits_for_a_deploy_holding_the_lock_as_configured(project, database_url, sql):
    """initialize_database() takes the deploy lock `schemadiff apply` takes, and waits for it
    as long as lock_wait says."""
    (project / "schemadiff.toml").write_text('version_table = "public.app_versions"\nlock_wait = 0.5\n')
    holder = psycopg.connect(database_url, autocommit=True)
    try:
        with DeployLock(holder, 1.0):
            started = time.monotonic()
            assert seed_api.initialize_database_sync(database_url) is False
            assert time.monotonic() - started < 10
        assert sql("SELECT to_regclass('public.users')") == [(None,)]
    finally:
        holder.close()
    assert seed_api.initialize_database_sync(database_url) is True
