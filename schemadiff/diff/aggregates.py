"""Aggregates: created, replaced in place (``CREATE OR REPLACE AGGREGATE``, PostgreSQL 12+),
dropped and re-created where PostgreSQL refuses ``OR REPLACE`` (another kind, number of direct
arguments or result type), dropped, commented. Matched by schema, name and argument types.

Dropped only by a file with an ``aggregates:`` key."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

from ..model import Aggregate, Catalog
from .keyed import keyed_diff


@dataclass(frozen=True)
class CreateAggregate:
    """Create an aggregate (after the functions it uses, before the views that call it)."""
    aggregate: Aggregate
    reason: str = field(default="", compare=False)


@dataclass(frozen=True)
class ChangeAggregate:
    """``CREATE OR REPLACE AGGREGATE``: in place, the views calling it keep working."""
    from_: Aggregate
    to: Aggregate


@dataclass(frozen=True)
class ReplaceAggregate:
    """Drop and re-create an aggregate ``OR REPLACE`` cannot change (``reason``); the views
    calling it are dropped before and made again after (diff/dependents)."""
    old: Aggregate
    new: Aggregate
    reason: str = field(default="", compare=False)

    @property
    def touches(self) -> tuple:
        return ("function", self.old.schema, self.old.signature)


@dataclass(frozen=True)
class DropAggregate:
    """Drop an aggregate the file no longer declares."""
    aggregate: Aggregate

    @property
    def touches(self) -> tuple:
        return ("function", self.aggregate.schema, self.aggregate.signature)


@dataclass(frozen=True)
class SetAggregateComment:
    """Set or clear the comment of an aggregate."""
    aggregate: Aggregate
    comment: Optional[str]


def diff_aggregates(current: Catalog, desired: Catalog) -> list:
    cur, want = current.aggregate_map(), desired.aggregate_map()
    added, removed, common = keyed_diff(cur, want)
    changes: list = [CreateAggregate(want[k]) for k in added]
    if desired.manages_aggregates:
        changes += [DropAggregate(cur[k]) for k in removed]
    for k in common:
        old, new = cur[k], want[k]
        if replace(old, comment=None) != replace(new, comment=None):
            reason = refused_in_place(old, new)
            changes.append(ReplaceAggregate(old, new, reason) if reason else ChangeAggregate(old, new))
            if reason:
                continue
        if old.comment != new.comment:
            changes.append(SetAggregateComment(new, new.comment))
    return changes


def refused_in_place(old: Aggregate, new: Aggregate) -> str:
    """Why ``CREATE OR REPLACE AGGREGATE`` would fail, or "". Its result type is the final
    function's (else the state type): changing either may change it, so either is a re-creation."""
    if (old.direct, old.hypothetical) != (new.direct, new.hypothetical):
        return "its kind (plain, ordered-set, hypothetical-set) or number of direct arguments changes"
    if old.stype != new.stype:
        return f"its state type changes ({old.stype} -> {new.stype})"
    if old.finalfunc != new.finalfunc:
        return f"its final function changes ({old.finalfunc or 'none'} -> {new.finalfunc or 'none'})"
    return ""
