"""schemadiff run as least-privilege roles (README → "Privileges"): each command needs only
what the table there names, and a role that lacks something gets a report of what it could
read rather than a failure. Every test connects as a real role created in the test database's
server: ``CREATE ROLE … LOGIN PASSWORD …``, granted exactly what the row names."""

from __future__ import annotations

import json
import uuid
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from click.testing import CliRunner

from schemadiff.cli import cli
from core_helpers import USERS_SCHEMA as SCHEMA


def run(*args):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def project(cli_project):
    (cli_project / "schema.yaml").write_text(SCHEMA)
    return cli_project


@pytest.fixture
def role(database_url):
    """``role(*grants)``: the URL of a new login role that may connect to the test database
    and use schema public, granted ``grants`` (SQL with ``{role}`` for its name) besides."""
    created = []

    def make(*grants: str) -> str:
        name = f"least_{uuid.uuid4().hex[:10]}"
        dbname = urlsplit(database_url).path.lstrip("/")
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD 'least-pw'")
            created.append(name)
            conn.execute(f'REVOKE ALL ON DATABASE "{dbname}" FROM PUBLIC')
            conn.execute(f'GRANT CONNECT ON DATABASE "{dbname}" TO {name}')
            conn.execute(f"GRANT USAGE ON SCHEMA public TO {name}")
            for grant in grants:
                conn.execute(grant.format(role=name))
        return as_user(database_url, name, "least-pw")

    yield make
    with psycopg.connect(database_url, autocommit=True) as conn:
        for name in created:
            conn.execute(f"DROP OWNED BY {name}")
            conn.execute(f"DROP ROLE {name}")


