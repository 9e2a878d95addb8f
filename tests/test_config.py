"""Configuration: schemadiff.toml / [tool.schemadiff], precedence flags > environment > file >
defaults, `schemadiff config`, and `ignore` patterns honoured by plan and check."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import run_in_process

from schemadiff.config import ConfigError, find_config, resolve
from core_helpers import USERS_SCHEMA as SCHEMA


@pytest.fixture
def project(cli_project, monkeypatch):
    monkeypatch.delenv("APP_DB", raising=False)
    return cli_project


run = run_in_process


def setting_line(output: str, name: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(name + " "))


def test_defaults_without_a_file(project):
    out = run("config").output
    assert "configuration file: none found" in out
    assert "schema.yaml" in setting_line(out, "schema") and "(default)" in setting_line(out, "schema")


def test_file_then_environment_then_flags(project, monkeypatch):
    (project / "db").mkdir()
    (project / "schemadiff.toml").write_text(
        'schema = "db/schema.yaml"\nconnect_timeout = 7\ndatabase_url_env = "APP_DB"\n'
        'version_schema = "ops"\nlock_timeout = 2.5\nignore = ["audit_*"]\n[lint]\nSD009 = "off"\n')
    out = run("config").output
    assert "db/schema.yaml" in setting_line(out, "schema") and "(schemadiff.toml)" in setting_line(out, "schema")
    assert "7.0" in setting_line(out, "connect_timeout") and "(schemadiff.toml)" in setting_line(out, "connect_timeout")
    assert "ops.schemadiff_version" in setting_line(out, "version_table")
    assert "2.5" in setting_line(out, "lock_timeout")
    assert "audit_*" in setting_line(out, "ignore")
    assert "SD009=off" in setting_line(out, "lint")

    monkeypatch.setenv("APP_DB", "postgresql://app:s3cret@db.example.com/app")
    monkeypatch.setenv("DATABASE_URL", "postgresql://other@elsewhere/x")  # not the configured variable
    monkeypatch.setenv("SCHEMADIFF_SCHEMA", "env.yaml")
    out = run("config").output
    url = setting_line(out, "database_url")
    assert "postgresql://app:***@db.example.com/app" in url and "($APP_DB)" in url
    assert "s3cret" not in out
    assert "env.yaml" in setting_line(out, "schema") and "($SCHEMADIFF_SCHEMA)" in setting_line(out, "schema")

    out = run("--schema", "flag.yaml", "--connect-timeout", "9", "--database-url", "postgresql://u:pw@h/d", "config").output
    assert "flag.yaml" in setting_line(out, "schema") and "(--schema)" in setting_line(out, "schema")
    assert "9.0" in setting_line(out, "connect_timeout") and "(--connect-timeout)" in setting_line(out, "connect_timeout")
    assert "postgresql://u:***@h/d" in setting_line(out, "database_url") and "pw" not in setting_line(out, "database_url")


def test_pyproject_table_found_from_a_subdirectory(project, monkeypatch):
    (project / "pyproject.toml").write_text('[project]\nname = "app"\n\n[tool.schemadiff]\nschema = "db/schema.yaml"\n')
    (project / "src" / "app").mkdir(parents=True)
    monkeypatch.chdir(project / "src" / "app")
    assert find_config() == project / "pyproject.toml"
    settings = resolve({})
    assert Path(settings.schema).resolve() == (project / "db" / "schema.yaml").resolve()


def test_search_stops_at_the_git_root(tmp_path, monkeypatch):
    (tmp_path / "schemadiff.toml").write_text('schema = "outside.yaml"\n')
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "repo")
    assert find_config() is None


def test_bad_files_are_one_clear_error(project):
    (project / "schemadiff.toml").write_text('conect_timeout = 3\n')
    with pytest.raises(ConfigError, match="unknown setting 'conect_timeout'"):
        resolve({})
    result = run("config")
    assert result.exit_code == 1 and "unknown setting 'conect_timeout'" in result.output
    (project / "schemadiff.toml").write_text('[lint]\nSD009 = "loud"\n')
    with pytest.raises(ConfigError, match="must be one of error, warning, off"):
        resolve({})


def test_without_tomllib_the_file_is_read_with_tomli(project):
    """Python 3.10 has no tomllib; pyproject.toml declares tomli for it. A subprocess with
    tomllib made unimportable (and tomli standing in) must still read the file."""
    import subprocess
    import sys

    (project / "schemadiff.toml").write_text('connect_timeout = 7\n')
    script = (
        "import sys\n"
        "try:\n    import tomllib as parser\nexcept ImportError:\n    import tomli as parser\n"
        "sys.modules['tomllib'] = None\n"
        "sys.modules['tomli'] = parser\n"
        "from schemadiff.config import resolve\n"
        "print(resolve({}).connect_timeout)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "7.0"


def test_schema_from_the_file_is_used_by_commands(project):
    (project / "db").mkdir()
    (project / "db" / "schema.yaml").write_text(SCHEMA)
    (project / "schemadiff.toml").write_text('schema = "db/schema.yaml"\n')
    result = run("validate")
    assert result.exit_code == 0 and "db/schema.yaml: valid (1 tables" in result.output


# -- ignore patterns against a real database ------------------------------------------------------

def test_ignored_tables_are_neither_dropped_nor_reported(project, database_url, sql):
    (project / "schema.yaml").write_text(SCHEMA + "  notes:\n    columns:\n      body: text\n")
    sql("CREATE TABLE users (id bigserial PRIMARY KEY, email text)")
    sql("CREATE TABLE notes (body text)")
    sql("CREATE TABLE audit_2024 (id int)")
    sql("CREATE TABLE public.tmp_import (id int)")
    before = run("--database-url", database_url, "plan")
    assert "drop table public.audit_2024" in before.output  # without configuration it would go

    (project / "schemadiff.toml").write_text('ignore = ["audit_*", "public.tmp_*"]\n')
    planned = run("--database-url", database_url, "plan")
    assert planned.exit_code == 0, planned.output
    assert "No changes" in planned.output
    assert "audit_2024" not in planned.output and "tmp_import" not in planned.output
    assert "warning: SD009 public.notes" in planned.output  # lint warnings follow the plan

    checked = run("--database-url", database_url, "check")
    assert "audit_2024" not in checked.output and "tmp_import" not in checked.output
    assert "extra" not in checked.output

    inspected = run("--database-url", database_url, "inspect")
    assert "notes" in inspected.output and "audit_2024" not in inspected.output and "tmp_import" not in inspected.output

    applied = run("--database-url", database_url, "apply", "--allow-destructive")
    assert applied.exit_code == 0, applied.output
    assert sql("SELECT count(*) FROM pg_tables WHERE tablename IN ('audit_2024', 'tmp_import')") == [(2,)]


def test_lint_uses_the_live_database_when_a_url_is_configured(project, database_url, sql):
    sql("CREATE TABLE users (id bigserial PRIMARY KEY, email text, nickname text)")
    (project / "schema.yaml").write_text(SCHEMA)
    (project / "schemadiff.toml").write_text('database_url_env = "APP_DB"\n')
    result = run("lint", env={"APP_DB": database_url})
    assert "error: SD002 public.users.nickname" in result.output  # dropping data fails lint by default
    assert result.exit_code == 1


def test_check_leaves_a_declared_but_ignored_table_alone(project, database_url):
    """The file declares audit_log but the configuration ignores it: apply does not create it,
    so check must neither report it missing nor call the recorded version behind."""
    (project / "schema.yaml").write_text(SCHEMA + "  audit_log:\n    columns:\n      body: text\n")
    (project / "schemadiff.toml").write_text('ignore = ["audit_*"]\n')
    applied = run("--database-url", database_url, "apply")
    assert applied.exit_code == 0, applied.output

    checked = run("--database-url", database_url, "check", "--format", "json")
    report = json.loads(checked.output)
    assert report["tables"]["missing"] == [] and report["version"]["ok"] is True, report["findings"]
    assert report["tables"]["expected"] == 1
    assert checked.exit_code == 0
