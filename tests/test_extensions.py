"""Extensions, and the column types they provide: declared, created before anything that uses
them, moved and updated in place, dropped only with --allow-destructive; their own objects are
never managed; their types pass `validate` and round-trip as format_type prints them."""

from __future__ import annotations

import psycopg
import pytest
import yaml

from conftest import fresh_database
from core_helpers import invoke, load, output, problems, sqls
from schemadiff import desired
from schemadiff.diff import diff
from schemadiff.diff.extensions import CreateExtension, DropExtension, SetExtensionSchema, UpdateExtension
from schemadiff.model import Catalog, Extension, catalog_hash
from schemadiff.monitor.check import findings_from_changes
from schemadiff.monitor.findings import CRITICAL
from schemadiff.plan import build_plan


# The file ---------------------------------------------------------------------------------

def test_extensions_are_names_or_mappings_in_public_unless_given():
    catalog = load("extensions: [pgcrypto, {name: btree_gist, schema: ext, version: '1.7'}]")
    assert catalog.extensions == (Extension("btree_gist", "ext", "1.7"), Extension("pgcrypto", "public", None))


def test_the_schema_of_an_extension_is_created_by_the_file():
    assert "ext" in load("extensions: [{name: cube, schema: ext}]").schemas


@pytest.mark.parametrize(("text", "message"), [
    ("extensions: [citext, citext]", "extension 'citext' is declared twice"),
    ("extensions: [{name: citext, shema: x}]", "unknown key 'shema' in extension; did you mean 'schema'?"),
    ("extensions: [{schema: x}]", "an extension is its name or {name, schema, version}"),
    ("extensions: [{name: hstore, version: 1.10}]", "the version of extension 'hstore' must be quoted text"),
    ("extensions: [plpgsql]", "extension 'plpgsql' is installed in every database"),
    ("extensions: citext", "extensions must be a list"),
])
def test_bad_extension_entries_are_located_errors(text, message):
    assert message in problems(text)


# Types from extensions ----------------------------------------------------------------------

@pytest.mark.parametrize(("written", "canonical"), [
    ("cube", "cube"), ("CItext", "citext"), ("hstore[]", "hstore[]"), ("vector(3)", "vector(3)"),
    ("geometry(Point, 4326)", "geometry(Point,4326)"), ("public.citext", "citext"), ("Ext.Cube", "ext.cube"),
])
def test_an_unknown_type_is_taken_as_format_type_prints_it_once_an_extension_is_declared(written, canonical):
    catalog = load(f"extensions: [citext]\ntables: {{t: {{columns: {{a: '{written}'}}}}}}")
    assert catalog.tables[0].columns[0].type == canonical


@pytest.mark.parametrize(("written", "meant"), [("intger", "integer"), ("varchr(10)", "varchar"),
                                                 ("timestamptz2", "timestamptz"), ("jsnob", "jsonb")])
def test_a_close_misspelling_of_a_builtin_type_stays_an_error_with_extensions(written, meant):
    message = problems(f"extensions: [citext]\ntables: {{t: {{columns: {{a: '{written}'}}}}}}")
    assert f"unknown type '{written}' for column 'a'; did you mean '{meant}'?" in message


def test_an_unknown_type_without_extensions_says_to_declare_the_extension():
    message = problems("tables: {t: {columns: {a: cube}}}")
    assert "unknown type 'cube' for column 'a'" in message
    assert "declare that extension under 'extensions:'" in message


def test_a_schema_qualified_unknown_type_needs_no_extension():
    assert load("tables: {t: {columns: {a: ext.cube, b: public.seg}}}").tables[0].columns[0].type == "ext.cube"


# Diff and plan ------------------------------------------------------------------------------

