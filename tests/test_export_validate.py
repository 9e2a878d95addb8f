"""Plans exported as numbered psql files, and plans rehearsed on a scratch database."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from schemadiff import engine
from schemadiff.cli import cli
from schemadiff.desired import loads
from schemadiff.deploy.export import next_path
from schemadiff.catalog.inspect import inspect
from schemadiff.deploy.scratch import scratch_database
from schemadiff.deploy.validate_plan import PlanDoesNotConverge, validate_plan

PSQL = "/usr/bin/psql"
BEFORE = """
tables:
  users:
    columns:
      id: bigserial
      email: {type: text, nullable: false}
      nickname: text
    primary_key: id
"""
AFTER = """
tables:
  users:
    columns:
      id: bigserial
      email: {type: text, nullable: false}
      created_at: {type: timestamptz, nullable: false, default: now()}
    primary_key: id
    indexes:
      - name: idx_users_created_at
        columns: [created_at]
  orders:
    columns:
      id: bigserial
      user_id: {type: bigint, nullable: false}
      total: {type: "numeric(12,2)", nullable: false, default: 0}
    primary_key: id
    foreign_keys:
      - columns: [user_id]
        references: users(id)
    checks:
      - total >= 0
"""


def catalog_of(url: str):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET search_path TO public")
        return inspect(conn, ["public"], exclude=[engine.Target(url).version_table])


def test_next_number_follows_the_highest(tmp_path):
    assert next_path(tmp_path, "x").name == "001_x.sql"
    (tmp_path / "001_a.sql").write_text("")
    (tmp_path / "007_b.sql").write_text("")
    (tmp_path / "notes.txt").write_text("")
    assert next_path(tmp_path, "c").name == "008_c.sql"


@pytest.mark.skipif(not Path(PSQL).exists(), reason="psql is not installed")
def test_exported_file_run_by_psql_equals_apply(tmp_path, database_url, pg_server):
    engine.apply(engine.Target(database_url), loads(BEFORE))
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("INSERT INTO users (email, nickname) VALUES ('a@example.com', 'a')")
    with scratch_database(pg_server) as twin:
        engine.apply(engine.Target(twin), loads(BEFORE))

        (tmp_path / "migrations").mkdir()
        (tmp_path / "migrations" / "001_create_initial_schema.sql").write_text("-- already applied\n")
        (tmp_path / "schema.yaml").write_text(AFTER)
        result = CliRunner().invoke(cli, ["--database-url", database_url, "--schema", str(tmp_path / "schema.yaml"),
                                          "plan", "--format", "sql", "--out-dir", str(tmp_path / "migrations"),
                                          "--allow-destructive"])
        assert result.exit_code == 0, result.output
        files = sorted(p.name for p in (tmp_path / "migrations").iterdir())
        assert files[0] == "001_create_initial_schema.sql" and files[1].startswith("002_") and len(files) == 2
        text = (tmp_path / "migrations" / files[1]).read_text()
        assert "Leads to the desired state with hash" in text and "destructive DELETES_DATA" in text
        assert "CONCURRENTLY" in text  # online plan: the index build stands outside BEGIN/COMMIT

        for _ in range(2):  # idempotent: a second run changes nothing and does not fail
            run = subprocess.run([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database_url,
                                  "-f", str(tmp_path / "migrations" / files[1])], capture_output=True, text=True)
            assert run.returncode == 0, run.stderr
        engine.apply(engine.Target(twin), loads(AFTER), allow_destructive=True)

        assert engine.plan(engine.Target(database_url), loads(AFTER)).empty
        assert catalog_of(database_url) == catalog_of(twin)
        with psycopg.connect(database_url) as conn:
            assert conn.execute("SELECT email FROM users").fetchall() == [("a@example.com",)]


def test_validate_accepts_a_converging_plan(database_url):
    target = engine.Target(database_url)
    engine.apply(target, loads(BEFORE))
    plan = engine.plan(target, loads(AFTER))
    validate_plan(target, loads(AFTER), plan)
    assert not engine.plan(target, loads(AFTER)).empty  # the real database was not touched


def test_validate_catches_a_plan_that_does_not_converge(database_url, tmp_path):
    target = engine.Target(database_url)
    engine.apply(target, loads(BEFORE))
    plan = engine.plan(target, loads(AFTER))
    broken = replace(plan, statements=tuple(s for s in plan.statements if s.kind != "AddIndex"))
    with pytest.raises(PlanDoesNotConverge, match="create index idx_users_created_at"):
        validate_plan(target, loads(AFTER), broken)

    (tmp_path / "schema.yaml").write_text(AFTER)
    ok = CliRunner().invoke(cli, ["--database-url", database_url, "--schema", str(tmp_path / "schema.yaml"),
                                  "plan", "--validate"])
    assert ok.exit_code == 0, ok.output
    assert "Validated" in ok.output


def test_export_command_names_the_file_and_skips_empty_plans(tmp_path, database_url):
    engine.apply(engine.Target(database_url), loads(BEFORE))
    (tmp_path / "schema.yaml").write_text(AFTER)
    args = ["--database-url", database_url, "--schema", str(tmp_path / "schema.yaml"), "export"]
    result = CliRunner().invoke(cli, args + [str(tmp_path / "migrations"), "--name", "Add orders", "--offline",
                                             "--allow-destructive"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "migrations" / "001_add_orders.sql").read_text()
    assert text.count("BEGIN;") == 1 and text.rstrip().endswith("COMMIT;")  # offline: one transaction

    (tmp_path / "schema.yaml").write_text(BEFORE)
    empty = CliRunner().invoke(cli, args + [str(tmp_path / "migrations")])
    assert empty.exit_code == 0 and "No changes" in empty.output
    assert [p.name for p in (tmp_path / "migrations").iterdir()] == ["001_add_orders.sql"]


@pytest.mark.parametrize("command", [["export"], ["plan", "--format", "sql", "--out-dir"]], ids=["export", "plan --out-dir"])
def test_exporting_a_destructive_plan_is_refused_like_apply_unless_allowed(tmp_path, database_url, command):
    engine.apply(engine.Target(database_url), loads(BEFORE))
    (tmp_path / "schema.yaml").write_text(AFTER)  # drops users.nickname
    args = ["--database-url", database_url, "--schema", str(tmp_path / "schema.yaml"), *command, str(tmp_path / "migrations")]
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 4, refused.output
    assert "drop column" in refused.output and "--allow-destructive" in refused.output
    assert not (tmp_path / "migrations").exists() or not list((tmp_path / "migrations").iterdir())

    allowed = CliRunner().invoke(cli, args + ["--allow-destructive"])
    assert allowed.exit_code == 0, allowed.output
    [written] = (tmp_path / "migrations").iterdir()
    assert "DROP COLUMN IF EXISTS nickname" in written.read_text()


def test_validate_rehearses_with_the_views_the_file_leaves_alone(database_url):
    """The scratch copy holds every kind, managed or not: a view the file does not manage that
    reads a column whose type changes makes the rehearsal fail as the real apply would."""
    narrow = "tables:\n  prices:\n    columns:\n      id: bigint\n      amount: numeric(4,2)\n    primary_key: id\n"
    target = engine.Target(database_url)
    engine.apply(target, loads(narrow))
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE VIEW priced AS SELECT id, amount FROM prices")
    wider = loads(narrow.replace("numeric(4,2)", "numeric(6,2)"))
    with pytest.raises(PlanDoesNotConverge, match="cannot alter type of a column used by a view"):
        validate_plan(target, wider, engine.plan(target, wider))
