"""The schema file shown in the README is a real one: it is examples/full-schema.yaml, it
applies, and the database then matches it."""

from __future__ import annotations

import re
from pathlib import Path

from schemadiff import desired, engine
from schemadiff.monitor.check import check

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "full-schema.yaml"


def without_schema_line(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "yaml-language-server" not in line)


def test_the_readme_shows_the_example_file():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"```yaml\n(# yaml-language-server.*?)```", readme, re.S).group(1)
    assert without_schema_line(shown) == without_schema_line(EXAMPLE.read_text(encoding="utf-8"))


def test_the_example_applies_and_then_matches(database_url):
    schema, text = desired.load_with_source(EXAMPLE)
    target = engine.Target(url=database_url)
    engine.apply(target, schema, text)
    assert engine.plan(target, schema).empty
    report = check(target, schema)
    assert report.healthy, report.as_dict()["findings"]
