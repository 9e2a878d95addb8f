"""Data migrations: expand → migrate → contract in one apply, each file once, tampering refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from schemadiff import engine
from schemadiff.cli import cli
from schemadiff.deploy.datamigrations import DataMigrationError, discover
from schemadiff.desired import loads
from schemadiff.plan import PlanOptions

BEFORE = """
tables:
  people:
    columns:
      id: bigserial
      fullname: {type: text, nullable: false}
    primary_key: id
"""
AFTER = """
tables:
  people:
    columns:
      id: bigserial
      display_name: {type: text, nullable: false}
    primary_key: id
    indexes:
      - name: idx_people_display_name
        columns: [display_name]
"""
BACKFILL = """-- schemadiff: run=after-additive
-- Copy the old column into the new one before the old one is dropped.
UPDATE people SET display_name = fullname WHERE display_name IS NULL;
"""


@pytest.fixture
def project(tmp_path: Path, database_url: str, sql):
    (tmp_path / "schema.yaml").write_text(BEFORE)
    engine.apply(engine.Target(database_url), loads(BEFORE))
    sql("INSERT INTO people (fullname) VALUES ('Ada Lovelace'), ('Alan Turing')")
    (tmp_path / "schema.yaml").write_text(AFTER)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "001_backfill_display_name.sql").write_text(BACKFILL)
    return tmp_path


def run(project: Path, url: str, *args: str):
    return CliRunner().invoke(cli, ["--database-url", url, "--schema", str(project / "schema.yaml"), *args])


@pytest.mark.parametrize("online", [True, False])
def test_backfill_between_additive_and_contracting(project, database_url, sql, online):
    migrations = discover(project / "data")
    plan = engine.plan(engine.Target(database_url), loads(AFTER), PlanOptions(online=online), data_migrations=migrations)
    kinds = [s.kind for s in plan.statements]
    at = kinds.index("DataMigration")
    assert "AddColumn" in kinds[:at] and "DropColumn" in kinds[at:]
    assert all("SET NOT NULL" not in s.sql for s in plan.statements[:at])
    assert any("SET NOT NULL" in s.sql for s in plan.statements[at:])
    assert plan.statements[at].transactional
    assert kinds.index("AlterColumn") < kinds.index("DropColumn")  # tighten before removing
    from schemadiff.deploy.apply import groups

    tx, grouped = next(g for g in groups(plan.statements) if plan.statements[at] in g[1])
    assert tx
    if online:  # the concurrent index build stays before it, on its own
        assert not next(s for s in plan.statements if s.kind == "AddIndex").transactional
        assert grouped[0].kind == "DataMigration"
    else:  # one transaction for schema change and data change
        assert len(groups(plan.statements)) == 1

    result = run(project, database_url, "apply", "--allow-destructive", *([] if online else ["--offline"]))
    assert result.exit_code == 0, result.output
    assert sql("SELECT display_name FROM people ORDER BY id") == [("Ada Lovelace",), ("Alan Turing",)]
    assert sql("SELECT filename, version IS NOT NULL FROM schemadiff_data_migrations") == [
        ("001_backfill_display_name.sql", True)]

    again = run(project, database_url, "plan", "--exit-code")
    assert again.exit_code == 0, again.output
    assert "No changes" in again.output
    rerun = run(project, database_url, "apply", "--allow-destructive")
    assert rerun.exit_code == 0 and "No changes" in rerun.output


def test_plan_shows_the_data_migration_in_order(project, database_url):
    result = run(project, database_url, "plan")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    add = next(i for i, l in enumerate(lines) if "add column public.people.display_name" in l)
    data = next(i for i, l in enumerate(lines) if "data migration 001_backfill_display_name.sql" in l)
    drop = next(i for i, l in enumerate(lines) if "drop column public.people.fullname" in l)
    assert add < data < drop


def test_failed_data_migration_rolls_back_with_its_transaction(project, database_url, sql):
    (project / "data" / "002_broken.sql").write_text("-- schemadiff: run=after-all\nSELECT 1/0;\n")
    result = run(project, database_url, "apply", "--allow-destructive", "--offline")
    assert result.exit_code == 1
    assert "002_broken.sql" in result.output and "division by zero" in result.output
    assert sql("SELECT to_regclass('schemadiff_data_migrations')") == [(None,)]
    assert [r[0] for r in sql("SELECT column_name FROM information_schema.columns WHERE table_name = 'people' ORDER BY 1")] \
        == ["fullname", "id"]


def test_tampered_data_migration_is_refused(project, database_url, sql):
    assert run(project, database_url, "apply", "--allow-destructive").exit_code == 0
    path = project / "data" / "001_backfill_display_name.sql"
    path.write_text(BACKFILL + "UPDATE people SET display_name = upper(display_name);\n")
    for command in (["plan"], ["apply", "--allow-destructive"]):
        result = run(project, database_url, *command)
        assert result.exit_code == 1, result.output
        assert "001_backfill_display_name.sql" in result.output and "changed after" in result.output
    assert sql("SELECT display_name FROM people ORDER BY id") == [("Ada Lovelace",), ("Alan Turing",)]


def test_files_must_declare_where_they_run(tmp_path):
    (tmp_path / "001_x.sql").write_text("UPDATE t SET a = 1;\n")
    with pytest.raises(DataMigrationError, match="001_x.sql.*run=after-additive"):
        discover(tmp_path)
    (tmp_path / "001_x.sql").write_text("-- schemadiff: run=sometime\nUPDATE t SET a = 1;\n")
    with pytest.raises(DataMigrationError, match="sometime"):
        discover(tmp_path)
    (tmp_path / "001_x.sql").write_text("-- schemadiff: run=after-all\nSELECT 1")
    (tmp_path / "abc.sql").write_text("-- schemadiff: run=after-all\n")
    with pytest.raises(DataMigrationError, match="NNN_description"):
        discover(tmp_path)