def test_extensions_are_created_before_types_and_tables_without_cascade():
    wanted = load("""
        extensions: [{name: cube, schema: ext, version: '1.5'}, pg_trgm]
        enums: {mood: [a, b]}
        tables: {t: {columns: {c: ext.cube, n: text}, indexes: [{name: t_n, columns: [n gin_trgm_ops], using: gin}]}}
    """)
    statements = sqls(Catalog(), wanted)
    assert statements[:3] == ["CREATE SCHEMA IF NOT EXISTS ext",
                              "CREATE EXTENSION IF NOT EXISTS cube WITH SCHEMA ext VERSION '1.5'",
                              "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"]
    assert statements[3].startswith("DO") and "CREATE TYPE" in statements[3]


def test_dropping_an_extension_is_destructive_restrict_and_runs_last():
    before = load("extensions: [citext]\ntables: {t: {columns: {a: citext}}}")
    statements = build_plan(diff(before, load("extensions: []"))).statements
    assert [s.sql for s in statements][-1] == "DROP EXTENSION IF EXISTS citext"
    assert statements[-1].destructive and "drops extension citext" in statements[-1].hazards[0].message


def test_an_extension_in_a_schema_the_file_does_not_manage_is_left_alone():
    live = Catalog(schemas=("public",), extensions=(Extension("pgcrypto", "extensions", "1.3"),))
    assert diff(live, load("extensions: []")) == []


def test_a_file_without_an_extensions_key_leaves_installed_extensions_alone():
    live = Catalog(extensions=(Extension("pgcrypto", "public", "1.3"),))
    assert diff(live, load("tables: {}")) == []
    assert diff(live, load("extensions: []")) == [DropExtension(Extension("pgcrypto", "public", "1.3"))]


def test_a_changed_schema_moves_the_extension_and_a_declared_version_updates_it():
    live = Catalog(extensions=(Extension("hstore", "public", "1.6"),))
    assert diff(live, load("extensions: [{name: hstore, schema: ext, version: '1.8'}]"))[1:] == [
        SetExtensionSchema("hstore", "public", "ext"), UpdateExtension("hstore", "1.6", "1.8")]
    assert sqls(live, load("extensions: [{name: hstore, schema: ext, version: '1.8'}]"))[1:] == [
        "ALTER EXTENSION hstore SET SCHEMA ext", "ALTER EXTENSION hstore UPDATE TO '1.8'"]


def test_without_a_declared_version_any_installed_version_will_do():
    assert diff(Catalog(extensions=(Extension("hstore", "public", "1.6"),)), load("extensions: [hstore]")) == []


def test_check_reads_a_missing_extension_as_critical():
    [finding] = findings_from_changes([CreateExtension(Extension("citext"))])
    assert (finding.severity, finding.kind, finding.problem, finding.object) == (CRITICAL, "extension", "missing", "citext")


def test_a_file_without_extensions_keeps_the_hash_an_earlier_version_recorded():
    import hashlib
    import json

    from schemadiff.model import _plain

    catalog = load("tables: {t: {columns: {a: int}}}")
    before_extensions = {k: v for k, v in _plain(catalog).items() if k not in ("extensions", "manages_extensions")}
    recorded = hashlib.sha256(json.dumps(before_extensions, sort_keys=True, default=str).encode()).hexdigest()
    assert catalog_hash(catalog) == recorded
    assert catalog_hash(load("extensions: [citext]\ntables: {t: {columns: {a: int}}}")) != recorded


# Against PostgreSQL -------------------------------------------------------------------------

EXTENSION_DB = """
CREATE SCHEMA ext;
CREATE EXTENSION citext;
CREATE EXTENSION hstore VERSION '1.6';
CREATE EXTENSION pg_trgm;
CREATE EXTENSION btree_gist;
CREATE EXTENSION pgcrypto;
CREATE EXTENSION cube WITH SCHEMA ext;
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE TABLE people (
    id integer PRIMARY KEY,
    email citext NOT NULL UNIQUE,
    attrs hstore,
    tags citext[],
    spot ext.cube,
    token bytea DEFAULT gen_random_bytes(16),
    feeling mood,
    name text NOT NULL
);
CREATE INDEX people_name_trgm ON people USING gin (name gin_trgm_ops);
CREATE INDEX people_id_gist ON people USING gist (id);
"""


