"""Sequences and identity options without a database: what the loader reads and refuses, how
the two sides are matched, and the SQL each change renders."""

from __future__ import annotations

import pytest

from core_helpers import dedent
from schemadiff import desired
from schemadiff.diff import diff
from schemadiff.diff.sequences import AlterSequence, CreateSequence, DropSequence
from schemadiff.errors import SchemaFileError
from schemadiff.model import Catalog, QualifiedName
from schemadiff.model.sequences import resolve_options
from schemadiff.plan import build_plan


def load(text: str):
    return desired.loads(dedent(text))


def problems(text: str) -> str:
    with pytest.raises(SchemaFileError) as raised:
        load(text)
    return str(raised.value)


def test_options_left_out_are_postgresql_defaults():
    assert resolve_options("integer") == resolve_options("integer", 1, 1, 1, 2147483647, 1, False)
    descending = resolve_options("smallint", increment=-1)
    assert (descending.start, descending.minimum, descending.maximum) == (-1, -32768, -1)
    assert resolve_options("bigint", minimum=100).start == 100


def test_a_sequence_and_its_nextval_default_are_read():
    catalog = load("""
        sequences:
          billing.numbers: {start: 100, cache: 20, owned_by: invoices.number, comment: shared}
        tables:
          billing.invoices:
            columns:
              number: {type: bigint, default: "nextval('Billing.Numbers')"}
    """)
    [sequence] = catalog.sequences
    assert (sequence.qualified, sequence.type, sequence.owned_by, sequence.comment) == (
        QualifiedName("billing", "numbers"), "bigint", ("billing", "invoices", "number"), "shared")
    assert (sequence.options.start, sequence.options.cache) == (100, 20)
    assert catalog.tables[0].columns[0].default == "nextval('billing.numbers'::regclass)"


def test_a_sequence_written_out_exactly_as_serial_makes_it_is_a_serial_column():
    catalog = load("""
        sequences:
          items_id_seq: {as: integer, owned_by: items.id}
        tables:
          items:
            columns:
              id: {type: integer, nullable: false, default: "nextval('items_id_seq')"}
    """)
    assert catalog == load("tables:\n  items:\n    columns:\n      id: serial\n")


def test_identity_options_and_the_short_form():
    catalog = load("""
        tables:
          t:
            columns:
              a: {type: bigint, identity: {kind: by default, start: 1000, increment: 5}}
              b: {type: bigint, identity: {kind: always}}
              c: {type: bigint, identity: always}
    """)
    a, b, c = catalog.tables[0].columns
    assert (a.identity, a.identity_options.start, a.identity_options.increment) == ("by default", 1000, 5)
    assert (b.identity, b.identity_options) == (c.identity, c.identity_options) == ("always", None)


@pytest.mark.parametrize(("body", "message"), [
    ("{increment: 0}", "increment cannot be 0"),
    ("{min: 10, max: 5}", "min (10) must be less than max (5)"),
    ("{start: 5, min: 10}", "start 5 is outside min..max"),
    ("{as: text}", "a sequence is smallint, integer or bigint"),
    ("{as: smallint, max: 40000}", "max 40000 is out of the range of smallint"),
    ("{cache: 0}", "cache must be at least 1"),
    ("{start: '10'}", "start must be a whole number"),
    ("{owned_by: nowhere}", "owned_by must name a column as table.column"),
    ("{owned_by: ghosts.id}", "owned by table public.ghosts, which the file does not declare"),
    ("{owned_by: t.nope}", "owned by column 'nope', which public.t does not have"),
    ("{owned_by: app.t.id}", "a sequence can only be owned by a column of a table in its own schema"),
    ("{begin: 1}", "unknown key 'begin' in sequence 's'"),
])
def test_impossible_sequences_are_refused_with_their_path(body, message):
    text = problems(f"sequences:\n  s: {body}\ntables:\n  t:\n    columns:\n      id: bigint\n")
    assert message in text and "sequences.s" in text


def test_identity_options_need_a_kind():
    assert "identity options need 'kind'" in problems("tables:\n  t:\n    columns:\n      id: {type: int, identity: {start: 5}}\n")


def test_a_sequence_clashing_with_a_serial_column_is_refused():
    text = problems("sequences:\n  t_id_seq: {cache: 5}\ntables:\n  t:\n    columns:\n      id: bigserial\n")
    assert "is the one serial column public.t.id makes" in text


def test_a_new_owned_sequence_is_created_before_tables_and_owned_after_its_column():
    wanted = load("""
        sequences:
          numbers: {owned_by: t.n}
        tables:
          t:
            columns:
              n: {type: bigint, default: "nextval('numbers')"}
    """)
    plan = build_plan(diff(Catalog(), wanted))
    assert [s.kind for s in plan.statements] == ["CreateSequence", "CreateTable", "AlterSequence"]
    assert plan.statements[0].sql == ("CREATE SEQUENCE IF NOT EXISTS public.numbers AS bigint INCREMENT BY 1"
                                      " MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1 NO CYCLE")
    assert plan.statements[2].sql == "ALTER SEQUENCE public.numbers OWNED BY public.t.n"


def test_serial_to_an_explicit_sequence_alters_the_one_sequence():
    serial = load("tables:\n  t:\n    columns:\n      id: serial\n")
    explicit = load("""
        sequences:
          t_id_seq: {as: integer, owned_by: t.id, cache: 10}
        tables:
          t:
            columns:
              id: {type: integer, nullable: false, default: "nextval('t_id_seq')"}
    """)
    forward = diff(serial, explicit)
    assert [type(c) for c in forward if not hasattr(c, "table")] == [AlterSequence]
    assert [type(c) for c in diff(explicit, serial) if not hasattr(c, "table")] == [AlterSequence]
    sql = [s.sql for s in build_plan(forward).statements]
    assert "ALTER SEQUENCE public.t_id_seq CACHE 10" in sql and not any("DROP SEQUENCE" in s for s in sql)


def test_a_dropped_sequence_is_destructive_and_runs_after_the_defaults_change():
    before = load("sequences:\n  s: {}\ntables:\n  t:\n    columns:\n      n: {type: bigint, default: \"nextval('s')\"}\n")
    after = load("tables:\n  t:\n    columns:\n      n: bigint\n")
    plan = build_plan(diff(before, after))
    assert [s.kind for s in plan.statements] == ["AlterColumn", "DropSequence"]
    assert plan.destructive and plan.statements[1].hazards[0].code == "DELETES_DATA"
    assert [type(c) for c in diff(after, before) if not hasattr(c, "table")] == [CreateSequence]
    assert DropSequence not in {type(c) for c in diff(before, before)}


def test_identity_options_render_in_create_and_alter_without_restart():
    one = load("tables:\n  t:\n    columns:\n      id: {type: integer, identity: {kind: always, start: 10, increment: 5}}\n")
    two = load("tables:\n  t:\n    columns:\n      id: {type: integer, identity: {kind: always, start: 10, increment: 7}}\n")
    [create] = build_plan(diff(Catalog(), one)).statements
    assert "id integer GENERATED ALWAYS AS IDENTITY (INCREMENT BY 5 START WITH 10)" in create.sql
    [alter] = build_plan(diff(one, two)).statements
    assert alter.sql == ("ALTER TABLE public.t ALTER COLUMN id SET INCREMENT BY 7 SET MINVALUE 1 SET MAXVALUE 2147483647"
                         " SET START WITH 10 SET CACHE 1 SET NO CYCLE")
    assert "RESTART" not in alter.sql
