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

SCHEMA = """\
tables:
  users:
    columns:
      id: bigserial
      email: text
    primary_key: id
"""


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
