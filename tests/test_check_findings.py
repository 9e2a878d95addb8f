"""The diff read as health, without a database: each kind of drift names its object."""

from __future__ import annotations

import pytest

from schemadiff.diff import changes as ch
from schemadiff.monitor.check import findings_from_changes
from schemadiff.monitor.findings import CRITICAL
from schemadiff.model import Enum, QualifiedName

MOOD = QualifiedName("public", "mood")


@pytest.mark.parametrize("change", [
    ch.AddEnumValue(MOOD, "meh"),
    ch.RecreateEnum(Enum("public", "mood", ("sad", "ok")), Enum("public", "mood", ("sad",)), ()),
    ch.RenameEnum(QualifiedName("public", "feeling"), MOOD),
], ids=["label added", "label removed", "renamed"])
def test_an_enum_that_differs_is_named(change):
    [finding] = findings_from_changes([change])
    assert (finding.severity, finding.kind, finding.problem) == (CRITICAL, "enum", "differs")
    assert finding.object == "public.mood" and "public.mood" in finding.message


def test_a_pending_rename_says_from_what_to_what():
    [finding] = findings_from_changes([ch.RenameColumn(QualifiedName("public", "users"), "name", "full_name")])
    assert finding.message == "pending rename of name on public.users to full_name"
