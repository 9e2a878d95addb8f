"""Nothing is lost silently: what the managed schemas hold that schemadiff does not model is
named by `inspect` (on stderr and atop the file), by `plan` where a change would break or drop
it (UNMANAGED_DEPENDENT), and by `check --format json` as information."""

from __future__ import annotations

import json

import psycopg
import pytest
import yaml

from core_helpers import REPO, output, run_cli, target
from schemadiff import desired, engine
from schemadiff.catalog.unmanaged import Dependency, Unmanaged, read_unmanaged
from schemadiff.diff import changes as ch
from schemadiff.model import Column, QualifiedName
from schemadiff.plan import DESTRUCTIVE, LOCKING
from schemadiff.plan.unmanaged import dependent_hazards
from test_inspect_roundtrip import second_database  # noqa: F401  (fixture)

TABLES = """
CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL, email text, age integer);
CREATE TABLE base_log (id bigint PRIMARY KEY, at timestamptz);
"""

UNMANAGED = """
CREATE VIEW active_users AS SELECT id, name FROM users WHERE age > 17;
CREATE MATERIALIZED VIEW user_count AS SELECT count(*) AS n FROM users;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON users USING (email = current_user);
CREATE TABLE child_log (message text) INHERITS (base_log);
CREATE TEXT SEARCH TEMPLATE my_template (INIT = dsimple_init, LEXIZE = dsimple_lexize);
CREATE STATISTICS users_name_email ON name, email FROM users;
GRANT SELECT ON users TO PUBLIC;
"""

# (kind, how inspect names it) for each object of UNMANAGED that inspect leaves out (its
# view and materialized view it writes under views: and materialized_views:)
EXPECTED = [
    ("function", "function public.touch()"),
    ("trigger", "trigger users_touch on public.users"),
    ("row-level security", "row-level security on public.users"),
    ("policy", "policy own_rows on public.users"),
    ("text search template", "text search template public.my_template"),
    ("statistics object", "statistics object public.users_name_email on public.users"),
    ("privileges", "privileges on public.users"),
]

FOREIGN_TABLE = """
CREATE EXTENSION file_fdw;
CREATE SERVER files FOREIGN DATA WRAPPER file_fdw;
CREATE FOREIGN TABLE passwd (line text) SERVER files OPTIONS (filename '/etc/passwd');
"""


@pytest.fixture
def populated(database_url, sql):
    sql(TABLES)
    sql(UNMANAGED)
    return database_url


def _with_file_fdw(sql) -> None:
    try:
        sql(FOREIGN_TABLE)
    except psycopg.Error as exc:
        pytest.skip(f"file_fdw does not load on this server: {exc}")


def _inspect(url, tmp_path):
    result = run_cli("inspect", "--out", "schema.yaml", cwd=tmp_path, url=url)
    assert result.returncode == 0, output(result)
    return result, (tmp_path / "schema.yaml").read_text()


# -- inspect -----------------------------------------------------------------------------------

# What inspect writes to the file instead of leaving out: row-level security and policies. The
# trigger stays left out, as the function it calls is (a file with it would not apply).
WRITTEN = ("function", "trigger", "row-level security", "policy", "privileges")


def test_inspect_lists_each_left_out_object_with_its_kind_on_stderr_and_in_the_file(populated, tmp_path):
    result, text = _inspect(populated, tmp_path)
    left_out = [(kind, label) for kind, label in EXPECTED if kind not in WRITTEN]
    assert f"left out (not managed by schemadiff): {len(left_out)} object(s)" in result.stderr
    written = yaml.safe_load(text)
    assert list(written["policies"]) == ["users.own_rows"] and written["tables"]["users"]["row_level_security"] == "enabled"
    assert "policy own_rows" not in result.stderr and "row-level security on" not in result.stderr
    assert "touch" in written["functions"]
    assert "privileges:\n  PUBLIC:\n    table public.users: [select]\n" in text
    comment = [line for line in text.splitlines() if line.startswith("#")]
    for kind, label in left_out:
        assert any(line.startswith(f"  {label}: ") for line in result.stderr.splitlines()), (label, result.stderr)
        assert any(line.startswith(f"#   {label}: ") for line in comment), (label, text)
    # views and materialized views are the file's (views:, materialized_views:), not left out
    written = yaml.safe_load(text)
    assert "active_users" in written["views"] and "user_count" in written["materialized_views"]


