"""Changes to a table's partitioning: partitions created, dropped, attached, detached or
re-bounded; a changed partition key refused; and the partitioned-table variants of index and
foreign-key changes, which PostgreSQL cannot run online the way it does on a plain table."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

from ..model import ForeignKey, QualifiedName, Table
from ..model.partitions import DEFAULT_BOUND, Partition, PartitionColumn, all_partitions, partition_tree  # noqa: F401
from ..pg import normalize
from ..pg.compare import same_bound, same_key  # noqa: F401  (here too, for their old importers)
from .changes import AddConstraint, AddIndex, Change, DropIndex, SetTableComment


@dataclass(frozen=True)
class CreatePartition:
    """Create a partition (with its own partitions) of a partitioned table."""
    parent: QualifiedName
    partition: Partition
    new_table: bool = False  # the parent is created by the same plan
    scans_default: bool = False  # the parent has a DEFAULT partition, scanned for rows of the new bound


@dataclass(frozen=True)
class DropPartition:
    """Drop a partition no longer declared, with its rows."""
    parent: QualifiedName
    partition: Partition


@dataclass(frozen=True)
class AttachPartition:
    """Attach an existing table as a partition (a table the file now declares as a partition,
    or a partition detached to change its bound)."""
    parent: QualifiedName
    partition: Partition


@dataclass(frozen=True)
class DetachPartition:
    """Detach a partition, keeping it as a table (CONCURRENTLY when the parent has no DEFAULT partition)."""
    parent: QualifiedName
    partition: Partition
    concurrently: bool = False


@dataclass(frozen=True)
class SetPartitionColumn:
    """Set or clear a partition's own default or NOT NULL on a column (cleared: the parent's again)."""
    partition: QualifiedName
    from_: PartitionColumn
    to: PartitionColumn
    parent_default: Optional[str] = None  # what a cleared default goes back to

    @property
    def changed(self) -> tuple[str, ...]:
        return tuple(f for f, differs in (
            ("default", normalize.expression(self.from_.default) != normalize.expression(self.to.default)),
            ("nullable", self.from_.not_null != self.to.not_null)) if differs)


@dataclass(frozen=True)
class RepartitionRefused:
    """A changed partition key: not possible in place (a new table and a data migration)."""
    table: QualifiedName
    from_: Optional[str]
    to: Optional[str]


@dataclass(frozen=True)
class AddPartitionedIndex(AddIndex):
    """Create an index on an existing partitioned table, partition by partition when online."""
    partitions: tuple = ()  # the partitions it is built on: those kept attached by the plan


@dataclass(frozen=True)
class DropPartitionedIndex(DropIndex):
    """Drop an index of a partitioned table (never CONCURRENTLY: PostgreSQL refuses it there)."""


@dataclass(frozen=True)
class AddPartitionedForeignKey(AddConstraint):
    """Add a foreign key to an existing partitioned table (PostgreSQL cannot add it NOT VALID there)."""


@dataclass(frozen=True)
class Moves:
    """Tables that change side: ``standalone`` tables of the database the file declares as
    partitions (attached), and partitions the file declares as tables of their own (detached)."""
    standalone: frozenset = frozenset()
    detached: frozenset = frozenset()


def moves(current_tables: dict, desired_tables: dict, current_partitions: dict, desired_partitions: dict) -> Moves:
    return Moves(
        standalone=frozenset(k for k in current_tables if k not in desired_tables and k in desired_partitions
                             and k not in current_partitions),
        detached=frozenset(k for k in desired_tables if k not in current_tables and k in current_partitions
                           and k not in desired_partitions),
    )


def diff_partitioning(current: Table, desired: Table, moved: Moves) -> list[Change]:
    """The partitioning changes of a table that exists on both sides."""
    key = desired.qualified
    if not same_key(current.partition_by, desired.partition_by):
        return [RepartitionRefused(key, current.partition_by, desired.partition_by)]
    if desired.partition_by is None or desired.partitions_external:
        return []
    return _diff_level(key, current.partitions, desired.partitions, moved, _Parent.of(current, desired))


@dataclass(frozen=True)
class _Parent:
    """The desired defaults of the partitioned table's columns, and the columns whose default it
    changes: ALTER … SET DEFAULT on it recurses to every partition, so their own are set again."""
    defaults: tuple = ()
    reset: frozenset = frozenset()

    @classmethod
    def of(cls, current: Table, desired: Table) -> "_Parent":
        before = {c.name: c.default for c in current.columns}
        return cls(defaults=tuple((c.name, c.default) for c in desired.columns),
                   reset=frozenset(c.name for c in desired.columns if c.name in before
                                   and normalize.expression(before[c.name]) != normalize.expression(c.default)))


def new_table_partitions(table: Table, moved: Moves) -> list[Change]:
    """The partitions of a table the plan creates."""
    if table.partition_by is None or table.partitions_external:
        return []
    return [replace(c, new_table=True) if isinstance(c, CreatePartition) else c
            for c in _diff_level(table.qualified, (), table.partitions, moved)]


def _diff_level(parent: QualifiedName, current: tuple, desired: tuple, moved: Moves, columns: "_Parent" = _Parent()) -> list[Change]:
    cur = {p.qualified: p for p in current}
    want = {p.qualified: p for p in desired}
    has_default = not detaches_concurrently(current)
    changes: list[Change] = []
    for name, p in want.items():
        if name in moved.standalone:
            changes.append(AttachPartition(parent, p))
        elif name not in cur:
            changes.append(CreatePartition(parent, p, scans_default=has_default and p.bound != DEFAULT_BOUND))
    for name, p in cur.items():
        if name in moved.detached:
            changes.append(DetachPartition(parent, p, concurrently=not has_default))
        elif name not in want:
            changes.append(DropPartition(parent, p))
    for name in (n for n in want if n in cur):
        changes += _diff_partition(parent, cur[name], want[name], moved, columns)
    return changes


def detaches_concurrently(siblings: tuple) -> bool:
    """DETACH … CONCURRENTLY is refused when the parent has a DEFAULT partition."""
    return not any(p.bound == DEFAULT_BOUND for p in siblings)


def _diff_partition(parent: QualifiedName, old: Partition, new: Partition, moved: Moves, columns: _Parent) -> list[Change]:
    changes: list[Change] = []
    if not same_bound(old.bound, new.bound):  # keep the rows: detach, then attach under the new bound
        changes += [DetachPartition(parent, old), AttachPartition(parent, new)]
    if (old.comment or None) != (new.comment or None):
        changes.append(SetTableComment(new.qualified, old.comment, new.comment))
    changes += partition_details(old.parameters, new)
    changes += _diff_own(old, new, columns)
    if not same_key(old.partition_by, new.partition_by):
        return changes + [RepartitionRefused(new.qualified, old.partition_by, new.partition_by)]
    if new.partition_by and not new.partitions_external:
        changes += _diff_level(new.qualified, old.partitions, new.partitions, moved, columns)
    return changes


def _diff_own(old: Partition, new: Partition, parent: _Parent) -> list[Change]:
    """A kept partition's own indexes and checks (as a plain table's) and column defaults / NOT NULLs."""
    from .tables import _diff_constraints, _diff_indexes

    before = Table(old.schema, old.name, checks=old.checks, indexes=old.indexes)
    after = Table(new.schema, new.name, checks=new.checks, indexes=new.indexes)
    changes = _diff_constraints(new.qualified, before, after) + _diff_indexes(new.qualified, before, after)
    had = {c.name: c for c in old.columns}
    wants = {c.name: c for c in new.columns}
    defaults = dict(parent.defaults)
    for name in sorted(set(had) | set(wants)):
        was = had.get(name, PartitionColumn(name))
        if name in parent.reset and was.default is not None:  # the parent's new default overwrote it
            was = replace(was, default=defaults.get(name))
        change = SetPartitionColumn(new.qualified, was, wants.get(name, PartitionColumn(name)), defaults.get(name))
        if change.changed:
            changes.append(change)
    return changes


def partition_details(parameters: tuple, partition: Partition) -> list[Change]:
    """The storage parameters of a kept or attached partition (``parameters``: what it has now)."""
    from .table_details import SetStorageParameters

    if parameters == partition.parameters:
        return []
    return [SetStorageParameters(partition.qualified, parameters, partition.parameters)]


def partitioned_variants(changes: list, current: Table, desired: Table) -> list:
    """The index and foreign-key changes of an existing partitioned table, as the variants the
    planner runs partition by partition or without NOT VALID."""
    if current.partition_by is None or not same_key(current.partition_by, desired.partition_by):
        return changes
    kept = _kept(current.partitions, desired.partitions, desired.partitions_external)
    out = []
    for c in changes:
        if type(c) is AddIndex and not c.new_table:
            c = AddPartitionedIndex(c.table, c.index, partitions=kept)
        elif type(c) is DropIndex:
            c = DropPartitionedIndex(c.table, c.index)
        elif type(c) is AddConstraint and isinstance(c.constraint, ForeignKey) and not c.new_table:
            c = AddPartitionedForeignKey(c.table, c.constraint)
        out.append(c)
    return out


def _kept(current: tuple, desired: tuple, external: bool) -> tuple:
    """The current partitions the plan leaves attached under the same bound."""
    want = {p.qualified: p for p in desired}
    out = []
    for p in current:
        new = want.get(p.qualified)
        if external or (new is not None and same_bound(p.bound, new.bound)):
            below = _kept(p.partitions, new.partitions if new else (), external or bool(new and new.partitions_external))
            out.append(replace(p, partitions=below))
    return tuple(out)


__all__ = [
    "AddPartitionedForeignKey", "AddPartitionedIndex", "AttachPartition", "CreatePartition", "DetachPartition",
    "DropPartition", "DropPartitionedIndex", "Moves", "RepartitionRefused", "SetPartitionColumn", "all_partitions", "diff_partitioning",
    "moves", "new_table_partitions", "partition_tree", "partitioned_variants",
]


def detached_table(parent: Table, partition: Partition, key: str, concurrently: bool) -> Table:
    """What DETACH leaves: the parent's columns (identity is not inherited) and its keys,
    checks, foreign keys and indexes as the partition's own, under the names PostgreSQL gave
    their clones, so that the table the file declares is compared with that. DETACH
    CONCURRENTLY also leaves a CHECK of the old bound (``key``: the parent's partition key)."""
    from ..desired.partitions import key_columns
    from ..model import CheckConstraint
    from ..pg.naming import choose_name, index_key_name, name_addition

    taken: set = set()
    checks = parent.checks
    if concurrently and key_columns(key):  # only its name counts: the file never declares it
        bound_check = choose_name(partition.name, key_columns(key)[0], "check", lambda n: n in taken)
        checks += (CheckConstraint(bound_check, f"partition bound {partition.bound}"),)

    def name(columns, label: str) -> str:
        chosen = choose_name(partition.name, name_addition(columns), label, lambda n: n in taken)
        taken.add(chosen)
        return chosen

    pk = parent.primary_key
    # The clones carry none of the parent's comments on keys and indexes, only their shape.
    return replace(
        parent, schema=partition.schema, name=partition.name, comment=partition.comment,
        columns=tuple(replace(c, identity=None) for c in parent.columns),
        checks=tuple(replace(c, comment=None) for c in checks),
        primary_key=replace(pk, name=name((), "pkey"), comment=None) if pk else None,
        uniques=tuple(replace(u, name=name(u.columns, "key"), comment=None) for u in parent.uniques),
        foreign_keys=tuple(replace(f, comment=None) for f in parent.foreign_keys),
        exclusions=tuple(replace(x, comment=None) for x in parent.exclusions),
        indexes=tuple(replace(i, name=name([index_key_name(k) for k in i.keys], "idx"), comment=None)
                      for i in parent.indexes),
        partition_by=partition.partition_by, partitions=partition.partitions, renamed_from=None,
        parameters=partition.parameters,
    )
