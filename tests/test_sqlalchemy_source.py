"""SQLAlchemy models as a desired-state source (``sqlalchemy:module:Base``), models generated
from a catalog (``schemadiff models``), and the seed API given an application's Engine."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, seed, settings

pytest.importorskip("sqlalchemy")

from schemadiff import api, desired  # noqa: E402
from schemadiff.cli import cli  # noqa: E402
from schemadiff.desired import sources  # noqa: E402
from schemadiff.diff import diff  # noqa: E402
from schemadiff.sqlalchemy_bridge.generate import generate  # noqa: E402
from schemadiff.sqlalchemy_bridge.load import metadata_document  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "sqlalchemy"


@pytest.fixture
def in_fixtures(monkeypatch):
    monkeypatch.chdir(FIXTURES)
    for name in ("seed_models", "constructs", "broken_models"):
        sys.modules.pop(name, None)


def test_the_seed_models_load_to_the_catalog_of_schema_yaml(in_fixtures):
    models, text = sources.load("sqlalchemy:seed_models:Base")
    assert diff(desired.load(ROOT / "schema.yaml"), models) == []
    assert diff(models, desired.loads(text)) == []  # the recorded snapshot is the same schema


def test_each_mapped_construct_loads_as_the_schema_file_says(in_fixtures, caplog):
    """Identity, collation, comments, native enum, arrays, Computed, server defaults, schemas,
    the naming convention, deferrable unique, FK actions, named checks, partial, expression,
    gin with operator class and INCLUDE indexes, implicit serial, a Table without a key."""
    with caplog.at_level("WARNING", logger="schemadiff"):
        models, _ = sources.load("sqlalchemy:constructs:Base")
        sources.load("sqlalchemy:constructs:Base")
    constructs = sys.modules["constructs"]
    assert diff(desired.loads(constructs.EXPECTED), models) == []
    notes = [r.getMessage() for r in caplog.records]
    assert len(notes) == 1, "reported once"
    assert "orders.note: default='x' is set by SQLAlchemy on INSERT" in notes[0]
    assert "orders.note: onupdate=" in notes[0] and "tax" not in notes[0]
    metadata = sources.load("sqlalchemy:constructs:Base.metadata")[0]  # a MetaData itself
    assert diff(models, metadata) == []


def test_diff_of_models_and_schema_yaml_fails_ci_on_drift(in_fixtures, tmp_path):
    runner = CliRunner()
    agree = runner.invoke(cli, ["diff", str(ROOT / "schema.yaml"), "sqlalchemy:seed_models:Base", "--exit-code"])
    assert agree.exit_code == 0, agree.output
    drifted = tmp_path / "schema.yaml"
    drifted.write_text((ROOT / "schema.yaml").read_text().replace("      language_code: varchar(10)\n", ""))
    result = runner.invoke(cli, ["diff", str(drifted), "sqlalchemy:seed_models:Base", "--exit-code"])
    assert result.exit_code == 2 and "language_code" in result.output


@pytest.mark.parametrize("spec, message", [
    ("sqlalchemy:broken_models:Base", "cannot import module 'broken_models': NameError: name 'Strnig' is not defined"),
    ("sqlalchemy:seed_models:Bsae", "module 'seed_models' has no attribute 'Bsae'"),
    ("sqlalchemy:no_such_module:Base", "cannot import module 'no_such_module': ModuleNotFoundError"),
    ("sqlalchemy:seed_models", "write SQLAlchemy models as sqlalchemy:package.module:Base"),
    ("sqlalchemy:seed_models:timestamp_now", "is neither a SQLAlchemy MetaData nor a declarative base"),
])
def test_a_bad_models_source_is_one_clear_error(in_fixtures, spec, message):
    done = subprocess.run([sys.executable, "-m", "schemadiff", "--schema", spec, "validate"], capture_output=True,
                          text=True, cwd=FIXTURES, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 1, done.stderr
    assert message in done.stderr and spec in done.stderr
    assert "Traceback" not in done.stderr
    if "broken" in spec:
        assert "broken_models.py:" in done.stderr  # where the import failed


def test_models_source_in_the_configuration(in_fixtures, monkeypatch, tmp_path):
    from schemadiff import config

    (tmp_path / "schemadiff.toml").write_text('schema = "sqlalchemy:seed_models:Base"\n')
    settings_ = config.resolve({}, cwd=tmp_path) if "cwd" in config.resolve.__code__.co_varnames else None
    if settings_ is None:
        monkeypatch.chdir(tmp_path)
        settings_ = config.resolve({})
    assert settings_.schema == "sqlalchemy:seed_models:Base"


# --- generated models --------------------------------------------------------------------

def load_generated(source: str, name: str = "generated_models"):
    module = types.ModuleType(name)
    sys.modules[name] = module
    try:
        exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    finally:
        del sys.modules[name]
    document, _ = metadata_document(module.Base.metadata)
    return desired.load_document(document), module


def test_generated_seed_models_round_trip_and_relate_users_to_their_rows():
    catalog = desired.load(ROOT / "schema.yaml")
    source, left_out = generate(catalog)
    assert left_out == []
    back, module = load_generated(source)
    assert diff(catalog, back) == []
    assert 'user: Mapped["Users"] = relationship(back_populates="games")' in source
    assert "metadata_: Mapped[Any] = mapped_column('metadata', JSONB" in source
    assert module.Users.games.property.back_populates == "user"


def test_generated_models_name_what_they_leave_out():
    catalog = desired.loads("""
