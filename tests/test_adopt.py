"""Adopting a folder of numbered migrations, and baselining a database another tool migrated."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Optional

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


# The tracking tables of other migration tools, as each tool creates them, with two steps applied.
TOOLS = {
    "flyway": ("flyway_schema_history", "2.10", """
        CREATE TABLE flyway_schema_history (installed_rank integer NOT NULL PRIMARY KEY, version varchar(50),
            description varchar(200) NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL,
            checksum integer, installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(),
            execution_time integer NOT NULL, success boolean NOT NULL);
        CREATE INDEX flyway_schema_history_s_idx ON flyway_schema_history (success);
        INSERT INTO flyway_schema_history VALUES
            (1, '2.9', 'init', 'SQL', 'V2_9__init.sql', 1, 'app', now(), 5, true),
            (2, '2.10', 'more', 'SQL', 'V2_10__more.sql', 2, 'app', now(), 5, true);"""),
    "liquibase": ("databasechangelog", "2", """
        CREATE TABLE databasechangelog (id varchar(255) NOT NULL, author varchar(255) NOT NULL,
            filename varchar(255) NOT NULL, dateexecuted timestamp NOT NULL, orderexecuted integer NOT NULL,
            exectype varchar(10) NOT NULL, md5sum varchar(35), description varchar(255), comments varchar(255),
            tag varchar(255), liquibase varchar(20), contexts varchar(255), labels varchar(255),
            deployment_id varchar(10));
        CREATE TABLE databasechangeloglock (id integer NOT NULL PRIMARY KEY, locked boolean NOT NULL,
            lockgranted timestamp, lockedby varchar(255));
        INSERT INTO databasechangelog (id, author, filename, dateexecuted, orderexecuted, exectype) VALUES
            ('1', 'app', 'changelog.xml', now(), 1, 'EXECUTED'), ('2', 'app', 'changelog.xml', now(), 2, 'EXECUTED');"""),
    "django": ("django_migrations", "0002_more", """
        CREATE TABLE django_migrations (id bigserial PRIMARY KEY, app varchar(255) NOT NULL,
            name varchar(255) NOT NULL, applied timestamptz NOT NULL);
        INSERT INTO django_migrations (app, name, applied) VALUES ('shop', '0001_initial', now()),
            ('shop', '0002_more', now());"""),
    "knex": ("knex_migrations", "20240102_more.js", """
        CREATE TABLE knex_migrations (id serial PRIMARY KEY, name varchar(255), batch integer,
            migration_time timestamptz);
        CREATE TABLE knex_migrations_lock (index serial PRIMARY KEY, is_locked integer);
        INSERT INTO knex_migrations (name, batch, migration_time) VALUES ('20240101_init.js', 1, now()),
            ('20240102_more.js', 2, now());"""),
    "prisma": ("_prisma_migrations", "20240102_more", """
        CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL,
            finished_at timestamptz, migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz,
            started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count integer NOT NULL DEFAULT 0);
        INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, started_at) VALUES
            ('b', 'x', now(), '20240102_more', now()), ('a', 'x', now() - interval '1 day', '20240101_init',
             now() - interval '1 day');"""),
    "goose": ("goose_db_version", "20240102", """
        CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL, is_applied boolean NOT NULL,
            tstamp timestamp DEFAULT now());
        INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (20240101, true), (20240102, true);"""),
    "sqlx": ("_sqlx_migrations", "10", """
        CREATE TABLE _sqlx_migrations (version bigint PRIMARY KEY, description text NOT NULL,
            installed_on timestamptz NOT NULL DEFAULT now(), success boolean NOT NULL, checksum bytea NOT NULL,
            execution_time bigint NOT NULL);
        INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES
            (9, 'init', true, '\\x00', 1), (10, 'more', true, '\\x00', 1);"""),
    "diesel": ("__diesel_schema_migrations", "20240102000000", """
        CREATE TABLE __diesel_schema_migrations (version varchar(50) PRIMARY KEY NOT NULL,
            run_on timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP);
        INSERT INTO __diesel_schema_migrations (version) VALUES ('20240101000000'), ('20240102000000');"""),
    "ef core": ("__EFMigrationsHistory", "20240102_More", """
        CREATE TABLE "__EFMigrationsHistory" ("MigrationId" varchar(150) NOT NULL,
            "ProductVersion" varchar(32) NOT NULL, CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY ("MigrationId"));
        INSERT INTO "__EFMigrationsHistory" VALUES ('20240101_Init', '8.0.0'), ('20240102_More', '8.0.0');"""),
}

APP = """
tables:
  products:
    columns:
      id: bigserial
      name: text
    primary_key: id
