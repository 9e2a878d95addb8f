"""Domains, composite and range types, and collations: the file declares them, columns use
them, inspect writes them back, and every change converges (plan empty after apply)."""

from __future__ import annotations

import pytest

from schemadiff import desired
from schemadiff.diff import diff
from schemadiff.diff import user_types as ut
from schemadiff.errors import SchemaFileError
from schemadiff.model import QualifiedName
from schemadiff.plan import build_plan
from prodsafe_helpers import apply, cli, converged, dedent, plan, write

TYPES = """
schemas: [billing]
collations:
  german: {provider: icu, locale: de-DE}
domains:
  year:
    type: integer
    checks: ["VALUE >= 1901 AND VALUE <= 2155"]
    comment: A release year
  billing.amount:
    type: numeric(14,2)
    default: 0
    checks:
      - {name: amount_not_negative, expression: VALUE >= 0}
  billing.positive_amount: {type: billing.amount, default: 1, checks: ["VALUE > 0"]}
  billing.label: {type: text, collation: german, nullable: false, default: "'none'"}
composite_types:
  billing.postal_address:
    attributes: {line1: text, postcode: {type: varchar(16), collation: C}, price: billing.amount}
    comment: Address printed on invoices
range_types:
  billing.amount_range: {subtype: numeric, comment: Band of amounts}
tables:
  billing.films:
    columns:
      id: bigserial
      release_year: year
      prices: billing.amount[]
      fee: billing.positive_amount
      label: billing.label
      address: billing.postal_address
      band: billing.amount_range
      bands: billing.amount_multirange
    primary_key: id
"""


def load(text: str):
    return desired.loads(dedent(text))


def errors(text: str) -> str:
    with pytest.raises(SchemaFileError) as info:
        load(text)
    return str(info.value)


# -- the file ----------------------------------------------------------------------------------

def test_columns_may_use_the_files_domains_composites_ranges_and_arrays_of_them():
    films = load(TYPES).table(QualifiedName("billing", "films"))
    assert [c.type for c in films.columns[1:]] == [
        "year", "billing.amount[]", "billing.positive_amount", "billing.label", "billing.postal_address",
        "billing.amount_range", "billing.amount_multirange"]


def test_an_unnamed_domain_check_gets_postgresqls_name():
    catalog = load("domains:\n  year:\n    type: int\n    checks: [VALUE > 0, VALUE < 3000, {name: x, expression: VALUE <> 5}]\n")
    assert [c.name for c in catalog.domains[0].checks] == ["year_check", "year_check1", "x"]


def test_check_names_are_unique_per_domain_not_per_schema():
    assert "check name 'positive' is used twice in domain 'a'" in errors(
        "domains:\n  a: {type: int, checks: [{name: positive, expression: VALUE > 0}, {name: positive, expression: VALUE < 9}]}\n")
    catalog = load("domains:\n  a: {type: int, checks: [{name: positive, expression: VALUE > 0}]}\n"
                   "  b: {type: int, checks: [{name: positive, expression: VALUE > 0}]}\n")
    assert [d.checks[0].name for d in catalog.domains] == ["positive", "positive"]


def test_an_unknown_base_type_is_refused_with_its_path():
    assert "unknown type 'intger' for domain 'year'" in errors("domains:\n  year: intger\n")
    assert "domains.year.type" in errors("domains:\n  year: intger\n")


def test_a_range_with_a_canonical_function_is_named_as_unsupported():
    message = errors("range_types:\n  r: {subtype: integer, canonical: r_canonical}\n")
    assert "a canonical function is not supported" in message


def test_a_collation_names_its_locale_by_provider():
    assert "an icu collation takes 'locale'" in errors("collations:\n  g: {provider: icu, lc_collate: de_DE}\n")
    assert "only icu collations can be nondeterministic" in errors(
        "collations:\n  g: {locale: C, deterministic: false}\n")


def test_a_collation_reference_resolves_to_the_files_collation_or_a_built_in_one():
    catalog = load(TYPES)
    label = next(d for d in catalog.domains if d.name == "label")
    assert label.collation == QualifiedName("public", "german")
    assert catalog.composites[0].attributes[1].collation == QualifiedName("pg_catalog", "C")


# -- diff and plan -----------------------------------------------------------------------------

def test_types_are_created_after_what_they_use_and_before_tables():
    plan_ = build_plan(diff(load("tables: {}"), load(TYPES)))
    order = [s.description for s in plan_.statements if s.kind != "CreateSchema"]
    assert order.index("create collation public.german") < order.index("create domain billing.label")
    assert order.index("create domain billing.amount") < order.index("create domain billing.positive_amount")
    assert order.index("create domain billing.amount") < order.index("create composite type billing.postal_address")
    assert order.index("create composite type billing.postal_address") < order.index("create table billing.films")