enums: {unused: [a]}
tables:
  t:
    columns: {id: bigint, v: {type: text, storage: external}}
    with: {fillfactor: 70}
""")
    source, left_out = generate(catalog)
    assert "enum public.unused (no column uses it)" in left_out
    assert "public.t: storage parameters (with)" in left_out and "public.t.v: storage external" in left_out
    assert "#   public.t: storage parameters (with)" in source
    back, _ = load_generated(source)  # a table without a primary key is a plain Table
    assert [c.name for c in back.tables[0].columns] == ["id", "v"]


def test_a_numeric_key_reads_back_numeric_from_generated_models():
    """Before: prices keyed by amount numeric(10,2) read back as amount serial (integer) with
    SQLAlchemy 2.0, which takes a lone numeric key for its autoincrement column and creates it
    SERIAL. After: the models say autoincrement=False, as for an integer key."""
    catalog = desired.loads("tables: {prices: {columns: {amount: 'numeric(10,2)'}, primary_key: amount}}")
    back, module = load_generated(generate(catalog)[0])
    assert module.Prices.__table__.c.amount.autoincrement is False
    assert diff(catalog, back) == [] and diff(back, catalog) == []


def test_a_schema_with_no_table_and_a_schema_comment_are_carried_by_generated_models():
    """Before: schema app (no table in it) and the comment on billing were listed as left out.
    After: the models carry both in Base.metadata.info["schemadiff"], and read them back."""
    catalog = desired.loads("""
schemas: [app, {name: billing, comment: invoices}]
tables:
  billing.invoices: {columns: {id: bigint}, primary_key: id}
