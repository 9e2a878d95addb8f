"""Table and column details: generated columns, storage parameters (WITH), UNLOGGED,
REPLICA IDENTITY, column collation, storage and compression — read from the file and from
the catalog, planned with their rewrites named, and converging."""

from __future__ import annotations

import re

import psycopg
import pytest
import yaml

from catalog_fingerprint import diff_fingerprints, fingerprint
from conftest import fresh_database
from core_helpers import apply_yaml, dedent, invoke, output, plan_yaml, statements
from schemadiff import desired
from schemadiff.catalog.inspect import inspect
from schemadiff.diff import diff
from schemadiff.errors import SchemaFileError
from schemadiff.monitor.check import findings_from_changes
from schemadiff.monitor.findings import WARNING
from schemadiff.plan import PlanOptions, build_plan

DETAILED = """
tables:
  invoices:
    unlogged: true
    with: {fillfactor: 70, autovacuum_vacuum_scale_factor: 5e-3, autovacuum_enabled: "off"}
    replica_identity: {index: invoices_pkey}
    columns:
      id: {type: bigint, primary_key: true}
      code: {type: text, collation: C, storage: external, compression: pglz}
      note: {type: text, storage: extended}
      subtotal: numeric
      tax: numeric
      total: {type: numeric, generated: subtotal + tax}
"""


def load(text: str):
    return desired.loads(dedent(text))


def table_of(text: str):
    return load(text).tables[0]


# The file --------------------------------------------------------------------------------------

def test_the_file_reads_table_details_with_values_as_postgresql_stores_them():
    table = table_of(DETAILED)
    assert table.unlogged is True
    assert table.parameters == (("autovacuum_enabled", "false"), ("autovacuum_vacuum_scale_factor", "0.005"),
                                ("fillfactor", "70"))
    assert (table.replica_identity, table.replica_index) == ("index", "invoices_pkey")


def test_the_file_reads_column_details_and_drops_what_is_the_type_default():
    columns = {c.name: c for c in table_of(DETAILED).columns}
    assert (columns["code"].collation, columns["code"].storage, columns["code"].compression) == ('"C"', "external", "pglz")
    assert columns["note"].storage is None  # extended is text's own storage
    assert (columns["total"].generated, columns["total"].default) == ("subtotal + tax", None)


@pytest.mark.parametrize(("column", "message"), [
    ("{type: int, default: 0, generated: a * 2}", "a generated column has no default"),
    ("{type: text, storage: compressed}", "storage must be one of plain, external, extended, main"),
    ("{type: text, compression: zstd}", "compression must be one of pglz, lz4"),
])
def test_the_file_refuses_impossible_column_details(column, message):
    with pytest.raises(SchemaFileError, match=message):
        load(f"tables:\n  t:\n    columns:\n      a: int\n      b: {column}\n")


def test_the_file_refuses_a_replica_identity_index_that_is_no_unique_index_of_the_table():
    with pytest.raises(SchemaFileError, match="replica identity index 't_a_idx' is not a unique"):
        load("tables:\n  t:\n    replica_identity: {index: t_a_idx}\n    columns: {a: int}\n    indexes: [a]\n")


def test_the_file_refuses_a_replica_identity_it_does_not_know():
    with pytest.raises(SchemaFileError, match="replica_identity must be default, full, nothing"):
        load("tables:\n  t:\n    replica_identity: partial\n    columns: {a: int}\n")


# The plan, without a database ------------------------------------------------------------------

def plan_between(before: str, after: str, server_version: int = 150000):
    return build_plan(diff(load(before), load(after)), PlanOptions(server_version=server_version))


def test_create_table_says_unlogged_with_collate_compression_and_generated():
    [create] = [s.sql for s in plan_between("tables: {}", DETAILED).statements if s.sql.startswith("CREATE UNLOGGED TABLE")]
    assert create.startswith("CREATE UNLOGGED TABLE IF NOT EXISTS public.invoices")
    assert 'code text COMPRESSION pglz COLLATE "C"' in create
    assert "total numeric GENERATED ALWAYS AS (subtotal + tax) STORED" in create
    assert create.endswith("WITH (autovacuum_enabled = 'false', autovacuum_vacuum_scale_factor = '0.005', fillfactor = '70')")


