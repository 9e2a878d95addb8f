"""Row-level security and policies: a table's ``row_level_security:`` (enabled, forced,
disabled) and the top-level ``policies:`` (keyed table.name). Policies are created before
row-level security is switched on, dropped first; roles must exist (schemadiff never creates
them); a file that never mentions row-level security leaves it alone."""

from __future__ import annotations

import uuid

import psycopg
import pytest
import yaml

from conftest import fresh_database
from core_helpers import invoke, load, output, problems, sqls, steady_state_queries
from prodsafe_helpers import apply, converged, plan
from schemadiff.catalog.canonicalize_security import UnknownRoles
from schemadiff.diff import diff
from schemadiff.errors import DestructiveChangeRefused
from schemadiff.diff import security as sec
from schemadiff.model import Catalog, Policy, RowSecurity
from schemadiff.plan import build_plan

TABLES = """
tables:
  accounts:
    columns: {id: int, tenant_id: int, name: text}
    primary_key: id
    row_level_security: forced
  invoices:
    columns: {id: int, tenant_id: int, account_id: int, total: numeric, archived: bool}
    primary_key: id
    row_level_security: enabled
"""
POLICIES = """
policies:
  accounts.tenant_isolation:
    using: "tenant_id = current_setting('app.tenant_id')::int"
  invoices.tenant_isolation:
    using: "tenant_id = current_setting('app.tenant_id')::int"
    with_check: "tenant_id = current_setting('app.tenant_id')::int"
    comment: one tenant sees its own invoices
  invoices.not_archived:
    as: restrictive
    command: select
    roles: [ROLE_A, ROLE_B]
    using: "NOT archived"
"""


@pytest.fixture(scope="module")
def roles(pg_server):
    """Two roles of the test server (roles are cluster-wide: unique names, dropped after)."""
    names = [f"pol_{uuid.uuid4().hex[:8]}", f"pol_{uuid.uuid4().hex[:8]}"]
    with psycopg.connect(pg_server, autocommit=True) as conn:
        for name in names:
            conn.execute(f"CREATE ROLE {name} NOLOGIN")
    yield names
    with psycopg.connect(pg_server, autocommit=True) as conn:
        for name in names:
            conn.execute(f"DROP OWNED BY {name}")  # only in the admin database; the test ones are gone
            conn.execute(f"DROP ROLE IF EXISTS {name}")


@pytest.fixture
def schema(roles):
    return TABLES + POLICIES.replace("ROLE_A", roles[0]).replace("ROLE_B", roles[1])


# The file ------------------------------------------------------------------------------------

def test_policies_and_row_level_security_are_read():
    catalog = load(TABLES + POLICIES)
    assert catalog.row_security == (RowSecurity("public", "accounts", True, True), RowSecurity("public", "invoices", True, False))
    by_name = {(p.table, p.name): p for p in catalog.policies}
    assert by_name[("invoices", "not_archived")] == Policy(
        "public", "invoices", "not_archived", "select", False, ("ROLE_A", "ROLE_B"), "NOT archived")
    assert by_name[("accounts", "tenant_isolation")].roles == ("public",)
    assert (catalog.manages_row_security, catalog.manages_policies) == (True, True)


def test_a_policy_may_be_on_a_partition_declared_under_its_parent():
    text = """
tables:
  readings:
    columns: {sensor: int, taken_on: date}
    partition_by: range (taken_on)
    partitions: {readings_2024: {from: "'2024-01-01'", to: "'2025-01-01'"}}
policies:
  readings_2024.positive_sensor: {using: sensor > 0}
"""
    [policy] = load(text).policies
    assert (policy.table, policy.name) == ("readings_2024", "positive_sensor")


def test_a_file_never_mentioning_row_level_security_manages_neither():
    catalog = load("tables: {t: {columns: {id: int}}}")
    assert (catalog.manages_row_security, catalog.manages_policies) == (False, False)
    from dataclasses import replace
    live = replace(catalog, row_security=(RowSecurity("public", "t"),), policies=(Policy("public", "t", "p", using="true"),))
    assert diff(live, catalog) == []


def test_row_level_security_on_one_table_turns_off_what_the_file_does_not_say_elsewhere():
    text = "tables: {t: {columns: {id: int}, row_level_security: disabled}, u: {columns: {id: int}}}"
    live = load("tables: {t: {columns: {id: int}}, u: {columns: {id: int}}}")
    from dataclasses import replace
    live = replace(live, row_security=(RowSecurity("public", "t"), RowSecurity("public", "u", True, True)))
    changes = [c for c in diff(live, load(text)) if isinstance(c, sec.SetRowSecurity)]
    assert [(str(c.table), c.enabled, c.forced) for c in changes] == [("public.t", False, None), ("public.u", False, False)]
    [statement, _] = build_plan(changes).statements
    assert statement.sql == "ALTER TABLE public.t DISABLE ROW LEVEL SECURITY"
    assert statement.destructive and "sees (and may change) every row" in statement.hazards[0].message


