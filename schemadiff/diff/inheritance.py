"""Table inheritance (``INHERITS``): parents gained and given up by a table that exists on
both sides, and the view of a child's columns and checks the table diff compares.

A child's model holds its own (local) columns and checks only; what it inherits is its
parents'. A column added to or dropped from a parent reaches its children through PostgreSQL
itself, so the child's diff leaves out every name the child inherits once the plan has run."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable

from ..model import CheckConstraint, Column, QualifiedName, Table


@dataclass(frozen=True)
class InheritTable:
    """ALTER TABLE … INHERIT parent: the table must already have the parent's columns (same
    types) and its checks; those the plan can give it are added first."""
    table: QualifiedName
    parent: QualifiedName


@dataclass(frozen=True)
class NoInheritTable:
    """ALTER TABLE … NO INHERIT parent: what the table inherited stays, as its own."""
    table: QualifiedName
    parent: QualifiedName


def inherited_columns(tables: dict, parents: Iterable[QualifiedName], renames: dict | None = None) -> dict[str, Column]:
    """Columns that ``parents`` pass on (theirs and what they inherit), by name."""
    return {c.name: c for c in _walk(tables, parents, renames or {}, lambda t: t.columns)}


def inherited_checks(tables: dict, parents: Iterable[QualifiedName], renames: dict | None = None) -> dict[str, CheckConstraint]:
    """Checks that ``parents`` pass on (NO INHERIT ones stay with their table), by name."""
    return {c.name: c for c in _walk(tables, parents, renames or {}, lambda t: t.checks) if not c.no_inherit}


def _walk(tables: dict, parents: Iterable[QualifiedName], renames: dict, items) -> list:
    out, todo, seen = [], list(parents), set()
    while todo:
        key = todo.pop(0)
        key = renames.get(key, key)
        parent = tables.get(key)
        if parent is None or key in seen:
            continue
        seen.add(key)
        out += items(parent)
        todo += parent.inherits
    return out


def parents_now(current: Table, renames: dict) -> tuple[QualifiedName, ...]:
    """``current``'s parents under the names the file gives them (renamed tables followed)."""
    return tuple(renames.get(p, p) for p in current.inherits)


def diff_inheritance(current_tables: dict, desired_tables: dict, current: Table, desired: Table,
                     renames: dict) -> list:
    """NO INHERIT for parents given up; INHERIT for new ones, after the columns and checks
    the new parents need on the child that it lacks (with the parent's definition)."""
    from .changes import AddColumn, AddConstraint

    have = parents_now(current, renames)
    kept = [p for p in have if p in desired.inherits]
    gained = [p for p in desired.inherits if p not in have]
    changes: list = [NoInheritTable(desired.qualified, p) for p in have if p not in desired.inherits]
    if not gained:
        return changes
    key = desired.qualified
    own = {c.name for c in current.columns} | set(inherited_columns(current_tables, have, renames))
    still = set(inherited_columns(desired_tables, kept))
    for column in inherited_columns(desired_tables, gained).values():
        if column.name not in own and column.name not in still:
            changes.append(AddColumn(key, replace(column, identity=None, identity_options=None, serial=False,
                                                  comment=None, renamed_from=None)))
    own_checks = {c.name for c in current.checks} | set(inherited_checks(current_tables, have, renames))
    still_checks = set(inherited_checks(desired_tables, kept))
    for check in inherited_checks(desired_tables, gained).values():
        if check.name not in own_checks and check.name not in still_checks:
            changes.append(AddConstraint(key, replace(check, comment=None, renamed_from=None)))
    return changes + [InheritTable(key, p) for p in gained]


def comparable(current_tables: dict, desired_tables: dict, current: Table, desired: Table,
               renames: dict) -> tuple[Table, Table]:
    """``current`` and ``desired`` as the table diff should compare them: the columns and
    checks a parent given up leaves to the child count as the child's own; names the child
    inherits once the plan has run are left out on both sides (its parents own them)."""
    if not current.inherits and not desired.inherits:
        return current, desired
    have = parents_now(current, renames)
    kept = [p for p in have if p in desired.inherits]
    given_up = [p for p in have if p not in desired.inherits]
    old = renames  # the live tables are keyed by the file's names; their inherits are not
    if given_up:
        own = {c.name for c in current.columns}
        still = inherited_columns(current_tables, kept, old)
        freed = [c for c in inherited_columns(current_tables, given_up, old).values()
                 if c.name not in own and c.name not in still]
        own_checks = {c.name for c in current.checks}
        still_checks = inherited_checks(current_tables, kept, old)
        freed_checks = [c for c in inherited_checks(current_tables, given_up, old).values()
                        if c.name not in own_checks and c.name not in still_checks]
        current = replace(current, columns=current.columns + tuple(replace(c, serial=False, identity=None,
                                                                           identity_options=None) for c in freed),
                          checks=current.checks + tuple(freed_checks))
    will = inherited_columns(desired_tables, desired.inherits)
    will_checks = inherited_checks(desired_tables, desired.inherits)
    current = replace(current, columns=tuple(c for c in current.columns if c.name not in will),
                      checks=tuple(c for c in current.checks if c.name not in will_checks))
    desired = replace(desired, columns=tuple(c for c in desired.columns if c.name not in will),
                      checks=tuple(c for c in desired.checks if c.name not in will_checks))
    return current, desired


def inheritance_depth(table: Table, tables: dict) -> int:
    """Generations of parents above ``table`` (0: none): new parents are created first,
    children dropped first."""
    depth, level, seen = 0, list(table.inherits), set()
    while level:
        level = [p for p in level if p not in seen and p in tables]
        if not level:
            break
        depth += 1
        seen |= set(level)
        level = [g for p in level for g in tables[p].inherits]
    return depth
