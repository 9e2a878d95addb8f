"""Table inheritance (``inherits:``): a child lists its own columns and checks, its parents
pass on the rest; inspect writes it back, a column added to a parent reaches the children
through PostgreSQL alone, and parents gained or given up converge."""

from __future__ import annotations

import psycopg
import pytest
import yaml

from catalog_fingerprint import diff_fingerprints, fingerprint

from conftest import fresh_database
from core_helpers import invoke, load, output, problems
from prodsafe_helpers import apply, converged, plan
from schemadiff.model import QualifiedName

LIVE = """
CREATE SCHEMA app;
CREATE TABLE payment (
    payment_id serial PRIMARY KEY,
    amount numeric(5,2) NOT NULL CHECK (amount >= 0),
    paid_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE payment_2015 (note text) INHERITS (payment);
CREATE TABLE app.payment_2016 (
    CONSTRAINT payment_2016_paid_at_check CHECK (paid_at >= '2016-01-01' AND paid_at < '2017-01-01')
) INHERITS (payment);
CREATE INDEX payment_2016_paid_at_idx ON app.payment_2016 (paid_at);
"""

FAMILY = """
tables:
  payment:
    columns:
      payment_id: {type: serial, primary_key: true}
      amount: {type: "numeric(5,2)", nullable: false}
    checks:
      - {name: payment_amount_check, expression: amount >= 0}
  payment_2015:
    inherits: [payment]
    columns:
      note: text
    indexes:
      - columns: [payment_id]
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / ".git").mkdir()
    return tmp_path


def _fingerprint(url: str) -> dict:
    with psycopg.connect(url, autocommit=True) as conn:
        return fingerprint(conn, ignore_tables=["public.schemadiff_version"])


# The file ------------------------------------------------------------------------------------

def test_inherits_names_parents_and_keys_may_name_inherited_columns():
    child = load(FAMILY).table(QualifiedName("public", "payment_2015"))
    assert child.inherits == (QualifiedName("public", "payment"),)
    assert [c.name for c in child.columns] == ["note"]


def test_a_parent_the_file_does_not_declare_is_an_error():
    assert "inherits public.payments, which the file does not declare" in problems(FAMILY.replace("[payment]", "[payments]"))


def test_a_table_cannot_inherit_itself():
    text = FAMILY.replace("  payment:\n", "  payment:\n    inherits: [payment_2015]\n")
    assert "would inherit from itself" in problems(text)


def test_a_file_without_inherits_reads_as_before():
    plain = load("tables: {t: {columns: {id: integer}}}").table(QualifiedName("public", "t"))
    assert plain.inherits == ()


# Inspect and rebuild ---------------------------------------------------------------------------

def test_inspect_writes_inherits_and_the_file_rebuilds_an_empty_database(pg_server, database_url, sql, project):
    sql(LIVE)
    result = invoke("inspect", "--out", "schema.yaml", cwd=project, url=database_url)
    assert result.returncode == 0, output(result)
    written = yaml.safe_load((project / "schema.yaml").read_text())
    tables = written["tables"]
    assert tables["payment_2015"]["inherits"] == ["payment"]
    assert list(tables["payment_2015"]["columns"]) == ["note"]  # the inherited ones are payment's
    assert tables["app.payment_2016"]["inherits"] == ["payment"]
    assert tables["app.payment_2016"]["columns"] == {}
    assert len(tables["app.payment_2016"]["checks"]) == 1  # its own; payment's amount check is inherited
    assert "table inheritance" not in output(result)
    assert invoke("plan", "--exit-code", cwd=project, url=database_url).returncode == 0
    with fresh_database(pg_server) as rebuilt:
        applied = invoke("apply", cwd=project, url=rebuilt)
        assert applied.returncode == 0, output(applied)
        assert invoke("plan", "--exit-code", cwd=project, url=rebuilt).returncode == 0
        assert diff_fingerprints(_fingerprint(database_url), _fingerprint(rebuilt)) == []


# Changes ---------------------------------------------------------------------------------------

def test_a_new_family_is_created_parent_first(database_url):
    result = plan(database_url, FAMILY)
    sql = "\n".join(s.sql for s in result.statements)
    assert sql.index("TABLE IF NOT EXISTS public.payment (") < sql.index("INHERITS")
    apply(database_url, FAMILY, allow_destructive=True)
    assert converged(database_url, FAMILY)


def test_a_column_added_to_the_parent_reaches_children_without_an_add_on_them(database_url, sql):
    apply(database_url, FAMILY, allow_destructive=True)
    grown = FAMILY.replace("      amount:", "      currency: {type: text, default: \"'EUR'\"}\n      amount:")
    steps = [s.sql for s in plan(database_url, grown).statements]
    assert [s for s in steps if "ADD COLUMN" in s] == [s for s in steps if "public.payment ADD COLUMN" in s] != []
    apply(database_url, grown, allow_destructive=True)
    assert converged(database_url, grown)
    assert sql("SELECT count(*) FROM pg_attribute WHERE attrelid = 'payment_2015'::regclass AND attname = 'currency'")[0][0] == 1
    shrunk = grown.replace("      note: text\n", "      note: text\n").replace("      currency: {type: text, default: \"'EUR'\"}\n", "")
    apply(database_url, shrunk, allow_destructive=True)
    assert converged(database_url, shrunk)


def test_inherits_added_to_a_standalone_table_and_removed_again_converge(database_url, sql):
    standalone = FAMILY.replace("    inherits: [payment]\n    columns:\n", """    columns:
      payment_id: {type: integer, nullable: false}
      amount: {type: "numeric(5,2)", nullable: false}
""")
    apply(database_url, standalone, allow_destructive=True)
    assert converged(database_url, standalone)
    # payment_2015 lacks payment's columns and check: the plan adds them, then INHERIT
    steps = [s.sql for s in plan(database_url, FAMILY).statements]
    assert any("INHERIT" in s and "NO INHERIT" not in s for s in steps), steps
    apply(database_url, FAMILY, allow_destructive=True)
    assert converged(database_url, FAMILY)
    assert sql("SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = 'payment_2015'::regclass") == [("payment",)]
    steps = [s.sql for s in plan(database_url, standalone).statements]
    assert any("NO INHERIT" in s for s in steps), steps
    apply(database_url, standalone, allow_destructive=True)
    assert converged(database_url, standalone)
    assert sql("SELECT count(*) FROM pg_inherits")[0][0] == 0


def test_a_family_is_dropped_children_first(database_url):
    apply(database_url, FAMILY, allow_destructive=True)
    apply(database_url, "tables: {}", allow_destructive=True)
    assert converged(database_url, "tables: {}")
