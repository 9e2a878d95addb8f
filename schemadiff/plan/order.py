"""The order statements run in: by phase, a valid topological order for the object kinds
schemadiff manages (schemas and types before tables, tables before their keys, referenced keys
before foreign keys; drops in the reverse order), then by object name within a phase, so the
same input always gives a byte-identical plan. This is the one place ordering lives."""

from __future__ import annotations

from typing import Sequence

from ..diff import changes as ch
from ..model import ForeignKey
from .describe import object_name

PHASES = (
    ch.CreateSchema, ch.RenameEnum, ch.CreateEnum, ch.RenameEnumValue, ch.AddEnumValue,
    ch.RenameTable, ch.RenameColumn, ch.RenameConstraint, ch.RenameIndex,
    "drop-foreign-keys", ch.DropIndex, ch.DropConstraint, ch.DropColumn, ch.DropTable,
    ch.RecreateEnum, ch.CreateTable, ch.AddColumn, ch.AlterColumn, ch.AlterConstraintTiming, "add-keys", ch.AddIndex,
    "add-foreign-keys", ch.ValidateConstraint, ch.DropEnum, ch.SetTableComment,
)


def _phase(change) -> int:
    if isinstance(change, ch.DropConstraint) and isinstance(change.constraint, ForeignKey):
        return PHASES.index("drop-foreign-keys")
    if isinstance(change, ch.AddConstraint):
        key = "add-foreign-keys" if isinstance(change.constraint, ForeignKey) else "add-keys"
        return PHASES.index(key)
    return PHASES.index(type(change))


def _sort_key(change) -> tuple:
    return (_phase(change), object_name(change))


def order(changes: Sequence) -> list:
    """Stable phase order; within a phase by object name (enum labels keep file order)."""
    expanded = list(changes)
    for change in changes:
        if isinstance(change, ch.DropTable):
            expanded += [ch.DropConstraint(change.table.qualified, fk) for fk in change.table.foreign_keys]
    return sorted(expanded, key=_sort_key)