def run_sql(url: str, text: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(text)


@pytest.fixture
def project(tmp_path):
    (tmp_path / ".git").mkdir()
    return tmp_path


def test_inspect_writes_extensions_and_their_types_and_the_file_rebuilds_the_database(pg_server, database_url, project):
    run_sql(database_url, EXTENSION_DB)
    result = invoke("inspect", "--out", "schema.yaml", cwd=project, url=database_url)
    assert result.returncode == 0, output(result)
    written = yaml.safe_load((project / "schema.yaml").read_text())
    assert written["extensions"] == ["btree_gist", "citext", {"name": "cube", "schema": "ext"}, "hstore", "pg_trgm", "pgcrypto"]
    assert "schemas" not in written  # an extension's schema is implied
    columns = written["tables"]["people"]["columns"]
    assert (columns["spot"], columns["attrs"], columns["tags"]) == ("ext.cube", "hstore", "citext[]")
    assert invoke("validate", cwd=project).returncode == 0
    assert invoke("plan", "--exit-code", cwd=project, url=database_url).returncode == 0
    with fresh_database(pg_server) as rebuilt:
        applied = invoke("apply", cwd=project, url=rebuilt)
        assert applied.returncode == 0, output(applied)
        again = invoke("plan", "--exit-code", cwd=project, url=rebuilt)
        assert again.returncode == 0, output(again)


def test_objects_an_extension_owns_are_neither_managed_nor_reported(database_url, project):
    run_sql(database_url, "CREATE EXTENSION citext; CREATE TYPE owned_mood AS ENUM ('a');"
                          " CREATE TABLE owned (a int PRIMARY KEY, b owned_mood, c int REFERENCES owned CHECK (c > 0));"
                          " CREATE INDEX ON owned (b);"
                          " ALTER EXTENSION citext ADD TYPE owned_mood; ALTER EXTENSION citext ADD TABLE owned")
    (project / "schema.yaml").write_text("extensions: [citext]\ntables: {}\n")
    result = invoke("plan", "--exit-code", cwd=project, url=database_url)
    assert result.returncode == 0, output(result)
    assert invoke("inspect", "--out", "inspected.yaml", cwd=project, url=database_url).returncode == 0
    inspected = yaml.safe_load((project / "inspected.yaml").read_text())
    assert {k: v for k, v in inspected.items() if v} == {"extensions": ["citext"]}  # the other keys: empty
    checked = invoke("check", cwd=project, url=database_url)
    assert "owned" not in output(checked)


def test_an_extension_type_spelled_otherwise_plans_empty(database_url, project):
    run_sql(database_url, "CREATE EXTENSION cube; CREATE TABLE t (a cube, b cube[])")
    (project / "schema.yaml").write_text("extensions: [cube]\ntables: {t: {columns: {a: public.CUBE, b: 'cube ARRAY'}}}\n")
    result = invoke("plan", "--exit-code", cwd=project, url=database_url)
    assert result.returncode == 0, output(result)


def test_the_server_settles_a_spelling_only_it_knows(database_url):
    """``geometry(point, 4326)`` prints as ``geometry(Point,4326)``: the server is asked how the
    desired spelling prints (here a spelling the loader would have folded, given directly)."""
    from dataclasses import replace

    from schemadiff import db
    from schemadiff.catalog.canonicalize import canonicalize
    from schemadiff.catalog.inspect import inspect

    run_sql(database_url, "CREATE EXTENSION cube; CREATE TABLE t (a cube)")
    conn = db.connect(database_url)
    try:
        live = inspect(conn, ["public"])
        table = live.tables[0]
        wanted = replace(live, tables=(replace(table, columns=(replace(table.columns[0], type="public.cube"),)),))
        assert diff(live, wanted) != []
        assert diff(live, canonicalize(conn, live, wanted)) == []
    finally:
        conn.close()


def test_apply_names_an_extension_the_server_does_not_have(database_url, project):
    (project / "schema.yaml").write_text("extensions: [no_such_extension]\ntables: {t: {columns: {a: int}}}\n")
    result = invoke("apply", cwd=project, url=database_url)
    assert result.returncode != 0
    assert 'extension "no_such_extension" is not available' in output(result)
    assert "Traceback" not in output(result)
    validated = invoke("plan", "--validate", cwd=project, url=database_url)
    assert validated.returncode != 0 and 'extension "no_such_extension" is not available' in output(validated)


def test_removing_an_extension_is_refused_without_allow_destructive(database_url, project):
    run_sql(database_url, "CREATE EXTENSION citext")
    (project / "schema.yaml").write_text("extensions: []\ntables: {t: {columns: {a: int}}}\n")
    refused = invoke("apply", cwd=project, url=database_url)
    assert refused.returncode != 0 and "drop extension citext" in output(refused)
    assert invoke("apply", "--allow-destructive", cwd=project, url=database_url).returncode == 0
    assert invoke("plan", "--exit-code", cwd=project, url=database_url).returncode == 0


def test_a_moved_schema_and_a_declared_version_converge(database_url, project):
    run_sql(database_url, "CREATE EXTENSION hstore VERSION '1.6'")
    (project / "schema.yaml").write_text("extensions: [{name: hstore, schema: ext, version: '1.8'}]\n")
    applied = invoke("apply", cwd=project, url=database_url)
    assert applied.returncode == 0, output(applied)
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT extnamespace::regnamespace::text, extversion FROM pg_extension"
                            " WHERE extname = 'hstore'").fetchone() == ("ext", "1.8")
    assert invoke("plan", "--exit-code", cwd=project, url=database_url).returncode == 0