def as_user(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{quote(user)}:{quote(password)}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def role_name(url: str) -> str:
    return urlsplit(url).username


@pytest.fixture
def applied(project, database_url):
    """The schema applied by the database's owner, so that everything is in place."""
    result = run("--database-url", database_url, "apply")
    assert result.exit_code == 0, result.output
    return database_url


# -- check ------------------------------------------------------------------------------------

def test_check_as_a_role_that_cannot_read_the_version_table_reports_the_rest(applied, role):
    monitor = role()
    result = run("--database-url", monitor, "check", "--format", "json")
    report = json.loads(result.output)
    assert report["connectivity"]["ok"], report
    assert report["tables"]["ok"] and report["indexes"]["ok"] and report["tables"]["expected"] == 1
    assert report["version"]["readable"] is False and report["version"]["ok"] is None
    assert f"GRANT SELECT ON public.schemadiff_version TO {role_name(monitor)}" in report["version"]["error"]


def test_check_with_an_unreadable_version_table_is_a_warning(applied, role):
    monitor = role()
    result = run("--database-url", monitor, "check")
    assert result.exit_code == 1, result.output
    assert result.output.startswith("SCHEMADIFF WARNING"), result.output
    assert f"GRANT SELECT ON public.schemadiff_version TO {role_name(monitor)}" in result.output


def test_check_with_select_on_the_version_table_is_complete(applied, role):
    monitor = role("GRANT SELECT ON public.schemadiff_version TO {role}")
    result = run("--database-url", monitor, "check", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["status"] == "ok" and report["version"]["ok"] and report["version"]["current"] == 1


def test_check_as_a_restricted_role_still_reports_what_is_wrong(applied, role, sql):
    sql("ALTER TABLE users DROP COLUMN email")
    result = run("--database-url", role(), "check", "--format", "json")
    assert result.exit_code == 2, result.output
    report = json.loads(result.output)
    assert report["columns"]["missing"] == ["users.email"] and report["version"]["readable"] is False


def test_check_for_prometheus_leaves_the_unknown_version_out(applied, role):
    result = run("--database-url", role(), "check", "--format", "prometheus")
    assert result.exit_code == 1, result.output
    assert 'schemadiff_objects{kind="version",problem="unreadable"} 1' in result.output
    assert "schemadiff_version " not in result.output and "schemadiff_check_status 1" in result.output


def test_check_as_a_restricted_role_still_reads_views_and_triggers(applied, role, sql):
    sql("CREATE VIEW user_emails AS SELECT email FROM users")
    sql("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$")
    sql("CREATE TRIGGER touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()")
    sql("REVOKE ALL ON FUNCTION touch() FROM PUBLIC")
    report = json.loads(run("--database-url", role(), "check", "--format", "json").output)
    assert {o["kind"] for o in report["unmanaged"]["objects"]} >= {"view", "trigger", "function"}, report


def test_a_sequence_the_role_cannot_read_is_named_as_unread_not_exhausting(project, database_url, role, sql):
    (project / "schema.yaml").write_text(SCHEMA.replace("bigserial", "serial"))
    assert run("--database-url", database_url, "apply").exit_code == 0
    sql("SELECT setval('users_id_seq', 2147000000)")
    owner = json.loads(run("--database-url", database_url, "check", "--format", "json").output)
    assert [f["problem"] for f in owner["findings"] if f["kind"] == "sequence"] == ["exhausting"]

    monitor = role("GRANT SELECT ON public.schemadiff_version TO {role}")
    result = run("--database-url", monitor, "check", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert not [f for f in report["findings"] if f["kind"] == "sequence"]
    assert report["unread"] == [f"role {role_name(monitor)} cannot read sequence(s) users_id_seq, so whether they "
                                f"near their limit is unknown: GRANT SELECT ON SEQUENCE users_id_seq TO {role_name(monitor)}"]


def test_a_sequence_the_role_may_read_is_checked(project, database_url, role, sql):
    (project / "schema.yaml").write_text(SCHEMA.replace("bigserial", "serial"))
    assert run("--database-url", database_url, "apply").exit_code == 0
    sql("SELECT setval('users_id_seq', 2147000000)")
    monitor = role("GRANT SELECT ON public.schemadiff_version TO {role}", "GRANT SELECT ON SEQUENCE users_id_seq TO {role}")
    report = json.loads(run("--database-url", monitor, "check", "--format", "json").output)
    assert report["unread"] == [] and [f["problem"] for f in report["findings"] if f["kind"] == "sequence"] == ["exhausting"]


# -- status -----------------------------------------------------------------------------------

def test_status_without_select_on_the_version_table_names_the_grant(applied, role):
    monitor = role()
    result = run("--database-url", monitor, "status", "--format", "json")
    assert result.exit_code == 1, result.output
    assert f"GRANT SELECT ON public.schemadiff_version TO {role_name(monitor)}" in json.loads(result.output)["error"]


def test_status_with_select_on_the_version_table_is_complete(applied, role):
    monitor = role("GRANT SELECT ON public.schemadiff_version TO {role}")
    result = run("--database-url", monitor, "status", "--format", "json")
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert status["up_to_date"] and status["current_version"] == "1" and status["pending"] == []


# -- plan and apply ---------------------------------------------------------------------------

WITH_AGE = SCHEMA.replace("      email: text\n", "      email: text\n      age: integer\n")
DEPLOYER = ("GRANT CREATE ON SCHEMA public TO {role}", "GRANT SELECT, INSERT ON public.schemadiff_version TO {role}")


def plan_json(url: str) -> dict:
    result = run("--database-url", url, "plan", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_plan_as_a_role_that_does_not_own_the_table_lists_the_statement_and_why(applied, project, role):
    (project / "schema.yaml").write_text(WITH_AGE)
    deployer = role(*DEPLOYER)
    planned = plan_json(deployer)
    assert [b["statement"] for b in planned["blocked"]] == [1]
    reason = planned["blocked"][0]["reasons"][0]
    assert f"role {role_name(deployer)} does not own table public.users (owned by postgres" in reason
    # Not "GRANT postgres TO …": a member of a superuser role can SET ROLE to it.
    assert reason.endswith(f"run as postgres, or give it an owner role {role_name(deployer)} is a member of")


def test_the_privilege_warning_is_in_the_text_and_markdown_plans(applied, project, role):
    (project / "schema.yaml").write_text(WITH_AGE)
    deployer = role(*DEPLOYER)
    text = run("--database-url", deployer, "plan").output
    assert "WARNING: the connected role cannot run 1 step(s) of this plan; apply will refuse it:" in text
    assert "  1. add column public.users.age: role" in text and "does not own table public.users" in text
    markdown = run("--database-url", deployer, "plan", "--format", "markdown").output
    assert "cannot run 1 step(s) of this plan" in markdown and "- statement 1: add column" in markdown


def test_apply_as_a_role_that_cannot_run_the_plan_refuses_before_touching_anything(applied, project, role, sql):
    (project / "schema.yaml").write_text(WITH_AGE)
    result = run("--database-url", role(*DEPLOYER), "apply")
    assert result.exit_code == 1, result.output
    assert "the connected role cannot carry out this plan: statement 1 (add column" in result.output
    assert "Nothing was changed." in result.output
    assert sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'age'") == [(0,)]
    assert sql("SELECT count(*) FROM schemadiff_version") == [(1,)]


def test_a_role_without_create_on_the_schema_is_warned_for_a_new_table(applied, project, role):
    (project / "schema.yaml").write_text(SCHEMA + "  events:\n    columns:\n      id: bigint\n")
    deployer = role("GRANT SELECT, INSERT ON public.schemadiff_version TO {role}")
    blocked = plan_json(deployer)["blocked"]
    assert blocked[0]["description"].startswith("create table public.events")
    assert blocked[0]["reasons"] == [f"role {role_name(deployer)} may not create objects in schema public: "
                                     f"GRANT CREATE ON SCHEMA public TO {role_name(deployer)}"]


def test_an_index_built_concurrently_needs_the_table_owner(applied, project, role):
    (project / "schema.yaml").write_text(SCHEMA + "    indexes:\n      - columns: [email]\n")
    planned = plan_json(role(*DEPLOYER))
    index = planned["statements"][planned["blocked"][0]["statement"] - 1]
    assert "CONCURRENTLY" in index["sql"] and "does not own table public.users" in planned["blocked"][0]["reasons"][0]


def test_a_new_schema_needs_create_on_the_database(applied, project, role):
    (project / "schema.yaml").write_text(SCHEMA + "  audit.events:\n    columns:\n      id: bigint\n")
    blocked = plan_json(role(*DEPLOYER))["blocked"]
    assert blocked[0]["description"].startswith("create schema audit")
    assert "may not create schemas: GRANT CREATE ON DATABASE" in blocked[0]["reasons"][0]
    # The table in the new schema is the role's own to create once the schema is: not listed.
    assert len(blocked) == 1


def test_an_untrusted_extension_needs_a_superuser(applied, project, role):
    (project / "schema.yaml").write_text("extensions:\n  - dblink\n" + SCHEMA)
    blocked = plan_json(role(*DEPLOYER))["blocked"]
    assert blocked[0]["reasons"] == ["CREATE EXTENSION dblink needs a superuser (the extension is not trusted): "
                                     "run as a superuser, or create it beforehand"]


def test_a_trusted_extension_needs_create_on_the_database(applied, project, role, database_url):
    (project / "schema.yaml").write_text("extensions:\n  - citext\n" + SCHEMA)
    assert "trusted but role" in plan_json(role(*DEPLOYER))["blocked"][0]["reasons"][0]
    dbname = urlsplit(database_url).path.lstrip("/")
    assert plan_json(role(*DEPLOYER, f'GRANT CREATE ON DATABASE "{dbname}" TO {{role}}'))["blocked"] == []


def test_a_role_that_cannot_write_the_version_table_is_warned(applied, project, role):
    (project / "schema.yaml").write_text(WITH_AGE)
    deployer = role("GRANT CREATE ON SCHEMA public TO {role}", "GRANT SELECT ON public.schemadiff_version TO {role}")
    blocked = plan_json(deployer)["blocked"]
    assert blocked[-1] == {"statement": None, "description": "record the applied version in public.schemadiff_version",
                           "reasons": [f"role {role_name(deployer)} cannot record the version: "
                                       f"GRANT SELECT, INSERT ON public.schemadiff_version TO {role_name(deployer)}"]}


def test_apply_as_a_member_of_the_owning_role_needs_no_create_on_the_schema(applied, project, role, sql):
    """The least an apply that alters existing tables needs: membership in their owner and
    SELECT, INSERT on the version table; no CREATE on public (PostgreSQL 15's default)."""
    owner = f"owner_{uuid.uuid4().hex[:10]}"
    sql(f"CREATE ROLE {owner} NOLOGIN")
    try:
        sql(f"ALTER TABLE users OWNER TO {owner}")
        sql(f"ALTER TABLE schemadiff_version OWNER TO {owner}")
        deployer = role(f"GRANT {owner} TO {{role}}")
        (project / "schema.yaml").write_text(WITH_AGE)
        assert plan_json(deployer)["blocked"] == []
        result = run("--database-url", deployer, "apply")
        assert result.exit_code == 0, result.output
        assert sql("SELECT count(*) FROM schemadiff_version") == [(2,)]
    finally:
        sql(f"DROP OWNED BY {owner}")
        sql(f"DROP ROLE {owner}")


# -- the other rows of the README table -------------------------------------------------------

def test_plan_needs_only_connect_and_usage(applied, project, role):
    (project / "schema.yaml").write_text(WITH_AGE)
    result = run("--database-url", role(), "plan")
    assert result.exit_code == 0, result.output
    assert "add column public.users.age" in result.output


def test_export_needs_only_connect_and_usage(applied, project, role):
    (project / "schema.yaml").write_text(WITH_AGE)
    result = run("--database-url", role(), "export", "migrations")
    assert result.exit_code == 0, result.output
    (written,) = (project / "migrations").glob("*.sql")
    assert "ADD COLUMN IF NOT EXISTS age integer" in written.read_text()


def test_inspect_needs_only_connect_and_usage(applied, role, sql):
    sql("CREATE VIEW user_emails AS SELECT email FROM users")
    result = run("--database-url", role(), "inspect")
    assert result.exit_code == 0, result.output
    assert "users:" in result.output and "email: text" in result.output
    assert "views:\n  user_emails:" in result.output and "SELECT users.email" in result.output  # no privilege needed


def test_plan_validate_needs_createdb_besides(applied, project, role):
    (project / "schema.yaml").write_text(WITH_AGE)
    refused = run("--database-url", role(), "plan", "--validate")
    assert refused.exit_code == 1 and "the role needs CREATEDB" in refused.output
    result = run("--database-url", role("ALTER ROLE {role} CREATEDB"), "plan", "--validate")
    assert result.exit_code == 0, result.output


def test_history_without_select_on_the_version_table_names_the_grant(applied, role):
    monitor = role()
    result = run("--database-url", monitor, "history")
    assert result.exit_code == 1
    assert f"GRANT SELECT ON public.schemadiff_version TO {role_name(monitor)}" in result.output
