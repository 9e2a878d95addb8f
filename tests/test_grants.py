"""Privileges: a file with a `privileges:` key says, per grantee, the whole set it holds on
each object (the rest keep PostgreSQL's defaults); schemadiff grants and revokes to match,
inspect writes them back, and a file without the key leaves grants alone."""

from __future__ import annotations

import uuid

import psycopg
import pytest
import yaml

from conftest import fresh_database
from core_helpers import invoke, load, output, problems
from prodsafe_helpers import apply, converged, plan
from schemadiff.diff import diff
from schemadiff.errors import GrantTargetMissing
from schemadiff.model import Grant, GrantTarget
from schemadiff.plan import PERMISSION, build_plan


@pytest.fixture
def roles(pg_server, database_url):
    """Two roles unique to this test (roles are cluster-wide), dropped afterwards."""
    suffix = uuid.uuid4().hex[:8]
    names = (f"sd_app_{suffix}", f"sd_report_{suffix}")
    with psycopg.connect(pg_server, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE ROLE "{name}"')
    yield names
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'DROP OWNED BY "{names[0]}", "{names[1]}"')
    with psycopg.connect(pg_server, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP ROLE IF EXISTS "{name}"')


def schema_with(grants: str, app: str, report: str) -> str:
    return f"""
schemas: [app]
tables:
  app.users:
    columns: {{id: bigserial, email: text, name: text}}
    primary_key: id
privileges:
{grants.replace('APP', app).replace('REPORT', report)}
"""


GRANTS = """
  APP:
    schema app: [usage]
    table app.users: [select, insert, update with grant option]
    sequence app.users_id_seq: [usage]
  REPORT:
    schema app: [usage]
    column app.users.email: [select]
"""


# The file ------------------------------------------------------------------------------------

def test_each_entry_is_the_whole_set_a_grantee_holds_on_an_object():
    catalog = load("""
        privileges:
          app_user:
            table users: [select, insert with grant option]
            column public.users.email: [select]
            function public.touch(int,   text): [execute]
          public:
            function public.touch(int, text): []
    """)
    assert catalog.manages_grants
    assert set(catalog.grants) == {
        Grant(GrantTarget("table", "public", "users"), "app_user", (("INSERT", True), ("SELECT", False))),
        Grant(GrantTarget("column", "public", "users", "email"), "app_user", (("SELECT", False),)),
        Grant(GrantTarget("function", "public", "touch(int, text)"), "app_user", (("EXECUTE", False),)),
        Grant(GrantTarget("function", "public", "touch(int, text)"), "PUBLIC", ()),  # EXECUTE revoked from PUBLIC
    }


def test_an_entry_that_says_the_default_is_no_entry():
    catalog = load("""
        privileges:
          PUBLIC:
            function public.touch(): [execute]
            schema public: [usage]
            table users: []
    """)
    assert catalog.grants == () and catalog.manages_grants


@pytest.mark.parametrize(("text", "message"), [
    ("privileges: {app: {tabel users: [select]}}", "must start with the kind of object"),
    ("privileges: {app: {table users: [execute]}}", "'execute' is not a privilege on a table"),
    ("privileges: {app: {function f: [execute]}}", "cannot read 'function f' as a function name"),
    ("privileges: {app: {table app.users: [select]}}", "schema app, which this file does not manage"),
    ("privileges: {app: {table users: [select], table public.users: [insert]}}", "listed twice"),
])
def test_bad_privilege_entries_are_located_errors(text, message):
    assert message in problems(text)


def test_a_revoke_is_a_permission_hazard_and_a_grant_is_safe():
    before, after = load("privileges: {app: {table users: [select]}}"), load("privileges: {app: {table users: [insert]}}")
    revoke, grant = build_plan(diff(before, after)).statements
    assert revoke.sql == "REVOKE SELECT ON TABLE public.users FROM app"
    assert (revoke.level, revoke.hazards[0].kind, revoke.hazards[0].code) == (PERMISSION, PERMISSION, "REVOKES_ACCESS")
    assert (grant.sql, grant.level, grant.hazards) == ("GRANT INSERT ON TABLE public.users TO app", "safe", ())


def test_a_file_without_the_key_plans_no_grant_or_revoke():
    granted = load("privileges: {app: {table users: [select]}}")
    assert diff(granted, load("tables: {}")) == []


# Against a server ----------------------------------------------------------------------------

def _acl(sql, kind: str, name: str) -> list:
    query = {"table": "SELECT relacl::text FROM pg_class WHERE oid = %s::regclass",
             "function": "SELECT proacl::text FROM pg_proc WHERE oid = %s::regprocedure",
             "schema": "SELECT nspacl::text FROM pg_namespace WHERE nspname = %s"}[kind]
    return sql(query, name)[0][0]


def test_grants_and_revokes_converge(database_url, sql, roles):
    app, report = roles
    text = schema_with(GRANTS, app, report)
    apply(database_url, text)
    assert converged(database_url, text)
    assert sql("SELECT has_column_privilege(%s, 'app.users', 'email', 'SELECT'),"
               " has_column_privilege(%s, 'app.users', 'name', 'SELECT')", report, report) == [(True, False)]
    assert f"{app}=arw*" in _acl(sql, "table", "app.users")
    changed = schema_with("""
  APP:
    schema app: [usage]
    table app.users: [select, update]
  REPORT:
    schema app: [usage]
    column app.users.email: [select, update]
    column app.users.name: [select]
""", app, report)
    statements = plan(database_url, changed).statements
    assert [s.sql for s in statements if s.level == PERMISSION] == [
        f'REVOKE INSERT ON TABLE app.users FROM {app}', f'REVOKE GRANT OPTION FOR UPDATE ON TABLE app.users FROM {app}',
        f'REVOKE USAGE ON SEQUENCE app.users_id_seq FROM {app}']
    apply(database_url, changed)
    assert converged(database_url, changed)
    assert f"{app}=rw/" in _acl(sql, "table", "app.users")
    nothing = schema_with("  {}", app, report)
    apply(database_url, nothing)
    assert converged(database_url, nothing)
    assert sql("SELECT count(*) FROM pg_class c, aclexplode(c.relacl) e WHERE c.relnamespace = 'app'::regnamespace"
               " AND e.grantee <> c.relowner") == [(0,)]


def test_a_fresh_database_with_an_empty_privileges_key_plans_nothing(database_url):
    assert converged(database_url, "privileges: {}")
    assert converged(database_url, "privileges:\n")


def test_a_file_without_the_key_leaves_grants_alone(database_url, sql, roles):
    sql(f"CREATE TABLE t (id int); GRANT SELECT ON t TO {roles[0]}; CREATE FUNCTION f() RETURNS int LANGUAGE sql"
        " AS 'SELECT 1'; REVOKE EXECUTE ON FUNCTION f() FROM PUBLIC")
    assert converged(database_url, "tables: {t: {columns: {id: integer}}}")
    with_key = plan(database_url, "tables: {t: {columns: {id: integer}}}\nprivileges: {}\n")
    assert [s.sql for s in with_key.statements] == [
        f"REVOKE SELECT ON TABLE public.t FROM {roles[0]}", "GRANT EXECUTE ON ROUTINE public.f() TO PUBLIC"]


def test_execute_revoked_from_public_on_a_function_round_trips(database_url, sql, roles):
    sql("CREATE FUNCTION touch(a int4, b text) RETURNS int LANGUAGE sql AS 'SELECT 1';"
        f" REVOKE EXECUTE ON FUNCTION touch(int4, text) FROM PUBLIC; GRANT EXECUTE ON FUNCTION touch(int, text) TO {roles[0]}")
    spelled = f"""
privileges:
  PUBLIC:
    function touch(int4, text): []
  {roles[0]}:
    function public.touch(int, text): [execute]
"""
    assert converged(database_url, spelled)  # argument types settled with the server
    assert converged(database_url, spelled.replace("function touch(int4, text): []", "function touch(int4, text): [execute]")) is False


def test_a_missing_role_is_one_clear_error_and_nothing_is_applied(database_url, sql, tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "schema.yaml").write_text("tables: {t: {columns: {id: integer}}}\n"
                                          "privileges: {no_such_role_x9: {table t: [select]}, also_missing_x9: {table t: [select]}}\n")
    result = invoke("apply", cwd=tmp_path, url=database_url)
    assert result.returncode == 1
    assert "role(s) also_missing_x9, no_such_role_x9 do not exist" in output(result)
    assert "Traceback" not in output(result)
    assert sql("SELECT to_regclass('public.t')") == [(None,)]


def test_a_grant_on_a_function_taking_a_type_the_file_declares_builds_an_empty_database(database_url, roles):
    """The server's to_regprocedure raises, rather than answer NULL, for an argument type that
    does not exist yet: planning such a grant against an empty database crashed."""
    text = f"""
enums: {{permission: [read, write], app.level: [low, high]}}
schemas: [app]
functions:
  allowed(wanted permission, lvl app.level, n numeric(5,2)):
    returns: boolean
    language: sql
    body: SELECT true
privileges:
  {roles[0]}:
    function allowed(permission, app.level, numeric(5,2)): [execute]
"""
    apply(database_url, text)
    assert converged(database_url, text)


def test_argument_types_of_a_grant_signature_split_at_top_level_commas():
    from schemadiff.catalog.canonicalize_grants import argument_types
    assert argument_types('f(numeric(5,2), "odd, type", app.t)') == ["numeric(5,2)", '"odd, type"', "app.t"]
    assert argument_types("f()") == []


def test_a_missing_object_is_an_error_unless_the_file_declares_it(database_url, roles):
    with pytest.raises(GrantTargetMissing, match=r"function public.nope\(integer\) neither exist"):
        plan(database_url, f"privileges: {{{roles[0]}: {{function nope(integer): [execute], table t: [select]}}}}\n"
                           "tables: {t: {columns: {id: integer}}}")


def test_inspect_writes_privileges_and_the_file_rebuilds_an_empty_database(pg_server, database_url, sql, roles, tmp_path):
    app, report = roles
    sql(f"""CREATE SCHEMA app; CREATE TABLE app.users (id bigserial PRIMARY KEY, email text);
            CREATE VIEW app.emails AS SELECT 'x'::text AS email;
            CREATE TYPE app.mood AS ENUM ('ok'); REVOKE USAGE ON TYPE app.mood FROM PUBLIC;
            CREATE FUNCTION app.touch() RETURNS int LANGUAGE sql AS 'SELECT 1';
            REVOKE ALL ON FUNCTION app.touch() FROM PUBLIC; GRANT EXECUTE ON FUNCTION app.touch() TO {app};
            GRANT USAGE ON SCHEMA app TO {app}, {report};
            GRANT SELECT, INSERT ON app.users TO {app} WITH GRANT OPTION; GRANT SELECT (email) ON app.users TO {report};
            GRANT SELECT ON app.emails TO PUBLIC; GRANT USAGE ON SEQUENCE app.users_id_seq TO {app}""")
    (tmp_path / ".git").mkdir()
    result = invoke("inspect", "--out", "schema.yaml", cwd=tmp_path, url=database_url)
    assert result.returncode == 0, output(result)
    written = yaml.safe_load((tmp_path / "schema.yaml").read_text())
    assert written["privileges"] == {
        app: {"schema app": ["usage"], "sequence app.users_id_seq": ["usage"],
              "table app.users": ["select with grant option", "insert with grant option"],
              "function app.touch()": ["execute"]},
        report: {"schema app": ["usage"], "column app.users.email": ["select"]},
        "PUBLIC": {"table app.emails": ["select"], "function app.touch()": [], "type app.mood": []}}
    assert "privileges are not managed" not in (tmp_path / "schema.yaml").read_text()
    assert invoke("plan", "--exit-code", cwd=tmp_path, url=database_url).returncode == 0
    with fresh_database(pg_server) as rebuilt:
        with psycopg.connect(rebuilt, autocommit=True) as conn:  # objects the file does not manage
            conn.execute("CREATE SCHEMA app; CREATE FUNCTION app.touch() RETURNS int LANGUAGE sql AS 'SELECT 1';"
                         " CREATE VIEW app.emails AS SELECT 'x'::text AS email")
        try:
            applied = invoke("apply", cwd=tmp_path, url=rebuilt)
            assert applied.returncode == 0, output(applied)
            again = invoke("plan", "--exit-code", cwd=tmp_path, url=rebuilt)
            assert again.returncode == 0, output(again)
            invoke("inspect", "--out", "again.yaml", cwd=tmp_path, url=rebuilt)
            assert yaml.safe_load((tmp_path / "again.yaml").read_text())["privileges"] == written["privileges"]
        finally:
            with psycopg.connect(rebuilt, autocommit=True) as conn:
                conn.execute(f'DROP OWNED BY "{app}", "{report}"')


def test_privileges_are_no_longer_reported_unmanaged_when_the_file_manages_them(database_url, sql, roles):
    from schemadiff import desired, engine
    from schemadiff.engine.target import connection

    sql(f"CREATE TABLE t (id int); GRANT SELECT ON t TO {roles[0]}")
    target = engine.Target(url=database_url)
    with connection(target) as conn:
        without = engine.read_unmanaged_of(conn, target, desired.loads("tables: {}"))
        managed = engine.read_unmanaged_of(conn, target, desired.loads("tables: {}\nprivileges: {}"))
    assert [o.kind for o in without] == ["privileges"]
    assert managed == ()


def test_a_table_revoke_keeps_the_column_privileges_the_file_keeps(database_url, sql, roles):
    app = roles[0]
    sql(f"CREATE TABLE t (id int, email text); GRANT SELECT ON t TO {app}; GRANT SELECT (email) ON t TO {app}")
    text = f"tables: {{t: {{columns: {{id: integer, email: text}}}}}}\nprivileges: {{{app}: {{column t.email: [select]}}}}\n"
    apply(database_url, text)
    assert converged(database_url, text)
    assert sql(f"SELECT has_column_privilege('{app}', 't', 'email', 'SELECT'), has_table_privilege('{app}', 't', 'SELECT')") \
        == [(True, False)]


def test_the_json_schemas_describe_the_key_and_a_plan_with_a_revoke():
    import json
    from importlib import resources

    import jsonschema

    from schemadiff.plan.report import plan_dict

    def schema(name: str):
        return jsonschema.Draft202012Validator(json.loads(resources.files("schemadiff").joinpath(name).read_text()))

    document = yaml.safe_load("privileges: {app: {table users: [select, insert with grant option]},"
                              " PUBLIC: {'function public.f(integer, text)': []}}")
    schema("schema.json").validate(document)
    assert not schema("schema.json").is_valid({"privileges": {"app": {"tabel users": ["select"]}}})
    before, after = load("privileges: {app: {table users: [select]}}"), load("privileges: {}")
    the_plan = build_plan(diff(before, after))
    schema("plan.schema.json").validate(plan_dict(the_plan))
    assert plan_dict(the_plan)["summary"]["permission"] == 1


# Default privileges ----------------------------------------------------------------------------

def test_default_privileges_are_rules_per_role_schema_and_kind_of_object():
    catalog = load("""
        schemas: [app]
        default_privileges:
          app_owner:
            tables in schema app: {app_user: [select, insert with grant option]}
            functions: {PUBLIC: [], app_user: [execute]}
            types: {PUBLIC: [usage]}          # the built-in default: no rule
    """)
    assert [(g.role, g.schema, g.objects, g.grantee, g.privileges) for g in catalog.default_grants] == [
        ("app_owner", "", "functions", "PUBLIC", ()),
        ("app_owner", "", "functions", "app_user", (("EXECUTE", False),)),
        ("app_owner", "app", "tables", "app_user", (("INSERT", True), ("SELECT", False)))]
    assert "must be one of tables" in problems("default_privileges: {r: {tabels: {x: [select]}}}")
    assert "schema app is not managed" in problems("default_privileges: {r: {tables in schema app: {x: [select]}}}")


def test_default_privileges_converge_and_round_trip_through_inspect(pg_server, database_url, sql, roles, tmp_path):
    owner, reader = roles
    text = f"""
schemas: [app]
default_privileges:
  {owner}:
    tables in schema app: {{{reader}: [select]}}
    functions: {{PUBLIC: []}}
"""
    apply(database_url, text)
    assert converged(database_url, text)
    assert sql("SELECT count(*) FROM pg_default_acl") == [(2,)]
    (tmp_path / ".git").mkdir()
    assert invoke("inspect", "--out", "schema.yaml", cwd=tmp_path, url=database_url).returncode == 0
    written = yaml.safe_load((tmp_path / "schema.yaml").read_text())
    assert written["default_privileges"] == {owner: {"functions": {"PUBLIC": []}, "tables in schema app": {reader: ["select"]}}}
    assert invoke("plan", "--exit-code", cwd=tmp_path, url=database_url).returncode == 0
    apply(database_url, "schemas: [app]\ndefault_privileges: {}\n")
    assert sql("SELECT count(*) FROM pg_default_acl") == [(0,)]
    assert converged(database_url, "schemas: [app]\ndefault_privileges: {}\n")
    assert converged(database_url, "schemas: [app]\n")  # without the key: left alone either way


def test_default_privileges_on_sequences_do_not_reach_the_version_tables_own(database_url, sql, roles):
    """A rule granting every new sequence in public (Supabase grants anon and authenticated so)
    also granted the sequence of schemadiff's version table, made by the first apply: the next
    plan revoked it, its owner table being left out but not its sequence's grants."""
    sql(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO {roles[0]}")
    text = f"""
tables: {{t: {{columns: {{id: integer}}}}}}
privileges: {{}}
default_privileges:
  {sql("SELECT current_user")[0][0]}:
    sequences in schema public: {{{roles[0]}: [select, update, usage]}}
"""
    apply(database_url, text)
    assert sql("SELECT count(*) FROM information_schema.role_usage_grants"
               f" WHERE grantee = '{roles[0]}' AND object_name = 'schemadiff_version_version_seq'") == [(1,)]
    assert converged(database_url, text)