@pytest.mark.parametrize(("text", "message"), [
    ("tables: {t: {columns: {id: int}, row_level_security: sometimes}}", "row_level_security must be enabled, forced or disabled"),
    (TABLES + "policies: {accounts.p: {command: upsert}}", "command must be one of: all, select"),
    (TABLES + "policies: {accounts.p: {as: lenient}}", "as must be permissive or restrictive"),
    (TABLES + "policies: {accounts.p: {command: insert, using: 'true'}}", "an insert policy has only with_check"),
    (TABLES + "policies: {accounts.p: {command: select, with_check: 'true'}}", "a select policy has only using"),
    (TABLES + "policies: {nowhere.p: {using: 'true'}}", "is on a table the file does not declare"),
    (TABLES + "policies: {accounts.p: {usng: 'true'}}", "did you mean 'using'?"),
])
def test_bad_policies_are_located_errors(text, message):
    assert message in problems(text)


# Diff and plan -------------------------------------------------------------------------------

def test_policies_are_created_before_row_level_security_is_switched_on():
    statements = sqls(Catalog(), load(TABLES + POLICIES))
    first_policy = next(i for i, s in enumerate(statements) if s.startswith("CREATE POLICY"))
    enable = next(i for i, s in enumerate(statements) if "ENABLE ROW LEVEL SECURITY" in s)
    assert first_policy < enable
    assert "ALTER TABLE public.accounts ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY" in statements
    assert ("CREATE POLICY not_archived ON public.invoices\n    AS RESTRICTIVE\n    FOR SELECT\n"
            '    TO "ROLE_A", "ROLE_B"\n    USING (NOT archived)') in statements


def test_expressions_spelled_otherwise_give_no_change_without_a_database():
    other = POLICIES.replace("tenant_id = current_setting('app.tenant_id')::int",
                             "(TENANT_ID = current_setting('app.tenant_id')::int)")
    assert diff(load(TABLES + POLICIES), load(TABLES + other)) == []


def test_roles_and_expressions_alter_the_policy_and_a_command_change_recreates_it():
    old = Policy("public", "t", "p", "all", True, ("public",), "a = 1")
    assert [c.__class__ for c in diff(Catalog(policies=(old,)), Catalog(policies=(Policy(
        "public", "t", "p", "all", True, ("r",), "a = 2"),)))] == [sec.AlterPolicy]
    assert sqls(Catalog(policies=(old,)), Catalog(policies=(Policy("public", "t", "p", "all", True, ("r",), "a = 2"),))) == [
        "ALTER POLICY p ON public.t\n    TO r\n    USING (a = 2)"]
    assert [c.__class__ for c in diff(Catalog(policies=(old,)), Catalog(policies=(Policy(
        "public", "t", "p", "select", True, ("public",), "a = 1"),)))] == [sec.ReplacePolicy]


def test_a_renamed_policy_is_renamed_and_a_dropped_restrictive_one_is_destructive():
    old = Policy("public", "t", "p", using="true")
    new = Policy("public", "t", "q", using="true", renamed_from="p")
    assert sqls(Catalog(policies=(old,)), Catalog(policies=(new,), manages_policies=True)) == [
        "ALTER POLICY p ON public.t RENAME TO q"]
    restrictive = Policy("public", "t", "r", permissive=False, using="true")
    [drop] = build_plan(diff(Catalog(policies=(restrictive,)), Catalog(manages_policies=True))).statements
    assert drop.sql == "DROP POLICY IF EXISTS r ON public.t" and drop.destructive


# Against PostgreSQL --------------------------------------------------------------------------

def test_tenant_policies_isolate_rows_and_converge(database_url, sql, schema, roles):
    apply(database_url, schema)
    assert converged(database_url, schema)
    sql("INSERT INTO accounts VALUES (1, 1, 'a'), (2, 2, 'b')")  # a superuser bypasses row-level security
    assert sql("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'accounts'") == [(True, True)]
    sql(f"GRANT SELECT ON accounts TO {roles[0]}")
    sql(f"SET ROLE {roles[0]}")
    sql("SET app.tenant_id = '1'")
    assert sql("SELECT name FROM accounts") == [("a",)]
    sql("RESET ROLE")


