"""A column that gets a sequence (identity, serial) on a table that already has rows goes on
numbering after the rows' highest value, and a plan rerun never moves a sequence backwards."""

from __future__ import annotations

import pytest

from core_helpers import apply_yaml, plan_yaml, statements
from test_idempotent import run_by_hand

ROWS = 100

TARGETS = {
    "identity by default": "{type: integer, identity: by default}",
    "identity always": "{type: integer, identity: always}",
    "serial": "serial",
    "bigserial": "bigserial",
}


def _schema(id_spec: str) -> str:
    return f"tables:\n  t:\n    columns:\n      id: {id_spec}\n      v: text\n    primary_key: id\n"


def _filled_table(sql, id_type: str = "integer") -> None:
    sql(f"CREATE TABLE t (id {id_type} PRIMARY KEY, v text)")
    sql(f"INSERT INTO t SELECT g, 'old' FROM generate_series(1, {ROWS}) g")


def _insert_new(sql) -> int:
    return sql("INSERT INTO t (v) VALUES ('new') RETURNING id")[0][0]


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_plain_column_with_rows_numbers_on_after_its_highest_value(database_url, sql, target):
    _filled_table(sql, "bigint" if target == "bigserial" else "integer")
    apply_yaml(database_url, _schema(TARGETS[target]))
    assert _insert_new(sql) == ROWS + 1


@pytest.mark.parametrize("before, after", [
    ("serial", "identity by default"), ("serial", "identity always"),
    ("identity by default", "serial"), ("identity always", "identity by default"),
    ("identity by default", "identity always"),
])
def test_switching_sequence_kind_with_rows_numbers_on(database_url, sql, before, after):
    apply_yaml(database_url, _schema(TARGETS[before]))
    sql(f"INSERT INTO t (v) SELECT 'old' FROM generate_series(1, {ROWS})")
    apply_yaml(database_url, _schema(TARGETS[after]))
    assert _insert_new(sql) == ROWS + 1


def test_empty_table_starts_numbering_at_one(database_url, sql):
    sql("CREATE TABLE t (id integer PRIMARY KEY, v text)")
    apply_yaml(database_url, _schema(TARGETS["identity by default"]))
    assert _insert_new(sql) == 1


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_rerun_never_moves_a_sequence_back(database_url, sql, target):
    """Rows handed out and deleted after the conversion leave the sequence above max(id):
    running the same plan again must not bring it back down to max(id)."""
    _filled_table(sql, "bigint" if target == "bigserial" else "integer")
    sqls = statements(plan_yaml(database_url, _schema(TARGETS[target])))
    run_by_hand(database_url, sqls)
    handed_out = [_insert_new(sql) for _ in range(5)]
    sql("DELETE FROM t WHERE v = 'new'")
    run_by_hand(database_url, sqls)
    assert _insert_new(sql) == handed_out[-1] + 1
    assert plan_yaml(database_url, _schema(TARGETS[target])).empty


def test_plan_says_the_new_sequence_moves_past_the_rows(database_url, sql):
    _filled_table(sql)
    descriptions = [s.description for s in plan_yaml(database_url, _schema(TARGETS["identity always"])).statements]
    assert "alter column public.t.id (identity): move the new sequence past the values already in the column" in descriptions
