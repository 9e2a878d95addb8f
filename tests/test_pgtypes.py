"""Type names as people write them become the spelling ``format_type`` prints."""

from __future__ import annotations

import pytest

from schemadiff.pg import types as pgtypes

CANONICAL = [
    ("int", "integer"), ("INT4", "integer"), ("integer", "integer"), ("int8", "bigint"),
    ("int2", "smallint"), ("float8", "double precision"), ("float4", "real"), ("bool", "boolean"),
    ("varchar(255)", "character varying(255)"), ("character varying", "character varying"),
    ("char(2)", "character(2)"), ("decimal(10,2)", "numeric(10,2)"), ("numeric(20, 8)", "numeric(20,8)"),
    ("timestamptz", "timestamp with time zone"), ("timestamp", "timestamp without time zone"),
    ("timestamp(3) with time zone", "timestamp(3) with time zone"), ("text[]", "text[]"),
    ("integer ARRAY", "integer[]"), ("int[][]", "integer[]"), ("jsonb", "jsonb"), ("inet", "inet"), ("uuid", "uuid"),
]


@pytest.mark.parametrize("written, canonical", CANONICAL)
def test_canonical_spelling(written, canonical):
    assert pgtypes.canonical_type(written).canonical == canonical


@pytest.mark.parametrize("written, base", [("serial", "integer"), ("bigserial", "bigint"), ("smallserial", "smallint"),
                                           ("serial8", "bigint")])
def test_serials_are_integers_that_own_a_sequence(written, base):
    assert pgtypes.canonical_type(written) == pgtypes.ParsedType(base, serial=True)


@pytest.mark.parametrize("written, canonical", [
    ("interval day to second(3)", "interval day to second(3)"), ("INTERVAL YEAR TO MONTH", "interval year to month"),
    ("interval  second (2)", "interval second(2)"), ("interval minute", "interval minute"),
    ("interval hour to second[]", "interval hour to second[]"), ("interval(4)", "interval(4)"),
])
def test_interval_fields_are_spelled_as_format_type_prints_them(written, canonical):
    assert pgtypes.canonical_type(written).canonical == canonical


@pytest.mark.parametrize("written", ["interval month to year", "interval year(2)", "interval day to month"])
def test_interval_fields_postgresql_refuses_are_unknown(written):
    with pytest.raises(pgtypes.UnknownType):
        pgtypes.canonical_type(written)


def test_declared_enum_is_a_type():
    assert pgtypes.canonical_type("mood", {"mood"}).canonical == "mood"
    assert pgtypes.canonical_type("mood[]", {"mood"}).canonical == "mood[]"


def test_unknown_type_suggests_a_close_one():
    with pytest.raises(pgtypes.UnknownType) as raised:
        pgtypes.canonical_type("txet")
    assert "text" in raised.value.suggestions


def test_undeclared_enum_is_unknown():
    with pytest.raises(pgtypes.UnknownType):
        pgtypes.canonical_type("mood")
