"""Catalog → schema.yaml: the text loads back to the same catalog, and names are written
only where PostgreSQL's own rule would not give them."""

from __future__ import annotations

from core_helpers import dedent
from schemadiff import desired
from schemadiff.diff import diff
from schemadiff.desired.dump import dump


def round_trip(text: str):
    before = desired.loads(dedent(text))
    written = dump(before)
    return before, written, desired.loads(written)


def test_derived_names_are_left_out_and_custom_ones_kept():
    before, written, after = round_trip("""
        tables:
          accounts:
            columns: {id: bigserial, email: text, price: numeric}
            primary_key: id
            unique: [email]
            checks:
              - price > 0
              - {name: email_has_at, expression: "position('@' in email) > 1"}
        """)
    assert diff(before, after) == []
    assert "email_has_at" in written
    assert "accounts_pkey" not in written and "accounts_price_check" not in written


def test_a_table_name_with_a_dot_round_trips():
    before, written, after = round_trip("""
        tables:
          we.ird:
            schema: public
            columns: {id: int}
        """)
    assert [t.name for t in after.tables] == ["we.ird"]
    assert diff(before, after) == []


def test_primary_key_columns_do_not_repeat_not_null():
    _, written, _ = round_trip("tables: {t: {columns: {id: int, a: {type: int, nullable: false}}, primary_key: id}}")
    assert "id: integer\n" in written and "a: {type: integer, nullable: false}" in written


def _as_yaml_dump(doc: dict) -> str:
    import yaml

    from schemadiff.desired.dump import _Dumper

    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def test_the_file_written_an_entry_at_a_time_is_the_text_yaml_dump_writes():
    from schemadiff.desired.dump import _text

    doc = {"schemas": ["app"], "tables": {
        "app.orders": {"columns": {"id": "bigserial", "note": {"type": "text", "default": "'a: b'", "nullable": False},
                                   "ünïcode": "text"},
                       "indexes": [{"columns": ["note"], "where": "note <> ''"}], "comment": "line one\nline two"},
        "empty": {"columns": {}}},
        "views": {"v": {"query": "SELECT 1\nFROM app.orders\n", "materialized": True}}, "enums": {}, "extensions": []}
    assert _text(doc) == _as_yaml_dump(doc)


def test_an_object_met_twice_is_still_written_once_and_aliased():
    from schemadiff.desired.dump import _text

    shared = ["a_long_value_that_is_not_short_enough_to_flow_at_all_here", "x"]
    doc = {"tables": {"t": {"columns": {"id": "int"}, "lint": shared}, "u": {"columns": {"id": "int"}, "lint": shared}}}
    assert "&id001" in _text(doc) and _text(doc) == _as_yaml_dump(doc)