def test_drops_come_in_the_reverse_order_of_creates():
    plan_ = build_plan(diff(load(TYPES), load("schemas: [billing]\ntables: {}")))
    order = [s.description for s in plan_.statements]
    assert order.index("drop table billing.films") < order.index("drop domain billing.positive_amount")
    assert order.index("drop domain billing.positive_amount") < order.index("drop domain billing.amount")
    assert order.index("drop domain billing.label") < order.index("drop collation public.german")


def test_a_changed_domain_check_is_added_not_valid_then_validated_in_a_transaction_of_its_own():
    changed = TYPES.replace("VALUE >= 0}", "VALUE >= 1}")
    statements = build_plan(diff(load(TYPES), load(changed))).statements
    assert [s.kind for s in statements] == ["DropDomainCheck", "AddDomainCheck", "ValidateDomainCheck"]
    assert "NOT VALID" in statements[1].sql and not statements[1].isolated
    assert statements[2].isolated and statements[2].sql == "ALTER DOMAIN billing.amount VALIDATE CONSTRAINT amount_not_negative"


def test_a_changed_base_type_is_a_destructive_rebuild():
    changed = TYPES.replace("type: numeric(14,2)", "type: numeric(16,2)")
    changes = diff(load(TYPES), load(changed))
    assert [type(c) for c in changes] == [ut.ReplaceDomain]
    [first, *_] = build_plan(changes).statements
    assert first.destructive and "cannot change a domain's base type" in first.hazards[0].message


def test_attributes_out_of_the_files_order_are_dropped_and_added_again_at_the_end():
    reordered = TYPES.replace("{line1: text, postcode: {type: varchar(16), collation: C}, price: billing.amount}",
                              "{line1: text, price: billing.amount, city: text, postcode: {type: varchar(16), collation: C}}")
    statements = build_plan(diff(load(TYPES), load(reordered))).statements
    assert [s.description for s in statements] == [
        "drop attribute postcode of type billing.postal_address (to add it again at the end, in the file's order)",
        "drop attribute price of type billing.postal_address (to add it again at the end, in the file's order)",
        "add attribute price to type billing.postal_address",
        "add attribute city to type billing.postal_address",
        "add attribute postcode to type billing.postal_address"]
    assert [s.destructive for s in statements] == [True, True, False, False, False]


# -- against PostgreSQL ------------------------------------------------------------------------

def test_the_types_are_created_and_plan_empty_afterwards(database_url, sql):
    apply(database_url, TYPES)
    assert sql("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'billing.films'::regclass"
               " AND attname = 'release_year'") == [("year",)]
    assert converged(database_url, TYPES)


def test_a_changed_domain_check_converges_and_validates(database_url, sql):
    apply(database_url, TYPES)
    changed = TYPES.replace("VALUE <= 2155", "VALUE <= 2100")
    apply(database_url, changed)
    assert sql("SELECT convalidated, pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'year_check'") == [
        (True, "CHECK (((VALUE >= 1901) AND (VALUE <= 2100)))")]
    assert converged(database_url, changed)


def test_validating_a_domain_used_in_an_array_column_names_postgresqls_refusal():
    changed = TYPES.replace("VALUE >= 0}", "VALUE >= 1}")
    validate = build_plan(diff(load(TYPES), load(changed))).statements[-1]
    assert validate.kind == "ValidateDomainCheck"
    assert any(h.code == "FAILS_IF_USED" and "billing.films.prices" in h.message for h in validate.hazards)


def test_a_check_that_existing_rows_break_fails_at_validate_and_keeps_them(database_url, sql):
    apply(database_url, TYPES)
    sql("INSERT INTO billing.films (release_year, label) VALUES (1999, 'x')")
    with pytest.raises(Exception, match="violate"):
        apply(database_url, TYPES.replace("VALUE <= 2155", "VALUE <= 1990"))
    assert sql("SELECT release_year FROM billing.films") == [(1999,)]


def test_domain_default_and_not_null_are_altered_in_place(database_url, sql):
    apply(database_url, TYPES)
    changed = TYPES.replace("nullable: false, default: \"'none'\"", "default: \"'n/a'\"")
    assert [s.sql for s in plan(database_url, changed).statements] == [
        "ALTER DOMAIN billing.label SET DEFAULT 'n/a'", "ALTER DOMAIN billing.label DROP NOT NULL"]
    apply(database_url, changed)
    assert converged(database_url, changed)


def test_a_base_type_change_is_refused_without_the_flag_and_converts_the_columns_with_it(database_url, sql, tmp_path):
    apply(database_url, TYPES)
    sql("INSERT INTO billing.films (release_year, label) VALUES (2001, 'x')")
    changed = TYPES.replace("    type: integer\n    checks", "    type: bigint\n    checks")
    schema = write(tmp_path, changed)
    refused = cli(database_url, schema, "apply")
    assert refused.returncode == 4 and "cannot change a domain's base type" in refused.stderr
    done = cli(database_url, schema, "apply", "--allow-destructive")
    assert done.returncode == 0, done.stderr
    assert sql("SELECT format_type(typbasetype, NULL) FROM pg_type WHERE typname = 'year'") == [("bigint",)]
    assert sql("SELECT release_year FROM billing.films") == [(2001,)]
    assert converged(database_url, changed)


