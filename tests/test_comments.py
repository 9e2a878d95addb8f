"""Comments on schemas, enums, indexes and constraints: read from the file (``comment:`` on the
mapping forms) and from the catalog, planned as idempotent COMMENT ON statements that never
rebuild the object, reported by ``check`` as warnings, and no longer listed as unmanaged."""

from __future__ import annotations

import psycopg
import pytest
import yaml

from catalog_fingerprint import diff_fingerprints, fingerprint
from conftest import fresh_database
from core_helpers import apply_yaml, dedent, invoke, output, plan_yaml, statements
from schemadiff import desired
from schemadiff.catalog.unmanaged import read_unmanaged
from schemadiff.diff import diff
from schemadiff.errors import SchemaFileError
from schemadiff.monitor.check import findings_from_changes
from schemadiff.monitor.findings import WARNING
from schemadiff.plan import PlanOptions, build_plan

COMMENTED = """
schemas:
  - {name: billing, comment: Plans and invoices}
  - archive
enums:
  billing.tier: {values: [free, pro], comment: Commercial tier}
tables:
  billing.plans:
    columns:
      id: bigint
      code: text
      tier: billing.tier
      price: numeric
    primary_key: {columns: [id], comment: One row per plan}
    unique: [{columns: [code], comment: Codes are public}]
    checks: [{expression: price >= 0, comment: No negative prices}]
    indexes: [{name: plans_tier_idx, columns: [tier], comment: For the pricing page}]
  billing.subscriptions:
    columns: {id: bigint, plan_id: bigint}
    foreign_keys: [{columns: [plan_id], references: billing.plans, comment: Every subscription has a plan}]
"""


def load(text: str):
    return desired.loads(dedent(text))


# The file --------------------------------------------------------------------------------------

def test_the_file_reads_comments_on_keys_checks_foreign_keys_indexes_enums_and_schemas():
    catalog = load(COMMENTED)
    plans = catalog.tables[0]
    assert plans.primary_key.comment == "One row per plan"
    assert plans.uniques[0].comment == "Codes are public"
    assert plans.checks[0].comment == "No negative prices"
    assert plans.indexes[0].comment == "For the pricing page"
    assert catalog.tables[1].foreign_keys[0].comment == "Every subscription has a plan"
    assert catalog.enums[0].comment == "Commercial tier" and catalog.enums[0].values == ("free", "pro")
    assert catalog.schema_comments == (("billing", "Plans and invoices"),)
    assert {"archive", "billing"} <= set(catalog.schemas)


def test_a_plain_list_of_schemas_still_reads():
    catalog = load("schemas: [billing, archive]\ntables: {}\n")
    assert {"archive", "billing"} <= set(catalog.schemas) and catalog.schema_comments == ()


@pytest.mark.parametrize(("text", "message"), [
    ("schemas: [{comment: no name}]\n", r"a schema written as a mapping needs 'name' \(at schemas\[0\]\)"),
    ("schemas: [{name: a, comments: x}]\n", "unknown key 'comments' in schema"),
    ("enums:\n  e: {values: [a], comment: [x]}\n", "comment must be text"),
])
def test_the_file_refuses_a_bad_comment_with_its_path(text, message):
    with pytest.raises(SchemaFileError, match=message):
        load(text)


# The plan, without a database ------------------------------------------------------------------

def plan_between(before: str, after: str):
    return build_plan(diff(load(before), load(after)), PlanOptions(server_version=150000))


def test_new_objects_get_their_comments_once_they_exist():
    sqls = statements(plan_between("tables: {}", COMMENTED))
    comments = [s for s in sqls if s.startswith("COMMENT ON")]
    assert comments == [
        "COMMENT ON SCHEMA billing IS 'Plans and invoices'",
        "COMMENT ON CONSTRAINT plans_code_key ON billing.plans IS 'Codes are public'",
        "COMMENT ON CONSTRAINT plans_pkey ON billing.plans IS 'One row per plan'",
        "COMMENT ON CONSTRAINT plans_price_check ON billing.plans IS 'No negative prices'",
        "COMMENT ON INDEX billing.plans_tier_idx IS 'For the pricing page'",
        "COMMENT ON CONSTRAINT subscriptions_plan_id_fkey ON billing.subscriptions IS 'Every subscription has a plan'",
        "COMMENT ON TYPE billing.tier IS 'Commercial tier'",
    ]
    assert sqls.index(comments[-1]) > max(i for i, s in enumerate(sqls) if "FOREIGN KEY" in s)


def test_a_changed_or_removed_comment_is_set_in_place_and_rebuilds_nothing():
    after = (COMMENTED.replace("Plans and invoices", "Plans").replace(", comment: Commercial tier", "")
             .replace("For the pricing page", "Pricing page").replace(", comment: One row per plan", "")
             .replace("No negative prices", "Prices are positive"))
    plan = plan_between(COMMENTED, after)
    assert sorted(statements(plan)) == sorted([
        "COMMENT ON SCHEMA billing IS 'Plans'",
        "COMMENT ON TYPE billing.tier IS NULL",
        "COMMENT ON CONSTRAINT plans_pkey ON billing.plans IS NULL",
        "COMMENT ON CONSTRAINT plans_price_check ON billing.plans IS 'Prices are positive'",
        "COMMENT ON INDEX billing.plans_tier_idx IS 'Pricing page'",
    ])
    assert all(not s.hazards for s in plan.statements)


def test_a_rebuilt_enum_and_a_remade_index_get_their_comment_again():
    after = COMMENTED.replace("values: [free, pro]", "values: [pro]").replace("columns: [tier], comment", "columns: [tier, id], comment")
    sqls = statements(plan_between(COMMENTED, after))
    assert "COMMENT ON TYPE billing.tier IS 'Commercial tier'" in sqls
    assert "COMMENT ON INDEX billing.plans_tier_idx IS 'For the pricing page'" in sqls


