"""Renames: `renamed_from` keeps the rows and is a no-op once done; a drop plus an add of the
same shape without a hint is flagged as a probable rename."""

from __future__ import annotations

from prodsafe_helpers import apply, cli, converged, plan, write

BEFORE = """
tables:
  customers:
    columns:
      id: bigserial
      full_name: text
      email: text
    primary_key: id
    unique:
      - name: customers_email_uniq
        columns: [email]
    checks:
      - name: customers_name_check
        expression: length(full_name) > 0
    indexes:
      - name: customers_name_idx
        columns: [full_name]
"""
AFTER = """
tables:
  clients:
    renamed_from: customers
    columns:
      id: bigserial
      display_name: {type: text, renamed_from: full_name}
      email: text
    primary_key: id
    unique:
      - name: clients_email_uniq
        columns: [email]
        renamed_from: customers_email_uniq
    checks:
      - name: clients_name_check
        expression: length(display_name) > 0
        renamed_from: customers_name_check
    indexes:
      - name: clients_name_idx
        columns: [display_name]
        renamed_from: customers_name_idx
"""


def test_renames_keep_rows_and_the_hint_is_then_a_no_op(database_url, sql):
    apply(database_url, BEFORE)
    sql("INSERT INTO customers (full_name, email) VALUES ('Ada', 'ada@example.org'), ('Bob', 'bob@example.org')")
    the_plan = plan(database_url, AFTER)
    # the primary key is named by default: customers_pkey follows the table to clients_pkey
    assert [s.kind for s in the_plan.statements] == ["RenameTable", "RenameColumn", "RenameConstraint",
                                                     "RenameConstraint", "RenameConstraint", "RenameIndex"]
    assert not the_plan.destructive
    apply(database_url, AFTER)
    assert sql("SELECT display_name, email FROM clients ORDER BY id") == [("Ada", "ada@example.org"), ("Bob", "bob@example.org")]
    # PostgreSQL 18 also lists NOT NULL as constraints (contype 'n'); nullability lives on the column here.
    assert sorted(r[0] for r in sql("SELECT conname FROM pg_constraint WHERE conrelid = 'clients'::regclass"
                                    " AND contype <> 'n'")) == [
        "clients_email_uniq", "clients_name_check", "clients_pkey"]
    assert sql("SELECT count(*) FROM pg_class WHERE relname = 'clients_name_idx'") == [(1,)]
    assert converged(database_url, AFTER), "renamed_from must be a no-op once the rename is done"


def test_drop_and_add_of_the_same_shape_is_flagged_as_a_probable_rename(database_url, sql, tmp_path):
    apply(database_url, BEFORE)
    table_swapped = BEFORE.replace("customers", "clients")
    the_plan = plan(database_url, table_swapped)
    drop = next(s for s in the_plan.statements if s.kind == "DropTable")
    hint = next(h for h in drop.hazards if h.code == "PROBABLE_RENAME")
    assert "renamed_from: customers" in hint.message and "clients" in hint.message

    column_swapped = BEFORE.replace("full_name", "display_name")
    drop = next(s for s in plan(database_url, column_swapped).statements if s.kind == "DropColumn")
    hint = next(h for h in drop.hazards if h.code == "PROBABLE_RENAME")
    assert "renamed_from: full_name" in hint.message and "display_name" in hint.message

    shown = cli(database_url, write(tmp_path, column_swapped), "plan")
    assert "PROBABLE_RENAME" in shown.stdout and "renamed_from: full_name" in shown.stdout
    refused = cli(database_url, write(tmp_path, column_swapped), "apply")
    assert refused.returncode == 4 and "renamed_from: full_name" in refused.stderr


def test_no_probable_rename_when_the_shapes_differ(database_url):
    apply(database_url, BEFORE)
    other = BEFORE.replace("      full_name: text\n", "      age: integer\n").replace("length(full_name)", "length(email)") \
        .replace("columns: [full_name]", "columns: [email]")
    drop = next(s for s in plan(database_url, other).statements if s.kind == "DropColumn")
    assert all(h.code != "PROBABLE_RENAME" for h in drop.hazards)
