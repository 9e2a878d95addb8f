"""The fast YAML reader (yaml_rs) must give exactly what the PyYAML path gives, or step aside.

Schema files keep YAML 1.1's meaning (``yes`` is true, ``017`` is 15, ``1e6`` is text) while
yaml_rs reads YAML 1.2; ``yamlsource._fast_load`` uses yaml_rs's values only when they
provably agree. These tests compare the two readers on every document they are given: each
document is either read by PyYAML (the fast path declined) or read identically.
"""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemadiff.desired import yamlsource
from schemadiff.errors import SchemaFileError
from reliability import examples

pytestmark = pytest.mark.skipif(yamlsource.yaml_rs is None, reason="yaml_rs is not installed on this platform")

FUZZ = settings(max_examples=examples(400, 5000), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def pyyaml_reading(text: str):
    try:
        return ("ok", yamlsource._parse_with_pyyaml(text, "f").data)
    except SchemaFileError as exc:
        return ("error", str(exc))


def assert_agrees(text: str) -> bool:
    """Whether the fast path took ``text``; when it did, its values are PyYAML's, type for type."""
    fast = yamlsource._fast_load(text)
    if fast is yamlsource._PYYAML:
        return False
    expected = pyyaml_reading(text)
    assert expected[0] == "ok", f"yaml_rs read a document PyYAML refuses: {text!r} -> {expected[1]}"
    assert _typed(fast) == _typed(expected[1]), text
    return True


def _typed(value):
    """Values with their types, so that 1 == True == 1.0 do not hide a difference."""
    if isinstance(value, dict):
        return {_typed(k): _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, repr(value))


# YAML 1.1 and 1.2 disagree on each of these when written plain.
DISPUTED = ["yes", "no", "on", "off", "Yes", "NO", "On", "OFF", "y", "n", "017", "0o17", "09", "0b101",
            "1_000", "1:20", "190:20:30.15", "1e6", "1.5e3", "1.5e+3", "-.5", ".5", "+.5", "inf", ".inf", "nan",
            ".NaN", "2001-12-14", "2001-12-14 21:59:43.10 -5", "=", "0x1F", "0x_1F", "+12", "-0", "00", "1.",
            "~", "null", "Null", "", "true", "True", "TRUE", "tRUE", "1", "0", "-1", "12.5", "0.0"]


@pytest.mark.parametrize("word", DISPUTED)
@pytest.mark.parametrize("form", ["a: {}", "a: '{}'", 'a: "{}"', "a:\n  - {}", "{}: x", "a: [{}, b]", "a: {{k: {}}}"])
def test_disputed_words_read_as_yaml_1_1(word, form):
    assert_agrees(form.format(word))


def test_yes_stays_a_boolean():
    assert yamlsource.parse("t:\n  nullable: yes\n  n: '017'\n  o: 017\n", "f2").data == {
        "t": {"nullable": True, "n": "017", "o": 15}}


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n", "a: !!binary aGk=\n", "a: !!str 1\n", "a:\n  <<: {b: 1}\n", "%YAML 1.1\n---\na: 1\n",
    "a: 1\n---\nb: 2\n", "- a\n", "\ufeffa: 1\n", "a:\n\t- 1\n", "a: 1\r\nb: 2\r\n", "a: 'x\u2028y'\n",
    "a: 1\na: 2\n", "{1: a}\n", "? [a]\n: b\n", "a: [1, 2\n", "a: b: c\n", "a: 'x' y\n", "a: |\n  x\n  y\n",
    "a: >-\n  x\n\n  y\n", 'a: "\\u00e9\\/\\x41"\n', "a: 'it''s'\n", "a: x # c\n", "a:\n  b\n  c\n",
])
def test_documents_with_features_agree_or_go_to_pyyaml(text):
    assert_agrees(text)


def test_a_plain_schema_takes_the_fast_path_and_still_names_lines():
    text = "tables:\n  users:\n    columns:\n      id: bigserial\n      name: {type: text, nullable: false}\n"
    assert assert_agrees(text)
    source = yamlsource.parse(text, "fast.yaml")
    assert source.root is None  # composed only when a line is asked for
    assert source.line(("tables", "users", "columns", "name")) == 5


SCALARS = st.one_of(st.sampled_from(DISPUTED), st.text(max_size=8), st.integers(), st.booleans(), st.none(),
                    st.floats(allow_nan=False))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.text(max_size=6), st.sampled_from(DISPUTED)),
                                                 inner, max_size=4)), max_leaves=25)


@FUZZ
@given(VALUES, st.booleans(), st.booleans())
def test_dumped_documents_agree(value, flow, quote_words):
    """Documents as people and tools write them, with the disputed words plain and quoted."""
    if quote_words:
        text = yaml.safe_dump({"doc": value}, default_flow_style=flow, allow_unicode=True)
    else:  # yaml.dump quotes what would be misread; write the disputed words plain instead
        text = yaml.safe_dump({"doc": value}, default_flow_style=flow, allow_unicode=True)
        for word in DISPUTED:
            if word:
                text = text.replace(f"'{word}'", word)
    assert_agrees(text)


@FUZZ
@given(st.lists(st.sampled_from(list("ab01eyon:-[]{},'\"#?.\n _+~") + ["yes", "017", "1e6", "  ", ": "]), max_size=40))
def test_punctuation_soup_agrees(parts):
    assert_agrees("".join(parts))