def test_composite_attributes_are_added_dropped_and_reordered(database_url, sql):
    apply(database_url, TYPES)
    sql("INSERT INTO billing.films (label, address) VALUES ('x', ROW('1 Main St', 'AB1', 3))")
    changed = TYPES.replace("{line1: text, postcode: {type: varchar(16), collation: C}, price: billing.amount}",
                            "{line1: text, city: text, postcode: {type: varchar(16), collation: C}}")
    apply(database_url, changed, allow_destructive=True)
    assert sql("SELECT (address).line1, (address).city FROM billing.films") == [("1 Main St", None)]
    assert converged(database_url, changed)


def test_inspect_writes_the_types_back_and_they_rebuild_elsewhere(database_url, sql, tmp_path, pg_server):
    from conftest import fresh_database
    from core_helpers import run_cli

    apply(database_url, TYPES)
    sql("CREATE TYPE billing.float_range AS RANGE (subtype = float8, subtype_diff = float8mi)")
    sql("CREATE COLLATION billing.sorted (locale = 'C.utf8')")
    sql("ALTER DOMAIN billing.amount ADD CONSTRAINT amount_small CHECK (VALUE < 100) NOT VALID")
    (tmp_path / ".git").mkdir()
    inspected = run_cli("inspect", "--out", "schema.yaml", cwd=tmp_path, url=database_url)
    assert inspected.returncode == 0, inspected.stderr
    text = (tmp_path / "schema.yaml").read_text()
    assert "subtype_diff: float8mi" in text and "not_valid: true" in text
    with fresh_database(pg_server, prefix="types_b_") as other:
        applied = run_cli("apply", cwd=tmp_path, url=other)
        assert applied.returncode == 0, applied.stderr
        for url in (database_url, other):
            planned = run_cli("plan", "--exit-code", cwd=tmp_path, url=url)
            assert planned.returncode == 0, planned.stdout + planned.stderr


def test_check_reports_a_missing_domain_as_critical(database_url, sql, tmp_path):
    import json

    apply(database_url, TYPES)
    sql("DROP DOMAIN billing.label CASCADE")
    report = cli(database_url, write(tmp_path, TYPES), "check", "--format", "json")
    findings = json.loads(report.stdout)["findings"]
    assert {"severity": "critical", "kind": "domain", "problem": "missing"}.items() <= next(
        f for f in findings if f["object"] == "billing.label").items()


def test_a_new_column_of_a_not_null_domain_without_default_is_named_failing_on_rows(database_url, sql):
    """Found by the convergence suite with rows: the plan called it safe, and apply failed with
    'domain … does not allow null values' on a table that had rows."""
    from prodsafe_helpers import apply as apply_text, plan as plan_text

    base = "domains: {code: {type: text, nullable: false}}\ntables: {t: {columns: {id: integer}}}\n"
    apply_text(database_url, base)
    sql("INSERT INTO t VALUES (1)")
    with_code = base.replace("{id: integer}", "{id: integer, c: code}")
    [statement] = plan_text(database_url, with_code).statements
    assert [h.code for h in statement.hazards] == ["FAILS_ON_ROWS"]
    defaulted = with_code.replace("{type: text, nullable: false}", "{type: text, nullable: false, default: \"'x'\"}")
    assert not [h for s in plan_text(database_url, defaulted).statements for h in s.hazards if h.code == "FAILS_ON_ROWS"]


SMALL_EVEN = """
domains:
  small_even: {type: integer, default: "two()", checks: [{name: small_even_check, expression: "is_even(VALUE)"}]}
functions:
  is_even(n integer): {returns: boolean, language: sql, volatility: immutable, body: "SELECT n % 2 = 0"}
  two(): {returns: integer, language: sql, volatility: immutable, body: SELECT 2}
  halve(n small_even): {returns: integer, language: sql, volatility: immutable, body: SELECT n / 2}
tables:
  pairs: {columns: {n: small_even, half: {type: integer, default: halve(4)}}}
"""


def test_a_domain_calling_a_function_of_the_same_plan_comes_after_it(database_url, sql):
    """CREATE DOMAIN checks its default and checks at once, so the functions they call come
    first; a new function taking the domain then comes after the domain."""
    plain = "domains: {small_even: integer}\ntables: {pairs: {columns: {n: small_even}}}\n"
    for start in ("tables: {}\n", plain):
        sql("DROP TABLE IF EXISTS pairs; DROP FUNCTION IF EXISTS halve; DROP DOMAIN IF EXISTS small_even;"
            " DROP FUNCTION IF EXISTS is_even, two")
        apply(database_url, start)
        apply(database_url, SMALL_EVEN)
        assert converged(database_url, SMALL_EVEN)
        sql("INSERT INTO pairs DEFAULT VALUES")
        assert sql("SELECT n, half FROM pairs") == [(2, 2)]
