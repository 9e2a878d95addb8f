"""The order statements run in: by phase, a valid topological order for the object kinds
schemadiff manages (schemas and types before tables, tables before their keys, referenced keys
before foreign keys; drops in the reverse order), then by object name within a phase, so the
same input always gives a byte-identical plan. This is the one place ordering lives."""

from __future__ import annotations

from typing import Sequence

from ..diff import changes as ch, table_details as td
from ..model import ForeignKey
from .describe import object_name

PHASES = (
    ch.CreateSchema, ch.RenameEnum, ch.CreateEnum, ch.RenameEnumValue, ch.AddEnumValue,
    ch.RenameTable, ch.RenameColumn, ch.RenameConstraint, ch.RenameIndex,
    "drop-foreign-keys", td.DropGeneratedColumn, ch.DropIndex, ch.DropConstraint, ch.DropColumn, ch.DropTable,
    ch.RecreateEnum, ch.CreateTable, ch.AddColumn, ch.AlterColumn, td.AlterGeneration, td.SetLogged,
    td.SetStorageParameters, "add-keys", ch.AddIndex, "add-foreign-keys", ch.ValidateConstraint,
    td.SetReplicaIdentity, ch.DropEnum, ch.SetTableComment,
)


def _phase(change) -> int:
    # A generated column goes before the columns it reads go or change type, and comes after.
    if isinstance(change, ch.DropColumn) and change.column.generated is not None \
            or isinstance(change, td.AlterGeneration) and change.to.generated is None:
        return PHASES.index(td.DropGeneratedColumn)
    if isinstance(change, ch.AddColumn) and change.column.generated is not None:
        return PHASES.index(td.AlterGeneration)
    if isinstance(change, ch.DropConstraint) and isinstance(change.constraint, ForeignKey):
        return PHASES.index("drop-foreign-keys")
    if isinstance(change, ch.AddConstraint):
        key = "add-foreign-keys" if isinstance(change.constraint, ForeignKey) else "add-keys"
        return PHASES.index(key)
    return PHASES.index(type(change))


def _sort_key(change) -> tuple:
    return (_phase(change), _uses_sequences(change), object_name(change))


def _uses_sequences(change) -> bool:
    """New tables whose defaults draw on a sequence (an inheritance child's ``id`` reads its
    parent's serial sequence) come after the others, which make their serial sequences."""
    return isinstance(change, ch.CreateTable) and any(
        c.default is not None and "nextval(" in c.default for c in change.table.columns)


def order(changes: Sequence) -> list:
    """Stable phase order; within a phase by object name (enum labels keep file order)."""
    expanded = list(changes)
    for change in changes:
        if isinstance(change, ch.DropTable):
            expanded += [ch.DropConstraint(change.table.qualified, fk) for fk in change.table.foreign_keys]
    return sorted(expanded, key=_sort_key)