def test_inspect_lists_a_foreign_table_and_its_server_but_not_what_the_extension_owns(database_url, sql, tmp_path):
    _with_file_fdw(sql)
    result, _ = _inspect(database_url, tmp_path)
    assert "  foreign table public.passwd: foreign tables are not managed" in result.stderr
    assert "  foreign server files: " in result.stderr
    assert "file_fdw_handler" not in result.stderr and "foreign-data wrapper" not in result.stderr


def test_inspect_says_why_the_file_needs_an_unmanaged_function(database_url, sql, tmp_path):
    sql("CREATE FUNCTION next_code() RETURNS int LANGUAGE internal AS 'int4abs';"
        "CREATE TABLE codes (id bigint PRIMARY KEY, code int DEFAULT next_code())")
    result, _ = _inspect(database_url, tmp_path)
    assert "C-language function public.next_code(): functions in C (or internal) are not managed: a database built " \
           "from the file lacks it; the schema file uses it" in result.stderr


def test_inspect_writes_the_functions_the_file_uses_instead_of_naming_them(database_url, sql, tmp_path):
    sql("CREATE FUNCTION next_code() RETURNS text LANGUAGE sql AS $$SELECT 'x'$$;"
        "CREATE TABLE codes (id bigint PRIMARY KEY, code text DEFAULT next_code())")
    result, text = _inspect(database_url, tmp_path)
    assert "next_code" not in result.stderr and "next_code" in yaml.safe_load(text)["functions"]


def test_partitions_and_a_range_types_own_functions_are_not_reported_as_unmanaged(database_url, sql):
    """Partitions (and their indexes) are not inheritance, and the constructors and cast a range
    type makes are part of it: other kinds, modelled on their own."""
    sql("CREATE TABLE events (id bigint, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);"
        "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
        "CREATE INDEX ON events (at);"
        "CREATE TYPE amount_range AS RANGE (subtype = numeric)")
    with psycopg.connect(database_url) as conn:
        assert read_unmanaged(conn, ["public"]) == ()


def test_inspect_of_a_database_with_nothing_left_out_says_so_and_writes_no_comment(database_url, sql, tmp_path):
    sql(TABLES)
    result, text = _inspect(database_url, tmp_path)
    assert "left out (not managed by schemadiff): nothing" in result.stderr
    assert "Left out" not in text


def test_inspect_lists_nothing_on_an_ignored_table(database_url, sql, tmp_path):
    sql(TABLES)
    sql("CREATE VIEW base_log_view AS SELECT * FROM base_log;"
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;"
        "CREATE TRIGGER base_log_touch BEFORE UPDATE ON base_log FOR EACH ROW EXECUTE FUNCTION touch()")
    (tmp_path / "schemadiff.toml").write_text('ignore = ["base_log"]\n')
    result, text = _inspect(database_url, tmp_path)
    assert "trigger base_log_touch" not in result.stderr and "base_log" not in yaml.safe_load(text)["tables"]
    # a view that reads an ignored table cannot be built from the file: left out, and named
    assert "view public.base_log_view: views are not managed" in result.stderr
    assert "views" not in yaml.safe_load(text)


def test_inspect_names_the_version_table_of_another_migration_tool_it_leaves_out(database_url, sql, tmp_path):
    """Rails' schema_migrations (like alembic_version) belongs to the tool that wrote it: schemadiff
    neither writes nor drops it, and says so rather than lose it silently."""
    sql(TABLES)
    sql("CREATE TABLE schema_migrations (version varchar NOT NULL PRIMARY KEY)")
    result, text = _inspect(database_url, tmp_path)
    line = "table public.schema_migrations: the version table of another migration tool"
    assert line in result.stderr and f"#   {line}" in text
    assert "schema_migrations" not in yaml.safe_load(text)["tables"]