def test_storage_parameters_are_set_and_reset_without_a_rewrite():
    after = DETAILED.replace("with: {fillfactor: 70, autovacuum_vacuum_scale_factor: 5e-3, autovacuum_enabled: \"off\"}",
                             "with: {fillfactor: 90}")
    plan = plan_between(DETAILED, after)
    assert statements(plan) == ["ALTER TABLE public.invoices RESET (autovacuum_enabled, autovacuum_vacuum_scale_factor)",
                                "ALTER TABLE public.invoices SET (fillfactor = '90')"]
    assert all(not s.hazards and s.lock.startswith("SHARE UPDATE EXCLUSIVE") for s in plan.statements)


def test_making_a_table_logged_names_the_rewrite():
    [statement] = plan_between(DETAILED, DETAILED.replace("unlogged: true", "unlogged: false")).statements
    assert statement.sql == "ALTER TABLE public.invoices SET LOGGED"
    assert [h.code for h in statement.hazards] == ["TABLE_REWRITE"] and statement.lock.startswith("ACCESS EXCLUSIVE")


def test_a_new_collation_names_the_index_rebuild_and_keeps_storage_and_compression():
    plan = plan_between(DETAILED, DETAILED.replace("collation: C,", "collation: POSIX,"))
    assert statements(plan) == ['ALTER TABLE public.invoices ALTER COLUMN code TYPE text COLLATE "POSIX"',
                                "ALTER TABLE public.invoices ALTER COLUMN code SET STORAGE EXTERNAL",
                                "ALTER TABLE public.invoices ALTER COLUMN code SET COMPRESSION pglz"]
    assert [h.code for h in plan.statements[0].hazards] == ["INDEX_REBUILD"]


GENERATED = """
tables:
  lines:
    columns:
      qty: int
      price: numeric
      amount: {type: numeric, generated: %s}
    indexes: [amount]
    checks: [amount >= 0]
"""


def test_a_new_expression_before_postgresql_17_drops_and_adds_the_column_and_what_is_on_it():
    plan = plan_between(GENERATED % "qty * price", GENERATED % "qty * price * 2", server_version=150004)
    assert statements(plan)[:2] == ["ALTER TABLE public.lines DROP COLUMN IF EXISTS amount",
                                    "ALTER TABLE public.lines ADD COLUMN IF NOT EXISTS amount numeric GENERATED ALWAYS AS (qty * price * 2) STORED"]
    assert any("ADD CONSTRAINT lines_amount_check CHECK (amount >= 0)" in s for s in statements(plan))
    assert "CREATE INDEX IF NOT EXISTS lines_amount_idx ON public.lines (amount)" in statements(plan)
    hazard = plan.statements[0].hazards[0]
    assert hazard.code == "TABLE_REWRITE" and "before 17 has no SET EXPRESSION" in hazard.message
    assert not plan.destructive  # the values are recomputed: none is lost


def test_a_new_expression_on_postgresql_17_is_set_in_place():
    plan = plan_between(GENERATED % "qty * price", GENERATED % "qty * price * 2", server_version=170002)
    assert statements(plan) == ["ALTER TABLE public.lines ALTER COLUMN amount SET EXPRESSION AS (qty * price * 2)"]
    assert [h.code for h in plan.statements[0].hazards] == ["TABLE_REWRITE"]


def test_a_plain_column_made_generated_loses_its_values_and_says_so():
    plain = (GENERATED % "x").replace("{type: numeric, generated: x}", "numeric")
    plan = plan_between(plain, GENERATED % "qty * price")
    assert "DELETES_DATA" in [h.code for h in plan.statements[0].hazards]


def test_a_generated_column_made_plain_keeps_its_values():
    plain = (GENERATED % "x").replace("{type: numeric, generated: x}", "{type: numeric, default: 0}")
    plan = plan_between(GENERATED % "qty * price", plain)
    assert statements(plan) == ["ALTER TABLE public.lines ALTER COLUMN amount DROP EXPRESSION IF EXISTS",
                                "ALTER TABLE public.lines ALTER COLUMN amount SET DEFAULT 0"]
    assert not plan.destructive