""")
    source, left_out = generate(catalog)
    assert left_out == []
    back, module = load_generated(source)
    assert module.Base.metadata.info == {"schemadiff": {"schemas": ["app", {"name": "billing", "comment": "invoices"}]}}
    assert (back.schemas, back.schema_comments) == (("app", "billing"), (("billing", "invoices"),))


def test_a_malformed_schemas_hint_in_the_models_is_one_clear_error():
    from sqlalchemy import MetaData

    from schemadiff.errors import SchemaFileError

    with pytest.raises(SchemaFileError, match=r'MetaData.info\["schemadiff"\] must be .* not \{\'schemas\': \'app\'\}'):
        metadata_document(MetaData(info={"schemadiff": {"schemas": "app"}}), "sqlalchemy:app.models:Base")


from conftest import RUN_SEED  # noqa: E402
from reliability import examples  # noqa: E402
from test_convergence import schema_doc  # noqa: E402

UNEXPRESSIBLE = ("sequences", "domains", "composite_types", "range_types", "collations", "text_search", "extensions",
                 "views", "materialized_views", "functions", "procedures", "triggers", "policies", "privileges",
                 "default_privileges")


def expressible(doc: dict) -> dict:
    """What SQLAlchemy models can say of a random schema file: no sequences, user-defined
    types, extensions, partitions, storage parameters, comments on constraints, indexes or
    enums; and only enums a column uses (models declare enums through columns)."""
    doc = {k: v for k, v in doc.items() if k not in UNEXPRESSIBLE}
    user_type_names = {n.split(".")[-1] for k in ("domains", "composite_types", "range_types") for n in doc.get(k, {})}
    tables = {}
    for name, table in doc["tables"].items():
        if "partition_by" in table:
            continue
        table = {k: v for k, v in table.items() if k != "with"}
        gone = {c for c, body in table["columns"].items()
                if not isinstance(body, dict) or "nextval" in str(body.get("default", ""))
                or body.get("type", "").split(".")[-1].split("[")[0] in user_type_names
                or not re.fullmatch(r"[a-z0-9_ (),\[\]]+|app\.\w+|\w+", body.get("type", ""))}
        gone |= {c for c, body in table["columns"].items() if isinstance(body, dict) and body.get("type") in
                 ("public.cube", "cube", "hstore", "citext", "public.citext", "ltree")}
        table["columns"] = {c: b for c, b in table["columns"].items() if c not in gone}
        if not table["columns"] or any(re.search(rf"\b{g}\b", str({k: v for k, v in table.items() if k != "columns"}))
                                       for g in gone):
            return {}
        for key in ("primary_key", "unique", "indexes", "checks", "foreign_keys"):
            if isinstance(table.get(key), dict):
                table[key] = {k: v for k, v in table[key].items() if k != "comment"}
            elif isinstance(table.get(key), list):
                table[key] = [{k: v for k, v in i.items() if k != "comment"} if isinstance(i, dict) else i
                              for i in table[key]]
        tables[name] = table
    doc["tables"] = tables
    used = {b.get("type", "").removesuffix("[]") if isinstance(b, dict) else b.removesuffix("[]")
            for t in tables.values() for b in t["columns"].values()}
    doc["enums"] = {e: (v["values"] if isinstance(v, dict) else v) for e, v in doc.get("enums", {}).items() if e in used}
    return doc


# Random cases that once failed, replayed on every run before the random ones.
NUMERIC_KEY = {"schemas": ["app"], "tables": {"users": {
    "columns": {"amount": {"type": "numeric(10,2)"}, "total": {"type": "numeric", "generated": "amount * 2"}},
    "primary_key": "amount"}}}
EMPTY_SCHEMA = {"schemas": [{"name": "app", "comment": "a comment"}],
                "tables": {"users": {"columns": {"name": {"type": "text"}}}}}


# Random on each run (the seed is in pytest's header; SCHEMADIFF_SEED=N repeats a run): the test
# needs no database and a case depends on nothing else, so a failure is a bug, never a flake.
@settings(max_examples=examples(40, 500), deadline=None, suppress_health_check=list(HealthCheck), database=None,
          print_blob=True)
@seed(RUN_SEED)
@example(NUMERIC_KEY)
@example(EMPTY_SCHEMA)
@given(schema_doc())
def test_random_catalogs_round_trip_through_generated_models(doc):
    doc = expressible(doc)
    if not doc or not doc["tables"]:
        return
    try:
        catalog = desired.loads(yaml.safe_dump(doc))
    except Exception:
        return  # a table filtered down to what no longer validates
    source, left_out = generate(catalog)
    assert left_out == [], left_out
    back, _ = load_generated(source)
    assert diff(catalog, back) == [], source
    assert diff(back, catalog) == [], source  # both ways: schemas are created, never dropped


# --- the seed API on an application's engine ---------------------------------------------

def test_the_seed_api_takes_an_engine_and_an_async_engine(database_url, tmp_path):
    from sqlalchemy import create_engine
    from sqlalchemy.ext.asyncio import create_async_engine

    from monitoring_support import write_schema

    schema = write_schema(tmp_path)
    sync_engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    async_engine = create_async_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        assert api.initialize_database_sync(sync_engine, schema) is True
        health = asyncio.run(api.check_database_health(async_engine, schema))
        assert health["overall_healthy"] is True, health
        status = asyncio.run(api.check_database_status(async_engine, schema))
        assert status["pending_migrations"] == [] and status["applied_migrations"] == 1
    finally:
        sync_engine.dispose()
        asyncio.run(async_engine.dispose())
    with pytest.raises(TypeError):
        api.database_url_of(object())


def test_models_plan_apply_check_on_a_database(in_fixtures, database_url):
    runner = CliRunner()
    args = ["--database-url", database_url, "--schema", "sqlalchemy:seed_models:Base"]
    applied = runner.invoke(cli, args + ["apply"])
    assert applied.exit_code == 0, applied.output
    planned = runner.invoke(cli, args + ["plan", "--exit-code"])
    assert planned.exit_code == 0, planned.output
    checked = runner.invoke(cli, args + ["check"])
    assert checked.exit_code == 0, checked.output
    yaml_side = runner.invoke(cli, ["--database-url", database_url, "--schema", str(ROOT / "schema.yaml"), "plan",
                                    "--exit-code"])
    assert yaml_side.exit_code == 0, yaml_side.output  # the same database for the YAML file


def test_generated_models_name_the_views_functions_and_triggers_they_cannot_hold():
    catalog = desired.loads("""
tables:
  items: {columns: {id: bigint, price: "numeric(6,2)"}, primary_key: id}
views:
  cheap: SELECT id FROM items WHERE price < 10
functions:
  add_one(a integer): {returns: integer, language: sql, body: SELECT a + 1}
""")
    _, left_out = generate(catalog)
    assert "view public.cheap" in left_out and "function add_one(integer)" in left_out
