"""`schemadiff check` and `schemadiff status` as monitoring runs them: every format, every exit
code, and never hanging (connect and statement timeouts)."""

from __future__ import annotations

import json
import socket
import time

import psycopg
import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from schemadiff.monitor.check import HealthReport
from schemadiff.monitor.findings import CRITICAL, WARNING, Finding
from schemadiff.cli import cli
from schemadiff.monitor.prometheus import exposition

from monitoring_support import applied, write_schema


@pytest.fixture
def schema_path(tmp_path, database_url):
    path = write_schema(tmp_path)
    applied(database_url, path)
    return path


def schemadiff(url, schema, *args):
    return CliRunner().invoke(cli, ["--database-url", url, "--schema", schema, *args])


def metrics(text: str) -> dict:
    """{(name, sorted label items): value} of an exposition."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --- formats ---------------------------------------------------------------------------------

def test_text_starts_with_a_nagios_line(database_url, schema_path):
    result = schemadiff(database_url, schema_path, "check")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["SCHEMADIFF OK - 2 tables, 2 indexes, version 1"]


def test_json(database_url, schema_path, sql):
    sql("DROP INDEX idx_users_telegram_id")
    result = schemadiff(database_url, schema_path, "check", "--format", "json")
    assert result.exit_code == 2
    report = json.loads(result.output)
    assert report["status"] == "critical" and report["overall_healthy"] is False
    assert report["indexes"]["missing"] == ["idx_users_telegram_id"] and report["tables"]["ok"] is True
    assert report["version"]["current"] == 1
    assert [f["object"] for f in report["findings"]] == ["idx_users_telegram_id"]


def test_prometheus_healthy(database_url, schema_path):
    result = schemadiff(database_url, schema_path, "check", "--format", "prometheus")
    assert result.exit_code == 0
    m = metrics(result.output)
    assert m[("schemadiff_healthy", ())] == 1 and m[("schemadiff_check_status", ())] == 0
    assert m[("schemadiff_tables", ())] == 2 and m[("schemadiff_indexes", ())] == 2
    assert m[("schemadiff_version", ())] == 1
    assert abs(m[("schemadiff_last_applied_timestamp_seconds", ())] - time.time()) < 120
    assert 0 < m[("schemadiff_check_duration_seconds", ())] < 10
    assert m[("schemadiff_objects", (("kind", "table"), ("problem", "missing")))] == 0


def test_prometheus_counts_problems_by_kind(database_url, schema_path, sql):
    sql("DROP TABLE games")
    sql("CREATE TABLE scratch (id int)")
    sql("CREATE TABLE scratch2 (id int)")
    result = schemadiff(database_url, schema_path, "check", "--format", "prometheus")
    assert result.exit_code == 2
    m = metrics(result.output)
    assert m[("schemadiff_healthy", ())] == 0 and m[("schemadiff_check_status", ())] == 2
    assert m[("schemadiff_objects", (("kind", "table"), ("problem", "missing")))] == 1
    assert m[("schemadiff_objects", (("kind", "table"), ("problem", "extra")))] == 2
    assert m[("schemadiff_objects", (("kind", "index"), ("problem", "missing")))] == 1


def test_exposition_escapes_labels_and_handles_an_unreachable_database():
    report = HealthReport(connected=True, findings=[
        Finding(WARNING, 'we"ird\\kind\n', "extra", "x", "m"), Finding(CRITICAL, "table", "missing", "t", "m")])
    m = metrics(exposition(report))
    assert m[("schemadiff_objects", (("kind", 'we"ird\\kind\n'), ("problem", "extra")))] == 1
    assert m[("schemadiff_findings", (("severity", "critical"),))] == 1
    m = metrics(exposition(HealthReport(connected=False, error="cannot connect")))
    assert m[("schemadiff_database_up", ())] == 0 and m[("schemadiff_check_status", ())] == 2
    assert ("schemadiff_last_applied_timestamp_seconds", ()) not in m


# --- exit codes ------------------------------------------------------------------------------

def test_warning_exits_1_unless_failing_on_critical_only(database_url, schema_path, sql):
    sql("CREATE TABLE scratch (id int)")
    result = schemadiff(database_url, schema_path, "check")
    assert result.exit_code == 1
    assert result.output.startswith("SCHEMADIFF WARNING - 3 tables, 2 indexes, version 1 - 1 warning\n")
    assert "WARNING: table public.scratch is not in the schema file" in result.output
    assert schemadiff(database_url, schema_path, "check", "--fail-on", "critical").exit_code == 0
    assert schemadiff(database_url, schema_path, "check", "--fail-on", "warning").exit_code == 1


def test_missing_table_is_critical_whatever_fail_on_says(database_url, schema_path, sql):
    sql("DROP TABLE games")
    for fail_on in ("warning", "critical"):
        result = schemadiff(database_url, schema_path, "check", "--fail-on", fail_on)
        assert result.exit_code == 2
        assert result.output.startswith("SCHEMADIFF CRITICAL - 1 tables, 1 indexes, version 1")


@pytest.mark.parametrize("fmt", ["text", "json", "prometheus"])
def test_malformed_schema_file_is_unknown(tmp_path, fmt):
    bad = tmp_path / "schema.yaml"
    bad.write_text("tables:\n  users:\n    columns: [unclosed\n")
    result = schemadiff(f"postgresql://postgres@127.0.0.1:{free_port()}/x", str(bad), "check", "--format", fmt)
    assert result.exit_code == 3
    if fmt == "text":
        assert result.output.startswith("SCHEMADIFF UNKNOWN - ")
    elif fmt == "json":
        assert json.loads(result.output)["status"] == "unknown"
    else:
        assert metrics(result.output)[("schemadiff_check_status", ())] == 3


# --- never hanging ----------------------------------------------------------------------------

def test_closed_port_is_critical_at_once(tmp_path):
    started = time.monotonic()
    result = schemadiff(f"postgresql://postgres@127.0.0.1:{free_port()}/x", write_schema(tmp_path), "check")
    assert result.exit_code == 2 and time.monotonic() - started < 5
    assert result.output.startswith("SCHEMADIFF CRITICAL - database unreachable: cannot connect to 127.0.0.1:")


def test_server_that_never_answers_ends_within_the_connect_timeout(tmp_path):
    silent = socket.socket()  # accepts TCP connections (the kernel does) and never says a word
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    url = f"postgresql://postgres@127.0.0.1:{silent.getsockname()[1]}/x"
    try:
        started = time.monotonic()
        result = CliRunner().invoke(cli, ["--database-url", url, "--schema", write_schema(tmp_path),
                                          "--connect-timeout", "2", "check", "--format", "json"])
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert result.exit_code == 2 and elapsed < 5, (elapsed, result.output)
    report = json.loads(result.output)
    assert report["connectivity"]["ok"] is False and "timeout" in report["connectivity"]["error"]


@pytest.fixture
def holding_lock(database_url):
    """Lock a table ACCESS EXCLUSIVE in a transaction left open, as a stuck migration would."""
    conn = psycopg.connect(database_url)

    def hold(table: str) -> None:
        conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")

    yield hold
    conn.rollback()
    conn.close()


@pytest.mark.parametrize("table", ["users", "schemadiff_version"])
def test_locked_table_ends_within_the_statement_timeout(database_url, schema_path, holding_lock, table):
    """Catalog functions (pg_get_expr, pg_get_indexdef) wait for a table's lock, and the version
    table is read: a stuck migration must turn into a critical report, not a hung probe."""
    holding_lock(table)
    started = time.monotonic()
    result = schemadiff(database_url, schema_path, "check", "--statement-timeout", "1")
    assert time.monotonic() - started < 6
    assert result.exit_code == 2
    assert result.output.startswith("SCHEMADIFF CRITICAL - the check did not finish: canceling statement "
                                    "due to statement timeout (a transaction may hold a lock")


# --- status ------------------------------------------------------------------------------------

def test_status_text_and_json(database_url, schema_path, sql):
    sql("DROP INDEX idx_games_user_id")
    result = schemadiff(database_url, schema_path, "status")
    assert result.exit_code == 0, result.output
    assert "Current version:  1 (applied " in result.output
    assert "Pending changes:  1\n  - create index idx_games_user_id" in result.output
    data = json.loads(schemadiff(database_url, schema_path, "status", "--format", "json").output)
    assert data["current_version"] == "1" and data["applied_migrations"] == 1
    assert data["schema_valid"] is False and len(data["pending_migrations"]) == 1


def test_status_of_an_unreachable_database_exits_1(tmp_path):
    result = schemadiff(f"postgresql://postgres@127.0.0.1:{free_port()}/x", write_schema(tmp_path), "status")
    assert result.exit_code == 1 and "cannot connect" in result.output