def test_create_alter_and_drop_converge(database_url, sql, schema, roles):
    apply(database_url, schema)
    changed = schema.replace("    as: restrictive\n", "") \
                    .replace(f"roles: [{roles[0]}, {roles[1]}]", f"roles: [{roles[1]}]") \
                    .replace('using: "NOT archived"', 'using: "archived IS NOT TRUE"') \
                    .replace("comment: one tenant sees its own invoices", "comment: changed") \
                    .replace("row_level_security: forced", "row_level_security: enabled")
    apply(database_url, changed)
    assert converged(database_url, changed)
    assert sql("SELECT polpermissive, polroles::regrole[]::text FROM pg_policy WHERE polname = 'not_archived'") == [
        (True, "{%s}" % roles[1])]
    apply(database_url, schema)
    assert converged(database_url, schema)
    fewer = schema.split("  invoices.not_archived:")[0]
    with pytest.raises(DestructiveChangeRefused, match="drops restrictive policy not_archived"):
        apply(database_url, fewer)  # the rows it hid would show: not without --allow-destructive
    apply(database_url, fewer, allow_destructive=True)
    assert converged(database_url, fewer)
    off = TABLES.replace("row_level_security: forced", "row_level_security: disabled") \
                .replace("row_level_security: enabled", "row_level_security: disabled") + "policies: {}\n"
    apply(database_url, off, allow_destructive=True)
    assert converged(database_url, off)
    assert sql("SELECT count(*) FROM pg_policy") == [(0,)]
    assert sql("SELECT bool_or(relrowsecurity) FROM pg_class WHERE relname IN ('accounts', 'invoices')") == [(False,)]


def test_expressions_the_server_reads_otherwise_give_an_empty_plan(database_url, sql, schema):
    apply(database_url, schema)
    stored = sql("SELECT pg_get_expr(polqual, polrelid) FROM pg_policy WHERE polname = 'tenant_isolation' LIMIT 1")[0][0]
    assert stored == "(tenant_id = (current_setting('app.tenant_id'::text))::integer)"
    respelled = schema.replace("tenant_id = current_setting('app.tenant_id')::int",
                               "tenant_id = CAST(current_setting('app.tenant_id') AS integer)")
    assert converged(database_url, respelled)


def test_a_role_that_does_not_exist_is_a_clear_error_and_nothing_is_applied(database_url, sql, schema, roles):
    ghost = schema.replace(roles[1], "no_such_role_xyz")
    with pytest.raises(UnknownRoles, match="names role 'no_such_role_xyz', which does not exist"):
        plan(database_url, ghost)
    with pytest.raises(UnknownRoles):
        apply(database_url, ghost)
    assert sql("SELECT count(*) FROM pg_class WHERE relname = 'accounts'") == [(0,)]
    assert sql("SELECT count(*) FROM pg_roles WHERE rolname = 'no_such_role_xyz'") == [(0,)]


def test_a_file_without_row_level_security_leaves_it_and_the_policies_alone(database_url, sql, schema):
    apply(database_url, schema)
    plain = TABLES.replace("    row_level_security: forced\n", "").replace("    row_level_security: enabled\n", "")
    assert converged(database_url, plain)
    assert sql("SELECT count(*) FROM pg_policy") == [(3,)]


RAW = """
CREATE SCHEMA app;
CREATE TABLE app.projects (id int PRIMARY KEY, tenant_id int NOT NULL, owner text, secret bool DEFAULT false);
ALTER TABLE app.projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.projects FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON app.projects USING (tenant_id = current_setting('app.tenant_id')::int);
CREATE POLICY no_secrets ON app.projects AS RESTRICTIVE FOR SELECT TO {role} USING (NOT secret);
CREATE POLICY own_rows ON app.projects FOR UPDATE USING (owner = current_user) WITH CHECK (owner = current_user);
COMMENT ON POLICY tenant ON app.projects IS 'one tenant at a time';
CREATE TABLE app.plain (id int);
"""


def test_inspect_writes_policies_and_the_file_rebuilds_an_empty_database(pg_server, database_url, sql, roles, tmp_path):
    (tmp_path / ".git").mkdir()
    sql(RAW.format(role=roles[0]))
    result = invoke("inspect", "--out", "schema.yaml", cwd=tmp_path, url=database_url)
    assert result.returncode == 0, output(result)
    written = yaml.safe_load((tmp_path / "schema.yaml").read_text())
    assert written["tables"]["app.projects"]["row_level_security"] == "forced"
    assert "row_level_security" not in written["tables"]["app.plain"]
    assert written["policies"]["app.projects.no_secrets"] == {
        "command": "select", "as": "restrictive", "roles": [roles[0]], "using": "(NOT secret)"}
    assert "policy" not in output(result) and "row-level security" not in output(result)
    assert invoke("plan", "--exit-code", cwd=tmp_path, url=database_url).returncode == 0
    with fresh_database(pg_server) as rebuilt:
        applied = invoke("apply", cwd=tmp_path, url=rebuilt)
        assert applied.returncode == 0, output(applied)
        assert invoke("plan", "--exit-code", cwd=tmp_path, url=rebuilt).returncode == 0
        invoke("inspect", "--out", "again.yaml", cwd=tmp_path, url=rebuilt)
        assert yaml.safe_load((tmp_path / "again.yaml").read_text()) == written


