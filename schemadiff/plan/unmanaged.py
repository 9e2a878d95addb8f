"""Hazards from objects schemadiff does not manage (catalog/unmanaged.py) that depend on what a
change touches: a view reading a column whose type changes makes the ALTER fail; a trigger on
a dropped table goes with it, and nothing recreates it. Code UNMANAGED_DEPENDENT: destructive
when the change would drop the object,
locking when the change fails or reaches further than the file says."""

from __future__ import annotations

from typing import Iterable, Sequence

from ..diff import changes as ch
from ..model import QualifiedName
from .statements import DESTRUCTIVE, LOCKING, Hazard

CODE = "UNMANAGED_DEPENDENT"

# What PostgreSQL says when ALTER COLUMN TYPE meets a dependent object, by kind.
_ALTER_TYPE_ERRORS = {
    "view": "cannot alter type of a column used by a view or rule",
    "materialized view": "cannot alter type of a column used by a view or rule",
    "rule": "cannot alter type of a column used by a view or rule",
    "policy": "cannot alter type of a column used in a policy definition",
    "trigger": "cannot alter type of a column used in a trigger definition",
    "function": "cannot alter type of a column used by a function or procedure",
    "procedure": "cannot alter type of a column used by a function or procedure",
}
_READS = {"view", "materialized view", "rule", "policy", "function", "procedure", "aggregate", "window function"}


def dependent_hazards(change, objects: Sequence) -> tuple[Hazard, ...]:
    """The hazards of ``change`` from the unmanaged ``objects`` depending on what it touches."""
    if not objects:
        return ()
    if isinstance(change, ch.DropTable):
        return _drop(objects, "table", change.table.qualified, None, "DROP TABLE",
                     f"cannot drop table {change.table.qualified.name} because other objects depend on it")
    if isinstance(change, ch.DropColumn):
        return _drop(objects, "table", change.table, change.column.name, "DROP COLUMN",
                     f"cannot drop column {change.column.name} of table {change.table.name} because other objects depend on it")
    if isinstance(change, ch.AlterColumn) and "type" in change.changed:
        return _alter_type(objects, change.table, change.to.name)
    if isinstance(change, ch.DropConstraint):
        return _drop(objects, "constraint", change.table, change.constraint.name, "DROP CONSTRAINT",
                     f"cannot drop constraint {change.constraint.name} on table {change.table.name} because other objects depend on it")
    if isinstance(change, ch.DropEnum):
        return _drop(objects, "type", change.enum.qualified, None, "DROP TYPE",
                     f"cannot drop type {change.enum.name} because other objects depend on it")
    if isinstance(change, ch.RecreateEnum):
        return _recreate_enum(objects, change)
    return ()


def _drop(objects: Iterable, what: str, target: QualifiedName, sub, verb: str, error: str) -> tuple[Hazard, ...]:
    """A DROP of ``target`` (its column or constraint ``sub``): objects that go with it are
    lost; objects that merely depend on it make the statement fail."""
    hazards = []
    for obj in objects:
        deps = obj.depends_on(what, target, sub)
        if not deps:
            continue
        where = _where(what, target, sub)
        if any(d.goes_with_it for d in deps) or obj.kind == "publication":
            lost = "takes the table out of it" if obj.kind == "publication" else "drops it too"
            hazards.append(Hazard(DESTRUCTIVE, CODE, f"{obj.label} depends on {where}: {verb} {lost}, "
                                                     "and schemadiff does not recreate it"))
        else:
            hazards.append(Hazard(LOCKING, CODE, f"{obj.label} {_verb(obj)} {where}: {verb} will fail with '{error}'; "
                                                 "drop or change it by hand first"))
    return tuple(hazards)


def _alter_type(objects: Iterable, table: QualifiedName, column: str) -> tuple[Hazard, ...]:
    """ALTER COLUMN TYPE fails on every object that depends on the column without going with it
    (extended statistics, which go with it, are rebuilt instead)."""
    hazards = []
    for obj in objects:
        deps = obj.depends_on("table", table, column)
        if not deps or all(d.goes_with_it for d in deps):
            continue
        error = _ALTER_TYPE_ERRORS.get(obj.kind, "cannot alter type of a column other objects depend on")
        hazards.append(Hazard(LOCKING, CODE, f"{obj.label} {_verb(obj)} column {table}.{column}: ALTER COLUMN TYPE "
                                             f"will fail with '{error}'; drop it by hand first and recreate it after"))
    return tuple(hazards)


def _recreate_enum(objects: Iterable, change: ch.RecreateEnum) -> tuple[Hazard, ...]:
    hazards = list(_drop(objects, "type", change.from_.qualified, None, "DROP TYPE of the old enum",
                         f"cannot drop type {change.from_.name}__schemadiff_old because other objects depend on it"))
    for table, column, _ in change.columns:
        hazards += _alter_type(objects, table, column)
    return tuple(hazards)


def _where(what: str, target: QualifiedName, sub) -> str:
    if what == "table":
        return f"column {target}.{sub}" if sub else f"table {target}"
    if what == "constraint":
        return f"constraint {sub} on {target}"
    return f"type {target}"


def _verb(obj) -> str:
    return "reads" if obj.kind in _READS else "depends on"