def test_check_reports_differing_details_as_warnings():
    changes = diff(load(DETAILED), load(DETAILED.replace("fillfactor: 70", "fillfactor: 80")
                                        .replace("unlogged: true", "unlogged: false")
                                        .replace("storage: external", "storage: main")))
    findings = findings_from_changes(changes)
    assert findings and {f.severity for f in findings} == {WARNING}
    assert {f.object for f in findings} >= {"public.invoices"}


def test_the_plan_takes_the_path_of_the_connected_servers_version(database_url, sql):
    apply_yaml(database_url, GENERATED % "qty * price")
    version = int(sql("SHOW server_version_num")[0][0])
    first = statements(plan_yaml(database_url, GENERATED % "qty * price * 2"))[0]
    assert ("SET EXPRESSION" if version >= 170000 else "DROP COLUMN") in first


# Against a real server ---------------------------------------------------------------------------

DETAILS_SQL = """
CREATE TABLE parent (
    id bigserial PRIMARY KEY,
    happened_at timestamptz NOT NULL DEFAULT now(),
    doubled bigint GENERATED ALWAYS AS (id * 2) STORED
);
CREATE TABLE child (note text) INHERITS (parent);
CREATE UNLOGGED TABLE cache (k text COLLATE "C" PRIMARY KEY, v jsonb) WITH (fillfactor = 60);
CREATE TABLE lines (
    id integer PRIMARY KEY,
    quantity numeric(12,3) NOT NULL,
    unit_price integer NOT NULL,
    amount numeric(16,2) GENERATED ALWAYS AS (round(quantity * unit_price, 2)) STORED,
    description text COLLATE "POSIX",
    payload jsonb,
    CONSTRAINT lines_amount_positive CHECK (amount > 0)
) WITH (autovacuum_vacuum_scale_factor = 0.005, autovacuum_enabled = false, toast.autovacuum_enabled = false);
CREATE UNIQUE INDEX lines_description_key ON lines (description, id);
ALTER TABLE lines ALTER COLUMN description SET NOT NULL;
ALTER TABLE lines REPLICA IDENTITY USING INDEX lines_description_key;
ALTER TABLE lines ALTER COLUMN payload SET STORAGE EXTERNAL;
ALTER TABLE lines ALTER COLUMN payload SET COMPRESSION pglz;
ALTER TABLE cache REPLICA IDENTITY FULL;
"""
# What the rebuilt database cannot have: the file does not model inheritance (reported as unmanaged).
INHERITANCE = re.compile(r"^table public\.child: (inherits |columns\.\w+\.(inherited|local) )")


def details_of(url: str) -> dict:
    with psycopg.connect(url, autocommit=True) as conn:
        return fingerprint(conn, ignore_tables=["public.schemadiff_version"])


def test_inspect_writes_details_that_rebuild_the_same_tables(pg_server, tmp_path):
    with fresh_database(pg_server) as original, fresh_database(pg_server) as rebuilt:
        with psycopg.connect(original, autocommit=True) as conn:
            conn.execute(DETAILS_SQL)
        (tmp_path / ".git").mkdir()
        for args, url in ((("inspect", "--out", "schema.yaml"), original), (("validate",), None),
                          (("apply",), rebuilt), (("plan", "--exit-code"), original), (("plan", "--exit-code"), rebuilt)):
            result = invoke(*args, cwd=tmp_path, url=url)
            assert result.returncode == 0, f"{' '.join(args)}: {output(result)}"
        differences = diff_fingerprints(details_of(original), details_of(rebuilt))
        assert [d for d in differences if not INHERITANCE.match(d)] == []
        lines = yaml.safe_load((tmp_path / "schema.yaml").read_text())["tables"]["lines"]
        assert lines["columns"]["amount"]["generated"] == "round((quantity * (unit_price)::numeric), 2)"
        assert lines["replica_identity"] == {"index": "lines_description_key"}


