"""The generic keyed diff every object kind uses: objects matched by name, renames matched
through their ``renamed_from`` hint."""

from __future__ import annotations

from typing import Callable, Iterable


def keyed_diff(current: dict, desired: dict):
    """The generic keyed diff: (added, removed, common keys), each in a stable order."""
    added = [k for k in desired if k not in current]
    removed = [k for k in current if k not in desired]
    common = [k for k in desired if k in current]
    return added, removed, common


def match_renames(current: dict, desired: dict, old_key: Callable) -> tuple[dict, list]:
    """Re-key ``current`` so that objects renamed in ``desired`` sit under their new key.
    Returns the re-keyed dict and the (old_key, new_key) pairs that were renamed."""
    renames = []
    rekeyed = dict(current)
    for key, obj in desired.items():
        old = old_key(key, obj)
        if old is None or key in current or old not in rekeyed:
            continue
        renames.append((old, key))
        rekeyed[key] = rekeyed.pop(old)
    return rekeyed, renames


def _by_name(items: Iterable) -> dict:
    return {item.name: item for item in items}


def _old_name(key, obj):
    return getattr(obj, "renamed_from", None)
