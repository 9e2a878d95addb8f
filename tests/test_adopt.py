"""Adopting a folder of numbered migrations, and baselining a database another tool migrated."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from schemadiff import engine
from schemadiff.deploy.adopt import BaselineRefused, adopt, baseline, migration_files, replay
from schemadiff.cli import cli
from schemadiff.desired import load, loads

SEED = Path(__file__).parent / "fixtures" / "seed_migrations"
REPO = Path(__file__).resolve().parent.parent


def cli_run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_adopt_seed_migrations_plans_empty_against_them(tmp_path, database_url):
    out = tmp_path / "schema.yaml"
    result = cli_run("--database-url", database_url, "--schema", str(out), "adopt", str(SEED))
    assert result.exit_code == 0, result.output
    assert "7 tables" in result.output
    desired = load(out)
    assert {t.name for t in desired.tables} == {"users", "games", "transactions", "notifications",
                                                 "audit_logs", "outbox", "settings"}
    users = desired.table_map()[next(k for k in desired.table_map() if k.name == "users")]
    assert users.column("email_verified") and "idx_users_email_verified" in {i.name for i in users.indexes}

    replay(database_url, migration_files(SEED))
    assert engine.plan(engine.Target(database_url), desired).empty
    # the scratch database is gone
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'schemadiff_scratch_%'").fetchone()[0] == 0


def test_seed_001_matches_the_hand_written_schema(database_url):
    target = engine.Target(database_url)
    replay(database_url, migration_files(SEED)[:1])
    assert engine.plan(target, load(REPO / "schema.yaml")).empty


def test_failing_file_is_named_with_the_postgres_error(tmp_path, database_url):
    folder = tmp_path / "migrations"
    shutil.copytree(SEED, folder)
    (folder / "003_broken.sql").write_text("ALTER TABLE users ADD COLUMN oops nosuchtype;\n")
    result = cli_run("--database-url", database_url, "--schema", str(tmp_path / "schema.yaml"), "adopt", str(folder))
    assert result.exit_code == 1
    assert "003_broken.sql" in result.output and 'type "nosuchtype" does not exist' in result.output
    assert not (tmp_path / "schema.yaml").exists()


def test_init_from_migrations_delegates_to_adopt(tmp_path, database_url):
    out = tmp_path / "schema.yaml"
    result = cli_run("--database-url", database_url, "--schema", str(out), "init", "--from-migrations", str(SEED))
    assert result.exit_code == 0, result.output
    assert len(load(out).tables) == 7


ALEMBIC = """
CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY);
INSERT INTO alembic_version VALUES ('002_add_verification_columns');
"""


def test_baseline_on_an_alembic_database(tmp_path, database_url, sql):
    replay(database_url, migration_files(SEED))
    sql(ALEMBIC)
    sql("INSERT INTO users (telegram_id) VALUES (42)")
    schema = tmp_path / "schema.yaml"
    _, text = adopt(SEED, database_url)
    schema.write_text(text)

    result = cli_run("--database-url", database_url, "--schema", str(schema), "baseline")
    assert result.exit_code == 0, result.output
    assert "from alembic_version at 002_add_verification_columns" in result.output
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT statement_count, extra FROM schemadiff_version").fetchone()
        assert row == (0, {"baseline_from": "alembic_version", "version": "002_add_verification_columns",
                           "migrations_applied": 1})
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 1
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "002_add_verification_columns"

    again = cli_run("--database-url", database_url, "--schema", str(schema), "baseline")
    assert again.exit_code == 0 and "Already managed" in again.output
    plan = cli_run("--database-url", database_url, "--schema", str(schema), "plan", "--exit-code")
    assert plan.exit_code == 0 and "alembic_version" not in plan.output
    apply = cli_run("--database-url", database_url, "--schema", str(schema), "apply")
    assert apply.exit_code == 0 and "No changes" in apply.output


def test_baseline_refused_when_the_schema_differs(database_url, sql):
    replay(database_url, migration_files(SEED)[:1])
    sql(ALEMBIC)
    desired = load(REPO / "schema.yaml")
    newer = loads("tables:\n  only_this: {columns: {id: bigserial}, primary_key: id}\n")
    with pytest.raises(BaselineRefused, match="differs"):
        baseline(engine.Target(database_url), newer)
    assert baseline(engine.Target(database_url), desired).version == 1