def test_inspect_writes_what_a_partition_has_of_its_own_and_names_the_rest(database_url, sql, tmp_path):
    """A partition's own index, check, default and NOT NULL are written to the file; what the
    file cannot say of a partition (a column comment, a default of its parent's it lacks) is
    named, never lost silently."""
    sql("CREATE TABLE events (tenant int, kind text DEFAULT 'view', at date, PRIMARY KEY (tenant, at))"
        " PARTITION BY LIST (tenant);"
        "CREATE INDEX events_at_idx ON events (at);"
        "CREATE TABLE events_1 PARTITION OF events FOR VALUES IN (1);"
        "CREATE TABLE events_2 PARTITION OF events FOR VALUES IN (2) WITH (fillfactor = 70);"
        "CREATE TABLE events_3 PARTITION OF events FOR VALUES IN (3);"
        "CREATE INDEX events_1_kind_idx ON events_1 (kind);"
        "ALTER TABLE events_1 ADD CONSTRAINT events_1_kind_check CHECK (kind <> '');"
        "ALTER TABLE events_1 ALTER COLUMN kind SET DEFAULT 'click';"
        "ALTER TABLE events_2 ALTER COLUMN kind SET NOT NULL;"
        "ALTER TABLE events_3 ALTER COLUMN kind DROP DEFAULT;"
        "COMMENT ON COLUMN events_2.kind IS 'what happened'")
    result, text = _inspect(database_url, tmp_path)
    named = sorted(line.strip().split(": ", 1)[0] for line in result.stderr.splitlines() if line.startswith("  "))
    assert named == ["partition column comment kind on public.events_2",
                     "partition column default kind on public.events_3"], result.stderr
    partitions = yaml.safe_load(text)["tables"]["events"]["partitions"]
    assert partitions["events_1"]["indexes"] == [{"name": "events_1_kind_idx", "columns": ["kind"]}]
    assert partitions["events_1"]["checks"] == [{"name": "events_1_kind_check", "expression": "kind <> ''::text"}]
    assert partitions["events_1"]["columns"] == {"kind": {"default": "'click'::text"}}
    assert partitions["events_2"]["columns"] == {"kind": {"nullable": False}}
    assert partitions["events_2"]["with"] == {"fillfactor": 70}


def test_a_name_with_a_newline_stays_inside_the_comment(database_url, sql, tmp_path):
    sql(TABLES)
    sql('CREATE FUNCTION "two\nlines"(integer) RETURNS integer LANGUAGE internal IMMUTABLE AS \'int4abs\'')
    result, text = _inspect(database_url, tmp_path)
    assert "C-language function public.two\\nlines(integer): functions in C" in text
    assert set(yaml.safe_load(text)["tables"]) == {"users", "base_log"}


def test_inspected_file_validates_and_rebuilds_the_tables_in_an_empty_database(populated, second_database, tmp_path):
    _inspect(populated, tmp_path)
    validated = run_cli("validate", cwd=tmp_path)
    assert validated.returncode == 0, output(validated)
    applied = run_cli("apply", cwd=tmp_path, url=second_database)
    assert applied.returncode == 0, output(applied)
    for url in (second_database, populated):
        planned = run_cli("plan", "--exit-code", cwd=tmp_path, url=url)
        assert planned.returncode == 0, output(planned)


# -- plan ----------------------------------------------------------------------------------------

def _plan(url: str, text: str):
    return engine.plan(target(url), desired.loads(text))


def _hazards(plan, code="UNMANAGED_DEPENDENT"):
    return [(s.description, h) for s in plan.statements for h in s.hazards if h.code == code]


USERS = """
tables:
  users:
    columns: {id: bigint, name: {type: %s, nullable: false}, email: text, age: integer}
    primary_key: id
  base_log:
    columns: {id: bigint, at: timestamptz}
    primary_key: id
  child_log:
    inherits: [base_log]
    columns: {message: text}
"""


def test_plan_names_the_view_reading_a_column_whose_type_changes(populated):
    the_plan = _plan(populated, USERS % "varchar(200)")
    hazards = _hazards(the_plan)
    messages = [h.message for _, h in hazards]
    assert any(m.startswith("view public.active_users reads column public.users.name: ALTER COLUMN TYPE will fail with "
                            "'cannot alter type of a column used by a view or rule'") for m in messages), messages
    assert all(h.kind == LOCKING for _, h in hazards)
    assert not any("statistics object" in m for m in messages)  # rebuilt by PostgreSQL, not broken


def _hazard_of(hazards, label: str):
    return next(h for _, h in hazards if h.message.startswith(label + " "))


def test_plan_warns_that_dropping_a_table_drops_its_trigger_and_policy(populated):
    text = USERS.replace("  users:\n    columns: {id: bigint, name: {type: %s, nullable: false}, email: text, age: integer}\n    primary_key: id\n", "")
    hazards = _hazards(_plan(populated, text))
    assert _hazard_of(hazards, "trigger users_touch on public.users").kind == DESTRUCTIVE
    assert _hazard_of(hazards, "policy own_rows on public.users").kind == DESTRUCTIVE
    view = _hazard_of(hazards, "view public.active_users")
    assert view.kind == LOCKING and "DROP TABLE will fail with 'cannot drop table users because" in view.message


