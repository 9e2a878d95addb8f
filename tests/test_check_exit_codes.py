"""`check` exit codes are read literally by monitoring (README → "Exit codes"): 2 must mean
the database is in a critical state, never "schemadiff could not run". Bad configuration,
usage errors and schemadiff's own failures are 3, unknown, with a body in the format asked
for; `plan --exit-code` keeps 2 for "there are changes"."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from schemadiff.cli import cli

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


def run(*args):
    return CliRunner().invoke(cli, list(args))


def status_metric(exposition: str) -> str:
    return next(line for line in exposition.splitlines() if line.startswith("schemadiff_check_status "))


def test_a_malformed_config_file_makes_check_unknown_in_every_format(project, database_url):
    (project / "schemadiff.toml").write_text('connect_timeout = \n')
    text = run("--database-url", database_url, "check")
    assert text.exit_code == 3, text.output
    assert text.output.startswith("SCHEMADIFF UNKNOWN - ") and "invalid TOML" in text.output

    as_json = run("--database-url", database_url, "check", "--format", "json")
    assert as_json.exit_code == 3
    report = json.loads(as_json.output)
    assert report["status"] == "unknown" and "invalid TOML" in report["connectivity"]["error"]

    prometheus = run("--database-url", database_url, "check", "--format", "prometheus")
    assert prometheus.exit_code == 3
    assert status_metric(prometheus.output) == "schemadiff_check_status 3"


def test_a_malformed_config_file_is_still_an_error_for_other_commands(project):
    (project / "schemadiff.toml").write_text('connect_timeout = \n')
    result = run("validate")
    assert result.exit_code == 1 and "invalid TOML" in result.output


def test_a_malformed_database_url_makes_check_unknown(project):
    result = run("--database-url", "postgresql://app@db.example.com:notaport/app", "check")
    assert result.exit_code == 3, result.output
    assert result.output.startswith("SCHEMADIFF UNKNOWN - cannot read database URL")


def test_usage_errors_of_check_are_unknown(project, database_url):
    assert run("--database-url", database_url, "check", "--format", "xml").exit_code == 3
    assert run("--database-url", database_url, "check", "--no-such-option").exit_code == 3
    assert run("--connect-timeout", "soon", "--database-url", database_url, "check").exit_code == 3


def test_usage_errors_of_plan_are_not_read_as_changes(project, database_url):
    result = run("--database-url", database_url, "plan", "--exit-code", "--format", "xml")
    assert result.exit_code == 1, result.output
    assert "Invalid value for '--format'" in result.output


def test_usage_errors_of_other_commands_keep_clicks_code(project):
    assert run("validate", "--no-such-option").exit_code == 2


@pytest.fixture
def failing_health_checks(monkeypatch):
    """A defect inside schemadiff, not a database error: the health checks raise."""
    import schemadiff.monitor.health

    def defect(*args, **kwargs):
        raise KeyError("relkind")

    monkeypatch.setattr(schemadiff.monitor.health, "health_findings", defect)


def test_a_failure_inside_schemadiff_makes_check_unknown(project, database_url, failing_health_checks):
    result = run("--database-url", database_url, "check")
    assert result.exit_code == 3, result.output
    assert result.output.startswith("SCHEMADIFF UNKNOWN - unexpected error: KeyError: 'relkind'")
    assert "--debug" in result.output


def test_debug_shows_the_traceback_of_a_failing_check(project, database_url, failing_health_checks):
    result = run("--debug", "--database-url", database_url, "check")
    assert isinstance(result.exception, KeyError)
    assert "SCHEMADIFF" not in result.output


def test_debug_shows_the_traceback_of_a_bad_schema_file(project, database_url):
    (project / "schema.yaml").write_text("tables: [")
    result = run("--debug", "--database-url", database_url, "check")
    assert type(result.exception).__name__ == "SchemaFileError"


def test_an_unreachable_database_stays_critical(project):
    result = run("--connect-timeout", "1", "--database-url", "postgresql://app@127.0.0.1:1/app", "check")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("SCHEMADIFF CRITICAL - database unreachable: ")
