"""PostgreSQL's own naming rules, ported: quoting, 63-byte truncation, default names."""

from __future__ import annotations

import pytest

from schemadiff.pg import naming


@pytest.mark.parametrize("name, quoted", [
    ("users", "users"), ("ok_1", "ok_1"), ("user", '"user"'), ("order", '"order"'), ("Abc", '"Abc"'),
    ("has space", '"has space"'), ('say"hi', '"say""hi"'), ("1st", '"1st"'),
])
def test_quote_ident_quotes_only_when_needed(name, quoted):
    assert naming.quote_ident(name) == quoted


def test_quote_literal_doubles_quotes():
    assert naming.quote_literal("it's") == "'it''s'"


def test_identifiers_are_cut_to_63_bytes_on_a_character():
    assert naming.truncate_identifier("x" * 70) == "x" * 63
    assert naming.truncate_identifier("é" * 40) == "é" * 31


def test_object_name_is_table_column_label():
    assert naming.make_object_name("games", "user_id", "fkey") == "games_user_id_fkey"
    assert naming.make_object_name("users", None, "pkey") == "users_pkey"


def test_long_object_names_cut_the_longer_part_first():
    name = naming.make_object_name("a" * 40, "b" * 20, "key")
    assert len(name) == 63 and name.endswith("_" + "b" * 20 + "_key")


def test_name_chosen_avoids_taken_names_with_a_counter():
    taken = {"t_a_idx", "t_a_idx1"}
    assert naming.choose_name("t", "a", "idx", taken.__contains__) == "t_a_idx2"


@pytest.mark.parametrize("key, name", [
    ("email", "email"), ("created_at DESC", "created_at"), ("lower(email)", "lower"), ("a + b", "expr"),
    ('"Mixed"', "Mixed"),
])
def test_index_key_names(key, name):
    assert naming.index_key_name(key) == name


def test_name_addition_joins_columns():
    assert naming.name_addition(["entity_type", "entity_id"]) == "entity_type_entity_id"