def test_live_policies_and_triggers_carry_what_they_depend_on(database_url, sql):
    from schemadiff.catalog.inspect import inspect
    from schemadiff.model.dependencies import Reference

    sql(RAW.format(role="public"))
    sql("CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$")
    sql("CREATE TRIGGER t BEFORE UPDATE OF owner ON app.projects FOR EACH ROW WHEN (new.secret) EXECUTE FUNCTION app.touch()")
    with psycopg.connect(database_url) as conn:
        live = inspect(conn, ["app"])
    [trigger] = live.triggers
    assert {Reference("function", "app", "touch()"), Reference("column", "app", "projects", "owner"),
            Reference("column", "app", "projects", "secret")} <= set(trigger.depends_on)
    tenant = next(p for p in live.policies if p.name == "tenant")
    assert Reference("column", "app", "projects", "tenant_id") in tenant.depends_on


def test_settling_policy_expressions_with_the_server_costs_no_query_per_policy(database_url, monkeypatch):
    def tenants(n: int) -> str:  # spelled unlike pg_get_expr: each is settled by the server
        tables = "".join(f"  t{i}: {{columns: {{id: bigint, tenant: int}}, row_level_security: enabled}}\n" for i in range(n))
        policies = "".join(f"  t{i}.own: {{using: \"tenant = current_setting('app.t')::int\"}}\n" for i in range(n))
        return f"tables:\n{tables}policies:\n{policies}"

    assert steady_state_queries(database_url, monkeypatch, tenants(1)) == \
        steady_state_queries(database_url, monkeypatch, tenants(8))


def test_a_policy_calling_a_function_that_is_dropped_and_made_again_is_made_again_with_it(database_url, sql):
    """Policies (and triggers) name the functions they use by argument types, as functions
    do: a renamed parameter (DROP and CREATE of the function) re-creates the policy around it."""
    text = """
tables:
  notes: {columns: {id: int, author: text}, primary_key: id, row_level_security: enabled}
functions:
  mine(who text): {returns: boolean, language: sql, volatility: stable, body: SELECT who = current_user}
policies:
  notes.own: {using: mine(author)}
"""
    apply(database_url, text)
    renamed = text.replace("mine(who text)", "mine(author_name text)").replace("SELECT who", "SELECT author_name")
    steps = [s.description for s in plan(database_url, renamed).statements]
    assert steps[0].startswith("drop policy own on public.notes (re-created around the re-creation of function")
    apply(database_url, renamed)
    assert converged(database_url, renamed)
    assert sql("SELECT pg_get_expr(polqual, polrelid) FROM pg_policy WHERE polname = 'own'") == [("mine(author)",)]


# A name holding a dot (Supabase's "Users can update their own profile."): the key table.name
# alone would split at its dot, so the file gives the name apart.

DOTTED = """
CREATE TABLE public.profiles (id int PRIMARY KEY);
CREATE TABLE public."odd.table" (id int);
CREATE POLICY "Anyone may read." ON public.profiles FOR SELECT USING (true);
CREATE POLICY "v1.2 writers" ON public."odd.table" FOR INSERT WITH CHECK (id > 0);
CREATE POLICY plain ON public."odd.table" USING (id > 1);
ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
"""


def test_a_policy_name_with_a_dot_is_written_apart_and_reads_back(database_url, sql, tmp_path):
    from schemadiff.catalog.inspect import inspect
    from schemadiff.desired.dump import dump

    sql(DOTTED)
    with psycopg.connect(database_url) as conn:
        live = inspect(conn, ["public"])
    written = yaml.safe_load(dump(live))["policies"]
    assert written["profiles.Anyone may read."]["name"] == "Anyone may read."
    assert written["public.odd.table.v1.2 writers"]["name"] == "v1.2 writers"
    assert "name" not in written["public.odd.table.plain"]
    again = load(dump(live))
    assert {(p.table, p.name) for p in again.policies} == {
        ("profiles", "Anyone may read."), ("odd.table", "v1.2 writers"), ("odd.table", "plain")}
    assert not diff(live, again)


def test_a_name_that_does_not_end_the_key_is_a_located_error():
    text = TABLES + """
policies:
  accounts.first.:
    name: second.
    using: "true"
"""
    assert "is not <table>.second." in problems(text)
