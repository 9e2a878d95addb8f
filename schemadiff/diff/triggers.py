"""Triggers: created, dropped, re-created when anything but their enabled state or comment
differs (``CREATE OR REPLACE TRIGGER`` where the server allows it), enabled or disabled,
commented. Matched by table and name; WHEN conditions compare by text, then by parse tree.

Dropped only by a file with a ``triggers:`` key: a file written before triggers were managed
must not start dropping them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

from ..model import Catalog, Trigger
from ..pg.sqltree import same_expression
from .keyed import keyed_diff


@dataclass(frozen=True)
class CreateTrigger:
    """Create a trigger (its enabled state and comment with it)."""
    trigger: Trigger
    reason: str = field(default="", compare=False)  # "re-created around …" when the dependents pass made it


@dataclass(frozen=True)
class DropTrigger:
    """Drop a trigger no longer declared (or to re-create it around a change)."""
    trigger: Trigger
    reason: str = field(default="", compare=False)


@dataclass(frozen=True)
class ReplaceTrigger:
    """Re-create a trigger whose definition changes: ``CREATE OR REPLACE`` on PostgreSQL 14+
    (not for constraint triggers), else drop and create in the same transaction."""
    from_: Trigger
    to: Trigger
    server_version: int = 0


@dataclass(frozen=True)
class SetTriggerEnabled:
    """ALTER TABLE … ENABLE [ALWAYS | REPLICA] / DISABLE TRIGGER."""
    trigger: Trigger
    enabled: str


@dataclass(frozen=True)
class SetTriggerComment:
    """Set or clear a trigger's comment."""
    trigger: Trigger
    comment: Optional[str]


def same_trigger(a: Trigger, b: Trigger) -> bool:
    """Whether two triggers have the same definition (enabled state and comment aside)."""
    plain = {"enabled": "origin", "comment": None, "when": None}
    return replace(a, **plain) == replace(b, **plain) and same_expression(a.when, b.when)


def diff_triggers(current: Catalog, desired: Catalog) -> list:
    cur = {t.key: t for t in current.triggers}
    want = {t.key: t for t in desired.triggers}
    added, removed, common = keyed_diff(cur, want)
    changes: list = [CreateTrigger(want[k]) for k in added]
    changes += [DropTrigger(cur[k]) for k in removed if desired.manages_triggers]
    for k in common:
        old, new = cur[k], want[k]
        if not same_trigger(old, new):
            changes.append(ReplaceTrigger(old, new))
            continue
        if old.enabled != new.enabled:
            changes.append(SetTriggerEnabled(new, new.enabled))
        if old.comment != new.comment:
            changes.append(SetTriggerComment(new, new.comment))
    return changes