def test_check_reports_a_missing_extension_as_critical(database_url, project):
    (project / "schema.yaml").write_text("extensions: [citext]\n")
    result = invoke("check", "--format", "json", cwd=project, url=database_url)
    assert '"status": "critical"' in result.stdout and "extension citext" in result.stdout, output(result)


def test_moving_an_extension_carries_its_columns_along_without_a_type_change(database_url, project):
    run_sql(database_url, "CREATE EXTENSION cube; CREATE TABLE t (a cube, b cube[])")
    (project / "schema.yaml").write_text("extensions: [{name: cube, schema: ext}]\n"
                                         "tables: {t: {columns: {a: ext.cube, b: 'ext.cube[]'}}}\n")
    planned = invoke("plan", cwd=project, url=database_url)
    assert "ALTER EXTENSION cube SET SCHEMA ext" in planned.stdout and "ALTER TABLE" not in planned.stdout, output(planned)
    assert invoke("apply", cwd=project, url=database_url).returncode == 0
    assert invoke("plan", "--exit-code", cwd=project, url=database_url).returncode == 0


def test_plan_validate_rebuilds_an_extension_installed_in_a_schema_the_file_does_not_manage(database_url, project):
    run_sql(database_url, "CREATE SCHEMA extensions; CREATE EXTENSION pgcrypto WITH SCHEMA extensions;"
                          " CREATE TABLE t (a int)")
    (project / "schema.yaml").write_text("tables: {t: {columns: {a: int, b: text}}}\n")
    result = invoke("plan", "--validate", cwd=project, url=database_url)
    assert result.returncode == 0, output(result)
    assert "extension" not in result.stdout


def test_inspect_writes_an_extension_type_that_looks_like_a_typo_qualified():
    from schemadiff.desired.dump import dump
    from schemadiff.model import Column, Table

    catalog = Catalog(tables=(Table("public", "t", (Column("a", "seg"),)),), extensions=(Extension("seg", "public", "1.4"),))
    text = dump(catalog)
    assert "a: public.seg" in text
    assert diff(catalog, desired.loads(text)) == []
