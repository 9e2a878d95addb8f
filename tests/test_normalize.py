"""One canonical text for SQL expressions: the decorations PostgreSQL adds when it stores an
expression do not count as differences."""

from __future__ import annotations

import pytest

from schemadiff.pg import normalize

SAME = [
    ("'a'::character varying", "'a'"),
    ("'pending'::text", "'pending'"),
    ("(0)::numeric", "0"),
    ("0::numeric", "0"),
    ("'-1'::integer", "-1"),
    ("(-1)", "-1"),
    ("'{}'::jsonb", "'{}'"),
    ("'{}'::text[]", "'{}'"),
    ("((a > 0))", "a > 0"),
    ("now()", "CURRENT_TIMESTAMP"),
    ("CURRENT_TIMESTAMP", "current_timestamp"),
    ("false", "FALSE"),
    ("a   >=   0", "a >= 0"),
]


@pytest.mark.parametrize("stored, written", SAME)
def test_catalog_spelling_equals_written_spelling(stored, written):
    assert normalize.expression(stored) == normalize.expression(written)


@pytest.mark.parametrize("left, right", [
    ("'a'", "'b'"),
    ("'A'", "'a'"),
    ("a > 0", "a >= 0"),
    ("0", "1"),
    ("lower(email)", "upper(email)"),
])
def test_different_expressions_stay_different(left, right):
    assert normalize.expression(left) != normalize.expression(right)


def test_string_contents_are_kept_verbatim():
    assert normalize.expression("'Hello  World'::text") == "'Hello  World'"


def test_none_stays_none():
    assert normalize.expression(None) is None


@pytest.mark.parametrize("written, canonical", [
    ("created_at ASC", "created_at"),
    ("created_at DESC", "created_at desc"),
    ("created_at desc", "created_at desc"),
])
def test_index_key_ordering(written, canonical):
    assert normalize.index_key(written) == normalize.index_key(canonical)