"""


@pytest.fixture
def app_schema(tmp_path):
    schema = tmp_path / "schema.yaml"
    schema.write_text(APP)
    return schema


@pytest.mark.parametrize("table, version, ddl", TOOLS.values(), ids=TOOLS.keys())
def test_baseline_recognises_the_tracking_table_of_other_tools(app_schema, database_url, sql, table, version, ddl):
    sql("CREATE TABLE products (id bigserial PRIMARY KEY, name text)")
    sql(ddl)
    result = cli_run("--database-url", database_url, "--schema", str(app_schema), "baseline")
    assert result.exit_code == 0, result.output
    assert f"from {table} at {version}" in result.output


@pytest.mark.parametrize("table, version, ddl", TOOLS.values(), ids=TOOLS.keys())
def test_the_tracking_tables_of_other_tools_are_never_managed(app_schema, database_url, sql, table, version, ddl):
    assert cli_run("--database-url", database_url, "--schema", str(app_schema), "apply").exit_code == 0
    sql(ddl)
    run = ("--database-url", database_url, "--schema", str(app_schema))
    plan = cli_run(*run, "plan", "--exit-code")
    assert plan.exit_code == 0, plan.output
    check = cli_run(*run, "check")
    assert check.exit_code == 0, check.output
    inspected = cli_run(*run, "inspect")
    assert inspected.exit_code == 0, inspected.output
    assert [t.name for t in loads(inspected.stdout).tables] == ["products"]
    # Never written as a table, but named among what inspect leaves out (nothing is lost silently).
    mentions = [line for line in inspected.output.splitlines() if table in line]
    assert mentions and all("the version table of another migration tool" in line for line in mentions)


# -- migration files written for psql ---------------------------------------------------------

PSQL_FILE = r"""\set ON_ERROR_STOP on
\echo adding orders
CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id));
\ir parts/order_index.sql
SELECT 'orders_total' AS column_name \gset
ALTER TABLE orders ADD COLUMN :"column_name" numeric(12,2);
"""


def psql_folder(tmp_path, text: str = PSQL_FILE) -> Path:
    folder = tmp_path / "migrations"
    shutil.copytree(SEED, folder)
    (folder / "003_orders.sql").write_text(text)
    (folder / "parts").mkdir()
    (folder / "parts" / "order_index.sql").write_text("CREATE INDEX orders_user_id_idx ON orders (user_id);\n")
    return folder


def adopt_cli(tmp_path, database_url, folder: Path, path_env: Optional[str] = None):
    from core_helpers import run_cli

    env = {"PATH": path_env} if path_env is not None else None
    return run_cli("--schema", str(tmp_path / "schema.yaml"), "adopt", str(folder), cwd=tmp_path, url=database_url,
                   env=env)


@pytest.mark.skipif(shutil.which("psql") is None, reason="psql is not installed")
def test_adopt_runs_files_with_psql_meta_commands_through_psql(tmp_path, database_url):
    result = adopt_cli(tmp_path, database_url, psql_folder(tmp_path))
    assert result.returncode == 0, result.stderr
    orders = load(tmp_path / "schema.yaml").table_map()[next(k for k in load(tmp_path / "schema.yaml").table_map()
                                                              if k.name == "orders")]
    assert [c.name for c in orders.columns] == ["id", "user_id", "orders_total"]
    assert [i.name for i in orders.indexes] == ["orders_user_id_idx"]


@pytest.mark.skipif(shutil.which("psql") is None, reason="psql is not installed")
def test_a_failing_psql_file_is_named_with_the_error(tmp_path, database_url):
    folder = psql_folder(tmp_path, PSQL_FILE + "ALTER TABLE orders ADD COLUMN oops nosuchtype;\n")
    result = adopt_cli(tmp_path, database_url, folder)
    assert result.returncode == 1
    assert "003_orders.sql" in result.stderr and 'type "nosuchtype" does not exist' in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "schema.yaml").exists()


def test_without_psql_adopt_names_the_line_it_cannot_run(tmp_path, database_url):
    result = adopt_cli(tmp_path, database_url, psql_folder(tmp_path), path_env="/nonexistent")
    assert result.returncode == 1
    assert "003_orders.sql:1" in result.stderr and "\\set ON_ERROR_STOP on" in result.stderr
    assert "psql" in result.stderr and "Traceback" not in result.stderr


def test_adopt_refuses_a_file_that_connects_to_another_database(tmp_path, database_url, sql):
    folder = psql_folder(tmp_path, "\\connect postgres\nCREATE TABLE escaped (id int);\n")
    result = adopt_cli(tmp_path, database_url, folder)
    assert result.returncode == 1
    assert "003_orders.sql:1" in result.stderr and "\\connect" in result.stderr
    assert sql("SELECT count(*) FROM pg_tables WHERE tablename = 'escaped'") == [(0,)]