def test_plan_warns_that_dropping_a_column_drops_the_statistics_object_on_it(populated, sql):
    sql("DROP POLICY own_rows ON users")  # it reads email too, which would make the drop fail
    text = (USERS % "text").replace("email: text, ", "")
    hazards = _hazards(_plan(populated, text))
    assert [(d, h.kind, h.message.split(" depends on ")[0]) for d, h in hazards] == [
        ("drop column public.users.email", DESTRUCTIVE, "statistics object public.users_name_email on public.users")]


def test_plan_warns_that_a_policy_makes_dropping_its_column_fail(populated):
    text = (USERS % "text").replace("email: text, ", "")
    policy = _hazard_of(_hazards(_plan(populated, text)), "policy own_rows on public.users")
    assert policy.kind == LOCKING and "DROP COLUMN will fail" in policy.message


def test_a_plan_of_the_seven_seed_tables_has_no_unmanaged_hazards(database_url):
    seed = (REPO / "schema.yaml").read_text()
    engine.apply(target(database_url), desired.loads(seed))
    changed = seed.replace("username: varchar(255)", "username: varchar(300)")
    the_plan = _plan(database_url, changed)
    assert not the_plan.empty and _hazards(the_plan) == []
    with psycopg.connect(database_url) as conn:
        assert read_unmanaged(conn, ["public"], exclude=[engine.Target(database_url).version_table]) == ()


# -- check ---------------------------------------------------------------------------------------

def test_check_json_lists_unmanaged_objects_without_making_the_status_worse(database_url, sql, tmp_path):
    (tmp_path / "schema.yaml").write_text(USERS % "text")
    applied = run_cli("apply", cwd=tmp_path, url=database_url)
    assert applied.returncode == 0, output(applied)
    clean = json.loads(run_cli("check", "--format", "json", cwd=tmp_path, url=database_url).stdout)
    sql("DROP TABLE child_log")  # made again by UNMANAGED, as the file has it
    sql(UNMANAGED)
    (tmp_path / "schema.yaml").write_text(USERS % "text")
    report = json.loads(run_cli("check", "--format", "json", cwd=tmp_path, url=database_url).stdout)
    assert clean["unmanaged"] == {"count": 0, "objects": []}
    assert report["status"] == clean["status"] == "ok"
    # a file without views: leaves views alone, and they stay unmanaged
    kinds = [k for k, _ in EXPECTED] + ["view", "materialized view"]
    assert report["unmanaged"]["count"] == len(kinds)
    assert sorted(o["kind"] for o in report["unmanaged"]["objects"]) == sorted(kinds)


def test_check_json_names_the_pending_change_an_unmanaged_object_is_affected_by(populated, tmp_path):
    (tmp_path / "schema.yaml").write_text(USERS % "varchar(200)")
    report = json.loads(run_cli("check", "--format", "json", cwd=tmp_path, url=populated).stdout)
    view = next(o for o in report["unmanaged"]["objects"] if o["kind"] == "view")
    assert view["affected_by"] == ["alter column public.users.name (type)"]


# -- the hazards alone, without a database ---------------------------------------------------------

USERS_TABLE = QualifiedName("public", "users")


def _view(*deps) -> Unmanaged:
    return Unmanaged("view", "public", "v", None, "views are not managed", tuple(deps))


def test_a_column_type_change_fails_on_a_view_that_reads_that_column_only():
    reads_name = _view(Dependency("table", USERS_TABLE, "name", goes_with_it=False))
    change = ch.AlterColumn(USERS_TABLE, Column("email", "text"), Column("email", "varchar(10)"))
    assert dependent_hazards(change, (reads_name,)) == ()
    change = ch.AlterColumn(USERS_TABLE, Column("name", "text"), Column("name", "varchar(10)"))
    (hazard,) = dependent_hazards(change, (reads_name,))
    assert hazard.code == "UNMANAGED_DEPENDENT" and hazard.kind == LOCKING


def test_a_change_that_is_not_a_type_change_does_not_concern_a_view():
    reads_name = _view(Dependency("table", USERS_TABLE, "name", goes_with_it=False))
    change = ch.AlterColumn(USERS_TABLE, Column("name", "text"), Column("name", "text", nullable=False))
    assert dependent_hazards(change, (reads_name,)) == ()