def test_check_reports_differing_comments_as_warnings():
    changes = diff(load(COMMENTED), load(COMMENTED.replace("Codes are public", "Public codes")
                                         .replace("Plans and invoices", "Plans")))
    findings = findings_from_changes(changes)
    assert [(f.severity, f.kind, f.problem) for f in findings] == [(WARNING, "comment", "differs")] * 2
    assert sorted(f.object for f in findings) == ["billing", "billing.plans.plans_code_key"]


# Against a real server ---------------------------------------------------------------------------

COMMENTS_SQL = """
CREATE SCHEMA billing;
COMMENT ON SCHEMA billing IS 'Plans and invoices';
CREATE TYPE billing.tier AS ENUM ('free', 'pro');
COMMENT ON TYPE billing.tier IS 'Commercial tier';
CREATE TABLE billing.plans (
    id bigint PRIMARY KEY, code text UNIQUE, tier billing.tier, during tstzrange,
    price numeric CHECK (price >= 0),
    CONSTRAINT plans_no_overlap EXCLUDE USING gist (during WITH &&)
);
CREATE TABLE billing.subscriptions (id bigint, plan_id bigint REFERENCES billing.plans);
CREATE INDEX plans_tier_idx ON billing.plans (tier);
COMMENT ON INDEX billing.plans_tier_idx IS 'For the pricing page';
COMMENT ON CONSTRAINT plans_pkey ON billing.plans IS 'One row per plan';
COMMENT ON CONSTRAINT plans_code_key ON billing.plans IS 'Codes are public';
COMMENT ON CONSTRAINT plans_price_check ON billing.plans IS 'No negative prices';
COMMENT ON CONSTRAINT plans_no_overlap ON billing.plans IS 'One price at a time';
COMMENT ON CONSTRAINT subscriptions_plan_id_fkey ON billing.subscriptions IS 'Every subscription has a plan';
"""


def catalog_of(url: str) -> dict:
    with psycopg.connect(url, autocommit=True) as conn:
        return fingerprint(conn, ignore_tables=["public.schemadiff_version"])


def test_inspect_writes_comments_that_rebuild_the_same_catalog(pg_server, tmp_path):
    with fresh_database(pg_server) as original, fresh_database(pg_server) as rebuilt:
        with psycopg.connect(original, autocommit=True) as conn:
            conn.execute(COMMENTS_SQL)
        (tmp_path / ".git").mkdir()
        for args, url in ((("inspect", "--out", "schema.yaml"), original), (("validate",), None),
                          (("apply",), rebuilt), (("plan", "--exit-code"), original), (("plan", "--exit-code"), rebuilt)):
            result = invoke(*args, cwd=tmp_path, url=url)
            assert result.returncode == 0, f"{' '.join(args)}: {output(result)}"
        assert diff_fingerprints(catalog_of(original), catalog_of(rebuilt)) == []
        text = (tmp_path / "schema.yaml").read_text()
        assert "Left out" not in text
        document = yaml.safe_load(text)
        assert document["schemas"] == [{"name": "billing", "comment": "Plans and invoices"}]
        assert document["enums"]["billing.tier"] == {"values": ["free", "pro"], "comment": "Commercial tier"}


def test_the_public_schema_keeps_the_comment_postgresql_gives_it_without_the_file_saying_so(database_url):
    apply_yaml(database_url, "tables:\n  t:\n    columns: {a: int}\n")
    assert plan_yaml(database_url, "tables:\n  t:\n    columns: {a: int}\n").empty
    text = "schemas: [{name: public, comment: Our tables}]\ntables:\n  t:\n    columns: {a: int}\n"
    apply_yaml(database_url, text)
    assert plan_yaml(database_url, text).empty
    assert statements(plan_yaml(database_url, "tables:\n  t:\n    columns: {a: int}\n")) == [
        "COMMENT ON SCHEMA public IS NULL"]


COMMENT_STEPS = [
    COMMENTED,
    COMMENTED.replace("Plans and invoices", "Plans").replace("Codes are public", "Public codes")
             .replace(", comment: Every subscription has a plan", "").replace("For the pricing page", "Pricing"),
    COMMENTED.replace("values: [free, pro]", "values: [pro]").replace("columns: [tier], comment", "columns: [tier, id], comment")
             .replace("- {name: billing, comment: Plans and invoices}", "- billing"),
    COMMENTED,
]


def test_comments_converge_step_by_step(database_url):
    for step, text in enumerate(COMMENT_STEPS):
        apply_yaml(database_url, text)
        again = plan_yaml(database_url, text)
        assert again.empty, f"step {step}: {statements(again)}"


def test_modelled_comments_are_not_reported_as_unmanaged_but_those_it_cannot_say_are(database_url, sql):
    sql(COMMENTS_SQL)
    sql("COMMENT ON INDEX billing.plans_pkey IS 'the index behind the key';"
        "CREATE TABLE events (at date NOT NULL) PARTITION BY RANGE (at);"
        "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
        "CREATE INDEX events_at_idx ON events (at);"
        "COMMENT ON INDEX events_2024_at_idx IS 'on a partition'")
    with psycopg.connect(database_url) as conn:
        labels = [o.label for o in read_unmanaged(conn, ["public", "billing"])]
    assert labels == ["index comment plans_pkey on billing.plans", "index comment events_2024_at_idx on public.events_2024"]


def test_the_json_schema_accepts_comments_and_refuses_a_schema_without_a_name():
    from test_json_schema import validator

    assert validator().is_valid(yaml.safe_load(dedent(COMMENTED)))
    assert not validator().is_valid({"schemas": [{"comment": "no name"}]})
