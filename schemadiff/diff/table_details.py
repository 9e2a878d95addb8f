"""Changes of a table's details (storage parameters, UNLOGGED, REPLICA IDENTITY) and of a
column's generation expression. No SQL here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..model import Column, QualifiedName, Table
from ..pg import normalize


@dataclass(frozen=True)
class SetStorageParameters:
    """Set, change or reset a table's storage parameters (WITH)."""
    table: QualifiedName
    from_: tuple
    to: tuple

    @property
    def set(self) -> tuple:
        return tuple(p for p in self.to if p not in self.from_)

    @property
    def reset(self) -> tuple:
        kept = {name for name, _ in self.to}
        return tuple(name for name, _ in self.from_ if name not in kept)


@dataclass(frozen=True)
class SetLogged:
    """Make a table UNLOGGED or LOGGED again (PostgreSQL rewrites it)."""
    table: QualifiedName
    unlogged: bool


@dataclass(frozen=True)
class SetReplicaIdentity:
    """Set what a table's rows carry to logical replication (REPLICA IDENTITY)."""
    table: QualifiedName
    identity: str
    index: Optional[str] = None


@dataclass(frozen=True)
class AlterGeneration:
    """Change whether and how a column is generated. ``dependents``: the file's indexes and
    constraints on the column, made again where the column must be dropped and re-added;
    ``server_version`` (server_version_num) is filled in at plan time."""
    table: QualifiedName
    from_: Column
    to: Column
    dependents: tuple = ()
    server_version: int = 0
    rebuild: bool = False  # dropped earlier in the plan (DropGeneratedColumn): add it again

    @property
    def in_place(self) -> bool:
        """Whether the column stays: DROP EXPRESSION (13+) and SET EXPRESSION (17+) keep it;
        a plain column cannot become generated, nor an expression change before 17."""
        if self.to.generated is None:
            return True
        return self.from_.generated is not None and self.server_version >= 170000 and not self.rebuild


@dataclass(frozen=True)
class DropGeneratedColumn:
    """Drop a generated column before a column its expression reads is dropped or retyped
    (PostgreSQL refuses both while it exists); AlterGeneration adds it back afterwards."""
    table: QualifiedName
    column: Column


def generation_changed(a: Column, b: Column) -> bool:
    return normalize.expression(a.generated) != normalize.expression(b.generated)


def alter_generation(key: QualifiedName, before: Column, after: Column, desired: Table) -> AlterGeneration:
    return AlterGeneration(key, before, after, _dependents(desired, after.name))


def _mentions(column: str):
    from ..pg.naming import quote_ident

    pattern = re.compile(rf'(?<![\w."]){re.escape(quote_ident(column))}(?![\w"(])')
    return lambda *texts: any(pattern.search(t) for t in texts if t)


def rebuild_generated(key: QualifiedName, current: Table, desired: Table, changes: list) -> list:
    """``changes`` with every kept generated column whose expression reads a column that is
    dropped or retyped dropped first and added back after (see DropGeneratedColumn)."""
    from .changes import AlterColumn, DropColumn

    touched = {c.column.name for c in changes if isinstance(c, DropColumn)}
    touched |= {c.to.name for c in changes if isinstance(c, AlterColumn) and "type" in c.changed}
    wanted = {c.name: c for c in desired.columns if c.generated is not None}
    stale = [c for c in current.columns if c.generated is not None and c.name in wanted
             and any(_mentions(name)(c.generated) for name in touched)]
    if not stale:
        return changes
    names = {c.name for c in stale}
    out = [c for c in changes if not (isinstance(c, (AlterColumn, AlterGeneration)) and c.to.name in names)]
    for column in stale:
        out.append(DropGeneratedColumn(key, column))
        out.append(AlterGeneration(key, column, wanted[column.name], _dependents(desired, column.name), rebuild=True))
    return out


def _dependents(table: Table, column: str) -> tuple:
    mentions = _mentions(column)

    indexes = tuple(i for i in table.indexes if column in i.include or mentions(i.where, *i.keys))
    keyed = tuple(c for c in table.constraints if column in getattr(c, "columns", ()))
    checks = tuple(c for c in table.checks if mentions(c.expression))
    return keyed + checks + indexes


def diff_table_details(current: Table, desired: Table, changes: list) -> list:
    """Details of a table kept by the plan; ``changes``: the table's other changes (a replica
    identity index dropped and made again must be named again)."""
    key = desired.qualified
    out: list = []
    if current.unlogged != desired.unlogged:
        out.append(SetLogged(key, desired.unlogged))
    if current.parameters != desired.parameters:
        out.append(SetStorageParameters(key, current.parameters, desired.parameters))
    if (current.replica_identity, current.replica_index) != (desired.replica_identity, desired.replica_index) \
            or desired.replica_index in _remade(changes):
        out.append(SetReplicaIdentity(key, desired.replica_identity, desired.replica_index))
    return out


def _remade(changes: list) -> set:
    from .changes import DropConstraint, DropIndex

    names = {c.index.name for c in changes if isinstance(c, DropIndex)}
    names |= {c.constraint.name for c in changes if isinstance(c, DropConstraint)}
    for c in changes:
        if isinstance(c, AlterGeneration) and not c.in_place:  # in place or not is known at plan time
            names |= {d.name for d in c.dependents}
    return names


def details_of_new_table(table: Table) -> list:
    """What CREATE TABLE cannot say: the replica identity, once the table's indexes exist."""
    if table.replica_identity == "default":
        return []
    return [SetReplicaIdentity(table.qualified, table.replica_identity, table.replica_index)]
