"""The command line over the repo's schema.yaml: apply from empty, the fixpoint, the
output formats of ``plan`` and the drift scenario ("Done when" of the core issue)."""

from __future__ import annotations

import json
import shutil
import subprocess

import psycopg
import pytest

from core_helpers import SCHEMA_YAML, invoke, output, run_cli

SEVEN_TABLES = {"users", "games", "transactions", "notifications", "audit_logs", "outbox", "settings"}


@pytest.fixture
def project(tmp_path):
    """A directory holding a copy of the repo's schema.yaml."""
    shutil.copy(SCHEMA_YAML, tmp_path / "schema.yaml")
    return tmp_path


@pytest.fixture
def applied(project, database_url):
    """schema.yaml applied to the test database."""
    result = invoke("apply", cwd=project, url=database_url)
    assert result.returncode == 0, output(result)
    return result


def tables(sql) -> set:
    return {r[0] for r in sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def test_apply_from_empty_creates_the_seven_tables(applied, sql):
    assert "Applied" in applied.stdout
    assert SEVEN_TABLES <= tables(sql)


def test_after_apply_the_plan_is_empty(applied, project, database_url):
    result = invoke("plan", "--exit-code", cwd=project, url=database_url)
    assert result.returncode == 0, output(result)
    assert "No changes" in result.stdout


def test_after_apply_check_is_healthy(applied, project, database_url):
    result = invoke("check", cwd=project, url=database_url)
    assert result.returncode == 0, output(result)
    assert result.stdout.startswith("SCHEMADIFF OK")


DDL_LOG = """
CREATE SCHEMA watch;
CREATE TABLE watch.ddl (tag text);
CREATE FUNCTION watch.log() RETURNS event_trigger LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO watch.ddl VALUES (tg_tag); END $$;
CREATE EVENT TRIGGER watch_ddl ON ddl_command_start EXECUTE FUNCTION watch.log();
"""


def test_second_apply_executes_no_ddl_and_says_so(applied, project, database_url, sql):
    sql(DDL_LOG)
    result = run_cli("apply", cwd=project, url=database_url)
    assert result.returncode == 0, output(result)
    assert "no DDL was executed" in result.stdout
    assert sql("SELECT tag FROM watch.ddl") == []


def test_plan_exit_code_is_2_when_there_are_changes(project, database_url):
    result = invoke("plan", "--exit-code", cwd=project, url=database_url)
    assert result.returncode == 2, output(result)


def test_plan_without_exit_code_exits_0_with_changes(project, database_url):
    result = invoke("plan", cwd=project, url=database_url)
    assert result.returncode == 0, output(result)
    assert "CREATE TABLE" in result.stdout


def test_plan_json_parses(project, database_url):
    result = invoke("plan", "--format", "json", cwd=project, url=database_url)
    plan = json.loads(result.stdout)
    assert plan["empty"] is False
    assert sum(s["sql"].startswith("CREATE TABLE") for s in plan["statements"]) == 7
    assert all(s["sql"] for s in plan["statements"])


def test_plan_markdown_contains_the_verdict(project, database_url):
    result = invoke("plan", "--format", "markdown", cwd=project, url=database_url)
    assert "statement(s)" in result.stdout
    assert "```sql" in result.stdout


def test_plan_markdown_says_no_changes_when_there_are_none(applied, project, database_url):
    result = invoke("plan", "--format", "markdown", cwd=project, url=database_url)
    assert "No schema changes" in result.stdout


def test_plan_sql_runs_and_reaches_the_schema(project, database_url, sql):
    script = invoke("plan", "--format", "sql", cwd=project, url=database_url).stdout
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(script)
    assert SEVEN_TABLES <= tables(sql)
    result = invoke("plan", "--exit-code", cwd=project, url=database_url)
    assert result.returncode == 0, output(result)


def test_dropped_index_is_reported_planned_and_repaired(applied, project, database_url, sql):
    sql("DROP INDEX idx_games_session_id")

    check = run_cli("check", cwd=project, url=database_url)
    assert check.returncode == 2, output(check)
    assert "idx_games_session_id" in check.stdout

    plan = run_cli("plan", cwd=project, url=database_url)
    assert "CREATE INDEX" in plan.stdout and "idx_games_session_id" in plan.stdout

    repair = run_cli("apply", cwd=project, url=database_url)
    assert repair.returncode == 0, output(repair)
    assert sql("SELECT 1 FROM pg_indexes WHERE indexname = 'idx_games_session_id'") == [(1,)]
    assert run_cli("check", cwd=project, url=database_url).returncode == 0


@pytest.mark.skipif(shutil.which("psql") is None, reason="psql is not installed")
def test_plan_sql_with_concurrent_steps_runs_in_psql(applied, project, database_url, sql):
    text = (project / "schema.yaml").read_text()
    (project / "schema.yaml").write_text(text.replace(
        "      - name: idx_settings_key\n",
        "      - name: idx_settings_created_at\n        columns: [created_at]\n      - name: idx_settings_key\n"))
    script = invoke("plan", "--format", "sql", cwd=project, url=database_url).stdout
    assert "CONCURRENTLY" in script
    (project / "plan.sql").write_text(script)
    ran = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-q", "-f", "plan.sql", database_url],
                         cwd=project, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert invoke("plan", "--exit-code", cwd=project, url=database_url).returncode == 0
