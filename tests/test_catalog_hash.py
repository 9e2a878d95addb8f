"""The hash recorded with every applied version must not move when schemadiff learns new object
kinds: a file that uses none of them keeps the hash schemadiff 0.1.0 recorded (else `check`
would call every database "behind" after an upgrade)."""

from pathlib import Path

import pytest

from schemadiff import desired
from schemadiff.model import catalog_hash

ROOT = Path(__file__).resolve().parent.parent

# Computed by schemadiff 0.1.0 (commit d20e4c8) from the same files.
HASHES_OF_0_1_0 = {
    "schema.yaml": "f618f127c33e976d6a40fd29480ee3ea4b831f3cb93a44d18149318cc4df1093",
    "examples/full-schema.yaml": "c97ba4d462298501333f4d72fd16b5ca5fb21d0fa223e80330f9018cfb20754a",
}


@pytest.mark.parametrize("path", HASHES_OF_0_1_0)
def test_a_file_without_newer_features_keeps_its_0_1_0_hash(path):
    assert catalog_hash(desired.load(ROOT / path)) == HASHES_OF_0_1_0[path]


def test_a_newer_feature_changes_the_hash():
    plain = desired.loads("tables: {t: {columns: {a: text}}}")
    unlogged = desired.loads("tables: {t: {unlogged: true, columns: {a: text}}}")
    with_sequence = desired.loads("sequences: {s: {}}\ntables: {t: {columns: {a: text}}}")
    assert len({catalog_hash(plain), catalog_hash(unlogged), catalog_hash(with_sequence)}) == 3