def test_storage_parameters_compare_by_value_not_spelling(database_url, sql):
    sql("CREATE TABLE t (a int) WITH (autovacuum_vacuum_scale_factor = 5e-3, autovacuum_enabled = off)")
    assert plan_yaml(database_url, "tables:\n  t:\n    columns: {a: int}\n    with:\n"
                                   "      autovacuum_vacuum_scale_factor: 0.005\n      autovacuum_enabled: false\n").empty


def test_an_inherited_generated_column_stays_the_parents_and_the_child_keeps_its_size(database_url, sql):
    """A child lists only its own columns (inheritance is modelled): the parent's generated
    column is read on the parent; the child's size is read even though its first column is
    inherited."""
    sql("CREATE TABLE parent (id bigint PRIMARY KEY, doubled bigint GENERATED ALWAYS AS (id * 2) STORED);"
        " CREATE TABLE child (note text) INHERITS (parent)")
    dropped = {c.table.name: c.table for c in plan_yaml(database_url, "tables: {}").changes if hasattr(c, "table")}
    assert [c.name for c in dropped["child"].columns] == ["note"]
    assert [str(p) for p in dropped["child"].inherits] == ["public.parent"]
    assert dropped["parent"].column("doubled").generated == "id * 2"
    with psycopg.connect(database_url) as conn:
        conn.execute("SET search_path = public")
        sizes = {str(s.qualified) for s in inspect(conn, ["public"]).sizes}
    assert {"public.parent", "public.child"} <= sizes


CHANGES = [
    DETAILED,
    DETAILED.replace("unlogged: true", "unlogged: false").replace("fillfactor: 70", "fillfactor: 90")
            .replace("{index: invoices_pkey}", "full").replace("collation: C,", "collation: POSIX,")
            .replace("storage: external", "storage: main").replace("compression: pglz", "compression: lz4")
            .replace("subtotal + tax", "subtotal + tax * 2"),
    DETAILED.replace("    replica_identity: {index: invoices_pkey}\n", "").replace("collation: C, ", "")
            .replace("total: {type: numeric, generated: subtotal + tax}", "total: {type: numeric, default: 0}"),
    DETAILED,
]


def test_details_converge_step_by_step(database_url):
    for step, text in enumerate(CHANGES):
        apply_yaml(database_url, text)
        again = plan_yaml(database_url, text)
        assert again.empty, f"step {step}: {statements(again)}"


def test_a_generated_column_follows_the_columns_it_reads_when_they_change_type_or_go(database_url):
    before = "tables:\n  t:\n    columns:\n      qty: int\n      amount: int\n      doubled: {type: bigint, generated: qty * 2}\n"
    after = "tables:\n  t:\n    columns:\n      amount: bigint\n      doubled: {type: numeric, generated: amount * 2}\n"
    retyped = after.replace("amount: bigint", "amount: numeric")
    for text in (before, after, retyped, before):
        apply_yaml(database_url, text)
        assert plan_yaml(database_url, text).empty


def test_an_expression_the_server_reprints_plans_empty(database_url):
    text = GENERATED % "qty * price"
    apply_yaml(database_url, text.replace("price: numeric", "price: integer").replace("type: numeric,", "type: bigint,"))
    assert plan_yaml(database_url, text.replace("price: numeric", "price: integer")
                     .replace("type: numeric,", "type: bigint,")).empty


def test_a_rebuilt_replica_identity_index_is_named_again(database_url):
    text = dedent("""
        tables:
          t:
            replica_identity: {index: t_k}
            columns: {a: {type: int, nullable: false}, b: int}
            indexes: [{name: t_k, columns: [a], unique: true}]
        """)
    apply_yaml(database_url, text)
    changed = text.replace("columns: [a]", "columns: [a, b]").replace("b: int", "b: {type: int, nullable: false}")
    apply_yaml(database_url, changed)
    assert plan_yaml(database_url, changed).empty


def test_the_json_schema_accepts_the_details_and_refuses_an_unknown_storage():
    from test_json_schema import validator

    assert validator().is_valid(yaml.safe_load(dedent(DETAILED)))
    assert not validator().is_valid(yaml.safe_load(dedent(DETAILED).replace("storage: external", "storage: compressed")))
